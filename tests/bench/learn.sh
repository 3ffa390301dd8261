#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# learn.sh - how long from a SIP packet entering XDP to the media endpoint
# of its SDP being in the kernel map (what decides whether RTP sent right
# after the SDP is counted from its first packet without the held-packet
# path).  The agent measures it itself (CLOCK_MONOTONIC against the XDP
# timestamp of the packet) and exports a summary; this sends INVITEs, each
# with a new media port, at a steady rate and prints the quantiles.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$REPO/tests/net/lib.sh"
SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
N=${N:-1000}
RATE=${RATE:-200}

need_root
[ -x "$SIPXDP" ] || { echo "learn.sh: build the agent first (make)"; exit 1; }
net_trap
net_mktemp || exit 1
# The tx -> rx pair of lib.sh, its ends named v0 and v1.
IF_TX=v0 IF_RX=v1 NSA=$NS_TX NSB=$NS_RX
net_setup_txrx 10.30.0.1 10.30.0.2 || exit 1

net_bg "$NSB" "$NET_TMP/agent.err" "$SIPXDP" -i v1 --textfile "$NET_TMP/m.prom" --interval 1
AGENT=$NET_LAST_PID
wait_for_line "$NET_TMP/agent.err" 'attached to v1' 5 "$AGENT" || { echo "agent did not attach"; exit 1; }
in_ns "$NSA" /usr/bin/python3 - "$N" "$RATE" <<'PY'
import socket, sys, time
n, rate = int(sys.argv[1]), float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    port = 20000 + 2 * (i % 20000)
    body = ("v=0\r\no=- 1 1 IN IP4 10.30.0.1\r\ns=-\r\nc=IN IP4 10.30.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\n" % port)
    m = ("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.30.0.1:5060;branch=z9hG4bK%d\r\n"
         "From: <sip:a@x>;tag=a\r\nTo: <sip:b@x>\r\nCall-ID: learn-%d\r\nCSeq: 1 INVITE\r\n"
         "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s") % (i, i, len(body), body)
    s.sendto(m.encode(), ("10.30.0.2", 5060))
    time.sleep(1 / rate)
PY
sleep 1.5
net_stop "$AGENT" TERM 10
awk -v n="$N" -v rate="$RATE" '
/^sipxdp_endpoint_learn_seconds\{quantile="0.5"\}/ { p50 = $2 }
/^sipxdp_endpoint_learn_seconds\{quantile="0.9"\}/ { p90 = $2 }
/^sipxdp_endpoint_learn_seconds\{quantile="0.99"\}/ { p99 = $2 }
/^sipxdp_endpoint_learn_seconds_count/ { c = $2 }
/^sipxdp_endpoint_learn_seconds_sum/ { sum = $2 }
END {
	printf "endpoint learning, SIP in XDP -> endpoint in the map (%d INVITEs at %d/s, newest 1024):\n", n, rate
	printf "  median %.1f us   p90 %.1f us   p99 %.1f us   mean %.1f us   samples %d\n",
		p50 * 1e6, p90 * 1e6, p99 * 1e6, c ? sum / c * 1e6 : 0, c
}' "$NET_TMP/m.prom"
