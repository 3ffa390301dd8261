#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_flood.sh - the agent keeps measuring real calls while strangers
# spend its budgets.  The three-namespace network of lib.sh, the agent on
# both gateway interfaces, sipp's UAS in the callee namespace; the floods
# come from sipflood (tests/tools/sipflood.c) in the caller namespace, at
# addresses inside the test network only.  Three runs, each with a real
# sipp call (G.711 then an RFC 4733 digit) checked against tshark:
#
#  1. 10,000 unanswered INVITEs at 3,000/s, six m= lines each, then the
#     call: its record has its streams, equal to tshark's; the endpoints
#     gauge is what the kernel map holds; offers beyond their share wait
#     parked; the refusals are a few log lines, not one per endpoint; under
#     pressure the fakes end after --pressure-setup-timeout, not 180 s.
#  2. A full table (--max-calls 2000) and 20,000 INVITEs at 15,000/s: the
#     evictions keep up (no event lost), the real call after them is
#     completed with its streams.
#  3. 70,000 junk RTP streams (own source port and SSRC, two packets each)
#     aimed at the call's media port while it runs: refused in the kernel
#     past the endpoint's budget of unpaired streams; the text file, the
#     record and the agent's memory stay small; the call's digit is there.
#  4. Call-IDs sharing their first 300 bytes stay apart (kept in part with a
#     digest), and a byte 0x01 is not the text \x01.
#  5. Two calls in a row on the same addresses, ports and SSRCs, the second
#     within the first's grace period: each call has its own packets.
#
# Exit: 0 all checks passed, 1 a check failed, 77 skipped.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
SIPFLOOD=${SIPFLOOD:-$(dirname "$SIPXDP")/sipflood}
SIP_PORT=5060
NOWHERE=10.10.2.99	# in the callee's subnet, nobody: the gateway forwards, nothing answers

need_root
need_tools ip sipp tshark bpftool jq timeout /usr/bin/python3
[ -r /usr/share/sip-tester/g711a.pcap ] || skip "sipp's g711a.pcap not installed (sip-tester)"
need_agent
[ -x "$SIPFLOOD" ] || { fail "flood tool $SIPFLOOD is not built (make build/sipflood)"; summary; exit 1; }

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
net_keep_on_failure "$DIR"
net_setup || { fail "build the three-namespace network"; summary; exit 1; }
sipp_media_dir "$DIR" || exit 1
net_bg "$NS_CALLEE" "$DIR/uas.log" sipp -sn uas -i "$CALLEE_IP" -p "$SIP_PORT" -nostdin

# metric FILE NAME: the value of an unlabelled series of the text file.
metric() { awk -v n="$2" '$1 == n {print $2}' "$1"; }

# The number of entries of one of the agent's maps, found through its fds.
agent_map_entries()	# agent_map_entries NAME
{
	local fd id

	for fd in /proc/"$AGENT_PID"/fdinfo/*; do
		id=$(awk '/^map_id:/ {print $2}' "$fd" 2>/dev/null)
		[ -n "$id" ] || continue
		[ "$(bpftool map show id "$id" -j | jq -r .name)" = "$1" ] || continue
		bpftool map dump id "$id" -j | jq length
		return
	done
	echo -1
}

# One real call in the background (its sipp pid in UAC_PID), into log L.
uac_bg()	# uac_bg LOG
{
	(cd "$DIR" && exec ip netns exec "$NS_CALLER" timeout 60 sipp -sn uac_pcap "$CALLEE_IP:$SIP_PORT" \
		-i "$CALLER_IP" -p "$SIP_PORT" -m 1 -l 1 -nostdin -trace_err -timeout 50s -timeout_error \
		>"$1" 2>&1 </dev/null) &
	UAC_PID=$!
	NET_PIDS+=("$UAC_PID")
}

# The real call's record (not a flood's: those have Call-IDs of sipflood).
real_call() { jq -c 'select(.call_id | startswith("flood") | not)' "$1"; }

# The real call's streams against tshark's on the capture of g1: packets
# and loss exactly, timing within the live tolerance (lib.sh says why).
streams_match()	# streams_match RUN
{
	real_call "$DIR/$1.json" >"$DIR/$1.real.json"
	tshark -n -r "$DIR/$1.pcap" -q -z rtp,streams >"$DIR/$1.streams" 2>/dev/null
	/usr/bin/python3 "$HERE/compare_tshark.py" --tshark "$DIR/$1.streams" --calls-json "$DIR/$1.real.json" \
		--jitter-tol "$LIVE_JITTER_TOL" --delta-tol "$LIVE_DELTA_TOL" --min-completed 1
}

digit_one() { real_call "$1" | jq -e '[.dtmf[].digit] == ["1"]' >/dev/null; }

start_run()	# start_run RUN CAPTURE_FILTER AGENT_ARGS...
{
	local run=$1 filter=$2

	shift 2
	net_tshark "$NS_GW" "$IF_GW1" "$DIR/$run.pcap" "$DIR/$run.tshark.log" "$filter"
	net_agent_start "$NS_GW" "$DIR" attached -i "$IF_GW1" -i "$IF_GW2" --textfile "$DIR/$run.prom" \
		--calls-json "$DIR/$run.json" --interval 1 "$@"
}

stop_run()
{
	net_stop "$TSHARK_PID" INT 10
	net_stop "$AGENT_PID" TERM 20
	check "agent exits 0 on SIGTERM (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0
	cp "$DIR/agent.err" "$DIR/$1.err"
}

# ---- 1. endpoints of 10,000 fake offers ------------------------------------

echo "=== offers"
start_run offers "udp and not dst host $NOWHERE" --pressure-setup-timeout 5
in_ns "$NS_CALLER" "$SIPFLOOD" invites --from "$CALLER_IP" --to "$NOWHERE:$SIP_PORT" \
	--count 10000 --rate 3000 --mlines 6 >"$DIR/flood1.log" 2>&1
check "sipflood sent 10,000 INVITEs ($(tail -1 "$DIR/flood1.log"))" grep -q ': 10000 sent' "$DIR/flood1.log"
sleep 1.2
ENDPOINTS_MAP=$(agent_map_entries endpoints)
check "sipxdp_media_endpoints is what the map holds ($ENDPOINTS_MAP)" \
	test "$(metric "$DIR/offers.prom" sipxdp_media_endpoints)" = "$ENDPOINTS_MAP"
check "the offers' endpoints in the map stay within their share (20000 of 80000)" \
	test "$(metric "$DIR/offers.prom" sipxdp_media_endpoints_offered)" -le 20000
check "the rest wait parked ($(metric "$DIR/offers.prom" sipxdp_media_endpoints_parked))" \
	test "$(metric "$DIR/offers.prom" sipxdp_media_endpoints_parked)" -gt 0
uac_bg "$DIR/uac1.log"
wait "$UAC_PID"
check "sipp's call through the flood succeeded (exit $?)" grep -q "Successful call.*1 " "$DIR/uac1.log"
sleep 8	# the fakes' 5 s under pressure, the call's grace, two intervals
check "the fakes ended under pressure, not after 180 s" \
	test "$("$REPO/tests/tools/promsum" "$DIR/offers.prom" 'sipxdp_calls_total{result="timed_out"}')" = 10000
check "no call left open" test "$(metric "$DIR/offers.prom" sipxdp_calls_active)" = 0
stop_run offers
check "the real call's streams equal tshark's" streams_match offers
check "the real call's digit is recorded" digit_one "$DIR/offers.json"
LINES=$(grep -c 'media endpoint' "$DIR/offers.err")
check "refusals logged once per interval, not per endpoint ($LINES lines)" test "$LINES" -le 20

# ---- 2. a full table under 15,000 INVITEs a second --------------------------

echo "=== eviction"
start_run evict "udp and not dst host $NOWHERE" --max-calls 2000
in_ns "$NS_CALLER" "$SIPFLOOD" invites --from "$CALLER_IP" --to "$NOWHERE:$SIP_PORT" \
	--count 20000 --rate 15000 --mlines 1 --tag flood >"$DIR/flood2.log" 2>&1
check "sipflood sent 20,000 INVITEs ($(tail -1 "$DIR/flood2.log"))" grep -q ': 20000 sent' "$DIR/flood2.log"
uac_bg "$DIR/uac2.log"
wait "$UAC_PID"
check "sipp's call after the flood succeeded" grep -q "Successful call.*1 " "$DIR/uac2.log"
sleep 3
check "no event lost while evicting ($(metric "$DIR/evict.prom" sipxdp_events_lost_total))" \
	test "$(metric "$DIR/evict.prom" sipxdp_events_lost_total)" = 0
EVICTED=$("$REPO/tests/tools/promsum" "$DIR/evict.prom" 'sipxdp_calls_total{result="evicted"}')
check "18,000 and more fakes evicted ($EVICTED)" test "$EVICTED" -ge 18000
stop_run evict
check "the real call after the flood has its streams, equal to tshark's" streams_match evict
check "eviction logged once" test "$(grep -c 'call table full' "$DIR/evict.err")" -eq 1

# ---- 3. 70,000 junk streams at the call's media port ------------------------

echo "=== inflation"
start_run inflate "udp and not src portrange 20000-65535"
uac_bg "$DIR/uac3.log"
sleep 1.5	# the call is up and its RTP flows
in_ns "$NS_CALLER" "$SIPFLOOD" rtp --from "$CALLER_IP" --to "$CALLEE_IP:6000" --count 70000 \
	--rate 40000 --packets 2 --sport 20000 >"$DIR/flood3.log" 2>&1
check "sipflood sent 140,000 junk packets ($(tail -1 "$DIR/flood3.log"))" grep -q ': 140000 sent' "$DIR/flood3.log"
RSS=$(awk '/^VmRSS/ {print $2}' /proc/"$AGENT_PID"/status)
wait "$UAC_PID"
check "sipp's call under the junk succeeded" grep -q "Successful call.*1 " "$DIR/uac3.log"
sleep 3.5
REFUSED=$(metric "$DIR/inflate.prom" sipxdp_xdp_stream_budget_refused_total)
check "the kernel refused the junk past the endpoint's budget ($REFUSED)" test "$REFUSED" -gt 60000
SIZE=$(stat -c %s "$DIR/inflate.prom")
check "the text file stays small ($SIZE bytes)" test "$SIZE" -lt 65536
check "the agent's memory stays small (VmRSS $RSS KiB)" test "$RSS" -lt 65536
stop_run inflate
RECORD=$(real_call "$DIR/inflate.json" | wc -c)
check "the call's record stays small ($RECORD bytes)" test "$RECORD" -lt 16384
check "the call's own streams equal tshark's" streams_match inflate
check "the call's digit is recorded (its DTMF stream found room)" digit_one "$DIR/inflate.json"

# ---- 4. Call-IDs that share a long prefix, or differ by their escaping ------

echo "=== identity"
start_run identity udp
LONG=$(printf 'x%.0s' $(seq 300))
in_ns "$NS_CALLER" "$SIPFLOOD" invites --from "$CALLER_IP" --to "$NOWHERE:$SIP_PORT" --count 5 --rate 100 \
	--mlines 1 --tag "$LONG" >/dev/null
in_ns "$NS_CALLER" "$SIPFLOOD" invites --from "$CALLER_IP" --to "$NOWHERE:$SIP_PORT" --count 1 --rate 100 \
	--mlines 1 --tag "$(printf 'a\001b')" >/dev/null
in_ns "$NS_CALLER" "$SIPFLOOD" invites --from "$CALLER_IP" --to "$NOWHERE:$SIP_PORT" --count 1 --rate 100 \
	--mlines 1 --tag 'a\x01b' >/dev/null
sleep 1.2
stop_run identity
check "seven calls, seven records (the open ones written at exit)" \
	test "$(jq -r .call_id "$DIR/identity.json" | sort -u | wc -l)" = 7
check "the long Call-IDs kept in part, with a digest of the whole, and marked" \
	test "$(jq -r 'select(.truncated == ["call_id"]) | .call_id' "$DIR/identity.json" |
		grep -cE '^x{237}\\#[0-9a-f]{16}$')" = 5
check "a byte 0x01 and the text \\x01 are two Call-IDs, printed apart" \
	test "$(jq -r '.call_id' "$DIR/identity.json" | grep -c '^a\\\\*x01b-0@')" = 2

# ---- 5. two calls on the same addresses, ports and SSRCs --------------------

# Two sipp runs back to back: the second call's INVITE comes within the
# first call's grace period, from the same ports with the same SSRCs (sipp
# plays the same pcaps).  tshark's rtp,streams merges them into one stream
# per SSRC; the oracle per call is the packets of each SSRC between the
# call's INVITE and the next one, in the capture of g1.
echo "=== told apart"
start_run apart udp
sipp_uac_pcap "$DIR" 1
U1=$UAC_RC
sipp_uac_pcap "$DIR" 1
check "two sipp calls succeeded (exit $U1, $UAC_RC)" test "$U1$UAC_RC" = 00
sleep 3
stop_run apart
check "the second call closed the first's streams ($(metric "$DIR/apart.prom" sipxdp_rtp_streams_closed_total))" \
	test "$(metric "$DIR/apart.prom" sipxdp_rtp_streams_closed_total)" = 2
mapfile -t STARTS < <(jq -r '.start' "$DIR/apart.json" | sort -n)
window_pkts()	# window_pkts SSRC FROM TO: RTP packets of SSRC in [FROM, TO)
{
	tshark -n -r "$DIR/apart.pcap" -Y "rtp.ssrc == $1 && frame.time_epoch >= $2 && frame.time_epoch < $3" \
		2>/dev/null | wc -l
}
apart_ok()
{
	local i start end ssrc got want

	[ "${#STARTS[@]}" -eq 2 ] || { echo "  ${#STARTS[@]} records"; return 1; }
	for i in 0 1; do
		start=${STARTS[$i]}
		end=${STARTS[$((i + 1))]:-$(awk -v s="$start" 'BEGIN {printf "%.6f", s + 3600}')}
		for ssrc in $(jq -r --argjson s "$start" 'select(.start == $s) | .streams[].ssrc' "$DIR/apart.json"); do
			got=$(jq -r --argjson s "$start" --arg x "$ssrc" \
				'select(.start == $s) | .streams[] | select(.ssrc == $x) | .packets' "$DIR/apart.json")
			want=$(window_pkts "$ssrc" "$start" "$end")
			echo "  call $i ssrc $ssrc: agent $got, capture $want"
			[ "$got" = "$want" ] || return 1
		done
	done
}
check "each call has its own packets, as the capture has them between its INVITE and the next" apart_ok

summary
