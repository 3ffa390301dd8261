/* SPDX-License-Identifier: GPL-2.0 */
/*
 * callmetrics.h - what a call and its streams add to the Prometheus
 * distributions when the call is written out (after its grace period, once,
 * in user space: never on the packet path), and SIP responses by class and
 * peer.  Every label value comes from a bounded set: a peer group's name or
 * "other" (peers.h), a direction, a watched interface, a codec from
 * codec_label()'s table; the Call-ID and addresses never become labels.
 *
 * Series are kept for as long as the agent runs, across reloads of the
 * peer groups (a renamed group's counts stay under the old name): counters
 * and histograms never go backwards.  The label sets of each table are
 * capped, what does not fit counted in `overflow`.
 */
#ifndef SIPXDP_CALLMETRICS_H
#define SIPXDP_CALLMETRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "dialog.h"
#include "hashing.h"
#include "histogram.h"
#include "msg.h"
#include "peers.h"

#define CM_MAX_SETS	4096	/* label sets of one table */
#define CM_IFACE_MAX	16	/* interface names, IFNAMSIZ */
#define CM_CODEC_MAX	16

enum cm_direction { CM_INBOUND, CM_OUTBOUND, CM_NR_DIRECTIONS };

/* Response classes: [1..6] 1xx-6xx, [0] 401/407 (a challenge, usually retried). */
#define CM_NR_CLASSES	7

enum cm_stream_hist {
	CM_MOS, CM_R_FACTOR, CM_JITTER, CM_MAX_JITTER, CM_LOSS, CM_MAX_DELTA, CM_RTT, CM_NR_STREAM_HIST,
};
enum cm_call_hist { CM_PDD, CM_SETUP, CM_DURATION, CM_NR_CALL_HIST };

struct cm_call_key {
	char peer[PEERS_NAME_MAX + 1];
	char iface[CM_IFACE_MAX];
	uint8_t dir;
};

struct cm_stream_key {
	struct cm_call_key c;
	char codec[CM_CODEC_MAX];
};

struct cm_stream_set {
	struct cm_stream_key key;
	struct hist h[CM_NR_STREAM_HIST];
	UT_hash_handle hh;
};

struct cm_call_set {
	struct cm_call_key key;
	struct hist h[CM_NR_CALL_HIST];
	uint64_t calls[RESULT_NR];		/* by how they ended (RESULT_ACTIVE unused) */
	uint64_t answered, one_way, no_rtp, never_valid;
	UT_hash_handle hh;
};

struct cm_resp_set {
	char key[PEERS_NAME_MAX + 1];		/* the peer */
	uint64_t n[SIP_COUNT_METHODS][CM_NR_CLASSES];
	UT_hash_handle hh;
};

struct callmetrics {
	const struct peers *peers;		/* the groups now (may be NULL: everything is other) */
	const char *iface_names[DIALOG_MAX_IFACES];	/* by dialog slot; NULL: none */
	bool offline;				/* --read: the interface is "capture" */
	struct cm_stream_set *streams;		/* insertion order: the exposition's */
	struct cm_call_set *calls;
	struct cm_resp_set *responses;
	unsigned int nstreams, ncalls, nresponses;
	uint64_t overflow;			/* observations whose label set did not fit */
};

extern const struct hist_bounds cm_stream_bounds[CM_NR_STREAM_HIST];
extern const struct hist_bounds cm_call_bounds[CM_NR_CALL_HIST];
extern const char *const cm_direction_names[CM_NR_DIRECTIONS];
extern const char *const cm_class_names[CM_NR_CLASSES];

/* A call was written out (not at exit while still open: those are not observed). */
void callmetrics_call(struct callmetrics *cm, const struct call *call);
/* A SIP response: method (CSeq's, enum sip_method) and status 100-699. */
void callmetrics_response(struct callmetrics *cm, const struct msg *msg, int method, int status);
void callmetrics_free(struct callmetrics *cm);

/*
 * A restart (state.c): the label set of key k, added (after those there,
 * as the exposition orders them) if new; NULL when the table is full or
 * memory short, counted in overflow.
 */
struct cm_stream_set *callmetrics_stream_set(struct callmetrics *cm, const struct cm_stream_key *k);
struct cm_call_set *callmetrics_call_set(struct callmetrics *cm, const struct cm_call_key *k);
struct cm_resp_set *callmetrics_resp_set(struct callmetrics *cm, const char peer[PEERS_NAME_MAX + 1]);

#endif /* SIPXDP_CALLMETRICS_H */
