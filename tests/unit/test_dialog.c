// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/dialog.c: the call state machine, its timeouts and
 * the eviction of a full table, over user/media.c and the in-memory data
 * plane of fake_dp.c.  Every SIP message is built as text (sipmsg.h) and
 * handed to dialog_on_msg() from a heap buffer of exactly its length, so
 * ASan catches a read past it.  Calls handed to on_done are copied out
 * (the call is freed when the callback returns).
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
#include "log.h"


struct seen {
	int n;
	const char *id[8];
	enum call_state st[8];
};

static void seen_cb(void *ctx, const struct call *call)
{
	struct seen *s = ctx;

	assert_true(s->n < 8);
	s->id[s->n] = call->call_id;
	s->st[s->n++] = call->state;
}

/* The state dialog_foreach() reports for the table's only call. */
static enum call_state only_state(const struct fx *f, const char *id)
{
	struct seen s = { 0 };

	dialog_foreach(&f->d, seen_cb, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.id[0], id);
	return s.st[0];
}

#define DLG(id) { .call_id = (id), .caller_tag = "a1", .callee_tag = "b1" }

/* ---- the basic call ---- */

static void test_basic_call_states(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("basic-1@10.0.0.1");

	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	assert_int_equal(f->d.nr_calls, 1);
	assert_int_equal(only_state(f, d.call_id), CALL_INVITING);
	answer(f, AT(10), &d, 100, 1, BR1, NULL);
	assert_int_equal(only_state(f, d.call_id), CALL_PROCEEDING);
	answer(f, AT(1000), &d, 180, 1, BR1, NULL);
	assert_int_equal(only_state(f, d.call_id), CALL_PROCEEDING);
	answer(f, AT(3000), &d, 200, 1, BR1, sdp_b(6000));
	assert_int_equal(only_state(f, d.call_id), CALL_ANSWERED);
	ack(f, AT(3050), &d, 1, "z9hG4bK-ack1");
	assert_int_equal(only_state(f, d.call_id), CALL_CONFIRMED);
	assert_int_equal(dialog_nr_active(&f->d), 1);
	req(f, AT(63050), &d, "BYE", false, true, 2, "z9hG4bK-bye", NULL, NULL);
	assert_int_equal(only_state(f, d.call_id), CALL_TERMINATING);
	assert_int_equal(dialog_nr_active(&f->d), 1);
	rsp(f, AT(63070), &d, 200, true, 2, "BYE", "z9hG4bK-bye", NULL);
	assert_int_equal(only_state(f, d.call_id), CALL_ENDED);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_COMPLETED);
	assert_int_equal(dialog_nr_active(&f->d), 0);
	assert_string_equal(call_state_name(CALL_ENDED), "ended");

	/* What the call recorded about itself. */
	assert_string_equal(call_must(f, d.call_id)->from, "sip:alice@10.0.0.1");
	assert_string_equal(call_must(f, d.call_id)->to, "sip:bob@10.0.0.2");
	assert_string_equal(call_must(f, d.call_id)->from_tag, "a1");
	assert_string_equal(call_must(f, d.call_id)->answer_to_tag, "b1");
}

static void test_basic_call_record(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("basic-2@10.0.0.1");
	const struct done *r;

	call_up(f, AT(0), &d, 40000, 6000);
	hangup(f, AT(63050), &d, false, 2);
	/* Ended, not yet finalized: nothing handed over, nothing counted. */
	assert_int_equal(f->ndone, 0);
	assert_int_equal(f->d.st.calls_total[RESULT_COMPLETED], 0);
	dialog_tick(&f->d, AT(63070) + GRACE - 1);
	assert_int_equal(f->ndone, 0);
	dialog_tick(&f->d, AT(63070) + GRACE);
	assert_int_equal(f->ndone, 1);
	r = done_of(f, d.call_id);
	assert_int_equal(r->result, RESULT_COMPLETED);
	assert_string_equal(call_result_name(r->result), "completed");
	assert_int_equal(r->final_status, 200);
	assert_int_equal(r->t_invite, AT(0));
	assert_int_equal(r->t_ringing - r->t_invite, 1000 * MS);	/* post-dial delay */
	assert_int_equal(r->t_answer - r->t_invite, 3000 * MS);		/* setup time */
	assert_int_equal(r->t_end, AT(63070));
	assert_int_equal(r->now, AT(63070) + GRACE);
	assert_int_equal(r->hangup, SIDE_CALLER);
	assert_int_equal(r->reinvites, 0);
	assert_int_equal(r->forked_answers, 0);
	assert_false(r->on_hold);
	assert_int_equal(f->d.st.calls_total[RESULT_COMPLETED], 1);
	assert_int_equal(f->d.nr_calls, 0);
	/* Every message counted, responses by CSeq method and status. */
	assert_int_equal(f->d.st.requests[SIP_M_INVITE], 1);
	assert_int_equal(f->d.st.requests[SIP_M_ACK], 1);
	assert_int_equal(f->d.st.requests[SIP_M_BYE], 1);
	assert_int_equal(f->d.st.responses[SIP_M_INVITE][100], 1);
	assert_int_equal(f->d.st.responses[SIP_M_INVITE][180], 1);
	assert_int_equal(f->d.st.responses[SIP_M_INVITE][200], 1);
	assert_int_equal(f->d.st.responses[SIP_M_BYE][200], 1);
	/* Its media went with it. */
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 0);
	assert_int_equal(media_nr_endpoints(&f->m), 0);
}

static void test_hangup_by_callee(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("callee-bye@10.0.0.1");
	const struct done *r;

	call_up(f, AT(0), &d, 40000, 6000);
	hangup(f, AT(20000), &d, true, 1);	/* bob's own CSeq space */
	assert_int_equal(state_of(f, d.call_id), CALL_ENDED);
	dialog_tick(&f->d, AT(20020) + GRACE);
	r = done_of(f, d.call_id);
	assert_int_equal(r->result, RESULT_COMPLETED);
	assert_int_equal(r->hangup, SIDE_CALLEE);
	assert_int_equal(r->final_status, 200);
}

/* ---- failures ---- */

static void test_failure_codes(void **state)
{
	static const struct { int code; enum call_result r; } cases[] = {
		{ 302, RESULT_FAILED }, { 404, RESULT_FAILED }, { 503, RESULT_FAILED },
		{ 603, RESULT_FAILED }, { 486, RESULT_BUSY }, { 600, RESULT_BUSY },
	};
	struct fx *f = *state;
	char ids[6][32];
	size_t i;

	for (i = 0; i < 6; i++) {
		struct sipm_dlg d = DLG(ids[i]);
		uint64_t t = AT(i * 1000);

		/* d names this buffer */
		snprintf(ids[i], sizeof(ids[i]), "fail-%d@10.0.0.1", cases[i].code);
		invite(f, t, &d, 1, BR1, sdp_a(40000 + 2 * i));
		answer(f, t + 10 * MS, &d, 100, 1, BR1, NULL);
		answer(f, t + 500 * MS, &d, cases[i].code, 1, BR1, NULL);
		ack(f, t + 510 * MS, &d, 1, BR1);
		assert_int_equal(state_of(f, ids[i]), CALL_ENDED);
		assert_int_equal(call_must(f, ids[i])->result, cases[i].r);
		assert_int_equal(call_must(f, ids[i])->final_status, cases[i].code);
	}
	assert_int_equal(f->d.st.calls_total[RESULT_FAILED], 0);
	assert_int_equal(f->d.st.calls_total[RESULT_BUSY], 0);
	dialog_tick(&f->d, AT(60000));
	assert_int_equal(f->ndone, 6);
	for (i = 0; i < 6; i++) {
		const struct done *r = done_of(f, ids[i]);

		assert_int_equal(r->result, cases[i].r);
		assert_int_equal(r->final_status, cases[i].code);
		assert_int_equal(r->t_answer, 0);
		assert_int_equal(r->t_end, AT(i * 1000 + 500));
		assert_int_equal(r->hangup, SIDE_UNKNOWN);
	}
	assert_int_equal(f->d.st.calls_total[RESULT_FAILED], 4);
	assert_int_equal(f->d.st.calls_total[RESULT_BUSY], 2);
	assert_string_equal(call_state_label(RESULT_BUSY), "failed");
	assert_string_equal(call_result_name(RESULT_BUSY), "busy");
}

static void test_cancel_487(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("cancel-1@10.0.0.1");
	const struct done *r;

	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	answer(f, AT(10), &d, 100, 1, BR1, NULL);
	answer(f, AT(1000), &d, 180, 1, BR1, NULL);
	/* CANCEL: the INVITE's CSeq number and branch, no To tag. */
	req(f, AT(5000), &d, "CANCEL", false, false, 1, BR1, NULL, NULL);
	assert_true(call_must(f, d.call_id)->cancel_seen);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_ACTIVE);
	rsp(f, AT(5010), &d, 200, true, 1, "CANCEL", BR1, NULL);
	assert_int_not_equal(state_of(f, d.call_id), CALL_ENDED);
	answer(f, AT(5020), &d, 487, 1, BR1, NULL);
	ack(f, AT(5030), &d, 1, BR1);
	assert_int_equal(state_of(f, d.call_id), CALL_ENDED);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_CANCELLED);
	dialog_tick(&f->d, AT(5030) + GRACE);
	r = done_of(f, d.call_id);
	assert_int_equal(r->result, RESULT_CANCELLED);
	assert_int_equal(r->final_status, 487);
	assert_int_equal(r->t_answer, 0);
	assert_int_equal(r->t_ringing - r->t_invite, 1000 * MS);
	assert_int_equal(r->hangup, SIDE_UNKNOWN);
	assert_int_equal(f->d.st.calls_total[RESULT_CANCELLED], 1);
	assert_int_equal(f->d.st.requests[SIP_M_CANCEL], 1);
	assert_int_equal(f->d.st.responses[SIP_M_CANCEL][200], 1);
	assert_int_equal(f->d.st.responses[SIP_M_INVITE][487], 1);
}

/* A 487 whose CANCEL was not seen (lost before the tap) still means cancelled. */
static void test_487_without_cancel(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("cancel-2@10.0.0.1");

	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	answer(f, AT(1000), &d, 180, 1, BR1, NULL);
	answer(f, AT(4000), &d, 487, 1, BR1, NULL);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_CANCELLED);
	assert_int_equal(call_must(f, d.call_id)->final_status, 487);
	assert_false(call_must(f, d.call_id)->cancel_seen);
}

/*
 * A CANCEL does not end the INVITE transaction: the call stays where it
 * was (CALL_TERMINATING is for BYE) and remembers the CANCEL, so the 487,
 * or any failure after it, ends it as cancelled.
 */
static void test_cancel_state(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("cancel-3@10.0.0.1");

	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	answer(f, AT(1000), &d, 180, 1, BR1, NULL);
	req(f, AT(5000), &d, "CANCEL", false, false, 1, BR1, NULL, NULL);
	assert_int_equal(state_of(f, d.call_id), CALL_PROCEEDING);
	assert_true(call_must(f, d.call_id)->cancel_seen);
	answer(f, AT(5100), &d, 480, 1, BR1, NULL);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_CANCELLED);
}

/* ---- authentication challenges and old transactions ---- */

static void test_auth_retry_same_call(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("auth-1@10.0.0.1");
	const struct done *r;

	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	answer(f, AT(20), &d, 401, 1, BR1, NULL);
	ack(f, AT(30), &d, 1, BR1);
	assert_int_equal(state_of(f, d.call_id), CALL_ENDED);
	assert_int_equal(call_must(f, d.call_id)->final_status, 401);
	/* Past the grace period, the challenged call still waits for its retry. */
	dialog_tick(&f->d, AT(20000));
	assert_int_equal(f->ndone, 0);
	assert_non_null(call_get(f, d.call_id));
	/* The user typed the password: a new INVITE, higher CSeq, new branch. */
	invite(f, AT(40000), &d, 2, "z9hG4bK-inv2", sdp_a(40000));
	assert_int_equal(state_of(f, d.call_id), CALL_INVITING);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_ACTIVE);
	assert_int_equal(call_must(f, d.call_id)->final_status, 0);
	assert_int_equal(f->d.st.invite_retries, 1);
	answer(f, AT(40010), &d, 100, 2, "z9hG4bK-inv2", NULL);
	answer(f, AT(41000), &d, 180, 2, "z9hG4bK-inv2", NULL);
	answer(f, AT(43000), &d, 200, 2, "z9hG4bK-inv2", sdp_b(6000));
	ack(f, AT(43050), &d, 2, "z9hG4bK-ack2");
	assert_int_equal(state_of(f, d.call_id), CALL_CONFIRMED);
	hangup(f, AT(60000), &d, false, 3);
	dialog_tick(&f->d, AT(60020) + SETUP_TO);
	assert_int_equal(f->ndone, 1);
	r = done_of(f, d.call_id);
	assert_int_equal(r->result, RESULT_COMPLETED);
	assert_int_equal(r->final_status, 200);
	assert_int_equal(r->t_invite, AT(0));	/* the call started with the first INVITE */
	assert_int_equal(r->t_answer, AT(43000));
	assert_int_equal(f->d.st.invite_retries, 1);
	assert_int_equal(f->d.st.calls_total[RESULT_FAILED], 0);
	assert_int_equal(f->d.st.calls_total[RESULT_COMPLETED], 1);
	assert_int_equal(f->d.st.responses[SIP_M_INVITE][401], 1);
	assert_int_equal(f->d.nr_calls, 0);
}

static void test_late_response_unmatched(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("auth-2@10.0.0.1");

	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	answer(f, AT(20), &d, 407, 1, BR1, NULL);
	ack(f, AT(30), &d, 1, BR1);
	invite(f, AT(3000), &d, 2, "z9hG4bK-inv2", sdp_a(40000));
	answer(f, AT(3010), &d, 100, 2, "z9hG4bK-inv2", NULL);
	assert_int_equal(state_of(f, d.call_id), CALL_PROCEEDING);
	/* The 407 retransmitted late: the old CSeq. */
	answer(f, AT(3020), &d, 407, 1, BR1, NULL);
	assert_int_equal(f->d.st.responses_unmatched, 1);
	assert_int_equal(state_of(f, d.call_id), CALL_PROCEEDING);
	assert_int_equal(call_must(f, d.call_id)->final_status, 0);
	/* The newest CSeq but another transaction's branch. */
	answer(f, AT(3030), &d, 486, 2, "z9hG4bK-other", NULL);
	assert_int_equal(f->d.st.responses_unmatched, 2);
	assert_int_equal(state_of(f, d.call_id), CALL_PROCEEDING);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_ACTIVE);
	answer(f, AT(5000), &d, 180, 2, "z9hG4bK-inv2", NULL);
	answer(f, AT(6000), &d, 200, 2, "z9hG4bK-inv2", sdp_b(6000));
	assert_int_equal(state_of(f, d.call_id), CALL_ANSWERED);
	assert_int_equal(call_must(f, d.call_id)->final_status, 200);
	assert_int_equal(call_must(f, d.call_id)->t_ringing, AT(5000));
	assert_int_equal(f->d.st.responses_unmatched, 2);
	assert_int_equal(f->d.st.invite_retries, 1);
}

static void test_407_not_retried_waits_setup_timeout(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("auth-3@10.0.0.1");
	const struct done *r;

	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	answer(f, AT(20), &d, 407, 1, BR1, NULL);
	ack(f, AT(30), &d, 1, BR1);
	dialog_tick(&f->d, AT(20) + GRACE);
	dialog_tick(&f->d, AT(20) + SETUP_TO - 1);
	assert_int_equal(f->ndone, 0);
	assert_int_equal(state_of(f, d.call_id), CALL_ENDED);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_FAILED);
	assert_int_equal(f->d.st.calls_total[RESULT_FAILED], 0);
	dialog_tick(&f->d, AT(20) + SETUP_TO);
	assert_int_equal(f->ndone, 1);
	r = done_of(f, d.call_id);
	assert_int_equal(r->result, RESULT_FAILED);
	assert_int_equal(r->final_status, 407);
	assert_int_equal(r->t_end, AT(20));
	assert_int_equal(f->d.st.calls_total[RESULT_FAILED], 1);
	assert_int_equal(f->d.st.invite_retries, 0);
}

/* ---- renegotiation ---- */

static void test_reinvite_new_media(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("reinv-1@10.0.0.1");

	call_up(f, AT(0), &d, 40000, 6000);
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	req(f, AT(10000), &d, "INVITE", false, true, 2, "z9hG4bK-inv2", NULL, sdp_a(40010));
	assert_int_equal(call_must(f, d.call_id)->reinvites, 1);
	assert_int_equal(state_of(f, d.call_id), CALL_CONFIRMED);
	/* The new endpoints at once, the old ones still there. */
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40010));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40011));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	rsp(f, AT(10100), &d, 200, true, 2, "INVITE", "z9hG4bK-inv2", sdp_b(6000));
	ack(f, AT(10150), &d, 2, "z9hG4bK-ack2");
	assert_int_equal(state_of(f, d.call_id), CALL_CONFIRMED);
	assert_int_equal(f->d.st.responses_unmatched, 0);
	dialog_tick(&f->d, AT(10000) + GRACE - 1);
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40001));
	assert_true(fake_dp_port_on(&f->fake, 40000));
	dialog_tick(&f->d, AT(10000) + GRACE);
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40001));
	assert_false(fake_dp_port_on(&f->fake, 40000));
	assert_false(fake_dp_port_on(&f->fake, 40001));
	/* The side that did not change keeps its endpoint; the new ones stay. */
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40010));
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 4);
	assert_int_equal(media_nr_endpoints(&f->m), 4);
	hangup(f, AT(20000), &d, false, 3);
	dialog_tick(&f->d, AT(20020) + GRACE);
	assert_int_equal(done_of(f, d.call_id)->reinvites, 1);
	assert_int_equal(done_of(f, d.call_id)->result, RESULT_COMPLETED);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 0);
}

/*
 * A retransmitted re-INVITE (same CSeq, same branch: UDP Timer A when the
 * 200 is slow) is the same transaction, not a second re-INVITE.
 */
static void test_reinvite_retransmission_counted_once(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("reinv-2@10.0.0.1");

	call_up(f, AT(0), &d, 40000, 6000);
	req(f, AT(10000), &d, "INVITE", false, true, 2, "z9hG4bK-inv2", NULL, sdp_a(40010));
	req(f, AT(10500), &d, "INVITE", false, true, 2, "z9hG4bK-inv2", NULL, sdp_a(40010));
	rsp(f, AT(10600), &d, 200, true, 2, "INVITE", "z9hG4bK-inv2", sdp_b(6000));
	assert_int_equal(call_must(f, d.call_id)->reinvites, 1);
}

/*
 * The callee's re-INVITE carries the callee's own CSeq (RFC 3261 12.2.1.1:
 * each side has its own CSeq space), here 1 while the caller's INVITE had
 * 101: the caller's 200 to it matches the callee's transaction, and the
 * SDP it carries (the caller's new endpoint) is learned.
 */
static void test_reinvite_by_callee_own_cseq(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("reinv-3@10.0.0.1");

	invite(f, AT(0), &d, 101, BR1, sdp_a(40000));
	answer(f, AT(3000), &d, 200, 101, BR1, sdp_b(6000));
	ack(f, AT(3050), &d, 101, "z9hG4bK-ack1");
	req(f, AT(10000), &d, "INVITE", true, true, 1, "z9hG4bK-bob1", NULL, sdp_b(6002));
	assert_int_equal(call_must(f, d.call_id)->reinvites, 1);
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6002));
	rsp(f, AT(10100), &d, 200, false, 1, "INVITE", "z9hG4bK-bob1", sdp_a(40020));
	assert_int_equal(f->d.st.responses_unmatched, 0);
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40020));
	assert_int_equal(call_must(f, d.call_id)->forked_answers, 0);
}

/*
 * The callee's re-INVITE (its CSeq above the caller's): the caller's 200 to
 * it has alice's tag as its To tag (To of bob's request), which is no
 * second fork.  The caller's new endpoint is learned, the old ones of both
 * sides go after the grace period.
 */
static void test_reinvite_by_callee(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("reinv-4@10.0.0.1");

	call_up(f, AT(0), &d, 40000, 6000);
	req(f, AT(10000), &d, "INVITE", true, true, 5, "z9hG4bK-bob5", NULL, sdp_b(6002));
	assert_int_equal(call_must(f, d.call_id)->reinvites, 1);
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6002));
	rsp(f, AT(10100), &d, 200, false, 5, "INVITE", "z9hG4bK-bob5", sdp_a(40020));
	req(f, AT(10150), &d, "ACK", true, true, 5, "z9hG4bK-bobak", NULL, NULL);
	assert_int_equal(f->d.st.responses_unmatched, 0);
	assert_int_equal(call_must(f, d.call_id)->forked_answers, 0);
	assert_int_equal(call_must(f, d.call_id)->final_status, 200);
	assert_int_equal(call_must(f, d.call_id)->t_answer, AT(3000));
	assert_int_equal(state_of(f, d.call_id), CALL_CONFIRMED);
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40020));
	dialog_tick(&f->d, AT(10100) + GRACE);
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 4);
}

static void test_update_with_sdp(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("update-1@10.0.0.1");

	call_up(f, AT(0), &d, 40000, 6000);
	req(f, AT(10000), &d, "UPDATE", false, true, 2, "z9hG4bK-upd", NULL, sdp_a(40030));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40030));
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6030));
	rsp(f, AT(10050), &d, 200, true, 2, "UPDATE", "z9hG4bK-upd", sdp_b(6030));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6030));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6031));
	assert_int_equal(call_must(f, d.call_id)->reinvites, 0);
	assert_int_equal(state_of(f, d.call_id), CALL_CONFIRMED);
	assert_int_equal(f->d.st.requests[SIP_M_UPDATE], 1);
	assert_int_equal(f->d.st.responses[SIP_M_UPDATE][200], 1);
	/* Both sides replaced their endpoints: the old ones go after the grace period. */
	dialog_tick(&f->d, AT(10050) + GRACE);
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 4);
}

/* ---- hold ---- */

/* Hold by a re-INVITE whose SDP is hold_sdp, answered with answer_sdp, then resumed. */
static void hold_case(struct fx *f, const char *id, const char *hold_sdp, const char *answer_sdp)
{
	struct sipm_dlg d = DLG(id);

	call_up(f, AT(0), &d, 40000, 6000);
	assert_false(call_must(f, id)->on_hold);
	req(f, AT(10000), &d, "INVITE", false, true, 2, "z9hG4bK-hold", NULL, hold_sdp);
	assert_true(call_must(f, id)->on_hold);
	/* The answer's recvonly (or inactive) does not undo it. */
	rsp(f, AT(10100), &d, 200, true, 2, "INVITE", "z9hG4bK-hold", answer_sdp);
	ack(f, AT(10150), &d, 2, "z9hG4bK-ack2");
	assert_true(call_must(f, id)->on_hold);
	/* Resumed once both sides' newest SDP is sendrecv again. */
	req(f, AT(20000), &d, "INVITE", false, true, 3, "z9hG4bK-resume", NULL, sdp_a(40000));
	assert_false(call_must(f, id)->held_by[SIDE_CALLER]);
	rsp(f, AT(20100), &d, 200, true, 3, "INVITE", "z9hG4bK-resume", sdp_b(6000));
	assert_false(call_must(f, id)->on_hold);
	assert_int_equal(call_must(f, id)->reinvites, 2);
}

static void test_hold_sendonly(void **state)
{
	hold_case(*state, "hold-1@10.0.0.1",
		  sdp_x("10.0.0.1", 40000, "0", "a=rtpmap:0 PCMU/8000\r\na=sendonly\r\n"),
		  sdp_x("10.0.0.2", 6000, "0", "a=rtpmap:0 PCMU/8000\r\na=recvonly\r\n"));
}

static void test_hold_inactive(void **state)
{
	hold_case(*state, "hold-2@10.0.0.1",
		  sdp_x("10.0.0.1", 40000, "0", "a=inactive\r\n"),
		  sdp_x("10.0.0.2", 6000, "0", "a=inactive\r\n"));
}

static void test_hold_zero_address(void **state)
{
	struct fx *f = *state;

	hold_case(f, "hold-3@10.0.0.1", sdp_x("0.0.0.0", 40000, "0", ""), sdp_b(6000));
	/* c=0.0.0.0 names no endpoint at all. */
	assert_null(fake_dp_endpoint(&f->fake, "0.0.0.0", 40000));
}

/* A session-level a=sendonly holds too, and so does the callee's own hold. */
static void test_hold_session_level_by_callee(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("hold-4@10.0.0.1");
	static const char sdp[] = "v=0\r\no=- 1 2 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
				  "a=sendonly\r\nm=audio 6000 RTP/AVP 0\r\n";

	call_up(f, AT(0), &d, 40000, 6000);
	req(f, AT(10000), &d, "INVITE", true, true, 1, "z9hG4bK-bobhold", NULL, sdp);
	assert_true(call_must(f, d.call_id)->on_hold);
	assert_true(call_must(f, d.call_id)->held_by[SIDE_CALLEE]);
	assert_false(call_must(f, d.call_id)->held_by[SIDE_CALLER]);
}

/* ---- forks, early media, bodies ---- */

static void test_forked_answers(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("fork-1@10.0.0.1");
	struct sipm_dlg d2 = DLG("fork-1@10.0.0.1");

	d2.callee_tag = "b2";
	d2.callee_host = "10.0.0.3";
	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	answer(f, AT(1000), &d, 180, 1, BR1, NULL);
	answer(f, AT(1100), &d2, 180, 1, BR1, NULL);
	answer(f, AT(3000), &d, 200, 1, BR1, sdp_b(6000));
	answer(f, AT(3010), &d, 200, 1, BR1, sdp_b(6000));	/* a retransmission */
	assert_int_equal(call_must(f, d.call_id)->forked_answers, 0);
	answer(f, AT(3020), &d2, 200, 1, BR1, sdp_x("10.0.0.3", 7000, "0", ""));
	assert_int_equal(call_must(f, d.call_id)->forked_answers, 1);
	assert_string_equal(call_must(f, d.call_id)->answer_to_tag, "b1");
	assert_int_equal(call_must(f, d.call_id)->t_answer, AT(3000));
	assert_int_equal(call_must(f, d.call_id)->final_status, 200);
	assert_int_equal(f->d.nr_calls, 1);
	ack(f, AT(3050), &d, 1, "z9hG4bK-ack1");
	assert_int_equal(state_of(f, d.call_id), CALL_CONFIRMED);
	hangup(f, AT(10000), &d, false, 2);
	dialog_tick(&f->d, AT(10020) + GRACE);
	assert_int_equal(done_of(f, d.call_id)->forked_answers, 1);
	assert_int_equal(done_of(f, d.call_id)->result, RESULT_COMPLETED);
}

/*
 * A second fork's 2xx counts also when it comes after the ACK of the first
 * (the UAC ACKs the first at once; a fork answers a moment later).  Only
 * answers to the caller's INVITE are forks: the caller's 200 to a callee's
 * re-INVITE carries the caller's tag and is not one (test_reinvite_by_callee).
 */
static void test_fork_answer_after_ack(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("fork-2@10.0.0.1");
	struct sipm_dlg d2 = DLG("fork-2@10.0.0.1");

	d2.callee_tag = "b2";
	d2.callee_host = "10.0.0.3";
	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	answer(f, AT(3000), &d, 200, 1, BR1, sdp_b(6000));
	ack(f, AT(3050), &d, 1, "z9hG4bK-ack1");
	answer(f, AT(4000), &d2, 200, 1, BR1, sdp_x("10.0.0.3", 7000, "0", ""));
	assert_int_equal(call_must(f, d.call_id)->forked_answers, 1);
}

static void test_early_media(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("early-1@10.0.0.1");
	const struct done *r;
	uint16_t seq;

	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
	answer(f, AT(500), &d, 183, 1, BR1, sdp_b(6000));
	assert_int_equal(state_of(f, d.call_id), CALL_PROCEEDING);
	assert_int_equal(call_must(f, d.call_id)->t_ringing, AT(500));
	assert_int_equal(call_must(f, d.call_id)->t_answer, 0);
	/* Learned before the 200: the ringback tone is counted. */
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
	assert_true(fake_dp_port_on(&f->fake, 6000));
	for (seq = 1; seq <= 50; seq++)
		assert_true(fake_dp_rtp(&f->fake, "10.0.0.2", 6000, "10.0.0.1", 40000, 0xe0e0,
					seq, seq * 160, 0, AT(600) + seq * 20 * MS));
	dialog_tick(&f->d, AT(2000));
	assert_non_null(call_must(f, d.call_id)->media.streams);
	answer(f, AT(3000), &d, 200, 1, BR1, sdp_b(6000));
	ack(f, AT(3050), &d, 1, "z9hG4bK-ack1");
	hangup(f, AT(10000), &d, false, 2);
	dialog_tick(&f->d, AT(10020) + GRACE);
	r = done_of(f, d.call_id);
	assert_int_equal(r->nstreams, 1);
	assert_int_equal(r->packets[0], 50);
	assert_true(r->first_ns[0] < r->t_answer);	/* early media */
	assert_int_equal(r->t_ringing - r->t_invite, 500 * MS);
}

static void test_multipart_sdp(void **state)
{
	static const char isup[] = "\x01\x10\x49\x20\x03\x02\x07";	/* an IAM's first bytes, no NUL */
	struct fx *f = *state;
	struct sipm_dlg d = DLG("multipart-1@10.0.0.1");
	char body[2048];

	snprintf(body, sizeof(body),
		 "--unique-boundary-1\r\n"
		 "Content-Type: application/sdp\r\n"
		 "\r\n"
		 "%s"
		 "\r\n--unique-boundary-1\r\n"
		 "Content-Type: application/ISUP;version=itu-t92+\r\n"
		 "Content-Disposition: signal;handling=optional\r\n"
		 "\r\n"
		 "%s\r\n"
		 "--unique-boundary-1--\r\n",
		 sdp_x("10.0.0.1", 40040, "8", "a=rtpmap:8 PCMA/8000\r\n"), isup);
	req(f, AT(0), &d, "INVITE", false, false, 1, BR1, "multipart/mixed;boundary=unique-boundary-1", body);
	assert_int_equal(f->d.st.sdp_errors, 0);
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40040));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40041));
	assert_int_equal(fake_dp_endpoint(&f->fake, "10.0.0.1", 40040)->clock_code[8], CLK_8000);
	assert_int_equal(call_must(f, d.call_id)->media.nep, 2);
}

static void test_sdp_error(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("badsdp-1@10.0.0.1");

	invite(f, AT(0), &d, 1, BR1, "this is no SDP\r\nm=audio 40000 RTP/AVP 0\r\n");
	assert_int_equal(f->d.st.sdp_errors, 1);
	assert_int_equal(state_of(f, d.call_id), CALL_INVITING);
	assert_int_equal(call_must(f, d.call_id)->media.nep, 0);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 0);
	/* A bad m= port in an answer, too. */
	answer(f, AT(3000), &d, 200, 1, BR1, "v=0\r\nc=IN IP4 10.0.0.2\r\nm=audio 99999 RTP/AVP 0\r\n");
	assert_int_equal(f->d.st.sdp_errors, 2);
	assert_int_equal(state_of(f, d.call_id), CALL_ANSWERED);
	assert_int_equal(f->d.st.parse_errors, 0);
}

static void test_not_sip(void **state)
{
	static const char rtp[] = "\x80\x00\x12\x34\x00\x00\x00\xa0\xde\xad\xbe\xef\xff\xff";
	static const char text[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct fx *f = *state;

	feed(f, AT(0), rtp, sizeof(rtp) - 1, false);
	feed(f, AT(1), text, sizeof(text) - 1, false);
	assert_int_equal(f->d.st.not_sip, 2);
	assert_int_equal(f->d.st.parse_errors, 0);
	assert_int_equal(f->d.nr_calls, 0);
	assert_int_equal(f->d.now, AT(1));
}

static void test_parse_error(void **state)
{
	/* Frames as SIP, but has no Call-ID. */
	static const char no_callid[] =
		"INVITE sip:bob@10.0.0.2:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-x\r\n"
		"From: <sip:alice@10.0.0.1>;tag=a1\r\n"
		"To: <sip:bob@10.0.0.2>\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	/* A CSeq that is no number. */
	static const char bad_cseq[] =
		"BYE sip:bob@10.0.0.2:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-y\r\n"
		"From: <sip:alice@10.0.0.1>;tag=a1\r\n"
		"To: <sip:bob@10.0.0.2>;tag=b1\r\n"
		"Call-ID: parse-1@10.0.0.1\r\n"
		"CSeq: one BYE\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	struct fx *f = *state;

	feed(f, AT(0), no_callid, sizeof(no_callid) - 1, false);
	feed(f, AT(1), bad_cseq, sizeof(bad_cseq) - 1, false);
	assert_int_equal(f->d.st.parse_errors, 2);
	assert_int_equal(f->d.st.not_sip, 0);
	assert_int_equal(f->d.st.requests[SIP_M_INVITE], 0);
	assert_int_equal(f->d.nr_calls, 0);
}

static void test_unknown_call_not_invite(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("unknown-1@10.0.0.1");

	req(f, AT(0), &d, "BYE", false, true, 2, "z9hG4bK-bye", NULL, NULL);
	rsp(f, AT(10), &d, 200, true, 2, "BYE", "z9hG4bK-bye", NULL);
	req(f, AT(20), &d, "ACK", false, true, 1, "z9hG4bK-ack", NULL, NULL);
	req(f, AT(30), &d, "CANCEL", false, false, 1, BR1, NULL, NULL);
	req(f, AT(40), &d, "OPTIONS", false, false, 1, "z9hG4bK-opt", NULL, NULL);
	req(f, AT(50), &d, "UPDATE", false, true, 3, "z9hG4bK-upd", NULL, sdp_a(40000));
	answer(f, AT(60), &d, 200, 1, BR1, sdp_b(6000));
	assert_int_equal(f->d.nr_calls, 0);
	assert_null(f->d.by_id);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 0);
	assert_int_equal(f->fake.nlog, 0);
	/* Counted all the same. */
	assert_int_equal(f->d.st.requests[SIP_M_BYE], 1);
	assert_int_equal(f->d.st.requests[SIP_M_OPTIONS], 1);
	assert_int_equal(f->d.st.responses[SIP_M_BYE][200], 1);
	assert_int_equal(f->d.st.responses[SIP_M_INVITE][200], 1);
	assert_int_equal(f->d.st.sdp_errors, 0);
}

/* ---- timeouts ---- */

static void test_setup_timeout(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("setup-to@10.0.0.1");
	const struct done *r;

	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	answer(f, AT(10), &d, 100, 1, BR1, NULL);
	/* Each provisional answer restarts the wait (RFC 3261 Timer C). */
	answer(f, AT(100000), &d, 180, 1, BR1, NULL);
	dialog_tick(&f->d, AT(10) + SETUP_TO + 1);
	assert_int_equal(state_of(f, d.call_id), CALL_PROCEEDING);
	dialog_tick(&f->d, AT(100000) + SETUP_TO);
	assert_int_equal(state_of(f, d.call_id), CALL_PROCEEDING);
	dialog_tick(&f->d, AT(100000) + SETUP_TO + 1);
	assert_int_equal(state_of(f, d.call_id), CALL_ENDED);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_TIMED_OUT);
	assert_int_equal(call_must(f, d.call_id)->t_end, AT(100000));	/* when last heard */
	assert_int_equal(f->ndone, 0);
	dialog_tick(&f->d, AT(100000) + SETUP_TO + 1 + GRACE);
	r = done_of(f, d.call_id);
	assert_int_equal(r->result, RESULT_TIMED_OUT);
	assert_int_equal(r->final_status, 0);
	assert_int_equal(r->t_answer, 0);
	assert_int_equal(f->d.st.calls_total[RESULT_TIMED_OUT], 1);
}

static void test_rtp_timeout_silent(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("rtp-to-1@10.0.0.1");

	call_up(f, AT(0), &d, 40000, 6000);
	dialog_tick(&f->d, AT(3050) + RTP_TO);
	assert_int_equal(state_of(f, d.call_id), CALL_CONFIRMED);
	dialog_tick(&f->d, AT(3050) + RTP_TO + 1);
	assert_int_equal(state_of(f, d.call_id), CALL_ENDED);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_TIMED_OUT);
	assert_int_equal(call_must(f, d.call_id)->t_end, AT(3050));
	dialog_tick(&f->d, AT(3050) + RTP_TO + 1 + GRACE);
	assert_int_equal(done_of(f, d.call_id)->result, RESULT_TIMED_OUT);
	assert_int_equal(done_of(f, d.call_id)->final_status, 200);
	assert_int_equal(done_of(f, d.call_id)->hangup, SIDE_UNKNOWN);
}

/* RTP keeps an answered call alive; it times out from its last packet. */
static void test_rtp_timeout_after_media(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("rtp-to-2@10.0.0.1");

	call_up(f, AT(0), &d, 40000, 6000);
	assert_true(fake_dp_rtp(&f->fake, "10.0.0.2", 6000, "10.0.0.1", 40000, 0x77, 1, 160, 0, AT(5000)));
	assert_true(fake_dp_rtp(&f->fake, "10.0.0.2", 6000, "10.0.0.1", 40000, 0x77, 2, 320, 0, AT(5020)));
	dialog_tick(&f->d, AT(6000));
	assert_true(fake_dp_rtp(&f->fake, "10.0.0.2", 6000, "10.0.0.1", 40000, 0x77, 3, 480, 0, AT(100000)));
	dialog_tick(&f->d, AT(3050) + RTP_TO + 1);
	assert_int_equal(state_of(f, d.call_id), CALL_CONFIRMED);
	dialog_tick(&f->d, AT(100000) + RTP_TO);
	assert_int_equal(state_of(f, d.call_id), CALL_CONFIRMED);
	dialog_tick(&f->d, AT(100000) + RTP_TO + 1);
	assert_int_equal(state_of(f, d.call_id), CALL_ENDED);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_TIMED_OUT);
	assert_int_equal(call_must(f, d.call_id)->t_end, AT(100000));
	dialog_tick(&f->d, AT(100000) + RTP_TO + 1 + GRACE);
	assert_int_equal(done_of(f, d.call_id)->nstreams, 1);
	assert_int_equal(done_of(f, d.call_id)->packets[0], 3);
}

static void test_max_duration(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("maxdur-1@10.0.0.1");
	uint64_t limit = AT(3000) + 60 * SEC;

	f->d.cfg.max_duration_ns = 60 * SEC;
	call_up(f, AT(0), &d, 40000, 6000);
	dialog_tick(&f->d, limit);
	assert_int_equal(state_of(f, d.call_id), CALL_CONFIRMED);
	dialog_tick(&f->d, limit + 1);
	assert_int_equal(state_of(f, d.call_id), CALL_ENDED);
	assert_int_equal(call_must(f, d.call_id)->result, RESULT_TIMED_OUT);
	assert_int_equal(call_must(f, d.call_id)->t_end, limit + 1);
	dialog_tick(&f->d, limit + 1 + GRACE);
	assert_int_equal(done_of(f, d.call_id)->result, RESULT_TIMED_OUT);
	assert_int_equal(done_of(f, d.call_id)->t_end - done_of(f, d.call_id)->t_answer, 60 * SEC + 1);
}

/* ---- a full table ---- */

static void test_eviction(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg c1 = DLG("evict-1@10.0.0.1"), c2 = DLG("evict-2@10.0.0.1");
	struct sipm_dlg c3 = DLG("evict-3@10.0.0.1"), c4 = DLG("evict-4@10.0.0.1");

	f->d.cfg.max_calls = 2;
	invite(f, AT(0), &c1, 1, BR1, sdp_a(40000));
	invite(f, AT(1000), &c2, 1, BR1, sdp_a(40002));
	answer(f, AT(2000), &c1, 180, 1, BR1, NULL);	/* c1 heard from more recently */
	invite(f, AT(3000), &c3, 1, BR1, sdp_a(40004));
	assert_int_equal(f->d.nr_calls, 2);
	assert_null(call_get(f, c2.call_id));
	assert_non_null(call_get(f, c1.call_id));
	assert_non_null(call_get(f, c3.call_id));
	assert_int_equal(f->ndone, 1);
	assert_int_equal(done_of(f, c2.call_id)->result, RESULT_EVICTED);
	assert_int_equal(done_of(f, c2.call_id)->t_end, AT(3000));
	assert_string_equal(call_result_name(RESULT_EVICTED), "evicted");
	assert_int_equal(f->d.st.calls_total[RESULT_EVICTED], 1);
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40002));
	assert_non_null(fake_dp_endpoint(&f->fake, "10.0.0.1", 40000));
	/* c1 ends and waits out its grace period: it goes first, as what it is. */
	answer(f, AT(4000), &c1, 200, 1, BR1, sdp_b(6000));
	ack(f, AT(4050), &c1, 1, "z9hG4bK-ack1");
	hangup(f, AT(5000), &c1, false, 2);
	invite(f, AT(5500), &c4, 1, BR1, sdp_a(40006));
	assert_int_equal(f->ndone, 2);
	assert_int_equal(done_of(f, c1.call_id)->result, RESULT_COMPLETED);
	assert_non_null(call_get(f, c3.call_id));
	assert_non_null(call_get(f, c4.call_id));
	assert_int_equal(f->d.st.calls_total[RESULT_EVICTED], 1);
	assert_int_equal(f->d.st.calls_total[RESULT_COMPLETED], 1);
	assert_int_equal(f->d.st.calls_dropped, 0);
	assert_null(fake_dp_endpoint(&f->fake, "10.0.0.2", 6000));
}

static void test_table_full_dropped(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = DLG("dropped-1@10.0.0.1");

	f->d.cfg.max_calls = 0;
	invite(f, AT(0), &d, 1, BR1, sdp_a(40000));
	assert_int_equal(f->d.st.calls_dropped, 1);
	assert_int_equal(f->d.nr_calls, 0);
	assert_int_equal(fake_dp_nr_endpoints(&f->fake), 0);
}

/* ---- exit ---- */

static void test_finish(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg c1 = DLG("finish-1@10.0.0.1"), c2 = DLG("finish-2@10.0.0.1");
	struct sipm_dlg c3 = DLG("finish-3@10.0.0.1");

	call_up(f, AT(0), &c1, 40000, 6000);
	call_up(f, AT(100), &c2, 40002, 6002);
	hangup(f, AT(10000), &c2, true, 1);
	invite(f, AT(11000), &c3, 1, BR1, sdp_a(40004));
	assert_int_equal(dialog_nr_active(&f->d), 2);
	dialog_finish(&f->d);
	assert_int_equal(f->ndone, 3);
	assert_int_equal(done_of(f, c1.call_id)->result, RESULT_ACTIVE);
	assert_int_equal(done_of(f, c1.call_id)->state, CALL_CONFIRMED);
	assert_int_equal(done_of(f, c1.call_id)->final_status, 200);
	assert_int_equal(done_of(f, c2.call_id)->result, RESULT_COMPLETED);
	assert_int_equal(done_of(f, c2.call_id)->hangup, SIDE_CALLEE);
	assert_int_equal(done_of(f, c3.call_id)->result, RESULT_ACTIVE);
	assert_int_equal(done_of(f, c3.call_id)->state, CALL_INVITING);
	assert_string_equal(call_state_label(RESULT_ACTIVE), "active");
	assert_int_equal(f->d.st.calls_total[RESULT_COMPLETED], 1);
	assert_int_equal(f->d.st.calls_total[RESULT_ACTIVE], 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_basic_call_states),
		T(test_basic_call_record),
		T(test_hangup_by_callee),
		T(test_failure_codes),
		T(test_cancel_487),
		T(test_487_without_cancel),
		T(test_cancel_state),
		T(test_auth_retry_same_call),
		T(test_late_response_unmatched),
		T(test_407_not_retried_waits_setup_timeout),
		T(test_reinvite_new_media),
		T(test_reinvite_retransmission_counted_once),
		T(test_reinvite_by_callee_own_cseq),
		T(test_reinvite_by_callee),
		T(test_update_with_sdp),
		T(test_hold_sendonly),
		T(test_hold_inactive),
		T(test_hold_zero_address),
		T(test_hold_session_level_by_callee),
		T(test_forked_answers),
		T(test_fork_answer_after_ack),
		T(test_early_media),
		T(test_multipart_sdp),
		T(test_sdp_error),
		T(test_not_sip),
		T(test_parse_error),
		T(test_unknown_call_not_invite),
		T(test_setup_timeout),
		T(test_rtp_timeout_silent),
		T(test_rtp_timeout_after_media),
		T(test_max_duration),
		T(test_eviction),
		T(test_table_full_dropped),
		T(test_finish),
	};
#undef T

	log_set_level(LOG_ERROR);	/* the eviction and other warnings are expected here */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
