// SPDX-License-Identifier: GPL-2.0
/* reasm.c - SIP messages from perf events: UDP, IP fragments, TCP. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "ipfrag.h"
#include "log.h"
#include "reasm.h"
#include "tcpsip.h"

#define FRAG_MEM_LIMIT	(16u << 20)
#define FRAG_TIMEOUT_NS	(5ULL * 1000000000ULL)		/* IPv4 reassembly hold, as Linux's default 30 s is for hosts */
#define TCP_CONN_LIMIT	(256u << 10)
#define TCP_TOTAL_LIMIT	(64u << 20)
#define TCP_IDLE_NS	(600ULL * 1000000000ULL)
#define TCP_MAX_CONNS	16384

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

static int addrs_of(const struct sipxdp_meta *m, const uint8_t *frame, struct sipxdp_addr *src,
		    struct sipxdp_addr *dst)
{
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	if (m->family == 4) {
		if (m->l3_off + 20u > m->l4_off)
			return -EINVAL;
		src->a[10] = src->a[11] = 0xff;
		dst->a[10] = dst->a[11] = 0xff;
		memcpy(&src->a[12], frame + m->l3_off + 12, 4);
		memcpy(&dst->a[12], frame + m->l3_off + 16, 4);
		return 0;
	}
	if (m->family == 6) {
		if (m->l3_off + 40u > m->l4_off)
			return -EINVAL;
		memcpy(src->a, frame + m->l3_off + 8, 16);
		memcpy(dst->a, frame + m->l3_off + 24, 16);
		return 0;
	}
	return -EINVAL;
}

/* UDP header at l4 (l4_len bytes with payload) to a sip_pkt. */
static int udp_to_pkt(const uint8_t *l4, size_t l4_len, struct sip_pkt *pkt)
{
	uint16_t ulen;

	if (l4_len < 8)
		return -EINVAL;
	ulen = be16(l4 + 4);
	if (ulen < 8)
		return -EINVAL;
	pkt->sport = be16(l4);
	pkt->dport = be16(l4 + 2);
	/* The kernel checked the UDP length against the frame; a capture may be shorter. */
	pkt->payload = (const char *)l4 + 8;
	pkt->len = (ulen < l4_len ? ulen : l4_len) - 8;
	return 0;
}

int reasm_udp(const struct sipxdp_meta *m, const uint8_t *frame, struct sip_pkt *pkt)
{
	if (m->l4_proto != IPPROTO_UDP || m->l4_off + 8u > m->cap_len || m->payload_off > m->cap_len)
		return -EINVAL;
	memset(pkt, 0, sizeof(*pkt));
	if (addrs_of(m, frame, &pkt->src, &pkt->dst))
		return -EINVAL;
	pkt->ts_ns = m->ts_ns;
	return udp_to_pkt(frame + m->l4_off, m->cap_len - m->l4_off, pkt);
}

int reasm_init(struct reasm *r, reasm_msg_cb cb, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->cb = cb;
	r->ctx = ctx;
	r->frags = ipfrag_new(FRAG_MEM_LIMIT, FRAG_TIMEOUT_NS);
	r->tcp = tcpsip_new(TCP_CONN_LIMIT, TCP_TOTAL_LIMIT, TCP_IDLE_NS, TCP_MAX_CONNS);
	if (!r->frags || !r->tcp) {
		reasm_free(r);
		return -ENOMEM;
	}
	return 0;
}

static void on_tcp_msg(void *ctx, const struct tcpsip_flow *flow, const char *msg, size_t len,
		       uint64_t ts)
{
	struct reasm *r = ctx;
	struct sip_pkt pkt = {
		.ts_ns = ts, .src = flow->src, .dst = flow->dst,
		.sport = flow->sport, .dport = flow->dport, .payload = msg, .len = len,
	};

	r->cb(r->ctx, &pkt);
}

static void fragment(struct reasm *r, const struct sipxdp_meta *m, const uint8_t *frame)
{
	struct ipfrag_result res;
	struct sip_pkt pkt = { .ts_ns = m->ts_ns };
	int rc;

	rc = ipfrag_feed(r->frags, frame + m->l3_off, m->cap_len - m->l3_off, m->ts_ns, &res);
	if (rc != IPFRAG_COMPLETE && rc != IPFRAG_NOT_FRAGMENT)
		return;	/* held, or refused and counted by ipfrag */
	if (res.proto != IPPROTO_UDP) {
		r->st.fragments_not_udp++;
		return;
	}
	pkt.src = res.src;
	pkt.dst = res.dst;
	if (udp_to_pkt(res.l4, res.l4_len, &pkt)) {
		r->st.bad_events++;
		return;
	}
	r->cb(r->ctx, &pkt);
}

void reasm_event(struct reasm *r, const struct sipxdp_meta *m, const uint8_t *frame)
{
	struct sip_pkt pkt;

	/* kern.c checked that the offsets lie inside the captured bytes. */
	if (m->flags & SIPXDP_META_F_FRAG) {
		fragment(r, m, frame);
	} else if (m->l4_proto == IPPROTO_TCP) {
		struct tcpsip_flow flow;

		if (addrs_of(m, frame, &flow.src, &flow.dst) || m->l4_off + 20u > m->cap_len) {
			r->st.bad_events++;
			return;
		}
		flow.sport = be16(frame + m->l4_off);
		flow.dport = be16(frame + m->l4_off + 2);
		tcpsip_feed(r->tcp, &flow, frame + m->l4_off, m->cap_len - m->l4_off, m->ts_ns,
			    on_tcp_msg, r);
	} else if (!reasm_udp(m, frame, &pkt)) {
		if (m->flags & SIPXDP_META_F_RTCP)
			pkt.kind = PKT_RTCP;
		else if (m->flags & SIPXDP_META_F_DTMF)
			pkt.kind = PKT_DTMF;
		r->cb(r->ctx, &pkt);
	} else {
		r->st.bad_events++;
	}
}

void reasm_expire(struct reasm *r, uint64_t now_ns)
{
	ipfrag_expire(r->frags, now_ns);
	tcpsip_expire_cb(r->tcp, now_ns, on_tcp_msg, r);
}

void reasm_free(struct reasm *r)
{
	ipfrag_free(r->frags);
	tcpsip_free(r->tcp);
	r->frags = NULL;
	r->tcp = NULL;
}
