#!/usr/bin/env bash
# Run the test tiers: unit, prog (BPF_PROG_TEST_RUN), net (namespaces, real
# peers) and conformance (third-party captures, when ../shared/data exists).
# Usage: tests/run.sh [tier ...]     (default: all)
# Each tier prints its own 'N passed, N failed'; the last line sums them.
# A tier exits 77 to say it was skipped.  With CI=true a skipped privileged
# tier is a failure: CI must run them.
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
tiers=("$@")
[ ${#tiers[@]} -eq 0 ] && tiers=(unit prog net conformance)

passed=0 failed=0 skipped=0 rc=0 t0=$SECONDS
note() { printf '== %s\n' "$*"; }

tally() {	# tally NAME RC: its result, and how long it took since the last one
	local took="($((SECONDS - t0)) s)"

	t0=$SECONDS
	case "$2" in
	0) passed=$((passed + 1)); note "$1: ok $took" ;;
	77) skipped=$((skipped + 1)); note "$1: skipped $took"
	    if [ "${CI:-}" = true ]; then
		    failed=$((failed + 1)); note "$1: skipped under CI=true: counted as a failure"
	    fi ;;
	*) failed=$((failed + 1)); note "$1: FAILED (exit $2) $took" ;;
	esac
}

run_unit() {
	local t
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		note "unit: $t"
		"$t"
		rc=$?	# before any command substitution resets $?
		tally "unit $(basename "$t")" $rc
	done
	for t in tests/unit/test_*.sh; do
		note "unit: $t"
		bash "$t"
		rc=$?
		tally "unit $(basename "$t" .sh)" $rc
	done
}

run_prog() {
	local t
	note "prog: $BUILD/tests/prog_test"
	"$BUILD"/tests/prog_test
	tally "prog" $?
	for t in tests/prog/test_*.sh; do
		note "prog: $t"
		SIPXDP="$BUILD/sipxdp" timeout 120 bash "$t"
		rc=$?
		tally "prog $(basename "$t" .sh)" $rc
	done
}

run_net() {
	local t
	for t in tests/net/test_*.sh; do
		note "net: $t"
		SIPXDP="$BUILD/sipxdp" timeout 300 bash "$t"
		rc=$?
		tally "net $(basename "$t" .sh)" $rc
	done
}

run_conformance() {
	local t
	if [ ! -d ../shared/data ]; then
		note "conformance: ../shared/data absent"
		tally "conformance" 77
		return
	fi
	for t in tests/conformance/test_*.sh; do
		note "conformance: $t"
		SIPXDP="$BUILD/sipxdp" DATA=../shared/data timeout 600 bash "$t"
		rc=$?
		tally "conformance $(basename "$t" .sh)" $rc
	done
}

for tier in "${tiers[@]}"; do
	case "$tier" in
	unit|prog|net|conformance) "run_$tier" ;;
	*) echo "tests/run.sh: unknown tier '$tier'" >&2; exit 2 ;;
	esac
done

echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
