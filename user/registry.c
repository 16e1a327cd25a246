// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "registry.h"
#include "flowtab.h"
#include "rules.h"

#include "util.h"

__u32 ll_map_capacity(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

/* Counts the entries of a host hash per prefilter slot into hosts. */
static int count_hosts(int fd, __u32 *hosts)
{
	__u64 k, next;
	int first = 1;

	while (!bpf_map_get_next_key(fd, first ? NULL : &k, &next)) {
		struct ll_host_val hv;

		if (!bpf_map_lookup_elem(fd, &next, &hv))
			hosts[ll_remote_slot(hv.addr, hv.proto)]++;
		else if (errno != ENOENT)
			return -errno;
		k = next;
		first = 0;
	}
	return errno == ENOENT ? 0 : -errno;
}

int ll_prefilter_repair(struct ll_maps *m)
{
	__u32 *hosts;
	int ret = ll_maps_flows(m);

	if (ret)
		return ret;
	if (!m->flows.rc || !ll_remote_writers(m->flows.rc))
		return 0;
	hosts = calloc(1U << LL_REMOTE_BITS, sizeof(*hosts));
	if (!hosts)
		return -ENOMEM;
	ret = count_hosts(m->fd[LL_MAP_RULE_HOSTS], hosts);
	if (!ret)
		ret = count_hosts(m->fd[LL_MAP_ALLOW_HOSTS], hosts);
	if (!ret)
		ret = ll_flowtab_repair(&m->flows, hosts);
	free(hosts);
	return ret == -EAGAIN ? 0 : ret;	/* left high is safe: the next writer tries again */
}

/*
 * The flow table, mapped, with the prefilter repaired first if a writer
 * died (best effort: a count left high only costs a lookup).
 */
static int flows_open(struct ll_maps *m)
{
	ll_prefilter_repair(m);
	return ll_maps_flows(m);
}

int ll_reg_read(const struct ll_maps *m, struct ll_registry *r)
{
	int fd = m->fd[LL_MAP_RULE_RECS];

	memset(r, 0, sizeof(*r));
	r->cap = ll_map_capacity(fd);
	if (!r->cap)
		return -EINVAL;
	r->recs = calloc(r->cap, sizeof(*r->recs));
	if (!r->recs)
		return -ENOMEM;
	for (__u32 i = 0; i < r->cap; i++) {
		if (bpf_map_lookup_elem(fd, &i, &r->recs[i])) {
			int err = -errno;

			ll_reg_free(r);
			return err;
		}
	}
	return 0;
}

void ll_reg_free(struct ll_registry *r)
{
	free(r->recs);
	r->recs = NULL;
	r->cap = 0;
}

int ll_rec_same(const struct ll_rule_rec *a, const struct ll_rule_rec *b)
{
	return a->kind == b->kind && a->proto == b->proto && a->plen == b->plen &&
	       a->is_v4 == b->is_v4 && a->nranges == b->nranges &&
	       !memcmp(a->addr, b->addr, 16) &&
	       !memcmp(a->ranges, b->ranges, sizeof(a->ranges[0]) * a->nranges);
}

int ll_reg_find(const struct ll_registry *r, const struct ll_rule_rec *rec, const char *name)
{
	for (__u32 i = 0; i < r->cap; i++) {
		const struct ll_rule_rec *x = &r->recs[i];

		if (x->kind == LL_RULE_FREE)
			continue;
		if (rec && ll_rec_same(x, rec))
			return i;
		if (name && x->name[0] && !strncmp(x->name, name, LL_NAME_LEN))
			return i;
	}
	return -1;
}

int ll_rules_install(struct ll_maps *m, __u32 kind, const struct ll_rule_entry *e, size_t n)
{
	int allow = kind == LL_RULE_ALLOW;
	int hfd = m->fd[allow ? LL_MAP_ALLOW_HOSTS : LL_MAP_RULE_HOSTS];
	int tfd = m->fd[allow ? LL_MAP_ALLOW : LL_MAP_RULES];
	struct ll_rule_entry *hosts = malloc((n ? n : 1) * sizeof(*hosts));
	struct ll_rule_entry *prefixes = malloc((n ? n : 1) * sizeof(*prefixes));
	size_t nh = 0, np = 0;
	int ret;

	if (!hosts || !prefixes) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (e[i].key.prefixlen == LL_RULE_KEY_BITS)
			hosts[nh++] = e[i];
		else
			prefixes[np++] = e[i];
	}
	if (nh > ll_map_capacity(hfd) || np > ll_map_capacity(tfd)) {
		ret = -ENOSPC;
		goto out;
	}
	/* Counts cover old and new entries during the change, exact after it. */
	if (m->state->host_entries[allow] < nh)
		m->state->host_entries[allow] = nh;
	if (m->state->trie_entries[allow] < np)
		m->state->trie_entries[allow] = np;
	ret = flows_open(m);
	if (!ret)
		ret = ll_hosts_sync(hfd, m->flows.rc, hosts, nh);
	if (!ret)
		ret = ll_rules_sync(tfd, prefixes, np);
	if (!ret) {
		m->state->host_entries[allow] = nh;
		m->state->trie_entries[allow] = np;
	}
out:
	free(hosts);
	free(prefixes);
	return ret;
}

int ll_reg_sync(struct ll_maps *m, const struct ll_registry *r, __u32 kind, char *err,
		size_t errlen)
{
	int fd = m->fd[kind == LL_RULE_ALLOW ? LL_MAP_ALLOW : LL_MAP_RULES];
	struct ll_rule_entry *ents = NULL;
	__u32 *ids = malloc(r->cap * sizeof(*ids));
	size_t nents = 0;
	int ret;

	if (!ids)
		return -ENOMEM;
	for (__u32 i = 0; i < r->cap; i++)
		ids[i] = i;
	ret = ll_rules_compile(r->recs, ids, r->cap, kind, &ents, &nents, err, errlen);
	if (ret)
		goto out;
	ret = ll_rules_install(m, kind, ents, nents);
	if (ret == -ENOSPC)
		ERR("the rule table is full: it holds %u host and %u prefix entries and these rules "
		    "need more; delete rules or recreate the maps with a larger --max-rules",
		    ll_map_capacity(m->fd[kind == LL_RULE_ALLOW ? LL_MAP_ALLOW_HOSTS : LL_MAP_RULE_HOSTS]),
		    ll_map_capacity(fd));
	else if (ret)
		ERR("cannot update the rule table: %s", strerror(-ret));
out:
	free(ents);
	free(ids);
	return ret;
}

static int write_rec(struct ll_maps *m, __u32 id, const struct ll_rule_rec *rec)
{
	int ncpus = libbpf_num_possible_cpus();
	struct ll_counter *zero = calloc(ncpus > 0 ? ncpus : 1, sizeof(*zero));
	int ret = 0;

	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(m->fd[LL_MAP_RULE_RECS], &id, rec, 0) ||
	    bpf_map_update_elem(m->fd[LL_MAP_RULE_HITS], &id, zero, 0))
		ret = -errno;
	free(zero);
	return ret;
}

/* Applies r (already modified in memory) to the maps; restores *old on failure. */
static int commit(struct ll_maps *m, struct ll_registry *r, const struct ll_registry *old,
		  char *err, size_t errlen)
{
	int ret = 0;

	for (__u32 i = 0; i < r->cap && !ret; i++)
		if (memcmp(&r->recs[i], &old->recs[i], sizeof(r->recs[i])))
			ret = write_rec(m, i, &r->recs[i]);
	if (ret)
		ERR("cannot write the rule records: %s", strerror(-ret));
	if (!ret)
		ret = ll_reg_sync(m, r, LL_RULE_ENDPOINT, err, errlen);
	if (!ret)
		ret = ll_reg_sync(m, r, LL_RULE_ALLOW, err, errlen);
	if (ret) {
		char ignore[256];

		for (__u32 i = 0; i < r->cap; i++)
			if (memcmp(&r->recs[i], &old->recs[i], sizeof(r->recs[i])))
				write_rec(m, i, &old->recs[i]);
		ll_reg_sync(m, old, LL_RULE_ENDPOINT, ignore, sizeof(ignore));
		ll_reg_sync(m, old, LL_RULE_ALLOW, ignore, sizeof(ignore));
		memcpy(r->recs, old->recs, r->cap * sizeof(*r->recs));
	}
	return ret;
}

static int reg_copy(const struct ll_registry *r, struct ll_registry *copy)
{
	copy->cap = r->cap;
	copy->recs = malloc(r->cap * sizeof(*r->recs));
	if (!copy->recs)
		return -ENOMEM;
	memcpy(copy->recs, r->recs, r->cap * sizeof(*r->recs));
	return 0;
}

int ll_reg_add(struct ll_maps *m, struct ll_registry *r, const struct ll_rule_rec *recs, size_t n,
	       size_t *dup, char *err, size_t errlen)
{
	struct ll_registry old;
	__u32 slot = 0;
	int ret;

	*dup = 0;
	ret = reg_copy(r, &old);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].name[0] && ll_reg_find(r, NULL, recs[i].name) >= 0 &&
		    !ll_rec_same(&r->recs[ll_reg_find(r, NULL, recs[i].name)], &recs[i])) {
			ret = -EEXIST;
			ERR("the name '%s' is already used by another rule", recs[i].name);
			goto fail;
		}
		if (ll_reg_find(r, &recs[i], NULL) >= 0) {
			(*dup)++;
			continue;
		}
		while (slot < r->cap && r->recs[slot].kind != LL_RULE_FREE)
			slot++;
		if (slot == r->cap) {
			ret = -ENOSPC;
			ERR("the rule table is full (%u rules); delete rules or recreate the maps "
			    "with a larger --max-rules", r->cap);
			goto fail;
		}
		r->recs[slot] = recs[i];
	}
	ret = commit(m, r, &old, err, errlen);
	ll_reg_free(&old);
	return ret;
fail:
	memcpy(r->recs, old.recs, r->cap * sizeof(*r->recs));
	ll_reg_free(&old);
	return ret;
}

int ll_reg_del(struct ll_maps *m, struct ll_registry *r, const __u32 *ids, size_t n, char *err,
	       size_t errlen)
{
	struct ll_registry old;
	int ret = reg_copy(r, &old);

	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++)
		if (ids[i] < r->cap)
			memset(&r->recs[ids[i]], 0, sizeof(r->recs[0]));
	ret = commit(m, r, &old, err, errlen);
	ll_reg_free(&old);
	return ret;
}

__u32 ll_flows_max(const struct ll_maps *m)
{
	__u32 cap = ll_flow_capacity(ll_map_capacity(m->fd[LL_MAP_FLOWS]));
	__u32 want = m->state ? m->state->flow_max : 0;

	return want && want < cap ? want : cap;
}

int ll_flows_add(struct ll_maps *m, const struct ll_flow_key *keys, size_t n, __u32 origin,
		 const __u32 *flags, size_t *dup, char *err, size_t errlen)
{
	struct ll_flowtab *t = &m->flows;
	struct ll_flow_val v = { .origin = origin };
	__u32 cap = ll_flows_max(m);
	size_t nfresh = 0;
	unsigned char *mine;
	long have;
	int ret = flows_open(m);

	*dup = 0;
	if (ret) {
		ERR("cannot map the flow table: %s", strerror(-ret));
		return ret;
	}
	have = ll_flowtab_scan(t, NULL);
	for (size_t i = 0; i < n; i++) {
		if (ll_flowtab_find(t, &keys[i]))
			(*dup)++;
		else
			nfresh++;
	}
	if (have >= 0 && (size_t)have + nfresh > cap) {
		ERR("the flow table holds %u flows, %ld are in use and %zu more were asked; "
		    "nothing was added (recreate the maps with a larger --max-flows)",
		    cap, have, nfresh);
		return -ENOSPC;
	}
	/* On failure remove what this call added: all or nothing. */
	mine = calloc(n ? n : 1, 1);
	if (!mine)
		return -ENOMEM;
	for (size_t i = 0; i < n && !ret; i++) {
		v.flags = flags ? flags[i] : 0;
		ret = ll_flowtab_insert(t, &keys[i], &v);
		if (ret == -EEXIST)
			ret = 0;	/* present, or twice in this call */
		else if (!ret)
			mine[i] = 1;
	}
	if (ret) {
		for (size_t i = 0; i < n; i++)
			if (mine[i])
				ll_flowtab_remove(t, &keys[i]);
		ERR("cannot add flows: %s; nothing was added",
		    ret == -ENOSPC ? "no free slot in either of a flow's buckets" : strerror(-ret));
		free(mine);
		return ret;
	}
	/* Present before: --strict sets the flag; without it the flag stays (never cleared here). */
	for (size_t i = 0; flags && i < n; i++) {
		struct ll_flow_entry *e;

		if (mine[i] || !(flags[i] & LL_FLOW_F_STRICT))
			continue;
		e = ll_flowtab_find(t, &keys[i]);
		if (e)
			__atomic_fetch_or(&e->val.flags, LL_FLOW_F_STRICT, __ATOMIC_RELEASE);
	}
	free(mine);
	return 0;
}

int ll_flows_del(struct ll_maps *m, const struct ll_flow_key *k)
{
	int err = flows_open(m);

	return err ? err : ll_flowtab_remove(&m->flows, k);
}

long ll_flows_dump(struct ll_maps *m, struct ll_flow_key **keys, struct ll_flow_val **vals)
{
	struct ll_flow_entry *e = NULL;
	long n = ll_maps_flows(m);	/* readers may run unlocked (stats --interval): no repair */

	if (n)
		return n;
	n = ll_flowtab_scan(&m->flows, keys || vals ? &e : NULL);

	if (n < 0 || (!keys && !vals))
		return n;
	if (keys && !(*keys = malloc((n ? n : 1) * sizeof(**keys))))
		goto nomem;
	if (vals && !(*vals = malloc((n ? n : 1) * sizeof(**vals)))) {
		if (keys)
			free(*keys);
		goto nomem;
	}
	for (long i = 0; i < n; i++) {
		if (keys)
			(*keys)[i] = e[i].key;
		if (vals)
			(*vals)[i] = e[i].val;
	}
	free(e);
	return n;
nomem:
	free(e);
	return -ENOMEM;
}
