/* SPDX-License-Identifier: GPL-2.0 */
/*
 * privs.h - privileges given up once the agent is set up.  Loading and
 * attaching the program needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (and
 * CAP_NET_RAW for --promisc's packet socket); nothing after that does, so
 * the agent then becomes its own system user with no capability at all, and
 * everything that reads packet bytes runs unprivileged.  The maps are used
 * through file descriptors it already holds, which needs no capability on
 * Linux 6.5 and later; on an older kernel that refuses bpf() without
 * CAP_BPF, the agent keeps CAP_BPF alone and says so.
 */
#ifndef SIPXDP_PRIVS_H
#define SIPXDP_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

struct privs {
	char user[64];		/* whom to become */
	uid_t uid;
	gid_t gid;
	bool change_id;		/* become user (started as root, or with CAP_SETUID and CAP_SETGID) */
	bool keep;		/* the default user does not exist: nothing is given up */
	bool quiet;		/* say it at debug level (--read) */
	bool kept_bpf;		/* set by privs_drop: the kernel needs CAP_BPF for map updates */
};

/*
 * Before anything is set up: whom to become.  user NULL means def, whose
 * absence is no error (keep set; privs_drop warns); both NULL: the user
 * stays, the capabilities go.  A user given that does not exist, or that
 * this process cannot become, is an error.  quiet: what privs_drop says
 * goes to the debug level.  0, or -errno after one line.
 */
int privs_plan(struct privs *p, const char *user, const char *def, bool quiet);

/*
 * Once set up: become p's user with no capability, and never gain any again
 * (no_new_privs).  The whole process must be one thread: capabilities are
 * per thread.  probe(ctx) is run first in a child that gave everything up:
 * 0 if the data plane still answers there.  0, or -errno after one line.
 */
int privs_drop(struct privs *p, int (*probe)(void *ctx), void *ctx);

/* The capabilities this thread holds in effect, as /proc/PID/status's CapEff bits. */
unsigned long long privs_effective(void);

#endif /* SIPXDP_PRIVS_H */
