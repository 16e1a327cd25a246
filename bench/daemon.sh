#!/usr/bin/env bash
# lifelined's footprint, measured: RSS, CPU over SECONDS at the default tick,
# heap allocations in steady state (ltrace counting malloc/calloc/realloc calls
# while attached).
# Usage: bench/daemon.sh [SECONDS]   (default 60)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
LL=$TOP/build/lifeline
LLD=$TOP/build/lifelined
SECS=${1:-60}
PIN=/sys/fs/bpf/llbench-d-$$
export LIFELINE_PIN_PATH=$PIN
TMP=$(mktemp -d)
DPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$PIN" "$TMP"; }
trap cleanup EXIT
command -v ltrace >/dev/null || apt-get install -y -qq ltrace >/dev/null 2>&1

row() { printf '%-52s %14s %14s %s\n' "$1" "$2" "$3" "$4"; }
row "daemon" "measured" "target" "verdict"

# ---- footprint: default config, real /proc ----
mkdir -p "$TMP/run1"
printf '[daemon]\nstate_dir = %s/run1\n[kernel]\nvmscan = yes\n' "$TMP" >"$TMP/default.conf"
"$LLD" --foreground --config "$TMP/default.conf" >"$TMP/log1" 2>&1 &
DPID=$!
sleep 2
t0=$(awk '{print $14 + $15}' /proc/$DPID/stat)
allocs=skipped
if command -v ltrace >/dev/null; then
	timeout -s INT "$SECS" ltrace -c -p "$DPID" -e malloc+calloc+realloc+free -o "$TMP/ltrace" >/dev/null 2>&1
	allocs=$(awk '/malloc|calloc|realloc/ { n += $4 } END { print n + 0 }' "$TMP/ltrace")
else
	sleep "$SECS"
fi
t1=$(awk '{print $14 + $15}' /proc/$DPID/stat)
rss=$(awk '/VmRSS/ {print $2}' /proc/$DPID/status)
hz=$(getconf CLK_TCK)
cpu=$(echo "scale=3; ($t1 - $t0) * 100 / $hz / $SECS" | bc)
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
row "RSS (VmRSS)" "${rss} KiB" "<= 4096 KiB" "$([ "$rss" -le 4096 ] && echo met || echo missed)"
row "CPU over ${SECS} s at the default tick (250 ms)" "${cpu} %" "<= 0.5 %" "$(echo "$cpu <= 0.5" | bc | sed 's/1/met/;s/0/missed/')"
row "heap allocations in ${SECS} s of steady state" "$allocs" "0" "$([ "$allocs" = 0 ] && echo met || { [ "$allocs" = skipped ] && echo skipped || echo missed; })"

# The reaction of each source (onset -> first dropped packet) is measured by
# bench/reaction.sh; the in-kernel path's cost per tracepoint by tests/t_vmscan.sh.
