/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What is registered: endpoint and allow rules (records in ll_rule_recs,
 * compiled into the ll_rules/ll_allow tries) and exact flows (ll_flows).
 * Changes are all or nothing: a batch that fails part-way is rolled back.
 */
#ifndef LL_REGISTRY_H
#define LL_REGISTRY_H

#include <stddef.h>
#include "maps.h"

struct ll_registry {
	struct ll_rule_rec *recs;	/* indexed by rule id */
	__u32 cap;			/* max_entries of ll_rule_recs */
};

int ll_reg_read(const struct ll_maps *m, struct ll_registry *r);
void ll_reg_free(struct ll_registry *r);

/* Same kind, protocol, prefix and ranges: the same registration. */
int ll_rec_same(const struct ll_rule_rec *a, const struct ll_rule_rec *b);

/* Rule id of a record equal to rec, or of the one named name; -1 if none. */
int ll_reg_find(const struct ll_registry *r, const struct ll_rule_rec *rec, const char *name);

/*
 * Adds n records (kind set by the caller) in one step. Records already
 * present are skipped and counted in *dup. On error nothing changed.
 */
int ll_reg_add(struct ll_maps *m, struct ll_registry *r, const struct ll_rule_rec *recs, size_t n,
	       size_t *dup, char *err, size_t errlen);

/* Removes the rules with these ids; on error nothing changed. */
int ll_reg_del(struct ll_maps *m, struct ll_registry *r, const __u32 *ids, size_t n, char *err,
	       size_t errlen);

/* Recompiles one rule table (LL_RULE_ENDPOINT or LL_RULE_ALLOW) from the records. */
int ll_reg_sync(struct ll_maps *m, const struct ll_registry *r, __u32 kind, char *err,
		size_t errlen);

/*
 * Installs compiled entries as the datapath reads them: full-length
 * prefixes in the host hash, the rest in the trie, and the entry counts in
 * the state. Used by ll_reg_sync, and by tests and benchmarks.
 */
struct ll_rule_entry;
int ll_rules_install(struct ll_maps *m, __u32 kind, const struct ll_rule_entry *e, size_t n);

/*
 * Exact flows. flags[i] (NULL: all 0) are the LL_FLOW_F_* of keys[i]. A flow
 * already present is counted in *dup and keeps its flags, except that
 * LL_FLOW_F_STRICT asked for is set on it (a re-add never clears strict).
 * ll_flows_add and ll_flows_del, like ll_reg_sync, run under the instance
 * lock and call ll_prefilter_repair before they change anything;
 * ll_flows_dump only reads (stats --interval runs unlocked).
 */
int ll_flows_add(struct ll_maps *m, const struct ll_flow_key *keys, size_t n, __u32 origin,
		 const __u32 *flags, size_t *dup, char *err, size_t errlen);
int ll_flows_del(struct ll_maps *m, const struct ll_flow_key *k);
/* Flows admitted: --max-flows as asked at creation (the table is rounded up). */
__u32 ll_flows_max(const struct ll_maps *m);
/* Counts entries; with keys/vals non-NULL also returns them (caller frees). */
long ll_flows_dump(struct ll_maps *m, struct ll_flow_key **keys, struct ll_flow_val **vals);

/*
 * Under the instance lock only (a writer's mark seen then means that its
 * writer died): when a writer died in the middle of a change (a `flow load`
 * killed part-way), recounts the remote prefilter from the flow table and
 * the host tables (ll_flowtab_repair); 0 when nothing was to do.
 */
int ll_prefilter_repair(struct ll_maps *m);

/* Map capacity (max_entries). */
__u32 ll_map_capacity(int fd);

#endif
