#!/usr/bin/env bash
# lifeline demo: a real filesystem kept writing under memory pressure and a flood.
#
# A storage server (nbdkit) and a flooder in one network namespace; in the
# other, QEMU's NBD client (qemu-storage-daemon) exports the remote disk
# through FUSE, a loop device goes on it, and ext4 on that (tests/storage.sh):
# page writeback goes ext4 -> loop -> FUSE -> QEMU -> TCP -> nbdkit. Two
# writers run in a memory cgroup: sequential 1 MiB writes with an fsync
# every 8 MiB (MB/s) and 4 KiB writes each followed by fsync (latency). The
# same four phases run twice, first without lifeline, then with lifeline
# attached to the client's veth (--mode tc, what the README recommends on a
# veth), the server registered, and lifelined watching the memory cgroup:
#   calm      the flooder aims at itself
#   flood     a UDP flood to a listening socket on the client; no pressure,
#             so lifeline passes it
#   pressure  a memory hog fills the writers' cgroup; lifelined sees it by
#             itself (source memcg) and raises the level; the flood is dropped
#   recovery  the hog ends; the level steps down after the hold time
# After each run the disk is unmounted, attached again over a new connection,
# checked with e2fsck -fn, and every block the writers wrote is verified.
# Ends with a table per phase and a PNG plot, written to build/demo/ (not
# tracked). Everything it creates is removed on exit, Ctrl-C included: the
# helpers it starts (QEMU, nbdkit, lifelined, the writers, the flooders) run
# in sessions of their own, so the terminal's SIGINT reaches only this script,
# which stops the writers, unmounts, then removes the rest, and exits 130.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LL_NS_ID=demo$$
. "$TOP/tests/lib.sh"
. "$TOP/tests/netns.sh"
. "$TOP/tests/storage.sh"
NET=$TOP/build/tests/tool_net
LOAD=$TOP/build/bench/fsload
OUTDIR=${LIFELINE_DEMO_OUT:-$TOP/build/demo}
PHASE_S=10
usage() { echo "Usage: bench/demo.sh [--quick]   (--quick: 5 s phases instead of 10)"; }
while [ $# -gt 0 ]; do
	case $1 in
	--quick) PHASE_S=5 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "demo: unknown option '$1' ($(usage))" >&2; exit 2 ;;
	esac
	shift
done

export LIFELINE_PIN_PATH=/sys/fs/bpf/lldemo-$$
RUN=$(mktemp -d /tmp/lldemo.XXXXXX)
CG=lifeline-demo-$$
CGDIR=/sys/fs/cgroup/memory/$CG
HOGFILE=/var/tmp/lifeline-demo-$$.fill
pids=()

say() { printf '%s\n' "$*"; }
stop_pids() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done; pids=(); }
cg_empty() {
	[ -d "$CGDIR" ] || return 0
	local p
	while read -r p; do kill -9 "$p" 2>/dev/null; done <"$CGDIR/cgroup.procs"
	sleep 0.2
	rm -f "$HOGFILE" "$HOGFILE".*
	echo 0 >"$CGDIR/memory.force_empty" 2>/dev/null
}
cleanup() {
	trap '' INT TERM
	stop_pids
	[ -f "$RUN/lld.pid" ] && kill "$(cat "$RUN/lld.pid")" 2>/dev/null
	cg_empty
	st_cleanup
	nbd_stop
	in_cli "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	[ -d "$CGDIR" ] && rmdir "$CGDIR" 2>/dev/null
	rm -f "$HOGFILE" "$HOGFILE".*
	rm -rf "$RUN" "$LIFELINE_PIN_PATH"
}
trap cleanup EXIT
# The long-lived helpers run under setsid (new session, so not in the
# terminal's foreground process group): on Ctrl-C they keep serving until
# cleanup stops them in order (writers, unmount, QEMU, servers, namespaces).
# The script itself never waits long in the foreground (sleeps of at most
# 1 s), so the trap runs at once.
trap 'printf "\ndemo: interrupted, stopping the writers, unmounting, removing what it created\n" >&2; exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network namespaces, a memory cgroup, a loop device)" >&2; exit 1; }
[ -d /sys/fs/cgroup/memory ] || { echo "demo: needs the cgroup-v1 memory controller at /sys/fs/cgroup/memory" >&2; exit 1; }
for t in qemu-storage-daemon mkfs.ext4 nft gnuplot "$LOAD"; do
	command -v "$t" >/dev/null || { echo "demo: $t missing (make deps; make)" >&2; exit 1; }
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# ------------------------------------------------------------------ set-up
say "== set-up: namespaces $NS_SRV (nbdkit, flooder) and $NS_CLI (QEMU's NBD client), veth $DEV_SRV <-> $DEV_CLI"
ns_setup && st_init || { echo "demo: cannot create the namespaces" >&2; exit 1; }
st_nbd_server 1G || { echo "demo: nbdkit did not start" >&2; exit 1; }
# This host's storage side (nbdkit, qemu, the writers, the flood's receiver)
# on CPU 0; the flooder, standing for another machine, on CPU 1
# (bench/README.md, "blockio", has why).
taskset -a -p -c 0 "$(cat "$ST_DIR/nbdkit.pid")" >/dev/null
st_attach disk nbd 0 && st_mkfs disk && "$LOAD" prep "$ST_MNT" ||
	{ echo "demo: ext4 over QEMU's NBD client failed: $(tail -2 "$ST_DIR/disk.qsd.log")" >&2; exit 1; }
say "   ext4 on $(cat "$ST_DIR/disk.loop") -> FUSE $ST_DIR/disk.img -> qemu-storage-daemon -> nbd://$SRV4"
mkdir "$CGDIR" && echo $((512 << 20)) >"$CGDIR/memory.limit_in_bytes" || exit 1
say "   memory cgroup $CG (limit 512 MiB) for the writers and, later, the hog"
# Flood counters outside lifeline: offered (leaving the flooder) and
# reaching the client's IP stack (after tc ingress, where lifeline drops).
in_srv nft -f - <<EOF
table inet lldemo {
	counter offered {}
	chain out { type filter hook output priority 0; ip daddr $CLIF4 udp dport 9999 counter name offered; }
}
EOF
in_cli nft -f - <<EOF
table inet lldemo {
	counter reaching {}
	chain pre { type filter hook prerouting priority -300; ip daddr $CLIF4 udp dport 9999 counter name reaching; }
}
EOF
in_srv ip addr add 192.0.2.99/32 dev lo
cat >"$RUN/demo.conf" <<EOF
# lifelined demo configuration: only the memory cgroup of the writers is
# watched, so the demo does not depend on this host's own state.
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

# ------------------------------------------------------------------ sampler
# One line a second: time, level, source, flood packets/s offered, reaching
# the client's stack, dropped by lifeline; the memory cgroup's usage in %.
nftc() { nsenter --net=/run/netns/$1 nft -j list counter inet lldemo "$2" 2>/dev/null | jq '[.nftables[] | .counter.packets // empty] | add // 0'; }
sampler() {	# sampler T0 ATTACHED
	local po=0 pr=0 pd=0 pt=0 first=1 o r d lv t u
	while :; do
		t=$(date +%s.%N)
		o=$(nftc $NS_SRV offered); r=$(nftc $NS_CLI reaching)
		if [ "$2" = yes ]; then
			d=$(in_cli "$LL" -j stats 2>/dev/null | jq '[.hooks.tc_ingress | to_entries[] | select(.key | startswith("drop_")) | .value.packets] | add // 0')
			lv=$(in_cli "$LL" -j pressure 2>/dev/null | jq -r '"\(.level) \(.source)"')
		else
			d=0 lv="off -"
		fi
		# per second over the interval actually elapsed (reading takes time)
		u=$(($(cat "$CGDIR/memory.usage_in_bytes") * 100 / $(cat "$CGDIR/memory.limit_in_bytes")))
		[ $first = 0 ] && awk -v t="$t" -v pt="$pt" -v t0="$1" -v lv="$lv" -v o=$((o - po)) -v r=$((r - pr)) -v d=$((d - pd)) -v u=$u \
			'BEGIN { s = t - pt; printf "%.1f %s %d %d %d %d\n", t - t0, lv, o / s, r / s, d / s, u }'
		po=$o pr=$r pd=$d pt=$t first=0
		sleep 1
	done
}
level() { in_cli "$LL" -j pressure | jq -r .level; }
progress() {	# progress RUN PHASE SECONDS: a live line while the phase runs
	local end=$((SECONDS + $3)) last mb
	while [ $SECONDS -lt $end ]; do
		last=$(tail -1 "$RUN/$1.net" 2>/dev/null)
		mb=$(grep '"t"' "$RUN/$1.seq" 2>/dev/null | tail -1 | jq -r .mb_per_s 2>/dev/null)
		printf '\r   %-9s %3ds left  ext4 %7s MB/s  level %-9s flood offered %8s  dropped %8s  reaching %8s pkt/s ' "$2" $((end - SECONDS)) \
			"${mb:--}" "$(echo "$last" | awk '{print $2}')" "$(echo "$last" | awk '{print $4}')" \
			"$(echo "$last" | awk '{print $6}')" "$(echo "$last" | awk '{print $5}')"
		sleep 1
	done
	printf '\n'
}
flood_idle() {
	setsid nsenter --net=/run/netns/$NS_SRV taskset -c 1 "$NET" send 192.0.2.99 192.0.2.99 9999 3600 >/dev/null &
	pids+=($!)
	IDLE_PID=$!
}
flood_on() {
	kill "$IDLE_PID" 2>/dev/null
	setsid nsenter --net=/run/netns/$NS_CLI taskset -c 0 "$NET" recv $CLIF4 9999 3600 >/dev/null &
	pids+=($!)
	setsid nsenter --net=/run/netns/$NS_SRV taskset -c 1 "$NET" send $FLOOD4 $CLIF4 9999 3600 >/dev/null &
	pids+=($!)
}
in_cg() { setsid bash -c "echo \$\$ >$CGDIR/cgroup.procs && exec $*"; }

# one_run NAME ATTACHED(yes|no): the four phases, then the check from a new connection.
one_run() {
	local name=$1 att=$2 T0 t_hog
	if [ "$att" = yes ]; then
		in_cli "$LL" attach "$DEV_CLI" --mode tc | sed 's/^/   /'
		in_cli "$LL" flow add nbd://$SRV4 --name storage | sed 's/^/   /'
		setsid nsenter --net=/run/netns/$NS_CLI "$LLD" --foreground --config "$RUN/demo.conf" >"$RUN/lifelined.log" 2>&1 &
		echo $! >"$RUN/lld.pid"
		for _ in $(seq 50); do [ -S "$RUN/events.sock" ] && break; sleep 0.1; done
		[ -S "$RUN/events.sock" ] || { echo "demo: lifelined did not start: $(tail -3 "$RUN/lifelined.log")" >&2; exit 1; }
		say "   lifelined watches memory cgroup $CG (critical at 90 % of its limit)"
	fi
	T0=$(date +%s.%N)
	echo "$T0" >"$RUN/$name.t0"
	( trap - INT TERM; exec setsid bash -c "$(declare -f sampler nftc in_cli); $(declare -p LL NS_SRV NS_CLI CGDIR); sampler $T0 $att" ) >"$RUN/$name.net" &
	pids+=($!)
	flood_idle
	in_cg taskset -c 0 "$LOAD" seq "$ST_MNT" 3600 --json >"$RUN/$name.seq" &
	pids+=($!)
	in_cg taskset -c 0 "$LOAD" fsync "$ST_MNT" 3600 --json >"$RUN/$name.fsync" &
	pids+=($!)
	: >"$RUN/$name.phases"
	mark() { printf '%s %.1f\n' "$1" "$(echo "$(date +%s.%N) - $T0" | bc)" >>"$RUN/$name.phases"; }
	say "== calm: the writers write and fsync; the flooder aims at itself"
	mark calm; progress "$name" calm $PHASE_S
	say "== flood: UDP flood from $FLOOD4 to a socket on the client; no memory pressure"
	flood_on
	mark flood; progress "$name" flood $PHASE_S
	say "== pressure: a memory hog fills cgroup $CG (page cache, 512 MiB limit)"
	setsid bash -c "echo \$\$ >$CGDIR/cgroup.procs; dd if=/dev/zero of=$HOGFILE bs=1M count=640 status=none;
		i=0; while :; do dd if=/dev/zero of=$HOGFILE.\$((i % 8)) bs=1M count=4 status=none; i=\$((i + 1)); sleep 0.5; done" &
	HOG=$!
	pids+=($HOG)
	mark pressure
	t_hog=$SECONDS
	# the phase's time counts from when the cgroup is full: with lifeline,
	# when lifelined says critical; without, when usage reaches the same 90 %
	if [ "$att" = yes ]; then
		for _ in $(seq 150); do [ "$(level)" = critical ] && break; sleep 0.2; done
		say "   lifelined raised the level to $(level) after $((SECONDS - t_hog)) s (source: $(in_cli "$LL" -j pressure | jq -r .source))"
	else
		for _ in $(seq 150); do [ $(($(cat "$CGDIR/memory.usage_in_bytes") * 100 / $(cat "$CGDIR/memory.limit_in_bytes"))) -ge 90 ] && break; sleep 0.2; done
		say "   the cgroup reached 90 % of its limit after $((SECONDS - t_hog)) s (nothing watches it)"
	fi
	progress "$name" pressure $PHASE_S
	say "== recovery: the hog ends$([ "$att" = yes ] && echo "; the level steps down after the hold time")"
	kill $HOG 2>/dev/null; wait $HOG 2>/dev/null
	local p
	while read -r p; do
		grep -q fsload "/proc/$p/cmdline" 2>/dev/null || kill "$p" 2>/dev/null
	done <"$CGDIR/cgroup.procs"
	rm -f "$HOGFILE" "$HOGFILE".*
	mark recovery; progress "$name" recovery $((PHASE_S + 4))
	mark end
	stop_pids
	cg_empty
	if [ "$att" = yes ]; then
		kill "$(cat "$RUN/lld.pid")" 2>/dev/null; rm -f "$RUN/lld.pid"
		in_cli "$LL" detach --all >/dev/null
	fi
	# from a new connection: e2fsck, then every block the writers wrote
	local fsck=ERRORS v
	st_umount "$ST_MNT" && st_detach disk && st_attach disk nbd 0 || { echo "demo: re-attach failed" >&2; exit 1; }
	e2fsck -fn "$(cat "$ST_DIR/disk.loop")" >"$RUN/$name.fsck" 2>&1 && fsck=clean
	st_mount disk || { echo "demo: mount failed" >&2; exit 1; }
	v=$("$LOAD" verify "$ST_MNT")
	echo "$fsck $(jq .verified_blocks <<<"$v") $(jq .bad_blocks <<<"$v")" >"$RUN/$name.check"
	say "   unmounted, attached again over a new NBD connection: e2fsck -fn $fsck; $(jq .verified_blocks <<<"$v") blocks verified, $(jq .bad_blocks <<<"$v") bad"
}

say ""
say "######## run 1: WITHOUT lifeline"
one_run without no
say ""
say "######## run 2: WITH lifeline (--mode tc on $DEV_CLI, nbd://$SRV4 registered, lifelined on the memory cgroup)"
one_run with yes

# ------------------------------------------------------------------ report
mkdir -p "$OUTDIR"
stamp=$(date -u +%Y-%m-%dT%H%M%S)
table=$OUTDIR/demo-$stamp.txt
plot=$OUTDIR/demo-$stamp.png
# avg FILE FIELD A B: mean of FIELD over the JSON interval lines with A < t <= B
jmean() { grep '"t"' "$1" | jq -r "select(.t > $3 and .t <= $4) | .$2" | awk '{ s += $1; n++ } END { printf "%.1f", n ? s / n : 0 }'; }
jmax() { grep '"t"' "$1" | jq -r "select(.t > $3 and .t <= $4) | .$2" | awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { printf "%.1f", m }'; }
{
	printf '%-8s %-9s %8s %11s %11s %12s %12s %12s %6s %-9s\n' RUN PHASE "MB/s" "fsync p50" "fsync p99" "offered/s" "dropped/s" "reaching/s" memcg LEVEL
	for run in without with; do
		while read -r ph a; do
			[ "$ph" = end ] && continue
			b=$(awk -v p="$ph" 'f { print $2; exit } $1 == p { f = 1 }' "$RUN/$run.phases")
			# skip the first second of a phase (the change happens in it)
			a1=$(echo "$a + 1" | bc)
			read -r o r d u lv < <(awk -v a="$a1" -v b="$b" '$1 > a && $1 <= b { o += $4; r += $5; d += $6; u += $7; n++; lv[$2]++ }
				END { best = ""; for (l in lv) if (lv[l] > lv[best]) best = l; printf "%d %d %d %d %s", n ? o / n : 0, n ? r / n : 0, n ? d / n : 0, n ? u / n : 0, best }' "$RUN/$run.net")
			printf '%-8s %-9s %8s %8s ms %8s ms %12s %12s %12s %5s%% %-9s\n' "$run" "$ph" "$(jmean "$RUN/$run.seq" mb_per_s "$a1" "$b")" \
				"$(jmean "$RUN/$run.fsync" p50_ms "$a1" "$b")" "$(jmax "$RUN/$run.fsync" p99_ms "$a1" "$b")" "$o" "$d" "$r" "$u" "$lv"
		done <"$RUN/$run.phases"
	done
	for run in without with; do
		read -r fsck blocks bad <"$RUN/$run.check"
		printf '%s lifeline: e2fsck -fn %s, %s blocks verified, %s bad\n' "$run" "$fsck" "$blocks" "$bad"
	done
	printf '(MB/s: sequential 1 MiB writes, fsync every 8 MiB; fsync: 4 KiB write + fsync, mean of per-second p50, worst per-second p99)\n'
	printf 'machine: %s cores, kernel %s\n' "$(nproc)" "$(uname -r)"
} | tee "$table"

# Plot data: per run, seconds since its start.
for run in without with; do
	grep '"t"' "$RUN/$run.seq" | jq -r '"\(.t) \(.mb_per_s)"' >"$RUN/$run.seq.dat"
	grep '"t"' "$RUN/$run.fsync" | jq -r '"\(.t) \(.p50_ms) \(.p99_ms)"' >"$RUN/$run.fsync.dat"
	awk '{ l = $2 == "critical" ? 2 : $2 == "elevated" ? 1 : $2 == "none" ? 0 : -1; print $1, $4, $6, $5, l }' "$RUN/$run.net" >"$RUN/$run.net.dat"
done
XMAX=$(cat "$RUN"/*.phases | awk '$1 == "end" && $2 > m { m = $2 } END { print int(m) + 1 }')
YMB=$(cat "$RUN"/*.seq.dat | awk '$2 > m { m = $2 } END { print m * 1.4 + 1 }')
YMS=$(cat "$RUN"/*.fsync.dat | awk '$3 > m { m = $3 } END { print m * 1.4 + 0.1 }')
YPK=$(cat "$RUN"/*.net.dat | awk '$2 > m { m = $2 } END { print m / 1000 * 1.45 + 1 }')
marks() { awk '$1 != "end" { printf "set arrow from %s, graph 0 to %s, graph 1 nohead dt 2 lc rgb \"gray\"; set label \"%s\" at %s, graph 0.06 offset 0.3,0 font \",9\" front; ", $2, $2, $1, $2 }' "$RUN/$1.phases"; }
{
	cat <<EOF
set terminal pngcairo size 1400,1000 noenhanced font ",10"
set output "$plot"
set multiplot layout 4,2 title "lifeline demo: ext4 over QEMU's NBD client under a UDP flood and memory pressure (left: without lifeline, right: with lifeline --mode tc)"
set grid; set xrange [0:$XMAX]; set key top right font ",9" opaque box lc rgb "gray80"
# room for the level panels' longest tick label ("not attached") and the y label
set lmargin 16
EOF
	for run in without with; do echo "set title '$run lifeline: ext4 throughput'; unset arrow; unset label; $(marks $run)
set ylabel 'MB/s'; set yrange [0:$YMB]; set format x ''
plot '$RUN/$run.seq.dat' using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'sequential writes (fsync every 8 MiB)'"; done
	for run in without with; do echo "set title '$run lifeline: fsync latency'; unset arrow; unset label; $(marks $run)
set ylabel 'ms'; set yrange [0:$YMS]
plot '$RUN/$run.fsync.dat' using 1:3 with lines lw 2 lc rgb '#d62728' title '4 KiB write+fsync p99', '' using 1:2 with lines lc rgb '#ff9896' title 'p50'"; done
	for run in without with; do echo "set title '$run lifeline: flood packets'; unset arrow; unset label; $(marks $run)
set ylabel 'kpkt/s'; set yrange [0:$YPK]
plot '$RUN/$run.net.dat' using 1:(\$2/1000) with lines lw 2 lc rgb 'gray40' title 'offered by the flooder', '' using 1:(\$3/1000) with lines lw 2 lc rgb '#2ca02c' title 'dropped by lifeline (tc ingress)', '' using 1:(\$4/1000) with lines lw 2 lc rgb '#9467bd' title 'reaching the client stack'"; done
	for run in without with; do echo "set title '$run lifeline: level'; unset arrow; unset label; $(marks $run)
set ylabel 'level'; set xlabel 'seconds'; set format x '%g'; set yrange [-1.4:3.3]; set ytics ('not attached' -1, 'none' 0, 'elevated' 1, 'critical' 2)
plot '$RUN/$run.net.dat' using 1:5 with steps lw 2 lc rgb 'black' title 'lifeline level (lifelined, memcg)'"; done
	echo "unset multiplot"
} >"$RUN/plot.gp"
if gnuplot "$RUN/plot.gp" 2>"$RUN/gnuplot.err"; then say "plot: $plot"; else say "plot: gnuplot failed: $(head -3 "$RUN/gnuplot.err")"; fi
say "table: $table"
cp "$table" "$OUTDIR/demo-latest.txt"
[ -f "$plot" ] && cp "$plot" "$OUTDIR/demo-latest.png"
exit 0
