#!/usr/bin/env bash
# One output path (issue #18): the CLI writes each value once, through the
# emitter (user/cli/emit.h), as its JSON field and its human text together.
#  - no renderer in user/cli reads the command's JSON back by string key
#    (json_object_object_get*, js(), ji()); monitor.c alone reads JSON, the
#    daemon's event lines, by the shared LL_EVF_* names;
#  - the human and the -j output of the same state say the same: status'
#    counts, pressure's level and votes, flow list's and stats' rows.
# tests/t_golden.sh pins the bytes; this checks the two outputs agree.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

PIN=/sys/fs/bpf/lltest-emit-$LL_NS_ID
TMP=$(mktemp -d /tmp/lltest-emit.XXXXXX)

cleanup() {
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT

# ------------------------------------------------------------------ the source
lookups=$(grep -nE 'json_object_object_get|\<js\(|\<ji\(' "$TOP"/user/cli/*.c |
	  grep -v "^$TOP/user/cli/monitor.c:")
[ -z "$lookups" ] && pass "no user/cli renderer reads the JSON back by key" ||
	fail "user/cli renders from JSON by key" "$(echo "$lookups" | head -5 | sed "s#$TOP/##")"

# ------------------------------------------------------------------ the outputs
if ! ns_setup; then
	fail setup "cannot create the test namespaces"
	summary
	exit 1
fi
ll attach $DEV_CLI --mode tc >/dev/null &&
ll flow add nbd://$SRV4 --name nbdsrv >/dev/null &&
ll flow add tcp://$SRV4:4420 --local $CLI4:40000 --strict >/dev/null &&
ll allow add tcp://203.0.113.0/24:22 --name ssh >/dev/null &&
ll pressure set elevated --for 5m >/dev/null ||
	fail setup "attach, flow add, allow add or pressure set failed"

# status: "registered: R endpoint rule(s), A allow rule(s), F flow(s) (capacity FC flows, RC rules)"
ll -j status >"$TMP/st.json" 2>/dev/null
ll status >"$TMP/st.txt" 2>/dev/null
want=$(jq -r '"registered: \(.rules) endpoint rule\(if .rules == 1 then "" else "s" end), " +
	"\(.allow_rules) allow rule\(if .allow_rules == 1 then "" else "s" end), " +
	"\(.flows) flow\(if .flows == 1 then "" else "s" end) " +
	"(capacity \(.flow_capacity) flows, \(.rule_capacity) rules)"' "$TMP/st.json")
got=$(grep '^registered:' "$TMP/st.txt")
[ -n "$got" ] && [ "$got" = "$want" ] && [ "$(jq '.rules + .allow_rules + .flows' "$TMP/st.json")" = 3 ] &&
	pass "status: the registered line and the JSON counts agree (1, 1, 1)" ||
	fail "status counts" "text '$got', JSON '$want'"
want=$(jq -r '.interfaces[] | "\(.interface) \(.xdp_mode) \(.state)"' "$TMP/st.json")
got=$(awk '$1 == "'$DEV_CLI'" { print $1, $2, $5 }' "$TMP/st.txt")
[ -n "$got" ] && [ "$got" = "$want" ] && pass "status: the interface row and the JSON agree ($got)" ||
	fail "status interface" "text '$got', JSON '$want'"

# pressure: the level line and the vote rows
ll -j pressure >"$TMP/pr.json" 2>/dev/null
ll pressure >"$TMP/pr.txt" 2>/dev/null
want=$(jq -r '"level:  \(.level) (source \(.source)"' "$TMP/pr.json")
want_votes=$(jq -r '.votes | to_entries[] | "\(.key) \(.value.level) \(.value.source)"' "$TMP/pr.json")
got_votes=$(awk '$1 ~ /^(daemon|override|kernel)$/ { print $1, $2, $3 }' "$TMP/pr.txt")
grep -qF "$want" "$TMP/pr.txt" && [ "$want" = "level:  elevated (source manual" ] &&
	[ -n "$got_votes" ] && [ "$got_votes" = "$want_votes" ] &&
	pass "pressure: the level and the votes in the text are the JSON's" ||
	fail "pressure" "text '$(head -1 "$TMP/pr.txt")' / '$got_votes', JSON '$want' / '$want_votes'"

# flow list: each rule's ID KIND SPEC NAME and each flow's SPEC ORIGIN, as in the JSON
ll -j flow list >"$TMP/fl.json" 2>/dev/null
ll flow list >"$TMP/fl.txt" 2>/dev/null
want=$(jq -r '(.rules[] | "\(.id) \(.kind) \(.spec) \(.name // "-") cli"),
	      (.flows[] | "- flow \(.spec) - \(.origin)")' "$TMP/fl.json")
# whole rows without PACKETS BYTES (a flow's SPEC has spaces: SPEC local ADDR:PORT)
got=$(sed -E -e 1d -e 's/^ +//' -e 's/ +[0-9]+ +[0-9.]+ [KMGT]?i?B$//' -e 's/ +/ /g' "$TMP/fl.txt")
[ "$(jq '(.rules | length) + (.flows | length)' "$TMP/fl.json")" = 2 ] && [ "$got" = "$want" ] &&
	pass "flow list: the rows are the JSON's rules and flows" ||
	fail "flow list" "text '$got', JSON '$want'"

# stats: the RULE rows (id and spec) are the JSON's rules
ll -j stats >"$TMP/sa.json" 2>/dev/null
ll stats >"$TMP/sa.txt" 2>/dev/null
want=$(jq -r '.rules[] | "\(.id) \(.spec)"' "$TMP/sa.json")
got=$(awk '/^RULE/ { r = 1; next } /^(FLOW|HOOK)/ { r = 0 } r { print $1, $2 }' "$TMP/sa.txt")
[ -n "$got" ] && [ "$got" = "$want" ] && pass "stats: the RULE rows are the JSON's rules" ||
	fail "stats rules" "text '$got', JSON '$want'"

summary
