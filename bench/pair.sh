#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Compares builds of pktcost on a shared machine: runs each binary in turn
# (`-n 7 --no-save -c CASES`), ROUNDS times, alternating, and prints per
# row the median (range) of the rounds' ratios for every build. Copy
# build/bench/pktcost of each tree first (it embeds its BPF objects), e.g.
#   cp build/bench/pktcost /tmp/pk-main   (in a checkout of main)
#   bench/pair.sh -r 7 -c 'xdp: exact-flow hit|xdp: junk' main=/tmp/pk-main new=build/bench/pktcost
# Run as root from the top of the tree.
set -euo pipefail

rounds=7 cases=
while getopts "r:c:h" o; do
	case $o in
	r) rounds=$OPTARG ;;
	c) cases=$OPTARG ;;
	*) sed -n '3,10p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$cases" ] || [ $# -lt 1 ]; then
	echo "usage: bench/pair.sh [-r ROUNDS] -c 'CASE|CASE...' LABEL=PKTCOST..." >&2
	exit 2
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 0; r < rounds; r++)); do
	for lb in "$@"; do
		label=${lb%%=*} bin=${lb#*=}
		if ! "$bin" -n 7 --no-save -c "$cases" >"$out.run" 2>&1; then
			echo "pair: $bin failed:" >&2
			tail -5 "$out.run" >&2
			rm -f "$out.run"
			exit 1
		fi
		# a row: name, ns, baseline (two words), base ns, ratio (the first field NNx)
		grep -E '^(xdp|tc): ' "$out.run" | grep -v skipped |
			awk -v l="$label" '{ r = ""; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+x$/) { r = $i; break }
				n = $0; sub(/  +[0-9].*/, "", n); if (r != "") printf "%s\t%s\t%s\n", l, n, r }' >>"$out"
		rm -f "$out.run"
	done
done
python3 - "$out" "$@" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, name, ratio = line.rstrip('\n').split('\t')
    rows.setdefault(name, {}).setdefault(label, []).append(float(ratio.rstrip('x')))
labels = [a.split('=')[0] for a in sys.argv[2:]]
for name, d in rows.items():
    print(name[:66].ljust(66), '  '.join('%s %.2fx (%.2f-%.2f)' % (l, statistics.median(d[l]), min(d[l]), max(d[l]))
                                         for l in labels if l in d))
PY
