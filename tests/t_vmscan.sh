#!/usr/bin/env bash
# The in-kernel pressure path: lifelined attaches the vmscan tracepoint
# programs; a real memory hog exceeds the limit of a real memory cgroup
# (page cache, so the kernel reclaims inside the cgroup instead of killing);
# the memcg reclaim tracepoint fires and the kernel vote in the state map
# goes to critical with source vmscan, then lapses after its lease when the
# hog stops. Also reports the tracepoint program's cost per run.
set -u
. "$(dirname "$0")/lib.sh"
PIN=/sys/fs/bpf/lltest-vm-$$
RUN=$(mktemp -d)
CG=lltest-vm-$$
CGDIR=/sys/fs/cgroup/memory/$CG
FILL=/var/tmp/lltest-vm-$$
export LIFELINE_PIN_PATH=$PIN
cleanup() {
	[ -n "${HOG:-}" ] && kill "$HOG" 2>/dev/null
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null
	sleep 0.3
	rm -f "$FILL"
	[ -d "$CGDIR" ] && { echo 0 >"$CGDIR/memory.force_empty" 2>/dev/null; rmdir "$CGDIR"; }
	rm -rf "$PIN" "$RUN"
	[ -n "${STATS_WAS:-}" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
}
trap cleanup EXIT
kvote() { "$LL" -j pressure | jq -r '"\(.votes.kernel.level) \(.votes.kernel.source) \(.votes.kernel.active)"'; }

if [ ! -d /sys/fs/cgroup/memory ] || ! mkdir "$CGDIR"; then
	skip vmscan "no cgroup-v1 memory controller"; summary; exit 0
fi
echo $((64 << 20)) >"$CGDIR/memory.limit_in_bytes"
cat >"$RUN/conf" <<EOF2
[daemon]
tick = 100ms
hold = 1s
state_dir = $RUN
$(conf_host_sources_off)
[memcg]
enable = yes
version = 1
path = $CG
[kernel]
vmscan = yes
EOF2
"$LLD" --foreground --config "$RUN/conf" >"$RUN/log" 2>&1 &
DPID=$!
for _ in $(seq 50); do [ -S "$RUN/events.sock" ] && break; sleep 0.1; done
sleep 0.2; bpftool -j link show >"$RUN/links.json"; grep -q "vmscan tracepoints attached" "$RUN/log" && pass "daemon attached the vmscan tracepoints" || fail attach "$(tail -3 "$RUN/log")"
n=$(jq '[.[] | select(.type == "raw_tracepoint" or .type == "tracing")] | length' "$RUN/links.json")
[ "$n" -ge 3 ] && pass "three tracing links (kswapd, direct, memcg)" || fail links "$n tracing links"
[ "$(kvote)" = "none none false" ] && pass "kernel vote none before the hog" || fail before "$(kvote)"

STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
# the hog: 256 MiB of page cache into a 64 MiB cgroup
bash -c "echo \$\$ >$CGDIR/cgroup.procs; exec dd if=/dev/zero of=$FILL bs=1M count=256 status=none" &
HOG=$!
raised=0
for _ in $(seq 100); do
	v=$(kvote)
	[ "$v" = "critical vmscan true" ] && { raised=1; break; }
	sleep 0.05
done
wait $HOG; HOG=
[ $raised = 1 ] && pass "memcg limit reclaim raised the kernel vote to critical (vmscan)" || fail raise "kernel vote: $v"
jqv=$("$LL" -j pressure)
[ "$(jq -r .level <<<"$jqv")" = critical ] && pass "effective level critical" || fail effective "$(jq -c . <<<"$jqv")"
prog=$(bpftool -j prog show | jq '[.[] | select(.name == "ll_tp_memcg_reclaim" and .run_cnt > 0)][0]')
if [ "$prog" != null ]; then
	ns=$(jq '(.run_time_ns / .run_cnt) | floor' <<<"$prog")
	echo "   in-kernel path: ll_tp_memcg_reclaim ran $(jq .run_cnt <<<"$prog") times, ${ns} ns per run (tracepoint to state map)"
	[ "$ns" -lt 50000 ] && pass "tracepoint to state map under 50 us (${ns} ns)" || fail latency "${ns} ns"
else
	fail latency "no run statistics for ll_tp_memcg_reclaim"
fi
sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"; STATS_WAS=
rm -f "$FILL"
echo 0 >"$CGDIR/memory.force_empty" 2>/dev/null
sleep 2.6
[ "$(kvote | cut -d' ' -f3)" = false ] && pass "kernel vote lapsed after its lease" || fail lapse "$(kvote)"
summary
