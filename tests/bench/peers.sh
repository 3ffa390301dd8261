#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# peers.sh - sipxdp beside what an operator would run instead, on the same
# offered load: rtpgen (tests/tools/rtpgen.c) in one namespace sends CALLS
# calls through a veth pair into the observer's namespace, as a SPAN port
# would deliver them: SIP set-up (INVITE, 200 with SDP, ACK), then RTP of
# two streams a call at LOW packets/s, then at HIGH packets/s (10 times
# more), then BYE.  Observers, one at a time on the receiving interface:
#
#   none      nothing: the baseline (run first and last: the two show the noise)
#   empty     an XDP program that passes every packet (bench_streams --empty)
#   sipxdp    the agent, as installed: text file every 5 s (the default), no per-call series
#   series    the same with --call-series 100000: every stream of every active call a set of
#             series, as before the metrics by peer (what the per-call series cost)
#   tcpdump   tcpdump -w /dev/null
#   tshark    tshark -q -z rtp,streams
#   sngrep    sngrep -N -q -r -O FILE (no terminal; RTP kept, into a file)
#
# For each observer and each rate: the whole machine's CPU per RTP packet
# above the baseline's (all CPUs, from cpuidle, the RTP phase only), the
# observer's own processes' CPU (every thread of it and its children, in
# ns from schedstat) per second and per packet, and what it counted, so that an observer that
# drops packets cannot look cheap.  The generator is pinned to one CPU
# (the veth's receive path runs where it sends).
#
# Environment: CALLS (2000), LOW (10000), HIGH (100000), SECONDS_EACH (8),
# OBSERVERS (default all, in the order above).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$REPO/tests/net/lib.sh"
BUILD=${BUILD:-$REPO/build}
CALLS=${CALLS:-2000}
LOW=${LOW:-10000}
HIGH=${HIGH:-100000}
EACH=${SECONDS_EACH:-8}
OBSERVERS=${OBSERVERS:-none empty sipxdp series tcpdump tshark sngrep none}
STREAMS=$((CALLS * 2))

need_root
for t in "$BUILD/sipxdp" "$BUILD/rtpgen" "$BUILD/bench_streams"; do
	[ -x "$t" ] || { echo "peers.sh: build first (make all $BUILD/rtpgen $BUILD/bench_streams)"; exit 1; }
done
for t in tcpdump tshark sngrep capinfos; do
	command -v "$t" >/dev/null || { echo "peers.sh: $t not installed (make deps)"; exit 1; }
done
net_trap
net_mktemp || exit 1
# The tx -> rx pair of lib.sh, its ends named v0 and v1.
IF_TX=v0 IF_RX=v1 NSA=$NS_TX NSB=$NS_RX
net_setup_txrx || exit 1

# Rounds of every stream's next packet that last EACH s at RATE packets/s.
rounds() { echo $(($1 * EACH / STREAMS)); }
R_LOW=$(rounds "$LOW")
R_HIGH=$(rounds "$HIGH")
[ "$R_LOW" -ge 1 ] || { echo "peers.sh: LOW * SECONDS_EACH must be at least CALLS * 2"; exit 1; }
P_LOW=$((R_LOW * STREAMS))
P_HIGH=$((R_HIGH * STREAMS))

# Busy time of all CPUs, ns since the start: time times CPUs less their idle
# time (cpuidle, in microseconds).  /proc/stat samples at the tick (10 ms),
# an error of tens of ticks in a few seconds; cpuidle counts exactly.
NCPU=$(ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l)
# Without cpuidle (a guest without a cpuidle driver), /proc/stat's idle and
# iowait, coarser: the figure says which it used.
if ls /sys/devices/system/cpu/cpu0/cpuidle/state0/time >/dev/null 2>&1; then
	IDLE_SRC=cpuidle
	idle_ns() { cat /sys/devices/system/cpu/cpu[0-9]*/cpuidle/state*/time | awk '{s += $1} END {printf "%.0f\n", s * 1000}'; }
else
	IDLE_SRC="/proc/stat (no cpuidle here: 10 ms ticks)"
	HZ_TICK=$(getconf CLK_TCK)
	idle_ns() { awk -v hz="$HZ_TICK" '$1 == "cpu" {printf "%.0f\n", ($5 + $6) * 1e9 / hz}' /proc/stat; }
fi
T0=$(date +%s%N)
I0=$(idle_ns)
busy() { echo $((($(date +%s%N) - T0) * NCPU - ($(idle_ns) - I0))); }

# CPU time in ns of a process and all its descendants, every thread
# (/proc/PID/task/TID/schedstat: time on a CPU, in ns).
tree_ns()
{
	local t c

	t=$(cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}')
	for c in $(pgrep -P "$1"); do
		t=$((t + $(tree_ns "$c")))
	done
	echo "$t"
}

gen() { in_ns "$NSA" taskset -c 1 "$BUILD/rtpgen" --iface v0 --calls "$CALLS" --both "$@" >>"$NET_TMP/gen.log" 2>&1; }

# start NAME: the observer on v1, its pid in OBS (none: 0).
start()
{
	local out=$NET_TMP/$1

	OBS=0
	case $1 in
	none) return 0 ;;
	empty) net_bg "$NSB" "$out.log" "$BUILD/bench_streams" --attach v1 --empty
		OBS=$NET_LAST_PID; wait_for_line "$out.log" '^attached' 10 "$OBS" ;;
	sipxdp) net_bg "$NSB" "$out.log" "$BUILD/sipxdp" -i v1 --textfile "$out.prom"
		OBS=$NET_LAST_PID; wait_for_line "$out.log" 'attached to v1' 10 "$OBS" ;;
	series) net_bg "$NSB" "$out.log" "$BUILD/sipxdp" -i v1 --textfile "$out.prom" --call-series 100000
		OBS=$NET_LAST_PID; wait_for_line "$out.log" 'attached to v1' 10 "$OBS" ;;
	tcpdump) net_bg "$NSB" "$out.log" tcpdump -i v1 -n -w /dev/null
		OBS=$NET_LAST_PID; wait_for_line "$out.log" 'listening on' 10 "$OBS" ;;
	tshark) net_bg "$NSB" "$out.log" tshark -i v1 -n -q -z rtp,streams
		OBS=$NET_LAST_PID; wait_for_line "$out.log" 'Capturing on' 20 "$OBS" && sleep 1 ;;
	sngrep) mkdir -p /dev/shm/sipxdp-peers-$NET_SUFFIX && NET_TMPDIRS+=("/dev/shm/sipxdp-peers-$NET_SUFFIX")
		net_bg "$NSB" "$out.log" sngrep -d v1 -N -q -r -O "/dev/shm/sipxdp-peers-$NET_SUFFIX/s.pcap"
		OBS=$NET_LAST_PID; sleep 2; kill -0 "$OBS" ;;
	esac
}

# counted NAME: what the stopped observer says it saw.
counted()
{
	local out=$NET_TMP/$1

	case $1 in
	none) echo "-" ;;
	empty) awk '/^empty:/ {print $2 " packets"}' "$out.log" ;;
	sipxdp|series) echo "$(prom_value "$out.prom" sipxdp_rtp_packets_total) RTP packets," \
		     "$("$REPO/tests/tools/promsum" "$out.prom" 'sipxdp_calls_total{result="completed"}') calls completed" ;;
	tcpdump) awk '/packets captured/ {c = $1} /dropped by kernel/ {d = $1}
		      END {print c " packets captured, " d " dropped"}' "$out.log" ;;
	tshark) awk '$1 ~ /^[0-9.]+$/ && NF >= 10 {n += $(NF - 8); s++}
		     /dropped/ {d = $0} END {print n + 0 " RTP packets in " s + 0 " streams" (d ? "; " d : "")}' \
			"$out.log" ;;
	sngrep) echo "$(capinfos -c -M "/dev/shm/sipxdp-peers-$NET_SUFFIX/s.pcap" 2>/dev/null |
		awk '/Number of packets/ {print $NF}') packets kept"
		rm -f "/dev/shm/sipxdp-peers-$NET_SUFFIX/s.pcap" ;;
	esac
}

declare -A TOTAL OWN
observe()	# observe NAME
{
	local name=$1 b0 b1 o0 o1 rate r first=1 k=0

	start "$name" || { echo "peers.sh: $name did not start:"; cat "$NET_TMP/$name.log"; exit 1; }
	gen --phases setup --sip-rate 4000
	sleep 1
	for rate in "$LOW" "$HIGH"; do
		r=$(rounds "$rate")
		b0=$(busy) o0=$([ "$OBS" -ne 0 ] && tree_ns "$OBS" || echo 0)
		gen --phases rtp --first-round "$first" --rounds "$r" --pps "$rate"
		b1=$(busy) o1=$([ "$OBS" -ne 0 ] && tree_ns "$OBS" || echo 0)
		TOTAL[$name.$rate]=$((b1 - b0))
		OWN[$name.$rate]=$((o1 - o0))
		first=$((first + r))
		k=$((k + 1))
	done
	gen --phases bye --sip-rate 4000
	sleep 1.5
	[ "$OBS" -ne 0 ] && net_stop "$OBS" INT 20
	COUNTED[$name]=$(counted "$name")
}

declare -A COUNTED BASE
for o in $OBSERVERS; do
	observe "$o"
	if [ "$o" = none ]; then
		for rate in "$LOW" "$HIGH"; do
			BASE[$rate]="${BASE[$rate]:-} ${TOTAL[none.$rate]}"
		done
	fi
done

echo "observers on a veth pair: $CALLS calls, $STREAMS streams; RTP $P_LOW packets at $LOW/s, $P_HIGH at $HIGH/s"
echo "(CPU per packet: whole machine above no observer, idle time from $IDLE_SRC; own: the observer's processes)"
printf '  %-8s %9s %14s %14s %14s  %s\n' observer rate/s "total/packet" "own/packet" "own CPU/s" counted
for o in $(echo "$OBSERVERS" | tr ' ' '\n' | awk '!seen[$0]++'); do
	for rate in "$LOW" "$HIGH"; do
		p=$([ "$rate" = "$LOW" ] && echo "$P_LOW" || echo "$P_HIGH")
		base=$(echo "${BASE[$rate]:-0}" | awk '{s = 0; for (i = 1; i <= NF; i++) s += $i; print NF ? s / NF : 0}')
		awk -v o="$o" -v r="$rate" -v t="${TOTAL[$o.$rate]}" -v b="$base" -v own="${OWN[$o.$rate]}" \
		    -v p="$p" -v each="$EACH" -v c="$([ "$rate" = "$HIGH" ] && echo "whole run: ${COUNTED[$o]}")" \
		    'BEGIN {

			if (o == "none")
				printf "  %-8s %9d %11.0f ns %14s %14s  %s\n", o, r, t / p, "(baseline)", "-", c
			else
				printf "  %-8s %9d %11.0f ns %11.1f ns %11.1f ms  %s\n", o, r, (t - b) / p,
				       own / p, own / each / 1e6, c
		    }'
	done
done
echo "  the runs without an observer, all CPUs busy (ms):" \
	"$(echo "${BASE[$LOW]}" | awk '{for (i = 1; i <= NF; i++) printf " %.0f", $i / 1e6}') at $LOW/s," \
	"$(echo "${BASE[$HIGH]}" | awk '{for (i = 1; i <= NF; i++) printf " %.0f", $i / 1e6}') at $HIGH/s"
