// SPDX-License-Identifier: GPL-2.0
/* service.c - telling systemd how the agent is (service.h), with libsystemd. */
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "service.h"

void service_init(struct service *s)
{
	uint64_t usec = 0;

	s->watchdog_ns = 0;
	s->next_ping = 0;
	/* 0 unsets nothing: the watchdog's variables stay for nobody else to read (we exec nothing). */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		s->watchdog_ns = usec * 1000;
		pr_info("systemd watchdog every %.1f s: pinging every %.1f s\n", usec / 1e6, usec / 2e6);
	}
}

void service_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void service_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void service_watchdog(struct service *s, uint64_t now_ns)
{
	if (!s->watchdog_ns || now_ns < s->next_ping)
		return;
	sd_notify(0, "WATCHDOG=1");
	s->next_ping = now_ns + s->watchdog_ns / 2;
}

uint64_t service_deadline(const struct service *s)
{
	return s->watchdog_ns ? s->next_ping : UINT64_MAX;
}
