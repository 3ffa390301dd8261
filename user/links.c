// SPDX-License-Identifier: GPL-2.0
/* links.c - link notifications from rtnetlink through libmnl (links.h). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "links.h"

int links_open(struct links *l)
{
	int fd, flags;

	l->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!l->nl)
		return -errno;
	if (mnl_socket_bind(l->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		links_close(l);
		return err;
	}
	fd = mnl_socket_get_fd(l->nl);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK)) {
		int err = -errno;

		links_close(l);
		return err;
	}
	return 0;
}

int links_fd(const struct links *l)
{
	return mnl_socket_get_fd(l->nl);
}

struct read_ctx {
	links_cb cb;
	void *ctx;
};

static int on_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		tb[IFLA_IFNAME] = attr;
	return MNL_CB_OK;
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	struct read_ctx *rc = data;
	struct ifinfomsg *ifm;
	char name[IF_NAMESIZE] = "";

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifm)))
		return MNL_CB_OK;
	ifm = mnl_nlmsg_get_payload(nlh);
	mnl_attr_parse(nlh, sizeof(*ifm), on_attr, tb);
	if (tb[IFLA_IFNAME])
		snprintf(name, sizeof(name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	rc->cb(rc->ctx, ifm->ifi_index, name,
	       (ifm->ifi_flags & IFF_UP) && (ifm->ifi_flags & IFF_RUNNING), nlh->nlmsg_type == RTM_DELLINK);
	return MNL_CB_OK;
}

int links_read(struct links *l, links_cb cb, void *ctx)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct read_ctx rc = { cb, ctx };
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(l->nl, buf, sizeof(buf));
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (mnl_cb_run(buf, n, 0, 0, on_msg, &rc) < 0 && errno != EINTR)
			return -errno;
	}
}

void links_close(struct links *l)
{
	if (l->nl)
		mnl_socket_close(l->nl);
	l->nl = NULL;
}
