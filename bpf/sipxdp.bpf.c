// SPDX-License-Identifier: GPL-2.0
/*
 * sipxdp.bpf.c - the XDP observer.
 *
 * SIP (UDP or TCP on a configured port) goes to user space through a perf
 * buffer, frame bytes copied by the kernel.  RTP on a media endpoint that
 * user space learned from SDP is counted in place: a known stream costs one
 * hash lookup and one uncontended spin lock.  RTCP and RFC 4733 event end
 * packets go up too (a few per stream and digit); nothing else crosses to
 * user space, and every frame is passed untouched.  The maps are in maps.h.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "parsing.h"
#include "maps.h"
#include "sipxdp.h"
#include "rtp_stats.h"

#ifndef EEXIST
#define EEXIST 17
#endif

char LICENSE[] SEC("license") = "GPL";

/*
 * Set by user space between open and load: const volatile, so that the
 * verifier knows them as constants (the skeleton's rodata).  The same file
 * is also compiled natively (user/uxdp/prog.c), where a const object lies
 * in read-only memory: its shim defines SET_BEFORE_LOAD as plain volatile.
 */
#ifndef SET_BEFORE_LOAD
#define SET_BEFORE_LOAD const volatile
#endif
SET_BEFORE_LOAD __u16 sip_ports[SIPXDP_MAX_SIP_PORTS] = {}; /* network byte order */
SET_BEFORE_LOAD __u32 nr_sip_ports = 0;
SET_BEFORE_LOAD __u8 clock_source = SIPXDP_CLOCK_MONO;
SET_BEFORE_LOAD __u16 tls_ports[SIPXDP_MAX_TLS_PORTS] = {}; /* network byte order */
SET_BEFORE_LOAD __u32 nr_tls_ports = 0;
SET_BEFORE_LOAD __u64 unpaired_max = ~0ULL;	/* see unpaired_created */

#define RTP_HDR_LEN 12

/*
 * The hook a packet came through: XDP on ingress, or TC on egress (--egress,
 * traffic the gateway itself sends, which XDP never sees).  Both run the
 * same code; `tc` is a constant in each entry point, so each program keeps
 * only its own branch.
 */
struct hook {
	void *ctx;
	int tc;
};

/* Where a frame's headers are, for handing it up. */
struct frame_ref {
	void *data, *end, *l3, *l4;
	__u8 family;
};

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

static __always_inline __u64 now_ns(const struct hook *hk)
{
	if (!hk->tc && clock_source == SIPXDP_CLOCK_META) {
		struct xdp_md *ctx = hk->ctx;
		void *data = (void *)(long)ctx->data;
		struct sipxdp_xdp_meta *m = (void *)(long)ctx->data_meta;

		if ((void *)(m + 1) <= data)
			return m->ts_ns;
	}
	return bpf_ktime_get_ns();
}

/* Length of the whole frame, all buffers of it. */
static __always_inline __u64 frame_len(const struct hook *hk)
{
	if (hk->tc)
		return ((struct __sk_buff *)hk->ctx)->len;
	return bpf_xdp_get_buff_len(hk->ctx);
}

static __always_inline __u32 hook_ifindex(const struct hook *hk)
{
	if (hk->tc)
		return ((struct __sk_buff *)hk->ctx)->ifindex;
	return ((struct xdp_md *)hk->ctx)->ingress_ifindex;
}

static __always_inline void addr_v4(struct sipxdp_addr *a, __be32 ip)
{
	a->a[10] = 0xff;
	a->a[11] = 0xff;
	__builtin_memcpy(&a->a[12], &ip, 4);
}

/* What a UDP payload is, as far as media is concerned. */
enum payload_kind {
	PAYLOAD_OTHER,
	PAYLOAD_RTP,
	PAYLOAD_RTCP,		/* RTCP-looking: version 2, packet type 192-223 */
};

/*
 * Is this UDP payload an RTP packet?  Version 2, the CSRC list and the
 * header extension inside the payload, and not RTCP (packet types 192-223
 * read as RTP would be marker + PT 64-95, which RFC 5761 keeps clear for
 * that reason).
 */
static __always_inline enum payload_kind rtp_classify(__u8 *p, void *end, int len)
{
	int hlen, cc;
	__u8 pt;

	if (len < RTP_HDR_LEN || (void *)(p + RTP_HDR_LEN) > end)
		return PAYLOAD_OTHER;
	if ((p[0] >> 6) != 2)
		return PAYLOAD_OTHER;
	pt = p[1] & 0x7f;
	if (pt >= 64 && pt <= 95)	/* RTCP packet types 192-223 (RFC 5761 4) */
		return PAYLOAD_RTCP;
	cc = p[0] & 0x0f;
	hlen = RTP_HDR_LEN + cc * 4;
	if (p[0] & 0x10) {
		__u8 *x = p + hlen;

		/* hlen <= 72: the check below bounds the read of the extension header. */
		if ((void *)(x + 4) > end || hlen + 4 > len)
			return PAYLOAD_OTHER;
		hlen += 4 + (((int)x[2] << 8 | x[3]) * 4);
	}
	return hlen <= len ? PAYLOAD_RTP : PAYLOAD_OTHER;
}

/* The SSRC of an RTP header, host order (the stream key keeps it so). */
static __always_inline __u32 rtp_ssrc(const __u8 *rtp)
{
	return (__u32)rtp[8] << 24 | (__u32)rtp[9] << 16 | (__u32)rtp[10] << 8 | rtp[11];
}

static __always_inline void rtp_sample_of(struct rtp_sample *smp, const __u8 *rtp, int len)
{
	smp->seq = (__u16)rtp[2] << 8 | rtp[3];
	smp->ts = (__u32)rtp[4] << 24 | (__u32)rtp[5] << 16 | (__u32)rtp[6] << 8 | rtp[7];
	smp->pt = rtp[1] & 0x7f;
	smp->marker = rtp[1] >> 7;
	smp->bytes = len;
	smp->clock_code = CLK_NONE;	/* the caller knows it, if anyone does */
}

/* The whole frame, all its buffers, into buf (len bytes, 1 to SIPXDP_EVENT_FRAME_MAX). */
static __always_inline long load_frame(const struct hook *hk, void *buf, __u64 len)
{
	if (hk->tc)
		return bpf_skb_load_bytes(hk->ctx, 0, buf, len);
	return bpf_xdp_load_bytes(hk->ctx, 0, buf, len);
}

/* Past this much unread, the consumer is woken: a burst is not left to its next poll. */
#define EVENTS_WAKE_AT	(2 << 20)

/* Hand a frame up through the ring buffer: SIP, RTCP or an RFC 4733 event. */
static __always_inline void send_up(const struct hook *hk, struct sipxdp_health *h,
				    const struct frame_ref *f, void *payload, __u8 l4_proto, __u8 flags)
{
	__u32 slot = bpf_get_smp_processor_id();
	struct sipxdp_event *ev = bpf_map_lookup_elem(&event_scratch, &slot);
	__u64 len = frame_len(hk), wake;

	if (!ev || !len) {
		h->event_fail++;
		return;
	}
	if (len > SIPXDP_EVENT_FRAME_MAX) {
		len = SIPXDP_EVENT_FRAME_MAX;
		flags |= SIPXDP_META_F_CUT;
	}
	ev->m.ts_ns = now_ns(hk);
	ev->m.ifindex = hook_ifindex(hk);
	ev->m.cap_len = len;
	ev->m.l3_off = f->l3 - f->data;
	ev->m.l4_off = f->l4 - f->data;
	ev->m.payload_off = payload - f->data;
	ev->m.family = f->family;
	ev->m.l4_proto = l4_proto;
	ev->m.flags = flags;
	ev->m.clock = clock_source;
	/*
	 * Wake the agent only when it sleeps (the exchange is a full barrier:
	 * ordered after the agent's flag and its last look at the ring), or a
	 * burst fills the ring faster than it polls.
	 */
	wake = __sync_lock_test_and_set(&consumer_asleep, 0) ||
	       bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= EVENTS_WAKE_AT ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (load_frame(hk, ev->frame, len) ||
	    bpf_ringbuf_output(&events, ev, sizeof(ev->m) + len, wake))
		h->event_fail++;
	else if (!(flags & (SIPXDP_META_F_RTCP | SIPXDP_META_F_DTMF)))
		h->sip++;
}

/*
 * The end packet of an RFC 4733 event (a DTMF digit) goes up, a few per
 * digit: the agent reports digits and durations per call.  Only RTP with
 * the plain 12-byte header is read for events.
 */
static __always_inline void dtmf_event(const struct hook *hk, struct sipxdp_health *h,
				       __u8 *rtp, int len, const struct frame_ref *frame)
{
	if (len < RTP_HDR_LEN + 4 || (rtp[0] & 0x1f) || (void *)(rtp + RTP_HDR_LEN + 4) > frame->end)
		return;
	if (!(rtp[RTP_HDR_LEN + 1] & 0x80))	/* E bit: the event ended */
		return;
	h->dtmf_events++;
	send_up(hk, h, frame, rtp, IPPROTO_UDP, SIPXDP_META_F_DTMF);
}

/* Keys are 40 bytes, 8-aligned: five word compares (clang leaves memcmp as a call). */
static __always_inline int stream_key_eq(const struct stream_key *a, const struct stream_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/*
 * A stream is starting: if its first packets came before its endpoint was
 * known, continue from the record they left (see `pending`).  The record
 * is copied under its lock, all but the lock word, and removed.  Returns 1
 * when ns was filled.
 */
static __always_inline int claim_pending(struct sipxdp_health *h, const struct stream_key *sk,
					 struct stream_state *ns)
{
	struct endpoint_key ek = {};
	struct pending_rtp *pr;

	ek.addr = sk->dst;
	ek.port = sk->dport;
	ek.proto = IPPROTO_UDP;
	pr = bpf_map_lookup_elem(&pending, &ek);
	if (!pr || !stream_key_eq(&pr->key, sk))
		return 0;
	bpf_spin_lock(&pr->st.lock);
	__builtin_memcpy((__u8 *)ns + STREAM_STATE_BODY, (__u8 *)&pr->st + STREAM_STATE_BODY,
			 sizeof(*ns) - STREAM_STATE_BODY);
	bpf_spin_unlock(&pr->st.lock);
	bpf_map_delete_elem(&pending, &ek);
	h->pending_claimed++;
	return 1;
}

/* RTP between even high ports that no learned endpoint covers (yet): hold it, see `pending`. */
static __always_inline void hold_pending(const struct hook *hk, struct sipxdp_health *h,
					 struct stream_key *sk, __u8 *rtp, int len)
{
	struct endpoint_key ek = {};
	struct pending_rtp *pr;
	struct rtp_sample smp;
	__u32 zero = 0;

	if ((bpf_ntohs(sk->dport) & 1) || bpf_ntohs(sk->dport) < 1024 || bpf_ntohs(sk->sport) < 1024)
		return;
	sk->ssrc = rtp_ssrc(rtp);
	rtp_sample_of(&smp, rtp, len);
	ek.addr = sk->dst;
	ek.port = sk->dport;
	ek.proto = IPPROTO_UDP;
	pr = bpf_map_lookup_elem(&pending, &ek);
	if (pr) {
		/* One stream per destination is enough to bridge the learning delay. */
		if (!stream_key_eq(&pr->key, sk))
			return;
		smp.now_ns = now_ns(hk);
		bpf_spin_lock(&pr->st.lock);
		rtp_stream_update(&pr->st, &smp);
		bpf_spin_unlock(&pr->st.lock);
		h->pending++;
		return;
	}
	pr = bpf_map_lookup_elem(&pending_scratch, &zero);
	if (!pr)
		return;
	__builtin_memset(pr, 0, sizeof(*pr));
	pr->key = *sk;
	smp.now_ns = now_ns(hk);
	/* Clocks are not known before the SDP: none here, so the held packets add no jitter. */
	rtp_stream_init(&pr->st, &smp);
	if (!bpf_map_update_elem(&pending, &ek, pr, BPF_NOEXIST))
		h->pending++;
}

/*
 * May an unpaired stream start at this endpoint?  Counted in all and at the
 * endpoint at once (fetch-and-add, so two CPUs never both take the last
 * place), and given back when it may not.
 */
static __always_inline bool unpaired_admit(const struct sipxdp_addr *addr, __u16 port,
					   const struct endpoint_info *ep)
{
	struct endpoint_key ek = {};
	struct ep_count *c;
	__u64 started;

	if (__sync_fetch_and_add(&unpaired_created, 1) - unpaired_released >= unpaired_max)
		goto refuse_all;
	ek.addr = *addr;
	ek.port = port;
	ek.proto = IPPROTO_UDP;
	c = bpf_map_lookup_elem(&ep_unpaired, &ek);
	if (!c)
		return true;	/* not accounted at this endpoint (user space makes the entry) */
	/*
	 * More released than started: streams of an earlier life of this
	 * endpoint, deleted since (its count was reset).  Nothing is in use then.
	 */
	started = __sync_fetch_and_add(&c->created, 1);
	if (started < ep->unpaired_released || started - ep->unpaired_released < ep->unpaired_max)
		return true;
	__sync_fetch_and_sub(&c->created, 1);
refuse_all:
	__sync_fetch_and_sub(&unpaired_created, 1);
	return false;
}

/* A stream counted by unpaired_admit() did not start after all. */
static __always_inline void unpaired_undo(const struct stream_key *sk, __u32 flags)
{
	struct endpoint_key ek = {};
	struct ep_count *c;

	if (!(flags & STREAM_F_UNPAIRED))
		return;
	__sync_fetch_and_sub(&unpaired_created, 1);
	ek.addr = flags & STREAM_F_CHARGED_SRC ? sk->src : sk->dst;
	ek.port = flags & STREAM_F_CHARGED_SRC ? sk->sport : sk->dport;
	ek.proto = IPPROTO_UDP;
	c = bpf_map_lookup_elem(&ep_unpaired, &ek);
	if (c)
		__sync_fetch_and_sub(&c->created, 1);
}

static __always_inline struct endpoint_info *endpoint_at(const struct sipxdp_addr *addr, __u16 port)
{
	struct endpoint_key ek = {};

	ek.addr = *addr;
	ek.port = port;
	ek.proto = IPPROTO_UDP;
	return bpf_map_lookup_elem(&endpoints, &ek);
}

/*
 * The clock of payload type pt at endpoint ep, else at other (what one end's
 * SDP does not name, the other's may): 0 (CLK_NONE) when neither names it.
 */
static __always_inline __u8 clock_at(const struct endpoint_info *ep, const struct endpoint_info *other, __u8 pt)
{
	__u8 code = ep ? ep->clock_code[pt & (SIPXDP_NR_PT - 1)] : CLK_NONE;

	if (code == CLK_NONE && other)
		code = other->clock_code[pt & (SIPXDP_NR_PT - 1)];
	return code;
}

/* An endpoint whose table may name a stream's clocks: not an RTCP port. */
static __always_inline const struct endpoint_info *media_end(const struct endpoint_info *ep)
{
	return ep && !(ep->flags & ENDPOINT_F_RTCP) ? ep : NULL;
}

/*
 * A known stream's packet of another payload type than its last (a digit,
 * comfort noise): the clock from the endpoints' tables, as for a new stream.
 * Two lookups, taken only when the payload type changes.
 */
static __always_inline __u8 clock_of(const struct stream_key *sk, __u8 pt)
{
	return clock_at(media_end(endpoint_at(&sk->dst, sk->dport)),
			media_end(endpoint_at(&sk->src, sk->sport)), pt);
}

/*
 * The first packet of a stream, toward or from a learned endpoint.  Both
 * ends are looked up, once per stream: what a payload type means comes
 * from the SDP of either side (the caller may offer telephone-event and
 * the callee's answer not; the digits still flow toward the callee).  The
 * destination's SDP decides first, as it did for the stream's receiver.
 * Returns false when neither end is a learned endpoint.
 *
 * A first packet that is an RFC 4733 end packet is counted, not sent up:
 * a digit starts with packets whose E bit is clear, so this is a stream
 * whose start was lost.  Sending it up from here too (another inlined copy
 * of the perf output after the stream start) took the verifier from about
 * 240,000 instructions processed to over 600,000 (kernel 6.18).
 */
static __always_inline bool start_stream(const struct hook *hk, struct sipxdp_health *h,
					 struct stream_key *sk, struct rtp_sample *smp)
{
	struct endpoint_info *ep, *other;
	struct stream_state *st, *ns;
	__u32 zero = 0, flags = 0;
	__u8 event_pt;
	long err;

	ep = endpoint_at(&sk->dst, sk->dport);
	other = endpoint_at(&sk->src, sk->sport);
	if (!ep) {
		ep = other;
		other = NULL;
		if (!ep)
			return false;
		flags = STREAM_F_CHARGED_SRC;
	}
	if (ep->flags & ENDPOINT_F_RTCP) {
		/* RTP-looking bytes on an RTCP port: not a stream. */
		h->non_rtp_media++;
		return true;
	}
	if (other && (other->flags & ENDPOINT_F_RTCP))
		other = NULL;
	/* One end only: within its endpoint's and all unpaired streams' budget. */
	if (!other) {
		if (!(flags & STREAM_F_CHARGED_SRC) ? !unpaired_admit(&sk->dst, sk->dport, ep) :
		    !unpaired_admit(&sk->src, sk->sport, ep)) {
			h->stream_budget_refused++;
			return true;
		}
		flags |= STREAM_F_UNPAIRED;
	} else {
		flags = 0;
	}

	ns = bpf_map_lookup_elem(&scratch, &zero);
	if (!ns)
		return true;
	/*
	 * What both ends say is read first, so that neither endpoint pointer is
	 * live in what follows: with `other` NULL on one path and not on the
	 * other, the verifier walked the whole stream start twice over (kernel
	 * 6.18: 860,000 instructions processed with three SIP ports, then "BPF
	 * program is too large"; the prog test "loads with every port slot
	 * used" checks the margin).
	 */
	event_pt = ep->event_pt ? ep->event_pt : other ? other->event_pt : 0;
	smp->clock_code = clock_at(ep, other, smp->pt);
	if (claim_pending(h, sk, ns)) {
		/* Held before the SDP was known: its packets had no clock, this one has. */
		rtp_stream_update(ns, smp);
	} else {
		__builtin_memset(ns, 0, sizeof(*ns));
		rtp_stream_init(ns, smp);
	}
	ns->event_pt = event_pt;
	ns->flags |= flags;
	err = bpf_map_update_elem(&streams, sk, ns, BPF_NOEXIST);
	if (!err) {
		h->rtp++;
		return true;
	}
	unpaired_undo(sk, flags);
	if (err == -EEXIST) {
		/* Another CPU created it between our lookup and insert. */
		st = bpf_map_lookup_elem(&streams, sk);
		if (st) {
			bpf_spin_lock(&st->lock);
			rtp_stream_update(st, smp);
			bpf_spin_unlock(&st->lock);
			h->rtp++;
			return true;
		}
	}
	h->stream_insert_fail++;
	return true;
}

/*
 * An RTP packet on a media port: the per-packet path, one lookup for a
 * known stream.  Returns false when no learned endpoint takes it.
 */
static __always_inline bool count_rtp(const struct hook *hk, struct sipxdp_health *h,
				      struct stream_key *sk, __u8 *rtp, int len,
				      const struct frame_ref *frame)
{
	struct stream_state *st;
	struct rtp_sample smp;

	sk->ssrc = rtp_ssrc(rtp);
	rtp_sample_of(&smp, rtp, len);

	/*
	 * The time first, before the lookup: the clock's read is ordered (an
	 * lfence before rdtsc in a KVM guest's kvm-clock), and after the lookup
	 * nothing past it, the stream's next cache line included, is fetched
	 * until it returns.  No helper may run under the lock.
	 */
	smp.now_ns = now_ns(hk);
	st = bpf_map_lookup_elem(&streams, sk);
	if (!st)
		return start_stream(hk, h, sk, &smp);
	/* The clock of its payload type: the last packet's, unless it changed; pt and its clock go together. */
	smp.clock_code = st->pt == smp.pt ? st->clock_code : clock_of(sk, smp.pt);
	bpf_spin_lock(&st->lock);
	rtp_stream_update(st, &smp);
	bpf_spin_unlock(&st->lock);
	h->rtp++;
	if (smp.pt == st->event_pt && smp.pt)
		dtmf_event(hk, h, rtp, len, frame);
	return true;
}

/* UDP that is not RTP: RTCP on a media endpoint goes up, anything else is counted. */
static __always_inline void count_non_rtp(const struct hook *hk, struct sipxdp_health *h,
					  struct stream_key *sk, int rtcp, void *payload,
					  const struct frame_ref *frame)
{
	if (!endpoint_at(&sk->dst, sk->dport) && !endpoint_at(&sk->src, sk->sport))
		return;
	if (rtcp) {
		/* A report every few seconds per stream: cheap to parse in user space. */
		h->rtcp++;
		send_up(hk, h, frame, payload, IPPROTO_UDP, SIPXDP_META_F_RTCP);
	} else {
		h->non_rtp_media++;
	}
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
static __always_inline void later_fragment(const struct hook *hk, struct sipxdp_health *h,
					   const struct stream_key *sk, const struct frag_info *fi,
					   int proto, const struct frame_ref *frame)
{
	struct frag_key fk = {};

	frag_key_of(&fk, sk, fi->id, proto);
	if (!bpf_map_lookup_elem(&sip_frags, &fk)) {
		h->frag_unclaimed++;
		return;
	}
	h->sip_fragments++;
	send_up(hk, h, frame, frame->l4, proto, SIPXDP_META_F_FRAG);
}

static __always_inline void tcp_segment(const struct hook *hk, struct sipxdp_health *h,
					struct cursor *c, const struct frame_ref *frame)
{
	struct tcphdr *th;

	if (parse_tcphdr(c, frame->end, &th) < 0) {
		h->malformed++;
		return;
	}
	if (is_sip_port(th->source, th->dest)) {
		h->sip_tcp++;
		send_up(hk, h, frame, c->pos, IPPROTO_TCP, 0);
	} else if (is_tls_port(th->source, th->dest)) {
		/* SIP over TLS cannot be read: count it so that nobody mistakes silence for no calls. */
		h->tls++;
		if (th->syn && !th->ack)
			h->tls_conns++;
	}
}

/* Why a frame ends its walk early: counted, and passed like every other. */
enum walk {
	WALK_ON,		/* go on to the next header */
	WALK_DONE,		/* nothing more to do with this frame */
	WALK_MALFORMED,		/* truncated or inconsistent: counted as malformed */
};

/*
 * Ethernet (VLAN, PPPoE) and IP: the addresses into sk, the header positions
 * into frame, the L4 protocol into *proto and fragmentation into fi.
 */
static __always_inline enum walk parse_l2_l3(const struct hook *hk, struct sipxdp_health *h,
					     struct cursor *c, void *end, struct stream_key *sk,
					     struct frag_info *fi, struct frame_ref *frame, int *proto)
{
	void *data = c->pos, *l3;
	struct ethhdr *eth;
	__u8 family;

	*proto = parse_ethhdr(c, end, &eth);
	if (*proto < 0)
		return WALK_MALFORMED;
	l3 = c->pos;
	if (*proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph;

		*proto = parse_iphdr(c, end, &iph, fi);
		if (*proto < 0)
			return WALK_MALFORMED;
		/* A total length past the frame is a lie (Linux drops it); shorter is padding. */
		if (l3 + bpf_ntohs(iph->tot_len) > end &&
		    (__u64)(l3 - data) + bpf_ntohs(iph->tot_len) > frame_len(hk))
			return WALK_MALFORMED;
		addr_v4(&sk->src, iph->saddr);
		addr_v4(&sk->dst, iph->daddr);
		family = 4;
	} else if (*proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h;

		*proto = parse_ip6hdr(c, end, &ip6h, fi);
		if (*proto == PARSE_TOO_DEEP) {
			h->ip6_ext_unparsed++;
			return WALK_DONE;
		}
		if (*proto < 0)
			return WALK_MALFORMED;
		__builtin_memcpy(&sk->src, &ip6h->saddr, 16);
		__builtin_memcpy(&sk->dst, &ip6h->daddr, 16);
		family = 6;
	} else {
		h->non_ip++;
		return WALK_DONE;
	}
	*frame = (struct frame_ref){ data, end, l3, c->pos, family };
	return WALK_ON;
}

/* The first fragment of a UDP datagram: remembered and handed up if it is SIP. */
static __always_inline enum walk udp_first_fragment(const struct hook *hk, struct sipxdp_health *h,
						    struct cursor *c, const struct stream_key *sk,
						    const struct frag_info *fi, const struct frame_ref *frame)
{
	struct frag_key fk = {};
	struct udphdr *udp;
	__u8 one = 1;

	if (parse_udphdr_frag(c, frame->end, &udp) < 0)
		return WALK_MALFORMED;
	if (!is_sip_port(udp->source, udp->dest))
		return WALK_DONE;	/* fragmented media: not counted */
	frag_key_of(&fk, sk, fi->id, IPPROTO_UDP);
	bpf_map_update_elem(&sip_frags, &fk, &one, BPF_ANY);
	h->sip_fragments++;
	send_up(hk, h, frame, frame->l4, IPPROTO_UDP, SIPXDP_META_F_FRAG);
	return WALK_DONE;
}

/* A whole UDP datagram: SIP goes up, RTP is counted, the rest of a media port is sorted. */
static __always_inline enum walk udp_datagram(const struct hook *hk, struct sipxdp_health *h,
					      struct cursor *c, struct stream_key *sk,
					      const struct frame_ref *frame)
{
	enum payload_kind kind;
	struct udphdr *udp;
	int len, beyond;

	len = parse_udphdr(c, frame->end, &udp, &beyond);
	if (len < 0)
		return WALK_MALFORMED;
	/* A UDP length past the first buffer is a lie unless the frame has more buffers. */
	if (beyond && (__u64)(frame->l4 - frame->data) + 8 + len > frame_len(hk))
		return WALK_MALFORMED;
	sk->sport = udp->source;
	sk->dport = udp->dest;

	if (is_sip_port(udp->source, udp->dest)) {
		send_up(hk, h, frame, c->pos, IPPROTO_UDP, 0);
		return WALK_DONE;
	}

	kind = rtp_classify(c->pos, frame->end, len);
	if (kind != PAYLOAD_RTP) {
		if (media_port(udp->dest) || media_port(udp->source))
			count_non_rtp(hk, h, sk, kind == PAYLOAD_RTCP, c->pos, frame);
		return WALK_DONE;
	}
	/*
	 * RTP no learned endpoint takes: no endpoint uses either port (yet), or
	 * the port is another endpoint's.  It may be ahead of its own SDP.
	 */
	if ((!media_port(udp->dest) && !media_port(udp->source)) || !count_rtp(hk, h, sk, c->pos, len, frame))
		hold_pending(hk, h, sk, c->pos, len);
	return WALK_DONE;
}

/* Classify one frame: the body of both programs. */
static __always_inline int observe(const struct hook *hk, void *data, void *end)
{
	struct stream_key sk = {};
	struct frag_info fi = {};
	struct cursor c = { .pos = data };
	struct sipxdp_health *h;
	struct frame_ref frame;
	enum walk w;
	__u32 zero = 0;
	int proto;

	h = bpf_map_lookup_elem(&health, &zero);
	if (!h)
		return XDP_PASS;
	h->packets++;
#ifdef SIPXDP_PROG_VARIANT
	/*
	 * Another program of the same layout, for tests/net/test_restart.sh's
	 * upgrade (make BPF_EXTRA_CFLAGS=-DSIPXDP_PROG_VARIANT=1): it counts
	 * frames in a padding word as well, which the test reads in the
	 * pinned health map to see it run on the maps the first one made.
	 */
	h->pad[0]++;
#endif

	w = parse_l2_l3(hk, h, &c, end, &sk, &fi, &frame, &proto);
	if (w != WALK_ON)
		goto out;
	if (fi.kind != FRAG_NONE) {
		h->ip_fragments++;
		if (fi.kind == FRAG_LATER) {
			later_fragment(hk, h, &sk, &fi, proto, &frame);
			return XDP_PASS;
		}
	}
	if (proto == IPPROTO_TCP) {
		tcp_segment(hk, h, &c, &frame);
		return XDP_PASS;
	}
	if (proto != IPPROTO_UDP)
		return XDP_PASS;
	if (fi.kind == FRAG_FIRST)
		w = udp_first_fragment(hk, h, &c, &sk, &fi, &frame);
	else
		w = udp_datagram(hk, h, &c, &sk, &frame);
out:
	if (w == WALK_MALFORMED)
		h->malformed++;
	return XDP_PASS;
}

/*
 * xdp.frags: the program also runs on multi-buffer frames (jumbo MTUs, large
 * offline frames).  Headers are always in the first buffer; a SIP frame is
 * copied whole, fragments included, by the perf output helper.
 */
SEC("xdp.frags")
int sipxdp_xdp(struct xdp_md *ctx)
{
	const struct hook hk = { ctx, 0 };

	return observe(&hk, (void *)(long)ctx->data, (void *)(long)ctx->data_end);
}

/*
 * TC egress (--egress): what the gateway sends itself.  The same code and
 * maps; it observes only, so it always lets the packet go.
 */
SEC("tc")
int sipxdp_tc(struct __sk_buff *skb)
{
	const struct hook hk = { skb, 1 };

	observe(&hk, (void *)(long)skb->data, (void *)(long)skb->data_end);
	return TC_ACT_UNSPEC;
}

/* The baseline for benchmarks: the cheapest possible XDP program. */
SEC("xdp")
int sipxdp_empty(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/*
 * The floor for benchmarks (make bench): the least a per-stream counter can
 * cost here.  The same parsing of Ethernet, IP and UDP, the SSRC read, one
 * lookup in a hash of the stream map's key and size, one atomic add: what
 * sipxdp_xdp does for a known stream but for its statistics, its clock
 * read, its lock and its port test.
 */
SEC("xdp")
int sipxdp_floor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	const struct hook hk = { ctx, 0 };
	struct cursor c = { .pos = data };
	struct stream_key sk = {};
	struct frag_info fi = {};
	struct sipxdp_health h;
	struct frame_ref frame;
	struct udphdr *udp;
	__u64 *n;
	__u8 *rtp;
	int proto, len, beyond;

	if (parse_l2_l3(&hk, &h, &c, end, &sk, &fi, &frame, &proto) != WALK_ON || proto != IPPROTO_UDP)
		return XDP_PASS;
	len = parse_udphdr(&c, end, &udp, &beyond);
	rtp = c.pos;
	if (len < RTP_HDR_LEN || (void *)(rtp + RTP_HDR_LEN) > end)
		return XDP_PASS;
	sk.sport = udp->source;
	sk.dport = udp->dest;
	sk.ssrc = rtp_ssrc(rtp);
	n = bpf_map_lookup_elem(&floor_streams, &sk);
	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}
