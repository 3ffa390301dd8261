// SPDX-License-Identifier: GPL-2.0
/*
 * prog.c - the XDP program compiled natively: bpf/sipxdp.bpf.c itself,
 * included whole, over the runtime of user/uxdp/bpf/bpf_helpers.h, its
 * helpers defined below over user/umap.h (prog.h).
 *
 * Each map's layout comes from its own definition: libbpf's macros are
 * plain C, so sizeof(*map.key) is its key's size and sizeof(*map.type)
 * / sizeof(int) its type.  The first member of each definition, `type`, is
 * a pointer no one reads natively: binding stores the map's struct umap
 * there, and each helper finds its map in one load.
 *
 * The build makes every symbol of this file local but the uxdp_prog_* API
 * (Makefile): the program's globals (`streams`, `health`, ...) are not
 * the agent's names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sipxdp.bpf.c"

#include "umap.h"
#include "uxdp/prog.h"

#define TYPE_OF(m)	((enum bpf_map_type)(sizeof(*(m).type) / sizeof(int)))
#define ENTRIES_OF(m)	((uint32_t)(sizeof(*(m).max_entries) / sizeof(int)))
/* Maps declared with __type(key, ...) and __type(value, ...). */
#define TYPED(m)	{ { #m, TYPE_OF(m), sizeof(*(m).key), sizeof(*(m).value), ENTRIES_OF(m) }, &(m) }
/* ... with __uint(key_size, ...) and __uint(value_size, ...). */
#define SIZED(m)	{ { #m, TYPE_OF(m), sizeof(*(m).key_size) / sizeof(int), \
			    sizeof(*(m).value_size) / sizeof(int), ENTRIES_OF(m) }, &(m) }
#define RING(m)		{ { #m, TYPE_OF(m), 0, 0, ENTRIES_OF(m) }, &(m) }
#define TYPE_FIRST(m)	_Static_assert(__builtin_offsetof(typeof(m), type) == 0, #m ": type first")

TYPE_FIRST(endpoints);
TYPE_FIRST(streams);
TYPE_FIRST(ep_unpaired);
TYPE_FIRST(health);
TYPE_FIRST(sip_frags);
TYPE_FIRST(pending);
TYPE_FIRST(scratch);
TYPE_FIRST(pending_scratch);
TYPE_FIRST(events);
TYPE_FIRST(event_scratch);

static const struct {
	struct uxdp_map_def def;
	void *where;
} maps[UXDP_NR_MAPS] = {
	[UXDP_MAP_ENDPOINTS] = TYPED(endpoints),
	[UXDP_MAP_STREAMS] = TYPED(streams),
	[UXDP_MAP_EP_UNPAIRED] = TYPED(ep_unpaired),
	[UXDP_MAP_HEALTH] = TYPED(health),
	[UXDP_MAP_SIP_FRAGS] = TYPED(sip_frags),
	[UXDP_MAP_PENDING] = TYPED(pending),
	[UXDP_MAP_SCRATCH] = SIZED(scratch),
	[UXDP_MAP_PENDING_SCRATCH] = SIZED(pending_scratch),
	[UXDP_MAP_EVENTS] = RING(events),
	[UXDP_MAP_EVENT_SCRATCH] = TYPED(event_scratch),
};

/* Every global, as loading the object would set it, for each binding to start from. */
#define GLOBAL(v) { (void *)&(v), sizeof(v) }
static const struct {
	void *addr;
	size_t size;
} globals[] = {
	GLOBAL(sip_ports), GLOBAL(nr_sip_ports), GLOBAL(clock_source), GLOBAL(tls_ports),
	GLOBAL(nr_tls_ports), GLOBAL(unpaired_max), GLOBAL(media_ports), GLOBAL(unpaired_created),
	GLOBAL(unpaired_released), GLOBAL(consumer_asleep),
};
#define NR_GLOBALS (sizeof(globals) / sizeof(globals[0]))

static uint8_t initial[sizeof(sip_ports) + sizeof(nr_sip_ports) + sizeof(clock_source) + sizeof(tls_ports) +
		       sizeof(nr_tls_ports) + sizeof(unpaired_max) + sizeof(media_ports) +
		       sizeof(unpaired_created) + sizeof(unpaired_released) + sizeof(consumer_asleep)];
static int saved, bound;

const struct uxdp_map_def *uxdp_prog_map_def(enum uxdp_map id)
{
	return id < UXDP_NR_MAPS ? &maps[id].def : NULL;
}

int uxdp_prog_bind(struct umap *const m[UXDP_NR_MAPS], struct uxdp_prog_vars *vars)
{
	size_t i, off = 0;

	if (__atomic_exchange_n(&bound, 1, __ATOMIC_ACQ_REL))
		return -EBUSY;
	for (i = 0; i < NR_GLOBALS; off += globals[i].size, i++) {
		if (saved)
			memcpy(globals[i].addr, initial + off, globals[i].size);
		else
			memcpy(initial + off, globals[i].addr, globals[i].size);
	}
	saved = 1;
	for (i = 0; i < UXDP_NR_MAPS; i++)
		memcpy(maps[i].where, &m[i], sizeof(m[i]));
	*vars = (struct uxdp_prog_vars){
		.sip_ports = sip_ports, .nr_sip_ports = &nr_sip_ports, .tls_ports = tls_ports,
		.nr_tls_ports = &nr_tls_ports, .clock_source = &clock_source, .unpaired_max = &unpaired_max,
		.media_ports = media_ports, .unpaired_created = &unpaired_created,
		.unpaired_released = &unpaired_released, .consumer_asleep = &consumer_asleep,
	};
	return 0;
}

void uxdp_prog_unbind(void)
{
	static struct umap *const none[UXDP_NR_MAPS];
	size_t i;

	for (i = 0; i < UXDP_NR_MAPS; i++)
		memcpy(maps[i].where, &none[i], sizeof(none[i]));
	__atomic_store_n(&bound, 0, __ATOMIC_RELEASE);
}

int uxdp_prog_xdp(uint8_t *buf, uint32_t len, uint32_t linear, uint32_t ingress_ifindex)
{
	struct uxdp_md ctx = {
		.data_meta = (unsigned long)buf,
		.data = (unsigned long)(buf + sizeof(struct sipxdp_xdp_meta)),
		.data_end = (unsigned long)(buf + sizeof(struct sipxdp_xdp_meta) + linear),
		.ingress_ifindex = ingress_ifindex,
		.frame_len = len,
	};

	return sipxdp_xdp(&ctx);
}

/* --- the helpers (bpf_helpers.h) -------------------------------------- */

static struct umap *umap_of(void *map)
{
	struct umap *m;

	memcpy(&m, map, sizeof(m));
	if (!m) {
		fprintf(stderr, "sipxdp: a map of the program has no user-space map: user/uxdp/prog.c's table misses it\n");
		abort();
	}
	return m;
}

static void *uxdp_map_lookup_elem(void *map, const void *key)
{
	return umap_lookup(umap_of(map), key);
}

static long uxdp_map_update_elem(void *map, const void *key, const void *value, __u64 flags)
{
	return umap_update(umap_of(map), key, value, flags);
}

static long uxdp_map_delete_elem(void *map, const void *key)
{
	return umap_delete(umap_of(map), key);
}

static long uxdp_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags)
{
	return umap_ringbuf_output(umap_of(ringbuf), data, size, flags);
}

static __u64 uxdp_ringbuf_query(void *ringbuf, __u64 flags)
{
	return umap_ringbuf_query(umap_of(ringbuf), flags);
}

static __u64 uxdp_ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __u32 uxdp_get_smp_processor_id(void)
{
	return umap_cpu();
}

static void uxdp_spin_lock(struct bpf_spin_lock *lock)
{
	umap_spin_lock(lock);
}

static void uxdp_spin_unlock(struct bpf_spin_lock *lock)
{
	umap_spin_unlock(lock);
}

static __u64 uxdp_xdp_get_buff_len(struct uxdp_md *ctx)
{
	return ctx->frame_len;
}

/* The frame's bytes, all its buffers: contiguous here.  The kernel's checks, in its order. */
static long uxdp_xdp_load_bytes(struct uxdp_md *ctx, __u32 offset, void *buf, __u32 len)
{
	if (offset > 0xffff || len > 0xffff)
		return -EFAULT;
	if (offset + len > ctx->frame_len)
		return -EINVAL;
	memcpy(buf, (const uint8_t *)ctx->data + offset, len);
	return 0;
}

static long uxdp_skb_load_bytes(const void *skb, __u32 offset, void *to, __u32 len)
{
	(void)skb, (void)offset, (void)to, (void)len;
	return -EOPNOTSUPP;	/* the TC program is not run natively */
}
