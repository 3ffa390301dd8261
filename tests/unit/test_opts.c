// SPDX-License-Identifier: GPL-2.0
/*
 * test_opts.c - the option table (user/opts.c): every default as --help
 * prints it, values override defaults, repeatable options replace their
 * default, and each kind of bad value is refused.  The configuration file
 * (--config): every option settable there as on the command line, the
 * command line winning, each kind of error one line naming file and line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
	/* HEP is off unless asked. */
	assert_int_equal(o.nr_hep, 0);
	assert_int_equal(o.hep_id, 0);
	assert_null(o.hep_password);
	assert_null(o.hep_node);
	assert_true(o.hep_report_interval == 30);
}

/* --hep: UDP and TCP collectors, IPv4 and IPv6, up to four; with --read too. */
static void test_hep(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(parse(&o, "-i", "eth0", "--hep", "192.0.2.9:9060", "--hep", "tcp:[2001:db8::1]:9061",
			       "--hep", "udp:[::1]:9060", "--hep-id", "4294967295", "--hep-password", "k",
			       "--hep-node", "gw-1", "--hep-report-interval", "1", NULL), 0);
	assert_int_equal(o.nr_hep, 3);
	assert_string_equal(o.hep[1], "tcp:[2001:db8::1]:9061");
	assert_int_equal(o.hep_id, 4294967295U);
	assert_string_equal(o.hep_password, "k");
	assert_string_equal(o.hep_node, "gw-1");
	assert_true(o.hep_report_interval == 1);
	assert_int_equal(parse(&o, "--read", "x.pcap", "--hep", "127.0.0.1:9060", NULL), 0);
	assert_int_equal(o.nr_hep, 1);
	assert_int_equal(parse(&o, "-i", "e", "--hep", "1.1.1.1:1", "--hep", "1.1.1.1:2", "--hep", "1.1.1.1:3",
			       "--hep", "1.1.1.1:4", NULL), 0);
	assert_int_equal(parse(&o, "-i", "e", "--hep", "1.1.1.1:1", "--hep", "1.1.1.1:2", "--hep", "1.1.1.1:3",
			       "--hep", "1.1.1.1:4", "--hep", "1.1.1.1:5", NULL), -EINVAL);
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
		{ "-i", "eth0", "--hep", "homer:9060" }, { "-i", "eth0", "--hep", "192.0.2.1" },
		{ "-i", "eth0", "--hep", "sctp:192.0.2.1:9060" }, { "-i", "eth0", "--hep", "tcp:[::1:9060" },
		{ "-i", "eth0", "--hep", "192.0.2.1:0" }, { "-i", "eth0", "--hep-id", "4294967296" },
		{ "-i", "eth0", "--hep-report-interval", "0.5" }, { "-i", "eth0", "--hep-password", "" },
		{ "-i", "eth0", "--hep-node", "" },
		/* Restarts: --persist hands calls on through a state file; --detach stands alone. */
		{ "-i", "eth0", "--persist", NULL }, { "--read", "x.pcap", "--state-file", "/t/s" },
		{ "-i", "eth0", "--reset-state", NULL },
		{ "-i", "eth0", "--instance", "a/b" }, { "-i", "eth0", "--instance", ".." },
		{ "-i", "eth0", "--instance", "" }, { "--detach", "--read", "x.pcap", NULL },
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

/* A configuration file with this text; its path in path (removed by the caller). */
static void write_config(char *path, const char *text)
{
	int fd;

	strcpy(path, "/tmp/sipxdp-test-opts-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/*
 * Every field of struct opts as text, so that two ways of setting the same
 * options compare equal (strings by content).
 */
static void render(const struct opts *o, char *buf, size_t size)
{
	size_t n = 0;
	unsigned int i;

#define OUT(...) (n += snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__))
	for (i = 0; i < o->nr_ifaces; i++)
		OUT("if=%s ", o->ifaces[i]);
	for (i = 0; i < o->nr_sip_ports; i++)
		OUT("sip=%u ", o->sip_ports[i]);
	for (i = 0; i < o->nr_tls_ports; i++)
		OUT("tls=%u ", o->tls_ports[i]);
	for (i = 0; i < o->nr_hep; i++)
		OUT("hep=%s ", o->hep[i]);
	OUT("hepid=%u heppw=%s hepnode=%s hepiv=%g ", o->hep_id, o->hep_password ?: "-", o->hep_node ?: "-",
	    o->hep_report_interval);
	OUT("mode=%d egress=%d tf=%s listen=%s peers=%s series=%u interval=%g json=%s read=%s rt=%u show=%d "
	    "promisc=%d grace=%g setup=%g rtp=%g maxdur=%g calls=%u streams=%u offer=%g offersrc=%g "
	    "offereps=%u perc=%u perpair=%u unp=%u unpshare=%g pressure=%g kmem=%u v=%u user=%s",
	    o->xdp_mode, o->egress, o->textfile ?: "-", o->listen ?: "-", o->peer_groups ?: "-", o->call_series,
	    o->interval, o->calls_json ?: "-", o->read ?: "-", o->read_threads, o->show, o->promisc, o->grace,
	    o->setup_timeout, o->rtp_timeout, o->max_duration, o->max_calls, o->max_streams, o->offer_share,
	    o->offer_source_share, o->offer_endpoints, o->max_streams_per_call, o->max_ssrcs_per_pair,
	    o->unpaired_streams, o->unpaired_share, o->pressure_timeout, o->max_kernel_memory, o->verbose,
	    o->user ?: "-");
	OUT(" state=%s persist=%d sdir=%s inst=%s reset=%d detach=%d", o->state_file ?: "-", o->persist,
	    o->state_dir ?: "-", o->instance ?: "-", o->reset_state, o->detach);
#undef OUT
	assert_true(n < size);
}

/*
 * A value for every option but the command-line-only ones, none its default.
 * A new option must be added here (test_config_every_option checks --help).
 */
static const char *const every[][2] = {
	{ "interface", "eth1" }, { "xdp-mode", "skb" }, { "egress", NULL }, { "sip-port", "5070" },
	{ "tls-port", "5071" }, { "textfile", "/t/m.prom" }, { "listen", "127.0.0.1:9999" },
	{ "peer-groups", "/t/peers" }, { "call-series", "7" }, { "interval", "2.5" },
	{ "calls-json", "/t/c.json" }, { "read-threads", "3" }, { "show", NULL },
	{ "promisc", NULL }, { "grace", "3" }, { "setup-timeout", "33" }, { "rtp-timeout", "44" },
	{ "max-duration", "555" }, { "max-calls", "66" }, { "max-streams", "777" },
	{ "max-streams-per-call", "8" }, { "max-ssrcs-per-pair", "9" }, { "unpaired-streams", "10" },
	{ "unpaired-share", "0.11" }, { "offer-share", "0.12" }, { "offer-source-share", "0.13" },
	{ "offer-endpoints", "14" }, { "pressure-setup-timeout", "15" }, { "max-kernel-memory", "16" },
	{ "verbose", NULL }, { "user", "nobody" }, { "hep", "tcp:[2001:db8::9]:9061" }, { "hep-id", "2001" },
	{ "hep-password", "s3cret" }, { "hep-node", "gw-east" }, { "hep-report-interval", "7.5" },
	{ "state-file", "/t/state" }, { "persist", NULL }, { "state-dir", "/t/bpf" }, { "instance", "gw-2" },
};

/* Options only the command line takes, and --read with what needs it (it excludes -i: checked apart). */
static const char *const cli_only[] = { "config", "check-config", "help", "version", "read", "read-engine",
					 "detach", "reset-state" };

static bool listed(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(every) / sizeof(every[0]); i++)
		if (!strcmp(every[i][0], name))
			return true;
	for (i = 0; i < sizeof(cli_only) / sizeof(cli_only[0]); i++)
		if (!strcmp(cli_only[i], name))
			return true;
	return false;
}

/* Every option --help lists can be set in the file, to the same effect as on the command line. */
static void test_config_every_option(void **state)
{
	char path[64], text[4096], cli_opts[4096], file_opts[4096], arg[64][64], *argv[128] = { "sipxdp" };
	char *help = NULL, *p;
	size_t len = 0, i, n = 0;
	struct opts a, b;
	int argc = 1;
	FILE *f = open_memstream(&help, &len);

	(void)state;
	assert_non_null(f);
	opts_usage(f);
	fclose(f);
	for (p = help; (p = strstr(p, "--")); p += 2) {
		char name[64];

		if (sscanf(p + 2, "%63[a-z-]", name) == 1 && !listed(name))
			fail_msg("option --%s is in --help but not in this test's list", name);
	}
	free(help);

	for (i = 0; i < sizeof(every) / sizeof(every[0]); i++) {
		/* The file spells values both ways: "NAME VALUE" and "NAME = VALUE". */
		n += snprintf(text + n, sizeof(text) - n, "%s%s%s\n", every[i][0],
			      every[i][1] ? (i % 2 ? " = " : "\t") : "", every[i][1] ?: "");
		snprintf(arg[i], sizeof(arg[i]), "--%s", every[i][0]);
		argv[argc++] = arg[i];
		if (every[i][1])
			argv[argc++] = (char *)every[i][1];
	}
	/* --read excludes -i: check it apart, with the same file. */
	write_config(path, text);
	assert_int_equal(opts_parse(&a, argc, argv), 0);
	render(&a, cli_opts, sizeof(cli_opts));
	opts_free(&a);
	assert_int_equal(opts_parse(&b, 3, (char *[]){ "sipxdp", "--config", path, NULL }), 0);
	render(&b, file_opts, sizeof(file_opts));
	assert_string_equal(file_opts, cli_opts);
	opts_free(&b);
	unlink(path);

	write_config(path, "read /t/x.pcap\nread-engine user\n");
	assert_int_equal(opts_parse(&b, 3, (char *[]){ "sipxdp", "--config", path, NULL }), 0);
	assert_string_equal(b.read, "/t/x.pcap");
	assert_int_equal(b.read_engine, READ_ENGINE_USER);
	opts_free(&b);
	unlink(path);
}

/* Comments, blanks, CRLF, repeated lines, flags spelt out; the command line wins, a list whole. */
static void test_config_syntax_and_precedence(void **state)
{
	char path[64];
	struct opts o;

	(void)state;
	write_config(path, "# sipxdp.conf\n\n  interface eth0   \ninterface\teth1 # the second\r\n"
			   "sip-port=5070\nsip-port = 5080\ninterval 2\npromisc yes\negress no\nshow off\n"
			   "calls-json /var/log/a#b.json\ntextfile /t/m.prom\nverbose 2\n");
	assert_int_equal(opts_parse(&o, 3, (char *[]){ "sipxdp", "--config", path, NULL }), 0);
	assert_int_equal(o.nr_ifaces, 2);
	assert_string_equal(o.ifaces[0], "eth0");
	assert_string_equal(o.ifaces[1], "eth1");
	assert_int_equal(o.nr_sip_ports, 2);
	assert_int_equal(o.sip_ports[1], 5080);
	assert_true(o.interval == 2 && o.promisc && !o.egress && !o.show);
	/* A '#' inside a value is the value's. */
	assert_string_equal(o.calls_json, "/var/log/a#b.json");
	assert_int_equal(o.verbose, 2);
	assert_int_equal(o.nr_tls_ports, 1);	/* unset anywhere: the default */
	opts_free(&o);

	assert_int_equal(opts_parse(&o, 9, (char *[]){ "sipxdp", "-i", "eth9", "--config", path, "--interval", "7",
						     "--sip-port", "6000", NULL }), 0);
	assert_int_equal(o.nr_ifaces, 1);
	assert_string_equal(o.ifaces[0], "eth9");
	assert_int_equal(o.nr_sip_ports, 1);
	assert_int_equal(o.sip_ports[0], 6000);
	assert_true(o.interval == 7 && o.promisc);
	assert_string_equal(o.textfile, "/t/m.prom");
	opts_free(&o);
	unlink(path);
}

/* --detach takes the service's own configuration, interfaces and --persist with it. */
static void test_detach_with_service_config(void **state)
{
	char path[64];
	struct opts o;

	(void)state;
	write_config(path, "interface eth0\npersist\nstate-file /var/lib/sipxdp/state\ninstance east\n");
	assert_int_equal(opts_parse(&o, 4, (char *[]){ "sipxdp", "--config", path, "--detach", NULL }), 0);
	assert_true(o.detach && o.persist);
	assert_string_equal(o.instance, "east");
	assert_string_equal(o.state_file, "/var/lib/sipxdp/state");
	opts_free(&o);
	unlink(path);
}

/* What opts_parse printed on stderr while f ran. */
static char *stderr_of(int (*fn)(const char *), const char *arg, int *ret)
{
	static char out[1024];
	char tmp[] = "/tmp/sipxdp-test-err-XXXXXX";
	int fd = mkstemp(tmp), saved = dup(2);
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	*ret = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(tmp);
	return out;
}

static int parse_file(const char *path)
{
	struct opts o;
	int ret = opts_parse(&o, 3, (char *[]){ "sipxdp", "--config", (char *)path, NULL });

	opts_free(&o);
	return ret;
}

/* Each kind of error: refused, one line, naming the file and the line. */
static void test_config_errors(void **state)
{
	static const struct {
		const char *text;
		unsigned int line;
		const char *says;
	} bad[] = {
		{ "interface eth0\nfrobnicate 1\n", 2, "unknown option 'frobnicate'" },
		{ "# x\n\ninterval\n", 3, "interval needs a value" },
		{ "interface eth0\ninterval soon\n", 2, "is not a number of seconds" },
		{ "max-calls 0\n", 1, "is not a number from 1" },
		{ "xdp-mode fast\n", 1, "is not one of: native drv skb generic" },
		{ "promisc maybe\n", 1, "promisc: 'maybe' is not yes or no" },
		{ "interface eth0\ninterface eth0\n", 2, "interface eth0 given twice" },
		{ "config /etc/other.conf\n", 1, "is for the command line" },
		{ "help\n", 1, "is for the command line" },
		{ "check-config\n", 1, "is for the command line" },
		{ "detach\n", 1, "is for the command line" },
		{ "reset-state yes\n", 1, "is for the command line" },
		{ "sip-port 70000\n", 1, "is not a number from 1 to 65535" },
		{ "unpaired-share 2\n", 1, "is not a fraction" },
		{ "verbose lots\n", 1, "is not a number from 0 to 9" },
		{ "-i eth0\n", 1, "unknown option '-i'" },
	};
	char path[64], want[128];
	size_t i;
	int ret;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *out;

		write_config(path, bad[i].text);
		out = stderr_of(parse_file, path, &ret);
		unlink(path);
		snprintf(want, sizeof(want), "sipxdp: %s:%u: ", path, bad[i].line);
		if (ret != -EINVAL || strncmp(out, want, strlen(want)) || !strstr(out, bad[i].says) ||
		    strchr(out, '\n') != out + strlen(out) - 1)
			fail_msg("case %zu: ret %d, said \"%s\", want one line \"%s...%s\"", i, ret, out, want,
				 bad[i].says);
	}
	{
		const char *out = stderr_of(parse_file, "/nonexistent/sipxdp.conf", &ret);

		assert_int_equal(ret, -EINVAL);
		assert_string_equal(out, "sipxdp: --config /nonexistent/sipxdp.conf: No such file or directory\n");
	}
	/* A binary file is not taken for options. */
	write_config(path, "interface eth0\n");
	{
		FILE *f = fopen(path, "a");

		assert_non_null(f);
		fputc('\0', f);
		fclose(f);
	}
	assert_non_null(strstr(stderr_of(parse_file, path, &ret), "holds a NUL byte"));
	assert_int_equal(ret, -EINVAL);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_hep),
		cmocka_unit_test(test_help_defaults),
		cmocka_unit_test(test_config_every_option),
		cmocka_unit_test(test_config_syntax_and_precedence),
		cmocka_unit_test(test_detach_with_service_config),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
