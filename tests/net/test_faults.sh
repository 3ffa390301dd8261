#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_faults.sh - what the agent does when the machine changes under it.
#
#  1. The only watched interface is deleted in the middle of a sipp call:
#     a log line says so, the text file shows sipxdp_interface_up 0, the
#     call's record ends as interface_lost (not left looking alive), and
#     the agent exits non-zero so that a service manager restarts it.
#  2. Two interfaces: one set down and up again (logged, its gauge follows),
#     then deleted and made again under the same name: the agent attaches
#     to the new one and keeps running.
#  3. --read of a FIFO whose writer sends nothing ends on SIGTERM, exit 0.
#
# Exit: 0 all checks passed, 1 a check failed, 77 skipped.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
SIP_PORT=5060

need_root
need_tools ip sipp jq timeout
[ -r /usr/share/sip-tester/g711a.pcap ] || skip "sipp's g711a.pcap not installed (sip-tester)"
need_agent

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
net_keep_on_failure "$DIR"

gauge()	# gauge IFACE: sipxdp_interface_up of IFACE in the text file
{
	awk -v s="sipxdp_interface_up{interface=\"$1\"}" '$1 == s {print $2}' "$DIR/m.prom"
}

# wait_gauge IFACE VALUE: up to 5 s for the text file to say so (written every second).
wait_gauge()
{
	local i

	for ((i = 0; i < 50; i++)); do
		[ "$(gauge "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "  sipxdp_interface_up{interface=\"$1\"} is $(gauge "$1"), want $2"
	return 1
}

# ---- 1. the only interface goes away mid-call ------------------------------

echo "=== interface lost"
net_setup || { fail "build the three-namespace network"; summary; exit 1; }
sipp_media_dir "$DIR" || exit 1
net_bg "$NS_CALLEE" "$DIR/uas.log" sipp -sn uas -i "$CALLEE_IP" -p "$SIP_PORT" -nostdin
net_agent_start "$NS_GW" "$DIR" attached -i "$IF_GW1" --textfile "$DIR/m.prom" \
	--calls-json "$DIR/calls.json" --interval 1
(cd "$DIR" && exec ip netns exec "$NS_CALLER" timeout 30 sipp -sn uac_pcap "$CALLEE_IP:$SIP_PORT" \
	-i "$CALLER_IP" -p "$SIP_PORT" -m 1 -l 1 -nostdin >"$DIR/uac.log" 2>&1 </dev/null) &
NET_PIDS+=("$!")
sleep 2.5	# answered, RTP flowing
check "the call is active" grep -qx 'sipxdp_calls_active 1' "$DIR/m.prom"
check "sipxdp_interface_up is 1 while attached" test "$(gauge "$IF_GW1")" = 1
ip -n "$NS_GW" link del "$IF_GW1"
for _ in $(seq 50); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
net_stop "$AGENT_PID" TERM 1
check "the agent exits 1 with no interface left (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 1
check "a log line says the interface went away" grep -q "interface $IF_GW1 went away" "$DIR/agent.err"
check "and one that none is left" grep -q "no interface left" "$DIR/agent.err"
check "the text file says sipxdp_interface_up 0" test "$(gauge "$IF_GW1")" = 0
check "the call's record ends as interface_lost" \
	test "$(jq -r '.state' "$DIR/calls.json")" = interface_lost
check "the call is counted so" test "$("$REPO/tests/tools/promsum" "$DIR/m.prom" 'sipxdp_calls_total{result="interface_lost"}')" = 1
net_cleanup
NET_CLEANED=0

# ---- 2. down, up, gone, back -----------------------------------------------

echo "=== down and back"
net_mktemp || exit 1
DIR=$NET_TMP
net_keep_on_failure "$DIR"
net_setup || { fail "build the three-namespace network"; summary; exit 1; }
net_agent_start "$NS_GW" "$DIR" attached -i "$IF_GW1" -i "$IF_GW2" --textfile "$DIR/m.prom" --interval 1
check "both up" bash -c "sleep 1.2; grep -q 'sipxdp_interface_up{interface=\"$IF_GW2\"} 1' '$DIR/m.prom'"
ip -n "$NS_GW" link set "$IF_GW2" down
check "$IF_GW2 down: its gauge 0" wait_gauge "$IF_GW2" 0
check "$IF_GW1 still 1" test "$(gauge "$IF_GW1")" = 1
check "logged" grep -q "interface $IF_GW2 is down" "$DIR/agent.err"
ip -n "$NS_GW" link set "$IF_GW2" up
check "$IF_GW2 up again: its gauge 1" wait_gauge "$IF_GW2" 1
check "logged" grep -q "interface $IF_GW2 is up again" "$DIR/agent.err"
ip -n "$NS_GW" link del "$IF_GW2"	# its peer in the callee namespace goes with it
check "$IF_GW2 gone: its gauge 0" wait_gauge "$IF_GW2" 0
check "the agent goes on with $IF_GW1" kill -0 "$AGENT_PID"
ip link add "$IF_CALLEE" netns "$NS_CALLEE" type veth peer name "$IF_GW2" netns "$NS_GW" &&
	ip -n "$NS_CALLEE" link set "$IF_CALLEE" up && ip -n "$NS_GW" link set "$IF_GW2" up
check "$IF_GW2 back: attached again" wait_for_line "$DIR/agent.err" "interface $IF_GW2 is back" 5 "$AGENT_PID"
check "XDP on the new $IF_GW2" xdp_attached "$NS_GW" "$IF_GW2"
check "its gauge 1" wait_gauge "$IF_GW2" 1
check "sipxdp_interface_lost_total counts down and gone" \
	grep -qx "sipxdp_interface_lost_total{interface=\"$IF_GW2\"} 2" "$DIR/m.prom"
net_stop "$AGENT_PID" TERM 5
check "SIGTERM: exit 0 (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0
check "no XDP program left on either" gw_xdp_on_neither

# ---- 3. --read of a FIFO that says nothing ---------------------------------

echo "=== fifo"
mkfifo "$DIR/cap.fifo" || exit 1
sleep 30 >"$DIR/cap.fifo" &	# a writer that writes nothing
NET_PIDS+=("$!")
"$SIPXDP" --read "$DIR/cap.fifo" >"$DIR/fifo.out" 2>"$DIR/fifo.err" &
READER=$!
NET_PIDS+=("$READER")
sleep 1
check "--read of the FIFO is waiting" kill -0 "$READER"
kill -TERM "$READER"
for _ in $(seq 20); do kill -0 "$READER" 2>/dev/null || break; sleep 0.1; done
check "it ends within 2 s of SIGTERM" not kill -0 "$READER"
net_stop "$READER" KILL 1
check "exit 0 (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0
check "and says it was stopped" grep -q "stopped by a signal" "$DIR/fifo.err"

summary
