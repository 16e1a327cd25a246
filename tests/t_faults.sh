#!/usr/bin/env bash
# Faults: lifelined SIGKILLed 20 times at random points while it holds
# critical (from a real memory cgroup at its limit) with a flood arriving
# over a veth pair. Each time the datapath must fail open within the lease
# plus one tick (measured from the flood and the drop counters), the restart
# must restore the reserve sysctls a crash left (never compounding them),
# and a clean stop at the end must put every sysctl back byte for byte and
# leave no socket or pid file. Also: the interface deleted while attached.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
host_lock
KILLS=${KILLS:-20}
PIN=/sys/fs/bpf/lltest-fault-$$
export LIFELINE_PIN_PATH=$PIN
TMP=$(mktemp -d)
RUN=$TMP/run
CG=lltest-fault-$$
CGDIR=/sys/fs/cgroup/memory/$CG
FILL=/var/tmp/lltest-fault-$$
NET=$TOP/build/tests/tool_net
SYSCTLS="/proc/sys/vm/min_free_kbytes /proc/sys/vm/watermark_scale_factor /proc/sys/net/ipv4/tcp_mem /proc/sys/net/ipv4/udp_mem"
orig=$(cat $SYSCTLS)
orig_mf=$(cat /proc/sys/vm/min_free_kbytes)
DPID=""

cleanup() {
	[ -n "${TRICKLE:-}" ] && kill "$TRICKLE" 2>/dev/null
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	[ -n "${FPID:-}" ] && kill "$FPID" 2>/dev/null
	in_cli "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	"$LL" reserve restore --state-dir "$RUN" >/dev/null 2>&1
	echo "$orig_mf" >/proc/sys/vm/min_free_kbytes
	[ -f "$CGDIR/cgroup.procs" ] && while read -r pid; do kill -9 "$pid" 2>/dev/null; done <"$CGDIR/cgroup.procs"
	sleep 0.3
	rm -f "$FILL" "$FILL".*
	[ -d "$CGDIR" ] && { echo 0 >"$CGDIR/memory.force_empty" 2>/dev/null; rmdir "$CGDIR"; }
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

if [ ! -d /sys/fs/cgroup/memory ] || ! mkdir "$CGDIR"; then
	skip faults "no cgroup-v1 memory controller"; summary; exit 0
fi
ns_setup || { fail setup namespaces; summary; exit 1; }
mkdir -p "$RUN"
echo $((32 << 20)) >"$CGDIR/memory.limit_in_bytes"
# page cache to the limit, and a trickle that keeps it there: every start sees critical
bash -c "echo \$\$ >$CGDIR/cgroup.procs; exec dd if=/dev/zero of=$FILL bs=1M count=48 status=none"
bash -c "echo \$\$ >$CGDIR/cgroup.procs; i=0; while :; do dd if=/dev/zero of=$FILL.\$((i % 4)) bs=1M count=4 status=none; i=\$((i + 1)); sleep 0.5; done" &
TRICKLE=$!
cat >"$TMP/conf" <<EOF
[daemon]
tick = 100ms
lease = 1s
hold = 1s
state_dir = $RUN
$(conf_host_sources_off)
[memcg]
enable = yes
version = 1
path = $CG
usage_elevated = 80
usage_critical = 90
[kernel]
vmscan = no
[reserve]
size = 1M
net_elevated = 90
net_critical = 80
EOF
in_cli "$LL" attach "$DEV_CLI" >/dev/null && in_cli "$LL" flow add nbd://$SRV4 >/dev/null || fail setup attach
in_srv "$NET" send $FLOOD4 $CLIF4 9999 3600 >/dev/null &
FPID=$!

counter() { in_cli "$LL" -j stats | jq ".hooks.xdp.$1.packets"; }
start() {
	# the daemon needs no namespace: it only writes the maps
	"$LLD" --foreground --config "$TMP/conf" >>"$TMP/log" 2>&1 &
	DPID=$!
	# holding a level (critical from the full cgroup; elevated if usage dips under 90 %)
	# (a live vote: the killed daemon's expired one still names a level)
	for _ in $(seq 200); do
		case $(in_cli "$LL" -j pressure | jq -r '.votes.daemon | select(.active) | .level') in
		critical|elevated) return 0 ;;
		esac
		sleep 0.05
	done
	echo "   start: no level after 10 s: $(tail -2 "$TMP/log" | tr '\n' ' ')"
	return 1
}
now_ms() { date +%s%3N; }
LLSTATE=$TOP/build/tests/llstate

worst=0 worst_seen=0 ok_open=0 ok_restore=0 ok_start=0
for i in $(seq "$KILLS"); do
	start && ok_start=$((ok_start + 1))
	[ "$(cat /proc/sys/vm/min_free_kbytes)" = $((orig_mf + 1024)) ] && ok_restore=$((ok_restore + 1))
	sleep "0.$((RANDOM % 5))$((RANDOM % 10))"	# a random point in the steady state
	# the kill's instant on the datapath's clock (CLOCK_MONOTONIC, as bpf_ktime_get_ns)
	kill_ns=$(python3 -c 'import os, sys, time; os.kill(int(sys.argv[1]), 9); print(time.monotonic_ns())' "$DPID")
	t0=$(now_ms)
	wait "$DPID" 2>/dev/null; DPID=""
	# when the datapath fails open: the dead daemon's lease end, read from the
	# state map, minus the kill's instant (however long the read took)
	exp_ns=$("$LLSTATE" "$PIN" | sed -n 's/^daemon_expires_ns=//p')
	rem=$(( (exp_ns - kill_ns) / 1000000 ))
	# and that it does: the flood passes again, counted as pass_lease_expired
	p0=$(counter pass_lease_expired)
	while :; do
		p=$(counter pass_lease_expired)
		[ "$p" -gt "$p0" ] && break
		[ $(($(now_ms) - t0)) -gt 5000 ] && break
		sleep 0.01
	done
	dt=$(($(now_ms) - t0))
	[ "$rem" -gt "$worst" ] && worst=$rem
	[ "$dt" -gt "$worst_seen" ] && worst_seen=$dt
	[ "$rem" -le 1100 ] && [ "$p" -gt "$p0" ] && ok_open=$((ok_open + 1))
done
echo "   $KILLS kills: $ok_open failed open within lease + tick: lease left at the kill at most ${worst} ms (lease 1000 ms + tick 100 ms); the flood seen passing at most ${worst_seen} ms after the kill (CLI polling included)"
[ "$ok_start" = "$KILLS" ] && pass "daemon held a level after each of $KILLS restarts" || fail restarts "$ok_start of $KILLS"
[ "$ok_open" = "$KILLS" ] && pass "$KILLS/$KILLS kills failed open within lease + tick (worst ${worst} ms)" || fail "fail open" "$ok_open of $KILLS, worst ${worst} ms"
[ "$ok_restore" = "$KILLS" ] && pass "reserve = original + 1 MiB after every restart (crash state restored first, never compounded)" || fail "reserve after restart" "$ok_restore of $KILLS"

# kills in the first instants, while the daemon records and applies the reserve
early_ok=0
for i in $(seq 10); do
	"$LLD" --foreground --config "$TMP/conf" >>"$TMP/log" 2>&1 &
	DPID=$!
	sleep "0.0$((RANDOM % 10))"
	kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
	mf=$(cat /proc/sys/vm/min_free_kbytes)
	{ [ "$mf" = "$orig_mf" ] || [ "$mf" = $((orig_mf + 1024)) ]; } && early_ok=$((early_ok + 1))
done
[ $early_ok = 10 ] && pass "10 kills during start-up: min_free_kbytes always original or original + 1 MiB" || fail "early kills" "$early_ok of 10"

# a clean stop puts everything back, and removes the temp file a daemon
# killed between writing its state and renaming it leaves (one was seen
# after the kills above in 1 of a helper's runs: reserve.state.vGwQPQ; the
# name is fixed now, reserve.state.tmp, so kills never pile them up)
echo "# lifeline: sysctl values before lifeline changed them" >"$RUN/reserve.state.tmp"
start || fail "last start" "no level"
kill -TERM "$DPID"; wait "$DPID"; rc=$?; DPID=""
[ $rc = 0 ] && pass "SIGTERM: exit 0" || fail sigterm "exit $rc"
[ "$(cat $SYSCTLS)" = "$orig" ] && pass "sysctls byte for byte as before the test" || fail sysctls "$(cat $SYSCTLS | tr '\n' ' ')"
left=$(ls -A "$RUN")
[ -z "$left" ] && pass "no stale socket, pid or state file" || fail stale "$left"
[ "$(in_cli "$LL" -j pressure | jq -r .votes.daemon.level)" = none ] && pass "vote withdrawn at stop" || fail vote "not none"

# the interface deleted while attached: detach still cleans up, nothing crashes
kill "$FPID" 2>/dev/null; FPID=""
in_cli ip link del "$DEV_CLI"
out=$(in_cli "$LL" -j status)
jq -e '.interfaces[0].interface == "(gone)"' >/dev/null <<<"$out" && pass "status shows the deleted interface as gone" || fail "gone iface" "$out"
in_cli "$LL" detach --all >/dev/null && [ ! -e "$PIN" ] && pass "detach --all after the interface vanished leaves no pins" || fail "detach gone" "$(ls "$PIN" 2>&1)"
summary
