#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_signaling.sh - every capture in ../shared/data that holds SIP calls
# (SIP over UDP and TCP, IPv4 and IPv6, IP fragments, compact headers, odd
# ports): every call tshark sees must be reported by `sipxdp --read` with
# the same Call-ID and final status.  The SIP ports are those tshark found
# SIP on, given as --sip-port, as an operator configures them.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
SIPXDP=${SIPXDP:-build/sipxdp}
DATA=${DATA:-../shared/data}
# shellcheck source=tests/prog/lib.sh
. tests/prog/lib.sh
# shellcheck source=tests/conformance/lib.sh
. tests/conformance/lib.sh

need_root
[ -d "$DATA" ] || skip "$DATA absent"
need_tools tshark

# Encapsulations sipxdp does not parse (yet): reported, not compared.
declare -A UNSUPPORTED=(
	[heplify/erspan_sip_ipv4_udp.pcapng]="SIP inside ERSPAN (GRE) tunnels"
	[heplify/ipip0.pcap]="SIP inside IP-in-IP tunnels"
	[heplify/sip_sctp.pcap]="SIP over SCTP"
	[heplify/sip_tcp_websocket.pcap]="SIP over WebSocket"
	[sipp-scenarios/wireshark-notes/websocket-sip.pcapng]="SIP over WebSocket"
	# Deliberately malformed: "Content-Length: bad".  RFC 3261 makes that
	# message unparsable; sipxdp rejects and counts it, tshark decodes it.
	[zeek/invalid-content-length.pcap]="invalid Content-Length, rejected and counted by design"
)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
n=0
# one CAP REL DIR - a capture's calls against tshark's (each_capture).
one()
{
	local cap=$1 rel=$2 d=$3

	tshark -r "$cap" -Y sip -T fields -E separator=/t -E occurrence=f \
		-e sip.Call-ID -e sip.Method -e sip.Status-Code -e sip.CSeq.method \
		>"$d/fields" 2>/dev/null
	awk -F'\t' '$2 == "INVITE"' "$d/fields" | grep -q . || return 0
	unsupported "$rel" && return 0
	n=$((n + 1))
	read_capture "$cap" "$rel" "$d" || { fail=$((fail + 1)); return 0; }
	if /usr/bin/python3 tests/conformance/calls_vs_tshark.py --tshark-fields "$d/fields" \
		--calls-json "$d/calls.json" >"$d/cmp"; then
		pass=$((pass + 1))
		echo "ok $rel: $(tail -1 "$d/cmp") (ports $SIP_PORTS)"
	else
		fail=$((fail + 1))
		echo "FAIL $rel (ports $SIP_PORTS):"
		grep -v '^ok' "$d/cmp" | sed 's/^/    /'
	fi
}
each_capture one

[ $n -gt 0 ] || { echo "FAIL: no capture with SIP calls found under $DATA"; fail=$((fail + 1)); }
summary "conformance signaling"
