/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sipbody.h - the SDP of a SIP message body: the body itself, or the
 * application/sdp part of a multipart body (SIP-I/SIP-T gateways send SDP
 * beside ISUP, RFC 3204; RFC 2046 multipart framing).  Input is untrusted
 * (pointer, length) views, never NUL-terminated; the result is a view into
 * the body, nothing is allocated.
 */
#ifndef SIPXDP_SIPBODY_H
#define SIPXDP_SIPBODY_H

#include <stdbool.h>

#include "sip.h"

/* RFC 2046 5.1.1: a boundary is 1 to 70 characters. */
#define SIPBODY_MAX_BOUNDARY 70

/*
 * content_type is the Content-Type header value (absent: the body is taken
 * as SDP, as RFC 3261 lets a UA assume), body the message body.  True with
 * *sdp set when the body is application/sdp, or is multipart/... with a
 * boundary parameter and holds a part whose headers name application/sdp
 * (the first such part; it ends at the next delimiter or at the body's end).
 * False for an empty body, another type, or multipart framing that does not
 * hold (no or bad boundary, a part without the blank line after its headers).
 */
bool sip_body_sdp(struct sip_str content_type, struct sip_str body, struct sip_str *sdp);

#endif /* SIPXDP_SIPBODY_H */
