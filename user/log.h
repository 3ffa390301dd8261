/* SPDX-License-Identifier: GPL-2.0 */
/* log.h - one printf-checked sink on stderr; -v raises the level. */
#ifndef SIPXDP_LOG_H
#define SIPXDP_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* LOG_DEBUG + 1: the most verbose, libbpf's own debug output (-vv). */
enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/*
 * Under systemd, when stderr is the journal (JOURNAL_STREAM), each line
 * starts with its syslog priority ("<3>"), so `journalctl -p warning`
 * finds the agent's warnings.  Called first thing in main.
 */
void log_init(void);
bool log_journal(void);
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For other libraries' messages: "sipxdp: PREFIX: ..." at level lvl. */
void log_vprefixed(enum log_level lvl, const char *prefix, const char *fmt, va_list ap);

#define pr_err(...)   log_msg(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
