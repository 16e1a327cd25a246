// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline status: interfaces, level, registrations, counters, orphans. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "registry.h"

#define PLURAL(n) ((n) == 1 ? "" : "s")

/* Prints the table (indented), or the line none when it has no rows; frees it. */
static void table_done(struct table *t, const char *none)
{
	if (t->nrows > 1)
		table_print(t, stdout, "  ");
	else
		printf("  %s\n", none);
	table_free(t);
}

static void status_human(json_object *o)
{
	json_object *ifs, *pr, *cnt;
	struct table t;
	static const char *const hdr[] = { "INTERFACE", "XDP", "PROG", "TC", "STATE" };
	static const char *const chdr[] = { "REASON", "PACKETS", "BYTES" };

	printf("pin path: %s\n", js(o, "pin_path"));
	json_object_object_get_ex(o, "interfaces", &ifs);
	table_init(&t, 5, 0, hdr);
	for (size_t i = 0; i < json_object_array_length(ifs); i++) {
		json_object *e = json_object_array_get_idx(ifs, i);
		char id[16];

		if (ji(e, "xdp_prog_id"))
			snprintf(id, sizeof(id), "%lld", ji(e, "xdp_prog_id"));
		else
			snprintf(id, sizeof(id), "-");
		table_row(&t, js(e, "interface"), js(e, "xdp_mode"), id,
			  !strcmp(js(e, "policy_hook"), "tc_ingress") ?
				(ji(e, "tc_egress") ? "policy+egress" : "policy") :
			  ji(e, "tc_ingress") && ji(e, "tc_egress") ? "ingress+egress" :
			  ji(e, "tc_ingress") ? "ingress" : ji(e, "tc_egress") ? "egress" : "none",
			  js(e, "state"));
	}
	table_done(&t, "not attached to any interface");
	json_object_object_get_ex(o, "pressure", &pr);
	pressure_human_body(pr, "");
	printf("registered: %lld endpoint rule%s, %lld allow rule%s, %lld flow%s (capacity %lld "
	       "flows, %lld rules)\n", ji(o, "rules"), PLURAL(ji(o, "rules")), ji(o, "allow_rules"),
	       PLURAL(ji(o, "allow_rules")), ji(o, "flows"), PLURAL(ji(o, "flows")),
	       ji(o, "flow_capacity"), ji(o, "rule_capacity"));
	json_object_object_get_ex(o, "counters", &cnt);
	table_init(&t, 3, 6, chdr);
	json_object_object_foreach(cnt, key, val) {
		char pk[32], by[32];

		if (!ji(val, "packets"))
			continue;
		snprintf(pk, sizeof(pk), "%lld", ji(val, "packets"));
		fmt_bytes(by, sizeof(by), ji(val, "bytes"));
		table_row(&t, key, pk, by);
	}
	table_done(&t, "no packets counted (at level none the fast path counts nothing)");
	if (json_object_object_get_ex(o, "would_drop", &cnt)) {
		long long wp = 0;

		json_object_object_foreach(cnt, wkey, wval) {
			(void)wkey;
			wp += ji(wval, "packets");
		}
		if (ji(o, "observe") || wp)
			printf("observe %s: critical would have dropped %lld packet%s (lifeline "
			       "stats)\n", ji(o, "observe") ? "on" : "off", wp, PLURAL(wp));
	}
	json_object_object_get_ex(o, "orphaned", &cnt);
	orphans_human(cnt);
}

/* the registered rules, allow rules and flows, and the tables' sizes */
static void status_counts(struct ll_maps *m, json_object *j)
{
	struct ll_registry r;
	int nrules = 0, nallow = 0;

	if (!ll_reg_read(m, &r)) {
		for (__u32 i = 0; i < r.cap; i++) {
			nrules += r.recs[i].kind == LL_RULE_ENDPOINT;
			nallow += r.recs[i].kind == LL_RULE_ALLOW;
		}
		ll_reg_free(&r);
	}
	json_object_object_add(j, "rules", json_object_new_int(nrules));
	json_object_object_add(j, "allow_rules", json_object_new_int(nallow));
	json_object_object_add(j, "flows", json_object_new_int64(ll_flows_dump(m, NULL, NULL)));
	json_object_object_add(j, "flow_capacity", json_object_new_int64(ll_flows_max(m)));
	json_object_object_add(j, "rule_capacity", json_object_new_int64(
		ll_map_capacity(m->fd[LL_MAP_RULES])));
}

/* the packets and bytes of each reason, over the hooks */
static json_object *status_counters(const struct ll_maps *m)
{
	struct ll_counter c[LL_COUNTER_SLOTS];
	json_object *cnt = json_object_new_object();

	sum_counters(m, c);
	for (__u32 rr = 0; rr < LL_REASON_MAX; rr++) {
		__u64 p = 0, b = 0;

		for (__u32 h = 0; h < LL_HOOK_MAX; h++) {
			p += c[LL_COUNTER_IDX(h, rr)].packets;
			b += c[LL_COUNTER_IDX(h, rr)].bytes;
		}
		json_object_object_add(cnt, ll_reason_names[rr], counter_json(p, b));
	}
	return cnt;
}

static int do_status(struct cli_ctx *c)
{
	struct ll_orphan orph[MAX_ORPHANS];
	struct ll_iface ifs[256];
	struct ll_maps *m = &c->s.m;
	json_object *j, *arr, *oarr;
	char msg[512];
	int n, no;

	no = orphans_find(c->dir, orph);
	if (!c->have_session) {
		if (!no)
			return cli_not_set_up(c->dir);
		orphans_msg(orph, no, c->dir, msg, sizeof(msg));
		return cli_failed(c, orphans_only_json(c->dir, orph, no, 1), status_orphans_human,
				  msg);
	}
	oarr = json_object_new_array();
	for (int i = 0; i < no; i++)
		json_object_array_add(oarr, orphan_json(&orph[i]));
	j = json_object_new_object();
	json_object_object_add(j, "pin_path", json_object_new_string(m->dir));
	json_object_object_add(j, "set_up", json_object_new_boolean(1));
	arr = json_object_new_array();
	n = ll_iface_list(m->dir, ifs, 256);
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, iface_json(&ifs[i]));
	json_object_object_add(j, "interfaces", arr);
	json_object_object_add(j, "pressure", pressure_json(m->state));
	status_counts(m, j);
	json_object_object_add(j, "counters", status_counters(m));
	would_drop_json(m, j, 0);
	json_object_object_add(j, "orphaned", oarr);
	if (no) {
		orphans_msg(orph, no, c->dir, msg, sizeof(msg));
		return cli_failed(c, j, status_human, msg);
	}
	for (int i = 0; i < n; i++) {
		if (!strcmp(ifs[i].state, "enforcing"))
			continue;
		snprintf(msg, sizeof(msg), "%s (ifindex %d) is %s: %s; 'lifeline attach %s' "
			 "attaches again, 'lifeline detach' removes the record",
			 ifs[i].name[0] ? ifs[i].name : "(gone)", ifs[i].ifindex, ifs[i].state,
			 ifs[i].why, ifs[i].name[0] ? ifs[i].name : "DEV");
		return cli_failed(c, j, status_human, msg);
	}
	return cli_emit(c, j, status_human);
}

static const struct cli_verb status_verbs[] = {
	{ NULL, NULL, do_status, CLI_SESS_IF_PINS, NULL, NULL, 0, 0,
	  .summary = "interfaces, level, source and lease, counters, table sizes; orphans "
		     "(lifeline programs on this namespace's interfaces whose pins are gone: exit "
		     "1; detach or attach DEV removes them)",
	  .examples = "status\n-j status" },
};

const struct cli_object cli_status = { "status", status_verbs, CLI_NVERBS(status_verbs), NULL };
