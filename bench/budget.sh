#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# What `elevated` bounds (issue 19): the memory lifeline admits for
# unregistered traffic, against the budget B. Runs the cases of
# tests/t_budget.sh (a veth pair, lifeline XDP at elevated, UDP floods of
# 64-, 512- and 1,500-byte frames from one CPU and from both, 20,000
# frames/s per CPU; and in tc mode 64-byte frames from sockets on both
# CPUs) at each budget in BUDGET_RATES, a window of BUDGET_WINDOW seconds
# each, and prints admitted / B two ways: the sum of lifeline's charges,
# and the truesize of what reached the receiver's socket, with the flood's
# longest stall in the window (credit beyond the pool's depth, half a
# second, is lost while nothing arrives). Target: 0.75-1.25 for every case.
# Results: bench/results/budget-<date>.txt/.json and budget-latest.*.
#
# Usage: bench/budget.sh     (environment: BUDGET_RATES, BUDGET_WINDOW)
set -u
cd "$(dirname "$0")/.." || exit 1
OUT=bench/results
RATES=${BUDGET_RATES:-1048576 8388608}
export BUDGET_WINDOW=${BUDGET_WINDOW:-5}
mkdir -p "$OUT"
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
rc=0
for b in $RATES; do
	BUDGET_RATE=$b BUDGET_PRINT=1 bash tests/t_budget.sh >"$raw.log" 2>&1 || rc=1
	grep '^budget ' "$raw.log" | sed "s/^budget /rate=$b /" >>"$raw"
	grep '^FAIL' "$raw.log" | sed 's/^/  /'
done
rm -f "$raw.log"
json=$(awk '{
	delete f
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	printf "{\"rate\":%s,\"mode\":\"%s\",\"frame_bytes\":%s,\"cpus\":%s,\"charged\":%s,\"stack\":%s,\"packets\":%s,\"truesize\":%s,\"window_s\":%s,\"stall_s\":%s}\n",
		f["rate"], f["mode"] == "" ? "xdp" : f["mode"], f["size"], f["cpus"], f["charged"], f["stack"], f["packets"], f["truesize"], f["window"], f["stall"]
}' "$raw" | jq -s --arg date "$(date +%Y-%m-%dT%H%M%S)" --arg kernel "$(uname -r)" \
	'{ bench: "budget", date: $date, kernel: $kernel, cases: map(. + { met: (.charged >= 0.75 and .charged <= 1.25 and .stack >= 0.75 and .stack <= 1.25) }) }')
table() {
	echo "$json" | jq -r 'def f3: (. * 1000 | round) as $m | "\($m / 1000 | floor).\("00" + ($m % 1000 | tostring) | .[-3:])";
		"budget \(.date): admitted memory / budget at elevated, lifeline XDP on veth, kernel \(.kernel)",
		"budget (B)   mode  frame  flood from   charged/B  stack/B  packets  truesize  stall s  verdict",
		(.cases[] | "\(.rate / 1048576 | tostring) MiB/s" as $r |
		 "\($r | . + " " * (12 - length))\(.mode | . + " " * (4 - length))  \(.frame_bytes | tostring | " " * (5 - length) + .)  \(if .cpus == 1 then "one CPU   " else "\(.cpus) CPUs    " end)  \(.charged | f3)      \(.stack | f3)    \(.packets | tostring | " " * (7 - length) + .)  \(.truesize | tostring | " " * (8 - length) + .)  \(.stall_s | f3 | " " * (7 - length) + .)  \(if .met then "met" elif .stall_s >= 0.5 then "missed (the flood stalled)" else "missed" end)")'
}
stamp=$(date +%Y-%m-%dT%H%M%S)
table | tee "$OUT/budget-$stamp.txt"
cp "$OUT/budget-$stamp.txt" "$OUT/budget-latest.txt"
echo "$json" >"$OUT/budget-$stamp.json" && cp "$OUT/budget-$stamp.json" "$OUT/budget-latest.json"
[ -s "$raw" ] || rc=1
exit $rc
