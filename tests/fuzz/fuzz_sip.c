// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sip.c - libFuzzer target for user/sip.c.
 *
 * sip_frame and sip_parse run on a heap copy of exactly size bytes, so ASan
 * reports any read at or past p[len].  Beyond memory safety it checks what
 * the agent relies on: views lie inside the input, body and msg_len agree
 * with Content-Length, and framing agrees with parsing, also message by
 * message when the input holds several (the TCP stream case).  A broken
 * invariant prints itself and traps, which libFuzzer reports as a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sip.h"


/* Messages framed one after another in one input; each costs a full parse. */
#define MAX_MSGS 64


/* s lies inside [lo, hi); absent views are { NULL, 0 }.  Reads every byte. */
static void check_view(struct sip_str s, const char *lo, const char *hi)
{
	volatile char sink;
	char buf[64];
	size_t i, n;

	if (!s.p) {
		check(s.len == 0);
		return;
	}
	check((uintptr_t)s.p >= (uintptr_t)lo && (uintptr_t)s.p <= (uintptr_t)hi);
	check(s.len <= (size_t)(hi - s.p));
	for (i = 0; i < s.len; i++)
		sink = s.p[i];
	(void)sink;
	n = s.len < sizeof(buf) ? s.len : sizeof(buf) - 1;
	check(sip_str_copy(buf, sizeof(buf), s) == buf);
	check(buf[n] == '\0' && !memcmp(buf, s.p, n));
	check(sip_str_eq(s, buf) == (s.len < sizeof(buf) && !memchr(s.p, 0, s.len)));
}

/* Views that come from the start line and headers. */
static void check_head_views(const struct sip_msg *m, const char *lo, const char *hi)
{
	const struct sip_str v[] = {
		m->method_str, m->request_uri, m->reason, m->call_id, m->from,
		m->to, m->from_uri, m->to_uri, m->from_tag, m->to_tag,
		m->via_branch, m->cseq_method, m->content_type, m->via, m->contact,
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		check_view(v[i], lo, hi);
}

static void check_enums(const struct sip_msg *m)
{
	check((unsigned)m->method < SIP_M_NR);
	check((unsigned)m->cseq_m < SIP_M_NR);
	check(sip_method_name(m->method) != NULL);
	check(sip_method_name(m->cseq_m) != NULL);
}

/* What must hold after sip_parse returned 0 for (d, size). */
static void check_parsed(const struct sip_msg *m, const char *d, size_t size)
{
	check(m->hdr_len > 0 && m->hdr_len <= m->msg_len && m->msg_len <= size);
	check_head_views(m, d, d + m->hdr_len);
	check_view(m->body, d, d + size);

	if (m->content_length >= 0) {
		check(m->body.len == (size_t)m->content_length);
		check(m->msg_len == m->hdr_len + (size_t)m->content_length);
	} else {
		check(m->msg_len == size);
		check(m->body.len == size - m->hdr_len);
	}
	if (m->body.len)
		check(m->body.p == d + m->hdr_len);
	else
		check(m->body.p == NULL);

	/* Required headers are present and non-empty where parsing says so. */
	check(m->call_id.p && m->call_id.len);
	check(m->from.p && m->from_uri.len);
	check(m->to.p && m->to_uri.len);
	check(m->via.p && m->via.len);
	check(m->cseq_method.p && m->cseq_method.len);
	check(m->cseq_m == sip_method_from(m->cseq_method.p, m->cseq_method.len));

	if (m->is_request) {
		check(m->method_str.len && m->request_uri.len);
		check(m->method == sip_method_from(m->method_str.p, m->method_str.len));
		check(m->status_code == 0);
	} else {
		check(m->status_code >= 100 && m->status_code <= 699);
		check(m->method == m->cseq_m);
		check(!m->method_str.p && !m->request_uri.p);
	}
}

/*
 * sip_frame on a stream: the message it frames, cut to exactly msg_len
 * bytes, frames as COMPLETE; one byte less is PARTIAL.  Only for MULTIPLE,
 * which implies Content-Length (without it the message is the whole buffer,
 * so any prefix is COMPLETE too).
 */
static void check_frame_prefix(const char *d, size_t msg_len)
{
	char *c = dup_exact(d, msg_len);
	size_t l = 12345;

	check(sip_frame(c, msg_len, &l) == SIP_COMPLETE && l == msg_len);
	check(sip_frame(c, msg_len - 1, &l) == SIP_PARTIAL && l == 0);
	free(c);
}

/*
 * One message at the start of (d, size).  Returns the framed length when
 * another message may follow, else 0.
 */
static size_t one_message(const char *d, size_t size)
{
	struct sip_msg m;
	enum sip_frame f;
	size_t fl = 12345;
	int rc;

	f = sip_frame(d, size, &fl);
	check(f == SIP_NOT_SIP || f == SIP_PARTIAL || f == SIP_COMPLETE || f == SIP_MULTIPLE);
	check(sip_frame(d, size, NULL) == f);
	switch (f) {
	case SIP_COMPLETE:
		check(fl == size);
		break;
	case SIP_MULTIPLE:
		check(fl > 0 && fl < size);
		check_frame_prefix(d, fl);
		break;
	default:
		check(fl == 0);
	}
	if (!size)
		check(f == SIP_PARTIAL);

	memset(&m, 0xa5, sizeof(m));
	rc = sip_parse(d, size, &m);
	check(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE || rc == -ENODATA);
	/* On error *m holds a partial parse: still views into the input. */
	check_head_views(&m, d, d + size);
	check_view(m.body, d, d + size);
	check_enums(&m);

	switch (f) {
	case SIP_COMPLETE:
	case SIP_MULTIPLE:
		check(rc == 0 || rc == -EINVAL);
		break;
	case SIP_PARTIAL:
		check(rc != 0);
		break;
	case SIP_NOT_SIP:
		check(rc == -EINVAL || rc == -ENODATA);
		break;
	}
	if (rc == 0) {
		check_parsed(&m, d, size);
		check(fl == m.msg_len);
	}
	return f == SIP_MULTIPLE ? fl : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = dup_exact((const char *)data, size);
	size_t off = 0, n;
	int i;

	/* A stream holding messages back to back: frame and parse each. */
	for (i = 0; i < MAX_MSGS; i++) {
		n = one_message(buf + off, size - off);
		if (!n)
			break;
		off += n;
	}
	free(buf);
	return 0;
}
