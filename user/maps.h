/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading the datapath object and its pinned maps. One pin directory holds
 * one lifeline instance: maps by name, and links/ for XDP bpf_links.
 * All functions return 0 or -errno.
 */
#ifndef LL_MAPS_H_USER
#define LL_MAPS_H_USER

#include <linux/types.h>
#include <limits.h>
#include "lifeline.h"
#include "flowtab.h"

#define LL_PIN_DEFAULT "/sys/fs/bpf/lifeline"
#define LL_PIN_ENV "LIFELINE_PIN_PATH"
/* Runtime files of lifelined and the reserve (events socket, pid, reserve.state). */
#define LL_STATE_DIR_DEFAULT "/run/lifeline"

enum ll_map_id {
	LL_MAP_STATE = 0,
	LL_MAP_FLOWS,
	LL_MAP_RULES,
	LL_MAP_ALLOW,
	LL_MAP_RULE_HITS,
	LL_MAP_RULE_RECS,
	LL_MAP_COUNTERS,
	LL_MAP_FRAGS,
	LL_MAP_BUCKET,
	LL_MAP_EVENTS,
	LL_MAP_EVLIMIT,
	LL_MAP_RULE_HOSTS,
	LL_MAP_ALLOW_HOSTS,
	LL_MAP_REMOTES,
	LL_MAP_POOL,
	LL_MAP_OBSERVE_XDP,	/* program arrays: observe mode's programs (ll_observe_fill) */
	LL_MAP_OBSERVE_TC,
	LL_MAP_MAX,
};

/* Pin file names, which are also the map names in the object. */
extern const char *const ll_map_names[LL_MAP_MAX];

struct ll_maps {
	int fd[LL_MAP_MAX];
	struct ll_state *state;	/* the state map, mmap()ed */
	struct ll_flowtab flows;	/* ll_flows, mmap()ed on first use (ll_maps_flows) */
	__u32 layout_found;		/* after -EPROTO from ll_maps_open: the pins' layout */
	char dir[PATH_MAX];
};

/* Which programs to load (the others are not verified: loading is the slow part). */
enum ll_progs {
	LL_PROGS_NET = 1 << 0,		/* ll_xdp, ll_tc_ingress/_policy, ll_tc_egress, observe's */
	LL_PROGS_SOCK = 1 << 1,		/* ll_sockops, ll_sockops_cgroup, ll_iter_tcp */
	LL_PROGS_VMSCAN = 1 << 2,	/* the vmscan tracepoint programs */
};

struct ll_load_opts {
	__u32 progs;		/* enum ll_progs mask; 0: maps only */
	__u32 max_flows;	/* 0: LL_DEFAULT_MAX_FLOWS */
	__u32 max_rules;	/* 0: LL_DEFAULT_MAX_RULES */
	__u64 watch_memcg;	/* inode of the memory cgroup whose reclaim raises the level */
	/*
	 * A resize (user/resize.c): the maps of this mask (1 << enum ll_map_id)
	 * are created at the sizes above, not reused from the pins, and pinned
	 * in stage instead of the pin directory; the others are reused.
	 */
	__u32 fresh;
	const char *stage;
};

struct lifeline_bpf;

/*
 * --pin-path if given, else $LIFELINE_PIN_PATH if set, else LL_PIN_DEFAULT.
 * A given but empty value is returned as "" (ll_pin_path_validate refuses
 * it), never taken to mean the default.
 */
const char *ll_pin_path(const char *opt);

/*
 * bpffs refuses every name with a '.' in it (reserved for its own files)
 * with EPERM, so such a pin directory can be neither created nor opened.
 * Checks the components of dir that are, or will be, on bpffs: the last one
 * (ll_pin_dir_prepare makes it in a bpffs parent) and any whose parent is
 * bpffs. Returns -EPERM and copies the first bad component to bad; creates
 * nothing.
 */
int ll_pin_path_check(const char *dir, char *bad, size_t len);

/*
 * The one check of a pin directory, shared by lifeline, lifelined and the
 * configuration (so --check-config refuses what start would): not empty,
 * absolute, no control character, no "." or ".." component, not the root of a bpffs mount (nor /sys/fs/bpf),
 * no '.' in a name bpffs would hold (ll_pin_path_check), not an existing
 * non-directory. Writes the path with repeated and trailing slashes dropped
 * into out (outlen bytes). 0, or -errno with one line in err (the path
 * quoted; the caller names where it came from).
 */
int ll_pin_path_validate(const char *in, char *out, size_t outlen, char *err, size_t errlen);

/* Mounts bpffs on the pin directory's bpffs parent if needed, creates the directory 0700. */
int ll_pin_dir_prepare(const char *dir);

/*
 * Opens the skeleton, reuses maps already pinned in dir (keeping their
 * sizes) or sizes new ones from opts, loads, and pins any map not yet
 * pinned (mode 0600). The caller destroys the skeleton.
 */
int ll_skel_load(struct lifeline_bpf **skel, const char *dir, const struct ll_load_opts *opts);

/*
 * Puts the skeleton's observe programs (ll_xdp_observe, ll_tc_observe,
 * loaded) in their program arrays' slots, where ll_xdp and ll_tc_policy
 * tail-call them at level none in observe mode. ll_skel_load does it for
 * every load of the network programs; tests and benchmarks that load the
 * object themselves call it.
 */
int ll_observe_fill(struct lifeline_bpf *skel);

/* 1 when both observe slots of the pinned program arrays in dir hold a program. */
int ll_observe_filled(const char *dir);

/* Opens the pinned maps of dir; -ENOENT when lifeline is not set up there. */
int ll_maps_open(struct ll_maps *m, const char *dir);

/* Opens the pinned maps, creating (loading and pinning) them first if needed. */
int ll_maps_open_or_create(struct ll_maps *m, const char *dir, const struct ll_load_opts *opts);

/* Closes fds and unmaps; safe on a zeroed or partly opened struct. */
void ll_maps_close(struct ll_maps *m);

/* Creates DIR/links (where attachments pin their bpf_links), mode 0700. */
int ll_links_dir(const char *dir);

/* The id of the BPF object pinned at path (a map; with prog set, a program), 0 if none. */
__u32 ll_pinned_id(const char *path, int prog);

/* Unpins every map of dir and removes the directory (if empty then). */
int ll_maps_unpin(const char *dir);
/*
 * Maps the flow table into m->flows if it is not yet (it is large: only
 * the commands that read or write flows map it); 0 or -errno.
 */
int ll_maps_flows(struct ll_maps *m);
/* What went wrong opening the maps, in words (-EPROTO: pins of another layout). */
const char *ll_maps_strerror(const struct ll_maps *m, int err, char *buf, size_t len);

/*
 * The ids of the state maps pinned where this host can see them: dir's own
 * first, then (with all set) every ll_state pin on a bpffs mount (up to 4
 * directories deep). A lifeline program whose state map is none of them
 * has lost its pins: an orphan. Returns the count (at most max).
 */
int ll_pinned_state_ids(const char *dir, int all, __u32 *ids, int max);

/*
 * Opens a state map by id (needs CAP_SYS_ADMIN: -EPERM without) and maps
 * it: *st is the state, the return value its fd. -EPROTO: a state of
 * another layout (another lifeline version), not mapped. Close with
 * ll_state_close.
 */
int ll_state_open_id(__u32 id, struct ll_state **st);
void ll_state_close(int fd, struct ll_state *st);

/* CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns(). */
__u64 ll_now_ns(void);

/* Sums a per-CPU counter map entry. */
int ll_percpu_counter_sum(int fd, __u32 key, struct ll_counter *out);
/* Bytes charged to unregistered packets passed at elevated, all CPUs (ll_bucket). */
/* elevated: the bytes charged against the budget, and the memory held (NULL: not wanted) */
int ll_budget_admitted(const struct ll_maps *m, __u64 *charged, __u64 *held);

/* Name tables from include/lifeline.h. */
extern const char *const ll_level_names[LL_LEVEL_MAX];
extern const char *const ll_source_names[LL_SRC_MAX];
extern const char *const ll_reason_names[LL_REASON_MAX];
extern const char *const ll_hook_names[LL_HOOK_MAX];
extern const char *const ll_origin_names[LL_ORIGIN_MAX];
extern const char *const ll_event_names[LL_EV_MAX];
extern const char *const ll_scheme_names[LL_SCHEME_MAX];

#endif
