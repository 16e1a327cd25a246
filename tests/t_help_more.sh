#!/usr/bin/env bash
# Leftovers of issue 15's "help that helps": `lifeline help help` prints
# help's own grammar and exits 0 (it was "unknown command 'help'", exit 2);
# explain's help says what its `len` word is (the payload after the L4
# header). No maps or namespaces needed.
set -u
. "$(dirname "$0")/lib.sh"

out=$("$LL" help help 2>&1); rc=$?
if [ $rc = 0 ] && grep -q '^Usage: lifeline help \[COMMAND \[VERB\]\]' <<<"$out"; then
	pass "help help: help's grammar, exit 0"
else fail "help help" "rc $rc: $(head -2 <<<"$out")"; fi
out2=$("$LL" help help --help 2>&1); rc=$?
[ $rc = 0 ] && [ "$out2" = "$out" ] && pass "help help --help: the same" ||
	fail "help help --help" "rc $rc: $(head -2 <<<"$out2")"
out=$("$LL" -j help help bogus 2>/dev/null); rc=$?
if [ $rc = 2 ] && jq -e '.error | test("help help")' >/dev/null 2>&1 <<<"$out"; then
	pass "help help bogus: usage error, exit 2"
else fail "help help bogus" "rc $rc: $out"; fi
out=$("$LL" explain --help 2>&1); rc=$?
if [ $rc = 0 ] && grep -q 'len BYTES' <<<"$out" &&
	tr '\n' ' ' <<<"$out" | tr -s ' ' | grep -q 'len: the payload after the TCP, UDP or ICMP header'; then
	pass "explain --help documents len (the payload after the L4 header)"
else fail "explain --help: len" "rc $rc: $(grep -i len <<<"$out" | head -3)"; fi
summary
