// SPDX-License-Identifier: GPL-2.0
/*
 * umap.c - BPF maps in user space (umap.h).
 *
 * A hash map is an array of elements carved out as they are first needed
 * (max_entries and a few more for updates in flight, as the kernel keeps an
 * element per CPU for them) and buckets of a spin lock and a chain, keyed
 * with this process's SipHash key (hashing.h): the keys are packet bytes.
 * An LRU map is the same under one map lock, with a recency list: exact,
 * where the kernel's (per-CPU free lists, a reference bit) evicts only
 * roughly the least recently used, so the two part only when the map is
 * full.  A ring buffer is the kernel's: 8-byte headers, records 8-aligned,
 * positions that only grow; its data is twice its size, so that a record
 * running past the end stays contiguous, as the kernel maps its ring
 * twice over (anonymous memory, touched only where records go).
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hashing.h"
#include "umap.h"

#define NIL UINT32_MAX
#define ALIGN8(x) (((x) + 7) & ~(size_t)7)
#define RB_HDR 8
#define CACHELINE 64

/* In front of each element of a hash map: its chain, its hash, its place in an LRU's list. */
struct elem {
	uint32_t next;
	uint32_t hash;
	uint32_t lru_prev, lru_next;
};

struct bucket {
	uint32_t lock;
	uint32_t head;
};

struct umap {
	enum bpf_map_type type;
	uint32_t key_size, value_size, max_entries;
	unsigned int nr_cpus;
	size_t key_room, value_room;	/* key and value sizes rounded up to 8 */
	/* hash and LRU hash */
	struct bucket *buckets;
	uint32_t nbuckets;		/* a power of 2 */
	uint8_t *elems;
	size_t elem_size;
	uint32_t nelems;
	uint32_t free_lock, free_head, fresh;	/* elements given back; never used yet from fresh */
	uint32_t count;			/* keys present */
	uint32_t lru_lock, lru_head, lru_tail;	/* the LRU's map lock; least recently used first */
	/* arrays: per-CPU values are `stride` apart, each CPU's on its own cache lines */
	uint8_t *values;
	size_t stride;
	/* ring buffer */
	uint8_t *ring;
	uint64_t mask;
	uint32_t ring_lock;
	uint64_t prod_pos, cons_pos;
};

static __thread int cpu_slot = -1;

void umap_cpu_set(int cpu)
{
	cpu_slot = cpu;
}

int umap_cpu(void)
{
	return cpu_slot;
}

static void relax(unsigned int *n)
{
	if (++*n % 128) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
		return;
	}
	sched_yield();	/* the holder may have been preempted: let it run */
}

static void lock(uint32_t *l)
{
	unsigned int n = 0;

	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			relax(&n);
}

static void unlock(uint32_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

void umap_spin_lock(struct bpf_spin_lock *l)
{
	lock(&l->val);
}

void umap_spin_unlock(struct bpf_spin_lock *l)
{
	unlock(&l->val);
}

static bool is_hash(const struct umap *m)
{
	return m->type == BPF_MAP_TYPE_HASH || m->type == BPF_MAP_TYPE_LRU_HASH;
}

static bool is_array(const struct umap *m)
{
	return m->type == BPF_MAP_TYPE_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static struct elem *elem_at(const struct umap *m, uint32_t i)
{
	return (struct elem *)(m->elems + (size_t)i * m->elem_size);
}

static uint32_t index_of(const struct umap *m, const struct elem *e)
{
	return ((const uint8_t *)e - m->elems) / m->elem_size;
}

static uint8_t *key_of(struct elem *e)
{
	return (uint8_t *)(e + 1);
}

static uint8_t *value_of(const struct umap *m, struct elem *e)
{
	return key_of(e) + m->key_room;
}

int umap_create(struct umap **out, enum bpf_map_type type, uint32_t key_size, uint32_t value_size,
		uint32_t max_entries, unsigned int nr_cpus)
{
	struct umap *m;

	*out = NULL;
	if (!max_entries || !nr_cpus)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->type = type;
	m->key_size = key_size;
	m->value_size = value_size;
	m->max_entries = max_entries;
	m->nr_cpus = nr_cpus;
	m->key_room = ALIGN8(key_size);
	m->value_room = ALIGN8(value_size);
	m->free_head = m->lru_head = m->lru_tail = NIL;
	switch (type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
		if (!key_size || !value_size || max_entries > (1U << 30))
			goto inval;
		/* As the kernel: a bucket per entry, rounded up to a power of 2. */
		for (m->nbuckets = 1; m->nbuckets < max_entries; m->nbuckets <<= 1)
			;
		m->elem_size = sizeof(struct elem) + m->key_room + m->value_room;
		m->nelems = max_entries + nr_cpus + 1;
		m->buckets = malloc(m->nbuckets * sizeof(*m->buckets));
		/* calloc: memory the map never reaches is never touched. */
		m->elems = calloc(m->nelems, m->elem_size);
		if (!m->buckets || !m->elems)
			goto nomem;
		for (uint32_t i = 0; i < m->nbuckets; i++)
			m->buckets[i] = (struct bucket){ 0, NIL };
		hashing_bucket(&type, sizeof(type));	/* its key drawn now, before threads share it */
		break;
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		if (key_size != 4 || !value_size)
			goto inval;
		if (type == BPF_MAP_TYPE_ARRAY)
			m->stride = m->value_room;
		else
			m->stride = (m->value_room + CACHELINE - 1) & ~(size_t)(CACHELINE - 1);
		m->values = calloc((size_t)max_entries * (type == BPF_MAP_TYPE_ARRAY ? 1 : nr_cpus), m->stride);
		if (!m->values)
			goto nomem;
		break;
	case BPF_MAP_TYPE_RINGBUF:
		if (key_size || value_size || (max_entries & (max_entries - 1)) || max_entries < 4096)
			goto inval;
		m->mask = max_entries - 1;
		/* Anonymous memory, zero and untouched until written: no 16 MiB to clear at start. */
		m->ring = mmap(NULL, 2 * (size_t)max_entries, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m->ring == MAP_FAILED) {
			m->ring = NULL;
			goto nomem;
		}
		break;
	default:
		goto inval;
	}
	*out = m;
	return 0;
inval:
	umap_free(m);
	return -EINVAL;
nomem:
	umap_free(m);
	return -ENOMEM;
}

void umap_free(struct umap *m)
{
	if (!m)
		return;
	free(m->buckets);
	free(m->elems);
	free(m->values);
	if (m->ring)
		munmap(m->ring, 2 * (m->mask + 1));
	free(m);
}

uint32_t umap_count(const struct umap *m)
{
	return is_hash(m) ? __atomic_load_n(&m->count, __ATOMIC_RELAXED) : 0;
}

/* --- hash maps ------------------------------------------------------ */

static struct bucket *bucket_of(const struct umap *m, uint32_t hash)
{
	return &m->buckets[hash & (m->nbuckets - 1)];
}

/* The element of key in bucket b (locked), and the link that points to it. */
static struct elem *find(const struct umap *m, struct bucket *b, const void *key, uint32_t hash,
			 uint32_t **link)
{
	uint32_t *l = &b->head;

	while (*l != NIL) {
		struct elem *e = elem_at(m, *l);

		if (e->hash == hash && !memcmp(key_of(e), key, m->key_size)) {
			if (link)
				*link = l;
			return e;
		}
		l = &e->next;
	}
	return NULL;
}

static struct elem *elem_alloc(struct umap *m)
{
	struct elem *e = NULL;

	lock(&m->free_lock);
	if (m->free_head != NIL) {
		e = elem_at(m, m->free_head);
		m->free_head = e->next;
	} else if (m->fresh < m->nelems) {
		e = elem_at(m, m->fresh++);
	}
	unlock(&m->free_lock);
	return e;
}

static void elem_release(struct umap *m, struct elem *e)
{
	lock(&m->free_lock);
	e->next = m->free_head;
	m->free_head = index_of(m, e);
	unlock(&m->free_lock);
}

/* A place for a new key: false when max_entries are present. */
static bool count_take(struct umap *m)
{
	if (__atomic_fetch_add(&m->count, 1, __ATOMIC_RELAXED) < m->max_entries)
		return true;
	__atomic_fetch_sub(&m->count, 1, __ATOMIC_RELAXED);
	return false;
}

/* LRU list (under the map lock): out of it, and in at its most recent end. */
static void lru_unlink(struct umap *m, struct elem *e)
{
	if (e->lru_prev != NIL)
		elem_at(m, e->lru_prev)->lru_next = e->lru_next;
	else
		m->lru_head = e->lru_next;
	if (e->lru_next != NIL)
		elem_at(m, e->lru_next)->lru_prev = e->lru_prev;
	else
		m->lru_tail = e->lru_prev;
}

static void lru_append(struct umap *m, struct elem *e)
{
	uint32_t i = index_of(m, e);

	e->lru_prev = m->lru_tail;
	e->lru_next = NIL;
	if (m->lru_tail != NIL)
		elem_at(m, m->lru_tail)->lru_next = i;
	else
		m->lru_head = i;
	m->lru_tail = i;
}

/* Take an element out of its bucket (locked, or the LRU's map lock held) and give it back. */
static void remove_elem(struct umap *m, struct elem *e, uint32_t *link)
{
	*link = e->next;
	if (m->type == BPF_MAP_TYPE_LRU_HASH)
		lru_unlink(m, e);
	__atomic_fetch_sub(&m->count, 1, __ATOMIC_RELAXED);
	elem_release(m, e);
}

/* A full LRU: the least recently used goes (map lock held). */
static void lru_evict(struct umap *m)
{
	struct elem *victim;
	uint32_t *link;

	if (m->lru_head == NIL)
		return;
	victim = elem_at(m, m->lru_head);
	if (find(m, bucket_of(m, victim->hash), key_of(victim), victim->hash, &link) == victim)
		remove_elem(m, victim, link);
}

/* The lock that guards bucket b: its own, or an LRU's map lock. */
static uint32_t *guard(struct umap *m, struct bucket *b)
{
	return m->type == BPF_MAP_TYPE_LRU_HASH ? &m->lru_lock : &b->lock;
}

static void *hash_lookup(struct umap *m, const void *key)
{
	uint32_t hash = hashing_bucket(key, m->key_size);
	struct bucket *b = bucket_of(m, hash);
	uint32_t *g = guard(m, b);
	struct elem *e;

	lock(g);
	e = find(m, b, key, hash, NULL);
	if (e && m->type == BPF_MAP_TYPE_LRU_HASH) {
		lru_unlink(m, e);
		lru_append(m, e);
	}
	unlock(g);
	return e ? value_of(m, e) : NULL;
}

static long hash_update(struct umap *m, const void *key, const void *value, uint64_t flags)
{
	uint32_t hash = hashing_bucket(key, m->key_size);
	struct bucket *b = bucket_of(m, hash);
	uint32_t *g = guard(m, b), *link = NULL;
	struct elem *old, *e;
	long err = 0;

	lock(g);
	old = find(m, b, key, hash, &link);
	if (old && flags == BPF_NOEXIST) {
		err = -EEXIST;
		goto out;
	}
	if (!old && flags == BPF_EXIST) {
		err = -ENOENT;
		goto out;
	}
	if (!old && !count_take(m)) {
		if (m->type != BPF_MAP_TYPE_LRU_HASH) {
			err = -E2BIG;
			goto out;
		}
		lru_evict(m);
		if (!count_take(m)) {
			err = -E2BIG;
			goto out;
		}
	}
	e = elem_alloc(m);
	if (!e) {
		if (!old)
			__atomic_fetch_sub(&m->count, 1, __ATOMIC_RELAXED);
		err = -ENOMEM;
		goto out;
	}
	e->hash = hash;
	memcpy(key_of(e), key, m->key_size);
	memcpy(value_of(m, e), value, m->value_size);
	if (old) {
		/* The old element goes back whole: a reader still holding it reads what it was. */
		e->next = old->next;
		*link = index_of(m, e);
		if (m->type == BPF_MAP_TYPE_LRU_HASH)
			lru_unlink(m, old);
		elem_release(m, old);
	} else {
		e->next = b->head;
		b->head = index_of(m, e);
	}
	if (m->type == BPF_MAP_TYPE_LRU_HASH)
		lru_append(m, e);
out:
	unlock(g);
	return err;
}

static long hash_delete(struct umap *m, const void *key)
{
	uint32_t hash = hashing_bucket(key, m->key_size);
	struct bucket *b = bucket_of(m, hash);
	uint32_t *g = guard(m, b), *link;
	struct elem *e;

	lock(g);
	e = find(m, b, key, hash, &link);
	if (e)
		remove_elem(m, e, link);
	unlock(g);
	return e ? 0 : -ENOENT;
}

/* A value out to user space: under its spin lock, if it has one, the copy's lock word cleared. */
static void copy_value(void *dst, uint8_t *src, size_t size, int lock_off)
{
	if (lock_off < 0) {
		memcpy(dst, src, size);
		return;
	}
	umap_spin_lock((struct bpf_spin_lock *)(src + lock_off));
	memcpy(dst, src, size);
	umap_spin_unlock((struct bpf_spin_lock *)(src + lock_off));
	memset((uint8_t *)dst + lock_off, 0, sizeof(struct bpf_spin_lock));
}

int umap_batch(struct umap *m, uint32_t *cursor, void *keys, void *values, uint32_t cap, int lock_off,
	       uint32_t *need)
{
	uint32_t got = 0;

	if (!is_hash(m))
		return -EINVAL;
	while (*cursor < m->nbuckets) {
		struct bucket *b = &m->buckets[*cursor];
		uint32_t *g = guard(m, b), n = 0, i;

		lock(g);
		for (i = b->head; i != NIL; i = elem_at(m, i)->next)
			n++;
		if (got + n > cap) {
			unlock(g);
			if (got)
				return got;
			*need = n;
			return -ENOSPC;
		}
		for (i = b->head; i != NIL; i = elem_at(m, i)->next, got++) {
			struct elem *e = elem_at(m, i);

			memcpy((uint8_t *)keys + (size_t)got * m->key_size, key_of(e), m->key_size);
			copy_value((uint8_t *)values + (size_t)got * m->value_size, value_of(m, e), m->value_size,
				   lock_off);
		}
		unlock(g);
		(*cursor)++;
	}
	return got;
}

/* --- every type ----------------------------------------------------- */

void *umap_lookup(struct umap *m, const void *key)
{
	uint32_t i;
	int cpu;

	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
		memcpy(&i, key, sizeof(i));
		return i < m->max_entries ? m->values + (size_t)i * m->stride : NULL;
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		memcpy(&i, key, sizeof(i));
		cpu = umap_cpu();
		if (i >= m->max_entries || cpu < 0 || (unsigned int)cpu >= m->nr_cpus)
			return NULL;
		return m->values + ((size_t)i * m->nr_cpus + cpu) * m->stride;
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
		return hash_lookup(m, key);
	default:
		return NULL;
	}
}

long umap_update(struct umap *m, const void *key, const void *value, uint64_t flags)
{
	void *v;

	if (flags > BPF_EXIST)
		return -EINVAL;
	if (is_hash(m))
		return hash_update(m, key, value, flags);
	if (!is_array(m))
		return -EINVAL;
	if (flags == BPF_NOEXIST)
		return -EEXIST;	/* an array's elements always exist */
	v = umap_lookup(m, key);
	if (!v)
		return m->type == BPF_MAP_TYPE_PERCPU_ARRAY && umap_cpu() < 0 ? -EINVAL : -E2BIG;
	memcpy(v, value, m->value_size);
	return 0;
}

long umap_delete(struct umap *m, const void *key)
{
	return is_hash(m) ? hash_delete(m, key) : -EINVAL;
}

int umap_lookup_copy(struct umap *m, const void *key, void *value, int lock_off)
{
	uint32_t i, hash;
	struct bucket *b;
	struct elem *e;
	uint32_t *g;

	switch (m->type) {
	case BPF_MAP_TYPE_ARRAY:
		memcpy(&i, key, sizeof(i));
		if (i >= m->max_entries)
			return -ENOENT;
		copy_value(value, m->values + (size_t)i * m->stride, m->value_size, lock_off);
		return 0;
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		memcpy(&i, key, sizeof(i));
		if (i >= m->max_entries)
			return -ENOENT;
		for (unsigned int c = 0; c < m->nr_cpus; c++)
			memcpy((uint8_t *)value + c * m->value_room,
			       m->values + ((size_t)i * m->nr_cpus + c) * m->stride, m->value_room);
		return 0;
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
		hash = hashing_bucket(key, m->key_size);
		b = bucket_of(m, hash);
		g = guard(m, b);
		lock(g);
		e = find(m, b, key, hash, NULL);
		if (e)
			copy_value(value, value_of(m, e), m->value_size, lock_off);
		unlock(g);
		return e ? 0 : -ENOENT;
	default:
		return -EINVAL;
	}
}

/* --- ring buffer ---------------------------------------------------- */

long umap_ringbuf_output(struct umap *m, const void *data, uint64_t size, uint64_t flags)
{
	uint64_t len = ALIGN8(size + RB_HDR), prod, cons;
	uint32_t hdr[2] = { (uint32_t)size, 0 };

	if (m->type != BPF_MAP_TYPE_RINGBUF || (flags & ~(uint64_t)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)))
		return -EINVAL;
	if (len > m->mask + 1)
		return -EAGAIN;
	lock(&m->ring_lock);
	cons = __atomic_load_n(&m->cons_pos, __ATOMIC_ACQUIRE);
	prod = m->prod_pos;
	/* The kernel's test: the producer never more than the ring's size - 1 ahead of the consumer. */
	if (prod + len - cons > m->mask) {
		unlock(&m->ring_lock);
		return -EAGAIN;
	}
	memcpy(m->ring + (prod & m->mask), hdr, sizeof(hdr));
	memcpy(m->ring + (prod & m->mask) + RB_HDR, data, size);
	__atomic_store_n(&m->prod_pos, prod + len, __ATOMIC_RELEASE);
	unlock(&m->ring_lock);
	return 0;
}

uint64_t umap_ringbuf_query(struct umap *m, uint64_t flags)
{
	uint64_t prod = __atomic_load_n(&m->prod_pos, __ATOMIC_ACQUIRE);
	uint64_t cons = __atomic_load_n(&m->cons_pos, __ATOMIC_ACQUIRE);

	switch (flags) {
	case BPF_RB_AVAIL_DATA:
		return prod - cons;
	case BPF_RB_RING_SIZE:
		return m->mask + 1;
	case BPF_RB_CONS_POS:
		return cons;
	case BPF_RB_PROD_POS:
		return prod;
	default:
		return 0;
	}
}

int umap_ringbuf_consume(struct umap *m, umap_ring_cb cb, void *ctx)
{
	uint64_t cons = __atomic_load_n(&m->cons_pos, __ATOMIC_RELAXED), prod;
	int n = 0;
	bool more;

	if (m->type != BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	/* As libbpf's ring_buffer__consume(): until a look at the producer finds nothing new. */
	do {
		more = false;
		prod = __atomic_load_n(&m->prod_pos, __ATOMIC_ACQUIRE);
		while (cons < prod) {
			uint8_t *rec = m->ring + (cons & m->mask);
			uint32_t size;
			int stop;

			memcpy(&size, rec, sizeof(size));
			stop = cb(ctx, rec + RB_HDR, size);
			cons += ALIGN8(size + RB_HDR);
			__atomic_store_n(&m->cons_pos, cons, __ATOMIC_RELEASE);
			if (n < __INT_MAX__)
				n++;
			if (stop)
				return n;
			more = true;
		}
	} while (more);
	return n;
}
