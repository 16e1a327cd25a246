#!/usr/bin/env bash
# Reaction: from pressure onset to the first dropped packet, for each source.
# A flood arrives on a veth pair where lifeline is attached; lifelined runs
# with a --proc-root tree for the file sources and a real memory cgroup for
# the in-kernel path. For each trigger the time until lifeline's XDP drop
# counter first moves is measured (the counter is polled as fast as the CLI
# answers, a few ms: the figure includes that).
# Usage: bench/reaction.sh
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LL_NS_ID=rx$$
. "$TOP/tests/lib.sh"
. "$TOP/tests/netns.sh"
NET=$TOP/build/tests/tool_net
PIN=/sys/fs/bpf/llbench-rx-$$
export LIFELINE_PIN_PATH=$PIN
TMP=$(mktemp -d)
PROC=$TMP/root
CG=llbench-rx-$$
CGDIR=/sys/fs/cgroup/memory/$CG
FILL=/var/tmp/llbench-rx-$$
DPID="" FPID=""
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	wait 2>/dev/null
	in_cli "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	rm -f "$FILL" "$FILL".*
	[ -d "$CGDIR" ] && { echo 0 >"$CGDIR/memory.force_empty" 2>/dev/null; rmdir "$CGDIR"; }
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT
ns_setup || { echo "reaction: namespaces" >&2; exit 1; }
in_cli "$LL" attach "$DEV_CLI" >/dev/null && in_cli "$LL" flow add nbd://$SRV4 >/dev/null || exit 1
mkdir -p "$TMP/run"
fake_proc "$PROC"
mkdir "$CGDIR" && echo $((32 << 20)) >"$CGDIR/memory.limit_in_bytes" || exit 1
printf '[daemon]\nstate_dir = %s\nhold = 1s\n[memcg]\nenable = yes\nversion = 1\npath = %s\nusage_elevated = 99\nusage_critical = 100\n' \
	"$TMP/run" "$CG" >"$TMP/conf"
"$LLD" --foreground --config "$TMP/conf" --proc-root "$PROC" >"$TMP/log" 2>&1 &
DPID=$!
for _ in $(seq 50); do [ -S "$TMP/run/events.sock" ] && break; sleep 0.1; done
in_srv "$NET" send $FLOOD4 $CLIF4 9999 3600 >/dev/null &
FPID=$!
sleep 0.5

drops() { in_cli "$LL" -j stats | jq '[.hooks.xdp | to_entries[] | select(.key | startswith("drop_")) | .value.packets] | add'; }
level() { in_cli "$LL" -j pressure | jq -r .level; }
settle() { for _ in $(seq 100); do [ "$(level)" = none ] && return; sleep 0.1; done; }
react() {	# react NAME TRIGGER RESET
	local d0 t0 t1
	settle
	d0=$(drops)
	t0=$(date +%s%N)
	eval "$2"
	while [ "$(drops)" = "$d0" ]; do
		if [ $(($(date +%s%N) - t0)) -gt 5000000000 ]; then
			printf '%-52s %12s\n' "$1" "timeout"
			eval "$3"
			return
		fi
	done
	t1=$(date +%s%N)
	printf '%-52s %9.1f ms\n' "$1" "$(echo "($t1 - $t0) / 1000000" | bc -l)"
	eval "$3"
}
printf '%-52s %12s\n' "reaction: onset -> first dropped packet" "measured"
react "PSI some avg10 over the threshold (polled file)" "psi $PROC 80.00" "psi $PROC 0.00"
react "MemAvailable under the threshold (polled file)" \
	"put $PROC/proc/meminfo \"\$(sed 's/^MemAvailable:.*/MemAvailable:   1000 kB/' $TOP/tests/data/meminfo)\"" \
	"cp $TOP/tests/data/meminfo $PROC/proc/meminfo"
react "zone free pages at the min watermark (polled file)" \
	"put $PROC/proc/zoneinfo \"\$(sed -E 's/pages free +[0-9]+/pages free     0/' $TOP/tests/data/zoneinfo)\"" \
	"cp $TOP/tests/data/zoneinfo $PROC/proc/zoneinfo"
react "PFMemallocDrop growth (polled file)" \
	"put $PROC/proc/net/netstat 'TcpExt: PFMemallocDrop
TcpExt: 7
'" ":"
react "lifeline pressure set critical" "in_cli $LL pressure set critical >/dev/null" \
	"in_cli $LL pressure clear >/dev/null"
# in-kernel: fill the cgroup to its limit, let the kernel vote lapse, then one more write
bash -c "echo \$\$ >$CGDIR/cgroup.procs; exec dd if=/dev/zero of=$FILL bs=1M count=40 status=none"
sleep 2.5
react "memcg limit reclaim (vmscan tracepoint, in-kernel)" \
	"bash -c 'echo \$\$ >$CGDIR/cgroup.procs; exec dd if=/dev/zero of=$FILL.2 bs=1M count=4 status=none' &" \
	"sleep 0.5"
echo "(lifelined ticks every 250 ms; each figure includes the CLI's poll of the counters)"
