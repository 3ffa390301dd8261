// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/hep.c, the HEP v3 encoder.  The expected bytes are
 * written out by hand from the chunk table (HEP3 specification rev. 37, as
 * hep.h quotes it), not taken from the encoder: "HEP3", the total length,
 * then vendor, type, length (header included) and value of each chunk in
 * network order.  Then the optional chunks, the length bound, and the
 * walker a receiver uses, on every cut and lie of a message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "hep.h"
#include "util.h"

static struct sipxdp_addr v4(const char *s)
{
	struct sipxdp_addr a;
	uint8_t b[4];

	assert_int_equal(inet_pton(AF_INET, s, b), 1);
	addr_from_v4(&a, b);
	return a;
}

static struct sipxdp_addr v6(const char *s)
{
	struct sipxdp_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, a.a), 1);
	return a;
}

/* Encode into a heap buffer of exactly hep_encoded_len() bytes: ASan sees a write past it. */
static uint8_t *encode(const struct hep_msg *m, size_t *len)
{
	size_t n = hep_encoded_len(m);
	uint8_t *b = malloc(n);
	int ret;

	assert_non_null(b);
	ret = hep_encode(m, b, n);
	assert_int_equal(ret, (int)n);
	*len = n;
	return b;
}

/* SIP over UDP, IPv4, no key, no node name: the smallest common message. */
static void test_sip_ipv4(void **state)
{
	static const uint8_t want[] = {
		'H', 'E', 'P', '3', 0x00, 0x6e,			/* 110 bytes in all */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x02,	/* family: IPv4 */
		0x00, 0x00, 0x00, 0x02, 0x00, 0x07, 0x11,	/* protocol: UDP */
		0x00, 0x00, 0x00, 0x07, 0x00, 0x08, 0x13, 0xc4,	/* source port 5060 */
		0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x13, 0xce,	/* destination port 5070 */
		0x00, 0x00, 0x00, 0x09, 0x00, 0x0a, 0x65, 0x53, 0xf1, 0x00,	/* 1700000000 s */
		0x00, 0x00, 0x00, 0x0a, 0x00, 0x0a, 0x00, 0x01, 0xe2, 0x40,	/* 123456 us */
		0x00, 0x00, 0x00, 0x0b, 0x00, 0x07, 0x01,	/* type: SIP */
		0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x00, 0x07, 0xd1,	/* agent 2001 */
		0x00, 0x00, 0x00, 0x03, 0x00, 0x0a, 10, 0, 0, 1,	/* 10.0.0.1 */
		0x00, 0x00, 0x00, 0x04, 0x00, 0x0a, 10, 0, 0, 2,	/* 10.0.0.2 */
		0x00, 0x00, 0x00, 0x0f, 0x00, 0x09, 'A', 'B', 'C',	/* payload */
		0x00, 0x00, 0x00, 0x11, 0x00, 0x08, 'c', '1',	/* correlation ID */
	};
	struct hep_msg m = {
		.src = v4("10.0.0.1"), .dst = v4("10.0.0.2"), .sport = 5060, .dport = 5070,
		.ip_proto = IPPROTO_UDP, .proto_type = HEP_PROTO_SIP,
		.unix_ns = 1700000000ULL * NS_PER_SEC + 123456789,	/* microseconds truncated */
		.capture_id = 2001, .payload = "ABC", .payload_len = 3, .correlation = "c1", .correlation_len = 2,
	};
	size_t len;
	uint8_t *b;

	(void)state;
	assert_int_equal(sizeof(want), 110);
	b = encode(&m, &len);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	free(b);
}

/* IPv6, TCP, a quality report with key, node name and MOS, no correlation: each optional chunk in its place. */
static void test_report_ipv6_all_chunks(void **state)
{
	static const uint8_t want[] = {
		'H', 'E', 'P', '3', 0x00, 0x95,			/* 149 */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x0a,	/* family: IPv6 */
		0x00, 0x00, 0x00, 0x02, 0x00, 0x07, 0x06,	/* protocol: TCP */
		0x00, 0x00, 0x00, 0x07, 0x00, 0x08, 0x03, 0xe8,	/* 1000 */
		0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x07, 0xd0,	/* 2000 */
		0x00, 0x00, 0x00, 0x09, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x01,	/* 1 s */
		0x00, 0x00, 0x00, 0x0a, 0x00, 0x0a, 0x00, 0x0f, 0x42, 0x3f,	/* 999999 us */
		0x00, 0x00, 0x00, 0x0b, 0x00, 0x07, 0x22,	/* type 34 */
		0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0xde, 0xad, 0xbe, 0xef,	/* agent ID */
		0x00, 0x00, 0x00, 0x05, 0x00, 0x16,		/* IPv6 source, 22 bytes */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x00, 0x00, 0x00, 0x06, 0x00, 0x16,		/* IPv6 destination */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0x00, 0x00, 0x00, 0x0e, 0x00, 0x08, 'p', 'w',	/* key, before the payload */
		0x00, 0x00, 0x00, 0x0f, 0x00, 0x08, '{', '}',	/* payload */
		0x00, 0x00, 0x00, 0x13, 0x00, 0x08, 'n', '1',	/* node name */
		0x00, 0x00, 0x00, 0x20, 0x00, 0x08, 0x01, 0x93,	/* MOS 4.03 */
	};
	struct hep_msg m = {
		.src = v6("2001:db8::1"), .dst = v6("2001:db8::2"), .sport = 1000, .dport = 2000,
		.ip_proto = IPPROTO_TCP, .proto_type = HEP_PROTO_RTPAGENT, .unix_ns = 1999999999,
		.capture_id = 0xdeadbeef, .auth = "pw", .auth_len = 2, .payload = "{}", .payload_len = 2,
		.node = "n1", .node_len = 2, .has_mos = true, .mos = 403,
	};
	size_t len;
	uint8_t *b;

	(void)state;
	assert_int_equal(sizeof(want), 149);
	b = encode(&m, &len);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	free(b);
}

/* The chunk types of a message, in order, by walking it. */
static int types_of(const uint8_t *b, size_t len, uint16_t *types, int max)
{
	struct hep_chunk c;
	size_t off = 0;
	int n = 0, rc;

	while ((rc = hep_next_chunk(b, len, &off, &c)) == 1) {
		assert_true(n < max);
		assert_int_equal(c.vendor, 0);
		types[n++] = c.type;
	}
	assert_int_equal(rc, 0);
	return n;
}

/* Key, node name, correlation and MOS each there when set and absent when not; the fixed block never moves. */
static void test_optional_chunks(void **state)
{
	static const uint16_t fixed[] = { 1, 2, 7, 8, 9, 10, 11, 12, 3, 4 };
	struct hep_msg m = {
		.src = v4("192.0.2.1"), .dst = v4("192.0.2.2"), .ip_proto = IPPROTO_UDP,
		.proto_type = HEP_PROTO_RTCP, .payload = "x", .payload_len = 1,
	};
	uint16_t t[32];
	size_t len;
	uint8_t *b;
	int n, mask;

	(void)state;
	for (mask = 0; mask < 16; mask++) {
		uint16_t want[32];
		int w = 0, i;

		m.auth = mask & 1 ? "secret" : NULL;
		m.auth_len = mask & 1 ? 6 : 0;
		m.correlation = mask & 2 ? "call@x" : NULL;
		m.correlation_len = mask & 2 ? 6 : 0;
		m.node = mask & 4 ? "node-a" : NULL;
		m.node_len = mask & 4 ? 6 : 0;
		m.has_mos = mask & 8;
		m.mos = 250;
		for (i = 0; i < 10; i++)
			want[w++] = fixed[i];
		if (mask & 1)
			want[w++] = HEP_CHUNK_AUTH_KEY;
		want[w++] = HEP_CHUNK_PAYLOAD;
		if (mask & 2)
			want[w++] = HEP_CHUNK_CORRELATION;
		if (mask & 4)
			want[w++] = HEP_CHUNK_NODE_NAME;
		if (mask & 8)
			want[w++] = HEP_CHUNK_MOS;
		b = encode(&m, &len);
		n = types_of(b, len, t, 32);
		assert_int_equal(n, w);
		assert_memory_equal(t, want, w * sizeof(t[0]));
		assert_int_equal(hep_total_len(b), len);
		free(b);
	}
}

/* An IPv4 source with an IPv6 destination (no such packet, but the encoder must not mix families). */
static void test_mixed_family_is_ipv6(void **state)
{
	struct hep_msg m = { .src = v4("10.0.0.1"), .dst = v6("2001:db8::9"), .payload = "", .payload_len = 0 };
	struct hep_chunk c;
	size_t len, off = 0;
	uint8_t *b;
	int seen = 0;

	(void)state;
	b = encode(&m, &len);
	while (hep_next_chunk(b, len, &off, &c) == 1) {
		if (c.type == HEP_CHUNK_IP_FAMILY)
			assert_int_equal(c.val[0], HEP_FAMILY_IP6);
		if (c.type == HEP_CHUNK_SRC_IP6) {
			assert_int_equal(c.len, 16);
			assert_int_equal(c.val[10], 0xff);	/* ::ffff:10.0.0.1 */
			assert_int_equal(c.val[12], 10);
			seen++;
		}
		assert_true(c.type != HEP_CHUNK_SRC_IP4 && c.type != HEP_CHUNK_DST_IP4);
	}
	assert_int_equal(seen, 1);
	free(b);
}

/* The total length is 16 bits: 65535 fits, one more does not, and nothing is written past cap. */
static void test_length_bound(void **state)
{
	struct hep_msg m = { .src = v4("10.0.0.1"), .dst = v4("10.0.0.2") };
	size_t base, len;
	uint8_t *payload, *b;
	struct hep_chunk c;
	size_t off = 0;

	(void)state;
	base = hep_encoded_len(&m);
	assert_int_equal(base, 6 + 67 + 20 + 6);
	payload = calloc(1, HEP_MAX_LEN);
	assert_non_null(payload);
	m.payload = payload;
	m.payload_len = HEP_MAX_LEN - base;
	b = encode(&m, &len);
	assert_int_equal(len, HEP_MAX_LEN);
	assert_int_equal(hep_total_len(b), 65535);
	while (hep_next_chunk(b, len, &off, &c) == 1)
		if (c.type == HEP_CHUNK_PAYLOAD)
			assert_int_equal(c.len, HEP_MAX_LEN - base);
	assert_int_equal(off, len);
	m.payload_len++;
	assert_int_equal(hep_encoded_len(&m), 65536);
	assert_int_equal(hep_encode(&m, b, 1 << 17), -EMSGSIZE);
	/* A buffer too small is refused before a byte is written. */
	m.payload_len = 10;
	memset(b, 0xaa, 16);
	assert_int_equal(hep_encode(&m, b, hep_encoded_len(&m) - 1), -EMSGSIZE);
	assert_int_equal(b[0], 0xaa);
	free(b);
	free(payload);
}

/*
 * A hostile Call-ID as the correlation ID: quotes, backslashes, control
 * bytes and NULs go through as bytes, the lengths add up; 64 KiB does not
 * fit and is refused, not cut.
 */
static void test_hostile_correlation(void **state)
{
	static const char id[] = "a\"b\\c\r\n\x01\x00\x7f\xff\"}{";
	struct hep_msg m = {
		.src = v4("10.0.0.1"), .dst = v4("10.0.0.2"), .payload = "INVITE", .payload_len = 6,
		.correlation = id, .correlation_len = sizeof(id) - 1,
	};
	struct hep_chunk c;
	size_t len, off = 0;
	uint8_t *b;
	char *big;
	int found = 0;

	(void)state;
	b = encode(&m, &len);
	while (hep_next_chunk(b, len, &off, &c) == 1) {
		if (c.type == HEP_CHUNK_CORRELATION) {
			assert_int_equal(c.len, sizeof(id) - 1);
			assert_memory_equal(c.val, id, sizeof(id) - 1);
			found++;
		}
	}
	assert_int_equal(found, 1);
	free(b);
	big = malloc(65536);
	assert_non_null(big);
	memset(big, '"', 65536);
	m.correlation = big;
	m.correlation_len = 65536;
	b = malloc(1 << 17);
	assert_int_equal(hep_encode(&m, b, 1 << 17), -EMSGSIZE);
	free(b);
	free(big);
}

/* The walker on untrusted bytes: every cut, a lying total, chunk lengths under 6 or past the end. */
static void test_walker_refuses(void **state)
{
	struct hep_msg m = { .src = v4("10.0.0.1"), .dst = v4("10.0.0.2"), .payload = "abcdef", .payload_len = 6 };
	struct hep_chunk c;
	size_t len, off, cut;
	uint8_t *b, *copy;
	int rc;

	(void)state;
	b = encode(&m, &len);
	/* Every prefix is refused: the total length no longer matches. */
	for (cut = 0; cut < len; cut++) {
		copy = malloc(cut ? cut : 1);
		memcpy(copy, b, cut);
		off = 0;
		rc = hep_next_chunk(copy, cut, &off, &c);
		assert_int_equal(rc, -EINVAL);
		free(copy);
	}
	/* Not HEP3. */
	b[3] = '2';
	off = 0;
	assert_int_equal(hep_next_chunk(b, len, &off, &c), -EINVAL);
	b[3] = '3';
	/* The last chunk (payload) says 5 bytes: under its header. */
	b[len - 6 - 6 + 5] = 5;
	off = 0;
	while ((rc = hep_next_chunk(b, len, &off, &c)) == 1)
		;
	assert_int_equal(rc, -EINVAL);
	/* ... and one byte more than there is. */
	b[len - 6 - 6 + 5] = 13;
	off = 0;
	while ((rc = hep_next_chunk(b, len, &off, &c)) == 1)
		;
	assert_int_equal(rc, -EINVAL);
	b[len - 6 - 6 + 5] = 12;
	off = 0;
	while ((rc = hep_next_chunk(b, len, &off, &c)) == 1)
		;
	assert_int_equal(rc, 0);
	assert_int_equal(off, len);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sip_ipv4),
		cmocka_unit_test(test_report_ipv6_all_chunks),
		cmocka_unit_test(test_optional_chunks),
		cmocka_unit_test(test_mixed_family_is_ipv6),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_hostile_correlation),
		cmocka_unit_test(test_walker_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
