#!/usr/bin/env bash
# Block I/O on a real filesystem under flood: ext4 on a remote disk over
# QEMU's NBD client (nbdkit serving) and over QEMU's iSCSI client (tgtd
# serving), through FUSE and loop (tests/storage.sh). Two loads
# (build/bench/fsload): sequential buffered 1 MiB writes with an fsync every
# 8 MiB (MB/s), and 4 KiB writes each followed by fsync (IOPS, p99), for:
#   calm       no flood reaches the client, lifeline not attached
#   flood      a UDP flood to a listening socket on the client, no lifeline
#   lifeline   the same flood, lifeline attached --mode tc (what the README
#              recommends on a veth) at `critical` (the CLI), nbd:// and
#              iscsi:// registered
#   memcg      the same, but the level comes from lifelined: a memory hog
#              fills a memory cgroup (page cache over its 256 MiB limit) and
#              lifelined, watching that cgroup, decides critical by itself;
#              measured once it has. The writer is not in the cgroup, so the
#              case differs from `lifeline` only in who decides.
# Like with like, as bench/blockio.sh: the storage side (server, qemu, the
# writer, the flood's receiver) on CPU 0, the flooder (another host) on
# CPU 1 in every case, aimed at itself while calm; interleaved rounds in a
# rotating order; figures are medians, ratios medians of per-round ratios.
# At the end each disk is unmounted, detached, attached again (a new
# connection), checked with e2fsck -fn and every block fsload wrote verified.
# Usage: bench/fsio.sh [SECONDS-PER-MEASUREMENT [ROUNDS]]   (default 4 and 5)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LL_NS_ID=fsio$$
. "$TOP/tests/lib.sh"
. "$TOP/tests/netns.sh"
. "$TOP/tests/storage.sh"
NET=$TOP/build/tests/tool_net
LOAD=$TOP/build/bench/fsload
SECS=${1:-4}
ROUNDS=${2:-5}
export LIFELINE_PIN_PATH=/sys/fs/bpf/llbench-fsio-$$
RES=$(mktemp -d /tmp/llfsio.XXXXXX)
CG=llfsio-$$
CGDIR=/sys/fs/cgroup/memory/$CG
HOGFILE=/var/tmp/llfsio-$$.fill
FPIDS=() HOG="" LLDPID=""
flood_stop() { local p; for p in "${FPIDS[@]}"; do kill "$p" 2>/dev/null; done; for p in "${FPIDS[@]}"; do wait "$p" 2>/dev/null; done; FPIDS=(); }
memcg_stop() {
	[ -n "$HOG" ] && { kill "$HOG" 2>/dev/null; wait "$HOG" 2>/dev/null; }
	[ -n "$LLDPID" ] && { kill "$LLDPID" 2>/dev/null; wait "$LLDPID" 2>/dev/null; }
	HOG="" LLDPID=""
	if [ -d "$CGDIR" ]; then
		local p
		while read -r p; do kill -9 "$p" 2>/dev/null; done <"$CGDIR/cgroup.procs"
		sleep 0.1
		rm -f "$HOGFILE" "$HOGFILE".*
		echo 0 >"$CGDIR/memory.force_empty" 2>/dev/null
	fi
	rm -f "$HOGFILE" "$HOGFILE".*
}
cleanup() { flood_stop; memcg_stop; [ -d "$CGDIR" ] && rmdir "$CGDIR" 2>/dev/null; st_cleanup; nbd_stop; in_cli "$LL" detach --all >/dev/null 2>&1; ns_cleanup; rm -rf "$LIFELINE_PIN_PATH" "$RES"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "fsio: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root"
for t in qemu-storage-daemon tgtd mkfs.ext4 "$LOAD" "$NET"; do
	command -v "$t" >/dev/null || { echo "skipped: $t missing (make deps; make)"; exit 0; }
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
ns_setup && st_init || die "set-up failed"
st_nbd_server 512M || die "nbdkit did not start"
st_iscsi_server 512M || die "tgtd did not start"
taskset -a -p -c 0 "$(cat "$ST_DIR/nbdkit.pid")" >/dev/null
taskset -a -p -c 0 "$(cat "$ST_DIR/tgtd.pid")" >/dev/null
in_srv ip addr add 192.0.2.99/32 dev lo
CASES=(calm flood lifeline)
if [ -d /sys/fs/cgroup/memory ] && mkdir "$CGDIR" 2>/dev/null; then
	echo $((256 << 20)) >"$CGDIR/memory.limit_in_bytes"
	cat >"$RES/lld.conf" <<EOF
[daemon]
tick = 250ms
lease = 3s
hold = 3s
state_dir = $RES
$(conf_host_sources_off)
[memcg]
enable = yes
version = 1
cgroup_root = /sys/fs/cgroup
path = $CG
usage_elevated = 80
usage_critical = 90
EOF
	CASES+=(memcg)
else
	echo "fsio: no cgroup-v1 memory controller: the memcg case is skipped" >&2
fi
PROTOS=(nbd iscsi)
for p in "${PROTOS[@]}"; do
	st_attach "$p" "$p" 0 && st_mkfs "$p" && "$LOAD" prep "$ST_DIR/$p.mnt" || die "$p: attach or mkfs failed: $(tail -2 "$ST_DIR/$p.qsd.log")"
done

flood() {	# flood idle|on
	flood_stop
	if [ "$1" = on ]; then
		nsenter --net=/run/netns/$NS_CLI taskset -c 0 "$NET" recv $CLIF4 9999 3600 >/dev/null & FPIDS+=($!)
		nsenter --net=/run/netns/$NS_SRV taskset -c 1 "$NET" send $FLOOD4 $CLIF4 9999 3600 >/dev/null & FPIDS+=($!)
	else
		nsenter --net=/run/netns/$NS_SRV taskset -c 1 "$NET" send 192.0.2.99 192.0.2.99 9999 3600 >/dev/null & FPIDS+=($!)
	fi
	sleep 0.3
}
ATT=off
lifeline() {	# lifeline off|critical|memcg
	if [ "$1" = off ]; then
		[ $ATT = on ] && in_cli "$LL" detach --all >/dev/null 2>&1
		ATT=off
		return 0
	fi
	if [ $ATT = off ]; then
		in_cli "$LL" attach "$DEV_CLI" --mode tc >/dev/null &&
			in_cli "$LL" flow add nbd://$SRV4 --name nbd >/dev/null &&
			in_cli "$LL" flow add iscsi://$SRV4 --name iscsi >/dev/null || return 1
		ATT=on
	fi
	[ "$1" = critical ] && in_cli "$LL" pressure set critical >/dev/null
	[ "$1" = memcg ] && in_cli "$LL" pressure clear >/dev/null
	return 0
}
# memcg_start: lifelined on the cgroup, the hog filling it; returns once
# lifelined has decided critical from it (source memcg)
memcg_start() {
	# nsenter itself, not in_cli (a function: $! would be its subshell)
	nsenter --net=/run/netns/$NS_CLI "$LLD" --foreground --config "$RES/lld.conf" >"$RES/lld.log" 2>&1 &
	LLDPID=$!
	bash -c "echo \$\$ >$CGDIR/cgroup.procs; dd if=/dev/zero of=$HOGFILE bs=1M count=320 status=none;
		i=0; while :; do dd if=/dev/zero of=$HOGFILE.\$((i % 8)) bs=1M count=4 status=none; i=\$((i + 1)); sleep 0.5; done" &
	HOG=$!
	local i
	for i in $(seq 300); do
		[ "$(in_cli "$LL" -j pressure | jq -r '"\(.level) \(.source)"')" = "critical memcg" ] && return 0
		sleep 0.1
	done
	echo "fsio: lifelined did not reach critical from the memory cgroup: $(tail -2 "$RES/lld.log")" >&2
	return 1
}
drops() { in_cli "$LL" -j stats | jq '.hooks.tc_ingress.drop_critical.packets'; }
# measure PROTO CASE: appends "seqMB/s seq-fsync-p99ms fsyncIOPS fsync-p99ms" to $RES/PROTO.CASE
measure() {
	local mnt=$ST_DIR/$1.mnt s f
	s=$(taskset -c 0 "$LOAD" seq "$mnt" "$SECS" --warmup 0.5 --json | grep total) || return 1
	f=$(taskset -c 0 "$LOAD" fsync "$mnt" "$SECS" --warmup 0.5 --json | grep total) || return 1
	echo "$(jq .mb_per_s <<<"$s") $(jq .p99_ms <<<"$s") $(jq .iops <<<"$f") $(jq .p99_ms <<<"$f")" >>"$RES/$1.$2"
}
dropped=0 mdropped=0
for r in $(seq "$ROUNDS"); do
	for p in "${PROTOS[@]}"; do
		for i in "${!CASES[@]}"; do
			c=${CASES[(i + r) % ${#CASES[@]}]}
			case $c in
			calm) lifeline off; flood idle ;;
			flood) lifeline off; flood on ;;
			lifeline) lifeline critical || die "attach failed"; flood on; d0=$(drops) ;;
			memcg) lifeline memcg || die "attach failed"; memcg_start || die "memcg"; flood on; d0=$(drops) ;;
			esac
			measure "$p" "$c" || die "$p $c: fsload failed"
			if [ "$c" = memcg ]; then
				lv=$(in_cli "$LL" -j pressure | jq -r '"\(.level) \(.source)"')
				[ "$lv" = "critical memcg" ] || echo "fsio: level $lv at the end of a memcg case" >&2
				mdropped=$((mdropped + $(drops) - d0))
				memcg_stop
			fi
			[ "$c" = lifeline ] && dropped=$((dropped + $(drops) - d0))
			printf '\r  round %d/%d %-5s %-8s done ' "$r" "$ROUNDS" "$p" "$c" >&2
		done
	done
done
printf '\n' >&2
flood_stop
lifeline off

# every condition's data, checked from a new connection
fsck="" bad=0 blocks=0
for p in "${PROTOS[@]}"; do
	st_umount "$ST_DIR/$p.mnt" && st_detach "$p" && st_attach "$p" "$p" 0 || die "$p: re-attach failed"
	e2fsck -fn "$(cat "$ST_DIR/$p.loop")" >"$RES/$p.fsck" 2>&1 && fsck="$fsck $p:clean" || fsck="$fsck $p:ERRORS"
	st_mount "$p" || die "$p: mount after fsck failed"
	v=$("$LOAD" verify "$ST_DIR/$p.mnt") ; bad=$((bad + $(jq .bad_blocks <<<"$v"))); blocks=$((blocks + $(jq .verified_blocks <<<"$v")))
done

med() { sort -g | awk '{ v[NR] = $1 } END { printf "%s", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$RES/$1" | med; }
ratio() { paste "$RES/$1" "$RES/$2" | awk -v c="$3" '{ printf "%.4f\n", $c / $(c + 4) }' | med; }
verdict() { echo "$1" | bc | sed 's/1/met/;s/0/missed/'; }
printf '%-30s %10s %12s %10s %12s %8s %8s\n' "ext4 on a remote disk" "seq MB/s" "seq sync p99" "fsync IOPS" "fsync p99" "seq/calm" "IOPS/calm"
for p in "${PROTOS[@]}"; do
	for c in "calm:calm" "flood:flood, no lifeline" "lifeline:flood, lifeline tc critical" "memcg:flood, lifelined memcg"; do
		id=${c%%:*}
		[ -s "$RES/$p.$id" ] || continue
		printf '%-30s %10.1f %9.1f ms %10.0f %9.2f ms %7.2fx %8.2fx\n' "$p, ${c#*:}" "$(col $p.$id 1)" "$(col $p.$id 2)" \
			"$(col $p.$id 3)" "$(col $p.$id 4)" "$(ratio $p.$id $p.calm 1)" "$(ratio $p.$id $p.calm 3)"
	done
done
printf '(%d rounds of %s s per load and case, medians; ratios: medians of per-round ratios; flood packets dropped by lifeline at tc ingress: %d at CLI critical, %d at critical from lifelined/memcg)\n' \
	"$ROUNDS" "$SECS" "$dropped" "$mdropped"
for p in "${PROTOS[@]}"; do
	cost=$(printf '%.2f' "$(ratio $p.flood $p.calm 3)")
	sr=$(printf '%.2f' "$(ratio $p.lifeline $p.calm 1)"); ir=$(printf '%.2f' "$(ratio $p.lifeline $p.calm 3)")
	printf '%s: the flood leaves the unprotected filesystem %sx its calm fsync IOPS (target flood costs >= 20%%: %s); with lifeline: sequential %sx calm (target >= 0.9x: %s), fsync IOPS %sx calm (target >= 0.85x: %s)\n' \
		"$p" "$cost" "$(verdict "$cost <= 0.8")" "$sr" "$(verdict "$sr >= 0.9")" "$ir" "$(verdict "$ir >= 0.85")"
	if [ -s "$RES/$p.memcg" ]; then
		sr=$(printf '%.2f' "$(ratio $p.memcg $p.calm 1)"); ir=$(printf '%.2f' "$(ratio $p.memcg $p.calm 3)")
		printf '%s, lifelined deciding from memcg pressure: sequential %sx calm (target >= 0.9x: %s), fsync IOPS %sx calm (target >= 0.85x: %s)\n' \
			"$p" "$sr" "$(verdict "$sr >= 0.9")" "$ir" "$(verdict "$ir >= 0.85")"
	fi
done
printf 'after all conditions, from a new connection: e2fsck -fn%s; fsload verify: %d blocks, %d bad\n' "$fsck" "$blocks" "$bad"
printf 'machine: %s cores, kernel %s\n' "$(nproc)" "$(uname -r)"
