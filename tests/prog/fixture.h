/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fixture.h - the XDP program's tests as data, and the engine that runs them.
 *
 * A fixture is one named case: the endpoints user space has learned (map
 * entry and media_ports bit), then steps.  A step learns more endpoints if
 * it says so, runs a frame or a burst of frames through the program and
 * states what they change: ring events and what each says, health
 * counter deltas, the number of streams and held records, and the state of
 * a stream.  What a step does not state it must not change: every health
 * counter, the number of events, streams and held records is compared,
 * the unstated against no change.  Every frame must come back XDP_PASS and
 * untouched: the program only observes.  Each fixture starts from empty maps;
 * a case that continues a stream does so with more steps.  (katran
 * KatranTestFixtures.h; cilium bpf/tests PKTGEN/SETUP/CHECK.)
 *
 * The program runs where the including test puts it, behind struct
 * fx_backend: in the kernel through BPF_PROG_TEST_RUN (prog_test.c), or
 * compiled natively in user space (tests/unit/test_uxdp.c).  The same
 * rows (fixtures.h) hold for both.  Included by one file of each test
 * program: plain static functions.
 */
#ifndef SIPXDP_TEST_FIXTURE_H
#define SIPXDP_TEST_FIXTURE_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "sipxdp.h"
#include "rtp_stats.h"
#include "frames.h"

#define MS	1000000ULL
#define SEC	1000000000ULL

/* A payload type's clock, as an a=rtpmap line gives it. */
struct pt_clock {
	uint8_t pt, code;		/* code: enum sipxdp_clock */
};

/* A media endpoint as user space learns it from SDP: the map entry and its port bit. */
struct ep_spec {
	int family;			/* 4 or 6 */
	const char *addr;
	uint16_t port;			/* host order; 0 ends a list */
	struct pt_clock clock[6];	/* code CLK_NONE ends the list */
	uint8_t event_pt;		/* telephone-event PT, 0: none */
	uint8_t flags;			/* ENDPOINT_F_* */
	uint32_t unpaired_max;		/* > 0: counted in ep_unpaired, this many unpaired streams */
	uint32_t unpaired_released;	/* ... and user space gave this many back */
};

#define EP4(addr, port, event_pt, flags, ...) { 4, addr, port, { __VA_ARGS__ }, event_pt, flags, 0, 0 }
#define EP6(addr, port, event_pt, flags, ...) { 6, addr, port, { __VA_ARGS__ }, event_pt, flags, 0, 0 }
/* An endpoint with its own budget of unpaired streams (user space's ep_unpaired entry). */
#define EP4_BUDGET(addr, port, max, released, ...) \
	{ 4, addr, port, { __VA_ARGS__ }, 0, 0, max, released }

enum frame_kind {
	FK_NONE,			/* ends the steps */
	FK_UDP,				/* frame_udp(): data, len */
	FK_RTP,				/* frame_rtp(): pt, marker, seq, ts, ssrc, plen */
	FK_EVENT,			/* frame_rtp_event(): pt .. ssrc, event, end, duration */
	FK_TCP,				/* frame_tcp(): tcp_flags, tcp_seq, data, len */
};

/* Where an edit's offset counts from. */
enum edit_at { AT_FRAME, AT_L3, AT_L4, AT_PAYLOAD };

/* A byte or a 16-bit word written into a built frame: a header that lies. */
struct edit {
	uint8_t width;			/* 1 or 2 bytes; 0 ends the list */
	enum edit_at at;
	uint16_t off;
	uint16_t val;
};

struct ext_spec {
	uint8_t type;			/* IPv6 next-header value of the extension */
	const uint8_t *bytes;		/* its 8 bytes; NULL ends the list */
};

/* How to build one frame, with frames.h. */
struct frame_spec {
	enum frame_kind kind;
	struct flow flow;
	uint8_t pt;
	int marker;			/* in a burst, on the first frame only (a talkspurt) */
	uint16_t seq;
	uint32_t ts, ssrc, plen;
	uint8_t event;
	int end;			/* RFC 4733 E bit */
	uint16_t duration;
	const void *data;
	uint32_t len;
	uint8_t tcp_flags;
	uint32_t tcp_seq;
	/* Then, in this order: */
	struct ext_spec ext[7];		/* each inserted right after the fixed IPv6 header */
	uint16_t pppoe;			/* PPPoE session id; 0: none */
	struct edit edit[4];
	uint32_t cut;			/* frame cut to so many bytes; 0: whole */
};

/*
 * Frame builders as field lists, so that a row can add fields: .f = { RTP(...), .marker = 1 }.
 * None calls another: a flow expanded to its braces would split into arguments.
 */
#define UDP(fl, bytes, n)	.kind = FK_UDP, .flow = fl, .data = bytes, .len = n
#define SIP_UDP(fl, text)	.kind = FK_UDP, .flow = fl, .data = text, .len = sizeof(text) - 1
#define RTP(fl, pt_, seq_, ts_, ssrc_) \
	.kind = FK_RTP, .flow = fl, .pt = pt_, .seq = seq_, .ts = ts_, .ssrc = ssrc_, .plen = 160
/* A DTMF digit 5, 50 ms into it; end: the E bit. */
#define EVENT(fl, pt_, seq_, ts_, ssrc_, end_) \
	.kind = FK_EVENT, .flow = fl, .pt = pt_, .seq = seq_, .ts = ts_, .ssrc = ssrc_, \
	.event = 5, .end = end_, .duration = 400
#define TCP(fl, flags, seq, text) \
	.kind = FK_TCP, .flow = fl, .tcp_flags = flags, .tcp_seq = seq, .data = text, \
	.len = sizeof(text) - 1

enum want_op { W_ANY, W_EQ, W_GT, W_HAS, W_LACKS };

/* One expected value; W_ANY (left out): not looked at. */
struct want {
	enum want_op op;
	int64_t v;
};

#define EQ(x)		{ W_EQ, (int64_t)(x) }
#define GT(x)		{ W_GT, (int64_t)(x) }
#define HAS(x)		{ W_HAS, (int64_t)(x) }		/* all these bits set */
#define LACKS(x)	{ W_LACKS, (int64_t)(x) }	/* none of these bits set */

/* One stream after a step. */
struct stream_want {
	int absent;			/* it must not exist */
	struct flow flow;		/* family 0: the stream of the step's last frame */
	uint32_t ssrc;
	struct want packets, bytes, lost, duplicates, out_of_order, jitter_q4, max_delta_ns;
	struct want first_ns, last_ns, base_seq, max_seq, pt, clock_code, event_pt, flags;
};

/* The fields of struct stream_want and what each is of a stream. */
#define STREAM_FIELDS(X)					\
	X(packets, st->packets)					\
	X(bytes, st->bytes)					\
	X(lost, rtp_lost(st))					\
	X(duplicates, st->duplicates)				\
	X(out_of_order, st->out_of_order)			\
	X(jitter_q4, st->jitter_q4)				\
	X(max_delta_ns, st->max_delta_ns)			\
	X(first_ns, st->first_ns)				\
	X(last_ns, st->last_ns)					\
	X(base_seq, st->base_seq)				\
	X(max_seq, st->max_seq)					\
	X(pt, st->pt)						\
	X(clock_code, st->clock_code)				\
	X(event_pt, st->event_pt)				\
	X(flags, st->flags)

/* What every ring event of a step says; left out (0), what its frame says. */
struct ev_want {
	uint8_t flags;			/* SIPXDP_META_F_*, always compared */
	uint8_t family, l4_proto;
	uint16_t l3_off, l4_off;
	uint16_t payload_off;		/* an IP fragment's payload starts at l4 */
};

struct expect {
	int events;			/* ring events sent up by the step's frames */
	struct ev_want ev;
	struct sipxdp_health d;		/* counter deltas; packets: one per frame, implied */
	struct want streams, held;	/* entries of streams and pending; W_ANY: as before */
	struct stream_want st[2];
};

struct step {
	struct ep_spec learn[2];	/* endpoints learned before this step's frames */
	struct frame_spec f;
	uint64_t t;			/* capture time of the first frame, ns */
	/* A burst: n frames (0 means 1), each so much after the one before. */
	int n, dseq, dcut, dsport;
	uint32_t dts, dssrc;
	uint64_t dt;
	uint64_t wobble;		/* every other frame, the first too, arrives so much late */
	struct expect x;
};

struct fixture {
	const char *name;
	struct ep_spec endpoints[3];
	struct step step[8];		/* kind FK_NONE ends */
};

/*
 * What the engine asks of the program under test and its maps.  Functions
 * return 0 or -errno.
 */
struct fx_backend {
	/* Empty maps, no port bit, the unpaired counts in all at 0. */
	void (*reset)(void);
	/* The endpoints map, BPF_ANY. */
	int (*endpoint_set)(const struct endpoint_key *k, const struct endpoint_info *info);
	/* A zero count in ep_unpaired, BPF_NOEXIST. */
	int (*unpaired_count_add)(const struct endpoint_key *k);
	void (*port_on)(uint16_t port);
	/* Health counters, summed over CPUs. */
	void (*health)(struct sipxdp_health *sum);
	int (*nr_streams)(void);
	int (*nr_held)(void);
	/* A copy of a stream, taken under its lock. */
	int (*stream_get)(const struct stream_key *k, struct stream_state *st);
	/*
	 * One frame, its capture time ts in front of it as XDP metadata: the
	 * verdict, and the frame's bytes as the program left them in out.
	 */
	int (*run)(const uint8_t *frame, uint32_t len, uint64_t ts, uint32_t *verdict, uint8_t *out,
		   uint32_t *out_len);
	/* Every event the ring holds, each to on_event(). */
	void (*consume)(void);
};

/* The engine. */

static const struct fx_backend *be;
static int passed, failed;
static char cur[160];

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		printf("FAIL %s: %s:%d: ", cur, __FILE__, __LINE__);	\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

#define EV_MAX 16

/* The ring events of one step, each with the frame that sent it. */
static struct {
	int n;
	const struct frame *f;		/* the frame being run, and its spec and time */
	const struct frame_spec *spec;
	uint64_t t;
	struct ev_rec {
		struct sipxdp_meta m;
		uint32_t size;		/* bytes after the meta, the kernel's padding included */
		struct frame f;
		const struct frame_spec *spec;
		uint64_t t;
		uint8_t data[16384];
	} r[EV_MAX];
} evs;

/* A ring record: libbpf's ring_buffer callback, and umap_ringbuf_consume()'s. */
static int on_event(void *ctx, void *data, size_t size)
{
	struct ev_rec *r;

	(void)ctx;
	if (evs.n++ >= EV_MAX)
		return 0;
	r = &evs.r[evs.n - 1];
	memset(&r->m, 0, sizeof(r->m));
	r->size = 0;
	if (size >= sizeof(r->m)) {
		memcpy(&r->m, data, sizeof(r->m));
		r->size = size - sizeof(r->m);
		memcpy(r->data, (uint8_t *)data + sizeof(r->m),
		       r->size < sizeof(r->data) ? r->size : sizeof(r->data));
	}
	if (evs.f)
		r->f = *evs.f;
	r->spec = evs.spec;
	r->t = evs.t;
	return 0;
}

static void health(struct sipxdp_health *sum)
{
	be->health(sum);
}

static int nr_streams(void)
{
	return be->nr_streams();
}

static int nr_held(void)
{
	return be->nr_held();
}

static void reset_maps(void)
{
	be->reset();
}

static void addr_of(struct sipxdp_addr *a, int family, const char *ip)
{
	memset(a, 0, sizeof(*a));
	if (family == 4) {
		a->a[10] = a->a[11] = 0xff;
		inet_pton(AF_INET, ip, &a->a[12]);
	} else {
		inet_pton(AF_INET6, ip, a->a);
	}
}

/* What user space does on an SDP: the endpoint into the map, its port bit into media_ports. */
static void learn(const struct ep_spec *eps, int max)
{
	int i, j, err;

	for (i = 0; i < max && eps[i].port; i++) {
		const struct ep_spec *e = &eps[i];
		struct endpoint_key k = { .port = htons(e->port), .proto = IPPROTO_UDP };
		struct endpoint_info info = { .event_pt = e->event_pt, .flags = e->flags,
					      .unpaired_max = e->unpaired_max,
					      .unpaired_released = e->unpaired_released };

		addr_of(&k.addr, e->family, e->addr);
		for (j = 0; j < 6 && e->clock[j].code; j++)
			info.clock_code[e->clock[j].pt & (SIPXDP_NR_PT - 1)] = e->clock[j].code;
		if ((err = be->endpoint_set(&k, &info)))
			CHECK(0, "add endpoint %s:%u: %s", e->addr, e->port, strerror(-err));
		/* As the agent: the count is made once, and a later update of the endpoint keeps it. */
		if (e->unpaired_max && (err = be->unpaired_count_add(&k)) && err != -EEXIST)
			CHECK(0, "add unpaired count %s:%u: %s", e->addr, e->port, strerror(-err));
		be->port_on(e->port);
	}
}

static int stream_get(const struct flow *fl, uint32_t ssrc, struct stream_state *st)
{
	struct stream_key k = { .sport = htons(fl->sport), .dport = htons(fl->dport), .ssrc = ssrc };

	addr_of(&k.src, fl->family, fl->src);
	addr_of(&k.dst, fl->family, fl->dst);
	return be->stream_get(&k, st);
}

/*
 * Run a frame with capture time ts (in front of it as XDP metadata: the
 * program reads its clock there); check XDP_PASS and that it comes back
 * untouched; collect its events.
 */
static void run_frame(const struct frame *f, const struct frame_spec *spec, uint64_t ts)
{
	uint8_t out[8 + sizeof(f->b)];
	uint32_t verdict = ~0U, out_len = 0;
	int err;

	err = be->run(f->b, f->len, ts, &verdict, out, &out_len);
	CHECK(!err, "run: %s", strerror(-err));
	CHECK(verdict == XDP_PASS, "verdict %u, want XDP_PASS", verdict);
	CHECK(out_len == 8 + f->len && !memcmp(out + 8, f->b, f->len), "frame altered");
	evs.f = f;
	evs.spec = spec;
	evs.t = ts;
	be->consume();
	evs.f = NULL;
	evs.spec = NULL;
}

static void apply_edits(struct frame *f, const struct edit *e, int max)
{
	int i;

	for (i = 0; i < max && e[i].width; i++) {
		uint32_t base = e[i].at == AT_L3 ? f->l3 : e[i].at == AT_L4 ? f->l4 :
				e[i].at == AT_PAYLOAD ? f->payload : 0;

		if (e[i].width == 1)
			f->b[base + e[i].off] = e[i].val;
		else
			put16(f->b + base + e[i].off, e[i].val);
	}
}

/* Frame k of a step's burst, and its capture time. */
static void build_frame(const struct step *s, int k, struct frame *f, uint64_t *t)
{
	const struct frame_spec *fs = &s->f;
	uint16_t seq = fs->seq + k * s->dseq;
	uint32_t ts = fs->ts + k * s->dts, ssrc = fs->ssrc + k * s->dssrc;
	int marker = fs->marker && k == 0, i;
	struct flow fl = fs->flow;

	fl.sport += k * s->dsport;	/* a burst from ever other source ports */
	switch (fs->kind) {
	case FK_RTP:
		frame_rtp(f, &fl, fs->pt, marker, seq, ts, ssrc, fs->plen);
		break;
	case FK_EVENT:
		frame_rtp_event(f, &fs->flow, fs->pt, marker, seq, ts, ssrc, fs->event, fs->end,
				fs->duration);
		break;
	case FK_TCP:
		frame_tcp(f, &fs->flow, fs->tcp_flags, fs->tcp_seq, fs->data, fs->len);
		break;
	default:
		frame_udp(f, &fs->flow, fs->data, fs->len);
		break;
	}
	for (i = 0; i < 7 && fs->ext[i].bytes; i++)
		frame_ip6_insert_ext(f, fs->ext[i].type, fs->ext[i].bytes);
	if (fs->pppoe)
		frame_pppoe(f, fs->pppoe);
	apply_edits(f, fs->edit, 4);
	if (fs->cut)
		f->len = fs->cut + k * s->dcut;
	*t = s->t + k * s->dt + (k % 2 == 0 ? s->wobble : 0);
}

#define HF(x) { #x, offsetof(struct sipxdp_health, x) }
static const struct {
	const char *name;
	size_t off;
} health_fields[] = {
	HF(packets), HF(sip), HF(rtp), HF(non_rtp_media), HF(malformed), HF(event_fail),
	HF(stream_insert_fail), HF(rtcp), HF(non_ip), HF(ip_fragments), HF(sip_fragments),
	HF(frag_unclaimed), HF(sip_tcp), HF(tls), HF(tls_conns), HF(ip6_ext_unparsed),
	HF(dtmf_events), HF(pending), HF(pending_claimed), HF(stream_budget_refused),
};

static const char *health_name(size_t off)
{
	size_t i;

	for (i = 0; i < sizeof(health_fields) / sizeof(health_fields[0]); i++)
		if (health_fields[i].off == off)
			return health_fields[i].name;
	return "pad";
}

/* Every counter moved by exactly what the step says, packets by one per frame. */
static void check_health(const struct sipxdp_health *h0, const struct sipxdp_health *h1,
			 const struct sipxdp_health *d, int frames)
{
	char msg[512] = "";
	size_t w, used = 0;

	for (w = 0; w < sizeof(*d) / 8; w++) {
		__u64 want = ((const __u64 *)d)[w], got = ((const __u64 *)h1)[w] - ((const __u64 *)h0)[w];

		if (w * 8 == offsetof(struct sipxdp_health, packets))
			want += frames;
		if (got != want && used < sizeof(msg))
			used += snprintf(msg + used, sizeof(msg) - used, " %s +%llu, want +%llu;",
					 health_name(w * 8), (unsigned long long)got,
					 (unsigned long long)want);
	}
	CHECK(!msg[0], "health:%s", msg);
}

/* One event against the frame that sent it. */
static void check_event(const struct ev_rec *r, const struct ev_want *w)
{
	const struct frame *f = &r->f;
	int family = w->family ? w->family : r->spec ? r->spec->flow.family : 0;
	int proto = w->l4_proto ? w->l4_proto :
		    r->spec && r->spec->kind == FK_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	uint16_t l3 = w->l3_off ? w->l3_off : f->l3, l4 = w->l4_off ? w->l4_off : f->l4;
	uint16_t pl = w->payload_off ? w->payload_off : w->flags & SIPXDP_META_F_FRAG ? f->l4 : f->payload;

	CHECK(r->m.flags == w->flags, "event flags %#x, want %#x", r->m.flags, w->flags);
	CHECK(r->m.ts_ns == r->t, "event time %llu, want %llu from the metadata",
	      (unsigned long long)r->m.ts_ns, (unsigned long long)r->t);
	CHECK(r->m.clock == SIPXDP_CLOCK_META, "event clock %u", r->m.clock);
	CHECK(r->m.family == family && r->m.l4_proto == proto, "event family %u proto %u, want %d %d",
	      r->m.family, r->m.l4_proto, family, proto);
	CHECK(r->m.l3_off == l3 && r->m.l4_off == l4 && r->m.payload_off == pl,
	      "event offsets %u/%u/%u, want %u/%u/%u", r->m.l3_off, r->m.l4_off, r->m.payload_off,
	      l3, l4, pl);
	CHECK(r->m.cap_len == f->len && r->size >= f->len, "event cap_len %u (%u bytes), want %u",
	      r->m.cap_len, r->size, f->len);
	CHECK(r->size >= f->len && !memcmp(r->data, f->b, f->len), "frame bytes copied by the kernel");
}

static void check_want(const char *what, const struct want *w, int64_t got)
{
	int ok;

	switch (w->op) {
	case W_EQ:
		ok = got == w->v;
		break;
	case W_GT:
		ok = got > w->v;
		break;
	case W_HAS:
		ok = (got & w->v) == w->v;
		break;
	case W_LACKS:
		ok = !(got & w->v);
		break;
	default:
		return;
	}
	CHECK(ok, "%s %lld (%#llx), want %s %lld (%#llx)", what, (long long)got, (unsigned long long)got,
	      w->op == W_EQ ? "==" : w->op == W_GT ? ">" : w->op == W_HAS ? "bits" : "no bits",
	      (long long)w->v, (unsigned long long)w->v);
}

static int stream_want_used(const struct stream_want *w)
{
#define USED(name, expr) || w->name.op != W_ANY
	return w->absent STREAM_FIELDS(USED);
#undef USED
}

static void check_stream(const struct stream_want *w, const struct step *s)
{
	const struct flow *fl = w->flow.family ? &w->flow : &s->f.flow;
	uint32_t ssrc = w->flow.family ? w->ssrc : s->f.ssrc + ((s->n ? s->n : 1) - 1) * s->dssrc;
	struct stream_state stream, *st = &stream;
	int found;

	found = !stream_get(fl, ssrc, st);
	if (w->absent) {
		CHECK(!found, "stream %s:%u > %s:%u ssrc %#x exists", fl->src, fl->sport, fl->dst,
		      fl->dport, ssrc);
		return;
	}
	CHECK(found, "stream %s:%u > %s:%u ssrc %#x not found", fl->src, fl->sport, fl->dst,
	      fl->dport, ssrc);
	if (!found)
		return;
#define CHECK_FIELD(name, expr) check_want(#name, &w->name, (int64_t)(expr));
	STREAM_FIELDS(CHECK_FIELD)
#undef CHECK_FIELD
}

/* A map's entry count: as stated, or as before the step. */
static void check_count(const char *what, const struct want *w, int before, int after)
{
	if (w->op == W_ANY)
		CHECK(after == before, "%s %d, was %d: the step says nothing of them", what, after, before);
	else
		check_want(what, w, after);
}

static void run_step(const struct fixture *fx, int i)
{
	const struct step *s = &fx->step[i];
	int n = s->n ? s->n : 1, k, streams0, held0;
	struct sipxdp_health h0, h1;
	struct frame f;
	uint64_t t;

	snprintf(cur, sizeof(cur), "%s, step %d", fx->name, i + 1);
	learn(s->learn, 2);
	be->consume();	/* nothing of an earlier step may count here */
	evs.n = 0;
	health(&h0);
	streams0 = nr_streams();
	held0 = nr_held();
	for (k = 0; k < n; k++) {
		build_frame(s, k, &f, &t);
		run_frame(&f, &s->f, t);
	}
	health(&h1);
	check_health(&h0, &h1, &s->x.d, n);
	CHECK(evs.n == s->x.events, "%d events, want %d", evs.n, s->x.events);
	for (k = 0; k < evs.n && k < EV_MAX; k++)
		check_event(&evs.r[k], &s->x.ev);
	check_count("streams", &s->x.streams, streams0, nr_streams());
	check_count("held records", &s->x.held, held0, nr_held());
	for (k = 0; k < 2; k++)
		if (stream_want_used(&s->x.st[k]))
			check_stream(&s->x.st[k], s);
}

static void run_fixture(const struct fixture *fx)
{
	int i;

	reset_maps();
	snprintf(cur, sizeof(cur), "%s", fx->name);
	learn(fx->endpoints, 3);
	for (i = 0; i < 8 && fx->step[i].f.kind != FK_NONE; i++)
		run_step(fx, i);
}

#endif /* SIPXDP_TEST_FIXTURE_H */
