// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/sip.c.  Every message is copied into a heap buffer of
 * exactly its length, so ASan catches any read past len.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sip.h"

#define CRLF "\r\n"
#define S(lit) lit, sizeof(lit) - 1

static const char invite[] =
	"INVITE sip:test@10.0.2.15:5060 SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 10.0.2.20:5060;branch=z9hG4bK-2187-1-0" CRLF
	"From: \"DVI4/8000\" <sip:sipp@10.0.2.20:5060>;tag=1" CRLF
	"To: test <sip:test@10.0.2.15:5060>" CRLF
	"Call-ID: 1-2187@10.0.2.20" CRLF
	"CSeq: 1 INVITE" CRLF
	"Contact: sip:sipp@10.0.2.20:5060" CRLF
	"Max-Forwards: 70" CRLF
	"Content-Type: application/sdp" CRLF
	"Content-Length:   27" CRLF
	CRLF
	"v=0" CRLF
	"m=audio 6000 RTP/AVP 5";

static const char ok200[] =
	"SIP/2.0 200 OK" CRLF
	"Via: SIP/2.0/UDP 10.0.2.20:5060;branch=z9hG4bK-2187-1-0" CRLF
	"From: \"DVI4/8000\" <sip:sipp@10.0.2.20:5060>;tag=1" CRLF
	"To: test <sip:test@10.0.2.15:5060>;tag=e2jv529vDZ3eQ" CRLF
	"Call-ID: 1-2187@10.0.2.20" CRLF
	"CSeq: 1 INVITE" CRLF
	"Content-Length: 0" CRLF
	CRLF;

/* Heap copy of exactly strlen(s) bytes, no terminator. */
static char *dup_exact(const char *s, size_t *len)
{
	char *b;

	*len = strlen(s);
	b = malloc(*len ? *len : 1);
	assert_non_null(b);
	memcpy(b, s, *len);
	return b;
}

static int parse(const char *s, struct sip_msg *m, char **buf)
{
	size_t len;

	*buf = dup_exact(s, &len);
	return sip_parse(*buf, len, m);
}

static int parse_rc(const char *s)
{
	struct sip_msg m;
	char *buf;
	int rc = parse(s, &m, &buf);

	free(buf);
	return rc;
}

#define assert_view(v, lit) do {					\
	char b_[512];							\
	assert_non_null((v).p);						\
	assert_string_equal(sip_str_copy(b_, sizeof(b_), (v)), (lit));	\
	assert_int_equal((v).len, strlen(lit));				\
} while (0)

#define assert_absent(v) do {						\
	assert_null((v).p);						\
	assert_int_equal((v).len, 0);					\
} while (0)

static void test_invite_request(void **state)
{
	struct sip_msg m;
	char *buf;

	(void)state;
	assert_int_equal(parse(invite, &m, &buf), 0);
	assert_true(m.is_request);
	assert_int_equal(m.method, SIP_M_INVITE);
	assert_view(m.method_str, "INVITE");
	assert_view(m.request_uri, "sip:test@10.0.2.15:5060");
	assert_int_equal(m.status_code, 0);
	assert_absent(m.reason);
	assert_view(m.call_id, "1-2187@10.0.2.20");
	assert_view(m.from, "\"DVI4/8000\" <sip:sipp@10.0.2.20:5060>;tag=1");
	assert_view(m.to, "test <sip:test@10.0.2.15:5060>");
	assert_view(m.from_uri, "sip:sipp@10.0.2.20:5060");
	assert_view(m.to_uri, "sip:test@10.0.2.15:5060");
	assert_view(m.from_tag, "1");
	assert_absent(m.to_tag);
	assert_view(m.via, "SIP/2.0/UDP 10.0.2.20:5060;branch=z9hG4bK-2187-1-0");
	assert_view(m.via_branch, "z9hG4bK-2187-1-0");
	assert_int_equal(m.cseq, 1);
	assert_view(m.cseq_method, "INVITE");
	assert_int_equal(m.cseq_m, SIP_M_INVITE);
	assert_int_equal(m.content_length, 27);
	assert_view(m.content_type, "application/sdp");
	assert_view(m.contact, "sip:sipp@10.0.2.20:5060");
	assert_view(m.body, "v=0\r\nm=audio 6000 RTP/AVP 5");
	assert_ptr_equal(m.body.p, buf + m.hdr_len);
	assert_int_equal(m.msg_len, strlen(invite));
	assert_int_equal(m.hdr_len, strlen(invite) - 27);
	free(buf);
}

static void test_status_line(void **state)
{
	struct sip_msg m;
	char *buf;

	(void)state;
	assert_int_equal(parse(ok200, &m, &buf), 0);
	assert_false(m.is_request);
	assert_int_equal(m.status_code, 200);
	assert_view(m.reason, "OK");
	assert_int_equal(m.method, SIP_M_INVITE);	/* from CSeq */
	assert_absent(m.method_str);
	assert_absent(m.request_uri);
	assert_view(m.to_tag, "e2jv529vDZ3eQ");
	assert_view(m.from_tag, "1");
	assert_int_equal(m.content_length, 0);
	assert_absent(m.body);
	assert_int_equal(m.msg_len, strlen(ok200));
	free(buf);

	assert_int_equal(parse("SIP/2.0 486 Busy Here\r\nv: SIP/2.0/UDP h;branch=z\r\n"
			       "f: <sip:a@b>;tag=1\r\nt: <sip:c@d>;tag=2\r\ni: x\r\n"
			       "CSeq: 7 BYE\r\n\r\n", &m, &buf), 0);
	assert_int_equal(m.status_code, 486);
	assert_view(m.reason, "Busy Here");
	assert_int_equal(m.method, SIP_M_BYE);
	assert_int_equal(m.cseq, 7);
	free(buf);

	/* RFC 4475 3.1.2.18: empty reason phrase */
	assert_int_equal(parse("SIP/2.0 100 \r\nv: SIP/2.0/UDP h\r\nf: <sip:a@b>\r\n"
			       "t: <sip:c@d>\r\ni: x\r\nCSeq: 1 INVITE\r\n\r\n", &m, &buf), 0);
	assert_int_equal(m.status_code, 100);
	assert_int_equal(m.reason.len, 0);
	assert_absent(m.via_branch);
	free(buf);
}

static void test_compact_forms(void **state)
{
	static const char msg[] =
		"BYE sip:a@b SIP/2.0\r\n"
		"v: SIP/2.0/UDP h:5060;branch=z9hG4bKc\r\n"
		"f: <sip:x@y>;tag=ft\r\n"
		"T: sip:a@b;tag=tt\r\n"
		"I: cid-1\r\n"
		"CSeq: 2 BYE\r\n"
		"m: <sip:x@10.0.0.1>\r\n"
		"c: text/plain\r\n"
		"l: 5\r\n"
		"\r\n"
		"hello";
	struct sip_msg m;
	char *buf;

	(void)state;
	assert_int_equal(parse(msg, &m, &buf), 0);
	assert_int_equal(m.method, SIP_M_BYE);
	assert_view(m.via_branch, "z9hG4bKc");
	assert_view(m.from_uri, "sip:x@y");
	assert_view(m.from_tag, "ft");
	assert_view(m.to_uri, "sip:a@b");
	assert_view(m.to_tag, "tt");
	assert_view(m.call_id, "cid-1");
	assert_view(m.contact, "<sip:x@10.0.0.1>");
	assert_view(m.content_type, "text/plain");
	assert_int_equal(m.content_length, 5);
	assert_view(m.body, "hello");
	free(buf);
}

/* Folding, odd case and whitespace around ':' and '=' (after RFC 4475 wsinv). */
static void test_folded_and_whitespace(void **state)
{
	static const char msg[] =
		"OPTIONS sip:u@example.com SIP/2.0\r\n"
		"TO :\r\n"
		" sip:u@example.com ;   tag    = 1918181833n\r\n"
		"from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
		"  ;\r\n"
		"  tag = 98asjd8\r\n"
		"cAlL-iD\t:\tws.1@192.0.2.1\r\n"
		"cseq: 0009\r\n"
		"  OPTIONS\r\n"
		"Via  : SIP  /   2.0\r\n"
		" /UDP\r\n"
		"    192.0.2.2;BRANCH=390skdjuw\r\n"
		"NewFangledHeader:   newfangled value\r\n"
		"\tcontinued newfangled value\r\n"
		"CONTENT-LENGTH  :  0\r\n"
		"\r\n";
	struct sip_msg m;
	char *buf;

	(void)state;
	assert_int_equal(parse(msg, &m, &buf), 0);
	assert_int_equal(m.method, SIP_M_OPTIONS);
	assert_view(m.to_uri, "sip:u@example.com");
	assert_view(m.to_tag, "1918181833n");
	assert_view(m.from_uri, "sip:jdrosen@example.com");
	assert_view(m.from_tag, "98asjd8");
	assert_view(m.call_id, "ws.1@192.0.2.1");
	assert_int_equal(m.cseq, 9);
	assert_view(m.cseq_method, "OPTIONS");
	assert_int_equal(m.cseq_m, SIP_M_OPTIONS);
	assert_view(m.via_branch, "390skdjuw");
	assert_view(m.via, "SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;BRANCH=390skdjuw");
	assert_int_equal(m.content_length, 0);
	free(buf);

	/* A continuation line before any header continues nothing. */
	assert_int_equal(parse_rc("OPTIONS sip:u@h SIP/2.0\r\n folded: x\r\n\r\n"), -EINVAL);
}

static void test_lf_only(void **state)
{
	static const char msg[] =
		"INVITE sip:b@h SIP/2.0\n"
		"Via: SIP/2.0/UDP h;branch=z9hG4bKlf\n"
		"From: A <sip:a@h>;tag=a1\n"
		"To: B <sip:b@h>\n"
		"Call-ID: lf@h\n"
		"CSeq: 3 INVITE\n"
		"Content-Length: 4\n"
		"\n"
		"v=0\n";
	struct sip_msg m;
	char *buf;

	(void)state;
	assert_int_equal(parse(msg, &m, &buf), 0);
	assert_view(m.request_uri, "sip:b@h");
	assert_view(m.via_branch, "z9hG4bKlf");
	assert_view(m.from_tag, "a1");
	assert_view(m.call_id, "lf@h");
	assert_view(m.body, "v=0\n");
	assert_int_equal(m.msg_len, strlen(msg));
	free(buf);

	/* Mixed: CRLF headers, bare-LF blank line. */
	assert_int_equal(parse("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\n"
			       "To: <sip:b@h>\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\n", &m, &buf), 0);
	assert_int_equal(m.status_code, 180);
	assert_view(m.reason, "Ringing");
	free(buf);
}

/* Each mandatory header removed in turn. */
static void test_missing_mandatory(void **state)
{
	static const char *const hdrs[] = {
		"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n",
		"From: <sip:a@h>;tag=1\r\n",
		"To: <sip:b@h>\r\n",
		"Call-ID: c@h\r\n",
		"CSeq: 1 OPTIONS\r\n",
	};
	const size_t nh = sizeof(hdrs) / sizeof(hdrs[0]);
	char msg[512];
	size_t skip, i;

	(void)state;
	for (skip = 0; skip <= nh; skip++) {
		strcpy(msg, "OPTIONS sip:b@h SIP/2.0\r\n");
		for (i = 0; i < nh; i++)
			if (i != skip)
				strcat(msg, hdrs[i]);
		strcat(msg, "\r\n");
		assert_int_equal(parse_rc(msg), skip == nh ? 0 : -EINVAL);
	}
}

static void test_version(void **state)
{
	static const char tail[] = "\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\nTo: <sip:b@h>\r\n"
				   "Call-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n";
	static const char *const bad[] = {
		"OPTIONS sip:b@h SIP/7.0", "OPTIONS sip:b@h SIP/2.00", "OPTIONS sip:b@h SIP/2",
		"OPTIONS sip:b@h HTTP/1.1", "SIP/1.0 200 OK", "SIP/2.1 200 OK", "HTTP/1.1 200 OK",
	};
	char msg[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg), "%s%s", bad[i], tail);
		assert_int_equal(parse_rc(msg), -EINVAL);
	}
	/* The version token is case-insensitive (RFC 3261 25.1). */
	snprintf(msg, sizeof(msg), "%s%s", "OPTIONS sip:b@h sip/2.0", tail);
	assert_int_equal(parse_rc(msg), 0);
}

static void test_malformed(void **state)
{
	static const char tail[] = "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\nTo: <sip:b@h>\r\n"
				   "Call-ID: x\r\n";
	static const struct { const char *start, *hdr; } bad[] = {
		{ "INVITE  sip:b@h SIP/2.0", "CSeq: 1 INVITE" },	/* two spaces */
		{ "INVITE sip:b@h  SIP/2.0", "CSeq: 1 INVITE" },
		{ " INVITE sip:b@h SIP/2.0", "CSeq: 1 INVITE" },
		{ "INVITE sip:b@h", "CSeq: 1 INVITE" },
		{ "INVITE SIP/2.0", "CSeq: 1 INVITE" },
		{ "IN(VITE sip:b@h SIP/2.0", "CSeq: 1 INVITE" },
		{ "SIP/2.0 99 Low", "CSeq: 1 INVITE" },
		{ "SIP/2.0 700 High", "CSeq: 1 INVITE" },
		{ "SIP/2.0 2x0 OK", "CSeq: 1 INVITE" },
		{ "SIP/2.0 20 OK", "CSeq: 1 INVITE" },
		{ "SIP/2.0 4294967301 big", "CSeq: 1 INVITE" },
		{ "SIP/2.0 200OK", "CSeq: 1 INVITE" },
		{ "INVITE sip:b@h SIP/2.0", "CSeq: one INVITE" },
		{ "INVITE sip:b@h SIP/2.0", "CSeq: 1" },
		{ "INVITE sip:b@h SIP/2.0", "CSeq: 1INVITE" },
		{ "INVITE sip:b@h SIP/2.0", "CSeq: 4294967296 INVITE" },
		{ "INVITE sip:b@h SIP/2.0", "CSeq: -1 INVITE" },
		{ "INVITE sip:b@h SIP/2.0", "CSeq 1 INVITE" },		/* no colon */
		{ "INVITE sip:b@h SIP/2.0", ": 1 INVITE" },		/* empty name */
		{ "INVITE sip:b@h SIP/2.0", "CSeq: 1 INVITE\r\nContent-Length: 1x" },
		{ "INVITE sip:b@h SIP/2.0", "CSeq: 1 INVITE\r\nContent-Length: -1" },
		{ "INVITE sip:b@h SIP/2.0", "CSeq: 1 INVITE\r\nContent-Length:" },
		{ "INVITE sip:b@h SIP/2.0", "CSeq: 1 INVITE\r\nl: 99999999999999999999999" },
		{ "INVITE sip:b@h SIP/2.0", "CSeq: 1 INVITE\r\nl: 0\r\nContent-Length: 3" },
		{ "INVITE sip:b@h SIP/2.0", "CSeq: 1 INVITE\r\nCall-ID:" },
	};
	char msg[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg), "%s\r\n%s%s\r\n\r\n", bad[i].start, tail, bad[i].hdr);
		assert_int_equal(parse_rc(msg), -EINVAL);
	}
	/* Unterminated '<' or quote in From. */
	assert_int_equal(parse_rc("BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h\r\n"
				  "To: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 1 BYE\r\n\r\n"), -EINVAL);
	assert_int_equal(parse_rc("BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: \"a <sip:a@h>\r\n"
				  "To: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 1 BYE\r\n\r\n"), -EINVAL);
	/* Equal duplicate Content-Length is harmless. */
	assert_int_equal(parse_rc("BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\n"
				  "To: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 1 BYE\r\nl: 0\r\n"
				  "Content-Length: 0\r\n\r\n"), 0);
	assert_int_equal(parse_rc(""), -ENODATA);
	assert_int_equal(sip_parse(NULL, 0, &(struct sip_msg){ 0 }), -ENODATA);
	assert_int_equal(parse_rc("INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"), -ENODATA);
}

static void test_content_length(void **state)
{
	static const char head[] = "MESSAGE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"
				   "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\n"
				   "CSeq: 1 MESSAGE\r\n";
	struct sip_msg m;
	char msg[512], *buf;

	(void)state;
	/* Content-Length shorter than what follows: the rest is not this message. */
	snprintf(msg, sizeof(msg), "%sContent-Length: 5\r\n\r\nhello world", head);
	assert_int_equal(parse(msg, &m, &buf), 0);
	assert_view(m.body, "hello");
	assert_int_equal(m.msg_len, strlen(msg) - 6);
	free(buf);

	/* Content-Length longer than the body. */
	snprintf(msg, sizeof(msg), "%sContent-Length: 50\r\n\r\nhello world", head);
	assert_int_equal(parse_rc(msg), -EMSGSIZE);

	/* Absent: body is the rest of the datagram. */
	snprintf(msg, sizeof(msg), "%s\r\nhello world", head);
	assert_int_equal(parse(msg, &m, &buf), 0);
	assert_int_equal(m.content_length, -1);
	assert_view(m.body, "hello world");
	assert_int_equal(m.msg_len, strlen(msg));
	assert_int_equal(m.method, SIP_M_MESSAGE);
	free(buf);

	/* Absent with no body. */
	snprintf(msg, sizeof(msg), "%s\r\n", head);
	assert_int_equal(parse(msg, &m, &buf), 0);
	assert_absent(m.body);
	free(buf);
}

static void test_via_and_tags(void **state)
{
	struct sip_msg m;
	char *buf;

	(void)state;
	/* First value of a comma list in the first Via; later Via headers ignored. */
	assert_int_equal(parse("ACK sip:b@h SIP/2.0\r\n"
			       "Via: SIP/2.0/UDP p1;rport;branch=z9hG4bKone , SIP/2.0/UDP p2;branch=two\r\n"
			       "Via: SIP/2.0/UDP p3;branch=three\r\n"
			       "From: \"a;tag=no <x>\" <sip:a@h;tag=inuri>;x=\"q;tag=no\";TAG=yes\r\n"
			       "To: sip:b@h;Tag=bare\r\n"
			       "Call-ID: x\r\nCSeq: 1 ACK\r\n\r\n", &m, &buf), 0);
	assert_int_equal(m.method, SIP_M_ACK);
	assert_view(m.via, "SIP/2.0/UDP p1;rport;branch=z9hG4bKone");
	assert_view(m.via_branch, "z9hG4bKone");
	assert_view(m.from_uri, "sip:a@h;tag=inuri");
	assert_view(m.from_tag, "yes");
	assert_view(m.to_uri, "sip:b@h");
	assert_view(m.to_tag, "bare");
	free(buf);

	/* Branch only on a second Via does not count; tag without a value. */
	assert_int_equal(parse("ACK sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP p1\r\n"
			       "Via: SIP/2.0/UDP p2;branch=two\r\n"
			       "From: <sip:a@h>;tag\r\nTo: <sip:b@h>;tagx=1\r\n"
			       "Call-ID: x\r\nCSeq: 1 ACK\r\n\r\n", &m, &buf), 0);
	assert_absent(m.via_branch);
	assert_non_null(m.from_tag.p);
	assert_int_equal(m.from_tag.len, 0);
	assert_absent(m.to_tag);
	free(buf);

	/* Only the first Call-ID / From counts. */
	assert_int_equal(parse("BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP p1\r\nCall-ID: one\r\n"
			       "i: two\r\nFrom: <sip:a@h>;tag=1\r\nf: <sip:c@h>;tag=2\r\n"
			       "To: <sip:b@h>\r\nCSeq: 1 BYE\r\n\r\n", &m, &buf), 0);
	assert_view(m.call_id, "one");
	assert_view(m.from_tag, "1");
	free(buf);
}

static void test_methods(void **state)
{
	int i;

	(void)state;
	for (i = SIP_M_INVITE; i <= SIP_M_PUBLISH; i++) {
		const char *n = sip_method_name((enum sip_method)i);

		assert_string_not_equal(n, "UNKNOWN");
		assert_int_equal(sip_method_from(n, strlen(n)), i);
	}
	assert_string_equal(sip_method_name(SIP_M_PRACK), "PRACK");
	assert_string_equal(sip_method_name(SIP_M_UNKNOWN), "UNKNOWN");
	assert_string_equal(sip_method_name((enum sip_method)999), "UNKNOWN");
	assert_int_equal(sip_method_from("invite", 6), SIP_M_UNKNOWN);	/* case-sensitive */
	assert_int_equal(sip_method_from("INVITEX", 6), SIP_M_INVITE);	/* length counts */
	assert_int_equal(sip_method_from("INVITE", 5), SIP_M_UNKNOWN);
	assert_int_equal(sip_method_from(NULL, 0), SIP_M_UNKNOWN);

	assert_int_equal(parse_rc("FOO sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\n"
				  "To: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 1 FOO\r\n\r\n"), 0);
}

static void test_str_helpers(void **state)
{
	struct sip_str s = { "abcdef", 3 }, none = { NULL, 0 };
	char b[8];

	(void)state;
	assert_string_equal(sip_str_copy(b, sizeof(b), s), "abc");
	assert_string_equal(sip_str_copy(b, 3, s), "ab");
	assert_string_equal(sip_str_copy(b, 1, s), "");
	b[0] = 'z';
	assert_ptr_equal(sip_str_copy(b, 0, s), b);
	assert_int_equal(b[0], 'z');
	assert_string_equal(sip_str_copy(b, sizeof(b), none), "");
	assert_true(sip_str_eq(s, "abc"));
	assert_false(sip_str_eq(s, "ABC"));
	assert_false(sip_str_eq(s, "abcd"));
	assert_false(sip_str_eq(s, "ab"));
	assert_false(sip_str_eq(none, ""));
	assert_true(sip_str_eq((struct sip_str){ "x", 0 }, ""));
}

static void test_frame(void **state)
{
	char two[1024], *buf;
	size_t n, len, first = strlen(invite);

	(void)state;
	assert_int_equal(sip_frame(invite, strlen(invite), &n), SIP_COMPLETE);
	assert_int_equal(n, strlen(invite));

	/* Two messages back to back, then the second alone. */
	snprintf(two, sizeof(two), "%s%s", invite, ok200);
	buf = dup_exact(two, &len);
	assert_int_equal(sip_frame(buf, len, &n), SIP_MULTIPLE);
	assert_int_equal(n, first);
	assert_int_equal(sip_frame(buf + n, len - n, &n), SIP_COMPLETE);
	assert_int_equal(n, strlen(ok200));
	free(buf);

	/* Partial: start line, headers, body. */
	assert_int_equal(sip_frame(S("INV"), &n), SIP_PARTIAL);
	assert_int_equal(n, 0);
	assert_int_equal(sip_frame(S("SIP/2.0 2"), &n), SIP_PARTIAL);
	assert_int_equal(sip_frame(S("INVITE sip:a@b SIP/2"), &n), SIP_PARTIAL);
	assert_int_equal(sip_frame(S("INVITE sip:a@b SIP/2.0\r"), &n), SIP_PARTIAL);
	assert_int_equal(sip_frame(invite, 60, &n), SIP_PARTIAL);
	assert_int_equal(sip_frame(invite, strlen(invite) - 1, &n), SIP_PARTIAL);
	assert_int_equal(sip_frame(S(""), &n), SIP_PARTIAL);

	/* Not SIP. */
	assert_int_equal(sip_frame(S("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), &n), SIP_NOT_SIP);
	assert_int_equal(sip_frame(S("GET / HT"), &n), SIP_NOT_SIP);
	assert_int_equal(sip_frame(S("SIP/3"), &n), SIP_NOT_SIP);
	assert_int_equal(sip_frame(S("\x80\x08\x12\x34\x00\x00"), &n), SIP_NOT_SIP);
	assert_int_equal(sip_frame(S("\r\n\r\n"), &n), SIP_NOT_SIP);
	assert_int_equal(sip_frame(S("SIP/2.0 200 OK\r\nbroken\r\n\r\n"), &n), SIP_NOT_SIP);
	assert_int_equal(sip_frame(S("SIP/2.0 200 OK\r\nl: x\r\n\r\n"), &n), SIP_NOT_SIP);

	/* Framing needs no mandatory header; without Content-Length it takes all. */
	assert_int_equal(sip_frame(S("OPTIONS sip:a@b SIP/2.0\r\n\r\nxyz"), &n), SIP_COMPLETE);
	assert_int_equal(n, 30);
	assert_int_equal(sip_frame(S("OPTIONS sip:a@b SIP/2.0\r\nCSeq: bad\r\nl: 1\r\n\r\nxyz"), &n),
			 SIP_MULTIPLE);
	assert_int_equal(n, 45);
	assert_int_equal(sip_frame(invite, strlen(invite), NULL), SIP_COMPLETE);
}

/*
 * Every prefix of a message, each in its own exact-size buffer: no crash, no
 * overread, and no success before the whole message except where the prefix
 * is itself a whole message (no Content-Length: the body is what is there).
 */
static void check_prefixes(const char *msg, bool has_cl)
{
	size_t full = strlen(msg), i, n, hdr_len;
	struct sip_msg m;
	int rc;

	assert_int_equal(sip_parse(msg, full, &m), 0);
	hdr_len = m.hdr_len;
	for (i = 0; i < full; i++) {
		char *b = malloc(i ? i : 1);
		enum sip_frame f;

		assert_non_null(b);
		memcpy(b, msg, i);
		rc = sip_parse(b, i, &m);
		f = sip_frame(b, i, &n);
		if (has_cl || i < hdr_len) {
			assert_true(rc == -ENODATA || rc == -EMSGSIZE);
			assert_int_equal(f, SIP_PARTIAL);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(m.msg_len, i);
			assert_int_equal(f, SIP_COMPLETE);
		}
		free(b);
	}
}

static void test_truncation(void **state)
{
	(void)state;
	check_prefixes(invite, true);
	check_prefixes(ok200, true);
	check_prefixes("INVITE sip:b@h SIP/2.0\n"
		       "v: SIP/2.0/UDP h;branch=z9hG4bKlf\n"
		       "f: A <sip:a@h>;tag=a1\n"
		       "t: B <sip:b@h>\n"
		       "i: lf@h\n"
		       "CSeq: 3 INVITE\n"
		       "\n"
		       "v=0\n", false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_request),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_compact_forms),
		cmocka_unit_test(test_folded_and_whitespace),
		cmocka_unit_test(test_lf_only),
		cmocka_unit_test(test_missing_mandatory),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_via_and_tags),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_str_helpers),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
