// SPDX-License-Identifier: GPL-2.0
/* hepout.c - SIP, RTCP and quality reports as HEP messages (hepout.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hep.h"
#include "hepjson.h"
#include "hepout.h"
#include "log.h"
#include "quality.h"
#include "rtp_stats.h"

const char *const hepout_kind_names[HEPOUT_NR] = {
	[HEPOUT_SIP] = "sip", [HEPOUT_RTCP] = "rtcp", [HEPOUT_REPORT] = "report",
};

int hepout_init(struct hepout *h, struct hepsend *send, const struct hepout_cfg *cfg)
{
	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;
	if (!send)
		return 0;
	h->buf = malloc(HEP_MAX_LEN);
	if (!h->buf)
		return -ENOMEM;
	h->send = send;
	return 0;
}

void hepout_free(struct hepout *h)
{
	free(h->buf);
	h->buf = NULL;
	h->send = NULL;
}

/* The header every message of ours shares: agent ID, key, node name, time. */
static struct hep_msg msg_base(const struct hepout *h, uint8_t type, uint64_t event_ns)
{
	return (struct hep_msg){
		.proto_type = type,
		.ip_proto = IPPROTO_UDP,
		.unix_ns = (uint64_t)((int64_t)event_ns + h->cfg.unix_offset_ns),
		.capture_id = h->cfg.capture_id,
		.auth = h->cfg.auth, .auth_len = h->cfg.auth ? strlen(h->cfg.auth) : 0,
		.node = h->cfg.node, .node_len = h->cfg.node ? strlen(h->cfg.node) : 0,
	};
}

/* Encode and queue; 0, or -EMSGSIZE (nothing counted: the caller may try a smaller form). */
static int emit(struct hepout *h, const struct hep_msg *m, enum hepout_kind kind)
{
	int n = hep_encode(m, h->buf, HEP_MAX_LEN);

	if (n < 0)
		return n;
	hepsend_queue(h->send, h->buf, n);
	h->made[kind]++;
	return 0;
}

static void failed(struct hepout *h)
{
	h->failed++;
	hepsend_oversize(h->send);
}

void hepout_sip(struct hepout *h, const struct msg *msg, const struct sip_msg *m)
{
	struct hep_msg hm;

	if (!h->send)
		return;
	hm = msg_base(h, HEP_PROTO_SIP, msg->ts_ns);
	hm.src = msg->src;
	hm.dst = msg->dst;
	hm.sport = msg->sport;
	hm.dport = msg->dport;
	hm.ip_proto = msg->proto ? msg->proto : IPPROTO_UDP;
	hm.payload = msg->payload;
	hm.payload_len = msg->len;
	if (m) {
		hm.correlation = m->call_id.p;
		hm.correlation_len = m->call_id.len;
	}
	if (!emit(h, &hm, HEPOUT_SIP))
		return;
	/* Too long with its Call-ID twice: Homer reads the Call-ID from the SIP itself. */
	hm.correlation_len = 0;
	if (emit(h, &hm, HEPOUT_SIP))
		failed(h);
}

void hepout_rtcp(struct hepout *h, const struct msg *msg, const struct rtcp_packet *rp, const struct call *call)
{
	struct hep_msg hm;
	size_t len;
	char *json;

	if (!h->send)
		return;
	json = hepjson_rtcp(rp, &len);
	if (!json) {
		failed(h);
		return;
	}
	hm = msg_base(h, HEP_PROTO_RTCP, msg->ts_ns);
	hm.src = msg->src;
	hm.dst = msg->dst;
	hm.sport = msg->sport;
	hm.dport = msg->dport;
	hm.payload = json;
	hm.payload_len = len;
	if (call)
		hm.correlation = call_wire_id(call, &hm.correlation_len);
	if (emit(h, &hm, HEPOUT_RTCP))
		failed(h);
	free(json);
}

/* 0: the caller's side sends the stream (toward the callee's endpoint), 1: the callee's. */
static uint8_t stream_dir(const struct call *call, const struct stream_rec *s)
{
	const struct call_ep *e = media_call_ep(&call->media, &s->key.dst, s->key.dport);

	if (e && e->side != SIDE_UNKNOWN)
		return e->side == SIDE_CALLER;
	e = media_call_ep(&call->media, &s->key.src, s->key.sport);
	return e && e->side == SIDE_CALLEE;
}

/* One stream's report, with the figures its record has (quality.c, rtp_stats.h, the same rounding). */
static void report(struct hepout *h, const struct call *call, const struct stream_rec *s, uint64_t now, bool final)
{
	const struct stream_state *st = &s->st;
	struct stream_quality q;
	struct hep_report r;
	struct hep_msg hm;
	char codec[32];
	size_t len;
	char *json;

	quality_of(s, &call->media, &q);
	snprintf(codec, sizeof(codec), "%.*s", (int)strcspn(q.codec, "/"), q.codec);
	r = (struct hep_report){
		.call_id_printable = call->call_id,
		.unix_ns = (uint64_t)((int64_t)now + h->cfg.unix_offset_ns),
		.final = final,
		.src = s->key.src, .dst = s->key.dst,
		.sport = ntohs(s->key.sport), .dport = ntohs(s->key.dport),
		.ssrc = s->key.ssrc,
		.pt = st->pt,
		.codec = codec,
		.clock_rate = q.clock_rate,
		.dir = stream_dir(call, s),
		.packets = st->packets,
		.bytes = st->bytes,
		.lost = rtp_lost(st),
		.out_of_order = st->out_of_order,
		.jitter_ms = quality_round_ms(quality_jitter_ms(st->jitter_q4)),
		.max_jitter_ms = quality_round_ms(quality_jitter_ms(st->max_jitter_q4)),
		.mean_jitter_ms = quality_round_ms(quality_jitter_ms(rtp_mean_jitter_q4(st))),
		.delta_ms = st->packets > 1 ?
			quality_round_ms((double)(st->last_ns - st->first_ns) / 1e6 / (double)(st->packets - 1)) : 0,
		.max_delta_ms = quality_round_ms((double)st->max_delta_ns / 1e6),
		.has_mos = q.has_mos,
		.mos = round(q.mos * 100) / 100,
		.r_factor = round(q.r_factor * 10) / 10,
	};
	/* What was expected is what came and what did not: EXPECTED_PK - TOTAL_PK = PACKET_LOSS. */
	r.expected = (int64_t)r.packets + r.lost;
	r.call_id = call_wire_id(call, &r.call_id_len);
	json = hepjson_report(&r, &len);
	if (!json) {
		failed(h);
		return;
	}
	hm = msg_base(h, HEP_PROTO_RTPAGENT, now);
	hm.src = s->key.src;
	hm.dst = s->key.dst;
	hm.sport = r.sport;
	hm.dport = r.dport;
	hm.payload = json;
	hm.payload_len = len;
	hm.correlation = r.call_id;
	hm.correlation_len = r.call_id_len;
	hm.has_mos = q.has_mos;
	hm.mos = (uint16_t)lround(r.mos * 100);
	if (emit(h, &hm, HEPOUT_REPORT))
		failed(h);
	free(json);
}

/* Each stream that passed RFC 3550 probation: strays on a media port are no stream to report. */
static void report_call(struct hepout *h, const struct call *call, uint64_t now, bool final)
{
	const struct stream_rec *s;

	for (s = call->media.streams; s; s = s->owner_next)
		if (s->st.flags & STREAM_F_VALID)
			report(h, call, s, now, final);
}

void hepout_call_done(struct hepout *h, const struct call *call, uint64_t now)
{
	if (h->send)
		report_call(h, call, now, true);
}

struct periodic {
	struct hepout *h;
	uint64_t since, now;
};

static void periodic_one(void *ctx, const struct call *call)
{
	struct periodic *p = ctx;
	uint64_t iv = p->h->cfg.report_interval_ns, since = p->since > call->t_invite ? p->since : call->t_invite;

	if (call->state == CALL_ENDED || p->now <= call->t_invite)
		return;
	/* A multiple of the interval after its INVITE fell in (since, now]. */
	if ((p->now - call->t_invite) / iv > (since - call->t_invite) / iv)
		report_call(p->h, call, p->now, false);
}

void hepout_periodic(struct hepout *h, const struct dialogs *d, uint64_t now)
{
	struct periodic p = { .h = h, .since = h->last_periodic, .now = now };

	if (!h->send || !h->cfg.report_interval_ns || now <= h->last_periodic)
		return;
	dialog_foreach(d, periodic_one, &p);
	h->last_periodic = now;
}
