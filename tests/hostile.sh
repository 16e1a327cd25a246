# The harness of the hostile-input suites (t_hostile*.sh), sourced after
# lib.sh: a private bpffs instance as the pin path (never the host's
# /sys/fs/bpf), removed on exit; expect, conf and CHK below.
TMP=$(mktemp -d)
B=$TMP/bpf
mkdir "$B"
cleanup() {
	umount "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
if ! mount -t bpf bpf "$B"; then
	fail setup "cannot mount a bpffs instance on $B"
	summary
	exit 1
fi
export LIFELINE_PIN_PATH=$B/ll

# expect RC NAME CMD...: exit code RC within 10s and, when RC is not 0, one line on stderr
expect() {
	local want=$1 name=$2 rc lines
	shift 2
	timeout 10 "$@" >"$TMP/o" 2>"$TMP/e" </dev/null
	rc=$?
	lines=$(wc -l <"$TMP/e")
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit $rc, expected $want: $(head -c 300 "$TMP/e" | tr '\n' '|')"
	elif [ "$want" != 0 ] && [ "$lines" != 1 ]; then
		fail "$name" "$lines lines on stderr: $(head -c 300 "$TMP/e" | tr '\n' '|')"
	else
		pass "$name"
	fi
}
conf() {	# conf NAME TEXT: a config file with the host sources off
	{ conf_host_sources_off; printf '%b\n' "$2"; } >"$TMP/$1.conf"
}
CHK=("$LLD" --check-config --config)
