/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SIPXDP_CAPTURE_H
#define SIPXDP_CAPTURE_H

#include <signal.h>
#include <stdint.h>

struct pcap;

/* An open capture, its header read and its link type known to be one we read. */
struct capture {
	struct pcap *pc;
	const char *path;
	int linktype;
	const volatile sig_atomic_t *stop;
};

struct capture_stats {
	uint64_t frames;
	uint64_t replayed;		/* run through the classifier */
	uint64_t skipped_short;		/* frames shorter than their link header (empty ones too) */
	uint64_t skipped_size;		/* frames too large for BPF_PROG_TEST_RUN */
	uint64_t run_errors;
	int linktype;			/* the capture's DLT_* */
	const char *linktype_name;
	int interrupted;		/* a signal ended the reading */
};

/* Called after every frame with its capture time (Unix ns). Non-zero stops. */
typedef int (*capture_tick_cb)(void *ctx, uint64_t ts_ns);

/* Runs one Ethernet frame through the classifier. 0 or -errno. */
typedef int (*capture_run_cb)(void *ctx, const uint8_t *frame, uint32_t len, uint64_t ts_ns);

/*
 * Open a pcap or pcapng file: 0, -EINTR when *stop became set while its
 * header was awaited, or another -errno after one line logged (not a
 * capture; -EPROTONOSUPPORT: a link type we do not read).  A FIFO or a slow
 * device is read without blocking the signals: when *stop becomes set (the
 * handler must not restart system calls: SA_RESTART off), the reading ends.
 */
int capture_open(struct capture *c, const char *path, const volatile sig_atomic_t *stop);
/*
 * Every frame through run; st->interrupted when *stop ended it, st says
 * what was skipped (the caller says it: once, or as the reason nothing
 * could be read).  0 or -errno.
 */
int capture_replay(struct capture *c, capture_run_cb run, capture_tick_cb tick, void *ctx,
		   struct capture_stats *st);
void capture_close(struct capture *c);

#endif
