// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/sdp.c.  Bodies are copied into exact-size heap buffers
 * so ASan catches reads past len.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sdp.h"

#ifndef SDP_CORPUS_DIR
#define SDP_CORPUS_DIR "../shared/data/sdp"	/* relative to the repository, where tests run */
#endif

/*
 * SDP bodies from Wireshark's sip-rtp-dvi4.pcap (sipp calling FreeSWITCH):
 * INVITE and 200 OK of the first call (DVI4/8000), 200 OK of the second.
 */
static const char dvi4_invite[] =
	"v=0\r\n"
	"o=- 42 42 IN IP4 10.0.2.20\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.2.20\r\n"
	"t=0 0\r\n"
	"m=audio 6000 RTP/AVP 5\r\n"
	"a=rtpmap:5 DVI4/8000\r\n"
	"a=recvonly\r\n";

static const char dvi4_200ok[] =
	"v=0\r\n"
	"o=FreeSWITCH 1480142495 1480142496 IN IP4 10.0.2.15\r\n"
	"s=FreeSWITCH\r\n"
	"c=IN IP4 10.0.2.15\r\n"
	"t=0 0\r\n"
	"m=audio 30490 RTP/AVP 5 101\r\n"
	"a=rtpmap:5 DVI4/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\n"
	"a=sendonly\r\n"
	"a=ptime:20\r\n";

/* SDP of the 200 OK of the second call (DVI4/16000). */
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

static int parse(const char *body, struct sdp_session *s)
{
	size_t len = strlen(body);
	char *b = malloc(len ? len : 1);
	int rc;

	assert_non_null(b);
	memcpy(b, body, len);
	rc = sdp_parse(b, len, s);
	free(b);	/* results are copies: nothing may point into b */
	return rc;
}

static void assert_v4(const struct sdp_conn *c, const char *dotted)
{
	uint8_t want[16] = { [10] = 0xff, [11] = 0xff };

	assert_non_null(c);
	assert_true(c->present);
	assert_int_equal(c->family, 4);
	assert_int_equal(inet_pton(AF_INET, dotted, &want[12]), 1);
	assert_memory_equal(c->addr.a, want, 16);
}

static void assert_v6(const struct sdp_conn *c, const char *text)
{
	uint8_t want[16];

	assert_non_null(c);
	assert_true(c->present);
	assert_int_equal(c->family, 6);
	assert_int_equal(inet_pton(AF_INET6, text, want), 1);
	assert_memory_equal(c->addr.a, want, 16);
}

static void test_pcap_invite(void **state)
{
	struct sdp_session s;
	const struct sdp_media *m = &s.media[0];

	(void)state;
	assert_int_equal(parse(dvi4_invite, &s), 0);
	assert_v4(&s.conn, "10.0.2.20");
	assert_int_equal(s.dir, SDP_DIR_NONE);
	assert_int_equal(s.nmedia, 1);
	assert_int_equal(s.nmedia_dropped, 0);
	assert_string_equal(m->type, "audio");
	assert_int_equal(m->port, 6000);
	assert_int_equal(m->nports, 1);
	assert_string_equal(m->proto, "RTP/AVP");
	assert_int_equal(m->nfmt, 1);
	assert_int_equal(m->fmt[0], 5);
	assert_int_equal(m->nrtpmap, 1);
	assert_int_equal(m->rtpmap[0].pt, 5);
	assert_string_equal(m->rtpmap[0].encoding, "DVI4");
	assert_int_equal(m->rtpmap[0].clock_rate, 8000);
	assert_int_equal(m->rtpmap[0].channels, 0);
	assert_int_equal(m->nfmtp, 0);
	assert_int_equal(m->ptime, 0);
	assert_int_equal(m->dir, SDP_DIR_RECVONLY);
	assert_false(m->conn.present);
	assert_ptr_equal(sdp_media_conn(&s, 0), &s.conn);
	assert_int_equal(sdp_media_dir(&s, 0), SDP_DIR_RECVONLY);
}

static void test_pcap_200ok(void **state)
{
	struct sdp_session s;
	const struct sdp_media *m = &s.media[0];

	(void)state;
	assert_int_equal(parse(dvi4_200ok, &s), 0);
	assert_v4(sdp_media_conn(&s, 0), "10.0.2.15");
	assert_int_equal(s.nmedia, 1);
	assert_int_equal(m->port, 30490);
	assert_int_equal(m->nfmt, 2);
	assert_int_equal(m->fmt[0], 5);
	assert_int_equal(m->fmt[1], 101);
	assert_int_equal(m->nrtpmap, 2);
	assert_int_equal(m->rtpmap[1].pt, 101);
	assert_string_equal(m->rtpmap[1].encoding, "telephone-event");
	assert_int_equal(m->rtpmap[1].clock_rate, 8000);
	assert_ptr_equal(sdp_rtpmap_find(m, 101), &m->rtpmap[1]);
	assert_null(sdp_rtpmap_find(m, 0));
	assert_int_equal(m->nfmtp, 1);
	assert_int_equal(m->fmtp[0].pt, 101);
	assert_string_equal(m->fmtp[0].params, "0-16");
	assert_int_equal(m->ptime, 20);
	assert_int_equal(sdp_media_dir(&s, 0), SDP_DIR_SENDONLY);

	assert_int_equal(parse(dvi4_16k_200ok, &s), 0);
	assert_v4(sdp_media_conn(&s, 0), "10.0.2.15");
	assert_int_equal(m->port, 25146);
	assert_int_equal(m->nfmt, 2);
	assert_int_equal(m->fmt[0], 6);
	assert_int_equal(m->rtpmap[0].pt, 6);
	assert_string_equal(m->rtpmap[0].encoding, "DVI4");
	assert_int_equal(m->rtpmap[0].clock_rate, 16000);
	assert_int_equal(m->ptime, 20);
	assert_int_equal(sdp_media_dir(&s, 0), SDP_DIR_SENDONLY);
}

static void test_session_vs_media_conn(void **state)
{
	static const char body[] =
		"v=0\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"a=inactive\r\n"
		"m=audio 4000 RTP/AVP 0\r\n"
		"m=video 4002 RTP/AVP 31\r\n"
		"c=IN IP4 198.51.100.7/127/3\r\n"
		"a=sendrecv\r\n"
		"m=audio 4004 RTP/AVP 8\r\n"
		"c=IN IP6 2001:db8::7\r\n";
	struct sdp_session s;

	(void)state;
	assert_int_equal(parse(body, &s), 0);
	assert_int_equal(s.nmedia, 3);
	assert_v4(&s.conn, "192.0.2.1");
	assert_v4(sdp_media_conn(&s, 0), "192.0.2.1");
	assert_v4(sdp_media_conn(&s, 1), "198.51.100.7");
	assert_v6(sdp_media_conn(&s, 2), "2001:db8::7");
	assert_v4(&s.conn, "192.0.2.1");	/* media c= left session c= alone */
	assert_int_equal(s.dir, SDP_DIR_INACTIVE);
	assert_int_equal(sdp_media_dir(&s, 0), SDP_DIR_INACTIVE);
	assert_int_equal(sdp_media_dir(&s, 1), SDP_DIR_SENDRECV);
	assert_int_equal(sdp_media_dir(&s, 2), SDP_DIR_INACTIVE);
	assert_string_equal(s.media[1].type, "video");
	assert_null(sdp_media_conn(&s, 3));
	assert_null(sdp_media_conn(&s, -1));
	assert_int_equal(sdp_media_dir(&s, 3), SDP_DIR_NONE);
}

static void test_ipv6_and_no_conn(void **state)
{
	struct sdp_session s;

	(void)state;
	assert_int_equal(parse("v=0\nc=IN IP6 ::1\nm=audio 5004 RTP/AVP 0\n", &s), 0);
	assert_v6(sdp_media_conn(&s, 0), "::1");
	assert_int_equal(parse("v=0\nc=in ip6 fe80::1:2:3:4\n", &s), 0);	/* case-insensitive */
	assert_v6(&s.conn, "fe80::1:2:3:4");
	assert_int_equal(s.nmedia, 0);

	/* No c= anywhere: the effective connection is there but not present. */
	assert_int_equal(parse("v=0\nm=audio 5004 RTP/AVP 0\n", &s), 0);
	assert_non_null(sdp_media_conn(&s, 0));
	assert_false(sdp_media_conn(&s, 0)->present);
	assert_int_equal(sdp_media_dir(&s, 0), SDP_DIR_SENDRECV);
}

static void test_media_lines(void **state)
{
	char body[2048];
	struct sdp_session s;
	int i, n = 0;

	(void)state;
	assert_int_equal(parse("v=0\r\nm=audio 5000/2 RTP/AVP 0 8\r\nm=video 0 RTP/AVP 96\r\n"
			       "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
			       "m=audio 7000 RTP/AVP 0 foo 128 255 127 *\r\n", &s), 0);
	assert_int_equal(s.nmedia, 4);
	assert_int_equal(s.media[0].port, 5000);
	assert_int_equal(s.media[0].nports, 2);
	assert_int_equal(s.media[0].nfmt, 2);
	assert_int_equal(s.media[0].fmt[1], 8);
	assert_int_equal(s.media[1].port, 0);
	assert_string_equal(s.media[2].type, "application");
	assert_string_equal(s.media[2].proto, "UDP/DTLS/SCTP");
	assert_int_equal(s.media[2].nfmt, 0);
	assert_int_equal(s.media[3].nfmt, 2);
	assert_int_equal(s.media[3].fmt[0], 0);
	assert_int_equal(s.media[3].fmt[1], 127);

	/* More media than fit: counted, their attributes not put anywhere else. */
	n += snprintf(body + n, sizeof(body) - (size_t)n, "v=0\r\n");
	for (i = 0; i < SDP_MAX_MEDIA + 2; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n,
			      "m=audio %d RTP/AVP 0\r\na=ptime:%d\r\nc=IN IP4 10.0.0.%d\r\n",
			      6000 + 2 * i, 10 + i, i + 1);
	assert_int_equal(parse(body, &s), 0);
	assert_int_equal(s.nmedia, SDP_MAX_MEDIA);
	assert_int_equal(s.nmedia_dropped, 2);
	assert_int_equal(s.media[SDP_MAX_MEDIA - 1].port, 6000 + 2 * (SDP_MAX_MEDIA - 1));
	assert_int_equal(s.media[SDP_MAX_MEDIA - 1].ptime, 10 + SDP_MAX_MEDIA - 1);
	assert_v4(&s.media[SDP_MAX_MEDIA - 1].conn, "10.0.0.8");

	/* More fmts than fit: the first SDP_MAX_FMT kept. */
	n = snprintf(body, sizeof(body), "v=0\nm=audio 1 RTP/AVP");
	for (i = 0; i < SDP_MAX_FMT + 5; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n, " %d", i);
	assert_int_equal(parse(body, &s), 0);
	assert_int_equal(s.media[0].nfmt, SDP_MAX_FMT);
	assert_int_equal(s.media[0].fmt[SDP_MAX_FMT - 1], SDP_MAX_FMT - 1);
}

static void test_attributes(void **state)
{
	static const char body[] =
		"v=0\n"
		"a=recvonly\n"
		"a=rtpmap:96 ignored-at-session/8000\n"
		"m=audio 5004 RTP/AVP 111 0 9 31 100\n"
		"a=rtpmap:111 opus/48000/2\n"
		"a=rtpmap:9 G722/8000\n"
		"a=rtpmap:31 LPC\n"			/* no clock: dropped */
		"a=rtpmap:200 X/8000\n"			/* pt out of range: dropped */
		"a=rtpmap:100 averyveryveryverylongencodingname-over-31/16000\n"
		"a=fmtp:111   minptime=10;useinbandfec=1  \n"
		"a=fmtp:0 " "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		"a=fmtp:x bad\n"
		"a=ptime:30\n"
		"a=maxptime:60\n"
		"a=sendonly\n"
		"m=video 5006 RTP/AVP 96\n"
		"a=ptime:abc\n";
	struct sdp_session s;
	const struct sdp_media *m = &s.media[0];

	(void)state;
	assert_int_equal(parse(body, &s), 0);
	assert_int_equal(s.dir, SDP_DIR_RECVONLY);
	assert_int_equal(m->nrtpmap, 3);
	assert_int_equal(m->rtpmap[0].pt, 111);
	assert_string_equal(m->rtpmap[0].encoding, "opus");
	assert_int_equal(m->rtpmap[0].clock_rate, 48000);
	assert_int_equal(m->rtpmap[0].channels, 2);
	assert_string_equal(m->rtpmap[1].encoding, "G722");
	assert_int_equal(m->rtpmap[2].pt, 100);
	assert_int_equal(strlen(m->rtpmap[2].encoding), sizeof(m->rtpmap[2].encoding) - 1);
	assert_int_equal(m->rtpmap[2].clock_rate, 16000);
	assert_int_equal(m->nfmtp, 2);
	assert_int_equal(m->fmtp[0].pt, 111);
	assert_string_equal(m->fmtp[0].params, "minptime=10;useinbandfec=1");
	assert_int_equal(strlen(m->fmtp[1].params), sizeof(m->fmtp[1].params) - 1);
	assert_int_equal(m->ptime, 30);
	assert_int_equal(m->dir, SDP_DIR_SENDONLY);
	assert_int_equal(sdp_media_dir(&s, 0), SDP_DIR_SENDONLY);
	assert_int_equal(s.media[1].ptime, 0);
	assert_int_equal(s.media[1].dir, SDP_DIR_NONE);
	assert_int_equal(sdp_media_dir(&s, 1), SDP_DIR_RECVONLY);	/* from session */

	assert_string_equal(sdp_dir_name(SDP_DIR_SENDRECV), "sendrecv");
	assert_string_equal(sdp_dir_name(SDP_DIR_SENDONLY), "sendonly");
	assert_string_equal(sdp_dir_name(SDP_DIR_RECVONLY), "recvonly");
	assert_string_equal(sdp_dir_name(SDP_DIR_INACTIVE), "inactive");
	assert_string_equal(sdp_dir_name(SDP_DIR_NONE), "none");
}

static void test_line_ends(void **state)
{
	struct sdp_session s;

	(void)state;
	/* LF only, no final newline, blank and junk lines tolerated. */
	assert_int_equal(parse("v=0\n\nx\nc=IN IP4 10.1.2.3\nm=audio 1234 RTP/AVP 0\na=sendonly", &s), 0);
	assert_v4(sdp_media_conn(&s, 0), "10.1.2.3");
	assert_int_equal(sdp_media_dir(&s, 0), SDP_DIR_SENDONLY);
	assert_int_equal(parse("v=0", &s), 0);
	assert_int_equal(parse("v=0\r\nm=audio 65535 RTP/AVP 0", &s), 0);
	assert_int_equal(s.media[0].port, 65535);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "\n", "v=1\n", "v=0 \n", "V=0\n", "o=- 1 1 IN IP4 1.2.3.4\nv=0\n", " v=0\n",
		"v=0\nc=IN IP4 999.1.1.1\n", "v=0\nc=IN IP4 host.example.com\n",
		"v=0\nc=IN IP5 1.2.3.4\n", "v=0\nc=IN\n", "v=0\nc=IN IP4\n",
		"v=0\nc=XX IP4 1.2.3.4\n", "v=0\nc=IN IP6 1.2.3.4\n", "v=0\nc=IN IP4 ::1\n",
		"v=0\nc=IN IP4 /24\n",
		"v=0\nc=IN IP6 2001:db8::1:2:3:4:5:6:7:8:9:a:b:c:d:e:f:0:1:2:3:4:5:6:7:8:9\n",
		"v=0\nm=audio 65536 RTP/AVP 0\n", "v=0\nm=audio abc RTP/AVP 0\n",
		"v=0\nm=audio -1 RTP/AVP 0\n", "v=0\nm=audio 5000\n", "v=0\nm=audio\n",
		"v=0\nm=\n", "v=0\nm=audio 5000/0 RTP/AVP 0\n", "v=0\nm=audio 5000/x RTP/AVP 0\n",
		"v=0\nm=audio 5000/ RTP/AVP 0\n", "v=0\nm=audio /2 RTP/AVP 0\n",
		"v=0\nm=audio 1 RTP/AVP 0\nc=IN IP4 1.2.3\n",
	};
	struct sdp_session s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &s) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
	assert_int_equal(sdp_parse(NULL, 0, &s), -EINVAL);
}

/* Every prefix parses or fails cleanly; none reads past its end. */
static void test_truncation(void **state)
{
	static const char *const bodies[] = { dvi4_200ok, dvi4_invite, dvi4_16k_200ok };
	struct sdp_session s;
	size_t b, i, len;
	int rc;

	(void)state;
	for (b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
		len = strlen(bodies[b]);
		for (i = 0; i <= len; i++) {
			char *p = malloc(i ? i : 1);

			assert_non_null(p);
			memcpy(p, bodies[b], i);
			rc = sdp_parse(p, i, &s);
			free(p);
			assert_true(rc == 0 || rc == -EINVAL);
			/* Before "v=0" is whole, nothing is SDP. */
			if (i < 3)
				assert_int_equal(rc, -EINVAL);
		}
		assert_int_equal(rc, 0);
	}
}

/* Real-world bodies (only when the shared data set is there): parse, no crash. */
static void test_corpus(void **state)
{
	DIR *d = opendir(SDP_CORPUS_DIR);
	struct dirent *e;
	struct sdp_session s;
	char path[512], buf[16384];
	int files = 0, ok = 0;

	(void)state;
	if (!d)
		skip();
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name), len;
		FILE *f;
		int rc;

		if (n < 4 || strcmp(e->d_name + n - 4, ".sdp"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", SDP_CORPUS_DIR, e->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		rc = sdp_parse(buf, len, &s);
		assert_true(rc == 0 || rc == -EINVAL);
		assert_true(s.nmedia >= 0 && s.nmedia <= SDP_MAX_MEDIA);
		files++;
		ok += rc == 0;
	}
	closedir(d);
	assert_true(files > 0);
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_invite),
		cmocka_unit_test(test_pcap_200ok),
		cmocka_unit_test(test_session_vs_media_conn),
		cmocka_unit_test(test_ipv6_and_no_conn),
		cmocka_unit_test(test_media_lines),
		cmocka_unit_test(test_attributes),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
