// SPDX-License-Identifier: GPL-2.0
/*
 * calls.c - follow SIP dialogs, learn their media endpoints, attach the
 * kernel's RTP streams to them and write a record when each call ends.
 *
 * Times are on the event clock: the kernel's monotonic clock live, the
 * capture's clock offline, so a capture replays with the same decisions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "calls.h"
#include "codec.h"
#include "kern.h"
#include "log.h"
#include "emodel.h"
#include "rtcp.h"
#include "rtp_stats.h"
#include "sdp.h"

#define NS 1000000000ULL
#define PENDING_MAX_AGE_NS (5 * NS)

static const char *const result_names[RESULT_NR] = {
	[RESULT_ACTIVE] = "active", [RESULT_COMPLETED] = "completed", [RESULT_BUSY] = "busy",
	[RESULT_FAILED] = "failed", [RESULT_CANCELLED] = "cancelled",
	[RESULT_TIMED_OUT] = "timed_out", [RESULT_EVICTED] = "evicted",
};

const char *call_result_name(enum call_result r)
{
	return r < RESULT_NR ? result_names[r] : "unknown";
}

/* The record's `state`: busy is a failed call whose final_status tells why. */
static const char *call_state_label(enum call_result r)
{
	return call_result_name(r == RESULT_BUSY ? RESULT_FAILED : r);
}

const char *call_state_name(enum call_state s)
{
	static const char *const n[] = { "inviting", "proceeding", "answered",
					 "confirmed", "terminating", "ended" };

	return s <= CALL_ENDED ? n[s] : "unknown";
}

char *addr_port_str(char *buf, size_t n, const struct sipxdp_addr *a, uint16_t port)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char ip[INET6_ADDRSTRLEN];

	if (!memcmp(a->a, v4mapped, sizeof(v4mapped))) {
		inet_ntop(AF_INET, &a->a[12], ip, sizeof(ip));
		snprintf(buf, n, "%s:%u", ip, port);
	} else {
		inet_ntop(AF_INET6, a->a, ip, sizeof(ip));
		snprintf(buf, n, "[%s]:%u", ip, port);
	}
	return buf;
}

double stream_jitter_ms(uint64_t q4)
{
	return (double)q4 / 16.0 / 1e6;
}

/* Milliseconds to the nanosecond: finer digits are arithmetic, not measurement. */
static json_t *json_ms(double ms)
{
	return json_real(round(ms * 1e6) / 1e6);
}

int calls_init(struct calls *c, struct kern *k, const struct calls_cfg *cfg)
{
	memset(c, 0, sizeof(*c));
	c->k = k;
	c->cfg = *cfg;
	c->port_refs = calloc(65536, sizeof(*c->port_refs));
	return c->port_refs ? 0 : -ENOMEM;
}

/* --- endpoints ------------------------------------------------------- */

static struct call_ep *call_find_ep(struct call *call, const struct endpoint_key *key)
{
	int i;

	for (i = 0; i < call->nep; i++)
		if (!memcmp(&call->ep[i].key, key, sizeof(*key)))
			return &call->ep[i];
	return NULL;
}

static void ep_push(struct calls *c, struct ep_ref *r)
{
	int err = kern_endpoint_set(c->k, &r->key, &r->info);

	if (err) {
		char a[64];

		c->st.ep_insert_fail++;
		pr_warn("add media endpoint %s to the kernel: %s\n",
			addr_port_str(a, sizeof(a), &r->key.addr, ntohs(r->key.port)), strerror(-err));
	}
}

static int ep_ref_add_call(struct ep_ref *r, struct call *call)
{
	if (r->refs == r->cap) {
		int cap = r->cap ? r->cap * 2 : 2;
		struct call **n = realloc(r->calls, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->calls = n;
		r->cap = cap;
	}
	r->calls[r->refs++] = call;
	return 0;
}

static bool addr_is_unspecified(const struct sipxdp_addr *a)
{
	static const uint8_t zero[16], v4zero[16] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a->a, zero, 16) || !memcmp(a->a, v4zero, 16);
}

/* The call's SDP announced this endpoint: take a reference and merge its clocks. */
/* The telephone-event payload type of an m= line (RFC 4733), 0 if it has none. */
static uint8_t event_pt_of(const struct sdp_media *m)
{
	int i;

	for (i = 0; i < m->nrtpmap; i++)
		if (!strcasecmp(m->rtpmap[i].encoding, "telephone-event"))
			return m->rtpmap[i].pt;
	return 0;
}

/* Live mode: how long from the SIP packet in XDP to its endpoint in the map. */
static void learn_sample(struct calls *c)
{
	struct timespec now;
	uint64_t ns;

	/* Once per SIP message: its first new endpoint is when the wait ends. */
	if (!c->cfg.live || !c->cur_pkt_ts)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (uint64_t)now.tv_sec * NS + now.tv_nsec;
	if (ns < c->cur_pkt_ts)
		return;
	ns -= c->cur_pkt_ts;
	c->cur_pkt_ts = 0;
	c->st.learn_ring[c->st.learn_n % (sizeof(c->st.learn_ring) / sizeof(c->st.learn_ring[0]))] = ns;
	c->st.learn_n++;
	c->st.learn_sum_ns += ns;
}

static void call_add_ep(struct calls *c, struct call *call, const struct endpoint_key *key,
			const struct sdp_media *m, enum call_side side, enum sdp_dir dir, bool rtcp)
{
	bool fresh = false;
	uint8_t codes[SIPXDP_NR_PT];
	struct call_ep *ce = call_find_ep(call, key);
	struct ep_ref *r;
	bool changed = false;
	int i;

	if (!ce) {
		if (call->nep >= CALL_MAX_EP) {
			pr_debug("call %s: more than %d media endpoints, ignoring the rest\n",
				 call->call_id, CALL_MAX_EP);
			return;
		}
		HASH_FIND(hh, c->eps, key, sizeof(*key), r);
		if (!r) {
			r = calloc(1, sizeof(*r));
			if (!r)
				return;
			r->key = *key;
			HASH_ADD(hh, c->eps, key, sizeof(r->key), r);
			fresh = true;
		}
		if (ep_ref_add_call(r, call))
			return;
		ce = &call->ep[call->nep++];
		memset(ce, 0, sizeof(*ce));
		ce->key = *key;
		changed = true;
	} else {
		HASH_FIND(hh, c->eps, key, sizeof(*key), r);
		if (!r)
			return;
	}
	ce->side = side;
	ce->dir = dir;
	ce->stale = 0;
	ce->rtcp = rtcp;
	if (rtcp) {
		/* RTCP: no payload types, no clocks; the kernel hands its reports up. */
		if (!(r->info.flags & ENDPOINT_F_RTCP)) {
			r->info.flags |= ENDPOINT_F_RTCP;
			changed = true;
		}
		goto push;
	}
	ce->event_pt = event_pt_of(m);
	if (ce->event_pt && ce->event_pt != r->info.event_pt) {
		r->info.event_pt = ce->event_pt;
		changed = true;
	}

	/* Payload types of this m= line, for codec names in the records. */
	ce->npt = 0;
	for (i = 0; i < m->nfmt && ce->npt < CALL_EP_MAX_PT; i++) {
		const char *slash;

		codec_name(ce->pt[ce->npt].name, sizeof(ce->pt[0].name), m, m->fmt[i]);
		slash = strchr(ce->pt[ce->npt].name, '/');
		ce->pt[ce->npt].pt = m->fmt[i];
		ce->pt[ce->npt].clock_rate = slash ? strtoul(slash + 1, NULL, 10) : 0;
		ce->npt++;
	}

	/* Clock of every payload type: the newest SDP wins where two calls disagree. */
	codec_fill_clock_codes(codes, m);
	for (i = 0; i < SIPXDP_NR_PT; i++) {
		if (codes[i] && codes[i] != r->info.clock_code[i]) {
			r->info.clock_code[i] = codes[i];
			changed = true;
		}
	}
push:
	if (changed)
		ep_push(c, r);
	/* The port bit last: from then on the program looks the endpoint up. */
	if (fresh) {
		if (!c->port_refs[ntohs(key->port)]++)
			kern_media_port(c->k, ntohs(key->port), true);
		learn_sample(c);
	}
}

static void ep_release(struct calls *c, struct call *call, const struct endpoint_key *key)
{
	struct ep_ref *r;
	int i, err;

	HASH_FIND(hh, c->eps, key, sizeof(*key), r);
	if (!r)
		return;
	for (i = 0; i < r->refs; i++) {
		if (r->calls[i] == call) {
			r->calls[i] = r->calls[--r->refs];
			break;
		}
	}
	if (r->refs > 0)
		return;
	err = kern_endpoint_del(c->k, key);
	if (err)
		pr_warn("remove media endpoint from the kernel: %s\n", strerror(-err));
	if (!--c->port_refs[ntohs(key->port)])
		kern_media_port(c->k, ntohs(key->port), false);
	HASH_DEL(c->eps, r);
	free(r->calls);
	free(r);
}

/* Drop endpoint i of a call (a newer SDP of its side no longer names it). */
static void call_drop_ep(struct calls *c, struct call *call, int i)
{
	ep_release(c, call, &call->ep[i].key);
	call->ep[i] = call->ep[--call->nep];
}

/*
 * Which side sent this message?  Requests come from their From; responses
 * from the other end of the request they answer.  The caller is whoever
 * carries the INVITE's From tag.
 */
static enum call_side msg_side(const struct call *call, const struct sip_msg *m)
{
	bool from_caller;

	if (!call->from_tag[0] || !m->from_tag.len)
		return SIDE_UNKNOWN;
	from_caller = sip_str_eq(m->from_tag, call->from_tag);
	return m->is_request == from_caller ? SIDE_CALLER : SIDE_CALLEE;
}

static bool has_prefix_ci(const char *p, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && !strncasecmp(p, lit, n);
}

static const char *mem_find(const char *p, size_t len, const char *needle, size_t nlen)
{
	const char *end = p + len;

	while (nlen && (size_t)(end - p) >= nlen) {
		const char *q = memchr(p, needle[0], end - p - nlen + 1);

		if (!q)
			return NULL;
		if (!memcmp(q, needle, nlen))
			return q;
		p = q + 1;
	}
	return NULL;
}

/*
 * The SDP of a message: the body itself, or the application/sdp part of a
 * multipart body (SIP-I/SIP-T gateways send SDP beside ISUP, RFC 3204).
 */
static bool msg_sdp(const struct sip_msg *m, struct sip_str *sdp)
{
	const char *ct = m->content_type.p, *b, *end, *part, *next, *hdr_end;
	char delim[80];
	size_t ctlen = m->content_type.len, blen, dlen;

	if (!m->body.len)
		return false;
	if (!ctlen || has_prefix_ci(ct, ctlen, "application/sdp")) {
		*sdp = m->body;
		return true;
	}
	if (!has_prefix_ci(ct, ctlen, "multipart/"))
		return false;
	b = mem_find(ct, ctlen, "boundary=", 9);
	if (!b)
		return false;
	b += 9;
	blen = ct + ctlen - b;
	if (blen && *b == '"') {
		const char *q = memchr(b + 1, '"', blen - 1);

		if (!q)
			return false;
		blen = q - b - 1;
		b++;
	} else {
		const char *q = memchr(b, ';', blen);

		if (q)
			blen = q - b;
		while (blen && (b[blen - 1] == ' ' || b[blen - 1] == '\t' || b[blen - 1] == '\r'))
			blen--;
	}
	if (!blen || blen > 70)
		return false;
	dlen = snprintf(delim, sizeof(delim), "--%.*s", (int)blen, b);
	end = m->body.p + m->body.len;
	part = mem_find(m->body.p, m->body.len, delim, dlen);
	while (part) {
		part += dlen;
		next = mem_find(part, end - part, delim, dlen);
		hdr_end = mem_find(part, (next ? next : end) - part, "\r\n\r\n", 4);
		if (!hdr_end)
			return false;
		if (mem_find(part, hdr_end - part, "application/sdp", 15)) {
			sdp->p = hdr_end + 4;
			sdp->len = (next ? next : end) - sdp->p;
			return true;
		}
		part = next;
	}
	return false;
}

static void call_learn_sdp(struct calls *c, struct call *call, const struct sip_msg *msg)
{
	struct sdp_session sdp;
	struct sip_str body;
	enum call_side side;
	bool hold = false;
	int i, n;

	if (!msg_sdp(msg, &body))
		return;
	if (sdp_parse(body.p, body.len, &sdp)) {
		c->st.sdp_errors++;
		pr_debug("call %s: unreadable SDP\n", call->call_id);
		return;
	}
	side = msg_side(call, msg);
	/* A new SDP from one side replaces what that side announced before (re-INVITE, UPDATE). */
	for (i = 0; i < call->nep; i++) {
		if (side != SIDE_UNKNOWN && call->ep[i].side == side && !call->ep[i].stale) {
			call->ep[i].stale = 1;
			call->ep[i].stale_at = c->now;
		}
	}
	for (i = 0, n = 0; i < sdp.nmedia; i++) {
		const struct sdp_media *m = &sdp.media[i];
		const struct sdp_conn *conn = sdp_media_conn(&sdp, i);
		enum sdp_dir dir = sdp_media_dir(&sdp, i);
		struct endpoint_key key = {};

		if (!m->port || !conn || !conn->present)
			continue;
		if (strcmp(m->type, "audio") && strcmp(m->type, "video"))
			continue;
		if (dir == SDP_DIR_SENDONLY || dir == SDP_DIR_INACTIVE)
			hold = true;
		/* c=0.0.0.0 (RFC 2543 hold): no media to expect at any address. */
		if (addr_is_unspecified(&conn->addr)) {
			hold = true;
			continue;
		}
		key.addr = conn->addr;
		key.port = htons(m->port);
		key.proto = IPPROTO_UDP;
		call_add_ep(c, call, &key, m, side, dir, false);
		/* RTCP: on a=rtcp's port, else the next one up, unless muxed onto RTP's (RFC 5761). */
		if (!m->rtcp_mux && (m->rtcp_port || m->port < 65535)) {
			key.port = htons(m->rtcp_port ? m->rtcp_port : m->port + 1);
			call_add_ep(c, call, &key, m, side, dir, true);
		}
		n++;
	}
	/* On hold while either side's newest SDP holds (the answer's recvonly does not undo the offer's sendonly). */
	call->held_by[side] = hold;
	call->on_hold = call->held_by[SIDE_CALLER] || call->held_by[SIDE_CALLEE] || call->held_by[SIDE_UNKNOWN];
}

/* --- streams --------------------------------------------------------- */

static bool call_has_addr(const struct call *call, const struct sipxdp_addr *a, uint16_t port)
{
	int i;

	for (i = 0; i < call->nep; i++)
		if (call->ep[i].key.port == port && !memcmp(&call->ep[i].key.addr, a, sizeof(*a)))
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
/* The endpoint at addr:port (network order), with the calls that name it; NULL if none. */
static struct ep_ref *ep_ref_at(const struct calls *c, const struct sipxdp_addr *addr, uint16_t port)
{
	struct endpoint_key ek = { .addr = *addr, .port = port, .proto = IPPROTO_UDP };
	struct ep_ref *r;

	HASH_FIND(hh, c->eps, &ek, sizeof(ek), r);
	return r;
}

static struct call *stream_find_call(struct calls *c, const struct stream_key *k)
{
	struct ep_ref *ends[2] = { ep_ref_at(c, &k->src, k->sport), ep_ref_at(c, &k->dst, k->dport) };
	struct call *both = NULL, *one = NULL;
	int nr_one = 0, e, i;

	for (e = 0; e < 2; e++) {
		for (i = 0; ends[e] && i < ends[e]->refs; i++) {
			struct call *call = ends[e]->calls[i];

			if (call_has_addr(call, &k->src, k->sport) && call_has_addr(call, &k->dst, k->dport)) {
				if (!both || call->t_invite > both->t_invite)
					both = call;
			} else if (call != one) {
				one = call;
				nr_one++;
			}
		}
	}
	return both ? both : nr_one == 1 ? one : NULL;
}

static void stream_account_loss(struct calls *c, struct stream_rec *s)
{
	int64_t lost = rtp_lost(&s->st);

	/* A counter never goes down: late packets that cancel a loss are not subtracted. */
	if (lost > s->lost_counted) {
		c->st.rtp_lost_total += lost - s->lost_counted;
		s->lost_counted = lost;
	}
}

static int sweep_one(void *ctx, const struct stream_key *key)
{
	struct calls *c = ctx;
	struct stream_rec *s;

	HASH_FIND(hh, c->streams, key, sizeof(*key), s);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return 1;
		s->key = *key;
		HASH_ADD(hh, c->streams, key, sizeof(s->key), s);
	}
	if (kern_stream_get(c->k, key, &s->st))
		return 0;
	if (!s->call) {
		s->call = stream_find_call(c, key);
		if (s->call) {
			s->call_next = s->call->streams;
			s->call->streams = s;
		} else if (!s->counted_unattached) {
			s->counted_unattached = true;
			c->st.streams_unattached++;
		}
	}
	stream_account_loss(c, s);
	return 0;
}

static void streams_sweep(struct calls *c)
{
	int err = kern_streams_foreach(c->k, sweep_one, c);

	if (err)
		pr_warn("read streams map: %s\n", strerror(-err));
}

static void stream_forget(struct calls *c, struct stream_rec *s)
{
	kern_stream_del(c->k, &s->key);
	HASH_DEL(c->streams, s);
	free(s);
}

static bool codec_is_voice(const char *name)
{
	return strncasecmp(name, "telephone-event", 15) && strncasecmp(name, "CN/", 3);
}

/*
 * The stream's codec from its call's SDP: the payload type of its newest
 * packet, unless that was an RFC 4733 event or comfort noise in a stream
 * that also carried voice, in which case the first voice codec of the m=
 * line (what the stream carries otherwise).
 */
const char *stream_codec(const struct stream_rec *s, uint32_t *clock_rate)
{
	const struct call *call = s->call;
	const char *voice = NULL;
	uint32_t voice_rate = 0;
	int i, j;

	*clock_rate = sipxdp_clock_hz[s->st.clock_code & SIPXDP_CLOCK_MASK];
	if (!call)
		return NULL;
	for (i = 0; i < call->nep; i++) {
		const struct call_ep *e = &call->ep[i];

		if (e->rtcp)
			continue;
		if (!(e->key.port == s->key.dport && !memcmp(&e->key.addr, &s->key.dst, 16)) &&
		    !(e->key.port == s->key.sport && !memcmp(&e->key.addr, &s->key.src, 16)))
			continue;
		for (j = 0; j < e->npt; j++) {
			/* A stream that never carried voice (events only) is named for what it carries. */
			if (e->pt[j].pt == s->st.pt && (codec_is_voice(e->pt[j].name) || !s->st.jitter_n)) {
				if (e->pt[j].clock_rate)
					*clock_rate = e->pt[j].clock_rate;
				return e->pt[j].name;
			}
			if (!voice && codec_is_voice(e->pt[j].name)) {
				voice = e->pt[j].name;
				voice_rate = e->pt[j].clock_rate;
			}
		}
	}
	if (voice && voice_rate)
		*clock_rate = voice_rate;
	return voice;
}

/* --- records --------------------------------------------------------- */

static json_t *unix_time(const struct calls *c, uint64_t t)
{
	if (!t)
		return json_null();
	/* Microseconds: what a pcap carries, and what a Unix time in a double still holds. */
	return json_real(round((double)((int64_t)t + c->cfg.unix_offset_ns) / 1e3) / 1e6);
}

static const struct rtcp_view *stream_rtcp(const struct stream_rec *s)
{
	int i;

	for (i = 0; s->call && i < s->call->nrtcp; i++)
		if (s->call->rtcp[i].ssrc == s->key.ssrc)
			return &s->call->rtcp[i];
	return NULL;
}

static json_t *stream_rtcp_json(const struct stream_rec *s, uint32_t rate)
{
	const struct rtcp_view *v = stream_rtcp(s);

	if (!v)
		return json_null();
	return json_pack("{s:i, s:o, s:i, s:o, s:o}",
		"reports", (int)v->reports,
		"fraction_lost", json_real(round(v->fraction_lost * 1e4) / 1e4),
		"cumulative_lost", (int)v->cumulative_lost,
		"jitter_ms", rate ? json_ms(v->jitter * 1e3 / rate) : json_null(),
		"rtt_ms", v->rtt_ms >= 0 ? json_ms(v->rtt_ms) : json_null());
}

/*
 * ITU-T G.107 E-model for a stream: its codec's impairment, the loss we
 * counted (random loss assumed), and a one-way delay estimated from the
 * jitter and, when RTCP gave one, the round trip (user/emodel.c).
 */
struct stream_q {
	double r, mos;
};

static struct stream_q stream_quality(const struct stream_rec *s, const char *codec_name)
{
	struct stream_q q = { -1, -1 };
	const struct rtcp_view *v = stream_rtcp(s);
	struct emodel_in in = { .burst_ratio = 1 };
	struct emodel_out out;
	char enc[32];
	int64_t expected = rtp_expected(&s->st), lost = rtp_lost(&s->st);

	if (!codec_name)
		return q;
	snprintf(enc, sizeof(enc), "%.*s", (int)strcspn(codec_name, "/"), codec_name);
	in.codec = emodel_codec(enc);
	if (!in.codec)
		return q;
	in.loss_pct = expected > 0 && lost > 0 ? 100.0 * lost / expected : 0;
	in.one_way_delay_ms = emodel_delay_ms(in.codec, stream_jitter_ms(s->st.jitter_q4),
					      v ? v->rtt_ms : -1);
	if (!emodel_compute(&in, &out))
		return q;
	q.r = out.r;
	q.mos = out.mos;
	return q;
}

static json_t *stream_json(const struct calls *c, const struct stream_rec *s)
{
	const struct stream_state *st = &s->st;
	char src[64], dst[64], ssrc[16], codec[32];
	struct stream_q quality;
	const char *name;
	uint32_t rate;

	name = stream_codec(s, &rate);
	quality = stream_quality(s, name);
	if (!name) {
		snprintf(codec, sizeof(codec), "PT-%u", st->pt);
		name = codec;
	}
	snprintf(ssrc, sizeof(ssrc), "0x%08x", s->key.ssrc);
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"src", addr_port_str(src, sizeof(src), &s->key.src, ntohs(s->key.sport)),
		"dst", addr_port_str(dst, sizeof(dst), &s->key.dst, ntohs(s->key.dport)),
		"ssrc", ssrc,
		"pt", (int)st->pt,
		"codec", name,
		"clock_rate", (int)rate,
		"packets", (json_int_t)st->packets,
		"bytes", (json_int_t)st->bytes,
		"lost", (json_int_t)rtp_lost(st),
		"duplicates", (json_int_t)st->duplicates,
		"out_of_order", (json_int_t)st->out_of_order,
		"jitter_ms", json_ms(stream_jitter_ms(st->jitter_q4)),
		"max_jitter_ms", json_ms(stream_jitter_ms(st->max_jitter_q4)),
		"mean_jitter_ms", json_ms(stream_jitter_ms(rtp_mean_jitter_q4(st))),
		"max_delta_ms", json_ms((double)st->max_delta_ns / 1e6),
		"first_seen", unix_time(c, st->first_ns),
		"last_seen", unix_time(c, st->last_ns),
		"valid", json_boolean(st->flags & STREAM_F_VALID),
		"rtcp", stream_rtcp_json(s, rate),
		"r_factor", quality.r >= 0 ? json_real(round(quality.r * 10) / 10) : json_null(),
		"mos", quality.r >= 0 ? json_real(round(quality.mos * 100) / 100) : json_null());
}

static void call_write_record(struct calls *c, struct call *call)
{
	json_t *o, *streams, *dtmf;
	bool early = false;
	int i;
	struct stream_rec *s;
	char *line;
	uint64_t end = call->t_end ? call->t_end : c->now;

	if (!c->cfg.json)
		return;
	streams = json_array();
	for (s = call->streams; s; s = s->call_next) {
		json_array_append_new(streams, stream_json(c, s));
		/* Early media: RTP before the call was answered (after a 183, or toward the offerer). */
		if (!call->t_answer || s->st.first_ns < call->t_answer)
			early = true;
	}
	dtmf = json_array();
	for (i = 0; i < call->ndtmf; i++) {
		const struct dtmf_event *e = &call->dtmf[i];

		json_array_append_new(dtmf, json_pack("{s:s#, s:o, s:o}",
			"digit", &e->digit, (int)1,
			"duration_ms", json_ms(e->duration / 8.0),	/* telephone-event/8000 */
			"time", unix_time(c, e->t)));
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:s?, s:b, s:i, s:i, s:b, s:o, s:o}",
		"call_id", call->call_id,
		"from", call->from,
		"to", call->to,
		"state", call_state_label(call->result),
		"result", call_result_name(call->result),
		"final_status", call->final_status,
		"start", unix_time(c, call->t_invite),
		"answer", unix_time(c, call->t_answer),
		"end", call->t_end ? unix_time(c, call->t_end) : json_null(),
		"post_dial_delay_ms", call->t_ringing ?
			json_ms((double)(call->t_ringing - call->t_invite) / 1e6) : json_null(),
		"setup_ms", call->t_answer ? json_ms((double)(call->t_answer - call->t_invite) / 1e6) : json_null(),
		"duration_s", json_real(call->t_answer ? round((double)(end - call->t_answer) / 1e3) / 1e6 : 0),
		"hangup_by", call->hangup == SIDE_CALLER ? "caller" : call->hangup == SIDE_CALLEE ? "callee" : NULL,
		"on_hold", call->on_hold,
		"reinvites", (int)call->reinvites,
		"forked_answers", (int)call->forked_answers,
		"early_media", early,
		"dtmf", dtmf,
		"streams", streams);
	if (!o) {
		pr_warn("call %s: cannot build its JSON record\n", call->call_id);
		return;
	}
	line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(16));
	if (line) {
		fprintf(c->cfg.json, "%s\n", line);
		fflush(c->cfg.json);
		free(line);
	}
	json_decref(o);
}

/* --- call lifecycle -------------------------------------------------- */

static void call_end(struct calls *c, struct call *call, enum call_result r, uint64_t t)
{
	if (call->state == CALL_ENDED)
		return;
	call->state = CALL_ENDED;
	call->result = r;
	call->t_end = t;
	call->finalize_at = (t > c->now ? t : c->now) + c->cfg.grace_ns;
	/*
	 * A challenge (401/407) is usually answered by a new INVITE in the same
	 * call once the user agent has credentials, which a person may have to
	 * type (a minute is common): the call waits as long as an unanswered
	 * INVITE would before it is written off.
	 */
	if ((call->final_status == 401 || call->final_status == 407) &&
	    call->finalize_at < t + c->cfg.setup_timeout_ns)
		call->finalize_at = t + c->cfg.setup_timeout_ns;
	pr_debug("call %s ended: %s (%d)\n", call->call_id, call_result_name(r), call->final_status);
}

/* After the grace period: final figures, the record, and release of everything. */
static void call_finalize(struct calls *c, struct call *call)
{
	struct stream_rec *s, *next;
	int i;

	for (s = call->streams; s; s = s->call_next)
		if (!kern_stream_get(c->k, &s->key, &s->st))
			stream_account_loss(c, s);
	/* Counted here, not when it ended: an ended call may still reopen (see call_reopen). */
	c->st.calls_total[call->result]++;
	call_write_record(c, call);
	for (s = call->streams; s; s = next) {
		next = s->call_next;
		stream_forget(c, s);
	}
	for (i = 0; i < call->nep; i++)
		ep_release(c, call, &call->ep[i].key);
	HASH_DEL(c->by_id, call);
	c->nr_calls--;
	free(call);
}

static uint64_t call_last_activity(const struct call *call);

/*
 * Copy a header value for records and labels: printable ASCII as it is,
 * anything else (control characters, bytes that are not valid UTF-8 on
 * their own) as \xNN, so neither the JSON encoder nor the Prometheus
 * parser ever sees a byte it must refuse.
 */
static void copy_printable(char *dst, size_t n, struct sip_str v)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < v.len && o + 1 < n; i++) {
		unsigned char ch = v.p[i];

		if (ch >= 0x20 && ch < 0x7f) {
			dst[o++] = ch;
		} else if (o + 4 < n) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[ch >> 4];
			dst[o++] = hex[ch & 15];
		} else {
			break;
		}
	}
	dst[o] = '\0';
}

/*
 * The table is full: make room by ending the call heard from least
 * recently (ended calls waiting out their grace period go first).
 */
static bool call_evict_one(struct calls *c)
{
	struct call *call, *tmp, *victim = NULL;
	uint64_t oldest = UINT64_MAX;

	HASH_ITER(hh, c->by_id, call, tmp) {
		uint64_t t = call->state == CALL_ENDED ? 0 : call_last_activity(call);

		if (t < oldest) {
			oldest = t;
			victim = call;
		}
	}
	if (!victim)
		return false;
	if (victim->state != CALL_ENDED) {
		/* Once in the log, then only in sipxdp_calls_total{result="evicted"}: a full table under load would flood it. */
		if (!c->st.calls_total[RESULT_EVICTED])
			pr_warn("call table full (%u calls): evicting the least recently active (%s); see --max-calls\n",
				c->cfg.max_calls, victim->call_id);
		call_end(c, victim, RESULT_EVICTED, c->now);
	}
	call_finalize(c, victim);
	return true;
}

static struct call *call_new(struct calls *c, const struct sip_msg *m, uint64_t t)
{
	struct call *call;

	if (c->nr_calls >= c->cfg.max_calls && !call_evict_one(c)) {
		c->st.calls_dropped++;
		return NULL;
	}
	call = calloc(1, sizeof(*call));
	if (!call)
		return NULL;
	copy_printable(call->call_id, sizeof(call->call_id), m->call_id);
	copy_printable(call->from, sizeof(call->from), m->from_uri.len ? m->from_uri : m->from);
	copy_printable(call->to, sizeof(call->to), m->to_uri.len ? m->to_uri : m->to);
	sip_str_copy(call->from_tag, sizeof(call->from_tag), m->from_tag);
	call->invite_cseq = m->cseq;
	sip_str_copy(call->invite_branch, sizeof(call->invite_branch), m->via_branch);
	call->t_invite = t;
	call->state = CALL_INVITING;
	HASH_ADD_STR(c->by_id, call_id, call);
	c->nr_calls++;
	return call;
}

/*
 * A new INVITE in a call that failed moments ago: the usual retry after a
 * 401/407 challenge (or a 422/491), same Call-ID, higher CSeq.  The call
 * goes on instead of ending.
 */
static void call_reopen(struct call *call)
{
	call->state = call->t_answer ? CALL_CONFIRMED : CALL_INVITING;
	call->result = RESULT_ACTIVE;
	if (!call->t_answer)
		call->final_status = 0;
	call->t_end = 0;
	call->finalize_at = 0;
	call->cancel_seen = false;
}

static void call_on_request(struct calls *c, struct call *call, const struct sip_msg *m, uint64_t t)
{
	switch (m->method) {
	case SIP_M_INVITE:
		if (call->state == CALL_ENDED && (call->result == RESULT_FAILED || call->result == RESULT_BUSY) &&
		    m->cseq > call->invite_cseq) {
			call_reopen(call);
			c->st.invite_retries++;
		}
		if (m->cseq >= call->invite_cseq) {
			call->invite_cseq = m->cseq;
			sip_str_copy(call->invite_branch, sizeof(call->invite_branch), m->via_branch);
		}
		/* A re-INVITE (new CSeq once the dialog is up) renegotiates media. */
		if (call->state >= CALL_ANSWERED && call->state != CALL_ENDED && m->to_tag.len)
			call->reinvites++;
		call_learn_sdp(c, call, m);
		break;
	case SIP_M_UPDATE:
		call_learn_sdp(c, call, m);
		break;
	case SIP_M_ACK:
		if (call->state == CALL_ANSWERED)
			call->state = CALL_CONFIRMED;
		call_learn_sdp(c, call, m);	/* late offer: SDP answer in the ACK */
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
	(void)t;
}

static void call_on_response(struct calls *c, struct call *call, const struct sip_msg *m, uint64_t t)
{
	int code = m->status_code;

	if (m->cseq_m == SIP_M_BYE) {
		/* Any final answer to BYE ends the dialog (RFC 3261 15.1.2). */
		if (code >= 200 && call->state == CALL_TERMINATING)
			call_end(c, call, RESULT_COMPLETED, t);
		return;
	}
	if (m->cseq_m == SIP_M_UPDATE && code >= 200 && code < 300) {
		call_learn_sdp(c, call, m);
		return;
	}
	if (m->cseq_m != SIP_M_INVITE || call->state == CALL_ENDED)
		return;
	/*
	 * A response belongs to the newest INVITE transaction: same CSeq and,
	 * where both carry one, the same top Via branch.  A late answer to an
	 * older INVITE (a retransmitted 407) must not move the call.
	 */
	if (m->cseq != call->invite_cseq ||
	    (m->via_branch.len && call->invite_branch[0] && !sip_str_eq(m->via_branch, call->invite_branch))) {
		c->st.responses_unmatched++;
		return;
	}
	if (code < 200) {
		if (call->state == CALL_INVITING)
			call->state = CALL_PROCEEDING;
		/* Post-dial delay: INVITE to the first sign of ringing (180, or 183 early media). */
		if ((code == 180 || code == 183) && !call->t_ringing)
			call->t_ringing = t;
		call_learn_sdp(c, call, m);	/* early media */
	} else if (code < 300) {
		if (!call->t_answer) {
			call->t_answer = t;
			call->final_status = code;
			sip_str_copy(call->answer_to_tag, sizeof(call->answer_to_tag), m->to_tag);
		} else if (m->to_tag.len && !sip_str_eq(m->to_tag, call->answer_to_tag) &&
			   call->state < CALL_CONFIRMED) {
			call->forked_answers++;	/* a second fork answered too */
		}
		if (call->state < CALL_ANSWERED)
			call->state = CALL_ANSWERED;
		call_learn_sdp(c, call, m);
	} else if (!call->t_answer) {
		enum call_result r = RESULT_FAILED;

		if (code == 487 || call->cancel_seen)
			r = RESULT_CANCELLED;
		else if (code == 486 || code == 600)
			r = RESULT_BUSY;
		call->final_status = code;
		call_end(c, call, r, t);
	}
}

static void count_message(struct calls *c, const struct sip_msg *m)
{
	if (m->is_request) {
		c->st.requests[m->method < SIP_COUNT_METHODS ? m->method : 0]++;
	} else if (m->status_code >= 100 && m->status_code <= 699) {
		c->st.responses[m->cseq_m < SIP_COUNT_METHODS ? m->cseq_m : 0][m->status_code]++;
	}
}

/* The call whose SDP named either end of this packet (the newest, if several). */
static struct call *call_of_endpoints(struct calls *c, const struct sip_pkt *pkt)
{
	struct call *best = NULL;
	struct ep_ref *r;
	int e, i;

	for (e = 0; e < 2; e++) {
		r = e ? ep_ref_at(c, &pkt->src, htons(pkt->sport)) : ep_ref_at(c, &pkt->dst, htons(pkt->dport));
		for (i = 0; r && i < r->refs; i++)
			if (!best || r->calls[i]->t_invite > best->t_invite)
				best = r->calls[i];
		if (best)
			break;
	}
	return best;
}

static struct rtcp_view *call_rtcp_view(struct call *call, uint32_t ssrc)
{
	int i;

	for (i = 0; i < call->nrtcp; i++)
		if (call->rtcp[i].ssrc == ssrc)
			return &call->rtcp[i];
	if (call->nrtcp == CALL_MAX_RTCP)
		return NULL;
	call->rtcp[call->nrtcp] = (struct rtcp_view){ .ssrc = ssrc, .rtt_ms = -1 };
	return &call->rtcp[call->nrtcp++];
}

/*
 * RTCP on a call's media ports: keep what the receivers report about each
 * source.  The round trip is measured where we stand: from the sender
 * report passing by to the receiver report that answers it, so it is the
 * far side's round trip as seen from the monitoring point.
 */
void calls_on_rtcp(struct calls *c, const struct sip_pkt *pkt)
{
	struct rtcp_packet rp;
	struct call *call;
	uint64_t arrival;
	int i;

	if (pkt->ts_ns > c->now)
		c->now = pkt->ts_ns;
	if (rtcp_parse((const uint8_t *)pkt->payload, pkt->len, &rp)) {
		c->st.rtcp_errors++;
		return;
	}
	c->st.rtcp_packets++;
	call = call_of_endpoints(c, pkt);
	if (!call) {
		c->st.rtcp_unattached++;
		return;
	}
	arrival = rtcp_ntp_from_unix_ns((uint64_t)((int64_t)pkt->ts_ns + c->cfg.unix_offset_ns));
	for (i = 0; i < rp.nreports; i++) {
		const struct rtcp_report *rb = &rp.reports[i];
		struct rtcp_view *v = call_rtcp_view(call, rb->ssrc);
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
void calls_on_dtmf(struct calls *c, const struct sip_pkt *pkt)
{
	const uint8_t *p = (const uint8_t *)pkt->payload;
	struct dtmf_event ev;
	struct call *call;
	int i;

	if (pkt->len < 16)
		return;
	if (pkt->ts_ns > c->now)
		c->now = pkt->ts_ns;
	ev.digit = dtmf_digit(p[12]);
	ev.ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	ev.rtp_ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	ev.duration = (uint32_t)p[14] << 8 | p[15];
	ev.t = pkt->ts_ns;
	call = call_of_endpoints(c, pkt);
	if (!call)
		return;
	for (i = call->ndtmf - 1; i >= 0 && i >= call->ndtmf - 4; i--)
		if (call->dtmf[i].ssrc == ev.ssrc && call->dtmf[i].rtp_ts == ev.rtp_ts)
			return;	/* a repeat of an end packet already counted */
	if (call->ndtmf == CALL_MAX_DTMF) {
		call->dtmf_dropped++;
		return;
	}
	call->dtmf[call->ndtmf++] = ev;
	c->st.dtmf_digits++;
}

void calls_on_sip(struct calls *c, const struct sip_pkt *pkt)
{
	struct sip_msg m;
	struct call *call;
	char id[128];
	int err;

	if (pkt->ts_ns > c->now)
		c->now = pkt->ts_ns;
	c->cur_pkt_ts = pkt->ts_ns;
	if (sip_frame(pkt->payload, pkt->len, &(size_t){ 0 }) == SIP_NOT_SIP) {
		c->st.not_sip++;
		return;
	}
	err = sip_parse(pkt->payload, pkt->len, &m);
	if (err) {
		char a[64];

		c->st.parse_errors++;
		pr_debug("unparsable SIP from %s: %s\n",
			 addr_port_str(a, sizeof(a), &pkt->src, pkt->sport), strerror(-err));
		return;
	}
	count_message(c, &m);

	copy_printable(id, sizeof(id), m.call_id);
	HASH_FIND_STR(c->by_id, id, call);
	if (!call) {
		if (!(m.is_request && m.method == SIP_M_INVITE))
			return;	/* not a call, or one that started before we did */
		call = call_new(c, &m, pkt->ts_ns);
		if (!call)
			return;
	}
	call->t_last_sip = pkt->ts_ns;
	if (m.is_request)
		call_on_request(c, call, &m, pkt->ts_ns);
	else
		call_on_response(c, call, &m, pkt->ts_ns);
}

static uint64_t call_last_activity(const struct call *call)
{
	uint64_t t = call->t_last_sip;
	const struct stream_rec *s;

	for (s = call->streams; s; s = s->call_next)
		if (s->st.last_ns > t)
			t = s->st.last_ns;
	return t;
}

/* Streams no call claims (their call ended, or its SDP was never seen) go when they fall silent. */
static void streams_reap_orphans(struct calls *c)
{
	struct stream_rec *s, *tmp;

	HASH_ITER(hh, c->streams, s, tmp) {
		if (!s->call && s->st.last_ns + c->cfg.rtp_timeout_ns < c->now) {
			c->st.streams_reaped++;
			stream_forget(c, s);
		}
	}
}

/*
 * Calls that will never see their end: no final answer within the setup
 * timeout, no SIP or RTP within the RTP timeout, or longer than the maximum
 * duration.  A silent call ended when it was last heard.
 */
static void call_check_timeouts(struct calls *c, struct call *call)
{
	uint64_t last;

	if (call->state == CALL_ENDED)
		return;
	last = call_last_activity(call);
	if (!call->t_answer) {
		/* Like RFC 3261 Timer C: every provisional answer restarts the wait. */
		if (call->t_last_sip + c->cfg.setup_timeout_ns < c->now)
			call_end(c, call, RESULT_TIMED_OUT, last);
	} else if (last + c->cfg.rtp_timeout_ns < c->now) {
		call_end(c, call, RESULT_TIMED_OUT, last);
	} else if (call->t_answer + c->cfg.max_duration_ns < c->now) {
		call_end(c, call, RESULT_TIMED_OUT, c->now);
	}
}

/* Endpoints a newer SDP replaced go once the grace period has passed. */
static void call_release_stale(struct calls *c, struct call *call)
{
	int i;

	for (i = call->nep - 1; i >= 0; i--)
		if (call->ep[i].stale && call->ep[i].stale_at + c->cfg.grace_ns <= c->now)
			call_drop_ep(c, call, i);
}

void calls_tick(struct calls *c, uint64_t now)
{
	struct call *call, *tmp;

	if (now > c->now)
		c->now = now;
	streams_sweep(c);
	streams_reap_orphans(c);
	/* RTP held for an endpoint that was never learned: not a call of ours. */
	if (c->now > PENDING_MAX_AGE_NS)
		c->st.pending_expired += kern_pending_expire(c->k, c->now - PENDING_MAX_AGE_NS);
	HASH_ITER(hh, c->by_id, call, tmp) {
		call_check_timeouts(c, call);
		if (call->state == CALL_ENDED && call->finalize_at <= c->now) {
			call_finalize(c, call);
			continue;
		}
		call_release_stale(c, call);
	}
}

void calls_finish(struct calls *c)
{
	struct call *call, *tmp;

	streams_sweep(c);
	HASH_ITER(hh, c->by_id, call, tmp) {
		if (call->state != CALL_ENDED) {
			call->result = RESULT_ACTIVE;
			call_write_record(c, call);
		} else {
			call_finalize(c, call);
		}
	}
}

void calls_free(struct calls *c)
{
	struct call *call, *ctmp;
	struct stream_rec *s, *stmp;
	struct ep_ref *r, *rtmp;

	HASH_ITER(hh, c->by_id, call, ctmp) {
		HASH_DEL(c->by_id, call);
		free(call);
	}
	HASH_ITER(hh, c->streams, s, stmp) {
		HASH_DEL(c->streams, s);
		free(s);
	}
	HASH_ITER(hh, c->eps, r, rtmp) {
		HASH_DEL(c->eps, r);
		free(r->calls);
		free(r);
	}
	c->nr_calls = 0;
	free(c->port_refs);
	c->port_refs = NULL;
}
