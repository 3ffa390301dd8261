// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ipfrag.c - libFuzzer target for user/ipfrag.c.
 *
 * The first byte picks a mode and the table's bounds (small ones, so that
 * eviction and timeouts happen all the time):
 *
 *   raw:        records of [len:2][dt:1][len bytes]: arbitrary packets.
 *   synthetic:  records of 6 bytes, each describing one well-formed IPv4 or
 *               IPv6 fragment of one of 8 datagrams, whose bytes follow a
 *               fixed pattern.  Random bytes rarely make fragments that
 *               share a key; these always do, so reassembly itself is what
 *               gets explored.  Datagrams with an odd id may get corrupted
 *               fragments; ids 0 and 2 never do and always carry UDP, so
 *               whenever one completes, it must be the pattern, byte for
 *               byte.
 *
 * Every packet is an exact-size heap copy, so ASan reports any read at or
 * past len.  Checked beyond memory safety: memory and datagram bounds,
 * results inside their buffers, the pattern above.  A broken invariant
 * prints itself and traps, which libFuzzer reports as a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ipfrag.h"


#define MS 1000000ULL

struct bounds {
	size_t mem_limit;
	unsigned int max_dgrams;
};

static uint8_t pattern(unsigned int id, unsigned int family, size_t pos)
{
	return (uint8_t)(pos * 31 + (pos >> 8) * 7 + id * 13 + family);
}

/* Read every result byte (ASan checks them) and the invariants of one call. */
static void check_call(struct ipfrag_table *t, const struct bounds *b, int rc,
		       const struct ipfrag_result *r, const uint8_t *pkt, size_t len)
{
	const struct ipfrag_stats *st = ipfrag_stats(t);
	volatile uint8_t sink = 0;
	size_t i;

	check(rc == IPFRAG_NOT_FRAGMENT || rc == IPFRAG_HELD || rc == IPFRAG_COMPLETE ||
	      rc == -EINVAL || rc == -EBADMSG || rc == -ENOMEM);
	check(ipfrag_mem_used(t) <= b->mem_limit);
	check(ipfrag_pending(t) <= b->max_dgrams);
	check(st->completed <= st->fragments);
	if (rc == IPFRAG_NOT_FRAGMENT) {
		check(r->l4 >= pkt && r->l4 <= pkt + len);
		check(r->l4_len <= (size_t)(pkt + len - r->l4));
	}
	if (rc == IPFRAG_NOT_FRAGMENT || rc == IPFRAG_COMPLETE) {
		check(r->family == 4 || r->family == 6);
		check(r->l4_len <= 65535);
		for (i = 0; i < r->l4_len; i++)
			sink ^= r->l4[i];
	}
	(void)sink;
}

static int feed_copy(struct ipfrag_table *t, const struct bounds *b, const uint8_t *data,
		     size_t len, uint64_t now, struct ipfrag_result *r)
{
	uint8_t *pkt = malloc(len ? len : 1);
	int rc;

	if (!pkt)
		return -ENOMEM;
	memcpy(pkt, data, len);
	rc = ipfrag_feed(t, pkt, len, now, r);
	check_call(t, b, rc, r, pkt, len);
	free(pkt);	/* a NOT_FRAGMENT result points into pkt: checked already */
	return rc;
}

static void run_raw(struct ipfrag_table *t, const struct bounds *b, const uint8_t *p, size_t n)
{
	struct ipfrag_result r;
	uint64_t now = 0;

	while (n >= 3) {
		size_t len = (size_t)p[0] << 8 | p[1];

		now += p[2] * MS;
		p += 3;
		n -= 3;
		if (len > n)
			len = n;
		feed_copy(t, b, p, len, now, &r);
		if (now % 7 == 0)
			ipfrag_expire(t, now);
		p += len;
		n -= len;
	}
}

/* Build one fragment from a 6-byte record; returns its length in pkt. */
static size_t make_frag(uint8_t *pkt, const uint8_t *rec, unsigned int *id_out)
{
	unsigned int flags = rec[0], id = flags >> 5, family = flags & 1 ? 6 : 4;
	uint32_t off = ((uint32_t)(rec[1] << 8 | rec[2]) & 0x1fff) * 8;
	size_t dlen = (size_t)(rec[3] << 8 | rec[4]) % 4100, hdr, i;
	int more = flags & 2, corrupt = (flags & 4) && (id & 1), opts = flags & 16;
	/*
	 * Ids 4-7 claim the IPv6 fragmentable part opens with destination
	 * options, so the pattern bytes get walked as a header.
	 */
	uint8_t nh = id & 4 ? 60 : 17;

	*id_out = id;
	if (family == 4) {
		hdr = opts ? 24 : 20;	/* options: the 65535 limit counts the header */
		memset(pkt, 0, hdr);
		pkt[0] = (uint8_t)(0x40 | hdr / 4);
		pkt[2] = (uint8_t)((hdr + dlen) >> 8);
		pkt[3] = (uint8_t)(hdr + dlen);
		pkt[5] = (uint8_t)id;
		pkt[6] = (uint8_t)((more ? 0x20 : 0) | off >> 11);
		pkt[7] = (uint8_t)(off >> 3);
		pkt[9] = 17;
		pkt[12] = 10, pkt[15] = 1;
		pkt[16] = 10, pkt[19] = 2;
	} else {
		size_t o = 40;

		hdr = 40 + (opts ? 8 : 0) + 8;
		memset(pkt, 0, hdr);
		pkt[0] = 0x60;
		pkt[4] = (uint8_t)((hdr - 40 + dlen) >> 8);
		pkt[5] = (uint8_t)(hdr - 40 + dlen);
		pkt[6] = opts ? 60 : 44;
		pkt[8] = 0xfd, pkt[23] = 1;
		pkt[24] = 0xfd, pkt[39] = 2;
		if (opts) {
			pkt[o] = 44;		/* length 0, Pad1 x 6 */
			o += 8;
		}
		pkt[o] = nh;
		pkt[o + 2] = (uint8_t)(off >> 8);
		pkt[o + 3] = (uint8_t)((off & 0xf8) | (more ? 1 : 0));
		pkt[o + 7] = (uint8_t)id;
	}
	for (i = 0; i < dlen; i++)
		pkt[hdr + i] = pattern(id, family, off + i);
	if (corrupt && dlen)
		pkt[hdr + rec[5] % dlen] ^= 0x5a;
	return hdr + dlen;
}

static void run_synthetic(struct ipfrag_table *t, const struct bounds *b, const uint8_t *p,
			  size_t n)
{
	static uint8_t pkt[56 + 4100];
	struct ipfrag_result r;
	uint64_t now = 0;

	for (; n >= 6; p += 6, n -= 6) {
		unsigned int id;
		size_t len = make_frag(pkt, p, &id), i;
		int rc;

		now += (p[5] & 0x0f) * MS;
		rc = feed_copy(t, b, pkt, len, now, &r);
		if (rc == IPFRAG_COMPLETE && !(id & 5)) {
			for (i = 0; i < r.l4_len; i++)
				check(r.l4[i] == pattern(id, r.family, i));
		}
		if (p[0] & 8)
			ipfrag_expire(t, now);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t mem[4] = { 2048, 16384, 80000, 1u << 20 };
	struct ipfrag_table *t;
	struct bounds b;

	if (size < 1)
		return 0;
	b.mem_limit = mem[data[0] >> 1 & 3];
	b.max_dgrams = 1 + (data[0] >> 3 & 7);
	/* timeout 5 to 35 ms, against steps of 0-15 ms (synthetic) or 0-255 ms (raw) */
	t = ipfrag_new(b.mem_limit, (5 + 10 * (uint64_t)(data[0] >> 6 & 3)) * MS);
	if (!t)
		return 0;
	ipfrag_set_max_datagrams(t, b.max_dgrams);
	if (data[0] & 1)
		run_synthetic(t, &b, data + 1, size - 1);
	else
		run_raw(t, &b, data + 1, size - 1);
	ipfrag_free(t);
	return 0;
}
