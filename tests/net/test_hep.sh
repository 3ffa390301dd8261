#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_hep.sh - --hep against real HEP receivers, on lib.sh's gateway.
#
# Live, with collectors in the gateway namespace: sngrep 1.6 listening for
# HEP v3 (with the key configured, so it checks it) and writing what it
# received as a capture with the original addresses; a UDP and a TCP
# collector of the test's own (tests/net/hep_collector.py, which decodes
# what sngrep does not show: RTCP, reports, correlation ID, MOS, agent ID,
# key, node name, written from the specification); a UDP port where
# nothing listens.  sipp places 3 calls through the gateway; tshark on g1
# is the oracle:
#   - every SIP message tshark saw is in sngrep's capture once, the same
#     bytes, addresses and ports, its time within lib.sh's live tolerance;
#   - every message the UDP collector got is well framed, carries agent
#     ID, key and node name, chunks in the order captagent-style receivers
#     read, the SIP Call-ID as correlation ID, JSON for RTCP and reports,
#     the MOS chunk; each stream's FINAL report has its record's packets,
#     lost and jitter, after PERIODIC ones (every 2 s);
#   - the TCP collector, stopped and started again mid-run, is reached
#     again (messages made after it came back arrive, reconnects counted);
#     the refused UDP port's drops are counted.
# Offline, the same capture read with --read: the HEP times are tshark's to
# the microsecond, and the reports match the records again.  Hostile
# Call-IDs (scapy frames, tests/net/hep_frames.py) through --read stay
# inside their JSON strings.
# Faults, live: a second sipp run with a burst of 12,000 INVITEs (sipflood)
# to a UDP port where nothing listens, a TCP port that refuses, and a TCP
# collector that accepts and never reads: the calls' figures are tshark's
# as without HEP (compare_tshark.py), no event lost, every drop counted,
# the agent exits promptly.  And that capture read with and without those
# collectors: the records the same bytes, the metrics the same series but
# for sipxdp_hep_* and the wall clock's.
#
# Environment: SIPXDP, SIPFLOOD, KEEP=1 keeps the work directory.
# Exit: 0 all checks passed, 1 a check failed, 77 skipped.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
SIPFLOOD=${SIPFLOOD:-$REPO/build/sipflood}
NCALLS=3
SIP_PORT=5060
KEY=s3cret
NODE=gw-test
HEPID=2001
TOL_US=$(awk -v ms="$LIVE_DELTA_TOL" 'BEGIN {print int(ms * 1000)}')
PY=/usr/bin/python3
COLLECTOR="$HERE/hep_collector.py"
CHECK="$HERE/hep_check.py"

need_root
need_tools ip sipp tshark sngrep timeout "$PY"
[ -r /usr/share/sip-tester/g711a.pcap ] || skip "sipp's g711a.pcap not installed (sip-tester)"
need_agent
[ -x "$SIPFLOOD" ] || { fail "sipflood $SIPFLOOD is not built (make build/sipflood)"; summary; exit 1; }

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
net_keep_on_failure "$DIR"

net_setup || { fail "build the three-namespace network"; summary; exit 1; }
sipp_media_dir "$DIR" || exit 1
net_bg "$NS_CALLEE" "$DIR/uas.log" sipp -sn uas -i "$CALLEE_IP" -p "$SIP_PORT" -nostdin

# stop_pid PID SIGNAL - net_stop, and forget the pid: the cleanup must not signal it again once reaped.
stop_pid()
{
	local p keep=()

	net_stop "$1" "$2" 5
	for p in "${NET_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	NET_PIDS=("${keep[@]}")
}

# stop_collectors - every collector (and sngrep) still running, after the agent has sent its last.
COLLECTOR_PIDS=()
stop_collectors()
{
	local p

	sleep 0.3
	for p in "${COLLECTOR_PIDS[@]}"; do
		[ -n "$p" ] && stop_pid "$p" INT
	done
	COLLECTOR_PIDS=()
}

# collector NAME ARGS... - hep_collector.py listening in the gateway, pid in COLL_PID.
collector()
{
	local name=$1

	shift
	net_bg "$NS_GW" "$DIR/$name.log" "$PY" "$COLLECTOR" listen --out "$DIR/$name.hex" "$@"
	COLL_PID=$NET_LAST_PID
	COLLECTOR_PIDS+=("$COLL_PID")
	wait_for_line "$DIR/$name.log" listening 5 "$COLL_PID" || echo "warning: collector $name did not start" >&2
}

# sngrep_hep NAME PORT - sngrep listening for HEP v3 on 127.0.0.1:PORT, with the key, writing NAME.pcap.
sngrep_hep()
{
	printf 'set eep.listen.pass %s\n' "$KEY" >"$DIR/sngrep.conf"
	net_bg "$NS_GW" "$DIR/$1.log" sngrep -f "$DIR/sngrep.conf" -N -q -L "udp:127.0.0.1:$2" -O "$DIR/$1.pcap"
	COLLECTOR_PIDS+=("$NET_LAST_PID")
	sleep 0.5
}

# sip_tsv PCAP OUT - the SIP messages of a capture: time, addresses, ports, payload.
sip_tsv()
{
	tshark -n -r "$1" -Y 'sip && udp' -T fields -E separator=/t -e frame.time_epoch -e ip.src -e ip.dst \
		-e udp.srcport -e udp.dstport -e udp.payload >"$2" 2>/dev/null
}

decode() { "$PY" "$COLLECTOR" decode "$DIR/$1.hex" >"$DIR/$1.jsonl"; }
metric() { prom_value "$1" "$2"; }
hep_opts=(--hep-id "$HEPID" --hep-password "$KEY" --hep-node "$NODE" --hep-report-interval 2)

# ---- live: sngrep, UDP and TCP collectors, a refused port ------------------
sngrep_hep sngrep 9060
collector udp --udp 127.0.0.1:9061
collector tcp --tcp 127.0.0.1:9062
TCP_PID=$COLL_PID
net_tshark "$NS_GW" "$IF_GW1" "$DIR/cap.pcap" "$DIR/tshark.log" udp
net_agent_start "$NS_GW" "$DIR" attached -i "$IF_GW1" -i "$IF_GW2" --interval 1 \
	--calls-json "$DIR/calls.json" --textfile "$DIR/sipxdp.prom" \
	--hep udp:127.0.0.1:9060 --hep 127.0.0.1:9061 --hep tcp:127.0.0.1:9062 --hep 127.0.0.1:9063 "${hep_opts[@]}"
check "agent is running" kill -0 "$AGENT_PID"

cd "$DIR" || exit 1
net_bg "$NS_CALLER" "$DIR/uac.log" timeout 60 sipp -sn uac_pcap "$CALLEE_IP:$SIP_PORT" -i "$CALLER_IP" \
	-p "$SIP_PORT" -m "$NCALLS" -l "$NCALLS" -r 1 -nostdin -trace_err -timeout 50s -timeout_error
UAC_PID=$NET_LAST_PID
cd / || exit 1
# The TCP collector goes away mid-run and comes back on its port 1.5 s later.
sleep 3
stop_pid "$TCP_PID" TERM
COLLECTOR_PIDS=("${COLLECTOR_PIDS[@]/$TCP_PID}")
sleep 1.5
BACK=$(date +%s.%N)
collector tcp2 --tcp 127.0.0.1:9062
wait "$UAC_PID"
rc=$?
check "sipp placed $NCALLS successful calls (exit $rc)" test "$rc" -eq 0
sleep 2.5	# grace and an interval: every record and FINAL report made
check "the TCP collector is connected again (sipxdp_hep_connected 1)" \
	grep -qx 'sipxdp_hep_connected{collector="tcp:127.0.0.1:9062"} 1' "$DIR/sipxdp.prom"
net_stop "$TSHARK_PID" INT 10
net_stop "$AGENT_PID" TERM 10
check "agent exits 0 on SIGTERM (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0
stop_collectors

sip_tsv "$DIR/cap.pcap" "$DIR/oracle.tsv"
sip_tsv "$DIR/sngrep.pcap" "$DIR/sngrep.tsv"
check "sngrep has every SIP message tshark saw: bytes, addresses, ports, time within $LIVE_DELTA_TOL ms" \
	"$PY" "$CHECK" sip "$DIR/oracle.tsv" "$DIR/sngrep.tsv" "$TOL_US"
check "the UDP collector's messages decode (framing from the specification)" decode udp
check "agent ID, key, node name, chunk order, Call-IDs, JSON and MOS chunk on every message" \
	"$PY" "$CHECK" headers "$DIR/udp.jsonl" "$HEPID" "$KEY" "$NODE"
check "the UDP collector has every SIP message too, at the same times" \
	"$PY" "$CHECK" sip "$DIR/oracle.tsv" "$DIR/udp.jsonl" "$TOL_US"
check "each stream's FINAL report has its record's figures, after PERIODIC ones" \
	"$PY" "$CHECK" reports "$DIR/udp.jsonl" "$DIR/calls.json" 2
check "the TCP collector's stream splits into well-framed messages, before it went away" decode tcp
check "... and after it came back" decode tcp2
check "the TCP collector got the UDP collector's messages before it went away" \
	"$PY" "$CHECK" same "$DIR/udp.jsonl" "$DIR/tcp.jsonl" --resumed-after 0
check "... and after it came back, messages made after that" \
	"$PY" "$CHECK" same "$DIR/udp.jsonl" "$DIR/tcp2.jsonl" --resumed-after "$BACK"
r=$(metric "$DIR/sipxdp.prom" 'sipxdp_hep_reconnects_total{collector="tcp:127.0.0.1:9062"}')
check "reconnects to the TCP collector counted ($r)" test "${r:-0}" -ge 1
r=$(metric "$DIR/sipxdp.prom" 'sipxdp_hep_dropped_total{collector="127.0.0.1:9063",reason="refused"}')
check "the refused UDP collector's drops counted ($r)" test "${r:-0}" -ge 1
r=$(metric "$DIR/sipxdp.prom" 'sipxdp_hep_sent_total{collector="127.0.0.1:9061"}')
check "sipxdp_hep_sent_total is what the UDP collector got ($r)" test "${r:-x}" = "$(wc -l <"$DIR/udp.hex")"
r=$(awk '/^sipxdp_hep_dropped_total\{collector="127.0.0.1:9061"/ {s += $2} END {print s + 0}' "$DIR/sipxdp.prom")
check "nothing dropped for the UDP collector ($r)" test "$r" -eq 0

# ---- offline: the same capture, HEP times exactly tshark's -----------------
sngrep_hep sngrep-read 9070
collector read --udp 127.0.0.1:9071
in_ns "$NS_GW" "$SIPXDP" --read "$DIR/cap.pcap" --interval 1 --calls-json "$DIR/read.json" \
	--hep udp:127.0.0.1:9070 --hep 127.0.0.1:9071 "${hep_opts[@]}" 2>"$DIR/read.err"
check "--read with --hep exits 0" test $? -eq 0
stop_collectors
sip_tsv "$DIR/sngrep-read.pcap" "$DIR/sngrep-read.tsv"
check "--read: sngrep has every SIP message at tshark's time to the microsecond" \
	"$PY" "$CHECK" sip "$DIR/oracle.tsv" "$DIR/sngrep-read.tsv" 0
decode read
check "--read: the collector's SIP messages at tshark's time to the microsecond" \
	"$PY" "$CHECK" sip "$DIR/oracle.tsv" "$DIR/read.jsonl" 0
check "--read: each stream's FINAL report has its record's figures" \
	"$PY" "$CHECK" reports "$DIR/read.jsonl" "$DIR/read.json" 2

# ---- offline: hostile Call-IDs ---------------------------------------------
"$PY" "$HERE/hep_frames.py" "$DIR/hostile.pcap" "$DIR/hostile-meta.json" ||
	fail "write the capture of hostile Call-IDs"
collector hostile --udp 127.0.0.1:9072
in_ns "$NS_GW" "$SIPXDP" --read "$DIR/hostile.pcap" --calls-json "$DIR/hostile.json" \
	--hep 127.0.0.1:9072 "${hep_opts[@]}" 2>"$DIR/hostile.err"
check "--read of hostile Call-IDs exits 0" test $? -eq 0
stop_collectors
check "hostile Call-IDs: the messages decode" decode hostile
check "hostile Call-IDs stay inside their JSON strings; correlation IDs are their bytes" \
	"$PY" "$CHECK" hostile "$DIR/hostile.jsonl" "$DIR/hostile.json" "$DIR/hostile-meta.json"
check "hostile Call-IDs: headers, SIP Call-IDs, JSON, MOS chunks" \
	"$PY" "$CHECK" headers "$DIR/hostile.jsonl" "$HEPID" "$KEY" "$NODE"
check "hostile Call-IDs: FINAL reports with the records' figures" \
	"$PY" "$CHECK" reports "$DIR/hostile.jsonl" "$DIR/hostile.json" 0

# ---- faults, live: refused, refused, stalled; a burst of INVITEs -----------
collector stall --tcp 127.0.0.1:9083 --stall
net_tshark "$NS_GW" "$IF_GW1" "$DIR/cap2.pcap" "$DIR/tshark2.log" udp
net_agent_start "$NS_GW" "$DIR" attached -i "$IF_GW1" -i "$IF_GW2" --interval 1 --sip-port 5060 --sip-port 5062 \
	--calls-json "$DIR/calls2.json" --textfile "$DIR/faults.prom" \
	--hep 127.0.0.1:9081 --hep tcp:127.0.0.1:9082 --hep tcp:127.0.0.1:9083 "${hep_opts[@]}"
cd "$DIR" || exit 1
net_bg "$NS_CALLER" "$DIR/uac2.log" timeout 60 sipp -sn uac_pcap "$CALLEE_IP:$SIP_PORT" -i "$CALLER_IP" \
	-p "$SIP_PORT" -m "$NCALLS" -l "$NCALLS" -r 1 -nostdin -trace_err -timeout 50s -timeout_error
UAC_PID=$NET_LAST_PID
cd / || exit 1
sleep 1
in_ns "$NS_CALLER" "$SIPFLOOD" invites --from "$CALLER_IP" --to "$CALLEE_IP:5062" --count 12000 --rate 6000 \
	--mlines 1 --tag hepflood >"$DIR/flood.log" 2>&1
wait "$UAC_PID"
rc=$?
check "faults: sipp placed $NCALLS successful calls (exit $rc)" test "$rc" -eq 0
sleep 2.5
check "faults: the stalled collector is connected" \
	grep -qx 'sipxdp_hep_connected{collector="tcp:127.0.0.1:9083"} 1' "$DIR/faults.prom"
check "faults: the refused TCP collector is not" \
	grep -qx 'sipxdp_hep_connected{collector="tcp:127.0.0.1:9082"} 0' "$DIR/faults.prom"
net_stop "$TSHARK_PID" INT 10
t0=$(date +%s%N)
net_stop "$AGENT_PID" TERM 10
ms=$((($(date +%s%N) - t0) / 1000000))
check "faults: agent exits 0 on SIGTERM (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0
check "faults: and within 3 s, drain included ($ms ms)" test "$ms" -lt 3000
stop_collectors
tshark -n -r "$DIR/cap2.pcap" -q -z rtp,streams >"$DIR/streams2.txt" 2>/dev/null
check "faults: the calls' streams are tshark's, as without HEP" "$PY" "$HERE/compare_tshark.py" \
	--tshark "$DIR/streams2.txt" --calls-json "$DIR/calls2.json" --jitter-tol "$LIVE_JITTER_TOL" \
	--delta-tol "$LIVE_DELTA_TOL" --min-completed "$NCALLS"
check "faults: no event lost" grep -qx 'sipxdp_events_lost_total 0' "$DIR/faults.prom"
n=$(awk '$1 == "sipxdp_sip_messages_total{type=\"request\",method=\"INVITE\"}" {print $2}' "$DIR/faults.prom")
check "faults: every INVITE of the burst counted ($n >= 12003)" test "${n:-0}" -ge 12003
r=$(metric "$DIR/faults.prom" 'sipxdp_hep_dropped_total{collector="tcp:127.0.0.1:9083",reason="queue_full"}')
check "faults: the stalled collector's full queue counted ($r)" test "${r:-0}" -ge 1
r=$(metric "$DIR/faults.prom" 'sipxdp_hep_dropped_total{collector="127.0.0.1:9081",reason="refused"}')
check "faults: the refused UDP collector's drops counted ($r)" test "${r:-0}" -ge 1
r=$(metric "$DIR/faults.prom" 'sipxdp_hep_reconnects_total{collector="tcp:127.0.0.1:9082"}')
check "faults: the refused TCP collector was tried again ($r times)" test "${r:-0}" -ge 2
r=$(awk '/^sipxdp_hep_dropped_total\{collector="tcp:127.0.0.1:9082"/ {s += $2} END {print s + 0}' "$DIR/faults.prom")
check "faults: and what it could not take counted ($r)" test "$r" -ge 1
check "faults: messages to the refused TCP collector are counted, none sent" \
	grep -qx 'sipxdp_hep_sent_total{collector="tcp:127.0.0.1:9082"} 0' "$DIR/faults.prom"

# ---- the same, offline: HEP changes nothing ---------------------------------
# What wall-clock time and HEP itself write aside, sorted: a metric's series come in hash order.
same_lines() { grep -vE '^(# (HELP|TYPE) )?sipxdp_(exposition_timestamp_seconds|textfile_last_write_timestamp_seconds|tick_duration_seconds|hep_)' "$1" | LC_ALL=C sort; }
in_ns "$NS_GW" "$SIPXDP" --read "$DIR/cap2.pcap" --sip-port 5060 --sip-port 5062 --calls-json "$DIR/off-nohep.json" \
	--textfile "$DIR/off-nohep.prom" 2>"$DIR/off-nohep.err"
check "--read without HEP exits 0" test $? -eq 0
collector stall2 --tcp 127.0.0.1:9093 --stall
t0=$(date +%s%N)
in_ns "$NS_GW" "$SIPXDP" --read "$DIR/cap2.pcap" --sip-port 5060 --sip-port 5062 --calls-json "$DIR/off-hep.json" \
	--textfile "$DIR/off-hep.prom" --hep 127.0.0.1:9091 --hep tcp:127.0.0.1:9092 --hep tcp:127.0.0.1:9093 \
	"${hep_opts[@]}" 2>"$DIR/off-hep.err"
check "--read with refused and stalled collectors exits 0" test $? -eq 0
ms=$((($(date +%s%N) - t0) / 1000000))
check "--read with refused and stalled collectors: done within 10 s ($ms ms)" test "$ms" -lt 10000
stop_collectors
check "--read: the records are the same bytes with HEP and without" cmp "$DIR/off-nohep.json" "$DIR/off-hep.json"
check "--read: the metrics are the same series but for sipxdp_hep_*" \
	cmp <(same_lines "$DIR/off-nohep.prom") <(same_lines "$DIR/off-hep.prom")
r=$(metric "$DIR/off-hep.prom" 'sipxdp_hep_dropped_total{collector="tcp:127.0.0.1:9093",reason="queue_full"}')
check "--read: the stalled collector's drops counted ($r)" test "${r:-0}" -ge 1

summary
