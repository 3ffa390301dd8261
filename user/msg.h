/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msg.h - one message as reassembly hands it up: a whole SIP message (from
 * a UDP datagram, reassembled IP fragments or a TCP stream), or an RTCP
 * compound or an RFC 4733 event end packet seen on a media endpoint.
 * Owned by the layer that produces it (reasm.c); the call layers above
 * only read it.  payload points into the producer's buffer and is valid
 * for the duration of the callback only.
 */
#ifndef SIPXDP_MSG_H
#define SIPXDP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "sipxdp.h"

enum msg_kind { MSG_SIP, MSG_RTCP, MSG_DTMF };

struct msg {
	uint64_t ts_ns;			/* event clock: see sipxdp_meta.clock */
	uint32_t ifindex;		/* where it was seen (0: not known) */
	enum msg_kind kind;
	uint8_t proto;			/* IPPROTO_UDP or IPPROTO_TCP (0: UDP) */
	struct sipxdp_addr src, dst;
	uint16_t sport, dport;		/* host order */
	const char *payload;		/* SIP message, RTCP compound, or RTP packet (DTMF) */
	size_t len;
};

typedef void (*msg_cb)(void *ctx, const struct msg *msg);

#endif /* SIPXDP_MSG_H */
