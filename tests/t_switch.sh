#!/usr/bin/env bash
# Detach and XDP <-> tc switches take lifeline's XDP program off the
# interface at once: a pinned link only unpinned is released by the kernel's
# deferred work a moment later, so `attach --mode tc` right after a native
# attach reported the old XDP program still there (t_share "XDP -> tc"
# failed in 2 of 4 runs on a busy machine). Each round checks the JSON of
# the switch and the kernel's own view (ip link) right after the command.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"
[ "${1:-}" = "-v" ] && V=1
# LL_SWITCH_LL: run the same checks against another build (the unfixed main)
LL=${LL_SWITCH_LL:-$LL}
PIN=/sys/fs/bpf/lltest-switch-$$
ROUNDS=${LL_SWITCH_ROUNDS:-15}

cleanup() {
	in_cli env LIFELINE_PIN_PATH=$PIN "$LL" detach --all >/dev/null 2>&1
	ns_cleanup
	rm -rf "$PIN"
}
trap cleanup EXIT
if ! ns_setup; then
	fail setup "cannot create the test namespaces"
	summary
	exit 1
fi
# the kernel's view: the id of the XDP program on the client's veth (0: none)
xdp_id() { in_cli ip -j link show "$DEV_CLI" | jq '.[0].xdp.prog.id // 0'; }

ll flow add nbd://$SRV4 --name disk >/dev/null 2>&1
bad_sw=0 bad_det=0 why=""
for r in $(seq "$ROUNDS"); do
	ll attach "$DEV_CLI" --mode native >/dev/null || { bad_sw=$((bad_sw + 1)); why="round $r: native attach failed"; continue; }
	out=$(ll -j attach "$DEV_CLI" --mode tc 2>&1)
	k=$(xdp_id)
	if ! jq -e '.xdp_mode == "none" and .policy_hook == "tc_ingress"' <<<"$out" >/dev/null || [ "$k" != 0 ]; then
		bad_sw=$((bad_sw + 1)); why="round $r: after the switch to tc: kernel XDP id $k; $out"
	fi
	ll attach "$DEV_CLI" --mode native >/dev/null || { bad_sw=$((bad_sw + 1)); why="round $r: back to native failed"; continue; }
	ll detach "$DEV_CLI" >/dev/null 2>&1
	k=$(xdp_id)
	[ "$k" = 0 ] || { bad_det=$((bad_det + 1)); why="round $r: after detach: kernel XDP id $k"; }
done
[ $bad_sw = 0 ] && pass "XDP -> tc: no XDP program left right after the switch ($ROUNDS rounds)" ||
	fail "XDP -> tc leaves no XDP program" "$bad_sw of $ROUNDS rounds; last: $why"
[ $bad_det = 0 ] && pass "detach: no XDP program left right after it returns ($ROUNDS rounds)" ||
	fail "detach leaves no XDP program" "$bad_det of $ROUNDS rounds; last: $why"
summary
