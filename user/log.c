// SPDX-License-Identifier: GPL-2.0
/* log.c - one printf-checked sink on stderr; -v raises the level. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "log.h"

static enum log_level level = LOG_INFO;
static bool journal;

/* syslog(3) priorities of each level: err, warning, info, debug (libbpf's too). */
static const int priority[] = { 3, 4, 6, 7, 7 };

void log_init(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	/* systemd names the stream it gave as stderr: a pipe or file of our own is not it. */
	journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && !fstat(2, &st) &&
		  st.st_dev == dev && st.st_ino == ino;
}

bool log_journal(void)
{
	return journal;
}

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
	/* The journal names the program and keeps the priority: "<3>error: ...". */
	if (journal)
		fprintf(stderr, "<%d>%s: ", priority[lvl], tag[lvl]);
	else
		fprintf(stderr, "sipxdp: %s: ", tag[lvl]);
	vfprintf(stderr, fmt, ap);
}

void log_vprefixed(enum log_level lvl, const char *prefix, const char *fmt, va_list ap)
{
	if (lvl > level)
		return;
	if (journal)
		fprintf(stderr, "<%d>%s: ", priority[lvl], prefix);
	else
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
