#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - watch sipxdp follow live calls (`make demo`).
#
# Builds the caller / gateway / callee namespaces of tests/net/lib.sh, starts
# a sipp UAS in the callee, attaches the agent to both gateway interfaces
# with --show (a per-call table every interval), and has sipp place 4 calls
# at 1 call/s, at most 2 at a time, each ~9 s of G.711 then DTMF.  Afterwards
# it prints the call records and the last metrics, tears the network down and
# keeps the output directory (calls.json, sipxdp.prom, logs, a capture of g1
# when tshark is installed).
#
# Environment: SIPXDP (agent binary, default build/sipxdp), CALLS (4),
# INTERVAL (seconds between tables, 2).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$REPO/tests/net/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
CALLS=${CALLS:-4}
INTERVAL=${INTERVAL:-2}
SIP_PORT=5060

need_root
need_tools ip sipp timeout
[ -r /usr/share/sip-tester/g711a.pcap ] || skip "sipp's g711a.pcap not installed (sip-tester)"
if [ ! -x "$SIPXDP" ]; then
	echo "demo: agent binary $SIPXDP not found; run make first" >&2
	exit 1
fi

OUT=$(mktemp -d /tmp/sipxdp-demo.XXXXXX) || exit 1
net_trap
net_setup || { echo "demo: cannot build the network" >&2; exit 1; }
mkdir -p "$OUT/sipp" && sipp_media_dir "$OUT/sipp" || exit 1

echo "== network: $NS_CALLER ($CALLER_IP) -> $NS_GW ($IF_GW1, $IF_GW2) -> $NS_CALLEE ($CALLEE_IP)"

net_bg "$NS_CALLEE" "$OUT/sipp-uas.log" sipp -sn uas -i "$CALLEE_IP" -p "$SIP_PORT" -nostdin

if command -v tshark >/dev/null; then
	net_bg "$NS_GW" "$OUT/tshark.log" tshark -n -i "$IF_GW1" -f udp -w "$OUT/g1.pcap"
	TSHARK_PID=$NET_LAST_PID
	wait_for_line "$OUT/tshark.log" "Capture started|Capturing on" 10 "$TSHARK_PID"
fi

ip netns exec "$NS_GW" "$SIPXDP" -i "$IF_GW1" -i "$IF_GW2" --show \
	--textfile "$OUT/sipxdp.prom" --calls-json "$OUT/calls.json" --interval "$INTERVAL" \
	>"$OUT/show.txt" 2>"$OUT/agent.log" </dev/null &
AGENT_PID=$!
NET_PIDS+=("$AGENT_PID")
# The tables to the terminal as they come; tail ends soon after the agent.
tail -n +1 -f --pid="$AGENT_PID" "$OUT/show.txt" &
TAIL_PID=$!
NET_PIDS+=("$TAIL_PID")
if ! wait_for_line "$OUT/agent.log" attached 5 "$AGENT_PID"; then
	echo "demo: the agent did not attach:" >&2
	cat "$OUT/agent.log" >&2
	exit 1
fi

echo "== placing $CALLS calls, 1/s, at most 2 at a time (about $((CALLS * 5 + 5)) s)"
cd "$OUT/sipp" || exit 1
net_bg "$NS_CALLER" "$OUT/sipp-uac.log" timeout 60 sipp -sn uac_pcap "$CALLEE_IP:$SIP_PORT" \
	-i "$CALLER_IP" -p "$SIP_PORT" -m "$CALLS" -l 2 -r 1 -nostdin -trace_err -timeout 50s
wait "$NET_LAST_PID"
UAC_RC=$?
cd / || exit 1
echo "== sipp finished (exit $UAC_RC: $([ "$UAC_RC" -eq 0 ] && echo all calls successful || echo see sipp-uac.log))"

# One more table, so the last BYE is in it and in the files.
sleep "$INTERVAL"
sleep 0.5
net_stop "$AGENT_PID" TERM 10
AGENT_RC=$NET_STOP_RC
net_stop "$TAIL_PID" 0 3	# signal 0: let it print the last table and leave
echo "== agent exited with status $AGENT_RC"
[ -n "${TSHARK_PID:-}" ] && net_stop "$TSHARK_PID" INT 10

echo "== call records ($OUT/calls.json)"
if [ -s "$OUT/calls.json" ]; then
	if command -v jq >/dev/null; then
		jq . "$OUT/calls.json"
	else
		cat "$OUT/calls.json"
	fi
else
	echo "(none)"
fi

echo "== last metrics ($OUT/sipxdp.prom)"
if [ -s "$OUT/sipxdp.prom" ]; then
	grep -v '^#' "$OUT/sipxdp.prom"
else
	echo "(none)"
fi

net_cleanup
echo "== network removed; output kept in $OUT"
