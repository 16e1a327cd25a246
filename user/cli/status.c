// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline status: interfaces, level, registrations, counters, orphans. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "emit.h"
#include "registry.h"

/* the text for one, or for any other number */
#define PLURAL(n, one, other) ((n) == 1 ? (one) : (other))

static void status_ifaces(struct emit *e, const struct ll_iface *ifs, int n)
{
	static const char *const hdr[] = { "INTERFACE", "XDP", "PROG", "TC", "STATE" };

	emit_table_begin(e, 5, 0, hdr);
	emit_arr_begin(e, FIELD_INTERFACES);
	for (int i = 0; i < n; i++) {
		emit_row_begin(e);
		emit_obj_begin(e, NULL);
		iface_emit(e, &ifs[i], 1);
		emit_close(e);
		emit_row_end(e, 1);
	}
	emit_close(e);
	emit_table_end(e, "  ", "not attached to any interface");
}

/* the registered rules, allow rules and flows, and the tables' sizes */
static void status_counts(struct emit *e, struct ll_maps *m)
{
	struct ll_registry r;
	int nrules = 0, nallow = 0;
	long nflows = ll_flows_dump(m, NULL, NULL);

	if (!ll_reg_read(m, &r)) {
		for (__u32 i = 0; i < r.cap; i++) {
			nrules += r.recs[i].kind == LL_RULE_ENDPOINT;
			nallow += r.recs[i].kind == LL_RULE_ALLOW;
		}
		ll_reg_free(&r);
	}
	emit_s64(e, FIELD_RULES, PLURAL(nrules, "registered: %lld endpoint rule, ",
					"registered: %lld endpoint rules, "), nrules);
	emit_s64(e, "allow_rules", PLURAL(nallow, "%lld allow rule, ", "%lld allow rules, "),
		 nallow);
	emit_s64(e, FIELD_FLOWS, PLURAL(nflows, "%lld flow ", "%lld flows "), nflows);
	emit_s64(e, "flow_capacity", "(capacity %lld flows, ", ll_flows_max(m));
	emit_s64(e, "rule_capacity", "%lld rules)\n", ll_map_capacity(m->fd[LL_MAP_RULES]));
}

/* the packets and bytes of each reason, over the hooks (rows: those with packets) */
static void status_counters(struct emit *e, const struct ll_maps *m)
{
	static const char *const hdr[] = { "REASON", "PACKETS", "BYTES" };
	struct ll_counter c[LL_COUNTER_SLOTS];

	sum_counters(m, c);
	emit_table_begin(e, 3, 6, hdr);
	emit_obj_begin(e, "counters");
	for (__u32 rr = 0; rr < LL_REASON_MAX; rr++) {
		__u64 p = 0, b = 0;

		for (__u32 h = 0; h < LL_HOOK_MAX; h++) {
			p += c[LL_COUNTER_IDX(h, rr)].packets;
			b += c[LL_COUNTER_IDX(h, rr)].bytes;
		}
		emit_row_begin(e);
		emit_text(e, "%s", ll_reason_names[rr]);
		emit_obj_begin(e, ll_reason_names[rr]);
		counter_emit(e, 1, p, b);
		emit_close(e);
		emit_row_end(e, p != 0);
	}
	emit_close(e);
	emit_table_end(e, "  ", "no packets counted (at level none the fast path counts nothing)");
}

/*
 * Not every map pin there (removed by hand): the interfaces recorded, the
 * missing pins and what restores them; EXIT_PINS, which "not set up" (1)
 * is not.
 */
static int status_pins_incomplete(struct cli_ctx *c)
{
	struct ll_iface ifs[256];
	char names[512], msg[1024];
	int n = ll_iface_list(c->dir, ifs, 256);
	struct emit e;

	emit_begin(&e);
	emit_str(&e, FIELD_PIN_PATH, "pin path: %s (incomplete)\n", c->dir);
	emit_bool(&e, FIELD_SET_UP, NULL, NULL, 0);
	emit_bool(&e, "pins_incomplete", NULL, NULL, 1);
	emit_arr_begin(&e, "missing_pins");
	pins_missing(c->dir, names, sizeof(names), NULL);
	for (int i = 0; i < LL_MAP_MAX; i++) {
		char path[4200];

		snprintf(path, sizeof(path), "%.4000s/%s", c->dir, ll_map_names[i]);
		if (access(path, F_OK))
			emit_str(&e, NULL, NULL, ll_map_names[i]);
	}
	emit_close(&e);
	emit_text(&e, "  missing pins: %s\n", names);
	status_ifaces(&e, ifs, n < 0 ? 0 : n);
	pins_incomplete_msg(c->dir, msg, sizeof(msg));
	c->fail_code = EXIT_PINS;
	return cli_emit_failed(c, &e, msg);
}

static int do_status(struct cli_ctx *c)
{
	struct ll_orphan orph[MAX_ORPHANS];
	struct ll_iface ifs[256];
	struct ll_maps *m = &c->s.m;
	struct emit e;
	char msg[512];
	int n, no;

	if (c->pins_incomplete)
		return status_pins_incomplete(c);
	no = orphans_find(c->dir, orph);
	if (!c->have_session) {
		if (!no)
			return cli_not_set_up(c->dir);
		return orphans_only(c, orph, no, 1);
	}
	n = ll_iface_list(m->dir, ifs, 256);
	emit_begin(&e);
	emit_str(&e, FIELD_PIN_PATH, "pin path: %s\n", m->dir);
	emit_bool(&e, FIELD_SET_UP, NULL, NULL, 1);
	status_ifaces(&e, ifs, n);
	emit_obj_begin(&e, FIELD_PRESSURE);
	pressure_emit(&e, m->state, "");
	emit_close(&e);
	status_counts(&e, m);
	status_counters(&e, m);
	would_drop_emit(&e, m, 0);
	orphans_emit(&e, orph, no);
	if (no) {
		orphans_msg(orph, no, c->dir, msg, sizeof(msg));
		return cli_emit_failed(c, &e, msg);
	}
	for (int i = 0; i < n; i++) {
		int where;

		if (!strcmp(ifs[i].state, "enforcing"))
			continue;
		where = ll_iface_where(m->dir, ifs[i].ifindex);
		if (where != LL_IFACE_HERE && ifs[i].name[0]) {
			/* the name here is another interface's: not one to attach to */
			snprintf(msg, sizeof(msg), "the interface lifeline attached at ifindex %d is "
				 "%s (%s has that ifindex here, another one); 'lifeline detach %s' "
				 "removes the record (by ifindex, %s is not touched)", ifs[i].ifindex,
				 where == LL_IFACE_GONE ? "gone" : "in another namespace now",
				 ifs[i].name, ifs[i].name, ifs[i].name);
			return cli_emit_failed(c, &e, msg);
		}
		snprintf(msg, sizeof(msg), "%s (ifindex %d) is %s: %s; 'lifeline attach %s' "
			 "attaches again, 'lifeline detach' removes the record",
			 ifs[i].name[0] ? ifs[i].name : "(gone)", ifs[i].ifindex, ifs[i].state,
			 ifs[i].why, ifs[i].name[0] ? ifs[i].name : "DEV");
		return cli_emit_failed(c, &e, msg);
	}
	return cli_emit_done(c, &e);
}

static const struct cli_verb status_verbs[] = {
	{ NULL, NULL, do_status, CLI_SESS_IF_PINS, NULL, NULL, 0, 0,
	  .summary = "interfaces, level, source and lease, counters, table sizes; orphans "
		     "(lifeline programs on this namespace's interfaces whose pins are gone: exit "
		     "1; detach or attach DEV removes them); exit 1 also when nothing is set up "
		     "or an interface is not enforcing, 3 when some map pins are missing "
		     "(missing_pins[] in -j, and what restores them)",
	  .examples = "status\n-j status" },
};

const struct cli_object cli_status = { "status", status_verbs, CLI_NVERBS(status_verbs), NULL };
