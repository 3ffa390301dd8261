/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kern.h - the XDP program's lifecycle: open, load, attach, poll, close.
 * Once open, the program's maps are reached through kern_dataplane() only
 * (user/dataplane.h), so nothing but main.c and kern.c knows of libbpf.
 */
#ifndef SIPXDP_KERN_H
#define SIPXDP_KERN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane.h"
#include "sipxdp.h"

struct sipxdp_bpf;
struct ring_buffer;

#define KERN_MAX_LINKS 32

struct kern {
	struct dp dp;		/* first: the data plane this loader implements */
	struct sipxdp_bpf *skel;
	struct ring_buffer *rb;
	int link_fd[KERN_MAX_LINKS];
	char ifname[KERN_MAX_LINKS][48];	/* for log lines: "eth0", "eth0 (egress)" */
	char link_of[KERN_MAX_LINKS][16];	/* the interface each link is on */
	char link_pin[KERN_MAX_LINKS][40];	/* its pin's name in pin_dir ("link_xdp_eth0"); "" if none */
	int nr_links;
	char pin_dir[PATH_MAX];	/* --persist: the instance's directory; "" if nothing is pinned */
	bool reused;		/* the maps are an earlier agent's, taken from pin_dir */
	int nr_cpus;
	uint64_t events_bad;	/* events too short or inconsistent to read */
	dp_event_cb event_cb;
	void *event_ctx;
	/* Buffers of the batched stream reads. */
	struct stream_key *batch_keys;
	struct stream_state *batch_vals;
	uint32_t batch_cap;
	bool batch_unsupported;	/* the kernel refused BPF_MAP_LOOKUP_BATCH: walk key by key */
};

/* Route libbpf's own messages through log.h (-v: warnings, -vv: debug). */
void kern_log_setup(void);
int kern_open(struct kern *k, const struct dp_opts *o, dp_event_cb cb, void *ctx);
/* The libbpf this binary runs with ("1.1"). */
const char *kern_libbpf_version(void);
/* The data plane of an open program. */
struct dp *kern_dataplane(struct kern *k);
/* mode: 0 native (driver), 1 skb (generic). */
int kern_attach(struct kern *k, const char *ifname, int mode);
/* The same observer on TC egress of ifname: traffic the host itself sends. */
int kern_attach_egress(struct kern *k, const char *ifname);
/*
 * The program does not wake the agent for each event: while events flow,
 * the agent polls the ring every KERN_POLL_US (kern_consume); after
 * KERN_IDLE_POLLS polls that found nothing it may sleep long, having said
 * so with kern_asleep() (the next event then wakes it through
 * kern_event_fd(), once).
 */
#define KERN_POLL_US 500
#define KERN_IDLE_POLLS 40
int kern_event_fd(struct kern *k);
/* Hand every waiting event to the callback: how many, or -errno. */
int kern_consume(struct kern *k);
/* Before a long sleep: true if events came meanwhile (do not sleep then). */
bool kern_asleep(struct kern *k);
/* Awake again (woken or timed out). */
void kern_awake(struct kern *k);
/* Close the links on ifname (XDP, egress): it went away, or is attached anew. */
void kern_detach(struct kern *k, const char *ifname);
/*
 * Run one frame through the program with its capture timestamp (offline
 * mode), in the caller's buf (room for the XDP metadata and len bytes):
 * safe from several threads at once.  Its events wait for kern_consume().
 */
int kern_run_frame(struct kern *k, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts_ns);
/*
 * Does the data plane answer this process?  0 if a map can be read through
 * the descriptor held (privs_drop asks it of a child with no capability).
 */
int kern_probe(void *k);
/*
 * --persist.  The maps pinned in o->pin_dir are taken at kern_open when an
 * earlier agent of this layout left them (kern_reused() says so), else
 * made and pinned there; each link is taken over when one is pinned for
 * its interface (its program replaced by this one, atomically: the kernel
 * counts on through it), else made and pinned.  At close, pinned links
 * stay attached.
 */
static inline bool kern_reused(const struct kern *k)
{
	return k->reused;
}
/* The kernel's ID of the streams map (a state file names the maps it was written against); 0 if unknown. */
uint32_t kern_streams_map_id(struct kern *k);
/* The links pinned in pin_dir that this agent did not take (interfaces no longer watched) go. */
void kern_prune_links(struct kern *k);
/*
 * --detach: every pin of the instance at dir, and dir itself.  What went
 * is said in what ("2 links (xdp g1, xdp g2) and 9 maps"), or nothing was
 * there.  Needs no program.  How many pins went, or -errno.
 */
int kern_unpin_all(const char *dir, char *what, size_t n);
/* One log line: the kernel's own account of each map's memory. */
void kern_log_memory(struct kern *k);
void kern_close(struct kern *k);

#endif
