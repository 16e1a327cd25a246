# Shared by the control-plane benchmarks (ctlplane.sh, resize.sh): lifeline on
# a pin path of their own (they touch no interface), a scratch directory, a
# timer and the synthetic exact flows. Source it with TOP set.
LL=$TOP/build/lifeline

# bench_begin NAME: PIN (/sys/fs/bpf/llbench-NAME-PID, exported as
# LIFELINE_PIN_PATH) and TMP, both removed on exit
bench_begin() {
	PIN=/sys/fs/bpf/llbench-$1-$$
	TMP=$(mktemp -d)
	export LIFELINE_PIN_PATH=$PIN
	trap bench_cleanup EXIT
}
bench_cleanup() { "$LL" detach --all >/dev/null 2>&1; rm -rf "$PIN" "$TMP"; }

# ms CMD...: CMD's run time in ms; on failure, says so with its stderr, returns 1
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$TMP/err" || { echo "failed: $* ($(cat "$TMP/err"))" >&2; return 1; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# gen COUNT [OFFSET]: exact flows i = OFFSET.., 198.51.100.1-250 port 10809, local
# 192.0.2.1 (192.0.2.2 from i = 12,500,000) ports 10000-59999
gen() {
	awk -v n="$1" -v off="${2:-0}" 'BEGIN { for (i = off; i < off + n; i++) {
		h = i % 250 + 1; p = int(i / 250) % 50000 + 10000;
		printf "tcp://198.51.100.%d:10809 --local 192.0.2.%d:%d\n", h, int(i / (250 * 50000)) + 1, p } }'
}
