/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hepsend.h - HEP messages to their collectors (--hep), never in the way.
 *
 * The agent's thread encodes a message once (hep.c) and hands it to
 * hepsend_queue(), which copies it into a bounded queue per collector and
 * returns: it never waits on the network, and what does not fit is dropped
 * and counted.  One thread of its own sends from the queues: UDP datagrams
 * on a connected socket (a collector's ICMP refusals come back as errors,
 * and are counted), or a TCP stream of messages back to back (HEP frames
 * itself by its length field), connected without blocking and connected
 * again after a failure with a backoff of 0.5 s doubling to 30 s.
 *
 * A queue is a ring of bytes with one writer (the agent's thread) and one
 * reader (the sender's): no lock on either path; the sender is woken
 * through an eventfd only when a queue it had emptied gets a message.
 */
#ifndef SIPXDP_HEPSEND_H
#define SIPXDP_HEPSEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEP_MAX_COLLECTORS	4
#define HEPSEND_QUEUE_BYTES	(4u << 20)	/* per collector: about 4,000 SIP messages */

/* Why a message did not reach a collector. */
enum hep_drop {
	HEP_DROP_QUEUE_FULL,	/* its queue was full: the collector slow, down or unreachable */
	HEP_DROP_OVERSIZE,	/* longer than HEP's 65535 bytes: never queued */
	HEP_DROP_REFUSED,	/* UDP: the collector's host said port unreachable (ICMP) */
	HEP_DROP_SEND_FAILED,	/* any other error of the send */
	HEP_DROP_DISCONNECTED,	/* TCP: the connection broke with the message half written */
	HEP_DROP_EXIT,		/* still queued when the agent exited and the drain ran out */
	HEP_DROP_NR,
};

extern const char *const hep_drop_names[HEP_DROP_NR];

/* One collector as the outputs see it. */
struct hep_collector_stats {
	char name[80];			/* as given on the command line */
	bool tcp;
	bool connected;			/* TCP: the connection is up; UDP: the socket is */
	uint64_t sent;			/* messages handed to the kernel whole */
	uint64_t bytes;
	uint64_t writes;		/* send() calls that wrote something */
	uint64_t reconnects;		/* connection attempts after the first */
	uint64_t dropped[HEP_DROP_NR];
	uint64_t queued_bytes;
};

struct hepsend;
struct sockaddr_storage;

/*
 * "[udp:|tcp:]ADDR:PORT" (numeric; "[ADDR]:PORT" for IPv6; UDP unless
 * said).  0, or -EINVAL with why in err.
 */
int hepsend_parse(const char *s, bool *tcp, struct sockaddr_storage *ss, unsigned int *sslen,
		  char *err, size_t errlen);

/*
 * The collectors (n at most HEP_MAX_COLLECTORS), each with a queue of
 * queue_bytes.  wait_for_room (--read, where no live traffic waits): a
 * message that does not fit waits, up to a second, for the sender to make
 * room, instead of being dropped at once.  NULL after one line (a bad
 * address: *bad set; or out of memory).  Nothing is sent before
 * hepsend_start().
 */
struct hepsend *hepsend_new(const char *const *collectors, unsigned int n, size_t queue_bytes,
			    bool wait_for_room, bool *bad);
/*
 * Start the sender's thread (privileges are given up before: threads must
 * start after that) with the agent's signals blocked in it.  0 or -errno.
 */
int hepsend_start(struct hepsend *h);
/* One encoded message for every collector.  Never blocks live. */
void hepsend_queue(struct hepsend *h, const uint8_t *msg, size_t len);
/* A message that could not be encoded (over 65535 bytes): counted for every collector. */
void hepsend_oversize(struct hepsend *h);
/*
 * At exit: let the sender empty the queues for up to timeout_ns, then stop
 * it; what is left is counted (HEP_DROP_EXIT).  The figures are final after.
 */
void hepsend_drain(struct hepsend *h, uint64_t timeout_ns);
/* The collectors' figures (at most max); returns how many. */
unsigned int hepsend_stats(const struct hepsend *h, struct hep_collector_stats *out, unsigned int max);
void hepsend_free(struct hepsend *h);

#endif /* SIPXDP_HEPSEND_H */
