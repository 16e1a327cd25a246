#!/usr/bin/env bash
# tests/run parses its options: -t FILTER (repeatable) with -v before or
# after it, -h; an unknown option is refused with the usage and exit 2
# (it used to read only its first argument and then run every suite).
set -u
. "$(dirname "$0")/lib.sh"
R=$TOP/tests/run
NONE=no-such-suite-$$

out=$(timeout 60 "$R" -v -t "$NONE" 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "0 passed, 0 failed, 0 skipped" ] && pass "run -v -t NONE runs nothing" ||
	fail "run -v -t NONE runs nothing" "exit $rc: $(tail -3 <<<"$out" | tr '\n' ' ')"
out=$(timeout 60 "$R" -t "$NONE" -v 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "0 passed, 0 failed, 0 skipped" ] && pass "run -t NONE -v runs nothing" ||
	fail "run -t NONE -v runs nothing" "exit $rc: $(tail -3 <<<"$out" | tr '\n' ' ')"
out=$(timeout 60 "$R" -t "$NONE" -t "$NONE-2" 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "0 passed, 0 failed, 0 skipped" ] && pass "run -t A -t B" ||
	fail "run -t A -t B" "exit $rc: $(tail -3 <<<"$out" | tr '\n' ' ')"
out=$(timeout 60 "$R" -h 2>&1); rc=$?
[ $rc = 0 ] && grep -q '^Usage: tests/run' <<<"$out" && pass "run -h" || fail "run -h" "exit $rc: $(head -3 <<<"$out")"
out=$(timeout 60 "$R" --bogus 2>&1); rc=$?
[ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q "unknown argument '--bogus'" <<<"$out" &&
	pass "run refuses an unknown option" || fail "run refuses an unknown option" "exit $rc: $(head -3 <<<"$out")"
out=$(timeout 60 "$R" -t 2>&1); rc=$?
[ $rc = 2 ] && pass "run -t without FILTER" || fail "run -t without FILTER" "exit $rc: $(head -3 <<<"$out")"
# a real suite through -v -t: its result line, and its own output
out=$(timeout 120 "$R" -v -t t_docs 2>&1); rc=$?
grep -qE '^t_docs\.sh +[0-9]+ passed' <<<"$out" && ! grep -q '^t_cli' <<<"$out" &&
	grep -q '^   \[t_docs.sh\] ' <<<"$out" && pass "run -v -t t_docs: only that suite, verbose" ||
	fail "run -v -t t_docs: only that suite, verbose" "exit $rc: $(tail -3 <<<"$out" | tr '\n' ' ')"
summary
