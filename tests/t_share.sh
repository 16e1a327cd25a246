#!/usr/bin/env bash
# Sharing the hooks (issue #14): lifeline next to other programs and other
# instances. tc through tcx links placed first (no qdisc touched); a
# foreign tc program (a tc filter and a tcx link) keeps counting through
# attach, pressure and detach; a user's clsact and filters survive detach
# (tcx and the clsact fallback); a second instance is refused by name; a
# recreated interface with the old ifindex is not lifeline's; status says
# lost/foreign (exit 1); XDP <-> tc switch keeps the registrations;
# xdp-filter and lifeline on one veth in both orders; lifelined alerts on
# lost enforcement within two ticks.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
[ "${1:-}" = "-v" ] && V=1
# LL_SHARE_LL/LLD: run the same checks against another build (the unfixed main)
LL=${LL_SHARE_LL:-$LL}
LLD=${LL_SHARE_LLD:-$LLD}

PIN=/sys/fs/bpf/lltest-share-$$
PIN2=/sys/fs/bpf/lltest-share2-$$
FP=/sys/fs/bpf/lltest-share-foreign-$$
TMP=$(mktemp -d)
UDP=$TOP/build/tests/tool_net
TCX=$TOP/build/tests/tool_tcx
OBJ=$TOP/build/tests/foreign.bpf.o
DUM=lltd$$
DPID=

cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	in_cli xdp-filter unload $DEV_CLI >/dev/null 2>&1
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	in_cli env LIFELINE_PIN_PATH=$PIN2 "$LL" detach --all >/dev/null 2>&1
	nbd_stop
	ns_cleanup
	rm -rf "$PIN" "$PIN2" "$FP" "$TMP"
}
trap cleanup EXIT

if ! ns_setup; then
	fail setup "cannot create the test namespaces"
	summary
	exit 1
fi
ll2() { in_cli env LIFELINE_PIN_PATH=$PIN2 "$LL" "$@"; }
ifindex() { in_cli ip -j link show "$1" | jq '.[0].ifindex'; }
IFX=$(ifindex $DEV_CLI)

nbd_ok() { in_cli timeout 5 nbdinfo --size nbd://$SRV4 >/dev/null 2>&1; }
# the foreign programs' counters: slot 0 tc, 1 XDP
fcount() {
	bpftool -j map lookup pinned $FP/maps/foreign_cnt key $1 0 0 0 2>/dev/null |
		jq -r '.formatted.value // 0' 2>/dev/null
}
# grows CMD...: the tc counter grows while CMD runs
grows() {
	local a b
	a=$(fcount 0); "$@" >/dev/null 2>&1; b=$(fcount 0)
	[ "${b:-0}" -gt "${a:-0}" ]
}
st() { ll -j status 2>/dev/null; }

mkdir -p $FP
if ! bpftool prog loadall "$OBJ" $FP/progs pinmaps $FP/maps >"$TMP/load" 2>&1; then
	fail setup "cannot load $OBJ: $(head -3 "$TMP/load")"
	summary
	exit 1
fi
nbd_start || fail setup "nbdkit did not start"

# ------------------------------------------------------------------ tcx, no qdisc
out=$(ll -j attach $DEV_CLI)
if jq -e '.tc_via == "tcx" and .state == "enforcing" and .xdp_via == "link"' <<<"$out" >/dev/null &&
	! in_cli tc qdisc show dev $DEV_CLI | grep -q clsact; then
	pass "attach: tc through tcx links, no clsact qdisc created"
else
	fail "attach: tcx" "$out; $(in_cli tc qdisc show dev $DEV_CLI)"
fi
ls $PIN/links/$IFX-tcx-in $PIN/links/$IFX-tcx-eg >/dev/null 2>&1 && pass "tcx links pinned" ||
	fail "tcx pins" "$(ls $PIN/links 2>&1)"
check "detach" ll detach $DEV_CLI

# ------------------------------------------------------------------ a foreign tc program
# as a tc filter in the user's clsact, and as a tcx link; lifeline goes first
in_cli tc qdisc add dev $DEV_CLI clsact
in_cli tc filter add dev $DEV_CLI ingress pref 10 handle 1 bpf da object-pinned $FP/progs/foreign_tc ||
	fail "foreign tc filter" "tc filter add failed"
in_cli "$TCX" attach $FP/progs/foreign_tc $IFX ingress $FP/tcxlink || fail "foreign tcx" "tool_tcx attach failed"
FID=$(in_cli "$TCX" progs $IFX ingress | head -1)
grows flood_rx && pass "foreign tc programs count before lifeline" || fail "foreign count" "$(fcount 0)"
out=$(ll -j attach $DEV_CLI --mode tc)
first=$(in_cli "$TCX" progs $IFX ingress | head -1)
if jq -e --argjson f "$first" '.state == "enforcing" and .tc_via == "tcx" and .lifeline_tc_ingress_prog_id == $f' <<<"$out" >/dev/null; then
	pass "lifeline's tcx program runs first, before the foreign one"
else
	fail "tcx first" "$out; first $first"
fi
grows flood_rx && pass "foreign tc programs count after attach (level none)" || fail "foreign after attach" "$(fcount 0)"
ll flow add nbd://$SRV4 >/dev/null
ll pressure set critical >/dev/null
rx=$(flood_rx)
[ "${rx:-1}" = 0 ] && pass "critical: lifeline (first) drops the unregistered flood" || fail "critical flood" "$rx received"
grows nbd_ok && pass "critical: NBD passes lifeline and the foreign programs count it" ||
	fail "critical NBD" "nbd $(nbd_ok && echo ok || echo failed), count $(fcount 0)"
ll pressure clear >/dev/null
check "detach (tc mode, foreign programs around)" ll detach $DEV_CLI
if in_cli tc filter show dev $DEV_CLI ingress | grep -q foreign_tc &&
	in_cli "$TCX" progs $IFX ingress | grep -qx "$FID" && grows flood_rx; then
	pass "after detach: the user's clsact, filter and tcx link stay and count"
else
	fail "after detach" "$(in_cli tc filter show dev $DEV_CLI ingress | head -3); tcx $(in_cli "$TCX" progs $IFX ingress | tr '\n' ' ')"
fi
rm -f $FP/tcxlink	# the kernel releases the unpinned link a moment later
wait_for 5 bash -c "[ -z \"\$(nsenter --net=/run/netns/$NS_CLI $TCX progs $IFX ingress)\" ]" ||
	fail "foreign tcx link released" "$(in_cli "$TCX" progs $IFX ingress | tr '\n' ' ')"

# the clsact fallback (a kernel without tcx): lifeline's filter known by its
# program id; the user's filter at pref 10 runs before lifeline's (pref 76):
# reported as bypassed, and enforcing once the user's filter runs after it
in_cli env LIFELINE_PIN_PATH=$PIN LIFELINE_NO_TCX=1 "$LL" -j attach $DEV_CLI --mode tc >"$TMP/o" 2>&1 ||
	fail "clsact fallback attach" "$(cat "$TMP/o")"
jq -e '.tc_via == "clsact" and .state == "bypassed" and (.why | test("before lifeline"))' "$TMP/o" >/dev/null 2>&1 &&
	pass "LIFELINE_NO_TCX=1: clsact filter at lifeline's handle, behind the user's pref 10: bypassed" ||
	fail "clsact fallback behind pref 10" "$(head -c 300 "$TMP/o")"
in_cli tc filter del dev $DEV_CLI ingress pref 10
in_cli tc filter add dev $DEV_CLI ingress pref 100 handle 1 bpf da object-pinned $FP/progs/foreign_tc
jqt "clsact fallback, the user's filter moved to pref 100: enforcing" \
	'[.. | objects | select(.tc_via? == "clsact")] | length == 1 and .[0].state == "enforcing"' status
check "clsact fallback: detach" ll detach $DEV_CLI
in_cli tc filter show dev $DEV_CLI ingress | grep -q foreign_tc && grows flood_rx &&
	pass "clsact fallback: the user's qdisc and filter survive detach" ||
	fail "clsact fallback detach" "$(in_cli tc filter show dev $DEV_CLI ingress | head -3)"
in_cli tc qdisc del dev $DEV_CLI clsact

# lifeline's clsact (fallback, no qdisc before), the user adds a filter to it: kept on detach
in_cli env LIFELINE_PIN_PATH=$PIN LIFELINE_NO_TCX=1 "$LL" attach $DEV_CLI --mode tc >/dev/null 2>&1 ||
	ll attach $DEV_CLI --mode tc >/dev/null
in_cli tc qdisc add dev $DEV_CLI clsact 2>/dev/null
in_cli tc filter add dev $DEV_CLI ingress pref 10 handle 1 bpf da object-pinned $FP/progs/foreign_tc
check "user's filter in lifeline's clsact: detach" ll detach $DEV_CLI
in_cli tc filter show dev $DEV_CLI ingress | grep -q foreign_tc && grows flood_rx &&
	pass "a user's filter placed in lifeline's clsact survives detach" ||
	fail "user's filter in lifeline's clsact" "$(in_cli tc qdisc show dev $DEV_CLI | grep clsact)"
in_cli tc qdisc del dev $DEV_CLI clsact 2>/dev/null

# ------------------------------------------------------------------ instances do not fight
for mode in native tc; do
	ll attach $DEV_CLI --mode $mode >/dev/null || fail "instance 1 --mode $mode" "attach failed"
	ll flow add nbd://$SRV4 >/dev/null
	for mode2 in native tc; do
		out=$(ll2 attach $DEV_CLI --mode $mode2 2>&1); rc=$?
		if [ $rc = 1 ] && grep -q "$PIN" <<<"$out" && [ "$(wc -l <<<"$out")" = 1 ]; then
			pass "second instance (--mode $mode2) over --mode $mode refused, naming $PIN"
		else
			fail "second instance $mode2 over $mode" "exit $rc: $out"
		fi
	done
	[ ! -e $PIN2 ] && pass "refused second instance ($mode) left no pins" || fail "second pins" "$(ls -R $PIN2 | head)"
	ll pressure set critical >/dev/null
	rx=$(flood_rx)
	jq -e '.interfaces[0].state == "enforcing"' <<<"$(st)" >/dev/null && [ "${rx:-1}" = 0 ] &&
		pass "instance 1 ($mode) still enforcing: the flood dropped at critical" ||
		fail "instance 1 after refusal" "$rx received; $(st | jq -c .interfaces)"
	ll pressure clear >/dev/null
	ll2 detach $DEV_CLI >/dev/null 2>&1
	jq -e '.interfaces[0].state == "enforcing"' <<<"$(st)" >/dev/null &&
		pass "detach from instance 2 ($mode) leaves instance 1 alone" || fail "instance 2 detach" "$(st)"
	ll detach $DEV_CLI >/dev/null
done

# ------------------------------------------------------------------ switching keeps registrations
ll attach $DEV_CLI --mode native >/dev/null
ll flow add nbd://$SRV4 --name disk >/dev/null
r0=$(st | jq .rules)
out=$(ll -j attach $DEV_CLI --mode tc 2>&1); rc=$?
if [ $rc = 0 ] && jq -e '.policy_hook == "tc_ingress" and .state == "enforcing" and .xdp_mode == "none"' <<<"$out" >/dev/null &&
	[ "$(st | jq .rules)" = "$r0" ] && [ "$r0" -ge 1 ]; then
	pass "XDP -> tc in place: the rules kept ($r0)"
else
	fail "XDP -> tc" "exit $rc: $out; rules $r0 -> $(st | jq .rules)"
fi
out=$(ll -j attach $DEV_CLI --mode native 2>&1); rc=$?
if [ $rc = 0 ] && jq -e '.policy_hook == "xdp" and .state == "enforcing" and .tc_ingress' <<<"$out" >/dev/null &&
	[ "$(st | jq .rules)" = "$r0" ]; then
	pass "tc -> XDP in place: the rules kept"
else
	fail "tc -> XDP" "exit $rc: $out"
fi
ll pressure set critical >/dev/null
rx=$(flood_rx)
[ "${rx:-1}" = 0 ] && nbd_ok && pass "after the switches: flood dropped, NBD passes at critical" ||
	fail "after switches" "$rx received, nbd $(nbd_ok && echo ok || echo failed)"
ll pressure clear >/dev/null

# ------------------------------------------------------------------ lost, foreign
LID=$(bpftool -j link show pinned $PIN/links/$IFX 2>/dev/null | jq .id)
bpftool link detach id "$LID" 2>/dev/null
out=$(st); rc=$?
if [ $rc = 1 ] && jq -e '.interfaces[0].state == "lost" and (.interfaces[0].enforcing | not) and .interfaces[0].policy_hook == "none"' <<<"$out" >/dev/null; then
	pass "XDP link detached behind lifeline's back: status -j says lost, exit 1"
else
	fail "lost" "exit $rc: $(jq -c .interfaces <<<"$out")"
fi
in_cli ip link set dev $DEV_CLI xdpdrv pinned $FP/progs/foreign_xdp
out=$(st); rc=$?
if [ $rc = 1 ] && jq -e '.interfaces[0].state == "foreign" and .interfaces[0].policy_hook == "none"' <<<"$out" >/dev/null; then
	pass "another XDP program on the hook: status -j says foreign, exit 1"
else
	fail "foreign" "exit $rc: $(jq -c .interfaces <<<"$out")"
fi
ll status >/dev/null 2>"$TMP/err"
grep -q "foreign" "$TMP/err" && [ "$(wc -l <"$TMP/err")" = 1 ] && pass "status: one line on stderr names it" ||
	fail "status stderr" "$(cat "$TMP/err")"
ll detach $DEV_CLI >/dev/null
in_cli ip -j link show $DEV_CLI | jq -e '.[0].xdp.prog.id // .[0].xdp.prog_id // .[0].xdp' >/dev/null &&
	pass "detach left the foreign XDP program" || fail "foreign XDP after detach" "gone"
in_cli ip link set dev $DEV_CLI xdpdrv off

# ------------------------------------------------------------------ a recreated interface
in_cli ip link add $DUM type veth peer name ${DUM}p && in_cli ip link set $DUM up
DIX=$(ifindex $DUM)
ll attach $DUM --mode tc >/dev/null || fail "attach dummy" "failed"
in_cli ip link del $DUM
in_cli ip link add ${DUM}b index "$DIX" type veth peer name ${DUM}q && in_cli ip link set ${DUM}b up
in_cli tc qdisc add dev ${DUM}b clsact
in_cli tc filter add dev ${DUM}b ingress pref 10 handle 1 bpf da object-pinned $FP/progs/foreign_tc
out=$(st); rc=$?
if [ "$(ifindex ${DUM}b)" = "$DIX" ] && [ $rc = 1 ] &&
	jq -e --argjson i "$DIX" '[.interfaces[] | select(.ifindex == $i)] | length == 1 and (.[0].state != "enforcing") and .[0].policy_hook == "none"' <<<"$out" >/dev/null; then
	pass "a new interface with the old ifindex $DIX is not lifeline's (status: lost, exit 1)"
else
	fail "recreated interface" "exit $rc: $(jq -c .interfaces <<<"$out")"
fi
ll detach --all >/dev/null 2>&1
in_cli tc filter show dev ${DUM}b ingress | grep -q foreign_tc &&
	pass "detach --all leaves the new interface's clsact and filter" ||
	fail "recreated: user's filter" "$(in_cli tc qdisc show dev ${DUM}b)"
in_cli ip link del ${DUM}b

# ------------------------------------------------------------------ xdp-filter
# xdp-filter's maps are pinned host-wide (/sys/fs/bpf/xdp-filter): one suite at a time
exec 9>/run/lock/lifeline-tests-xdpfilter.lock
flock -w 300 9
port_rx() { udp_rx $SRV4 7777; }
both_enforce() { # LABEL
	local rx p nb
	ll pressure set critical >/dev/null
	rx=$(flood_rx); nb=$(nbd_ok && echo ok || echo failed)
	ll pressure clear >/dev/null
	p=$(port_rx)
	if [ "${rx:-1}" = 0 ] && [ $nb = ok ] && [ "${p:-1}" = 0 ] && [ "$(udp_rx $SRV4 7778)" -gt 0 ]; then
		pass "$1: xdp-filter drops its port at none, lifeline the flood at critical, NBD passes"
	else
		fail "$1" "flood $rx, nbd $nb, port 7777 $p"
	fi
}
dispatcher=0
if in_cli xdp-filter load $DEV_CLI >/dev/null 2>&1; then
	in_cli xdp-loader status $DEV_CLI | grep -q xdp_dispatcher && dispatcher=1
	in_cli xdp-filter port 7777 -p udp >/dev/null
	if [ $dispatcher = 1 ]; then
		out=$(ll -j attach $DEV_CLI)
		jq -e '.xdp_via == "dispatcher" and .state == "enforcing"' <<<"$out" >/dev/null &&
			in_cli xdp-loader status $DEV_CLI | grep -q ll_xdp &&
			pass "xdp-filter first: lifeline joins its dispatcher, xdp-loader lists both" ||
			fail "join dispatcher" "$out"
	else
		out=$(ll attach $DEV_CLI --multi 2>&1); rc=$?
		[ $rc = 1 ] && grep -q "dispatcher" <<<"$out" && [ ! -e $PIN ] &&
			pass "no dispatcher on this kernel: --multi refused in one line, nothing left" ||
			fail "--multi without dispatcher" "exit $rc: $out"
		skip "xdp-filter + lifeline in one dispatcher" "this kernel refuses libxdp's dispatcher (freplace); lifeline runs at tc behind xdp-filter"
		ll attach $DEV_CLI --mode tc >/dev/null
	fi
	ll flow add nbd://$SRV4 >/dev/null
	both_enforce "xdp-filter first"
	ll detach $DEV_CLI >/dev/null
	[ "$(port_rx)" = 0 ] && pass "xdp-filter first: lifeline detached, xdp-filter still drops its port" ||
		fail "xdp-filter after lifeline detach" "port passes"
	in_cli xdp-filter unload $DEV_CLI >/dev/null 2>&1
	# lifeline first
	if [ $dispatcher = 1 ]; then ll attach $DEV_CLI --multi >/dev/null; else ll attach $DEV_CLI --mode tc >/dev/null; fi
	ll flow add nbd://$SRV4 >/dev/null
	in_cli xdp-filter load $DEV_CLI >/dev/null 2>&1 || fail "xdp-filter after lifeline" "load failed"
	in_cli xdp-filter port 7777 -p udp >/dev/null
	[ $dispatcher = 1 ] && { in_cli xdp-loader status $DEV_CLI | grep -q ll_xdp && in_cli xdp-loader status $DEV_CLI | grep -q xdpfilt &&
		pass "lifeline first: xdp-loader lists both" || fail "lifeline first: xdp-loader" "$(in_cli xdp-loader status $DEV_CLI)"; }
	both_enforce "lifeline first"
	in_cli xdp-filter unload $DEV_CLI >/dev/null 2>&1
	ll pressure set critical >/dev/null
	rx=$(flood_rx)
	[ "${rx:-1}" = 0 ] && jq -e '.interfaces[0].state == "enforcing"' <<<"$(st)" >/dev/null &&
		pass "xdp-filter unloaded: lifeline still enforcing" || fail "lifeline after xdp-filter unload" "$rx received"
	ll pressure clear >/dev/null
	ll detach $DEV_CLI >/dev/null
else
	skip "xdp-filter" "xdp-filter could not load on this kernel"
fi
flock -u 9

# ------------------------------------------------------------------ lifelined
mkdir -p "$TMP/d"
lld_conf state_dir="$TMP/d" tick=250ms host=off textfile="$TMP/d/lifeline.prom" interval=250ms \
	hook="$TMP/d/hook.sh" hook_interval=1h >"$TMP/d/conf"
# the hook records every run's event and reason
printf '#!/bin/sh\necho "$LIFELINE_EVENT $LIFELINE_REASON" >>%s\n' "$TMP/d/hook.log" >"$TMP/d/hook.sh"
chmod +x "$TMP/d/hook.sh"
ll attach $DEV_CLI --mode native >/dev/null
in_cli env LIFELINE_PIN_PATH=$PIN "$LLD" --foreground --config "$TMP/d/conf" >"$TMP/d/log" 2>&1 &
DPID=$!
enf() { grep -q "^lifeline_iface_enforcing{iface=\"$DEV_CLI\".*} $1\$" "$TMP/d/lifeline.prom" 2>/dev/null; }
wait_for 5 enf 1 && pass "lifelined: lifeline_iface_enforcing{iface=$DEV_CLI} 1" ||
	fail "daemon metric 1" "$(grep iface "$TMP/d/lifeline.prom" 2>&1 | head -3); $(tail -3 "$TMP/d/log")"
LID=$(bpftool -j link show pinned $PIN/links/$IFX 2>/dev/null | jq .id)
# within two ticks, counted in the daemon's own ticks (the textfile is written
# every tick, interval = tick): a time bound failed on a loaded machine (674 ms
# against 600 ms)
ticks() { awk '/^lifeline_ticks_total /{ print $2 }' "$TMP/d/lifeline.prom"; }
t0=$(date +%s%N)
bpftool link detach id "$LID" 2>/dev/null
k0=$(ticks)	# the last tick written once the link is gone
wait_for 10 enf 0; t1=$(date +%s%N) k1=$(ticks)
ms=$(( (t1 - t0) / 1000000 ))
if enf 0 && [ $((k1 - k0)) -le 2 ] && grep -q "enforcement on $DEV_CLI: lost" "$TMP/d/log"; then
	pass "lifelined: enforcement lost seen within two ticks ($((k1 - k0)) ticks, ${ms} ms, tick 250 ms): warning, metric 0"
else
	fail "daemon alert" "$((k1 - k0)) ticks (${ms} ms); $(grep -i enforc "$TMP/d/log" | head -3)"
fi
# the alert hook runs for the loss though the level did not change (and within a
# 1 h hook_interval): before, it ran only on level changes
wait_for 3 grep -q "^enforcement enforcement on $DEV_CLI: lost" "$TMP/d/hook.log" &&
	pass "lifelined: the on_change hook ran with LIFELINE_EVENT=enforcement" ||
	fail "hook on enforcement loss" "$(cat "$TMP/d/hook.log" 2>&1 | head -3)"
kill $DPID; wait $DPID 2>/dev/null; DPID=
ll detach $DEV_CLI >/dev/null 2>&1

summary
