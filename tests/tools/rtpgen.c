// SPDX-License-Identifier: GPL-2.0
/*
 * rtpgen.c - synthetic calls for the benchmarks, fast enough to outrun the
 * observers: N calls of the plan in streams.h, each first set up in SIP
 * (INVITE and 200 OK with SDP, ACK), then RTP: every stream's next
 * in-order packet (sequence and timestamp advancing), streams round-robin,
 * at a total packet rate, then BYE and its 200 OK.  Frames are built once
 * and sent from an AF_PACKET socket on the interface in batches
 * (sendmmsg), so the generator's own cost stays small.  Run it inside a
 * test namespace: it sends only to the addresses of the plan, on the link
 * it is given.  With --pcap it writes the same frames to a capture instead,
 * stamped as if sent at the rates given (RTP: every stream a packet each
 * 20 ms unless --pps), for the offline benchmark.
 *
 *   rtpgen (--iface IF | --pcap FILE) --calls N [--both] [--rounds R]
 *          [--first-round K] [--pps P] [--sip-rate S] [--phases setup,rtp,bye]
 *
 * --both: two streams a call, the callee's back to the caller too.
 *
 * Phases, in this order, those named: setup (INVITE, 200, ACK), rtp (rounds
 * K to K + R - 1, one packet of every stream each, sequence K..), bye (BYE
 * and 200).  A benchmark runs them apart to time the RTP alone.  The last
 * line says what was sent: SIP messages, RTP packets, seconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "streams.h"

#define BATCH 64
#define RTP_PAYLOAD 160			/* 20 ms of PCMU */
#define FRAME_RTP (14 + 20 + 8 + 12 + RTP_PAYLOAD)

struct gen {
	int fd;
	struct sockaddr_ll to;
	pcap_dumper_t *dump;		/* --pcap: frames go here, at virtual times */
	uint64_t vt, phase_vt;		/* the virtual time of the next frame, of the phase's start */
	unsigned int calls, nstreams;	/* nstreams: 1 a call, 2 with --both */
	unsigned long rounds, first_round, pps, sip_rate;
	uint8_t (*frames)[FRAME_RTP];	/* one RTP frame per stream, patched in place */
	unsigned long sip_sent, rtp_sent;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Frame i of a phase started at start, at rate frames a second. */
static void pace(struct gen *g, uint64_t start, unsigned long i, unsigned long rate)
{
	uint64_t due, t;

	if (g->dump) {
		g->vt = g->phase_vt + (rate ? (uint64_t)i * 1000000000ULL / rate : 0);
		return;
	}
	if (!rate)
		return;
	due = start + (uint64_t)i * 1000000000ULL / rate;
	t = now_ns();
	if (due > t + 200000) {
		struct timespec ts = { (due - t) / 1000000000ULL, (due - t) % 1000000000ULL };

		nanosleep(&ts, NULL);
	}
}

static uint16_t ip_csum(const void *p, size_t n)
{
	const uint16_t *w = p;
	uint32_t s = 0;

	for (; n > 1; n -= 2)
		s += *w++;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

/* Ethernet, IPv4 and UDP headers in f, for a payload of plen bytes. */
static size_t headers(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, size_t plen)
{
	struct iphdr *ip = (struct iphdr *)(f + 14);
	struct udphdr *udp = (struct udphdr *)(f + 34);

	memset(f, 0xff, 6);				/* broadcast: any receiver's XDP sees it */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = htonl(src);
	ip->daddr = htonl(dst);
	ip->tot_len = htons(20 + 8 + plen);
	ip->check = ip_csum(ip, 20);
	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons(8 + plen);
	udp->check = 0;
	return 42;
}

static int send_frames(struct gen *g, struct iovec *iov, unsigned int n)
{
	struct mmsghdr m[BATCH];
	unsigned int i, done = 0;

	if (g->dump) {
		for (i = 0; i < n; i++) {
			struct pcap_pkthdr h = { .caplen = iov[i].iov_len, .len = iov[i].iov_len };

			h.ts.tv_sec = g->vt / 1000000000ULL;
			h.ts.tv_usec = g->vt % 1000000000ULL / 1000;
			pcap_dump((u_char *)g->dump, &h, iov[i].iov_base);
		}
		return 0;
	}
	for (i = 0; i < n; i++)
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &g->to, .msg_namelen = sizeof(g->to),
						      .msg_iov = &iov[i], .msg_iovlen = 1 } };
	while (done < n) {
		int r = sendmmsg(g->fd, m + done, n - done, 0);

		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;	/* the link is full: the next try drains it */
			return -errno;
		}
		done += r;
	}
	return 0;
}

static size_t sdp(char *b, size_t n, uint32_t addr, uint16_t port)
{
	struct in_addr a = { htonl(addr) };

	return snprintf(b, n, "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
			"m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", inet_ntoa(a), inet_ntoa(a), port);
}

/* One SIP message of call i: kind 0 INVITE, 1 200 to it, 2 ACK, 3 BYE, 4 200 to the BYE. */
static int sip(struct gen *g, unsigned int i, int kind)
{
	static const char *const first[] = { "INVITE sip:b@%s SIP/2.0", "SIP/2.0 200 OK", "ACK sip:b@%s SIP/2.0",
					     "BYE sip:b@%s SIP/2.0", "SIP/2.0 200 OK" };
	static const char *const cseq[] = { "1 INVITE", "1 INVITE", "1 ACK", "2 BYE", "2 BYE" };
	uint32_t caller = streams_caller(i), callee = streams_callee(i);
	bool from_callee = kind == 1 || kind == 4;
	uint8_t f[2048];
	char body[512] = "", line[128], ca[16], ce[16];
	struct in_addr a = { htonl(caller) }, b = { htonl(callee) };
	size_t blen = 0, len;
	struct iovec iov;

	snprintf(ca, sizeof(ca), "%s", inet_ntoa(a));
	snprintf(ce, sizeof(ce), "%s", inet_ntoa(b));
	if (kind == 0)
		blen = sdp(body, sizeof(body), caller, STREAMS_CALLER_PORT);
	else if (kind == 1)
		blen = sdp(body, sizeof(body), callee, streams_callee_port(i));
	snprintf(line, sizeof(line), first[kind], ce);
	len = snprintf((char *)f + 42, sizeof(f) - 42,
		       "%s\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK-gen-%u-%d\r\n"
		       "From: <sip:a@%s>;tag=a%u\r\nTo: <sip:b@%s>%s\r\nCall-ID: gen-%u@%s\r\nCSeq: %s\r\n"
		       "Contact: <sip:a@%s>\r\n%sContent-Length: %zu\r\n\r\n%s",
		       line, ca, i, kind == 4 ? 3 : kind == 1 ? 0 : kind, ca, i, ce, kind ? ";tag=b" : "", i, ca,
		       cseq[kind], ca, blen ? "Content-Type: application/sdp\r\n" : "", blen, body);
	headers(f, from_callee ? callee : caller, 5060, from_callee ? caller : callee, 5060, len);
	iov = (struct iovec){ f, 42 + len };
	g->sip_sent++;
	return send_frames(g, &iov, 1);
}

static int sip_phase(struct gen *g, int first, int last)
{
	uint64_t start = now_ns();
	unsigned long k = 0;
	unsigned int i;
	int kind, err;

	g->phase_vt = g->vt;
	for (i = 0; i < g->calls; i++) {
		for (kind = first; kind <= last; kind++) {
			pace(g, start, k++, g->sip_rate);
			if ((err = sip(g, i, kind)))
				return err;
		}
	}
	return 0;
}

/* Stream j: call j / nstreams, the caller's (j even) or the callee's. */
static void build_rtp(struct gen *g)
{
	unsigned int j;

	for (j = 0; j < g->calls * g->nstreams; j++) {
		unsigned int i = j / g->nstreams;
		bool back = j % g->nstreams;
		uint8_t *f = g->frames[j];
		uint32_t ssrc = htonl(back ? streams_ssrc_back(i) : streams_ssrc(i));

		if (back)
			headers(f, streams_callee(i), streams_callee_port(i), streams_caller(i), STREAMS_CALLER_PORT,
				12 + RTP_PAYLOAD);
		else
			headers(f, streams_caller(i), STREAMS_CALLER_PORT, streams_callee(i), streams_callee_port(i),
				12 + RTP_PAYLOAD);
		f[42] = 0x80;
		f[43] = 0;
		memcpy(f + 50, &ssrc, 4);
		memset(f + 54, 0xd5, RTP_PAYLOAD);
	}
}

static int rtp_phase(struct gen *g)
{
	struct iovec iov[BATCH];
	uint64_t start = now_ns();
	unsigned int i, n = 0, streams = g->calls * g->nstreams;
	unsigned long r, k = 0, pps = g->pps;
	int err;

	if (g->dump && !pps)
		pps = streams * 50UL;	/* a capture: every stream a packet each 20 ms */
	g->phase_vt = g->vt;
	for (r = g->first_round; r < g->first_round + g->rounds; r++) {
		for (i = 0; i < streams; i++) {
			uint8_t *f = g->frames[i];
			uint16_t seq = htons((uint16_t)r);
			uint32_t ts = htonl((uint32_t)r * 160);

			memcpy(f + 44, &seq, 2);
			memcpy(f + 46, &ts, 4);
			iov[n++] = (struct iovec){ f, FRAME_RTP };
			if (g->dump) {
				pace(g, start, k++, pps);
				err = send_frames(g, iov, n);
				g->rtp_sent += n;
				n = 0;
				if (err)
					return err;
				continue;
			}
			if (n == BATCH || (r + 1 == g->first_round + g->rounds && i + 1 == streams)) {
				pace(g, start, k, pps);
				if ((err = send_frames(g, iov, n)))
					return err;
				k += n;
				g->rtp_sent += n;
				n = 0;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iface", required_argument, NULL, 'i' }, { "calls", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' }, { "pps", required_argument, NULL, 'p' },
		{ "sip-rate", required_argument, NULL, 's' }, { "first-round", required_argument, NULL, 'k' },
		{ "phases", required_argument, NULL, 'P' }, { "pcap", required_argument, NULL, 'w' },
		{ "both", no_argument, NULL, 'b' }, { NULL, 0, NULL, 0 },
	};
	struct gen g = { .sip_rate = 2000, .nstreams = 1, .vt = 1700000000ULL * 1000000000ULL };
	const char *ifname = NULL, *pcapname = NULL, *phases = "setup,rtp,bye";
	pcap_t *dead = NULL;
	bool do_setup, do_rtp, do_bye;
	uint64_t t0;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 'n': g.calls = strtoul(optarg, NULL, 10); break;
		case 'r': g.rounds = strtoul(optarg, NULL, 10); break;
		case 'p': g.pps = strtoul(optarg, NULL, 10); break;
		case 's': g.sip_rate = strtoul(optarg, NULL, 10); break;
		case 'k': g.first_round = strtoul(optarg, NULL, 10); break;
		case 'P': phases = optarg; break;
		case 'w': pcapname = optarg; break;
		case 'b': g.nstreams = 2; break;
		default:
			fprintf(stderr, "usage: rtpgen (--iface IF | --pcap FILE) --calls N [--both] [--rounds R] "
					"[--first-round K] [--pps P] [--sip-rate S] [--phases setup,rtp,bye]\n");
			return 2;
		}
	}
	do_setup = strstr(phases, "setup") != NULL;
	do_rtp = strstr(phases, "rtp") != NULL;
	do_bye = strstr(phases, "bye") != NULL;
	if (!ifname == !pcapname || !g.calls || g.calls > 1000000) {
		fprintf(stderr, "rtpgen: --iface or --pcap, and --calls (1 to 1000000), are needed\n");
		return 2;
	}
	g.frames = calloc((size_t)g.calls * g.nstreams, FRAME_RTP);
	if (!g.frames) {
		fprintf(stderr, "rtpgen: %s\n", strerror(errno));
		return 1;
	}
	if (pcapname) {
		dead = pcap_open_dead(DLT_EN10MB, 65535);
		g.dump = dead ? pcap_dump_open(dead, pcapname) : NULL;
		if (!g.dump) {
			fprintf(stderr, "rtpgen: %s: %s\n", pcapname, dead ? pcap_geterr(dead) : "pcap_open_dead");
			return 1;
		}
	} else {
		g.fd = socket(AF_PACKET, SOCK_RAW, 0);
		g.to = (struct sockaddr_ll){ .sll_family = AF_PACKET, .sll_ifindex = if_nametoindex(ifname),
					     .sll_halen = 6 };
		memset(g.to.sll_addr, 0xff, 6);
		if (g.fd < 0 || !g.to.sll_ifindex) {
			fprintf(stderr, "rtpgen: %s: %s\n", ifname, strerror(errno));
			return 1;
		}
		setsockopt(g.fd, SOL_PACKET, PACKET_QDISC_BYPASS, &(int){ 1 }, sizeof(int));
	}
	build_rtp(&g);
	t0 = now_ns();
	if (do_setup)
		err = sip_phase(&g, 0, 2);
	if (!err && do_setup && do_rtp) {
		if (g.dump)
			g.vt += 200000000ULL;
		else
			usleep(200000);	/* the observer learns the last endpoints */
	}
	if (!err && do_rtp)
		err = rtp_phase(&g);
	if (!err && do_bye)
		err = sip_phase(&g, 3, 4);
	if (err)
		fprintf(stderr, "rtpgen: send: %s\n", strerror(-err));
	printf("rtpgen: %lu SIP messages, %lu RTP packets in %.3f s\n", g.sip_sent, g.rtp_sent,
	       (now_ns() - t0) / 1e9);
	free(g.frames);
	if (g.dump) {
		pcap_dump_close(g.dump);
		pcap_close(dead);
	} else {
		close(g.fd);
	}
	return err ? 1 : 0;
}
