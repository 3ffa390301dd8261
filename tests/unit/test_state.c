// SPDX-License-Identifier: GPL-2.0
/*
 * test_state.c - the state file (user/state.c) and what it puts back
 * (dialog_restore, media_restore_call, endpoints adopted from the kernel),
 * over the in-memory data plane: an "agent" is the call fixture of
 * callfx.h, and the "kernel" (a fake_dp) outlives it or not.
 *
 * Round trips: with the maps kept (--persist), the next agent follows the
 * call on with what the kernel counted meanwhile; without them, the
 * streams are put back and the gap is unseen, not lost; with the maps gone
 * under a --persist file, the call is written out at once and nothing
 * reaches the kernel.  Each call is written out once, by one agent.  An
 * endpoint and a stream no file explains go after the grace period.  Every
 * truncation of a file, every byte flipped, and chosen hostile values are
 * refused or read without harm (ASan, UBSan, LeakSanitizer).
 */
#define _GNU_SOURCE	/* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "callfx.h"
#include "hashing.h"
#include "log.h"
#include "state.h"

#define MAP_ID 7

static const struct state_limits lim = { .max_calls = 100, .max_streams = 1000, .max_endpoints = 1000 };

/* A second agent on the same kernel (the maps outlived the first) or on a kernel of its own. */
static struct fx *agent_on(struct fake_dp *kernel)
{
	struct media_cfg mcfg;
	struct dialog_cfg dcfg;
	struct fx *g;
	void *st;

	callfx_defaults(&mcfg, &dcfg);
	assert_int_equal(callfx_setup(&st, mcfg, dcfg), 0);
	g = st;
	if (kernel) {
		media_free(&g->m);
		fake_dp_free(&g->fake);
		assert_int_equal(media_init(&g->m, &kernel->dp, &mcfg), 0);
		g->d.media = &g->m;
	}
	return g;
}

/* The agent gone (killed, or exited): its memory freed, its kernel as it was. */
static void agent_gone(struct fx *f, bool with_kernel)
{
	dialog_free(&f->d);
	media_free(&f->m);
	if (with_kernel)
		fake_dp_free(&f->fake);
	free(f);
}

static void encode(const struct fx *f, uint32_t flags, uint8_t **buf, size_t *len)
{
	struct state_source src = { .d = &f->d };

	src.h.flags = flags;
	src.h.map_id = MAP_ID;
	src.h.mono_ns = f->d.now;
	src.h.nifaces = 1;
	strcpy(src.h.ifaces[0], "eth0");
	src.c.dialog = f->d.st;
	src.c.media = f->m.st;
	src.c.endpoints = f->m.eps.st;
	src.c.agent.records_written = 42;
	assert_int_equal(state_encode(&src, buf, len), 0);
}

/* Put an image back into agent g; what became of the calls in *a. */
static void apply(struct fx *g, const uint8_t *buf, size_t len, bool reused, uint64_t now, struct state_apply *a)
{
	struct state_image img;
	char why[200];

	assert_int_equal(state_decode(buf, len, &lim, &img, why, sizeof(why)), 0);
	a->maps_reused = reused;
	a->map_id = MAP_ID;
	a->nifaces = 1;
	a->ifaces[0] = "eth0";
	if (reused)
		assert_int_equal(media_adopt_kernel(&g->m, now), 0);
	g->d.now = now;
	state_apply(&img, &g->d, NULL, a);
	assert_int_equal(img.c.agent.records_written, 42);
	state_image_free(&img);
}

/* RTP of the call of call_up(aport 40000, bport 6000): alice to bob, seq first.., 20 ms apart from t. */
static void rtp(struct fake_dp *k, uint16_t first, int n, uint64_t t)
{
	int i;

	for (i = 0; i < n; i++)
		assert_true(fake_dp_rtp(k, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xabc, first + i, (first + i) * 160, 0,
					t + i * 20 * MS));
}

static const struct stream_rec *only_stream(const struct fx *f, const char *id)
{
	const struct call *c = call_must(f, id);

	assert_int_equal(c->media.nstreams, 1);
	return c->media.streams;
}

/* --persist, SIGTERM or SIGKILL: the kernel counted on; the next agent reads what it counted. */
static void test_persist_follow(void **state)
{
	struct fx *f = *state, *g;
	struct sipm_dlg a = { .call_id = "a@x", .caller_tag = "a1", .callee_tag = "b1" };
	struct sipm_dlg b = { .call_id = "b@x", .caller_tag = "a2", .callee_tag = "b2", .caller_host = "10.0.0.3" };
	struct state_apply ap = {};
	struct call *c;
	uint8_t *buf;
	size_t len;
	unsigned int eps;

	call_up(f, AT(0), &a, 40000, 6000);
	rtp(&f->fake, 0, 100, AT(3100));
	call_up(f, AT(100), &b, 42000, 6002);
	hangup(f, AT(5000), &b, false, 2);
	dialog_tick(&f->d, AT(5100));
	/* What the file carries beside: RTCP and a digit, as media.c keeps them. */
	c = (struct call *)call_must(f, "a@x");
	c->media.rtcp[0] = (struct rtcp_view){ .ssrc = 0xabc, .reports = 3, .fraction_lost = 0.25, .rtt_ms = 12.5 };
	c->media.nrtcp = 1;
	c->media.dtmf[0] = (struct dtmf_event){ .digit = '7', .ssrc = 0xabc, .duration = 800, .t = AT(4000) };
	c->media.ndtmf = 1;
	assert_int_equal(only_stream(f, "a@x")->st.packets, 100);
	encode(f, STATE_F_PERSIST | STATE_F_EXIT, &buf, &len);
	eps = fake_dp_nr_endpoints(&f->fake);

	/* The agent goes; the kernel counts 50 more in the gap. */
	g = agent_on(&f->fake);
	f->d.media = &f->m;
	dialog_free(&f->d);
	media_free(&f->m);
	rtp(&f->fake, 100, 50, AT(5100));
	apply(g, buf, len, true, AT(8000), &ap);
	free(buf);
	assert_true(ap.follow);
	assert_int_equal(ap.followed, 2);
	assert_int_equal(ap.written_now + ap.already_written + ap.refused, 0);
	assert_int_equal(ap.gap_packets, 50);
	assert_int_equal(only_stream(g, "a@x")->st.packets, 150);
	assert_int_equal(only_stream(g, "a@x")->st.unseen, 0);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), eps);
	assert_int_equal(g->m.eps.nr_adopted, 0);	/* every kernel endpoint is a call's again */
	assert_int_equal(call_must(g, "b@x")->state, CALL_ENDED);
	c = (struct call *)call_must(g, "a@x");
	assert_int_equal(c->media.nrtcp, 1);
	assert_true(c->media.rtcp[0].fraction_lost == 0.25 && c->media.rtcp[0].rtt_ms == 12.5);
	assert_int_equal(c->media.dtmf[0].digit, '7');
	assert_string_equal(c->from_tag, "a1");
	assert_int_equal(c->ifaces, 0);
	assert_int_equal(g->d.st.requests[SIP_M_INVITE], f->d.st.requests[SIP_M_INVITE]);

	/* b finishes its grace period in g, a goes on and ends there: each written once, by g. */
	dialog_tick(&g->d, AT(8000));
	assert_int_equal(g->ndone, 1);
	assert_string_equal(g->done[0].call_id, "b@x");
	rtp(&f->fake, 150, 10, AT(8000));
	hangup(g, AT(9000), &a, false, 2);
	dialog_tick(&g->d, AT(12000));
	assert_int_equal(g->ndone, 2);
	assert_int_equal(done_of(g, "a@x")->packets[0], 160);
	assert_int_equal(done_of(g, "a@x")->lost[0], 0);
	assert_int_equal(f->ndone, 0);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 0);
	assert_int_equal(fake_dp_nr_streams(&f->fake), 0);
	assert_false(fake_dp_port_on(&f->fake, 40000) || fake_dp_port_on(&f->fake, 6000) ||
		     fake_dp_port_on(&f->fake, 6002) || fake_dp_port_on(&f->fake, 42000));
	agent_gone(g, false);
}

/* No --persist: the kernel's maps died with the agent; the streams are put back, the gap unseen. */
static void test_resume_without_persist(void **state)
{
	struct fx *f = *state, *g;
	struct sipm_dlg a = { .call_id = "r@x", .caller_tag = "a1", .callee_tag = "b1" };
	struct state_apply ap = {};
	uint8_t *buf;
	size_t len;

	call_up(f, AT(0), &a, 40000, 6000);
	rtp(&f->fake, 0, 100, AT(3100));
	dialog_tick(&f->d, AT(5100));
	encode(f, STATE_F_EXIT, &buf, &len);
	g = agent_on(NULL);
	apply(g, buf, len, false, AT(8000), &ap);
	free(buf);
	assert_true(ap.follow);
	assert_int_equal(ap.followed, 1);
	assert_int_equal(fake_dp_nr_endpoints(&g->fake), fake_dp_nr_endpoints(&f->fake));
	assert_true(fake_dp_port_on(&g->fake, 40000) && fake_dp_port_on(&g->fake, 6000));
	assert_int_equal(fake_dp_nr_streams(&g->fake), 1);
	/* 100 packets seen, 50 sent while no agent watched, 50 seen again. */
	rtp(&g->fake, 150, 50, AT(8000));
	hangup(g, AT(10000), &a, false, 2);
	dialog_tick(&g->d, AT(13000));
	assert_int_equal(g->ndone, 1);
	assert_int_equal(g->done[0].packets[0], 150);
	assert_int_equal(g->done[0].lost[0], 0);
	assert_int_equal(fake_dp_nr_endpoints(&g->fake), 0);
	assert_int_equal(fake_dp_nr_streams(&g->fake), 0);
	assert_int_equal(f->ndone, 0);
	agent_gone(g, true);
}

/* A --persist file whose maps are gone: the call written out at once, as it was known; nothing pushed. */
static void test_gone(void **state)
{
	struct fx *f = *state, *g;
	struct sipm_dlg a = { .call_id = "g@x", .caller_tag = "a1", .callee_tag = "b1" };
	struct state_apply ap = {};
	uint8_t *buf;
	size_t len;
	int reused;

	call_up(f, AT(0), &a, 40000, 6000);
	rtp(&f->fake, 0, 100, AT(3100));
	dialog_tick(&f->d, AT(5100));
	encode(f, STATE_F_PERSIST, &buf, &len);
	for (reused = 0; reused < 2; reused++) {
		/* Fresh maps; or maps kept, but not the ones the file names (another ID). */
		struct state_image img;
		char why[200];

		g = agent_on(NULL);
		memset(&ap, 0, sizeof(ap));
		if (reused)
			assert_int_equal(media_adopt_kernel(&g->m, AT(8000)), 0);
		assert_int_equal(state_decode(buf, len, &lim, &img, why, sizeof(why)), 0);
		ap.maps_reused = reused;
		ap.map_id = MAP_ID + reused;
		g->d.now = AT(8000);
		state_apply(&img, &g->d, NULL, &ap);
		state_image_free(&img);
		assert_false(ap.follow);
		assert_int_equal(ap.written_now, 1);
		assert_int_equal(g->ndone, 1);
		assert_int_equal(g->done[0].result, RESULT_ACTIVE);
		assert_int_equal(g->done[0].packets[0], 100);
		assert_int_equal(g->d.nr_calls, 0);
		assert_int_equal(fake_dp_nr_endpoints(&g->fake), 0);
		assert_int_equal(fake_dp_nr_streams(&g->fake), 0);
		agent_gone(g, true);
	}
	free(buf);
}

/* A record the earlier agent wrote after its file (SIGKILL between them): not written again. */
static bool all_written(void *ctx, const char *id)
{
	(void)ctx;
	return !strcmp(id, "w@x");
}

static void test_already_written(void **state)
{
	struct fx *f = *state, *g;
	struct sipm_dlg a = { .call_id = "w@x", .caller_tag = "a1", .callee_tag = "b1" };
	struct state_apply ap = { .written = all_written };
	uint8_t *buf;
	size_t len;

	call_up(f, AT(0), &a, 40000, 6000);
	encode(f, STATE_F_EXIT, &buf, &len);
	g = agent_on(NULL);
	apply(g, buf, len, false, AT(8000), &ap);
	free(buf);
	assert_int_equal(ap.already_written, 1);
	assert_int_equal(g->d.nr_calls, 0);
	assert_int_equal(fake_dp_nr_endpoints(&g->fake), 0);
	dialog_tick(&g->d, AT(20000));
	assert_int_equal(g->ndone, 0);
	agent_gone(g, true);
}

/* Kernel state no file explains: adopted, and gone after the grace period unless a call takes it. */
static void test_unexplained_released(void **state)
{
	struct fx *f = *state, *g, *empty;
	struct sipm_dlg a = { .call_id = "n@x", .caller_tag = "a1", .callee_tag = "b1" };
	struct endpoint_key k1 = { .port = htons(7000), .proto = IPPROTO_UDP };
	struct endpoint_key k2 = { .port = htons(40000), .proto = IPPROTO_UDP };
	struct endpoint_info info = {};
	struct stream_key sk = { .sport = htons(7002), .dport = htons(7000), .ssrc = 9 };
	struct stream_state st = { .packets = 5, .last_ns = AT(7900) };
	struct state_apply ap = {};
	uint8_t *buf;
	size_t len;

	fake_addr(&k1.addr, "10.0.0.9");
	fake_addr(&k2.addr, "10.0.0.1");
	fake_addr(&sk.dst, "10.0.0.9");
	fake_addr(&sk.src, "10.0.0.8");
	assert_int_equal(dp_endpoint_set(&f->fake.dp, &k1, &info), 0);
	assert_int_equal(dp_endpoint_set(&f->fake.dp, &k2, &info), 0);
	dp_media_port(&f->fake.dp, 7000, true);
	assert_int_equal(dp_stream_put(&f->fake.dp, &sk, &st), 0);
	/* The file of an agent with no call. */
	empty = agent_on(NULL);
	encode(empty, STATE_F_PERSIST, &buf, &len);
	agent_gone(empty, true);
	g = agent_on(&f->fake);
	apply(g, buf, len, true, AT(8000), &ap);
	free(buf);
	assert_int_equal(g->m.eps.nr_adopted, 2);
	/* A new call names one of them before the grace period ends: it keeps it. */
	invite(g, AT(8500), &a, 1, BR1, sdp_a(40000));
	assert_int_equal(g->m.eps.nr_adopted, 1);
	dialog_tick(&g->d, AT(9000));
	assert_int_equal(fake_dp_nr_streams(&f->fake), 1);
	dialog_tick(&g->d, AT(10001));
	assert_int_equal(g->m.eps.nr_adopted, 0);
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.9", 7000));
	assert_false(fake_dp_port_on(&f->fake, 7000));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	assert_int_equal(fake_dp_nr_streams(&f->fake), 0);
	answer(g, AT(10100), &a, 200, 1, BR1, sdp_b(6000));
	ack(g, AT(10150), &a, 1, "z9hG4bK-ack1");
	hangup(g, AT(12000), &a, false, 2);
	dialog_tick(&g->d, AT(15000));
	assert_int_equal(g->ndone, 1);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 0);
	assert_false(fake_dp_port_on(&f->fake, 40000));	/* counted once, though adopted then named */
	agent_gone(g, false);
}

/* --- the file as a stranger's bytes ------------------------------------- */

/* The file's length and digest made right for its bytes, as a forger would. */
static void forge(uint8_t *buf, size_t len)
{
	uint64_t d;
	int i;

	for (i = 0; i < 8; i++)
		buf[16 + i] = (uint64_t)len >> (8 * i);
	d = hashing_digest64(buf, len - 8);
	for (i = 0; i < 8; i++)
		buf[len - 8 + i] = d >> (8 * i);
}

/* A file of two calls with streams, RTCP, a digit, a wire Call-ID and an ended call. */
static void rich_file(struct fx *f, uint8_t **buf, size_t *len)
{
	struct sipm_dlg a = { .call_id = "rich\\\"@x", .caller_tag = "a1", .callee_tag = "b1" };
	struct sipm_dlg b = { .call_id = "b@x", .caller_tag = "a2", .callee_tag = "b2", .caller_host = "10.0.0.3" };
	struct call *c;

	call_up(f, AT(0), &a, 40000, 6000);
	rtp(&f->fake, 0, 20, AT(3100));
	call_up(f, AT(100), &b, 42000, 6002);
	hangup(f, AT(5000), &b, false, 2);
	dialog_tick(&f->d, AT(5100));
	c = f->d.live;	/* the one still up */
	c->media.rtcp[0] = (struct rtcp_view){ .ssrc = 1, .reports = 1, .fraction_lost = 0.5, .rtt_ms = -1 };
	c->media.nrtcp = 1;
	c->media.dtmf[0] = (struct dtmf_event){ .digit = '#', .t = AT(4000) };
	c->media.ndtmf = 1;
	encode(f, STATE_F_EXIT, buf, len);
}

/* Decode p (n bytes); if it is taken, put it back into an agent of its own and let it go. */
static int try_file(const uint8_t *p, size_t n)
{
	struct state_image img;
	struct state_apply ap = { .nifaces = 1, .ifaces = { "eth0" } };
	char why[200];
	struct fx *g;
	int err = state_decode(p, n, &lim, &img, why, sizeof(why));

	if (err) {
		assert_true(why[0]);
		assert_int_equal(img.ncalls, 0);
		return err;
	}
	g = agent_on(NULL);
	g->d.now = AT(8000);
	state_apply(&img, &g->d, NULL, &ap);
	state_image_free(&img);
	dialog_tick(&g->d, AT(9000));
	dialog_finish(&g->d);
	agent_gone(g, true);
	return 0;
}

static void test_every_truncation(void **state)
{
	struct fx *f = *state;
	uint8_t *buf, *cut;
	size_t len, n;

	rich_file(f, &buf, &len);
	assert_int_equal(try_file(buf, len), 0);
	cut = malloc(len);
	for (n = 0; n < len; n++) {
		/* Cut as it is (its length and digest then say so) ... */
		memcpy(cut, buf, n);
		assert_int_not_equal(try_file(cut, n), 0);
		/* ... and cut with a forged length and digest, for the sections to be read and refused. */
		if (n >= 32) {
			forge(cut, n);
			assert_int_not_equal(try_file(cut, n), 0);
		}
	}
	free(cut);
	free(buf);
}

/*
 * Every byte flipped, the length and digest forged: refused or read, never
 * harmful.  The counters section (mostly the SIP response table) is
 * flipped one byte in 64: its bytes are counts, any value of which is one.
 * Every flip of the header's magic, version and layout is refused.
 */
static size_t section(const uint8_t *buf, size_t len, uint32_t tag);

static void test_every_byte_flipped(void **state)
{
	struct fx *f = *state;
	uint8_t *buf, *bad;
	size_t len, i, c0, c1;
	unsigned int taken = 0, tried = 0;

	rich_file(f, &buf, &len);
	c0 = section(buf, len, 1);
	c1 = section(buf, len, 2) - 12;
	bad = malloc(len);
	for (i = 0; i < len - 8; i++) {
		if (i >= c0 && i < c1 && i % 64)
			continue;
		memcpy(bad, buf, len);
		bad[i] ^= 0xff;
		if (i < 16 || i >= 24)
			forge(bad, len);
		tried++;
		if (!try_file(bad, len)) {
			taken++;
			assert_true(i >= 16);
		}
	}
	print_message("    %u of %u flipped files taken\n", taken, tried);
	free(bad);
	free(buf);
}

/* Where a section's body begins (after its tag and length), in a file of this build. */
static size_t section(const uint8_t *buf, size_t len, uint32_t tag)
{
	size_t off = 8 + 4 + 4 + 8 + 16 + 8 + 8 + 4 + 4 + 8 + 8 + 8;
	uint8_t nifaces = buf[off++];
	unsigned int i;

	for (i = 0; i < nifaces; i++)
		off += 2 + (buf[off] | buf[off + 1] << 8);
	while (off + 12 <= len) {
		uint32_t t = buf[off] | buf[off + 1] << 8 | buf[off + 2] << 16 | (uint32_t)buf[off + 3] << 24;
		uint64_t n = 0;

		for (i = 0; i < 8; i++)
			n |= (uint64_t)buf[off + 4 + i] << (8 * i);
		if (t == tag)
			return off + 12;
		off += 12 + n;
	}
	fail_msg("no section %u", tag);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* Refused, and why says so. */
static void refused(const uint8_t *p, size_t n, const char *says)
{
	struct state_image img;
	char why[200];

	assert_int_not_equal(state_decode(p, n, &lim, &img, why, sizeof(why)), 0);
	if (!strstr(why, says))
		fail_msg("refused for \"%s\", not \"%s\"", why, says);
}

static void test_hostile_values(void **state)
{
	struct fx *f = *state;
	uint8_t *buf, *bad, *two;
	size_t len, calls, first;
	struct state_limits small = lim;
	struct state_image img;
	char why[200];

	rich_file(f, &buf, &len);
	bad = malloc(len);
#define MUTATE(what) do { memcpy(bad, buf, len); what; forge(bad, len); } while (0)
	memcpy(bad, buf, len);
	bad[0] = 'X';
	refused(bad, len, "not a state file");
	MUTATE(put32(bad + 8, 99));
	assert_int_equal(state_decode(bad, len, &lim, &img, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "version 99"));
	memcpy(bad, buf, len);
	bad[len - 1] ^= 1;
	refused(bad, len, "digest does not match");
	memcpy(bad, buf, len);
	put32(bad + 16, len + 5);
	refused(bad, len, "where its header says");
	calls = section(buf, len, 3);
	MUTATE(put32(bad + calls, 0xffffffff));
	refused(bad, len, "4294967295 calls");
	MUTATE(put32(bad + calls, 3));
	refused(bad, len, "past the end");
	/* The first call's Call-ID: a length of 60,000, then a NUL in it, then a byte outside ASCII. */
	first = calls + 4;
	MUTATE(bad[first] = 0x60; bad[first + 1] = 0xea);
	refused(bad, len, "Call-ID of 60000 bytes");
	MUTATE(bad[first + 3] = 0);
	refused(bad, len, "Call-ID holds a byte 0x00");
	MUTATE(bad[first + 3] = 0x80);
	refused(bad, len, "Call-ID holds a byte 0x80");
	/* More calls than --max-calls. */
	small.max_calls = 1;
	assert_int_not_equal(state_decode(buf, len, &small, &img, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "more than --max-calls 1"));
	/* The same calls twice: the list of calls repeated, the count doubled. */
	{
		size_t end = section(buf, len, 4) - 12, clen = end - first, n2 = len + clen;
		uint64_t slen = 0;
		int i;

		two = malloc(n2);
		memcpy(two, buf, end);
		memcpy(two + end, buf + first, clen);
		memcpy(two + end + clen, buf + end, len - end);
		put32(two + calls, 4);
		for (i = 0; i < 8; i++)
			slen |= (uint64_t)two[calls - 8 + i] << (8 * i);
		slen += clen;
		for (i = 0; i < 8; i++)
			two[calls - 8 + i] = slen >> (8 * i);
		forge(two, n2);
		refused(two, n2, "twice");
		free(two);
	}
	free(bad);
	free(buf);
#undef MUTATE
}

/* A stream's state out of the program's range (a forged count): refused, not added up. */
static void test_hostile_stream(void **state)
{
	struct fx *f = *state;
	struct stream_key k = { .sport = htons(40000), .dport = htons(6000), .ssrc = 0xabc };
	uint8_t *buf, *hit;
	size_t len;

	rich_file(f, &buf, &len);
	fake_addr(&k.src, "10.0.0.1");
	fake_addr(&k.dst, "10.0.0.2");
	hit = memmem(buf, len, &k, sizeof(k));
	assert_non_null(hit);
	hit[sizeof(k) + offsetof(struct stream_state, packets) + 7] = 0x10;	/* 2^60 packets */
	forge(buf, len);
	refused(buf, len, "a stream's counts out of range");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_persist_follow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_without_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_already_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unexplained_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_byte_flipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_stream, setup, teardown),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
