#!/usr/bin/env bash
# Promise 4, the in-kernel path with the shipped defaults: lifelined started
# with docs/lifeline.conf as shipped (a drop-in moves only the state dir) and
# with the built-in defaults attaches the kswapd-wake and direct-reclaim
# tracepoint programs (checked in the kernel's link list, by the state map
# they write), and a real global reclaim raises the kernel vote.
#
# The reclaim: clean page cache from reading a sparse file (no disk I/O, no
# anonymous memory, so nothing can OOM) until the free pages reach the low
# watermark and kswapd wakes; the reader stops at that moment and the file
# is deleted, which frees its cache at once. Host-wide, so it runs under the
# host lock (LL_HOST_LOCK) and at most once at a time on the machine.
set -u
. "$(dirname "$0")/lib.sh"
PIN=/sys/fs/bpf/lltest-pd-$$
RUN=$(mktemp -d)
FILL=/var/tmp/lltest-pd-$$
LOCK=${LL_HOST_LOCK:-/run/lock/lifeline-tests-host.lock}
export LIFELINE_PIN_PATH=$PIN
DPID=""
cleanup() {
	[ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	rm -f "$FILL"
	[ -n "$DPID" ] && wait "$DPID" 2>/dev/null
	rm -rf "$PIN" "$RUN"
}
trap cleanup EXIT
kvote() { "$LL" -j pressure | jq -r '"\(.votes.kernel.level) \(.votes.kernel.source) \(.votes.kernel.active)"'; }
vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }

# start CONFIG: lifelined in the foreground on our pin and state dir
start() {
	"$LLD" --foreground --config "$1" >"$RUN/log" 2>&1 &
	DPID=$!
	for _ in $(seq 100); do [ -S "$RUN/events.sock" ] && return 0; sleep 0.05; done
	return 1
}
stop() { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; DPID=""; }

# Names of the tracing programs attached (a live link) that write our state map.
attached() {
	local sid
	sid=$(bpftool -j map show pinned "$PIN/ll_state" | jq .id)
	bpftool -j prog show >"$RUN/progs.json"
	bpftool -j link show | jq -r --argjson sid "$sid" --slurpfile p "$RUN/progs.json" '
		.[] | .prog_id as $pid
		| ($p[0][] | select(.id == $pid and (.map_ids | index($sid)))) as $prog
		| "\($prog.name) \(.tp_name // "")"' | sort
}
want="ll_tp_direct_reclaim mm_vmscan_direct_reclaim_begin
ll_tp_kswapd_wake mm_vmscan_kswapd_wake"

mkdir -p "$RUN/conf.d" "$RUN/builtin.conf.d"
cp "$TOP/docs/lifeline.conf" "$RUN/conf"
printf '[daemon]\nstate_dir = %s\n' "$RUN" >"$RUN/conf.d/state.conf"
printf '[daemon]\nstate_dir = %s\n' "$RUN" >"$RUN/builtin.conf"

# The built-in defaults: a config that names only the state dir.
if start "$RUN/builtin.conf"; then
	a=$(attached)
	[ "$a" = "$want" ] && pass "built-in defaults: kswapd-wake and direct-reclaim programs attached" ||
		fail "builtin attach" "links: $(echo "$a" | tr '\n' ';') log: $(grep -i vmscan "$RUN/log")"
else
	fail "builtin start" "$(tail -3 "$RUN/log")"
fi
if grep -q "pressure path off" "$RUN/log"; then
	fail "builtin log" "$(grep "pressure path off" "$RUN/log")"
else
	pass "built-in defaults: no 'pressure path off' line"
fi
stop

# The shipped file.
if ! start "$RUN/conf"; then
	fail "shipped start" "$(tail -3 "$RUN/log")"; summary; exit 1
fi
if grep -q "pressure path off" "$RUN/log"; then
	fail "shipped log" "$(grep "pressure path off" "$RUN/log")"
else
	pass "shipped config: no 'pressure path off' line"
fi
grep -q "vmscan tracepoints attached" "$RUN/log" && pass "shipped config: lifelined logs the tracepoints attached" ||
	fail "shipped attach log" "$(grep -i vmscan "$RUN/log")"
a=$(attached)
if [ "$a" != "$want" ]; then
	fail "shipped attach" "links: $(echo "$a" | tr '\n' ';')"
	fail "reclaim" "not attempted: without the programs no reclaim can raise the kernel vote"
	summary; exit 1
fi
pass "shipped config: kswapd-wake and direct-reclaim programs attached, writing our state map"

# A real global reclaim, one at a time on this host.
mkdir -p "$(dirname "$LOCK")"
exec 9>"$LOCK"
if ! flock -w 600 9; then
	fail "host lock" "$LOCK held for 10 minutes"; summary; exit 1
fi
wait_calm() {
	for _ in $(seq 100); do [ "$(kvote | cut -d' ' -f3)" = false ] && return 0; sleep 0.1; done
	return 1
}
if ! wait_calm; then
	skip "reclaim" "the kernel vote is already raised on this host: $(kvote)"; summary; exit 0
fi
total_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
max_mb=$((total_mb + 2048))
truncate -s "${max_mb}M" "$FILL"
runs0=$(vmstat pageoutrun)
raised="" kswapd_at=""
start_s=$SECONDS
# 256 MiB at a time, 16 MiB once less than 2 GiB is free: stop close to the wake
for ((i = 0, read_mb = 0; read_mb < max_mb; i++)); do
	free_mb=$(awk '/^MemFree:/ { print int($2 / 1024) }' /proc/meminfo)
	chunk=$((free_mb > 2048 ? 16 : 1))
	dd if="$FILL" of=/dev/null bs=16M count=$chunk skip=$((read_mb / 16)) status=none
	read_mb=$((read_mb + chunk * 16))
	v=$(kvote)
	case $v in *" vmscan true") raised=$v; break ;; esac
	# kswapd ran: give the vote a few more chunks' time, then stop either way
	if [ -z "$kswapd_at" ] && [ "$(vmstat pageoutrun)" != "$runs0" ]; then kswapd_at=$i; fi
	[ -n "$kswapd_at" ] && [ $((i - kswapd_at)) -ge 8 ] && break
	[ $((SECONDS - start_s)) -gt 360 ] && break
done
rm -f "$FILL"
runs1=$(vmstat pageoutrun)
echo "   read $read_mb MiB of page cache in $((SECONDS - start_s)) s; kswapd runs $runs0 -> $runs1; kernel vote: ${raised:-$(kvote)}"
if [ "$runs1" = "$runs0" ] && [ -z "$raised" ]; then
	skip "reclaim" "kswapd never ran after $read_mb MiB of page cache"
else
	[ "$runs1" != "$runs0" ] && pass "kswapd ran (pageoutrun $runs0 -> $runs1): a real global reclaim" ||
		fail "kswapd" "pageoutrun did not grow"
	case $raised in
	"elevated vmscan true" | "critical vmscan true") pass "the reclaim raised the kernel vote ($raised) through the default path" ;;
	*) fail "kernel vote" "not raised by the reclaim: $(kvote)" ;;
	esac
	# the raise reached lifelined through the ring buffer (the first one is always logged)
	grep -Eq "datapath: level event, level (elevated|critical), source vmscan" "$RUN/log" &&
		pass "lifelined logged the in-kernel raise from the ring buffer" ||
		fail "alert" "no datapath level event from vmscan: $(grep "datapath" "$RUN/log" | tail -3)"
fi
flock -u 9
summary
