// SPDX-License-Identifier: GPL-2.0
/* record.c - the JSON record of a call (record.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <jansson.h>

#include "log.h"
#include "quality.h"
#include "record.h"
#include "rtp_stats.h"
#include "util.h"

static json_t *json_ms(double ms)
{
	return json_real(quality_round_ms(ms));
}

static json_t *unix_time(const struct record_writer *w, uint64_t t)
{
	if (!t)
		return json_null();
	/* Microseconds: what a pcap carries, and what a Unix time in a double still holds. */
	return json_real(round((double)((int64_t)t + w->unix_offset_ns) / 1e3) / 1e6);
}

static json_t *rtcp_json(const struct rtcp_view *v, uint32_t rate)
{
	if (!v)
		return json_null();
	return json_pack("{s:i, s:o, s:i, s:o, s:o}",
		"reports", (int)v->reports,
		"fraction_lost", json_real(round(v->fraction_lost * 1e4) / 1e4),
		"cumulative_lost", (int)v->cumulative_lost,
		"jitter_ms", rate ? json_ms(v->jitter * 1e3 / rate) : json_null(),
		"rtt_ms", v->rtt_ms >= 0 ? json_ms(v->rtt_ms) : json_null());
}

static json_t *stream_json(const struct record_writer *w, const struct stream_rec *s,
			   const struct media_call *mc)
{
	const struct stream_state *st = &s->st;
	struct stream_quality q;
	char src[64], dst[64], ssrc[16];

	quality_of(s, mc, &q);
	snprintf(ssrc, sizeof(ssrc), "0x%08x", s->key.ssrc);
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"src", addr_port_str(src, sizeof(src), &s->key.src, ntohs(s->key.sport)),
		"dst", addr_port_str(dst, sizeof(dst), &s->key.dst, ntohs(s->key.dport)),
		"ssrc", ssrc,
		"pt", (int)st->pt,
		"codec", q.codec,
		"clock_rate", (int)q.clock_rate,
		"packets", (json_int_t)st->packets,
		"bytes", (json_int_t)st->bytes,
		"lost", (json_int_t)rtp_lost(st),
		"unseen", (json_int_t)st->unseen,
		"duplicates", (json_int_t)st->duplicates,
		"out_of_order", (json_int_t)st->out_of_order,
		"jitter_ms", json_ms(quality_jitter_ms(st->jitter_q4)),
		"max_jitter_ms", json_ms(quality_jitter_ms(st->max_jitter_q4)),
		"mean_jitter_ms", json_ms(quality_jitter_ms(rtp_mean_jitter_q4(st))),
		"max_delta_ms", json_ms((double)st->max_delta_ns / 1e6),
		"first_seen", unix_time(w, st->first_ns),
		"last_seen", unix_time(w, st->last_ns),
		"valid", json_boolean(st->flags & STREAM_F_VALID),
		"rtcp", rtcp_json(q.rtcp, q.clock_rate),
		"r_factor", q.has_mos ? json_real(round(q.r_factor * 10) / 10) : json_null(),
		"mos", q.has_mos ? json_real(round(q.mos * 100) / 100) : json_null());
}

/* Digits in time order (then by stream): events of two streams may be handled in either order. */
static int dtmf_cmp(const void *a, const void *b)
{
	const struct dtmf_event *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->ssrc != y->ssrc)
		return x->ssrc < y->ssrc ? -1 : 1;
	return x->rtp_ts < y->rtp_ts ? -1 : x->rtp_ts > y->rtp_ts;
}

static json_t *dtmf_json(const struct record_writer *w, const struct media_call *mc)
{
	struct dtmf_event ev[MEDIA_MAX_DTMF];
	json_t *a = json_array();
	int i;

	memcpy(ev, mc->dtmf, mc->ndtmf * sizeof(ev[0]));
	qsort(ev, mc->ndtmf, sizeof(ev[0]), dtmf_cmp);
	for (i = 0; i < mc->ndtmf; i++) {
		const struct dtmf_event *e = &ev[i];

		json_array_append_new(a, json_pack("{s:s#, s:o, s:o}",
			"digit", &e->digit, (int)1,
			"duration_ms", json_ms(e->duration / 8.0),	/* telephone-event/8000 */
			"time", unix_time(w, e->t)));
	}
	return a;
}

/* Streams in the order they started (then by key): the same record whatever order they were read in. */
static int stream_cmp(const void *a, const void *b)
{
	const struct stream_rec *x = *(const struct stream_rec *const *)a, *y = *(const struct stream_rec *const *)b;

	if (x->st.first_ns != y->st.first_ns)
		return x->st.first_ns < y->st.first_ns ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

/* The stream into the record's list; true if it is early media (RTP before the answer, after a 183 or toward the offerer). */
static bool add_stream(const struct record_writer *w, json_t *streams, const struct stream_rec *s,
		       const struct call *call)
{
	json_array_append_new(streams, stream_json(w, s, &call->media));
	return !call->t_answer || s->st.first_ns < call->t_answer;
}

static json_t *call_json(const struct record_writer *w, const struct call *call, uint64_t now)
{
	const struct media_call *mc = &call->media;
	uint64_t end = call->t_end ? call->t_end : now;
	const struct stream_rec *s, **order;
	json_t *streams = json_array();
	size_t n = 0, i;
	bool early = false;

	for (s = mc->streams; s; s = s->owner_next)
		n++;
	order = n ? malloc(n * sizeof(*order)) : NULL;
	if (order) {
		for (i = 0, s = mc->streams; s; s = s->owner_next)
			order[i++] = s;
		qsort(order, n, sizeof(*order), stream_cmp);
		for (i = 0; i < n; i++)
			early |= add_stream(w, streams, order[i], call);
		free(order);
	} else {
		for (s = mc->streams; s; s = s->owner_next)	/* out of memory: in list order */
			early |= add_stream(w, streams, s, call);
	}
	json_t *cut = json_array();

	if (call->call_id_cut)
		json_array_append_new(cut, json_string("call_id"));
	if (call->from_cut)
		json_array_append_new(cut, json_string("from"));
	if (call->to_cut)
		json_array_append_new(cut, json_string("to"));
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:s?, s:b, s:i, s:i, s:b, s:o, s:i, s:o}",
		"call_id", call->call_id,
		"from", call->from,
		"to", call->to,
		"truncated", cut,
		"state", call_state_label(call->result),
		"result", call_result_name(call->result),
		"final_status", call->final_status,
		"start", unix_time(w, call->t_invite),
		"answer", unix_time(w, call->t_answer),
		"end", call->t_end ? unix_time(w, call->t_end) : json_null(),
		"post_dial_delay_ms", call->t_ringing ?
			json_ms((double)(call->t_ringing - call->t_invite) / 1e6) : json_null(),
		"setup_ms", call->t_answer ? json_ms((double)(call->t_answer - call->t_invite) / 1e6) : json_null(),
		"duration_s", json_real(call->t_answer ? round((double)(end - call->t_answer) / 1e3) / 1e6 : 0),
		"hangup_by", call->hangup == SIDE_CALLER ? "caller" : call->hangup == SIDE_CALLEE ? "callee" : NULL,
		"on_hold", call->on_hold,
		"reinvites", (int)call->reinvites,
		"forked_answers", (int)call->forked_answers,
		"early_media", early,
		"dtmf", dtmf_json(w, mc),
		"streams_refused", (int)mc->streams_refused,
		"streams", streams);
}

void record_write(struct record_writer *w, const struct call *call, uint64_t now)
{
	json_t *o;
	char *line;

	if (!w->f)
		return;
	o = call_json(w, call, now);
	if (!o) {
		w->failed++;
		pr_warn("call %s: cannot build its JSON record\n", call->call_id);
		return;
	}
	line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(16));
	if (line && fprintf(w->f, "%s\n", line) > 0) {
		w->written++;
	} else {
		w->failed++;
		pr_warn("call %s: cannot write its JSON record\n", call->call_id);
	}
	free(line);
	json_decref(o);
}

void record_flush(struct record_writer *w)
{
	if (w->f && fflush(w->f))
		pr_warn("write the call records: %s\n", strerror(errno));
}

int record_position(struct record_writer *w, uint64_t *dev, uint64_t *ino, uint64_t *size)
{
	struct stat sb;

	if (!w->f)
		return -ENOENT;
	record_flush(w);
	if (fstat(fileno(w->f), &sb))
		return -errno;
	*dev = sb.st_dev;
	*ino = sb.st_ino;
	*size = sb.st_size;
	return 0;
}

/* The file that was dev and ino: path, or where logrotate moved it. */
static FILE *open_same(const char *path, uint64_t dev, uint64_t ino)
{
	char moved[4096];
	const char *try[2] = { path, moved };
	struct stat sb;
	FILE *f;
	int i;

	snprintf(moved, sizeof(moved), "%s.1", path);
	for (i = 0; i < 2; i++) {
		f = fopen(try[i], "re");
		if (!f)
			continue;
		if (!fstat(fileno(f), &sb) && (uint64_t)sb.st_dev == dev && (uint64_t)sb.st_ino == ino)
			return f;
		fclose(f);
	}
	return NULL;
}

int record_ids_after(const char *path, uint64_t dev, uint64_t ino, uint64_t off,
		     void (*cb)(void *ctx, const char *call_id), void *ctx)
{
	FILE *f = open_same(path, dev, ino);
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	if (!f)
		return 0;
	if (fseeko(f, off, SEEK_SET)) {
		fclose(f);
		return -errno;
	}
	while (getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		const char *id = json_string_value(json_object_get(o, "call_id"));

		if (id) {
			cb(ctx, id);
			n++;
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
	return n;
}
