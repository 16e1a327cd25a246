#!/usr/bin/env bash
# daemon_record.sh BINDIR OUTDIR: a scripted lifelined run (fake proc tree, private pin
# path) recording its event lines, log, hook environments and metrics textfiles, then
# normalised (times, pids, tick counts) into OUTDIR/*.norm. Not a suite: it proves a
# refactoring changed no behaviour, by `diff -r` of two records (old and new binaries):
#   tests/daemon_record.sh OLD_BUILD /tmp/a; tests/daemon_record.sh build /tmp/b
#   for f in /tmp/a/*.norm; do diff <(grep -v libbpf: $f) <(grep -v libbpf: /tmp/b/${f##*/}); done
set -u
BIN=$1 OUT=$2
. "$(dirname "$0")/lib.sh"
PIN=/sys/fs/bpf/llrec-$$
export LIFELINE_PIN_PATH=$PIN
TMP=$(mktemp -d /tmp/llrec.XXXXXX)
PROC=$TMP/root RUN=$TMP/run CONF=$TMP/lifeline.conf
mkdir -p "$OUT" "$RUN"
cleanup() { [ -n "${DPID:-}" ] && kill -9 $DPID 2>/dev/null; [ -n "${CPID:-}" ] && kill $CPID 2>/dev/null; wait 2>/dev/null; rm -rf "$PIN" "$TMP"; }
trap cleanup EXIT
fake_proc "$PROC"; memavail_kb "$PROC" 20000000; pfdrops "$PROC" 0
cat >"$TMP/hook.sh" <<EOF
#!/bin/sh
{ tr '\\0' '\\n' </proc/\$\$/environ | sort; echo ---; } >>"$OUT/hooks.raw"
EOF
chmod 755 "$TMP/hook.sh"
conf() { lld_conf state_dir="$RUN" tick=100ms lease=$1 hold=500ms hook="$TMP/hook.sh" \
	textfile="$TMP/lifeline.prom" interval=200ms; }
conf 1s >"$CONF"
: >"$OUT/hooks.raw"
"$BIN/lifelined" --foreground --config "$CONF" --proc-root "$PROC" -v >"$OUT/log.raw" 2>&1 &
DPID=$!
for i in $(seq 100); do [ -S "$RUN/events.sock" ] && grep -q started "$OUT/log.raw" && break; sleep 0.05; done
python3 -u -c '
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
f=open(sys.argv[2],"wb")
while True:
    b=s.recv(65536)
    if not b: break
    f.write(b); f.flush()
' "$RUN/events.sock" "$OUT/events.raw" &
CPID=$!
for i in $(seq 200); do grep -q hello "$OUT/events.raw" 2>/dev/null && break; sleep 0.05; done
LL="$BIN/lifeline"
snap() { sleep 0.5; cp "$TMP/lifeline.prom" "$OUT/metrics.$1" 2>/dev/null; }
sleep 1.2; snap calm
psi "$PROC" 50.00; sleep 0.6; snap critical
psi "$PROC" 12.00; sleep 1.2; snap elevated
psi "$PROC" 0.00; sleep 1.5; snap none
memavail_kb "$PROC" 100; sleep 0.6
memavail_kb "$PROC" 20000000; sleep 1.5
"$LL" pressure set critical --for 2s >/dev/null; sleep 0.8; snap override
"$LL" pressure clear >/dev/null; sleep 0.8
{ conf 2s; printf '[psi]\nsome_elevated = "bad"\n'; } >"$CONF.new"; cp "$CONF" "$CONF.good"; mv "$CONF.new" "$CONF"
kill -HUP $DPID; sleep 0.5
cp "$CONF.good" "$CONF"; sed -i 's/lease = 1s/lease = 2s/' "$CONF"; kill -HUP $DPID; sleep 1.2; snap reloaded
psi "$PROC" 50.00; sleep 0.5
kill -TERM $DPID; wait $DPID; echo "exit $?" >"$OUT/exit"
DPID=""
sleep 0.3; wait $CPID 2>/dev/null; CPID=""
# normalise
sed -E 's/"time":"[^"]*"/"time":T/g; s/"ts_ns":[0-9]+/"ts_ns":N/g; s/"pid":[0-9]+/"pid":P/g' "$OUT/events.raw" | grep -v '"event":"heartbeat"' >"$OUT/events.norm"
grep -c '"event":"heartbeat"' "$OUT/events.raw" >"$OUT/heartbeats"
sed -E "s#$TMP#TMP#g; s#$PIN#PIN#g; s/pid [0-9]+/pid P/g; s/\(pid [0-9]+\)/(pid P)/g" "$OUT/log.raw" >"$OUT/log.norm"
sed -E "s#$TMP#TMP#g; s/(TIME|TIMESTAMP)=.*/\1=T/" "$OUT/hooks.raw" >"$OUT/hooks.norm"
for m in "$OUT"/metrics.*; do sed -E 's/^(lifeline_ticks_total|lifeline_daemon_(tick_time|ticks|last)[a-z_]*(\{[^}]*\})?) .*/\1 X/; s/^(lifeline_[a-z_]*(seconds|_ns|time)[a-z_]*(\{[^}]*\})?) .*/\1 X/' "$m" >"$m.norm"; done 2>/dev/null
rm -f "$OUT"/metrics.*.norm.norm
