/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replay.h - offline frames through the program on several CPUs at once.
 *
 * A frame that only adds to a stream already started (IPv4 or IPv6 UDP,
 * unfragmented, not on a SIP port, an RTP version-2 payload, its stream's
 * 5-tuple and SSRC seen before) may run beside others: it changes nothing
 * but its own stream, its destination's held record and per-CPU counters.
 * Such frames go to a lane by their destination (address and port), so a
 * stream's packets, and every stream toward one endpoint, keep their order;
 * the main thread runs one share of the lanes itself, worker threads the
 * rest.  Every other frame (SIP, fragments, TCP, a stream's first packet,
 * anything not parsed here) is ordered: the lanes are drained first, the
 * frame runs, and its events are handled before the next frame is given, as
 * in a serial replay.  A stream's first packet is where the kernel spends
 * a budget, so budgets are spent in capture order; the exceptions are a
 * stream that starts from held packets once its endpoint is learned, and
 * one user space removed at a SIP message (a new call on its endpoints,
 * its call evicted), which start in their lane (their order against other
 * lanes matters only to a budget that is full).
 */
#ifndef SIPXDP_REPLAY_H
#define SIPXDP_REPLAY_H

#include <stdatomic.h>
#include <stdint.h>
#include <pthread.h>

#include "sipxdp.h"

/* Runs one frame (thread-safe: buf is the caller's, room for the metadata and the frame). 0 or -errno. */
typedef int (*replay_run_fn)(void *ctx, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts_ns);
/* Handles the events the program queued so far (main thread only). */
typedef int (*replay_consume_fn)(void *ctx);

#define REPLAY_MAX_WORKERS 7
#define REPLAY_SLOTS 64		/* per worker: a drain waits for at most this many frames */
#define REPLAY_SLOT_BYTES 2048	/* larger frames are ordered */
#define REPLAY_BUF_BYTES (sizeof(struct sipxdp_xdp_meta) + REPLAY_SLOT_BYTES)
#define REPLAY_FRAME_MAX 65535	/* an ordered frame: as large as the program takes */
#define REPLAY_SEEN_MAX (1u << 18)	/* streams remembered (~100 B each); past it, new ones stay ordered */

struct replay_slot {
	uint32_t len;
	uint64_t ts;
	uint8_t data[REPLAY_SLOT_BYTES];
};

struct replay_worker {
	struct replay *r;
	pthread_t thread;
	struct replay_slot *slots;
	_Atomic uint64_t head;		/* written by the main thread */
	_Atomic uint64_t tail;		/* written by the worker */
	_Atomic int sleeping;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	_Atomic uint64_t errors;
	int first_err;
	uint8_t buf[REPLAY_BUF_BYTES];
};

struct replay_seen;

struct replay {
	replay_run_fn run;
	replay_consume_fn consume;
	void *ctx;
	uint16_t sip_ports[SIPXDP_MAX_SIP_PORTS];	/* network order */
	int nr_sip_ports;
	unsigned int nworkers;
	unsigned int main_share;	/* of 16 lane buckets, those the main thread runs */
	struct replay_worker *workers;
	_Atomic int stop;
	struct replay_seen *seen;	/* streams started (uthash) */
	unsigned int nseen;
	uint64_t since_consume;
	uint8_t *buf;			/* the main thread's: metadata and REPLAY_FRAME_MAX */
	uint64_t laned, ordered;	/* frames run beside others, in order */
};

/*
 * workers: threads beside the main one (0: every frame in order, on the
 * caller's thread).  sip_ports in host order.  0 or -errno.
 */
int replay_init(struct replay *r, unsigned int workers, const uint16_t *sip_ports, int nr_sip_ports,
		replay_run_fn run, replay_consume_fn consume, void *ctx);
/* One frame of the capture, in capture order.  0 or the -errno of an ordered frame's run. */
int replay_frame(struct replay *r, const uint8_t *frame, uint32_t len, uint64_t ts_ns);
/* Every frame given has run and its events are handled; -EIO if a laned frame's run failed. */
int replay_sync(struct replay *r);
/*
 * User space may have removed streams (a tick): forget which were started,
 * so that a removed stream's next packet, which starts it again, is ordered.
 */
void replay_forget_streams(struct replay *r);
/* Runs what is still queued, then stops the workers. */
void replay_free(struct replay *r);

#endif /* SIPXDP_REPLAY_H */
