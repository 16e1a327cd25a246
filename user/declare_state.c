// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The registry file's format written out (lines, the canonical file) and
 * the kernel state read into the same items (ll_decl_state).
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "declare_int.h"
#include "spec.h"

/* ---------------------------------------------------------------- rendering */

static const char *mode_name(enum ll_decl_mode m)
{
	return (unsigned)m < DECL_NMODES ? decl_mode_names[m] : "?";
}

/* A word as the file writes it: '#' as "\\#" (a bare one starts a comment). */
static const char *word_escaped(const char *word, char *buf, size_t len)
{
	size_t n = 0;

	for (; *word && n + 3 <= len; word++) {
		if (*word == '#')
			buf[n++] = '\\';
		buf[n++] = *word;
	}
	buf[n] = '\0';
	return buf;
}

/* an interface's name may hold a '#' too */
void ll_decl_iface_line(const struct ll_decl_iface *i, char *buf, size_t len)
{
	char name[2 * sizeof(i->name)];

	snprintf(buf, len, "interface %s mode %s%s", word_escaped(i->name, name, sizeof(name)),
		 mode_name(i->mode), i->no_tc ? " no-tc" : "");
}

void ll_decl_rec_line(const struct ll_rule_rec *r, char *buf, size_t len)
{
	char spec[LL_SPEC_FMT_LEN];
	struct ll_rule_rec x = *r;

	x.kind = LL_RULE_FREE;
	if (ll_spec_format(&x, spec, sizeof(spec)))
		snprintf(spec, sizeof(spec), "(invalid)");
	snprintf(buf, len, "%s %s%s%.*s", r->kind == LL_RULE_ALLOW ? "allow" : "flow", spec,
		 r->name[0] ? " --name " : "", LL_NAME_LEN, r->name);
}

void ll_decl_flow_line(const struct ll_flow_key *k, __u32 flags, char *buf, size_t len)
{
	static const __u8 v4map[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char remote[LL_ADDR_FMT_LEN] = "?", local[LL_ADDR_FMT_LEN] = "?";
	int v4 = !memcmp(k->remote, v4map, 12);

	ll_addr_format(k->remote, v4, remote, sizeof(remote));
	ll_addr_format(k->local, v4, local, sizeof(local));
	snprintf(buf, len, "flow %s://%s%s%s:%u --local %s%s%s:%u%s",
		 k->proto == 17 ? "udp" : "tcp", v4 ? "" : "[", remote, v4 ? "" : "]",
		 be16toh(k->remote_port), v4 ? "" : "[", local, v4 ? "" : "]",
		 be16toh(k->local_port), flags & LL_FLOW_F_STRICT ? " --strict" : "");
}

void ll_decl_tune_line(enum ll_tune_field t, __u64 v, char *buf, size_t len)
{
	if (t == LL_TUNE_OBSERVE)
		snprintf(buf, len, "tune %s %s", ll_decl_tune_names[t], v ? "on" : "off");
	else
		snprintf(buf, len, "tune %s %llu", ll_decl_tune_names[t], (unsigned long long)v);
}

/* A link whose cgroup is gone has no path to write: a comment saying so. */
void ll_decl_cgroup_line(const struct ll_decl_cgroup *g, char *buf, size_t len)
{
	char path[2 * LL_DECL_CG_LEN];

	if (g->path[0] == '/')
		snprintf(buf, len, "flow cgroup:%s", word_escaped(g->path, path, sizeof(path)));
	else
		snprintf(buf, len, "# flow cgroup: (cgroup id %llu, its directory is gone)",
			 (unsigned long long)g->id);
}

/* sockets: the root without --cgroup; a gone directory (or one not writable here) a comment */
void ll_decl_sockets_line(const struct ll_decl_cgroup *g, char *buf, size_t len)
{
	char path[2 * LL_DECL_CG_LEN];

	if (!g->path[0])
		snprintf(buf, len, "sockets");
	else if (g->path[0] == '/')
		snprintf(buf, len, "sockets --cgroup %s", word_escaped(g->path, path, sizeof(path)));
	else
		snprintf(buf, len, "# sockets --cgroup: (cgroup id %llu, %s)",
			 (unsigned long long)g->id, strcmp(g->path, "(gone)") ?
			 "its path cannot be written here" : "its directory is gone");
}

int ll_decl_write(const struct ll_decl *d, FILE *f)
{
	char line[LL_DECL_LINE_LEN];

	fprintf(f, "# lifeline registry (lifeline save). 'lifeline apply' makes the kernel state\n"
		   "# equal to this file; the format is in docs/registry.conf.\n");
	if (d->max_flows || d->max_rules) {
		fprintf(f, "tables");
		if (d->max_flows)
			fprintf(f, " --max-flows %u", d->max_flows);
		if (d->max_rules)
			fprintf(f, " --max-rules %u", d->max_rules);
		fprintf(f, "\n");
	}
	if (d->strict >= 0)
		fprintf(f, "strict %s\n", d->strict ? "on" : "off");
	for (int t = 0; t < LL_TUNE_MAX; t++)
		if (d->tune_set & (1U << t)) {
			ll_decl_tune_line(t, d->tune[t], line, sizeof(line));
			fprintf(f, "%s\n", line);
		}
	for (size_t i = 0; i < d->nifs; i++) {
		ll_decl_iface_line(&d->ifs[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	for (int kind = LL_RULE_ALLOW; ; kind = LL_RULE_ENDPOINT) {
		for (size_t i = 0; i < d->nrecs; i++)
			if (d->recs[i].kind == (__u32)kind) {
				ll_decl_rec_line(&d->recs[i], line, sizeof(line));
				fprintf(f, "%s\n", line);
			}
		if (kind == LL_RULE_ENDPOINT)
			break;
	}
	for (size_t i = 0; i < d->nkeys; i++) {
		ll_decl_flow_line(&d->keys[i], d->kflags[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	for (size_t i = 0; i < d->ncgs; i++) {
		ll_decl_cgroup_line(&d->cgs[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	for (size_t i = 0; i < d->nsocks; i++) {
		ll_decl_sockets_line(&d->socks[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	return ferror(f) ? -EIO : 0;
}

/* ---------------------------------------------------------------- the kernel state */

#ifndef LL_DECL_PARSE_ONLY
#include <bpf/bpf.h>
#include "attach.h"
#include "maps.h"
#include "registry.h"
#include "regargs.h"
#include "sockets.h"

/* The attachments, from the pins under dir. */
static int state_ifs(const char *dir, struct ll_decl *d, char *err, size_t errlen)
{
	struct ll_iface ifs[256];
	int n = ll_iface_list(dir, ifs, 256);

	if (n < 0) {
		ERR("cannot read %.200s/links: %s", dir, strerror(-n));
		return n;
	}
	if (ALLOC(d->ifs, n)) {
		ERR("out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		struct ll_decl_iface *o = &d->ifs[d->nifs];

		if (!ifs[i].name[0])
			continue;	/* pins of an interface that is gone */
		snprintf(o->name, sizeof(o->name), "%s", ifs[i].name);
		o->ifindex = ifs[i].ifindex;
		o->mode = ifs[i].tc_policy ? LL_DECL_TC :
			  !strcmp(ifs[i].mode, "generic") ? LL_DECL_GENERIC :
			  !strcmp(ifs[i].mode, "native") ? LL_DECL_NATIVE : LL_DECL_XDP;
		o->no_tc = !ifs[i].tc_policy && !ifs[i].tc_ingress && !ifs[i].tc_egress;
		d->nifs++;
	}
	return 0;
}

/* The endpoint and allow rules, with their ids. */
static int state_recs(struct ll_maps *m, struct ll_decl *d, char *err, size_t errlen)
{
	struct ll_registry r = {};
	int ret = ll_reg_read(m, &r);

	if (ret) {
		ERR("cannot read the rules: %s", strerror(-ret));
		return ret;
	}
	if (ALLOC(d->recs, r.cap) || ALLOC(d->recs_id, r.cap)) {
		ll_reg_free(&r);
		ERR("out of memory");
		return -ENOMEM;
	}
	for (__u32 i = 0; i < r.cap; i++) {
		if (r.recs[i].kind != LL_RULE_ENDPOINT && r.recs[i].kind != LL_RULE_ALLOW)
			continue;
		d->recs[d->nrecs] = r.recs[i];
		d->recs_id[d->nrecs++] = i;
	}
	d->max_rules = ll_map_capacity(m->fd[LL_MAP_RULES]);	/* --max-rules as asked */
	ll_reg_free(&r);
	return 0;
}

/* Keeps the file's order stable: d's flows sorted. */
static int sort_keys(struct ll_decl *d)
{
	size_t *idx = decl_index_of(d->nkeys, decl_idx_key_cmp, d->keys);
	struct ll_flow_key *k2;
	__u32 *f2;

	if (!idx || ALLOC(k2, d->nkeys)) {
		free(idx);
		return -ENOMEM;
	}
	if (ALLOC(f2, d->nkeys)) {
		free(idx);
		free(k2);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->nkeys; i++) {
		k2[i] = d->keys[idx[i]];
		f2[i] = d->kflags[idx[i]];
	}
	free(idx);
	free(d->keys);
	free(d->kflags);
	d->keys = k2;
	d->kflags = f2;
	return 0;
}

/* The flows the CLI registered (sock_ops, cgroup: connection state, not declared). */
static int state_keys(struct ll_maps *m, struct ll_decl *d, char *err, size_t errlen)
{
	struct ll_flow_key *keys = NULL;
	struct ll_flow_val *vals = NULL;
	long nf = ll_flows_dump(m, &keys, &vals);

	if (nf < 0) {
		ERR("cannot read the flows: %s", strerror((int)-nf));
		return (int)nf;
	}
	if (ALLOC(d->keys, nf) || ALLOC(d->kflags, nf)) {
		free(keys);
		free(vals);
		ERR("out of memory");
		return -ENOMEM;
	}
	for (long i = 0; i < nf; i++) {
		if (vals[i].origin != LL_ORIGIN_CLI)
			continue;
		d->keys[d->nkeys] = keys[i];
		d->kflags[d->nkeys++] = vals[i].flags & LL_FLOW_F_STRICT;
	}
	free(keys);
	free(vals);
	if (sort_keys(d)) {
		ERR("out of memory");
		return -ENOMEM;
	}
	d->max_flows = ll_flows_max(m);
	return 0;
}

static int cg_path_cmp(const void *a, const void *b)
{
	const struct ll_decl_cgroup *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->id > y->id) - (x->id < y->id);	/* gone ones by id */
}

/* A sockets link's directory as a sockets line names it ("" the root). */
static void sock_dir(const struct ll_sock_link *l, struct ll_decl_cgroup *g)
{
	char e[128];
	int n;

	g->id = l->cgroup_id;
	if (!strcmp(l->name, "sockops")) {
		g->path[0] = '\0';
		return;
	}
	if (l->path[0] != '/') {
		snprintf(g->path, sizeof(g->path), "(gone)");
		return;
	}
	n = snprintf(g->path, sizeof(g->path), "%s%s", ll_cgroup2_root(),
		     strcmp(l->path, "/") ? l->path : "");
	if (n < 0 || (size_t)n >= sizeof(g->path) || ll_cgroup_dir_writable(g->path, e, sizeof(e)))
		snprintf(g->path, sizeof(g->path), "(unwritable)");
}

/*
 * The cgroups of `flow add cgroup:/PATH` (links/cgroup-ID) and the
 * directories of `sockets attach` (links/sockops, links/sockops-ID), each
 * sorted by path.
 */
static int state_cgroups(const char *dir, struct ll_decl *d, char *err, size_t errlen)
{
	int max = 4 * LL_DECL_CG_MAX, n;
	struct ll_sock_link *links;

	if (ALLOC(links, max) || ALLOC(d->cgs, max) || ALLOC(d->socks, max)) {
		free(links);
		ERR("out of memory");
		return -ENOMEM;
	}
	n = ll_sockets_list(dir, links, max);
	if (n < 0) {
		free(links);
		ERR("cannot read %.200s/links: %s", dir, strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		struct ll_decl_cgroup *g = &d->cgs[d->ncgs];

		if (!links[i].all) {
			sock_dir(&links[i], &d->socks[d->nsocks++]);
			continue;
		}
		snprintf(g->path, sizeof(g->path), "%s", links[i].path);
		g->id = links[i].cgroup_id;
		d->ncgs++;
	}
	free(links);
	qsort(d->cgs, d->ncgs, sizeof(*d->cgs), cg_path_cmp);
	qsort(d->socks, d->nsocks, sizeof(*d->socks), cg_path_cmp);
	return 0;
}

static void state_settings(const struct ll_maps *m, struct ll_decl *d)
{
	d->tune[LL_TUNE_PRIORITY] = m->state->egress_priority;
	d->tune[LL_TUNE_MARK] = m->state->egress_mark;
	d->tune[LL_TUNE_RCVBUF] = m->state->sock_rcvbuf;
	d->tune[LL_TUNE_SNDBUF] = m->state->sock_sndbuf;
	d->tune[LL_TUNE_BUDGET_RATE] = m->state->budget_rate;
	d->tune[LL_TUNE_BUDGET_BURST] = m->state->budget_burst;
	d->tune[LL_TUNE_BUDGET_PPS] = m->state->budget_pps;
	d->tune[LL_TUNE_OBSERVE] = !!m->state->observe;
	d->tune_set = (1U << LL_TUNE_MAX) - 1;
	d->strict = !!m->state->strict;
}

int ll_decl_state(struct ll_maps *m, const char *dir, struct ll_decl *d, char *err,
		  size_t errlen)
{
	int ret;

	ll_decl_init(d);
	ret = state_ifs(dir, d, err, errlen);
	if (!ret)
		ret = state_cgroups(dir, d, err, errlen);
	if (!ret && m)
		ret = state_recs(m, d, err, errlen);
	if (!ret && m)
		ret = state_keys(m, d, err, errlen);
	if (!ret && m)
		state_settings(m, d);
	if (ret)
		ll_decl_free(d);
	return ret;
}

#endif /* LL_DECL_PARSE_ONLY */
