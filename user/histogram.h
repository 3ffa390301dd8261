/* SPDX-License-Identifier: GPL-2.0 */
/*
 * histogram.h - a Prometheus histogram kept in user space: fixed upper
 * bounds in base units, a count per bucket, the sum and the count.  Values
 * are observed by the agent (never on the packet path) and written out by
 * prom.c, the buckets cumulative there.
 */
#ifndef SIPXDP_HISTOGRAM_H
#define SIPXDP_HISTOGRAM_H

#include <math.h>
#include <stdint.h>

#define HIST_MAX_BOUNDS 16

struct hist_bounds {
	unsigned int n;
	double le[HIST_MAX_BOUNDS];	/* increasing; +Inf is implied after them */
};

struct hist {
	uint64_t count;
	double sum;
	uint64_t bucket[HIST_MAX_BOUNDS + 1];	/* [i]: le[i - 1] < v <= le[i]; [n]: above them all */
};

/* Observe v; NaN is not a value and is not counted. */
static inline void hist_observe(struct hist *h, const struct hist_bounds *b, double v)
{
	unsigned int i = 0;

	if (isnan(v))
		return;
	while (i < b->n && v > b->le[i])
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum += v;
}

#endif /* SIPXDP_HISTOGRAM_H */
