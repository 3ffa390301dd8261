// SPDX-License-Identifier: GPL-2.0
/*
 * callmetrics.c - distributions of calls and streams by peer (callmetrics.h).
 *
 * Buckets are where voice quality changes for a listener, not where the
 * numbers happen to fall (README, Metrics): MOS at the ITU-T G.107 user
 * satisfaction bands, jitter around what jitter buffers absorb (20-60 ms),
 * loss where G.711 and G.729 degrade audibly (1 %, 5 %), post-dial delay
 * from instant to what a caller gives up at.
 */
#include <stdlib.h>
#include <string.h>

#include "callmetrics.h"
#include "codec.h"
#include "quality.h"
#include "rtp_stats.h"

const struct hist_bounds cm_stream_bounds[CM_NR_STREAM_HIST] = {
	[CM_MOS] = { 10, { 1, 2, 2.5, 3, 3.5, 3.8, 4.0, 4.2, 4.4, 5 } },
	[CM_R_FACTOR] = { 7, { 50, 60, 70, 80, 90, 93.2, 100 } },
	[CM_JITTER] = { 9, { 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2 } },
	[CM_MAX_JITTER] = { 9, { 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2 } },
	[CM_LOSS] = { 7, { 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2 } },
	[CM_MAX_DELTA] = { 9, { 0.025, 0.04, 0.06, 0.1, 0.2, 0.5, 1, 2, 5 } },
	[CM_RTT] = { 10, { 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 1 } },
};

const struct hist_bounds cm_call_bounds[CM_NR_CALL_HIST] = {
	[CM_PDD] = { 11, { 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 12, 20, 30 } },
	[CM_SETUP] = { 11, { 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 12, 20, 30 } },
	[CM_DURATION] = { 11, { 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200 } },
};

const char *const cm_direction_names[CM_NR_DIRECTIONS] = { "inbound", "outbound" };
const char *const cm_class_names[CM_NR_CLASSES] = { "challenge", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx" };

static void copy_label(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The first watched interface (in -i order) the call's SIP was seen on. */
static const char *call_iface(const struct callmetrics *cm, const struct call *call)
{
	int i;

	if (cm->offline)
		return "capture";
	for (i = 0; i < DIALOG_MAX_IFACES; i++)
		if ((call->ifaces & (1U << i)) && cm->iface_names[i])
			return cm->iface_names[i];
	return "unknown";
}

/*
 * set = the label set keyed *k in cm's table (head, its count n), added if
 * new; NULL, counted in overflow, when the table is full or memory short.
 * One macro for the three tables: uthash's are typed by their element.
 */
#define SET_GET(cm, head, n, k, set)								\
	do {											\
		HASH_FIND(hh, (cm)->head, (k), sizeof(*(k)), (set));				\
		if (!(set) && (cm)->n < CM_MAX_SETS && ((set) = calloc(1, sizeof(*(set))))) {	\
			memcpy(&(set)->key, (k), sizeof(*(k)));					\
			HASH_ADD(hh, (cm)->head, key, sizeof(*(k)), (set));			\
			(cm)->n++;								\
		} else if (!(set)) {								\
			(cm)->overflow++;							\
		}										\
	} while (0)

/* The side whose SDP announced an RTP endpoint of the call, or SIDE_UNKNOWN. */
static int side_of(const struct media_call *mc, const struct sipxdp_addr *a, uint16_t port)
{
	const struct call_ep *e = media_call_ep(mc, a, port);

	return e && !e->rtcp ? e->side : SIDE_UNKNOWN;
}

/*
 * Inbound: the stream flows from the peer's side of the call.  Its
 * receiver's side is what the SDP says for sure; failing that, its
 * sender's (symmetric RTP sends from the endpoint announced); failing
 * that, whether the sender's address is in the peer's group.
 */
static enum cm_direction stream_direction(const struct callmetrics *cm, const struct stream_rec *s,
					  const struct media_call *mc, int peer_side, const char *peer)
{
	int rx = side_of(mc, &s->key.dst, s->key.dport), tx;

	if (rx != SIDE_UNKNOWN)
		return rx == peer_side ? CM_OUTBOUND : CM_INBOUND;
	tx = side_of(mc, &s->key.src, s->key.sport);
	if (tx != SIDE_UNKNOWN)
		return tx == peer_side ? CM_INBOUND : CM_OUTBOUND;
	return strcmp(peers_group(cm->peers, &s->key.src), peer) ? CM_OUTBOUND : CM_INBOUND;
}

static void observe_stream(struct callmetrics *cm, const struct stream_rec *s, const struct call *call,
			   const struct cm_call_key *ck, enum cm_direction dir)
{
	const struct stream_state *st = &s->st;
	int64_t expected = rtp_expected(st), lost = rtp_lost(st);
	struct cm_stream_key k;
	struct stream_quality q;
	struct cm_stream_set *set;

	memset(&k, 0, sizeof(k));
	k.c = *ck;
	k.c.dir = dir;
	quality_of(s, &call->media, &q);
	copy_label(k.codec, sizeof(k.codec), codec_label(q.codec, q.codec_known));
	SET_GET(cm, streams, nstreams, &k, set);
	if (!set)
		return;
	if (q.has_mos) {
		hist_observe(&set->h[CM_MOS], &cm_stream_bounds[CM_MOS], q.mos);
		hist_observe(&set->h[CM_R_FACTOR], &cm_stream_bounds[CM_R_FACTOR], q.r_factor);
	}
	hist_observe(&set->h[CM_JITTER], &cm_stream_bounds[CM_JITTER], quality_jitter_ms(st->jitter_q4) / 1e3);
	hist_observe(&set->h[CM_MAX_JITTER], &cm_stream_bounds[CM_MAX_JITTER],
		     quality_jitter_ms(st->max_jitter_q4) / 1e3);
	if (expected > 0)
		hist_observe(&set->h[CM_LOSS], &cm_stream_bounds[CM_LOSS],
			     lost > 0 ? (double)lost / expected : 0);
	hist_observe(&set->h[CM_MAX_DELTA], &cm_stream_bounds[CM_MAX_DELTA], st->max_delta_ns / 1e9);
	if (q.rtcp && q.rtcp->rtt_ms >= 0)
		hist_observe(&set->h[CM_RTT], &cm_stream_bounds[CM_RTT], q.rtcp->rtt_ms / 1e3);
}

void callmetrics_call(struct callmetrics *cm, const struct call *call)
{
	const struct stream_rec *s;
	struct cm_call_key k;
	struct cm_call_set *set;
	bool from_src, dirs[CM_NR_DIRECTIONS] = { false };
	enum cm_direction dir;
	int peer_side;

	if (call->result == RESULT_ACTIVE || call->result >= RESULT_NR)
		return;
	memset(&k, 0, sizeof(k));
	copy_label(k.peer, sizeof(k.peer), peers_far(cm->peers, &call->media.source, &call->invite_dst, &from_src));
	copy_label(k.iface, sizeof(k.iface), call_iface(cm, call));
	k.dir = from_src ? CM_INBOUND : CM_OUTBOUND;
	peer_side = from_src ? SIDE_CALLER : SIDE_CALLEE;
	SET_GET(cm, calls, ncalls, &k, set);
	if (!set)
		return;
	set->calls[call->result]++;
	/* A capture out of time order could put an answer before its INVITE: not a delay, not observed. */
	if (call->t_ringing >= call->t_invite && call->t_ringing)
		hist_observe(&set->h[CM_PDD], &cm_call_bounds[CM_PDD], (call->t_ringing - call->t_invite) / 1e9);
	if (call->t_answer) {
		uint64_t end = call->t_end > call->t_answer ? call->t_end : call->t_answer;

		set->answered++;
		if (call->t_answer >= call->t_invite)
			hist_observe(&set->h[CM_SETUP], &cm_call_bounds[CM_SETUP], (call->t_answer - call->t_invite) / 1e9);
		hist_observe(&set->h[CM_DURATION], &cm_call_bounds[CM_DURATION], (end - call->t_answer) / 1e9);
	}
	for (s = call->media.streams; s; s = s->owner_next) {
		if (!(s->st.flags & STREAM_F_VALID)) {
			set->never_valid++;
			continue;
		}
		dir = stream_direction(cm, s, &call->media, peer_side, k.peer);
		dirs[dir] = true;
		observe_stream(cm, s, call, &k, dir);
	}
	if (call->t_answer && !dirs[CM_INBOUND] && !dirs[CM_OUTBOUND])
		set->no_rtp++;
	else if (call->t_answer && dirs[CM_INBOUND] != dirs[CM_OUTBOUND])
		set->one_way++;
}

void callmetrics_response(struct callmetrics *cm, const struct msg *msg, int method, int status)
{
	struct cm_resp_set *set;
	char peer[PEERS_NAME_MAX + 1];
	bool from_src;
	int cls;

	if (status < 100 || status > 699)
		return;
	cls = status == 401 || status == 407 ? 0 : status / 100;
	if (method < 0 || method >= SIP_COUNT_METHODS)
		method = 0;
	memset(peer, 0, sizeof(peer));
	copy_label(peer, sizeof(peer), peers_far(cm->peers, &msg->src, &msg->dst, &from_src));
	SET_GET(cm, responses, nresponses, &peer, set);
	if (set)
		set->n[method][cls]++;
}

struct cm_stream_set *callmetrics_stream_set(struct callmetrics *cm, const struct cm_stream_key *k)
{
	struct cm_stream_set *set;

	SET_GET(cm, streams, nstreams, k, set);
	return set;
}

struct cm_call_set *callmetrics_call_set(struct callmetrics *cm, const struct cm_call_key *k)
{
	struct cm_call_set *set;

	SET_GET(cm, calls, ncalls, k, set);
	return set;
}

struct cm_resp_set *callmetrics_resp_set(struct callmetrics *cm, const char peer[PEERS_NAME_MAX + 1])
{
	struct cm_resp_set *set;
	char key[PEERS_NAME_MAX + 1];

	memcpy(key, peer, sizeof(key));
	SET_GET(cm, responses, nresponses, &key, set);
	return set;
}

void callmetrics_free(struct callmetrics *cm)
{
	struct cm_stream_set *s, *ts;
	struct cm_call_set *c, *tc;
	struct cm_resp_set *r, *tr;

	HASH_FREE_ALL(cm->streams, s, ts);
	HASH_FREE_ALL(cm->calls, c, tc);
	HASH_FREE_ALL(cm->responses, r, tr);
	cm->nstreams = cm->ncalls = cm->nresponses = 0;
}
