// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sipbody.c - libFuzzer target for user/sipbody.c: the SDP of a SIP
 * body, multipart bodies included (hostile bytes from any sender).
 *
 * Input: the Content-Type value up to the first LF, then the body.  Each
 * runs from a heap copy of exactly its size, so ASan reports any read at or
 * past either end.  Checked beyond memory safety: a found SDP lies inside
 * the body, and an application/sdp (or absent) type gives the body itself.
 * The SDP found then goes through sdp_parse, as the agent does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sdp.h"
#include "sipbody.h"
#include "util.h"



int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *lf = memchr(data, '\n', size);
	size_t ctlen = lf ? (size_t)(lf - data) : 0;
	size_t off = lf ? ctlen + 1 : 0;
	char *ct = dup_exact(data, ctlen), *body = dup_exact(data + off, size - off);
	struct sip_str vct = { ctlen ? ct : NULL, ctlen }, vbody = { body, size - off }, sdp = { 0 };
	static struct sdp_session sess;

	if (!ct || !body)
		goto out;
	if (sip_body_sdp(vct, vbody, &sdp)) {
		check(vbody.len > 0);
		check(sdp.p >= vbody.p && sdp.len <= vbody.len &&
		      (size_t)(sdp.p - vbody.p) <= vbody.len - sdp.len);
		if (!ctlen || mem_prefix_ci(ct, ctlen, "application/sdp"))
			check(sdp.p == vbody.p && sdp.len == vbody.len);
		(void)sdp_parse(sdp.p, sdp.len, &sess);
	} else {
		check(!vbody.len || (ctlen && !mem_prefix_ci(ct, ctlen, "application/sdp")));
	}
out:
	free(ct);
	free(body);
	return 0;
}
