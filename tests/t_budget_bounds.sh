#!/usr/bin/env bash
# The elevated budget's bounds are one validator: `lifeline tune
# --budget-rate/--budget-burst/--budget-pps` accept exactly what the
# [budget] keys of the config accept (a burst of at least 1514 bytes, a
# full-size frame; sizes with suffixes), and what tune writes is what the
# datapath reads (tune creates and pins the maps, nothing attached). Then,
# on a veth pair with a packet rate cap (--budget-pps), `stats` reports the
# memory the admitted packets hold (admitted_bytes, about a page each) apart
# from what the budget charged them (charged_bytes, at least rate / pps
# each).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
NET=$TOP/build/tests/tool_net
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
cleanup() {
	kill $(jobs -p) 2>/dev/null
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

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

# stats with a packet rate cap: 1 MiB/s, 10 packets/s (a charge of at least
# 104,857 bytes a packet), a UDP flood of 100-byte payloads for a second
rm -rf "$PIN"
if ! ns_setup; then
	fail setup "cannot create the test namespaces"
	summary
	exit 1
fi
check "attach --mode native" ll attach $DEV_CLI --mode native
check "tune: 1 MiB/s, 10 packets/s" ll tune --budget-rate 1M --budget-burst 256K --budget-pps 10
check "pressure set elevated" ll pressure set elevated --for 10m
in_srv "$NET" send $FLOOD4 $CLIF4 9999 1 100 >/dev/null 2>&1
j=$(ll -j stats)
pk=$(echo "$j" | jq '.hooks.xdp.pass_budget.packets')
adm=$(echo "$j" | jq '.budget.admitted_bytes')
chg=$(echo "$j" | jq '.budget.charged_bytes // 0')
if [ "${pk:-0}" -gt 0 ] && [ "$adm" -ge $((pk * 1024)) ] && [ "$adm" -le $((pk * 20000)) ]; then
	pass "stats: admitted_bytes is the memory held ($((adm / pk)) bytes a packet, $pk packets)"
else
	fail "stats admitted_bytes" "$adm bytes for $pk packets (expected 1-20 KiB a packet: the memory, not the pps floor)"
fi
if [ "${pk:-0}" -gt 0 ] && [ "$chg" -ge $((pk * 104857)) ]; then
	pass "stats: charged_bytes holds the pps floor ($((chg / pk)) bytes a packet)"
else
	fail "stats charged_bytes" "$chg bytes for $pk packets (expected at least 104857 a packet)"
fi
summary
