// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The writers of struct ll_state; the convention is in state.h. */
#include <string.h>
#include "state.h"

#define STORE(field, val) __atomic_store_n(&(field), (val), __ATOMIC_RELAXED)

static void bump(struct ll_state *s)
{
	__atomic_add_fetch(&s->generation, 1, __ATOMIC_RELEASE);
}

void ll_state_vote_daemon(struct ll_state *s, __u32 level, __u32 source, __u64 since_ns,
			  __u64 expires_ns)
{
	struct ll_vote *v = &s->daemon;
	int changed = __atomic_load_n(&v->level, __ATOMIC_RELAXED) != level ||
		      __atomic_load_n(&v->source, __ATOMIC_RELAXED) != source;

	STORE(v->since_ns, since_ns);
	STORE(v->source, source);
	STORE(v->level, level);
	__atomic_store_n(&v->expires_ns, expires_ns, __ATOMIC_RELEASE);
	if (changed)
		bump(s);
}

int ll_state_budget(struct ll_state *s, __u64 rate, __u64 burst, __u64 pps)
{
	if (__atomic_load_n(&s->budget_rate, __ATOMIC_RELAXED) == rate &&
	    __atomic_load_n(&s->budget_burst, __ATOMIC_RELAXED) == burst &&
	    __atomic_load_n(&s->budget_pps, __ATOMIC_RELAXED) == pps)
		return 0;
	STORE(s->budget_rate, rate);
	STORE(s->budget_burst, burst);
	STORE(s->budget_pps, pps);
	bump(s);
	return 1;
}

void ll_state_override_set(struct ll_state *s, __u32 level, __u64 now_ns, __u64 dur_ns)
{
	/* deactivate, rewrite, reactivate: the datapath never sees a mixed override */
	__atomic_store_n(&s->override_active, 0, __ATOMIC_RELEASE);
	STORE(s->override.level, level);
	STORE(s->override.source, (__u32)LL_SRC_MANUAL);
	STORE(s->override.since_ns, now_ns);
	/* dur is at most LL_DURATION_MAX_NS (365d): now + dur cannot wrap */
	STORE(s->override.expires_ns, dur_ns ? now_ns + dur_ns : 0);
	__atomic_store_n(&s->override_active, 1, __ATOMIC_RELEASE);
	bump(s);
}

void ll_state_override_clear(struct ll_state *s)
{
	__atomic_store_n(&s->override_active, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->override.level, (__u32)LL_LEVEL_NONE, __ATOMIC_RELEASE);
	bump(s);
}

void ll_state_tune(struct ll_state *s, const struct ll_tune *t)
{
	for (int f = 0; f < LL_TUNE_MAX; f++) {
		__u64 v = t->val[f];

		if (!(t->set & (1U << f)))
			continue;
		switch ((enum ll_tune_field)f) {
		case LL_TUNE_PRIORITY:
			STORE(s->egress_priority, (__u32)v);
			break;
		case LL_TUNE_MARK:
			STORE(s->egress_mark, (__u32)v);
			break;
		case LL_TUNE_RCVBUF:
			STORE(s->sock_rcvbuf, (__u32)v);
			break;
		case LL_TUNE_SNDBUF:
			STORE(s->sock_sndbuf, (__u32)v);
			break;
		case LL_TUNE_BUDGET_RATE:
			STORE(s->budget_rate, v);
			break;
		case LL_TUNE_BUDGET_BURST:
			STORE(s->budget_burst, v);
			break;
		case LL_TUNE_BUDGET_PPS:
			STORE(s->budget_pps, v);
			break;
		case LL_TUNE_OBSERVE:
			STORE(s->observe, (__u32)!!v);
			break;
		case LL_TUNE_MAX:
			break;
		}
	}
	bump(s);
}

void ll_state_strict(struct ll_state *s, __u32 strict)
{
	STORE(s->strict, strict);
	bump(s);
}

void ll_state_flow_max(struct ll_state *s, __u32 flow_max)
{
	STORE(s->flow_max, flow_max);
	bump(s);
}

void ll_state_init(struct ll_state *s, __u32 flow_max)
{
	STORE(s->egress_priority, (__u32)LL_TC_PRIO_INTERACTIVE);
	STORE(s->budget_rate, (__u64)LL_DEFAULT_BUDGET_RATE);
	STORE(s->budget_burst, (__u64)LL_DEFAULT_BUDGET_BURST);
	/* strict by default: at critical a spoofed registered TCP packet gets nothing */
	STORE(s->strict, 1U);
	STORE(s->flow_max, flow_max);
	STORE(s->layout, (__u32)LL_LAYOUT);
	__atomic_store_n(&s->generation, 1, __ATOMIC_RELEASE);
}

void ll_state_snapshot(const struct ll_state *s, struct ll_state *snap)
{
	memcpy(snap, (const void *)s, sizeof(*snap));
}
