#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scale.sh - the agent at CALLS concurrent calls of two streams each
# (default 50,000 calls, 100,000 streams) on this machine.  rtpgen sets the
# calls up in SIP through a veth pair, sends RTP rounds (every stream's
# next packet), then BYE.  Printed: the kernel maps' sizes (the agent's own
# line), the agent's RSS before, with the calls set up and with their
# streams (bytes per call), the cost of its periodic tick
# (sipxdp_tick_duration_seconds: every stream read from the kernel in
# batches, timeouts, the text file) with the calls idle and with their
# streams, and the checks that the figures are whole: the calls active, the
# streams and packets counted, the records written.
# Environment: CALLS (50000), ROUNDS (10), PPS (100000), SIP_RATE (10000);
# PERF=1 adds the agent's profile with the streams in place (perf record).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$REPO/tests/net/lib.sh"
BUILD=${BUILD:-$REPO/build}
CALLS=${CALLS:-50000}
ROUNDS=${ROUNDS:-10}
PPS=${PPS:-100000}
SIP_RATE=${SIP_RATE:-10000}
INTERVAL=2
STREAMS=$((CALLS * 2))

need_root
[ -x "$BUILD/sipxdp" ] && [ -x "$BUILD/rtpgen" ] || { echo "scale.sh: build first (make all $BUILD/rtpgen)"; exit 1; }
net_trap
net_mktemp || exit 1
# The tx -> rx pair of lib.sh, its ends named v0 and v1.
IF_TX=v0 IF_RX=v1 NSA=$NS_TX NSB=$NS_RX
net_setup_txrx || exit 1

# Room for every stream with a quarter to spare (the map is a hash table).
MAX_STREAMS=$((STREAMS + STREAMS / 4))
net_bg "$NSB" "$NET_TMP/agent.err" "$BUILD/sipxdp" -i v1 --textfile "$NET_TMP/m.prom" --interval "$INTERVAL" \
	--calls-json "$NET_TMP/calls.json" --max-calls $((CALLS + CALLS / 5)) --max-streams "$MAX_STREAMS"
AGENT=$NET_LAST_PID
wait_for_line "$NET_TMP/agent.err" 'attached to v1' 20 "$AGENT" || { echo "agent did not attach:"; cat "$NET_TMP/agent.err"; exit 1; }

metric() { prom_value "$NET_TMP/m.prom" "$1"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' /proc/"$AGENT"/status; }
gen() { in_ns "$NSA" "$BUILD/rtpgen" --iface v0 --calls "$CALLS" --both "$@" >>"$NET_TMP/gen.log" 2>&1; }
settle() { sleep $((INTERVAL * 2 + 1)); }	# two ticks: the text file has what the last one saw
ticks() { echo "$(metric sipxdp_tick_duration_seconds_count) $(metric sipxdp_tick_duration_seconds_sum)"; }
# tick_cost C0 S0 C1 S1: the mean tick between two readings of the histogram.
tick_cost() { awk -v c="$(($3 - $1))" -v s0="$2" -v s1="$4" 'BEGIN {printf "%.2f ms over %d ticks", c ? (s1 - s0) / c * 1e3 : 0, c}'; }

bad=0
want()	# want WHAT GOT EXPECTED
{
	if [ "$2" = "$3" ]; then
		echo "  ok: $1 ($2)"
	else
		echo "  WRONG: $1: $2, want $3"
		bad=1
	fi
}

settle
R0=$(rss_kib)
read -r C0 S0 <<<"$(ticks)"
echo "scale: $CALLS calls, $STREAMS streams on this machine ($(nproc) CPUs)"
echo "  $(grep -o 'kernel memory:.*' "$NET_TMP/agent.err" | head -1)"

gen --phases setup --sip-rate "$SIP_RATE"
settle
R1=$(rss_kib)
read -r C1 S1 <<<"$(ticks)"
want "calls active after set-up" "$(metric sipxdp_calls_active)" "$CALLS"
want "events lost" "$(metric sipxdp_events_lost_total)" 0

gen --phases rtp --first-round 1 --rounds "$ROUNDS" --pps "$PPS"
read -r C2 S2 <<<"$(ticks)"
# where the agent's time goes with every stream in the kernel (PERF=1)
perf_start "$AGENT" $((INTERVAL * 3)) "$NET_TMP/perf.data"
perf_top "$NET_TMP/perf.data"
settle
R2=$(rss_kib)
read -r C3 S3 <<<"$(ticks)"
want "streams in the kernel" "$(metric sipxdp_rtp_streams)" "$STREAMS"
want "RTP packets counted" "$(metric sipxdp_rtp_packets_total)" $((STREAMS * ROUNDS))
want "stream inserts refused" "$(metric sipxdp_xdp_stream_insert_failures_total)" 0

echo "  agent RSS: $R0 KiB started, $R1 KiB with the calls set up, $R2 KiB with their streams"
awk -v r0="$R0" -v r1="$R1" -v r2="$R2" -v n="$CALLS" 'BEGIN {
	printf "  per call: %.0f bytes set up, %.0f bytes with two streams\n", (r1 - r0) * 1024 / n, (r2 - r0) * 1024 / n }'
echo "  tick, calls set up and idle: $(tick_cost "$C0" "$S0" "$C1" "$S1")"
echo "  tick, $STREAMS streams in the kernel (RTP flowing, then idle): $(tick_cost "$C1" "$S1" "$C3" "$S3")"

gen --phases bye --sip-rate "$SIP_RATE"
settle
want "calls completed" "$("$REPO/tests/tools/promsum" "$NET_TMP/m.prom" 'sipxdp_calls_total{result="completed"}')" "$CALLS"
net_stop "$AGENT" TERM 30
want "records written" "$(grep -c . "$NET_TMP/calls.json")" "$CALLS"
want "records with both streams whole" \
	"$(jq -c "select(.streams | length == 2 and all(.packets == $ROUNDS and .lost == 0))" "$NET_TMP/calls.json" | wc -l)" \
	"$CALLS"
exit $bad
