#!/usr/bin/env bash
# lifelined sizes the elevated budget from the memory left (issue 19):
# with [budget] share = 1, the rate is 1 % of the free memory above the min
# watermark per second (a fake /proc/zoneinfo), never above [budget] rate,
# and follows the free pages as they fall; [budget] pps reaches the state.
# No network: the maps are created and pinned, nothing is attached.
set -u
. "$(dirname "$0")/lib.sh"
ST=$TOP/build/tests/llstate

for b in "$LLD" "$ST"; do
	if [ ! -x "$b" ]; then
		fail build "$b missing: run make"
		summary; exit 1
	fi
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

PIN=/sys/fs/bpf/lltest-budgetd-$$
export LIFELINE_PIN_PATH=$PIN
TMP=$(mktemp -d /tmp/lltest-budgetd.XXXXXX)
DPID=""
cleanup() {
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

fake_proc "$TMP"
PAGE=$(getconf PAGESIZE)
# one zone: min 20,000 pages, high 30,000; free as given
zone() {
	put "$TMP/proc/zoneinfo" "Node 0, zone   Normal
  pages free     $1
        min      20000
        low      25000
        high     30000
        spanned  1048576
        present  1048576
        managed  1000000
"
}
zone 1000000
mkdir -p "$TMP/run"
cat >"$TMP/lifeline.conf" <<CONF
[daemon]
tick = 100ms
lease = 1s
hold = 1s
state_dir = $TMP/run
[psi]
enable = no
[memavailable]
enable = no
[netstat]
enable = no
[budget]
rate = 1G
burst = 64K
pps = 5000
share = 1
CONF

get() { "$ST" "$PIN" 2>/dev/null | sed -n "s/^$1=//p"; }
rate_is() { [ "$(get budget_rate)" = "$1" ]; }

"$LLD" --foreground --config "$TMP/lifeline.conf" --proc-root "$TMP" >"$TMP/log" 2>&1 &
DPID=$!
# 1 % of (1,000,000 - 20,000) pages a second
want=$((980000 * PAGE / 100))
if wait_for 10 rate_is $want; then
	pass "share 1 %: rate $want bytes/s from 980,000 free pages above min"
else
	fail "share" "budget_rate $(get budget_rate), expected $want; log: $(tail -3 "$TMP/log")"
fi
[ "$(get budget_pps)" = 5000 ] && pass "pps 5000 in the state" || fail pps "budget_pps $(get budget_pps)"
[ "$(get budget_burst)" = 65536 ] && pass "burst in the state" || fail burst "budget_burst $(get budget_burst)"
zone 120000
want=$((100000 * PAGE / 100))
wait_for 10 rate_is $want && pass "free pages fall: rate $want bytes/s" ||
	fail "share follows" "budget_rate $(get budget_rate), expected $want"
zone 15000
wait_for 10 rate_is 0 && pass "below the min watermark: rate 0" ||
	fail "share at min" "budget_rate $(get budget_rate), expected 0"
# the ceiling: [budget] rate below what the share gives
zone 1000000
sed -i 's/^rate = 1G/rate = 1M/' "$TMP/lifeline.conf"
kill -HUP "$DPID"
wait_for 10 rate_is 1048576 && pass "[budget] rate caps the share" ||
	fail "ceiling" "budget_rate $(get budget_rate), expected 1048576"
kill "$DPID"
wait "$DPID" 2>/dev/null
DPID=""
summary
