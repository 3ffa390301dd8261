// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/ipfrag.c.  Every packet is fed from an exact-size heap
 * copy, so ASan catches any read past len.
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

#include "ipfrag.h"

#define MS		1000000ULL
#define TIMEOUT		(30000 * MS)
#define MEM		(4u << 20)

static const uint8_t v4_src[4] = { 192, 0, 2, 1 }, v4_dst[4] = { 192, 0, 2, 2 };
static const uint8_t v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* The heap copy of the last packet fed: a NOT_FRAGMENT result points into it. */
static uint8_t *last_copy;

static int feed(struct ipfrag_table *t, const uint8_t *pkt, size_t len, uint64_t now,
		struct ipfrag_result *res)
{
	free(last_copy);
	last_copy = malloc(len ? len : 1);
	assert_non_null(last_copy);
	memcpy(last_copy, pkt, len);
	return ipfrag_feed(t, last_copy, len, now, res);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* IPv4 fragment with a 20 + opt_len byte header.  Returns the packet length. */
static size_t v4_frag_opt(uint8_t *pkt, uint16_t id, uint8_t proto, uint32_t off, int mf,
			  const uint8_t *data, size_t dlen, size_t opt_len)
{
	size_t ihl = 20 + opt_len;

	memset(pkt, 0, ihl);
	pkt[0] = 0x40 | (uint8_t)(ihl / 4);
	put16(pkt + 2, (uint16_t)(ihl + dlen));
	put16(pkt + 4, id);
	put16(pkt + 6, (uint16_t)((mf ? 0x2000 : 0) | off / 8));
	pkt[8] = 64;
	pkt[9] = proto;
	memcpy(pkt + 12, v4_src, 4);
	memcpy(pkt + 16, v4_dst, 4);
	memset(pkt + 20, 1, opt_len);	/* NOP options */
	memcpy(pkt + ihl, data, dlen);
	return ihl + dlen;
}

static size_t v4_frag(uint8_t *pkt, uint16_t id, uint32_t off, int mf, const uint8_t *data,
		      size_t dlen)
{
	return v4_frag_opt(pkt, id, 17, off, mf, data, dlen, 0);
}

/*
 * IPv6 fragment: fixed header, dstopts_len bytes of destination options
 * (0, or a multiple of 8), the fragment header (next header nh), the data.
 */
static size_t v6_frag(uint8_t *pkt, uint32_t id, uint8_t nh, size_t dstopts_len, uint32_t off,
		      int m, const uint8_t *data, size_t dlen)
{
	size_t o = 40;

	memset(pkt, 0, 40);
	pkt[0] = 0x60;
	put16(pkt + 4, (uint16_t)(dstopts_len + 8 + dlen));
	pkt[6] = dstopts_len ? 60 : 44;
	pkt[7] = 64;
	memcpy(pkt + 8, v6_src, 16);
	memcpy(pkt + 24, v6_dst, 16);
	if (dstopts_len) {
		memset(pkt + o, 0, dstopts_len);
		pkt[o] = 44;
		pkt[o + 1] = (uint8_t)(dstopts_len / 8 - 1);
		pkt[o + 2] = 1;			/* PadN covering the rest */
		pkt[o + 3] = (uint8_t)(dstopts_len - 4);
		o += dstopts_len;
	}
	pkt[o] = nh;
	pkt[o + 1] = 0;
	put16(pkt + o + 2, (uint16_t)(off | (m ? 1 : 0)));
	pkt[o + 4] = id >> 24;
	pkt[o + 5] = (id >> 16) & 0xff;
	pkt[o + 6] = (id >> 8) & 0xff;
	pkt[o + 7] = id & 0xff;
	o += 8;
	memcpy(pkt + o, data, dlen);
	return o + dlen;
}

/* A 4000-byte UDP datagram carrying a SIP INVITE (UDP header + 3992 bytes). */
static size_t make_invite(uint8_t *dg, size_t size)
{
	static const char head[] =
		"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds\r\n"
		"Max-Forwards: 70\r\n"
		"To: Bob <sip:bob@biloxi.example.com>\r\n"
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
		"Content-Type: application/sdp\r\n";
	static const char sdp_head[] =
		"v=0\r\n"
		"o=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 49170 RTP/AVP 0 8 101\r\n";
	char clen[64];
	size_t n, body, i, o = 8;

	assert_true(size >= 4000);
	/* Content-Length: 4 digits, so the header is a fixed size. */
	n = strlen(head) + strlen("Content-Length: 0000\r\n\r\n");
	body = 3992 - n;
	put16(dg, 5060);
	put16(dg + 2, 5060);
	put16(dg + 4, 4000);
	put16(dg + 6, 0);
	memcpy(dg + o, head, strlen(head));
	o += strlen(head);
	snprintf(clen, sizeof(clen), "Content-Length: %04zu\r\n\r\n", body);
	memcpy(dg + o, clen, strlen(clen));
	o += strlen(clen);
	memcpy(dg + o, sdp_head, strlen(sdp_head));
	o += strlen(sdp_head);
	/* Many a= lines, as a large offer has; pad the last one to the size. */
	for (i = 0; o + 40 < 4000; i++) {
		int k = snprintf(clen, sizeof(clen), "a=x-pad:%06zu\r\n", i);

		memcpy(dg + o, clen, (size_t)k);
		o += (size_t)k;
	}
	memset(dg + o, 'z', 4000 - o - 2);
	dg[3998] = '\r';
	dg[3999] = '\n';
	return 4000;
}

/* Fragment a datagram at 1480-byte boundaries (a 1500-byte MTU). */
struct frags {
	uint8_t pkt[8][1600];
	size_t len[8];
	int n;
};

static void split_v4(struct frags *f, uint16_t id, const uint8_t *dg, size_t len)
{
	size_t off;

	f->n = 0;
	for (off = 0; off < len; off += 1480) {
		size_t n = len - off > 1480 ? 1480 : len - off;

		f->len[f->n] = v4_frag(f->pkt[f->n], id, (uint32_t)off, off + n < len, dg + off, n);
		f->n++;
	}
}

static void split_v6(struct frags *f, uint32_t id, size_t dstopts, const uint8_t *dg, size_t len)
{
	size_t off;

	f->n = 0;
	for (off = 0; off < len; off += 1448) {
		size_t n = len - off > 1448 ? 1448 : len - off;

		f->len[f->n] = v6_frag(f->pkt[f->n], id, 17, dstopts, (uint32_t)off, off + n < len,
				       dg + off, n);
		f->n++;
	}
}

static void assert_v4_addrs(const struct ipfrag_result *r)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	assert_int_equal(r->family, 4);
	assert_memory_equal(r->src.a, mapped, 12);
	assert_memory_equal(r->src.a + 12, v4_src, 4);
	assert_memory_equal(r->dst.a + 12, v4_dst, 4);
}

/* Feed the fragments in the given order; all but the last must be held. */
static void feed_order(struct ipfrag_table *t, const struct frags *f, const int *order,
		       struct ipfrag_result *r)
{
	int i;

	for (i = 0; i < f->n; i++) {
		int rc = feed(t, f->pkt[order[i]], f->len[order[i]], (uint64_t)i * MS, r);

		assert_int_equal(rc, i == f->n - 1 ? IPFRAG_COMPLETE : IPFRAG_HELD);
	}
}

static void test_not_fragment(void **state)
{
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	uint8_t pkt[200], udp[12] = { 0x13, 0xc4, 0x13, 0xc4, 0, 12, 0, 0, 'S', 'I', 'P', '/' };
	struct ipfrag_result r;
	size_t len;

	(void)state;
	/* IPv4 with Ethernet padding after the total length: ignored. */
	len = v4_frag(pkt, 7, 0, 0, udp, sizeof(udp));
	memset(pkt + len, 0xee, 60 - len);
	assert_int_equal(feed(t, pkt, 60, 0, &r), IPFRAG_NOT_FRAGMENT);
	assert_v4_addrs(&r);
	assert_int_equal(r.proto, 17);
	assert_ptr_equal(r.l4, last_copy + 20);
	assert_int_equal(r.l4_len, sizeof(udp));
	assert_memory_equal(r.l4, udp, sizeof(udp));
	assert_false(r.truncated);

	/* With options: IHL honoured. */
	len = v4_frag_opt(pkt, 7, 17, 0, 0, udp, sizeof(udp), 8);
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_NOT_FRAGMENT);
	assert_ptr_equal(r.l4, last_copy + 28);
	assert_int_equal(r.l4_len, sizeof(udp));

	/* DF set is not a fragment either. */
	pkt[6] = 0x40;
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_NOT_FRAGMENT);

	/* Capture shorter than the total length: what is there, flagged. */
	assert_int_equal(feed(t, pkt, len - 2, 0, &r), IPFRAG_NOT_FRAGMENT);
	assert_true(r.truncated);
	assert_int_equal(r.l4_len, sizeof(udp) - 2);

	/* IPv6 without a fragment header, with a hop-by-hop header. */
	memset(pkt, 0, 40);
	pkt[0] = 0x60;
	put16(pkt + 4, 8 + sizeof(udp));
	pkt[6] = 0;
	memcpy(pkt + 8, v6_src, 16);
	memcpy(pkt + 24, v6_dst, 16);
	memset(pkt + 40, 0, 8);
	pkt[40] = 17;
	pkt[42] = 1;
	pkt[43] = 4;
	memcpy(pkt + 48, udp, sizeof(udp));
	memset(pkt + 48 + sizeof(udp), 0, 4);	/* padding */
	assert_int_equal(feed(t, pkt, 48 + sizeof(udp) + 4, 0, &r), IPFRAG_NOT_FRAGMENT);
	assert_int_equal(r.family, 6);
	assert_int_equal(r.proto, 17);
	assert_memory_equal(r.src.a, v6_src, 16);
	assert_memory_equal(r.dst.a, v6_dst, 16);
	assert_ptr_equal(r.l4, last_copy + 48);
	assert_int_equal(r.l4_len, sizeof(udp));

	/* IPv6 atomic fragment (RFC 6946): a whole packet. */
	len = v6_frag(pkt, 99, 17, 0, 0, 0, udp, sizeof(udp));
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_NOT_FRAGMENT);
	assert_int_equal(r.proto, 17);
	assert_ptr_equal(r.l4, last_copy + 48);
	assert_int_equal(r.l4_len, sizeof(udp));

	assert_int_equal(ipfrag_stats(t)->fragments, 0);
	assert_int_equal(ipfrag_stats(t)->invalid, 0);
	assert_int_equal(ipfrag_pending(t), 0);
	ipfrag_free(t);
}

/* The 3-fragment 4000-byte INVITE, in order, byte-exact. */
static void test_invite_in_order(void **state)
{
	static const int order[] = { 0, 1, 2 };
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	static uint8_t dg[4000];
	static struct frags f;
	struct ipfrag_result r;

	(void)state;
	make_invite(dg, sizeof(dg));
	split_v4(&f, 0x1234, dg, sizeof(dg));
	assert_int_equal(f.n, 3);
	assert_int_equal(f.len[2], 20 + 1040);
	feed_order(t, &f, order, &r);
	assert_v4_addrs(&r);
	assert_int_equal(r.proto, 17);
	assert_int_equal(r.l4_len, 4000);
	assert_memory_equal(r.l4, dg, 4000);
	assert_memory_equal(r.l4 + 8, "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n", 43);
	assert_int_equal(ipfrag_stats(t)->fragments, 3);
	assert_int_equal(ipfrag_stats(t)->completed, 1);
	assert_int_equal(ipfrag_pending(t), 0);
	assert_int_equal(ipfrag_mem_used(t), 0);
	ipfrag_free(t);
}

static void test_reverse_order(void **state)
{
	static const int order[] = { 2, 1, 0 };
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	static uint8_t dg[4000];
	static struct frags f;
	struct ipfrag_result r;

	(void)state;
	make_invite(dg, sizeof(dg));
	split_v4(&f, 0x4321, dg, sizeof(dg));
	feed_order(t, &f, order, &r);
	assert_int_equal(r.l4_len, 4000);
	assert_memory_equal(r.l4, dg, 4000);
	assert_int_equal(ipfrag_mem_used(t), 0);
	ipfrag_free(t);
}

/* Every order of the three fragments, then a datagram with a hole. */
static void test_out_of_order(void **state)
{
	static const int orders[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	static uint8_t dg[4000];
	static struct frags f;
	struct ipfrag_result r;
	int i;

	(void)state;
	make_invite(dg, sizeof(dg));
	for (i = 0; i < 6; i++) {
		split_v4(&f, (uint16_t)(100 + i), dg, sizeof(dg));
		feed_order(t, &f, orders[i], &r);
		assert_int_equal(r.l4_len, 4000);
		assert_memory_equal(r.l4, dg, 4000);
	}
	assert_int_equal(ipfrag_stats(t)->completed, 6);

	/* First and last but not the middle: held, however long. */
	split_v4(&f, 200, dg, sizeof(dg));
	assert_int_equal(feed(t, f.pkt[2], f.len[2], 0, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, f.pkt[0], f.len[0], 0, &r), IPFRAG_HELD);
	assert_int_equal(ipfrag_pending(t), 1);
	assert_true(ipfrag_mem_used(t) > 0);
	assert_int_equal(feed(t, f.pkt[1], f.len[1], 0, &r), IPFRAG_COMPLETE);
	assert_memory_equal(r.l4, dg, 4000);
	ipfrag_free(t);
}

static void test_duplicates(void **state)
{
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	static uint8_t dg[4000];
	static struct frags f;
	struct ipfrag_result r;
	size_t mem;

	(void)state;
	make_invite(dg, sizeof(dg));
	split_v4(&f, 7, dg, sizeof(dg));
	assert_int_equal(feed(t, f.pkt[0], f.len[0], 0, &r), IPFRAG_HELD);
	mem = ipfrag_mem_used(t);
	assert_int_equal(feed(t, f.pkt[0], f.len[0], 0, &r), IPFRAG_HELD);
	assert_int_equal(ipfrag_mem_used(t), mem);
	assert_int_equal(feed(t, f.pkt[2], f.len[2], 0, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, f.pkt[2], f.len[2], 0, &r), IPFRAG_HELD);
	assert_int_equal(ipfrag_stats(t)->duplicates, 2);
	assert_int_equal(feed(t, f.pkt[1], f.len[1], 0, &r), IPFRAG_COMPLETE);
	assert_memory_equal(r.l4, dg, 4000);
	assert_int_equal(ipfrag_stats(t)->fragments, 5);
	assert_int_equal(ipfrag_stats(t)->overlaps, 0);
	ipfrag_free(t);
}

static void test_overlap_different(void **state)
{
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	static uint8_t dg[4000], evil[1488];
	static uint8_t pkt[1600];
	static struct frags f;
	struct ipfrag_result r;
	size_t len;

	(void)state;
	make_invite(dg, sizeof(dg));
	split_v4(&f, 9, dg, sizeof(dg));
	assert_int_equal(feed(t, f.pkt[0], f.len[0], 0, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, f.pkt[2], f.len[2], 0, &r), IPFRAG_HELD);

	/* Middle fragment starting 8 bytes early, one of those bytes changed. */
	memcpy(evil, dg + 1472, sizeof(evil));
	evil[3] ^= 0x20;
	len = v4_frag(pkt, 9, 1472, 1, evil, sizeof(evil));
	assert_int_equal(feed(t, pkt, len, 0, &r), -EBADMSG);
	assert_int_equal(ipfrag_stats(t)->overlaps, 1);
	assert_int_equal(ipfrag_pending(t), 0);
	assert_int_equal(ipfrag_mem_used(t), 0);

	/* The whole datagram is gone: the true middle now starts a new one. */
	assert_int_equal(feed(t, f.pkt[1], f.len[1], 0, &r), IPFRAG_HELD);

	/* Same for a whole-fragment rewrite of held bytes (a changed copy of frag 1). */
	memcpy(pkt, f.pkt[1], f.len[1]);
	pkt[f.len[1] - 1] ^= 1;
	assert_int_equal(feed(t, pkt, f.len[1], 0, &r), -EBADMSG);
	assert_int_equal(ipfrag_stats(t)->overlaps, 2);
	assert_int_equal(ipfrag_stats(t)->completed, 0);

	/* IPv6 too (RFC 5722). */
	len = v6_frag(pkt, 5, 17, 0, 0, 1, dg, 1448);
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_HELD);
	memcpy(evil, dg + 1440, 16);
	evil[3] ^= 1;		/* a held byte: 1440..1447 overlap */
	len = v6_frag(pkt, 5, 17, 0, 1440, 0, evil, 16);
	assert_int_equal(feed(t, pkt, len, 0, &r), -EBADMSG);
	assert_int_equal(ipfrag_stats(t)->overlaps, 3);
	assert_int_equal(ipfrag_pending(t), 0);
	ipfrag_free(t);
}

static void test_overlap_same(void **state)
{
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	static uint8_t dg[4000];
	static uint8_t pkt[3][2700];
	struct ipfrag_result r;
	size_t len[3];

	(void)state;
	make_invite(dg, sizeof(dg));
	/* [0,1488) [1480,2960) [2952,4000): 8 bytes of overlap each time, identical. */
	len[0] = v4_frag(pkt[0], 11, 0, 1, dg, 1488);
	len[1] = v4_frag(pkt[1], 11, 1480, 1, dg + 1480, 1480);
	len[2] = v4_frag(pkt[2], 11, 2952, 0, dg + 2952, 4000 - 2952);
	assert_int_equal(feed(t, pkt[2], len[2], 0, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, pkt[0], len[0], 0, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, pkt[1], len[1], 0, &r), IPFRAG_COMPLETE);
	assert_int_equal(r.l4_len, 4000);
	assert_memory_equal(r.l4, dg, 4000);

	/* A fragment spanning two held ones, identical: accepted, completes. */
	len[0] = v4_frag(pkt[0], 12, 0, 1, dg, 1480);
	len[1] = v4_frag(pkt[1], 12, 2960, 0, dg + 2960, 1040);
	len[2] = v4_frag(pkt[2], 12, 1472, 1, dg + 1472, 1496);
	assert_int_equal(feed(t, pkt[0], len[0], 0, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, pkt[1], len[1], 0, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, pkt[2], len[2], 0, &r), IPFRAG_COMPLETE);
	assert_memory_equal(r.l4, dg, 4000);
	assert_int_equal(ipfrag_stats(t)->overlaps, 0);
	assert_int_equal(ipfrag_stats(t)->duplicates, 0);
	ipfrag_free(t);
}

static void test_timeout(void **state)
{
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	static uint8_t dg[4000];
	static struct frags f;
	struct ipfrag_result r;
	const uint64_t t0 = 1000 * MS;

	(void)state;
	make_invite(dg, sizeof(dg));
	split_v4(&f, 21, dg, sizeof(dg));
	assert_int_equal(feed(t, f.pkt[0], f.len[0], t0, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, f.pkt[1], f.len[1], t0 + TIMEOUT - 1, &r), IPFRAG_HELD);
	ipfrag_expire(t, t0 + TIMEOUT - 1);
	assert_int_equal(ipfrag_pending(t), 1);
	ipfrag_expire(t, t0 - 5);		/* a clock going back expires nothing */
	assert_int_equal(ipfrag_pending(t), 1);
	ipfrag_expire(t, t0 + TIMEOUT);
	assert_int_equal(ipfrag_pending(t), 0);
	assert_int_equal(ipfrag_mem_used(t), 0);
	assert_int_equal(ipfrag_stats(t)->timed_out, 1);

	/* The last fragment alone does not complete anything now. */
	assert_int_equal(feed(t, f.pkt[2], f.len[2], t0 + TIMEOUT, &r), IPFRAG_HELD);

	/* Without ipfrag_expire: a late fragment finds its datagram expired. */
	split_v4(&f, 22, dg, sizeof(dg));
	assert_int_equal(feed(t, f.pkt[0], f.len[0], t0, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, f.pkt[1], f.len[1], t0, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, f.pkt[2], f.len[2], t0 + 2 * TIMEOUT, &r), IPFRAG_HELD);
	assert_int_equal(ipfrag_stats(t)->timed_out, 3);
	assert_int_equal(ipfrag_stats(t)->completed, 0);
	assert_int_equal(ipfrag_pending(t), 1);
	ipfrag_free(t);

	/* Replay time going backwards: an expired datagram behind a young head. */
	t = ipfrag_new(MEM, TIMEOUT);
	split_v4(&f, 23, dg, sizeof(dg));
	assert_int_equal(feed(t, f.pkt[0], f.len[0], t0, &r), IPFRAG_HELD);
	split_v4(&f, 24, dg, sizeof(dg));
	assert_int_equal(feed(t, f.pkt[0], f.len[0], 0, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, f.pkt[1], f.len[1], TIMEOUT, &r), IPFRAG_HELD);
	assert_int_equal(ipfrag_stats(t)->timed_out, 1);
	assert_int_equal(feed(t, f.pkt[2], f.len[2], TIMEOUT, &r), IPFRAG_HELD);
	assert_int_equal(ipfrag_pending(t), 2);
	ipfrag_free(t);
}

static void test_memory_bound(void **state)
{
	/* Room for about two 4000-byte datagrams in progress, not three. */
	const size_t limit = 12000;
	struct ipfrag_table *t = ipfrag_new(limit, TIMEOUT);
	static uint8_t dg[4000], big[16000];
	static struct frags f[3];
	static uint8_t pkt[1600];
	struct ipfrag_result r;
	size_t len, off;
	int i, rc;

	(void)state;
	make_invite(dg, sizeof(dg));
	for (i = 0; i < 3; i++) {
		split_v4(&f[i], (uint16_t)(300 + i), dg, sizeof(dg));
		assert_int_equal(feed(t, f[i].pkt[2], f[i].len[2], (uint64_t)i, &r), IPFRAG_HELD);
		assert_true(ipfrag_mem_used(t) <= limit);
	}
	assert_int_equal(ipfrag_stats(t)->dropped_memory, 1);
	assert_int_equal(ipfrag_pending(t), 2);
	/* The oldest (300) went: its other fragments do not complete it. */
	assert_int_equal(feed(t, f[0].pkt[0], f[0].len[0], 3, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, f[0].pkt[1], f[0].len[1], 3, &r), IPFRAG_HELD);
	assert_true(ipfrag_mem_used(t) <= limit);
	/* 301 was then the oldest and made room for 300 again; 302 is intact. */
	assert_int_equal(ipfrag_stats(t)->dropped_memory, 2);
	assert_int_equal(feed(t, f[2].pkt[0], f[2].len[0], 4, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, f[2].pkt[1], f[2].len[1], 4, &r), IPFRAG_COMPLETE);
	assert_memory_equal(r.l4, dg, 4000);

	/* A datagram that alone outgrows the limit: -ENOMEM, nothing left of it. */
	for (off = 0; off < sizeof(big); off += 1480) {
		size_t n = sizeof(big) - off > 1480 ? 1480 : sizeof(big) - off;

		memset(big + off, (int)off, n);
		len = v4_frag(pkt, 400, (uint32_t)off, off + n < sizeof(big), big + off, n);
		r.l4 = NULL;
		rc = feed(t, pkt, len, 5, &r);
		if (rc == -ENOMEM)
			break;
		assert_int_equal(rc, IPFRAG_HELD);
		assert_true(ipfrag_mem_used(t) <= limit);
	}
	assert_true(off < sizeof(big));
	assert_true(ipfrag_mem_used(t) <= limit);
	assert_int_equal(ipfrag_pending(t), 0);

	/* A limit below one datagram's bookkeeping: every fragment refused. */
	ipfrag_free(t);
	t = ipfrag_new(16, TIMEOUT);
	assert_int_equal(feed(t, f[1].pkt[0], f[1].len[0], 0, &r), -ENOMEM);
	assert_int_equal(ipfrag_mem_used(t), 0);
	assert_int_equal(ipfrag_stats(t)->dropped_memory, 1);
	ipfrag_free(t);
}

static void test_too_many(void **state)
{
	struct ipfrag_table *t = ipfrag_new(64u << 20, TIMEOUT);
	static uint8_t dg[4000];
	static struct frags f;
	struct ipfrag_result r;
	unsigned int i;

	(void)state;
	make_invite(dg, sizeof(dg));
	for (i = 0; i <= IPFRAG_DEF_MAX_DATAGRAMS; i++) {
		split_v4(&f, (uint16_t)i, dg, sizeof(dg));
		assert_int_equal(feed(t, f.pkt[0], f.len[0], i, &r), IPFRAG_HELD);
	}
	assert_int_equal(ipfrag_pending(t), IPFRAG_DEF_MAX_DATAGRAMS);
	assert_int_equal(ipfrag_stats(t)->dropped_too_many, 1);

	/* id 0, the oldest, was dropped; id 1 is complete with its other two. */
	split_v4(&f, 1, dg, sizeof(dg));
	assert_int_equal(feed(t, f.pkt[1], f.len[1], i, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, f.pkt[2], f.len[2], i, &r), IPFRAG_COMPLETE);
	assert_memory_equal(r.l4, dg, 4000);
	split_v4(&f, 0, dg, sizeof(dg));
	assert_int_equal(feed(t, f.pkt[1], f.len[1], i, &r), IPFRAG_HELD);
	assert_int_equal(feed(t, f.pkt[2], f.len[2], i, &r), IPFRAG_HELD);
	assert_int_equal(ipfrag_stats(t)->dropped_too_many, 1);	/* 1 completed: room */

	/* A lower bound set at run time. */
	ipfrag_set_max_datagrams(t, 2);
	split_v4(&f, 5000, dg, sizeof(dg));
	assert_int_equal(feed(t, f.pkt[0], f.len[0], i, &r), IPFRAG_HELD);
	assert_int_equal(ipfrag_pending(t), 2);
	assert_int_equal(ipfrag_stats(t)->dropped_too_many, 1 + IPFRAG_DEF_MAX_DATAGRAMS - 1);
	ipfrag_free(t);
}

/* IPv6 with destination options before the fragment header. */
static void test_ipv6_dstopts(void **state)
{
	static const int order[] = { 1, 2, 0 };
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	static uint8_t dg[4000];
	static struct frags f;
	struct ipfrag_result r;

	(void)state;
	make_invite(dg, sizeof(dg));
	split_v6(&f, 0xdeadbeef, 16, dg, sizeof(dg));
	assert_int_equal(f.n, 3);
	feed_order(t, &f, order, &r);
	assert_int_equal(r.family, 6);
	assert_int_equal(r.proto, 17);
	assert_memory_equal(r.src.a, v6_src, 16);
	assert_memory_equal(r.dst.a, v6_dst, 16);
	assert_int_equal(r.l4_len, 4000);
	assert_memory_equal(r.l4, dg, 4000);

	ipfrag_free(t);
}

/* IPv6 whose fragmentable part opens with destination options. */
static void test_ipv6_inner_options(void **state)
{
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	static uint8_t dg[8 + 4000], pkt[1600];
	struct ipfrag_result r;
	size_t len, off;

	(void)state;
	make_invite(dg + 8, 4000);
	memset(dg, 0, 8);
	dg[0] = 17;
	for (off = 0; off < sizeof(dg); off += 1448) {
		size_t n = sizeof(dg) - off > 1448 ? 1448 : sizeof(dg) - off;
		int more = off + n < sizeof(dg);

		len = v6_frag(pkt, 78, 60, 8, (uint32_t)off, more, dg + off, n);
		assert_int_equal(feed(t, pkt, len, 0, &r), more ? IPFRAG_HELD : IPFRAG_COMPLETE);
	}
	assert_int_equal(r.proto, 17);
	assert_int_equal(r.l4_len, 4000);
	assert_memory_equal(r.l4, dg + 8, 4000);

	/* Options longer than the reassembled datagram; a fragment header inside. */
	dg[1] = 2;		/* 24 bytes */
	len = v6_frag(pkt, 79, 60, 0, 0, 1, dg, 8);
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_HELD);
	len = v6_frag(pkt, 79, 60, 0, 8, 0, dg + 8, 8);
	assert_int_equal(feed(t, pkt, len, 0, &r), -EINVAL);
	dg[0] = 44;
	dg[1] = 0;
	len = v6_frag(pkt, 80, 60, 0, 0, 1, dg, 8);
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_HELD);
	len = v6_frag(pkt, 80, 60, 0, 8, 0, dg + 8, 16);
	assert_int_equal(feed(t, pkt, len, 0, &r), -EINVAL);
	assert_int_equal(ipfrag_stats(t)->invalid, 2);
	assert_int_equal(ipfrag_stats(t)->completed, 1);
	assert_int_equal(ipfrag_pending(t), 0);
	assert_int_equal(ipfrag_mem_used(t), 0);
	ipfrag_free(t);
}

/* Every prefix of a packet: never a read past len, -EINVAL or a clear answer. */
static void truncate_all(struct ipfrag_table *t, const uint8_t *pkt, size_t full, size_t hdr,
			 int frag)
{
	struct ipfrag_result r;
	size_t len;

	for (len = 0; len < full; len++) {
		uint64_t inval = ipfrag_stats(t)->invalid;
		int rc = feed(t, pkt, len, 0, &r);

		if (len < hdr || frag) {
			assert_int_equal(rc, -EINVAL);
			assert_int_equal(ipfrag_stats(t)->invalid, inval + 1);
		} else {
			assert_int_equal(rc, IPFRAG_NOT_FRAGMENT);
			assert_true(r.truncated);
			assert_int_equal(r.l4_len, len - hdr);
		}
	}
	assert_int_equal(ipfrag_pending(t), 0);
}

static void test_truncated(void **state)
{
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	uint8_t data[64], pkt[200];
	size_t len;

	(void)state;
	memset(data, 0xab, sizeof(data));
	len = v4_frag(pkt, 1, 0, 1, data, sizeof(data));
	truncate_all(t, pkt, len, 20, 1);
	len = v4_frag(pkt, 1, 64, 0, data, 10);
	truncate_all(t, pkt, len, 20, 1);
	len = v4_frag_opt(pkt, 1, 17, 0, 0, data, sizeof(data), 12);
	truncate_all(t, pkt, len, 32, 0);
	len = v6_frag(pkt, 1, 17, 24, 0, 1, data, sizeof(data));
	truncate_all(t, pkt, len, 40 + 24 + 8, 1);
	len = v6_frag(pkt, 1, 17, 8, 64, 0, data, 10);
	truncate_all(t, pkt, len, 40 + 8 + 8, 1);
	/* Atomic fragment behind destination options: a whole packet. */
	len = v6_frag(pkt, 1, 17, 8, 0, 0, data, 10);
	truncate_all(t, pkt, len, 40 + 8 + 8, 0);
	assert_int_equal(ipfrag_stats(t)->fragments, 0);
	ipfrag_free(t);
}

static void test_malformed(void **state)
{
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	uint8_t data[64], pkt[200];
	struct ipfrag_result r;
	size_t len;
	uint64_t bad = 0;

	(void)state;
	memset(data, 0x5a, sizeof(data));
#define BAD(p, l) do { assert_int_equal(feed(t, p, l, 0, &r), -EINVAL); \
		assert_int_equal(ipfrag_stats(t)->invalid, ++bad); } while (0)
	/* Neither version 4 nor 6. */
	len = v4_frag(pkt, 1, 0, 1, data, 16);
	pkt[0] = 0x55;
	BAD(pkt, len);
	/* IHL below 5, IHL past the capture, total length below IHL. */
	len = v4_frag(pkt, 1, 0, 1, data, 16);
	pkt[0] = 0x44;
	BAD(pkt, len);
	pkt[0] = 0x4f;
	BAD(pkt, 40);
	pkt[0] = 0x45;
	put16(pkt + 2, 19);
	BAD(pkt, len);
	/* A non-last fragment whose length is not a multiple of 8. */
	len = v4_frag(pkt, 1, 0, 1, data, 15);
	BAD(pkt, len);
	/* An empty fragment. */
	len = v4_frag(pkt, 1, 8, 0, data, 0);
	BAD(pkt, len);
	/* Past 65535 bytes: offset 65512 + 24 bytes + 20 header. */
	len = v4_frag(pkt, 1, 65512, 0, data, 24);
	BAD(pkt, len);
	/* IPv6 jumbogram: payload length 0 with hop-by-hop. */
	len = v6_frag(pkt, 1, 17, 0, 8, 0, data, 16);
	put16(pkt + 4, 0);
	pkt[6] = 0;
	BAD(pkt, len);
	/* IPv6 extension header longer than the payload. */
	len = v6_frag(pkt, 1, 17, 8, 8, 0, data, 16);
	pkt[41] = 200;
	BAD(pkt, len);
	/* IPv6 atomic fragment followed by another fragment header. */
	len = v6_frag(pkt, 1, 44, 0, 0, 0, data, 16);
	BAD(pkt, len);
	/* IPv6 past 65535: offset 65528 + 16. */
	len = v6_frag(pkt, 1, 17, 0, 65528, 0, data, 16);
	BAD(pkt, len);
#undef BAD
	assert_int_equal(ipfrag_stats(t)->fragments, 0);
	assert_int_equal(ipfrag_pending(t), 0);
	ipfrag_free(t);
}

/* Fragments that contradict the held ones: the datagram is dropped. */
static void test_inconsistent(void **state)
{
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	uint8_t data[64], pkt[200];
	struct ipfrag_result r;
	size_t len;

	(void)state;
	memset(data, 0x11, sizeof(data));
	/* Two different ends. */
	len = v4_frag(pkt, 1, 64, 0, data, 10);
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_HELD);
	len = v4_frag(pkt, 1, 64, 0, data, 12);
	assert_int_equal(feed(t, pkt, len, 0, &r), -EINVAL);
	assert_int_equal(ipfrag_pending(t), 0);
	/* Data past the end. */
	len = v4_frag(pkt, 2, 64, 0, data, 10);
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_HELD);
	len = v4_frag(pkt, 2, 72, 1, data, 8);
	assert_int_equal(feed(t, pkt, len, 0, &r), -EINVAL);
	assert_int_equal(ipfrag_pending(t), 0);
	/* An end before data already held. */
	len = v4_frag(pkt, 3, 64, 1, data, 64);
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_HELD);
	len = v4_frag(pkt, 3, 8, 0, data, 56);	/* offset 0 with MF=0 would be whole */
	assert_int_equal(feed(t, pkt, len, 0, &r), -EINVAL);
	assert_int_equal(ipfrag_pending(t), 0);
	assert_int_equal(ipfrag_stats(t)->invalid, 3);
	assert_int_equal(ipfrag_mem_used(t), 0);
	ipfrag_free(t);
}

/* Key fields: a different source, protocol or id is another datagram. */
static void test_keys(void **state)
{
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	uint8_t data[16], pkt[200];
	struct ipfrag_result r;
	size_t len;

	(void)state;
	memset(data, 0x22, sizeof(data));
	len = v4_frag(pkt, 1, 0, 1, data, 8);
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_HELD);
	len = v4_frag_opt(pkt, 1, 6, 8, 0, data, 8, 0);		/* TCP, same id */
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_HELD);
	len = v4_frag(pkt, 2, 8, 0, data, 8);			/* another id */
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_HELD);
	len = v4_frag(pkt, 1, 8, 0, data, 8);
	pkt[15] ^= 1;						/* another source */
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_HELD);
	len = v6_frag(pkt, 1, 17, 0, 8, 0, data, 8);		/* IPv6, same id */
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_HELD);
	assert_int_equal(ipfrag_pending(t), 5);
	len = v4_frag(pkt, 1, 8, 0, data, 8);
	assert_int_equal(feed(t, pkt, len, 0, &r), IPFRAG_COMPLETE);
	assert_int_equal(r.proto, 17);
	assert_int_equal(r.l4_len, 16);
	assert_int_equal(ipfrag_pending(t), 4);
	ipfrag_free(t);		/* with datagrams held: ASan checks they are freed */
}

/* The largest IPv4 datagram: 20 + 65515 bytes. */
static void test_max_size(void **state)
{
	struct ipfrag_table *t = ipfrag_new(1u << 20, TIMEOUT);
	static uint8_t dg[65515], pkt[1600];
	struct ipfrag_result r;
	size_t off, len;
	int rc = -1;

	(void)state;
	for (off = 0; off < sizeof(dg); off++)
		dg[off] = (uint8_t)(off * 7 + off / 251);
	for (off = 0; off < sizeof(dg); off += 1480) {
		size_t n = sizeof(dg) - off > 1480 ? 1480 : sizeof(dg) - off;

		len = v4_frag(pkt, 9, (uint32_t)off, off + n < sizeof(dg), dg + off, n);
		rc = feed(t, pkt, len, 0, &r);
		assert_int_equal(rc, off + n < sizeof(dg) ? IPFRAG_HELD : IPFRAG_COMPLETE);
	}
	assert_int_equal(r.l4_len, sizeof(dg));
	assert_memory_equal(r.l4, dg, sizeof(dg));

	/* The same with a 24-byte first header: 65539 bytes, refused. */
	for (off = 0; off < sizeof(dg); off += 1480) {
		size_t n = sizeof(dg) - off > 1480 ? 1480 : sizeof(dg) - off;

		len = v4_frag_opt(pkt, 10, 17, (uint32_t)off, off + n < sizeof(dg), dg + off, n,
				  off ? 0 : 4);
		rc = feed(t, pkt, len, 0, &r);
	}
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(ipfrag_pending(t), 0);
	assert_int_equal(ipfrag_mem_used(t), 0);
	ipfrag_free(t);
}

/* A completed buffer stays valid until the next call, and is freed then. */
static void test_result_lifetime(void **state)
{
	struct ipfrag_table *t = ipfrag_new(MEM, TIMEOUT);
	static uint8_t dg[4000];
	static struct frags f;
	static const int order[] = { 0, 1, 2 };
	struct ipfrag_result r, r2;

	(void)state;
	make_invite(dg, sizeof(dg));
	split_v4(&f, 1, dg, sizeof(dg));
	feed_order(t, &f, order, &r);
	ipfrag_expire(t, 0);			/* frees the buffer */
	feed_order(t, &f, order, &r);
	assert_int_equal(feed(t, f.pkt[0], f.len[0], 0, &r2), IPFRAG_HELD);
	ipfrag_free(t);				/* held datagram and nothing lent */
	ipfrag_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_fragment),
		cmocka_unit_test(test_invite_in_order),
		cmocka_unit_test(test_reverse_order),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_overlap_different),
		cmocka_unit_test(test_overlap_same),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_memory_bound),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_ipv6_dstopts),
		cmocka_unit_test(test_ipv6_inner_options),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_inconsistent),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_max_size),
		cmocka_unit_test(test_result_lifetime),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(last_copy);
	return rc;
}
