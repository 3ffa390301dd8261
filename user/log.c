// SPDX-License-Identifier: GPL-2.0
/* log.c - one printf-checked sink on stderr; -v raises the level. */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>

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

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	/* libbpf's warnings are details of an error we report ourselves: show them at -v. */
	enum log_level l = lvl == LIBBPF_DEBUG ? LOG_DEBUG + 1 : LOG_DEBUG;

	if (l > level)
		return 0;
	fputs("sipxdp: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
