#!/usr/bin/env bash
# lifelined's footprint and reaction, measured:
#  - RSS, CPU over SECONDS at the default tick, heap allocations in steady state
#    (ltrace counting malloc/calloc/realloc calls while attached);
#  - delay from pressure onset to the state map for each file source (the
#    source's file rewritten in a --proc-root tree), for `lifeline pressure set`,
#    and the in-kernel path (run time per vmscan tracepoint program run).
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

# ---- reaction: onset -> state map ----
PROC=$TMP/root
mkdir -p "$PROC/proc/pressure" "$PROC/proc/net" "$TMP/run2"
put() { printf '%s' "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"; }
psi() { put "$PROC/proc/pressure/memory" "some avg10=$1 avg60=0.00 avg300=0.00 total=0
full avg10=0.00 avg60=0.00 avg300=0.00 total=0
"; }
cp "$TOP/tests/data/zoneinfo" "$PROC/proc/zoneinfo"
cp "$TOP/tests/data/meminfo" "$PROC/proc/meminfo"
printf 'TcpExt: PFMemallocDrop\nTcpExt: 0\n' >"$PROC/proc/net/netstat"
psi 0.00
printf '[daemon]\nstate_dir = %s/run2\nhold = 1s\n[kernel]\nvmscan = no\n' "$TMP" >"$TMP/react.conf"
"$LLD" --foreground --config "$TMP/react.conf" --proc-root "$PROC" >"$TMP/log2" 2>&1 &
DPID=$!
for _ in $(seq 50); do [ -S "$TMP/run2/events.sock" ] && break; sleep 0.1; done
daemon_level() { "$LL" -j pressure | jq -r .votes.daemon.level; }
react() {	# react NAME TRIGGER-CMD RESET-CMD
	local t0 t1
	t0=$(date +%s%N)
	eval "$2"
	while [ "$(daemon_level)" = none ]; do
		[ $(($(date +%s%N) - t0)) -gt 5000000000 ] && { row "$1" "timeout" "-" "missed"; eval "$3"; return; }
	done
	t1=$(date +%s%N)
	row "$1" "$(((t1 - t0) / 1000000)) ms" "<= tick" "-"
	eval "$3"
	while [ "$(daemon_level)" != none ]; do sleep 0.1; done
}
react "onset -> state map: PSI (polled file)" "psi 80.00" "psi 0.00"
react "onset -> state map: MemAvailable" \
	"put $PROC/proc/meminfo \"\$(sed 's/^MemAvailable:.*/MemAvailable:   1000 kB/' $TOP/tests/data/meminfo)\"" \
	"cp $TOP/tests/data/meminfo $PROC/proc/meminfo"
react "onset -> state map: PFMemallocDrop growth" \
	"printf 'TcpExt: PFMemallocDrop\nTcpExt: 9\n' >$PROC/proc/net/netstat.tmp && mv $PROC/proc/net/netstat.tmp $PROC/proc/net/netstat" ":"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
t0=$(date +%s%N); "$LL" pressure set critical >/dev/null; t1=$(date +%s%N)
row "onset -> state map: lifeline pressure set (whole command)" "$(((t1 - t0) / 1000000)) ms" "-" "-"
"$LL" pressure clear >/dev/null
row "onset -> state map: vmscan tracepoints" "see tests/t_vmscan.sh" "< 50 us" "(run time per tracepoint: its output)"
