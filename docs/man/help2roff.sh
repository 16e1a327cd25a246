#!/bin/sh
# A man page from a --help that is already written as one (lifelined's):
# upper-case lines become sections, the text under them is kept as printed.
# Usage: docs/man/help2roff.sh PROGRAM SECTION > PROGRAM.SECTION
prog=$1 sec=$2
"$prog" --help | awk -v name="$(basename "$prog")" -v sec="$sec" '
BEGIN { printf ".TH %s %s \"\" \"lifeline\" \"System Administration\"\n", toupper(name), sec }
/^[A-Z][A-Z ]*$/ { print ".SH " $0; print ".nf"; print ".in -3n"; next }
{ gsub(/\\/, "\\e"); sub(/^    /, ""); if ($0 ~ /^[.\x27]/) $0 = "\\&" $0; print }
'
