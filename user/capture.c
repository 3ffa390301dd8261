// SPDX-License-Identifier: GPL-2.0
/*
 * capture.c - offline mode: every frame of a capture goes through the very
 * XDP program the live agent attaches (BPF_PROG_TEST_RUN), with the frame's
 * capture time passed in XDP metadata.  Link types other than Ethernet get
 * an Ethernet header in front, since the program parses from L2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "log.h"
#include "util.h"

#define ETH_HLEN 14
#define FRAME_MAX 65535	/* as DP_FRAME_MAX: the program takes multi-buffer frames */

/* Ethernet frame for a packet of the given link type, or 0 to skip it. */
static uint32_t to_ether(int dlt, const uint8_t *p, uint32_t len, uint8_t *out)
{
	uint16_t proto = 0;
	uint32_t hdr = 0;

	switch (dlt) {
	case DLT_EN10MB:
		if (len > FRAME_MAX)
			return 0;
		memcpy(out, p, len);
		return len;
	case DLT_LINUX_SLL:		/* 16-byte cooked header, protocol at 14 */
		if (len < 16)
			return 0;
		proto = get_be16(p + 14);
		hdr = 16;
		break;
	case DLT_LINUX_SLL2:		/* 20-byte cooked header, protocol at 0 */
		if (len < 20)
			return 0;
		proto = get_be16(p);
		hdr = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (len < 5)
			return 0;
		hdr = 4;
		proto = (p[4] >> 4) == 6 ? 0x86dd : 0x0800;
		break;
	case DLT_RAW:
	case 228:			/* DLT_IPV4 */
	case 229:			/* DLT_IPV6 */
		if (len < 1)
			return 0;
		proto = (p[0] >> 4) == 6 ? 0x86dd : 0x0800;
		break;
	default:
		return 0;
	}
	len -= hdr;
	if (len + ETH_HLEN > FRAME_MAX)
		return 0;
	memset(out, 0, 12);
	out[12] = proto >> 8;
	out[13] = proto & 0xff;
	memcpy(out + ETH_HLEN, p + hdr, len);
	return len + ETH_HLEN;
}

/* Link types we read, as in to_ether(). */
static int linktype_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2:
	case DLT_NULL: case DLT_LOOP: case DLT_RAW: case 228: case 229:
		return 1;
	}
	return 0;
}

/*
 * Open without blocking: a FIFO nobody writes to would hold open() (and
 * SIGTERM with it) forever.  The reads that follow may block, but a signal
 * ends them (no SA_RESTART in main.c).
 */
static pcap_t *open_capture(const char *path, char *errbuf)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), flags;
	pcap_t *pc;
	FILE *f;

	if (fd < 0) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		return NULL;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) || !(f = fdopen(fd, "rb"))) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		close(fd);
		return NULL;
	}
	pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc)
		fclose(f);
	return pc;
}

static void replay_frame(const struct pcap_pkthdr *h, const u_char *data, int dlt, uint8_t *frame,
			 capture_run_cb run, void *ctx, const char *path, struct capture_stats *st)
{
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
	uint32_t len = to_ether(dlt, data, h->caplen, frame);
	int err;

	if (!len) {
		if (h->caplen + (dlt == DLT_EN10MB ? 0 : ETH_HLEN) > FRAME_MAX)
			st->skipped_size++;
		else
			st->skipped_short++;
		return;
	}
	if (dlt == DLT_EN10MB && len < ETH_HLEN) {
		st->skipped_short++;
		return;
	}
	st->replayed++;
	err = run(ctx, frame, len, ts);
	if (err && !st->run_errors++)
		pr_warn("replay frame %llu of %s: %s\n", (unsigned long long)st->frames, path, strerror(-err));
}

int capture_open(struct capture *c, const char *path, const volatile sig_atomic_t *stop)
{
	char errbuf[PCAP_ERRBUF_SIZE];

	memset(c, 0, sizeof(*c));
	c->path = path;
	c->stop = stop;
	c->pc = open_capture(path, errbuf);
	if (!c->pc) {
		if (*stop)
			return -EINTR;
		pr_err("read %s: %s\n", path, errbuf);
		return -EINVAL;
	}
	c->linktype = pcap_datalink(c->pc);
	if (!linktype_supported(c->linktype)) {
		pr_err("read %s: link type %s (%d) is not read here (Ethernet, Linux cooked v1 and v2, "
		       "loopback and raw IP are)\n", path, pcap_datalink_val_to_name(c->linktype) ?: "?",
		       c->linktype);
		capture_close(c);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

void capture_close(struct capture *c)
{
	if (c->pc)
		pcap_close(c->pc);
	c->pc = NULL;
}

int capture_replay(struct capture *c, capture_run_cb run, capture_tick_cb tick, void *ctx,
		   struct capture_stats *st)
{
	static uint8_t frame[FRAME_MAX];
	const char *path = c->path;
	struct pcap_pkthdr *h;
	const u_char *data;
	int dlt = c->linktype, rc = 0, err = 0;

	memset(st, 0, sizeof(*st));
	st->linktype = dlt;
	st->linktype_name = pcap_datalink_val_to_name(dlt);
	while (!*c->stop && (rc = pcap_next_ex(c->pc, &h, &data)) == 1) {
		st->frames++;
		replay_frame(h, data, dlt, frame, run, ctx, path, st);
		if (tick && tick(ctx, (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec))
			break;
	}
	if (*c->stop) {
		st->interrupted = 1;
	} else if (rc == -1) {
		pr_warn("read %s: %s\n", path, pcap_geterr(c->pc));
		err = -EIO;
	}
	return err;
}
