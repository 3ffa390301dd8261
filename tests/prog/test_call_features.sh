#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_call_features.sh - call features through the whole agent, offline:
# re-INVITE with new media, hold, early media and post-dial delay, forked
# answers, SDP inside multipart bodies, a 407 challenge retried 40 s later,
# who hung up, and eviction from a full call table.  Captures are written
# by gen_features.py (scapy).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
# shellcheck source=tests/prog/lib.sh
. "$HERE/lib.sh"

need_root
need_tools jq
need_scapy

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# field CALL_ID JQ-EXPR: one value from that call's record
field() { jq -c --arg id "$1" "select(.call_id == \$id) | $2" "$out/calls.json"; }
is() { [ "$(field "$1" "$2")" = "$3" ] || { echo "  $1 $2 = $(field "$1" "$2"), want $3"; return 1; }; }

/usr/bin/python3 "$HERE/gen_features.py" features "$out/f.pcap" || { echo "FAIL: generate"; exit 1; }
"$SIPXDP" --read "$out/f.pcap" --calls-json "$out/calls.json" --textfile "$out/m.prom" 2>"$out/err"
check "sipxdp --read exits 0" test $? -eq 0

check "every call completed" is reinvite@test '.state' '"completed"'
check "re-INVITE counted" is reinvite@test '.reinvites' 1
check "media before and after the re-INVITE" is reinvite@test '[.streams[] | "\(.src) \(.packets)"] | sort' \
	'["192.0.2.10:30010 20","192.0.2.10:30012 20"]'
check "callee hung up" is reinvite@test '.hangup_by' '"callee"'
check "caller hung up" is early@test '.hangup_by' '"caller"'
check "sendonly re-INVITE puts the call on hold" is hold@test '.on_hold' true
check "not on hold otherwise" is early@test '.on_hold' false
check "post-dial delay from the 183" is early@test '.post_dial_delay_ms' 250
check "early media and media counted in one stream" is early@test '[.streams[].packets]' '[20]'
check "second fork's answer counted" is fork@test '.forked_answers' 1
check "post-dial delay from the first 180" is fork@test '.post_dial_delay_ms' 10
check "SDP read from the multipart body" is multipart@test '[.streams[] | "\(.src)>\(.dst) \(.codec)"]' \
	'["192.0.2.20:40050>192.0.2.10:30050 PCMA/8000"]'
check "407 then retry: one record, answered" is auth@test '"\(.state) \(.final_status)"' '"completed 200"'
check "retried call's RTP counted" is auth@test '[.streams[].packets]' '[25]'
check "one record per call" test "$(jq -s 'group_by(.call_id) | map(length) | max' "$out/calls.json")" = 1
check "INVITE retry counted" grep -qx 'sipxdp_invite_retries_total 1' "$out/m.prom"
check "late answer to the old transaction ignored, counted" \
	grep -qx 'sipxdp_sip_responses_unmatched_total 1' "$out/m.prom"

check "early media flagged" is early@test '.early_media' true
check "no early media otherwise" is reinvite@test '.early_media' false

# RTP analytics: RTCP, RFC 4733 digits, E-model, and RTP that beats its SDP.
/usr/bin/python3 "$HERE/gen_features.py" media "$out/m.pcap" || { echo "FAIL: generate"; exit 1; }
rm -f "$out/calls.json"
"$SIPXDP" --read "$out/m.pcap" --calls-json "$out/calls.json" --textfile "$out/m.prom" 2>"$out/err"
check "sipxdp --read (media) exits 0" test $? -eq 0
check "held packets claimed: every packet counted" is media@test '[.streams[] | "\(.packets) \(.lost)"]' '["60 0"]'
check "packets held, then claimed once" bash -c "grep -qx 'sipxdp_xdp_rtp_held_total 3' '$out/m.prom' &&
	grep -qx 'sipxdp_xdp_rtp_held_claimed_total 1' '$out/m.prom'"
check "DTMF digits, repeats of end packets counted once" is media@test '[.dtmf[] | "\(.digit) \(.duration_ms)"]' '["1 60","# 60"]'
check "RTCP receiver report read" is media@test \
	'.streams[0].rtcp | "\(.reports) \(.fraction_lost) \(.cumulative_lost) \(.jitter_ms)"' '"1 0.25 3 10"'
check "RTCP round trip: 50 ms between SR and RR less 30 ms held" \
	is media@test '.streams[0].rtcp.rtt_ms | . > 19.9 and . < 20.1' true
check "codec is the voice codec, not the last event's" is media@test '.streams[0].codec' '"PCMA/8000"'
check "E-model: G.711, no loss, short delay" is media@test '.streams[0] | "\(.r_factor) \(.mos)"' '"93.2 4.41"'

/usr/bin/python3 "$HERE/gen_features.py" evict "$out/e.pcap" || { echo "FAIL: generate"; exit 1; }
rm -f "$out/calls.json"
"$SIPXDP" --read "$out/e.pcap" --calls-json "$out/calls.json" --textfile "$out/m.prom" --max-calls 2 2>"$out/err"
check "sipxdp --read --max-calls 2 exits 0" test $? -eq 0
check "least recently active call evicted" is evict0@test '.state' '"evicted"'
check "the others still active" test "$(jq -r -s '[.[] | select(.state == "active")] | length' "$out/calls.json")" = 2
check "eviction counted" test "$("$REPO/tests/tools/promsum" "$out/m.prom" 'sipxdp_calls_total{result="evicted"}')" = 1
check "eviction logged once" test "$(grep -c 'call table full' "$out/err")" = 1

summary "call features"
