#!/usr/bin/env bash
# Adversarial differential pass of issue #18 (the CLI split into user/cli/,
# the daemon into user/daemon/, attach.c split): behaviour a user of the
# binary before the restructure (d71bb5e) relied on, and that the new one
# changed without tests/golden/CHANGES saying so.
#  - flow del with the flow's own --strict (as it was added) deleted it, exit
#    0; now "unexpected argument '--strict' to flow del", exit 2.
#  - a stray word after a command that takes options (tune bogus, stats 5,
#    monitor extra, sockets list extra, reserve show extra) was named in the
#    error; now "X takes no arguments", which is false for tune, stats,
#    monitor and reserve show (they take options) and names no word.
#  - flow del NAME --local ADDR:PORT says "give a SPEC or a NAME, not both"
#    though no SPEC was given.
#  - the one parser takes --OPTION=VALUE, '--' (end of options) and options
#    before a positional word (pressure set --for 5s critical); all three
#    were usage errors (exit 2) before and now act (exit 0); CHANGES must say
#    so (it lists every other grammar change).
# LL_ADV18_BIN runs the checks against another binary (e.g. d71bb5e's).
# Probes that act run in a namespace and on a pin path of their own.
set -u
. "$(dirname "$0")/lib.sh"
LL=${LL_ADV18_BIN:-$LL}

ID=a$$
NS=lladv18$ID
PIN=/sys/fs/bpf/lltest-adv18-$ID
TMP=$(mktemp -d)
cleanup() {
	ll detach --all >/dev/null 2>&1
	ip netns del $NS 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT
ip netns add $NS || { fail setup "cannot create a namespace"; summary; exit 1; }
ll() { nsenter --net=/run/netns/$NS env LIFELINE_PIN_PATH=$PIN "$LL" "$@"; }

# ---- flow del with the --strict the flow was added with
FLOW=(tcp://198.51.100.7:3260 --local 198.51.100.2:40000 --strict)
if ll flow add "${FLOW[@]}" >/dev/null 2>"$TMP/err"; then
	out=$(ll flow del "${FLOW[@]}" 2>&1); rc=$?
	left=$(ll -j flow list | jq '.flows | length')
	if [ $rc = 0 ] && [ "$left" = 0 ]; then
		pass "flow del SPEC --local ADDR:PORT --strict deletes the flow"
	else
		fail "flow del with --strict" "rc $rc, $left flows left: $out"
		ll flow del "${FLOW[@]:0:3}" >/dev/null 2>&1
	fi
else
	fail "flow del with --strict" "setup: flow add: $(cat "$TMP/err")"
fi

# ---- a stray word is named in the usage error (exit 2)
while read -r word args; do
	out=$(ll $args $word 2>&1 </dev/null); rc=$?
	if [ $rc = 2 ] && grep -q -- "$word" <<<"$out" && ! grep -q 'takes no arguments' <<<"$out"; then
		pass "usage error names '$word' after '$args'"
	else
		fail "stray word after '$args'" "rc $rc: $out"
	fi
done <<'LIST'
bogus tune
bogus tune --priority 1
5 stats
extra monitor
extra sockets list
extra reserve show
LIST

# ---- flow del NAME --local: no SPEC was given, the error must not say both
ll flow add tcp://198.51.100.8:3260 --name adv18n >/dev/null 2>&1
out=$(ll flow del adv18n --local 198.51.100.2:40001 2>&1); rc=$?
if [ $rc = 2 ] && ! grep -q 'not both' <<<"$out"; then
	pass "flow del NAME --local: the error fits what was given"
else
	fail "flow del NAME --local" "rc $rc: $out"
fi

# ---- grammar the parser now takes, which CHANGES must list
CH=$TOP/tests/golden/CHANGES
ll pressure clear >/dev/null 2>&1
while IFS='|' read -r what regex cmd; do
	ll $cmd >/dev/null 2>&1; rc=$?
	if [ $rc != 0 ]; then
		pass "$what: refused as before (rc $rc)"
	elif grep -qiE -- "$regex" "$CH"; then
		pass "$what: accepted, and CHANGES says so"
	else
		fail "$what" "'lifeline $cmd' exits 0 (usage error, exit 2, on d71bb5e) and tests/golden/CHANGES does not match /$regex/"
	fi
	ll pressure clear >/dev/null 2>&1
done <<'LIST'
--OPTION=VALUE|--[a-z-]+=[A-Za-z0-9]|pressure set critical --for=5s
'--' ends the options|'--'|pressure set critical --for 5s --
an option before the positional word|pressure set --for|pressure set --for 5s critical
LIST
summary
