// SPDX-License-Identifier: GPL-2.0
/*
 * sip.c - SIP framing and parsing over untrusted (p, len) buffers.
 *
 * One pass over the lines: the start line, then header lines, a header being
 * handled only once the next line shows it is not folded.  Nothing here
 * reads p[len] or relies on NUL termination.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "sip.h"
#include "util.h"

static const char *const method_names[SIP_M_NR] = {
	[SIP_M_UNKNOWN] = "UNKNOWN", [SIP_M_INVITE] = "INVITE",
	[SIP_M_ACK] = "ACK", [SIP_M_BYE] = "BYE", [SIP_M_CANCEL] = "CANCEL",
	[SIP_M_OPTIONS] = "OPTIONS", [SIP_M_REGISTER] = "REGISTER",
	[SIP_M_PRACK] = "PRACK", [SIP_M_UPDATE] = "UPDATE", [SIP_M_INFO] = "INFO",
	[SIP_M_SUBSCRIBE] = "SUBSCRIBE", [SIP_M_NOTIFY] = "NOTIFY",
	[SIP_M_REFER] = "REFER", [SIP_M_MESSAGE] = "MESSAGE",
	[SIP_M_PUBLISH] = "PUBLISH",
};

static const char sip_version[] = "sip/2.0";	/* compared case-insensitively */

static bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* RFC 3261 25.1 token characters. */
static bool is_token(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	       (c && strchr("-.!%*_+`'~", c));
}

/* Is s[0..n) a case-insensitive prefix of lit? */
static bool is_prefix_of_ci(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lit[i] || lower(s[i]) != lower(lit[i]))
			return false;
	return true;
}

static const char *skip_lws(const char *q, const char *e)
{
	while (q < e && is_lws(*q))
		q++;
	return q;
}

static struct sip_str trim(const char *s, const char *e)
{
	s = skip_lws(s, e);
	while (e > s && is_lws(e[-1]))
		e--;
	return (struct sip_str){ s, (size_t)(e - s) };
}

/* q at an opening quote: returns just past the closing quote, or NULL. */
static const char *skip_quoted(const char *q, const char *e)
{
	for (q++; q < e; q++) {
		if (*q == '\\') {
			if (++q == e)
				return NULL;
		} else if (*q == '"') {
			return q + 1;
		}
	}
	return NULL;
}

/*
 * The line starting at off: *n bytes without its CR LF.  Returns the offset
 * of the next line, or 0 when no LF is left before len.
 */
static size_t line_at(const char *p, size_t len, size_t off, size_t *n)
{
	const char *lf = off < len ? memchr(p + off, '\n', len - off) : NULL;
	size_t e;

	if (!lf)
		return 0;
	e = (size_t)(lf - p);
	*n = (e > off && p[e - 1] == '\r') ? e - 1 - off : e - off;
	return e + 1;
}

/* "SIP/2.0" SP 3DIGIT [SP Reason-Phrase].  partial: s may stop anywhere. */
static int parse_status(const char *s, size_t n, bool partial, struct sip_msg *m)
{
	static const char ver[] = "sip/2.0 ";
	unsigned long code = 0;
	size_t i;

	for (i = 0; i < 8; i++) {
		if (i == n)
			return partial ? 0 : -EINVAL;
		if (lower(s[i]) != ver[i])
			return -EINVAL;
	}
	for (; i < 11; i++) {
		if (i == n)
			return partial ? 0 : -EINVAL;
		if (!is_digit(s[i]))
			return -EINVAL;
		code = code * 10 + (unsigned long)(s[i] - '0');
	}
	if (code < 100 || code > 699 || (i < n && s[i] != ' '))
		return -EINVAL;
	m->is_request = false;
	m->status_code = (int)code;
	/* A missing reason phrase is tolerated (RFC 4475 3.1.2.18 sends "100 "). */
	if (i < n)
		m->reason = (struct sip_str){ s + i + 1, n - i - 1 };
	return 0;
}

/* Method SP Request-URI SP "SIP/2.0".  partial: s may stop anywhere. */
static int parse_request(const char *s, size_t n, bool partial, struct sip_msg *m)
{
	size_t i, u;

	for (i = 0; i < n && is_token(s[i]); i++)
		;
	if (i == n)
		return partial ? 0 : -EINVAL;
	if (i == 0 || s[i] != ' ')
		return -EINVAL;
	m->method_str = (struct sip_str){ s, i };
	for (u = ++i; i < n && (unsigned char)s[i] > ' ' && s[i] != 0x7f; i++)
		;
	if (i == n)
		return partial ? 0 : -EINVAL;
	if (i == u || s[i] != ' ')
		return -EINVAL;
	m->request_uri = (struct sip_str){ s + u, i - u };
	i++;
	if (partial ? !is_prefix_of_ci(s + i, n - i, sip_version) : !mem_eq_ci(s + i, n - i, sip_version))
		return -EINVAL;
	m->is_request = true;
	m->method = sip_method_from(m->method_str.p, m->method_str.len);
	return 0;
}

static int parse_start(const char *s, size_t n, bool partial, struct sip_msg *m)
{
	/* '/' is not a token character, so "SIP/" can only open a status line. */
	if (n >= 4 && mem_eq_ci(s, 4, "sip/"))
		return parse_status(s, n, partial, m);
	if (partial && !parse_status(s, n, true, m))
		return 0;
	return parse_request(s, n, partial, m);
}

/*
 * Parameters in [q, e): ";name[=value]" repeated; anything before the first
 * ';' is skipped.  Finds name case-insensitively; the value is a view
 * (quotes kept), empty when the parameter has no value.
 */
static bool find_param(const char *q, const char *e, const char *name, struct sip_str *out)
{
	const char *ns, *ne, *vs, *ve;

	for (;;) {
		while (q < e && *q != ';') {
			if (*q == '"') {
				q = skip_quoted(q, e);
				if (!q)
					return false;
			} else {
				q++;
			}
		}
		if (q == e)
			return false;
		q = skip_lws(q + 1, e);
		for (ns = q; q < e && is_token(*q); q++)
			;
		ne = q;
		q = skip_lws(q, e);
		vs = ve = q;
		if (q < e && *q == '=') {
			vs = q = skip_lws(q + 1, e);
			if (q < e && *q == '"') {
				q = skip_quoted(q, e);
				if (!q)
					return false;
			} else {
				while (q < e && *q != ';' && *q != ',' && !is_lws(*q))
					q++;
			}
			ve = q;
		}
		if (mem_eq_ci(ns, (size_t)(ne - ns), name)) {
			*out = (struct sip_str){ vs, (size_t)(ve - vs) };
			return true;
		}
	}
}

/*
 * First `stop` outside a quoted string, or e; NULL when a quote is left open.
 * A backslash outside quotes is not SIP grammar, but user agents send
 * display names like \"arik\" and their peers take them: it escapes the next
 * character here too, so such a message is still read.
 */
static const char *scan_unquoted(const char *q, const char *e, char stop)
{
	while (q && q < e && *q != stop) {
		if (*q == '\\' && q + 1 < e)
			q += 2;
		else
			q = *q == '"' ? skip_quoted(q, e) : q + 1;
	}
	return q;
}

/* From/To value: name-addr or bare addr-spec, then header params (tag). */
static int parse_naddr(struct sip_str v, struct sip_str *uri, struct sip_str *tag)
{
	const char *q = v.p, *e = v.p + v.len, *gt, *semi;

	q = scan_unquoted(q, e, '<');
	if (!q)
		return -EINVAL;
	if (q < e) {
		gt = memchr(q + 1, '>', (size_t)(e - q - 1));
		if (!gt)
			return -EINVAL;
		*uri = trim(q + 1, gt);
		q = gt + 1;
	} else {
		/* RFC 3261 20.10: after a bare URI every ';' starts a header param. */
		semi = memchr(v.p, ';', v.len);
		q = semi ? semi : e;
		*uri = trim(v.p, q);
	}
	if (!uri->len)
		return -EINVAL;
	find_param(q, e, "tag", tag);
	return 0;
}

static int parse_via(struct sip_msg *m, struct sip_str v)
{
	const char *q = v.p, *e = v.p + v.len;

	q = scan_unquoted(q, e, ',');
	if (!q)
		return -EINVAL;
	m->via = trim(v.p, q);
	if (!m->via.len)
		return -EINVAL;
	find_param(m->via.p, m->via.p + m->via.len, "branch", &m->via_branch);
	return 0;
}

static int parse_cseq(struct sip_msg *m, struct sip_str v)
{
	const char *q = v.p, *e = v.p + v.len, *d;
	unsigned long n;

	for (d = q; q < e && is_digit(*q); q++)
		;
	if (parse_dec(d, (size_t)(q - d), UINT32_MAX, &n))
		return -EINVAL;
	if (q == e || !is_lws(*q))
		return -EINVAL;
	q = skip_lws(q, e);
	for (d = q; q < e && is_token(*q); q++)
		;
	if (q == d || q != e)
		return -EINVAL;
	m->cseq = (uint32_t)n;
	m->cseq_method = (struct sip_str){ d, (size_t)(q - d) };
	m->cseq_m = sip_method_from(d, (size_t)(q - d));
	return 0;
}

static int parse_content_length(struct sip_msg *m, struct sip_str v)
{
	unsigned long n;

	if (parse_dec(v.p, v.len, LONG_MAX, &n))
		return -EINVAL;
	/* Two different lengths make framing ambiguous (RFC 4475 3.1.2.11). */
	if (m->content_length >= 0 && (unsigned long)m->content_length != n)
		return -EINVAL;
	m->content_length = (long)n;
	return 0;
}

static bool hname(struct sip_str name, const char *full, const char *compact)
{
	return mem_eq_ci(name.p, name.len, full) || (compact && mem_eq_ci(name.p, name.len, compact));
}

/* One header (folded lines included).  frame: only what framing needs. */
static int parse_header(struct sip_msg *m, const char *h, size_t n, bool frame)
{
	const char *colon = memchr(h, ':', n);
	struct sip_str name, v;
	size_t i;

	if (!colon)
		return -EINVAL;
	name = trim(h, colon);
	if (!name.len)
		return -EINVAL;
	for (i = 0; i < name.len; i++)
		if (!is_token(name.p[i]))
			return -EINVAL;
	v = trim(colon + 1, h + n);

	if (hname(name, "content-length", "l"))
		return parse_content_length(m, v);
	if (frame)
		return 0;
	/* Single-valued headers: the first one counts. */
	if (hname(name, "call-id", "i")) {
		if (!v.len)
			return -EINVAL;
		if (!m->call_id.p)
			m->call_id = v;
	} else if (hname(name, "from", "f")) {
		if (!m->from.p) {
			m->from = v;
			return parse_naddr(v, &m->from_uri, &m->from_tag);
		}
	} else if (hname(name, "to", "t")) {
		if (!m->to.p) {
			m->to = v;
			return parse_naddr(v, &m->to_uri, &m->to_tag);
		}
	} else if (hname(name, "via", "v")) {
		if (!m->via.p)
			return parse_via(m, v);
	} else if (hname(name, "cseq", NULL)) {
		if (!m->cseq_method.p)
			return parse_cseq(m, v);
	} else if (hname(name, "content-type", "c")) {
		if (!m->content_type.p)
			m->content_type = v;
	} else if (hname(name, "contact", "m")) {
		if (!m->contact.p)
			m->contact = v;
	}
	return 0;
}

/* Start line and headers; sets hdr_len.  Leaves the body alone. */
static int parse_head(const char *p, size_t len, struct sip_msg *m, bool frame)
{
	size_t off, n, next, hstart = 0, hend = 0;
	bool pending = false;
	int rc;

	memset(m, 0, sizeof(*m));
	m->content_length = -1;
	if (!p)
		return len ? -EINVAL : -ENODATA;
	next = line_at(p, len, 0, &n);
	if (!next)
		return -ENODATA;
	rc = parse_start(p, n, false, m);
	if (rc)
		return rc;
	for (off = next;; off = next) {
		next = line_at(p, len, off, &n);
		if (!next)
			return -ENODATA;
		if (n && (p[off] == ' ' || p[off] == '\t')) {
			if (!pending)
				return -EINVAL;	/* continuation of nothing */
			hend = off + n;
			continue;
		}
		if (pending) {
			rc = parse_header(m, p + hstart, hend - hstart, frame);
			if (rc)
				return rc;
			pending = false;
		}
		if (!n)
			break;
		hstart = off;
		hend = off + n;
		pending = true;
	}
	m->hdr_len = next;
	if (!m->is_request)
		m->method = m->cseq_m;
	return 0;
}

/* Body and msg_len from hdr_len and Content-Length. */
static int frame_body(const char *p, size_t len, struct sip_msg *m)
{
	size_t avail = len - m->hdr_len;

	if (m->content_length < 0) {
		m->msg_len = len;
	} else {
		if ((unsigned long)m->content_length > avail)
			return -EMSGSIZE;
		avail = (size_t)m->content_length;
		m->msg_len = m->hdr_len + avail;
	}
	if (avail)
		m->body = (struct sip_str){ p + m->hdr_len, avail };
	return 0;
}

enum sip_frame sip_frame(const char *p, size_t len, size_t *msg_len)
{
	struct sip_msg m;
	size_t n;
	int rc;

	if (msg_len)
		*msg_len = 0;
	if (!len)
		return SIP_PARTIAL;
	if (!p)
		return SIP_NOT_SIP;
	if (!line_at(p, len, 0, &n)) {
		n = p[len - 1] == '\r' ? len - 1 : len;
		return parse_start(p, n, true, &m) ? SIP_NOT_SIP : SIP_PARTIAL;
	}
	rc = parse_head(p, len, &m, true);
	if (rc == -ENODATA)
		return SIP_PARTIAL;
	if (rc)
		return SIP_NOT_SIP;
	if (frame_body(p, len, &m))
		return SIP_PARTIAL;
	if (msg_len)
		*msg_len = m.msg_len;
	return m.msg_len == len ? SIP_COMPLETE : SIP_MULTIPLE;
}

int sip_parse(const char *p, size_t len, struct sip_msg *m)
{
	int rc = parse_head(p, len, m, false);

	if (rc)
		return rc;
	if (!m->call_id.p || !m->cseq_method.p || !m->from.p || !m->to.p || !m->via.p)
		return -EINVAL;
	return frame_body(p, len, m);
}

enum sip_method sip_method_from(const char *p, size_t len)
{
	int i;

	if (!p)
		return SIP_M_UNKNOWN;
	for (i = SIP_M_UNKNOWN + 1; i < SIP_M_NR; i++)
		if (strlen(method_names[i]) == len && !memcmp(p, method_names[i], len))
			return (enum sip_method)i;
	return SIP_M_UNKNOWN;
}

const char *sip_method_name(enum sip_method m)
{
	return (unsigned)m < SIP_M_NR ? method_names[m] : method_names[SIP_M_UNKNOWN];
}

char *sip_str_copy(char *dst, size_t n, struct sip_str s)
{
	size_t c;

	if (!n)
		return dst;
	c = s.p ? (s.len < n - 1 ? s.len : n - 1) : 0;
	if (c)
		memcpy(dst, s.p, c);
	dst[c] = '\0';
	return dst;
}

bool sip_str_eq(struct sip_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.p && s.len == n && !memcmp(s.p, lit, n);
}
