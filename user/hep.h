/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hep.h - HEP v3 (EEP), the encapsulation Homer's collectors read: one
 * message as "HEP3", its total length, then chunks, each a vendor ID, a
 * type and a length (its 6-byte header included) in network byte order,
 * followed by its value.  Pure: nothing is sent, allocated or logged here.
 *
 * Chunks (vendor 0x0000, the generic ones), as numbered by the HEP3
 * Network Protocol Specification, revision 37 (github.com/sipcapture/HEP,
 * docs/HEP3_Network_Protocol_Specification_REV_37.pdf), and read so by
 * heplify-server (decoder/decoder.go):
 *
 *   0x0001  IP protocol family      uint8   2 IPv4, 10 IPv6
 *   0x0002  IP protocol ID          uint8   17 UDP, 6 TCP
 *   0x0003  IPv4 source address     4 bytes
 *   0x0004  IPv4 destination        4 bytes
 *   0x0005  IPv6 source address     16 bytes
 *   0x0006  IPv6 destination        16 bytes
 *   0x0007  source port             uint16
 *   0x0008  destination port        uint16
 *   0x0009  timestamp, seconds      uint32  Unix time
 *   0x000a  timestamp, microseconds uint32  offset within that second
 *   0x000b  protocol type           uint8   1 SIP, 5 RTCP (JSON), 34 RTP agent report (JSON)
 *   0x000c  capture agent ID        uint32
 *   0x000e  authentication key      octets
 *   0x000f  captured payload        octets
 *   0x0011  correlation ID          octets  the Call-ID
 *   0x0013  capture node name       octets
 *   0x0020  MOS                     uint16  MOS x 100
 *
 * The order is the spec's free choice, but not every receiver's:
 * captagent's and sngrep 1.6's read the first ten chunks at fixed places
 * (family, protocol, ports, seconds, microseconds, type, agent ID, then the
 * two addresses) and take the next chunk as the payload, or as the key and
 * then the payload when they expect a key.  So those come first in that
 * order, then the key, the payload, and only then everything else.
 */
#ifndef SIPXDP_HEP_H
#define SIPXDP_HEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sipxdp.h"

#define HEP_MAX_LEN	65535	/* the total length is 16 bits */
#define HEP_CHUNK_HDR	6

enum hep_chunk_type {
	HEP_CHUNK_IP_FAMILY	= 0x0001,
	HEP_CHUNK_IP_PROTO	= 0x0002,
	HEP_CHUNK_SRC_IP4	= 0x0003,
	HEP_CHUNK_DST_IP4	= 0x0004,
	HEP_CHUNK_SRC_IP6	= 0x0005,
	HEP_CHUNK_DST_IP6	= 0x0006,
	HEP_CHUNK_SRC_PORT	= 0x0007,
	HEP_CHUNK_DST_PORT	= 0x0008,
	HEP_CHUNK_TIME_SEC	= 0x0009,
	HEP_CHUNK_TIME_USEC	= 0x000a,
	HEP_CHUNK_PROTO_TYPE	= 0x000b,
	HEP_CHUNK_CAPTURE_ID	= 0x000c,
	HEP_CHUNK_AUTH_KEY	= 0x000e,
	HEP_CHUNK_PAYLOAD	= 0x000f,
	HEP_CHUNK_CORRELATION	= 0x0011,
	HEP_CHUNK_NODE_NAME	= 0x0013,
	HEP_CHUNK_MOS		= 0x0020,
};

enum hep_proto_type {
	HEP_PROTO_SIP		= 1,
	HEP_PROTO_RTCP		= 5,	/* RTCP as JSON (captagent's, heplify's shape) */
	HEP_PROTO_RTPAGENT	= 34,	/* a stream's quality report (JSON); Homer's "rtpagent" */
};

#define HEP_FAMILY_IP4	2
#define HEP_FAMILY_IP6	10

/* One message to encode.  A string of length 0 leaves its chunk out. */
struct hep_msg {
	struct sipxdp_addr src, dst;	/* IPv4-mapped for IPv4: family and chunks follow */
	uint16_t sport, dport;		/* host order */
	uint8_t ip_proto;		/* IPPROTO_UDP or IPPROTO_TCP */
	uint8_t proto_type;		/* enum hep_proto_type */
	uint64_t unix_ns;		/* capture time, Unix ns (microseconds are sent) */
	uint32_t capture_id;
	const char *auth;		/* authentication key */
	size_t auth_len;
	const void *payload;
	size_t payload_len;
	const char *correlation;	/* correlation ID: the Call-ID */
	size_t correlation_len;
	const char *node;		/* capture node name */
	size_t node_len;
	bool has_mos;
	uint16_t mos;			/* MOS x 100 */
};

/* The bytes m encodes to (may be past HEP_MAX_LEN). */
size_t hep_encoded_len(const struct hep_msg *m);

/*
 * Encode m into buf (cap bytes).  The length written, or -EMSGSIZE when
 * the message is longer than HEP_MAX_LEN or cap (nothing is written then).
 */
int hep_encode(const struct hep_msg *m, uint8_t *buf, size_t cap);

/* The total length a HEP3 header at p says (p has at least 6 bytes), 0 if p is no HEP3 header. */
size_t hep_total_len(const uint8_t *p);

struct hep_chunk {
	uint16_t vendor, type;
	const uint8_t *val;
	size_t len;			/* of the value, the header not counted */
};

/*
 * Walk the chunks of one message p[0..len) (untrusted bytes): the chunk at
 * *off (start with 0: the header is checked and skipped) into c, *off moved
 * past it.  1 with c filled, 0 at the end, -EINVAL when the message is not
 * HEP3, its total length is not len, or a chunk's length is under 6 or runs
 * past the end.
 */
int hep_next_chunk(const uint8_t *p, size_t len, size_t *off, struct hep_chunk *c);

#endif /* SIPXDP_HEP_H */
