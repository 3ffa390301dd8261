// SPDX-License-Identifier: GPL-2.0
/*
 * rtcp.c - RTCP compound packet parsing.
 *
 * The compound is walked packet by packet; each packet's length field is
 * checked against the bytes left before anything in it is read, and each
 * type's parser gets only the packet's own bytes (padding removed), so a
 * parser cannot read into the next packet, let alone past the buffer.
 */
#include <errno.h>
#include <string.h>

#include "rtcp.h"
#include "util.h"

#define RTCP_HDR_LEN		4
#define RTCP_SR_LEN		28	/* header, SSRC, sender info */
#define RTCP_RR_LEN		8	/* header, SSRC */
#define RTCP_REPORT_LEN		24
#define RTCP_APP_LEN		12	/* header, SSRC, name */
#define RTCP_FB_LEN		12	/* header, sender SSRC, media SSRC */
#define RTCP_XR_LEN		8	/* header, SSRC */
#define XR_BLOCK_HDR_LEN	4
#define XR_BT_VOIP		7
#define XR_VOIP_LEN		36	/* block length field 8 */

/* 2208988800: seconds from 1900-01-01 (NTP epoch) to 1970-01-01. */
#define NTP_UNIX_OFFSET		2208988800ULL

/* Parse state beyond what *out shows. */
struct walk {
	bool have_sender;	/* an SR/RR has set out->sender_ssrc */
};

static void parse_report(const uint8_t *b, struct rtcp_report *r)
{
	uint32_t lost = get_be32(b + 4) & 0xffffff;

	r->ssrc = get_be32(b);
	r->fraction_lost = b[4];
	/* Sign-extend 24 bits without implementation-defined conversions. */
	r->cumulative_lost = (int32_t)(lost ^ 0x800000) - 0x800000;
	r->ext_highest_seq = get_be32(b + 8);
	r->jitter = get_be32(b + 12);
	r->lsr = get_be32(b + 16);
	r->dlsr = get_be32(b + 20);
}

/*
 * SR or RR of n bytes (padding removed); fixed is the length before the
 * report blocks.  Blocks are kept only from the sender of the first SR/RR:
 * later ones with its SSRC are the overflow RRs of RFC 3550 6.1.
 */
static int parse_sr_rr(const uint8_t *h, size_t n, size_t fixed, struct walk *w,
		       struct rtcp_packet *out)
{
	unsigned int rc = h[0] & 0x1f, i;
	uint32_t ssrc;
	bool mine;

	if (n < fixed + (size_t)rc * RTCP_REPORT_LEN)
		return -EINVAL;
	ssrc = get_be32(h + 4);
	if (!w->have_sender) {
		w->have_sender = true;
		out->sender_ssrc = ssrc;
		out->sender_pt = h[1];
	}
	mine = ssrc == out->sender_ssrc;
	if (mine && h[1] == RTCP_PT_SR && !out->has_sr) {
		out->has_sr = true;
		out->sr.ntp = get_be64(h + 8);
		out->sr.rtp_ts = get_be32(h + 16);
		out->sr.packets = get_be32(h + 20);
		out->sr.octets = get_be32(h + 24);
	}
	for (i = 0; i < rc; i++) {
		if (!mine || out->nreports >= RTCP_MAX_REPORTS) {
			out->nreports_dropped++;
			continue;
		}
		parse_report(h + fixed + (size_t)i * RTCP_REPORT_LEN,
			     &out->reports[out->nreports++]);
	}
	return 0;
}

static void parse_xr_voip(const uint8_t *b, struct rtcp_xr_voip *v)
{
	v->ssrc = get_be32(b + 4);
	v->loss_rate = b[8];
	v->discard_rate = b[9];
	v->burst_density = b[10];
	v->gap_density = b[11];
	v->burst_duration = get_be16(b + 12);
	v->gap_duration = get_be16(b + 14);
	v->round_trip_delay = get_be16(b + 16);
	v->end_system_delay = get_be16(b + 18);
	v->signal_level = b[20];
	v->noise_level = b[21];
	v->rerl = b[22];
	v->gmin = b[23];
	v->r_factor = b[24];
	v->ext_r_factor = b[25];
	v->mos_lq = b[26];
	v->mos_cq = b[27];
	v->rx_config = b[28];
	/* b[29] reserved */
	v->jb_nominal = get_be16(b + 30);
	v->jb_maximum = get_be16(b + 32);
	v->jb_abs_max = get_be16(b + 34);
}

/* XR (RFC 3611 3): report blocks, each (block length + 1) words, tile the body. */
static int parse_xr(const uint8_t *h, size_t n, struct rtcp_packet *out)
{
	size_t off = RTCP_XR_LEN, blen;

	if (n < RTCP_XR_LEN)
		return -EINVAL;
	while (off < n) {
		const uint8_t *b = h + off;

		if (n - off < XR_BLOCK_HDR_LEN)
			return -EINVAL;
		blen = ((size_t)get_be16(b + 2) + 1) * 4;
		if (blen > n - off)
			return -EINVAL;
		if (b[0] == XR_BT_VOIP) {
			if (blen != XR_VOIP_LEN)
				return -EINVAL;
			if (out->nxr_voip < RTCP_MAX_XR_VOIP)
				parse_xr_voip(b, &out->xr_voip[out->nxr_voip++]);
			else
				out->nxr_voip_dropped++;
		}
		off += blen;
	}
	return 0;
}

/* BYE: SC SSRCs, then optionally a length byte and that much reason text. */
static int parse_bye(const uint8_t *h, size_t n, struct rtcp_packet *out)
{
	size_t need = RTCP_HDR_LEN + (size_t)(h[0] & 0x1f) * 4;

	if (n < need)
		return -EINVAL;
	if (n > need && (size_t)h[need] + 1 > n - need)
		return -EINVAL;
	out->has_bye = true;
	return 0;
}

/* One RTCP packet of n bytes (header included, padding removed). */
static int parse_one(const uint8_t *h, size_t n, struct walk *w,
		     struct rtcp_packet *out)
{
	switch (h[1]) {
	case RTCP_PT_SR:
		return parse_sr_rr(h, n, RTCP_SR_LEN, w, out);
	case RTCP_PT_RR:
		return parse_sr_rr(h, n, RTCP_RR_LEN, w, out);
	case RTCP_PT_SDES:
		out->has_sdes = true;
		return 0;
	case RTCP_PT_BYE:
		return parse_bye(h, n, out);
	case RTCP_PT_APP:
		if (n < RTCP_APP_LEN)
			return -EINVAL;
		out->has_app = true;
		return 0;
	case RTCP_PT_RTPFB:
	case RTCP_PT_PSFB:
		return n < RTCP_FB_LEN ? -EINVAL : 0;
	case RTCP_PT_XR:
		return parse_xr(h, n, out);
	default:
		/* Other RTCP types are skipped; anything else is not RTCP. */
		return h[1] >= 192 && h[1] <= 223 ? 0 : -EINVAL;
	}
}

int rtcp_parse(const uint8_t *p, size_t len, struct rtcp_packet *out)
{
	struct walk w = { .have_sender = false };
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (!p || len == 0)
		return -EINVAL;
	while (off < len) {
		const uint8_t *h = p + off;
		size_t rest = len - off, plen, body;

		if (rest < RTCP_HDR_LEN || h[0] >> 6 != 2)
			goto bad;
		plen = ((size_t)get_be16(h + 2) + 1) * 4;
		if (plen > rest)
			goto bad;
		body = plen;
		if (h[0] & 0x20) {
			/* Only the last packet may be padded (RFC 3550 6.4.1). */
			if (plen != rest)
				goto bad;
			if (h[plen - 1] == 0 || h[plen - 1] > plen - RTCP_HDR_LEN)
				goto bad;
			body -= h[plen - 1];
		}
		if (parse_one(h, body, &w, out))
			goto bad;
		out->nparts++;
		off += plen;
	}
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

bool rtcp_looks_like(const uint8_t *p, size_t len)
{
	if (!p || len < RTCP_HDR_LEN)
		return false;
	return p[0] >> 6 == 2 && p[1] >= 192 && p[1] <= 223;
}

bool rtcp_rtt(const struct rtcp_report *r, uint64_t arrival_ntp, double *rtt_seconds)
{
	uint32_t elapsed;

	if (!r->lsr)
		return false;
	/* Time since the SR left its sender, modulo 2^32 units of 1/65536 s. */
	elapsed = rtcp_ntp_mid32(arrival_ntp) - r->lsr;
	if (elapsed >= 0x80000000u || r->dlsr > elapsed)
		return false;
	*rtt_seconds = (double)(elapsed - r->dlsr) / 65536.0;
	return true;
}

uint64_t rtcp_ntp_from_unix_ns(uint64_t ns)
{
	uint64_t sec = ns / 1000000000u + NTP_UNIX_OFFSET;
	uint64_t frac = ((ns % 1000000000u) << 32) / 1000000000u;

	return sec << 32 | frac;
}
