// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_replay.c - libFuzzer target for user/replay.c, which parses every
 * frame of a capture to choose its lane.  An input is a run of frames, each
 * a 2-byte big-endian length and that many bytes; each goes to
 * replay_frame() in a heap copy of exactly its length (ASan reports any
 * read past it) on a replay with one worker thread.  After replay_sync()
 * every frame must have run exactly once and unaltered, whatever lane it
 * took; between inputs the streams seen are forgotten.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "replay.h"


#define MAX_FRAMES 256

struct seen {
	const uint8_t *data[MAX_FRAMES];	/* the input's bytes of frame i */
	uint32_t len[MAX_FRAMES];
	_Atomic int runs[MAX_FRAMES];
	_Atomic int bad;
};

static struct seen seen;

static int run(void *ctx, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts)
{
	struct seen *s = ctx;

	(void)buf;
	if (ts >= MAX_FRAMES || len != s->len[ts] || (len && memcmp(frame, s->data[ts], len)))
		atomic_store(&s->bad, 1);
	else
		atomic_fetch_add(&s->runs[ts], 1);
	return 0;
}

static int consume(void *ctx)
{
	(void)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t sip[] = { 5060, 5080 };
	static struct replay r;
	static int ready;
	size_t off = 0;
	uint64_t n = 0, i, before;

	if (!ready) {
		check(replay_init(&r, 1, sip, 2, run, consume, &seen) == 0);
		ready = 1;
	}
	memset(&seen, 0, sizeof(seen));
	before = r.laned + r.ordered;
	while (off + 2 <= size && n < MAX_FRAMES) {
		uint32_t len = (uint32_t)data[off] << 8 | data[off + 1];
		uint8_t *copy;

		off += 2;
		if (len > size - off)
			len = (uint32_t)(size - off);
		seen.data[n] = data + off;
		seen.len[n] = len;
		copy = dup_exact(data + off, len);
		check(replay_frame(&r, copy, len, n) == 0);
		free(copy);
		off += len;
		n++;
	}
	check(replay_sync(&r) == 0);
	check(!atomic_load(&seen.bad));
	for (i = 0; i < n; i++)
		check(atomic_load(&seen.runs[i]) == 1);
	check(r.laned + r.ordered - before == n);	/* every frame taken one way or the other */
	replay_forget_streams(&r);
	return 0;
}
