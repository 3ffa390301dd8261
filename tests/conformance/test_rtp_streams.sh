#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_rtp_streams.sh - every capture in ../shared/data with SIP-signalled RTP
# through `sipxdp --read`, each stream compared with `tshark -z rtp,streams`:
# packets and lost exactly; mean jitter, max jitter and max delta within 1 %
# or 0.01 ms, whichever is larger.  A stream that differs fails the tier
# with both rows printed.  Each capture is read again in one thread: the
# records must be the same bytes as those of the four-thread read.
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

# Captures whose RTP sipxdp cannot see, with the reason.
declare -A UNSUPPORTED=(
	[heplify/erspan_sip_ipv4_udp.pcapng]="RTP inside ERSPAN (GRE) tunnels"
	[heplify/ipip0.pcap]="RTP inside IP-in-IP tunnels"
	# The fax call re-INVITEs to T.38 on the media ports and is declined (488);
	# tshark then decodes 2010 RTP packets of the return stream as malformed
	# T.38 and leaves them out, which also shifts the forward stream's gaps.
	# sipxdp counts what is on the wire: RTP (3848 packets, same SSRC).
	[wireshark/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap]="tshark decodes part of the RTP as T.38 after a declined re-INVITE"
)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
n=0
# one CAP REL DIR - a capture's streams against tshark's (each_capture).
one()
{
	local cap=$1 rel=$2 d=$3

	tshark -r "$cap" -q -z rtp,streams >"$d/tshark.txt" 2>/dev/null
	# Rows of the table: lines with an SSRC column.
	grep -qE ' 0x[0-9A-Fa-f]{8} ' "$d/tshark.txt" || return 0
	tshark -r "$cap" -Y sip -T fields -e sip.Method 2>/dev/null | grep -q INVITE || return 0
	unsupported "$rel" && return 0
	n=$((n + 1))
	read_capture "$cap" "$rel" "$d" || { fail=$((fail + 1)); return 0; }
	sip_endpoints "$cap" >"$d/endpoints"
	if /usr/bin/python3 tests/net/compare_tshark.py --tshark "$d/tshark.txt" \
		--calls-json "$d/calls.json" --jitter-tol 0.01 --delta-tol 0.01 --rel-tol 0.01 \
		--sip-endpoints "$d/endpoints" >"$d/cmp"; then
		pass=$((pass + 1))
		echo "ok $rel: $(grep -c '^ok' "$d/cmp") streams"
		# The same records read in one thread, byte for byte.
		rm -f "$d/serial.json"
		"$SIPXDP" --read "$cap" --read-threads 1 --calls-json "$d/serial.json" "${SIP_PORT_ARGS[@]}" 2>/dev/null
		touch "$d/serial.json"
		if cmp -s "$d/calls.json" "$d/serial.json"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL $rel: the records of --read-threads 4 and 1 differ"
			diff <(jq -S . "$d/serial.json") <(jq -S . "$d/calls.json") | head -20 | sed 's/^/    /'
		fi
	else
		fail=$((fail + 1))
		echo "FAIL $rel:"
		grep -v '^ok' "$d/cmp" | sed 's/^/    /'
	fi
}
each_capture one

[ $n -gt 0 ] || { echo "FAIL: no capture with SIP-signalled RTP under $DATA"; fail=$((fail + 1)); }
summary "conformance rtp"
