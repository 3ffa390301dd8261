/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dataplane.h - the one door between the agent's logic and the kernel:
 * everything user space asks of the XDP program's maps.  kern.c implements
 * it with libbpf on the loaded program; tests/unit/fake_dp.c implements it
 * in memory, so the call logic above is unit-tested without a kernel.
 * Nothing above this header includes libbpf or the skeleton.
 *
 * Keys and values are the ABI types of include/sipxdp.h.  Functions return
 * 0 or -errno.
 */
#ifndef SIPXDP_DATAPLANE_H
#define SIPXDP_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sipxdp.h"

struct dp;

/* What the program is loaded with. */
struct dp_opts {
	uint16_t sip_ports[SIPXDP_MAX_SIP_PORTS];	/* host order */
	int nr_sip_ports;
	uint16_t tls_ports[SIPXDP_MAX_TLS_PORTS];	/* host order */
	int nr_tls_ports;
	uint32_t max_endpoints;
	uint32_t max_streams;
	uint64_t unpaired_max;	/* unpaired streams at once, in all; 0: no bound */
	bool offline;		/* timestamps from XDP metadata, nothing attached */
	bool egress;		/* load the TC egress program too */
	bool may_fall_back;	/* a load refused for lack of privilege is the caller's to report */
	/*
	 * --persist: the instance's directory on a BPF filesystem, where the
	 * maps and links are pinned (and taken from, when an earlier agent of
	 * the same layout left them); NULL: nothing pinned.  reset_pins: pins
	 * of another layout are replaced rather than refused.
	 */
	const char *pin_dir;
	bool reset_pins;
};

/* Largest frame run offline: beyond a page, the kernel hands a frags-aware program a multi-buffer frame. */
#define DP_FRAME_MAX 65535

/* One event of the program's ring: its header and the frame bytes after it, framing checked. */
typedef void (*dp_event_cb)(void *ctx, const struct sipxdp_meta *m, const uint8_t *frame);

/*
 * A record of the ring, size bytes: its header into *m, and whether its own
 * framing holds (false: unreadable, counted as a bad event).  What the
 * headers must hold is reasm.c's to check.
 */
static inline bool dp_event_framed(const void *data, size_t size, struct sipxdp_meta *m)
{
	if (size < sizeof(*m))
		return false;
	memcpy(m, data, sizeof(*m));
	return m->cap_len <= size - sizeof(*m) && m->payload_off <= m->cap_len &&
	       m->l4_off <= m->cap_len && m->l3_off < m->l4_off;
}

/* What the data plane says about itself: kernel counters and event losses. */
struct dp_health {
	struct sipxdp_health kernel;	/* summed over CPUs */
	uint64_t events_lost;		/* events the kernel could not hand up (the channel was full) */
	uint64_t events_bad;		/* events too short or inconsistent to read */
};

/* One stream as read: a consistent copy (taken under the stream's lock). */
typedef int (*dp_stream_cb)(void *ctx, const struct stream_key *key, const struct stream_state *st);
/* One endpoint as read. */
typedef int (*dp_endpoint_cb)(void *ctx, const struct endpoint_key *key, const struct endpoint_info *info);

struct dp_ops {
	/* Add or replace a media endpoint (its unpaired-stream count starts at 0 when it is new). */
	int (*endpoint_set)(struct dp *dp, const struct endpoint_key *key, const struct endpoint_info *info);
	/* Remove one; removing an absent endpoint is not an error. */
	int (*endpoint_del)(struct dp *dp, const struct endpoint_key *key);
	/* Mark a port (host order) as used, or no longer used, by some endpoint. */
	void (*media_port)(struct dp *dp, uint16_t port, bool on);
	/*
	 * Every stream, in batches where the kernel can: cb once per stream; a
	 * non-zero return from cb stops the walk (and is not an error).
	 */
	int (*streams_read)(struct dp *dp, dp_stream_cb cb, void *ctx);
	int (*stream_get)(struct dp *dp, const struct stream_key *key, struct stream_state *st);
	/*
	 * Removing an absent stream is not an error.  flags: the stream's last
	 * STREAM_F_* as read (an unpaired stream gives its place back).
	 */
	int (*stream_del)(struct dp *dp, const struct stream_key *key, uint32_t flags);
	int (*health)(struct dp *dp, struct dp_health *h);
	/* Drop held RTP records (see `pending`) last seen before older_than_ns; returns how many, or -errno. */
	int (*pending_expire)(struct dp *dp, uint64_t older_than_ns);
	/*
	 * Every endpoint in the map (cb as streams_read's): what an earlier
	 * agent left there, when the maps outlived it (--persist).
	 */
	int (*endpoints_read)(struct dp *dp, dp_endpoint_cb cb, void *ctx);
	/*
	 * Put a stream back that is not there (a restart: its state from the
	 * state file); -EEXIST if the map has it, which then wins.
	 */
	int (*stream_put)(struct dp *dp, const struct stream_key *key, const struct stream_state *st);
};

/* Embedded first in each implementation's own struct. */
struct dp {
	const struct dp_ops *ops;
};

static inline int dp_endpoint_set(struct dp *dp, const struct endpoint_key *key, const struct endpoint_info *info)
{
	return dp->ops->endpoint_set(dp, key, info);
}

static inline int dp_endpoint_del(struct dp *dp, const struct endpoint_key *key)
{
	return dp->ops->endpoint_del(dp, key);
}

static inline void dp_media_port(struct dp *dp, uint16_t port, bool on)
{
	dp->ops->media_port(dp, port, on);
}

static inline int dp_streams_read(struct dp *dp, dp_stream_cb cb, void *ctx)
{
	return dp->ops->streams_read(dp, cb, ctx);
}

static inline int dp_stream_get(struct dp *dp, const struct stream_key *key, struct stream_state *st)
{
	return dp->ops->stream_get(dp, key, st);
}

static inline int dp_stream_del(struct dp *dp, const struct stream_key *key, uint32_t flags)
{
	return dp->ops->stream_del(dp, key, flags);
}

static inline int dp_health(struct dp *dp, struct dp_health *h)
{
	return dp->ops->health(dp, h);
}

static inline int dp_pending_expire(struct dp *dp, uint64_t older_than_ns)
{
	return dp->ops->pending_expire(dp, older_than_ns);
}

static inline int dp_endpoints_read(struct dp *dp, dp_endpoint_cb cb, void *ctx)
{
	return dp->ops->endpoints_read(dp, cb, ctx);
}

static inline int dp_stream_put(struct dp *dp, const struct stream_key *key, const struct stream_state *st)
{
	return dp->ops->stream_put(dp, key, st);
}

#endif /* SIPXDP_DATAPLANE_H */
