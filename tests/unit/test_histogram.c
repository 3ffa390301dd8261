// SPDX-License-Identifier: GPL-2.0
/*
 * test_histogram.c - user/histogram.h and its exposition in prom.c: a
 * value on a bound falls in that bound's bucket (le is "less or equal"),
 * one above every bound in +Inf, NaN is not counted; written out, the
 * buckets are cumulative and end with +Inf equal to the count.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "histogram.h"
#include "prom.h"
#include "snapshot.h"

static const struct hist_bounds b = { 3, { 0.001, 0.01, 0.1 } };

static void test_observe(void **state)
{
	struct hist h = {};

	(void)state;
	hist_observe(&h, &b, 0.0005);
	hist_observe(&h, &b, 0.001);	/* on the bound: in it */
	hist_observe(&h, &b, 0.0011);
	hist_observe(&h, &b, 0.1);
	hist_observe(&h, &b, 7);	/* above them all */
	hist_observe(&h, &b, NAN);
	assert_int_equal(h.count, 5);
	assert_int_equal(h.bucket[0], 2);
	assert_int_equal(h.bucket[1], 1);
	assert_int_equal(h.bucket[2], 1);
	assert_int_equal(h.bucket[3], 1);
	assert_true(fabs(h.sum - 7.1026) < 1e-9);
}

/* The lines of the family name in the text of a snapshot. */
static char *family_lines(const struct snapshot *snap, const char *name)
{
	char *text = NULL, *out = calloc(1, 4096), *line, *save;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_non_null(out);
	prom_format(f, snap);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, name, strlen(name))) {
			strcat(out, line);
			strcat(out, "\n");
		}
	}
	free(text);
	return out;
}

static void test_exposition(void **state)
{
	struct snapshot snap = {};
	char *got;

	(void)state;
	snap.tick_bounds = &b;
	hist_observe(&snap.tick, &b, 0.0005);
	hist_observe(&snap.tick, &b, 0.05);
	hist_observe(&snap.tick, &b, 0.05);
	hist_observe(&snap.tick, &b, 3);
	got = family_lines(&snap, "sipxdp_tick_duration_seconds");
	assert_string_equal(got,
			    "sipxdp_tick_duration_seconds_bucket{le=\"0.001\"} 1\n"
			    "sipxdp_tick_duration_seconds_bucket{le=\"0.01\"} 1\n"
			    "sipxdp_tick_duration_seconds_bucket{le=\"0.1\"} 3\n"
			    "sipxdp_tick_duration_seconds_bucket{le=\"+Inf\"} 4\n"
			    "sipxdp_tick_duration_seconds_sum 3.1005\n"
			    "sipxdp_tick_duration_seconds_count 4\n");
	free(got);
	snap.tick_bounds = NULL;	/* not set by the agent: not written */
	got = family_lines(&snap, "sipxdp_tick_duration_seconds");
	assert_string_equal(got, "");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_observe),
		cmocka_unit_test(test_exposition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
