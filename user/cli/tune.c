// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline tune [OPTION VALUE]...: egress marks, socket floors, the elevated budget, observe. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "emit.h"
#include "state.h"

/* the settings, in one pass for the text and the JSON */
static void tune_emit(const struct ll_state *st)
{
	struct emit e;

	emit_begin(&e);
	emit_u64(&e, FIELD_PRIORITY, "priority %llu", st->egress_priority);
	emit_u64(&e, FIELD_MARK, ", mark 0x%llx", st->egress_mark);
	emit_u64(&e, FIELD_RCVBUF, ", rcvbuf floor %llu", st->sock_rcvbuf);
	emit_u64(&e, FIELD_SNDBUF, ", sndbuf floor %llu", st->sock_sndbuf);
	emit_u64_as(&e, FIELD_BUDGET_RATE, ", elevated budget %s of memory", emit_as_byte_rate,
		    st->budget_rate);
	emit_u64_as(&e, FIELD_BUDGET_BURST, " (pool %s, whole host", fmt_bytes, st->budget_burst);
	emit_u64(&e, FIELD_BUDGET_PPS, st->budget_pps ? ", at most %llu packets/s" : "",
		 st->budget_pps);
	emit_text(&e, ")\n");
	emit_bool(&e, FIELD_OBSERVE, "observe on (at level none, counts what critical would drop)\n",
		  "observe off\n", st->observe);
	emit_end(&e);
}

/* each value with whether it was given: only those given are written */
static struct {
	__u32 priority, mark, rcvbuf, sndbuf;
	__u64 rate, burst, pps;
	__u32 observe;
	int priority_set, mark_set, rcvbuf_set, sndbuf_set, rate_set, burst_set, pps_set;
	int observe_set;
} tune;

static int onoff_arg(const char *s, void *dest, char *err, size_t len)
{
	if (strcmp(s, "on") && strcmp(s, "off")) {
		snprintf(err, len, "--observe takes on or off, not '%.40s'", s);
		return -EINVAL;
	}
	*(__u32 *)dest = !strcmp(s, "on");
	return 0;
}

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
	{ "observe", CLI_CUSTOM, &tune.observe, &tune.observe_set, .parse = onoff_arg,
	  .metavar = "on|off",
	  .help = "at level none, run the decision of critical too and count what it would drop "
		  "(lifeline stats: would_drop), dropping nothing" },
	{ NULL },
};

/* the options given, as one change of the state map */
static void tune_collect(struct ll_tune *t)
{
	const struct {
		enum ll_tune_field f;
		int given;
		__u64 val;
	} opt[] = {
		{ LL_TUNE_PRIORITY, tune.priority_set, tune.priority },
		{ LL_TUNE_MARK, tune.mark_set, tune.mark },
		{ LL_TUNE_RCVBUF, tune.rcvbuf_set, tune.rcvbuf },
		{ LL_TUNE_SNDBUF, tune.sndbuf_set, tune.sndbuf },
		{ LL_TUNE_BUDGET_RATE, tune.rate_set, tune.rate },
		{ LL_TUNE_BUDGET_BURST, tune.burst_set, tune.burst },
		{ LL_TUNE_BUDGET_PPS, tune.pps_set, tune.pps },
		{ LL_TUNE_OBSERVE, tune.observe_set, tune.observe },
	};

	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		if (!opt[i].given)
			continue;
		t->set |= 1U << opt[i].f;
		t->val[opt[i].f] = opt[i].val;
	}
}

static int do_tune(struct cli_ctx *c)
{
	struct ll_tune t = {};
	struct ll_state snap;

	tune_collect(&t);
	ll_state_tune(c->s.m.state, &t);
	ll_state_snapshot(c->s.m.state, &snap);
	tune_emit(&snap);
	return 0;
}

static const struct cli_verb tune_verbs[] = {
	{ NULL, NULL, do_tune, CLI_SESS_CREATE, tune_opts, NULL, 0, 0,
	  .summary = "without options, show the settings. --priority N, --mark N: registered flows' "
		     "skb priority and mark (TC egress, sock_ops); --rcvbuf BYTES, --sndbuf BYTES: "
		     "socket buffer floors (sock_ops); --budget-rate BYTES, --budget-burst BYTES, "
		     "--budget-pps N: the elevated level's budget for unregistered traffic (memory "
		     "in bytes/s for the host, the pool's depth, an optional packets/s cap); "
		     "--observe on|off: at level none, count per reason what critical would drop "
		     "(stats, metrics), dropping nothing",
	  .examples = "tune\ntune --priority 6 --mark 0x10\ntune --budget-rate 20M --budget-burst 1M\n"
		      "tune --observe on" },
};

const struct cli_object cli_tune = { "tune", tune_verbs, CLI_NVERBS(tune_verbs), NULL };
