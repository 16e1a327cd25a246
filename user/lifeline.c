// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline: the operator's command. `lifeline OBJECT VERB [ARGS]`, each
 * object a table of verbs; every command builds one JSON object that -j
 * prints and the human renderer formats.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "maps.h"
#include "out.h"
#include "registry.h"
#include "regargs.h"
#include "reserve.h"
#include "sockets.h"
#include "metrics.h"
#include "config.h"
#include "engine.h"
#include <sys/socket.h>
#include <sys/un.h>
#include "spec.h"
#include "explain.h"

#define EXIT_USAGE 2
#define LL_VERSION "0.1"

static const char *pin_opt;
static struct ll_load_opts load_opts;

static const char usage_text[] =
"Usage: lifeline [OPTIONS] COMMAND [ARGS]\n"
"\n"
"Keep network block I/O alive when the host runs short of memory: under\n"
"pressure, the XDP datapath passes registered block-I/O flows and drops the rest.\n"
"\n"
"Options:\n"
"  -j, --json            JSON output (errors too)\n"
"  -p, --pretty          indented JSON (implies -j)\n"
"  -v, --verbose         libbpf and kernel verifier messages\n"
"      --pin-path DIR    bpffs directory of this instance (default $LIFELINE_PIN_PATH,\n"
"                        else " LL_PIN_DEFAULT ")\n"
"      --max-flows N     flow table size when the maps are first created (default 65536)\n"
"      --max-rules N     rule table size when the maps are first created (default 4096)\n"
"  -h, --help            this text;  -V, --version  the version\n"
"\n"
"Commands:\n"
"  attach DEV [--mode auto|native|generic|tc] [--no-tc] [--force]\n"
"                         XDP (native where the driver has it) and tc on DEV;\n"
"                         --force replaces a foreign XDP program. --mode tc:\n"
"                         no XDP, tc ingress applies the policy (for veth and\n"
"                         other drivers where XDP copies every packet)\n"
"  detach DEV | detach --all\n"
"                         remove lifeline from DEV, or from every interface; with\n"
"                         the last one go the pins (registered flows and rules\n"
"                         with them)\n"
"  flow add SPEC [--name NAME] [--local ADDR:PORT [--strict]]\n"
"                         register block-I/O endpoints (a rule); with --local,\n"
"                         one exact 5-tuple flow. --strict (TCP only): at\n"
"                         critical the flow needs a local socket; adding an\n"
"                         existing flow with --strict sets it, without keeps it\n"
"                         (flow del, then add, to clear it). NAME: printable\n"
"                         ASCII, no spaces, at most 31 characters\n"
"  flow add cgroup:/PATH  register every TCP connection of a cgroup-v2 group\n"
"                         (sock_ops)\n"
"  flow del SPEC [--local ADDR:PORT] | flow del NAME | flow del cgroup:/PATH\n"
"                         remove a registration\n"
"  flow list              registered rules, flows and cgroups, with their hits\n"
"  flow load FILE|-       one SPEC [--name NAME] [--local ADDR:PORT [--strict]]\n"
"                         per line, '#' comments; all or nothing: a bad line\n"
"                         changes nothing and is named\n"
"  allow add SPEC [--name NAME] | allow del SPEC|NAME | allow list\n"
"                         management traffic, passed at every level\n"
"  pressure [show]        the effective level, its source, and each vote\n"
"  pressure set none|elevated|critical [--for DURATION]\n"
"                         override the level for DURATION (e.g. 30s, 5m), or\n"
"                         until cleared\n"
"  pressure clear         end the override (that of orphans too)\n"
"  status                 interfaces, level, source and lease, counters, table\n"
"                         sizes; orphans (lifeline programs on this namespace's\n"
"                         interfaces whose pins are gone: exit 1; detach or\n"
"                         attach DEV removes them)\n"
"  stats [--interval SECONDS] [--count N] [--flows]\n"
"                         packets and bytes per hook and reason, rule hits; with\n"
"                         --interval, rates; --flows adds per-flow hits (reads\n"
"                         every flow)\n"
"  sockets attach [--cgroup DIR]\n"
"                         register TCP connections to registered endpoints when\n"
"                         established, remove them when closed (sock_ops on DIR,\n"
"                         default the cgroup-v2 root); also scans existing\n"
"                         connections\n"
"  sockets detach [--cgroup DIR] | sockets scan | sockets list\n"
"                         remove sock_ops from DIR; register existing connections\n"
"                         again; show where sock_ops is attached\n"
"  tune [OPTION VALUE]...\n"
"                         without options, show the settings. --priority N,\n"
"                         --mark N: registered flows' skb priority and mark (TC\n"
"                         egress, sock_ops); --rcvbuf BYTES, --sndbuf BYTES:\n"
"                         socket buffer floors (sock_ops); --budget-rate BYTES,\n"
"                         --budget-burst BYTES, --budget-pps N: the elevated\n"
"                         level's budget for unregistered traffic (memory in\n"
"                         bytes/s for the host, the pool's depth, an optional\n"
"                         packets/s cap)\n"
"  strict on|off|show     at critical, pass a registered TCP packet for this\n"
"                         host only if a local socket exists for it (spoofed\n"
"                         5-tuples get nothing; forwarded traffic is not\n"
"                         checked). On by default; per flow: --strict\n"
"  monitor [--state-dir DIR] [--count N]\n"
"                         stream lifelined's events (level changes, pfmemalloc\n"
"                         sightings, lease expiries) live, in order; -j prints\n"
"                         the JSON lines as sent. Runs until --count events,\n"
"                         else until the stream ends: then one line on stderr\n"
"                         says why (lifelined stopped, went away without\n"
"                         stopping, or dropped this client) and it exits 1;\n"
"                         also when lifelined hangs: no heartbeat (sent every\n"
"                         1 s, not printed) for 3 heartbeats or its lease,\n"
"                         whichever is longer, or no hello within 5 s\n"
"  metrics                the counters and state in Prometheus exposition format\n"
"  reserve show [--state-dir DIR]\n"
"                         the reserve sysctls, now and as recorded before any\n"
"                         change\n"
"  reserve apply --kb N [--max-share PCT] [--watermark-scale N] [--state-dir DIR]\n"
"                         raise vm.min_free_kbytes by N kB over its original\n"
"                         value (refused above PCT % of RAM, default 5);\n"
"                         originals recorded first\n"
"  reserve restore [--state-dir DIR]\n"
"                         write the recorded originals back\n"
"\n"
"SPEC := nbd|iscsi|nvme-tcp|nfs|ceph://HOST[/PLEN][:PORT]\n"
"      | tcp|udp://ADDR[/PLEN][:PORT[-PORT]]\n"
"        default ports: nbd 10809, iscsi 3260, nvme-tcp 4420, nfs 2049,\n"
"        ceph 3300, 6789 and 6800-7300; IPv6 in brackets: tcp://[2001:db8::/64]:4420.\n"
"        HOST is a literal address. A rule matches packets from its prefix whose\n"
"        source or destination port is in range. With --local ADDR:PORT and a SPEC\n"
"        naming one host and one port, an exact 5-tuple flow is registered instead.\n"
"\n"
"Exit status: 0 success, 1 failure, 2 usage error. Every command but monitor,\n"
"read-only ones (status, stats, flow list) included, needs the privileges of the\n"
"pins' owner (mode 0600): root, or in a container uid 0 with CAP_BPF and\n"
"CAP_NET_ADMIN; attach also needs CAP_PERFMON. State lives in the pin directory\n"
"and persists after the command.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return out_error(EXIT_USAGE, "%s (see lifeline --help)", msg);
}

/* ---------------------------------------------------------------- privileges */

static int have_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 eff;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	eff = data[0].effective | ((__u64)data[1].effective << 32);
#define HAS(c) (eff & (1ULL << (c)))
	return (HAS(CAP_BPF) || HAS(CAP_SYS_ADMIN)) && HAS(CAP_NET_ADMIN);
#undef HAS
}

static int need_privileges(void)
{
	if (have_privileges())
		return 0;
	return out_error(EXIT_FAILURE, "permission denied: lifeline needs root, or CAP_BPF and "
			 "CAP_NET_ADMIN (run it with sudo)");
}

/* ---------------------------------------------------------------- state access */

/*
 * The pin directory, refused before anything is created when bpffs could
 * never hold it (a '.' in a name on bpffs: the kernel's bare EPERM says
 * nothing about why).
 */
static int pin_dir(const char **dir)
{
	static char norm[PATH_MAX];
	const char *env = getenv(LL_PIN_ENV);
	char why[PATH_MAX + 200];

	/* the one check (maps.h), before anything is created or chmodded */
	if (ll_pin_path_validate(ll_pin_path(pin_opt), norm, sizeof(norm), why, sizeof(why)))
		return usage_error("%s %s",
				   pin_opt ? "--pin-path" : env ? LL_PIN_ENV : "pin path",
				   why);
	*dir = norm;
	return 0;
}

struct session {
	struct ll_maps m;
	int lock_fd;
	int created;		/* this session created the maps */
};

static void session_close(struct session *s);

/* Opens the maps (creating them when create is set) and takes the instance lock. */
static int session_open(struct session *s, int create)
{
	const char *dir;
	int err;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	if ((err = pin_dir(&dir)))
		return err;
	if (need_privileges())
		return EXIT_FAILURE;
	/*
	 * The lock comes first: two CLIs (or the CLI and the daemon) never
	 * interleave a change, nor race to create the maps.
	 */
	if (create) {
		err = ll_pin_dir_prepare(dir);
		if (err == -ENOTSUP)
			return out_error(EXIT_FAILURE, "%s is not on a bpffs mount; mount one with "
					 "'mount -t bpf bpf DIR' or use --pin-path", dir);
		if (err)
			return out_error(EXIT_FAILURE, "cannot create %s: %s", dir, strerror(-err));
	}
	s->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->lock_fd >= 0)
		flock(s->lock_fd, LOCK_EX);
	if (create) {
		char state[PATH_MAX];

		snprintf(state, sizeof(state), "%s/%s", dir, ll_map_names[LL_MAP_STATE]);
		s->created = access(state, F_OK) && errno == ENOENT;
	}
	err = create ? ll_maps_open_or_create(&s->m, dir, &load_opts) : ll_maps_open(&s->m, dir);
	if (err == -ENOENT && !create) {
		session_close(s);
		return out_error(EXIT_FAILURE, "lifeline is not set up at %s (nothing attached or "
				 "registered yet; start with 'lifeline attach DEV')", dir);
	}
	if (err) {
		char buf[256];
		const char *why = ll_maps_strerror(&s->m, err, buf, sizeof(buf));

		session_close(s);
		return out_error(EXIT_FAILURE, "cannot open the lifeline maps at %s: %s", dir, why);
	}
	return 0;
}

static void session_close(struct session *s)
{
	ll_maps_close(&s->m);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

/* ---------------------------------------------------------------- attach/detach */

static int iface_arg(const char *name, int *ifindex)
{
	char err[256];

	if (ll_ifname_check(name, err, sizeof(err)))
		return usage_error("%s", err);
	*ifindex = if_nametoindex(name);
	if (!*ifindex)
		return out_error(EXIT_FAILURE, "no interface named '%s' (see 'ip link')", name);
	return 0;
}

static json_object *iface_json(const struct ll_iface *i)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "interface", json_object_new_string(i->name[0] ? i->name : "(gone)"));
	json_object_object_add(o, "ifindex", json_object_new_int(i->ifindex));
	json_object_object_add(o, "xdp_mode", json_object_new_string(i->mode));
	json_object_object_add(o, "xdp_prog_id", json_object_new_int64(i->xdp_prog_id));
	json_object_object_add(o, "tc_ingress", json_object_new_boolean(i->tc_ingress));
	json_object_object_add(o, "tc_egress", json_object_new_boolean(i->tc_egress));
	json_object_object_add(o, "policy_hook", json_object_new_string(
		i->tc_policy ? "tc_ingress" : i->xdp_prog_id ? "xdp" : "none"));
	return o;
}

/* ---------------------------------------------------------------- orphans */

/*
 * Orphans (attach.h): lifeline programs on this namespace's interfaces
 * whose pins are gone. status shows them, pressure clear clears their
 * override, detach removes them.
 */
#define MAX_ORPHANS 64

static json_object *pressure_json(const struct ll_state *st);

/* Whether the pin directory holds a state map (lifeline is set up there). */
static int pins_present(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%.4000s/%s", dir, ll_map_names[LL_MAP_STATE]);
	return !access(path, F_OK);
}

static int orphans_find(const char *dir, struct ll_orphan *o)
{
	int n = ll_orphans_find(dir, o, MAX_ORPHANS);

	return n < 0 ? 0 : n;
}

static json_object *orphan_json(const struct ll_orphan *o)
{
	json_object *j = json_object_new_object();
	struct ll_state *st;
	int fd;

	json_object_object_add(j, "interface", json_object_new_string(o->name));
	json_object_object_add(j, "ifindex", json_object_new_int(o->ifindex));
	json_object_object_add(j, "policy_hook", json_object_new_string(
		o->xdp_prog_id ? "xdp" : o->tc_policy ? "tc_ingress" : "none"));
	json_object_object_add(j, "xdp_prog_id", json_object_new_int64(o->xdp_prog_id));
	json_object_object_add(j, "tc_ingress_prog_id", json_object_new_int64(o->tc_ingress_id));
	json_object_object_add(j, "tc_egress_prog_id", json_object_new_int64(o->tc_egress_id));
	json_object_object_add(j, "verified", json_object_new_boolean(o->verified));
	json_object_object_add(j, "state_map_id", json_object_new_int64(o->state_id));
	if (!o->verified) {
		json_object_object_add(j, "pressure", NULL);
		json_object_object_add(j, "note", json_object_new_string(
			"a filter at lifeline's tc handle that this directory did not attach; reading "
			"it by id needs CAP_SYS_ADMIN"));
		return j;
	}
	fd = ll_state_open_id(o->state_id, &st);
	if (fd < 0) {
		json_object_object_add(j, "pressure", NULL);
		json_object_object_add(j, "note", json_object_new_string(
			fd == -EPROTO ? "its state is of another lifeline version" : strerror(-fd)));
		return j;
	}
	json_object_object_add(j, "pressure", pressure_json(st));
	ll_state_close(fd, st);
	return j;
}

static void pressure_human_body(json_object *o, const char *indent);

/* The orphans part of status and pressure clear, as text. */
static void orphans_human(json_object *arr)
{
	size_t n = arr ? json_object_array_length(arr) : 0;

	if (!n)
		return;
	printf("ORPHANED: lifeline programs whose pins are gone (nothing else can reach them):\n");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i), *pr;

		printf("  %s: %s", js(e, "interface"),
		       !strcmp(js(e, "policy_hook"), "xdp") ? "XDP policy" :
		       !strcmp(js(e, "policy_hook"), "tc_ingress") ? "tc policy" :
		       "no policy, tc only (pfmemalloc check, egress marks)");
		if (ji(e, "xdp_prog_id"))
			printf(", XDP prog %lld", ji(e, "xdp_prog_id"));
		if (ji(e, "tc_ingress_prog_id"))
			printf(", tc ingress prog %lld", ji(e, "tc_ingress_prog_id"));
		if (ji(e, "tc_egress_prog_id"))
			printf(", tc egress prog %lld", ji(e, "tc_egress_prog_id"));
		if (ji(e, "state_map_id"))
			printf(", state map %lld", ji(e, "state_map_id"));
		printf("\n");
		if (json_object_object_get_ex(e, "pressure", &pr) && pr)
			pressure_human_body(pr, "    ");
		else
			printf("    %s\n", js(e, "note"));
	}
	printf("  'lifeline pressure clear' clears their override; 'lifeline detach DEV' (or "
	       "--all) removes them; 'lifeline attach DEV' replaces them\n");
}

/* status when the pin directory holds no state but orphans are attached */
static void status_orphans_human(json_object *o)
{
	json_object *arr;

	printf("pin path: %s (no lifeline state there)\n", js(o, "pin_path"));
	json_object_object_get_ex(o, "orphaned", &arr);
	orphans_human(arr);
}

/* The one line that names the orphans and what to do. */
static void orphans_msg(const struct ll_orphan *o, int n, const char *dir, char *msg, size_t len)
{
	char names[256] = "";
	int unverified = 0;

	for (int i = 0; i < n; i++) {
		size_t l = strlen(names);

		snprintf(names + l, sizeof(names) - l, "%s%s", i ? ", " : "", o[i].name);
		unverified += !o[i].verified;
	}
	if (unverified == n)
		snprintf(msg, len, "lifeline's tc filters on %s were not attached from %s (its pins "
			 "removed?): reading them by id needs CAP_SYS_ADMIN; run this as root with "
			 "CAP_SYS_ADMIN, or remove them with 'lifeline detach DEV'", names, dir);
	else
		snprintf(msg, len, "orphaned lifeline programs on %s: their pins are gone; "
			 "'lifeline pressure clear' clears their override, 'lifeline detach DEV' "
			 "removes them", names);
}

/* Emits j with msg as its error (one line on stderr too); the exit status 1. */
static int emit_failed(json_object *j, void (*human)(json_object *o), const char *msg)
{
	json_object_object_add(j, "error", json_object_new_string(msg));
	json_object_object_add(j, "exit_code", json_object_new_int(EXIT_FAILURE));
	out_emit(j, human);
	fprintf(stderr, "lifeline: %s\n", msg);
	return EXIT_FAILURE;
}

static void attach_human(json_object *o)
{
	if (ji(o, "replaced_orphan"))
		printf("removed the orphaned lifeline programs on %s (their pins were gone)\n",
		       js(o, "interface"));
	if (!strcmp(js(o, "policy_hook"), "tc_ingress")) {
		printf("%s %s: tc ingress (the policy) and egress, %s\n",
		       ji(o, "already_attached") ? "already attached to" : "attached to",
		       js(o, "interface"),
		       ji(o, "xdp_prog_id") ? "behind an XDP program that is not lifeline's" : "no XDP");
		return;
	}
	printf("%s %s: XDP %s (prog %lld)%s%s\n",
	       ji(o, "already_attached") ? "already attached to" : "attached to",
	       js(o, "interface"), js(o, "xdp_mode"), ji(o, "xdp_prog_id"),
	       ji(o, "tc_ingress") ? ", tc ingress and egress" : ", no tc",
	       ji(o, "replaced_foreign") ? " (replaced a foreign XDP program)" : "");
}

static int do_attach(int argc, char **argv)
{
	struct ll_attach_opts o = { .max_flows = load_opts.max_flows,
				    .max_rules = load_opts.max_rules };
	const char *dev = NULL;
	struct ll_iface iface;
	struct session s;
	char err[512];
	int ifindex, ret, replaced_orphan = 0;
	json_object *j;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--mode")) {
			if (++i == argc)
				return usage_error("--mode needs auto, native, generic or tc");
			if (ll_mode_parse(argv[i], &o.mode))
				return usage_error("unknown mode '%s': use auto, native, generic or tc",
						   argv[i]);
		} else if (!strcmp(argv[i], "--no-tc")) {
			o.no_tc = 1;
		} else if (!strcmp(argv[i], "--force")) {
			o.force = 1;
		} else if (argv[i][0] == '-' || dev) {
			return usage_error("unexpected argument '%s' to attach", argv[i]);
		} else {
			dev = argv[i];
		}
	}
	if (!dev)
		return usage_error("attach needs an interface: lifeline attach DEV");
	if (o.mode == LL_MODE_TC && o.no_tc)
		return usage_error("--mode tc and --no-tc exclude each other: tc is the policy point");
	if ((ret = iface_arg(dev, &ifindex)))
		return ret;
	if ((ret = session_open(&s, 1)))
		return ret;
	/* an orphan on DEV (programs whose pins are gone) is replaced: removed first */
	{
		struct ll_orphan orph[MAX_ORPHANS];
		int no = orphans_find(s.m.dir, orph);

		for (int i = 0; i < no; i++)
			if (orph[i].ifindex == ifindex && orph[i].verified &&
			    !ll_orphan_detach(&orph[i], err, sizeof(err)))
				replaced_orphan = 1;
	}
	ret = ll_attach(s.m.dir, ifindex, &o, &iface, err, sizeof(err));
	if (ret && s.created) {
		/* nothing half-applied: the maps this attach created go with it */
		char links[PATH_MAX + 8];

		snprintf(links, sizeof(links), "%s/links", s.m.dir);
		rmdir(links);
		ll_maps_unpin(s.m.dir);
	}
	session_close(&s);
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	j = iface_json(&iface);
	json_object_object_add(j, "already_attached", json_object_new_boolean(iface.already));
	json_object_object_add(j, "replaced_foreign", json_object_new_boolean(iface.replaced));
	json_object_object_add(j, "replaced_orphan", json_object_new_boolean(replaced_orphan));
	if (iface.fallback[0]) {
		/* a notice, not an error: the attach worked, in another mode than asked */
		fprintf(stderr, "lifeline: notice: %s\n", iface.fallback);
		json_object_object_add(j, "fallback", json_object_new_string(iface.fallback));
	}
	out_emit(j, attach_human);
	return 0;
}

static void detach_human(json_object *o)
{
	json_object *arr;

	json_object_object_get_ex(o, "detached", &arr);
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		printf("detached from %s\n", json_object_get_string(json_object_array_get_idx(arr, i)));
	if (ji(o, "pins_removed"))
		printf("last interface gone: removed the maps at %s (registered flows and rules "
		       "with them)\n", js(o, "pin_path"));
}

static int do_detach(int argc, char **argv)
{
	struct ll_orphan orph[MAX_ORPHANS];
	struct ll_iface ifs[256];
	const char *dir;
	int all = 0, n, no, ret = 0, ifindex = 0, found = 0;
	json_object *j, *arr;
	char err[512];

	if (argc == 1 && !strcmp(argv[0], "--all"))
		all = 1;
	else if (argc != 1 || argv[0][0] == '-')
		return usage_error("detach takes one interface, or --all");
	if ((ret = pin_dir(&dir)))
		return ret;
	if (need_privileges())
		return EXIT_FAILURE;
	if (!all) {
		char e[256];

		if (ll_ifname_check(argv[0], e, sizeof(e)))
			return usage_error("%s", e);
		ifindex = if_nametoindex(argv[0]);
	}
	n = ll_iface_list(dir, ifs, 256);
	if (n < 0)
		return out_error(EXIT_FAILURE, "cannot read %s/links: %s", dir, strerror(-n));
	no = orphans_find(dir, orph);
	j = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(j, "detached", arr);
	json_object_object_add(j, "pin_path", json_object_new_string(dir));
	for (int i = 0; i < n; i++) {
		if (!all && ifs[i].ifindex != ifindex)
			continue;
		found = 1;
		ret = ll_detach(dir, ifs[i].ifindex, err, sizeof(err));
		if (ret) {
			json_object_put(j);
			return out_error(EXIT_FAILURE, "%s", err);
		}
		json_object_array_add(arr, json_object_new_string(ifs[i].name[0] ? ifs[i].name : "(gone)"));
	}
	/* programs whose pins are gone: their XDP program or link, their filters */
	for (int i = 0; i < no; i++) {
		int listed = 0;

		/* --all: only what is surely an orphan, not another pin path's filter */
		if (all ? !orph[i].verified : orph[i].ifindex != ifindex)
			continue;
		ret = ll_orphan_detach(&orph[i], err, sizeof(err));
		if (ret) {
			json_object_put(j);
			return out_error(EXIT_FAILURE, "%s", err);
		}
		for (int k = 0; k < n; k++)
			listed |= ifs[k].ifindex == orph[i].ifindex && (all || ifs[k].ifindex == ifindex);
		if (!listed)
			json_object_array_add(arr, json_object_new_string(orph[i].name));
		found = 1;
	}
	if (!all && !found) {
		/* tc filters without a link (attach --no-tc never pins; or pins lost): clean them too */
		struct ll_iface q;

		if (!ifindex) {
			json_object_put(j);
			return out_error(EXIT_FAILURE, "no interface named '%s'", argv[0]);
		}
		ll_iface_query(dir, ifindex, &q);
		if (!q.tc_ingress && !q.tc_egress) {
			json_object_put(j);
			return out_error(EXIT_FAILURE, "lifeline is not attached to %s", argv[0]);
		}
		ll_detach(dir, ifindex, err, sizeof(err));
		json_object_array_add(arr, json_object_new_string(argv[0]));
	}
	if (all) {
		struct ll_sock_link sl[64];
		int ns = ll_sockets_list(dir, sl, 64);

		for (int i = 0; i < ns; i++) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%.3900s/links/%.60s", dir, sl[i].name);
			unlink(path);
		}
	}
	/* The last attachment gone: remove the maps too, leaving no trace. */
	n = ll_iface_list(dir, ifs, 256);
	if (n == 0 && !access(dir, F_OK)) {
		char links[PATH_MAX];

		snprintf(links, sizeof(links), "%s/links", dir);
		ret = rmdir(links) && errno != ENOENT ? -errno : ll_maps_unpin(dir);
		json_object_object_add(j, "pins_removed", json_object_new_boolean(!ret));
	} else {
		json_object_object_add(j, "pins_removed", json_object_new_boolean(0));
	}
	out_emit(j, detach_human);
	return 0;
}

/* ---------------------------------------------------------------- flows and rules */

static void rec_of_flow(const struct ll_flow_key *k, struct ll_rule_rec *r)
{
	static const __u8 v4map[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(r, 0, sizeof(*r));
	r->kind = LL_RULE_FLOW;
	r->proto = k->proto;
	r->is_v4 = !memcmp(k->remote, v4map, 12);
	r->plen = r->is_v4 ? 32 : 128;
	r->nranges = 1;
	r->ranges[0].lo = r->ranges[0].hi = be16toh(k->remote_port);
	r->scheme = k->proto == IPPROTO_UDP ? LL_SCHEME_UDP : LL_SCHEME_TCP;
	memcpy(r->addr, k->remote, 16);
	memcpy(r->local, k->local, 16);
	r->local_port = be16toh(k->local_port);
}

static void reg_result_human(json_object *o)
{
	json_object *strict;

	printf("%s %s%s%s\n", js(o, "result"), js(o, "spec"),
	       json_object_object_get_ex(o, "strict", &strict) && json_object_get_boolean(strict) ?
	       " strict" : "", ji(o, "already") ? " (already registered)" : "");
}

static json_object *reg_result(const char *what, const struct ll_rule_rec *rec, int already)
{
	json_object *o = json_object_new_object();
	char buf[256];

	ll_spec_format(rec, buf, sizeof(buf));
	json_object_object_add(o, "result", json_object_new_string(what));
	json_object_object_add(o, "spec", json_object_new_string(buf));
	if (rec->name[0])
		json_object_object_add(o, "name", json_object_new_string(rec->name));
	json_object_object_add(o, "already", json_object_new_boolean(already));
	return o;
}

/* flow add|del cgroup:/PATH: sock_ops on that cgroup registers all its connections. */
static int cgroup_reg(int add, int argc, char **argv)
{
	const char *path = argv[0] + strlen("cgroup:");
	char cgdir[PATH_MAX], err[512];
	struct session s;
	json_object *o;
	int ret;

	if (argc != 1)
		return usage_error("flow %s cgroup:/PATH takes no options", add ? "add" : "del");
	if (path[0] != '/' || strstr(path, "/..") || strlen(path) > 200)
		return usage_error("cgroup:/PATH needs a path under the cgroup-v2 root, starting with /");
	snprintf(cgdir, sizeof(cgdir), "%s%s", ll_cgroup2_root(), strcmp(path, "/") ? path : "");
	if ((ret = session_open(&s, add)))
		return ret;
	ret = add ? ll_sockets_attach(s.m.dir, cgdir, 1, err, sizeof(err)) :
		    ll_sockets_detach(s.m.dir, cgdir, 1, err, sizeof(err));
	session_close(&s);
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string(add ? "registered" : "deleted"));
	json_object_object_add(o, "spec", json_object_new_string(argv[0]));
	json_object_object_add(o, "already", json_object_new_boolean(0));
	out_emit(o, reg_result_human);
	return 0;
}

static int reg_add(__u32 kind, int argc, char **argv)
{
	struct ll_rule_rec rec;
	struct ll_flow_key key;
	struct ll_reg_args a;
	struct ll_registry r;
	struct session s;
	char err[512];
	size_t dup = 0;
	__u32 flags = 0;
	int kindret, ret;

	if (ll_reg_args_parse(argc, argv, &a, kind == LL_RULE_ENDPOINT, err, sizeof(err)))
		return usage_error("%s", err);
	kindret = ll_reg_args_build(&a, kind, &rec, &key, err, sizeof(err));
	if (kindret < 0)
		return usage_error("%s", err);
	if ((ret = session_open(&s, 1)))
		return ret;
	if (kindret == 1) {
		flags = a.strict ? LL_FLOW_F_STRICT : 0;
		ret = ll_flows_add(&s.m, &key, 1, LL_ORIGIN_CLI, &flags, &dup, err, sizeof(err));
		if (!ret) {
			/* what the flow is now: a re-add without --strict keeps it strict */
			struct ll_flow_entry *e = ll_flowtab_find(&s.m.flows, &key);

			flags = e ? __atomic_load_n(&e->val.flags, __ATOMIC_ACQUIRE) : flags;
		}
		rec_of_flow(&key, &rec);
	} else {
		ret = ll_reg_read(&s.m, &r);
		if (ret)
			snprintf(err, sizeof(err), "cannot read the rules: %s", strerror(-ret));
		else
			ret = ll_reg_add(&s.m, &r, &rec, 1, &dup, err, sizeof(err));
		ll_reg_free(&r);
	}
	session_close(&s);
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	{
		json_object *o = reg_result("registered", &rec, dup > 0);

		if (kindret == 1)
			json_object_object_add(o, "strict", json_object_new_boolean(
				flags & LL_FLOW_F_STRICT));
		out_emit(o, reg_result_human);
	}
	return 0;
}

static int reg_del(__u32 kind, int argc, char **argv)
{
	struct ll_rule_rec rec = {};
	struct ll_flow_key key;
	struct ll_registry r;
	struct ll_reg_args a = {};
	struct session s;
	char err[512];
	int ret, id, isflow = 0;
	__u32 uid;

	if (argc == 1 && !strstr(argv[0], "://")) {
		if (argv[0][0] == '-')
			return usage_error("unexpected argument '%s'", argv[0]);
		a.name = argv[0];
	} else {
		if (ll_reg_args_parse(argc, argv, &a, kind == LL_RULE_ENDPOINT, err, sizeof(err)))
			return usage_error("%s", err);
		if (a.name)
			return usage_error("give a SPEC or a NAME, not both");
		isflow = ll_reg_args_build(&a, kind, &rec, &key, err, sizeof(err));
		if (isflow < 0)
			return usage_error("%s", err);
	}
	if ((ret = session_open(&s, 0)))
		return ret;
	if (isflow) {
		ret = ll_flows_del(&s.m, &key);
		session_close(&s);
		rec_of_flow(&key, &rec);
		if (ret == -ENOENT)
			return out_error(EXIT_FAILURE, "no such flow: %s --local %s", a.spec, a.local);
		if (ret)
			return out_error(EXIT_FAILURE, "cannot delete the flow: %s", strerror(-ret));
		out_emit(reg_result("deleted", &rec, 0), reg_result_human);
		return 0;
	}
	ret = ll_reg_read(&s.m, &r);
	if (ret) {
		session_close(&s);
		return out_error(EXIT_FAILURE, "cannot read the rules: %s", strerror(-ret));
	}
	id = a.name && !a.spec ? ll_reg_find(&r, NULL, a.name) : ll_reg_find(&r, &rec, NULL);
	if (id < 0 || r.recs[id].kind != kind) {
		ll_reg_free(&r);
		session_close(&s);
		return out_error(EXIT_FAILURE, "no such %s: %s (see 'lifeline %s list')",
				 kind == LL_RULE_ALLOW ? "allow rule" : "flow or rule",
				 a.spec ? a.spec : a.name, kind == LL_RULE_ALLOW ? "allow" : "flow");
	}
	rec = r.recs[id];
	uid = id;
	ret = ll_reg_del(&s.m, &r, &uid, 1, err, sizeof(err));
	ll_reg_free(&r);
	session_close(&s);
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	out_emit(reg_result("deleted", &rec, 0), reg_result_human);
	return 0;
}

static json_object *counter_json(__u64 packets, __u64 bytes)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "packets", json_object_new_int64(packets));
	json_object_object_add(o, "bytes", json_object_new_int64(bytes));
	return o;
}

static json_object *sock_links_json(const char *dir)
{
	struct ll_sock_link links[64];
	json_object *arr = json_object_new_array();
	int n = ll_sockets_list(dir, links, 64);

	for (int i = 0; i < n; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "scope", json_object_new_string(links[i].all ? "cgroup" :
									  "endpoints"));
		json_object_object_add(e, "cgroup", json_object_new_string(links[i].all ?
									   links[i].path : "(root)"));
		json_object_object_add(e, "cgroup_id", json_object_new_int64(links[i].cgroup_id));
		json_object_array_add(arr, e);
	}
	return arr;
}

/* The PACKETS and BYTES cells of a flow or rule row, from its JSON. */
static void hit_cells(json_object *e, char pk[32], char by[32])
{
	snprintf(pk, 32, "%lld", ji(e, "packets"));
	fmt_bytes(by, 32, ji(e, "bytes"));
}

static void list_human(json_object *o)
{
	json_object *rules, *flows, *cgs;
	struct table t;
	static const char *const hdr[] = { "ID", "KIND", "SPEC", "NAME", "ORIGIN", "PACKETS",
					   "BYTES" };

	table_init(&t, 7, (1u << 0) | (1u << 5) | (1u << 6), hdr);
	if (json_object_object_get_ex(o, "rules", &rules))
		for (size_t i = 0; i < json_object_array_length(rules); i++) {
			json_object *e = json_object_array_get_idx(rules, i);
			char id[16], pk[32], by[32];

			snprintf(id, sizeof(id), "%lld", ji(e, "id"));
			hit_cells(e, pk, by);
			char name[4 * LL_NAME_LEN];

			/* names are checked at input; escape what older versions let in */
			ll_text_escape(js(e, "name"), LL_NAME_LEN, name, sizeof(name));
			table_row(&t, id, js(e, "kind"), js(e, "spec"), name, "cli", pk, by);
		}
	if (json_object_object_get_ex(o, "flows", &flows))
		for (size_t i = 0; i < json_object_array_length(flows); i++) {
			json_object *e = json_object_array_get_idx(flows, i);
			char pk[32], by[32];

			hit_cells(e, pk, by);
			table_row(&t, "-", "flow", js(e, "spec"), "-", js(e, "origin"), pk, by);
		}
	if (json_object_object_get_ex(o, "cgroups", &cgs))
		for (size_t i = 0; i < json_object_array_length(cgs); i++) {
			json_object *e = json_object_array_get_idx(cgs, i);
			char spec[300];

			if (strcmp(js(e, "scope"), "cgroup"))
				continue;
			snprintf(spec, sizeof(spec), "cgroup:%s", js(e, "cgroup"));
			table_row(&t, "-", "cgroup", spec, "-", "cgroup", "-", "-");
		}
	if (t.nrows > 1)
		table_print(&t, stdout, "");
	else
		printf("nothing registered\n");
	table_free(&t);
}

/* The exact flows, as listed by flow list and stats --flows. */
static json_object *flows_json(struct ll_maps *m)
{
	struct ll_flow_key *keys = NULL;
	struct ll_flow_val *vals = NULL;
	json_object *flows = json_object_new_array();
	long n = ll_flows_dump(m, &keys, &vals);

	for (long i = 0; i < n; i++) {
		struct ll_rule_rec fr;
		json_object *e;
		char buf[256];

		rec_of_flow(&keys[i], &fr);
		ll_spec_format(&fr, buf, sizeof(buf));
		e = counter_json(vals[i].packets, vals[i].bytes);
		json_object_object_add(e, "spec", json_object_new_string(buf));
		json_object_object_add(e, "origin", json_object_new_string(
			vals[i].origin < LL_ORIGIN_MAX ? ll_origin_names[vals[i].origin] : "?"));
		json_object_object_add(e, "strict", json_object_new_boolean(
			vals[i].flags & LL_FLOW_F_STRICT));
		json_object_array_add(flows, e);
	}
	free(keys);
	free(vals);
	return flows;
}

/* One rule with its hit counters. */
static json_object *rule_json(const struct ll_maps *m, __u32 id, const struct ll_rule_rec *r)
{
	struct ll_counter c;
	json_object *e;
	char buf[256];

	ll_percpu_counter_sum(m->fd[LL_MAP_RULE_HITS], id, &c);
	ll_spec_format(r, buf, sizeof(buf));
	e = counter_json(c.packets, c.bytes);
	json_object_object_add(e, "id", json_object_new_int(id));
	json_object_object_add(e, "kind", json_object_new_string(
		r->kind == LL_RULE_ALLOW ? "allow" : "endpoint"));
	json_object_object_add(e, "spec", json_object_new_string(buf));
	json_object_object_add(e, "name", r->name[0] ? json_object_new_string(r->name) : NULL);
	return e;
}

static int reg_list(__u32 kind)
{
	json_object *j = json_object_new_object(), *rules = json_object_new_array();
	struct ll_registry r;
	struct session s;
	int ret;

	if ((ret = session_open(&s, 0))) {
		json_object_put(j);
		json_object_put(rules);
		return ret;
	}
	ret = ll_reg_read(&s.m, &r);
	if (ret) {
		session_close(&s);
		json_object_put(j);
		json_object_put(rules);
		return out_error(EXIT_FAILURE, "cannot read the rules: %s", strerror(-ret));
	}
	json_object_object_add(j, "rules", rules);
	for (__u32 i = 0; i < r.cap; i++)
		if (r.recs[i].kind == kind)
			json_object_array_add(rules, rule_json(&s.m, i, &r.recs[i]));
	ll_reg_free(&r);
	if (kind == LL_RULE_ENDPOINT) {
		json_object_object_add(j, "flows", flows_json(&s.m));
		json_object_object_add(j, "cgroups", sock_links_json(s.m.dir));
	}
	session_close(&s);
	out_emit(j, list_human);
	return 0;
}

static void load_human(json_object *o)
{
	printf("loaded %s: %lld rules and %lld flows added, %lld already registered\n",
	       js(o, "file"), ji(o, "rules_added"), ji(o, "flows_added"), ji(o, "already"));
}

/* longest line of a flow file: far above any spec, far below a runaway read */
#define FLOW_LINE_MAX 4096

/*
 * One line of a flow file into buf (FLOW_LINE_MAX + 1 bytes), bounded: a
 * NUL byte ends the line there (the parser reports it), so /dev/zero fails
 * at line 1 at once. Returns its length, 0 at the end, -E2BIG when longer
 * than FLOW_LINE_MAX, -EIO on a read error.
 */
static ssize_t flow_line_read(FILE *f, char *buf)
{
	size_t n = 0;
	int ch;

	while ((ch = getc(f)) != EOF) {
		if (n == FLOW_LINE_MAX)
			return -E2BIG;
		buf[n++] = (char)ch;
		if (ch == '\n' || ch == '\0')
			break;
	}
	if (ch == EOF && ferror(f))
		return -EIO;
	buf[n] = '\0';
	return (ssize_t)n;
}

/*
 * FILE of flow load: a regular file or a device (/dev/null; the reader is
 * bounded), opened without blocking on a FIFO, which is refused (a FIFO
 * with no writer would hang; - reads standard input).
 */
static FILE *flow_file_open(const char *file)
{
	struct stat st;
	int fd, fl;
	FILE *f;

	if (!strcmp(file, "-"))
		return stdin;
	fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) || !(f = fdopen(fd, "r"))) {
		close(fd);
		return NULL;
	}
	return f;
}

static int do_flow_load(int argc, char **argv)
{
	struct ll_rule_rec *recs = NULL;
	struct ll_flow_key *keys = NULL;
	__u32 *flags = NULL;
	ssize_t got;
	size_t nrecs = 0, nkeys = 0, cap = 0, lineno = 0, dup_r = 0, dup_f = 0;
	const char *file;
	char *line = malloc(FLOW_LINE_MAX + 1), err[512];
	struct ll_registry r, before;
	struct session s;
	FILE *f;
	int ret = 0;
	json_object *j;

	if (argc != 1)
		return usage_error("flow load takes one FILE, or - for standard input");
	file = argv[0];
	if (!line)
		return out_error(EXIT_FAILURE, "out of memory reading %s", file);
	f = flow_file_open(file);
	if (!f) {
		free(line);
		if (errno == EINVAL)
			return usage_error("%s: not a regular file (give a file, or - to "
					   "read standard input)", file);
		return out_error(EXIT_FAILURE, "cannot open %s: %s", file, strerror(errno));
	}
	/* Parse everything first: one bad line and nothing is applied. */
	while ((got = flow_line_read(f, line)) != 0) {
		int kind;

		lineno++;
		if (got == -E2BIG) {
			ret = usage_error("%s:%zu: line longer than %d characters; nothing was "
					  "loaded", file, lineno, FLOW_LINE_MAX);
			goto out;
		}
		if (got < 0)
			break;
		if (nrecs + nkeys + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			void *nr = realloc(recs, ncap * sizeof(*recs));
			void *nk = nr ? realloc(keys, ncap * sizeof(*keys)) : NULL;
			void *nf = nk ? realloc(flags, ncap * sizeof(*flags)) : NULL;

			if (nr)
				recs = nr;
			if (nk)
				keys = nk;
			if (!nf) {
				ret = out_error(EXIT_FAILURE, "out of memory reading %s", file);
				goto out;
			}
			flags = nf;
			cap = ncap;
		}
		kind = ll_flow_line_parse(line, (size_t)got, &recs[nrecs], &keys[nkeys],
					  &flags[nkeys], err, sizeof(err));
		if (kind < 0) {
			ret = usage_error("%s:%zu: %s; nothing was loaded", file, lineno, err);
			goto out;
		}
		if (kind == 1)
			nkeys++;
		else if (kind == 0)
			nrecs++;
	}
	if (ferror(f)) {
		ret = out_error(EXIT_FAILURE, "cannot read %s: %s", file, strerror(errno));
		goto out;
	}
	if ((ret = session_open(&s, 1)))
		goto out;
	ret = ll_reg_read(&s.m, &r);
	if (!ret)
		ret = ll_reg_read(&s.m, &before);
	if (ret) {
		session_close(&s);
		ret = out_error(EXIT_FAILURE, "cannot read the rules: %s", strerror(-ret));
		goto out;
	}
	ret = ll_reg_add(&s.m, &r, recs, nrecs, &dup_r, err, sizeof(err));
	if (!ret) {
		ret = ll_flows_add(&s.m, keys, nkeys, LL_ORIGIN_CLI, flags, &dup_f, err,
				   sizeof(err));
		if (ret) {
			/* undo the rules this load added */
			char ignore[256];
			__u32 *ids = malloc(r.cap * sizeof(*ids));
			size_t nid = 0;

			for (__u32 i = 0; ids && i < r.cap; i++)
				if (before.recs[i].kind == LL_RULE_FREE && r.recs[i].kind != LL_RULE_FREE)
					ids[nid++] = i;
			if (ids)
				ll_reg_del(&s.m, &r, ids, nid, ignore, sizeof(ignore));
			free(ids);
		}
	}
	ll_reg_free(&r);
	ll_reg_free(&before);
	session_close(&s);
	if (ret) {
		ret = out_error(EXIT_FAILURE, "%s", err);
		goto out;
	}
	j = json_object_new_object();
	json_object_object_add(j, "file", json_object_new_string(file));
	json_object_object_add(j, "rules_added", json_object_new_int64(nrecs - dup_r));
	json_object_object_add(j, "flows_added", json_object_new_int64(nkeys - dup_f));
	json_object_object_add(j, "already", json_object_new_int64(dup_r + dup_f));
	out_emit(j, load_human);
out:
	if (f != stdin)
		fclose(f);
	free(line);
	free(recs);
	free(keys);
	free(flags);
	return ret;
}

static int reg_cmd(__u32 kind, int argc, char **argv)
{
	const char *obj = kind == LL_RULE_ALLOW ? "allow" : "flow";

	if (!argc)
		return usage_error("%s needs a verb: add, del, list%s", obj,
				   kind == LL_RULE_ALLOW ? "" : ", load");
	if (kind == LL_RULE_ENDPOINT && argc > 1 && !strncmp(argv[1], "cgroup:", 7) &&
	    (!strcmp(argv[0], "add") || !strcmp(argv[0], "del")))
		return cgroup_reg(!strcmp(argv[0], "add"), argc - 1, argv + 1);
	if (!strcmp(argv[0], "add"))
		return reg_add(kind, argc - 1, argv + 1);
	if (!strcmp(argv[0], "del"))
		return argc < 2 ? usage_error("%s del needs a SPEC or a NAME", obj) :
				  reg_del(kind, argc - 1, argv + 1);
	if (!strcmp(argv[0], "list"))
		return argc > 1 ? usage_error("%s list takes no arguments", obj) : reg_list(kind);
	if (kind == LL_RULE_ENDPOINT && !strcmp(argv[0], "load"))
		return do_flow_load(argc - 1, argv + 1);
	return usage_error("unknown verb '%s' for %s", argv[0], obj);
}

static int do_flow(int argc, char **argv)
{
	return reg_cmd(LL_RULE_ENDPOINT, argc, argv);
}

static int do_allow(int argc, char **argv)
{
	return reg_cmd(LL_RULE_ALLOW, argc, argv);
}

/* ---------------------------------------------------------------- pressure */

static json_object *vote_json(const struct ll_vote *v, __u64 now, int active)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "level", json_object_new_string(
		v->level < LL_LEVEL_MAX ? ll_level_names[v->level] : "?"));
	json_object_object_add(o, "source", json_object_new_string(
		v->source < LL_SRC_MAX ? ll_source_names[v->source] : "?"));
	json_object_object_add(o, "active", json_object_new_boolean(active));
	if (v->expires_ns)
		json_object_object_add(o, "expires_in_s", json_object_new_double(
			((double)v->expires_ns - (double)now) / 1e9));
	else
		json_object_object_add(o, "expires_in_s", NULL);
	return o;
}

static json_object *pressure_json(const struct ll_state *st)
{
	json_object *o = json_object_new_object(), *votes = json_object_new_object();
	__u64 now = ll_now_ns();
	__u32 src;
	int expired;
	__u32 level = ll_level_of(st, now, &src, &expired);
	const struct ll_vote *win = src == LL_SRC_MANUAL ? &st->override :
				    st->kernel.level > st->daemon.level || expired ? &st->kernel :
										      &st->daemon;

	json_object_object_add(o, "level", json_object_new_string(ll_level_names[level]));
	json_object_object_add(o, "source", json_object_new_string(ll_source_names[src]));
	json_object_object_add(o, "since_s", level && win->since_ns ?
			       json_object_new_double(((double)now - (double)win->since_ns) / 1e9) : NULL);
	json_object_object_add(o, "lease_expired", json_object_new_boolean(expired));
	json_object_object_add(votes, "daemon", vote_json(&st->daemon, now,
							  ll_vote_live(&st->daemon, now)));
	json_object_object_add(votes, "override", vote_json(&st->override, now,
							    ll_override_in_effect(st, now)));
	json_object_object_add(votes, "kernel", vote_json(&st->kernel, now,
							  ll_vote_live(&st->kernel, now)));
	json_object_object_add(o, "votes", votes);
	json_object_object_add(o, "budget_rate_bytes_per_s", json_object_new_int64(st->budget_rate));
	json_object_object_add(o, "budget_burst_bytes", json_object_new_int64(st->budget_burst));
	json_object_object_add(o, "budget_pps", json_object_new_int64(st->budget_pps));
	json_object_object_add(o, "strict", json_object_new_boolean(st->strict));
	return o;
}

static void pressure_human_body(json_object *o, const char *indent)
{
	static const char *const names[] = { "daemon", "override", "kernel" };
	json_object *votes, *since;
	char buf[64];

	printf("%slevel:  %s", indent, js(o, "level"));
	if (strcmp(js(o, "level"), "none")) {
		printf(" (source %s", js(o, "source"));
		if (json_object_object_get_ex(o, "since_s", &since) && since) {
			fmt_duration(buf, sizeof(buf), json_object_get_double(since));
			printf(", for %s", buf);
		}
		printf(")");
	}
	printf("%s\n", ji(o, "lease_expired") ? "  [daemon lease EXPIRED: failing open]" : "");
	json_object_object_get_ex(o, "votes", &votes);
	for (int i = 0; i < 3; i++) {
		json_object *v, *exp;

		json_object_object_get_ex(votes, names[i], &v);
		printf("%s  %-9s %-9s %-13s", indent, names[i], js(v, "level"), js(v, "source"));
		if (json_object_object_get_ex(v, "expires_in_s", &exp) && exp) {
			double s = json_object_get_double(exp);

			fmt_duration(buf, sizeof(buf), s < 0 ? -s : s);
			printf("%s %s%s", s < 0 ? "expired" : "expires in", buf, s < 0 ? " ago" : "");
		} else if (ji(v, "active")) {
			printf("until cleared");
		}
		printf("%s\n", ji(v, "active") ? "" : "  (inactive)");
	}
	printf("%sstrict: %s\n", indent, ji(o, "strict") ?
	       "on (at critical, registered TCP for this host needs a local socket)" :
	       "off (per-flow --strict only)");
}

static void pressure_human(json_object *o)
{
	pressure_human_body(o, "");
}

static void override_clear(struct ll_state *st)
{
	st->override_active = 0;
	__atomic_store_n(&st->override.level, LL_LEVEL_NONE, __ATOMIC_RELEASE);
	st->generation++;
}

static void pressure_clear_human(json_object *o)
{
	json_object *arr;

	if (ji(o, "set_up"))
		pressure_human_body(o, "");
	else
		printf("no lifeline state at %s\n", js(o, "pin_path"));
	json_object_object_get_ex(o, "orphaned", &arr);
	if (arr && json_object_array_length(arr))
		printf("and the override of each orphan that could be read:\n");
	orphans_human(arr);
}

/*
 * Clears the override: this pin directory's, and that of every orphan in
 * this namespace (a manual override "until cleared" with no pin left is
 * still a vote that must be clearable). An orphan that cannot be opened
 * fails the command before anything is cleared; filters that could not be
 * read (no CAP_SYS_ADMIN) do not stop the rest, and fail it after.
 */
static int pressure_clear(void)
{
	struct ll_orphan orph[MAX_ORPHANS], unread[MAX_ORPHANS];
	struct ll_state *st[MAX_ORPHANS];
	int fd[MAX_ORPHANS], no, nu = 0, ret, pins;
	const char *dir;
	json_object *j, *arr;
	struct session s;
	char msg[512];

	if ((ret = pin_dir(&dir)))
		return ret;
	if (need_privileges())
		return EXIT_FAILURE;
	no = orphans_find(dir, orph);
	pins = pins_present(dir);
	if (!no || pins) {
		if ((ret = session_open(&s, 0)))
			return ret;
	}
	for (int i = 0; i < no; i++) {
		fd[i] = -1;
		st[i] = NULL;
		if (!orph[i].verified) {
			unread[nu++] = orph[i];
			continue;
		}
		if ((fd[i] = ll_state_open_id(orph[i].state_id, &st[i])) >= 0)
			continue;
		ret = fd[i];
		if (ret == -EPERM || ret == -EACCES)
			snprintf(msg, sizeof(msg), "cannot open the state of the orphaned lifeline "
				 "programs on %s: opening a map by id needs CAP_SYS_ADMIN; run this as "
				 "root with CAP_SYS_ADMIN, or remove them with 'lifeline detach %s'",
				 orph[i].name, orph[i].name);
		else
			snprintf(msg, sizeof(msg), "cannot open the state of the orphaned lifeline "
				 "programs on %s (map id %u): %s; remove them with 'lifeline detach %s'",
				 orph[i].name, orph[i].state_id,
				 ret == -EPROTO ? "another lifeline version made it" : strerror(-ret),
				 orph[i].name);
		for (int k = 0; k <= i; k++)
			ll_state_close(fd[k], st[k]);
		if (!no || pins)
			session_close(&s);
		return out_error(EXIT_FAILURE, "%s", msg);
	}
	if (pins) {
		override_clear(s.m.state);
		j = pressure_json(s.m.state);
		session_close(&s);
	} else {
		j = json_object_new_object();
		json_object_object_add(j, "pin_path", json_object_new_string(dir));
	}
	json_object_object_add(j, "set_up", json_object_new_boolean(pins));
	arr = json_object_new_array();
	for (int i = 0; i < no; i++) {
		if (st[i])
			override_clear(st[i]);
		ll_state_close(fd[i], st[i]);
		json_object_array_add(arr, orphan_json(&orph[i]));
	}
	json_object_object_add(j, "orphaned", arr);
	if (nu) {
		orphans_msg(unread, nu, dir, msg, sizeof(msg));
		return emit_failed(j, pressure_clear_human, msg);
	}
	out_emit(j, pressure_clear_human);
	return 0;
}

/* The level; with no state in the pin directory, that of the orphans if there are any. */
static int pressure_show(void)
{
	struct ll_orphan orph[MAX_ORPHANS];
	struct session s;
	const char *dir;
	json_object *j, *arr;
	char msg[512];
	int no, ret;

	if ((ret = pin_dir(&dir)))
		return ret;
	if (need_privileges())
		return EXIT_FAILURE;
	if (!pins_present(dir) && (no = orphans_find(dir, orph))) {
		j = json_object_new_object();
		json_object_object_add(j, "pin_path", json_object_new_string(dir));
		json_object_object_add(j, "set_up", json_object_new_boolean(0));
		arr = json_object_new_array();
		for (int i = 0; i < no; i++)
			json_object_array_add(arr, orphan_json(&orph[i]));
		json_object_object_add(j, "orphaned", arr);
		orphans_msg(orph, no, dir, msg, sizeof(msg));
		return emit_failed(j, status_orphans_human, msg);
	}
	if ((ret = session_open(&s, 0)))
		return ret;
	out_emit(pressure_json(s.m.state), pressure_human);
	session_close(&s);
	return 0;
}

static int do_pressure(int argc, char **argv)
{
	struct session s;
	char err[256];
	__u32 level;
	__u64 dur = 0;
	int dur_given = 0;
	int ret;

	if (!argc || !strcmp(argv[0], "show")) {
		if (argc > 1)
			return usage_error("pressure show takes no arguments");
		return pressure_show();
	}
	if (!strcmp(argv[0], "clear")) {
		if (argc > 1)
			return usage_error("pressure clear takes no arguments");
		return pressure_clear();
	}
	if (strcmp(argv[0], "set"))
		return usage_error("unknown verb '%s' for pressure: show, set, clear", argv[0]);
	if (argc < 2)
		return usage_error("pressure set needs a level: none, elevated or critical");
	if (ll_level_parse(argv[1], &level, err, sizeof(err)))
		return usage_error("%s", err);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--for") && i + 1 < argc) {
			if (dur_given++)
				return usage_error("--for given twice");
			if (ll_duration_parse(argv[++i], &dur, err, sizeof(err)))
				return usage_error("%s", err);
		} else {
			return usage_error("unexpected argument '%s' (pressure set LEVEL [--for DURATION])",
					   argv[i]);
		}
	}
	if ((ret = session_open(&s, 1)))
		return ret;
	{
		struct ll_state *st = s.m.state;
		__u64 now = ll_now_ns();

		/* Deactivate, rewrite, reactivate: the datapath never sees a mixed override. */
		__atomic_store_n(&st->override_active, 0, __ATOMIC_RELEASE);
		st->override.level = level;
		st->override.source = LL_SRC_MANUAL;
		st->override.since_ns = now;
		/* dur is at most LL_DURATION_MAX_NS (365d): now + dur cannot wrap */
		st->override.expires_ns = dur ? now + dur : 0;
		__atomic_store_n(&st->override_active, 1, __ATOMIC_RELEASE);
		st->generation++;
	}
	out_emit(pressure_json(s.m.state), pressure_human);
	session_close(&s);
	return 0;
}

/* ---------------------------------------------------------------- status and stats */

static void sum_counters(const struct ll_maps *m, struct ll_counter *out /* [hook][reason] */)
{
	for (__u32 h = 0; h < LL_HOOK_MAX; h++)
		for (__u32 r = 0; r < LL_REASON_MAX; r++)
			ll_percpu_counter_sum(m->fd[LL_MAP_COUNTERS], LL_COUNTER_IDX(h, r),
					      &out[LL_COUNTER_IDX(h, r)]);
}

static void status_human(json_object *o)
{
	json_object *ifs, *pr, *cnt;
	struct table t;
	static const char *const hdr[] = { "INTERFACE", "XDP", "PROG", "TC" };
	static const char *const chdr[] = { "REASON", "PACKETS", "BYTES" };

	printf("pin path: %s\n", js(o, "pin_path"));
	json_object_object_get_ex(o, "interfaces", &ifs);
	table_init(&t, 4, 0, hdr);
	for (size_t i = 0; i < json_object_array_length(ifs); i++) {
		json_object *e = json_object_array_get_idx(ifs, i);
		char id[16];

		if (ji(e, "xdp_prog_id"))
			snprintf(id, sizeof(id), "%lld", ji(e, "xdp_prog_id"));
		else
			snprintf(id, sizeof(id), "-");
		table_row(&t, js(e, "interface"), js(e, "xdp_mode"), id,
			  !strcmp(js(e, "policy_hook"), "tc_ingress") ?
				(ji(e, "tc_egress") ? "policy+egress" : "policy") :
			  ji(e, "tc_ingress") && ji(e, "tc_egress") ? "ingress+egress" :
			  ji(e, "tc_ingress") ? "ingress" : ji(e, "tc_egress") ? "egress" : "none");
	}
	if (t.nrows > 1)
		table_print(&t, stdout, "  ");
	else
		printf("  not attached to any interface\n");
	table_free(&t);
	json_object_object_get_ex(o, "pressure", &pr);
	pressure_human_body(pr, "");
	printf("registered: %lld endpoint rules, %lld allow rules, %lld flows (capacity %lld flows, "
	       "%lld rules)\n", ji(o, "rules"), ji(o, "allow_rules"), ji(o, "flows"),
	       ji(o, "flow_capacity"), ji(o, "rule_capacity"));
	json_object_object_get_ex(o, "counters", &cnt);
	table_init(&t, 3, 6, chdr);
	json_object_object_foreach(cnt, key, val) {
		char pk[32], by[32];

		if (!ji(val, "packets"))
			continue;
		snprintf(pk, sizeof(pk), "%lld", ji(val, "packets"));
		fmt_bytes(by, sizeof(by), ji(val, "bytes"));
		table_row(&t, key, pk, by);
	}
	if (t.nrows > 1)
		table_print(&t, stdout, "  ");
	else
		printf("  no packets counted (at level none the fast path counts nothing)\n");
	table_free(&t);
	json_object_object_get_ex(o, "orphaned", &cnt);
	orphans_human(cnt);
}

static int do_status(int argc, char **argv)
{
	struct ll_counter c[LL_COUNTER_SLOTS];
	struct ll_orphan orph[MAX_ORPHANS];
	struct ll_iface ifs[256];
	json_object *j, *arr, *cnt, *oarr;
	struct ll_registry r;
	struct session s;
	int n, no, ret, nrules = 0, nallow = 0;
	const char *dir;
	char msg[512];
	long nflows;

	(void)argv;
	if (argc)
		return usage_error("status takes no arguments");
	if ((ret = pin_dir(&dir)))
		return ret;
	if (need_privileges())
		return EXIT_FAILURE;
	no = orphans_find(dir, orph);
	oarr = json_object_new_array();
	for (int i = 0; i < no; i++)
		json_object_array_add(oarr, orphan_json(&orph[i]));
	if (no && !pins_present(dir)) {
		j = json_object_new_object();
		json_object_object_add(j, "pin_path", json_object_new_string(dir));
		json_object_object_add(j, "set_up", json_object_new_boolean(0));
		json_object_object_add(j, "interfaces", json_object_new_array());
		json_object_object_add(j, "orphaned", oarr);
		orphans_msg(orph, no, dir, msg, sizeof(msg));
		return emit_failed(j, status_orphans_human, msg);
	}
	if ((ret = session_open(&s, 0))) {
		json_object_put(oarr);
		return ret;
	}
	j = json_object_new_object();
	json_object_object_add(j, "pin_path", json_object_new_string(s.m.dir));
	json_object_object_add(j, "set_up", json_object_new_boolean(1));
	arr = json_object_new_array();
	n = ll_iface_list(s.m.dir, ifs, 256);
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, iface_json(&ifs[i]));
	json_object_object_add(j, "interfaces", arr);
	json_object_object_add(j, "pressure", pressure_json(s.m.state));
	if (!ll_reg_read(&s.m, &r)) {
		for (__u32 i = 0; i < r.cap; i++) {
			nrules += r.recs[i].kind == LL_RULE_ENDPOINT;
			nallow += r.recs[i].kind == LL_RULE_ALLOW;
		}
		ll_reg_free(&r);
	}
	nflows = ll_flows_dump(&s.m, NULL, NULL);
	json_object_object_add(j, "rules", json_object_new_int(nrules));
	json_object_object_add(j, "allow_rules", json_object_new_int(nallow));
	json_object_object_add(j, "flows", json_object_new_int64(nflows));
	json_object_object_add(j, "flow_capacity", json_object_new_int64(
		ll_flows_max(&s.m)));
	json_object_object_add(j, "rule_capacity", json_object_new_int64(
		ll_map_capacity(s.m.fd[LL_MAP_RULES])));
	sum_counters(&s.m, c);
	cnt = json_object_new_object();
	for (__u32 rr = 0; rr < LL_REASON_MAX; rr++) {
		__u64 p = 0, b = 0;

		for (__u32 h = 0; h < LL_HOOK_MAX; h++) {
			p += c[LL_COUNTER_IDX(h, rr)].packets;
			b += c[LL_COUNTER_IDX(h, rr)].bytes;
		}
		json_object_object_add(cnt, ll_reason_names[rr], counter_json(p, b));
	}
	json_object_object_add(j, "counters", cnt);
	json_object_object_add(j, "orphaned", oarr);
	session_close(&s);
	if (no) {
		orphans_msg(orph, no, dir, msg, sizeof(msg));
		return emit_failed(j, status_human, msg);
	}
	out_emit(j, status_human);
	return 0;
}

static void stats_human(json_object *o)
{
	json_object *hooks, *rules, *flows, *budget;
	int rates = json_object_object_get_ex(o, "interval_s", NULL);
	static const char *const hdr[] = { "HOOK", "REASON", "PACKETS", "BYTES", "PPS", "RATE" };
	struct table t;

	table_init(&t, rates ? 6 : 4, (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5), hdr);
	json_object_object_get_ex(o, "hooks", &hooks);
	json_object_object_foreach(hooks, hook, reasons) {
		json_object_object_foreach(reasons, reason, v) {
			char pk[32], by[32], pps[32], bps[32];
			json_object *x;

			if (!ji(v, "packets"))
				continue;
			snprintf(pk, sizeof(pk), "%lld", ji(v, "packets"));
			fmt_bytes(by, sizeof(by), ji(v, "bytes"));
			if (rates) {
				json_object_object_get_ex(v, "pps", &x);
				fmt_rate(pps, sizeof(pps), json_object_get_double(x), "packets");
				json_object_object_get_ex(v, "bytes_per_s", &x);
				fmt_rate(bps, sizeof(bps), json_object_get_double(x), "bytes");
			}
			table_row(&t, hook, reason, pk, by, pps, bps);
		}
	}
	if (t.nrows > 1)
		table_print(&t, stdout, "");
	else
		printf("no packets counted\n");
	table_free(&t);
	if (json_object_object_get_ex(o, "budget", &budget) && ji(budget, "admitted_bytes")) {
		char adm[32], rate[32] = "";
		json_object *x;

		fmt_bytes(adm, sizeof(adm), ji(budget, "admitted_bytes"));
		if (json_object_object_get_ex(budget, "admitted_bytes_per_s", &x))
			fmt_rate(rate, sizeof(rate), json_object_get_double(x), "bytes");
		printf("elevated: %s of memory admitted to unregistered traffic%s%s", adm,
		       *rate ? ", now " : "", rate);
		if (ji(budget, "charged_bytes") != ji(budget, "admitted_bytes")) {
			fmt_bytes(adm, sizeof(adm), ji(budget, "charged_bytes"));
			printf(" (charged %s against the budget: at least rate / pps a packet)", adm);
		}
		printf("\n");
	}
	if (json_object_object_get_ex(o, "rules", &rules) && json_object_array_length(rules)) {
		static const char *const rh[] = { "RULE", "SPEC", "PACKETS", "BYTES" };

		table_init(&t, 4, (1u << 0) | (1u << 2) | (1u << 3), rh);
		for (size_t i = 0; i < json_object_array_length(rules); i++) {
			json_object *e = json_object_array_get_idx(rules, i);
			char id[16], pk[32], by[32];

			snprintf(id, sizeof(id), "%lld", ji(e, "id"));
			hit_cells(e, pk, by);
			table_row(&t, id, js(e, "spec"), pk, by);
		}
		table_print(&t, stdout, "");
		table_free(&t);
	}
	if (json_object_object_get_ex(o, "flows", &flows) && json_object_array_length(flows)) {
		static const char *const fh[] = { "FLOW", "ORIGIN", "PACKETS", "BYTES" };

		table_init(&t, 4, (1u << 2) | (1u << 3), fh);
		for (size_t i = 0; i < json_object_array_length(flows); i++) {
			json_object *e = json_object_array_get_idx(flows, i);
			char pk[32], by[32];

			hit_cells(e, pk, by);
			table_row(&t, js(e, "spec"), js(e, "origin"), pk, by);
		}
		table_print(&t, stdout, "");
		table_free(&t);
	}
}

/* The memory admitted at elevated and the charges at the last sample, for the rates. */
static __u64 stats_admitted_prev, stats_charged_prev;

static json_object *stats_json(struct session *s, const struct ll_counter *prev, double interval,
			       struct ll_counter *now_out, int with_flows)
{
	json_object *j = json_object_new_object(), *hooks = json_object_new_object();
	json_object *rules = json_object_new_array(), *budget = json_object_new_object();
	struct ll_registry r;
	__u64 admitted = 0, charged = 0;

	sum_counters(&s->m, now_out);
	for (__u32 h = 0; h < LL_HOOK_MAX; h++) {
		json_object *reasons = json_object_new_object();

		for (__u32 rr = 0; rr < LL_REASON_MAX; rr++) {
			const struct ll_counter *c = &now_out[LL_COUNTER_IDX(h, rr)];
			json_object *e = counter_json(c->packets, c->bytes);

			if (prev && interval > 0) {
				const struct ll_counter *p = &prev[LL_COUNTER_IDX(h, rr)];

				json_object_object_add(e, "pps", json_object_new_double(
					(c->packets - p->packets) / interval));
				json_object_object_add(e, "bytes_per_s", json_object_new_double(
					(c->bytes - p->bytes) / interval));
			}
			json_object_object_add(reasons, ll_reason_names[rr], e);
		}
		json_object_object_add(hooks, ll_hook_names[h], reasons);
	}
	json_object_object_add(j, "hooks", hooks);
	/*
	 * elevated: the memory the unregistered packets it passed hold
	 * (admitted), and what the budget charged them (charged: the same
	 * but for a packet rate cap, which charges at least rate / pps)
	 */
	ll_budget_admitted(&s->m, &charged, &admitted);
	json_object_object_add(budget, "admitted_bytes", json_object_new_int64(admitted));
	json_object_object_add(budget, "charged_bytes", json_object_new_int64(charged));
	if (prev && interval > 0) {
		json_object_object_add(budget, "admitted_bytes_per_s", json_object_new_double(
			(admitted - stats_admitted_prev) / interval));
		json_object_object_add(budget, "charged_bytes_per_s", json_object_new_double(
			(charged - stats_charged_prev) / interval));
	}
	stats_admitted_prev = admitted;
	stats_charged_prev = charged;
	json_object_object_add(j, "budget", budget);
	if (prev)
		json_object_object_add(j, "interval_s", json_object_new_double(interval));
	if (!ll_reg_read(&s->m, &r)) {
		for (__u32 i = 0; i < r.cap; i++)
			if (r.recs[i].kind != LL_RULE_FREE)
				json_object_array_add(rules, rule_json(&s->m, i, &r.recs[i]));
		ll_reg_free(&r);
	}
	json_object_object_add(j, "rules", rules);
	if (with_flows)
		json_object_object_add(j, "flows", flows_json(&s->m));
	return j;
}

static int do_stats(int argc, char **argv)
{
	struct ll_counter prev[LL_COUNTER_SLOTS], cur[LL_COUNTER_SLOTS];
	__u32 interval = 0, count = 1;
	int with_flows = 0, ret;
	struct session s;
	char err[256];

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
			if (ll_u32_parse(argv[++i], 1, 3600, &interval, "--interval", err, sizeof(err)))
				return usage_error("%s", err);
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			if (ll_u32_parse(argv[++i], 1, 1000000, &count, "--count", err, sizeof(err)))
				return usage_error("%s", err);
		} else if (!strcmp(argv[i], "--flows")) {
			with_flows = 1;
		} else {
			return usage_error("unexpected argument '%s' (stats [--interval SECONDS] "
					   "[--count N] [--flows])", argv[i]);
		}
	}
	if ((ret = session_open(&s, 0)))
		return ret;
	/* Reading needs no lock: let writers proceed while we sample. */
	if (s.lock_fd >= 0)
		flock(s.lock_fd, LOCK_UN);
	if (!interval) {
		out_emit(stats_json(&s, NULL, 0, cur, with_flows), stats_human);
		session_close(&s);
		return 0;
	}
	sum_counters(&s.m, prev);
	ll_budget_admitted(&s.m, &stats_charged_prev, &stats_admitted_prev);
	for (__u32 k = 0; k < count; k++) {
		__u64 t0 = ll_now_ns();

		sleep(interval);
		out_emit(stats_json(&s, prev, (ll_now_ns() - t0) / 1e9, cur, with_flows), stats_human);
		memcpy(prev, cur, sizeof(prev));
	}
	session_close(&s);
	return 0;
}

/* ---------------------------------------------------------------- sockets, strict */

static void sockets_human(json_object *o)
{
	json_object *arr, *added;

	if (json_object_object_get_ex(o, "added", &added))
		printf("registered %lld existing connections (%lld to endpoints, %lld kernel memalloc "
		       "sockets)\n", ji(added, "sock_ops") + ji(added, "kernel"),
		       ji(added, "sock_ops"), ji(added, "kernel"));
	if (json_object_object_get_ex(o, "links", &arr))
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *e = json_object_array_get_idx(arr, i);

			printf("sock_ops on %s: %s\n", js(e, "cgroup"),
			       strcmp(js(e, "scope"), "cgroup") ? "connections to registered endpoints" :
								  "every connection of the cgroup");
		}
}

static int do_sockets(int argc, char **argv)
{
	const char *verb = argc ? argv[0] : "list", *cgdir = NULL;
	__u32 added[LL_ORIGIN_MAX];
	char err[512];
	struct session s;
	json_object *o;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cgroup") && i + 1 < argc &&
		    (!strcmp(verb, "attach") || !strcmp(verb, "detach")))
			cgdir = argv[++i];
		else
			return usage_error("unexpected argument '%s' to sockets %s", argv[i], verb);
	}
	if (strcmp(verb, "attach") && strcmp(verb, "detach") && strcmp(verb, "scan") &&
	    strcmp(verb, "list"))
		return usage_error("unknown verb '%s' for sockets: attach, detach, scan, list", verb);
	if (!cgdir)
		cgdir = ll_cgroup2_root();
	if ((ret = session_open(&s, strcmp(verb, "detach") && strcmp(verb, "list"))))
		return ret;
	ret = 0;
	if (!strcmp(verb, "attach"))
		ret = ll_sockets_attach(s.m.dir, cgdir, 0, err, sizeof(err));
	else if (!strcmp(verb, "detach"))
		ret = ll_sockets_detach(s.m.dir, cgdir, 0, err, sizeof(err));
	o = json_object_new_object();
	if (!ret && (!strcmp(verb, "attach") || !strcmp(verb, "scan"))) {
		json_object *a = json_object_new_object();

		ret = ll_sockets_scan(s.m.dir, added, err, sizeof(err));
		json_object_object_add(a, "sock_ops", json_object_new_int(added[LL_ORIGIN_SOCKOPS]));
		json_object_object_add(a, "kernel", json_object_new_int(added[LL_ORIGIN_KERNEL]));
		json_object_object_add(o, "added", a);
	}
	json_object_object_add(o, "links", sock_links_json(s.m.dir));
	session_close(&s);
	if (ret) {
		json_object_put(o);
		return out_error(EXIT_FAILURE, "%s", err);
	}
	out_emit(o, sockets_human);
	return 0;
}

static void tune_human(json_object *o)
{
	char r[32], b[32];

	fmt_rate(r, sizeof(r), ji(o, "budget_rate_bytes_per_s"), "bytes");
	fmt_bytes(b, sizeof(b), ji(o, "budget_burst_bytes"));
	printf("priority %lld, mark 0x%llx, rcvbuf floor %lld, sndbuf floor %lld, elevated budget "
	       "%s of memory (pool %s, whole host", ji(o, "priority"), ji(o, "mark"), ji(o, "rcvbuf"),
	       ji(o, "sndbuf"), r, b);
	if (ji(o, "budget_pps"))
		printf(", at most %lld packets/s", ji(o, "budget_pps"));
	printf(")\n");
}

static int do_tune(int argc, char **argv)
{
	static const char *const names[] = { "--priority", "--mark", "--rcvbuf", "--sndbuf",
					     "--budget-rate", "--budget-burst", "--budget-pps" };
	static const char *const keys[] = { "rate", "burst", "pps" };
	__u32 vals[7];
	__u64 budget[3];
	int set[7] = {}, ret;
	struct session s;
	char err[256];
	json_object *o;

	for (int i = 0; i < argc; i++) {
		int k = -1;

		for (int n = 0; n < 7; n++)
			if (!strcmp(argv[i], names[n]))
				k = n;
		if (k < 0 || i + 1 == argc)
			return usage_error("unexpected argument '%s' to tune", argv[i]);
		/* the budget: one validator, the [budget] keys' (bounds, size suffixes) */
		if (k >= 4) {
			if (ll_config_parse_value("budget", keys[k - 4], argv[++i], &budget[k - 4],
						  sizeof(budget[k - 4]), err, sizeof(err)))
				return usage_error("%s %s", names[k], err);
		} else if (ll_u32_parse(argv[++i], 0, k == 0 ? 0xffff : 0xffffffffU, &vals[k],
					names[k], err, sizeof(err))) {
			return usage_error("%s", err);
		}
		set[k] = 1;
	}
	if ((ret = session_open(&s, 1)))
		return ret;
	if (set[0])
		s.m.state->egress_priority = vals[0];
	if (set[1])
		s.m.state->egress_mark = vals[1];
	if (set[2])
		s.m.state->sock_rcvbuf = vals[2];
	if (set[3])
		s.m.state->sock_sndbuf = vals[3];
	if (set[4])
		s.m.state->budget_rate = budget[0];
	if (set[5])
		s.m.state->budget_burst = budget[1];
	if (set[6])
		s.m.state->budget_pps = budget[2];
	s.m.state->generation++;
	o = json_object_new_object();
	json_object_object_add(o, "priority", json_object_new_int64(s.m.state->egress_priority));
	json_object_object_add(o, "mark", json_object_new_int64(s.m.state->egress_mark));
	json_object_object_add(o, "rcvbuf", json_object_new_int64(s.m.state->sock_rcvbuf));
	json_object_object_add(o, "sndbuf", json_object_new_int64(s.m.state->sock_sndbuf));
	json_object_object_add(o, "budget_rate_bytes_per_s", json_object_new_int64(s.m.state->budget_rate));
	json_object_object_add(o, "budget_burst_bytes", json_object_new_int64(s.m.state->budget_burst));
	json_object_object_add(o, "budget_pps", json_object_new_int64(s.m.state->budget_pps));
	session_close(&s);
	out_emit(o, tune_human);
	return 0;
}

static void strict_human(json_object *o)
{
	printf("strict mode: %s\n", ji(o, "strict") ? "on (at critical, registered TCP packets "
	       "for this host need a local socket; forwarded ones are not checked)" :
	       "off (per-flow --strict only)");
}

static int do_strict(int argc, char **argv)
{
	struct session s;
	json_object *o;
	int ret, set = -1;

	if (argc == 1 && !strcmp(argv[0], "on"))
		set = 1;
	else if (argc == 1 && !strcmp(argv[0], "off"))
		set = 0;
	else if (argc > 1 || (argc == 1 && strcmp(argv[0], "show")))
		return usage_error("strict takes on, off or show");
	if ((ret = session_open(&s, set >= 0)))
		return ret;
	if (set >= 0) {
		s.m.state->strict = set;
		s.m.state->generation++;
	}
	o = json_object_new_object();
	json_object_object_add(o, "strict", json_object_new_boolean(s.m.state->strict));
	session_close(&s);
	out_emit(o, strict_human);
	return 0;
}

/* ---------------------------------------------------------------- monitor, metrics */

/* A daemon that says no hello in this time hangs (or is not lifelined). */
#define MONITOR_HELLO_MS 5000

/*
 * Prints one event line; notes the daemon's pid (hello), whether it said
 * it stops, and the silence after which it hangs (hello and heartbeats:
 * the longer of 3 heartbeats and the lease; unknown = wait forever).
 * Heartbeats are not printed and not counted: returns 0 for them.
 */
static int monitor_line(const char *line, long long *pid, int *stopped, long long *quiet_ms)
{
	json_object *o = json_tokener_parse(line);
	const char *ev = o ? js(o, "event") : "";

	if (!strcmp(ev, "hello") || !strcmp(ev, "heartbeat")) {
		long long hb = ji(o, "heartbeat_ms"), lease = ji(o, "lease_ms");

		*quiet_ms = hb > 0 ? (3 * hb > lease ? 3 * hb : lease) : -1;
	}
	if (!strcmp(ev, "heartbeat")) {
		json_object_put(o);
		return 0;
	}
	if (!strcmp(ev, "hello"))
		*pid = ji(o, "pid");
	else if (!strcmp(ev, "stop"))
		*stopped = 1;
	if (ll_out.json || !o) {
		puts(line);
	} else {
		if (!strcmp(ev, "hello"))
			printf("connected to lifelined (pid %lld): level %s, source %s\n", ji(o, "pid"),
			       js(o, "level"), js(o, "source"));
		else if (!strcmp(ev, "level"))
			printf("%s  level %s -> %s  source %s  %s\n", js(o, "time"), js(o, "previous"),
			       js(o, "level"), js(o, "source"), js(o, "reason"));
		else
			printf("%s  %s  level %s  source %s%s\n", js(o, "time"), ev, js(o, "level"),
			       js(o, "source"), !strcmp(ev, "pfmemalloc") ? "  (reserve-backed skb "
			       "of unregistered traffic dropped)" : "");
	}
	fflush(stdout);
	json_object_put(o);
	return 1;
}

/*
 * The stream ended before --count: say why, and fail. A daemon that is
 * still there accepts a new connection (it dropped us as too slow); a
 * killed one left its socket file with nobody listening.
 */
static int monitor_end(const struct sockaddr_un *sa, long long pid, int stopped, int rerr)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char hello[16];
	int alive = 0;

	/* a dying daemon may still hold its listening socket: alive means it says hello */
	if (fd >= 0 && !setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) &&
	    !connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		alive = recv(fd, hello, sizeof(hello), MSG_WAITALL) == (ssize_t)sizeof(hello) &&
			!memcmp(hello, "{\"event\":\"hello\"", sizeof(hello));
	if (fd >= 0)
		close(fd);
	if (stopped)
		return out_error(EXIT_FAILURE, "lifelined (pid %lld) stopped: no more events",
				 pid);
	if (alive)
		return out_error(EXIT_FAILURE, "lifelined (pid %lld) closed this monitor's stream%s%s"
				 " (a client that does not keep up is dropped); run monitor again",
				 pid, rerr ? ": " : "", rerr ? strerror(rerr) : "");
	return out_error(EXIT_FAILURE, "lifelined (pid %lld) went away without stopping (killed "
			 "or crashed): no more events; its vote lapses when its lease runs out",
			 pid);
}

static int do_monitor(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval ctv = { .tv_sec = MONITOR_HELLO_MS / 1000 };
	const char *sd = LL_STATE_DIR_DEFAULT;
	char buf[8192], err[256];
	__u32 count = 0, seen = 0;
	long long pid = 0, quiet_ms = MONITOR_HELLO_MS;
	int stopped = 0, rerr;
	__u64 last_rx;
	size_t have = 0;
	ssize_t n;
	int fd;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--state-dir") && i + 1 < argc)
			sd = argv[++i];
		else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			if (ll_u32_parse(argv[++i], 1, 1000000, &count, "--count", err, sizeof(err)))
				return usage_error("%s", err);
		} else
			return usage_error("unexpected argument '%s' to monitor", argv[i]);
	}
	/* No capability needed: the socket's mode says who may follow (root, or [daemon] group). */
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", sd, LL_EVENTS_SOCK) >=
	    (int)sizeof(sa.sun_path))
		return usage_error("--state-dir is too long");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* a hung daemon's full backlog would block connect: bounded too */
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &ctv, sizeof(ctv));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		if (e == EACCES)
			return out_error(EXIT_FAILURE, "permission denied: %s is for root and the group "
					 "set as [daemon] group in lifeline.conf", sa.sun_path);
		if (e == EAGAIN || e == EWOULDBLOCK)
			return out_error(EXIT_FAILURE, "lifelined at %s does not accept connections "
					 "(hung?); the datapath fails open when its lease ends",
					 sa.sun_path);
		return out_error(EXIT_FAILURE, "cannot connect to %s: %s (is lifelined running?)",
				 sa.sun_path, strerror(e));
	}
	/*
	 * The daemon is the ring buffer's only reader; we read its stream, line
	 * by line. Silence longer than quiet_ms (no hello, or no heartbeat
	 * for the lease) is a hung daemon: say so and fail.
	 */
	last_rx = ll_now_ns();
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char *start = buf, *nl;
		long long left = -1;
		int r;

		if (quiet_ms >= 0) {
			left = quiet_ms - (long long)((ll_now_ns() - last_rx) / 1000000ULL);
			if (left < 0)
				left = 0;
		}
		r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			unsigned long long q = (ll_now_ns() - last_rx + 500000000ULL) / 1000000000ULL;

			close(fd);
			if (!pid)
				return out_error(EXIT_FAILURE, "lifelined at %s said nothing for %llu s "
						 "(hung?); the datapath fails open when its lease "
						 "ends", sa.sun_path, q);
			return out_error(EXIT_FAILURE, "lifelined (pid %lld) stopped responding for "
					 "%llu s; the datapath fails open when its lease ends",
					 pid, q);
		}
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		last_rx = ll_now_ns();
		have += n;
		buf[have] = '\0';
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			r = monitor_line(start, &pid, &stopped, &quiet_ms);
			start = nl + 1;
			if (r && count && ++seen >= count) {
				close(fd);
				return 0;
			}
		}
		have -= start - buf;
		memmove(buf, start, have);
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line longer than the buffer: drop it */
	}
	rerr = n < 0 ? errno : 0;
	close(fd);
	return monitor_end(&sa, pid, stopped, rerr);
}

static int do_metrics(int argc, char **argv)
{
	struct session s;
	int ret;

	(void)argv;
	if (argc)
		return usage_error("metrics takes no arguments");
	if ((ret = session_open(&s, 0)))
		return ret;
	flock(s.lock_fd, LOCK_UN);
	ret = ll_metrics_write(stdout, &s.m);
	session_close(&s);
	if (ret)
		return out_error(EXIT_FAILURE, "cannot read the metrics: %s", strerror(-ret));
	return 0;
}

/* ---------------------------------------------------------------- reserve */

static void reserve_human(json_object *o)
{
	json_object *arr;
	struct table t;
	static const char *const hdr[] = { "SYSCTL", "CURRENT", "ORIGINAL", "CHANGED" };

	json_object_object_get_ex(o, "sysctls", &arr);
	table_init(&t, 4, 0, hdr);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);

		table_row(&t, js(e, "name"), js(e, "current"), js(e, "original"),
			  ji(e, "changed") ? "yes" : "no");
	}
	table_print(&t, stdout, "");
	table_free(&t);
	if (!ji(o, "recorded"))
		printf("lifeline has changed nothing (no state file in %s)\n", js(o, "state_dir"));
}

static json_object *reserve_json(const struct ll_reserve_cfg *c, const struct ll_reserve_state *st)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();

	json_object_object_add(o, "state_dir", json_object_new_string(c->state_dir));
	json_object_object_add(o, "recorded", json_object_new_boolean(st->recorded));
	for (int i = 0; i < LL_SYSCTL_MAX; i++) {
		json_object *e = json_object_new_object();
		int changed = st->recorded && st->original[i][0] &&
			      strcmp(st->original[i], st->current[i]);

		json_object_object_add(e, "name", json_object_new_string(ll_sysctl_names[i]));
		json_object_object_add(e, "current", json_object_new_string(st->current[i]));
		json_object_object_add(e, "original", st->recorded && st->original[i][0] ?
				       json_object_new_string(st->original[i]) : NULL);
		json_object_object_add(e, "changed", json_object_new_boolean(changed));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "sysctls", arr);
	return o;
}

static int do_reserve(int argc, char **argv)
{
	struct ll_reserve_cfg c = { .state_dir = LL_STATE_DIR_DEFAULT, .proc_root = "" };
	struct ll_reserve_state st;
	const char *verb = argc ? argv[0] : "show";
	char err[512];
	__u32 v;
	int ret, have_kb = 0;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (i + 1 == argc)
			return usage_error("%s needs a value", o);
		if (!strcmp(o, "--state-dir")) {
			c.state_dir = argv[++i];
			continue;
		}
		if (strcmp(verb, "apply"))
			return usage_error("unexpected argument '%s' to reserve %s", o, verb);
		if (!strcmp(o, "--kb")) {
			if (ll_u32_parse(argv[++i], 1, LL_RESERVE_KB_MAX, &v, "--kb", err, sizeof(err)))
				return usage_error("%s", err);
			c.reserve_kb = v;
			have_kb = 1;
		} else if (!strcmp(o, "--max-share")) {
			/* one validator: [reserve] max_share's */
			if (ll_config_parse_value("reserve", "max_share", argv[++i],
						  &c.max_share_pct, sizeof(c.max_share_pct), err,
						  sizeof(err)))
				return usage_error("--max-share %s", err);
		} else if (!strcmp(o, "--watermark-scale")) {
			if (ll_u32_parse(argv[++i], 1, LL_RESERVE_WSF_MAX, &c.watermark_scale,
					 "--watermark-scale", err, sizeof(err)))
				return usage_error("%s", err);
		} else {
			return usage_error("unexpected argument '%s' to reserve apply", o);
		}
	}
	if (strcmp(verb, "show") && strcmp(verb, "apply") && strcmp(verb, "restore"))
		return usage_error("unknown verb '%s' for reserve: show, apply, restore", verb);
	if (!strcmp(verb, "apply") && !have_kb)
		return usage_error("reserve apply needs --kb N");
	if (need_privileges())
		return EXIT_FAILURE;
	if (!strcmp(verb, "apply"))
		ret = ll_reserve_apply(&c, err, sizeof(err));
	else if (!strcmp(verb, "restore"))
		ret = ll_reserve_restore(&c, err, sizeof(err));
	else
		ret = 0;
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	if (ll_reserve_read(&c, &st, err, sizeof(err)))
		return out_error(EXIT_FAILURE, "%s", err);
	out_emit(reserve_json(&c, &st), reserve_human);
	return 0;
}

/* ---------------------------------------------------------------- explain */

static const char explain_usage[] =
"Usage: lifeline explain PROTO from ADDR[:PORT] to ADDR[:PORT] [dev IF] [flags F,...]\n"
"                        [type N] [code N] [len BYTES]\n"
"       lifeline explain --sockets [dev IF]\n"
"\n"
"Runs a packet received on IF (default: the one attached interface) through the\n"
"datapath's own decision, in a private copy over the live tables: which allow\n"
"rule, flow or endpoint rule it matches and its verdict at each level, strict as\n"
"configured; counters, flow hits, budget and level stay as they are.\n"
"--sockets: every established TCP connection here, as its next incoming segment\n"
"at critical; lists those that would be dropped (a check before pressure).\n"
"PROTO: tcp, udp, icmp, icmpv6 or a number; flags (tcp, default ack): fin, syn,\n"
"rst, psh, ack, urg, ece, cwr.\n"
"\n"
"Examples:\n"
"  lifeline explain tcp from 198.51.100.7:10809 to 192.0.2.1:40000 dev eth0\n"
"  lifeline explain tcp from [2001:db8::7]:50000 to [2001:db8::1]:3260 flags syn\n"
"  lifeline -j explain udp from 203.0.113.5:53 to 192.0.2.1:41000\n";

static int do_explain(int argc, char **argv)
{
	struct ll_explain_pkt p;
	const char *dev;
	struct session s;
	json_object *o;
	char err[512];
	int ret;

	if (argc && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
		     !strcmp(argv[0], "help"))) {
		fputs(explain_usage, stdout);
		return EXIT_SUCCESS;
	}
	if (argc && !strcmp(argv[0], "--sockets")) {
		if (argc != 1 && (argc != 3 || strcmp(argv[1], "dev")))
			return usage_error("explain --sockets takes only 'dev IF'");
		dev = argc == 3 ? argv[2] : NULL;
		if (dev && ll_ifname_check(dev, err, sizeof(err)))
			return usage_error("%s", err);
	} else if (ll_explain_args(argc, argv, &p, &dev, err, sizeof(err))) {
		return usage_error("%s", err);
	}
	if ((ret = session_open(&s, 0)))
		return ret;
	/* loading the private instance takes a while: changes need not wait for it */
	flock(s.lock_fd, LOCK_UN);
	if (argc && !strcmp(argv[0], "--sockets"))
		ret = ll_explain_sockets(&s.m, dev, &o, err, sizeof(err));
	else
		ret = ll_explain_cli(&s.m, &p, dev, &o, err, sizeof(err));
	session_close(&s);
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	out_emit(o, argc && !strcmp(argv[0], "--sockets") ? ll_explain_sockets_print :
		 ll_explain_print);
	return 0;
}

/* ---------------------------------------------------------------- main */

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct cmd cmds[] = {
	{ "attach", do_attach },     { "detach", do_detach }, { "flow", do_flow },
	{ "allow", do_allow },       { "pressure", do_pressure }, { "status", do_status },
	{ "stats", do_stats },       { "reserve", do_reserve }, { "sockets", do_sockets },
	{ "strict", do_strict },     { "tune", do_tune }, { "monitor", do_monitor },
	{ "metrics", do_metrics },
	{ "explain", do_explain },
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && ll_out.verbose < 2)
		return 0;
	if (!ll_out.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },	  { "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },	  { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	  { "pin-path", required_argument, NULL, 'P' },
		{ "max-flows", required_argument, NULL, 'F' },
		{ "max-rules", required_argument, NULL, 'R' },
		{},
	};
	char err[256];
	int c;

	/* Flags may come before the command, or right after it (lifeline status -j). */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			ll_out.json = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jpvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j': ll_out.json = 1; break;
		case 'p': ll_out.json = ll_out.pretty = 1; break;
		case 'v': ll_out.verbose++; break;
		case 'h': fputs(usage_text, stdout); return EXIT_SUCCESS;
		case 'V': printf("lifeline %s (libbpf %s)\n", LL_VERSION, libbpf_version_string());
			  return EXIT_SUCCESS;
		case 'P': pin_opt = optarg; break;
		case 'F':
			if (ll_u32_parse(optarg, 1, 1U << 26, &load_opts.max_flows, "--max-flows", err,
					 sizeof(err)))
				return usage_error("%s", err);
			break;
		case 'R':
			if (ll_u32_parse(optarg, 1, 1U << 20, &load_opts.max_rules, "--max-rules", err,
					 sizeof(err)))
				return usage_error("%s", err);
			break;
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	libbpf_set_print(libbpf_print);
	if (optind == argc)
		return usage_error("missing command");
	/* Strip -j/--json/-p placed after the command. */
	{
		int w = optind;

		for (int i = optind; i < argc; i++) {
			if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
				continue;
			if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty")) {
				ll_out.json = ll_out.pretty = 1;
				continue;
			}
			argv[w++] = argv[i];
		}
		argc = w;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[optind], cmds[i].name))
			return cmds[i].fn(argc - optind - 1, argv + optind + 1);
	if (!strcmp(argv[optind], "help")) {
		fputs(usage_text, stdout);
		return EXIT_SUCCESS;
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
