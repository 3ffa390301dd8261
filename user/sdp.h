/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sdp.h - SDP (RFC 4566) parsing: the parts needed to learn media endpoints
 * and their codecs.  Input is untrusted (p, len); results are fixed-size
 * copies, nothing is allocated.
 */
#ifndef SIPXDP_SDP_H
#define SIPXDP_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sipxdp.h"	/* struct sipxdp_addr: IPv4 stored IPv4-mapped */

#define SDP_MAX_MEDIA	8
#define SDP_MAX_FMT	32

enum sdp_dir { SDP_DIR_NONE, SDP_DIR_SENDRECV, SDP_DIR_SENDONLY, SDP_DIR_RECVONLY, SDP_DIR_INACTIVE };

struct sdp_conn {
	bool present;
	uint8_t family;			/* 4 or 6 */
	struct sipxdp_addr addr;
};

struct sdp_rtpmap {
	uint8_t pt;
	char encoding[32];
	uint32_t clock_rate;
	uint8_t channels;		/* 0 when the rtpmap gives none */
};

struct sdp_media {
	char type[16];			/* "audio", "video", ... (truncated) */
	uint16_t port;			/* host order */
	uint16_t nports;		/* from m=audio 5000/2, default 1 */
	char proto[32];			/* "RTP/AVP", ... (truncated) */
	int nfmt;
	uint8_t fmt[SDP_MAX_FMT];	/* numeric fmts 0..127 only; others skipped */
	int nrtpmap;
	struct sdp_rtpmap rtpmap[SDP_MAX_FMT];
	int nfmtp;
	struct {
		uint8_t pt;
		char params[96];	/* truncated */
	} fmtp[SDP_MAX_FMT];
	int ptime;			/* ms, 0 if absent */
	uint16_t rtcp_port;		/* a=rtcp (RFC 3605), 0 if absent: RTCP on port + 1 */
	bool rtcp_mux;			/* a=rtcp-mux (RFC 5761): RTCP on the RTP port */
	enum sdp_dir dir;		/* media-level, NONE if absent */
	struct sdp_conn conn;		/* media-level c= */
};

struct sdp_session {
	struct sdp_conn conn;		/* session-level c= */
	enum sdp_dir dir;		/* session-level a= direction */
	int nmedia;
	struct sdp_media media[SDP_MAX_MEDIA];
	int nmedia_dropped;		/* m= sections beyond SDP_MAX_MEDIA */
};

/*
 * 0 ok; -EINVAL malformed (no v=0 first line, bad c= address, bad m= port or
 * port count).  Unknown lines and malformed attributes are ignored; media
 * beyond SDP_MAX_MEDIA are counted in nmedia_dropped (their c= and m= lines
 * are still checked).
 */
int sdp_parse(const char *p, size_t len, struct sdp_session *s);

/*
 * Effective connection and direction for media i: media level overrides
 * session level; direction defaults to SENDRECV.  The connection returned may
 * have present == false; NULL / SDP_DIR_NONE when i is out of range.
 */
const struct sdp_conn *sdp_media_conn(const struct sdp_session *s, int i);
enum sdp_dir sdp_media_dir(const struct sdp_session *s, int i);
const char *sdp_dir_name(enum sdp_dir d);	/* "sendrecv", ..., "none" */

/* rtpmap entry for pt in m, or NULL. */
const struct sdp_rtpmap *sdp_rtpmap_find(const struct sdp_media *m, uint8_t pt);

#endif /* SIPXDP_SDP_H */
