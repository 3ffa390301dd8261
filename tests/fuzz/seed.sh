#!/usr/bin/env bash
# Seed the corpus of one fuzz target: the seeds kept in tests/fuzz/seeds/NAME
# plus, when the shared data set is there (DATA, default ../shared/data), its
# matching third-party inputs.  Shared data is copied into the corpus under
# the build directory only, never into the tree.  Files already in the corpus
# (seeds or what earlier runs found) are kept.
# Usage: tests/fuzz/seed.sh NAME CORPUS_DIR
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 NAME CORPUS_DIR" >&2; exit 2; }
name=$1 corpus=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${DATA:-$root/../shared/data}

mkdir -p "$corpus"

copy() {	# copy PREFIX FILE...: prefixed so seeds and shared data never collide
	local prefix=$1 f
	shift
	for f in "$@"; do
		[ -f "$f" ] || continue
		cp -f -- "$f" "$corpus/$prefix$(basename "$f")"
	done
}

copy seed- "$root/tests/fuzz/seeds/$name"/*

# Which shared inputs fit which target; targets not listed get seeds only.
if [ -d "$DATA" ]; then
	case $name in
	sip)	copy rfc4475- "$DATA"/rfc4475/*.dat ;;
	sdp)	copy shared- "$DATA"/sdp/*.sdp ;;
	esac
fi

echo "$name: $(find "$corpus" -maxdepth 1 -type f | wc -l) inputs in $corpus"
