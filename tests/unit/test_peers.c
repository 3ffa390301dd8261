// SPDX-License-Identifier: GPL-2.0
/*
 * test_peers.c - user/peers.c: the peer-group file (every error one line
 * naming the file and line, nothing kept), longest prefix wins in IPv4 and
 * IPv6, IPv4 kept apart from short IPv6 prefixes, which end of a call is
 * the peer, and names that cannot carry anything into a label.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "peers.h"
#include "util.h"

static struct sipxdp_addr A(const char *s)
{
	struct sipxdp_addr a;
	uint8_t v4[4];

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, v4) == 1)
		addr_from_v4(&a, v4);
	else
		assert_int_equal(inet_pton(AF_INET6, s, a.a), 1);
	return a;
}

static int parse(struct peers *p, const char *text, char *err)
{
	memset(p, 0, sizeof(*p));
	err[0] = '\0';
	return peers_parse(p, text, strlen(text), "peers.conf", err, 256);
}

static void test_longest_prefix(void **state)
{
	static const char file[] =
		"# carriers\n"
		"carrier_a 10.0.0.0/8 2001:db8::/32\r\n"
		"\n"
		"   carrier-b\t10.1.0.0/16 192.0.2.7   # one host\n"
		"site.1 2001:db8:1::/48\n"
		"v4all 0.0.0.0/0\n"
		"v6all ::/0\n";
	struct peers p;
	char err[256];
	struct sipxdp_addr a;

	(void)state;
	assert_int_equal(parse(&p, file, err), 0);
	assert_int_equal(p.ngroups, 5);
	assert_int_equal(p.nprefixes, 7);
	a = A("10.1.2.3");
	assert_string_equal(peers_group(&p, &a), "carrier-b");
	a = A("10.2.0.1");
	assert_string_equal(peers_group(&p, &a), "carrier_a");
	a = A("192.0.2.7");
	assert_string_equal(peers_group(&p, &a), "carrier-b");
	a = A("192.0.2.8");
	assert_string_equal(peers_group(&p, &a), "v4all");
	a = A("2001:db8:1::5");
	assert_string_equal(peers_group(&p, &a), "site.1");
	a = A("2001:db8:2::5");
	assert_string_equal(peers_group(&p, &a), "carrier_a");
	a = A("2001:db9::1");
	assert_string_equal(peers_group(&p, &a), "v6all");
	peers_free(&p);

	/* Without the catch-alls: ::/0 is not meant for IPv4, and the rest is other. */
	assert_int_equal(parse(&p, "x ::/0\ny 10.0.0.0/8\n", err), 0);
	a = A("11.0.0.1");
	assert_string_equal(peers_group(&p, &a), PEER_OTHER);
	a = A("::ffff:10.9.9.9");	/* the same address written as IPv6 */
	assert_string_equal(peers_group(&p, &a), "y");
	peers_free(&p);
	a = A("10.0.0.1");
	assert_string_equal(peers_group(NULL, &a), PEER_OTHER);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "a 10.0.0.0/8\nb\"c 10.1.0.0/16\n", "peers.conf:2: a group name is 1 to 32" },
		{ "a}b 10.0.0.0/8\n", "peers.conf:1: a group name" },
		{ "other 10.0.0.0/8\n", "peers.conf:1: 'other' is the name of every address in no group" },
		{ "a 10.0.0.0/33\n", "peers.conf:1: '10.0.0.0/33' has a prefix length that is not 0 to 32" },
		{ "a 2001:db8::/129\n", "peers.conf:1: '2001:db8::/129' has a prefix length that is not 0 to 128" },
		{ "a 10.0.0.1/8\n", "peers.conf:1: '10.0.0.1/8' has bits set past its prefix length" },
		{ "a 10.0.0.0/\n", "not 0 to 32" },
		{ "a carrier.example.com\n", "is not an IPv4 or IPv6 address or prefix" },
		{ "a\n", "peers.conf:1: group a has no prefix" },
		{ "a 10.0.0.0/8\n# b\nb 10.0.0.0/8\n", "peers.conf:3: prefix 10.0.0.0/8 is in a and in b" },
		{ "\na 10.0.0.0/8 10.0.0.0/8\n", "peers.conf:2: prefix 10.0.0.0/8 is in a twice" },
		{ "a 10.0.0.0/8\n\n\n# x\nb 10.\x01.0.0/16\n", "peers.conf:5: '10.\\x01.0.0/16' is not" },
		{ "abcdefghijklmnopqrstuvwxyz0123456 10.0.0.0/8\n", "peers.conf:1: a group name" },
	};
	struct peers p;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(parse(&p, bad[i].text, err), 0);
		if (!strstr(err, bad[i].want))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].want);
		assert_null(strchr(err, '\n'));
		assert_int_equal(p.ngroups, 0);
		assert_null(p.prefixes);
	}
	/* A NUL byte: not a text file. */
	memset(&p, 0, sizeof(p));
	assert_int_not_equal(peers_parse(&p, "a 10.0.0.0/8\n\0b", 15, "f", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "f:2: a NUL byte"));
}

static void test_too_many_groups(void **state)
{
	char *text = malloc(PEERS_MAX_GROUPS * 32 + 64), err[256];
	struct peers p;
	size_t n = 0;
	int i;

	(void)state;
	for (i = 0; i <= PEERS_MAX_GROUPS; i++)
		n += sprintf(text + n, "g%d 10.%d.0.0/16\n", i, i);
	assert_int_not_equal(parse(&p, text, err), 0);
	assert_non_null(strstr(err, "peers.conf:65: more than 64 groups"));
	/* 64 is fine, and a second line of a group adds to it. */
	text[n - strlen("g64 10.64.0.0/16\n")] = '\0';
	strcat(text, "g0 10.200.0.0/16\n");
	assert_int_equal(parse(&p, text, err), 0);
	assert_int_equal(p.ngroups, PEERS_MAX_GROUPS);
	{
		struct sipxdp_addr a = A("10.200.1.1");

		assert_string_equal(peers_group(&p, &a), "g0");
	}
	peers_free(&p);
	free(text);
}

static void test_far_end(void **state)
{
	struct peers p;
	char err[256];
	struct sipxdp_addr carrier = A("10.0.0.5"), pbx = A("192.168.1.10"), me = A("192.168.1.1"),
			   other = A("172.16.0.1");
	bool from_src;

	(void)state;
	assert_int_equal(parse(&p, "carrier 10.0.0.0/8\npbx 192.168.1.0/24\n", err), 0);
	/* SPAN port (no address is ours): the sender when it is in a group. */
	assert_string_equal(peers_far(&p, &carrier, &pbx, &from_src), "carrier");
	assert_true(from_src);
	assert_string_equal(peers_far(&p, &pbx, &carrier, &from_src), "pbx");
	assert_true(from_src);
	/* ... else the receiver. */
	assert_string_equal(peers_far(&p, &other, &carrier, &from_src), "carrier");
	assert_false(from_src);
	assert_string_equal(peers_far(&p, &other, &other, &from_src), PEER_OTHER);
	assert_true(from_src);
	/* On the gateway itself: our own address is never the far end, even in a group. */
	peers_add_local(&p, &me);
	assert_true(peers_is_local(&p, &me));
	assert_string_equal(peers_far(&p, &me, &carrier, &from_src), "carrier");
	assert_false(from_src);
	assert_string_equal(peers_far(&p, &carrier, &me, &from_src), "carrier");
	assert_true(from_src);
	assert_string_equal(peers_far(&p, &me, &other, &from_src), PEER_OTHER);
	assert_false(from_src);
	peers_free(&p);
}

static void test_load(void **state)
{
	char path[] = "/tmp/test_peers.XXXXXX", err[256];
	struct peers p = { 0 };
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("a 10.0.0.0/8\nb 10.0.0.0/33\n", f);
	fclose(f);
	assert_int_not_equal(peers_load(&p, path, err, sizeof(err)), 0);
	assert_non_null(strstr(err, ":2: '10.0.0.0/33'"));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	unlink(path);
	assert_int_not_equal(peers_load(&p, path, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "No such file or directory"));
	/* A directory, or a device that never ends, is refused, not read forever. */
	assert_int_not_equal(peers_load(&p, "/tmp", err, sizeof(err)), 0);
	assert_int_not_equal(peers_load(&p, "/dev/zero", err, sizeof(err)), 0);
	assert_int_equal(p.ngroups, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_prefix),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_many_groups),
		cmocka_unit_test(test_far_end),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
