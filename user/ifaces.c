// SPDX-License-Identifier: GPL-2.0
/* ifaces.c - attach, watch, re-attach (ifaces.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "ifaces.h"
#include "log.h"

/* Promiscuous mode through a packet socket membership: the kernel undoes it when we exit, however we exit. */
static int set_promisc(struct ifaces *w, const char *ifname, int ifindex)
{
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC, .mr_ifindex = ifindex };

	if (w->promisc_fd < 0) {
		w->promisc_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
		if (w->promisc_fd < 0) {
			pr_warn("promiscuous mode on %s: socket: %s\n", ifname, strerror(errno));
			return -errno;
		}
	}
	if (setsockopt(w->promisc_fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		pr_warn("promiscuous mode on %s: %s\n", ifname, strerror(errno));
		return -errno;
	}
	return 0;
}

static int attach_one(struct ifaces *w, int slot)
{
	struct iface *f = &w->v[slot];
	int err;

	f->ifindex = if_nametoindex(f->name);
	if (!f->ifindex)
		return -ENODEV;
	err = kern_attach(w->k, f->name, w->xdp_mode);
	if (!err && w->promisc)
		err = set_promisc(w, f->name, f->ifindex);
	if (!err && w->egress)
		err = kern_attach_egress(w->k, f->name);
	if (err) {
		kern_detach(w->k, f->name);
		return err;
	}
	f->attached = f->up = true;
	dialog_set_iface(w->d, slot, f->ifindex);
	return 0;
}

int ifaces_open(struct ifaces *w, struct kern *k, struct dialogs *d, const struct opts *o)
{
	unsigned int i;
	int err;

	memset(w, 0, sizeof(*w));
	w->k = k;
	w->d = d;
	w->xdp_mode = o->xdp_mode;
	w->egress = o->egress;
	w->promisc = o->promisc;
	w->promisc_fd = -1;
	for (i = 0; i < o->nr_ifaces; i++) {
		snprintf(w->v[i].name, sizeof(w->v[i].name), "%s", o->ifaces[i]);
		w->n++;
		err = attach_one(w, i);
		if (err)
			return err;
	}
	err = links_open(&w->links);
	if (err)
		pr_err("watch the interfaces (rtnetlink): %s\n", strerror(-err));
	return err;
}

int ifaces_fd(const struct ifaces *w)
{
	return links_fd(&w->links);
}

bool ifaces_any(const struct ifaces *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].attached)
			return true;
	return false;
}

/* It went away or down: say so, and end its calls (counted once: deleted, it goes down first). */
static void lost(struct ifaces *w, int slot, const char *how)
{
	struct iface *f = &w->v[slot];

	if (f->up)
		f->lost++;
	f->up = false;
	pr_warn("interface %s %s: its calls end as interface_lost%s\n", f->name, how,
		f->attached ? "" : w->unprivileged ? "; if it comes back, a restart of the agent attaches it" :
		"; attached again if it comes back");
	dialog_iface_lost(w->d, slot);
}

static void on_link(void *ctx, int ifindex, const char *name, bool up, bool gone)
{
	struct ifaces *w = ctx;
	int i;

	for (i = 0; i < w->n; i++) {
		struct iface *f = &w->v[i];

		if (f->attached && f->ifindex == ifindex) {
			if (gone) {
				kern_detach(w->k, f->name);
				f->attached = false;
				f->ifindex = 0;
				dialog_set_iface(w->d, i, 0);
				lost(w, i, "went away");
			} else if (f->up && !up) {
				lost(w, i, "is down");
			} else if (!f->up && up) {
				f->up = true;
				pr_info("interface %s is up again\n", f->name);
			}
			return;
		}
		if (!f->attached && !gone && !strcmp(f->name, name)) {
			if (w->unprivileged) {
				if (!f->told)
					pr_warn("interface %s is back (ifindex %d), but attaching it needs the "
						"privileges given up at start: restart the agent\n", f->name, ifindex);
				f->told = true;
				return;
			}
			if (!attach_one(w, i))
				pr_info("interface %s is back (ifindex %d): attached again\n", f->name, f->ifindex);
			f->up = f->attached && up;
			return;
		}
	}
}

void ifaces_read(struct ifaces *w)
{
	int err = links_read(&w->links, on_link, w);

	if (err)
		pr_warn("read rtnetlink: %s\n", strerror(-err));
}

void ifaces_view(const struct ifaces *w, struct snapshot *snap)
{
	int i;

	snap->nifaces = 0;
	for (i = 0; i < w->n && i < SNAPSHOT_MAX_IFACES; i++) {
		struct iface_view *v = &snap->ifaces[snap->nifaces++];

		snprintf(v->name, sizeof(v->name), "%s", w->v[i].name);
		v->up = w->v[i].attached && w->v[i].up;
		v->lost = w->v[i].lost;
	}
}

void ifaces_close(struct ifaces *w)
{
	links_close(&w->links);
	if (w->promisc_fd >= 0)
		close(w->promisc_fd);
	w->promisc_fd = -1;
}
