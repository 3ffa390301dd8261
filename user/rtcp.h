/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtcp.h - RTCP compound packet parsing (RFC 3550 section 6, RFC 3611 XR
 * VoIP Metrics, RFC 5761 RTP/RTCP multiplexing).  Input is untrusted bytes
 * (p, len); nothing is allocated, nothing is read at or past p[len].
 *
 * All values returned are in host byte order.
 */
#ifndef SIPXDP_RTCP_H
#define SIPXDP_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTCP_MAX_REPORTS	31	/* the most one SR/RR can carry (5-bit count) */
#define RTCP_MAX_XR_VOIP	4

enum rtcp_pt {
	RTCP_PT_SR	= 200,
	RTCP_PT_RR	= 201,
	RTCP_PT_SDES	= 202,
	RTCP_PT_BYE	= 203,
	RTCP_PT_APP	= 204,
	RTCP_PT_RTPFB	= 205,
	RTCP_PT_PSFB	= 206,
	RTCP_PT_XR	= 207,
};

struct rtcp_report {		/* one report block (SR or RR) */
	uint32_t ssrc;		/* source this block reports on */
	uint8_t fraction_lost;	/* /256 */
	int32_t cumulative_lost;	/* 24-bit signed, sign-extended */
	uint32_t ext_highest_seq;
	uint32_t jitter;	/* in RTP timestamp units of that source */
	uint32_t lsr;		/* middle 32 bits of the NTP time of the last SR from that source */
	uint32_t dlsr;		/* 1/65536 s */
};

struct rtcp_sender_info {
	uint64_t ntp;		/* 32.32 fixed point, seconds since 1900 */
	uint32_t rtp_ts;
	uint32_t packets;
	uint32_t octets;
};

/*
 * RFC 3611 4.7 VoIP Metrics Report Block, fields as on the wire: rates and
 * densities /256, durations and delays in ms, signal_level, noise_level and
 * rerl in dB (signal_level and noise_level are two's complement: cast to
 * int8_t), R factors 0..100 (127 unavailable), MOS x10 (127 unavailable).
 */
struct rtcp_xr_voip {
	uint32_t ssrc;		/* source this block reports on */
	uint8_t loss_rate, discard_rate, burst_density, gap_density;
	uint16_t burst_duration, gap_duration, round_trip_delay, end_system_delay;
	uint8_t signal_level, noise_level, rerl, gmin, r_factor, ext_r_factor,
		mos_lq, mos_cq, rx_config;
	uint16_t jb_nominal, jb_maximum, jb_abs_max;
};

struct rtcp_packet {			/* one compound packet, summarised */
	uint32_t sender_ssrc;		/* of the first SR/RR; 0 when there is none */
	uint8_t sender_pt;		/* its packet type, RTCP_PT_SR or RTCP_PT_RR; 0 when there is none */
	bool has_sr;			/* sr is from an SR of sender_ssrc */
	struct rtcp_sender_info sr;
	int nreports;
	struct rtcp_report reports[RTCP_MAX_REPORTS];
	int nxr_voip;
	struct rtcp_xr_voip xr_voip[RTCP_MAX_XR_VOIP];
	bool has_bye;
	bool has_sdes;
	bool has_app;
	int nparts;			/* RTCP packets in the compound */
	/* additions */
	int nreports_dropped;		/* valid blocks not kept: no room, or in an
					 * SR/RR from another SSRC than sender_ssrc */
	int nxr_voip_dropped;		/* valid VoIP Metrics blocks beyond RTCP_MAX_XR_VOIP */
};

/*
 * Parse one compound RTCP packet (one UDP payload).  0, or -EINVAL when it
 * is malformed; all or nothing: on -EINVAL *out is zeroed, nothing of the
 * parts before the fault is kept.  Malformed is:
 *  - len 0 or not a whole number of RTCP packets: every packet needs its
 *    4-byte header, version 2, and a length field that ends inside the
 *    buffer; the lengths must add up to len exactly (RFC 3550 A.2);
 *  - a packet type outside 192..223 (not RTCP, RFC 5761 4);
 *  - the padding bit on any packet but the last, or a padding count of 0 or
 *    more than the packet's body (RFC 3550 6.4.1; the count need not be a
 *    multiple of 4);
 *  - a count that does not fit the length: SR 28 + 24*RC bytes, RR 8 + 24*RC,
 *    BYE 4 + 4*SC plus the optional reason (length byte and text), APP 12,
 *    RTPFB/PSFB 12 (RFC 4585 6.1), XR 8; bytes beyond what a count needs are
 *    allowed (profile-specific extensions);
 *  - XR report blocks that do not tile the XR body exactly, or a VoIP
 *    Metrics block (BT 7) whose block length is not 8 (36 bytes).
 * Lenient: the first packet need not be SR or RR (RFC 5506 reduced-size
 * RTCP); SDES and other types in 192..223 are not looked into beyond their
 * length.  Report blocks from every SR/RR of sender_ssrc are kept in order,
 * up to RTCP_MAX_REPORTS; XR VoIP Metrics blocks from every XR, up to
 * RTCP_MAX_XR_VOIP; the rest are counted in the *_dropped fields.
 *
 * A truncated compound therefore parses only when the cut falls between two
 * packets, and then as the packets before the cut.
 */
int rtcp_parse(const uint8_t *p, size_t len, struct rtcp_packet *out);

/*
 * Is this datagram RTCP rather than RTP?  RFC 5761 4: version 2 and a second
 * byte in 192..223, which RTP shows as a marker bit and payload type 64..95,
 * the range RFC 5761 forbids RTP to use when multiplexed.  A classifier, not
 * a validity check: rtcp_parse() may still reject it.
 */
bool rtcp_looks_like(const uint8_t *p, size_t len);

/*
 * Round-trip time from a report block received at arrival_ntp (64-bit NTP
 * format), RFC 3550 6.4.1: A - LSR - DLSR, in the middle 32 bits of NTP time,
 * modulo 2^32 (LSR wraps every 18.2 h).  false when LSR is 0 (no SR received
 * yet), when arrival is before LSR (clock skew) or the result is negative;
 * round-trip times of 2^15 s or more read as negative.
 */
bool rtcp_rtt(const struct rtcp_report *r, uint64_t arrival_ntp, double *rtt_seconds);

/*
 * Unix time in ns to 64-bit NTP format (32.32 seconds since 1900), fraction
 * truncated.  Seconds wrap modulo 2^32 from 2036-02-07 06:28:16 UTC (NTP
 * era 1), as on the wire.
 */
uint64_t rtcp_ntp_from_unix_ns(uint64_t ns);

/* The middle 32 bits of an NTP time, as compared with LSR. */
static inline uint32_t rtcp_ntp_mid32(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

#endif /* SIPXDP_RTCP_H */
