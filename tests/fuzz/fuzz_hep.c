// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_hep.c - libFuzzer target for user/hep.c and user/hepjson.c: what
 * strangers' bytes become on the way to a Homer.
 *
 * The input is cut into fields at 0xfe bytes: a Call-ID, a codec name, a
 * SIP payload, a key, a node name, and the rest read as an RTCP compound.
 * Then:
 *  - the HEP message of those fields, in a buffer of exactly its length,
 *    walks back (hep_next_chunk) into the same fields, its lengths adding
 *    up; past 65535 bytes it is refused whole;
 *  - the quality report with that Call-ID and codec parses back as JSON
 *    (jansson's own parser), one object of exactly its keys, the Call-ID
 *    its CORRELATION_ID byte for byte when it is UTF-8 and its printable
 *    form when not, the codec likewise;
 *  - the RTCP, when it parses, is JSON whose report_count is its blocks';
 *  - the walker runs on the input as it is (heap copy of exactly its size).
 * A broken invariant prints itself and traps.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "fuzz.h"
#include "hep.h"
#include "hepjson.h"
#include "rtcp.h"
#include "util.h"

#define NFIELDS 6

static void check_hep(const uint8_t *f[NFIELDS], const size_t n[NFIELDS])
{
	struct hep_msg m = {
		.ip_proto = 17, .proto_type = HEP_PROTO_SIP, .unix_ns = 1700000000123456789ULL,
		.correlation = (const char *)f[0], .correlation_len = n[0], .payload = f[2], .payload_len = n[2],
		.auth = (const char *)f[3], .auth_len = n[3], .node = (const char *)f[4], .node_len = n[4],
		.has_mos = n[1] & 1, .mos = (uint16_t)n[1],
	};
	size_t len = hep_encoded_len(&m), off = 0, seen = 0;
	struct hep_chunk c;
	uint8_t *b;
	int rc;

	m.src.a[15] = 1;
	m.dst.a[0] = 0x20;
	b = malloc(len);
	if (!b)
		abort();
	rc = hep_encode(&m, b, len);
	if (len > HEP_MAX_LEN) {
		check(rc == -EMSGSIZE);
		free(b);
		return;
	}
	check(rc == (int)len);
	check(hep_total_len(b) == len);
	while ((rc = hep_next_chunk(b, len, &off, &c)) == 1) {
		check(c.vendor == 0);
		switch (c.type) {
		case HEP_CHUNK_PAYLOAD:
			check(c.len == n[2] && (!n[2] || !memcmp(c.val, f[2], n[2])));
			seen |= 1;
			break;
		case HEP_CHUNK_CORRELATION:
			check(n[0] && c.len == n[0] && !memcmp(c.val, f[0], n[0]));
			seen |= 2;
			break;
		case HEP_CHUNK_AUTH_KEY:
			check(n[3] && c.len == n[3] && !memcmp(c.val, f[3], n[3]));
			seen |= 4;
			break;
		case HEP_CHUNK_NODE_NAME:
			check(n[4] && c.len == n[4] && !memcmp(c.val, f[4], n[4]));
			seen |= 8;
			break;
		case HEP_CHUNK_MOS:
			check(m.has_mos && c.len == 2 && get_be16(c.val) == m.mos);
			seen |= 16;
			break;
		case HEP_CHUNK_SRC_IP6:
			check(c.len == 16 && c.val[15] == 1);
			break;
		}
	}
	check(rc == 0 && off == len);
	check(seen == (1u | (n[0] ? 2 : 0) | (n[3] ? 4 : 0) | (n[4] ? 8 : 0) | (m.has_mos ? 16 : 0)));
	free(b);
}

/* s is exactly want[0..n) when that is UTF-8 (jansson's test of it), else the printable form. */
static void check_string(json_t *s, const uint8_t *want, size_t n, const char *printable)
{
	json_t *probe = json_stringn((const char *)want, n);

	check(json_is_string(s));
	if (probe) {
		check(json_string_length(s) == n && (!n || !memcmp(json_string_value(s), want, n)));
		json_decref(probe);
	} else {
		check(!strcmp(json_string_value(s), printable));
	}
}

static void check_report(const uint8_t *f[NFIELDS], const size_t n[NFIELDS])
{
	char *printable = malloc(4 * n[0] + 1), *codec = malloc(n[1] + 1), *codec_p = malloc(4 * n[1] + 1), *s;
	struct hep_report r = { .ssrc = 1, .pt = 8, .packets = 10, .expected = 11, .lost = 1, .has_mos = n[2] & 1,
				.mos = 4.2, .r_factor = 88 };
	json_error_t err;
	json_t *o;
	size_t len;

	if (!printable || !codec || !codec_p)
		abort();
	escape_printable(printable, 4 * n[0] + 1, (const char *)f[0], n[0]);
	/* A codec name is a C string: up to its first NUL. */
	memcpy(codec, f[1], n[1]);
	codec[n[1]] = '\0';
	escape_printable(codec_p, 4 * n[1] + 1, codec, strlen(codec));
	r.call_id = (const char *)f[0];
	r.call_id_len = n[0];
	r.call_id_printable = printable;
	r.codec = codec;
	s = hepjson_report(&r, &len);
	check(s);
	check(strlen(s) == len);
	o = json_loadb(s, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	check(o && json_is_object(o));
	check(json_object_size(o) == (r.has_mos ? 26u : 23u));
	check_string(json_object_get(o, "CORRELATION_ID"), f[0], n[0], printable);
	check_string(json_object_get(o, "RTP_SIP_CALL_ID"), f[0], n[0], printable);
	check_string(json_object_get(o, "CODEC_NAME"), (const uint8_t *)codec, strlen(codec), codec_p);
	check(json_integer_value(json_object_get(o, "TOTAL_PK")) == 10);
	json_decref(o);
	free(s);
	free(printable);
	free(codec);
	free(codec_p);
}

static void check_rtcp(const uint8_t *p, size_t n)
{
	struct rtcp_packet rp;
	json_error_t err;
	json_t *o;
	size_t len;
	char *s;

	if (rtcp_parse(p, n, &rp))
		return;
	s = hepjson_rtcp(&rp, &len);
	check(s);
	o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &err);
	check(o && json_is_object(o));
	check(json_integer_value(json_object_get(o, "report_count")) == rp.nreports);
	check(json_array_size(json_object_get(o, "report_blocks")) == (size_t)rp.nreports);
	json_decref(o);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = dup_exact(data, size), *copy[NFIELDS];
	const uint8_t *f[NFIELDS];
	size_t n[NFIELDS], off = 0, i;
	struct hep_chunk c;

	/* Fields at 0xfe bytes; the last takes the rest. */
	for (i = 0; i < NFIELDS; i++) {
		const uint8_t *end = i + 1 < NFIELDS ? memchr(p + off, 0xfe, size - off) : NULL;
		size_t len = end ? (size_t)(end - (p + off)) : size - off;

		copy[i] = dup_exact(p + off, len);
		f[i] = copy[i];
		n[i] = len;
		off += len + (end != NULL);
		if (off > size)
			off = size;
	}
	check_hep(f, n);
	check_report(f, n);
	check_rtcp(f[5], n[5]);
	off = 0;
	while (hep_next_chunk(p, size, &off, &c) == 1)
		check(off <= size && c.val + c.len <= p + size);
	for (i = 0; i < NFIELDS; i++)
		free(copy[i]);
	free(p);
	return 0;
}
