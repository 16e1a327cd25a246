#!/usr/bin/env bash
# docs/deploy for a fleet: the DaemonSet's structure (tolerates every taint,
# probes, preStop, the Debian textfile directory), the Containerfile's
# inputs, and the probe script and the preStop command run for real: an
# interface the test creates in its own namespace, lifelined at critical;
# both probes pass; SIGKILL lifelined -> both fail (lease expired); restart
# it, both pass; the preStop command -> no XDP left, readiness fails
# (enforcement lost). The image itself cannot be built here (no container
# engine).
# Usage: tests/t_fleet.sh [-v]
set -u
. "$(dirname "$0")/lib.sh"
V=""
[ "${1:-}" = "-v" ] && V=1
DEP=$TOP/docs/deploy
TMP=$(mktemp -d /tmp/lltest-fleet.XXXXXX)
DPID="" NS=""
cleanup() {
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	wait 2>/dev/null
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	[ -n "${LIFELINE_PIN_PATH:-}" ] && rm -rf "$LIFELINE_PIN_PATH"
	rm -rf "$TMP"
}
trap cleanup EXIT

# ---- the files ----
if python3 -c 'import yaml' 2>/dev/null; then
	out=$(python3 - "$DEP/daemonset.yaml" "$TMP/prestop" "$TMP/registry.conf" <<'EOF'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
ds = [d for d in docs if d and d.get("kind") == "DaemonSet"][0]
pod = ds["spec"]["template"]["spec"]
bad = []
if not any(t.get("operator") == "Exists" and "key" not in t and "effect" not in t
           for t in pod.get("tolerations", [])):
    bad.append("no toleration of every taint (operator: Exists, no key, no effect)")
c = [c for c in pod["containers"] if "lifelined" in " ".join(c.get("command", []))]
if not c:
    bad.append("no lifelined container")
else:
    c = c[0]
    for probe, arg in (("readinessProbe", "ready"), ("livenessProbe", "live")):
        cmd = c.get(probe, {}).get("exec", {}).get("command", [])
        if cmd != ["lifeline-probe", arg]:
            bad.append("%s runs %s" % (probe, cmd))
    pre = " ".join(c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", []))
    if "lifeline detach" not in pre:
        bad.append("no preStop detach")
    mounts = [m["mountPath"] for m in c.get("volumeMounts", [])]
    if "/var/lib/prometheus/node-exporter" not in mounts:
        bad.append("textfile directory not Debian's")
    print(pre.split(" ", 2)[2] if pre.startswith("/bin/sh -c ") else pre, file=open(sys.argv[2], "w"))
    if "lifeline apply /config/registry.conf" not in " ".join(c.get("command", [])):
        bad.append("lifelined's container does not apply the registry first")
init = [i for i in pod.get("initContainers", []) if i.get("command") == ["lifeline", "apply", "/config/registry.conf"]]
if not init:
    bad.append("no init container applying /config/registry.conf")
cm = [d for d in docs if d and d.get("kind") == "ConfigMap"][0]
open(sys.argv[3], "w").write(cm["data"]["registry.conf"])
print("; ".join(bad))
sys.exit(1 if bad else 0)
EOF
	) && pass "daemonset: tolerates every taint, probes, preStop detach, Debian textfile directory, registry applied" ||
		fail daemonset "$out"
	PRESTOP=$(cat "$TMP/prestop" 2>/dev/null)
else
	skip daemonset "python3 yaml not available (apt-get install python3-yaml)"
	PRESTOP='lifeline detach "$(cat /config/interface)"'
fi
# every file the Containerfile copies from the repository exists, and the
# make targets it builds exist
missing=""
for f in $(sed -nE '/--from=/d; s/^COPY +(.*) +[^ ]+$/\1/p' "$DEP/Containerfile"); do
	[ "$f" = . ] || [ -e "$TOP/$f" ] || missing="$missing $f"
done
targets=$(sed -n '/^RUN make /,/[^\\]$/p' "$DEP/Containerfile" | tr -d '\\\n' | tr -s ' ' | sed -E 's/^RUN make +(-j"[^"]*" +)?//')
if [ -z "$missing" ] && [ -n "$targets" ] && make -s -n -C "$TOP" $targets >/dev/null 2>&1; then
	pass "Containerfile: sources present, make targets ($targets) exist"
else
	fail Containerfile "missing:${missing:- none}; targets '$targets'"
fi
skip "image build" "no container engine here (podman/docker): docs/deploy/Containerfile is not built"

# ---- the probe and the preStop, for real ----
need=""
[ "$(id -u)" = 0 ] || need="$need root"
mountpoint -q /sys/fs/bpf || need="$need bpffs"
command -v jq >/dev/null || need="$need jq"
[ -x "$LL" ] && [ -x "$LLD" ] || need="$need build"
if [ -n "$need" ]; then
	skip "probes" "missing:$need"
	summary
	exit
fi
ID=${LL_NS_ID:-$$}
NS=llfl$ID
DEV=llfa$ID
export LIFELINE_PIN_PATH=/sys/fs/bpf/lltest-fleet-$ID
in_ns() { nsenter --net=/run/netns/$NS "$@"; }
ip netns add "$NS" && in_ns ip link add "$DEV" type veth peer name "llfb$ID" &&
	in_ns ip link set "$DEV" up && in_ns ip link set "llfb$ID" up ||
	{ fail netns "cannot create $NS"; summary; exit; }
# the image's layout: the probe in PATH, lifeline and lifelined from build/
mkdir -p "$TMP/bin" "$TMP/run" "$TMP/textfile"
cp "$DEP/lifeline-probe" "$TMP/bin/"
ln -s "$LL" "$TMP/bin/lifeline"
export PATH=$TMP/bin:$PATH PROBE_INTERFACE=$DEV PROBE_TEXTFILE=$TMP/textfile/lifeline.prom
probe() { in_ns lifeline-probe "$1" 2>"$TMP/probe.err"; }
fake_proc "$TMP/root"
psi "$TMP/root" 50.00
cat >"$TMP/lifeline.conf" <<EOF
[daemon]
tick = 100ms
lease = 1s
hold = 1s
state_dir = $TMP/run
[memcg]
enable = no
[metrics]
textfile = $TMP/textfile/lifeline.prom
interval = 200ms
EOF
start() {
	"$LLD" --foreground --config "$TMP/lifeline.conf" --proc-root "$TMP/root" >>"$TMP/daemon.log" 2>&1 &
	DPID=$!
	wait_for 10 grep -qs '^lifeline_daemon_vote_level 2$' "$TMP/textfile/lifeline.prom"
}
# the init container's command on the ConfigMap's registry, its interface
# the test's: everything it declares is there
if [ -s "$TMP/registry.conf" ]; then
	sed -i "s/^interface eth0 /interface $DEV /" "$TMP/registry.conf"
	if in_ns "$LL" apply "$TMP/registry.conf" >"$TMP/apply.out" 2>&1 &&
		[ "$(in_ns "$LL" -j flow list | jq '[.rules[]?, .flows[]?] | length')" -ge 2 ] &&
		in_ns "$LL" -j allow list | jq -e '[.rules[]? | select(.name == "ssh")] | length == 1' >/dev/null &&
		in_ns "$LL" apply --check "$TMP/registry.conf" >/dev/null; then
		pass "the ConfigMap's registry applies: interface, flows, allow rule; apply --check then equal"
	else
		fail "registry apply" "$(cat "$TMP/apply.out"; in_ns "$LL" -j flow list 2>&1 | head -5)"
	fi
else
	in_ns "$LL" attach "$DEV" >/dev/null || fail attach "$DEV"
fi
start || fail "lifelined" "$(tail -3 "$TMP/daemon.log")"
probe live && probe ready && pass "attached, lifelined at critical: live and ready" ||
	fail "probes healthy" "$(cat "$TMP/probe.err")"

{ kill -9 "$DPID"; wait "$DPID"; } 2>/dev/null
DPID=""
# the lease (1 s) runs out
if wait_for 5 eval '! probe live'; then
	grep -q "lease ran out" "$TMP/probe.err" && ! probe ready &&
		pass "lifelined SIGKILLed at critical: not live, not ready ($(cat "$TMP/probe.err"))" ||
		fail "probes after SIGKILL" "$(cat "$TMP/probe.err")"
else
	fail "liveness after SIGKILL" "still live 5 s after the kill"
fi
start || fail "lifelined restart" "$(tail -3 "$TMP/daemon.log")"
wait_for 5 probe ready && probe live && pass "restarted: live and ready again" ||
	fail "probes after restart" "$(cat "$TMP/probe.err")"

# the preStop, as the DaemonSet writes it, /config/interface -> the test's
printf '%s\n' "$DEV" >"$TMP/interface"
if in_ns sh -c "${PRESTOP//\/config\/interface/$TMP/interface}" >"$TMP/prestop.out" 2>&1 &&
	! in_ns ip link show "$DEV" | grep -q 'xdp' && ! probe ready; then
	pass "preStop detaches: no XDP on $DEV, not ready ($(cat "$TMP/probe.err"))"
else
	fail preStop "$(cat "$TMP/prestop.out") / $(in_ns ip link show "$DEV" | head -2) / $(cat "$TMP/probe.err")"
fi
summary
