// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/hepsend.c, against collectors made here on the
 * loopback: the address forms; a queue's bound and what is counted when it
 * is full; every message delivered whole and in order through many turns
 * of a small ring; a UDP collector that refuses (ICMP); TCP messages back
 * to back, several in one send, framed by their own length; a TCP collector
 * that reads nothing (the agent's side never waits); a TCP collector gone
 * and back (connected again, counted); what is left at exit; --read's wait
 * for room.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "hep.h"
#include "hepsend.h"
#include "util.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A HEP message of exactly total bytes whose payload is seq repeated. */
static size_t make_msg(uint8_t *buf, size_t total, uint8_t seq)
{
	static uint8_t payload[HEP_MAX_LEN];
	struct hep_msg m = { .payload = payload };
	uint8_t v4[4] = { 127, 0, 0, 1 };
	int n;

	addr_from_v4(&m.src, v4);
	addr_from_v4(&m.dst, v4);
	m.payload_len = total - hep_encoded_len(&m);
	memset(payload, seq, m.payload_len);
	n = hep_encode(&m, buf, HEP_MAX_LEN);
	assert_int_equal(n, (int)total);
	return total;
}

/* A socket bound to 127.0.0.1 on a free port; the collector's name in name.  Reads give up after 2 s. */
static int bound(int type, char *name, size_t n, const char *scheme)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 2, 0 };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(name, n, "%s127.0.0.1:%u", scheme, ntohs(a.sin_port));
	return fd;
}

static struct hep_collector_stats stats(struct hepsend *h)
{
	struct hep_collector_stats s;

	assert_int_equal(hepsend_stats(h, &s, 1), 1);
	return s;
}

/* Wait up to ms for cond over the stats of h. */
#define WAIT_FOR(h, ms, cond) ({					\
	uint64_t _until = now_ns() + (uint64_t)(ms) * 1000000;		\
	struct hep_collector_stats s = stats(h);			\
	while (!(cond) && now_ns() < _until) {				\
		sleep_ms(5);						\
		s = stats(h);						\
	}								\
	(cond);								\
})

static struct hepsend *one(const char *name, size_t queue, bool wait)
{
	const char *list[1] = { name };
	bool bad;
	struct hepsend *h = hepsend_new(list, 1, queue, wait, &bad);

	assert_non_null(h);
	assert_false(bad);
	return h;
}

static void test_parse(void **state)
{
	struct sockaddr_storage ss;
	unsigned int len;
	char err[160];
	bool tcp;

	(void)state;
	assert_int_equal(hepsend_parse("192.0.2.1:9060", &tcp, &ss, &len, err, sizeof(err)), 0);
	assert_false(tcp);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9060);
	assert_int_equal(hepsend_parse("udp:192.0.2.1:9060", &tcp, &ss, &len, err, sizeof(err)), 0);
	assert_false(tcp);
	assert_int_equal(hepsend_parse("tcp:[2001:db8::1]:9061", &tcp, &ss, &len, err, sizeof(err)), 0);
	assert_true(tcp);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(hepsend_parse("[::1]:9060", &tcp, &ss, &len, err, sizeof(err)), 0);
	assert_false(tcp);
	assert_int_equal(hepsend_parse("tcp:homer.example:9060", &tcp, &ss, &len, err, sizeof(err)), -EINVAL);
	assert_int_equal(hepsend_parse("192.0.2.1", &tcp, &ss, &len, err, sizeof(err)), -EINVAL);
	assert_int_equal(hepsend_parse("sctp:192.0.2.1:9060", &tcp, &ss, &len, err, sizeof(err)), -EINVAL);
	assert_int_equal(hepsend_parse("192.0.2.1:0", &tcp, &ss, &len, err, sizeof(err)), -EINVAL);
	assert_int_equal(hepsend_parse("tcp:[::1:9060", &tcp, &ss, &len, err, sizeof(err)), -EINVAL);
}

/* 1000 bytes hold three messages of 300: the fourth is dropped and counted, nothing else moves. */
static void test_queue_bound(void **state)
{
	uint8_t m[HEP_MAX_LEN];
	struct hep_collector_stats s;
	struct hepsend *h = one("udp:127.0.0.1:9", 1000, false);
	int i;

	(void)state;
	make_msg(m, 300, 1);
	for (i = 0; i < 4; i++)
		hepsend_queue(h, m, 300);
	s = stats(h);
	assert_int_equal(s.queued_bytes, 900);
	assert_int_equal(s.dropped[HEP_DROP_QUEUE_FULL], 1);
	assert_int_equal(s.sent, 0);
	/* Not a HEP message (its length says otherwise): refused before it reaches a queue. */
	m[5]++;
	hepsend_queue(h, m, 300);
	assert_int_equal(stats(h).queued_bytes, 900);
	/* Over 65535 bytes, counted by the caller that could not encode it. */
	hepsend_oversize(h);
	assert_int_equal(stats(h).dropped[HEP_DROP_OVERSIZE], 1);
	/* Never started: at exit, the three are left and counted. */
	hepsend_drain(h, 0);
	s = stats(h);
	assert_int_equal(s.dropped[HEP_DROP_EXIT], 3);
	assert_int_equal(s.queued_bytes, 0);
	hepsend_free(h);
}

/* 200 messages of 100 to 350 bytes through a 1000-byte ring: each arrives whole, in order, as sent. */
static void test_udp_order_through_wraps(void **state)
{
	char name[64];
	int rx = bound(SOCK_DGRAM, name, sizeof(name), "udp:"), rcv = 1 << 20;
	uint8_t m[HEP_MAX_LEN], got[HEP_MAX_LEN];
	struct hepsend *h = one(name, 1000, false);
	uint64_t bytes = 0;
	int i;

	(void)state;
	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	assert_int_equal(hepsend_start(h), 0);
	for (i = 0; i < 200; i++) {
		size_t len = make_msg(m, 100 + (i * 37) % 251, i);
		ssize_t n;

		hepsend_queue(h, m, len);
		bytes += len;
		n = recv(rx, got, sizeof(got), 0);
		assert_int_equal(n, (ssize_t)len);
		assert_memory_equal(got, m, len);
	}
	assert_true(WAIT_FOR(h, 1000, s.sent == 200));
	assert_int_equal(stats(h).bytes, bytes);
	assert_int_equal(stats(h).dropped[HEP_DROP_QUEUE_FULL], 0);
	assert_true(stats(h).connected);
	hepsend_drain(h, NS_PER_SEC);
	assert_int_equal(stats(h).dropped[HEP_DROP_EXIT], 0);
	hepsend_free(h);
	close(rx);
}

/* Nothing listens: the host's ICMP port unreachable comes back as a refusal, counted. */
static void test_udp_refused(void **state)
{
	char name[64];
	int rx = bound(SOCK_DGRAM, name, sizeof(name), "");
	uint8_t m[HEP_MAX_LEN];
	struct hepsend *h;
	int i;

	(void)state;
	close(rx);
	h = one(name, 1 << 16, false);
	assert_int_equal(hepsend_start(h), 0);
	make_msg(m, 200, 7);
	for (i = 0; i < 20 && !stats(h).dropped[HEP_DROP_REFUSED]; i++) {
		hepsend_queue(h, m, 200);
		sleep_ms(20);
	}
	assert_true(stats(h).dropped[HEP_DROP_REFUSED] > 0);
	assert_int_equal(stats(h).dropped[HEP_DROP_QUEUE_FULL], 0);
	hepsend_free(h);
}

/* Read exactly n bytes from a TCP socket (2 s at most). */
static void read_all(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	uint64_t until = now_ns() + 2 * NS_PER_SEC;

	while (got < n && now_ns() < until) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 100) <= 0)
			continue;
		r = recv(fd, buf + got, n - got, 0);
		assert_true(r > 0);
		got += r;
	}
	assert_int_equal(got, n);
}

/*
 * Three messages queued before the connection: one send writes all three,
 * and the stream splits back into them by their own length fields.
 */
static void test_tcp_framing(void **state)
{
	char name[64];
	int lfd = bound(SOCK_STREAM, name, sizeof(name), "tcp:"), fd;
	uint8_t m[3][HEP_MAX_LEN], got[3 * 1000];
	size_t len[3] = { 300, 1000 - 300 - 450, 450 }, off = 0;
	struct hepsend *h = one(name, 1 << 16, false);
	int i;

	(void)state;
	assert_int_equal(listen(lfd, 4), 0);
	for (i = 0; i < 3; i++) {
		make_msg(m[i], len[i], 'a' + i);
		hepsend_queue(h, m[i], len[i]);
	}
	assert_int_equal(hepsend_start(h), 0);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	read_all(fd, got, 1000);
	for (i = 0; i < 3; i++) {
		size_t n = get_be16(got + off + 4);

		assert_memory_equal(got + off, "HEP3", 4);
		assert_int_equal(n, len[i]);
		assert_memory_equal(got + off, m[i], n);
		off += n;
	}
	assert_true(WAIT_FOR(h, 1000, s.sent == 3));
	assert_int_equal(stats(h).writes, 1);
	assert_int_equal(stats(h).bytes, 1000);
	assert_true(stats(h).connected);
	assert_int_equal(stats(h).reconnects, 0);
	hepsend_free(h);
	close(fd);
	close(lfd);
}

/*
 * A collector that accepts nothing and reads nothing: the kernel's buffers
 * fill, then the queue; every hepsend_queue() still returns at once, and
 * what did not fit is counted.
 */
static void test_tcp_slow_collector(void **state)
{
	char name[64];
	int lfd = bound(SOCK_STREAM, name, sizeof(name), "tcp:"), small = 4096;
	uint8_t m[HEP_MAX_LEN];
	struct hep_collector_stats s;
	struct hepsend *h;
	uint64_t worst = 0, t;
	int i;

	(void)state;
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	assert_int_equal(listen(lfd, 4), 0);
	h = one(name, 64 << 10, false);
	assert_int_equal(hepsend_start(h), 0);
	make_msg(m, 1000, 3);
	for (i = 0; i < 20000; i++) {
		t = now_ns();
		hepsend_queue(h, m, 1000);
		t = now_ns() - t;
		worst = t > worst ? t : worst;
		if (i % 100 == 0)
			sleep_ms(1);
	}
	s = stats(h);
	assert_true(s.connected);
	assert_true(s.dropped[HEP_DROP_QUEUE_FULL] > 0);
	assert_true(s.queued_bytes > 0);
	/* hepsend_queue() never waits on the network (a descheduled vCPU aside, which is why not 1 ms). */
	assert_true(worst < 100000000);
	/* At exit, the drain runs out: what is left, the message half written included, is counted. */
	hepsend_drain(h, NS_PER_SEC / 10);
	s = stats(h);
	assert_int_equal(s.queued_bytes, 0);
	assert_int_equal(s.sent + s.dropped[HEP_DROP_QUEUE_FULL] + s.dropped[HEP_DROP_EXIT] +
			 s.dropped[HEP_DROP_DISCONNECTED], 20000);
	hepsend_free(h);
	close(lfd);
}

/* The collector goes away and comes back on its port: the sender connects again, and says how often it tried. */
static void test_tcp_reconnect(void **state)
{
	char name[64];
	int lfd = bound(SOCK_STREAM, name, sizeof(name), "tcp:"), fd, one_ = 1;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	uint8_t m[HEP_MAX_LEN], got[HEP_MAX_LEN];
	struct hepsend *h = one(name, 1 << 16, false);
	uint64_t until;
	int i;

	(void)state;
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(hepsend_start(h), 0);
	fd = accept(lfd, NULL, NULL);
	make_msg(m, 200, 1);
	hepsend_queue(h, m, 200);
	read_all(fd, got, 200);
	/* Gone: the connection and the listener. */
	close(fd);
	close(lfd);
	assert_true(WAIT_FOR(h, 2000, !s.connected));
	sleep_ms(300);
	/* Back on the same port. */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one_, sizeof(one_));
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	make_msg(m, 300, 2);
	hepsend_queue(h, m, 300);
	until = now_ns() + 5 * NS_PER_SEC;
	fd = -1;
	for (i = 0; fd < 0 && now_ns() < until; i++) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		if (poll(&p, 1, 100) > 0)
			fd = accept(lfd, NULL, NULL);
	}
	assert_true(fd >= 0);
	read_all(fd, got, 300);
	assert_memory_equal(got, m, 300);
	assert_true(WAIT_FOR(h, 1000, s.connected && s.sent == 2));
	assert_true(stats(h).reconnects >= 1);
	hepsend_free(h);
	close(fd);
	close(lfd);
}

/* --read: with no live traffic to protect, a full queue waits for room; nothing is dropped. */
static void test_wait_for_room(void **state)
{
	char name[64];
	int rx = bound(SOCK_DGRAM, name, sizeof(name), "udp:"), rcv = 4 << 20;
	uint8_t m[HEP_MAX_LEN];
	struct hepsend *h;
	int i;

	(void)state;
	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	h = one(name, 1000, true);
	assert_int_equal(hepsend_start(h), 0);
	make_msg(m, 300, 9);
	for (i = 0; i < 500; i++)
		hepsend_queue(h, m, 300);
	assert_true(WAIT_FOR(h, 2000, s.sent == 500));
	assert_int_equal(stats(h).dropped[HEP_DROP_QUEUE_FULL], 0);
	hepsend_free(h);
	close(rx);
}

/*
 * --read against a collector that reads nothing: one wait of a second, then
 * no more waiting (it is stalled); at exit the drain gives up on it once it
 * has taken nothing for a second, and on a collector that is down at once.
 */
static void test_read_stalled_and_down(void **state)
{
	char name[64], down[64];
	int lfd = bound(SOCK_STREAM, name, sizeof(name), "tcp:"), dfd = bound(SOCK_STREAM, down, sizeof(down), "tcp:");
	int small = 4096;
	const char *list[2] = { name, down };
	uint8_t m[HEP_MAX_LEN];
	struct hep_collector_stats s[2];
	struct hepsend *h;
	uint64_t t;
	bool bad;
	int i;

	(void)state;
	close(dfd);	/* nothing listens there: connections refused */
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	assert_int_equal(listen(lfd, 4), 0);
	h = hepsend_new(list, 2, 64 << 10, true, &bad);
	assert_non_null(h);
	assert_int_equal(hepsend_start(h), 0);
	make_msg(m, 1000, 5);
	t = now_ns();
	for (i = 0; i < 20000; i++)
		hepsend_queue(h, m, 1000);
	t = now_ns() - t;
	assert_true(t < 4 * NS_PER_SEC);
	assert_int_equal(hepsend_stats(h, s, 2), 2);
	assert_true(s[0].connected);
	assert_true(s[0].dropped[HEP_DROP_QUEUE_FULL] > 0);
	assert_false(s[1].connected);
	assert_true(s[1].reconnects >= 1 || s[1].dropped[HEP_DROP_QUEUE_FULL] > 0);
	t = now_ns();
	hepsend_drain(h, 30 * NS_PER_SEC);
	t = now_ns() - t;
	assert_true(t < 3 * NS_PER_SEC);
	assert_int_equal(hepsend_stats(h, s, 2), 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(s[i].queued_bytes, 0);
		assert_int_equal(s[i].sent + s[i].dropped[HEP_DROP_QUEUE_FULL] + s[i].dropped[HEP_DROP_EXIT] +
				 s[i].dropped[HEP_DROP_DISCONNECTED], 20000);
	}
	hepsend_free(h);
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_queue_bound),
		cmocka_unit_test(test_udp_order_through_wraps),
		cmocka_unit_test(test_udp_refused),
		cmocka_unit_test(test_tcp_framing),
		cmocka_unit_test(test_tcp_slow_collector),
		cmocka_unit_test(test_tcp_reconnect),
		cmocka_unit_test(test_wait_for_room),
		cmocka_unit_test(test_read_stalled_and_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
