// SPDX-License-Identifier: GPL-2.0
/*
 * test_privs.c - giving up privileges (user/privs.c), for real: each case
 * runs in a child of its own (there is no way back), as root, and the child
 * reports what the kernel says of it: uid, gid, effective capabilities and
 * no_new_privs.  Skipped unless run as root.
 */
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "privs.h"

#define NO_SUCH_USER "sipxdp-test-no-such-user"

static int probe_result;

static int probe(void *ctx)
{
	(void)ctx;
	return probe_result;
}

/* Run fn in a child; its exit status (a failed check exits with the line number). */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		_exit(fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

#define CHECK(c) do { if (!(c)) return __LINE__ & 0xff ? __LINE__ & 0xff : 1; } while (0)

static uid_t nobody_uid;

static int become_nobody(void)
{
	struct privs p;

	probe_result = 0;
	CHECK(!privs_plan(&p, "nobody", "sipxdp", false));
	CHECK(p.change_id && !p.keep && p.uid == nobody_uid);
	CHECK(!privs_drop(&p, probe, NULL));
	CHECK(getuid() == nobody_uid && geteuid() == nobody_uid);
	CHECK(privs_effective() == 0);
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	CHECK(!p.kept_bpf);
	/* Gone for good: becoming root again is refused. */
	CHECK(setuid(0) == -1);
	return 0;
}

/* A kernel that refuses the maps without CAP_BPF: CAP_BPF alone is kept. */
static int old_kernel(void)
{
	struct privs p;

	probe_result = -EPERM;
	CHECK(!privs_plan(&p, "nobody", "sipxdp", false));
	CHECK(!privs_drop(&p, probe, NULL));
	CHECK(p.kept_bpf);
	CHECK(getuid() == nobody_uid);
	CHECK(privs_effective() == 1ULL << CAP_BPF);
	return 0;
}

/* The default user missing (a build tree): nothing is given up. */
static int default_missing(void)
{
	unsigned long long before = privs_effective();
	struct privs p;

	CHECK(!privs_plan(&p, NULL, NO_SUCH_USER, true));
	CHECK(p.keep);
	CHECK(!privs_drop(&p, probe, NULL));
	CHECK(getuid() == 0 && privs_effective() == before && before != 0);
	return 0;
}

/* Named but missing: an error before anything. */
static int named_missing(void)
{
	struct privs p;

	CHECK(privs_plan(&p, NO_SUCH_USER, "sipxdp", false) == -ENOENT);
	return 0;
}

/* Already the user (a unit's User=): the capabilities go, the uid stays. */
static int same_user(void)
{
	struct privs p;

	probe_result = 0;
	CHECK(!privs_plan(&p, "root", "sipxdp", false));
	CHECK(!p.change_id && !p.keep);
	CHECK(!privs_drop(&p, probe, NULL));
	CHECK(getuid() == 0 && privs_effective() == 0);
	return 0;
}

/* Nobody to become (--read): the capabilities go, the user stays. */
static int caps_only(void)
{
	struct privs p;

	probe_result = 0;
	CHECK(!privs_plan(&p, NULL, NULL, true));
	CHECK(!p.change_id && !p.keep && !strcmp(p.user, "root"));
	CHECK(!privs_drop(&p, probe, NULL));
	CHECK(getuid() == 0 && privs_effective() == 0);
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	return 0;
}

/* An unprivileged process may not become another user: refused when named. */
static int cannot_change(void)
{
	struct privs p;

	CHECK(!setuid(nobody_uid));
	CHECK(privs_plan(&p, "root", "sipxdp", false) == -EPERM);
	/* Not named (an operator reading a capture): nothing to give up, no error. */
	CHECK(!privs_plan(&p, NULL, "root", false) && !p.change_id);
	CHECK(!privs_drop(&p, probe, NULL));
	CHECK(getuid() == nobody_uid);
	return 0;
}

static void test_cases(void **state)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} cases[] = {
		{ "become nobody", become_nobody }, { "old kernel", old_kernel },
		{ "default user missing", default_missing }, { "named user missing", named_missing },
		{ "same user", same_user }, { "capabilities only", caps_only },
		{ "cannot change user", cannot_change },
	};
	struct passwd *pw = getpwnam("nobody");
	size_t i;
	int rc;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(pw);
	nobody_uid = pw->pw_uid;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = in_child(cases[i].fn);
		if (rc)
			fail_msg("%s: failed at tests/unit/test_privs.c line %d (mod 256)", cases[i].name, rc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
