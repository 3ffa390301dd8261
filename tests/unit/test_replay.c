// SPDX-License-Identifier: GPL-2.0
/*
 * test_replay.c - user/replay.c with a recording run function: every frame
 * runs once; the frames toward one destination run in capture order; an
 * ordered frame (SIP, a stream's first packet, what is not RTP, a fragment,
 * IPv6 with an extension header) runs after every frame before it and
 * before every frame after it, with the events handled in between; after
 * replay_forget_streams a stream's next packet is ordered again; a laned
 * frame's failure comes out of replay_sync; with no workers every frame is
 * ordered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "replay.h"

#define MAX_FRAMES 4096

enum kind { K_RTP, K_SIP, K_TEXT, K_FRAG, K_V6, K_V6EXT };

struct frame {
	uint8_t b[128];
	uint32_t len;
	int dst;		/* destination index */
	bool ordered;		/* what the test expects */
};

struct rec {
	struct frame f[MAX_FRAMES];
	int n;
	_Atomic uint64_t seq;
	uint64_t ran_at[MAX_FRAMES];	/* run order, 1-based; 0: never ran */
	_Atomic int runs[MAX_FRAMES];
	uint64_t consumed_at[MAX_FRAMES];	/* seq when consume was last called before frame i was given */
	uint64_t last_consume;
	int fail_from;			/* frames from this one on fail their run; -1 none */
	_Atomic int bad;		/* a run saw a frame other than the one given (workers cannot assert) */
};

static int run(void *ctx, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts)
{
	struct rec *r = ctx;
	int id = (int)ts;

	(void)buf;
	if (id < 0 || id >= r->n || len != r->f[id].len || memcmp(frame, r->f[id].b, len)) {
		atomic_store(&r->bad, 1);
		return 0;
	}
	r->ran_at[id] = atomic_fetch_add(&r->seq, 1) + 1;
	atomic_fetch_add(&r->runs[id], 1);
	return r->fail_from >= 0 && id >= r->fail_from ? -EINVAL : 0;
}

static int consume(void *ctx)
{
	struct rec *r = ctx;

	r->last_consume = atomic_load(&r->seq);
	return 0;
}

/* A frame to destination 10.9.0.dst:7000+2 dst from 10.8.0.src, SSRC ssrc. */
static int add(struct rec *r, enum kind k, int src, int dst, uint32_t ssrc, bool ordered)
{
	struct frame *f = &r->f[r->n];
	uint8_t *p = f->b, *l4;
	uint16_t dport = htons(7000 + 2 * dst), sport = htons(k == K_SIP ? 5060 : 40000);

	memset(f, 0, sizeof(*f));
	p[12] = 0x08;
	if (k == K_V6 || k == K_V6EXT) {
		p[12] = 0x86;
		p[13] = 0xdd;
		p[14] = 0x60;
		p[14 + 6] = k == K_V6EXT ? 0 : 17;	/* hop-by-hop options first, or UDP */
		p[14 + 8 + 15] = src;
		p[14 + 24 + 15] = dst;
		l4 = p + 14 + 40;
	} else {
		p[14] = 0x45;
		p[14 + 9] = 17;
		if (k == K_FRAG)
			p[14 + 6] = 0x20;	/* more fragments */
		p[14 + 12] = 10, p[14 + 13] = 8, p[14 + 15] = src;
		p[14 + 16] = 10, p[14 + 17] = 9, p[14 + 19] = dst;
		l4 = p + 14 + 20;
	}
	memcpy(l4, &sport, 2);
	memcpy(l4 + 2, &dport, 2);
	{
		uint32_t s = htonl(ssrc);

		/* text where RTP's first 8 bytes would be, the SSRC where RTP has it */
		if (k == K_TEXT || k == K_SIP)
			memcpy(l4 + 8, "INVITE s", 8);
		else
			l4[8] = 0x80;
		memcpy(l4 + 16, &s, 4);
	}
	f->len = (uint32_t)(l4 + 8 + 32 - p);
	f->dst = dst;
	f->ordered = ordered;
	return r->n++;
}

static void give(struct replay *rp, struct rec *r, int id)
{
	r->consumed_at[id] = r->last_consume;
	assert_int_equal(replay_frame(rp, r->f[id].b, r->f[id].len, (uint64_t)id), 0);
}

/* Every frame once; per destination in order; ordered frames fenced on both sides. */
static void check(const struct rec *r)
{
	int i, j;

	assert_int_equal(r->bad, 0);
	for (i = 0; i < r->n; i++) {
		assert_int_equal(r->runs[i], 1);
		for (j = 0; j < i; j++) {
			if (r->f[j].dst == r->f[i].dst || r->f[i].ordered || r->f[j].ordered)
				assert_true(r->ran_at[j] < r->ran_at[i]);
		}
	}
}

static struct rec *rec_new(void)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->fail_from = -1;
	return r;
}

static void test_lanes_and_fences(void **state)
{
	static const uint16_t sip[] = { 5060, 7006 };	/* 7006: stream 3's destination port */
	struct replay rp;
	struct rec *r = rec_new();
	int round, d, i;

	(void)state;
	assert_int_equal(replay_init(&rp, 2, sip, 2, run, consume, r), 0);
	for (round = 0; round < 30; round++) {
		/* a stream's first packet is ordered; all of stream 3, on a SIP port */
		for (d = 0; d < 40; d++)
			add(r, K_RTP, d, d, 0x100 + d, round == 0 || d == 3);
		add(r, K_V6, 50, 50, 0x500, round == 0);		/* IPv6 streams are laned too */
		/*
		 * Each special frame has the address, ports and SSRC of a stream
		 * already seen: it is ordered for what it is, not as a first packet.
		 */
		if (round == 10)
			add(r, K_SIP, 3, 3, 0x103, true);	/* from port 5060 */
		if (round == 12)
			add(r, K_TEXT, 4, 4, 0x104, true);	/* stream 4's key, text: not RTP */
		if (round == 14)
			add(r, K_FRAG, 6, 6, 0x106, true);
		if (round == 16)
			add(r, K_V6EXT, 50, 50, 0x500, true);	/* an extension header: the kernel's to walk */
		if (round == 18)
			add(r, K_RTP, 9, 9, 0x999, true);	/* a new SSRC: a new stream */
	}
	for (i = 0; i < r->n; i++)
		give(&rp, r, i);
	assert_int_equal(replay_sync(&rp), 0);
	check(r);
	assert_int_equal(rp.ordered, 41 + 29 + 5);
	assert_int_equal(rp.laned, (uint64_t)r->n - 75);
	/* The events of everything before an ordered frame are handled before the next frame is given. */
	for (i = 1; i < r->n; i++)
		if (r->f[i - 1].ordered)
			assert_true(r->consumed_at[i] >= r->ran_at[i - 1]);
	replay_free(&rp);
	free(r);
}

static void test_forget_streams(void **state)
{
	static const uint16_t sip[] = { 5060 };
	struct replay rp;
	struct rec *r = rec_new();
	int i;

	(void)state;
	assert_int_equal(replay_init(&rp, 1, sip, 1, run, consume, r), 0);
	add(r, K_RTP, 1, 1, 0x11, true);
	add(r, K_RTP, 1, 1, 0x11, false);
	for (i = 0; i < 2; i++)
		give(&rp, r, i);
	assert_int_equal(replay_sync(&rp), 0);
	replay_forget_streams(&rp);	/* a tick may have removed the stream */
	add(r, K_RTP, 1, 1, 0x11, true);
	add(r, K_RTP, 1, 1, 0x11, false);
	for (i = 2; i < 4; i++)
		give(&rp, r, i);
	assert_int_equal(replay_sync(&rp), 0);
	check(r);
	assert_int_equal(rp.ordered, 2);
	assert_int_equal(rp.laned, 2);
	replay_free(&rp);
	free(r);
}

static void test_laned_failure_reported(void **state)
{
	static const uint16_t sip[] = { 5060 };
	struct replay rp;
	struct rec *r = rec_new();
	int round, d, i, at_once = 0;

	(void)state;
	assert_int_equal(replay_init(&rp, 1, sip, 1, run, consume, r), 0);
	for (round = 0; round < 4; round++)
		for (d = 0; d < 32; d++)
			add(r, K_RTP, d, d, 0x200 + d, round == 0);
	/*
	 * Every laned frame fails: those the main thread ran say so at once,
	 * those of the worker at the next sync (32 destinations: both lanes).
	 */
	r->fail_from = 32;
	for (i = 0; i < r->n; i++)
		at_once += replay_frame(&rp, r->f[i].b, r->f[i].len, (uint64_t)i) == -EINVAL;
	assert_int_equal(replay_sync(&rp), -EIO);
	assert_true(at_once > 0 && at_once < r->n - 32);
	assert_int_equal(replay_sync(&rp), 0);	/* said once */
	replay_free(&rp);
	free(r);
}

static void test_serial(void **state)
{
	static const uint16_t sip[] = { 5060 };
	struct replay rp;
	struct rec *r = rec_new();
	int round, d, i;

	(void)state;
	assert_int_equal(replay_init(&rp, 0, sip, 1, run, consume, r), 0);
	for (round = 0; round < 5; round++)
		for (d = 0; d < 8; d++)
			add(r, K_RTP, d, d, 0x300 + d, true);
	for (i = 0; i < r->n; i++)
		give(&rp, r, i);
	assert_int_equal(replay_sync(&rp), 0);
	for (i = 0; i < r->n; i++)
		assert_int_equal(r->ran_at[i], i + 1);
	assert_int_equal(rp.ordered, r->n);
	replay_free(&rp);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lanes_and_fences),
		cmocka_unit_test(test_forget_streams),
		cmocka_unit_test(test_laned_failure_reported),
		cmocka_unit_test(test_serial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
