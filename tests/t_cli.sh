#!/usr/bin/env bash
# CLI integration: two network namespaces joined by a veth pair, lifeline
# attached on the receiving (client) side, real NBD traffic from nbdkit and
# nbdcopy, a UDP flood and an unregistered TCP connection; then the JSON
# output, the bad-invocation table, privileges, foreign XDP programs and
# detach. Everything is created here and removed on exit.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

PIN=/sys/fs/bpf/lltest-cli-$$
TMP=$(mktemp -d)
UDP=$TOP/build/tests/tool_net

cleanup() {
	nbd_stop
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT


if ! ns_setup; then
	fail setup "cannot create the test namespaces"
	summary
	exit 1
fi

# ------------------------------------------------------------------ attach
out=$(ll -j attach $DEV_CLI)
if echo "$out" | jq -e '.xdp_mode == "native" and .tc_ingress and .tc_egress and (.already_attached|not)' >/dev/null; then
	pass "attach: native XDP and tc on a veth"
else
	fail "attach" "$out"
fi
prog=$(echo "$out" | jq -r .xdp_prog_id)
check "attach: XDP stays after the CLI exits" \
	bash -c "in_cli() { nsenter --net=/run/netns/$NS_CLI \"\$@\"; }; in_cli ip -j link show $DEV_CLI | jq -e '.[0].xdp.prog.id == $prog'"
out=$(ll -j attach $DEV_CLI)
check "attach: twice is idempotent" jq -e ".already_attached and .xdp_prog_id == $prog" <<<"$out"
check "attach: pins are root-only" bash -c "[ \$(stat -c %a $PIN/ll_flows) = 600 ] && [ \$(stat -c %a $PIN) = 700 ]"

# ------------------------------------------------------------------ register, real NBD
check "flow add nbd://" ll flow add nbd://$SRV4 --name disk
check "allow add ssh" ll allow add tcp://198.51.100.0/24:22 --name ssh
if nbd_start 64M; then pass "nbdkit serving"; else fail "nbdkit" "did not start"; fi
head -c 8M /dev/urandom >"$TMP/data"
data_sum=$(sha256sum <"$TMP/data" | cut -d' ' -f1)

nbd_roundtrip() {	# write the data, read it back, compare checksums
	rm -f "$TMP/back"
	in_cli timeout 20 nbdcopy "$TMP/data" nbd://$SRV4 >/dev/null 2>&1 &&
		in_cli timeout 20 nbdcopy nbd://$SRV4 - 2>/dev/null | head -c 8M >"$TMP/back" &&
		[ "$(sha256sum <"$TMP/back" | cut -d' ' -f1)" = "$data_sum" ]
}
tcp_connect() {	# an unregistered TCP connection: nbdkit on the flood address, port 2222
	in_cli timeout 3 nbdinfo --size nbd://$FLOOD4:2222 >/dev/null 2>&1
}
in_srv nbdkit -i $FLOOD4 -p 2222 -P "$TMP/other.pid" memory 1M >/dev/null 2>&1
sleep 0.3

check "level none: NBD write+read verified" nbd_roundtrip
check "level none: unregistered TCP connects" tcp_connect
in_cli "$UDP" recv $CLIF4 9999 3 >"$TMP/rx" &
sleep 0.2
in_srv "$UDP" send $FLOOD4 $CLIF4 9999 2 >/dev/null
wait
rx=$(awk '{print $2}' "$TMP/rx")
if [ "${rx:-0}" -gt 1000 ]; then pass "level none: flood arrives ($rx datagrams)"; else fail "level none: flood" "only ${rx:-0} received"; fi

# ------------------------------------------------------------------ critical
check "pressure set critical" ll pressure set critical
jqt "pressure show says critical/manual" '.level == "critical" and .source == "manual"' pressure show
# At critical, under a UDP flood: NBD verified, the flood dropped before the
# socket and counted at HOOK, an unregistered TCP connection refused.
under_flood() {	# under_flood HOOK LABEL
	local before after rx tx
	before=$(ll -j stats | jq ".hooks.$1.drop_critical.packets")
	flood_during check "$2: NBD write+read verified under flood" nbd_roundtrip
	after=$(ll -j stats | jq ".hooks.$1.drop_critical.packets")
	if [ "${rx:-1}" = 0 ]; then pass "$2: flood dropped before the socket (0 of $tx received)"; else fail "$2: flood" "$rx of $tx received"; fi
	if [ $((after - before)) -ge $((tx / 2)) ]; then pass "$2: drops counted at $1 ($((after - before)))"; else fail "$2: drop counter" "$before -> $after for $tx sent"; fi
	if tcp_connect; then fail "$2: unregistered TCP" "connected"; else pass "$2: unregistered TCP connection dropped"; fi
}
under_flood xdp critical
jqt "critical: rule hits counted" '.rules[] | select(.name == "disk") | .packets > 100' flow list

# Lockout: at critical under a flood, management traffic (the ssh allow rule,
# here an NBD service on the client's port 22), ARP, ND, ICMPv6 PTB and ICMPv4
# frag-needed all pass, 100 %.
in_cli nbdkit -i $CLI4 -p 22 -P "$TMP/ssh.pid" memory 1M >/dev/null 2>&1
in_srv "$UDP" send $FLOOD4 $CLIF4 9999 8 >/dev/null &
FLOOD=$!
sleep 0.3
ok=0
for i in $(seq 20); do in_srv timeout 3 nbdinfo --size nbd://$CLI4:22 >/dev/null 2>&1 && ok=$((ok + 1)); done
[ $ok = 20 ] && pass "lockout: 20/20 management connections (allow rule, port 22) under flood at critical" || fail lockout-mgmt "$ok/20"
mac=$(in_cli ip -br link show $DEV_CLI | awk '{print $3}')
e0=$(ll -j stats | jq .hooks.xdp.pass_essential.packets)
sent=0
for kind in arp nd ptb fragneeded; do
	n=$(in_srv "$UDP" inject $DEV_SRV "$mac" $kind 1000 | awk '{print $2}')
	sent=$((sent + ${n:-0}))
done
ess_all() { e1=$(ll -j stats | jq .hooks.xdp.pass_essential.packets); [ $((e1 - e0)) -ge 4000 ]; }
wait_for 3 ess_all
# the kernel's own ARP/ND on the veth may pass as essential meanwhile: a few more
[ "$sent" = 4000 ] && [ $((e1 - e0)) -ge 4000 ] && [ $((e1 - e0)) -le 4050 ] && pass "lockout: 4000/4000 ARP, ND, PTB, frag-needed frames passed under flood" || fail lockout-essential "sent $sent, passed $((e1 - e0))"
kill $FLOOD 2>/dev/null; wait $FLOOD 2>/dev/null
kill "$(cat "$TMP/ssh.pid")" 2>/dev/null

check "pressure set elevated --for 1m" ll pressure set elevated --for 1m
check "pressure clear" ll pressure clear
check "level none again: unregistered TCP connects" tcp_connect
# an override that ran out is no longer reported active (the datapath ignores it)
check "pressure set critical --for 2s" ll pressure set critical --for 2s
metric() { ll metrics | awk -v m="$1" '$1 == m {print $2}'; }
[ "$(metric lifeline_override_active)" = 1 ] && pass "metrics: override_active 1 while it lasts" ||
	fail "metrics: override_active" "$(metric lifeline_override_active) while set"
sleep 3
[ "$(metric lifeline_override_active)" = 0 ] && [ "$(metric lifeline_level)" = 0 ] &&
	pass "metrics: override_active 0 once expired" ||
	fail "metrics: expired override" "override_active $(metric lifeline_override_active), level $(metric lifeline_level)"
jqt "pressure: expired override inactive" '.level == "none" and (.votes.override.active|not)' pressure show
check "pressure clear after expiry" ll pressure clear

# ------------------------------------------------------------------ JSON
jqt "json: status fields" '.pin_path and (.interfaces|length==1) and .pressure.level and (.flows|type=="number") and (.rules==1) and (.allow_rules==1) and .counters.drop_critical.packets > 0' status
jqt "json: flow list fields" '.rules[0] | .id != null and .kind == "endpoint" and .spec == "nbd://198.51.100.7" and .name == "disk" and (.packets|type=="number") and (.bytes|type=="number")' flow list
jqt "json: allow list fields" '.rules[0].kind == "allow"' allow list
jqt "json: pressure fields" '.level and .source and (.lease_expired|type=="boolean") and .votes.daemon and .votes.override and .votes.kernel' pressure
jqt "json: stats fields" '.hooks.xdp.pass_rule.packets > 0 and .hooks.tc_ingress and .hooks.tc_egress and (.rules|length==2)' stats
jqt "json: stats --interval rates" '.interval_s > 0.9 and (.hooks.xdp.drop_critical.pps|type=="number")' stats --interval 1 --count 1
jqt "json: exact flow add" '.result == "registered"' flow add tcp://$SRV4:10809 --local $CLI4:40000
jqt "json: exact flow listed with origin" '.flows[0].origin == "cli" and (.flows[0].spec|length > 0)' flow list
jqt "json: exact flow del" '.result == "deleted"' flow del tcp://$SRV4:10809 --local $CLI4:40000
jqt "json: exact flow gone" '.flows | length == 0' flow list
jqt "json: error object" '.error and .exit_code == 2' flow add bogus://x
out=$(ll status); if grep -q "level:" <<<"$out"; then pass "human: status prints"; else fail "human: status" "$out"; fi

# ------------------------------------------------------------------ bad invocations
snapshot() {
	{ ll -j flow list; ll -j allow list; ll -j pressure show | jq -c '[.level, .votes.override.level, .votes.override.active]'; \
	  in_cli ip -j link show $DEV_CLI | jq -c '.[0].xdp.prog.id'; } 2>/dev/null | jq -c 'del(.. | .packets?, .bytes?)'
}
printf 'nbd://198.51.100.8\ntcp://198.51.100.9:3260\n# comment\nudp://198.51.100.0/33:2049\n' >"$TMP/bad.flows"
printf 'nbd://198.51.100.8\ntcp://198.51.100.9:3260 --name ok\ntcp://198.51.100.9:0\n' >"$TMP/bad2.flows"
bad=(
	"2|flow add"
	"2|flow add 198.51.100.7"
	"2|flow add nbd://"
	"2|flow add nbd://300.1.1.1"
	"2|flow add nbd://198.51.100"
	"2|flow add tcp://198.51.100.0/33"
	"2|flow add tcp://198.51.100.0/-1"
	"2|flow add tcp://[2001:db8::/129]"
	"2|flow add tcp://198.51.100.7:0"
	"2|flow add tcp://198.51.100.7:65536"
	"2|flow add tcp://198.51.100.7:4000-3000"
	"2|flow add tcp://198.51.100.7:x"
	"2|flow add smb://198.51.100.7"
	"2|flow add tcp://198.51.100.7/24"
	"2|flow add tcp://[2001:db8::1:4420"
	"2|flow add tcp://2001:db8::1]:4420"
	"2|flow add tcp://storage.example:3260"
	"2|flow add nbd://198.51.100.7 --name"
	"2|flow add nbd://198.51.100.7 --local"
	"2|flow add nbd://198.51.100.7 --local 192.0.2.1"
	"2|flow add nbd://198.51.100.0/24 --local 192.0.2.1:4000"
	"2|flow add nbd://198.51.100.7 --local 2001:db8::1:4000"
	"2|flow add nbd://198.51.100.7 --bogus"
	"2|flow add nbd://198.51.100.7 nbd://198.51.100.8"
	"2|flow frob"
	"2|flow"
	"1|flow del nbd://198.51.100.99"
	"1|flow del nosuchname"
	"2|flow load"
	"1|flow load /nonexistent/file"
	"2|flow load $TMP/bad.flows"
	"2|flow load $TMP/bad2.flows"
	"2|allow add tcp://198.51.100.0/24:22 --local 192.0.2.1:22"
	"2|allow add"
	"2|pressure set"
	"2|pressure set panic"
	"2|pressure set CRITICAL"
	"2|pressure set crit"
	"2|pressure set critical --for"
	"2|pressure set critical --for 10x"
	"2|pressure set critical --for -5s"
	"2|pressure set critical --for 0"
	"2|pressure set critical --until 5s"
	"2|pressure frob"
	"2|attach"
	"1|attach nosuchdev0"
	"2|attach $DEV_CLI --mode turbo"
	"2|attach $DEV_CLI --mode"
	"2|attach $DEV_CLI --mode tc --no-tc"
	"2|attach a/b"
	"2|attach $DEV_CLI extra"
	"2|detach"
	"1|detach nosuchdev0"
	"2|status extra"
	"2|stats --interval 0"
	"2|stats --interval x"
	"2|stats --count 0"
	"2|frobnicate"
	"2|--bogus status"
	"2|--max-flows 0 status"
	"2|--pin-path /sys/fs/bpf/lltest.cli-$$ attach $DEV_CLI"
	"2|--pin-path /sys/fs/bpf/lltest-cli.d/sub flow add nbd://198.51.100.8"
	"2|--pin-path /sys/fs/bpf/lltest-cli-$$.d status"
	"2|--pin-path /sys/fs/bpf/lltest.cli-$$ detach --all"
	"2|"
)
ref=$(snapshot)
nbad=0
for row in "${bad[@]}"; do
	want=${row%%|*}; args=${row#*|}
	# shellcheck disable=SC2086
	ll $args >"$TMP/o" 2>"$TMP/e"
	rc=$?
	lines=$(wc -l <"$TMP/e")
	now=$(snapshot)
	if [ "$rc" != "$want" ]; then
		fail "bad: lifeline $args" "exit $rc, expected $want ($(head -1 "$TMP/e"))"
	elif [ "$lines" != 1 ]; then
		fail "bad: lifeline $args" "$lines lines on stderr: $(tr '\n' '|' <"$TMP/e")"
	elif [ "$now" != "$ref" ]; then
		fail "bad: lifeline $args" "state changed"
	else
		pass "bad: lifeline $args"
	fi
	nbad=$((nbad + 1))
done
[ -n "${V:-}" ] && echo "bad invocations checked: $nbad"
# bpffs refuses names with a '.': said in one line naming the path, nothing made
out=$(in_cli env LIFELINE_PIN_PATH=/sys/fs/bpf/lltest.env-$$ "$LL" flow add nbd://198.51.100.8 2>&1)
rc=$?
if [ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q "LIFELINE_PIN_PATH /sys/fs/bpf/lltest.env-$$: bpffs does not allow '.'" <<<"$out" &&
	! ls -d /sys/fs/bpf/lltest.* /sys/fs/bpf/lltest-cli.d /sys/fs/bpf/lltest-cli-$$.d >/dev/null 2>&1; then
	pass "pin path with a '.': one line naming it, exit 2, nothing created"
else
	fail "pin path with a '.'" "exit $rc: $out"
fi

# ------------------------------------------------------------------ flow load
for i in $(seq 1 50); do echo "tcp://198.51.100.$i:3260 # target $i"; done >"$TMP/good.flows"
echo "tcp://203.0.113.9:4420 --local 203.0.113.2:40001" >>"$TMP/good.flows"
jqt "flow load: 50 rules and 1 flow" '.rules_added == 50 and .flows_added == 1' flow load $TMP/good.flows
jqt "flow load: again is idempotent" '.rules_added == 0 and .already == 51' flow load - <$TMP/good.flows

# ------------------------------------------------------------------ privileges
nonroot=0 total=0
# nobody runs a copy in $TMP: the checkout may be under a directory closed to others
chmod 755 "$TMP" && install -m 0755 "$LL" "$TMP/lifeline-nobody"
for cmd in "status" "stats" "attach $DEV_CLI" "detach $DEV_CLI" "flow add nbd://$SRV4" "flow list" \
	"flow del nbd://$SRV4" "flow load /dev/null" "allow list" "pressure" "pressure set critical" \
	"pressure clear" "sockets list" "strict show" "tune" "metrics" "reserve show"; do
	total=$((total + 1))
	# shellcheck disable=SC2086
	out=$(in_cli env LIFELINE_PIN_PATH=$PIN setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$TMP/lifeline-nobody" $cmd 2>&1)
	rc=$?
	if [ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "CAP_BPF and CAP_NET_ADMIN"; then
		nonroot=$((nonroot + 1))
	else
		echo "   non-root: lifeline $cmd -> exit $rc: $out"
	fi
done
[ $nonroot = $total ] && pass "non-root: all $total commands refuse with the privilege message" || fail "non-root" "$nonroot of $total"

check "remote prefilter exact after the adds, loads and deletes above" "$TOP/build/tests/llstate" $PIN prefilter
# ------------------------------------------------------------------ detach, foreign programs
check "detach" ll detach $DEV_CLI
check "detach: no XDP left" bash -c "! nsenter --net=/run/netns/$NS_CLI ip -j link show $DEV_CLI | jq -e '.[0].xdp' >/dev/null"
check "detach: no tc filters or clsact left" bash -c "[ -z \"\$(nsenter --net=/run/netns/$NS_CLI tc qdisc show dev $DEV_CLI | grep clsact)\" ]"
check "detach: no pins left" bash -c "[ ! -e $PIN ]"
# ------------------------------------------------------------------ attach --mode tc
# No XDP: tc ingress (ll_tc_policy) applies the level policy, the same
# decision test_diff compares with XDP's frame by frame.
out=$(ll -j attach $DEV_CLI --mode tc)
if echo "$out" | jq -e '.policy_hook == "tc_ingress" and .xdp_mode == "none" and .tc_ingress and .tc_egress' >/dev/null; then
	pass "attach --mode tc: tc policy and egress, no XDP"
else
	fail "attach --mode tc" "$out"
fi
check "attach --mode tc: no XDP on the interface" bash -c "! nsenter --net=/run/netns/$NS_CLI ip -j link show $DEV_CLI | jq -e '.[0].xdp' >/dev/null"
jqt "attach --mode tc twice is idempotent" '.already_attached and .policy_hook == "tc_ingress"' attach $DEV_CLI --mode tc
# switching the policy point in place (#15): no detach, so the registrations stay
out=$(ll -j attach $DEV_CLI --mode native 2>&1); rc=$?
if [ $rc = 0 ] && jq -e '.switched and .policy_hook == "xdp" and .state == "enforcing"' <<<"$out" >/dev/null &&
	ll attach $DEV_CLI --mode tc >/dev/null; then
	pass "XDP attach over --mode tc switches in place, and back"
else
	fail "XDP over tc mode" "exit $rc: $out"
fi
# --mode auto takes what works: the tc policy in place (as after an auto fallback) is that
jqt "attach (auto) over --mode tc: already attached, no XDP added" '.already_attached and .policy_hook == "tc_ingress" and .xdp_mode == "none"' attach $DEV_CLI
jqt "status: the interface listed with its tc policy" '.interfaces | length == 1 and .[0].policy_hook == "tc_ingress"' status
# without CAP_SYS_ADMIN (a container's root) the mode is still known: it is
# recorded in the pins, not read back by program id
out=$(in_cli env LIFELINE_PIN_PATH=$PIN setpriv --bounding-set=-sys_admin "$LL" -j status 2>&1)
if jq -e '.interfaces[0].policy_hook == "tc_ingress"' <<<"$out" >/dev/null; then
	pass "tc mode known without CAP_SYS_ADMIN: status says so"
else
	fail "tc mode without CAP_SYS_ADMIN" "$out"
fi
check "tc mode: flow add nbd://" ll flow add nbd://$SRV4 --name disk
check "tc mode: pressure set critical" ll pressure set critical
under_flood tc_ingress "tc mode, critical"
check "tc mode: pressure clear" ll pressure clear
check "tc mode: unregistered TCP connects at none" tcp_connect
check "tc mode: detach" ll detach $DEV_CLI
check "tc mode: detach leaves no filters, clsact or pins" bash -c "[ -z \"\$(nsenter --net=/run/netns/$NS_CLI tc qdisc show dev $DEV_CLI | grep clsact)\" ] && [ ! -e $PIN ]"

# xdp-filter's maps are pinned host-wide (/sys/fs/bpf/xdp-filter): one suite at a time (t_share too)
exec 9>/run/lock/lifeline-tests-xdpfilter.lock
flock -w 300 9
if in_cli xdp-filter load $DEV_CLI --mode skb >/dev/null 2>&1; then
	out=$(ll attach $DEV_CLI 2>&1); rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -q -- "--force"; then pass "foreign XDP refused without --force"; else fail "foreign XDP" "exit $rc: $out"; fi
	check "a refused first attach leaves no maps behind" bash -c "[ ! -e $PIN ]"
	jqt "foreign XDP replaced with --force" '.replaced_foreign and .xdp_mode == "generic"' attach $DEV_CLI --mode generic --force
	check "detach after --force" ll detach $DEV_CLI
	in_cli xdp-filter unload $DEV_CLI >/dev/null 2>&1
else
	skip "foreign XDP" "xdp-filter could not load on this kernel"
fi
flock -u 9

summary
