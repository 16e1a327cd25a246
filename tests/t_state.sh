#!/usr/bin/env bash
# The maps under stress, without any interface: a full flow table, a full
# rule table, two dozen CLIs writing at once, bpffs paths that are not bpffs.
set -u
. "$(dirname "$0")/lib.sh"
PIN=/sys/fs/bpf/lltest-state-$$
TMP=$(mktemp -d)
export LIFELINE_PIN_PATH=$PIN
cleanup() { rm -rf "$PIN" "$TMP"; }
trap cleanup EXIT

# a flow table of 10: the 11th flow is refused with a clear error, nothing half-added
"$LL" --max-flows 10 --max-rules 8 flow add nbd://198.51.100.7 >/dev/null || fail setup "create"
for i in $(seq 1 9); do echo "tcp://198.51.100.7:10809 --local 192.0.2.1:$((40000 + i))"; done >"$TMP/nine"
for i in $(seq 10 11); do echo "tcp://198.51.100.7:10809 --local 192.0.2.1:$((40000 + i))"; done >"$TMP/two"
check "9 flows fit in a table of 10" "$LL" flow load "$TMP/nine"
out=$("$LL" flow load "$TMP/two" 2>&1); rc=$?
n=$("$LL" -j flow list | jq '.flows | length')
if [ $rc = 1 ] && grep -q "holds 10 flows" <<<"$out" && [ "$n" = 9 ] && [ "$(wc -l <<<"$out")" = 1 ]; then
	pass "full flow table: one-line error, nothing added ($n flows)"
else
	fail "full flow table" "exit $rc, $n flows: $out"
fi
# a rule table of 8 host entries: 7 more rules fill it, one more is refused
for i in $(seq 1 7); do echo "tcp://203.0.113.$i:3260"; done >"$TMP/rules"
check "7 more rules fit" "$LL" flow load "$TMP/rules"
out=$("$LL" flow add tcp://203.0.113.99:3260 2>&1); rc=$?
[ $rc = 1 ] && grep -q "rule table is full" <<<"$out" && pass "full rule table: clear error" || fail "full rule table" "exit $rc: $out"
rm -rf "$PIN"

# 24 CLIs at once, each adding its own rule: all 24 registered, each once
pids=()
for i in $(seq 1 24); do "$LL" flow add "tcp://198.51.100.$i:3260" >/dev/null 2>"$TMP/err.$i" & pids+=($!); done
bad=0; for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
n=$("$LL" -j flow list | jq '[.rules[] | .spec] | unique | length')
[ $bad = 0 ] && [ "$n" = 24 ] && pass "24 concurrent CLIs: 24 rules, none lost" || fail concurrent "$bad failed, $n rules: $(cat "$TMP"/err.* | head -3)"
"$LL" -j flow list | jq -r '.rules[].spec' | sort >"$TMP/specs"
for i in $(seq 1 24); do echo "tcp://198.51.100.$i:3260"; done | sort >"$TMP/want"
cmp -s "$TMP/specs" "$TMP/want" && pass "concurrent: exactly the rules asked for" || fail "concurrent specs" "$(diff "$TMP/specs" "$TMP/want" | head -3)"
rm -rf "$PIN"

# a pin path that is not on bpffs: refused with a clear error, nothing created
out=$(LIFELINE_PIN_PATH=$TMP/notbpf "$LL" flow add nbd://198.51.100.7 2>&1); rc=$?
[ $rc = 1 ] && grep -q "not on a bpffs mount" <<<"$out" && [ ! -e "$TMP/notbpf" ] && pass "pin path off bpffs refused" || fail "not bpffs" "exit $rc: $out"
# pins of another layout (an older lifeline's) are refused with a clear
# error, and nothing is added to them
"$LL" flow add nbd://198.51.100.9 >/dev/null || fail layout "create"
off=$(( 3 * 24 + 13 * 4 ))	# struct ll_state: three votes, then layout is the 14th u32
bpftool -j map lookup pinned "$PIN/ll_state" key 0 0 0 0 |
	jq -r --argjson o $off '.value | .[$o] = "0x01" | .[$o + 1] = "0x00" | .[$o + 2] = "0x00" | .[$o + 3] = "0x00" | join(" ")' >"$TMP/oldstate"
bpftool map update pinned "$PIN/ll_state" key 0 0 0 0 value $(cat "$TMP/oldstate")
before=$(ls "$PIN" | sort | tr '\n' ' ')
out=$("$LL" flow add nbd://198.51.100.10 2>&1); rc=$?
after=$(ls "$PIN" | sort | tr '\n' ' ')
if [ $rc = 1 ] && grep -q "another version of lifeline (layout 1" <<<"$out" && [ "$(wc -l <<<"$out")" = 1 ] &&
   [ "$before" = "$after" ]; then
	pass "pins of another layout: one-line error, nothing touched"
else
	fail "other layout" "exit $rc: $out"
fi
out=$("$LL" status 2>&1); rc=$?
[ $rc = 1 ] && grep -q "layout 1" <<<"$out" && pass "status refuses them too" || fail "other layout status" "exit $rc: $out"
rm -rf "$PIN"

summary
