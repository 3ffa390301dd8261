/* SPDX-License-Identifier: GPL-2.0 */
/*
 * codec.h - RTP payload types: RFC 3551 static assignments, clock codes for
 * the kernel (enum sipxdp_clock) and display names.
 */
#ifndef SIPXDP_CODEC_H
#define SIPXDP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sipxdp.h"
#include "sdp.h"

/*
 * RFC 3551 static payload types: name and clock (either pointer may be NULL).
 * False for dynamic (>= 96) or unassigned/reserved types.
 */
bool codec_static(uint8_t pt, const char **name, uint32_t *clock_rate);

/* Clock code (enum sipxdp_clock) for a rate in Hz; CLK_NONE if not in the table. */
uint8_t codec_clock_code(uint32_t hz);

/*
 * Fill codes[SIPXDP_NR_PT] for one SDP media section (m may be NULL): static
 * types from RFC 3551 for every pt, then a=rtpmap entries override;
 * telephone-event (any case) gets CLK_NONE, as tshark computes no jitter for it.
 */
void codec_fill_clock_codes(uint8_t codes[SIPXDP_NR_PT], const struct sdp_media *m);

/*
 * "DVI4/8000" style text for pt in media m (rtpmap first, then the static
 * table; "/channels" appended when more than one); "PT-%u" when unknown.
 * m may be NULL.  Returns buf.
 */
const char *codec_name(char *buf, size_t n, const struct sdp_media *m, uint8_t pt);

/*
 * The codec as a Prometheus label value, from a name codec_name() wrote
 * (known: an SDP named it): the encoding from a fixed table in its usual
 * spelling, "other" for one not in it, "unknown" when nothing named it.
 */
const char *codec_label(const char *name, bool known);

#endif /* SIPXDP_CODEC_H */
