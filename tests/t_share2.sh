#!/usr/bin/env bash
# Sharing the hooks, the adversarial findings of issue #14 (one check each):
# a foreign tc program placed before lifeline's that returns TC_ACT_OK
# (tcx, and a clsact filter at pref 1) makes status say "bypassed" (exit 1),
# and attach / a switch XDP -> tc places lifeline first again; a program
# swapped into lifeline's own link (bpf_link_update) is "foreign"; an
# interface moved to another netns and a new one with its ifindex: "lost",
# and detach leaves the moved device's links alone; no libbpf noise for a
# lost interface; xdp_via "none" once lifeline's XDP is gone; a STATE column.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
[ "${1:-}" = "-v" ] && V=1
# LL_SHARE2_LL: run the same checks against another build (the unfixed main)
LL=${LL_SHARE2_LL:-$LL}
LLD=${LL_SHARE2_LLD:-$LLD}
DPID=

PIN=/sys/fs/bpf/lltest-share2b-$$
FP=/sys/fs/bpf/lltest-share2f-$$
TMP=$(mktemp -d)
UDP=$TOP/build/tests/tool_net
TCX=$TOP/build/tests/tool_tcx
OBJ=$TOP/build/tests/tcok.bpf.o
NS_OTHER=llmv$LL_NS_ID
MV=llm$LL_NS_ID
MVP=llmp$LL_NS_ID
NEWD=lln$LL_NS_ID

cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	ip netns del $NS_OTHER 2>/dev/null
	ns_cleanup
	rm -rf "$PIN" "$FP" "$TMP"
}
trap cleanup EXIT

if ! ns_setup || ! ip netns add $NS_OTHER; then
	fail setup "cannot create the test namespaces"
	summary
	exit 1
fi
ifindex() { in_cli ip -j link show "$1" | jq '.[0].ifindex'; }
IFX=$(ifindex $DEV_CLI)
# state IFACE: its state in status -j ("" if not listed)
state() { ll -j status 2>/dev/null | jq -r --arg i "$1" '.interfaces[] | select(.interface == $i) | .state'; }
status_rc() { ll status >/dev/null 2>&1; echo $?; }
setup_policy() {
	ll flow add nbd://$SRV4 >/dev/null && ll pressure set critical >/dev/null
}
reset() {
	rm -f $FP/link
	ll detach --all >/dev/null 2>&1
	in_cli tc qdisc del dev $DEV_CLI clsact 2>/dev/null
	in_cli ip link set dev $DEV_CLI xdpgeneric off 2>/dev/null
}

mkdir -p $FP
if ! bpftool prog loadall "$OBJ" $FP/progs >"$TMP/load" 2>&1; then
	fail setup "cannot load $OBJ: $(head -3 "$TMP/load")"
	summary
	exit 1
fi

# ------------------------------------------------ 1. tcx program first, TC_ACT_OK
ll attach $DEV_CLI --mode tc >/dev/null 2>&1 && setup_policy
before=$(flood_rx)
in_cli "$TCX" first $FP/progs/tcok $IFX ingress $FP/link || fail "bypass tcx" "tool_tcx first failed"
after=$(flood_rx)
st=$(state $DEV_CLI); rc=$(status_rc)
if [ "${before:-1}" = 0 ] && [ "${after:-0}" -gt 0 ] && [ "$st" = bypassed ] && [ "$rc" = 1 ]; then
	pass "tcx program before lifeline's: status bypassed, exit 1"
else
	fail "bypass tcx" "flood before $before after $after, state '$st' rc $rc"
fi
ll attach $DEV_CLI --mode tc >/dev/null 2>&1
first=$(in_cli "$TCX" progs $IFX ingress | head -1)
name=$(bpftool -j prog show id "$first" 2>/dev/null | jq -r .name)
rx=$(flood_rx)
if [ "$name" = ll_tc_policy ] && [ "$rx" = 0 ] && [ "$(state $DEV_CLI)" = enforcing ]; then
	pass "attach again: lifeline first, flood dropped"
else
	fail "reattach first" "first $first ($name), flood $rx, state $(state $DEV_CLI)"
fi
reset

# switch XDP -> tc with the foreign program already first
ll attach $DEV_CLI --mode generic >/dev/null 2>&1 && setup_policy
in_cli "$TCX" first $FP/progs/tcok $IFX ingress $FP/link || fail "switch" "tool_tcx first failed"
ll attach $DEV_CLI --mode tc >/dev/null 2>&1
first=$(in_cli "$TCX" progs $IFX ingress | head -1)
name=$(bpftool -j prog show id "$first" 2>/dev/null | jq -r .name)
rx=$(flood_rx)
if [ "$name" = ll_tc_policy ] && [ "$rx" = 0 ]; then
	pass "switch generic -> tc: lifeline placed first, flood dropped"
else
	fail "switch first" "first $first ($name), flood $rx, state $(state $DEV_CLI)"
fi
reset

# clsact fallback: a user's filter at pref 1 returning OK
in_cli env LIFELINE_PIN_PATH=$PIN LIFELINE_NO_TCX=1 "$LL" attach $DEV_CLI --mode tc >/dev/null 2>&1 &&
	setup_policy
in_cli tc filter add dev $DEV_CLI ingress pref 1 bpf da object-pinned $FP/progs/tcok ||
	fail "clsact" "tc filter add failed"
after=$(flood_rx); st=$(state $DEV_CLI); rc=$(status_rc)
if [ "${after:-0}" -gt 0 ] && [ "$st" = bypassed ] && [ "$rc" = 1 ]; then
	pass "clsact filter at pref 1 before lifeline's: status bypassed, exit 1"
else
	fail "bypass clsact" "flood $after, state '$st' rc $rc"
fi
reset

# ------------------------------------------------ 2. a program swapped into our link
for m in generic tc; do
	ll attach $DEV_CLI --mode $m >/dev/null 2>&1 && setup_policy
	if [ $m = generic ]; then l=$PIN/links/$IFX p=xdpok; else l=$PIN/links/$IFX-tcx-in p=tcok; fi
	"$TCX" update $l $FP/progs/$p || fail "link update $m" "tool_tcx update failed"
	st=$(state $DEV_CLI); rc=$(status_rc)
	if [ "$st" = foreign ] && [ "$rc" = 1 ]; then
		pass "--mode $m: another program in lifeline's link: foreign, exit 1"
	else
		fail "link update $m" "state '$st' rc $rc"
	fi
	reset
done

# ------------------------------------------------ 3. interface moved to another netns
for m in tc generic; do
	in_cli ip link add $MV type veth peer name $MVP netns $NS_OTHER
	in_cli ip link set $MV up
	mi=$(ifindex $MV)
	ll attach $MV --mode $m >/dev/null 2>&1
	in_cli ip link set $MV netns $NS_OTHER
	in_cli ip link add $NEWD index $mi type veth peer name ${NEWD}p
	in_cli ip link set $NEWD up
	st=$(state $NEWD); rc=$(status_rc)
	ll status >/dev/null 2>"$TMP/err"
	ll detach $NEWD >/dev/null 2>&1
	if [ $m = tc ]; then
		left=$(nsenter --net=/run/netns/$NS_OTHER "$TCX" progs $mi ingress | wc -l)
	else
		left=$(nsenter --net=/run/netns/$NS_OTHER ip -j link show $MV | jq '.[0].xdp.prog.id // 0')
	fi
	if [ "$st" = lost ] && [ "$rc" = 1 ] && [ "${left:-0}" != 0 ]; then
		pass "--mode $m: moved interface: the new one with its ifindex is lost; detach leaves the moved one"
	else
		fail "netns $m" "state '$st' rc $rc, moved device's programs after detach: $left"
	fi
	nsenter --net=/run/netns/$NS_OTHER ip link del $MV 2>/dev/null
	in_cli ip link del $NEWD 2>/dev/null
	rm -f $PIN/links/moved-*
	ll detach --all >/dev/null 2>&1
done

# ------------------------------------------------ 4. libbpf noise, xdp_via, STATE column
# lifelined: metric 0 once bypassed; no libbpf messages while lost
mkdir -p "$TMP/d"
lld_conf state_dir="$TMP/d" tick=250ms host=off textfile="$TMP/d/lifeline.prom" >"$TMP/d/conf"
enf() { grep -q "^lifeline_iface_enforcing{iface=\"$DEV_CLI\".*} $1\$" "$TMP/d/lifeline.prom" 2>/dev/null; }
ll attach $DEV_CLI --mode tc >/dev/null 2>&1
in_cli env LIFELINE_PIN_PATH=$PIN "$LLD" --foreground --config "$TMP/d/conf" >"$TMP/d/log" 2>&1 &
DPID=$!
wait_for 5 enf 1 || fail "daemon" "no metric 1: $(tail -3 "$TMP/d/log")"
in_cli "$TCX" first $FP/progs/tcok $IFX ingress $FP/link
if wait_for 3 enf 0; then pass "lifelined: lifeline_iface_enforcing 0 once bypassed"
else fail "daemon bypassed" "$(grep "iface=\"$DEV_CLI\"" "$TMP/d/lifeline.prom")"; fi
rm -f $FP/link
bpftool link detach pinned $PIN/links/$IFX-tcx-in	# lost, no clsact on the device
wait_for 3 grep -q 'state="lost"' "$TMP/d/lifeline.prom"
sleep 1	# four ticks while lost
if grep -q 'state="lost"' "$TMP/d/lifeline.prom" && ! grep -q 'libbpf' "$TMP/d/log"; then
	pass "lifelined: no libbpf messages while an interface is lost"
else
	fail "libbpf noise" "$(grep "iface=\"$DEV_CLI\"" "$TMP/d/lifeline.prom"): $(grep libbpf "$TMP/d/log" | head -2)"
fi
kill $DPID; wait $DPID 2>/dev/null; DPID=
reset

ll attach $DEV_CLI --mode generic >/dev/null 2>&1
bpftool link detach pinned $PIN/links/$IFX	# lifeline's XDP link lost, its pin stays
in_cli ip link set dev $DEV_CLI xdpgeneric pinned $FP/progs/xdpok
ll attach $DEV_CLI --mode tc >/dev/null 2>&1
via=$(ll -j status | jq -r --arg i $DEV_CLI '.interfaces[] | select(.interface == $i) | "\(.xdp_via) \(.lifeline_xdp_prog_id)"')
if [ "$via" = "none 0" ]; then pass "xdp_via none once lifeline's XDP is gone"
else fail "xdp_via" "xdp_via, lifeline_xdp_prog_id: $via"; fi
if ll status 2>/dev/null | grep -Eq 'INTERFACE +XDP +PROG +TC +STATE'; then pass "status table has a STATE column"
else fail "STATE column" "$(ll status 2>&1 | head -5)"; fi
reset

summary
