#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_mirror.sh - the passive deployment: the agent sits on a SPAN/TAP-like
# port and sees copies of traffic addressed to other hosts (other MACs,
# other IPs).  The gateway mirrors both directions of g1 with tc mirred into
# a veth whose far end, m1, lives in a monitor namespace with the agent.
#
#   caller -- g1 [gateway] g2 -- callee
#             |  tc mirred (ingress + egress)
#             m0 ---- m1 [monitor: sipxdp --promisc, tshark]
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
NCALLS=3

need_root
need_tools ip tc sipp tshark timeout /usr/bin/python3
[ -r /usr/share/sip-tester/g711a.pcap ] || skip "sipp's g711a.pcap not installed (sip-tester)"
need_agent

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
NS_MON="sipxdp-mon-$NET_SUFFIX"

net_setup || { fail "build the three-namespace network"; summary; exit 1; }
net_add_ns "$NS_MON" || exit 1
ip link add m0 netns "$NS_GW" type veth peer name m1 netns "$NS_MON" &&
	ip -n "$NS_GW" link set m0 up && ip -n "$NS_MON" link set m1 up || exit 1
# Mirror everything g1 receives and sends (u32 with an empty match is "all").
in_ns "$NS_GW" tc qdisc add dev g1 clsact &&
	in_ns "$NS_GW" tc filter add dev g1 ingress protocol all prio 1 u32 match u32 0 0 \
		action mirred egress mirror dev m0 &&
	in_ns "$NS_GW" tc filter add dev g1 egress protocol all prio 1 u32 match u32 0 0 \
		action mirred egress mirror dev m0 || { fail "set up tc mirred"; summary; exit 1; }
sipp_media_dir "$DIR" || exit 1

net_bg "$NS_CALLEE" "$DIR/uas.log" sipp -sn uas -i "$CALLEE_IP" -p 5060 -nostdin
net_tshark "$NS_MON" m1 "$DIR/cap.pcap" "$DIR/tshark.log" udp

net_agent_bg "$NS_MON" "$DIR" -i m1 --promisc --calls-json "$DIR/calls.json" \
	--textfile "$DIR/m.prom" --interval 1
check "agent attached to the monitor port" wait_for_line "$DIR/agent.err" 'attached to m1' 5 "$AGENT_PID"

(cd "$DIR" && in_ns "$NS_CALLER" timeout 60 sipp -sn uac_pcap "$CALLEE_IP:5060" -i "$CALLER_IP" \
	-p 5060 -m "$NCALLS" -l "$NCALLS" -r 1 -nostdin -timeout 50s -timeout_error) >"$DIR/uac.log" 2>&1
check "sipp placed $NCALLS calls" test $? -eq 0
sleep 1
net_stop "$AGENT_PID" TERM 10
check "agent exits 0" test "$NET_STOP_RC" -eq 0
net_stop "$TSHARK_PID" TERM 10

# The frames on m1 are not for this host: the agent must still see them.
check "mirrored frames carry foreign MACs" bash -c \
	"[ \"\$(tshark -n -r '$DIR/cap.pcap' -T fields -e eth.dst -c 1 2>/dev/null)\" != \"\$(ip -n $NS_MON link show m1 | awk '/ether/ {print \$2}')\" ]"
tshark -n -r "$DIR/cap.pcap" -q -z rtp,streams >"$DIR/tshark.txt" 2>/dev/null
check "agent streams match tshark on the mirror port" /usr/bin/python3 "$HERE/compare_tshark.py" \
	--tshark "$DIR/tshark.txt" --calls-json "$DIR/calls.json" \
	--jitter-tol "$LIVE_JITTER_TOL" --delta-tol "$LIVE_DELTA_TOL" --min-completed "$NCALLS"

summary
