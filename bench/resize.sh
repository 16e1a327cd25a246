#!/usr/bin/env bash
# Live resize (user/resize.c) with COUNT flows in the table: `apply` of the
# saved registry with the flow table doubled, then halved back, timed. The
# verifier's load is part of it (~3 s here); the rest is the copy (each flow
# inserted again at its place in the new table). Uses its own pin path;
# touches no interface (the in-place switch of an attachment is one syscall).
# Usage: bench/resize.sh [COUNT...]   (default: 100000 1000000)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LL=$TOP/build/lifeline
PIN=/sys/fs/bpf/llbench-resize-$$
TMP=$(mktemp -d)
export LIFELINE_PIN_PATH=$PIN
cleanup() { "$LL" detach --all >/dev/null 2>&1; rm -rf "$PIN" "$TMP"; }
trap cleanup EXIT

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>"$TMP/err" || { echo "failed: $* ($(cat "$TMP/err"))" >&2; return 1; }; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
gen() {	# gen COUNT: exact flows, 198.51.100.0/24 x 10809, local 192.0.2.x ports
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) {
		h = i % 250 + 1; p = int(i / 250) % 50000 + 10000;
		printf "tcp://198.51.100.%d:10809 --local 192.0.2.%d:%d\n", h, int(i / (250 * 50000)) + 1, p } }'
}
printf '%-28s %12s %12s %12s\n' "flows" "load" "resize up" "resize down"
for n in "${@:-100000 1000000}"; do
	"$LL" detach --all >/dev/null 2>&1
	gen "$n" >"$TMP/flows"
	"$LL" --max-flows "$n" --max-rules 1024 flow add nbd://203.0.113.7 >/dev/null || exit 1
	load=$(ms "$LL" flow load "$TMP/flows") || exit 1
	"$LL" save "$TMP/small.conf" >/dev/null || exit 1
	sed "s/^tables .*/tables --max-flows $((2 * n)) --max-rules 1024/" "$TMP/small.conf" >"$TMP/big.conf"
	up=$(ms "$LL" apply --keep "$TMP/big.conf") || exit 1
	[ "$("$LL" -j status | jq .flow_capacity)" = $((2 * n)) ] || { echo "not resized" >&2; exit 1; }
	down=$(ms "$LL" apply --keep "$TMP/small.conf") || exit 1
	[ "$("$LL" -j status | jq -c '[.flow_capacity, .flows]')" = "[$n,$((n + 0))]" ] ||
		echo "after: $("$LL" -j status | jq -c '[.flow_capacity, .flows]')" >&2
	printf '%-28s %9s ms %9s ms %9s ms\n' "$n" "$load" "$up" "$down"
done
