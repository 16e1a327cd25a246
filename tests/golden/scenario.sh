#!/usr/bin/env bash
# The CLI golden scenario: a fixed sequence of lifeline commands (every
# object, errors too) run in a namespace with one veth of its own, printed
# as a transcript: the command, its stdout (JSON normalised by jq: ids,
# ifindexes, times and counters replaced by their type), its stderr and its
# exit code. Usage: scenario.sh LIFELINE_BINARY  (run as root; prints to stdout)
# t_golden.sh compares the transcript with tests/golden/cli.expected, which is
# that of the binary before the restructuring (issue #18).
set -u
BIN=$(readlink -f "$1")
ID=g$$
NS=llgold$ID
DEV=llg$ID
PEER=llh$ID
PIN=/sys/fs/bpf/llgold-$ID
TMP=$(mktemp -d)

cleanup() {
	nsenter --net=/run/netns/$NS env LIFELINE_PIN_PATH=$PIN "$BIN" detach --all >/dev/null 2>&1
	ip netns del $NS 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

ip netns add $NS || exit 1
ip link add $DEV netns $NS type veth peer name $PEER netns $NS || exit 1
# no IPv6 on the pair: router and neighbour solicitations would reach the
# datapath at random moments and show up in the counters
nsenter --net=/run/netns/$NS sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
nsenter --net=/run/netns/$NS ip link set $DEV up
nsenter --net=/run/netns/$NS ip link set $PEER up
nsenter --net=/run/netns/$NS ip addr add 198.51.100.2/24 dev $DEV

# Volatile JSON values: numbers under these keys become "N" (a null stays null).
JQ='walk(if type == "object" then with_entries(
	if (.key | test("^(ifindex|xdp_prog_id|.*_prog_id|state_map_id|cgroup_id|since_s|expires_in_s|packets|bytes|pps|bytes_per_s|admitted_bytes.*|charged_bytes.*|interval_s|pid)$"))
	   and (.value | type) == "number" then .value = "N"
	 elif .key == "current" and (.value | type) == "string" and (.value | test("^[0-9]+$")) then .value = "N"
	 else . end) else . end)'
norm() { sed -e "s#$PIN#PIN#g" -e "s#$TMP#TMP#g" -e "s#$DEV#DEV#g" -e "s#$PEER#PEER#g" -e "s/$ID/ID/g"; }
# human durations and byte counts vary: 1.2s, 340ms, 5m -> T
normh() { norm | sed -E -e 's/[0-9]+(\.[0-9]+)?(ms|s|m|h|d)\b/T/g' -e 's/(prog|map) [0-9]+/\1 N/g' \
	-e 's/^(  DEV +[a-z]+ +)[0-9]+/\1N/' -e 's/^(vm\.[a-z_]+ +)[0-9]+/\1N/' -e 's/ +/ /g'; }

# j ARGS...: lifeline -j ARGS, JSON normalised
j() {
	local out rc
	echo "\$ lifeline -j $*" | norm
	out=$(nsenter --net=/run/netns/$NS env LIFELINE_PIN_PATH=$PIN "$BIN" -j "$@" 2>"$TMP/err")
	rc=$?
	if [ -n "$out" ]; then
		jq -S "$JQ" <<<"$out" 2>/dev/null | norm || echo "(not JSON) $out" | norm
	fi
	sed 's/^/stderr: /' "$TMP/err" | norm
	echo "rc=$rc"
}
# h ARGS...: lifeline ARGS (human text)
h() {
	local rc
	echo "\$ lifeline $*" | norm
	nsenter --net=/run/netns/$NS env LIFELINE_PIN_PATH=$PIN "$BIN" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	normh <"$TMP/out"
	sed 's/^/stderr: /' "$TMP/err" | normh
	echo "rc=$rc"
}
# jh ARGS...: both (read-only commands)
jh() { j "$@"; h "$@"; }

# before anything exists
jh status
jh pressure
j flow list
j detach $DEV
# attach
j attach
j attach nosuch0
j attach $DEV --mode bogus
j attach $DEV --mode tc --no-tc
j attach $DEV --bogus
j attach $DEV
j attach $DEV
h attach $DEV
# flows and rules
j flow
j flow bogus
j flow add
j flow add bad://x
j flow add nbd://198.51.100.7 --name disk
j flow add nbd://198.51.100.7 --name disk
j flow add nbd://198.51.100.8 --name 'bad name'
j flow add nbd://198.51.100.8 --name a --name b
j flow add tcp://198.51.100.7:3260 --local 198.51.100.2:40000 --strict
j flow add tcp://198.51.100.7:3260 --local 198.51.100.2:40000
j flow add udp://[2001:db8::/64]:4000-4010
j flow add iscsi://198.51.100.9 --local 198.51.100.2:41000
h flow add nvme-tcp://198.51.100.10 --name nvme
printf '# comment\nnbd://203.0.113.5 --name f1\n\ntcp://203.0.113.6:3260 --local 198.51.100.2:42000\n' >"$TMP/flows"
j flow load "$TMP/flows"
h flow load "$TMP/flows"
printf 'nbd://203.0.113.7\nbogus line here\n' >"$TMP/bad"
j flow load "$TMP/bad"
j flow load "$TMP/nonexistent"
j flow load
jh flow list
j flow del disk
j flow del disk
j flow del tcp://198.51.100.7:3260 --local 198.51.100.2:40000
j flow del tcp://198.51.100.7:3260 --local 198.51.100.2:40000
j flow del
j flow list extra
# allow
j allow add tcp://198.51.100.0/24:22 --name ssh
j allow add tcp://198.51.100.0/24:22 --local 198.51.100.2:22
jh allow list
j allow load "$TMP/flows"
j allow del ssh
j allow del ssh
# pressure
jh pressure
jh pressure show
j pressure show extra
j pressure set
j pressure set bogus
j pressure set elevated --for
j pressure set elevated --for 0
j pressure set elevated --for 5m --for 6m
j pressure set elevated --for 5m
h pressure
j pressure set critical
h pressure show
j pressure clear
h pressure clear
j pressure clear extra
j pressure bogus
# status and stats
jh status
j status extra
jh stats
jh stats --flows
j stats --interval 1 --count 1
j stats --interval 0
j stats --count x
j stats --bogus
# tune, strict
jh tune
j tune --priority 3 --mark 16 --rcvbuf 65536 --sndbuf 32768
j tune --budget-rate 20M --budget-burst 1M --budget-pps 1000
h tune
j tune --priority 70000
j tune --budget-rate 5G
j tune --budget-burst 100
j tune --bogus 1
j tune --priority
jh strict
j strict off
h strict show
j strict on
j strict bogus
j strict on off
# sockets (list and scan only: attach is on the host's cgroup root)
jh sockets
j sockets list
j sockets scan
j sockets bogus
j sockets list --cgroup /x
# reserve, monitor, metrics
jh reserve show --state-dir "$TMP/state"
j reserve
j reserve apply --state-dir "$TMP/state"
j reserve apply --kb 0 --state-dir "$TMP/state"
j reserve bogus
j reserve show --kb 5
j reserve show --state-dir -j
j monitor --state-dir "$TMP/nodaemon"
j monitor --count 0
j monitor --bogus
echo "\$ lifeline metrics | names"
nsenter --net=/run/netns/$NS env LIFELINE_PIN_PATH=$PIN "$BIN" metrics | grep -v '^#' | sed -E 's/[ {].*//' | sort -u
j metrics extra
# global
j
j bogus
j --bogus status
j --max-flows 0 status
# detach
j detach
j detach a b
j detach nosuch0
j detach $DEV
jh status
j detach $DEV
exit 0
