/* SPDX-License-Identifier: GPL-2.0 */
/* prom.h - the Prometheus exposition of a snapshot (text format 0.0.4). */
#ifndef SIPXDP_PROM_H
#define SIPXDP_PROM_H

#include <stdio.h>

struct snapshot;

/* The exposition of snap, to f. */
void prom_format(FILE *f, const struct snapshot *snap);
/* ... to path, atomically (a temporary file in its directory, then rename).  0 or -errno. */
int prom_write(const char *path, const struct snapshot *snap);

#endif
