// SPDX-License-Identifier: GPL-2.0
/*
 * prog_test.c - the XDP program run through BPF_PROG_TEST_RUN on crafted
 * frames.  The cases are rows of `fixtures` (fixtures.h; what a row states
 * and how it is checked: fixture.h), which tests/unit/test_uxdp.c runs on
 * the program compiled in user space too; what cannot be a row (two CPUs
 * racing, a skeleton of its own, a frame bigger than struct frame) is in
 * `specials`.
 * Needs root (CAP_BPF); exits 77 (skip) without it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sipxdp.skel.h"
#include "fixtures.h"

/* The backend: the program loaded into the kernel, its maps through libbpf. */

static struct sipxdp_bpf *skel;
static struct ring_buffer *rb;
static int nr_cpus;

/* The program's skeleton, opened with an event assembly room for every CPU (bpf/maps.h). */
static struct sipxdp_bpf *open_skel(void)
{
	struct sipxdp_bpf *s = sipxdp_bpf__open();

	if (s)
		bpf_map__set_max_entries(s->maps.event_scratch, libbpf_num_possible_cpus());
	return s;
}

static void k_health(struct sipxdp_health *sum)
{
	struct sipxdp_health per[nr_cpus];
	__u32 zero = 0;
	int i, j;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.health), &zero, per))
		return;
	for (i = 0; i < nr_cpus; i++)
		for (j = 0; j < (int)(sizeof(*sum) / 8); j++)
			((__u64 *)sum)[j] += ((__u64 *)&per[i])[j];
}

static int map_count(struct bpf_map *map, size_t key_size)
{
	uint8_t k[64], next[64];
	void *prev = NULL;
	int n = 0;

	if (key_size > sizeof(k))
		return -1;
	while (!bpf_map_get_next_key(bpf_map__fd(map), prev, next)) {
		memcpy(k, next, key_size);
		prev = k;
		n++;
	}
	return n;
}

static int k_nr_streams(void)
{
	return map_count(skel->maps.streams, sizeof(struct stream_key));
}

static int k_nr_held(void)
{
	return map_count(skel->maps.pending, sizeof(struct endpoint_key));
}

static void map_clear(struct bpf_map *map, size_t key_size)
{
	uint8_t k[64];

	if (key_size > sizeof(k))
		return;
	while (!bpf_map_get_next_key(bpf_map__fd(map), NULL, k))
		if (bpf_map_delete_elem(bpf_map__fd(map), k))
			break;
}

static void k_reset(void)
{
	map_clear(skel->maps.endpoints, sizeof(struct endpoint_key));
	map_clear(skel->maps.streams, sizeof(struct stream_key));
	map_clear(skel->maps.pending, sizeof(struct endpoint_key));
	map_clear(skel->maps.sip_frags, sizeof(struct frag_key));
	map_clear(skel->maps.ep_unpaired, sizeof(struct endpoint_key));
	memset(skel->bss->media_ports, 0, sizeof(skel->bss->media_ports));
	skel->bss->unpaired_created = skel->bss->unpaired_released = 0;
}

static int k_endpoint_set(const struct endpoint_key *k, const struct endpoint_info *info)
{
	return bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints), k, info, BPF_ANY) ? -errno : 0;
}

static int k_unpaired_count_add(const struct endpoint_key *k)
{
	struct ep_count zero = {};

	return bpf_map_update_elem(bpf_map__fd(skel->maps.ep_unpaired), k, &zero, BPF_NOEXIST) ? -errno : 0;
}

static void k_port_on(uint16_t port)
{
	skel->bss->media_ports[port >> 6] |= 1ULL << (port & 63);
}

static int k_stream_get(const struct stream_key *k, struct stream_state *st)
{
	return bpf_map_lookup_elem_flags(bpf_map__fd(skel->maps.streams), k, st, BPF_F_LOCK) ? -errno : 0;
}

static int k_run(const uint8_t *frame, uint32_t len, uint64_t ts, uint32_t *verdict, uint8_t *out, uint32_t *out_len)
{
	uint8_t in[8 + sizeof(((struct frame *)0)->b)];
	struct xdp_md ctx = { .data = 8, .data_end = 8 + len };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in, .data_size_in = 8 + len,
		.data_out = out, .data_size_out = sizeof(in),
		.ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (len > sizeof(in) - 8)
		return -EMSGSIZE;
	memcpy(in, &ts, 8);
	memcpy(in + 8, frame, len);
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sipxdp_xdp), &o))
		return -errno;
	*verdict = o.retval;
	*out_len = o.data_size_out;
	return 0;
}

static void k_consume(void)
{
	ring_buffer__consume(rb);
}

static const struct fx_backend kern_backend = {
	.reset = k_reset,
	.endpoint_set = k_endpoint_set,
	.unpaired_count_add = k_unpaired_count_add,
	.port_on = k_port_on,
	.health = k_health,
	.nr_streams = k_nr_streams,
	.nr_held = k_nr_held,
	.stream_get = k_stream_get,
	.run = k_run,
	.consume = k_consume,
};

struct racer {
	int cpu;
	const struct frame *f;
	int err;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	cpu_set_t set;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = r->f->b, .data_size_in = r->f->len,
		    .repeat = 200000);

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	r->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (!r->err)
		r->err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sipxdp_xdp), &o) ? errno : 0;
	return NULL;
}


/*
 * Two CPUs hammer one stream at once.  Without the spin lock around
 * rtp_stream_update() increments are lost and the count comes up short.
 */
static void two_cpus_one_stream(void)
{
	struct racer r[2];
	pthread_t th[2];
	struct stream_state st;
	struct frame f;
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("skip %s: one CPU\n", cur);
		return;
	}
	learn(callee, 1);
	frame_rtp(&f, &caller, 0, 0, 1, 0, 0x99, 160);
	run_frame(&f, NULL, 1000);
	for (i = 0; i < 2; i++) {
		r[i] = (struct racer){ .cpu = i, .f = &f };
		pthread_create(&th[i], NULL, race, &r[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK(!r[0].err && !r[1].err, "racers: %s / %s", strerror(r[0].err), strerror(r[1].err));
	CHECK(!stream_get(&caller, 0x99, &st) && st.packets == 1 + 2 * 200000 &&
	      st.duplicates == 2 * 200000,
	      "packets %llu duplicates %llu, want %d and %d", (unsigned long long)st.packets,
	      (unsigned long long)st.duplicates, 1 + 2 * 200000, 2 * 200000);
}

/* A jumbo frame (multi-buffer XDP): SIP is copied whole, fragments of the buffer included. */
static void jumbo_sip_frame(void)
{
	static uint8_t in[8 + 9000];
	const struct flow fl = SIP4;
	struct xdp_md ctx = { .data = 8, .data_end = 8 + 9000 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = sizeof(in),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	const struct sipxdp_meta *m = &evs.r[0].m;
	struct frame f;
	int err;

	frame_udp(&f, &fl, "MESSAGE sip:a@b SIP/2.0\r\n", 25);
	memcpy(in + 8, f.b, f.len);
	memset(in + 8 + f.len, 'x', 9000 - f.len);
	in[sizeof(in) - 1] = '!';
	put16(in + 8 + f.l3 + 2, 9000 - 14);
	put16(in + 8 + f.l4 + 4, 9000 - f.l4);
	in[8 + f.l3 + 10] = in[8 + f.l3 + 11] = 0;	/* checksum is not checked */
	ring_buffer__consume(rb);
	evs.n = 0;
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sipxdp_xdp), &o);
	ring_buffer__consume(rb);
	CHECK(!err && o.retval == XDP_PASS, "test run: %s, verdict %u", strerror(errno), o.retval);
	CHECK(evs.n == 1 && m->cap_len == 9000 && evs.r[0].size >= 9000 && evs.r[0].data[8999] == '!' &&
	      evs.r[0].data[f.payload] == 'M', "%d events, cap_len %u", evs.n, m->cap_len);
	CHECK(evs.n == 1 && m->flags == 0 && m->family == 4 && m->l4_proto == IPPROTO_UDP &&
	      m->l3_off == f.l3 && m->l4_off == f.l4 && m->payload_off == f.payload,
	      "flags %#x family %u proto %u offsets %u/%u/%u", m->flags, m->family, m->l4_proto,
	      m->l3_off, m->l4_off, m->payload_off);
}

/* A full stream map: the packet passes, the refusal is counted, nothing else changes. */
static void stream_map_full(void)
{
	struct sipxdp_bpf *small, *saved = skel;
	struct sipxdp_health h;
	struct frame f;
	int i, n;

	small = open_skel();
	if (!small) {
		CHECK(0, "open");
		return;
	}
	small->rodata->clock_source = SIPXDP_CLOCK_META;
	bpf_map__set_max_entries(small->maps.streams, 16);
	if (sipxdp_bpf__load(small)) {
		CHECK(0, "load");
		sipxdp_bpf__destroy(small);
		return;
	}
	skel = small;
	learn(callee, 1);
	for (i = 0; i < 24; i++) {
		frame_rtp(&f, &caller, 0, 0, 1, 0, 0x1000 + i, 160);
		run_frame(&f, NULL, 1000);
	}
	health(&h);
	n = nr_streams();
	CHECK(n <= 16 && n + h.stream_insert_fail == 24 && h.rtp == (__u64)n,
	      "%d streams, %llu refused, %llu counted", n, (unsigned long long)h.stream_insert_fail,
	      (unsigned long long)h.rtp);
	skel = saved;
	sipxdp_bpf__destroy(small);
}

/*
 * The verifier walks the program once per configuration: every SIP and TLS
 * port slot used, live clock and offline clock, unrolls the port loops to
 * their longest.  The program must load in each, with room to spare (the
 * limit is 1,000,000 instructions processed; a change that came close to it
 * failed to load only with three SIP ports, in the conformance tier).
 */
static void loads_with_every_port(void)
{
	static const __u8 clocks[] = { SIPXDP_CLOCK_MONO, SIPXDP_CLOCK_META };
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	struct sipxdp_bpf *full;
	size_t c;
	int i, err;

	for (c = 0; c < sizeof(clocks); c++) {
		full = open_skel();
		if (!full) {
			CHECK(0, "open");
			return;
		}
		for (i = 0; i < SIPXDP_MAX_SIP_PORTS; i++)
			full->rodata->sip_ports[i] = htons(5060 + i);
		full->rodata->nr_sip_ports = SIPXDP_MAX_SIP_PORTS;
		for (i = 0; i < SIPXDP_MAX_TLS_PORTS; i++)
			full->rodata->tls_ports[i] = htons(5161 + i);
		full->rodata->nr_tls_ports = SIPXDP_MAX_TLS_PORTS;
		full->rodata->clock_source = clocks[c];
		bpf_program__set_autoload(full->progs.sipxdp_empty, false);
		err = sipxdp_bpf__load(full);
		CHECK(!err, "load with %d SIP and %d TLS ports, clock %u: %s", SIPXDP_MAX_SIP_PORTS,
		      SIPXDP_MAX_TLS_PORTS, clocks[c], strerror(-err));
		memset(&info, 0, sizeof(info));
		if (!err && !bpf_obj_get_info_by_fd(bpf_program__fd(full->progs.sipxdp_xdp), &info, &len)) {
			printf("  verifier: %u instructions processed (clock %u, every port slot)\n",
			       info.verified_insns, clocks[c]);
			CHECK(info.verified_insns < 500000, "%u instructions processed: half the verifier's limit",
			      info.verified_insns);
		}
		sipxdp_bpf__destroy(full);
	}
}

/*
 * Unpaired streams in all, at most unpaired_max (rodata): past it they are
 * refused whatever their endpoint, streams whose both ends are learned are
 * not; a place user space gives back (bss unpaired_released) is taken again.
 */
static void unpaired_budget_in_all(void)
{
	static const struct ep_spec eps[] = { EP_CALLEE, EP_CALLER(0, 0, { 0, CLK_8000 }) };
	const struct flow junk = FLOW4("10.9.9.9", "10.0.0.2", 30000, 6000, 0);
	struct sipxdp_bpf *small, *saved = skel;
	struct sipxdp_health h;
	struct flow fl = junk;
	struct frame f;
	int i;

	small = open_skel();
	if (!small) {
		CHECK(0, "open");
		return;
	}
	small->rodata->clock_source = SIPXDP_CLOCK_META;
	small->rodata->unpaired_max = 3;
	if (sipxdp_bpf__load(small)) {
		CHECK(0, "load");
		sipxdp_bpf__destroy(small);
		return;
	}
	skel = small;
	learn(eps, 2);
	for (i = 0; i < 5; i++, fl.sport++) {
		frame_rtp(&f, &fl, 0, 0, 1, 0, 0x6000 + i, 160);
		run_frame(&f, NULL, 1000);
	}
	frame_rtp(&f, &caller, 0, 0, 1, 0, 0x6100, 160);
	run_frame(&f, NULL, 1000);
	health(&h);
	CHECK(nr_streams() == 4 && h.rtp == 4 && h.stream_budget_refused == 2 && skel->bss->unpaired_created == 3,
	      "%d streams, %llu counted, %llu refused, %llu unpaired", nr_streams(), (unsigned long long)h.rtp,
	      (unsigned long long)h.stream_budget_refused, (unsigned long long)skel->bss->unpaired_created);
	skel->bss->unpaired_released = 1;
	frame_rtp(&f, &fl, 0, 0, 1, 0, 0x6200, 160);
	run_frame(&f, NULL, 1000);
	health(&h);
	CHECK(nr_streams() == 5 && h.stream_budget_refused == 2, "a place given back taken: %d streams, %llu refused",
	      nr_streams(), (unsigned long long)h.stream_budget_refused);
	skel = saved;
	sipxdp_bpf__destroy(small);
}

/* Cases that are code, not rows: each starts from empty maps too. */
static const struct {
	const char *name;
	void (*run)(void);
} specials[] = {
	{ "two CPUs, one stream", two_cpus_one_stream },
	{ "jumbo SIP frame", jumbo_sip_frame },
	{ "stream map full", stream_map_full },
	{ "loads with every port slot used", loads_with_every_port },
	{ "unpaired streams in all", unpaired_budget_in_all },
};

static int setup(void)
{
	int err;

	be = &kern_backend;
	nr_cpus = libbpf_num_possible_cpus();
	skel = open_skel();
	if (!skel) {
		printf("FAIL: open skeleton: %s\n", strerror(errno));
		return -1;
	}
	skel->rodata->sip_ports[0] = htons(5060);
	skel->rodata->nr_sip_ports = 1;
	skel->rodata->clock_source = SIPXDP_CLOCK_META;
	skel->rodata->tls_ports[0] = htons(5061);
	skel->rodata->nr_tls_ports = 1;
	err = sipxdp_bpf__load(skel);
	if (err) {
		printf("FAIL: load: %s\n", strerror(-err));
		return -1;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb) {
		printf("FAIL: ring buffer: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(void)
{
	size_t i;

	if (geteuid() != 0) {
		printf("SKIP: program tests need root\n");
		return 77;
	}
	if (setup())
		return 1;
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		run_fixture(&fixtures[i]);
	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		reset_maps();
		snprintf(cur, sizeof(cur), "%s", specials[i].name);
		specials[i].run();
	}
	ring_buffer__free(rb);
	sipxdp_bpf__destroy(skel);
	printf("prog: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
