// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - sipxdp: per-call RTP quality from an XDP observer.
 *
 * Options, then: open and load the program, attach to every interface,
 * poll SIP events until a signal, writing the outputs every interval; on
 * exit write them once more, detach, free in reverse order.  Only main
 * turns -errno into an exit status.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "calls.h"
#include "capture.h"
#include "kern.h"
#include "log.h"
#include "prom.h"
#include "reasm.h"
#include "rtp_stats.h"

#define SIPXDP_VERSION "0.1.0"
#define MAX_IFACES 16	/* each takes one link, two with --egress */

struct opts {
	const char *ifaces[MAX_IFACES];
	int nr_ifaces;
	int xdp_mode;		/* 0 native, 1 skb */
	const char *textfile;
	const char *calls_json;
	const char *read;
	double interval;
	double grace;
	double setup_timeout;
	double rtp_timeout;
	double max_duration;
	bool show;
	bool promisc;
	int verbose;
	struct kern_opts k;
	unsigned int max_calls;
};

struct agent {
	struct opts o;
	struct kern k;
	struct calls calls;
	struct reasm reasm;
	FILE *json;
	int promisc_fd;
	uint64_t next_tick;	/* event clock */
	uint64_t interval_ns;
	uint64_t last_ts;	/* offline: time of the newest frame */
	bool started;		/* attached and polling: outputs are due at exit */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

enum {
	OPT_XDP_MODE = 256, OPT_SIP_PORT, OPT_TEXTFILE, OPT_INTERVAL, OPT_CALLS_JSON,
	OPT_READ, OPT_SHOW, OPT_PROMISC, OPT_GRACE, OPT_SETUP_TIMEOUT, OPT_RTP_TIMEOUT,
	OPT_MAX_DURATION, OPT_MAX_CALLS,
	OPT_MAX_STREAMS, OPT_TLS_PORT, OPT_EGRESS,
};

/* One table drives getopt_long and --help. */
static const struct optdesc {
	struct option opt;
	const char *arg;
	const char *help;
} optdescs[] = {
	{ { "interface", required_argument, NULL, 'i' }, "IFACE",
	  "attach to IFACE (repeatable)" },
	{ { "xdp-mode", required_argument, NULL, OPT_XDP_MODE }, "MODE",
	  "native (default) or skb" },
	{ { "egress", no_argument, NULL, OPT_EGRESS }, NULL,
	  "also observe what the host sends on each interface (TC egress, tcx)" },
	{ { "sip-port", required_argument, NULL, OPT_SIP_PORT }, "PORT",
	  "UDP port carrying SIP (repeatable; default 5060)" },
	{ { "tls-port", required_argument, NULL, OPT_TLS_PORT }, "PORT",
	  "TCP port of SIP over TLS, counted but unreadable (repeatable; default 5061)" },
	{ { "textfile", required_argument, NULL, OPT_TEXTFILE }, "PATH",
	  "write Prometheus metrics to PATH (node_exporter textfile collector)" },
	{ { "interval", required_argument, NULL, OPT_INTERVAL }, "SECONDS",
	  "how often outputs are written (default 5)" },
	{ { "calls-json", required_argument, NULL, OPT_CALLS_JSON }, "PATH",
	  "append one JSON record per call to PATH" },
	{ { "read", required_argument, NULL, OPT_READ }, "FILE",
	  "analyse a pcap/pcapng capture instead of attaching" },
	{ { "show", no_argument, NULL, OPT_SHOW }, NULL,
	  "print per-call stream figures every interval" },
	{ { "promisc", no_argument, NULL, OPT_PROMISC }, NULL,
	  "put the interfaces in promiscuous mode (SPAN/TAP ports); undone at exit" },
	{ { "grace", required_argument, NULL, OPT_GRACE }, "SECONDS",
	  "keep a call's media endpoints this long after it ends (default 2)" },
	{ { "setup-timeout", required_argument, NULL, OPT_SETUP_TIMEOUT }, "SECONDS",
	  "an INVITE with no final answer and no SIP for this long ends as timed_out (default 180)" },
	{ { "rtp-timeout", required_argument, NULL, OPT_RTP_TIMEOUT }, "SECONDS",
	  "an answered call with no SIP or RTP for this long ends as timed_out (default 300)" },
	{ { "max-duration", required_argument, NULL, OPT_MAX_DURATION }, "SECONDS",
	  "an answered call longer than this ends as timed_out (default 14400)" },
	{ { "max-calls", required_argument, NULL, OPT_MAX_CALLS }, "N",
	  "calls followed at once (default 20000)" },
	{ { "max-streams", required_argument, NULL, OPT_MAX_STREAMS }, "N",
	  "size of the kernel stream map (default 65536)" },
	{ { "verbose", no_argument, NULL, 'v' }, NULL, "more log output (twice: libbpf too)" },
	{ { "version", no_argument, NULL, 'V' }, NULL, "print the version" },
	{ { "help", no_argument, NULL, 'h' }, NULL, "this text" },
};
#define NR_OPTS (sizeof(optdescs) / sizeof(optdescs[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: sipxdp -i IFACE [-i IFACE ...] [options]\n"
		   "       sipxdp --read FILE [options]\n\n"
		   "Per-call SIP and RTP quality from an XDP observer; every packet is passed.\n\n");
	for (i = 0; i < NR_OPTS; i++) {
		const struct option *o = &optdescs[i].opt;
		char left[48];

		if (o->val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->name,
				 optdescs[i].arg ? " " : "", optdescs[i].arg ?: "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
				 optdescs[i].arg ? " " : "", optdescs[i].arg ?: "");
		fprintf(f, "  %-30s %s\n", left, optdescs[i].help);
	}
}

static int parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *out < min || *out > max) {
		fprintf(stderr, "sipxdp: --%s: '%s' is not a number from %lu to %lu\n",
			opt, s, min, max);
		return -EINVAL;
	}
	return 0;
}

static int parse_seconds(const char *opt, const char *s, double min, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !(*out >= min) || *out > 86400 * 365) {
		fprintf(stderr, "sipxdp: --%s: '%s' is not a number of seconds >= %g\n", opt, s, min);
		return -EINVAL;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	struct option longopts[NR_OPTS + 1];
	unsigned long v;
	size_t i;
	int c;

	memset(o, 0, sizeof(*o));
	o->interval = 5;
	o->grace = 2;
	o->setup_timeout = 180;
	o->rtp_timeout = 300;
	o->max_duration = 4 * 3600;
	o->max_calls = 20000;
	for (i = 0; i < NR_OPTS; i++)
		longopts[i] = optdescs[i].opt;
	memset(&longopts[NR_OPTS], 0, sizeof(longopts[0]));

	opterr = 0;	/* our own one-line message below */
	while ((c = getopt_long(argc, argv, "i:vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (o->nr_ifaces >= MAX_IFACES) {
				fprintf(stderr, "sipxdp: at most %d interfaces\n", MAX_IFACES);
				return -EINVAL;
			}
			if (strlen(optarg) >= IFNAMSIZ) {
				fprintf(stderr, "sipxdp: interface name '%s' is too long\n", optarg);
				return -EINVAL;
			}
			o->ifaces[o->nr_ifaces++] = optarg;
			break;
		case OPT_XDP_MODE:
			if (!strcmp(optarg, "native") || !strcmp(optarg, "drv")) {
				o->xdp_mode = 0;
			} else if (!strcmp(optarg, "skb") || !strcmp(optarg, "generic")) {
				o->xdp_mode = 1;
			} else {
				fprintf(stderr, "sipxdp: --xdp-mode: '%s' is neither native nor skb\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_SIP_PORT:
			if (parse_uint("sip-port", optarg, 1, 65535, &v))
				return -EINVAL;
			if (o->k.nr_sip_ports >= SIPXDP_MAX_SIP_PORTS) {
				fprintf(stderr, "sipxdp: at most %d SIP ports\n", SIPXDP_MAX_SIP_PORTS);
				return -EINVAL;
			}
			o->k.sip_ports[o->k.nr_sip_ports++] = v;
			break;
		case OPT_TLS_PORT:
			if (parse_uint("tls-port", optarg, 1, 65535, &v))
				return -EINVAL;
			if (o->k.nr_tls_ports >= SIPXDP_MAX_TLS_PORTS) {
				fprintf(stderr, "sipxdp: at most %d TLS ports\n", SIPXDP_MAX_TLS_PORTS);
				return -EINVAL;
			}
			o->k.tls_ports[o->k.nr_tls_ports++] = v;
			break;
		case OPT_TEXTFILE:
			o->textfile = optarg;
			break;
		case OPT_INTERVAL:
			if (parse_seconds("interval", optarg, 0.1, &o->interval))
				return -EINVAL;
			break;
		case OPT_CALLS_JSON:
			o->calls_json = optarg;
			break;
		case OPT_READ:
			o->read = optarg;
			break;
		case OPT_SHOW:
			o->show = true;
			break;
		case OPT_PROMISC:
			o->promisc = true;
			break;
		case OPT_EGRESS:
			o->k.egress = true;
			break;
		case OPT_GRACE:
			if (parse_seconds("grace", optarg, 0, &o->grace))
				return -EINVAL;
			break;
		case OPT_SETUP_TIMEOUT:
			if (parse_seconds("setup-timeout", optarg, 1, &o->setup_timeout))
				return -EINVAL;
			break;
		case OPT_RTP_TIMEOUT:
			if (parse_seconds("rtp-timeout", optarg, 1, &o->rtp_timeout))
				return -EINVAL;
			break;
		case OPT_MAX_DURATION:
			if (parse_seconds("max-duration", optarg, 1, &o->max_duration))
				return -EINVAL;
			break;
		case OPT_MAX_CALLS:
			if (parse_uint("max-calls", optarg, 1, 10000000, &v))
				return -EINVAL;
			o->max_calls = v;
			break;
		case OPT_MAX_STREAMS:
			if (parse_uint("max-streams", optarg, 16, 16777216, &v))
				return -EINVAL;
			o->k.max_streams = v;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'V':
			printf("sipxdp %s\n", SIPXDP_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			if (optopt && optopt < 256 && c == '?')
				fprintf(stderr, "sipxdp: unknown option or missing value: -%c (see --help)\n", optopt);
			else
				fprintf(stderr, "sipxdp: unknown option or missing value: %s (see --help)\n",
					argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sipxdp: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (o->k.egress && o->read) {
		fprintf(stderr, "sipxdp: --egress observes interfaces; it does not apply to --read\n");
		return -EINVAL;
	}
	if (!o->nr_ifaces == !o->read) {
		fprintf(stderr, "sipxdp: give either -i IFACE or --read FILE (see --help)\n");
		return -EINVAL;
	}
	if (!o->k.nr_sip_ports)
		o->k.sip_ports[o->k.nr_sip_ports++] = 5060;
	if (!o->k.nr_tls_ports)
		o->k.tls_ports[o->k.nr_tls_ports++] = 5061;
	o->k.offline = o->read != NULL;
	o->k.max_endpoints = o->max_calls * 4 < SIPXDP_DEF_MAX_ENDPOINTS ?
			     SIPXDP_DEF_MAX_ENDPOINTS : o->max_calls * 4;
	return 0;
}

/* The text file is renamed into place: its directory must take a new file. */
static int check_textfile_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) ?: 1, path);
	if (access(dir, W_OK)) {
		pr_err("--textfile %s: directory %s: %s\n", path, dir, strerror(errno));
		return -errno;
	}
	return 0;
}

static void on_message(void *ctx, const struct sip_pkt *pkt)
{
	struct agent *a = ctx;

	switch (pkt->kind) {
	case PKT_SIP:
		calls_on_sip(&a->calls, pkt);
		break;
	case PKT_RTCP:
		calls_on_rtcp(&a->calls, pkt);
		break;
	case PKT_DTMF:
		calls_on_dtmf(&a->calls, pkt);
		break;
	}
}

static void on_sip(void *ctx, const struct sipxdp_meta *m, const uint8_t *frame)
{
	struct agent *a = ctx;

	reasm_event(&a->reasm, m, frame);
}

static void show(struct agent *a)
{
	const struct call *call, *tmp;
	const struct stream_rec *s;
	char src[64], dst[64];

	printf("\n%-36s %-12s %6s %8s\n", "CALL-ID", "STATE", "STATUS", "DUR(s)");
	HASH_ITER(hh, a->calls.by_id, call, tmp) {
		uint64_t end = call->t_end ? call->t_end : a->calls.now;

		printf("%-36.36s %-12s %6d %8.1f\n", call->call_id,
		       call->state == CALL_ENDED ? call_result_name(call->result) :
		       call_state_name(call->state), call->final_status,
		       call->t_answer ? (double)(end - call->t_answer) / 1e9 : 0.0);
		for (s = call->streams; s; s = s->call_next) {
			const char *codec;
			uint32_t rate;

			codec = stream_codec(s, &rate);
			printf("    %21s -> %-21s 0x%08x %-12s pkts %-7llu lost %-5lld jitter %.3f ms (max %.3f)\n",
			       addr_port_str(src, sizeof(src), &s->key.src, ntohs(s->key.sport)),
			       addr_port_str(dst, sizeof(dst), &s->key.dst, ntohs(s->key.dport)),
			       s->key.ssrc, codec ?: "?", (unsigned long long)s->st.packets,
			       (long long)rtp_lost(&s->st), stream_jitter_ms(s->st.jitter_q4),
			       stream_jitter_ms(s->st.max_jitter_q4));
		}
	}
	fflush(stdout);
}

static void write_outputs(struct agent *a)
{
	int err;

	if (a->o.textfile) {
		err = prom_write(a->o.textfile, &a->calls, &a->k, &a->reasm);
		if (err)
			pr_warn("write %s: %s\n", a->o.textfile, strerror(-err));
	}
	if (a->o.show)
		show(a);
}

/* Time has moved on to now (event clock): expire what waited too long. */
static void advance(struct agent *a, uint64_t now)
{
	reasm_expire(&a->reasm, now);
	calls_tick(&a->calls, now);
}

static void tick(struct agent *a, uint64_t now)
{
	advance(a, now);
	write_outputs(a);
}

static int offline_tick(void *ctx, uint64_t ts)
{
	struct agent *a = ctx;

	a->last_ts = ts;
	if (!a->next_tick)
		a->next_tick = ts + a->interval_ns;
	if (ts >= a->next_tick) {
		advance(a, ts);
		a->next_tick = ts + a->interval_ns;
	}
	return stop;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Promiscuous mode through a packet socket membership: the kernel undoes it when we exit, however we exit. */
static int set_promisc(struct agent *a, const char *ifname)
{
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };

	if (a->promisc_fd < 0) {
		a->promisc_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
		if (a->promisc_fd < 0) {
			pr_warn("promiscuous mode on %s: socket: %s\n", ifname, strerror(errno));
			return -errno;
		}
	}
	mr.mr_ifindex = if_nametoindex(ifname);
	if (!mr.mr_ifindex || setsockopt(a->promisc_fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		pr_warn("promiscuous mode on %s: %s\n", ifname, strerror(errno));
		return -errno;
	}
	return 0;
}

static int run_live(struct agent *a)
{
	uint64_t now;
	int err = 0, i;

	for (i = 0; i < a->o.nr_ifaces; i++) {
		err = kern_attach(&a->k, a->o.ifaces[i], a->o.xdp_mode);
		if (err)
			return err;
		if (a->o.promisc && (err = set_promisc(a, a->o.ifaces[i])))
			return err;
		if (a->o.k.egress && (err = kern_attach_egress(&a->k, a->o.ifaces[i])))
			return err;
	}
	a->next_tick = clock_ns(CLOCK_MONOTONIC) + a->interval_ns;
	a->started = true;
	while (!stop) {
		err = kern_poll(&a->k, 100);
		if (err) {
			pr_warn("poll perf buffer: %s\n", strerror(-err));
			return err;
		}
		now = clock_ns(CLOCK_MONOTONIC);
		if (now >= a->next_tick) {
			tick(a, now);
			a->next_tick = now + a->interval_ns;
		}
	}
	tick(a, clock_ns(CLOCK_MONOTONIC));
	return 0;
}

static int offline_run(void *ctx, const uint8_t *frame, uint32_t len, uint64_t ts)
{
	struct agent *a = ctx;

	return kern_run_frame(&a->k, frame, len, ts);
}

static int run_offline(struct agent *a)
{
	struct capture_stats cs;
	int err;

	err = capture_replay(a->o.read, offline_run, offline_tick, a, &cs);
	if (err)
		return err;
	advance(a, a->last_ts);
	pr_info("%s: %llu frames replayed\n", a->o.read, (unsigned long long)cs.frames);
	return 0;
}

/* Configuration and environment errors, each one line, before anything is loaded. */
static int preflight(const struct opts *o)
{
	int i;

	for (i = 0; i < o->nr_ifaces; i++) {
		if (!if_nametoindex(o->ifaces[i])) {
			pr_err("interface %s: no such interface\n", o->ifaces[i]);
			return -ENODEV;
		}
	}
	if (o->read && access(o->read, R_OK)) {
		pr_err("read %s: %s\n", o->read, strerror(errno));
		return -errno;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) && errno == ENOENT) {
		pr_err("this kernel has no BTF (/sys/kernel/btf/vmlinux): sipxdp needs CONFIG_DEBUG_INFO_BTF\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct calls_cfg cc = {};
	struct agent a = { .promisc_fd = -1 };
	int err;

	if (parse_opts(argc, argv, &a.o))
		return 2;
	log_set_level(a.o.verbose ? LOG_DEBUG + (a.o.verbose > 1) : LOG_INFO);
	log_setup_libbpf();
	a.interval_ns = a.o.interval * 1e9;

	if (a.o.calls_json) {
		a.json = fopen(a.o.calls_json, "a");
		if (!a.json) {
			pr_err("open %s: %s\n", a.o.calls_json, strerror(errno));
			return 1;
		}
	}
	if (a.o.textfile && check_textfile_dir(a.o.textfile)) {
		if (a.json)
			fclose(a.json);
		return 1;
	}

	err = preflight(&a.o);
	if (err)
		goto cleanup;
	err = reasm_init(&a.reasm, on_message, &a);
	if (err)
		goto cleanup;
	err = kern_open(&a.k, &a.o.k, on_sip, &a);
	if (err)
		goto cleanup;

	cc.grace_ns = a.o.grace * 1e9;
	cc.setup_timeout_ns = a.o.setup_timeout * 1e9;
	cc.rtp_timeout_ns = a.o.rtp_timeout * 1e9;
	cc.max_duration_ns = a.o.max_duration * 1e9;
	cc.max_calls = a.o.max_calls;
	cc.json = a.json;
	/* Live: event times are CLOCK_MONOTONIC; offline: already Unix time. */
	cc.live = !a.o.read;
	cc.unix_offset_ns = a.o.read ? 0 :
		(int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	err = calls_init(&a.calls, &a.k, &cc);
	if (err)
		goto cleanup;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	err = a.o.read ? run_offline(&a) : run_live(&a);
	/* An agent that never got going has nothing to report: no outputs. */
	if (!err || a.started) {
		calls_finish(&a.calls);
		write_outputs(&a);
	}
cleanup:
	calls_free(&a.calls);
	kern_close(&a.k);
	reasm_free(&a.reasm);
	if (a.promisc_fd >= 0)
		close(a.promisc_fd);
	if (a.json)
		fclose(a.json);
	return err ? 1 : 0;
}
