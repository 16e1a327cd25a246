#!/usr/bin/env bash
# lifeline demo: block I/O kept alive under memory pressure and a flood.
#
# A storage server (nbdkit) and a flooder in one network namespace, an NBD
# client in another, joined by a veth pair. lifeline is attached to the
# client's interface with the storage endpoint registered, and lifelined
# watches a memory cgroup. Phases:
#   calm      NBD writes and reads, verified
#   flood     a UDP flood arrives at the client; no pressure, so lifeline passes it
#   pressure  a memory hog fills the memory cgroup; lifelined sees it and
#             raises the level; XDP drops the flood; block I/O goes on
#   recovery  the hog ends, pressure falls after the hold time, traffic passes again
# Ends with a table per phase and a PNG plot. Everything it creates is removed
# on exit, Ctrl-C included. Usage: bench/demo.sh [--quick]
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh"
. "$TOP/tests/netns.sh"
NET=$TOP/build/tests/tool_net
NBDLOAD=$TOP/build/bench/nbdload
OUTDIR=$TOP/bench/results
PHASE_S=12
[ "${1:-}" = "--quick" ] && PHASE_S=6

export LIFELINE_PIN_PATH=/sys/fs/bpf/lldemo-$$
RUN=$(mktemp -d /tmp/lldemo.XXXXXX)
CG=lifeline-demo-$$
CGDIR=/sys/fs/cgroup/memory/$CG
HOGFILE=/var/tmp/lifeline-demo-$$.fill
pids=()

say() { printf '%s\n' "$*"; }
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -f "$RUN/lifelined.pid" ] && kill "$(cat "$RUN/lifelined.pid")" 2>/dev/null
	sleep 0.3
	nbd_stop
	in_cli "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	if [ -d "$CGDIR" ]; then
		while read -r p; do kill -9 "$p" 2>/dev/null; done <"$CGDIR/cgroup.procs"
		sleep 0.2
		rm -f "$HOGFILE" "$HOGFILE".*
		echo 0 >"$CGDIR/memory.force_empty" 2>/dev/null
		rmdir "$CGDIR" 2>/dev/null
	fi
	rm -f "$HOGFILE" "$HOGFILE".*
	rm -rf "$RUN" "$LIFELINE_PIN_PATH"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network namespaces and a memory cgroup)" >&2; exit 1; }
[ -d /sys/fs/cgroup/memory ] || { echo "demo: needs the cgroup-v1 memory controller at /sys/fs/cgroup/memory" >&2; exit 1; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# ------------------------------------------------------------------ set-up
say "== set-up: namespaces $NS_SRV (server, flooder) and $NS_CLI (client), veth $DEV_SRV <-> $DEV_CLI"
ns_setup || { echo "demo: cannot create the namespaces" >&2; exit 1; }
nbd_start 1G || { echo "demo: nbdkit did not start" >&2; exit 1; }
# This host's storage side (nbdkit, the client) on CPU 0; the flooder, standing
# for another machine, on CPU 1 (bench/README.md, "blockio", has why).
taskset -a -p -c 0 "$(cat /tmp/llnbd$LL_NS_ID.pid)" >/dev/null
mkdir "$CGDIR" && echo $((256 << 20)) >"$CGDIR/memory.limit_in_bytes" || exit 1
in_cli "$LL" attach "$DEV_CLI" | sed 's/^/   /'
in_cli "$LL" flow add nbd://$SRV4 --name storage | sed 's/^/   /'
cat >"$RUN/demo.conf" <<EOF
# lifelined demo configuration: only the memory cgroup of the hog is watched,
# so the demo does not depend on this host's own state.
[daemon]
tick = 250ms
lease = 3s
hold = 3s
state_dir = $RUN
$(conf_host_sources_off)
[memcg]
enable = yes
version = 1
cgroup_root = /sys/fs/cgroup
path = $CG
usage_elevated = 80
usage_critical = 90
EOF
in_cli "$LLD" --foreground --config "$RUN/demo.conf" >"$RUN/lifelined.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$RUN/events.sock" ] && break; sleep 0.1; done
[ -S "$RUN/events.sock" ] || { echo "demo: lifelined did not start: $(tail -3 "$RUN/lifelined.log")" >&2; exit 1; }
say "   lifelined started (memory cgroup $CG, limit 256 MiB, critical at 90 % usage)"

# ------------------------------------------------------------------ sampler
# One line a second: time, level, source, packets arriving at the client
# (NBD and flood), packets dropped by lifeline.
T0=$(date +%s.%N)
sampler() {
	local prx=0 pdrop=0 first=1
	while :; do
		local rx drop lv
		rx=$(in_cli ip -s -j link show "$DEV_CLI" | jq '.[0].stats64.rx.packets')
		drop=$(in_cli "$LL" -j stats 2>/dev/null | jq '[.hooks.xdp | to_entries[] | select(.key | startswith("drop_")) | .value.packets] | add')
		lv=$(in_cli "$LL" -j pressure 2>/dev/null | jq -r '"\(.level) \(.source)"')
		[ $first = 0 ] && printf '%.1f %s %d %d\n' "$(echo "$(date +%s.%N) - $T0" | bc)" "$lv" $((rx - prx)) $((drop - pdrop))
		prx=$rx pdrop=$drop first=0
		sleep 1
	done
}
sampler >"$RUN/samples" &
pids+=($!)

level() { in_cli "$LL" -j pressure | jq -r .level; }
progress() {	# progress PHASE SECONDS: a live line while the phase runs
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		local last
		last=$(tail -1 "$RUN/samples" 2>/dev/null)
		printf '\r   %-9s %3ds left  level %-9s in %8s pkt/s  dropped %8s pkt/s   ' "$1" $((end - SECONDS)) \
			"$(echo "$last" | awk '{print $2}')" "$(echo "$last" | awk '{print $4}')" "$(echo "$last" | awk '{print $5}')"
		sleep 1
	done
	printf '\n'
}
phase_start=()
phase() {	# phase NAME SECONDS: NBD load for the phase, results in $RUN/NAME.nbd
	local name=$1 secs=$2
	phase_start+=("$name $(echo "$(date +%s.%N) - $T0" | bc)")
	in_cli taskset -c 0 "$NBDLOAD" nbd://$SRV4 "$secs" --reconnect 3 --json --block 65536 --span $((512 << 20)) >"$RUN/$name.nbd" 2>&1 &
	local np=$!
	progress "$name" "$secs"
	wait $np
}
# The flooder stands for another machine, but shares this one: it gets a CPU
# of its own (the veth delivers its frames on the sender's CPU) and runs in
# every phase, aimed at its own namespace while the network is calm, so each
# phase leaves block I/O the same CPU (like with like). nsenter directly, not
# in_srv (a function, which runs in a subshell when put in the background):
# $! is then the flooder itself, and kill stops it.
flood_idle() {
	in_srv ip addr add 192.0.2.99/32 dev lo 2>/dev/null
	nsenter --net=/run/netns/$NS_SRV taskset -c 1 "$NET" send 192.0.2.99 192.0.2.99 9999 3600 >/dev/null &
	pids+=($!)
	IDLE_PID=$!
}
flood_on() {
	kill "$IDLE_PID" 2>/dev/null
	nsenter --net=/run/netns/$NS_CLI taskset -c 0 "$NET" recv $CLIF4 9999 3600 >/dev/null &
	pids+=($!)
	nsenter --net=/run/netns/$NS_SRV taskset -c 1 "$NET" send $FLOOD4 $CLIF4 9999 3600 >/dev/null &
	pids+=($!)
	FLOOD_PID=$!
}

# ------------------------------------------------------------------ phases
say "== calm: NBD writes and reads, every block verified (the flooder aims at itself)"
flood_idle
phase calm $PHASE_S
say "== flood: UDP flood from $FLOOD4 to the client; no memory pressure, so lifeline passes it"
flood_on
phase flood $PHASE_S
say "== pressure: a memory hog fills cgroup $CG (page cache, 256 MiB limit)"
# Fill the cgroup's 256 MiB with page cache, then keep writing a trickle so
# the kernel reclaims in the cgroup all along (without hogging a CPU).
bash -c "echo \$\$ >$CGDIR/cgroup.procs; dd if=/dev/zero of=$HOGFILE bs=1M count=320 status=none;
	i=0; while :; do dd if=/dev/zero of=$HOGFILE.\$((i % 8)) bs=1M count=4 status=none; i=\$((i + 1)); sleep 0.5; done" &
pids+=($!)
HOG=$!
t_hog=$SECONDS
for _ in $(seq 100); do [ "$(level)" = critical ] && break; sleep 0.2; done
say "   lifelined raised the level to $(level) after $((SECONDS - t_hog)) s (source: $(in_cli "$LL" -j pressure | jq -r .source))"
phase pressure $PHASE_S
say "== recovery: the hog ends; the level steps down after the hold time"
kill $HOG 2>/dev/null; while read -r p; do kill "$p" 2>/dev/null; done <"$CGDIR/cgroup.procs"
sleep 0.2
rm -f "$HOGFILE" "$HOGFILE".*
echo 0 >"$CGDIR/memory.force_empty" 2>/dev/null
phase recovery $((PHASE_S + 6))
kill "$FLOOD_PID" 2>/dev/null
sleep 1.2

# ------------------------------------------------------------------ report
mkdir -p "$OUTDIR"
stamp=$(date -u +%Y-%m-%dT%H%M%S)
table=$OUTDIR/demo-$stamp.txt
plot=$OUTDIR/demo-$stamp.png
{
	printf '%-10s %10s %9s %9s %12s %12s %-9s %s\n' PHASE "NBD MB/s" "p50 us" "p99 us" "pkts in/s" "dropped/s" LEVEL SOURCE
	for entry in "${phase_start[@]}"; do
		name=${entry%% *}; t=${entry#* }
		total=$(grep '"total"' "$RUN/$name.nbd" | tail -1)
		next=$(printf '%s\n' "${phase_start[@]}" | awk -v n="$name" 'f { print $2; exit } $1 == n { f = 1 }')
		stats=$(awk -v a="$t" -v b="${next:-1e9}" '$1 > a + 1 && $1 <= b { rx += $4; dr += $5; n++; lv[$2]++; src[$3]++ }
			END { best = ""; for (l in lv) if (lv[l] > lv[best]) best = l; bs = ""; for (s in src) if (src[s] > src[bs]) bs = s;
			      printf "%d %d %s %s", n ? rx / n : 0, n ? dr / n : 0, best, bs }' "$RUN/samples")
		read -r rx dr lv src <<<"$stats"
		printf '%-10s %10s %9s %9s %12s %12s %-9s %s\n' "$name" \
			"$(jq -r .mb_per_s <<<"$total")" "$(jq -r .p50_us <<<"$total")" "$(jq -r .p99_us <<<"$total")" \
			"$rx" "$dr" "$lv" "$src"
	done
	calm=$(grep '"total"' "$RUN/calm.nbd" | jq .mb_per_s)
	prot=$(grep '"total"' "$RUN/pressure.nbd" | jq .mb_per_s)
	bad=$(cat "$RUN"/*.nbd | grep '"total"' | jq -s 'map(.verify_failures) | add')
	printf '\nNBD throughput under flood with lifeline at critical: %.2fx calm (target >= 0.9x); verification failures: %s\n' \
		"$(echo "$prot / $calm" | bc -l)" "$bad"
	printf 'machine: %s, %s cores, kernel %s\n' "$(uname -n)" "$(nproc)" "$(uname -r)"
} | tee "$table"

# Time series for the plot: second, NBD MB/s, flood pps in, dropped pps, level (0-2).
for entry in "${phase_start[@]}"; do
	name=${entry%% *}; t=${entry#* }
	grep '"t"' "$RUN/$name.nbd" | jq -r --argjson off "$t" '"\(.t + $off) \(.mb_per_s)"'
done >"$RUN/nbd.dat"
awk '{ l = $2 == "critical" ? 2 : $2 == "elevated" ? 1 : 0; print $1, $4, $5, l }' "$RUN/samples" >"$RUN/net.dat"
if command -v gnuplot >/dev/null; then
	marks=$(for entry in "${phase_start[@]}"; do n=${entry%% *}; t=${entry#* }; printf 'set arrow from %s, graph 0 to %s, graph 1 nohead dt 2 lc rgb "gray"; set label "%s" at %s, graph 0.97 offset 0.5,0; ' "$t" "$t" "$n" "$t"; done)
	gnuplot <<EOF
set terminal pngcairo size 1100,700 noenhanced
set output "$plot"
set multiplot layout 3,1 title "lifeline demo: block I/O under memory pressure and a flood"
$marks
set ylabel "NBD MB/s"; set grid
plot "$RUN/nbd.dat" using 1:2 with linespoints title "NBD write+read (verified)"
set ylabel "packets/s"
plot "$RUN/net.dat" using 1:2 with lines title "packets arriving (NBD + flood)", "$RUN/net.dat" using 1:3 with lines title "dropped by lifeline"
set ylabel "level"; set xlabel "seconds"; set yrange [-0.2:2.2]; set ytics ("none" 0, "elevated" 1, "critical" 2)
plot "$RUN/net.dat" using 1:4 with steps lw 2 title "lifeline level"
unset multiplot
EOF
	say "plot: $plot"
else
	say "plot: skipped (gnuplot not installed)"
fi
say "table: $table"
cp "$table" "$OUTDIR/demo-latest.txt"
[ -f "$plot" ] && cp "$plot" "$OUTDIR/demo-latest.png"
exit 0
