// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_uxdp.c - libFuzzer target for the XDP program run in user space
 * (user/uxdp.c over bpf/sipxdp.bpf.c compiled natively).  In the kernel the
 * verifier proves that every read of a packet is in bounds; natively
 * nothing does, and --read feeds it a stranger's capture.  An input is a run
 * of frames, each a 2-byte big-endian length and that many bytes (the
 * format of fuzz_replay), run on a fresh engine whose maps are small (so
 * that they fill) and hold a few endpoints: RTP and RTCP of 10.0.0.2:6000
 * (PCMU, telephone-event 101, a budget of two unpaired streams), the caller's
 * 10.0.0.1:40000, and [2001:db8::2]:7000.  Each frame runs in a buffer of
 * exactly the metadata and its bytes (ASan reports a read past them) and
 * must come back XDP_PASS and unaltered; every event the ring then holds
 * must be well framed; then the agent's reads run over the maps (every
 * stream read in batches, each deleted, held records expired, health), and
 * nothing may be left but the endpoints.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "umap.h"
#include "uxdp.h"

#define MAX_FRAMES 256

static uint64_t events;

static void on_event(void *ctx, const struct sipxdp_meta *m, const uint8_t *frame)
{
	(void)ctx;
	/* Framed: the consumer checked; the frame's own bytes are reasm.c's to check. */
	check(m->cap_len >= m->payload_off && m->l3_off < m->l4_off);
	check(frame != NULL);
	events++;
}

static void endpoint(struct uxdp *u, const char *ip, uint16_t port, uint8_t flags, uint32_t unpaired_max)
{
	struct endpoint_key k = { .port = htons(port), .proto = IPPROTO_UDP };
	struct endpoint_info info = { .event_pt = 101, .flags = flags, .unpaired_max = unpaired_max };

	if (strchr(ip, ':')) {
		inet_pton(AF_INET6, ip, k.addr.a);
	} else {
		k.addr.a[10] = k.addr.a[11] = 0xff;
		inet_pton(AF_INET, ip, &k.addr.a[12]);
	}
	info.clock_code[0] = CLK_8000;
	info.clock_code[8] = CLK_8000;
	info.clock_code[9] = CLK_8000;
	check(dp_endpoint_set(uxdp_dataplane(u), &k, &info) == 0);
	dp_media_port(uxdp_dataplane(u), port, true);
}

static int drop_stream(void *ctx, const struct stream_key *k, const struct stream_state *st)
{
	struct uxdp *u = ctx;

	check(st->packets >= 1 && st->lock.val == 0);
	check(dp_stream_del(uxdp_dataplane(u), k, st->flags) == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dp_opts o = {
		.sip_ports = { 5060, 5080 }, .nr_sip_ports = 2, .tls_ports = { 5061 }, .nr_tls_ports = 1,
		.max_endpoints = 16, .max_streams = 16, .unpaired_max = 4, .offline = true,
	};
	struct uxdp u;
	struct dp_health h;
	size_t off = 0;
	uint64_t n = 0;

	check(uxdp_open(&u, &o, on_event, NULL) == 0);
	endpoint(&u, "10.0.0.2", 6000, 0, 2);
	endpoint(&u, "10.0.0.2", 6001, ENDPOINT_F_RTCP, 0);
	endpoint(&u, "10.0.0.1", 40000, 0, 0);
	endpoint(&u, "2001:db8::2", 7000, 0, 0);
	events = 0;
	while (off + 2 <= size && n < MAX_FRAMES) {
		uint32_t len = (uint32_t)data[off] << 8 | data[off + 1], verdict = 0;
		uint8_t *buf;
		int err;

		off += 2;
		if (len > size - off)
			len = (uint32_t)(size - off);
		buf = malloc(sizeof(struct sipxdp_xdp_meta) + len);
		check(buf != NULL);
		err = uxdp_run(&u, buf, data + off, len, 1000000000ULL * (n + 1), &verdict);
		check(len < 14 ? err == -EINVAL : err == 0 && verdict == XDP_PASS);
		check(!err ? !memcmp(buf + sizeof(struct sipxdp_xdp_meta), data + off, len) : 1);
		free(buf);
		check(uxdp_consume(&u) >= 0);
		off += len;
		n++;
	}
	check(u.events_bad == 0);
	check(dp_health(uxdp_dataplane(&u), &h) == 0);
	check(h.kernel.packets <= n && h.events_bad == 0);
	check(h.kernel.sip + h.kernel.rtcp + h.kernel.dtmf_events >= events);
	check(dp_streams_read(uxdp_dataplane(&u), drop_stream, &u) == 0);
	check(umap_count(u.maps[UXDP_MAP_STREAMS]) == 0);
	while (dp_pending_expire(uxdp_dataplane(&u), UINT64_MAX) > 0)
		;	/* at most 64 a call, as the kernel's walk */
	check(umap_count(u.maps[UXDP_MAP_PENDING]) == 0);
	uxdp_close(&u);
	return 0;
}
