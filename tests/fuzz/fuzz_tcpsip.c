// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for user/tcpsip.c.  The input is a sequence of segments,
 * each a 6-byte record followed by its payload:
 *
 *   0     flags: bits 0-4 FIN SYN RST PSH ACK as in TCP; bit 5-6 flow (four
 *         directions, more than max_conns); bit 7: take the data offset from
 *         byte 5's high nibble instead of 5 (options, or a header that is
 *         malformed: offset < 5 or beyond the captured length)
 *   1-2   signed sequence delta from where that flow's last segment ended
 *         (0: in order), big-endian
 *   3-4   payload length, big-endian (cut to what is left of the input)
 *   5     low nibble: time step in 100 ms (gap timeout and idle expiry)
 *
 * Each segment is copied into a heap buffer of exactly its length so ASan
 * sees any read past it.  Checked: every delivered message is one whole SIP
 * message by sip_frame() and within conn_limit; memory stays bounded; all is
 * freed at the end.
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Iuser \
 *	tests/fuzz/fuzz_tcpsip.c user/tcpsip.c user/sip.c -o /tmp/fuzz_tcpsip
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip.h"
#include "tcpsip.h"

#define CONN_LIMIT	2048
#define TOTAL_LIMIT	4096
#define NFLOWS		4
#define MAX_CONNS	3
#define REC		6

static void on_msg(void *ctx, const struct tcpsip_flow *flow, const char *msg, size_t len,
		   uint64_t ts_ns)
{
	size_t ml;

	(void)ctx;
	(void)ts_ns;
	if (!flow || !msg || !len || len > CONN_LIMIT)
		abort();
	if (sip_frame(msg, len, &ml) != SIP_COMPLETE || ml != len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcpsip *t = tcpsip_new(CONN_LIMIT, TOTAL_LIMIT, 5000000000ULL, MAX_CONNS);
	uint32_t next[NFLOWS] = { 0 };
	struct tcpsip_flow flows[NFLOWS];
	uint64_t now = 0;
	size_t i;

	if (!t)
		abort();
	memset(flows, 0, sizeof(flows));
	for (i = 0; i < NFLOWS; i++) {
		flows[i].src.a[15] = (uint8_t)(i & 1);
		flows[i].dst.a[15] = (uint8_t)!(i & 1);
		flows[i].sport = (uint16_t)(5060 + i / 2);
		flows[i].dport = 5060;
	}
	tcpsip_set_gap_timeout(t, 1000000000ULL);

	while (size >= REC) {
		uint8_t flags = data[0] & 0x1f;
		unsigned int fl = (data[0] >> 5) & 3;
		int16_t delta = (int16_t)((uint16_t)data[1] << 8 | data[2]);
		size_t plen = (size_t)data[3] << 8 | data[4];
		size_t doff = data[0] & 0x80 ? (size_t)(data[5] >> 4) : 5;
		size_t hlen = 20;	/* what doff claims beyond it is payload bytes */
		uint32_t seq = next[fl] + (uint32_t)(int32_t)delta;
		uint8_t *seg;

		now += (uint64_t)(data[5] & 0x0f) * 100000000ULL;
		data += REC;
		size -= REC;
		if (plen > size)
			plen = size;
		seg = calloc(1, hlen + plen);
		if (!seg)
			abort();
		seg[4] = (uint8_t)(seq >> 24);
		seg[5] = (uint8_t)(seq >> 16);
		seg[6] = (uint8_t)(seq >> 8);
		seg[7] = (uint8_t)seq;
		seg[12] = (uint8_t)(doff << 4);
		seg[13] = flags;
		memcpy(seg + hlen, data, plen);
		data += plen;
		size -= plen;
		/* Malformed headers included: the return value is what it is. */
		(void)tcpsip_feed(t, &flows[fl], seg, hlen + plen, now, on_msg, NULL);
		free(seg);
		next[fl] = seq + (uint32_t)plen + (flags & 0x02 ? 1 : 0);

		if (tcpsip_mem_used(t) > TOTAL_LIMIT)
			abort();
		if (tcpsip_conn_count(t) > MAX_CONNS)
			abort();
		if (data[-1] == 0xee)	/* now and then, a pass of the expiry */
			tcpsip_expire_cb(t, now, on_msg, NULL);
	}
	tcpsip_expire(t, now + 10000000000ULL);
	if (tcpsip_mem_used(t) || tcpsip_conn_count(t))
		abort();
	tcpsip_free(t);
	return 0;
}
