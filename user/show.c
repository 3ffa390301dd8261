// SPDX-License-Identifier: GPL-2.0
/* show.c - the per-call table of --show (show.h). */
#include <arpa/inet.h>

#include "rtp_stats.h"
#include "show.h"
#include "snapshot.h"
#include "util.h"

static void show_stream(FILE *f, const struct stream_view *v)
{
	const struct stream_rec *s = v->s;
	char src[64], dst[64];

	fprintf(f, "    %21s -> %-21s 0x%08x %-12s pkts %-7llu lost %-5lld jitter %.3f ms (max %.3f)\n",
		addr_port_str(src, sizeof(src), &s->key.src, ntohs(s->key.sport)),
		addr_port_str(dst, sizeof(dst), &s->key.dst, ntohs(s->key.dport)),
		s->key.ssrc, v->q.codec_known ? v->q.codec : "?", (unsigned long long)s->st.packets,
		(long long)rtp_lost(&s->st), quality_jitter_ms(s->st.jitter_q4),
		quality_jitter_ms(s->st.max_jitter_q4));
}

void show_calls(FILE *f, const struct snapshot *snap)
{
	size_t i, j;

	fprintf(f, "\n%-36s %-12s %6s %8s\n", "CALL-ID", "STATE", "STATUS", "DUR(s)");
	for (i = 0; i < snap->ncalls; i++) {
		const struct call_view *cv = &snap->calls[i];
		const struct call *call = cv->call;
		uint64_t end = call->t_end ? call->t_end : snap->now;

		fprintf(f, "%-36.36s %-12s %6d %8.1f\n", call->call_id,
			call->state == CALL_ENDED ? call_result_name(call->result) :
			call_state_name(call->state), call->final_status,
			call->t_answer ? (double)(end - call->t_answer) / 1e9 : 0.0);
		for (j = cv->first; j < cv->first + cv->n; j++)
			show_stream(f, &snap->streams[j]);
	}
	fflush(f);
}
