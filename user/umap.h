/* SPDX-License-Identifier: GPL-2.0 */
/*
 * umap.h - BPF maps in user space, with the kernel's semantics, for the XDP
 * program compiled natively (user/uxdp/prog.c): what the program's helpers
 * do to a map, and what user space reads of it.
 *
 *  - BPF_MAP_TYPE_HASH, preallocated: at most max_entries keys, a new one
 *    past that refused with -E2BIG; BPF_NOEXIST, BPF_EXIST and BPF_ANY as the
 *    kernel has them; an update of a present key takes a fresh element and
 *    puts the old one back, so that a reader holding the old value reads it
 *    whole (room for it is kept, as the kernel keeps an element per CPU).
 *  - BPF_MAP_TYPE_LRU_HASH: when full, a new key evicts the least recently
 *    used (exactly; the kernel's LRU is approximate, see umap.c).
 *  - BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY: a per-CPU lookup
 *    returns the calling CPU's value (umap_cpu()).
 *  - BPF_MAP_TYPE_RINGBUF: records in the order they were written, refused
 *    (-EAGAIN) when the ring has no room, with the kernel's accounting.
 *
 * Thread safety: lookups, updates and deletes from any thread at once (a
 * lock per hash bucket; a map lock for an LRU and the ring's producers);
 * one ring consumer.  Elements are never freed before the map, so a value
 * pointer returned by a lookup stays valid memory; like the kernel's
 * preallocated maps, a deleted element may be reused by a later insert.
 *
 * A "CPU" is a slot a thread takes with umap_cpu_set(): per-CPU maps hold
 * nr_cpus values.  Functions return 0 or -errno unless said.
 */
#ifndef SIPXDP_UMAP_H
#define SIPXDP_UMAP_H

#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

struct umap;

/* max_entries: for a ring buffer, its size in bytes (a power of 2 and of the page size). */
int umap_create(struct umap **out, enum bpf_map_type type, uint32_t key_size, uint32_t value_size,
		uint32_t max_entries, unsigned int nr_cpus);
void umap_free(struct umap *m);

/* The calling thread's CPU slot, below nr_cpus of every per-CPU map it reads; -1 before any. */
void umap_cpu_set(int cpu);
int umap_cpu(void);

/* What the program's helpers do. */
void *umap_lookup(struct umap *m, const void *key);
long umap_update(struct umap *m, const void *key, const void *value, uint64_t flags);
long umap_delete(struct umap *m, const void *key);
long umap_ringbuf_output(struct umap *m, const void *data, uint64_t size, uint64_t flags);
uint64_t umap_ringbuf_query(struct umap *m, uint64_t flags);
void umap_spin_lock(struct bpf_spin_lock *lock);
void umap_spin_unlock(struct bpf_spin_lock *lock);

/*
 * What user space reads, as the bpf() system call gives it.  lock_off: the
 * offset of a struct bpf_spin_lock in the value, or -1: with one, the value
 * is copied under that lock and the copy's lock word is 0 (BPF_F_LOCK).
 * A per-CPU map's value is every CPU's, one after the other (value_size
 * rounded up to 8 each).
 */
int umap_lookup_copy(struct umap *m, const void *key, void *value, int lock_off);
/*
 * A batch of keys and values of a hash map, whole buckets at a time from
 * *cursor (0 to start): how many were copied (up to cap), *cursor moved
 * past them; 0 once the walk is done.  -ENOSPC when the next bucket alone
 * holds more than cap entries (*need says how many).
 */
int umap_batch(struct umap *m, uint32_t *cursor, void *keys, void *values, uint32_t cap, int lock_off,
	       uint32_t *need);
/* Entries of a hash map (for tests and logs). */
uint32_t umap_count(const struct umap *m);

/*
 * Hand every record written so far to cb, in order, each with its length as
 * written: how many (cb returning non-zero stops after its record).  One
 * consumer at a time.
 */
typedef int (*umap_ring_cb)(void *ctx, void *data, size_t size);
int umap_ringbuf_consume(struct umap *m, umap_ring_cb cb, void *ctx);

#endif /* SIPXDP_UMAP_H */
