/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reasm.h - turn what the kernel hands up into SIP messages: whole UDP
 * datagrams as they are, IP fragments through ipfrag.c, TCP segments
 * through tcpsip.c.  Every message reaches one callback.
 */
#ifndef SIPXDP_REASM_H
#define SIPXDP_REASM_H

#include "ipfrag.h"
#include "msg.h"
#include "sipxdp.h"
#include "tcpsip.h"

struct reasm_stats {
	uint64_t bad_events;		/* events whose headers do not add up */
	uint64_t fragments_not_udp;	/* reassembled datagrams that are not UDP */
};

struct reasm_figures;

struct reasm {
	struct ipfrag_table *frags;
	struct tcpsip *tcp;
	struct reasm_stats st;
	const struct reasm_figures *base;	/* an earlier agent's counts, added to ours (NULL: none) */
	uint32_t ifindex;		/* of the event being handled (TCP messages have no header of their own) */
	msg_cb cb;
	void *ctx;
};

/* Everything reassembly counts, copied out for the outputs. */
struct reasm_figures {
	struct reasm_stats events;
	struct ipfrag_stats frag;
	size_t frag_mem;		/* bytes held for incomplete datagrams */
	struct tcpsip_stats tcp;
	size_t tcp_mem;			/* bytes buffered for TCP streams */
};

int reasm_init(struct reasm *r, msg_cb cb, void *ctx);
/* One event: meta and the frame bytes after it. */
void reasm_event(struct reasm *r, const struct sipxdp_meta *m, const uint8_t *frame);
/* Give up on fragments and TCP streams that waited too long. */
void reasm_expire(struct reasm *r, uint64_t now_ns);
void reasm_free(struct reasm *r);
void reasm_figures(const struct reasm *r, struct reasm_figures *out);

/* Fill msg from a whole UDP datagram's event. 0, or -EINVAL when its headers do not add up. */
int reasm_udp(const struct sipxdp_meta *m, const uint8_t *frame, struct msg *msg);

#endif
