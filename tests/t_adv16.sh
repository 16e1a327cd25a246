#!/usr/bin/env bash
# Adversarial checks of the real-storage evidence (#16), from outside:
# - bench/fsio.sh refuses bad arguments (a bad duration or count, a third
#   positional argument, an unknown option) with one line on stderr and
#   exit 2, before it creates anything;
# - a bench/fsio.sh or bench/demo.sh run killed with SIGKILL in its memory
#   pressure phase leaves host objects outside its storage directory: the
#   memory hog (an endless loop), the writers and the sampler, the memory
#   cgroup, the hog's files on /var/tmp, its results directory. The next
#   run (st_init, which every storage run calls first) must remove them as
#   it removes the FUSE mount, the loop device and the namespaces.
set -u
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d)
KPIDS=()
# even when a check fails: the runs' processes (marked in their environment),
# their memory cgroups, files and storage directories (through st_init)
cleanup() {
	local p cg i
	for i in 1 2 3; do
		for p in "${KPIDS[@]}" $(grep -lsz "^ADV16_RUN=$TMP/" /proc/[0-9]*/environ | cut -d/ -f3); do kill -9 "$p" 2>/dev/null; done
		for p in "${KPIDS[@]}"; do
			for cg in /sys/fs/cgroup/memory/llfsio-$p /sys/fs/cgroup/memory/lifeline-demo-$p; do
				[ -d "$cg" ] || continue
				while read -r i; do kill -9 "$i" 2>/dev/null; done <"$cg/cgroup.procs"
			done
		done
		sleep 0.3
	done
	[ ${#KPIDS[@]} -gt 0 ] && next_run
	for p in "${KPIDS[@]}"; do
		rm -rf /var/tmp/llfsio-$p.fill* /var/tmp/lifeline-demo-$p.fill* /tmp/llfsio-$p.* /tmp/lldemo-$p.*
		rmdir /sys/fs/cgroup/memory/llfsio-$p /sys/fs/cgroup/memory/lifeline-demo-$p 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

# ------------------------------------------------------------------ fsio.sh arguments
# (timeout: an argument wrongly accepted would start the whole benchmark)
for a in "abc" "0" "0 3" "4 0" "4 5 6" "--bogus" "-1" "--rps maybe" "--senders 0" "--pps x"; do
	t0=$SECONDS
	# shellcheck disable=SC2086
	out=$(timeout -k 30 10 "$TOP/bench/fsio.sh" $a 2>&1 >/dev/null); rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q '^fsio: ' <<<"$out" && [ $((SECONDS - t0)) -le 3 ]; then
		pass "fsio.sh $a: refused in one line"
	else
		fail "fsio.sh $a: refused in one line" "exit $rc after $((SECONDS - t0)) s: $(head -c 300 <<<"$out" | tr '\n' '|')"
	fi
done

# ------------------------------------------------------------------ killed runs leave nothing to the next
for t in qemu-storage-daemon tgtd mkfs.ext4 nft nbdkit gnuplot; do
	command -v $t >/dev/null || { skip "killed runs" "$t not installed (make deps)"; summary; exit $?; }
done
[ -d /sys/fs/cgroup/memory ] || { skip "killed runs" "no cgroup-v1 memory controller"; summary; exit $?; }
[ -x "$TOP/build/bench/fsload" ] && [ -x "$TOP/build/bench/flood" ] ||
	{ skip "killed runs" "build/bench not built"; summary; exit $?; }

# next_run: what the next storage run does first (tests/storage.sh st_init)
next_run() {
	bash -c "LL_NS_ID=adv16n\$\$; . '$TOP/tests/lib.sh'; . '$TOP/tests/netns.sh'; . '$TOP/tests/storage.sh'; st_init && st_cleanup" 2>/dev/null
}
# leftovers PID CGROUP FILEPREFIX TMPGLOB: what of run PID is still there
leftovers() {
	local run=$1 cg=$2 f=$3 g=$4 left="" procs
	[ -d "$cg" ] && left="$left cgroup $cg ($(wc -l <"$cg/cgroup.procs") processes);"
	# every process the run started carries ADV16_RUN=$TMP/RUN in its environment
	procs=$(grep -lsz "^ADV16_RUN=$TMP/$run\$" /proc/[0-9]*/environ | cut -d/ -f3 | tr '\n' ' ')
	[ -n "$procs" ] && left="$left processes $procs($(ps -o args= -p "${procs%% *}" | cut -c1-60));"
	compgen -G "$f*" >/dev/null && left="$left files $f*;"
	compgen -G "$g" >/dev/null && left="$left $(compgen -G "$g" | tr '\n' ' ');"
	echo "$left"
}
# killed NAME PID CGROUP: waits until the run's memory cgroup holds its hog
# (the pressure phase), then SIGKILLs the run's main shell only (as the OOM
# killer or `kill -9 PID` would)
killed() {
	local i
	for i in $(seq 1800); do
		grep -q . "$3/cgroup.procs" 2>/dev/null && pgrep -f -- "dd if=/dev/zero of=/var/tmp/[a-z-]*$2.fill" >/dev/null && break
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	if ! kill -0 "$2" 2>/dev/null || ! grep -q . "$3/cgroup.procs" 2>/dev/null; then
		fail "$1: reaches its memory pressure phase" "$(tail -3 "$TMP/$1.log" | tr '\r\n' '  ')"
		return 1
	fi
	sleep 1
	kill -9 "$2"
	wait "$2" 2>/dev/null
	sleep 1
}

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# Mutation: t_storage with nbd:// registered on a wrong port (lifeline then
# drops the disk's traffic at critical) must fail, and within bounds (it
# hung: the writer's dd blocked in D state on the remote disk, and
# t_storage waited for it forever). Only its NBD part runs.
M=$TMP/t_storage_mut.sh
sed -e "s|\$(dirname \"\$0\")/|$TOP/tests/|g" -e 's|ll flow add nbd://\$SRV4 --name nbd|ll flow add nbd://$SRV4:10810 --name nbd|' \
	-e 's|^disk_under_flood iscsidisk iscsi iscsi|summary; exit|' "$TOP/tests/t_storage.sh" >"$M"
if grep -q 'nbd://$SRV4:10810' "$M" && grep -q '^summary; exit' "$M"; then
	setsid bash -c "export ADV16_RUN=$TMP/\$\$; exec bash '$M'" >"$TMP/mut.log" 2>&1 &
	P=$!
	KPIDS+=($P)
	for _ in $(seq 2400); do kill -0 $P 2>/dev/null || break; sleep 0.1; done
	if kill -0 $P 2>/dev/null; then
		fail "t_storage, nbd:// on a wrong port: fails within 240 s" "still running: $(tail -2 "$TMP/mut.log" | tr '\n' ' ')"
		kill -9 $P; wait $P 2>/dev/null
		next_run	# reaps it (aborts its FUSE connection, which ends the stuck dd)
	else
		wait $P; rc=$?
		[ $rc != 0 ] && grep -q '^FAIL nbd: writes under flood' "$TMP/mut.log" && grep -q '^FAIL nbd: flow hits' "$TMP/mut.log" &&
			pass "t_storage, nbd:// on a wrong port: fails within 240 s (writes, flow hits)" ||
			fail "t_storage, nbd:// on a wrong port: fails within 240 s" "exit $rc: $(grep '^FAIL' "$TMP/mut.log" | head -3 | tr '\n' ' ')"
	fi
else
	fail "t_storage mutation" "the sed did not apply: t_storage.sh changed"
fi

# fsio.sh stopped by an impatient user: TERM to its process group every
# 0.3 s once its disk is mounted (a second Ctrl-C cut its clean-up short:
# mount, loop device, QEMU, namespaces left for the next run)
setsid bash -c "export ADV16_RUN=$TMP/\$\$; exec '$TOP/bench/fsio.sh' --protos nbd --no-memcg 1 1" >"$TMP/fsio-int.log" 2>&1 &
P=$!
KPIDS+=($P)
for _ in $(seq 900); do
	grep -qs " /var/tmp/llstorage/fsio$P/nbd.mnt " /proc/self/mountinfo && break
	kill -0 $P 2>/dev/null || break
	sleep 0.1
done
if grep -qs " /var/tmp/llstorage/fsio$P/nbd.mnt " /proc/self/mountinfo; then
	for _ in $(seq 100); do kill -TERM -- -$P 2>/dev/null || break; sleep 0.3; done
	wait $P; rc=$?
	left=""
	[ -e /var/tmp/llstorage/fsio$P ] && left="$left /var/tmp/llstorage/fsio$P;"
	grep -q "/var/tmp/llstorage/fsio$P/" /proc/self/mountinfo && left="$left a mount;"
	grep -qs "/var/tmp/llstorage/fsio$P/" /sys/block/loop*/loop/backing_file && left="$left a loop device;"
	ip netns list | grep -qE "ll(srv|cli)fsio$P( |\$)" && left="$left its namespaces;"
	pgrep -f "fsio$P/|llnbdfsio$P" >/dev/null && left="$left $(pgrep -f "fsio$P/|llnbdfsio$P" | wc -l) processes;"
	[ $rc = 130 ] && [ -z "$left" ] && pass "fsio.sh: TERM after TERM, exit 130, its clean-up complete" ||
		fail "fsio.sh: TERM after TERM, exit 130, its clean-up complete" "exit $rc, left:$left $(tail -2 "$TMP/fsio-int.log" | tr '\r\n' '  ')"
else
	fail "fsio.sh mounts its disk" "$(tail -3 "$TMP/fsio-int.log" | tr '\r\n' '  ')"
fi
setsid bash -c "export ADV16_RUN=$TMP/\$\$; exec '$TOP/bench/fsio.sh' --protos nbd --modes tc 1 1" >"$TMP/fsio.log" 2>&1 &
P=$!
KPIDS+=($P)
if killed fsio $P /sys/fs/cgroup/memory/llfsio-$P; then
	before=$(leftovers $P /sys/fs/cgroup/memory/llfsio-$P /var/tmp/llfsio-$P.fill "/tmp/llfsio-$P.*")
	next_run
	left=$(leftovers $P /sys/fs/cgroup/memory/llfsio-$P /var/tmp/llfsio-$P.fill "/tmp/llfsio-$P.*")
	[ -z "$left" ] && pass "fsio killed in its memcg case: the next run removes what it left ($before)" ||
		fail "fsio killed in its memcg case: the next run removes what it left" "$left"
fi

LIFELINE_DEMO_OUT=$TMP/out setsid bash -c "export ADV16_RUN=$TMP/\$\$; exec env --default-signal=INT '$TOP/bench/demo.sh' --quick" >"$TMP/demo.log" 2>&1 &
P=$!
KPIDS+=($P)
if killed demo $P /sys/fs/cgroup/memory/lifeline-demo-$P; then
	before=$(leftovers $P /sys/fs/cgroup/memory/lifeline-demo-$P /var/tmp/lifeline-demo-$P.fill "/tmp/lldemo-$P.*")
	next_run
	# the worker the demo runs its phases in, if it outlived the main shell,
	# goes on creating; give it a moment, then look again
	sleep 2
	left=$(leftovers $P /sys/fs/cgroup/memory/lifeline-demo-$P /var/tmp/lifeline-demo-$P.fill "/tmp/lldemo-$P.*")
	[ -z "$left" ] && pass "demo killed under pressure: the next run removes what it left ($before)" ||
		fail "demo killed under pressure: the next run removes what it left" "$left"
fi
summary
