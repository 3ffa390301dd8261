/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parsing.h - bounds-checked header parsers for the XDP program.
 *
 * Each parser takes a cursor, checks that the whole header lies before
 * `end` before reading it, advances the cursor and returns the next
 * protocol (EtherTypes in network byte order, IP protocols as the one byte
 * they are), or a negative enum parse_err.
 */
#ifndef SIPXDP_PARSING_H
#define SIPXDP_PARSING_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define VLAN_MAX_DEPTH 2
#define IPV6_EXT_MAX_DEPTH 6

enum parse_err {
	PARSE_MALFORMED = -1,	/* truncated or inconsistent header */
	PARSE_TOO_DEEP = -2,	/* more IPv6 extension headers than we walk */
};

/* What the IP layer says about fragmentation. */
enum frag_kind {
	FRAG_NONE = 0,
	FRAG_FIRST,		/* offset 0, more to come: carries the L4 header */
	FRAG_LATER,		/* offset > 0: no L4 header */
};

struct frag_info {
	int kind;		/* enum frag_kind */
	__u32 id;		/* identification, host byte order */
};

struct cursor {
	void *pos;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct pppoe_ses_hdr {
	__u8 ver_type;
	__u8 code;
	__be16 session;
	__be16 length;
	__be16 ppp_proto;
};

/* PPPoE session (DSL access links): the PPP protocol, as the EtherType it stands for. */
static __always_inline int parse_pppoe(struct cursor *c, void *end)
{
	struct pppoe_ses_hdr *ph = c->pos;

	if ((void *)(ph + 1) > end)
		return PARSE_MALFORMED;
	c->pos = ph + 1;
	if (ph->ppp_proto == bpf_htons(0x0021))
		return bpf_htons(ETH_P_IP);
	if (ph->ppp_proto == bpf_htons(0x0057))
		return bpf_htons(ETH_P_IPV6);
	return bpf_htons(ETH_P_PPP_SES);	/* LCP, IPCP, ...: not IP */
}

/*
 * Returns the EtherType after up to two 802.1Q/802.1ad tags and an optional
 * PPPoE session header, network byte order.
 */
static __always_inline int parse_ethhdr(struct cursor *c, void *end, struct ethhdr **out)
{
	struct ethhdr *eth = c->pos;
	struct vlan_hdr *vlh;
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > end)
		return PARSE_MALFORMED;
	c->pos = eth + 1;
	proto = eth->h_proto;
	*out = eth;

	/* Two iterations at most: the loop is bounded, clang unrolls it. */
	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vlh = c->pos;
		if ((void *)(vlh + 1) > end)
			return PARSE_MALFORMED;
		proto = vlh->encap_proto;
		c->pos = vlh + 1;
	}
	if (proto == bpf_htons(ETH_P_PPP_SES))
		return parse_pppoe(c, end);
	return proto;
}

/*
 * IPv4: returns the L4 protocol.  Rejects a header length below 20 bytes or
 * beyond the packet and a total length shorter than the header.
 */
static __always_inline int parse_iphdr(struct cursor *c, void *end, struct iphdr **out,
				       struct frag_info *fi)
{
	struct iphdr *iph = c->pos;
	int hlen;
	__u16 frag;

	if ((void *)(iph + 1) > end)
		return PARSE_MALFORMED;
	if (iph->version != 4)
		return PARSE_MALFORMED;
	hlen = iph->ihl * 4;
	if (hlen < (int)sizeof(*iph))
		return PARSE_MALFORMED;
	if (c->pos + hlen > end)
		return PARSE_MALFORMED;
	if (bpf_ntohs(iph->tot_len) < hlen)
		return PARSE_MALFORMED;
	frag = bpf_ntohs(iph->frag_off);
	fi->kind = frag & 0x1fff ? FRAG_LATER : frag & 0x2000 ? FRAG_FIRST : FRAG_NONE;
	fi->id = bpf_ntohs(iph->id);
	c->pos += hlen;
	*out = iph;
	return iph->protocol;
}

struct ip6_ext {
	__u8 nexthdr;
	__u8 len;
};

struct ip6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;	/* offset in 8-byte units << 3, M flag in bit 0 */
	__be32 id;
};

/*
 * IPv6: walks up to IPV6_EXT_MAX_DEPTH extension headers (hop-by-hop,
 * routing, destination options, fragment, AH) and returns the upper-layer
 * protocol, or PARSE_TOO_DEEP when the chain is longer than we walk.
 */
static __always_inline int parse_ip6hdr(struct cursor *c, void *end, struct ipv6hdr **out,
					struct frag_info *fi)
{
	struct ipv6hdr *ip6h = c->pos;
	struct ip6_ext *ext;
	struct ip6_frag *fh;
	int i, nh;

	if ((void *)(ip6h + 1) > end)
		return PARSE_MALFORMED;
	if (ip6h->version != 6)
		return PARSE_MALFORMED;
	c->pos = ip6h + 1;
	*out = ip6h;
	nh = ip6h->nexthdr;
	fi->kind = FRAG_NONE;

	for (i = 0; i < IPV6_EXT_MAX_DEPTH; i++) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			ext = c->pos;
			if ((void *)(ext + 1) > end)
				return PARSE_MALFORMED;
			nh = ext->nexthdr;
			c->pos += (ext->len + 1) * 8;
			break;
		case IPPROTO_AH:
			ext = c->pos;
			if ((void *)(ext + 1) > end)
				return PARSE_MALFORMED;
			nh = ext->nexthdr;
			c->pos += (ext->len + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			fh = c->pos;
			if ((void *)(fh + 1) > end)
				return PARSE_MALFORMED;
			nh = fh->nexthdr;
			fi->kind = bpf_ntohs(fh->frag_off) & ~7 ? FRAG_LATER :
				   bpf_ntohs(fh->frag_off) & 1 ? FRAG_FIRST : FRAG_NONE;
			fi->id = bpf_ntohl(fh->id);
			c->pos = fh + 1;
			break;
		default:
			if (c->pos > end)
				return PARSE_MALFORMED;
			return nh;
		}
	}
	if (c->pos > end)
		return PARSE_MALFORMED;
	/* Walked IPV6_EXT_MAX_DEPTH headers: fine if what follows is not one more. */
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_FRAGMENT:
		return PARSE_TOO_DEEP;
	}
	return nh;
}

/*
 * UDP: returns the payload length taken from the UDP header, which must be
 * at least 8 (host byte order), or PARSE_MALFORMED.  *beyond is set when that length runs past the first buffer:
 * the caller checks it against the whole frame (multi-buffer XDP), since
 * only it can ask for the frame's full length.
 */
static __always_inline int parse_udphdr(struct cursor *c, void *end, struct udphdr **out,
					int *beyond)
{
	struct udphdr *h = c->pos;
	int len;

	if ((void *)(h + 1) > end)
		return PARSE_MALFORMED;
	len = bpf_ntohs(h->len);
	if (len < (int)sizeof(*h))
		return PARSE_MALFORMED;
	*beyond = c->pos + len > end;
	c->pos = h + 1;
	*out = h;
	return len - sizeof(*h);
}

/*
 * UDP header of a first fragment: its length field covers the whole
 * datagram, so only the header itself is checked.
 */
static __always_inline int parse_udphdr_frag(struct cursor *c, void *end, struct udphdr **out)
{
	struct udphdr *h = c->pos;

	if ((void *)(h + 1) > end)
		return PARSE_MALFORMED;
	c->pos = h + 1;
	*out = h;
	return 0;
}

/* TCP: header length at least 20 bytes and inside the frame. */
static __always_inline int parse_tcphdr(struct cursor *c, void *end, struct tcphdr **out)
{
	struct tcphdr *h = c->pos;
	int len;

	if ((void *)(h + 1) > end)
		return PARSE_MALFORMED;
	len = h->doff * 4;
	if (len < (int)sizeof(*h) || c->pos + len > end)
		return PARSE_MALFORMED;
	c->pos += len;
	*out = h;
	return 0;
}

#endif /* SIPXDP_PARSING_H */
