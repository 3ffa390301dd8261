// SPDX-License-Identifier: GPL-2.0
/* hep.c - HEP v3 encoding and a chunk walker (hep.h: the chunk table, its source, the order). */
#include <errno.h>
#include <string.h>

#include "hep.h"
#include "util.h"

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* One chunk at p: header and value; returns the bytes written. */
static size_t put_chunk(uint8_t *p, uint16_t type, const void *val, size_t len)
{
	put_be16(p, 0x0000);
	put_be16(p + 2, type);
	put_be16(p + 4, HEP_CHUNK_HDR + len);
	if (len)
		memcpy(p + HEP_CHUNK_HDR, val, len);
	return HEP_CHUNK_HDR + len;
}

static size_t put_u8(uint8_t *p, uint16_t type, uint8_t v)
{
	return put_chunk(p, type, &v, 1);
}

static size_t put_u16(uint8_t *p, uint16_t type, uint16_t v)
{
	uint8_t b[2];

	put_be16(b, v);
	return put_chunk(p, type, b, 2);
}

static size_t put_u32(uint8_t *p, uint16_t type, uint32_t v)
{
	uint8_t b[4];

	put_be32(b, v);
	return put_chunk(p, type, b, 4);
}

size_t hep_encoded_len(const struct hep_msg *m)
{
	size_t addr = addr_is_v4(&m->src) && addr_is_v4(&m->dst) ? 4 : 16;

	/* "HEP3" and length; family, protocol, ports, time, type, agent ID; the addresses */
	return 6 + (7 + 7 + 8 + 8 + 10 + 10 + 7 + 10) + 2 * (HEP_CHUNK_HDR + addr) +
	       (m->auth_len ? HEP_CHUNK_HDR + m->auth_len : 0) + HEP_CHUNK_HDR + m->payload_len +
	       (m->correlation_len ? HEP_CHUNK_HDR + m->correlation_len : 0) +
	       (m->node_len ? HEP_CHUNK_HDR + m->node_len : 0) + (m->has_mos ? HEP_CHUNK_HDR + 2 : 0);
}

int hep_encode(const struct hep_msg *m, uint8_t *buf, size_t cap)
{
	size_t total = hep_encoded_len(m), o = 6;
	/* An IPv4-mapped address on one side only is sent as IPv6 on both: one family per message. */
	bool v4 = addr_is_v4(&m->src) && addr_is_v4(&m->dst);

	if (total > HEP_MAX_LEN || total > cap)
		return -EMSGSIZE;
	memcpy(buf, "HEP3", 4);
	put_be16(buf + 4, total);
	/* The fixed block captagent-derived receivers read in place (hep.h). */
	o += put_u8(buf + o, HEP_CHUNK_IP_FAMILY, v4 ? HEP_FAMILY_IP4 : HEP_FAMILY_IP6);
	o += put_u8(buf + o, HEP_CHUNK_IP_PROTO, m->ip_proto);
	o += put_u16(buf + o, HEP_CHUNK_SRC_PORT, m->sport);
	o += put_u16(buf + o, HEP_CHUNK_DST_PORT, m->dport);
	o += put_u32(buf + o, HEP_CHUNK_TIME_SEC, (uint32_t)(m->unix_ns / NS_PER_SEC));
	o += put_u32(buf + o, HEP_CHUNK_TIME_USEC, (uint32_t)(m->unix_ns % NS_PER_SEC / 1000));
	o += put_u8(buf + o, HEP_CHUNK_PROTO_TYPE, m->proto_type);
	o += put_u32(buf + o, HEP_CHUNK_CAPTURE_ID, m->capture_id);
	if (v4) {
		o += put_chunk(buf + o, HEP_CHUNK_SRC_IP4, &m->src.a[12], 4);
		o += put_chunk(buf + o, HEP_CHUNK_DST_IP4, &m->dst.a[12], 4);
	} else {
		o += put_chunk(buf + o, HEP_CHUNK_SRC_IP6, m->src.a, 16);
		o += put_chunk(buf + o, HEP_CHUNK_DST_IP6, m->dst.a, 16);
	}
	if (m->auth_len)
		o += put_chunk(buf + o, HEP_CHUNK_AUTH_KEY, m->auth, m->auth_len);
	o += put_chunk(buf + o, HEP_CHUNK_PAYLOAD, m->payload, m->payload_len);
	if (m->correlation_len)
		o += put_chunk(buf + o, HEP_CHUNK_CORRELATION, m->correlation, m->correlation_len);
	if (m->node_len)
		o += put_chunk(buf + o, HEP_CHUNK_NODE_NAME, m->node, m->node_len);
	if (m->has_mos)
		o += put_u16(buf + o, HEP_CHUNK_MOS, m->mos);
	return (int)o;
}

size_t hep_total_len(const uint8_t *p)
{
	return memcmp(p, "HEP3", 4) ? 0 : get_be16(p + 4);
}

int hep_next_chunk(const uint8_t *p, size_t len, size_t *off, struct hep_chunk *c)
{
	size_t clen;

	if (!*off) {
		if (len < 6 || hep_total_len(p) != len)
			return -EINVAL;
		*off = 6;
	}
	if (*off == len)
		return 0;
	if (len - *off < HEP_CHUNK_HDR)
		return -EINVAL;
	clen = get_be16(p + *off + 4);
	if (clen < HEP_CHUNK_HDR || clen > len - *off)
		return -EINVAL;
	c->vendor = get_be16(p + *off);
	c->type = get_be16(p + *off + 2);
	c->val = p + *off + HEP_CHUNK_HDR;
	c->len = clen - HEP_CHUNK_HDR;
	*off += clen;
	return 1;
}
