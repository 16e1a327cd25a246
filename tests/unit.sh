# Checks of a systemd unit file ($UNIT), shared by t_units.sh (lifelined's)
# and t_registry.sh (lifeline's): systemd-analyze's verdicts, and a run traced
# with strace -f held against the unit's system call and socket family filters.
# Source it after lib.sh.

# unit_get KEY: the unit's values of KEY, all its lines joined
unit_get() { sed -n "s/^$1=//p" "$UNIT" | tr '\n' ' '; }

# unit_analyze DIR [PREFIX]: the unit, its binaries in build/, copied to DIR;
# systemd-analyze security (exposure at most 4.0, "OK") and verify (clean) on it.
# PREFIX starts every check's name.
unit_analyze() {
	local u=$1/${UNIT##*/} p=${2:-} out lvl
	mkdir -p "$1"
	sed "s|/usr/sbin/|$TOP/build/|g" "$UNIT" >"$u"
	if ! command -v systemd-analyze >/dev/null; then
		skip "${p}systemd-analyze" "not installed (apt-get install systemd)"
		return 0
	fi
	if ! out=$(systemd-analyze security --offline=true "$u" 2>&1) || ! grep -q 'Overall exposure level' <<<"$out"; then
		skip "${p}systemd-analyze security" "cannot run offline here: $(tail -1 <<<"$out")"
		return 0
	fi
	lvl=$(sed -n "s/.*Overall exposure level for ${u##*/}: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p" <<<"$out")
	if awk -v l="${lvl% *}" 'BEGIN { exit !(l != "" && l <= 4.0) }' && [ "${lvl#* }" = OK ]; then
		pass "${p}systemd-analyze security: $lvl"
	else
		fail "${p}systemd-analyze security" "exposure '$lvl', want <= 4.0 OK: $(grep '✗' <<<"$out" | awk '{ print $2 }' | head -20 | tr '\n' ' ')"
	fi
	if out=$(systemd-analyze verify "$u" 2>&1) && [ -z "$out" ]; then
		pass "${p}systemd-analyze verify: clean"
	else
		fail "${p}systemd-analyze verify" "$(head -5 <<<"$out" | tr '\n' ' ')"
	fi
}

# unit_syscalls TRACE DIR: the unit's SystemCallFilter, groups expanded, in
# DIR/allow, DIR/deny and DIR/allowed (the first less the second); the system
# calls TRACE shows in DIR/used; prints those used but not allowed.
unit_syscalls() {
	local trace=$1 d=$2 line allow="" deny=""
	while read -r line; do
		if [[ $line == ~* ]]; then deny="$deny ${line#\~}"; else allow="$allow $line"; fi
	done < <(sed -n 's/^SystemCallFilter=//p' "$UNIT")
	unit_expand $allow | sort -u >"$d/allow"
	unit_expand $deny | sort -u >"$d/deny"
	comm -23 "$d/allow" "$d/deny" >"$d/allowed"
	sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' "$trace" | sort -u >"$d/used"
	comm -23 "$d/used" "$d/allowed" | tr '\n' ' '
}
# unit_expand NAME...: system call names, @groups expanded
unit_expand() {
	local x
	for x in "$@"; do
		if [[ $x == @* ]]; then
			unit_expand $(systemd-analyze syscall-filter "$x" 2>/dev/null | sed -n '2,$p' | grep -v '^ *#' | tr -d ' ')
		else
			echo "$x"
		fi
	done
}

# unit_families TRACE: sets fams (the unit's RestrictAddressFamilies), used
# (the families TRACE opened sockets of) and bad (those used, not in fams).
unit_families() {
	local f
	fams=$(unit_get RestrictAddressFamilies)
	used=$(sed -nE 's/^[0-9]+ +socket\((AF_[A-Z0-9]+),.*/\1/p' "$1" | sort -u | tr '\n' ' ')
	bad=""
	for f in $used; do [[ " $fams " == *" $f "* ]] || bad="$bad $f"; done
}
