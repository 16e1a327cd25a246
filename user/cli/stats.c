// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline stats [--interval SECONDS] [--count N] [--flows]: counters and rates. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "emit.h"
#include "registry.h"

void sum_counters(const struct ll_maps *m, struct ll_counter *out /* [hook][reason] */)
{
	for (__u32 h = 0; h < LL_HOOK_MAX; h++)
		for (__u32 r = 0; r < LL_REASON_MAX; r++)
			ll_percpu_counter_sum(m->fd[LL_MAP_COUNTERS], LL_COUNTER_IDX(h, r),
					      &out[LL_COUNTER_IDX(h, r)]);
}

/* The packets and bytes of each hook and reason (rows: those with packets), with rates. */
static void stats_hooks(struct emit *e, const struct ll_counter *now, const struct ll_counter *prev,
			double interval)
{
	static const char *const hdr[] = { "HOOK", "REASON", "PACKETS", "BYTES", "PPS", "RATE" };

	emit_table_begin(e, prev ? 6 : 4, (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5), hdr);
	emit_obj_begin(e, "hooks");
	for (__u32 h = 0; h < LL_HOOK_MAX; h++) {
		emit_obj_begin(e, ll_hook_names[h]);
		for (__u32 rr = 0; rr < LL_REASON_MAX; rr++) {
			const struct ll_counter *c = &now[LL_COUNTER_IDX(h, rr)];
			const struct ll_counter *p = prev ? &prev[LL_COUNTER_IDX(h, rr)] : NULL;

			emit_row_begin(e);
			emit_text(e, "%s", ll_hook_names[h]);
			emit_text(e, "%s", ll_reason_names[rr]);
			emit_obj_begin(e, ll_reason_names[rr]);
			counter_emit(e, 2, c->packets, c->bytes);
			if (p && interval > 0) {
				emit_double_as(e, "pps", "%s", emit_as_pps,
					       (c->packets - p->packets) / interval);
				emit_double_as(e, "bytes_per_s", "%s", emit_as_byte_rate,
					       (c->bytes - p->bytes) / interval);
			}
			emit_close(e);
			emit_row_end(e, c->packets != 0);
		}
		emit_close(e);
	}
	emit_close(e);
	emit_table_end(e, "", "no packets counted");
}

/*
 * Observe mode's would-drop counters (LL_WOULD_IDX), drop reasons only:
 * per hook with a table (stats), or summed over the hooks with one line
 * (status, when observe is on or anything was counted).
 */
void would_drop_emit(struct emit *e, const struct ll_maps *m, int per_hook)
{
	static const char *const wh[] = { "HOOK", "WOULD DROP AT CRITICAL", "PACKETS", "BYTES" };
	struct ll_counter sum[LL_REASON_MAX] = {};
	__u64 total = 0;

	emit_bool(e, FIELD_OBSERVE, NULL, NULL, m->state->observe);
	if (per_hook)
		emit_table_begin(e, 4, (1u << 2) | (1u << 3), wh);
	emit_obj_begin(e, "would_drop");
	for (__u32 h = 0; h < LL_HOOK_MAX; h++) {
		if (!ll_would_slot(h, LL_DROP_CRITICAL))
			continue;
		if (per_hook)
			emit_obj_begin(e, ll_hook_names[h]);
		for (__u32 r = LL_FIRST_DROP; r < LL_FIRST_NOTE; r++) {
			struct ll_counter c = {};

			if (!ll_would_slot(h, r))
				continue;
			ll_percpu_counter_sum(m->fd[LL_MAP_COUNTERS], LL_WOULD_IDX(h, r), &c);
			sum[r].packets += c.packets;
			sum[r].bytes += c.bytes;
			if (!per_hook)
				continue;
			emit_row_begin(e);
			emit_text(e, "%s", ll_hook_names[h]);
			emit_text(e, "%s", ll_reason_names[r]);
			emit_obj_begin(e, ll_reason_names[r]);
			counter_emit(e, 2, c.packets, c.bytes);
			emit_close(e);
			emit_row_end(e, c.packets != 0);
		}
		if (per_hook)
			emit_close(e);
	}
	for (__u32 r = LL_FIRST_DROP; r < LL_FIRST_NOTE && !per_hook; r++) {
		if (!ll_would_slot(LL_HOOK_XDP, r))
			continue;
		emit_obj_begin(e, ll_reason_names[r]);
		emit_u64(e, FIELD_PACKETS, NULL, sum[r].packets);
		emit_u64(e, FIELD_BYTES, NULL, sum[r].bytes);
		emit_close(e);
		total += sum[r].packets;
	}
	emit_close(e);
	if (per_hook)
		emit_table_end(e, "", m->state->observe ? "observe on: nothing that critical would drop" :
			       NULL);
	else if (m->state->observe || total)
		emit_text(e, "observe %s: critical would have dropped %llu packet%s (lifeline stats)\n",
			  m->state->observe ? "on" : "off", (unsigned long long)total, total == 1 ? "" : "s");
}

/* The memory admitted at elevated and the charges at the last sample, for the rates. */
static __u64 stats_admitted_prev, stats_charged_prev;

/*
 * elevated: the memory the unregistered packets it passed hold (admitted),
 * and what the budget charged them (charged: the same but for a packet
 * rate cap, which charges at least rate / pps); the line when any
 */
static void stats_budget(struct emit *e, struct session *s, int rates, double interval)
{
	__u64 admitted = 0, charged = 0;
	char buf[64];

	ll_budget_admitted(&s->m, &charged, &admitted);
	emit_obj_begin(e, "budget");
	emit_u64_as(e, "admitted_bytes", admitted ? "elevated: %s of memory admitted to "
		    "unregistered traffic" : NULL, fmt_bytes, admitted);
	emit_u64(e, "charged_bytes", NULL, charged);
	if (rates && interval > 0) {
		emit_double_as(e, "admitted_bytes_per_s", admitted ? ", now %s" : NULL,
			       emit_as_byte_rate, (admitted - stats_admitted_prev) / interval);
		emit_double_as(e, "charged_bytes_per_s", NULL, emit_as_byte_rate,
			       (charged - stats_charged_prev) / interval);
	}
	emit_close(e);
	stats_admitted_prev = admitted;
	stats_charged_prev = charged;
	if (!admitted || !emit_human(e))
		return;
	if (charged != admitted) {
		fmt_bytes(buf, sizeof(buf), charged);
		emit_text(e, " (charged %s against the budget: at least rate / pps a packet)", buf);
	}
	emit_text(e, "\n");
}

static void stats_emit(struct emit *e, struct session *s, const struct ll_counter *prev,
		       double interval, struct ll_counter *now_out, int with_flows)
{
	static const char *const rh[] = { "RULE", "SPEC", "PACKETS", "BYTES" };
	static const char *const fh[] = { "FLOW", "ORIGIN", "PACKETS", "BYTES" };
	struct ll_registry r;

	sum_counters(&s->m, now_out);
	stats_hooks(e, now_out, prev, interval);
	would_drop_emit(e, &s->m, 1);
	stats_budget(e, s, prev != NULL, interval);
	if (prev)
		emit_double_as(e, "interval_s", NULL, fmt_duration, interval);
	emit_table_begin(e, 4, (1u << 0) | (1u << 2) | (1u << 3), rh);
	emit_arr_begin(e, FIELD_RULES);
	if (!ll_reg_read(&s->m, &r)) {
		for (__u32 i = 0; i < r.cap; i++)
			if (r.recs[i].kind != LL_RULE_FREE)
				rule_emit(e, &s->m, i, &r.recs[i], 0);
		ll_reg_free(&r);
	}
	emit_close(e);
	emit_table_end(e, "", NULL);
	if (!with_flows)
		return;
	emit_table_begin(e, 4, (1u << 2) | (1u << 3), fh);
	flows_emit(e, &s->m, 0);
	emit_table_end(e, "", NULL);
}

static __u32 stats_interval, stats_count = 1;
static int stats_flows;

static const struct cli_opt stats_opts[] = {
	{ "interval", CLI_U32, &stats_interval, .min = 1, .max = 3600, .metavar = "SECONDS",
	  .help = "print rates over SECONDS, --count times" },
	{ "count", CLI_U32, &stats_count, .min = 1, .max = 1000000, .metavar = "N",
	  .help = "samples with --interval (default 1)" },
	{ "flows", CLI_FLAG, &stats_flows, .help = "per-flow hits too (reads every flow)" },
	{ NULL },
};

static int do_stats(struct cli_ctx *c)
{
	struct ll_counter prev[LL_COUNTER_SLOTS], cur[LL_COUNTER_SLOTS];
	struct session *s = &c->s;

	struct emit e;

	if (!stats_interval) {
		emit_begin(&e);
		stats_emit(&e, s, NULL, 0, cur, stats_flows);
		return cli_emit_done(c, &e);
	}
	sum_counters(&s->m, prev);
	ll_budget_admitted(&s->m, &stats_charged_prev, &stats_admitted_prev);
	for (__u32 k = 0; k < stats_count; k++) {
		__u64 t0 = ll_now_ns();

		sleep(stats_interval);
		emit_begin(&e);
		stats_emit(&e, s, prev, (ll_now_ns() - t0) / 1e9, cur, stats_flows);
		emit_end(&e);
		memcpy(prev, cur, sizeof(prev));
	}
	return 0;
}

static const struct cli_verb stats_verbs[] = {
	{ NULL, NULL, do_stats, CLI_SESS_READ_UNLOCKED, stats_opts, NULL, 0, 0,
	  .summary = "packets and bytes per hook and reason, rule hits; with --interval, rates; "
		     "--flows adds per-flow hits (reads every flow)",
	  .examples = "stats\nstats --interval 1 --count 10\n-j stats --flows" },
};

const struct cli_object cli_stats = { "stats", stats_verbs, CLI_NVERBS(stats_verbs), NULL };
