// SPDX-License-Identifier: GPL-2.0
/*
 * test_rtp_stats.c - the stream statistics that run inside the XDP program,
 * compiled here as plain C: sequence tracking, loss, duplicates, and jitter
 * against a double-precision model of RFC 3550 A.8 as tshark computes it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rtp_stats.h"

static void stream_start(struct stream_state *s, uint16_t seq, uint32_t ts, uint64_t now, uint8_t pt,
			 uint8_t code)
{
	struct rtp_sample p = { .now_ns = now, .ts = ts, .seq = seq, .pt = pt, .bytes = 172,
				.clock_code = code };

	memset(s, 0, sizeof(*s));
	rtp_stream_init(s, &p);
}

static void pkt(struct stream_state *s, uint16_t seq, uint32_t ts, uint64_t now)
{
	struct rtp_sample p = { .now_ns = now, .ts = ts, .seq = seq, .pt = s->pt, .bytes = 172,
				.clock_code = s->clock_code };

	rtp_stream_update(s, &p);
}

static void test_in_order(void **state)
{
	struct stream_state s;
	int i;

	(void)state;
	stream_start(&s, 1000, 0, 0, 0, CLK_8000);
	for (i = 1; i < 100; i++)
		pkt(&s, 1000 + i, i * 160, i * 20000000ULL);
	assert_int_equal(s.packets, 100);
	assert_int_equal(s.bytes, 100 * 172);
	assert_int_equal(rtp_lost(&s), 0);
	assert_int_equal(s.jitter_q4, 0);
	assert_int_equal(s.max_delta_ns, 20000000);
	assert_int_equal(s.jitter_n, 99);
	assert_true(s.flags & STREAM_F_VALID);
	assert_int_equal(rtp_mean_jitter_q4(&s), 0);
	assert_int_equal(s.duplicates, 0);
	assert_int_equal(s.out_of_order, 0);
}

static void test_wrap(void **state)
{
	struct stream_state s;
	int i;

	(void)state;
	stream_start(&s, 65530, 0, 0, 0, CLK_8000);
	for (i = 1; i < 12; i++)
		pkt(&s, (uint16_t)(65530 + i), i * 160, i * 20000000ULL);
	assert_int_equal(s.cycles, 65536);
	assert_int_equal(s.max_seq, 5);
	assert_int_equal(rtp_expected(&s), 12);
	assert_int_equal(rtp_lost(&s), 0);
	/* A late packet from before the wrap is out of order, not a new cycle. */
	pkt(&s, 65533, 3 * 160, 13 * 20000000ULL);
	assert_int_equal(s.cycles, 65536);
	assert_int_equal(s.duplicates, 1);
}

static void test_loss_dup_reorder(void **state)
{
	struct stream_state s;

	(void)state;
	stream_start(&s, 10, 0, 0, 0, CLK_8000);
	pkt(&s, 11, 160, 20000000);
	pkt(&s, 14, 640, 80000000);		/* 12, 13 missing */
	assert_int_equal(rtp_lost(&s), 2);
	pkt(&s, 12, 320, 81000000);		/* late */
	assert_int_equal(rtp_lost(&s), 1);
	assert_int_equal(s.out_of_order, 1);
	pkt(&s, 12, 320, 82000000);		/* duplicate of a late one */
	assert_int_equal(s.duplicates, 1);
	assert_int_equal(rtp_lost(&s), 0);
	pkt(&s, 14, 640, 83000000);		/* duplicate of the newest */
	assert_int_equal(s.duplicates, 2);
	assert_int_equal(rtp_lost(&s), -1);	/* RFC 3550: negative with duplicates */
	assert_int_equal(s.max_seq, 14);
	pkt(&s, 200, 190 * 160, 4000000000ULL);	/* a gap of 185: loss, not a jump */
	pkt(&s, 110, 100 * 160, 4000000001ULL);	/* 90 behind: late, past the window */
	assert_int_equal(s.out_of_order, 2);
	assert_int_equal(rtp_lost(&s), (200 - 10 + 1) - 8);
}

/* RFC 3550 A.1: a sender that restarts its numbering, and a stray far away. */
static void test_restart_and_stray(void **state)
{
	struct stream_state s;
	int i;

	(void)state;
	stream_start(&s, 30000, 0, 0, 0, CLK_8000);
	for (i = 1; i < 100; i++)
		pkt(&s, 30000 + i, i * 160, i * 20000000ULL);
	pkt(&s, 30102, 102 * 160, 102 * 20000000ULL);	/* 30100 and 30101 lost */
	assert_int_equal(rtp_lost(&s), 2);
	/* A source whose packets never come two in sequence stays on probation. */
	{
		struct stream_state q;

		stream_start(&q, 100, 0, 0, 0, CLK_8000);
		pkt(&q, 108, 160, 20000000);
		pkt(&q, 122, 320, 40000000);
		assert_false(q.flags & STREAM_F_VALID);
		pkt(&q, 123, 480, 60000000);
		assert_true(q.flags & STREAM_F_VALID);
	}
	/* A stray packet far ahead: not received, no restart. */
	pkt(&s, 50000, 103 * 160, 103 * 20000000ULL);
	assert_int_equal(s.restarts, 0);
	assert_int_equal(rtp_lost(&s), 2);
	pkt(&s, 30103, 104 * 160, 104 * 20000000ULL);
	assert_int_equal(rtp_lost(&s), 2);
	/* The sender restarts at 1000: two in sequence confirm it; loss so far is kept. */
	for (i = 0; i < 200; i++)
		pkt(&s, 1000 + i, (200 + i) * 160, (200 + i) * 20000000ULL);
	assert_int_equal(s.restarts, 1);
	assert_int_equal(s.packets, 100 + 1 + 1 + 1 + 200);
	assert_int_equal(rtp_lost(&s), 2);
	assert_int_equal(s.base_seq, 1000);
	assert_int_equal(s.max_seq, 1199);
}

/*
 * tshark 4.0's model (ui/tap-rtp-analysis.c), in doubles and milliseconds,
 * relative to the first packet as tshark keeps its times.
 */
struct model {
	double time, lastnominal, jitter, max_jitter, mean, max_delta;
	uint32_t first_ts;
	int total;
};

static void model_packet(struct model *m, double cur, uint32_t ts, double rate, int regular)
{
	double nominal = (double)(int32_t)(ts - m->first_ts) / (rate / 1000);
	double d = fabs(cur - (m->time + (nominal - m->lastnominal)));
	double delta = cur - m->time;

	m->jitter = (15 * m->jitter + d) / 16;
	m->lastnominal = nominal;
	if (regular) {
		if (delta > m->max_delta)
			m->max_delta = delta;
		if (m->jitter > m->max_jitter)
			m->max_jitter = m->jitter;
		m->mean = (m->mean * (m->total - 1) + m->jitter) / m->total;
	}
	m->time = cur;
	m->total++;
}

static void test_jitter_matches_double_model(void **state)
{
	static const uint8_t codes[] = { CLK_8000, CLK_16000, CLK_48000, CLK_90000, CLK_11025 };
	unsigned int seed = 42;
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(codes); c++) {
		double rate = sipxdp_clock_hz[codes[c]];
		uint32_t step = rate / 50, ts = 12345;
		uint64_t now = 1480172985946520000ULL;	/* a Unix time in ns, as offline */
		struct model m = { .first_ts = ts, .total = 1 };
		struct stream_state s;
		int i;

		stream_start(&s, 1, ts, now, 0, codes[c]);
		for (i = 1; i < 2000; i++) {
			/* 20 ms spacing with up to +-3 ms of arrival noise, microsecond grain as pcap;
			 * every 50th packet carries the marker bit: out of max and mean, but counted. */
			int64_t noise_us = (int64_t)(rand_r(&seed) % 6001) - 3000;
			uint64_t t = now + i * 20000000ULL + noise_us * 1000;
			struct rtp_sample p = { .now_ns = t, .seq = 1 + i, .pt = 0, .bytes = 172,
						.marker = i % 50 == 0, .clock_code = codes[c] };

			ts += step;
			p.ts = ts;
			rtp_stream_update(&s, &p);
			model_packet(&m, (t - now) / 1e6, ts, rate, !p.marker);
		}
		/* Integer nanoseconds against doubles: within a few nanoseconds. */
		assert_true(fabs(s.jitter_q4 / 16.0 / 1e6 - m.jitter) < 2e-6);
		assert_true(fabs(s.max_jitter_q4 / 16.0 / 1e6 - m.max_jitter) < 2e-6);
		assert_true(fabs(rtp_mean_jitter_q4(&s) / 16.0 / 1e6 - m.mean) < 5e-6);
		assert_true(fabs(s.max_delta_ns / 1e6 - m.max_delta) < 1e-6);
		assert_true(s.jitter_q4 > 0);
	}
}

static void test_irregular_packets(void **state)
{
	struct stream_state s;
	struct rtp_sample p = { .now_ns = 20000000, .ts = 160, .seq = 2, .pt = 0, .bytes = 12,
				.clock_code = CLK_8000 };

	(void)state;
	stream_start(&s, 1, 0, 0, 0, CLK_8000);
	/* Marker bit: jitter still follows, but mean/max/delta leave it out. */
	p.marker = 1;
	p.now_ns = 90000000;	/* 70 ms late */
	rtp_stream_update(&s, &p);
	assert_true(s.jitter_q4 > 0);
	assert_int_equal(s.jitter_n, 0);
	assert_int_equal(s.max_delta_ns, 0);
	/* Comfort noise, and the packet after it, are left out too. */
	p.marker = 0;
	p.pt = RTP_PT_CN;
	p.clock_code = CLK_NONE;	/* no clock named for it */
	p.seq = 3;
	p.ts = 320;
	p.now_ns = 110000000;
	rtp_stream_update(&s, &p);
	p.pt = 0;
	p.clock_code = CLK_8000;
	p.seq = 4;
	p.ts = 480;
	p.now_ns = 130000000;
	rtp_stream_update(&s, &p);
	assert_int_equal(s.jitter_n, 0);
	p.seq = 5;
	p.ts = 640;
	p.now_ns = 150000000;
	rtp_stream_update(&s, &p);
	assert_int_equal(s.jitter_n, 1);
	assert_int_equal(s.max_delta_ns, 20000000);
}

static void test_no_clock_no_jitter(void **state)
{
	struct stream_state s;
	int i;

	(void)state;
	/* telephone-event and unknown dynamic types: tshark computes no jitter. */
	stream_start(&s, 1, 0, 0, 101, CLK_NONE);
	for (i = 1; i < 10; i++)
		pkt(&s, 1 + i, 0, i * 50000000ULL + (i % 3) * 7000000ULL);
	assert_int_equal(s.jitter_q4, 0);
	assert_int_equal(s.jitter_n, 0);
	assert_int_equal(s.packets, 10);
	assert_true(s.max_delta_ns > 50000000);
}

/*
 * A stream put back from a state file, the agent having been away 3 s (no
 * --persist): the 150 packets it stepped over are unseen, not lost, and
 * the gap is neither a delta nor a jitter sample.  Without the flag the
 * same packets are loss and a 3 s delta: the control.
 */
static void test_resumed(void **state)
{
	struct stream_state s, control;
	uint64_t jitter, mean;
	int i;

	(void)state;
	stream_start(&s, 1000, 0, 0, 0, CLK_8000);
	for (i = 1; i < 100; i++)	/* 1 ms of jitter on every other packet */
		pkt(&s, 1000 + i, i * 160, i * 20000000ULL + (i % 2) * 1000000);
	control = s;
	s.flags |= STREAM_F_RESUMED;
	jitter = s.jitter_q4;
	mean = s.mean_acc_q4;
	pkt(&s, 1000 + 250, 250 * 160, 250 * 20000000ULL + 3000000000ULL);
	pkt(&control, 1000 + 250, 250 * 160, 250 * 20000000ULL + 3000000000ULL);
	assert_false(s.flags & STREAM_F_RESUMED);	/* once */
	assert_int_equal(s.unseen, 150);
	assert_int_equal(rtp_lost(&s), 0);
	assert_int_equal(s.packets, 101);
	assert_int_equal(s.max_delta_ns, 21000000);
	assert_int_equal(s.jitter_q4, jitter);
	assert_int_equal(s.max_seq, 1250);
	/* The mean takes the resumed packet as an irregular one: diluted, not moved by the gap. */
	assert_true(s.mean_acc_q4 == mean + mean / 99);
	assert_int_equal(rtp_lost(&control), 150);
	assert_true(control.max_delta_ns > 3000000000ULL);
	assert_true(control.jitter_q4 > jitter);
	/* The next packets are counted as ever: one lost after the resume is lost. */
	pkt(&s, 1000 + 252, 252 * 160, 252 * 20000000ULL + 3000000000ULL);
	assert_int_equal(rtp_lost(&s), 1);
	assert_int_equal(s.unseen, 150);
	assert_int_equal(s.max_delta_ns, 40000000);
}

static void test_ticks_to_ns(void **state)
{
	(void)state;
	assert_int_equal(rtp_ticks_to_ns(160, CLK_8000), 20000000);
	assert_int_equal(rtp_ticks_to_ns(320, CLK_16000), 20000000);
	assert_int_equal(rtp_ticks_to_ns(960, CLK_48000), 20000000);
	/* 90 kHz is not a whole number of ns per tick: within a nanosecond. */
	assert_true(llabs((long long)rtp_ticks_to_ns(1800, CLK_90000) - 20000000) <= 1);
	/* The largest 31-bit step at the slowest clock does not overflow. */
	assert_int_equal(rtp_ticks_to_ns(0x7fffffffULL, CLK_1000), 0x7fffffffULL * 1000000ULL);
	assert_int_equal(rtp_ticks_to_ns(1000, CLK_NONE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_loss_dup_reorder),
		cmocka_unit_test(test_restart_and_stray),
		cmocka_unit_test(test_jitter_matches_double_model),
		cmocka_unit_test(test_irregular_packets),
		cmocka_unit_test(test_no_clock_no_jitter),
		cmocka_unit_test(test_resumed),
		cmocka_unit_test(test_ticks_to_ns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
