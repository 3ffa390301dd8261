// SPDX-License-Identifier: GPL-2.0
/*
 * media.c - what the calls' SDP says of their media, the streams the
 * kernel counts and which call each belongs to, and what RTCP and DTMF say
 * about them.  The endpoints themselves, shared across calls and mirrored
 * in the kernel, are endpoints.c's: a stream is attributed by looking at
 * the calls of the two endpoints it touches only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "codec.h"
#include "log.h"
#include "media.h"
#include "rtcp.h"
#include "rtp_stats.h"
#include "util.h"

#define PENDING_MAX_AGE_NS (5 * NS_PER_SEC)

int media_init(struct media *m, struct dp *dp, const struct media_cfg *cfg)
{
	memset(m, 0, sizeof(*m));
	m->dp = dp;
	m->cfg = *cfg;
	return endpoints_init(&m->eps, dp, &cfg->endpoints);
}

/* --- endpoints ------------------------------------------------------- */

static struct call_ep *call_find_ep(struct media_call *mc, const struct endpoint_key *key)
{
	int i;

	for (i = 0; i < mc->nep; i++)
		if (!memcmp(&mc->ep[i].key, key, sizeof(*key)))
			return &mc->ep[i];
	return NULL;
}

const struct call_ep *media_call_ep(const struct media_call *mc, const struct sipxdp_addr *addr, uint16_t port)
{
	struct endpoint_key key = { .addr = *addr, .port = port, .proto = IPPROTO_UDP };

	return call_find_ep((struct media_call *)mc, &key);
}

/* The telephone-event payload type of an m= line (RFC 4733), 0 if it has none. */
static uint8_t event_pt_of(const struct sdp_media *md)
{
	int i;

	for (i = 0; i < md->nrtpmap; i++)
		if (!strcasecmp(md->rtpmap[i].encoding, "telephone-event"))
			return md->rtpmap[i].pt;
	return 0;
}

/* Live mode: how long from the SIP packet in XDP to its endpoint in the map. */
static void learn_sample(struct media *m, uint64_t *msg_ts)
{
	struct timespec now;
	uint64_t ns;

	/* Once per SIP message: its first new endpoint is when the wait ends. */
	if (!m->cfg.live || !*msg_ts)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (uint64_t)now.tv_sec * NS_PER_SEC + now.tv_nsec;
	if (ns < *msg_ts)
		return;
	ns -= *msg_ts;
	*msg_ts = 0;
	m->st.learn_ring[m->st.learn_n % MEDIA_LEARN_RING] = ns;
	m->st.learn_n++;
	m->st.learn_sum_ns += ns;
}

/* The payload types of an m= line, for codec names in the records. */
static void ep_take_pts(struct call_ep *ce, const struct sdp_media *md)
{
	int i;

	ce->npt = 0;
	for (i = 0; i < md->nfmt && ce->npt < MEDIA_EP_MAX_PT; i++) {
		struct media_pt *p = &ce->pt[ce->npt++];
		const char *slash;

		codec_name(p->name, sizeof(p->name), md, md->fmt[i]);
		slash = strchr(p->name, '/');
		p->pt = md->fmt[i];
		p->clock_rate = slash ? strtoul(slash + 1, NULL, 10) : 0;
	}
}

/* Merge what an m= line says into the kernel's view of the endpoint; true if it changed. */
static bool ep_merge_info(struct ep_ref *r, const struct sdp_media *md, uint8_t event_pt)
{
	uint8_t codes[SIPXDP_NR_PT];
	bool changed = false;
	int i;

	if (event_pt && event_pt != r->info.event_pt) {
		r->info.event_pt = event_pt;
		changed = true;
	}
	/* Clock of every payload type: the newest SDP wins where two calls disagree. */
	codec_fill_clock_codes(codes, md);
	for (i = 0; i < SIPXDP_NR_PT; i++) {
		if (codes[i] && codes[i] != r->info.clock_code[i]) {
			r->info.clock_code[i] = codes[i];
			changed = true;
		}
	}
	return changed;
}

static void stream_close(struct media *m, struct stream_rec *s);

/* Is mc ended with a stream not closed?  Kept in m->nended_open. */
static void ended_recount(struct media *m, struct media_call *mc)
{
	const struct stream_rec *s;
	bool open = false;

	for (s = mc->ended ? mc->streams : NULL; s && !open; s = s->owner_next)
		open = !s->closed;
	if (open != mc->ended_open) {
		mc->ended_open = open;
		if (open)
			m->nended_open++;
		else
			m->nended_open--;
	}
}

void media_call_ended(struct media *m, struct media_call *mc, bool ended)
{
	mc->ended = ended;
	ended_recount(m, mc);
}

/* Does stream s start or end at endpoint key? */
static bool stream_touches(const struct stream_rec *s, const struct endpoint_key *key)
{
	return (s->key.dport == key->port && !memcmp(&s->key.dst, &key->addr, sizeof(key->addr))) ||
	       (s->key.sport == key->port && !memcmp(&s->key.src, &key->addr, sizeof(key->addr)));
}

/*
 * A new call names r: the streams an ended call still has there are read a
 * last time and closed (sipp reuses its addresses, ports and SSRC from call
 * to call; without this, the new call's first packets would count in the
 * old call's stream, and all of them if its BYE was lost).
 */
static void close_ended_streams(struct media *m, const struct ep_ref *r, const struct media_call *newcomer)
{
	struct stream_rec *s;
	int i;

	for (i = 0; i < r->refs && m->nended_open; i++) {
		struct media_call *oc = r->calls[i];

		if (oc == newcomer || !oc->ended_open)
			continue;
		for (s = oc->streams; s; s = s->owner_next)
			if (!s->closed && stream_touches(s, &r->key))
				stream_close(m, s);
	}
}

/* An offer's call may hold this many endpoints in the kernel; more wait for it to commit. */
static bool may_offer(const struct media *m, const struct media_call *mc)
{
	return mc->committed || !m->cfg.offer_per_call || (unsigned int)mc->nep <= m->cfg.offer_per_call;
}

/* The call's SDP announced this endpoint: take a reference and merge its clocks. */
static void call_add_ep(struct media *m, struct media_call *mc, const struct endpoint_key *key,
			const struct sdp_media *md, enum media_side side, enum sdp_dir dir, bool rtcp,
			uint64_t *msg_ts)
{
	struct call_ep *ce = call_find_ep(mc, key);
	bool changed = false;
	struct ep_ref *r;

	if (!ce) {
		if (mc->nep >= MEDIA_MAX_EP) {
			pr_debug("call %s: more than %d media endpoints, ignoring the rest\n",
				 mc->label, MEDIA_MAX_EP);
			return;
		}
		r = endpoints_hold(&m->eps, key, mc, mc->committed, &mc->source);
		if (!r)
			return;
		close_ended_streams(m, r, mc);
		ce = &mc->ep[mc->nep++];
		memset(ce, 0, sizeof(*ce));
		ce->key = *key;
		changed = true;
	} else {
		r = endpoints_find(&m->eps, key);
		if (!r)
			return;
	}
	ce->side = side;
	ce->dir = dir;
	ce->stale = false;
	ce->rtcp = rtcp;
	if (rtcp) {
		/* RTCP: no payload types, no clocks; the kernel hands its reports up. */
		if (!(r->info.flags & ENDPOINT_F_RTCP)) {
			r->info.flags |= ENDPOINT_F_RTCP;
			changed = true;
		}
	} else {
		ce->event_pt = event_pt_of(md);
		ep_take_pts(ce, md);
		changed |= ep_merge_info(r, md, ce->event_pt);
	}
	if ((changed || !r->in_kernel) && endpoints_sync(&m->eps, r, may_offer(m, mc)))
		learn_sample(m, msg_ts);
}

static void ep_release(struct media *m, struct media_call *mc, const struct endpoint_key *key)
{
	struct ep_ref *r = endpoints_find(&m->eps, key);

	if (r)
		endpoints_drop(&m->eps, r, mc, mc->committed);
}

void media_call_commit(struct media *m, struct media_call *mc)
{
	int i;

	if (mc->committed)
		return;
	mc->committed = true;
	for (i = 0; i < mc->nep; i++) {
		struct ep_ref *r = endpoints_find(&m->eps, &mc->ep[i].key);

		if (r) {
			endpoints_commit(&m->eps, r);
			endpoints_sync(&m->eps, r, true);
		}
	}
}

/* Drop endpoint i of a call (a newer SDP of its side no longer names it). */
static void call_drop_ep(struct media *m, struct media_call *mc, int i)
{
	ep_release(m, mc, &mc->ep[i].key);
	mc->ep[i] = mc->ep[--mc->nep];
}

bool media_apply_sdp(struct media *m, struct media_call *mc, const struct sdp_session *sdp,
		     enum media_side side, uint64_t now, uint64_t msg_ts)
{
	bool hold = false;
	int i;

	/* A new SDP from one side replaces what that side announced before (re-INVITE, UPDATE). */
	for (i = 0; i < mc->nep; i++) {
		if (side != SIDE_UNKNOWN && mc->ep[i].side == side && !mc->ep[i].stale) {
			mc->ep[i].stale = true;
			mc->ep[i].stale_at = now;
		}
	}
	for (i = 0; i < sdp->nmedia; i++) {
		const struct sdp_media *md = &sdp->media[i];
		const struct sdp_conn *conn = sdp_media_conn(sdp, i);
		enum sdp_dir dir = sdp_media_dir(sdp, i);
		struct endpoint_key key = {};

		if (!md->port || !conn || !conn->present)
			continue;
		if (strcmp(md->type, "audio") && strcmp(md->type, "video"))
			continue;
		if (dir == SDP_DIR_SENDONLY || dir == SDP_DIR_INACTIVE)
			hold = true;
		/* c=0.0.0.0 (RFC 2543 hold): no media to expect at any address. */
		if (addr_is_unspecified(&conn->addr)) {
			hold = true;
			continue;
		}
		key.addr = conn->addr;
		key.port = htons(md->port);
		key.proto = IPPROTO_UDP;
		call_add_ep(m, mc, &key, md, side, dir, false, &msg_ts);
		/* RTCP: on a=rtcp's port, else the next one up, unless muxed onto RTP's (RFC 5761). */
		if (!md->rtcp_mux && (md->rtcp_port || md->port < 65535)) {
			key.port = htons(md->rtcp_port ? md->rtcp_port : md->port + 1);
			call_add_ep(m, mc, &key, md, side, dir, true, &msg_ts);
		}
	}
	return hold;
}

void media_release_stale(struct media *m, struct media_call *mc, uint64_t now)
{
	int i;

	for (i = mc->nep - 1; i >= 0; i--)
		if (mc->ep[i].stale && mc->ep[i].stale_at + m->cfg.grace_ns <= now)
			call_drop_ep(m, mc, i);
}

/* --- streams --------------------------------------------------------- */

static bool call_has_addr(const struct media_call *mc, const struct sipxdp_addr *a, uint16_t port)
{
	int i;

	for (i = 0; i < mc->nep; i++)
		if (mc->ep[i].key.port == port && !memcmp(&mc->ep[i].key.addr, a, sizeof(*a)))
			return true;
	return false;
}

/*
 * Which call does a stream belong to?  The call whose SDP names both its
 * ends (the newest, if several do).  Failing that (NAT, one side's SDP
 * unseen), the one call that names either end -- but only if exactly one
 * does: endpoints shared by concurrent calls (a UAS answering every call on
 * one port) would otherwise hand the stream to an unrelated call.  Only the
 * calls indexed under the stream's two endpoints are looked at.
 */
static struct media_call *stream_find_call(const struct media *m, const struct stream_key *k, bool *both_ends)
{
	struct ep_ref *ends[2] = { endpoints_at(&m->eps, &k->src, k->sport), endpoints_at(&m->eps, &k->dst, k->dport) };
	struct media_call *both = NULL, *one = NULL;
	int nr_one = 0, e, i;

	for (e = 0; e < 2; e++) {
		for (i = 0; ends[e] && i < ends[e]->refs; i++) {
			struct media_call *mc = ends[e]->calls[i];

			if (call_has_addr(mc, &k->src, k->sport) && call_has_addr(mc, &k->dst, k->dport)) {
				if (!both || mc->t_start > both->t_start)
					both = mc;
			} else if (mc != one) {
				one = mc;
				nr_one++;
			}
		}
	}
	if (both_ends)
		*both_ends = both != NULL;
	return both ? both : nr_one == 1 ? one : NULL;
}

static void stream_account_loss(struct media *m, struct stream_rec *s)
{
	int64_t lost = rtp_lost(&s->st);

	/* A counter never goes down: late packets that cancel a loss are not subtracted. */
	if (lost > s->lost_counted) {
		m->st.rtp_lost_total += lost - s->lost_counted;
		s->lost_counted = lost;
	}
}

/* A stream of mc was read: its newest packet may be the call's. */
static void call_saw_rtp(struct media *m, struct media_call *mc, const struct stream_state *st)
{
	if (st->last_ns <= mc->last_rtp)
		return;
	mc->last_rtp = st->last_ns;
	if (!mc->active) {
		mc->active = true;
		mc->active_next = m->active;
		m->active = mc;
	}
}

/* Streams of mc between the same two endpoints as k (its SSRCs on that pair). */
static unsigned int ssrcs_of_pair(const struct media_call *mc, const struct stream_key *k)
{
	const struct stream_rec *s;
	unsigned int n = 0;

	for (s = mc->streams; s; s = s->owner_next)
		n += !memcmp(&s->key, k, offsetof(struct stream_key, ssrc));
	return n;
}

/*
 * A stream no call holds yet: to its call, within the call's budget.  One
 * whose ends the call's SDP names both is the call's at once; one it names
 * one end of (a NAT'd sender, or anyone aiming packets at the port) only
 * once it passed RFC 3550 probation, two packets in sequence: a stray
 * packet or two is no stream of a call.
 */
static void stream_attach(struct media *m, struct stream_rec *s)
{
	bool both;
	struct media_call *mc = stream_find_call(m, &s->key, &both);

	if (mc && !both && !(s->st.flags & STREAM_F_VALID))
		return;	/* on probation: looked at again at the next read */

	if (mc && ((m->cfg.max_streams_per_call && mc->nstreams >= m->cfg.max_streams_per_call) ||
		   (m->cfg.max_ssrcs_per_pair && ssrcs_of_pair(mc, &s->key) >= m->cfg.max_ssrcs_per_pair))) {
		/* Counted once; it stays unattached and goes when it falls silent. */
		if (!s->counted_unattached) {
			mc->streams_refused++;
			m->st.streams_refused++;
			s->counted_unattached = true;
		}
		return;
	}
	if (!mc) {
		if (!s->counted_unattached) {
			s->counted_unattached = true;
			m->st.streams_unattached++;
		}
		return;
	}
	s->owner = mc;
	s->owner_next = mc->streams;
	mc->streams = s;
	mc->nstreams++;
	if (mc->ended)
		ended_recount(m, mc);
}

static int sweep_one(void *ctx, const struct stream_key *key, const struct stream_state *st)
{
	struct media *m = ctx;
	struct stream_rec *s;

	HASH_FIND(hh, m->streams, key, sizeof(*key), s);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return 1;
		s->key = *key;
		HASH_ADD(hh, m->streams, key, sizeof(s->key), s);
	}
	s->st = *st;
	if (!s->owner)
		stream_attach(m, s);
	if (s->owner)
		call_saw_rtp(m, s->owner, st);
	else if (m->restoring && !s->reap_at)
		s->reap_at = m->adopt_until;	/* left by the earlier agent, claimed by no call of its */
	stream_account_loss(m, s);
	return 0;
}

/* Out of the kernel; an unpaired stream gives its endpoint its place back. */
static void stream_delete(struct media *m, const struct stream_rec *s)
{
	dp_stream_del(m->dp, &s->key, s->st.flags);
	if (!(s->st.flags & STREAM_F_UNPAIRED))
		return;
	if (s->st.flags & STREAM_F_CHARGED_SRC)
		endpoints_unpaired_gone(&m->eps, &s->key.src, s->key.sport);
	else
		endpoints_unpaired_gone(&m->eps, &s->key.dst, s->key.dport);
}

static void stream_forget(struct media *m, struct stream_rec *s)
{
	if (!s->closed) {
		stream_delete(m, s);
		HASH_DEL(m->streams, s);
	}
	free(s);
}

/* A last read, then out of the kernel and the table; it stays on its call's list for the record. */
static void stream_close(struct media *m, struct stream_rec *s)
{
	if (!dp_stream_get(m->dp, &s->key, &s->st))
		stream_account_loss(m, s);
	stream_delete(m, s);
	HASH_DEL(m->streams, s);
	s->closed = true;
	m->st.streams_closed++;
	if (s->owner && s->owner->ended_open)
		ended_recount(m, s->owner);
}

/* Streams no call claims (their call ended, or its SDP was never seen) go when they fall silent. */
static void streams_reap_orphans(struct media *m, uint64_t now)
{
	struct stream_rec *s, *tmp;

	HASH_ITER(hh, m->streams, s, tmp) {
		if (!s->owner && ((s->reap_at && s->reap_at <= now) || s->st.last_ns + m->cfg.orphan_timeout_ns < now)) {
			m->st.streams_reaped++;
			if (!(s->st.flags & STREAM_F_VALID))
				m->st.streams_never_valid++;
			stream_forget(m, s);
		}
	}
}

void media_read(struct media *m)
{
	int err = dp_streams_read(m->dp, sweep_one, m);

	if (err)
		pr_warn("read streams map: %s\n", strerror(-err));
}

void media_expire(struct media *m, uint64_t now)
{
	int n;

	streams_reap_orphans(m, now);
	endpoints_expire(&m->eps, now);
	/* RTP held for an endpoint that was never learned: not a call of ours. */
	if (now > PENDING_MAX_AGE_NS) {
		n = dp_pending_expire(m->dp, now - PENDING_MAX_AGE_NS);
		if (n > 0)
			m->st.pending_expired += n;
	}
}

struct media_call *media_take_active(struct media *m)
{
	struct media_call *head = m->active, *mc;

	for (mc = head; mc; mc = mc->active_next)
		mc->active = false;
	m->active = NULL;
	return head;
}


void media_call_refresh(struct media *m, struct media_call *mc)
{
	struct stream_rec *s;

	for (s = mc->streams; s; s = s->owner_next) {
		if (!s->closed && !dp_stream_get(m->dp, &s->key, &s->st)) {
			stream_account_loss(m, s);
			if (s->st.last_ns > mc->last_rtp)
				mc->last_rtp = s->st.last_ns;
		}
	}
}

void media_call_release(struct media *m, struct media_call *mc)
{
	struct stream_rec *s, *next;
	int i;

	if (mc->ended_open) {
		mc->ended_open = false;
		m->nended_open--;
	}
	for (s = mc->streams; s; s = next) {
		next = s->owner_next;
		stream_forget(m, s);
	}
	mc->streams = NULL;
	mc->nstreams = 0;
	for (i = 0; i < mc->nep; i++)
		ep_release(m, mc, &mc->ep[i].key);
	mc->nep = 0;
}

void media_call_forget(struct media *m, struct media_call *mc)
{
	struct stream_rec *s, *next;

	(void)m;
	for (s = mc->streams; s; s = next) {
		next = s->owner_next;
		if (s->closed)
			free(s);
	}
	mc->streams = NULL;
}

/* --- a restart -------------------------------------------------------- */

static int adopt_one(void *ctx, const struct endpoint_key *key, const struct endpoint_info *info)
{
	struct media *m = ctx;

	return endpoints_adopt(&m->eps, key, info, m->adopt_until) ? 1 : 0;
}

int media_adopt_kernel(struct media *m, uint64_t now)
{
	m->adopt_until = now + m->cfg.grace_ns;
	return dp_endpoints_read(m->dp, adopt_one, m);
}

/* A saved stream back: the kernel's copy if it has one, else the file's, put back. */
static struct stream_rec *restore_stream(struct media *m, struct media_call *mc, const struct media_saved_stream *ss,
					 bool follow)
{
	struct stream_rec *s = calloc(1, sizeof(*s)), *dup;
	struct stream_state cur;

	if (!s)
		return NULL;
	s->key = ss->key;
	s->st = ss->st;
	s->lost_counted = ss->lost_counted;
	s->owner = mc;
	s->closed = ss->closed || !follow;
	if (s->closed)
		return s;
	HASH_FIND(hh, m->streams, &s->key, sizeof(s->key), dup);
	if (dup) {
		s->closed = true;	/* another call of the file has it: this one keeps its figures */
		return s;
	}
	if (dp_stream_get(m->dp, &s->key, &cur)) {
		/* The kernel lost it (no --persist): counted on from the file; the gap is not loss. */
		cur = ss->st;
		cur.flags = (cur.flags | STREAM_F_RESUMED) & ~(STREAM_F_UNPAIRED | STREAM_F_CHARGED_SRC);
		if (dp_stream_put(m->dp, &s->key, &cur) && dp_stream_get(m->dp, &s->key, &cur)) {
			s->closed = true;	/* no room: its figures stay as the file has them */
			return s;
		}
	} else if (cur.packets > ss->st.packets) {
		m->restored_gap += cur.packets - ss->st.packets;	/* counted while no agent ran */
	}
	s->st = cur;
	HASH_ADD(hh, m->streams, key, sizeof(s->key), s);
	return s;
}

int media_restore_call(struct media *m, struct media_call *mc, const struct media_saved_stream *ss, unsigned int n,
		       bool follow, const struct endpoint_info *(*ep_info)(void *ctx, const struct endpoint_key *key),
		       void *ctx)
{
	struct ep_ref *refs[MEDIA_MAX_EP];
	struct stream_rec **tail;
	unsigned int i;
	int e;

	mc->streams = NULL;
	mc->nstreams = 0;
	mc->ended_open = false;
	mc->active = false;
	mc->active_next = NULL;
	for (e = 0; e < mc->nep && follow; e++) {
		struct ep_ref *r = endpoints_hold(&m->eps, &mc->ep[e].key, mc, mc->committed, &mc->source);
		const struct endpoint_info *info;

		if (!r) {
			mc->nep = e;	/* the endpoints held so far go with the call (media_call_release) */
			return -ENOMEM;
		}
		if (!r->in_kernel && r->refs == 1 && ep_info && (info = ep_info(ctx, &r->key))) {
			r->info = *info;
			r->info.unpaired_released = 0;	/* the kernel's count starts again with the entry */
		}
		refs[e] = r;
	}
	for (e = 0; e < mc->nep && follow; e++)
		if (!refs[e]->in_kernel)
			endpoints_sync(&m->eps, refs[e], may_offer(m, mc));
	for (i = 0, tail = &mc->streams; i < n; i++) {
		struct stream_rec *s = restore_stream(m, mc, &ss[i], follow);

		if (!s)
			return -ENOMEM;
		*tail = s;		/* in the file's order, which was the list's */
		tail = &s->owner_next;
		mc->nstreams++;
	}
	ended_recount(m, mc);
	return 0;
}

void media_restore_done(struct media *m)
{
	m->restoring = true;
	media_read(m);
	m->restoring = false;
}

/* --- RTCP and DTMF --------------------------------------------------- */

/*
 * The call an RTCP or DTMF packet belongs to: as for a stream, the call
 * whose SDP names both its ends, else the one call naming either.  Not the
 * newest call naming its destination: sipp's UAS answers every call on one
 * port, and three overlapping calls would credit the newest with every
 * digit and report.
 */
static struct media_call *call_of_msg(const struct media *m, const struct msg *msg)
{
	struct stream_key k = {
		.src = msg->src, .dst = msg->dst, .sport = htons(msg->sport), .dport = htons(msg->dport),
	};

	return stream_find_call(m, &k, NULL);
}

const struct rtcp_view *media_rtcp_of(const struct media_call *mc, uint32_t ssrc)
{
	int i;

	for (i = 0; i < mc->nrtcp; i++)
		if (mc->rtcp[i].ssrc == ssrc)
			return &mc->rtcp[i];
	return NULL;
}

static struct rtcp_view *rtcp_view_get(struct media_call *mc, uint32_t ssrc)
{
	struct rtcp_view *v = (struct rtcp_view *)media_rtcp_of(mc, ssrc);

	if (v)
		return v;
	if (mc->nrtcp == MEDIA_MAX_RTCP)
		return NULL;
	mc->rtcp[mc->nrtcp] = (struct rtcp_view){ .ssrc = ssrc, .rtt_ms = -1 };
	return &mc->rtcp[mc->nrtcp++];
}

/*
 * RTCP on a call's media ports: keep what the receivers report about each
 * source.  The round trip is measured where we stand: from the sender
 * report passing by to the receiver report that answers it, so it is the
 * far side's round trip as seen from the monitoring point.
 */
void media_on_rtcp(struct media *m, const struct msg *msg)
{
	struct rtcp_packet rp;
	struct media_call *mc;
	uint64_t arrival;
	int i;

	if (rtcp_parse((const uint8_t *)msg->payload, msg->len, &rp)) {
		m->st.rtcp_errors++;
		return;
	}
	m->st.rtcp_packets++;
	mc = call_of_msg(m, msg);
	if (m->cfg.on_rtcp)
		m->cfg.on_rtcp(m->cfg.ctx, msg, &rp, mc);
	if (!mc) {
		m->st.rtcp_unattached++;
		return;
	}
	arrival = rtcp_ntp_from_unix_ns((uint64_t)((int64_t)msg->ts_ns + m->cfg.unix_offset_ns));
	for (i = 0; i < rp.nreports; i++) {
		const struct rtcp_report *rb = &rp.reports[i];
		struct rtcp_view *v = rtcp_view_get(mc, rb->ssrc);
		double rtt;

		if (!v)
			break;
		v->reports++;
		v->fraction_lost = rb->fraction_lost / 256.0;
		v->cumulative_lost = rb->cumulative_lost;
		v->jitter = rb->jitter;
		if (rtcp_rtt(rb, arrival, &rtt))
			v->rtt_ms = rtt * 1e3;
	}
}

static char dtmf_digit(uint8_t event)
{
	static const char digits[] = "0123456789*#ABCD";

	return event < 16 ? digits[event] : event == 16 ? '!' : '?';	/* 16: flash */
}

/* An RFC 4733 event end packet: one digit, sent up to three times. */
void media_on_dtmf(struct media *m, const struct msg *msg)
{
	const uint8_t *p = (const uint8_t *)msg->payload;
	struct media_call *mc;
	struct dtmf_event ev;
	int i;

	if (msg->len < 16)
		return;
	ev.digit = dtmf_digit(p[12]);
	ev.ssrc = get_be32(p + 8);
	ev.rtp_ts = get_be32(p + 4);
	ev.duration = get_be16(p + 14);
	ev.t = msg->ts_ns;
	mc = call_of_msg(m, msg);
	if (!mc) {
		m->st.dtmf_unattached++;
		return;
	}
	for (i = mc->ndtmf - 1; i >= 0 && i >= mc->ndtmf - 4; i--)
		if (mc->dtmf[i].ssrc == ev.ssrc && mc->dtmf[i].rtp_ts == ev.rtp_ts)
			return;	/* a repeat of an end packet already counted */
	if (mc->ndtmf == MEDIA_MAX_DTMF) {
		/* Each digit once, as recorded ones are: its repeats are not more digits. */
		if (mc->dtmf_dropped && mc->dropped_ssrc == ev.ssrc && mc->dropped_ts == ev.rtp_ts)
			return;
		mc->dropped_ssrc = ev.ssrc;
		mc->dropped_ts = ev.rtp_ts;
		mc->dtmf_dropped++;
		return;
	}
	mc->dtmf[mc->ndtmf++] = ev;
	m->st.dtmf_digits++;
}

void media_free(struct media *m)
{
	struct stream_rec *s, *stmp;

	HASH_FREE_ALL(m->streams, s, stmp);
	endpoints_free(&m->eps);
}
