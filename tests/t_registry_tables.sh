#!/usr/bin/env bash
# `tables --max-flows N --max-rules N` in the registry when the maps exist:
# apply resizes them live (user/resize.c; t_resize.sh has the details):
#  - apply --check prints the resize as part of the difference, changes
#    nothing (sizes, the file's other lines, the XDP program);
#  - only a named size is compared; --max-rules alone resizes the rule
#    tables; both sizes and a flow are applied together, every registration
#    kept, and at critical the registered UDP flow passes, a flood is dropped;
#  - sizes equal to the maps' (a saved file): nothing to do;
#  - detach --all then apply creates the maps at the file's sizes with every
#    registration, traffic passing at critical.
# Namespaces, veths and a private pin path, removed on exit.
# LL_TABLES_BIN=BINARY runs the checks against another build.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

LL=${LL_TABLES_BIN:-$LL}
suite_dirs tables
NET=$TOP/build/tests/tool_net
trap ns_suite_cleanup EXIT
caps() { ll -j status | jq -c '[.flow_capacity, .rule_capacity]'; }
xdp_id() { ll -j status | jq '.interfaces[0].xdp_prog_id'; }
rules() { { ll -j flow list; ll -j allow list; } | jq -sc '[.[].rules[].name] | sort'; }
drops() { ll -j stats | jq '.hooks.xdp.drop_critical.packets // 0'; }
# udp SRC: datagrams from SRC to the client for 1 s; prints "SENT RECEIVED DROPPED-AT-CRITICAL"
udp() {
	local d0 d1
	d0=$(drops)
	in_cli "$NET" recv $CLI4 9999 2 >"$TMP/rx" &
	sleep 0.3
	in_srv "$NET" send "$1" $CLI4 9999 1 >"$TMP/tx"
	wait
	d1=$(drops)
	echo "$(awk '{print $2}' "$TMP/tx") $(awk '{print $2}' "$TMP/rx") $((d1 - d0))"
}
# passes SRC: SRC's datagrams arrive, (almost) none dropped at critical (the
# receiving socket may still overflow); dropped SRC: none arrive, most dropped
passes() { local s r d; read -r s r d <<<"$(udp "$1")"; [ "${s:-0}" -gt 1000 ] && [ "${r:-0}" -gt 1000 ] && [ "${d:-1}" -le $((s / 100)) ]; }
dropped() { local s r d; read -r s r d <<<"$(udp "$1")"; [ "${s:-0}" -gt 1000 ] && [ "${r:-1}" = 0 ] && [ "${d:-0}" -ge $((s / 2)) ]; }

ns_begin

R=$TMP/registry.conf
cat >"$R" <<EOF
tables --max-flows 16384 --max-rules 64
interface $DEV_CLI mode xdp
flow udp://$SRV4 --name u
allow tcp://192.0.2.0/24:22 --name ssh
EOF
check "apply creates the maps" ll apply "$R"
[ "$(caps)" = "[16384,64]" ] && pass "maps at the file's sizes" || fail "sizes" "$(caps)"
id0=$(xdp_id) rules0=$(rules)
out=$(ll apply "$R" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && pass "the same sizes again: nothing to do" || fail "same sizes" "rc $rc $out"

# ------------------------------------------------------------------ other sizes: a live resize
sed 's/^tables .*/tables --max-flows 4096 --max-rules 128/' "$R" >"$TMP/big.conf"
echo "flow tcp://$SRV4:3260 --name extra" >>"$TMP/big.conf"
# --check: the resize is part of the difference; nothing changes
out=$(ll apply --check "$TMP/big.conf" 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "- tables --max-flows 16384 --max-rules 64
+ tables --max-flows 4096 --max-rules 128
+ flow tcp://$SRV4:3260 --name extra" ] && [ "$(caps)" = "[16384,64]" ] && [ "$(rules)" = "$rules0" ] &&
	[ "$(xdp_id)" = "$id0" ] && pass "apply --check of other sizes: the resize in the difference, nothing changed" ||
	fail "apply --check of other sizes" "rc $rc $out, sizes $(caps), rules $(rules)"
# only what the file names is compared
grep -v '^tables' "$TMP/big.conf" | { echo "tables --max-rules 64"; cat; } >"$TMP/rules.conf"
out=$(ll apply --check "$TMP/rules.conf" 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "+ flow tcp://$SRV4:3260 --name extra" ] && pass "--max-rules equal, --max-flows not named: no resize" ||
	fail "one size named" "rc $rc $out"
# --max-rules alone: the maps resized, the flow table's size kept
printf 'tables --max-flows 16384\ntables --max-rules 32\n' >"$TMP/r32.conf"
out=$(ll apply --keep "$TMP/r32.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(caps)" = "[16384,32]" ] && [ "$(rules)" = "$rules0" ] &&
	pass "--max-rules alone different: the rule tables resized, every rule kept" || fail "max-rules" "rc $rc $out $(caps)"
# both, and a flow: applied together
out=$(ll -j apply "$TMP/big.conf" 2>&1); rc=$?
[ $rc = 0 ] && jq -e '.applied and ([.changes[].line] | index("tables --max-flows 4096 --max-rules 128") != null)' <<<"$out" >/dev/null &&
	[ "$(caps)" = "[4096,128]" ] && [ "$(rules)" = '["extra","ssh","u"]' ] &&
	pass "apply of other sizes: resized in place, every registration kept" || fail "apply of other sizes" "rc $rc $out, $(caps) $(rules)"

# the datapath in place through the resizes: at critical the registered flow passes, a flood does not
check "pressure critical" ll pressure set critical
passes $SRV4 && pass "after the resizes: the registered UDP flow passes at critical" || fail "registered flow" "$(udp $SRV4)"
dropped $FLOOD4 && pass "after the resizes: the flood is dropped at critical" || fail "flood" "$(udp $FLOOD4)"

# ------------------------------------------------------------------ doing what the message says
check "detach --all" ll detach --all
[ ! -e "$PIN/ll_state" ] && pass "detach --all removed the maps" || fail "detach" "$(ls "$PIN")"
out=$(ll apply "$TMP/big.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(caps)" = "[4096,128]" ] && [ "$(rules)" = '["extra","ssh","u"]' ] &&
	pass "then apply: maps at the file's new sizes, every registration" || fail "re-apply" "rc $rc $out, $(caps) $(rules)"
out=$(ll apply --check "$TMP/big.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && ll save - | grep -qx "tables --max-flows 4096 --max-rules 128" &&
	pass "save writes the new sizes, --check equal" || fail "save" "rc $rc $out"
check "pressure critical again" ll pressure set critical
passes $SRV4 && pass "new maps: the registered UDP flow passes at critical" || fail "registered flow (new maps)" "$(udp $SRV4)"
dropped $FLOOD4 && pass "new maps: the flood is dropped at critical" || fail "flood (new maps)" "$(udp $FLOOD4)"
summary
