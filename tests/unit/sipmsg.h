/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sipmsg.h - SIP and SDP text for the unit tests of the call logic
 * (test_dialog.c, test_media.c): realistic requests and responses (Via
 * with a branch, From with a tag, To, Call-ID, CSeq, Contact, Max-Forwards,
 * Content-Type, an exact Content-Length), CRLF line ends, built with
 * snprintf.  A dialog is named by its Call-ID and the two tags; alice
 * (sipm_dlg.caller_host) calls bob (callee_host).
 */
#ifndef SIPXDP_TEST_SIPMSG_H
#define SIPXDP_TEST_SIPMSG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SIPM_MAX 4096

struct sipm_dlg {
	const char *call_id;
	const char *caller_tag;		/* From tag of the INVITE */
	const char *callee_tag;		/* To tag the callee answers with */
	const char *caller_host;	/* NULL: 10.0.0.1 */
	const char *callee_host;	/* NULL: 10.0.0.2 */
};

static inline const char *sipm_caller(const struct sipm_dlg *d)
{
	return d->caller_host ? d->caller_host : "10.0.0.1";
}

static inline const char *sipm_callee(const struct sipm_dlg *d)
{
	return d->callee_host ? d->callee_host : "10.0.0.2";
}

/*
 * Everything after the start line; Max-Forwards in a request only.
 * by_callee: the request (or the request a response answers) was sent by
 * bob: From is bob, the Via his.  to_tag: the To tag is present (in-dialog
 * request, or a response).  contact_callee: the message is sent by bob
 * (his Contact).  ctype NULL with a body: application/sdp.
 */
static inline int sipm_tail(char *buf, size_t n, const struct sipm_dlg *d, bool request,
			    bool by_callee, bool to_tag, bool contact_callee, uint32_t cseq,
			    const char *cseq_method, const char *branch, const char *ctype,
			    const char *body)
{
	const char *sender = by_callee ? sipm_callee(d) : sipm_caller(d);
	const char *contact = contact_callee ? sipm_callee(d) : sipm_caller(d);
	const char *from_user = by_callee ? "bob" : "alice", *to_user = by_callee ? "alice" : "bob";
	const char *from_host = sender, *to_host = by_callee ? sipm_caller(d) : sipm_callee(d);
	const char *from_tag = by_callee ? d->callee_tag : d->caller_tag;
	const char *other_tag = by_callee ? d->caller_tag : d->callee_tag;
	size_t blen = body ? strlen(body) : 0;
	char to_param[80] = "";

	if (to_tag && other_tag)
		snprintf(to_param, sizeof(to_param), ";tag=%s", other_tag);
	return snprintf(buf, n,
			"Via: SIP/2.0/UDP %s:5060;branch=%s\r\n"
			"%s"
			"From: \"%s\" <sip:%s@%s>;tag=%s\r\n"
			"To: <sip:%s@%s>%s\r\n"
			"Call-ID: %s\r\n"
			"CSeq: %u %s\r\n"
			"Contact: <sip:%s@%s:5060>\r\n"
			"%s%s%s"
			"Content-Length: %zu\r\n"
			"\r\n"
			"%s",
			sender, branch, request ? "Max-Forwards: 70\r\n" : "",
			from_user, from_user, from_host, from_tag, to_user, to_host, to_param,
			d->call_id, cseq, cseq_method, contact_callee ? "bob" : "alice", contact,
			body ? "Content-Type: " : "", body ? (ctype ? ctype : "application/sdp") : "",
			body ? "\r\n" : "", blen, body ? body : "");
}

/* A request: in_dialog adds the To tag (re-INVITE, ACK, BYE, UPDATE). */
static inline int sipm_request(char *buf, size_t n, const struct sipm_dlg *d, const char *method,
			       bool by_callee, bool in_dialog, uint32_t cseq, const char *branch,
			       const char *ctype, const char *body)
{
	const char *user = by_callee ? "alice" : "bob";
	const char *host = by_callee ? sipm_caller(d) : sipm_callee(d);
	int k = snprintf(buf, n, "%s sip:%s@%s:5060 SIP/2.0\r\n", method, user, host);

	return k + sipm_tail(buf + k, n - k, d, true, by_callee, in_dialog, by_callee, cseq, method, branch,
			     ctype, body);
}

static inline const char *sipm_reason(int code)
{
	switch (code) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 183: return "Session Progress";
	case 200: return "OK";
	case 302: return "Moved Temporarily";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 407: return "Proxy Authentication Required";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 503: return "Service Unavailable";
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	default: return "Whatever";
	}
}

/*
 * A response to a request of method/cseq/branch; to_caller_request: it
 * answers alice's request (From alice, To bob with bob's tag, as the
 * callee answers), else bob's.  The To tag is left out for 100 Trying.
 */
static inline int sipm_response(char *buf, size_t n, const struct sipm_dlg *d, int code,
				bool to_caller_request, uint32_t cseq, const char *method,
				const char *branch, const char *ctype, const char *body)
{
	int k = snprintf(buf, n, "SIP/2.0 %d %s\r\n", code, sipm_reason(code));

	return k + sipm_tail(buf + k, n - k, d, false, !to_caller_request, code != 100,
			     to_caller_request, cseq, method, branch, ctype, body);
}

/*
 * An audio offer or answer: c=IN IP4 addr (or IP6 when addr has a colon),
 * m=audio port RTP/AVP fmts, then extra lines (each CRLF-terminated, may
 * be "").
 */
static inline int sipm_sdp(char *buf, size_t n, const char *addr, unsigned int port, const char *fmts,
			   const char *extra)
{
	const char *ip = strchr(addr, ':') ? "IP6" : "IP4";

	return snprintf(buf, n,
			"v=0\r\n"
			"o=- 3830000000 3830000001 IN %s %s\r\n"
			"s=-\r\n"
			"c=IN %s %s\r\n"
			"t=0 0\r\n"
			"m=audio %u RTP/AVP %s\r\n"
			"%s",
			ip, addr, ip, addr, port, fmts, extra);
}

#endif /* SIPXDP_TEST_SIPMSG_H */
