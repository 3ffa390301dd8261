#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_layering.sh - which module may include which, as README "Layout"
# draws it: a module (user/X.c with user/X.h) includes only modules of a
# lower layer; libbpf and the skeleton only in kern.c, jansson only in
# record.c, libpcap only in capture.c; kern.h, uxdp.h and capture.h only in
# main.c.  The files of user/uxdp/ (the program's native build, its shim of
# the BPF runtime) are module uxdp's, and only it reaches them.
# One check per file, plus one per module the table does not place (a new
# file must be given a layer here and in the README).
set -uo pipefail
cd "$(dirname "$0")/../.."

declare -A layer=(
	[sipxdp]=0 [rtp_stats]=0
	[util]=1 [log]=1 [hashing]=1 [histogram]=1
	[sip]=2 [sdp]=2 [rtcp]=2 [emodel]=2 [ipfrag]=2 [peers]=2 [http]=2 [privs]=2 [service]=2 [umap]=2 [hep]=2
	[sipbody]=3 [codec]=3 [tcpsip]=3 [hepjson]=3 [hepsend]=3
	[msg]=4 [dataplane]=4 [capture]=4 [replay]=4 [sipxdp.skel]=4
	[reasm]=5 [endpoints]=5 [kern]=5 [links]=5 [uxdp]=5
	[media]=6
	[dialog]=7 [quality]=7
	[record]=8 [snapshot]=8 [callmetrics]=8 [hepout]=8
	[prom]=9 [show]=9 [opts]=9 [state]=9
	[ifaces]=10
	[main]=11
)
# Library headers and the modules allowed to include them.
declare -A only_in=(
	[bpf/]=kern [sipxdp.skel.h]=kern [jansson.h]="record hepjson" [pcap]=capture [libmnl]=links
	[microhttpd.h]=http [cap-ng.h]=privs [systemd/]=service
	[kern.h]="main ifaces" [capture.h]=main [links.h]=ifaces [uxdp.h]=main [uxdp/]=uxdp
)

pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

for f in user/*.c user/*.h user/uxdp/*.[ch] user/uxdp/bpf/*.h; do
	mod=$(basename "$f"); mod=${mod%.*}
	case $f in user/uxdp/*) mod=uxdp ;; esac
	if [ -z "${layer[$mod]:-}" ]; then
		bad "$f: module $mod has no layer (tests/unit/test_layering.sh, README Layout)"
		continue
	fi
	ok=1
	while read -r inc; do
		for lib in "${!only_in[@]}"; do
			case $inc in
			"$lib"*|*"/$lib")
				[[ " ${only_in[$lib]} " == *" $mod "* ]] || [ "$inc" = "$mod.h" ] ||
					{ bad "$f includes $inc (only ${only_in[$lib]} may)"; ok=0; } ;;
			esac
		done
		case $inc in *.h) ;; *) continue ;; esac
		dep=${inc%.h}
		[ "$dep" = "$mod" ] && continue
		[ -n "${layer[$dep]:-}" ] || continue	# a system or third-party header
		if [ "${layer[$dep]}" -ge "${layer[$mod]}" ]; then
			bad "$f (layer ${layer[$mod]}) includes $inc (layer ${layer[$dep]})"
			ok=0
		fi
	done < <(sed -nE 's/^#include [<"]([^>"]+)[>"].*/\1/p' "$f")
	[ $ok = 1 ] && pass=$((pass + 1))
done
echo "layering: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
