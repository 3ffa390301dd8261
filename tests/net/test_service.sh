#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_service.sh - the agent started the way its systemd unit starts it,
# without systemd: as a system user of its own holding only the unit's
# capabilities (setpriv: CAP_BPF CAP_NET_ADMIN CAP_PERFMON CAP_NET_RAW,
# ambient, no_new_privs), settings from a --config file, NOTIFY_SOCKET and
# WATCHDOG_USEC pointing at a sink (notify_sink.py) and stderr taken for the
# journal (JOURNAL_STREAM).  On the gateway of lib.sh, sipp places calls
# while logrotate rotates the record file three times.
#
# Checks: READY=1 once both interfaces are attached and the text file is
# written; WATCHDOG=1 every half period; STOPPING=1 at SIGTERM, exit 0; log
# lines with syslog priorities; once set up, /proc/PID/status shows no
# capability (effective, permitted, ambient) in any thread, no_new_privs and
# the user's uid; the calls measured as tshark measures them; the rotated
# and the new record files together hold every call exactly once; an
# interface deleted and created again is reported as needing a restart.
# Apart: started as root with --user, a text file in a directory that user
# may not write to is one error line and exit 1.
#
# Environment: SIPXDP (agent binary, default build/sipxdp), KEEP=1 keeps the
# work directory.  Exit: 0 all checks passed, 1 a check failed, 77 skipped.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
SIP_PORT=5060
NCALLS=8
LISTEN_PORT=19478
WATCHDOG_USEC=1000000
UNIT=$REPO/deploy/systemd/sipxdp.service
LOGROTATE=$REPO/deploy/logrotate/sipxdp
# The unit's own capabilities, in setpriv's spelling (+bpf,+net_admin,...).
CAPS=$(sed -nE 's/^AmbientCapabilities=//p' "$UNIT" | tr 'A-Z' 'a-z' | sed -E 's/cap_/+/g; s/ +/,/g')

need_root
need_tools ip sipp tshark logrotate setpriv useradd userdel curl jq /usr/bin/python3
[ -r /usr/share/sip-tester/g711a.pcap ] || skip "sipp's g711a.pcap not installed (sip-tester)"
need_agent
[ -n "$CAPS" ] || { fail "no AmbientCapabilities= in $UNIT"; summary; exit 1; }
[ "$(sed -nE 's/^CapabilityBoundingSet=//p' "$UNIT")" = "$(sed -nE 's/^AmbientCapabilities=//p' "$UNIT")" ] ||
	{ fail "the unit's bounding set is not its ambient set: this test starts the agent with one set"; summary; exit 1; }

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
net_keep_on_failure "$DIR"

# A system user of the test's own, as the package makes one (never "sipxdp": a developer's machine may have it).
SVC_USER="sipxdp-t$$"
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SVC_USER" ||
	{ fail "create system user $SVC_USER"; summary; exit 1; }
NET_CLEANUP_HOOKS+=("userdel -f $SVC_USER 2>/dev/null")
# What the agent writes, in a directory of its user's (as LogsDirectory= and StateDirectory= are).
chmod 0755 "$DIR"
OUT=$DIR/out
mkdir -p "$OUT" && chown "$SVC_USER:" "$OUT"

net_setup || { fail "build the three-namespace network"; summary; exit 1; }
sipp_media_dir "$DIR" || exit 1

cat >"$DIR/sipxdp.conf" <<EOF
# as /etc/sipxdp/sipxdp.conf would hold it
interface $IF_GW1
interface $IF_GW2
calls-json $OUT/calls.json
textfile = $OUT/sipxdp.prom
listen 127.0.0.1:$LISTEN_PORT
promisc yes
interval 5     # the command line sets 1: it wins
user $SVC_USER
EOF

net_bg "$NS_CALLEE" "$DIR/uas.log" sipp -sn uas -i "$CALLEE_IP" -p "$SIP_PORT" -nostdin
net_tshark "$NS_GW" "$IF_GW1" "$DIR/cap.pcap" "$DIR/tshark.log" udp
net_bg "$NS_GW" "$DIR/sink.err" /usr/bin/python3 "$HERE/notify_sink.py" "$DIR/notify.sock" "$DIR/notify.log" \
	"$OUT/sipxdp.prom"
for ((i = 0; i < 50; i++)); do [ -S "$DIR/notify.sock" ] && break; sleep 0.1; done

# The unit: User=, AmbientCapabilities=, CapabilityBoundingSet=, NoNewPrivileges=.
: >"$DIR/agent.err"
chown "$SVC_USER:" "$DIR/agent.err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$DIR/agent.err")
ip netns exec "$NS_GW" env NOTIFY_SOCKET="$DIR/notify.sock" WATCHDOG_USEC=$WATCHDOG_USEC \
	JOURNAL_STREAM="$JOURNAL_STREAM" \
	setpriv --reuid="$SVC_USER" --regid="$SVC_USER" --init-groups --inh-caps=-all,$CAPS \
	--ambient-caps=-all,$CAPS --bounding-set=-all,$CAPS --no-new-privs \
	"$SIPXDP" --config "$DIR/sipxdp.conf" --interval 1 >"$DIR/agent.out" 2>>"$DIR/agent.err" </dev/null &
AGENT_PID=$!
NET_PIDS+=("$AGENT_PID")

check "READY=1 sent" wait_for_line "$DIR/notify.log" '^[0-9.]+ READY=1$' 10 "$AGENT_PID"
check "the text file was written before READY=1" grep -q 'FILE-PRESENT yes' "$DIR/notify.log"
ready_after_attach()
{
	grep -q 'attached to g1' "$DIR/agent.err" && grep -q 'attached to g2' "$DIR/agent.err"
}
check "both interfaces attached by then" ready_after_attach
check "log lines carry syslog priorities for the journal" grep -q '^<6>info: attached to g1' "$DIR/agent.err"
check "no line without a priority" not grep -qv '^<[0-7]>' "$DIR/agent.err"
check "promiscuous mode set with CAP_NET_RAW" not grep -q 'promiscuous' "$DIR/agent.err"

# Nothing held once set up, in any thread (libmicrohttpd's included).
status_of()	# status_of FIELD: the field in every thread's status, one line each
{
	local t

	for t in /proc/"$AGENT_PID"/task/*; do
		awk -v f="$1:" '$1 == f {$1 = ""; print substr($0, 2)}' "$t/status"
	done | sort -u
}
SVC_UID=$(id -u "$SVC_USER")
{ grep -E '^(Uid|Gid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/"$AGENT_PID"/status
  echo "threads: $(ls /proc/"$AGENT_PID"/task | wc -l)"; } | sed 's/^/    /'
check "CapEff 0 in every thread" test "$(status_of CapEff)" = 0000000000000000
check "CapPrm and CapAmb 0" test "$(status_of CapPrm) $(status_of CapAmb)" = "0000000000000000 0000000000000000"
check "uid is $SVC_USER's ($SVC_UID)" test "$(status_of Uid | tr -s '\t ' ' ')" = "$SVC_UID $SVC_UID $SVC_UID $SVC_UID"
check "no_new_privs" test "$(status_of NoNewPrivs)" = 1
check "the HTTP thread runs (/metrics answers)" in_ns "$NS_GW" curl -sf -o "$DIR/scrape.txt" \
	"http://127.0.0.1:$LISTEN_PORT/metrics"

# Calls, with the record file rotated three times meanwhile by the package's
# own logrotate policy (compress, delaycompress, su, create), its paths and
# user made the test's, its postrotate signalling this agent (systemctl has no
# unit to signal here).
/usr/bin/python3 - "$LOGROTATE" "$OUT" "$SVC_USER" "$AGENT_PID" >"$DIR/logrotate.conf" <<'PY'
import re, sys
text, out, user, pid = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3], sys.argv[4]
text = text.replace("/var/log/sipxdp", out)
text = re.sub(r"\bsipxdp sipxdp\b", "%s %s" % (user, user), text)
text = re.sub(r"postrotate\n.*?endscript", "postrotate\n\t\tkill -HUP %s\n\tendscript" % pid, text, flags=re.S)
sys.stdout.write(text)
PY
grep -q "kill -HUP $AGENT_PID" "$DIR/logrotate.conf" && grep -q "^$OUT/\*.json {" "$DIR/logrotate.conf" ||
	fail "adapt $LOGROTATE for the test"
# Each rotation once the file holds a record, so that records land in several files.
rotations()
{
	local k i

	for ((k = 0; k < 3; k++)); do
		for ((i = 0; i < 300; i++)); do
			[ -s "$OUT/calls.json" ] && break
			sleep 0.1
		done
		[ -s "$OUT/calls.json" ] || return
		logrotate -f -s "$DIR/logrotate.state" "$DIR/logrotate.conf" >>"$DIR/logrotate.log" 2>&1 &&
			echo rotated >>"$DIR/rotations"
	done
}
rotations &
ROT_JOB=$!
sipp_uac_pcap "$DIR" "$NCALLS"
check "sipp placed $NCALLS successful calls (exit $UAC_RC)" test "$UAC_RC" -eq 0
wait "$ROT_JOB"
sleep 3.5	# grace (2 s) and a tick: every record written
ROTATED=$(cat "$DIR/rotations" 2>/dev/null | wc -l)
check "logrotate rotated the record file 3 times while calls ended" test "$ROTATED" -eq 3
check "the agent reopened the file 3 times" test "$(grep -c 'info: reopened' "$DIR/agent.err")" -eq 3
check "sipxdp_call_records_reopens_total{result=\"ok\"} 3" \
	grep -qx 'sipxdp_call_records_reopens_total{result="ok"} 3' "$OUT/sipxdp.prom"
zcat -f "$OUT"/calls.json.* "$OUT/calls.json" >"$DIR/all.json" 2>/dev/null
FILES_WITH=$(for f in "$OUT"/calls.json*; do [ -s "$f" ] && echo "$f"; done | wc -l)
echo "    records per file: $(for f in "$OUT"/calls.json*; do printf '%s=%s ' "${f##*/}" "$(zcat -f "$f" | wc -l)"; done)"
check "the records are spread over more than one file ($FILES_WITH)" test "$FILES_WITH" -ge 2
check "every call exactly once across the files" \
	jq -e -s --argjson n "$NCALLS" '(map(.call_id) | length) == $n and (map(.call_id) | unique | length) == $n' \
	"$DIR/all.json" >/dev/null

# An interface that goes away and comes back cannot be attached without the privileges given up.
ip -n "$NS_GW" link del "$IF_GW2"
wait_for_line "$DIR/agent.err" 'interface g2 went away' 5 "$AGENT_PID"
ip link add "$IF_GW2" netns "$NS_GW" type veth peer name e1 netns "$NS_CALLEE" &&
	ip -n "$NS_GW" link set "$IF_GW2" up
check "a returning interface is said to need a restart" \
	wait_for_line "$DIR/agent.err" 'interface g2 is back .* restart the agent' 5 "$AGENT_PID"
sleep 1.5
check "sipxdp_interface_up{interface=\"g2\"} 0" grep -qx 'sipxdp_interface_up{interface="g2"} 0' "$OUT/sipxdp.prom"
check "g1 still attached" grep -qx 'sipxdp_interface_up{interface="g1"} 1' "$OUT/sipxdp.prom"

net_stop "$TSHARK_PID" INT 10
net_stop "$AGENT_PID" TERM 10
check "agent exits 0 on SIGTERM (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0
check "STOPPING=1 sent" grep -q ' STOPPING=1$' "$DIR/notify.log"

# A watchdog ping at least every half period (0.5 s; the loop wakes for it), none missed past the period.
awk '$2 == "WATCHDOG=1" {print $1}' "$DIR/notify.log" >"$DIR/pings"
PINGS=$(wc -l <"$DIR/pings")
MAXGAP=$(awk 'NR > 1 {g = $1 - p; if (g > m) m = g} {p = $1} END {printf "%.3f", m}' "$DIR/pings")
echo "    watchdog: $PINGS pings, longest gap ${MAXGAP} s"
check "watchdog pings every half period ($PINGS, longest gap ${MAXGAP} s)" \
	awk -v n="$PINGS" -v g="$MAXGAP" 'BEGIN {exit !(n >= 20 && g <= 1.0)}'

tshark -n -r "$DIR/cap.pcap" -q -z rtp,streams >"$DIR/streams.txt" 2>/dev/null
check "the calls' streams as tshark measures them" /usr/bin/python3 "$HERE/compare_tshark.py" \
	--tshark "$DIR/streams.txt" --calls-json "$DIR/all.json" \
	--jitter-tol "$LIVE_JITTER_TOL" --delta-tol "$LIVE_DELTA_TOL" --min-completed "$NCALLS"

# Started as root, becoming a user who may not write the text file's directory.
mkdir -p "$DIR/rootonly" && chmod 0755 "$DIR/rootonly"
ip netns exec "$NS_GW" "$SIPXDP" -i "$IF_GW1" --user "$SVC_USER" --textfile "$DIR/rootonly/m.prom" \
	>/dev/null 2>"$DIR/rootonly.err"
RC=$?
sed 's/^/    /' "$DIR/rootonly.err"
check "a text file the user cannot write: exit 1 ($RC)" test "$RC" -eq 1
check "... with one error line naming it and the user" \
	test "$(grep -c "error: --textfile $DIR/rootonly/m.prom: Permission denied (as user $SVC_USER)" \
		"$DIR/rootonly.err") $(grep -c error "$DIR/rootonly.err")" = "1 1"

summary
