#!/usr/bin/env bash
# Strict mode against spoofed SYNs through a listener: the client namespace
# registers the NBD server (nbd://SRV:10809) and runs a TCP listener on an
# unregistered port. From the server namespace, SYNs with the registered
# remote's address and port are sent from an AF_PACKET socket to that
# listener. At critical with strict on they must be dropped (drop_strict);
# a real NBD connection must still work. Namespaces are created and removed here.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

PIN=/sys/fs/bpf/lltest-strict-$$
TMP=$(mktemp -d)
NET=$TOP/build/tests/tool_net
N=20

cleanup() {
	[ -f "$TMP/lis.pid" ] && kill "$(cat "$TMP/lis.pid")" 2>/dev/null
	ns_suite_cleanup
}
trap cleanup EXIT

if ! ns_setup || ! nbd_start 16M; then fail setup "namespaces or nbdkit"; summary; exit 1; fi
# an unregistered listener on the client: any service (sshd, say) would do
cli_listener 2222 "$TMP/lis.pid"
mac=$(in_cli ip -br link show $DEV_CLI | awk '{print $3}')
count() { ll -j stats | jq ".hooks.$1.$2.packets // 0"; }

spoof() {	# spoof MODE HOOK: N SYNs from SRV4:10809 to the listener, counted where they went
	local label=$1 hook=$2 d0 p0 d1 p1 n
	d0=$(count "$hook" drop_strict) p0=$(count "$hook" pass_rule)
	n=$(in_srv "$NET" raw $DEV_SRV "$mac" syn $SRV4 10809 $CLI4 2222 60 $N | awk '{print $2}')
	for _ in $(seq 50); do
		d1=$(count "$hook" drop_strict)
		[ $((d1 - d0)) -ge $N ] && break
		sleep 0.05
	done
	p1=$(count "$hook" pass_rule)
	if [ "$n" = $N ] && [ $((d1 - d0)) = $N ] && [ "$p1" = "$p0" ]; then
		pass "$label: $N spoofed SYNs from the registered remote to an unregistered listener dropped (drop_strict +$((d1 - d0)))"
	else
		fail "$label: spoofed SYNs to a listener" "sent $n, drop_strict +$((d1 - d0)), pass_rule +$((p1 - p0))"
	fi
	if in_cli timeout 10 nbdinfo --size nbd://$SRV4 >/dev/null 2>&1; then
		pass "$label: a real NBD connection still works at critical with strict"
	else
		fail "$label: real NBD connection" "nbdinfo failed"
	fi
}

for mode in native tc; do
	hook=xdp; [ $mode = tc ] && hook=tc_ingress
	check "$mode: attach" ll attach $DEV_CLI --mode $mode
	check "$mode: flow add nbd://" ll flow add nbd://$SRV4
	check "$mode: strict on" ll strict on
	check "$mode: pressure set critical" ll pressure set critical
	spoof "$mode" $hook
	check "$mode: pressure clear" ll pressure clear
	check "$mode: detach" ll detach $DEV_CLI
done
summary
