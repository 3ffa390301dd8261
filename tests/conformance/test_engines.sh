#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_engines.sh - the XDP program run in user space against the kernel's,
# on every capture in ../shared/data (issue 11: "--read as an unprivileged
# user on the shared captures gives byte-identical JSON to the privileged
# run").  Each capture is read, with its SIP ports as the other scripts
# find them, three times: --read-engine kernel as root, and --read-engine
# user as nobody without capabilities, both on four threads, then the user
# engine in one thread.  The call records must be the same bytes (cmp), and
# the text file the same lines but for the series that tell when the agent
# ran (the exposition's and the file's timestamps, the tick's wall-clock
# duration), sorted: the series of one metric come in the order of a hash
# keyed anew in each process, whichever engine ran.
# Then --read-engine auto: the kernel as root, user space after one info
# line as nobody; and --read-engine kernel as nobody: one error line, exit 1.
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
need_tools tshark setpriv
id nobody >/dev/null 2>&1 || skip "no user nobody"

NOBODY=(setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups --inh-caps=-all --bounding-set=-all)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
chmod 755 "$out"
install -d -o nobody "$out/u"	# where nobody writes
DATA=$(realpath "$DATA")
SIPXDP=$(realpath "$SIPXDP")

# Wall-clock series: when the agent ran, not what it read.
timeless()
{
	grep -vE '^(# (HELP|TYPE) )?sipxdp_(exposition_timestamp_seconds|textfile_last_write_timestamp_seconds|tick_duration_seconds)' "$1" |
		LC_ALL=C sort
}

# read_as WHO ENGINE THREADS CAP DIR - records DIR/calls.json, text file DIR/m.prom, stderr DIR/err.
read_as()
{
	local who=() dir=$5

	[ "$1" = nobody ] && who=("${NOBODY[@]}")
	rm -f "$dir/calls.json" "$dir/m.prom"
	"${who[@]}" "$SIPXDP" --read "$4" --read-engine "$2" --read-threads "$3" --calls-json "$dir/calls.json" \
		--textfile "$dir/m.prom" "${SIP_PORT_ARGS[@]}" 2>"$dir/err"
}

n=0
# one CAP REL DIR - a capture read by both engines (each_capture).
one()
{
	local cap=$1 rel=$2 d=$3 c st

	install -d -o nobody "$d/u"
	sip_port_args "$cap"
	n=$((n + 1))
	if ! read_as root kernel 4 "$cap" "$d"; then
		fail=$((fail + 1)); echo "FAIL $rel: the kernel engine exited non-zero"; sed 's/^/    /' "$d/err"
		return 0
	fi
	if ! read_as nobody user 4 "$cap" "$d/u"; then
		fail=$((fail + 1)); echo "FAIL $rel: the user engine, as nobody, exited non-zero"
		sed 's/^/    /' "$d/u/err"
		return 0
	fi
	touch "$d/calls.json" "$d/u/calls.json"
	if cmp -s "$d/calls.json" "$d/u/calls.json"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $rel: the records of the kernel and of user space differ"
		diff "$d/calls.json" "$d/u/calls.json" | head -10 | cut -c1-300 | sed 's/^/    /'
	fi
	if diff <(timeless "$d/m.prom") <(timeless "$d/u/m.prom") >"$d/prom.diff"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $rel: the text files of the kernel and of user space differ"
		head -10 "$d/prom.diff" | sed 's/^/    /'
	fi
	mv "$d/u/calls.json" "$d/u/calls4.json"
	read_as nobody user 1 "$cap" "$d/u"
	touch "$d/u/calls.json"
	check "$rel: user space, one thread and four: the same records" cmp -s "$d/u/calls4.json" "$d/u/calls.json"
	c=$(grep -c . "$d/calls.json")
	st=$(grep -o '"ssrc"' "$d/calls.json" | wc -l)
	echo "ok $rel: $c records, $st streams"
}
each_capture one
read -r records streams < <(cat "$out"/job*/log | awk '/^ok .* records, .* streams$/ {r += $(NF - 3); s += $(NF - 1)}
	END {print r + 0, s + 0}')
echo "-- $n captures compared, kernel against user space: $records call records with $streams streams"
[ $n -gt 0 ] || { echo "FAIL: no capture under $DATA"; fail=$((fail + 1)); }

# Which engine --read takes, and what it says.
cap=$DATA/wireshark/sip-rtp-dvi4.pcap
if [ -f "$cap" ]; then
	SIP_PORT_ARGS=()
	"$SIPXDP" --read "$cap" -v 2>"$out/err" >/dev/null
	check "auto as root: the kernel's program" grep -q "threads, the kernel's program" "$out/err"
	check "auto as root: no word of user space" bash -c "! grep -qi 'user space' '$out/err'"
	"${NOBODY[@]}" "$SIPXDP" --read "$cap" 2>"$out/u/err" >/dev/null
	check "auto as nobody: exit 0" test $? -eq 0
	check "auto as nobody: one info line says user space" \
		test "$(grep -c 'info: .*no privilege to load the program into the kernel.*running it in user space' "$out/u/err")" = 1
	check "auto as nobody: nothing but info lines" bash -c "! grep -v ' info: ' '$out/u/err'"
	"${NOBODY[@]}" "$SIPXDP" --read "$cap" --read-engine kernel --calls-json "$out/u/k.json" 2>"$out/u/err" >/dev/null
	check "--read-engine kernel as nobody: exit 1" test $? -eq 1
	check "--read-engine kernel as nobody: one line" test "$(wc -l <"$out/u/err")" = 1
	check "... an error naming the privilege and the way out" \
		grep -q 'error: load BPF program: Operation not permitted.*--read-engine user' "$out/u/err"
else
	echo "-- $cap absent: engine choice not checked"
fi

summary "conformance engines"
