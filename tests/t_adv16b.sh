#!/usr/bin/env bash
# Adversarial checks of the live resize and of pin recovery (#15), default
# attachment (tcx on this kernel), two interfaces at once (XDP and --mode tc):
#  - a resize with registered UDP streams on an XDP and a --mode tc interface
#    at critical: nothing dropped, the flood dropped on both after;
#  - three resizes started at once: serialised, the last one's sizes in force,
#    apply --check of it then equal;
#  - an apply resizing the tables SIGKILLed early: the old sizes and state in
#    force, and `detach --all` then leaves no pin directory (an empty stage
#    directory `resize` kept it);
#  - a map pin removed by hand: status exits 3 and its message names the
#    command that restores it (attach DEV), which then does, on every interface;
#  - the state pin removed (an orphan, tcx attachments): `attach DEV` replaces
#    the orphan (as README says) and removes no other pin;
#  - docs/registry.conf does not say that apply refuses a resize.
# Namespaces, veths and a private pin path, removed on exit.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

PIN=/sys/fs/bpf/lltest-adv16b-$LL_NS_ID
TMP=$(mktemp -d /tmp/lltest-adv16b.XXXXXX)
NET=$TOP/build/tests/tool_net
DEV2S=lt$LL_NS_ID
DEV2C=lu$LL_NS_ID

cleanup() {
	ll detach --all >/dev/null 2>&1
	ns_cleanup
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT
caps() { ll -j status 2>/dev/null | jq -c '[.flow_capacity, .rule_capacity]'; }
states() { ll -j status 2>/dev/null | jq -c '[.interfaces[].state]'; }
drops() { ll -j stats | jq '[.hooks[].drop_critical.packets // 0] | add'; }
# raw_rx SRC DST DEVSRV DEVCLI: 2000 UDP frames SRC:7000 -> DST:9997 out of DEVSRV; prints those received
raw_rx() {
	local mac
	mac=$(in_cli ip -br link show "$4" | awk '{print $3}')
	in_cli "$NET" recv "$2" 9997 2 >"$TMP/rawrx" &
	sleep 0.3
	in_srv "$NET" raw "$3" "$mac" udp "$1" 7000 "$2" 9997 100 2000 >/dev/null
	wait
	awk '{print $2}' "$TMP/rawrx"
}
passes() { local n; n=$(raw_rx "$@"); [ "${n:-0}" -gt 1000 ]; }
blocked() { local n; n=$(raw_rx "$@"); [ "${n:-1}" = 0 ]; }
# both_reg: a flow on each interface registered after a recovery passes at critical
both_flows_pass() {
	ll flow add udp://$FLOOD4:7000 --local $CLI4:9997 >/dev/null &&
		ll flow add udp://192.0.2.50:7000 --local 192.0.2.2:9997 >/dev/null &&
		passes $FLOOD4 $CLI4 $DEV_SRV $DEV_CLI && passes 192.0.2.50 192.0.2.2 $DEV2S $DEV2C
	local rc=$?
	[ $rc = 0 ] || echo "   flows added: received $(raw_rx $FLOOD4 $CLI4 $DEV_SRV $DEV_CLI) (XDP) $(raw_rx 192.0.2.50 192.0.2.2 $DEV2S $DEV2C) (tc) of 2000"
	ll flow del udp://$FLOOD4:7000 --local $CLI4:9997 >/dev/null 2>&1
	ll flow del udp://192.0.2.50:7000 --local 192.0.2.2:9997 >/dev/null 2>&1
	return $rc
}

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
ns_begin
# a second pair, lifeline on it in --mode tc
ip link add $DEV2S netns $NS_SRV type veth peer name $DEV2C netns $NS_CLI || { fail setup "second veth"; summary; exit 1; }
in_srv ip addr add 192.0.2.7/24 dev $DEV2S
in_srv ip addr add 192.0.2.50/24 dev $DEV2S
in_cli ip addr add 192.0.2.2/24 dev $DEV2C
in_srv ip link set $DEV2S up
in_cli ip link set $DEV2C up
in_srv ip neigh replace 192.0.2.2 lladdr "$(in_cli ip -br link show $DEV2C | awk '{print $3}')" dev $DEV2S nud permanent
for a in 192.0.2.7 192.0.2.50; do
	in_cli ip neigh replace $a lladdr "$(in_srv ip -br link show $DEV2S | awk '{print $3}')" dev $DEV2C nud permanent
done

R=$TMP/r1.conf
{
	echo "tables --max-flows 4096 --max-rules 64"
	echo "interface $DEV_CLI mode xdp"
	echo "interface $DEV2C mode tc"
	echo "flow udp://$SRV4 --name u"
	echo "flow udp://192.0.2.7 --name u2"
	echo "allow tcp://192.0.2.0/24:22 --name ssh"
	for ((i = 0; i < 300; i++)); do
		echo "flow tcp://198.51.100.$((i % 250 + 1)):$((10000 + i)) --local 203.0.113.2:$((40000 + i))"
	done
} >"$R"
sed 's/^tables .*/tables --max-flows 16384 --max-rules 128/' "$R" >"$TMP/r2.conf"
check "apply" ll apply "$R"
check "pressure critical" ll pressure set critical
ll save - | grep -v '^tables' >"$TMP/s0"

# ------------------------------------------------------------------ streams on XDP and tc through a resize
d0=$(drops)
# the streams run until the resize is done (SIGTERM; 120 s at most), however long it
# takes (nsenter execs the tool: $! is the tool, not a subshell)
nsenter --net=/run/netns/$NS_CLI "$NET" recv $CLI4 9999 121 >"$TMP/rx1" &
v1=$!
nsenter --net=/run/netns/$NS_CLI "$NET" recv 192.0.2.2 9998 121 >"$TMP/rx2" &
v2=$!
sleep 0.3
nsenter --net=/run/netns/$NS_SRV "$NET" send $SRV4 $CLI4 9999 120 >"$TMP/tx1" &
s1=$!
nsenter --net=/run/netns/$NS_SRV "$NET" send 192.0.2.7 192.0.2.2 9998 120 >"$TMP/tx2" &
s2=$!
sleep 1
t0=$(date +%s%N)
out=$(ll apply "$TMP/r2.conf" 2>&1); rc=$?
t1=$(date +%s%N)
kill -0 $s1 2>/dev/null && kill -0 $s2 2>/dev/null; running=$?
sleep 0.5
kill -TERM $s1 $s2 2>/dev/null
wait $s1 $s2
sleep 0.3
kill -TERM $v1 $v2 2>/dev/null
wait
d1=$(drops)
r1=$(awk '{print $2}' "$TMP/rx1"); r2=$(awk '{print $2}' "$TMP/rx2")
[ $rc = 0 ] && [ "$(caps)" = "[16384,128]" ] && [ $running = 0 ] && [ "${r1:-0}" -gt 1000 ] && [ "${r2:-0}" -gt 1000 ] &&
	[ $((d1 - d0)) = 0 ] && pass "resize with streams on an XDP and a tc interface at critical: 0 dropped ($r1, $r2 received)" ||
	fail "streams through the resize" "rc $rc $(caps) resize $(((t1 - t0) / 1000000)) ms, running $running tx $(cat "$TMP/tx1" "$TMP/tx2" | tr '\n' ' ') rx $r1 $r2 dropped $((d1 - d0))"
diff "$TMP/s0" <(ll save - | grep -v '^tables') >/dev/null && [ "$(states)" = '["enforcing","enforcing"]' ] &&
	pass "everything kept, both interfaces enforcing" || fail "kept" "$(states) $(diff "$TMP/s0" <(ll save - | grep -v '^tables') | head -3)"
blocked $FLOOD4 $CLI4 $DEV_SRV $DEV_CLI && blocked 192.0.2.50 192.0.2.2 $DEV2S $DEV2C &&
	pass "the flood dropped on both after the resize" || fail "flood after" "$(raw_rx $FLOOD4 $CLI4 $DEV_SRV $DEV_CLI) $(raw_rx 192.0.2.50 192.0.2.2 $DEV2S $DEV2C)"
both_flows_pass && pass "flows added after the resize pass on both" || fail "flows after the resize" "dropped"

# ------------------------------------------------------------------ three resizes at once
for i in 1 2 3; do sed "s/^tables .*/tables --max-flows $((8192 * i)) --max-rules 64/" "$R" >"$TMP/c$i.conf"; done
for i in 1 2 3; do (ll apply "$TMP/c$i.conf" >"$TMP/co$i" 2>&1; echo $? >"$TMP/crc$i") & done
wait
f=$(ll -j status | jq .flow_capacity)
[ "$(cat "$TMP"/crc1 "$TMP"/crc2 "$TMP"/crc3 | tr -d '\n')" = 000 ] && [ $((f % 8192)) = 0 ] &&
	ll apply --check "$TMP/c$((f / 8192)).conf" >/dev/null && [ ! -e "$PIN/resize" ] &&
	diff "$TMP/s0" <(ll save - | grep -v '^tables') >/dev/null &&
	pass "three resizes at once: serialised, the last one in force, nothing lost" ||
	fail "concurrent resizes" "$(cat "$TMP"/crc* | tr '\n' ' ') capacity $f $(cat "$TMP"/co* | grep lifeline:)"

# ------------------------------------------------------------------ a resize SIGKILLed early, then detach --all
check "back to the first sizes" ll apply "$R"
nsenter --net=/run/netns/$NS_CLI env LIFELINE_PIN_PATH=$PIN "$LL" apply "$TMP/r2.conf" >/dev/null 2>&1 &
p=$!
sleep 0.3
kill -9 $p 2>/dev/null
wait $p 2>/dev/null; rc=$?
[ $rc = 137 ] && [ "$(caps)" = "[4096,64]" ] && diff "$TMP/s0" <(ll save - | grep -v '^tables') >/dev/null &&
	pass "a resize SIGKILLed early: the old sizes and state in force" || fail "kill" "rc $rc $(caps)"
check "detach --all after the killed resize" ll detach --all
[ ! -e "$PIN" ] && pass "detach --all after a killed resize: no pin directory left" ||
	fail "detach --all after a killed resize" "left: $(cd "$PIN" && find . | tr '\n' ' ')"
rm -rf "$PIN"

# ------------------------------------------------------------------ a map pin removed by hand
check "apply again" ll apply "$R"
check "pressure critical again" ll pressure set critical
rm "$PIN/ll_flows"
ll -j status >"$TMP/st" 2>/dev/null; rc=$?
msg=$(jq -r .error "$TMP/st")
[ $rc = 3 ] && jq -e '.missing_pins == ["ll_flows"]' "$TMP/st" >/dev/null &&
	pass "ll_flows pin removed: status exits 3, missing_pins names it" || fail "status missing pin" "rc $rc $(cat "$TMP/st")"
check "attach DEV (the XDP interface) after ll_flows was removed" ll attach $DEV_CLI
jq -e '.missing_pins == null' <<<"$(ll -j status)" >/dev/null && both_flows_pass &&
	pass "attach DEV restored the pin; flows added afterwards pass at critical on both interfaces" ||
	fail "attach after ll_flows removed" "$(ll -j status | jq -c .missing_pins)"
# the message must point at what works: it said attach DEV alone does not restore it
grep -q "attach DEV' alone does not" <<<"$msg" && fail "missing-pin message" "says attach DEV does not restore it: $msg" ||
	{ grep -q "lifeline attach DEV" <<<"$msg" && pass "missing-pin message names attach DEV as the remedy"; } ||
	fail "missing-pin message" "$msg"
blocked $FLOOD4 $CLI4 $DEV_SRV $DEV_CLI && blocked 192.0.2.50 192.0.2.2 $DEV2S $DEV2C &&
	pass "and the flood is still dropped on both" || fail "flood after recovery" "passed"

# ------------------------------------------------------------------ the state pin removed (tcx): attach replaces the orphan
check "apply (restores the flows)" ll apply "$R"
check "pressure critical (state)" ll pressure set critical
rm "$PIN/ll_state"
n0=$(ls "$PIN" | wc -l)
ll attach $DEV_CLI >"$TMP/out" 2>"$TMP/err"; rc=$?
n1=$(ls "$PIN" | wc -l)
[ $rc = 1 ] && [ "$n1" -lt "$n0" ] && fail "failed attach removed pins" "attach exited 1 ($(cat "$TMP/err")) and $((n0 - n1)) of $n0 pins went with it"
[ $rc = 0 ] && pass "state pin removed (tcx): attach DEV replaces the orphan" || fail "attach over a state orphan (tcx)" "rc $rc $(cat "$TMP/err")"
# both interfaces (the one attached again and the tc one) follow the new state map:
# none passes the flood on both, critical drops it on both, no orphan is left
check "pressure none (the new state)" ll pressure set none
! blocked $FLOOD4 $CLI4 $DEV_SRV $DEV_CLI && ! blocked 192.0.2.50 192.0.2.2 $DEV2S $DEV2C &&
	pass "after the state orphan: level none passes the flood on both interfaces" ||
	fail "state orphan: none" "$(raw_rx $FLOOD4 $CLI4 $DEV_SRV $DEV_CLI) / $(raw_rx 192.0.2.50 192.0.2.2 $DEV2S $DEV2C) of 2000"
check "pressure critical (the new state)" ll pressure set critical
blocked $FLOOD4 $CLI4 $DEV_SRV $DEV_CLI && blocked 192.0.2.50 192.0.2.2 $DEV2S $DEV2C &&
	[ "$(ll -j status | jq -c '[.interfaces[].state] | unique')" = '["enforcing"]' ] &&
	[ "$(ll -j status | jq '.orphans | length')" = 0 ] &&
	pass "and critical drops it on both; both enforcing, no orphan" ||
	fail "state orphan: critical" "$(ll -j status | jq -c '[.interfaces[].state, .orphans]')"

# ------------------------------------------------------------------ the example registry
grep -q "Apply does not resize maps that exist" "$TOP/docs/registry.conf" &&
	fail "docs/registry.conf" "says apply does not resize (exit 2); apply resizes live" ||
	pass "docs/registry.conf describes the live resize"

summary
