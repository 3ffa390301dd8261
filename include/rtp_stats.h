/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtp_stats.h - per-stream RTP statistics, the one implementation.
 *
 * Compiled into the XDP program (called under the stream's spin lock) and
 * into the unit tests, so what is tested is what runs.  Integer arithmetic
 * only, no loops, no helper calls (the verifier forbids calls while a
 * bpf_spin_lock is held, and this sits on the per-packet path), and one
 * division, taken only by packets that do not enter the mean (below).
 *
 * What follows RFC 3550 and where it follows tshark 4.0 (the analysis
 * operators compare us with) instead:
 *  - received counts every packet (duplicates too), so lost = expected -
 *    received goes negative on duplication, as RFC 3550 A.3 and tshark do.
 *  - extended highest sequence number and restarts as RFC 3550 A.1 (see
 *    rtp_seq_update()); tshark knows no restart, so a sender that resets its
 *    numbering shows there as a burst of loss or a negative loss, and here
 *    as a restart with the loss on either side of it.
 *  - duplicates are told from late packets with a 64-packet window behind
 *    the highest sequence number; older late packets count as out of order.
 *  - jitter is RFC 3550 A.8, J += (|D| - J) / 16, with D taken as tshark 4.0
 *    does: arrival gap to the previous packet, whatever its payload type,
 *    minus the RTP timestamp gap to the previous packet whose payload type
 *    has a known clock.  Packets without a clock (telephone-event, unknown
 *    dynamic types) do not update J.
 *  - max delta, max jitter and the mean take only "regular" packets as
 *    tshark defines them: not the first, no marker bit, not comfort noise
 *    (PT 13 or 19) nor right after it, timestamp not before the stream's
 *    first (what tshark 4.0.17 checks, measured against it on reordered
 *    streams).  The mean is tshark's running mean, which divides by all
 *    packets seen so far: every packet that does not enter it still dilutes
 *    it.  mean_acc_q4 holds mean * (packets - 1): a regular packet adds its
 *    J, any other packet after the second scales it by n / (n - 1) (one
 *    division, only for irregular packets), and the mean is read as
 *    mean_acc_q4 / (packets - 1).
 */
#ifndef SIPXDP_RTP_STATS_H
#define SIPXDP_RTP_STATS_H

#include "sipxdp.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define RTP_MAX_DROPOUT	3000
#define RTP_MAX_MISORDER	100
#define RTP_SEQ_NONE		0x10000		/* bad_seq: no jump pending */

#define RTP_PT_CN	13
#define RTP_PT_CN_OLD	19

/*
 * What the statistics need from one RTP packet, in host byte order, and the
 * clock of its payload type (enum sipxdp_clock, CLK_NONE: no clock), which
 * the caller knows from the endpoints' SDP.
 */
struct rtp_sample {
	__u64 now_ns;
	__u32 ts;
	__u32 bytes;
	__u16 seq;
	__u8 pt;
	__u8 marker;
	__u8 clock_code;
};

static __always_inline int rtp_pt_is_cn(__u8 pt)
{
	return pt == RTP_PT_CN || pt == RTP_PT_CN_OLD;
}

/*
 * ticks * (ns per tick, Q32) >> 32, rounded, split in an integer and a
 * fraction part so that no product overflows for ticks < 2^31.
 */
static __always_inline __u64 rtp_ticks_to_ns(__u64 ticks, __u8 code)
{
	__u64 q32 = sipxdp_clock_ns_q32[code & SIPXDP_CLOCK_MASK];

	return ticks * (q32 >> 32) + ((ticks * (q32 & 0xffffffffULL) + (1ULL << 31)) >> 32);
}

/* The first packet of a stream. */
static __always_inline void rtp_stream_init(struct stream_state *s,
					    const struct rtp_sample *p)
{
	s->packets = 1;
	s->bytes = p->bytes;
	s->first_ns = p->now_ns;
	s->last_ns = p->now_ns;
	s->base_seq = p->seq;
	s->max_seq = p->seq;
	s->pt = p->pt & (SIPXDP_NR_PT - 1);
	s->clock_code = p->clock_code;
	s->seen_window = 1;
	s->bad_seq = RTP_SEQ_NONE;
	s->first_ts = p->ts;
	s->ref_ts = p->ts;
}

/*
 * RFC 3550 A.1: a step forward of less than MAX_DROPOUT is in order (the
 * gap is loss); a step back of up to MAX_MISORDER is a late or duplicated
 * packet; anything else is a jump, and two sequential packets after a jump
 * mean the sender restarted its numbering: the loss so far is kept, and
 * counting starts again from the packet that jumped.
 */
static __always_inline void rtp_seq_update(struct stream_state *s, __u16 seq, __u64 before)
{
	__u16 ahead = seq - s->max_seq;
	__u16 behind = s->max_seq - seq;

	if (ahead == 0) {
		s->duplicates++;
	} else if (ahead < RTP_MAX_DROPOUT) {
		/*
		 * Probation (RFC 3550 A.1, MIN_SEQUENTIAL 2): a source is valid
		 * once two packets came in sequence.  The packets before still
		 * count, as tshark counts them; a stray that never validates is
		 * left out of the reports (user space).
		 */
		if (ahead == 1)
			s->flags |= STREAM_F_VALID;
		if (seq < s->max_seq)
			s->cycles += 65536;
		s->seen_window = ahead >= 64 ? 1 : (s->seen_window << ahead) | 1;
		s->max_seq = seq;
	} else if (behind <= RTP_MAX_MISORDER) {
		if (behind < 64) {
			__u64 bit = 1ULL << behind;

			if (s->seen_window & bit) {
				s->duplicates++;
				return;
			}
			s->seen_window |= bit;
		}
		s->out_of_order++;
	} else if (seq == s->bad_seq) {
		/*
		 * Restart at the packet before this one, the one that jumped:
		 * the old sequence's loss is kept (its strays not received), the
		 * jumped packet now belongs to the new one.
		 */
		s->lost_before += (__s64)(s->cycles + s->max_seq) - (__s64)s->base_seq + 1 -
				  (__s64)(s->bad_received - s->received_base - (s->strays - 1));
		s->received_base = s->bad_received;
		s->base_seq = (__u16)(seq - 1);
		s->max_seq = seq;
		s->cycles = 0;
		s->seen_window = 3;
		s->bad_seq = RTP_SEQ_NONE;
		s->strays = 0;
		s->restarts++;
	} else {
		/* A stray, or the first packet of a restart: not received until we know. */
		s->bad_seq = (__u16)(seq + 1);
		s->bad_received = before;
		s->strays++;
	}
}

/*
 * The first packet after a gap no agent watched (STREAM_F_RESUMED): what
 * its sequence number steps over was not seen, which is not loss; and the
 * gap is the observer's, not the network's, so neither the jitter nor the
 * delta is taken across it (this packet is the new reference, as a first
 * one is).  A step past RTP_MAX_DROPOUT is left to rtp_seq_update()'s jump.
 */
static __always_inline void rtp_stream_resume(struct stream_state *s, const struct rtp_sample *p)
{
	__u16 ahead = p->seq - s->max_seq;

	s->flags &= ~STREAM_F_RESUMED;
	if (ahead > 1 && ahead < RTP_MAX_DROPOUT)
		s->unseen += ahead - 1;
	s->last_ns = p->now_ns;
}

static __always_inline void rtp_stream_update(struct stream_state *s,
					      const struct rtp_sample *p)
{
	int resumed = s->flags & STREAM_F_RESUMED;
	__u64 before = s->packets;		/* tshark's total_nr at this packet */
	__u8 prev_pt = s->pt;
	__u8 pt = p->pt & (SIPXDP_NR_PT - 1);
	__u8 code = p->clock_code;
	__s64 delta_ns;
	/* tshark 4.0: "wrong timestamp" is a timestamp before the stream's first. */
	int wrong_ts = (__s32)(p->ts - s->first_ts) < 0;
	int regular;

	if (resumed)
		rtp_stream_resume(s, p);
	delta_ns = (__s64)(p->now_ns - s->last_ns);

	s->packets++;
	s->bytes += p->bytes;
	s->last_ns = p->now_ns;
	rtp_seq_update(s, p->seq, before);
	s->pt = pt;
	s->clock_code = code;

	if (code != CLK_NONE && resumed) {
		s->ref_ts = p->ts;
	} else if (code != CLK_NONE) {
		__s32 ticks = (__s32)(p->ts - s->ref_ts);
		__u64 nominal = rtp_ticks_to_ns(ticks < 0 ? -(__s64)ticks : ticks, code);
		__s64 d = delta_ns - (ticks < 0 ? -(__s64)nominal : (__s64)nominal);
		__u64 dabs = d < 0 ? (__u64)-d : (__u64)d;

		s->jitter_q4 += dabs - ((s->jitter_q4 + 8) >> 4);
		s->ref_ts = p->ts;
	}

	regular = !resumed && !wrong_ts && !p->marker && !rtp_pt_is_cn(pt) && !rtp_pt_is_cn(prev_pt);
	if (regular && delta_ns > 0 && (__u64)delta_ns > s->max_delta_ns)
		s->max_delta_ns = delta_ns;
	if (regular && code != CLK_NONE) {
		if (s->jitter_q4 > s->max_jitter_q4)
			s->max_jitter_q4 = s->jitter_q4;
		s->mean_acc_q4 += s->jitter_q4;
		s->jitter_n++;
	} else if (before > 1) {
		/* The mean stays, the count grows: mean * (n - 1) becomes mean * n. */
		s->mean_acc_q4 += s->mean_acc_q4 / (before - 1);
	}
}

/* Derived figures, for user space. */
static inline __u32 rtp_ext_max_seq(const struct stream_state *s)
{
	return s->cycles + s->max_seq;
}

/*
 * Expected and lost since the last restart, and lost in all (RFC 3550 A.3),
 * but for what was stepped over while no agent watched (unseen).
 */
static inline __s64 rtp_expected(const struct stream_state *s)
{
	return (__s64)rtp_ext_max_seq(s) - (__s64)s->base_seq + 1;
}

static inline __s64 rtp_lost(const struct stream_state *s)
{
	return s->lost_before + rtp_expected(s) -
	       (__s64)(s->packets - s->received_base - s->strays) - (__s64)s->unseen;
}

/* Mean jitter, ns << 4, as tshark's running mean. */
static inline __u64 rtp_mean_jitter_q4(const struct stream_state *s)
{
	return s->packets > 1 ? s->mean_acc_q4 / (s->packets - 1) : 0;
}

#endif /* SIPXDP_RTP_STATS_H */
