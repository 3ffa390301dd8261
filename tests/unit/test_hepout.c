// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/hepout.c, the whole HEP path but the kernel: SIP fed
 * to the dialogs (over the in-memory data plane of fake_dp.c), RTP counted
 * there, RTCP to the media layer, the call written out; the messages go
 * through hepsend.c to a UDP socket of this test and are read back with
 * hep.c's walker and jansson.  Checked: every SIP message once, its bytes,
 * addresses, time (event clock + the records' Unix offset) and Call-ID;
 * RTCP with the call's Call-ID; each stream's periodic reports while the
 * call is up, none after; the final report of each stream with the very
 * packets, loss and jitter its call record has; the MOS chunk; a
 * backslash in a Call-ID sent as it was, not as the record prints it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "dialog.h"
#include "fake_dp.h"
#include "hep.h"
#include "hepout.h"
#include "hepsend.h"
#include "media.h"
#include "record.h"
#include "rtp_stats.h"
#include "sipmsg.h"
#include "util.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define T0 (1000 * SEC)
#define AT(ms) (T0 + (uint64_t)(ms) * MS)
#define OFFSET (1700000000LL * (int64_t)SEC)	/* event clock + OFFSET = Unix time */
#define MAXMSG 256

struct got {
	uint8_t type, ip_proto;
	char src[64], dst[64];
	uint16_t sport, dport;
	uint32_t sec, usec, capture_id;
	char *payload, *corr, *auth, *node;
	size_t payload_len, corr_len;
	int mos;			/* -1: no MOS chunk */
	json_t *json;			/* types 5 and 34 */
};

struct fx {
	struct fake_dp fake;
	struct media m;
	struct dialogs d;
	struct hepsend *send;
	struct hepout hep;
	struct record_writer rec;
	char *rec_text;
	size_t rec_len;
	int rx;
	int nsip;
	struct { char *p; size_t len; uint64_t t; } sip[32];	/* what was fed */
	int ngot;
	struct got got[MAXMSG];
};

static void on_done(void *ctx, const struct call *call, uint64_t now)
{
	struct fx *f = ctx;

	hepout_call_done(&f->hep, call, now);
	record_write(&f->rec, call, now);
}

static void on_sip(void *ctx, const struct msg *msg, const struct sip_msg *m)
{
	struct fx *f = ctx;

	hepout_sip(&f->hep, msg, m);
}

static void on_rtcp(void *ctx, const struct msg *msg, const struct rtcp_packet *rp, const struct media_call *mc)
{
	struct fx *f = ctx;

	hepout_rtcp(&f->hep, msg, rp, mc ? call_of_media(mc) : NULL);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 2, 0 };
	socklen_t alen = sizeof(a);
	char name[64];
	const char *list[1] = { name };
	struct media_cfg mcfg = { .grace_ns = 2 * SEC, .orphan_timeout_ns = 10 * SEC, .unix_offset_ns = OFFSET,
				  .on_rtcp = on_rtcp };
	struct dialog_cfg dcfg = {
		.grace_ns = 2 * SEC, .setup_timeout_ns = 180 * SEC, .rtp_timeout_ns = 300 * SEC,
		.max_duration_ns = 14400 * SEC, .max_calls = 100, .pressure_timeout_ns = 32 * SEC,
		.on_done = on_done, .on_sip = on_sip,
	};
	struct hepout_cfg hcfg = { .capture_id = 2001, .auth = "pw", .node = "gw-1",
				   .report_interval_ns = 2 * SEC, .unix_offset_ns = OFFSET };
	bool bad;

	assert_non_null(f);
	f->rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(f->rx, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(f->rx, (struct sockaddr *)&a, &alen), 0);
	setsockopt(f->rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(name, sizeof(name), "127.0.0.1:%u", ntohs(a.sin_port));
	f->send = hepsend_new(list, 1, 1 << 20, false, &bad);
	assert_non_null(f->send);
	assert_int_equal(hepsend_start(f->send), 0);
	assert_int_equal(hepout_init(&f->hep, f->send, &hcfg), 0);
	f->rec.f = open_memstream(&f->rec_text, &f->rec_len);
	f->rec.unix_offset_ns = OFFSET;
	fake_dp_init(&f->fake);
	mcfg.ctx = f;
	assert_int_equal(media_init(&f->m, &f->fake.dp, &mcfg), 0);
	dcfg.ctx = f;
	dialog_init(&f->d, &f->m, &dcfg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int i;

	dialog_free(&f->d);
	media_free(&f->m);
	fake_dp_free(&f->fake);
	hepsend_free(f->send);
	hepout_free(&f->hep);
	fclose(f->rec.f);
	free(f->rec_text);
	for (i = 0; i < f->nsip; i++)
		free(f->sip[i].p);
	for (i = 0; i < f->ngot; i++) {
		free(f->got[i].payload);
		free(f->got[i].corr);
		free(f->got[i].auth);
		free(f->got[i].node);
		json_decref(f->got[i].json);
	}
	close(f->rx);
	free(f);
	return 0;
}

static char *dup_mem(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static void ip_of(char *buf, size_t n, const struct hep_chunk *c)
{
	assert_non_null(inet_ntop(c->len == 4 ? AF_INET : AF_INET6, c->val, buf, n));
}

/* Everything the sender has sent, as it has sent it: drained, then each datagram read and walked. */
static void collect(struct fx *f)
{
	struct hep_collector_stats s;
	uint8_t buf[HEP_MAX_LEN];
	int tries;

	for (tries = 0; tries < 200; tries++) {
		hepsend_stats(f->send, &s, 1);
		if (!s.queued_bytes)
			break;
		usleep(10000);
	}
	for (;;) {
		ssize_t n = recv(f->rx, buf, sizeof(buf), MSG_DONTWAIT);
		struct got *g = &f->got[f->ngot];
		struct hep_chunk c;
		size_t off = 0;
		int rc;

		if (n < 0) {
			usleep(20000);
			n = recv(f->rx, buf, sizeof(buf), MSG_DONTWAIT);
			if (n < 0)
				break;
		}
		assert_true(f->ngot < MAXMSG);
		memset(g, 0, sizeof(*g));
		g->mos = -1;
		while ((rc = hep_next_chunk(buf, n, &off, &c)) == 1) {
			switch (c.type) {
			case HEP_CHUNK_PROTO_TYPE: g->type = c.val[0]; break;
			case HEP_CHUNK_IP_PROTO: g->ip_proto = c.val[0]; break;
			case HEP_CHUNK_SRC_IP4: case HEP_CHUNK_SRC_IP6: ip_of(g->src, sizeof(g->src), &c); break;
			case HEP_CHUNK_DST_IP4: case HEP_CHUNK_DST_IP6: ip_of(g->dst, sizeof(g->dst), &c); break;
			case HEP_CHUNK_SRC_PORT: g->sport = get_be16(c.val); break;
			case HEP_CHUNK_DST_PORT: g->dport = get_be16(c.val); break;
			case HEP_CHUNK_TIME_SEC: g->sec = get_be32(c.val); break;
			case HEP_CHUNK_TIME_USEC: g->usec = get_be32(c.val); break;
			case HEP_CHUNK_CAPTURE_ID: g->capture_id = get_be32(c.val); break;
			case HEP_CHUNK_AUTH_KEY: g->auth = dup_mem(c.val, c.len); break;
			case HEP_CHUNK_NODE_NAME: g->node = dup_mem(c.val, c.len); break;
			case HEP_CHUNK_MOS: g->mos = get_be16(c.val); break;
			case HEP_CHUNK_PAYLOAD:
				g->payload = dup_mem(c.val, c.len);
				g->payload_len = c.len;
				break;
			case HEP_CHUNK_CORRELATION:
				g->corr = dup_mem(c.val, c.len);
				g->corr_len = c.len;
				break;
			}
		}
		assert_int_equal(rc, 0);
		assert_string_equal(g->auth, "pw");
		assert_string_equal(g->node, "gw-1");
		assert_int_equal(g->capture_id, 2001);
		if (g->type != HEP_PROTO_SIP) {
			json_error_t err;

			g->json = json_loadb(g->payload, g->payload_len, 0, &err);
			assert_non_null(g->json);
		}
		f->ngot++;
	}
}

static void feed(struct fx *f, uint64_t t, const char *text, int len, bool by_callee)
{
	struct msg msg = { .ts_ns = t, .kind = MSG_SIP, .proto = IPPROTO_UDP, .sport = 5060, .dport = 5060, .len = len };
	char *p = malloc(len);

	assert_true(len > 0 && f->nsip < 32);
	memcpy(p, text, len);
	msg.payload = p;
	fake_addr(&msg.src, by_callee ? "10.0.0.2" : "10.0.0.1");
	fake_addr(&msg.dst, by_callee ? "10.0.0.1" : "10.0.0.2");
	f->sip[f->nsip].p = p;
	f->sip[f->nsip].len = len;
	f->sip[f->nsip++].t = t;
	dialog_on_msg(&f->d, &msg);
}

static void request(struct fx *f, uint64_t t, const struct sipm_dlg *d, const char *method, bool by_callee,
		    bool in_dialog, uint32_t cseq, const char *body)
{
	char buf[SIPM_MAX];

	feed(f, t, buf, sipm_request(buf, sizeof(buf), d, method, by_callee, in_dialog, cseq, "z9hG4bK-x", NULL, body),
	     by_callee);
}

static void response(struct fx *f, uint64_t t, const struct sipm_dlg *d, int code, uint32_t cseq,
		     const char *method, const char *body)
{
	char buf[SIPM_MAX];

	feed(f, t, buf, sipm_response(buf, sizeof(buf), d, code, true, cseq, method, "z9hG4bK-x", NULL, body), true);
}

static const char *sdp(char *buf, size_t n, const char *addr, unsigned int port)
{
	assert_true(sipm_sdp(buf, n, addr, port, "8", "a=rtpmap:8 PCMA/8000\r\n") < (int)n);
	return buf;
}

/* An RR from sender about ssrc, one block. */
static size_t rtcp_rr(uint8_t *p, uint32_t sender, uint32_t ssrc)
{
	memset(p, 0, 32);
	p[0] = 0x81;
	p[1] = 201;
	p[3] = 7;
	p[4] = sender >> 24, p[5] = sender >> 16, p[6] = sender >> 8, p[7] = sender;
	p[8] = ssrc >> 24, p[9] = ssrc >> 16, p[10] = ssrc >> 8, p[11] = ssrc;
	p[15] = 5;		/* cumulative lost 5 */
	return 32;
}

/*
 * A 20 s call with a stream each way (alice's loses packets 10 and 20),
 * ticks every second, an RR from bob; then BYE and the grace period.
 */
static void a_call(struct fx *f, const struct sipm_dlg *d)
{
	char s1[1024], s2[1024];
	uint8_t rr[32];
	uint16_t seq;
	uint64_t t;
	struct msg m;

	request(f, AT(0), d, "INVITE", false, false, 1, sdp(s1, sizeof(s1), "10.0.0.1", 40000));
	response(f, AT(100), d, 180, 1, "INVITE", NULL);
	response(f, AT(500), d, 200, 1, "INVITE", sdp(s2, sizeof(s2), "10.0.0.2", 6000));
	request(f, AT(520), d, "ACK", false, true, 1, NULL);
	for (t = AT(1000); t <= AT(20000); t += SEC) {
		for (seq = (t - AT(1000)) / (20 * MS) + 1; seq <= (t - AT(1000)) / (20 * MS) + 50; seq++) {
			uint64_t at = AT(1000) + (uint64_t)(seq - 1) * 20 * MS + (seq % 3) * 100000;

			if (seq != 10 && seq != 20)
				fake_dp_rtp(&f->fake, "10.0.0.1", 40000, "10.0.0.2", 6000, 0xa1a1, seq, seq * 160, 8, at);
			fake_dp_rtp(&f->fake, "10.0.0.2", 6000, "10.0.0.1", 40000, 0xb2b2, seq, seq * 160, 8, at + MS);
		}
		if (t == AT(6000)) {
			m = (struct msg){ .ts_ns = t, .kind = MSG_RTCP, .sport = 6001, .dport = 40001, .payload = (char *)rr,
					  .len = rtcp_rr(rr, 0xb2b2, 0xa1a1) };
			fake_addr(&m.src, "10.0.0.2");
			fake_addr(&m.dst, "10.0.0.1");
			dialog_on_msg(&f->d, &m);
		}
		dialog_tick(&f->d, t);
		hepout_periodic(&f->hep, &f->d, t);
	}
	request(f, AT(21000), d, "BYE", false, true, 2, NULL);
	response(f, AT(21020), d, 200, 2, "BYE", NULL);
	for (t = AT(22000); t <= AT(25000); t += SEC) {
		dialog_tick(&f->d, t);
		hepout_periodic(&f->hep, &f->d, t);
	}
	fflush(f->rec.f);
}

/* The record's stream of ssrc ("0x%08x"). */
static json_t *record_stream(struct fx *f, const char *ssrc)
{
	json_error_t err;
	json_t *rec = json_loadb(f->rec_text, f->rec_len, JSON_DISABLE_EOF_CHECK, &err), *s;
	size_t i;

	assert_non_null(rec);
	json_array_foreach(json_object_get(rec, "streams"), i, s) {
		if (!strcmp(json_string_value(json_object_get(s, "ssrc")), ssrc)) {
			json_incref(s);
			json_decref(rec);
			return s;
		}
	}
	fail_msg("no stream %s in the record", ssrc);
	return NULL;
}

static void test_call(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = { .call_id = "call-1@10.0.0.1", .caller_tag = "a1", .callee_tag = "b1" };
	int i, nsip = 0, nrtcp = 0, periodic[2] = { 0, 0 }, final[2] = { 0, 0 };

	a_call(f, &d);
	collect(f);
	for (i = 0; i < f->ngot; i++) {
		struct got *g = &f->got[i];

		if (g->type == HEP_PROTO_SIP) {
			/* In order, the bytes fed, at the time fed, with the Call-ID. */
			uint64_t unix_ns = f->sip[nsip].t + OFFSET;

			assert_true(nsip < f->nsip);
			assert_int_equal(g->payload_len, f->sip[nsip].len);
			assert_memory_equal(g->payload, f->sip[nsip].p, g->payload_len);
			assert_int_equal(g->sec, unix_ns / SEC);
			assert_int_equal(g->usec, unix_ns % SEC / 1000);
			assert_int_equal(g->ip_proto, IPPROTO_UDP);
			assert_string_equal(g->corr, d.call_id);
			nsip++;
		} else if (g->type == HEP_PROTO_RTCP) {
			assert_string_equal(g->corr, d.call_id);
			assert_string_equal(g->src, "10.0.0.2");
			assert_int_equal(g->dport, 40001);
			assert_int_equal(json_integer_value(json_object_get(g->json, "ssrc")), 0xb2b2);
			assert_int_equal(json_integer_value(json_object_get(json_array_get(
				json_object_get(g->json, "report_blocks"), 0), "packets_lost")), 5);
			nrtcp++;
		} else {
			const char *type = json_string_value(json_object_get(g->json, "TYPE"));
			const char *ssrc = json_string_value(json_object_get(g->json, "SSRC"));
			int k = !strcmp(ssrc, "0x0000b2b2");
			double report_ts = json_real_value(json_object_get(g->json, "REPORT_TS"));

			assert_int_equal(g->type, HEP_PROTO_RTPAGENT);
			assert_string_equal(g->corr, d.call_id);
			assert_string_equal(json_string_value(json_object_get(g->json, "CORRELATION_ID")), d.call_id);
			assert_string_equal(json_string_value(json_object_get(g->json, "CODEC_NAME")), "PCMA");
			assert_int_equal(json_integer_value(json_object_get(g->json, "DIR")), k);
			/* The MOS chunk is the JSON's MOS, x 100. */
			assert_int_equal(g->mos, (int)(json_real_value(json_object_get(g->json, "MOS")) * 100 + 0.5));
			assert_true(report_ts == g->sec + g->usec / 1e6);
			if (!strcmp(type, "PERIODIC")) {
				/* Only while the call is up (BYE at 21 s). */
				assert_true((uint64_t)g->sec * SEC + g->usec * 1000ULL < AT(21000) + OFFSET);
				periodic[k]++;
			} else {
				json_t *r = record_stream(f, ssrc);

				assert_string_equal(type, "FINAL");
				/* The record's own figures. */
				assert_int_equal(json_integer_value(json_object_get(g->json, "TOTAL_PK")),
						 json_integer_value(json_object_get(r, "packets")));
				assert_int_equal(json_integer_value(json_object_get(g->json, "PACKET_LOSS")),
						 json_integer_value(json_object_get(r, "lost")));
				assert_true(json_real_value(json_object_get(g->json, "JITTER")) ==
					    json_real_value(json_object_get(r, "jitter_ms")));
				assert_true(json_real_value(json_object_get(g->json, "MAX_JITTER")) ==
					    json_real_value(json_object_get(r, "max_jitter_ms")));
				assert_true(json_real_value(json_object_get(g->json, "MOS")) ==
					    json_real_value(json_object_get(r, "mos")));
				assert_int_equal(json_integer_value(json_object_get(g->json, "PACKET_LOSS")), k ? 0 : 2);
				assert_int_equal(json_integer_value(json_object_get(g->json, "EXPECTED_PK")) -
						 json_integer_value(json_object_get(g->json, "TOTAL_PK")), k ? 0 : 2);
				json_decref(r);
				final[k]++;
			}
		}
	}
	assert_int_equal(nsip, f->nsip);
	assert_int_equal(nsip, 6);
	assert_int_equal(nrtcp, 1);
	/* Every 2 s from the INVITE, once the stream is read (1 s): 2, 4, ... 20 s. */
	assert_int_equal(periodic[0], 10);
	assert_int_equal(periodic[1], 10);
	assert_int_equal(final[0], 1);
	assert_int_equal(final[1], 1);
	assert_int_equal(f->hep.made[HEPOUT_SIP], 6);
	assert_int_equal(f->hep.made[HEPOUT_RTCP], 1);
	assert_int_equal(f->hep.made[HEPOUT_REPORT], 22);
}

/* A backslash is legal in a Call-ID: the correlation ID is the Call-ID as sent, not as the record prints it. */
static void test_wire_call_id(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = { .call_id = "a\\b\"c@10.0.0.1", .caller_tag = "a1", .callee_tag = "b1" };
	int i, reports = 0;

	a_call(f, &d);
	collect(f);
	assert_non_null(strstr(f->rec_text, "\"call_id\":\"a\\\\\\\\b\\\"c@10.0.0.1\""));
	for (i = 0; i < f->ngot; i++) {
		struct got *g = &f->got[i];

		assert_string_equal(g->corr, d.call_id);
		if (g->type == HEP_PROTO_RTPAGENT) {
			assert_string_equal(json_string_value(json_object_get(g->json, "CORRELATION_ID")), d.call_id);
			reports++;
		}
	}
	assert_int_equal(reports, 22);
}

/* No interval: only the final reports. */
static void test_final_only(void **state)
{
	struct fx *f = *state;
	struct sipm_dlg d = { .call_id = "call-2@10.0.0.1", .caller_tag = "a1", .callee_tag = "b1" };

	f->hep.cfg.report_interval_ns = 0;
	a_call(f, &d);
	collect(f);
	assert_int_equal(f->hep.made[HEPOUT_REPORT], 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wire_call_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_final_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
