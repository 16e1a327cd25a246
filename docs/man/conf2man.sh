#!/bin/sh
# lifeline.conf(5) from docs/lifeline.conf, the one commented example that
# documents every key: sections become subsections, comments their text,
# "key = value" lines the keys with their defaults.
# Usage: docs/man/conf2man.sh docs/lifeline.conf > lifeline.conf.5
awk '
BEGIN {
	print ".TH LIFELINE.CONF 5 \"\" \"lifeline\" \"File Formats\""
	print ".SH NAME"
	print "lifeline.conf \\- configuration of lifelined(8)"
	print ".SH SYNOPSIS"
	print ".I /etc/lifeline/lifeline.conf"
	print "and"
	print ".I /etc/lifeline/lifeline.conf.d/*.conf"
	print ".SH DESCRIPTION"
	print "An INI file: [section] headers, key = value lines, comments from #."
	print "Drop-ins in lifeline.conf.d/ are read after it, in name order; a later"
	print "value wins. Unknown sections and keys are errors;"
	print ".B lifelined --check-config"
	print "names the FILE:LINE of the first error."
	print "Each key is listed with its default."
	para = ""
}
function flush() { if (para != "") { print para; para = "" } }
/^#/ { sub(/^# ?/, ""); gsub(/\\/, "\\\\"); if ($0 ~ /^[.\x27]/) $0 = "\\&" $0; para = para (para == "" ? "" : "\n") $0; next }
/^\[/ { flush(); gsub(/[][]/, ""); print ".SH \"[" $0 "]\""; next }
/=/ { k = $0; sub(/ *=.*/, "", k); v = $0; sub(/^[^=]*= */, "", v); print ".TP"; print ".B \"" k " = " (v == "" ? "(empty)" : v) "\""; flush(); next }
/^$/ { flush(); print ".PP"; next }
END { flush(); print ".SH SEE ALSO"; print ".BR lifelined (8), " ; print ".BR lifeline (8)" }
' "$1"
