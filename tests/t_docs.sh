#!/usr/bin/env bash
# The deployment files (promtool when installed) and the bash completion.
set -u
. "$(dirname "$0")/lib.sh"
out=$(bash "$TOP/docs/deploy/check.sh" 2>&1)
read -r p f s < <(tail -1 <<<"$out" | sed -E 's/([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/')
T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f)) T_SKIP=$((T_SKIP + s))
[ "$f" = 0 ] || echo "$out"
# completion: what a few half-typed commands offer
if [ -f /usr/share/bash-completion/bash_completion ]; then
	. /usr/share/bash-completion/bash_completion
	. "$TOP/docs/lifeline.bash-completion"
	comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _lifeline; echo "${COMPREPLY[*]}"; }
	[ "$(comp lifeline pre)" = "pressure" ] && pass "completion: command" || fail completion "pre -> $(comp lifeline pre)"
	[ "$(comp lifeline pressure set c)" = "critical" ] && pass "completion: level" || fail completion "$(comp lifeline pressure set c)"
	[ "$(comp lifeline flow add is)" = "iscsi://" ] && pass "completion: scheme" || fail completion "$(comp lifeline flow add is)"
	[ "$(comp lifeline attach lo --m)" = "--mode" ] && pass "completion: option" || fail completion "$(comp lifeline attach lo --m)"
	[ "$(comp lifeline attach lo --mode g)" = "generic" ] && pass "completion: mode" || fail completion "$(comp lifeline attach lo --mode g)"
else
	skip completion "bash-completion not installed"
fi
summary
