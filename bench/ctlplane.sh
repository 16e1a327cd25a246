#!/usr/bin/env bash
# Control-plane benchmark: flow load of 100,000 SPECs, then 1,000,000 flows
# in the table: status, stats, flow list latency, and the kernel memory of
# the maps. Uses its own pin path; touches no interface.
# Usage: bench/ctlplane.sh [--json]
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/bench/benchlib.sh"
bench_begin ctl

# exact flows (gen: bench/benchlib.sh), 100,000 then 900,000 more
gen 100000 0 >"$TMP/100k.flows"
gen 900000 100000 >"$TMP/900k.flows"

"$LL" --max-flows 1100000 --max-rules 4096 flow add nbd://203.0.113.7 >/dev/null || exit 1
load100k=$(ms "$LL" flow load "$TMP/100k.flows") || exit 1
load900k=$(ms "$LL" flow load "$TMP/900k.flows") || exit 1
nflows=$("$LL" -j status | jq .flows)
status=$(ms "$LL" status)
stats=$(ms "$LL" stats)
list=$(ms "$LL" -j flow list)
mem=$(bpftool -j map show pinned "$PIN/ll_flows" 2>/dev/null | jq '.bytes_memlock // 0')

printf '%-44s %10s %10s %s\n' "control plane (1,000,000 flows)" "measured" "target" "verdict"
row() { printf '%-44s %10s %10s %s\n' "$1" "$2" "$3" "$4"; }
v() { [ "$1" -le "$2" ] && echo met || echo missed; }
row "flow load, 100,000 SPECs" "${load100k} ms" "<= 2000 ms" "$(v "$load100k" 2000)"
row "flow load, 900,000 more" "${load900k} ms" "-" "-"
row "flows in the table" "$nflows" "1000000" "$([ "$nflows" = 1000000 ] && echo met || echo missed)"
row "status" "${status} ms" "<= 1000 ms" "$(v "$status" 1000)"
row "stats (does not read flows)" "${stats} ms" "-" "-"
row "flow list -j (reads every flow)" "${list} ms" "-" "-"
row "ll_flows kernel memory (1.1M capacity)" "$((mem / 1048576)) MiB" "-" "-"
