// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/media.c: media endpoints as they reach the data plane
 * (checked in the fake's maps and in its log of calls), reference counts
 * across calls, stream attribution, loss accounting, RTCP and DTMF.  Most
 * tests drive media.c directly with struct media_call values of their
 * own; those about the end of a call go through dialog.c, which is what
 * ends calls.  RTP is counted by fake_dp_rtp() with the kernel's rules.
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

#include "dialog.h"
#include "fake_dp.h"
#include "log.h"
#include "media.h"
#include "rtp_stats.h"
#include "sdp.h"
#include "sipmsg.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define T0 (1000 * SEC)
#define AT(ms) (T0 + (uint64_t)(ms) * MS)
#define GRACE (2 * SEC)
#define ORPHAN_TO (10 * SEC)
#define NR_MC 3

struct done {
	char call_id[CALL_ID_MAX];
	enum call_result result;
	unsigned int nstreams;
	uint64_t packets;		/* over its streams */
	int ndtmf;
};

struct fx {
	struct fake_dp fake;
	struct media m;
	struct dialogs d;
	struct media_call mc[NR_MC];	/* calls of the direct tests */
	int ndone;
	struct done done[8];
};

static void on_done(void *ctx, const struct call *call, uint64_t now)
{
	struct fx *f = ctx;
	const struct stream_rec *s;
	struct done *r;

	(void)now;
	assert_true(f->ndone < 8);
	r = &f->done[f->ndone++];
	memset(r, 0, sizeof(*r));
	snprintf(r->call_id, sizeof(r->call_id), "%s", call->call_id);
	r->result = call->result;
	r->ndtmf = call->media.ndtmf;
	for (s = call->media.streams; s; s = s->owner_next) {
		r->nstreams++;
		r->packets += s->st.packets;
	}
}

static int setup(void **state)
{
	struct media_cfg mcfg = { .grace_ns = GRACE, .orphan_timeout_ns = ORPHAN_TO };
	struct dialog_cfg dcfg = {
		.grace_ns = GRACE, .setup_timeout_ns = 180 * SEC, .rtp_timeout_ns = 300 * SEC,
		.max_duration_ns = 14400 * SEC, .max_calls = 100, .on_done = on_done,
	};
	struct fx *f = calloc(1, sizeof(*f));
	int i;

	if (!f)
		return -1;
	fake_dp_init(&f->fake);
	if (media_init(&f->m, &f->fake.dp, &mcfg)) {
		free(f);
		return -1;
	}
	dcfg.ctx = f;
	dialog_init(&f->d, &f->m, &dcfg);
	for (i = 0; i < NR_MC; i++) {
		f->mc[i].label = i == 0 ? "A" : i == 1 ? "B" : "C";
		f->mc[i].t_start = AT(i * 1000);	/* B is newer than A, C newer than B */
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	dialog_free(&f->d);
	media_free(&f->m);
	fake_dp_free(&f->fake);
	free(f);
	return 0;
}

/* ---- SDP straight to media.c ---- */

#define PCMU "a=rtpmap:0 PCMU/8000\r\n"
#define TE "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"

/* One side's SDP (an audio m= line) for a call; returns media_apply_sdp()'s hold verdict. */
static bool apply(struct fx *f, struct media_call *mc, enum media_side side, uint64_t t, const char *addr,
		  unsigned int port, const char *fmts, const char *extra)
{
	struct sdp_session sdp;
	char body[1024];
	int n = sipm_sdp(body, sizeof(body), addr, port, fmts, extra);

	assert_true(n > 0 && n < (int)sizeof(body));
	assert_int_equal(sdp_parse(body, n, &sdp), 0);
	return media_apply_sdp(&f->m, mc, &sdp, side, t, 0);
}

/* A call between caller:cport and callee:bport, PCMU. */
static void simple_call(struct fx *f, struct media_call *mc, const char *caller, unsigned int cport,
			const char *callee, unsigned int bport)
{
	assert_false(apply(f, mc, SIDE_CALLER, mc->t_start, caller, cport, "0", PCMU));
	assert_false(apply(f, mc, SIDE_CALLEE, mc->t_start, callee, bport, "0", PCMU));
}

/* ---- the fake's log ---- */

static struct endpoint_key ekey(const char *addr, uint16_t port)
{
	struct endpoint_key k = { .port = htons(port), .proto = IPPROTO_UDP };

	fake_addr(&k.addr, addr);
	return k;
}

/* Index of the first logged op on endpoint addr:port at or after from, or -1. */
static int log_find_ep(const struct fake_dp *fk, enum fake_op op, const char *addr, uint16_t port, int from)
{
	struct endpoint_key k = ekey(addr, port);
	unsigned int i;

	for (i = from; i < fk->nlog; i++)
		if (fk->log[i].op == op && !memcmp(&fk->log[i].ep, &k, sizeof(k)))
			return i;
	return -1;
}

static unsigned int log_count_ep(const struct fake_dp *fk, enum fake_op op, const char *addr, uint16_t port)
{
	unsigned int n = 0;
	int i = -1;

	while ((i = log_find_ep(fk, op, addr, port, i + 1)) >= 0)
		n++;
	return n;
}

static int log_find_port(const struct fake_dp *fk, enum fake_op op, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < fk->nlog; i++)
		if (fk->log[i].op == op && fk->log[i].port == port)
			return i;
	return -1;
}

static struct stream_key skey(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint32_t ssrc)
{
	struct stream_key k = { .sport = htons(sport), .dport = htons(dport), .ssrc = ssrc };

	fake_addr(&k.src, src);
	fake_addr(&k.dst, dst);
	return k;
}

static const struct fake_stream *fake_stream(const struct fx *f, const struct stream_key *k)
{
	struct fake_stream *s;

	HASH_FIND(hh, f->fake.streams, k, sizeof(*k), s);
	return s;
}

static const struct stream_rec *media_stream(const struct fx *f, const struct stream_key *k)
{
	struct stream_rec *s;

	HASH_FIND(hh, f->m.streams, k, sizeof(*k), s);
	return s;
}

static unsigned int nr_owned(const struct media_call *mc)
{
	const struct stream_rec *s;
	unsigned int n = 0;

	for (s = mc->streams; s; s = s->owner_next)
		n++;
	return n;
}

/* n PCMU packets, 20 ms apart from t, sequence numbers from seq. */
static void rtp_burst(struct fx *f, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		      uint32_t ssrc, uint16_t seq, int n, uint64_t t)
{
	int i;

	for (i = 0; i < n; i++)
		assert_true(fake_dp_rtp(&f->fake, src, sport, dst, dport, ssrc, seq + i, (seq + i) * 160u, 0,
					t + i * 20 * MS));
}

/* ---- endpoints ---- */

static void test_endpoint_clocks_and_rtcp(void **state)
{
	struct fx *f = *state;
	const struct endpoint_info *rtp, *rtcp;
	int i;

	apply(f, &f->mc[0], SIDE_CALLER, AT(0), "10.0.0.1", 40000, "0 8 96 101",
	      PCMU "a=rtpmap:8 PCMA/8000\r\na=rtpmap:96 opus/48000/2\r\n" TE);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 2);
	assert_int_equal(media_nr_endpoints(&f->m), 2);
	rtp = fake_dp_endpoint(&f->fake, "10.0.0.1", 40000);
	rtcp = fake_dp_endpoint(&f->fake, "10.0.0.1", 40001);
	assert_non_null(rtp);
	assert_non_null(rtcp);
	assert_int_equal(rtp->clock_code[0], CLK_8000);
	assert_int_equal(rtp->clock_code[8], CLK_8000);
	assert_int_equal(rtp->clock_code[96], CLK_48000);
	assert_int_equal(rtp->clock_code[101], CLK_NONE);	/* telephone-event: no clock */
	assert_int_equal(rtp->clock_code[9], CLK_8000);		/* RFC 3551 static types too */
	assert_int_equal(rtp->clock_code[97], CLK_NONE);
	assert_int_equal(rtp->event_pt, 101);
	assert_int_equal(rtp->flags, 0);
	assert_int_equal(rtcp->flags, ENDPOINT_F_RTCP);
	assert_int_equal(rtcp->event_pt, 0);
	for (i = 0; i < SIPXDP_NR_PT; i++)
		assert_int_equal(rtcp->clock_code[i], CLK_NONE);
	/* What the call keeps of it, for its records. */
	assert_int_equal(f->mc[0].nep, 2);
	assert_false(f->mc[0].ep[0].rtcp);
	assert_int_equal(f->mc[0].ep[0].event_pt, 101);
	assert_int_equal(f->mc[0].ep[0].side, SIDE_CALLER);
	assert_int_equal(f->mc[0].ep[0].npt, 4);
	assert_string_equal(f->mc[0].ep[0].pt[2].name, "opus/48000/2");
	assert_int_equal(f->mc[0].ep[0].pt[2].clock_rate, 48000);
	assert_true(f->mc[0].ep[1].rtcp);
	assert_true(fake_dp_port_on(&f->fake, 40000));
	assert_true(fake_dp_port_on(&f->fake, 40001));
}

static void test_rtcp_attribute_and_mux(void **state)
{
	struct fx *f = *state;

	apply(f, &f->mc[0], SIDE_CALLER, AT(0), "10.0.0.1", 40000, "0", PCMU "a=rtcp:50001\r\n");
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40001));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 50001));
	assert_int_equal(fake_dp_endpoint(&f->fake, "10.0.0.1", 50001)->flags, ENDPOINT_F_RTCP);
	assert_false(fake_dp_port_on(&f->fake, 40001));
	assert_true(fake_dp_port_on(&f->fake, 50001));

	apply(f, &f->mc[1], SIDE_CALLEE, AT(0), "10.0.0.2", 6000, "0", PCMU "a=rtcp-mux\r\n");
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
	assert_int_equal(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000)->flags, 0);
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6001));
	assert_int_equal(f->mc[1].nep, 1);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 3);
}

static void test_ipv6_endpoint(void **state)
{
	struct fx *f = *state;

	apply(f, &f->mc[0], SIDE_CALLER, AT(0), "2001:db8::1", 40000, "0", PCMU);
	assert_non_null(fake_dp_endpoint(&f->fake, "2001:db8::1", 40000));
	assert_non_null(fake_dp_endpoint(&f->fake, "2001:db8::1", 40001));
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	apply(f, &f->mc[0], SIDE_CALLEE, AT(0), "2001:db8::2", 6000, "0", PCMU);
	rtp_burst(f, "2001:db8::2", 6000, "2001:db8::1", 40000, 0x66, 1, 5, AT(10));
	media_read(&f->m);
	assert_int_equal(nr_owned(&f->mc[0]), 1);
}

/* The port bit goes on only once the endpoint is in the map. */
static void test_port_bit_after_endpoint(void **state)
{
	struct fx *f = *state;
	int set_rtp, set_rtcp, on_rtp, on_rtcp;

	apply(f, &f->mc[0], SIDE_CALLER, AT(0), "10.0.0.1", 40000, "0", PCMU);
	set_rtp = log_find_ep(&f->fake, FAKE_EP_SET, "10.0.0.1", 40000, 0);
	set_rtcp = log_find_ep(&f->fake, FAKE_EP_SET, "10.0.0.1", 40001, 0);
	on_rtp = log_find_port(&f->fake, FAKE_PORT_ON, 40000);
	on_rtcp = log_find_port(&f->fake, FAKE_PORT_ON, 40001);
	assert_true(set_rtp >= 0 && set_rtcp >= 0 && on_rtp >= 0 && on_rtcp >= 0);
	assert_true(set_rtp < on_rtp);
	assert_true(set_rtcp < on_rtcp);
	assert_int_equal(fake_dp_count(&f->fake, FAKE_PORT_ON, 0), 2);
	assert_int_equal(fake_dp_count(&f->fake, FAKE_PORT_OFF, 0), 0);
	/* The same SDP again changes nothing in the kernel's view: no new port bit. */
	apply(f, &f->mc[0], SIDE_CALLER, AT(10), "10.0.0.1", 40000, "0", PCMU);
	assert_int_equal(fake_dp_count(&f->fake, FAKE_PORT_ON, 0), 2);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 2);
}

/* Two endpoints on one port (two hosts): the bit goes off with the last of them. */
static void test_port_bit_off_with_last_endpoint(void **state)
{
	struct fx *f = *state;

	apply(f, &f->mc[0], SIDE_CALLEE, AT(0), "10.0.0.2", 6000, "0", PCMU);
	apply(f, &f->mc[1], SIDE_CALLEE, AT(0), "10.0.0.3", 6000, "0", PCMU);
	assert_int_equal(fake_dp_count(&f->fake, FAKE_PORT_ON, 6000), 1);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 4);
	media_call_release(&f->m, &f->mc[0]);
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.3", 6000));
	assert_true(fake_dp_port_on(&f->fake, 6000));
	assert_true(fake_dp_port_on(&f->fake, 6001));
	assert_int_equal(fake_dp_count(&f->fake, FAKE_PORT_OFF, 0), 0);
	media_call_release(&f->m, &f->mc[1]);
	assert_false(fake_dp_port_on(&f->fake, 6000));
	assert_false(fake_dp_port_on(&f->fake, 6001));
	assert_int_equal(fake_dp_count(&f->fake, FAKE_PORT_OFF, 6000), 1);
	assert_int_equal(fake_dp_count(&f->fake, FAKE_PORT_OFF, 6001), 1);
	assert_true(log_find_ep(&f->fake, FAKE_EP_DEL, "10.0.0.3", 6000, 0) <
		    log_find_port(&f->fake, FAKE_PORT_OFF, 6000));
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 0);
	assert_int_equal(media_nr_endpoints(&f->m), 0);
}

static void test_endpoint_insert_failure(void **state)
{
	struct fx *f = *state;

	f->fake.max_endpoints = 1;
	apply(f, &f->mc[0], SIDE_CALLER, AT(0), "10.0.0.1", 40000, "0", PCMU);
	assert_int_equal(f->m.eps.st.insert_fail, 1);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 1);
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40001));
	apply(f, &f->mc[0], SIDE_CALLEE, AT(0), "10.0.0.2", 6000, "0", PCMU);
	assert_int_equal(f->m.eps.st.insert_fail, 3);
	/* Released all the same, without complaint about the ones never inserted. */
	media_call_release(&f->m, &f->mc[0]);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 0);
	assert_int_equal(media_nr_endpoints(&f->m), 0);
	assert_false(fake_dp_port_on(&f->fake, 6000));
}

/* ---- calls through dialog.c ---- */

static void feed_sip(struct fx *f, uint64_t t, const char *text, int n, bool by_callee)
{
	struct msg msg = { .ts_ns = t, .kind = MSG_SIP, .sport = 5060, .dport = 5060 };
	char *p;

	assert_true(n > 0 && n < SIPM_MAX);
	p = malloc(n);
	assert_non_null(p);
	memcpy(p, text, n);
	msg.payload = p;
	msg.len = n;
	fake_addr(&msg.src, by_callee ? "10.0.0.2" : "10.0.0.1");
	fake_addr(&msg.dst, by_callee ? "10.0.0.1" : "10.0.0.2");
	dialog_on_msg(&f->d, &msg);
	free(p);
}

/* INVITE with caller_sdp at t, 200 with callee_sdp at t + 1 s, ACK. */
static void sip_call_up(struct fx *f, uint64_t t, const struct sipm_dlg *d, const char *caller_sdp,
			const char *callee_sdp)
{
	char buf[SIPM_MAX];

	feed_sip(f, t, buf, sipm_request(buf, sizeof(buf), d, "INVITE", false, false, 1, "z9hG4bK-i1",
					 NULL, caller_sdp), false);
	feed_sip(f, t + 1000 * MS, buf, sipm_response(buf, sizeof(buf), d, 200, true, 1, "INVITE",
						      "z9hG4bK-i1", NULL, callee_sdp), true);
	feed_sip(f, t + 1050 * MS, buf, sipm_request(buf, sizeof(buf), d, "ACK", false, true, 1,
						     "z9hG4bK-a1", NULL, NULL), false);
}

/* BYE from the caller at t, 200 at t + 20 ms. */
static void sip_hangup(struct fx *f, uint64_t t, const struct sipm_dlg *d)
{
	char buf[SIPM_MAX];

	feed_sip(f, t, buf, sipm_request(buf, sizeof(buf), d, "BYE", false, true, 2, "z9hG4bK-b2",
					 NULL, NULL), false);
	feed_sip(f, t + 20 * MS, buf, sipm_response(buf, sizeof(buf), d, 200, true, 2, "BYE", "z9hG4bK-b2",
						    NULL, NULL), true);
}

static const char *sdp_at(char *buf, size_t n, const char *addr, unsigned int port, const char *fmts,
			  const char *extra)
{
	assert_true(sipm_sdp(buf, n, addr, port, fmts, extra) < (int)n);
	return buf;
}

static struct call *call_get(const struct fx *f, const char *id)
{
	struct call *c;

	HASH_FIND_STR(f->d.by_id, id, c);
	assert_non_null(c);
	return c;
}

/* sipp's UAS answers every call on 10.0.0.2:6000: the endpoint lives while any call holds it. */
static void test_shared_endpoint_refcount(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg c1 = { "share-1@10.0.0.1", "a1", "b1", NULL, NULL };
	struct sipm_dlg c2 = { "share-2@10.0.0.1", "a2", "b2", NULL, NULL };
	char a1[512], a2[512], b[512];

	sdp_at(b, sizeof(b), "10.0.0.2", 6000, "0", PCMU);
	sip_call_up(f, AT(0), &c1, sdp_at(a1, sizeof(a1), "10.0.0.1", 40000, "0", PCMU), b);
	sip_call_up(f, AT(100), &c2, sdp_at(a2, sizeof(a2), "10.0.0.1", 40002, "0", PCMU), b);
	assert_int_equal(fake_dp_count(&f->fake, FAKE_PORT_ON, 6000), 1);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 6);
	assert_int_equal(media_nr_endpoints(&f->m), 6);
	sip_hangup(f, AT(10000), &c1);
	dialog_tick(&f->d, AT(10020) + GRACE);
	assert_int_equal(f->ndone, 1);
	/* c1's own endpoints gone, the shared one kept for c2. */
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40001));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6001));
	assert_int_equal(log_count_ep(&f->fake, FAKE_EP_DEL, "10.0.0.2", 6000), 0);
	assert_true(fake_dp_port_on(&f->fake, 6000));
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 4);
	/* c2 ends: only once its grace period is over does the shared endpoint go. */
	sip_hangup(f, AT(20000), &c2);
	dialog_tick(&f->d, AT(20020) + GRACE - 1);
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
	dialog_tick(&f->d, AT(20020) + GRACE);
	assert_int_equal(f->ndone, 2);
	assert_int_equal(log_count_ep(&f->fake, FAKE_EP_DEL, "10.0.0.2", 6000), 1);
	assert_int_equal(log_count_ep(&f->fake, FAKE_EP_DEL, "10.0.0.2", 6001), 1);
	assert_false(fake_dp_port_on(&f->fake, 6000));
	assert_int_equal(fake_dp_count(&f->fake, FAKE_PORT_OFF, 6000), 1);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 0);
	assert_int_equal(media_nr_endpoints(&f->m), 0);
}

static void test_streams_deleted_at_finalize(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = { "final-1@10.0.0.1", "a1", "b1", NULL, NULL };
	char a[512], b[512];
	struct stream_key k1 = skey("10.0.0.1", 40000, "10.0.0.2", 6000, 0x1111);
	struct stream_key k2 = skey("10.0.0.2", 6000, "10.0.0.1", 40000, 0x2222);

	sip_call_up(f, AT(0), &d, sdp_at(a, sizeof(a), "10.0.0.1", 40000, "0", PCMU),
		    sdp_at(b, sizeof(b), "10.0.0.2", 6000, "0", PCMU));
	rtp_burst(f, "10.0.0.1", 40000, "10.0.0.2", 6000, 0x1111, 100, 50, AT(1100));
	rtp_burst(f, "10.0.0.2", 6000, "10.0.0.1", 40000, 0x2222, 7, 40, AT(1100));
	dialog_tick(&f->d, AT(3000));
	assert_int_equal(nr_owned(&call_get(f, d.call_id)->media), 2);
	assert_int_equal(fake_dp_nr_streams(&f->fake), 2);
	assert_int_equal(media_nr_streams(&f->m), 2);
	sip_hangup(f, AT(10000), &d);
	dialog_tick(&f->d, AT(10020) + GRACE);
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->done[0].result, RESULT_COMPLETED);
	assert_int_equal(f->done[0].nstreams, 2);
	assert_int_equal(f->done[0].packets, 90);
	assert_int_equal(fake_dp_count(&f->fake, FAKE_STREAM_DEL, 0), 2);
	assert_null(fake_stream(f, &k1));
	assert_null(fake_stream(f, &k2));
	assert_int_equal(fake_dp_nr_streams(&f->fake), 0);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 0);
	assert_int_equal(media_nr_streams(&f->m), 0);
	assert_int_equal(media_nr_endpoints(&f->m), 0);
	assert_int_equal(f->m.st.streams_unattached, 0);
	assert_false(fake_dp_port_on(&f->fake, 6000));
	assert_false(fake_dp_port_on(&f->fake, 40000));
}

/*
 * The same endpoints and SSRC in a new call while the old one waits out its
 * grace period: the old call's stream is read a last time and closed, the
 * new call's packets start a stream of its own, each call keeps its own.
 * Only ended calls with a stream still open are looked at (nended_open).
 */
static void test_ended_call_stream_closed_for_new_call(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg c1 = { "again-1@10.0.0.1", "a1", "b1", NULL, NULL };
	struct sipm_dlg c2 = { "again-2@10.0.0.1", "a2", "b2", NULL, NULL };
	struct sipm_dlg c3 = { "again-3@10.0.0.1", "a3", "b3", NULL, NULL };
	char a[512], b[512];
	struct stream_key k = skey("10.0.0.1", 40000, "10.0.0.2", 6000, 0x5151);

	sdp_at(a, sizeof(a), "10.0.0.1", 40000, "0", PCMU);
	sdp_at(b, sizeof(b), "10.0.0.2", 6000, "0", PCMU);
	sip_call_up(f, AT(0), &c1, a, b);
	rtp_burst(f, "10.0.0.1", 40000, "10.0.0.2", 6000, 0x5151, 100, 30, AT(1000));
	dialog_tick(&f->d, AT(2000));
	assert_int_equal(nr_owned(&call_get(f, c1.call_id)->media), 1);
	assert_int_equal(f->m.nended_open, 0);
	sip_hangup(f, AT(3000), &c1);
	assert_int_equal(f->m.nended_open, 1);	/* ended, its stream still open */

	sip_call_up(f, AT(3500), &c2, a, b);	/* within c1's grace period */
	assert_int_equal(f->m.st.streams_closed, 1);
	assert_int_equal(f->m.nended_open, 0);
	assert_null(fake_stream(f, &k));	/* out of the kernel: the next packet starts afresh */
	rtp_burst(f, "10.0.0.1", 40000, "10.0.0.2", 6000, 0x5151, 500, 20, AT(4600));	/* after c2's answer */
	dialog_tick(&f->d, AT(5100));	/* c1's grace is over: its record is written */
	assert_int_equal(f->ndone, 1);
	assert_ptr_equal(media_stream(f, &k)->owner, &call_get(f, c2.call_id)->media);

	/* c2 ends with its stream open, c3 comes: c1 (ended, nothing open) is passed over. */
	sip_hangup(f, AT(5200), &c2);
	assert_int_equal(f->m.nended_open, 1);
	sip_call_up(f, AT(5300), &c3, a, b);
	assert_int_equal(f->m.st.streams_closed, 2);
	assert_int_equal(f->m.nended_open, 0);
	sip_hangup(f, AT(6500), &c3);
	assert_int_equal(f->m.nended_open, 0);	/* no stream: nothing to close for it */

	dialog_tick(&f->d, AT(6600) + GRACE);
	assert_int_equal(f->ndone, 3);
	assert_string_equal(f->done[0].call_id, c1.call_id);
	assert_int_equal(f->done[0].nstreams, 1);
	assert_int_equal(f->done[0].packets, 30);
	assert_string_equal(f->done[1].call_id, c2.call_id);
	assert_int_equal(f->done[1].nstreams, 1);
	assert_int_equal(f->done[1].packets, 20);
	assert_int_equal(f->done[2].nstreams, 0);
	assert_int_equal(f->m.nended_open, 0);
	assert_int_equal(media_nr_streams(&f->m), 0);
}

/* ---- stream attribution ---- */

/* Both ends named by two calls (a port reused while the first is in grace): the newest wins. */
static void test_stream_both_ends_newest(void **state)
{
	struct fx *f = *state;
	struct stream_key k = skey("10.0.0.1", 40000, "10.0.0.2", 6000, 0xabc);

	simple_call(f, &f->mc[0], "10.0.0.1", 40000, "10.0.0.2", 6000);
	simple_call(f, &f->mc[1], "10.0.0.1", 40000, "10.0.0.2", 6000);
	rtp_burst(f, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xabc, 1, 10, AT(2000));
	media_read(&f->m);
	assert_non_null(media_stream(f, &k));
	assert_ptr_equal(media_stream(f, &k)->owner, &f->mc[1]);
	assert_int_equal(nr_owned(&f->mc[1]), 1);
	assert_int_equal(nr_owned(&f->mc[0]), 0);
	assert_int_equal(f->m.st.streams_unattached, 0);
}

/* Both ends named by one call beat one end named by a newer one (the shared UAS port). */
static void test_stream_both_ends_beats_one(void **state)
{
	struct fx *f = *state;
	struct stream_key k = skey("10.0.0.1", 40000, "10.0.0.2", 6000, 0xabc);

	simple_call(f, &f->mc[0], "10.0.0.1", 40000, "10.0.0.2", 6000);
	simple_call(f, &f->mc[1], "10.0.0.1", 40002, "10.0.0.2", 6000);
	rtp_burst(f, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xabc, 1, 10, AT(2000));
	rtp_burst(f, "10.0.0.1", 40002, "10.0.0.2", 6000, 0xabc, 1, 10, AT(2000));
	media_read(&f->m);
	assert_ptr_equal(media_stream(f, &k)->owner, &f->mc[0]);
	assert_int_equal(nr_owned(&f->mc[0]), 1);
	assert_int_equal(nr_owned(&f->mc[1]), 1);
	assert_int_equal(f->m.st.streams_unattached, 0);
}

/* One end named, by exactly one call (a NAT'd sender whose address no SDP names). */
static void test_stream_one_end_unique(void **state)
{
	struct fx *f = *state;
	struct stream_key k = skey("192.0.2.99", 31000, "10.0.0.2", 6000, 0x5a5a);

	simple_call(f, &f->mc[0], "10.0.0.1", 40000, "10.0.0.2", 6000);
	simple_call(f, &f->mc[1], "10.0.0.3", 40000, "10.0.0.4", 6000);
	rtp_burst(f, "192.0.2.99", 31000, "10.0.0.2", 6000, 0x5a5a, 1, 10, AT(2000));
	media_read(&f->m);
	assert_ptr_equal(media_stream(f, &k)->owner, &f->mc[0]);
	assert_int_equal(nr_owned(&f->mc[0]), 1);
	assert_int_equal(nr_owned(&f->mc[1]), 0);
	assert_int_equal(f->m.st.streams_unattached, 0);
}

/* One end named by two calls: nobody's; counted once, reaped once silent. */
static void test_stream_one_end_shared_unattached(void **state)
{
	struct fx *f = *state;
	struct stream_key k = skey("192.0.2.99", 31000, "10.0.0.2", 6000, 0x5a5a);
	uint64_t last = AT(2000) + 9 * 20 * MS;

	simple_call(f, &f->mc[0], "10.0.0.1", 40000, "10.0.0.2", 6000);
	simple_call(f, &f->mc[1], "10.0.0.1", 40002, "10.0.0.2", 6000);
	rtp_burst(f, "192.0.2.99", 31000, "10.0.0.2", 6000, 0x5a5a, 1, 10, AT(2000));
	media_read(&f->m);
	media_read(&f->m);
	assert_non_null(media_stream(f, &k));
	assert_null(media_stream(f, &k)->owner);
	assert_int_equal(nr_owned(&f->mc[0]) + nr_owned(&f->mc[1]), 0);
	assert_int_equal(f->m.st.streams_unattached, 1);
	media_expire(&f->m, last + ORPHAN_TO);
	assert_int_equal(f->m.st.streams_reaped, 0);
	assert_non_null(fake_stream(f, &k));
	media_expire(&f->m, last + ORPHAN_TO + 1);
	assert_int_equal(f->m.st.streams_reaped, 1);
	assert_int_equal(fake_dp_count(&f->fake, FAKE_STREAM_DEL, 0), 1);
	assert_null(fake_stream(f, &k));
	assert_int_equal(fake_dp_nr_streams(&f->fake), 0);
	assert_int_equal(media_nr_streams(&f->m), 0);
	assert_int_equal(f->m.st.streams_unattached, 1);
}

/* Each end named by a different call: neither can claim it. */
static void test_stream_ends_of_two_calls(void **state)
{
	struct fx *f = *state;
	struct stream_key k = skey("10.0.0.1", 40000, "10.0.0.4", 6000, 0x99);

	apply(f, &f->mc[0], SIDE_CALLER, AT(0), "10.0.0.1", 40000, "0", PCMU);
	apply(f, &f->mc[1], SIDE_CALLEE, AT(0), "10.0.0.4", 6000, "0", PCMU);
	rtp_burst(f, "10.0.0.1", 40000, "10.0.0.4", 6000, 0x99, 1, 5, AT(2000));
	media_read(&f->m);
	assert_null(media_stream(f, &k)->owner);
	assert_int_equal(f->m.st.streams_unattached, 1);
}

/* ---- loss ---- */

static void test_loss_never_goes_down(void **state)
{
	struct fx *f = *state;
	struct stream_key k = skey("10.0.0.1", 40000, "10.0.0.2", 6000, 0x1055);
	static const uint16_t first[] = { 1, 2, 3, 5, 6 };
	size_t i;

	simple_call(f, &f->mc[0], "10.0.0.1", 40000, "10.0.0.2", 6000);
	for (i = 0; i < 5; i++)
		assert_true(fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 0x1055, first[i],
					first[i] * 160u, 0, AT(2000) + i * 20 * MS));
	media_read(&f->m);
	assert_int_equal(rtp_lost(&media_stream(f, &k)->st), 1);
	assert_int_equal(f->m.st.rtp_lost_total, 1);
	/* 4 comes late: the stream has lost nothing, the counter keeps its 1. */
	assert_true(fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 0x1055, 4, 640, 0, AT(2200)));
	media_read(&f->m);
	assert_int_equal(rtp_lost(&media_stream(f, &k)->st), 0);
	assert_int_equal(media_stream(f, &k)->st.out_of_order, 1);
	assert_int_equal(f->m.st.rtp_lost_total, 1);
	/* Two more lost (7 and 8): the counter moves on from its high mark. */
	assert_true(fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 0x1055, 9, 9 * 160, 0,
				AT(2300)));
	media_read(&f->m);
	assert_int_equal(rtp_lost(&media_stream(f, &k)->st), 2);
	assert_int_equal(f->m.st.rtp_lost_total, 2);
	assert_int_equal(media_stream(f, &k)->lost_counted, 2);
}

/* ---- RTCP ---- */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* An RR from sender about ssrc: one report block, no LSR (no round trip). */
static size_t rtcp_rr(uint8_t *p, uint32_t sender, uint32_t ssrc, uint8_t fraction, int32_t cumulative,
		      uint32_t jitter)
{
	memset(p, 0, 32);
	p[0] = 0x81;		/* V=2, RC=1 */
	p[1] = 201;
	p[3] = 7;		/* 32 bytes */
	put_be32(p + 4, sender);
	put_be32(p + 8, ssrc);
	put_be32(p + 12, (uint32_t)fraction << 24 | ((uint32_t)cumulative & 0xffffff));
	put_be32(p + 16, 0x10064);	/* extended highest sequence number */
	put_be32(p + 20, jitter);
	return 32;
}

static struct msg media_msg(enum msg_kind kind, const char *src, uint16_t sport, const char *dst,
			    uint16_t dport, const void *payload, size_t len, uint64_t t)
{
	struct msg msg = {
		.ts_ns = t, .kind = kind, .sport = sport, .dport = dport, .payload = payload, .len = len,
	};

	fake_addr(&msg.src, src);
	fake_addr(&msg.dst, dst);
	return msg;
}

static void test_rtcp_receiver_report(void **state)
{
	struct fx *f = *state;
	const struct rtcp_view *v;
	uint8_t rr[32];
	struct msg msg;

	simple_call(f, &f->mc[0], "10.0.0.1", 40000, "10.0.0.2", 6000);
	/* bob's receiver report on alice's stream 0x1111, to alice's RTCP port. */
	msg = media_msg(MSG_RTCP, "10.0.0.2", 6001, "10.0.0.1", 40001, rr,
			rtcp_rr(rr, 0x2222, 0x1111, 64, 3, 80), AT(5000));
	media_on_rtcp(&f->m, &msg);
	assert_int_equal(f->m.st.rtcp_packets, 1);
	assert_int_equal(f->m.st.rtcp_errors, 0);
	assert_int_equal(f->m.st.rtcp_unattached, 0);
	v = media_rtcp_of(&f->mc[0], 0x1111);
	assert_non_null(v);
	assert_int_equal(v->reports, 1);
	assert_true(v->fraction_lost == 0.25);
	assert_int_equal(v->cumulative_lost, 3);
	assert_int_equal(v->jitter, 80);
	assert_true(v->rtt_ms < 0);
	assert_null(media_rtcp_of(&f->mc[0], 0x2222));
	/* The newest report replaces the figures (negative cumulative loss: duplicates). */
	msg = media_msg(MSG_RTCP, "10.0.0.2", 6001, "10.0.0.1", 40001, rr,
			rtcp_rr(rr, 0x2222, 0x1111, 0, -2, 24), AT(10000));
	media_on_rtcp(&f->m, &msg);
	v = media_rtcp_of(&f->mc[0], 0x1111);
	assert_int_equal(v->reports, 2);
	assert_true(v->fraction_lost == 0.0);
	assert_int_equal(v->cumulative_lost, -2);
	assert_int_equal(v->jitter, 24);
	assert_int_equal(f->mc[0].nrtcp, 1);
	assert_int_equal(f->m.st.rtcp_packets, 2);
}

static void test_rtcp_errors_and_unattached(void **state)
{
	static const uint8_t junk[] = { 0x81, 201, 0x00, 0x07, 0xde, 0xad };	/* length says 32 bytes */
	struct fx *f = *state;
	uint8_t rr[32];
	struct msg msg;

	simple_call(f, &f->mc[0], "10.0.0.1", 40000, "10.0.0.2", 6000);
	msg = media_msg(MSG_RTCP, "10.0.0.2", 6001, "10.0.0.1", 40001, junk, sizeof(junk), AT(5000));
	media_on_rtcp(&f->m, &msg);
	assert_int_equal(f->m.st.rtcp_errors, 1);
	assert_int_equal(f->m.st.rtcp_packets, 0);
	assert_int_equal(f->mc[0].nrtcp, 0);
	/* Readable, but between endpoints no call names. */
	msg = media_msg(MSG_RTCP, "192.0.2.7", 7001, "192.0.2.8", 8001, rr,
			rtcp_rr(rr, 0x3333, 0x4444, 1, 1, 1), AT(6000));
	media_on_rtcp(&f->m, &msg);
	assert_int_equal(f->m.st.rtcp_packets, 1);
	assert_int_equal(f->m.st.rtcp_unattached, 1);
	assert_int_equal(f->m.st.rtcp_errors, 1);
	assert_int_equal(f->mc[0].nrtcp, 0);
	/* Through dialog_on_msg the same way. */
	dialog_on_msg(&f->d, &msg);
	assert_int_equal(f->m.st.rtcp_unattached, 2);
}

/* ---- DTMF ---- */

/* An RFC 4733 end packet: event, E bit, duration; repeats share seq's timestamp. */
static size_t dtmf_pkt(uint8_t *p, uint32_t ssrc, uint16_t seq, uint32_t ts, uint8_t event, uint16_t duration)
{
	p[0] = 0x80;
	p[1] = 101;
	p[2] = seq >> 8;
	p[3] = seq;
	put_be32(p + 4, ts);
	put_be32(p + 8, ssrc);
	p[12] = event;
	p[13] = 0x80 | 10;	/* E bit, volume 10 */
	p[14] = duration >> 8;
	p[15] = duration;
	return 16;
}

static void send_dtmf(struct fx *f, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		      uint32_t ssrc, uint32_t ts, uint8_t event, int repeats, uint64_t t)
{
	uint8_t pkt[16];
	int i;

	for (i = 0; i < repeats; i++) {
		struct msg msg = media_msg(MSG_DTMF, src, sport, dst, dport, pkt,
					   dtmf_pkt(pkt, ssrc, 100 + i, ts, event, 800), t + i * 20 * MS);

		media_on_dtmf(&f->m, &msg);
	}
}

static void test_dtmf_digits(void **state)
{
	struct fx *f = *state;
	struct media_call *mc = &f->mc[0];

	simple_call(f, mc, "10.0.0.1", 40000, "10.0.0.2", 6000);
	send_dtmf(f, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xd1, 16000, 1, 3, AT(5000));
	send_dtmf(f, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xd1, 32000, 11, 3, AT(6000));
	send_dtmf(f, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xd1, 48000, 1, 3, AT(7000));	/* 1 again */
	assert_int_equal(mc->ndtmf, 3);
	assert_int_equal(mc->dtmf[0].digit, '1');
	assert_int_equal(mc->dtmf[1].digit, '#');
	assert_int_equal(mc->dtmf[2].digit, '1');
	assert_int_equal(mc->dtmf[0].duration, 800);
	assert_int_equal(mc->dtmf[0].ssrc, 0xd1);
	assert_int_equal(mc->dtmf[0].rtp_ts, 16000);
	assert_int_equal(mc->dtmf[0].t, AT(5000));	/* the first of the repeats */
	assert_int_equal(mc->dtmf[1].t, AT(6000));
	assert_int_equal(mc->dtmf_dropped, 0);
	assert_int_equal(f->m.st.dtmf_digits, 3);
	/* Too short to be an RTP event packet: ignored. */
	{
		uint8_t pkt[16];
		struct msg msg = media_msg(MSG_DTMF, "10.0.0.1", 40000, "10.0.0.2", 6000, pkt,
					   dtmf_pkt(pkt, 0xd1, 1, 64000, 5, 800) - 1, AT(8000));

		media_on_dtmf(&f->m, &msg);
	}
	assert_int_equal(mc->ndtmf, 3);
}

static void test_dtmf_overflow(void **state)
{
	struct fx *f = *state;
	struct media_call *mc = &f->mc[0];
	int i;

	simple_call(f, mc, "10.0.0.1", 40000, "10.0.0.2", 6000);
	for (i = 0; i < MEDIA_MAX_DTMF + 2; i++)
		send_dtmf(f, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xd1, 8000 * (i + 1), i % 10, 1,
			  AT(i * 500));
	assert_int_equal(mc->ndtmf, MEDIA_MAX_DTMF);
	assert_int_equal(mc->dtmf_dropped, 2);
	assert_int_equal(f->m.st.dtmf_digits, MEDIA_MAX_DTMF);
	assert_int_equal(mc->dtmf[MEDIA_MAX_DTMF - 1].digit, '0' + (MEDIA_MAX_DTMF - 1) % 10);
}

/*
 * Once MEDIA_MAX_DTMF digits are recorded, a further digit is dropped
 * once, not once per repeat of its end packet (sent three times, RFC 4733
 * 2.5.1.4): two digits dropped read as 2.
 */
static void test_dtmf_dropped_repeats_once(void **state)
{
	struct fx *f = *state;
	struct media_call *mc = &f->mc[0];
	int i;

	simple_call(f, mc, "10.0.0.1", 40000, "10.0.0.2", 6000);
	for (i = 0; i < MEDIA_MAX_DTMF + 2; i++)
		send_dtmf(f, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xd1, 8000 * (i + 1), i % 10, 3,
			  AT(i * 500));
	assert_int_equal(mc->ndtmf, MEDIA_MAX_DTMF);
	assert_int_equal(f->m.st.dtmf_digits, MEDIA_MAX_DTMF);
	assert_int_equal(mc->dtmf_dropped, 2);
}

/*
 * The case of the kernel fix: the caller offers PCMU and telephone-event
 * 101, the callee answers PCMU only; the caller's events to the callee's
 * endpoint start a stream whose event payload type comes from the caller's
 * end, and its DTMF is the call's.
 */
static void test_dtmf_event_pt_from_offer(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = { "dtmf-1@10.0.0.1", "a1", "b1", NULL, NULL };
	struct stream_key k = skey("10.0.0.1", 40000, "10.0.0.2", 6000, 0xd7);
	char a[512], b[512];
	const struct fake_stream *fs;
	const struct call *call;
	struct msg msg;
	uint8_t pkt[16];

	sip_call_up(f, AT(0), &d, sdp_at(a, sizeof(a), "10.0.0.1", 40000, "0 101", PCMU TE),
		    sdp_at(b, sizeof(b), "10.0.0.2", 6000, "0", PCMU));
	assert_int_equal(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000)->event_pt, 101);
	assert_int_equal(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000)->event_pt, 0);
	assert_true(fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xd7, 1, 8000, 101, AT(2000)));
	fs = fake_stream(f, &k);
	assert_non_null(fs);
	assert_int_equal(fs->st.event_pt, 101);
	assert_int_equal(fs->st.clock_code, CLK_NONE);	/* telephone-event: no jitter clock */
	/* A second packet in sequence: RFC 3550 probation passed, the stream can be the call's. */
	assert_true(fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xd7, 2, 8160, 101, AT(2020)));
	/* Its voice: the clock of PCMU, from the SDP, once the payload type changes. */
	assert_true(fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xd7, 3, 8320, 0, AT(2040)));
	assert_int_equal(fs->st.clock_code, CLK_8000);
	dialog_tick(&f->d, AT(2100));
	call = call_get(f, d.call_id);
	assert_non_null(call->media.streams);
	assert_memory_equal(&call->media.streams->key, &k, sizeof(k));
	assert_int_equal(call->media.streams->st.event_pt, 101);
	msg = media_msg(MSG_DTMF, "10.0.0.1", 40000, "10.0.0.2", 6000, pkt,
			dtmf_pkt(pkt, 0xd7, 2, 8000, 5, 1200), AT(2200));
	dialog_on_msg(&f->d, &msg);
	dialog_on_msg(&f->d, &msg);	/* repeated */
	assert_int_equal(call->media.ndtmf, 1);
	assert_int_equal(call->media.dtmf[0].digit, '5');
	assert_int_equal(call->media.dtmf[0].duration, 1200);
	assert_int_equal(f->m.st.dtmf_digits, 1);
	sip_hangup(f, AT(5000), &d);
	dialog_tick(&f->d, AT(5020) + GRACE);
	assert_int_equal(f->done[0].ndtmf, 1);
	assert_int_equal(f->done[0].nstreams, 1);
}

/*
 * RTCP and DTMF toward an endpoint shared by overlapping calls (sipp's UAS
 * answers every call on 10.0.0.2:6000) belong, as streams do, to the call
 * naming both ends, not to the newest call naming the destination.  Each
 * of three calls sends one digit and one RR: each records its own.
 */
static void test_dtmf_rtcp_shared_port_attribution(void **state)
{
	struct fx *f = *state;
	uint8_t rr[32];
	struct msg msg;
	int i;

	for (i = 0; i < NR_MC; i++)
		simple_call(f, &f->mc[i], "10.0.0.1", 40000 + 2 * i, "10.0.0.2", 6000);
	for (i = 0; i < NR_MC; i++) {
		send_dtmf(f, "10.0.0.1", 40000 + 2 * i, "10.0.0.2", 6000, 0xa0 + i, 8000, 7 + i, 3, AT(5000));
		msg = media_msg(MSG_RTCP, "10.0.0.1", 40001 + 2 * i, "10.0.0.2", 6001, rr,
				rtcp_rr(rr, 0xa0 + i, 0xb00 + i, 0, 0, 10), AT(5500));
		media_on_rtcp(&f->m, &msg);
	}
	for (i = 0; i < NR_MC; i++) {
		assert_int_equal(f->mc[i].ndtmf, 1);
		assert_int_equal(f->mc[i].dtmf[0].digit, '7' + i);
		assert_int_equal(f->mc[i].nrtcp, 1);
		assert_non_null(media_rtcp_of(&f->mc[i], 0xb00 + i));
	}
	assert_int_equal(f->m.st.dtmf_digits, NR_MC);
	assert_int_equal(f->m.st.rtcp_unattached, 0);
	assert_int_equal(f->m.st.dtmf_unattached, 0);
	/* From a port nobody named to the shared one: no call can claim it. */
	send_dtmf(f, "192.0.2.99", 31000, "10.0.0.2", 6000, 0xee, 8000, 1, 1, AT(6000));
	assert_int_equal(f->m.st.dtmf_unattached, 1);
	assert_int_equal(f->m.st.dtmf_digits, NR_MC);
}

/* An end packet between endpoints no call names is counted, not recorded. */
static void test_dtmf_unattached(void **state)
{
	struct fx *f = *state;

	simple_call(f, &f->mc[0], "10.0.0.1", 40000, "10.0.0.2", 6000);
	send_dtmf(f, "192.0.2.7", 7000, "192.0.2.8", 8000, 0xee, 8000, 3, 3, AT(5000));
	assert_int_equal(f->m.st.dtmf_unattached, 3);	/* per end packet */
	assert_int_equal(f->m.st.dtmf_digits, 0);
	assert_int_equal(f->mc[0].ndtmf, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_endpoint_clocks_and_rtcp),
		T(test_rtcp_attribute_and_mux),
		T(test_ipv6_endpoint),
		T(test_port_bit_after_endpoint),
		T(test_port_bit_off_with_last_endpoint),
		T(test_endpoint_insert_failure),
		T(test_shared_endpoint_refcount),
		T(test_streams_deleted_at_finalize),
		T(test_ended_call_stream_closed_for_new_call),
		T(test_stream_both_ends_newest),
		T(test_stream_both_ends_beats_one),
		T(test_stream_one_end_unique),
		T(test_stream_one_end_shared_unattached),
		T(test_stream_ends_of_two_calls),
		T(test_loss_never_goes_down),
		T(test_rtcp_receiver_report),
		T(test_rtcp_errors_and_unattached),
		T(test_dtmf_digits),
		T(test_dtmf_overflow),
		T(test_dtmf_dropped_repeats_once),
		T(test_dtmf_event_pt_from_offer),
		T(test_dtmf_rtcp_shared_port_attribution),
		T(test_dtmf_unattached),
	};
#undef T

	log_set_level(LOG_ERROR);	/* insert failures are expected here */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
