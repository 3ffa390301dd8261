/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hepjson.h - the JSON payloads of the HEP messages that carry no packet:
 * an RTCP compound (protocol type 5) in the shape captagent and heplify
 * send, and a stream's quality report (protocol type 34, Homer's
 * "rtpagent") with the keys Homer's QoS view reads.  Built with jansson,
 * like the call records: Call-IDs and codec names come from strangers and
 * must stay inside their strings.
 */
#ifndef SIPXDP_HEPJSON_H
#define SIPXDP_HEPJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtcp.h"
#include "sipxdp.h"

/* One stream's figures as a report carries them (hepout.c fills it from the call's). */
struct hep_report {
	const char *call_id;		/* the Call-ID as on the wire (bytes) */
	size_t call_id_len;
	const char *call_id_printable;	/* its printable form: written when call_id is not UTF-8 */
	uint64_t unix_ns;		/* REPORT_TS */
	bool final;			/* TYPE: FINAL (the stream's last), else PERIODIC */
	struct sipxdp_addr src, dst;
	uint16_t sport, dport;		/* host order */
	uint32_t ssrc;
	uint8_t pt;
	const char *codec;		/* encoding name, untrusted (SDP); NUL-terminated */
	uint32_t clock_rate;		/* Hz, 0 if unknown */
	uint8_t dir;			/* 0: the caller's side sends, 1: the callee's */
	uint64_t packets, bytes;
	int64_t expected, lost;
	uint64_t out_of_order;
	double jitter_ms, max_jitter_ms, mean_jitter_ms;	/* as the call record has them */
	double delta_ms, max_delta_ms;	/* mean and largest gap between packets */
	bool has_mos;
	double mos, r_factor;
};

/* The report as one JSON object (malloc'd, NUL-terminated, *len without the NUL), or NULL. */
char *hepjson_report(const struct hep_report *r, size_t *len);

/* The compound as one JSON object, or NULL. */
char *hepjson_rtcp(const struct rtcp_packet *rp, size_t *len);

#endif /* SIPXDP_HEPJSON_H */
