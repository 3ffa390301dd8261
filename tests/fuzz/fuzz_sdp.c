// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sdp.c - libFuzzer target for user/sdp.c and user/codec.c.
 *
 * sdp_parse runs on a heap copy of exactly size bytes, so ASan reports any
 * read at or past p[len]; every parsed media section then goes through the
 * codec tables as the agent uses them (clock codes for the kernel, names for
 * call records).  Checked beyond memory safety: counts within their arrays,
 * strings NUL-terminated inside them, payload types 7-bit, clock codes below
 * CLK_NR.  A broken invariant prints itself and traps, which libFuzzer
 * reports as a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "codec.h"
#include "sdp.h"


#define NUL_IN(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

static void check_conn(const struct sdp_conn *c)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!c->present)
		return;
	check(c->family == 4 || c->family == 6);
	if (c->family == 4)
		check(!memcmp(c->addr.a, v4mapped, sizeof(v4mapped)));
}

static void check_dir(enum sdp_dir d)
{
	check(d >= SDP_DIR_NONE && d <= SDP_DIR_INACTIVE);
	check(sdp_dir_name(d) != NULL);
}

/* codec_name for pt at a few buffer sizes: always NUL-terminated within n. */
static void check_codec_name(const struct sdp_media *m, uint8_t pt)
{
	static const size_t sizes[] = { 1, 7, 64 };
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		check(codec_name(buf, sizes[i], m, pt) == buf);
		check(memchr(buf, '\0', sizes[i]) != NULL);
	}
	buf[0] = 'x';
	codec_name(buf, 0, m, pt);
	check(buf[0] == 'x');
}

static void check_media(const struct sdp_session *s, int i)
{
	const struct sdp_media *m = &s->media[i];
	const struct sdp_rtpmap *r;
	uint8_t codes[SIPXDP_NR_PT];
	int j;

	check(NUL_IN(m->type) && NUL_IN(m->proto));
	check(m->nports >= 1);
	check(m->nfmt >= 0 && m->nfmt <= SDP_MAX_FMT);
	check(m->nrtpmap >= 0 && m->nrtpmap <= SDP_MAX_FMT);
	check(m->nfmtp >= 0 && m->nfmtp <= SDP_MAX_FMT);
	check(m->ptime >= 0);
	check_dir(m->dir);
	check_conn(&m->conn);
	check(sdp_media_conn(s, i) != NULL);
	check(sdp_media_dir(s, i) != SDP_DIR_NONE);
	check_dir(sdp_media_dir(s, i));

	for (j = 0; j < m->nrtpmap; j++) {
		check(m->rtpmap[j].pt < SIPXDP_NR_PT);
		check(NUL_IN(m->rtpmap[j].encoding));
		check_codec_name(m, m->rtpmap[j].pt);
	}
	for (j = 0; j < m->nfmtp; j++) {
		check(m->fmtp[j].pt < SIPXDP_NR_PT);
		check(NUL_IN(m->fmtp[j].params));
	}

	codec_fill_clock_codes(codes, m);
	for (j = 0; j < SIPXDP_NR_PT; j++)
		check(codes[j] < CLK_NR);

	for (j = 0; j < m->nfmt; j++) {
		check(m->fmt[j] < SIPXDP_NR_PT);
		r = sdp_rtpmap_find(m, m->fmt[j]);
		check(!r || r->pt == m->fmt[j]);
		check_codec_name(m, m->fmt[j]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sdp_session s;	/* ~37 KB: off the stack */
	uint8_t codes[SIPXDP_NR_PT];
	char *buf = malloc(size ? size : 1);
	int rc, i;

	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size);

	memset(&s, 0xa5, sizeof(s));
	rc = sdp_parse(buf, size, &s);
	check(rc == 0 || rc == -EINVAL);
	if (rc == 0)
		check(size >= 3);	/* "v=0" at least */

	/* On error the session holds a partial parse: still within bounds. */
	check(s.nmedia >= 0 && s.nmedia <= SDP_MAX_MEDIA);
	check(s.nmedia_dropped >= 0);
	check(!s.nmedia_dropped || s.nmedia == SDP_MAX_MEDIA);
	check_conn(&s.conn);
	check_dir(s.dir);
	check(sdp_media_conn(&s, -1) == NULL && sdp_media_conn(&s, s.nmedia) == NULL);
	check(sdp_media_dir(&s, -1) == SDP_DIR_NONE);
	check(sdp_media_dir(&s, s.nmedia) == SDP_DIR_NONE);
	for (i = 0; i < s.nmedia; i++)
		check_media(&s, i);

	/* No media section: static table only. */
	codec_fill_clock_codes(codes, NULL);
	for (i = 0; i < SIPXDP_NR_PT; i++)
		check(codes[i] < CLK_NR);
	if (size)
		check_codec_name(NULL, (uint8_t)data[0]);

	free(buf);
	return 0;
}
