#!/usr/bin/env bash
# Real storage stacks end to end: a real ext4 filesystem on a remote disk,
# over QEMU's NBD client (nbdkit serving) and over QEMU's iSCSI client (tgtd
# serving), through loop and FUSE (tests/storage.sh). lifeline is attached to
# the client's veth in tc mode (what the README recommends on a veth) with
# the servers registered as nbd:// and iscsi://. At `critical`, under a UDP
# flood, files are written and fsynced; the flood must be dropped at tc
# ingress (counters) while every write and fsync completes; then unmount,
# detach the disk (new client, new connection), `e2fsck -fn` clean, mount
# again, checksums equal. nvme-tcp:// and nfs:// are checked at the packet
# level: TCP services on ports 4420 and 2049 keep working at critical, a
# neighbouring unregistered port does not. Everything it starts it stops.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/storage.sh"

PIN=/sys/fs/bpf/lltest-storage-$$
TMP=$(mktemp -d)
UDP=$TOP/build/tests/tool_net

cleanup() {
	[ -n "${FLOOD:-}" ] && kill $FLOOD 2>/dev/null
	st_cleanup
	nbd_stop
	ll detach --all >/dev/null 2>&1
	ns_cleanup
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

for t in qemu-storage-daemon tgtd tgtadm mkfs.ext4 e2fsck losetup nbdkit; do
	if ! command -v $t >/dev/null; then
		skip storage "$t not installed (make deps)"; summary; exit 0
	fi
done
if [ ! -c /dev/fuse ] || [ ! -e /dev/loop-control ]; then
	skip storage "no /dev/fuse or /dev/loop-control"; summary; exit 0
fi
if ! ns_setup || ! st_init; then
	fail setup "cannot create the test namespaces or $ST_DIR"; summary; exit 1
fi

check "attach --mode tc on the client's veth" ll attach $DEV_CLI --mode tc
check "flow add nbd://" ll flow add nbd://$SRV4 --name nbd
check "flow add iscsi://" ll flow add iscsi://$SRV4 --name iscsi
if st_nbd_server 256M; then pass "nbdkit serving"; else fail nbdkit "did not start"; fi
if st_iscsi_server 256M; then pass "tgtd serving $ST_IQN"; else fail tgtd "did not start: $(tail -3 "$ST_DIR/tgtd.log" 2>/dev/null)"; fi

hits() { ll -j flow list | jq "[.rules[] | select(.name == \"$1\") | .packets] | add // 0"; }
drops() { ll -j stats | jq '.hooks.tc_ingress.drop_critical.packets'; }

# writer DIR SECONDS: until SECONDS have passed, 1 MiB files written with
# fsync and 4 KiB writes each followed by fsync (dd oflag=dsync); prints the
# number of files, each checksummed into DIR/../sums from the source data.
writer() {
	local dir=$1 end=$((SECONDS + $2)) n=0
	: >"$TMP/sums"
	while [ $SECONDS -lt $end ] || [ $n -lt 2 ]; do
		head -c 1M /dev/urandom >"$TMP/src" || return 1
		dd if="$TMP/src" of="$dir/big$n" bs=256k conv=fsync status=none || return 1
		dd if="$TMP/src" of="$dir/small$n" bs=4k count=64 oflag=dsync status=none || return 1
		(cd "$TMP" && sha256sum src | sed "s| src| big$n|") >>"$TMP/sums"
		(head -c 256k "$TMP/src" | sha256sum | sed "s| -| small$n|") >>"$TMP/sums"
		n=$((n + 1))
	done
	echo $n
}

# disk_under_flood NAME KIND FLOW: the whole cycle on one protocol.
disk_under_flood() {
	local name=$1 kind=$2 flow=$3 h0 h1 d0 d1 rx tx n
	if ! st_attach "$name" "$kind"; then
		fail "$kind: qemu-storage-daemon" "$(tail -3 "$ST_DIR/$name.qsd.log")"; return
	fi
	if st_mkfs "$name"; then pass "$kind: ext4 made and mounted over QEMU's $kind client"; else
		fail "$kind: mkfs/mount" "on $(cat "$ST_DIR/$name.loop")"; return; fi
	check "$kind: pressure set critical" ll pressure set critical
	h0=$(hits "$flow"); d0=$(drops)
	in_cli "$UDP" recv $CLIF4 9999 6 >"$TMP/rx" &
	local RX=$!
	sleep 0.2
	nsenter --net=/run/netns/$NS_SRV "$UDP" send $FLOOD4 $CLIF4 9999 5.5 >"$TMP/tx" &
	FLOOD=$!
	sleep 0.3
	# (into a file: a $(...) waited for a dd stuck in D state on a disk whose
	# traffic lifeline drops, holding the pipe: the suite hung, never failed)
	if timeout 60 bash -c "$(declare -f writer); TMP=$TMP writer $ST_MNT 4" >"$TMP/n" && n=$(cat "$TMP/n"); then
		pass "$kind: under flood at critical: $n x (1 MiB + fsync, 64 x 4 KiB + fsync) completed"
	else
		fail "$kind: writes under flood" "the writer failed or did not finish within 60 s"
	fi
	wait $FLOOD; FLOOD=""; wait $RX
	rx=$(awk '{print $2}' "$TMP/rx"); tx=$(awk '{print $2}' "$TMP/tx")
	h1=$(hits "$flow"); d1=$(drops)
	if [ "${rx:-1}" = 0 ] && [ "${tx:-0}" -gt 10000 ]; then pass "$kind: flood dropped before the socket (0 of $tx received)"; else
		fail "$kind: flood" "${rx:-?} of ${tx:-?} received"; fi
	if [ $((d1 - d0)) -ge $((${tx:-0} / 2)) ] && [ "${tx:-0}" -gt 0 ]; then pass "$kind: drops counted at tc ingress ($((d1 - d0)) of $tx)"; else
		fail "$kind: drop counter" "$d0 -> $d1 for ${tx:-?} sent"; fi
	if [ $((h1 - h0)) -gt 1000 ]; then pass "$kind: its traffic passed by the $flow flow ($((h1 - h0)) packets)"; else
		fail "$kind: flow hits" "$h0 -> $h1"; fi
	check "$kind: pressure clear" ll pressure clear
	check "$kind: unmount" st_umount "$ST_MNT"
	# A new client and connection: what is read back comes from the server.
	check "$kind: detach (loop, qemu-storage-daemon, FUSE)" st_detach "$name"
	if ! st_attach "$name" "$kind"; then fail "$kind: re-attach" "$(tail -3 "$ST_DIR/$name.qsd.log")"; return; fi
	check "$kind: e2fsck -fn clean" e2fsck -fn "$(cat "$ST_DIR/$name.loop")"
	check "$kind: mount again" st_mount "$name"
	local bad
	bad=$(cd "$ST_MNT" && sha256sum -c --quiet "$TMP/sums" 2>&1 | grep -c FAILED)
	if [ "$bad" = 0 ] && [ "$(wc -l <"$TMP/sums")" -ge 4 ]; then pass "$kind: $(wc -l <"$TMP/sums") checksums equal after remount"; else
		fail "$kind: checksums" "$bad of $(wc -l <"$TMP/sums") differ"; fi
	check "$kind: unmount again" st_umount "$ST_MNT"
	check "$kind: detach again" st_detach "$name"
}

disk_under_flood nbddisk nbd nbd
disk_under_flood iscsidisk iscsi iscsi

# ------------------------------------------------------------------ nvme-tcp, nfs: packet level
# TCP services on the servers' real ports (nbdkit stands in for the
# protocol: what lifeline matches is the 5-tuple), data verified; a
# neighbouring port of the same server, unregistered, is dropped.
check "flow add nvme-tcp://" ll flow add nvme-tcp://$SRV4 --name nvme
check "flow add nfs://" ll flow add nfs://$SRV4 --name nfs
for port in 4420 2049 4421; do
	in_srv nbdkit -i $SRV4 -p $port -P "$ST_DIR/nbdkit-$port.pid" memory 16M >/dev/null 2>&1
done
head -c 4M /dev/urandom >"$TMP/data"
roundtrip() {	# roundtrip PORT: write 4 MiB, read it back, compare
	in_cli timeout 10 nbdcopy "$TMP/data" nbd://$SRV4:$1 >/dev/null 2>&1 &&
		in_cli timeout 10 nbdcopy nbd://$SRV4:$1 - 2>/dev/null | head -c 4M | cmp -s - "$TMP/data"
}
check "level none: port 4421 (unregistered) works" roundtrip 4421
check "pressure set critical" ll pressure set critical
nsenter --net=/run/netns/$NS_SRV "$UDP" send $FLOOD4 $CLIF4 9999 20 >/dev/null &
FLOOD=$!
for p in "4420 nvme nvme-tcp" "2049 nfs nfs"; do
	read -r port flow what <<<"$p"
	h0=$(hits $flow)
	check "critical, under flood: $what port $port data verified" roundtrip $port
	h1=$(hits $flow)
	if [ $((h1 - h0)) -gt 100 ]; then pass "$what: passed by its flow ($((h1 - h0)) packets)"; else fail "$what: flow hits" "$h0 -> $h1"; fi
done
# the flood stopped first: the drops counted next are the probe's own (while
# the flood ran, the counter grew whatever became of port 4421)
kill $FLOOD 2>/dev/null; wait $FLOOD 2>/dev/null; FLOOD=""
d0=$(drops)
if roundtrip 4421; then fail "critical: unregistered port 4421" "worked"; else pass "critical: unregistered port 4421 dropped"; fi
d1=$(drops)
[ $((d1 - d0)) -gt 0 ] && pass "critical: tc ingress drop counter grew by the probe's packets ($((d1 - d0)))" || fail "critical: drop counter" "$d0 -> $d1"
check "pressure clear" ll pressure clear
for port in 4420 2049 4421; do kill "$(cat "$ST_DIR/nbdkit-$port.pid")" 2>/dev/null; done

# ------------------------------------------------------------------ teardown leaves nothing
st_cleanup
left=$(grep -c "$ST_DIR" /proc/self/mountinfo)
if [ "$left" = 0 ] && [ ! -d "$ST_DIR" ] && [ -z "$(st_loops "$ST_DIR/nbddisk.img")$(st_loops "$ST_DIR/iscsidisk.img")" ]; then
	pass "teardown: no mount, loop device or run directory left"
else
	fail teardown "$left mounts under $ST_DIR left"
fi
summary
