#!/usr/bin/env bash
# Automatic registration: sock_ops on a test cgroup registers real TCP
# connections to a registered endpoint (and removes them on close), gives
# them priority and mark; the TCP iterator picks up a connection that
# existed before; cgroup registration; strict mode against a spoofed
# registered 5-tuple. Namespaces and the cgroup are created here and removed.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

PIN=/sys/fs/bpf/lltest-sock-$$
TMP=$(mktemp -d)
NET=$TOP/build/tests/tool_net
CGROOT=/sys/fs/cgroup/unified
CG=$CGROOT/lltest-$$

cleanup() {
	nbd_stop
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	[ -d "$CG" ] && { cat "$CG/cgroup.procs" 2>/dev/null | while read -r p; do echo "$p" >$CGROOT/cgroup.procs; done; rmdir "$CG"; }
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT
# in_cg CMD...: runs CMD in the client namespace, inside the test cgroup
in_cg() { bash -c 'echo $$ >'"$CG"'/cgroup.procs && exec "$@"' _ nsenter --net=/run/netns/$NS_CLI "$@"; }
flows_with() { ll -j flow list | jq "[.flows[] | select($1)] | length"; }

if ! grep -q cgroup2 /proc/mounts || [ ! -d $CGROOT ] || ! mkdir "$CG"; then
	skip "sockets" "no cgroup-v2 hierarchy at $CGROOT"
	summary; exit 0
fi
if ! ns_setup || ! nbd_start 16M; then fail setup "namespaces or nbdkit"; summary; exit 1; fi
in_srv nbdkit -i $FLOOD4 -p 2222 memory 1M >/dev/null 2>&1

check "attach" ll attach $DEV_CLI
check "register nbd endpoint" ll flow add nbd://$SRV4
check "tune priority and mark" ll tune --priority 5 --mark 19532

# a connection that exists before sock_ops is attached
in_cg "$NET" tcphold $SRV4 10809 8 >"$TMP/pre" &
sleep 0.5
jqt "sockets attach: scan registers the existing connection" '.added.sock_ops == 1' sockets attach --cgroup "$CG"
pre_port=$(awk '{print $2}' "$TMP/pre")
n=$(flows_with ".origin == \"sock_ops\" and (.spec | test(\"local .*:$pre_port\$\"))")
[ "$n" = 1 ] && pass "existing connection listed as sock_ops" || fail "existing connection" "$n flows for port $pre_port"

# a new connection: registered at establishment with its sockopts, removed at close
in_cg "$NET" tcphold $SRV4 10809 2 >"$TMP/new" &
sleep 0.7
read -r _ port _ prio _ mark <"$TMP/new"
n=$(flows_with ".origin == \"sock_ops\" and (.spec | test(\"local .*:$port\$\"))")
[ "$n" = 1 ] && pass "new connection registered at establishment" || fail "new connection" "$n flows for port $port"
[ "$prio" = 5 ] && pass "socket priority set by sock_ops ($prio)" || fail "priority" "$prio"
[ "$mark" = $((0x4c4c)) ] && pass "socket mark set by sock_ops ($mark)" || fail "mark" "$mark"
wait
n=$(flows_with ".origin == \"sock_ops\"")
[ "$n" = 0 ] && pass "flows removed when the connections closed" || fail "close" "$n sock_ops flows left"

# unregistered endpoint: not registered; then register the whole cgroup
in_cg "$NET" tcphold $FLOOD4 2222 1 >/dev/null &
sleep 0.5
[ "$(flows_with '.origin == "sock_ops"')" = 0 ] && pass "connection to an unregistered endpoint not registered" || fail "unregistered endpoint" "registered"
wait
check "flow add cgroup:/" ll flow add cgroup:/lltest-$$
jqt "flow list shows the cgroup" ".cgroups | map(select(.scope == \"cgroup\" and .cgroup == \"/lltest-$$\")) | length == 1" flow list
in_cg "$NET" tcphold $FLOOD4 2222 1.5 >/dev/null &
sleep 0.5
[ "$(flows_with '.origin == "cgroup"')" = 1 ] && pass "cgroup connection registered" || fail "cgroup connection" "$(flows_with '.origin == "cgroup"')"
wait
[ "$(flows_with '.origin == "cgroup"')" = 0 ] && pass "cgroup connection removed at close" || fail "cgroup close" "left"
check "remote prefilter exact after sock_ops added and removed flows" "$TOP/build/tests/llstate" $PIN prefilter
check "flow del cgroup:/" ll flow del cgroup:/lltest-$$

# strict mode: a registered tuple without a socket gets nothing at critical
check "strict exact flow" ll flow add tcp://$SRV4:10810 --local $CLI4:45678 --strict
check "pressure critical" ll pressure set critical
in_cg "$NET" tcphold $SRV4 10809 3 >/dev/null &
sleep 0.3
b=$(ll -j stats | jq .hooks.xdp.drop_strict.packets)
out=$(in_srv "$NET" tcpsyn $SRV4 10810 $CLI4 45678)
a=$(ll -j stats | jq .hooks.xdp.drop_strict.packets)
[ "$out" = failed ] && [ "$a" -gt "$b" ] && pass "spoofed registered tuple dropped (drop_strict $b -> $a)" || fail "strict" "$out, drop_strict $b -> $a"
if in_cli timeout 10 nbdinfo --size nbd://$SRV4 >/dev/null 2>&1; then pass "real registered connection works at critical"; else fail "strict real" "nbdinfo failed"; fi
check "strict on (global)" ll strict on
if in_cli timeout 10 nbdinfo --size nbd://$SRV4 >/dev/null 2>&1; then pass "global strict: real connection still works"; else fail "global strict" "nbdinfo failed"; fi
wait
check "pressure clear" ll pressure clear
check "sockets detach" ll sockets detach --cgroup "$CG"
check "remote prefilter exact at the end" "$TOP/build/tests/llstate" $PIN prefilter
summary
