#!/usr/bin/env bash
# Checks the deployment files: the alert rules with promtool (Debian's
# prometheus package) when it is there, with their unit tests, the YAML with python3 when it has yaml.
set -u
cd "$(dirname "$0")" || exit 1
p=0 f=0 s=0
if command -v promtool >/dev/null; then
	if promtool check rules alerts.yaml >/dev/null 2>&1; then p=$((p + 1)); else f=$((f + 1)); promtool check rules alerts.yaml; fi
	# the alerts' unit tests
	if promtool test rules alerts.test.yaml >/dev/null 2>&1; then p=$((p + 1)); else f=$((f + 1)); promtool test rules alerts.test.yaml; fi
else
	s=$((s + 1)); echo "SKIP promtool: not installed (apt-get install prometheus)"
fi
for y in daemonset.yaml prometheus-scrape.yaml alerts.yaml alerts.test.yaml; do
	if python3 -c 'import yaml' 2>/dev/null; then
		if python3 -c 'import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))' "$y"; then p=$((p + 1)); else f=$((f + 1)); fi
	else
		s=$((s + 1)); echo "SKIP $y: python3 yaml not available"
	fi
done
echo "$p passed, $f failed, $s skipped"
[ $f = 0 ]
