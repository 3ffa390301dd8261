/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hashing.h - hash tables keyed by what strangers send (Call-IDs,
 * addresses, fragment ids) must not let them choose the collisions: every
 * uthash table here uses SipHash-2-4 under a key drawn at start (libsodium),
 * not uthash's unkeyed default.  Include this, never <uthash.h> itself, so
 * that every file hashing a table hashes it the same way.
 */
#ifndef SIPXDP_HASHING_H
#define SIPXDP_HASHING_H

#include <stddef.h>
#include <stdint.h>

/* Keyed (this process's key): for table buckets, never for anything written out. */
uint32_t hashing_bucket(const void *key, size_t len);
/*
 * Unkeyed and collision-resistant (BLAKE2b, 64 bits): the same in every run,
 * for an identity that outlives the process (a long Call-ID's record key).
 */
uint64_t hashing_digest64(const void *data, size_t len);

#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = hashing_bucket((keyptr), (keylen)))
#include <uthash.h>
#include <utlist.h>

/* Take every element out of the table at head and free() it (el, tmp: two pointers of its type). */
#define HASH_FREE_ALL(head, el, tmp)		\
	HASH_ITER(hh, head, el, tmp) {		\
		HASH_DEL(head, el);		\
		free(el);			\
	}

#endif /* SIPXDP_HASHING_H */
