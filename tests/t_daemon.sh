#!/usr/bin/env bash
# lifelined integration: the daemon on a fake proc tree (--proc-root) and an
# isolated pin path, its vote in the state map through none -> critical ->
# (hold) elevated -> none, the lease after SIGKILL, SIGTERM, SIGHUP, the
# manual override, --check-config, the hook's environment, the events socket
# and the metrics textfile. No network interface is touched: the maps are
# created and pinned, nothing is attached.
# Usage: tests/t_daemon.sh [-v]
set -u
. "$(dirname "$0")/lib.sh"
LLD=${LIFELINED:-$TOP/build/lifelined}
ST=$TOP/build/tests/llstate
V=""
[ "${1:-}" = "-v" ] && V=1

if [ "$(id -u)" != 0 ]; then
	skip t_daemon "needs root (BPF maps in bpffs)"
	summary; exit
fi
if ! mountpoint -q /sys/fs/bpf; then
	skip t_daemon "bpffs is not mounted on /sys/fs/bpf"
	summary; exit
fi
for b in "$LLD" "$ST"; do
	if [ ! -x "$b" ]; then
		fail build "$b missing: run make"
		summary; exit
	fi
done

PIN=/sys/fs/bpf/lltest-$$
export LIFELINE_PIN_PATH=$PIN
TMP=$(mktemp -d /tmp/lltest-daemon.XXXXXX)
PROC=$TMP/root
RUN=$TMP/run
CONF=$TMP/lifeline.conf
LOG=$TMP/daemon.log
HOOKS=$TMP/hooks.log
DPID="" MPID=""

cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

# ---- the fake tree; files are replaced by rename, so the daemon never reads half a file ----
# (lib.sh: fake_proc, psi, memavail_kb, pfdrops)
mkdir -p "$RUN"
fake_proc "$PROC"
memavail_kb "$PROC" 20000000
pfdrops "$PROC" 0

cat >"$TMP/hook.sh" <<EOF
#!/bin/sh
# what lifelined passed, before a shell adds anything
{ tr '\\0' '\\n' </proc/\$\$/environ; echo ---; } >>"$HOOKS"
EOF
chmod 755 "$TMP/hook.sh"

lld_conf state_dir="$RUN" tick=100ms lease=1s hold=1s hook="$TMP/hook.sh" \
	textfile="$TMP/lifeline.prom" interval=500ms >"$CONF"

# ---- helpers ----
get() { "$ST" "$PIN" 2>/dev/null | sed -n "s/^$1=//p"; }
# wait_for SECONDS CMD...: polls CMD every 50 ms
vote_is() { [ "$(get daemon_level)" = "$1" ]; }
effective_is() { [ "$(get effective)" = "$1" ]; }
log_has() { grep -q -- "$1" "$LOG"; }
alive() { kill -0 "$DPID" 2>/dev/null; }
# Started means the "started:" line, logged once signals are blocked and the
# socket listens (a socket left by a killed daemon proves nothing).
starts() { cat "$LOG" 2>/dev/null | grep -c "started: pin path"; }
started_after() { [ "$(starts)" -gt "$1" ]; }
start_daemon() {
	local n
	n=$(starts)
	"$LLD" --foreground --config "$CONF" --proc-root "$PROC" -v >>"$LOG" 2>&1 &
	DPID=$!
	wait_for 10 started_after "$n"
}
# timeline SECONDS: the daemon's vote every 50 ms, consecutive repeats collapsed
timeline() {
	local t=$1 i cur last="" out=""
	for ((i = 0; i < t * 20; i++)); do
		cur=$(get daemon_level)
		if [ "$cur" != "$last" ]; then
			out="$out${out:+ }$cur"
			last=$cur
		fi
		[ "$cur" = none ] && break
		sleep 0.05
	done
	echo "$out"
}

# ---- --check-config ----
if out=$("$LLD" --check-config --config "$CONF" 2>&1); then
	pass check_config_ok
else
	fail check_config_ok "$out"
fi
mkdir -p "$TMP/bad.conf.d"
printf '[daemon]\ntick = 100ms\n' >"$TMP/bad.conf"
printf '# drop-in\n[psi]\nsome_elevatd = 3\n' >"$TMP/bad.conf.d/50-typo.conf"
out=$("$LLD" --check-config --config "$TMP/bad.conf" 2>&1)
rc=$?
if [ $rc = 1 ] && grep -q "^$TMP/bad.conf.d/50-typo.conf:3: .*some_elevatd" <<<"$out"; then
	pass check_config_bad
else
	fail check_config_bad "exit $rc: $out"
fi
out=$("$LLD" --foreground --config "$TMP/bad.conf" --proc-root "$PROC" 2>&1)
rc=$?
if [ $rc = 1 ] && grep -q "50-typo.conf:3:" <<<"$out" && [ ! -e "$PIN" ]; then
	pass start_with_bad_config
else
	fail start_with_bad_config "exit $rc: $out"
fi
if "$LLD" --help | grep -q "^SYNOPSIS" && ! "$LLD" --bogus 2>/dev/null; then
	pass help
else
	fail help "--help without SYNOPSIS, or --bogus accepted"
fi

# ---- start, calm ----
if ! start_daemon; then
	fail start "no events socket; log: $(tail -5 "$LOG")"
	summary; exit
fi
if wait_for 3 vote_is none && [ "$(get daemon_lease_ms)" -gt 0 ] 2>/dev/null; then
	pass start_calm
else
	fail start_calm "$("$ST" "$PIN" 2>&1 | tr '\n' ' ')"
fi
eff=$((16#$(awk '/^CapEff/ {print $2}' /proc/$DPID/status)))
# CAP_NET_ADMIN stays: BPF_PROG_QUERY on the tc hooks, the per-tick check that
# lifeline's program still runs first (#14); CAP_SYS_ADMIN and DAC_OVERRIDE go
if [ $((eff >> 39 & 1)) = 1 ] && [ $((eff >> 21 & 1)) = 0 ] && [ $((eff >> 1 & 1)) = 0 ] &&
	[ $((eff >> 0 & 1)) = 0 ] && [ $((eff >> 19 & 1)) = 0 ]; then
	pass caps_dropped
else
	fail caps_dropped "CapEff $(printf %x $eff): wants CAP_BPF, no CAP_SYS_ADMIN, CAP_DAC_OVERRIDE, CAP_CHOWN, CAP_SYS_PTRACE"
fi
mode=$(stat -c %a "$RUN/events.sock")
[ "$mode" = 600 ] && pass socket_mode || fail socket_mode "events.sock mode $mode"
[ "$(cat "$RUN/lifelined.pid" 2>/dev/null)" = "$DPID" ] && pass pidfile || fail pidfile "$(cat "$RUN/lifelined.pid" 2>&1)"
log_has "not procfs, polling every tick" && pass psi_poll_logged || fail psi_poll_logged "$(head -5 "$LOG")"
[ "$(get budget_rate)" = 10485760 ] && pass budget || fail budget "budget_rate $(get budget_rate)"
out=$("$LLD" --foreground --config "$CONF" --proc-root "$PROC" 2>&1)
rc=$?
if [ $rc = 1 ] && grep -q "another lifelined (pid $DPID)" <<<"$out"; then
	pass single_instance
else
	fail single_instance "exit $rc: $out"
fi

# lifeline monitor and metrics against the running daemon
out=$(LIFELINE_PIN_PATH=$PIN timeout 5 "$TOP/build/lifeline" -j monitor --state-dir "$RUN" --count 1)
jq -e '.event == "hello" and .level == "none"' >/dev/null 2>&1 <<<"$out" && pass monitor_hello || fail monitor_hello "$out"
LIFELINE_PIN_PATH=$PIN "$TOP/build/lifeline" metrics >"$TMP/metrics.txt" 2>&1
# exposition format: comments or "name{labels} value", names lifeline_*, counters *_total
if awk '/^#/ { next } !/^lifeline_[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/ { bad = 1 } END { exit bad }' "$TMP/metrics.txt" &&
	grep -q '^# TYPE lifeline_packets_total counter' "$TMP/metrics.txt" &&
	grep -q '^lifeline_level' "$TMP/metrics.txt"; then
	pass metrics_format
else
	fail metrics_format "$(head -5 "$TMP/metrics.txt")"
fi
if command -v promtool >/dev/null; then
	promtool check metrics <"$TMP/metrics.txt" >/dev/null 2>&1 && pass promtool || fail promtool "$(promtool check metrics <"$TMP/metrics.txt" 2>&1 | head -3)"
fi

# The lease is renewed every tick.
l1=$(get daemon_expires_ns); sleep 0.3; l2=$(get daemon_expires_ns)
[ "$l2" -gt "$l1" ] 2>/dev/null && pass lease_renewed || fail lease_renewed "$l1 -> $l2"

"$ST" events "$RUN/events.sock" 200 60000 >"$TMP/events.log" 2>&1 &
MPID=$!
# and the operator's view of the same stream
LIFELINE_PIN_PATH=$PIN timeout 20 "$TOP/build/lifeline" -j monitor --state-dir "$RUN" --count 4 >"$TMP/monitor.log" 2>&1 &
MONPID=$!
sleep 0.2

# ---- none -> critical -> (hold) elevated -> (hold) none ----
psi "$PROC" 50.00
if wait_for 3 vote_is critical && [ "$(get daemon_source)" = psi ] && effective_is critical; then
	pass psi_critical
else
	fail psi_critical "$("$ST" "$PIN" | tr '\n' ' ')"
fi
lease=$(get daemon_lease_ms)
if [ "$lease" -gt 0 ] && [ "$lease" -le 1000 ] 2>/dev/null; then
	pass lease_window
else
	fail lease_window "lease $lease ms, configured 1s"
fi
psi "$PROC" 0.00
start=$(date +%s%N)
sleep 0.5
lvl=$(get daemon_level)
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$ms" -ge 900 ]; then
	skip hold_keeps_critical "the host was too slow to look within the hold ($ms ms)"
elif [ "$lvl" = critical ]; then
	pass hold_keeps_critical
else
	fail hold_keeps_critical "$lvl $ms ms after calm, hold 1s"
fi
tl=$(timeline 5)
end=$(date +%s%N)
if [ "$tl" = "critical elevated none" ]; then
	pass step_down_timeline
else
	fail step_down_timeline "vote went: $tl"
fi
# Two steps of one hold each: at least 2 s (no upper bound asserted).
[ $(((end - start) / 1000000)) -ge 1900 ] && pass step_down_hold || fail step_down_hold "none after $(((end - start) / 1000000)) ms"
log_has "level critical (was none), source psi: psi some avg10=50.00%" && pass alert_logged || fail alert_logged "$(grep level "$LOG" | head -3)"

# ---- the hook ----
wait_for 3 grep -q "LIFELINE_LEVEL=none" "$HOOKS"
if [ -f "$HOOKS" ]; then
	first=$(awk '/^---$/{exit} {print}' "$HOOKS" | sort)
	keys=$(cut -d= -f1 <<<"$first" | tr '\n' ' ')
	if [ "$keys" = "LIFELINE_CHANGES LIFELINE_EVENT LIFELINE_HIGHEST LIFELINE_HIGHEST_SOURCE LIFELINE_HIGHEST_TIME LIFELINE_LEVEL LIFELINE_PREVIOUS LIFELINE_REASON LIFELINE_SOURCE LIFELINE_TIME LIFELINE_TIMESTAMP PATH " ] && grep -qx "LIFELINE_EVENT=level" <<<"$first"; then
		pass hook_clean_env
	else
		fail hook_clean_env "environment: $keys"
	fi
	if grep -q "^LIFELINE_LEVEL=critical$" <<<"$first" && grep -q "^LIFELINE_PREVIOUS=none$" <<<"$first" &&
	   grep -q "^LIFELINE_SOURCE=psi$" <<<"$first" && grep -q "^LIFELINE_REASON=psi some avg10=50.00%" <<<"$first" &&
	   grep -Eq "^LIFELINE_TIME=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$" <<<"$first" &&
	   grep -Eq "^LIFELINE_TIMESTAMP=[0-9]+$" <<<"$first"; then
		pass hook_values
	else
		fail hook_values "$(tr '\n' ' ' <<<"$first")"
	fi
	wait $MONPID
	mon=$(jq -r 'select(.event == "level") | .level' "$TMP/monitor.log" 2>/dev/null | tr '\n' ' ')
	[ "$mon" = "critical elevated none " ] && pass monitor_in_order || fail monitor_in_order "lifeline monitor saw: $mon $(head -c 300 "$TMP/monitor.log")"
	seq=$(sed -n 's/^LIFELINE_LEVEL=//p' "$HOOKS" | tr '\n' ' ')
	prev=$(sed -n 's/^LIFELINE_PREVIOUS=//p' "$HOOKS" | tr '\n' ' ')
	if [ "$seq" = "critical elevated none " ] && [ "$prev" = "none critical elevated " ]; then
		pass hook_sequence
	else
		fail hook_sequence "levels: $seq previous: $prev"
	fi
	wait_for 2 log_has "hook $TMP/hook.sh (pid [0-9]*) exited 0" && pass hook_reaped || fail hook_reaped "no exit status logged"
else
	fail hook_ran "no $HOOKS"
fi

# ---- other sources ----
memavail_kb "$PROC" 400000	# about 1.6% of the sample's MemTotal
wait_for 3 vote_is critical && [ "$(get daemon_source)" = memavailable ] && pass memavailable_critical ||
	fail memavailable_critical "$(get daemon_level) $(get daemon_source)"
memavail_kb "$PROC" 20000000
wait_for 4 vote_is none || fail memavailable_calm "still $(get daemon_level)"
pfdrops "$PROC" 5
wait_for 3 vote_is critical && [ "$(get daemon_source)" = netstat ] && pass netstat_critical ||
	fail netstat_critical "$(get daemon_level) $(get daemon_source)"
wait_for 4 vote_is none && pass netstat_one_growth_decays || fail netstat_one_growth_decays "still $(get daemon_level)"

# ---- the manual override wins, and the daemon never writes it ----
psi "$PROC" 50.00
wait_for 3 vote_is critical
"$ST" "$PIN" override none
if wait_for 2 log_has "level none (was critical), source manual" && effective_is none &&
   [ "$(get effective_source)" = manual ]; then
	pass override_wins
else
	fail override_wins "$("$ST" "$PIN" | tr '\n' ' ')"
fi
sleep 0.5
if [ "$(get override_active)" = 1 ] && [ "$(get override_level)" = none ] && vote_is critical; then
	pass override_untouched
else
	fail override_untouched "$("$ST" "$PIN" | tr '\n' ' ')"
fi
"$ST" "$PIN" override clear
wait_for 2 effective_is critical && pass override_cleared || fail override_cleared "effective $(get effective)"

# ---- SIGHUP ----
cp "$CONF" "$TMP/good.conf"
printf '[daemon]\nhold = soon\n' >>"$CONF"
kill -HUP "$DPID"
if wait_for 3 log_has "keeping the running configuration" && alive && log_has "lifeline.conf:[0-9]*: .*hold"; then
	pass reload_bad_kept
else
	fail reload_bad_kept "$(tail -3 "$LOG")"
fi
cp "$TMP/good.conf" "$CONF"
kill -HUP "$DPID"
wait_for 3 log_has "reloaded $CONF" && alive && pass reload_good || fail reload_good "$(tail -3 "$LOG")"

# ---- events socket and metrics ----
sleep 0.3
if grep -q '"event":"hello"' "$TMP/events.log" &&
   grep -q '"event":"level","origin":"daemon".*"level":"critical","previous":"none","source":"psi"' "$TMP/events.log"; then
	pass events_stream
else
	fail events_stream "$(head -c 600 "$TMP/events.log")"
fi
if command -v jq >/dev/null; then
	if jq -e . "$TMP/events.log" >/dev/null 2>&1; then pass events_json; else fail events_json "not JSON: $(head -c 300 "$TMP/events.log")"; fi
else
	skip events_json "jq not installed"
fi
if wait_for 3 grep -q '^lifeline_level 2$' "$TMP/lifeline.prom" &&
   grep -q '^lifeline_source_level{source="psi"} 2$' "$TMP/lifeline.prom" &&
   grep -q '^# TYPE lifeline_packets_total counter$' "$TMP/lifeline.prom" &&
   [ -z "$(ls "$TMP" | grep '\.tmp$')" ]; then
	pass metrics_textfile
else
	fail metrics_textfile "$(head -c 300 "$TMP/lifeline.prom" 2>&1)"
fi

# ---- a hung daemon: the lease runs out, the datapath says so through the ring buffer ----
vote_is critical || wait_for 2 vote_is critical
kill -STOP "$DPID"
sleep 1.3
if effective_is none && [ "$(get expired)" = 1 ]; then
	pass stopped_lease_expired
else
	fail stopped_lease_expired "$("$ST" "$PIN" | tr '\n' ' ')"
fi
out=$("$ST" "$PIN" xdp 2>&1)
[ "$out" = "xdp_retval=2" ] && pass xdp_passes_when_expired || fail xdp_passes_when_expired "$out"
kill -CONT "$DPID"
if wait_for 3 grep -q '"event":"lease_expired","origin":"kernel"' "$TMP/events.log" &&
   log_has "datapath: lease_expired event"; then
	pass ringbuf_forwarded
else
	fail ringbuf_forwarded "$(tail -c 300 "$TMP/events.log")"
fi
wait_for 2 effective_is critical && pass resumed || fail resumed "$(get effective)"

# ---- maps unpinned and created again (lifeline detach, attach): the daemon follows ----
rm -rf "$PIN"
wait_for 4 log_has "is gone (lifeline detached?)" && pass pins_gone_logged || fail pins_gone_logged "$(tail -2 "$LOG")"
"$ST" "$PIN" xdp >/dev/null 2>&1	# loads the object: new maps, pinned
if wait_for 4 vote_is critical && log_has "the maps were created again"; then
	pass pins_recreated_followed
else
	fail pins_recreated_followed "$("$ST" "$PIN" 2>&1 | tr '\n' ' ')"
fi

# ---- SIGKILL at critical: the lease runs out, the level is none (fail open) ----
vote_is critical || wait_for 2 vote_is critical
{ kill -9 "$DPID"; wait "$DPID"; } 2>/dev/null
DPID=""
if vote_is critical && [ "$(get expired)" = 0 ]; then
	pass killed_vote_still_leased
else
	fail killed_vote_still_leased "$("$ST" "$PIN" | tr '\n' ' ')"
fi
sleep 1.2
if vote_is critical && [ "$(get expired)" = 1 ] && effective_is none && [ "$(get daemon_lease_ms)" -lt 0 ]; then
	pass killed_lease_expired_none
else
	fail killed_lease_expired_none "$("$ST" "$PIN" | tr '\n' ' ')"
fi

# ---- restart, then SIGTERM: vote none, no lease, last alert, exit 0 ----
: >"$HOOKS"
start_daemon || fail restart "$(tail -3 "$LOG")"
wait_for 3 vote_is critical && pass restart_critical || fail restart_critical "$(get daemon_level)"
kill -TERM "$DPID"
wait "$DPID"
rc=$?
DPID=""
[ $rc = 0 ] && pass sigterm_exit_0 || fail sigterm_exit_0 "exit $rc"
if vote_is none && [ "$(get daemon_lease_ms)" = none ] && effective_is none && [ "$(get expired)" = 0 ]; then
	pass sigterm_vote_none
else
	fail sigterm_vote_none "$("$ST" "$PIN" | tr '\n' ' ')"
fi
log_has "stopping: vote withdrawn (was critical)" && log_has "level none (was critical), source none: lifelined stopped" &&
	pass sigterm_alert || fail sigterm_alert "$(tail -4 "$LOG")"
wait_for 2 grep -q "LIFELINE_REASON=lifelined stopped" "$HOOKS" && pass sigterm_hook || fail sigterm_hook "$(cat "$HOOKS")"
[ ! -e "$RUN/events.sock" ] && [ ! -e "$RUN/lifelined.pid" ] && pass sigterm_cleanup || fail sigterm_cleanup "$(ls "$RUN")"

# ---- --once ----
out=$("$LLD" --once --config "$CONF" --proc-root "$PROC" 2>&1)
rc=$?
if [ $rc = 0 ] && grep -q "^psi  *critical  *psi some avg10=50.00%" <<<"$out" && grep -q "^vote  *critical" <<<"$out"; then
	pass once
else
	fail once "exit $rc: $out"
fi

if [ "$T_FAIL" != 0 ]; then
	echo "== daemon log (last 40 lines)"
	tail -40 "$LOG"
fi
summary
