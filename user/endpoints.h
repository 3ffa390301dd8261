/* SPDX-License-Identifier: GPL-2.0 */
/*
 * endpoints.h - the media endpoints the calls' SDP names, reference counted
 * across calls (sipp's UAS answers every call on one port), and their
 * mirror in the kernel's endpoints map and port bitmap.
 *
 * The kernel map is a budget a stranger can spend: anyone can send INVITEs.
 * So an endpoint is in the kernel for sure only once a call naming it is
 * committed (its far side answered or rang: a real peer).  Endpoints of
 * calls that are only offers share a part of the map (offer_budget, and
 * offer_per_source of it for one sender); past it they are kept here,
 * parked, and pushed when their call commits.  A committed endpoint that
 * finds the map full takes the place of the oldest offer's.
 */
#ifndef SIPXDP_ENDPOINTS_H
#define SIPXDP_ENDPOINTS_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane.h"
#include "hashing.h"
#include "sipxdp.h"

struct media_call;	/* an owner, opaque here */

struct ep_ref {
	struct endpoint_key key;
	struct endpoint_info info;		/* what the kernel has, or would have */
	int refs;				/* entries in calls */
	int cap;
	struct media_call **calls;
	unsigned int committed;			/* of refs, committed calls */
	bool in_kernel;
	/*
	 * Found in the kernel's map at a restart with no call holding it yet
	 * (the maps outlived an agent): it goes at adopt_until unless a call
	 * names it first.  0: not such a one.
	 */
	uint64_t adopt_until;
	struct sipxdp_addr source;		/* who offered it (while no committed call holds it) */
	struct ep_ref *prev, *next;		/* endpoints.offers: in the kernel, no committed call */
	UT_hash_handle hh;
};

struct endpoints_cfg {				/* 0: no bound */
	unsigned int capacity;			/* the kernel map's entries */
	unsigned int offer_budget;		/* of those, for endpoints of offers only */
	unsigned int offer_per_source;		/* ... and of that, for one sender's offers */
	unsigned int unpaired_per_call;		/* unpaired streams at an endpoint, per call naming it */
};

struct endpoints_stats {
	uint64_t insert_fail;			/* the kernel map refused one */
	uint64_t parked;			/* endpoints kept out of the kernel by the offer budget */
	uint64_t displaced;			/* offers' endpoints pulled out for a committed call's */
};

struct ep_source;

struct endpoints {
	struct dp *dp;
	struct endpoints_cfg cfg;
	struct ep_ref *table;
	struct ep_ref *offers;			/* oldest first */
	struct ep_source *sources;
	uint32_t *port_refs;			/* endpoints in the kernel per port, 65536 entries */
	unsigned int nr, nr_in_kernel, nr_offers;
	unsigned int nr_adopted;		/* left by an earlier agent, no call holding them yet */
	struct endpoints_stats st;
	struct endpoints_stats logged;		/* st at the last log line */
};

int endpoints_init(struct endpoints *e, struct dp *dp, const struct endpoints_cfg *cfg);
void endpoints_free(struct endpoints *e);

struct ep_ref *endpoints_find(const struct endpoints *e, const struct endpoint_key *key);
/* The endpoint at addr:port (network order), NULL if none. */
struct ep_ref *endpoints_at(const struct endpoints *e, const struct sipxdp_addr *addr, uint16_t port);

/*
 * owner names key (once: the caller checks): the endpoint, created if new,
 * with owner among its calls.  source is who sent the offer.  The kernel
 * learns of it later, from endpoints_sync().  NULL on allocation failure.
 */
struct ep_ref *endpoints_hold(struct endpoints *e, const struct endpoint_key *key, struct media_call *owner,
			      bool committed, const struct sipxdp_addr *source);
/* owner no longer names r (r may be freed). */
void endpoints_drop(struct endpoints *e, struct ep_ref *r, struct media_call *owner, bool committed);
/* owner, which names r, is committed now. */
void endpoints_commit(struct endpoints *e, struct ep_ref *r);

/*
 * Bring the kernel in line with r: pushed (or its info updated) if it may be
 * there, parked if not.  may_offer: an offer's call still within its own
 * count.  Returns true when r went into the kernel just now.
 */
bool endpoints_sync(struct endpoints *e, struct ep_ref *r, bool may_offer);

/*
 * An unpaired stream charged to the endpoint at addr:port (network order) is
 * gone from the kernel: its place is given back.
 */
void endpoints_unpaired_gone(struct endpoints *e, const struct sipxdp_addr *addr, uint16_t port);

/*
 * A restart, the maps an earlier agent's (--persist): key is in the
 * kernel's map with info.  It is counted as there, no call holding it; a
 * call that names it before until (event clock) takes it as it is (its
 * unpaired count goes on), else endpoints_expire() removes it then.
 * 0, or -ENOMEM.
 */
int endpoints_adopt(struct endpoints *e, const struct endpoint_key *key, const struct endpoint_info *info,
		    uint64_t until);
/* Endpoints adopted at a restart that no call named in time leave the kernel: how many. */
unsigned int endpoints_expire(struct endpoints *e, uint64_t now);

/* Once per output interval: one log line for the refusals since the last. */
void endpoints_log_pressure(struct endpoints *e);

static inline unsigned int endpoints_parked(const struct endpoints *e)
{
	return e->nr - e->nr_in_kernel;
}

/*
 * The offers' share of the map is all but used, or endpoints wait parked
 * for room: the dialog ages unanswered calls faster.
 */
static inline bool endpoints_under_pressure(const struct endpoints *e)
{
	return (uint64_t)e->nr_offers * 10 >= (uint64_t)e->cfg.offer_budget * 9 || endpoints_parked(e) > 0;
}

#endif /* SIPXDP_ENDPOINTS_H */
