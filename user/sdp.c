// SPDX-License-Identifier: GPL-2.0
/*
 * sdp.c - SDP parsing over untrusted (p, len) buffers.
 *
 * Only c=, m= and a few a= lines matter to us.  Errors are reserved for what
 * would make us watch the wrong endpoint (bad address or port); anything else
 * unexpected is skipped, as SDP in the wild is full of vendor oddities.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "sdp.h"
#include "util.h"

struct span {
	const char *p;
	size_t n;
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static bool span_eq_ci(struct span s, const char *lit)
{
	return mem_eq_ci(s.p, s.n, lit);
}

/* Next run of non-blanks in [*q, e), advancing *q past it. */
static bool field(const char **q, const char *e, struct span *f)
{
	const char *s = *q;

	while (s < e && is_ws(*s))
		s++;
	f->p = s;
	while (s < e && !is_ws(*s))
		s++;
	f->n = (size_t)(s - f->p);
	*q = s;
	return f->n > 0;
}

/* Split f at the first c: f keeps the head, the tail goes to *rest. */
static bool split(struct span *f, char c, struct span *rest)
{
	const char *x = memchr(f->p, c, f->n);

	if (!x)
		return false;
	rest->p = x + 1;
	rest->n = f->n - (size_t)(x + 1 - f->p);
	f->n = (size_t)(x - f->p);
	return true;
}

static int parse_num(struct span f, unsigned long max, unsigned long *out)
{
	return parse_dec(f.p, f.n, max, out);
}

static void copy_trunc(char *dst, size_t n, struct span s)
{
	size_t c = s.n < n - 1 ? s.n : n - 1;

	memcpy(dst, s.p, c);
	dst[c] = '\0';
}

/* c=IN IP4 <addr>[/ttl[/n]] or c=IN IP6 <addr>[/n] */
static int parse_conn(const char *q, const char *e, struct sdp_conn *c)
{
	struct span nt, at, ad, rest;
	char buf[INET6_ADDRSTRLEN];

	if (!field(&q, e, &nt) || !field(&q, e, &at) || !field(&q, e, &ad))
		return -EINVAL;
	split(&ad, '/', &rest);
	if (!span_eq_ci(nt, "IN") || !ad.n || ad.n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, ad.p, ad.n);
	buf[ad.n] = '\0';
	memset(c, 0, sizeof(*c));
	if (span_eq_ci(at, "IP4")) {
		uint8_t v4[4];

		if (inet_pton(AF_INET, buf, v4) != 1)
			return -EINVAL;
		addr_from_v4(&c->addr, v4);
		c->family = 4;
	} else if (span_eq_ci(at, "IP6")) {
		if (inet_pton(AF_INET6, buf, c->addr.a) != 1)
			return -EINVAL;
		c->family = 6;
	} else {
		return -EINVAL;
	}
	c->present = true;
	return 0;
}

/* m=<media> <port>[/<nports>] <proto> <fmt> ... */
static int parse_media(const char *q, const char *e, struct sdp_media *md)
{
	struct span type, port, proto, f, np;
	unsigned long v;

	memset(md, 0, sizeof(*md));
	if (!field(&q, e, &type) || !field(&q, e, &port) || !field(&q, e, &proto))
		return -EINVAL;
	md->nports = 1;
	if (split(&port, '/', &np)) {
		if (parse_num(np, UINT16_MAX, &v) || !v)
			return -EINVAL;
		md->nports = (uint16_t)v;
	}
	if (parse_num(port, UINT16_MAX, &v))
		return -EINVAL;
	md->port = (uint16_t)v;
	copy_trunc(md->type, sizeof(md->type), type);
	copy_trunc(md->proto, sizeof(md->proto), proto);
	while (field(&q, e, &f))
		if (!parse_num(f, 127, &v) && md->nfmt < SDP_MAX_FMT)
			md->fmt[md->nfmt++] = (uint8_t)v;
	return 0;
}

/* a=rtpmap:<pt> <encoding>/<clock>[/<channels>]; malformed ones are dropped. */
static void parse_rtpmap(const char *q, const char *e, struct sdp_media *md)
{
	struct span pt, enc, clock, ch = { NULL, 0 };
	struct sdp_rtpmap *r;
	unsigned long vpt, vclk, vch = 0;

	if (md->nrtpmap >= SDP_MAX_FMT || !field(&q, e, &pt) || !field(&q, e, &enc) ||
	    !split(&enc, '/', &clock))
		return;
	if (split(&clock, '/', &ch) && parse_num(ch, UINT8_MAX, &vch))
		return;
	if (parse_num(pt, 127, &vpt) || parse_num(clock, UINT32_MAX, &vclk) || !enc.n)
		return;
	r = &md->rtpmap[md->nrtpmap++];
	r->pt = (uint8_t)vpt;
	copy_trunc(r->encoding, sizeof(r->encoding), enc);
	r->clock_rate = (uint32_t)vclk;
	r->channels = (uint8_t)vch;
}

/* a=fmtp:<pt> <params> */
static void parse_fmtp(const char *q, const char *e, struct sdp_media *md)
{
	struct span pt, params;
	unsigned long v;

	if (md->nfmtp >= SDP_MAX_FMT || !field(&q, e, &pt) || parse_num(pt, 127, &v))
		return;
	while (q < e && is_ws(*q))
		q++;
	while (e > q && is_ws(e[-1]))
		e--;
	params = (struct span){ q, (size_t)(e - q) };
	md->fmtp[md->nfmtp].pt = (uint8_t)v;
	copy_trunc(md->fmtp[md->nfmtp].params, sizeof(md->fmtp[0].params), params);
	md->nfmtp++;
}

static enum sdp_dir dir_from(struct span a)
{
	enum sdp_dir d;

	for (d = SDP_DIR_SENDRECV; d <= SDP_DIR_INACTIVE; d++)
		if (span_eq_ci(a, sdp_dir_name(d)))
			return d;
	return SDP_DIR_NONE;
}

/* a= line; md is NULL at session level. */
static void parse_attr(const char *q, const char *e, struct sdp_session *s, struct sdp_media *md)
{
	struct span name = { q, (size_t)(e - q) }, val = { e, 0 }, num;
	enum sdp_dir d;
	unsigned long v;

	split(&name, ':', &val);
	d = dir_from(name);
	if (d != SDP_DIR_NONE) {
		if (md)
			md->dir = d;
		else
			s->dir = d;
		return;
	}
	if (!md)
		return;
	if (span_eq_ci(name, "rtpmap"))
		parse_rtpmap(val.p, val.p + val.n, md);
	else if (span_eq_ci(name, "fmtp"))
		parse_fmtp(val.p, val.p + val.n, md);
	else if (span_eq_ci(name, "ptime") && field(&val.p, val.p + val.n, &num) &&
		 !parse_num(num, INT_MAX, &v))
		md->ptime = (int)v;
	/* a=rtcp:<port> [IN IP4 addr] (RFC 3605): only the port is used. */
	else if (span_eq_ci(name, "rtcp") && field(&val.p, val.p + val.n, &num) &&
		 !parse_num(num, 65535, &v) && v)
		md->rtcp_port = (uint16_t)v;
	else if (span_eq_ci(name, "rtcp-mux"))
		md->rtcp_mux = true;
}

int sdp_parse(const char *p, size_t len, struct sdp_session *s)
{
	struct sdp_media scratch, *md = NULL;
	size_t off = 0, n;
	const char *line, *lf;
	bool first = true;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!p)
		return -EINVAL;
	while (off < len) {
		line = p + off;
		lf = memchr(line, '\n', len - off);
		n = lf ? (size_t)(lf - line) : len - off;
		off += n + (lf ? 1 : 0);
		if (n && line[n - 1] == '\r')
			n--;
		if (first) {
			if (n != 3 || memcmp(line, "v=0", 3))
				return -EINVAL;
			first = false;
			continue;
		}
		if (n < 2 || line[1] != '=')
			continue;
		switch (line[0]) {
		case 'c':
			rc = parse_conn(line + 2, line + n, md ? &md->conn : &s->conn);
			if (rc)
				return rc;
			break;
		case 'm':
			if (s->nmedia < SDP_MAX_MEDIA) {
				md = &s->media[s->nmedia];
			} else {
				md = &scratch;
				s->nmedia_dropped++;
			}
			rc = parse_media(line + 2, line + n, md);
			if (rc)
				return rc;
			if (md != &scratch)
				s->nmedia++;
			break;
		case 'a':
			parse_attr(line + 2, line + n, s, md);
			break;
		}
	}
	return first ? -EINVAL : 0;
}

const struct sdp_conn *sdp_media_conn(const struct sdp_session *s, int i)
{
	if (i < 0 || i >= s->nmedia)
		return NULL;
	return s->media[i].conn.present ? &s->media[i].conn : &s->conn;
}

enum sdp_dir sdp_media_dir(const struct sdp_session *s, int i)
{
	if (i < 0 || i >= s->nmedia)
		return SDP_DIR_NONE;
	if (s->media[i].dir != SDP_DIR_NONE)
		return s->media[i].dir;
	return s->dir != SDP_DIR_NONE ? s->dir : SDP_DIR_SENDRECV;
}

const char *sdp_dir_name(enum sdp_dir d)
{
	switch (d) {
	case SDP_DIR_SENDRECV: return "sendrecv";
	case SDP_DIR_SENDONLY: return "sendonly";
	case SDP_DIR_RECVONLY: return "recvonly";
	case SDP_DIR_INACTIVE: return "inactive";
	default: return "none";
	}
}

const struct sdp_rtpmap *sdp_rtpmap_find(const struct sdp_media *m, uint8_t pt)
{
	int i;

	for (i = 0; i < m->nrtpmap; i++)
		if (m->rtpmap[i].pt == pt)
			return &m->rtpmap[i];
	return NULL;
}
