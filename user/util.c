// SPDX-License-Identifier: GPL-2.0
/* util.c - shared helpers: addresses, bounded numbers and text (see util.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sipxdp.h"
#include "util.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void addr_from_v4(struct sipxdp_addr *a, const uint8_t v4[4])
{
	memcpy(a->a, v4mapped_prefix, sizeof(v4mapped_prefix));
	memcpy(&a->a[12], v4, 4);
}

bool addr_is_v4(const struct sipxdp_addr *a)
{
	return !memcmp(a->a, v4mapped_prefix, sizeof(v4mapped_prefix));
}

bool addr_is_unspecified(const struct sipxdp_addr *a)
{
	static const uint8_t zero[16], v4zero[16] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a->a, zero, 16) || !memcmp(a->a, v4zero, 16);
}

char *addr_port_str(char *buf, size_t n, const struct sipxdp_addr *a, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	if (addr_is_v4(a)) {
		inet_ntop(AF_INET, &a->a[12], ip, sizeof(ip));
		snprintf(buf, n, "%s:%u", ip, port);
	} else {
		inet_ntop(AF_INET6, a->a, ip, sizeof(ip));
		snprintf(buf, n, "[%s]:%u", ip, port);
	}
	return buf;
}

int parse_dec(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int parse_addr_port(const char *s, struct sockaddr_storage *ss, unsigned int *sslen, char *err, size_t errlen)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	int family = *s == '[' ? AF_INET6 : AF_INET;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *hs = s;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "'%s': an IPv6 address is written [ADDR]:PORT", s);
			return -EINVAL;
		}
		hs = s + 1;
		hl = close - hs;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon) {
			snprintf(err, errlen, "'%s' is not ADDR:PORT ([ADDR]:PORT for IPv6)", s);
			return -EINVAL;
		}
		hl = colon - s;
	}
	if (parse_dec(colon + 1, strlen(colon + 1), 65535, &port) || !port) {
		snprintf(err, errlen, "'%s': the port is not a number from 1 to 65535", s);
		return -EINVAL;
	}
	if (hl >= sizeof(host)) {
		snprintf(err, errlen, "'%s': not a numeric address", s);
		return -EINVAL;
	}
	memcpy(host, hs, hl);
	host[hl] = '\0';
	/* inet_pton, not getaddrinfo: "1.2.3" is no address here, though inet_aton would take it. */
	if (inet_pton(family, host, family == AF_INET ? (void *)&in->sin_addr : (void *)&in6->sin6_addr) != 1) {
		snprintf(err, errlen, "'%s': '%s' is not a numeric %s address", s, host,
			 family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	ss->ss_family = family;
	if (family == AF_INET)
		in->sin_port = htons(port);
	else
		in6->sin6_port = htons(port);
	*sslen = family == AF_INET ? sizeof(*in) : sizeof(*in6);
	return 0;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

bool mem_eq_ci(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lit[i] || lower(s[i]) != lower(lit[i]))
			return false;
	return !lit[i];
}

bool mem_prefix_ci(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; lit[i]; i++)
		if (i >= n || lower(s[i]) != lower(lit[i]))
			return false;
	return true;
}

const char *mem_find(const char *p, size_t len, const char *needle, size_t nlen)
{
	const char *end = p + len;

	while (nlen && (size_t)(end - p) >= nlen) {
		const char *q = memchr(p, needle[0], end - p - nlen + 1);

		if (!q)
			return NULL;
		if (!memcmp(q, needle, nlen))
			return q;
		p = q + 1;
	}
	return NULL;
}

size_t escape_printable(char *dst, size_t n, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (!n)
		return 0;
	for (i = 0; i < len && o + 1 < n; i++) {
		unsigned char ch = src[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			dst[o++] = ch;
		} else if (ch == '\\' && o + 2 < n) {
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else if (ch != '\\' && o + 4 < n) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[ch >> 4];
			dst[o++] = hex[ch & 15];
		} else {
			break;
		}
	}
	dst[o] = '\0';
	return i;
}

void block_agent_signals(sigset_t *old)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, old);
}
