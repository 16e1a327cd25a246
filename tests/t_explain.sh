#!/usr/bin/env bash
# lifeline explain against real traffic, XDP and --mode tc. The client
# namespace registers the NBD server (endpoint rule nbd://SRV:10809), one
# exact UDP flow and one UDP allow rule; strict is on. Phase 1, at critical:
# explain every case and check that nothing moved (every counter, rule and
# flow hit, the budget, the level). Phase 2, still at critical: send each
# case's packets for real from the server namespace (AF_PACKET, exact ports)
# and check that the datapath counted them under the reason explain gave for
# critical, and that UDP explain passes is received and UDP it drops is not.
# explain --sockets, with a registered and an unregistered connection held
# open, must flag the unregistered one only; real segments on its 4-tuple
# are then dropped at critical.
# Namespaces are created and removed here.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

PIN=/sys/fs/bpf/lltest-explain-$$
TMP=$(mktemp -d)
NET=$TOP/build/tests/tool_net
N=8

cleanup() {
	for p in "$TMP"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
	ns_suite_cleanup
}
trap cleanup EXIT

if ! ns_setup || ! nbd_start 16M; then fail setup "namespaces or nbdkit"; summary; exit 1; fi
# an unregistered server on the server side, for a connection explain --sockets must flag
in_srv nbdkit -i $FLOOD4 -p 2223 -P "$TMP/lis2.pid" memory 1M >/dev/null 2>&1
# an unregistered listener on the client (any service would do): spoofed SYNs go to it
cli_listener 2222 "$TMP/lis.pid"
mac=$(in_cli ip -br link show $DEV_CLI | awk '{print $3}')
# no more router solicitations (per namespace): phase 1 wants a quiet link
in_srv sysctl -qw net.ipv6.conf.$DEV_SRV.router_solicitations=0
in_cli sysctl -qw net.ipv6.conf.$DEV_CLI.router_solicitations=0

# usage and errors first (no maps needed for these)
out=$(ll explain --help); rc=$?
if [ $rc = 0 ] && grep -q 'explain PROTO from' <<<"$out"; then pass "explain --help: grammar, exit 0"
else fail "explain --help" "rc $rc: $out"; fi
out=$(ll -j explain tcp from 198.51.100.7:1 2>/dev/null); rc=$?
if [ $rc = 2 ] && jq -e '.error | test("from.*to")' >/dev/null 2>&1 <<<"$out"; then
	pass "explain without 'to': usage error, exit 2, JSON error"
else fail "explain without 'to'" "rc $rc: $out"; fi
out=$(ll -j explain udp from 198.51.100.7:1 to 2001:db8::1:2 2>/dev/null); rc=$?
if [ $rc = 2 ] && jq -e '.error | test("family")' >/dev/null 2>&1 <<<"$out"; then
	pass "explain with mixed families: usage error"
else fail "explain with mixed families" "rc $rc: $out"; fi

# snapshot of everything explain must leave alone
# one line per value, with its path: a difference names what moved
state() {
	{ ll -j stats --flows | jq -S '{hooks, rules, flows, budget}'; ll -j pressure | jq -S '{level, source}'; } |
		jq -c 'paths(scalars) as $p | [$p, getpath($p)]'
}
reason_count() { ll -j stats | jq ".hooks.$1.$2.packets // 0"; }

# CASE: label | explain arguments | raw injection (tool_net raw ARGS) | UDP receiver (ADDR PORT) or -
cases() {
	cat <<EOF
endpoint rule, live connection|tcp from $SRV4:10809 to $CLI4:\$HELD flags syn|syn $SRV4 10809 $CLI4 \$HELD|-
endpoint rule, spoofed SYN to a listener|tcp from $SRV4:10809 to $CLI4:2222 flags syn|syn $SRV4 10809 $CLI4 2222|-
exact UDP flow|udp from $SRV4:9000 to $CLI4:9001|udp $SRV4 9000 $CLI4 9001|$CLI4 9001
allow rule|udp from $FLOOD4:5000 to $CLIF4:7000|udp $FLOOD4 5000 $CLIF4 7000|$CLIF4 7000
unregistered UDP|udp from $FLOOD4:5000 to $CLIF4:6000|udp $FLOOD4 5000 $CLIF4 6000|$CLIF4 6000
unregistered live connection|tcp from $FLOOD4:2223 to $CLIF4:\$HELD2 flags syn|syn $FLOOD4 2223 $CLIF4 \$HELD2|-
EOF
}

for mode in native tc; do
	hook=xdp; [ $mode = tc ] && hook=tc_ingress
	check "$mode: attach" ll attach $DEV_CLI --mode $mode
	check "$mode: flow add nbd://" ll flow add nbd://$SRV4 --name storage
	check "$mode: exact UDP flow" ll flow add udp://$SRV4:9000 --local $CLI4:9001
	check "$mode: allow rule" ll allow add udp://$FLOOD4:7000 --name mgmt
	check "$mode: strict on" ll strict on
	# a real NBD connection, held open: its 4-tuple has a socket
	in_cli "$NET" tcphold $SRV4 10809 900 >"$TMP/held" 2>&1 &
	echo $! >"$TMP/held.pid"
	for _ in $(seq 50); do grep -q connected "$TMP/held" && break; sleep 0.1; done
	HELD=$(awk '/connected/ {print $2}' "$TMP/held")
	[ -n "$HELD" ] || { fail "$mode: held NBD connection" "$(cat "$TMP/held")"; continue; }
	# and an unregistered one
	in_cli "$NET" tcphold $FLOOD4 2223 900 >"$TMP/held2" 2>&1 &
	echo $! >"$TMP/held2.pid"
	for _ in $(seq 50); do grep -q connected "$TMP/held2" && break; sleep 0.1; done
	HELD2=$(awk '/connected/ {print $2}' "$TMP/held2")
	[ -n "$HELD2" ] || { fail "$mode: held unregistered connection" "$(cat "$TMP/held2")"; continue; }
	check "$mode: pressure set critical" ll pressure set critical

	# phase 1: explain each case; nothing may move (once the link is quiet)
	before=$(state)
	for _ in $(seq 10); do
		sleep 1
		now=$(state)
		[ "$now" = "$before" ] && break
		before=$now
	done
	i=0
	while IFS='|' read -r label args raw recv; do
		args=${args//\$HELD2/$HELD2}
		args=${args//\$HELD/$HELD}
		ll -j explain $args dev $DEV_CLI >"$TMP/ex$i.json" 2>"$TMP/ex$i.err" ||
			fail "$mode: explain $label" "$(cat "$TMP/ex$i.err")"
		i=$((i + 1))
	done < <(cases)
	ll -j explain --sockets >"$TMP/socks.json" 2>"$TMP/socks.err" ||
		fail "$mode: explain --sockets" "$(cat "$TMP/socks.err")"
	after=$(state)
	if [ "$before" = "$after" ]; then
		pass "$mode: $i explains and explain --sockets at critical left every counter, hit, budget and the level as they were"
	else
		fail "$mode: explain changed the live state" "$(diff <(echo "$before") <(echo "$after") | head -20)"
	fi
	# what each case's explain said (files in the order of cases())
	jf() {	# jf NAME FILE FILTER
		if jq -e "$3" "$TMP/$2" >/dev/null 2>&1; then pass "$1"; else fail "$1" "$(head -c 400 "$TMP/$2")"; fi
	}
	tchook=xdp; [ $mode = tc ] && tchook=tc
	jf "$mode: explain names the endpoint rule (by name), the hook, and passes the live connection at critical" ex0.json \
		".match.kind == \"endpoint\" and .match.name == \"storage\" and .hook == \"$tchook\" and .levels[2].reason == \"pass_rule\""
	jf "$mode: spoofed SYN from the registered remote to a listener: strict on, drop_strict at critical" ex1.json \
		'.match.kind == "endpoint" and .strict == true and .levels[1].reason == "pass_rule" and .levels[2].reason == "drop_strict"'
	jf "$mode: explain names the exact flow" ex2.json '.match.kind == "flow" and .match.origin == "cli" and .levels[2].reason == "pass_flow"'
	jf "$mode: explain names the allow rule" ex3.json '.match.kind == "allow" and .match.name == "mgmt" and .levels[2].reason == "pass_mgmt"'
	jf "$mode: unregistered: none passes uncounted, critical drops" ex4.json \
		'.match.kind == "none" and .levels[0].verdict == "pass" and .levels[0].reason == null and .levels[2].reason == "drop_critical" and .now.level == "critical"'

	jf "$mode: explain --sockets: the unregistered connection would be dropped, the NBD one passes, as explain says for each" socks.json \
		"(.dropped | map(select(.from == \"$FLOOD4:2223\" and .to == \"$CLIF4:$HELD2\" and .reason == \"drop_critical\")) | length) == 1 and
		 (.dropped | map(select(.from == \"$SRV4:10809\")) | length) == 0 and
		 (.passed | map(select(.from == \"$SRV4:10809\" and .to == \"$CLI4:$HELD\" and .reason == \"pass_rule\" and .match.kind == \"endpoint\")) | length) == 1"
	jf "$mode: explain of the unregistered connection's 4-tuple: drop_critical" ex5.json '.match.kind == "none" and .levels[2].reason == "drop_critical"'

	# phase 2: the same packets for real, at critical
	i=0
	while IFS='|' read -r label args raw recv; do
		raw=${raw//\$HELD2/$HELD2}
		raw=${raw//\$HELD/$HELD}
		want=$(jq -r '.levels[2].reason' "$TMP/ex$i.json")
		verdict=$(jq -r '.levels[2].verdict' "$TMP/ex$i.json")
		now=$(jq -r '.now.reason' "$TMP/ex$i.json")
		i=$((i + 1))
		if [ "$want" != "$now" ]; then
			fail "$mode: $label: explain's critical and now (critical) differ" "$want vs $now"
		fi
		if [ "$recv" != - ]; then
			in_cli "$NET" recv $recv 4 >"$TMP/recv" &
			rpid=$!
			sleep 0.3
		fi
		c0=$(reason_count $hook "$want")
		set -- $raw
		sent=$(in_srv "$NET" raw $DEV_SRV "$mac" "$1" "$2" "$3" "$4" "$5" 60 $N | awk '{print $2}')
		for _ in $(seq 50); do
			c1=$(reason_count $hook "$want")
			[ $((c1 - c0)) -ge $N ] && break
			sleep 0.05
		done
		if [ "$sent" = $N ] && [ $((c1 - c0)) -ge $N ]; then
			pass "$mode: $label: explain said $verdict ($want) at critical; $N real packets counted $want"
		else
			fail "$mode: $label" "explain said $verdict ($want); sent $sent, $want +$((c1 - c0))"
		fi
		if [ "$recv" != - ]; then
			wait $rpid
			got=$(awk '{print $2}' "$TMP/recv")
			if { [ "$verdict" = pass ] && [ "$got" = $N ]; } || { [ "$verdict" = drop ] && [ "$got" = 0 ]; }; then
				pass "$mode: $label: the receiver got $got of $N ($verdict)"
			else
				fail "$mode: $label: delivery" "explain said $verdict; received $got of $N"
			fi
		fi
	done < <(cases)

	# at none: unregistered passes, as explain said
	check "$mode: pressure clear" ll pressure clear
	in_cli "$NET" recv $CLIF4 6000 3 >"$TMP/recv" &
	rpid=$!
	sleep 0.3
	in_srv "$NET" raw $DEV_SRV "$mac" udp $FLOOD4 5000 $CLIF4 6000 60 $N >/dev/null
	wait $rpid
	got=$(awk '{print $2}' "$TMP/recv")
	if [ "$(jq -r '.levels[0].verdict' "$TMP/ex4.json")" = pass ] && [ "$got" = $N ]; then
		pass "$mode: unregistered UDP at none: explain said pass, $got of $N received"
	else
		fail "$mode: unregistered UDP at none" "received $got of $N"
	fi
	kill "$(cat "$TMP/held.pid")" "$(cat "$TMP/held2.pid")" 2>/dev/null
	wait 2>/dev/null
	check "$mode: detach" ll detach $DEV_CLI
done

# nothing attached: a clear error, not a guess
out=$(ll -j explain tcp from $SRV4:10809 to $CLI4:1 2>/dev/null); rc=$?
if [ $rc = 1 ] && jq -e '.error' >/dev/null 2>&1 <<<"$out"; then pass "explain with lifeline not set up: exit 1, JSON error"
else fail "explain with lifeline not set up" "rc $rc: $out"; fi
summary
