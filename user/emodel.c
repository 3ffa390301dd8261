// SPDX-License-Identifier: GPL-2.0
/*
 * emodel.c - ITU-T G.107 (06/2015) E-model for monitored RTP streams.
 *
 * R = Ro - Is - Id - Ie,eff + A with every parameter a monitor cannot see at
 * its G.107 default, so Ro - Is is the constant EMODEL_RO_MINUS_IS (93.2)
 * and the advantage factor A is 0 (wired access).
 *
 * Id is Idd alone (G.107 7.3 with mT = 100 ms, sT = 1):
 *   Idd = 0                                                 for Ta <= 100 ms
 *   Idd = 25 ((1 + X^6)^(1/6) - 3 (1 + (X/3)^6)^(1/6) + 2)  otherwise,
 *         X = log2(Ta / 100)
 * The talker- and listener-echo terms Idte and Idle are left out, i.e. echo
 * is taken as fully cancelled, as VoIP endpoints do.  With G.107's default
 * TELR 65 dB and WEPL 110 dB (and T = Ta, Tr = 2 Ta) they would take about
 * 2.5 more off R at Ta = 100 ms and 4.4 at 200 ms; the 0.15 they amount to
 * at zero delay is already inside the 93.2.
 *
 * Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl)      (G.107 7.4)
 * capped at 95, its value at total loss: with long bursts at high loss
 * (Ppl > Ppl / BurstR + Bpl) the formula runs past it, which means nothing.
 *
 * MOS-CQE from R is G.107 Annex B.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <strings.h>

#include "emodel.h"

/*
 * Codec table.  "G.113" marks a value from ITU-T G.113 Appendix I: Ie from
 * Table I.1, Ie with Bpl from Table I.3 (measured for the packet sizes
 * named there; real streams often use other sizes).  Everything else is an
 * estimate, with its reasoning; none is more precise than its source.
 *
 * delay_ms is the one-way codec delay: packetisation at the RFC 3551
 * default ptime of 20 ms (or the codec's frame where that is longer) plus
 * the encoder's look-ahead.  Decoder processing time is not counted.
 *
 * Wideband codecs (G722, AMR-WB, opus) belong to G.107.1, whose scale
 * (Ro 129, Ie,wb) is not this one.  They are scored here on the
 * narrowband scale with Ie 0, i.e. "no worse than G.711": a simplification
 * that gives up the wideband advantage but keeps the loss and delay
 * behaviour, which is what monitoring is for.
 *
 * Left out (NULL): DVI4 (IMA ADPCM, no ITU value and several clock rates),
 * LPC (LPC-10, not in G.113), speex (2.15 to 24.6 kbit/s, narrow- to
 * ultra-wideband: no single value fits), G728 (Ie 7 in G.113 but no Bpl
 * basis), QCELP, and non-speech payloads (telephone-event, CN).
 */
static const struct emodel_codec codecs[] = {
	/* G.113 Table I.3: G.711 with PLC (Appendix I/G.711), 10 ms packets.
	 * Without PLC it would be Bpl 4.3; receivers that matter conceal. */
	{ "PCMU", 0, 25.1, 20 },
	{ "PCMA", 0, 25.1, 20 },
	/* G.113 Table I.3: G.729A + VAD, 2 x 10 ms frames; 5 ms look-ahead. */
	{ "G729", 11, 19.0, 25 },
	/* G.113 Table I.3: G.723.1 + VAD at 6.3 kbit/s (5.3 kbit/s would be
	 * Ie 19, no Bpl given); 30 ms frame + 7.5 ms look-ahead. */
	{ "G723", 15, 16.1, 37.5 },
	/* Ie: G.113 Table I.1, GSM 06.10 full rate.  Bpl: estimate, GSM-EFR's
	 * G.113 value; both conceal by substitution and muting of lost frames
	 * (3GPP TS 46.011 / 46.061).  20 ms frames, no look-ahead. */
	{ "GSM", 20, 10.0, 20 },
	/* G.113 Table I.3: GSM-EFR, 20 ms. */
	{ "GSM-EFR", 5, 10.0, 20 },
	/* Estimate: the 12.2 kbit/s mode is GSM-EFR, so EFR's G.113 values.
	 * Optimistic when a lower mode is in use.  20 ms + 5 ms look-ahead
	 * (lower modes; 12.2 has none). */
	{ "AMR", 5, 10.0, 25 },
	/* Estimate: wideband on the narrowband scale (see above); Bpl as for
	 * AMR, same codec family and concealment.  20 ms + 5 ms look-ahead. */
	{ "AMR-WB", 0, 10.0, 25 },
	/* Estimate: wideband on the narrowband scale; Bpl as G.711 with PLC
	 * (G.722 Appendix III/IV define PLC).  Its few ms of QMF filter delay
	 * are neglected. */
	{ "G722", 0, 25.1, 20 },
	/* Estimate: wideband on the narrowband scale; Bpl as G.711 with PLC
	 * (Opus has PLC built in; in-band FEC is not credited).  20 ms frame
	 * + 6.5 ms look-ahead (RFC 6716 default mode). */
	{ "opus", 0, 25.1, 26.5 },
	/* Estimate: not in G.113.  Ie as G.729A, near which published
	 * listening tests place iLBC on a clean channel; Bpl as G.729A too,
	 * probably conservative since iLBC frames are decoded independently.
	 * RFC 3952 default 30 ms mode: 30 ms frame + 10 ms look-ahead. */
	{ "iLBC", 11, 19.0, 40 },
	/* Ie: G.113 Table I.1, G.726 at 40/32/24/16 kbit/s.  Bpl: estimate,
	 * G.711 without PLC (4.3): sample-based, no PLC in the standard, and
	 * a loss also upsets the ADPCM predictor. */
	{ "G726-40", 2, 4.3, 20 },
	{ "G726-32", 7, 4.3, 20 },
	{ "G726-24", 25, 4.3, 20 },
	{ "G726-16", 50, 4.3, 20 },
	/* Estimate: linear PCM has no coding distortion, so at least G.711's
	 * Ie 0; receivers conceal it as they do G.711 (the Appendix I/G.711
	 * PLC works on linear samples). */
	{ "L16", 0, 25.1, 20 },
};

const struct emodel_codec *emodel_codec(const char *encoding)
{
	size_t i;

	if (!encoding)
		return NULL;
	for (i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (!strcasecmp(encoding, codecs[i].name))
			return &codecs[i];
	return NULL;
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static double idd(double ta_ms)
{
	double x;

	if (ta_ms <= 100)
		return 0;
	/* An infinite Ta would make the two large terms inf - inf; at
	 * DBL_MAX X is 1024 and Idd has long reached its limit of 50. */
	x = log2(fmin(ta_ms, DBL_MAX) / 100);
	/* Just above 100 ms the terms cancel to rounding noise: keep it >= 0. */
	return fmax(25 * (pow(1 + pow(x, 6), 1.0 / 6) - 3 * pow(1 + pow(x / 3, 6), 1.0 / 6) + 2), 0);
}

double emodel_mos(double r)
{
	double mos;

	if (isnan(r) || r <= 0)
		return 1;
	if (r >= 100)
		return 4.5;
	mos = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
	/* The cubic dips just below 1 for 0 < R < 6.5 (to about 0.99), falling
	 * as R rises up to R 3.2; the MOS scale has nothing below 1, and the
	 * floor keeps MOS monotone in R. */
	return fmax(mos, 1);
}

bool emodel_compute(const struct emodel_in *in, struct emodel_out *out)
{
	double ppl, burst, ie, ie_eff, id, r;

	if (!in || !out || !in->codec)
		return false;
	if (isnan(in->loss_pct) || isnan(in->burst_ratio) || isnan(in->one_way_delay_ms))
		return false;
	ppl = clamp(in->loss_pct, 0, 100);
	burst = fmax(in->burst_ratio, 1);
	ie = in->codec->ie;
	ie_eff = fmin(ie + (95 - ie) * ppl / (ppl / burst + in->codec->bpl), 95);
	id = idd(fmax(in->one_way_delay_ms, 0));
	r = EMODEL_RO_MINUS_IS - id - ie_eff;

	out->r = r;
	out->mos = emodel_mos(r);
	out->ie_eff = ie_eff;
	out->id = id;
	return true;
}

/*
 * The jitter buffer is sized at twice the RFC 3550 interarrival jitter (a
 * mean deviation, so 2x covers most of the spread), never below 20 ms,
 * which is about what adaptive buffers keep on a quiet network.  Without
 * an RTT (RTCP) the network leg is assumed to be 20 ms, a national
 * terrestrial path: a guess, but one that keeps Ta from pretending the
 * network is free.  Half the RTT assumes a symmetric path.
 */
double emodel_delay_ms(const struct emodel_codec *c, double jitter_ms, double rtt_ms)
{
	double jb, net;

	if (isnan(jitter_ms) || jitter_ms < 0)
		jitter_ms = 0;
	jb = fmax(2 * jitter_ms, EMODEL_JB_MIN_MS);
	net = (isnan(rtt_ms) || rtt_ms < 0) ? EMODEL_NET_DEFAULT_MS : rtt_ms / 2;
	return (c ? c->delay_ms : 0) + jb + net;
}
