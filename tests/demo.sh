# Harness of the demo's suites (t_demo, t_demo_interrupt): sourced after
# lib.sh. demo_needs NAME skips the suite when a tool the demo runs is
# missing; demo_start ARGS... starts bench/demo.sh as a terminal would (its
# own process group, SIGINT at its default even when the suite runs as a
# background job with SIGINT ignored, which the demo's shell could not undo)
# with its output in $TMP/log and its pid in $DPID. The EXIT trap ends it
# and removes $TMP.
TMP=$(mktemp -d)
DPID=""
demo_cleanup() {
	[ -n "$DPID" ] && kill -TERM -- "-$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	rm -rf "$TMP"
}
trap demo_cleanup EXIT

demo_needs() {
	local t
	for t in qemu-storage-daemon mkfs.ext4 nft gnuplot nbdkit; do
		command -v $t >/dev/null || { skip "$1" "$t not installed (make deps)"; summary; exit $?; }
	done
	[ -d /sys/fs/cgroup/memory ] || { skip "$1" "no cgroup-v1 memory controller"; summary; exit $?; }
	[ -x "$TOP/build/bench/fsload" ] || { skip "$1" "build/bench/fsload not built"; summary; exit $?; }
}

demo_start() {
	set -m
	env --default-signal=INT "$TOP/bench/demo.sh" "$@" >"$TMP/log" 2>&1 &
	DPID=$!
	set +m
}
