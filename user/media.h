/* SPDX-License-Identifier: GPL-2.0 */
/*
 * media.h - the media of the calls: endpoints learned from SDP (reference
 * counted across calls, mirrored into the kernel through the data plane),
 * the RTP streams the kernel counts and which call each belongs to, and
 * what RTCP and RFC 4733 events say about them.
 *
 * It knows nothing of SIP dialogs: a call's media is a struct media_call,
 * embedded in the dialog's call, and everything here is keyed by it.
 * Times are on the event clock (see msg.h).
 */
#ifndef SIPXDP_MEDIA_H
#define SIPXDP_MEDIA_H

#include <stdbool.h>
#include <stdint.h>
#include "hashing.h"

#include "dataplane.h"
#include "endpoints.h"
#include "msg.h"
#include "sdp.h"
#include "sipxdp.h"

/* Who announced an endpoint: the side whose SDP named it. */
enum media_side { SIDE_UNKNOWN, SIDE_CALLER, SIDE_CALLEE, SIDE_NR };

#define MEDIA_MAX_EP	12
#define MEDIA_MAX_RTCP	8
#define MEDIA_MAX_DTMF	64
#define MEDIA_EP_MAX_PT	16

/* What RTCP receivers said about one source (SSRC) of a call. */
struct rtcp_view {
	uint32_t ssrc;			/* the source reported on */
	uint32_t reports;
	double fraction_lost;		/* 0..1, newest report */
	int32_t cumulative_lost;
	uint32_t jitter;		/* RTP timestamp units */
	double rtt_ms;			/* < 0: unknown */
};

struct dtmf_event {
	char digit;
	uint32_t ssrc;
	uint32_t rtp_ts;		/* the event's timestamp: repeats of one end packet share it */
	uint32_t duration;		/* timestamp units */
	uint64_t t;			/* event clock */
};

/* One payload type of an m= line, for naming a stream's codec. */
struct media_pt {
	uint8_t pt;
	uint32_t clock_rate;		/* Hz, 0 if unknown */
	char name[24];			/* "PCMA/8000" */
};

/* A media endpoint as one call's SDP described it. */
struct call_ep {
	struct endpoint_key key;
	bool rtcp;			/* an RTCP port, not RTP */
	uint8_t event_pt;		/* telephone-event payload type, 0 if none */
	uint8_t side;			/* enum media_side whose SDP announced it */
	uint8_t dir;			/* enum sdp_dir of its m= line */
	bool stale;			/* replaced by a newer SDP of the same side: released at grace */
	uint64_t stale_at;
	uint8_t npt;
	struct media_pt pt[MEDIA_EP_MAX_PT];
};

struct media_call;

/* One RTP stream the kernel counts, as last read. */
struct stream_rec {
	struct stream_key key;
	struct stream_state st;			/* last copy read from the data plane */
	struct media_call *owner;		/* NULL: no call claims it (yet) */
	struct stream_rec *owner_next;		/* the owner's list */
	int64_t lost_counted;			/* already added to rtp_lost_total */
	bool counted_unattached;
	bool closed;				/* read for the last time, out of the kernel and the table */
	uint64_t reap_at;			/* found at a restart, no call claiming it: goes then; 0: not so */
	UT_hash_handle hh;
};

/* A call's media.  Embedded in its call; media.c owns every field. */
struct media_call {
	const char *label;			/* for log lines: the call's printable Call-ID */
	uint64_t t_start;			/* the newest call wins where several name an endpoint */
	int nep;
	struct call_ep ep[MEDIA_MAX_EP];
	struct stream_rec *streams;		/* through stream_rec.owner_next */
	int nrtcp;
	struct rtcp_view rtcp[MEDIA_MAX_RTCP];
	int ndtmf;
	struct dtmf_event dtmf[MEDIA_MAX_DTMF];
	uint32_t dtmf_dropped;			/* digits beyond MEDIA_MAX_DTMF */
	uint32_t dropped_ssrc, dropped_ts;	/* the newest of them, to tell its repeats */
	uint64_t last_rtp;			/* newest RTP packet of its streams, as read */
	bool committed;				/* the far side answered or rang: see endpoints.h */
	bool ended;				/* the dialog is over; waiting out its grace period */
	bool ended_open;			/* ... with a stream not closed: in media.nended_open */
	unsigned int nstreams;			/* on the streams list */
	unsigned int streams_refused;		/* beyond max_streams_per_call: not attached */
	struct sipxdp_addr source;		/* who sent the offer: its budget in endpoints.c */
	bool active;				/* on media.active: RTP moved at the last read */
	struct media_call *active_next;
};

struct rtcp_packet;

struct media_cfg {
	struct endpoints_cfg endpoints;
	unsigned int offer_per_call;	/* endpoints of one unanswered call in the kernel; 0: no bound */
	unsigned int max_streams_per_call;	/* streams attached to one call; 0: no bound */
	unsigned int max_ssrcs_per_pair;	/* ... of them between the same two endpoints; 0: no bound */
	uint64_t grace_ns;		/* keep replaced endpoints this long */
	uint64_t orphan_timeout_ns;	/* an unclaimed stream silent this long is removed */
	int64_t unix_offset_ns;		/* event clock + offset = Unix time (RTCP round trips) */
	bool live;			/* event clock is CLOCK_MONOTONIC: learning latency is measured */
	/* Every RTCP compound parsed, with the call it belongs to (NULL: none).  May be NULL. */
	void (*on_rtcp)(void *ctx, const struct msg *msg, const struct rtcp_packet *rp, const struct media_call *mc);
	void *ctx;
};

#define MEDIA_LEARN_RING 1024

struct media_stats {
	uint64_t rtp_lost_total;
	uint64_t streams_unattached;			/* seen with no call to attach to */
	uint64_t streams_reaped;			/* of those, removed once silent */
	uint64_t streams_never_valid;			/* of the reaped, never passed probation */
	uint64_t streams_refused;			/* beyond a call's max_streams_per_call */
	uint64_t streams_closed;			/* of an ended call, closed for a new call on its endpoint */
	uint64_t rtcp_packets;				/* RTCP compounds read */
	uint64_t rtcp_errors;				/* ... unreadable */
	uint64_t rtcp_unattached;			/* ... on no followed call */
	uint64_t dtmf_digits;				/* RFC 4733 events recorded */
	uint64_t dtmf_unattached;			/* ... end packets on no followed call */
	uint64_t pending_expired;			/* held RTP records nobody claimed */
	uint64_t learn_n;				/* SIP in XDP to endpoint in the map: samples */
	uint64_t learn_sum_ns;
	uint64_t learn_ring[MEDIA_LEARN_RING];		/* newest samples, for quantiles */
};

struct media {
	struct dp *dp;
	struct media_cfg cfg;
	struct endpoints eps;
	struct stream_rec *streams;
	struct media_call *active;		/* calls whose RTP moved at the last read */
	/*
	 * Ended calls with a stream not closed: only while there are some has
	 * a new call's endpoint streams of ended calls to close.  Without it,
	 * every new call would walk all the calls naming its endpoint (sipp
	 * answers every call on one port: thousands in their grace period).
	 */
	unsigned int nended_open;
	uint64_t adopt_until;			/* a restart: what no restored call claims goes then (event clock) */
	bool restoring;				/* the first read after a restart */
	uint64_t restored_gap;			/* packets the kernel counted in restored streams since the file */
	struct media_stats st;
};

int media_init(struct media *m, struct dp *dp, const struct media_cfg *cfg);
void media_free(struct media *m);

/*
 * A side's SDP (offer or answer, re-INVITE, UPDATE): what that side
 * announced before goes stale (released after the grace period), what it
 * announces now is learned.  msg_ts is when the SIP message entered XDP,
 * for the learning latency.  Returns true when the SDP holds the media
 * (sendonly, inactive or c=0.0.0.0).
 */
bool media_apply_sdp(struct media *m, struct media_call *mc, const struct sdp_session *sdp,
		     enum media_side side, uint64_t now, uint64_t msg_ts);

/* RTCP or an RFC 4733 event end packet on a media endpoint. */
void media_on_rtcp(struct media *m, const struct msg *msg);
void media_on_dtmf(struct media *m, const struct msg *msg);

/* Read every stream from the data plane, attach new ones to their call, account loss. */
void media_read(struct media *m);
/* Remove unclaimed streams that fell silent and held RTP nobody claimed. */
void media_expire(struct media *m, uint64_t now);
/* The far side of mc answered or rang: its endpoints are no longer mere offers. */
void media_call_commit(struct media *m, struct media_call *mc);
/*
 * The dialog of mc ended (or, after a retried challenge, goes on): while it
 * waits out its grace period, a new call that names one of its endpoints
 * closes its streams there first, so the new call's packets start streams
 * of its own.
 */
void media_call_ended(struct media *m, struct media_call *mc, bool ended);
/* Endpoints of mc that a newer SDP replaced and whose grace period is over go. */
void media_release_stale(struct media *m, struct media_call *mc, uint64_t now);
/* The newest RTP packet of the call's streams (0 if none), event clock. */
static inline uint64_t media_last_rtp(const struct media_call *mc)
{
	return mc->last_rtp;
}
/*
 * The calls whose RTP moved at the last media_read(), through active_next;
 * the list is handed over (and the next read starts a new one).
 */
struct media_call *media_take_active(struct media *m);
/* The call is over: a last read of its streams (for its record). */
void media_call_refresh(struct media *m, struct media_call *mc);
/* ... and then: its streams and endpoints are let go, in the kernel too. */
void media_call_release(struct media *m, struct media_call *mc);

/*
 * At exit, the calls let go without their release: their closed streams
 * (out of the kernel and of the table, on their lists only) freed.  The
 * others are media_free()'s.
 */
void media_call_forget(struct media *m, struct media_call *mc);

/* --- a restart (state.c reads the file, dialog.c puts the calls back) --- */

/* A stream of a call as a state file carries it. */
struct media_saved_stream {
	struct stream_key key;
	struct stream_state st;
	int64_t lost_counted;
	bool closed;
};

/*
 * The maps outlived the earlier agent (--persist): every endpoint in the
 * kernel's map is adopted (endpoints_adopt), for the calls restored next
 * to take; what none takes goes at now + the grace period, and so do the
 * streams the kernel holds that no call claims.  0 or -errno.
 */
int media_adopt_kernel(struct media *m, uint64_t now);
/*
 * A call of the state file, mc as saved (its endpoints, RTCP, digits,
 * committed, ended, source; no streams): its endpoints held again, pushed
 * when the kernel lacks them (with the info ep_info gives, NULL: none),
 * and its streams back on its list.  A stream the kernel holds is read
 * from it (the kernel counted on); one it lacks is put back from the file,
 * marked STREAM_F_RESUMED, so what the agent did not see is unseen, not
 * lost.  Not follow: nothing of it goes to the kernel, its streams are
 * closed with the file's figures (for a record written at once).
 * 0 or -ENOMEM.
 */
int media_restore_call(struct media *m, struct media_call *mc, const struct media_saved_stream *ss, unsigned int n,
		       bool follow, const struct endpoint_info *(*ep_info)(void *ctx, const struct endpoint_key *key),
		       void *ctx);
/* Every call restored: a first read, which attaches the kernel's streams to them. */
void media_restore_done(struct media *m);

/* The endpoint of mc's SDP at addr:port (UDP; port network order, as in stream keys), or NULL. */
const struct call_ep *media_call_ep(const struct media_call *mc, const struct sipxdp_addr *addr, uint16_t port);

/* The newest RTCP view of a source of the call, or NULL. */
const struct rtcp_view *media_rtcp_of(const struct media_call *mc, uint32_t ssrc);

/* Endpoints in the kernel's map. */
static inline unsigned int media_nr_endpoints(const struct media *m)
{
	return m->eps.nr_in_kernel;
}

static inline unsigned int media_nr_streams(const struct media *m)
{
	return HASH_COUNT(m->streams);
}

#endif /* SIPXDP_MEDIA_H */
