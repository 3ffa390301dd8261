#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# streams_live.sh - the per-packet path live, at production working sets:
# for each N of STREAMS, bench_streams --attach prepares N known streams
# (both endpoints of each in the map, as SDP would leave them) on the
# receiving end of a veth pair, and sipxdp, the floor program (the same
# parsing, one lookup in a hash map of the same size and key, one atomic
# add) and the empty program take turns on it every 50 ms while rtpgen
# sends every stream's next in-order packet, streams interleaved, at PPS.
# bpf_stats times each program's own runs; the figure is sipxdp's time per
# packet over the floor's, in the same run.  bench_streams checks that the
# streams counted every packet sipxdp saw.  The generator and the receive
# path are pinned apart (taskset) so the two CPUs do not trade places.
# Environment: STREAMS (default "1000 10000 100000"), PPS (100000),
# PACKETS (3000000 a run: 30 s at PPS).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$REPO/tests/net/lib.sh"
BUILD=${BUILD:-$REPO/build}
STREAMS=${STREAMS:-1000 10000 100000}
PPS=${PPS:-100000}
PACKETS=${PACKETS:-3000000}

need_root
[ -x "$BUILD/bench_streams" ] && [ -x "$BUILD/rtpgen" ] ||
	{ echo "streams_live.sh: build first (make $BUILD/bench_streams $BUILD/rtpgen)"; exit 1; }
command -v taskset >/dev/null || { echo "streams_live.sh: taskset not installed (util-linux)"; exit 1; }
net_trap
net_mktemp || exit 1
# The tx -> rx pair of lib.sh, its ends named v0 and v1.
IF_TX=v0 IF_RX=v1 NSA=$NS_TX NSB=$NS_RX
net_setup_txrx || exit 1

echo "known-stream RTP live on a veth pair, $PPS packets/s, programs taking turns (bpf_stats):"
bad=0
for n in $STREAMS; do
	net_bg "$NSB" "$NET_TMP/b$n.log" taskset -c 0 "$BUILD/bench_streams" --attach v1 --streams "$n"
	pid=$NET_LAST_PID
	wait_for_line "$NET_TMP/b$n.log" '^attached' 120 "$pid" ||
		{ echo "bench_streams did not attach:"; cat "$NET_TMP/b$n.log"; exit 1; }
	rounds=$((PACKETS / n))
	[ "$rounds" -ge 3 ] || rounds=3
	in_ns "$NSA" taskset -c 1 "$BUILD/rtpgen" --iface v0 --calls "$n" --rounds "$rounds" --first-round 1 \
		--pps "$PPS" --phases rtp >"$NET_TMP/g$n.log" 2>&1
	net_stop "$pid" TERM 30
	grep -v '^attached' "$NET_TMP/b$n.log"
	[ "$NET_STOP_RC" -eq 0 ] || bad=1
done
exit $bad
