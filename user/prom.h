/* SPDX-License-Identifier: GPL-2.0 */
/* prom.h - the Prometheus exposition of a snapshot (text format 0.0.4). */
#ifndef SIPXDP_PROM_H
#define SIPXDP_PROM_H

#include <stddef.h>
#include <stdio.h>

struct snapshot;

/* The exposition of snap, to f. */
void prom_format(FILE *f, const struct snapshot *snap);
/*
 * ... into a buffer of *len bytes, to free(); NULL when the snapshot has no
 * health figures (a half exposition is never published) or out of memory.
 */
char *prom_render(const struct snapshot *snap, size_t *len);
/* Text to path, atomically (a temporary file in its directory, then rename).  0 or -errno. */
int prom_write(const char *path, const char *text, size_t len);

#endif
