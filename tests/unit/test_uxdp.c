// SPDX-License-Identifier: GPL-2.0
/*
 * test_uxdp.c - the XDP program compiled natively and run in user space
 * (user/uxdp.c) against the program tier's own rows (tests/prog/fixtures.h,
 * checked by tests/prog/fixture.h as prog_test.c checks the kernel's): the
 * same frames must make the same events, counters and streams.  Each frame
 * is a heap copy of exactly its bytes, so the sanitizers of this build
 * report a read past it, where the verifier proves the kernel's build never
 * makes one.  Then what cannot be a row: two threads on one stream (fails
 * without a real spin lock), a jumbo SIP frame in two buffers, a full stream
 * map (exactly max_entries, as preallocated), the unpaired streams' budget in
 * all, frames BPF_PROG_TEST_RUN refuses, one engine at a time.
 * No root needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "umap.h"
#include "uxdp.h"

/* The backend: the program in user space, its maps in memory. */

static struct uxdp u;
static struct dp_opts opts;

static void no_event(void *ctx, const struct sipxdp_meta *m, const uint8_t *frame)
{
	(void)ctx, (void)m, (void)frame;
}

/* A fresh engine: empty maps, every global back to what the object sets. */
static int reopen(const struct dp_opts *o)
{
	int err;

	uxdp_close(&u);
	err = uxdp_open(&u, o, no_event, NULL);
	if (err)
		printf("FAIL: open the user-space program: %s\n", strerror(-err));
	return err;
}

static void u_reset(void)
{
	if (reopen(&opts))
		exit(1);
}

static int u_endpoint_set(const struct endpoint_key *k, const struct endpoint_info *info)
{
	return umap_update(u.maps[UXDP_MAP_ENDPOINTS], k, info, BPF_ANY);
}

static int u_unpaired_count_add(const struct endpoint_key *k)
{
	struct ep_count zero = {};

	return umap_update(u.maps[UXDP_MAP_EP_UNPAIRED], k, &zero, BPF_NOEXIST);
}

static void u_port_on(uint16_t port)
{
	u.v.media_ports[port >> 6] |= 1ULL << (port & 63);
}

static void u_health(struct sipxdp_health *sum)
{
	struct dp_health h;

	memset(sum, 0, sizeof(*sum));
	if (!dp_health(uxdp_dataplane(&u), &h))
		*sum = h.kernel;
}

static int u_nr_streams(void)
{
	return umap_count(u.maps[UXDP_MAP_STREAMS]);
}

static int u_nr_held(void)
{
	return umap_count(u.maps[UXDP_MAP_PENDING]);
}

static int u_stream_get(const struct stream_key *k, struct stream_state *st)
{
	return dp_stream_get(uxdp_dataplane(&u), k, st);
}

static int u_run(const uint8_t *frame, uint32_t len, uint64_t ts, uint32_t *verdict, uint8_t *out, uint32_t *out_len)
{
	/* Exactly the metadata and the frame: a read past them is an ASan report. */
	uint8_t *buf = malloc(8 + len);
	int err;

	if (!buf)
		return -ENOMEM;
	err = uxdp_run(&u, buf, frame, len, ts, verdict);
	if (!err) {
		memcpy(out, buf, 8 + len);
		*out_len = 8 + len;
	}
	free(buf);
	return err;
}

static void u_consume(void)
{
	umap_ringbuf_consume(u.maps[UXDP_MAP_EVENTS], on_event, NULL);
}

static const struct fx_backend user_backend = {
	.reset = u_reset,
	.endpoint_set = u_endpoint_set,
	.unpaired_count_add = u_unpaired_count_add,
	.port_on = u_port_on,
	.health = u_health,
	.nr_streams = u_nr_streams,
	.nr_held = u_nr_held,
	.stream_get = u_stream_get,
	.run = u_run,
	.consume = u_consume,
};

/* Cases that are code, not rows. */

#define RACE_FRAMES 100000

static void *race(void *arg)
{
	const struct frame *f = arg;
	uint8_t *buf = malloc(8 + f->len);
	intptr_t bad = 0;
	int i;

	for (i = 0; buf && i < RACE_FRAMES; i++)
		bad += uxdp_run_frame(&u, buf, f->b, f->len, 1000) != 0;
	free(buf);
	return (void *)(buf ? bad : 1);
}

/* Two threads on one stream: without a spin lock that holds, counts come up short. */
static void two_threads_one_stream(void)
{
	struct stream_state st;
	pthread_t th[2];
	struct frame f;
	void *bad[2];
	int i;

	learn(callee, 1);
	frame_rtp(&f, &caller, 0, 0, 1, 0, 0x99, 160);
	run_frame(&f, NULL, 1000);
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, race, &f);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], &bad[i]);
	CHECK(!bad[0] && !bad[1], "racers: frames refused");
	CHECK(!stream_get(&caller, 0x99, &st) && st.packets == 1 + 2 * RACE_FRAMES &&
	      st.duplicates == 2 * RACE_FRAMES,
	      "packets %llu duplicates %llu, want %d and %d", (unsigned long long)st.packets,
	      (unsigned long long)st.duplicates, 1 + 2 * RACE_FRAMES, 2 * RACE_FRAMES);
}

/* A jumbo frame: its headers in the first buffer, the SIP event the whole frame. */
static void jumbo_sip_frame(void)
{
	const struct flow fl = SIP4;
	const struct sipxdp_meta *m = &evs.r[0].m;
	uint8_t *in = malloc(9000), *buf = malloc(8 + 9000);
	uint32_t verdict = 0;
	struct frame f;
	int err;

	if (!in || !buf) {
		CHECK(0, "out of memory");
		goto out;
	}
	frame_udp(&f, &fl, "MESSAGE sip:a@b SIP/2.0\r\n", 25);
	memcpy(in, f.b, f.len);
	memset(in + f.len, 'x', 9000 - f.len);
	in[8999] = '!';
	put16(in + f.l3 + 2, 9000 - 14);
	put16(in + f.l4 + 4, 9000 - f.l4);
	u_consume();
	evs.n = 0;
	err = uxdp_run(&u, buf, in, 9000, 1000, &verdict);
	u_consume();
	CHECK(!err && verdict == XDP_PASS, "run: %s, verdict %u", strerror(-err), verdict);
	CHECK(evs.n == 1 && m->cap_len == 9000 && evs.r[0].size >= 9000 && evs.r[0].data[8999] == '!' &&
	      evs.r[0].data[f.payload] == 'M', "%d events, cap_len %u", evs.n, m->cap_len);
	CHECK(evs.n == 1 && m->flags == 0 && m->family == 4 && m->l4_proto == IPPROTO_UDP &&
	      m->l3_off == f.l3 && m->l4_off == f.l4 && m->payload_off == f.payload && m->ts_ns == 1000,
	      "flags %#x family %u proto %u offsets %u/%u/%u", m->flags, m->family, m->l4_proto,
	      m->l3_off, m->l4_off, m->payload_off);
out:
	free(in);
	free(buf);
}

/* A full stream map: the refusal counted, nothing else; exactly max_entries, as preallocated. */
static void stream_map_full(void)
{
	struct dp_opts small = opts;
	struct sipxdp_health h;
	struct frame f;
	int i, n;

	small.max_streams = 16;
	if (reopen(&small))
		return;
	learn(callee, 1);
	for (i = 0; i < 24; i++) {
		frame_rtp(&f, &caller, 0, 0, 1, 0, 0x1000 + i, 160);
		run_frame(&f, NULL, 1000);
	}
	health(&h);
	n = nr_streams();
	CHECK(n == 16 && h.stream_insert_fail == 8 && h.rtp == 16, "%d streams, %llu refused, %llu counted", n,
	      (unsigned long long)h.stream_insert_fail, (unsigned long long)h.rtp);
}

/* Unpaired streams in all, at most unpaired_max; a place user space gives back is taken again. */
static void unpaired_budget_in_all(void)
{
	static const struct ep_spec eps[] = { EP_CALLEE, EP_CALLER(0, 0, { 0, CLK_8000 }) };
	struct flow fl = FLOW4("10.9.9.9", "10.0.0.2", 30000, 6000, 0);
	struct dp_opts small = opts;
	struct sipxdp_health h;
	struct frame f;
	int i;

	small.unpaired_max = 3;
	if (reopen(&small))
		return;
	learn(eps, 2);
	for (i = 0; i < 5; i++, fl.sport++) {
		frame_rtp(&f, &fl, 0, 0, 1, 0, 0x6000 + i, 160);
		run_frame(&f, NULL, 1000);
	}
	frame_rtp(&f, &caller, 0, 0, 1, 0, 0x6100, 160);
	run_frame(&f, NULL, 1000);
	health(&h);
	CHECK(nr_streams() == 4 && h.rtp == 4 && h.stream_budget_refused == 2 && *u.v.unpaired_created == 3,
	      "%d streams, %llu counted, %llu refused, %llu unpaired", nr_streams(), (unsigned long long)h.rtp,
	      (unsigned long long)h.stream_budget_refused, (unsigned long long)*u.v.unpaired_created);
	*u.v.unpaired_released = 1;
	frame_rtp(&f, &fl, 0, 0, 1, 0, 0x6200, 160);
	run_frame(&f, NULL, 1000);
	health(&h);
	CHECK(nr_streams() == 5 && h.stream_budget_refused == 2, "a place given back taken: %d streams, %llu refused",
	      nr_streams(), (unsigned long long)h.stream_budget_refused);
}

/* What BPF_PROG_TEST_RUN and kern_run_frame refuse, refused alike; one engine at a time. */
static void refusals(void)
{
	static uint8_t frame[DP_FRAME_MAX + 1], buf[8 + DP_FRAME_MAX + 1];
	struct uxdp other;
	int err, fd, null;

	CHECK(uxdp_run_frame(&u, buf, frame, 13, 0) == -EINVAL, "13 bytes: not an Ethernet frame");
	CHECK(uxdp_run_frame(&u, buf, frame, 14, 0) == 0, "14 bytes run");
	CHECK(uxdp_run_frame(&u, buf, frame, DP_FRAME_MAX, 0) == 0, "%u bytes run", DP_FRAME_MAX);
	CHECK(uxdp_run_frame(&u, buf, frame, DP_FRAME_MAX + 1, 0) == -EMSGSIZE, "past DP_FRAME_MAX");
	fd = dup(2);
	null = open("/dev/null", O_WRONLY);
	dup2(null, 2);	/* its one error line is expected */
	err = uxdp_open(&other, &opts, no_event, NULL);
	dup2(fd, 2);
	close(fd);
	close(null);
	CHECK(err == -EBUSY, "a second engine while one is open: %s", strerror(-err));
	uxdp_close(&other);
}

static const struct {
	const char *name;
	void (*run)(void);
} specials[] = {
	{ "two threads, one stream", two_threads_one_stream },
	{ "jumbo SIP frame", jumbo_sip_frame },
	{ "stream map full", stream_map_full },
	{ "unpaired streams in all", unpaired_budget_in_all },
	{ "refusals", refusals },
};

int main(void)
{
	size_t i;

	opts = (struct dp_opts){ .sip_ports = { 5060 }, .nr_sip_ports = 1, .tls_ports = { 5061 },
				 .nr_tls_ports = 1, .offline = true };
	be = &user_backend;
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		run_fixture(&fixtures[i]);
	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		reset_maps();
		snprintf(cur, sizeof(cur), "%s", specials[i].name);
		specials[i].run();
	}
	uxdp_close(&u);
	printf("uxdp: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
