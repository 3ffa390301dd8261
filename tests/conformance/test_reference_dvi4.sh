#!/usr/bin/env bash
# The reference case: sip-rtp-dvi4.pcap through `sipxdp --read` (the XDP
# program itself, run by BPF_PROG_TEST_RUN) against tshark's RTP analysis.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
SIPXDP=${SIPXDP:-build/sipxdp}
DATA=${DATA:-../shared/data}
CAP=$DATA/wireshark/sip-rtp-dvi4.pcap
# shellcheck source=tests/prog/lib.sh
. tests/prog/lib.sh

need_root
[ -f "$CAP" ] || skip "$CAP absent"
need_tools tshark jq promtool

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$SIPXDP" --read "$CAP" --calls-json "$out/calls.json" --textfile "$out/m.prom" 2>"$out/err"
check "sipxdp --read exits 0" test $? -eq 0
tshark -r "$CAP" -q -z rtp,streams > "$out/tshark.txt" 2>/dev/null

# Jitter within 0.002 ms of tshark's printed figures (which have 3 decimals).
check "streams agree with tshark" /usr/bin/python3 tests/net/compare_tshark.py \
	--tshark "$out/tshark.txt" --calls-json "$out/calls.json" \
	--jitter-tol 0.002 --delta-tol 0.002 --min-completed 2

q() { jq -r -s "$1" "$out/calls.json"; }
check "2 calls" test "$(q 'length')" = 2
check "both completed with 200" test "$(q '[.[] | select(.state == "completed" and .final_status == 200)] | length')" = 2
check "one stream per call" test "$(q '[.[].streams | length] | join(",")')" = "1,1"
want='10.0.2.15:30490 10.0.2.20:6000 0x043dab09 DVI4/8000 425 0
10.0.2.15:25146 10.0.2.20:6000 0x043ffba2 DVI4/16000 425 0'
got=$(q '.[] | .streams[] | "\(.src) \(.dst) \(.ssrc) \(.codec) \(.packets) \(.lost)"' | sort -r)
check "streams: $got" test "$got" = "$want"
# The 5-byte TEST probes (frames 3, 436) reach the port before its SDP is known;
# the 4-byte datagrams after each call (431, 864) hit a known endpoint: non-RTP.
check "probes in no stream" test "$(q '[.[].streams[].packets] | add')" = 850
check "non-RTP on media port counted" grep -qx 'sipxdp_xdp_non_rtp_media_packets_total 2' "$out/m.prom"
check "RTP packets counted" grep -qx 'sipxdp_rtp_packets_total 850' "$out/m.prom"
check "calls_total completed" test "$(tests/tools/promsum "$out/m.prom" 'sipxdp_calls_total{result="completed"}')" = 2
check "promtool check metrics" promtool check metrics < "$out/m.prom"

summary "conformance dvi4"
