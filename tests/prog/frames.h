/* SPDX-License-Identifier: GPL-2.0 */
/*
 * frames.h - crafted Ethernet frames for the program tests and the
 * benchmark: IPv4 or IPv6, optional VLAN tags or PPPoE, UDP (RTP, RFC 4733
 * events) or TCP.
 */
#ifndef SIPXDP_TEST_FRAMES_H
#define SIPXDP_TEST_FRAMES_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

struct frame {
	uint8_t b[2048];
	uint32_t len;
	uint32_t l3, l4, payload;
};

struct flow {
	int family;			/* 4 or 6 */
	const char *src, *dst;		/* textual addresses */
	uint16_t sport, dport;		/* host order */
	int vlans;			/* 0, 1 or 2 tags */
};

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Frame with the given UDP payload; lengths and IPv4 checksum filled in. */
static inline void frame_udp(struct frame *f, const struct flow *fl, const void *payload, uint32_t plen)
{
	uint8_t *p = f->b;
	uint32_t off = 12;
	int i;

	memset(f, 0, sizeof(*f));
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	for (i = 0; i < fl->vlans; i++) {
		put16(p + off, i == 0 && fl->vlans == 2 ? 0x88a8 : 0x8100);
		put16(p + off + 2, 100 + i);
		off += 4;
	}
	put16(p + off, fl->family == 6 ? 0x86dd : 0x0800);
	off += 2;
	f->l3 = off;
	if (fl->family == 6) {
		p[off] = 0x60;
		put16(p + off + 4, 8 + plen);
		p[off + 6] = 17;
		p[off + 7] = 64;
		inet_pton(AF_INET6, fl->src, p + off + 8);
		inet_pton(AF_INET6, fl->dst, p + off + 24);
		off += 40;
	} else {
		uint32_t sum = 0;

		p[off] = 0x45;
		put16(p + off + 2, 20 + 8 + plen);
		p[off + 8] = 64;
		p[off + 9] = 17;
		inet_pton(AF_INET, fl->src, p + off + 12);
		inet_pton(AF_INET, fl->dst, p + off + 16);
		for (i = 0; i < 20; i += 2)
			sum += (uint32_t)p[off + i] << 8 | p[off + i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(p + off + 10, ~sum);
		off += 20;
	}
	f->l4 = off;
	put16(p + off, fl->sport);
	put16(p + off + 2, fl->dport);
	put16(p + off + 4, 8 + plen);
	off += 8;
	f->payload = off;
	memcpy(p + off, payload, plen);
	f->len = off + plen;
}

/* RTP packet: 12-byte header and `plen` bytes of payload. */
static inline void frame_rtp(struct frame *f, const struct flow *fl, uint8_t pt, int marker,
			     uint16_t seq, uint32_t ts, uint32_t ssrc, uint32_t plen)
{
	uint8_t rtp[12 + 1500] = { 0x80 };

	rtp[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
	put16(rtp + 2, seq);
	put32(rtp + 4, ts);
	put32(rtp + 8, ssrc);
	memset(rtp + 12, 0xd5, plen);
	frame_udp(f, fl, rtp, 12 + plen);
}

/*
 * RFC 4733 event packet (a DTMF digit): the plain 12-byte RTP header, then
 * event, E bit and volume, duration.  frame_rtp() will not do: its 0xd5
 * filler has the E bit set.
 */
static inline void frame_rtp_event(struct frame *f, const struct flow *fl, uint8_t pt, int marker,
				   uint16_t seq, uint32_t ts, uint32_t ssrc, uint8_t event, int end,
				   uint16_t duration)
{
	uint8_t rtp[12 + 4] = { 0x80 };

	rtp[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
	put16(rtp + 2, seq);
	put32(rtp + 4, ts);
	put32(rtp + 8, ssrc);
	rtp[12] = event;
	rtp[13] = (end ? 0x80 : 0) | 10;	/* volume -10 dBm0 */
	put16(rtp + 14, duration);
	frame_udp(f, fl, rtp, sizeof(rtp));
}

/* Put the IP packet in a PPPoE session (DSL access links): 8 bytes after the EtherType. */
static inline void frame_pppoe(struct frame *f, uint16_t session)
{
	uint8_t *l3 = f->b + f->l3;
	uint16_t ppp = f->b[f->l3] >> 4 == 6 ? 0x0057 : 0x0021;

	memmove(l3 + 8, l3, f->len - f->l3);
	l3[0] = 0x11;			/* version 1, type 1 */
	l3[1] = 0x00;			/* session data */
	put16(l3 + 2, session);
	put16(l3 + 4, f->len - f->l3 + 2);	/* the PPP protocol field and the IP packet */
	put16(l3 + 6, ppp);
	put16(l3 - 2, 0x8864);
	f->len += 8;
	f->l3 += 8;
	f->l4 += 8;
	f->payload += 8;
}

/* Insert an 8-byte IPv6 extension header of type `type` right after the fixed header. */
static inline void frame_ip6_insert_ext(struct frame *f, uint8_t type, const uint8_t ext[8])
{
	uint8_t *ip6 = f->b + f->l3;
	uint16_t plen = (uint16_t)ip6[4] << 8 | ip6[5];
	uint8_t hdr[8];

	memcpy(hdr, ext, 8);
	hdr[0] = ip6[6];		/* the extension's next header is the old one */
	memmove(ip6 + 48, ip6 + 40, f->len - f->l3 - 40);
	memcpy(ip6 + 40, hdr, 8);
	ip6[6] = type;
	put16(ip6 + 4, plen + 8);
	f->len += 8;
	f->l4 += 8;
	f->payload += 8;
}

/* TCP segment with the given flags (0x02 SYN, 0x10 ACK, 0x18 PSH|ACK) and payload. */
static inline void frame_tcp(struct frame *f, const struct flow *fl, uint8_t flags, uint32_t seq,
			     const void *payload, uint32_t plen)
{
	uint8_t seg[20 + 1500] = { 0 };
	uint8_t *ip;

	put16(seg, fl->sport);
	put16(seg + 2, fl->dport);
	put32(seg + 4, seq);
	seg[12] = 5 << 4;
	seg[13] = flags;
	put16(seg + 14, 65535);
	memcpy(seg + 20, payload, plen);
	/* Build as UDP for the L2/L3 layout, then turn the L4 part into TCP. */
	frame_udp(f, fl, seg + 8, 12 + plen);
	memcpy(f->b + f->l4, seg, 20 + plen);
	ip = f->b + f->l3;
	if (fl->family == 6) {
		ip[6] = 6;
	} else {
		uint32_t sum = 0;
		int i;

		ip[9] = 6;
		ip[10] = ip[11] = 0;
		for (i = 0; i < 20; i += 2)
			sum += (uint32_t)ip[i] << 8 | ip[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(ip + 10, ~sum);
	}
	f->payload = f->l4 + 20;
}

#endif
