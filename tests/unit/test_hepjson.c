// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/hepjson.c: the quality report's keys and values as
 * Homer reads them, hostile Call-IDs and codec names kept inside their
 * strings (quotes, backslashes, control bytes, NULs, bytes that are not
 * UTF-8, 64 KiB), and RTCP in captagent's shape.  Every payload is parsed
 * back with jansson's parser: valid JSON, one object, nothing after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "hepjson.h"
#include "util.h"

static struct sipxdp_addr v4(const char *s)
{
	struct sipxdp_addr a;
	uint8_t b[4];

	assert_int_equal(inet_pton(AF_INET, s, b), 1);
	addr_from_v4(&a, b);
	return a;
}

/* Parse a payload strictly: one object, the whole of len, no NUL inside the text. */
static json_t *parse(const char *s, size_t len)
{
	json_error_t err;
	json_t *o;

	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	o = json_loadb(s, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	if (!o)
		fail_msg("not JSON: %s at %d: %.200s", err.text, err.position, s);
	assert_true(json_is_object(o));
	return o;
}

static struct hep_report base(void)
{
	return (struct hep_report){
		.call_id = "abc@host", .call_id_len = 8, .call_id_printable = "abc@host",
		.unix_ns = 1700000000123456789ULL, .src = v4("10.10.1.2"), .dst = v4("10.10.2.2"),
		.sport = 6000, .dport = 6002, .ssrc = 0x01020304, .pt = 8, .codec = "PCMA", .clock_rate = 8000,
		.packets = 1000, .bytes = 160000, .expected = 1003, .lost = 3, .out_of_order = 1,
		.jitter_ms = 0.123456, .max_jitter_ms = 1.5, .mean_jitter_ms = 0.2, .delta_ms = 20.0009,
		.max_delta_ms = 35.25, .has_mos = true, .mos = 4.12, .r_factor = 85.3,
	};
}

static void test_report_keys(void **state)
{
	struct hep_report r = base();
	json_t *o;
	size_t len;
	char *s;

	(void)state;
	s = hepjson_report(&r, &len);
	o = parse(s, len);
	assert_string_equal(json_string_value(json_object_get(o, "CORRELATION_ID")), "abc@host");
	assert_string_equal(json_string_value(json_object_get(o, "RTP_SIP_CALL_ID")), "abc@host");
	assert_string_equal(json_string_value(json_object_get(o, "TYPE")), "PERIODIC");
	assert_true(json_real_value(json_object_get(o, "REPORT_TS")) == 1700000000.123457);
	assert_string_equal(json_string_value(json_object_get(o, "SRC_IP")), "10.10.1.2");
	assert_int_equal(json_integer_value(json_object_get(o, "SRC_PORT")), 6000);
	assert_string_equal(json_string_value(json_object_get(o, "DST_IP")), "10.10.2.2");
	assert_int_equal(json_integer_value(json_object_get(o, "DST_PORT")), 6002);
	assert_string_equal(json_string_value(json_object_get(o, "SSRC")), "0x01020304");
	assert_int_equal(json_integer_value(json_object_get(o, "CODEC_PT")), 8);
	assert_string_equal(json_string_value(json_object_get(o, "CODEC_NAME")), "PCMA");
	assert_int_equal(json_integer_value(json_object_get(o, "CLOCK")), 8000);
	assert_int_equal(json_integer_value(json_object_get(o, "DIR")), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "TOTAL_PK")), 1000);
	assert_int_equal(json_integer_value(json_object_get(o, "EXPECTED_PK")), 1003);
	assert_int_equal(json_integer_value(json_object_get(o, "PACKET_LOSS")), 3);
	assert_int_equal(json_integer_value(json_object_get(o, "TL_BYTE")), 160000);
	assert_int_equal(json_integer_value(json_object_get(o, "OUT_ORDER")), 1);
	assert_true(json_real_value(json_object_get(o, "JITTER")) == 0.123456);
	assert_true(json_real_value(json_object_get(o, "MAX_JITTER")) == 1.5);
	assert_true(json_real_value(json_object_get(o, "MEAN_JITTER")) == 0.2);
	assert_true(json_real_value(json_object_get(o, "DELTA")) == 20.0009);
	assert_true(json_real_value(json_object_get(o, "MAX_DELTA")) == 35.25);
	assert_true(json_real_value(json_object_get(o, "MOS")) == 4.12);
	assert_true(json_real_value(json_object_get(o, "MEAN_MOS")) == 4.12);
	assert_true(json_real_value(json_object_get(o, "RFACTOR")) == 85.3);
	json_decref(o);
	free(s);

	/* The final report says so; a codec without an E-model has no MOS keys at all. */
	r.final = true;
	r.has_mos = false;
	r.lost = -2;	/* duplicates: lost is negative, as in the record */
	s = hepjson_report(&r, &len);
	o = parse(s, len);
	assert_string_equal(json_string_value(json_object_get(o, "TYPE")), "FINAL");
	assert_null(json_object_get(o, "MOS"));
	assert_null(json_object_get(o, "MEAN_MOS"));
	assert_null(json_object_get(o, "RFACTOR"));
	assert_int_equal(json_integer_value(json_object_get(o, "PACKET_LOSS")), -2);
	json_decref(o);
	free(s);
}

/* A Call-ID of bytes id[0..n): the report parses and CORRELATION_ID is want[0..wn) exactly. */
static void check_call_id(const char *id, size_t n, const char *printable, const char *want, size_t wn)
{
	struct hep_report r = base();
	json_t *o, *v;
	size_t len;
	char *s;

	r.call_id = id;
	r.call_id_len = n;
	r.call_id_printable = printable;
	s = hepjson_report(&r, &len);
	o = parse(s, len);
	/* Nothing escaped its string: the keys are still the report's, and only its own. */
	assert_int_equal(json_object_size(o), 26);
	v = json_object_get(o, "CORRELATION_ID");
	assert_true(json_is_string(v));
	assert_int_equal(json_string_length(v), wn);
	assert_memory_equal(json_string_value(v), want, wn);
	assert_int_equal(json_integer_value(json_object_get(o, "TOTAL_PK")), 1000);
	json_decref(o);
	free(s);
}

static void test_hostile_call_ids(void **state)
{
	static const char quotes[] = "\"},\"TOTAL_PK\":0,\"x\":\"";
	static const char mixed[] = "a\\\"b\\\\c\r\n\t\x01\x1f\x7f</script>";
	static const char nul[] = "before\0after";
	static const char utf8[] = "caf\xc3\xa9-\xe2\x82\xac@h";
	static const char not_utf8[] = "bad\xff\xfe@h";
	char *big;

	(void)state;
	check_call_id(quotes, sizeof(quotes) - 1, "p", quotes, sizeof(quotes) - 1);
	check_call_id(mixed, sizeof(mixed) - 1, "p", mixed, sizeof(mixed) - 1);
	check_call_id(nul, sizeof(nul) - 1, "p", nul, sizeof(nul) - 1);
	check_call_id(utf8, sizeof(utf8) - 1, "p", utf8, sizeof(utf8) - 1);
	/* Not UTF-8: JSON cannot hold it; the call's printable form stands in. */
	check_call_id(not_utf8, sizeof(not_utf8) - 1, "bad\\xff\\xfe@h", "bad\\xff\\xfe@h", 13);
	/* 64 KiB of quotes and backslashes. */
	big = malloc(65536);
	assert_non_null(big);
	for (size_t i = 0; i < 65536; i++)
		big[i] = i % 3 ? '"' : '\\';
	check_call_id(big, 65536, "p", big, 65536);
	free(big);
}

static void test_hostile_codec(void **state)
{
	static const char *const codecs[] = { "PCMA\",\"MOS\":5,\"", "x\\", "\x01\x02", "\xff\xfe", "" };
	struct hep_report r = base();
	json_t *o;
	size_t len, i;
	char *s;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(codecs); i++) {
		r.codec = codecs[i];
		s = hepjson_report(&r, &len);
		o = parse(s, len);
		assert_int_equal(json_object_size(o), 26);
		assert_true(json_real_value(json_object_get(o, "MOS")) == 4.12);
		if (i < 3)
			assert_string_equal(json_string_value(json_object_get(o, "CODEC_NAME")), codecs[i]);
		else if (i == 3)
			assert_string_equal(json_string_value(json_object_get(o, "CODEC_NAME")), "\\xff\\xfe");
		json_decref(o);
		free(s);
	}
}

static void test_rtcp_sr(void **state)
{
	struct rtcp_packet rp = {
		.sender_ssrc = 0x11223344, .sender_pt = 200, .has_sr = true,
		.sr = { .ntp = 0xe1a2b3c480000000ULL, .rtp_ts = 0x01020304, .packets = 1000, .octets = 160000 },
		.nreports = 2,
		.reports = {
			{ .ssrc = 0xaabbccdd, .fraction_lost = 25, .cumulative_lost = 12, .ext_highest_seq = 0x1ffff,
			  .jitter = 80, .lsr = 0xb3c48000, .dlsr = 0x18000 },
			{ .ssrc = 0x55667788, .cumulative_lost = -3, .ext_highest_seq = 70000 },
		},
		.nxr_voip = 1,
		.xr_voip = { { .ssrc = 0x99, .loss_rate = 12, .discard_rate = 3, .burst_density = 4, .gap_density = 5,
			       .burst_duration = 100, .gap_duration = 2000, .round_trip_delay = 45,
			       .end_system_delay = 60 } },
	};
	json_t *o, *si, *b, *xr;
	size_t len;
	char *s;

	(void)state;
	s = hepjson_rtcp(&rp, &len);
	o = parse(s, len);
	si = json_object_get(o, "sender_information");
	assert_int_equal(json_integer_value(json_object_get(si, "ntp_timestamp_sec")), 0xe1a2b3c4);
	assert_int_equal(json_integer_value(json_object_get(si, "ntp_timestamp_usec")), 0x80000000);
	assert_int_equal(json_integer_value(json_object_get(si, "octets")), 160000);
	assert_int_equal(json_integer_value(json_object_get(si, "rtp_timestamp")), 0x01020304);
	assert_int_equal(json_integer_value(json_object_get(si, "packets")), 1000);
	assert_int_equal(json_integer_value(json_object_get(o, "ssrc")), 0x11223344);
	assert_int_equal(json_integer_value(json_object_get(o, "type")), 200);
	assert_int_equal(json_integer_value(json_object_get(o, "report_count")), 2);
	b = json_array_get(json_object_get(o, "report_blocks"), 0);
	assert_int_equal(json_integer_value(json_object_get(b, "source_ssrc")), 0xaabbccdd);
	assert_int_equal(json_integer_value(json_object_get(b, "highest_seq_no")), 0x1ffff);
	assert_int_equal(json_integer_value(json_object_get(b, "fraction_lost")), 25);
	assert_int_equal(json_integer_value(json_object_get(b, "ia_jitter")), 80);
	assert_int_equal(json_integer_value(json_object_get(b, "packets_lost")), 12);
	assert_int_equal(json_integer_value(json_object_get(b, "lsr")), 0xb3c48000);
	assert_int_equal(json_integer_value(json_object_get(b, "dlsr")), 0x18000);
	b = json_array_get(json_object_get(o, "report_blocks"), 1);
	assert_int_equal(json_integer_value(json_object_get(b, "packets_lost")), -3);
	assert_int_equal(json_array_size(json_object_get(o, "report_blocks")), 2);
	xr = json_object_get(o, "report_blocks_xr");
	assert_int_equal(json_integer_value(json_object_get(xr, "type")), 7);
	assert_int_equal(json_integer_value(json_object_get(xr, "id")), 0x99);
	assert_int_equal(json_integer_value(json_object_get(xr, "fraction_lost")), 12);
	assert_int_equal(json_integer_value(json_object_get(xr, "round_trip_delay")), 45);
	json_decref(o);
	free(s);
}

/* An RR with no block, and a compound with no SR/RR at all (reduced size): no sender keys then. */
static void test_rtcp_rr_and_none(void **state)
{
	struct rtcp_packet rp = { .sender_ssrc = 7, .sender_pt = 201 };
	json_t *o;
	size_t len;
	char *s;

	(void)state;
	s = hepjson_rtcp(&rp, &len);
	o = parse(s, len);
	assert_null(json_object_get(o, "sender_information"));
	assert_int_equal(json_integer_value(json_object_get(o, "type")), 201);
	assert_int_equal(json_integer_value(json_object_get(o, "ssrc")), 7);
	assert_int_equal(json_integer_value(json_object_get(o, "report_count")), 0);
	assert_int_equal(json_array_size(json_object_get(o, "report_blocks")), 0);
	assert_null(json_object_get(o, "report_blocks_xr"));
	json_decref(o);
	free(s);
	rp = (struct rtcp_packet){ .has_bye = true };
	s = hepjson_rtcp(&rp, &len);
	o = parse(s, len);
	assert_null(json_object_get(o, "ssrc"));
	assert_null(json_object_get(o, "type"));
	json_decref(o);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_keys),
		cmocka_unit_test(test_hostile_call_ids),
		cmocka_unit_test(test_hostile_codec),
		cmocka_unit_test(test_rtcp_sr),
		cmocka_unit_test(test_rtcp_rr_and_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
