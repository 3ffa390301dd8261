// SPDX-License-Identifier: GPL-2.0
/*
 * prog_test.c - the XDP program run through BPF_PROG_TEST_RUN on crafted
 * frames: each case gives a frame and checks the verdict, the frame coming
 * back unchanged, the perf events and the map changes it causes.
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

#include "sipxdp.h"
#include "rtp_stats.h"
#include "sipxdp.skel.h"
#include "frames.h"

static struct sipxdp_bpf *skel;
static struct perf_buffer *pb;
static int passed, failed;
static int nr_cpus;
static const char *cur;

/* Last perf event seen. */
static struct {
	int n;
	struct sipxdp_meta m;
	uint8_t data[16384];
} ev;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		printf("FAIL %s: %s:%d: ", cur, __FILE__, __LINE__);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	(void)ctx;
	(void)cpu;
	ev.n++;
	if (size >= sizeof(ev.m) && size - sizeof(ev.m) <= sizeof(ev.data)) {
		memcpy(&ev.m, data, sizeof(ev.m));
		memcpy(ev.data, (uint8_t *)data + sizeof(ev.m),
		       size - sizeof(ev.m) < sizeof(ev.data) ? size - sizeof(ev.m) : sizeof(ev.data));
	}
}

static void health(struct sipxdp_health *sum)
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

static int nr_streams(void)
{
	struct stream_key k, next;
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(bpf_map__fd(skel->maps.streams), prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* Run a frame with capture time ts; check XDP_PASS and that it comes back untouched. */
static void run(const struct frame *f, uint64_t ts)
{
	uint8_t in[8 + sizeof(f->b)], out[8 + sizeof(f->b)];
	struct xdp_md ctx = { .data = 8, .data_end = 8 + f->len };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in, .data_size_in = 8 + f->len,
		.data_out = out, .data_size_out = sizeof(out),
		.ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	memcpy(in, &ts, 8);
	memcpy(in + 8, f->b, f->len);
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sipxdp_xdp), &o);
	CHECK(!err, "test run: %s", strerror(errno));
	CHECK(o.retval == XDP_PASS, "verdict %u, want XDP_PASS", o.retval);
	CHECK(o.data_size_out == 8 + f->len && !memcmp(out + 8, f->b, f->len), "frame altered");
	perf_buffer__consume(pb);
}

static void endpoint_add(const char *ip, uint16_t port, int family, uint8_t pt, uint8_t clock)
{
	struct endpoint_key k = { .port = htons(port), .proto = IPPROTO_UDP };
	struct endpoint_info info = {};

	if (family == 4) {
		k.addr.a[10] = k.addr.a[11] = 0xff;
		inet_pton(AF_INET, ip, &k.addr.a[12]);
	} else {
		inet_pton(AF_INET6, ip, k.addr.a);
	}
	info.clock_code[pt] = clock;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints), &k, &info, BPF_ANY))
		CHECK(0, "add endpoint: %s", strerror(errno));
	skel->bss->media_ports[port >> 6] |= 1ULL << (port & 63);
}

static int stream_get(const struct flow *fl, uint32_t ssrc, struct stream_state *st)
{
	struct stream_key k = { .sport = htons(fl->sport), .dport = htons(fl->dport), .ssrc = ssrc };

	if (fl->family == 4) {
		k.src.a[10] = k.src.a[11] = k.dst.a[10] = k.dst.a[11] = 0xff;
		inet_pton(AF_INET, fl->src, &k.src.a[12]);
		inet_pton(AF_INET, fl->dst, &k.dst.a[12]);
	} else {
		inet_pton(AF_INET6, fl->src, k.src.a);
		inet_pton(AF_INET6, fl->dst, k.dst.a);
	}
	return bpf_map_lookup_elem_flags(bpf_map__fd(skel->maps.streams), &k, st, BPF_F_LOCK);
}

static void reset_streams(void)
{
	struct stream_key k;

	while (!bpf_map_get_next_key(bpf_map__fd(skel->maps.streams), NULL, &k))
		bpf_map_delete_elem(bpf_map__fd(skel->maps.streams), &k);
}

static const struct flow caller = { 4, "10.0.0.1", "10.0.0.2", 40000, 6000, 0 };

static void test_sip_to_perf(void)
{
	static const char sip[] = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n";
	struct flow fl = { 4, "10.0.0.1", "10.0.0.2", 5060, 5070, 0 };
	struct sipxdp_health h0, h1;
	struct frame f;

	cur = "sip to perf buffer";
	health(&h0);
	ev.n = 0;
	frame_udp(&f, &fl, sip, sizeof(sip) - 1);
	run(&f, 1000);
	health(&h1);
	CHECK(ev.n == 1, "%d events, want 1", ev.n);
	CHECK(h1.sip == h0.sip + 1, "sip counter");
	CHECK(ev.m.ts_ns == 1000, "timestamp %llu from metadata", (unsigned long long)ev.m.ts_ns);
	CHECK(ev.m.cap_len == f.len, "length %u, want %u", ev.m.cap_len, f.len);
	CHECK(ev.m.l3_off == f.l3 && ev.m.l4_off == f.l4 && ev.m.payload_off == f.payload,
	      "offsets %u/%u/%u", ev.m.l3_off, ev.m.l4_off, ev.m.payload_off);
	CHECK(ev.m.family == 4 && ev.m.l4_proto == IPPROTO_UDP, "family/proto");
	CHECK(!memcmp(ev.data, f.b, f.len), "frame bytes copied by the kernel");

	/* Destination port 5060, with two VLAN tags, over IPv6. */
	fl = (struct flow){ 6, "2001:db8::1", "2001:db8::2", 5070, 5060, 2 };
	ev.n = 0;
	frame_udp(&f, &fl, sip, sizeof(sip) - 1);
	run(&f, 2000);
	CHECK(ev.n == 1 && ev.m.family == 6 && ev.m.l3_off == 22 && ev.m.payload_off == f.payload,
	      "IPv6 QinQ SIP: %d events, family %u, l3 %u", ev.n, ev.m.family, ev.m.l3_off);

	/* Not a SIP port: nothing goes up. */
	fl = (struct flow){ 4, "10.0.0.1", "10.0.0.2", 5070, 5080, 0 };
	ev.n = 0;
	frame_udp(&f, &fl, sip, sizeof(sip) - 1);
	run(&f, 3000);
	CHECK(ev.n == 0, "SIP text on other ports must not be sent up");
}

static void test_rtp_stream(void)
{
	struct stream_state st;
	struct frame f;
	int i;

	cur = "rtp on learned endpoint";
	reset_streams();
	endpoint_add("10.0.0.2", 6000, 4, 0, CLK_8000);
	/* 50 packets every 20 ms, 160 ticks apart: no jitter. */
	for (i = 0; i < 50; i++) {
		frame_rtp(&f, &caller, 0, i == 0, 100 + i, 8000 + i * 160, 0x11223344, 160);
		run(&f, 1000000000ULL + i * 20000000ULL);
	}
	CHECK(!stream_get(&caller, 0x11223344, &st), "stream not found");
	CHECK(st.packets == 50 && st.bytes == 50 * 172, "packets %llu bytes %llu",
	      (unsigned long long)st.packets, (unsigned long long)st.bytes);
	CHECK(rtp_lost(&st) == 0 && st.jitter_q4 == 0 && st.max_delta_ns == 20000000,
	      "lost %lld jitter %llu delta %llu", (long long)rtp_lost(&st),
	      (unsigned long long)st.jitter_q4, (unsigned long long)st.max_delta_ns);
	CHECK(st.first_ns == 1000000000ULL && st.last_ns == 1000000000ULL + 49 * 20000000ULL, "times");

	/* One packet 1 ms late: D = 1 ms, J = 1/16 ms. */
	frame_rtp(&f, &caller, 0, 0, 150, 8000 + 50 * 160, 0x11223344, 160);
	run(&f, 1000000000ULL + 50 * 20000000ULL + 1000000);
	stream_get(&caller, 0x11223344, &st);
	CHECK(st.jitter_q4 == 1000000, "jitter_q4 %llu, want 1000000 (1 ms << 4 / 16)",
	      (unsigned long long)st.jitter_q4);

	/* Skip seq 151, then a duplicate of 152 and a late 151. */
	frame_rtp(&f, &caller, 0, 0, 152, 8000 + 52 * 160, 0x11223344, 160);
	run(&f, 1000000000ULL + 52 * 20000000ULL);
	CHECK(!stream_get(&caller, 0x11223344, &st) && rtp_lost(&st) == 1, "lost %lld, want 1",
	      (long long)rtp_lost(&st));
	run(&f, 1000000000ULL + 52 * 20000000ULL + 10);
	stream_get(&caller, 0x11223344, &st);
	CHECK(st.duplicates == 1 && rtp_lost(&st) == 0, "duplicate: dups %llu lost %lld",
	      (unsigned long long)st.duplicates, (long long)rtp_lost(&st));
	frame_rtp(&f, &caller, 0, 0, 151, 8000 + 51 * 160, 0x11223344, 160);
	run(&f, 1000000000ULL + 53 * 20000000ULL);
	stream_get(&caller, 0x11223344, &st);
	CHECK(st.out_of_order == 1 && rtp_lost(&st) == -1 && st.max_seq == 152,
	      "late packet: ooo %u lost %lld max %u", st.out_of_order, (long long)rtp_lost(&st), st.max_seq);

	/* A second SSRC on the same 5-tuple is a second stream. */
	frame_rtp(&f, &caller, 0, 0, 7, 0, 0x55667788, 160);
	run(&f, 5000000000ULL);
	CHECK(!stream_get(&caller, 0x55667788, &st) && st.packets == 1, "second SSRC");
	CHECK(nr_streams() == 2, "%d streams, want 2", nr_streams());
}

static void test_symmetric_and_v6(void)
{
	struct flow back = { 4, "10.0.0.2", "10.0.0.9", 6000, 41000, 1 };
	struct flow v6 = { 6, "2001:db8::9", "2001:db8::2", 41000, 7000, 0 };
	struct stream_state st;
	struct frame f;

	cur = "symmetric rtp, vlan, ipv6";
	reset_streams();
	/* Learned endpoint is the source (10.0.0.2:6000 sends), behind one VLAN tag. */
	frame_rtp(&f, &back, 0, 0, 1, 0, 0xabcdef01, 160);
	run(&f, 1000);
	CHECK(!stream_get(&back, 0xabcdef01, &st) && st.packets == 1, "stream matched by source");
	endpoint_add("2001:db8::2", 7000, 6, 8, CLK_8000);
	frame_rtp(&f, &v6, 8, 0, 1, 0, 0x0badcafe, 160);
	run(&f, 1000);
	CHECK(!stream_get(&v6, 0x0badcafe, &st) && st.clock_code == CLK_8000, "IPv6 stream");
}

static void test_ignored(void)
{
	struct flow other = { 4, "10.0.0.1", "10.0.0.3", 40000, 6002, 0 };
	struct sipxdp_health h0, h1;
	struct frame f;
	uint8_t buf[64] = { 0x80, 0 };

	cur = "rtp-looking traffic elsewhere";
	reset_streams();
	health(&h0);
	frame_rtp(&f, &other, 0, 0, 1, 0, 1, 160);
	run(&f, 1000);
	health(&h1);
	CHECK(nr_streams() == 0 && h1.rtp == h0.rtp && h1.non_rtp_media == h0.non_rtp_media,
	      "unknown endpoint must be ignored");

	cur = "non-rtp on media port";
	memcpy(buf, "TEST", 5);
	frame_udp(&f, &caller, buf, 5);	/* the 5-byte probe of sip-rtp-dvi4.pcap */
	run(&f, 1000);
	health(&h1);
	CHECK(nr_streams() == 0 && h1.non_rtp_media == h0.non_rtp_media + 1, "5-byte probe");

	/* CSRC count claims 15 CSRCs (60 bytes) in a 20-byte payload (PT 0: not RTCP-looking). */
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x8f;
	frame_udp(&f, &caller, buf, 20);
	run(&f, 1000);
	/* Extension bit with a length running past the payload. */
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x90;
	buf[14] = 0x00;
	buf[15] = 0x40;
	frame_udp(&f, &caller, buf, 20);
	run(&f, 1000);
	/* Version 1. */
	buf[0] = 0x40;
	frame_udp(&f, &caller, buf, 20);
	run(&f, 1000);
	health(&h1);
	CHECK(nr_streams() == 0 && h1.non_rtp_media == h0.non_rtp_media + 4,
	      "bad CSRC/extension/version: non_rtp %llu", (unsigned long long)(h1.non_rtp_media - h0.non_rtp_media));

	cur = "rtcp on media port";
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x80;
	buf[1] = 200;	/* SR */
	frame_udp(&f, &caller, buf, 28);
	run(&f, 1000);
	health(&h1);
	CHECK(nr_streams() == 0 && h1.rtcp == h0.rtcp + 1, "RTCP must not be RTP");
}

static void test_malformed(void)
{
	struct sipxdp_health h0, h1;
	struct frame f, t;
	uint32_t len;

	cur = "truncated frames";
	reset_streams();
	frame_rtp(&f, &caller, 0, 0, 1, 0, 0x77, 160);
	health(&h0);
	/* Every cut inside the headers is malformed; none creates a stream. */
	for (len = 14; len < f.payload; len++) {
		t = f;
		t.len = len;
		run(&t, 1000);
	}
	health(&h1);
	CHECK(nr_streams() == 0, "a truncated frame created a stream");
	CHECK(h1.malformed - h0.malformed == f.payload - 14,
	      "malformed %llu, want %u", (unsigned long long)(h1.malformed - h0.malformed), f.payload - 14);

	cur = "lying headers";
	health(&h0);
	t = f;
	t.b[f.l3] = 0x44;			/* IHL 4 */
	run(&t, 1000);
	t = f;
	t.b[f.l3] = 0x4f;			/* IHL 15: 60 bytes, past the UDP header */
	t.len = f.l3 + 40;
	run(&t, 1000);
	t = f;
	put16(t.b + f.l4 + 4, 4000);		/* UDP length beyond the frame */
	run(&t, 1000);
	t = f;
	put16(t.b + f.l4 + 4, 4);		/* UDP length below its header */
	run(&t, 1000);
	t = f;
	put16(t.b + f.l3 + 2, 10);		/* IP total length below the header */
	run(&t, 1000);
	health(&h1);
	CHECK(h1.malformed - h0.malformed == 5 && nr_streams() == 0,
	      "malformed %llu, want 5", (unsigned long long)(h1.malformed - h0.malformed));

	cur = "truncated vlan";
	health(&h0);
	{
		struct flow q = caller;

		q.vlans = 2;
		frame_rtp(&t, &q, 0, 0, 1, 0, 0x78, 160);
		t.len = 16;			/* inside the first tag */
		run(&t, 1000);
	}
	health(&h1);
	CHECK(h1.malformed == h0.malformed + 1, "truncated VLAN tag");

	cur = "non-ip and fragments";
	health(&h0);
	t = f;
	put16(t.b + 12, 0x0806);		/* ARP */
	run(&t, 1000);
	/* (Frames shorter than an Ethernet header never reach XDP: test_run refuses them too.) */
	t = f;
	put16(t.b + f.l3 + 6, 0x00b9);		/* fragment offset 185 */
	run(&t, 1000);
	health(&h1);
	CHECK(h1.non_ip == h0.non_ip + 1 && h1.malformed == h0.malformed &&
	      h1.ip_fragments == h0.ip_fragments + 1 && nr_streams() == 0,
	      "non-ip %llu malformed %llu frag %llu", (unsigned long long)(h1.non_ip - h0.non_ip),
	      (unsigned long long)(h1.malformed - h0.malformed),
	      (unsigned long long)(h1.ip_fragments - h0.ip_fragments));
}

static void test_ipv6_extensions(void)
{
	static const uint8_t dstopts[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };	/* PadN */
	struct flow v6 = { 6, "2001:db8::9", "2001:db8::2", 41000, 7000, 0 };
	struct stream_state st;
	struct frame f;

	cur = "ipv6 extension headers";
	reset_streams();
	endpoint_add("2001:db8::2", 7000, 6, 0, CLK_8000);
	frame_rtp(&f, &v6, 0, 0, 1, 0, 0x6e6e, 160);
	frame_ip6_insert_ext(&f, 60, dstopts);			/* destination options */
	frame_ip6_insert_ext(&f, 0, dstopts);			/* hop-by-hop in front */
	run(&f, 1000);
	CHECK(!stream_get(&v6, 0x6e6e, &st) && st.packets == 1, "RTP behind two extension headers");
}

static void test_fragments(void)
{
	static const char sip[] = "INVITE sip:b@x SIP/2.0\r\nCall-ID: frag\r\nContent-Length: 3000\r\n\r\n";
	struct flow fl = { 4, "10.0.0.1", "10.0.0.2", 5060, 5060, 0 };
	struct flow v6 = { 6, "2001:db8::1", "2001:db8::2", 5060, 5060, 0 };
	struct sipxdp_health h0, h1;
	struct frame f;
	uint8_t frag6[8] = { 0, 0, 0x00, 0x01, 0, 0, 0x12, 0x34 };	/* offset 0, M, id 0x1234 */

	cur = "ip fragments of SIP";
	health(&h0);
	/* First fragment: MF, offset 0, UDP length covering the whole datagram. */
	frame_udp(&f, &fl, sip, sizeof(sip) - 1);
	put16(f.b + f.l3 + 4, 0x4242);			/* id */
	put16(f.b + f.l3 + 6, 0x2000);			/* MF */
	put16(f.b + f.l4 + 4, 3100);
	ev.n = 0;
	run(&f, 1000);
	CHECK(ev.n == 1 && (ev.m.flags & SIPXDP_META_F_FRAG) && ev.m.l4_off == f.l4,
	      "first fragment handed up with the fragment flag (%d events)", ev.n);
	/* A later fragment of the same datagram: no UDP header, still handed up. */
	put16(f.b + f.l3 + 6, 0x00b9);			/* offset 185 * 8, last */
	ev.n = 0;
	run(&f, 1000);
	CHECK(ev.n == 1 && (ev.m.flags & SIPXDP_META_F_FRAG) && ev.m.payload_off == f.l4,
	      "later fragment handed up (%d events)", ev.n);
	/* A later fragment of another datagram (or one that overtook its first): not. */
	put16(f.b + f.l3 + 4, 0x4343);
	ev.n = 0;
	run(&f, 1000);
	CHECK(ev.n == 0, "unclaimed fragment must not go up");
	/* IPv6: fragment header, first fragment of a SIP datagram, then a later one. */
	frame_udp(&f, &v6, sip, sizeof(sip) - 1);
	frame_ip6_insert_ext(&f, 44, frag6);
	put16(f.b + f.l4 + 4, 3100);
	ev.n = 0;
	run(&f, 1000);
	CHECK(ev.n == 1 && (ev.m.flags & SIPXDP_META_F_FRAG) && ev.m.family == 6, "IPv6 first fragment");
	f.b[f.l3 + 40 + 2] = 0x05;				/* offset 160 * 8, M = 0 */
	f.b[f.l3 + 40 + 3] = 0x00;
	ev.n = 0;
	run(&f, 1000);
	CHECK(ev.n == 1 && ev.m.l4_off == f.l3 + 48, "IPv6 later fragment, l4_off %u", ev.m.l4_off);
	health(&h1);
	CHECK(h1.ip_fragments - h0.ip_fragments == 5 && h1.sip_fragments - h0.sip_fragments == 4 &&
	      h1.frag_unclaimed - h0.frag_unclaimed == 1 && h1.malformed == h0.malformed,
	      "fragments %llu sip %llu unclaimed %llu",
	      (unsigned long long)(h1.ip_fragments - h0.ip_fragments),
	      (unsigned long long)(h1.sip_fragments - h0.sip_fragments),
	      (unsigned long long)(h1.frag_unclaimed - h0.frag_unclaimed));
}

static void test_tcp(void)
{
	static const char sip[] = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: tcp\r\n\r\n";
	struct flow fl = { 4, "10.0.0.1", "10.0.0.2", 40000, 5060, 0 };
	struct flow tls = { 4, "10.0.0.1", "10.0.0.2", 40001, 5061, 0 };
	struct sipxdp_health h0, h1;
	struct frame f;

	cur = "sip over tcp, tls counted";
	health(&h0);
	frame_tcp(&f, &fl, 0x18, 1000, sip, sizeof(sip) - 1);
	ev.n = 0;
	run(&f, 1000);
	CHECK(ev.n == 1 && ev.m.l4_proto == IPPROTO_TCP && ev.m.payload_off == f.payload &&
	      ev.m.l4_off == f.l4, "TCP SIP segment handed up (%d events, proto %u)", ev.n, ev.m.l4_proto);
	frame_tcp(&f, &fl, 0x02, 999, "", 0);			/* SYN: needed for the sequence */
	ev.n = 0;
	run(&f, 1000);
	CHECK(ev.n == 1, "SYN handed up");
	frame_tcp(&f, &tls, 0x02, 1, "", 0);
	ev.n = 0;
	run(&f, 1000);
	frame_tcp(&f, &tls, 0x18, 2, "\x17\x03\x03", 3);
	run(&f, 1000);
	CHECK(ev.n == 0, "TLS is not handed up");
	frame_tcp(&f, &fl, 0x18, 1000, sip, sizeof(sip) - 1);
	f.b[f.l4 + 12] = 4 << 4;					/* data offset below 5 words */
	run(&f, 1000);
	health(&h1);
	CHECK(h1.sip_tcp - h0.sip_tcp == 2 && h1.tls - h0.tls == 2 && h1.tls_conns - h0.tls_conns == 1 &&
	      h1.malformed - h0.malformed == 1, "tcp %llu tls %llu conns %llu malformed %llu",
	      (unsigned long long)(h1.sip_tcp - h0.sip_tcp), (unsigned long long)(h1.tls - h0.tls),
	      (unsigned long long)(h1.tls_conns - h0.tls_conns),
	      (unsigned long long)(h1.malformed - h0.malformed));
}

static void test_pppoe(void)
{
	static const char sip[] = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: pppoe\r\n\r\n";
	struct flow fl = { 4, "10.0.0.1", "10.0.0.2", 5060, 5060, 0 };
	uint8_t hdr[8] = { 0x11, 0x00, 0x00, 0x01, 0, 0, 0x00, 0x21 };	/* session 1, PPP IPv4 */
	struct frame f;

	cur = "pppoe session";
	frame_udp(&f, &fl, sip, sizeof(sip) - 1);
	memmove(f.b + 22, f.b + 14, f.len - 14);
	put16(hdr + 4, f.len - 14 + 2);
	memcpy(f.b + 14, hdr, 8);
	put16(f.b + 12, 0x8864);
	f.len += 8;
	ev.n = 0;
	run(&f, 1000);
	CHECK(ev.n == 1 && ev.m.l3_off == 22 && ev.m.payload_off == f.payload + 8,
	      "SIP behind PPPoE handed up (%d events, l3 %u)", ev.n, ev.m.l3_off);
}

/* A jumbo frame (multi-buffer XDP): SIP is copied whole, fragments of the buffer included. */
static void test_big_frame(void)
{
	static uint8_t in[8 + 9000];
	struct flow fl = { 4, "10.0.0.1", "10.0.0.2", 5060, 5060, 0 };
	struct xdp_md ctx = { .data = 8, .data_end = 8 + 9000 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = sizeof(in),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	struct frame f;
	int err;

	cur = "jumbo SIP frame";
	frame_udp(&f, &fl, "MESSAGE sip:a@b SIP/2.0\r\n", 25);
	memcpy(in + 8, f.b, f.len);
	memset(in + 8 + f.len, 'x', 9000 - f.len);
	in[sizeof(in) - 1] = '!';
	put16(in + 8 + f.l3 + 2, 9000 - 14);
	put16(in + 8 + f.l4 + 4, 9000 - f.l4);
	in[8 + f.l3 + 10] = in[8 + f.l3 + 11] = 0;	/* checksum is not checked */
	ev.n = 0;
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sipxdp_xdp), &o);
	perf_buffer__consume(pb);
	CHECK(!err && o.retval == XDP_PASS, "test run: %s, verdict %u", strerror(errno), o.retval);
	CHECK(ev.n == 1 && ev.m.cap_len == 9000 && ev.data[8999] == '!' && ev.data[f.payload] == 'M',
	      "%d events, cap_len %u", ev.n, ev.m.cap_len);
}

/*
 * RTP that beats its SDP: held while no endpoint names its destination,
 * then the stream starts from the held record, with the endpoint's clocks.
 */
static void test_held_before_sdp(void)
{
	struct flow nat = { 4, "10.9.9.9", "10.0.0.7", 50000, 6010, 0 };
	struct stream_state st;
	struct sipxdp_health h0, h1;
	struct frame f;
	int i;

	cur = "rtp held until its endpoint is learned";
	reset_streams();
	health(&h0);
	for (i = 0; i < 3; i++) {
		frame_rtp(&f, &nat, 0, 0, 500 + i, i * 160, 0xfeed, 160);
		run(&f, 1000000000ULL + i * 20000000ULL);
	}
	CHECK(nr_streams() == 0, "no stream before the endpoint is known");
	endpoint_add("10.0.0.7", 6010, 4, 0, CLK_8000);
	for (i = 3; i < 10; i++) {
		frame_rtp(&f, &nat, 0, 0, 500 + i, i * 160, 0xfeed, 160);
		run(&f, 1000000000ULL + i * 20000000ULL + (i & 1) * 3000000ULL);
	}
	health(&h1);
	CHECK(!stream_get(&nat, 0xfeed, &st) && st.packets == 10 && st.base_seq == 500 && rtp_lost(&st) == 0,
	      "stream from its first packet: packets %llu base %u", (unsigned long long)st.packets, st.base_seq);
	CHECK(st.clock_code == CLK_8000 && st.jitter_q4 > 0, "clocks from the endpoint: code %u jitter %llu",
	      st.clock_code, (unsigned long long)st.jitter_q4);
	CHECK(h1.pending - h0.pending == 3 && h1.pending_claimed - h0.pending_claimed == 1,
	      "held %llu claimed %llu", (unsigned long long)(h1.pending - h0.pending),
	      (unsigned long long)(h1.pending_claimed - h0.pending_claimed));
	/* Odd destination ports are not held (RTCP's, by convention). */
	nat.dport = 6013;
	frame_rtp(&f, &nat, 0, 0, 1, 0, 0xbeef, 160);
	run(&f, 2000000000ULL);
	health(&h0);
	CHECK(h0.pending == h1.pending, "odd port held");
}

/* A full stream map: the packet passes, the refusal is counted, nothing else changes. */
static void test_stream_map_full(void)
{
	struct sipxdp_bpf *small, *saved = skel;
	struct sipxdp_health h;
	struct frame f;
	int i, n;

	cur = "stream map full";
	small = sipxdp_bpf__open();
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
	endpoint_add("10.0.0.2", 6000, 4, 0, CLK_8000);
	for (i = 0; i < 24; i++) {
		frame_rtp(&f, &caller, 0, 0, 1, 0, 0x1000 + i, 160);
		run(&f, 1000);
	}
	health(&h);
	n = nr_streams();
	CHECK(n <= 16 && n + h.stream_insert_fail == 24 && h.rtp == (__u64)n,
	      "%d streams, %llu refused, %llu counted", n, (unsigned long long)h.stream_insert_fail,
	      (unsigned long long)h.rtp);
	skel = saved;
	sipxdp_bpf__destroy(small);
}

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
static void test_two_cpus_one_stream(void)
{
	struct racer r[2];
	pthread_t th[2];
	struct stream_state st;
	struct frame f;
	int i;

	cur = "two CPUs, one stream";
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("skip %s: one CPU\n", cur);
		return;
	}
	reset_streams();
	frame_rtp(&f, &caller, 0, 0, 1, 0, 0x99, 160);
	run(&f, 1000);
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

int main(void)
{
	int err;

	if (geteuid() != 0) {
		printf("SKIP: program tests need root\n");
		return 77;
	}
	nr_cpus = libbpf_num_possible_cpus();
	skel = sipxdp_bpf__open();
	if (!skel) {
		printf("FAIL: open skeleton: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->sip_ports[0] = htons(5060);
	skel->rodata->nr_sip_ports = 1;
	skel->rodata->clock_source = SIPXDP_CLOCK_META;
	skel->rodata->tls_ports[0] = htons(5061);
	skel->rodata->nr_tls_ports = 1;
	err = sipxdp_bpf__load(skel);
	if (err) {
		printf("FAIL: load: %s\n", strerror(-err));
		return 1;
	}
	pb = perf_buffer__new(bpf_map__fd(skel->maps.sip_events), 8, on_sample, NULL, NULL, NULL);
	if (!pb) {
		printf("FAIL: perf buffer: %s\n", strerror(errno));
		return 1;
	}

	test_sip_to_perf();
	test_rtp_stream();
	test_symmetric_and_v6();
	test_ignored();
	test_malformed();
	test_two_cpus_one_stream();
	test_ipv6_extensions();
	test_fragments();
	test_tcp();
	test_pppoe();
	test_big_frame();
	test_held_before_sdp();
	test_stream_map_full();

	perf_buffer__free(pb);
	sipxdp_bpf__destroy(skel);
	printf("prog: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
