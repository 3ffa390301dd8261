/* SPDX-License-Identifier: GPL-2.0 */
/* show.h - the per-call table of --show, from a snapshot. */
#ifndef SIPXDP_SHOW_H
#define SIPXDP_SHOW_H

#include <stdio.h>

struct snapshot;

void show_calls(FILE *f, const struct snapshot *snap);

#endif
