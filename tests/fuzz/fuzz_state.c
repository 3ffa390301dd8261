// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_state.c - libFuzzer target for the state file's reader (user/state.c):
 * what a starting agent reads, from a file another process wrote.
 *
 * The input is a state file.  Its length and digest are forged first (a
 * mutated file would otherwise stop at the digest, before any section is
 * read), then it is decoded from a heap copy of exactly its bytes.  A file
 * taken is applied to an agent of its own (dialogs and media over the
 * in-memory data plane, the maps kept or not as its header says), which
 * then runs its timers and finishes, and everything is freed (LeakSanitizer
 * sees what is left).  And what that agent would write next must read
 * back: state_encode() of any table made from a file is a file state_decode()
 * takes, with the same calls.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/fake_dp.h"
#include "dialog.h"
#include "fuzz.h"
#include "hashing.h"
#include "log.h"
#include "media.h"
#include "state.h"

#define SEC 1000000000ULL

static const struct state_limits lim = { .max_calls = 64, .max_streams = 256, .max_endpoints = 512 };

static void forge(uint8_t *p, size_t n)
{
	uint64_t d;
	int i;

	if (n < 32)
		return;
	for (i = 0; i < 8; i++)
		p[16 + i] = (uint64_t)n >> (8 * i);
	d = hashing_digest64(p, n - 8);
	for (i = 0; i < 8; i++)
		p[n - 8 + i] = d >> (8 * i);
}

static unsigned int done;

static void on_done(void *ctx, const struct call *call, uint64_t now)
{
	(void)ctx;
	(void)now;
	check(call->call_id[0]);
	done++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct media_cfg mcfg = { .grace_ns = 2 * SEC, .orphan_timeout_ns = 10 * SEC };
	struct dialog_cfg dcfg = {
		.grace_ns = 2 * SEC, .setup_timeout_ns = 180 * SEC, .rtp_timeout_ns = 300 * SEC,
		.pressure_timeout_ns = 32 * SEC, .max_duration_ns = 14400 * SEC, .max_calls = 64,
		.on_done = on_done,
	};
	struct state_apply ap = { .nifaces = 2, .ifaces = { "eth0", "eth1" }, .map_id = 7 };
	struct state_image img, again;
	struct state_source src = {};
	struct fake_dp fake;
	struct dialogs d;
	struct media m;
	uint8_t *p = dup_exact(data, size), *out;
	size_t len;
	unsigned int ncalls;
	char why[200];

	log_set_level(LOG_ERROR);
	forge(p, size);
	if (state_decode(p, size, &lim, &img, why, sizeof(why))) {
		check(why[0] && !img.ncalls && !img.calls);
		free(p);
		return 0;
	}
	fake_dp_init(&fake);
	check(!media_init(&m, &fake.dp, &mcfg));
	dialog_init(&d, &m, &dcfg);
	d.now = 1000 * SEC;
	ap.maps_reused = img.h.flags & 1;
	if (ap.maps_reused)
		check(!media_adopt_kernel(&m, d.now));
	state_apply(&img, &d, NULL, &ap);
	check(ap.followed + ap.written_now + ap.refused == img.ncalls);
	state_image_free(&img);

	/* What this agent would hand on reads back, its calls all there. */
	ncalls = d.nr_calls;
	src.d = &d;
	src.h.flags = STATE_F_EXIT;
	check(!state_encode(&src, &out, &len));
	check(!state_decode(out, len, &lim, &again, why, sizeof(why)));
	check(again.ncalls == ncalls);
	state_image_free(&again);
	free(out);

	dialog_tick(&d, 1001 * SEC);
	dialog_tick(&d, 2000 * SEC);
	dialog_finish(&d);
	dialog_free(&d);
	media_free(&m);
	fake_dp_free(&fake);
	free(p);
	return 0;
}
