/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dialog.h - the call table: SIP dialogs keyed by Call-ID, followed from
 * INVITE to the answer of BYE (or a failure, a CANCEL, a timeout, an
 * eviction), with the media of each call in media.c.  When a call is over
 * and its grace period has passed, the on_done callback gets it once (the
 * record writer), then it is let go.
 *
 * Times are on the event clock (see msg.h): a capture replays with the
 * same decisions as live traffic.
 */
#ifndef SIPXDP_DIALOG_H
#define SIPXDP_DIALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "hashing.h"

#include "media.h"
#include "msg.h"
#include "sip.h"

enum call_state {
	CALL_INVITING,		/* INVITE seen */
	CALL_PROCEEDING,	/* 1xx */
	CALL_ANSWERED,		/* 2xx, waiting for ACK */
	CALL_CONFIRMED,		/* ACK */
	CALL_TERMINATING,	/* BYE sent (a CANCEL is remembered in cancel_seen) */
	CALL_ENDED,		/* final: result says how */
};

/* How a call ended.  The record's `state` reports busy as failed (its final_status says 486/600). */
enum call_result {
	RESULT_ACTIVE,
	RESULT_COMPLETED,	/* answered, then BYE */
	RESULT_BUSY,		/* 486, 600 */
	RESULT_FAILED,		/* other 3xx-6xx */
	RESULT_CANCELLED,	/* CANCEL, 487 */
	RESULT_TIMED_OUT,	/* no final answer, silence, or over the maximum duration */
	RESULT_EVICTED,		/* dropped to make room in a full call table */
	RESULT_INTERFACE_LOST,	/* every interface it was seen on went away or down */
	RESULT_NR,
};

/*
 * A call's identity is its whole Call-ID, printable (util.h's escaping).
 * One whose printable form does not fit is kept in part and marked with a
 * digest of the whole: CALL_ID_KEEP characters, "\#" and 16 hex digits.
 * The escaping never writes a backslash before '#', so the two forms never
 * meet, and two Call-IDs that share a long prefix stay two calls.
 */
#define CALL_ID_MAX	256	/* printable form, NUL included */
#define CALL_ID_KEEP	(CALL_ID_MAX - 1 - 2 - 16)
/*
 * The Call-ID as sent, for other tools to correlate with (HEP), is kept
 * apart when the printable form differs from it (a backslash, bytes
 * outside printable ASCII, or longer than it) and it is at most this long:
 * a stranger's 64 KiB Call-ID does not make every call 64 KiB.
 */
#define CALL_WIRE_ID_MAX 1024

struct call {
	char call_id[CALL_ID_MAX];
	char *wire_id;				/* the Call-ID as sent, when call_id is not it (see CALL_WIRE_ID_MAX) */
	uint16_t wire_id_len;
	char from[128];
	char to[128];
	bool call_id_cut, from_cut, to_cut;	/* kept in part (records say so) */
	char from_tag[64];			/* the caller's tag: who sent a request */
	char answer_to_tag[64];			/* To tag of the first 2xx */
	enum call_state state;
	enum call_result result;
	int final_status;
	bool cancel_seen;
	bool on_hold;				/* newest SDP: sendonly, inactive or 0.0.0.0 */
	bool held_by[SIDE_NR];			/* by enum media_side */
	uint8_t hangup;				/* enum media_side that sent BYE */
	unsigned int reinvites;
	/*
	 * The newest INVITE transaction of each side (caller's, callee's
	 * re-INVITEs): RFC 3261 gives each side its own CSeq numbering.  A
	 * side unknown (no tags) is taken as the caller.
	 */
	struct {
		uint32_t cseq;
		char branch[64];		/* its top Via branch */
	} invite[2];
	unsigned int forked_answers;		/* 2xx to the caller's INVITE with another To tag */
	uint64_t t_invite, t_ringing, t_answer, t_end;	/* event clock, ns; 0 = not yet */
	uint64_t t_last_sip;
	uint64_t finalize_at;			/* event clock; 0 = not scheduled */
	uint16_t ifaces;			/* dialogs.ifindex slots its SIP was seen on */
	struct sipxdp_addr invite_dst;		/* where its first INVITE went (media.source sent it) */
	struct media_call media;
	struct call *prev, *next;		/* dialogs.live or dialogs.ended */
	UT_hash_handle hh;
};

#define SIP_COUNT_METHODS 16
struct dialog_stats {
	uint64_t requests[SIP_COUNT_METHODS];		/* by enum sip_method */
	uint64_t responses[SIP_COUNT_METHODS][700];	/* by CSeq method and status code */
	uint64_t parse_errors;
	uint64_t sdp_errors;
	uint64_t not_sip;
	uint64_t calls_total[RESULT_NR];
	uint64_t calls_dropped;				/* table full, nothing to evict */
	uint64_t responses_unmatched;			/* answers to an older INVITE transaction */
	uint64_t invite_retries;			/* INVITEs that reopened a failed call (auth) */
};

/* A call is over (or, at exit, still open: result RESULT_ACTIVE); now is the event clock. */
typedef void (*call_done_cb)(void *ctx, const struct call *call, uint64_t now);

struct dialog_cfg {
	uint64_t grace_ns;		/* keep endpoints this long after a call ends */
	uint64_t setup_timeout_ns;	/* INVITE without a final answer */
	uint64_t pressure_timeout_ns;	/* ... its far side never rang, under pressure */
	uint64_t rtp_timeout_ns;	/* answered call with no SIP and no RTP */
	uint64_t max_duration_ns;	/* answered call longer than this */
	unsigned int max_calls;
	call_done_cb on_done;		/* may be NULL */
	/* Every SIP response parsed: its CSeq method (enum sip_method) and status.  May be NULL. */
	void (*on_response)(void *ctx, const struct msg *msg, int method, int status);
	/* Every SIP message (not keepalives or other bytes on a SIP port); m NULL when it did not parse.  May be NULL. */
	void (*on_sip)(void *ctx, const struct msg *msg, const struct sip_msg *m);
	void *ctx;
};

#define DIALOG_MAX_IFACES 16

struct dialogs {
	struct media *media;
	struct dialog_cfg cfg;
	struct call *by_id;
	/*
	 * Every call is on one of two lists, so that the one to evict from a
	 * full table is found in constant time: `ended` in the order calls
	 * ended (they go first), `live` least recently active first (a SIP
	 * message, or RTP seen at the last read, moves a call to the end).
	 */
	struct call *live, *ended;
	uint32_t ifindex[DIALOG_MAX_IFACES];	/* the watched interfaces, by slot (0: none) */
	unsigned int nr_calls;
	uint64_t now;				/* newest event-clock time seen */
	struct dialog_stats st;
};

int dialog_init(struct dialogs *d, struct media *media, const struct dialog_cfg *cfg);
/* One message from reassembly: SIP, or RTCP / a DTMF event on a media endpoint. */
void dialog_on_msg(struct dialogs *d, const struct msg *msg);
/* Time has moved to now: read the streams, end timed-out calls, finish those past grace. */
void dialog_tick(struct dialogs *d, uint64_t now);
/* At exit: a last read, and on_done for every call, open ones as RESULT_ACTIVE. */
void dialog_finish(struct dialogs *d);
void dialog_free(struct dialogs *d);

/* Watched interface slot (0..DIALOG_MAX_IFACES-1) is ifindex now (0: none). */
void dialog_set_iface(struct dialogs *d, int slot, uint32_t ifindex);
/*
 * The interface of slot went away or down: the calls seen on no other
 * watched interface end (RESULT_INTERFACE_LOST), not left looking alive.
 */
void dialog_iface_lost(struct dialogs *d, int slot);

/*
 * A restart: a call of the state file (state.c made it, every field as
 * saved, its media's endpoints and the rest but no streams) into the
 * table, its media restored (media_restore_call).  Not follow (its kernel
 * state is gone: the file and the maps are not of the same run), its
 * record is written at once, as it was known (an open call as "active"),
 * and it is let go.  The call is the table's from then, whatever the
 * result: 0, -EEXIST (its Call-ID is in the table: freed), -ENOSPC (the
 * table is full: freed), -ENOMEM (written at once).
 */
int dialog_restore(struct dialogs *d, struct call *call, const struct media_saved_stream *ss, unsigned int n,
		   bool follow, const struct endpoint_info *(*ep_info)(void *ctx, const struct endpoint_key *key),
		   void *ctx);

unsigned int dialog_nr_active(const struct dialogs *d);
/* Every call in the table, in no particular order. */
void dialog_foreach(const struct dialogs *d, void (*cb)(void *ctx, const struct call *call), void *ctx);

const char *call_result_name(enum call_result r);
const char *call_state_name(enum call_state s);
/* The record's `state`: busy is a failed call whose final_status says why. */
const char *call_state_label(enum call_result r);

/*
 * The Call-ID as sent (bytes, *len of them): the printable call_id when
 * that is it, or when the Call-ID was longer than CALL_WIRE_ID_MAX.
 */
static inline const char *call_wire_id(const struct call *call, size_t *len)
{
	if (call->wire_id) {
		*len = call->wire_id_len;
		return call->wire_id;
	}
	*len = strlen(call->call_id);
	return call->call_id;
}

/* The struct call a media_call is embedded in. */
static inline const struct call *call_of_media(const struct media_call *mc)
{
	return (const struct call *)((const char *)mc - offsetof(struct call, media));
}

#endif /* SIPXDP_DIALOG_H */
