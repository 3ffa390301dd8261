// SPDX-License-Identifier: GPL-2.0
/*
 * dialog.c - follow SIP dialogs: the call state machine, its timeouts and
 * the eviction of a full table.  What a message's SDP says goes to the
 * call's media (media.c); a finished call goes to the on_done callback.
 *
 * Times are on the event clock: the kernel's monotonic clock live, the
 * capture's clock offline, so a capture replays with the same decisions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "log.h"
#include "sdp.h"
#include "sipbody.h"
#include "util.h"

static const char *const result_names[RESULT_NR] = {
	[RESULT_ACTIVE] = "active", [RESULT_COMPLETED] = "completed", [RESULT_BUSY] = "busy",
	[RESULT_FAILED] = "failed", [RESULT_CANCELLED] = "cancelled",
	[RESULT_TIMED_OUT] = "timed_out", [RESULT_EVICTED] = "evicted",
	[RESULT_INTERFACE_LOST] = "interface_lost",
};

const char *call_result_name(enum call_result r)
{
	return r < RESULT_NR ? result_names[r] : "unknown";
}

const char *call_state_label(enum call_result r)
{
	return call_result_name(r == RESULT_BUSY ? RESULT_FAILED : r);
}

const char *call_state_name(enum call_state s)
{
	static const char *const n[] = { "inviting", "proceeding", "answered",
					 "confirmed", "terminating", "ended" };

	return s <= CALL_ENDED ? n[s] : "unknown";
}

int dialog_init(struct dialogs *d, struct media *media, const struct dialog_cfg *cfg)
{
	memset(d, 0, sizeof(*d));
	d->media = media;
	d->cfg = *cfg;
	return 0;
}

/* Header values for records: printable, see escape_printable(); false when cut. */
static bool copy_printable(char *dst, size_t n, struct sip_str v)
{
	return escape_printable(dst, n, v.p, v.len) == v.len;
}

/* The call's key (see CALL_ID_MAX); false when kept in part. */
static bool call_key(char dst[CALL_ID_MAX], struct sip_str id)
{
	size_t n;

	if (copy_printable(dst, CALL_ID_MAX, id))
		return true;
	escape_printable(dst, CALL_ID_KEEP + 1, id.p, id.len);
	n = strlen(dst);
	snprintf(dst + n, CALL_ID_MAX - n, "\\#%016llx",
		 (unsigned long long)hashing_digest64(id.p, id.len));
	return false;
}

/*
 * Which side sent this message?  Requests come from their From; responses
 * from the other end of the request they answer.  The caller is whoever
 * carries the INVITE's From tag.
 */
static enum media_side msg_side(const struct call *call, const struct sip_msg *m)
{
	bool from_caller;

	if (!call->from_tag[0] || !m->from_tag.len)
		return SIDE_UNKNOWN;
	from_caller = sip_str_eq(m->from_tag, call->from_tag);
	return m->is_request == from_caller ? SIDE_CALLER : SIDE_CALLEE;
}

/* The message's SDP, if it has one, to the call's media; hold is per side. */
static void call_learn_sdp(struct dialogs *d, struct call *call, const struct sip_msg *msg,
			   uint64_t msg_ts)
{
	struct sdp_session sdp;
	struct sip_str body;
	enum media_side side;

	if (!sip_body_sdp(msg->content_type, msg->body, &body))
		return;
	if (sdp_parse(body.p, body.len, &sdp)) {
		d->st.sdp_errors++;
		pr_debug("call %s: unreadable SDP\n", call->call_id);
		return;
	}
	side = msg_side(call, msg);
	call->held_by[side] = media_apply_sdp(d->media, &call->media, &sdp, side, d->now, msg_ts);
	/* On hold while either side's newest SDP holds (the answer's recvonly does not undo the offer's sendonly). */
	call->on_hold = call->held_by[SIDE_CALLER] || call->held_by[SIDE_CALLEE] || call->held_by[SIDE_UNKNOWN];
}

/* --- lifecycle ------------------------------------------------------- */

static void call_end(struct dialogs *d, struct call *call, enum call_result r, uint64_t t)
{
	if (call->state == CALL_ENDED)
		return;
	DL_DELETE(d->live, call);
	DL_APPEND(d->ended, call);
	media_call_ended(d->media, &call->media, true);
	call->state = CALL_ENDED;
	call->result = r;
	call->t_end = t;
	call->finalize_at = (t > d->now ? t : d->now) + d->cfg.grace_ns;
	/*
	 * A challenge (401/407) is usually answered by a new INVITE in the same
	 * call once the user agent has credentials, which a person may have to
	 * type (a minute is common): the call waits as long as an unanswered
	 * INVITE would before it is written off.
	 */
	if ((call->final_status == 401 || call->final_status == 407) &&
	    call->finalize_at < t + d->cfg.setup_timeout_ns)
		call->finalize_at = t + d->cfg.setup_timeout_ns;
	pr_debug("call %s ended: %s (%d)\n", call->call_id, call_result_name(r), call->final_status);
}

/* Out of the table and freed, its media released. */
static void call_drop(struct dialogs *d, struct call *call)
{
	media_call_release(d->media, &call->media);
	if (call->state == CALL_ENDED)
		DL_DELETE(d->ended, call);
	else
		DL_DELETE(d->live, call);
	HASH_DEL(d->by_id, call);
	d->nr_calls--;
	free(call->wire_id);
	free(call);
}

/* After the grace period: final figures, the record, and release of everything. */
static void call_finalize(struct dialogs *d, struct call *call)
{
	media_call_refresh(d->media, &call->media);
	/* Counted here, not when it ended: an ended call may still reopen (see call_reopen). */
	d->st.calls_total[call->result]++;
	if (d->cfg.on_done)
		d->cfg.on_done(d->cfg.ctx, call, d->now);
	call_drop(d, call);
}

static uint64_t call_last_activity(const struct call *call)
{
	uint64_t rtp = media_last_rtp(&call->media);

	return rtp > call->t_last_sip ? rtp : call->t_last_sip;
}

/* The call was heard from: it goes to the end of the live list. */
static void call_touch(struct dialogs *d, struct call *call)
{
	if (call->state == CALL_ENDED || d->live->prev == call)
		return;
	DL_DELETE(d->live, call);
	DL_APPEND(d->live, call);
}

/*
 * The table is full: make room by ending the call heard from least
 * recently (ended calls waiting out their grace period go first).
 */
static bool call_evict_one(struct dialogs *d)
{
	struct call *victim = d->ended ? d->ended : d->live;

	if (!victim)
		return false;
	if (victim->state != CALL_ENDED) {
		/* Once in the log, then only in sipxdp_calls_total{result="evicted"}: a full table under load would flood it. */
		if (!d->st.calls_total[RESULT_EVICTED])
			pr_warn("call table full (%u calls): evicting the least recently active (%s); see --max-calls\n",
				d->cfg.max_calls, victim->call_id);
		call_end(d, victim, RESULT_EVICTED, d->now);
	}
	call_finalize(d, victim);
	return true;
}

static struct call *call_new(struct dialogs *d, const struct sip_msg *m, const struct msg *msg)
{
	uint64_t t = msg->ts_ns;
	struct call *call;

	if (d->nr_calls >= d->cfg.max_calls && !call_evict_one(d)) {
		d->st.calls_dropped++;
		return NULL;
	}
	call = calloc(1, sizeof(*call));
	if (!call)
		return NULL;
	call->call_id_cut = !call_key(call->call_id, m->call_id);
	if ((m->call_id.len != strlen(call->call_id) || memcmp(m->call_id.p, call->call_id, m->call_id.len)) &&
	    m->call_id.len <= CALL_WIRE_ID_MAX && (call->wire_id = malloc(m->call_id.len ? m->call_id.len : 1))) {
		memcpy(call->wire_id, m->call_id.p, m->call_id.len);
		call->wire_id_len = m->call_id.len;
	}
	call->from_cut = !copy_printable(call->from, sizeof(call->from), m->from_uri.len ? m->from_uri : m->from);
	call->to_cut = !copy_printable(call->to, sizeof(call->to), m->to_uri.len ? m->to_uri : m->to);
	sip_str_copy(call->from_tag, sizeof(call->from_tag), m->from_tag);
	call->invite[0].cseq = m->cseq;
	sip_str_copy(call->invite[0].branch, sizeof(call->invite[0].branch), m->via_branch);
	call->t_invite = t;
	call->state = CALL_INVITING;
	call->media.label = call->call_id;
	call->media.t_start = t;
	call->media.source = msg->src;
	call->invite_dst = msg->dst;
	HASH_ADD_STR(d->by_id, call_id, call);
	DL_APPEND(d->live, call);
	d->nr_calls++;
	return call;
}

/*
 * A new INVITE in a call that failed moments ago: the usual retry after a
 * 401/407 challenge (or a 422/491), same Call-ID, higher CSeq.  The call
 * goes on instead of ending.
 */
static void call_reopen(struct dialogs *d, struct call *call)
{
	DL_DELETE(d->ended, call);
	DL_APPEND(d->live, call);
	media_call_ended(d->media, &call->media, false);
	call->state = call->t_answer ? CALL_CONFIRMED : CALL_INVITING;
	call->result = RESULT_ACTIVE;
	if (!call->t_answer)
		call->final_status = 0;
	call->t_end = 0;
	call->finalize_at = 0;
	call->cancel_seen = false;
}

/* --- the state machine ----------------------------------------------- */

/* The slot of call->invite[] for a side that sends INVITEs. */
static int txn_of(enum media_side side)
{
	return side == SIDE_CALLEE;
}

static enum media_side other_side(enum media_side side)
{
	return side == SIDE_CALLER ? SIDE_CALLEE : side == SIDE_CALLEE ? SIDE_CALLER : SIDE_UNKNOWN;
}

static void call_on_invite(struct dialogs *d, struct call *call, const struct sip_msg *m, uint64_t t)
{
	int x = txn_of(msg_side(call, m));
	bool fresh = m->cseq > call->invite[x].cseq;

	if (call->state == CALL_ENDED && (call->result == RESULT_FAILED || call->result == RESULT_BUSY) &&
	    !x && fresh) {
		call_reopen(d, call);
		d->st.invite_retries++;
	}
	/* A re-INVITE (a new transaction once the dialog is up) renegotiates media; a retransmission is not one. */
	if (fresh && call->state >= CALL_ANSWERED && call->state != CALL_ENDED && m->to_tag.len)
		call->reinvites++;
	if (m->cseq >= call->invite[x].cseq) {
		call->invite[x].cseq = m->cseq;
		sip_str_copy(call->invite[x].branch, sizeof(call->invite[x].branch), m->via_branch);
	}
	call_learn_sdp(d, call, m, t);
}

static void call_on_request(struct dialogs *d, struct call *call, const struct sip_msg *m, uint64_t t)
{
	switch (m->method) {
	case SIP_M_INVITE:
		call_on_invite(d, call, m, t);
		break;
	case SIP_M_UPDATE:
		call_learn_sdp(d, call, m, t);
		break;
	case SIP_M_ACK:
		if (call->state == CALL_ANSWERED)
			call->state = CALL_CONFIRMED;
		call_learn_sdp(d, call, m, t);	/* late offer: SDP answer in the ACK */
		break;
	case SIP_M_BYE:
		if (call->state != CALL_ENDED) {
			call->state = CALL_TERMINATING;
			if (!call->hangup)
				call->hangup = msg_side(call, m);
		}
		break;
	case SIP_M_CANCEL:
		call->cancel_seen = true;
		break;
	default:
		break;
	}
}

/* A response to the newest INVITE transaction of the side that sent it (x: its slot). */
static void call_on_invite_response(struct dialogs *d, struct call *call, const struct sip_msg *m,
				    int x, uint64_t t)
{
	int code = m->status_code;

	if (x) {
		/* The caller answering the callee's re-INVITE: its SDP, nothing else moves the call. */
		if (code < 300)
			call_learn_sdp(d, call, m, t);
		return;
	}
	/* The far side rings, offers early media or answers: a real call, not a mere offer. */
	if (code >= 180 && code < 300)
		media_call_commit(d->media, &call->media);
	if (code < 200) {
		if (call->state == CALL_INVITING)
			call->state = CALL_PROCEEDING;
		/* Post-dial delay: INVITE to the first sign of ringing (180, or 183 early media). */
		if ((code == 180 || code == 183) && !call->t_ringing)
			call->t_ringing = t;
		call_learn_sdp(d, call, m, t);	/* early media */
	} else if (code < 300) {
		if (!call->t_answer) {
			call->t_answer = t;
			call->final_status = code;
			sip_str_copy(call->answer_to_tag, sizeof(call->answer_to_tag), m->to_tag);
		} else if (!x && m->to_tag.len && !sip_str_eq(m->to_tag, call->answer_to_tag)) {
			call->forked_answers++;	/* a second fork answered the caller's INVITE too */
		}
		if (call->state < CALL_ANSWERED)
			call->state = CALL_ANSWERED;
		call_learn_sdp(d, call, m, t);
	} else if (!call->t_answer) {
		enum call_result r = RESULT_FAILED;

		if (code == 487 || call->cancel_seen)
			r = RESULT_CANCELLED;
		else if (code == 486 || code == 600)
			r = RESULT_BUSY;
		call->final_status = code;
		call_end(d, call, r, t);
	}
}

static void call_on_response(struct dialogs *d, struct call *call, const struct sip_msg *m, uint64_t t)
{
	int code = m->status_code, x;

	if (m->cseq_m == SIP_M_BYE) {
		/* Any final answer to BYE ends the dialog (RFC 3261 15.1.2). */
		if (code >= 200 && call->state == CALL_TERMINATING)
			call_end(d, call, RESULT_COMPLETED, t);
		return;
	}
	if (m->cseq_m == SIP_M_UPDATE && code >= 200 && code < 300) {
		call_learn_sdp(d, call, m, t);
		return;
	}
	if (m->cseq_m != SIP_M_INVITE || call->state == CALL_ENDED)
		return;
	/*
	 * A response belongs to the newest INVITE transaction of the side it
	 * answers (the other side than the one sending it): same CSeq and,
	 * where both carry one, the same top Via branch.  A late answer to an
	 * older INVITE (a retransmitted 407) must not move the call.
	 */
	x = txn_of(other_side(msg_side(call, m)));
	if (m->cseq != call->invite[x].cseq ||
	    (m->via_branch.len && call->invite[x].branch[0] &&
	     !sip_str_eq(m->via_branch, call->invite[x].branch))) {
		d->st.responses_unmatched++;
		return;
	}
	call_on_invite_response(d, call, m, x, t);
}

static void count_message(struct dialogs *d, const struct sip_msg *m)
{
	if (m->is_request) {
		d->st.requests[m->method < SIP_COUNT_METHODS ? m->method : 0]++;
	} else if (m->status_code >= 100 && m->status_code <= 699) {
		d->st.responses[m->cseq_m < SIP_COUNT_METHODS ? m->cseq_m : 0][m->status_code]++;
	}
}

static uint16_t iface_bit(const struct dialogs *d, uint32_t ifindex)
{
	int i;

	for (i = 0; ifindex && i < DIALOG_MAX_IFACES; i++)
		if (d->ifindex[i] == ifindex)
			return 1U << i;
	return 0;
}

void dialog_set_iface(struct dialogs *d, int slot, uint32_t ifindex)
{
	if (slot >= 0 && slot < DIALOG_MAX_IFACES)
		d->ifindex[slot] = ifindex;
}

void dialog_iface_lost(struct dialogs *d, int slot)
{
	struct call *call, *tmp;
	uint16_t bit = 1U << slot;

	DL_FOREACH_SAFE(d->live, call, tmp) {
		if (!(call->ifaces & bit))
			continue;
		call->ifaces &= ~bit;
		if (!call->ifaces)
			call_end(d, call, RESULT_INTERFACE_LOST, d->now);
	}
}

static void dialog_on_sip(struct dialogs *d, const struct msg *msg)
{
	struct sip_msg m;
	struct call *call;
	char id[CALL_ID_MAX];
	int err;

	if (sip_frame(msg->payload, msg->len, &(size_t){ 0 }) == SIP_NOT_SIP) {
		d->st.not_sip++;
		return;
	}
	err = sip_parse(msg->payload, msg->len, &m);
	if (err) {
		char a[64];

		d->st.parse_errors++;
		pr_debug("unparsable SIP from %s: %s\n",
			 addr_port_str(a, sizeof(a), &msg->src, msg->sport), strerror(-err));
		if (d->cfg.on_sip)
			d->cfg.on_sip(d->cfg.ctx, msg, NULL);
		return;
	}
	if (d->cfg.on_sip)
		d->cfg.on_sip(d->cfg.ctx, msg, &m);
	count_message(d, &m);
	if (!m.is_request && d->cfg.on_response)
		d->cfg.on_response(d->cfg.ctx, msg, m.cseq_m < SIP_COUNT_METHODS ? m.cseq_m : 0, m.status_code);

	call_key(id, m.call_id);
	HASH_FIND_STR(d->by_id, id, call);
	if (!call) {
		if (!(m.is_request && m.method == SIP_M_INVITE))
			return;	/* not a call, or one that started before we did */
		call = call_new(d, &m, msg);
		if (!call)
			return;
	}
	call->t_last_sip = msg->ts_ns;
	call->ifaces |= iface_bit(d, msg->ifindex);
	call_touch(d, call);
	if (m.is_request)
		call_on_request(d, call, &m, msg->ts_ns);
	else
		call_on_response(d, call, &m, msg->ts_ns);
}

void dialog_on_msg(struct dialogs *d, const struct msg *msg)
{
	if (msg->ts_ns > d->now)
		d->now = msg->ts_ns;
	switch (msg->kind) {
	case MSG_SIP:
		dialog_on_sip(d, msg);
		break;
	case MSG_RTCP:
		media_on_rtcp(d->media, msg);
		break;
	case MSG_DTMF:
		media_on_dtmf(d->media, msg);
		break;
	}
}

/* --- time ------------------------------------------------------------ */

/*
 * Calls that will never see their end: no final answer within the setup
 * timeout, no SIP or RTP within the RTP timeout, or longer than the maximum
 * duration.  A silent call ended when it was last heard.
 */
static void call_check_timeouts(struct dialogs *d, struct call *call, bool pressure)
{
	uint64_t last;

	if (call->state == CALL_ENDED)
		return;
	last = call_last_activity(call);
	if (!call->t_answer) {
		/*
		 * Like RFC 3261 Timer C: every provisional answer restarts the wait.
		 * Under pressure (a flood of offers: see endpoints.h), an offer its
		 * far side never rang for goes after the pressure timeout (RFC 3261
		 * Timer B is 32 s), not the setup timeout.
		 */
		uint64_t wait = !call->media.committed && pressure ? d->cfg.pressure_timeout_ns :
				d->cfg.setup_timeout_ns;

		if (call->t_last_sip + wait < d->now)
			call_end(d, call, RESULT_TIMED_OUT, last);
	} else if (last + d->cfg.rtp_timeout_ns < d->now) {
		call_end(d, call, RESULT_TIMED_OUT, last);
	} else if (call->t_answer + d->cfg.max_duration_ns < d->now) {
		call_end(d, call, RESULT_TIMED_OUT, d->now);
	}
}

void dialog_tick(struct dialogs *d, uint64_t now)
{
	struct call *call, *tmp;
	struct media_call *mc;
	bool pressure;

	if (now > d->now)
		d->now = now;
	media_read(d->media);
	/* Calls whose RTP moved since the last read are active too. */
	for (mc = media_take_active(d->media); mc; mc = mc->active_next)
		call_touch(d, (struct call *)call_of_media(mc));
	media_expire(d->media, d->now);
	pressure = endpoints_under_pressure(&d->media->eps) || d->nr_calls * 10ULL >= d->cfg.max_calls * 9ULL;
	endpoints_log_pressure(&d->media->eps);
	HASH_ITER(hh, d->by_id, call, tmp) {
		call_check_timeouts(d, call, pressure);
		if (call->state == CALL_ENDED && call->finalize_at <= d->now) {
			call_finalize(d, call);
			continue;
		}
		media_release_stale(d->media, &call->media, d->now);
	}
}

void dialog_finish(struct dialogs *d)
{
	struct call *call, *tmp;

	media_read(d->media);
	HASH_ITER(hh, d->by_id, call, tmp) {
		if (call->state != CALL_ENDED) {
			call->result = RESULT_ACTIVE;
			if (d->cfg.on_done)
				d->cfg.on_done(d->cfg.ctx, call, d->now);
		} else {
			call_finalize(d, call);
		}
	}
}

void dialog_free(struct dialogs *d)
{
	struct call *call, *tmp;

	HASH_ITER(hh, d->by_id, call, tmp) {
		HASH_DEL(d->by_id, call);
		media_call_forget(d->media, &call->media);
		free(call->wire_id);
		free(call);
	}
	d->live = d->ended = NULL;
	d->nr_calls = 0;
}

int dialog_restore(struct dialogs *d, struct call *call, const struct media_saved_stream *ss, unsigned int n,
		   bool follow, const struct endpoint_info *(*ep_info)(void *ctx, const struct endpoint_key *key),
		   void *ctx)
{
	struct call *dup;
	int err;

	HASH_FIND_STR(d->by_id, call->call_id, dup);
	if (dup || d->nr_calls >= d->cfg.max_calls) {
		free(call->wire_id);
		free(call);
		return dup ? -EEXIST : -ENOSPC;
	}
	call->media.label = call->call_id;
	call->prev = call->next = NULL;
	HASH_ADD_STR(d->by_id, call_id, call);
	if (call->state == CALL_ENDED)
		DL_APPEND(d->ended, call);
	else
		DL_APPEND(d->live, call);
	d->nr_calls++;
	err = media_restore_call(d->media, &call->media, ss, n, follow, ep_info, ctx);
	if (follow && !err)
		return 0;
	/* Not to be followed: its record now, as at exit (an open call is "active"), its figures the file's. */
	if (call->state == CALL_ENDED)
		d->st.calls_total[call->result]++;
	else
		call->result = RESULT_ACTIVE;
	if (d->cfg.on_done)
		d->cfg.on_done(d->cfg.ctx, call, d->now);
	if (!follow)
		call->media.nep = 0;	/* none of them was held */
	call_drop(d, call);
	return err;
}

unsigned int dialog_nr_active(const struct dialogs *d)
{
	const struct call *call, *tmp;
	unsigned int n = 0;

	HASH_ITER(hh, d->by_id, call, tmp)
		n += call->state != CALL_ENDED;
	return n;
}

void dialog_foreach(const struct dialogs *d, void (*cb)(void *ctx, const struct call *call), void *ctx)
{
	const struct call *call, *tmp;

	HASH_ITER(hh, d->by_id, call, tmp)
		cb(ctx, call);
}
