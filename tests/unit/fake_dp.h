/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_dp.h - the data plane (user/dataplane.h) in memory, for unit tests
 * of the call logic: endpoints and port bits as the agent pushes them, and
 * RTP counted the way the XDP program counts it (the same rules for which
 * packets make a stream, the same include/rtp_stats.h), plus a log of every
 * call the agent made, so a test can check what reached the "kernel".
 */
#ifndef SIPXDP_FAKE_DP_H
#define SIPXDP_FAKE_DP_H

#include <stdbool.h>
#include <stdint.h>
#include "hashing.h"

#include "dataplane.h"

enum fake_op { FAKE_EP_SET, FAKE_EP_DEL, FAKE_PORT_ON, FAKE_PORT_OFF, FAKE_STREAM_DEL };

struct fake_log {
	enum fake_op op;
	struct endpoint_key ep;		/* FAKE_EP_* */
	struct stream_key stream;	/* FAKE_STREAM_DEL */
	uint16_t port;			/* FAKE_PORT_*, host order */
};

struct fake_ep {
	struct endpoint_key key;
	struct endpoint_info info;
	uint64_t unpaired_created;	/* the kernel's ep_unpaired count */
	UT_hash_handle hh;
};

struct fake_stream {
	struct stream_key key;
	struct stream_state st;
	UT_hash_handle hh;
};

#define FAKE_LOG_MAX 4096

struct fake_dp {
	struct dp dp;			/* first: what the agent is given */
	struct fake_ep *eps;
	struct fake_stream *streams;
	uint64_t ports[65536 / 64];
	struct sipxdp_health health;
	unsigned int max_endpoints;	/* 0: unbounded; else endpoint_set beyond it is -E2BIG */
	unsigned int max_streams;	/* 0: unbounded; else new streams beyond it are refused */
	int pending_expire_ret;		/* what pending_expire returns */
	uint64_t unpaired_max;		/* as the program's rodata; 0: no bound */
	uint64_t unpaired_created, unpaired_released;
	unsigned int nlog;
	struct fake_log log[FAKE_LOG_MAX];
};

void fake_dp_init(struct fake_dp *f);
void fake_dp_free(struct fake_dp *f);

/*
 * One RTP packet from src:sport to dst:dport (ports host order) at now_ns,
 * counted as the XDP program counts it: only when either port's bit is on,
 * a known stream is updated, a new one starts when the destination (else
 * the source) is a learned non-RTCP endpoint, with the clocks of both ends.
 * Returns true when the packet was counted in a stream.
 */
bool fake_dp_rtp(struct fake_dp *f, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		 uint32_t ssrc, uint16_t seq, uint32_t ts, uint8_t pt, uint64_t now_ns);

/* Endpoint addr:port (textual address, IPv4 or IPv6; port host order) in the map, or NULL. */
const struct endpoint_info *fake_dp_endpoint(const struct fake_dp *f, const char *addr, uint16_t port);
bool fake_dp_port_on(const struct fake_dp *f, uint16_t port);
unsigned int fake_dp_nr_endpoints(const struct fake_dp *f);
unsigned int fake_dp_nr_streams(const struct fake_dp *f);
/* How many logged calls of op (and, for FAKE_PORT_*, of that port; port 0: any). */
unsigned int fake_dp_count(const struct fake_dp *f, enum fake_op op, uint16_t port);

/* Textual address to the 16-byte form (IPv4 mapped). */
void fake_addr(struct sipxdp_addr *a, const char *text);

#endif /* SIPXDP_FAKE_DP_H */
