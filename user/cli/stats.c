// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline stats [--interval SECONDS] [--count N] [--flows]: counters and rates. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "registry.h"

void sum_counters(const struct ll_maps *m, struct ll_counter *out /* [hook][reason] */)
{
	for (__u32 h = 0; h < LL_HOOK_MAX; h++)
		for (__u32 r = 0; r < LL_REASON_MAX; r++)
			ll_percpu_counter_sum(m->fd[LL_MAP_COUNTERS], LL_COUNTER_IDX(h, r),
					      &out[LL_COUNTER_IDX(h, r)]);
}

/*
 * Observe mode's would-drop counters (LL_WOULD_IDX), drop reasons only:
 * per hook, or summed over the hooks (per_hook 0, for status).
 */
void would_drop_json(const struct ll_maps *m, json_object *j, int per_hook)
{
	json_object *w = json_object_new_object();
	struct ll_counter sum[LL_REASON_MAX] = {};

	for (__u32 h = 0; h < LL_HOOK_MAX; h++) {
		json_object *reasons;

		if (!ll_would_slot(h, LL_DROP_CRITICAL))
			continue;
		reasons = json_object_new_object();
		for (__u32 r = LL_FIRST_DROP; r < LL_FIRST_NOTE; r++) {
			struct ll_counter c = {};

			if (!ll_would_slot(h, r))
				continue;
			ll_percpu_counter_sum(m->fd[LL_MAP_COUNTERS], LL_WOULD_IDX(h, r), &c);
			sum[r].packets += c.packets;
			sum[r].bytes += c.bytes;
			json_object_object_add(reasons, ll_reason_names[r],
					       counter_json(c.packets, c.bytes));
		}
		if (per_hook)
			json_object_object_add(w, ll_hook_names[h], reasons);
		else
			json_object_put(reasons);
	}
	if (!per_hook)
		for (__u32 r = LL_FIRST_DROP; r < LL_FIRST_NOTE; r++)
			if (ll_would_slot(LL_HOOK_XDP, r))
				json_object_object_add(w, ll_reason_names[r],
						       counter_json(sum[r].packets, sum[r].bytes));
	json_object_object_add(j, "observe", json_object_new_boolean(m->state->observe));
	json_object_object_add(j, "would_drop", w);
}

static void stats_human(json_object *o)
{
	json_object *hooks, *rules, *flows, *budget;
	int rates = json_object_object_get_ex(o, "interval_s", NULL);
	static const char *const hdr[] = { "HOOK", "REASON", "PACKETS", "BYTES", "PPS", "RATE" };
	struct table t;

	table_init(&t, rates ? 6 : 4, (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5), hdr);
	json_object_object_get_ex(o, "hooks", &hooks);
	json_object_object_foreach(hooks, hook, reasons) {
		json_object_object_foreach(reasons, reason, v) {
			char pk[32], by[32], pps[32], bps[32];
			json_object *x;

			if (!ji(v, "packets"))
				continue;
			snprintf(pk, sizeof(pk), "%lld", ji(v, "packets"));
			fmt_bytes(by, sizeof(by), ji(v, "bytes"));
			if (rates) {
				json_object_object_get_ex(v, "pps", &x);
				fmt_rate(pps, sizeof(pps), json_object_get_double(x), "packets");
				json_object_object_get_ex(v, "bytes_per_s", &x);
				fmt_rate(bps, sizeof(bps), json_object_get_double(x), "bytes");
			}
			table_row(&t, hook, reason, pk, by, pps, bps);
		}
	}
	if (t.nrows > 1)
		table_print(&t, stdout, "");
	else
		printf("no packets counted\n");
	table_free(&t);
	if (json_object_object_get_ex(o, "would_drop", &hooks)) {
		static const char *const wh[] = { "HOOK", "WOULD DROP AT CRITICAL", "PACKETS",
						  "BYTES" };

		table_init(&t, 4, (1u << 2) | (1u << 3), wh);
		json_object_object_foreach(hooks, whook, wreasons) {
			json_object_object_foreach(wreasons, wreason, v) {
				char pk[32], by[32];

				if (!ji(v, "packets"))
					continue;
				snprintf(pk, sizeof(pk), "%lld", ji(v, "packets"));
				fmt_bytes(by, sizeof(by), ji(v, "bytes"));
				table_row(&t, whook, wreason, pk, by);
			}
		}
		if (t.nrows > 1)
			table_print(&t, stdout, "");
		else if (ji(o, "observe"))
			printf("observe on: nothing that critical would drop\n");
		table_free(&t);
	}
	if (json_object_object_get_ex(o, "budget", &budget) && ji(budget, "admitted_bytes")) {
		char adm[32], rate[32] = "";
		json_object *x;

		fmt_bytes(adm, sizeof(adm), ji(budget, "admitted_bytes"));
		if (json_object_object_get_ex(budget, "admitted_bytes_per_s", &x))
			fmt_rate(rate, sizeof(rate), json_object_get_double(x), "bytes");
		printf("elevated: %s of memory admitted to unregistered traffic%s%s", adm,
		       *rate ? ", now " : "", rate);
		if (ji(budget, "charged_bytes") != ji(budget, "admitted_bytes")) {
			fmt_bytes(adm, sizeof(adm), ji(budget, "charged_bytes"));
			printf(" (charged %s against the budget: at least rate / pps a packet)", adm);
		}
		printf("\n");
	}
	if (json_object_object_get_ex(o, "rules", &rules) && json_object_array_length(rules)) {
		static const char *const rh[] = { "RULE", "SPEC", "PACKETS", "BYTES" };

		table_init(&t, 4, (1u << 0) | (1u << 2) | (1u << 3), rh);
		for (size_t i = 0; i < json_object_array_length(rules); i++) {
			json_object *e = json_object_array_get_idx(rules, i);
			char id[16], pk[32], by[32];

			snprintf(id, sizeof(id), "%lld", ji(e, "id"));
			hit_cells(e, pk, by);
			table_row(&t, id, js(e, "spec"), pk, by);
		}
		table_print(&t, stdout, "");
		table_free(&t);
	}
	if (json_object_object_get_ex(o, "flows", &flows) && json_object_array_length(flows)) {
		static const char *const fh[] = { "FLOW", "ORIGIN", "PACKETS", "BYTES" };

		table_init(&t, 4, (1u << 2) | (1u << 3), fh);
		for (size_t i = 0; i < json_object_array_length(flows); i++) {
			json_object *e = json_object_array_get_idx(flows, i);
			char pk[32], by[32];

			hit_cells(e, pk, by);
			table_row(&t, js(e, "spec"), js(e, "origin"), pk, by);
		}
		table_print(&t, stdout, "");
		table_free(&t);
	}
}

/* The memory admitted at elevated and the charges at the last sample, for the rates. */
static __u64 stats_admitted_prev, stats_charged_prev;

static json_object *stats_json(struct session *s, const struct ll_counter *prev, double interval,
			       struct ll_counter *now_out, int with_flows)
{
	json_object *j = json_object_new_object(), *hooks = json_object_new_object();
	json_object *rules = json_object_new_array(), *budget = json_object_new_object();
	struct ll_registry r;
	__u64 admitted = 0, charged = 0;

	sum_counters(&s->m, now_out);
	for (__u32 h = 0; h < LL_HOOK_MAX; h++) {
		json_object *reasons = json_object_new_object();

		for (__u32 rr = 0; rr < LL_REASON_MAX; rr++) {
			const struct ll_counter *c = &now_out[LL_COUNTER_IDX(h, rr)];
			json_object *e = counter_json(c->packets, c->bytes);

			if (prev && interval > 0) {
				const struct ll_counter *p = &prev[LL_COUNTER_IDX(h, rr)];

				json_object_object_add(e, "pps", json_object_new_double(
					(c->packets - p->packets) / interval));
				json_object_object_add(e, "bytes_per_s", json_object_new_double(
					(c->bytes - p->bytes) / interval));
			}
			json_object_object_add(reasons, ll_reason_names[rr], e);
		}
		json_object_object_add(hooks, ll_hook_names[h], reasons);
	}
	json_object_object_add(j, "hooks", hooks);
	would_drop_json(&s->m, j, 1);
	/*
	 * elevated: the memory the unregistered packets it passed hold
	 * (admitted), and what the budget charged them (charged: the same
	 * but for a packet rate cap, which charges at least rate / pps)
	 */
	ll_budget_admitted(&s->m, &charged, &admitted);
	json_object_object_add(budget, "admitted_bytes", json_object_new_int64(admitted));
	json_object_object_add(budget, "charged_bytes", json_object_new_int64(charged));
	if (prev && interval > 0) {
		json_object_object_add(budget, "admitted_bytes_per_s", json_object_new_double(
			(admitted - stats_admitted_prev) / interval));
		json_object_object_add(budget, "charged_bytes_per_s", json_object_new_double(
			(charged - stats_charged_prev) / interval));
	}
	stats_admitted_prev = admitted;
	stats_charged_prev = charged;
	json_object_object_add(j, "budget", budget);
	if (prev)
		json_object_object_add(j, "interval_s", json_object_new_double(interval));
	if (!ll_reg_read(&s->m, &r)) {
		for (__u32 i = 0; i < r.cap; i++)
			if (r.recs[i].kind != LL_RULE_FREE)
				json_object_array_add(rules, rule_json(&s->m, i, &r.recs[i]));
		ll_reg_free(&r);
	}
	json_object_object_add(j, "rules", rules);
	if (with_flows)
		json_object_object_add(j, "flows", flows_json(&s->m));
	return j;
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

	if (!stats_interval)
		return cli_emit(c, stats_json(s, NULL, 0, cur, stats_flows), stats_human);
	sum_counters(&s->m, prev);
	ll_budget_admitted(&s->m, &stats_charged_prev, &stats_admitted_prev);
	for (__u32 k = 0; k < stats_count; k++) {
		__u64 t0 = ll_now_ns();

		sleep(stats_interval);
		out_emit(stats_json(s, prev, (ll_now_ns() - t0) / 1e9, cur, stats_flows), stats_human);
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
