// SPDX-License-Identifier: GPL-2.0
/*
 * test_umap.c - BPF maps in user space (user/umap.c) hold to the kernel's
 * semantics where the program or the agent can tell: update flags, a full
 * preallocated hash, a replaced value still readable through the old
 * pointer, LRU eviction, per-CPU slots, batches of whole buckets, copies
 * under a value's spin lock, the ring buffer's order, accounting and wrap,
 * and many threads on one map.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "umap.h"

struct val {
	struct bpf_spin_lock lock;
	uint32_t a;
	uint64_t b;
};

static struct umap *hash(enum bpf_map_type type, uint32_t max)
{
	struct umap *m;

	assert_int_equal(umap_create(&m, type, sizeof(uint32_t), sizeof(struct val), max, 2), 0);
	return m;
}

static void test_hash_flags(void **state)
{
	struct umap *m = hash(BPF_MAP_TYPE_HASH, 4);
	struct val v = { .a = 1 }, out;
	uint32_t k = 7, missing = 8;
	struct val *p;

	(void)state;
	assert_null(umap_lookup(m, &k));
	assert_int_equal(umap_update(m, &k, &v, BPF_EXIST), -ENOENT);
	assert_int_equal(umap_update(m, &k, &v, BPF_NOEXIST), 0);
	assert_int_equal(umap_update(m, &k, &v, BPF_NOEXIST), -EEXIST);
	assert_int_equal(umap_update(m, &k, &v, BPF_F_LOCK), -EINVAL);
	p = umap_lookup(m, &k);
	assert_non_null(p);
	assert_int_equal(p->a, 1);
	/* Replaced: a fresh element; the old one, held by a reader, still reads whole. */
	v.a = 2;
	assert_int_equal(umap_update(m, &k, &v, BPF_EXIST), 0);
	assert_int_equal(p->a, 1);
	assert_int_equal(((struct val *)umap_lookup(m, &k))->a, 2);
	assert_int_equal(umap_lookup_copy(m, &k, &out, -1), 0);
	assert_int_equal(out.a, 2);
	assert_int_equal(umap_lookup_copy(m, &missing, &out, -1), -ENOENT);
	assert_int_equal(umap_delete(m, &missing), -ENOENT);
	assert_int_equal(umap_delete(m, &k), 0);
	assert_null(umap_lookup(m, &k));
	assert_int_equal(umap_count(m), 0);
	umap_free(m);
}

/* max_entries keys, no more; a present key is still replaced; a place freed is taken again. */
static void test_hash_full(void **state)
{
	struct umap *m = hash(BPF_MAP_TYPE_HASH, 16);
	struct val v = { .a = 1 };
	uint32_t k, round;

	(void)state;
	for (k = 0; k < 16; k++)
		assert_int_equal(umap_update(m, &k, &v, BPF_ANY), 0);
	assert_int_equal(umap_update(m, &k, &v, BPF_ANY), -E2BIG);
	/* Replacing in a full map, again and again: the element given back is taken again. */
	for (round = 0; round < 100; round++) {
		k = round % 16;
		v.a = round;
		assert_int_equal(umap_update(m, &k, &v, BPF_ANY), 0);
	}
	assert_int_equal(umap_count(m), 16);
	k = 3;
	assert_int_equal(umap_delete(m, &k), 0);
	k = 99;
	assert_int_equal(umap_update(m, &k, &v, BPF_NOEXIST), 0);
	k = 100;
	assert_int_equal(umap_update(m, &k, &v, BPF_NOEXIST), -E2BIG);
	umap_free(m);
}

/* The least recently used goes, a lookup making a key recent. */
static void test_lru(void **state)
{
	struct umap *m = hash(BPF_MAP_TYPE_LRU_HASH, 3);
	struct val v = { 0 };
	uint32_t k;

	(void)state;
	for (k = 1; k <= 3; k++)
		assert_int_equal(umap_update(m, &k, &v, BPF_ANY), 0);
	k = 1;
	assert_non_null(umap_lookup(m, &k));	/* 2 is now the least recent */
	k = 4;
	assert_int_equal(umap_update(m, &k, &v, BPF_ANY), 0);
	k = 2;
	assert_null(umap_lookup(m, &k));
	for (k = 1; k <= 4; k++)
		if (k != 2)
			assert_non_null(umap_lookup(m, &k));
	/* Looked up in the order 1, 3, 4: a fifth key evicts 1. */
	k = 5;
	assert_int_equal(umap_update(m, &k, &v, BPF_NOEXIST), 0);
	k = 1;
	assert_null(umap_lookup(m, &k));
	k = 3;
	assert_non_null(umap_lookup(m, &k));
	assert_int_equal(umap_count(m), 3);
	umap_free(m);
}

static void test_arrays(void **state)
{
	struct umap *a, *pc;
	uint64_t out[4], *p;
	uint32_t k = 0, past = 2;

	(void)state;
	assert_int_equal(umap_create(&a, BPF_MAP_TYPE_ARRAY, 4, 8, 2, 4), 0);
	assert_int_equal(umap_create(&pc, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 4), 0);
	assert_non_null(umap_lookup(a, &k));
	assert_null(umap_lookup(a, &past));
	assert_int_equal(umap_update(a, &k, &(uint64_t){ 5 }, BPF_NOEXIST), -EEXIST);
	assert_int_equal(umap_delete(a, &k), -EINVAL);
	/* Each thread its CPU's value; the copy, every CPU's. */
	umap_cpu_set(-1);
	assert_null(umap_lookup(pc, &k));
	for (int cpu = 0; cpu < 4; cpu++) {
		umap_cpu_set(cpu);
		p = umap_lookup(pc, &k);
		assert_non_null(p);
		*p += 10 + cpu;
	}
	umap_cpu_set(4);
	assert_null(umap_lookup(pc, &k));
	assert_int_equal(umap_lookup_copy(pc, &k, out, -1), 0);
	assert_true(out[0] == 10 && out[1] == 11 && out[2] == 12 && out[3] == 13);
	umap_cpu_set(-1);
	umap_free(a);
	umap_free(pc);
}

/* Whole buckets a batch, every key once; values copied under their lock, the copy's lock word 0. */
static void test_batch(void **state)
{
	struct umap *m = hash(BPF_MAP_TYPE_HASH, 64);
	uint32_t keys[64], cursor = 0, need = 0, k, seen[50] = { 0 }, total = 0;
	struct val vals[64], v;
	struct val *p;
	int n;

	(void)state;
	for (k = 0; k < 50; k++) {
		v = (struct val){ .a = k, .b = k * 3 };
		assert_int_equal(umap_update(m, &k, &v, BPF_NOEXIST), 0);
	}
	k = 9;
	p = umap_lookup(m, &k);
	/* No room for the first bucket that has keys: how many it holds. */
	assert_int_equal(umap_batch(m, &cursor, keys, vals, 0, -1, &need), -ENOSPC);
	assert_true(need >= 1);
	cursor = 0;
	while ((n = umap_batch(m, &cursor, keys, vals, 8, offsetof(struct val, lock), &need)) != 0) {
		if (n == -ENOSPC) {
			fail_msg("a bucket of %u keys", need);
			break;
		}
		assert_true(n > 0 && n <= 8);
		for (int i = 0; i < n; i++) {
			assert_true(keys[i] < 50);
			assert_int_equal(vals[i].a, keys[i]);
			assert_int_equal(vals[i].b, keys[i] * 3);
			assert_int_equal(vals[i].lock.val, 0);
			seen[keys[i]]++;
			total++;
		}
	}
	assert_int_equal(total, 50);
	for (k = 0; k < 50; k++)
		assert_int_equal(seen[k], 1);
	/* A lock word set in the map is not copied out. */
	k = 9;
	umap_spin_lock(&p->lock);
	assert_int_equal(p->lock.val, 1);
	assert_int_equal(umap_lookup_copy(m, &k, &v, -1), 0);	/* no lock taken: the word as it is */
	assert_int_equal(v.lock.val, 1);
	umap_spin_unlock(&p->lock);
	assert_int_equal(umap_lookup_copy(m, &k, &v, offsetof(struct val, lock)), 0);
	assert_int_equal(v.lock.val, 0);
	assert_int_equal(v.b, 27);
	umap_free(m);
}

struct rec_log {
	int n;
	uint32_t first[8];
	size_t size[8];
	int stop_at;
};

static int on_rec(void *ctx, void *data, size_t size)
{
	struct rec_log *l = ctx;

	if (l->n < 8) {
		memcpy(&l->first[l->n], data, sizeof(uint32_t));
		l->size[l->n] = size;
	}
	l->n++;
	return l->n == l->stop_at;
}

/* The kernel's accounting: 8-byte header, 8-aligned, at most size - 1 bytes ahead of the consumer. */
static void test_ringbuf(void **state)
{
	static uint8_t big[4096];
	struct umap *rb;
	struct rec_log log = { 0 };
	uint32_t i;

	(void)state;
	assert_int_equal(umap_create(&rb, BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 1), 0);
	assert_int_equal(umap_ringbuf_query(rb, BPF_RB_RING_SIZE), 4096);
	/* 13 bytes take 24; 170 of them 4080; a 171st does not fit (4104 > 4095), an empty one does. */
	for (i = 0; i < 170; i++) {
		memcpy(big, &i, sizeof(i));
		assert_int_equal(umap_ringbuf_output(rb, big, 13, 0), 0);
	}
	assert_int_equal(umap_ringbuf_query(rb, BPF_RB_AVAIL_DATA), 170 * 24);
	assert_int_equal(umap_ringbuf_output(rb, big, 13, BPF_RB_NO_WAKEUP), -EAGAIN);
	assert_int_equal(umap_ringbuf_output(rb, big, 8, 0), -EAGAIN);	/* 4096 bytes ahead: one too many */
	assert_int_equal(umap_ringbuf_output(rb, big, 0, BPF_RB_FORCE_WAKEUP), 0);	/* 4088 */
	assert_int_equal(umap_ringbuf_output(rb, big, 13, 1 << 5), -EINVAL);
	assert_int_equal(umap_ringbuf_output(rb, big, 4096, 0), -EAGAIN);
	log.stop_at = 2;
	assert_int_equal(umap_ringbuf_consume(rb, on_rec, &log), 2);
	assert_true(log.first[0] == 0 && log.first[1] == 1 && log.size[0] == 13);
	log = (struct rec_log){ 0 };
	assert_int_equal(umap_ringbuf_consume(rb, on_rec, &log), 169);
	assert_int_equal(log.size[0], 13);
	assert_int_equal(log.size[7], 13);
	assert_int_equal(umap_ringbuf_query(rb, BPF_RB_AVAIL_DATA), 0);
	/* A record that runs past the end is read whole. */
	memset(big, 0xab, sizeof(big));
	assert_int_equal(umap_ringbuf_output(rb, big, 1000, 0), 0);
	log = (struct rec_log){ 0 };
	assert_int_equal(umap_ringbuf_consume(rb, on_rec, &log), 1);
	assert_int_equal(log.size[0], 1000);
	assert_int_equal(log.first[0], 0xabababab);
	umap_free(rb);
}

struct worker {
	struct umap *m;
	int id;
	struct bpf_spin_lock *lock;
	uint64_t *shared;
};

/* Each thread its own keys, and one shared counter under a spin lock. */
static void *hammer(void *arg)
{
	struct worker *w = arg;
	struct val v = { 0 };
	uint32_t k;
	int round;

	for (round = 0; round < 200; round++) {
		for (k = w->id * 100; k < w->id * 100u + 100; k++) {
			v.a = round;
			if (umap_update(w->m, &k, &v, BPF_ANY) || !umap_lookup(w->m, &k))
				return (void *)1;
			if (round % 2 && umap_delete(w->m, &k))
				return (void *)1;
		}
		umap_spin_lock(w->lock);
		(*w->shared)++;
		umap_spin_unlock(w->lock);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct umap *m = hash(BPF_MAP_TYPE_HASH, 400);
	struct bpf_spin_lock lock = { 0 };
	uint64_t shared = 0;
	struct worker w[4];
	pthread_t th[4];
	void *ret;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ m, i, &lock, &shared };
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(shared, 4 * 200);
	assert_int_equal(umap_count(m), 0);	/* the last round, odd, deleted every key */
	umap_free(m);
}

static void test_create(void **state)
{
	struct umap *m;

	(void)state;
	assert_int_equal(umap_create(&m, BPF_MAP_TYPE_RINGBUF, 0, 0, 5000, 1), -EINVAL);
	assert_int_equal(umap_create(&m, BPF_MAP_TYPE_ARRAY, 8, 8, 1, 1), -EINVAL);
	assert_int_equal(umap_create(&m, BPF_MAP_TYPE_SOCKMAP, 4, 4, 1, 1), -EINVAL);
	assert_int_equal(umap_create(&m, BPF_MAP_TYPE_HASH, 4, 4, 0, 1), -EINVAL);
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_flags),
		cmocka_unit_test(test_hash_full),
		cmocka_unit_test(test_lru),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_ringbuf),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_create),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
