// SPDX-License-Identifier: GPL-2.0
/*
 * test_opts.c - the option table (user/opts.c): every default as --help
 * prints it, values override defaults, repeatable options replace their
 * default, and each kind of bad value is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "opts.h"

/* opts_parse with a NULL-terminated argument list (argv[0] added). */
static int parse(struct opts *o, ...)
{
	char *argv[64] = { "sipxdp" };
	int argc = 1;
	va_list ap;

	va_start(ap, o);
	while (argc < 63 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	return opts_parse(o, argc, argv);
}

static void test_defaults(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(parse(&o, "-i", "eth0", NULL), 0);
	assert_int_equal(o.nr_ifaces, 1);
	assert_string_equal(o.ifaces[0], "eth0");
	assert_int_equal(o.xdp_mode, 0);
	assert_int_equal(o.nr_sip_ports, 1);
	assert_int_equal(o.sip_ports[0], 5060);
	assert_int_equal(o.nr_tls_ports, 1);
	assert_int_equal(o.tls_ports[0], 5061);
	assert_true(o.interval == 5 && o.grace == 2 && o.setup_timeout == 180 &&
		    o.rtp_timeout == 300 && o.max_duration == 14400);
	assert_int_equal(o.max_calls, 20000);
	assert_int_equal(o.max_streams, 65536);
	assert_false(o.egress || o.show || o.promisc);
	assert_null(o.textfile);
	assert_null(o.calls_json);
	assert_null(o.read);
	assert_int_equal(o.read_engine, READ_ENGINE_AUTO);
	assert_int_equal(o.verbose, 0);
}

static void test_values(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(parse(&o, "-i", "a", "--interface", "b", "--xdp-mode", "skb", "--egress",
			       "--sip-port", "5070", "--sip-port", "5080", "--tls-port", "443",
			       "--textfile", "/x/m.prom", "--interval", "0.5", "--calls-json", "c.json",
			       "--show", "--promisc", "--grace", "0", "--setup-timeout", "30",
			       "--rtp-timeout", "60", "--max-duration", "7200", "--max-calls", "10",
			       "--max-streams", "16", "-v", "-v", NULL), 0);
	assert_int_equal(o.nr_ifaces, 2);
	assert_string_equal(o.ifaces[1], "b");
	assert_int_equal(o.xdp_mode, 1);
	assert_true(o.egress && o.show && o.promisc);
	/* A repeatable option given replaces its default, it does not add to it. */
	assert_int_equal(o.nr_sip_ports, 2);
	assert_int_equal(o.sip_ports[0], 5070);
	assert_int_equal(o.sip_ports[1], 5080);
	assert_int_equal(o.nr_tls_ports, 1);
	assert_int_equal(o.tls_ports[0], 443);
	assert_string_equal(o.textfile, "/x/m.prom");
	assert_string_equal(o.calls_json, "c.json");
	assert_true(o.interval == 0.5 && o.grace == 0 && o.setup_timeout == 30 &&
		    o.rtp_timeout == 60 && o.max_duration == 7200);
	assert_int_equal(o.max_calls, 10);
	assert_int_equal(o.max_streams, 16);
	assert_int_equal(o.verbose, 2);
	assert_int_equal(parse(&o, "--read", "x.pcap", "--xdp-mode", "generic", NULL), 0);
	assert_string_equal(o.read, "x.pcap");
	assert_int_equal(o.xdp_mode, 1);
	assert_int_equal(o.read_engine, READ_ENGINE_AUTO);
	assert_int_equal(parse(&o, "--read", "x.pcap", "--read-engine", "user", NULL), 0);
	assert_int_equal(o.read_engine, READ_ENGINE_USER);
	assert_int_equal(parse(&o, "--read-engine", "kernel", "--read", "x.pcap", NULL), 0);
	assert_int_equal(o.read_engine, READ_ENGINE_KERNEL);
}

static void test_errors(void **state)
{
	static const char *const bad[][4] = {
		{ "-i", "eth0", "--sip-port", "70000" }, { "-i", "eth0", "--sip-port", "0" },
		{ "-i", "eth0", "--sip-port", "-1" }, { "-i", "eth0", "--sip-port", "50x" },
		{ "-i", "eth0", "--interval", "x" }, { "-i", "eth0", "--interval", "0.05" },
		{ "-i", "eth0", "--xdp-mode", "fast" }, { "-i", "eth0", "--max-calls", "0" },
		{ "-i", "eth0", "--max-streams", "15" }, { "-i", "eth0", "--max-calls", "" },
		{ "-i", "eth0", "--grace", "-1" }, { "-i", "eth0", "--frobnicate", NULL },
		{ "-i", "this-name-is-too-long", NULL, NULL }, { "-i", "eth0", "stray", NULL },
		{ "--interval", "1", NULL, NULL }, { "-i", "eth0", "--read", "x.pcap" },
		{ "--read", "x.pcap", "--egress", NULL }, { "-i", NULL, NULL, NULL },
		{ "--read", "x.pcap", "--read-engine", "fast" }, { "-i", "eth0", "--read-engine", "user" },
	};
	struct opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[6] = { "sipxdp" };
		int argc = 1, j;

		for (j = 0; j < 4 && bad[i][j]; j++)
			argv[argc++] = (char *)bad[i][j];
		if (opts_parse(&o, argc, argv) != -EINVAL)
			fail_msg("case %zu (%s %s %s) accepted", i, argv[1], argv[2] ?: "", argv[3] ?: "");
	}
}

static void test_too_many(void **state)
{
	char *argv[3 + 2 * (SIPXDP_MAX_SIP_PORTS + 1)] = { "sipxdp", "-i", "eth0" };
	struct opts o;
	int argc = 3, i;

	(void)state;
	for (i = 0; i <= SIPXDP_MAX_SIP_PORTS; i++) {
		argv[argc++] = "--sip-port";
		argv[argc++] = "5060";
	}
	/* SIPXDP_MAX_SIP_PORTS ports are taken, one more is refused. */
	assert_int_equal(opts_parse(&o, argc - 2, argv), 0);
	assert_int_equal(o.nr_sip_ports, SIPXDP_MAX_SIP_PORTS);
	assert_int_equal(opts_parse(&o, argc, argv), -EINVAL);
}

/* --help prints each default from the table, the text the options parse. */
static void test_help_defaults(void **state)
{
	static const char *const want[] = {
		"--xdp-mode MODE", "native or skb (default native)",
		"--sip-port PORT", "(repeatable; default 5060)", "(repeatable; default 5061)",
		"--interval SECONDS", "how often outputs are written (default 5)",
		"(default 2)", "(default 180)", "(default 300)", "(default 14400)",
		"calls followed at once (default 20000)", "size of the kernel stream map (default 65536)",
		"-i, --interface IFACE", "-v, --verbose", "-h, --help",
		"--read-engine ENGINE", "or auto: the kernel if it may (default auto)",
	};
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	opts_usage(f);
	fclose(f);
	assert_true(!strncmp(text, "Usage: sipxdp -i IFACE", 22));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(text, want[i]))
			fail_msg("--help lacks \"%s\"", want[i]);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_help_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
