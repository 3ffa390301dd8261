#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_prometheus.sh - the metrics by peer, end to end through a real
# Prometheus: two carriers call a sipp UAS across a router the agent watches;
# one carrier loses packets on the way, the other does not, and the
# histograms, the HTTP exposition, the text file, node_exporter, the rules
# and every panel of the dashboard are checked against what was sent.
#
#   peer A ns                 router ns (ip_forward=1)               callee ns
#   a0 10.201.1.2/24 ---- ga 10.201.1.1 |                       |
#   peer B ns                           | gc 10.201.3.1 ---- e0 10.201.3.2/24
#   b0 10.201.2.2/24 ---- gb 10.201.2.1 |                         sipp -sn uas -rtp_echo
#
# The router runs the agent (XDP on ga, gb and gc: each packet is seen once,
# as it enters the router), node_exporter's textfile collector, and
# Prometheus scraping both on the router's loopback.  The peer-group file
# names 10.201.1.0/24 carrier_a and 10.201.2.0/24 carrier_b.
#
# Impairment: this kernel has neither netem nor gact, so peer A's own egress
# (before the router, so the agent sees the loss) classifies with u32 the
# G.711 A-law packets it sends whose RTP sequence number is 0 mod 16 and
# redirects them (mirred) into a veth going nowhere (sk0 -> sk1 in A's
# namespace, which does not forward).  g711a.pcap's 236 packets (seq
# 59133-59368) lose exactly 15 (59136, 59152, ..., 59360): a loss ratio of
# 15/236 = 0.0636 for every one of A's streams, none for B's, DTMF untouched.
# The drop is proven three ways: the tc action's and the sink's packet counts
# are 15 per A call, and tshark on the router reports each A stream 15 lost
# and each B stream none.
#
# Rounds: 3 calls from each peer (sipp uac_pcap, G.711 then RFC 2833 DTMF,
# about 9 s, concurrent; the UAS echoes the RTP, so streams flow both ways),
# then 2 + 2 and 10 + 10 calls: with per-call series off the number of
# sipxdp_ series must be the same after 4 calls and after 20.
#
# Checks: promtool on the text file and /metrics; both hold the same series;
# / is one line, other paths 404, a second agent on the same --listen exits
# 1 with one line; through Prometheus's API: up, calls per peer, the loss
# histogram of each peer, node_textfile_mtime_seconds, the rules evaluate,
# and every PromQL expression of deploy/grafana/sipxdp.json returns data.
#
# Environment: SIPXDP (agent binary, default build/sipxdp), KEEP=1 keeps the
# work directory.
# Exit: 0 all checks passed, 1 a check failed (a missing tool too: they all
# come from make deps), 77 not root.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/net/lib.sh
. "$HERE/lib.sh"

SIPXDP=${SIPXDP:-$REPO/build/sipxdp}
case $SIPXDP in /*) ;; *) SIPXDP=$PWD/$SIPXDP ;; esac
PROMSUM="$REPO/tests/tools/promsum"
RULES="$REPO/deploy/prometheus/sipxdp.rules.yml"
DASH="$REPO/deploy/grafana/sipxdp.json"

NS_PA="sipxdp-pa-$NET_SUFFIX"
NS_PB="sipxdp-pb-$NET_SUFFIX"
NS_UAS="sipxdp-uas-$NET_SUFFIX"
NS_RT="sipxdp-rt-$NET_SUFFIX"
PA_IP=10.201.1.2
PB_IP=10.201.2.2
UAS_IP=10.201.3.2
RT_IPA=10.201.1.1
RT_IPB=10.201.2.1
RT_IPC=10.201.3.1
SIP_PORT=5060
# The router namespace is new: nothing else listens on its loopback.
AGENT_PORT=19477
NODE_PORT=19100
PROM_PORT=19090

G711_PKTS=236		# g711a.pcap
DROP_MASK=0x000f	# drop seq & DROP_MASK == 0 ...
G711_LOST=15		# ... which is 15 of seq 59133-59368
ROUND1=3		# calls from each peer
ROUND2=2
ROUND3=10

need_root
missing=
for t in ip tc sipp tshark promtool prometheus prometheus-node-exporter curl jq timeout /usr/bin/python3; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -r /usr/share/sip-tester/g711a.pcap ] || missing="$missing sip-tester's g711a.pcap"
if [ -n "$missing" ]; then
	fail "tools missing (make deps installs them):$missing"
	summary
	exit 1
fi
need_agent

net_trap
net_mktemp || exit 1
DIR=$NET_TMP
net_keep_on_failure "$DIR"
T0=$SECONDS

# ---- the network ------------------------------------------------------------

# veth_to_router NS IF ADDR PEER_IF RT_ADDR - a veth from NS to the router, addresses,
# and NS's default route through the router.
veth_to_router()
{
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$NS_RT" &&
	ip -n "$1" addr add "$3/24" dev "$2" && ip -n "$NS_RT" addr add "$5/24" dev "$4" &&
	ip -n "$1" link set "$2" up && ip -n "$NS_RT" link set "$4" up &&
	ip -n "$1" route add default via "$5"
}

topology()
{
	local ns

	for ns in "$NS_PA" "$NS_PB" "$NS_UAS" "$NS_RT"; do
		net_add_ns "$ns" || return 1
		# No IPv6: the sink's packet count is then A's dropped RTP alone.
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	veth_to_router "$NS_PA" a0 "$PA_IP" ga "$RT_IPA" &&
	veth_to_router "$NS_PB" b0 "$PB_IP" gb "$RT_IPB" &&
	veth_to_router "$NS_UAS" e0 "$UAS_IP" gc "$RT_IPC" || return 1
	in_ns "$NS_RT" sysctl -qw net.ipv4.ip_forward=1 || return 1
	in_ns "$NS_PA" /usr/bin/python3 -c "$NET_PROBE_PY" "$UAS_IP" &&
	in_ns "$NS_PB" /usr/bin/python3 -c "$NET_PROBE_PY" "$UAS_IP"
}

# impair - on a0's egress, A's G.711 (IPv4 without options, so RTP starts at
# byte 28: payload type at 29, sequence number at 30) whose sequence number
# is 0 mod 16 goes to sk0 instead; sk1 receives it for another host and
# drops it.
impair()
{
	ip -n "$NS_PA" link add sk0 type veth peer name sk1 &&
	ip -n "$NS_PA" link set sk0 up && ip -n "$NS_PA" link set sk1 up &&
	tc -n "$NS_PA" qdisc add dev a0 clsact &&
	tc -n "$NS_PA" filter add dev a0 egress protocol ip prio 1 u32 \
		match u8 0x45 0xff at 0 \
		match ip src "$PA_IP/32" \
		match ip protocol 17 0xff \
		match u8 0x08 0x7f at 29 \
		match u16 0x0000 "$DROP_MASK" at 30 \
		action mirred egress redirect dev sk0
}

# dropped_tc, dropped_sink - packets the filter redirected, packets sk1 got.
dropped_tc()
{
	tc -n "$NS_PA" -s -j filter show dev a0 egress |
		jq '[.. | objects | select(.kind? == "mirred") | .stats.packets] | add // 0'
}
dropped_sink() { ip -n "$NS_PA" -s -j link show dev sk1 | jq '.[0].stats64.rx.packets'; }

topology || { fail "build the peer A, peer B, callee and router namespaces"; summary; exit 1; }
check "tc: u32 + mirred drop on peer A's egress" impair
sipp_media_dir "$DIR" || exit 1

printf 'carrier_a %s\ncarrier_b %s\n' 10.201.1.0/24 10.201.2.0/24 >"$DIR/peers"
mkdir -p "$DIR/textfile" "$DIR/tsdb" || exit 1

# ---- the daemons ------------------------------------------------------------

net_bg "$NS_UAS" "$DIR/uas.log" sipp -sn uas -i "$UAS_IP" -p "$SIP_PORT" -rtp_echo -nostdin

net_agent_start "$NS_RT" "$DIR" 'attached to gc' -i ga -i gb -i gc \
	--peer-groups "$DIR/peers" --textfile "$DIR/textfile/sipxdp.prom" --interval 1 --grace 1 \
	--listen "127.0.0.1:$AGENT_PORT" --calls-json "$DIR/calls.json"
check "agent is running" kill -0 "$AGENT_PID"

net_bg "$NS_RT" "$DIR/node-exporter.log" prometheus-node-exporter \
	--collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$DIR/textfile" --web.listen-address="127.0.0.1:$NODE_PORT"

# As deploy/prometheus/prometheus.yml.example: the node job keeps
# node_textfile_* and drops the sipxdp_* the sipxdp job already has.
{
	printf 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n'
	[ -r "$RULES" ] && printf 'rule_files:\n  - %s\n' "$RULES"
	printf 'scrape_configs:\n'
	printf '  - job_name: sipxdp\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' "$AGENT_PORT"
	printf '  - job_name: node\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' "$NODE_PORT"
	printf '    metric_relabel_configs:\n      - source_labels: [__name__]\n'
	printf '        regex: sipxdp_.*\n        action: drop\n'
} >"$DIR/prometheus.yml"
net_bg "$NS_RT" "$DIR/prometheus.log" prometheus --config.file="$DIR/prometheus.yml" \
	--storage.tsdb.path="$DIR/tsdb" --web.listen-address="127.0.0.1:$PROM_PORT"

rt_curl() { in_ns "$NS_RT" curl -s --max-time 5 "$@"; }

# until TIMEOUT_S CMD... - retry CMD every 0.2 s until it succeeds.
until_ok()
{
	local timeout=$1 i

	shift
	for ((i = 0; i < timeout * 5; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}
prom_ready() { rt_curl -f -o /dev/null "http://127.0.0.1:$PROM_PORT/-/ready"; }
check "prometheus is ready" until_ok 30 prom_ready

# ---- calls ------------------------------------------------------------------

# uac NS IP N TAG - sipp places N concurrent calls from IP in NS, in the
# background (pid in UAC_PID).
uac()
{
	cd "$DIR" || exit 1
	net_bg "$1" "$DIR/uac-$4.log" timeout 60 sipp -sn uac_pcap "$UAS_IP:$SIP_PORT" \
		-i "$2" -p "$SIP_PORT" -m "$3" -l "$3" -r "$3" \
		-nostdin -trace_err -timeout 50s -timeout_error
	UAC_PID=$NET_LAST_PID
	cd / || exit 1
}

TOTAL_A=0
TOTAL_B=0
# round N TAG - N calls from each peer at once; a check that sipp placed all.
round()
{
	local n=$1 tag=$2 pa pb rca rcb

	uac "$NS_PA" "$PA_IP" "$n" "$tag-a"
	pa=$UAC_PID
	uac "$NS_PB" "$PB_IP" "$n" "$tag-b"
	pb=$UAC_PID
	wait "$pa"
	rca=$?
	wait "$pb"
	rcb=$?
	TOTAL_A=$((TOTAL_A + n))
	TOTAL_B=$((TOTAL_B + n))
	check "$tag: sipp placed $n successful calls from each peer (exit $rca, $rcb)" \
		test "$rca" -eq 0 -a "$rcb" -eq 0
}

# written_out - every call so far has its record and is in the exposition
# (so are its histograms: both are written when the call is), none is
# active; /metrics saved in DIR/metrics.txt.
written_out()
{
	local n=$((TOTAL_A + TOTAL_B))

	rt_curl -f -o "$DIR/metrics.txt" "http://127.0.0.1:$AGENT_PORT/metrics" &&
	[ "$(wc -l <"$DIR/calls.json")" -eq "$n" ] &&
	[ "$("$PROMSUM" "$DIR/metrics.txt" sipxdp_calls_total)" = "$n" ] &&
	[ "$("$PROMSUM" "$DIR/metrics.txt" sipxdp_calls_active)" = 0 ]
}

# Round 1, with tshark on the router's ingress from each peer for the
# impairment's proof.
net_tshark "$NS_RT" ga "$DIR/ga.pcap" "$DIR/tshark-ga.log" udp
TSHARK_GA=$TSHARK_PID
net_tshark "$NS_RT" gb "$DIR/gb.pcap" "$DIR/tshark-gb.log" udp
TSHARK_GB=$TSHARK_PID
round "$ROUND1" round1
check "round1: calls written out (records and exposition)" until_ok 10 written_out
net_stop "$TSHARK_GA" INT 10
net_stop "$TSHARK_GB" INT 10

# ---- the impairment ---------------------------------------------------------

want_drop=$((G711_LOST * ROUND1))
got_tc=$(dropped_tc)
got_sink=$(dropped_sink)
echo "    dropped: tc mirred $got_tc, sk1 received $got_sink, expected $want_drop ($G711_LOST per call)"
check "impairment: the tc action redirected $G711_LOST packets per A call" test "$got_tc" = "$want_drop"
check "impairment: the sink received exactly those" test "$got_sink" = "$want_drop"

# tshark_g711 PCAP SRC - "packets lost" of each G.711 A-law stream from SRC
# in tshark's RTP stream table, one a line.
tshark_g711()
{
	tshark -n -r "$1" -q -z rtp,streams 2>/dev/null |
		awk -v src="$2" '$3 == src && /g711A/ {
			for (i = 1; i <= NF; i++) if ($i ~ /^\(/) { print $(i - 2), $(i - 1); break } }'
}
tshark_g711 "$DIR/ga.pcap" "$PA_IP" >"$DIR/tshark-a.txt"
tshark_g711 "$DIR/gb.pcap" "$PB_IP" >"$DIR/tshark-b.txt"
echo "    tshark on ga, A's G.711 streams (packets lost): $(paste -sd, "$DIR/tshark-a.txt")"
echo "    tshark on gb, B's G.711 streams (packets lost): $(paste -sd, "$DIR/tshark-b.txt")"
all_lines_are() { [ "$(wc -l <"$1")" -eq "$2" ] && [ "$(sort -u "$1")" = "$3" ]; }
check "tshark: each of A's $ROUND1 streams arrived with $((G711_PKTS - G711_LOST)) packets, $G711_LOST lost" \
	all_lines_are "$DIR/tshark-a.txt" "$ROUND1" "$((G711_PKTS - G711_LOST)) $G711_LOST"
check "tshark: each of B's $ROUND1 streams arrived whole ($G711_PKTS packets, 0 lost)" \
	all_lines_are "$DIR/tshark-b.txt" "$ROUND1" "$G711_PKTS 0"

# agent_g711 SRC - "packets lost" of each G.711 stream from SRC in the records.
agent_g711()
{
	jq -r --arg src "$1:" '.streams[] | select(.pt == 8 and (.src | startswith($src))) | "\(.packets) \(.lost)"' \
		"$DIR/calls.json"
}
agent_g711 "$PA_IP" >"$DIR/agent-a.txt"
agent_g711 "$PB_IP" >"$DIR/agent-b.txt"
check "agent's records: A's streams as tshark's, $G711_LOST lost each" \
	all_lines_are "$DIR/agent-a.txt" "$ROUND1" "$((G711_PKTS - G711_LOST)) $G711_LOST"
check "agent's records: B's streams whole" all_lines_are "$DIR/agent-b.txt" "$ROUND1" "$G711_PKTS 0"

# ---- the exposition over HTTP and in the text file --------------------------

check "promtool check metrics: the text file" promtool check metrics <"$DIR/textfile/sipxdp.prom"
check "promtool check metrics: /metrics" promtool check metrics <"$DIR/metrics.txt"

# series FILE - name{labels} of every sample, sorted; family_types FILE -
# its TYPE lines.
series() { grep -v '^#' "$1" | sed 's/ [^ ]*$//' | LC_ALL=C sort; }
family_types() { grep '^# TYPE ' "$1" | LC_ALL=C sort; }
same_series()
{
	rt_curl -f -o "$DIR/metrics.txt" "http://127.0.0.1:$AGENT_PORT/metrics" &&
	cp "$DIR/textfile/sipxdp.prom" "$DIR/textfile.txt" || return 1
	diff <(family_types "$DIR/textfile.txt") <(family_types "$DIR/metrics.txt") >"$DIR/diff.txt" &&
	diff <(series "$DIR/textfile.txt") <(series "$DIR/metrics.txt") >>"$DIR/diff.txt"
}
# Nothing changes once the calls are written out, but a tick may fall
# between the two reads: one retry.
if same_series || { sleep 1.1; same_series; }; then
	pass "the text file and /metrics hold the same $(family_types "$DIR/metrics.txt" | wc -l) families and $(series "$DIR/metrics.txt" | wc -l) series"
else
	fail "the text file (<) and /metrics (>) differ:"
	head -20 "$DIR/diff.txt" | sed 's/^/    /'
fi

landing_one_line()
{
	local body

	body=$(rt_curl -f "http://127.0.0.1:$AGENT_PORT/") || return 1
	echo "    /: $body"
	[ -n "$body" ] && [ "$(printf '%s\n' "$body" | wc -l)" -eq 1 ]
}
check "/ is a one-line landing page" landing_one_line
code=$(rt_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AGENT_PORT/nothing-here")
check "an unknown path is 404 (got $code)" test "$code" = 404
code=$(rt_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AGENT_PORT/metricsx")
check "/metricsx is 404 too (got $code)" test "$code" = 404

# A second agent on the same address: it fails before attaching anything.
in_ns "$NS_RT" timeout 10 "$SIPXDP" -i ga --listen "127.0.0.1:$AGENT_PORT" \
	>"$DIR/second.out" 2>"$DIR/second.err" </dev/null
rc=$?
echo "    second agent: exit $rc: $(head -3 "$DIR/second.err")"
check "a second agent on the same --listen exits 1" test "$rc" -eq 1
check "... with one line on stderr naming the address" \
	test "$(wc -l <"$DIR/second.err")" -eq 1 -a -n "$(grep -F "127.0.0.1:$AGENT_PORT" "$DIR/second.err")"
check "the first agent still serves /metrics" rt_curl -f -o /dev/null "http://127.0.0.1:$AGENT_PORT/metrics"

# ---- series do not grow with calls -------------------------------------------

# nseries - sipxdp_ samples in the /metrics saved by written_out.
nseries() { grep -c '^sipxdp_' "$DIR/metrics.txt"; }
N1=$(nseries)
series "$DIR/metrics.txt" >"$DIR/series1.txt"
round "$ROUND2" round2
check "round2: calls written out" until_ok 10 written_out
N2=$(nseries)
series "$DIR/metrics.txt" >"$DIR/series2.txt"
round "$ROUND3" round3
check "round3: calls written out" until_ok 15 written_out
N3=$(nseries)
series "$DIR/metrics.txt" >"$DIR/series3.txt"
echo "    sipxdp_ series in /metrics: $N1 after $((2 * ROUND1)) calls, $N2 after $((2 * ROUND2)) more, $N3 after $((2 * ROUND3)) more"
if [ "$N2" -eq "$N3" ] && diff "$DIR/series2.txt" "$DIR/series3.txt" >"$DIR/diff.txt"; then
	pass "the same $N3 series after $((2 * ROUND2)) and after $((2 * ROUND3)) concurrent calls"
else
	fail "series after $((2 * ROUND2)) calls (<) and after $((2 * ROUND3)) calls (>) differ:"
	head -20 "$DIR/diff.txt" | sed 's/^/    /'
fi
check "... and after the first $((2 * ROUND1))" cmp -s "$DIR/series1.txt" "$DIR/series3.txt"
check "no per-call label in /metrics (per-call series off)" \
	not grep -qE '^sipxdp_[a-z_]+\{[^}]*(call_id|ssrc)=' "$DIR/metrics.txt"

# ---- through Prometheus ---------------------------------------------------

# pq EXPR - the API's answer to an instant query; pq_value EXPR - the value
# of its only sample (nothing unless exactly one).
pq() { rt_curl -f --get --data-urlencode "query=$1" "http://127.0.0.1:$PROM_PORT/api/v1/query"; }
pq_value()
{
	pq "$1" | jq -r 'select(.status == "success") | .data.result |
		if length == 1 then .[0].value[1] else empty end'
}
# pq_is EXPR VALUE - EXPR's only sample is VALUE.
pq_is()
{
	local got

	got=$(pq_value "$1")
	[ "$got" = "$2" ] || { echo "    $1: got '${got}', want $2"; return 1; }
}
# pq_between EXPR LO HI - LO < value <= HI.
pq_between()
{
	local got

	got=$(pq_value "$1")
	echo "    $1 = ${got:-nothing}"
	[ -n "$got" ] && awk -v v="$got" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v > lo && v <= hi) }'
}

TOTAL=$((TOTAL_A + TOTAL_B))
# Two scrapes past the last write-out.
scraped_all() { pq_is 'sum(sipxdp_calls_total)' "$TOTAL" >/dev/null; }
check "prometheus scraped all $TOTAL calls" until_ok 10 scraped_all
sleep 2

check 'up{job="sipxdp"} is 1' pq_is 'up{job="sipxdp"}' 1
check 'up{job="node"} is 1' pq_is 'up{job="node"}' 1
check 'node_textfile_mtime_seconds of sipxdp.prom is present' \
	pq_is 'count(node_textfile_mtime_seconds{file=~".*/sipxdp.prom"})' 1
check 'node_textfile_scrape_error is 0' pq_is 'node_textfile_scrape_error' 0
check "sipxdp_calls_total: carrier_a inbound completed $TOTAL_A" \
	pq_is 'sum(sipxdp_calls_total{peer="carrier_a",direction="inbound",result="completed"})' "$TOTAL_A"
check "sipxdp_calls_total: carrier_b inbound completed $TOTAL_B" \
	pq_is 'sum(sipxdp_calls_total{peer="carrier_b",direction="inbound",result="completed"})' "$TOTAL_B"
check "sipxdp_calls_total: no other peer" \
	pq_is 'count(count by (peer) (sipxdp_calls_total))' 2

LOSS='sipxdp_stream_loss_ratio'
# Not "the p50 over all of A's inbound streams is above 0": a lossless
# stream interpolates into the first bucket, (0, 0.001], so even a peer
# losing nothing has a p50 of 0.0005.  The streams are G.711 (lossy for A)
# and DTMF (untouched): count those past a bucket bound instead.
check "carrier_a: its $TOTAL_A inbound G.711 streams, and no other, lost more than 5 %" \
	pq_is "sum(${LOSS}_count{peer=\"carrier_a\",direction=\"inbound\"}) - sum(${LOSS}_bucket{peer=\"carrier_a\",direction=\"inbound\",le=\"0.05\"})" "$TOTAL_A"
check "loss p50 of carrier_a's inbound G.711 is in (0.05, 0.1] (15/236 = 0.064)" \
	pq_between "histogram_quantile(0.5, sum by (le) (${LOSS}_bucket{peer=\"carrier_a\",direction=\"inbound\",codec=\"PCMA\"}))" 0.05 0.1
check "mean loss of carrier_a's inbound G.711 is 15/236" \
	pq_between "sum(${LOSS}_sum{peer=\"carrier_a\",direction=\"inbound\",codec=\"PCMA\"}) / sum(${LOSS}_count{peer=\"carrier_a\",direction=\"inbound\",codec=\"PCMA\"})" \
	0.063558 0.063560
check "carrier_a: $TOTAL_A inbound G.711 streams observed" \
	pq_is "sum(${LOSS}_count{peer=\"carrier_a\",direction=\"inbound\",codec=\"PCMA\"})" "$TOTAL_A"
check "carrier_b: $TOTAL_B inbound G.711 streams observed" \
	pq_is "sum(${LOSS}_count{peer=\"carrier_b\",direction=\"inbound\",codec=\"PCMA\"})" "$TOTAL_B"
check "carrier_b: no stream lost anything (sum of loss ratios 0)" pq_is "sum(${LOSS}_sum{peer=\"carrier_b\"})" 0
check "carrier_b: every stream in the first bucket (le 0.001)" \
	pq_is "sum(${LOSS}_count{peer=\"carrier_b\"}) - sum(${LOSS}_bucket{peer=\"carrier_b\",le=\"0.001\"})" 0
check "loss p50 of carrier_b's inbound streams is within the first bucket" \
	pq_between "histogram_quantile(0.5, sum by (le) (${LOSS}_bucket{peer=\"carrier_b\",direction=\"inbound\"}))" -1 0.001

# Every rule of deploy/prometheus/sipxdp.rules.yml loaded and evaluates.
rules_ok()
{
	rt_curl -f "http://127.0.0.1:$PROM_PORT/api/v1/rules" >"$DIR/rules.json" || return 1
	jq -r '.data.groups[].rules[] | "\(.health) \(.name) \(.lastError // "")"' "$DIR/rules.json" >"$DIR/rules.txt"
	echo "    $(wc -l <"$DIR/rules.txt") rules, $(grep -vc '^ok ' "$DIR/rules.txt") not ok"
	grep -v '^ok ' "$DIR/rules.txt" | sed 's/^/    /'
	[ -s "$DIR/rules.txt" ] && ! grep -qv '^ok ' "$DIR/rules.txt"
}
if [ -r "$RULES" ]; then
	check "every rule of $(basename "$RULES") evaluates without error" rules_ok
fi

# Every query of every panel of the dashboard (rows' nested panels too),
# with every peer and interface and a 5 m window, returns something.
dashboard_has_data()
{
	local expr q n empty=0 total=0

	while IFS= read -r expr; do
		total=$((total + 1))
		q=$(sed -E -e 's/\$\{?(peer|interface)(:[a-z]+)?\}?/.*/g' \
			-e 's/\$\{?__(rate_interval|range|interval)\}?/5m/g' <<<"$expr")
		n=$(pq "$q" | jq -r 'if .status != "success" then "error"
			elif .data.resultType == "scalar" then 1 else (.data.result | length) end')
		if [ "${n:-0}" = error ] || [ "${n:-0}" -eq 0 ] 2>/dev/null || [ -z "$n" ]; then
			empty=$((empty + 1))
			echo "    no data (${n:-no answer}): $q"
		fi
	done < <(jq -r '.. | objects | select(has("targets")) | .targets[]? | .expr? | strings |
		select(. != "") | gsub("\n"; " ")' "$DASH")
	echo "    $total queries, $empty without data"
	[ "$total" -gt 0 ] && [ "$empty" -eq 0 ]
}
if [ -r "$DASH" ]; then
	check "every query of the dashboard $(basename "$DASH") returns data" dashboard_has_data
fi

# SIGHUP reloads the groups: a bad file leaves them as they were, a good one
# is taken; nothing counted before is lost or counted again.
agent_sum() { rt_curl -f "http://127.0.0.1:$AGENT_PORT/metrics" >"$DIR/now.txt" && "$REPO/tests/tools/promsum" "$DIR/now.txt" "$1"; }
agent_sum_is() { [ "$(agent_sum "$1")" = "$2" ]; }
printf 'carrier_a 10.201.1.0/33\n' >"$DIR/peers"
kill -HUP "$AGENT_PID"
check "SIGHUP with a bad file: counted as a failed reload" \
	until_ok 5 agent_sum_is 'sipxdp_peer_groups_reloads_total{result="failed"}' 1
check "... the groups stay (2, reload_success 0)" \
	test "$(agent_sum sipxdp_peer_groups) $(agent_sum sipxdp_peer_groups_reload_success)" = "2 0"
check "... logged with the file and line" grep -q "reload --peer-groups $DIR/peers:1: '10.201.1.0/33'" "$DIR/agent.err"
printf 'carrier_a 10.201.1.0/24\nrenamed_b 10.201.2.0/24\n' >"$DIR/peers"
kill -HUP "$AGENT_PID"
check "SIGHUP with a good file: reloaded" \
	until_ok 5 agent_sum_is 'sipxdp_peer_groups_reloads_total{result="ok"}' 1
check "... reload_success 1 again" test "$(agent_sum sipxdp_peer_groups_reload_success)" = 1
check "... carrier_b's $TOTAL_B calls still counted, under its name" \
	test "$(agent_sum 'sipxdp_calls_total{peer="carrier_b",result="completed"}')" = "$TOTAL_B"
check "... and carrier_a's $TOTAL_A" \
	test "$(agent_sum 'sipxdp_calls_total{peer="carrier_a",result="completed"}')" = "$TOTAL_A"
check "... no call counted twice" test "$(agent_sum 'sipxdp_calls_total')" = "$TOTAL"

net_stop "$AGENT_PID" TERM 10
check "agent exits 0 on SIGTERM (exit $NET_STOP_RC)" test "$NET_STOP_RC" -eq 0
echo "    run time $((SECONDS - T0)) s"

summary
