// SPDX-License-Identifier: GPL-2.0
/* log.c - one printf-checked sink on stderr; -v raises the level. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static enum log_level level = LOG_INFO;

void log_set_level(enum log_level lvl)
{
	level = lvl;
}

enum log_level log_get_level(void)
{
	return level;
}

static void vlog(enum log_level lvl, const char *fmt, va_list ap)
{
	static const char *const tag[] = { "error", "warn", "info", "debug" };

	if (lvl > level)
		return;
	fprintf(stderr, "sipxdp: %s: ", tag[lvl]);
	vfprintf(stderr, fmt, ap);
}

void log_vprefixed(enum log_level lvl, const char *prefix, const char *fmt, va_list ap)
{
	if (lvl > level)
		return;
	fprintf(stderr, "sipxdp: %s: ", prefix);
	vfprintf(stderr, fmt, ap);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, fmt, ap);
	va_end(ap);
}
