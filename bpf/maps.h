/* SPDX-License-Identifier: GPL-2.0 */
/*
 * maps.h - every map of the XDP observer: why it exists, and why its type.
 * Key and value layouts are in include/sipxdp.h, the one header both sides
 * compile.  Sizes are defaults: user space may resize before load.
 */
#ifndef SIPXDP_MAPS_H
#define SIPXDP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sipxdp.h"

/*
 * Ports of the learned media endpoints, one bit each, kept by user space
 * (mmap'ed .bss, atomic word updates): two loads tell most UDP that it is
 * not media before any hash lookup is paid.  A global array, not a map,
 * because the program reads it without a helper call.
 */
__u64 media_ports[65536 / 64] = {};

/*
 * Unpaired streams (see endpoint_info) started and deleted, in all: the
 * kernel adds to the first, user space to the second (one writer each);
 * their difference may not pass unpaired_max, a share of the stream map,
 * so that streams both of whose ends an SDP named always find room.
 */
__u64 unpaired_created = 0;
__u64 unpaired_released = 0;

/*
 * Set by the agent before it sleeps long (no event for a while): the next
 * event wakes it, and clears this, once.  While events flow the agent polls
 * the ring instead, and nothing wakes it per event (see `events`).
 */
__u64 consumer_asleep = 0;	/* 64 bits: the BPF exchange of clang 14 is 64-bit only */

/*
 * Media endpoints learned from SDP (c= address, m= port), with the clock of
 * each payload type.  Written by user space only; a hash because the key is
 * an address and a port, and entries come and go with calls.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SIPXDP_DEF_MAX_ENDPOINTS);
	__type(key, struct endpoint_key);
	__type(value, struct endpoint_info);
} endpoints SEC(".maps");

/*
 * One entry per RTP stream, created by the first packet toward or from a
 * learned endpoint and deleted by user space when its call is over.  A hash
 * because two CPUs may update one stream at once (RSS spreads a flow over
 * queues when a hash changes; both directions of a symmetric port pair may
 * land on different CPUs): sequence, jitter and loss are a chain of
 * dependent updates that cannot be split per CPU and summed, so each value
 * carries a bpf_spin_lock taken around rtp_stream_update(), which a per-CPU
 * map may not hold.  User space reads with BPF_F_LOCK for a consistent copy.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SIPXDP_DEF_MAX_STREAMS);
	__type(key, struct stream_key);
	__type(value, struct stream_state);
} streams SEC(".maps");

/*
 * Per endpoint, the unpaired streams the kernel started there (an atomic
 * add at each).  Apart from the endpoint's value because user space
 * rewrites that whole; user space creates and deletes the entry with the
 * endpoint.  A hash like endpoints, of the same size.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SIPXDP_DEF_MAX_ENDPOINTS);
	__type(key, struct endpoint_key);
	__type(value, struct ep_count);
} ep_unpaired SEC(".maps");

/* Health counters: per-CPU, so counting costs no atomic; user space sums them. */
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
 * RTP that arrives before user space has learned its endpoint from the SDP
 * (RTP can follow the 200 OK by a millisecond; parsing it takes longer).
 * The first packets of such a stream are counted here, keyed by their
 * destination; when the endpoint is learned, the first packet that finds
 * it starts the stream from this record, so no packet is missed.  A hash,
 * not an LRU: an LRU map cannot hold a bpf_spin_lock ("map 'pending' has to
 * have BTF in order to use bpf_spin_lock", kernel 6.18); user space removes
 * records nobody claimed within a few seconds.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct endpoint_key);
	__type(value, struct pending_rtp);
} pending SEC(".maps");

/*
 * Room to build a new stream's value: its 288 bytes do not fit the 512-byte
 * BPF stack beside the rest.  Per-CPU, so no two packets share it.  Declared
 * by size, not type: a per-CPU map may not hold a bpf_spin_lock, and this
 * copy is never locked.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct stream_state));
} scratch SEC(".maps");

/* The same for a new held record (pending), 328 bytes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct pending_rtp));
} pending_scratch SEC(".maps");

/*
 * SIP, RTCP and RFC 4733 end packets to user space: a struct sipxdp_meta
 * and the frame.  A BPF ring buffer, not a perf buffer: one ring for all
 * CPUs keeps the events of a call in the order they were seen (RSS may
 * spread a call's messages over CPUs), and its producer can decline to
 * wake the consumer: a wakeup per event (an irq_work on the path of every
 * packet) was 15-20 us of the 20 us a SIP message cost in XDP.  The agent
 * polls the ring instead (user/kern.c); 8 MiB hold a few thousand INVITEs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/*
 * Where an event is put together before it is copied into the ring: the
 * helper that reads a multi-buffer frame writes to memory, not into a
 * ring record of a size the verifier cannot bound.  One entry per CPU
 * (an ARRAY indexed by CPU: a per-CPU array's values stop at 32 KiB);
 * XDP and TC egress never run nested on one CPU.  Resized to the CPUs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sipxdp_event);
} event_scratch SEC(".maps");

/*
 * The benchmark's floor (sipxdp_floor in sipxdp.bpf.c): a hash of the same
 * key and size as streams, with a counter for a value.  Never created by
 * the agent (kern.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SIPXDP_DEF_MAX_STREAMS);
	__type(key, struct stream_key);
	__type(value, __u64);
} floor_streams SEC(".maps");

#endif /* SIPXDP_MAPS_H */
