#!/usr/bin/env bash
# The README's quick start, as written, on a test namespace's interface
# instead of eth0, with the installed binaries (make install into a temporary
# DESTDIR) and lifelined started by hand instead of systemctl.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
D=$(mktemp -d)
PIN=/sys/fs/bpf/lltest-qs-$$
TMP=$D
export LIFELINE_PIN_PATH=$PIN
DPID=""
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; wait 2>/dev/null; in_cli "$D/usr/sbin/lifeline" detach --all >/dev/null 2>&1; ns_cleanup; rm -rf "$D" "$PIN"; }
trap cleanup EXIT
make -s -C "$TOP" install DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1 || { fail install "make install"; summary; exit 1; }
ns_setup || { fail setup namespaces; summary; exit 1; }
L=$D/usr/sbin/lifeline
# the quick start's lines, eth0 replaced by the namespace's interface
check "lifeline attach DEV" in_cli "$L" attach "$DEV_CLI"
check "lifeline flow add iscsi://198.51.100.10 --name san" in_cli "$L" flow add iscsi://198.51.100.10 --name san
check "lifeline allow add tcp://203.0.113.0/24:22 --name ssh" in_cli "$L" allow add tcp://203.0.113.0/24:22 --name ssh
mkdir -p "$D/run"
sed "s|^state_dir = .*|state_dir = $D/run|" "$D/etc/lifeline/lifeline.conf" >"$D/etc/lifeline/qs.conf"
in_cli "$D/usr/sbin/lifelined" --foreground --config "$D/etc/lifeline/qs.conf" >"$D/log" 2>&1 &
DPID=$!
for _ in $(seq 50); do [ -S "$D/run/events.sock" ] && break; sleep 0.1; done
[ -S "$D/run/events.sock" ] && pass "lifelined starts with the installed config" || fail lifelined "$(tail -3 "$D/log")"
out=$(in_cli "$L" status)
grep -q "$DEV_CLI" <<<"$out" && grep -q "level:" <<<"$out" && grep -q "1 endpoint rule, 1 allow rule," <<<"$out" && pass "lifeline status" || fail status "$out"
out=$(timeout 3 "$L" monitor --state-dir "$D/run" --count 1)
grep -q "connected to lifelined" <<<"$out" && pass "lifeline monitor" || fail monitor "$out"
check "lifeline pressure set critical --for 30s" in_cli "$L" pressure set critical --for 30s
check "lifeline pressure clear" in_cli "$L" pressure clear
summary
