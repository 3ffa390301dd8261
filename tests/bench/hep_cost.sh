#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# hep_cost.sh - what --hep costs the agent at a SIP rate.  Two namespaces
# and a veth pair (invites.sh's); the agent on the receiving end with
# --max-calls 2000; sipflood sends INVITEs with SDP at each rate for 2 s.
# The agent runs without HEP and with --hep to a UDP sink in its namespace
# (a socket read as fast as Python reads), in turns (off, on, off, on), so
# that a noisy VM shows in both.  For each run and rate: INVITEs counted
# against sent, events lost, the agent's CPU per INVITE (utime + stime of
# every thread, /proc/PID/stat; and of the agent's own thread, which reads
# the ring buffer, follows the calls and encodes and queues HEP, apart from
# the sender's), and with HEP the messages sent and dropped.
# Environment: RATES (default "5000 20000"), SECONDS_EACH (2), ROUNDS (2).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$REPO/tests/net/lib.sh"
SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
SIPFLOOD=${SIPFLOOD:-$REPO/build/sipflood}
RATES=${RATES:-5000 20000}
EACH=${SECONDS_EACH:-2}
ROUNDS=${ROUNDS:-2}

need_root
[ -x "$SIPXDP" ] && [ -x "$SIPFLOOD" ] || { echo "hep_cost.sh: build first (make all build/sipflood)"; exit 1; }
net_trap
net_mktemp || exit 1
IF_TX=v0 IF_RX=v1 NSA=$NS_TX NSB=$NS_RX
net_setup_txrx 10.32.0.1 10.32.0.2 || exit 1
ip -n "$NSB" link set lo up

net_bg "$NSB" "$NET_TMP/sink.log" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("127.0.0.1", 9060))
print("listening", flush=True)
while True:
    s.recv(65536)
'
wait_for_line "$NET_TMP/sink.log" listening 5 || { echo "the sink did not start"; exit 1; }

metric() { prom_value "$NET_TMP/m.prom" "$1"; }
invites() { awk '$1 == "sipxdp_sip_messages_total{type=\"request\",method=\"INVITE\"}" {print $2}' "$NET_TMP/m.prom"; }
cpu_ticks() { awk '{print $14 + $15}' /proc/"$AGENT"/stat; }
# The agent's own thread (ring buffer, calls, encoding and queueing): its task has the process's id.
main_ticks() { awk '{print $14 + $15}' /proc/"$AGENT"/task/"$AGENT"/stat; }
hep_sent() { metric 'sipxdp_hep_sent_total{collector="127.0.0.1:9060"}'; }
hep_dropped() { awk '/^sipxdp_hep_dropped_total/ {s += $2} END {print s + 0}' "$NET_TMP/m.prom"; }

echo "INVITEs with SDP at each rate for ${EACH} s, the agent without HEP and with --hep to a UDP sink:"
printf '  %5s %4s %7s %8s %5s %17s %17s %9s %7s\n' round hep rate/s counted lost "agent CPU/INVITE" "its own thread" "HEP sent" dropped
declare -A sum msum n
for ((round = 1; round <= ROUNDS; round++)); do
	for mode in off on; do
		args=()
		[ "$mode" = on ] && args=(--hep 127.0.0.1:9060)
		rm -f "$NET_TMP/m.prom"
		net_bg "$NSB" "$NET_TMP/agent.err" "$SIPXDP" -i v1 --textfile "$NET_TMP/m.prom" --interval 0.5 \
			--max-calls 2000 "${args[@]}"
		AGENT=$NET_LAST_PID
		wait_for_line "$NET_TMP/agent.err" 'attached to v1' 5 "$AGENT" || { echo "agent did not attach"; exit 1; }
		sleep 0.6
		for rate in $RATES; do
			count=$((rate * EACH))
			i0=$(invites) l0=$(metric sipxdp_events_lost_total) c0=$(cpu_ticks) m0=$(main_ticks) s0=$(hep_sent) d0=$(hep_dropped)
			in_ns "$NSA" "$SIPFLOOD" invites --from 10.32.0.1 --to 10.32.0.2:5060 --count "$count" \
				--rate "$rate" --mlines 1 --tag "r$round$mode$rate" >"$NET_TMP/flood.log" 2>&1
			sleep 1.2
			i1=$(invites) l1=$(metric sipxdp_events_lost_total) c1=$(cpu_ticks) m1=$(main_ticks) s1=$(hep_sent) d1=$(hep_dropped)
			got=$((i1 - i0))
			us=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$got" 'BEGIN {printf "%.1f", n ? t / hz / n * 1e6 : 0}')
			mus=$(awk -v t=$((m1 - m0)) -v hz="$(getconf CLK_TCK)" -v n="$got" 'BEGIN {printf "%.1f", n ? t / hz / n * 1e6 : 0}')
			sent=${s1:+$((s1 - ${s0:-0}))}
			printf '  %5d %4s %7d %8d %5d %14s us %14s us %9s %7s\n' "$round" "$mode" "$rate" "$got" $((l1 - l0)) \
				"$us" "$mus" "${sent:--}" "$([ "$mode" = on ] && echo $((d1 - d0)) || echo -)"
			sum[$mode$rate]=$(awk -v a="${sum[$mode$rate]:-0}" -v b="$us" 'BEGIN {print a + b}')
			msum[$mode$rate]=$(awk -v a="${msum[$mode$rate]:-0}" -v b="$mus" 'BEGIN {print a + b}')
			n[$mode$rate]=$((${n[$mode$rate]:-0} + 1))
		done
		net_stop "$AGENT" TERM 10
	done
done
echo "  mean agent CPU per INVITE over $ROUNDS rounds:"
for rate in $RATES; do
	awk -v r="$rate" -v off="${sum[off$rate]}" -v on="${sum[on$rate]}" -v moff="${msum[off$rate]}" \
		-v mon="${msum[on$rate]}" -v k="${n[off$rate]}" 'BEGIN {
		printf "    %6d/s: without HEP %.1f us, with HEP %.1f us: HEP adds %.1f us an INVITE (%+.0f %%), " \
			"%.1f us of it on the agent'"'"'s own thread (%.1f -> %.1f us)\n",
			r, off / k, on / k, (on - off) / k, off ? (on - off) / off * 100 : 0, (mon - moff) / k, moff / k, mon / k }'
done
