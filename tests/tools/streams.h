/* SPDX-License-Identifier: GPL-2.0 */
/*
 * streams.h - the address plan of the benchmarks' synthetic calls, shared
 * by the generator (rtpgen.c) and the loaders that prepare the maps for
 * it (bench_streams.c): call i goes from 10.64.0.0 + i, RTP port 40000, to
 * 10.128.0.0 + i, RTP port 6000 + 2 (i % 1000), SSRC 0x10000000 + i; its
 * SIP between the same addresses on port 5060.  Where a call has two
 * streams, the callee's goes back to the caller's port, SSRC
 * 0x20000000 + i.
 */
#ifndef SIPXDP_TEST_STREAMS_H
#define SIPXDP_TEST_STREAMS_H

#include <stdint.h>

#define STREAMS_CALLER_NET	0x0a400000u	/* 10.64.0.0 */
#define STREAMS_CALLEE_NET	0x0a800000u	/* 10.128.0.0 */
#define STREAMS_CALLER_PORT	40000
#define STREAMS_SSRC_BASE	0x10000000u

static inline uint32_t streams_caller(unsigned int i)
{
	return STREAMS_CALLER_NET + i;
}

static inline uint32_t streams_callee(unsigned int i)
{
	return STREAMS_CALLEE_NET + i;
}

static inline uint16_t streams_callee_port(unsigned int i)
{
	return 6000 + 2 * (i % 1000);
}

static inline uint32_t streams_ssrc(unsigned int i)
{
	return STREAMS_SSRC_BASE + i;
}

static inline uint32_t streams_ssrc_back(unsigned int i)
{
	return 0x20000000u + i;
}

#endif /* SIPXDP_TEST_STREAMS_H */
