/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The declared state: a registry file an admin writes by hand
 * (/etc/lifeline/registry.conf, then registry.d/ *.conf in name order),
 * parsed, compared with the kernel state, applied all or nothing, and the
 * kernel state written back in the same format.
 *
 * One item per line, '#' starts a comment, blank lines are ignored:
 *   interface DEV [mode auto|xdp|native|generic|tc] [no-tc]
 *   flow SPEC [--name NAME] [--local ADDR:PORT [--strict]]   as `flow add`
 *   flow cgroup:/PATH                      as `flow add cgroup:/PATH` (sock_ops)
 *   sockets [--cgroup DIR]                 as `sockets attach [--cgroup DIR]`
 *   allow SPEC [--name NAME]                                 as `allow add`
 *   tune OPTION VALUE [OPTION VALUE]...                      as `tune`
 *   strict on|off                                            as `strict`
 *   tables [--max-flows N] [--max-rules N]   sizes when apply creates the maps
 *                                          (existing maps of other sizes: refused)
 * Mode xdp is native XDP where the driver has it, else generic, never tc;
 * auto is whatever `attach` gives (XDP, or tc when the driver refuses XDP)
 * and matches any attachment. Settings (tune, strict) that the file does
 * not name keep their value; interfaces, rules, CLI flows, cgroups and
 * sockets links that it does not name are removed unless apply keeps them.
 * Flows registered by sock_ops or the cgroup hook are connection state,
 * never declared.
 */
#ifndef LL_DECLARE_H
#define LL_DECLARE_H

#include <stddef.h>
#include <stdio.h>
#include <net/if.h>
#include <linux/types.h>
#include "lifeline.h"
#include "state.h"

#define LL_DECL_DEFAULT "/etc/lifeline/registry.conf"

enum ll_decl_mode { LL_DECL_AUTO = 0, LL_DECL_XDP, LL_DECL_NATIVE, LL_DECL_GENERIC, LL_DECL_TC };

/* the settings are indexed by state.h's enum ll_tune_field */
/* The option names, as `lifeline tune` takes them ("--priority", ...). */
extern const char *const ll_decl_tune_names[LL_TUNE_MAX];

/* Where an item was written: file (one of struct ll_decl's names) and line. */
struct ll_decl_src {
	__u32 file;
	__u32 line;
};

struct ll_decl_iface {
	char name[IF_NAMESIZE];
	int ifindex;		/* state: its index; file: resolved by ll_decl_diff */
	enum ll_decl_mode mode;
	int no_tc;
};

/* flow cgroup:/PATH: sock_ops registering every TCP connection of the cgroup */
#define LL_DECL_CG_LEN 256
#define LL_DECL_CG_MAX 128	/* cgroup lines in the files, together */
struct ll_decl_cgroup {
	char path[LL_DECL_CG_LEN];	/* under the cgroup-v2 root, "/" the root; state: as
					 * found, "(gone)" when its directory is */
	__u64 id;			/* state: the link's; file: resolved by ll_decl_diff */
};

/*
 * sockets [--cgroup DIR]: sock_ops on DIR registering connections to the
 * endpoint rules. path: "" the cgroup-v2 root (no --cgroup), else DIR
 * (absolute); a state's "(gone)" when its directory is. The same struct
 * as a cgroup line's; id likewise.
 */
#define LL_DECL_SOCK_MAX 128	/* sockets lines in the files, together */

struct ll_decl {
	char **files;			/* names for the sources, [nfiles] */
	size_t nfiles;
	struct ll_decl_iface *ifs;
	struct ll_decl_src *ifs_src;
	size_t nifs;
	struct ll_rule_rec *recs;	/* endpoint and allow rules (kind set) */
	struct ll_decl_src *recs_src;
	__u32 *recs_id;			/* state: the rule ids; NULL for a file */
	size_t nrecs;
	struct ll_flow_key *keys;	/* exact flows */
	__u32 *kflags;			/* their LL_FLOW_F_* */
	struct ll_decl_src *keys_src;
	size_t nkeys;
	struct ll_decl_cgroup *cgs;	/* flow cgroup:/PATH */
	struct ll_decl_src *cgs_src;
	size_t ncgs, cap_cgs;
	struct ll_decl_cgroup *socks;	/* sockets [--cgroup DIR] */
	struct ll_decl_src *socks_src;
	size_t nsocks, cap_socks;
	__u64 tune[LL_TUNE_MAX];
	__u32 tune_set;			/* bit i: tune[i] named */
	int strict;			/* -1 not named, else 0 or 1 */
	__u32 max_flows, max_rules;	/* tables; 0 not named; state: the maps' */
	size_t cap_ifs, cap_recs, cap_keys;
	void *once;			/* where each setting was given */
};

void ll_decl_init(struct ll_decl *d);
void ll_decl_free(struct ll_decl *d);

/*
 * Parses len bytes of text (any bytes: a NUL is an error) named name and
 * adds its items to d. Returns 0, or -EINVAL with "NAME:LINE: message" in
 * err (-ENOMEM likewise). Checks syntax only (interfaces are looked up by
 * ll_decl_diff); an item that repeats one of d's exactly is accepted once,
 * one that contradicts it (an interface in two modes, a name on two rules,
 * a flow with and without --strict, a setting given two values) is an error
 * naming both lines.
 */
int ll_decl_parse(struct ll_decl *d, const char *name, const char *text, size_t len, char *err,
		  size_t errlen);

/*
 * Reads FILE ("-": standard input) and, when FILE ends in ".conf", the
 * files FILE-without-.conf.d/ *.conf in strcmp order (a missing directory
 * is none), into d. Bounded: a file over 64 MiB or a line over 4096 bytes
 * is an error. 0 or -errno with err as for ll_decl_parse.
 */
int ll_decl_load(struct ll_decl *d, const char *file, char *err, size_t errlen);

/* Writes d as a registry file (the canonical form ll_decl_parse reads back). */
int ll_decl_write(const struct ll_decl *d, FILE *f);

/* One line of the format for item i of a kind; buf holds LL_DECL_LINE_LEN. */
/* the longest: "sockets --cgroup " and a path whose every byte is a '#' (written "\\#") */
#define LL_DECL_LINE_LEN (32 + 2 * LL_DECL_CG_LEN)
void ll_decl_iface_line(const struct ll_decl_iface *i, char *buf, size_t len);
void ll_decl_rec_line(const struct ll_rule_rec *r, char *buf, size_t len);
void ll_decl_flow_line(const struct ll_flow_key *k, __u32 flags, char *buf, size_t len);
void ll_decl_tune_line(enum ll_tune_field t, __u64 v, char *buf, size_t len);
void ll_decl_cgroup_line(const struct ll_decl_cgroup *g, char *buf, size_t len);
void ll_decl_sockets_line(const struct ll_decl_cgroup *g, char *buf, size_t len);

/* What apply changes to make the state `have` equal to the file `want`. */
struct ll_decl_diff {
	struct ll_decl_iface *ifs_add;	/* attach, in want's order */
	size_t nifs_add;
	struct ll_decl_iface *ifs_del;	/* detach (a mode change is in both) */
	size_t nifs_del;
	struct ll_rule_rec *recs_add;
	size_t nrecs_add;
	struct ll_rule_rec *recs_del;	/* as they are, with ... */
	__u32 *recs_del_id;		/* ... their ids */
	size_t nrecs_del;
	struct ll_rule_rec *recs_ren;	/* the same rule under another name (the new record) */
	__u32 *recs_ren_id;
	struct ll_rule_rec *recs_ren_old;
	size_t nrecs_ren;
	struct ll_flow_key *keys_add;
	__u32 *kflags_add;
	size_t nkeys_add;
	struct ll_flow_key *keys_del;
	__u32 *kflags_del;
	size_t nkeys_del;
	struct ll_flow_key *keys_flag;	/* present, with other flags: set to kflags_flag */
	__u32 *kflags_flag, *kflags_flag_old;
	size_t nkeys_flag;
	struct ll_decl_cgroup *cgs_add;	/* sock_ops attached, with the directory's id */
	size_t ncgs_add;
	struct ll_decl_cgroup *cgs_del;	/* links removed */
	size_t ncgs_del;
	struct ll_decl_cgroup *socks_add;	/* sockets attached, with the directory's id */
	size_t nsocks_add;
	struct ll_decl_cgroup *socks_del;	/* sockets links removed */
	size_t nsocks_del;
	__u32 tune_set;			/* bit i: tune[i] changes from tune_old[i] */
	__u32 tune_old_set;		/* bit i: tune_old[i] known */
	__u64 tune[LL_TUNE_MAX], tune_old[LL_TUNE_MAX];
	int strict, strict_old;		/* strict -1: no change */
	/* tables resized (flows or rules set): to flows/rules from the maps' *_old */
	__u32 flows, rules, flows_old, rules_old;
};

/*
 * The difference from have (ll_decl_state) to want (a file). keep: remove
 * nothing that want does not name. Looks up want's interfaces (-ENODEV:
 * "FILE:LINE: no interface named ..." in err) and cgroup directories
 * (-ENOENT likewise; also those of sockets lines). 0 or -errno.
 */
int ll_decl_diff(const struct ll_decl *want, const struct ll_decl *have, int keep,
		 struct ll_decl_diff *diff, char *err, size_t errlen);
void ll_decl_diff_free(struct ll_decl_diff *diff);

size_t ll_decl_diff_count(const struct ll_decl_diff *diff);

/*
 * Calls fn once per changed line, removals ('-') before additions ('+'),
 * in the order apply makes them: interfaces attached, cgroups, sockets,
 * rules, flows, settings, interfaces detached.
 */
void ll_decl_diff_walk(const struct ll_decl_diff *diff,
		       void (*fn)(char op, const char *line, void *arg), void *arg);

#ifndef LL_DECL_PARSE_ONLY
struct ll_maps;

/*
 * The kernel state of the maps m (NULL: none set up) and the interfaces
 * attached under the pin directory dir, as a struct ll_decl with
 * recs_id set. 0 or -errno with err.
 */
int ll_decl_state(struct ll_maps *m, const char *dir, struct ll_decl *d, char *err,
		  size_t errlen);

/*
 * Applies diff to m (under the instance lock), all or nothing: interfaces
 * first attached, then cgroups, sockets, rules, flows and settings changed
 * (existing connections scanned when a sockets link was added), interfaces last
 * detached; when a step fails, the state is put back to before (the
 * snapshot `before`, as read by ll_decl_state) and err says what failed.
 * max_flows/max_rules: sizes for the maps of an attach. A tables change is
 * a live resize (resize.h): a table that grows is grown first, one that
 * shrinks is shrunk last (after the removals). 0 or -errno.
 */
int ll_decl_apply(struct ll_maps *m, const struct ll_decl_diff *diff, const struct ll_decl *before,
		  __u32 max_flows, __u32 max_rules, char *err, size_t errlen);
#endif

#endif /* LL_DECLARE_H */
