// SPDX-License-Identifier: GPL-2.0
/* replay.c - offline frames through the program on several CPUs at once (replay.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "hashing.h"
#include "log.h"
#include "replay.h"
#include "util.h"

#define LANE_BUCKETS 16
#define SPINS 512		/* yields on an empty queue before a worker sleeps */
#define CONSUME_EVERY 256	/* laned frames between two reads of their events */

struct seen_key {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t ssrc;
	uint8_t family, pad[3];		/* 4 or 6; pad zeroed: the key is compared whole */
};

struct replay_seen {
	struct seen_key key;
	UT_hash_handle hh;
};

/* Where a frame's lane would be: its stream and destination, or false if it must be ordered. */
struct laned {
	struct seen_key key;
	uint8_t dst_len;		/* 4 or 16 */
};

/*
 * Waiting on the other thread: a few polite spins (it is most likely
 * running on another CPU), then the CPU to whoever wants it.
 */
static void relax(unsigned int *n)
{
	if (++*n % 64) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#elif defined(__aarch64__)
		__asm__ volatile("yield" ::: "memory");
#endif
		return;
	}
	sched_yield();
}

static bool is_sip_port(const struct replay *r, uint16_t port_be)
{
	int i;

	for (i = 0; i < r->nr_sip_ports; i++)
		if (r->sip_ports[i] == port_be)
			return true;
	return false;
}

/*
 * The stream of an unfragmented IPv4 or IPv6 UDP datagram carrying an RTP
 * version-2 header, behind at most two VLAN tags, on no SIP port.  Anything
 * else (or anything this does not parse) is ordered.
 */
static bool lane_of(const struct replay *r, const uint8_t *p, uint32_t len, struct laned *out)
{
	uint32_t off = 12, l4;
	uint16_t proto;
	int tags;

	if (len < 14)
		return false;
	proto = get_be16(p + off);
	for (tags = 0; (proto == 0x8100 || proto == 0x88a8) && tags < 2; tags++) {
		off += 4;
		if (off + 2 > len)
			return false;
		proto = get_be16(p + off);
	}
	off += 2;
	memset(out, 0, sizeof(*out));
	if (proto == 0x0800) {
		uint32_t ihl;

		if (off + 20 > len || (p[off] >> 4) != 4 || p[off + 9] != 17)
			return false;
		if (get_be16(p + off + 6) & 0x3fff)	/* MF or an offset: a fragment */
			return false;
		ihl = (p[off] & 15) * 4u;
		if (ihl < 20)
			return false;
		memcpy(out->key.src, p + off + 12, 4);
		memcpy(out->key.dst, p + off + 16, 4);
		out->key.family = 4;
		out->dst_len = 4;
		l4 = off + ihl;
	} else if (proto == 0x86dd) {
		if (off + 40 > len || (p[off] >> 4) != 6 || p[off + 6] != 17)
			return false;	/* extension headers: the kernel walks them, not this */
		memcpy(out->key.src, p + off + 8, 16);
		memcpy(out->key.dst, p + off + 24, 16);
		out->key.family = 6;
		out->dst_len = 16;
		l4 = off + 40;
	} else {
		return false;
	}
	if (l4 + 8 + 12 > len)
		return false;
	memcpy(&out->key.sport, p + l4, 2);
	memcpy(&out->key.dport, p + l4 + 2, 2);
	if (is_sip_port(r, out->key.sport) || is_sip_port(r, out->key.dport))
		return false;
	if ((p[l4 + 8] & 0xc0) != 0x80)		/* not RTP or RTCP: SIP text, STUN, anything */
		return false;
	memcpy(&out->key.ssrc, p + l4 + 8 + 8, 4);
	return true;
}

static void run_slot(struct replay_worker *w, const struct replay_slot *s)
{
	int err = w->r->run(w->r->ctx, w->buf, s->data, s->len, s->ts);

	if (err && !atomic_fetch_add(&w->errors, 1))
		w->first_err = err;
}

static void *worker_main(void *arg)
{
	struct replay_worker *w = arg;
	struct replay *r = w->r;
	unsigned int spins = 0;

	for (;;) {
		uint64_t tail = atomic_load_explicit(&w->tail, memory_order_relaxed);

		if (tail != atomic_load_explicit(&w->head, memory_order_acquire)) {
			run_slot(w, &w->slots[tail % REPLAY_SLOTS]);
			atomic_store_explicit(&w->tail, tail + 1, memory_order_release);
			spins = 0;
			continue;
		}
		if (atomic_load(&r->stop))
			return NULL;
		if (spins < SPINS * 64) {
			relax(&spins);
			continue;
		}
		pthread_mutex_lock(&w->mu);
		atomic_store(&w->sleeping, 1);
		while (atomic_load(&w->tail) == atomic_load(&w->head) && !atomic_load(&r->stop))
			pthread_cond_wait(&w->cv, &w->mu);
		atomic_store(&w->sleeping, 0);
		pthread_mutex_unlock(&w->mu);
		spins = 0;
	}
}

static void wake(struct replay_worker *w)
{
	if (atomic_load(&w->sleeping)) {
		pthread_mutex_lock(&w->mu);
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
}

static void push(struct replay_worker *w, const uint8_t *frame, uint32_t len, uint64_t ts)
{
	uint64_t head = atomic_load_explicit(&w->head, memory_order_relaxed);
	struct replay_slot *s;
	unsigned int spins = 0;

	while (head - atomic_load_explicit(&w->tail, memory_order_acquire) >= REPLAY_SLOTS)
		relax(&spins);
	s = &w->slots[head % REPLAY_SLOTS];
	s->len = len;
	s->ts = ts;
	memcpy(s->data, frame, len);
	atomic_store(&w->head, head + 1);
	wake(w);
}

int replay_init(struct replay *r, unsigned int workers, const uint16_t *sip_ports, int nr_sip_ports,
		replay_run_fn run, replay_consume_fn consume, void *ctx)
{
	unsigned int i;
	int err;

	memset(r, 0, sizeof(*r));
	r->run = run;
	r->consume = consume;
	r->ctx = ctx;
	for (i = 0; i < (unsigned int)nr_sip_ports && i < SIPXDP_MAX_SIP_PORTS; i++)
		r->sip_ports[i] = htons(sip_ports[i]);
	r->nr_sip_ports = i;
	r->buf = malloc(sizeof(struct sipxdp_xdp_meta) + REPLAY_FRAME_MAX);
	if (!r->buf)
		return -ENOMEM;
	if (workers > REPLAY_MAX_WORKERS)
		workers = REPLAY_MAX_WORKERS;
	if (!workers)
		return 0;
	/*
	 * The main thread also reads the capture and sorts the frames: it runs
	 * a little less than a worker's share (7 of 16 buckets beside one
	 * worker, measured best on two CPUs), the workers split the rest.
	 */
	r->main_share = LANE_BUCKETS / (workers + 1) > 1 ? LANE_BUCKETS / (workers + 1) - 1 : 1;
	r->workers = calloc(workers, sizeof(*r->workers));
	if (!r->workers) {
		replay_free(r);
		return -ENOMEM;
	}
	for (i = 0; i < workers; i++) {
		struct replay_worker *w = &r->workers[i];

		w->r = r;
		w->slots = calloc(REPLAY_SLOTS, sizeof(*w->slots));
		pthread_mutex_init(&w->mu, NULL);
		pthread_cond_init(&w->cv, NULL);
		if (!w->slots || (err = -pthread_create(&w->thread, NULL, worker_main, w))) {
			int rc = w->slots ? err : -ENOMEM;

			free(w->slots);
			pthread_mutex_destroy(&w->mu);
			pthread_cond_destroy(&w->cv);
			r->nworkers = i;
			replay_free(r);		/* frees w */
			return rc;
		}
		r->nworkers = i + 1;
	}
	return 0;
}

static int drain(struct replay *r)
{
	unsigned int i;
	uint64_t errors = 0;
	int first = 0;

	for (i = 0; i < r->nworkers; i++) {
		struct replay_worker *w = &r->workers[i];
		unsigned int spins = 0;

		while (atomic_load_explicit(&w->tail, memory_order_acquire) != atomic_load(&w->head))
			relax(&spins);
		if (atomic_load(&w->errors) && !first)
			first = w->first_err;
		errors += atomic_exchange(&w->errors, 0);
	}
	if (errors)
		pr_warn("replay: %llu frames failed to run beside others (%s)\n", (unsigned long long)errors,
			strerror(-first));
	return errors ? -EIO : 0;
}

int replay_sync(struct replay *r)
{
	int err = drain(r), c;

	c = r->consume(r->ctx);
	r->since_consume = 0;
	return err ? err : c < 0 ? c : 0;
}

/* A stream's first packet (or one past the memory of streams) is ordered. */
static bool stream_started(struct replay *r, const struct seen_key *k)
{
	struct replay_seen *s;

	HASH_FIND(hh, r->seen, k, sizeof(*k), s);
	if (s)
		return true;
	if (r->nseen >= REPLAY_SEEN_MAX)
		return false;
	s = malloc(sizeof(*s));
	if (!s)
		return false;
	s->key = *k;
	HASH_ADD(hh, r->seen, key, sizeof(s->key), s);
	r->nseen++;
	return false;
}

int replay_frame(struct replay *r, const uint8_t *frame, uint32_t len, uint64_t ts_ns)
{
	struct laned l;
	unsigned int bucket;
	int err, c;

	if (r->nworkers && len <= REPLAY_SLOT_BYTES && lane_of(r, frame, len, &l) && stream_started(r, &l.key)) {
		struct { uint8_t dst[16]; uint16_t port; } where;

		memcpy(where.dst, l.key.dst, sizeof(where.dst));
		where.port = l.key.dport;
		bucket = hashing_bucket(&where, sizeof(where)) % LANE_BUCKETS;
		r->laned++;
		if (bucket < r->main_share) {
			err = r->run(r->ctx, r->buf, frame, len, ts_ns);
		} else {
			push(&r->workers[(bucket - r->main_share) % r->nworkers], frame, len, ts_ns);
			err = 0;
		}
		if (++r->since_consume >= CONSUME_EVERY) {
			c = r->consume(r->ctx);
			r->since_consume = 0;
			if (c < 0 && !err)
				err = c;
		}
		return err;
	}
	r->ordered++;
	if (len > REPLAY_FRAME_MAX)
		return -EMSGSIZE;
	err = r->nworkers ? drain(r) : 0;
	c = r->run(r->ctx, r->buf, frame, len, ts_ns);
	err = err ? err : c;
	/* SIP must be handled before the next frame, whose RTP it may announce. */
	c = r->consume(r->ctx);
	r->since_consume = 0;
	return err ? err : c < 0 ? c : 0;
}

void replay_forget_streams(struct replay *r)
{
	struct replay_seen *s, *tmp;

	HASH_FREE_ALL(r->seen, s, tmp);
	r->nseen = 0;
}

void replay_free(struct replay *r)
{
	unsigned int i;

	drain(r);	/* every frame given runs, even when the caller did not sync */
	atomic_store(&r->stop, 1);
	for (i = 0; i < r->nworkers; i++) {
		struct replay_worker *w = &r->workers[i];

		pthread_mutex_lock(&w->mu);
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		free(w->slots);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
	}
	free(r->workers);
	free(r->buf);
	replay_forget_streams(r);
	r->buf = NULL;
	r->workers = NULL;
	r->nworkers = 0;
}
