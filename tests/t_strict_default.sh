#!/usr/bin/env bash
# Strict mode by default, and forwarded traffic under strict.
#  (a) fresh state, no `strict` command: status shows strict on; at critical,
#      spoofed SYNs from the registered NBD server's address to the NBD port
#      are dropped (drop_strict), a real NBD connection passes. XDP and tc.
#  (b) a router namespace with lifeline on its veth toward the server, the
#      server registered, strict on, at critical: NBD connections from the
#      client namespace through the router (IPv4 and IPv6, forwarded: no
#      socket in the router) still work, and drop_strict does not move; a
#      SYN with the server's address to the router's own address (no
#      socket, delivered locally) is still dropped, IPv4 and IPv6. XDP and tc.
# Namespaces are created and removed here.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

PIN=/sys/fs/bpf/lltest-sdef-$$
PIN_R=/sys/fs/bpf/lltest-sdefr-$$
TMP=$(mktemp -d)
NET=$TOP/build/tests/tool_net
N=20
# (b): client -- router -- server, own namespaces and addresses
NS_C=llsdc$LL_NS_ID NS_R=llsdr$LL_NS_ID NS_S=llsds$LL_NS_ID
DEV_CR=llsdc$LL_NS_ID DEV_RC=llsdrc$LL_NS_ID DEV_RS=llsdrs$LL_NS_ID DEV_SR=llsds$LL_NS_ID
C4=192.0.2.2 RC4=192.0.2.1 RS4=203.0.113.1 S4=203.0.113.7
C6=2001:db8:a::2 RC6=2001:db8:a::1 RS6=2001:db8:b::1 S6=2001:db8:b::7

in_c() { nsenter --net=/run/netns/$NS_C "$@"; }
in_r() { nsenter --net=/run/netns/$NS_R "$@"; }
in_s() { nsenter --net=/run/netns/$NS_S "$@"; }
llr() { in_r env LIFELINE_PIN_PATH=$PIN_R "$LL" "$@"; }

cleanup() {
	nbd_stop
	[ -f "$TMP/srv.pid" ] && kill "$(cat "$TMP/srv.pid")" 2>/dev/null
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	[ -e /run/netns/$NS_R ] && llr detach --all >/dev/null 2>&1
	ns_cleanup
	for ns in $NS_C $NS_R $NS_S; do ip netns del $ns 2>/dev/null; done
	rm -rf "$PIN" "$PIN_R" "$TMP"
}
trap cleanup EXIT

cnt() { local f=$1 hook=$2 name=$3; $f -j stats | jq ".hooks.$hook.$name.packets // 0"; }

# waits until counter NAME of HOOK (through lifeline wrapper F) reached MIN; prints it
wait_cnt() {
	local f=$1 hook=$2 name=$3 min=$4 v
	for _ in $(seq 60); do
		v=$(cnt "$f" "$hook" "$name")
		[ "$v" -ge "$min" ] && break
		sleep 0.05
	done
	echo "$v"
}

# ------------------------------------------------------------------ (a)
if ! ns_setup || ! nbd_start 16M; then fail setup "namespaces or nbdkit"; summary; exit 1; fi
mac=$(in_cli ip -br link show $DEV_CLI | awk '{print $3}')
for mode in native tc; do
	hook=xdp; [ $mode = tc ] && hook=tc_ingress
	check "a/$mode: attach" ll attach $DEV_CLI --mode $mode
	if [ $mode = native ]; then
		jqt "a: fresh state: strict on by default (strict show)" '.strict == true' strict show
		jqt "a: fresh state: strict shown in status" '.pressure.strict == true' status
		jqt "a: fresh state: strict shown in pressure" '.strict == true' pressure
	fi
	check "a/$mode: flow add nbd://" ll flow add nbd://$SRV4
	check "a/$mode: pressure set critical" ll pressure set critical
	d0=$(cnt ll $hook drop_strict) p0=$(cnt ll $hook pass_rule)
	n=$(in_srv "$NET" raw $DEV_SRV "$mac" syn $SRV4 40000 $CLI4 10809 60 $N | awk '{print $2}')
	d1=$(wait_cnt ll $hook drop_strict $((d0 + N)))
	p1=$(cnt ll $hook pass_rule)
	if [ "$n" = $N ] && [ $((d1 - d0)) = $N ] && [ "$p1" = "$p0" ]; then
		pass "a/$mode: no strict command: $N spoofed SYNs from the storage host to the NBD port dropped (drop_strict +$N)"
	else
		fail "a/$mode: spoofed SYNs to the NBD port" "sent $n, drop_strict +$((d1 - d0)), pass_rule +$((p1 - p0))"
	fi
	p0=$(cnt ll $hook pass_rule)
	if in_cli timeout 10 nbdinfo --size nbd://$SRV4 >/dev/null 2>&1 &&
	   [ "$(cnt ll $hook pass_rule)" -gt "$p0" ]; then
		pass "a/$mode: a real NBD connection passes at critical (pass_rule)"
	else
		fail "a/$mode: real NBD connection" "nbdinfo failed or no pass_rule"
	fi
	check "a/$mode: pressure clear" ll pressure clear
	check "a/$mode: detach" ll detach $DEV_CLI
done
nbd_stop
ns_cleanup

# ------------------------------------------------------------------ (b)
setup_router() {
	local ns
	for ns in $NS_C $NS_R $NS_S; do ip netns add $ns || return 1; done
	ip link add $DEV_CR netns $NS_C type veth peer name $DEV_RC netns $NS_R || return 1
	ip link add $DEV_RS netns $NS_R type veth peer name $DEV_SR netns $NS_S || return 1
	in_c ip link set lo up; in_r ip link set lo up; in_s ip link set lo up
	in_c ip addr add $C4/24 dev $DEV_CR
	in_c ip -6 addr add $C6/64 dev $DEV_CR nodad
	in_r ip addr add $RC4/24 dev $DEV_RC
	in_r ip -6 addr add $RC6/64 dev $DEV_RC nodad
	in_r ip addr add $RS4/24 dev $DEV_RS
	in_r ip -6 addr add $RS6/64 dev $DEV_RS nodad
	in_s ip addr add $S4/24 dev $DEV_SR
	in_s ip -6 addr add $S6/64 dev $DEV_SR nodad
	in_c ip link set $DEV_CR up; in_r ip link set $DEV_RC up
	in_r ip link set $DEV_RS up; in_s ip link set $DEV_SR up
	in_c ip route add default via $RC4
	in_c ip -6 route add default via $RC6
	in_s ip route add default via $RS4
	in_s ip -6 route add default via $RS6
	# routing in the router's namespace only (per-namespace sysctls)
	in_r sysctl -qw net.ipv4.ip_forward=1 || return 1
	in_r sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	in_s nbdkit -p 10809 -P "$TMP/srv.pid" memory 1M >/dev/null 2>&1 || return 1
	for _ in $(seq 50); do
		in_c nbdinfo --size nbd://$S4 >/dev/null 2>&1 &&
			in_c nbdinfo --size "nbd://[$S6]" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

if ! setup_router; then fail setup "router namespaces or nbdkit"; summary; exit 1; fi
rmac=$(in_r ip -br link show $DEV_RS | awk '{print $3}')
for mode in native tc; do
	hook=xdp; [ $mode = tc ] && hook=tc_ingress
	check "b/$mode: attach on the router's veth toward the server" llr attach $DEV_RS --mode $mode
	check "b/$mode: flow add nbd:// (IPv4)" llr flow add nbd://$S4
	check "b/$mode: flow add nbd:// (IPv6)" llr flow add "nbd://[$S6]"
	check "b/$mode: strict on (the default, named here)" llr strict on
	check "b/$mode: pressure set critical" llr pressure set critical
	for url in nbd://$S4 "nbd://[$S6]"; do
		d0=$(cnt llr $hook drop_strict) p0=$(cnt llr $hook pass_rule)
		if in_c timeout 10 nbdinfo --size "$url" >/dev/null 2>&1; then ok=1; else ok=0; fi
		d1=$(cnt llr $hook drop_strict) p1=$(cnt llr $hook pass_rule)
		if [ $ok = 1 ] && [ "$d1" = "$d0" ] && [ "$p1" -gt "$p0" ]; then
			pass "b/$mode: forwarded registered NBD ($url) passes the router at critical with strict (pass_rule +$((p1 - p0)))"
		else
			fail "b/$mode: forwarded NBD $url" "nbdinfo ok=$ok, drop_strict +$((d1 - d0)), pass_rule +$((p1 - p0))"
		fi
	done
	# the router's own address: no socket, delivered locally: strict still drops
	d0=$(cnt llr $hook drop_strict)
	n=$(in_s "$NET" raw $DEV_SR "$rmac" syn $S4 10809 $RS4 40000 60 $N | awk '{print $2}')
	d1=$(wait_cnt llr $hook drop_strict $((d0 + N)))
	if [ "$n" = $N ] && [ $((d1 - d0)) = $N ]; then
		pass "b/$mode: SYNs from the registered server to the router's own address dropped (drop_strict +$N)"
	else
		fail "b/$mode: SYNs to the router's own address" "sent $n, drop_strict +$((d1 - d0))"
	fi
	# the same over IPv6: a real SYN from the server to the router's own NBD port (no listener)
	d0=$(cnt llr $hook drop_strict)
	in_s timeout 2 bash -c "exec 3<>/dev/tcp/$RS6/10809" 2>/dev/null
	d1=$(wait_cnt llr $hook drop_strict $((d0 + 1)))
	if [ $((d1 - d0)) -ge 1 ]; then
		pass "b/$mode: IPv6 SYN from the registered server to the router's own address dropped (drop_strict +$((d1 - d0)))"
	else
		fail "b/$mode: IPv6 SYN to the router's own address" "drop_strict +$((d1 - d0))"
	fi
	check "b/$mode: pressure clear" llr pressure clear
	check "b/$mode: detach" llr detach $DEV_RS
done
summary
