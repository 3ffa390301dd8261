// SPDX-License-Identifier: GPL-2.0
/* quality.c - a stream's codec and E-model figures (quality.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emodel.h"
#include "quality.h"
#include "rtp_stats.h"

static bool codec_is_voice(const char *name)
{
	return strncasecmp(name, "telephone-event", 15) && strncasecmp(name, "CN/", 3);
}

/*
 * The stream's codec from its call's SDP: the payload type of its newest
 * packet, unless that was an RFC 4733 event or comfort noise in a stream
 * that also carried voice, in which case the first voice codec of the m=
 * line (what the stream carries otherwise).  Either end's SDP may name it.
 */
static const char *stream_codec(const struct stream_rec *s, const struct media_call *mc,
				uint32_t *clock_rate)
{
	const char *voice = NULL;
	uint32_t voice_rate = 0;
	int i, j;

	*clock_rate = sipxdp_clock_hz[s->st.clock_code & SIPXDP_CLOCK_MASK];
	if (!mc)
		return NULL;
	for (i = 0; i < mc->nep; i++) {
		const struct call_ep *e = &mc->ep[i];

		if (e->rtcp)
			continue;
		if (!(e->key.port == s->key.dport && !memcmp(&e->key.addr, &s->key.dst, 16)) &&
		    !(e->key.port == s->key.sport && !memcmp(&e->key.addr, &s->key.src, 16)))
			continue;
		for (j = 0; j < e->npt; j++) {
			/* A stream that never carried voice (events only) is named for what it carries. */
			if (e->pt[j].pt == s->st.pt && (codec_is_voice(e->pt[j].name) || !s->st.jitter_n)) {
				if (e->pt[j].clock_rate)
					*clock_rate = e->pt[j].clock_rate;
				return e->pt[j].name;
			}
			if (!voice && codec_is_voice(e->pt[j].name)) {
				voice = e->pt[j].name;
				voice_rate = e->pt[j].clock_rate;
			}
		}
	}
	if (voice && voice_rate)
		*clock_rate = voice_rate;
	return voice;
}

/*
 * ITU-T G.107 E-model for a stream: its codec's impairment, the loss we
 * counted (random loss assumed), and a one-way delay estimated from the
 * jitter and, when RTCP gave one, the round trip (user/emodel.c).
 */
static void stream_emodel(const struct stream_rec *s, const char *codec_name, struct stream_quality *q)
{
	struct emodel_in in = { .burst_ratio = 1 };
	int64_t expected = rtp_expected(&s->st), lost = rtp_lost(&s->st);
	struct emodel_out out;
	char enc[32];

	snprintf(enc, sizeof(enc), "%.*s", (int)strcspn(codec_name, "/"), codec_name);
	in.codec = emodel_codec(enc);
	if (!in.codec)
		return;
	in.loss_pct = expected > 0 && lost > 0 ? 100.0 * lost / expected : 0;
	in.one_way_delay_ms = emodel_delay_ms(in.codec, quality_jitter_ms(s->st.jitter_q4),
					      q->rtcp ? q->rtcp->rtt_ms : -1);
	if (!emodel_compute(&in, &out))
		return;
	q->has_mos = true;
	q->r_factor = out.r;
	q->mos = out.mos;
}

void quality_of(const struct stream_rec *s, const struct media_call *owner, struct stream_quality *q)
{
	const char *name;

	memset(q, 0, sizeof(*q));
	name = stream_codec(s, owner, &q->clock_rate);
	q->rtcp = owner ? media_rtcp_of(owner, s->key.ssrc) : NULL;
	if (name) {
		q->codec_known = true;
		snprintf(q->codec, sizeof(q->codec), "%s", name);
		stream_emodel(s, name, q);
	} else {
		snprintf(q->codec, sizeof(q->codec), "PT-%u", s->st.pt);
	}
}
