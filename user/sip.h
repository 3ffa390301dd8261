/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sip.h - SIP message framing and parsing (RFC 3261 subset needed to follow
 * calls).  Input is untrusted bytes (p, len), never NUL-terminated; results
 * are views into the input, nothing is allocated.
 *
 * A folded header value (continuation lines) is one view spanning the line
 * ends and leading whitespace of its continuation lines; callers that print
 * it should treat CR/LF as whitespace.
 */
#ifndef SIPXDP_SIP_H
#define SIPXDP_SIP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* View into the message; p == NULL, len == 0 when absent. */
struct sip_str {
	const char *p;
	size_t len;
};

enum sip_frame { SIP_NOT_SIP, SIP_PARTIAL, SIP_COMPLETE, SIP_MULTIPLE };

/*
 * Framing for a datagram or a byte stream (tcpsip.c): is there a whole message
 * at p?  COMPLETE: exactly one message of *msg_len bytes; MULTIPLE: a whole
 * message of *msg_len bytes followed by more bytes; PARTIAL: looks like SIP
 * (or is empty) but the start line, headers or body (per Content-Length) are
 * incomplete; NOT_SIP: the first line is not a SIP request/status line, or
 * the message cannot be framed (header line without a colon, bad
 * Content-Length).  Without Content-Length the message is the whole buffer.
 * *msg_len is 0 unless COMPLETE or MULTIPLE; msg_len may be NULL.
 */
enum sip_frame sip_frame(const char *p, size_t len, size_t *msg_len);

enum sip_method {
	SIP_M_UNKNOWN, SIP_M_INVITE, SIP_M_ACK, SIP_M_BYE, SIP_M_CANCEL,
	SIP_M_OPTIONS, SIP_M_REGISTER, SIP_M_PRACK, SIP_M_UPDATE, SIP_M_INFO,
	SIP_M_SUBSCRIBE, SIP_M_NOTIFY, SIP_M_REFER, SIP_M_MESSAGE, SIP_M_PUBLISH,
	SIP_M_NR,
};

struct sip_msg {
	bool is_request;
	enum sip_method method;		/* request method, or CSeq method for responses */
	struct sip_str method_str;	/* request: method token */
	struct sip_str request_uri;
	int status_code;		/* responses: 100..699 */
	struct sip_str reason;
	struct sip_str call_id;		/* Call-ID or compact i */
	struct sip_str from, to;	/* whole header value */
	struct sip_str from_uri, to_uri; /* addr-spec inside <> or the bare URI, without header params */
	struct sip_str from_tag, to_tag;
	struct sip_str via_branch;	/* branch of the top-most Via (compact v) */
	uint32_t cseq;
	struct sip_str cseq_method;
	enum sip_method cseq_m;
	long content_length;		/* -1 if absent (compact l) */
	struct sip_str content_type;	/* compact c */
	struct sip_str body;		/* see sip_parse() */
	size_t msg_len;			/* headers + blank line + body */
	/* additions */
	struct sip_str via;		/* top-most via-parm (first value of the first Via) */
	struct sip_str contact;		/* first Contact header value (compact m) */
	size_t hdr_len;			/* start line + headers + blank line */
};

/*
 * Parse one message at the start of p.  0 on success; -EINVAL malformed (bad
 * start line, header without colon, non-numeric CSeq/Content-Length/status,
 * status outside 100..699, missing Call-ID/CSeq/From/To/Via, conflicting
 * Content-Length headers), -EMSGSIZE body shorter than Content-Length,
 * -ENODATA no end of headers (or no end of the start line).
 * The body is Content-Length bytes when that header is present (bytes past it
 * are not part of this message: see msg_len), else the rest of the buffer.
 * On error *m holds whatever was parsed before the failure.
 */
int sip_parse(const char *p, size_t len, struct sip_msg *m);

/* Methods are case-sensitive (RFC 3261 7.1). */
enum sip_method sip_method_from(const char *p, size_t len);
const char *sip_method_name(enum sip_method m);	/* "INVITE", ..., "UNKNOWN" */

/* Copy s into a NUL-terminated buffer of size n (truncating); returns dst. */
char *sip_str_copy(char *dst, size_t n, struct sip_str s);
/* Exact, case-sensitive; an absent view equals nothing. */
bool sip_str_eq(struct sip_str s, const char *lit);

#endif /* SIPXDP_SIP_H */
