#!/usr/bin/env bash
# The CLI's behaviour, pinned: tests/golden/scenario.sh runs a fixed
# sequence of commands (every object, -j and human, errors too) and its
# normalised transcript must equal tests/golden/cli.expected, recorded from
# the binary before user/lifeline.c was split into user/cli/ (issue #18).
# The differences recorded since are listed in tests/golden/CHANGES.
# LL_GOLDEN_REF=/path/to/other/lifeline compares with that binary instead.
set -u
. "$(dirname "$0")/lib.sh"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if [ -n "${LL_GOLDEN_REF:-}" ]; then
	"$TOP/tests/golden/scenario.sh" "$LL_GOLDEN_REF" >"$TMP/expected"
else
	cp "$TOP/tests/golden/cli.expected" "$TMP/expected"
fi
"$TOP/tests/golden/scenario.sh" "$LL" >"$TMP/got"
if [ "$(grep -c '^\$ ' "$TMP/got")" -lt 100 ]; then
	fail "golden: scenario ran" "$(head -5 "$TMP/got")"
elif diff -u "$TMP/expected" "$TMP/got" >"$TMP/diff"; then
	pass "golden: every command's output and exit code as recorded"
else
	fail "golden: transcript differs" "$(head -60 "$TMP/diff")"
fi
summary
