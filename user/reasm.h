/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reasm.h - turn what the kernel hands up into SIP messages: whole UDP
 * datagrams as they are, IP fragments through ipfrag.c, TCP segments
 * through tcpsip.c.  Every message reaches one callback.
 */
#ifndef SIPXDP_REASM_H
#define SIPXDP_REASM_H

#include "calls.h"
#include "sipxdp.h"

struct ipfrag_table;
struct tcpsip;

struct reasm_stats {
	uint64_t bad_events;		/* events whose headers do not add up */
	uint64_t fragments_not_udp;	/* reassembled datagrams that are not UDP */
};

typedef void (*reasm_msg_cb)(void *ctx, const struct sip_pkt *pkt);

struct reasm {
	struct ipfrag_table *frags;
	struct tcpsip *tcp;
	struct reasm_stats st;
	reasm_msg_cb cb;
	void *ctx;
};

int reasm_init(struct reasm *r, reasm_msg_cb cb, void *ctx);
/* One perf event: meta and the frame bytes after it. */
void reasm_event(struct reasm *r, const struct sipxdp_meta *m, const uint8_t *frame);
/* Give up on fragments and TCP streams that waited too long. */
void reasm_expire(struct reasm *r, uint64_t now_ns);
void reasm_free(struct reasm *r);

/* Fill pkt from a whole UDP datagram's event. 0, or -EINVAL when its headers do not add up. */
int reasm_udp(const struct sipxdp_meta *m, const uint8_t *frame, struct sip_pkt *pkt);

#endif
