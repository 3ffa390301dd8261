// SPDX-License-Identifier: GPL-2.0
/*
 * tcpsip.c - SIP over TCP: per-direction stream reassembly and framing.
 *
 * What the kernel hands up is a capture, not a TCP receiver: segments can be
 * lost for good (the event ring full), reordered (by the network) or seen
 * twice (retransmissions).  So a gap is never trusted to fill: it is waited
 * for a bounded time and memory, then skipped, and the stream resynchronises
 * on the next line that looks like a SIP start line, as it does when the
 * agent starts in the middle of a connection.
 *
 * In-order bytes are framed where they lie (the segment itself) when nothing
 * is pending; only the partial message at the end is copied into the
 * direction's buffer, which is contiguous so the callback gets one pointer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sip.h"
#include "tcpsip.h"
#include "util.h"

/* A table that cannot grow drops the new direction instead of exit()ing. */
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(obj) (hash_oom = true)
#include "hashing.h"

#define TCP_HDR_MIN	20
#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04

#define BUF_ROUND	512	/* buffer capacity granule */

/* An out-of-order segment held until the gap before it fills. */
struct hseg {
	struct hseg *next;
	uint64_t ts_ns;		/* arrival: how long the gap before it is open */
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

struct conn {
	struct tcpsip_flow key;
	UT_hash_handle hh;
	struct conn *lru_prev, *lru_next;	/* least recently fed first */

	uint32_t next_seq;	/* sequence of the byte after buf */
	uint32_t first_seq;	/* first byte seen (mid-stream start) */
	uint32_t isn1;		/* ISN + 1 when syn_seen */
	uint32_t fin_seq;	/* sequence of the FIN when fin_pending */
	uint64_t last_ns;
	uint64_t skip;		/* rest of an oversize message, to discard */

	uint8_t *buf;		/* start of a partial message (or candidate) */
	size_t buf_len, buf_cap;

	struct hseg *held;	/* sorted by seq */
	size_t held_cost;	/* bytes + bookkeeping, see hseg_cost() */

	bool syn_seen;
	bool closed;		/* FIN reached: only absorbs retransmissions */
	bool fin_pending;
	bool resync;		/* hunting for a SIP start line */
	bool at_line_start;	/* resync: the next byte starts a line */
	bool desync_counted;	/* not_sip_resyncs counted since the last message */
};

struct tcpsip {
	struct conn *conns;	/* uthash table */
	struct conn *lru;	/* utlist, same elements */
	size_t conn_limit, total_limit, mem;
	uint64_t idle_ns, gap_ns;
	unsigned int max_conns;
	struct tcpsip_stats st;
};

/* What one call needs to hand messages up. */
struct feed {
	struct tcpsip *t;
	tcpsip_msg_cb cb;
	void *ctx;
	uint64_t now;
};

/* a - b in sequence space: negative when a is before b (RFC 793 mod 2^32). */
static int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static size_t hseg_cost(size_t len)
{
	return sizeof(struct hseg) + len;
}

static size_t round_cap(size_t need, size_t limit)
{
	size_t c = (need + BUF_ROUND - 1) / BUF_ROUND * BUF_ROUND;

	return c < limit ? c : limit;
}

/* ---- buffers and memory accounting ---- */

static bool buf_reserve(struct tcpsip *t, struct conn *c, size_t need)
{
	size_t cap;
	uint8_t *nb;

	if (need <= c->buf_cap)
		return true;
	cap = round_cap(need, t->conn_limit);
	if (cap < need || t->mem + (cap - c->buf_cap) > t->total_limit)
		return false;
	nb = realloc(c->buf, cap);
	if (!nb)
		return false;
	t->mem += cap - c->buf_cap;
	c->buf = nb;
	c->buf_cap = cap;
	return true;
}

/* Give back what the pending bytes no longer need; all of it when empty. */
static void buf_shrink(struct tcpsip *t, struct conn *c)
{
	size_t cap;
	uint8_t *nb;

	if (!c->buf_len) {
		free(c->buf);
		t->mem -= c->buf_cap;
		c->buf = NULL;
		c->buf_cap = 0;
		return;
	}
	cap = round_cap(c->buf_len, t->conn_limit);
	if (cap >= c->buf_cap)
		return;
	nb = realloc(c->buf, cap);
	if (!nb)
		return;		/* keep the larger block, still accounted */
	t->mem -= c->buf_cap - cap;
	c->buf = nb;
	c->buf_cap = cap;
}

static void buf_drop(struct tcpsip *t, struct conn *c)
{
	c->buf_len = 0;
	buf_shrink(t, c);
}

static void held_drop(struct tcpsip *t, struct conn *c)
{
	struct hseg *h, *n;

	for (h = c->held; h; h = n) {
		n = h->next;
		free(h);
	}
	t->mem -= c->held_cost;
	c->held = NULL;
	c->held_cost = 0;
}

static size_t conn_mem(const struct conn *c)
{
	return c->buf_cap + c->held_cost;
}

/* ---- resynchronisation ---- */

static bool is_eol(uint8_t b)
{
	return b == '\r' || b == '\n';
}

/* Stop trusting the stream: hunt for a start line from here. */
static void desync(struct conn *c, bool at_line_start, bool counted)
{
	c->resync = true;
	c->at_line_start = at_line_start;
	c->desync_counted = counted;
}

/* Bytes skipped while hunting: line ends alone are keep-alives, not news. */
static void note_skip(struct tcpsip *t, struct conn *c, const uint8_t *p, size_t n)
{
	size_t i;

	if (c->desync_counted)
		return;
	for (i = 0; i < n; i++) {
		if (!is_eol(p[i])) {
			t->st.not_sip_resyncs++;
			c->desync_counted = true;
			return;
		}
	}
}

/* The next candidate after pos: a line start, or mark (where a segment began). */
static size_t next_candidate(const uint8_t *p, size_t n, size_t pos, size_t mark)
{
	const uint8_t *lf = memchr(p + pos, '\n', n - pos);
	size_t next = lf ? (size_t)(lf - p) + 1 : n;

	return mark > pos && mark < next ? mark : next;
}

/*
 * First candidate at or after off whose line sip_frame() does not reject (a
 * start line, or what may still become one); n when none.  Candidates are
 * line starts, off itself when bol, and mark.
 */
static size_t find_start_line(const uint8_t *p, size_t n, size_t off, bool bol, size_t mark)
{
	size_t pos = bol ? off : next_candidate(p, n, off, mark);

	while (pos < n) {
		if (!is_eol(p[pos]) &&
		    sip_frame((const char *)p + pos, n - pos, NULL) != SIP_NOT_SIP)
			return pos;
		pos = next_candidate(p, n, pos, mark);
	}
	return n;
}

/* ---- framing ---- */

/* Offset just past the blank line that ends the headers, 0 if none in p[0..n). */
static size_t header_end(const uint8_t *p, size_t n)
{
	const uint8_t *lf;
	size_t i = 0;

	while (i < n && (lf = memchr(p + i, '\n', n - i))) {
		i = (size_t)(lf - p) + 1;
		if (i < n && p[i] == '\n')
			return i + 1;
		if (i + 1 < n && p[i] == '\r' && p[i + 1] == '\n')
			return i + 2;
	}
	return 0;
}

/*
 * sip_frame() makes a message without Content-Length the whole buffer, right
 * for a datagram.  On a stream Content-Length is mandatory (RFC 3261 18.3);
 * without it the message ends at the blank line, as if it were 0.  Such a
 * message is COMPLETE both at ml and at the end of its headers; one with a
 * body is PARTIAL at the end of its headers.
 */
static size_t stream_msg_len(const uint8_t *p, size_t ml, enum sip_frame r)
{
	size_t hl, ml2;

	if (r != SIP_COMPLETE)
		return ml;	/* MULTIPLE: Content-Length said where it ends */
	hl = header_end(p, ml);
	if (hl && hl < ml && sip_frame((const char *)p, hl, &ml2) == SIP_COMPLETE)
		return hl;
	return ml;
}

/*
 * Cut messages from p[0..n), in-order stream bytes following what was
 * consumed before; a segment began at mark (0 or none: n).  Returns how many
 * bytes are done with (delivered, skipped keep-alives, skipped garbage); the
 * rest is the start of a partial message.
 */
static size_t scan(struct feed *f, struct conn *c, const uint8_t *p, size_t n, size_t mark)
{
	struct tcpsip *t = f->t;
	enum sip_frame r;
	size_t off = 0, pos, ml;

	while (off < n) {
		if (c->resync) {
			pos = find_start_line(p, n, off, c->at_line_start, mark);
			note_skip(t, c, p + off, pos - off);
			if (pos == n) {
				c->at_line_start = p[n - 1] == '\n';
				return n;
			}
			c->resync = false;
			off = pos;
			continue;
		}
		if (is_eol(p[off])) {	/* RFC 5626 CRLF keep-alive, or its pong */
			t->st.keepalives++;
			while (off < n && is_eol(p[off]))
				off++;
			continue;
		}
		r = sip_frame((const char *)p + off, n - off, &ml);
		if (r == SIP_PARTIAL)
			return off;
		if (r == SIP_NOT_SIP) {
			/* This line was tried; the next one may start a message. */
			c->resync = true;
			c->at_line_start = false;
			continue;
		}
		ml = stream_msg_len(p + off, ml, r);
		if (ml > t->conn_limit) {	/* whole in one segment, still too big */
			t->st.oversize_messages++;
			off += ml;
			continue;
		}
		t->st.messages++;
		c->desync_counted = false;
		if (f->cb)
			f->cb(f->ctx, &c->key, (const char *)p + off, ml, f->now);
		off += ml;
	}
	return n;
}

/*
 * The partial message p[0..n) will not fit: drop it.  When its headers are
 * all there, Content-Length says how much more to discard and framing goes
 * on in step; otherwise hunt for the next start line.
 */
static void oversize(struct tcpsip *t, struct conn *c, const uint8_t *p, size_t n)
{
	struct sip_msg m;

	t->st.oversize_messages++;
	sip_parse((const char *)p, n, &m);	/* fails: only the framing fields are wanted */
	if (m.hdr_len && m.content_length >= 0 && m.hdr_len + (uint64_t)m.content_length > n) {
		c->skip = m.hdr_len + (uint64_t)m.content_length - n;
		return;
	}
	desync(c, p[n - 1] == '\n', true);
}

/* New in-order bytes d[0..n) (next_seq already advanced past them). */
static void consume(struct feed *f, struct conn *c, const uint8_t *d, size_t n)
{
	struct tcpsip *t = f->t;
	size_t used, take, mark;

	/* Senders write whole messages: a segment start is worth a try. */
	if (c->resync)
		c->at_line_start = true;
	while (n) {
		if (c->skip) {
			take = c->skip < n ? (size_t)c->skip : n;
			c->skip -= take;
			d += take;
			n -= take;
			continue;
		}
		if (!c->buf_len) {
			used = scan(f, c, d, n, n);
			d += used;
			n -= used;
			if (!n)
				break;
			/* A partial of conn_limit bytes belongs to a larger message. */
			if (n >= t->conn_limit) {
				oversize(t, c, d, n);
				break;
			}
			if (!buf_reserve(t, c, n)) {
				t->st.dropped_total_memory++;
				desync(c, d[n - 1] == '\n', true);
				break;
			}
			memcpy(c->buf, d, n);
			c->buf_len = n;
			break;
		}
		take = t->conn_limit - c->buf_len;	/* buf_len < conn_limit */
		if (take > n)
			take = n;
		if (!buf_reserve(t, c, c->buf_len + take)) {
			t->st.dropped_total_memory++;
			buf_drop(t, c);
			desync(c, false, true);
			continue;	/* the rest, unbuffered, while hunting */
		}
		/* What is buffered may be a candidate that this data disproves:
		 * where the data starts is then worth a try. */
		mark = c->buf_len;
		memcpy(c->buf + c->buf_len, d, take);
		c->buf_len += take;
		d += take;
		n -= take;
		used = scan(f, c, c->buf, c->buf_len, mark);
		if (used) {
			c->buf_len -= used;
			memmove(c->buf, c->buf + used, c->buf_len);
		} else if (c->buf_len >= t->conn_limit) {
			oversize(t, c, c->buf, c->buf_len);
			c->buf_len = 0;
		}
		buf_shrink(t, c);
	}
}

/* Feed the held segments the stream has reached. */
static void drain(struct feed *f, struct conn *c)
{
	struct tcpsip *t = f->t;
	struct hseg *h;
	uint32_t end, trim;

	while ((h = c->held) && seq_diff(h->seq, c->next_seq) <= 0) {
		c->held = h->next;
		c->held_cost -= hseg_cost(h->len);
		t->mem -= hseg_cost(h->len);
		end = h->seq + h->len;
		if (seq_diff(end, c->next_seq) <= 0) {
			t->st.retransmissions++;
		} else {
			trim = c->next_seq - h->seq;
			c->next_seq = end;
			consume(f, c, h->data + trim, h->len - trim);
		}
		free(h);
	}
}

/*
 * Give up on the gap before the first held segment: what is buffered before
 * it can never complete.  The segment probably starts a message (senders cut
 * at message boundaries), so its first byte is a line start.
 */
static void skip_gap(struct feed *f, struct conn *c)
{
	f->t->st.gaps_skipped++;
	buf_drop(f->t, c);
	c->skip = 0;
	c->next_seq = c->held->seq;
	desync(c, true, false);
	drain(f, c);
}

/* Hold a segment that is ahead of the stream (off bytes ahead). */
static void hold(struct feed *f, struct conn *c, uint32_t seq, const uint8_t *d, size_t n)
{
	struct tcpsip *t = f->t;
	struct hseg **pp, *h;
	uint32_t off = seq - c->next_seq;
	size_t cost = hseg_cost(n);

	for (pp = &c->held; *pp && (*pp)->seq - c->next_seq <= off; pp = &(*pp)->next) {
		h = *pp;
		if ((uint64_t)(h->seq - c->next_seq) + h->len >= (uint64_t)off + n) {
			t->st.retransmissions++;	/* nothing new in it */
			return;
		}
	}
	t->st.out_of_order++;
	if (t->mem + cost > t->total_limit) {
		t->st.dropped_total_memory++;
		return;
	}
	h = malloc(cost);
	if (!h) {
		t->st.dropped_total_memory++;
		return;
	}
	h->ts_ns = f->now;
	h->seq = seq;
	h->len = (uint32_t)n;
	memcpy(h->data, d, n);
	h->next = *pp;
	*pp = h;
	c->held_cost += cost;
	t->mem += cost;
}

/* Over conn_limit with a gap open: the gap is the likelier loss. */
static void enforce_conn_limit(struct feed *f, struct conn *c)
{
	if (conn_mem(c) > f->t->conn_limit && c->held)
		f->t->st.dropped_conn_memory++;
	while (conn_mem(c) > f->t->conn_limit && c->held)
		skip_gap(f, c);
}

/* Gaps whose data behind has waited gap_ns are taken as lost. */
static void skip_stale_gaps(struct feed *f, struct conn *c)
{
	while (c->held && f->now >= c->held->ts_ns && f->now - c->held->ts_ns >= f->t->gap_ns)
		skip_gap(f, c);
}

/* Payload d[0..n) at sequence seq. */
static void place(struct feed *f, struct conn *c, uint32_t seq, const uint8_t *d, size_t n)
{
	struct tcpsip *t = f->t;
	int32_t ahead;
	uint32_t trim;

	if (!n)
		return;
	if (seq_diff(seq + (uint32_t)n, c->next_seq) <= 0) {
		t->st.retransmissions++;
		return;
	}
	ahead = seq_diff(seq, c->next_seq);
	if (ahead > 0) {
		hold(f, c, seq, d, n);
		enforce_conn_limit(f, c);
		return;
	}
	if (ahead < 0) {	/* partly seen before: keep the new tail */
		t->st.retransmissions++;
		trim = c->next_seq - seq;
		d += trim;
		n -= trim;
	}
	c->next_seq += (uint32_t)n;
	consume(f, c, d, n);
	drain(f, c);
	enforce_conn_limit(f, c);
}

/* ---- the direction table ---- */

static void conn_clear(struct tcpsip *t, struct conn *c)
{
	buf_drop(t, c);
	held_drop(t, c);
}

static void conn_destroy(struct tcpsip *t, struct conn *c)
{
	conn_clear(t, c);
	HASH_DEL(t->conns, c);
	DL_DELETE2(t->lru, c, lru_prev, lru_next);
	free(c);
}

/* Start a new incarnation of the direction at seq (the first payload byte). */
static void conn_start(struct tcpsip *t, struct conn *c, uint32_t seq, bool syn)
{
	conn_clear(t, c);
	c->next_seq = seq;
	c->first_seq = seq;
	c->isn1 = seq;
	c->syn_seen = syn;
	c->closed = false;
	c->fin_pending = false;
	c->skip = 0;
	/* Without the SYN the first byte may be anywhere in a message. */
	c->resync = !syn;
	c->at_line_start = true;
	c->desync_counted = false;
	t->st.connections++;
}

static struct conn *conn_new(struct tcpsip *t, const struct tcpsip_flow *flow)
{
	bool hash_oom = false;
	struct conn *c;

	if (HASH_COUNT(t->conns) >= t->max_conns) {
		t->st.connections_evicted++;
		conn_destroy(t, t->lru);
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = *flow;
	HASH_ADD(hh, t->conns, key, sizeof(c->key), c);
	if (hash_oom) {
		free(c);
		return NULL;
	}
	DL_APPEND2(t->lru, c, lru_prev, lru_next);
	return c;
}

/* The FIN is reached: nothing more can follow, but retransmissions may. */
static void maybe_close(struct tcpsip *t, struct conn *c)
{
	if (!c->fin_pending || seq_diff(c->next_seq, c->fin_seq) < 0)
		return;
	conn_clear(t, c);
	c->closed = true;
	c->fin_pending = false;
	c->next_seq = c->fin_seq + 1;
}

/*
 * A SYN for a direction already tracked: the same SYN again, a SYN that
 * arrives after data it precedes (reordered), or a new connection reusing
 * the ports.
 */
static void on_syn(struct tcpsip *t, struct conn *c, uint32_t isn1)
{
	if (c->closed) {
		conn_start(t, c, isn1, true);
	} else if (c->syn_seen) {
		if (c->isn1 != isn1)
			conn_start(t, c, isn1, true);
	} else if (seq_diff(c->first_seq, isn1) >= 0 && c->first_seq - isn1 <= t->conn_limit) {
		c->syn_seen = true;
		c->isn1 = isn1;
	} else {
		conn_start(t, c, isn1, true);
	}
}

int tcpsip_feed(struct tcpsip *t, const struct tcpsip_flow *flow, const uint8_t *tcp,
		size_t len, uint64_t now_ns, tcpsip_msg_cb cb, void *ctx)
{
	struct feed f = { .t = t, .cb = cb, .ctx = ctx, .now = now_ns };
	const uint8_t *payload;
	size_t hlen, plen;
	uint32_t seq;
	uint8_t flags;
	struct conn *c;

	if (!t || !flow || (!tcp && len))
		return -EINVAL;
	/* Held segments and sequence arithmetic take 32-bit lengths. */
	if (len < TCP_HDR_MIN || len > UINT32_MAX / 2) {
		t->st.malformed++;
		return -EINVAL;
	}
	hlen = (size_t)(tcp[12] >> 4) * 4;
	if (hlen < TCP_HDR_MIN || hlen > len) {
		t->st.malformed++;
		return -EINVAL;
	}
	t->st.segments++;
	seq = get_be32(tcp + 4);
	flags = tcp[13];
	payload = tcp + hlen;
	plen = len - hlen;
	if (flags & TCP_SYN)
		seq++;		/* the SYN takes a sequence number; data follows it */

	HASH_FIND(hh, t->conns, flow, sizeof(*flow), c);
	if (flags & TCP_RST) {
		if (c)
			conn_destroy(t, c);
		return 0;
	}
	if (!c) {
		if (!(flags & TCP_SYN) && !plen)
			return 0;	/* a bare ACK or FIN says nothing */
		c = conn_new(t, flow);
		if (!c) {
			t->st.dropped_total_memory++;
			return -ENOMEM;
		}
		conn_start(t, c, seq, flags & TCP_SYN);
	} else if (flags & TCP_SYN) {
		on_syn(t, c, seq);
	} else if (c->closed && plen && seq_diff(seq + (uint32_t)plen, c->next_seq) > 0) {
		conn_start(t, c, seq, false);	/* data past the FIN: a new stream */
	}
	c->last_ns = now_ns > c->last_ns ? now_ns : c->last_ns;
	DL_DELETE2(t->lru, c, lru_prev, lru_next);
	DL_APPEND2(t->lru, c, lru_prev, lru_next);

	if (c->closed) {
		if (plen)
			t->st.retransmissions++;
		return 0;
	}
	skip_stale_gaps(&f, c);
	if ((flags & TCP_FIN) && !c->fin_pending) {
		c->fin_pending = true;
		c->fin_seq = seq + (uint32_t)plen;
	}
	place(&f, c, seq, payload, plen);
	maybe_close(t, c);
	return 0;
}

void tcpsip_expire_cb(struct tcpsip *t, uint64_t now_ns, tcpsip_msg_cb cb, void *ctx)
{
	struct feed f = { .t = t, .cb = cb, .ctx = ctx, .now = now_ns };
	struct conn *c, *tmp;

	if (!t)
		return;
	DL_FOREACH_SAFE2(t->lru, c, tmp, lru_next) {
		if (now_ns >= c->last_ns && now_ns - c->last_ns >= t->idle_ns) {
			t->st.connections_expired++;
			conn_destroy(t, c);
		} else if (cb && c->held) {
			skip_stale_gaps(&f, c);
			maybe_close(t, c);
		}
	}
}

void tcpsip_expire(struct tcpsip *t, uint64_t now_ns)
{
	tcpsip_expire_cb(t, now_ns, NULL, NULL);
}

struct tcpsip *tcpsip_new(size_t conn_limit, size_t total_limit, uint64_t idle_ns,
			  unsigned int max_conns)
{
	struct tcpsip *t;

	/* Held segments carry their length in 32 bits. */
	if (!conn_limit || conn_limit > UINT32_MAX || !total_limit || !idle_ns || !max_conns)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->conn_limit = conn_limit;
	t->total_limit = total_limit;
	t->idle_ns = idle_ns;
	t->gap_ns = TCPSIP_DEF_GAP_NS < idle_ns ? TCPSIP_DEF_GAP_NS : idle_ns;
	t->max_conns = max_conns;
	return t;
}

void tcpsip_free(struct tcpsip *t)
{
	struct conn *c, *tmp;

	if (!t)
		return;
	DL_FOREACH_SAFE2(t->lru, c, tmp, lru_next)
		conn_destroy(t, c);
	free(t);
}

void tcpsip_set_gap_timeout(struct tcpsip *t, uint64_t gap_ns)
{
	if (t)
		t->gap_ns = gap_ns < t->idle_ns ? gap_ns : t->idle_ns;
}

const struct tcpsip_stats *tcpsip_stats(const struct tcpsip *t)
{
	return &t->st;
}

size_t tcpsip_mem_used(const struct tcpsip *t)
{
	return t->mem;
}

unsigned int tcpsip_conn_count(const struct tcpsip *t)
{
	return HASH_COUNT(t->conns);
}
