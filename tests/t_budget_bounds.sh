#!/usr/bin/env bash
# The elevated budget's bounds are one validator: `lifeline tune
# --budget-rate/--budget-burst/--budget-pps` accept exactly what the
# [budget] keys of the config accept (a burst of at least 1514 bytes, a
# full-size frame; sizes with suffixes), and what tune writes is what the
# datapath reads. No network: tune creates and pins the maps, nothing is
# attached.
set -u
. "$(dirname "$0")/lib.sh"
ST=$TOP/build/tests/llstate

for b in "$LL" "$LLD" "$ST"; do
	if [ ! -x "$b" ]; then
		fail build "$b missing: run make"
		summary; exit 1
	fi
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
PIN=/sys/fs/bpf/lltest-budgetb-$$
export LIFELINE_PIN_PATH=$PIN
TMP=$(mktemp -d /tmp/lltest-budgetb.XXXXXX)
trap 'rm -rf "$PIN" "$TMP"' EXIT

# config_ok KEY VALUE: lifelined --check-config accepts [budget] KEY = VALUE
config_ok() {
	printf '[budget]\n%s = %s\n' "$1" "$2" >"$TMP/c.conf"
	"$LLD" --check-config --config "$TMP/c.conf" >/dev/null 2>&1
}

check "tune creates the maps" "$LL" tune --budget-rate 1M --budget-burst 256K
for v in 0 100 1513 1514 4096 64K 256K 4294967295 4294967296 5G; do
	config_ok burst "$v" && want=0 || want=1
	if "$LL" tune --budget-burst "$v" >/dev/null 2>"$TMP/err"; then got=0; else got=1; fi
	if [ $got = $want ]; then
		pass "--budget-burst $v: $([ $want = 0 ] && echo accepted || echo refused), as [budget] burst"
	else
		fail "--budget-burst $v" "tune $([ $got = 0 ] && echo accepted || echo refused) it, the config $([ $want = 0 ] && echo accepts || echo refuses) it: $(cat "$TMP/err")"
	fi
done
for v in 0 100 1500 0.5 -1; do
	if "$LL" tune --budget-burst "$v" >/dev/null 2>&1; then
		fail "--budget-burst $v" "accepted: a pool must hold a full-size frame"
	else
		pass "--budget-burst $v refused"
	fi
done
check "--budget-burst 10K" "$LL" tune --budget-burst 10K
[ "$("$ST" "$PIN" | sed -n 's/^budget_burst=//p')" = 10240 ] &&
	pass "the state holds the burst tune set (10240)" ||
	fail "burst in the state" "$("$ST" "$PIN" | grep budget)"
for k in rate pps; do
	for v in 0 1 4294967295 4294967296; do
		config_ok "$k" "$v" && want=0 || want=1
		if "$LL" tune --budget-$k "$v" >/dev/null 2>&1; then got=0; else got=1; fi
		[ $got = $want ] && pass "--budget-$k $v as [budget] $k" ||
			fail "--budget-$k $v" "tune exit $got, config $want"
	done
done
summary
