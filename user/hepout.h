/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hepout.h - what the agent tells a Homer (--hep): every SIP message as it
 * was seen (protocol type 1), every RTCP compound it parsed (type 5, JSON),
 * and for every stream of a call a quality report (type 34, JSON) each
 * --hep-report-interval while the call is up and a last one when its
 * record is written, with the record's own figures.  Each is encoded once
 * (hep.c) and queued for every collector (hepsend.c), which never makes
 * the agent wait.
 *
 * Times are the event clock made Unix time: live, CLOCK_MONOTONIC plus the
 * offset the records use; with --read, the capture's own.
 */
#ifndef SIPXDP_HEPOUT_H
#define SIPXDP_HEPOUT_H

#include <stdint.h>

#include "dialog.h"
#include "hepsend.h"
#include "msg.h"
#include "rtcp.h"
#include "sip.h"

enum hepout_kind { HEPOUT_SIP, HEPOUT_RTCP, HEPOUT_REPORT, HEPOUT_NR };

extern const char *const hepout_kind_names[HEPOUT_NR];

struct hepout_cfg {
	uint32_t capture_id;		/* --hep-id */
	const char *auth;		/* --hep-password; NULL: no key chunk */
	const char *node;		/* --hep-node; NULL: no node name chunk */
	uint64_t report_interval_ns;	/* --hep-report-interval; 0: final reports only */
	int64_t unix_offset_ns;		/* event clock + offset = Unix time */
};

struct hepout {
	struct hepsend *send;		/* NULL: HEP is off, every call is a no-op */
	struct hepout_cfg cfg;
	uint64_t last_periodic;		/* event clock of the last periodic pass */
	uint64_t made[HEPOUT_NR];	/* messages encoded and queued, by kind */
	uint64_t failed;		/* could not be made: over 65535 bytes, or no memory for the JSON */
	uint8_t *buf;			/* one message being encoded */
};

/* send NULL: HEP off.  0 or -ENOMEM. */
int hepout_init(struct hepout *h, struct hepsend *send, const struct hepout_cfg *cfg);
void hepout_free(struct hepout *h);

/* One SIP message (m: what it parsed to, NULL if it did not: then no correlation ID). */
void hepout_sip(struct hepout *h, const struct msg *msg, const struct sip_msg *m);
/* One RTCP compound, of call (NULL: no call claims it; then no correlation ID). */
void hepout_rtcp(struct hepout *h, const struct msg *msg, const struct rtcp_packet *rp, const struct call *call);
/* The call's record is being written: each stream's last report (TYPE FINAL). */
void hepout_call_done(struct hepout *h, const struct call *call, uint64_t now);
/*
 * Time has moved to now (event clock), the streams just read: a report for
 * each stream of every call still up whose report interval, counted from
 * its INVITE, has come round since the last pass.
 */
void hepout_periodic(struct hepout *h, const struct dialogs *d, uint64_t now);

#endif /* SIPXDP_HEPOUT_H */
