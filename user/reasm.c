// SPDX-License-Identifier: GPL-2.0
/* reasm.c - SIP messages from the kernel's events: UDP, IP fragments, TCP. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "ipfrag.h"
#include "log.h"
#include "reasm.h"
#include "tcpsip.h"
#include "util.h"

#define FRAG_MEM_LIMIT	(16u << 20)
#define FRAG_TIMEOUT_NS	(5ULL * 1000000000ULL)		/* IPv4 reassembly hold, as Linux's default 30 s is for hosts */
#define TCP_CONN_LIMIT	(256u << 10)
#define TCP_TOTAL_LIMIT	(64u << 20)
#define TCP_IDLE_NS	(600ULL * 1000000000ULL)
#define TCP_MAX_CONNS	16384

static int addrs_of(const struct sipxdp_meta *m, const uint8_t *frame, struct sipxdp_addr *src,
		    struct sipxdp_addr *dst)
{
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	if (m->family == 4) {
		if (m->l3_off + 20u > m->l4_off)
			return -EINVAL;
		addr_from_v4(src, frame + m->l3_off + 12);
		addr_from_v4(dst, frame + m->l3_off + 16);
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

/* UDP header at l4 (l4_len bytes with payload) to a msg. */
static int udp_to_msg(const uint8_t *l4, size_t l4_len, struct msg *msg)
{
	uint16_t ulen;

	if (l4_len < 8)
		return -EINVAL;
	ulen = get_be16(l4 + 4);
	if (ulen < 8)
		return -EINVAL;
	msg->sport = get_be16(l4);
	msg->dport = get_be16(l4 + 2);
	/* The kernel checked the UDP length against the frame; a capture may be shorter. */
	msg->payload = (const char *)l4 + 8;
	msg->len = (ulen < l4_len ? ulen : l4_len) - 8;
	return 0;
}

int reasm_udp(const struct sipxdp_meta *m, const uint8_t *frame, struct msg *msg)
{
	if (m->l4_proto != IPPROTO_UDP || m->l4_off + 8u > m->cap_len || m->payload_off > m->cap_len)
		return -EINVAL;
	memset(msg, 0, sizeof(*msg));
	if (addrs_of(m, frame, &msg->src, &msg->dst))
		return -EINVAL;
	msg->ts_ns = m->ts_ns;
	msg->proto = IPPROTO_UDP;
	return udp_to_msg(frame + m->l4_off, m->cap_len - m->l4_off, msg);
}

int reasm_init(struct reasm *r, msg_cb cb, void *ctx)
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

static void on_tcp_msg(void *ctx, const struct tcpsip_flow *flow, const char *data, size_t len,
		       uint64_t ts)
{
	struct reasm *r = ctx;
	struct msg msg = {
		.ts_ns = ts, .ifindex = r->ifindex, .proto = IPPROTO_TCP, .src = flow->src, .dst = flow->dst,
		.sport = flow->sport, .dport = flow->dport, .payload = data, .len = len,
	};

	r->cb(r->ctx, &msg);
}

static void fragment(struct reasm *r, const struct sipxdp_meta *m, const uint8_t *frame)
{
	struct ipfrag_result res;
	struct msg msg = { .ts_ns = m->ts_ns, .ifindex = m->ifindex, .proto = IPPROTO_UDP };
	int rc;

	rc = ipfrag_feed(r->frags, frame + m->l3_off, m->cap_len - m->l3_off, m->ts_ns, &res);
	if (rc != IPFRAG_COMPLETE && rc != IPFRAG_NOT_FRAGMENT)
		return;	/* held, or refused and counted by ipfrag */
	if (res.proto != IPPROTO_UDP) {
		r->st.fragments_not_udp++;
		return;
	}
	msg.src = res.src;
	msg.dst = res.dst;
	if (udp_to_msg(res.l4, res.l4_len, &msg)) {
		r->st.bad_events++;
		return;
	}
	r->cb(r->ctx, &msg);
}

void reasm_event(struct reasm *r, const struct sipxdp_meta *m, const uint8_t *frame)
{
	struct msg msg;

	/* kern.c checked that the offsets lie inside the captured bytes. */
	r->ifindex = m->ifindex;
	if (m->flags & SIPXDP_META_F_FRAG) {
		fragment(r, m, frame);
	} else if (m->l4_proto == IPPROTO_TCP) {
		struct tcpsip_flow flow;

		if (addrs_of(m, frame, &flow.src, &flow.dst) || m->l4_off + 20u > m->cap_len) {
			r->st.bad_events++;
			return;
		}
		flow.sport = get_be16(frame + m->l4_off);
		flow.dport = get_be16(frame + m->l4_off + 2);
		tcpsip_feed(r->tcp, &flow, frame + m->l4_off, m->cap_len - m->l4_off, m->ts_ns,
			    on_tcp_msg, r);
	} else if (!reasm_udp(m, frame, &msg)) {
		msg.ifindex = m->ifindex;
		if (m->flags & SIPXDP_META_F_RTCP)
			msg.kind = MSG_RTCP;
		else if (m->flags & SIPXDP_META_F_DTMF)
			msg.kind = MSG_DTMF;
		r->cb(r->ctx, &msg);
	} else {
		r->st.bad_events++;
	}
}

void reasm_expire(struct reasm *r, uint64_t now_ns)
{
	r->ifindex = 0;
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

/* Counters a and b, structs of uint64_t only, added into a. */
static void add_counters(void *a, const void *b, size_t size)
{
	uint64_t *x = a;
	const uint64_t *y = b;
	size_t i;

	for (i = 0; i < size / sizeof(uint64_t); i++)
		x[i] += y[i];
}

_Static_assert(sizeof(struct reasm_stats) % 8 == 0 && sizeof(struct ipfrag_stats) % 8 == 0 &&
	       sizeof(struct tcpsip_stats) % 8 == 0, "counter structs of uint64_t");

void reasm_figures(const struct reasm *r, struct reasm_figures *out)
{
	out->events = r->st;
	out->frag = *ipfrag_stats(r->frags);
	out->frag_mem = ipfrag_mem_used(r->frags);
	out->tcp = *tcpsip_stats(r->tcp);
	out->tcp_mem = tcpsip_mem_used(r->tcp);
	if (r->base) {
		add_counters(&out->events, &r->base->events, sizeof(out->events));
		add_counters(&out->frag, &r->base->frag, sizeof(out->frag));
		add_counters(&out->tcp, &r->base->tcp, sizeof(out->tcp));
	}
}
