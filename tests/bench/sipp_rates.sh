#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# sipp_rates.sh - real SIP calls at rising call rates until the agent first
# loses an event or writes a wrong record.  sipp's UAC (-sn uac: INVITE,
# 100, 180, 200, ACK, BYE, 200) in one namespace, its UAS in the other, the
# agent on the UAS's interface (--egress: it sees the answers the UAS sends).  For each rate, SECONDS_EACH s of calls:
# the calls sipp completed, the records the agent wrote for them (each must
# be completed with final status 200), the events lost, the agent's CPU per
# call.  A rate is clean when every call sipp completed has its right
# record and nothing was lost; a rate sipp itself could not hold (calls
# failed on its side) ends the climb, since the agent is then not the limit.
# Environment: RATES (default "100 400 1600 3200 6400 12800"), SECONDS_EACH (5);
# PERF=1 prints the agent's profile at each rate (perf record).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$REPO/tests/net/lib.sh"
SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
RATES=${RATES:-100 400 1600 3200 6400 12800}
EACH=${SECONDS_EACH:-5}

need_root
[ -x "$SIPXDP" ] || { echo "sipp_rates.sh: build the agent first (make)"; exit 1; }
command -v sipp >/dev/null || { echo "sipp_rates.sh: sipp not installed (make deps)"; exit 1; }
net_trap
net_mktemp || exit 1
# The tx -> rx pair of lib.sh, its ends named v0 and v1.
IF_TX=v0 IF_RX=v1 NSA=$NS_TX NSB=$NS_RX
net_setup_txrx 10.32.0.1 10.32.0.2 || exit 1

net_bg "$NSB" "$NET_TMP/agent.err" "$SIPXDP" -i v1 --textfile "$NET_TMP/m.prom" --interval 1 \
	--calls-json "$NET_TMP/calls.json" --egress
AGENT=$NET_LAST_PID
wait_for_line "$NET_TMP/agent.err" 'attached to v1' 10 "$AGENT" || { echo "agent did not attach"; exit 1; }
net_bg "$NSB" "$NET_TMP/uas.log" sipp -sn uas -i 10.32.0.2 -p 5060 -nostdin -bg
sleep 1

metric() { prom_value "$NET_TMP/m.prom" "$1"; }
cpu_ticks() { awk '{print $14 + $15}' /proc/"$AGENT"/stat; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

echo "sipp calls (INVITE ... BYE, 7 messages) at rising rates, ${EACH} s each, agent on the UAS's interface:"
printf '  %7s %9s %9s %9s %7s %14s\n' calls/s completed records wrong lost "agent CPU/call"
best=0
for rate in $RATES; do
	n=$((rate * EACH))
	l0=$(metric sipxdp_events_lost_total) c0=$(cpu_ticks) r0=$(lines "$NET_TMP/calls.json")
	perf_start "$AGENT" "$EACH" "$NET_TMP/perf-$rate.data"	# PERF=1: the agent's profile at each rate
	(cd "$NET_TMP" && in_ns "$NSA" timeout $((EACH * 4 + 30)) sipp -sn uac 10.32.0.2:5060 -i 10.32.0.1 -p 5060 \
		-r "$rate" -m "$n" -l $((rate * 4)) -nostdin -timeout $((EACH * 3 + 20))s \
		-trace_stat -stf "uac-$rate.csv" >"uac-$rate.log" 2>&1)
	sleep 5	# the last BYEs, the grace of 2 s, two intervals
	perf_top "$NET_TMP/perf-$rate.data"
	ok=$(tail -1 "$NET_TMP/uac-$rate.csv" | awk -F';' '{print $16}')	# SuccessfulCall(C)
	failed=$(tail -1 "$NET_TMP/uac-$rate.csv" | awk -F';' '{print $18}')	# FailedCall(C)
	l1=$(metric sipxdp_events_lost_total) c1=$(cpu_ticks)
	tail -n +$((r0 + 1)) "$NET_TMP/calls.json" >"$NET_TMP/r$rate.json"
	recs=$(lines "$NET_TMP/r$rate.json")
	wrong=$(jq -c 'select(.result != "completed" or .final_status != 200)' "$NET_TMP/r$rate.json" | wc -l)
	lost=$((l1 - l0))
	us=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$recs" \
		'BEGIN {printf "%.1f us", n ? t / hz / n * 1e6 : 0}')
	printf '  %7d %9s %9d %9d %7d %14s\n' "$rate" "$ok" "$recs" "$wrong" "$lost" "$us"
	if [ "${failed:-1}" -ne 0 ] || [ "${ok:-0}" -ne "$n" ]; then
		echo "  sipp completed ${ok:-0} of $n calls ($failed failed) at $rate/s: sipp is the limit here"
		break
	fi
	[ "$lost" -eq 0 ] && [ "$wrong" -eq 0 ] && [ "$recs" -eq "$ok" ] || break
	best=$rate
done
echo "  highest clean call rate: $best/s"
net_stop "$AGENT" TERM 10
