#!/usr/bin/env bash
# make install into a temporary DESTDIR: the documented tree, man pages that
# render without warnings, a unit systemd-analyze accepts (where it runs),
# an admin's changed config kept by uninstall, nothing else left behind.
set -u
. "$(dirname "$0")/lib.sh"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
cd "$TOP" || exit 1
if ! make -s install DESTDIR="$D" PREFIX=/usr >"$D.log" 2>&1; then
	fail install "$(tail -3 "$D.log")"; rm -f "$D.log"; summary; exit 1
fi
rm -f "$D.log"
for f in usr/sbin/lifeline usr/sbin/lifelined usr/share/man/man8/lifeline.8 usr/share/man/man8/lifelined.8 \
	usr/share/man/man5/lifeline.conf.5 etc/lifeline/lifeline.conf lib/systemd/system/lifelined.service \
	usr/share/bash-completion/completions/lifeline; do
	[ -e "$D/$f" ] && pass "installed /$f" || fail "install" "/$f missing"
done
[ -d "$D/etc/lifeline/lifeline.conf.d" ] && pass "installed /etc/lifeline/lifeline.conf.d/" || fail install "no conf.d"
[ "$(stat -c %a "$D/usr/sbin/lifelined")" = 755 ] && pass "binaries 0755" || fail mode "$(stat -c %a "$D/usr/sbin/lifelined")"
grep -q "^ExecStart=/usr/sbin/lifelined --foreground" "$D/lib/systemd/system/lifelined.service" && pass "unit points at the installed daemon" || fail unit "ExecStart"
for m in "$D"/usr/share/man/man*/*; do
	w=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null | wc -l)
	out=$(MANWIDTH=80 man -l "$m" 2>/dev/null | wc -l)
	[ "$w" = 0 ] && [ "$out" -gt 20 ] && pass "man -l $(basename "$m"): $out lines, no warnings" || fail "man $(basename "$m")" "$w warnings, $out lines"
	long=$(LC_ALL=C MANWIDTH=80 man -l "$m" 2>/dev/null | awk 'length > 80' | head -2)
	[ -z "$long" ] && pass "man -l $(basename "$m"): fits 80 columns" || fail "man $(basename "$m") width" "$long"
	w=$(groff -ww -man -z "$m" 2>&1)
	[ -z "$w" ] && pass "groff -ww $(basename "$m"): no warnings" || fail "groff $(basename "$m")" "$(head -3 <<<"$w" | tr '\n' ' ')"
done
# lifeline(8)'s Commands: one entry per command of --help, in order, none run
# together (help2man reflows what it does not recognise as a tagged paragraph)
want=$("$D/usr/sbin/lifeline" --help | sed -n '/^Commands:/,/^$/p' | grep -E '^  [a-z]' | sed -E 's/^  //; s/  .*//')
got=$(LC_ALL=C MANWIDTH=200 man -l "$D/usr/share/man/man8/lifeline.8" 2>/dev/null | col -b |
	sed -n '/^   Commands:/,/^       SPEC :=/p' | grep -E '^       [^ ]' | grep -v '^       SPEC :=' | sed -E 's/^ +//; s/ +/ /g')
n=$(wc -l <<<"$want") bad=""
[ "$(wc -l <<<"$got")" = "$n" ] || bad="$(wc -l <<<"$got") entries for $n commands"
while IFS= read -r c && IFS= read -r g <&3; do
	[ "${g#"$c"}" != "$g" ] || bad="$bad; '$c' rendered as '$g'"
done <<<"$want" 3<<<"$got"
[ -z "$bad" ] && [ "$n" -gt 15 ] && pass "lifeline(8): each of the $n commands is its own entry" || fail "man commands section" "${bad:-only $n commands}"
# every command of --help is in the man page (they come from the same text)
miss=$("$D/usr/sbin/lifeline" --help | awk '/^  [a-z]/ {print $1}' | sort -u | while read -r c; do
	MANWIDTH=200 man -l "$D/usr/share/man/man8/lifeline.8" 2>/dev/null | grep -qw -- "$c" || echo "$c"; done)
[ -z "$miss" ] && pass "lifeline(8) has every command of --help" || fail "man commands" "$miss"
miss=$(grep -E '^[a-z_]+ *=' docs/lifeline.conf | sed 's/ *=.*//' | sort -u | while read -r k; do
	MANWIDTH=200 man -l "$D/usr/share/man/man5/lifeline.conf.5" 2>/dev/null | grep -q "^ *$k = " || echo "$k"; done)
[ -z "$miss" ] && pass "lifeline.conf(5) has every key" || fail "man keys" "$miss"
mkdir -p "$D/bin" && cp /bin/kill "$D/bin/"	# ExecReload's command, inside the checked root
if systemd-analyze --version >/dev/null 2>&1 && out=$(SYSTEMD_LOG_LEVEL=err systemd-analyze verify --root="$D" /lib/systemd/system/lifelined.service 2>&1); then
	pass "systemd-analyze verify"
elif systemd-analyze --version >/dev/null 2>&1; then
	# in a container without systemd as PID 1 verify may not run; say so instead of failing
	skip "systemd-analyze verify" "$(echo "$out" | head -1)"
else
	skip "systemd-analyze verify" "not installed"
fi
echo "# changed by the admin" >>"$D/etc/lifeline/lifeline.conf"
out=$(make -s uninstall DESTDIR="$D" PREFIX=/usr 2>&1)
rm -rf "$D/bin"
left=$(cd "$D" && find . -type f | sort)
[ "$left" = "./etc/lifeline/lifeline.conf" ] && grep -q "kept" <<<"$out" && pass "uninstall removes everything but the changed config" || fail uninstall "left: $left"
summary
