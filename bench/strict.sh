#!/usr/bin/env bash
# bench/strict.sh [SECONDS [ROUNDS [PPS]]]: what strict mode keeps out of the
# client's stack. A spoofed SYN flood (flood gen ... syn: TCP SYNs with the
# NBD server's address, from port 40000, to the client's NBD port 10809,
# valid checksums) across the veth pair of tests/netns.sh, lifeline attached
# on the client (XDP), nbd://SERVER registered, level critical. Each round
# floods once with `strict off` and once with `strict on` (default 5 rounds
# x 3 s; PPS caps the offered rate, 0 = as fast as the generator goes) and
# reads, in the client's namespace, IP packets received (IpInReceives: what
# reached the stack), TCP resets sent, and lifeline's pass_rule and
# drop_strict counters. Prints per-round rates and the medians.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LL_NS_ID=str$$
. "$TOP/tests/netns.sh"
LL=$TOP/build/lifeline
FLOOD=$TOP/build/bench/flood
SECS=${1:-3}
ROUNDS=${2:-5}
PPS=${3:-0}
export LIFELINE_PIN_PATH=/sys/fs/bpf/llbench-str-$$
cleanup() { in_cli "$LL" detach --all >/dev/null 2>&1; ns_cleanup; rm -rf "$LIFELINE_PIN_PATH"; }
trap cleanup EXIT
ns_setup || { echo "strict: set-up failed" >&2; exit 1; }
in_cli "$LL" attach "$DEV_CLI" >/dev/null && in_cli "$LL" flow add nbd://$SRV4 >/dev/null &&
	in_cli "$LL" pressure set critical >/dev/null || { echo "strict: lifeline set-up failed" >&2; exit 1; }
mac=$(in_cli ip -br link show $DEV_CLI | awk '{print $3}')

snmp() {	# snmp Ip|Tcp FIELD: the client namespace's counter
	in_cli awk -v p="$1:" -v f="$2" '$1 == p && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == p && h { print $c[f]; exit }' /proc/net/snmp
}
llc() { in_cli "$LL" -j stats | jq ".hooks.xdp.$1.packets // 0"; }
med() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

RES=$(mktemp -d /tmp/llstr.XXXXXX)
printf '%-6s %-6s %12s %14s %12s %12s %12s\n' round strict "sent/s" "stack rx/s" "rst/s" "pass_rule/s" "drop_strict/s"
for r in $(seq "$ROUNDS"); do
	for st in off on; do
		in_cli "$LL" strict $st >/dev/null
		i0=$(snmp Ip InReceives) t0=$(snmp Tcp OutRsts) p0=$(llc pass_rule) d0=$(llc drop_strict)
		out=$(in_srv taskset -c 1 "$FLOOD" gen $DEV_SRV "$mac" $SRV4 $CLI4 10809 "$SECS" 60 "$PPS" syn)
		i1=$(snmp Ip InReceives) t1=$(snmp Tcp OutRsts) p1=$(llc pass_rule) d1=$(llc drop_strict)
		sent=$(awk '{ print $2 }' <<<"$out") el=$(awk '{ print $5 }' <<<"$out")
		row=$(awk -v s="$sent" -v e="$el" -v i=$((i1 - i0)) -v t=$((t1 - t0)) -v p=$((p1 - p0)) \
			-v d=$((d1 - d0)) 'BEGIN { printf "%.0f %.0f %.0f %.0f %.0f", s / e, i / e, t / e, p / e, d / e }')
		echo "$row" >>"$RES/$st"
		read -r a b c d e <<<"$row"
		printf '%-6s %-6s %12s %14s %12s %12s %12s\n' "$r" $st "$a" "$b" "$c" "$d" "$e"
	done
done
for st in off on; do
	printf '%-6s %-6s' median $st
	for col in 1 2 3 4 5; do printf ' %12s' "$(cut -d' ' -f$col "$RES/$st" | med)"; done
	echo
done
rm -rf "$RES"
