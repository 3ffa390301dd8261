// SPDX-License-Identifier: GPL-2.0
/*
 * peers.c - peer groups (peers.h).
 *
 * Lookup is one hash probe per prefix length present in the file, longest
 * first: a carrier's list of a few thousand prefixes costs as much as a
 * short one, and it runs per SIP response and per call, never per packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashing.h"
#include "peers.h"
#include "util.h"

#define LINE_MAX_LEN	65536

struct peer_node {
	struct {
		struct sipxdp_addr net;	/* masked; IPv4 IPv4-mapped */
		uint8_t len;		/* 0..128, IPv4's counted from 96 */
	} key;
	uint8_t group;
	uint32_t line;			/* in the file, for errors */
	UT_hash_handle hh;
};

static void set_err(char *err, size_t errlen, const char *name, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void set_err(char *err, size_t errlen, const char *name, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = line ? snprintf(err, errlen, "%s:%u: ", name, line) : snprintf(err, errlen, "%s: ", name);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
}

static void mask(struct sipxdp_addr *a, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (len >= 8)
			len -= 8;
		else {
			a->a[i] &= (uint8_t)(0xff00 >> len);
			len = 0;
		}
	}
}

static bool name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || n > PEERS_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* "10.1.0.0/16", "2001:db8::/32", a bare address (a host). 0, or -EINVAL with why. */
static int parse_prefix(const char *tok, size_t n, struct peer_node *out, const char **why)
{
	char buf[64];
	const char *slash;
	unsigned long len;
	struct sipxdp_addr a;
	size_t alen;
	bool v4;

	if (n >= sizeof(buf)) {
		*why = "is too long for a prefix";
		return -EINVAL;
	}
	memcpy(buf, tok, n);
	buf[n] = '\0';
	slash = strchr(buf, '/');
	alen = slash ? (size_t)(slash - buf) : n;
	buf[alen] = '\0';
	memset(&a, 0, sizeof(a));
	v4 = inet_pton(AF_INET, buf, &a.a[12]) == 1;
	if (v4)
		addr_from_v4(&a, &a.a[12]);
	else if (inet_pton(AF_INET6, buf, a.a) != 1) {
		*why = "is not an IPv4 or IPv6 address or prefix";
		return -EINVAL;
	}
	len = v4 ? 32 : 128;
	if (slash && parse_dec(slash + 1, n - alen - 1, v4 ? 32 : 128, &len)) {
		*why = v4 ? "has a prefix length that is not 0 to 32" : "has a prefix length that is not 0 to 128";
		return -EINVAL;
	}
	out->key.len = (uint8_t)(len + (v4 ? 96 : 0));
	out->key.net = a;
	mask(&out->key.net, out->key.len);
	if (memcmp(&out->key.net, &a, sizeof(a))) {
		*why = "has bits set past its prefix length";
		return -EINVAL;
	}
	return 0;
}

static int group_of(struct peers *p, const char *s, size_t n)
{
	unsigned int i;

	for (i = 0; i < p->ngroups; i++)
		if (strlen(p->names[i]) == n && !memcmp(p->names[i], s, n))
			return i;
	if (p->ngroups >= PEERS_MAX_GROUPS)
		return -ENOSPC;
	memcpy(p->names[p->ngroups], s, n);
	p->names[p->ngroups][n] = '\0';
	return p->ngroups++;
}

static int cmp_len_desc(const void *a, const void *b)
{
	const struct peer_node *x = a, *y = b;
	int d;

	if (x->key.len != y->key.len)
		return x->key.len > y->key.len ? -1 : 1;
	d = memcmp(&x->key.net, &y->key.net, sizeof(x->key.net));
	if (d)
		return d;
	return x->line < y->line ? -1 : x->line > y->line;	/* the later line is the one in error */
}

void peers_free(struct peers *p)
{
	if (!p)
		return;
	HASH_CLEAR(hh, p->table);
	free(p->prefixes);
	p->prefixes = NULL;
	p->nprefixes = 0;
	p->ngroups = 0;
	p->nlens = 0;
}

/* One line: NAME PREFIX [PREFIX ...]. */
static int parse_line(struct peers *p, const char *s, size_t n, size_t *cap, const char *name, unsigned int line,
		      char *err, size_t errlen)
{
	size_t i = 0, tok, tlen;
	const char *why;
	int g = -1, nprefix = 0;

	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		if (i == n || s[i] == '#')
			break;
		tok = i;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '#')
			i++;
		tlen = i - tok;
		if (g < 0) {
			if (!name_ok(s + tok, tlen)) {
				set_err(err, errlen, name, line,
					"a group name is 1 to %d characters of A-Z a-z 0-9 _ - . (got '%.*s')",
					PEERS_NAME_MAX, (int)(tlen > 40 ? 40 : tlen), s + tok);
				return -EINVAL;
			}
			if (tlen == strlen(PEER_OTHER) && !memcmp(s + tok, PEER_OTHER, tlen)) {
				set_err(err, errlen, name, line, "'%s' is the name of every address in no group",
					PEER_OTHER);
				return -EINVAL;
			}
			g = group_of(p, s + tok, tlen);
			if (g < 0) {
				set_err(err, errlen, name, line, "more than %d groups", PEERS_MAX_GROUPS);
				return -EINVAL;
			}
			continue;
		}
		if (p->nprefixes >= PEERS_MAX_PREFIXES) {
			set_err(err, errlen, name, line, "more than %d prefixes", PEERS_MAX_PREFIXES);
			return -EINVAL;
		}
		if (p->nprefixes == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct peer_node *np = realloc(p->prefixes, ncap * sizeof(*np));

			if (!np) {
				set_err(err, errlen, name, line, "out of memory");
				return -ENOMEM;
			}
			p->prefixes = np;
			*cap = ncap;
		}
		memset(&p->prefixes[p->nprefixes], 0, sizeof(p->prefixes[0]));
		if (parse_prefix(s + tok, tlen, &p->prefixes[p->nprefixes], &why)) {
			/* Printable only: the text is the operator's, but the line goes to a log. */
			char shown[48];

			escape_printable(shown, sizeof(shown), s + tok, tlen > 40 ? 40 : tlen);
			set_err(err, errlen, name, line, "'%s' %s", shown, why);
			return -EINVAL;
		}
		p->prefixes[p->nprefixes].line = line;
		p->prefixes[p->nprefixes++].group = g;
		nprefix++;
	}
	if (g >= 0 && !nprefix) {
		set_err(err, errlen, name, line, "group %s has no prefix (NAME PREFIX [PREFIX ...])", p->names[g]);
		return -EINVAL;
	}
	return 0;
}

/* The lookup table over the parsed prefixes; a prefix given twice is an error. */
static int build_index(struct peers *p, const char *name, char *err, size_t errlen)
{
	size_t i;

	qsort(p->prefixes, p->nprefixes, sizeof(p->prefixes[0]), cmp_len_desc);
	for (i = 0; i < p->nprefixes; i++) {
		struct peer_node *nd = &p->prefixes[i], *old;
		char a[64];

		HASH_FIND(hh, p->table, &nd->key, sizeof(nd->key), old);
		if (old) {
			addr_port_str(a, sizeof(a), &nd->key.net, 0);
			a[strlen(a) - 2] = '\0';	/* no ":0" */
			set_err(err, errlen, name, nd->line, "prefix %s/%u is in %s%s%s", a,
				nd->key.len - (addr_is_v4(&nd->key.net) && nd->key.len >= 96 ? 96 : 0),
				p->names[old->group], old->group == nd->group ? " twice" : " and in ",
				old->group == nd->group ? "" : p->names[nd->group]);
			return -EINVAL;
		}
		HASH_ADD(hh, p->table, key, sizeof(nd->key), nd);
		if (!p->nlens || p->lens[p->nlens - 1] != nd->key.len)
			p->lens[p->nlens++] = nd->key.len;
	}
	return 0;
}

int peers_parse(struct peers *p, const char *text, size_t len, const char *name, char *err, size_t errlen)
{
	unsigned int line = 0;
	size_t cap = 0, off = 0;
	int ret;

	p->ngroups = 0;
	p->nprefixes = 0;
	p->prefixes = NULL;
	p->table = NULL;
	p->nlens = 0;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;

		line++;
		if (n > LINE_MAX_LEN) {
			set_err(err, errlen, name, line, "line longer than %d characters", LINE_MAX_LEN);
			ret = -EINVAL;
			goto fail;
		}
		if (memchr(text + off, '\0', n)) {
			set_err(err, errlen, name, line, "a NUL byte: not a text file");
			ret = -EINVAL;
			goto fail;
		}
		ret = parse_line(p, text + off, n, &cap, name, line, err, errlen);
		if (ret)
			goto fail;
		off += n + 1;
	}
	ret = build_index(p, name, err, errlen);
	if (!ret)
		return 0;
fail:
	peers_free(p);
	return ret;
}

int peers_load(struct peers *p, const char *path, char *err, size_t errlen)
{
	size_t len = 0, cap = 0;
	char *text = NULL;
	FILE *f;
	int ret;

	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		set_err(err, errlen, path, 0, "%s", strerror(errno));
		return ret;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *nt;

			/* Bounded: a peer file is small; a device or a huge file is not one. */
			if (cap >= (size_t)PEERS_MAX_PREFIXES * 64) {
				set_err(err, errlen, path, 0, "larger than %d bytes", PEERS_MAX_PREFIXES * 64);
				ret = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			nt = realloc(text, cap);
			if (!nt) {
				set_err(err, errlen, path, 0, "out of memory");
				ret = -ENOMEM;
				goto out;
			}
			text = nt;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		ret = -EIO;
		set_err(err, errlen, path, 0, "read error");
		goto out;
	}
	ret = peers_parse(p, text, len, path, err, errlen);
out:
	free(text);
	fclose(f);
	return ret;
}

const char *peers_group(const struct peers *p, const struct sipxdp_addr *a)
{
	unsigned int i;

	for (i = 0; p && i < p->nlens; i++) {
		struct peer_node *nd;
		struct {
			struct sipxdp_addr net;
			uint8_t len;
		} key;

		memset(&key, 0, sizeof(key));
		key.net = *a;
		key.len = p->lens[i];
		/* IPv4 is kept IPv4-mapped: an IPv6 prefix shorter than that (::/0) is not meant for it. */
		if (key.len < 96 && addr_is_v4(a))
			continue;
		mask(&key.net, key.len);
		HASH_FIND(hh, p->table, &key, sizeof(key), nd);
		if (nd)
			return p->names[nd->group];
	}
	return PEER_OTHER;
}

void peers_add_local(struct peers *p, const struct sipxdp_addr *a)
{
	if (p->nlocal < PEERS_MAX_LOCAL && !peers_is_local(p, a))
		p->local[p->nlocal++] = *a;
}

void peers_read_local(struct peers *p)
{
	struct ifaddrs *ifa, *i;

	p->nlocal = 0;
	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		struct sipxdp_addr a;

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			addr_from_v4(&a, (const uint8_t *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(a.a, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		peers_add_local(p, &a);
	}
	freeifaddrs(ifa);
}

bool peers_is_local(const struct peers *p, const struct sipxdp_addr *a)
{
	unsigned int i;

	for (i = 0; p && i < p->nlocal; i++)
		if (!memcmp(&p->local[i], a, sizeof(*a)))
			return true;
	return false;
}

const char *peers_far(const struct peers *p, const struct sipxdp_addr *src, const struct sipxdp_addr *dst,
		      bool *from_src)
{
	const char *gs;

	if (peers_is_local(p, src) && !peers_is_local(p, dst)) {
		*from_src = false;
		return peers_group(p, dst);
	}
	if (peers_is_local(p, dst) && !peers_is_local(p, src)) {
		*from_src = true;
		return peers_group(p, src);
	}
	gs = peers_group(p, src);
	*from_src = strcmp(gs, PEER_OTHER) || !strcmp(peers_group(p, dst), PEER_OTHER);
	return *from_src ? gs : peers_group(p, dst);
}
