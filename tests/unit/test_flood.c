// SPDX-License-Identifier: GPL-2.0
/*
 * test_flood.c - the call logic when strangers spend its budgets: Call-IDs
 * kept whole and printed injectively, the offers' share of the endpoint
 * map (per call, per sender, in all; parked past it, pushed on commit,
 * displaced for committed calls), aging under pressure, eviction order,
 * streams per call, unpaired streams on probation and in the kernel's
 * budget, and a new call on an ended call's endpoints.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "callfx.h"

#define DLG(id) { .call_id = (id), .caller_tag = "a1", .callee_tag = "b1" }

/* A fixture with budgets: mcfg and dcfg from the defaults, then changed by set. */
static int setup_with(void **state, void (*set)(struct media_cfg *, struct dialog_cfg *))
{
	struct media_cfg mcfg;
	struct dialog_cfg dcfg;

	callfx_defaults(&mcfg, &dcfg);
	set(&mcfg, &dcfg);
	return callfx_setup(state, mcfg, dcfg);
}

/* SDP with n m=audio lines at ports base, base + 2, ...: 2n endpoints with RTCP. */
static const char *sdp_lines(const char *addr, unsigned int base, int n)
{
	static char bufs[4][2048];
	static unsigned int next;
	char *b = bufs[next++ % 4];
	int k = snprintf(b, sizeof(bufs[0]), "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n",
			 addr, addr), i;

	for (i = 0; i < n; i++)
		k += snprintf(b + k, sizeof(bufs[0]) - k, "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
			      base + 2 * i);
	return b;
}

/* An INVITE from host (its own offer) with n m= lines. */
static void offer_from(struct fx *f, uint64_t t, const char *id, const char *host, unsigned int port, int n)
{
	struct sipm_dlg d = { .call_id = id, .caller_tag = "a1", .callee_tag = "b1", .caller_host = host };
	char buf[SIPM_MAX];
	int len = sipm_request(buf, sizeof(buf), &d, "INVITE", false, false, 1, BR1, NULL,
			       sdp_lines(host, port, n));
	struct msg msg = { .ts_ns = t, .kind = MSG_SIP, .sport = 5060, .dport = 5060, .len = len };
	char *p = malloc(len);

	assert_non_null(p);
	memcpy(p, buf, len);
	msg.payload = p;
	fake_addr(&msg.src, host);
	fake_addr(&msg.dst, "10.0.0.2");
	dialog_on_msg(&f->d, &msg);
	free(p);
}

/* ---- identity ---- */

/* A Call-ID of n bytes: "long-", x repeated, then tail. */
static void long_id(char *buf, size_t n, const char *tail)
{
	size_t t = strlen(tail);

	memset(buf, 'x', n);
	memcpy(buf, "long-", 5);
	memcpy(buf + n - t, tail, t);
	buf[n] = '\0';
}

static void test_callid_whole(void **state)
{
	struct fx *f = *state;
	static char id1[400], id2[400];
	const struct call *c1 = NULL, *c2 = NULL, *c, *tmp;
	struct sipm_dlg d1 = DLG(id1), d2 = DLG(id2);

	long_id(id1, 350, "-1");
	long_id(id2, 350, "-2");
	invite(f, AT(0), &d1, 1, BR1, sdp_a(40000));
	invite(f, AT(10), &d2, 1, BR1, sdp_a(40002));
	assert_int_equal(f->d.nr_calls, 2);
	HASH_ITER(hh, f->d.by_id, c, tmp)
		*(c->media.t_start == AT(0) ? &c1 : &c2) = c;
	assert_non_null(c1);
	assert_non_null(c2);
	assert_true(c1->call_id_cut && c2->call_id_cut);
	assert_int_equal(strlen(c1->call_id), CALL_ID_KEEP + 2 + 16);
	assert_memory_equal(c1->call_id, id1, CALL_ID_KEEP);
	assert_memory_equal(c1->call_id + CALL_ID_KEEP, "\\#", 2);
	assert_string_not_equal(c1->call_id, c2->call_id);
	/* The same long Call-ID again is the same call: its digest does not depend on the run. */
	answer(f, AT(20), &d1, 180, 1, BR1, NULL);
	assert_int_equal(f->d.nr_calls, 2);
	assert_int_equal(c1->state, CALL_PROCEEDING);
	assert_int_equal(c2->state, CALL_INVITING);
}

static void test_callid_injective(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg text = DLG("a\\x01b@h"), byte = DLG("a\001b@h");
	const struct call *c;

	invite(f, AT(0), &text, 1, BR1, sdp_a(40000));
	invite(f, AT(10), &byte, 1, BR1, sdp_a(40002));
	assert_int_equal(f->d.nr_calls, 2);
	c = call_get(f, "a\\\\x01b@h");
	assert_non_null(c);
	assert_false(c->call_id_cut);
	c = call_get(f, "a\\x01b@h");
	assert_non_null(c);
	assert_int_equal(c->media.t_start, AT(10));
}

static void test_from_cut(void **state)
{
	struct fx *f = *state;
	static char host[200];
	struct sipm_dlg d = { .call_id = "cut@h", .caller_tag = "a1", .callee_tag = "b1", .caller_host = host };
	const struct call *c;

	memset(host, 'h', 150);
	host[150] = '\0';
	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	c = call_must(f, "cut@h");
	assert_true(c->from_cut);
	assert_false(c->to_cut || c->call_id_cut);
	assert_int_equal(strlen(c->from), sizeof(c->from) - 1);
}

/* ---- the offers' share of the endpoint map ---- */

static void budgets(struct media_cfg *m, struct dialog_cfg *d)
{
	m->endpoints = (struct endpoints_cfg){ .capacity = 40, .offer_budget = 10, .offer_per_source = 10 };
	m->offer_per_call = 8;
	(void)d;
}

static int setup_budgets(void **state)
{
	return setup_with(state, budgets);
}

/* The gauge is what the map holds, and every endpoint is in one of the two states. */
static void endpoints_agree(const struct fx *f)
{
	assert_int_equal(media_nr_endpoints(&f->m), fake_dp_nr_endpoints(&f->fake));
	assert_int_equal(f->m.eps.nr, media_nr_endpoints(&f->m) + endpoints_parked(&f->m.eps));
}

static void test_offer_budget_parks(void **state)
{
	struct fx *f = *state;

	offer_from(f, AT(0), "o1@h", "10.0.1.1", 20000, 2);
	offer_from(f, AT(10), "o2@h", "10.0.1.1", 20100, 2);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 8);
	offer_from(f, AT(20), "o3@h", "10.0.1.1", 20200, 2);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 10);
	assert_int_equal(f->m.eps.nr_offers, 10);
	assert_int_equal(endpoints_parked(&f->m.eps), 2);
	assert_int_equal(f->m.eps.st.parked, 2);
	endpoints_agree(f);
	assert_true(endpoints_under_pressure(&f->m.eps));
	/* The parked endpoint's port bit is not on: the program never looks for it. */
	assert_false(fake_dp_port_on(&f->fake, 20202));
	/* Ringing commits o3: its parked endpoints go in, outside the offers' share. */
	answer(f, AT(1000), &(struct sipm_dlg)DLG("o3@h"), 180, 1, BR1, NULL);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 12);
	assert_int_equal(endpoints_parked(&f->m.eps), 0);
	assert_int_equal(f->m.eps.nr_offers, 8);
	assert_true(fake_dp_port_on(&f->fake, 20202));
	endpoints_agree(f);
}

static void tight(struct media_cfg *m, struct dialog_cfg *d)
{
	m->endpoints = (struct endpoints_cfg){ .capacity = 8, .offer_budget = 8, .offer_per_source = 8 };
	(void)d;
}

static int setup_tight(void **state)
{
	return setup_with(state, tight);
}

/* The map is full of offers: an answered call's endpoints take their places, oldest first. */
static void test_committed_displaces_offers(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("real@h");

	offer_from(f, AT(0), "o1@h", "10.0.1.1", 20000, 2);
	offer_from(f, AT(10), "o2@h", "10.0.1.1", 20100, 2);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 8);
	invite(f, AT(20), &d, 1, BR1, sdp_a(40000));
	assert_int_equal(endpoints_parked(&f->m.eps), 2);
	answer(f, AT(1000), &d, 200, 1, BR1, sdp_b(6000));
	/* Its two offer endpoints and the two of the answer: four places, from o1's. */
	assert_int_equal(f->m.eps.st.displaced, 4);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 8);
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40001));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6001));
	assert_null(fake_dp_endpoint(&f->fake, "10.0.1.1", 20000));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.1.1", 20100));
	endpoints_agree(f);
}

/* The kernel refuses before we think the map is full: make room and try again. */
static void test_map_refusal_displaces(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("real@h");

	f->fake.max_endpoints = 6;
	offer_from(f, AT(0), "o1@h", "10.0.1.1", 20000, 2);
	offer_from(f, AT(10), "o2@h", "10.0.1.1", 20100, 1);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 6);
	invite(f, AT(20), &d, 1, BR1, sdp_a(40000));
	answer(f, AT(1000), &d, 200, 1, BR1, sdp_b(6000));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	assert_true(f->m.eps.st.insert_fail > 0);
	assert_true(f->m.eps.st.displaced >= 4);
	endpoints_agree(f);
}

static void per_source(struct media_cfg *m, struct dialog_cfg *d)
{
	m->endpoints = (struct endpoints_cfg){ .capacity = 100, .offer_budget = 12, .offer_per_source = 6 };
	m->offer_per_call = 2;
	(void)d;
}

static int setup_per_source(void **state)
{
	return setup_with(state, per_source);
}

static void test_offer_per_source_and_call(void **state)
{
	struct fx *f = *state;
	int i;

	/* One call, three m= lines: two endpoints in, the other four wait. */
	offer_from(f, AT(0), "big@h", "10.0.1.1", 20000, 3);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 2);
	assert_int_equal(endpoints_parked(&f->m.eps), 4);
	/* The same sender: six in all at the most, however many calls. */
	for (i = 0; i < 4; i++) {
		char id[16];

		snprintf(id, sizeof(id), "a%d@h", i);
		offer_from(f, AT(10 + i), id, "10.0.1.1", 21000 + 100 * i, 1);
	}
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 6);
	/* Another sender has a share of its own. */
	offer_from(f, AT(100), "b@h", "10.0.9.9", 22000, 1);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 8);
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.9.9", 22000));
	endpoints_agree(f);
}

/* ---- time under pressure ---- */

static void test_pressure_ages_offers(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg rung = DLG("rung@h");
	int i;

	invite(f, AT(0), &rung, 1, BR1, sdp_a(40000));
	answer(f, AT(500), &rung, 180, 1, BR1, NULL);
	for (i = 0; i < 3; i++) {
		char id[16];

		snprintf(id, sizeof(id), "o%d@h", i);
		offer_from(f, AT(1000 + i), id, "10.0.1.1", 20000 + 100 * i, 2);
	}
	assert_true(endpoints_under_pressure(&f->m.eps));
	dialog_tick(&f->d, AT(30000));
	assert_int_equal(f->d.nr_calls, 4);
	dialog_tick(&f->d, AT(33100));
	/* The offers nobody rang for are over (ended at once, handed over after grace)... */
	assert_int_equal(state_of(f, "o0@h"), CALL_ENDED);
	assert_int_equal(call_must(f, "o0@h")->result, RESULT_TIMED_OUT);
	/* ... the call that rang waits its setup timeout. */
	assert_int_equal(state_of(f, "rung@h"), CALL_PROCEEDING);
	dialog_tick(&f->d, AT(36000));
	assert_int_equal(f->ndone, 3);
	assert_int_equal(f->d.nr_calls, 1);
}

/* Without pressure the setup timeout holds. */
static void test_no_pressure_setup_timeout(void **state)
{
	struct fx *f = *state;

	offer_from(f, AT(0), "o@h", "10.0.1.1", 20000, 1);
	assert_false(endpoints_under_pressure(&f->m.eps));
	dialog_tick(&f->d, AT(33100));
	assert_int_equal(state_of(f, "o@h"), CALL_INVITING);
}

/* ---- eviction ---- */

static void three_calls(struct media_cfg *m, struct dialog_cfg *d)
{
	(void)m;
	d->max_calls = 3;
}

static int setup_three(void **state)
{
	return setup_with(state, three_calls);
}

/* The least recently active goes: a SIP message or RTP makes a call recent. */
static void test_eviction_order(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg a = DLG("a@h"), b = DLG("b@h"), c = DLG("c@h"), d = DLG("d@h"), e = DLG("e@h");

	call_up(f, AT(0), &a, 40000, 6000);
	call_up(f, AT(10), &b, 40002, 6002);
	invite(f, AT(20), &c, 1, BR1, sdp_a(40004));
	/* a speaks (RTP read at a tick), b's dialog hears a re-INVITE: c is now the oldest. */
	assert_true(fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 1, 1, 0, 0, AT(5000)));
	assert_true(fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 1, 2, 160, 0, AT(5020)));
	dialog_tick(&f->d, AT(5100));
	req(f, AT(6000), &b, "INVITE", false, true, 2, "z9hG4bK-b2", NULL, sdp_a(40002));
	invite(f, AT(7000), &d, 1, BR1, sdp_a(40006));
	assert_int_equal(f->ndone, 1);
	assert_string_equal(f->done[0].call_id, "c@h");
	assert_int_equal(f->done[0].result, RESULT_EVICTED);
	/* An ended call waiting out its grace goes before any live one. */
	hangup(f, AT(8000), &b, false, 3);
	invite(f, AT(8100), &e, 1, BR1, sdp_a(40008));
	assert_int_equal(f->ndone, 2);
	assert_string_equal(f->done[1].call_id, "b@h");
	assert_int_equal(f->done[1].result, RESULT_COMPLETED);
	assert_non_null(call_get(f, "a@h"));
	assert_non_null(call_get(f, "d@h"));
}

/* ---- streams ---- */

static void stream_caps(struct media_cfg *m, struct dialog_cfg *d)
{
	m->max_streams_per_call = 3;
	m->max_ssrcs_per_pair = 2;
	m->endpoints.unpaired_per_call = 2;
	(void)d;
}

static int setup_streams(void **state)
{
	return setup_with(state, stream_caps);
}

static void rtp2(struct fx *f, const char *src, uint16_t sport, uint32_t ssrc, uint64_t t)
{
	fake_dp_rtp(&f->fake, src, sport, "10.0.0.2", 6000, ssrc, 1, 0, 0, t);
	fake_dp_rtp(&f->fake, src, sport, "10.0.0.2", 6000, ssrc, 2, 160, 0, t + 20 * MS);
}

static void test_streams_per_call(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("s@h");
	int i;

	call_up(f, AT(0), &d, 40000, 6000);
	/* Four SSRCs on one pair of endpoints: two are the pair's, two refused... */
	for (i = 0; i < 4; i++)
		rtp2(f, "10.0.0.1", 40000, 0x100 + i, AT(4000 + 100 * i));
	dialog_tick(&f->d, AT(5000));
	assert_int_equal(call_must(f, "s@h")->media.nstreams, 2);
	assert_int_equal(call_must(f, "s@h")->media.streams_refused, 2);
	/* ... then two more from a NAT'd sender: one is the call's third, the other past its three. */
	rtp2(f, "10.9.9.9", 30000, 0x200, AT(5100));
	rtp2(f, "10.9.9.9", 30002, 0x201, AT(5200));
	dialog_tick(&f->d, AT(6000));
	dialog_tick(&f->d, AT(7000));
	assert_int_equal(call_must(f, "s@h")->media.nstreams, 3);
	assert_int_equal(call_must(f, "s@h")->media.streams_refused, 3);
	assert_int_equal(f->m.st.streams_refused, 3);
}

/* Junk at the call's port from ports no SDP named: two unpaired places, then refused in the kernel. */
static void test_unpaired_budget_and_probation(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("u@h");
	const struct endpoint_info *info;
	int i;

	call_up(f, AT(0), &d, 40000, 6000);
	info = fake_dp_endpoint(&f->fake, "10.0.0.2", 6000);
	assert_non_null(info);
	assert_int_equal(info->unpaired_max, 2);
	/* One packet only: on probation, not the call's; a second in sequence: the call's. */
	assert_true(fake_dp_rtp(&f->fake, "10.9.9.9", 30000, "10.0.0.2", 6000, 0x900, 1, 0, 0, AT(4000)));
	dialog_tick(&f->d, AT(4100));
	assert_int_equal(call_must(f, "u@h")->media.nstreams, 0);
	assert_true(fake_dp_rtp(&f->fake, "10.9.9.9", 30000, "10.0.0.2", 6000, 0x900, 2, 160, 0, AT(4120)));
	dialog_tick(&f->d, AT(4200));
	assert_int_equal(call_must(f, "u@h")->media.nstreams, 1);
	for (i = 1; i < 5; i++)
		fake_dp_rtp(&f->fake, "10.9.9.9", 30000 + i, "10.0.0.2", 6000, 0x900 + i, 1, 0, 0, AT(4300));
	assert_int_equal(f->fake.health.stream_budget_refused, 3);
	/* The call's own stream (both ends named) is no junk's to refuse. */
	assert_true(fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 0x1, 1, 0, 0, AT(4400)));
	/* The call ends: its streams are deleted, and their places given back. */
	hangup(f, AT(5000), &d, false, 2);
	dialog_tick(&f->d, AT(8000));
	dialog_tick(&f->d, AT(30000));
	assert_int_equal(f->fake.unpaired_released, f->fake.unpaired_created);
	assert_int_equal(fake_dp_nr_streams(&f->fake), 0);
}

/* ---- calls told apart in time ---- */

/*
 * sipp reuses addresses, ports and SSRC: a new call's SDP naming the
 * endpoints of a call in its grace period closes that call's stream, and
 * the new packets start the new call's own.
 */
static void test_new_call_closes_old_streams(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg one = DLG("one@h"), two = DLG("two@h");
	int i;

	call_up(f, AT(0), &one, 40000, 6000);
	for (i = 0; i < 10; i++)
		fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 0x77, 100 + i, 160 * i, 0,
			    AT(4000 + 20 * i));
	dialog_tick(&f->d, AT(4300));
	hangup(f, AT(4400), &one, false, 2);	/* ended: 2 s of grace from here */
	call_up(f, AT(4500), &two, 40000, 6000);
	assert_int_equal(f->m.st.streams_closed, 1);
	for (i = 10; i < 30; i++)
		fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 0x77, 100 + i, 160 * i, 0,
			    AT(8000 + 20 * i));
	dialog_tick(&f->d, AT(9000));
	hangup(f, AT(9100), &two, false, 2);
	dialog_tick(&f->d, AT(20000));
	assert_int_equal(f->ndone, 2);
	assert_int_equal(done_of(f, "one@h")->nstreams, 1);
	assert_int_equal(done_of(f, "one@h")->packets[0], 10);
	assert_int_equal(done_of(f, "two@h")->nstreams, 1);
	assert_int_equal(done_of(f, "two@h")->packets[0], 20);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TB(fn, s) cmocka_unit_test_setup_teardown(fn, s, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_callid_whole),
		T(test_callid_injective),
		T(test_from_cut),
		TB(test_offer_budget_parks, setup_budgets),
		TB(test_committed_displaces_offers, setup_tight),
		TB(test_map_refusal_displaces, setup_budgets),
		TB(test_offer_per_source_and_call, setup_per_source),
		TB(test_pressure_ages_offers, setup_budgets),
		TB(test_no_pressure_setup_timeout, setup_budgets),
		TB(test_eviction_order, setup_three),
		TB(test_streams_per_call, setup_streams),
		TB(test_unpaired_budget_and_probation, setup_streams),
		T(test_new_call_closes_old_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
