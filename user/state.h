/* SPDX-License-Identifier: GPL-2.0 */
/*
 * state.h - the call table handed from one agent to the next: the state
 * file.  At SIGTERM (and with --persist every interval) the agent writes
 * what it knows of every call (the dialog, the endpoints its SDP named,
 * each stream with its kernel state as last read, RTCP, digits) and its
 * counters; the next agent reads it, checks it against the maps it found,
 * and goes on following the calls, so that each is written out once, with
 * whole figures, across any number of restarts.
 *
 * The file is binary, little-endian, written to a temporary file, fsynced
 * and renamed into place.  It is read as a stranger's bytes: every length
 * and count is bounded (by the file, by the struct it fills, by
 * state_limits), strings must fit their fields, values must be in their
 * ranges, Call-IDs and endpoints may not repeat, and a BLAKE2b digest of
 * the whole closes it.  Anything else refuses the whole file: the agent
 * starts clean.
 *
 *   header   magic "SIPXDPST", version, layout (sipxdp.h), length, boot ID,
 *            when (monotonic, real), flags, the streams map's ID, the call
 *            records' file (device, inode, offset flushed), interface names
 *   sections tag, length, body: counters, endpoints, calls, the
 *            distributions' label sets, HEP collectors
 *   digest   8 bytes, BLAKE2b of everything before it
 */
#ifndef SIPXDP_STATE_H
#define SIPXDP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "callmetrics.h"
#include "dataplane.h"
#include "dialog.h"
#include "hepout.h"
#include "hepsend.h"
#include "histogram.h"
#include "reasm.h"

#define STATE_VERSION		1
/* The largest file read or written: 20,000 calls take about 40 MB. */
#define STATE_MAX_BYTES		(256U << 20)
#define STATE_MAX_STREAMS_PER_CALL 4096	/* --max-streams-per-call's bound */

/* How the file came to be. */
#define STATE_F_PERSIST	(1U << 0)	/* by an agent with --persist: its maps outlive it */
#define STATE_F_EXIT	(1U << 1)	/* at a clean exit (SIGTERM), not a periodic write */

/* Counters of the agent's own (main.c), carried across a restart. */
struct state_agent {
	uint64_t records_written, records_failed;
	uint64_t records_reopens, records_reopen_failures;
	uint64_t textfile_failures;
	uint64_t peer_reloads_ok, peer_reloads_failed;
	uint64_t state_writes_ok, state_writes_failed;
	uint64_t restored[4];		/* followed, written out, already written, refused */
};

struct state_header {
	uint32_t version, layout;
	uint8_t boot_id[16];
	uint64_t mono_ns, real_ns;		/* when it was written */
	uint32_t flags;				/* STATE_F_* */
	uint32_t map_id;			/* the kernel's ID of the streams map it was written against */
	uint64_t records_dev, records_ino;	/* the call records' file, */
	uint64_t records_off;			/* ... its size once flushed (0: no file) */
	unsigned int nifaces;
	char ifaces[DIALOG_MAX_IFACES][16];	/* the watched interfaces, by slot */
};

/* What the counters section carries: each a copy of the agent's own struct. */
struct state_counters {
	struct dialog_stats dialog;
	struct media_stats media;
	struct endpoints_stats endpoints;
	struct reasm_figures reasm;
	struct dp_health health;
	struct state_agent agent;
	struct hist tick;
	uint64_t hep_made[HEPOUT_NR], hep_failed;
};

struct state_ep {
	struct endpoint_key key;
	struct endpoint_info info;
	struct sipxdp_addr source;
};

struct state_call {
	struct call *call;			/* malloc'd, its media's endpoints filled in, no streams */
	unsigned int nstreams;
	struct media_saved_stream *streams;
};

/* A file as read, before it is applied. */
struct state_image {
	struct state_header h;
	struct state_counters c;
	unsigned int neps, ncalls;
	struct state_ep *eps;
	struct state_call *calls;
	unsigned int nstream_sets, ncall_sets, nresp_sets;
	struct cm_stream_set *stream_sets;	/* arrays, not hash tables (hh unused) */
	struct cm_call_set *call_sets;
	struct cm_resp_set *resp_sets;
	uint64_t cm_overflow;
	unsigned int nhep;
	struct hep_collector_stats hep[HEP_MAX_COLLECTORS];
};

/* What a file read here may hold. */
struct state_limits {
	unsigned int max_calls;		/* --max-calls */
	unsigned int max_streams;	/* streams of all calls together (--max-streams) */
	unsigned int max_endpoints;	/* the endpoints map's size */
};

/* What the writer takes. */
struct state_source {
	struct state_header h;		/* version, layout and length are filled in */
	const struct dialogs *d;	/* the calls, their media, the endpoints (d->media) */
	const struct callmetrics *cm;
	struct state_counters c;
	unsigned int nhep;
	const struct hep_collector_stats *hep;
};

/* The file's bytes, malloc'd into *buf.  0 or -ENOMEM, -EFBIG past STATE_MAX_BYTES. */
int state_encode(const struct state_source *src, uint8_t **buf, size_t *len);
/*
 * Bytes to an image.  0, or -EINVAL (-EPROTO: another version or layout)
 * with why in err, and nothing in img.  state_image_free() after, either way.
 */
int state_decode(const uint8_t *p, size_t len, const struct state_limits *lim, struct state_image *img,
		 char *err, size_t n);
void state_image_free(struct state_image *img);

/* path written atomically: path.tmp, fsync, rename, fsync of the directory.  0 or -errno. */
int state_save(const char *path, const uint8_t *buf, size_t len);
/*
 * path read whole (at most STATE_MAX_BYTES) into *buf.  0, -ENOENT (no
 * file: nothing to restore), -EFBIG, or -errno.
 */
int state_read_file(const char *path, uint8_t **buf, size_t *len);

/* How the calls of an image are put back. */
struct state_apply {
	bool maps_reused;		/* the maps are an earlier agent's (--persist) */
	uint32_t map_id;		/* the streams map's ID now */
	unsigned int nifaces;		/* the watched interfaces now, by slot */
	const char *ifaces[DIALOG_MAX_IFACES];
	/* A call whose record the earlier agent wrote after this file (SIGKILL): not put back. */
	bool (*written)(void *ctx, const char *call_id);
	void *ctx;
	/* Filled in: what became of the calls. */
	bool follow;			/* the calls are followed on (else written out at once) */
	unsigned int followed, written_now, already_written, refused;
	uint64_t gap_packets;		/* packets of the followed streams the kernel counted since the file */
};

/*
 * The image's calls into d (dialog_restore), its endpoints' infos given to
 * them, its counters into d, d->media and cm (what main.c keeps of its own
 * is in img->c, for it to take).  The calls are followed on when the
 * kernel's state they need is there: the maps are the ones the file was
 * written against (--persist, the same map ID), or the file says those
 * died with the agent that wrote it at its exit (no --persist: the streams
 * are put back).  Otherwise each call is written out at once, as it was
 * known.  With maps_reused, call media_adopt_kernel() first.  The image's
 * calls are consumed.
 */
void state_apply(struct state_image *img, struct dialogs *d, struct callmetrics *cm, struct state_apply *a);

/* The boot ID of this boot (/proc/sys/kernel/random/boot_id).  0 or -errno. */
int state_boot_id(uint8_t id[16]);

#endif /* SIPXDP_STATE_H */
