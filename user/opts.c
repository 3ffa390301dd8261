// SPDX-License-Identifier: GPL-2.0
/*
 * opts.c - the option table and what reads it (opts.h).
 *
 * A default is written once, as text, in the table: it is parsed like a
 * value given on the command line, and --help prints it.  A repeatable
 * option's default applies only when the option is not given at all.
 *
 * --config FILE names the same options, a line each: the file is read
 * through the same table after the command line, and only the options the
 * command line left unset take its values.  Its errors name file and line.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "log.h"
#include "hepsend.h"
#include "opts.h"
#include "util.h"

#ifndef SIPXDP_VERSION
#define SIPXDP_VERSION "0.1.0"
#endif

enum opt_type {
	OT_FLAG,	/* bool, no value */
	OT_COUNT,	/* unsigned, one more each time given */
	OT_STRING,	/* const char *, the argument itself */
	OT_IFACES,	/* repeatable interface names: const char *[], count at count_off */
	OT_STRINGS,	/* repeatable strings: const char *[], count at count_off, each checked */
	OT_PORTS,	/* repeatable ports: uint16_t[], count at count_off */
	OT_UINT,	/* unsigned int, min..max */
	OT_SECONDS,	/* double, at least min_s */
	OT_FRACTION,	/* double, above 0, at most 1 */
	OT_CHOICE,	/* int, one of choices */
	OT_VERSION,	/* print the version, exit 0 */
	OT_HELP,	/* print the usage, exit 0 */
};

struct opt_choice {
	const char *name;
	int value;
};

struct optdef {
	const char *name;
	char short_name;		/* 0: long only */
	enum opt_type type;
	const char *arg;		/* metavariable in --help; NULL for no value */
	const char *help;
	const char *def;		/* default as text, NULL for none */
	size_t off;			/* field in struct opts */
	size_t count_off;		/* OT_IFACES, OT_PORTS: the count field */
	unsigned int max_n;		/* ... and how many at most */
	unsigned long min, max;		/* OT_UINT, OT_PORTS */
	double min_s;			/* OT_SECONDS */
	const struct opt_choice *choices;	/* OT_CHOICE, ends with a NULL name */
	/* OT_STRING, OT_STRINGS: 0 if the value is good, else -EINVAL with why in err. */
	int (*check)(const char *v, char *err, size_t n);
};

#define F(field) offsetof(struct opts, field)

/* "FILE:LINE" while a configuration file is read: every error names it. */
static const char *err_where;

static void __attribute__((format(printf, 1, 2))) opt_err(const char *fmt, ...)
{
	va_list ap;

	/* A configuration error is an error in the journal too. */
	fprintf(stderr, "%s%s%s", log_journal() ? "<3>" : "sipxdp: ", err_where ?: "", err_where ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct opt_choice xdp_modes[] = {
	{ "native", 0 }, { "drv", 0 }, { "skb", 1 }, { "generic", 1 }, { NULL, 0 },
};

static const struct opt_choice read_engines[] = {
	{ "auto", READ_ENGINE_AUTO }, { "kernel", READ_ENGINE_KERNEL }, { "user", READ_ENGINE_USER },
	{ NULL, 0 },
};

static int check_hep(const char *v, char *err, size_t n)
{
	struct sockaddr_storage ss;
	unsigned int len;
	bool tcp;

	return hepsend_parse(v, &tcp, &ss, &len, err, n);
}

/* A key or a node name: a chunk of its own, of a sane length. */
static int check_hep_text(const char *v, char *err, size_t n)
{
	size_t len = strlen(v);

	if (len && len <= 255)
		return 0;
	snprintf(err, n, "'%.40s%s' is not 1 to 255 bytes", v, len > 40 ? "..." : "");
	return -EINVAL;
}

/* An instance's name is a directory's under --state-dir: no slash, no dot-only name. */
static int check_instance(const char *v, char *err, size_t n)
{
	size_t len = strlen(v), i;

	for (i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", v[i]))
			break;
	if (len && len <= OPTS_INSTANCE_MAX && i == len && strspn(v, ".") != len)
		return 0;
	snprintf(err, n, "'%.40s%s' is not 1 to %d of A-Z a-z 0-9 _ . -", v, len > 40 ? "..." : "",
		 OPTS_INSTANCE_MAX);
	return -EINVAL;
}

static const struct optdef optdefs[] = {
	{ .name = "interface", .short_name = 'i', .type = OT_IFACES, .arg = "IFACE",
	  .help = "attach to IFACE (repeatable)",
	  .off = F(ifaces), .count_off = F(nr_ifaces), .max_n = OPTS_MAX_IFACES },
	{ .name = "xdp-mode", .type = OT_CHOICE, .arg = "MODE", .help = "native or skb", .def = "native",
	  .off = F(xdp_mode), .choices = xdp_modes },
	{ .name = "egress", .type = OT_FLAG,
	  .help = "also observe what the host sends on each interface (TC egress, tcx)", .off = F(egress) },
	{ .name = "sip-port", .type = OT_PORTS, .arg = "PORT", .help = "UDP and TCP port carrying SIP",
	  .def = "5060", .off = F(sip_ports), .count_off = F(nr_sip_ports), .max_n = SIPXDP_MAX_SIP_PORTS,
	  .min = 1, .max = 65535 },
	{ .name = "tls-port", .type = OT_PORTS, .arg = "PORT",
	  .help = "TCP port of SIP over TLS, counted but unreadable", .def = "5061",
	  .off = F(tls_ports), .count_off = F(nr_tls_ports), .max_n = SIPXDP_MAX_TLS_PORTS,
	  .min = 1, .max = 65535 },
	{ .name = "textfile", .type = OT_STRING, .arg = "PATH",
	  .help = "write Prometheus metrics to PATH (node_exporter textfile collector)", .off = F(textfile) },
	{ .name = "listen", .type = OT_STRING, .arg = "ADDR:PORT",
	  .help = "also serve the metrics at http://ADDR:PORT/metrics ([ADDR]:PORT for IPv6)", .off = F(listen) },
	{ .name = "peer-groups", .type = OT_STRING, .arg = "PATH",
	  .help = "name peers by address prefix: NAME PREFIX... per line (SIGHUP reloads)", .off = F(peer_groups) },
	{ .name = "call-series", .type = OT_UINT, .arg = "N",
	  .help = "per-call stream series (call_id, ssrc, addresses as labels) for at most N streams; 0: none",
	  .def = "0", .off = F(call_series), .min = 0, .max = 1000000 },
	{ .name = "interval", .type = OT_SECONDS, .arg = "SECONDS", .help = "how often outputs are written",
	  .def = "5", .off = F(interval), .min_s = 0.1 },
	{ .name = "calls-json", .type = OT_STRING, .arg = "PATH",
	  .help = "append one JSON record per call to PATH", .off = F(calls_json) },
	{ .name = "read", .type = OT_STRING, .arg = "FILE",
	  .help = "analyse a pcap/pcapng capture instead of attaching", .off = F(read) },
	{ .name = "read-threads", .type = OT_UINT, .arg = "N",
	  .help = "with --read: threads running frames through the program (0: one per CPU, up to 8, "
		  "for the kernel's, the reading thread alone in user space; 1: in the reading thread)",
	  .def = "0", .off = F(read_threads), .min = 0, .max = 8 },
	{ .name = "read-engine", .type = OT_CHOICE, .arg = "ENGINE",
	  .help = "with --read: where the program runs: kernel (needs CAP_BPF), user (compiled in, "
		  "no privilege), or auto: the kernel if it may",
	  .def = "auto", .off = F(read_engine), .choices = read_engines },
	{ .name = "show", .type = OT_FLAG, .help = "print per-call stream figures every interval", .off = F(show) },
	{ .name = "promisc", .type = OT_FLAG,
	  .help = "put the interfaces in promiscuous mode (SPAN/TAP ports); undone at exit", .off = F(promisc) },
	{ .name = "grace", .type = OT_SECONDS, .arg = "SECONDS",
	  .help = "keep a call's media endpoints this long after it ends", .def = "2",
	  .off = F(grace), .min_s = 0 },
	{ .name = "setup-timeout", .type = OT_SECONDS, .arg = "SECONDS",
	  .help = "an INVITE with no final answer and no SIP for this long ends as timed_out", .def = "180",
	  .off = F(setup_timeout), .min_s = 1 },
	{ .name = "rtp-timeout", .type = OT_SECONDS, .arg = "SECONDS",
	  .help = "an answered call with no SIP or RTP for this long ends as timed_out", .def = "300",
	  .off = F(rtp_timeout), .min_s = 1 },
	{ .name = "max-duration", .type = OT_SECONDS, .arg = "SECONDS",
	  .help = "an answered call longer than this ends as timed_out", .def = "14400",
	  .off = F(max_duration), .min_s = 1 },
	{ .name = "max-calls", .type = OT_UINT, .arg = "N", .help = "calls followed at once", .def = "20000",
	  .off = F(max_calls), .min = 1, .max = 10000000 },
	{ .name = "max-streams", .type = OT_UINT, .arg = "N", .help = "size of the kernel stream map",
	  .def = "65536", .off = F(max_streams), .min = 16, .max = 16777216 },
	{ .name = "max-streams-per-call", .type = OT_UINT, .arg = "N",
	  .help = "RTP streams attached to one call; more are counted, not followed", .def = "32",
	  .off = F(max_streams_per_call), .min = 1, .max = 4096 },
	{ .name = "max-ssrcs-per-pair", .type = OT_UINT, .arg = "N",
	  .help = "of those, streams (SSRCs) between the same two endpoints", .def = "8",
	  .off = F(max_ssrcs_per_pair), .min = 1, .max = 4096 },
	{ .name = "unpaired-streams", .type = OT_UINT, .arg = "N",
	  .help = "streams from an address no SDP named, at one endpoint, per call naming it", .def = "4",
	  .off = F(unpaired_streams), .min = 1, .max = 4096 },
	{ .name = "unpaired-share", .type = OT_FRACTION, .arg = "FRACTION",
	  .help = "share of the stream map such streams may take, in all", .def = "0.5",
	  .off = F(unpaired_share) },
	{ .name = "offer-share", .type = OT_FRACTION, .arg = "FRACTION",
	  .help = "share of the endpoints map for calls not yet ringing or answered", .def = "0.25",
	  .off = F(offer_share) },
	{ .name = "offer-source-share", .type = OT_FRACTION, .arg = "FRACTION",
	  .help = "share of that for the offers of one sender", .def = "0.5", .off = F(offer_source_share) },
	{ .name = "offer-endpoints", .type = OT_UINT, .arg = "N",
	  .help = "endpoints of one call not yet ringing or answered in the kernel", .def = "8",
	  .off = F(offer_endpoints), .min = 1, .max = 64 },
	{ .name = "pressure-setup-timeout", .type = OT_SECONDS, .arg = "SECONDS",
	  .help = "with the offers' share or the call table nearly full, an unanswered call never rung "
		  "for ends after this", .def = "32", .off = F(pressure_timeout), .min_s = 1 },
	{ .name = "max-kernel-memory", .type = OT_UINT, .arg = "MIB",
	  .help = "kernel memory the maps may reserve; 0: a quarter of this machine's", .def = "0",
	  .off = F(max_kernel_memory), .min = 0, .max = 1U << 30 },
	{ .name = "hep", .type = OT_STRINGS, .arg = "[udp:|tcp:]ADDR:PORT",
	  .help = "send SIP, RTCP and stream quality reports as HEP v3 to this collector (Homer; "
		  "[ADDR]:PORT for IPv6; UDP unless tcp:; repeatable, up to 4); none unless given",
	  .off = F(hep), .count_off = F(nr_hep), .max_n = HEP_MAX_COLLECTORS, .check = check_hep },
	{ .name = "hep-id", .type = OT_UINT, .arg = "N", .help = "HEP capture agent ID", .def = "0",
	  .off = F(hep_id), .min = 0, .max = 4294967295UL },
	{ .name = "hep-password", .type = OT_STRING, .arg = "KEY",
	  .help = "HEP authentication key, sent with every message; none unless given",
	  .off = F(hep_password), .check = check_hep_text },
	{ .name = "hep-node", .type = OT_STRING, .arg = "NAME",
	  .help = "HEP capture node name, sent with every message; none unless given",
	  .off = F(hep_node), .check = check_hep_text },
	{ .name = "hep-report-interval", .type = OT_SECONDS, .arg = "SECONDS",
	  .help = "a quality report of each stream of a call in progress this often (HEP type 34); "
		  "a last one when the call is written out", .def = "30", .off = F(hep_report_interval), .min_s = 1 },
	{ .name = "state-file", .type = OT_STRING, .arg = "PATH",
	  .help = "at SIGTERM (with --persist every interval too) write the calls in progress to PATH, "
		  "for the next agent to go on following them; read at start; none unless given",
	  .off = F(state_file) },
	{ .name = "persist", .type = OT_FLAG,
	  .help = "keep the program attached and its maps pinned while no agent runs (restart, upgrade, "
		  "SIGKILL): the kernel counts on, the next agent takes over (needs --state-file)",
	  .off = F(persist) },
	{ .name = "state-dir", .type = OT_STRING, .arg = "DIR",
	  .help = "with --persist: a BPF filesystem directory, each instance's pins in DIR/NAME",
	  .def = "/sys/fs/bpf/sipxdp", .off = F(state_dir) },
	{ .name = "instance", .type = OT_STRING, .arg = "NAME",
	  .help = "this agent's pins are DIR/NAME (agents watching other interfaces take other names)",
	  .def = "default", .off = F(instance), .check = check_instance },
	{ .name = "reset-state", .type = OT_FLAG,
	  .help = "with --persist: replace pins of another layout or size instead of refusing them",
	  .off = F(reset_state) },
	{ .name = "detach", .type = OT_FLAG,
	  .help = "remove the instance's pins and links (and --state-file), say what went, and exit",
	  .off = F(detach) },
	{ .name = "user", .type = OT_STRING, .arg = "NAME",
	  .help = "once set up, run as NAME with no capability; without it, as " OPTS_DEFAULT_USER
		  " if that user exists", .off = F(user) },
	{ .name = "config", .type = OT_STRING, .arg = "PATH",
	  .help = "read options from PATH, one per line (NAME VALUE); the command line wins",
	  .off = F(config) },
	{ .name = "check-config", .type = OT_FLAG,
	  .help = "check the options (with --config, the file's too) and exit: 0 if they are good",
	  .off = F(check_config) },
	{ .name = "verbose", .short_name = 'v', .type = OT_COUNT,
	  .help = "more log output (twice: libbpf too)", .off = F(verbose) },
	{ .name = "version", .short_name = 'V', .type = OT_VERSION, .help = "print the version" },
	{ .name = "help", .short_name = 'h', .type = OT_HELP, .help = "this text" },
};
#define NR_OPTDEFS ARRAY_SIZE(optdefs)

const char *opts_version(void)
{
	return SIPXDP_VERSION;
}

static bool is_list(const struct optdef *d)
{
	return d->type == OT_IFACES || d->type == OT_PORTS || d->type == OT_STRINGS;
}

/* A value's own check (OT_STRING, OT_STRINGS); one line naming the option if it fails. */
static int check_value(const struct optdef *d, const char *v)
{
	char err[200];

	if (!d->check || !d->check(v, err, sizeof(err)))
		return 0;
	opt_err("--%s %s", d->name, err);
	return -EINVAL;
}

void opts_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: sipxdp -i IFACE [-i IFACE ...] [options]\n"
		   "       sipxdp --read FILE [options]\n\n"
		   "Per-call SIP and RTP quality from an XDP observer; every packet is passed.\n\n");
	for (i = 0; i < NR_OPTDEFS; i++) {
		const struct optdef *d = &optdefs[i];
		char left[48];

		if (d->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", d->short_name, d->name,
				 d->arg ? " " : "", d->arg ?: "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", d->name, d->arg ? " " : "", d->arg ?: "");
		/* The widest left column overruns into the help: a line of its own then. */
		if (strlen(left) > 30)
			fprintf(f, "  %s\n  %-30s %s", left, "", d->help);
		else
			fprintf(f, "  %-30s %s", left, d->help);
		if (is_list(d) && d->def)
			fprintf(f, " (repeatable; default %s)", d->def);
		else if (d->def)
			fprintf(f, " (default %s)", d->def);
		fputc('\n', f);
	}
}

static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	if (parse_dec(s, strlen(s), max, out) || *out < min)
		return -EINVAL;
	return 0;
}

static int set_choice(const struct optdef *d, void *field, const char *v)
{
	const struct opt_choice *c;
	char names[128];
	size_t n = 0;

	for (c = d->choices; c->name; c++) {
		if (!strcmp(c->name, v)) {
			*(int *)field = c->value;
			return 0;
		}
	}
	for (c = d->choices; c->name && n < sizeof(names); c++)
		n += snprintf(names + n, sizeof(names) - n, " %s", c->name);
	opt_err("--%s: '%s' is not one of:%s", d->name, v, names);
	return -EINVAL;
}

/* Append to a repeatable option's list. */
static int add_item(const struct optdef *d, struct opts *o, const char *v)
{
	unsigned int *n = (unsigned int *)((char *)o + d->count_off);
	unsigned long port;

	if (*n >= d->max_n) {
		opt_err("--%s: at most %u values", d->name, d->max_n);
		return -EINVAL;
	}
	if (d->type == OT_IFACES) {
		const char **list = (const char **)((char *)o + d->off);
		unsigned int i;

		if (strlen(v) >= IFNAMSIZ) {
			opt_err("interface name '%s' is too long", v);
			return -EINVAL;
		}
		for (i = 0; i < *n; i++) {
			if (!strcmp(list[i], v)) {
				opt_err("interface %s given twice", v);
				return -EINVAL;
			}
		}
		((const char **)((char *)o + d->off))[(*n)++] = v;
		return 0;
	}
	if (d->type == OT_STRINGS) {
		if (check_value(d, v))
			return -EINVAL;
		((const char **)((char *)o + d->off))[(*n)++] = v;
		return 0;
	}
	if (parse_ulong(v, d->min, d->max, &port)) {
		opt_err("--%s: '%s' is not a number from %lu to %lu", d->name, v, d->min, d->max);
		return -EINVAL;
	}
	((uint16_t *)((char *)o + d->off))[(*n)++] = port;
	return 0;
}

/* Set one option from its text value (NULL for options that take none). */
static int opt_set(const struct optdef *d, struct opts *o, const char *v)
{
	void *field = (char *)o + d->off;
	unsigned long n;
	char *end;
	double s;

	switch (d->type) {
	case OT_FLAG:
		*(bool *)field = true;
		return 0;
	case OT_COUNT:
		(*(unsigned int *)field)++;
		return 0;
	case OT_STRING:
		if (check_value(d, v))
			return -EINVAL;
		*(const char **)field = v;
		return 0;
	case OT_IFACES:
	case OT_PORTS:
	case OT_STRINGS:
		return add_item(d, o, v);
	case OT_UINT:
		if (parse_ulong(v, d->min, d->max, &n)) {
			opt_err("--%s: '%s' is not a number from %lu to %lu",
				d->name, v, d->min, d->max);
			return -EINVAL;
		}
		*(unsigned int *)field = n;
		return 0;
	case OT_SECONDS:
		errno = 0;
		s = strtod(v, &end);
		if (errno || end == v || *end || !(s >= d->min_s) || s > 86400 * 365) {
			opt_err("--%s: '%s' is not a number of seconds >= %g", d->name, v, d->min_s);
			return -EINVAL;
		}
		*(double *)field = s;
		return 0;
	case OT_FRACTION:
		errno = 0;
		s = strtod(v, &end);
		if (errno || end == v || *end || !(s > 0) || s > 1) {
			opt_err("--%s: '%s' is not a fraction above 0 and at most 1", d->name, v);
			return -EINVAL;
		}
		*(double *)field = s;
		return 0;
	case OT_CHOICE:
		return set_choice(d, field, v);
	case OT_VERSION:
		printf("sipxdp %s\n", SIPXDP_VERSION);
		exit(0);
	case OT_HELP:
		opts_usage(stdout);
		exit(0);
	}
	return -EINVAL;
}

/* Defaults of the options not given; a table entry whose default does not parse is a bug. */
static int apply_defaults(struct opts *o, const bool *seen)
{
	size_t i;

	for (i = 0; i < NR_OPTDEFS; i++)
		if (optdefs[i].def && !seen[i] && opt_set(&optdefs[i], o, optdefs[i].def))
			return -EINVAL;
	return 0;
}

static int check_combination(const struct opts *o)
{
	if (o->egress && o->read) {
		opt_err("--egress observes interfaces; it does not apply to --read");
		return -EINVAL;
	}
	if (o->listen && o->read) {
		opt_err("--listen serves a running agent's metrics; it does not apply to --read");
		return -EINVAL;
	}
	if (o->read_engine != READ_ENGINE_AUTO && !o->read) {
		opt_err("--read-engine chooses where --read runs the program; it does not apply live");
		return -EINVAL;
	}
	/* The service's own configuration names interfaces and --persist: --detach takes it as it is. */
	if (o->detach && o->read) {
		opt_err("--detach removes a live instance's pins and exits; it does not apply to --read");
		return -EINVAL;
	}
	if (o->read && (o->persist || o->state_file || o->reset_state)) {
		opt_err("--persist, --state-file and --reset-state hand a live agent's calls on; they do not apply to --read");
		return -EINVAL;
	}
	if (o->persist && !o->state_file) {
		opt_err("--persist needs --state-file: the next agent takes the calls over from it");
		return -EINVAL;
	}
	if (o->reset_state && !o->persist) {
		opt_err("--reset-state replaces pinned state; it needs --persist");
		return -EINVAL;
	}
	if (!o->detach && !o->nr_ifaces == !o->read) {
		opt_err("give either -i IFACE or --read FILE (see --help)");
		return -EINVAL;
	}
	return 0;
}

/* Bytes of struct opts one option sets (a list: its array; the count is apart). */
static size_t field_size(const struct optdef *d)
{
	switch (d->type) {
	case OT_FLAG:
		return sizeof(bool);
	case OT_COUNT:
	case OT_UINT:
		return sizeof(unsigned int);
	case OT_STRING:
		return sizeof(const char *);
	case OT_IFACES:
	case OT_STRINGS:
		return d->max_n * sizeof(const char *);
	case OT_PORTS:
		return d->max_n * sizeof(uint16_t);
	case OT_SECONDS:
	case OT_FRACTION:
		return sizeof(double);
	case OT_CHOICE:
		return sizeof(int);
	case OT_VERSION:
	case OT_HELP:
		break;
	}
	return 0;
}

/* One option's value (and a list's count) from one struct opts to another. */
static void copy_option(const struct optdef *d, struct opts *to, const struct opts *from)
{
	memcpy((char *)to + d->off, (const char *)from + d->off, field_size(d));
	if (is_list(d))
		memcpy((char *)to + d->count_off, (const char *)from + d->count_off, sizeof(unsigned int));
}

static const struct optdef *optdef_named(const char *name)
{
	size_t i;

	for (i = 0; i < NR_OPTDEFS; i++)
		if (!strcmp(optdefs[i].name, name))
			return &optdefs[i];
	return NULL;
}

/* A flag's value in a file: none or yes/true/on/1 sets it, no/false/off/0 leaves it unset. */
static int flag_value(const char *v, bool *on)
{
	static const char *const yes[] = { "", "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++)
		if (!strcasecmp(v, yes[i]))
			return *on = true, 0;
	for (i = 0; i < ARRAY_SIZE(no); i++)
		if (!strcasecmp(v, no[i]))
			return *on = false, 0;
	return -EINVAL;
}

/*
 * One line of a configuration file, NUL-terminated and trimmed: NAME, then
 * optionally '=', then the value (the rest of the line, up to a '#' that
 * follows a blank).  Sets the option in o and marks it in seen.
 */
static int config_line(struct opts *o, bool *seen, char *line)
{
	char *name = line, *v = line + strcspn(line, " \t="), *hash;
	const struct optdef *d;
	bool on;

	if (*v) {
		bool eq = *v == '=';

		*v++ = '\0';
		v += strspn(v, " \t");
		if (!eq && *v == '=')
			v += 1 + strspn(v + 1, " \t");
	}
	for (hash = v; (hash = strchr(hash, '#')); hash++)
		if (hash == v || hash[-1] == ' ' || hash[-1] == '\t') {
			*hash = '\0';
			break;
		}
	for (hash = v + strlen(v); hash > v && (hash[-1] == ' ' || hash[-1] == '\t'); )
		*--hash = '\0';
	d = optdef_named(name);
	if (!d) {
		opt_err("unknown option '%s'", name);
		return -EINVAL;
	}
	if (d->type == OT_HELP || d->type == OT_VERSION || d->off == F(config) || d->off == F(check_config) ||
	    d->off == F(detach) || d->off == F(reset_state)) {
		opt_err("'%s' is for the command line, not a configuration file", name);
		return -EINVAL;
	}
	seen[d - optdefs] = true;
	if (d->type == OT_FLAG) {
		if (flag_value(v, &on)) {
			opt_err("%s: '%s' is not yes or no", name, v);
			return -EINVAL;
		}
		*(bool *)((char *)o + d->off) = on;
		return 0;
	}
	if (d->type == OT_COUNT && *v) {
		unsigned long n;

		if (parse_ulong(v, 0, 9, &n)) {
			opt_err("%s: '%s' is not a number from 0 to 9", name, v);
			return -EINVAL;
		}
		*(unsigned int *)((char *)o + d->off) = n;
		return 0;
	}
	if (d->arg && !*v) {
		opt_err("%s needs a value", name);
		return -EINVAL;
	}
	return opt_set(d, o, d->arg ? v : NULL);
}

/* Configuration files are written by hand: a megabyte is far past any real one. */
#define CONFIG_MAX (1 << 20)

/*
 * Read PATH into o (which holds only the file's values), marking what it
 * sets in seen.  The text stays in *text: the strings of o point into it.
 */
static int config_read(struct opts *o, bool *seen, const char *path, char **text)
{
	char where[4096 + 16], *line, *next;
	unsigned int lineno = 0;
	size_t len = 0;
	FILE *f;
	int err = 0;

	f = fopen(path, "r");
	if (!f) {
		opt_err("--config %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	*text = malloc(CONFIG_MAX + 1);
	if (*text)
		len = fread(*text, 1, CONFIG_MAX + 1, f);
	if (!*text || ferror(f) || len > CONFIG_MAX) {
		opt_err("--config %s: %s", path, !*text ? "out of memory" : ferror(f) ? strerror(EIO) :
			"larger than a megabyte");
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	(*text)[len] = '\0';
	if (memchr(*text, '\0', len)) {
		opt_err("--config %s: holds a NUL byte: not a text file", path);
		return -EINVAL;
	}
	for (line = *text; line && !err; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		line += strspn(line, " \t");
		for (char *e = line + strlen(line); e > line && (e[-1] == ' ' || e[-1] == '\t'); )
			*--e = '\0';
		if (!*line || *line == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		err_where = where;
		err = config_line(o, seen, line);
		err_where = NULL;
	}
	return err;
}

int opts_parse(struct opts *o, int argc, char **argv)
{
	struct option longopts[NR_OPTDEFS + 1];
	bool seen[NR_OPTDEFS] = { false }, file_seen[NR_OPTDEFS] = { false };
	char shorts[2 * NR_OPTDEFS + 1];
	struct opts file;
	size_t i, ns = 0;
	int c, idx;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < NR_OPTDEFS; i++) {
		const struct optdef *d = &optdefs[i];

		longopts[i] = (struct option){ d->name, d->arg ? required_argument : no_argument, NULL,
					       d->short_name ? d->short_name : 256 + (int)i };
		if (d->short_name) {
			shorts[ns++] = d->short_name;
			if (d->arg)
				shorts[ns++] = ':';
		}
	}
	memset(&longopts[NR_OPTDEFS], 0, sizeof(longopts[0]));
	shorts[ns] = '\0';

	opterr = 0;	/* our own one-line message below */
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		for (idx = 0; idx < (int)NR_OPTDEFS; idx++)
			if (longopts[idx].val == c)
				break;
		if (c == '?' || idx == (int)NR_OPTDEFS) {
			if (optopt && optopt < 256)
				opt_err("unknown option or missing value: -%c (see --help)", optopt);
			else
				opt_err("unknown option or missing value: %s (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
		seen[idx] = true;
		if (opt_set(&optdefs[idx], o, optarg))
			return -EINVAL;
	}
	if (optind < argc) {
		opt_err("unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if (o->config) {
		memset(&file, 0, sizeof(file));
		if (config_read(&file, file_seen, o->config, &o->config_text))
			return -EINVAL;
		/* The command line wins, a repeatable option's whole list with it. */
		for (i = 0; i < NR_OPTDEFS; i++) {
			if (file_seen[i] && !seen[i]) {
				copy_option(&optdefs[i], o, &file);
				seen[i] = true;
			}
		}
	}
	if (apply_defaults(o, seen))
		return -EINVAL;
	return check_combination(o);
}

void opts_free(struct opts *o)
{
	free(o->config_text);
	o->config_text = NULL;
}
