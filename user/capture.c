// SPDX-License-Identifier: GPL-2.0
/*
 * capture.c - offline mode: every frame of a capture goes through the very
 * XDP program the live agent attaches (BPF_PROG_TEST_RUN), with the frame's
 * capture time passed in XDP metadata.  Link types other than Ethernet get
 * an Ethernet header in front, since the program parses from L2.
 */
#include <errno.h>
#include <string.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "log.h"
#include "util.h"

#define ETH_HLEN 14
#define FRAME_MAX 65535	/* as KERN_FRAME_MAX: the program takes multi-buffer frames */

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

int capture_replay(const char *path, capture_run_cb run, capture_tick_cb tick, void *ctx,
		   struct capture_stats *st)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint8_t frame[FRAME_MAX];
	pcap_t *pc;
	int dlt, rc, err = 0;

	memset(st, 0, sizeof(*st));
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc) {
		pr_warn("read %s: %s\n", path, errbuf);
		return -EINVAL;
	}
	dlt = pcap_datalink(pc);
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
		uint32_t len;

		st->frames++;
		len = to_ether(dlt, data, h->caplen, frame);
		if (!len) {
			if (h->caplen + (dlt == DLT_EN10MB ? 0 : ETH_HLEN) > FRAME_MAX)
				st->skipped_size++;
			else
				st->skipped_linktype++;
		} else {
			err = run(ctx, frame, len, ts);
			if (err) {
				if (!st->run_errors++)
					pr_warn("replay frame %llu of %s: %s\n",
						(unsigned long long)st->frames, path, strerror(-err));
				err = 0;
			}
		}
		if (tick && tick(ctx, ts))
			break;
	}
	if (rc == -1) {
		pr_warn("read %s: %s\n", path, pcap_geterr(pc));
		err = -EIO;
	}
	if (st->skipped_linktype)
		pr_warn("%s: %llu frames of link type %s skipped\n", path,
			(unsigned long long)st->skipped_linktype, pcap_datalink_val_to_name(dlt) ?: "?");
	if (st->skipped_size)
		pr_warn("%s: %llu frames larger than %d bytes skipped\n", path,
			(unsigned long long)st->skipped_size, FRAME_MAX);
	pcap_close(pc);
	return err;
}
