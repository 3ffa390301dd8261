// SPDX-License-Identifier: GPL-2.0
/*
 * bench_streams.c - the known-stream RTP path at production working sets:
 * N concurrent streams (each toward an endpoint of its own, as N calls
 * have), every packet the next in-order packet of its stream (sequence and
 * timestamp advancing), streams interleaved round-robin as on the wire.
 * Against the floor program in the same object (sipxdp_floor: the same
 * parsing, one lookup in a hash of the same key and size, one atomic add)
 * and the empty program, in interleaved rounds; the median round is given.
 *
 * What a figure includes: each packet is one BPF_PROG_TEST_RUN (repeat 1),
 * timed by the kernel around the program run (two clock reads included,
 * the same for every program); the syscall between packets cools the
 * caches, which at 100,000 streams is what the working set does anyway and
 * at 1,000 is pessimistic.  The clock is the live one (bpf_ktime_get_ns),
 * as on an interface.  Checked: every stream counted every packet, lost 0.
 *
 * Live mode (tests/bench/live.sh): the same maps for N streams, their first
 * packet run as above so that every live packet is a known stream's, then
 * the three programs take turns on IF (native XDP) until SIGTERM, while a
 * generator sends the streams' packets; on exit, each program's own run
 * time per packet (bpf_stats), and whether sipxdp counted each packet it
 * ran on in its stream.
 *
 * Usage: bench_streams [N ...]  (default 1000 10000 100000)
 *        bench_streams --attach IF --streams N [--swap-ms MS]
 *        bench_streams --attach IF --empty
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sipxdp.h"
#include "rtp_stats.h"
#include "sipxdp.skel.h"
#include "frames.h"
#include "../tools/streams.h"

#define ROUNDS 5

struct bench {
	struct sipxdp_bpf *skel;
	unsigned int n;
	struct frame *frames;		/* one per stream */
	struct stream_key *keys;
	uint32_t seq;			/* packets sent per stream so far */
};

static void addr_v4(struct sipxdp_addr *a, uint32_t ip)
{
	memset(a, 0, sizeof(*a));
	a->a[10] = a->a[11] = 0xff;
	ip = htonl(ip);
	memcpy(&a->a[12], &ip, 4);
}

/* Stream i of the plan in streams.h: its flow (addresses in src and dst) and its key. */
static void stream_i(unsigned int i, struct flow *fl, char *src, char *dst, struct stream_key *k)
{
	uint32_t s = streams_caller(i), d = streams_callee(i), sn = htonl(s), dn = htonl(d);

	inet_ntop(AF_INET, &sn, src, INET_ADDRSTRLEN);
	inet_ntop(AF_INET, &dn, dst, INET_ADDRSTRLEN);
	*fl = (struct flow){ 4, src, dst, STREAMS_CALLER_PORT, streams_callee_port(i), 0 };
	memset(k, 0, sizeof(*k));
	addr_v4(&k->src, s);
	addr_v4(&k->dst, d);
	k->sport = htons(fl->sport);
	k->dport = htons(fl->dport);
	k->ssrc = streams_ssrc(i);
}

static int setup(struct bench *b, unsigned int n)
{
	unsigned int size = n < 65536 ? 65536 : n + n / 4, i;
	struct endpoint_info info = { .unpaired_max = ~0U };
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	__u64 zero = 0;
	struct flow fl;

	memset(b, 0, sizeof(*b));
	b->n = n;
	b->skel = sipxdp_bpf__open();
	if (!b->skel)
		return -errno;
	bpf_map__set_max_entries(b->skel->maps.event_scratch, libbpf_num_possible_cpus());
	bpf_map__set_max_entries(b->skel->maps.streams, size);
	bpf_map__set_max_entries(b->skel->maps.floor_streams, size);
	bpf_map__set_max_entries(b->skel->maps.endpoints, 2 * size);
	bpf_map__set_max_entries(b->skel->maps.ep_unpaired, size);
	if (sipxdp_bpf__load(b->skel))
		return -EINVAL;
	b->frames = calloc(n, sizeof(*b->frames));
	b->keys = calloc(n, sizeof(*b->keys));
	if (!b->frames || !b->keys)
		return -ENOMEM;
	info.clock_code[0] = CLK_8000;
	for (i = 0; i < n; i++) {
		struct endpoint_key ek = { .proto = IPPROTO_UDP };

		stream_i(i, &fl, src, dst, &b->keys[i]);
		/* Both ends learned, as from a call's offer and answer: a paired stream. */
		ek.addr = b->keys[i].dst;
		ek.port = b->keys[i].dport;
		if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.endpoints), &ek, &info, BPF_ANY))
			return -errno;
		ek.addr = b->keys[i].src;
		ek.port = b->keys[i].sport;
		if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.endpoints), &ek, &info, BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(b->skel->maps.floor_streams), &b->keys[i], &zero, BPF_ANY))
			return -errno;
		b->skel->bss->media_ports[fl.dport >> 6] |= 1ULL << (fl.dport & 63);
		b->skel->bss->media_ports[fl.sport >> 6] |= 1ULL << (fl.sport & 63);
		frame_rtp(&b->frames[i], &fl, 0, 0, 0, 0, b->keys[i].ssrc, 160);
	}
	return 0;
}

/* Packet seq of every stream through prog, in stream order; mean ns per packet. */
static double round_ns(struct bench *b, int prog_fd, uint32_t seq)
{
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		struct frame *f = &b->frames[i];
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len, .repeat = 1);

		put16(f->b + f->payload + 2, seq);
		put32(f->b + f->payload + 4, seq * 160);
		if (bpf_prog_test_run_opts(prog_fd, &o)) {
			fprintf(stderr, "bench_streams: test run: %s\n", strerror(errno));
			exit(1);
		}
		total += o.duration;
	}
	return (double)total / b->n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Every stream counted every packet it was sent, none lost. */
static int check_counts(const struct bench *b, uint64_t want)
{
	int fd = bpf_map__fd(b->skel->maps.streams);
	struct stream_state st;
	unsigned int i, bad = 0;

	for (i = 0; i < b->n; i++) {
		if (bpf_map_lookup_elem_flags(fd, &b->keys[i], &st, BPF_F_LOCK) || st.packets != want ||
		    rtp_lost(&st) != 0)
			bad++;
	}
	if (bad)
		fprintf(stderr, "bench_streams: %u of %u streams miscounted\n", bad, b->n);
	return bad ? -1 : 0;
}

static int run(unsigned int n)
{
	double t_x[ROUNDS], t_f[ROUNDS], t_e[ROUNDS], x, fl, e;
	int xdp, floor_fd, empty, i, err;
	struct bench b;

	err = setup(&b, n);
	if (err) {
		fprintf(stderr, "bench_streams: setup for %u streams: %s\n", n, strerror(-err));
		return 1;
	}
	xdp = bpf_program__fd(b.skel->progs.sipxdp_xdp);
	floor_fd = bpf_program__fd(b.skel->progs.sipxdp_floor);
	empty = bpf_program__fd(b.skel->progs.sipxdp_empty);
	round_ns(&b, xdp, 0);		/* the streams start: what follows is the known-stream path */
	round_ns(&b, floor_fd, 0);
	for (i = 0; i < ROUNDS; i++) {
		t_x[i] = round_ns(&b, xdp, 1 + i);
		t_f[i] = round_ns(&b, floor_fd, 1 + i);
		t_e[i] = round_ns(&b, empty, 1 + i);
	}
	qsort(t_x, ROUNDS, sizeof(double), cmp_double);
	qsort(t_f, ROUNDS, sizeof(double), cmp_double);
	qsort(t_e, ROUNDS, sizeof(double), cmp_double);
	x = t_x[ROUNDS / 2];
	fl = t_f[ROUNDS / 2];
	e = t_e[ROUNDS / 2];
	printf("  %7u streams  sipxdp %6.1f ns  floor %6.1f ns  empty %5.1f ns  ratio to floor %4.2f"
	       "  (over empty: %4.2f)\n", n, x, fl, e, x / fl, fl > e ? (x - e) / (fl - e) : 0);
	err = check_counts(&b, 1 + ROUNDS);
	sipxdp_bpf__destroy(b.skel);
	free(b.frames);
	free(b.keys);
	return err ? 1 : 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* RTP packets the program counted in a stream, all CPUs (the health map). */
static uint64_t health_rtp(const struct bench *b)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct sipxdp_health h[ncpu];
	uint64_t n = 0;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.health), &zero, h))
		return 0;
	for (i = 0; i < ncpu; i++)
		n += h[i].rtp;
	return n;
}

/*
 * Every live packet sipxdp ran on was a known stream's and counted in it:
 * the streams' packets past their first (the test run) add up to the
 * health map's count, and no stream has more than its packets allow.
 */
static int check_live(const struct bench *b, uint64_t rtp_live)
{
	int fd = bpf_map__fd(b->skel->maps.streams);
	struct stream_state st;
	uint64_t sum = 0;
	unsigned int i, bad = 0;

	for (i = 0; i < b->n; i++) {
		if (bpf_map_lookup_elem_flags(fd, &b->keys[i], &st, BPF_F_LOCK) || st.flags & STREAM_F_UNPAIRED) {
			bad++;
			continue;
		}
		sum += st.packets - 1;
	}
	if (bad || sum != rtp_live) {
		fprintf(stderr, "bench_streams: %u streams missing, %llu packets in streams, %llu counted\n", bad,
			(unsigned long long)sum, (unsigned long long)rtp_live);
		return -1;
	}
	printf("           counts: the %u streams hold the %llu RTP packets sipxdp counted\n", b->n,
	       (unsigned long long)sum);
	return 0;
}

/*
 * Live: sipxdp, the floor and the empty program take turns on ifname, swap_ms
 * each, until SIGTERM.  Turns split the same offered load into thirds under
 * the same conditions (a shared machine drifts by more than the ratios
 * sought).  A stream's packets that another program took are a gap of a few
 * sequence numbers to sipxdp: the in-order path all the same.  bpf_stats
 * (enabled while this runs) times each program's runs.
 */
/*
 * The empty program alone on ifname until SIGTERM, for the peers' benchmark
 * (tests/bench/peers.sh): the cost of any XDP program at all.  Prints the
 * packets it saw and its time per packet.
 */
static int empty_only(const char *ifname)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct sipxdp_bpf *skel;
	struct bpf_program *prog;
	int ifindex = if_nametoindex(ifname), stats_fd, fd;

	skel = sipxdp_bpf__open();
	if (!ifindex || !skel) {
		fprintf(stderr, "bench_streams: %s: %s\n", ifname, ifindex ? "open" : "no such interface");
		return 1;
	}
	/* the empty program alone (the maps are made all the same: global data needs them) */
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == skel->progs.sipxdp_empty);
	if (sipxdp_bpf__load(skel)) {
		fprintf(stderr, "bench_streams: load the empty program: %s\n", strerror(errno));
		return 1;
	}
	fd = bpf_program__fd(skel->progs.sipxdp_empty);
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0 || bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "bench_streams: attach to %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("attached to %s, the empty program\n", ifname);
	fflush(stdout);
	while (!stop)
		pause();
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	bpf_obj_get_info_by_fd(fd, &info, &len);
	printf("empty: %llu packets, %.1f ns each\n", (unsigned long long)info.run_cnt,
	       info.run_cnt ? (double)info.run_time_ns / info.run_cnt : 0.0);
	close(stats_fd);
	sipxdp_bpf__destroy(skel);
	return 0;
}

static int live(const char *ifname, unsigned int n, unsigned int swap_ms)
{
	static const char *const names[] = { "sipxdp", "floor", "empty" };
	struct bpf_program *progs[3];
	struct bpf_prog_info info[3];
	struct timespec turn = { swap_ms / 1000, (swap_ms % 1000) * 1000000L };
	uint64_t rtp0;
	struct bench b;
	int ifindex = if_nametoindex(ifname), stats_fd, i, k, err;

	if (!ifindex) {
		fprintf(stderr, "bench_streams: %s: no such interface\n", ifname);
		return 1;
	}
	err = setup(&b, n);
	if (err) {
		fprintf(stderr, "bench_streams: setup for %u streams: %s\n", n, strerror(-err));
		return 1;
	}
	progs[0] = b.skel->progs.sipxdp_xdp;
	progs[1] = b.skel->progs.sipxdp_floor;
	progs[2] = b.skel->progs.sipxdp_empty;
	round_ns(&b, bpf_program__fd(progs[0]), 0);	/* the streams start: live packets are known streams' */
	round_ns(&b, bpf_program__fd(progs[1]), 0);
	rtp0 = health_rtp(&b);
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0 || bpf_xdp_attach(ifindex, bpf_program__fd(progs[0]), XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "bench_streams: attach to %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("attached to %s, %u streams\n", ifname, n);
	fflush(stdout);
	for (k = 1; !stop; k++) {
		nanosleep(&turn, NULL);
		if (bpf_xdp_attach(ifindex, bpf_program__fd(progs[k % 3]), XDP_FLAGS_DRV_MODE, NULL)) {
			fprintf(stderr, "bench_streams: swap on %s: %s\n", ifname, strerror(errno));
			break;
		}
	}
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	for (i = 0; i < 3; i++) {
		__u32 len = sizeof(info[i]);

		memset(&info[i], 0, sizeof(info[i]));
		bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info[i], &len);
	}
	close(stats_fd);
	printf("  %7u streams live", n);
	for (i = 0; i < 3; i++)
		printf("  %s %6.1f ns", names[i],
		       info[i].run_cnt ? (double)info[i].run_time_ns / info[i].run_cnt : 0.0);
	printf("  ratio to floor %4.2f  (%llu, %llu, %llu packets)\n",
	       info[0].run_cnt && info[1].run_cnt && info[1].run_time_ns ?
	       ((double)info[0].run_time_ns / info[0].run_cnt) / ((double)info[1].run_time_ns / info[1].run_cnt) : 0.0,
	       (unsigned long long)info[0].run_cnt, (unsigned long long)info[1].run_cnt,
	       (unsigned long long)info[2].run_cnt);
	err = check_live(&b, health_rtp(&b) - rtp0);
	sipxdp_bpf__destroy(b.skel);
	free(b.frames);
	free(b.keys);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "attach", required_argument, NULL, 'a' }, { "streams", required_argument, NULL, 'n' },
		{ "swap-ms", required_argument, NULL, 's' }, { "empty", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	static const unsigned int def[] = { 1000, 10000, 100000 };
	const char *ifname = NULL;
	unsigned int n = 0, swap_ms = 50;
	bool empty = false;
	int i, c, rc = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': ifname = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 's': swap_ms = strtoul(optarg, NULL, 10); break;
		case 'e': empty = true; break;
		default: return 2;
		}
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench_streams: needs root (BPF_PROG_TEST_RUN)\n");
		return 1;
	}
	if (ifname && empty)
		return empty_only(ifname);
	if (ifname) {
		if (!n) {
			fprintf(stderr, "bench_streams: --attach needs --streams N\n");
			return 2;
		}
		return live(ifname, n, swap_ms ? swap_ms : 50);
	}
	printf("known-stream RTP, in-order packets of N streams round-robin, median of %d rounds:\n", ROUNDS);
	if (optind < argc) {
		for (i = optind; i < argc; i++)
			rc |= run(strtoul(argv[i], NULL, 10));
	} else {
		for (i = 0; i < (int)(sizeof(def) / sizeof(def[0])); i++)
			rc |= run(def[i]);
	}
	return rc;
}
