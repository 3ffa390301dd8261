/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - what every libFuzzer target here shares: an invariant check that
 * prints itself and traps, and heap copies of exactly the bytes a parser is
 * given, so that ASan reports any read at or past the end.
 */
#ifndef SIPXDP_FUZZ_H
#define SIPXDP_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define check(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		__builtin_trap();					\
	}								\
} while (0)

/* Fresh heap copy of exactly n bytes: a read past n is an ASan report. */
static inline void *dup_exact(const void *p, size_t n)
{
	void *d = malloc(n ? n : 1);

	if (!d)
		abort();
	if (n)
		memcpy(d, p, n);
	return d;
}

#endif /* SIPXDP_FUZZ_H */
