// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/rtcp.c.  Packets are built with a small writer that
 * fills in the length fields, then copied into a heap buffer of exactly
 * their length, so ASan catches any read past len.
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

#include "rtcp.h"

/* A compound under construction; pkt is where the current packet began. */
struct buf {
	uint8_t b[2048];
	size_t n, pkt;
	size_t ends[16];	/* offset after each finished packet */
	int nends;
};

static void u8(struct buf *w, uint8_t v)
{
	assert_true(w->n < sizeof(w->b));
	w->b[w->n++] = v;
}

static void u16(struct buf *w, uint16_t v)
{
	u8(w, (uint8_t)(v >> 8));
	u8(w, (uint8_t)v);
}

static void u32(struct buf *w, uint32_t v)
{
	u16(w, (uint16_t)(v >> 16));
	u16(w, (uint16_t)v);
}

static void u64(struct buf *w, uint64_t v)
{
	u32(w, (uint32_t)(v >> 32));
	u32(w, (uint32_t)v);
}

/* Start a packet: V=2, P=0, count, type; length filled in by end(). */
static void begin(struct buf *w, unsigned int count, uint8_t pt)
{
	w->pkt = w->n;
	u8(w, (uint8_t)(0x80 | count));
	u8(w, pt);
	u16(w, 0);
}

/* Pad to a word boundary with zeros, set the length field. */
static void end(struct buf *w)
{
	size_t words;

	while ((w->n - w->pkt) % 4)
		u8(w, 0);
	words = (w->n - w->pkt) / 4 - 1;
	w->b[w->pkt + 2] = (uint8_t)(words >> 8);
	w->b[w->pkt + 3] = (uint8_t)words;
	assert_true(w->nends < 16);
	w->ends[w->nends++] = w->n;
}

static void report(struct buf *w, uint32_t ssrc, uint8_t frac, uint32_t lost24,
		   uint32_t ehsn, uint32_t jitter, uint32_t lsr, uint32_t dlsr)
{
	u32(w, ssrc);
	u8(w, frac);
	u8(w, (uint8_t)(lost24 >> 16));
	u16(w, (uint16_t)lost24);
	u32(w, ehsn);
	u32(w, jitter);
	u32(w, lsr);
	u32(w, dlsr);
}

static void sender_info(struct buf *w, uint64_t ntp, uint32_t ts, uint32_t pkts,
			uint32_t octets)
{
	u64(w, ntp);
	u32(w, ts);
	u32(w, pkts);
	u32(w, octets);
}

static void sdes_cname(struct buf *w, uint32_t ssrc, const char *cname)
{
	size_t i, l = strlen(cname);

	begin(w, 1, RTCP_PT_SDES);
	u32(w, ssrc);
	u8(w, 1);		/* CNAME */
	u8(w, (uint8_t)l);
	for (i = 0; i < l; i++)
		u8(w, (uint8_t)cname[i]);
	u8(w, 0);		/* END, then zeros to the word boundary */
	end(w);
}

static void bye(struct buf *w, uint32_t ssrc, const char *reason)
{
	size_t i, l = reason ? strlen(reason) : 0;

	begin(w, 1, RTCP_PT_BYE);
	u32(w, ssrc);
	if (reason) {
		u8(w, (uint8_t)l);
		for (i = 0; i < l; i++)
			u8(w, (uint8_t)reason[i]);
	}
	end(w);
}

/* A VoIP Metrics block whose fields are 1, 2, 3... in wire order. */
static void xr_voip_block(struct buf *w, uint32_t ssrc)
{
	u8(w, 7);
	u8(w, 0);
	u16(w, 8);
	u32(w, ssrc);
	u8(w, 1); u8(w, 2); u8(w, 3); u8(w, 4);
	u16(w, 5); u16(w, 6); u16(w, 7); u16(w, 8);
	u8(w, 9); u8(w, 0xf6); u8(w, 11); u8(w, 16);	/* noise -10 dBm */
	u8(w, 93); u8(w, 127); u8(w, 41); u8(w, 42);
	u8(w, 0x5a); u8(w, 0); u16(w, 40);
	u16(w, 80); u16(w, 200);
}

static int parse_exact(const uint8_t *b, size_t n, struct rtcp_packet *out)
{
	uint8_t *d = malloc(n ? n : 1);
	int rc;

	assert_non_null(d);
	memcpy(d, b, n);
	rc = rtcp_parse(d, n, out);
	free(d);
	return rc;
}

static int parse(const struct buf *w, struct rtcp_packet *out)
{
	return parse_exact(w->b, w->n, out);
}

static void assert_zeroed(const struct rtcp_packet *m)
{
	static const struct rtcp_packet zero;

	assert_memory_equal(m, &zero, sizeof(zero));
}

static void test_sr_two_reports(void **state)
{
	struct buf w = { .n = 0 };
	struct rtcp_packet m;
	const struct rtcp_report *r;

	(void)state;
	begin(&w, 2, RTCP_PT_SR);
	u32(&w, 0x11223344);
	sender_info(&w, 0xe1a2b3c480000000ULL, 0x01020304, 1000, 160000);
	report(&w, 0xaabbccdd, 25, 12, 0x0001ffff, 80, 0xb3c48000, 0x00018000);
	report(&w, 0x55667788, 0, 0, 70000, 0, 0, 0);
	end(&w);
	assert_int_equal(w.n, 28 + 2 * 24);

	assert_int_equal(parse(&w, &m), 0);
	assert_int_equal(m.nparts, 1);
	assert_int_equal(m.sender_ssrc, 0x11223344);
	assert_int_equal(m.sender_pt, RTCP_PT_SR);
	assert_true(m.has_sr);
	assert_true(m.sr.ntp == 0xe1a2b3c480000000ULL);
	assert_int_equal(m.sr.rtp_ts, 0x01020304);
	assert_int_equal(m.sr.packets, 1000);
	assert_int_equal(m.sr.octets, 160000);
	assert_int_equal(m.nreports, 2);
	r = &m.reports[0];
	assert_int_equal(r->ssrc, 0xaabbccdd);
	assert_int_equal(r->fraction_lost, 25);
	assert_int_equal(r->cumulative_lost, 12);
	assert_int_equal(r->ext_highest_seq, 0x0001ffff);
	assert_int_equal(r->jitter, 80);
	assert_int_equal(r->lsr, 0xb3c48000);
	assert_int_equal(r->dlsr, 0x00018000);
	r = &m.reports[1];
	assert_int_equal(r->ssrc, 0x55667788);
	assert_int_equal(r->ext_highest_seq, 70000);
	assert_int_equal(r->lsr, 0);
	assert_false(m.has_bye || m.has_sdes || m.has_app);
	assert_int_equal(m.nxr_voip, 0);
	assert_int_equal(m.nreports_dropped, 0);
}

static void test_rr(void **state)
{
	struct buf w = { .n = 0 };
	struct rtcp_packet m;

	(void)state;
	begin(&w, 1, RTCP_PT_RR);
	u32(&w, 0xdeadbeef);
	report(&w, 0x01020304, 128, 300, 5000, 12, 0x12345678, 0x9abc);
	end(&w);
	assert_int_equal(parse(&w, &m), 0);
	assert_int_equal(m.nparts, 1);
	assert_int_equal(m.sender_ssrc, 0xdeadbeef);
	assert_int_equal(m.sender_pt, RTCP_PT_RR);
	assert_false(m.has_sr);
	assert_int_equal(m.nreports, 1);
	assert_int_equal(m.reports[0].ssrc, 0x01020304);
	assert_int_equal(m.reports[0].fraction_lost, 128);
	assert_int_equal(m.reports[0].cumulative_lost, 300);
	assert_int_equal(m.reports[0].dlsr, 0x9abc);

	/* An empty RR (no sources heard) is 8 bytes. */
	w = (struct buf){ .n = 0 };
	begin(&w, 0, RTCP_PT_RR);
	u32(&w, 7);
	end(&w);
	assert_int_equal(parse(&w, &m), 0);
	assert_int_equal(m.sender_ssrc, 7);
	assert_int_equal(m.nreports, 0);

	/* Bytes beyond the blocks are a profile extension, not an error. */
	w = (struct buf){ .n = 0 };
	begin(&w, 1, RTCP_PT_RR);
	u32(&w, 7);
	report(&w, 8, 0, 0, 0, 0, 0, 0);
	u32(&w, 0xcafef00d);
	end(&w);
	assert_int_equal(parse(&w, &m), 0);
	assert_int_equal(m.nreports, 1);
}

static void build_sr_sdes_bye(struct buf *w)
{
	begin(w, 1, RTCP_PT_SR);
	u32(w, 0x1000);
	sender_info(w, 0xe000000100000000ULL, 160, 1, 160);
	report(w, 0x2000, 0, 1, 2, 3, 4, 5);
	end(w);
	sdes_cname(w, 0x1000, "alice@10.0.0.1");
	bye(w, 0x1000, "done");
}

static void test_compound_sr_sdes_bye(void **state)
{
	struct buf w = { .n = 0 };
	struct rtcp_packet m;

	(void)state;
	build_sr_sdes_bye(&w);
	assert_int_equal(parse(&w, &m), 0);
	assert_int_equal(m.nparts, 3);
	assert_int_equal(m.sender_ssrc, 0x1000);
	assert_true(m.has_sr);
	assert_true(m.has_sdes);
	assert_true(m.has_bye);
	assert_false(m.has_app);
	assert_int_equal(m.nreports, 1);
	assert_int_equal(m.reports[0].dlsr, 5);

	/* APP and feedback packets: flagged and skipped. */
	begin(&w, 0, RTCP_PT_APP);
	u32(&w, 0x1000);
	u32(&w, 0x54455354);	/* "TEST" */
	u32(&w, 42);
	end(&w);
	begin(&w, 1, RTCP_PT_RTPFB);	/* generic NACK */
	u32(&w, 0x1000);
	u32(&w, 0x2000);
	u32(&w, 0x00050000);
	end(&w);
	begin(&w, 1, RTCP_PT_PSFB);	/* PLI */
	u32(&w, 0x1000);
	u32(&w, 0x2000);
	end(&w);
	begin(&w, 0, 195);		/* IJ (RFC 5450), unparsed */
	end(&w);
	assert_int_equal(parse(&w, &m), 0);
	assert_int_equal(m.nparts, 7);
	assert_true(m.has_app);
	assert_int_equal(m.nreports, 1);
}

static void test_xr_voip(void **state)
{
	struct buf w = { .n = 0 };
	struct rtcp_packet m;
	const struct rtcp_xr_voip *v;

	(void)state;
	begin(&w, 0, RTCP_PT_RR);
	u32(&w, 0xabc);
	end(&w);
	begin(&w, 0, RTCP_PT_XR);
	u32(&w, 0xabc);
	u8(&w, 4); u8(&w, 0); u16(&w, 2);	/* Receiver Reference Time */
	u64(&w, 0xe100000000000000ULL);
	xr_voip_block(&w, 0x4242);
	u8(&w, 5); u8(&w, 0); u16(&w, 3);	/* DLRR, one sub-block */
	u32(&w, 0x4242); u32(&w, 1); u32(&w, 2);
	u8(&w, 200); u8(&w, 0); u16(&w, 0);	/* unknown type, header only */
	end(&w);

	assert_int_equal(parse(&w, &m), 0);
	assert_int_equal(m.nparts, 2);
	assert_int_equal(m.nxr_voip, 1);
	v = &m.xr_voip[0];
	assert_int_equal(v->ssrc, 0x4242);
	assert_int_equal(v->loss_rate, 1);
	assert_int_equal(v->discard_rate, 2);
	assert_int_equal(v->burst_density, 3);
	assert_int_equal(v->gap_density, 4);
	assert_int_equal(v->burst_duration, 5);
	assert_int_equal(v->gap_duration, 6);
	assert_int_equal(v->round_trip_delay, 7);
	assert_int_equal(v->end_system_delay, 8);
	assert_int_equal(v->signal_level, 9);
	assert_int_equal((int8_t)v->noise_level, -10);
	assert_int_equal(v->rerl, 11);
	assert_int_equal(v->gmin, 16);
	assert_int_equal(v->r_factor, 93);
	assert_int_equal(v->ext_r_factor, 127);
	assert_int_equal(v->mos_lq, 41);
	assert_int_equal(v->mos_cq, 42);
	assert_int_equal(v->rx_config, 0x5a);
	assert_int_equal(v->jb_nominal, 40);
	assert_int_equal(v->jb_maximum, 80);
	assert_int_equal(v->jb_abs_max, 200);

	/* An XR alone (reduced-size RTCP) is accepted; no SR/RR, no sender. */
	assert_int_equal(parse_exact(w.b + w.ends[0], w.n - w.ends[0], &m), 0);
	assert_int_equal(m.nparts, 1);
	assert_int_equal(m.sender_ssrc, 0);
	assert_int_equal(m.sender_pt, 0);
	assert_int_equal(m.nxr_voip, 1);

	/* Five VoIP blocks: four kept, one counted. */
	w = (struct buf){ .n = 0 };
	begin(&w, 0, RTCP_PT_XR);
	u32(&w, 1);
	for (int i = 0; i < 5; i++)
		xr_voip_block(&w, 100 + (uint32_t)i);
	end(&w);
	assert_int_equal(parse(&w, &m), 0);
	assert_int_equal(m.nxr_voip, RTCP_MAX_XR_VOIP);
	assert_int_equal(m.nxr_voip_dropped, 1);
	assert_int_equal(m.xr_voip[3].ssrc, 103);
}

static void test_cumulative_lost(void **state)
{
	static const struct { uint32_t wire; int32_t lost; } cases[] = {
		{ 0xffffff, -1 }, { 0x800000, -8388608 }, { 0x7fffff, 8388607 },
		{ 0, 0 }, { 0xfffff6, -10 }, { 0x000100, 256 },
	};
	struct rtcp_packet m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf w = { .n = 0 };

		begin(&w, 1, RTCP_PT_RR);
		u32(&w, 1);
		report(&w, 2, 0xff, cases[i].wire, 0, 0, 0, 0);
		end(&w);
		assert_int_equal(parse(&w, &m), 0);
		assert_int_equal(m.reports[0].cumulative_lost, cases[i].lost);
		assert_int_equal(m.reports[0].fraction_lost, 0xff);
	}
}

static void test_rtt(void **state)
{
	/* RFC 3550 6.4.1, figure 2: A 0xb710:8000, LSR 0xb705:2000, DLSR 0x0005:4000. */
	struct rtcp_report r = { .lsr = 0xb7052000, .dlsr = 0x00054000 };
	uint64_t a = (uint64_t)0xb7108000 << 16 | 0xe1a5;	/* other bits don't matter */
	double rtt = -1;

	(void)state;
	assert_true(rtcp_rtt(&r, a | 0xc2ULL << 56, &rtt));
	assert_true(rtt == 6.125);

	/* LSR 0 is "no SR yet", even where A - 0 - DLSR would be positive. */
	r.lsr = 0;
	assert_false(rtcp_rtt(&r, a, &rtt));
	assert_false(rtcp_rtt(&r, (uint64_t)0x00100000 << 16, &rtt));

	/* DLSR longer than the time since LSR: negative. */
	r.lsr = 0xb7052000;
	r.dlsr = 0x000b6001;
	assert_false(rtcp_rtt(&r, a, &rtt));
	r.dlsr = 0x000b6000;	/* exactly A - LSR: zero */
	assert_true(rtcp_rtt(&r, a, &rtt));
	assert_true(rtt == 0.0);

	/* Arrival before LSR (clock skew): rejected, not 18 h. */
	r.lsr = 0xb7108001;
	r.dlsr = 0;
	assert_false(rtcp_rtt(&r, a, &rtt));

	/* Across the wrap of the middle 32 bits: LSR 0xffff:8000, A 0x0001:0000. */
	r.lsr = 0xffff8000;
	r.dlsr = 0x00004000;
	assert_true(rtcp_rtt(&r, (uint64_t)0x00010000 << 16, &rtt));
	assert_true(rtt == 1.25);

	/* End to end from Unix times: SR at t, RR 2.5 s later held 2 s. */
	{
		uint64_t t = 1700000000ULL * 1000000000ULL + 123456789ULL;
		uint64_t sr_ntp = rtcp_ntp_from_unix_ns(t);

		r.lsr = rtcp_ntp_mid32(sr_ntp);
		r.dlsr = 2 * 65536;
		assert_true(rtcp_rtt(&r, rtcp_ntp_from_unix_ns(t + 2500000000ULL), &rtt));
		assert_true(rtt > 0.5 - 2.0 / 65536 && rtt < 0.5 + 2.0 / 65536);
	}
}

static void test_ntp_from_unix(void **state)
{
	(void)state;
	assert_true(rtcp_ntp_from_unix_ns(0) == 2208988800ULL << 32);
	assert_true(rtcp_ntp_from_unix_ns(1500000000ULL) ==
		    ((2208988801ULL << 32) | 0x80000000ULL));
	assert_true(rtcp_ntp_from_unix_ns(250000000ULL) ==
		    ((2208988800ULL << 32) | 0x40000000ULL));
	/* The fraction never carries into the seconds. */
	assert_true(rtcp_ntp_from_unix_ns(999999999ULL) >> 32 == 2208988800ULL);
	/* Era 1 starts 2036-02-07 06:28:16 UTC: seconds wrap to 0. */
	assert_true(rtcp_ntp_from_unix_ns(2085978496ULL * 1000000000ULL) == 0);
	assert_true(rtcp_ntp_from_unix_ns(2085978495ULL * 1000000000ULL) ==
		    0xffffffffULL << 32);
}

static void expect_bad(const uint8_t *b, size_t n)
{
	struct rtcp_packet m;

	memset(&m, 0xa5, sizeof(m));
	assert_int_equal(parse_exact(b, n, &m), -EINVAL);
	assert_zeroed(&m);
}

static void test_malformed(void **state)
{
	struct buf w = { .n = 0 };
	struct rtcp_packet m;
	uint8_t c[256];

	(void)state;
	/* Zero length, and NULL. */
	expect_bad(w.b, 0);
	assert_int_equal(rtcp_parse(NULL, 0, &m), -EINVAL);

	begin(&w, 1, RTCP_PT_RR);
	u32(&w, 1);
	report(&w, 2, 0, 0, 0, 0, 0, 0);
	end(&w);
	assert_int_equal(parse(&w, &m), 0);

	/* Length field one word past the buffer. */
	memcpy(c, w.b, w.n);
	c[3]++;
	expect_bad(c, w.n);
	/* Length field shorter, leaving a trailing word that is no packet. */
	memcpy(c, w.b, w.n);
	c[3]--;
	expect_bad(c, w.n);
	/* Report count too big for the length (2 blocks in 1 block's room). */
	memcpy(c, w.b, w.n);
	c[0] = 0x82;
	expect_bad(c, w.n);
	/* Version 1, 0 and 3. */
	memcpy(c, w.b, w.n);
	c[0] = 0x41;
	expect_bad(c, w.n);
	c[0] = 0x01;
	expect_bad(c, w.n);
	c[0] = 0xc1;
	expect_bad(c, w.n);
	/* Not RTCP: RTP PT 0 and PT 96 with marker; PT 224. */
	memcpy(c, w.b, w.n);
	c[1] = 0;
	expect_bad(c, w.n);
	c[1] = 0x80 | 96;
	expect_bad(c, w.n);
	c[1] = 224;
	expect_bad(c, w.n);
	/* Trailing bytes after the last packet, fewer than a header or more. */
	memcpy(c, w.b, w.n);
	c[w.n] = 0x80;
	expect_bad(c, w.n + 1);
	memset(c + w.n, 0, 4);
	expect_bad(c, w.n + 4);
	/* Shorter than a header. */
	expect_bad(w.b, 3);

	/* SR whose fixed part does not fit: 24 bytes. */
	w = (struct buf){ .n = 0 };
	begin(&w, 0, RTCP_PT_SR);
	u32(&w, 1);
	u64(&w, 2);
	u32(&w, 3);
	u32(&w, 4);
	end(&w);
	expect_bad(w.b, w.n);

	/* RR without its SSRC; APP without its name; PSFB without media SSRC. */
	w = (struct buf){ .n = 0 };
	begin(&w, 0, RTCP_PT_RR);
	end(&w);
	expect_bad(w.b, w.n);
	w = (struct buf){ .n = 0 };
	begin(&w, 0, RTCP_PT_APP);
	u32(&w, 1);
	end(&w);
	expect_bad(w.b, w.n);
	w = (struct buf){ .n = 0 };
	begin(&w, 1, RTCP_PT_PSFB);
	u32(&w, 1);
	end(&w);
	expect_bad(w.b, w.n);

	/* BYE: SC 2 with one SSRC; reason longer than the packet. */
	w = (struct buf){ .n = 0 };
	begin(&w, 2, RTCP_PT_BYE);
	u32(&w, 1);
	end(&w);
	expect_bad(w.b, w.n);
	w = (struct buf){ .n = 0 };
	begin(&w, 1, RTCP_PT_BYE);
	u32(&w, 1);
	u8(&w, 4);
	u8(&w, 'b');
	u8(&w, 'y');
	u8(&w, 'e');
	end(&w);
	expect_bad(w.b, w.n);
	w.b[8] = 3;		/* exactly fits */
	assert_int_equal(parse_exact(w.b, w.n, &m), 0);
	assert_true(m.has_bye);

	/* XR: block running past the packet; VoIP block of the wrong length;
	 * a half block header at the end. */
	w = (struct buf){ .n = 0 };
	begin(&w, 0, RTCP_PT_XR);
	u32(&w, 1);
	u8(&w, 4); u8(&w, 0); u16(&w, 3);
	u64(&w, 0);
	end(&w);
	expect_bad(w.b, w.n);
	w.b[11] = 2;
	assert_int_equal(parse_exact(w.b, w.n, &m), 0);
	w = (struct buf){ .n = 0 };
	begin(&w, 0, RTCP_PT_XR);
	u32(&w, 1);
	u8(&w, 7); u8(&w, 0); u16(&w, 7);
	for (int i = 0; i < 7; i++)
		u32(&w, 0);
	end(&w);
	expect_bad(w.b, w.n);
	w = (struct buf){ .n = 0 };	/* VoIP block one word too long */
	begin(&w, 0, RTCP_PT_XR);
	u32(&w, 1);
	xr_voip_block(&w, 2);
	u32(&w, 0);
	end(&w);
	w.b[11] = 9;
	expect_bad(w.b, w.n);
	w.b[11] = 8;		/* the extra word as a block of its own: BT 0 */
	assert_int_equal(parse_exact(w.b, w.n, &m), 0);
	assert_int_equal(m.nxr_voip, 1);
	w = (struct buf){ .n = 0 };
	begin(&w, 0, RTCP_PT_XR);	/* header only: 4 bytes, no SSRC */
	end(&w);
	expect_bad(w.b, w.n);
}

static void test_padding(void **state)
{
	struct buf w = { .n = 0 };
	struct rtcp_packet m;
	size_t rr;

	(void)state;
	build_sr_sdes_bye(&w);
	rr = w.n;
	begin(&w, 1, RTCP_PT_RR);
	u32(&w, 0x1000);
	report(&w, 0x3000, 0, 0, 0, 0, 0, 0);
	u32(&w, 0);
	u32(&w, 8);		/* 8 bytes of padding, count last */
	end(&w);
	w.b[rr] |= 0x20;
	assert_int_equal(parse(&w, &m), 0);
	assert_int_equal(m.nparts, 4);
	assert_int_equal(m.nreports, 2);

	/* Padding eating into the report block: count no longer fits. */
	w.b[w.n - 1] = 12;
	expect_bad(w.b, w.n);
	/* Padding count 0, or larger than the body. */
	w.b[w.n - 1] = 0;
	expect_bad(w.b, w.n);
	w.b[w.n - 1] = (uint8_t)(w.n - rr - 3);
	expect_bad(w.b, w.n);
	w.b[w.n - 1] = 8;

	/* Padding bit on a packet that is not the last. */
	w.b[0] |= 0x20;
	expect_bad(w.b, w.n);

	/* The same where the count would fit: an RR with one extension word
	 * ending in 4, then another RR.  Valid without the bit. */
	w = (struct buf){ .n = 0 };
	begin(&w, 0, RTCP_PT_RR);
	u32(&w, 0x1000);
	u32(&w, 4);
	end(&w);
	begin(&w, 0, RTCP_PT_RR);
	u32(&w, 0x1000);
	end(&w);
	assert_int_equal(parse(&w, &m), 0);
	w.b[0] |= 0x20;
	expect_bad(w.b, w.n);
	/* As the last packet the same bytes are valid padding. */
	assert_int_equal(parse_exact(w.b, w.ends[0], &m), 0);
	assert_int_equal(m.sender_ssrc, 0x1000);
}

/*
 * The truncation rule: a prefix parses exactly when it ends between two
 * packets, and then as those packets; any other cut is -EINVAL with *out
 * zeroed.
 */
static void test_truncation(void **state)
{
	struct buf w = { .n = 0 };
	struct rtcp_packet m;
	size_t n;

	(void)state;
	begin(&w, 2, RTCP_PT_SR);
	u32(&w, 0x1000);
	sender_info(&w, 1, 2, 3, 4);
	report(&w, 0x2000, 0, 0xffffff, 0, 0, 0, 0);
	report(&w, 0x3000, 0, 5, 0, 0, 0, 0);
	end(&w);
	sdes_cname(&w, 0x1000, "bob");
	begin(&w, 0, RTCP_PT_XR);
	u32(&w, 0x1000);
	xr_voip_block(&w, 0x2000);
	end(&w);
	bye(&w, 0x1000, NULL);

	for (n = 0; n <= w.n; n++) {
		int k, nparts = 0;

		for (k = 0; k < w.nends; k++)
			if (w.ends[k] == n)
				nparts = k + 1;
		memset(&m, 0xa5, sizeof(m));
		if (!nparts) {
			assert_int_equal(parse_exact(w.b, n, &m), -EINVAL);
			assert_zeroed(&m);
			continue;
		}
		assert_int_equal(parse_exact(w.b, n, &m), 0);
		assert_int_equal(m.nparts, nparts);
		assert_true(m.has_sr);
		assert_int_equal(m.nreports, 2);
		assert_int_equal(m.reports[0].cumulative_lost, -1);
		assert_int_equal(m.has_sdes, nparts >= 2);
		assert_int_equal(m.nxr_voip, nparts >= 3);
		assert_int_equal(m.has_bye, nparts >= 4);
	}
}

static void test_report_overflow(void **state)
{
	struct buf w = { .n = 0 };
	struct rtcp_packet m;
	uint32_t i;

	(void)state;
	/* 31 blocks, then an overflow RR of the same sender with 2 more. */
	begin(&w, 31, RTCP_PT_RR);
	u32(&w, 9);
	for (i = 0; i < 31; i++)
		report(&w, 100 + i, 0, 0, 0, 0, 0, 0);
	end(&w);
	begin(&w, 2, RTCP_PT_RR);
	u32(&w, 9);
	report(&w, 200, 0, 0, 0, 0, 0, 0);
	report(&w, 201, 0, 0, 0, 0, 0, 0);
	end(&w);
	assert_int_equal(parse(&w, &m), 0);
	assert_int_equal(m.nparts, 2);
	assert_int_equal(m.nreports, RTCP_MAX_REPORTS);
	assert_int_equal(m.reports[30].ssrc, 130);
	assert_int_equal(m.nreports_dropped, 2);

	/* A second SR/RR from another SSRC: its sender info and blocks are
	 * not attributed to the first sender. */
	w = (struct buf){ .n = 0 };
	begin(&w, 1, RTCP_PT_RR);
	u32(&w, 9);
	report(&w, 100, 0, 0, 0, 0, 0, 0);
	end(&w);
	begin(&w, 1, RTCP_PT_SR);
	u32(&w, 10);
	sender_info(&w, 1, 2, 3, 4);
	report(&w, 101, 0, 0, 0, 0, 0, 0);
	end(&w);
	assert_int_equal(parse(&w, &m), 0);
	assert_int_equal(m.sender_ssrc, 9);
	assert_false(m.has_sr);
	assert_int_equal(m.nreports, 1);
	assert_int_equal(m.nreports_dropped, 1);

	/* Two SRs of one sender: the first one's sender info is kept. */
	w = (struct buf){ .n = 0 };
	begin(&w, 0, RTCP_PT_SR);
	u32(&w, 9);
	sender_info(&w, 1, 2, 3, 4);
	end(&w);
	begin(&w, 0, RTCP_PT_SR);
	u32(&w, 9);
	sender_info(&w, 5, 6, 7, 8);
	end(&w);
	assert_int_equal(parse(&w, &m), 0);
	assert_true(m.has_sr);
	assert_true(m.sr.ntp == 1);
	assert_int_equal(m.sr.octets, 4);
}

static void test_looks_like(void **state)
{
	uint8_t p[12] = { 0x80, 0, 0, 1, 0, 0, 0, 160, 0x12, 0x34, 0x56, 0x78 };
	unsigned int v;

	(void)state;
	/* RTP PCMU, PCMA, dynamic 96, with and without the marker bit. */
	for (v = 0; v < 2; v++) {
		p[1] = (uint8_t)(v << 7 | 0);
		assert_false(rtcp_looks_like(p, sizeof(p)));
		p[1] = (uint8_t)(v << 7 | 8);
		assert_false(rtcp_looks_like(p, sizeof(p)));
		p[1] = (uint8_t)(v << 7 | 96);
		assert_false(rtcp_looks_like(p, sizeof(p)));
	}
	p[1] = 101;	/* telephone-event */
	assert_false(rtcp_looks_like(p, sizeof(p)));
	for (v = 200; v <= 207; v++) {
		p[1] = (uint8_t)v;
		assert_true(rtcp_looks_like(p, sizeof(p)));
	}
	/* The whole RFC 5761 range; its edges. */
	p[1] = 192;
	assert_true(rtcp_looks_like(p, sizeof(p)));
	p[1] = 223;
	assert_true(rtcp_looks_like(p, sizeof(p)));
	p[1] = 191;
	assert_false(rtcp_looks_like(p, sizeof(p)));
	p[1] = 224;
	assert_false(rtcp_looks_like(p, sizeof(p)));
	/* Version other than 2; too short; NULL. */
	p[1] = 200;
	p[0] = 0x40;
	assert_false(rtcp_looks_like(p, sizeof(p)));
	p[0] = 0x80;
	assert_false(rtcp_looks_like(p, 3));
	assert_false(rtcp_looks_like(NULL, 0));
	assert_true(rtcp_looks_like(p, 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sr_two_reports),
		cmocka_unit_test(test_rr),
		cmocka_unit_test(test_compound_sr_sdes_bye),
		cmocka_unit_test(test_xr_voip),
		cmocka_unit_test(test_cumulative_lost),
		cmocka_unit_test(test_rtt),
		cmocka_unit_test(test_ntp_from_unix),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_report_overflow),
		cmocka_unit_test(test_looks_like),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
