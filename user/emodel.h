/* SPDX-License-Identifier: GPL-2.0 */
/*
 * emodel.h - ITU-T G.107 (06/2015) E-model, narrowband, reduced to what a
 * passive monitor can observe: packet loss (with its burstiness), one-way
 * delay and the codec.  Every other G.107 parameter keeps its default value
 * (Table 3), which is what makes Ro - Is a constant; see emodel.c for the
 * formulas and for which codec values come from ITU-T G.113 Appendix I and
 * which are estimates.
 *
 * The result is the conversational quality estimate (MOS-CQE): a planning
 * figure for trends and alarms, not a listening-test score.
 */
#ifndef SIPXDP_EMODEL_H
#define SIPXDP_EMODEL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The "Ro - Is" of R = Ro - Is - Id - Ie,eff + A: the R that G.107 gives for
 * its default parameter set (SLR 8, RLR 2, STMR 15, Nc -70 dBm0p, Ps = Pr
 * 35 dB(A), TELR 65, WEPL 110, T = Tr = Ta = 0, ...).  Strictly that 93.2 is
 * Ro 94.77 - Is 1.41 - 0.15 of listener-echo Idle that the defaults leave at
 * zero delay; folding the 0.15 in makes a perfect stream score 93.2.
 */
#define EMODEL_RO_MINUS_IS	93.2

/* emodel_delay_ms(): the smallest jitter buffer assumed, and the one-way
 * network delay used when the RTT is not known (an assumption, see emodel.c). */
#define EMODEL_JB_MIN_MS	20.0
#define EMODEL_NET_DEFAULT_MS	20.0

struct emodel_codec {
	const char *name;	/* as SDP writes it */
	double ie;		/* equipment impairment factor Ie */
	double bpl;		/* packet-loss robustness factor Bpl, > 0 */
	double delay_ms;	/* codec + packetisation delay, one way */
};

/*
 * Ie, Bpl and delay for an encoding name as SDP writes it ("PCMU", "G729",
 * "AMR", ...), case-insensitive.  NULL when unknown, when no defensible value
 * exists (DVI4, LPC, speex: see emodel.c) and for non-speech payloads
 * (telephone-event, CN).
 */
const struct emodel_codec *emodel_codec(const char *encoding);

struct emodel_in {
	const struct emodel_codec *codec;	/* NULL: emodel_compute() fails */
	double loss_pct;			/* Ppl in %, clamped to 0..100 */
	double burst_ratio;			/* BurstR, 1 for random loss; < 1 taken as 1 */
	double one_way_delay_ms;		/* Ta: network + jitter buffer + codec; < 0 taken as 0 */
};

struct emodel_out {
	double r;	/* transmission rating R; not clamped, may fall below 0 */
	double mos;	/* MOS-CQE, 1..4.5 */
	double ie_eff;	/* effective equipment impairment, Ie..95 */
	double id;	/* delay impairment (Idd only, see emodel.c) */
};

/*
 * R, MOS and the two impairments for one stream direction.  False, with out
 * untouched, when in or out or in->codec is NULL or an input is NaN.
 */
bool emodel_compute(const struct emodel_in *in, struct emodel_out *out);

/* G.107 Annex B: MOS-CQE from R (1 below R = 0, 4.5 above R = 100). */
double emodel_mos(double r);

/*
 * One-way delay estimate Ta in ms:
 *   codec delay + max(2 * jitter, EMODEL_JB_MIN_MS)
 *   + (rtt >= 0 ? rtt / 2 : EMODEL_NET_DEFAULT_MS)
 * jitter is the RFC 3550 interarrival jitter in ms (negative or NaN taken as
 * 0); rtt_ms < 0 or NaN means unknown.  c may be NULL (no codec delay).
 */
double emodel_delay_ms(const struct emodel_codec *c, double jitter_ms, double rtt_ms);

#endif /* SIPXDP_EMODEL_H */
