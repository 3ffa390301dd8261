// SPDX-License-Identifier: GPL-2.0
/* codec.c - RTP payload type tables (RFC 3551 section 6). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codec.h"

struct static_pt {
	const char *name;
	uint32_t clock;
	uint8_t channels;
};

static const struct static_pt static_pts[35] = {
	[0] = { "PCMU", 8000, 1 },	[3] = { "GSM", 8000, 1 },
	[4] = { "G723", 8000, 1 },	[5] = { "DVI4", 8000, 1 },
	[6] = { "DVI4", 16000, 1 },	[7] = { "LPC", 8000, 1 },
	[8] = { "PCMA", 8000, 1 },	[9] = { "G722", 8000, 1 },
	[10] = { "L16", 44100, 2 },	[11] = { "L16", 44100, 1 },
	[12] = { "QCELP", 8000, 1 },	[13] = { "CN", 8000, 1 },
	[14] = { "MPA", 90000, 0 },	[15] = { "G728", 8000, 1 },
	[16] = { "DVI4", 11025, 1 },	[17] = { "DVI4", 22050, 1 },
	[18] = { "G729", 8000, 1 },	[25] = { "CelB", 90000, 0 },
	[26] = { "JPEG", 90000, 0 },	[28] = { "nv", 90000, 0 },
	[31] = { "H261", 90000, 0 },	[32] = { "MPV", 90000, 0 },
	[33] = { "MP2T", 90000, 0 },	[34] = { "H263", 90000, 0 },
};

bool codec_static(uint8_t pt, const char **name, uint32_t *clock_rate)
{
	if (pt >= sizeof(static_pts) / sizeof(static_pts[0]) || !static_pts[pt].name)
		return false;
	if (name)
		*name = static_pts[pt].name;
	if (clock_rate)
		*clock_rate = static_pts[pt].clock;
	return true;
}

uint8_t codec_clock_code(uint32_t hz)
{
	uint8_t c;

	for (c = CLK_NONE + 1; c < CLK_NR; c++)
		if (sipxdp_clock_hz[c] == hz)
			return c;
	return CLK_NONE;
}

void codec_fill_clock_codes(uint8_t codes[SIPXDP_NR_PT], const struct sdp_media *m)
{
	uint32_t hz;
	int i;

	for (i = 0; i < SIPXDP_NR_PT; i++)
		codes[i] = codec_static((uint8_t)i, NULL, &hz) ? codec_clock_code(hz) : CLK_NONE;
	for (i = 0; m && i < m->nrtpmap; i++) {
		const struct sdp_rtpmap *r = &m->rtpmap[i];

		if (r->pt >= SIPXDP_NR_PT)
			continue;
		codes[r->pt] = strcasecmp(r->encoding, "telephone-event") ?
			codec_clock_code(r->clock_rate) : CLK_NONE;
	}
}

const char *codec_name(char *buf, size_t n, const struct sdp_media *m, uint8_t pt)
{
	const char *name = NULL;
	uint32_t clock = 0;
	unsigned ch = 0;
	int i;

	if (!n)
		return buf;
	for (i = 0; m && i < m->nrtpmap && !name; i++) {
		if (m->rtpmap[i].pt == pt) {
			name = m->rtpmap[i].encoding;
			clock = m->rtpmap[i].clock_rate;
			ch = m->rtpmap[i].channels;
		}
	}
	if (!name && codec_static(pt, &name, &clock))
		ch = static_pts[pt].channels;
	if (!name)
		snprintf(buf, n, "PT-%u", pt);
	else if (ch > 1)
		snprintf(buf, n, "%s/%u/%u", name, clock, ch);
	else
		snprintf(buf, n, "%s/%u", name, clock);
	return buf;
}

/*
 * Encodings a label may name: RFC 3551's and the common dynamic ones.  A
 * label's values must be few whatever an SDP says: any other name is
 * "other".
 */
static const char *const label_names[] = {
	"PCMU", "PCMA", "G722", "G729", "G723", "G728", "GSM", "GSM-EFR", "DVI4", "L16", "LPC", "QCELP",
	"G726-16", "G726-24", "G726-32", "G726-40", "G7221", "G719", "AMR", "AMR-WB", "EVS", "opus", "iLBC",
	"speex", "SILK", "telephone-event", "CN", "H261", "H263", "H263-1998", "H264", "H265", "VP8", "VP9",
	"red", "t140",
};

const char *codec_label(const char *name, bool known)
{
	size_t n, i;

	if (!known)
		return "unknown";
	n = strcspn(name, "/");
	for (i = 0; i < sizeof(label_names) / sizeof(label_names[0]); i++)
		if (strlen(label_names[i]) == n && !strncasecmp(label_names[i], name, n))
			return label_names[i];
	return "other";
}
