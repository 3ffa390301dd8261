#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# sip_cost.sh - what a SIP message costs in XDP, live: the agent on the
# receiving end of a veth pair, kernel.bpf_stats_enabled=1 for the run
# (restored after), and sipflood sending INVITEs (one m= line each) at each
# rate of RATES.  The program's run_time_ns / run_cnt over the messages of a
# rate (nothing else crosses the pair: IPv6 is off in both namespaces) is
# the figure, the copy into the ring buffer and its wakeups included; beside
# it, the INVITEs the agent counted, the events lost, and the endpoint
# learning quantiles of the newest 1024 INVITEs.
# Environment: RATES (default "2000 20000"), SECONDS_EACH (3), INTERVAL (the
# agent's, 1 s: the figures are read from its text file); PERF=1 prints the
# agent's profile at each rate.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$REPO/tests/net/lib.sh"
SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
SIPFLOOD=${SIPFLOOD:-$REPO/build/sipflood}
RATES=${RATES:-2000 20000}
EACH=${SECONDS_EACH:-3}
INTERVAL=${INTERVAL:-1}

need_root
[ -x "$SIPXDP" ] && [ -x "$SIPFLOOD" ] || { echo "sip_cost.sh: build first (make all build/sipflood)"; exit 1; }
command -v bpftool >/dev/null && command -v jq >/dev/null || { echo "sip_cost.sh: bpftool and jq (make deps)"; exit 1; }
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
restore_stats() { sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"; }
NET_CLEANUP_HOOKS+=(restore_stats)
net_trap
net_mktemp || exit 1
# The tx -> rx pair of lib.sh, its ends named v0 and v1.
IF_TX=v0 IF_RX=v1 NSA=$NS_TX NSB=$NS_RX
net_setup_txrx 10.33.0.1 10.33.0.2 || exit 1
# ARP resolved before the figures are taken: then only SIP crosses.
in_ns "$NSA" ping -c 1 -W 1 10.33.0.2 >/dev/null 2>&1

net_bg "$NSB" "$NET_TMP/agent.err" "$SIPXDP" -i v1 --textfile "$NET_TMP/m.prom" --interval "$INTERVAL" \
	--max-calls 100000
AGENT=$NET_LAST_PID
wait_for_line "$NET_TMP/agent.err" 'attached to v1' 10 "$AGENT" || { echo "agent did not attach"; exit 1; }
for ((i = 0; i < 100; i++)); do [ -s "$NET_TMP/m.prom" ] && break; sleep 0.1; done
sysctl -qw kernel.bpf_stats_enabled=1
PROG=$(bpftool prog show -j | jq -r '[.[] | select(.name == "sipxdp_xdp")] | last | .id')

metric() { prom_value "$NET_TMP/m.prom" "$1"; }
invites() { awk '$1 == "sipxdp_sip_messages_total{type=\"request\",method=\"INVITE\"}" {print $2 + 0}' "$NET_TMP/m.prom"; }
prog_stats() { bpftool prog show id "$PROG" -j | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"'; }
quantile() { awk -v q="$1" '$1 == "sipxdp_endpoint_learn_seconds{quantile=\"" q "\"}" {printf "%.0f", $2 * 1e6}' "$NET_TMP/m.prom"; }

echo "a SIP message in XDP, live (bpf_stats; INVITEs with SDP, ${EACH} s at each rate):"
printf '  %8s %9s %9s %6s %11s %12s %12s\n' rate/s sent counted lost "ns/message" "learn p50" "learn p99"
for rate in $RATES; do
	n=$((rate * EACH))
	i0=$(invites) l0=$(metric sipxdp_events_lost_total)
	read -r t0 c0 <<<"$(prog_stats)"
	perf_start "$AGENT" $((EACH + INTERVAL * 2)) "$NET_TMP/perf.data"	# PERF=1: the agent's profile
	in_ns "$NSA" "$SIPFLOOD" invites --from 10.33.0.1 --to 10.33.0.2:5060 --count "$n" --rate "$rate" \
		--mlines 1 --tag "c$rate" >"$NET_TMP/flood.log" 2>&1
	read -r t1 c1 <<<"$(prog_stats)"
	sleep $((INTERVAL * 2)).2
	perf_top "$NET_TMP/perf.data"
	i1=$(invites) l1=$(metric sipxdp_events_lost_total)
	sent=$(awk '{print $3}' "$NET_TMP/flood.log" | tail -1)
	printf '  %8d %9s %9d %6d %11s %9s us %9s us\n' "$rate" "$sent" $((i1 - i0)) $((l1 - l0)) \
		"$(awk -v t=$((t1 - t0)) -v c=$((c1 - c0)) 'BEGIN {printf "%.0f", c ? t / c : 0}') ($((c1 - c0)))" \
		"$(quantile 0.5)" "$(quantile 0.99)"
done
awk '$1 == "sipxdp_tick_duration_seconds_sum" {s = $2} $1 == "sipxdp_tick_duration_seconds_count" {n = $2}
     $1 ~ /^sipxdp_tick_duration_seconds_bucket/ {split($1, a, "\""); le[++k] = a[2]; c[k] = $2}
     END {for (i = 1; i <= k && !top; i++) if (c[i] == n) top = le[i]
	  printf "  the agent'"'"'s ticks meanwhile: %d, mean %.2f ms, all within %s s\n", n, n ? s / n * 1e3 : 0, top}' \
	"$NET_TMP/m.prom"
net_stop "$AGENT" TERM 10
