// SPDX-License-Identifier: GPL-2.0
/* sipbody.c - the SDP of a SIP body, multipart bodies included (sipbody.h). */
#include <stdio.h>
#include <string.h>

#include "sipbody.h"
#include "util.h"

/* The boundary parameter of a multipart Content-Type: a view into ct, or false. */
static bool boundary_of(struct sip_str ct, struct sip_str *out)
{
	const char *b = mem_find(ct.p, ct.len, "boundary=", 9), *q;
	size_t blen;

	if (!b)
		return false;
	b += 9;
	blen = ct.p + ct.len - b;
	if (blen && *b == '"') {
		q = memchr(b + 1, '"', blen - 1);
		if (!q)
			return false;
		blen = q - b - 1;
		b++;
	} else {
		q = memchr(b, ';', blen);
		if (q)
			blen = q - b;
		while (blen && (b[blen - 1] == ' ' || b[blen - 1] == '\t' || b[blen - 1] == '\r'))
			blen--;
	}
	if (!blen || blen > SIPBODY_MAX_BOUNDARY)
		return false;
	*out = (struct sip_str){ b, blen };
	return true;
}

bool sip_body_sdp(struct sip_str ct, struct sip_str body, struct sip_str *sdp)
{
	const char *end, *part, *next, *hdr_end;
	char delim[2 + SIPBODY_MAX_BOUNDARY + 1];
	struct sip_str boundary;
	size_t dlen;

	if (!body.len)
		return false;
	if (!ct.len || mem_prefix_ci(ct.p, ct.len, "application/sdp")) {
		*sdp = body;
		return true;
	}
	if (!mem_prefix_ci(ct.p, ct.len, "multipart/") || !boundary_of(ct, &boundary))
		return false;
	dlen = snprintf(delim, sizeof(delim), "--%.*s", (int)boundary.len, boundary.p);
	end = body.p + body.len;
	part = mem_find(body.p, body.len, delim, dlen);
	while (part) {
		part += dlen;
		next = mem_find(part, end - part, delim, dlen);
		hdr_end = mem_find(part, (next ? next : end) - part, "\r\n\r\n", 4);
		if (!hdr_end)
			return false;
		if (mem_find(part, hdr_end - part, "application/sdp", 15)) {
			sdp->p = hdr_end + 4;
			sdp->len = (next ? next : end) - sdp->p;
			return true;
		}
		part = next;
	}
	return false;
}
