# Shared by the shell suites and the demo: network namespaces joined by veth
# pairs, with static addresses and permanent neighbours. Everything created
# here carries the suffix $LL_NS_ID and is removed by ns_cleanup (call it from
# a trap on EXIT). Only test addresses are used (RFC 5737 / RFC 3849).
#
#   srv  (198.51.100.7/24, 203.0.113.50/24, 2001:db8:1::7/64)  NBD server, flooder
#    |   veth  lls<ID>  <->  llc<ID>
#   cli  (198.51.100.2/24, 203.0.113.2/24,  2001:db8:1::2/64)  NBD client; lifeline attaches to llc<ID>

LL_NS_ID=${LL_NS_ID:-$$}
NS_SRV=llsrv$LL_NS_ID
NS_CLI=llcli$LL_NS_ID
DEV_SRV=lls$LL_NS_ID
DEV_CLI=llc$LL_NS_ID
SRV4=198.51.100.7
CLI4=198.51.100.2
FLOOD4=203.0.113.50
CLIF4=203.0.113.2
SRV6=2001:db8:1::7
CLI6=2001:db8:1::2

# Runs in a namespace without remounting /sys (so /sys/fs/bpf pins stay visible).
in_srv() { nsenter --net=/run/netns/$NS_SRV "$@"; }
in_cli() { nsenter --net=/run/netns/$NS_CLI "$@"; }

# lifeline in the client namespace, on the suite's own pin path ($PIN).
ll() { in_cli env LIFELINE_PIN_PATH=$PIN "$LL" "$@"; }
# jqt NAME FILTER ARGS...: passes when `lifeline -j ARGS` prints JSON matching FILTER.
jqt() {
	local name=$1 filter=$2 out; shift 2
	out=$(ll -j "$@" 2>"$TMP/jqt.err")
	if jq -e "$filter" >/dev/null 2>&1 <<<"$out"; then pass "$name"; else fail "$name" "lifeline -j $* -> $(echo "$out" | head -c 300) $(head -c 300 "$TMP/jqt.err")"; fi
}

# The CPUs (hex mask) whose packets go to queue $1 of 2: CPUs 0, 2, 4... or 1, 3, 5...
ll_xps_mask() {
	local m=0 c
	for ((c = $1; c < $(nproc) && c < 64; c += 2)); do m=$((m | 1 << c)); done
	printf '%x' $m
}

ns_setup() {
	ip netns add $NS_SRV || return 1
	ip netns add $NS_CLI || return 1
	# two queues each way: with XDP, veth runs a NAPI ring per queue, so a flood
	# from one CPU does not share a ring with block I/O from the other. That
	# needs XPS (set below): without it a socket's queue is a hash, and half of
	# the time the NBD connection shared the flood's ring (measured: its
	# packets dropped when the ring was full, ~1,000 TCP retransmits per
	# second, about half the throughput).
	ip link add $DEV_SRV netns $NS_SRV numtxqueues 2 numrxqueues 2 type veth peer name $DEV_CLI \
		netns $NS_CLI numtxqueues 2 numrxqueues 2 || return 1
	in_srv ip link set lo up
	in_cli ip link set lo up
	in_srv ip addr add $SRV4/24 dev $DEV_SRV
	in_srv ip addr add $FLOOD4/24 dev $DEV_SRV
	in_srv ip -6 addr add $SRV6/64 dev $DEV_SRV nodad
	in_cli ip addr add $CLI4/24 dev $DEV_CLI
	in_cli ip addr add $CLIF4/24 dev $DEV_CLI
	in_cli ip -6 addr add $CLI6/64 dev $DEV_CLI nodad
	in_srv ip link set $DEV_SRV up
	in_cli ip link set $DEV_CLI up
	# XPS: a packet sent from CPU n goes out of (and arrives on) queue n % 2.
	# sysfs shows a namespace's devices only where it is mounted in it.
	local ns dev q
	for ns in "$NS_SRV $DEV_SRV" "$NS_CLI $DEV_CLI"; do
		read -r ns dev <<<"$ns"
		for q in 0 1; do
			ip netns exec "$ns" sh -c "echo $(ll_xps_mask $q) >/sys/class/net/$dev/queues/tx-$q/xps_cpus" 2>/dev/null
		done
	done
	# Permanent neighbours: ARP/ND never depends on what lifeline passes.
	local msrv mcli
	msrv=$(in_srv ip -br link show $DEV_SRV | awk '{print $3}')
	mcli=$(in_cli ip -br link show $DEV_CLI | awk '{print $3}')
	for a in $CLI4 $CLIF4 $CLI6; do in_srv ip neigh replace $a lladdr $mcli dev $DEV_SRV nud permanent; done
	for a in $SRV4 $FLOOD4 $SRV6; do in_cli ip neigh replace $a lladdr $msrv dev $DEV_CLI nud permanent; done
	# Like with like: GRO on at the receiver, offloads off toward it.
	in_cli ethtool -K $DEV_CLI gro on >/dev/null 2>&1
	in_srv ethtool -K $DEV_SRV tso off gso off >/dev/null 2>&1
	return 0
}

ns_cleanup() {
	ip netns pids $NS_SRV 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns pids $NS_CLI 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del $NS_SRV 2>/dev/null
	ip netns del $NS_CLI 2>/dev/null
	return 0
}

# ns_begin: the namespaces (ns_setup), or the suite fails and exits.
ns_begin() {
	ns_setup && return 0
	fail setup "cannot create the test namespaces"
	summary; exit 1
}

# ns_suite_cleanup: the end of a suite on these namespaces (call it from its EXIT
# trap): nbdkit stopped, everything on the suite's pin path ($PIN) detached, the
# namespaces and what runs in them gone, $PIN and $TMP removed.
ns_suite_cleanup() {
	nbd_stop
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	rm -rf "$PIN" "$TMP"
}

# cli_listener PORT PIDFILE: an unregistered TCP listener on the client's address
# (nbdkit: any service would do); returns once it listens (3 s at most).
cli_listening() { [ "$(in_cli ss -Htln "( sport = :$1 )" | wc -l)" = 1 ]; }
cli_listener() {
	in_cli nbdkit -i $CLI4 -p "$1" -P "$2" memory 1M >/dev/null 2>&1
	wait_for 3 cli_listening "$1"
}

# udp_rx FROM PORT: how many of the UDP datagrams the server side sends from FROM
# for a second reach the client's socket on $CLIF4:PORT ($UDP: tests/tool_net);
# flood_rx: the same from the flood address
udp_rx() {
	in_cli "$UDP" recv $CLIF4 "$2" 2 >"$TMP/rx" &
	sleep 0.3
	in_srv "$UDP" send "$1" $CLIF4 "$2" 1 >/dev/null
	wait
	awk '{print $2}' "$TMP/rx"
}
flood_rx() { udp_rx $FLOOD4 9999; }
# flood_during CMD...: runs CMD while the server side floods the client's UDP
# port 9999 from the flood address for 2 s; sets tx and rx (datagrams sent,
# received); returns CMD's status
flood_during() {
	local rc
	in_cli "$UDP" recv $CLIF4 9999 3 >"$TMP/rx" &
	sleep 0.2
	in_srv "$UDP" send $FLOOD4 $CLIF4 9999 2 >"$TMP/tx" &
	"$@"; rc=$?
	wait
	rx=$(awk '{print $2}' "$TMP/rx"); tx=$(awk '{print $2}' "$TMP/tx")
	return $rc
}

# nbdkit memory disk on the server side; prints nothing, returns when it listens.
nbd_start() {
	local size=${1:-256M}
	setsid nsenter --net=/run/netns/$NS_SRV nbdkit -i $SRV4 -p 10809 -P /tmp/llnbd$LL_NS_ID.pid memory "$size" \
		>/dev/null 2>&1 || return 1
	for _ in $(seq 50); do
		in_cli nbdinfo --size nbd://$SRV4 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

nbd_stop() {
	[ -f /tmp/llnbd$LL_NS_ID.pid ] && kill "$(cat /tmp/llnbd$LL_NS_ID.pid)" 2>/dev/null
	rm -f /tmp/llnbd$LL_NS_ID.pid
}

# quiet_link: no router solicitations on the veth (the exact would-drop counts
# of observe need a quiet link); sets mac, the client interface's address
quiet_link() {
	mac=$(in_cli ip -br link show $DEV_CLI | awk '{print $3}')
	in_srv sysctl -qw net.ipv6.conf.$DEV_SRV.router_solicitations=0
	in_cli sysctl -qw net.ipv6.conf.$DEV_CLI.router_solicitations=0
}
# raw_flood N SECONDS: N unregistered UDP packets from FLOOD4, sent raw to $mac
# ($NET: tests/tool_net; what was sent in $TMP/sent); prints how many the
# client's socket on $CLIF4:6000 got in SECONDS
raw_flood() {
	in_cli "$NET" recv $CLIF4 6000 "$2" >"$TMP/recv" &
	local rpid=$!
	sleep 0.3
	in_srv "$NET" raw $DEV_SRV "$mac" udp $FLOOD4 5000 $CLIF4 6000 60 "$1" >"$TMP/sent"
	wait $rpid
	awk '{print $2}' "$TMP/recv"
}

# observe_settle: waits (up to 10 s) until no would-drop counter moved for a
# second: the kernel's own packets of a new veth (MLD reports, DAD) count too
would_all() { ll -j stats | jq -c '[.would_drop[][] | .packets]'; }
observe_settle() {
	local a b
	a=$(would_all)
	for _ in $(seq 10); do
		sleep 1
		b=$(would_all)
		[ "$a" = "$b" ] && return 0
		a=$b
	done
}
