#!/usr/bin/env bash
# The deployment files (promtool when installed) and the bash completion.
set -u
. "$(dirname "$0")/lib.sh"
out=$(bash "$TOP/docs/deploy/check.sh" 2>&1)
read -r p f s < <(tail -1 <<<"$out" | sed -E 's/([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/')
T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f)) T_SKIP=$((T_SKIP + s))
[ "$f" = 0 ] || echo "$out"
# privileges: every capability the DaemonSet gives the attach container is named
# in README's troubleshooting and in lifeline --help, and both say that the
# read-only commands need them too
caps=$(sed -n '/- name: attach/,/volumeMounts/p' "$TOP/docs/deploy/daemonset.yaml" | sed -n 's/.*add: \[\([^]]*\)\].*/\1/p' | tr -d ' ' | tr ',' ' ')
trouble=$(sed -n '/^## Troubleshooting/,/^## [^T]/p' "$TOP/README.md" | tr '\n' ' ')
help=$("$LL" --help | tr '\n' ' ')
miss=""
for c in $caps; do
	grep -q "CAP_$c" <<<"$trouble" || miss="$miss README:CAP_$c"
	grep -q "CAP_$c" <<<"$help" || miss="$miss help:CAP_$c"
done
grep -q 'read-only commands' <<<"$trouble" || miss="$miss README:read-only"
grep -q 'read-only ones (status, stats, flow list)' <<<"$help" || miss="$miss help:read-only"
[ -n "$caps" ] && [ -z "$miss" ] && pass "privileges: attach's capabilities ($caps) and the read-only commands' in README and --help" ||
	fail privileges "daemonset attach caps '$caps'; missing:$miss"
# completion: what a few half-typed commands offer
if [ -f /usr/share/bash-completion/bash_completion ]; then
	. /usr/share/bash-completion/bash_completion
	. "$TOP/docs/lifeline.bash-completion"
	comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _lifeline; echo "${COMPREPLY[*]}"; }
	[ "$(comp lifeline pre)" = "pressure" ] && pass "completion: command" || fail completion "pre -> $(comp lifeline pre)"
	[ "$(comp lifeline pressure set c)" = "critical" ] && pass "completion: level" || fail completion "$(comp lifeline pressure set c)"
	[ "$(comp lifeline flow add is)" = "iscsi://" ] && pass "completion: scheme" || fail completion "$(comp lifeline flow add is)"
	[ "$(comp lifeline attach lo --mo)" = "--mode" ] && pass "completion: option" || fail completion "$(comp lifeline attach lo --mo)"
	[ "$(comp lifeline attach lo --mode g)" = "generic" ] && pass "completion: mode" || fail completion "$(comp lifeline attach lo --mode g)"
else
	skip completion "bash-completion not installed"
fi
summary
