#!/usr/bin/env bash
# attach --mode auto says which hook it chose and why (issue #17): native XDP
# on a veth with the veth's copy named as the price, generic XDP on an
# interface without native XDP (the namespace's own lo), nothing for an
# explicit --mode or an attach that found lifeline in place.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

suite_dirs auto
cleanup() { ns_suite_cleanup; }
trap cleanup EXIT
ns_begin

out=$(ll -j attach $DEV_CLI 2>"$TMP/err")
check "auto on a veth: native XDP, and why" \
	jq -e '.xdp_mode == "native" and (.auto_reason | test("native XDP") and test("veth") and test("--mode tc"))' <<<"$out"
out=$(ll attach $DEV_CLI 2>&1)
check "auto again: already attached, no reason line" bash -c '! grep -q "auto chose" <<<"$1" && grep -q "already attached" <<<"$1"' _ "$out"
ll detach $DEV_CLI >/dev/null
out=$(ll attach $DEV_CLI 2>&1)
check "auto, text: the reason on its own line" bash -c 'grep -q "^auto chose native XDP: " <<<"$1"' _ "$out"
ll detach $DEV_CLI >/dev/null
out=$(ll -j attach $DEV_CLI --mode native 2>&1)
check "explicit --mode native: no auto_reason" jq -e '.xdp_mode == "native" and (has("auto_reason") | not)' <<<"$out"
ll detach $DEV_CLI >/dev/null
out=$(ll -j attach lo 2>&1)
check "auto on lo (no native XDP): generic, and why" \
	jq -e '.xdp_mode == "generic" and (.auto_reason | test("generic XDP") and test("no native XDP"))' <<<"$out"
ll detach lo >/dev/null
summary
