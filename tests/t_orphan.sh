#!/usr/bin/env bash
# Pins removed while attached (rm -r of the pin directory, or of the state
# pin alone) at critical, with a manual override "until cleared": the tc
# filters keep their programs and the programs their maps, so the datapath
# goes on enforcing. Every such orphan must be reachable: status shows it
# (exit 1, .orphaned in -j), pressure clear clears its override (the flood
# arrives again), detach removes it, attach replaces it. In XDP mode and in
# --mode tc; without CAP_SYS_ADMIN a one-line error says what to do; another
# instance's programs (a second pin path) are not orphans.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

# An orphan needs clsact filters: a tcx or XDP link goes with its pin. So
# this suite runs lifeline's clsact fallback (the kernels without tcx).
export LIFELINE_NO_TCX=1
PIN=/sys/fs/bpf/lltest-orphan-$$
PIN2=/sys/fs/bpf/lltest-orphan2-$$
TMP=$(mktemp -d)
UDP=$TOP/build/tests/tool_net
DUM=llo$$

cleanup() {
	mountpoint -q "$TMP/bpffs" && umount "$TMP/bpffs"
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	in_cli env LIFELINE_PIN_PATH=$PIN2 "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	rm -rf "$PIN" "$PIN2" "$TMP"
}
trap cleanup EXIT

if ! ns_setup; then
	fail setup "cannot create the test namespaces"
	summary
	exit 1
fi

# lifeline's filter on the client's ingress (by its handle), present or not
ll_filter() { in_cli tc filter show dev $DEV_CLI ingress | grep -q "handle 0x4c4c"; }
nosys() { in_cli env LIFELINE_PIN_PATH=$PIN setpriv --bounding-set=-sys_admin "$LL" "$@"; }

# orphan MODE LABEL: attach, critical until cleared, pins removed
orphan() {
	local rx
	ll attach $DEV_CLI --mode "$1" >/dev/null || { fail "$2: attach" "attach --mode $1 failed"; return 1; }
	ll flow add nbd://$SRV4 >/dev/null
	ll pressure set critical >/dev/null
	rx=$(flood_rx)
	[ "${rx:-1}" = 0 ] && pass "$2: critical drops the flood" || fail "$2: critical" "$rx received"
	rm -rf "$PIN"
}

for mode in tc native; do
	label="pins removed, --mode $mode"
	orphan $mode "$label" || continue
	if [ $mode = tc ]; then
		rx=$(flood_rx)
		[ "${rx:-1}" = 0 ] && pass "$label: the orphan still drops the flood (the case to reach)" ||
			fail "$label: orphan" "$rx received"
	else
		# the XDP link went with its pin; the tc filters stay (pfmemalloc check, marks)
		ll_filter && pass "$label: XDP gone with its link pin, the tc filters stay" ||
			fail "$label: tc filters" "none left: nothing to find"
	fi
	out=$(ll -j status 2>"$TMP/err"); rc=$?
	if [ $rc = 1 ] && jq -e --arg d $DEV_CLI '(.set_up | not) and (.orphaned | length == 1) and
		.orphaned[0].interface == $d and .orphaned[0].verified and
		.orphaned[0].pressure.level == "critical" and .orphaned[0].pressure.source == "manual" and
		.orphaned[0].state_map_id > 0' <<<"$out" >/dev/null && [ "$(wc -l <"$TMP/err")" = 1 ]; then
		pass "$label: status -j exits 1 and lists the orphan at critical"
	else
		fail "$label: status" "exit $rc: $(head -c 400 <<<"$out") $(cat "$TMP/err")"
	fi
	ll status 2>/dev/null | grep -q "ORPHANED" && pass "$label: status says ORPHANED" ||
		fail "$label: status text" "$(ll status 2>&1 | head -5)"
	[ $mode = native ] && [ "$(ll -j status 2>/dev/null | jq -r '.orphaned[0].policy_hook')" = none ] &&
		pass "$label: the orphan holds no policy hook"
	# without CAP_SYS_ADMIN a program cannot be read by id: one line says so
	out=$(nosys status 2>&1 >/dev/null); rc=$?
	[ $rc = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q "CAP_SYS_ADMIN" <<<"$out" &&
		pass "$label: without CAP_SYS_ADMIN status says what to do in one line" ||
		fail "$label: status without CAP_SYS_ADMIN" "exit $rc: $out"
	out=$(nosys pressure clear 2>&1 >/dev/null); rc=$?
	[ $rc = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q "CAP_SYS_ADMIN" <<<"$out" &&
		pass "$label: without CAP_SYS_ADMIN pressure clear says what to do in one line" ||
		fail "$label: pressure clear without CAP_SYS_ADMIN" "exit $rc: $out"
	jqt "$label: pressure clear clears the orphan's override" \
		'.orphaned | length == 1 and .[0].pressure.level == "none"' pressure clear
	if [ $mode = tc ]; then
		rx=$(flood_rx)
		[ "${rx:-0}" -gt 1000 ] && pass "$label: the flood arrives once cleared ($rx)" ||
			fail "$label: after clear" "only ${rx:-0} received"
	fi
	jqt "$label: detach DEV removes the orphan" '.detached == ["'$DEV_CLI'"]' detach $DEV_CLI
	ll_filter && fail "$label: after detach" "lifeline's filter still there" ||
		pass "$label: no lifeline filter left"
	out=$(ll -j status 2>&1); rc=$?
	[ $rc = 1 ] && grep -q "not set up" <<<"$out" && pass "$label: status after detach: not set up, no orphan" ||
		fail "$label: status after detach" "exit $rc: $out"
	in_cli tc qdisc del dev $DEV_CLI clsact 2>/dev/null
done

# attach replaces an orphan, detach --all removes one
orphan tc "attach over an orphan"
jqt "attach over an orphan: attached" '.policy_hook == "tc_ingress"' attach $DEV_CLI --mode tc
jqt "attach over an orphan: no orphan left" '.orphaned == [] and .pressure.level == "none"' status
rx=$(flood_rx)
[ "${rx:-0}" -gt 1000 ] && pass "attach over an orphan: the flood arrives at none ($rx)" ||
	fail "attach over an orphan: flood" "only ${rx:-0} received"
rm -rf "$PIN"
jqt "detach --all removes an orphan" '.detached == ["'$DEV_CLI'"]' detach --all
ll_filter && fail "detach --all" "lifeline's filter still there" || pass "detach --all: no lifeline filter left"
in_cli tc qdisc del dev $DEV_CLI clsact 2>/dev/null

# only the state pin removed, XDP links still pinned: the XDP program is the orphan
ll attach $DEV_CLI >/dev/null
ll pressure set critical >/dev/null
rm -f "$PIN/ll_state"
jqt "state pin removed: status lists the XDP orphan" \
	'.orphaned | length == 1 and .[0].policy_hook == "xdp" and .[0].xdp_prog_id > 0 and .[0].pressure.level == "critical"' status
jqt "state pin removed: pressure clear reaches it" '.orphaned[0].pressure.level == "none"' pressure clear
check "state pin removed: detach" ll detach $DEV_CLI
check "state pin removed: no XDP left" bash -c "! nsenter --net=/run/netns/$NS_CLI ip -j link show $DEV_CLI | jq -e '.[0].xdp' >/dev/null"
in_cli tc qdisc del dev $DEV_CLI clsact 2>/dev/null
rm -rf "$PIN"

# only the state pin removed, XDP: attach replaces the orphan (its link is still pinned,
# so it used to say "already attached" and leave the XDP program on the lost state)
ll attach $DEV_CLI >/dev/null
ll pressure set critical >/dev/null
rm -f "$PIN/ll_state"
jqt "state pin removed, XDP: attach replaces the orphan" \
	'.replaced_orphan and (.already_attached | not) and .policy_hook == "xdp"' attach $DEV_CLI
jqt "state pin removed, XDP: then no orphan, level none" '.orphaned == [] and .pressure.level == "none"' status
rx=$(flood_rx)
[ "${rx:-0}" -gt 1000 ] && pass "state pin removed, XDP: the flood arrives after attach ($rx)" ||
	fail "state pin removed, XDP: flood after attach" "only ${rx:-0} received"
check "state pin removed, XDP: detach" ll detach $DEV_CLI
in_cli tc qdisc del dev $DEV_CLI clsact 2>/dev/null
rm -rf "$PIN"

# bpffs unmounted under an attachment (a private bpffs mount, its own pin path)
mkdir -p "$TMP/bpffs"
if mount -t bpf bpf "$TMP/bpffs"; then
	in_cli env LIFELINE_PIN_PATH="$TMP/bpffs/ll" "$LL" attach $DEV_CLI --mode tc >/dev/null
	in_cli env LIFELINE_PIN_PATH="$TMP/bpffs/ll" "$LL" pressure set critical >/dev/null
	umount "$TMP/bpffs"
	rx=$(flood_rx)
	[ "${rx:-1}" = 0 ] && pass "bpffs unmounted: the orphan still drops the flood" || fail "bpffs unmounted" "$rx received"
	out=$(ll -j pressure show 2>/dev/null); rc=$?
	[ $rc = 1 ] && jq -e '.orphaned[0].pressure.level == "critical"' <<<"$out" >/dev/null &&
		pass "bpffs unmounted: pressure show gives the orphan's level, exit 1" ||
		fail "bpffs unmounted: pressure show" "exit $rc: $out"
	check "bpffs unmounted: pressure clear" ll pressure clear
	rx=$(flood_rx)
	[ "${rx:-0}" -gt 1000 ] && pass "bpffs unmounted: the flood arrives once cleared ($rx)" ||
		fail "bpffs unmounted: after clear" "only ${rx:-0} received"
	check "bpffs unmounted: detach" ll detach $DEV_CLI
	in_cli tc qdisc del dev $DEV_CLI clsact 2>/dev/null
else
	skip "bpffs unmounted" "cannot mount a private bpffs"
fi

# another instance (its own pin path) in the same namespace is not an orphan
in_cli ip link add $DUM type veth peer name ${DUM}p && in_cli ip link set $DUM up
if in_cli env LIFELINE_PIN_PATH=$PIN2 "$LL" attach $DUM --mode tc >/dev/null; then
	ll attach $DEV_CLI --mode tc >/dev/null
	jqt "another pin path's programs are not orphans" '.orphaned == []' status
	check "and the other instance's status is clean" in_cli env LIFELINE_PIN_PATH=$PIN2 "$LL" status
	# without CAP_SYS_ADMIN the other instance's filter cannot be told from an orphan: said so
	out=$(nosys -j status 2>/dev/null); rc=$?
	[ $rc = 1 ] && jq -e --arg d $DUM '.orphaned | length == 1 and .[0].interface == $d and (.[0].verified | not)' <<<"$out" >/dev/null &&
		pass "without CAP_SYS_ADMIN: another instance's filter listed as unverified" ||
		fail "unverified" "exit $rc: $out"
else
	fail "another instance" "cannot attach --mode tc to a second veth"
fi

summary
