/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ifaces.h - the interfaces the agent watches, and what becomes of them:
 * attached at start (XDP, tcx egress, promiscuous mode), and through
 * rtnetlink (links.c) an interface that goes away or down is logged, shown
 * by sipxdp_interface_up and its calls ended; one that comes back under
 * its name is attached again, unless the agent has given up the privileges
 * that takes (privs.h): it then says a restart is needed.
 */
#ifndef SIPXDP_IFACES_H
#define SIPXDP_IFACES_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "dialog.h"
#include "kern.h"
#include "links.h"
#include "opts.h"
#include "snapshot.h"

struct iface {
	char name[IF_NAMESIZE];
	int ifindex;			/* 0 while it is gone */
	bool attached, up;
	bool told;			/* back, but not attached: said once */
	uint64_t lost;			/* times it went away or down */
};

struct ifaces {
	struct kern *k;
	struct dialogs *d;
	struct links links;
	int xdp_mode;
	bool egress, promisc;
	bool unprivileged;		/* attaching anew needs a restart */
	int promisc_fd;
	int n;
	struct iface v[OPTS_MAX_IFACES];
};

/* Attach to every interface of o and start watching them.  0 or -errno (logged). */
int ifaces_open(struct ifaces *w, struct kern *k, struct dialogs *d, const struct opts *o);
/* The rtnetlink socket, readable when links changed. */
int ifaces_fd(const struct ifaces *w);
/* Act on what rtnetlink says. */
void ifaces_read(struct ifaces *w);
/* Is any interface still attached? */
bool ifaces_any(const struct ifaces *w);
/* For the outputs. */
void ifaces_view(const struct ifaces *w, struct snapshot *snap);
void ifaces_close(struct ifaces *w);

#endif /* SIPXDP_IFACES_H */
