// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_rtcp.c - libFuzzer target for user/rtcp.c.
 *
 * rtcp_parse runs on a heap copy of exactly size bytes, so ASan reports any
 * read at or past p[len].  Beyond memory safety it checks the contract the
 * agent relies on: the result is 0 or -EINVAL and all or nothing, counts stay
 * within their arrays, nparts agrees with an independent walk of the length
 * fields, a parsed compound looks like RTCP, dropping the last packet leaves
 * a valid compound of the ones before, and round-trip times are never
 * negative.  A broken invariant prints itself and traps.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rtcp.h"



/* Packets by their length fields alone; *last is where the last one starts. */
static int walk_parts(const uint8_t *p, size_t len, size_t *last)
{
	size_t off = 0;
	int k = 0;

	while (len - off >= 4) {
		*last = off;
		off += ((size_t)(p[off + 2] << 8 | p[off + 3]) + 1) * 4;
		k++;
		if (off >= len)
			break;
	}
	return off == len ? k : -1;
}

static void check_counts(const struct rtcp_packet *m, size_t len)
{
	check(m->nparts >= 1 && (size_t)m->nparts <= len / 4);
	check(m->nreports >= 0 && m->nreports <= RTCP_MAX_REPORTS);
	check(m->nxr_voip >= 0 && m->nxr_voip <= RTCP_MAX_XR_VOIP);
	check(m->nreports_dropped >= 0 && m->nxr_voip_dropped >= 0);
	/* Every report block and VoIP block took its bytes of the input. */
	check((size_t)(m->nreports + m->nreports_dropped) * 24 <= len);
	check((size_t)(m->nxr_voip + m->nxr_voip_dropped) * 36 <= len);
	check(m->nxr_voip_dropped == 0 || m->nxr_voip == RTCP_MAX_XR_VOIP);
	check(!m->has_sr || m->nparts >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rtcp_packet zero;
	struct rtcp_packet m, again, pre;
	uint8_t *p = dup_exact(data, size);
	size_t last = 0;
	uint64_t arrival = 0;
	int rc, parts, i;

	rc = rtcp_parse(p, size, &m);
	check(rc == 0 || rc == -EINVAL);
	check(rtcp_parse(p, size, &again) == rc);
	check(!memcmp(&m, &again, sizeof(m)));
	if (rc) {
		check(!memcmp(&m, &zero, sizeof(m)));
		goto out;
	}

	check_counts(&m, size);
	parts = walk_parts(p, size, &last);
	check(parts == m.nparts);
	check(rtcp_looks_like(p, size));

	/* The packets before the last are a valid compound on their own. */
	if (m.nparts > 1) {
		check(rtcp_parse(p, last, &pre) == 0);
		check(pre.nparts == m.nparts - 1);
		check(pre.nreports <= m.nreports);
		check(pre.nxr_voip <= m.nxr_voip);
		check(pre.sender_ssrc == m.sender_ssrc || pre.sender_ssrc == 0);
		check(!pre.has_sr || m.has_sr);
	}

	for (i = 0; i < 8 && (size_t)i < size; i++)
		arrival = arrival << 8 | p[size - 1 - (size_t)i];
	for (i = 0; i < m.nreports; i++) {
		double rtt;

		check(m.reports[i].cumulative_lost >= -8388608 &&
		      m.reports[i].cumulative_lost <= 8388607);
		if (rtcp_rtt(&m.reports[i], arrival, &rtt))
			check(rtt >= 0.0 && rtt < 32768.0);
	}
out:
	free(p);
	return 0;
}
