#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_rfc4475_agent.sh - the RFC 4475 torture messages through the whole
# agent, offline, built with AddressSanitizer, UndefinedBehaviorSanitizer and
# LeakSanitizer.  The unit tier feeds them to user/sip.c alone; this feeds
# them to the XDP program (BPF_PROG_TEST_RUN), the event ring, reassembly,
# the call table and both writers, as a capture would.
#
# Three replays, each a capture written with scapy:
#   all    every .dat file as the payload of one UDP datagram to port 5060
#   valid  only the messages RFC 4475 3.1.1 calls valid
#   tcp    every file again, concatenated into one TCP stream to port 5060
#          (SYN first), cut into 1000-byte segments so messages straddle them
#
# Accounting over UDP: user/calls.c gives each datagram it is handed exactly
# one fate - sipxdp_sip_not_sip_total (sip_frame: not SIP at all),
# sipxdp_sip_parse_errors_total (sip_parse refused it) or one
# sipxdp_sip_messages_total series (parsed; responses with a status in
# 100-699) - so with every frame handed up (sipxdp_xdp_sip_packets_total = N,
# nothing lost or invalid on the way),
#     sum(sipxdp_sip_messages_total) + parse_errors + not_sip = N.
# The same sum over TCP must equal sipxdp_tcp_sip_messages_total, the
# messages the stream framer delivered.  The valid capture must give
# sum(messages) = 13 and no parse error: each file counts at most once, so
# the sum is 13 only if every one of them was counted.
#
# Skips (77) without root (BPF_PROG_TEST_RUN), without the data set, or
# without scapy, promtool or jq.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
RFC4475_DIR=${RFC4475_DIR:-${DATA:-$REPO/../shared/data}/rfc4475}
# Its own directory under the build tree: incremental, and `make clean` removes it.
ASAN_BUILD=${ASAN_BUILD:-$(dirname "$SIPXDP")/asan}
ASAN_CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
# shellcheck source=tests/prog/lib.sh
. "$HERE/lib.sh"
CHECK_PRINT_PASS=1

# RFC 4475 3.1.1, "Valid Messages": a parser must accept all of them.
VALID="wsinv intmeth esc01 escnull esc02 lwsdisp longreq dblreq semiuri transports mpart01 unreason noreason"

need_root
[ -d "$RFC4475_DIR" ] || skip "$RFC4475_DIR absent"
need_tools promtool jq make
need_scapy

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "building $ASAN_BUILD/sipxdp (ASan, UBSan, LSan)"
# A make of its own: flags of a calling make (make test CFLAGS=...) must not reach it.
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$REPO" BUILD="$ASAN_BUILD" CFLAGS="$ASAN_CFLAGS" "$ASAN_BUILD/sipxdp" >"$out/make.log" 2>&1; then
	cat "$out/make.log"
	echo "FAIL: sanitizer build"
	echo "rfc4475 agent: 0 passed, 1 failed"
	exit 1
fi
AGENT=$ASAN_BUILD/sipxdp

# gen MODE OUT.pcap FILE... - one capture; see the header for the modes.
gen() {
	/usr/bin/python3 - "$@" <<'EOF'
import sys
from scapy.all import Ether, IP, TCP, UDP, Raw, wrpcap

mode, path, files = sys.argv[1], sys.argv[2], sys.argv[3:]
msgs = [open(f, "rb").read() for f in files]
eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
A, B = "192.0.2.10", "192.0.2.20"
pkts = []
if mode == "udp":
    for i, m in enumerate(msgs):
        # Source ports differ so that nothing downstream can merge two datagrams.
        pkts.append(eth / IP(src=A, dst=B, id=i + 1) / UDP(sport=20000 + i, dport=5060) / Raw(m))
else:
    isn, seq = 1000, 1001
    pkts.append(eth / IP(src=A, dst=B) / TCP(sport=40000, dport=5060, flags="S", seq=isn))
    stream = b"".join(msgs)
    for off in range(0, len(stream), 1000):
        chunk = stream[off:off + 1000]
        pkts.append(eth / IP(src=A, dst=B) / TCP(sport=40000, dport=5060, flags="PA",
                                                   seq=seq, ack=1) / Raw(chunk))
        seq += len(chunk)
    pkts.append(eth / IP(src=A, dst=B) / TCP(sport=40000, dport=5060, flags="FA", seq=seq, ack=1))
for i, p in enumerate(pkts):
    p.time = 1700000000 + i * 0.01
wrpcap(path, pkts)
EOF
}

# metric FILE NAME - the value of an unlabelled sample (empty if absent).
metric() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }
# msgs FILE - sum of every sipxdp_sip_messages_total series.
msgs() { awk '$1 ~ /^sipxdp_sip_messages_total\{/ { s += $2 } END { print s + 0 }' "$1"; }

# replay NAME - run the sanitizer build over $out/NAME.pcap; RC in $rc.
replay() {
	local n=$1
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$AGENT" --read "$out/$n.pcap" --calls-json "$out/$n.json" --textfile "$out/$n.prom" \
		2>"$out/$n.err"
	rc=$?
}

no_sanitizer_report() {	# no_sanitizer_report ERRFILE
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer|Sanitizer has encountered' "$1"; then
		sed 's/^/    /' "$1" | head -60
		return 1
	fi
	return 0
}

eq() {	# eq WHAT GOT WANT - equality, with both figures on failure
	[ "$2" = "$3" ] && return 0
	echo "    $1: got '$2', want '$3'"
	return 1
}

common_checks() {	# common_checks NAME
	local n=$1
	check "$n: agent exits 0 (got $rc)" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || sed 's/^/    /' "$out/$n.err" | tail -30
	check "$n: no sanitizer report on stderr" no_sanitizer_report "$out/$n.err"
	check "$n: promtool check metrics" promtool check metrics <"$out/$n.prom"
	check "$n: call records are JSON lines" jq -e . "$out/$n.json" >/dev/null
	check "$n: no event lost or unreadable" eq "lost+bad+invalid" \
		"$(( $(metric "$out/$n.prom" sipxdp_events_lost_total) +
		     $(metric "$out/$n.prom" sipxdp_events_bad_total) +
		     $(metric "$out/$n.prom" sipxdp_sip_events_invalid_total) ))" 0
}

mapfile -t all < <(ls "$RFC4475_DIR"/*.dat)
N=${#all[@]}
valid=()
for v in $VALID; do valid+=("$RFC4475_DIR/$v.dat"); done
NV=${#valid[@]}
t0=$SECONDS

# --- every message, one UDP datagram each ---------------------------------
gen udp "$out/all.pcap" "${all[@]}" || { echo "FAIL: generate capture"; exit 1; }
: >"$out/all.json"
replay all
common_checks all
P=$out/all.prom
check "all: $N frames handed up as SIP" eq sip_packets "$(metric "$P" sipxdp_xdp_sip_packets_total)" "$N"
check "all: no frame malformed" eq malformed "$(metric "$P" sipxdp_xdp_malformed_packets_total)" 0
m=$(msgs "$P") pe=$(metric "$P" sipxdp_sip_parse_errors_total) ns=$(metric "$P" sipxdp_sip_not_sip_total)
echo "    all: $m messages + $pe parse errors + $ns not SIP, $N datagrams sent"
check "all: messages + parse_errors + not_sip = $N datagrams" eq sum "$((m + pe + ns))" "$N"

# --- the valid ones alone -------------------------------------------------
gen udp "$out/valid.pcap" "${valid[@]}" || { echo "FAIL: generate capture"; exit 1; }
: >"$out/valid.json"
replay valid
common_checks valid
check "valid: all $NV RFC 4475 3.1.1 messages counted" eq messages "$(msgs "$out/valid.prom")" "$NV"
check "valid: no parse error" eq parse_errors "$(metric "$out/valid.prom" sipxdp_sip_parse_errors_total)" 0
if [ "$(msgs "$out/valid.prom")" != "$NV" ]; then
	# Name the culprits: one replay per message (only on failure: each costs a BPF load).
	for v in $VALID; do
		gen udp "$out/one.pcap" "$RFC4475_DIR/$v.dat" && : >"$out/one.json" && replay one
		[ "$(msgs "$out/one.prom" 2>/dev/null)" = 1 ] ||
			echo "    $v.dat not counted as a message (parse errors $(metric "$out/one.prom" sipxdp_sip_parse_errors_total), not SIP $(metric "$out/one.prom" sipxdp_sip_not_sip_total))"
	done
fi

# --- every message again, as one TCP stream -------------------------------
gen tcp "$out/tcp.pcap" "${all[@]}" || { echo "FAIL: generate capture"; exit 1; }
: >"$out/tcp.json"
replay tcp
common_checks tcp
P=$out/tcp.prom
segs=$(/usr/bin/python3 -c 'import sys; from scapy.all import rdpcap; print(len(rdpcap(sys.argv[1])))' "$out/tcp.pcap")
check "tcp: $segs segments handed up" eq sip_tcp_segments "$(metric "$P" sipxdp_xdp_sip_tcp_segments_total)" "$segs"
tm=$(metric "$P" sipxdp_tcp_sip_messages_total)
m=$(msgs "$P") pe=$(metric "$P" sipxdp_sip_parse_errors_total) ns=$(metric "$P" sipxdp_sip_not_sip_total)
echo "    tcp: framer delivered $tm messages; $m counted + $pe parse errors + $ns not SIP"
check "tcp: framer delivered at least one message, at most $N" test "${tm:-0}" -ge 1 -a "${tm:-0}" -le "$N"
check "tcp: messages + parse_errors + not_sip = messages framed" eq sum "$((m + pe + ns))" "$tm"

echo "    replays took $((SECONDS - t0)) s"
summary "rfc4475 agent"
