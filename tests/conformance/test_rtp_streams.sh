#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_rtp_streams.sh - every capture in ../shared/data with SIP-signalled RTP
# through `sipxdp --read`, each stream compared with `tshark -z rtp,streams`:
# packets and lost exactly; mean jitter, max jitter and max delta within 1 %
# or 0.01 ms, whichever is larger.  A stream that differs fails the tier
# with both rows printed.
set -uo pipefail
cd "$(dirname "$0")/../.."
SIPXDP=${SIPXDP:-build/sipxdp}
DATA=${DATA:-../shared/data}

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for BPF_PROG_TEST_RUN"; exit 77; }
[ -d "$DATA" ] || { echo "SKIP: $DATA absent"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: tshark missing (make deps)"; exit 77; }

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
pass=0 fail=0 n=0
while IFS= read -r cap; do
	rel=${cap#"$DATA"/}
	tshark -r "$cap" -q -z rtp,streams >"$out/tshark.txt" 2>/dev/null
	# Rows of the table: lines with an SSRC column.
	grep -qE ' 0x[0-9A-Fa-f]{8} ' "$out/tshark.txt" || continue
	tshark -r "$cap" -Y sip -T fields -e sip.Method 2>/dev/null | grep -q INVITE || continue
	if [ -n "${UNSUPPORTED[$rel]:-}" ]; then
		echo "-- $rel: not compared: ${UNSUPPORTED[$rel]}"
		continue
	fi
	n=$((n + 1))
	ports=$(tshark -r "$cap" -Y sip -T fields -e udp.srcport -e udp.dstport -e tcp.srcport \
		-e tcp.dstport 2>/dev/null | tr '\t,' '\n\n' | grep -E '^[0-9]+$' | sort | uniq -c |
		sort -rn | awk '$1 >= 2 || NR <= 4 {print $2}' | head -16)
	args=()
	for p in $ports; do args+=(--sip-port "$p"); done
	rm -f "$out/calls.json"
	if ! "$SIPXDP" --read "$cap" --calls-json "$out/calls.json" "${args[@]}" 2>"$out/err"; then
		echo "FAIL $rel: sipxdp exited non-zero"; cat "$out/err"
		fail=$((fail + 1))
		continue
	fi
	touch "$out/calls.json"
	# The media endpoints SIP announced: streams signalled otherwise (MGCP, H.248) are not ours.
	tshark -r "$cap" -Y 'sip && sdp' -T fields -E occurrence=a -E aggregator=' ' \
		-e sdp.connection_info.address -e sdp.media.port 2>/dev/null |
		awk -F'\t' '{na = split($1, a, " "); np = split($2, p, " ");
			for (i = 1; i <= na; i++) for (j = 1; j <= np; j++) print a[i], p[j]}' \
		>"$out/endpoints"
	if /usr/bin/python3 tests/net/compare_tshark.py --tshark "$out/tshark.txt" \
		--calls-json "$out/calls.json" --jitter-tol 0.01 --delta-tol 0.01 --rel-tol 0.01 \
		--sip-endpoints "$out/endpoints" >"$out/cmp"; then
		pass=$((pass + 1))
		echo "ok $rel: $(grep -c '^ok' "$out/cmp") streams"
	else
		fail=$((fail + 1))
		echo "FAIL $rel:"
		grep -v '^ok' "$out/cmp" | sed 's/^/    /'
	fi
done < <(find "$DATA" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort)

[ $n -gt 0 ] || { echo "FAIL: no capture with SIP-signalled RTP under $DATA"; fail=$((fail + 1)); }
echo "conformance rtp: $pass passed, $fail failed"
[ $fail -eq 0 ]
