#!/usr/bin/env bash
# Control-plane benchmark: flow load of 100,000 SPECs, then 1,000,000 flows
# in the table: status, stats, flow list latency, and the kernel memory of
# the maps. Uses its own pin path; touches no interface.
# Usage: bench/ctlplane.sh [--json]
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LL=$TOP/build/lifeline
PIN=/sys/fs/bpf/llbench-ctl-$$
TMP=$(mktemp -d)
export LIFELINE_PIN_PATH=$PIN
cleanup() { rm -rf "$PIN" "$TMP"; }
trap cleanup EXIT

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }

# exact flows: 198.51.100.0/24 x 10809, local 192.0.2.1 and 192.0.2.2, ports 10000-...
gen() {	# gen COUNT OFFSET
	awk -v n="$1" -v off="$2" 'BEGIN { for (i = off; i < off + n; i++) {
		h = i % 250 + 1; p = int(i / 250) % 50000 + 10000; l = int(i / 12500000) + 1;
		printf "tcp://198.51.100.%d:10809 --local 192.0.2.%d:%d\n", h, l + int(i / (250 * 50000)), p } }'
}
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
