// SPDX-License-Identifier: GPL-2.0
/* hashing.c - keyed bucket hashes and a stable digest, from libsodium (hashing.h). */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "hashing.h"

static unsigned char bucket_key[crypto_shorthash_KEYBYTES];
static int ready;

/* The key is drawn on first use: sodium_init() reads the kernel's random pool. */
static void init(void)
{
	if (sodium_init() < 0)
		abort();	/* no randomness from the kernel: nothing keyed can be trusted */
	crypto_shorthash_keygen(bucket_key);
	ready = 1;
}

uint32_t hashing_bucket(const void *key, size_t len)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint32_t h;

	if (!ready)
		init();
	crypto_shorthash(out, key, len, bucket_key);
	memcpy(&h, out, sizeof(h));
	return h;
}

uint64_t hashing_digest64(const void *data, size_t len)
{
	unsigned char out[crypto_generichash_BYTES_MIN];	/* 16: BLAKE2b's shortest */
	uint64_t d = 0;
	int i;

	if (!ready)
		init();
	crypto_generichash(out, sizeof(out), data, len, NULL, 0);
	for (i = 0; i < 8; i++)
		d = d << 8 | out[i];
	return d;
}
