#!/usr/bin/env bash
# The reserve sysctls: apply, bound, crash (state file left behind) and
# restore, byte for byte, on this host's real /proc/sys. The trap puts the
# originals back whatever happens.
set -u
. "$(dirname "$0")/lib.sh"
host_lock
SD=$(mktemp -d)
orig_mf=$(cat /proc/sys/vm/min_free_kbytes)
orig_all=$(cat /proc/sys/vm/min_free_kbytes /proc/sys/vm/watermark_scale_factor /proc/sys/net/ipv4/tcp_mem /proc/sys/net/ipv4/udp_mem)
cleanup() {
	"$LL" reserve restore --state-dir "$SD" >/dev/null 2>&1
	echo "$orig_mf" >/proc/sys/vm/min_free_kbytes
	rm -rf "$SD"
}
trap cleanup EXIT
now_all() { cat /proc/sys/vm/min_free_kbytes /proc/sys/vm/watermark_scale_factor /proc/sys/net/ipv4/tcp_mem /proc/sys/net/ipv4/udp_mem; }

check "show before anything" bash -c "'$LL' -j reserve show --state-dir '$SD' | jq -e '.recorded == false'"
check "apply 1024 kB" "$LL" reserve apply --kb 1024 --state-dir "$SD"
if [ "$(cat /proc/sys/vm/min_free_kbytes)" = $((orig_mf + 1024)) ]; then pass "min_free_kbytes raised by 1024"; else fail "apply" "$(cat /proc/sys/vm/min_free_kbytes)"; fi
check "state file is 0600" bash -c "[ \$(stat -c %a '$SD/reserve.state') = 600 ]"
check "show reports the change" bash -c "'$LL' -j reserve show --state-dir '$SD' | jq -e '.recorded and (.sysctls[0].changed) and .sysctls[0].original == \"$orig_mf\"'"
# a crash leaves the state file; the next apply keeps the true originals
check "re-apply after a crash keeps the originals" "$LL" reserve apply --kb 2048 --state-dir "$SD"
if [ "$(cat /proc/sys/vm/min_free_kbytes)" = $((orig_mf + 2048)) ]; then pass "re-apply: original + 2048, not stacked"; else fail "re-apply" "$(cat /proc/sys/vm/min_free_kbytes)"; fi
check "restore" "$LL" reserve restore --state-dir "$SD"
if [ "$(now_all)" = "$orig_all" ]; then pass "restore: byte for byte"; else fail "restore" "values differ"; fi
check "state file removed" bash -c "[ ! -e '$SD/reserve.state' ]"
check "restore with nothing recorded is a no-op" "$LL" reserve restore --state-dir "$SD"

# 20 cycles, each "crashing" (no restore) once before restoring
ok=1
for i in $(seq 20); do
	"$LL" reserve apply --kb $((i * 64)) --state-dir "$SD" >/dev/null 2>&1 || ok=0
	"$LL" reserve apply --kb $((i * 64 + 1)) --state-dir "$SD" >/dev/null 2>&1 || ok=0
	"$LL" reserve restore --state-dir "$SD" >/dev/null 2>&1 || ok=0
	[ "$(now_all)" = "$orig_all" ] || ok=0
done
[ $ok = 1 ] && pass "20 apply/crash/restore cycles restore byte for byte" || fail "cycles" "a cycle failed or left a value changed"

# the bound: refused, nothing changed, no state file
out=$("$LL" reserve apply --kb 900000000 --state-dir "$SD" 2>&1); rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q "refusing" && [ "$(now_all)" = "$orig_all" ] && [ ! -e "$SD/reserve.state" ]; then
	pass "dangerous value refused, nothing changed"
else
	fail "bound" "exit $rc: $out"
fi
out=$("$LL" reserve apply --state-dir "$SD" 2>&1); rc=$?
[ $rc = 2 ] && pass "apply without --kb is a usage error" || fail "usage" "exit $rc: $out"
summary
