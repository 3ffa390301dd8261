# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh - what the conformance scripts and tests/net/test_replay.sh ask of a
# third-party capture: where it is, its SIP ports and SDP endpoints as
# tshark sees them, and `sipxdp --read` over it.  Source it.  Counting and
# skipping are the sourcing script's (tests/prog/lib.sh or tests/net/lib.sh).

# captures DIR - every capture file under DIR, sorted.
captures()
{
	find "$1" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort
}

# each_capture FUNC - FUNC CAP REL DIR for every capture under DATA, as
# many at once as there are CPUs (CONFORMANCE_JOBS sets it), each with a
# directory of its own under $out and its own pass, fail and n counters
# (set by FUNC as the serial loops did), which are then added to the
# script's.  What each printed is shown in capture order.  The captures are
# read offline: nothing here depends on time, so two at once check the same.
each_capture()
{
	local fn=$1 cap i=0 j p f k
	local jobs=${CONFORMANCE_JOBS:-$(nproc)}
	local -a caps

	mapfile -t caps < <(captures "$DATA")
	for cap in "${caps[@]}"; do
		mkdir -p "$out/job$i"
		(
			pass=0 fail=0 n=0
			"$fn" "$cap" "${cap#"$DATA"/}" "$out/job$i" >"$out/job$i/log" 2>&1
			echo "$pass $fail $n" >"$out/job$i/counts"
		) &
		i=$((i + 1))
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n
		done
	done
	wait
	for ((j = 0; j < i; j++)); do
		cat "$out/job$j/log"
		if read -r p f k <"$out/job$j/counts"; then
			pass=$((pass + p)) fail=$((fail + f)) n=$((n + k))
		else
			fail=$((fail + 1))
			echo "FAIL ${caps[j]#"$DATA"/}: its job ended without counts"
		fi
	done
}

# unsupported REL - true, with a line saying why, if the sourcing script's
# UNSUPPORTED table (capture path under DATA -> reason) lists REL.
unsupported()
{
	[ -n "${UNSUPPORTED[$1]:-}" ] || return 1
	echo "-- $1: not compared: ${UNSUPPORTED[$1]}"
}

# sip_ports CAP - the capture's SIP ports, one a line, as an operator would
# configure them: ports of SIP packets seen at least twice, or among the four
# most used; 16 at most.
sip_ports()
{
	# shellcheck disable=SC2020  # tabs and commas both become newlines
	tshark -r "$1" -Y sip -T fields -e udp.srcport -e udp.dstport -e tcp.srcport \
		-e tcp.dstport 2>/dev/null | tr '\t,' '\n\n' | grep -E '^[0-9]+$' | sort | uniq -c |
		sort -rn | awk '$1 >= 2 || NR <= 4 {print $2}' | head -16
}

# sip_port_args CAP - sip_ports CAP, space separated in SIP_PORTS and as
# sipxdp's arguments (--sip-port P ...) in the array SIP_PORT_ARGS.
sip_port_args()
{
	local p ports

	mapfile -t ports < <(sip_ports "$1")
	# shellcheck disable=SC2034  # read by the scripts that source this
	SIP_PORTS=${ports[*]}
	SIP_PORT_ARGS=()
	for p in "${ports[@]}"; do
		SIP_PORT_ARGS+=(--sip-port "$p")
	done
}

# sip_endpoints CAP - "ip port" lines of the media endpoints SDP announced:
# streams signalled otherwise (MGCP, H.248) are not sipxdp's.
sip_endpoints()
{
	tshark -r "$1" -Y 'sip && sdp' -T fields -E occurrence=a -E aggregator=' ' \
		-e sdp.connection_info.address -e sdp.media.port 2>/dev/null |
		awk -F'\t' '{na = split($1, a, " "); np = split($2, p, " ");
			for (i = 1; i <= na; i++) for (j = 1; j <= np; j++) print a[i], p[j]}'
}

# read_capture CAP REL OUT - `$SIPXDP --read CAP` with its SIP ports
# (sip_port_args), records in OUT/calls.json (empty if it wrote none),
# stderr in OUT/err.  On a non-zero exit: a FAIL line naming REL, the
# stderr, and false.
read_capture()
{
	local cap=$1 rel=$2 out=$3

	sip_port_args "$cap"
	rm -f "$out/calls.json"
	# Four threads even on a small machine: the lanes of user/replay.c are what is checked.
	if ! "$SIPXDP" --read "$cap" --read-threads "${READ_THREADS:-4}" --calls-json "$out/calls.json" \
		"${SIP_PORT_ARGS[@]}" 2>"$out/err"; then
		echo "FAIL $rel: sipxdp exited non-zero"
		cat "$out/err"
		return 1
	fi
	touch "$out/calls.json"
}
