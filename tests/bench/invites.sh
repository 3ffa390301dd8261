#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# invites.sh - the INVITE rate the agent sustains with a full call table:
# every new INVITE evicts a call.  Two namespaces and a veth pair; the agent
# on the receiving end with --max-calls 2000, filled first; then sipflood
# sends unanswered INVITEs at rising rates, 2 s each.  For each rate:
# INVITEs the agent counted against those sent, events the kernel could
# not hand up, calls evicted, and the agent's CPU per INVITE (utime+stime
# of /proc/PID/stat).  The highest rate with nothing lost is the figure.
# Environment: RATES (default "5000 10000 20000 40000 80000"), SECONDS_EACH (2).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$REPO/tests/net/lib.sh"
SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
SIPFLOOD=${SIPFLOOD:-$REPO/build/sipflood}
RATES=${RATES:-5000 10000 20000 40000 80000}
EACH=${SECONDS_EACH:-2}

need_root
[ -x "$SIPXDP" ] && [ -x "$SIPFLOOD" ] || { echo "invites.sh: build first (make all build/sipflood)"; exit 1; }
net_trap
net_mktemp || exit 1
# The tx -> rx pair of lib.sh, its ends named v0 and v1.
IF_TX=v0 IF_RX=v1 NSA=$NS_TX NSB=$NS_RX
net_setup_txrx 10.31.0.1 10.31.0.2 || exit 1

net_bg "$NSB" "$NET_TMP/agent.err" "$SIPXDP" -i v1 --textfile "$NET_TMP/m.prom" --interval 0.5 \
	--max-calls 2000
AGENT=$NET_LAST_PID
wait_for_line "$NET_TMP/agent.err" 'attached to v1' 5 "$AGENT" || { echo "agent did not attach"; exit 1; }

metric() { prom_value "$NET_TMP/m.prom" "$1"; }
invites() { awk '$1 == "sipxdp_sip_messages_total{type=\"request\",method=\"INVITE\"}" {print $2}' "$NET_TMP/m.prom"; }
evicted() { "$REPO/tests/tools/promsum" "$NET_TMP/m.prom" 'sipxdp_calls_total{result="evicted"}'; }
cpu_ticks() { awk '{print $14 + $15}' /proc/"$AGENT"/stat; }

in_ns "$NSA" "$SIPFLOOD" invites --from 10.31.0.1 --to 10.31.0.2:5060 --count 2000 --rate 2000 \
	--mlines 1 --tag fill >/dev/null
sleep 1.2
echo "INVITEs into a full call table (--max-calls 2000), ${EACH} s at each rate:"
printf '  %8s %10s %10s %8s %10s %12s\n' rate/s sent counted lost evicted "agent CPU/INVITE"
best=0
for rate in $RATES; do
	n=$((rate * EACH))
	i0=$(invites) l0=$(metric sipxdp_events_lost_total) e0=$(evicted) c0=$(cpu_ticks)
	in_ns "$NSA" "$SIPFLOOD" invites --from 10.31.0.1 --to 10.31.0.2:5060 --count "$n" --rate "$rate" \
		--mlines 1 --tag "r$rate" >"$NET_TMP/flood.log" 2>&1
	sleep 1.2	# two intervals: the text file has the last of them
	i1=$(invites) l1=$(metric sipxdp_events_lost_total) e1=$(evicted) c1=$(cpu_ticks)
	sent=$(awk '{print $3}' "$NET_TMP/flood.log" | tail -1)
	got=$((i1 - i0)) lost=$((l1 - l0))
	us=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$got" 'BEGIN {printf "%.1f us", n ? t / hz / n * 1e6 : 0}')
	printf '  %8d %10s %10d %8d %10d %12s\n' "$rate" "$sent" "$got" "$lost" $((e1 - e0)) "$us"
	[ "$lost" -eq 0 ] && [ "$got" -eq "$sent" ] && best=$rate
done
echo "  highest rate with no INVITE lost: $best/s"
net_stop "$AGENT" TERM 10
