#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_impairment.sh - loss, duplication and reordering the agent must count
# exactly.
#
# This kernel has no netem, so the impairment is edited into a recording
# instead of applied by a qdisc, which also makes it exact:
#  1. a live call: sipp uac_pcap (G.711 A-law from g711a.pcap: 236 packets,
#     seq 59133-59368, then RFC 2833 DTMF) from the caller namespace through
#     the gateway to sipp's UAS, recorded with tshark on the gateway's g1;
#  2. impair/impair_rtp.py removes, copies and holds back chosen packets of
#     the G.711 stream (index 0 = its first packet) and writes what a
#     receiver must then report (figures from the definitions over the new
#     packet order, not from the agent's code):
#       dropped     10, 11, 12 (a burst) and 100                     -> 4
#       duplicated  50 (1 ms after itself) and 120 (1 ms after 123)  -> 2
#       delayed     150 after 151 (a swap), 180 after 185, and 130
#                   after 200 (70 behind, beyond a 64-packet window) -> 3
#     so, of 236 sent: packets 234, lost 4 - 2 = 2 (RFC 3550 A.3:
#     duplicates count as received), duplicates 2, out_of_order 3;
#  3. the edited capture is sent at its own speed with tcpreplay from a tx
#     namespace into a veth whose far end, in an rx namespace, has the agent
#     (native XDP) and tshark;
#  4. checks: every frame and the edited order of sequence numbers arrived;
#     the agent's G.711 stream has the expected packets, lost, duplicates
#     and out_of_order; every stream (G.711 and the untouched DTMF one)
#     matches tshark on the rx capture as in test_e2e_sipp.sh (packets and
#     lost equal, jitter and max delta within the live tolerance of lib.sh), and
#     tshark agrees with the expected packets and lost.
#
# Environment: SIPXDP (agent, default build/sipxdp), JITTER_TOL, DELTA_TOL
# (ms), KEEP=1 keeps the work directory.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root, tools
# missing).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
JITTER_TOL=$LIVE_JITTER_TOL	# lib.sh says why
DELTA_TOL=$LIVE_DELTA_TOL
SIP_PORT=5060
MEDIA_DST="$CALLEE_IP:6000"	# sipp's UAS answers with media here
G711_PT=8
DROP=10,11,12,100
DUP=50:50,120:123
DELAY=150:151,180:185,130:200

need_root
need_tools ip sipp tshark tcpreplay capinfos timeout /usr/bin/python3
[ -r /usr/share/sip-tester/g711a.pcap ] || skip "sipp's g711a.pcap not installed (sip-tester)"
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || skip "python3-scapy not installed"

need_agent

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
net_keep_on_failure "$DIR"

# ---- 1. record a live call --------------------------------------------------

net_setup || { fail "build the three-namespace network"; summary; exit 1; }
sipp_media_dir "$DIR" || exit 1

net_bg "$NS_CALLEE" "$DIR/uas.log" \
	sipp -sn uas -i "$CALLEE_IP" -p "$SIP_PORT" -nostdin
net_tshark "$NS_GW" "$IF_GW1" "$DIR/call.pcap" "$DIR/record.log" udp
REC_PID=$TSHARK_PID

sipp_uac_pcap "$DIR" 1
check "sipp placed 1 successful call (exit $UAC_RC)" test "$UAC_RC" -eq 0
sleep 0.5
net_stop "$REC_PID" INT 10

# ---- 2. impair it -----------------------------------------------------------

impair()
{
	/usr/bin/python3 "$HERE/impair/impair_rtp.py" --in "$DIR/call.pcap" \
		--out "$DIR/impaired.pcap" --expect "$DIR/expect.json" \
		--dst "$MEDIA_DST" --pt "$G711_PT" --drop "$DROP" --dup "$DUP" --delay "$DELAY"
}
check "recorded G.711 stream is complete and in order; impairments applied" impair

# Fields of expect.json, for the checks below.
expect()
{
	/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$DIR/expect.json" "$1" 2>/dev/null
}
EXP_SSRC=$(expect ssrc)
EXP_PACKETS=$(expect packets)
EXP_LOST=$(expect lost)
# The counts the impairments were designed to give: the script's figures,
# derived from the definitions, must agree with them.
check "expected G.711 figures are packets 234 lost 2 duplicates 2 out_of_order 3" \
	test "$EXP_PACKETS/$EXP_LOST/$(expect duplicates)/$(expect out_of_order)" = 234/2/2/3

# ---- 3. replay into the agent -----------------------------------------------

net_setup_txrx || { fail "build the tx/rx namespaces"; summary; exit 1; }

net_tshark "$NS_RX" "$IF_RX" "$DIR/received.pcap" "$DIR/tshark.log"

net_agent_start "$NS_RX" "$DIR" attached -i "$IF_RX" --sip-port "$SIP_PORT" \
	--calls-json "$DIR/calls.json" --textfile "$DIR/sipxdp.prom" --interval 1
check "agent attached to $IF_RX" xdp_attached "$NS_RX" "$IF_RX"

NFRAMES=$(frames_in "$DIR/impaired.pcap")
in_ns "$NS_TX" tcpreplay -i "$IF_TX" "$DIR/impaired.pcap" >"$DIR/tcpreplay.log" 2>&1
SENT=$(awk '/Successful packets:/ {print $3}' "$DIR/tcpreplay.log")
check "tcpreplay sent all ${NFRAMES:-?} frames (${SENT:-?})" test "${SENT:-0}" -eq "${NFRAMES:--1}"

sleep 1
net_stop "$TSHARK_PID" INT 10
net_stop "$AGENT_PID" TERM 10
check "agent exits 0 on SIGTERM (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0
touch "$DIR/calls.json"

# ---- 4. compare -------------------------------------------------------------

GOT=$(frames_in "$DIR/received.pcap")
check "$IF_RX received all ${NFRAMES:-?} frames (${GOT:-?})" test "${GOT:-0}" -eq "${NFRAMES:--1}"

received_order()
{
	local want got

	want=$(expect order | tr -d '[] ')
	got=$(tshark -n -r "$DIR/received.pcap" -Y "rtp.ssrc == $EXP_SSRC" -T fields -e rtp.seq \
		2>/dev/null | paste -sd,)
	[ "$got" = "$want" ] || { echo "    received order $got"; echo "    sent order     $want"; return 1; }
}
check "$IF_RX received the G.711 packets in the edited order" received_order

# agent_stream_is - the agent's record of the G.711 stream has the expected
# packets, lost, duplicates and out_of_order.
agent_stream_is()
{
	/usr/bin/python3 - "$DIR/calls.json" "$DIR/expect.json" <<'EOF'
import json, sys
exp = json.load(open(sys.argv[2]))
streams = [st for line in open(sys.argv[1]) if line.strip()
           for st in json.loads(line).get("streams") or []
           if st.get("ssrc") == exp["ssrc"] and st.get("dst") == exp["dst"]]
if len(streams) != 1:
    print(f"    {len(streams)} agent streams with ssrc {exp['ssrc']} to {exp['dst']}, want 1")
    sys.exit(1)
st, bad = streams[0], 0
for f in ("packets", "lost", "duplicates", "out_of_order"):
    ok = st.get(f) == exp[f]
    bad += not ok
    print(f"    {'ok' if ok else 'MISMATCH'} {f}: agent {st.get(f)}, expected {exp[f]}")
sys.exit(1 if bad else 0)
EOF
}
check "agent's G.711 stream: packets, lost, duplicates, out_of_order as injected" agent_stream_is

tshark -n -r "$DIR/received.pcap" -q -z rtp,streams >"$DIR/streams.txt" 2>/dev/null
tshark_stream_is()
{
	local row

	row=$(grep -i " $EXP_SSRC " "$DIR/streams.txt")
	echo "    tshark: $row"
	# ... Packets Lost (x%) then six timing columns.
	[ "$(echo "$row" | awk '{n = NF; if ($n == "X") n--; print $(n - 8), $(n - 7)}')" = "$EXP_PACKETS $EXP_LOST" ]
}
check "tshark on the rx capture: G.711 packets $EXP_PACKETS lost $EXP_LOST" tshark_stream_is

# compare JITTER_TOL DELTA_TOL - every stream tshark lists against the agent's.
compare()
{
	/usr/bin/python3 "$HERE/compare_tshark.py" --tshark "$DIR/streams.txt" \
		--calls-json "$DIR/calls.json" --jitter-tol "$1" --delta-tol "$2" |
		sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}
check "every agent stream has tshark's packets and lost (rx capture)" compare inf inf
check "every agent stream has tshark's jitter (${JITTER_TOL} ms) and max delta (${DELTA_TOL} ms)" \
	compare "$JITTER_TOL" "$DELTA_TOL"

summary
