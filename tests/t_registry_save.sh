#!/usr/bin/env bash
# lifeline save never damages what FILE is, and what it writes apply reads
# back the same (found by the adversarial pass of #15; each check failed
# before its fix):
#  - no maps at the pin path (a boot before lifeline.service ran): refused,
#    FILE untouched (it was emptied to two comment lines, exit 0);
#  - FILE a device or FIFO: refused (it was replaced by a regular file);
#  - FILE a symlink: its target written, the link kept; an existing FILE
#    keeps its owner and mode (they became root and 0644);
#  - FILE with drop-ins (FILE-without-.conf.d/*.conf): refused, since apply
#    would then read their items twice (apply refused the result, exit 2);
#  - a name with '#' (a comment in the file): refused at `add` (save wrote
#    it and apply silently cut the name at the '#');
#  - `tune --mark 0x10`, the example of `help tune`: hexadecimal accepted
#    (it was "not a whole number", exit 2).
# A private pin path; no interface, no traffic.
set -u
. "$(dirname "$0")/lib.sh"

PIN=/sys/fs/bpf/lltest-regsave-$$
TMP=$(mktemp -d /tmp/lltest-regsave.XXXXXX)
trap 'rm -rf "$PIN" "$TMP"' EXIT
l() { LIFELINE_PIN_PATH=$PIN "$LL" "$@"; }

printf '# mine\nflow nbd://198.51.100.7\n' >"$TMP/keep.conf"
cp "$TMP/keep.conf" "$TMP/keep.orig"
out=$(l save "$TMP/keep.conf" 2>&1); rc=$?
[ $rc = 1 ] && cmp -s "$TMP/keep.conf" "$TMP/keep.orig" && grep -q 'nothing is set up' <<<"$out" &&
	pass "save without maps: refused, FILE untouched" || fail "save without maps" "rc=$rc $out"

l tune --mark 0x10 >/dev/null 2>"$TMP/err" && l tune | grep -q 'mark 0x10' &&
	pass "tune --mark 0x10 (hexadecimal)" || fail "tune --mark 0x10" "$(cat "$TMP/err")"
l tune --mark 0x100000000 >/dev/null 2>&1; [ $? = 2 ] && pass "tune --mark 0x100000000: over the maximum, exit 2" ||
	fail "hex bound" "accepted"
l allow add tcp://192.0.2.0/24:22 --name 'a#b' >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 2 ] && grep -q "contains '#'" "$TMP/err" && [ "$(l -j allow list | jq '[.rules[]?] | length')" = 0 ] &&
	pass "a name with '#': refused, nothing added" || fail "name with #" "rc=$rc $(cat "$TMP/err")"

mkfifo "$TMP/fifo"
mknod "$TMP/null" c 1 3
for f in fifo null; do
	out=$(l save "$TMP/$f" 2>&1); rc=$?
	[ $rc = 1 ] && grep -q 'not a regular file' <<<"$out" && { [ -p "$TMP/$f" ] || [ -c "$TMP/$f" ]; } &&
		pass "save to a $f: refused, left as it was" || fail "save to $f" "rc=$rc $out; $(ls -l "$TMP/$f")"
done

l allow add tcp://192.0.2.0/24:22 --name ssh >/dev/null
printf 'old\n' >"$TMP/target.conf"
chown nobody "$TMP/target.conf" 2>/dev/null
chmod 640 "$TMP/target.conf"
ln -s target.conf "$TMP/link.conf"
if l save "$TMP/link.conf" >/dev/null 2>&1 && [ -L "$TMP/link.conf" ] &&
	grep -q 'name ssh' "$TMP/target.conf" &&
	[ "$(stat -c '%U %a' "$TMP/target.conf")" = "$(id -nu nobody 2>/dev/null || echo root) 640" ]; then
	pass "save through a symlink: target written, link kept, owner and mode kept"
else
	fail "save through symlink" "$(ls -l "$TMP" | head; stat -c '%U %a' "$TMP/target.conf")"
fi

mkdir "$TMP/site.d"
printf 'allow tcp://198.51.100.0/24:22 --name fromdropin\n' >"$TMP/site.d/10.conf"
out=$(l save "$TMP/site.conf" 2>&1); rc=$?
[ $rc = 1 ] && [ ! -e "$TMP/site.conf" ] && grep -q 'declared twice' <<<"$out" &&
	pass "save to a FILE with drop-ins: refused, nothing written" || fail "save with drop-ins" "rc=$rc $out"
l save - >"$TMP/stdout.conf" && grep -q 'name ssh' "$TMP/stdout.conf" &&
	pass "save - still writes to standard output" || fail "save -" "$(head -3 "$TMP/stdout.conf")"
summary
