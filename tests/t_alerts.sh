#!/usr/bin/env bash
# Promise 4, the alerts: every change to critical reaches the on_change hook
# (a short excursion inside hook_interval is folded into the next run, which
# reports it as LIFELINE_HIGHEST), the log, the events socket and the
# metrics; and `lifeline monitor` says so and exits 1 when lifelined is
# SIGKILLed, instead of ending silently with 0.
set -u
. "$(dirname "$0")/lib.sh"
PIN=/sys/fs/bpf/lltest-al-$$
RUN=$(mktemp -d)
export LIFELINE_PIN_PATH=$PIN
DPID="" MPID=""
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$PIN" "$RUN"
}
trap cleanup EXIT
hook_runs() { cat "$RUN/hooks.log" 2>/dev/null | awk '/^---$/ { n++ } END { print n + 0 }'; }
effective() { "$LL" -j pressure | jq -r .level; }
runs_at_least() { [ "$(hook_runs)" -ge "$1" ]; }
is_level() { [ "$(effective)" = "$1" ]; }

cat >"$RUN/hook.sh" <<EOF
#!/bin/sh
{ tr '\\0' '\\n' </proc/\$\$/environ | grep ^LIFELINE_ | sort; echo ---; } >>"$RUN/hooks.log"
EOF
chmod 755 "$RUN/hook.sh"
cat >"$RUN/conf" <<EOF
[daemon]
tick = 100ms
hold = 1s
state_dir = $RUN
$(conf_host_sources_off)
[kernel]
vmscan = no
[alert]
on_change = $RUN/hook.sh
hook_interval = 4s
[metrics]
textfile = $RUN/lifeline.prom
interval = 1h
EOF
"$LLD" --foreground --config "$RUN/conf" >"$RUN/log" 2>&1 &
DPID=$!
wait_for 5 test -S "$RUN/events.sock" || { fail start "$(tail -3 "$RUN/log")"; summary; exit 1; }
"$LL" -j monitor --state-dir "$RUN" >"$RUN/monitor.out" 2>"$RUN/monitor.err" &
MPID=$!
wait_for 3 grep -q '"hello"' "$RUN/monitor.out" || fail monitor_hello "$(cat "$RUN/monitor.out" "$RUN/monitor.err")"

# ---- the hook: an excursion to critical inside hook_interval ----
# elevated starts a run; critical and back to elevated within the interval
"$LL" pressure set elevated >/dev/null
wait_for 3 runs_at_least 1 || fail hook_first "no hook run for elevated: $(tail -3 "$RUN/log")"
"$LL" pressure set critical >/dev/null
wait_for 2 is_level critical || fail excursion "effective level $(effective)"
sleep 0.3	# a few ticks at critical
"$LL" pressure set elevated >/dev/null
wait_for 2 is_level elevated || fail excursion_back "effective level $(effective)"
# the interval (4 s from the first run) passes, then the folded run
wait_for 8 runs_at_least 2
runs=$(hook_runs)
second=$(awk 'n == 1 && !/^---$/ { print } /^---$/ { n++ }' "$RUN/hooks.log")
if grep -q '^LIFELINE_HIGHEST=critical$' <<<"$second" && grep -q '^LIFELINE_LEVEL=elevated$' <<<"$second" &&
   grep -q '^LIFELINE_CHANGES=2$' <<<"$second" && grep -q '^LIFELINE_HIGHEST_SOURCE=manual$' <<<"$second"; then
	pass "a 0.3 s excursion to critical inside hook_interval reached the hook (LIFELINE_HIGHEST=critical, LIFELINE_CHANGES=2)"
else
	fail hook_excursion "$runs runs; second: $(tr '\n' ' ' <<<"$second")"
fi
first=$(awk '/^---$/ { exit } { print }' "$RUN/hooks.log")
grep -q '^LIFELINE_HIGHEST=elevated$' <<<"$first" && grep -q '^LIFELINE_CHANGES=1$' <<<"$first" &&
	pass "an unfolded run: LIFELINE_HIGHEST is the level, LIFELINE_CHANGES=1" ||
	fail hook_plain "$(tr '\n' ' ' <<<"$first")"
# a dip below the level last told that comes back is not a change for the hook
"$LL" pressure set none >/dev/null
wait_for 2 is_level none
sleep 0.3
"$LL" pressure set elevated >/dev/null
wait_for 2 is_level elevated
sleep 5
[ "$(hook_runs)" = "$runs" ] && pass "a folded dip back to the level last told runs no hook" ||
	fail hook_dip "$(hook_runs) runs, $runs before: $(tail -6 "$RUN/hooks.log" | tr '\n' ' ')"

# ---- the other channels saw the excursion ----
grep -q "level critical (was elevated), source manual" "$RUN/log" && pass "log line for the excursion to critical" ||
	fail log_critical "$(grep " level " "$RUN/log" | tail -4)"
jq -e -s '[.[] | select(.event == "level" and .level == "critical")] | length >= 1' "$RUN/monitor.out" >/dev/null &&
	pass "events socket: the monitor got the level event to critical" ||
	fail monitor_critical "$(jq -c -s '[.[] | select(.event == "level") | .level]' "$RUN/monitor.out")"

# the textfile is replaced at every change, but a scrape sees only the moment it
# comes: the excursion must stay visible in a counter
prom=$RUN/lifeline.prom
if grep -Eq '^lifeline_level_entered_total\{level="critical"\} [1-9]' "$prom" 2>/dev/null &&
   [ "$(awk '$1 == "lifeline_level" { print $2 }' "$prom")" = 1 ]; then
	pass "metrics: level back at elevated, the excursion to critical counted in lifeline_level_entered_total"
else
	fail metrics_critical "$(grep -E '^lifeline_level(_entered_total|_changes_total)?[ {]' "$prom" 2>&1 | tr '\n' ' ')"
fi

# ---- excursions shorter than a tick (100 ms): the datapath applied them ----
crit_log() { grep -c "level critical (was" "$RUN/log"; }
crit_mon() { jq -s '[.[] | select(.event == "level" and .level == "critical")] | length' "$RUN/monitor.out"; }
l0=$(crit_log) m0=$(crit_mon)
for _ in 1 2 3 4 5; do
	"$LL" pressure set critical --for 20ms >/dev/null
	sleep 0.3
done
sleep 0.3
l1=$(crit_log) m1=$(crit_mon)
[ $((l1 - l0)) = 5 ] && pass "five 20 ms overrides to critical (tick 100 ms): five log lines" ||
	fail subtick_log "$((l1 - l0)) of 5 logged: $(grep " level " "$RUN/log" | tail -4 | tr '\n' ' ')"
[ $((m1 - m0)) = 5 ] && pass "five 20 ms overrides to critical: five level events on the socket" ||
	fail subtick_monitor "$((m1 - m0)) of 5 sent"

# ---- kernel raises that no ring buffer event announced ----
# (the datapath sends one event per type per 100 ms: a direct-reclaim raise to
# critical right after a kswapd raise to elevated goes without one)
ST=$TOP/build/tests/llstate
dvote() { "$LL" -j pressure | jq -r '"\(.votes.daemon.level) \(.votes.daemon.source)"'; }
wait_for 3 is_level none || fail calm "effective level $(effective)"
kl0=$(grep -c "level critical (was none), source vmscan" "$RUN/log")
"$ST" "$PIN" kernel critical 30
sleep 0.5
kl1=$(grep -c "level critical (was none), source vmscan" "$RUN/log")
[ $((kl1 - kl0)) = 1 ] && pass "a 30 ms kernel raise with no event (tick 100 ms) is alerted" ||
	fail kernel_subtick "$((kl1 - kl0)) alerts: $(grep " level " "$RUN/log" | tail -3 | tr '\n' ' ')"
wait_for 5 is_level none
"$ST" "$PIN" kernel critical 300
sleep 0.7
[ "$(dvote)" = "critical vmscan" ] && [ "$(effective)" = critical ] &&
	pass "a kernel raise with no event is held for hold ([kernel] enable), past its own lease" ||
	fail kernel_hold "daemon vote $(dvote), effective $(effective), 0.7 s after a 0.3 s kernel raise (hold 1 s)"

# ---- lifeline monitor when lifelined is SIGKILLed ----
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
wait_for 5 bash -c "! kill -0 $MPID 2>/dev/null"
wait "$MPID"; rc=$?; MPID=""
err=$(cat "$RUN/monitor.err")
[ "$rc" = 1 ] && pass "monitor exits 1 when lifelined is killed" || fail monitor_rc "exit $rc, stderr: $err"
grep -q "went away without stopping" <<<"$err" && pass "monitor says lifelined went away: $(jq -r .error <<<"$err" 2>/dev/null || echo "$err")" ||
	fail monitor_msg "stderr: $err"

# ---- and when lifelined stops cleanly (SIGTERM) ----
# the SIGKILLed daemon left its socket file: wait for the new one, not the old
rm -f "$RUN/events.sock"
"$LLD" --foreground --config "$RUN/conf" >"$RUN/log2" 2>&1 &
DPID=$!
wait_for 5 test -S "$RUN/events.sock" || fail restart "$(tail -3 "$RUN/log2")"
: >"$RUN/monitor.out"
"$LL" monitor --state-dir "$RUN" >"$RUN/monitor.out" 2>"$RUN/monitor.err" &
MPID=$!
wait_for 3 grep -q "connected to lifelined" "$RUN/monitor.out" || fail monitor_hello2 "$(cat "$RUN/monitor.err")"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
wait_for 5 bash -c "! kill -0 $MPID 2>/dev/null"
wait "$MPID"; rc=$?; MPID=""
err=$(cat "$RUN/monitor.err")
[ "$rc" = 1 ] && grep -q "stopped: no more events" <<<"$err" &&
	pass "monitor says lifelined stopped and exits 1 after SIGTERM" || fail monitor_stop "exit $rc, stderr: $err"
summary
