/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SIPXDP_PROM_H
#define SIPXDP_PROM_H

struct calls;
struct kern;
struct reasm;

/* Write the metrics to path atomically (temporary file, then rename). */
int prom_write(const char *path, const struct calls *c, struct kern *k, const struct reasm *r);

#endif
