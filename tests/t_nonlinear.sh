#!/usr/bin/env bash
# Registered traffic whose headers are not in the linear part: a veth pair at
# MTU 9000, GRO off at the receiver, 5000-byte UDP frames sent from an
# AF_PACKET socket in the peer namespace (the receiver's skb then holds the
# Ethernet header alone in its linear part, the rest in page fragments).
# At critical every registered frame must arrive and every unregistered one
# be dropped, in each attach mode: tc, native XDP (multi-buffer), generic
# XDP (the skb handed over as it is). Also: attach without --mode on a
# jumbo-MTU veth works and says which mode it chose.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

PIN=/sys/fs/bpf/lltest-nonlin-$$
TMP=$(mktemp -d)
NET=$TOP/build/tests/tool_net
N=20

cleanup() {
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

if ! ns_setup; then fail setup "cannot create the test namespaces"; summary; exit 1; fi
in_srv ip link set $DEV_SRV mtu 9000 && in_cli ip link set $DEV_CLI mtu 9000 ||
	{ fail setup "MTU 9000"; summary; exit 1; }
in_cli ethtool -K $DEV_CLI gro off >/dev/null 2>&1
mac=$(in_cli ip -br link show $DEV_CLI | awk '{print $3}')

stat_of() { ll -j stats | jq "[.hooks.$1.$2.packets // 0] | add"; }

# recv_during PORT...: counts UDP datagrams on each port while "$@" after -- runs
# prints "PORT COUNT" lines. Waits until the sockets are bound, not a fixed time.
send_and_count() {
	local hook=$1 label=$2 pids=() a b m0 m1
	for port in 9001 9002; do
		in_cli "$NET" recv $CLI4 $port 3 >"$TMP/recv$port" &
		pids+=($!)
	done
	for _ in $(seq 50); do
		[ "$(in_cli ss -Hulnp "( sport = :9001 or sport = :9002 )" | wc -l)" = 2 ] && break
		sleep 0.05
	done
	m0=$(stat_of "$hook" note_malformed)
	a=$(in_srv "$NET" raw $DEV_SRV "$mac" udp $SRV4 9000 $CLI4 9001 5000 $N | awk '{print $2}')
	b=$(in_srv "$NET" raw $DEV_SRV "$mac" udp $FLOOD4 5555 $CLI4 9002 5000 $N | awk '{print $2}')
	wait "${pids[@]}"
	m1=$(stat_of "$hook" note_malformed)
	got=$(awk '{print $2}' "$TMP/recv9001")
	other=$(awk '{print $2}' "$TMP/recv9002")
	[ "$a" = $N ] && [ "$b" = $N ] || { fail "$label: inject" "sent $a and $b of $N"; return; }
	[ "$got" = $N ] && pass "$label: $N/$N registered 5000-byte non-linear frames arrive at critical" ||
		fail "$label: registered non-linear frames" "$got of $N arrived ($hook note_malformed $m0 -> $m1)"
	[ "$other" = 0 ] && pass "$label: unregistered non-linear frames dropped" ||
		fail "$label: unregistered" "$other of $N arrived"
	[ "$m1" = "$m0" ] && pass "$label: no frame counted malformed" ||
		fail "$label: malformed" "$hook note_malformed $m0 -> $m1"
}

run_mode() {
	local mode=$1 hook=$2 out
	if ! out=$(ll -j attach $DEV_CLI --mode "$mode" 2>&1); then
		fail "attach --mode $mode at MTU 9000" "$out"
		return
	fi
	pass "attach --mode $mode at MTU 9000"
	check "$mode: flow add udp://$SRV4:9000" ll flow add udp://$SRV4:9000
	check "$mode: pressure set critical" ll pressure set critical
	send_and_count "$hook" "$mode"
	check "$mode: pressure clear" ll pressure clear
	ll flow del udp://$SRV4:9000 >/dev/null 2>&1
	check "$mode: detach" ll detach $DEV_CLI
}

run_mode tc tc_ingress
run_mode native xdp
run_mode generic xdp

# attach without --mode on a jumbo-MTU veth: works, in a mode that holds jumbo frames, and says which
out=$(ll attach $DEV_CLI 2>"$TMP/auto.err"); rc=$?
if [ $rc = 0 ]; then pass "attach (auto) at MTU 9000 works"; else fail "attach (auto) at MTU 9000" "exit $rc: $(cat "$TMP/auto.err")"; fi
jqt "attach (auto) at MTU 9000: XDP or tc policy in place" \
	'.interfaces | length == 1 and (.[0].xdp_mode == "native" or .[0].policy_hook == "tc_ingress")' status
check "auto: flow add" ll flow add udp://$SRV4:9000
check "auto: pressure set critical" ll pressure set critical
send_and_count xdp "auto"
check "auto: pressure clear" ll pressure clear
check "auto: detach" ll detach $DEV_CLI

# attach without --mode where the driver refuses native XDP (a veth with fewer rx
# queues than its peer has tx queues: ENOSPC): falls back to tc mode, says so on
# stderr in one line, works, and a second attach finds it in place.
QDEV_SRV=llqs$LL_NS_ID QDEV_CLI=llqc$LL_NS_ID
if ip link add $QDEV_SRV netns $NS_SRV numtxqueues 2 numrxqueues 2 type veth peer name $QDEV_CLI \
	netns $NS_CLI numtxqueues 1 numrxqueues 1; then
	in_srv ip link set $QDEV_SRV up
	in_cli ip link set $QDEV_CLI up
	out=$(ll -j attach $QDEV_CLI 2>"$TMP/fb.err"); rc=$?
	if [ $rc = 0 ] && jq -e '.policy_hook == "tc_ingress" and .xdp_mode == "none" and (.fallback | test("tc"))' <<<"$out" >/dev/null; then
		pass "attach (auto), native XDP refused: falls back to tc mode"
	else
		fail "attach (auto) fallback" "exit $rc: $out $(cat "$TMP/fb.err")"
	fi
	if [ "$(wc -l <"$TMP/fb.err")" = 1 ] && grep -q "refused XDP.*--mode tc" "$TMP/fb.err"; then
		pass "attach (auto) fallback: one-line notice on stderr ($(cat "$TMP/fb.err"))"
	else
		fail "attach (auto) fallback notice" "$(cat "$TMP/fb.err")"
	fi
	jqt "attach (auto) fallback: status says tc mode" \
		"[.interfaces[] | select(.interface == \"$QDEV_CLI\") | .policy_hook] == [\"tc_ingress\"]" status
	jqt "attach (auto) again: already attached, no error" '.already_attached and .policy_hook == "tc_ingress"' attach $QDEV_CLI
	check "attach (auto) fallback: detach" ll detach $QDEV_CLI
else
	skip "attach (auto) fallback" "cannot create a veth with asymmetric queues"
fi
summary
