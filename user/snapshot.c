// SPDX-License-Identifier: GPL-2.0
/* snapshot.c - one consistent view for the outputs (snapshot.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*v, n * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}

static int add_stream(struct snapshot *snap, const struct stream_rec *s, const struct call *call)
{
	struct stream_view *v;

	if (grow((void **)&snap->streams, &snap->cap_streams, snap->nstreams + 1, sizeof(*v)))
		return -ENOMEM;
	v = &snap->streams[snap->nstreams++];
	v->s = s;
	v->call = call;
	quality_of(s, call ? &call->media : NULL, &v->q);
	return 0;
}

struct walk {
	struct snapshot *snap;
	int err;
};

static void add_call(void *ctx, const struct call *call)
{
	struct walk *w = ctx;
	struct snapshot *snap = w->snap;
	const struct stream_rec *s;
	struct call_view *cv;

	if (w->err || (w->err = grow((void **)&snap->calls, &snap->cap_calls, snap->ncalls + 1, sizeof(*cv))))
		return;
	cv = &snap->calls[snap->ncalls++];
	cv->call = call;
	cv->first = snap->nstreams;
	for (s = call->media.streams; s && !w->err; s = s->owner_next)
		w->err = add_stream(snap, s, call);
	cv->n = snap->nstreams - cv->first;
}

int snapshot_take(struct snapshot *snap, const struct dialogs *d, struct dp *dp, const struct reasm *r)
{
	const struct media *m = d->media;
	struct walk w = { snap, 0 };
	const struct stream_rec *s, *tmp;

	snap->now = d->now;
	snap->health_err = dp_health(dp, &snap->health);
	if (snap->health_err)
		memset(&snap->health, 0, sizeof(snap->health));
	snap->dialog = d->st;
	snap->media = m->st;
	reasm_figures(r, &snap->reasm);
	snap->calls_active = dialog_nr_active(d);
	snap->media_endpoints = media_nr_endpoints(m);
	snap->endpoints = m->eps.st;
	snap->endpoints_offered = m->eps.nr_offers;
	snap->endpoints_parked = endpoints_parked(&m->eps);
	snap->rtp_streams = media_nr_streams(m);
	snap->ncalls = snap->nstreams = 0;
	dialog_foreach(d, add_call, &w);
	HASH_ITER(hh, m->streams, s, tmp)
		if (!s->owner && !w.err)
			w.err = add_stream(snap, s, NULL);
	return w.err;
}

void snapshot_free(struct snapshot *snap)
{
	free(snap->calls);
	free(snap->streams);
	memset(snap, 0, sizeof(*snap));
}
