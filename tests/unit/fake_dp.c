// SPDX-License-Identifier: GPL-2.0
/* fake_dp.c - the data plane in memory (fake_dp.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake_dp.h"
#include "rtp_stats.h"

static struct fake_dp *fake_of(struct dp *dp)
{
	return (struct fake_dp *)dp;
}

static void log_op(struct fake_dp *f, struct fake_log e)
{
	if (f->nlog < FAKE_LOG_MAX)
		f->log[f->nlog++] = e;
}

static int f_endpoint_set(struct dp *dp, const struct endpoint_key *key, const struct endpoint_info *info)
{
	struct fake_dp *f = fake_of(dp);
	struct fake_ep *e;

	HASH_FIND(hh, f->eps, key, sizeof(*key), e);
	if (!e) {
		if (f->max_endpoints && HASH_COUNT(f->eps) >= f->max_endpoints)
			return -E2BIG;
		e = calloc(1, sizeof(*e));	/* its unpaired count starts at 0, as ep_unpaired's */
		if (!e)
			return -ENOMEM;
		e->key = *key;
		HASH_ADD(hh, f->eps, key, sizeof(e->key), e);
	}
	e->info = *info;
	log_op(f, (struct fake_log){ .op = FAKE_EP_SET, .ep = *key });
	return 0;
}

static int f_endpoint_del(struct dp *dp, const struct endpoint_key *key)
{
	struct fake_dp *f = fake_of(dp);
	struct fake_ep *e;

	HASH_FIND(hh, f->eps, key, sizeof(*key), e);
	if (e) {
		HASH_DEL(f->eps, e);
		free(e);
	}
	log_op(f, (struct fake_log){ .op = FAKE_EP_DEL, .ep = *key });
	return 0;
}

static void f_media_port(struct dp *dp, uint16_t port, bool on)
{
	struct fake_dp *f = fake_of(dp);

	if (on)
		f->ports[port >> 6] |= 1ULL << (port & 63);
	else
		f->ports[port >> 6] &= ~(1ULL << (port & 63));
	log_op(f, (struct fake_log){ .op = on ? FAKE_PORT_ON : FAKE_PORT_OFF, .port = port });
}

static int f_streams_read(struct dp *dp, dp_stream_cb cb, void *ctx)
{
	struct fake_stream *s, *tmp;

	HASH_ITER(hh, fake_of(dp)->streams, s, tmp)
		if (cb(ctx, &s->key, &s->st))
			break;
	return 0;
}

static int f_stream_get(struct dp *dp, const struct stream_key *key, struct stream_state *st)
{
	struct fake_stream *s;

	HASH_FIND(hh, fake_of(dp)->streams, key, sizeof(*key), s);
	if (!s)
		return -ENOENT;
	*st = s->st;
	return 0;
}

static int f_stream_del(struct dp *dp, const struct stream_key *key, uint32_t flags)
{
	struct fake_dp *f = fake_of(dp);
	struct fake_stream *s;

	HASH_FIND(hh, f->streams, key, sizeof(*key), s);
	if (s) {
		HASH_DEL(f->streams, s);
		free(s);
		if (flags & STREAM_F_UNPAIRED)
			f->unpaired_released++;
	}
	log_op(f, (struct fake_log){ .op = FAKE_STREAM_DEL, .stream = *key });
	return 0;
}

static int f_health(struct dp *dp, struct dp_health *h)
{
	memset(h, 0, sizeof(*h));
	h->kernel = fake_of(dp)->health;
	return 0;
}

static int f_pending_expire(struct dp *dp, uint64_t older_than_ns)
{
	(void)older_than_ns;
	return fake_of(dp)->pending_expire_ret;
}

static int f_endpoints_read(struct dp *dp, dp_endpoint_cb cb, void *ctx)
{
	struct fake_ep *e, *tmp;

	HASH_ITER(hh, fake_of(dp)->eps, e, tmp)
		if (cb(ctx, &e->key, &e->info))
			break;
	return 0;
}

static int f_stream_put(struct dp *dp, const struct stream_key *key, const struct stream_state *st)
{
	struct fake_dp *f = fake_of(dp);
	struct fake_stream *s;

	HASH_FIND(hh, f->streams, key, sizeof(*key), s);
	if (s)
		return -EEXIST;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->key = *key;
	s->st = *st;
	memset(&s->st.lock, 0, sizeof(s->st.lock));
	HASH_ADD(hh, f->streams, key, sizeof(s->key), s);
	return 0;
}

static const struct dp_ops fake_ops = {
	.endpoint_set = f_endpoint_set,
	.endpoint_del = f_endpoint_del,
	.media_port = f_media_port,
	.streams_read = f_streams_read,
	.stream_get = f_stream_get,
	.stream_del = f_stream_del,
	.health = f_health,
	.pending_expire = f_pending_expire,
	.endpoints_read = f_endpoints_read,
	.stream_put = f_stream_put,
};

void fake_dp_init(struct fake_dp *f)
{
	memset(f, 0, sizeof(*f));
	f->dp.ops = &fake_ops;
}

void fake_dp_free(struct fake_dp *f)
{
	struct fake_stream *s, *stmp;
	struct fake_ep *e, *etmp;

	HASH_FREE_ALL(f->streams, s, stmp);
	HASH_FREE_ALL(f->eps, e, etmp);
}

void fake_addr(struct sipxdp_addr *a, const char *text)
{
	memset(a, 0, sizeof(*a));
	if (strchr(text, ':')) {
		inet_pton(AF_INET6, text, a->a);
	} else {
		a->a[10] = a->a[11] = 0xff;
		inet_pton(AF_INET, text, &a->a[12]);
	}
}

static const struct fake_ep *ep_at(const struct fake_dp *f, const struct sipxdp_addr *a, uint16_t port_be)
{
	struct endpoint_key k = { .addr = *a, .port = port_be, .proto = IPPROTO_UDP };
	struct fake_ep *e;

	HASH_FIND(hh, f->eps, &k, sizeof(k), e);
	return e;
}

const struct endpoint_info *fake_dp_endpoint(const struct fake_dp *f, const char *addr, uint16_t port)
{
	struct sipxdp_addr a;
	const struct fake_ep *e;

	fake_addr(&a, addr);
	e = ep_at(f, &a, htons(port));
	return e ? &e->info : NULL;
}

bool fake_dp_port_on(const struct fake_dp *f, uint16_t port)
{
	return (f->ports[port >> 6] >> (port & 63)) & 1;
}

unsigned int fake_dp_nr_endpoints(const struct fake_dp *f)
{
	return HASH_COUNT(f->eps);
}

unsigned int fake_dp_nr_streams(const struct fake_dp *f)
{
	return HASH_COUNT(f->streams);
}

unsigned int fake_dp_count(const struct fake_dp *f, enum fake_op op, uint16_t port)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->nlog; i++)
		if (f->log[i].op == op && (!port || f->log[i].port == port))
			n++;
	return n;
}

/* As the program's media_end(): an endpoint whose clocks count, not an RTCP port. */
static const struct fake_ep *media_end(const struct fake_ep *ep)
{
	return ep && !(ep->info.flags & ENDPOINT_F_RTCP) ? ep : NULL;
}

/* As the program's clock_at(): the first end's clock of pt, else the other's. */
static uint8_t clock_at(const struct fake_ep *ep, const struct fake_ep *other, uint8_t pt)
{
	uint8_t code = ep ? ep->info.clock_code[pt & (SIPXDP_NR_PT - 1)] : CLK_NONE;

	if (code == CLK_NONE && other)
		code = other->info.clock_code[pt & (SIPXDP_NR_PT - 1)];
	return code;
}

bool fake_dp_rtp(struct fake_dp *f, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		 uint32_t ssrc, uint16_t seq, uint32_t ts, uint8_t pt, uint64_t now_ns)
{
	struct rtp_sample smp = { .now_ns = now_ns, .ts = ts, .bytes = 172, .seq = seq, .pt = pt };
	const struct fake_ep *ep, *other;
	struct stream_key k = {};
	struct fake_stream *s;
	bool charged_src = false;
	uint32_t flags = 0;

	f->health.packets++;
	if (!fake_dp_port_on(f, dport) && !fake_dp_port_on(f, sport))
		return false;
	fake_addr(&k.src, src);
	fake_addr(&k.dst, dst);
	k.sport = htons(sport);
	k.dport = htons(dport);
	k.ssrc = ssrc;
	HASH_FIND(hh, f->streams, &k, sizeof(k), s);
	if (s) {
		/* As count_rtp(): the last packet's clock, or the endpoints' for another payload type. */
		smp.clock_code = s->st.pt == pt ? s->st.clock_code :
				 clock_at(media_end(ep_at(f, &k.dst, k.dport)), media_end(ep_at(f, &k.src, k.sport)), pt);
		rtp_stream_update(&s->st, &smp);
		f->health.rtp++;
		return true;
	}
	ep = ep_at(f, &k.dst, k.dport);
	other = ep_at(f, &k.src, k.sport);
	if (!ep) {
		ep = other;
		other = NULL;
		if (!ep)
			return false;
		charged_src = true;
	}
	if (ep->info.flags & ENDPOINT_F_RTCP) {
		f->health.non_rtp_media++;
		return false;
	}
	if (other && (other->info.flags & ENDPOINT_F_RTCP))
		other = NULL;
	/* As unpaired_admit(): one learned end only, within its endpoint's and all unpaired budget. */
	if (!other) {
		struct fake_ep *charged = (struct fake_ep *)ep;

		if ((f->unpaired_max && f->unpaired_created - f->unpaired_released >= f->unpaired_max) ||
		    (charged->unpaired_created >= charged->info.unpaired_released &&
		     charged->unpaired_created - charged->info.unpaired_released >= charged->info.unpaired_max)) {
			f->health.stream_budget_refused++;
			return false;
		}
		f->unpaired_created++;
		charged->unpaired_created++;
		flags = STREAM_F_UNPAIRED | (charged_src ? STREAM_F_CHARGED_SRC : 0);
	}
	if (f->max_streams && HASH_COUNT(f->streams) >= f->max_streams) {
		f->health.stream_insert_fail++;
		return false;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return false;
	s->key = k;
	smp.clock_code = clock_at(ep, other, pt);
	rtp_stream_init(&s->st, &smp);
	s->st.event_pt = ep->info.event_pt ? ep->info.event_pt : other ? other->info.event_pt : 0;
	s->st.flags |= flags;
	HASH_ADD(hh, f->streams, key, sizeof(s->key), s);
	f->health.rtp++;
	return true;
}
