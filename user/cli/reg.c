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
#include "emit.h"
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

/*
 * The result of add and del: "registered SPEC", "deleted SPEC" (spec: rec's,
 * or the given one when rec is NULL); strict: the flow's flag, -1 for none.
 */
static int reg_result(struct cli_ctx *c, const char *what, const struct ll_rule_rec *rec,
		      const char *spec, int already, int strict)
{
	struct emit e;
	char buf[256];

	if (rec) {
		ll_spec_format(rec, buf, sizeof(buf));
		spec = buf;
	}
	emit_begin(&e);
	emit_str(&e, FIELD_RESULT, "%s ", what);
	emit_str(&e, FIELD_SPEC, "%s", spec);
	if (rec && rec->name[0])
		emit_str(&e, FIELD_NAME, NULL, rec->name);
	/* the words in the order they read; the JSON keeps its order */
	emit_text(&e, "%s", strict > 0 ? " strict" : "");
	emit_bool(&e, FIELD_ALREADY, " (already registered)", NULL, already);
	if (strict >= 0)
		emit_bool(&e, FIELD_STRICT, NULL, NULL, strict);
	emit_text(&e, "\n");
	return cli_emit_done(c, &e);
}

/* A rule's or flow's hits; in a table row, the PACKETS and BYTES cells from column col. */
void counter_emit(struct emit *e, int col, __u64 packets, __u64 bytes)
{
	emit_col(e, col);
	emit_u64(e, FIELD_PACKETS, "%llu", packets);
	emit_u64_as(e, FIELD_BYTES, "%s", fmt_bytes, bytes);
}

/* One sock_ops link (the fields only: sockets and list word them differently). */
void sock_link_emit(struct emit *e, const struct ll_sock_link *l)
{
	emit_obj_begin(e, NULL);
	emit_str(e, FIELD_SCOPE, NULL, l->all ? "cgroup" : "endpoints");
	emit_str(e, FIELD_CGROUP, NULL, l->path);
	emit_u64(e, "cgroup_id", NULL, l->cgroup_id);
	emit_close(e);
}

/* list's cgroups: a row for each sock_ops link of cgroup scope */
static void cgroups_emit(struct emit *e, const char *dir)
{
	struct ll_sock_link links[64];
	int n = ll_sockets_list(dir, links, 64);

	emit_arr_begin(e, "cgroups");
	for (int i = 0; i < n; i++) {
		char spec[300];

		emit_row_begin(e);
		sock_link_emit(e, &links[i]);
		snprintf(spec, sizeof(spec), "cgroup:%s", links[i].path);
		emit_text(e, "-");
		emit_text(e, "cgroup");
		emit_text(e, "%s", spec);
		emit_col(e, 4);
		emit_text(e, "cgroup");
		emit_row_end(e, links[i].all);
	}
	emit_close(e);
}

/*
 * The exact flows, as listed by flow list (list: its columns ID KIND SPEC
 * NAME ORIGIN PACKETS BYTES) and stats --flows (FLOW ORIGIN PACKETS BYTES).
 */
void flows_emit(struct emit *e, struct ll_maps *m, int list)
{
	struct ll_flow_key *keys = NULL;
	struct ll_flow_val *vals = NULL;
	long n = ll_flows_dump(m, &keys, &vals);

	emit_arr_begin(e, FIELD_FLOWS);
	for (long i = 0; i < n; i++) {
		struct ll_rule_rec fr;
		char buf[256];

		rec_of_flow(&keys[i], &fr);
		ll_spec_format(&fr, buf, sizeof(buf));
		emit_row_begin(e);
		emit_obj_begin(e, NULL);
		counter_emit(e, list ? 5 : 2, vals[i].packets, vals[i].bytes);
		emit_col(e, list ? 2 : 0);
		emit_str(e, FIELD_SPEC, "%s", buf);
		emit_col(e, list ? 4 : 1);
		emit_str(e, FIELD_ORIGIN, "%s", vals[i].origin < LL_ORIGIN_MAX ?
			 ll_origin_names[vals[i].origin] : "?");
		emit_bool(e, FIELD_STRICT, NULL, NULL, vals[i].flags & LL_FLOW_F_STRICT);
		emit_close(e);
		if (list) {
			emit_col(e, 1);
			emit_text(e, "flow");
		}
		emit_row_end(e, 1);
	}
	emit_close(e);
	free(keys);
	free(vals);
}

/* One rule with its hits: a row of stats' RULE SPEC PACKETS BYTES, or of list's (list). */
void rule_emit(struct emit *e, const struct ll_maps *m, __u32 id, const struct ll_rule_rec *r,
	       int list)
{
	char buf[256], name[4 * LL_NAME_LEN];
	struct ll_counter c;

	ll_percpu_counter_sum(m->fd[LL_MAP_RULE_HITS], id, &c);
	ll_spec_format(r, buf, sizeof(buf));
	emit_row_begin(e);
	emit_obj_begin(e, NULL);
	counter_emit(e, list ? 5 : 2, c.packets, c.bytes);
	emit_col(e, 0);
	emit_u64(e, FIELD_ID, "%llu", id);
	emit_str(e, FIELD_KIND, list ? "%s" : NULL, r->kind == LL_RULE_ALLOW ? "allow" : "endpoint");
	emit_str(e, FIELD_SPEC, "%s", buf);
	emit_str(e, FIELD_NAME, NULL, r->name[0] ? r->name : NULL);
	emit_close(e);
	if (list) {
		/* names are checked at input; escape what older versions let in */
		ll_text_escape(r->name[0] ? r->name : "-", LL_NAME_LEN, name, sizeof(name));
		emit_text(e, "%s", name);
		emit_text(e, "cli");
	}
	emit_row_end(e, 1);
}

int reg_list(struct cli_ctx *c, __u32 kind)
{
	static const char *const hdr[] = { "ID", "KIND", "SPEC", "NAME", "ORIGIN", "PACKETS",
					   "BYTES" };
	struct ll_registry r;
	struct emit e;
	int ret;

	ret = ll_reg_read(&c->s.m, &r);
	if (ret)
		return out_error(EXIT_FAILURE, "cannot read the rules: %s", strerror(-ret));
	emit_begin(&e);
	emit_table_begin(&e, 7, (1u << 0) | (1u << 5) | (1u << 6), hdr);
	emit_arr_begin(&e, FIELD_RULES);
	for (__u32 i = 0; i < r.cap; i++)
		if (r.recs[i].kind == kind)
			rule_emit(&e, &c->s.m, i, &r.recs[i], 1);
	emit_close(&e);
	ll_reg_free(&r);
	if (kind == LL_RULE_ENDPOINT) {
		flows_emit(&e, &c->s.m, 1);
		cgroups_emit(&e, c->s.m.dir);
	}
	emit_table_end(&e, "", "nothing registered");
	return cli_emit_done(c, &e);
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
	char err[256];
	__u64 id;

	if (ll_cgroup_path_check(path, err, sizeof(err)))
		return usage_error("%s", err);
	snprintf(reg.cgdir, sizeof(reg.cgdir), "%s%s", ll_cgroup2_root(), strcmp(path, "/") ? path : "");
	reg.cgroup = c->argv[0];
	/* before the session: a missing directory creates no maps */
	if (add && ll_cgroup_id(reg.cgdir, &id))
		return out_error(EXIT_FAILURE, "%s is not a cgroup-v2 directory", reg.cgdir);
	return 0;
}

static int cgroup_run(struct cli_ctx *c, int add)
{
	char err[512];
	int ret;

	ret = add ? ll_sockets_attach(c->s.m.dir, reg.cgdir, 1, err, sizeof(err)) :
		    ll_sockets_detach(c->s.m.dir, reg.cgdir, 1, err, sizeof(err));
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	return reg_result(c, add ? "registered" : "deleted", NULL, reg.cgroup, 0, -1);
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

	if (ll_flows_add(&c->s.m, &reg.key, 1, LL_ORIGIN_CLI, &flags, &dup, err, sizeof(err)))
		return out_error(EXIT_FAILURE, "%s", err);
	/* what the flow is now: a re-add without --strict keeps it strict */
	e = ll_flowtab_find(&c->s.m.flows, &reg.key);
	flags = e ? __atomic_load_n(&e->val.flags, __ATOMIC_ACQUIRE) : flags;
	rec_of_flow(&reg.key, &reg.rec);
	return reg_result(c, "registered", &reg.rec, NULL, dup > 0, !!(flags & LL_FLOW_F_STRICT));
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
	return reg_result(c, "registered", &reg.rec, NULL, dup > 0, -1);
}

/* del SPEC [--local ADDR:PORT] | del NAME | del cgroup:/PATH */
int reg_del_prepare(struct cli_ctx *c, __u32 kind)
{
	if (is_cgroup(c, kind))
		return cgroup_prepare(c, 0);
	if (!strstr(c->argv[0], "://")) {
		if (reg_opts.local)
			return usage_error("--local goes with a SPEC ('%s' is taken as a rule's NAME): "
					   "del SPEC --local ADDR:PORT", c->argv[0]);
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
	return reg_result(c, "deleted", &reg.rec, NULL, 0, -1);
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
	return reg_result(c, "deleted", &reg.rec, NULL, 0, -1);
}
