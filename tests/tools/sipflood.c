// SPDX-License-Identifier: GPL-2.0
/*
 * sipflood.c - bounded floods for the network tests and benchmarks, sent
 * from inside a test namespace (raw IPv4 socket: any source port, as an
 * attacker would use; needs root or CAP_NET_RAW).
 *
 *   sipflood invites --from IP --to IP:PORT --count N --rate R [--mlines K] [--tag T]
 *       N INVITEs with their own Call-IDs, each SDP with K m=audio lines
 *       (default 6) on ports of its own; nothing answers them.
 *   sipflood rtp --from IP --to IP:PORT --count N --rate R [--packets P] [--sport BASE]
 *       N junk RTP streams toward one endpoint, each from its own source
 *       port and SSRC, P packets in sequence each (default 2).
 *
 * Rates are packets (messages) per second, paced in 1 ms slots; the last
 * line on stdout says how many were sent and how long it took.  Nothing
 * goes anywhere but --to, which the tests keep inside their namespaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct flood {
	int fd;
	struct sockaddr_in to;
	struct in_addr from;
	unsigned long count, rate, mlines, packets;
	unsigned int sport_base;
	const char *tag;
	unsigned long sent;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Wait until message i is due at the given rate. */
static void pace(uint64_t start, unsigned long i, unsigned long rate)
{
	uint64_t due = start + (uint64_t)i * 1000000000ULL / rate, t = now_ns();

	if (due > t + 1000000) {
		struct timespec ts = { (due - t) / 1000000000ULL, (due - t) % 1000000000ULL };

		nanosleep(&ts, NULL);
	}
}

/* One UDP datagram with the given source port, IPv4 header by hand. */
static int send_udp(struct flood *f, uint16_t sport, const void *payload, size_t len)
{
	uint8_t pkt[65535];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(pkt + sizeof(*ip));

	if (len > sizeof(pkt) - sizeof(*ip) - sizeof(*udp))
		return -EMSGSIZE;
	memset(pkt, 0, sizeof(*ip) + sizeof(*udp));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = f->from.s_addr;
	ip->daddr = f->to.sin_addr.s_addr;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*udp) + len);	/* the kernel fills id and checksum */
	udp->source = htons(sport);
	udp->dest = f->to.sin_port;
	udp->len = htons(sizeof(*udp) + len);
	memcpy(pkt + sizeof(*ip) + sizeof(*udp), payload, len);
	if (sendto(f->fd, pkt, sizeof(*ip) + sizeof(*udp) + len, 0, (struct sockaddr *)&f->to,
		   sizeof(f->to)) < 0)
		return -errno;
	f->sent++;
	return 0;
}

static size_t invite_text(const struct flood *f, unsigned long n, char *buf, size_t size)
{
	char from[INET_ADDRSTRLEN], to[INET_ADDRSTRLEN], sdp[4096];
	size_t sl = 0;
	unsigned long m;

	inet_ntop(AF_INET, &f->from, from, sizeof(from));
	inet_ntop(AF_INET, &f->to.sin_addr, to, sizeof(to));
	sl += snprintf(sdp + sl, sizeof(sdp) - sl, "v=0\r\no=- %lu 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n",
		       n, from, from);
	for (m = 0; m < f->mlines && sl < sizeof(sdp) - 128; m++)
		sl += snprintf(sdp + sl, sizeof(sdp) - sl,
			       "m=audio %lu RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
			       10000 + ((n * f->mlines + m) * 2) % 50000);
	return snprintf(buf, size,
		"INVITE sip:victim@%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%s-%lu\r\n"
		"From: <sip:flood@%s>;tag=f%lu\r\n"
		"To: <sip:victim@%s>\r\n"
		"Call-ID: %s-%lu@%s\r\n"
		"CSeq: 1 INVITE\r\n"
		"Max-Forwards: 70\r\n"
		"Contact: <sip:flood@%s:5060>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: %zu\r\n\r\n%s",
		to, from, f->tag, n, from, n, to, f->tag, n, from, from, sl, sdp);
}

static int flood_invites(struct flood *f)
{
	uint64_t start = now_ns();
	char msg[8192];
	unsigned long i;
	int err;

	for (i = 0; i < f->count; i++) {
		size_t len = invite_text(f, i, msg, sizeof(msg));

		pace(start, i, f->rate);
		if ((err = send_udp(f, 5060, msg, len)))
			return err;
	}
	return 0;
}

static int flood_rtp(struct flood *f)
{
	uint64_t start = now_ns();
	uint8_t rtp[172];
	unsigned long i, p, k = 0;
	int err;

	memset(rtp, 0xd5, sizeof(rtp));
	for (i = 0; i < f->count; i++) {
		uint32_t ssrc = 0x5eed0000u + (uint32_t)i;

		for (p = 0; p < f->packets; p++) {
			uint16_t seq = 1000 + p;
			uint32_t ts = 160 * p;

			rtp[0] = 0x80;
			rtp[1] = 0;		/* PCMU */
			rtp[2] = seq >> 8;
			rtp[3] = seq;
			rtp[4] = ts >> 24;
			rtp[5] = ts >> 16;
			rtp[6] = ts >> 8;
			rtp[7] = ts;
			rtp[8] = ssrc >> 24;
			rtp[9] = ssrc >> 16;
			rtp[10] = ssrc >> 8;
			rtp[11] = ssrc;
			pace(start, k++, f->rate);
			if ((err = send_udp(f, f->sport_base + i % (65536 - f->sport_base), rtp, sizeof(rtp))))
				return err;
		}
	}
	return 0;
}

static int parse_endpoint(const char *s, struct sockaddr_in *out)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons(atoi(colon + 1));
	return inet_pton(AF_INET, host, &out->sin_addr) == 1 ? 0 : -EINVAL;
}

static void usage(void)
{
	fprintf(stderr, "usage: sipflood invites|rtp --from IP --to IP:PORT --count N --rate R "
			"[--mlines K] [--packets P] [--sport BASE] [--tag T]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' }, { "to", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' }, { "rate", required_argument, NULL, 'r' },
		{ "mlines", required_argument, NULL, 'm' }, { "packets", required_argument, NULL, 'p' },
		{ "sport", required_argument, NULL, 's' }, { "tag", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	struct flood f = { .mlines = 6, .packets = 2, .sport_base = 20000, .tag = "flood" };
	uint64_t t0;
	int c, err;

	if (argc < 2)
		usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': if (inet_pton(AF_INET, optarg, &f.from) != 1) usage(); break;
		case 't': if (parse_endpoint(optarg, &f.to)) usage(); break;
		case 'n': f.count = strtoul(optarg, NULL, 10); break;
		case 'r': f.rate = strtoul(optarg, NULL, 10); break;
		case 'm': f.mlines = strtoul(optarg, NULL, 10); break;
		case 'p': f.packets = strtoul(optarg, NULL, 10); break;
		case 's': f.sport_base = strtoul(optarg, NULL, 10); break;
		case 'g': f.tag = optarg; break;
		default: usage();
		}
	}
	if (!f.count || !f.rate || !f.to.sin_port || !f.from.s_addr || f.sport_base >= 65536)
		usage();
	f.fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (f.fd < 0) {
		perror("sipflood: raw socket");
		return 1;
	}
	t0 = now_ns();
	if (!strcmp(argv[1], "invites"))
		err = flood_invites(&f);
	else if (!strcmp(argv[1], "rtp"))
		err = flood_rtp(&f);
	else
		usage();
	if (err)
		fprintf(stderr, "sipflood: send: %s\n", strerror(-err));
	printf("sipflood %s: %lu sent in %.3f s\n", argv[1], f.sent, (now_ns() - t0) / 1e9);
	close(f.fd);
	return err ? 1 : 0;
}
