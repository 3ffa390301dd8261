// SPDX-License-Identifier: GPL-2.0
/* Unit tests for user/codec.c (SDP bodies parsed with user/sdp.c). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "codec.h"
#include "sdp.h"

/* SDP of the 200 OK of the second call in Wireshark's sip-rtp-dvi4.pcap. */
static const char dvi4_16k_200ok[] =
	"v=0\r\n"
	"o=FreeSWITCH 1480147848 1480147849 IN IP4 10.0.2.15\r\n"
	"s=FreeSWITCH\r\n"
	"c=IN IP4 10.0.2.15\r\n"
	"t=0 0\r\n"
	"m=audio 25146 RTP/AVP 6 101\r\n"
	"a=rtpmap:6 DVI4/16000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\n"
	"a=sendonly\r\n"
	"a=ptime:20\r\n";

static void test_static_table(void **state)
{
	static const struct { uint8_t pt; const char *name; uint32_t hz; } want[] = {
		{ 0, "PCMU", 8000 }, { 3, "GSM", 8000 }, { 4, "G723", 8000 },
		{ 5, "DVI4", 8000 }, { 6, "DVI4", 16000 }, { 7, "LPC", 8000 },
		{ 8, "PCMA", 8000 }, { 9, "G722", 8000 }, { 10, "L16", 44100 },
		{ 11, "L16", 44100 }, { 12, "QCELP", 8000 }, { 13, "CN", 8000 },
		{ 14, "MPA", 90000 }, { 15, "G728", 8000 }, { 16, "DVI4", 11025 },
		{ 17, "DVI4", 22050 }, { 18, "G729", 8000 }, { 25, "CelB", 90000 },
		{ 26, "JPEG", 90000 }, { 28, "nv", 90000 }, { 31, "H261", 90000 },
		{ 32, "MPV", 90000 }, { 33, "MP2T", 90000 }, { 34, "H263", 90000 },
	};
	static const uint8_t unassigned[] = { 1, 2, 19, 20, 21, 22, 23, 24, 27, 29, 30,
					      35, 72, 95, 96, 101, 127, 128, 255 };
	const char *name;
	uint32_t hz;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		name = NULL;
		hz = 0;
		assert_true(codec_static(want[i].pt, &name, &hz));
		assert_string_equal(name, want[i].name);
		assert_int_equal(hz, want[i].hz);
	}
	for (i = 0; i < sizeof(unassigned); i++) {
		name = "untouched";
		assert_false(codec_static(unassigned[i], &name, &hz));
		assert_string_equal(name, "untouched");
	}
	assert_true(codec_static(0, NULL, NULL));
}

static void test_clock_code(void **state)
{
	uint8_t c;

	(void)state;
	for (c = CLK_NONE + 1; c < CLK_NR; c++)
		assert_int_equal(codec_clock_code(sipxdp_clock_hz[c]), c);
	assert_int_equal(codec_clock_code(8000), CLK_8000);
	assert_int_equal(codec_clock_code(90000), CLK_90000);
	assert_int_equal(codec_clock_code(0), CLK_NONE);
	assert_int_equal(codec_clock_code(7999), CLK_NONE);
	assert_int_equal(codec_clock_code(64000), CLK_NONE);
}

static void test_fill_static_only(void **state)
{
	uint8_t codes[SIPXDP_NR_PT];
	int pt;

	(void)state;
	memset(codes, 0xee, sizeof(codes));
	codec_fill_clock_codes(codes, NULL);
	assert_int_equal(codes[0], CLK_8000);
	assert_int_equal(codes[5], CLK_8000);
	assert_int_equal(codes[6], CLK_16000);
	assert_int_equal(codes[10], CLK_44100);
	assert_int_equal(codes[16], CLK_11025);
	assert_int_equal(codes[17], CLK_22050);
	assert_int_equal(codes[26], CLK_90000);
	assert_int_equal(codes[1], CLK_NONE);
	for (pt = 35; pt < SIPXDP_NR_PT; pt++)
		assert_int_equal(codes[pt], CLK_NONE);
}

static void test_fill_from_sdp(void **state)
{
	static const char body[] =
		"v=0\n"
		"m=audio 5004 RTP/AVP 96 97 98 99 9 8\n"
		"a=rtpmap:96 opus/48000/2\n"
		"a=rtpmap:97 TELEPHONE-EVENT/48000\n"
		"a=rtpmap:98 AMR-WB/16000\n"
		"a=rtpmap:99 weird/64000\n"
		"a=rtpmap:9 G722/16000\n"		/* rtpmap overrides the static clock */
		"a=rtpmap:8 Telephone-Event/8000\n";
	struct sdp_session s;
	uint8_t codes[SIPXDP_NR_PT];

	(void)state;
	assert_int_equal(sdp_parse(dvi4_16k_200ok, strlen(dvi4_16k_200ok), &s), 0);
	codec_fill_clock_codes(codes, &s.media[0]);
	assert_int_equal(codes[6], CLK_16000);
	assert_int_equal(codes[101], CLK_NONE);	/* telephone-event: no jitter */
	assert_int_equal(codes[0], CLK_8000);	/* static types stay */

	assert_int_equal(sdp_parse(body, strlen(body), &s), 0);
	codec_fill_clock_codes(codes, &s.media[0]);
	assert_int_equal(codes[96], CLK_48000);
	assert_int_equal(codes[97], CLK_NONE);
	assert_int_equal(codes[98], CLK_16000);
	assert_int_equal(codes[99], CLK_NONE);
	assert_int_equal(codes[9], CLK_16000);
	assert_int_equal(codes[8], CLK_NONE);
	assert_int_equal(codes[100], CLK_NONE);
	assert_int_equal(codes[0], CLK_8000);
}

static void test_name(void **state)
{
	static const char opus[] = "v=0\nm=audio 1 RTP/AVP 96\na=rtpmap:96 opus/48000/2\n";
	struct sdp_session s;
	char buf[32];

	(void)state;
	assert_int_equal(sdp_parse(dvi4_16k_200ok, strlen(dvi4_16k_200ok), &s), 0);
	assert_string_equal(codec_name(buf, sizeof(buf), &s.media[0], 6), "DVI4/16000");
	assert_string_equal(codec_name(buf, sizeof(buf), &s.media[0], 101), "telephone-event/8000");
	assert_string_equal(codec_name(buf, sizeof(buf), &s.media[0], 0), "PCMU/8000");
	assert_string_equal(codec_name(buf, sizeof(buf), &s.media[0], 96), "PT-96");
	assert_string_equal(codec_name(buf, sizeof(buf), NULL, 5), "DVI4/8000");
	assert_string_equal(codec_name(buf, sizeof(buf), NULL, 10), "L16/44100/2");
	assert_string_equal(codec_name(buf, sizeof(buf), NULL, 11), "L16/44100");
	assert_string_equal(codec_name(buf, sizeof(buf), NULL, 127), "PT-127");
	assert_string_equal(codec_name(buf, sizeof(buf), NULL, 19), "PT-19");

	assert_int_equal(sdp_parse(opus, strlen(opus), &s), 0);
	assert_string_equal(codec_name(buf, sizeof(buf), &s.media[0], 96), "opus/48000/2");
	assert_string_equal(codec_name(buf, 6, &s.media[0], 96), "opus/");
	buf[0] = 'z';
	assert_ptr_equal(codec_name(buf, 0, &s.media[0], 96), buf);
	assert_int_equal(buf[0], 'z');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_table),
		cmocka_unit_test(test_clock_code),
		cmocka_unit_test(test_fill_static_only),
		cmocka_unit_test(test_fill_from_sdp),
		cmocka_unit_test(test_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
