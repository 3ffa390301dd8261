// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - the state file (state.h): written by one agent, read by the
 * next as a stranger's bytes.
 *
 * Every field is written explicitly (little-endian), but for the counters,
 * which are copies of the agent's structs: their sizes are checked, and
 * STATE_VERSION with SIPXDP_LAYOUT_VERSION names the build that made them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "hashing.h"
#include "log.h"
#include "state.h"

static const char state_magic[8] = "SIPXDPST";

enum section { SEC_COUNTERS = 1, SEC_ENDPOINTS, SEC_CALLS, SEC_METRICS, SEC_HEP, SEC_NR };

/* Times, counts and the like past these are no agent's: a file holding them is refused. */
#define TIME_MAX	(1ULL << 62)
#define COUNT_MAX	(1ULL << 48)

/* --- writing ----------------------------------------------------------- */

struct wr {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void put(struct wr *w, const void *b, size_t n)
{
	if (w->err)
		return;
	if (n > STATE_MAX_BYTES - w->len) {
		w->err = -EFBIG;
		return;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 1 << 16;
		uint8_t *p;

		while (cap < w->len + n)
			cap *= 2;
		p = realloc(w->p, cap);
		if (!p) {
			w->err = -ENOMEM;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void put_u8(struct wr *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u16(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { v, v >> 8 };

	put(w, b, 2);
}

static void put_u32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };

	put(w, b, 4);
}

static void put_u64(struct wr *w, uint64_t v)
{
	put_u32(w, v);
	put_u32(w, v >> 32);
}

static void put_f64(struct wr *w, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof(v));
	put_u64(w, v);
}

/* A string: its length (16 bits), its bytes, no NUL. */
static void put_str(struct wr *w, const char *s)
{
	size_t n = strlen(s);

	put_u16(w, n);
	put(w, s, n);
}

/* A copy of one of the agent's structs: its size, then its bytes. */
static void put_blob(struct wr *w, const void *b, size_t n)
{
	put_u32(w, n);
	put(w, b, n);
}

/* A section: its tag and a length filled in once its body is written (sec_end). */
static size_t sec_begin(struct wr *w, enum section tag)
{
	put_u32(w, tag);
	put_u64(w, 0);
	return w->len;
}

static void sec_end(struct wr *w, size_t start)
{
	uint64_t n = w->len - start;
	int i;

	if (w->err)
		return;
	for (i = 0; i < 8; i++)
		w->p[start - 8 + i] = n >> (8 * i);
}

/*
 * The SIP counters: the responses' table (16 methods by 700 codes, 90 KB)
 * as its non-zero cells, the rest as it is.
 */
#define DIALOG_TAIL offsetof(struct dialog_stats, parse_errors)

static void put_dialog_stats(struct wr *w, const struct dialog_stats *st)
{
	uint32_t n = 0;
	int m, code;

	put_blob(w, st->requests, sizeof(st->requests));
	for (m = 0; m < SIP_COUNT_METHODS; m++)
		for (code = 0; code < 700; code++)
			n += st->responses[m][code] != 0;
	put_u32(w, n);
	for (m = 0; m < SIP_COUNT_METHODS; m++) {
		for (code = 0; code < 700; code++) {
			if (!st->responses[m][code])
				continue;
			put_u8(w, m);
			put_u16(w, code);
			put_u64(w, st->responses[m][code]);
		}
	}
	put_blob(w, (const uint8_t *)st + DIALOG_TAIL, sizeof(*st) - DIALOG_TAIL);
}

static void put_counters(struct wr *w, const struct state_counters *c)
{
	struct reasm_figures reasm = c->reasm;
	size_t sec = sec_begin(w, SEC_COUNTERS);
	int i;

	reasm.frag_mem = reasm.tcp_mem = 0;	/* gauges, not carried */
	put_dialog_stats(w, &c->dialog);
	put_blob(w, &c->media, sizeof(c->media));
	put_blob(w, &c->endpoints, sizeof(c->endpoints));
	put_blob(w, &reasm, sizeof(reasm));
	put_blob(w, &c->health, sizeof(c->health));
	put_blob(w, &c->agent, sizeof(c->agent));
	put_blob(w, &c->tick, sizeof(c->tick));
	for (i = 0; i < HEPOUT_NR; i++)
		put_u64(w, c->hep_made[i]);
	put_u64(w, c->hep_failed);
	sec_end(w, sec);
}

static void put_endpoints(struct wr *w, const struct endpoints *e)
{
	size_t sec = sec_begin(w, SEC_ENDPOINTS), count;
	const struct ep_ref *r, *tmp;
	uint32_t n = 0;

	count = w->len;
	put_u32(w, 0);
	HASH_ITER(hh, e->table, r, tmp) {
		if (!r->refs)
			continue;	/* adopted at a restart, no call of ours: not handed on */
		put(w, &r->key, sizeof(r->key));
		put(w, &r->info, sizeof(r->info));
		put(w, &r->source, sizeof(r->source));
		n++;
	}
	if (!w->err)
		for (int i = 0; i < 4; i++)
			w->p[count + i] = n >> (8 * i);
	sec_end(w, sec);
}

static void put_media(struct wr *w, const struct media_call *mc)
{
	const struct stream_rec *s;
	int i, j;

	put_u64(w, mc->t_start);
	put_u8(w, mc->nep);
	for (i = 0; i < mc->nep; i++) {
		const struct call_ep *e = &mc->ep[i];

		put(w, &e->key, sizeof(e->key));
		put_u8(w, e->rtcp | e->stale << 1);
		put_u8(w, e->event_pt);
		put_u8(w, e->side);
		put_u8(w, e->dir);
		put_u64(w, e->stale_at);
		put_u8(w, e->npt);
		for (j = 0; j < e->npt; j++) {
			put_u8(w, e->pt[j].pt);
			put_u32(w, e->pt[j].clock_rate);
			put_str(w, e->pt[j].name);
		}
	}
	put_u8(w, mc->nrtcp);
	for (i = 0; i < mc->nrtcp; i++) {
		const struct rtcp_view *v = &mc->rtcp[i];

		put_u32(w, v->ssrc);
		put_u32(w, v->reports);
		put_f64(w, v->fraction_lost);
		put_u32(w, v->cumulative_lost);
		put_u32(w, v->jitter);
		put_f64(w, v->rtt_ms);
	}
	put_u8(w, mc->ndtmf);
	for (i = 0; i < mc->ndtmf; i++) {
		const struct dtmf_event *d = &mc->dtmf[i];

		put_u8(w, d->digit);
		put_u32(w, d->ssrc);
		put_u32(w, d->rtp_ts);
		put_u32(w, d->duration);
		put_u64(w, d->t);
	}
	put_u32(w, mc->dtmf_dropped);
	put_u32(w, mc->dropped_ssrc);
	put_u32(w, mc->dropped_ts);
	put_u64(w, mc->last_rtp);
	put_u8(w, mc->committed | mc->ended << 1);
	put_u32(w, mc->streams_refused);
	put(w, &mc->source, sizeof(mc->source));
	put_u32(w, mc->nstreams);
	for (s = mc->streams; s; s = s->owner_next) {
		struct stream_state st = s->st;

		memset(&st.lock, 0, sizeof(st.lock));
		put(w, &s->key, sizeof(s->key));
		put(w, &st, sizeof(st));
		put_u64(w, s->lost_counted);
		put_u8(w, s->closed);
	}
}

static void put_call(struct wr *w, const struct call *c)
{
	int i;

	put_str(w, c->call_id);
	put_u16(w, c->wire_id ? c->wire_id_len : 0);
	put_u8(w, c->wire_id != NULL);
	if (c->wire_id)
		put(w, c->wire_id, c->wire_id_len);
	put_str(w, c->from);
	put_str(w, c->to);
	put_u8(w, c->call_id_cut | c->from_cut << 1 | c->to_cut << 2);
	put_str(w, c->from_tag);
	put_str(w, c->answer_to_tag);
	put_u8(w, c->state);
	put_u8(w, c->result);
	put_u32(w, c->final_status);
	put_u8(w, c->cancel_seen | c->on_hold << 1 | c->held_by[0] << 2 | c->held_by[1] << 3 | c->held_by[2] << 4);
	put_u8(w, c->hangup);
	put_u32(w, c->reinvites);
	for (i = 0; i < 2; i++) {
		put_u32(w, c->invite[i].cseq);
		put_str(w, c->invite[i].branch);
	}
	put_u32(w, c->forked_answers);
	put_u64(w, c->t_invite);
	put_u64(w, c->t_ringing);
	put_u64(w, c->t_answer);
	put_u64(w, c->t_end);
	put_u64(w, c->t_last_sip);
	put_u64(w, c->finalize_at);
	put_u16(w, c->ifaces);
	put(w, &c->invite_dst, sizeof(c->invite_dst));
	put_media(w, &c->media);
}

static void put_calls(struct wr *w, const struct dialogs *d)
{
	size_t sec = sec_begin(w, SEC_CALLS);
	const struct call *c;

	put_u32(w, d->nr_calls);
	/* Ended ones first, then the live ones least recently active first: the lists come back in order. */
	DL_FOREACH(d->ended, c)
		put_call(w, c);
	DL_FOREACH(d->live, c)
		put_call(w, c);
	sec_end(w, sec);
}

static void put_hist(struct wr *w, const struct hist *h)
{
	put(w, h, sizeof(*h));
}

static void put_metrics(struct wr *w, const struct callmetrics *cm)
{
	size_t sec = sec_begin(w, SEC_METRICS);
	const struct cm_stream_set *s, *ts;
	const struct cm_call_set *c, *tc;
	const struct cm_resp_set *r, *tr;
	int i;

	put_u32(w, cm ? cm->nstreams : 0);
	if (cm)
		HASH_ITER(hh, cm->streams, s, ts) {
			put(w, &s->key, sizeof(s->key));
			for (i = 0; i < CM_NR_STREAM_HIST; i++)
				put_hist(w, &s->h[i]);
		}
	put_u32(w, cm ? cm->ncalls : 0);
	if (cm)
		HASH_ITER(hh, cm->calls, c, tc) {
			put(w, &c->key, sizeof(c->key));
			for (i = 0; i < CM_NR_CALL_HIST; i++)
				put_hist(w, &c->h[i]);
			for (i = 0; i < RESULT_NR; i++)
				put_u64(w, c->calls[i]);
			put_u64(w, c->answered);
			put_u64(w, c->one_way);
			put_u64(w, c->no_rtp);
			put_u64(w, c->never_valid);
		}
	put_u32(w, cm ? cm->nresponses : 0);
	if (cm)
		HASH_ITER(hh, cm->responses, r, tr) {
			put(w, r->key, sizeof(r->key));
			put(w, r->n, sizeof(r->n));
		}
	put_u64(w, cm ? cm->overflow : 0);
	sec_end(w, sec);
}

static void put_hep(struct wr *w, const struct hep_collector_stats *hep, unsigned int n)
{
	size_t sec = sec_begin(w, SEC_HEP);
	unsigned int i;
	int j;

	put_u8(w, n);
	for (i = 0; i < n; i++) {
		put_str(w, hep[i].name);
		put_u64(w, hep[i].sent);
		put_u64(w, hep[i].bytes);
		put_u64(w, hep[i].writes);
		put_u64(w, hep[i].reconnects);
		for (j = 0; j < HEP_DROP_NR; j++)
			put_u64(w, hep[i].dropped[j]);
	}
	sec_end(w, sec);
}

int state_encode(const struct state_source *src, uint8_t **buf, size_t *len)
{
	const struct state_header *h = &src->h;
	struct wr w = {};
	uint64_t digest;
	unsigned int i;

	put(&w, state_magic, sizeof(state_magic));
	put_u32(&w, STATE_VERSION);
	put_u32(&w, SIPXDP_LAYOUT_VERSION);
	put_u64(&w, 0);		/* the length, once known */
	put(&w, h->boot_id, sizeof(h->boot_id));
	put_u64(&w, h->mono_ns);
	put_u64(&w, h->real_ns);
	put_u32(&w, h->flags);
	put_u32(&w, h->map_id);
	put_u64(&w, h->records_dev);
	put_u64(&w, h->records_ino);
	put_u64(&w, h->records_off);
	put_u8(&w, h->nifaces);
	for (i = 0; i < h->nifaces && i < DIALOG_MAX_IFACES; i++)
		put_str(&w, h->ifaces[i]);
	put_counters(&w, &src->c);
	put_endpoints(&w, &src->d->media->eps);
	put_calls(&w, src->d);
	put_metrics(&w, src->cm);
	put_hep(&w, src->hep, src->nhep);
	put_u64(&w, 0);		/* room for the digest */
	if (!w.err) {
		for (i = 0; i < 8; i++)
			w.p[16 + i] = (uint64_t)w.len >> (8 * i);
		digest = hashing_digest64(w.p, w.len - 8);
		for (i = 0; i < 8; i++)
			w.p[w.len - 8 + i] = digest >> (8 * i);
	}
	if (w.err) {
		free(w.p);
		return w.err;
	}
	*buf = w.p;
	*len = w.len;
	return 0;
}

/* --- reading ----------------------------------------------------------- */

/*
 * A cursor over untrusted bytes: every read checks what is left, and the
 * first failure is kept (why), after which reads give zeros and the caller
 * stops at its next check.
 */
struct rd {
	const uint8_t *p;
	size_t len, off;
	char why[160];
};

static bool __attribute__((format(printf, 2, 3))) bad(struct rd *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->why[0]) {
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool take(struct rd *r, void *dst, size_t n, const char *what)
{
	if (r->why[0] || n > r->len - r->off) {
		memset(dst, 0, n);
		return r->why[0] ? false : bad(r, "%s past the end (offset %zu)", what, r->off);
	}
	memcpy(dst, r->p + r->off, n);
	r->off += n;
	return true;
}

static uint8_t get_u8(struct rd *r, const char *what)
{
	uint8_t v;

	take(r, &v, 1, what);
	return v;
}

static uint16_t get_u16(struct rd *r, const char *what)
{
	uint8_t b[2];

	take(r, b, 2, what);
	return b[0] | b[1] << 8;
}

static uint32_t get_u32(struct rd *r, const char *what)
{
	uint8_t b[4];

	take(r, b, 4, what);
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get_u64(struct rd *r, const char *what)
{
	uint64_t lo = get_u32(r, what);

	return lo | (uint64_t)get_u32(r, what) << 32;
}

static double get_f64(struct rd *r, const char *what)
{
	uint64_t v = get_u64(r, what);
	double d;

	memcpy(&d, &v, sizeof(d));
	return d;
}

/* A time on the event clock, or a count: within what an agent writes. */
static uint64_t get_time(struct rd *r, const char *what)
{
	uint64_t v = get_u64(r, what);

	if (v >= TIME_MAX)
		bad(r, "%s %llu is out of range", what, (unsigned long long)v);
	return v;
}

/*
 * A string into dst (cap bytes, NUL included): it must fit and hold no
 * NUL.  printable: bytes 0x20-0x7e only (Call-IDs and URIs are kept so).
 */
static bool get_str(struct rd *r, char *dst, size_t cap, bool printable, const char *what)
{
	uint16_t n = get_u16(r, what);
	size_t i;

	dst[0] = '\0';
	if (r->why[0])
		return false;
	if (n >= cap)
		return bad(r, "%s of %u bytes, more than its %zu", what, n, cap - 1);
	if (!take(r, dst, n, what))
		return false;
	dst[n] = '\0';
	for (i = 0; i < n; i++)
		if (!dst[i] || (printable && (dst[i] < 0x20 || dst[i] > 0x7e)))
			return bad(r, "%s holds a byte 0x%02x", what, (uint8_t)dst[i]);
	return true;
}

static bool get_blob(struct rd *r, void *dst, size_t n, const char *what)
{
	uint32_t size = get_u32(r, what);

	if (r->why[0])
		return false;
	if (size != n)
		return bad(r, "%s of %u bytes, this build's are %zu (another build wrote it)", what, size, n);
	return take(r, dst, n, what);
}

/* A section's body: a cursor of its own over exactly its bytes. */
static bool sec_open(struct rd *r, enum section want, struct rd *body)
{
	uint32_t tag = get_u32(r, "section tag");
	uint64_t n = get_u64(r, "section length");

	if (r->why[0])
		return false;
	if (tag != want)
		return bad(r, "section %u where %u belongs", tag, want);
	if (n > r->len - r->off)
		return bad(r, "section %u of %llu bytes past the end", tag, (unsigned long long)n);
	memset(body, 0, sizeof(*body));
	body->p = r->p + r->off;
	body->len = n;
	r->off += n;
	return true;
}

/* The body read whole, no more and no less; its failure is the file's. */
static bool sec_close(struct rd *r, struct rd *body, const char *what)
{
	if (!body->why[0] && body->off != body->len)
		bad(body, "%zu bytes left over", body->len - body->off);
	if (body->why[0])
		return bad(r, "%s: %s", what, body->why);
	return true;
}

/* A label of the distributions (peer, interface, codec): it becomes a Prometheus label value. */
static bool label_ok(struct rd *r, const char *s, size_t cap, const char *what)
{
	size_t i, n = strnlen(s, cap);

	if (!n || n == cap)
		return bad(r, "%s is empty or not terminated", what);
	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return bad(r, "%s holds a byte 0x%02x", what, (uint8_t)s[i]);
	for (i = n; i < cap; i++)
		if (s[i])
			return bad(r, "%s has bytes after its end", what);
	return true;
}

static bool get_dialog_stats(struct rd *r, struct dialog_stats *st)
{
	uint32_t n, i;

	get_blob(r, st->requests, sizeof(st->requests), "SIP requests");
	n = get_u32(r, "SIP responses");
	if (!r->why[0] && n > SIP_COUNT_METHODS * 700)
		return bad(r, "%u cells of SIP responses", n);
	for (i = 0; i < n && !r->why[0]; i++) {
		uint8_t m = get_u8(r, "SIP response");
		uint16_t code = get_u16(r, "SIP response");
		uint64_t v = get_u64(r, "SIP response");

		if (m >= SIP_COUNT_METHODS || code >= 700)
			return bad(r, "SIP responses of method %u, code %u", m, code);
		st->responses[m][code] = v;
	}
	return get_blob(r, (uint8_t *)st + DIALOG_TAIL, sizeof(*st) - DIALOG_TAIL, "SIP counters");
}

static bool get_counters(struct rd *r, struct state_counters *c)
{
	struct rd b;
	int i;

	if (!sec_open(r, SEC_COUNTERS, &b))
		return false;
	get_dialog_stats(&b, &c->dialog);
	get_blob(&b, &c->media, sizeof(c->media), "media counters");
	get_blob(&b, &c->endpoints, sizeof(c->endpoints), "endpoint counters");
	get_blob(&b, &c->reasm, sizeof(c->reasm), "reassembly counters");
	get_blob(&b, &c->health, sizeof(c->health), "kernel counters");
	get_blob(&b, &c->agent, sizeof(c->agent), "agent counters");
	get_blob(&b, &c->tick, sizeof(c->tick), "tick histogram");
	for (i = 0; i < HEPOUT_NR; i++)
		c->hep_made[i] = get_u64(&b, "HEP counters");
	c->hep_failed = get_u64(&b, "HEP counters");
	c->reasm.frag_mem = c->reasm.tcp_mem = 0;
	return sec_close(r, &b, "counters");
}

static int ep_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct state_ep *)a)->key, &((const struct state_ep *)b)->key,
		      sizeof(struct endpoint_key));
}

static bool info_ok(struct rd *r, const struct endpoint_info *info)
{
	int i;

	if (info->event_pt >= SIPXDP_NR_PT || info->flags & ~ENDPOINT_F_RTCP)
		return bad(r, "an endpoint's event type or flags out of range");
	for (i = 0; i < SIPXDP_NR_PT; i++)
		if (info->clock_code[i] >= CLK_NR)
			return bad(r, "an endpoint's clock code %u", info->clock_code[i]);
	return true;
}

static bool key_ok(struct rd *r, const struct endpoint_key *k)
{
	if (k->proto != IPPROTO_UDP || k->pad || !k->port)
		return bad(r, "an endpoint key of protocol %u, port %u", k->proto, k->port);
	return true;
}

static bool get_endpoints(struct rd *r, const struct state_limits *lim, struct state_image *img)
{
	uint64_t most = (uint64_t)lim->max_calls * MEDIA_MAX_EP;
	struct rd b;
	uint32_t n, i;

	if (!sec_open(r, SEC_ENDPOINTS, &b))
		return false;
	n = get_u32(&b, "endpoint count");
	if (!b.why[0] && (n > most || (uint64_t)n * sizeof(struct state_ep) > b.len))
		bad(&b, "%u endpoints, more than %llu calls could name or the section holds", n,
		    (unsigned long long)most);
	if (!b.why[0] && n && !(img->eps = calloc(n, sizeof(*img->eps))))
		bad(&b, "out of memory for %u endpoints", n);
	for (i = 0; i < n && !b.why[0]; i++) {
		struct state_ep *e = &img->eps[i];

		take(&b, &e->key, sizeof(e->key), "endpoint key");
		take(&b, &e->info, sizeof(e->info), "endpoint info");
		take(&b, &e->source, sizeof(e->source), "endpoint source");
		if (!b.why[0] && key_ok(&b, &e->key))
			info_ok(&b, &e->info);
		img->neps = i + 1;
	}
	if (!b.why[0] && img->neps > 1) {
		qsort(img->eps, img->neps, sizeof(*img->eps), ep_cmp);
		for (i = 1; i < img->neps; i++)
			if (!ep_cmp(&img->eps[i - 1], &img->eps[i]))
				bad(&b, "an endpoint twice");
	}
	return sec_close(r, &b, "endpoints");
}

/* A stream's kernel state, as the program leaves it: anything else is not an agent's file. */
static bool stream_ok(struct rd *r, const struct stream_state *s)
{
	const uint32_t flags = STREAM_F_VALID | STREAM_F_UNPAIRED | STREAM_F_CHARGED_SRC | STREAM_F_RESUMED;

	if ((s->flags & ~flags) || s->pt >= SIPXDP_NR_PT || s->clock_code >= CLK_NR ||
	    s->event_pt >= SIPXDP_NR_PT || s->bad_seq > 0x10000 || s->base_seq > 0xffff)
		return bad(r, "a stream's flags, payload type, clock or sequence out of range");
	if (s->packets >= COUNT_MAX || s->bytes >= TIME_MAX || s->duplicates >= COUNT_MAX ||
	    s->received_base > s->packets || s->bad_received > s->packets || s->strays > s->packets ||
	    s->unseen >= COUNT_MAX || s->lost_before >= (int64_t)COUNT_MAX || s->lost_before <= -(int64_t)COUNT_MAX ||
	    s->jitter_n > s->packets)
		return bad(r, "a stream's counts out of range");
	if (s->jitter_q4 >= TIME_MAX || s->max_jitter_q4 >= TIME_MAX || s->mean_acc_q4 >= TIME_MAX ||
	    s->max_delta_ns >= TIME_MAX || s->first_ns >= TIME_MAX || s->last_ns >= TIME_MAX)
		return bad(r, "a stream's times out of range");
	return true;
}

static bool get_media(struct rd *r, struct media_call *mc, struct state_call *sc, uint64_t *streams_left)
{
	static const char digits[] = "0123456789*#ABCD!?";
	uint32_t n, i;
	uint8_t f;
	int j, k;

	mc->t_start = get_time(r, "media start");
	mc->nep = get_u8(r, "endpoint count");
	if (mc->nep > MEDIA_MAX_EP)
		return bad(r, "a call of %d endpoints, more than %d", mc->nep, MEDIA_MAX_EP);
	for (j = 0; j < mc->nep && !r->why[0]; j++) {
		struct call_ep *e = &mc->ep[j];

		take(r, &e->key, sizeof(e->key), "call endpoint");
		f = get_u8(r, "call endpoint flags");
		e->rtcp = f & 1;
		e->stale = f & 2;
		e->event_pt = get_u8(r, "event type");
		e->side = get_u8(r, "side");
		e->dir = get_u8(r, "direction");
		e->stale_at = get_time(r, "stale time");
		e->npt = get_u8(r, "payload type count");
		if (r->why[0] || !key_ok(r, &e->key))
			return false;
		if (f & ~3 || e->event_pt >= SIPXDP_NR_PT || e->side >= SIDE_NR || e->dir > SDP_DIR_INACTIVE ||
		    e->npt > MEDIA_EP_MAX_PT)
			return bad(r, "a call endpoint's fields out of range");
		for (k = 0; k < e->npt && !r->why[0]; k++) {
			e->pt[k].pt = get_u8(r, "payload type");
			e->pt[k].clock_rate = get_u32(r, "clock rate");
			get_str(r, e->pt[k].name, sizeof(e->pt[k].name), true, "codec name");
			if (e->pt[k].pt >= SIPXDP_NR_PT)
				return bad(r, "payload type %u", e->pt[k].pt);
		}
		for (k = 0; k < j; k++)
			if (!memcmp(&mc->ep[k].key, &e->key, sizeof(e->key)))
				return bad(r, "a call names an endpoint twice");
	}
	mc->nrtcp = get_u8(r, "RTCP count");
	if (mc->nrtcp > MEDIA_MAX_RTCP)
		return bad(r, "%d RTCP sources, more than %d", mc->nrtcp, MEDIA_MAX_RTCP);
	for (j = 0; j < mc->nrtcp && !r->why[0]; j++) {
		struct rtcp_view *v = &mc->rtcp[j];

		v->ssrc = get_u32(r, "RTCP");
		v->reports = get_u32(r, "RTCP");
		v->fraction_lost = get_f64(r, "RTCP");
		v->cumulative_lost = (int32_t)get_u32(r, "RTCP");
		v->jitter = get_u32(r, "RTCP");
		v->rtt_ms = get_f64(r, "RTCP");
		if (!(v->fraction_lost >= 0 && v->fraction_lost <= 1) || !isfinite(v->rtt_ms) || v->rtt_ms > 1e9)
			return bad(r, "an RTCP report's figures out of range");
	}
	mc->ndtmf = get_u8(r, "digit count");
	if (mc->ndtmf > MEDIA_MAX_DTMF)
		return bad(r, "%d digits, more than %d", mc->ndtmf, MEDIA_MAX_DTMF);
	for (j = 0; j < mc->ndtmf && !r->why[0]; j++) {
		struct dtmf_event *d = &mc->dtmf[j];

		d->digit = get_u8(r, "digit");
		d->ssrc = get_u32(r, "digit");
		d->rtp_ts = get_u32(r, "digit");
		d->duration = get_u32(r, "digit");
		d->t = get_time(r, "digit time");
		if (!d->digit || !strchr(digits, d->digit))
			return bad(r, "a digit 0x%02x", (uint8_t)d->digit);
	}
	mc->dtmf_dropped = get_u32(r, "digits dropped");
	mc->dropped_ssrc = get_u32(r, "digits dropped");
	mc->dropped_ts = get_u32(r, "digits dropped");
	mc->last_rtp = get_time(r, "last RTP");
	f = get_u8(r, "media flags");
	mc->committed = f & 1;
	mc->ended = f & 2;
	mc->streams_refused = get_u32(r, "streams refused");
	take(r, &mc->source, sizeof(mc->source), "offer source");
	n = get_u32(r, "stream count");
	if (r->why[0])
		return false;
	if (f & ~3)
		return bad(r, "media flags %#x", f);
	if (n > STATE_MAX_STREAMS_PER_CALL || n > *streams_left)
		return bad(r, "a call of %u streams, more than %d or than the streams map holds",
			   n, STATE_MAX_STREAMS_PER_CALL);
	if (n > (r->len - r->off) / (sizeof(struct stream_key) + sizeof(struct stream_state)))
		return bad(r, "%u streams past the end", n);
	*streams_left -= n;
	if (n && !(sc->streams = calloc(n, sizeof(*sc->streams))))
		return bad(r, "out of memory for %u streams", n);
	for (i = 0; i < n && !r->why[0]; i++) {
		struct media_saved_stream *s = &sc->streams[i];

		take(r, &s->key, sizeof(s->key), "stream key");
		take(r, &s->st, sizeof(s->st), "stream state");
		s->lost_counted = (int64_t)get_u64(r, "stream loss counted");
		f = get_u8(r, "stream closed");
		memset(&s->st.lock, 0, sizeof(s->st.lock));
		s->closed = f;
		sc->nstreams = i + 1;
		if (r->why[0] || !stream_ok(r, &s->st))
			return false;
		if (f > 1 || s->lost_counted >= (int64_t)COUNT_MAX || s->lost_counted <= -(int64_t)COUNT_MAX)
			return bad(r, "a stream's loss counted or closed flag out of range");
		for (j = 0; j < (int)i; j++)
			if (!memcmp(&sc->streams[j].key, &s->key, sizeof(s->key)))
				return bad(r, "a call holds a stream twice");
	}
	mc->nstreams = sc->nstreams;
	return !r->why[0];
}

static bool get_call(struct rd *r, struct state_call *sc, uint64_t *streams_left)
{
	struct call *c = calloc(1, sizeof(*c));
	uint16_t wire_len;
	uint8_t f, cut, has_wire;
	int i;

	if (!c)
		return bad(r, "out of memory for a call");
	sc->call = c;
	get_str(r, c->call_id, sizeof(c->call_id), true, "Call-ID");
	wire_len = get_u16(r, "wire Call-ID length");
	has_wire = get_u8(r, "wire Call-ID");
	if (r->why[0])
		return false;
	if (has_wire > 1 || wire_len > CALL_WIRE_ID_MAX || (!has_wire && wire_len))
		return bad(r, "a wire Call-ID of %u bytes", wire_len);
	if (has_wire) {
		if (!(c->wire_id = malloc(wire_len ? wire_len : 1)))
			return bad(r, "out of memory for a Call-ID");
		c->wire_id_len = wire_len;
		take(r, c->wire_id, wire_len, "wire Call-ID");
	}
	get_str(r, c->from, sizeof(c->from), true, "From");
	get_str(r, c->to, sizeof(c->to), true, "To");
	cut = get_u8(r, "cut flags");
	c->call_id_cut = cut & 1;
	c->from_cut = cut & 2;
	c->to_cut = cut & 4;
	get_str(r, c->from_tag, sizeof(c->from_tag), false, "From tag");
	get_str(r, c->answer_to_tag, sizeof(c->answer_to_tag), false, "To tag");
	c->state = get_u8(r, "call state");
	c->result = get_u8(r, "call result");
	c->final_status = (int)get_u32(r, "final status");
	f = get_u8(r, "call flags");
	c->cancel_seen = f & 1;
	c->on_hold = f & 2;
	for (i = 0; i < SIDE_NR; i++)
		c->held_by[i] = f & (4 << i);
	c->hangup = get_u8(r, "hangup");
	c->reinvites = get_u32(r, "re-INVITEs");
	for (i = 0; i < 2; i++) {
		c->invite[i].cseq = get_u32(r, "CSeq");
		get_str(r, c->invite[i].branch, sizeof(c->invite[i].branch), false, "branch");
	}
	c->forked_answers = get_u32(r, "forked answers");
	c->t_invite = get_time(r, "INVITE time");
	c->t_ringing = get_time(r, "ringing time");
	c->t_answer = get_time(r, "answer time");
	c->t_end = get_time(r, "end time");
	c->t_last_sip = get_time(r, "last SIP time");
	c->finalize_at = get_time(r, "finalize time");
	c->ifaces = get_u16(r, "interfaces");
	take(r, &c->invite_dst, sizeof(c->invite_dst), "INVITE destination");
	if (r->why[0])
		return false;
	if (!c->call_id[0])
		return bad(r, "a call without a Call-ID");
	if (f & ~0x1f || cut & ~7 || c->state > CALL_ENDED || c->result >= RESULT_NR || c->hangup >= SIDE_NR ||
	    c->final_status < 0 || c->final_status > 699 || (c->state == CALL_ENDED) == (c->result == RESULT_ACTIVE))
		return bad(r, "call %.40s: state %u, result %u, status %d, flags %#x out of range", c->call_id,
			   c->state, c->result, c->final_status, f);
	if (!get_media(r, &c->media, sc, streams_left))
		return false;
	if (c->media.ended != (c->state == CALL_ENDED))
		return bad(r, "call %.40s: its media's end is not its dialog's", c->call_id);
	return true;
}

static int call_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct state_call *const *)a)->call->call_id,
		      (*(const struct state_call *const *)b)->call->call_id);
}

static bool get_calls(struct rd *r, const struct state_limits *lim, struct state_image *img)
{
	uint64_t streams_left = (uint64_t)lim->max_streams * 2;	/* closed ones are out of the map */
	struct state_call **order;
	struct rd b;
	uint32_t n, i;

	if (!sec_open(r, SEC_CALLS, &b))
		return false;
	n = get_u32(&b, "call count");
	/* A call takes 90 bytes at least: a count past that is a lie, before any allocation. */
	if (!b.why[0] && (n > lim->max_calls || n > b.len / 90))
		bad(&b, "%u calls, more than --max-calls %u or than the section holds", n, lim->max_calls);
	if (!b.why[0] && n && !(img->calls = calloc(n, sizeof(*img->calls))))
		bad(&b, "out of memory for %u calls", n);
	for (i = 0; i < n && !b.why[0]; i++) {
		img->ncalls = i + 1;
		get_call(&b, &img->calls[i], &streams_left);
	}
	if (!b.why[0] && img->ncalls > 1) {
		if (!(order = malloc(img->ncalls * sizeof(*order))))
			return bad(r, "out of memory");
		for (i = 0; i < img->ncalls; i++)
			order[i] = &img->calls[i];
		qsort(order, img->ncalls, sizeof(*order), call_cmp);
		for (i = 1; i < img->ncalls && !b.why[0]; i++)
			if (!call_cmp(&order[i - 1], &order[i]))
				bad(&b, "call %.60s twice", order[i]->call->call_id);
		free(order);
	}
	return sec_close(r, &b, "calls");
}

static bool get_hist(struct rd *r, struct hist *h)
{
	return take(r, h, sizeof(*h), "histogram");
}

static bool call_key_ok(struct rd *r, const struct cm_call_key *k)
{
	return label_ok(r, k->peer, sizeof(k->peer), "peer") && label_ok(r, k->iface, sizeof(k->iface), "interface") &&
	       (k->dir < CM_NR_DIRECTIONS || bad(r, "direction %u", k->dir));
}

/* Counts are read into arrays first: the sets go into the agent's tables only once the file is whole. */
static bool get_metrics(struct rd *r, struct state_image *img)
{
	struct rd b;
	uint32_t n, i;
	int j;

	if (!sec_open(r, SEC_METRICS, &b))
		return false;
	n = get_u32(&b, "stream sets");
	if (!b.why[0] && (n > CM_MAX_SETS || (n && !(img->stream_sets = calloc(n, sizeof(*img->stream_sets))))))
		bad(&b, "%u stream label sets", n);
	for (i = 0; i < n && !b.why[0]; i++) {
		struct cm_stream_set *s = &img->stream_sets[i];

		take(&b, &s->key, sizeof(s->key), "stream set");
		for (j = 0; j < CM_NR_STREAM_HIST; j++)
			get_hist(&b, &s->h[j]);
		img->nstream_sets = i + 1;
		if (!b.why[0] && call_key_ok(&b, &s->key.c))
			label_ok(&b, s->key.codec, sizeof(s->key.codec), "codec");
	}
	n = get_u32(&b, "call sets");
	if (!b.why[0] && (n > CM_MAX_SETS || (n && !(img->call_sets = calloc(n, sizeof(*img->call_sets))))))
		bad(&b, "%u call label sets", n);
	for (i = 0; i < n && !b.why[0]; i++) {
		struct cm_call_set *c = &img->call_sets[i];

		take(&b, &c->key, sizeof(c->key), "call set");
		for (j = 0; j < CM_NR_CALL_HIST; j++)
			get_hist(&b, &c->h[j]);
		for (j = 0; j < RESULT_NR; j++)
			c->calls[j] = get_u64(&b, "call set");
		c->answered = get_u64(&b, "call set");
		c->one_way = get_u64(&b, "call set");
		c->no_rtp = get_u64(&b, "call set");
		c->never_valid = get_u64(&b, "call set");
		img->ncall_sets = i + 1;
		if (!b.why[0])
			call_key_ok(&b, &c->key);
	}
	n = get_u32(&b, "response sets");
	if (!b.why[0] && (n > CM_MAX_SETS || (n && !(img->resp_sets = calloc(n, sizeof(*img->resp_sets))))))
		bad(&b, "%u response label sets", n);
	for (i = 0; i < n && !b.why[0]; i++) {
		struct cm_resp_set *s = &img->resp_sets[i];

		take(&b, s->key, sizeof(s->key), "response set");
		take(&b, s->n, sizeof(s->n), "response set");
		img->nresp_sets = i + 1;
		if (!b.why[0])
			label_ok(&b, s->key, sizeof(s->key), "peer");
	}
	img->cm_overflow = get_u64(&b, "overflow");
	return sec_close(r, &b, "distributions");
}

static bool get_hep(struct rd *r, struct state_image *img)
{
	struct rd b;
	unsigned int i;
	int j;

	if (!sec_open(r, SEC_HEP, &b))
		return false;
	img->nhep = get_u8(&b, "collectors");
	if (img->nhep > HEP_MAX_COLLECTORS)
		bad(&b, "%u collectors", img->nhep);
	for (i = 0; i < img->nhep && !b.why[0]; i++) {
		struct hep_collector_stats *h = &img->hep[i];

		get_str(&b, h->name, sizeof(h->name), true, "collector");
		h->sent = get_u64(&b, "collector");
		h->bytes = get_u64(&b, "collector");
		h->writes = get_u64(&b, "collector");
		h->reconnects = get_u64(&b, "collector");
		for (j = 0; j < HEP_DROP_NR; j++)
			h->dropped[j] = get_u64(&b, "collector");
	}
	return sec_close(r, &b, "HEP");
}

int state_decode(const uint8_t *p, size_t len, const struct state_limits *lim, struct state_image *img,
		 char *err, size_t n)
{
	struct rd r = { .p = p, .len = len };
	char magic[8];
	uint64_t flen, digest, want;
	unsigned int i;
	int ret = -EINVAL;

	memset(img, 0, sizeof(*img));
	take(&r, magic, sizeof(magic), "magic");
	if (!r.why[0] && memcmp(magic, state_magic, sizeof(magic)))
		bad(&r, "not a state file (no magic)");
	img->h.version = get_u32(&r, "version");
	img->h.layout = get_u32(&r, "layout");
	if (!r.why[0] && (img->h.version != STATE_VERSION || img->h.layout != SIPXDP_LAYOUT_VERSION)) {
		bad(&r, "version %u, layout %u: this build reads %u, %u", img->h.version, img->h.layout,
		    STATE_VERSION, SIPXDP_LAYOUT_VERSION);
		ret = -EPROTO;
	}
	flen = get_u64(&r, "length");
	if (!r.why[0] && flen != len)
		bad(&r, "%zu bytes where its header says %llu (cut short, or more after it)", len,
		    (unsigned long long)flen);
	if (!r.why[0]) {
		for (i = 0, digest = 0; i < 8; i++)
			digest |= (uint64_t)p[len - 8 + i] << (8 * i);
		want = hashing_digest64(p, len - 8);
		if (digest != want)
			bad(&r, "its digest does not match its bytes");
		r.len = len - 8;	/* the sections end where the digest begins */
	}
	take(&r, img->h.boot_id, sizeof(img->h.boot_id), "boot ID");
	img->h.mono_ns = get_time(&r, "written at");
	img->h.real_ns = get_u64(&r, "written at");
	img->h.flags = get_u32(&r, "flags");
	img->h.map_id = get_u32(&r, "map ID");
	img->h.records_dev = get_u64(&r, "records");
	img->h.records_ino = get_u64(&r, "records");
	img->h.records_off = get_u64(&r, "records");
	img->h.nifaces = get_u8(&r, "interfaces");
	if (!r.why[0] && (img->h.nifaces > DIALOG_MAX_IFACES || img->h.flags & ~(STATE_F_PERSIST | STATE_F_EXIT)))
		bad(&r, "%u interfaces, flags %#x", img->h.nifaces, img->h.flags);
	for (i = 0; i < img->h.nifaces && !r.why[0]; i++)
		get_str(&r, img->h.ifaces[i], sizeof(img->h.ifaces[i]), true, "interface name");
	if (!r.why[0])
		get_counters(&r, &img->c);
	if (!r.why[0])
		get_endpoints(&r, lim, img);
	if (!r.why[0])
		get_calls(&r, lim, img);
	if (!r.why[0])
		get_metrics(&r, img);
	if (!r.why[0])
		get_hep(&r, img);
	if (!r.why[0] && r.off != r.len)
		bad(&r, "%zu bytes after its last section", r.len - r.off);
	if (!r.why[0])
		return 0;
	snprintf(err, n, "%s", r.why);
	state_image_free(img);
	return ret;
}

void state_image_free(struct state_image *img)
{
	unsigned int i;

	for (i = 0; i < img->ncalls; i++) {
		if (img->calls[i].call) {
			free(img->calls[i].call->wire_id);
			free(img->calls[i].call);
		}
		free(img->calls[i].streams);
	}
	free(img->calls);
	free(img->eps);
	free(img->stream_sets);
	free(img->call_sets);
	free(img->resp_sets);
	memset(img, 0, sizeof(*img));
}

/* --- files ------------------------------------------------------------- */

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

int state_save(const char *path, const uint8_t *buf, size_t len)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	err = write_all(fd, buf, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	/* The rename itself, on disk: the directory synced too. */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) ?: 1 : 1, slash ? path : ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int state_read_file(const char *path, uint8_t **buf, size_t *len)
{
	struct stat sb;
	uint8_t *p;
	size_t got = 0;
	int fd, err = 0;

	/* O_NONBLOCK: a FIFO put there must not hang the start (it is refused below). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb))
		err = -errno;
	else if (!S_ISREG(sb.st_mode))
		err = -EINVAL;	/* a directory, a FIFO: not a state file */
	if (err) {
		close(fd);
		return err;
	}
	if ((uint64_t)sb.st_size > STATE_MAX_BYTES) {
		close(fd);
		return -EFBIG;
	}
	p = malloc(sb.st_size ? sb.st_size : 1);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, p + got, sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		got += n;
	}
	close(fd);
	if (err) {
		free(p);
		return err;
	}
	*buf = p;
	*len = got;
	return 0;
}

int state_boot_id(uint8_t id[16])
{
	char text[64];
	unsigned int i, j = 0;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (!f)
		return -errno;
	if (!fgets(text, sizeof(text), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	memset(id, 0, 16);
	for (i = 0; text[i] && j < 32; i++) {
		char c = text[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			continue;
		id[j / 2] |= v << (j % 2 ? 0 : 4);
		j++;
	}
	return j == 32 ? 0 : -EINVAL;
}

/* --- applying ---------------------------------------------------------- */

static const struct endpoint_info *ep_info_of(void *ctx, const struct endpoint_key *key)
{
	const struct state_image *img = ctx;
	struct state_ep want, *e;

	if (!img->neps)
		return NULL;
	want.key = *key;
	e = bsearch(&want, img->eps, img->neps, sizeof(*img->eps), ep_cmp);
	return e ? &e->info : NULL;
}

/* The call's interfaces, by the slots of the file, to the slots of this agent (by name). */
static uint16_t remap_ifaces(const struct state_image *img, const struct state_apply *a, uint16_t bits)
{
	uint16_t out = 0;
	unsigned int i, j;

	for (i = 0; i < img->h.nifaces; i++) {
		if (!(bits & (1U << i)))
			continue;
		for (j = 0; j < a->nifaces; j++)
			if (a->ifaces[j] && !strcmp(a->ifaces[j], img->h.ifaces[i]))
				out |= 1U << j;
	}
	return out;
}

static void apply_metrics(const struct state_image *img, struct callmetrics *cm)
{
	unsigned int i;
	int j;

	for (i = 0; i < img->nstream_sets; i++) {
		struct cm_stream_set *s = callmetrics_stream_set(cm, &img->stream_sets[i].key);

		if (s)
			memcpy(s->h, img->stream_sets[i].h, sizeof(s->h));
	}
	for (i = 0; i < img->ncall_sets; i++) {
		const struct cm_call_set *from = &img->call_sets[i];
		struct cm_call_set *c = callmetrics_call_set(cm, &from->key);

		if (!c)
			continue;
		memcpy(c->h, from->h, sizeof(c->h));
		for (j = 0; j < RESULT_NR; j++)
			c->calls[j] = from->calls[j];
		c->answered = from->answered;
		c->one_way = from->one_way;
		c->no_rtp = from->no_rtp;
		c->never_valid = from->never_valid;
	}
	for (i = 0; i < img->nresp_sets; i++) {
		struct cm_resp_set *s = callmetrics_resp_set(cm, img->resp_sets[i].key);

		if (s)
			memcpy(s->n, img->resp_sets[i].n, sizeof(s->n));
	}
	cm->overflow += img->cm_overflow;
}

void state_apply(struct state_image *img, struct dialogs *d, struct callmetrics *cm, struct state_apply *a)
{
	const struct state_header *h = &img->h;
	unsigned int i;

	/* The calls' kernel state is there: the maps they were counted in, or their streams to put back. */
	a->follow = (a->maps_reused && (h->flags & STATE_F_PERSIST) && h->map_id == a->map_id) ||
		    (!(h->flags & STATE_F_PERSIST) && (h->flags & STATE_F_EXIT));
	d->st = img->c.dialog;
	d->media->st = img->c.media;
	d->media->eps.st = img->c.endpoints;
	d->media->eps.logged = img->c.endpoints;
	if (cm)
		apply_metrics(img, cm);
	for (i = 0; i < img->ncalls; i++) {
		struct state_call *sc = &img->calls[i];
		struct call *c = sc->call;
		int err;

		sc->call = NULL;	/* dialog_restore's now, whatever it does */
		c->ifaces = remap_ifaces(img, a, c->ifaces);
		if (a->written && a->written(a->ctx, c->call_id)) {
			/* Its record was written after this file (SIGKILL between the two): once is enough. */
			a->already_written++;
			free(c->wire_id);
			free(c);
			continue;
		}
		err = dialog_restore(d, c, sc->streams, sc->nstreams, a->follow, ep_info_of, img);
		if (err == -EEXIST || err == -ENOSPC)
			a->refused++;
		else if (a->follow && !err)
			a->followed++;
		else
			a->written_now++;
	}
	a->gap_packets = d->media->restored_gap;
	media_restore_done(d->media);
}
