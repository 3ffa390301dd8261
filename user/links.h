/* SPDX-License-Identifier: GPL-2.0 */
/*
 * links.h - what rtnetlink says of the network interfaces (libmnl): one
 * callback per link message, so that an interface that goes away, goes
 * down or comes back is noticed at once, not when its counters stop.
 */
#ifndef SIPXDP_LINKS_H
#define SIPXDP_LINKS_H

#include <stdbool.h>

struct mnl_socket;

struct links {
	struct mnl_socket *nl;
};

/* One link: up is IFF_UP and IFF_RUNNING; gone: RTM_DELLINK. */
typedef void (*links_cb)(void *ctx, int ifindex, const char *name, bool up, bool gone);

/* Subscribe to link changes.  0 or -errno. */
int links_open(struct links *l);
/* The socket to poll for readability. */
int links_fd(const struct links *l);
/* Everything that is waiting, each link message to cb.  0 or -errno. */
int links_read(struct links *l, links_cb cb, void *ctx);
void links_close(struct links *l);

#endif /* SIPXDP_LINKS_H */
