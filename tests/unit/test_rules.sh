#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_rules.sh - the Prometheus rules, their unit tests, the example
# configuration and the Grafana dashboard under deploy/ stay valid against
# each other: promtool check rules / test rules / check config; every alert
# has a severity, a summary, a description and a runbook, and a test case in
# which it fires and one in which it does not; the dashboard is JSON with the
# peer, interface and data-source variables, every panel queries something,
# every query parses as PromQL (promtool 2.42 has no `promtool parse`: each
# query, variables filled in, becomes a recording rule of a scratch rules
# file for `promtool check rules`) and names only sipxdp_*, node_textfile_*
# or up.  Exit 0 pass, 1 fail, 77 skip (promtool or jq not installed;
# deploy/deps.sh installs both, so CI never skips).
set -uo pipefail
cd "$(dirname "$0")/../.."

RULES=deploy/prometheus/sipxdp.rules.yml
TESTS=deploy/prometheus/sipxdp.rules.test.yml
CONFIG=deploy/prometheus/prometheus.yml.example
DASH=deploy/grafana/sipxdp.json

for tool in promtool jq; do
	if ! command -v "$tool" >/dev/null; then
		echo "rules: $tool not installed (prometheus, jq: make deps): skipped"
		exit 77
	fi
done

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# run DESCRIPTION CMD...: one check, the command's output shown only if it fails.
run() {
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		ok
	else
		bad "$what"
		sed 's/^/    /' "$tmp/out"
	fi
}

# ---- rules ------------------------------------------------------------
run "promtool check rules $RULES" promtool check rules "$RULES"
run "promtool test rules $TESTS" promtool test rules "$TESTS"

# Each alert's block of the rules file, from its '- alert:' line to the next
# rule or group: the labels and annotations an operator is promised.
alerts=$(sed -nE 's/^[[:space:]]*- alert:[[:space:]]*([A-Za-z0-9_]+).*/\1/p' "$RULES")
records=$(grep -cE '^[[:space:]]*- record:' "$RULES")
nalerts=0
for a in $alerts; do
	nalerts=$((nalerts + 1))
	block=$(awk -v a="$a" '
		/^[[:space:]]*- (alert|record):|^[[:space:]]*- name:/ { on = ($0 ~ "- alert:[[:space:]]*" a "$") }
		on && !/^[[:space:]]*#/' "$RULES")
	missing=
	for key in severity summary description runbook; do
		grep -qE "^[[:space:]]+$key:" <<<"$block" || missing="$missing $key"
	done
	[ -z "$missing" ] && ok || bad "$RULES: alert $a has no$missing"
	# The test file's cases for it: 'alertname: A' then 'exp_alerts: []'
	# (does not fire) or 'exp_alerts:' and a list (fires).
	read -r fires quiet < <(awk -v a="$a" '
		/^[[:space:]]*alertname:/ { cur = $2; next }
		/^[[:space:]]*exp_alerts:/ && cur == a { if ($0 ~ /\[\][[:space:]]*$/) q++; else f++; cur = "" }
		END { print f + 0, q + 0 }' "$TESTS")
	[ "$fires" -gt 0 ] || bad "$TESTS: no case in which $a fires"
	[ "$quiet" -gt 0 ] || bad "$TESTS: no case in which $a does not fire"
	[ "$fires" -gt 0 ] && [ "$quiet" -gt 0 ] && ok
done
[ "$nalerts" -gt 0 ] && ok || bad "$RULES: no alerts found"

# ---- the example configuration ----------------------------------------
# Its rule_files is relative to itself: check a copy beside the rules.
cp "$CONFIG" "$tmp/prometheus.yml" && cp "$RULES" "$tmp/"
run "promtool check config $CONFIG" promtool check config "$tmp/prometheus.yml"
grep -qE '^[[:space:]]*- job_name:[[:space:]]*sipxdp[[:space:]]*$' "$CONFIG" && ok ||
	bad "$CONFIG: no job sipxdp (alert SipxdpMetricsDown watches up{job=\"sipxdp\"})"

# ---- the dashboard ----------------------------------------------------
# metric_names EXPR: the metric names EXPR selects, one a line.  Strings,
# label matchers, ranges and grouping labels go first; of the names left,
# those before '(' are functions and the rest metrics or keywords.
metric_names() {
	sed -E -e 's/"([^"\\]|\\.)*"//g' -e 's/\{[^}]*\}//g' -e 's/\[[^]]*\]//g' \
		-e 's/(by|without|on|ignoring|group_left|group_right)[[:space:]]*\([^)]*\)//g' <<<"$1" |
		grep -oE '[A-Za-z_:][A-Za-z0-9_:]*[[:space:]]*\(?|[0-9][0-9.]*([eE][-+]?[0-9]+)?[smhdwy]?' |
		sed -E 's/[[:space:]]+//g' | grep -vE '\($|^[0-9]' |
		grep -vxE 'and|or|unless|bool|offset|by|without|on|ignoring|group_left|group_right|inf|nan|Inf|NaN'
}
# The extraction itself, on a query whose names are known.
got=$(metric_names 'sum by (peer) (rate(x_total{a="b}"}[5m] offset 1d)) / on (peer) up and 1e3 * time()' | tr '\n' ' ')
[ "$got" = "x_total up " ] && ok || bad "metric_names finds '$got', not 'x_total up '"

npanels=0
if ! jq empty "$DASH" 2>"$tmp/out"; then
	bad "$DASH is not JSON: $(cat "$tmp/out")"
else
	ok
	for v in peer interface; do
		jq -e --arg v "$v" '.templating.list[] | select(.name == $v and .type == "query" and .multi and .includeAll
			and (.query | tostring | test("label_values\\(sipxdp_calls_total, *" + $v + "\\)")))' \
			"$DASH" >/dev/null && ok || bad "$DASH: no multi/All query variable $v (label_values(sipxdp_calls_total, $v))"
	done
	jq -e '.templating.list[] | select(.name == "DS_PROMETHEUS" and .type == "datasource" and .query == "prometheus")' \
		"$DASH" >/dev/null && ok || bad "$DASH: no datasource variable DS_PROMETHEUS"
	jq -e '.schemaVersion >= 36' "$DASH" >/dev/null && ok || bad "$DASH: schemaVersion under 36 (Grafana 10 writes 38)"

	# One line per panel (rows hold no query): id, title, and its exprs.
	jq -c '.panels[] | select(.type != "row") | {id, title, exprs: [.targets[]?.expr | select(type == "string" and . != "")]}' \
		"$DASH" >"$tmp/panels"
	# Each expr as it runs with every peer and interface and a 1 m rate
	# interval, as a recording rule (JSON is YAML) named for its panel.
	jq -s '{groups: [{name: "dashboard", rules: [.[] | .id as $id | .exprs | to_entries[]
		| {record: "dashboard:panel_\($id)_\(.key)",
		   expr: (.value | gsub("\\$\\{?(peer|interface)\\}?"; ".*") | gsub("\\$\\{?__rate_interval\\}?"; "1m"))}]}]}' \
		"$tmp/panels" >"$tmp/dashboard.rules.json"
	while read -r panel; do
		npanels=$((npanels + 1))
		id=$(jq -r .id <<<"$panel")
		title=$(jq -r .title <<<"$panel")
		n=$(jq '.exprs | length' <<<"$panel")
		if [ "$n" -eq 0 ]; then
			bad "$DASH: panel $id '$title' has no target with an expr"
			continue
		fi
		okp=1
		while read -r expr; do
			if grep -q '\$' <<<"$expr"; then
				bad "$DASH: panel $id '$title': a variable the test does not fill in: $expr"
				okp=0
			fi
			for m in $(metric_names "$expr"); do
				case $m in
				sipxdp_* | node_textfile_* | up) ;;
				*) bad "$DASH: panel $id '$title' queries $m (not sipxdp_*, node_textfile_*, up)"; okp=0 ;;
				esac
			done
		done < <(jq -r --arg id "$id" '.groups[0].rules[] | select(.record | startswith("dashboard:panel_\($id)_"))
			| .expr | gsub("\n"; " ")' "$tmp/dashboard.rules.json")
		[ $okp = 1 ] && ok
	done <"$tmp/panels"
	[ "$npanels" -gt 0 ] && ok || bad "$DASH: no panels"
	run "promtool check rules on the dashboard's queries (dashboard:panel_ID_N is panel ID's Nth)" \
		promtool check rules "$tmp/dashboard.rules.json"
fi

# ---- every sipxdp_ name used is one the agent writes -------------------
# The rules, their fixtures, the runbooks and the dashboard name metrics; a
# typo or a renamed family would leave a rule silent or a panel empty.  A
# recorded name (peer:sipxdp_...:...) is the rules' own.
nnames=0
for m in $(grep -hv '^[[:space:]]*#' "$RULES" "$TESTS" "$DASH" |
	grep -oE '(^|[^:A-Za-z0-9_])sipxdp_[a-z0-9_]+' | grep -oE 'sipxdp_[a-z0-9_]+' | sort -u); do
	nnames=$((nnames + 1))
	family=$(sed -E 's/_(bucket|count|sum)$//' <<<"$m")
	grep -qF "\"$family\"" user/*.c && ok || bad "$m: no family \"$family\" in user/*.c (a typo, or renamed?)"
done
[ "$nnames" -gt 0 ] && ok || bad "no sipxdp_ names found in $RULES, $TESTS, $DASH"

echo "rules: $nalerts alerts tested, $records recording rules, $npanels panels checked"
echo "rules: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
