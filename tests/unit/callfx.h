/* SPDX-License-Identifier: GPL-2.0 */
/*
 * callfx.h - the fixture of the call-logic unit tests (test_dialog.c,
 * test_flood.c): user/dialog.c over user/media.c over the in-memory data
 * plane of fake_dp.c, SIP fed as text (sipmsg.h) from heap buffers of
 * exactly its length, so ASan catches a read past it, and the calls handed
 * to on_done copied out (the call is freed when the callback returns).
 * Include once per test file, after cmocka.h.
 */
#ifndef SIPXDP_TEST_CALLFX_H
#define SIPXDP_TEST_CALLFX_H

#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "fake_dp.h"
#include "media.h"
#include "rtp_stats.h"
#include "sipmsg.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define T0 (1000 * SEC)			/* the event clock never starts at 0 here */
#define AT(ms) (T0 + (uint64_t)(ms) * MS)
#define GRACE (2 * SEC)
#define SETUP_TO (180 * SEC)
#define RTP_TO (300 * SEC)
#define MAX_DUR (14400 * SEC)
#define MAX_DONE 16
#define MAX_STREAMS 4

/* What on_done saw of one call. */
struct done {
	char call_id[CALL_ID_MAX];
	enum call_result result;
	enum call_state state;
	int final_status;
	uint64_t t_invite, t_ringing, t_answer, t_end, now;
	uint8_t hangup;
	unsigned int reinvites, forked_answers;
	bool on_hold;
	unsigned int nstreams;
	uint64_t packets[MAX_STREAMS];
	int64_t lost[MAX_STREAMS];
	uint64_t first_ns[MAX_STREAMS];
};

struct fx {
	struct fake_dp fake;
	struct media m;
	struct dialogs d;
	int ndone;
	struct done done[MAX_DONE];
};

static void on_done(void *ctx, const struct call *call, uint64_t now)
{
	struct fx *f = ctx;
	const struct stream_rec *s;
	struct done *r;

	assert_true(f->ndone < MAX_DONE);
	r = &f->done[f->ndone++];
	memset(r, 0, sizeof(*r));
	snprintf(r->call_id, sizeof(r->call_id), "%s", call->call_id);
	r->result = call->result;
	r->state = call->state;
	r->final_status = call->final_status;
	r->t_invite = call->t_invite;
	r->t_ringing = call->t_ringing;
	r->t_answer = call->t_answer;
	r->t_end = call->t_end;
	r->now = now;
	r->hangup = call->hangup;
	r->reinvites = call->reinvites;
	r->forked_answers = call->forked_answers;
	r->on_hold = call->on_hold;
	for (s = call->media.streams; s; s = s->owner_next, r->nstreams++) {
		if (r->nstreams < MAX_STREAMS) {
			r->packets[r->nstreams] = s->st.packets;
			r->lost[r->nstreams] = rtp_lost(&s->st);
			r->first_ns[r->nstreams] = s->st.first_ns;
		}
	}
}

/* The defaults of the fixture; a test file may start from them and change some. */
static inline void callfx_defaults(struct media_cfg *mcfg, struct dialog_cfg *dcfg)
{
	*mcfg = (struct media_cfg){ .grace_ns = GRACE, .orphan_timeout_ns = 10 * SEC };
	*dcfg = (struct dialog_cfg){
		.grace_ns = GRACE, .setup_timeout_ns = SETUP_TO, .rtp_timeout_ns = RTP_TO,
		.max_duration_ns = MAX_DUR, .max_calls = 100, .on_done = on_done,
		.pressure_timeout_ns = 32 * SEC,
	};
}

static int callfx_setup(void **state, struct media_cfg mcfg, struct dialog_cfg dcfg)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	fake_dp_init(&f->fake);
	if (media_init(&f->m, &f->fake.dp, &mcfg)) {
		free(f);
		return -1;
	}
	dcfg.ctx = f;
	dcfg.on_done = on_done;
	dialog_init(&f->d, &f->m, &dcfg);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	struct media_cfg mcfg;
	struct dialog_cfg dcfg;

	callfx_defaults(&mcfg, &dcfg);
	return callfx_setup(state, mcfg, dcfg);
}

/* Also after a failed assertion: LeakSanitizer sees nothing left over. */
static int teardown(void **state)
{
	struct fx *f = *state;

	dialog_free(&f->d);
	media_free(&f->m);
	fake_dp_free(&f->fake);
	free(f);
	return 0;
}

/* ---- messages ---- */

/* One SIP message, from a heap buffer of exactly its length. */
static void feed(struct fx *f, uint64_t t, const char *text, size_t len, bool by_callee)
{
	struct msg msg = { .ts_ns = t, .kind = MSG_SIP, .sport = 5060, .dport = 5060, .len = len };
	char *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, text, len);
	msg.payload = p;
	fake_addr(&msg.src, by_callee ? "10.0.0.2" : "10.0.0.1");
	fake_addr(&msg.dst, by_callee ? "10.0.0.1" : "10.0.0.2");
	dialog_on_msg(&f->d, &msg);
	free(p);
}

static void req(struct fx *f, uint64_t t, const struct sipm_dlg *d, const char *method, bool by_callee,
		bool in_dialog, uint32_t cseq, const char *branch, const char *ctype, const char *body)
{
	char buf[SIPM_MAX];
	int n = sipm_request(buf, sizeof(buf), d, method, by_callee, in_dialog, cseq, branch, ctype, body);

	assert_true(n > 0 && n < (int)sizeof(buf));
	feed(f, t, buf, n, by_callee);
}

/* A response; to_caller: it answers alice's request (so bob sends it). */
static void rsp(struct fx *f, uint64_t t, const struct sipm_dlg *d, int code, bool to_caller, uint32_t cseq,
		const char *method, const char *branch, const char *body)
{
	char buf[SIPM_MAX];
	int n = sipm_response(buf, sizeof(buf), d, code, to_caller, cseq, method, branch, NULL, body);

	assert_true(n > 0 && n < (int)sizeof(buf));
	feed(f, t, buf, n, to_caller);
}

static void invite(struct fx *f, uint64_t t, const struct sipm_dlg *d, uint32_t cseq, const char *branch,
		   const char *body)
{
	req(f, t, d, "INVITE", false, false, cseq, branch, NULL, body);
}

/* bob's answer to alice's INVITE. */
static void answer(struct fx *f, uint64_t t, const struct sipm_dlg *d, int code, uint32_t cseq,
		   const char *branch, const char *body)
{
	rsp(f, t, d, code, true, cseq, "INVITE", branch, body);
}

static void ack(struct fx *f, uint64_t t, const struct sipm_dlg *d, uint32_t cseq, const char *branch)
{
	req(f, t, d, "ACK", false, true, cseq, branch, NULL, NULL);
}

/* BYE from one side at t, its 200 OK 20 ms later. */
static void hangup(struct fx *f, uint64_t t, const struct sipm_dlg *d, bool by_callee, uint32_t cseq)
{
	req(f, t, d, "BYE", by_callee, true, cseq, "z9hG4bK-bye", NULL, NULL);
	rsp(f, t + 20 * MS, d, 200, !by_callee, cseq, "BYE", "z9hG4bK-bye", NULL);
}

/* Audio SDP (PCMU and telephone-event), from one of a few static buffers. */
static const char *sdp_x(const char *addr, unsigned int port, const char *fmts, const char *extra)
{
	static char bufs[8][1024];
	static unsigned int next;
	char *b = bufs[next++ % 8];

	assert_true(sipm_sdp(b, sizeof(bufs[0]), addr, port, fmts, extra) < (int)sizeof(bufs[0]));
	return b;
}

#define PCMU_TE "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"

static const char *sdp_a(unsigned int port)
{
	return sdp_x("10.0.0.1", port, "0 101", PCMU_TE "a=sendrecv\r\n");
}

static const char *sdp_b(unsigned int port)
{
	return sdp_x("10.0.0.2", port, "0", "a=rtpmap:0 PCMU/8000\r\n");
}

#define BR1 "z9hG4bK-inv1"

/* INVITE at t (CSeq 1), 100 +10 ms, 180 +1 s, 200 +3 s, ACK +3.05 s. */
static void call_up(struct fx *f, uint64_t t, const struct sipm_dlg *d, unsigned int aport,
		    unsigned int bport)
{
	invite(f, t, d, 1, BR1, sdp_a(aport));
	answer(f, t + 10 * MS, d, 100, 1, BR1, NULL);
	answer(f, t + 1000 * MS, d, 180, 1, BR1, NULL);
	answer(f, t + 3000 * MS, d, 200, 1, BR1, sdp_b(bport));
	ack(f, t + 3050 * MS, d, 1, "z9hG4bK-ack1");
}

/* ---- looking ---- */

static const struct call *call_get(const struct fx *f, const char *id)
{
	struct call *c;

	HASH_FIND_STR(f->d.by_id, id, c);
	return c;
}

static const struct call *call_must(const struct fx *f, const char *id)
{
	const struct call *c = call_get(f, id);

	assert_non_null(c);
	return c;
}

static __attribute__((unused)) enum call_state state_of(const struct fx *f, const char *id)
{
	return call_must(f, id)->state;
}

/* The one on_done record of a call. */
static __attribute__((unused)) const struct done *done_of(const struct fx *f, const char *id)
{
	const struct done *r = NULL;
	int i, n = 0;

	for (i = 0; i < f->ndone; i++) {
		if (!strcmp(f->done[i].call_id, id)) {
			r = &f->done[i];
			n++;
		}
	}
	assert_int_equal(n, 1);
	return r;
}

#endif /* SIPXDP_TEST_CALLFX_H */
