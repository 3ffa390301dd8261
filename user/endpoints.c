// SPDX-License-Identifier: GPL-2.0
/*
 * endpoints.c - endpoint references and their kernel mirror (endpoints.h).
 *
 * A port's bit is on while an endpoint in the kernel uses the port, and
 * goes on only once that endpoint is in the map: the program never looks
 * up what is not there yet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "endpoints.h"
#include "log.h"
#include "util.h"

/* How many offers' endpoints one sender has in the kernel. */
struct ep_source {
	struct sipxdp_addr addr;
	unsigned int n;
	UT_hash_handle hh;
};

int endpoints_init(struct endpoints *e, struct dp *dp, const struct endpoints_cfg *cfg)
{
	memset(e, 0, sizeof(*e));
	e->dp = dp;
	e->cfg = *cfg;
	/* Zero: no bound (the unit tests' default). */
	if (!e->cfg.capacity)
		e->cfg.capacity = UINT_MAX;
	if (!e->cfg.offer_budget)
		e->cfg.offer_budget = e->cfg.capacity;
	if (!e->cfg.offer_per_source)
		e->cfg.offer_per_source = e->cfg.offer_budget;
	e->port_refs = calloc(65536, sizeof(*e->port_refs));
	return e->port_refs ? 0 : -ENOMEM;
}

struct ep_ref *endpoints_find(const struct endpoints *e, const struct endpoint_key *key)
{
	struct ep_ref *r;

	HASH_FIND(hh, e->table, key, sizeof(*key), r);
	return r;
}

struct ep_ref *endpoints_at(const struct endpoints *e, const struct sipxdp_addr *addr, uint16_t port)
{
	struct endpoint_key ek = { .addr = *addr, .port = port, .proto = IPPROTO_UDP };

	return endpoints_find(e, &ek);
}

static struct ep_source *source_of(struct endpoints *e, const struct sipxdp_addr *a, bool create)
{
	struct ep_source *src;

	HASH_FIND(hh, e->sources, a, sizeof(*a), src);
	if (!src && create && (src = calloc(1, sizeof(*src)))) {
		src->addr = *a;
		HASH_ADD(hh, e->sources, addr, sizeof(src->addr), src);
	}
	return src;
}

/* r, in the kernel, is an offer's only: on the list, counted against its sender. */
static void offer_on(struct endpoints *e, struct ep_ref *r)
{
	struct ep_source *src = source_of(e, &r->source, true);

	DL_APPEND(e->offers, r);
	e->nr_offers++;
	if (src)
		src->n++;
}

static void offer_off(struct endpoints *e, struct ep_ref *r)
{
	struct ep_source *src = source_of(e, &r->source, false);

	DL_DELETE(e->offers, r);
	e->nr_offers--;
	if (src && !--src->n) {
		HASH_DEL(e->sources, src);
		free(src);
	}
}

static bool on_offer_list(const struct ep_ref *r)
{
	return r->in_kernel && !r->committed && !r->adopt_until;
}

static int push(struct endpoints *e, struct ep_ref *r)
{
	uint16_t port = ntohs(r->key.port);
	uint64_t budget = (uint64_t)r->refs * e->cfg.unpaired_per_call;
	int err;

	/* Each call naming the endpoint brings its share of unpaired streams. */
	r->info.unpaired_max = !e->cfg.unpaired_per_call || budget > UINT32_MAX ? UINT32_MAX : budget;
	err = dp_endpoint_set(e->dp, &r->key, &r->info);

	if (err) {
		char a[64];

		/* The first refusal of an interval in detail, the rest in endpoints_log_pressure(). */
		if (e->st.insert_fail++ == e->logged.insert_fail)
			pr_warn("add media endpoint %s to the kernel: %s\n",
				addr_port_str(a, sizeof(a), &r->key.addr, port), strerror(-err));
		return err;
	}
	if (!r->in_kernel) {
		r->in_kernel = true;
		e->nr_in_kernel++;
		/* The port bit last: from then on the program looks the endpoint up. */
		if (!e->port_refs[port]++)
			dp_media_port(e->dp, port, true);
	}
	return 0;
}

static void unpush(struct endpoints *e, struct ep_ref *r)
{
	uint16_t port = ntohs(r->key.port);
	int err;

	if (!r->in_kernel)
		return;
	err = dp_endpoint_del(e->dp, &r->key);
	if (err)
		pr_warn("remove media endpoint from the kernel: %s\n", strerror(-err));
	if (!--e->port_refs[port])
		dp_media_port(e->dp, port, false);
	r->in_kernel = false;
	r->info.unpaired_released = 0;	/* the kernel's count went with it: both start at 0 again */
	e->nr_in_kernel--;
}

/* The oldest offer's endpoint leaves the kernel, for a committed call's. */
static bool displace_one(struct endpoints *e)
{
	struct ep_ref *r = e->offers;

	if (!r)
		return false;
	offer_off(e, r);
	unpush(e, r);
	e->st.displaced++;
	return true;
}

static bool map_full(int err)
{
	return err == -E2BIG || err == -ENOSPC || err == -ENOMEM;
}

static bool sync_committed(struct endpoints *e, struct ep_ref *r)
{
	bool was_in = r->in_kernel;
	int err;

	if (!was_in)
		while (e->nr_in_kernel >= e->cfg.capacity && displace_one(e))
			;
	err = push(e, r);
	/* The map may hold less than we count (another program's entries, memory): make room once more. */
	if (map_full(err) && displace_one(e))
		err = push(e, r);
	return !err && !was_in;
}

static bool offer_fits(struct endpoints *e, const struct ep_ref *r)
{
	const struct ep_source *src = source_of(e, &r->source, false);

	return e->nr_offers < e->cfg.offer_budget && e->nr_in_kernel < e->cfg.capacity &&
	       (!src || src->n < e->cfg.offer_per_source);
}

bool endpoints_sync(struct endpoints *e, struct ep_ref *r, bool may_offer)
{
	if (r->committed)
		return sync_committed(e, r);
	if (r->in_kernel) {
		push(e, r);	/* an offer's endpoint already there: new information */
		return false;
	}
	if (!may_offer || !offer_fits(e, r)) {
		if (e->st.parked++ == e->logged.parked) {
			char a[64];

			pr_warn("media endpoint %s of an unanswered call kept out of the kernel: offers have "
				"%u of %u places in the map (see --offer-share)\n",
				addr_port_str(a, sizeof(a), &r->key.addr, ntohs(r->key.port)),
				e->nr_offers, e->cfg.offer_budget);
		}
		return false;
	}
	if (push(e, r))
		return false;
	offer_on(e, r);
	return true;
}

static int add_owner(struct ep_ref *r, struct media_call *owner)
{
	if (r->refs == r->cap) {
		int cap = r->cap ? r->cap * 2 : 2;
		struct media_call **n = realloc(r->calls, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->calls = n;
		r->cap = cap;
	}
	r->calls[r->refs++] = owner;
	return 0;
}

struct ep_ref *endpoints_hold(struct endpoints *e, const struct endpoint_key *key, struct media_call *owner,
			      bool committed, const struct sipxdp_addr *source)
{
	struct ep_ref *r = endpoints_find(e, key);

	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		r->key = *key;
		r->source = *source;
		HASH_ADD(hh, e->table, key, sizeof(r->key), r);
		e->nr++;
	}
	if (add_owner(r, owner)) {
		if (!r->refs && !r->adopt_until) {
			HASH_DEL(e->table, r);
			e->nr--;
			free(r);
		}
		return NULL;
	}
	if (r->adopt_until) {
		/* Left in the kernel by an earlier agent: this call's now, an offer's until it commits. */
		r->adopt_until = 0;
		r->source = *source;
		e->nr_adopted--;
		offer_on(e, r);
	}
	if (committed)
		endpoints_commit(e, r);
	return r;
}

void endpoints_commit(struct endpoints *e, struct ep_ref *r)
{
	if (on_offer_list(r))
		offer_off(e, r);
	r->committed++;
}

void endpoints_drop(struct endpoints *e, struct ep_ref *r, struct media_call *owner, bool committed)
{
	bool was_offer = on_offer_list(r), found = false;
	int i;

	for (i = 0; i < r->refs && !found; i++) {
		if (r->calls[i] == owner) {
			r->calls[i] = r->calls[--r->refs];
			found = true;
		}
	}
	if (found && committed && r->committed)
		r->committed--;
	if (r->refs > 0) {
		if (!was_offer && on_offer_list(r))
			offer_on(e, r);	/* only offers hold it now */
		if (found && r->in_kernel)
			push(e, r);	/* one call fewer: a smaller share of unpaired streams */
		return;
	}
	if (was_offer)
		offer_off(e, r);
	unpush(e, r);
	HASH_DEL(e->table, r);
	e->nr--;
	free(r->calls);
	free(r);
}

void endpoints_unpaired_gone(struct endpoints *e, const struct sipxdp_addr *addr, uint16_t port)
{
	struct ep_ref *r = endpoints_at(e, addr, port);

	if (r && r->in_kernel) {
		r->info.unpaired_released++;
		push(e, r);
	}
}

int endpoints_adopt(struct endpoints *e, const struct endpoint_key *key, const struct endpoint_info *info,
		    uint64_t until)
{
	uint16_t port = ntohs(key->port);
	struct ep_ref *r = endpoints_find(e, key);

	if (r)
		return 0;	/* the map holds each key once */
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->key = *key;
	r->info = *info;
	r->in_kernel = true;
	r->adopt_until = until ? until : 1;
	e->nr_adopted++;
	HASH_ADD(hh, e->table, key, sizeof(r->key), r);
	e->nr++;
	e->nr_in_kernel++;
	/* The bit is on already (the program's globals outlived the agent too): set it anyway. */
	if (!e->port_refs[port]++)
		dp_media_port(e->dp, port, true);
	return 0;
}

unsigned int endpoints_expire(struct endpoints *e, uint64_t now)
{
	struct ep_ref *r, *tmp;
	unsigned int n = 0;

	if (!e->nr_adopted)
		return 0;
	HASH_ITER(hh, e->table, r, tmp) {
		if (!r->adopt_until || r->refs || r->adopt_until > now)
			continue;
		r->adopt_until = 0;
		e->nr_adopted--;
		unpush(e, r);
		HASH_DEL(e->table, r);
		e->nr--;
		free(r->calls);
		free(r);
		n++;
	}
	return n;
}

void endpoints_log_pressure(struct endpoints *e)
{
	uint64_t fail = e->st.insert_fail - e->logged.insert_fail;
	uint64_t parked = e->st.parked - e->logged.parked;

	if (fail > 1)
		pr_warn("%llu media endpoints refused by the kernel map in the last interval\n",
			(unsigned long long)fail);
	if (parked > 1)
		pr_warn("%llu media endpoints of unanswered calls kept out of the kernel in the last interval "
			"(%u offers' endpoints in the map, %u parked)\n",
			(unsigned long long)parked, e->nr_offers, endpoints_parked(e));
	e->logged = e->st;
}

void endpoints_free(struct endpoints *e)
{
	struct ep_source *src, *stmp;
	struct ep_ref *r, *rtmp;

	HASH_ITER(hh, e->table, r, rtmp) {
		HASH_DEL(e->table, r);
		free(r->calls);
		free(r);
	}
	HASH_FREE_ALL(e->sources, src, stmp);
	e->offers = NULL;
	e->nr = e->nr_in_kernel = e->nr_offers = 0;
	free(e->port_refs);
	e->port_refs = NULL;
}
