/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The programs in place and the pinned maps (user/renew.c): renewing the
 * programs of every attachment when they use maps that are not the pinned
 * ones. All functions return 0 or -errno with one line in err.
 */
#ifndef LL_RENEW_H
#define LL_RENEW_H

#include <limits.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/types.h>

struct lifeline_bpf;
struct ll_load_opts;

/*
 * 1 when a lifeline program attached from dir (XDP, tcx or clsact, the
 * sock_ops links) uses a map whose pin in dir is another map (the pin was
 * removed and made again by a load, or a resize was killed half-way).
 */
int ll_progs_stale(const char *dir);

/* LL_PROGS_NET, with LL_PROGS_SOCK when dir has sock_ops links: what a renew loads. */
__u32 ll_renew_progs(const char *dir);

/*
 * Every lifeline program attached from dir gets skel's program of the same
 * name, in place (bpf_link_update, the clsact filter replaced): all or
 * nothing (a failure puts the old programs back). A program in libxdp's
 * dispatcher is left as it is (*dispatched counts them; may be NULL).
 */
int ll_renew(const char *dir, struct lifeline_bpf *skel, int *dispatched, char *err,
	     size_t errlen);

/*
 * ll_renew when force or ll_progs_stale: with skel's programs when skel (a
 * load over dir's pins, may be NULL) has one for every attachment, else with
 * a load of its own over the pins (which also fills the observe slots; a map
 * it makes again has sizes' max_flows / max_rules; sizes may be NULL).
 */
int ll_renew_if(const char *dir, struct lifeline_bpf *skel, const struct ll_load_opts *sizes,
		int force, char *err, size_t errlen);

/* ll_renew_if(dir, NULL, NULL, 0, ...): a load over the pinned maps, only when stale. */
int ll_renew_if_stale(const char *dir, char *err, size_t errlen);

/* ------------------------------------------ shared with resize.c (its switch) */

#define RN_MAX 512

/* One attached program: a pinned link (XDP, tcx, sock_ops) or a clsact filter. */
struct rn_point {
	char path[PATH_MAX];
	int cls, ifindex, egress;
	__u32 old_id;
	int old_fd;		/* the program in place */
	char name[BPF_OBJ_NAME_LEN];
	int done;
};

struct rn_set {
	struct rn_point p[RN_MAX];
	int n, dispatched;
};

/* dir/name into buf; -ENAMETOOLONG if it does not fit. */
int rn_pin_join(char *buf, size_t len, const char *dir, const char *name);

/* Every lifeline program attached from dir, each with its program open (s: zeroed first). */
int rn_set_read(const char *dir, struct rn_set *s);

/* Closes what rn_set_read opened. */
void rn_set_free(struct rn_set *s);

/* Every point to skel's program of its name; a failure switches those done back. */
int rn_set_switch(const char *dir, struct rn_set *s, struct lifeline_bpf *skel, char *err,
	       size_t errlen);

/* Back to the programs that were in place: every point switched. */
void rn_set_revert(const char *dir, struct rn_set *s, struct lifeline_bpf *skel);

/* Test hook: LIFELINE_RESIZE_FAULT=WHERE fails (or, kill-WHERE, SIGKILLs) at WHERE. */
int rn_fault(const char *where);

#endif
