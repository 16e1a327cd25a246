#!/usr/bin/env bash
# Read-only monitoring by a group: with [daemon] group set, the events socket
# is 0660 root:GROUP, a member without any capability can follow the events
# with lifeline monitor, and anyone else is told why not.
set -u
. "$(dirname "$0")/lib.sh"
PIN=/sys/fs/bpf/lltest-grp-$$
RUN=$(mktemp -d)
export LIFELINE_PIN_PATH=$PIN
DPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$PIN" "$RUN"; }
trap cleanup EXIT
chmod 755 "$RUN"
# The unprivileged users below must be able to run lifeline: the checkout may
# sit under a directory they cannot enter (a clone in /root or under mktemp -d),
# so they run a copy in $RUN (0755, under /tmp), which they can reach.
install -m 0755 "$LL" "$RUN/lifeline"
if ! setpriv --reuid=nobody --regid=nogroup --clear-groups "$RUN/lifeline" --help >/dev/null 2>&1; then
	skip group "user nobody cannot run $RUN/lifeline (is $(dirname "$RUN") closed to others, or mounted noexec?)"
	summary
	exit
fi
LL=$RUN/lifeline
printf '[daemon]\nstate_dir = %s\ngroup = nogroup\n%s\n[kernel]\nvmscan = no\n' "$RUN" "$(conf_host_sources_off)" >"$RUN/conf"
"$LLD" --foreground --config "$RUN/conf" >"$RUN/log" 2>&1 &
DPID=$!
for _ in $(seq 50); do [ -S "$RUN/events.sock" ] && break; sleep 0.1; done
[ "$(stat -c '%a %G' "$RUN/events.sock")" = "660 nogroup" ] && pass "events socket 0660 root:nogroup" || fail mode "$(stat -c '%a %G' "$RUN/events.sock")"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all timeout 3 "$LL" -j monitor --state-dir "$RUN" --count 1 2>&1)
jq -e '.event == "hello"' >/dev/null 2>&1 <<<"$out" && pass "a group member without capabilities follows the events" || fail member "$out"
out=$(setpriv --reuid=nobody --regid=54321 --clear-groups --inh-caps=-all timeout 3 "$LL" monitor --state-dir "$RUN" --count 1 2>&1); rc=$?
[ $rc = 1 ] && grep -q "permission denied" <<<"$out" && pass "anyone else: permission denied, one line" || fail other "exit $rc: $out"
summary
