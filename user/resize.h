/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Resizing the size-dependent maps (user/resize.c: the flow table, the rule
 * tables and their records, hits and host hashes) while attached; renewing
 * the programs in place is renew.h's. All functions return 0 or -errno with
 * one line in err.
 */
#ifndef LL_RESIZE_H
#define LL_RESIZE_H

#include <stddef.h>
#include <linux/types.h>
#include "maps.h"
#include "renew.h"

struct lifeline_bpf;

/* The maps a resize creates again (1 << enum ll_map_id). */
#define LL_RESIZE_MAPS ((1U << LL_MAP_FLOWS) | (1U << LL_MAP_RULES) | (1U << LL_MAP_ALLOW) | \
			(1U << LL_MAP_RULE_HITS) | (1U << LL_MAP_RULE_RECS) |               \
			(1U << LL_MAP_RULE_HOSTS) | (1U << LL_MAP_ALLOW_HOSTS))

/* Where a resize pins its new maps until they replace the old pins: DIR/resize. */
#define LL_RESIZE_STAGE "resize"

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
