/* SPDX-License-Identifier: GPL-2.0 */
/* kern.h - the agent's view of the XDP program and its maps. */
#ifndef SIPXDP_KERN_H
#define SIPXDP_KERN_H

#include <stdbool.h>
#include <stdint.h>
#include "sipxdp.h"

struct sipxdp_bpf;
struct perf_buffer;

#define KERN_MAX_LINKS 32
/* Largest frame replayed offline: beyond a page, the kernel hands a frags-aware program a multi-buffer frame. */
#define KERN_FRAME_MAX 65535

struct kern_opts {
	uint16_t sip_ports[SIPXDP_MAX_SIP_PORTS];	/* host order */
	int nr_sip_ports;
	uint16_t tls_ports[SIPXDP_MAX_TLS_PORTS];	/* host order */
	int nr_tls_ports;
	uint32_t max_endpoints;
	uint32_t max_streams;
	bool offline;		/* timestamps from XDP metadata, nothing attached */
	bool egress;		/* load the TC egress program too */
};

typedef void (*kern_sip_cb)(void *ctx, const struct sipxdp_meta *m, const uint8_t *frame);

struct kern {
	struct sipxdp_bpf *skel;
	struct perf_buffer *pb;
	int link_fd[KERN_MAX_LINKS];
	char ifname[KERN_MAX_LINKS][48];
	int nr_links;
	int nr_cpus;
	uint64_t perf_lost;	/* events the perf buffer dropped */
	uint64_t events_bad;	/* events too short or inconsistent to read */
	kern_sip_cb sip_cb;
	void *sip_ctx;
};

int kern_open(struct kern *k, const struct kern_opts *o, kern_sip_cb cb, void *ctx);
/* mode: 0 native (driver), 1 skb (generic). */
int kern_attach(struct kern *k, const char *ifname, int mode);
/* The same observer on TC egress of ifname: traffic the host itself sends. */
int kern_attach_egress(struct kern *k, const char *ifname);
int kern_poll(struct kern *k, int timeout_ms);
/* Run one frame through the program with its capture timestamp (offline mode). */
int kern_run_frame(struct kern *k, const uint8_t *frame, uint32_t len, uint64_t ts_ns);
int kern_health(struct kern *k, struct sipxdp_health *sum);
int kern_endpoint_set(struct kern *k, const struct endpoint_key *key, const struct endpoint_info *info);
int kern_endpoint_del(struct kern *k, const struct endpoint_key *key);
/* Mark a port (host order) as used, or no longer used, by some media endpoint. */
void kern_media_port(struct kern *k, uint16_t port, bool on);
int kern_stream_get(struct kern *k, const struct stream_key *key, struct stream_state *st);
int kern_stream_del(struct kern *k, const struct stream_key *key);
/* Iterate the stream keys; cb returns non-zero to stop. */
int kern_streams_foreach(struct kern *k, int (*cb)(void *ctx, const struct stream_key *key), void *ctx);
/* Drop held RTP records (see `pending` in the program) last seen before older_than_ns. */
int kern_pending_expire(struct kern *k, uint64_t older_than_ns);
void kern_close(struct kern *k);

#endif
