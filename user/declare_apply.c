// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The difference from the kernel state to a registry file, and applying it
 * all or nothing (what failed is put back from the state read before).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include "declare_int.h"
#include "regargs.h"

/* ---------------------------------------------------------------- the difference */

/* Does the attachment have (a state's) satisfy the declared w? */
static int iface_match(const struct ll_decl_iface *w, const struct ll_decl_iface *h)
{
	if (w->mode == LL_DECL_TC || h->mode == LL_DECL_TC)
		return h->mode == LL_DECL_TC && (w->mode == LL_DECL_TC ||
						 (w->mode == LL_DECL_AUTO && !w->no_tc));
	if ((w->mode == LL_DECL_NATIVE || w->mode == LL_DECL_GENERIC) && w->mode != h->mode)
		return 0;
	return w->no_tc == h->no_tc;
}

void ll_decl_diff_free(struct ll_decl_diff *x)
{
	free(x->ifs_add);
	free(x->ifs_del);
	free(x->recs_add);
	free(x->recs_del);
	free(x->recs_del_id);
	free(x->recs_ren);
	free(x->recs_ren_id);
	free(x->recs_ren_old);
	free(x->keys_add);
	free(x->kflags_add);
	free(x->keys_del);
	free(x->kflags_del);
	free(x->keys_flag);
	free(x->kflags_flag);
	free(x->kflags_flag_old);
	free(x->cgs_add);
	free(x->cgs_del);
	free(x->socks_add);
	free(x->socks_del);
	memset(x, 0, sizeof(*x));
	x->strict = x->strict_old = -1;
}

size_t ll_decl_diff_count(const struct ll_decl_diff *x)
{
	return x->nifs_add + x->nifs_del + x->nrecs_add + x->nrecs_del + x->nrecs_ren +
	       x->nkeys_add + x->nkeys_del + x->nkeys_flag + x->ncgs_add + x->ncgs_del +
	       x->nsocks_add + x->nsocks_del +
	       __builtin_popcount(x->tune_set) +
	       (x->strict >= 0) + !!(x->flows || x->rules);
}


static int diff_alloc(struct ll_decl_diff *x, const struct ll_decl *want,
		      const struct ll_decl *have)
{
	size_t nw = want->nrecs, nh = have->nrecs;

	if (ALLOC(x->ifs_add, want->nifs) || ALLOC(x->ifs_del, have->nifs + want->nifs) ||
	    ALLOC(x->recs_add, nw) || ALLOC(x->recs_del, nh) || ALLOC(x->recs_del_id, nh) ||
	    ALLOC(x->recs_ren, nh) || ALLOC(x->recs_ren_id, nh) || ALLOC(x->recs_ren_old, nh) ||
	    ALLOC(x->keys_add, want->nkeys) || ALLOC(x->kflags_add, want->nkeys) ||
	    ALLOC(x->keys_del, have->nkeys) || ALLOC(x->kflags_del, have->nkeys) ||
	    ALLOC(x->keys_flag, have->nkeys) || ALLOC(x->kflags_flag, have->nkeys) ||
	    ALLOC(x->kflags_flag_old, have->nkeys) || ALLOC(x->cgs_add, want->ncgs) ||
	    ALLOC(x->cgs_del, have->ncgs) || ALLOC(x->socks_add, want->nsocks) ||
	    ALLOC(x->socks_del, have->nsocks))
		return -ENOMEM;
	return 0;
}

/* Interfaces, by name: the file's must exist. */
static int diff_ifs(const struct ll_decl *want, const struct ll_decl *have, int keep,
		    struct ll_decl_diff *x, char *err, size_t errlen)
{
	for (size_t i = 0; i < want->nifs; i++) {
		struct ll_decl_iface w = want->ifs[i];
		const struct ll_decl_iface *h = NULL;

		w.ifindex = if_nametoindex(w.name);
		if (!w.ifindex) {
			ERR("%.200s:%u: no interface named '%s' (see 'ip link')",
			    decl_src_file(want, want->ifs_src[i]), want->ifs_src[i].line, w.name);
			return -ENODEV;
		}
		for (size_t k = 0; k < have->nifs; k++)
			if (have->ifs[k].ifindex == w.ifindex)
				h = &have->ifs[k];
		if (h && iface_match(&w, h))
			continue;
		if (h)
			x->ifs_del[x->nifs_del++] = *h;
		x->ifs_add[x->nifs_add++] = w;
	}
	for (size_t k = 0; k < have->nifs && !keep; k++) {
		int named = 0;

		for (size_t i = 0; i < want->nifs; i++)
			named |= !strcmp(want->ifs[i].name, have->ifs[k].name);
		if (!named)
			x->ifs_del[x->nifs_del++] = have->ifs[k];
	}
	return 0;
}

/* Rules: both sides merged in one order; a rule under another name is renamed. */
static int diff_recs(const struct ll_decl *want, const struct ll_decl *have, int keep,
		     struct ll_decl_diff *x)
{
	size_t nw = want->nrecs, nh = have->nrecs, a, b, *iw, *ih;

	iw = decl_index_of(nw, decl_idx_rec_cmp, want->recs);
	ih = iw ? decl_index_of(nh, decl_idx_rec_cmp, have->recs) : NULL;
	if (!ih) {
		free(iw);
		return -ENOMEM;
	}
	for (a = 0, b = 0; a < nw || b < nh;) {
		int c = a == nw ? 1 :
			b == nh ? -1 : decl_rec_cmp(&want->recs[iw[a]], &have->recs[ih[b]]);
		const struct ll_rule_rec *w, *h;

		if (c < 0) {
			x->recs_add[x->nrecs_add++] = want->recs[iw[a++]];
			continue;
		}
		if (c > 0) {
			if (!keep) {
				x->recs_del[x->nrecs_del] = have->recs[ih[b]];
				x->recs_del_id[x->nrecs_del++] = have->recs_id ? have->recs_id[ih[b]] : 0;
			}
			b++;
			continue;
		}
		w = &want->recs[iw[a]];
		h = &have->recs[ih[b]];
		if (strncmp(w->name, h->name, LL_NAME_LEN)) {
			x->recs_ren_old[x->nrecs_ren] = *h;
			x->recs_ren[x->nrecs_ren] = *h;
			memcpy(x->recs_ren[x->nrecs_ren].name, w->name, LL_NAME_LEN);
			x->recs_ren_id[x->nrecs_ren++] = have->recs_id ? have->recs_id[ih[b]] : 0;
		}
		a++;
		b++;
	}
	free(iw);
	free(ih);
	return 0;
}

/* Flows: merged likewise; the same flow with another --strict changes its flag. */
static int diff_keys(const struct ll_decl *want, const struct ll_decl *have, int keep,
		     struct ll_decl_diff *x)
{
	size_t nw = want->nkeys, nh = have->nkeys, a, b, *iw, *ih;

	iw = decl_index_of(nw, decl_idx_key_cmp, want->keys);
	ih = iw ? decl_index_of(nh, decl_idx_key_cmp, have->keys) : NULL;
	if (!ih) {
		free(iw);
		return -ENOMEM;
	}
	for (a = 0, b = 0; a < nw || b < nh;) {
		int c = a == nw ? 1 :
			b == nh ? -1 : decl_key_cmp(&want->keys[iw[a]], &have->keys[ih[b]]);
		__u32 fw, fh;

		if (c < 0) {
			x->keys_add[x->nkeys_add] = want->keys[iw[a]];
			x->kflags_add[x->nkeys_add++] = want->kflags[iw[a++]];
			continue;
		}
		if (c > 0) {
			if (!keep) {
				x->keys_del[x->nkeys_del] = have->keys[ih[b]];
				x->kflags_del[x->nkeys_del++] = have->kflags[ih[b]];
			}
			b++;
			continue;
		}
		fw = want->kflags[iw[a]] & LL_FLOW_F_STRICT;
		fh = have->kflags[ih[b]] & LL_FLOW_F_STRICT;
		if (fw != fh) {
			x->keys_flag[x->nkeys_flag] = have->keys[ih[b]];
			x->kflags_flag_old[x->nkeys_flag] = fh;
			x->kflags_flag[x->nkeys_flag++] = fw;
		}
		a++;
		b++;
	}
	free(iw);
	free(ih);
	return 0;
}

/*
 * Cgroups, by id: the file's directories must exist (two paths of one
 * directory are one item); a link whose directory is gone matches nothing.
 */
static int diff_cgroups(const struct ll_decl *want, const struct ll_decl *have, int keep,
			struct ll_decl_diff *x, char *err, size_t errlen)
{
	const char *root = ll_cgroup2_root();

	for (size_t i = 0; i < want->ncgs; i++) {
		struct ll_decl_cgroup w = want->cgs[i];
		char cgdir[PATH_MAX];
		int found = 0, ret;

		if (w.path[0] != '/')
			continue;	/* a state's gone cgroup (putting back): nothing to attach */
		snprintf(cgdir, sizeof(cgdir), "%s%s", root, strcmp(w.path, "/") ? w.path : "");
		ret = ll_cgroup_id(cgdir, &w.id);
		if (ret) {
			ERR("%.200s:%u: %s is not a cgroup-v2 directory (%s)",
			    decl_src_file(want, want->cgs_src[i]), want->cgs_src[i].line, cgdir,
			    strerror(ret == -ENOTDIR ? ENOTDIR : -ret));
			return ret == -ENOTDIR ? -ENOENT : ret;
		}
		for (size_t k = 0; k < have->ncgs; k++)
			found |= have->cgs[k].id == w.id && have->cgs[k].path[0] == '/';
		for (size_t k = 0; k < x->ncgs_add; k++)
			found |= x->cgs_add[k].id == w.id;
		if (!found)
			x->cgs_add[x->ncgs_add++] = w;
	}
	for (size_t k = 0; k < have->ncgs && !keep; k++) {
		int named = 0;

		if (have->cgs[k].path[0] == '/')
			for (size_t i = 0; i < want->ncgs; i++) {
				char cgdir[PATH_MAX];
				__u64 id;

				snprintf(cgdir, sizeof(cgdir), "%s%s", root,
					 strcmp(want->cgs[i].path, "/") ? want->cgs[i].path : "");
				named |= !ll_cgroup_id(cgdir, &id) && id == have->cgs[k].id;
			}
		if (!named)
			x->cgs_del[x->ncgs_del++] = have->cgs[k];
	}
	return 0;
}

/* The directory of a sockets item: DIR, or the cgroup-v2 root without --cgroup. */
static void sock_cgdir(const struct ll_decl_cgroup *g, char *buf, size_t len)
{
	snprintf(buf, len, "%s", g->path[0] ? g->path : ll_cgroup2_root());
}

/*
 * Sockets links, by id as cgroups: the file's directories must exist (two
 * spellings of one are one item); a link whose directory is gone matches
 * nothing.
 */
static int diff_sockets(const struct ll_decl *want, const struct ll_decl *have, int keep,
			struct ll_decl_diff *x, char *err, size_t errlen)
{
	__u64 *ids;

	if (ALLOC(ids, want->nsocks))
		return -ENOMEM;
	for (size_t i = 0; i < want->nsocks; i++) {
		struct ll_decl_cgroup w = want->socks[i];
		char cgdir[PATH_MAX];
		int found = 0, ret;

		if (w.path[0] && w.path[0] != '/')
			continue;	/* a state's gone directory (putting back): nothing to attach */
		sock_cgdir(&w, cgdir, sizeof(cgdir));
		ret = ll_cgroup_id(cgdir, &w.id);
		if (ret) {
			ERR("%.200s:%u: %s is not a cgroup-v2 directory (%s)",
			    decl_src_file(want, want->socks_src[i]), want->socks_src[i].line, cgdir,
			    strerror(ret == -ENOTDIR ? ENOTDIR : -ret));
			free(ids);
			return ret == -ENOTDIR ? -ENOENT : ret;
		}
		ids[i] = w.id;
		for (size_t k = 0; k < have->nsocks; k++)
			found |= have->socks[k].id == w.id &&
				 (!have->socks[k].path[0] || have->socks[k].path[0] == '/');
		for (size_t k = 0; k < x->nsocks_add; k++)
			found |= x->socks_add[k].id == w.id;
		if (!found)
			x->socks_add[x->nsocks_add++] = w;
	}
	for (size_t k = 0; k < have->nsocks && !keep; k++) {
		const struct ll_decl_cgroup *h = &have->socks[k];
		int named = 0;

		if (!h->path[0] || h->path[0] == '/')
			for (size_t i = 0; i < want->nsocks; i++)
				named |= (!want->socks[i].path[0] || want->socks[i].path[0] == '/') &&
					 ids[i] == h->id;
		if (!named)
			x->socks_del[x->nsocks_del++] = *h;
	}
	free(ids);
	return 0;
}

/* The settings the file names. */
static void diff_settings(const struct ll_decl *want, const struct ll_decl *have,
			  struct ll_decl_diff *x)
{
	for (int t = 0; t < LL_TUNE_MAX; t++) {
		if (!(want->tune_set & (1U << t)))
			continue;
		if ((have->tune_set & (1U << t)) && have->tune[t] == want->tune[t])
			continue;
		x->tune_set |= 1U << t;
		x->tune[t] = want->tune[t];
		x->tune_old[t] = have->tune[t];
		x->tune_old_set |= have->tune_set & (1U << t);
	}
	if (want->strict >= 0 && want->strict != have->strict) {
		x->strict = want->strict;
		x->strict_old = have->strict;
	}
}

/* The tables line: a size the file names and the maps' differ in is a resize. */
static void diff_tables(const struct ll_decl *want, const struct ll_decl *have,
			struct ll_decl_diff *x)
{
	int flows = want->max_flows && have->max_flows && want->max_flows != have->max_flows;
	int rules = want->max_rules && have->max_rules && want->max_rules != have->max_rules;

	if (!flows && !rules)
		return;
	x->flows_old = have->max_flows;
	x->rules_old = have->max_rules;
	x->flows = flows ? want->max_flows : have->max_flows;
	x->rules = rules ? want->max_rules : have->max_rules;
}

int ll_decl_diff(const struct ll_decl *want, const struct ll_decl *have, int keep,
		 struct ll_decl_diff *x, char *err, size_t errlen)
{
	int ret;

	memset(x, 0, sizeof(*x));
	x->strict = x->strict_old = -1;
	ret = diff_alloc(x, want, have);
	if (!ret)
		ret = diff_ifs(want, have, keep, x, err, errlen);
	if (!ret)
		ret = diff_recs(want, have, keep, x);
	if (!ret)
		ret = diff_keys(want, have, keep, x);
	if (!ret)
		ret = diff_cgroups(want, have, keep, x, err, errlen);
	if (!ret)
		ret = diff_sockets(want, have, keep, x, err, errlen);
	if (!ret) {
		diff_settings(want, have, x);
		diff_tables(want, have, x);
	}
	if (ret == -ENOMEM)
		ERR("out of memory");
	if (ret)
		ll_decl_diff_free(x);
	return ret;
}

static void tables_line(__u32 flows, __u32 rules, char *line, size_t len)
{
	snprintf(line, len, "tables --max-flows %u --max-rules %u", flows, rules);
}

void ll_decl_diff_walk(const struct ll_decl_diff *x,
		       void (*fn)(char op, const char *line, void *arg), void *arg)
{
	char line[LL_DECL_LINE_LEN];

	if (x->flows || x->rules) {
		tables_line(x->flows_old, x->rules_old, line, sizeof(line));
		fn('-', line, arg);
		tables_line(x->flows, x->rules, line, sizeof(line));
		fn('+', line, arg);
	}
	for (size_t i = 0; i < x->nifs_del; i++) {
		ll_decl_iface_line(&x->ifs_del[i], line, sizeof(line));
		fn('-', line, arg);
	}
	for (size_t i = 0; i < x->nifs_add; i++) {
		ll_decl_iface_line(&x->ifs_add[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (size_t i = 0; i < x->ncgs_del; i++) {
		ll_decl_cgroup_line(&x->cgs_del[i], line, sizeof(line));
		fn('-', line, arg);
	}
	for (size_t i = 0; i < x->ncgs_add; i++) {
		ll_decl_cgroup_line(&x->cgs_add[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (size_t i = 0; i < x->nsocks_del; i++) {
		ll_decl_sockets_line(&x->socks_del[i], line, sizeof(line));
		fn('-', line, arg);
	}
	for (size_t i = 0; i < x->nsocks_add; i++) {
		ll_decl_sockets_line(&x->socks_add[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (size_t i = 0; i < x->nrecs_del; i++) {
		ll_decl_rec_line(&x->recs_del[i], line, sizeof(line));
		fn('-', line, arg);
	}
	for (size_t i = 0; i < x->nrecs_ren; i++) {
		ll_decl_rec_line(&x->recs_ren_old[i], line, sizeof(line));
		fn('-', line, arg);
		ll_decl_rec_line(&x->recs_ren[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (size_t i = 0; i < x->nrecs_add; i++) {
		ll_decl_rec_line(&x->recs_add[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (size_t i = 0; i < x->nkeys_del; i++) {
		ll_decl_flow_line(&x->keys_del[i], x->kflags_del[i], line, sizeof(line));
		fn('-', line, arg);
	}
	for (size_t i = 0; i < x->nkeys_flag; i++) {
		ll_decl_flow_line(&x->keys_flag[i], x->kflags_flag_old[i], line, sizeof(line));
		fn('-', line, arg);
		ll_decl_flow_line(&x->keys_flag[i], x->kflags_flag[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (size_t i = 0; i < x->nkeys_add; i++) {
		ll_decl_flow_line(&x->keys_add[i], x->kflags_add[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (int t = 0; t < LL_TUNE_MAX; t++) {
		if (!(x->tune_set & (1U << t)))
			continue;
		if (x->tune_old_set & (1U << t)) {
			ll_decl_tune_line(t, x->tune_old[t], line, sizeof(line));
			fn('-', line, arg);
		}
		ll_decl_tune_line(t, x->tune[t], line, sizeof(line));
		fn('+', line, arg);
	}
	if (x->strict >= 0) {
		if (x->strict_old >= 0)
			fn('-', x->strict_old ? "strict on" : "strict off", arg);
		fn('+', x->strict ? "strict on" : "strict off", arg);
	}
}

#ifndef LL_DECL_PARSE_ONLY
#include <bpf/bpf.h>
#include "attach.h"
#include "maps.h"
#include "registry.h"
#include "resize.h"
#include "sockets.h"

/*
 * A tables change: grow (the larger of each size) before the other steps,
 * so what they add fits; shrink (the file's sizes) after, when the
 * removals are made. -1: nothing to do at that end.
 */
static int apply_tables(struct ll_maps *m, const struct ll_decl_diff *x, int last, char *err,
			size_t errlen)
{
	__u32 f, r;

	if (!x->flows && !x->rules)
		return 0;
	if (!last) {
		f = x->flows > x->flows_old ? x->flows : 0;
		r = x->rules > x->rules_old ? x->rules : 0;
	} else {
		if (x->flows >= x->flows_old && x->rules >= x->rules_old)
			return 0;
		f = x->flows;
		r = x->rules;
	}
	if (!f && !r)
		return 0;
	return ll_resize(m, f, r, err, errlen);
}

/* Cgroups: links removed, then sock_ops attached (ll_sockets_attach is idempotent). */
static int apply_cgroups(struct ll_maps *m, const struct ll_decl_diff *x, char *err,
			 size_t errlen)
{
	const char *root = ll_cgroup2_root();
	int ret;

	for (size_t i = 0; i < x->ncgs_del; i++)
		if ((ret = ll_sockets_detach_id(m->dir, x->cgs_del[i].id, err, errlen)) &&
		    ret != -ENOENT)
			return ret;
	for (size_t i = 0; i < x->ncgs_add; i++) {
		char cgdir[PATH_MAX];
		__u64 id;

		snprintf(cgdir, sizeof(cgdir), "%s%s", root,
			 strcmp(x->cgs_add[i].path, "/") ? x->cgs_add[i].path : "");
		if (ll_cgroup_id(cgdir, &id) || id != x->cgs_add[i].id) {
			ERR("cgroup %s changed meanwhile", cgdir);
			return -ESTALE;
		}
		if ((ret = ll_sockets_attach(m->dir, cgdir, 1, err, errlen)))
			return ret;
	}
	return 0;
}

/* Sockets links: removed, then attached as `sockets attach` does (idempotent). */
static int apply_sockets(struct ll_maps *m, const struct ll_decl_diff *x, char *err,
			 size_t errlen)
{
	int ret;

	for (size_t i = 0; i < x->nsocks_del; i++)
		if ((ret = ll_sockets_detach_ep_id(m->dir, x->socks_del[i].id, err, errlen)) &&
		    ret != -ENOENT)
			return ret;
	for (size_t i = 0; i < x->nsocks_add; i++) {
		char cgdir[PATH_MAX];
		__u64 id;

		sock_cgdir(&x->socks_add[i], cgdir, sizeof(cgdir));
		if (ll_cgroup_id(cgdir, &id) || id != x->socks_add[i].id) {
			ERR("cgroup %s changed meanwhile", cgdir);
			return -ESTALE;
		}
		if ((ret = ll_sockets_attach(m->dir, cgdir, 0, err, errlen)))
			return ret;
	}
	return 0;
}

static int iface_attach(struct ll_maps *m, const struct ll_decl_iface *i, __u32 max_flows,
			__u32 max_rules, char *err, size_t errlen)
{
	static const enum ll_xdp_mode modes[] = {
		[LL_DECL_AUTO] = LL_MODE_AUTO, [LL_DECL_XDP] = LL_MODE_NATIVE,
		[LL_DECL_NATIVE] = LL_MODE_NATIVE, [LL_DECL_GENERIC] = LL_MODE_GENERIC,
		[LL_DECL_TC] = LL_MODE_TC,
	};
	struct ll_attach_opts o = { .mode = modes[i->mode], .no_tc = i->no_tc,
				    .max_flows = max_flows, .max_rules = max_rules };
	struct ll_orphan orph[64];
	struct ll_iface out;
	char e2[512];
	int no = ll_orphans_find(m->dir, orph, 64), ret;

	/* programs on it whose pins are gone are replaced, as attach does */
	for (int k = 0; k < no; k++)
		if (orph[k].ifindex == i->ifindex && orph[k].verified)
			ll_orphan_detach(&orph[k], e2, sizeof(e2));
	ret = ll_attach(m->dir, i->ifindex, &o, &out, err, errlen);
	if (ret && i->mode == LL_DECL_XDP) {
		o.mode = LL_MODE_GENERIC;	/* xdp: native where the driver has it, else generic */
		ret = ll_attach(m->dir, i->ifindex, &o, &out, err, errlen);
	}
	return ret;
}

static int iface_detach(struct ll_maps *m, const struct ll_decl_iface *i, char *err,
			size_t errlen)
{
	return ll_detach(m->dir, i->ifindex, err, errlen);
}

/* Renames rules in r (read just before), each checked against it. */
static int apply_renames(struct ll_maps *m, struct ll_registry *r, const struct ll_decl_diff *x,
			 char *err, size_t errlen)
{
	for (size_t i = 0; i < x->nrecs_ren; i++) {
		__u32 id = x->recs_ren_id[i];
		int other = x->recs_ren[i].name[0] ? ll_reg_find(r, NULL, x->recs_ren[i].name) : -1;

		if (other >= 0 && (__u32)other != id) {
			ERR("the name '%.*s' is already used by another rule", LL_NAME_LEN,
			    x->recs_ren[i].name);
			return -EEXIST;
		}
		if (id >= r->cap || !ll_rec_same(&r->recs[id], &x->recs_ren[i])) {
			ERR("rule %u changed meanwhile", id);
			return -ESTALE;
		}
		if (bpf_map_update_elem(m->fd[LL_MAP_RULE_RECS], &id, &x->recs_ren[i], BPF_EXIST)) {
			int e = errno;

			ERR("cannot rename rule %u: %s", id, strerror(e));
			return -e;
		}
		r->recs[id] = x->recs_ren[i];
	}
	return 0;
}

/* Rules: removed, renamed, added; each batch all or nothing. */
static int apply_recs(struct ll_maps *m, const struct ll_decl_diff *x, char *err, size_t errlen)
{
	struct ll_registry r;
	size_t dup;
	int ret;

	if (!x->nrecs_del && !x->nrecs_ren && !x->nrecs_add)
		return 0;
	if ((ret = ll_reg_read(m, &r))) {
		ERR("cannot read the rules: %s", strerror(-ret));
		return ret;
	}
	ret = x->nrecs_del ? ll_reg_del(m, &r, x->recs_del_id, x->nrecs_del, err, errlen) : 0;
	if (!ret)
		ret = apply_renames(m, &r, x, err, errlen);
	if (!ret && x->nrecs_add)
		ret = ll_reg_add(m, &r, x->recs_add, x->nrecs_add, &dup, err, errlen);
	ll_reg_free(&r);
	return ret;
}

/* Flows: removed, strict changed, added (one batch). */
static int apply_keys(struct ll_maps *m, const struct ll_decl_diff *x, char *err, size_t errlen)
{
	size_t dup;
	int ret;

	for (size_t i = 0; i < x->nkeys_del; i++) {
		ret = ll_flows_del(m, &x->keys_del[i]);
		if (ret && ret != -ENOENT) {
			ERR("cannot delete a flow: %s", strerror(-ret));
			return ret;
		}
	}
	if (x->nkeys_flag && (ret = ll_maps_flows(m))) {
		ERR("cannot map the flow table: %s", strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < x->nkeys_flag; i++) {
		struct ll_flow_entry *e = ll_flowtab_find(&m->flows, &x->keys_flag[i]);

		if (!e) {
			ERR("a flow went away meanwhile");
			return -ESTALE;
		}
		if (x->kflags_flag[i] & LL_FLOW_F_STRICT)
			__atomic_fetch_or(&e->val.flags, LL_FLOW_F_STRICT, __ATOMIC_RELEASE);
		else
			__atomic_fetch_and(&e->val.flags, ~LL_FLOW_F_STRICT, __ATOMIC_RELEASE);
	}
	if (x->nkeys_add)
		return ll_flows_add(m, x->keys_add, x->nkeys_add, LL_ORIGIN_CLI, x->kflags_add, &dup,
				    err, errlen);
	return 0;
}

/* Is interface i of ifs_del attached again (a mode change)? */
static int reattached(const struct ll_decl_diff *x, size_t i)
{
	int changed = 0;

	for (size_t k = 0; k < x->nifs_add; k++)
		changed |= x->ifs_del[i].ifindex == x->ifs_add[k].ifindex;
	return changed;
}

/* One pass over the diff, stopping at the first failure. */
static int apply_steps(struct ll_maps *m, const struct ll_decl_diff *x, __u32 max_flows,
		       __u32 max_rules, char *err, size_t errlen)
{
	int ret;

	/* 0. tables that grow */
	if ((ret = apply_tables(m, x, 0, err, errlen)))
		return ret;
	/* 1. interfaces: a mode change detaches the old one first, then every attach */
	for (size_t i = 0; i < x->nifs_del; i++)
		for (size_t k = 0; k < x->nifs_add; k++)
			if (x->ifs_del[i].ifindex == x->ifs_add[k].ifindex &&
			    (ret = iface_detach(m, &x->ifs_del[i], err, errlen)))
				return ret;
	for (size_t k = 0; k < x->nifs_add; k++)
		if ((ret = iface_attach(m, &x->ifs_add[k], max_flows, max_rules, err, errlen)))
			return ret;

	/* 2. cgroups and sockets, 3. rules, 4. flows */
	if ((ret = apply_cgroups(m, x, err, errlen)) || (ret = apply_sockets(m, x, err, errlen)))
		return ret;
	if ((ret = apply_recs(m, x, err, errlen)) || (ret = apply_keys(m, x, err, errlen)))
		return ret;
	/* connections open before a new sockets link, as sockets attach scans them */
	if (x->nsocks_add) {
		__u32 added[LL_ORIGIN_MAX];

		if ((ret = ll_sockets_scan(m->dir, added, err, errlen)))
			return ret;
	}

	/* 5. settings, through state.c's writers */
	if (x->tune_set) {
		struct ll_tune t = { .set = x->tune_set };

		memcpy(t.val, x->tune, sizeof(t.val));
		ll_state_tune(m->state, &t);
	}
	if (x->strict >= 0)
		ll_state_strict(m->state, x->strict);

	/* 6. interfaces not in the file, last */
	for (size_t i = 0; i < x->nifs_del; i++)
		if (!reattached(x, i) && (ret = iface_detach(m, &x->ifs_del[i], err, errlen)))
			return ret;
	/* 7. tables that shrink */
	return apply_tables(m, x, 1, err, errlen);
}

int ll_decl_apply(struct ll_maps *m, const struct ll_decl_diff *x, const struct ll_decl *before,
		  __u32 max_flows, __u32 max_rules, char *err, size_t errlen)
{
	struct ll_decl now;
	struct ll_decl_diff back;
	char e2[512];
	int ret = apply_steps(m, x, max_flows, max_rules, err, errlen), r2;

	if (!ret)
		return 0;
	/* put back what was there: the difference from now to before, applied */
	r2 = ll_decl_state(m, m->dir, &now, e2, sizeof(e2));
	if (!r2) {
		r2 = ll_decl_diff(before, &now, 0, &back, e2, sizeof(e2));
		if (!r2) {
			r2 = apply_steps(m, &back, max_flows, max_rules, e2, sizeof(e2));
			ll_decl_diff_free(&back);
		}
		ll_decl_free(&now);
	}
	if (r2) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, "; putting the state back failed too: %s", e2);
	} else {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, "; nothing was changed");
	}
	return ret;
}
#endif /* LL_DECL_PARSE_ONLY */
