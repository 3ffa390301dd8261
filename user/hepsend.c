// SPDX-License-Identifier: GPL-2.0
/*
 * hepsend.c - the queues and sockets of --hep (hepsend.h).
 *
 * A queue holds whole HEP messages back to back; each one's length is its
 * own header's (bytes 4-5).  A message that does not fit before the end of
 * the ring starts again at 0: the bytes left at the end are padding, marked
 * by a 0 where a message would have its 'H' (or fewer than a header's 6
 * bytes left).  head and tail count bytes ever read and written; the writer
 * moves only tail, the reader only head.
 */
#define _GNU_SOURCE	/* pthread_setname_np */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "hep.h"
#include "hepsend.h"
#include "log.h"
#include "util.h"

#define BACKOFF_MIN_NS		(NS_PER_SEC / 2)
#define BACKOFF_MAX_NS		(30 * NS_PER_SEC)
#define CONNECT_TIMEOUT_NS	(5 * NS_PER_SEC)
#define ROOM_WAIT_NS		NS_PER_SEC
/*
 * While messages flow the sender looks at its queues every POLL_NS without
 * being woken (a wakeup is a system call on the agent's thread); after
 * ACTIVE_NS with nothing to send it sleeps until woken.
 */
#define POLL_NS			(NS_PER_SEC / 1000)
#define ACTIVE_NS		(NS_PER_SEC / 50)
#define UDP_BATCH		64

const char *const hep_drop_names[HEP_DROP_NR] = {
	[HEP_DROP_QUEUE_FULL] = "queue_full", [HEP_DROP_OVERSIZE] = "oversize", [HEP_DROP_REFUSED] = "refused",
	[HEP_DROP_SEND_FAILED] = "send_failed", [HEP_DROP_DISCONNECTED] = "disconnected", [HEP_DROP_EXIT] = "exit",
};

/* C_NEW: not tried yet (a producer waiting for room may wait for it, as for C_CONNECTING). */
enum conn_state { C_NEW, C_DOWN, C_CONNECTING, C_UP };

struct collector {
	char name[80];
	bool tcp;
	struct sockaddr_storage ss;
	unsigned int sslen;
	uint8_t *buf;
	size_t cap;
	_Atomic uint64_t head, tail;
	/* The sender's own. */
	int fd;
	_Atomic int state;		/* enum conn_state; read by a producer waiting for room */
	bool blocked;			/* the socket would block: wait for POLLOUT */
	size_t partial;			/* TCP: bytes of the message at head already written */
	uint64_t next_attempt, backoff, deadline;
	bool attempted;
	bool said;			/* a failure was logged since the collector was last up */
	uint64_t progress;		/* when it last took bytes (or connected) */
	_Atomic bool stalled;		/* the writer waited for room in vain: it waits no more until room is found */
	/* Figures: each written by one side only. */
	_Atomic uint64_t sent, bytes, writes, reconnects, dropped[HEP_DROP_NR];
};

struct hepsend {
	unsigned int n;
	struct collector c[HEP_MAX_COLLECTORS];
	int efd;
	pthread_t thread;
	bool started;
	_Atomic bool stop;
	_Atomic bool asleep;		/* the sender sleeps until woken: a writer must wake it */
	uint64_t last_work;		/* the sender's: when a queue last had something */
	uint64_t drain_deadline;	/* set before stop */
	bool wait_for_room;
	pthread_mutex_t room_lock;
	pthread_cond_t room_cond;
	_Atomic int room_waiters;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static void count(_Atomic uint64_t *c, uint64_t n)
{
	/* One writer per counter: a relaxed load and store, no locked add. */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

int hepsend_parse(const char *s, bool *tcp, struct sockaddr_storage *ss, unsigned int *sslen, char *err,
		  size_t errlen)
{
	*tcp = false;
	if (!strncmp(s, "tcp:", 4)) {
		*tcp = true;
		s += 4;
	} else if (!strncmp(s, "udp:", 4)) {
		s += 4;
	}
	return parse_addr_port(s, ss, sslen, err, errlen);
}

struct hepsend *hepsend_new(const char *const *collectors, unsigned int n, size_t queue_bytes,
			    bool wait_for_room, bool *bad)
{
	struct hepsend *h;
	char err[160];
	unsigned int i;

	*bad = false;
	if (!n || n > HEP_MAX_COLLECTORS)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		goto oom;
	h->efd = -1;
	for (i = 0; i < n; i++) {
		struct collector *c = &h->c[i];

		c->fd = -1;
		if (hepsend_parse(collectors[i], &c->tcp, &c->ss, &c->sslen, err, sizeof(err))) {
			pr_err("--hep %s\n", err);
			*bad = true;
			hepsend_free(h);
			return NULL;
		}
		snprintf(c->name, sizeof(c->name), "%s", collectors[i]);
		c->cap = queue_bytes;
		c->buf = malloc(queue_bytes);
		c->backoff = BACKOFF_MIN_NS;
		h->n++;
		if (!c->buf)
			goto oom;
	}
	h->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->efd < 0) {
		pr_err("--hep: eventfd: %s\n", strerror(errno));
		hepsend_free(h);
		return NULL;
	}
	h->wait_for_room = wait_for_room;
	pthread_mutex_init(&h->room_lock, NULL);
	pthread_cond_init(&h->room_cond, NULL);
	return h;
oom:
	pr_err("--hep: out of memory for the queues\n");
	hepsend_free(h);
	return NULL;
}

/* --- the writer's side (the agent's thread) ---------------------------- */

/* Copy the message in; false if it does not fit. */
static bool ring_push(struct collector *c, const uint8_t *m, size_t len)
{
	uint64_t tail = atomic_load_explicit(&c->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&c->head, memory_order_acquire);
	size_t pos = tail % c->cap, pad = len > c->cap - pos ? c->cap - pos : 0;

	if (len + pad > c->cap - (tail - head))
		return false;
	if (pad) {
		c->buf[pos] = 0;	/* padding to the end; fewer than 6 bytes need no mark */
		tail += pad;
		pos = 0;
	}
	memcpy(c->buf + pos, m, len);
	/* Sequentially consistent: see hepsend_queue() and sender() on waking. */
	atomic_store_explicit(&c->tail, tail + len, memory_order_seq_cst);
	return true;
}

/*
 * --read: wait for the sender to make room, while it can (connected or
 * connecting), a second at most; a collector that took nothing in that
 * second is stalled, and is not waited for again until a message fits.
 */
static bool push_waiting(struct hepsend *h, struct collector *c, const uint8_t *m, size_t len)
{
	uint64_t until = now_ns() + ROOM_WAIT_NS;
	struct timespec ts;
	bool ok = false;

	if (atomic_load(&c->stalled))
		return false;
	pthread_mutex_lock(&h->room_lock);
	atomic_fetch_add(&h->room_waiters, 1);
	while (!(ok = ring_push(c, m, len)) && atomic_load(&c->state) != C_DOWN && now_ns() < until) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= (long)NS_PER_SEC) {
			ts.tv_sec++;
			ts.tv_nsec -= NS_PER_SEC;
		}
		pthread_cond_timedwait(&h->room_cond, &h->room_lock, &ts);
	}
	atomic_fetch_sub(&h->room_waiters, 1);
	pthread_mutex_unlock(&h->room_lock);
	if (!ok)
		atomic_store(&c->stalled, true);
	return ok;
}

void hepsend_queue(struct hepsend *h, const uint8_t *msg, size_t len)
{
	unsigned int i;

	/* Only whole HEP3 messages: the reader finds each one's end by its header. */
	if (len < HEP_CHUNK_HDR || hep_total_len(msg) != len)
		return;
	for (i = 0; i < h->n; i++) {
		struct collector *c = &h->c[i];

		if (ring_push(c, msg, len)) {
			if (atomic_load_explicit(&c->stalled, memory_order_relaxed))
				atomic_store(&c->stalled, false);
		} else if (!(h->wait_for_room && h->started && push_waiting(h, c, msg, len))) {
			count(&c->dropped[HEP_DROP_QUEUE_FULL], 1);
		}
	}
	/*
	 * Published (tail), then look at the sender: it says it sleeps and then
	 * looks at the tails, so one of the two sees the other.  While it polls
	 * (messages flowing) no system call is made here.
	 */
	if (h->started && atomic_load_explicit(&h->asleep, memory_order_seq_cst)) {
		uint64_t one = 1;

		if (write(h->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			pr_debug("hep: wake the sender: %s\n", strerror(errno));
	}
}

void hepsend_oversize(struct hepsend *h)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		count(&h->c[i].dropped[HEP_DROP_OVERSIZE], 1);
}

/* --- the reader's side (the sender's thread) --------------------------- */

/* The message at head (padding skipped, head moved past it), or NULL when the queue is empty. */
static const uint8_t *ring_peek(struct collector *c, size_t *len)
{
	uint64_t head = atomic_load_explicit(&c->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&c->tail, memory_order_acquire);

	while (head != tail) {
		size_t pos = head % c->cap;

		if (c->cap - pos < HEP_CHUNK_HDR || c->buf[pos] == 0) {
			head += c->cap - pos;
			atomic_store_explicit(&c->head, head, memory_order_release);
			continue;
		}
		*len = hep_total_len(c->buf + pos);
		return c->buf + pos;
	}
	return NULL;
}

/* The message at head is done with (sent or dropped). */
static void ring_pop(struct hepsend *h, struct collector *c, size_t len)
{
	atomic_store_explicit(&c->head, atomic_load_explicit(&c->head, memory_order_relaxed) + len,
			      memory_order_seq_cst);
	if (atomic_load_explicit(&h->room_waiters, memory_order_seq_cst)) {
		pthread_mutex_lock(&h->room_lock);
		pthread_cond_broadcast(&h->room_cond);
		pthread_mutex_unlock(&h->room_lock);
	}
}

static void conn_down(struct collector *c, uint64_t now, const char *why, int err)
{
	size_t len;

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	/* Once, not at every attempt of a collector that stays down. */
	if (!c->said)
		pr_warn("hep %s: %s: %s; %s every %s up to 30 s (see sipxdp_hep_*)\n", c->name, why, strerror(err),
			c->tcp ? "connecting again" : "trying again", "0.5 s doubling");
	else
		pr_debug("hep %s: %s: %s\n", c->name, why, strerror(err));
	c->said = true;
	atomic_store(&c->state, C_DOWN);
	c->blocked = false;
	c->next_attempt = now + c->backoff;
	c->backoff = c->backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : c->backoff * 2;
	if (c->partial && ring_peek(c, &len)) {
		count(&c->dropped[HEP_DROP_DISCONNECTED], 1);
		c->partial = 0;
		atomic_store_explicit(&c->head, atomic_load(&c->head) + len, memory_order_seq_cst);
	}
}

static void conn_up(struct collector *c, uint64_t now)
{
	c->progress = now;
	atomic_store(&c->state, C_UP);
	c->backoff = BACKOFF_MIN_NS;
	c->said = false;
	pr_info("hep %s: %s\n", c->name, c->tcp ? "connected" : "sending");
}

static void conn_attempt(struct collector *c, uint64_t now)
{
	int fd;

	if (c->attempted)
		count(&c->reconnects, 1);
	c->attempted = true;
	fd = socket(c->ss.ss_family, (c->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		conn_down(c, now, "socket", errno);
		return;
	}
	c->fd = fd;
	if (!connect(fd, (struct sockaddr *)&c->ss, c->sslen)) {
		conn_up(c, now);
	} else if (errno == EINPROGRESS) {
		atomic_store(&c->state, C_CONNECTING);
		c->deadline = now + CONNECT_TIMEOUT_NS;
	} else {
		conn_down(c, now, "connect", errno);
	}
}

/* The connection being made is up, or has failed. */
static void conn_check(struct collector *c, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err)
		conn_down(c, now, "connect", err);
	else
		conn_up(c, now);
}

/* Up to max messages from head on (padding skipped, head not moved), as iovecs. */
static int ring_gather(const struct collector *c, struct iovec *iov, int max)
{
	uint64_t pos = atomic_load_explicit(&c->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&c->tail, memory_order_acquire);
	int k = 0;

	while (pos != tail && k < max) {
		size_t off = pos % c->cap;

		if (c->cap - off < HEP_CHUNK_HDR || c->buf[off] == 0) {
			pos += c->cap - off;
			continue;
		}
		iov[k].iov_base = c->buf + off;
		iov[k].iov_len = hep_total_len(c->buf + off);
		pos += iov[k++].iov_len;
	}
	return k;
}

/* UDP: one datagram a message, up to UDP_BATCH of them a system call. */
static void send_udp(struct hepsend *h, struct collector *c, uint64_t now)
{
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	size_t len;
	int k, r, i;

	while (ring_peek(c, &len)) {
		k = ring_gather(c, iov, UDP_BATCH);
		for (i = 0; i < k; i++)
			mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
		r = sendmmsg(c->fd, mm, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->blocked = true;
			return;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			/* The first of them failed (a refusal reported by ICMP is one): it is dropped. */
			count(&c->dropped[errno == ECONNREFUSED ? HEP_DROP_REFUSED : HEP_DROP_SEND_FAILED], 1);
			ring_peek(c, &len);
			ring_pop(h, c, len);
			continue;
		}
		count(&c->writes, 1);
		c->progress = now;
		for (i = 0; i < r && ring_peek(c, &len); i++) {
			count(&c->sent, 1);
			count(&c->bytes, len);
			ring_pop(h, c, len);
		}
	}
}

/*
 * TCP: the messages from head to the end of what is contiguous, in one
 * send; a short write leaves the rest for POLLOUT.
 */
static void send_tcp(struct hepsend *h, struct collector *c, uint64_t now)
{
	const uint8_t *m;
	size_t len, span, off;
	uint64_t tail;
	ssize_t n;

	while ((m = ring_peek(c, &len))) {
		size_t pos = m - c->buf;

		/* Whole messages from here to the tail or the end of the ring, whichever comes first. */
		tail = atomic_load_explicit(&c->tail, memory_order_acquire);
		span = tail - atomic_load_explicit(&c->head, memory_order_relaxed);
		if (span > c->cap - pos)
			span = c->cap - pos;
		for (off = 0; off + HEP_CHUNK_HDR <= span && c->buf[pos + off]; off += hep_total_len(c->buf + pos + off))
			if (off + hep_total_len(c->buf + pos + off) > span)
				break;
		n = send(c->fd, m + c->partial, off - c->partial, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->blocked = true;
			return;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			conn_down(c, now, "send", errno);
			return;
		}
		count(&c->writes, 1);
		c->progress = now;
		/* Messages written whole leave the queue; a part of one stays as partial. */
		c->partial += n;
		while ((m = ring_peek(c, &len)) && c->partial >= len) {
			c->partial -= len;
			count(&c->sent, 1);
			count(&c->bytes, len);
			ring_pop(h, c, len);
		}
		if (c->partial) {
			c->blocked = true;
			return;
		}
	}
}

/* TCP: the collector sent something (nothing is expected) or closed. */
static void read_tcp(struct collector *c, uint64_t now)
{
	char buf[256];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0)
		conn_down(c, now, "closed by the collector", ECONNRESET);
	else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		conn_down(c, now, "receive", errno);
}

static void service(struct hepsend *h, struct collector *c, uint64_t now)
{
	if ((atomic_load(&c->state) == C_DOWN && now >= c->next_attempt) || atomic_load(&c->state) == C_NEW)
		conn_attempt(c, now);
	if (atomic_load(&c->state) == C_CONNECTING && now >= c->deadline)
		conn_down(c, now, "connect", ETIMEDOUT);
	if (atomic_load(&c->state) != C_UP || c->blocked)
		return;
	if (c->tcp)
		send_tcp(h, c, now);
	else
		send_udp(h, c, now);
}

/*
 * At exit: nothing left worth waiting for.  A queue is waited for while its
 * collector is connecting or took bytes within the last second; not when it
 * is down (its next attempt may be 30 s away) or has stopped reading.
 */
static bool drained(struct hepsend *h, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < h->n; i++) {
		struct collector *c = &h->c[i];
		int st = atomic_load(&c->state);

		if (atomic_load(&c->head) == atomic_load(&c->tail) || st == C_DOWN)
			continue;
		if (st != C_UP || now - c->progress < NS_PER_SEC)
			return false;
	}
	return true;
}

/* What is left at exit is counted, message by message. */
static void count_left(struct hepsend *h)
{
	unsigned int i;
	size_t len;

	for (i = 0; i < h->n; i++) {
		struct collector *c = &h->c[i];

		while (ring_peek(c, &len)) {
			count(&c->dropped[c->partial ? HEP_DROP_DISCONNECTED : HEP_DROP_EXIT], 1);
			c->partial = 0;
			ring_pop(h, c, len);
		}
	}
}

static void *sender(void *arg)
{
	struct hepsend *h = arg;
	struct pollfd p[1 + HEP_MAX_COLLECTORS];
	int who[1 + HEP_MAX_COLLECTORS];
	unsigned int i;
	uint64_t now, wake_at;
	int np, timeout, k;

	for (;;) {
		uint64_t ev;
		bool sleep;

		now = now_ns();
		for (i = 0; i < h->n; i++) {
			if (atomic_load_explicit(&h->c[i].head, memory_order_relaxed) !=
			    atomic_load_explicit(&h->c[i].tail, memory_order_relaxed))
				h->last_work = now;
			service(h, &h->c[i], now);
		}
		if (atomic_load(&h->stop) && (drained(h, now) || now >= h->drain_deadline))
			break;
		/* Sleep until an event, a message after an empty queue, or the next attempt. */
		p[0] = (struct pollfd){ .fd = h->efd, .events = POLLIN };
		np = 1;
		wake_at = UINT64_MAX;
		for (i = 0; i < h->n; i++) {
			struct collector *c = &h->c[i];
			int st = atomic_load(&c->state);

			if (st == C_DOWN) {
				wake_at = c->next_attempt < wake_at ? c->next_attempt : wake_at;
				continue;
			}
			if (st == C_CONNECTING)
				wake_at = c->deadline < wake_at ? c->deadline : wake_at;
			p[np] = (struct pollfd){ .fd = c->fd, .events = (c->tcp && st == C_UP ? POLLIN : 0) |
							(st == C_CONNECTING || c->blocked ? POLLOUT : 0) };
			who[np++] = i;
		}
		if (atomic_load(&h->stop)) {
			wake_at = h->drain_deadline < wake_at ? h->drain_deadline : wake_at;
			wake_at = now + NS_PER_SEC / 10 < wake_at ? now + NS_PER_SEC / 10 : wake_at;	/* to look at progress */
		}
		/*
		 * Messages flowing: look again in POLL_NS, unwoken.  Else sleep
		 * until woken: say so, then look at the tails once more (a writer
		 * publishes, then looks at asleep: one of the two sees the other).
		 */
		sleep = now - h->last_work >= ACTIVE_NS;
		if (!sleep) {
			wake_at = now + POLL_NS < wake_at ? now + POLL_NS : wake_at;
		} else {
			atomic_store_explicit(&h->asleep, true, memory_order_seq_cst);
			for (i = 0; i < h->n; i++) {
				if (atomic_load_explicit(&h->c[i].tail, memory_order_seq_cst) !=
				    atomic_load_explicit(&h->c[i].head, memory_order_relaxed) &&
				    atomic_load(&h->c[i].state) == C_UP && !h->c[i].blocked)
					wake_at = now;
			}
		}
		timeout = wake_at == UINT64_MAX ? -1 : wake_at <= now ? 0 :
			  (int)((wake_at - now + 999999) / 1000000);
		if (poll(p, np, timeout) < 0 && errno != EINTR) {
			pr_warn("hep: poll: %s\n", strerror(errno));
			usleep(100000);
			continue;
		}
		if (sleep)
			atomic_store_explicit(&h->asleep, false, memory_order_relaxed);
		if (p[0].revents & POLLIN && read(h->efd, &ev, sizeof(ev)) < 0 && errno != EAGAIN)
			pr_debug("hep: eventfd: %s\n", strerror(errno));
		now = now_ns();
		for (k = 1; k < np; k++) {
			struct collector *c = &h->c[who[k]];

			if (!p[k].revents)
				continue;
			if (atomic_load(&c->state) == C_CONNECTING) {
				conn_check(c, now);
				continue;
			}
			if (c->tcp && p[k].revents & (POLLIN | POLLHUP | POLLERR))
				read_tcp(c, now);
			if (p[k].revents & (POLLOUT | POLLERR))
				c->blocked = false;
		}
	}
	count_left(h);
	return NULL;
}

int hepsend_start(struct hepsend *h)
{
	sigset_t old;
	int err;

	if (!h)
		return 0;
	/* The thread must not take the agent's signals: the main loop's ppoll would not wake. */
	block_agent_signals(&old);
	err = pthread_create(&h->thread, NULL, sender, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pr_err("--hep: start the sender's thread: %s\n", strerror(err));
		return -err;
	}
	pthread_setname_np(h->thread, "sipxdp-hep");
	h->started = true;
	return 0;
}

void hepsend_drain(struct hepsend *h, uint64_t timeout_ns)
{
	uint64_t one = 1;

	if (!h)
		return;
	if (!h->started) {
		count_left(h);
		return;
	}
	h->drain_deadline = now_ns() + timeout_ns;
	atomic_store(&h->stop, true);
	if (write(h->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_debug("hep: wake the sender: %s\n", strerror(errno));
	pthread_join(h->thread, NULL);
	h->started = false;
}

unsigned int hepsend_stats(const struct hepsend *h, struct hep_collector_stats *out, unsigned int max)
{
	unsigned int i, k;

	if (!h)
		return 0;
	for (i = 0; i < h->n && i < max; i++) {
		const struct collector *c = &h->c[i];
		struct hep_collector_stats *s = &out[i];

		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", c->name);
		s->tcp = c->tcp;
		s->connected = atomic_load(&c->state) == C_UP;
		s->sent = atomic_load_explicit(&c->sent, memory_order_relaxed);
		s->bytes = atomic_load_explicit(&c->bytes, memory_order_relaxed);
		s->writes = atomic_load_explicit(&c->writes, memory_order_relaxed);
		s->reconnects = atomic_load_explicit(&c->reconnects, memory_order_relaxed);
		for (k = 0; k < HEP_DROP_NR; k++)
			s->dropped[k] = atomic_load_explicit(&c->dropped[k], memory_order_relaxed);
		s->queued_bytes = atomic_load(&c->tail) - atomic_load(&c->head);
	}
	return i;
}

void hepsend_free(struct hepsend *h)
{
	unsigned int i;

	if (!h)
		return;
	if (h->started)
		hepsend_drain(h, 0);
	for (i = 0; i < h->n; i++) {
		if (h->c[i].fd >= 0)
			close(h->c[i].fd);
		free(h->c[i].buf);
	}
	if (h->efd >= 0) {
		close(h->efd);
		pthread_mutex_destroy(&h->room_lock);
		pthread_cond_destroy(&h->room_cond);
	}
	free(h);
}
