#!/usr/bin/env bash
# bench/demo.sh: its options, and Ctrl-C in the middle of a run. The demo is
# started in a session of its own (as `make demo` in a terminal is a process
# group of its own) and SIGINT goes to that whole group during the flood
# phase, as the terminal sends it: the demo must stop at once (exit 130
# within 20 s), say it was interrupted, hit no I/O error on its filesystem
# (its helpers must not get the SIGINT) and leave no mount, loop device,
# namespace, memory cgroup or pin behind.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/demo.sh"

# options: --help prints the usage and starts nothing; unknown ones are refused
out=$("$TOP/bench/demo.sh" --help 2>&1); rc=$?
[ $rc = 0 ] && grep -q '^Usage: bench/demo.sh' <<<"$out" && ! grep -q '^==' <<<"$out" &&
	pass "demo --help" || fail "demo --help" "exit $rc: $(head -c 300 <<<"$out")"
out=$("$TOP/bench/demo.sh" -h 2>&1); rc=$?
[ $rc = 0 ] && grep -q '^Usage:' <<<"$out" && pass "demo -h" || fail "demo -h" "exit $rc: $(head -c 300 <<<"$out")"
out=$("$TOP/bench/demo.sh" --bogus 2>&1); rc=$?
[ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && ! grep -q '^==' <<<"$out" &&
	pass "demo refuses an unknown option" || fail "demo refuses an unknown option" "exit $rc: $(head -c 300 <<<"$out")"

demo_needs "demo interrupt"
LIFELINE_DEMO_OUT=$TMP/out demo_start --quick
for _ in $(seq 600); do
	grep -q '^== flood' "$TMP/log" && break
	kill -0 $DPID 2>/dev/null || break
	sleep 0.1
done
if ! grep -q '^== flood' "$TMP/log"; then
	fail "demo reaches the flood phase" "$(tail -5 "$TMP/log")"
	summary; exit $?
fi
sleep 2
t0=$SECONDS
kill -INT -- "-$DPID"
for _ in $(seq 300); do kill -0 $DPID 2>/dev/null || break; sleep 0.1; done
if kill -0 $DPID 2>/dev/null; then
	fail "demo stops on SIGINT" "still running 30 s after SIGINT: $(tail -3 "$TMP/log" | tr '\r\n' '  ')"
	kill -TERM -- "-$DPID" 2>/dev/null
	for _ in $(seq 600); do kill -0 $DPID 2>/dev/null || break; sleep 0.1; done
fi
wait $DPID; rc=$?
DPID_DONE=$DPID DPID=""
el=$((SECONDS - t0))
[ $rc = 130 ] && [ $el -le 20 ] && pass "demo exits 130 within 20 s of SIGINT" ||
	fail "demo exits 130 within 20 s of SIGINT" "exit $rc after $el s: $(tail -3 "$TMP/log" | tr '\r\n' '  ')"
[ "$(grep -c 'interrupted' "$TMP/log")" = 1 ] && pass "demo says once it was interrupted" ||
	fail "demo says once it was interrupted" "$(tail -3 "$TMP/log" | tr '\r\n' '  ')"
if grep -qiE 'Input/output error|re-attach failed|mount failed' "$TMP/log"; then
	fail "no I/O error after SIGINT" "$(grep -iE 'Input/output error|failed' "$TMP/log" | head -3)"
else
	pass "no I/O error after SIGINT"
fi
! grep -q '^== pressure' "$TMP/log" && pass "demo goes no further after SIGINT" ||
	fail "demo goes no further after SIGINT" "it went on to the pressure phase"

id=demo$DPID_DONE
check "no mount left" bash -c "! grep -q '/var/tmp/llstorage/$id/' /proc/self/mountinfo"
check "no loop device left" bash -c "! grep -qs '/var/tmp/llstorage/$id/' /sys/block/loop*/loop/backing_file"
check "no storage directory left" test ! -e "/var/tmp/llstorage/$id"
check "no namespace left" bash -c "! ip netns list | grep -qE 'll(srv|cli)$id( |\$)'"
check "no pin left" test ! -e "/sys/fs/bpf/lldemo-$DPID_DONE"
check "no memory cgroup left" test ! -e "/sys/fs/cgroup/memory/lifeline-demo-$DPID_DONE"
check "no process of the run left" bash -c "! pgrep -f '[l]lstorage/$id/|[l]lnbd$id|[l]lcli$id|[l]lsrv$id|[l]ifeline-demo-$DPID_DONE' >/dev/null"
summary
