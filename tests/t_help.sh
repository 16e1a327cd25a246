#!/usr/bin/env bash
# lifeline's help and its one option parser (issue #18, #15 "help that
# helps"): every command's --help, -h and `help COMMAND` exit 0 with the
# grammar, each option and examples; every option the help lists is one
# the parser takes; unknown options exit 2 with one line; -j given as an
# option's value is that value; the u64 budget takes more than 4 GiB; the
# pressure and status wording (held, vote header, daemon row, plurals).
# Probes that could act run in a namespace and on a pin path of their own.
set -u
. "$(dirname "$0")/lib.sh"

ID=h$$
NS=llhelp$ID
PIN=/sys/fs/bpf/lltest-help-$ID
TMP=$(mktemp -d)
DPID=""
cleanup() {
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	ip netns del $NS 2>/dev/null
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT
ip netns add $NS || { fail setup "cannot create a namespace"; summary; exit 1; }
# lifeline in the private namespace, on the private pin path
ll() { nsenter --net=/run/netns/$NS env LIFELINE_PIN_PATH=$PIN "$LL" "$@"; }

# ---- help: each command and verb, with the options it must list
while read -r cmd opts; do
	cmd=${cmd//_/ }
	out=$(ll $cmd --help 2>&1); rc=$?
	miss=""
	for o in $opts; do grep -q -- "^  $o\b" <<<"$out" || miss="$miss $o"; done
	if [ $rc = 0 ] && grep -q "^Usage: lifeline .*$cmd" <<<"$out" && grep -q '^Examples:' <<<"$out" && [ -z "$miss" ]; then
		pass "help: $cmd --help"
	else
		fail "help: $cmd --help" "rc $rc, missing:$miss; $(head -3 <<<"$out")"
	fi
	# every option the help lists is taken by the parser (no "unexpected argument")
	listed=$(sed -n '/^Options:/,/^$/p' <<<"$out" | grep -oE '^  --[a-z-]+' | sed 's/^  //')
	bad=""
	for o in $listed; do
		grep -qw -- "$o" <<<"$opts" || bad="$bad $o(not expected)"
		e=$(ll $cmd $o 2>&1 </dev/null)
		grep -q "unexpected argument '$o'" <<<"$e" && bad="$bad $o(refused)"
	done
	[ -z "$bad" ] && pass "help: $cmd lists only options its parser takes" || fail "help: $cmd options" "$bad"
	[ "$(ll $cmd -h 2>&1)" = "$out" ] && pass "help: $cmd -h" || fail "help: $cmd -h" "differs from --help"
	[ "$(ll help $cmd 2>&1)" = "$out" ] || [ "$(wc -w <<<"$cmd")" = 2 ] || { grep -q "^Usage" <<<"$(ll help $cmd)" || fail "help $cmd" "no usage"; }
	[ "$(wc -w <<<"$cmd")" = 2 ] && { [ "$(ll help $cmd 2>&1)" = "$out" ] && pass "help: help $cmd" || fail "help: help $cmd" "differs from --help"; }
done <<'LIST'
attach --mode --no-tc --force --multi
detach --all
flow_add --name --local --strict
flow_del --local --strict
flow_list
flow_load
allow_add --name
allow_del
allow_list
pressure_show
pressure_set --for
pressure_clear
status
stats --interval --count --flows
sockets_attach --cgroup
sockets_detach --cgroup
sockets_scan
sockets_list
tune --priority --mark --rcvbuf --sndbuf --budget-rate --budget-burst --budget-pps --observe
strict_on
strict_off
strict_show
monitor --state-dir --count
metrics
reserve_show --state-dir
apply --check --keep
save
explain --sockets
reserve_apply --kb --max-share --watermark-scale --state-dir
reserve_restore --state-dir
LIST
for w in "flow help" "flow --help" "help flow" "pressure -h" "help" "--help"; do
	out=$(ll $w 2>&1); rc=$?
	[ $rc = 0 ] && grep -q '^Usage: lifeline' <<<"$out" && pass "help: lifeline $w" || fail "help: lifeline $w" "rc $rc: $(head -2 <<<"$out")"
done
out=$(ll --help)
for c in attach detach flow allow pressure status stats sockets tune strict monitor metrics reserve; do
	grep -q "^  $c\b" <<<"$out" || fail "usage: $c" "not in lifeline --help"
done
pass "usage: every command in lifeline --help"

# ---- errors: exit 2, one line on stderr, nothing on stdout
for w in "attach --bogus" "attach lo --mode" "flow add nbd://192.0.2.1 --bogus" "tune --bogus 1" \
	"--bogus status" "pressure set critical --for" "strict bogus" "help bogus" "flow del a --name x"; do
	ll $w >"$TMP/out" 2>"$TMP/err" </dev/null; rc=$?
	[ $rc = 2 ] && [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" = 1 ] && pass "usage error: $w" ||
		fail "usage error: $w" "rc $rc, stdout $(head -c 100 "$TMP/out"), stderr $(head -c 200 "$TMP/err")"
done
# a -j after the error still makes it JSON
out=$(ll attach --bogus -j 2>/dev/null); rc=$?
[ $rc = 2 ] && jq -e '.exit_code == 2' <<<"$out" >/dev/null && pass "usage error: JSON with a later -j" || fail "usage error -j" "rc $rc: $out"

# ---- JSON errors write paths as the other JSON does: no "\/"
out=$(ll -j status 2>/dev/null)
grep -q '"error":"lifeline is not set up at /sys/fs/bpf/' <<<"$out" && ! grep -qF '\/' <<<"$out" &&
	pass "JSON error: paths without escaped slashes" || fail "JSON error slashes" "$out"

# ---- -j as an option's value is that value, not the JSON flag
out=$(ll reserve show --state-dir -j 2>&1); rc=$?
[ $rc = 0 ] && grep -q '^SYSCTL' <<<"$out" && grep -q 'no state file in -j' <<<"$out" &&
	pass "-j as --state-dir's value" || fail "-j as a value" "rc $rc: $(head -c 300 <<<"$out")"
out=$(ll reserve show --state-dir "$TMP/none" -j); jq -e '.state_dir' <<<"$out" >/dev/null &&
	pass "-j after the command: JSON" || fail "-j after" "$out"
out=$(ll flow add nbd://192.0.2.1 --name -j 2>&1); rc=$?
[ $rc = 0 ] && grep -q '^registered nbd://192.0.2.1' <<<"$out" && [ "$(ll -j flow list | jq -r '.rules[0].name')" = "-j" ] &&
	pass "-j as --name's value names the rule" || fail "-j as --name" "rc $rc: $(head -c 300 <<<"$out")"

# ---- the budget is a u64: more than 4 GiB/s, up to the datapath's 16 GiB/s
out=$(ll -j tune --budget-rate 5G --budget-burst 6G 2>&1); rc=$?
[ $rc = 0 ] && jq -e '.budget_rate_bytes_per_s == 5368709120 and .budget_burst_bytes == 6442450944' <<<"$out" >/dev/null &&
	pass "tune --budget-rate 5G (above 4 GiB)" || fail "budget > 4 GiB" "rc $rc: $out"
ll tune --budget-rate 17G >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && pass "tune --budget-rate 17G refused (datapath cap 16 GiB/s)" || fail "budget cap" "rc $rc"
ll tune --budget-rate 10M >/dev/null

# ---- wording: status plurals, pressure "held", vote header, daemon row
# exactly one endpoint rule (that named -j, else one more)
[ "$(ll -j flow list | jq '.rules | length')" = 1 ] || ll flow add nbd://192.0.2.2 --name one >/dev/null
out=$(ll status 2>&1)
grep -q 'registered: 1 endpoint rule, 0 allow rules, 0 flows' <<<"$out" && pass "status: 1 endpoint rule (singular)" ||
	fail "status plural" "$(grep registered <<<"$out")"
ll pressure set critical >/dev/null
out=$(ll pressure)
grep -q '^level:  critical (source manual, held ' <<<"$out" && ! grep -q ', for ' <<<"$out" &&
	pass "pressure: 'held' (elapsed), not 'for'" || fail "pressure held" "$(head -1 <<<"$out")"
grep -qE '^  VOTE +LEVEL +SOURCE +STATE' <<<"$out" && pass "pressure: vote rows have a header" || fail "vote header" "$out"
ll pressure clear >/dev/null
no_daemon=$(ll pressure | grep '^  daemon')
grep -q 'lifelined not running' <<<"$no_daemon" && pass "pressure: daemon row, never started" || fail "daemon row none" "$no_daemon"

RUN=$TMP/run
mkdir -p "$RUN"
fake_proc "$TMP"
{ printf '[daemon]\ntick = 100ms\nlease = 1s\npin_path = %s\nstate_dir = %s\n' "$PIN" "$RUN"
  conf_host_sources_off; printf '[kernel]\nenable = no\n'; } >"$TMP/conf"
"$LLD" --foreground --config "$TMP/conf" --proc-root "$TMP" >"$TMP/lld.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do
	ll -j pressure 2>/dev/null | jq -e '.votes.daemon.expires_in_s > 0' >/dev/null 2>&1 && break
	sleep 0.1
done
running=$(ll pressure | grep '^  daemon')
grep -q 'lifelined running' <<<"$running" && [ "$running" != "$no_daemon" ] &&
	pass "pressure: daemon row while lifelined runs differs from not running" ||
	fail "daemon row running" "'$running' vs '$no_daemon' $(tail -3 "$TMP/lld.log")"
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=""
for _ in $(seq 50); do
	ll -j pressure | jq -e '.votes.daemon.expires_in_s < 0' >/dev/null 2>&1 && break
	sleep 0.1
done
killed=$(ll pressure | grep '^  daemon')
grep -q 'killed or hung' <<<"$killed" && pass "pressure: daemon row after SIGKILL (lease run out)" || fail "daemon row killed" "$killed"
summary
