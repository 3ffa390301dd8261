// SPDX-License-Identifier: GPL-2.0
/*
 * hepjson.c - JSON payloads for HEP (hepjson.h).
 *
 * Field names follow the senders Homer is used to: RTCP as captagent's
 * protocol_rtcp (sender_information, ssrc, type, report_count,
 * report_blocks[] of source_ssrc, highest_seq_no, fraction_lost, ia_jitter,
 * packets_lost, lsr, dlsr) and heplify's report_blocks_xr for RFC 3611
 * VoIP metrics; the NTP timestamp's two words raw, under the names they
 * give them.  Quality reports as the rtpagent reports heplify-server stores
 * for type 34 (TOTAL_PK, EXPECTED_PK, PACKET_LOSS, JITTER, MAX_JITTER,
 * DELTA, MAX_DELTA, MOS, MEAN_MOS, RFACTOR, ...): times in milliseconds,
 * REPORT_TS in Unix seconds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "hepjson.h"
#include "util.h"

/* Dumped as record.c dumps records: the same numbers print the same. */
#define HEPJSON_FLAGS (JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(16))

static char *dump(json_t *o, size_t *len)
{
	char *s;

	if (!o)
		return NULL;
	s = json_dumps(o, HEPJSON_FLAGS);
	json_decref(o);
	if (s)
		*len = strlen(s);
	return s;
}

/*
 * Untrusted bytes as a JSON string: as they are when they are UTF-8
 * (jansson escapes quotes, backslashes, control bytes and NULs), else in
 * their printable form (util.h), or fallback when one is given.
 */
static json_t *bytes_json(const char *p, size_t n, const char *fallback)
{
	json_t *s = json_stringn(p, n);
	char *esc;

	if (s)
		return s;
	if (fallback)
		return json_string(fallback);
	esc = malloc(4 * n + 1);
	if (!esc)
		return NULL;
	escape_printable(esc, 4 * n + 1, p, n);
	s = json_string(esc);
	free(esc);
	return s;
}

static const char *ip_str(char *buf, size_t n, const struct sipxdp_addr *a)
{
	if (addr_is_v4(a))
		return inet_ntop(AF_INET, &a->a[12], buf, n);
	return inet_ntop(AF_INET6, a->a, buf, n);
}

char *hepjson_report(const struct hep_report *r, size_t *len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], ssrc[16];
	json_t *o;

	snprintf(ssrc, sizeof(ssrc), "0x%08x", r->ssrc);
	o = json_pack("{s:o, s:o, s:o, s:s, s:s, s:i, s:s, s:i, s:s, s:i, s:o, s:i, s:i, "
		      "s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f}",
		"CORRELATION_ID", bytes_json(r->call_id, r->call_id_len, r->call_id_printable),
		"RTP_SIP_CALL_ID", bytes_json(r->call_id, r->call_id_len, r->call_id_printable),
		/* Microseconds: what the HEP header carries too. */
		"REPORT_TS", json_real(round((double)r->unix_ns / 1e3) / 1e6),
		"TYPE", r->final ? "FINAL" : "PERIODIC",
		"SRC_IP", ip_str(src, sizeof(src), &r->src),
		"SRC_PORT", (int)r->sport,
		"DST_IP", ip_str(dst, sizeof(dst), &r->dst),
		"DST_PORT", (int)r->dport,
		"SSRC", ssrc,
		"CODEC_PT", (int)r->pt,
		"CODEC_NAME", bytes_json(r->codec, strlen(r->codec), NULL),
		"CLOCK", (int)r->clock_rate,
		"DIR", (int)r->dir,
		"TOTAL_PK", (json_int_t)r->packets,
		"EXPECTED_PK", (json_int_t)r->expected,
		"PACKET_LOSS", (json_int_t)r->lost,
		"TL_BYTE", (json_int_t)r->bytes,
		"OUT_ORDER", (json_int_t)r->out_of_order,
		"JITTER", r->jitter_ms,
		"MAX_JITTER", r->max_jitter_ms,
		"MEAN_JITTER", r->mean_jitter_ms,
		"DELTA", r->delta_ms,
		"MAX_DELTA", r->max_delta_ms);
	if (o && r->has_mos) {
		/* Our figures are the stream's whole so far: its MOS is also its mean. */
		json_object_set_new(o, "MOS", json_real(r->mos));
		json_object_set_new(o, "MEAN_MOS", json_real(r->mos));
		json_object_set_new(o, "RFACTOR", json_real(r->r_factor));
	}
	return dump(o, len);
}

static json_t *report_block(const struct rtcp_report *b)
{
	return json_pack("{s:I, s:I, s:i, s:I, s:I, s:I, s:I}",
		"source_ssrc", (json_int_t)b->ssrc,
		"highest_seq_no", (json_int_t)b->ext_highest_seq,
		"fraction_lost", (int)b->fraction_lost,
		"ia_jitter", (json_int_t)b->jitter,
		"packets_lost", (json_int_t)b->cumulative_lost,
		"lsr", (json_int_t)b->lsr,
		"dlsr", (json_int_t)b->dlsr);
}

static json_t *xr_block(const struct rtcp_xr_voip *v)
{
	return json_pack("{s:i, s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
		"type", 7,
		"id", (json_int_t)v->ssrc,
		"fraction_lost", (int)v->loss_rate,
		"fraction_discard", (int)v->discard_rate,
		"burst_density", (int)v->burst_density,
		"gap_density", (int)v->gap_density,
		"burst_duration", (int)v->burst_duration,
		"gap_duration", (int)v->gap_duration,
		"round_trip_delay", (int)v->round_trip_delay,
		"end_system_delay", (int)v->end_system_delay);
}

char *hepjson_rtcp(const struct rtcp_packet *rp, size_t *len)
{
	json_t *o = json_object(), *blocks = json_array();
	int i;

	if (!o || !blocks) {
		json_decref(o);
		json_decref(blocks);
		return NULL;
	}
	if (rp->has_sr)
		json_object_set_new(o, "sender_information", json_pack("{s:I, s:I, s:I, s:I, s:I}",
			"ntp_timestamp_sec", (json_int_t)(rp->sr.ntp >> 32),
			"ntp_timestamp_usec", (json_int_t)(rp->sr.ntp & 0xffffffffu),
			"octets", (json_int_t)rp->sr.octets,
			"rtp_timestamp", (json_int_t)rp->sr.rtp_ts,
			"packets", (json_int_t)rp->sr.packets));
	if (rp->sender_pt) {
		json_object_set_new(o, "ssrc", json_integer(rp->sender_ssrc));
		json_object_set_new(o, "type", json_integer(rp->sender_pt));
	}
	for (i = 0; i < rp->nreports; i++)
		json_array_append_new(blocks, report_block(&rp->reports[i]));
	json_object_set_new(o, "report_count", json_integer(rp->nreports));
	json_object_set_new(o, "report_blocks", blocks);
	if (rp->nxr_voip)
		json_object_set_new(o, "report_blocks_xr", xr_block(&rp->xr_voip[0]));
	return dump(o, len);
}
