/* SPDX-License-Identifier: GPL-2.0 */
/*
 * quality.h - what a stream's figures mean to a listener: the codec it
 * carries (named from its call's SDP), and the ITU-T G.107 E-model R-factor
 * and MOS from that codec, the loss counted and a delay estimated from the
 * jitter and the RTCP round trip.  Computed once per stream each time the
 * outputs are written, and read by all of them.
 */
#ifndef SIPXDP_QUALITY_H
#define SIPXDP_QUALITY_H

#include <stdbool.h>
#include <stdint.h>

#include "media.h"

struct stream_quality {
	char codec[32];			/* "PCMA/8000" from the SDP, or "PT-%u" */
	bool codec_known;		/* named by the call's SDP (not a PT-%u fallback) */
	uint32_t clock_rate;		/* Hz; 0 if unknown */
	const struct rtcp_view *rtcp;	/* newest RTCP receiver report about it, or NULL */
	bool has_mos;			/* the codec has an E-model impairment (Ie) */
	double r_factor, mos;
};

/* owner may be NULL (a stream no call claims): the codec is then PT-%u. */
void quality_of(const struct stream_rec *s, const struct media_call *owner, struct stream_quality *q);

/*
 * Milliseconds as every output writes them: to the nanosecond (finer
 * digits are arithmetic, not measurement), so that a record and a HEP
 * report of the same stream say the same number.
 */
static inline double quality_round_ms(double ms)
{
	return __builtin_round(ms * 1e6) / 1e6;
}

/* Jitter in ns << 4 (struct stream_state) to milliseconds. */
static inline double quality_jitter_ms(uint64_t q4)
{
	return (double)q4 / 16.0 / 1e6;
}

#endif /* SIPXDP_QUALITY_H */
