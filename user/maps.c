// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"
#include "resize.h"
#include "state.h"
#include "lifeline.skel.h"

const char *const ll_map_names[LL_MAP_MAX] = {
	[LL_MAP_STATE] = "ll_state",		[LL_MAP_FLOWS] = "ll_flows",
	[LL_MAP_RULES] = "ll_rules",		[LL_MAP_ALLOW] = "ll_allow",
	[LL_MAP_RULE_HITS] = "ll_rule_hits",	[LL_MAP_RULE_RECS] = "ll_rule_recs",
	[LL_MAP_COUNTERS] = "ll_counters",	[LL_MAP_FRAGS] = "ll_frags",
	[LL_MAP_BUCKET] = "ll_bucket",		[LL_MAP_EVENTS] = "ll_events",
	[LL_MAP_EVLIMIT] = "ll_evlimit",	[LL_MAP_RULE_HOSTS] = "ll_rule_hosts",
	[LL_MAP_ALLOW_HOSTS] = "ll_allow_hosts",	[LL_MAP_REMOTES] = "ll_remotes",
	[LL_MAP_POOL] = "ll_pool",		[LL_MAP_OBSERVE_XDP] = "ll_observe_xdp",
	[LL_MAP_OBSERVE_TC] = "ll_observe_tc",
};

const char *const ll_level_names[LL_LEVEL_MAX] = LL_LEVEL_NAMES;
const char *const ll_source_names[LL_SRC_MAX] = LL_SOURCE_NAMES;
const char *const ll_reason_names[LL_REASON_MAX] = LL_REASON_NAMES;
const char *const ll_hook_names[LL_HOOK_MAX] = LL_HOOK_NAMES;
const char *const ll_origin_names[LL_ORIGIN_MAX] = LL_ORIGIN_NAMES;
const char *const ll_event_names[LL_EV_MAX] = LL_EVENT_NAMES;
const char *const ll_scheme_names[LL_SCHEME_MAX] = LL_SCHEME_NAMES;

_Static_assert(sizeof((const char *[])LL_REASON_NAMES) / sizeof(char *) == LL_REASON_MAX,
	       "reason name table out of step with enum ll_reason");
_Static_assert(sizeof((const char *[])LL_SOURCE_NAMES) / sizeof(char *) == LL_SRC_MAX,
	       "source name table out of step with enum ll_source");
/* pins of any layout are told apart by this field: it never moves */
_Static_assert(offsetof(struct ll_state, layout) == 124, "ll_state.layout moved");
/* ll_any_vote reads override_active and observe as one aligned word */
_Static_assert(offsetof(struct ll_state, override_observe) % 8 == 0 &&
	       offsetof(struct ll_state, observe) == offsetof(struct ll_state, override_active) + 4,
	       "override_active and observe must share one aligned 8-byte word");
_Static_assert(sizeof((const char *[])LL_SCHEME_NAMES) / sizeof(char *) == LL_SCHEME_MAX,
	       "scheme name table out of step with enum ll_scheme");

const char *ll_pin_path(const char *opt)
{
	const char *env = getenv(LL_PIN_ENV);

	if (opt)
		return opt;
	if (env)
		return env;
	return LL_PIN_DEFAULT;
}

__u64 ll_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

int ll_pin_path_check(const char *dir, char *bad, size_t len)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(path))
		return 0;	/* too long: the callers' own checks say so */
	memcpy(path, dir, n + 1);
	for (size_t i = 0; i < n;) {
		size_t start, end;
		int last, on_bpffs;

		while (i < n && path[i] == '/')
			i++;
		start = i;
		while (i < n && path[i] != '/')
			i++;
		end = i;
		if (start == end)
			break;
		path[end] = '\0';
		/* "." and ".." never reach bpffs's lookup */
		if (!memchr(path + start, '.', end - start) || !strcmp(path + start, ".") ||
		    !strcmp(path + start, "..")) {
			path[end] = dir[end];
			continue;
		}
		last = !dir[strspn(dir + end, "/") + end];
		if (start > 1) {
			path[start - 1] = '\0';
			on_bpffs = is_bpffs(path);
			path[start - 1] = '/';
		} else {
			on_bpffs = is_bpffs("/");
		}
		if (last || on_bpffs) {
			snprintf(bad, len, "%s", path + start);
			return -EPERM;
		}
		path[end] = dir[end];
	}
	return 0;
}

static int pin_validate(const char *in, char *out, size_t outlen, char *err, size_t errlen)
{
	char bad[NAME_MAX + 1], parent[PATH_MAX];
	struct stat st;
	size_t o = 0;
	char *slash;

	if (!outlen)
		return -EINVAL;
	out[0] = '\0';
	if (!in[0]) {
		snprintf(err, errlen, "is empty; give a bpffs directory, e.g. %s", LL_PIN_DEFAULT);
		return -EINVAL;
	}
	for (const char *p = in; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f) {
			snprintf(err, errlen, "%.64s: a control character in the path", in);
			return -EINVAL;
		}
	if (in[0] != '/') {
		snprintf(err, errlen, "%.64s: not an absolute path", in);
		return -EINVAL;
	}
	/* one slash between components, none at the end; no "." or ".." */
	for (const char *p = in; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(err, errlen, "%.64s: a '.' or '..' component; give the "
				 "directory itself", in);
			return -EINVAL;
		}
		if (o + 1 + n >= outlen || o + 1 + n >= sizeof(parent)) {
			snprintf(err, errlen, "%.64s...: too long", in);
			return -ENAMETOOLONG;
		}
		out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	if (!o || !strcmp(out, "/sys/fs/bpf")) {
		snprintf(err, errlen, "%s: the root of bpffs; give a directory in it, e.g. "
			 "/sys/fs/bpf/lifeline", o ? out : "/");
		return -EINVAL;
	}
	strcpy(parent, out);
	slash = strrchr(parent, '/');
	*(slash == parent ? slash + 1 : slash) = '\0';
	if (is_bpffs(out) && !is_bpffs(parent)) {
		snprintf(err, errlen, "%s: the root of a bpffs mount; give a directory in it, "
			 "e.g. %s/lifeline", out, out);
		return -EINVAL;
	}
	if (ll_pin_path_check(out, bad, sizeof(bad))) {
		snprintf(err, errlen, "%s: bpffs does not allow '.' in a name ('%s'); choose a "
			 "pin path without one", out, bad);
		return -EPERM;
	}
	if (!stat(out, &st) && !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a directory", out);
		return -ENOTDIR;
	}
	return 0;
}

int ll_pin_path_validate(const char *in, char *out, size_t outlen, char *err, size_t errlen)
{
	int ret = pin_validate(in, out, outlen, err, errlen);

	/* the message quotes the path: keep it one printable line */
	for (char *p = err; ret && errlen && *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p > '~')
			*p = '?';
	return ret;
}

int ll_pin_dir_prepare(const char *dir)
{
	struct stat st;

	char parent[PATH_MAX];
	char *slash;

	if (strlen(dir) >= sizeof(parent) - 1 || dir[0] != '/')
		return -EINVAL;
	strcpy(parent, dir);
	slash = strrchr(parent, '/');
	if (slash == parent)
		return -EINVAL;
	*slash = '\0';
	if (!is_bpffs(parent)) {
		/* Only the standard location is mounted for the user; elsewhere it must exist. */
		if (strcmp(parent, "/sys/fs/bpf"))
			return -ENOTSUP;
		if (mount("bpf", parent, "bpf", 0, "mode=0700"))
			return -errno;
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	/* an existing pin (a file) is not the directory: never chmod it */
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (chmod(dir, 0700))
		return -errno;
	return 0;
}

static int pin_file(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static struct bpf_map *skel_map(struct lifeline_bpf *skel, int id)
{
	return bpf_object__find_map_by_name(skel->obj, ll_map_names[id]);
}

/* Loads only the program groups asked for (LL_PROGS_*). */
static void skel_autoload(struct lifeline_bpf *skel, __u32 want)
{
	struct { struct bpf_program *prog; __u32 group; } progs[] = {
		{ skel->progs.ll_xdp, LL_PROGS_NET },
		{ skel->progs.ll_tc_ingress, LL_PROGS_NET },
		{ skel->progs.ll_tc_policy, LL_PROGS_NET },
		{ skel->progs.ll_tc_egress, LL_PROGS_NET },
		{ skel->progs.ll_xdp_observe, LL_PROGS_NET },
		{ skel->progs.ll_tc_observe, LL_PROGS_NET },
		{ skel->progs.ll_sockops, LL_PROGS_SOCK },
		{ skel->progs.ll_sockops_cgroup, LL_PROGS_SOCK },
		{ skel->progs.ll_iter_tcp, LL_PROGS_SOCK },
		{ skel->progs.ll_tp_kswapd_wake, LL_PROGS_VMSCAN },
		{ skel->progs.ll_tp_direct_reclaim, LL_PROGS_VMSCAN },
		{ skel->progs.ll_tp_memcg_reclaim, LL_PROGS_VMSCAN },
	};

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		bpf_program__set_autoload(progs[i].prog, !!(want & progs[i].group));
}

/* The table sizes of maps created by this load. */
static void skel_sizes(struct lifeline_bpf *skel, __u32 flows, __u32 rules)
{
	bpf_map__set_max_entries(skel->maps.ll_flows, ll_flow_buckets(flows));
	bpf_map__set_max_entries(skel->maps.ll_rules, rules);
	bpf_map__set_max_entries(skel->maps.ll_allow, rules);
	bpf_map__set_max_entries(skel->maps.ll_rule_hosts, rules);
	bpf_map__set_max_entries(skel->maps.ll_allow_hosts, rules);
	bpf_map__set_max_entries(skel->maps.ll_rule_hits, 2 * rules);
	bpf_map__set_max_entries(skel->maps.ll_rule_recs, 2 * rules);
}

/* Reuse what is pinned, with its own size, so every program shares one state. */
static int skel_reuse_pins(struct lifeline_bpf *skel, const char *dir, __u32 fresh,
			   int *state_fresh)
{
	char path[PATH_MAX];
	int err;

	for (int i = 0; i < LL_MAP_MAX; i++) {
		struct bpf_map *map = skel_map(skel, i);
		struct bpf_map_info info = {};
		__u32 ilen = sizeof(info);
		int fd;

		if (fresh & (1U << i))
			continue;	/* a resize's new map: sized by skel_sizes */
		err = pin_file(path, sizeof(path), dir, ll_map_names[i]);
		if (err)
			return err;
		fd = bpf_obj_get(path);
		if (fd < 0) {
			if (errno == ENOENT) {
				*state_fresh |= i == LL_MAP_STATE;
				continue;
			}
			return -errno;
		}
		if (!bpf_obj_get_info_by_fd(fd, &info, &ilen) && bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF)
			bpf_map__set_max_entries(map, info.max_entries);
		err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (err)
			return err;
	}
	return 0;
}

/* Pins the maps this load created (mode 0600); the ones reused are pinned already. */
static int skel_pin_new(struct lifeline_bpf *skel, const char *dir, __u32 fresh,
			const char *stage)
{
	char path[PATH_MAX];
	int err;

	for (int i = 0; i < LL_MAP_MAX; i++) {
		int f = stage && (fresh & (1U << i));

		err = pin_file(path, sizeof(path), f ? stage : dir, ll_map_names[i]);
		if (err)
			return err;
		if (!f && !access(path, F_OK))
			continue;
		err = bpf_map__pin(skel_map(skel, i), path);
		if (err)
			return err;
		if (chmod(path, 0600))
			return -errno;
	}
	return 0;
}

int ll_observe_fill(struct lifeline_bpf *skel)
{
	struct { struct bpf_map *map; struct bpf_program *prog; } slot[] = {
		{ skel->maps.ll_observe_xdp, skel->progs.ll_xdp_observe },
		{ skel->maps.ll_observe_tc, skel->progs.ll_tc_observe },
	};
	__u32 zero = 0;

	for (size_t i = 0; i < sizeof(slot) / sizeof(slot[0]); i++) {
		int fd = bpf_program__fd(slot[i].prog);

		if (fd < 0)
			return -ENOENT;
		if (bpf_map_update_elem(bpf_map__fd(slot[i].map), &zero, &fd, BPF_ANY))
			return -errno;
	}
	return 0;
}

int ll_observe_filled(const char *dir)
{
	static const int maps[] = { LL_MAP_OBSERVE_XDP, LL_MAP_OBSERVE_TC };
	char path[PATH_MAX];
	int filled = 1;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]) && filled; i++) {
		__u32 zero = 0, id = 0;
		int fd;

		if (pin_file(path, sizeof(path), dir, ll_map_names[maps[i]]))
			return 0;
		fd = bpf_obj_get(path);
		if (fd < 0)
			return 0;
		/* a program array's element reads as the program's id; empty: ENOENT */
		filled = !bpf_map_lookup_elem(fd, &zero, &id) && id;
		close(fd);
	}
	return filled;
}

int ll_skel_load(struct lifeline_bpf **out, const char *dir, const struct ll_load_opts *opts)
{
	__u32 flows = opts && opts->max_flows ? opts->max_flows : LL_DEFAULT_MAX_FLOWS;
	__u32 rules = opts && opts->max_rules ? opts->max_rules : LL_DEFAULT_MAX_RULES;
	struct lifeline_bpf *skel;
	int err, state_fresh = 0;

	*out = NULL;
	err = ll_pin_dir_prepare(dir);
	if (err)
		return err;
	skel = lifeline_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->ll_watch_memcg = opts ? opts->watch_memcg : 0;
	skel_autoload(skel, opts ? opts->progs : 0);
	skel_sizes(skel, flows, rules);
	err = skel_reuse_pins(skel, dir, opts ? opts->fresh : 0, &state_fresh);
	if (!err)
		err = lifeline_bpf__load(skel);
	/*
	 * The observe programs of this load replace those of an earlier one
	 * (the same code on the same maps) for every attached program.
	 */
	if (!err && opts && (opts->progs & LL_PROGS_NET))
		err = ll_observe_fill(skel);
	if (!err && state_fresh) {
		/* a new set of maps: stamp its layout before anyone can see it */
		struct ll_state st = { .layout = LL_LAYOUT };
		__u32 zero = 0;

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.ll_state), &zero, &st, BPF_ANY))
			err = -errno;
	}
	if (!err)
		err = skel_pin_new(skel, dir, opts ? opts->fresh : 0, opts ? opts->stage : NULL);
	if (err) {
		lifeline_bpf__destroy(skel);
		return err < 0 ? err : -EINVAL;
	}
	*out = skel;
	return 0;
}

void ll_maps_close(struct ll_maps *m)
{
	if (m->state && m->state != MAP_FAILED)
		munmap(m->state, (size_t)sysconf(_SC_PAGESIZE));
	m->state = NULL;
	ll_flowtab_unmap(&m->flows);
	for (int i = 0; i < LL_MAP_MAX; i++) {
		if (m->fd[i] > 0)
			close(m->fd[i]);
		m->fd[i] = -1;
	}
}

int ll_maps_open(struct ll_maps *m, const char *dir)
{
	char path[PATH_MAX];
	long page = sysconf(_SC_PAGESIZE);
	int err;

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < LL_MAP_MAX; i++)
		m->fd[i] = -1;
	if (strlen(dir) >= sizeof(m->dir))
		return -ENAMETOOLONG;
	strcpy(m->dir, dir);
	/* The state first: it says whether the rest is of this layout. */
	for (int i = 0; i < LL_MAP_MAX; i++) {
		err = pin_file(path, sizeof(path), dir, ll_map_names[i]);
		if (err)
			goto fail;
		m->fd[i] = bpf_obj_get(path);
		if (m->fd[i] < 0) {
			err = -errno;
			goto fail;
		}
		if (i != LL_MAP_STATE)
			continue;
		m->state = mmap(NULL, (size_t)page,
				PROT_READ | PROT_WRITE, MAP_SHARED, m->fd[LL_MAP_STATE], 0);
		if (m->state == MAP_FAILED) {
			m->state = NULL;
			err = -errno;
			goto fail;
		}
		/* generation 0: created a moment ago, not yet initialised */
		if (m->state->generation && m->state->layout != LL_LAYOUT) {
			m->layout_found = m->state->layout;
			err = -EPROTO;
			goto fail;
		}
	}
	return 0;
fail:
	ll_maps_close(m);
	return err;
}

int ll_maps_open_or_create(struct ll_maps *m, const char *dir, const struct ll_load_opts *opts)
{
	struct lifeline_bpf *skel;
	int err = ll_maps_open(m, dir);

	if (err != -ENOENT)
		return err;
	err = ll_skel_load(&skel, dir, opts);
	if (err == -EEXIST)
		return ll_maps_open(m, dir);	/* someone else created them meanwhile */
	if (err)
		return err;
	/* New maps: the defaults. */
	err = ll_maps_open(m, dir);
	if (!err && !m->state->generation)
		ll_state_init(m->state, opts && opts->max_flows ? opts->max_flows :
				       LL_DEFAULT_MAX_FLOWS);
	lifeline_bpf__destroy(skel);
	return err;
}

int ll_links_dir(const char *dir)
{
	char links[PATH_MAX];

	if (snprintf(links, sizeof(links), "%s/links", dir) >= (int)sizeof(links))
		return -ENAMETOOLONG;
	if (mkdir(links, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

const char *ll_maps_strerror(const struct ll_maps *m, int err, char *buf, size_t len)
{
	if (err != -EPROTO)
		return strerror(-err);
	snprintf(buf, len, "they were made by another version of lifeline (layout %u, this one "
		 "uses %u); remove them ('lifeline detach --all' with that version, or rm -r the "
		 "pin directory) and register again", m->layout_found, LL_LAYOUT);
	return buf;
}

int ll_maps_flows(struct ll_maps *m)
{
	return m->flows.b ? 0 : ll_flowtab_map(&m->flows, m->fd[LL_MAP_FLOWS], m->fd[LL_MAP_REMOTES]);
}

int ll_maps_unpin(const char *dir)
{
	char path[PATH_MAX], stage[PATH_MAX];
	int err;

	/* a resize killed half-way may leave its stage directory (and maps staged in it) */
	if (!pin_file(stage, sizeof(stage), dir, LL_RESIZE_STAGE)) {
		for (int i = 0; i < LL_MAP_MAX; i++)
			if (!pin_file(path, sizeof(path), stage, ll_map_names[i]))
				unlink(path);
		rmdir(stage);
	}
	for (int i = 0; i < LL_MAP_MAX; i++) {
		err = pin_file(path, sizeof(path), dir, ll_map_names[i]);
		if (err)
			return err;
		if (unlink(path) && errno != ENOENT)
			return -errno;
	}
	if (rmdir(dir) && errno != ENOENT && errno != ENOTEMPTY)
		return -errno;
	return 0;
}

int ll_budget_admitted(const struct ll_maps *m, __u64 *charged, __u64 *held)
{
	int ncpus = libbpf_num_possible_cpus();
	struct ll_bucket vals[ncpus > 0 ? ncpus : 1];
	__u64 h = 0;
	__u32 zero = 0;

	*charged = 0;
	if (held)
		*held = 0;
	if (ncpus <= 0)
		return -EINVAL;
	if (bpf_map_lookup_elem(m->fd[LL_MAP_BUCKET], &zero, vals))
		return -errno;
	for (int i = 0; i < ncpus; i++) {
		*charged += vals[i].admitted;
		h += vals[i].held;
	}
	if (held)
		*held = h;
	return 0;
}

int ll_percpu_counter_sum(int fd, __u32 key, struct ll_counter *out)
{
	int ncpus = libbpf_num_possible_cpus();
	struct ll_counter vals[ncpus > 0 ? ncpus : 1];

	memset(out, 0, sizeof(*out));
	if (ncpus <= 0)
		return -EINVAL;
	if (bpf_map_lookup_elem(fd, &key, vals))
		return -errno;
	for (int i = 0; i < ncpus; i++) {
		out->packets += vals[i].packets;
		out->bytes += vals[i].bytes;
	}
	return 0;
}

__u32 ll_pinned_id(const char *path, int prog)
{
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
	} info = {};
	__u32 len = prog ? sizeof(info.prog) : sizeof(info.map);
	int fd = bpf_obj_get(path);
	__u32 id = 0;

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		id = prog ? info.prog.id : info.map.id;
	close(fd);
	return id;
}

static void add_id(__u32 *ids, int *n, int max, __u32 id)
{
	for (int i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	if (id && *n < max)
		ids[(*n)++] = id;
}

static void find_state_pins(const char *dir, int depth, __u32 *ids, int *n, int max)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) && *n < max) {
		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (!strcmp(de->d_name, ll_map_names[LL_MAP_STATE]))
			add_id(ids, n, max, ll_pinned_id(path, 0));
		else if (depth > 1 && de->d_type == DT_DIR)
			find_state_pins(path, depth - 1, ids, n, max);
	}
	closedir(d);
}

int ll_pinned_state_ids(const char *dir, int all, __u32 *ids, int max)
{
	char path[PATH_MAX];
	struct mntent *me;
	FILE *f;
	int n = 0;

	if (!pin_file(path, sizeof(path), dir, ll_map_names[LL_MAP_STATE]))
		add_id(ids, &n, max, ll_pinned_id(path, 0));
	if (!all)
		return n;
	f = setmntent("/proc/self/mounts", "r");
	if (!f)
		return n;
	while ((me = getmntent(f)) && n < max)
		if (!strcmp(me->mnt_type, "bpf"))
			find_state_pins(me->mnt_dir, 4, ids, &n, max);
	endmntent(f);
	return n;
}

int ll_state_open_id(__u32 id, struct ll_state **st)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *p;
	int fd = bpf_map_get_fd_by_id(id), err;

	*st = NULL;
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto fail;
	}
	err = -EPROTO;
	if (info.value_size != sizeof(struct ll_state) || info.max_entries != 1 ||
	    !(info.map_flags & BPF_F_MMAPABLE))
		goto fail;
	p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	*st = p;
	if ((*st)->generation && (*st)->layout != LL_LAYOUT) {
		ll_state_close(-1, *st);
		*st = NULL;
		err = -EPROTO;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}

void ll_state_close(int fd, struct ll_state *st)
{
	if (st)
		munmap(st, (size_t)sysconf(_SC_PAGESIZE));
	if (fd >= 0)
		close(fd);
}
