#!/usr/bin/env bash
# `flow add cgroup:/PATH` in the registry file (lifeline save / apply), and
# the sockets attach/detach --cgroup defects of the adversarial pass:
#  - save writes `flow cgroup:/PATH`; apply attaches it when missing, removes
#    it when the file does not name it (unless --keep), shows it in the
#    difference and --check; a failing apply undoes the cgroup attachment;
#    a bad or missing cgroup path is refused with FILE:LINE, nothing applied;
#  - `sockets attach --cgroup DIR` was listed as (root) with cgroup_id 0 and
#    a second DIR was not attached at all; `sockets detach --cgroup DIR`
#    removed another cgroup's (the root's) link.
# Private pin path and cgroup-v2 directories, removed on exit; no traffic.
# LL_CGREG_BIN=BINARY runs the checks against another build.
set -u
. "$(dirname "$0")/lib.sh"

BIN=${LL_CGREG_BIN:-$LL}
suite_dirs cgreg
N1=lltest-cgreg-$$
N2=lltest-cgreg2-$$
CG=$CGROOT/$N1
CG2=$CGROOT/$N2

cleanup() {
	LIFELINE_PIN_PATH=$PIN "$BIN" detach --all >/dev/null 2>&1
	rm -rf "$PIN" "$TMP"
	rmdir "$CG" "$CG2" 2>/dev/null
}
trap cleanup EXIT
l() { LIFELINE_PIN_PATH=$PIN "$BIN" "$@"; }
# links SCOPE CGROUP: how many sock_ops links of that scope lifeline lists on CGROUP
links() { l -j sockets list | jq "[.links[] | select(.scope == \"$1\" and .cgroup == \"$2\")] | length"; }

cg_dirs "registry cgroup" "$CG" "$CG2"

# ------------------------------------------------------------------ sockets --cgroup
l sockets attach --cgroup "$CG" >/dev/null 2>"$TMP/err"
id=$(stat -c %i "$CG")
n=$(l -j sockets list | jq "[.links[] | select(.scope == \"endpoints\" and .cgroup == \"/$N1\" and .cgroup_id == $id)] | length")
[ "$n" = 1 ] && pass "sockets attach --cgroup DIR: listed with DIR's path and cgroup id" ||
	fail "sockets attach --cgroup" "$(l -j sockets list) $(cat "$TMP/err")"
l sockets attach --cgroup "$CG2" >/dev/null 2>&1
[ "$(links endpoints "/$N2")" = 1 ] && [ "$(cg_progs "$CG2")" = 1 ] && [ "$(cg_progs "$CG")" = 1 ] &&
	pass "sockets attach --cgroup DIR2: attached too (kernel: one sock_ops on each)" ||
	fail "second cgroup" "links $(links endpoints "/$N2"), progs $(cg_progs "$CG2") $(cg_progs "$CG")"
l sockets attach >/dev/null 2>&1
l flow add cgroup:/$N1 >/dev/null
l sockets detach --cgroup "$CG2" >/dev/null 2>&1
[ "$(links endpoints '(root)')" = 1 ] && [ "$(links endpoints "/$N1")" = 1 ] &&
	[ "$(links cgroup "/$N1")" = 1 ] && [ "$(links endpoints "/$N2")" = 0 ] && [ "$(cg_progs "$CG2")" = 0 ] &&
	pass "sockets detach --cgroup DIR2: only DIR2's link removed" ||
	fail "sockets detach --cgroup DIR2" "$(l -j sockets list), progs $(cg_progs "$CG2")"
l sockets detach --cgroup "$CG" >/dev/null 2>&1
[ "$(links endpoints "/$N1")" = 0 ] && [ "$(links cgroup "/$N1")" = 1 ] && [ "$(cg_progs "$CG")" = 1 ] &&
	pass "sockets detach --cgroup DIR: the flow add cgroup: link stays" ||
	fail "sockets detach --cgroup DIR" "$(l -j sockets list), progs $(cg_progs "$CG")"
l sockets detach >/dev/null 2>&1
l sockets detach --cgroup "$CG" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 1 ] && grep -q "no sock_ops attached" "$TMP/err" && [ "$(links cgroup "/$N1")" = 1 ] &&
	pass "sockets detach --cgroup DIR again: refused, cgroup registration kept" ||
	fail "detach again" "rc $rc $(cat "$TMP/err")"

# ------------------------------------------------------------------ save and apply
l save "$TMP/s.conf" >/dev/null 2>"$TMP/err"
grep -qx "flow cgroup:/$N1" "$TMP/s.conf" && pass "save writes flow cgroup:/PATH" ||
	fail "save" "$(cat "$TMP/s.conf" "$TMP/err")"
l apply --check "$TMP/s.conf" >"$TMP/out" 2>&1; rc=$?
[ $rc = 0 ] && [ ! -s "$TMP/out" ] && pass "apply --check of the saved file: equal, exit 0" ||
	fail "check equal" "rc $rc $(cat "$TMP/out")"
l flow del cgroup:/$N1 >/dev/null
[ "$(cg_progs "$CG")" = 0 ] || fail "flow del cgroup" "still $(cg_progs "$CG") programs"
l apply --check "$TMP/s.conf" >"$TMP/out" 2>&1; rc=$?
[ $rc = 1 ] && grep -qx "+ flow cgroup:/$N1" "$TMP/out" && [ "$(cg_progs "$CG")" = 0 ] &&
	pass "apply --check: '+ flow cgroup:/PATH', exit 1, nothing attached" ||
	fail "check missing" "rc $rc $(cat "$TMP/out")"
l apply "$TMP/s.conf" >"$TMP/out" 2>&1; rc=$?
[ $rc = 0 ] && grep -qx "+ flow cgroup:/$N1" "$TMP/out" && [ "$(links cgroup "/$N1")" = 1 ] &&
	[ "$(cg_progs "$CG")" = 1 ] && pass "apply: the cgroup attached again (kernel: sock_ops on it)" ||
	fail "apply attaches" "rc $rc $(cat "$TMP/out"), progs $(cg_progs "$CG")"
l apply "$TMP/s.conf" >"$TMP/out" 2>&1; rc=$?
[ $rc = 0 ] && [ ! -s "$TMP/out" ] && [ "$(cg_progs "$CG")" = 1 ] &&
	pass "apply again: nothing to do, still one program" || fail "apply again" "rc $rc $(cat "$TMP/out")"
l save - | cmp -s - "$TMP/s.conf" && pass "save after apply: the same file" ||
	fail "save identity" "$(l save - | diff - "$TMP/s.conf")"

grep -v '^flow cgroup:' "$TMP/s.conf" >"$TMP/none.conf"
l apply --keep "$TMP/none.conf" >"$TMP/out" 2>&1; rc=$?
[ $rc = 0 ] && [ ! -s "$TMP/out" ] && [ "$(links cgroup "/$N1")" = 1 ] &&
	pass "apply --keep of a file without it: kept" || fail "keep" "rc $rc $(cat "$TMP/out")"
l apply --check "$TMP/none.conf" >"$TMP/out" 2>&1; rc=$?
[ $rc = 1 ] && grep -qx -- "- flow cgroup:/$N1" "$TMP/out" && [ "$(cg_progs "$CG")" = 1 ] &&
	pass "apply --check of a file without it: '- flow cgroup:/PATH', exit 1" ||
	fail "check extra" "rc $rc $(cat "$TMP/out")"
l apply "$TMP/none.conf" >"$TMP/out" 2>&1; rc=$?
[ $rc = 0 ] && [ "$(links cgroup "/$N1")" = 0 ] && [ "$(cg_progs "$CG")" = 0 ] &&
	pass "apply of a file without it: removed (kernel: no sock_ops)" ||
	fail "apply removes" "rc $rc $(cat "$TMP/out"), progs $(cg_progs "$CG")"

# two spellings of one directory are one item
{ cat "$TMP/none.conf"; echo "flow cgroup:/$N1/"; echo "flow cgroup:/$N1"; } >"$TMP/two.conf"
l apply "$TMP/two.conf" >"$TMP/out" 2>&1; rc=$?
[ $rc = 0 ] && [ "$(grep -c cgroup "$TMP/out")" = 1 ] && [ "$(cg_progs "$CG")" = 1 ] &&
	l apply --check "$TMP/s.conf" >/dev/null && pass "/PATH/ and /PATH: one attachment" ||
	fail "two spellings" "rc $rc $(cat "$TMP/out")"

# ------------------------------------------------------------------ refused files
bad() {	# bad NAME LINE RC PATTERN: a file with LINE at line 2 is refused, nothing changed
	local before; before=$(l -j sockets list)
	printf 'strict on\n%s\n' "$2" >"$TMP/bad.conf"
	l apply "$TMP/bad.conf" >/dev/null 2>"$TMP/err"; rc=$?
	[ $rc = "$3" ] && grep -q "$TMP/bad.conf:2: $4" "$TMP/err" && [ "$(l -j sockets list)" = "$before" ] &&
		pass "$1: exit $3, FILE:LINE, nothing applied" || fail "$1" "rc $rc $(cat "$TMP/err")"
}
bad "cgroup path with /.." "flow cgroup:/$N1/../x" 2 "cgroup:/PATH needs a path"
bad "cgroup path not absolute" "flow cgroup:$N1" 2 "cgroup:/PATH needs a path"
bad "cgroup with an option" "flow cgroup:/$N1 --name x" 2 "flow cgroup:/PATH takes no options"
for i in $(seq 1 129); do echo "flow cgroup:/$N1-$i"; done >"$TMP/many.conf"
l apply --check "$TMP/many.conf" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 2 ] && grep -q "many.conf:129: more than 128 cgroups" "$TMP/err" && pass "129 cgroup lines: refused at line 129" ||
	fail "cgroup bound" "rc $rc $(cat "$TMP/err")"
bad "missing cgroup directory" "flow cgroup:/$N1-nosuch" 1 "$CGROOT/$N1-nosuch is not a cgroup-v2 directory"
out=$(l flow add "cgroup:/$N1/../x" 2>&1); rc=$?
[ $rc = 2 ] && [[ $out == *"cgroup:/PATH needs a path"* ]] && pass "flow add cgroup: the same check" ||
	fail "flow add check" "rc $rc $out"
mkdir "$CG/a#b" 2>/dev/null
out=$(l flow add "cgroup:/$N1/a#b" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(links cgroup "/$N1/a#b")" = 1 ] && l save - | grep -qxF "flow cgroup:/$N1/a\#b" &&
	pass "flow add cgroup:/PATH with '#': attached, saved as \\# (the registry's escape)" || fail "flow add #" "rc $rc $out"
l flow del "cgroup:/$N1/a#b" >/dev/null 2>&1
rmdir "$CG/a#b" 2>/dev/null

# ------------------------------------------------------------------ all or nothing
# a fresh pin path, maps created with 2 rule slots: the third rule fails after the cgroup step
l detach --all >/dev/null 2>&1; rm -rf "$PIN"
{ echo "tables --max-rules 2"; echo "flow cgroup:/$N2"
  for i in 1 2 3 4; do echo "flow tcp://198.51.100.$i:7000"; done; } >"$TMP/full.conf"
l apply "$TMP/full.conf" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 1 ] && grep -q "nothing was changed" "$TMP/err" && [ "$(cg_progs "$CG2")" = 0 ] && [ ! -e "$PIN/links" ] &&
	pass "apply failing after the cgroup step: the attachment undone" ||
	fail "rollback" "rc $rc $(cat "$TMP/err"), progs $(cg_progs "$CG2"), $(ls "$PIN" "$PIN/links" 2>&1 | tr '\n' ' ')"

# at boot: lifeline.service's bounding set (CAP_BPF CAP_NET_ADMIN CAP_PERFMON) attaches it
l detach --all >/dev/null 2>&1; rm -rf "$PIN"
if command -v setpriv >/dev/null; then
	printf 'flow cgroup:/%s\n' "$N2" >"$TMP/boot.conf"
	LIFELINE_PIN_PATH=$PIN setpriv --bounding-set=-all,+bpf,+net_admin,+perfmon --inh-caps=-all \
		--no-new-privs -- "$BIN" apply "$TMP/boot.conf" >"$TMP/out" 2>&1; rc=$?
	[ $rc = 0 ] && [ "$(links cgroup "/$N2")" = 1 ] && [ "$(cg_progs "$CG2")" = 1 ] &&
		pass "apply with the unit's capabilities: cgroup attached" || fail "boot caps" "rc $rc $(cat "$TMP/out")"
else
	skip "boot caps" "no setpriv"
fi
summary
