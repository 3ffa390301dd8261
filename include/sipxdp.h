/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sipxdp.h - the single source of truth for everything the kernel program and
 * the user-space agent exchange: map keys and values, the perf event header,
 * health counters and the clock-rate codes.
 *
 * Every struct has fixed-width types, explicit padding and a size assertion,
 * so both compilers (clang -target bpf and gcc) agree on the layout.
 * Addresses are always 16 bytes: IPv4 is stored IPv4-mapped (::ffff:a.b.c.d),
 * so IPv6 needs no second set of maps.  Ports are kept in network byte order
 * (as read from the packet) unless a field says otherwise.
 */
#ifndef SIPXDP_H
#define SIPXDP_H

#include <linux/types.h>

#ifndef __bpf__
#include <linux/bpf.h>	/* struct bpf_spin_lock for user space */
#endif

/*
 * The layout of what outlives an agent (--persist pins the maps, the state
 * file carries streams): every struct of this header kept in a map, the
 * maps of bpf/maps.h and the program's globals.  A change to any of them,
 * in size or in meaning, raises it; an agent finding pins of another
 * layout refuses them (or, with --reset-state, replaces them).
 */
#define SIPXDP_LAYOUT_VERSION	1

#define SIPXDP_MAX_SIP_PORTS	16
#define SIPXDP_NR_PT		128	/* RTP payload types are 7 bits */

/* Default map sizes; user space may resize before load. */
#define SIPXDP_DEF_MAX_ENDPOINTS	65536
#define SIPXDP_DEF_MAX_STREAMS		65536

/* 16-byte address; IPv4 stored IPv4-mapped. */
struct sipxdp_addr {
	__u8 a[16];
};
_Static_assert(sizeof(struct sipxdp_addr) == 16, "sipxdp_addr layout");

/*
 * A media endpoint learned from SDP (c= address, m= port).  Key of the
 * endpoints map.  port is network byte order.
 */
struct endpoint_key {
	struct sipxdp_addr addr;
	__u16 port;		/* network byte order */
	__u8 proto;		/* IPPROTO_UDP; room for TCP media later */
	__u8 pad;
};
_Static_assert(sizeof(struct endpoint_key) == 20, "endpoint_key layout");

/*
 * What the kernel needs to know about an endpoint: the clock of each payload
 * type it may carry, as a code into sipxdp_clock_ns_q32[] (0: unknown or not
 * a media clock, e.g. telephone-event: no jitter is computed for it, as
 * tshark does).
 */
struct endpoint_info {
	__u8 clock_code[SIPXDP_NR_PT];
	__u8 event_pt;		/* telephone-event payload type (RFC 4733), 0 if none */
	__u8 flags;		/* ENDPOINT_F_* */
	__u16 pad;
	/*
	 * Unpaired streams (the other end named by no SDP: a NAT'd sender, or
	 * anyone aiming packets at the port) this endpoint may have at once:
	 * the kernel counts the ones it starts (ep_unpaired), user space the
	 * ones it deletes (unpaired_released, here: one writer per counter).
	 */
	__u32 unpaired_max;
	__u32 unpaired_released;
	__u32 pad2;
};

#define ENDPOINT_F_RTCP	(1U << 0)	/* an RTCP port (port + 1 or a=rtcp), not RTP */
_Static_assert(sizeof(struct endpoint_info) == 144, "endpoint_info layout");

/* Value of map ep_unpaired: unpaired streams the kernel started at an endpoint, ever. */
struct ep_count {
	__u64 created;
};
_Static_assert(sizeof(struct ep_count) == 8, "ep_count layout");
/* The program merges clock tables eight codes (one __u64) at a time. */
_Static_assert(__builtin_offsetof(struct endpoint_info, clock_code) % 8 == 0, "clock_code aligned");

/*
 * Stream key: one RTP source (SSRC) on one 5-tuple.  The same SSRC on two
 * 5-tuples is two streams (sipp reuses one SSRC for every call).
 */
struct stream_key {
	struct sipxdp_addr src;
	struct sipxdp_addr dst;
	__u16 sport;		/* network byte order */
	__u16 dport;		/* network byte order */
	__u32 ssrc;		/* host byte order */
};
_Static_assert(sizeof(struct stream_key) == 40, "stream_key layout");

/*
 * Per-stream RTP state, updated in the kernel under `lock` (see
 * bpf/maps.h for why a spin lock) and by the same inline code in
 * include/rtp_stats.h wherever else statistics are computed.  The clock of
 * a payload type is not kept here (the endpoints' tables have them): a
 * packet of another payload type than the last looks it up.
 *
 * Times are nanoseconds on the clock named by sipxdp_meta.clock (monotonic in
 * live mode, the capture's Unix time in offline mode).  Jitter values are
 * RFC 3550 A.8 interarrival jitter in nanoseconds, scaled by 16 (the
 * fixed-point form of the RFC's `J += |D| - ((J + 8) >> 4)`).
 */
struct stream_state {
	/* First cache line: what every packet reads and writes. */
	struct bpf_spin_lock lock;
	__u32 flags;			/* STREAM_F_* */
	__u64 packets;			/* all RTP packets, duplicates included */
	__u64 bytes;			/* UDP payload bytes */
	__u64 last_ns;			/* arrival of the newest packet */
	__u16 max_seq;			/* RFC 3550 A.1: highest sequence number seen */
	__u8 pt;			/* payload type of the newest packet */
	__u8 clock_code;		/* its clock (enum sipxdp_clock), from the endpoints' SDP */
	__u32 cycles;			/* wraps, times 65536 */
	__u64 seen_window;		/* bit k: max_seq - k was received */
	__u32 ref_ts;			/* RTP timestamp of the newest packet with a known clock */
	__u32 first_ts;			/* RTP timestamp of the first packet */
	__u64 jitter_q4;		/* RFC 3550 A.8 J as tshark 4.0 computes it, ns << 4 */

	/* Second: what regular packets and late ones add to. */
	__u64 max_jitter_q4;
	__u64 mean_acc_q4;		/* mean jitter * (packets - 1), see rtp_stream_update() */
	__u64 max_delta_ns;		/* largest gap between regular packets */
	__u32 jitter_n;			/* packets that entered max and mean */
	__u8 event_pt;			/* telephone-event PT, from either end's SDP; 0 if none */
	__u8 pad[3];
	__u64 duplicates;
	__u32 out_of_order;		/* late but not duplicated */
	__u32 bad_seq;			/* RFC 3550 A.1: the seq after a large jump, + 1 */
	__u64 first_ns;

	/* Third: what a sequence restart (RFC 3550 A.1) keeps. */
	__u32 base_seq;			/* first sequence number seen */
	__u32 restarts;			/* sequence restarts (a sender that reset its numbering) */
	__s64 lost_before;		/* loss counted before the last restart */
	__u64 received_base;		/* packets before the last restart */
	__u64 bad_received;		/* packets before the jump that bad_seq follows */
	__u32 strays;			/* jumped packets no restart confirmed: not received */
	__u32 pad2;
	__u64 unseen;			/* stepped over while no agent watched (STREAM_F_RESUMED): not lost */
};
/*
 * A hash map's element is a 48-byte header (struct htab_elem, kernel 6.x),
 * the key, then the value: 48 + 40 + 168 is 256, so that in the map's
 * preallocated array every stream starts on a cache line and a packet of
 * the regular path (the first 93 bytes of the value) touches three lines,
 * the key's two and one more.  At 160 bytes (248-byte elements) six
 * streams in eight straddled a fourth.
 */
_Static_assert(sizeof(struct stream_key) + sizeof(struct stream_state) == 256 - 48, "stream element of 256 bytes");
_Static_assert(__builtin_offsetof(struct stream_state, max_jitter_q4) == 64, "hot state first");

/*
 * Everything after the lock: what a copy of a stream's state takes (the
 * lock word itself is never copied between entries).  __builtin_offsetof:
 * libbpf's bpf_helpers.h defines an offsetof that is no constant expression.
 */
#define STREAM_STATE_BODY	__builtin_offsetof(struct stream_state, flags)
_Static_assert(STREAM_STATE_BODY == sizeof(struct bpf_spin_lock), "stream_state: the lock comes first");

#define STREAM_F_VALID		(1U << 0)	/* RFC 3550 A.1 probation passed: two packets in sequence */
#define STREAM_F_UNPAIRED	(1U << 1)	/* one end only is a learned endpoint: counted in its budget */
#define STREAM_F_CHARGED_SRC	(1U << 2)	/* ... the source's (else the destination's) */
/*
 * Put back from a state file into maps that were not watching (a restart
 * without --persist): the next packet's step over the gap is unseen, not
 * lost, and the time since the last packet seen is no gap between packets.
 */
#define STREAM_F_RESUMED	(1U << 3)

/*
 * A held record (map `pending`): the first packets of a stream whose
 * endpoint was not learned yet, keyed by its destination endpoint.
 */
struct pending_rtp {
	struct stream_key key;
	struct stream_state st;
};
_Static_assert(sizeof(struct pending_rtp) == 208, "pending_rtp layout");

/* Clock-rate codes: index into sipxdp_clock_hz / sipxdp_clock_ns_q32. */
enum sipxdp_clock {
	CLK_NONE = 0,
	CLK_8000,
	CLK_16000,
	CLK_11025,
	CLK_22050,
	CLK_44100,
	CLK_48000,
	CLK_90000,
	CLK_32000,
	CLK_24000,
	CLK_12000,
	CLK_1000,
	CLK_NR,
};
#define SIPXDP_CLOCK_MASK 15	/* CLK_NR <= 16: a mask bounds table indexing */
_Static_assert(CLK_NR <= SIPXDP_CLOCK_MASK + 1, "clock table fits the mask");

/*
 * Nanoseconds per RTP tick in Q32 fixed point, rounded: converting a
 * timestamp gap is a multiply, not a division.  1e9 << 32 still fits 64 bits.
 */
#define SIPXDP_NS_Q32(hz) ((__u64)(((1000000000ULL << 32) + (hz) / 2) / (hz)))

static const __u32 sipxdp_clock_hz[SIPXDP_CLOCK_MASK + 1] = {
	[CLK_8000] = 8000, [CLK_16000] = 16000, [CLK_11025] = 11025,
	[CLK_22050] = 22050, [CLK_44100] = 44100, [CLK_48000] = 48000,
	[CLK_90000] = 90000, [CLK_32000] = 32000, [CLK_24000] = 24000,
	[CLK_12000] = 12000, [CLK_1000] = 1000,
};

static const __u64 sipxdp_clock_ns_q32[SIPXDP_CLOCK_MASK + 1] = {
	[CLK_8000] = SIPXDP_NS_Q32(8000), [CLK_16000] = SIPXDP_NS_Q32(16000),
	[CLK_11025] = SIPXDP_NS_Q32(11025), [CLK_22050] = SIPXDP_NS_Q32(22050),
	[CLK_44100] = SIPXDP_NS_Q32(44100), [CLK_48000] = SIPXDP_NS_Q32(48000),
	[CLK_90000] = SIPXDP_NS_Q32(90000), [CLK_32000] = SIPXDP_NS_Q32(32000),
	[CLK_24000] = SIPXDP_NS_Q32(24000), [CLK_12000] = SIPXDP_NS_Q32(12000),
	[CLK_1000] = SIPXDP_NS_Q32(1000),
};

/* Per-CPU health counters: one PERCPU_ARRAY slot per counter set. */
struct sipxdp_health {
	__u64 packets;		/* every frame the program saw */
	__u64 sip;		/* SIP packets sent to user space */
	__u64 rtp;		/* RTP packets counted in a stream */
	__u64 non_rtp_media;	/* UDP to/from a media endpoint that is not RTP */
	__u64 malformed;	/* truncated or inconsistent L2-L4 headers */
	__u64 event_fail;	/* events not handed up: the ring buffer was full */
	__u64 stream_insert_fail; /* stream map full or no memory */
	__u64 rtcp;		/* RTCP-looking packets on media endpoints */
	__u64 non_ip;		/* frames that are not IPv4/IPv6 */
	__u64 ip_fragments;	/* IP fragments seen */
	__u64 sip_fragments;	/* fragments of SIP datagrams sent to user space */
	__u64 frag_unclaimed;	/* later fragments not matched to a SIP first fragment */
	__u64 sip_tcp;		/* TCP segments on SIP ports sent to user space */
	__u64 tls;		/* TCP segments on SIP-over-TLS ports (unreadable) */
	__u64 tls_conns;	/* TLS connections opened (SYN) */
	__u64 ip6_ext_unparsed;	/* IPv6 with more extension headers than we walk */
	__u64 dtmf_events;	/* RFC 4733 event end packets sent to user space */
	__u64 pending;		/* RTP packets held for a stream whose endpoint is not known yet */
	__u64 pending_claimed;	/* streams started from such a held record */
	__u64 stream_budget_refused; /* unpaired streams refused: their endpoint's or all of their budget used */
	__u64 pad[4];
};
_Static_assert(sizeof(struct sipxdp_health) == 192, "sipxdp_health layout");

/*
 * First fragments of SIP datagrams, remembered so that the later fragments
 * of the same datagram are handed up too (they carry no UDP header).
 */
struct frag_key {
	struct sipxdp_addr src;
	struct sipxdp_addr dst;
	__u32 id;		/* IPv4 identification (16 bits) or IPv6 fragment id */
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct frag_key) == 40, "frag_key layout");

#define SIPXDP_MAX_TLS_PORTS	4

/*
 * Header of each perf event; the kernel appends the first caplen bytes of
 * the frame (starting at the Ethernet header).  Offsets are from the start
 * of the frame, so user space needs no second L2-L4 parser.
 */
struct sipxdp_meta {
	__u64 ts_ns;		/* see clock */
	__u32 ifindex;
	__u32 cap_len;		/* bytes that follow this header: the whole frame */
	__u16 l3_off;		/* IP header */
	__u16 l4_off;		/* UDP/TCP header, or a later fragment's payload */
	__u16 payload_off;	/* SIP message, RTCP compound or RTP header (DTMF) */
	__u8 family;		/* 4 or 6 */
	__u8 l4_proto;		/* IPPROTO_UDP or IPPROTO_TCP */
	__u8 clock;		/* SIPXDP_CLOCK_* */
	__u8 flags;		/* SIPXDP_META_F_* */
	__u8 pad[6];
};
_Static_assert(sizeof(struct sipxdp_meta) == 32, "sipxdp_meta layout");

/*
 * An event as the ring buffer carries it: the header, then the frame, up to
 * SIPXDP_EVENT_FRAME_MAX bytes (XDP frames are at most 64 KiB; a longer one,
 * only possible on TC egress with GSO, is cut and flagged).
 */
#define SIPXDP_EVENT_FRAME_MAX	65536
struct sipxdp_event {
	struct sipxdp_meta m;
	__u8 frame[SIPXDP_EVENT_FRAME_MAX];
};

#define SIPXDP_META_F_FRAG	(1U << 0)	/* an IP fragment: l4_off is where its payload starts */
#define SIPXDP_META_F_RTCP	(1U << 1)	/* RTCP on a media endpoint, not SIP */
#define SIPXDP_META_F_DTMF	(1U << 2)	/* an RFC 4733 event end packet: payload_off is its RTP header */
#define SIPXDP_META_F_CUT	(1U << 3)	/* the frame was longer than SIPXDP_EVENT_FRAME_MAX */

#define SIPXDP_CLOCK_MONO	0	/* bpf_ktime_get_ns() */
#define SIPXDP_CLOCK_META	1	/* from XDP metadata: offline replay, Unix ns */

/*
 * The value of an instance's `meta` pin (--persist): which layout made the
 * pinned maps.  Written last, so an instance with maps but no meta was
 * never finished and is not taken.
 */
#define SIPXDP_PIN_MAGIC	0x53495058	/* "SIPX" */
struct sipxdp_pin_meta {
	__u32 magic;
	__u32 layout;		/* SIPXDP_LAYOUT_VERSION */
	__u64 created_ns;	/* CLOCK_REALTIME */
};
_Static_assert(sizeof(struct sipxdp_pin_meta) == 16, "sipxdp_pin_meta layout");

/* Offline replay puts the capture timestamp in front of the frame as XDP metadata. */
struct sipxdp_xdp_meta {
	__u64 ts_ns;
};
_Static_assert(sizeof(struct sipxdp_xdp_meta) == 8, "sipxdp_xdp_meta layout");

#endif /* SIPXDP_H */
