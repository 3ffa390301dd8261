/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parsing.h - bounds-checked header parsers for the XDP program.
 *
 * Each parser takes a cursor, checks that the whole header lies before
 * `end` before reading it, advances the cursor and returns the next
 * protocol (or -1 when the header is truncated or inconsistent).
 */
#ifndef SIPXDP_PARSING_H
#define SIPXDP_PARSING_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define VLAN_MAX_DEPTH 2

struct cursor {
	void *pos;
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* Returns the EtherType after up to two 802.1Q/802.1ad tags, network byte order. */
static __always_inline int parse_ethhdr(struct cursor *c, void *end, struct ethhdr **out)
{
	struct ethhdr *eth = c->pos;
	struct vlan_hdr *vlh;
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > end)
		return -1;
	c->pos = eth + 1;
	proto = eth->h_proto;
	*out = eth;

	/* Two iterations at most: the loop is bounded, clang unrolls it. */
	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vlh = c->pos;
		if ((void *)(vlh + 1) > end)
			return -1;
		proto = vlh->encap_proto;
		c->pos = vlh + 1;
	}
	return proto;
}

/*
 * IPv4: returns the L4 protocol.  Rejects a header length below 20 bytes or
 * beyond the packet and a total length shorter than the header.
 * *frag is set when this is a fragment other than the first (no L4 header).
 */
static __always_inline int parse_iphdr(struct cursor *c, void *end, struct iphdr **out,
				       int *frag)
{
	struct iphdr *iph = c->pos;
	int hlen;

	if ((void *)(iph + 1) > end)
		return -1;
	if (iph->version != 4)
		return -1;
	hlen = iph->ihl * 4;
	if (hlen < (int)sizeof(*iph))
		return -1;
	if (c->pos + hlen > end)
		return -1;
	if (bpf_ntohs(iph->tot_len) < hlen)
		return -1;
	*frag = (iph->frag_off & bpf_htons(0x1fff)) != 0;
	c->pos += hlen;
	*out = iph;
	return iph->protocol;
}

/* IPv6 without extension headers (issue: extension headers are skipped later). */
static __always_inline int parse_ip6hdr(struct cursor *c, void *end, struct ipv6hdr **out)
{
	struct ipv6hdr *ip6h = c->pos;

	if ((void *)(ip6h + 1) > end)
		return -1;
	if (ip6h->version != 6)
		return -1;
	c->pos = ip6h + 1;
	*out = ip6h;
	return ip6h->nexthdr;
}

/*
 * UDP: returns the payload length taken from the UDP header, which must be
 * at least 8 and must not claim more bytes than the frame holds.
 */
static __always_inline int parse_udphdr(struct cursor *c, void *end, struct udphdr **out)
{
	struct udphdr *h = c->pos;
	int len;

	if ((void *)(h + 1) > end)
		return -1;
	len = bpf_ntohs(h->len);
	if (len < (int)sizeof(*h))
		return -1;
	if (c->pos + len > end)
		return -1;
	c->pos = h + 1;
	*out = h;
	return len - sizeof(*h);
}

#endif /* SIPXDP_PARSING_H */
