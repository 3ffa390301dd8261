/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipfrag.h - IPv4 and IPv6 fragment reassembly for the datagrams the kernel
 * hands up.  Large SIP messages over UDP are often fragmented; the XDP
 * program passes every fragment of such a datagram and this module puts
 * them back together.
 *
 * Safety first, since the bytes are hostile: holes are tracked exactly, an
 * overlap whose bytes differ from what is held drops the whole datagram
 * (RFC 5722, applied to IPv4 too), and the number of incomplete datagrams
 * and the memory they hold are both bounded, the oldest going first.
 */
#ifndef SIPXDP_IPFRAG_H
#define SIPXDP_IPFRAG_H

#include <stdint.h>
#include <stddef.h>

#include "sipxdp.h"	/* struct sipxdp_addr: IPv4 stored IPv4-mapped */

/* Default bound on incomplete datagrams; see ipfrag_set_max_datagrams(). */
#define IPFRAG_DEF_MAX_DATAGRAMS	1024

struct ipfrag_stats {
	uint64_t fragments;		/* fragment packets fed (valid headers) */
	uint64_t completed;		/* datagrams reassembled */
	uint64_t timed_out;		/* datagrams dropped incomplete after the timeout */
	uint64_t overlaps;		/* datagrams dropped for an overlap with different bytes */
	uint64_t duplicates;		/* fragments that brought nothing new (ignored) */
	uint64_t dropped_memory;	/* datagrams dropped to stay under mem_limit */
	uint64_t dropped_too_many;	/* datagrams dropped over the count bound */
	uint64_t invalid;		/* packets rejected with -EINVAL */
};

struct ipfrag_result {
	uint8_t family;			/* 4 or 6 */
	uint8_t proto;			/* L4 protocol (UDP=17) */
	/*
	 * Only for IPFRAG_NOT_FRAGMENT: the capture holds fewer bytes than the
	 * IP length says; l4_len counts what was captured.  (A truncated
	 * fragment is useless and rejected with -EINVAL.)
	 */
	uint8_t truncated;
	struct sipxdp_addr src, dst;
	const uint8_t *l4;		/* L4 header + data of the whole datagram */
	size_t l4_len;
};

struct ipfrag_table;			/* opaque */

enum { IPFRAG_NOT_FRAGMENT = 0, IPFRAG_HELD = 1, IPFRAG_COMPLETE = 2 };

/*
 * mem_limit: bytes held in all incomplete datagrams (their buffers and
 * bookkeeping); timeout_ns: how long an incomplete datagram waits, counted
 * from its first fragment.  NULL (errno set) when out of memory.
 */
struct ipfrag_table *ipfrag_new(size_t mem_limit, uint64_t timeout_ns);
void ipfrag_free(struct ipfrag_table *t);

/* Bound on incomplete datagrams (default IPFRAG_DEF_MAX_DATAGRAMS, minimum 1). */
void ipfrag_set_max_datagrams(struct ipfrag_table *t, unsigned int max);

/*
 * Feed one IP packet starting at its IPv4 or IPv6 header (len bytes, as
 * captured; trailing Ethernet padding is ignored).  Returns:
 *   IPFRAG_NOT_FRAGMENT  res filled, l4 points into the caller's buffer;
 *                        an IPv6 atomic fragment (offset 0, M=0) is one.
 *   IPFRAG_HELD          stored (or an identical duplicate, ignored);
 *                        the datagram is incomplete.
 *   IPFRAG_COMPLETE      res->l4 points into the table's buffer, valid until
 *                        the next ipfrag_feed/ipfrag_expire/ipfrag_free.
 *   -EINVAL              malformed or truncated header, a fragment that
 *                        contradicts the held ones (the datagram is dropped),
 *                        or a datagram over 65535 bytes.
 *   -EBADMSG             overlap with different bytes: datagram dropped.
 *   -ENOMEM              the datagram alone does not fit mem_limit (dropped),
 *                        or an allocation failed.
 * res is written only for NOT_FRAGMENT and COMPLETE.
 */
int ipfrag_feed(struct ipfrag_table *t, const uint8_t *ip, size_t len, uint64_t now_ns,
		struct ipfrag_result *res);

/* Drop incomplete datagrams older than the timeout (counted in timed_out). Call periodically. */
void ipfrag_expire(struct ipfrag_table *t, uint64_t now_ns);

const struct ipfrag_stats *ipfrag_stats(const struct ipfrag_table *t);
size_t ipfrag_mem_used(const struct ipfrag_table *t);
/* Number of incomplete datagrams held. */
size_t ipfrag_pending(const struct ipfrag_table *t);

#endif
