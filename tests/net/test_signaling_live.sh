#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_signaling_live.sh - the agent follows calls over the transports and
# outcomes a real gateway sees, with real sipp peers.
#
# Six sub-cases, each in its own three-namespace network (lib.sh: caller c0,
# gateway g1/g2, callee e0) with its own agent on g1 and g2:
#
#   tcp     SIP over TCP (sipp -t t1), RTP from uac_pcap: call completed with
#           200, its streams equal tshark's (compare_tshark.py), TCP SIP
#           messages counted.
#   frag    an INVITE of 5 KB over UDP, sent in 4 IP fragments on the
#           1500-byte link (tshark reassembles it): call completed, the
#           agent's fragment and reassembly counts equal tshark's.
#   ipv6    the call over IPv6 only (fd00:1::/64, fd00:2::/64), RTP from
#           uac_pcap (sipp plays the IPv4 pcap's UDP payloads over a raw
#           IPv6 socket): addresses in "[v6]:port" form, streams as tshark.
#   vlan    802.1Q tag 100 on every frame of the caller <-> gateway link
#           (tc BPF push/pop: this kernel has no VLAN devices, see below);
#           the agent on g1 sees the tag in the frame.
#   cancel  180, then CANCEL: 200 for the CANCEL, 487 for the INVITE; record
#           "cancelled", 487.
#   busy    486 Busy Here: record "failed", result "busy", 486; the
#           sipxdp_calls_total{result="busy"} counter.
#
# Every sub-case also checks that the agent exits 0 on SIGTERM and leaves no
# XDP program on g1 or g2.  sipp runs are bounded by timeout(1) and -m.
# Peers use sipp's built-in scenarios or the small ones in scenarios/; nothing
# depends on ../shared/data.
#
# Environment: SIPXDP (agent binary, default build/sipxdp), CASES (space
# separated sub-case names, default all), JITTER_TOL/DELTA_TOL (ms, as in
# test_e2e_sipp.sh), KEEP=1 keeps the work directory.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root, or a
# tool missing).

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
SCEN=$HERE/scenarios
JITTER_TOL=$LIVE_JITTER_TOL	# lib.sh says why
DELTA_TOL=$LIVE_DELTA_TOL
CASES=${CASES:-tcp frag ipv6 vlan cancel busy}
SIP_PORT=5060

need_root
need_tools ip sipp tshark timeout /usr/bin/python3
[ -r /usr/share/sip-tester/g711a.pcap ] || skip "sipp's g711a.pcap not installed (sip-tester)"

need_agent

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
START=$SECONDS
# One agent for every sub-case, even if the tree is rebuilt meanwhile.
cp "$SIPXDP" "$DIR/sipxdp" || exit 1
SIPXDP=$DIR/sipxdp

net_keep_on_failure "$DIR"

# A sub-case cleans up after itself (its subshell's EXIT trap); this catches
# its namespaces if the parent is stopped while the sub-case runs.
case_namespaces_cleanup()
{
	local ns pid

	for ns in $(ip netns list 2>/dev/null | awk -v s="-$NET_SUFFIX-" 'index($1, s) { print $1 }'); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
}
NET_CLEANUP_HOOKS+=(case_namespaces_cleanup)

# --- helpers for one sub-case ------------------------------------------

# calls_where FILE WANT PRED - exactly WANT records of FILE satisfy PRED, a
# Python expression over the record `c`.  Prints the records otherwise.
calls_where()
{
	/usr/bin/python3 - "$@" <<'EOF'
import json, sys
path, want, pred = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    calls = [json.loads(l) for l in open(path) if l.strip()]
except (OSError, ValueError) as e:
    print(f"  {path}: {e}")
    sys.exit(1)
n = sum(1 for c in calls if eval(pred, {}, {"c": c}))
if n != want:
    print(f"  {n} of {len(calls)} records satisfy {pred}, want {want}:")
    for c in calls:
        print("   ", json.dumps(c))
    sys.exit(1)
EOF
}

# metric FILE SERIES - the value of SERIES (name, or name{labels} exactly),
# summed over label sets when only a name is given.  Fails if absent.
metric()
{
	awk -v m="${2%\}}" '$1 == m || $1 == m "}" || index($1, m "{") == 1 || index($1, m ",") == 1 { s += $2; f = 1 }
		END { if (!f) exit 1; printf "%.0f\n", s }' "$1"
}

# metric_equals FILE SERIES VALUE - SERIES is present and equals VALUE.
metric_equals()
{
	local v

	v=$(metric "$1" "$2") || { echo "  $2 absent from $1"; return 1; }
	[ "$v" = "$3" ] && return 0
	echo "  $2 = $v, want $3"
	return 1
}

# metric_positive FILE SERIES - SERIES is present and > 0.
metric_positive()
{
	local v

	v=$(metric "$1" "$2") || { echo "  $2 absent from $1"; return 1; }
	[ "$v" -gt 0 ] && return 0
	echo "  $2 = $v"
	return 1
}

# agent_start - the agent on g1 and g2 of this sub-case's gateway.
agent_start()
{
	net_agent_start "$NS_GW" "$CDIR" "attached to $IF_GW2" -i "$IF_GW1" -i "$IF_GW2" \
		--textfile "$CDIR/sipxdp.prom" --calls-json "$CDIR/calls.json" \
		--interval 1 --grace 1 -v
	check "$CASE: agent attached to $IF_GW1 and $IF_GW2" \
		gw_xdp_on_both
}

# agent_finish NCALLS - wait (up to 6 s) for NCALLS records, then SIGTERM:
# exit 0, no XDP program left.  A call the agent never ended is written at
# exit as "active", so the state checks that follow report it.
agent_finish()
{
	local want=$1 i

	for ((i = 0; i < 60; i++)); do
		[ "$(wc -l <"$CDIR/calls.json" 2>/dev/null || echo 0)" -ge "$want" ] && break
		sleep 0.1
	done
	net_stop "$AGENT_PID" TERM 10
	check "$CASE: agent exits 0 on SIGTERM (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0
	check "$CASE: no XDP program on $IF_GW1/$IF_GW2 after exit" gw_xdp_on_neither
	check "$CASE: $want record(s) written" \
		test "$(wc -l <"$CDIR/calls.json" 2>/dev/null || echo 0)" -eq "$want"
}

# capture_start IF FILTER - tshark in the gateway namespace.
capture_start()
{
	net_tshark "$NS_GW" "$1" "$CDIR/cap.pcap" "$CDIR/tshark.log" "$2"
}

# dumpcap loses what is still in the ring buffer's open block when it is
# stopped at once: let it hand over the last packets first.
capture_stop()
{
	sleep 1
	net_stop "$TSHARK_PID" INT 10
}

# streams_match - every RTP stream tshark saw on g1 is one agent stream with
# the same figures.  All RTP flows caller -> callee, so g1 sees each packet
# once.
streams_match()
{
	local n

	tshark -n -r "$CDIR/cap.pcap" -q -z rtp,streams >"$CDIR/streams.txt" 2>"$CDIR/tshark-read.err"
	n=$(tshark -n -r "$CDIR/cap.pcap" -Y rtp 2>/dev/null | wc -l)
	check "$CASE: tshark sees RTP on $IF_GW1 ($n packets)" test "$n" -gt 0
	check "$CASE: agent streams match tshark" /usr/bin/python3 "$HERE/compare_tshark.py" \
		--tshark "$CDIR/streams.txt" --calls-json "$CDIR/calls.json" \
		--jitter-tol "$JITTER_TOL" --delta-tol "$DELTA_TOL"
}

# uas_start ARGS... - sipp UAS in the callee namespace, bounded.
uas_start()
{
	net_bg "$NS_CALLEE" "$CDIR/uas.log" timeout 40 sipp "$@" -p "$SIP_PORT" \
		-nostdin -m 1 -trace_err -error_file "$CDIR/uas_err.log"
	UAS_PID=$NET_LAST_PID
	# sipp binds before it prints anything; give it a moment.
	sleep 0.3
}

# uac_run ARGS... - sipp UAC in the caller namespace, from CDIR (uac_pcap
# plays pcap/ relative to it); waits, leaves the exit status in UAC_RC.
uac_run()
{
	(cd "$CDIR" && exec ip netns exec "$NS_CALLER" timeout 40 sipp "$@" -p "$SIP_PORT" \
		-m 1 -l 1 -nostdin -trace_err -error_file "$CDIR/uac_err.log" \
		-timeout 35s -timeout_error) >"$CDIR/uac.log" 2>&1 </dev/null &
	NET_PIDS+=("$!")
	wait "$!"
	UAC_RC=$?
	echo "  uac: sipp $* (exit $UAC_RC)"
	check "$CASE: sipp UAC finished its call (exit $UAC_RC)" test "$UAC_RC" -eq 0
	if [ "$UAC_RC" -ne 0 ]; then
		tail -n 5 "$CDIR/uac.log" "$CDIR/uac_err.log" 2>/dev/null | sed 's/^/    /'
	fi
}

# uas_answered_bye - sipp's final screen: BYE received once, then 200 sent.
uas_answered_bye()
{
	grep -A1 -E '^ +----------> BYE +1 ' "$CDIR/uas.log" | grep -qE '^ +<---------- 200 +1 '
}

# uas_wait [tcp] - the UAS ends its call by itself (sipp's built-in uas pauses 4 s
# after the BYE, for retransmissions); a sipp killed here counts as failed.
uas_wait()
{
	local i

	for ((i = 0; i < 60; i++)); do
		kill -0 "$UAS_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$UAS_PID" 2>/dev/null; then
		net_stop "$UAS_PID" TERM 2
		fail "$CASE: sipp UAS still running 6 s after the call (killed)"
		return 1
	fi
	net_stop "$UAS_PID"
	# Over TCP the UAC closes the connection as soon as its last call is
	# done; sipp's UAS then aborts the call in its closing 4 s pause and
	# counts it failed (exit 1).  What matters is that it answered the BYE.
	if [ "$NET_STOP_RC" -eq 1 ] && [ "${1:-}" = tcp ] && uas_answered_bye; then
		pass "$CASE: sipp UAS answered the BYE (exit 1: UAC closed the TCP connection in its final pause)"
		return 0
	fi
	check "$CASE: sipp UAS finished its call (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0
}

# --- sub-cases -----------------------------------------------------------

case_tcp()
{
	sipp_media_dir "$CDIR" || return 1
	uas_start -sn uas -t t1 -i "$CALLEE_IP"
	capture_start "$IF_GW1" "udp or tcp"
	agent_start
	uac_run -sn uac_pcap -t t1 "$CALLEE_IP:$SIP_PORT" -i "$CALLER_IP"
	capture_stop
	agent_finish 1
	uas_wait tcp

	check "$CASE: call completed with 200 and RTP" calls_where "$CDIR/calls.json" 1 \
		'c["state"] == "completed" and c["result"] == "completed" and c["final_status"] == 200 and len(c["streams"]) > 0 and all(s["packets"] > 0 for s in c["streams"])'
	streams_match
	local n
	n=$(tshark -n -r "$CDIR/cap.pcap" -Y 'sip and tcp' 2>/dev/null | wc -l)
	check "$CASE: tshark sees SIP over TCP ($n messages)" test "$n" -gt 0
	check "$CASE: sipxdp_tcp_sip_messages_total > 0" \
		metric_positive "$CDIR/sipxdp.prom" sipxdp_tcp_sip_messages_total
	check "$CASE: sipxdp_xdp_sip_tcp_segments_total > 0" \
		metric_positive "$CDIR/sipxdp.prom" sipxdp_xdp_sip_tcp_segments_total
}

case_frag()
{
	uas_start -sn uas -i "$CALLEE_IP"
	capture_start "$IF_GW1" "udp"
	agent_start
	uac_run -sf "$SCEN/uac_big_invite.xml" "$CALLEE_IP:$SIP_PORT" -i "$CALLER_IP"
	capture_stop
	agent_finish 1
	uas_wait

	check "$CASE: call with the fragmented INVITE completed with 200" \
		calls_where "$CDIR/calls.json" 1 \
		'c["state"] == "completed" and c["final_status"] == 200'
	# The oracle: tshark on g1 reassembles the INVITE from IP fragments
	# (ip.fragment.count on the frame that completes it).  It is the only
	# fragmented datagram, and g1 is where the agent sees it (g2 only sees
	# what the callee sends), so the agent's counts must equal tshark's.
	local nfrag
	nfrag=$(tshark -n -r "$CDIR/cap.pcap" -Y 'sip.Method == "INVITE"' \
		-T fields -e ip.fragment.count 2>/dev/null | head -n 1)
	echo "  tshark: INVITE reassembled from ${nfrag:-no} fragments"
	check "$CASE: tshark sees the INVITE in >= 2 IP fragments" test "${nfrag:-0}" -ge 2
	check "$CASE: sipxdp_ipfrag_datagrams_total > 0" \
		metric_positive "$CDIR/sipxdp.prom" sipxdp_ipfrag_datagrams_total
	check "$CASE: sipxdp_ipfrag_datagrams_total == 1" \
		metric_equals "$CDIR/sipxdp.prom" sipxdp_ipfrag_datagrams_total 1
	check "$CASE: sipxdp_xdp_sip_fragments_total > 0" \
		metric_positive "$CDIR/sipxdp.prom" sipxdp_xdp_sip_fragments_total
	check "$CASE: sipxdp_xdp_sip_fragments_total == tshark's ${nfrag:-0} fragments" \
		metric_equals "$CDIR/sipxdp.prom" sipxdp_xdp_sip_fragments_total "${nfrag:-0}"
	check "$CASE: no fragment unclaimed" \
		metric_equals "$CDIR/sipxdp.prom" sipxdp_xdp_fragments_unclaimed_total 0
}

# IPv6 beside lib.sh's IPv4: the sipp peers use only the v6 addresses.
CALLER_IP6=fd00:1::2
GW_IP6_1=fd00:1::1
GW_IP6_2=fd00:2::1
CALLEE_IP6=fd00:2::2

net_setup_ipv6()
{
	in_ns "$NS_GW" sysctl -qw net.ipv6.conf.all.forwarding=1 &&
	ip -n "$NS_CALLER" addr add "$CALLER_IP6/64" dev "$IF_CALLER" nodad &&
	ip -n "$NS_GW" addr add "$GW_IP6_1/64" dev "$IF_GW1" nodad &&
	ip -n "$NS_GW" addr add "$GW_IP6_2/64" dev "$IF_GW2" nodad &&
	ip -n "$NS_CALLEE" addr add "$CALLEE_IP6/64" dev "$IF_CALLEE" nodad &&
	ip -n "$NS_CALLER" -6 route add default via "$GW_IP6_1" &&
	ip -n "$NS_CALLEE" -6 route add default via "$GW_IP6_2"
}

case_ipv6()
{
	check "$CASE: IPv6 addresses and routes" net_setup_ipv6
	sipp_media_dir "$CDIR" || return 1
	uas_start -sn uas -i "$CALLEE_IP6"
	capture_start "$IF_GW1" "udp"
	agent_start
	uac_run -sn uac_pcap "[$CALLEE_IP6]:$SIP_PORT" -i "$CALLER_IP6"
	capture_stop
	agent_finish 1
	uas_wait

	check "$CASE: call completed with 200 and RTP" calls_where "$CDIR/calls.json" 1 \
		'c["state"] == "completed" and c["final_status"] == 200 and len(c["streams"]) > 0 and all(s["packets"] > 0 for s in c["streams"])'
	check "$CASE: stream addresses in [v6]:port form" calls_where "$CDIR/calls.json" 1 \
		'all(s["src"].startswith("['"$CALLER_IP6"']:") and s["dst"].startswith("['"$CALLEE_IP6"']:") for s in c["streams"])'
	local n
	n=$(tshark -n -r "$CDIR/cap.pcap" -Y 'sip and ipv6' 2>/dev/null | wc -l)
	check "$CASE: tshark sees SIP over IPv6 ($n messages)" test "$n" -gt 0
	streams_match
}

# VLAN 100 on the caller <-> gateway link.  This kernel has no 802.1Q
# devices (CONFIG_VLAN_8021Q is off: `ip link add ... type vlan` fails with
# "Unknown device type") and no tc vlan action, so a tc BPF program tags:
# it pushes tag 100 on every frame leaving c0 and g1 and pops it on the way
# in.  XDP on g1 runs before tc ingress, so the agent sees the tagged frame.
# The addresses stay lib.sh's: the VLAN exists only on the wire.
VLAN_ID=100

# veth puts the 802.1Q tag into the frame only when the sender has no VLAN
# transmit offload; with it (the default) the tag rides in skb metadata and
# XDP on the peer sees an untagged frame.  No ethtool here: the legacy
# ETHTOOL_GFLAGS/SFLAGS ioctl clears ETH_FLAG_TXVLAN, then reads it back.
TXVLAN_OFF_PY='
import array, fcntl, socket, struct, sys
ETHTOOL_GFLAGS, ETHTOOL_SFLAGS, SIOCETHTOOL, ETH_FLAG_TXVLAN = 0x25, 0x26, 0x8946, 1 << 7
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def call(cmd, data=0):
    buf = array.array("I", [cmd, data])
    addr, _ = buf.buffer_info()
    fcntl.ioctl(s, SIOCETHTOOL, struct.pack("16sP", sys.argv[1].encode(), addr))
    return buf[1]
flags = call(ETHTOOL_GFLAGS)
call(ETHTOOL_SFLAGS, flags & ~ETH_FLAG_TXVLAN)
sys.exit(1 if call(ETHTOOL_GFLAGS) & ETH_FLAG_TXVLAN else 0)
'

# Two section names, so tc picks each program by its section.
vlan_bpf_source()
{
	cat <<EOF
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("tc")
int vlan_push(struct __sk_buff *skb)
{
	bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), $VLAN_ID);
	return TC_ACT_OK;
}

SEC("classifier")
int vlan_pop(struct __sk_buff *skb)
{
	if (skb->vlan_present && (skb->vlan_tci & 0xfff) == $VLAN_ID)
		bpf_skb_vlan_pop(skb);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
EOF
}

# vlan_tag_link NS IF - IF tags what it sends and untags what it receives.
vlan_tag_link()
{
	local ns=$1 ifc=$2

	in_ns "$ns" /usr/bin/python3 -c "$TXVLAN_OFF_PY" "$ifc" &&
	in_ns "$ns" tc qdisc add dev "$ifc" clsact &&
	in_ns "$ns" tc filter add dev "$ifc" egress bpf da obj "$CDIR/vlan.o" sec tc &&
	in_ns "$ns" tc filter add dev "$ifc" ingress bpf da obj "$CDIR/vlan.o" sec classifier
}

net_setup_vlan()
{
	vlan_bpf_source >"$CDIR/vlan.bpf.c" &&
	clang -O2 -g -Wall -target bpf -c "$CDIR/vlan.bpf.c" -o "$CDIR/vlan.o" &&
	vlan_tag_link "$NS_CALLER" "$IF_CALLER" &&
	vlan_tag_link "$NS_GW" "$IF_GW1" &&
	in_ns "$NS_CALLER" /usr/bin/python3 -c "$NET_PROBE_PY" "$CALLEE_IP"
}

case_vlan()
{
	if ! command -v clang >/dev/null 2>&1; then
		echo "SKIP: $CASE: clang not installed (it builds the tagging tc program)"
		return 0
	fi
	check "$CASE: VLAN $VLAN_ID tagging on $IF_CALLER/$IF_GW1, txvlan offload off" net_setup_vlan ||
		return 1
	sipp_media_dir "$CDIR" || return 1
	uas_start -sn uas -i "$CALLEE_IP"
	capture_start "$IF_GW1" "vlan and udp"
	agent_start
	uac_run -sn uac_pcap "$CALLEE_IP:$SIP_PORT" -i "$CALLER_IP"
	capture_stop
	agent_finish 1
	uas_wait

	check "$CASE: call completed with 200 and RTP" calls_where "$CDIR/calls.json" 1 \
		'c["state"] == "completed" and c["final_status"] == 200 and len(c["streams"]) > 0 and all(s["packets"] > 0 for s in c["streams"])'
	local n
	n=$(tshark -n -r "$CDIR/cap.pcap" -Y "vlan.id == $VLAN_ID and sip" 2>/dev/null | wc -l)
	check "$CASE: tshark sees SIP tagged with VLAN $VLAN_ID on $IF_GW1 ($n messages)" test "$n" -gt 0
	streams_match
}

case_cancel()
{
	uas_start -sf "$SCEN/uas_cancel.xml" -i "$CALLEE_IP"
	agent_start
	uac_run -sf "$SCEN/uac_cancel.xml" "$CALLEE_IP:$SIP_PORT" -i "$CALLER_IP"
	agent_finish 1
	uas_wait

	check "$CASE: call cancelled with 487" calls_where "$CDIR/calls.json" 1 \
		'c["state"] == "cancelled" and c["result"] == "cancelled" and c["final_status"] == 487 and c["answer"] is None and c["post_dial_delay_ms"] is not None'
	check "$CASE: sipxdp_calls_total{result=\"cancelled\"} > 0" \
		metric_positive "$CDIR/sipxdp.prom" 'sipxdp_calls_total{result="cancelled"}'
}

case_busy()
{
	uas_start -sf "$SCEN/uas_busy.xml" -i "$CALLEE_IP"
	agent_start
	uac_run -sf "$SCEN/uac_busy.xml" "$CALLEE_IP:$SIP_PORT" -i "$CALLER_IP"
	agent_finish 1
	uas_wait

	check "$CASE: call failed busy with 486" calls_where "$CDIR/calls.json" 1 \
		'c["state"] == "failed" and c["result"] == "busy" and c["final_status"] == 486 and c["answer"] is None'
	check "$CASE: sipxdp_calls_total{result=\"busy\"} > 0" \
		metric_positive "$CDIR/sipxdp.prom" 'sipxdp_calls_total{result="busy"}'
}

# run_case NAME - the sub-case in a subshell with its own namespaces, torn
# down by its own EXIT trap; its check counts come back through a file.
run_case()
{
	local name=$1 p f rc t0=$SECONDS

	echo "=== $name"
	(
		CASE=$name
		CDIR=$DIR/$name
		mkdir -p "$CDIR" || exit 1
		NS_CALLER="sipxdp-caller-$NET_SUFFIX-$name"
		NS_GW="sipxdp-gw-$NET_SUFFIX-$name"
		NS_CALLEE="sipxdp-callee-$NET_SUFFIX-$name"
		NET_NAMESPACES=() NET_PIDS=() NET_TMPDIRS=() NET_CLEANED=0
		# shellcheck disable=SC2030  # the subshell's own counts, reported through a file
		CHECKS_PASSED=0 CHECKS_FAILED=0
		# shellcheck disable=SC2016  # expanded when the hook runs
		NET_CLEANUP_HOOKS=('echo "$CHECKS_PASSED $CHECKS_FAILED" >"$DIR/$CASE.counts"'
			'[ "$CHECKS_FAILED" -ne 0 ] && [ -s "$CDIR/agent.err" ] && { echo "--- $CASE: agent stderr (tail)"; tail -n 15 "$CDIR/agent.err"; }')
		net_trap
		check "$name: build the three-namespace network" net_setup || exit 1
		"case_$name"
	)
	# A sub-case stopped by SIGINT/SIGTERM exits through its trap with
	# 130/143 (no sub-case returns those itself); the parent, which was
	# waiting, then stops too instead of starting the next one.
	rc=$?
	case $rc in 130 | 143) exit "$rc" ;; esac
	# shellcheck disable=SC2031  # the parent's counts, never touched by the subshell
	if read -r p f <"$DIR/$name.counts" 2>/dev/null; then
		CHECKS_PASSED=$((CHECKS_PASSED + p))
		CHECKS_FAILED=$((CHECKS_FAILED + f))
	else
		fail "$name: sub-case did not finish"
	fi
	echo "--- $name: $((SECONDS - t0)) s"
}

for c in $CASES; do
	declare -F "case_$c" >/dev/null || { fail "unknown sub-case $c"; continue; }
	run_case "$c"
done
echo "run time $((SECONDS - START)) s"
summary
