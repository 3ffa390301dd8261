/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reasm.h - turn what the kernel hands up into SIP messages.
 * UDP: one datagram, one message.  (IP fragments and TCP streams come here.)
 */
#ifndef SIPXDP_REASM_H
#define SIPXDP_REASM_H

#include "calls.h"
#include "sipxdp.h"

/* Fill pkt from a perf event. 0, or -EINVAL for an event whose headers do not add up. */
int reasm_udp(const struct sipxdp_meta *m, const uint8_t *frame, struct sip_pkt *pkt);

#endif
