// SPDX-License-Identifier: GPL-2.0
/* reasm.c - SIP datagrams from perf events. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "reasm.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

int reasm_udp(const struct sipxdp_meta *m, const uint8_t *frame, struct sip_pkt *pkt)
{
	uint32_t cap = m->cap_len, end;
	uint16_t ulen;

	if (m->l4_proto != IPPROTO_UDP || m->l4_off + 8u > cap || m->payload_off > cap)
		return -EINVAL;
	memset(pkt, 0, sizeof(*pkt));
	if (m->family == 4) {
		if (m->l3_off + 20u > m->l4_off)
			return -EINVAL;
		pkt->src.a[10] = pkt->src.a[11] = 0xff;
		pkt->dst.a[10] = pkt->dst.a[11] = 0xff;
		memcpy(&pkt->src.a[12], frame + m->l3_off + 12, 4);
		memcpy(&pkt->dst.a[12], frame + m->l3_off + 16, 4);
	} else if (m->family == 6) {
		if (m->l3_off + 40u > m->l4_off)
			return -EINVAL;
		memcpy(pkt->src.a, frame + m->l3_off + 8, 16);
		memcpy(pkt->dst.a, frame + m->l3_off + 24, 16);
	} else {
		return -EINVAL;
	}
	pkt->sport = be16(frame + m->l4_off);
	pkt->dport = be16(frame + m->l4_off + 2);
	ulen = be16(frame + m->l4_off + 4);
	if (ulen < 8)
		return -EINVAL;
	/* The kernel checked the UDP length against the frame; the capture may be shorter. */
	end = m->l4_off + ulen;
	if (end > cap)
		end = cap;
	pkt->ts_ns = m->ts_ns;
	pkt->payload = (const char *)frame + m->payload_off;
	pkt->len = end > m->payload_off ? end - m->payload_off : 0;
	return 0;
}
