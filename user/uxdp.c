// SPDX-License-Identifier: GPL-2.0
/*
 * uxdp.c - the XDP program run in user space (uxdp.h): its maps made and
 * bound, frames laid out as BPF_PROG_TEST_RUN lays them out, and the data
 * plane read as kern.c reads the kernel's maps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "umap.h"
#include "uxdp.h"

#define ETH_HLEN 14
#define STREAM_BATCH 256
#define PENDING_BATCH 64	/* held records dropped at most per call, as kern.c */

static const struct dp_ops uxdp_dp_ops;

/* Engines opened so far: a thread's CPU slot is its engine's. */
static unsigned int generation;
static __thread unsigned int cpu_gen;

static struct uxdp *uxdp_of(struct dp *dp)
{
	return (struct uxdp *)dp;	/* dp is the first member */
}

static uint32_t entries_of(enum uxdp_map id, const struct uxdp_map_def *def, const struct dp_opts *o)
{
	switch (id) {
	case UXDP_MAP_ENDPOINTS:
	case UXDP_MAP_EP_UNPAIRED:
		return o->max_endpoints ? o->max_endpoints : def->max_entries;
	case UXDP_MAP_STREAMS:
		return o->max_streams ? o->max_streams : def->max_entries;
	case UXDP_MAP_EVENT_SCRATCH:
		return UXDP_CPUS;	/* an event's assembly room per CPU (bpf/maps.h) */
	default:
		return def->max_entries;
	}
}

int uxdp_open(struct uxdp *u, const struct dp_opts *o, dp_event_cb cb, void *ctx)
{
	int err, i;

	memset(u, 0, sizeof(*u));
	u->dp.ops = &uxdp_dp_ops;
	u->event_cb = cb;
	u->event_ctx = ctx;
	u->gen = __atomic_add_fetch(&generation, 1, __ATOMIC_RELAXED);
	if (o->egress)
		return -EOPNOTSUPP;	/* the TC program runs in the kernel only */
	for (i = 0; i < UXDP_NR_MAPS; i++) {
		const struct uxdp_map_def *def = uxdp_prog_map_def(i);

		err = umap_create(&u->maps[i], def->type, def->key_size, def->value_size,
				  entries_of(i, def, o), UXDP_CPUS);
		if (err) {
			pr_err("make map %s in memory: %s\n", def->name, strerror(-err));
			goto fail;
		}
	}
	err = uxdp_prog_bind(u->maps, &u->v);
	if (err) {
		pr_err("bind the user-space program's maps: %s\n", strerror(-err));
		goto fail;
	}
	u->bound = true;
	for (i = 0; i < o->nr_sip_ports && i < SIPXDP_MAX_SIP_PORTS; i++)
		u->v.sip_ports[i] = htons(o->sip_ports[i]);
	*u->v.nr_sip_ports = i;
	for (i = 0; i < o->nr_tls_ports && i < SIPXDP_MAX_TLS_PORTS; i++)
		u->v.tls_ports[i] = htons(o->tls_ports[i]);
	*u->v.nr_tls_ports = i;
	*u->v.clock_source = o->offline ? SIPXDP_CLOCK_META : SIPXDP_CLOCK_MONO;
	if (o->unpaired_max)
		*u->v.unpaired_max = o->unpaired_max;
	return 0;
fail:
	uxdp_close(u);
	return err;
}

struct dp *uxdp_dataplane(struct uxdp *u)
{
	return &u->dp;
}

/* The calling thread's CPU slot for this engine, taken at its first frame. */
static int take_cpu(struct uxdp *u)
{
	unsigned int slot;

	if (cpu_gen == u->gen && umap_cpu() >= 0)
		return 0;
	slot = __atomic_fetch_add(&u->next_cpu, 1, __ATOMIC_RELAXED);
	if (slot >= UXDP_CPUS)
		return -EBUSY;
	umap_cpu_set(slot);
	cpu_gen = u->gen;
	return 0;
}

int uxdp_run_frame(struct uxdp *u, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts_ns)
{
	uint32_t verdict;

	return uxdp_run(u, buf, frame, len, ts_ns, &verdict);
}

int uxdp_run(struct uxdp *u, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts_ns, uint32_t *verdict)
{
	int err;

	if (len > DP_FRAME_MAX)
		return -EMSGSIZE;
	if (len < ETH_HLEN)
		return -EINVAL;		/* BPF_PROG_TEST_RUN refuses it */
	err = take_cpu(u);
	if (err)
		return err;
	memcpy(buf, &ts_ns, sizeof(ts_ns));
	memcpy(buf + sizeof(struct sipxdp_xdp_meta), frame, len);
	*verdict = uxdp_prog_xdp(buf, len, len < UXDP_LINEAR ? len : UXDP_LINEAR, UXDP_IFINDEX);
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct uxdp *u = ctx;
	struct sipxdp_meta m;

	if (!dp_event_framed(data, size, &m)) {
		u->events_bad++;
		return 0;
	}
	u->event_cb(u->event_ctx, &m, (const uint8_t *)data + sizeof(m));
	return 0;
}

int uxdp_consume(struct uxdp *u)
{
	return umap_ringbuf_consume(u->maps[UXDP_MAP_EVENTS], on_record, u);
}

void uxdp_close(struct uxdp *u)
{
	int i;

	if (u->bound)
		uxdp_prog_unbind();
	u->bound = false;
	for (i = 0; i < UXDP_NR_MAPS; i++) {
		umap_free(u->maps[i]);
		u->maps[i] = NULL;
	}
	free(u->batch_keys);
	free(u->batch_vals);
	u->batch_keys = NULL;
	u->batch_vals = NULL;
	u->batch_cap = 0;
}

/* --- the data plane (user/dataplane.h) ------------------------------ */

static int uxdp_health(struct dp *dp, struct dp_health *out)
{
	struct uxdp *u = uxdp_of(dp);
	struct sipxdp_health per[UXDP_CPUS];
	__u64 *dst = (__u64 *)&out->kernel;
	__u32 zero = 0;
	int i, j, err;

	memset(out, 0, sizeof(*out));
	out->events_bad = u->events_bad;
	err = umap_lookup_copy(u->maps[UXDP_MAP_HEALTH], &zero, per, -1);
	if (err)
		return err;
	for (i = 0; i < UXDP_CPUS; i++) {
		const __u64 *src = (const __u64 *)&per[i];

		for (j = 0; j < (int)(sizeof(out->kernel) / sizeof(__u64)); j++)
			dst[j] += src[j];
	}
	/* As kern.c: what was lost is what the program could not hand up. */
	out->events_lost = out->kernel.event_fail;
	return 0;
}

static int uxdp_endpoint_set(struct dp *dp, const struct endpoint_key *key, const struct endpoint_info *info)
{
	struct uxdp *u = uxdp_of(dp);
	struct ep_count zero = {};
	long err;

	err = umap_update(u->maps[UXDP_MAP_ENDPOINTS], key, info, BPF_ANY);
	if (err)
		return err;
	/* Its count of unpaired streams, if it has none yet (a full map: not counted there, only in all). */
	umap_update(u->maps[UXDP_MAP_EP_UNPAIRED], key, &zero, BPF_NOEXIST);
	return 0;
}

static void uxdp_media_port(struct dp *dp, uint16_t port, bool on)
{
	__u64 *word = &uxdp_of(dp)->v.media_ports[port >> 6];
	__u64 bit = 1ULL << (port & 63);

	/* The program reads the words while we write them: whole-word atomic updates. */
	if (on)
		__atomic_fetch_or(word, bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(word, ~bit, __ATOMIC_RELAXED);
}

static int uxdp_endpoint_del(struct dp *dp, const struct endpoint_key *key)
{
	struct uxdp *u = uxdp_of(dp);
	long err = umap_delete(u->maps[UXDP_MAP_ENDPOINTS], key);

	if (err && err != -ENOENT)
		return err;
	umap_delete(u->maps[UXDP_MAP_EP_UNPAIRED], key);
	return 0;
}

static int uxdp_stream_get(struct dp *dp, const struct stream_key *key, struct stream_state *st)
{
	return umap_lookup_copy(uxdp_of(dp)->maps[UXDP_MAP_STREAMS], key, st, offsetof(struct stream_state, lock));
}

static int uxdp_stream_del(struct dp *dp, const struct stream_key *key, uint32_t flags)
{
	struct uxdp *u = uxdp_of(dp);
	long err = umap_delete(u->maps[UXDP_MAP_STREAMS], key);

	if (err)
		return err == -ENOENT ? 0 : err;
	/* user space is the only writer of this one */
	if (flags & STREAM_F_UNPAIRED)
		__atomic_fetch_add(u->v.unpaired_released, 1, __ATOMIC_RELAXED);
	return 0;
}

static int batch_grow(struct uxdp *u, uint32_t cap)
{
	struct stream_key *keys = realloc(u->batch_keys, cap * sizeof(*keys));
	struct stream_state *vals;

	if (!keys)
		return -ENOMEM;
	u->batch_keys = keys;
	vals = realloc(u->batch_vals, cap * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	u->batch_vals = vals;
	u->batch_cap = cap;
	return 0;
}

/* In batches of whole buckets, values copied under their locks, as kern.c's BPF_MAP_LOOKUP_BATCH. */
static int uxdp_streams_read(struct dp *dp, dp_stream_cb cb, void *ctx)
{
	struct uxdp *u = uxdp_of(dp);
	uint32_t cursor = 0, need, i;
	int n, err;

	if (!u->batch_cap && (err = batch_grow(u, STREAM_BATCH)))
		return err;
	for (;;) {
		n = umap_batch(u->maps[UXDP_MAP_STREAMS], &cursor, u->batch_keys, u->batch_vals, u->batch_cap,
			       offsetof(struct stream_state, lock), &need);
		if (n == -ENOSPC) {
			if ((err = batch_grow(u, need > u->batch_cap * 2 ? need : u->batch_cap * 2)))
				return err;
			continue;
		}
		if (n <= 0)
			return n;
		for (i = 0; i < (uint32_t)n; i++)
			if (cb(ctx, &u->batch_keys[i], &u->batch_vals[i]))
				return 0;
	}
}

static int uxdp_pending_expire(struct dp *dp, uint64_t older_than_ns)
{
	struct umap *pending = uxdp_of(dp)->maps[UXDP_MAP_PENDING];
	struct endpoint_key keys[PENDING_BATCH], gone[PENDING_BATCH];
	struct pending_rtp vals[PENDING_BATCH];
	uint32_t cursor = 0, need;
	int i, n, ngone = 0, dropped = 0;

	/* At most PENDING_BATCH a call, the first found expired: what kern.c's walk does. */
	while (ngone < PENDING_BATCH) {
		n = umap_batch(pending, &cursor, keys, vals, PENDING_BATCH, offsetof(struct pending_rtp, st.lock),
			       &need);
		if (n == -ENOSPC) {
			cursor++;	/* a bucket of more than 64 held records: not looked at */
			continue;
		}
		if (n <= 0)
			break;
		for (i = 0; i < n && ngone < PENDING_BATCH; i++)
			if (vals[i].st.last_ns < older_than_ns)
				gone[ngone++] = keys[i];
	}
	for (i = 0; i < ngone; i++)
		dropped += !umap_delete(pending, &gone[i]);
	return dropped;
}

static int uxdp_endpoints_read(struct dp *dp, dp_endpoint_cb cb, void *ctx)
{
	struct umap *eps = uxdp_of(dp)->maps[UXDP_MAP_ENDPOINTS];
	struct endpoint_key keys[STREAM_BATCH];
	struct endpoint_info vals[STREAM_BATCH];
	uint32_t cursor = 0, need;
	int i, n;

	for (;;) {
		n = umap_batch(eps, &cursor, keys, vals, STREAM_BATCH, -1, &need);
		if (n == -ENOSPC) {
			cursor++;	/* a bucket of more than a batch: not in a map of ours */
			continue;
		}
		if (n <= 0)
			return n;
		for (i = 0; i < n; i++)
			if (cb(ctx, &keys[i], &vals[i]))
				return 0;
	}
}

static int uxdp_stream_put(struct dp *dp, const struct stream_key *key, const struct stream_state *st)
{
	struct stream_state v = *st;

	memset(&v.lock, 0, sizeof(v.lock));
	return umap_update(uxdp_of(dp)->maps[UXDP_MAP_STREAMS], key, &v, BPF_NOEXIST);
}

static const struct dp_ops uxdp_dp_ops = {
	.endpoint_set = uxdp_endpoint_set,
	.endpoint_del = uxdp_endpoint_del,
	.media_port = uxdp_media_port,
	.streams_read = uxdp_streams_read,
	.stream_get = uxdp_stream_get,
	.stream_del = uxdp_stream_del,
	.health = uxdp_health,
	.pending_expire = uxdp_pending_expire,
	.endpoints_read = uxdp_endpoints_read,
	.stream_put = uxdp_stream_put,
};
