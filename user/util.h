/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - the small helpers every module needs, in one place: byte order,
 * 16-byte addresses, bounded number and text handling.  Nothing here
 * allocates, and nothing reads past the (pointer, length) it is given.
 */
#ifndef SIPXDP_UTIL_H
#define SIPXDP_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Declared, not included: util.h goes where linux/bpf.h may not (libpcap's own struct bpf_insn). */
struct sipxdp_addr;
struct sockaddr_storage;

#define NS_PER_SEC 1000000000ULL
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Big-endian (network order) reads from unaligned bytes. */
static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* The 16-byte form of an IPv4 address (4 bytes, network order): ::ffff:a.b.c.d. */
void addr_from_v4(struct sipxdp_addr *a, const uint8_t v4[4]);
bool addr_is_v4(const struct sipxdp_addr *a);
/* :: or ::ffff:0.0.0.0 (RFC 2543 hold in SDP). */
bool addr_is_unspecified(const struct sipxdp_addr *a);
/* "a.b.c.d:port" or "[v6]:port", port in host order; returns buf. */
char *addr_port_str(char *buf, size_t n, const struct sipxdp_addr *a, uint16_t port);

/*
 * Decimal digits only, no sign, no spaces, at most max: 0, or -EINVAL
 * (empty, a non-digit, or above max).
 */
int parse_dec(const char *s, size_t n, unsigned long max, unsigned long *out);

/*
 * A numeric "ADDR:PORT" ("[ADDR]:PORT" for IPv6; no names, no lookup) into
 * a socket address, its size in *sslen.  0, or -EINVAL with why in err.
 */
int parse_addr_port(const char *s, struct sockaddr_storage *ss, unsigned int *sslen, char *err, size_t errlen);

/* s[0..n) equals the NUL-terminated lit, ASCII case-insensitively. */
bool mem_eq_ci(const char *s, size_t n, const char *lit);
/* s[0..n) begins with lit, ASCII case-insensitively. */
bool mem_prefix_ci(const char *s, size_t n, const char *lit);
/* First occurrence of needle[0..nlen) in p[0..len), or NULL. */
const char *mem_find(const char *p, size_t len, const char *needle, size_t nlen);

/*
 * Copy untrusted bytes as printable ASCII for records and labels: bytes
 * 0x20-0x7e as they are but the backslash, which becomes "\\", every other
 * byte "\xNN".  Neither a JSON encoder nor the Prometheus parser ever sees a
 * byte it must refuse, and the mapping is injective: two inputs never print
 * alike (a backslash in the output is always followed by '\\' or 'x'; any
 * other character after one is free for markers, see dialog.c).  Stops
 * before an escape that would not fit whole; returns the number of input
 * bytes copied (less than len when dst was too small).  dst is always
 * NUL-terminated (n > 0).
 */
size_t escape_printable(char *dst, size_t n, const char *src, size_t len);

/*
 * Block the agent's own signals (SIGINT, SIGTERM, SIGHUP) in the calling
 * thread, the mask before in old: a thread started meanwhile inherits the
 * block and never takes them, so the main loop's ppoll wakes for them.
 * pthread_sigmask(SIG_SETMASK, old, NULL) after.
 */
void block_agent_signals(sigset_t *old);

#endif /* SIPXDP_UTIL_H */
