# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh - shared helpers for the network tests and the demo.  Source it.
#
# Builds caller <-> gateway <-> callee out of three network namespaces and two
# veth pairs, so real SIP/RTP peers talk through a router the agent can watch
# without any packet leaving the machine:
#
#   caller ns            gateway ns (ip_forward=1)          callee ns
#   c0 10.10.1.2/24 ---- g1 10.10.1.1/24 | g2 10.10.2.1/24 ---- e0 10.10.2.2/24
#
# Namespace names carry the shell's pid, so parallel runs and leftovers of a
# killed run never collide.  Interface names need no suffix: the veths are
# created directly inside their namespaces and never exist in the root one.
#
# Skips follow the automake convention: exit status 77 means "not run".

NET_SUFFIX=${NET_SUFFIX:-$$}
NS_CALLER="sipxdp-caller-$NET_SUFFIX"
NS_GW="sipxdp-gw-$NET_SUFFIX"
NS_CALLEE="sipxdp-callee-$NET_SUFFIX"

CALLER_IP=10.10.1.2
GW_IP1=10.10.1.1
GW_IP2=10.10.2.1
CALLEE_IP=10.10.2.2
IF_CALLER=c0
IF_GW1=g1
IF_GW2=g2
IF_CALLEE=e0

# A tx -> rx veth pair of its own, for replays (net_setup_txrx).
NS_TX="sipxdp-tx-$NET_SUFFIX"
NS_RX="sipxdp-rx-$NET_SUFFIX"
IF_TX=t0
IF_RX=r0

# Live tests compare the agent's stream figures with tshark's on the same
# link: packets and loss exactly, the timing figures within what two capture
# points may differ by.  The agent stamps a packet in XDP, tshark at the
# packet tap after it; on a quiet VM the two differ by microseconds (seen:
# 1 us in jitter, 4 us in max delta), but a vCPU stalled between them, on a
# shared 2-vCPU machine, moves one packet's time by up to a millisecond
# (seen: max delta 34.844 against 35.291 ms under a flood; max jitter 1.352
# against 1.392 ms on the mirror port in a CI run).  A shift of d ms moves
# jitter by d/16 and max delta by d: hence 0.07 and 1.0 ms, still far below a
# difference an operator would read as another figure.  Exact timing is the
# conformance tier's, where both tools read the same capture.
LIVE_JITTER_TOL=${JITTER_TOL:-0.07}
LIVE_DELTA_TOL=${DELTA_TOL:-1.0}

NET_NAMESPACES=()	# created so far, deleted by net_cleanup
NET_PIDS=()		# background processes, killed by net_cleanup
NET_TMPDIRS=()		# scratch directories, removed by net_cleanup
NET_CLEANUP_HOOKS=()	# extra commands for net_cleanup, run first
NET_CLEANED=0

skip()
{
	echo "SKIP: $*"
	exit 77
}

need_root()
{
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, XDP)"
}

# need_tools TOOL... - skip unless every tool is on PATH (or an executable path).
need_tools()
{
	local t

	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
	done
}

# in_ns NS CMD... - run CMD in namespace NS.
in_ns()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

# net_bg NS LOG CMD... - start CMD in NS in the background, stdout and stderr
# to LOG; its pid is appended to NET_PIDS and left in NET_LAST_PID.
# `ip netns exec` execs the command, so the pid is the command's own.
net_bg()
{
	local ns=$1 log=$2

	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	NET_LAST_PID=$!
	NET_PIDS+=("$NET_LAST_PID")
}

# net_stop PID [SIGNAL] [TIMEOUT_S] - signal PID (default TERM), wait for it
# up to TIMEOUT_S (default 5) then SIGKILL.  Sets NET_STOP_RC to its exit
# status (128 + signal if it was killed).  Only for children of this shell.
net_stop()
{
	local pid=$1 sig=${2:-TERM} timeout=${3:-5} i

	NET_STOP_RC=0
	kill -0 "$pid" 2>/dev/null && kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < timeout * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# shellcheck disable=SC2034  # read by the scripts that source this
	NET_STOP_RC=$?
}

# wait_for_line FILE REGEX TIMEOUT_S [PID] - poll FILE until a line matches;
# give up early if PID has exited.  Returns 0 on a match.
wait_for_line()
{
	local file=$1 re=$2 timeout=$3 pid=${4:-} i

	for ((i = 0; i < timeout * 10; i++)); do
		grep -qE -- "$re" "$file" 2>/dev/null && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			grep -qE -- "$re" "$file" 2>/dev/null
			return
		fi
		sleep 0.1
	done
	return 1
}

# net_mktemp - a scratch directory removed at cleanup; path in NET_TMP.
net_mktemp()
{
	NET_TMP=$(mktemp -d /tmp/sipxdp-net.XXXXXX) || return 1
	NET_TMPDIRS+=("$NET_TMP")
}

net_add_ns()
{
	ip netns add "$1" || return 1
	NET_NAMESPACES+=("$1")
	ip -n "$1" link set lo up
}

# net_setup - build the three namespaces.  Needs the cleanup trap installed
# first (net_trap) so a half-built network is still torn down.
net_setup()
{
	net_add_ns "$NS_CALLER" && net_add_ns "$NS_GW" && net_add_ns "$NS_CALLEE" || return 1

	ip link add "$IF_CALLER" netns "$NS_CALLER" type veth \
		peer name "$IF_GW1" netns "$NS_GW" || return 1
	ip link add "$IF_CALLEE" netns "$NS_CALLEE" type veth \
		peer name "$IF_GW2" netns "$NS_GW" || return 1

	ip -n "$NS_CALLER" addr add "$CALLER_IP/24" dev "$IF_CALLER" &&
	ip -n "$NS_GW" addr add "$GW_IP1/24" dev "$IF_GW1" &&
	ip -n "$NS_GW" addr add "$GW_IP2/24" dev "$IF_GW2" &&
	ip -n "$NS_CALLEE" addr add "$CALLEE_IP/24" dev "$IF_CALLEE" || return 1

	ip -n "$NS_CALLER" link set "$IF_CALLER" up &&
	ip -n "$NS_GW" link set "$IF_GW1" up &&
	ip -n "$NS_GW" link set "$IF_GW2" up &&
	ip -n "$NS_CALLEE" link set "$IF_CALLEE" up || return 1

	ip -n "$NS_CALLER" route add default via "$GW_IP1" &&
	ip -n "$NS_CALLEE" route add default via "$GW_IP2" || return 1
	in_ns "$NS_GW" sysctl -qw net.ipv4.ip_forward=1 || return 1

	# Fail here, not in the middle of a call, if forwarding does not work.
	in_ns "$NS_CALLER" /usr/bin/python3 -c "$NET_PROBE_PY" "$CALLEE_IP" ||
		{ echo "net_setup: caller cannot reach $CALLEE_IP through $NS_GW" >&2; return 1; }
}

# A round trip without ping (not installed everywhere): a UDP datagram to a
# closed port comes back as ICMP port unreachable, which a connected socket
# reports as ECONNREFUSED.  A timeout means no path.
NET_PROBE_PY='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], 9))
for _ in range(3):
    try:
        s.send(b"probe")
        s.recv(1)
    except ConnectionRefusedError:
        sys.exit(0)
    except OSError:
        pass
sys.exit(1)
'

# net_setup_txrx [TX_ADDR RX_ADDR] - tx -> rx over one veth pair, no
# addresses unless given (IPv4, a /24 each): with none, nothing in either
# namespace talks, so a capture on IF_RX holds exactly the frames sent from
# IF_TX (IPv6 is off, or its router and neighbour solicitations would join
# them).  Needs net_trap first, as net_setup.
net_setup_txrx()
{
	local ns

	for ns in "$NS_TX" "$NS_RX"; do
		net_add_ns "$ns" || return 1
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	ip link add "$IF_TX" netns "$NS_TX" type veth peer name "$IF_RX" netns "$NS_RX" || return 1
	if [ $# -eq 2 ]; then
		ip -n "$NS_TX" addr add "$1/24" dev "$IF_TX" && ip -n "$NS_RX" addr add "$2/24" dev "$IF_RX" ||
			return 1
	fi
	ip -n "$NS_TX" link set "$IF_TX" up &&
	ip -n "$NS_RX" link set "$IF_RX" up
}

# prom_value FILE NAME - the value of series NAME (name and labels as
# written) in a Prometheus text file; nothing if it is not there.
prom_value() { awk -v n="$2" '$1 == n {print $2}' "$1"; }

# perf_start PID SECONDS FILE - with PERF=1 and perf installed, profile PID
# for SECONDS in the background (perf_top prints it); otherwise nothing.
perf_start()
{
	PERF_PID=
	[ -n "${PERF:-}" ] && command -v perf >/dev/null || return 0
	perf record -q -g -o "$3" -p "$1" -- sleep "$2" >/dev/null 2>&1 &
	PERF_PID=$!
}

# perf_top FILE - after perf_start: wait for it, print the top of the profile.
perf_top()
{
	[ -n "${PERF_PID:-}" ] || return 0
	wait "$PERF_PID"
	PERF_PID=
	perf report -i "$1" --no-children --sort dso,symbol -g none 2>/dev/null | grep '%' | head -15 |
		sed 's/^/  perf: /'
}

# net_cleanup - kill every background process, delete every namespace (which
# deletes the veths in it) and scratch directory.  Idempotent.
net_cleanup()
{
	local pid ns d hook

	[ "$NET_CLEANED" -eq 1 ] && return 0
	NET_CLEANED=1
	for hook in "${NET_CLEANUP_HOOKS[@]}"; do
		eval "$hook"
	done
	for pid in "${NET_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${NET_PIDS[@]}"; do
		net_stop "$pid" TERM 3
	done
	for ns in "${NET_NAMESPACES[@]}"; do
		# Anything still running inside was started by this run.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	for d in "${NET_TMPDIRS[@]}"; do
		rm -rf -- "$d"
	done
	NET_NAMESPACES=()
	NET_PIDS=()
	NET_TMPDIRS=()
}

# net_trap - run net_cleanup on any exit.  INT and TERM exit through the EXIT
# trap so cleanup runs exactly once, with the status of the signal.
net_trap()
{
	trap net_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# net_keep_on_failure DIR - at cleanup, keep the scratch directories when a
# check failed or KEEP=1, and after a failure show the tail of DIR/agent.err:
# the evidence outlives the run.
net_keep_on_failure()
{
	NET_KEEP_DIR=$1
	NET_CLEANUP_HOOKS+=(net_keep_hook)
}

net_keep_hook()
{
	if [ "$CHECKS_FAILED" -ne 0 ] || [ "${KEEP:-0}" = 1 ]; then
		NET_TMPDIRS=()
		echo "work directory kept: $NET_KEEP_DIR"
		[ "$CHECKS_FAILED" -ne 0 ] && [ -s "$NET_KEEP_DIR/agent.err" ] &&
			{ echo "--- agent stderr (tail)"; tail -n 20 "$NET_KEEP_DIR/agent.err"; }
	fi
	return 0
}

# Check bookkeeping for the "N passed, N failed" summary.
CHECKS_PASSED=0
CHECKS_FAILED=0

pass()
{
	CHECKS_PASSED=$((CHECKS_PASSED + 1))
	echo "PASS: $*"
}

fail()
{
	CHECKS_FAILED=$((CHECKS_FAILED + 1))
	echo "FAIL: $*"
}

# check DESCRIPTION CMD... - pass if CMD succeeds.
check()
{
	local what=$1

	shift
	if "$@"; then
		pass "$what"
	else
		fail "$what"
	fi
}

summary()
{
	echo "$CHECKS_PASSED passed, $CHECKS_FAILED failed"
	[ "$CHECKS_FAILED" -eq 0 ]
}

# not CMD... - true if CMD fails: a check that something is absent.
not()
{
	! "$@"
}

# need_agent - the agent binary SIPXDP exists; otherwise a failed check (a
# missing build is not a reason to skip), the summary, and exit 1.
need_agent()
{
	[ -x "$SIPXDP" ] && return 0
	fail "agent binary $SIPXDP is not built"
	summary
	exit 1
}

# net_agent_bg NS DIR ARGS... - the agent ($SIPXDP ARGS...) in NS in the
# background, stdout to DIR/agent.out, stderr (its log) to DIR/agent.err.
# Its pid is appended to NET_PIDS and left in AGENT_PID.  Not net_bg: the
# log stays apart from what the agent prints on stdout.
net_agent_bg()
{
	local ns=$1 d=$2

	shift 2
	# The child truncates the log after the fork: an earlier agent's lines
	# would otherwise be read as this one's (net_agent_start's wait).
	rm -f "$d/agent.out" "$d/agent.err"
	ip netns exec "$ns" "$SIPXDP" "$@" >"$d/agent.out" 2>"$d/agent.err" </dev/null &
	AGENT_PID=$!
	NET_PIDS+=("$AGENT_PID")
}

# net_agent_start NS DIR REGEX ARGS... - net_agent_bg, then wait up to 5 s
# for a log line matching REGEX (its "attached to IF" lines).  Only a
# warning without one: the checks that follow say what is wrong.
net_agent_start()
{
	local ns=$1 d=$2 re=$3

	shift 3
	net_agent_bg "$ns" "$d" "$@"
	wait_for_line "$d/agent.err" "$re" 5 "$AGENT_PID" ||
		echo "warning: no 'attached' from the agent within 5 s" >&2
}

# net_tshark NS IF PCAP LOG [FILTER] - tshark capturing IF of NS into PCAP in
# the background (pid in TSHARK_PID), output in LOG.  Returns once tshark
# says the capture runs ("Capture started" once dumpcap is capturing), or
# after 10 s with a warning.
net_tshark()
{
	local ns=$1 ifc=$2 pcap=$3 log=$4
	local -a filter=()

	[ -n "${5:-}" ] && filter=(-f "$5")
	net_bg "$ns" "$log" tshark -n -i "$ifc" "${filter[@]}" -w "$pcap"
	TSHARK_PID=$NET_LAST_PID
	wait_for_line "$log" "Capture started|Capturing on" 10 "$TSHARK_PID" ||
		echo "warning: tshark did not report a running capture" >&2
}

# frames_in PCAP - the number of frames in a capture file.
frames_in()
{
	capinfos -M -c -T "$1" 2>/dev/null | awk -F'\t' 'NR == 2 {print $2}'
}

# gw_xdp_on_both, gw_xdp_on_neither - an XDP program on both or neither of
# the gateway's interfaces.
gw_xdp_on_both()
{
	xdp_attached "$NS_GW" "$IF_GW1" && xdp_attached "$NS_GW" "$IF_GW2"
}

gw_xdp_on_neither()
{
	! xdp_attached "$NS_GW" "$IF_GW1" && ! xdp_attached "$NS_GW" "$IF_GW2"
}

# sipp_uac_pcap DIR NCALLS - sipp's uac_pcap places NCALLS calls from the
# caller to the callee's SIP_PORT and plays pcap/g711a.pcap and
# pcap/dtmf_2833_1.pcap relative to DIR (see sipp_media_dir); -i binds SIP
# and (as the default -mi) media.  In the background so a signal reaches
# the traps without waiting for sipp.  Its exit status in UAC_RC.
sipp_uac_pcap()
{
	local d=$1 n=$2

	cd "$d" || exit 1
	net_bg "$NS_CALLER" "$d/uac.log" timeout 60 sipp -sn uac_pcap "$CALLEE_IP:$SIP_PORT" \
		-i "$CALLER_IP" -p "$SIP_PORT" -m "$n" -l "$n" -r 1 \
		-nostdin -trace_err -timeout 50s -timeout_error
	wait "$NET_LAST_PID"
	# shellcheck disable=SC2034  # read by the scripts that source this
	UAC_RC=$?
	cd / || exit 1
}

# sipp_media_dir DIR - the built-in uac_pcap scenario plays pcap/g711a.pcap
# and pcap/dtmf_2833_1.pcap relative to the current directory.
sipp_media_dir()
{
	local src=${SIPP_PCAP_DIR:-/usr/share/sip-tester}

	mkdir -p "$1/pcap" || return 1
	ln -sf "$src/g711a.pcap" "$1/pcap/g711a.pcap" &&
	ln -sf "$src/dtmf_2833_1.pcap" "$1/pcap/dtmf_2833_1.pcap"
}

# free_tcp_port - a port nothing listens on in the current namespace.
free_tcp_port()
{
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# xdp_attached NS IF - true if IF in NS has an XDP program.
xdp_attached()
{
	ip -n "$1" link show dev "$2" | grep -qw 'xdp\|xdpgeneric\|xdpdrv\|xdpoffload\|prog/xdp'
}
