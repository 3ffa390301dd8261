#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_restart.sh - the agent restarted, killed and upgraded in the middle
# of a call, and the call still recorded once with every packet.
#
# On lib.sh's gateway, sipp places one call of 24 s (scenarios/uac_long.xml,
# RTP of rtp_pcap.py: 1,200 packets, sequence continuous); tshark on g1 is
# the oracle for its stream.
#
#  1. Without --persist (a state file only): SIGTERM at 5 s, nothing left
#     attached or pinned in the gap, a new agent at 8 s.  The record, once:
#     packets + unseen (what no agent saw) = tshark's packets, lost =
#     tshark's lost, unseen > 0.  Then a SIGKILL: nothing left attached.
#  2. With --persist: SIGTERM at 5 s and a new agent at 8 s; SIGKILL at 11 s
#     and a new agent at 13 s; at 17 s SIGTERM and the upgrade, a second
#     build of another program (-DSIPXDP_PROG_VARIANT=1, the same layout),
#     which takes the links over with bpf_link_update.  XDP stays on g1
#     through every gap; the record, once, has exactly tshark's packets and
#     lost (none unseen); the links run the new program (another id and tag,
#     and it counts in the pinned health map); the text file's counters
#     never go back from one agent to the next.  --detach then removes
#     every pin and link, in one line.
#  3. Hostile and stale state: pins of another layout (refused in one
#     line, exit 1; replaced with --reset-state); of another size (same);
#     a truncated state file (refused in one line, the agent starts clean);
#     a state file whose kernel state is gone (the call written out at
#     once, nothing pushed); an endpoint and a stream left in the pinned
#     maps that no state file explains (gone after the grace period).
#  4. As the unit runs it (its user, its capabilities, --egress): the pins
#     the user's, no capability left, the state file the user's; the next
#     agent, on one interface, takes that one's XDP and tcx links over and
#     removes the other's.
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
CALL_S=24

need_root
need_tools ip sipp tshark bpftool jq mount umount /usr/bin/python3
/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "python3-scapy not installed"
need_agent

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
net_keep_on_failure "$DIR"
mkdir -p "$DIR/pcap" "$DIR/out"

# A BPF filesystem of the test's own: `ip netns exec` gives the agent a
# /sys of its namespace, without the host's /sys/fs/bpf; and nothing of
# this test is pinned where another could see it.  Unmounted at cleanup,
# which releases whatever is left pinned (a failed check's links too).
BPFFS=$DIR/bpffs
mkdir -p "$BPFFS" && mount -t bpf bpf "$BPFFS" || { fail "mount a BPF filesystem"; summary; exit 1; }
NET_CLEANUP_HOOKS+=("umount -l '$BPFFS' 2>/dev/null")
PINS=$BPFFS/default

net_setup || { fail "build the three-namespace network"; summary; exit 1; }
/usr/bin/python3 "$HERE/rtp_pcap.py" "$DIR/pcap/long.pcap" "$CALL_S" || { fail "write the RTP pcap"; summary; exit 1; }
net_bg "$NS_CALLEE" "$DIR/uas.log" sipp -sn uas -i "$CALLEE_IP" -p "$SIP_PORT" -nostdin

# The upgrade's binary: the same sources, another program.  Built now, in
# the background (niced), while the first call runs.
VARIANT=$DIR/variant
(cd "$REPO" && nice -n 19 make -s BUILD="$VARIANT" BPF_EXTRA_CFLAGS=-DSIPXDP_PROG_VARIANT=1 "$VARIANT/sipxdp") \
	>"$DIR/variant.log" 2>&1 &
VARIANT_JOB=$!

# --- helpers ------------------------------------------------------------

T0=0
clock() { date +%s.%N; }
# at SECONDS: sleep until SECONDS after T0.
at()
{
	local d

	d=$(awk -v t0="$T0" -v t="$1" -v now="$(clock)" 'BEGIN { d = t0 + t - now; print (d > 0 ? d : 0) }')
	sleep "$d"
}
since() { awk -v t0="$T0" -v now="$(clock)" 'BEGIN { printf "%.2f", now - t0 }'; }

# agent LOGNAME ARGS...: an agent on both gateway interfaces, in the
# background, its log in DIR/LOGNAME.err; waits for its first text file.
AGENT_ARGS=(-i "$IF_GW1" -i "$IF_GW2" --interval 1 --grace 2 --textfile "$DIR/out/m.prom"
	--calls-json "$DIR/out/calls.json" --state-file "$DIR/out/state" --state-dir "$BPFFS")
agent()
{
	local log=$1 bin=$SIPXDP

	shift
	[ "${1:-}" = --bin ] && { bin=$2; shift 2; }
	rm -f "$DIR/out/m.prom"
	ip netns exec "$NS_GW" "$bin" "${AGENT_ARGS[@]}" "$@" >"$DIR/$log.out" 2>"$DIR/$log.err" </dev/null &
	AGENT_PID=$!
	NET_PIDS+=("$AGENT_PID")
	wait_for_line "$DIR/$log.err" 'attached to g2' 5 "$AGENT_PID" &&
		for _ in $(seq 50); do [ -s "$DIR/out/m.prom" ] && break; sleep 0.1; done
}

# snap NAME: the text file as it is now, for the counters' comparison.
snap() { cp "$DIR/out/m.prom" "$DIR/$1.prom" 2>/dev/null; }

# counters_kept BEFORE AFTER: no counter (nor histogram count, sum or
# bucket) of BEFORE is lower in AFTER, and AFTER has each of them.
counters_kept()
{
	/usr/bin/python3 - "$1" "$2" <<'PY'
import re, sys
def read(path):
    kinds, vals = {}, {}
    for line in open(path):
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            kinds[name] = kind
        elif line.strip() and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            vals[series] = float(value)
    return kinds, vals
kinds, before = read(sys.argv[1])
_, after = read(sys.argv[2])
def kind(series):
    name = re.split(r"[{ ]", series)[0]
    for suffix in ("_bucket", "_count", "_sum", ""):
        base = name[: len(name) - len(suffix)] if suffix and name.endswith(suffix) else name
        if kinds.get(base) in ("counter", "histogram", "summary") and (suffix or kinds.get(base) == "counter"):
            return kinds[base]
    return None
bad = 0
for series, v in before.items():
    if kind(series) is None or "quantile=" in series:
        continue
    if series not in after:
        print("  gone: %s (was %g)" % (series, v)); bad += 1
    elif after[series] < v:
        print("  went back: %s %g -> %g" % (series, v, after[series])); bad += 1
n = sum(1 for s in before if kind(s))
print("  %d counter series compared, %d went back or are gone" % (n, bad))
sys.exit(1 if bad else 0)
PY
}

# pins: the names pinned for the instance, one a line.
pins() { ls "$PINS" 2>/dev/null; }
xdp_on_g1() { xdp_attached "$NS_GW" "$IF_GW1"; }
prog_on_g1() { ip -n "$NS_GW" -d link show "$IF_GW1" | sed -nE 's/.*prog\/xdp id ([0-9]+).*/\1/p' | head -1; }

# place_call LOG: sipp's long call from the caller, in the background (UAC_PID).
place_call()
{
	cd "$DIR" || exit 1
	net_bg "$NS_CALLER" "$DIR/$1" timeout 60 sipp -sf "$HERE/scenarios/uac_long.xml" "$CALLEE_IP:$SIP_PORT" \
		-i "$CALLER_IP" -p "$SIP_PORT" -m 1 -nostdin -trace_err -timeout 50s -timeout_error
	UAC_PID=$NET_LAST_PID
	cd / || exit 1
}

# stream_is CAPTURE WANT: the single record's stream against tshark's,
# WANT "exact" (packets and lost equal, nothing unseen) or "unseen"
# (packets + unseen = tshark's packets, lost equal, unseen > 0).
stream_is()
{
	tshark -n -r "$1" -q -z rtp,streams >"$1.streams" 2>/dev/null
	/usr/bin/python3 - "$1.streams" "$DIR/out/calls.json" "$2" <<'PY'
import json, sys
rows = [l.split() for l in open(sys.argv[1]) if any(t.startswith("0x") for t in l.split())]
recs = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
want = sys.argv[3]
if len(rows) != 1 or len(recs) != 1 or len(recs[0]["streams"]) != 1:
    print("  tshark streams %d, records %d" % (len(rows), len(recs))); sys.exit(1)
r = rows[0]
# start, end, source and port, destination and port, SSRC, payload, packets, lost, ...
i = [k for k, t in enumerate(r) if t.startswith("0x")][0]
tpk, tlost = int(r[i + 2]), int(r[i + 3])
s = recs[0]["streams"][0]
print("  tshark: %d packets, %d lost; record: %d packets, %d lost, %d unseen, state %s" %
      (tpk, tlost, s["packets"], s["lost"], s["unseen"], recs[0]["state"]))
ok = s["lost"] == tlost and recs[0]["state"] == "completed"
if want == "exact":
    ok = ok and s["packets"] == tpk and s["unseen"] == 0
else:
    ok = ok and s["packets"] + s["unseen"] == tpk and s["unseen"] > 0
sys.exit(0 if ok else 1)
PY
}

records() { [ -s "$DIR/out/calls.json" ] && wc -l <"$DIR/out/calls.json" || echo 0; }

# --- 1. no --persist: the state file alone --------------------------------

net_tshark "$NS_GW" "$IF_GW1" "$DIR/cap1.pcap" "$DIR/tshark1.log" udp
agent a1 || fail "agent a1 started"
T0=$(clock)
place_call uac1.log
at 5
snap a1
net_stop "$AGENT_PID" TERM 5
check "1: SIGTERM: exit 0" test "$NET_STOP_RC" -eq 0
check "1: no record written at the handover" test "$(records)" = 0
check "1: the state file written" test -s "$DIR/out/state"
check "1: without --persist, nothing attached in the gap" not xdp_on_g1
check "1: ... and nothing pinned" test -z "$(pins)"
at 8
agent a2 || fail "agent a2 started"
echo "    restarted at $(since) s: $(grep -h 'state file' "$DIR/a2.err" | head -1)"
check "1: the new agent follows the call on" grep -q '1 calls followed on' "$DIR/a2.err"
check "1: the state file, read, is gone" test ! -e "$DIR/out/state"
snap a2
check "1: the text file's counters never go back (SIGTERM)" counters_kept "$DIR/a1.prom" "$DIR/a2.prom"
wait "$UAC_PID"
check "1: sipp's call completed (exit $?)" test $? -eq 0
sleep 3.5	# grace and a tick
net_stop "$TSHARK_PID" INT 10
check "1: one record" test "$(records)" = 1
check "1: the record: packets + unseen = tshark's packets, lost as tshark's" stream_is "$DIR/cap1.pcap" unseen
snap a2end
net_stop "$AGENT_PID" KILL 5
for _ in $(seq 20); do xdp_on_g1 || break; sleep 0.1; done
check "1: SIGKILL without --persist: nothing left attached" not xdp_on_g1
check "1: ... nothing pinned" test -z "$(pins)"
mv "$DIR/out/calls.json" "$DIR/calls1.json"

# --- 2. --persist: SIGTERM, SIGKILL, upgrade --------------------------------

wait "$VARIANT_JOB"
check "2: the variant build (another program, the same layout)" test -x "$VARIANT/sipxdp"
net_tshark "$NS_GW" "$IF_GW1" "$DIR/cap2.pcap" "$DIR/tshark2.log" udp
agent p1 --persist || fail "agent p1 started"
T0=$(clock)
place_call uac2.log
check "2: maps and links pinned" test "$(pins | tr '\n' ' ')" = \
	"link_xdp_g1 link_xdp_g2 map_bss map_endpoints map_ep_unpaired map_events map_health map_pending map_sip_frags map_streams meta "
PROG1=$(prog_on_g1)
at 5
snap p1
net_stop "$AGENT_PID" TERM 5
check "2: SIGTERM: exit 0" test "$NET_STOP_RC" -eq 0
check "2: no record written at the handover" test "$(records)" = 0
check "2: XDP stays on g1 through the gap (the pinned link)" xdp_on_g1
check "2: ... running the same program" test "$(prog_on_g1)" = "$PROG1"
at 8
agent p2 --persist || fail "agent p2 started"
echo "    restarted at $(since) s: $(grep -h 'state file' "$DIR/p2.err" | head -1)"
check "2: the maps taken, not made" grep -q 'took the maps pinned in' "$DIR/p2.err"
check "2: the links taken over" test "$(grep -c 'took over the pinned XDP link' "$DIR/p2.err")" = 2
check "2: the call followed on" grep -q '1 calls followed on' "$DIR/p2.err"
snap p2
check "2: the text file's counters never go back (SIGTERM)" counters_kept "$DIR/p1.prom" "$DIR/p2.prom"
at 11
snap p2b
cp "$DIR/out/state" "$DIR/state-periodic" 2>/dev/null
net_stop "$AGENT_PID" KILL 5
check "2: SIGKILL with --persist: XDP stays on g1" xdp_on_g1
check "2: ... the state file of the last interval is there" test -s "$DIR/out/state"
at 13
agent p3 --persist || fail "agent p3 started"
echo "    restarted at $(since) s: $(grep -h 'state file' "$DIR/p3.err" | head -1)"
check "2: after SIGKILL the call followed on (a periodic state file)" \
	grep -q 'written [0-9.]* s ago (periodically, --persist): 1 calls followed on' "$DIR/p3.err"
snap p3
check "2: the text file's counters never go back (SIGKILL)" counters_kept "$DIR/p2b.prom" "$DIR/p3.prom"
at 17
snap p3b
net_stop "$AGENT_PID" TERM 5
agent p4 --bin "$VARIANT/sipxdp" --persist || fail "agent p4 (the variant) started"
echo "    upgraded at $(since) s: $(grep -h 'state file' "$DIR/p4.err" | head -1)"
PROG2=$(prog_on_g1)
check "2: upgrade: the variant took the links over" test "$(grep -c 'took over the pinned XDP link' "$DIR/p4.err")" = 2
check "2: ... g1 runs another program ($PROG1 -> $PROG2)" test -n "$PROG2" -a "$PROG2" != "$PROG1"
check "2: ... of another tag" test "$(bpftool prog show id "$PROG1" -j 2>/dev/null | jq -r .tag)" != \
	"$(bpftool prog show id "$PROG2" -j | jq -r .tag)"
# Frames the variant counted in health.pad[0], at byte 160 of each CPU's value (sipxdp.h).
variant_counts()
{
	bpftool map dump pinned "$PINS/map_health" -j | /usr/bin/python3 -c '
import json, sys
vals = json.load(sys.stdin)[0]["values"]
n = sum(int.from_bytes(bytes(int(b, 16) for b in v["value"][160:168]), "little") for v in vals)
print("    the variant counted %d frames" % n)
sys.exit(0 if n > 0 else 1)'
}
check "2: ... which counts in the pinned health map" variant_counts
snap p4
check "2: the text file's counters never go back (upgrade)" counters_kept "$DIR/p3b.prom" "$DIR/p4.prom"
wait "$UAC_PID"
check "2: sipp's call completed (exit $?)" test $? -eq 0
sleep 3.5
net_stop "$TSHARK_PID" INT 10
check "2: one record, written once across four agents" test "$(records)" = 1
check "2: the record: exactly tshark's packets and lost, the gaps' packets in it" stream_is "$DIR/cap2.pcap" exact
snap p4end
check "2: the text file's counters never go back (to the end)" counters_kept "$DIR/p1.prom" "$DIR/p4end.prom"
net_stop "$AGENT_PID" TERM 5
check "2: after the last agent, still attached (--persist)" xdp_on_g1
ip netns exec "$NS_GW" "$SIPXDP" --detach --state-dir "$BPFFS" --state-file "$DIR/out/state" \
	>"$DIR/detach.out" 2>"$DIR/detach.err"
check "2: --detach: exit 0" test $? -eq 0
sed 's/^/    /' "$DIR/detach.out"
check "2: --detach: one line saying what it removed" grep -qx \
	"sipxdp: instance default: removed 2 links (xdp g1, xdp g2) and 9 maps from $PINS and the state file $DIR/out/state" \
	"$DIR/detach.out"
check "2: ... no pin left" test ! -e "$PINS"
for _ in $(seq 20); do xdp_attached "$NS_GW" "$IF_GW1" || xdp_attached "$NS_GW" "$IF_GW2" || break; sleep 0.1; done
check "2: ... no XDP left on g1 or g2" gw_xdp_on_neither
ip netns exec "$NS_GW" "$SIPXDP" --detach --state-dir "$BPFFS" >"$DIR/detach2.out" 2>&1
check "2: --detach again: nothing there, said so" grep -qx "sipxdp: instance default: nothing pinned in $PINS, no state file" \
	"$DIR/detach2.out"
mv "$DIR/out/calls.json" "$DIR/calls2.json"

# --- 3. stale and hostile state ---------------------------------------------

entries() { bpftool map dump pinned "$PINS/map_$1" -j 2>/dev/null | jq length; }
# stop_agent: SIGTERM, exit 0 expected.
stop_agent() { net_stop "$AGENT_PID" TERM 5; [ "$NET_STOP_RC" -eq 0 ]; }

# A state file whose kernel state is gone: part 2's periodic file (11 s into
# the call), its pins removed since: the call is written out at once.
cp "$DIR/state-periodic" "$DIR/out/state"
agent g1 --persist --calls-json "$DIR/calls3.json" || fail "agent g1 started"
check "3: a state file of maps that are gone: the call written out at once" \
	grep -q '0 calls followed on, 1 written out at once' "$DIR/g1.err"
check "3: ... its record: the call of part 2, state active" test "$(jq -r '.call_id + " " + .state' "$DIR/calls3.json")" = \
	"$(jq -r .call_id "$DIR/calls2.json") active"
check "3: ... nothing of it in the kernel (endpoints 0, streams 0)" test "$(entries endpoints) $(entries streams)" = "0 0"
stop_agent || fail "3: agent g1 exit 0"

# An endpoint and a stream in the pinned maps that no state file explains.
rm -f "$DIR/out/state"
/usr/bin/python3 - "$PINS" <<'PY' || fail "3: put an endpoint and a stream in the pinned maps"
import subprocess, sys, time
pins = sys.argv[1]
addr = bytes(10) + b"\xff\xff" + bytes([10, 10, 2, 99])
hexs = lambda b: [format(x, "02x") for x in b]
ep_key = addr + (7000).to_bytes(2, "big") + bytes([17, 0])
subprocess.run(["bpftool", "map", "update", "pinned", pins + "/map_endpoints", "key", "hex"] + hexs(ep_key) +
               ["value", "hex"] + hexs(bytes(144)), check=True)
sk = addr + bytes(10) + b"\xff\xff" + bytes([10, 10, 1, 2]) + (7000).to_bytes(2, "big") + \
    (7002).to_bytes(2, "big") + (0x1234).to_bytes(4, "little")
st = bytearray(168)
st[8:16] = (5).to_bytes(8, "little")				# packets
st[24:32] = time.monotonic_ns().to_bytes(8, "little")		# last_ns: now
subprocess.run(["bpftool", "map", "update", "pinned", pins + "/map_streams", "key", "hex"] + hexs(sk) +
               ["value", "hex"] + hexs(st), check=True)
PY
check "3: ... there" test "$(entries endpoints) $(entries streams)" = "1 1"
agent g2 --persist || fail "agent g2 started"
check "3: ... the new agent took the maps" grep -q 'took the maps pinned' "$DIR/g2.err"
sleep 3.5	# the grace period (2 s) and a tick
check "3: ... gone after the grace period (endpoints 0, streams 0)" test "$(entries endpoints) $(entries streams)" = "0 0"
stop_agent || fail "3: agent g2 exit 0"

# one_error LOG: the agent's stderr has one error line, and it matches.
one_error() { [ "$(grep -c 'error' "$1")" = 1 ] && grep -qE -- "$2" "$1"; }

# Pins of another layout: their meta says 999.
bpftool map update pinned "$PINS/meta" key hex 00 00 00 00 value hex 58 50 49 53 e7 03 00 00 00 00 00 00 00 00 00 00
ip netns exec "$NS_GW" "$SIPXDP" "${AGENT_ARGS[@]}" --persist >/dev/null 2>"$DIR/layout.err" </dev/null
RC=$?
check "3: pins of another layout: exit 1 ($RC)" test "$RC" -eq 1
check "3: ... one error line saying so" one_error "$DIR/layout.err" \
	"pinned state in $PINS is not this build's: layout 999, this build's is [0-9]+ \(--reset-state replaces it"
agent g3 --persist --reset-state || fail "agent g3 started"
check "3: ... replaced with --reset-state" grep -q "pinned state in $PINS replaced (--reset-state): layout 999" "$DIR/g3.err"
check "3: ... and the agent runs" kill -0 "$AGENT_PID"
stop_agent || fail "3: agent g3 exit 0"

# Pins of another size (--max-streams).
ip netns exec "$NS_GW" "$SIPXDP" "${AGENT_ARGS[@]}" --persist --max-streams 1024 >/dev/null 2>"$DIR/size.err" </dev/null
RC=$?
check "3: pins of another size: exit 1 ($RC), one error line naming the map" \
	bash -c "[ $RC = 1 ] && $(declare -f one_error); one_error '$DIR/size.err' 'map streams: 65536 entries where these options make 1024'"

# A truncated state file: refused in one line, kept aside, the agent starts clean.
head -c $(($(stat -c %s "$DIR/state-periodic") / 2)) "$DIR/state-periodic" >"$DIR/out/state"
agent g4 --persist || fail "agent g4 started"
check "3: a truncated state file: refused in one line" \
	grep -q "state file $DIR/out/state refused: .*bytes where its header says .*starting with no call" "$DIR/g4.err"
check "3: ... kept aside as state.refused" test -s "$DIR/out/state.refused"
check "3: ... and the agent runs" kill -0 "$AGENT_PID"
stop_agent || fail "3: agent g4 exit 0"
ip netns exec "$NS_GW" "$SIPXDP" --detach --state-dir "$BPFFS" --state-file "$DIR/out/state" >/dev/null 2>&1
check "3: --detach: no pin left" test ! -e "$PINS"

# --- 4. as the unit runs it: its user, its capabilities ---------------------

# A system user of the test's own, the unit's ambient capabilities (as
# test_service.sh), the pin directory made the user's as the unit's
# ExecStartPre makes it, the state file in a directory of the user's.
UNIT=$REPO/deploy/systemd/sipxdp.service
CAPS=$(sed -nE 's/^AmbientCapabilities=//p' "$UNIT" | tr 'A-Z' 'a-z' | sed -E 's/cap_/+/g; s/ +/,/g')
SVC_USER="sipxdp-r$$"
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SVC_USER" ||
	{ fail "create system user $SVC_USER"; summary; exit 1; }
NET_CLEANUP_HOOKS+=("userdel -f $SVC_USER 2>/dev/null")
chmod 0755 "$DIR"
mkdir -m 0700 "$BPFFS/svc" "$DIR/svc" && chown "$SVC_USER:" "$BPFFS/svc" "$DIR/svc"
svc_agent()	# svc_agent LOG IFACE...: the agent as the unit starts it, --persist, --egress
{
	local log=$1 i
	local -a ifs=()

	shift
	for i in "$@"; do ifs+=(-i "$i"); done
	ip netns exec "$NS_GW" setpriv --reuid="$SVC_USER" --regid="$SVC_USER" --init-groups \
		--inh-caps=-all,"$CAPS" --ambient-caps=-all,"$CAPS" --bounding-set=-all,"$CAPS" --no-new-privs \
		"$SIPXDP" "${ifs[@]}" --egress --interval 1 --user "$SVC_USER" --persist \
		--state-dir "$BPFFS/svc" --state-file "$DIR/svc/state" >/dev/null 2>"$DIR/$log.err" </dev/null &
	AGENT_PID=$!
	NET_PIDS+=("$AGENT_PID")
	wait_for_line "$DIR/$log.err" 'running as' 5 "$AGENT_PID"
}
check "4: as the unit's user and capabilities, --persist --egress: started" svc_agent s1 "$IF_GW1" "$IF_GW2"
check "4: ... XDP and tcx links pinned on both interfaces" test "$(ls "$BPFFS/svc/default" | grep -c '^link_')" = 4
check "4: ... the pins made, the user's" test "$(stat -c %U "$BPFFS/svc/default/map_streams" "$BPFFS/svc/default/link_xdp_g1" | sort -u)" = "$SVC_USER"
check "4: ... no capability left once set up" test "$(awk '$1 == "CapEff:" {print $2}' /proc/"$AGENT_PID"/status)" = 0000000000000000
stop_agent || fail "4: agent s1 exit 0"
check "4: the state file written after the drop, the user's, 0600" test "$(stat -c '%U %a' "$DIR/svc/state")" = "$SVC_USER 600"
# Again, on g1 only: its links taken over, g2's removed.
svc_agent s2 "$IF_GW1" || fail "4: agent s2 started"
check "4: ... the maps taken" grep -q 'took the maps pinned' "$DIR/s2.err"
check "4: ... g1's XDP and tcx links taken over (bpf_link_update with the unit's capabilities)" \
	bash -c "grep -q 'g1 (ifindex [0-9]*): took over the pinned XDP link' '$DIR/s2.err' &&
		grep -q 'g1 egress: took over the pinned tcx link' '$DIR/s2.err'"
check "4: ... g2's, no longer watched, removed" \
	test "$(grep -c 'removed pinned link link_[a-z]*_g2: its interface or hook is not watched now' "$DIR/s2.err")" = 2
for _ in $(seq 20); do xdp_attached "$NS_GW" "$IF_GW2" || break; sleep 0.1; done
check "4: ... no XDP left on g2" not xdp_attached "$NS_GW" "$IF_GW2"
check "4: ... the state file read" grep -q "state file $DIR/svc/state, written" "$DIR/s2.err"
stop_agent || fail "4: agent s2 exit 0"
ip netns exec "$NS_GW" "$SIPXDP" --detach --state-dir "$BPFFS/svc" --state-file "$DIR/svc/state" >"$DIR/detach4.out" 2>&1
check "4: --detach as root: removed" grep -q 'removed 2 links (tcx g1, xdp g1) and 9 maps' "$DIR/detach4.out"
for _ in $(seq 20); do gw_xdp_on_neither && break; sleep 0.1; done
check "4: ... no XDP left" gw_xdp_on_neither

summary
