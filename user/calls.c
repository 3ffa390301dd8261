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
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "calls.h"
#include "codec.h"
#include "kern.h"
#include "log.h"
#include "rtp_stats.h"
#include "sdp.h"

#define NS 1000000000ULL

static const char *const result_names[RESULT_NR] = {
	[RESULT_ACTIVE] = "active", [RESULT_COMPLETED] = "completed",
	[RESULT_FAILED] = "failed", [RESULT_CANCELLED] = "cancelled",
	[RESULT_TIMED_OUT] = "timed_out",
};

const char *call_result_name(enum call_result r)
{
	return r < RESULT_NR ? result_names[r] : "unknown";
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

void calls_init(struct calls *c, struct kern *k, const struct calls_cfg *cfg)
{
	memset(c, 0, sizeof(*c));
	c->k = k;
	c->cfg = *cfg;
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

/* The call's SDP announced this endpoint: take a reference and merge its clocks. */
static void call_add_ep(struct calls *c, struct call *call, const struct endpoint_key *key,
			const struct sdp_media *m)
{
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
		ce = &call->ep[call->nep++];
		memset(ce, 0, sizeof(*ce));
		ce->key = *key;
		HASH_FIND(hh, c->eps, key, sizeof(*key), r);
		if (!r) {
			r = calloc(1, sizeof(*r));
			if (!r) {
				call->nep--;
				return;
			}
			r->key = *key;
			HASH_ADD(hh, c->eps, key, sizeof(r->key), r);
		}
		r->refs++;
		changed = true;
	} else {
		HASH_FIND(hh, c->eps, key, sizeof(*key), r);
		if (!r)
			return;
	}

	/* Payload types of this m= line, for codec names in the records. */
	ce->npt = 0;
	for (i = 0; i < m->nfmt && ce->npt < CALL_EP_MAX_PT; i++) {
		uint32_t rate = 0;

		codec_name(ce->pt[ce->npt].name, sizeof(ce->pt[0].name), m, m->fmt[i]);
		{
			const char *slash = strchr(ce->pt[ce->npt].name, '/');

			if (slash)
				rate = strtoul(slash + 1, NULL, 10);
		}
		ce->pt[ce->npt].pt = m->fmt[i];
		ce->pt[ce->npt].clock_rate = rate;
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
	if (changed)
		ep_push(c, r);
}

static void ep_release(struct calls *c, const struct endpoint_key *key)
{
	struct ep_ref *r;
	int err;

	HASH_FIND(hh, c->eps, key, sizeof(*key), r);
	if (!r || --r->refs > 0)
		return;
	err = kern_endpoint_del(c->k, key);
	if (err)
		pr_warn("remove media endpoint from the kernel: %s\n", strerror(-err));
	HASH_DEL(c->eps, r);
	free(r);
}

static void call_learn_sdp(struct calls *c, struct call *call, const struct sip_msg *msg)
{
	struct sdp_session sdp;
	int i;

	if (!msg->body.len)
		return;
	if (msg->content_type.len &&
	    !(msg->content_type.len >= 15 && !strncasecmp(msg->content_type.p, "application/sdp", 15)))
		return;
	if (sdp_parse(msg->body.p, msg->body.len, &sdp)) {
		c->st.parse_errors++;
		pr_debug("call %s: unreadable SDP\n", call->call_id);
		return;
	}
	for (i = 0; i < sdp.nmedia; i++) {
		const struct sdp_media *m = &sdp.media[i];
		const struct sdp_conn *conn = sdp_media_conn(&sdp, i);
		struct endpoint_key key = {};

		if (!m->port || !conn || !conn->present)
			continue;
		if (strcmp(m->type, "audio") && strcmp(m->type, "video"))
			continue;
		key.addr = conn->addr;
		key.port = htons(m->port);
		key.proto = IPPROTO_UDP;
		call_add_ep(c, call, &key, m);
	}
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
 * ends; failing that (NAT, one side's SDP unseen) the newest open call that
 * names one of them.  Endpoints shared by concurrent calls (a UAS answering
 * every call on one port) are why both ends are tried first.
 */
static struct call *stream_find_call(struct calls *c, const struct stream_key *k)
{
	struct call *call, *tmp, *best = NULL;
	int best_score = 0;

	HASH_ITER(hh, c->by_id, call, tmp) {
		int score = call_has_addr(call, &k->src, k->sport) + call_has_addr(call, &k->dst, k->dport);

		if (!score)
			continue;
		score = score * 2 + (call->state != CALL_ENDED);
		if (score > best_score || (score == best_score && call->t_invite > best->t_invite)) {
			best = call;
			best_score = score;
		}
	}
	return best;
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
	s->gone = false;
	if (!s->call) {
		s->call = stream_find_call(c, key);
		if (s->call) {
			s->call_next = s->call->streams;
			s->call->streams = s;
		} else {
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

const char *stream_codec(const struct stream_rec *s, uint32_t *clock_rate)
{
	const struct call *call = s->call;
	int i, j;

	*clock_rate = sipxdp_clock_hz[s->st.clock_code & SIPXDP_CLOCK_MASK];
	if (!call)
		return NULL;
	for (i = 0; i < call->nep; i++) {
		const struct call_ep *e = &call->ep[i];

		if (!(e->key.port == s->key.dport && !memcmp(&e->key.addr, &s->key.dst, 16)) &&
		    !(e->key.port == s->key.sport && !memcmp(&e->key.addr, &s->key.src, 16)))
			continue;
		for (j = 0; j < e->npt; j++) {
			if (e->pt[j].pt == s->st.pt) {
				if (e->pt[j].clock_rate)
					*clock_rate = e->pt[j].clock_rate;
				return e->pt[j].name;
			}
		}
	}
	return NULL;
}

/* --- records --------------------------------------------------------- */

static json_t *unix_time(const struct calls *c, uint64_t t)
{
	if (!t)
		return json_null();
	/* Microseconds: what a pcap carries, and what a Unix time in a double still holds. */
	return json_real(round((double)((int64_t)t + c->cfg.unix_offset_ns) / 1e3) / 1e6);
}

static json_t *stream_json(const struct calls *c, const struct stream_rec *s)
{
	const struct stream_state *st = &s->st;
	char src[64], dst[64], ssrc[16], codec[32];
	const char *name;
	uint32_t rate;

	name = stream_codec(s, &rate);
	if (!name) {
		snprintf(codec, sizeof(codec), "PT-%u", st->pt);
		name = codec;
	}
	snprintf(ssrc, sizeof(ssrc), "0x%08x", s->key.ssrc);
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
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
		"mean_jitter_ms", json_ms(st->jitter_n ? stream_jitter_ms(st->sum_jitter_q4 / st->jitter_n) : 0.0),
		"max_delta_ms", json_ms((double)st->max_delta_ns / 1e6),
		"first_seen", unix_time(c, st->first_ns),
		"last_seen", unix_time(c, st->last_ns));
}

static void call_write_record(struct calls *c, struct call *call)
{
	json_t *o, *streams;
	struct stream_rec *s;
	char *line;
	uint64_t end = call->t_end ? call->t_end : c->now;

	if (!c->cfg.json)
		return;
	streams = json_array();
	for (s = call->streams; s; s = s->call_next)
		json_array_append_new(streams, stream_json(c, s));
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o}",
		"call_id", call->call_id,
		"from", call->from,
		"to", call->to,
		"state", call_result_name(call->result),
		"final_status", call->final_status,
		"start", unix_time(c, call->t_invite),
		"answer", unix_time(c, call->t_answer),
		"end", call->t_end ? unix_time(c, call->t_end) : json_null(),
		"setup_ms", call->t_answer ? json_ms((double)(call->t_answer - call->t_invite) / 1e6) : json_null(),
		"duration_s", json_real(call->t_answer ? round((double)(end - call->t_answer) / 1e3) / 1e6 : 0),
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
	c->st.calls_total[r]++;
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
	call_write_record(c, call);
	for (s = call->streams; s; s = next) {
		next = s->call_next;
		stream_forget(c, s);
	}
	for (i = 0; i < call->nep; i++)
		ep_release(c, &call->ep[i].key);
	HASH_DEL(c->by_id, call);
	c->nr_calls--;
	free(call);
}

static struct call *call_new(struct calls *c, const struct sip_msg *m, uint64_t t)
{
	struct call *call;

	if (c->nr_calls >= c->cfg.max_calls) {
		c->st.calls_dropped++;
		pr_debug("call table full (%u): not following %.*s\n", c->cfg.max_calls,
			 (int)m->call_id.len, m->call_id.p);
		return NULL;
	}
	call = calloc(1, sizeof(*call));
	if (!call)
		return NULL;
	sip_str_copy(call->call_id, sizeof(call->call_id), m->call_id);
	sip_str_copy(call->from, sizeof(call->from), m->from_uri.len ? m->from_uri : m->from);
	sip_str_copy(call->to, sizeof(call->to), m->to_uri.len ? m->to_uri : m->to);
	call->t_invite = t;
	call->state = CALL_INVITING;
	HASH_ADD_STR(c->by_id, call_id, call);
	c->nr_calls++;
	return call;
}

static void call_on_request(struct calls *c, struct call *call, const struct sip_msg *m, uint64_t t)
{
	switch (m->method) {
	case SIP_M_INVITE:
		call_learn_sdp(c, call, m);
		break;
	case SIP_M_ACK:
		if (call->state == CALL_ANSWERED)
			call->state = CALL_CONFIRMED;
		call_learn_sdp(c, call, m);	/* late offer: SDP answer in the ACK */
		break;
	case SIP_M_BYE:
		if (call->state != CALL_ENDED)
			call->state = CALL_TERMINATING;
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
	if (m->cseq_m != SIP_M_INVITE || call->state == CALL_ENDED)
		return;
	if (code < 200) {
		if (call->state == CALL_INVITING)
			call->state = CALL_PROCEEDING;
		call_learn_sdp(c, call, m);	/* early media */
	} else if (code < 300) {
		if (!call->t_answer) {
			call->t_answer = t;
			call->final_status = code;
		}
		if (call->state < CALL_ANSWERED)
			call->state = CALL_ANSWERED;
		call_learn_sdp(c, call, m);
	} else if (!call->t_answer) {
		call->final_status = code;
		call_end(c, call, code == 487 || call->cancel_seen ? RESULT_CANCELLED : RESULT_FAILED, t);
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

void calls_on_sip(struct calls *c, const struct sip_pkt *pkt)
{
	struct sip_msg m;
	struct call *call;
	char id[128];
	int err;

	if (pkt->ts_ns > c->now)
		c->now = pkt->ts_ns;
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

	sip_str_copy(id, sizeof(id), m.call_id);
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
		if (!s->call && s->st.last_ns + c->cfg.call_timeout_ns < c->now) {
			c->st.streams_reaped++;
			stream_forget(c, s);
		}
	}
}

void calls_tick(struct calls *c, uint64_t now)
{
	struct call *call, *tmp;

	if (now > c->now)
		c->now = now;
	streams_sweep(c);
	streams_reap_orphans(c);
	HASH_ITER(hh, c->by_id, call, tmp) {
		/* A call that fell silent ended when it was last heard. */
		if (call->state != CALL_ENDED &&
		    call_last_activity(call) + c->cfg.call_timeout_ns < c->now)
			call_end(c, call, RESULT_TIMED_OUT, call_last_activity(call));
		if (call->state == CALL_ENDED && call->finalize_at <= c->now)
			call_finalize(c, call);
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
		free(r);
	}
	c->nr_calls = 0;
}
