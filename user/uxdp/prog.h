/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prog.h - the XDP program, bpf/sipxdp.bpf.c, compiled natively (prog.c):
 * its maps as bpf/maps.h declares them, its globals, and its XDP entry
 * point.  Only user/uxdp.c uses this.
 */
#ifndef SIPXDP_UXDP_PROG_H
#define SIPXDP_UXDP_PROG_H

#include <stdint.h>
#include <linux/bpf.h>

struct umap;

/* The maps the XDP program uses (not the benchmark's floor_streams). */
enum uxdp_map {
	UXDP_MAP_ENDPOINTS,
	UXDP_MAP_STREAMS,
	UXDP_MAP_EP_UNPAIRED,
	UXDP_MAP_HEALTH,
	UXDP_MAP_SIP_FRAGS,
	UXDP_MAP_PENDING,
	UXDP_MAP_SCRATCH,
	UXDP_MAP_PENDING_SCRATCH,
	UXDP_MAP_EVENTS,
	UXDP_MAP_EVENT_SCRATCH,
	UXDP_NR_MAPS,
};

/* A map's layout, recovered from its definition (sizes in bytes; a ring's max_entries is its size). */
struct uxdp_map_def {
	const char *name;
	enum bpf_map_type type;
	uint32_t key_size, value_size, max_entries;
};

/* The program's globals: the first six are set before the first frame, the rest are its .bss. */
struct uxdp_prog_vars {
	volatile __u16 *sip_ports;		/* SIPXDP_MAX_SIP_PORTS of them, network order */
	volatile __u32 *nr_sip_ports;
	volatile __u16 *tls_ports;		/* SIPXDP_MAX_TLS_PORTS, network order */
	volatile __u32 *nr_tls_ports;
	volatile __u8 *clock_source;
	volatile __u64 *unpaired_max;
	__u64 *media_ports;			/* 65536 bits */
	__u64 *unpaired_created, *unpaired_released, *consumer_asleep;
};

const struct uxdp_map_def *uxdp_prog_map_def(enum uxdp_map id);
/*
 * Give the program its maps (indexed by enum uxdp_map) and every global its
 * initial value back; where the globals are, in *vars.  -EBUSY while bound
 * already: the globals are the process's, one binding at a time.
 */
int uxdp_prog_bind(struct umap *const maps[UXDP_NR_MAPS], struct uxdp_prog_vars *vars);
void uxdp_prog_unbind(void);
/*
 * sipxdp_xdp on one frame: buf holds the XDP metadata, then len bytes of
 * frame, the first `linear` of them in its first buffer.  The XDP verdict.
 */
int uxdp_prog_xdp(uint8_t *buf, uint32_t len, uint32_t linear, uint32_t ingress_ifindex);

#endif /* SIPXDP_UXDP_PROG_H */
