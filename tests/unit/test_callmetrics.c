// SPDX-License-Identifier: GPL-2.0
/*
 * test_callmetrics.c - user/callmetrics.c through the call logic (dialog
 * over media over the fake data plane) and prom.c's exposition: a call's
 * figures land in its peer's, direction's and codec's buckets; the series
 * do not grow with calls; one-way media, calls without RTP and streams that
 * never validated are counted; responses go by class and peer; what an SDP
 * or a Call-ID says never becomes a label; a reload of the groups keeps
 * every count.
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

#include "callfx.h"
#include "callmetrics.h"
#include "peers.h"
#include "prom.h"
#include "snapshot.h"

static struct callmetrics cm;
static struct peers groups;

static void cm_done(void *ctx, const struct call *call, uint64_t now)
{
	(void)ctx;
	(void)now;
	callmetrics_call(&cm, call);
}

static void cm_response(void *ctx, const struct msg *msg, int method, int status)
{
	(void)ctx;
	callmetrics_response(&cm, msg, method, status);
}

static int cm_setup(void **state)
{
	struct fx *f;
	char err[256];

	if (setup(state))
		return -1;
	f = *state;
	f->d.cfg.on_done = cm_done;
	f->d.cfg.on_response = cm_response;
	memset(&groups, 0, sizeof(groups));
	if (peers_parse(&groups, "carrier 10.0.0.1/32\n", 20, "t", err, sizeof(err)))
		return -1;
	memset(&cm, 0, sizeof(cm));
	cm.peers = &groups;
	return 0;
}

static int cm_teardown(void **state)
{
	callmetrics_free(&cm);
	peers_free(&groups);
	return teardown(state);
}

/* The exposition of the distributions (a snapshot of nothing else). */
static char *render(void)
{
	struct snapshot snap;
	size_t len;
	char *text;

	memset(&snap, 0, sizeof(snap));
	snap.agent.cm = &cm;
	text = prom_render(&snap, &len);
	assert_non_null(text);
	return text;
}

/* The value of one series (name and labels as written); -1 if absent. */
static double value_of(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

static unsigned int lines_of(const char *text)
{
	unsigned int n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* RTP of a stream: count packets every 20 ms from t, skipping every drop-th (0: none). */
static void rtp(struct fx *f, bool from_caller, uint16_t aport, uint16_t bport, uint64_t t, int count, int drop)
{
	int i;

	for (i = 0; i < count; i++) {
		if (drop && i % drop == drop - 1)
			continue;
		if (from_caller)
			fake_dp_rtp(&f->fake, "10.0.0.1", aport, "10.0.0.2", bport, 0x1111, 100 + i, 160 * i, 0,
				    t + i * 20 * MS);
		else
			fake_dp_rtp(&f->fake, "10.0.0.2", bport, "10.0.0.1", aport, 0x2222, 500 + i, 160 * i, 0,
				    t + i * 20 * MS);
	}
}

/* A call up at t, RTP each way as asked, BYE, written out after grace. */
static void call(struct fx *f, const char *id, uint64_t t, int a_packets, int a_drop, int b_packets)
{
	struct sipm_dlg d = { .call_id = id, .caller_tag = "a1", .callee_tag = "b1" };

	call_up(f, t, &d, 40000, 6000);
	rtp(f, true, 40000, 6000, t + 3100 * MS, a_packets, a_drop);
	rtp(f, false, 40000, 6000, t + 3100 * MS, b_packets, 0);
	dialog_tick(&f->d, t + 10 * SEC);
	hangup(f, t + 60 * SEC, &d, false, 2);
	dialog_tick(&f->d, t + 60 * SEC + 20 * MS + GRACE);
}

#define SET "peer=\"carrier\",direction=\"inbound\",interface=\"unknown\""

static void test_figures_by_peer(void **state)
{
	struct fx *f = *state;
	char *text;

	/* The caller's stream loses every 20th packet: the last of 100 among them, so 4 of 99 expected. */
	call(f, "c1@x", AT(0), 100, 20, 100);
	text = render();
	/* The caller (10.0.0.1) is the carrier: it called in, and its audio flows in. */
	assert_int_equal(value_of(text, "sipxdp_calls_total{result=\"completed\"," SET "}"), 1);
	assert_int_equal(value_of(text, "sipxdp_calls_answered_total{" SET "}"), 1);
	assert_int_equal(value_of(text, "sipxdp_call_post_dial_delay_seconds_sum{" SET "}"), 1);
	assert_int_equal(value_of(text, "sipxdp_call_setup_seconds_sum{" SET "}"), 3);
	assert_true(value_of(text, "sipxdp_call_duration_seconds_bucket{" SET ",le=\"30\"}") == 0);
	assert_true(value_of(text, "sipxdp_call_duration_seconds_bucket{" SET ",le=\"60\"}") == 1);
	/* Loss 4/99 in the 2-5 % bucket, none the other way. */
	assert_int_equal(value_of(text, "sipxdp_stream_loss_ratio_bucket{" SET ",codec=\"PCMU\",le=\"0.02\"}"), 0);
	assert_int_equal(value_of(text, "sipxdp_stream_loss_ratio_bucket{" SET ",codec=\"PCMU\",le=\"0.05\"}"), 1);
	assert_true(fabs(value_of(text, "sipxdp_stream_loss_ratio_sum{" SET ",codec=\"PCMU\"}") - 4.0 / 99) < 1e-6);
	assert_int_equal(value_of(text, "sipxdp_stream_loss_ratio_bucket{peer=\"carrier\",direction=\"outbound\","
					"interface=\"unknown\",codec=\"PCMU\",le=\"0.001\"}"), 1);
	/*
	 * MOS: G.711 with 4 % random loss (Bpl 25.1: Ie,eff 12) rates R ~80, MOS
	 * 4.03; without loss R ~93, MOS 4.41.
	 */
	assert_int_equal(value_of(text, "sipxdp_stream_mos_bucket{" SET ",codec=\"PCMU\",le=\"3.8\"}"), 0);
	assert_int_equal(value_of(text, "sipxdp_stream_mos_bucket{" SET ",codec=\"PCMU\",le=\"4.2\"}"), 1);
	assert_int_equal(value_of(text, "sipxdp_stream_mos_bucket{peer=\"carrier\",direction=\"outbound\","
					"interface=\"unknown\",codec=\"PCMU\",le=\"4.4\"}"), 0);
	assert_int_equal(value_of(text, "sipxdp_stream_mos_bucket{peer=\"carrier\",direction=\"outbound\","
					"interface=\"unknown\",codec=\"PCMU\",le=\"5\"}"), 1);
	assert_int_equal(value_of(text, "sipxdp_stream_mos_count{peer=\"carrier\",direction=\"outbound\","
					"interface=\"unknown\",codec=\"PCMU\"}"), 1);
	/* No RTCP: no round trip observed. */
	assert_int_equal(value_of(text, "sipxdp_stream_rtcp_rtt_seconds_count{" SET ",codec=\"PCMU\"}"), 0);
	assert_int_equal(value_of(text, "sipxdp_calls_one_way_media_total{" SET "}"), 0);
	/* Responses: the callee (not in a group) sent them to the carrier. */
	assert_int_equal(value_of(text, "sipxdp_sip_responses_total{method=\"INVITE\",class=\"1xx\",peer=\"carrier\"}"), 2);
	assert_int_equal(value_of(text, "sipxdp_sip_responses_total{method=\"INVITE\",class=\"2xx\",peer=\"carrier\"}"), 1);
	/* The Call-ID is nowhere. */
	assert_null(strstr(text, "c1@x"));
	free(text);
}

static void test_series_do_not_grow(void **state)
{
	struct fx *f = *state;
	unsigned int after4, after20;
	char id[32], *text;
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "g%d@x", i);
		call(f, id, AT(i * 100000), 50, 0, 50);
	}
	text = render();
	after4 = lines_of(text);
	free(text);
	for (; i < 20; i++) {
		snprintf(id, sizeof(id), "g%d@x", i);
		call(f, id, AT(i * 100000), 50, i % 3 ? 0 : 10, 50);
	}
	text = render();
	after20 = lines_of(text);
	assert_int_equal(after4, after20);
	assert_int_equal(cm.ncalls, 1);
	assert_int_equal(cm.nstreams, 2);
	assert_int_equal(value_of(text, "sipxdp_calls_total{result=\"completed\"," SET "}"), 20);
	assert_int_equal(value_of(text, "sipxdp_stream_jitter_seconds_count{" SET ",codec=\"PCMU\"}"), 20);
	free(text);
}

static void test_one_way_and_silent(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = { .call_id = "busy@x", .caller_tag = "a1", .callee_tag = "b1" };
	char *text;

	call(f, "oneway@x", AT(0), 50, 0, 0);
	call(f, "silent@x", AT(100000), 0, 0, 0);
	call(f, "stray@x", AT(200000), 50, 0, 1);	/* the callee sent one packet: never valid */
	invite(f, AT(300000), &d, 1, BR1, sdp_a(40000));
	answer(f, AT(300100), &d, 486, 1, BR1, NULL);
	answer(f, AT(300200), &d, 407, 1, BR1, NULL);
	dialog_tick(&f->d, AT(300200) + SETUP_TO + GRACE);
	text = render();
	assert_int_equal(value_of(text, "sipxdp_calls_answered_total{" SET "}"), 3);
	assert_int_equal(value_of(text, "sipxdp_calls_one_way_media_total{" SET "}"), 2);
	assert_int_equal(value_of(text, "sipxdp_calls_no_rtp_total{" SET "}"), 1);
	assert_int_equal(value_of(text, "sipxdp_call_streams_never_valid_total{" SET "}"), 1);
	assert_int_equal(value_of(text, "sipxdp_calls_total{result=\"busy\"," SET "}"), 1);
	assert_int_equal(value_of(text, "sipxdp_sip_responses_total{method=\"INVITE\",class=\"4xx\",peer=\"carrier\"}"), 1);
	assert_int_equal(value_of(text, "sipxdp_sip_responses_total{method=\"INVITE\",class=\"challenge\",peer=\"carrier\"}"), 1);
	free(text);
}

static void test_hostile_codec_and_call_id(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = { .call_id = "evil\"}\\x@x", .caller_tag = "a1", .callee_tag = "b1" };
	const char *sdp = sdp_x("10.0.0.1", 40000, "96", "a=rtpmap:96 Ev\"il}{,le=/8000\r\n");
	char *text, *line, *save;

	invite(f, AT(0), &d, 1, BR1, sdp);
	answer(f, AT(3000), &d, 200, 1, BR1, sdp_x("10.0.0.2", 6000, "96", "a=rtpmap:96 Ev\"il}{,le=/8000\r\n"));
	ack(f, AT(3050), &d, 1, "z9hG4bK-ack1");
	for (int i = 0; i < 20; i++)
		fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 7, i, 160 * i, 96, AT(3100 + 20 * i));
	dialog_tick(&f->d, AT(10000));
	hangup(f, AT(20000), &d, false, 2);
	dialog_tick(&f->d, AT(20020) + GRACE);
	text = render();
	assert_int_equal(value_of(text, "sipxdp_stream_jitter_seconds_count{" SET ",codec=\"other\"}"), 1);
	assert_null(strstr(text, "Ev\""));
	assert_null(strstr(text, "il}"));
	assert_null(strstr(text, "evil"));
	/* Every line a comment or NAME{...} VALUE with quotes paired. */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned int quotes = 0;
		const char *c;

		if (line[0] == '#')
			continue;
		assert_true(!strncmp(line, "sipxdp_", 7));
		for (c = line; *c; c++)
			quotes += *c == '"';
		assert_int_equal(quotes % 2, 0);
	}
	free(text);
}

static void test_reload_keeps_counts(void **state)
{
	struct fx *f = *state;
	struct peers next = { 0 };
	char err[256], *text;

	call(f, "r1@x", AT(0), 50, 0, 50);
	assert_int_equal(peers_parse(&next, "renamed 10.0.0.0/24\n", 20, "t", err, sizeof(err)), 0);
	peers_free(&groups);
	groups = next;
	call(f, "r2@x", AT(100000), 50, 0, 50);
	text = render();
	assert_int_equal(value_of(text, "sipxdp_calls_total{result=\"completed\"," SET "}"), 1);
	assert_int_equal(value_of(text, "sipxdp_calls_total{result=\"completed\",peer=\"renamed\","
					"direction=\"inbound\",interface=\"unknown\"}"), 1);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_figures_by_peer, cm_setup, cm_teardown),
		cmocka_unit_test_setup_teardown(test_series_do_not_grow, cm_setup, cm_teardown),
		cmocka_unit_test_setup_teardown(test_one_way_and_silent, cm_setup, cm_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_codec_and_call_id, cm_setup, cm_teardown),
		cmocka_unit_test_setup_teardown(test_reload_keeps_counts, cm_setup, cm_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
