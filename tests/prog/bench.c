// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - per-packet cost of the XDP program, as a ratio to an empty XDP
 * program timed in the same run (this machine is shared and noisy: bare
 * nanoseconds mean little, the ratio travels).  Rounds are interleaved
 * and the median is reported.  Also prints the kernel memory of each map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sipxdp.h"
#include "sipxdp.skel.h"
#include "frames.h"

#define ROUNDS 7

static unsigned long repeat = 1000000;

static double run_ns(int prog_fd, const struct frame *f, unsigned long rep)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = f->len, .repeat = rep);

	if (bpf_prog_test_run_opts(prog_fd, &o)) {
		fprintf(stderr, "bench: test run: %s\n", strerror(errno));
		exit(1);
	}
	return o.duration;	/* mean ns per run, as the kernel measures it */
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static long map_memlock(int fd)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	static const char sip[] = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: bench\r\n\r\n";
	const struct flow rtp_fl = { 4, "10.0.0.1", "10.0.0.2", 40000, 6000, 0 };
	const struct flow other_fl = { 4, "10.0.0.1", "10.0.0.3", 40000, 53, 0 };
	const struct flow sip_fl = { 4, "10.0.0.1", "10.0.0.2", 5060, 5060, 0 };
	struct endpoint_key ek = { .port = htons(6000), .proto = IPPROTO_UDP };
	struct endpoint_info info = {};
	struct sipxdp_bpf *skel;
	struct frame rtp, other, sipf, unknown_rtp;
	const struct flow unk_fl = { 4, "10.0.0.1", "10.0.0.4", 40000, 6000, 0 };
	double t_empty[ROUNDS], t_rtp[ROUNDS], t_other[ROUNDS], t_unk[ROUNDS], t_sip[ROUNDS];
	int empty_fd, xdp_fd, i;

	if (argc > 1)
		repeat = strtoul(argv[1], NULL, 10);
	if (geteuid() != 0) {
		fprintf(stderr, "bench: needs root (BPF_PROG_TEST_RUN)\n");
		return 1;
	}
	skel = sipxdp_bpf__open();
	if (!skel)
		return 1;
	bpf_map__set_max_entries(skel->maps.event_scratch, libbpf_num_possible_cpus());
	skel->rodata->sip_ports[0] = htons(5060);
	skel->rodata->nr_sip_ports = 1;
	if (sipxdp_bpf__load(skel)) {
		fprintf(stderr, "bench: load failed\n");
		return 1;
	}
	empty_fd = bpf_program__fd(skel->progs.sipxdp_empty);
	xdp_fd = bpf_program__fd(skel->progs.sipxdp_xdp);

	ek.addr.a[10] = ek.addr.a[11] = 0xff;
	inet_pton(AF_INET, "10.0.0.2", &ek.addr.a[12]);
	info.clock_code[0] = CLK_8000;
	bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints), &ek, &info, BPF_ANY);
	skel->bss->media_ports[6000 >> 6] |= 1ULL << (6000 & 63);

	frame_rtp(&rtp, &rtp_fl, 0, 0, 1, 160, 0x11223344, 160);
	frame_rtp(&unknown_rtp, &unk_fl, 0, 0, 1, 160, 0x11223344, 160);
	frame_udp(&other, &other_fl, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	frame_udp(&sipf, &sip_fl, sip, sizeof(sip) - 1);
	run_ns(xdp_fd, &rtp, 1);	/* creates the stream: what follows is the known-stream path */

	for (i = 0; i < ROUNDS; i++) {
		t_empty[i] = run_ns(empty_fd, &rtp, repeat);
		t_rtp[i] = run_ns(xdp_fd, &rtp, repeat);
		t_other[i] = run_ns(xdp_fd, &other, repeat);
		t_unk[i] = run_ns(xdp_fd, &unknown_rtp, repeat);
		/* Nobody reads the ring here: once full, this times the refusal path. */
		t_sip[i] = run_ns(xdp_fd, &sipf, repeat / 10);
	}
	{
		double e = median(t_empty, ROUNDS), r = median(t_rtp, ROUNDS);
		double o = median(t_other, ROUNDS), u = median(t_unk, ROUNDS), s = median(t_sip, ROUNDS);

		printf("BPF_PROG_TEST_RUN, repeat %lu, median of %d interleaved rounds\n", repeat, ROUNDS);
		printf("  %-44s %8.1f ns  ratio %5.2f\n", "empty XDP program (baseline)", e, 1.0);
		printf("  %-44s %8.1f ns  ratio %5.2f\n", "RTP, known stream (the per-packet path)", r, r / e);
		printf("  %-44s %8.1f ns  ratio %5.2f\n", "RTP-looking UDP, unknown endpoints", u, u / e);
		printf("  %-44s %8.1f ns  ratio %5.2f\n", "other UDP (DNS-like)", o, o / e);
		printf("  %-44s %8.1f ns  ratio %5.2f\n", "SIP to the ring (full after a while)", s, s / e);
		printf("  known-stream RTP costs %.1f ns over an empty program\n", r - e);
	}
	printf("kernel memory (memlock) per map, default sizes:\n");
	printf("  endpoints  %8ld KiB (%u entries, %zu B key + %zu B value)\n",
	       map_memlock(bpf_map__fd(skel->maps.endpoints)) / 1024, bpf_map__max_entries(skel->maps.endpoints),
	       sizeof(struct endpoint_key), sizeof(struct endpoint_info));
	printf("  streams    %8ld KiB (%u entries, %zu B key + %zu B value)\n",
	       map_memlock(bpf_map__fd(skel->maps.streams)) / 1024, bpf_map__max_entries(skel->maps.streams),
	       sizeof(struct stream_key), sizeof(struct stream_state));
	printf("  health     %8ld KiB\n", map_memlock(bpf_map__fd(skel->maps.health)) / 1024);
	sipxdp_bpf__destroy(skel);
	return 0;
}
