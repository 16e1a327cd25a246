#!/usr/bin/env bash
# bpffs unmounted under a running lifelined: on a private bpffs mount of the
# test's own, the daemon keeps running, says the pins are gone, and when
# bpffs and the maps come back it writes its vote there again.
set -u
. "$(dirname "$0")/lib.sh"
MNT=$(mktemp -d)
PIN=$MNT/lifeline
RUN=$(mktemp -d)
export LIFELINE_PIN_PATH=$PIN
DPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; wait 2>/dev/null; umount -l "$MNT" 2>/dev/null; rm -rf "$RUN"; rmdir "$MNT" 2>/dev/null; }
trap cleanup EXIT
mount -t bpf bpf "$MNT" || { skip bpffs "cannot mount a private bpffs"; summary; exit 0; }
printf '[daemon]\ntick = 100ms\nstate_dir = %s\n%s\n[kernel]\nvmscan = no\n' "$RUN" "$(conf_host_sources_off)" >"$RUN/conf"
"$LLD" --foreground --config "$RUN/conf" >"$RUN/log" 2>&1 &
DPID=$!
for _ in $(seq 50); do [ -S "$RUN/events.sock" ] && break; sleep 0.1; done
[ -e "$PIN/ll_state" ] && pass "daemon created the maps on the private bpffs" || fail create "$(tail -2 "$RUN/log")"
umount -l "$MNT"
sleep 3
kill -0 "$DPID" 2>/dev/null && pass "daemon still running after bpffs was unmounted" || fail alive "daemon died: $(tail -3 "$RUN/log")"
grep -q "is gone" "$RUN/log" && pass "daemon said the pins are gone" || fail gone "$(tail -3 "$RUN/log")"
mount -t bpf bpf "$MNT" && "$LL" flow add nbd://198.51.100.7 >/dev/null
for _ in $(seq 40); do [ "$("$LL" -j pressure | jq -r '.votes.daemon.expires_in_s != null')" = true ] && break; sleep 0.1; done
[ "$("$LL" -j pressure | jq -r '.votes.daemon.expires_in_s > 0')" = true ] && pass "vote written to the new maps (lease renewed)" || fail back "$("$LL" -j pressure)"
summary
