#!/usr/bin/env bash
# Observe mode through a tail call (issue 15): ll_xdp and ll_tc_policy reach
# the observe programs (ll_xdp_observe, ll_tc_observe) through the pinned
# program arrays ll_observe_xdp and ll_observe_tc. Checks that attach fills
# them (pinned with the other maps, the slot holding the observe program),
# that an empty slot fails open (the flood passes, nothing counted), that
# attach on an attached interface fills an emptied slot again, that the
# switches XDP -> tc -> XDP and an apply from nothing keep observe counting,
# and, where the kernel runs libxdp's dispatcher, observe behind it.
# Namespaces are created and removed here.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

suite_dirs obstail
NET=$TOP/build/tests/tool_net
N=200
trap ns_suite_cleanup EXIT
ns_begin
quiet_link

would() { ll -j stats | jq ".would_drop.$1.drop_critical.packets // -1"; }
# every verdict and note counter of the ingress hooks, one line
real_all() { ll -j stats | jq -c '[.hooks.xdp, .hooks.tc_ingress | .[]? | .packets?]'; }
# the program in a pinned program array's slot 0: its name, or "empty"
slot() {
	local id
	id=$(bpftool -j map lookup pinned "$PIN/$1" key 0 0 0 0 2>/dev/null | jq -r '.formatted.value // empty')
	[ -n "$id" ] && bpftool -j prog show id "$id" | jq -r .name || echo empty
}
# flood: N unregistered UDP packets from FLOOD4; prints how many the receiver got
flood() { raw_flood $N 3; }
# observe_counts LABEL HOOK: a flood passes whole and counts +N would-drops at HOOK
observe_counts() {
	local w0 w1 got
	observe_settle
	w0=$(would $2)
	got=$(flood)
	for _ in $(seq 50); do
		w1=$(would $2)
		[ $((w1 - w0)) -ge $N ] && break
		sleep 0.05
	done
	if [ "$got" = $N ] && [ $((w1 - w0)) = $N ]; then
		pass "$1: $N flood packets received, would_drop.$2.drop_critical +$N"
	else
		fail "$1" "received $got of $N ($(cat "$TMP/sent")), would_drop.$2 +$((w1 - w0))"
	fi
}

check "attach (native)" ll attach $DEV_CLI --mode native
for m in ll_observe_xdp ll_observe_tc; do
	t=$(bpftool -j map show pinned "$PIN/$m" 2>/dev/null | jq -r .type)
	[ "$t" = prog_array ] && pass "$m pinned, a prog_array" || fail "$m pin" "type '$t'"
done
s=$(slot ll_observe_xdp) t=$(slot ll_observe_tc)
[ "$s" = ll_xdp_observe ] && [ "$t" = ll_tc_observe ] &&
	pass "attach filled the slots: ll_xdp_observe, ll_tc_observe" ||
	fail "slots after attach" "xdp: $s, tc: $t"
check "tune --observe on" ll tune --observe on
observe_counts "native, observe on" xdp

# an empty slot: the tail call fails, the packet passes, nothing counts
bpftool map delete pinned "$PIN/ll_observe_xdp" key 0 0 0 0
[ "$(slot ll_observe_xdp)" = empty ] && pass "slot emptied (bpftool map delete)" ||
	fail "empty the slot" "$(slot ll_observe_xdp)"
w0=$(would xdp) r0=$(real_all)
got=$(flood)
sleep 0.3
w1=$(would xdp) r1=$(real_all)
if [ "$got" = $N ] && [ "$w1" = "$w0" ] && [ "$r1" = "$r0" ]; then
	pass "empty slot fails open: $N flood packets received, no would-drop, no verdict counted"
else
	fail "empty slot" "received $got of $N, would_drop $w0 -> $w1, counters $r0 -> $r1"
fi
# attach again (already attached): the slot is filled again
out=$(ll -j attach $DEV_CLI --mode native)
s=$(slot ll_observe_xdp)
if jq -e '.already_attached == true' >/dev/null <<<"$out" && [ "$s" = ll_xdp_observe ]; then
	pass "attach on the attached interface: already, and the emptied slot filled"
else
	fail "attach again" "slot '$s', $out"
fi
observe_counts "native, slot filled again" xdp

# the switches: XDP -> tc -> XDP, observe on throughout
check "switch to --mode tc" ll attach $DEV_CLI --mode tc
x0=$(would xdp)
observe_counts "tc after the switch" tc_ingress
[ "$(would xdp)" = "$x0" ] && pass "tc after the switch: nothing counted at xdp" ||
	fail "tc after the switch" "xdp would-drops $x0 -> $(would xdp)"
check "switch back to native" ll attach $DEV_CLI --mode native
observe_counts "native after the switch back" xdp

# apply from nothing: the interface and the switch in one registry
check "detach --all" ll detach --all
printf 'interface %s mode native\ntune --observe on\n' $DEV_CLI >"$TMP/reg.conf"
out=$(ll apply "$TMP/reg.conf" 2>&1) || fail "apply" "$out"
s=$(slot ll_observe_xdp)
[ "$s" = ll_xdp_observe ] && pass "apply: the slot filled" || fail "apply: slot" "'$s'"
observe_counts "after apply" xdp

# libxdp's dispatcher (ll_xdp as an freplace program): where the kernel runs it
check "detach before --multi" ll detach $DEV_CLI
out=$(ll attach $DEV_CLI --multi 2>&1); rc=$?
if [ $rc = 0 ]; then
	observe_counts "--multi (libxdp dispatcher)" xdp
	ll detach $DEV_CLI >/dev/null
elif grep -q "refuses libxdp's dispatcher" <<<"$out"; then
	skip "observe behind libxdp's dispatcher" "this kernel refuses the dispatcher (freplace)"
else
	fail "attach --multi" "exit $rc: $out"
fi

summary
