#!/usr/bin/env bash
# Live resize of the tables, and programs renewed when their maps are not
# the pinned ones (user/resize.c):
#  - `apply` of a registry whose `tables` line differs from the maps' resizes
#    them in place, up and down, with 10,000 flows (IPv4 and IPv6, every SPEC
#    kind), rules, allow rules and hits kept; `save` then equals the file;
#  - a registered UDP stream at critical loses nothing while the resize runs
#    (the datapath's drop counter does not move), the flood is dropped before
#    and after;
#  - apply --check prints the resize as part of the difference, changes nothing;
#  - a shrink below the flows present is refused with one line, nothing changed;
#  - a resize that fails (LIFELINE_RESIZE_FAULT=copy|switch|pins) or is
#    SIGKILLed after switching the programs leaves the old tables in force
#    (after a kill, the next apply renews the programs over the pins);
#  - a pin removed by hand and made again by `attach`: the programs in place
#    are renewed, a rule added afterwards is enforced at critical.
# Namespaces, veths and a private pin path, removed on exit.
# LL_RESIZE_BIN=BINARY runs the checks against another build.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

LL=${LL_RESIZE_BIN:-$LL}
suite_dirs resize
NET=$TOP/build/tests/tool_net

CG=$CGROOT/lltest-resize-$LL_NS_ID

DPID=""
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	nbd_stop
	ll detach --all >/dev/null 2>&1
	ns_cleanup
	[ -d "$CG" ] && { cat "$CG/cgroup.procs" 2>/dev/null | while read -r p; do echo "$p" >$CGROOT/cgroup.procs; done; rmdir "$CG"; }
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT
caps() { ll -j status | jq -c '[.flow_capacity, .rule_capacity]'; }
xdp_id() { ll -j status | jq '.interfaces[0].xdp_prog_id'; }
drops() { ll -j stats | jq '.hooks.xdp.drop_critical.packets // 0'; }
hits() { ll -j flow list | jq '[.rules[] | select(.name == "u") | .packets] | add // 0'; }
nflows() { ll -j flow list | jq '.flows | length'; }
# udp SRC [SECONDS]: datagrams from SRC to the client; prints "SENT RECEIVED DROPPED-AT-CRITICAL"
udp() {
	local d0 d1 s=${2:-1}
	d0=$(drops)
	in_cli "$NET" recv $CLI4 9999 $((s + 1)) >"$TMP/rx" &
	sleep 0.3
	in_srv "$NET" send "$1" $CLI4 9999 "$s" >"$TMP/tx"
	wait
	d1=$(drops)
	echo "$(awk '{print $2}' "$TMP/tx") $(awk '{print $2}' "$TMP/rx") $((d1 - d0))"
}
passes() { local s r d; read -r s r d <<<"$(udp "$1")"; [ "${s:-0}" -gt 1000 ] && [ "${r:-0}" -gt 1000 ] && [ "${d:-1}" -le $((s / 100)) ]; }
dropped() { local s r d; read -r s r d <<<"$(udp "$1")"; [ "${s:-0}" -gt 1000 ] && [ "${r:-1}" = 0 ] && [ "${d:-0}" -ge $((s / 2)) ]; }

if ! ns_setup; then fail setup "cannot create the test namespaces"; summary; exit 1; fi

R=$TMP/registry.conf
{
	echo "tables --max-flows 16384 --max-rules 64"
	echo "interface $DEV_CLI mode xdp"
	echo "flow udp://$SRV4 --name u"
	echo "allow tcp://192.0.2.0/24:22 --name ssh"
	echo "allow udp://[2001:db8:99::/64]:53"
	for s in tcp udp nbd iscsi nvme-tcp nfs ceph; do
		echo "flow $s://198.51.100.64/26"
		echo "flow $s://[2001:db8:$((RANDOM % 4096 + 1))::/48]"
	done
	echo "flow tcp://203.0.113.0/24:8000-8100 --name range4"
	echo "flow udp://[2001:db8:77::]:2049-2050 --name range6"
	reg_flows_10k
} >"$R"
sed 's/^tables .*/tables --max-flows 65536 --max-rules 128/' "$R" >"$TMP/big.conf"
sed 's/^tables .*/tables --max-flows 4096 --max-rules 64/' "$R" >"$TMP/small.conf"
check "apply creates the maps" ll apply "$R"
[ "$(caps)" = "[16384,64]" ] && [ "$(nflows)" = 10000 ] && pass "maps at the file's sizes, 10,000 flows" ||
	fail "setup" "$(caps) $(nflows)"
ll save - >"$TMP/s0"
id0=$(xdp_id)
check "pressure critical" ll pressure set critical
passes $SRV4 && pass "before: the registered UDP flow passes at critical" || fail "registered flow (before)" "$(udp $SRV4)"
dropped $FLOOD4 && pass "before: the flood is dropped at critical" || fail "flood (before)" "$(udp $FLOOD4)"

# ------------------------------------------------------------------ --check
out=$(ll apply --check "$TMP/big.conf" 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "- tables --max-flows 16384 --max-rules 64
+ tables --max-flows 65536 --max-rules 128" ] && [ "$(caps)" = "[16384,64]" ] && [ "$(xdp_id)" = "$id0" ] &&
	pass "apply --check: the resize is the difference, nothing changed" || fail "--check" "rc $rc $out $(caps)"

# ------------------------------------------------------------------ up, with a registered stream at critical
h0=$(hits)
d0=$(drops)
in_cli "$NET" recv $CLI4 9999 22 >"$TMP/rx" &
rpid=$!
in_srv "$NET" send $SRV4 $CLI4 9999 20 >"$TMP/tx" &
spid=$!
sleep 2
t0=$(date +%s%N)
out=$(ll apply "$TMP/big.conf" 2>&1); rc=$?
t1=$(date +%s%N)
kill -0 $spid 2>/dev/null; running=$?
wait $spid $rpid
d1=$(drops)
read -r _ sent <"$TMP/tx"; read -r _ recvd <"$TMP/rx"
[ -n "${V:-}" ] && echo "   resize 16384/64 -> 65536/128 with 10,000 flows: $(((t1 - t0) / 1000000)) ms; stream sent $sent received $recvd dropped $((d1 - d0))"
[ $rc = 0 ] && [ "$(caps)" = "[65536,128]" ] && pass "apply resized the tables up" || fail "resize up" "rc $rc $out $(caps)"
[ $running = 0 ] && [ "${sent:-0}" -gt 1000 ] && [ "${recvd:-0}" -gt 1000 ] && [ $((d1 - d0)) = 0 ] &&
	pass "a registered UDP stream at critical during the resize: 0 dropped ($sent sent, $recvd received)" ||
	fail "stream during the resize" "running $running sent $sent received $recvd dropped $((d1 - d0))"
[ "$(nflows)" = 10000 ] && diff <(grep -v '^tables' "$TMP/s0") <(ll save - | grep -v '^tables') >/dev/null &&
	ll save - | grep -qx "tables --max-flows 65536 --max-rules 128" &&
	pass "every flow, rule, allow rule and setting kept; save has the new sizes" || fail "kept" "$(nflows)"
out=$(ll apply --check "$TMP/big.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && pass "then apply --check: equal" || fail "--check after" "rc $rc $out"
h1=$(hits)
[ "$h1" -gt "$h0" ] && [ "$h1" -ge $((h0 + recvd)) ] && pass "the flow rule's hits kept and counted on ($h0 -> $h1)" || fail "hits" "$h0 -> $h1 (received $recvd)"
[ "$(ls "$PIN/resize" 2>/dev/null)" = "" ] && pass "nothing left in the stage directory" || fail "stage" "$(ls "$PIN/resize")"
passes $SRV4 && pass "after: the registered UDP flow passes at critical" || fail "registered flow (after)" "$(udp $SRV4)"
dropped $FLOOD4 && pass "after: the flood is dropped at critical" || fail "flood (after)" "$(udp $FLOOD4)"
check "a flow added after the resize" ll flow add udp://$FLOOD4 --name late
passes $FLOOD4 && pass "a flow added after the resize is enforced (passes at critical)" || fail "late flow" "$(udp $FLOOD4)"
check "removed again" ll flow del late
dropped $FLOOD4 && pass "removed: the flood is dropped again" || fail "late flow removed" "$(udp $FLOOD4)"

# ------------------------------------------------------------------ down
out=$(ll apply "$R" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(caps)" = "[16384,64]" ] && diff "$TMP/s0" <(ll save -) >/dev/null &&
	pass "apply resized the tables down; save equals the first state" || fail "resize down" "rc $rc $(caps) $(diff "$TMP/s0" <(ll save -) | head -3)"
passes $SRV4 && dropped $FLOOD4 && pass "down: registered passes, flood dropped" || fail "down: traffic" "$(udp $SRV4) / $(udp $FLOOD4)"
id0=$(xdp_id)	# the programs were renewed in place by each resize

# ------------------------------------------------------------------ refusals
ll apply "$TMP/small.conf" >"$TMP/out" 2>"$TMP/err"; rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
	grep -q "cannot resize the flow table to --max-flows 4096: it holds 10000 flows" "$TMP/err" &&
	grep -q "nothing was changed" "$TMP/err" && [ "$(caps)" = "[16384,64]" ] && [ "$(xdp_id)" = "$id0" ] &&
	diff "$TMP/s0" <(ll save -) >/dev/null &&
	pass "a shrink below the flows present: one line with the counts, nothing changed" ||
	fail "shrink refused" "rc $rc $(cat "$TMP/err") $(caps)"
sed 's/^tables .*/tables --max-flows 16384 --max-rules 8/' "$R" >"$TMP/r8.conf"
ll apply "$TMP/r8.conf" >"$TMP/out" 2>"$TMP/err"; rc=$?
n=$(sed -n 's/.*--max-rules 8: ll_rules holds \([0-9]*\) entries.*/\1/p' "$TMP/err")
[ $rc = 1 ] && [ "${n:-0}" -gt 8 ] && [ "$(caps)" = "[16384,64]" ] &&
	pass "a rule table shrink below the rules present: refused" || fail "rules shrink" "rc $rc $(cat "$TMP/err")"
sed 's/^tables .*/tables --max-flows 67108865/' "$R" >"$TMP/huge.conf"
ll apply "$TMP/huge.conf" >"$TMP/out" 2>"$TMP/err"; rc=$?
[ $rc = 2 ] && [ "$(caps)" = "[16384,64]" ] && pass "a size out of range: a usage error" || fail "range" "rc $rc $(cat "$TMP/err")"

# lifeline.service's bounding set has no CAP_SYS_ADMIN: a reload that resizes is refused, nothing changed
if command -v setpriv >/dev/null; then
	in_cli env LIFELINE_PIN_PATH=$PIN setpriv --bounding-set=-all,+bpf,+net_admin,+perfmon --inh-caps=-all \
		--no-new-privs -- "$LL" apply "$TMP/big.conf" >"$TMP/out" 2>"$TMP/err"; rc=$?
	[ $rc = 1 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "needs CAP_SYS_ADMIN" "$TMP/err" &&
		[ "$(caps)" = "[16384,64]" ] && [ "$(xdp_id)" = "$id0" ] && diff "$TMP/s0" <(ll save -) >/dev/null &&
		[ "$(ls "$PIN/resize" 2>/dev/null)" = "" ] &&
		pass "without CAP_SYS_ADMIN (lifeline.service): a resize is refused in one line, nothing changed" ||
		fail "no CAP_SYS_ADMIN" "rc $rc $(cat "$TMP/err") $(caps)"
else
	skip "resize without CAP_SYS_ADMIN" "setpriv not installed"
fi

# ------------------------------------------------------------------ failures half-way
for f in copy switch pins; do
	ll_f() { in_cli env LIFELINE_PIN_PATH=$PIN LIFELINE_RESIZE_FAULT=$f "$LL" "$@"; }
	ll_f apply "$TMP/big.conf" >"$TMP/out" 2>"$TMP/err"; rc=$?
	[ $rc = 1 ] && grep -q "nothing was changed" "$TMP/err" && [ "$(caps)" = "[16384,64]" ] && [ "$(xdp_id)" = "$id0" ] &&
		diff "$TMP/s0" <(ll save -) >/dev/null && [ "$(ls "$PIN/resize" 2>/dev/null)" = "" ] &&
		pass "a resize failing at '$f': exit 1, the old tables and programs in force" ||
		fail "fault $f" "rc $rc $(cat "$TMP/err") $(caps) xdp $(xdp_id) (was $id0)"
done
passes $SRV4 && dropped $FLOOD4 && pass "after the failures: registered passes, flood dropped" || fail "after failures" "$(udp $SRV4) / $(udp $FLOOD4)"
in_cli env LIFELINE_PIN_PATH=$PIN LIFELINE_RESIZE_FAULT=kill-switch "$LL" apply "$TMP/big.conf" >/dev/null 2>&1; rc=$?
[ $rc = 137 ] && [ "$(caps)" = "[16384,64]" ] && pass "a resize SIGKILLed after the switch: the old maps stay pinned" || fail "kill" "rc $rc $(caps)"
out=$(ll apply "$R" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && [ "$(ls "$PIN/resize" 2>/dev/null)" = "" ] && diff "$TMP/s0" <(ll save -) >/dev/null &&
	pass "then apply: nothing to change, the stage removed" || fail "apply after kill" "rc $rc $out"
check "a flow added after the killed resize" ll flow add udp://$FLOOD4 --name late
passes $FLOOD4 && pass "after the kill and apply: a flow added is enforced (the programs use the pinned maps)" ||
	fail "late flow after kill" "$(udp $FLOOD4)"
check "removed again" ll flow del late

# ------------------------------------------------------------------ a pin made again by hand
rm "$PIN/ll_rules"
check "attach again" ll attach $DEV_CLI
check "a rule added after the pin was made again" ll flow add udp://203.0.113.48/28 --name again
passes $FLOOD4 && pass "ll_rules pin removed, attach again: a rule added afterwards is enforced at critical" ||
	fail "renew" "$(udp $FLOOD4)"

# ------------------------------------------------------------------ sock_ops and a TCP stream through a resize
# in_cg CMD...: runs CMD in the client namespace, inside the test cgroup
in_cg() { bash -c 'echo $$ >'"$CG"'/cgroup.procs && exec "$@"' _ nsenter --net=/run/netns/$NS_CLI "$@"; }
noflow() { [ "$(sockflows "$1")" = 0 ]; }
sockflows() { ll -j flow list | jq "[.flows[] | select(.origin == \"sock_ops\" and (.spec | test(\"local .*:$1\$\")))] | length"; }
check "register the NBD endpoint" ll flow add nbd://$SRV4 --name n
if ! grep -q cgroup2 /proc/mounts || [ ! -d $CGROOT ] || ! mkdir "$CG" || ! nbd_start 64M; then
	skip "sock_ops through a resize" "no cgroup-v2 hierarchy at $CGROOT or no nbdkit"
else
	check "sockets attach --cgroup" ll sockets attach --cgroup "$CG"
	sed -i "s/^tables .*/tables --max-flows 32768 --max-rules 128/" "$TMP/big.conf"
	in_cg "$NET" tcphold $SRV4 10809 3 >"$TMP/pre" &
	hpid=$!
	wait_for 5 test -s "$TMP/pre"
	pre=$(awk '{print $2}' "$TMP/pre")
	[ "$(sockflows "$pre")" = 1 ] && pass "a connection before the resize: registered by sock_ops" || fail "sock_ops before" "port $pre"
	# NBD reads at critical, over and over, while the resize runs
	d0=$(drops)
	( ok=0 bad=0; while [ ! -e "$TMP/stop" ]; do
		if in_cg nbdcopy nbd://$SRV4 null: 2>/dev/null; then ok=$((ok + 1)); else bad=$((bad + 1)); fi; done
	  echo "$ok $bad" >"$TMP/nbd" ) &
	npid=$!
	sleep 1
	out=$(ll apply --keep "$TMP/big.conf" 2>&1); rc=$?
	kill -0 $npid 2>/dev/null; running=$?
	sleep 1
	touch "$TMP/stop"
	wait $npid $hpid
	d1=$(drops)
	read -r ok bad <"$TMP/nbd"
	[ $rc = 0 ] && [ "$(caps)" = "[32768,128]" ] && pass "resized with a sockets link" || fail "resize with sockets" "rc $rc $out $(caps)"
	[ $running = 0 ] && [ "${ok:-0}" -ge 2 ] && [ "${bad:-1}" = 0 ] && [ $((d1 - d0)) = 0 ] &&
		pass "NBD reads (TCP) at critical through the resize: $ok of $ok complete, 0 dropped" ||
		fail "NBD during the resize" "running $running ok $ok bad $bad dropped $((d1 - d0))"
	wait_for 5 noflow "$pre" && pass "the connection closed during the resize: its flow removed from the new table" ||
		fail "sock_ops removal" "$(sockflows "$pre")"
	in_cg "$NET" tcphold $SRV4 10809 3 >"$TMP/post" &
	hpid=$!
	wait_for 5 test -s "$TMP/post"
	post=$(awk '{print $2}' "$TMP/post")
	[ "$(sockflows "$post")" = 1 ] && pass "a connection after the resize: sock_ops registers it in the new table" || fail "sock_ops after" "port $post"
	wait $hpid
	wait_for 5 noflow "$post" && pass "and removes it on close" || fail "sock_ops close after" "$(sockflows "$post")"
fi

# ------------------------------------------------------------------ lifelined follows the resized maps
# it reads the flow and rule tables for its metrics (and writes only the state
# map, which a resize keeps): after a resize it reopens the new ones. Last: a
# stopped daemon's lease runs out, and the datapath fails open (by design).
LLD=${LL_RESIZE_LLD:-$TOP/build/lifelined}
sed 's/^tables .*/tables --max-flows 65536 --max-rules 128/' "$R" >"$TMP/big.conf"
check "back to the first sizes" ll apply --keep "$R"
DLOG=$TMP/lld.log PROM=$TMP/lifeline.prom
mkdir -p "$TMP/run"
fake_proc "$TMP/root"
memavail_kb "$TMP/root" 20000000
pfdrops "$TMP/root" 0
lld_conf state_dir="$TMP/run" tick=100ms lease=1s hold=1s textfile="$PROM" interval=300ms >"$TMP/lld.conf"
LIFELINE_PIN_PATH=$PIN "$LLD" --foreground --config "$TMP/lld.conf" --proc-root "$TMP/root" -v >>"$DLOG" 2>&1 &
DPID=$!
# lifeline_rules_max: the rule records, 2 x --max-rules
prom_is() { grep -qx "lifeline_flows_max $1" "$PROM" 2>/dev/null && grep -qx "lifeline_rules_max $2" "$PROM"; }
if wait_for 10 prom_is 16384 128; then
	check "resize up with lifelined running" ll apply --keep "$TMP/big.conf"
	wait_for 10 prom_is 65536 256 && grep -q "created again (or resized)" "$DLOG" &&
		pass "lifelined reopened the resized maps (its metrics: 65536 flows, 256 rule records)" ||
		fail "lifelined after the resize" "$(grep '_max ' "$PROM" | tr '\n' ' ') $(tail -2 "$DLOG")"
	check "resize down with lifelined running" ll apply --keep "$R"
	wait_for 10 prom_is 16384 128 && pass "and again after the resize down" || fail "lifelined after down" "$(grep '_max ' "$PROM" | tr '\n' ' ')"
else
	fail "lifelined" "no metrics: $(ls "$TMP"; grep _max "$PROM"; tail -3 "$DLOG")"
fi
kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; DPID=""

summary
