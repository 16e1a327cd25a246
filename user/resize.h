/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The programs in place and the pinned maps (user/resize.c): renewing the
 * programs of every attachment when they use maps that are not the pinned
 * ones, and resizing the size-dependent maps (the flow table, the rule
 * tables and their records, hits and host hashes) while attached. All
 * functions return 0 or -errno with one line in err.
 */
#ifndef LL_RESIZE_H
#define LL_RESIZE_H

#include <stddef.h>
#include <linux/types.h>
#include "maps.h"

struct lifeline_bpf;

/* The maps a resize creates again (1 << enum ll_map_id). */
#define LL_RESIZE_MAPS ((1U << LL_MAP_FLOWS) | (1U << LL_MAP_RULES) | (1U << LL_MAP_ALLOW) | \
			(1U << LL_MAP_RULE_HITS) | (1U << LL_MAP_RULE_RECS) |               \
			(1U << LL_MAP_RULE_HOSTS) | (1U << LL_MAP_ALLOW_HOSTS))

/* Where a resize pins its new maps until they replace the old pins: DIR/resize. */
#define LL_RESIZE_STAGE "resize"

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

/* The flows and rules m holds, and whether they fit tables of these sizes. */
int ll_resize_check(struct ll_maps *m, __u32 max_flows, __u32 max_rules, char *err,
		    size_t errlen);

/*
 * The size-dependent maps of m at max_flows / max_rules (0: as they are),
 * live: new maps, every entry copied (flows inserted again: their bucket
 * depends on the size), programs loaded over them and switched in place on
 * every attachment, then the pins moved. A failure leaves the old maps and
 * programs in force. m is reopened on the new maps.
 */
int ll_resize(struct ll_maps *m, __u32 max_flows, __u32 max_rules, char *err, size_t errlen);

/* Removes what a killed resize left in DIR/resize. */
void ll_resize_stage_clean(const char *dir);

#endif
