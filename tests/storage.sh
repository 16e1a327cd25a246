# Shared by tests/t_storage.sh, bench/blockio.sh and bench/demo.sh: a real
# ext4 filesystem on a remote disk, over real storage protocols, between the
# namespaces of tests/netns.sh (source that first).
#
#   server namespace: nbdkit (NBD, port 10809) or tgtd (iSCSI, port 3260)
#   client namespace: qemu-storage-daemon, the NBD or iSCSI client, exports
#                     the remote disk as a file through FUSE
#   host:             losetup on that file, mkfs.ext4, mount
#
# Page writeback then goes ext4 -> loop -> FUSE -> QEMU's NBD/iSCSI client
# -> TCP over the veth -> the server. The FUSE mount and the loop device are
# host objects (only the network is namespaced): everything lives under
# $ST_DIR (/var/tmp/llstorage/$LL_NS_ID), which records its owner; st_init
# first reaps what a run that died left behind, and st_cleanup removes what
# this run made. Call st_cleanup before ns_cleanup (which kills qemu).

ST_ROOT=/var/tmp/llstorage
ST_DIR=$ST_ROOT/$LL_NS_ID
ST_IQN=iqn.2026-12.org.example.lifeline:disk-$LL_NS_ID
ST_CTL=""		# tgtd's management port (its socket is /var/run/tgtd/socket.N)

# The owner of a run directory: "PID STARTTIME" (start time from /proc, so a
# reused PID is not taken for the owner).
st_owner() { [ -r "/proc/$1/stat" ] && echo "$1 $(awk '{ print $22 }' "/proc/$1/stat")"; }

# st_fuse_abort FILE: aborts the FUSE connection mounted on FILE, which makes
# every pending and future request on it fail at once (an unmount that hangs
# on a dead or stuck daemon then completes). The connection's directory under
# /sys/fs/fuse/connections is the minor number of the mount's device, read
# from mountinfo (a stat of the file itself could hang).
st_fuse_abort() {
	local dev
	dev=$(awk -v m="$1" '$5 == m && $0 ~ / - fuse/ { print $3; exit }' /proc/self/mountinfo)
	[ -n "$dev" ] || return 0
	mountpoint -q /sys/fs/fuse/connections || mount -t fusectl fusectl /sys/fs/fuse/connections 2>/dev/null
	[ -w "/sys/fs/fuse/connections/${dev#*:}/abort" ] && echo 1 >"/sys/fs/fuse/connections/${dev#*:}/abort"
	return 0
}
st_mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

# st_abort_all DIR: aborts every FUSE connection mounted below DIR.
st_abort_all() {
	local m
	for m in $(awk -v d="$1/" 'index($5, d) == 1 && $0 ~ / - fuse/ { print $5 }' /proc/self/mountinfo); do
		st_fuse_abort "$m"
	done
}

# st_bounded SECS DIR CMD...: runs CMD; if it has not ended after SECS (an
# unmount or loop detach waiting on a stuck FUSE daemon sleeps
# uninterruptibly, so timeout(1) cannot end it), aborts the FUSE connections
# below DIR, which makes CMD's pending requests fail, and waits for it.
st_bounded() {
	local secs=$1 dir=$2 p i
	shift 2
	"$@" &
	p=$!
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 $p 2>/dev/null || { wait $p; return; }
		sleep 0.1
	done
	echo "storage: $* hangs after $secs s: aborting the FUSE connections below $dir" >&2
	st_abort_all "$dir"
	wait $p
}

# st_loops IMG: the loop devices backed by IMG, from sysfs (losetup -j would
# stat IMG, which hangs when its FUSE daemon is stuck).
st_loops() {
	local f
	for f in /sys/block/loop*/loop/backing_file; do
		[ -r "$f" ] && [ "$(cat "$f" 2>/dev/null)" = "$1" ] && { f=${f#/sys/block/}; echo "/dev/${f%%/*}"; }
	done
	return 0
}

# st_umount DIR: unmounts the filesystem on DIR (10 s at most before the FUSE
# connections of the run are aborted; a lazy detach if even that fails).
st_umount() {
	local d=$1
	st_mounted "$d" || return 0
	st_bounded 10 "$ST_DIR" umount "$d" && return 0
	st_mounted "$d" && umount -l "$d" 2>/dev/null
	! st_mounted "$d"
}

# st_own proc PID | cgroup DIR | files PREFIX | dir DIR: records in this
# run's directory a host object it made outside it, for st_reap: a helper
# in the host's namespaces (with its start time, so a reused PID is not
# killed), a memory cgroup (its processes killed, then removed), files
# PREFIX and PREFIX.*, a directory.
st_own() {
	case $1 in
	proc) echo "proc $(st_owner "$2")" ;;
	cgroup|files|dir) case $2 in /?*/?*) echo "$1 $2" ;; *) return 1 ;; esac ;;
	*) return 1 ;;
	esac >>"$ST_DIR/owns"
}
# st_cg_kill DIR: kills every process in the cgroup DIR (a loop forking
# new ones: until it is empty, 2 s at most)
st_cg_kill() {
	local p i
	for i in $(seq 20); do
		grep -qs . "$1/cgroup.procs" || return 0
		while read -r p; do kill -9 "$p" 2>/dev/null; done <"$1/cgroup.procs"
		sleep 0.1
	done
}

# st_reap DIR: removes everything a run recorded in DIR: its helpers and
# memory cgroups (first: a writer keeps the mount busy), mounts, loop
# devices, qemu-storage-daemon, FUSE mounts, tgtd, nbdkit, the namespaces,
# its files and directories outside DIR.
st_reap() {
	local d=$1 f p l ns kind a b
	if [ -f "$d/owns" ]; then
		while read -r kind a b; do
			case $kind in
			proc) [ -n "$b" ] && [ "$(st_owner "$a")" = "$a $b" ] && kill -9 "$a" 2>/dev/null ;;
			cgroup) st_cg_kill "$a" ;;
			esac
		done <"$d/owns"
	fi
	for f in "$d"/*.mnt; do ST_DIR=$d st_umount "$f"; done
	for f in "$d"/*.img; do
		for l in $(st_loops "$f"); do st_bounded 10 "$d" losetup -d "$l" 2>/dev/null; done
	done
	for p in "$d"/*.qsd.pid; do
		[ -f "$p" ] || continue
		st_stop_pid "$(cat "$p")" "${p%.qsd.pid}.img"
	done
	for f in "$d"/*.img; do st_mounted "$f" && { st_fuse_abort "$f"; umount -l "$f" 2>/dev/null; }; done
	[ -f "$d/tgtd.ctl" ] && st_tgtd_stop "$(cat "$d/tgtd.ctl")" "$d"
	rm -f "$(st_lun "$d")"
	[ -f "$d/nbdkit.pid" ] && kill -9 "$(cat "$d/nbdkit.pid")" 2>/dev/null
	rm -f "/tmp/llnbd${d##*/}.pid"
	[ -f "$d/pin" ] && rm -rf "$(cat "$d/pin")"
	if [ -f "$d/netns" ]; then
		for ns in $(cat "$d/netns"); do
			ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
			ip netns del "$ns" 2>/dev/null
		done
	fi
	if [ -f "$d/owns" ]; then
		while read -r kind a b; do
			case $a in /?*/?*) ;; *) continue ;; esac	# absolute paths only
			case $kind in
			cgroup) st_cg_kill "$a"; [ -d "$a" ] && rmdir "$a" 2>/dev/null ;;
			files) rm -f "$a" "$a".* ;;
			dir) rm -rf "$a" ;;
			esac
		done <"$d/owns"
	fi
	# only once nothing is mounted below it (rm would stat a stuck FUSE file)
	awk -v d="$d/" 'index($5, d) == 1 { f = 1 } END { exit f }' /proc/self/mountinfo && rm -rf "$d"
}

# st_stop_pid PID [FUSEFILE]: SIGTERM, up to 5 s, then the FUSE abort and SIGKILL.
st_stop_pid() {
	local p=$1 i
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null || return 0
	for i in $(seq 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
	[ -n "${2:-}" ] && st_fuse_abort "$2"
	kill -9 "$p" 2>/dev/null
	for i in $(seq 20); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
}

# st_init: reaps runs whose owner is gone, then creates this run's directory.
st_init() {
	local d owner
	mkdir -p "$ST_ROOT" || return 1
	(
		flock 9
		for d in "$ST_ROOT"/*/; do
			d=${d%/}
			[ -d "$d" ] || continue
			owner=$(cat "$d/owner" 2>/dev/null)
			if [ -z "$owner" ] || [ "$(st_owner "${owner%% *}")" != "$owner" ]; then
				echo "storage: reaping $d, left behind by a run that died" >&2
				st_reap "$d"
			fi
		done
		# created and owned under the lock: another run's st_init never
		# sees this directory without its owner (and reaps it)
		mkdir -p "$ST_DIR" && st_owner $$ >"$ST_DIR/owner"
	) 9>"$ST_ROOT/.lock"
	[ -s "$ST_DIR/owner" ] && echo "$NS_SRV $NS_CLI" >"$ST_DIR/netns" &&
		echo "${LIFELINE_PIN_PATH:-${PIN:-}}" | grep -q '^/sys/fs/bpf/..' &&
		echo "${LIFELINE_PIN_PATH:-$PIN}" >"$ST_DIR/pin"
	[ -d "$ST_DIR" ]
}

st_cleanup() {
	[ -d "$ST_DIR" ] && st_reap "$ST_DIR"
	return 0
}

# ------------------------------------------------------------------ servers
# st_nbd_server SIZE: nbdkit (memory plugin) on $SRV4:10809.
st_nbd_server() {
	nbd_start "$1" || return 1
	cp "/tmp/llnbd$LL_NS_ID.pid" "$ST_DIR/nbdkit.pid"
}

# st_iscsi_server SIZE: tgtd on $SRV4:3260, target $ST_IQN, LUN 1 a sparse
# file of SIZE (bytes or with a K/M/G suffix, as truncate takes it) in
# /dev/shm, memory like nbdkit's disk (on /var/tmp, every fsync would wait
# for this host's own disk). tgtd's management socket is host-wide
# (/var/run/tgtd/socket.N): N is picked free.
st_lun() { local d=${1:-$ST_DIR}; echo "/dev/shm/llstorage-${d##*/}.lun"; }
st_iscsi_server() {
	local c i
	truncate -s "$1" "$(st_lun)" || return 1
	for i in $(seq 20); do
		c=$((20000 + (${LL_NS_ID//[!0-9]/} + i * 7919) % 20000))
		[ -e "/var/run/tgtd/socket.$c" ] && continue
		echo "$c" >"$ST_DIR/tgtd.ctl"
		setsid nsenter --net=/run/netns/$NS_SRV tgtd -f -C "$c" --iscsi portal=$SRV4:3260 \
			>"$ST_DIR/tgtd.log" 2>&1 &
		echo $! >"$ST_DIR/tgtd.pid"
		for _ in $(seq 50); do
			tgtadm -C "$c" --lld iscsi --mode target --op show >/dev/null 2>&1 && break
			kill -0 "$(cat "$ST_DIR/tgtd.pid")" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$(cat "$ST_DIR/tgtd.pid")" 2>/dev/null && { ST_CTL=$c; break; }
		rm -f "$ST_DIR/tgtd.ctl" "$ST_DIR/tgtd.pid"
	done
	[ -n "$ST_CTL" ] || return 1
	tgtadm -C "$ST_CTL" --lld iscsi --mode target --op new --tid 1 -T "$ST_IQN" &&
		tgtadm -C "$ST_CTL" --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 -b "$(st_lun)" &&
		tgtadm -C "$ST_CTL" --lld iscsi --mode target --op bind --tid 1 -I ALL || return 1
	# 256 KiB data PDUs and unsolicited data, as a SAN target would be set
	# up (tgtd's 8 KiB and InitialR2T=Yes defaults: sequential writes at
	# 67-87 MB/s here instead of 113-115)
	local kv
	for kv in MaxRecvDataSegmentLength=262144 MaxXmitDataSegmentLength=262144 \
		  InitialR2T=No FirstBurstLength=262144 MaxBurstLength=1048576; do
		tgtadm -C "$ST_CTL" --lld iscsi --mode target --op update --tid 1 \
			--name "${kv%%=*}" --value "${kv#*=}" || return 1
	done
}

# st_tgtd_stop CTL DIR: tgtd exits on "system delete" once its targets are gone
# (it ignores SIGTERM while it has targets).
st_tgtd_stop() {
	local c=$1 d=$2 p
	p=$(cat "$d/tgtd.pid" 2>/dev/null)
	if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
		timeout 5 tgtadm -C "$c" --lld iscsi --mode target --op delete --force --tid 1 >/dev/null 2>&1
		timeout 5 tgtadm -C "$c" --mode system --op delete >/dev/null 2>&1
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	fi
	rm -f "/var/run/tgtd/socket.$c" "/var/run/tgtd/socket.$c.lock" "$d/tgtd.ctl" "$d/tgtd.pid"
}

# ------------------------------------------------------------------ the client
# st_attach NAME nbd|iscsi [CPUS]: qemu-storage-daemon in the client namespace
# (on CPUS if given) connects to the server and exports the disk on
# $ST_DIR/NAME.img; a loop device goes on it. Sets ST_LOOP.
st_attach() {
	local name=$1 kind=$2 img=$ST_DIR/$1.img bd pin=()
	case $kind in
	nbd)   bd="driver=nbd,node-name=disk,server.type=inet,server.host=$SRV4,server.port=10809" ;;
	iscsi) bd="driver=iscsi,node-name=disk,transport=tcp,portal=$SRV4:3260,target=$ST_IQN,lun=1,initiator-name=iqn.2026-12.org.example.lifeline:client-$LL_NS_ID" ;;
	*) return 1 ;;
	esac
	[ -n "${3:-}" ] && pin=(taskset -c "$3")
	touch "$img" || return 1
	# setsid: out of the caller's process group, so a Ctrl-C at the terminal
	# does not kill the disk under a mounted filesystem (the caller's cleanup
	# unmounts first, then stops it)
	setsid nsenter --net=/run/netns/$NS_CLI "${pin[@]}" qemu-storage-daemon --blockdev "$bd" \
		--export "type=fuse,id=exp,node-name=disk,mountpoint=$img,writable=on" \
		--pidfile "$ST_DIR/$name.qsd.pid" --daemonize >"$ST_DIR/$name.qsd.log" 2>&1 || return 1
	# Buffered, not --direct-io=on: with direct I/O, mkfs.ext4 then mount
	# failed on 2 of 4 fresh disks here (journal inode checksum invalid)
	# with qemu-storage-daemon 7.2's FUSE export; buffered, never.
	ST_LOOP=$(losetup -f --show "$img") || return 1
	echo "$ST_LOOP" >"$ST_DIR/$name.loop"
}

# st_detach NAME: the loop device, then qemu-storage-daemon (its FUSE mount goes with it).
st_detach() {
	local img=$ST_DIR/$1.img l
	for l in $(st_loops "$img"); do st_bounded 10 "$ST_DIR" losetup -d "$l" 2>/dev/null; done
	[ -f "$ST_DIR/$1.qsd.pid" ] && st_stop_pid "$(cat "$ST_DIR/$1.qsd.pid")" "$img"
	rm -f "$ST_DIR/$1.qsd.pid" "$ST_DIR/$1.loop"
	st_mounted "$img" && { st_fuse_abort "$img"; umount -l "$img" 2>/dev/null; }
	! st_mounted "$img" && [ -z "$(st_loops "$img")" ]
}

# st_mkfs NAME: ext4 on the loop device, mounted on $ST_DIR/NAME.mnt (ST_MNT).
st_mkfs() {
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$(cat "$ST_DIR/$1.loop")" >/dev/null 2>&1 &&
		st_mount "$1"
}
st_mount() {
	ST_MNT=$ST_DIR/$1.mnt
	mkdir -p "$ST_MNT" && mount -t ext4 "$(cat "$ST_DIR/$1.loop")" "$ST_MNT"
}
