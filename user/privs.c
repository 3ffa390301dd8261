// SPDX-License-Identifier: GPL-2.0
/* privs.c - privileges given up once the agent is set up (privs.h), with libcap-ng. */
#include <cap-ng.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "log.h"
#include "privs.h"

unsigned long long privs_effective(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return ~0ULL;	/* unknown: never taken for "none" */
	return (unsigned long long)data[1].effective << 32 | data[0].effective;
}

int privs_plan(struct privs *p, const char *user, const char *def, bool quiet)
{
	const char *name = user ? user : def;
	struct passwd pw, *found = NULL;
	char buf[4096];
	int err;

	memset(p, 0, sizeof(*p));
	p->quiet = quiet;
	if (!name) {
		/* Nobody to become: the capabilities go, the user stays. */
		p->uid = geteuid();
		p->gid = getegid();
		if (!getpwuid_r(p->uid, &pw, buf, sizeof(buf), &found) && found)
			snprintf(p->user, sizeof(p->user), "%s", pw.pw_name);
		else
			snprintf(p->user, sizeof(p->user), "its own user");
		return 0;
	}
	snprintf(p->user, sizeof(p->user), "%s", name);
	err = getpwnam_r(name, &pw, buf, sizeof(buf), &found);
	if (!found) {
		if (user) {
			pr_err("--user %s: %s\n", name, err ? strerror(err) : "no such user");
			return err ? -err : -ENOENT;
		}
		p->keep = true;
		return 0;
	}
	p->uid = pw.pw_uid;
	p->gid = pw.pw_gid;
	if (pw.pw_uid == geteuid())
		return 0;	/* already that user (a systemd unit's User=): capabilities only */
	capng_get_caps_process();
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETUID) && capng_have_capability(CAPNG_EFFECTIVE, CAP_SETGID)) {
		p->change_id = true;
		return 0;
	}
	if (user) {
		pr_err("--user %s: this process (uid %u) may not change its user: start it as root or as %s\n",
		       name, (unsigned int)geteuid(), name);
		return -EPERM;
	}
	/* Another user (an operator reading a capture): what capabilities it has go, nothing else. */
	return 0;
}

/* Become p's user, holding CAP_BPF alone if keep_bpf, else nothing; 0 or a libcap-ng error. */
static int give_up(const struct privs *p, bool keep_bpf)
{
	int ret;
	/* The bounding set too, where this process may still shrink it (CAP_SETPCAP): no way back at all. */
	bool bounds;

	capng_get_caps_process();
	bounds = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	capng_clear(CAPNG_SELECT_BOTH);
	if (keep_bpf)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | (bounds ? CAPNG_BOUNDING_SET : 0), CAP_BPF);
	if (p->change_id)
		ret = capng_change_id(p->uid, p->gid, CAPNG_INIT_SUPP_GRP | CAPNG_CLEAR_AMBIENT |
				      (bounds ? CAPNG_CLEAR_BOUNDING : 0));
	else
		ret = capng_apply(bounds ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS);
	if (ret)
		return ret;
	/* Ambient capabilities need permitted ones: with none permitted, the kernel has cleared them. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -100;
	if (privs_effective() != (keep_bpf ? 1ULL << CAP_BPF : 0))
		return -101;
	if (p->change_id && (getuid() != p->uid || geteuid() != p->uid || getgid() != p->gid))
		return -102;
	return 0;
}

int privs_drop(struct privs *p, int (*probe)(void *ctx), void *ctx)
{
	int status, ret;
	pid_t child;

	if (p->keep) {
		/* Run from a build tree, where nobody made the package's user: say what that means, once set up. */
		if (geteuid() == 0 || privs_effective())
			log_msg(p->quiet ? LOG_DEBUG : LOG_WARN, "user %s does not exist: the agent keeps the privileges "
				"it was started with (create the user, or name one with --user)\n", p->user);
		return 0;
	}
	capng_get_caps_process();
	if (!p->change_id && capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return 0;	/* nothing held, nothing to give up */
	/* Would the data plane still answer with nothing held?  Asked in a child: there is no way back. */
	child = fork();
	if (child < 0) {
		pr_err("give up privileges: fork: %s\n", strerror(errno));
		return -errno;
	}
	if (!child)
		_exit(give_up(p, false) ? 2 : probe(ctx) ? 1 : 0);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) == 2) {
		pr_err("give up privileges: becoming %s with no capability failed\n", p->user);
		return -EPERM;
	}
	p->kept_bpf = WEXITSTATUS(status) != 0;
	if (p->kept_bpf)
		pr_warn("this kernel refuses the maps to a process without CAP_BPF (before Linux 6.5, "
			"kernel.unprivileged_bpf_disabled): keeping CAP_BPF alone\n");
	ret = give_up(p, p->kept_bpf);
	if (ret) {
		pr_err("give up privileges: becoming %s with %s failed (libcap-ng %d)\n", p->user,
		       p->kept_bpf ? "CAP_BPF alone" : "no capability", ret);
		return -EPERM;
	}
	log_msg(p->quiet ? LOG_DEBUG : LOG_INFO, "running as %s (uid %u) with %s\n", p->user, (unsigned int)getuid(),
		p->kept_bpf ? "CAP_BPF alone" : "no capability");
	return 0;
}
