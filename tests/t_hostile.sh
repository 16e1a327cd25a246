#!/usr/bin/env bash
# Hostile input to the CLI and to lifelined's configuration: each value has
# one validator, bad input gets one line on stderr and a non-zero exit, and
# nothing is half-applied. The pin paths live on a private bpffs instance
# mounted here (never the host's /sys/fs/bpf root), removed on exit.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile.sh"

# ------------------------------------------------------------ the configuration

conf lease60 '[daemon]\nlease = 60s'
expect 0 "config: lease = 60s is the upper bound" "${CHK[@]}" "$TMP/lease60.conf"
conf lease1d '[daemon]\nlease = 1d'
expect 1 "config: lease = 1d refused (a SIGKILLed daemon would hold the level a day)" "${CHK[@]}" "$TMP/lease1d.conf"
conf leaseovf '[daemon]\nlease = 18446744073709ms'
expect 1 "config: lease = 18446744073709ms refused (overflows now + lease)" "${CHK[@]}" "$TMP/leaseovf.conf"
conf leaselow '[daemon]\ntick = 10ms\nlease = 20ms'
expect 1 "config: lease = 20ms refused (below 100ms)" "${CHK[@]}" "$TMP/leaselow.conf"
conf durovf '[alert]\nhook_timeout = 18446744073s'
expect 1 "config: any duration beyond 365d refused" "${CHK[@]}" "$TMP/durovf.conf"

expect 1 "config: /dev/zero refused at once (was: 100% CPU forever)" "${CHK[@]}" /dev/zero
expect 1 "config: a directory is not a configuration" "${CHK[@]}" "$TMP"
printf '[daemon]\ntick = 1s\0\x01\x02garbage\n' >"$TMP/bin.conf"
expect 1 "config: a file with a NUL byte is refused" "${CHK[@]}" "$TMP/bin.conf"
grep -q "bin.conf:2: NUL byte" "$TMP/e" && pass "config: NUL byte reported as such at FILE:LINE (was: 'line longer than 199 characters')" ||
	fail "config: NUL line" "$(cat "$TMP/e")"
head -c 2048 "$TOP/build/lifeline" >"$TMP/elf.conf"
expect 1 "config: an ELF binary is refused" "${CHK[@]}" "$TMP/elf.conf"
grep -q "elf.conf:1: control byte 0x7f: not a text file" "$TMP/e" && pass "config: an ELF binary is not a text file" ||
	fail "config: ELF message" "$(cat "$TMP/e")"

conf size '[reserve]\nsize = 1e19'
expect 1 "config: size = 1e19 refused (overflowed to a wrong size)" "${CHK[@]}" "$TMP/size.conf"
conf sizebig '[reserve]\nsize = 2T'
expect 1 "config: size above 1T refused (the CLI's --kb bound)" "${CHK[@]}" "$TMP/sizebig.conf"
conf share '[reserve]\nmax_share = 100'
expect 1 "config: max_share = 100 refused (the CLI caps --max-share at 50)" "${CHK[@]}" "$TMP/share.conf"
conf share50 '[reserve]\nmax_share = 50'
expect 0 "config: max_share = 50 accepted" "${CHK[@]}" "$TMP/share50.conf"
conf wsf '[reserve]\nwatermark_scale_factor = 100000'
expect 1 "config: watermark_scale_factor above 3000 refused (as --watermark-scale)" "${CHK[@]}" "$TMP/wsf.conf"
mkdir "$TMP/hookdir"
conf hookdir "[alert]\non_change = $TMP/hookdir"
expect 1 "config: on_change naming a directory refused" "${CHK[@]}" "$TMP/hookdir.conf"
conf pindot '[daemon]\npin_path = /sys/fs/bpf/a.b'
expect 1 "config: pin_path with a '.' refused by the check, as at start" "${CHK[@]}" "$TMP/pindot.conf"
conf pinroot '[daemon]\npin_path = /sys/fs/bpf/'
expect 1 "config: pin_path at the bpffs root refused" "${CHK[@]}" "$TMP/pinroot.conf"
conf pinrel '[daemon]\npin_path = /sys/fs/bpf/x/../y'
expect 1 "config: pin_path with '..' refused" "${CHK[@]}" "$TMP/pinrel.conf"
conf pinslash '[daemon]\npin_path = /sys/fs/bpf/lifeline/'
expect 0 "config: pin_path with a trailing slash accepted (normalised)" "${CHK[@]}" "$TMP/pinslash.conf"
"$LLD" --check-config -v --config "$TMP/pinslash.conf" 2>&1 | grep -qx 'pin_path = /sys/fs/bpf/lifeline' &&
	pass "config: the trailing slash is dropped" || fail "config: normalised" "$("$LLD" --check-config -v --config "$TMP/pinslash.conf" 2>&1 | grep pin_path)"

# ------------------------------------------------------------ durations on the CLI
expect 0 "cli: pressure set critical --for 1m" "$LL" pressure set critical --for 1m
expect 2 "cli: --for 18446744073s refused (was: exit 0 with an override already expired)" \
	"$LL" pressure set critical --for 18446744073s
expect 2 "cli: --for beyond 365d refused" "$LL" pressure set critical --for 366d
"$LL" -j pressure | jq -e '.votes.override.level == "critical" and .votes.override.expires_in_s > 0 and .votes.override.expires_in_s <= 60' >/dev/null &&
	pass "cli: the refused --for left the 1m override alone" || fail "cli: override kept" "$("$LL" -j pressure | jq -c .votes.override)"
expect 0 "cli: pressure clear" "$LL" pressure clear

# ------------------------------------------------------------ pin paths
rootmode=$(stat -c %a "$B")
expect 2 "pin: LIFELINE_PIN_PATH at a bpffs root refused" env LIFELINE_PIN_PATH="$B/" "$LL" flow add nbd://198.51.100.7
[ ! -e "$B/ll_state" ] && pass "pin: nothing pinned at the bpffs root" || fail "pin: root" "$(ls "$B")"
expect 2 "pin: LIFELINE_PIN_PATH at a bpffs root (no slash) refused" env LIFELINE_PIN_PATH="$B" "$LL" flow add nbd://198.51.100.7
[ "$(stat -c %a "$B")" = "$rootmode" ] && pass "pin: the bpffs root was not chmodded" || fail "pin: root mode" "$rootmode -> $(stat -c %a "$B")"
expect 0 "pin: a trailing slash is the same directory" env LIFELINE_PIN_PATH="$B/slash/" "$LL" flow add nbd://198.51.100.7
[ -e "$B/slash/ll_state" ] && pass "pin: maps pinned in the normalised directory" || fail "pin: slash" "$(ls -R "$B")"
mode=$(stat -c %a "$B/slash/ll_state")
expect 2 "pin: a pin path that is a file refused" env LIFELINE_PIN_PATH="$B/slash/ll_state" "$LL" flow add nbd://198.51.100.7
[ "$(stat -c %a "$B/slash/ll_state")" = "$mode" ] && pass "pin: the file was not chmodded before the refusal" ||
	fail "pin: file mode" "$mode -> $(stat -c %a "$B/slash/ll_state")"
expect 2 "pin: '..' in the pin path refused" env LIFELINE_PIN_PATH="$B/slash/../other" "$LL" status

# ------------------------------------------------------------ names
expect 0 "names: a printable name" "$LL" flow add nbd://198.51.100.7 --name disk-1
expect 2 "names: ESC and newline in --name refused" "$LL" flow add nbd://198.51.100.8 --name $'\e[31mX\nFAKE'
expect 2 "names: a space in --name refused" "$LL" allow add tcp://198.51.100.0/24:22 --name 'a b'
"$LL" flow list >"$TMP/list" 2>&1
! grep -q $'\e' "$TMP/list" && ! grep -q FAKE "$TMP/list" && pass "names: nothing of the refused name in flow list" ||
	fail "names: list" "$(cat -v "$TMP/list")"

# a name stored before this check (written into the record here): escaped on output
rec=$(bpftool -j map lookup pinned "$B/ll/ll_rule_recs" key 0 0 0 0 2>/dev/null | jq -r '.value | join(" ")')
# "disk-1" -> ESC "[31m" LF
bad=${rec/0x64 0x69 0x73 0x6b 0x2d 0x31/0x1b 0x5b 0x33 0x31 0x6d 0x0a}
if [ -n "$rec" ] && [ "$bad" != "$rec" ] &&
	bpftool map update pinned "$B/ll/ll_rule_recs" key 0 0 0 0 value $bad 2>"$TMP/e"; then
	"$LL" flow list >"$TMP/list" 2>&1
	! grep -q $'\e' "$TMP/list" && grep -qF '\x1b[31m\x0a' "$TMP/list" &&
		pass "names: a stored control sequence is escaped in flow list" || fail "names: escape" "$(cat -v "$TMP/list")"
	"$LL" -j flow list | jq -e '.rules[0].name == "\u001b[31m\n"' >/dev/null &&
		pass "names: JSON keeps the stored bytes, escaped by JSON" || fail "names: json" "$("$LL" -j flow list | jq -c .rules[0])"
	bpftool map update pinned "$B/ll/ll_rule_recs" key 0 0 0 0 value $rec
else
	fail "names: inject" "cannot rewrite rule 0 with bpftool: $(head -1 "$TMP/e")"
fi

# ------------------------------------------------------------ --strict
expect 2 "strict: --strict on a UDP flow refused" \
	"$LL" flow add udp://198.51.100.7:4789 --local 192.0.2.1:4789 --strict
"$LL" -j flow list | jq -e '[.flows[] | select(.spec | startswith("udp://"))] | length == 0' >/dev/null &&
	pass "strict: the refused UDP flow was not added" || fail "strict: udp added" "$("$LL" -j flow list | jq -c .flows)"
FL="tcp://198.51.100.7:10809 local 192.0.2.1:40000"
strict_of() { "$LL" -j flow list | jq -r --arg s "$1" '.flows[] | select(.spec == $s) | .strict'; }
expect 0 "strict: add a TCP flow" "$LL" flow add tcp://198.51.100.7:10809 --local 192.0.2.1:40000
[ "$(strict_of "$FL")" = false ] && pass "strict: off when not asked" || fail "strict: initial" "$(strict_of "$FL")"
expect 0 "strict: re-add with --strict" "$LL" flow add tcp://198.51.100.7:10809 --local 192.0.2.1:40000 --strict
[ "$(strict_of "$FL")" = true ] && pass "strict: re-add with --strict sets it (was: silently ignored)" || fail "strict: re-add" "$(strict_of "$FL")"
expect 0 "strict: re-add without --strict" "$LL" flow add tcp://198.51.100.7:10809 --local 192.0.2.1:40000
grep -qx "registered $FL strict (already registered)" "$TMP/o" && pass "strict: the re-add says the flow stays strict" ||
	fail "strict: re-add message" "$(cat "$TMP/o")"
[ "$(strict_of "$FL")" = true ] && pass "strict: re-add without --strict keeps it (documented)" || fail "strict: kept" "$(strict_of "$FL")"
printf 'tcp://198.51.100.9:3260 --local 192.0.2.1:40001 --strict\ntcp://198.51.100.9:3260 --local 192.0.2.1:40002\n' >"$TMP/strict.flows"
expect 0 "strict: flow load with --strict" "$LL" flow load "$TMP/strict.flows"
[ "$(strict_of "tcp://198.51.100.9:3260 local 192.0.2.1:40001")" = true ] &&
	[ "$(strict_of "tcp://198.51.100.9:3260 local 192.0.2.1:40002")" = false ] &&
	pass "strict: flow load honours --strict per line (was: ignored)" ||
	fail "strict: load" "$("$LL" -j flow list | jq -c .flows)"
printf 'nbd://198.51.100.10\nudp://198.51.100.9:53 --local 192.0.2.1:53 --strict\n' >"$TMP/strictudp.flows"
expect 2 "strict: --strict on UDP in a flow file refused" "$LL" flow load "$TMP/strictudp.flows"
grep -q "strictudp.flows:2:" "$TMP/e" && pass "strict: refused at FILE:LINE" || fail "strict: line" "$(cat "$TMP/e")"

# ------------------------------------------------------------ flow files
before=$("$LL" -j flow list | jq -c '[.rules[].spec, .flows[].spec] | sort')
printf 'tcp://198.51.100.11:80 --local 192.0.2.1:5000 --strict --strict --strict --strict bogus\n' >"$TMP/eight.flows"
expect 2 "flow load: a line of 8 words refused (was: the 8th dropped)" "$LL" flow load "$TMP/eight.flows"
grep -q "eight.flows:1:" "$TMP/e" && pass "flow load: 8 words at FILE:LINE" || fail "flow load: 8 line" "$(cat "$TMP/e")"
printf 'nbd://198.51.100.12\nnbd://198.51.100.13\0tcp://198.51.100.14:22\n' >"$TMP/nul.flows"
expect 2 "flow load: text after a NUL refused (was: silently ignored)" "$LL" flow load "$TMP/nul.flows"
grep -q "nul.flows:2:" "$TMP/e" && pass "flow load: NUL at FILE:LINE" || fail "flow load: NUL line" "$(cat "$TMP/e")"
after=$("$LL" -j flow list | jq -c '[.rules[].spec, .flows[].spec] | sort')
[ "$before" = "$after" ] && pass "flow load: refused files changed nothing" || fail "flow load: half-applied" "$before -> $after"

summary
