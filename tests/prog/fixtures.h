/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fixtures.h - the XDP program's cases as rows (what a row states and how it
 * is checked: fixture.h), run on the kernel's program by prog_test.c and on
 * the program compiled in user space by tests/unit/test_uxdp.c.
 */
#ifndef SIPXDP_TEST_FIXTURES_H
#define SIPXDP_TEST_FIXTURES_H

#include "fixture.h"

/* Toward the callee's learned endpoint 10.0.0.2:6000 (PCMU). */
#define CALLER		{ 4, "10.0.0.1", "10.0.0.2", 40000, 6000, 0 }
#define EP_CALLEE	EP4("10.0.0.2", 6000, 0, 0, { 0, CLK_8000 })
/* The caller's own endpoint, 10.0.0.1:40000, for SDP from both ends. */
#define EP_CALLER(event_pt, flags, ...) EP4("10.0.0.1", 40000, event_pt, flags, __VA_ARGS__)
#define V6_CALLER	{ 6, "2001:db8::9", "2001:db8::2", 41000, 7000, 0 }
/* RTP from behind a NAT, ahead of the SDP that names 10.0.0.7:6010. */
#define NAT		{ 4, "10.9.9.9", "10.0.0.7", 50000, 6010, 0 }
#define EP_NAT(event_pt) EP4("10.0.0.7", 6010, event_pt, 0, { 0, CLK_8000 })
#define SIP4		{ 4, "10.0.0.1", "10.0.0.2", 5060, 5060, 0 }
#define SIP6		{ 6, "2001:db8::1", "2001:db8::2", 5060, 5060, 0 }
#define FLOW4(src, dst, sport, dport, vlans) { 4, src, dst, sport, dport, vlans }
#define FLOW6(src, dst, sport, dport, vlans) { 6, src, dst, sport, dport, vlans }

#define OPTIONS		"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n"
#define INVITE_3000	"INVITE sip:b@x SIP/2.0\r\nCall-ID: frag\r\nContent-Length: 3000\r\n\r\n"
#define TEL_EVENT	101

/* RTP-looking payloads that are not RTP (PT 0: none of them looks like RTCP). */
static const uint8_t probe[5] = "TEST";			/* the 5-byte probe of sip-rtp-dvi4.pcap */
static const uint8_t csrc_past_end[20] = { 0x8f };	/* 15 CSRCs (60 bytes) in 20 */
static const uint8_t ext_past_end[20] = { 0x90, [15] = 0x40 };	/* 64 words of extension */
static const uint8_t version_1[20] = { 0x40, [15] = 0x40 };
static const uint8_t rtcp_sr[28] = { 0x80, 200 };		/* an empty sender report */
/* RFC 4733 event packets the program must not read: the event not where it looks. */
static const uint8_t event_short[14] = { 0x80, TEL_EVENT, 0, 2, 0, 0, 0, 160, 0, 0, 0x30, 0x01, 5, 0x8a };
static const uint8_t event_ext[20] = { 0x90, TEL_EVENT, 0, 3, 0, 0, 0, 160, 0, 0, 0x30, 0x01,
				       0xbe, 0xde, 0, 0, 5, 0x8a, 0x01, 0x90 };

static const uint8_t dstopts[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };		/* PadN */
static const uint8_t frag6[8] = { 0, 0, 0x00, 0x01, 0, 0, 0x12, 0x34 };	/* offset 0, M, id 0x1234 */
#define DSTOPTS		{ 60, dstopts }

/* The 0x77 RTP packet to the callee that the malformed cases corrupt. */
#define BROKEN		RTP(CALLER, 0, 1, 0, 0x77)
#define MALFORMED_1	{ .d = { .malformed = 1 }, .streams = EQ(0) }

static const struct fixture fixtures[] = {
	/* SIP */
	{ "sip over udp to the event ring", {}, {
		{ .f = { SIP_UDP(FLOW4("10.0.0.1", "10.0.0.2", 5060, 5070, 0), OPTIONS) }, .t = 1000,
		  .x = { .events = 1, .ev = { .family = 4, .l4_proto = IPPROTO_UDP }, .d = { .sip = 1 } } },
	} },
	{ "sip over ipv6 behind two vlan tags, to port 5060", {}, {
		{ .f = { SIP_UDP(FLOW6("2001:db8::1", "2001:db8::2", 5070, 5060, 2), OPTIONS) }, .t = 2000,
		  .x = { .events = 1, .ev = { .family = 6, .l3_off = 22 }, .d = { .sip = 1 } } },
	} },
	{ "sip text on other ports is not sent up", {}, {
		{ .f = { SIP_UDP(FLOW4("10.0.0.1", "10.0.0.2", 5070, 5080, 0), OPTIONS) }, .t = 3000 },
	} },
	{ "sip behind pppoe", {}, {
		{ .f = { SIP_UDP(SIP4, "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: pppoe\r\n\r\n"), .pppoe = 1 },
		  .t = 1000, .x = { .events = 1, .ev = { .l3_off = 22 }, .d = { .sip = 1 } } },
	} },
	{ "ip fragments of a sip datagram", {}, {
		/* First fragment: MF, offset 0, a UDP length covering the whole datagram. */
		{ .f = { SIP_UDP(SIP4, INVITE_3000), .edit = { { 2, AT_L3, 4, 0x4242 },
			{ 2, AT_L3, 6, 0x2000 }, { 2, AT_L4, 4, 3100 } } }, .t = 1000,
		  .x = { .events = 1, .ev = { .flags = SIPXDP_META_F_FRAG },
			 .d = { .ip_fragments = 1, .sip_fragments = 1, .sip = 1 } } },
		/* A later fragment of it (offset 185 * 8, last): no UDP header, still sent up. */
		{ .f = { SIP_UDP(SIP4, INVITE_3000), .edit = { { 2, AT_L3, 4, 0x4242 },
			{ 2, AT_L3, 6, 0x00b9 }, { 2, AT_L4, 4, 3100 } } }, .t = 1000,
		  .x = { .events = 1, .ev = { .flags = SIPXDP_META_F_FRAG, .payload_off = 34 },
			 .d = { .ip_fragments = 1, .sip_fragments = 1, .sip = 1 } } },
		/* A later fragment of another datagram (or one that overtook its first): not. */
		{ .f = { SIP_UDP(SIP4, INVITE_3000), .edit = { { 2, AT_L3, 4, 0x4343 },
			{ 2, AT_L3, 6, 0x00b9 }, { 2, AT_L4, 4, 3100 } } }, .t = 1000,
		  .x = { .d = { .ip_fragments = 1, .frag_unclaimed = 1 } } },
		/* IPv6: a fragment header, the first fragment, then a later one (offset 160 * 8). */
		{ .f = { SIP_UDP(SIP6, INVITE_3000), .ext = { { 44, frag6 } },
			 .edit = { { 2, AT_L4, 4, 3100 } } }, .t = 1000,
		  .x = { .events = 1, .ev = { .flags = SIPXDP_META_F_FRAG, .family = 6 },
			 .d = { .ip_fragments = 1, .sip_fragments = 1, .sip = 1 } } },
		{ .f = { SIP_UDP(SIP6, INVITE_3000), .ext = { { 44, frag6 } },
			 .edit = { { 2, AT_L4, 4, 3100 }, { 1, AT_L3, 42, 0x05 }, { 1, AT_L3, 43, 0x00 } } },
		  .t = 1000, .x = { .events = 1, .ev = { .flags = SIPXDP_META_F_FRAG, .l4_off = 14 + 48 },
				    .d = { .ip_fragments = 1, .sip_fragments = 1, .sip = 1 } } },
	} },
	{ "sip over tcp", {}, {
		{ .f = { TCP(FLOW4("10.0.0.1", "10.0.0.2", 40000, 5060, 0), 0x18, 1000,
			     "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: tcp\r\n\r\n") }, .t = 1000,
		  .x = { .events = 1, .ev = { .l4_proto = IPPROTO_TCP }, .d = { .sip_tcp = 1, .sip = 1 } } },
	} },
	{ "tcp syn on the sip port goes up: reassembly starts at its sequence number", {}, {
		{ .f = { TCP(FLOW4("10.0.0.1", "10.0.0.2", 40000, 5060, 0), 0x02, 999, "") }, .t = 1000,
		  .x = { .events = 1, .ev = { .l4_proto = IPPROTO_TCP }, .d = { .sip_tcp = 1, .sip = 1 } } },
	} },
	{ "tls connection opened: counted, not sent up", {}, {
		{ .f = { TCP(FLOW4("10.0.0.1", "10.0.0.2", 40001, 5061, 0), 0x02, 1, "") }, .t = 1000,
		  .x = { .d = { .tls = 1, .tls_conns = 1 } } },
	} },
	{ "tls record: counted, not sent up", {}, {
		{ .f = { TCP(FLOW4("10.0.0.1", "10.0.0.2", 40001, 5061, 0), 0x18, 2, "\x17\x03\x03") },
		  .t = 1000, .x = { .d = { .tls = 1 } } },
	} },
	{ "tcp data offset below five words", {}, {
		{ .f = { TCP(FLOW4("10.0.0.1", "10.0.0.2", 40000, 5060, 0), 0x18, 1000,
			     "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: tcp\r\n\r\n"), .edit = { { 1, AT_L4, 12, 4 << 4 } } },
		  .t = 1000, .x = { .d = { .malformed = 1 } } },
	} },

	/* RTP streams */
	{ "rtp stream on a learned endpoint", { EP_CALLEE }, {
		/* 50 packets every 20 ms, 160 ticks apart: no jitter. */
		{ .f = { RTP(CALLER, 0, 100, 8000, 0x11223344), .marker = 1 }, .t = SEC,
		  .n = 50, .dseq = 1, .dts = 160, .dt = 20 * MS,
		  .x = { .d = { .rtp = 50 }, .streams = EQ(1), .st = { {
			.packets = EQ(50), .bytes = EQ(50 * 172), .lost = EQ(0), .duplicates = EQ(0),
			.out_of_order = EQ(0), .jitter_q4 = EQ(0), .max_delta_ns = EQ(20 * MS),
			.first_ns = EQ(SEC), .last_ns = EQ(SEC + 49 * 20 * MS), .base_seq = EQ(100),
			.max_seq = EQ(149), .clock_code = EQ(CLK_8000), .flags = HAS(STREAM_F_VALID) } } } },
		/* One packet 1 ms late: D = 1 ms, J = 1/16 ms. */
		{ .f = { RTP(CALLER, 0, 150, 8000 + 50 * 160, 0x11223344) }, .t = SEC + 50 * 20 * MS + MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .jitter_q4 = EQ(1000000) } } } },
		/* Skip seq 151, then a duplicate of 152 and a late 151. */
		{ .f = { RTP(CALLER, 0, 152, 8000 + 52 * 160, 0x11223344) }, .t = SEC + 52 * 20 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .lost = EQ(1) } } } },
		{ .f = { RTP(CALLER, 0, 152, 8000 + 52 * 160, 0x11223344) }, .t = SEC + 52 * 20 * MS + 10,
		  .x = { .d = { .rtp = 1 }, .st = { { .duplicates = EQ(1), .lost = EQ(0) } } } },
		{ .f = { RTP(CALLER, 0, 151, 8000 + 51 * 160, 0x11223344) }, .t = SEC + 53 * 20 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .out_of_order = EQ(1), .lost = EQ(-1),
						      .max_seq = EQ(152), .packets = EQ(54) } } } },
		/* A second SSRC on the same 5-tuple is a second stream. */
		{ .f = { RTP(CALLER, 0, 7, 0, 0x55667788) }, .t = 5 * SEC,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(2), .st = { { .packets = EQ(1) },
			 { .flow = CALLER, .ssrc = 0x11223344, .packets = EQ(54) } } } },
	} },
	{ "symmetric rtp: the stream found by its source endpoint, one vlan tag", { EP_CALLEE }, {
		{ .f = { RTP(FLOW4("10.0.0.2", "10.0.0.9", 6000, 41000, 1), 0, 1, 0, 0xabcdef01) }, .t = 1000,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(1),
			 .st = { { .packets = EQ(1), .clock_code = EQ(CLK_8000) } } } },
	} },
	{ "rtp over ipv6", { EP6("2001:db8::2", 7000, 0, 0, { 8, CLK_8000 }) }, {
		{ .f = { RTP(V6_CALLER, 8, 1, 0, 0x0badcafe) }, .t = 1000,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(1),
			 .st = { { .packets = EQ(1), .clock_code = EQ(CLK_8000) } } } },
	} },
	{ "rtp behind two ipv6 extension headers", { EP6("2001:db8::2", 7000, 0, 0, { 0, CLK_8000 }) }, {
		{ .f = { RTP(V6_CALLER, 0, 1, 0, 0x6e6e), .ext = { DSTOPTS, { 0, dstopts } } }, .t = 1000,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(1), .st = { { .packets = EQ(1) } } } },
	} },
	{ "rtp behind six ipv6 extension headers: all walked",
	  { EP6("2001:db8::2", 7000, 0, 0, { 0, CLK_8000 }) }, {
		{ .f = { RTP(V6_CALLER, 0, 1, 0, 0x6e6f), .ext = { DSTOPTS, DSTOPTS, DSTOPTS, DSTOPTS,
								    DSTOPTS, DSTOPTS } }, .t = 1000,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(1), .st = { { .packets = EQ(1) } } } },
	} },
	{ "seven ipv6 extension headers: more than walked, counted",
	  { EP6("2001:db8::2", 7000, 0, 0, { 0, CLK_8000 }) }, {
		{ .f = { RTP(V6_CALLER, 0, 1, 0, 0x6e70), .ext = { DSTOPTS, DSTOPTS, DSTOPTS, DSTOPTS,
								    DSTOPTS, DSTOPTS, DSTOPTS } }, .t = 1000,
		  .x = { .d = { .ip6_ext_unparsed = 1 }, .streams = EQ(0) } },
	} },
	{ "rtp-looking udp between unknown endpoints: held, not counted", { EP_CALLEE }, {
		{ .f = { RTP(FLOW4("10.0.0.1", "10.0.0.3", 40000, 6002, 0), 0, 1, 0, 1) }, .t = 1000,
		  .x = { .d = { .pending = 1 }, .streams = EQ(0), .held = EQ(1) } },
	} },
	{ "5-byte probe on a media port (sip-rtp-dvi4.pcap)", { EP_CALLEE }, {
		{ .f = { UDP(CALLER, probe, 5) }, .t = 1000,
		  .x = { .d = { .non_rtp_media = 1 }, .streams = EQ(0) } },
	} },
	{ "csrc count past the payload: not rtp", { EP_CALLEE }, {
		{ .f = { UDP(CALLER, csrc_past_end, 20) }, .t = 1000,
		  .x = { .d = { .non_rtp_media = 1 }, .streams = EQ(0) } },
	} },
	{ "header extension past the payload: not rtp", { EP_CALLEE }, {
		{ .f = { UDP(CALLER, ext_past_end, 20) }, .t = 1000,
		  .x = { .d = { .non_rtp_media = 1 }, .streams = EQ(0) } },
	} },
	{ "rtp version 1: not rtp", { EP_CALLEE }, {
		{ .f = { UDP(CALLER, version_1, 20) }, .t = 1000,
		  .x = { .d = { .non_rtp_media = 1 }, .streams = EQ(0) } },
	} },
	{ "rtcp on a media port: sent up, not a stream", { EP_CALLEE }, {
		{ .f = { UDP(CALLER, rtcp_sr, 28) }, .t = 1000,
		  .x = { .events = 1, .ev = { .flags = SIPXDP_META_F_RTCP }, .d = { .rtcp = 1 },
			 .streams = EQ(0) } },
	} },
	{ "rtp-looking bytes to an rtcp port: not a stream",
	  { EP4("10.0.0.2", 6001, 0, ENDPOINT_F_RTCP, { 0, CLK_8000 }) }, {
		{ .f = { RTP(FLOW4("10.0.0.1", "10.0.0.2", 40000, 6001, 0), 0, 1, 0, 0x3001) }, .t = 1000,
		  .x = { .d = { .non_rtp_media = 1 }, .streams = EQ(0) } },
	} },

	/* Frames that lie, or are not IP */
	{ "every cut inside the headers is malformed", { EP_CALLEE }, {
		/* From the end of the Ethernet header to the UDP payload: 14 .. 14 + 20 + 8 - 1. */
		{ .f = { BROKEN, .cut = 14 }, .t = 1000, .n = 28, .dcut = 1,
		  .x = { .d = { .malformed = 28 }, .streams = EQ(0) } },
	} },
	{ "ipv4 header length 4 words", { EP_CALLEE }, {
		{ .f = { BROKEN, .edit = { { 1, AT_L3, 0, 0x44 } } }, .t = 1000, .x = MALFORMED_1 },
	} },
	{ "ipv4 header length 15 words, past the udp header", { EP_CALLEE }, {
		{ .f = { BROKEN, .edit = { { 1, AT_L3, 0, 0x4f } }, .cut = 14 + 40 }, .t = 1000,
		  .x = MALFORMED_1 },
	} },
	{ "udp length beyond the frame", { EP_CALLEE }, {
		{ .f = { BROKEN, .edit = { { 2, AT_L4, 4, 4000 } } }, .t = 1000, .x = MALFORMED_1 },
	} },
	{ "udp length below its header", { EP_CALLEE }, {
		{ .f = { BROKEN, .edit = { { 2, AT_L4, 4, 4 } } }, .t = 1000, .x = MALFORMED_1 },
	} },
	{ "ipv4 total length below the header", { EP_CALLEE }, {
		{ .f = { BROKEN, .edit = { { 2, AT_L3, 2, 10 } } }, .t = 1000, .x = MALFORMED_1 },
	} },
	{ "cut inside the first of two vlan tags", { EP_CALLEE }, {
		{ .f = { RTP(FLOW4("10.0.0.1", "10.0.0.2", 40000, 6000, 2), 0, 1, 0, 0x78), .cut = 16 },
		  .t = 1000, .x = MALFORMED_1 },
	} },
	/* (Frames shorter than an Ethernet header never reach XDP: test_run refuses them too.) */
	{ "arp: not ip", { EP_CALLEE }, {
		{ .f = { BROKEN, .edit = { { 2, AT_FRAME, 12, 0x0806 } } }, .t = 1000,
		  .x = { .d = { .non_ip = 1 }, .streams = EQ(0) } },
	} },
	{ "a later ip fragment of no sip datagram", { EP_CALLEE }, {
		{ .f = { BROKEN, .edit = { { 2, AT_L3, 6, 0x00b9 } } }, .t = 1000,
		  .x = { .d = { .ip_fragments = 1, .frag_unclaimed = 1 }, .streams = EQ(0) } },
	} },

	/* RTP ahead of its SDP: held, then claimed by the stream */
	{ "rtp held until its endpoint is learned", {}, {
		{ .f = { RTP(NAT, 0, 500, 0, 0xfeed) }, .t = SEC, .n = 3, .dseq = 1, .dts = 160, .dt = 20 * MS,
		  .x = { .d = { .pending = 3 }, .streams = EQ(0), .held = EQ(1) } },
		/* The SDP is in: the stream starts from the held record, with the endpoint's clocks. */
		{ .learn = { EP_NAT(0) }, .f = { RTP(NAT, 0, 503, 3 * 160, 0xfeed) }, .t = SEC + 3 * 20 * MS,
		  .n = 7, .dseq = 1, .dts = 160, .dt = 20 * MS, .wobble = 3 * MS,
		  .x = { .d = { .rtp = 7, .pending_claimed = 1 }, .streams = EQ(1), .held = EQ(0),
			 .st = { { .packets = EQ(10), .base_seq = EQ(500), .lost = EQ(0),
				   .first_ns = EQ(SEC), .clock_code = EQ(CLK_8000), .jitter_q4 = GT(0),
				   .flags = HAS(STREAM_F_VALID) } } } },
		/* Odd destination ports are not held (RTCP's, by convention). */
		{ .f = { RTP(FLOW4("10.9.9.9", "10.0.0.7", 50000, 6013, 0), 0, 1, 0, 0xbeef) }, .t = 2 * SEC },
	} },
	{ "held in sequence: a claimed record keeps its probation", {}, {
		{ .f = { RTP(NAT, 0, 500, 0, 0xfeed) }, .t = SEC, .n = 2, .dseq = 1, .dts = 160, .dt = 20 * MS,
		  .x = { .d = { .pending = 2 }, .held = EQ(1) } },
		/* Claimed by a duplicate, which passes no probation itself. */
		{ .learn = { EP_NAT(0) }, .f = { RTP(NAT, 0, 501, 160, 0xfeed) }, .t = SEC + 40 * MS,
		  .x = { .d = { .rtp = 1, .pending_claimed = 1 }, .streams = EQ(1), .held = EQ(0),
			 .st = { { .flags = HAS(STREAM_F_VALID), .packets = EQ(3), .duplicates = EQ(1),
				   .base_seq = EQ(500) } } } },
	} },
	{ "one packet held: no probation passed, nor by its duplicate", {}, {
		{ .f = { RTP(NAT, 0, 500, 0, 0xfeed) }, .t = SEC, .x = { .d = { .pending = 1 }, .held = EQ(1) } },
		{ .learn = { EP_NAT(0) }, .f = { RTP(NAT, 0, 500, 0, 0xfeed) }, .t = SEC + 20 * MS,
		  .x = { .d = { .rtp = 1, .pending_claimed = 1 }, .streams = EQ(1), .held = EQ(0),
			 .st = { { .flags = LACKS(STREAM_F_VALID), .packets = EQ(2), .duplicates = EQ(1) } } } },
	} },
	{ "rtp ahead of its sdp, to a port another call's endpoint uses: held", { EP_CALLEE }, {
		{ .f = { RTP(FLOW4("10.9.9.9", "10.0.0.7", 50000, 6000, 0), 0, 500, 0, 0xfeed) }, .t = SEC,
		  .n = 2, .dseq = 1, .dts = 160, .dt = 20 * MS,
		  .x = { .d = { .pending = 2 }, .streams = EQ(0), .held = EQ(1) } },
		{ .learn = { EP4("10.0.0.7", 6000, 0, 0, { 0, CLK_8000 }) },
		  .f = { RTP(FLOW4("10.9.9.9", "10.0.0.7", 50000, 6000, 0), 0, 502, 320, 0xfeed) },
		  .t = SEC + 40 * MS,
		  .x = { .d = { .rtp = 1, .pending_claimed = 1 }, .streams = EQ(1), .held = EQ(0),
			 .st = { { .packets = EQ(3), .base_seq = EQ(500), .lost = EQ(0) } } } },
	} },

	/* What a payload type means, from either end's SDP */
	{ "payload types from both ends' sdp",
	  { EP_CALLEE, EP_CALLER(TEL_EVENT, 0, { 96, CLK_16000 }) }, {
		{ .f = { RTP(CALLER, 0, 1, 0, 0x2001) }, .t = SEC,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(1), .st = { {
			.event_pt = EQ(TEL_EVENT), .clock_code = EQ(CLK_8000) } } } },
		/* PT 96 on its 16 kHz clock: 320 ticks in 20 ms, no jitter (8 kHz would make it 40 ms). */
		{ .f = { RTP(CALLER, 96, 2, 320, 0x2001) }, .t = SEC + 20 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .pt = EQ(96), .clock_code = EQ(CLK_16000),
						      .jitter_q4 = EQ(0) } } } },
		/* A digit: telephone-event has no clock the jitter counts on. */
		{ .f = { EVENT(CALLER, TEL_EVENT, 3, 640, 0x2001, 0) }, .t = SEC + 40 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .pt = EQ(TEL_EVENT), .clock_code = EQ(CLK_NONE) } } } },
		/* Back to PCMU: its clock again, from the destination's table. */
		{ .f = { RTP(CALLER, 0, 4, 960, 0x2001) }, .t = SEC + 60 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .pt = EQ(0), .clock_code = EQ(CLK_8000),
						      .packets = EQ(4) } } } },
	} },
	{ "both ends name a payload type: the destination's clock and event type win",
	  { EP4("10.0.0.2", 6000, TEL_EVENT, 0, { 0, CLK_8000 }, { 127, CLK_48000 }),
	    EP_CALLER(100, 0, { 0, CLK_16000 }, { 1, CLK_11025 }, { 7, CLK_22050 }, { 8, CLK_8000 },
		      { 96, CLK_16000 }, { 127, CLK_90000 }) }, {
		/* Each payload type in turn, a stream's first packet and then a change of type. */
		{ .f = { RTP(CALLER, 0, 1, 0, 0x2002) }, .t = SEC,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(1), .st = { {
			.clock_code = EQ(CLK_8000), .event_pt = EQ(TEL_EVENT) } } } },
		{ .f = { RTP(CALLER, 1, 2, 160, 0x2002) }, .t = SEC + 20 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .pt = EQ(1), .clock_code = EQ(CLK_11025) } } } },
		{ .f = { RTP(CALLER, 7, 3, 320, 0x2002) }, .t = SEC + 40 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .pt = EQ(7), .clock_code = EQ(CLK_22050) } } } },
		{ .f = { RTP(CALLER, 8, 4, 480, 0x2002) }, .t = SEC + 60 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .pt = EQ(8), .clock_code = EQ(CLK_8000) } } } },
		{ .f = { RTP(CALLER, 96, 5, 640, 0x2002) }, .t = SEC + 80 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .pt = EQ(96), .clock_code = EQ(CLK_16000) } } } },
		{ .f = { RTP(CALLER, 127, 6, 800, 0x2002) }, .t = SEC + 100 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .pt = EQ(127), .clock_code = EQ(CLK_48000),
						      .packets = EQ(6) } } } },
	} },
	{ "a source endpoint that is an rtcp port names no clock",
	  { EP_CALLEE, EP_CALLER(TEL_EVENT, ENDPOINT_F_RTCP, { 96, CLK_16000 }) }, {
		{ .f = { RTP(CALLER, 96, 1, 0, 0x2003) }, .t = SEC,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(1), .st = { {
			.clock_code = EQ(CLK_NONE), .event_pt = EQ(0) } } } },
		{ .f = { RTP(CALLER, 0, 2, 160, 0x2003) }, .t = SEC + 20 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .clock_code = EQ(CLK_8000) } } } },
		{ .f = { RTP(CALLER, 96, 3, 320, 0x2003) }, .t = SEC + 40 * MS,
		  .x = { .d = { .rtp = 1 }, .st = { { .clock_code = EQ(CLK_NONE) } } } },
		{ .f = { EVENT(CALLER, TEL_EVENT, 4, 480, 0x2003, 1) }, .t = SEC + 60 * MS,
		  .x = { .d = { .rtp = 1 } } },
	} },
	{ "only the source is a learned endpoint: its table", { EP_CALLER(TEL_EVENT, 0, { 96, CLK_16000 }) }, {
		{ .f = { RTP(CALLER, 96, 1, 0, 0x2004) }, .t = SEC,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(1), .st = { {
			.clock_code = EQ(CLK_16000), .event_pt = EQ(TEL_EVENT) } } } },
		{ .f = { EVENT(CALLER, TEL_EVENT, 2, 320, 0x2004, 1) }, .t = SEC + 20 * MS,
		  .x = { .events = 1, .ev = { .flags = SIPXDP_META_F_DTMF },
			 .d = { .rtp = 1, .dtmf_events = 1 } } },
	} },

	/* RFC 4733 events (DTMF) */
	{ "dtmf: on a known stream, the end packet of the event type goes up",
	  { EP4("10.0.0.2", 6000, TEL_EVENT, 0, { 0, CLK_8000 }) }, {
		{ .f = { RTP(CALLER, 0, 1, 0, 0x3001) }, .t = SEC, .x = { .d = { .rtp = 1 }, .streams = EQ(1) } },
		{ .f = { EVENT(CALLER, TEL_EVENT, 2, 160, 0x3001, 0), .marker = 1 }, .t = SEC + 20 * MS,
		  .x = { .d = { .rtp = 1 } } },
		{ .f = { EVENT(CALLER, TEL_EVENT, 3, 160, 0x3001, 1) }, .t = SEC + 40 * MS,
		  .x = { .events = 1, .ev = { .flags = SIPXDP_META_F_DTMF, .family = 4, .l4_proto = IPPROTO_UDP },
			 .d = { .rtp = 1, .dtmf_events = 1 },
			 .st = { { .packets = EQ(3), .pt = EQ(TEL_EVENT), .clock_code = EQ(CLK_NONE),
				   .event_pt = EQ(TEL_EVENT) } } } },
	} },
	{ "dtmf: an end packet sent three times goes up three times",
	  { EP4("10.0.0.2", 6000, TEL_EVENT, 0, { 0, CLK_8000 }) }, {
		{ .f = { RTP(CALLER, 0, 1, 0, 0x3002) }, .t = SEC, .x = { .d = { .rtp = 1 }, .streams = EQ(1) } },
		{ .f = { EVENT(CALLER, TEL_EVENT, 2, 160, 0x3002, 1) }, .t = SEC + 20 * MS, .n = 3, .dseq = 1,
		  .dt = 20 * MS, .x = { .events = 3, .ev = { .flags = SIPXDP_META_F_DTMF },
					.d = { .rtp = 3, .dtmf_events = 3 } } },
	} },
	/*
	 * A stream's first packet is counted, never sent up (a digit whose start
	 * was lost; see start_stream() for the verifier's price): the end packets
	 * that follow go up.
	 */
	{ "dtmf: the first packet of a stream, an end packet, is counted, the next goes up",
	  { EP4("10.0.0.2", 6000, TEL_EVENT, 0, { 0, CLK_8000 }) }, {
		{ .f = { EVENT(CALLER, TEL_EVENT, 1, 0, 0x3003, 1) }, .t = SEC,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(1),
			 .st = { { .packets = EQ(1), .event_pt = EQ(TEL_EVENT) } } } },
		{ .f = { EVENT(CALLER, TEL_EVENT, 2, 0, 0x3003, 1) }, .t = SEC + 20 * MS,
		  .x = { .events = 1, .ev = { .flags = SIPXDP_META_F_DTMF }, .d = { .rtp = 1, .dtmf_events = 1 },
			 .st = { { .packets = EQ(2) } } } },
	} },
	{ "dtmf: telephone-event in the sender's sdp only (offered, not answered)",
	  { EP_CALLEE, EP_CALLER(TEL_EVENT, 0, { 0, CLK_8000 }) }, {
		{ .f = { RTP(CALLER, 0, 1, 0, 0x3004) }, .t = SEC,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(1), .st = { { .event_pt = EQ(TEL_EVENT) } } } },
		{ .f = { EVENT(CALLER, TEL_EVENT, 2, 160, 0x3004, 0) }, .t = SEC + 20 * MS,
		  .x = { .d = { .rtp = 1 } } },
		{ .f = { EVENT(CALLER, TEL_EVENT, 3, 160, 0x3004, 1) }, .t = SEC + 40 * MS,
		  .x = { .events = 1, .ev = { .flags = SIPXDP_META_F_DTMF }, .d = { .rtp = 1, .dtmf_events = 1 } } },
	} },
	{ "dtmf: event packets whose event is not after a plain 12-byte header are not read",
	  { EP4("10.0.0.2", 6000, TEL_EVENT, 0, { 0, CLK_8000 }) }, {
		{ .f = { RTP(CALLER, 0, 1, 0, 0x3001) }, .t = SEC, .x = { .d = { .rtp = 1 }, .streams = EQ(1) } },
		/* Two bytes of event: shorter than RFC 4733's four. */
		{ .f = { UDP(CALLER, event_short, 14) }, .t = SEC + 20 * MS, .x = { .d = { .rtp = 1 } } },
		/* A header extension (X) in front of the event. */
		{ .f = { UDP(CALLER, event_ext, 20) }, .t = SEC + 40 * MS, .x = { .d = { .rtp = 1 } } },
		/* One CSRC (CC = 1): the end packet's own bytes read as the CSRC. */
		{ .f = { EVENT(CALLER, TEL_EVENT, 4, 160, 0x3001, 1), .edit = { { 1, AT_PAYLOAD, 0, 0x81 } } },
		  .t = SEC + 60 * MS, .x = { .d = { .rtp = 1 } } },
	} },
	{ "event type 0 means none: pcmu is never an event, though its bytes have the E bit", { EP_CALLEE }, {
		{ .f = { RTP(CALLER, 0, 1, 0, 0x3005) }, .t = SEC, .n = 3, .dseq = 1, .dts = 160, .dt = 20 * MS,
		  .x = { .d = { .rtp = 3 }, .streams = EQ(1), .st = { { .event_pt = EQ(0) } } } },
	} },
	{ "dtmf: a held stream claimed by an end packet, then end packets go up", {}, {
		{ .f = { RTP(NAT, 0, 500, 0, 0xfeed) }, .t = SEC, .n = 2, .dseq = 1, .dts = 160, .dt = 20 * MS,
		  .x = { .d = { .pending = 2 }, .held = EQ(1) } },
		{ .learn = { EP_NAT(TEL_EVENT) }, .f = { EVENT(NAT, TEL_EVENT, 502, 320, 0xfeed, 1) },
		  .t = SEC + 40 * MS,
		  .x = { .d = { .rtp = 1, .pending_claimed = 1 }, .streams = EQ(1), .held = EQ(0),
			 .st = { { .packets = EQ(3), .base_seq = EQ(500), .event_pt = EQ(TEL_EVENT) } } } },
		{ .f = { EVENT(NAT, TEL_EVENT, 503, 320, 0xfeed, 1) }, .t = SEC + 60 * MS,
		  .x = { .events = 1, .ev = { .flags = SIPXDP_META_F_DTMF }, .d = { .rtp = 1, .dtmf_events = 1 },
			 .st = { { .packets = EQ(4) } } } },
	} },

	/* Unpaired streams: one end only is a learned endpoint (a NAT'd sender, or junk at its port). */
	{ "unpaired and paired streams are told apart, and whose budget an unpaired one takes", {
		  EP_CALLEE, EP_CALLER(0, 0, { 0, CLK_8000 }) }, {
		{ .f = { RTP(CALLER, 0, 1, 0, 0x4001) }, .t = SEC,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(1),
			 .st = { { .flags = LACKS(STREAM_F_UNPAIRED | STREAM_F_CHARGED_SRC) } } } },
		/* From a port no SDP named, to the callee: charged to the callee (the destination). */
		{ .f = { RTP(FLOW4("10.0.0.1", "10.0.0.2", 40002, 6000, 0), 0, 1, 0, 0x4002) }, .t = SEC,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(2),
			 .st = { { .flow = FLOW4("10.0.0.1", "10.0.0.2", 40002, 6000, 0), .ssrc = 0x4002,
				   .flags = HAS(STREAM_F_UNPAIRED), .packets = EQ(1) },
				 { .flow = FLOW4("10.0.0.1", "10.0.0.2", 40002, 6000, 0), .ssrc = 0x4002,
				   .flags = LACKS(STREAM_F_CHARGED_SRC) } } } },
		/* From the callee to an address no SDP named: charged to the callee (the source). */
		{ .f = { RTP(FLOW4("10.0.0.2", "10.0.0.9", 6000, 41000, 0), 0, 1, 0, 0x4003) }, .t = SEC,
		  .x = { .d = { .rtp = 1 }, .streams = EQ(3),
			 .st = { { .flow = FLOW4("10.0.0.2", "10.0.0.9", 6000, 41000, 0), .ssrc = 0x4003,
				   .flags = HAS(STREAM_F_UNPAIRED | STREAM_F_CHARGED_SRC) } } } },
	} },
	{ "an endpoint's budget of unpaired streams: refused past it, the packet passes, paired ones go on", {
		  EP4_BUDGET("10.0.0.2", 6000, 2, 0, { 0, CLK_8000 }), EP_CALLER(0, 0, { 0, CLK_8000 }) }, {
		{ .f = { RTP(FLOW4("10.9.9.9", "10.0.0.2", 30000, 6000, 0), 0, 1, 0, 0x5000) }, .t = SEC,
		  .n = 2, .dsport = 2, .dssrc = 1, .x = { .d = { .rtp = 2 }, .streams = EQ(2) } },
		{ .f = { RTP(FLOW4("10.9.9.9", "10.0.0.2", 30100, 6000, 0), 0, 1, 0, 0x5100) }, .t = SEC,
		  .n = 3, .dsport = 2, .dssrc = 1,
		  .x = { .d = { .stream_budget_refused = 3 }, .streams = EQ(2) } },
		/* Both ends named: the call's own streams are not the junk's to refuse. */
		{ .f = { RTP(CALLER, 0, 1, 0, 0x5200) }, .t = SEC, .x = { .d = { .rtp = 1 }, .streams = EQ(3) } },
	} },
	{ "places given back (user space deleted two streams): as many unpaired streams start again", {
		  EP4_BUDGET("10.0.0.2", 6000, 2, 0, { 0, CLK_8000 }) }, {
		{ .f = { RTP(FLOW4("10.9.9.9", "10.0.0.2", 30000, 6000, 0), 0, 1, 0, 0x5300) }, .t = SEC,
		  .n = 3, .dsport = 2, .dssrc = 1, .x = { .d = { .rtp = 2, .stream_budget_refused = 1 },
							   .streams = EQ(2) } },
		{ .learn = { EP4_BUDGET("10.0.0.2", 6000, 2, 2, { 0, CLK_8000 }) },
		  .f = { RTP(FLOW4("10.9.9.9", "10.0.0.2", 30100, 6000, 0), 0, 1, 0, 0x5400) }, .t = SEC,
		  .n = 3, .dsport = 2, .dssrc = 1, .x = { .d = { .rtp = 2, .stream_budget_refused = 1 },
							   .streams = EQ(4) } },
	} },
};

/* For the cases that are code, not rows. */
static const struct flow caller = CALLER;
static const struct ep_spec callee[] = { EP_CALLEE };

#endif /* SIPXDP_TEST_FIXTURES_H */
