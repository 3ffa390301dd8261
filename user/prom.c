// SPDX-License-Identifier: GPL-2.0
/*
 * prom.c - the Prometheus text file for node_exporter's textfile collector.
 *
 * Written to a temporary file in the same directory, then renamed over the
 * target, so the collector never reads half a file.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callmetrics.h"
#include "hepout.h"
#include "prom.h"
#include "rtp_stats.h"
#include "snapshot.h"
#include "util.h"

/* Label values escape backslash, double quote and newline (exposition format). */
static void put_label(FILE *f, const char *name, const char *v, int first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void scalar(FILE *f, const char *name, const char *type, const char *help, double v)
{
	family(f, name, type, help);
	fprintf(f, "%s %.15g\n", name, v);
}

/* NAME SUFFIX{LABELS,le="LE"}: a series' name with the labels given (labels, le may be NULL). */
static void series_name(FILE *f, const char *name, const char *suffix, void (*labels)(FILE *, const void *),
			const void *key, const char *le)
{
	fprintf(f, "%s%s", name, suffix);
	if (!labels && !le)
		return;
	fputc('{', f);
	if (labels)
		labels(f, key);
	if (le)
		fprintf(f, "%sle=\"%s\"", labels ? "," : "", le);
	fputc('}', f);
}

/*
 * One series of a histogram, its buckets cumulative as the format has them;
 * labels (may be NULL) writes the series' own labels, first of the list.
 */
static void hist_series(FILE *f, const char *name, void (*labels)(FILE *, const void *), const void *key,
			const struct hist_bounds *b, const struct hist *h)
{
	uint64_t below = 0;
	unsigned int i;
	char le[32];

	for (i = 0; i < b->n; i++) {
		below += h->bucket[i];
		snprintf(le, sizeof(le), "%.15g", b->le[i]);
		series_name(f, name, "_bucket", labels, key, le);
		fprintf(f, " %llu\n", (unsigned long long)below);
	}
	series_name(f, name, "_bucket", labels, key, "+Inf");
	fprintf(f, " %llu\n", (unsigned long long)h->count);
	series_name(f, name, "_sum", labels, key, NULL);
	fprintf(f, " %.15g\n", h->sum);
	series_name(f, name, "_count", labels, key, NULL);
	fprintf(f, " %llu\n", (unsigned long long)h->count);
}

/* A histogram without labels. */
static void histogram(FILE *f, const char *name, const char *help, const struct hist_bounds *b,
		      const struct hist *h)
{
	family(f, name, "histogram", help);
	hist_series(f, name, NULL, NULL, b, h);
}

static void write_sip(FILE *f, const struct dialog_stats *st)
{
	int i;

	family(f, "sipxdp_sip_messages_total", "counter",
	       "SIP messages seen: requests by method, responses by CSeq method and status.");
	for (i = 0; i < SIP_COUNT_METHODS; i++) {
		if (!st->requests[i])
			continue;
		fputs("sipxdp_sip_messages_total{", f);
		put_label(f, "type", "request", 1);
		put_label(f, "method", sip_method_name(i), 0);
		fprintf(f, "} %llu\n", (unsigned long long)st->requests[i]);
	}
	for (i = 0; i < SIP_COUNT_METHODS; i++) {
		int code;

		for (code = 100; code < 700; code++) {
			char status[12];

			if (!st->responses[i][code])
				continue;
			snprintf(status, sizeof(status), "%d", code);
			fputs("sipxdp_sip_messages_total{", f);
			put_label(f, "type", "response", 1);
			put_label(f, "method", sip_method_name(i), 0);
			put_label(f, "status", status, 0);
			fprintf(f, "} %llu\n", (unsigned long long)st->responses[i][code]);
		}
	}
	scalar(f, "sipxdp_sip_parse_errors_total", "counter",
	       "SIP datagrams that could not be parsed.", st->parse_errors);
	scalar(f, "sipxdp_sdp_parse_errors_total", "counter",
	       "SDP bodies that could not be parsed (their media is not followed).", st->sdp_errors);
	scalar(f, "sipxdp_sip_not_sip_total", "counter",
	       "Datagrams on a SIP port that are not SIP.", st->not_sip);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Time from a SIP packet entering XDP to the endpoints of its SDP being in the map (live only). */
static void write_learn(FILE *f, const struct media_stats *st)
{
	static const double q[] = { 0.5, 0.9, 0.99 };
	size_t cap = MEDIA_LEARN_RING;
	size_t n = st->learn_n < cap ? st->learn_n : cap, i;
	uint64_t v[MEDIA_LEARN_RING];

	family(f, "sipxdp_endpoint_learn_seconds", "summary",
	       "SIP packet in XDP to its SDP's media endpoint in the kernel map (newest 1024).");
	memcpy(v, st->learn_ring, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_u64);
	for (i = 0; n && i < sizeof(q) / sizeof(q[0]); i++)
		fprintf(f, "sipxdp_endpoint_learn_seconds{quantile=\"%g\"} %.9f\n", q[i],
			v[(size_t)(q[i] * (n - 1))] / 1e9);
	fprintf(f, "sipxdp_endpoint_learn_seconds_sum %.9f\n", st->learn_sum_ns / 1e9);
	fprintf(f, "sipxdp_endpoint_learn_seconds_count %llu\n", (unsigned long long)st->learn_n);
}

static void write_calls(FILE *f, const struct snapshot *snap)
{
	const struct dialog_stats *d = &snap->dialog;
	const struct media_stats *m = &snap->media;

	scalar(f, "sipxdp_calls_active", "gauge", "Calls in progress (not yet ended).", snap->calls_active);
	scalar(f, "sipxdp_calls_dropped_total", "counter",
	       "INVITEs not followed because the call table was full.", d->calls_dropped);
	scalar(f, "sipxdp_rtcp_packets_total", "counter", "RTCP compound packets read.", m->rtcp_packets);
	scalar(f, "sipxdp_rtcp_errors_total", "counter", "RTCP packets that could not be parsed.",
	       m->rtcp_errors);
	scalar(f, "sipxdp_rtcp_unattached_total", "counter", "RTCP packets on no followed call.",
	       m->rtcp_unattached);
	scalar(f, "sipxdp_dtmf_digits_total", "counter", "RFC 4733 DTMF digits recorded.", m->dtmf_digits);
	scalar(f, "sipxdp_dtmf_unattached_total", "counter",
	       "RFC 4733 event end packets on no followed call (or on one no single call claims).",
	       m->dtmf_unattached);
	scalar(f, "sipxdp_rtp_held_expired_total", "counter",
	       "Held RTP records whose endpoint was never learned.", m->pending_expired);
	write_learn(f, m);
	scalar(f, "sipxdp_sip_responses_unmatched_total", "counter",
	       "Answers to an INVITE transaction other than the call's newest (CSeq, Via branch).",
	       d->responses_unmatched);
	scalar(f, "sipxdp_invite_retries_total", "counter",
	       "INVITEs that continued a call after a failure answer (authentication challenges).",
	       d->invite_retries);
	scalar(f, "sipxdp_media_endpoints", "gauge", "Media endpoints in the kernel map.",
	       snap->media_endpoints);
	scalar(f, "sipxdp_media_endpoints_offered", "gauge",
	       "Of those, endpoints of calls whose far side has not rung or answered yet.",
	       snap->endpoints_offered);
	scalar(f, "sipxdp_media_endpoints_parked", "gauge",
	       "Endpoints of unanswered calls kept out of the kernel by the offers' budget.",
	       snap->endpoints_parked);
	scalar(f, "sipxdp_media_endpoint_insert_failures_total", "counter",
	       "Media endpoints the kernel map refused.", snap->endpoints.insert_fail);
	scalar(f, "sipxdp_media_endpoints_parked_total", "counter",
	       "Times an endpoint of an unanswered call was kept out of the kernel (offers' budget full).",
	       snap->endpoints.parked);
	scalar(f, "sipxdp_media_endpoints_displaced_total", "counter",
	       "Endpoints of unanswered calls taken out of a full map for an answered call's.",
	       snap->endpoints.displaced);
}

static void write_health(FILE *f, const struct dp_health *dh)
{
	const struct sipxdp_health *h = &dh->kernel;
	static const struct {
		const char *name, *help;
		size_t off;
	} m[] = {
		{ "sipxdp_xdp_packets_total", "Frames seen by the XDP program.",
		  offsetof(struct sipxdp_health, packets) },
		{ "sipxdp_xdp_sip_packets_total", "SIP packets sent to user space.",
		  offsetof(struct sipxdp_health, sip) },
		{ "sipxdp_rtp_packets_total", "RTP packets counted in a stream.",
		  offsetof(struct sipxdp_health, rtp) },
		{ "sipxdp_xdp_non_rtp_media_packets_total", "UDP packets on a media endpoint that are not RTP.",
		  offsetof(struct sipxdp_health, non_rtp_media) },
		{ "sipxdp_xdp_rtcp_packets_total", "RTCP-looking packets on a media endpoint.",
		  offsetof(struct sipxdp_health, rtcp) },
		{ "sipxdp_xdp_malformed_packets_total", "Frames with truncated or inconsistent headers.",
		  offsetof(struct sipxdp_health, malformed) },
		{ "sipxdp_xdp_stream_insert_failures_total", "New RTP streams the stream map refused.",
		  offsetof(struct sipxdp_health, stream_insert_fail) },
		{ "sipxdp_xdp_non_ip_packets_total", "Frames that are neither IPv4 nor IPv6.",
		  offsetof(struct sipxdp_health, non_ip) },
		{ "sipxdp_xdp_ip_fragments_total", "IP fragments seen.",
		  offsetof(struct sipxdp_health, ip_fragments) },
		{ "sipxdp_xdp_sip_fragments_total", "Fragments of SIP datagrams sent to user space.",
		  offsetof(struct sipxdp_health, sip_fragments) },
		{ "sipxdp_xdp_fragments_unclaimed_total",
		  "Later IP fragments not preceded by a SIP first fragment (not analysed).",
		  offsetof(struct sipxdp_health, frag_unclaimed) },
		{ "sipxdp_xdp_sip_tcp_segments_total", "TCP segments on SIP ports sent to user space.",
		  offsetof(struct sipxdp_health, sip_tcp) },
		{ "sipxdp_xdp_sip_tls_segments_total", "TCP segments on SIP-over-TLS ports (encrypted, not analysed).",
		  offsetof(struct sipxdp_health, tls) },
		{ "sipxdp_xdp_sip_tls_connections_total", "SIP-over-TLS connections opened (SYN seen).",
		  offsetof(struct sipxdp_health, tls_conns) },
		{ "sipxdp_xdp_ipv6_ext_unparsed_total", "IPv6 packets with a longer extension-header chain than parsed.",
		  offsetof(struct sipxdp_health, ip6_ext_unparsed) },
		{ "sipxdp_xdp_dtmf_events_total", "RFC 4733 event end packets sent to user space.",
		  offsetof(struct sipxdp_health, dtmf_events) },
		{ "sipxdp_xdp_rtp_held_total",
		  "RTP packets held because they arrived before their endpoint was learned.",
		  offsetof(struct sipxdp_health, pending) },
		{ "sipxdp_xdp_rtp_held_claimed_total", "Streams started from held packets once their endpoint was learned.",
		  offsetof(struct sipxdp_health, pending_claimed) },
		{ "sipxdp_xdp_stream_budget_refused_total",
		  "Unpaired RTP streams (one end named by SDP) refused: their endpoint's or all such streams' budget used.",
		  offsetof(struct sipxdp_health, stream_budget_refused) },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		scalar(f, m[i].name, "counter", m[i].help,
		       *(const __u64 *)((const char *)h + m[i].off));
	scalar(f, "sipxdp_events_lost_total", "counter",
	       "Events (SIP, RTCP, DTMF) the kernel could not hand up: the ring buffer was full.",
	       dh->events_lost);
	scalar(f, "sipxdp_events_bad_total", "counter",
	       "Events too short or inconsistent to read.", dh->events_bad);
}

static void write_reasm(FILE *f, const struct reasm_figures *r)
{
	const struct ipfrag_stats *fs = &r->frag;
	const struct tcpsip_stats *ts = &r->tcp;

	scalar(f, "sipxdp_sip_events_invalid_total", "counter",
	       "Events from the kernel whose headers did not add up.", r->events.bad_events);
	scalar(f, "sipxdp_ipfrag_datagrams_total", "counter",
	       "SIP datagrams reassembled from IP fragments.", fs->completed);
	scalar(f, "sipxdp_ipfrag_timed_out_total", "counter",
	       "Incomplete fragmented datagrams given up after the timeout.", fs->timed_out);
	scalar(f, "sipxdp_ipfrag_overlaps_total", "counter",
	       "Fragmented datagrams dropped for overlapping fragments that disagree.", fs->overlaps);
	scalar(f, "sipxdp_ipfrag_dropped_total", "counter",
	       "Fragments dropped: memory or datagram bound reached, or invalid.",
	       fs->dropped_memory + fs->dropped_too_many + fs->invalid);
	scalar(f, "sipxdp_ipfrag_memory_bytes", "gauge", "Bytes held for incomplete datagrams.", r->frag_mem);
	scalar(f, "sipxdp_tcp_sip_messages_total", "counter", "SIP messages cut from TCP streams.",
	       ts->messages);
	scalar(f, "sipxdp_tcp_retransmissions_total", "counter", "TCP retransmissions dropped.",
	       ts->retransmissions);
	scalar(f, "sipxdp_tcp_gaps_skipped_total", "counter",
	       "TCP stream gaps given up on (segments never seen).", ts->gaps_skipped);
	scalar(f, "sipxdp_tcp_dropped_total", "counter",
	       "TCP stream data dropped at the memory bounds or as oversize messages.",
	       ts->dropped_conn_memory + ts->dropped_total_memory + ts->oversize_messages);
	scalar(f, "sipxdp_tcp_connections_total", "counter", "TCP stream directions followed.",
	       ts->connections);
	scalar(f, "sipxdp_tcp_memory_bytes", "gauge", "Bytes buffered for TCP streams.", r->tcp_mem);
}

static void stream_labels(FILE *f, const struct stream_view *v)
{
	const struct stream_rec *s = v->s;
	char src[64], dst[64], ssrc[16];

	snprintf(ssrc, sizeof(ssrc), "0x%08x", s->key.ssrc);
	put_label(f, "call_id", v->call->call_id, 1);
	put_label(f, "ssrc", ssrc, 0);
	put_label(f, "src", addr_port_str(src, sizeof(src), &s->key.src, ntohs(s->key.sport)), 0);
	put_label(f, "dst", addr_port_str(dst, sizeof(dst), &s->key.dst, ntohs(s->key.dport)), 0);
	put_label(f, "codec", v->q.codec, 0);
}

/* Per-call series (--call-series): the validated streams of calls still in progress. */
static bool stream_in_series(const struct stream_view *v)
{
	return v->call && v->call->state != CALL_ENDED && (v->s->st.flags & STREAM_F_VALID);
}

static void write_streams(FILE *f, const struct snapshot *snap)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{ "sipxdp_call_stream_packets_total", "counter", "RTP packets of a stream of an active call." },
		{ "sipxdp_call_stream_lost_packets", "gauge",
		  "Expected minus received packets (RFC 3550 A.3; negative with duplicates)." },
		{ "sipxdp_call_stream_jitter_seconds", "gauge", "RFC 3550 interarrival jitter, current." },
		{ "sipxdp_call_stream_max_jitter_seconds", "gauge", "Largest interarrival jitter seen." },
	};
	unsigned int cap = snap->agent.call_series, in = 0, out = 0;
	size_t i, j;

	scalar(f, "sipxdp_rtp_lost_packets_total", "counter",
	       "RTP packets lost in all streams (losses later made good by late packets are kept).",
	       snap->media.rtp_lost_total);
	scalar(f, "sipxdp_rtp_streams", "gauge", "RTP streams being counted.", snap->rtp_streams);
	scalar(f, "sipxdp_rtp_streams_unattached_total", "counter",
	       "RTP streams on a media endpoint that no followed call claims.", snap->media.streams_unattached);
	scalar(f, "sipxdp_rtp_streams_reaped_total", "counter",
	       "Unattached RTP streams removed after falling silent.", snap->media.streams_reaped);
	scalar(f, "sipxdp_rtp_streams_never_valid_total", "counter",
	       "Of those, streams that never passed RFC 3550 probation (two packets in sequence).",
	       snap->media.streams_never_valid);
	scalar(f, "sipxdp_rtp_streams_refused_total", "counter",
	       "Streams not attached to their call: it had --max-streams-per-call already.",
	       snap->media.streams_refused);
	scalar(f, "sipxdp_rtp_streams_closed_total", "counter",
	       "Streams of an ended call closed because a new call named their endpoint.",
	       snap->media.streams_closed);
	for (j = 0; j < snap->nstreams; j++) {
		if (!stream_in_series(&snap->streams[j]))
			continue;
		if (in < cap)
			in++;
		else
			out++;
	}
	scalar(f, "sipxdp_call_series_omitted", "gauge",
	       "Streams of active calls left out of the per-call series (off, or past --call-series).", out);
	if (!in)
		return;
	for (i = 0; i < ARRAY_SIZE(fam); i++) {
		unsigned int done = 0;

		family(f, fam[i].name, fam[i].type, fam[i].help);
		for (j = 0; j < snap->nstreams && done < in; j++) {
			const struct stream_view *v = &snap->streams[j];
			const struct stream_state *st = &v->s->st;
			double val;

			if (!stream_in_series(v))
				continue;
			done++;
			switch (i) {
			case 0: val = st->packets; break;
			case 1: val = rtp_lost(st); break;
			case 2: val = quality_jitter_ms(st->jitter_q4) / 1e3; break;
			default: val = quality_jitter_ms(st->max_jitter_q4) / 1e3; break;
			}
			fprintf(f, "%s{", fam[i].name);
			stream_labels(f, v);
			fprintf(f, "} %.15g\n", val);
		}
	}
}

static void call_labels(FILE *f, const void *key)
{
	const struct cm_call_key *k = key;

	put_label(f, "peer", k->peer, 1);
	put_label(f, "direction", cm_direction_names[k->dir], 0);
	put_label(f, "interface", k->iface, 0);
}

static void stream_set_labels(FILE *f, const void *key)
{
	const struct cm_stream_key *k = key;

	call_labels(f, &k->c);
	put_label(f, "codec", k->codec, 0);
}

/* A counter of each call label set: field at off in struct cm_call_set. */
static void call_counter(FILE *f, const struct callmetrics *cm, const char *name, const char *help, size_t off)
{
	const struct cm_call_set *s;

	family(f, name, "counter", help);
	for (s = cm->calls; s; s = s->hh.next) {
		series_name(f, name, "", call_labels, &s->key, NULL);
		fprintf(f, " %llu\n", (unsigned long long)*(const uint64_t *)((const char *)s + off));
	}
}

static void write_callmetrics(FILE *f, const struct callmetrics *cm)
{
	static const struct {
		const char *name, *help;
	} sh[CM_NR_STREAM_HIST] = {
		[CM_MOS] = { "sipxdp_stream_mos", "ITU-T G.107 MOS of a stream of a call, when the call was written out." },
		[CM_R_FACTOR] = { "sipxdp_stream_r_factor", "ITU-T G.107 R-factor of a stream, when its call was written out." },
		[CM_JITTER] = { "sipxdp_stream_jitter_seconds", "RFC 3550 interarrival jitter of a stream at its end." },
		[CM_MAX_JITTER] = { "sipxdp_stream_max_jitter_seconds", "Largest interarrival jitter of a stream." },
		[CM_LOSS] = { "sipxdp_stream_loss_ratio", "Packets lost over packets expected (RFC 3550 A.3), per stream." },
		[CM_MAX_DELTA] = { "sipxdp_stream_max_delta_seconds", "Largest gap between two packets of a stream." },
		[CM_RTT] = { "sipxdp_stream_rtcp_rtt_seconds", "RTCP round trip of a stream, where RTCP gave one." },
	}, ch[CM_NR_CALL_HIST] = {
		[CM_PDD] = { "sipxdp_call_post_dial_delay_seconds", "INVITE to the first provisional 18x answer." },
		[CM_SETUP] = { "sipxdp_call_setup_seconds", "INVITE to the 2xx answer." },
		[CM_DURATION] = { "sipxdp_call_duration_seconds", "Answered calls: answer to end." },
	};
	const struct cm_stream_set *ss;
	const struct cm_call_set *cs;
	const struct cm_resp_set *rs;
	unsigned int i;
	int r, m, k;

	for (i = 0; i < CM_NR_STREAM_HIST; i++) {
		family(f, sh[i].name, "histogram", sh[i].help);
		for (ss = cm->streams; ss; ss = ss->hh.next)
			hist_series(f, sh[i].name, stream_set_labels, &ss->key, &cm_stream_bounds[i], &ss->h[i]);
	}
	for (i = 0; i < CM_NR_CALL_HIST; i++) {
		family(f, ch[i].name, "histogram", ch[i].help);
		for (cs = cm->calls; cs; cs = cs->hh.next)
			hist_series(f, ch[i].name, call_labels, &cs->key, &cm_call_bounds[i], &cs->h[i]);
	}
	family(f, "sipxdp_calls_total", "counter", "Calls written out, by how they ended.");
	for (cs = cm->calls; cs; cs = cs->hh.next) {
		for (r = RESULT_COMPLETED; r < RESULT_NR; r++) {
			fputs("sipxdp_calls_total{", f);
			put_label(f, "result", call_result_name(r), 1);
			fputc(',', f);
			call_labels(f, &cs->key);
			fprintf(f, "} %llu\n", (unsigned long long)cs->calls[r]);
		}
	}
	call_counter(f, cm, "sipxdp_calls_answered_total", "Of those, calls answered (2xx).",
		     offsetof(struct cm_call_set, answered));
	call_counter(f, cm, "sipxdp_calls_one_way_media_total",
		     "Answered calls whose RTP flowed in one direction only.", offsetof(struct cm_call_set, one_way));
	call_counter(f, cm, "sipxdp_calls_no_rtp_total", "Answered calls without any RTP.",
		     offsetof(struct cm_call_set, no_rtp));
	call_counter(f, cm, "sipxdp_call_streams_never_valid_total",
		     "Streams of calls that never passed RFC 3550 probation (not in the distributions).",
		     offsetof(struct cm_call_set, never_valid));
	family(f, "sipxdp_sip_responses_total", "counter",
	       "SIP responses by CSeq method, class (challenge: 401 and 407) and peer.");
	for (rs = cm->responses; rs; rs = rs->hh.next) {
		for (m = 0; m < SIP_COUNT_METHODS; m++) {
			for (k = 0; k < CM_NR_CLASSES; k++) {
				if (!rs->n[m][k])
					continue;
				fputs("sipxdp_sip_responses_total{", f);
				put_label(f, "method", sip_method_name(m), 1);
				put_label(f, "class", cm_class_names[k], 0);
				put_label(f, "peer", rs->key, 0);
				fprintf(f, "} %llu\n", (unsigned long long)rs->n[m][k]);
			}
		}
	}
	scalar(f, "sipxdp_metrics_label_sets_overflow_total", "counter",
	       "Observations left out: their table of label sets was full.", cm->overflow);
}

static void write_agent(FILE *f, const struct agent_view *a)
{
	if (a->version) {
		family(f, "sipxdp_build_info", "gauge", "The agent's version and the libbpf it runs with.");
		fputs("sipxdp_build_info{", f);
		put_label(f, "version", a->version, 1);
		put_label(f, "libbpf", a->libbpf ? a->libbpf : "", 0);
		fputs("} 1\n", f);
	}
	scalar(f, "sipxdp_exposition_timestamp_seconds", "gauge", "Unix time this exposition was made.",
	       a->unix_time);
	if (a->textfile) {
		scalar(f, "sipxdp_textfile_last_write_timestamp_seconds", "gauge",
		       "Unix time of the last successful write of the text file (0: none yet).", a->textfile_last_ok);
		scalar(f, "sipxdp_textfile_write_failures_total", "counter", "Writes of the text file that failed.",
		       a->textfile_failures);
	}
	if (a->records) {
		scalar(f, "sipxdp_call_records_written_total", "counter", "Call records written to --calls-json.",
		       a->records_written);
		scalar(f, "sipxdp_call_records_failed_total", "counter",
		       "Call records that could not be built or written.", a->records_failed);
		family(f, "sipxdp_call_records_reopens_total", "counter",
		       "Reopenings of the record file on SIGHUP (log rotation).");
		fprintf(f, "sipxdp_call_records_reopens_total{result=\"ok\"} %llu\n",
			(unsigned long long)a->records_reopens);
		fprintf(f, "sipxdp_call_records_reopens_total{result=\"failed\"} %llu\n",
			(unsigned long long)a->records_reopen_failures);
	}
	if (a->state_file) {
		static const char *const outcome[4] = { "followed", "written_out", "already_written", "refused" };

		family(f, "sipxdp_state_file_writes_total", "counter",
		       "Writes of --state-file (at exit; with --persist every interval).");
		fprintf(f, "sipxdp_state_file_writes_total{result=\"ok\"} %llu\n", (unsigned long long)a->state_writes_ok);
		fprintf(f, "sipxdp_state_file_writes_total{result=\"failed\"} %llu\n",
			(unsigned long long)a->state_writes_failed);
		scalar(f, "sipxdp_state_file_bytes", "gauge", "Size of the last state file written.", a->state_bytes);
		family(f, "sipxdp_state_restored_calls_total", "counter",
		       "Calls of the state files read at start, by what became of them.");
		for (int i = 0; i < 4; i++)
			fprintf(f, "sipxdp_state_restored_calls_total{outcome=\"%s\"} %llu\n", outcome[i],
				(unsigned long long)a->restored[i]);
	}
	if (a->peers) {
		scalar(f, "sipxdp_peer_groups", "gauge", "Peer groups loaded from --peer-groups.", a->peer_groups);
		scalar(f, "sipxdp_peer_groups_reload_success", "gauge",
		       "1 if the last load of the peer groups succeeded, 0 if it failed (the old ones are kept).",
		       a->peers_ok);
		family(f, "sipxdp_peer_groups_reloads_total", "counter", "Reloads of the peer groups (SIGHUP).");
		fprintf(f, "sipxdp_peer_groups_reloads_total{result=\"ok\"} %llu\n",
			(unsigned long long)a->peer_reloads_ok);
		fprintf(f, "sipxdp_peer_groups_reloads_total{result=\"failed\"} %llu\n",
			(unsigned long long)a->peer_reloads_failed);
	}
}

/* One series of each collector (only its TCP ones when tcp_only): NAME{collector=...} value. */
static void hep_series(FILE *f, const struct agent_view *a, const char *name, const char *type, const char *help,
		       bool tcp_only, uint64_t (*value)(const struct hep_collector_stats *))
{
	unsigned int i;

	family(f, name, type, help);
	for (i = 0; i < a->nhep; i++) {
		if (tcp_only && !a->hep_collectors[i].tcp)
			continue;
		fprintf(f, "%s{", name);
		put_label(f, "collector", a->hep_collectors[i].name, 1);
		fprintf(f, "} %llu\n", (unsigned long long)value(&a->hep_collectors[i]));
	}
}

static uint64_t hep_sent(const struct hep_collector_stats *s) { return s->sent; }
static uint64_t hep_bytes(const struct hep_collector_stats *s) { return s->bytes; }
static uint64_t hep_queued(const struct hep_collector_stats *s) { return s->queued_bytes; }
static uint64_t hep_connected(const struct hep_collector_stats *s) { return s->connected; }
static uint64_t hep_reconnects(const struct hep_collector_stats *s) { return s->reconnects; }

/* --hep: what was made, and what became of it at each collector. */
static void write_hep(FILE *f, const struct agent_view *a)
{
	unsigned int i, k;

	if (!a->hep)
		return;
	family(f, "sipxdp_hep_messages_total", "counter",
	       "HEP messages made and queued for every collector: SIP (type 1), RTCP (5), stream quality reports (34).");
	for (k = 0; k < HEPOUT_NR; k++)
		fprintf(f, "sipxdp_hep_messages_total{type=\"%s\"} %llu\n", hepout_kind_names[k],
			(unsigned long long)a->hep->made[k]);
	hep_series(f, a, "sipxdp_hep_sent_total", "counter", "HEP messages handed to the kernel whole, by collector.",
		   false, hep_sent);
	hep_series(f, a, "sipxdp_hep_bytes_total", "counter", "Bytes of those messages.", false, hep_bytes);
	family(f, "sipxdp_hep_dropped_total", "counter",
	       "HEP messages that did not reach a collector, by why: queue_full (slow, down or unreachable), oversize "
	       "(over 65535 bytes), refused (ICMP), send_failed, disconnected (half written), exit (left at exit).");
	for (i = 0; i < a->nhep; i++) {
		for (k = 0; k < HEP_DROP_NR; k++) {
			fputs("sipxdp_hep_dropped_total{", f);
			put_label(f, "collector", a->hep_collectors[i].name, 1);
			put_label(f, "reason", hep_drop_names[k], 0);
			fprintf(f, "} %llu\n", (unsigned long long)a->hep_collectors[i].dropped[k]);
		}
	}
	hep_series(f, a, "sipxdp_hep_queue_bytes", "gauge", "Bytes waiting in a collector's queue (4 MiB at most).",
		   false, hep_queued);
	hep_series(f, a, "sipxdp_hep_connected", "gauge", "1 while the TCP connection to a collector is up.", true,
		   hep_connected);
	hep_series(f, a, "sipxdp_hep_reconnects_total", "counter",
		   "Connection attempts to a collector after the first (TCP: after a failure or a loss).", false,
		   hep_reconnects);
}

static void write_ifaces(FILE *f, const struct snapshot *snap)
{
	int i;

	if (!snap->nifaces)
		return;
	family(f, "sipxdp_interface_up", "gauge",
	       "1 while the interface is attached, up and running; 0 while it is down or gone.");
	for (i = 0; i < snap->nifaces; i++) {
		fputs("sipxdp_interface_up{", f);
		put_label(f, "interface", snap->ifaces[i].name, 1);
		fprintf(f, "} %d\n", snap->ifaces[i].up);
	}
	family(f, "sipxdp_interface_lost_total", "counter", "Times the interface went away or down.");
	for (i = 0; i < snap->nifaces; i++) {
		fputs("sipxdp_interface_lost_total{", f);
		put_label(f, "interface", snap->ifaces[i].name, 1);
		fprintf(f, "} %llu\n", (unsigned long long)snap->ifaces[i].lost);
	}
}

void prom_format(FILE *f, const struct snapshot *snap)
{
	write_agent(f, &snap->agent);
	write_hep(f, &snap->agent);
	write_ifaces(f, snap);
	if (snap->tick_bounds)
		histogram(f, "sipxdp_tick_duration_seconds",
			  "Time the agent's periodic work took: every stream read from the kernel (in batches), "
			  "timeouts, the outputs.", snap->tick_bounds, &snap->tick);
	write_sip(f, &snap->dialog);
	write_calls(f, snap);
	write_health(f, &snap->health);
	write_reasm(f, &snap->reasm);
	write_streams(f, snap);
	if (snap->agent.cm)
		write_callmetrics(f, snap->agent.cm);
}

char *prom_render(const struct snapshot *snap, size_t *len)
{
	char *buf = NULL;
	FILE *f;

	*len = 0;
	if (snap->health_err)
		return NULL;
	f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	prom_format(f, snap);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

int prom_write(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	FILE *f;
	int err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	errno = 0;
	if (fwrite(text, 1, len, f) != len || fflush(f) || ferror(f)) {
		err = errno ? -errno : -EIO;
		fclose(f);
		unlink(tmp);
		return err;
	}
	if (fclose(f)) {
		err = -errno;
		unlink(tmp);
		return err;
	}
	if (rename(tmp, path)) {
		err = -errno;
		unlink(tmp);
		return err;
	}
	return 0;
}
