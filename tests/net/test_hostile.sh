#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_hostile.sh - hostile frames at the live agent.  Two namespaces and a
# veth pair; the agent attached in native XDP mode to the receiving end,
# writing its text file every second; hostile_frames.py (scapy) in the
# sending namespace sends, class by class, the RFC 4475 torture messages
# as UDP SIP and a crafted malformed set (lying IHL, IP and UDP lengths,
# truncated VLAN tags, empty, tiny, overlapping and storming fragments,
# bogus TCP data offsets and garbage retransmissions, RTP whose CSRC list or
# extension runs past the packet to a media endpoint learned from a real
# SDP, non-IP EtherTypes, runts, long and overrunning IPv6 extension
# chains), and records each class's change of every counter.
#
# Checked, per class: xdp_packets grew by exactly the frames sent, and
# xdp_malformed by exactly the frames malformed at L2-L4 by construction
# (hostile_frames.py says which), plus the class's own expectations.
# Then, from a text file written after the last class: the agent is still
# running; sipxdp_xdp_packets_total is the number of frames sent; the
# malformed counter is at least the sum of the malformed-by-construction
# frames; the conflicting overlap was dropped (ipfrag_overlaps > 0); the
# long IPv6 chains were counted (ipv6_ext_unparsed > 0); no RTP stream
# came out of the garbage (rtp_streams 0, counted as non-RTP media instead);
# no counter is larger than the frames sent; the file passes promtool; and
# SIGTERM makes the agent exit 0 with no XDP program left.
#
# Noise: neither end has an IPv4 address and IPv6 is disabled on both before
# the link comes up, so the only frames on the link are the ones sent (no
# ARP, ND, MLD, DAD): the frame count is exact, not a lower bound.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
RFC4475_DIR=${RFC4475_DIR:-${DATA:-$REPO/../shared/data}/rfc4475}

need_root
need_tools ip jq promtool awk
/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "python3-scapy not installed"
[ -x "$SIPXDP" ] || { fail "agent binary $SIPXDP is not built"; summary; exit 1; }

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
NS_TX="sipxdp-hsnd-$NET_SUFFIX"
NS_RX="sipxdp-hrcv-$NET_SUFFIX"
T0=$SECONDS

for ns in "$NS_TX" "$NS_RX"; do
	net_add_ns "$ns" || exit 1
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || exit 1
done
ip link add hsnd netns "$NS_TX" type veth peer name hrcv netns "$NS_RX" || exit 1
in_ns "$NS_TX" sysctl -qw net.ipv6.conf.hsnd.disable_ipv6=1 &&
	in_ns "$NS_RX" sysctl -qw net.ipv6.conf.hrcv.disable_ipv6=1 || exit 1
ip -n "$NS_TX" link set hsnd up && ip -n "$NS_RX" link set hrcv up || exit 1
MAC=$(ip -n "$NS_RX" -j link show hrcv | jq -r '.[0].address')

P=$DIR/m.prom
net_bg "$NS_RX" "$DIR/agent.log" "$SIPXDP" -i hrcv --xdp-mode native --textfile "$P" --interval 1
AGENT=$NET_LAST_PID
if ! wait_for_line "$DIR/agent.log" 'attached to' 5 "$AGENT"; then
	fail "agent attaches to hrcv"
	sed 's/^/    /' "$DIR/agent.log"
	summary
	exit 1
fi
check "attached in native (driver) mode" bash -c "ip -n '$NS_RX' link show hrcv | grep -qw xdp"

[ -d "$RFC4475_DIR" ] || echo "note: $RFC4475_DIR absent, RFC 4475 class not sent"
echo "sending (class, frames, malformed by construction):"
in_ns "$NS_TX" /usr/bin/python3 "$HERE/hostile_frames.py" --iface hsnd --dst-mac "$MAC" \
	--textfile "$P" --agent-pid "$AGENT" --out "$DIR/classes.json" \
	--rfc4475 "$([ -d "$RFC4475_DIR" ] && echo "$RFC4475_DIR")"
check "hostile_frames.py ran every class (exit 0)" test $? -eq 0
[ -s "$DIR/classes.json" ] || echo '[]' >"$DIR/classes.json"

# --- per class ----------------------------------------------------------

class_ok()	# class_ok OP WANT GOT
{
	case $1 in
	eq|abs_eq) [ "$3" -eq "$2" ] ;;
	le|abs_le) [ "$3" -le "$2" ] ;;
	ge|abs_ge) [ "$3" -ge "$2" ] ;;
	*) return 1 ;;
	esac
}
while IFS=$'\t' read -r name metric op want got; do
	check "$name: $metric ${op/abs_/(value) } $want (got $got)" class_ok "$op" "$want" "$got"
done < <(jq -r '.[] | . as $c | .expect[] |
	[$c.name, .[0], .[1], .[2],
	 ((if (.[1] | startswith("abs_")) then $c.after[.[0]] else $c.delta[.[0]] end) // "absent" |
	  if type == "number" then floor else . end)] | @tsv' "$DIR/classes.json")
jq -r '.[] | select(.refused > 0) | "note: \(.name): \(.refused) frames refused by the kernel (shorter than an Ethernet header)"' \
	"$DIR/classes.json"

# --- afterwards, from a text file written after the last class ---------------

SENT=$(jq '[.[].frames] | add // 0' "$DIR/classes.json")
MALFORMED=$(jq '[.[].malformed] | add // 0' "$DIR/classes.json")
GARBAGE=$(jq '[.[] | select(.name == "rtp_overruns_to_endpoint") | .frames] | add // 0' "$DIR/classes.json")
mark=$(date +%s.%N)
sleep 1.2
for _ in $(seq 30); do
	[ "$(stat -c %.9Y "$P" 2>/dev/null)" \> "$mark" ] && break
	sleep 0.1
done
cp "$P" "$DIR/final.prom"
F=$DIR/final.prom
metric() { awk -v n="$1" '$1 == n { printf "%d", $2 }' "$F"; }
ge() { [ "${1:-x}" -ge "$2" ] 2>/dev/null; }

check "agent still running after every class" kill -0 "$AGENT"
check "xdp_packets_total = $SENT frames sent" test "$(metric sipxdp_xdp_packets_total)" = "$SENT"
check "xdp_malformed_packets_total >= $MALFORMED malformed by construction ($(metric sipxdp_xdp_malformed_packets_total))" \
	ge "$(metric sipxdp_xdp_malformed_packets_total)" "$MALFORMED"
check "conflicting overlap dropped: ipfrag_overlaps_total > 0 ($(metric sipxdp_ipfrag_overlaps_total))" \
	ge "$(metric sipxdp_ipfrag_overlaps_total)" 1
check "ipv6_ext_unparsed_total > 0 ($(metric sipxdp_xdp_ipv6_ext_unparsed_total))" \
	ge "$(metric sipxdp_xdp_ipv6_ext_unparsed_total)" 1
check "no RTP stream from garbage: rtp_streams = 0" test "$(metric sipxdp_rtp_streams)" = 0
check "garbage on the endpoint counted as non-RTP media (>= $GARBAGE)" \
	ge "$(metric sipxdp_xdp_non_rtp_media_packets_total)" "$GARBAGE"
implausible()
{
	awk -v max="$SENT" '!/^#/ && NF == 2 {
		v = $2 + 0; n = $1; sub(/\{.*/, "", n)
		if (v < 0 || (n ~ /_total$/ && v > max)) { print "    " $0; bad = 1 }
	} END { exit bad }' "$F"
}
check "every counter between 0 and $SENT" implausible
# shellcheck disable=SC2016  # awk's own $1, $2
check "ipfrag and TCP memory within their bounds" awk '
	$1 == "sipxdp_ipfrag_memory_bytes" && $2 > 16 * 1048576 { bad = 1 }
	$1 == "sipxdp_tcp_memory_bytes" && $2 > 64 * 1048576 { bad = 1 } END { exit bad }' "$F"
check "promtool check metrics" promtool check metrics <"$F"

net_stop "$AGENT" TERM 5
check "SIGTERM: agent exits 0 (got $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0
# With a sanitizer build (SIPXDP=build/asan/sipxdp) a report lands in the log.
check "agent log: no crash or sanitizer report" bash -c \
	"! grep -qE 'Sanitizer|runtime error:|Segmentation|Aborted|BUG' '$DIR/agent.log'"
check "no XDP program left on hrcv" bash -c "! ip -n '$NS_RX' link show hrcv | grep -qw 'xdp\|xdpgeneric\|prog/xdp'"
if [ "$CHECKS_FAILED" -gt 0 ]; then
	echo "agent log:"
	sed 's/^/    /' "$DIR/agent.log" | tail -30
	echo "final text file (non-zero samples):"
	grep -v '^#' "$F" | awk '$NF != 0' | sed 's/^/    /'
fi
echo "took $((SECONDS - T0)) s"
summary
