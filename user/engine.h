/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The level engine of lifelined. Pure and time-injected: it reads no clock
 * and no file, so a scripted trace of inputs gives one exact timeline.
 *
 * Input: the level of every source at time now, and a snapshot of the
 * state map (for the override and kernel votes, which the daemon never
 * writes). Output: the daemon's vote and the effective level.
 *
 * The vote is the highest source level, raised at once. It is lowered one
 * step at a time, each step only after the input has stayed below the vote
 * for `hold` continuously (hysteresis). The effective level is what the
 * datapath applies: ll_level_of() over the snapshot with this vote in it,
 * so an active manual override wins.
 */
#ifndef LL_ENGINE_H
#define LL_ENGINE_H

#include <linux/types.h>
#include "lifeline.h"

struct ll_engine {
	__u64 hold_ns;
	__u32 level;		/* the daemon's vote */
	__u32 source;
	__u64 since_ns;
	__u64 below_ns;		/* input below the vote since then; 0 = not below */
	__u32 eff_level;	/* last effective level, for change detection */
	__u32 eff_source;
};

struct ll_engine_out {
	__u32 level;		/* effective: override, kernel vote or ours */
	__u32 source;
	__u32 prev_level;	/* effective before this step */
	__u32 prev_source;
	int changed;		/* the effective level changed */
	__u32 vote_level;	/* the daemon's vote, to write into the state map */
	__u32 vote_source;
	__u64 vote_since_ns;
	int vote_changed;	/* the vote's level or source changed */
	int stepped_down;	/* the vote went down one step after the hold */
	__u32 input_level;	/* the highest source level of this step */
	__u32 input_source;
};

void ll_engine_init(struct ll_engine *e, __u64 hold_ns);

/* levels[] is indexed by enum ll_source; snap may be NULL (no other votes). */
void ll_engine_step(struct ll_engine *e, const __u32 levels[LL_SRC_MAX],
		    const struct ll_state *snap, __u64 now, struct ll_engine_out *out);

/*
 * Whether the manual override decides the level at now: set and not expired.
 * Answered by ll_level_of() itself (its source is manual only then), so the
 * CLI and the metrics agree with the datapath about the expiry.
 */
int ll_override_in_effect(const struct ll_state *s, __u64 now);

/* Names that never index out of the tables. */
const char *ll_level_name(__u32 level);
const char *ll_source_name(__u32 source);

#endif
