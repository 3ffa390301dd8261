#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_e2e_sipp.sh - the agent against real SIP/RTP peers, tshark as oracle.
#
# sipp places 3 calls (uac_pcap: G.711 from a pcap, then RFC 2833 DTMF) from
# the caller namespace to a sipp UAS in the callee namespace, through the
# gateway namespace where the agent watches g1 and g2 and tshark captures g1.
# All RTP flows caller -> callee, so capturing g1 alone sees each packet once,
# and sees SIP both ways.  Then:
#   - sipp reports every call successful and tshark saw RTP;
#   - the agent's metrics pass promtool and are exported by a real
#     node-exporter textfile collector;
#   - the agent exits 0 on SIGTERM and leaves no XDP program behind;
#   - every RTP stream tshark reports has one agent stream with the same
#     packets and loss, and jitter/delta within tolerance (compare_tshark.py);
#   - the RFC 4733 digit each call plays is recorded, live and offline
#     (--read of the same capture): the caller's SDP maps 101 to
#     telephone-event and the callee's answer offers PCMU only, so the
#     meaning of the digits' payload type comes from the sender's SDP.
#
# Environment: SIPXDP (agent binary, default build/sipxdp), JITTER_TOL and
# DELTA_TOL (ms; default the live tolerance of lib.sh, which says why), KEEP=1
# keeps the work directory.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
JITTER_TOL=$LIVE_JITTER_TOL	# lib.sh says why
DELTA_TOL=$LIVE_DELTA_TOL
NCALLS=3
SIP_PORT=5060
PROM_PORT=9100		# free: the gateway namespace is new

need_root
need_tools ip sipp tshark promtool prometheus-node-exporter curl bpftool timeout jq /usr/bin/python3
[ -r /usr/share/sip-tester/g711a.pcap ] || skip "sipp's g711a.pcap not installed (sip-tester)"

need_agent

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
net_keep_on_failure "$DIR"

# bpftool lists XDP attachments as "IFNAME(IFINDEX) driver id N" under "xdp:".
gw_bpftool_xdp()
{
	in_ns "$NS_GW" bpftool net show | sed -n '/^xdp:/,/^$/p' | grep -Eq "^($IF_GW1|$IF_GW2)\("
}

# The agent's own maps, found through its file descriptors (fdinfo map_id).
kernel_maps_empty()
{
	local fd id name n

	KERNEL_MAPS_SEEN=0
	for fd in /proc/"$AGENT_PID"/fdinfo/*; do
		id=$(awk '/^map_id:/ {print $2}' "$fd" 2>/dev/null)
		[ -n "$id" ] || continue
		name=$(bpftool map show id "$id" -j | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("name",""))')
		case $name in endpoints|streams) ;; *) continue ;; esac
		n=$(bpftool map dump id "$id" -j | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
		[ "$n" -eq 0 ] || { echo "map $name ($id) has $n entries"; return 1; }
		KERNEL_MAPS_SEEN=$((KERNEL_MAPS_SEEN + 1))
	done
	[ "$KERNEL_MAPS_SEEN" -eq 2 ]
}

promtool_check()
{
	promtool check metrics <"$1"
}

net_setup || { fail "build the three-namespace network"; summary; exit 1; }
sipp_media_dir "$DIR" || exit 1

# Callee: sipp's built-in UAS answers with media on 10.10.2.2:6000.
net_bg "$NS_CALLEE" "$DIR/uas.log" \
	sipp -sn uas -i "$CALLEE_IP" -p "$SIP_PORT" -nostdin

# Oracle capture.
net_tshark "$NS_GW" "$IF_GW1" "$DIR/cap.pcap" "$DIR/tshark.log" udp

net_agent_start "$NS_GW" "$DIR" attached -i "$IF_GW1" -i "$IF_GW2" \
	--textfile "$DIR/sipxdp.prom" --calls-json "$DIR/calls.json" --interval 1
check "agent is running" kill -0 "$AGENT_PID"
check "XDP program on $IF_GW1 and $IF_GW2 while running" gw_xdp_on_both

net_bg "$NS_GW" "$DIR/node-exporter.log" \
	prometheus-node-exporter --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$DIR" --web.listen-address="127.0.0.1:$PROM_PORT"

# Caller: G.711 then DTMF, from the pcaps in DIR.
sipp_uac_pcap "$DIR" "$NCALLS"
check "sipp placed $NCALLS successful calls (exit $UAC_RC)" test "$UAC_RC" -eq 0

# Two intervals, so the textfile and calls JSON cover the last BYE.
sleep 2.2

check "promtool check metrics" promtool_check "$DIR/sipxdp.prom"

scrape()
{
	local i

	for ((i = 0; i < 50; i++)); do
		in_ns "$NS_GW" curl -sf "http://127.0.0.1:$PROM_PORT/metrics" >"$DIR/scrape.txt" &&
			return 0
		sleep 0.1
	done
	return 1
}
check "node-exporter serves /metrics" scrape
check "node-exporter exports sipxdp_calls_total" grep -q '^sipxdp_calls_total' "$DIR/scrape.txt"
grep '^sipxdp_calls_total' "$DIR/scrape.txt"
check "no textfile scrape error" not grep -q '^node_textfile_scrape_error 1' "$DIR/scrape.txt"

# No map entry outlives its call for long: once the calls are over and the
# grace period (2 s) has passed, the running agent holds no endpoint, no
# stream and no call, and has written each call's record already.
released()
{
	grep -qx 'sipxdp_media_endpoints 0' "$DIR/sipxdp.prom" &&
		grep -qx 'sipxdp_rtp_streams 0' "$DIR/sipxdp.prom" &&
		grep -qx 'sipxdp_calls_active 0' "$DIR/sipxdp.prom"
}
wait_released()
{
	local i

	for ((i = 0; i < 60; i++)); do
		released && return 0
		sleep 0.1
	done
	grep -E '^sipxdp_(media_endpoints|rtp_streams|calls_active) ' "$DIR/sipxdp.prom"
	return 1
}
check "endpoints, streams and calls released after the grace period" wait_released
check "kernel endpoint and stream maps empty" kernel_maps_empty
check "$NCALLS records written before exit" test "$(wc -l <"$DIR/calls.json")" -eq "$NCALLS"

net_stop "$TSHARK_PID" INT 10
net_stop "$AGENT_PID" TERM 10
check "agent exits 0 on SIGTERM (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0

check "no XDP program on $IF_GW1/$IF_GW2 after exit (ip link)" gw_xdp_on_neither
check "no XDP program on $IF_GW1/$IF_GW2 after exit (bpftool net)" not gw_bpftool_xdp

tshark -n -r "$DIR/cap.pcap" -q -z rtp,streams >"$DIR/streams.txt" 2>"$DIR/tshark-read.err"
RTP_PKTS=$(tshark -n -r "$DIR/cap.pcap" -Y rtp 2>/dev/null | wc -l)
check "tshark sees RTP on $IF_GW1 ($RTP_PKTS packets)" test "$RTP_PKTS" -gt 0

check "agent streams match tshark" /usr/bin/python3 "$HERE/compare_tshark.py" \
	--tshark "$DIR/streams.txt" --calls-json "$DIR/calls.json" \
	--jitter-tol "$JITTER_TOL" --delta-tol "$DELTA_TOL"
check ">= $NCALLS calls completed with 200" /usr/bin/python3 "$HERE/compare_tshark.py" \
	--calls-json "$DIR/calls.json" --min-completed "$NCALLS"

# DTMF: sipp's uac_pcap plays digit 1 after the voice, ending it with three
# end packets (E bit) of duration 2240 (280 ms at 8 kHz).
digit_recorded()	# digit_recorded CALLS_JSON: every call has exactly [1 280]
{
	jq -e -s --argjson n "$NCALLS" \
		'length == $n and all(.[]; [.dtmf[] | "\(.digit) \(.duration_ms)"] == ["1 280"])' "$1" >/dev/null ||
		{ jq -c '.dtmf' "$1"; return 1; }
}
DTMF_END=$(tshark -n -r "$DIR/cap.pcap" -Y 'rtpevent.end_of_event == 1' 2>/dev/null | wc -l)
check "tshark sees 3 DTMF end packets per call ($DTMF_END)" test "$DTMF_END" -eq $((3 * NCALLS))
check "each call's record has digit 1 of 280 ms" digit_recorded "$DIR/calls.json"
check "sipxdp_xdp_dtmf_events_total is tshark's $DTMF_END end packets" \
	grep -qx "sipxdp_xdp_dtmf_events_total $DTMF_END" "$DIR/sipxdp.prom"
check "sipxdp_dtmf_digits_total $NCALLS" grep -qx "sipxdp_dtmf_digits_total $NCALLS" "$DIR/sipxdp.prom"
"$SIPXDP" --read "$DIR/cap.pcap" --calls-json "$DIR/offline.json" --textfile "$DIR/offline.prom" \
	2>"$DIR/offline.err"
check "--read of the capture exits 0" test $? -eq 0
check "offline: each call's record has digit 1 of 280 ms" digit_recorded "$DIR/offline.json"

summary
