// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "engine.h"
#include "maps.h"

const char *ll_level_name(__u32 level)
{
	return level < LL_LEVEL_MAX ? ll_level_names[level] : "invalid";
}

const char *ll_source_name(__u32 source)
{
	return source < LL_SRC_MAX ? ll_source_names[source] : "invalid";
}

int ll_override_in_effect(const struct ll_state *s, __u64 now)
{
	__u32 source;
	int expired;

	ll_level_of(s, now, &source, &expired);
	return source == LL_SRC_MANUAL;
}

void ll_engine_init(struct ll_engine *e, __u64 hold_ns)
{
	memset(e, 0, sizeof(*e));
	e->hold_ns = hold_ns;
}

/* Highest input level; on a tie the current source keeps it, else the first. */
static __u32 input_max(const __u32 levels[LL_SRC_MAX], __u32 current, __u32 *source)
{
	__u32 best = LL_LEVEL_NONE, src = LL_SRC_NONE;

	for (__u32 i = LL_SRC_MANUAL + 1; i < LL_SRC_MAX; i++) {
		__u32 l = levels[i] < LL_LEVEL_MAX ? levels[i] : LL_LEVEL_CRITICAL;

		if (l > best) {
			best = l;
			src = i;
		}
	}
	if (best != LL_LEVEL_NONE && current < LL_SRC_MAX && current > LL_SRC_MANUAL &&
	    levels[current] == best)
		src = current;
	*source = src;
	return best;
}

void ll_engine_step(struct ll_engine *e, const __u32 levels[LL_SRC_MAX],
		    const struct ll_state *snap, __u64 now, struct ll_engine_out *out)
{
	__u32 in_src, in = input_max(levels, e->source, &in_src);
	__u32 old_level = e->level, old_source = e->source;
	struct ll_state view = {};
	int expired;

	memset(out, 0, sizeof(*out));
	out->input_level = in;
	out->input_source = in_src;

	if (in > e->level) {
		/* raised at once */
		e->level = in;
		e->source = in_src;
		e->since_ns = now;
		e->below_ns = 0;
	} else if (in == e->level) {
		e->below_ns = 0;
		if (in != LL_LEVEL_NONE)
			e->source = in_src;
	} else {
		if (!e->below_ns)
			e->below_ns = now;
		if (now - e->below_ns >= e->hold_ns) {
			/* one step down; the next step needs a full hold of its own */
			e->level--;
			e->since_ns = now;
			e->below_ns = e->level > in ? now : 0;
			if (e->level == LL_LEVEL_NONE)
				e->source = LL_SRC_NONE;
			else if (in == e->level)
				e->source = in_src;
			out->stepped_down = 1;
		}
	}
	out->vote_level = e->level;
	out->vote_source = e->source;
	out->vote_since_ns = e->since_ns;
	out->vote_changed = e->level != old_level || e->source != old_source;

	/* The effective level, as the datapath computes it, with this vote in place. */
	if (snap)
		view = *snap;
	view.daemon.level = e->level;
	view.daemon.source = e->source;
	view.daemon.since_ns = e->since_ns;
	view.daemon.expires_ns = now + 1;
	out->level = ll_level_of(&view, now, &out->source, &expired);
	out->prev_level = e->eff_level;
	out->prev_source = e->eff_source;
	out->changed = out->level != e->eff_level;
	e->eff_level = out->level;
	e->eff_source = out->source;
}
