// SPDX-License-Identifier: GPL-2.0
/*
 * sipxdp.bpf.c - the XDP observer.
 *
 * SIP (UDP on a configured port) goes to user space through a perf buffer,
 * frame bytes copied by the kernel.  RTP on a media endpoint that user space
 * learned from SDP is counted in place: a known stream costs one hash lookup
 * and one uncontended spin lock.  Nothing else crosses to user space, and
 * every frame is passed untouched.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "parsing.h"
#include "sipxdp.h"
#include "rtp_stats.h"

#ifndef EEXIST
#define EEXIST 17
#endif

char LICENSE[] SEC("license") = "GPL";

/*
 * Ports of the learned media endpoints, one bit each, kept by user space
 * (mmap'ed .bss, atomic bit updates).  Two loads tell most UDP that it is
 * not media before any hash lookup is paid.
 */
__u64 media_ports[65536 / 64] = {};

/* Set by user space between open and load. */
const volatile __u16 sip_ports[SIPXDP_MAX_SIP_PORTS] = {}; /* network byte order */
const volatile __u32 nr_sip_ports = 0;
const volatile __u8 clock_source = SIPXDP_CLOCK_MONO;
const volatile __u16 tls_ports[SIPXDP_MAX_TLS_PORTS] = {}; /* network byte order */
const volatile __u32 nr_tls_ports = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SIPXDP_DEF_MAX_ENDPOINTS);
	__type(key, struct endpoint_key);
	__type(value, struct endpoint_info);
} endpoints SEC(".maps");

/*
 * Two CPUs can update one stream at once (RSS spreads a flow over queues
 * when a hash changes, and both directions of a symmetric port pair may
 * land on different CPUs).  Sequence, jitter and loss state is a chain of
 * dependent updates that cannot be split per CPU and summed, so each
 * stream carries a bpf_spin_lock taken around rtp_stream_update().  The
 * update is a few dozen instructions with no calls, and a flow normally
 * stays on one CPU, so the lock is uncontended.  User space reads entries
 * with BPF_F_LOCK to get a consistent copy.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SIPXDP_DEF_MAX_STREAMS);
	__type(key, struct stream_key);
	__type(value, struct stream_state);
} streams SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sipxdp_health);
} health SEC(".maps");

/*
 * First fragments of SIP datagrams.  A later fragment is handed up only if
 * its first fragment came through here before it; one that overtakes its
 * first fragment is not (XDP cannot hold it), so that datagram is lost to
 * the analysis and the fragment is counted in frag_unclaimed.  LRU: old
 * entries need no cleanup.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct frag_key);
	__type(value, __u8);
} sip_frags SEC(".maps");

/*
 * Room to build a new stream's value: 248 bytes do not fit the BPF stack
 * beside the rest.  Declared by size, not type: a per-CPU map may not hold
 * a bpf_spin_lock, and this copy is never locked.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct stream_state));
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} sip_events SEC(".maps");

#define RTP_HDR_LEN 12

static __always_inline int is_sip_port(__u16 sport, __u16 dport)
{
	__u32 i;

	for (i = 0; i < SIPXDP_MAX_SIP_PORTS; i++) {
		if (i >= nr_sip_ports)
			break;
		if (sip_ports[i] == sport || sip_ports[i] == dport)
			return 1;
	}
	return 0;
}

static __always_inline int is_tls_port(__u16 sport, __u16 dport)
{
	__u32 i;

	for (i = 0; i < SIPXDP_MAX_TLS_PORTS; i++) {
		if (i >= nr_tls_ports)
			break;
		if (tls_ports[i] == sport || tls_ports[i] == dport)
			return 1;
	}
	return 0;
}

static __always_inline int media_port(__u16 port_be)
{
	__u16 p = bpf_ntohs(port_be);

	return (media_ports[p >> 6] >> (p & 63)) & 1;
}

static __always_inline __u64 now_ns(struct xdp_md *ctx)
{
	if (clock_source == SIPXDP_CLOCK_META) {
		void *data = (void *)(long)ctx->data;
		struct sipxdp_xdp_meta *m = (void *)(long)ctx->data_meta;

		if ((void *)(m + 1) <= data)
			return m->ts_ns;
	}
	return bpf_ktime_get_ns();
}

static __always_inline void addr_v4(struct sipxdp_addr *a, __be32 ip)
{
	a->a[10] = 0xff;
	a->a[11] = 0xff;
	__builtin_memcpy(&a->a[12], &ip, 4);
}

/*
 * Is this UDP payload an RTP packet?  Version 2, the CSRC list and the
 * header extension inside the payload, and not RTCP (packet types 200-204
 * read as RTP would be marker + PT 72-76, which RFC 5761 reserves for that
 * reason).  Returns 1 for RTP, 2 for RTCP-looking, 0 otherwise.
 */
static __always_inline int rtp_classify(__u8 *p, void *end, int len)
{
	int hlen, cc;
	__u8 pt;

	if (len < RTP_HDR_LEN || (void *)(p + RTP_HDR_LEN) > end)
		return 0;
	if ((p[0] >> 6) != 2)
		return 0;
	pt = p[1] & 0x7f;
	if (pt >= 72 && pt <= 76)
		return 2;
	cc = p[0] & 0x0f;
	hlen = RTP_HDR_LEN + cc * 4;
	if (p[0] & 0x10) {
		__u8 *x = p + hlen;

		/* hlen <= 72: the check below bounds the read of the extension header. */
		if ((void *)(x + 4) > end || hlen + 4 > len)
			return 0;
		hlen += 4 + (((int)x[2] << 8 | x[3]) * 4);
	}
	return hlen <= len;
}

static __always_inline void send_sip(struct xdp_md *ctx, struct sipxdp_health *h,
				     void *data, void *end, void *l3, void *l4, void *payload,
				     __u8 family, __u8 l4_proto, __u8 flags)
{
	struct sipxdp_meta m = {};
	__u64 len = bpf_xdp_get_buff_len(ctx);

	m.ts_ns = now_ns(ctx);
	m.ifindex = ctx->ingress_ifindex;
	m.pkt_len = len;
	m.cap_len = len;
	m.l3_off = l3 - data;
	m.l4_off = l4 - data;
	m.payload_off = payload - data;
	m.family = family;
	m.l4_proto = l4_proto;
	m.flags = flags;
	m.clock = clock_source;
	/* The upper 32 bits of flags ask the kernel to append cap frame bytes. */
	if (bpf_perf_event_output(ctx, &sip_events, (len << 32) | BPF_F_CURRENT_CPU,
				  &m, sizeof(m)))
		h->perf_fail++;
	else
		h->sip++;
}

static __always_inline void count_rtp(struct xdp_md *ctx, struct sipxdp_health *h,
				      struct stream_key *sk, __u8 *rtp, int len)
{
	struct endpoint_key ek = {};
	struct endpoint_info *ep;
	struct stream_state *st, *ns;
	struct rtp_sample smp;
	__u32 flags, zero = 0;
	long err;

	smp.seq = (__u16)rtp[2] << 8 | rtp[3];
	smp.ts = (__u32)rtp[4] << 24 | (__u32)rtp[5] << 16 | (__u32)rtp[6] << 8 | rtp[7];
	sk->ssrc = (__u32)rtp[8] << 24 | (__u32)rtp[9] << 16 | (__u32)rtp[10] << 8 | rtp[11];
	smp.pt = rtp[1] & 0x7f;
	smp.marker = rtp[1] >> 7;
	smp.bytes = len;

	st = bpf_map_lookup_elem(&streams, sk);
	if (st) {
		/* Read the clock only for packets we count, and before the lock: no helper may run under it. */
		smp.now_ns = now_ns(ctx);
		bpf_spin_lock(&st->lock);
		rtp_stream_update(st, &smp);
		bpf_spin_unlock(&st->lock);
		h->rtp++;
		return;
	}

	/* Unknown stream: is either end a learned media endpoint? */
	ek.addr = sk->dst;
	ek.port = sk->dport;
	ek.proto = IPPROTO_UDP;
	flags = STREAM_F_CREATED_BY_DST;
	ep = bpf_map_lookup_elem(&endpoints, &ek);
	if (!ep) {
		ek.addr = sk->src;
		ek.port = sk->sport;
		flags = STREAM_F_CREATED_BY_SRC;
		ep = bpf_map_lookup_elem(&endpoints, &ek);
		if (!ep)
			return;
	}

	ns = bpf_map_lookup_elem(&scratch, &zero);
	if (!ns)
		return;
	smp.now_ns = now_ns(ctx);
	__builtin_memset(ns, 0, sizeof(*ns));
	rtp_stream_init(ns, &smp, ep->clock_code);
	ns->flags = flags;
	err = bpf_map_update_elem(&streams, sk, ns, BPF_NOEXIST);
	if (!err) {
		h->rtp++;
		return;
	}
	if (err == -EEXIST) {
		/* Another CPU created it between our lookup and insert. */
		st = bpf_map_lookup_elem(&streams, sk);
		if (st) {
			bpf_spin_lock(&st->lock);
			rtp_stream_update(st, &smp);
			bpf_spin_unlock(&st->lock);
			h->rtp++;
			return;
		}
	}
	h->stream_insert_fail++;
}

/* UDP that is not RTP: count it if it hits a media endpoint. */
static __always_inline void count_non_rtp(struct sipxdp_health *h, struct stream_key *sk, int rtcp)
{
	struct endpoint_key ek = {};

	ek.addr = sk->dst;
	ek.port = sk->dport;
	ek.proto = IPPROTO_UDP;
	if (!bpf_map_lookup_elem(&endpoints, &ek)) {
		ek.addr = sk->src;
		ek.port = sk->sport;
		if (!bpf_map_lookup_elem(&endpoints, &ek))
			return;
	}
	if (rtcp)
		h->rtcp++;
	else
		h->non_rtp_media++;
}

static __always_inline void frag_key_of(struct frag_key *fk, const struct stream_key *sk,
					__u32 id, int proto)
{
	fk->src = sk->src;
	fk->dst = sk->dst;
	fk->id = id;
	fk->proto = proto;
}

/* A fragment with no L4 header: handed up if it belongs to a SIP datagram. */
static __always_inline void later_fragment(struct xdp_md *ctx, struct sipxdp_health *h,
					   const struct stream_key *sk, const struct frag_info *fi,
					   int proto, void *data, void *end, void *l3, void *l4,
					   __u8 family)
{
	struct frag_key fk = {};

	frag_key_of(&fk, sk, fi->id, proto);
	if (!bpf_map_lookup_elem(&sip_frags, &fk)) {
		h->frag_unclaimed++;
		return;
	}
	h->sip_fragments++;
	send_sip(ctx, h, data, end, l3, l4, l4, family, proto, SIPXDP_META_F_FRAG);
}

static __always_inline void tcp_segment(struct xdp_md *ctx, struct sipxdp_health *h,
					struct cursor *c, void *data, void *end, void *l3,
					__u8 family)
{
	void *l4 = c->pos;
	struct tcphdr *th;

	if (parse_tcphdr(c, end, &th) < 0) {
		h->malformed++;
		return;
	}
	if (is_sip_port(th->source, th->dest)) {
		h->sip_tcp++;
		send_sip(ctx, h, data, end, l3, l4, c->pos, family, IPPROTO_TCP, 0);
	} else if (is_tls_port(th->source, th->dest)) {
		/* SIP over TLS cannot be read: count it so that nobody mistakes silence for no calls. */
		h->tls++;
		if (th->syn && !th->ack)
			h->tls_conns++;
	}
}

/*
 * xdp.frags: the program also runs on multi-buffer frames (jumbo MTUs, large
 * offline frames).  Headers are always in the first buffer; a SIP frame is
 * copied whole, fragments included, by the perf output helper.
 */
SEC("xdp.frags")
int sipxdp_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct stream_key sk = {};
	struct frag_info fi = {};
	struct sipxdp_health *h;
	struct cursor c = { .pos = data };
	struct ethhdr *eth;
	struct udphdr *udp;
	void *l3, *l4;
	__u32 zero = 0;
	__u8 family;
	int proto, len, kind, beyond;

	h = bpf_map_lookup_elem(&health, &zero);
	if (!h)
		return XDP_PASS;
	h->packets++;

	proto = parse_ethhdr(&c, end, &eth);
	if (proto < 0)
		goto malformed;
	l3 = c.pos;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph;

		proto = parse_iphdr(&c, end, &iph, &fi);
		if (proto < 0)
			goto malformed;
		addr_v4(&sk.src, iph->saddr);
		addr_v4(&sk.dst, iph->daddr);
		family = 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h;

		proto = parse_ip6hdr(&c, end, &ip6h, &fi);
		if (proto == -2) {
			h->ip6_ext_unparsed++;
			return XDP_PASS;
		}
		if (proto < 0)
			goto malformed;
		__builtin_memcpy(&sk.src, &ip6h->saddr, 16);
		__builtin_memcpy(&sk.dst, &ip6h->daddr, 16);
		family = 6;
	} else {
		h->non_ip++;
		return XDP_PASS;
	}
	l4 = c.pos;

	if (fi.kind != FRAG_NONE) {
		h->ip_fragments++;
		if (fi.kind == FRAG_LATER) {
			later_fragment(ctx, h, &sk, &fi, proto, data, end, l3, l4, family);
			return XDP_PASS;
		}
	}
	if (proto == IPPROTO_TCP) {
		tcp_segment(ctx, h, &c, data, end, l3, family);
		return XDP_PASS;
	}
	if (proto != IPPROTO_UDP)
		return XDP_PASS;

	if (fi.kind == FRAG_FIRST) {
		struct frag_key fk = {};
		__u8 one = 1;

		if (parse_udphdr_frag(&c, end, &udp) < 0)
			goto malformed;
		if (!is_sip_port(udp->source, udp->dest))
			return XDP_PASS;	/* fragmented media: not counted */
		frag_key_of(&fk, &sk, fi.id, proto);
		bpf_map_update_elem(&sip_frags, &fk, &one, BPF_ANY);
		h->sip_fragments++;
		send_sip(ctx, h, data, end, l3, l4, l4, family, IPPROTO_UDP, SIPXDP_META_F_FRAG);
		return XDP_PASS;
	}

	len = parse_udphdr(&c, end, &udp, &beyond);
	if (len < 0)
		goto malformed;
	/* A UDP length past the first buffer is a lie unless the frame has more buffers. */
	if (beyond && (__u64)(l4 - data) + 8 + len > bpf_xdp_get_buff_len(ctx))
		goto malformed;
	sk.sport = udp->source;
	sk.dport = udp->dest;

	if (is_sip_port(udp->source, udp->dest)) {
		send_sip(ctx, h, data, end, l3, l4, c.pos, family, IPPROTO_UDP, 0);
		return XDP_PASS;
	}

	if (!media_port(udp->dest) && !media_port(udp->source))
		return XDP_PASS;	/* no learned endpoint uses either port */
	kind = rtp_classify(c.pos, end, len);
	if (kind == 1)
		count_rtp(ctx, h, &sk, c.pos, len);
	else
		count_non_rtp(h, &sk, kind == 2);
	return XDP_PASS;

malformed:
	h->malformed++;
	return XDP_PASS;
}

/* The baseline for benchmarks: the cheapest possible XDP program. */
SEC("xdp")
int sipxdp_empty(struct xdp_md *ctx)
{
	return XDP_PASS;
}
