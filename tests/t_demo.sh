#!/usr/bin/env bash
# bench/demo.sh --quick, whole, and what its table and plot claim:
# - the flood has the same strength in the runs without and with lifeline
#   (offered packets/s in the flood and pressure phases within 15 %);
# - no phase shows more flood packets dropped + reaching the stack than
#   offered (all three counters over the same instants, each interpolated
#   between its own readings), nor does any point of the plot beyond the
#   named bounds below;
# - with lifeline at critical (decided by lifelined from the memory cgroup)
#   the flood is dropped (from when lifelined said critical), without
#   lifeline none is;
# - e2fsck clean and no bad block after each run; the plot is written, with
#   the same time axes in both columns and every series present.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/demo.sh"
demo_needs demo
LIFELINE_DEMO_OUT=$TMP/out LIFELINE_DEMO_KEEP=1 demo_start --quick
for _ in $(seq 3000); do kill -0 $DPID 2>/dev/null || break; sleep 0.1; done
if kill -0 $DPID 2>/dev/null; then
	fail "demo --quick ends within 300 s" "$(tail -3 "$TMP/log" | tr '\r\n' '  ')"
	summary; exit $?
fi
wait $DPID; rc=$?
DPID=""
[ $rc = 0 ] && pass "demo --quick exits 0" || fail "demo --quick exits 0" "exit $rc: $(tail -5 "$TMP/log" | tr '\r\n' '  ')"
T=$TMP/out/demo-latest.txt
[ -s "$T" ] || { fail "demo writes its table" "no $T: $(tail -5 "$TMP/log" | tr '\r\n' '  ')"; summary; exit $?; }
[ -s "$TMP/out/demo-latest.png" ] && ! grep -q 'gnuplot failed' "$TMP/log" && pass "demo writes its plot, gnuplot without error" ||
	fail "demo writes its plot, gnuplot without error" "$(grep -A3 'gnuplot failed' "$TMP/log" | head -4)"

# table rows: RUN PHASE MB/s p50 ms p99 ms offered dropped reaching memcg% LEVEL
# -> "RUN PHASE offered dropped reaching LEVEL"
rows() { awk '($1 == "without" || $1 == "with") && NF == 12 && $5 == "ms" && $7 == "ms" { print $1, $2, $8, $9, $10, $12 }' "$T"; }
[ "$(rows | wc -l)" = 8 ] && pass "the table has 4 phases for each run" || fail "the table has 4 phases for each run" "$(cat "$T")"
[ -n "${V:-}" ] && cat "$T"
# A phase's rates: the three counters over the same two instants, each
# interpolated between its own readings (the demo's table). Steady, that is
# exact but for packets in flight: 3 % of offered + 300/s. Where the flood
# starts or the level steps inside a gap of G s between two readings of one
# counter (G: the run's longest gap), the three chords are off by up to
# 3 * OMAX * G / 4 packets over the phase's L s (L >= 5 s with --quick): the
# interpolation bound of the plot check below, over the phase instead of 3 s.
D=$(ls -d "$TMP"/out/demo-*.data 2>/dev/null | head -1)
gap() { awk 'NR > 1 { for (c = 4; c <= 8; c += 2) if ($c - p[c] > g) g = $c - p[c] } { for (c = 4; c <= 8; c += 2) p[c] = $c } END { print g + 0 }' "$D/$1.net" 2>/dev/null || echo 0; }
omax() { awk '$9 > m { m = $9 } END { print m + 0 }' "$D/$1.net.dat" 2>/dev/null || echo 0; }
while read -r run ph o d r lv; do
	G=$(gap $run) OM=$(omax $run)
	awk -v o="$o" -v d="$d" -v r="$r" -v g="$G" -v om="$OM" 'BEGIN { exit !(d + r <= o * 1.03 + 300 + 3 * om * g / (4 * 5)) }' &&
		pass "$run/$ph: dropped + reaching <= offered" ||
		fail "$run/$ph: dropped + reaching <= offered" "offered $o/s, dropped $d/s, reaching $r/s (longest reading gap $G s, highest offered $OM/s)"
done < <(rows)
for ph in flood pressure recovery; do
	o1=$(rows | awk -v p=$ph '$1 == "without" && $2 == p { print $3 }')
	o2=$(rows | awk -v p=$ph '$1 == "with" && $2 == p { print $3 }')
	awk -v a="${o1:-0}" -v b="${o2:-0}" 'BEGIN { exit !(a > 1000 && b > 1000 && b / a >= 0.85 && b / a <= 1.15) }' &&
		pass "$ph: the same flood in both runs" || fail "$ph: the same flood in both runs" "offered $o1/s without, $o2/s with lifeline"
done
read -r o d r lv < <(rows | awk '$1 == "with" && $2 == "pressure" { print $3, $4, $5, $6 }')
# (what lifeline does not drop, the veth's ring or RPS's backlog may: the
# flood must not reach the stack, and most of it is lifeline's drop)
[ "$lv" = critical ] && awk -v o="$o" -v d="$d" -v r="$r" 'BEGIN { exit !(o > 1000 && r <= 0.05 * o && d >= 0.5 * o) }' &&
	pass "with lifeline under pressure: critical, the flood dropped" ||
	fail "with lifeline under pressure: critical, the flood dropped" "level $lv, offered $o/s, dropped $d/s, reaching $r/s"
read -r d < <(rows | awk '$1 == "without" { s += $4 } END { print s + 0 }')
[ "$d" = 0 ] && pass "without lifeline nothing is dropped by it" || fail "without lifeline nothing is dropped by it" "dropped $d/s"
for run in without with; do
	grep -q "^$run lifeline: e2fsck -fn clean, [1-9][0-9]* blocks verified, 0 bad" "$T" && pass "$run: e2fsck clean, 0 bad blocks" ||
		fail "$run: e2fsck clean, 0 bad blocks" "$(grep "^$run lifeline: e2fsck" "$T")"
done

# the plot's own data: per sample, the smoothed dropped + reaching within offered
if [ -n "$D" ] && [ -s "$D/with.net.dat" ]; then
	# Named bounds. Each plotted rate is taken over a W = 3 s window, all
	# three counters over the same two instants, each counter interpolated
	# there between its own readings (they are read one after the other, in
	# two namespaces and from lifeline). Where the rates are steady at both
	# ends of the window this is exact but for packets in flight and the
	# flooder's pacing inside a reading gap: STEADY_TOL = 5 % of offered +
	# 500/s. Where a rate steps (by at most OMAX, the run's highest offered
	# rate) inside a gap of G s between two readings of a counter at an end
	# of the window, the chord across the step is off by up to OMAX * G / 4
	# packets for that counter, so offered, reaching and dropped together by
	# up to EDGE_TOL = 3 * OMAX * G / (4 * W) per second; G is the run's
	# longest gap between two readings of one counter. The steps are the
	# phase marks and the level changes seen by the sampler.
	W=3 STEADY_TOL=0.05 STEADY_ABS=500
	bad=$(for r in with without; do
		G=$(awk 'NR > 1 { for (c = 4; c <= 8; c += 2) if ($c - p[c] > g) g = $c - p[c] } { for (c = 4; c <= 8; c += 2) p[c] = $c } END { print g + 0 }' "$D/$r.net")
		OMAX=$(awk '$9 > m { m = $9 } END { print m + 0 }' "$D/$r.net.dat")
		steps=$( (awk '{ print $2 }' "$D/$r.phases"; awk 'NR > 1 && $8 != l { print $1 } { l = $8 }' "$D/$r.net.dat") | tr '\n' ' ')
		awk -v st="$steps" -v w=$W -v g="$G" -v om="$OMAX" -v tol=$STEADY_TOL -v abs=$STEADY_ABS -v run=$r '
			BEGIN { n = split(st, c, " "); edge = 3 * om * g / (4 * w) }
			{ near = 0; for (i = 1; i <= n; i++) if (($1 - w / 2 - c[i])^2 < g^2 || ($1 + w / 2 - c[i])^2 < g^2) near = 1
			  lim = near ? $9 + edge : $9 * (1 + tol) + abs
			  if ($9 > 1000 && $10 + $11 > lim) printf "%s t %s (%s) offered %s reaching %s dropped %s > %d; ", run, $1, near ? "edge, G " g " s" : "steady", $9, $10, $11, lim }' "$D/$r.net.dat"
	done)
	[ -z "$bad" ] && pass "plot: dropped + reaching within offered (steady: 5 %; at a step: the interpolation bound)" ||
		fail "plot: dropped + reaching within offered (steady: 5 %; at a step: the interpolation bound)" "$bad"
	grep -q "set lmargin 12; set rmargin 9" "$D/plot.gp" && [ "$(grep -c "set xrange \[0:" "$D/plot.gp")" = 1 ] &&
		pass "plot: one time axis, the same margins in every panel" || fail "plot: one time axis, the same margins in every panel" "$(grep -n 'margin\|xrange' "$D/plot.gp" | head -3)"
	grep -q "moving mean" "$D/plot.gp" && grep -q "offered by the flooder" "$D/plot.gp" && grep -q "dropped by lifeline" "$D/plot.gp" &&
		grep -q "reaching the client" "$D/plot.gp" && grep -q "MB/s" "$D/plot.gp" && grep -q "'ms" "$D/plot.gp" &&
		pass "plot: MB/s, ms, offered/dropped/reaching, the smoothing named" || fail "plot: MB/s, ms, offered/dropped/reaching, the smoothing named" "see plot.gp"
else
	fail "demo keeps its data with LIFELINE_DEMO_KEEP" "no $TMP/out/demo-*.data"
fi
summary
