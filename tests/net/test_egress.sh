#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_egress.sh - --egress: what the host itself sends never reaches XDP;
# the TC egress program (tcx link) counts it with the same code.  The agent
# runs in the caller's namespace, whose own INVITE and RTP leave through
# v0's egress, while the callee's answers arrive through v0's XDP.  Without
# --egress the caller's RTP stream is not seen at all: checked too.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
NPKT=50

need_root
need_tools ip jq timeout /usr/bin/python3
[ -x "$SIPXDP" ] || { fail "agent binary $SIPXDP is not built"; summary; exit 1; }

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
NSA="sipxdp-egA-$NET_SUFFIX"
NSB="sipxdp-egB-$NET_SUFFIX"
net_add_ns "$NSA" && net_add_ns "$NSB" || exit 1
ip link add v0 netns "$NSA" type veth peer name v1 netns "$NSB" &&
	ip -n "$NSA" addr add 10.20.0.1/24 dev v0 && ip -n "$NSB" addr add 10.20.0.2/24 dev v1 &&
	ip -n "$NSA" link set v0 up && ip -n "$NSB" link set v1 up || exit 1

one_call()	# one_call NAME AGENT-ARGS...: a call with the agent on v0
{
	local name=$1 agent

	shift
	net_bg "$NSA" "$DIR/$name.err" "$SIPXDP" -i v0 --calls-json "$DIR/$name.json" \
		--textfile "$DIR/$name.prom" --interval 1 "$@"
	agent=$NET_LAST_PID
	wait_for_line "$DIR/$name.err" 'attached to v0' 5 "$agent" || { fail "$name: agent attached"; return; }
	net_bg "$NSB" "$DIR/$name.callee" /usr/bin/python3 "$HERE/egress_peer.py" callee 10.20.0.2
	sleep 0.3
	in_ns "$NSA" timeout 30 /usr/bin/python3 "$HERE/egress_peer.py" caller 10.20.0.1 10.20.0.2 $NPKT ||
		fail "$name: caller ran"
	sleep 0.5
	net_stop "$agent" TERM 10
	check "$name: agent exits 0" test "$NET_STOP_RC" -eq 0
}

one_call egress --egress
check "egress: attached through tcx" grep -q 'attached to v0 egress (tcx)' "$DIR/egress.err"
check "egress: the call, its INVITE seen on the way out" \
	test "$(jq -r '"\(.state) \(.final_status)"' "$DIR/egress.json")" = "completed 200"
check "egress: the host's own RTP counted, $NPKT packets" \
	test "$(jq -r '[.streams[] | select(.src == "10.20.0.1:30000") | .packets] | add' "$DIR/egress.json")" = $NPKT
check "egress: no TC program left after exit" \
	bash -c "! ip netns exec $NSA bpftool net show dev v0 2>/dev/null | grep -q tcx"

one_call ingress_only
# (Nor is the call: its INVITE left through egress.  The answers arrived, so SIP was seen.)
check "without --egress: the host's RTP is not seen" \
	test "$(jq -s '[.[].streams[] | select(.src == "10.20.0.1:30000")] | length' "$DIR/ingress_only.json")" = 0
check "without --egress: SIP arriving through XDP still seen" \
	bash -c "grep -Eq '^sipxdp_xdp_sip_packets_total [1-9]' '$DIR/ingress_only.prom'"

summary
