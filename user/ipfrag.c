// SPDX-License-Identifier: GPL-2.0
/*
 * ipfrag.c - IPv4/IPv6 fragment reassembly.
 *
 * Each incomplete datagram keeps one buffer for its fragmentable part and a
 * bitmap of 8-byte blocks.  Blocks are exact, not an approximation: every
 * fragment starts on a multiple of 8 and every fragment but the last ends on
 * one (fragments that do not are rejected), and the last one is checked
 * against all the others, so only the final block can be partial and only
 * the last fragment can fill it.  A fixed 1 KiB bitmap also bounds the work
 * per fragment, where a list of ranges would let tiny fragments make
 * insertion quadratic.
 *
 * Datagrams live in a uthash table whose application order is creation
 * order: the head is the oldest, the one to drop first.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ipfrag.h"
#include "util.h"

/* Make a failed bucket allocation in HASH_ADD an error we can return, not exit(). */
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(obj) ((obj)->oom = 1)
#include "hashing.h"

#define IPFRAG_MAXPACKET	65535u	/* IPv4 total length, IPv6 payload length */
#define NR_BLOCKS	((IPFRAG_MAXPACKET + 7) / 8)

#define IPF_NH_HOPOPTS	0
#define IPF_NH_ROUTING	43
#define IPF_NH_FRAGMENT	44
#define IPF_NH_DSTOPTS	60

/* IPv4: src, dst, id, protocol.  IPv6: src, dst, id (RFC 8200 4.5); proto stays 0. */
struct ipfrag_key {
	struct sipxdp_addr src;
	struct sipxdp_addr dst;
	uint32_t id;
	uint8_t family;
	uint8_t proto;
	uint8_t pad[2];
};
_Static_assert(sizeof(struct ipfrag_key) == 40, "ipfrag_key has no hidden padding");

struct ipfrag_dgram {
	struct ipfrag_key key;
	UT_hash_handle hh;
	uint64_t first_ns;	/* arrival of the first fragment seen: the timeout starts here */
	uint8_t *buf;		/* fragmentable part, offset 0 = fragment offset 0 */
	uint32_t cap;		/* bytes allocated in buf */
	uint32_t total;		/* end of the last fragment, once have_last */
	uint32_t max_end;	/* highest fragment end held */
	uint32_t held;		/* blocks present */
	uint32_t first_hdr;	/* header bytes of the offset-0 fragment, see struct ipfrag_in */
	uint8_t first_nh;	/* IPv6: next header of the offset-0 fragment */
	bool have_last;
	bool oom;		/* set by uthash_nonfatal_oom */
	uint64_t map[NR_BLOCKS / 64];
};

struct ipfrag_table {
	struct ipfrag_dgram *head;	/* uthash head; oldest first */
	struct ipfrag_dgram *done;	/* last completed, its buffer lent to the caller */
	size_t mem;
	size_t mem_limit;
	uint64_t timeout_ns;
	unsigned int max_dgrams;
	struct ipfrag_stats st;
};

/* One fragment, as parsed from its packet. */
struct ipfrag_in {
	struct ipfrag_key key;
	const uint8_t *data;
	uint32_t off, end;	/* byte range in the fragmentable part */
	/*
	 * Header bytes that the reassembled packet would carry besides the
	 * fragmentable part: the IPv4 header, or the IPv6 extension headers
	 * before the fragment header.  Bounds the 65535-byte limit.
	 */
	uint32_t hdr;
	uint8_t nh;		/* IPv6: next header field of the fragment header */
	bool more;
};

/*
 * Skip hop-by-hop, routing and destination options headers in p[*off, lim);
 * *nh names the header at *off.  Stops at any other header (fragment or upper
 * layer) with *off at its start.  -EINVAL when a header does not fit.
 * Every header is at least 8 bytes, so the loop ends.
 */
static int skip_ext(const uint8_t *p, size_t lim, size_t *off, uint8_t *nh)
{
	while (*nh == IPF_NH_HOPOPTS || *nh == IPF_NH_ROUTING || *nh == IPF_NH_DSTOPTS) {
		size_t hl;

		if (lim - *off < 8)
			return -EINVAL;
		hl = (p[*off + 1] + 1u) * 8;
		if (hl > lim - *off)
			return -EINVAL;
		*nh = p[*off];
		*off += hl;
	}
	return 0;
}

/* IPFRAG_NOT_FRAGMENT with res filled, 1 with f filled, or -EINVAL. */
static int parse_v4(const uint8_t *ip, size_t len, struct ipfrag_result *res, struct ipfrag_in *f)
{
	size_t ihl, tot;
	uint16_t fo;

	if (len < 20)
		return -EINVAL;
	ihl = (ip[0] & 0x0fu) * 4;
	tot = get_be16(ip + 2);
	if (ihl < 20 || ihl > len || tot < ihl)
		return -EINVAL;
	fo = get_be16(ip + 6);
	if (!(fo & 0x3fff)) {		/* MF clear, offset 0 */
		size_t have = tot < len ? tot : len;	/* tot < len: Ethernet padding */

		memset(res, 0, sizeof(*res));
		res->family = 4;
		res->proto = ip[9];
		res->truncated = tot > len;
		addr_from_v4(&res->src, ip + 12);
		addr_from_v4(&res->dst, ip + 16);
		res->l4 = ip + ihl;
		res->l4_len = have - ihl;
		return IPFRAG_NOT_FRAGMENT;
	}
	if (tot > len)		/* a fragment cut by the capture is no use */
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->key.family = 4;
	f->key.proto = ip[9];
	f->key.id = get_be16(ip + 4);
	addr_from_v4(&f->key.src, ip + 12);
	addr_from_v4(&f->key.dst, ip + 16);
	f->data = ip + ihl;
	f->off = (fo & 0x1fffu) * 8;
	f->end = f->off + (uint32_t)(tot - ihl);
	f->hdr = (uint32_t)ihl;
	f->more = fo & 0x2000;
	return 1;
}

static int parse_v6(const uint8_t *ip, size_t len, struct ipfrag_result *res, struct ipfrag_in *f)
{
	size_t end, lim, off = 40;
	const uint8_t *fh;
	uint16_t fo;
	uint8_t nh;

	if (len < 40)
		return -EINVAL;
	end = 40 + (size_t)get_be16(ip + 4);
	lim = end < len ? end : len;
	nh = ip[6];
	if (skip_ext(ip, lim, &off, &nh))
		return -EINVAL;
	if (nh == IPF_NH_FRAGMENT) {
		if (lim - off < 8)
			return -EINVAL;
		fh = ip + off;
		off += 8;
		fo = get_be16(fh + 2);
		if (fo & 0xfff9) {
			if (end > len)
				return -EINVAL;
			memset(f, 0, sizeof(*f));
			f->key.family = 6;
			f->key.id = get_be32(fh + 4);
			memcpy(f->key.src.a, ip + 8, 16);
			memcpy(f->key.dst.a, ip + 24, 16);
			f->data = ip + off;
			f->off = fo & 0xfff8u;
			f->end = f->off + (uint32_t)(end - off);
			f->hdr = (uint32_t)(off - 48);
			f->nh = fh[0];
			f->more = fo & 1;
			return 1;
		}
		/* Atomic fragment (RFC 6946): offset 0, M clear; a packet on its own. */
		nh = fh[0];
		if (skip_ext(ip, lim, &off, &nh) || nh == IPF_NH_FRAGMENT)
			return -EINVAL;
	}
	memset(res, 0, sizeof(*res));
	res->family = 6;
	res->proto = nh;
	res->truncated = end > len;
	memcpy(res->src.a, ip + 8, 16);
	memcpy(res->dst.a, ip + 24, 16);
	res->l4 = ip + off;
	res->l4_len = lim - off;
	return IPFRAG_NOT_FRAGMENT;
}

/* Rules every fragment must follow on its own (RFC 791, RFC 8200 4.5). */
static bool frag_valid(const struct ipfrag_in *f)
{
	if (f->end == f->off)
		return false;
	if (f->more && (f->end - f->off) % 8)
		return false;
	return f->hdr + f->end <= IPFRAG_MAXPACKET;
}

static size_t dg_mem(const struct ipfrag_dgram *dg)
{
	return sizeof(*dg) + dg->cap;
}

static void dg_drop(struct ipfrag_table *t, struct ipfrag_dgram *dg)
{
	HASH_DEL(t->head, dg);
	t->mem -= dg_mem(dg);
	free(dg->buf);
	free(dg);
}

static void release_done(struct ipfrag_table *t)
{
	if (t->done) {
		free(t->done->buf);
		free(t->done);
		t->done = NULL;
	}
}

static bool expired(const struct ipfrag_table *t, const struct ipfrag_dgram *dg, uint64_t now_ns)
{
	/* A clock going backwards (offline replay) expires nothing. */
	return now_ns >= dg->first_ns && now_ns - dg->first_ns >= t->timeout_ns;
}

/* Drop the oldest datagrams other than keep until need more bytes fit. */
static int make_room(struct ipfrag_table *t, size_t need, const struct ipfrag_dgram *keep)
{
	while (t->mem + need > t->mem_limit) {
		struct ipfrag_dgram *old = t->head;

		if (old == keep && old)
			old = old->hh.next;
		if (!old)
			return -ENOMEM;
		dg_drop(t, old);
		t->st.dropped_memory++;
	}
	return 0;
}

static bool block_held(const struct ipfrag_dgram *dg, uint32_t b)
{
	return dg->map[b / 64] >> (b % 64) & 1;
}

static struct ipfrag_dgram *dg_get(struct ipfrag_table *t, const struct ipfrag_in *f,
				   uint64_t now_ns, int *err)
{
	struct ipfrag_dgram *dg;

	HASH_FIND(hh, t->head, &f->key, sizeof(f->key), dg);
	if (dg && expired(t, dg, now_ns)) {
		dg_drop(t, dg);
		t->st.timed_out++;
		dg = NULL;
	}
	if (dg)
		return dg;
	while (t->head && HASH_COUNT(t->head) >= t->max_dgrams) {
		dg_drop(t, t->head);
		t->st.dropped_too_many++;
	}
	*err = -ENOMEM;
	if (make_room(t, sizeof(*dg), NULL)) {
		t->st.dropped_memory++;
		return NULL;
	}
	dg = calloc(1, sizeof(*dg));
	if (!dg)
		return NULL;
	dg->key = f->key;
	dg->first_ns = now_ns;
	HASH_ADD(hh, t->head, key, sizeof(dg->key), dg);
	if (dg->oom) {
		free(dg);
		return NULL;
	}
	t->mem += sizeof(*dg);
	return dg;
}

/*
 * Make buf hold the fragment's end.  Before the end is known, growth doubles
 * so that tiny fragments stay linear, but only into memory that is free:
 * slack never costs another datagram its place.
 */
static int dg_grow(struct ipfrag_table *t, struct ipfrag_dgram *dg, const struct ipfrag_in *f)
{
	uint32_t want = f->end, dbl = dg->cap * 2;
	uint8_t *buf;

	if (want <= dg->cap)
		return 0;
	if (dbl > IPFRAG_MAXPACKET)
		dbl = IPFRAG_MAXPACKET;
	/* Once the last fragment is in, cap is its end already: no growth after it. */
	if (f->more && dbl > want && t->mem + (dbl - dg->cap) <= t->mem_limit)
		want = dbl;
	if (make_room(t, want - dg->cap, dg))
		return -ENOMEM;
	buf = realloc(dg->buf, want);
	if (!buf)
		return -ENOMEM;
	t->mem += want - dg->cap;
	dg->buf = buf;
	dg->cap = want;
	return 0;
}

/*
 * Compare the fragment with the bytes already held.  1: nothing new in it,
 * 0: something new, -EBADMSG: some held byte differs.  Every held block lies
 * within max_end (and within total once the last fragment is in), and the
 * caller checked the fragment's end against both, so buf is never read past
 * what was written.
 */
static int compare_held(const struct ipfrag_dgram *dg, const struct ipfrag_in *f)
{
	uint32_t b, b1 = (f->end + 7) / 8;
	bool all = true;

	/* Fragments start on a block boundary; only the end may cut a block. */
	for (b = f->off / 8; b < b1; b++) {
		uint32_t lo = b * 8, hi = b * 8 + 8;

		if (!block_held(dg, b)) {
			all = false;
			continue;
		}
		if (hi > f->end)
			hi = f->end;
		if (memcmp(dg->buf + lo, f->data + (lo - f->off), hi - lo))
			return -EBADMSG;
	}
	return all && (f->more || dg->have_last);
}

static int complete(struct ipfrag_table *t, struct ipfrag_dgram *dg, struct ipfrag_result *res)
{
	size_t off = 0;
	uint8_t nh = dg->key.proto;

	HASH_DEL(t->head, dg);
	t->mem -= dg_mem(dg);
	t->done = dg;
	if (dg->first_hdr + dg->total > IPFRAG_MAXPACKET)
		goto invalid;
	if (dg->key.family == 6) {
		/* The fragmentable part may open with more options headers (RFC 8200 4.1). */
		nh = dg->first_nh;
		if (skip_ext(dg->buf, dg->total, &off, &nh) || nh == IPF_NH_FRAGMENT)
			goto invalid;
	}
	memset(res, 0, sizeof(*res));
	res->family = dg->key.family;
	res->proto = nh;
	res->src = dg->key.src;
	res->dst = dg->key.dst;
	res->l4 = dg->buf + off;
	res->l4_len = dg->total - off;
	t->st.completed++;
	return IPFRAG_COMPLETE;
invalid:
	t->st.invalid++;
	release_done(t);
	return -EINVAL;
}

static int add_frag(struct ipfrag_table *t, struct ipfrag_dgram *dg, const struct ipfrag_in *f,
		    struct ipfrag_result *res)
{
	uint32_t b;
	int rc;

	/* A fragment that contradicts the datagram's end: drop it all, as Linux does. */
	if (dg->have_last ? f->end > dg->total || (!f->more && f->end != dg->total)
			  : !f->more && f->end < dg->max_end) {
		dg_drop(t, dg);
		t->st.invalid++;
		return -EINVAL;
	}
	rc = compare_held(dg, f);
	if (rc < 0) {
		dg_drop(t, dg);
		t->st.overlaps++;
		return rc;
	}
	if (rc) {
		t->st.duplicates++;
		return IPFRAG_HELD;
	}
	if (dg_grow(t, dg, f)) {
		dg_drop(t, dg);
		t->st.dropped_memory++;
		return -ENOMEM;
	}
	memcpy(dg->buf + f->off, f->data, f->end - f->off);
	for (b = f->off / 8; b < (f->end + 7) / 8; b++) {
		if (!block_held(dg, b)) {
			dg->map[b / 64] |= 1ULL << (b % 64);
			dg->held++;
		}
	}
	if (f->end > dg->max_end)
		dg->max_end = f->end;
	if (!f->more) {
		dg->have_last = true;
		dg->total = f->end;
	}
	if (f->off == 0) {
		dg->first_hdr = f->hdr;
		dg->first_nh = f->nh;
	}
	if (dg->have_last && dg->held == (dg->total + 7) / 8)
		return complete(t, dg, res);
	return IPFRAG_HELD;
}

struct ipfrag_table *ipfrag_new(size_t mem_limit, uint64_t timeout_ns)
{
	struct ipfrag_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->mem_limit = mem_limit;
	t->timeout_ns = timeout_ns;
	t->max_dgrams = IPFRAG_DEF_MAX_DATAGRAMS;
	return t;
}

void ipfrag_free(struct ipfrag_table *t)
{
	struct ipfrag_dgram *dg, *tmp;

	if (!t)
		return;
	release_done(t);
	HASH_ITER(hh, t->head, dg, tmp)
		dg_drop(t, dg);
	free(t);
}

void ipfrag_set_max_datagrams(struct ipfrag_table *t, unsigned int max)
{
	t->max_dgrams = max ? max : 1;
}

int ipfrag_feed(struct ipfrag_table *t, const uint8_t *ip, size_t len, uint64_t now_ns,
		struct ipfrag_result *res)
{
	struct ipfrag_dgram *dg;
	struct ipfrag_in f;
	int rc = -EINVAL;

	release_done(t);
	if (len >= 1 && ip[0] >> 4 == 4)
		rc = parse_v4(ip, len, res, &f);
	else if (len >= 1 && ip[0] >> 4 == 6)
		rc = parse_v6(ip, len, res, &f);
	if (rc == IPFRAG_NOT_FRAGMENT)
		return rc;
	if (rc < 0 || !frag_valid(&f)) {
		t->st.invalid++;
		return -EINVAL;
	}
	t->st.fragments++;
	/* Cheap lazy expiry: the head is the oldest, usually the only candidate. */
	while (t->head && expired(t, t->head, now_ns)) {
		dg_drop(t, t->head);
		t->st.timed_out++;
	}
	dg = dg_get(t, &f, now_ns, &rc);
	if (!dg)
		return rc;
	return add_frag(t, dg, &f, res);
}

void ipfrag_expire(struct ipfrag_table *t, uint64_t now_ns)
{
	struct ipfrag_dgram *dg, *tmp;

	release_done(t);
	HASH_ITER(hh, t->head, dg, tmp) {
		if (expired(t, dg, now_ns)) {
			dg_drop(t, dg);
			t->st.timed_out++;
		}
	}
}

const struct ipfrag_stats *ipfrag_stats(const struct ipfrag_table *t)
{
	return &t->st;
}

size_t ipfrag_mem_used(const struct ipfrag_table *t)
{
	return t->mem;
}

size_t ipfrag_pending(const struct ipfrag_table *t)
{
	return HASH_COUNT(t->head);
}
