/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpf_helpers.h (user space) - the BPF runtime as bpf/sipxdp.bpf.c sees it,
 * for the program's second build with the host compiler (user/uxdp/prog.c).
 * -Iuser/uxdp comes first in that build only, so the program's
 * `#include <bpf/bpf_helpers.h>` finds this file instead of libbpf's, and
 * the program's source compiles unchanged.
 *
 * What it provides: SEC() placing nothing; libbpf's map-definition macros
 * as libbpf itself writes them (plain C: `__uint(name, val)` is a pointer
 * to an array of val ints, `__type(name, val)` a pointer to val), from which
 * prog.c recovers each map's type, key, value and size with sizeof; the
 * XDP and TC contexts with pointer-wide data fields (the kernel's are
 * 32-bit offsets the verifier rewrites into pointers); and the helpers the
 * program calls, as functions that prog.c defines over user/umap.h.
 *
 * The helpers are renamed (uxdp_*) and static: libbpf's user-space API,
 * which the agent links, has a bpf_map_lookup_elem() of its own, and a
 * global one here would take its place in kern.c.  <bpf/bpf_endian.h> is
 * libbpf's own: macros for either target, nothing to link.
 */
#ifndef SIPXDP_UXDP_BPF_HELPERS_H
#define SIPXDP_UXDP_BPF_HELPERS_H

#include <linux/bpf.h>
#include <linux/types.h>

#define SEC(name)

#define __uint(name, val)	int (*name)[val]
#define __type(name, val)	typeof(val) *name
#define __array(name, val)	typeof(val) *name[]

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Natively, set-before-load globals are written before the first frame: not read-only memory. */
#define SET_BEFORE_LOAD volatile

/*
 * struct xdp_md as the native program reads it.  frame_len is the whole
 * frame's length: BPF_PROG_TEST_RUN hands a frame larger than its first
 * buffer to a frags-aware program as a multi-buffer one, data_end ending
 * that buffer (user/uxdp.c lays it out the same way).
 */
struct uxdp_md {
	unsigned long data;
	unsigned long data_end;
	unsigned long data_meta;
	__u32 ingress_ifindex;
	__u32 frame_len;
};
#define xdp_md uxdp_md

/* The TC egress context: compiled with the rest, never run natively. */
struct uxdp_skb {
	unsigned long data;
	unsigned long data_end;
	__u32 len;
	__u32 ifindex;
};
#define __sk_buff uxdp_skb

/* Function-like: bpf_spin_lock is also the name of the lock's struct, which stays. */
#define bpf_map_lookup_elem(...)	uxdp_map_lookup_elem(__VA_ARGS__)
#define bpf_map_update_elem(...)	uxdp_map_update_elem(__VA_ARGS__)
#define bpf_map_delete_elem(...)	uxdp_map_delete_elem(__VA_ARGS__)
#define bpf_ringbuf_output(...)		uxdp_ringbuf_output(__VA_ARGS__)
#define bpf_ringbuf_query(...)		uxdp_ringbuf_query(__VA_ARGS__)
#define bpf_ktime_get_ns(...)		uxdp_ktime_get_ns(__VA_ARGS__)
#define bpf_get_smp_processor_id(...)	uxdp_get_smp_processor_id(__VA_ARGS__)
#define bpf_spin_lock(...)		uxdp_spin_lock(__VA_ARGS__)
#define bpf_spin_unlock(...)		uxdp_spin_unlock(__VA_ARGS__)
#define bpf_xdp_get_buff_len(...)	uxdp_xdp_get_buff_len(__VA_ARGS__)
#define bpf_xdp_load_bytes(...)		uxdp_xdp_load_bytes(__VA_ARGS__)
#define bpf_skb_load_bytes(...)		uxdp_skb_load_bytes(__VA_ARGS__)

static void *uxdp_map_lookup_elem(void *map, const void *key);
static long uxdp_map_update_elem(void *map, const void *key, const void *value, __u64 flags);
static long uxdp_map_delete_elem(void *map, const void *key);
static long uxdp_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags);
static __u64 uxdp_ringbuf_query(void *ringbuf, __u64 flags);
static __u64 uxdp_ktime_get_ns(void);
static __u32 uxdp_get_smp_processor_id(void);
static void uxdp_spin_lock(struct bpf_spin_lock *lock);
static void uxdp_spin_unlock(struct bpf_spin_lock *lock);
static __u64 uxdp_xdp_get_buff_len(struct uxdp_md *ctx);
static long uxdp_xdp_load_bytes(struct uxdp_md *ctx, __u32 offset, void *buf, __u32 len);
static long uxdp_skb_load_bytes(const void *skb, __u32 offset, void *to, __u32 len);

#endif /* SIPXDP_UXDP_BPF_HELPERS_H */
