/* SPDX-License-Identifier: GPL-2.0 */
/*
 * service.h - what the service manager is told (systemd's Type=notify, with
 * libsystemd's sd_notify): ready once every interface is attached and the
 * first outputs are written, stopping at shutdown, and a watchdog ping from
 * the main loop, so that an agent whose loop is wedged is restarted.
 * Outside systemd (no NOTIFY_SOCKET) each call does nothing.
 */
#ifndef SIPXDP_SERVICE_H
#define SIPXDP_SERVICE_H

#include <stdint.h>

struct service {
	uint64_t watchdog_ns;	/* WatchdogSec as the manager set it; 0: none */
	uint64_t next_ping;	/* CLOCK_MONOTONIC ns */
};

void service_init(struct service *s);
/* READY=1 with a STATUS line. */
void service_ready(const char *status);
void service_stopping(void);
/* WATCHDOG=1 if half the watchdog period has passed since the last ping. */
void service_watchdog(struct service *s, uint64_t now_ns);
/* When the loop must be awake next for the watchdog; UINT64_MAX: never. */
uint64_t service_deadline(const struct service *s);

#endif /* SIPXDP_SERVICE_H */
