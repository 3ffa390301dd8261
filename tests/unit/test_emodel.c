// SPDX-License-Identifier: GPL-2.0
/*
 * test_emodel.c - the G.107 E-model of user/emodel.c: known points worked by
 * hand from the formulas (and Idd values from an independent transcription
 * of G.107), the MOS mapping, clamps and the codec table.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "emodel.h"

#define EPS 1e-3

#define assert_near(a, b, eps) do {						\
	double a_ = (a), b_ = (b);						\
	if (!(fabs(a_ - b_) <= (eps)))						\
		fail_msg("%s = %.6f, want %.6f +- %g", #a, a_, b_, (double)(eps)); \
} while (0)

/* G.107 Annex B, written out again so the tests do not trust the module. */
static double mos_formula(double r)
{
	return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

static struct emodel_out run(const char *codec, double loss, double burst, double ta)
{
	struct emodel_in in = { emodel_codec(codec), loss, burst, ta };
	struct emodel_out out;

	assert_non_null(in.codec);
	assert_true(emodel_compute(&in, &out));
	return out;
}

static void test_g711_clean(void **state)
{
	struct emodel_out o;

	(void)state;
	o = run("PCMU", 0, 1, 0);
	assert_near(o.r, 93.2, 1e-9);
	assert_near(o.ie_eff, 0, 1e-9);
	assert_near(o.id, 0, 1e-9);
	assert_near(o.mos, 4.41, 0.005);
	assert_near(o.mos, mos_formula(93.2), 1e-9);
	o = run("PCMA", 0, 1, 0);
	assert_near(o.r, 93.2, 1e-9);
	assert_near(o.r, EMODEL_RO_MINUS_IS, 1e-9);
}

static void test_g729_clean(void **state)
{
	struct emodel_out o;

	(void)state;
	o = run("G729", 0, 1, 0);
	assert_near(o.ie_eff, 11, 1e-9);
	assert_near(o.r, 82.2, 1e-9);
	assert_near(o.mos, 4.104, EPS);
	o = run("G723", 0, 1, 0);
	assert_near(o.r, 93.2 - 15, 1e-9);
}

static void test_random_loss(void **state)
{
	struct emodel_out o;

	(void)state;
	/* 95 * 1 / (1 + 25.1) */
	o = run("PCMU", 1, 1, 0);
	assert_near(o.ie_eff, 3.640, EPS);
	assert_near(o.r, 89.56, 0.005);
	assert_near(o.mos, mos_formula(o.r), 1e-9);
	/* 11 + 84 * 2 / (2 + 19) = 19 exactly */
	o = run("G729", 2, 1, 0);
	assert_near(o.ie_eff, 19, 1e-9);
	assert_near(o.r, 74.2, 1e-9);
	/* Total loss: 95 * 100 / (100 + 25.1) */
	o = run("PCMA", 100, 1, 0);
	assert_near(o.ie_eff, 75.939, EPS);
}

static void test_delay(void **state)
{
	static const struct { double ta, idd; } want[] = {
		{ 0, 0 }, { 50, 0 }, { 95, 0 }, { 99.9, 0 }, { 100, 0 }, { 110, 0.00003 }, { 150, 0.1635 }, { 200, 3.0444 },
		{ 250, 8.9167 }, { 300, 14.7607 }, { 1e9, 49.9996 },
	};
	struct emodel_out o, prev = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		o = run("PCMU", 0, 1, want[i].ta);
		assert_near(o.id, want[i].idd, 1e-4);
		if (want[i].ta <= 100)
			assert_true(o.id == 0);	/* not merely small: the G.107 cut-off */
		assert_near(o.r, 93.2 - want[i].idd, 1e-4);
		if (i && want[i].ta > 100) {
			assert_true(o.id > prev.id);
			assert_true(o.r < prev.r);
		}
		prev = o;
	}
	o = run("PCMU", 0, 1, 100.001);
	assert_true(o.id >= 0 && o.id < 1e-6);
	/* The limit: no inf - inf, Idd tends to 50. */
	o = run("PCMU", 0, 1, INFINITY);
	assert_true(isfinite(o.id));
	assert_near(o.id, 50, 0.01);
}

static void test_combined(void **state)
{
	struct emodel_out o;

	(void)state;
	/* G.729, 2 % random loss, Ta 250 ms: 93.2 - 19 - 8.9167 */
	o = run("G729", 2, 1, 250);
	assert_near(o.r, 65.283, EPS);
	assert_near(o.mos, 3.369, EPS);
}

static void test_mos_points(void **state)
{
	static const double r[] = { 0, 50, 80, 93.2, 100 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		assert_near(emodel_mos(r[i]), mos_formula(r[i]), 1e-12);
	assert_near(emodel_mos(0), 1, 1e-12);
	assert_near(emodel_mos(50), 2.575, 1e-9);
	assert_near(emodel_mos(80), 4.024, 1e-9);
	assert_near(emodel_mos(93.2), 4.409, EPS);
	assert_near(emodel_mos(100), 4.5, 1e-12);
	assert_near(emodel_mos(-20), 1, 1e-12);
	assert_near(emodel_mos(130), 4.5, 1e-12);
	assert_near(emodel_mos(NAN), 1, 1e-12);
	/* The cubic alone dips below 1 at small R; the result does not. */
	assert_true(mos_formula(3) < 1);
	assert_near(emodel_mos(3), 1, 1e-12);
}

static void test_mos_monotone(void **state)
{
	double r, prev = emodel_mos(-10), m;

	(void)state;
	for (r = -10; r <= 110; r += 0.05) {
		m = emodel_mos(r);
		assert_true(m >= prev);
		assert_true(m >= 1 && m <= 4.5);
		prev = m;
	}
	assert_true(emodel_mos(80) > emodel_mos(70));
}

static void assert_same(const struct emodel_out *a, const struct emodel_out *b)
{
	assert_near(a->r, b->r, 1e-12);
	assert_near(a->mos, b->mos, 1e-12);
	assert_near(a->ie_eff, b->ie_eff, 1e-12);
	assert_near(a->id, b->id, 1e-12);
}

static void test_clamps(void **state)
{
	struct emodel_out a, b;

	(void)state;
	a = run("PCMU", -5, 1, 0);
	b = run("PCMU", 0, 1, 0);
	assert_same(&a, &b);
	a = run("PCMU", 150, 1, 0);
	b = run("PCMU", 100, 1, 0);
	assert_same(&a, &b);
	a = run("PCMU", INFINITY, 1, 0);
	assert_same(&a, &b);
	a = run("G729", 3, 0.5, 0);
	b = run("G729", 3, 1, 0);
	assert_same(&a, &b);
	a = run("G729", 3, -2, 0);
	assert_same(&a, &b);
	a = run("G729", 0, 1, -40);
	b = run("G729", 0, 1, 0);
	assert_same(&a, &b);
	/* Long bursts at high loss: the formula passes 95, the result not. */
	a = run("PCMU", 50, 500, 0);
	assert_near(a.ie_eff, 95, 1e-12);
	a = run("G726-16", 100, INFINITY, 0);
	assert_near(a.ie_eff, 95, 1e-12);
	/* Worst case: R = 93.2 - 95 - ~50, below 0, MOS 1. */
	a = run("PCMU", 100, 1e6, INFINITY);
	assert_true(a.r < 0);
	assert_near(a.mos, 1, 1e-12);
}

static void test_burst(void **state)
{
	struct emodel_out rnd, o, prev;
	double br;

	(void)state;
	rnd = run("PCMU", 2, 1, 0);
	/* 95 * 2 / (2 / 2 + 25.1) */
	o = run("PCMU", 2, 2, 0);
	assert_near(o.ie_eff, 7.280, EPS);
	assert_true(o.ie_eff > rnd.ie_eff);
	assert_true(o.r < rnd.r);
	assert_true(o.mos < rnd.mos);
	prev = rnd;
	for (br = 1.5; br <= 20; br += 0.5) {
		o = run("G729", 5, br, 0);
		if (br > 1.5)
			assert_true(o.r < prev.r);
		prev = o;
	}
	/* No loss, no burst effect. */
	o = run("PCMU", 0, 4, 0);
	assert_near(o.r, 93.2, 1e-12);
}

static void test_invalid(void **state)
{
	struct emodel_in in = { NULL, 0, 1, 0 };
	struct emodel_out out = { 1, 2, 3, 4 };

	(void)state;
	assert_false(emodel_compute(&in, &out));
	assert_near(out.r, 1, 0);
	assert_near(out.id, 4, 0);
	in.codec = emodel_codec("PCMU");
	assert_false(emodel_compute(NULL, &out));
	assert_false(emodel_compute(&in, NULL));
	in.loss_pct = NAN;
	assert_false(emodel_compute(&in, &out));
	in.loss_pct = 0;
	in.burst_ratio = NAN;
	assert_false(emodel_compute(&in, &out));
	in.burst_ratio = 1;
	in.one_way_delay_ms = NAN;
	assert_false(emodel_compute(&in, &out));
	assert_near(out.mos, 2, 0);
	in.one_way_delay_ms = 0;
	assert_true(emodel_compute(&in, &out));
	assert_near(out.r, 93.2, 1e-12);
}

static void test_codec_lookup(void **state)
{
	static const char *const known[] = {
		"PCMU", "PCMA", "G729", "G723", "GSM", "GSM-EFR", "AMR", "AMR-WB", "G722",
		"opus", "iLBC", "G726-40", "G726-32", "G726-24", "G726-16", "L16",
	};
	static const char *const unknown[] = {
		"telephone-event", "CN", "DVI4", "LPC", "speex", "G728", "QCELP", "",
		"PCM", "PCMUU", "G729X", "H264",
	};
	const struct emodel_codec *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		c = emodel_codec(known[i]);
		assert_non_null(c);
		assert_string_equal(c->name, known[i]);
		assert_true(c->ie >= 0 && c->ie < 95);
		assert_true(c->bpl > 0);
		assert_true(c->delay_ms >= 20 && c->delay_ms <= 40);
	}
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_null(emodel_codec(unknown[i]));
	assert_null(emodel_codec(NULL));

	assert_ptr_equal(emodel_codec("pcmu"), emodel_codec("PCMU"));
	assert_ptr_equal(emodel_codec("OPUS"), emodel_codec("opus"));
	assert_ptr_equal(emodel_codec("ilbc"), emodel_codec("iLBC"));
	assert_ptr_equal(emodel_codec("amr-wb"), emodel_codec("AMR-WB"));

	/* The G.113 Appendix I values. */
	c = emodel_codec("PCMA");
	assert_near(c->ie, 0, 0);
	assert_near(c->bpl, 25.1, 1e-12);
	c = emodel_codec("G729");
	assert_near(c->ie, 11, 0);
	assert_near(c->bpl, 19.0, 1e-12);
	c = emodel_codec("G723");
	assert_near(c->ie, 15, 0);
	assert_near(c->bpl, 16.1, 1e-12);
	assert_near(emodel_codec("GSM")->ie, 20, 0);
	assert_near(emodel_codec("GSM-EFR")->ie, 5, 0);
	assert_near(emodel_codec("G726-32")->ie, 7, 0);
}

static void test_delay_estimate(void **state)
{
	const struct emodel_codec *pcmu = emodel_codec("PCMU"), *g729 = emodel_codec("G729");

	(void)state;
	/* codec 20 + buffer max(2 x 5, 20) + default network 20 */
	assert_near(emodel_delay_ms(pcmu, 5, -1), 60, 1e-12);
	assert_near(emodel_delay_ms(pcmu, 30, -1), 20 + 60 + 20, 1e-12);
	assert_near(emodel_delay_ms(pcmu, 10, -1), 60, 1e-12);
	assert_near(emodel_delay_ms(pcmu, 5, 100), 20 + 20 + 50, 1e-12);
	assert_near(emodel_delay_ms(pcmu, 5, 0), 40, 1e-12);
	assert_near(emodel_delay_ms(g729, 40, 300), 25 + 80 + 150, 1e-12);
	assert_near(emodel_delay_ms(NULL, 0, -1), EMODEL_JB_MIN_MS + EMODEL_NET_DEFAULT_MS, 1e-12);
	assert_near(emodel_delay_ms(pcmu, -3, -1), 60, 1e-12);
	assert_near(emodel_delay_ms(pcmu, NAN, NAN), 60, 1e-12);
	/* Fed back into the model: 255 ms one way costs G.729 Idd. */
	{
		struct emodel_in in = { g729, 0, 1, emodel_delay_ms(g729, 40, 300) };
		struct emodel_out out;

		assert_true(emodel_compute(&in, &out));
		assert_true(out.id > 8.9167 && out.r < 82.2 - 8.9167);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_g711_clean),
		cmocka_unit_test(test_g729_clean),
		cmocka_unit_test(test_random_loss),
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_mos_points),
		cmocka_unit_test(test_mos_monotone),
		cmocka_unit_test(test_clamps),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_codec_lookup),
		cmocka_unit_test(test_delay_estimate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
