#!/usr/bin/env bash
# Block I/O under flood: nbdkit (memory plugin) in one namespace, the NBD
# client (nbdload: libnbd, every block verified) in another; a UDP flood
# from the server's namespace arrives on the client's interface. NBD
# throughput (256 KiB requests) and 4 KiB request latency p50/p99 for:
# calm; flood without lifeline; flood with lifeline at critical.
#
# Like with like (bench/README.md has the measurements behind each point):
# - this host (nbdkit, the client, the flood's receiving application) runs
#   on CPU 0; the flooder stands for another host, on CPU 1, in every case
#   (aimed at itself while calm), so each case leaves block I/O the same CPU;
# - XPS (tests/netns.sh) keeps block I/O and the flood on separate veth
#   queues, as RSS would on a NIC;
# - calm and "flood, no lifeline" run without lifeline attached, so the cost
#   of attaching XDP (veth copies every TCP segment for XDP) is part of the
#   ratio, not hidden; "calm, lifeline attached" shows that cost alone;
# - the cases run in interleaved rounds, each measurement after a 0.5 s
#   warm-up; figures are medians over rounds, ratios medians of the
#   per-round ratios (one connection's throughput varies by +-25 %).
# Usage: bench/blockio.sh [SECONDS-PER-CASE [ROUNDS]]   (default 8 and 5:
#   each case measures SECONDS of throughput and SECONDS of latency in all)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LL_NS_ID=bio$$
. "$TOP/tests/netns.sh"
LL=$TOP/build/lifeline
NET=$TOP/build/tests/tool_net
LOAD=$TOP/build/bench/nbdload
SECS=${1:-8}
ROUNDS=${2:-5}
RUN_S=$(echo "scale=2; $SECS / $ROUNDS" | bc)
export LIFELINE_PIN_PATH=/sys/fs/bpf/llbench-bio-$$
RES=$(mktemp -d /tmp/llbio.XXXXXX)
FPIDS=()
flood_stop() { for p in "${FPIDS[@]}"; do kill "$p" 2>/dev/null; done; for p in "${FPIDS[@]}"; do wait "$p" 2>/dev/null; done; FPIDS=(); }
cleanup() { flood_stop; nbd_stop; in_cli "$LL" detach --all >/dev/null 2>&1; ns_cleanup; rm -rf "$LIFELINE_PIN_PATH" "$RES"; }
trap cleanup EXIT
ns_setup && nbd_start 1G || { echo "blockio: set-up failed" >&2; exit 1; }
taskset -a -p -c 0 "$(cat /tmp/llnbd$LL_NS_ID.pid)" >/dev/null
in_srv ip addr add 192.0.2.99/32 dev lo

# nsenter directly (not in_srv, a function): $! is then the process itself.
flood() {	# flood idle|on
	flood_stop
	if [ "$1" = on ]; then
		nsenter --net=/run/netns/$NS_CLI taskset -c 0 "$NET" recv $CLIF4 9999 3600 >/dev/null & FPIDS+=($!)
		nsenter --net=/run/netns/$NS_SRV taskset -c 1 "$NET" send $FLOOD4 $CLIF4 9999 3600 >/dev/null & FPIDS+=($!)
	else
		nsenter --net=/run/netns/$NS_SRV taskset -c 1 "$NET" send 192.0.2.99 192.0.2.99 9999 3600 >/dev/null & FPIDS+=($!)
	fi
	sleep 0.3
}
ATT=off
lifeline() {	# lifeline off | lifeline xdp|tc none|critical
	if [ "$1" != "$ATT" ]; then
		in_cli "$LL" detach --all >/dev/null 2>&1
		ATT=off
		if [ "$1" != off ]; then
			in_cli "$LL" attach "$DEV_CLI" $([ "$1" = tc ] && echo --mode tc) >/dev/null &&
				in_cli "$LL" flow add nbd://$SRV4 >/dev/null || return 1
			ATT=$1
		fi
	fi
	case ${2:-} in
	critical) in_cli "$LL" pressure set critical >/dev/null ;;
	none) in_cli "$LL" pressure clear >/dev/null ;;
	esac
}
nbd() {	# nbd BLOCK SPAN: the summary line
	in_cli taskset -c 0 "$LOAD" nbd://$SRV4 "$RUN_S" --warmup 0.5 --reconnect 0.4 --json --block "$1" --span "$2" | grep total
}
measure() {	# measure CASE [tp-only]: appends "MB/s p50 p99 failures" to $RES/CASE
	local tp lat='{"p50_us":0,"p99_us":0,"verify_failures":0}'
	tp=$(nbd 262144 $((256 << 20)))
	[ "${2:-}" = tp-only ] || lat=$(nbd 4096 $((64 << 20)))
	echo "$(jq .mb_per_s <<<"$tp") $(jq .p50_us <<<"$lat") $(jq .p99_us <<<"$lat") $(( $(jq .verify_failures <<<"$tp") + $(jq .verify_failures <<<"$lat") ))" >>"$RES/$1"
}
# flood packets dropped by lifeline at critical, per hook
drops() { in_cli "$LL" -j stats | jq ".hooks.$1.drop_critical.packets"; }
dropped=0
CASES=(calm attached flood lifeline tcattached tclifeline)
for r in $(seq "$ROUNDS"); do
	# rotate the order so no case always runs first or last in a round
	for i in "${!CASES[@]}"; do
		case ${CASES[(i + r) % ${#CASES[@]}]} in
		calm) lifeline off; flood idle; measure calm ;;
		attached) lifeline xdp none && flood idle && measure attached tp-only ;;
		flood) lifeline off; flood on; measure flood ;;
		lifeline) lifeline xdp critical && flood on && { d0=$(drops xdp)
			measure lifeline; dropped=$((dropped + $(drops xdp) - d0)); } ;;
		tcattached) lifeline tc none && flood idle && measure tcattached tp-only ;;
		tclifeline) lifeline tc critical && flood on && { d0=$(drops tc_ingress)
			measure tclifeline; tcdropped=$((${tcdropped:-0} + $(drops tc_ingress) - d0)); } ;;
		esac
	done
done
flood_stop
for c in "${CASES[@]}"; do [ -s "$RES/$c" ] || { echo "blockio: case $c did not run" >&2; exit 1; }; done

med() { sort -g | awk '{ v[NR] = $1 } END { printf "%s", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$RES/$1" | med; }
ratio() { paste "$RES/$1" "$RES/$2" | awk -v c="$3" -v n="$(awk '{ print NF }' "$RES/$1" | head -1)" '{ printf "%.4f\n", $c / $(c + n) }' | med; }
printf '%-34s %10s %10s %10s %s\n' "block I/O (NBD, verified)" "MB/s" "4K p50 us" "4K p99 us" "verify failures"
for c in "calm:calm" "attached:calm, lifeline attached (level none)" "flood:flood, no lifeline" \
	 "lifeline:flood, lifeline at critical" "tcattached:calm, attached --mode tc (none)" \
	 "tclifeline:flood, --mode tc at critical"; do
	id=${c%%:*}
	if [ "$id" = attached ] || [ "$id" = tcattached ]; then
		printf '%-34s %10.2f %10s %10s %s\n' "${c#*:}" "$(col $id 1)" - - "$(awk '{ s += $4 } END { print s }' "$RES/$id")"
	else
		printf '%-34s %10.2f %10.0f %10.0f %s\n' "${c#*:}" "$(col $id 1)" "$(col $id 2)" "$(col $id 3)" "$(awk '{ s += $4 } END { print s }' "$RES/$id")"
	fi
done
printf '(%d rounds of %s s per case and measurement; medians; ratios are medians of per-round ratios: throughput attached/calm %.2fx (XDP), %.2fx (--mode tc); with lifeline/calm per round %s)\n' \
	"$ROUNDS" "$RUN_S" "$(ratio attached calm 1)" "$(ratio tcattached calm 1)" "$(paste "$RES/lifeline" "$RES/calm" | awk '{ printf "%.2f ", $1 / $5 }')"
verdict() { echo "$1" | bc | sed 's/1/met/;s/0/missed/'; }
for m in "lifeline:XDP (default):XDP:$dropped" "tclifeline:--mode tc:tc ingress:${tcdropped:-0}"; do
	IFS=: read -r id what hook n <<<"$m"
	tpr=$(printf '%.2f' "$(ratio "$id" calm 1)"); p99r=$(printf '%.2f' "$(ratio "$id" calm 3)")
	printf 'with lifeline, %s: throughput %sx calm (target >= 0.9x: %s), p99 %sx calm (target <= 1.5x: %s); flood packets dropped by %s: %s\n' \
		"$what" "$tpr" "$(verdict "$tpr >= 0.9")" "$p99r" "$(verdict "$p99r <= 1.5")" "$hook" "$n"
done
