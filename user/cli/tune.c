// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline tune [OPTION VALUE]...: egress marks, socket floors, the elevated budget. */
#include <stdio.h>
#include "cli.h"

static void tune_human(json_object *o)
{
	char r[32], b[32];

	fmt_rate(r, sizeof(r), ji(o, "budget_rate_bytes_per_s"), "bytes");
	fmt_bytes(b, sizeof(b), ji(o, "budget_burst_bytes"));
	printf("priority %lld, mark 0x%llx, rcvbuf floor %lld, sndbuf floor %lld, elevated budget "
	       "%s of memory (pool %s, whole host", ji(o, "priority"), ji(o, "mark"), ji(o, "rcvbuf"),
	       ji(o, "sndbuf"), r, b);
	if (ji(o, "budget_pps"))
		printf(", at most %lld packets/s", ji(o, "budget_pps"));
	printf(")\n");
}

/* each value with whether it was given: only those given are written */
static struct {
	__u32 priority, mark, rcvbuf, sndbuf;
	__u64 rate, burst, pps;
	int priority_set, mark_set, rcvbuf_set, sndbuf_set, rate_set, burst_set, pps_set;
} tune;

#define TUNE_BUDGET(opt, key, var, mv, text) \
	{ opt, CLI_CONF, &tune.var, &tune.var##_set, .conf_section = "budget", .conf_key = key, \
	  .size = sizeof(tune.var), .metavar = mv, .help = text }

static const struct cli_opt tune_opts[] = {
	{ "priority", CLI_U32, &tune.priority, &tune.priority_set, .max = 0xffff, .metavar = "N",
	  .help = "registered flows' skb priority (TC egress, sock_ops)" },
	{ "mark", CLI_U32, &tune.mark, &tune.mark_set, .max = 0xffffffffU, .metavar = "N",
	  .help = "registered flows' skb mark (TC egress, sock_ops)" },
	{ "rcvbuf", CLI_U32, &tune.rcvbuf, &tune.rcvbuf_set, .max = 0xffffffffU, .metavar = "BYTES",
	  .help = "receive buffer floor of registered connections (sock_ops)" },
	{ "sndbuf", CLI_U32, &tune.sndbuf, &tune.sndbuf_set, .max = 0xffffffffU, .metavar = "BYTES",
	  .help = "send buffer floor of registered connections (sock_ops)" },
	/* the budget: one validator, the [budget] keys' (bounds, size suffixes) */
	TUNE_BUDGET("budget-rate", "rate", rate, "BYTES",
		    "the elevated level's budget for unregistered traffic: memory in bytes/s for "
		    "the host (K, M, G suffixes)"),
	TUNE_BUDGET("budget-burst", "burst", burst, "BYTES", "the budget pool's depth"),
	TUNE_BUDGET("budget-pps", "pps", pps, "N", "an optional packets/s cap (0: none)"),
	{ NULL },
};

static int do_tune(struct cli_ctx *c)
{
	struct ll_state *st = c->s.m.state;
	json_object *o;

	if (tune.priority_set)
		st->egress_priority = tune.priority;
	if (tune.mark_set)
		st->egress_mark = tune.mark;
	if (tune.rcvbuf_set)
		st->sock_rcvbuf = tune.rcvbuf;
	if (tune.sndbuf_set)
		st->sock_sndbuf = tune.sndbuf;
	if (tune.rate_set)
		st->budget_rate = tune.rate;
	if (tune.burst_set)
		st->budget_burst = tune.burst;
	if (tune.pps_set)
		st->budget_pps = tune.pps;
	st->generation++;
	o = json_object_new_object();
	json_object_object_add(o, "priority", json_object_new_int64(st->egress_priority));
	json_object_object_add(o, "mark", json_object_new_int64(st->egress_mark));
	json_object_object_add(o, "rcvbuf", json_object_new_int64(st->sock_rcvbuf));
	json_object_object_add(o, "sndbuf", json_object_new_int64(st->sock_sndbuf));
	json_object_object_add(o, "budget_rate_bytes_per_s", json_object_new_int64(st->budget_rate));
	json_object_object_add(o, "budget_burst_bytes", json_object_new_int64(st->budget_burst));
	json_object_object_add(o, "budget_pps", json_object_new_int64(st->budget_pps));
	return cli_emit(c, o, tune_human);
}

static const struct cli_verb tune_verbs[] = {
	{ NULL, NULL, do_tune, CLI_SESS_CREATE, tune_opts, NULL, 0, 0,
	  .summary = "without options, show the settings; each option given sets one",
	  .examples = "tune\ntune --priority 6 --mark 0x10\ntune --budget-rate 20M --budget-burst 1M" },
};

const struct cli_object cli_tune = { "tune", tune_verbs, CLI_NVERBS(tune_verbs), NULL };
