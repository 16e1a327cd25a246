#!/usr/bin/env bash
# The systemd unit, as `make install` writes it (binaries in build/):
#  - systemd-analyze security --offline: exposure <= 4.0 ("OK");
#  - systemd-analyze verify: clean;
#  - lifelined run the way the unit confines it, as far as that can be done
#    without systemd as PID 1: under the unit's CapabilityBoundingSet with
#    no_new_privs (setpriv), traced (strace -f, the hook included). It must
#    work as well as unconfined (same warnings, vote, hook, reserve, reload,
#    clean stop), and every system call must be in the unit's
#    SystemCallFilter, every socket family in RestrictAddressFamilies, no
#    mapping writable and executable (MemoryDenyWriteExecute), every file it
#    writes inside what ProtectSystem=strict, ReadOnlyPaths= and
#    ReadWritePaths= leave writable (the test's paths mapped to the real ones).
# Skips what systemd-analyze, setpriv or strace missing prevents.
# UNIT=FILE checks another unit file.
# Usage: tests/t_units.sh [-v]
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unit.sh"
V=""
[ "${1:-}" = "-v" ] && V=1
UNIT=${UNIT:-$TOP/docs/lifelined.service}
TMP=$(mktemp -d /tmp/lltest-units.XXXXXX)
ID=${LL_NS_ID:-$$}
PIN=/sys/fs/bpf/lltest-units-$ID
DPID=""
cleanup() {
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
[ -n "${KEEP:-}" ] && trap 'rm -rf "$PIN"-*' EXIT || trap cleanup EXIT

# ---- systemd-analyze ----
unit_analyze "$TMP/unit"

# systemd makes /sys/fs/bpf read-only with ProtectKernelTunables=yes and
# ReadWritePaths=/sys/fs/bpf does not undo it (src/core/namespace.c: on equal
# paths the read-only flag wins): lifelined could not pin its maps
if grep -qiE '^ProtectKernelTunables=(yes|true|on|1)' "$UNIT"; then
	fail "bpffs writable" "ProtectKernelTunables=yes makes /sys/fs/bpf read-only"
else
	pass "no ProtectKernelTunables= (it would make /sys/fs/bpf read-only)"
fi

# ---- lifelined confined as the unit confines it ----
need=""
[ "$(id -u)" = 0 ] || need="$need root"
mountpoint -q /sys/fs/bpf || need="$need bpffs"
command -v setpriv >/dev/null || need="$need setpriv"
command -v strace >/dev/null || need="$need strace"
command -v systemd-analyze >/dev/null || need="$need systemd-analyze"
[ -x "$LLD" ] || need="$need build"
if [ -n "$need" ]; then
	skip "confined run" "missing:$need"
	summary
	exit
fi
caps=$(unit_get CapabilityBoundingSet)
if [ -z "${caps// /}" ]; then
	fail "CapabilityBoundingSet" "the unit sets none (every capability)"
	summary
	exit
fi
bset=-all
for c in $caps; do
	c=${c#CAP_}
	bset="$bset,+${c,,}"
done

# A fake /proc with the reserve's sysctls, PSI at critical, a hook that
# writes to the state directory, a textfile, the reserve and the network
# share at critical: every writer lifelined has.
# run NAME CMD...: lifelined with its own pin path, tree and state directory
# under $TMP/NAME, through the prefix command CMD; checks it works; sets R
run_daemon() {
	local name=$1 r=$TMP/$1; shift
	R=$r
	fake_proc "$r/root"
	mkdir -p "$r/root/proc/sys/vm" "$r/root/proc/sys/net/ipv4" "$r/run" "$r/textfile"
	echo 67584 >"$r/root/proc/sys/vm/min_free_kbytes"
	echo 10 >"$r/root/proc/sys/vm/watermark_scale_factor"
	printf '188337\t251117\t376674\n' >"$r/root/proc/sys/net/ipv4/tcp_mem"
	printf '376674\t502234\t753348\n' >"$r/root/proc/sys/net/ipv4/udp_mem"
	psi "$r/root" 50.00
	cat >"$r/hook.sh" <<EOF
#!/bin/sh
echo "\$LIFELINE_LEVEL" >>"$r/run/hook.log"
EOF
	chmod 755 "$r/hook.sh"
	cat >"$r/lifeline.conf" <<EOF
[daemon]
tick = 100ms
lease = 1s
hold = 1s
state_dir = $r/run
[memcg]
enable = no
[alert]
on_change = $r/hook.sh
hook_interval = 0
[reserve]
size = 1M
net_critical = 50
[metrics]
textfile = $r/textfile/lifeline.prom
interval = 200ms
EOF
	"$@" "$LLD" --foreground --config "$r/lifeline.conf" --proc-root "$r/root" -v \
		--pin-path "$PIN-$name" >"$r/daemon.log" 2>&1 &
	DPID=$!
	local ok=1
	wait_for 15 grep -qs '^lifeline_daemon_vote_level 2$' "$r/textfile/lifeline.prom" || ok=0
	wait_for 5 grep -qs '^critical$' "$r/run/hook.log" || ok=0
	grep -q "reserve raised" "$r/daemon.log" || ok=0
	# to lifelined itself: strace -o blocks fatal signals
	local pid
	pid=$(cat "$r/run/lifelined.pid" 2>/dev/null)
	[ -n "$pid" ] || { ok=0; pid=$DPID; }
	kill -HUP "$pid"
	wait_for 5 grep -q "reloaded" "$r/daemon.log" || ok=0
	kill -TERM "$pid"
	wait_for 10 eval '! kill -0 "$DPID" 2>/dev/null' || { ok=0; kill -9 "$pid"; }
	wait "$DPID"
	local rc=$?
	DPID=""
	rm -rf "$PIN-$name"
	[ $ok = 1 ] && [ $rc = 0 ]
}
if ! "$LLD" --help 2>&1 | grep -q -- '--pin-path'; then
	skip "confined run" "lifelined has no --pin-path"
	summary
	exit
fi
# warnings and errors, without times and pids
warnings() { grep -iE 'warn|error|cannot|needs CAP|not locked|off:' "$1/daemon.log" | sed -E 's/^[^a-z]*//; s/[0-9]+/N/g' | sort -u; }

if run_daemon free env; then
	pass "unconfined run: vote, hook, reserve, reload, clean stop"
else
	fail "unconfined run" "$(tail -5 "$R/daemon.log" | tr '\n' ' ')"
fi
FREE=$R
if run_daemon unit strace -f -qq -y -s 256 -o "$TMP/strace.log" \
	setpriv --bounding-set="$bset" --inh-caps=-all --no-new-privs --; then
	pass "confined run ($bset, no_new_privs): vote, hook, reserve, reload, clean stop"
else
	fail "confined run" "$(tail -5 "$R/daemon.log" | tr '\n' ' ')"
fi
UNITRUN=$R
if diff <(warnings "$FREE") <(warnings "$UNITRUN") >"$TMP/warn.diff"; then
	pass "confined run warns of nothing the unconfined one does not"
else
	fail "confined warnings" "$(grep '^>' "$TMP/warn.diff" | head -5 | tr '\n' ' ')"
fi
grep -q "vmscan tracepoints attached" "$UNITRUN/daemon.log" && pass "confined: vmscan tracepoints attached" ||
	fail "confined vmscan" "$(grep -i vmscan "$UNITRUN/daemon.log" | head -2)"

# the trace starts at setpriv's execve of lifelined
awk '/execve\(.*lifelined/ { on = 1 } on' "$TMP/strace.log" >"$TMP/trace"
# what changed something (not mkdir of a parent that exists)
grep -v '= -1 EEXIST' "$TMP/trace" >"$TMP/trace.ok"

# system calls: the unit's SystemCallFilter, groups expanded
bad=$(unit_syscalls "$TMP/trace" "$TMP")
if [ -s "$TMP/allow" ] && [ -s "$TMP/used" ] && [ -z "$bad" ]; then
	pass "SystemCallFilter allows all $(wc -l <"$TMP/used") system calls made"
else
	fail "SystemCallFilter" "used but not allowed: ${bad:-(no filter or no trace)}"
fi

# socket families
unit_families "$TMP/trace"
[ -n "$fams" ] && [ -z "$bad" ] && pass "RestrictAddressFamilies ($fams) has every family used ($used)" ||
	fail "RestrictAddressFamilies" "'$fams'; used but not allowed:$bad"

# MemoryDenyWriteExecute
wx=$(grep -E '^[0-9]+ +(mmap|mprotect|pkey_mprotect)\(' "$TMP/trace" | grep 'PROT_WRITE' | grep -c 'PROT_EXEC')
[ "$wx" = 0 ] && pass "no writable and executable mapping" || fail "MemoryDenyWriteExecute" "$wx W+X mappings"

# writes: test paths -> the unit's, then inside the writable set
R=$UNITRUN
map() {
	sed -e "s|$PIN-unit|/sys/fs/bpf/lifeline|" -e "s|$R/run|/run/lifeline|" \
		-e "s|$R/textfile|/var/lib/prometheus/node-exporter|" -e "s|$R/root||"
}
{
	# open for writing or creating
	grep -E '^[0-9]+ +(open|openat|creat)\(' "$TMP/trace.ok" | grep -E 'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC' |
		sed -nE 's/^[0-9]+ +[a-z]+\(((AT_FDCWD|[0-9]+)<([^>]*)>, )?"([^"]*)".*/\3|\4/p'
	# name changes, directories, sockets, pins
	grep -E '^[0-9]+ +(rename|renameat2?|unlink|unlinkat|mkdir|mkdirat|rmdir|chmod|fchmodat|symlink|symlinkat|link|linkat)\(' "$TMP/trace.ok" |
		grep -oE '((AT_FDCWD|[0-9]+)<[^>]*>, )?"[^"]*"' | sed -E 's/^((AT_FDCWD|[0-9]+)<([^>]*)>, )?"([^"]*)"$/\3|\4/'
	sed -nE 's/^[0-9]+ +bind\(.*sun_path="([^"]*)".*/|\1/p; s/^[0-9]+ +bpf\(BPF_OBJ_PIN, .*pathname="([^"]*)".*/|\1/p' "$TMP/trace.ok"
} | while IFS='|' read -r dir p; do
	[ -n "$p" ] || continue
	[[ $p == /* ]] || p=$dir/$p
	echo "$p"
done | map | sort -u >"$TMP/written"
rw=$(unit_get ReadWritePaths | sed -E 's/(^| )-/\1/g')	# "-": ignored if missing
ro=$(unit_get ReadOnlyPaths)
under() { local p=$1 d; shift; for d in "$@"; do [[ $p == "$d" || $p == "$d"/* ]] && return 0; done; return 1; }
bad=""
while read -r p; do
	if under "$p" $rw /run/lifeline /tmp /var/tmp /dev/null; then continue; fi
	# ProtectSystem=strict leaves /proc and /sys writable, but the unit's ReadOnlyPaths
	if under "$p" /proc /sys && ! under "$p" $ro; then continue; fi
	bad="$bad $p"
done <"$TMP/written"
if [ -s "$TMP/written" ] && [ -z "$bad" ]; then
	pass "every write ($(wc -l <"$TMP/written") paths) inside the unit's writable paths"
else
	fail "writable paths" "written outside the unit's writable paths:${bad:- (no write traced)}"
fi
[ -n "$V" ] && sed 's/^/     wrote /' "$TMP/written"
summary
