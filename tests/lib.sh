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

# suite_dirs NAME: the suite's private pin path PIN (/sys/fs/bpf/lltest-NAME-ID, ID
# LL_NS_ID when netns.sh is sourced, else the shell's pid) and temporary directory
# TMP (/tmp/lltest-NAME.XXXXXX); bpffs mounted on /sys/fs/bpf. The suite's EXIT
# trap removes both (ns_suite_cleanup does).
suite_dirs() {
	PIN=/sys/fs/bpf/lltest-$1-${LL_NS_ID:-$$}
	TMP=$(mktemp -d "/tmp/lltest-$1.XXXXXX")
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

# The cgroup-v2 hierarchy (CGROOT): /sys/fs/cgroup/unified on a hybrid system, else
# /sys/fs/cgroup. cg_dirs WHAT DIR...: creates the DIRs, or the suite is skipped
# (exit 0) where there is no cgroup-v2 hierarchy. cg_progs DIR: the sock_ops
# programs the kernel has attached to the cgroup DIR itself.
CGROOT=/sys/fs/cgroup/unified
[ "$(stat -fc %T $CGROOT 2>/dev/null)" = cgroup2fs ] || CGROOT=/sys/fs/cgroup
cg_dirs() {
	local what=$1; shift
	if [ "$(stat -fc %T $CGROOT 2>/dev/null)" != cgroup2fs ] || ! mkdir "$@"; then
		skip "$what" "no cgroup-v2 hierarchy"
		summary; exit 0
	fi
}
cg_progs() { bpftool -j cgroup show "$1" 2>/dev/null | jq -s '[.[]?[]? | select(.attach_type == "cgroup_sock_ops" or .attach_type == "sock_ops")] | length'; }

# Config lines that switch off lifelined's file sources (PSI, watermarks,
# MemAvailable, netstat), for runs that must not depend on this host's state.
conf_host_sources_off() {
	printf '[psi]\nenable = no\n[watermark]\nenable = no\n[memavailable]\nenable = no\n[netstat]\nenable = no\n'
}

# lld_conf KEY=VALUE...: a lifelined config for a test run, on stdout; a suite's
# own sections may follow it. Keys (each optional):
#   state_dir tick lease hold   [daemon]
#   host=off                    this host's file sources and the vmscan tracepoints off
#   hook hook_interval          [alert] on_change (hook_interval: 0 unless given)
#   textfile interval           [metrics] (interval: 1h unless given)
lld_conf() {
	local kv k
	local -A c=()
	for kv in "$@"; do
		k=${kv%%=*}
		case $k in
		state_dir|tick|lease|hold|host|hook|hook_interval|textfile|interval) c[$k]=${kv#*=} ;;
		*) echo "lld_conf: unknown key '$k'" >&2; return 1 ;;
		esac
	done
	echo '[daemon]'
	for k in tick lease hold state_dir; do
		[ -n "${c[$k]:-}" ] && echo "$k = ${c[$k]}"
	done
	[ "${c[host]:-}" = off ] && { conf_host_sources_off; printf '[kernel]\nvmscan = no\n'; }
	[ -n "${c[hook]:-}" ] && printf '[alert]\non_change = %s\nhook_interval = %s\n' "${c[hook]}" "${c[hook_interval]:-0}"
	[ -n "${c[textfile]:-}" ] && printf '[metrics]\ntextfile = %s\ninterval = %s\n' "${c[textfile]}" "${c[interval]:-1h}"
	return 0
}

# A fake /proc for lifelined --proc-root: fake_proc DIR makes DIR/proc with this
# machine's samples and calm PSI; put FILE TEXT replaces a file by rename (the
# daemon never reads half a file); psi DIR AVG10 sets the "some" pressure.
put() { printf '%s' "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"; }
psi() { put "$1/proc/pressure/memory" "some avg10=$2 avg60=0.00 avg300=0.00 total=0
full avg10=0.00 avg60=0.00 avg300=0.00 total=0
"; }
fake_proc() {
	mkdir -p "$1/proc/pressure" "$1/proc/net"
	cp "$TOP/tests/data/zoneinfo" "$1/proc/zoneinfo"
	cp "$TOP/tests/data/meminfo" "$1/proc/meminfo"
	put "$1/proc/net/netstat" "TcpExt: PFMemallocDrop
TcpExt: 0
"
	psi "$1" 0.00
}
# memavail_kb DIR KB: DIR/proc/meminfo, the sample's with MemAvailable KB;
# pfdrops DIR N: DIR/proc/net/netstat with PFMemallocDrop N, among other counters
memavail_kb() { put "$1/proc/meminfo" "$(sed "s/^MemAvailable:.*/MemAvailable:   $2 kB/" "$TOP/tests/data/meminfo")
"; }
pfdrops() { put "$1/proc/net/netstat" "TcpExt: SyncookiesSent PFMemallocDrop TW
TcpExt: 0 $2 0
"; }

# host_lock: holds the machine-wide test lock (LL_HOST_LOCK) until the suite
# exits, for suites that change host-wide state (vm and net sysctls) and read
# its originals first: two overlapping runs must not restore each other's.
# wait_for SECONDS CMD...: runs CMD until it succeeds, for at most SECONDS (wall clock)
# 10,000 registry flow lines (TCP4 strict, UDP4, NBD over IPv6, UDP6), each with
# its local end: the big registries of t_registry and t_resize.
reg_flows_10k() {
	local i a b

	for ((i = 0; i < 2500; i++)); do
		printf -v a %x $((i + 16))
		printf -v b %x $((i + 1))
		echo "flow tcp://198.51.100.$((i % 250 + 1)):$((10000 + i)) --local 203.0.113.$((i / 250 + 1)):$((40000 + i)) --strict"
		echo "flow udp://198.51.100.$((i % 250 + 1)):$((20000 + i)) --local 203.0.113.2:$((40000 + i))"
		echo "flow nbd://[2001:db8:1::$a] --local [2001:db8:2::1]:$((30000 + i))"
		echo "flow udp://[2001:db8:1::7]:$((1000 + i)) --local [2001:db8:2::$b]:2049"
	done
}

wait_for() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000)); shift
	while :; do
		"$@" && return 0
		[ "${EPOCHREALTIME/./}" -lt $end ] || return 1
		sleep 0.05
	done
}
host_lock() {
	local lock=${LL_HOST_LOCK:-/run/lock/lifeline-tests-host.lock}
	mkdir -p "$(dirname "$lock")"
	exec 8>"$lock"
	flock -w 900 8 || { echo "FAIL host lock: $lock held for 15 minutes"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
}
