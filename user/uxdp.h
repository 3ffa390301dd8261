/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uxdp.h - the XDP program run in user space, for --read without the
 * privilege to load it into the kernel: bpf/sipxdp.bpf.c itself, compiled
 * natively (user/uxdp/prog.c), over maps in memory with the kernel's
 * semantics (umap.h).  It implements what kern.c gives an offline read:
 * the data plane (dataplane.h), a thread-safe frame runner with the
 * capture's time in XDP metadata, and the events of the program's ring
 * handed to the same callback after the same framing checks, so that the
 * agent above cannot tell the two apart.  No libbpf here.
 *
 * A frame runs as BPF_PROG_TEST_RUN runs it: refused below an Ethernet
 * header, on the loopback device's ifindex, its first UXDP_LINEAR bytes in
 * the first buffer and the rest in more (a multi-buffer frame).
 *
 * One engine at a time: the program's globals are the process's.
 */
#ifndef SIPXDP_UXDP_H
#define SIPXDP_UXDP_H

#include <stdint.h>

#include "dataplane.h"
#include "sipxdp.h"
#include "uxdp/prog.h"

/* Threads that may run frames: a "CPU" each, for the per-CPU maps. */
#define UXDP_CPUS 8
/*
 * BPF_PROG_TEST_RUN's first buffer for a frame: a page less the headroom
 * (256 bytes, the metadata's 8 taken from it) and the tailroom of struct
 * skb_shared_info (320): 3528 bytes, 3520 of them frame (kernel 6.18,
 * x86-64, measured with a program returning data_end - data).
 */
#define UXDP_LINEAR 3520
/* The device BPF_PROG_TEST_RUN runs an XDP frame on: loopback, ifindex 1. */
#define UXDP_IFINDEX 1

struct uxdp {
	struct dp dp;		/* first: the data plane this engine implements */
	struct umap *maps[UXDP_NR_MAPS];
	struct uxdp_prog_vars v;
	bool bound;
	dp_event_cb event_cb;
	void *event_ctx;
	uint64_t events_bad;	/* events too short or inconsistent to read */
	unsigned int gen;	/* this engine, among those opened in the process */
	unsigned int next_cpu;	/* CPU slots taken by threads that ran frames */
	/* Buffers of the batched stream reads. */
	struct stream_key *batch_keys;
	struct stream_state *batch_vals;
	uint32_t batch_cap;
};

/* 0, or -errno (-EBUSY: another engine is open). */
int uxdp_open(struct uxdp *u, const struct dp_opts *o, dp_event_cb cb, void *ctx);
struct dp *uxdp_dataplane(struct uxdp *u);
/*
 * Run one frame with its capture timestamp, in the caller's buf (room for
 * the XDP metadata and len bytes): safe from up to UXDP_CPUS threads at
 * once.  Its events wait for uxdp_consume().  0 or -errno, as kern_run_frame.
 */
int uxdp_run_frame(struct uxdp *u, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts_ns);
/* The same, with the program's XDP verdict (the tests check it is XDP_PASS). */
int uxdp_run(struct uxdp *u, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts_ns, uint32_t *verdict);
/* Hand every waiting event to the callback (one thread): how many. */
int uxdp_consume(struct uxdp *u);
void uxdp_close(struct uxdp *u);

#endif /* SIPXDP_UXDP_H */
