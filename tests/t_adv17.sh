#!/usr/bin/env bash
# Adversarial pass on stop 17 (branch adv17): the live resize's check that a
# connection sock_ops registered during the resize was not closed since (first
# asked of sock_diag, now of the new sock_ops program's record of closes),
# made to run with the test hook LIFELINE_RESIZE_PAUSE (as t_race17):
#  (h) a connection made between the copy and the switch, closed by the client
#      after the switch while the server keeps its end (half-closed: the
#      client's socket becomes a TIME_WAIT socket whose sock_diag state is
#      FIN_WAIT2): sock_ops saw its close, so no flow may be left for it;
#  (n) a connection made in the same window from a cgroup process whose
#      socket lives in a netns that no process is in and that is not in
#      /run/netns (made there, the process went back; the mount removed):
#      still open, so its flow must be carried over;
#  (a) attach's auto_reason on a veth says only what is true: a veth's
#      packets arrive as skbs, so "before an skb exists" is not.
# Namespaces, veths, a cgroup and a private pin path, removed on exit.
# LL_ADV17_BIN=BINARY runs the checks against another build.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

LL=${LL_ADV17_BIN:-$LL}
suite_dirs adv17
CG=$CGROOT/lltest-adv17-$LL_NS_ID
NS_X=llx$LL_NS_ID
DEV_X=llx$LL_NS_ID
DEV_XS=lly$LL_NS_ID
X4=192.0.2.2
XS4=192.0.2.7
PORT=7117
APID="" LPID="" PIDS=""

cleanup() {
	[ -n "$APID" ] && kill "$APID" 2>/dev/null
	rm -f "$TMP"/p.*
	for p in $PIDS $LPID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ll detach --all >/dev/null 2>&1
	ip netns del $NS_X 2>/dev/null
	ns_cleanup
	[ -d "$CG" ] && { cat "$CG/cgroup.procs" 2>/dev/null | while read -r p; do echo "$p" >$CGROOT/cgroup.procs; done; rmdir "$CG"; }
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT
portflows() { ll -j flow list | jq "[.flows[] | select(.origin != \"cli\" and (.spec | test(\"local .*:$1\$\")))] | length"; }
has_flow() { [ "$(portflows "$1")" = 1 ]; }
no_flow() { [ "$(portflows "$1")" = 0 ]; }
resize_paused() {
	in_cli env LIFELINE_PIN_PATH=$PIN LIFELINE_RESIZE_PAUSE="$TMP/p:$2" "$LL" apply --keep "$1" \
		>"$TMP/apply.out" 2>&1 &
	APID=$!
}
paused() { [ -e "$TMP/p.$1" ] || ! kill -0 "$APID" 2>/dev/null; }
at() { wait_for 60 paused "$1" && [ -e "$TMP/p.$1" ]; }
resize_end() { rm -f "$TMP"/p.*; wait "$APID"; local rc=$?; APID=""; return $rc; }

# conn NAME NSFILE|- DST: a TCP connection from the cgroup (from the client
# netns; its socket made in NSFILE's netns when given), held until killed;
# sets NAME_pid and NAME_port
conn() {
	bash -c 'echo $$ >'"$CG"'/cgroup.procs && exec "$@"' _ \
		nsenter --net=/run/netns/$NS_CLI python3 -c '
import ctypes, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if sys.argv[1] != "-":
    me = os.open("/proc/self/ns/net", os.O_RDONLY)
    ns = os.open(sys.argv[1], os.O_RDONLY)
    assert libc.setns(ns, 0x40000000) == 0
    s = socket.socket()
    assert libc.setns(me, 0x40000000) == 0
    os.close(ns); os.close(me)
else:
    s = socket.socket()
s.connect((sys.argv[2], int(sys.argv[3])))
print("connected", s.getsockname()[1], flush=True)
time.sleep(120)
' "$2" "$3" $PORT >"$TMP/$1" &
	eval "$1_pid=$!"
	PIDS="$PIDS $!"
	wait_for 5 test -s "$TMP/$1"
	eval "$1_port=$(awk '{print $2}' "$TMP/$1")"
}

if ! ns_setup; then fail setup "cannot create the test namespaces"; summary; exit 1; fi

# ------------------------------------------------------------------ (a) auto_reason on a veth
r=$(ll -j attach $DEV_CLI | jq -r '.auto_reason // ""')
case $r in
*"before an skb exists"* | "") fail "auto_reason on a veth" "'$r' (a veth's packets are skbs from the sender)" ;;
*) pass "auto_reason on a veth does not claim that no skb exists ($r)" ;;
esac

# ------------------------------------------------------------------ (i) a failed attach with a pin removed by hand
# ll_rules' pin removed: status exits 3; an attach that fails (lo has no
# native XDP) must not leave the new, empty ll_rules it pinned: the programs
# still use the old one, and status would say nothing is wrong while a rule
# added then never reaches the datapath
NET=$TOP/build/tests/tool_net
# rule_rx PORT: at critical, the datagrams from FLOOD4 that arrive (rule p: passed)
rule_rx() {
	ll pressure set critical >/dev/null
	in_cli "$NET" recv $CLIF4 "$1" 2 >"$TMP/rx" &
	sleep 0.3
	in_srv "$NET" send $FLOOD4 $CLIF4 "$1" 1 >/dev/null
	wait $!
	ll pressure clear >/dev/null
	awk '{print $2}' "$TMP/rx"
}
npins() { ls "$PIN" | grep -c '^ll_'; }
n0=$(npins)
rm "$PIN/ll_rules"
ll status >/dev/null 2>&1; st0=$?
ll attach lo --mode native >/dev/null 2>&1; rc=$?
ll status >/dev/null 2>&1; st1=$?
[ $st0 = 3 ] && [ $rc != 0 ] && [ $st1 = 3 ] && [ "$(npins)" = $((n0 - 1)) ] &&
	pass "a failed attach leaves the pins as it found them (ll_rules still missing: status exits 3)" ||
	fail "failed attach with ll_rules removed" "status $st0, attach rc $rc, status after $st1 (0: a new ll_rules pinned that no program reads), $(npins) of $n0 pins"
if [ $st1 = 0 ]; then
	ll flow add udp://203.0.113.0/24 --name p >/dev/null
	n=$(rule_rx 9101)
	[ "${n:-0}" -gt 100 ] || fail "a rule added after the failed attach" "not enforced at critical ($n datagrams passed) while status exits 0"
	ll flow del p >/dev/null
fi
check "attach DEV renews the programs over a new ll_rules" ll attach $DEV_CLI
ll flow add udp://203.0.113.0/24 --name p >/dev/null
n=$(rule_rx 9102)
[ "${n:-0}" -gt 100 ] && pass "a prefix rule added after the renewal: passed at critical ($n)" ||
	fail "rule after the renewal" "$n datagrams passed at critical"

# ------------------------------------------------------------------ (s) the state pin removed, then attach
# rule p (a prefix) and rule f (a host) registered; ll_state's pin removed by
# hand (the programs are orphans) and attach DEV replaces them over a new
# state: rules listed by flow list must still pass at critical
ll flow add udp://$FLOOD4 --name f >/dev/null
n=$(rule_rx 9103)
[ "${n:-0}" -gt 100 ] || fail "(s) rules before" "$n passed"
rm "$PIN/ll_state"
check "attach DEV with the state pin removed" ll attach $DEV_CLI
n=$(rule_rx 9104)
[ "${n:-0}" -gt 100 ] && pass "rules registered before the state pin was removed: passed at critical after attach ($n)" ||
	fail "rules ignored after the state was renewed" "rule f (listed: $(ll -j flow list | jq -c '[.rules[].name]')): $n datagrams passed at critical; state counts $(bpftool -j map dump pinned "$PIN/ll_state" | jq -c '.[0].formatted.value | [.host_entries, .trie_entries]')"

# ------------------------------------------------------------------ (t) a --mode tc interface whose link pin was removed
# its tc policy link goes with the pin (status: lost, "'lifeline attach DEV'
# attaches again"); that attach must put it back as it was: --mode tc, no XDP
ll detach $DEV_CLI >/dev/null
check "attach --mode tc" ll attach $DEV_CLI --mode tc
ifx=$(in_cli cat /sys/class/net/$DEV_CLI/ifindex 2>/dev/null || ll -j status | jq '.interfaces[0].ifindex')
rm -f "$PIN/links/$ifx-tcx-in"
ll status >/dev/null 2>&1; st=$?
out=$(ll attach $DEV_CLI 2>&1); rc=$?
got=$(ll -j status | jq -c ".interfaces[] | select(.interface == \"$DEV_CLI\") | [.xdp_mode, .policy_hook, .state]")
[ $st = 1 ] && [ $rc = 0 ] && [ "$got" = '["none","tc_ingress","enforcing"]' ] &&
	pass "a lost --mode tc interface attached again: tc policy, no XDP" ||
	fail "lost tc interface re-attached" "status $st, attach rc $rc ($out), then $got (an XDP program added to a --mode tc interface)"
ll detach $DEV_CLI >/dev/null
rm -rf "$PIN"

if ! grep -q cgroup2 /proc/mounts || [ ! -d $CGROOT ] || ! mkdir "$CG"; then
	skip "adv17 resize" "no cgroup-v2 hierarchy at $CGROOT"
	summary
	exit 0
fi
# netns X: a veth to the server namespace
ip netns add $NS_X || { fail setup "netns $NS_X"; summary; exit 1; }
ip link add $DEV_X netns $NS_X type veth peer name $DEV_XS netns $NS_SRV
ip -n $NS_X link set lo up
ip -n $NS_X addr add $X4/24 dev $DEV_X
ip -n $NS_X link set $DEV_X up
ip -n $NS_SRV addr add $XS4/24 dev $DEV_XS
ip -n $NS_SRV link set $DEV_XS up

R=$TMP/registry.conf
{
	echo "tables --max-flows 4096 --max-rules 64"
	echo "interface $DEV_CLI mode xdp"
	echo "flow tcp://$SRV4:$PORT --name t"
	echo "flow tcp://$XS4:$PORT --name x"
} >"$R"
sed 's/^tables .*/tables --max-flows 16384 --max-rules 128/' "$R" >"$TMP/big.conf"
check "apply creates the maps" ll apply "$R"
check "sockets attach --cgroup" ll sockets attach --cgroup "$CG"
# a server that accepts and never reads nor closes (keeps its end open)
in_srv python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
' $PORT &
LPID=$!
wait_for 5 eval '[ "$(in_srv ss -Htln "( sport = :$PORT )" | wc -l)" = 1 ]' || fail setup "no TCP listener"

# ------------------------------------------------------------------ (h) half-closed after the switch
conn H0 - $SRV4
kill "$H0_pid"; wait "$H0_pid" 2>/dev/null
wait_for 5 no_flow "$H0_port" && pass "without a resize: a client's close with the server's end open removes its flow" ||
	fail "close without a resize" "port $H0_port: $(portflows "$H0_port")"
resize_paused "$TMP/big.conf" copied,switched
if at copied; then
	conn H - $SRV4
	rm -f "$TMP/p.copied"
	if at switched; then
		kill "$H_pid"; wait "$H_pid" 2>/dev/null
		wait_for 5 eval '[ -z "$(in_cli ss -HtnO state established "( sport = :$H_port )")" ]'
	else
		fail "pause at switched" "$(cat "$TMP/apply.out")"
	fi
	resize_end || fail "resize (h)" "$(cat "$TMP/apply.out")"
	[ -n "${V:-}" ] && echo "   (h) client's socket after the close: $(in_cli ss -HtanO "( sport = :$H_port )")"
	no_flow "$H_port" &&
		pass "a connection made during the resize, closed by the client after the switch (server's end open): no stale flow" ||
		fail "stale flow of a half-closed connection" "port $H_port: $(portflows "$H_port") flow(s) left; client socket: $(in_cli ss -HtanO "( sport = :$H_port )")"
else
	fail "pause at copied" "$(cat "$TMP/apply.out")"
	resize_end
fi

# ------------------------------------------------------------------ (n) a socket in a netns no process is in
# oldflows PORT: auto-registered flows of local port PORT in the pinned table
# (bpftool: a paused resize holds the instance lock)
oldflows() {
	bpftool -j map dump pinned "$PIN/ll_flows" |
		jq "[.[].formatted.value.e[] | select(.key.local_port == $(( ($1 >> 8) | (($1 & 255) << 8) )) and .val.origin != 0)] | length"
}
conn N0 /run/netns/$NS_X $XS4
wait_for 5 has_flow "$N0_port" && pass "a connection whose socket is in netns X: registered" ||
	fail "registered from netns X" "port $N0_port: $(portflows "$N0_port")"
kill "$N0_pid"; wait "$N0_pid" 2>/dev/null
resize_paused "$R" copied,switched
if at copied; then
	conn N /run/netns/$NS_X $XS4
	wait_for 5 eval '[ "$(oldflows "$N_port")" = 1 ]' || fail "(n) registered in the old table" "port $N_port"
	ip netns del $NS_X	# the netns lives on, held by the socket (and its veth)
	rm -f "$TMP/p.copied"
	at switched || fail "pause at switched (n)" "$(cat "$TMP/apply.out")"
	resize_end || fail "resize (n)" "$(cat "$TMP/apply.out")"
	kill -0 "$N_pid" 2>/dev/null && [ -n "$N_port" ] || fail "connection (n)" "$(cat "$TMP/N")"
	has_flow "$N_port" &&
		pass "an open connection made during the resize, its socket in a netns no process is in: carried over" ||
		fail "open connection's flow dropped by the resize" "port $N_port (socket in a netns with no process, not in /run/netns): $(portflows "$N_port") flow(s)"
else
	fail "pause at copied (n)" "$(cat "$TMP/apply.out")"
	resize_end
fi

summary
