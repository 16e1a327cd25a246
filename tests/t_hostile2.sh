#!/usr/bin/env bash
# More hostile input (issue 13): files that never end or never open
# (/dev/zero, FIFOs, /proc/self/mem), paths that are devices, directories or
# symlinks planted in a shared directory, control characters and empty
# values in pin paths, a PSI trigger that is no trigger. Each gets one line
# on stderr and a non-zero exit at once, and nothing is created or replaced.
# Maps live on a private bpffs instance mounted here, removed on exit.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile.sh"

# ------------------------------------------------------------ C1: flow load
expect 2 "flow load: /dev/zero refused at once (was: no error, memory without bound)" "$LL" flow load /dev/zero
grep -q "^lifeline: /dev/zero:1: NUL byte" "$TMP/e" && pass "flow load: /dev/zero: NUL byte at line 1" || fail "flow load: zero msg" "$(cat "$TMP/e")"
expect 0 "flow load: /dev/null is an empty file" "$LL" flow load /dev/null
rss_zero() {	# flow load - </dev/zero, bounded by 10 s; prints its exit code
	timeout 10 "$LL" flow load - </dev/zero >/dev/null 2>"$TMP/e"
	echo $?
}
[ "$(rss_zero)" = 2 ] && grep -q '^lifeline: -:1: NUL byte' "$TMP/e" && [ "$(wc -l <"$TMP/e")" = 1 ] &&
	pass "flow load: - </dev/zero: NUL byte at line 1 (was: grew for ever)" || fail "flow load: stdin zero" "$(head -c 300 "$TMP/e")"
mkfifo "$TMP/fifo"
expect 2 "flow load: a FIFO FILE refused without blocking (was: hung)" "$LL" flow load "$TMP/fifo"
expect 2 "flow load: a directory refused" "$LL" flow load "$TMP"
head -c 100000 /dev/zero | tr '\0' a >"$TMP/long.flows"
expect 2 "flow load: a 100000-character line refused" "$LL" flow load "$TMP/long.flows"
grep -q "long.flows:1: line longer than" "$TMP/e" && pass "flow load: too long at FILE:LINE" || fail "flow load: long msg" "$(cat "$TMP/e")"
printf 'nbd://198.51.100.21\n' >"$TMP/ok.flows"
expect 0 "flow load: a good file still loads" "$LL" flow load "$TMP/ok.flows"
printf 'nbd://198.51.100.22' >"$TMP/nonl.flows"
expect 0 "flow load: a last line without a newline loads" "$LL" flow load "$TMP/nonl.flows"
"$LL" -j flow list | jq -e '[.rules[].spec] | index("nbd://198.51.100.21") != null and index("nbd://198.51.100.22") != null' >/dev/null 2>&1 ||
	"$LL" -j flow list | grep -q 198.51.100.22 && pass "flow load: both loaded" || fail "flow load: loaded" "$("$LL" flow list 2>&1 | head -5)"

# ------------------------------------------------------------ C5: configuration files
expect 1 "config: a FIFO as --config refused at once (was: hung)" "${CHK[@]}" "$TMP/fifo"
conf dropin '[daemon]\ntick = 1s'
mkdir "$TMP/dropin.conf.d"
mkfifo "$TMP/dropin.conf.d/z.conf"
expect 1 "config: a FIFO as a drop-in refused at once (was: hung)" "${CHK[@]}" "$TMP/dropin.conf"
expect 1 "config: /proc/self/mem refused (was: 'configuration valid')" "${CHK[@]}" /proc/self/mem
grep -q "cannot read" "$TMP/e" && pass "config: a read error is reported as such" || fail "config: read error msg" "$(cat "$TMP/e")"
conf sdnull '[daemon]\nstate_dir = /dev/null'
expect 1 "config: state_dir = /dev/null refused (was: valid)" "${CHK[@]}" "$TMP/sdnull.conf"
conf sdnew "[daemon]\nstate_dir = $TMP/new/run"
expect 0 "config: a state_dir that can be created accepted" "${CHK[@]}" "$TMP/sdnew.conf"
conf trig '[psi]\ntrigger = some 1 1; rm -rf /'
expect 1 "config: trigger = 'some 1 1; rm -rf /' refused (was: valid, later blamed on CAP_SYS_RESOURCE)" "${CHK[@]}" "$TMP/trig.conf"
conf trigwin '[psi]\ntrigger = some 100000 20000000'
expect 1 "config: a trigger window above 10s refused" "${CHK[@]}" "$TMP/trigwin.conf"
conf trigstall '[psi]\ntrigger = full 2000000 1000000'
expect 1 "config: a trigger stall above its window refused" "${CHK[@]}" "$TMP/trigstall.conf"
conf trigok '[psi]\ntrigger = full 100000 2000000'
expect 0 "config: a good trigger accepted" "${CHK[@]}" "$TMP/trigok.conf"
conf trigoff '[psi]\ntrigger ='
expect 0 "config: an empty trigger (none) accepted" "${CHK[@]}" "$TMP/trigoff.conf"

# ------------------------------------------------------------ C2: metrics textfile
mknod "$TMP/null" c 1 3
conf tfdev "[metrics]\ntextfile = $TMP/null"
expect 1 "config: textfile naming a device node refused (was: valid, replaced by lifelined)" "${CHK[@]}" "$TMP/tfdev.conf"
conf tfdir "[metrics]\ntextfile = $TMP"
expect 1 "config: textfile naming a directory refused" "${CHK[@]}" "$TMP/tfdir.conf"
conf tfnodir "[metrics]\ntextfile = $TMP/nodir/x.prom"
expect 1 "config: textfile in a directory that does not exist refused" "${CHK[@]}" "$TMP/tfnodir.conf"
conf tfok "[metrics]\ntextfile = $TMP/x.prom"
expect 0 "config: textfile not yet there, in an existing directory, accepted" "${CHK[@]}" "$TMP/tfok.conf"
[ -c "$TMP/null" ] && pass "config: the device node is still one" || fail "config: device" "$(ls -l "$TMP/null")"

# ------------------------------------------------------------ C3: state_dir and the pid file
once_conf() {	# once_conf STATE_DIR: $TMP/once-DIR.conf, lifelined's state there
	printf '[daemon]\nstate_dir = %s\n%s\n[kernel]\nvmscan = no\n' "$TMP/$1" "$(conf_host_sources_off)" >"$TMP/once-$1.conf"
}
ONCE=("$LLD" --foreground --once --config)
mkdir -m 0700 "$TMP/sd-ok"
once_conf sd-ok
expect 0 "daemon: --once with a private state_dir runs" "${ONCE[@]}" "$TMP/once-sd-ok.conf"
mkdir "$TMP/sd-shared"
once_conf sd-shared
chmod 1777 "$TMP/sd-shared"
echo precious >"$TMP/victim"
ln -s "$TMP/victim" "$TMP/sd-shared/lifelined.pid"
# a full run (--once writes no pid): before the fix it ran until the timeout, the target truncated
expect 1 "daemon: a state_dir writable by others refused at start" "$LLD" --foreground --config "$TMP/once-sd-shared.conf"
[ "$(cat "$TMP/victim")" = precious ] && pass "daemon: the symlink's target was not overwritten (was: truncated)" ||
	fail "daemon: victim" "$(head -c 100 "$TMP/victim")"
mkdir -m 0700 "$TMP/sd-link"
once_conf sd-link
ln -s "$TMP/victim" "$TMP/sd-link/lifelined.pid"
expect 1 "daemon: a symlink as the pid file refused (O_NOFOLLOW)" "$LLD" --foreground --config "$TMP/once-sd-link.conf"
[ "$(cat "$TMP/victim")" = precious ] && pass "daemon: the pid file symlink's target kept" ||
	fail "daemon: victim 2" "$(head -c 100 "$TMP/victim")"

# ------------------------------------------------------------ C4: pin paths
expect 1 "daemon: --pin-path with an ESC refused" "${ONCE[@]}" "$TMP/once-sd-ok.conf" --pin-path "$B/a"$'\e'"b"
! ls "$B" | grep -q '^a' && pass "daemon: nothing created at the ESC pin path" || fail "daemon: esc created" "$(ls "$B" | cat -v)"
! grep -q $'\e' "$TMP/e" && pass "daemon: the ESC is not echoed raw" || fail "daemon: raw ESC" "$(cat -v "$TMP/e")"
# pin_path in the configuration is the private one: an unfixed build falls back to it, not the host's
{ cat "$TMP/once-sd-ok.conf"; printf '[daemon]\npin_path = %s\n' "$B/cfg"; } >"$TMP/once-pin.conf"
expect 1 "daemon: an empty LIFELINE_PIN_PATH refused (was: the configuration's)" env LIFELINE_PIN_PATH= "${ONCE[@]}" "$TMP/once-pin.conf"
expect 1 "daemon: an empty --pin-path refused" "${ONCE[@]}" "$TMP/once-sd-ok.conf" --pin-path ""
expect 2 "cli: an empty --pin-path refused (was: the env var)" "$LL" --pin-path "" status
expect 2 "cli: an empty LIFELINE_PIN_PATH refused (was: the default)" env LIFELINE_PIN_PATH= "$LL" status
expect 2 "cli: a control character in the pin path refused" "$LL" --pin-path "$B/x"$'\t'"y" flow add nbd://198.51.100.7
conf pinesc "[daemon]\npin_path = /sys/fs/bpf/a\x1bb"
expect 1 "config: pin_path with an ESC refused" "${CHK[@]}" "$TMP/pinesc.conf"

# ------------------------------------------------------------ repeated options
before=$("$LL" -j flow list | jq -c '[.rules[].spec, .flows[].spec] | sort')
expect 2 "cli: --name given twice refused (was: the last won)" "$LL" flow add nbd://198.51.100.30 --name a --name b
expect 2 "cli: --local given twice refused" "$LL" flow add tcp://198.51.100.30:22 --local 192.0.2.1:1 --local 192.0.2.1:2
printf 'nbd://198.51.100.31 --name a --name b\n' >"$TMP/twice.flows"
expect 2 "flow load: --name twice on a line refused" "$LL" flow load "$TMP/twice.flows"
after=$("$LL" -j flow list | jq -c '[.rules[].spec, .flows[].spec] | sort')
[ "$before" = "$after" ] && pass "cli: the refused repeats changed nothing" || fail "cli: repeats half-applied" "$before -> $after"
expect 2 "cli: --for given twice refused (was: the last won)" "$LL" pressure set critical --for 1s --for 2s
"$LL" -j pressure | jq -e '.votes.override.level != "critical"' >/dev/null &&
	pass "cli: no override set by the refused command" || fail "cli: override" "$("$LL" -j pressure | jq -c .votes.override)"

summary
