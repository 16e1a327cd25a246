#!/usr/bin/env bash
# `lifeline sockets attach [--cgroup DIR]` in the registry file as
# `sockets [--cgroup DIR]` (lifeline save / apply):
#  - save writes one line per endpoint sock_ops link, sorted, and a link
#    whose cgroup directory is gone as a comment (apply then removes it);
#  - apply attaches the missing ones, removes those no file names (unless
#    --keep), shows them in the difference, -j and --check; applying the
#    saved file changes nothing; a failing apply undoes the attachment;
#  - a bad line (relative, "..", no DIR, an option, missing directory):
#    FILE:LINE, nothing applied;
#  - a simulated reboot (detach --all, pins removed, the unit's ExecStart
#    under its capability bounding set): the link is back and a TCP
#    connection from the cgroup to the registered endpoint is registered by
#    sock_ops with the tuned priority and mark; one that was open before the
#    apply is registered by its scan.
# Namespaces, a private pin path and cgroup-v2 directories, removed on exit.
# LL_SOCKREG_BIN=BINARY runs the checks against another build.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

LL=${LL_SOCKREG_BIN:-$LL}
suite_dirs sockreg
NET=$TOP/build/tests/tool_net
N1=lltest-sockreg-$LL_NS_ID
CG=$CGROOT/$N1
CG2=$CGROOT/lltest-sockreg2-$LL_NS_ID
CG3=$CGROOT/lltest-sockreg3-$LL_NS_ID
UNIT=$TOP/docs/lifeline.service

cgdel() {
	[ -d "$1" ] || return 0
	while read -r p; do echo "$p" >$CGROOT/cgroup.procs; done <"$1/cgroup.procs" 2>/dev/null
	rmdir "$1" 2>/dev/null
}
cleanup() {
	ns_suite_cleanup
	cgdel "$CG"; cgdel "$CG2"; cgdel "$CG3"
	rmdir "$CG/a#b" 2>/dev/null
}
trap cleanup EXIT
# links CGROUP: endpoint sock_ops links lifeline lists on CGROUP ("(root)" or /PATH)
links() { ll -j sockets list | jq "[.links[] | select(.scope == \"endpoints\" and .cgroup == \"$1\")] | length"; }
# in_cg CMD...: CMD in the client namespace, inside the cgroup CG
in_cg() { bash -c 'echo $$ >'"$CG"'/cgroup.procs && exec "$@"' _ nsenter --net=/run/netns/$NS_CLI "$@"; }
sockflows() { ll -j flow list | jq "[.flows[] | select(.origin == \"sock_ops\" and (.spec | test(\"local .*:$1\$\")))] | length"; }

cg_dirs "registry sockets" "$CG" "$CG2" "$CG3"
ns_begin

# ------------------------------------------------------------------ save
check "sockets attach --cgroup DIR2" ll sockets attach --cgroup "$CG2"
check "sockets attach --cgroup DIR" ll sockets attach --cgroup "$CG"
check "flow add" ll flow add tcp://$SRV4:10809 --name disk
ll save "$TMP/s.conf" >/dev/null 2>"$TMP/err"
exp="sockets --cgroup $CG
sockets --cgroup $CG2"
[ "$(grep '^sockets' "$TMP/s.conf")" = "$exp" ] && pass "save writes sockets --cgroup DIR lines, sorted" ||
	fail "save" "$(cat "$TMP/s.conf" "$TMP/err")"
out=$(ll apply --check "$TMP/s.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && pass "apply --check of the saved file: equal, exit 0" || fail "check equal" "rc $rc $out"

# ------------------------------------------------------------------ apply: missing, again, removal
ll sockets detach --cgroup "$CG" >/dev/null 2>&1
[ "$(cg_progs "$CG")" = 0 ] || fail "sockets detach" "still $(cg_progs "$CG") programs"
out=$(ll apply --check "$TMP/s.conf" 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "+ sockets --cgroup $CG" ] && [ "$(cg_progs "$CG")" = 0 ] &&
	pass "apply --check: '+ sockets --cgroup DIR', exit 1, nothing attached" || fail "check missing" "rc $rc $out"
out=$(ll -j apply --check "$TMP/s.conf"); rc=$?
[ $rc = 1 ] && jq -e ".changes == [{\"op\":\"+\",\"line\":\"sockets --cgroup $CG\"}]" <<<"$out" >/dev/null &&
	pass "apply -j --check: the JSON difference" || fail "apply -j --check" "rc $rc $out"
out=$(ll apply "$TMP/s.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "+ sockets --cgroup $CG" ] && [ "$(links "/$N1")" = 1 ] && [ "$(cg_progs "$CG")" = 1 ] &&
	pass "apply: attached again (kernel: sock_ops on DIR)" || fail "apply attaches" "rc $rc $out, progs $(cg_progs "$CG")"
out=$(ll apply "$TMP/s.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && [ "$(cg_progs "$CG")" = 1 ] && pass "apply again: nothing to do, one program" ||
	fail "apply again" "rc $rc $out"
ll save - | cmp -s - "$TMP/s.conf" && pass "save after apply: the same file" ||
	fail "save identity" "$(ll save - | diff - "$TMP/s.conf")"

grep -v '^sockets' "$TMP/s.conf" >"$TMP/none.conf"
out=$(ll apply --keep "$TMP/none.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && [ "$(cg_progs "$CG")" = 1 ] && [ "$(cg_progs "$CG2")" = 1 ] &&
	pass "apply --keep of a file without them: kept" || fail "keep" "rc $rc $out"
out=$(ll apply --check "$TMP/none.conf" 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "- sockets --cgroup $CG
- sockets --cgroup $CG2" ] && [ "$(cg_progs "$CG")" = 1 ] &&
	pass "apply --check of a file without them: '-' lines, exit 1" || fail "check extra" "rc $rc $out"
out=$(ll apply "$TMP/none.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(links "/$N1")" = 0 ] && [ "$(cg_progs "$CG")" = 0 ] && [ "$(cg_progs "$CG2")" = 0 ] &&
	pass "apply of a file without them: removed (kernel: no sock_ops)" || fail "apply removes" "rc $rc $out"
# the directory's other spellings are the same item; DIR equal to the root is `sockets`
{ cat "$TMP/none.conf"; echo "sockets --cgroup $CG/"; echo "sockets --cgroup=$CG"; } >"$TMP/two.conf"
out=$(ll apply "$TMP/two.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(grep -c sockets <<<"$out")" = 1 ] && [ "$(cg_progs "$CG")" = 1 ] &&
	pass "DIR/, --cgroup=DIR and DIR: one attachment" || fail "two spellings" "rc $rc $out"
{ cat "$TMP/two.conf"; echo "sockets"; } >"$TMP/root.conf"
out=$(ll apply "$TMP/root.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "+ sockets" ] && [ "$(links '(root)')" = 1 ] && ll save - | grep -qx sockets &&
	{ printf 'sockets --cgroup %s\n' "$CGROOT" | cat "$TMP/two.conf" - | ll apply --check - >/dev/null; } &&
	pass "sockets (the cgroup-v2 root): attached, saved as 'sockets', --cgroup ROOT the same" ||
	fail "root" "rc $rc $out"
check "back to the file" ll apply "$TMP/s.conf"

# a link whose directory is gone: a comment in save, removed by apply
ll sockets attach --cgroup "$CG3" >/dev/null 2>&1
id3=$(stat -c %i "$CG3")
rmdir "$CG3"
ll save "$TMP/gone.conf" >/dev/null 2>&1
grep -qx "# sockets --cgroup: (cgroup id $id3, its directory is gone)" "$TMP/gone.conf" && ! grep -q "^sockets.*sockreg3" "$TMP/gone.conf" &&
	pass "save: a gone directory is a comment" || fail "save gone" "$(grep sockets "$TMP/gone.conf")"
out=$(ll apply "$TMP/gone.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "- # sockets --cgroup: (cgroup id $id3, its directory is gone)" ] && [ ! -e "$PIN/links/sockops-$id3" ] &&
	pass "apply of that file: the gone directory's link removed" || fail "apply gone" "rc $rc $out"
ll apply --check "$TMP/s.conf" >/dev/null && pass "state as the file says" || fail "state" "differs"

# ------------------------------------------------------------------ refused lines
bad() {	# bad NAME LINE RC PATTERN: none.conf (it would remove the links) and LINE last: refused, nothing changed
	local before; before=$(ll save -)
	printf '%s\n' "$2" | cat "$TMP/none.conf" - >"$TMP/bad.conf"
	local n; n=$(wc -l <"$TMP/bad.conf")
	ll apply "$TMP/bad.conf" >/dev/null 2>"$TMP/err"; rc=$?
	[ $rc = "$3" ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "$TMP/bad.conf:$n: $4" "$TMP/err" &&
		[ "$(ll save -)" = "$before" ] &&
		pass "$1: exit $3, FILE:LINE, nothing applied" || fail "$1" "rc $rc $(cat "$TMP/err")"
}
bad "relative DIR" "sockets --cgroup $N1" 2 "sockets --cgroup DIR needs"
bad "DIR with /.." "sockets --cgroup $CG/../x" 2 "sockets --cgroup DIR needs"
bad "--cgroup without DIR" "sockets --cgroup" 2 "--cgroup needs a directory"
bad "a verb" "sockets attach" 2 "unexpected 'attach'"
bad "another option" "sockets --cgroup $CG --scan" 2 "unexpected '--scan'"
bad "missing directory" "sockets --cgroup $CG-nosuch" 1 "$CG-nosuch is not a cgroup-v2 directory"
mkdir "$CG/a#b" 2>/dev/null
out=$(ll sockets attach --cgroup "$CG/a#b" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(cg_progs "$CG/a#b")" = 1 ] &&
	pass "sockets attach --cgroup DIR with '#': attached (saved as \\#, t_polish16)" || fail "attach #" "rc $rc $out"
ll sockets detach --cgroup "$CG/a#b" >/dev/null 2>&1
rmdir "$CG/a#b" 2>/dev/null

# ------------------------------------------------------------------ all or nothing
# a fresh pin path, maps with 2 rule slots: the third rule fails after the sockets step
ll detach --all >/dev/null 2>&1; rm -rf "$PIN"
{ echo "tables --max-rules 2"; echo "sockets --cgroup $CG2"
  for i in 1 2 3 4; do echo "flow tcp://198.51.100.$i:7000"; done; } >"$TMP/full.conf"
ll apply "$TMP/full.conf" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 1 ] && grep -q "nothing was changed" "$TMP/err" && [ "$(cg_progs "$CG2")" = 0 ] && [ ! -e "$PIN/links" ] &&
	pass "apply failing after the sockets step: the attachment undone" ||
	fail "rollback" "rc $rc $(cat "$TMP/err"), progs $(cg_progs "$CG2")"

# ------------------------------------------------------------------ simulated reboot
cat >"$TMP/boot.conf" <<EOF
flow tcp://$SRV4:10809 --name disk
sockets --cgroup $CG
tune --priority 5 --mark 19532
EOF
check "boot registry applied" ll apply "$TMP/boot.conf"
ll detach --all >/dev/null 2>&1; rm -rf "$PIN"
[ ! -e "$PIN" ] && [ "$(cg_progs "$CG")" = 0 ] && pass "reboot: no pins, no sock_ops" || fail "reboot: teardown" "left"
if nbd_start 16M; then pass "nbdkit serving"; else fail "nbdkit" "did not start"; fi
# a connection open before the boot's apply: its scan registers it
in_cg "$NET" tcphold $SRV4 10809 4 >"$TMP/pre" &
wait_for 5 test -s "$TMP/pre"
cmd=$(sed -n 's/^ExecStart=//p' "$UNIT" | sed "s|/usr/sbin/lifeline|$LL|; s|/etc/lifeline/registry.conf|$TMP/boot.conf|")
bset=-all
for c in $(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT"); do c=${c#CAP_}; bset="$bset,+${c,,}"; done
pre=()
command -v setpriv >/dev/null && pre+=(setpriv --bounding-set="$bset" --inh-caps=-all --no-new-privs --)
in_cli env LIFELINE_PIN_PATH=$PIN "${pre[@]}" $cmd >"$TMP/boot.out" 2>&1; rc=$?
[ $rc = 0 ] && grep -qx "+ sockets --cgroup $CG" "$TMP/boot.out" && [ "$(links "/$N1")" = 1 ] && [ "$(cg_progs "$CG")" = 1 ] &&
	pass "reboot: the unit's ExecStart (${pre:+bounding set $bset}) attached sock_ops again" ||
	fail "reboot: ExecStart" "rc $rc $(tail -3 "$TMP/boot.out")"
pre_port=$(awk '{print $2}' "$TMP/pre")
[ -n "$pre_port" ] && [ "$(sockflows "$pre_port")" = 1 ] && pass "reboot: apply's scan registered the open connection" ||
	fail "reboot: scan" "port '$pre_port': $(ll -j flow list | jq -c .flows)"
in_cg "$NET" tcphold $SRV4 10809 2 >"$TMP/new" &
wait_for 5 test -s "$TMP/new"
read -r _ port _ prio _ mark <"$TMP/new"
n=$(sockflows "${port:-x}")
[ "$n" = 1 ] && [ "$prio" = 5 ] && [ "$mark" = 19532 ] &&
	pass "reboot: a new connection registered by sock_ops with priority $prio, mark $mark" ||
	fail "reboot: sock_ops" "flows $n, priority ${prio:-?}, mark ${mark:-?}"
wait
summary
