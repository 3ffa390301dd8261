// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/tcpsip.c.  Every segment is built in a heap buffer of
 * exactly its captured length, so ASan catches any read past len; delivered
 * messages are copied out and compared byte for byte.
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

#include "tcpsip.h"

#define CRLF "\r\n"
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define ACK 0x10
#define MS 1000000ULL
#define SEC 1000000000ULL

static const char m_invite[] =
	"INVITE sip:bob@10.0.0.2 SIP/2.0" CRLF
	"Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK-1" CRLF
	"From: <sip:alice@10.0.0.1>;tag=a1" CRLF
	"To: <sip:bob@10.0.0.2>" CRLF
	"Call-ID: c1@10.0.0.1" CRLF
	"CSeq: 1 INVITE" CRLF
	"Content-Type: application/sdp" CRLF
	"Content-Length: 27" CRLF
	CRLF
	"v=0" CRLF
	"m=audio 6000 RTP/AVP 5";

static const char m_ok[] =
	"SIP/2.0 200 OK" CRLF
	"Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK-1" CRLF
	"From: <sip:alice@10.0.0.1>;tag=a1" CRLF
	"To: <sip:bob@10.0.0.2>;tag=b1" CRLF
	"Call-ID: c1@10.0.0.1" CRLF
	"CSeq: 1 INVITE" CRLF
	"Content-Length: 0" CRLF
	CRLF;

static const char m_bye[] =
	"BYE sip:bob@10.0.0.2 SIP/2.0" CRLF
	"Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK-2" CRLF
	"Call-ID: c1@10.0.0.1" CRLF
	"CSeq: 2 BYE" CRLF
	"Content-Length: 0" CRLF
	CRLF;

/* No Content-Length: on a stream it ends at the blank line. */
static const char m_nocl[] =
	"OPTIONS sip:bob@10.0.0.2 SIP/2.0" CRLF
	"Call-ID: o1" CRLF
	CRLF;

#define L(s) (sizeof(s) - 1)

/* ---- recording callback ---- */

#define MAX_REC 64

struct rec {
	int n;
	char *msg[MAX_REC];
	size_t len[MAX_REC];
	struct tcpsip_flow flow[MAX_REC];
	uint64_t ts[MAX_REC];
};

static void on_msg(void *ctx, const struct tcpsip_flow *flow, const char *msg, size_t len,
		   uint64_t ts_ns)
{
	struct rec *r = ctx;

	assert_true(r->n < MAX_REC);
	assert_true(len > 0);
	r->msg[r->n] = malloc(len);
	assert_non_null(r->msg[r->n]);
	memcpy(r->msg[r->n], msg, len);
	r->len[r->n] = len;
	r->flow[r->n] = *flow;
	r->ts[r->n] = ts_ns;
	r->n++;
}

static void rec_free(struct rec *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		free(r->msg[i]);
	memset(r, 0, sizeof(*r));
}

static void assert_msg(const struct rec *r, int i, const char *s, size_t n)
{
	assert_true(i < r->n);
	assert_int_equal(r->len[i], n);
	assert_memory_equal(r->msg[i], s, n);
}

/* ---- segments ---- */

static struct tcpsip_flow flow_a(void)
{
	struct tcpsip_flow f;

	memset(&f, 0, sizeof(f));
	f.src.a[10] = f.src.a[11] = 0xff;
	f.src.a[12] = 10;
	f.src.a[15] = 1;
	f.dst.a[10] = f.dst.a[11] = 0xff;
	f.dst.a[12] = 10;
	f.dst.a[15] = 2;
	f.sport = 40000;
	f.dport = 5060;
	return f;
}

static struct tcpsip_flow flow_n(unsigned int n)
{
	struct tcpsip_flow f = flow_a();

	f.sport = (uint16_t)(40000 + n);
	return f;
}

/* Exactly-sized heap segment: 20-byte header (doff 5) + payload. */
static uint8_t *mkseg(uint32_t seq, uint8_t flags, const void *p, size_t n, size_t *len)
{
	uint8_t *s;

	*len = 20 + n;
	s = calloc(1, *len);
	assert_non_null(s);
	s[0] = 40000 >> 8;
	s[1] = 40000 & 0xff;
	s[2] = 5060 >> 8;
	s[3] = 5060 & 0xff;
	s[4] = (uint8_t)(seq >> 24);
	s[5] = (uint8_t)(seq >> 16);
	s[6] = (uint8_t)(seq >> 8);
	s[7] = (uint8_t)seq;
	s[12] = 5 << 4;
	s[13] = flags;
	if (p && n)
		memcpy(s + 20, p, n);
	return s;
}

static int feed_f(struct tcpsip *t, const struct tcpsip_flow *f, uint32_t seq, uint8_t flags,
		  const void *p, size_t n, uint64_t now, struct rec *r)
{
	size_t len;
	uint8_t *s = mkseg(seq, flags, p, n, &len);
	int rc = tcpsip_feed(t, f, s, len, now, on_msg, r);

	free(s);
	return rc;
}

static int feed(struct tcpsip *t, uint32_t seq, uint8_t flags, const void *p, size_t n,
		uint64_t now, struct rec *r)
{
	struct tcpsip_flow f = flow_a();

	return feed_f(t, &f, seq, flags, p, n, now, r);
}

static struct tcpsip *mk(void)
{
	struct tcpsip *t = tcpsip_new(65536, 1 << 20, 30 * SEC, 1000);

	assert_non_null(t);
	return t;
}

/* Concatenation of up to three messages, for multi-message streams. */
static char *cat3(const char *a, const char *b, const char *c, size_t *n)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc);

	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc);
	*n = la + lb + lc;
	return s;
}

/* ---- tests ---- */

static void test_one_per_segment(void **state)
{
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	(void)state;

	assert_int_equal(feed(t, 999, SYN, NULL, 0, 1, &r), 0);
	assert_int_equal(feed(t, 1000, ACK, m_invite, L(m_invite), 2, &r), 0);
	assert_int_equal(feed(t, 1000 + L(m_invite), ACK, m_ok, L(m_ok), 3, &r), 0);
	assert_int_equal(r.n, 2);
	assert_msg(&r, 0, m_invite, L(m_invite));
	assert_msg(&r, 1, m_ok, L(m_ok));
	assert_int_equal(r.ts[0], 2);
	assert_int_equal(r.ts[1], 3);
	assert_int_equal(r.flow[0].sport, 40000);
	assert_int_equal(tcpsip_stats(t)->messages, 2);
	assert_int_equal(tcpsip_stats(t)->segments, 3);
	assert_int_equal(tcpsip_stats(t)->connections, 1);
	assert_int_equal(tcpsip_stats(t)->not_sip_resyncs, 0);
	assert_int_equal(tcpsip_mem_used(t), 0);
	/* Without a callback messages are still framed and counted. */
	assert_int_equal(tcpsip_feed(t, &(struct tcpsip_flow){ 0 }, NULL, 0, 4, NULL, NULL), -EINVAL);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_several_per_segment(void **state)
{
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	size_t n;
	char *s = cat3(m_invite, m_ok, m_bye, &n);
	(void)state;

	feed(t, 0, SYN, NULL, 0, 1, &r);
	feed(t, 1, ACK, s, n, 2, &r);
	assert_int_equal(r.n, 3);
	assert_msg(&r, 0, m_invite, L(m_invite));
	assert_msg(&r, 1, m_ok, L(m_ok));
	assert_msg(&r, 2, m_bye, L(m_bye));
	assert_int_equal(tcpsip_mem_used(t), 0);
	free(s);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_across_three(void **state)
{
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	size_t a = 40, b = 150, n = L(m_invite);
	(void)state;

	feed(t, 0, SYN, NULL, 0, 1, &r);
	feed(t, 1, ACK, m_invite, a, 2, &r);
	assert_int_equal(r.n, 0);
	assert_true(tcpsip_mem_used(t) >= a);
	feed(t, 1 + a, ACK, m_invite + a, b - a, 3, &r);
	assert_int_equal(r.n, 0);
	/* The last part also starts the next message. */
	char *s = cat3(m_invite + b, m_ok, "", &(size_t){ 0 });
	feed(t, 1 + b, ACK, s, n - b + L(m_ok), 4, &r);
	assert_int_equal(r.n, 2);
	assert_msg(&r, 0, m_invite, n);
	assert_msg(&r, 1, m_ok, L(m_ok));
	assert_int_equal(r.ts[0], 4);
	assert_int_equal(tcpsip_mem_used(t), 0);
	free(s);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_reordered(void **state)
{
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	size_t n = L(m_invite), a = 60, b = 200;
	uint32_t s2 = 1 + (uint32_t)n;
	(void)state;

	feed(t, 0, SYN, NULL, 0, 1, &r);
	/* Third part, then the next message, then the first two parts. */
	feed(t, 1 + b, ACK, m_invite + b, n - b, 2, &r);
	feed(t, s2, ACK, m_ok, L(m_ok), 3, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(tcpsip_stats(t)->out_of_order, 2);
	feed(t, 1, ACK, m_invite, a, 4, &r);
	assert_int_equal(r.n, 0);
	feed(t, 1 + a, ACK, m_invite + a, b - a, 5, &r);
	assert_int_equal(r.n, 2);
	assert_msg(&r, 0, m_invite, n);
	assert_msg(&r, 1, m_ok, L(m_ok));
	assert_int_equal(tcpsip_stats(t)->gaps_skipped, 0);
	assert_int_equal(tcpsip_mem_used(t), 0);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_retransmission(void **state)
{
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	size_t n = L(m_invite);
	(void)state;

	feed(t, 0, SYN, NULL, 0, 1, &r);
	feed(t, 0, SYN, NULL, 0, 1, &r);	/* the SYN again changes nothing */
	feed(t, 1, ACK, m_invite, n, 2, &r);
	feed(t, 1, ACK, m_invite, n, 3, &r);	/* exact */
	assert_int_equal(r.n, 1);
	assert_int_equal(tcpsip_stats(t)->retransmissions, 1);
	/* Partial overlap: 0..100 of the OK, then 50..end. */
	feed(t, 1 + n, ACK, m_ok, 100, 4, &r);
	feed(t, 1 + n + 50, ACK, m_ok + 50, L(m_ok) - 50, 5, &r);
	assert_int_equal(r.n, 2);
	assert_msg(&r, 1, m_ok, L(m_ok));
	assert_int_equal(tcpsip_stats(t)->retransmissions, 2);
	/* A segment straddling the stream's end: old bytes + a new message. */
	size_t m;
	char *s = cat3(m_ok + 100, m_bye, "", &m);
	feed(t, 1 + n + 100, ACK, s, m, 6, &r);
	assert_int_equal(r.n, 3);
	assert_msg(&r, 2, m_bye, L(m_bye));
	/* Retransmissions of held (out-of-order) data: exact and covered. */
	uint32_t base = 1 + (uint32_t)(n + L(m_ok) + L(m_bye));
	feed(t, base + 10, ACK, m_invite + 10, n - 10, 7, &r);
	feed(t, base + 10, ACK, m_invite + 10, n - 10, 8, &r);
	feed(t, base + 20, ACK, m_invite + 20, 30, 9, &r);
	/* Overlapping held segments are trimmed when the gap fills. */
	feed(t, base + 5, ACK, m_invite + 5, 100, 10, &r);
	assert_int_equal(r.n, 3);
	feed(t, base, ACK, m_invite, 10, 11, &r);
	assert_int_equal(r.n, 4);
	assert_msg(&r, 3, m_invite, n);
	assert_int_equal(tcpsip_mem_used(t), 0);
	free(s);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_seq_wrap(void **state)
{
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	size_t n, a = 30;
	char *s = cat3(m_invite, m_ok, m_bye, &n);
	uint32_t isn = 0xffffffffu - 40;	/* data crosses 2^32 inside part 2 */
	uint32_t s0 = isn + 1;
	(void)state;

	feed(t, isn, SYN, NULL, 0, 1, &r);
	feed(t, s0, ACK, s, a, 2, &r);
	/* Out of order across the wrap: part 3 before part 2. */
	feed(t, s0 + 300, ACK, s + 300, n - 300, 3, &r);
	assert_int_equal(r.n, 0);
	feed(t, s0 + (uint32_t)a, ACK, s + a, 300 - a, 4, &r);
	assert_int_equal(r.n, 3);
	assert_msg(&r, 0, m_invite, L(m_invite));
	assert_msg(&r, 1, m_ok, L(m_ok));
	assert_msg(&r, 2, m_bye, L(m_bye));
	/* An old segment from before the wrap is a retransmission. */
	feed(t, s0, ACK, s, a, 5, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(tcpsip_stats(t)->retransmissions, 1);
	assert_int_equal(tcpsip_mem_used(t), 0);
	free(s);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_midstream(void **state)
{
	static const char garbage[] = "ody of an earlier message" CRLF "a=rtpmap:5 DVI4/8000" CRLF;
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	size_t n;
	char *s = cat3(garbage, m_invite, m_ok, &n);
	(void)state;

	/* No SYN: the agent started late. */
	feed(t, 123456, ACK, s, 10, 1, &r);
	feed(t, 123456 + 10, ACK, s + 10, n - 10, 2, &r);
	assert_int_equal(r.n, 2);
	assert_msg(&r, 0, m_invite, L(m_invite));
	assert_msg(&r, 1, m_ok, L(m_ok));
	assert_int_equal(tcpsip_stats(t)->not_sip_resyncs, 1);

	/* Starting right at a message needs no skipping. */
	struct tcpsip_flow f2 = flow_n(1);
	feed_f(t, &f2, 7, ACK, m_bye, L(m_bye), 3, &r);
	assert_int_equal(r.n, 3);
	assert_msg(&r, 2, m_bye, L(m_bye));
	assert_int_equal(tcpsip_stats(t)->not_sip_resyncs, 1);

	/* Garbage ending in a partial line, then a start line in pieces. */
	struct tcpsip_flow f3 = flow_n(2);
	feed_f(t, &f3, 0, ACK, "xx yy", 5, 4, &r);
	feed_f(t, &f3, 5, ACK, " zz" CRLF "INV", 8, 5, &r);
	feed_f(t, &f3, 13, ACK, m_invite + 3, L(m_invite) - 3, 6, &r);
	assert_int_equal(r.n, 4);
	assert_msg(&r, 3, m_invite, L(m_invite));
	assert_int_equal(tcpsip_stats(t)->not_sip_resyncs, 2);
	assert_int_equal(tcpsip_mem_used(t), 0);

	/* A late SYN (reordered behind the first data) keeps the stream. */
	struct tcpsip_flow f4 = flow_n(3);
	feed_f(t, &f4, 1001, ACK, m_ok, L(m_ok), 7, &r);
	feed_f(t, &f4, 1000, SYN, NULL, 0, 8, &r);
	feed_f(t, &f4, 1001 + L(m_ok), ACK, m_bye, L(m_bye), 9, &r);
	assert_int_equal(r.n, 6);
	assert_msg(&r, 5, m_bye, L(m_bye));
	assert_int_equal(tcpsip_stats(t)->connections, 4);
	free(s);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_not_sip_midstream(void **state)
{
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	size_t n;
	char *s = cat3(m_ok, "HTTP/1.1 200 OK" CRLF "X: y" CRLF CRLF "junk" CRLF, m_bye, &n);
	(void)state;

	feed(t, 0, SYN, NULL, 0, 1, &r);
	feed(t, 1, ACK, s, n, 2, &r);
	assert_int_equal(r.n, 2);
	assert_msg(&r, 0, m_ok, L(m_ok));
	assert_msg(&r, 1, m_bye, L(m_bye));
	assert_int_equal(tcpsip_stats(t)->not_sip_resyncs, 1);
	free(s);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_no_content_length(void **state)
{
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	size_t n;
	char *s = cat3(m_nocl, m_nocl, m_ok, &n);
	(void)state;

	feed(t, 0, SYN, NULL, 0, 1, &r);
	feed(t, 1, ACK, s, n - 10, 2, &r);
	assert_int_equal(r.n, 2);
	feed(t, 1 + (uint32_t)(n - 10), ACK, s + n - 10, 10, 3, &r);
	assert_int_equal(r.n, 3);
	assert_msg(&r, 0, m_nocl, L(m_nocl));
	assert_msg(&r, 1, m_nocl, L(m_nocl));
	assert_msg(&r, 2, m_ok, L(m_ok));
	free(s);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_keepalive(void **state)
{
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	size_t n;
	char *s = cat3(CRLF CRLF, m_ok, CRLF CRLF CRLF, &n);
	uint32_t q = 1;
	(void)state;

	feed(t, 0, SYN, NULL, 0, 1, &r);
	feed(t, q, ACK, CRLF CRLF, 4, 2, &r);
	q += 4;
	feed(t, q, ACK, s, n, 3, &r);
	q += (uint32_t)n;
	feed(t, q, ACK, CRLF, 2, 4, &r);	/* pong */
	q += 2;
	feed(t, q, ACK, "\r", 1, 5, &r);	/* a ping cut in two */
	q += 1;
	feed(t, q, ACK, "\n\r\n", 3, 6, &r);
	q += 3;
	feed(t, q, ACK, m_bye, L(m_bye), 7, &r);
	assert_int_equal(r.n, 2);
	assert_msg(&r, 0, m_ok, L(m_ok));
	assert_msg(&r, 1, m_bye, L(m_bye));
	assert_int_equal(tcpsip_stats(t)->not_sip_resyncs, 0);
	assert_true(tcpsip_stats(t)->keepalives >= 4);
	assert_int_equal(tcpsip_mem_used(t), 0);

	/* Mid-stream, keep-alives before a message are not garbage either. */
	struct tcpsip_flow f2 = flow_n(1);
	feed_f(t, &f2, 50, ACK, CRLF CRLF, 4, 8, &r);
	feed_f(t, &f2, 54, ACK, m_ok, L(m_ok), 9, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(tcpsip_stats(t)->not_sip_resyncs, 0);
	free(s);
	rec_free(&r);
	tcpsip_free(t);
}

/* A message with a body of n 'x' bytes. */
static char *big_msg(size_t body, size_t *len)
{
	char hdr[256];
	int h = snprintf(hdr, sizeof(hdr),
			 "MESSAGE sip:bob@10.0.0.2 SIP/2.0" CRLF "Call-ID: big" CRLF
			 "Content-Length: %zu" CRLF CRLF, body);
	char *s = malloc((size_t)h + body);

	assert_non_null(s);
	memcpy(s, hdr, (size_t)h);
	memset(s + h, 'x', body);
	*len = (size_t)h + body;
	return s;
}

static void test_oversize(void **state)
{
	struct tcpsip *t = tcpsip_new(512, 1 << 20, 30 * SEC, 100);
	struct tcpsip_flow f2 = flow_n(1), f3 = flow_n(2);
	struct rec r = { 0 };
	size_t n, off, h;
	char *big = big_msg(2000, &n), *s, *fit;
	uint32_t q = 1;
	(void)state;

	assert_non_null(t);
	feed(t, 0, SYN, NULL, 0, 1, &r);
	/* In MSS-sized pieces through the buffer: Content-Length says how much
	 * to discard, so the next message is framed in step. */
	for (off = 0; off < n; off += 300) {
		size_t k = n - off < 300 ? n - off : 300;

		feed(t, q, ACK, big + off, k, 2, &r);
		q += (uint32_t)k;
		assert_true(tcpsip_mem_used(t) <= 512);
	}
	feed(t, q, ACK, m_ok, L(m_ok), 3, &r);
	q += L(m_ok);
	assert_int_equal(r.n, 1);
	assert_msg(&r, 0, m_ok, L(m_ok));
	assert_int_equal(tcpsip_stats(t)->oversize_messages, 1);
	/* In one segment, followed in it by a small message. */
	s = malloc(n + L(m_bye));
	assert_non_null(s);
	memcpy(s, big, n);
	memcpy(s + n, m_bye, L(m_bye));
	feed(t, q, ACK, s, n + L(m_bye), 4, &r);
	assert_int_equal(r.n, 2);
	assert_msg(&r, 1, m_bye, L(m_bye));
	assert_int_equal(tcpsip_stats(t)->oversize_messages, 2);
	assert_int_equal(tcpsip_stats(t)->not_sip_resyncs, 0);
	assert_int_equal(tcpsip_mem_used(t), 0);
	free(s);

	/* Headers alone larger than the limit: no length to trust, resync on
	 * the next message (a segment of its own). */
	h = 700;
	s = malloc(h);
	assert_non_null(s);
	memcpy(s, "NOTIFY sip:a SIP/2.0" CRLF "X: ", 23);
	memset(s + 23, 'y', h - 23);
	feed_f(t, &f2, 0, SYN, NULL, 0, 5, &r);
	feed_f(t, &f2, 1, ACK, s, h, 6, &r);
	feed_f(t, &f2, 1 + (uint32_t)h, ACK, "yy" CRLF "Content-Length: 0" CRLF CRLF, 23, 7, &r);
	feed_f(t, &f2, 24 + (uint32_t)h, ACK, m_bye, L(m_bye), 8, &r);
	assert_int_equal(r.n, 3);
	assert_msg(&r, 2, m_bye, L(m_bye));
	assert_int_equal(tcpsip_stats(t)->oversize_messages, 3);
	free(s);

	/* A message of exactly conn_limit bytes still fits. */
	fit = big_msg(100, &n);	/* a 3-digit Content-Length, like the one wanted */
	free(fit);
	fit = big_msg(512 - (n - 100), &n);
	assert_int_equal(n, 512);
	feed_f(t, &f3, 0, SYN, NULL, 0, 9, &r);
	feed_f(t, &f3, 1, ACK, fit, 200, 10, &r);
	feed_f(t, &f3, 201, ACK, fit + 200, 312, 11, &r);
	assert_int_equal(r.n, 4);
	assert_msg(&r, 3, fit, 512);
	assert_int_equal(tcpsip_mem_used(t), 0);
	free(fit);
	free(big);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_conn_memory(void **state)
{
	const size_t lim = 1024;
	struct tcpsip *t = tcpsip_new(lim, 1 << 20, 30 * SEC, 100);
	struct rec r = { 0 };
	size_t n, i;
	char *s = cat3(m_invite, m_ok, m_bye, &n);
	uint32_t q = 1;
	(void)state;

	assert_non_null(t);
	feed(t, 0, SYN, NULL, 0, 1, &r);
	/* A lost segment, then copies of the stream far behind it. */
	q += 5000;
	for (i = 0; i < 10; i++) {
		feed(t, q, ACK, s, n, 2, &r);
		q += (uint32_t)n;
		assert_true(tcpsip_mem_used(t) <= lim);
	}
	assert_true(tcpsip_stats(t)->dropped_conn_memory >= 1);
	assert_true(tcpsip_stats(t)->gaps_skipped >= 1);
	/* Skipping the gap let the held stream through. */
	assert_true(r.n >= 3);
	assert_msg(&r, 0, m_invite, L(m_invite));
	assert_msg(&r, 1, m_ok, L(m_ok));
	assert_msg(&r, 2, m_bye, L(m_bye));
	assert_int_equal(r.n % 3, 0);
	assert_int_equal(tcpsip_stats(t)->not_sip_resyncs, 0);
	/* Whatever is held, the stream goes on after the last gap. */
	int before = r.n;
	feed(t, q, ACK, m_ok, L(m_ok), 3, &r);
	assert_true(r.n >= before);
	assert_true(tcpsip_mem_used(t) <= lim);
	free(s);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_total_memory(void **state)
{
	const size_t total = 2048;
	struct tcpsip *t = tcpsip_new(1024, total, 30 * SEC, 100);
	struct rec r = { 0 };
	unsigned int i;
	(void)state;

	assert_non_null(t);
	/* Ten directions each with a partial message: not all fit. */
	for (i = 0; i < 10; i++) {
		struct tcpsip_flow f = flow_n(i);

		feed_f(t, &f, 0, SYN, NULL, 0, 1, &r);
		feed_f(t, &f, 1, ACK, m_invite, 150, 2, &r);
		assert_true(tcpsip_mem_used(t) <= total);
	}
	assert_true(tcpsip_stats(t)->dropped_total_memory >= 1);
	/* Out-of-order holds are bounded by the total too. */
	for (i = 0; i < 10; i++) {
		struct tcpsip_flow f = flow_n(i);

		feed_f(t, &f, 1000, ACK, m_ok, L(m_ok), 3, &r);
		assert_true(tcpsip_mem_used(t) <= total);
	}
	/* The first directions completed their messages; others resync. */
	for (i = 0; i < 10; i++) {
		struct tcpsip_flow f = flow_n(i);

		feed_f(t, &f, 151, ACK, m_invite + 150, L(m_invite) - 150, 4, &r);
		feed_f(t, &f, 1 + L(m_invite), ACK, m_bye, L(m_bye), 5, &r);
		assert_true(tcpsip_mem_used(t) <= total);
	}
	assert_true(r.n >= 10);	/* every direction's BYE at least */
	assert_int_equal(r.n, (int)tcpsip_stats(t)->messages);
	tcpsip_free(t);
	rec_free(&r);
}

/* Each place memory is taken refuses past total_limit, and recovers. */
static void test_total_memory_paths(void **state)
{
	struct tcpsip *t = tcpsip_new(1024, 1024, 30 * SEC, 100);
	struct tcpsip_flow a = flow_n(0), b = flow_n(1), c = flow_n(2);
	struct rec r = { 0 };
	size_t n;
	char *big = big_msg(800, &n);
	(void)state;

	assert_non_null(t);
	feed_f(t, &a, 0, SYN, NULL, 0, 1, &r);
	feed_f(t, &b, 0, SYN, NULL, 0, 1, &r);
	feed_f(t, &c, 0, SYN, NULL, 0, 1, &r);
	feed_f(t, &a, 1, ACK, big, 100, 2, &r);
	feed_f(t, &b, 1, ACK, big, 400, 3, &r);
	assert_int_equal(tcpsip_mem_used(t), 1024);
	/* a's partial cannot grow: dropped, and a hunts for a start line. */
	feed_f(t, &a, 101, ACK, big + 100, 500, 4, &r);
	assert_int_equal(tcpsip_stats(t)->dropped_total_memory, 1);
	assert_int_equal(tcpsip_mem_used(t), 512);
	/* c's out-of-order segment cannot be held. */
	feed_f(t, &c, 1 + 100, ACK, big, 600, 5, &r);
	assert_int_equal(tcpsip_stats(t)->dropped_total_memory, 2);
	assert_int_equal(tcpsip_stats(t)->out_of_order, 1);
	/* A new partial on c cannot be kept either. */
	feed_f(t, &c, 1, ACK, big, 600, 6, &r);
	assert_int_equal(tcpsip_stats(t)->dropped_total_memory, 3);
	assert_true(tcpsip_mem_used(t) <= 1024);
	/* a goes on with the next message, at its own segment. */
	feed_f(t, &a, 601, ACK, big + 600, n - 600, 7, &r);
	feed_f(t, &a, 1 + (uint32_t)n, ACK, m_ok, L(m_ok), 8, &r);
	assert_int_equal(r.n, 1);
	assert_msg(&r, 0, m_ok, L(m_ok));
	/* b completes its message once memory is back. */
	feed_f(t, &b, 401, ACK, big + 400, n - 400, 9, &r);
	assert_int_equal(r.n, 2);
	assert_msg(&r, 1, big, n);
	assert_int_equal(tcpsip_mem_used(t), 0);
	free(big);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_idle_expiry(void **state)
{
	struct tcpsip *t = tcpsip_new(65536, 1 << 20, 10 * SEC, 100);
	struct rec r = { 0 };
	struct tcpsip_flow f2 = flow_n(1);
	(void)state;

	assert_non_null(t);
	feed(t, 0, SYN, NULL, 0, 1 * SEC, &r);
	feed(t, 1, ACK, m_invite, 100, 1 * SEC, &r);
	feed_f(t, &f2, 0, SYN, NULL, 0, 5 * SEC, &r);
	feed_f(t, &f2, 1, ACK, m_ok, 10, 5 * SEC, &r);
	feed_f(t, &f2, 100, ACK, m_bye, 20, 5 * SEC, &r);	/* held behind a gap */
	assert_int_equal(tcpsip_conn_count(t), 2);
	assert_true(tcpsip_mem_used(t) > 0);
	tcpsip_expire(t, 10 * SEC);
	assert_int_equal(tcpsip_conn_count(t), 2);
	tcpsip_expire(t, 11 * SEC);
	assert_int_equal(tcpsip_conn_count(t), 1);
	assert_int_equal(tcpsip_stats(t)->connections_expired, 1);
	tcpsip_expire(t, 15 * SEC);
	assert_int_equal(tcpsip_conn_count(t), 0);
	assert_int_equal(tcpsip_mem_used(t), 0);
	/* The rest of the message comes back as a new, mid-stream direction. */
	feed(t, 101, ACK, m_invite + 100, L(m_invite) - 100, 16 * SEC, &r);
	feed(t, 1 + L(m_invite), ACK, m_ok, L(m_ok), 16 * SEC, &r);
	assert_int_equal(r.n, 1);
	assert_msg(&r, 0, m_ok, L(m_ok));
	assert_int_equal(tcpsip_stats(t)->connections, 3);
	assert_int_equal(r.n, 1);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_gap_timeout(void **state)
{
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	struct tcpsip_flow f2 = flow_n(1);
	uint32_t q = 1 + L(m_invite);
	(void)state;

	tcpsip_set_gap_timeout(t, 500 * MS);
	feed(t, 0, SYN, NULL, 0, 0, &r);
	/* The INVITE's second half is lost for good. */
	feed(t, 1, ACK, m_invite, 100, 0, &r);
	feed(t, q, ACK, m_ok, L(m_ok), 100 * MS, &r);
	assert_int_equal(r.n, 0);
	feed(t, q + L(m_ok), ACK, m_bye, L(m_bye), 700 * MS, &r);
	assert_int_equal(r.n, 2);
	assert_msg(&r, 0, m_ok, L(m_ok));
	assert_msg(&r, 1, m_bye, L(m_bye));
	assert_int_equal(r.ts[0], 700 * MS);
	assert_int_equal(tcpsip_stats(t)->gaps_skipped, 1);
	assert_int_equal(tcpsip_mem_used(t), 0);

	/* A direction gone quiet: the expiry pass skips its gap. */
	feed_f(t, &f2, 0, SYN, NULL, 0, 1 * SEC, &r);
	feed_f(t, &f2, 1 + 50, ACK, m_bye, L(m_bye), 1 * SEC, &r);
	tcpsip_expire(t, 2 * SEC);	/* no callback: keeps waiting */
	assert_int_equal(r.n, 2);
	tcpsip_expire_cb(t, 1 * SEC + 400 * MS, on_msg, &r);
	assert_int_equal(r.n, 2);
	tcpsip_expire_cb(t, 2 * SEC, on_msg, &r);
	assert_int_equal(r.n, 3);
	assert_msg(&r, 2, m_bye, L(m_bye));
	assert_int_equal(tcpsip_stats(t)->gaps_skipped, 2);
	assert_int_equal(tcpsip_mem_used(t), 0);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_fin(void **state)
{
	struct tcpsip *t = mk();
	struct rec r = { 0 };
	struct tcpsip_flow f2 = flow_n(1), f3 = flow_n(2);
	uint32_t q = 1 + L(m_ok);
	(void)state;

	feed(t, 0, SYN, NULL, 0, 1, &r);
	feed(t, 1, ACK, m_ok, L(m_ok), 2, &r);
	feed(t, q, ACK | FIN, m_bye, 30, 3, &r);	/* partial, then FIN */
	assert_int_equal(r.n, 1);
	assert_int_equal(tcpsip_mem_used(t), 0);
	/* Retransmissions after the FIN deliver nothing again. */
	feed(t, 1, ACK, m_ok, L(m_ok), 4, &r);
	feed(t, q, ACK | FIN, m_bye, 30, 5, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(tcpsip_stats(t)->connections, 1);
	/* A new connection on the same ports. */
	feed(t, 77777, SYN, NULL, 0, 6, &r);
	feed(t, 77778, ACK, m_bye, L(m_bye), 7, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(tcpsip_stats(t)->connections, 2);

	/* A SYN with another ISN on an open direction: a new connection. */
	feed(t, 77778 + L(m_bye), ACK, m_ok, 50, 7, &r);
	feed(t, 9000, SYN, NULL, 0, 7, &r);
	assert_int_equal(tcpsip_stats(t)->connections, 3);
	assert_int_equal(tcpsip_mem_used(t), 0);
	feed(t, 9001, ACK, m_ok, L(m_ok), 7, &r);
	assert_int_equal(r.n, 3);
	assert_msg(&r, 2, m_ok, L(m_ok));
	r.n--;
	free(r.msg[r.n]);

	/* FIN ahead of data still missing: closes once the data is in. */
	feed_f(t, &f2, 0, SYN, NULL, 0, 8, &r);
	feed_f(t, &f2, 1 + L(m_ok), ACK | FIN, NULL, 0, 9, &r);
	assert_int_equal(tcpsip_conn_count(t), 2);
	feed_f(t, &f2, 1, ACK, m_ok, L(m_ok), 10, &r);
	assert_int_equal(r.n, 3);
	assert_msg(&r, 2, m_ok, L(m_ok));
	assert_int_equal(tcpsip_stats(t)->connections, 4);
	/* It did close: data past the FIN is a new stream. */
	feed_f(t, &f2, 2 + L(m_ok), ACK, m_bye, L(m_bye), 10, &r);
	assert_int_equal(r.n, 4);
	assert_int_equal(tcpsip_stats(t)->connections, 5);

	/* RST drops the direction, partial message and all. */
	feed_f(t, &f3, 0, SYN, NULL, 0, 11, &r);
	feed_f(t, &f3, 1, ACK, m_ok, 40, 12, &r);
	assert_true(tcpsip_mem_used(t) > 0);
	feed_f(t, &f3, 41, RST, NULL, 0, 13, &r);
	assert_int_equal(tcpsip_mem_used(t), 0);
	assert_int_equal(tcpsip_conn_count(t), 2);
	rec_free(&r);
	tcpsip_free(t);
}

static void test_malformed(void **state)
{
	struct tcpsip *t = mk();
	struct tcpsip_flow f = flow_a();
	struct rec r = { 0 };
	size_t len;
	uint8_t *s;
	(void)state;

	s = mkseg(1, ACK, m_ok, L(m_ok), &len);
	s[12] = 4 << 4;		/* data offset < 5 */
	assert_int_equal(tcpsip_feed(t, &f, s, len, 1, on_msg, &r), -EINVAL);
	s[12] = 15 << 4;	/* 60 bytes of header... */
	assert_int_equal(tcpsip_feed(t, &f, s, 59, 1, on_msg, &r), -EINVAL);
	assert_int_equal(tcpsip_feed(t, &f, s, 60, 1, on_msg, &r), 0);
	s[12] = 0;
	assert_int_equal(tcpsip_feed(t, &f, s, len, 1, on_msg, &r), -EINVAL);
	assert_int_equal(tcpsip_feed(t, &f, s, 19, 1, on_msg, &r), -EINVAL);
	assert_int_equal(tcpsip_stats(t)->malformed, 4);
	assert_int_equal(tcpsip_stats(t)->segments, 1);
	assert_int_equal(r.n, 0);
	free(s);
	/* Options (doff 8) are skipped. */
	s = mkseg(0, ACK, NULL, 12 + L(m_bye), &len);
	s[12] = 8 << 4;
	memcpy(s + 32, m_bye, L(m_bye));
	assert_int_equal(tcpsip_feed(t, &f, s, len, 2, on_msg, &r), 0);
	assert_int_equal(r.n, 1);
	assert_msg(&r, 0, m_bye, L(m_bye));
	free(s);
	rec_free(&r);
	tcpsip_free(t);

	assert_null(tcpsip_new(0, 1, 1, 1));
	assert_null(tcpsip_new(1, 1, 1, 0));
	tcpsip_free(NULL);
}

/* Every captured length of a segment; the stream goes on behind it. */
static void test_truncations(void **state)
{
	struct tcpsip_flow f = flow_a();
	size_t len, cut, n = L(m_invite);
	uint8_t *full = mkseg(1, ACK, m_invite, n, &len);
	(void)state;

	for (cut = 0; cut <= len; cut++) {
		struct tcpsip *t = mk();
		struct rec r = { 0 };
		uint8_t *s = malloc(cut ? cut : 1);
		int rc;

		assert_non_null(s);
		memcpy(s, full, cut);
		tcpsip_set_gap_timeout(t, 100 * MS);
		feed(t, 0, SYN, NULL, 0, 0, &r);
		rc = tcpsip_feed(t, &f, s, cut, 1, on_msg, &r);
		assert_int_equal(rc, cut < 20 ? -EINVAL : 0);
		feed(t, 1 + (uint32_t)n, ACK, m_ok, L(m_ok), 2, &r);
		tcpsip_expire_cb(t, 1 * SEC, on_msg, &r);
		if (cut == len) {
			assert_int_equal(r.n, 2);
			assert_msg(&r, 0, m_invite, n);
			assert_msg(&r, 1, m_ok, L(m_ok));
		} else {
			assert_int_equal(r.n, 1);
			assert_msg(&r, 0, m_ok, L(m_ok));
		}
		assert_int_equal(tcpsip_mem_used(t), 0);
		free(s);
		rec_free(&r);
		tcpsip_free(t);
	}
	free(full);
}

/* Every split point of a three-message stream, fed both in and out of order. */
static void test_every_split(void **state)
{
	size_t n, cut;
	char *s = cat3(m_invite, m_ok, m_bye, &n);
	int rev;
	(void)state;

	for (rev = 0; rev < 2; rev++) {
		for (cut = 1; cut < n; cut++) {
			struct tcpsip *t = mk();
			struct rec r = { 0 };

			feed(t, 100, SYN, NULL, 0, 0, &r);
			if (rev)
				feed(t, 101 + (uint32_t)cut, ACK, s + cut, n - cut, 1, &r);
			feed(t, 101, ACK, s, cut, 2, &r);
			if (!rev)
				feed(t, 101 + (uint32_t)cut, ACK, s + cut, n - cut, 3, &r);
			assert_int_equal(r.n, 3);
			assert_msg(&r, 0, m_invite, L(m_invite));
			assert_msg(&r, 1, m_ok, L(m_ok));
			assert_msg(&r, 2, m_bye, L(m_bye));
			assert_int_equal(tcpsip_mem_used(t), 0);
			rec_free(&r);
			tcpsip_free(t);
		}
	}
	free(s);
}

static void test_directions_and_eviction(void **state)
{
	struct tcpsip *t = tcpsip_new(65536, 1 << 20, 30 * SEC, 2);
	struct tcpsip_flow a = flow_n(0), b = flow_n(1), c = flow_n(2), rev = flow_n(0);
	struct rec r = { 0 };
	(void)state;

	assert_non_null(t);
	rev.src = a.dst;
	rev.dst = a.src;
	rev.sport = a.dport;
	rev.dport = a.sport;
	/* Interleaved halves on the two directions of one connection. */
	feed_f(t, &a, 0, SYN, NULL, 0, 1, &r);
	feed_f(t, &rev, 5000, SYN | ACK, NULL, 0, 1, &r);
	feed_f(t, &a, 1, ACK, m_invite, 50, 2, &r);
	feed_f(t, &rev, 5001, ACK, m_ok, 50, 2, &r);
	feed_f(t, &a, 51, ACK, m_invite + 50, L(m_invite) - 50, 3, &r);
	feed_f(t, &rev, 5051, ACK, m_ok + 50, L(m_ok) - 50, 4, &r);
	assert_int_equal(r.n, 2);
	assert_msg(&r, 0, m_invite, L(m_invite));
	assert_memory_equal(&r.flow[0], &a, sizeof(a));
	assert_msg(&r, 1, m_ok, L(m_ok));
	assert_memory_equal(&r.flow[1], &rev, sizeof(rev));
	/* A third direction evicts the least recently fed (a). */
	feed_f(t, &rev, 5001 + L(m_ok), ACK, CRLF, 2, 5, &r);
	feed_f(t, &b, 0, SYN, NULL, 0, 6, &r);
	assert_int_equal(tcpsip_stats(t)->connections_evicted, 1);
	assert_int_equal(tcpsip_conn_count(t), 2);
	feed_f(t, &c, 0, SYN, NULL, 0, 7, &r);
	assert_int_equal(tcpsip_stats(t)->connections_evicted, 2);
	/* rev was evicted second; b survives. */
	feed_f(t, &b, 1, ACK, m_bye, L(m_bye), 8, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(tcpsip_stats(t)->connections, 4);
	rec_free(&r);
	tcpsip_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_per_segment),
		cmocka_unit_test(test_several_per_segment),
		cmocka_unit_test(test_across_three),
		cmocka_unit_test(test_reordered),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_not_sip_midstream),
		cmocka_unit_test(test_no_content_length),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_conn_memory),
		cmocka_unit_test(test_total_memory),
		cmocka_unit_test(test_total_memory_paths),
		cmocka_unit_test(test_idle_expiry),
		cmocka_unit_test(test_gap_timeout),
		cmocka_unit_test(test_fin),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_directions_and_eviction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
