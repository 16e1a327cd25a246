#!/usr/bin/env bash
# Observe mode (issue 15): `lifeline tune --observe on` makes the datapath,
# at level none, run the decision of critical too and count per drop reason
# what it would drop, dropping nothing and moving no verdict counter. Real
# veth pair, XDP and --mode tc: a flood from an unregistered address passes
# (received) and its would-drop count grows by exactly what was sent;
# registered NBD traffic does not grow it (its rule counts the hits); with
# observe off nothing grows. stats -j, status -j and metrics show the
# counts; save/apply keeps the switch; a bad value names FILE:LINE.
# Namespaces are created and removed here.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

PIN=/sys/fs/bpf/lltest-observe-$$
TMP=$(mktemp -d)
NET=$TOP/build/tests/tool_net
N=200

cleanup() {
	nbd_stop
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

if ! ns_setup || ! nbd_start 16M; then fail setup "namespaces or nbdkit"; summary; exit 1; fi
mac=$(in_cli ip -br link show $DEV_CLI | awk '{print $3}')
# no router solicitations: the quiet link the exact counts below need
in_srv sysctl -qw net.ipv6.conf.$DEV_SRV.router_solicitations=0
in_cli sysctl -qw net.ipv6.conf.$DEV_CLI.router_solicitations=0

would() { ll -j stats | jq ".would_drop.$1.$2.packets // -1"; }
real() { ll -j stats | jq ".hooks.$1.$2.packets // -1"; }
rule_hits() { ll -j stats | jq '[.rules[] | select(.name == "storage") | .packets] | add // 0'; }
# (would_all, every would-drop count in one line, and observe_settle: tests/netns.sh)
# flood N_PKTS: N unregistered UDP packets from FLOOD4, paced; prints how many the receiver got
flood() {
	in_cli "$NET" recv $CLIF4 6000 $(( $1 / 200 + 2 )) >"$TMP/recv" &
	local rpid=$!
	sleep 0.3
	in_srv "$NET" raw $DEV_SRV "$mac" udp $FLOOD4 5000 $CLIF4 6000 60 "$1" >"$TMP/sent"
	wait $rpid
	awk '{print $2}' "$TMP/recv"
}

for mode in native tc; do
	hook=xdp; [ $mode = tc ] && hook=tc_ingress
	check "$mode: attach" ll attach $DEV_CLI --mode $mode
	check "$mode: flow add nbd://" ll flow add nbd://$SRV4 --name storage
	jqt "$mode: observe is off by default (tune -j)" '.observe == false' tune
	jqt "$mode: tune --observe on" '.observe == true' tune --observe on
	jqt "$mode: level none" '.level == "none"' pressure

	# the flood: passes, and counts as what critical would drop, exactly
	observe_settle
	w0=$(would $hook drop_critical) d0=$(real $hook drop_critical) n0=$(real $hook pass_none)
	got=$(flood $N)
	for _ in $(seq 50); do
		w1=$(would $hook drop_critical)
		[ $((w1 - w0)) -ge $N ] && break
		sleep 0.05
	done
	d1=$(real $hook drop_critical) n1=$(real $hook pass_none)
	if [ "$got" = $N ] && [ $((w1 - w0)) = $N ]; then
		pass "$mode: observe on, level none: $N flood packets received, would_drop.$hook.drop_critical +$N"
	else
		fail "$mode: observe on, flood" "received $got of $N ($(cat "$TMP/sent")), would_drop +$((w1 - w0))"
	fi
	if [ "$d1" = "$d0" ] && [ "$n1" = "$n0" ]; then
		pass "$mode: observe moved no verdict counter (drop_critical $d1, pass_none $n1)"
	else
		fail "$mode: observe moved verdict counters" "drop_critical $d0 -> $d1, pass_none $n0 -> $n1"
	fi

	# per reason: a spoofed SYN from the registered server (no socket here) is strict's
	s0=$(would $hook drop_strict) c0=$(would $hook drop_critical)
	in_srv "$NET" raw $DEV_SRV "$mac" syn $SRV4 10809 $CLI4 2222 60 50 >"$TMP/sent"
	for _ in $(seq 50); do
		s1=$(would $hook drop_strict)
		[ $((s1 - s0)) -ge 50 ] && break
		sleep 0.05
	done
	c1=$(would $hook drop_critical)
	if [ $((s1 - s0)) = 50 ] && [ "$c1" = "$c0" ]; then
		pass "$mode: 50 spoofed SYNs from the registered server: would_drop.$hook.drop_strict +50, drop_critical unchanged"
	else
		fail "$mode: spoofed SYNs" "drop_strict +$((s1 - s0)), drop_critical $c0 -> $c1 ($(cat "$TMP/sent"))"
	fi
	w1=$(would $hook drop_critical)

	# what stats, status and metrics say
	out=$(ll metrics)
	mw=$(awk -v k="lifeline_would_drop_packets_total{hook=\"$hook\",reason=\"drop_critical\"}" '$1 == k {print $2}' <<<"$out")
	if grep -qx 'lifeline_observe 1' <<<"$out" && [ "$mw" = "$w1" ] &&
		grep -q '^# TYPE lifeline_would_drop_packets_total counter' <<<"$out" &&
		grep -q "^lifeline_would_drop_bytes_total{hook=\"$hook\",reason=\"drop_critical\"} [1-9]" <<<"$out"; then
		pass "$mode: metrics: lifeline_observe 1, lifeline_would_drop_packets_total = stats ($mw)"
	else
		fail "$mode: metrics" "observe/would_drop lines: $(grep -E 'observe|would_drop' <<<"$out" | head -8 | tr '\n' ' ') (stats: $w1)"
	fi
	jqt "$mode: status -j: observe on, would_drop.drop_critical summed over the hooks" \
		".observe == true and .would_drop.drop_critical.packets >= $w1" status
	out=$(ll stats)
	if grep -q "WOULD DROP AT CRITICAL" <<<"$out" && grep -qE "^$hook +drop_critical +$w1 " <<<"$out"; then
		pass "$mode: stats (text): the would-drop table"
	else
		fail "$mode: stats (text)" "$(echo "$out" | tail -4 | tr '\n' ' ')"
	fi

	# registered NBD traffic: its rule counts the hits, nothing would drop
	observe_settle
	before=$(would_all) h0=$(rule_hits)
	in_cli nbdcopy -- [ nbdkit -s null 4M ] nbd://$SRV4 >/dev/null 2>&1 ||
		in_cli nbdcopy nbd://$SRV4 null: >/dev/null 2>&1 ||
		fail "$mode: nbdcopy" "no NBD transfer"
	sleep 0.5
	after=$(would_all) h1=$(rule_hits)
	if [ "$before" = "$after" ] && [ "$h1" -gt "$h0" ]; then
		pass "$mode: registered NBD traffic: storage counted $((h1 - h0)) hits, no would-drop grew"
	else
		fail "$mode: registered NBD traffic" "would_drop $before -> $after, storage hits $h0 -> $h1"
	fi

	# observe off: the flood passes and nothing counts it
	jqt "$mode: tune --observe off" '.observe == false' tune --observe off
	before=$(would_all)
	got=$(flood $N)
	sleep 0.3
	after=$(would_all)
	if [ "$got" = $N ] && [ "$before" = "$after" ]; then
		pass "$mode: observe off: $N flood packets received, no would-drop grew"
	else
		fail "$mode: observe off" "received $got of $N, would_drop $before -> $after"
	fi
	jqt "$mode: metrics after off: lifeline_observe 0 in status" '.observe == false' status
	check "$mode: detach" ll detach $DEV_CLI
done

# save/apply: the switch is part of the registry's tuning
check "registry: attach" ll attach $DEV_CLI --mode tc
check "registry: tune --observe on" ll tune --observe on
ll save "$TMP/reg.conf" >/dev/null 2>"$TMP/save.err" || fail "save" "$(cat "$TMP/save.err")"
if grep -qx 'tune --observe on' "$TMP/reg.conf"; then pass "save writes 'tune --observe on'"
else fail "save" "$(grep tune "$TMP/reg.conf")"; fi
check "registry: tune --observe off" ll tune --observe off
out=$(ll apply --check "$TMP/reg.conf" 2>&1)
if grep -q '+ *tune --observe on' <<<"$out" && [ "$(ll -j tune | jq .observe)" = false ]; then
	pass "apply --check shows '+tune --observe on' and changes nothing"
else fail "apply --check" "$out"; fi
out=$(ll apply "$TMP/reg.conf" 2>&1); rc=$?
if [ $rc = 0 ] && [ "$(ll -j tune | jq .observe)" = true ]; then
	pass "apply of the saved file turns observe back on"
else fail "apply" "rc $rc: $out"; fi
ll save "$TMP/reg2.conf" >/dev/null 2>&1
if cmp -s <(grep -v '^#' "$TMP/reg.conf") <(grep -v '^#' "$TMP/reg2.conf"); then
	pass "save after apply: the same registry"
else fail "save/apply round trip" "$(diff "$TMP/reg.conf" "$TMP/reg2.conf" | head)"; fi
printf 'tune --observe maybe\n' >"$TMP/bad.conf"
out=$(ll apply --keep "$TMP/bad.conf" 2>&1); rc=$?
if [ $rc != 0 ] && grep -q "bad.conf:1: .*--observe takes on or off" <<<"$out" &&
	[ "$(ll -j tune | jq .observe)" = true ]; then
	pass "apply of 'tune --observe maybe': FILE:LINE error, nothing changed"
else fail "apply of a bad observe value" "rc $rc: $out"; fi
out=$(ll tune --observe maybe 2>&1); rc=$?
if [ $rc = 2 ] && grep -q "observe takes on or off" <<<"$out"; then
	pass "tune --observe maybe: usage error, exit 2"
else fail "tune --observe maybe" "rc $rc: $out"; fi
check "registry: detach" ll detach $DEV_CLI

summary
