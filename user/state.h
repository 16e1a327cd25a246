/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every user-space mutation of the state map (struct ll_state, mmap()ed
 * by ll_maps_open) goes through these functions, with one convention:
 *
 *  - Fields are written with __atomic_store_n. A group of fields that must
 *    be read together is published by one store with __ATOMIC_RELEASE
 *    made last: a vote's expires_ns (since, source, level relaxed first;
 *    the datapath takes a vote with a lease in the future as complete),
 *    and the override's override_active (cleared with release before the
 *    override is rewritten, set with release after).
 *  - After the fields of one change, generation is bumped once with
 *    __atomic_add_fetch(..., 1, __ATOMIC_RELEASE): a reader that sees the
 *    new generation (acquire) sees every field of that change.
 *  - Locking: fields that several programs write (the override, the
 *    tuning, strict) are written with the pin directory flock()ed, the
 *    CLI's session lock, so two writers never interleave one change. The
 *    daemon's vote has a single writer, lifelined, and is renewed every
 *    tick without the lock (a CLI holding it must not stall the lease).
 *    The budget is lifelined's too while it runs (its [budget] section,
 *    rewritten when it changes); `lifeline tune --budget-*` writes it
 *    under the lock and is overwritten by the daemon's next change.
 *  - Readers copy the map (ll_state_snapshot) and compute from the copy.
 *
 * Created maps are initialised by ll_state_init, called from
 * ll_maps_open_or_create (generation 0 to 1, before any reader); the rule
 * table sizes are kept by ll_reg_sync.
 */
#ifndef LL_STATE_H
#define LL_STATE_H

#include <linux/types.h>
#include "lifeline.h"

/* The daemon's vote; bumps generation when the level or the source changed. */
void ll_state_vote_daemon(struct ll_state *s, __u32 level, __u32 source, __u64 since_ns,
			  __u64 expires_ns);

/* The elevated budget; returns 1 (generation bumped) when a value changed, 0 otherwise. */
int ll_state_budget(struct ll_state *s, __u64 rate, __u64 burst, __u64 pps);

/* Manual override at level from now, for dur_ns (0: until cleared). */
void ll_state_override_set(struct ll_state *s, __u32 level, __u64 now_ns, __u64 dur_ns);
void ll_state_override_clear(struct ll_state *s);

/* `lifeline tune`: the fields whose bit is set in t->set, then one generation bump. */
enum ll_tune_field {
	LL_TUNE_PRIORITY,	/* egress_priority */
	LL_TUNE_MARK,		/* egress_mark */
	LL_TUNE_RCVBUF,		/* sock_rcvbuf */
	LL_TUNE_SNDBUF,		/* sock_sndbuf */
	LL_TUNE_BUDGET_RATE,	/* budget_rate */
	LL_TUNE_BUDGET_BURST,	/* budget_burst */
	LL_TUNE_BUDGET_PPS,	/* budget_pps */
	LL_TUNE_OBSERVE,	/* observe: 0 or 1 */
	LL_TUNE_MAX
};

struct ll_tune {
	__u32 set;		/* 1 << enum ll_tune_field */
	__u64 val[LL_TUNE_MAX];
};

void ll_state_tune(struct ll_state *s, const struct ll_tune *t);
void ll_state_strict(struct ll_state *s, __u32 strict);

/*
 * A map created a moment ago (generation 0): the defaults, then generation
 * 1 published with release, before any reader takes the map as set up.
 */
void ll_state_init(struct ll_state *s, __u32 flow_max);
/* The flows user space admits (a resize). */
void ll_state_flow_max(struct ll_state *s, __u32 flow_max);

/* A copy of the map for a reader. */
void ll_state_snapshot(const struct ll_state *s, struct ll_state *snap);

#endif
