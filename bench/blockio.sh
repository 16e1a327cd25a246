#!/usr/bin/env bash
# Block I/O under flood: nbdkit (memory plugin) in one namespace, the NBD
# client (nbdload: libnbd, every block verified) in another; a UDP flood
# from the server's namespace arrives on the client's interface. NBD
# throughput (256 KiB requests) and 4 KiB request latency p50/p99 for:
# calm; flood without lifeline; flood with lifeline at critical.
# Usage: bench/blockio.sh [SECONDS-PER-CASE]   (default 8)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LL_NS_ID=bio$$
. "$TOP/tests/netns.sh"
LL=$TOP/build/lifeline
NET=$TOP/build/tests/tool_net
LOAD=$TOP/build/bench/nbdload
SECS=${1:-8}
export LIFELINE_PIN_PATH=/sys/fs/bpf/llbench-bio-$$
FPIDS=()
cleanup() { for p in "${FPIDS[@]}"; do kill "$p" 2>/dev/null; done; nbd_stop; in_cli "$LL" detach --all >/dev/null 2>&1; ns_cleanup; rm -rf "$LIFELINE_PIN_PATH"; }
trap cleanup EXIT
ns_setup && nbd_start 1G || { echo "blockio: set-up failed" >&2; exit 1; }

flood_on() {
	in_cli "$NET" recv $CLIF4 9999 3600 >/dev/null & FPIDS+=($!)
	# the flooder stands for another host: a CPU of its own
	in_srv taskset -c 1 "$NET" send $FLOOD4 $CLIF4 9999 3600 >/dev/null & FPIDS+=($!)
	sleep 0.5
}
flood_off() { for p in "${FPIDS[@]}"; do kill "$p" 2>/dev/null; done; FPIDS=(); sleep 0.5; }
measure() {	# prints: MB/s p50 p99 failures
	local tp lat
	tp=$(in_cli "$LOAD" nbd://$SRV4 "$SECS" --json --block 262144 --span $((256 << 20)) | grep total)
	lat=$(in_cli "$LOAD" nbd://$SRV4 "$SECS" --json --block 4096 --span $((64 << 20)) | grep total)
	echo "$(jq .mb_per_s <<<"$tp") $(jq .p50_us <<<"$lat") $(jq .p99_us <<<"$lat") $(( $(jq .verify_failures <<<"$tp") + $(jq .verify_failures <<<"$lat") ))"
}
read -r c_tp c_50 c_99 c_bad < <(measure)
flood_on
read -r f_tp f_50 f_99 f_bad < <(measure)
in_cli "$LL" attach "$DEV_CLI" >/dev/null && in_cli "$LL" flow add nbd://$SRV4 >/dev/null && in_cli "$LL" pressure set critical >/dev/null
read -r l_tp l_50 l_99 l_bad < <(measure)
dropped=$(in_cli "$LL" -j stats | jq .hooks.xdp.drop_critical.packets)
flood_off
printf '%-34s %10s %10s %10s %s\n' "block I/O (NBD, verified)" "MB/s" "4K p50 us" "4K p99 us" "verify failures"
printf '%-34s %10s %10s %10s %s\n' "calm" "$c_tp" "$c_50" "$c_99" "$c_bad"
printf '%-34s %10s %10s %10s %s\n' "flood, no lifeline" "$f_tp" "$f_50" "$f_99" "$f_bad"
printf '%-34s %10s %10s %10s %s\n' "flood, lifeline at critical" "$l_tp" "$l_50" "$l_99" "$l_bad"
tpr=$(echo "scale=2; $l_tp / $c_tp" | bc); p99r=$(echo "scale=2; $l_99 / $c_99" | bc)
printf 'with lifeline: throughput %sx calm (target >= 0.9x: %s), p99 %sx calm (target <= 1.5x: %s); flood packets dropped by XDP: %s\n' \
	"$tpr" "$(echo "$tpr >= 0.9" | bc | sed 's/1/met/;s/0/missed/')" "$p99r" "$(echo "$p99r <= 1.5" | bc | sed 's/1/met/;s/0/missed/')" "$dropped"
