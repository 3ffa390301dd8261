/* SPDX-License-Identifier: GPL-2.0 */
/*
 * calls.h - the call table: SIP dialogs keyed by Call-ID, the media
 * endpoints their SDP announces (reference-counted, mirrored into the
 * kernel's endpoints map) and the RTP streams the kernel counts for them.
 */
#ifndef SIPXDP_CALLS_H
#define SIPXDP_CALLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <uthash.h>

#include "sipxdp.h"
#include "sip.h"

struct kern;

enum call_state {
	CALL_INVITING,		/* INVITE seen */
	CALL_PROCEEDING,	/* 1xx */
	CALL_ANSWERED,		/* 2xx, waiting for ACK */
	CALL_CONFIRMED,		/* ACK */
	CALL_TERMINATING,	/* BYE or CANCEL sent */
	CALL_ENDED,		/* final: result says how */
};

/* How a call ended.  The JSON `state` reports busy as failed (its final_status says 486/600). */
enum call_result {
	RESULT_ACTIVE,
	RESULT_COMPLETED,	/* answered, then BYE */
	RESULT_BUSY,		/* 486, 600 */
	RESULT_FAILED,		/* other 3xx-6xx */
	RESULT_CANCELLED,	/* CANCEL, 487 */
	RESULT_TIMED_OUT,	/* no final answer, silence, or over the maximum duration */
	RESULT_EVICTED,		/* dropped to make room in a full call table */
	RESULT_NR,
};

enum call_side { SIDE_UNKNOWN, SIDE_CALLER, SIDE_CALLEE };

#define CALL_MAX_EP	12
#define CALL_MAX_RTCP	8
#define CALL_MAX_DTMF	64
#define CALL_EP_MAX_PT	16

/* What RTCP receivers said about one source (SSRC) of a call. */
struct rtcp_view {
	uint32_t ssrc;			/* the source reported on */
	uint32_t reports;
	double fraction_lost;		/* 0..1, newest report */
	int32_t cumulative_lost;
	uint32_t jitter;		/* RTP timestamp units */
	double rtt_ms;			/* < 0: unknown */
};

struct dtmf_event {
	char digit;
	uint32_t ssrc;
	uint32_t rtp_ts;		/* the event's timestamp: repeats of one end packet share it */
	uint32_t duration;		/* timestamp units */
	uint64_t t;			/* event clock */
};

/* A media endpoint as one call's SDP described it. */
struct call_ep {
	struct endpoint_key key;
	uint8_t rtcp;		/* an RTCP port, not RTP */
	uint8_t event_pt;	/* telephone-event payload type, 0 if none */
	uint8_t side;		/* enum call_side whose SDP announced it */
	uint8_t dir;		/* enum sdp_dir of its m= line */
	uint8_t stale;		/* replaced by a newer SDP of the same side: released at grace */
	uint64_t stale_at;
	uint8_t npt;
	struct {
		uint8_t pt;
		uint32_t clock_rate;
		char name[24];
	} pt[CALL_EP_MAX_PT];
};

struct stream_rec;

struct call {
	char call_id[128];
	char from[128];
	char to[128];
	char from_tag[64];			/* the caller's tag: who sent a request */
	char answer_to_tag[64];			/* To tag of the first 2xx */
	enum call_state state;
	enum call_result result;
	int final_status;
	bool cancel_seen;
	bool on_hold;				/* newest SDP: sendonly, inactive or 0.0.0.0 */
	bool held_by[3];			/* by enum call_side */
	uint8_t hangup;				/* enum call_side that sent BYE */
	unsigned int reinvites;
	uint32_t invite_cseq;			/* CSeq of the newest INVITE */
	char invite_branch[64];			/* its top Via branch */
	unsigned int forked_answers;		/* 2xx with another To tag */
	uint64_t t_invite, t_ringing, t_answer, t_end;	/* event clock, ns; 0 = not yet */
	uint64_t t_last_sip;
	uint64_t finalize_at;			/* event clock; 0 = not scheduled */
	int nep;
	struct call_ep ep[CALL_MAX_EP];
	struct stream_rec *streams;		/* list through stream_rec.call_next */
	int nrtcp;
	struct rtcp_view rtcp[CALL_MAX_RTCP];
	int ndtmf;
	struct dtmf_event dtmf[CALL_MAX_DTMF];
	uint32_t dtmf_dropped;
	UT_hash_handle hh;
};

struct stream_rec {
	struct stream_key key;
	struct stream_state st;			/* last copy read from the kernel */
	struct call *call;
	struct stream_rec *call_next;
	int64_t lost_counted;			/* already added to rtp_lost_total */
	uint64_t idle_since;
	bool counted_unattached;
	UT_hash_handle hh;
};

/* A media endpoint in the kernel map, with the calls whose SDP names it. */
struct ep_ref {
	struct endpoint_key key;
	struct endpoint_info info;
	int refs;			/* number of entries in calls */
	int cap;
	struct call **calls;
	UT_hash_handle hh;
};

struct calls_cfg {
	uint64_t grace_ns;		/* keep endpoints this long after a call ends */
	uint64_t setup_timeout_ns;	/* INVITE without a final answer */
	uint64_t rtp_timeout_ns;	/* answered call with no SIP and no RTP */
	uint64_t max_duration_ns;	/* answered call longer than this */
	unsigned int max_calls;
	FILE *json;			/* --calls-json, or NULL */
	int64_t unix_offset_ns;		/* event clock + offset = Unix time */
	bool live;			/* event clock is CLOCK_MONOTONIC (not a capture's) */
};

#define SIP_COUNT_METHODS 16
struct calls_stats {
	uint64_t requests[SIP_COUNT_METHODS];		/* by enum sip_method */
	uint64_t responses[SIP_COUNT_METHODS][700];	/* by CSeq method and status code */
	uint64_t parse_errors;
	uint64_t sdp_errors;
	uint64_t not_sip;
	uint64_t calls_total[RESULT_NR];
	uint64_t calls_dropped;				/* table full, nothing to evict */
	uint64_t ep_insert_fail;
	uint64_t rtp_lost_total;
	uint64_t streams_unattached;			/* seen with no call to attach to */
	uint64_t streams_reaped;			/* of those, removed once silent */
	uint64_t responses_unmatched;			/* answers to an older INVITE transaction */
	uint64_t invite_retries;			/* INVITEs that reopened a failed call (auth) */
	uint64_t rtcp_packets;				/* RTCP compounds read */
	uint64_t rtcp_errors;				/* ... unreadable */
	uint64_t rtcp_unattached;			/* ... on no followed call */
	uint64_t dtmf_digits;				/* RFC 4733 events recorded */
	uint64_t pending_expired;			/* held RTP records nobody claimed */
	uint64_t learn_n;				/* SIP in XDP to endpoint in the map: samples */
	uint64_t learn_sum_ns;
	uint64_t learn_ring[1024];			/* newest samples, for quantiles */
};

struct calls {
	struct kern *k;
	struct calls_cfg cfg;
	struct call *by_id;
	struct ep_ref *eps;
	uint32_t *port_refs;			/* endpoints per port, 65536 entries */
	struct stream_rec *streams;
	unsigned int nr_calls;
	uint64_t now;				/* newest event-clock time seen */
	uint64_t cur_pkt_ts;			/* the SIP packet being handled */
	struct calls_stats st;
};

/* One SIP datagram as the kernel handed it up. */
enum pkt_kind { PKT_SIP, PKT_RTCP, PKT_DTMF };

/* One message the kernel handed up: SIP, or RTCP / an RFC 4733 event on a media endpoint. */
struct sip_pkt {
	uint64_t ts_ns;
	enum pkt_kind kind;
	struct sipxdp_addr src, dst;
	uint16_t sport, dport;		/* host order */
	const char *payload;		/* SIP message, RTCP compound, or RTP packet (DTMF) */
	size_t len;
};

int calls_init(struct calls *c, struct kern *k, const struct calls_cfg *cfg);
void calls_on_sip(struct calls *c, const struct sip_pkt *pkt);
void calls_on_rtcp(struct calls *c, const struct sip_pkt *pkt);
void calls_on_dtmf(struct calls *c, const struct sip_pkt *pkt);
/* Read the kernel's streams, end timed-out calls, release what is past grace. */
void calls_tick(struct calls *c, uint64_t now_ns);
/* At exit: a last read, and a JSON record for every call still open. */
void calls_finish(struct calls *c);
void calls_free(struct calls *c);

const char *call_result_name(enum call_result r);
const char *call_state_name(enum call_state s);
/* "ip:port" of a 16-byte address and a host-order port. */
char *addr_port_str(char *buf, size_t n, const struct sipxdp_addr *a, uint16_t port);
/* Codec text and clock rate of a stream from its call's SDP. */
const char *stream_codec(const struct stream_rec *s, uint32_t *clock_rate);
double stream_jitter_ms(uint64_t q4);

#endif
