#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# offline.sh - reading a capture: sipxdp --read, with the program in the
# kernel and in user space, against tshark -z rtp,streams and sngrep -I, on
# the same generated capture, in one run.
# rtpgen --pcap writes CALLS calls (SIP set-up, two streams a call, every
# stream a packet each 20 ms, BYE) to a capture of about a million frames;
# each reader goes through it once (a warm-up read first puts the file in
# the page cache).  For each: wall time, CPU time (user + system), frames
# per second of wall time, and what it counted (so a reader that skips
# cannot look fast): sipxdp its calls and RTP packets (the kernel's
# program, --read-engine kernel, on a thread per CPU, then in one:
# --read-threads 1; then the same program in user space, --read-engine
# user, in the reading thread (its default) and on a thread per CPU; all
# four records must be the same bytes), tshark the
# packets of its streams, sngrep the frames it kept (-r: RTP too, -O into
# a file).
# Environment: CALLS (default 1000), ROUNDS (500: 1,000,000 RTP packets).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
RTPGEN=${RTPGEN:-$REPO/build/rtpgen}
CALLS=${CALLS:-1000}
ROUNDS=${ROUNDS:-500}

[ "$(id -u)" -eq 0 ] || { echo "offline.sh: run as root (sipxdp --read-engine kernel loads its program)"; exit 1; }
[ -x "$SIPXDP" ] && [ -x "$RTPGEN" ] || { echo "offline.sh: build first (make all build/rtpgen)"; exit 1; }
for t in tshark sngrep capinfos; do
	command -v "$t" >/dev/null || { echo "offline.sh: $t not installed (make deps)"; exit 1; }
done
TMP=$(mktemp -d /tmp/sipxdp-offline.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT

"$RTPGEN" --pcap "$TMP/calls.pcap" --calls "$CALLS" --both --rounds "$ROUNDS" >"$TMP/gen.log" || exit 1
FRAMES=$(capinfos -c -M "$TMP/calls.pcap" | awk '/Number of packets/ {print $NF}')
RTP=$((CALLS * 2 * ROUNDS))
echo "capture: $FRAMES frames ($CALLS calls, $((CALLS * 2)) streams, $RTP RTP packets), $(du -h "$TMP/calls.pcap" | cut -f1)"
cat "$TMP/calls.pcap" >/dev/null

# run NAME CMD...: time CMD (its wall and CPU seconds into W and C).
run()
{
	local name=$1 t0 t1 c0 c1

	shift
	c0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
	t0=$(date +%s.%N)
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	RC=$?
	t1=$(date +%s.%N)
	W=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
	# children's CPU, reaped: fields 16 and 17 of the shell's own stat
	c1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
	C=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')
}

row()	# row NAME COUNTED
{
	printf '  %-8s %8s s %8s s %12s %s\n' "$1" "$W" "$C" \
		"$(awk -v f="$FRAMES" -v w="$W" 'BEGIN {printf "%.0f", f / w}')" "$2"
}

printf '  %-8s %10s %10s %12s %s\n' reader wall CPU frames/s counted
# sipx NAME ENGINE THREADS: sipxdp --read, its records in NAME.json, its text file in NAME.prom.
sipx()
{
	run "$1" "$SIPXDP" --read "$TMP/calls.pcap" --read-engine "$2" --read-threads "$3" \
		--calls-json "$TMP/$1.json" --textfile "$TMP/$1.prom"
	[ "$RC" -eq 0 ] || { echo "sipxdp --read --read-engine $2 --read-threads $3 failed:"; cat "$TMP/$1.err"; exit 1; }
}
rtp_of() { awk '$1 == "sipxdp_rtp_packets_total" {print $2}' "$TMP/$1.prom"; }

sipx sipxdp kernel 0
SX_W=$W
SX_CALLS=$(grep -c . "$TMP/sipxdp.json")
SX_RTP=$(rtp_of sipxdp)
row sipxdp "$SX_CALLS calls, $SX_RTP RTP packets (the kernel's program, a thread per CPU)"
sipx sipxdp1 kernel 1
row "sipxdp/1" "one thread: $(rtp_of sipxdp1) RTP packets"
sipx user user 0
US_W=$W
row user "in user space (the reading thread alone): $(grep -c . "$TMP/user.json") calls, $(rtp_of user) RTP packets"
NT=$(nproc); [ "$NT" -gt 8 ] && NT=8
sipx userN user "$NT"
row "user/$NT" "in user space, $NT threads: $(rtp_of userN) RTP packets"

run tshark tshark -n -r "$TMP/calls.pcap" -q -z rtp,streams
TS_W=$W
TS_RTP=$(awk '$1 ~ /^[0-9.]+$/ && NF >= 10 {n += $(NF - 8)} END {print n + 0}' "$TMP/tshark.out")
TS_STREAMS=$(awk '$1 ~ /^[0-9.]+$/ && NF >= 10' "$TMP/tshark.out" | wc -l)
row tshark "$TS_STREAMS streams, $TS_RTP RTP packets"

run sngrep sngrep -N -q -r -I "$TMP/calls.pcap" -O "$TMP/sngrep.pcap"
SN_W=$W
SN_KEPT=$(capinfos -c -M "$TMP/sngrep.pcap" 2>/dev/null | awk '/Number of packets/ {print $NF}')
row sngrep "${SN_KEPT:-0} frames kept (SIP and RTP)"

awk -v s="$SX_W" -v u="$US_W" -v t="$TS_W" -v n="$SN_W" \
	'BEGIN {printf "  sipxdp reads %.1fx as fast as tshark, %.1fx as fast as sngrep; in user space %.1fx and %.1fx (%.2fx the kernel'"'"'s)\n",
		t / s, n / s, t / u, n / u, s / u}'
bad=0
[ "$SX_CALLS" -eq "$CALLS" ] || { echo "  WRONG: sipxdp recorded $SX_CALLS calls, not $CALLS"; bad=1; }
[ "$SX_RTP" = "$RTP" ] || { echo "  WRONG: sipxdp counted $SX_RTP RTP packets, not $RTP"; bad=1; }
for r in sipxdp1 user userN; do
	cmp -s "$TMP/sipxdp.json" "$TMP/$r.json" || { echo "  WRONG: the records of $r and of sipxdp differ"; bad=1; }
done
[ "$TS_RTP" -eq "$RTP" ] || { echo "  WRONG: tshark's streams hold $TS_RTP packets, not $RTP"; bad=1; }
exit $bad
