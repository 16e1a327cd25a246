#!/usr/bin/env bash
# Live resize (user/resize.c) with COUNT flows in the table: `apply` of the
# saved registry with the flow table doubled, then halved back, timed. The
# verifier's load is part of it (~3 s here); the rest is the copy (each flow
# inserted again at its place in the new table). Uses its own pin path;
# touches no interface (the in-place switch of an attachment is one syscall).
# Usage: bench/resize.sh [COUNT...]   (default: 100000 1000000)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/bench/benchlib.sh"
bench_begin resize

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
