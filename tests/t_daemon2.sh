#!/usr/bin/env bash
# Promises 2 and 4 (issue 13): the alerts report the EFFECTIVE level, never a
# vote an override hid (B1); monitor notices a hung lifelined (B3); a second
# lifelined on one pin path is refused (B4); with its pins gone, lifelined
# stops renewing the orphaned map, so its lease lapses and the datapath
# fails open (B5).
set -u
. "$(dirname "$0")/lib.sh"
PIN=/sys/fs/bpf/lltest-d2-$$
RUN=$(mktemp -d)
export LIFELINE_PIN_PATH=$PIN
ST=$TOP/build/tests/llstate
DPID="" MPID="" D2PID="" M2PID=""
cleanup() {
	for p in $MPID $M2PID $D2PID $DPID; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$PIN" "$PIN-old" "$RUN"
}
trap cleanup EXIT
effective() { "$LL" -j pressure | jq -r .level; }
is_level() { [ "$(effective)" = "$1" ]; }
hook_runs() { awk '/^---$/ { n++ } END { print n + 0 }' "$RUN/hooks.log" 2>/dev/null; }

cat >"$RUN/hook.sh" <<EOF
#!/bin/sh
{ tr '\\0' '\\n' </proc/\$\$/environ | grep ^LIFELINE_ | sort; echo ---; } >>"$RUN/hooks.log"
EOF
chmod 755 "$RUN/hook.sh"
: >"$RUN/hooks.log"
mkdir -p "$RUN/a" "$RUN/b"
conf() { # conf DIR
	cat <<EOF
[daemon]
tick = 100ms
hold = 1s
lease = 2s
state_dir = $1
$(conf_host_sources_off)
[kernel]
vmscan = no
[alert]
on_change = $RUN/hook.sh
hook_interval = 100ms
[metrics]
textfile = $1/lifeline.prom
interval = 1h
EOF
}
conf "$RUN/a" >"$RUN/a/conf"
conf "$RUN/b" >"$RUN/b/conf"
"$LLD" --foreground --config "$RUN/a/conf" >"$RUN/a/log" 2>&1 &
DPID=$!
wait_for 5 test -S "$RUN/a/events.sock" || { fail start "$(tail -3 "$RUN/a/log")"; summary; exit 1; }
"$LL" -j monitor --state-dir "$RUN/a" >"$RUN/mon.out" 2>"$RUN/mon.err" &
MPID=$!
wait_for 3 grep -q '"hello"' "$RUN/mon.out" || fail monitor_hello "$(cat "$RUN/mon.out" "$RUN/mon.err")"

# ---- B1: an override pins none; a kernel raise comes and goes under it ----
crit_entered() { awk -F' ' '/^lifeline_level_entered_total\{level="critical"\}/ { print $2 }' "$RUN/a/lifeline.prom" 2>/dev/null; }
"$LL" pressure set none --for 1h >/dev/null
wait_for 3 is_level none
sleep 0.5
c0=$(crit_entered) h0=$(hook_runs)
"$ST" "$PIN" kernel critical 30
sleep 0.3
"$ST" "$PIN" kernel critical 400
sleep 0.8
c1=$(crit_entered) h1=$(hook_runs)
eff=$(effective)
[ "$eff" = none ] || fail b1_effective "effective level $eff under an override at none"
if [ "${c0:-0}" = "${c1:-0}" ]; then
	pass "B1: kernel raises hidden by an override at none: lifeline_level_entered_total{critical} stays ${c1:-0}"
else
	fail b1_metrics "lifeline_level_entered_total{critical} ${c0:-0} -> ${c1:-0}, effective $eff"
fi
! grep -q "^LIFELINE_LEVEL=critical\|^LIFELINE_HIGHEST=critical" "$RUN/hooks.log" &&
	pass "B1: no hook run reports critical ($h0 -> $h1 runs)" ||
	fail b1_hook "$(grep -c LIFELINE_LEVEL=critical "$RUN/hooks.log") hook runs with critical: $(tail -8 "$RUN/hooks.log" | tr '\n' ' ')"
jq -e -s '[.[] | select(.event == "level" and .origin == "daemon" and .level == "critical")] | length == 0' "$RUN/mon.out" >/dev/null &&
	pass "B1: no level event to critical on the events socket" ||
	fail b1_monitor "$(jq -c -s '[.[] | select(.event == "level") | [.previous, .level, .reason]]' "$RUN/mon.out")"
! grep -q "level critical (was" "$RUN/a/log" && pass "B1: no log line says critical" ||
	fail b1_log "$(grep "level critical (was" "$RUN/a/log" | tail -2)"
# the override ends: the daemon's held kernel vote, if still held, may now be effective
"$LL" pressure clear >/dev/null
wait_for 5 is_level none || fail b1_clear "effective $(effective)"

# ---- B3: a hung lifelined (SIGSTOP): monitor says so and exits 1 ----
sleep 3.5	# longer than the silence monitor allows (3 heartbeats of 1 s, lease 2 s)
kill -0 "$MPID" 2>/dev/null && pass "B3: a monitor of a live lifelined stays connected past 3 heartbeats" ||
	fail b3_alive "monitor ended: $(cat "$RUN/mon.err")"
! grep -q "\"event\":\"heartbeat\"" "$RUN/mon.out" && pass "B3: monitor -j prints no heartbeat" ||
	fail b3_quiet "$(grep -c "\"event\":\"heartbeat\"" "$RUN/mon.out") heartbeat lines printed"
hb=$("$ST" events "$RUN/a/events.sock" 3 2500 2>&1)
jq -e -s '.[0].heartbeat_ms > 0 and ([.[] | select(.event == "heartbeat")] | length >= 1)' <<<"$hb" >/dev/null &&
	pass "B3: the events socket carries heartbeats (hello says heartbeat_ms)" ||
	fail b3_heartbeat "$(tr '\n' ' ' <<<"$hb")"
kill -STOP "$DPID"
t0=$(date +%s%N)
"$LL" monitor --state-dir "$RUN/a" >"$RUN/mon2.out" 2>"$RUN/mon2.err" &
M2PID=$!
if wait_for 8 bash -c "! kill -0 $MPID 2>/dev/null"; then
	wait "$MPID"; rc=$?; MPID=""
	t1=$(date +%s%N)
	err=$(cat "$RUN/mon.err")
	if [ "$rc" = 1 ] && grep -q "stopped responding for [0-9]* s; the datapath fails open" <<<"$err"; then
		pass "B3: monitor of a SIGSTOPped lifelined exits 1 after $(( (t1 - t0) / 1000000 )) ms: $err"
	else
		fail b3_msg "exit $rc: $err"
	fi
else
	fail b3_hung "monitor still silent and connected 8 s after SIGSTOP of lifelined"
fi
if wait_for 8 bash -c "! kill -0 $M2PID 2>/dev/null"; then
	wait "$M2PID"; rc=$?
	err=$(cat "$RUN/mon2.err")
	[ "$rc" = 1 ] && grep -q "hung" <<<"$err" && pass "B3: a new monitor to a hung lifelined exits 1: $err" ||
		fail b3_new_msg "exit $rc: $err"
else
	kill "$M2PID" 2>/dev/null; wait "$M2PID" 2>/dev/null
	fail b3_new_hung "a new monitor to a SIGSTOPped lifelined still waits after 8 s"
fi
kill -CONT "$DPID"

# ---- B4: a second lifelined on the same pin path (another state dir) is refused ----
"$LLD" --foreground --config "$RUN/b/conf" >"$RUN/b/log" 2>&1 &
D2PID=$!
if wait_for 3 bash -c "! kill -0 $D2PID 2>/dev/null"; then
	wait "$D2PID"; rc=$?; D2PID=""
	if [ "$rc" != 0 ] && [ "$(wc -l <"$RUN/b/log")" = 1 ] && grep -q "pid $DPID" "$RUN/b/log"; then
		pass "B4: a second lifelined on one pin path exits $rc: $(cat "$RUN/b/log")"
	else
		fail b4_message "exit $rc: $(cat "$RUN/b/log")"
	fi
else
	kill "$D2PID"; wait "$D2PID" 2>/dev/null; D2PID=""
	fail b4_refused "a second lifelined ran on pin path $PIN beside pid $DPID: $(tail -2 "$RUN/b/log")"
fi
kill -0 "$DPID" 2>/dev/null && pass "B4: the first lifelined runs on" || fail b4_first "pid $DPID gone"

# ---- B5: pins gone: the old map's vote is no longer renewed, an orphan fails open ----
B5PIN=$PIN-old
stop_a() { [ -n "$DPID" ] && { kill -CONT "$DPID"; kill "$DPID"; wait "$DPID"; } 2>/dev/null; DPID=""; }
stop_a
fake_proc "$RUN/c"
psi "$RUN/c" 90.00
cat >"$RUN/c/conf" <<EOF
[daemon]
tick = 100ms
hold = 1s
lease = 1s
state_dir = $RUN/c
[watermark]
enable = no
[memavailable]
enable = no
[netstat]
enable = no
[kernel]
vmscan = no
EOF
get() { "$ST" "$1" 2>/dev/null | sed -n "s/^$2=//p"; }
"$LLD" --foreground --proc-root "$RUN/c" --config "$RUN/c/conf" >"$RUN/c/log" 2>&1 &
DPID=$!
if wait_for 5 bash -c "[ \"\$('$ST' '$PIN' 2>/dev/null | sed -n 's/^effective=//p')\" = critical ]"; then
	# as rm -r of the pins would, but the old maps stay in reach of the test
	mkdir "$B5PIN" && mv "$PIN"/* "$B5PIN"/ && rmdir "$PIN"
	wait_for 5 grep -q "is gone" "$RUN/c/log" || fail b5_gone_logged "$(tail -2 "$RUN/c/log")"
	if wait_for 4 bash -c "[ \"\$('$ST' '$B5PIN' | sed -n 's/^effective=//p')\" = none ]"; then
		pass "B5: pins gone: the old map's lease lapses, its level is none (fail open): $(grep -o 'is gone.*' "$RUN/c/log" | head -1)"
	else
		fail b5_fail_open "old map: $("$ST" "$B5PIN" | grep -E 'effective=|daemon_lease_ms=|expired=' | tr '\n' ' ')"
	fi
	mkdir "$PIN" && mv "$B5PIN"/* "$PIN"/ && rmdir "$B5PIN"
	wait_for 5 bash -c "[ \"\$('$ST' '$PIN' | sed -n 's/^effective=//p')\" = critical ]" &&
		grep -q "is back" "$RUN/c/log" &&
		pass "B5: pins back: the vote is renewed there again" ||
		fail b5_back "$("$ST" "$PIN" | grep -E 'effective=|expired=' | tr '\n' ' '); $(tail -2 "$RUN/c/log")"
else
	fail b5_start "effective $(get "$PIN" effective): $(tail -3 "$RUN/c/log")"
fi
stop_a

# ---- B1, the other side: an override that ends before a hidden kernel vote lets it through ----
# ([kernel] enable = no: no vote of the daemon holds the raise; tick 1 s: mostly unseen)
cat >"$RUN/d.conf" <<EOF
[daemon]
tick = 1s
hold = 1s
lease = 3s
state_dir = $RUN/b
$(conf_host_sources_off)
[kernel]
vmscan = no
enable = no
EOF
"$LLD" --foreground --config "$RUN/d.conf" >"$RUN/d.log" 2>&1 &
DPID=$!
wait_for 5 test -S "$RUN/b/events.sock" || fail d_start "$(tail -3 "$RUN/d.log")"
sleep 1.2
for _ in 1 2 3 4 5; do
	"$LL" pressure set none --for 150ms >/dev/null
	"$ST" "$PIN" kernel critical 250
	sleep 1.3
done
n=$(grep -c "level critical (was none)" "$RUN/d.log")
[ "$n" = 5 ] && pass "B1: five kernel votes that outlived an override at none: five alerts to critical" ||
	fail b1_outlived "$n of 5 alerted: $(grep ' level ' "$RUN/d.log" | tail -4 | tr '\n' ' ')"
stop_a
summary
