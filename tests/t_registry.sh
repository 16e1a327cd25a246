#!/usr/bin/env bash
# The declared state (lifeline apply / save, docs/lifeline.service):
#  - the unit: systemd-analyze security <= 4.0 OK, verify clean, ordering;
#  - a registry (registry.conf + registry.d/) with two interfaces (native XDP,
#    tc), rules, flows, an allow rule and tuning: apply --check changes
#    nothing, apply, a second apply prints and changes nothing;
#  - a simulated reboot: detach --all, pins removed, then the unit's
#    ExecStart (under its capability bounding set, no_new_privs, traced:
#    every system call and socket family within the unit's filters) finds
#    every attachment, flow, allow rule and setting back, and NBD traffic
#    (nbdkit, nbdcopy) passes at critical while a UDP flood is dropped;
#  - a mode change keeps every registration; --keep; JSON;
#  - one bad line (main file, drop-in) or a missing interface: FILE:LINE,
#    nothing changed; a failure after the attach (rule table full): the
#    attach undone, the removed rule and setting back;
#  - save/apply round trip with 10,000 flows (IPv4, IPv6, TCP, UDP, strict)
#    and every SPEC kind: apply --check after save reports no difference,
#    save again is byte-identical; apply --check of another file changes nothing;
#  - fuzz_declare for 10 s (libFuzzer, when clang has it).
# Everything is created here and removed on exit.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/unit.sh"

PIN=/sys/fs/bpf/lltest-registry-$LL_NS_ID
TMP=$(mktemp -d /tmp/lltest-registry.XXXXXX)
UDP=$TOP/build/tests/tool_net
UNIT=$TOP/docs/lifeline.service
DUM=lld$LL_NS_ID	# a second interface in the client namespace (a veth, tc mode)
DUM2=lle$LL_NS_ID	# a third, only ever in files that fail

trap ns_suite_cleanup EXIT

# ------------------------------------------------------------------ the unit
unit_analyze "$TMP/unit" "unit: "
[ "$(unit_get Type)" = "oneshot " ] && [ "$(unit_get RemainAfterExit)" = "yes " ] &&
	pass "unit: oneshot, RemainAfterExit" || fail "unit: type" "$(unit_get Type) $(unit_get RemainAfterExit)"
before=$(unit_get Before)
miss=""
for u in remote-fs-pre.target network-online.target iscsid.service open-iscsi.service nvmf-autoconnect.service; do
	[[ " $before " == *" $u "* ]] || miss="$miss $u"
done
[ -z "$miss" ] && pass "unit: ordered before the network-disk units" || fail "unit: Before=" "missing$miss"
# Debian's network-disk units that cannot be named (nbd@ is a template) wait for network-online.target
for f in /lib/systemd/system/nbd@.service /lib/systemd/system/nvmf-autoconnect.service \
	/lib/systemd/system/iscsid.service /lib/systemd/system/open-iscsi.service; do
	[ -f "$f" ] || continue
	grep -qE '^After=.*network-online\.target' "$f" &&
		pass "unit: $(basename "$f") comes after network-online.target (which lifeline.service precedes)" ||
		fail "unit: ordering" "$f is not After=network-online.target"
done
EXEC=$(sed -n 's/^ExecStart=//p' "$UNIT")
[ "$EXEC" = "/usr/sbin/lifeline apply /etc/lifeline/registry.conf" ] &&
	pass "unit: ExecStart applies /etc/lifeline/registry.conf" || fail "unit: ExecStart" "$EXEC"

# ------------------------------------------------------------------ setup
if ! ns_setup || ! in_cli ip link add $DUM type veth peer name ${DUM}p || ! in_cli ip link set $DUM up ||
	! in_cli ip link add $DUM2 type veth peer name ${DUM2}p; then
	fail setup "cannot create the test namespaces"
	summary
	exit 1
fi
ETC=$TMP/etc
mkdir -p "$ETC/registry.d"
R=$ETC/registry.conf
cat >"$R" <<EOF
# the test's registry: block storage at $SRV4, management from 198.51.100.0/24
tables --max-flows 16384 --max-rules 64
interface $DEV_CLI mode native
interface $DUM mode tc

flow nbd://$SRV4 --name disk          # NBD, default port
flow tcp://[$SRV6]:4420 --name nvme6
flow tcp://$SRV4:10809 --local $CLI4:40000 --strict
flow udp://[$SRV6]:2049 --local [$CLI6]:40001
allow tcp://198.51.100.0/24:22 --name ssh
tune --priority 5 --budget-rate 20M
tune --mark 7
strict on
EOF
echo "flow iscsi://$SRV4 --name iscsi" >"$ETC/registry.d/10-iscsi.conf"
echo "# nothing" >"$ETC/registry.d/20-empty.conf"

# state: what the other commands (not save) report, normalized
state() {
	{
		ll -j flow list | jq -c '([.rules[] | {kind, spec, name}] | sort), ([.flows[] | {spec, strict, origin}] | sort)'
		ll -j allow list | jq -c '[.rules[] | {spec, name}] | sort'
		ll -j tune | jq -c '{priority, mark, rcvbuf, sndbuf, budget_rate_bytes_per_s, budget_burst_bytes, budget_pps}'
		ll -j strict show | jq -c .strict
		ll -j status | jq -c '[.interfaces[] | {interface, xdp_mode, tc_ingress, tc_egress}] | sort_by(.interface)'
	} 2>&1
}

# ------------------------------------------------------------------ check, apply, idempotent
out=$(ll apply --check "$R"); rc=$?
[ $rc = 1 ] && grep -q "^+ interface $DEV_CLI mode native$" <<<"$out" && grep -q "^+ flow iscsi://$SRV4 --name iscsi$" <<<"$out" &&
	pass "apply --check: exit 1, prints the difference (drop-ins too)" || fail "apply --check" "rc $rc: $out"
[ ! -e "$PIN" ] && ! in_cli ip link show $DEV_CLI | grep -q xdp &&
	pass "apply --check: changed nothing (no pins, no XDP)" || fail "apply --check" "created state"
out=$(ll apply "$R" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(grep -c '^+ ' <<<"$out")" -ge 11 ] && pass "apply: exit 0, + lines" || fail "apply" "rc $rc: $out"
S1=$(state)
jq -se '.[5] | length == 2 and (.[] | select(.interface == "'$DEV_CLI'") | .xdp_mode == "native")' <<<"$S1" >/dev/null &&
	jq -se '(.[0] | length == 3) and (.[1] | length == 2) and (.[2] | length == 1) and .[4] == true' <<<"$S1" >/dev/null &&
	jq -se '.[3] == {"priority":5,"mark":7,"rcvbuf":0,"sndbuf":0,"budget_rate_bytes_per_s":20971520,"budget_burst_bytes":262144,"budget_pps":0}' <<<"$S1" >/dev/null &&
	pass "apply: 2 interfaces, 3 rules, 2 flows, 1 allow rule, the settings" || fail "apply: state" "$S1"
out=$(ll apply "$R" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && [ "$(state)" = "$S1" ] && pass "apply again: prints nothing, changes nothing" ||
	fail "apply again" "rc $rc: $out"
out=$(ll apply --check "$R" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && pass "apply --check when equal: exit 0, no output" || fail "apply --check equal" "rc $rc: $out"
ll apply --help | tr -s '\n ' '  ' | grep -q 'exit 0 when the state equals the file' && ll apply --help | tr -s '\n ' '  ' | grep -q '1 when there is a difference' &&
	pass "apply --help documents --check's exit status" || fail "apply --help" "no exit status"

# ------------------------------------------------------------------ simulated reboot
check "reboot: detach --all" ll detach --all
rm -rf "$PIN"
[ ! -e "$PIN" ] && ! in_cli ip link show $DEV_CLI | grep -q 'prog/xdp' && ! in_cli tc filter show dev $DUM ingress | grep -q . &&
	pass "reboot: no pins, no XDP, no tc filters" || fail "reboot: teardown" "state left"
# the unit's command, its paths mapped to the test's, confined as the unit confines it
cmd=$(sed "s|/usr/sbin/|$TOP/build/|; s|/etc/lifeline/registry.conf|$R|" <<<"$EXEC")
bset=-all
for c in $(unit_get CapabilityBoundingSet); do c=${c#CAP_}; bset="$bset,+${c,,}"; done
pre=()
command -v setpriv >/dev/null && pre+=(setpriv --bounding-set="$bset" --inh-caps=-all --no-new-privs --)
traced=""
command -v strace >/dev/null && traced=1
if [ -n "$traced" ]; then
	in_cli env LIFELINE_PIN_PATH=$PIN strace -f -qq -o "$TMP/strace.log" "${pre[@]}" $cmd >"$TMP/boot.out" 2>&1; rc=$?
else
	in_cli env LIFELINE_PIN_PATH=$PIN "${pre[@]}" $cmd >"$TMP/boot.out" 2>&1; rc=$?
fi
[ $rc = 0 ] && pass "reboot: the unit's ExecStart ran (${pre:+bounding set $bset, no_new_privs})" ||
	fail "reboot: ExecStart" "rc $rc: $(tail -3 "$TMP/boot.out")"
[ ${#pre[@]} = 0 ] && skip "reboot: capability bounding set" "setpriv not installed"
S2=$(state)
[ "$S2" = "$S1" ] && pass "reboot: every attachment, flow, allow rule and setting back" ||
	fail "reboot: state" "$(diff <(echo "$S1") <(echo "$S2") | head -10 | tr '\n' ' ')"
if [ -n "$traced" ] && command -v systemd-analyze >/dev/null; then
	awk '/execve\(.*lifeline"/ { on = 1 } on' "$TMP/strace.log" >"$TMP/trace"
	bad=$(unit_syscalls "$TMP/trace" "$TMP")
	[ -s "$TMP/used" ] && [ -s "$TMP/allowed" ] && [ -z "$bad" ] &&
		pass "reboot: SystemCallFilter allows all $(wc -l <"$TMP/used") system calls apply made" ||
		fail "reboot: SystemCallFilter" "used but not allowed: ${bad:-(no trace)}"
	unit_families "$TMP/trace"
	[ -n "$used" ] && [ -z "$bad" ] && pass "reboot: RestrictAddressFamilies has every family used ($used)" ||
		fail "reboot: RestrictAddressFamilies" "'$fams'; used '$used', not allowed:$bad"
else
	skip "reboot: system call filter" "strace or systemd-analyze not installed"
fi

# registered NBD traffic at critical, the flood dropped
if nbd_start 64M; then pass "nbdkit serving"; else fail "nbdkit" "did not start"; fi
head -c 4M /dev/urandom >"$TMP/data"
sum=$(sha256sum <"$TMP/data" | cut -d' ' -f1)
nbd_roundtrip() {
	rm -f "$TMP/back"
	in_cli timeout 20 nbdcopy "$TMP/data" nbd://$SRV4 >/dev/null 2>&1 &&
		in_cli timeout 20 nbdcopy nbd://$SRV4 - 2>/dev/null | head -c 4M >"$TMP/back" &&
		[ "$(sha256sum <"$TMP/back" | cut -d' ' -f1)" = "$sum" ]
}
check "reboot: pressure set critical" ll pressure set critical
d0=$(ll -j stats | jq '.hooks.xdp.drop_critical.packets')
h0=$(ll -j flow list | jq '[.rules[] | select(.name == "disk") | .packets] | add // 0')
flood_during check "reboot: NBD write+read verified at critical under flood" nbd_roundtrip
d1=$(ll -j stats | jq '.hooks.xdp.drop_critical.packets')
h1=$(ll -j flow list | jq '[.rules[] | select(.name == "disk") | .packets] | add // 0')
[ "${rx:-1}" = 0 ] && [ "${tx:-0}" -gt 1000 ] && [ $((d1 - d0)) -ge $((tx / 2)) ] &&
	pass "reboot: flood dropped at XDP (0 of $tx received, $((d1 - d0)) drops)" ||
	fail "reboot: flood" "rx ${rx:-?} of ${tx:-?}, drops $d0 -> $d1"
[ $((h1 - h0)) -gt 100 ] && pass "reboot: the 'disk' rule passed the NBD traffic ($((h1 - h0)) packets)" ||
	fail "reboot: rule hits" "$h0 -> $h1"
check "pressure clear" ll pressure clear
nbd_stop

# ------------------------------------------------------------------ changes
sed "s/^interface $DUM mode tc$/interface $DUM mode generic/; s/--name nvme6/--name nvme-v6/" "$R" >"$TMP/mode.conf"
ln -s "$ETC/registry.d" "$TMP/mode.d"
out=$(ll apply "$TMP/mode.conf" 2>&1); rc=$?
exp="- interface $DUM mode tc
+ interface $DUM mode generic
- flow tcp://[$SRV6]:4420 --name nvme6
+ flow tcp://[$SRV6]:4420 --name nvme-v6"
[ $rc = 0 ] && [ "$out" = "$exp" ] && pass "mode change and rename: exactly those lines" || fail "mode change" "rc $rc: $out"
S3=$(state)
jq -se '.[5][] | select(.interface == "'$DUM'") | .xdp_mode == "generic"' <<<"$S3" >/dev/null &&
	[ "$(jq -sc '(.[0] | length), .[1], .[2], .[3], .[4]' <<<"$S3")" = "$(jq -sc '(.[0] | length), .[1], .[2], .[3], .[4]' <<<"$S1")" ] &&
	pass "mode change: every registration and setting kept" || fail "mode change: state" "$S3"
check "back to the registry" ll apply "$R"
# --keep: nothing removed
printf 'flow tcp://198.51.100.9:3260 --name extra\n' >"$TMP/keep.conf"
out=$(ll apply --keep "$TMP/keep.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "+ flow tcp://198.51.100.9:3260 --name extra" ] &&
	[ "$(ll -j flow list | jq '.rules | length')" = 4 ] && pass "apply --keep: adds, removes nothing" || fail "--keep" "rc $rc: $out"
out=$(ll -j apply --check "$R"); rc=$?
[ $rc = 1 ] && jq -e '.equal == false and .applied == false and .changes == [{"op":"-","line":"flow tcp://198.51.100.9:3260 --name extra"}]' <<<"$out" >/dev/null &&
	pass "apply -j --check: the JSON difference" || fail "apply -j --check" "rc $rc: $out"
check "apply removes what the file does not name" ll apply "$R"
[ "$(state)" = "$S1" ] && pass "state as the registry says" || fail "state" "differs"

# the commented example parses (its interface renamed to one that exists)
sed "s/^interface eth0 /interface $DEV_CLI /" "$TOP/docs/registry.conf" >"$TMP/example.conf"
out=$(ll apply --check "$TMP/example.conf" 2>&1); rc=$?
[ $rc = 1 ] && grep -q '^+ flow nbd://198.51.100.7 --name nbd-disk$' <<<"$out" && pass "docs/registry.conf: valid, --check shows its difference" ||
	fail "docs/registry.conf" "rc $rc: $(grep -v '^[-+] ' <<<"$out" | head -2)"

# ------------------------------------------------------------------ errors: nothing changed
S1=$(state)
cp -r "$ETC" "$TMP/bad"
sed -i "8s|.*|flow nbd://$SRV4/33|" "$TMP/bad/registry.conf"
echo "allow tcp://192.0.2.0/24:22 --name more" >>"$TMP/bad/registry.conf"
err=$(ll apply "$TMP/bad/registry.conf" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] && [[ $err == "lifeline: $TMP/bad/registry.conf:8: prefix length 33"* ]] &&
	pass "bad line: exit 2, one line naming FILE:8" || fail "bad line" "rc $rc: $err"
[ "$(state)" = "$S1" ] && pass "bad line: nothing changed" || fail "bad line" "state changed"
cp "$R" "$TMP/bad/registry.conf"
printf '# ok\nflow nbd://%s --name disk2\nfllow x\n' "$SRV4" >"$TMP/bad/registry.d/15-typo.conf"
err=$(ll apply "$TMP/bad/registry.conf" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && [[ $err == "lifeline: $TMP/bad/registry.d/15-typo.conf:3: unknown keyword 'fllow'"* ]] &&
	pass "bad line in a drop-in: named by its path" || fail "drop-in bad line" "rc $rc: $err"
rm "$TMP/bad/registry.d/15-typo.conf"
printf 'interface nosuch%s mode tc\n' "$LL_NS_ID" >>"$TMP/bad/registry.conf"
n=$(wc -l <"$TMP/bad/registry.conf")
err=$(ll apply "$TMP/bad/registry.conf" 2>&1 >/dev/null); rc=$?
[ $rc = 1 ] && [[ $err == "lifeline: $TMP/bad/registry.conf:$n: no interface named 'nosuch$LL_NS_ID'"* ]] &&
	[ "$(state)" = "$S1" ] && pass "missing interface: FILE:LINE, nothing changed" || fail "missing interface" "rc $rc: $err"
# a failure after the attach: more host rules than the table holds
[ "$(ll save - | grep '^tables')" = "tables --max-flows 16384 --max-rules 64" ] &&
	pass "the maps were created with the registry's table sizes" || fail "tables" "$(ll save - | grep '^tables')"
cap=64
{
	grep -v '^allow\|^tune' "$R"	# the ssh rule and the settings would change
	echo "tune --priority 1"
	echo "interface $DUM2 mode generic"
	for ((i = 0; i <= cap; i++)); do echo "flow tcp://198.51.100.$((i + 1)):7000"; done
} >"$TMP/full.conf"
in_cli ip link set $DUM2 up
err=$(ll apply "$TMP/full.conf" 2>&1 >/dev/null); rc=$?
[ $rc = 1 ] && [[ $err == *"rule table is full"*"nothing was changed"* ]] && pass "table full: exit 1, says nothing was changed" ||
	fail "table full" "rc $rc: $err"
out=$(ll apply --check "$R" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(state)" = "$S1" ] && ! in_cli ip link show $DUM2 | grep -q xdp &&
	pass "table full: the attach undone, allow rule and settings back" || fail "table full: rollback" "rc $rc: $out"

# ------------------------------------------------------------------ 10,000 flows round trip
{
	echo "interface $DEV_CLI mode native"
	for s in tcp udp nbd iscsi nvme-tcp nfs ceph; do
		echo "flow $s://198.51.100.0/26"
		echo "flow $s://[2001:db8:$((RANDOM % 4096 + 1))::/48]"
	done
	echo "flow tcp://203.0.113.0/24:8000-8100 --name range4"
	echo "flow udp://[2001:db8:77::]:2049-2050 --name range6"
	echo "flow nbd://203.0.113.9:10810"
	echo "allow tcp://192.0.2.0/24:22 --name ssh"
	echo "allow udp://[2001:db8:99::/64]:53"
	echo "tune --priority 3 --mark 1 --rcvbuf 65536 --sndbuf 65536 --budget-rate 5M --budget-burst 128K --budget-pps 1000"
	echo "strict off"
	reg_flows_10k
} >"$TMP/big.conf"
out=$(ll apply "$TMP/big.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(grep -c '^+ flow' <<<"$out")" = 10017 ] && pass "10,000 flows: applied (10,017 '+ flow' lines)" ||
	fail "10,000 flows: apply" "rc $rc: $(grep -v '^[+-] ' <<<"$out" | head -3)"
jqt "10,000 flows: flow list has 10,000 flows, 17 rules" '(.flows | length) == 10000 and (.rules | length) == 17 and ([.flows[] | select(.strict)] | length) == 2500' flow list
check "10,000 flows: save" ll save "$TMP/saved.conf"
out=$(ll apply --check "$TMP/saved.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && pass "10,000 flows: apply --check after save: no difference" || fail "save/apply identity" "rc $rc: $(head -3 <<<"$out")"
out=$(ll apply --check "$TMP/big.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && pass "10,000 flows: the original file still equal" || fail "big equal" "rc $rc: $(head -3 <<<"$out")"
S4=$(ll save - | sha256sum)
out=$(ll apply "$TMP/saved.conf" 2>&1); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && [ "$(ll save - | sha256sum)" = "$S4" ] && cmp -s <(ll save -) "$TMP/saved.conf" &&
	pass "10,000 flows: apply of the saved file changes nothing, save is byte-identical" || fail "round trip" "rc $rc"
[ "$(stat -c %a "$TMP/saved.conf")" = 644 ] && ! ls "$TMP"/saved.conf.* >/dev/null 2>&1 &&
	pass "save: mode 0644, no temporary file left" || fail "save" "$(stat -c %a "$TMP/saved.conf") $(ls "$TMP")"
# one bad line among 10,000: nothing changed
awk 'NR == 5000 { print "flow tcp://198.51.100.1:99999 --local 203.0.113.1:1"; next } { print }' "$TMP/saved.conf" >"$TMP/big-bad.conf"
err=$(ll apply "$TMP/big-bad.conf" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] && [[ $err == "lifeline: $TMP/big-bad.conf:5000: "* ]] && pass "10,000 flows: one bad line named (line 5000)" ||
	fail "big bad line" "rc $rc: $err"
# --check of a file that would remove almost everything: nothing changed
printf 'interface %s mode native\nflow nbd://%s\n' "$DEV_CLI" "$SRV4" >"$TMP/small.conf"
out=$(ll apply --check "$TMP/small.conf" 2>&1); rc=$?
[ $rc = 1 ] && [ "$(grep -c '^- flow' <<<"$out")" = 10017 ] && pass "apply --check of another file: exit 1, 10,017 removals shown" ||
	fail "check small" "rc $rc: $(grep -c '^-' <<<"$out")"
[ "$(ll save - | sha256sum)" = "$S4" ] && pass "apply --check and the bad file changed nothing" || fail "check changed state" "differs"
t0=$(date +%s%N)
check "10,000 flows: apply of a smaller file" ll apply "$TMP/small.conf"
t1=$(date +%s%N)
jqt "10,000 flows removed" '(.flows | length) == 0 and (.rules | length) == 1' flow list
[ -n "${V:-}" ] && echo "   removing 10,017 registrations took $(((t1 - t0) / 1000000)) ms"

# ------------------------------------------------------------------ fuzz the parser, bounded
FZ=$TOP/build/fuzz/fuzz_declare
# two overlapping suite runs must not write the binary at the same time
mkdir -p "$TOP/build"
if ! flock "$TOP/build/.fuzz_declare.lock" make -s -C "$TOP" build/fuzz/fuzz_declare >"$TMP/fuzz-build.log" 2>&1; then
	skip "fuzz_declare" "cannot build it (clang with libFuzzer): $(tail -1 "$TMP/fuzz-build.log")"
else
	mkdir -p "$TMP/corpus"
	if "$FZ" -timeout=10 -rss_limit_mb=2048 -max_len=2048 -print_final_stats=1 -max_total_time=${FUZZ_SECONDS_REGISTRY:-10} \
		-artifact_prefix="$TMP/" "$TMP/corpus" "$TOP/tests/fuzz/corpus/fuzz_declare" >"$TMP/fuzz.log" 2>&1; then
		pass "fuzz_declare: $(sed -n 's/^stat::number_of_executed_units: *//p' "$TMP/fuzz.log") runs, no finding"
	else
		fail "fuzz_declare" "$(grep -m3 -E 'invariant|ERROR|SUMMARY' "$TMP/fuzz.log" | tr '\n' ' ')"
	fi
fi

summary
