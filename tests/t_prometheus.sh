#!/usr/bin/env bash
# The alert rules (docs/deploy/alerts.yaml), end to end:
#  - promtool test rules: every alert has a case where it fires and one where
#    it stays silent, "daemon SIGKILLed -> LifelineDaemonDown fires within its
#    for:" among them;
#  - the real chain: lifelined (fake /proc, PSI critical, its own pin path)
#    writes its textfile, Debian's prometheus-node-exporter serves it, a
#    Prometheus server (in a network namespace of its own) scrapes it every
#    second and evaluates the unmodified rules; lifelined is SIGKILLed and
#    LifelineDaemonDown and LifelineLeaseExpired must fire within their
#    threshold and for: (metrics interval 1 s: 2 x 1 + 30 s, then 30 s).
# Needs promtool, prometheus and prometheus-node-exporter (make deps); skips
# what is missing. ALERTS=FILE tests another rules file.
# Usage: tests/t_prometheus.sh [-v]
set -u
. "$(dirname "$0")/lib.sh"
V=""
[ "${1:-}" = "-v" ] && V=1
ALERTS=${ALERTS:-$TOP/docs/deploy/alerts.yaml}
TESTS=$TOP/docs/deploy/alerts.test.yaml
NE=$(command -v prometheus-node-exporter || command -v node_exporter)
PROM=$(command -v prometheus)

# ---- the unit tests ----
if command -v promtool >/dev/null; then
	D=$(mktemp -d /tmp/lltest-alerts-unit.XXXXXX)
	cp "$ALERTS" "$D/alerts.yaml" && cp "$TESTS" "$D/alerts.test.yaml"
	if out=$(promtool test rules "$D/alerts.test.yaml" 2>&1); then
		pass "promtool test rules"
	else
		fail "promtool test rules" "$(grep -E 'name:|alertname:|got:' <<<"$out" | head -12 | tr -s ' ' | tr '\n' ' ')"
	fi
	rm -rf "$D"
else
	skip "promtool test rules" "promtool not installed (apt-get install prometheus)"
fi

# every alert is tested firing and silent
if python3 -c 'import yaml' 2>/dev/null; then
	out=$(python3 - "$ALERTS" "$TESTS" <<'EOF'
import sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))
tests = yaml.safe_load(open(sys.argv[2]))
alerts = [r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r]
fires, silent = set(), set()
for t in tests["tests"]:
    for a in t.get("alert_rule_test", []):
        (fires if a.get("exp_alerts") else silent).add(a["alertname"])
bad = [a + (" never fires" if a not in fires else " never silent")
       for a in alerts if a not in fires or a not in silent]
# each alert's runbook_url points at its own section of RUNBOOK.md
runbook = open(sys.argv[1].rsplit("/", 1)[0] + "/RUNBOOK.md").read().lower()
for g in rules["groups"]:
    for r in g["rules"]:
        url = r.get("annotations", {}).get("runbook_url", "")
        if not url.endswith("#" + r["alert"].lower()) or "\n## " + r["alert"].lower() + "\n" not in runbook:
            bad.append(r["alert"] + " has no runbook section")
print("; ".join(bad) if bad else "%d alerts" % len(alerts))
sys.exit(1 if bad or not alerts else 0)
EOF
	) && pass "every alert tested firing and silent, with a runbook section ($out)" || fail "alert coverage" "$out"
else
	skip "alert coverage" "python3 yaml not available (apt-get install python3-yaml)"
fi

# ---- the real chain ----
need=""
[ "$(id -u)" = 0 ] || need="$need root"
mountpoint -q /sys/fs/bpf || need="$need bpffs"
[ -n "$NE" ] || need="$need prometheus-node-exporter"
[ -n "$PROM" ] || need="$need prometheus"
command -v jq >/dev/null || need="$need jq"
command -v curl >/dev/null || need="$need curl"
[ -x "$LLD" ] && [ -x "$LL" ] || need="$need build"
if [ -n "$need" ]; then
	skip "exporter chain" "missing:$need"
	summary
	exit
fi

ID=${LL_NS_ID:-$$}
NS=llal$ID
PIN=/sys/fs/bpf/lltest-alerts-$ID
TMP=$(mktemp -d /tmp/lltest-alerts.XXXXXX)
TXT=$TMP/textfile
DPID="" NPID="" PPID_=""
cleanup() {
	local p
	# node_exporter and prometheus are disowned (no job report): wait by polling
	for p in $DPID $NPID $PPID_; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	for p in $NPID $PPID_; do wait_for 5 eval "! kill -0 $p 2>/dev/null"; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT
in_ns() { nsenter --net=/run/netns/$NS "$@"; }
# wait_for SECONDS CMD...: polls CMD until it succeeds or SECONDS have passed
metric() { sed -n "s/^$1 //p" "$TXT/lifeline.prom" 2>/dev/null; }

ip netns add "$NS" && in_ns ip link set lo up || { fail netns "cannot create $NS"; summary; exit; }
mkdir -p "$TXT" "$TMP/run"
fake_proc "$TMP/root"
psi "$TMP/root" 50.00
cat >"$TMP/lifeline.conf" <<EOF
[daemon]
tick = 100ms
lease = 1s
hold = 1s
state_dir = $TMP/run
[memcg]
enable = no
[metrics]
textfile = $TXT/lifeline.prom
interval = 1s
EOF
LIFELINE_PIN_PATH=$PIN "$LLD" --foreground --config "$TMP/lifeline.conf" --proc-root "$TMP/root" \
	>"$TMP/daemon.log" 2>&1 &
DPID=$!
if ! wait_for 10 grep -qs '^lifeline_daemon_vote_level 2$' "$TXT/lifeline.prom"; then
	fail "daemon textfile" "no vote critical in $TXT/lifeline.prom: $(tail -3 "$TMP/daemon.log")"
	summary
	exit
fi

# the last tick is wall-clock time, and it moves
t1=$(metric lifeline_daemon_last_tick_timestamp_seconds)
now=$(date +%s.%N)
if awk -v t="$t1" -v n="$now" 'BEGIN { exit !(t != "" && n - t >= 0 && n - t < 3) }'; then
	pass "last tick timestamp is the wall clock ($t1, now $now)"
else
	fail "last tick timestamp" "'$t1', now $now"
fi
moved() { [ "$(metric lifeline_daemon_last_tick_timestamp_seconds)" != "$t1" ]; }
wait_for 5 moved && pass "last tick timestamp advances" || fail "last tick advances" "stays $t1"
[ "$(metric lifeline_daemon_metrics_interval_seconds)" = 1.000 ] && pass "metrics interval exported" ||
	fail "metrics interval" "'$(metric lifeline_daemon_metrics_interval_seconds)'"

# the README's rule counts, against what the CLI registered
LIFELINE_PIN_PATH=$PIN "$LL" flow add nbd://198.51.100.7 >/dev/null &&
	LIFELINE_PIN_PATH=$PIN "$LL" flow add iscsi://203.0.113.0/24 >/dev/null &&
	LIFELINE_PIN_PATH=$PIN "$LL" allow add tcp://192.0.2.0/24:22 >/dev/null ||
	fail "register rules" "flow/allow add failed"
rules_seen() { [ "$(metric 'lifeline_rules{kind="endpoint"}')" = 2 ] && [ "$(metric 'lifeline_rules{kind="allow"}')" = 1 ]; }
if wait_for 5 rules_seen; then
	pass "lifeline_rules counts 2 endpoint rules and 1 allow rule"
else
	fail "lifeline_rules" "$(grep '^lifeline_rules' "$TXT/lifeline.prom" | tr '\n' ' ')"
fi

# Debian's node_exporter reads the file: no scrape error, full-path file label
# nsenter, not the in_ns function: $! must be the exporter itself, not a
# subshell (nsenter --net execs the command)
nsenter --net=/run/netns/$NS "$NE" --collector.disable-defaults --collector.textfile --collector.textfile.directory="$TXT" \
	--web.listen-address=127.0.0.1:9100 >"$TMP/ne.log" 2>&1 &
NPID=$!
disown $NPID
scrape() { in_ns curl -sf http://127.0.0.1:9100/metrics >"$TMP/scrape.txt"; }
if wait_for 10 scrape && grep -q '^node_textfile_scrape_error 0$' "$TMP/scrape.txt" &&
	grep -q '^lifeline_daemon_last_tick_timestamp_seconds ' "$TMP/scrape.txt" &&
	grep -qF "node_textfile_mtime_seconds{file=\"$TXT/lifeline.prom\"}" "$TMP/scrape.txt"; then
	pass "node_exporter serves the textfile (mtime labelled with the full path)"
else
	fail "node_exporter" "$(grep -E '^node_textfile' "$TMP/scrape.txt" 2>/dev/null | tr '\n' ' ') $(tail -2 "$TMP/ne.log")"
fi

# Prometheus evaluates the rules as shipped
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $ALERTS
scrape_configs:
  - job_name: lifeline-nodes
    static_configs:
      - targets: ["127.0.0.1:9100"]
EOF
nsenter --net=/run/netns/$NS "$PROM" --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address=127.0.0.1:9090 >"$TMP/prom.log" 2>&1 &
PPID_=$!
disown $PPID_
api() { in_ns curl -sf "http://127.0.0.1:9090/api/v1/$1"; }
q() { in_ns curl -sf --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query; }
scraped() { [ "$(q lifeline_daemon_vote_level | jq -r '.data.result[0].value[1]' 2>/dev/null)" = 2 ]; }
if ! wait_for 30 scraped; then
	fail prometheus "no lifeline_daemon_vote_level scraped: $(tail -3 "$TMP/prom.log")"
	summary
	exit
fi
# state of an alert: firing, pending or inactive
astate() { api alerts | jq -r --arg a "$1" '[.data.alerts[] | select(.labels.alertname == $a) | .state][0] // "inactive"'; }
firing() { [ "$(astate "$1")" = firing ]; }
before="$(astate LifelineDaemonDown) $(astate LifelineLeaseExpired) $(astate LifelineMetricsMissing)"
[ "$before" = "inactive inactive inactive" ] && pass "live daemon: DaemonDown, LeaseExpired, MetricsMissing inactive" ||
	fail "live daemon alerts" "DaemonDown, LeaseExpired, MetricsMissing: $before"

# SIGKILL while the daemon holds critical
{ kill -9 "$DPID"; wait "$DPID"; } 2>/dev/null
DPID=""
killed=$SECONDS
last=$(metric lifeline_daemon_last_tick_timestamp_seconds)
sleep 2
# what node_exporter keeps serving: the last values, lease_expired 0 included
if [ "$(metric lifeline_daemon_last_tick_timestamp_seconds)" = "$last" ] &&
	[ "$(metric lifeline_lease_expired)" = 0 ]; then
	pass "dead daemon's textfile frozen, still says lease_expired 0"
else
	fail "frozen textfile" "last tick $last -> $(metric lifeline_daemon_last_tick_timestamp_seconds), lease_expired $(metric lifeline_lease_expired)"
fi
# threshold 2 x 1 s + 30 s, then for: 30 s, plus scrape and evaluation (1 s each)
if wait_for 90 firing LifelineDaemonDown; then
	took=$((SECONDS - killed))
	labels=$(api alerts | jq -c '[.data.alerts[] | select(.labels.alertname == "LifelineDaemonDown") | .labels][0]')
	if [ "$took" -ge 55 ] && [ "$took" -le 75 ]; then
		pass "SIGKILLed daemon -> LifelineDaemonDown fires in ${took}s (32 s threshold + 30 s for:) $labels"
	else
		fail "DaemonDown timing" "fired ${took}s after the kill, expected 55-75 s"
	fi
	wait_for 5 firing LifelineLeaseExpired && pass "LifelineLeaseExpired fires too (killed at critical)" ||
		fail "LeaseExpired" "$(astate LifelineLeaseExpired) after $((SECONDS - killed))s"
else
	fail "SIGKILLed daemon -> LifelineDaemonDown" "not firing $((SECONDS - killed))s after the kill: $(api alerts | head -c 400)"
fi
summary
