// SPDX-License-Identifier: GPL-2.0
/*
 * kern.c - load, attach and talk to the XDP program.
 *
 * Lifecycle: open the embedded skeleton, set rodata, size the maps, load,
 * attach through bpf_link (so a killed agent leaves nothing on the NIC),
 * then poll the event ring buffer.  Functions return 0 or -errno.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kern.h"
#include "log.h"
#include "sipxdp.skel.h"


static const struct dp_ops kern_dp_ops;

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	/* libbpf's warnings are details of an error we report ourselves: show them at -v. */
	log_vprefixed(lvl == LIBBPF_DEBUG ? LOG_DEBUG + 1 : LOG_DEBUG, "libbpf", fmt, ap);
	return 0;
}

void kern_log_setup(void)
{
	libbpf_set_print(libbpf_print);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct kern *k = ctx;
	struct sipxdp_meta m;

	if (!dp_event_framed(data, size, &m)) {
		k->events_bad++;
		return 0;
	}
	k->event_cb(k->event_ctx, &m, (const uint8_t *)data + sizeof(m));
	return 0;
}

/* The kernel's own account of a map's memory (fdinfo memlock), in KiB; -1 if unknown. */
static long map_kib(const struct bpf_map *map)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", bpf_map__fd(map));
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %ld", &v) == 1)
			break;
	fclose(f);
	return v < 0 ? -1 : v / 1024;
}

void kern_log_memory(struct kern *k)
{
	struct sipxdp_bpf *skel = k->skel;

	pr_info("kernel memory: streams %ld KiB (%u entries), endpoints %ld KiB (%u), "
		"their unpaired counts %ld KiB, held RTP %ld KiB, SIP fragments %ld KiB\n",
		map_kib(skel->maps.streams), bpf_map__max_entries(skel->maps.streams),
		map_kib(skel->maps.endpoints), bpf_map__max_entries(skel->maps.endpoints),
		map_kib(skel->maps.ep_unpaired), map_kib(skel->maps.pending), map_kib(skel->maps.sip_frags));
}

const char *kern_libbpf_version(void)
{
	static char v[24];

	if (!v[0])
		snprintf(v, sizeof(v), "%u.%u", libbpf_major_version(), libbpf_minor_version());
	return v;
}

int kern_open(struct kern *k, const struct dp_opts *o, dp_event_cb cb, void *ctx)
{
	struct sipxdp_bpf *skel;
	int err, i;

	memset(k, 0, sizeof(*k));
	k->dp.ops = &kern_dp_ops;
	k->event_cb = cb;
	k->event_ctx = ctx;
	k->nr_cpus = libbpf_num_possible_cpus();
	if (k->nr_cpus < 0)
		return k->nr_cpus;

	skel = sipxdp_bpf__open();
	if (!skel) {
		err = -errno;
		pr_err("open BPF object: %s\n", strerror(-err));
		return err;
	}
	k->skel = skel;
	for (i = 0; i < o->nr_sip_ports && i < SIPXDP_MAX_SIP_PORTS; i++)
		skel->rodata->sip_ports[i] = htons(o->sip_ports[i]);
	skel->rodata->nr_sip_ports = i;
	for (i = 0; i < o->nr_tls_ports && i < SIPXDP_MAX_TLS_PORTS; i++)
		skel->rodata->tls_ports[i] = htons(o->tls_ports[i]);
	skel->rodata->nr_tls_ports = i;
	skel->rodata->clock_source = o->offline ? SIPXDP_CLOCK_META : SIPXDP_CLOCK_MONO;
	bpf_program__set_autoload(skel->progs.sipxdp_empty, false);
	bpf_program__set_autoload(skel->progs.sipxdp_floor, false);
	bpf_map__set_autocreate(skel->maps.floor_streams, false);
	if (!o->egress)
		bpf_program__set_autoload(skel->progs.sipxdp_tc, false);
	if (o->max_endpoints) {
		bpf_map__set_max_entries(skel->maps.endpoints, o->max_endpoints);
		bpf_map__set_max_entries(skel->maps.ep_unpaired, o->max_endpoints);
	}
	if (o->unpaired_max)
		skel->rodata->unpaired_max = o->unpaired_max;
	/* An event's assembly room per CPU (see event_scratch in bpf/maps.h). */
	bpf_map__set_max_entries(skel->maps.event_scratch, k->nr_cpus);
	if (o->max_streams)
		bpf_map__set_max_entries(skel->maps.streams, o->max_streams);

	err = sipxdp_bpf__load(skel);
	if (err) {
		bool privilege = err == -EPERM || err == -EACCES;

		if (privilege && o->may_fall_back)
			pr_debug("load BPF program: %s\n", strerror(-err));
		else
			pr_err("load BPF program: %s%s\n", strerror(-err),
			       privilege && o->offline ? " (--read-engine kernel needs root or CAP_BPF and CAP_PERFMON; "
			       "--read-engine user runs the same program without them)" :
			       privilege ? " (run as root or with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)" :
			       " (needs a kernel with BTF, XDP and bpf_spin_lock; -vv shows the verifier log)");
		goto fail;
	}

	k->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, k, NULL);
	if (!k->rb) {
		err = -errno;
		pr_warn("create the event ring buffer: %s\n", strerror(-err));
		goto fail;
	}
	return 0;
fail:
	kern_close(k);
	return err;
}

int kern_attach(struct kern *k, const char *ifname, int mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int ifindex, fd, prog_fd;

	if (k->nr_links >= KERN_MAX_LINKS) {
		pr_warn("attach XDP to %s: too many interfaces\n", ifname);
		return -E2BIG;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		pr_warn("attach XDP to %s: no such interface\n", ifname);
		return -ENODEV;
	}
	opts.flags = mode ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	prog_fd = bpf_program__fd(k->skel->progs.sipxdp_xdp);
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		int err = -errno;

		pr_err("attach XDP to %s (%s mode): %s%s\n", ifname, mode ? "skb" : "native",
			strerror(-err),
			err == -EBUSY || err == -EEXIST ? " (another XDP program is attached)" :
			!mode && err == -EOPNOTSUPP ? " (driver lacks native XDP: try --xdp-mode skb)" : "");
		return err;
	}
	k->link_fd[k->nr_links] = fd;	/* closing it detaches, also when we are killed */
	snprintf(k->ifname[k->nr_links], sizeof(k->ifname[0]), "%s", ifname);
	snprintf(k->link_of[k->nr_links], sizeof(k->link_of[0]), "%s", ifname);
	k->nr_links++;
	pr_info("attached to %s (ifindex %d, %s mode)\n", ifname, ifindex, mode ? "skb" : "native");
	return 0;
}

/*
 * tcx (kernel 6.6): TC programs attached through a bpf_link, so that, as
 * with XDP, a killed agent leaves nothing behind.  Debian 12's headers
 * predate it: the value is the kernel's ABI.
 */
#ifndef BPF_TCX_EGRESS
#define BPF_TCX_EGRESS 47
#endif

int kern_attach_egress(struct kern *k, const char *ifname)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int ifindex, fd;

	if (k->nr_links >= KERN_MAX_LINKS) {
		pr_err("attach TC egress to %s: too many links\n", ifname);
		return -E2BIG;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		pr_err("attach TC egress to %s: no such interface\n", ifname);
		return -ENODEV;
	}
	fd = bpf_link_create(bpf_program__fd(k->skel->progs.sipxdp_tc), ifindex,
			     (enum bpf_attach_type)BPF_TCX_EGRESS, &opts);
	if (fd < 0) {
		int err = -errno;

		pr_err("attach TC egress to %s: %s%s\n", ifname, strerror(-err),
		       err == -EINVAL ? " (needs tcx, Linux 6.6 or later)" : "");
		return err;
	}
	k->link_fd[k->nr_links] = fd;
	snprintf(k->ifname[k->nr_links], sizeof(k->ifname[0]), "%s (egress)", ifname);
	snprintf(k->link_of[k->nr_links], sizeof(k->link_of[0]), "%s", ifname);
	k->nr_links++;
	pr_info("attached to %s egress (tcx)\n", ifname);
	return 0;
}

int kern_event_fd(struct kern *k)
{
	return ring_buffer__epoll_fd(k->rb);
}

int kern_consume(struct kern *k)
{
	int n = ring_buffer__consume(k->rb);

	return n == -EINTR ? 0 : n;
}

bool kern_asleep(struct kern *k)
{
	__atomic_store_n(&k->skel->bss->consumer_asleep, 1, __ATOMIC_SEQ_CST);
	/* An event committed before the flag was seen: it did not wake us, so look. */
	if (ring_buffer__consume(k->rb) > 0) {
		kern_awake(k);
		return true;
	}
	return false;
}

void kern_awake(struct kern *k)
{
	__atomic_store_n(&k->skel->bss->consumer_asleep, 0, __ATOMIC_RELAXED);
}

void kern_detach(struct kern *k, const char *ifname)
{
	int i, j;

	for (i = 0, j = 0; i < k->nr_links; i++) {
		if (!strcmp(k->link_of[i], ifname)) {
			close(k->link_fd[i]);
			pr_info("detached from %s\n", k->ifname[i]);
			continue;
		}
		if (i != j) {
			k->link_fd[j] = k->link_fd[i];
			memcpy(k->ifname[j], k->ifname[i], sizeof(k->ifname[0]));
			memcpy(k->link_of[j], k->link_of[i], sizeof(k->link_of[0]));
		}
		j++;
	}
	k->nr_links = j;
}

int kern_run_frame(struct kern *k, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts_ns)
{
	struct xdp_md ctx = {
		.data = sizeof(struct sipxdp_xdp_meta),
		.data_end = sizeof(struct sipxdp_xdp_meta) + len,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = buf,
		.data_size_in = sizeof(struct sipxdp_xdp_meta) + len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	int err;

	if (len > DP_FRAME_MAX)
		return -EMSGSIZE;
	memcpy(buf, &ts_ns, sizeof(ts_ns));
	memcpy(buf + sizeof(struct sipxdp_xdp_meta), frame, len);
	err = bpf_prog_test_run_opts(bpf_program__fd(k->skel->progs.sipxdp_xdp), &opts);
	return err ? -errno : 0;
}


int kern_probe(void *ctx)
{
	struct kern *k = ctx;
	struct sipxdp_health per[k->nr_cpus];
	__u32 zero = 0;

	return bpf_map_lookup_elem(bpf_map__fd(k->skel->maps.health), &zero, per) ? -errno : 0;
}

/* --- the data plane (user/dataplane.h) ------------------------------ */

static struct kern *kern_of(struct dp *dp)
{
	return (struct kern *)dp;	/* dp is the first member */
}

static int kern_health(struct dp *dp, struct dp_health *out)
{
	struct kern *k = kern_of(dp);
	struct sipxdp_health per[k->nr_cpus];
	__u64 *dst = (__u64 *)&out->kernel;
	__u32 zero = 0;
	int i, j;

	memset(out, 0, sizeof(*out));
	out->events_bad = k->events_bad;
	if (bpf_map_lookup_elem(bpf_map__fd(k->skel->maps.health), &zero, per))
		return -errno;
	for (i = 0; i < k->nr_cpus; i++) {
		const __u64 *src = (const __u64 *)&per[i];

		for (j = 0; j < (int)(sizeof(out->kernel) / sizeof(__u64)); j++)
			dst[j] += src[j];
	}
	/*
	 * What was lost is what the kernel could not hand up: it counts every
	 * refusal (the ring keeps no count of its own).
	 */
	out->events_lost = out->kernel.event_fail;
	return 0;
}

static int kern_endpoint_set(struct dp *dp, const struct endpoint_key *key, const struct endpoint_info *info)
{
	struct sipxdp_bpf *skel = kern_of(dp)->skel;
	struct ep_count zero = {};

	if (bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints), key, info, BPF_ANY))
		return -errno;
	/* Its count of unpaired streams, if it has none yet (a full map: not counted there, only in all). */
	bpf_map_update_elem(bpf_map__fd(skel->maps.ep_unpaired), key, &zero, BPF_NOEXIST);
	return 0;
}

static void kern_media_port(struct dp *dp, uint16_t port, bool on)
{
	__u64 *word = &kern_of(dp)->skel->bss->media_ports[port >> 6];
	__u64 bit = 1ULL << (port & 63);

	/* The program reads the words while we write them: whole-word atomic updates. */
	if (on)
		__atomic_fetch_or(word, bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(word, ~bit, __ATOMIC_RELAXED);
}

static int kern_endpoint_del(struct dp *dp, const struct endpoint_key *key)
{
	struct sipxdp_bpf *skel = kern_of(dp)->skel;

	if (bpf_map_delete_elem(bpf_map__fd(skel->maps.endpoints), key) && errno != ENOENT)
		return -errno;
	bpf_map_delete_elem(bpf_map__fd(skel->maps.ep_unpaired), key);
	return 0;
}

static int kern_stream_get(struct dp *dp, const struct stream_key *key, struct stream_state *st)
{
	if (bpf_map_lookup_elem_flags(bpf_map__fd(kern_of(dp)->skel->maps.streams), key, st, BPF_F_LOCK))
		return -errno;
	return 0;
}

static int kern_stream_del(struct dp *dp, const struct stream_key *key, uint32_t flags)
{
	struct sipxdp_bpf *skel = kern_of(dp)->skel;

	if (bpf_map_delete_elem(bpf_map__fd(skel->maps.streams), key)) {
		if (errno != ENOENT)
			return -errno;
		return 0;
	}
	/* user space is the only writer of this one (mmap'ed .bss) */
	if (flags & STREAM_F_UNPAIRED)
		__atomic_fetch_add(&skel->bss->unpaired_released, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Key by key: two syscalls per stream, for kernels without batch lookups. */
static int streams_walk(struct kern *k, dp_stream_cb cb, void *ctx)
{
	int fd = bpf_map__fd(k->skel->maps.streams);
	struct stream_key key, next;
	struct stream_state st;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem_flags(fd, &key, &st, BPF_F_LOCK))
			continue;	/* deleted since */
		if (cb(ctx, &key, &st))
			return 0;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int batch_grow(struct kern *k, uint32_t cap)
{
	struct stream_key *keys = realloc(k->batch_keys, cap * sizeof(*keys));
	struct stream_state *vals;

	if (!keys)
		return -ENOMEM;
	k->batch_keys = keys;
	vals = realloc(k->batch_vals, cap * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	k->batch_vals = vals;
	k->batch_cap = cap;
	return 0;
}

#define STREAM_BATCH 256
#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's own, not in libc */
#endif

/*
 * BPF_MAP_LOOKUP_BATCH (Linux 5.6): a batch of keys and values per syscall,
 * values copied under their locks (BPF_F_LOCK).  The kernel walks whole
 * hash buckets: a bucket larger than the batch is ENOSPC, and the batch
 * grows.  ENOENT ends the walk, with the last entries still returned.
 */
static int kern_streams_read(struct dp *dp, dp_stream_cb cb, void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_F_LOCK);
	struct kern *k = kern_of(dp);
	int fd = bpf_map__fd(k->skel->maps.streams), err;
	__u32 token, next, count, i;
	bool first = true;

	if (k->batch_unsupported)
		return streams_walk(k, cb, ctx);
	if (!k->batch_cap && (err = batch_grow(k, STREAM_BATCH)))
		return err;
	for (;;) {
		count = k->batch_cap;
		err = bpf_map_lookup_batch(fd, first ? NULL : &token, &next, k->batch_keys,
					   k->batch_vals, &count, &opts);
		err = err ? -errno : 0;
		if (err == -ENOSPC && !count) {
			if ((err = batch_grow(k, k->batch_cap * 2)))
				return err;
			continue;
		}
		if (first && (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP)) {
			k->batch_unsupported = true;
			pr_debug("batched stream reads refused (%s): reading key by key\n", strerror(-err));
			return streams_walk(k, cb, ctx);
		}
		if (err && err != -ENOENT)
			return err;
		for (i = 0; i < count; i++)
			if (cb(ctx, &k->batch_keys[i], &k->batch_vals[i]))
				return 0;
		if (err == -ENOENT)
			return 0;
		token = next;
		first = false;
	}
}

static int kern_pending_expire(struct dp *dp, uint64_t older_than_ns)
{
	int fd = bpf_map__fd(kern_of(dp)->skel->maps.pending), n = 0;
	struct endpoint_key key, next, gone[64];
	struct pending_rtp v;
	void *prev = NULL;
	int i, ngone = 0;

	/* Collect first: deleting the current key would restart the walk. */
	while (!bpf_map_get_next_key(fd, prev, &next) && ngone < 64) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem_flags(fd, &key, &v, BPF_F_LOCK) && v.st.last_ns < older_than_ns)
			gone[ngone++] = key;
	}
	for (i = 0; i < ngone; i++)
		n += !bpf_map_delete_elem(fd, &gone[i]);
	return n;
}

static const struct dp_ops kern_dp_ops = {
	.endpoint_set = kern_endpoint_set,
	.endpoint_del = kern_endpoint_del,
	.media_port = kern_media_port,
	.streams_read = kern_streams_read,
	.stream_get = kern_stream_get,
	.stream_del = kern_stream_del,
	.health = kern_health,
	.pending_expire = kern_pending_expire,
};

struct dp *kern_dataplane(struct kern *k)
{
	return &k->dp;
}

void kern_close(struct kern *k)
{
	int i;

	for (i = k->nr_links - 1; i >= 0; i--) {
		close(k->link_fd[i]);
		pr_info("detached from %s\n", k->ifname[i]);
	}
	k->nr_links = 0;
	ring_buffer__free(k->rb);
	k->rb = NULL;
	sipxdp_bpf__destroy(k->skel);
	k->skel = NULL;
	free(k->batch_keys);
	free(k->batch_vals);
	k->batch_keys = NULL;
	k->batch_vals = NULL;
	k->batch_cap = 0;
}
