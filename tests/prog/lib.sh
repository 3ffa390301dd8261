# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh - shared helpers for the offline scripts of the prog and conformance
# tiers: `sipxdp --read` runs the XDP program through BPF_PROG_TEST_RUN.
# Source it.  No namespaces here: those are tests/net/lib.sh's.
#
# Skips follow the automake convention: exit status 77 means "not run".

skip()
{
	echo "SKIP: $*"
	exit 77
}

need_root()
{
	[ "$(id -u)" -eq 0 ] || skip "needs root for BPF_PROG_TEST_RUN"
}

# need_tools TOOL... - skip unless every tool is on PATH.
need_tools()
{
	local t

	for t in "$@"; do
		command -v "$t" >/dev/null || skip "$t missing (make deps)"
	done
}

need_scapy()
{
	/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "python3-scapy missing"
}

# Check bookkeeping for the "NAME: N passed, N failed" summary.  A failed
# check is always printed; a passed one only with CHECK_PRINT_PASS=1.
pass=0 fail=0
CHECK_PRINT_PASS=0

# check DESCRIPTION CMD... - count CMD's success or failure.
check()
{
	local d=$1

	shift
	if "$@"; then
		pass=$((pass + 1))
		if [ "$CHECK_PRINT_PASS" = 1 ]; then echo "PASS: $d"; fi
	else
		fail=$((fail + 1))
		echo "FAIL: $d"
	fi
}

# summary NAME - the summary line; true if nothing failed.
summary()
{
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
