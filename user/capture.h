/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SIPXDP_CAPTURE_H
#define SIPXDP_CAPTURE_H

#include <stdint.h>

struct capture_stats {
	uint64_t frames;
	uint64_t skipped_linktype;	/* frames of a link type we cannot replay */
	uint64_t skipped_size;		/* frames too large for BPF_PROG_TEST_RUN */
	uint64_t run_errors;
};

/* Called after every frame with its capture time (Unix ns). Non-zero stops. */
typedef int (*capture_tick_cb)(void *ctx, uint64_t ts_ns);

/* Runs one Ethernet frame through the classifier. 0 or -errno. */
typedef int (*capture_run_cb)(void *ctx, const uint8_t *frame, uint32_t len, uint64_t ts_ns);

/* Replay a pcap or pcapng file, frame by frame, through run. 0 or -errno. */
int capture_replay(const char *path, capture_run_cb run, capture_tick_cb tick, void *ctx,
		   struct capture_stats *st);

#endif
