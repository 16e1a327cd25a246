# Shell test harness: ok/fail/skip counting and the closing summary line.
# Source it, call `pass NAME`, `fail NAME WHY`, `skip NAME WHY`, or
# `check NAME CMD...` (passes when CMD exits 0), then `summary` last.
T_PASS=0 T_FAIL=0 T_SKIP=0
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LL=$TOP/build/lifeline
LLD=$TOP/build/lifelined

pass() { T_PASS=$((T_PASS + 1)); [ -n "${V:-}" ] && echo "ok   $1"; return 0; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL $1: $2"; return 1; }
skip() { T_SKIP=$((T_SKIP + 1)); echo "SKIP $1: $2"; return 0; }
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$* -> $(echo "$out" | tail -3 | tr '\n' ' ')"; fi
}
summary() {
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" = 0 ]
}

# Config lines that switch off lifelined's file sources (PSI, watermarks,
# MemAvailable, netstat), for runs that must not depend on this host's state.
conf_host_sources_off() {
	printf '[psi]\nenable = no\n[watermark]\nenable = no\n[memavailable]\nenable = no\n[netstat]\nenable = no\n'
}
