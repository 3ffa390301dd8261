/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpsip.h - rebuild the byte stream of each TCP direction on a SIP port from
 * captured segments (lost, reordered, retransmitted) and cut SIP messages out
 * of it with sip_frame().
 *
 * A direction is (src, dst, sport, dport); the two directions of a
 * connection are independent.  Memory is bounded per direction (conn_limit)
 * and in all (total_limit); what does not fit is dropped, counted, and the
 * stream resynchronises on the next line that looks like a SIP start line.
 */
#ifndef SIPXDP_TCPSIP_H
#define SIPXDP_TCPSIP_H

#include <stddef.h>
#include <stdint.h>

#include "sipxdp.h"	/* struct sipxdp_addr: 16 bytes, IPv4 stored IPv4-mapped */

/* Hashed as raw bytes: no padding, so no garbage in the key. */
struct tcpsip_flow {
	struct sipxdp_addr src, dst;
	uint16_t sport, dport;	/* host byte order */
};
_Static_assert(sizeof(struct tcpsip_flow) == 36, "tcpsip_flow has no padding");

struct tcpsip_stats {
	uint64_t segments;		/* well-formed segments fed */
	uint64_t messages;		/* SIP messages handed to the callback */
	uint64_t retransmissions;	/* payload wholly or partly seen before */
	uint64_t out_of_order;		/* segments held for a gap */
	uint64_t gaps_skipped;		/* gaps given up on (hold bound or timeout) */
	uint64_t not_sip_resyncs;	/* non-SIP bytes skipped to find a start line */
	uint64_t dropped_conn_memory;	/* a direction's hold went over conn_limit */
	uint64_t dropped_total_memory;	/* bytes dropped for total_limit */
	uint64_t connections;		/* directions created */
	uint64_t connections_expired;	/* idle for idle_ns */
	uint64_t connections_evicted;	/* oldest dropped beyond max_conns */
	uint64_t oversize_messages;	/* messages larger than conn_limit */
	/* additions */
	uint64_t malformed;		/* TCP header shorter than 20 bytes or data offset bad */
	uint64_t keepalives;		/* runs of CR/LF skipped between messages (RFC 5626) */
};

/* Called for every complete message, in stream order; msg is contiguous and
 * valid only during the call. */
typedef void (*tcpsip_msg_cb)(void *ctx, const struct tcpsip_flow *flow,
			      const char *msg, size_t len, uint64_t ts_ns);

struct tcpsip;

/* How long a gap may stay open before it is skipped, unless set otherwise. */
#define TCPSIP_DEF_GAP_NS	1000000000ULL

/*
 * conn_limit: bytes buffered per direction (also the largest message);
 * total_limit: bytes buffered in all; idle_ns: a direction without segments
 * this long is dropped; max_conns: directions tracked at once (the least
 * recently fed is evicted beyond).  NULL on bad arguments or no memory.
 */
struct tcpsip *tcpsip_new(size_t conn_limit, size_t total_limit, uint64_t idle_ns,
			  unsigned int max_conns);
void tcpsip_free(struct tcpsip *t);

/*
 * Feed one segment: tcp points at the TCP header, len covers header and
 * payload as captured.  Calls cb (may be NULL) for every complete message.
 * Returns 0, or -EINVAL for a malformed header (counted in stats.malformed).
 */
int tcpsip_feed(struct tcpsip *t, const struct tcpsip_flow *flow, const uint8_t *tcp,
		size_t len, uint64_t now_ns, tcpsip_msg_cb cb, void *ctx);

/* Drop directions idle for idle_ns; buffered partial messages are lost. */
void tcpsip_expire(struct tcpsip *t, uint64_t now_ns);

/*
 * tcpsip_expire(), and also skip gaps open longer than the gap timeout,
 * delivering the messages behind them to cb.  (tcpsip_feed skips a timed-out
 * gap of its own direction too; this catches directions that went quiet.)
 */
void tcpsip_expire_cb(struct tcpsip *t, uint64_t now_ns, tcpsip_msg_cb cb, void *ctx);

/* Gap timeout (default TCPSIP_DEF_GAP_NS, at most idle_ns). */
void tcpsip_set_gap_timeout(struct tcpsip *t, uint64_t gap_ns);

const struct tcpsip_stats *tcpsip_stats(const struct tcpsip *t);

/* Bytes buffered now: partial messages plus held out-of-order segments
 * (with their bookkeeping); what total_limit bounds. */
size_t tcpsip_mem_used(const struct tcpsip *t);

/* Directions tracked now. */
unsigned int tcpsip_conn_count(const struct tcpsip *t);

#endif /* SIPXDP_TCPSIP_H */
