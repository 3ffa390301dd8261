#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_attach.sh - the agent's command line and its life on an interface:
# --help, one-line errors for bad configuration and missing privileges,
# native and skb attach, detach on SIGTERM and on SIGKILL (bpf_link), a
# second agent refused, promiscuous mode undone at exit.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac

need_root
need_tools ip runuser timeout
[ -x "$SIPXDP" ] || { fail "agent binary $SIPXDP is not built"; summary; exit 1; }

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
NS="sipxdp-attach-$NET_SUFFIX"
net_add_ns "$NS" || exit 1
ip -n "$NS" link add v0 type veth peer name v1 && ip -n "$NS" link set v0 up &&
	ip -n "$NS" link set v1 up || exit 1

# --- command line ------------------------------------------------------

"$SIPXDP" --help >"$DIR/help" 2>&1
check "--help exits 0" test $? -eq 0
for o in --interface --xdp-mode --sip-port --textfile --interval --calls-json --read \
	--show --promisc --grace --setup-timeout --rtp-timeout --max-duration --tls-port --max-calls --max-streams \
	--user --config --verbose --help; do
	grep -q -- "$o" "$DIR/help" || fail "--help lists $o"
done
check "--help starts with the usage line" grep -q '^Usage: sipxdp -i IFACE' "$DIR/help"

# errors: exactly one line on stderr, nothing on stdout, non-zero exit
one_line_error()	# one_line_error WANT_REGEX ARGS...
{
	local want=$1 rc

	shift
	in_ns "$NS" "$SIPXDP" "$@" >"$DIR/out" 2>"$DIR/err"
	rc=$?
	[ $rc -ne 0 ] && [ ! -s "$DIR/out" ] && [ "$(wc -l <"$DIR/err")" -eq 1 ] &&
		grep -qE -- "$want" "$DIR/err" && return 0
	echo "  sipxdp $*: exit $rc, stderr:"; sed 's/^/    /' "$DIR/err"
	return 1
}
check "missing interface" one_line_error 'nope0: no such interface' -i nope0
check "no -i and no --read" one_line_error 'either -i IFACE or --read' --interval 1
check "both -i and --read" one_line_error 'either -i IFACE or --read' -i v0 --read /dev/null
check "bad SIP port" one_line_error "sip-port: '70000'" -i v0 --sip-port 70000
check "bad interval" one_line_error "interval: 'x'" -i v0 --interval x
check "bad xdp mode" one_line_error "xdp-mode: 'fast'" -i v0 --xdp-mode fast
check "unknown option" one_line_error 'unknown option.*--frobnicate' -i v0 --frobnicate
check "unreadable capture" one_line_error 'read /nonexistent.pcap' --read /nonexistent.pcap
check "textfile directory missing" one_line_error 'textfile /nonexistent/m.prom' -i v0 --textfile /nonexistent/m.prom
check "not a capture file" one_line_error 'read /etc/hostname' --read /etc/hostname
check "an interface given twice" one_line_error 'interface v0 given twice' -i v0 -i v0
mkdir -p "$DIR/adir"
check "textfile naming a directory" one_line_error 'textfile .*adir: is a directory' -i v0 --textfile "$DIR/adir"
check "maps too large for this machine" one_line_error 'maps would take [0-9]+ MiB of kernel memory' \
	-i v0 --max-calls 10000000
check "maps too large for the limit given" one_line_error 'more than 16 MiB' -i v0 --max-kernel-memory 16
printf 'interface v0\n# fine so far\ninterval soon\n' >"$DIR/bad.conf"
check "a bad value in --config: its file and line" one_line_error "bad.conf:3: --interval: 'soon'" --config "$DIR/bad.conf"
exit_is()	# exit_is WANT ARGS...: the agent's exit status
{
	local want=$1

	shift
	in_ns "$NS" "$SIPXDP" "$@" >/dev/null 2>&1
	[ $? -eq "$want" ]
}
check "... exit 2" exit_is 2 --config "$DIR/bad.conf"
check "a --config file that is not there" one_line_error 'config /nonexistent.conf: No such file' --config /nonexistent.conf
check "a --user that does not exist: exit 1" one_line_error 'user sipxdp-no-such-user: no such user' \
	-i v0 --user sipxdp-no-such-user
check "... exit 1" exit_is 1 -i v0 --user sipxdp-no-such-user
# Captures written byte by byte (pcap format): a link type not read, and only empty frames.
pcap()	# pcap FILE LINKTYPE N_EMPTY_FRAMES
{
	/usr/bin/python3 -c 'import struct, sys
f = open(sys.argv[1], "wb")
f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, int(sys.argv[2])))
for i in range(int(sys.argv[3])):
    f.write(struct.pack("<IIII", 1700000000 + i, 0, 0, 0))
' "$@"
}
pcap "$DIR/user0.pcap" 147 1 && pcap "$DIR/empty.pcap" 1 5
check "a link type not read: one line, exit 1" one_line_error 'link type .* is not read here' --read "$DIR/user0.pcap"
check "a capture of empty frames: one line, exit 1" \
	one_line_error 'none of its 5 frames could be analysed' --read "$DIR/empty.pcap"
# Without privileges: the load is refused, and the message says what is needed.
runuser -u nobody -- "$SIPXDP" -i lo >"$DIR/out" 2>"$DIR/err"
rc=$?
check "unprivileged: exit non-zero" test $rc -ne 0
check "unprivileged: one line naming CAP_BPF" \
	bash -c "[ \$(wc -l <'$DIR/err') -eq 1 ] && grep -q CAP_BPF '$DIR/err'"

# --- attach and detach -------------------------------------------------

start_agent()	# start_agent LOG ARGS...
{
	local log=$1

	shift
	net_bg "$NS" "$log" "$SIPXDP" "$@"
	AGENT=$NET_LAST_PID
	wait_for_line "$log" 'attached to' 5 "$AGENT"
}

check "native attach" start_agent "$DIR/a1" -i v0 --promisc
check "the kernel memory of the maps logged at start" \
	grep -qE 'kernel memory: streams [0-9]+ KiB \(65536 entries\), endpoints [0-9]+ KiB' "$DIR/a1"
check "XDP in native mode on v0" bash -c "ip -n $NS -d link show v0 | grep -q 'prog/xdp'"
# A packet-socket membership raises the promiscuity count (not the PROMISC flag).
check "promiscuous while running" bash -c "ip -n $NS -d link show v0 | grep -q 'promiscuity 1'"

# A second agent on the same interface is refused with one line; the first stays.
check "second agent refused" one_line_error 'attach XDP to v0.*another XDP program' -i v0
check "first agent still attached" xdp_attached "$NS" v0

net_stop "$AGENT" TERM 5
check "SIGTERM: exit 0" test "$NET_STOP_RC" -eq 0
if xdp_attached "$NS" v0; then fail "SIGTERM: XDP program left on v0"; else pass "SIGTERM: no XDP program left"; fi
if ! ip -n "$NS" -d link show v0 | grep -q 'promiscuity 0'; then fail "promiscuous mode left on"; else pass "promiscuous mode undone"; fi
check "SIGTERM: says detached" grep -q 'detached from v0' "$DIR/a1"

check "skb attach" start_agent "$DIR/a2" -i v1 --xdp-mode skb
check "XDP in skb mode on v1" bash -c "ip -n $NS link show v1 | grep -q xdpgeneric"
net_stop "$AGENT" KILL 5
# The link belonged to the killed process: the kernel detaches it.
for _ in $(seq 20); do xdp_attached "$NS" v1 || break; sleep 0.1; done
if xdp_attached "$NS" v1; then fail "SIGKILL: XDP program left on v1"; else pass "SIGKILL: no XDP program left"; fi

summary
