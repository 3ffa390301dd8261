#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_call_states.sh - every way a call can end, through the whole agent:
# a capture written by gen_calls.py (scapy) replayed with --read, which runs
# the XDP program through BPF_PROG_TEST_RUN, checked in the JSON records and
# the text file, with tshark as the oracle for the RTP figures.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
# shellcheck source=tests/prog/lib.sh
. "$HERE/lib.sh"

need_root
need_tools tshark jq promtool
need_scapy

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

/usr/bin/python3 "$HERE/gen_calls.py" "$out/calls.pcap" || { echo "FAIL: generate capture"; exit 1; }
"$SIPXDP" --read "$out/calls.pcap" --calls-json "$out/calls.json" --textfile "$out/m.prom" \
	--setup-timeout 5 --call-series 100 2>"$out/err"
check "sipxdp --read exits 0" test $? -eq 0

state() { jq -r --arg id "$1" 'select(.call_id == $id) | "\(.state) \(.final_status)"' "$out/calls.json"; }
check "486 -> failed"        test "$(state busy@test)" = "failed 486"
check "CANCEL/487 -> cancelled" test "$(state cancel@test)" = "cancelled 487"
check "BYE/200 -> completed" test "$(state lossy@test)" = "completed 200"
check "silence -> timed_out" test "$(state silent@test)" = "timed_out 0"
# The Call-ID open"quote\back@test is recorded with its backslash escaped
# (util.h: the printable form is injective), the record's JSON escaping on top.
check "no BYE -> active at exit" test "$(state 'open"quote\\back@test')" = "active 200"
check "timed_out ends when last heard" test \
	"$(jq -r 'select(.call_id == "silent@test") | .end == .start' "$out/calls.json")" = true
check "loss and duplicate counted" test \
	"$(jq -r 'select(.call_id == "lossy@test") | .streams[0] | "\(.packets) \(.lost) \(.duplicates) \(.codec)"' "$out/calls.json")" = "98 2 1 PCMU/8000"
check "setup time" test "$(jq -r 'select(.call_id == "lossy@test") | .setup_ms' "$out/calls.json")" = 10

tshark -r "$out/calls.pcap" -q -z rtp,streams >"$out/tshark.txt" 2>/dev/null
check "streams agree with tshark" /usr/bin/python3 "$REPO/tests/net/compare_tshark.py" \
	--tshark "$out/tshark.txt" --calls-json "$out/calls.json" --jitter-tol 0.002 --delta-tol 0.002

check "promtool check metrics" promtool check metrics <"$out/m.prom"
check "label values escaped" grep -qF 'call_id="open\"quote\\\\back@test"' "$out/m.prom"
for r in completed:1 busy:1 failed:0 cancelled:1 timed_out:1; do
	check "calls_total $r" test "$("$REPO/tests/tools/promsum" "$out/m.prom" "sipxdp_calls_total{result=\"${r%:*}\"}")" = "${r#*:}"
done
check "486 counted by method and status" grep -qx 'sipxdp_sip_messages_total{type="response",method="INVITE",status="486"} 1' "$out/m.prom"
check "CANCEL counted" grep -qx 'sipxdp_sip_messages_total{type="request",method="CANCEL"} 1' "$out/m.prom"

summary "call states"
