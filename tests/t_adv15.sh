#!/usr/bin/env bash
# Adversarial pass on issue 15's service features (registry sockets lines):
#  - `lifeline sockets attach --cgroup LINK` and a registry line
#    `sockets --cgroup LINK`, LINK a symlink to a cgroup-v2 directory whose
#    path has a space: refused like the directory itself (save could not
#    write it: it would save a comment, and applying the saved file would
#    remove the live link);
#  - a sockets line whose attach the kernel refuses (a foreign exclusive
#    sock_ops program on that directory) after another new sockets line and
#    before new rules and settings: exit 1, the other attachment undone,
#    nothing else applied;
#  - observe mode (XDP native) after its program array's pin is removed
#    (the kernel then empties the array the attached program uses): the flood
#    passes at none and is dropped at critical (fail open), and `attach DEV`
#    on the attached interface brings the would-drop count back (KNOWN TO
#    FAIL: attach pins a new, unused array; status still says observe on).
# Namespaces, a private pin path and cgroup-v2 directories, removed on exit.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

suite_dirs adv15
CG=$CGROOT/lltest-adv15-$LL_NS_ID
FOREIGN=

cleanup() {
	[ -n "$FOREIGN" ] && bpftool cgroup detach "$CG/b" sock_ops id "$FOREIGN" 2>/dev/null
	ns_suite_cleanup
	rmdir "$CG/x y" "$CG/a" "$CG/b" "$CG" 2>/dev/null
}
trap cleanup EXIT

cg_dirs "adv15" "$CG" "$CG/a" "$CG/b" "$CG/x y"
ns_begin
check "attach --mode tc" ll attach $DEV_CLI --mode tc
check "flow add" ll flow add nbd://$SRV4 --name disk

# ------------------------------------------------------------------ a symlink to an unwritable path
ln -s "$CG/x y" "$TMP/link"
out=$(ll sockets attach --cgroup "$TMP/link" 2>&1); rc=$?
[ $rc = 2 ] && [[ $out == *"cannot be written in the registry"* ]] && [ "$(cg_progs "$CG/x y")" = 0 ] &&
	pass "sockets attach --cgroup LINK to a directory with a space: refused, exit 2" ||
	fail "attach through a symlink" "rc $rc, $(cg_progs "$CG/x y") sock_ops on '$CG/x y': $out"
ll save "$TMP/s.conf" >/dev/null 2>&1
out=$(ll apply --check "$TMP/s.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && pass "apply --check of the saved file right after: equal" ||
	fail "save/apply round trip" "rc $rc: $out"
ll sockets detach --cgroup "$CG/x y" >/dev/null 2>&1

{ ll save - 2>/dev/null | grep -v '^sockets'; echo "sockets --cgroup $TMP/link"; } >"$TMP/link.conf"
n=$(wc -l <"$TMP/link.conf")
before=$(ll save - 2>/dev/null)
out=$(ll apply "$TMP/link.conf" 2>&1); rc=$?
[ $rc = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q "link.conf:$n: .*cannot be written in the registry" <<<"$out" &&
	[ "$(cg_progs "$CG/x y")" = 0 ] && [ "$(ll save - 2>/dev/null)" = "$before" ] &&
	pass "registry 'sockets --cgroup LINK' to a directory with a space: FILE:LINE, exit 2, nothing applied" ||
	fail "registry line through a symlink" "rc $rc, $(cg_progs "$CG/x y") sock_ops on '$CG/x y': $out"
ll sockets detach --cgroup "$CG/x y" >/dev/null 2>&1

# ------------------------------------------------------------------ the kernel refuses a later attach
check "sockets attach --cgroup a (for its program)" ll sockets attach --cgroup "$CG/a"
FOREIGN=$(bpftool -j cgroup show "$CG/a" | jq '.[0].id')
check "a foreign exclusive sock_ops on b" bpftool cgroup attach "$CG/b" sock_ops id "$FOREIGN"
check "sockets detach --cgroup a" ll sockets detach --cgroup "$CG/a"
before=$(ll save - 2>/dev/null)
{ grep -Ev '^(#|tune --mark|strict)' <<<"$before"; echo "sockets --cgroup $CG/a"; echo "sockets --cgroup $CG/b"
  echo "flow iscsi://198.51.100.9 --name late"; echo "tune --mark 5"; echo "strict off"; } >"$TMP/rb.conf"
out=$(ll apply "$TMP/rb.conf" 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *"nothing was changed"* ]] && [ "$(cg_progs "$CG/a")" = 0 ] &&
	[ "$(ll save - 2>/dev/null)" = "$before" ] &&
	pass "kernel refuses the second sockets attach: exit 1, the first undone, nothing applied" ||
	fail "rollback of sockets lines" "rc $rc, $(cg_progs "$CG/a") on a: $out; $(diff <(echo "$before") <(ll save - 2>/dev/null) | head -5)"
bpftool cgroup detach "$CG/b" sock_ops id "$FOREIGN" && FOREIGN=

# ------------------------------------------------------------------ observe: its pin removed
NET=$TOP/build/tests/tool_net
N=100
quiet_link
would() { ll -j stats | jq '.would_drop.xdp.drop_critical.packets // -1'; }
# flood: N unregistered UDP packets from FLOOD4; prints how many the receiver got
flood() { raw_flood $N 2; }
# wait_would FROM: until the would-drop count is FROM + N (2.5 s at most); prints it
wait_would() {
	local w
	for _ in $(seq 50); do
		w=$(would)
		[ $((w - $1)) -ge $N ] && break
		sleep 0.05
	done
	echo "$w"
}
check "observe: attach native" ll attach $DEV_CLI --mode native
check "observe: tune --observe on" ll tune --observe on
w0=$(would); got=$(flood); w1=$(wait_would $w0)
[ "$got" = $N ] && [ $((w1 - w0)) = $N ] && pass "observe: $N flood packets received, would_drop +$N" ||
	fail "observe before damage" "received $got of $N, would_drop $w0 -> $w1"
rm -f "$PIN/ll_observe_xdp"
got=$(flood)
[ "$got" = $N ] && pass "observe pin removed, level none: the flood passes" || fail "pin removed, none" "received $got of $N"
ll pressure set critical >/dev/null
got=$(flood)
ll pressure clear >/dev/null
[ "$got" = 0 ] && pass "observe pin removed, level critical: the flood is dropped" ||
	fail "pin removed, critical" "received $got of $N"
check "observe pin removed: attach on the attached interface" ll attach $DEV_CLI --mode native
w0=$(would); got=$(flood); w1=$(wait_would $w0)
[ "$got" = $N ] && [ $((w1 - w0)) = $N ] &&
	pass "observe pin removed, attach again: would_drop +$N (observe repaired)" ||
	fail "observe after its pin was removed and attach ran again" \
		"received $got of $N, would_drop $w0 -> $w1 while tune says observe $(ll -j tune | jq .observe)"

summary
