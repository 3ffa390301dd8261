/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snapshot.h - what the outputs (the Prometheus text file, --show) read:
 * every counter copied at one moment, and a view of each call and stream
 * with its quality figures computed once.  Outputs see nothing else of the
 * modules below.  The call and stream pointers of the views are valid
 * until the agent handles its next message or tick.
 */
#ifndef SIPXDP_SNAPSHOT_H
#define SIPXDP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane.h"
#include "dialog.h"
#include "hepsend.h"
#include "histogram.h"
#include "media.h"
#include "quality.h"
#include "reasm.h"

struct stream_view {
	const struct stream_rec *s;
	const struct call *call;	/* NULL: no call claims the stream */
	struct stream_quality q;
};

struct call_view {
	const struct call *call;
	size_t first, n;		/* its streams: views[first .. first + n) */
};

#define SNAPSHOT_MAX_IFACES 16

/* A watched interface, as the outputs see it (ifaces.c fills these in). */
struct iface_view {
	char name[16];
	bool up;				/* attached, up and running */
	uint64_t lost;				/* times it went away or down */
};

struct callmetrics;
struct hepout;

/* What the agent says of itself (set by the agent, not snapshot_take). */
struct agent_view {
	const char *version, *libbpf;		/* NULL: no sipxdp_build_info */
	double unix_time;			/* when this exposition was made */
	bool textfile;				/* a text file is written */
	double textfile_last_ok;		/* Unix time of the last good write; 0: none yet */
	uint64_t textfile_failures;
	bool peers;				/* --peer-groups given */
	unsigned int peer_groups;
	bool peers_ok;				/* the last (re)load succeeded */
	uint64_t peer_reloads_ok, peer_reloads_failed;
	unsigned int call_series;		/* per-call stream series at most; 0: none */
	bool records;				/* --calls-json given */
	uint64_t records_written, records_failed;
	uint64_t records_reopens, records_reopen_failures;	/* SIGHUP */
	bool state_file;			/* --state-file given */
	uint64_t state_writes_ok, state_writes_failed;
	uint64_t state_bytes;			/* the last one written */
	/* Calls of state files read at start: followed on, written out at once, already written, refused. */
	uint64_t restored[4];
	const struct callmetrics *cm;		/* NULL: no distributions */
	const struct hepout *hep;		/* --hep: messages made; NULL: HEP off */
	unsigned int nhep;
	struct hep_collector_stats hep_collectors[HEP_MAX_COLLECTORS];	/* copied: the sender writes them */
};

struct snapshot {
	uint64_t now;				/* event clock */
	int nifaces;
	struct iface_view ifaces[SNAPSHOT_MAX_IFACES];
	struct dp_health health;
	int health_err;				/* 0, or -errno: health is zero */
	struct dialog_stats dialog;
	struct media_stats media;
	struct endpoints_stats endpoints;
	struct reasm_figures reasm;
	unsigned int calls_active;
	unsigned int media_endpoints;		/* in the kernel */
	unsigned int endpoints_offered;		/* ... of calls not yet committed */
	unsigned int endpoints_parked;		/* named by SDP, kept out of the kernel */
	unsigned int rtp_streams;
	/* The agent's periodic work, up to the last one (set by the agent, not snapshot_take). */
	const struct hist_bounds *tick_bounds;	/* NULL: not written */
	struct hist tick;
	struct agent_view agent;
	size_t ncalls, nstreams;
	struct call_view *calls;
	struct stream_view *streams;		/* each call's, then the unclaimed ones */
	size_t cap_calls, cap_streams;
};

/* Take a snapshot (its arrays are reused from the last one). 0 or -ENOMEM. */
int snapshot_take(struct snapshot *snap, const struct dialogs *d, struct dp *dp, const struct reasm *r);
void snapshot_free(struct snapshot *snap);

#endif /* SIPXDP_SNAPSHOT_H */
