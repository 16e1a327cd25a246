// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What flow and allow share: add, del and list of rules (endpoint or
 * allow), exact flows and cgroups, and their JSON. The object tables are
 * in flow.c and allow.c.
 */
#include <errno.h>
#include <endian.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "reg.h"
#include "registry.h"
#include "sockets.h"
#include "spec.h"
#include "util.h"

void rec_of_flow(const struct ll_flow_key *k, struct ll_rule_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = LL_RULE_FLOW;
	r->proto = k->proto;
	r->is_v4 = ll_is_v4mapped(k->remote);
	r->plen = r->is_v4 ? 32 : 128;
	r->nranges = 1;
	r->ranges[0].lo = r->ranges[0].hi = be16toh(k->remote_port);
	r->scheme = k->proto == IPPROTO_UDP ? LL_SCHEME_UDP : LL_SCHEME_TCP;
	memcpy(r->addr, k->remote, 16);
	memcpy(r->local, k->local, 16);
	r->local_port = be16toh(k->local_port);
}

void reg_result_human(json_object *o)
{
	json_object *strict;

	printf("%s %s%s%s\n", js(o, "result"), js(o, "spec"),
	       json_object_object_get_ex(o, "strict", &strict) && json_object_get_boolean(strict) ?
	       " strict" : "", ji(o, "already") ? " (already registered)" : "");
}

json_object *reg_result(const char *what, const struct ll_rule_rec *rec, int already)
{
	json_object *o = json_object_new_object();
	char buf[256];

	ll_spec_format(rec, buf, sizeof(buf));
	json_object_object_add(o, "result", json_object_new_string(what));
	json_object_object_add(o, "spec", json_object_new_string(buf));
	if (rec->name[0])
		json_object_object_add(o, "name", json_object_new_string(rec->name));
	json_object_object_add(o, "already", json_object_new_boolean(already));
	return o;
}

json_object *counter_json(__u64 packets, __u64 bytes)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "packets", json_object_new_int64(packets));
	json_object_object_add(o, "bytes", json_object_new_int64(bytes));
	return o;
}

json_object *sock_links_json(const char *dir)
{
	struct ll_sock_link links[64];
	json_object *arr = json_object_new_array();
	int n = ll_sockets_list(dir, links, 64);

	for (int i = 0; i < n; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "scope", json_object_new_string(links[i].all ? "cgroup" :
									  "endpoints"));
		json_object_object_add(e, "cgroup", json_object_new_string(links[i].all ?
									   links[i].path : "(root)"));
		json_object_object_add(e, "cgroup_id", json_object_new_int64(links[i].cgroup_id));
		json_object_array_add(arr, e);
	}
	return arr;
}

/* The PACKETS and BYTES cells of a flow or rule row, from its JSON. */
void hit_cells(json_object *e, char pk[32], char by[32])
{
	snprintf(pk, 32, "%lld", ji(e, "packets"));
	fmt_bytes(by, 32, ji(e, "bytes"));
}

static void list_human(json_object *o)
{
	json_object *rules, *flows, *cgs;
	struct table t;
	static const char *const hdr[] = { "ID", "KIND", "SPEC", "NAME", "ORIGIN", "PACKETS",
					   "BYTES" };

	table_init(&t, 7, (1u << 0) | (1u << 5) | (1u << 6), hdr);
	if (json_object_object_get_ex(o, "rules", &rules))
		for (size_t i = 0; i < json_object_array_length(rules); i++) {
			json_object *e = json_object_array_get_idx(rules, i);
			char id[16], pk[32], by[32];

			snprintf(id, sizeof(id), "%lld", ji(e, "id"));
			hit_cells(e, pk, by);
			char name[4 * LL_NAME_LEN];

			/* names are checked at input; escape what older versions let in */
			ll_text_escape(js(e, "name"), LL_NAME_LEN, name, sizeof(name));
			table_row(&t, id, js(e, "kind"), js(e, "spec"), name, "cli", pk, by);
		}
	if (json_object_object_get_ex(o, "flows", &flows))
		for (size_t i = 0; i < json_object_array_length(flows); i++) {
			json_object *e = json_object_array_get_idx(flows, i);
			char pk[32], by[32];

			hit_cells(e, pk, by);
			table_row(&t, "-", "flow", js(e, "spec"), "-", js(e, "origin"), pk, by);
		}
	if (json_object_object_get_ex(o, "cgroups", &cgs))
		for (size_t i = 0; i < json_object_array_length(cgs); i++) {
			json_object *e = json_object_array_get_idx(cgs, i);
			char spec[300];

			if (strcmp(js(e, "scope"), "cgroup"))
				continue;
			snprintf(spec, sizeof(spec), "cgroup:%s", js(e, "cgroup"));
			table_row(&t, "-", "cgroup", spec, "-", "cgroup", "-", "-");
		}
	if (t.nrows > 1)
		table_print(&t, stdout, "");
	else
		printf("nothing registered\n");
	table_free(&t);
}

/* The exact flows, as listed by flow list and stats --flows. */
json_object *flows_json(struct ll_maps *m)
{
	struct ll_flow_key *keys = NULL;
	struct ll_flow_val *vals = NULL;
	json_object *flows = json_object_new_array();
	long n = ll_flows_dump(m, &keys, &vals);

	for (long i = 0; i < n; i++) {
		struct ll_rule_rec fr;
		json_object *e;
		char buf[256];

		rec_of_flow(&keys[i], &fr);
		ll_spec_format(&fr, buf, sizeof(buf));
		e = counter_json(vals[i].packets, vals[i].bytes);
		json_object_object_add(e, "spec", json_object_new_string(buf));
		json_object_object_add(e, "origin", json_object_new_string(
			vals[i].origin < LL_ORIGIN_MAX ? ll_origin_names[vals[i].origin] : "?"));
		json_object_object_add(e, "strict", json_object_new_boolean(
			vals[i].flags & LL_FLOW_F_STRICT));
		json_object_array_add(flows, e);
	}
	free(keys);
	free(vals);
	return flows;
}

/* One rule with its hit counters. */
json_object *rule_json(const struct ll_maps *m, __u32 id, const struct ll_rule_rec *r)
{
	struct ll_counter c;
	json_object *e;
	char buf[256];

	ll_percpu_counter_sum(m->fd[LL_MAP_RULE_HITS], id, &c);
	ll_spec_format(r, buf, sizeof(buf));
	e = counter_json(c.packets, c.bytes);
	json_object_object_add(e, "id", json_object_new_int(id));
	json_object_object_add(e, "kind", json_object_new_string(
		r->kind == LL_RULE_ALLOW ? "allow" : "endpoint"));
	json_object_object_add(e, "spec", json_object_new_string(buf));
	json_object_object_add(e, "name", r->name[0] ? json_object_new_string(r->name) : NULL);
	return e;
}

int reg_list(struct cli_ctx *c, __u32 kind)
{
	json_object *j, *rules;
	struct ll_registry r;
	int ret;

	ret = ll_reg_read(&c->s.m, &r);
	if (ret)
		return out_error(EXIT_FAILURE, "cannot read the rules: %s", strerror(-ret));
	j = json_object_new_object();
	rules = json_object_new_array();
	json_object_object_add(j, "rules", rules);
	for (__u32 i = 0; i < r.cap; i++)
		if (r.recs[i].kind == kind)
			json_object_array_add(rules, rule_json(&c->s.m, i, &r.recs[i]));
	ll_reg_free(&r);
	if (kind == LL_RULE_ENDPOINT) {
		json_object_object_add(j, "flows", flows_json(&c->s.m));
		json_object_object_add(j, "cgroups", sock_links_json(c->s.m.dir));
	}
	return cli_emit(c, j, list_human);
}

/* ---------------------------------------------------------------- add, del */

struct reg_opts reg_opts;

int reg_name_arg(const char *s, void *dest, char *err, size_t len)
{
	if (ll_name_check(s, err, len))
		return -EINVAL;
	*(const char **)dest = s;
	return 0;
}

/* what add and del build before the session */
static struct {
	struct ll_rule_rec rec;
	struct ll_flow_key key;
	int isflow;		/* key, not rec */
	const char *cgroup;	/* cgroup:/PATH, its directory in cgdir */
	char cgdir[PATH_MAX];
} reg;

static int is_cgroup(struct cli_ctx *c, __u32 kind)
{
	return kind == LL_RULE_ENDPOINT && !strncmp(c->argv[0], "cgroup:", 7);
}

/* flow add|del cgroup:/PATH: sock_ops on that cgroup registers all its connections. */
static int cgroup_prepare(struct cli_ctx *c, int add)
{
	const char *path = c->argv[0] + strlen("cgroup:");

	if (reg_opts.name || reg_opts.local || reg_opts.strict)
		return usage_error("flow %s cgroup:/PATH takes no options", add ? "add" : "del");
	if (path[0] != '/' || strstr(path, "/..") || strlen(path) > 200)
		return usage_error("cgroup:/PATH needs a path under the cgroup-v2 root, starting with /");
	snprintf(reg.cgdir, sizeof(reg.cgdir), "%s%s", ll_cgroup2_root(), strcmp(path, "/") ? path : "");
	reg.cgroup = c->argv[0];
	return 0;
}

static int cgroup_run(struct cli_ctx *c, int add)
{
	char err[512];
	json_object *o;
	int ret;

	ret = add ? ll_sockets_attach(c->s.m.dir, reg.cgdir, 1, err, sizeof(err)) :
		    ll_sockets_detach(c->s.m.dir, reg.cgdir, 1, err, sizeof(err));
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	o = json_object_new_object();
	json_object_object_add(o, "result", json_object_new_string(add ? "registered" : "deleted"));
	json_object_object_add(o, "spec", json_object_new_string(reg.cgroup));
	json_object_object_add(o, "already", json_object_new_boolean(0));
	return cli_emit(c, o, reg_result_human);
}

/* SPEC with --name, --local, --strict: a rule record or an exact flow key */
static int reg_build(struct cli_ctx *c, __u32 kind)
{
	struct ll_reg_args a = { .spec = c->argv[0], .name = reg_opts.name,
				 .local = reg_opts.local, .strict = reg_opts.strict };
	char err[512];
	int ret = ll_reg_args_build(&a, kind, &reg.rec, &reg.key, err, sizeof(err));

	if (ret < 0)
		return usage_error("%s", err);
	reg.isflow = ret;
	return 0;
}

int reg_add_prepare(struct cli_ctx *c, __u32 kind)
{
	if (is_cgroup(c, kind))
		return cgroup_prepare(c, 1);
	return reg_build(c, kind);
}

static int reg_add_flow(struct cli_ctx *c)
{
	struct ll_flow_entry *e;
	__u32 flags = reg_opts.strict ? LL_FLOW_F_STRICT : 0;
	size_t dup = 0;
	char err[512];
	json_object *o;

	if (ll_flows_add(&c->s.m, &reg.key, 1, LL_ORIGIN_CLI, &flags, &dup, err, sizeof(err)))
		return out_error(EXIT_FAILURE, "%s", err);
	/* what the flow is now: a re-add without --strict keeps it strict */
	e = ll_flowtab_find(&c->s.m.flows, &reg.key);
	flags = e ? __atomic_load_n(&e->val.flags, __ATOMIC_ACQUIRE) : flags;
	rec_of_flow(&reg.key, &reg.rec);
	o = reg_result("registered", &reg.rec, dup > 0);
	json_object_object_add(o, "strict", json_object_new_boolean(flags & LL_FLOW_F_STRICT));
	return cli_emit(c, o, reg_result_human);
}

int reg_add_run(struct cli_ctx *c)
{
	struct ll_registry r;
	size_t dup = 0;
	char err[512];
	int ret;

	if (reg.cgroup)
		return cgroup_run(c, 1);
	if (reg.isflow)
		return reg_add_flow(c);
	ret = ll_reg_read(&c->s.m, &r);
	if (ret)
		snprintf(err, sizeof(err), "cannot read the rules: %s", strerror(-ret));
	else
		ret = ll_reg_add(&c->s.m, &r, &reg.rec, 1, &dup, err, sizeof(err));
	ll_reg_free(&r);
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	return cli_emit(c, reg_result("registered", &reg.rec, dup > 0), reg_result_human);
}

/* del SPEC [--local ADDR:PORT] | del NAME | del cgroup:/PATH */
int reg_del_prepare(struct cli_ctx *c, __u32 kind)
{
	if (is_cgroup(c, kind))
		return cgroup_prepare(c, 0);
	if (!strstr(c->argv[0], "://")) {
		if (reg_opts.local)
			return usage_error("give a SPEC or a NAME, not both");
		reg_opts.name = c->argv[0];
		return 0;
	}
	return reg_build(c, kind);
}

static int reg_del_flow(struct cli_ctx *c)
{
	int ret = ll_flows_del(&c->s.m, &reg.key);

	rec_of_flow(&reg.key, &reg.rec);
	if (ret == -ENOENT)
		return out_error(EXIT_FAILURE, "no such flow: %s --local %s", c->argv[0],
				 reg_opts.local);
	if (ret)
		return out_error(EXIT_FAILURE, "cannot delete the flow: %s", strerror(-ret));
	return cli_emit(c, reg_result("deleted", &reg.rec, 0), reg_result_human);
}

int reg_del_run(struct cli_ctx *c, __u32 kind)
{
	struct ll_registry r;
	char err[512];
	int ret, id;
	__u32 uid;

	if (reg.cgroup)
		return cgroup_run(c, 0);
	if (reg.isflow)
		return reg_del_flow(c);
	ret = ll_reg_read(&c->s.m, &r);
	if (ret)
		return out_error(EXIT_FAILURE, "cannot read the rules: %s", strerror(-ret));
	id = reg_opts.name ? ll_reg_find(&r, NULL, reg_opts.name) : ll_reg_find(&r, &reg.rec, NULL);
	if (id < 0 || r.recs[id].kind != kind) {
		ll_reg_free(&r);
		return out_error(EXIT_FAILURE, "no such %s: %s (see 'lifeline %s list')",
				 kind == LL_RULE_ALLOW ? "allow rule" : "flow or rule", c->argv[0],
				 kind == LL_RULE_ALLOW ? "allow" : "flow");
	}
	reg.rec = r.recs[id];
	uid = id;
	ret = ll_reg_del(&c->s.m, &r, &uid, 1, err, sizeof(err));
	ll_reg_free(&r);
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	return cli_emit(c, reg_result("deleted", &reg.rec, 0), reg_result_human);
}
