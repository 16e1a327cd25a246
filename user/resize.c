// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live resize of the size-dependent tables (resize.h); renewing the
 * programs in place over the pinned maps is renew.c's.
 *
 * A resize: the new size-dependent maps are made by a load that reuses
 * every other pin and pins the new ones in DIR/resize; every entry is
 * copied (flows inserted again, their bucket depends on the table's size);
 * the rule hits so far are written to the new table (no program uses it
 * yet); the programs are switched in place on every attachment; then the
 * pins are renamed over the old ones (one rename each, in the same bpffs),
 * and the flows sock_ops added or removed in the old table meanwhile (one
 * added whose socket has closed since is not), and the hits counted there
 * since the first write, are carried over. Until the programs are switched
 * nothing the datapath uses has changed; a failure then switches them back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach_int.h"
#include "flowtab.h"
#include "maps.h"
#include "registry.h"
#include "resize.h"
#include "state.h"
#include "util.h"
#include "lifeline.skel.h"

/* ---------------------------------------------------------------- resize */

/*
 * Test hook: LIFELINE_RESIZE_PAUSE=FILE:WHERE[,WHERE...] stops at each WHERE
 * named, the first time only: creates FILE.WHERE and waits (60 s at most)
 * until it is removed.
 */
static void pause_at(const char *where)
{
	static const char *done[8];
	const char *f = getenv("LIFELINE_RESIZE_PAUSE"), *c = f ? strrchr(f, ':') : NULL;
	char path[PATH_MAX];
	size_t wl = strlen(where);
	int fd;

	if (!c)
		return;
	for (const char *w = c + 1; *w; w += strcspn(w, ",") + !!w[strcspn(w, ",")]) {
		int k = 0;

		if (strncmp(w, where, wl) || (w[wl] && w[wl] != ','))
			continue;
		while (k < 8 && done[k] && done[k] != where)
			k++;
		if (k == 8 || done[k])
			return;
		done[k] = where;
		if (snprintf(path, sizeof(path), "%.*s.%s", (int)(c - f), f, where) >= (int)sizeof(path))
			return;
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return;
		close(fd);
		for (int i = 0; i < 3000 && !access(path, F_OK); i++)
			usleep(20000);
		return;
	}
}

void ll_resize_stage_clean(const char *dir)
{
	char stage[PATH_MAX], path[PATH_MAX];

	if (rn_pin_join(stage, sizeof(stage), dir, LL_RESIZE_STAGE))
		return;
	for (int i = 0; i < LL_MAP_MAX; i++)
		if (!rn_pin_join(path, sizeof(path), stage, ll_map_names[i]))
			unlink(path);
	rmdir(stage);
}

static long map_count(int fd, __u32 key_size)
{
	unsigned char k[64], next[64];
	void *prev = NULL;
	long n = 0;

	if (key_size > sizeof(k))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(k, next, key_size);
		prev = k;
		n++;
	}
	return errno == ENOENT ? n : -errno;
}

static __u32 map_key_size(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.key_size;
}

/* The highest rule id in use + 1. */
static long recs_top(int fd)
{
	__u32 cap = ll_map_capacity(fd), top = 0;
	struct ll_rule_rec r;

	for (__u32 id = 0; id < cap; id++) {
		if (bpf_map_lookup_elem(fd, &id, &r))
			return -errno;
		if (r.kind)
			top = id + 1;
	}
	return top;
}

int ll_resize_check(struct ll_maps *m, __u32 max_flows, __u32 max_rules, char *err,
		    size_t errlen)
{
	static const int tables[] = { LL_MAP_RULES, LL_MAP_ALLOW, LL_MAP_RULE_HOSTS,
				      LL_MAP_ALLOW_HOSTS };
	long nflows, top;
	int ret;

	if (max_flows && (max_flows > 1U << 26)) {
		ERR("--max-flows %u is out of range (1 to %u)", max_flows, 1U << 26);
		return -ERANGE;
	}
	if (max_rules && max_rules > 1U << 20) {
		ERR("--max-rules %u is out of range (1 to %u)", max_rules, 1U << 20);
		return -ERANGE;
	}
	if (max_flows) {
		__u32 cap = ll_flow_capacity(ll_flow_buckets(max_flows));

		if ((ret = ll_maps_flows(m))) {
			ERR("cannot map the flow table: %s", strerror(-ret));
			return ret;
		}
		nflows = ll_flowtab_scan(&m->flows, NULL);
		if (nflows > (long)(cap < max_flows ? cap : max_flows)) {
			ERR("cannot resize the flow table to --max-flows %u: it holds %ld flows; "
			    "remove %ld first", max_flows, nflows,
			    nflows - (long)(cap < max_flows ? cap : max_flows));
			return -ENOSPC;
		}
	}
	if (!max_rules)
		return 0;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		long n = map_count(m->fd[tables[i]], map_key_size(m->fd[tables[i]]));

		if (n < 0) {
			ERR("cannot read %s: %s", ll_map_names[tables[i]], strerror((int)-n));
			return (int)n;
		}
		if (n > max_rules) {
			ERR("cannot resize the rule tables to --max-rules %u: %s holds %ld entries",
			    max_rules, ll_map_names[tables[i]], n);
			return -ENOSPC;
		}
	}
	top = recs_top(m->fd[LL_MAP_RULE_RECS]);
	if (top < 0) {
		ERR("cannot read the rules: %s", strerror((int)-top));
		return (int)top;
	}
	if (top > 2L * max_rules) {
		ERR("cannot resize the rule tables to --max-rules %u: rule id %ld is in use "
		    "(ids go up to 2 x --max-rules); remove it first", max_rules, top - 1);
		return -ENOSPC;
	}
	return 0;
}

/* Every key of a trie or hash copied (the rule tables are written under the lock only). */
static int copy_keys(int from, int to)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	unsigned char k[64], next[64], v[256];
	void *prev = NULL;

	if (bpf_obj_get_info_by_fd(from, &info, &len) || info.key_size > sizeof(k) ||
	    info.value_size > sizeof(v))
		return -EINVAL;
	while (!bpf_map_get_next_key(from, prev, next)) {
		memcpy(k, next, info.key_size);
		prev = k;
		if (bpf_map_lookup_elem(from, k, v))
			continue;
		if (bpf_map_update_elem(to, k, v, BPF_ANY))
			return -errno;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int copy_recs(int from, int to)
{
	__u32 cap = ll_map_capacity(from), ncap = ll_map_capacity(to);
	struct ll_rule_rec r;

	for (__u32 id = 0; id < cap && id < ncap; id++) {
		if (bpf_map_lookup_elem(from, &id, &r))
			return -errno;
		if (r.kind && bpf_map_update_elem(to, &id, &r, BPF_ANY))
			return -errno;
	}
	return 0;
}

/*
 * The rule hits, per CPU. The datapath adds to its CPU's counter of a rule
 * in place, so a write of a rule's counters from here loses what the
 * datapath adds between their read and the write. Before the switch no
 * program uses the new table: every rule's hits so far are written there
 * then (hits_premerge, nothing to lose); after the switch only what the old
 * programs counted after that is added (hits_catch_up), for the rules
 * whose count moved meanwhile (usually none).
 */
struct hits_snap {
	__u32 *id;		/* the rules with hits, in id order */
	struct ll_counter *c;	/* their counters, ncpus each */
	long n;
	int ncpus;
};

static void hits_snap_free(struct hits_snap *h)
{
	free(h->id);
	free(h->c);
	memset(h, 0, sizeof(*h));
}

static int hits_premerge(int from, int to, struct hits_snap *h)
{
	__u32 cap = ll_map_capacity(from), ncap = ll_map_capacity(to);
	long room = 0;

	h->ncpus = libbpf_num_possible_cpus();
	if (h->ncpus <= 0)
		return -EINVAL;
	for (__u32 id = 0; id < cap && id < ncap; id++) {
		struct ll_counter *a;
		int any = 0;

		if (h->n == room) {
			__u32 *ni = realloc(h->id, (size_t)(room + 64) * sizeof(*ni));
			struct ll_counter *nc;

			if (!ni)
				return -ENOMEM;
			h->id = ni;
			nc = realloc(h->c, (size_t)(room + 64) * h->ncpus * sizeof(*nc));
			if (!nc)
				return -ENOMEM;
			h->c = nc;
			room += 64;
		}
		a = &h->c[h->n * h->ncpus];
		if (bpf_map_lookup_elem(from, &id, a))
			return -errno;
		for (int c = 0; c < h->ncpus; c++)
			any |= a[c].packets || a[c].bytes;
		if (!any)
			continue;
		if (bpf_map_update_elem(to, &id, a, BPF_ANY))
			return -errno;
		h->id[h->n++] = id;
	}
	return 0;
}

static int hits_catch_up(int from, int to, const struct hits_snap *h)
{
	__u32 cap = ll_map_capacity(from), ncap = ll_map_capacity(to);
	struct ll_counter *a, *b;
	long k = 0;
	int ret = 0;

	a = calloc((size_t)h->ncpus, sizeof(*a));
	b = calloc((size_t)h->ncpus, sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	for (__u32 id = 0; id < cap && id < ncap && !ret; id++) {
		const struct ll_counter *was = NULL;
		int any = 0;

		while (k < h->n && h->id[k] < id)
			k++;
		if (k < h->n && h->id[k] == id)
			was = &h->c[k * h->ncpus];
		if (bpf_map_lookup_elem(from, &id, a)) {
			ret = -errno;
			break;
		}
		for (int c = 0; c < h->ncpus; c++) {
			if (was) {
				a[c].packets -= was[c].packets;
				a[c].bytes -= was[c].bytes;
			}
			any |= a[c].packets || a[c].bytes;
		}
		if (!any)
			continue;
		if (bpf_map_lookup_elem(to, &id, b)) {
			ret = -errno;
			break;
		}
		for (int c = 0; c < h->ncpus; c++) {
			b[c].packets += a[c].packets;
			b[c].bytes += a[c].bytes;
		}
		pause_at("merge");
		if (bpf_map_update_elem(to, &id, b, BPF_ANY))
			ret = -errno;
	}
	free(a);
	free(b);
	return ret;
}

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct ll_flow_entry *)a)->key,
		      &((const struct ll_flow_entry *)b)->key, sizeof(struct ll_flow_key));
}

static struct ll_flow_entry *entry_find(struct ll_flow_entry *e, long n,
					const struct ll_flow_key *k)
{
	struct ll_flow_entry key = { .key = *k };

	if (n <= 0)
		return NULL;
	return bsearch(&key, e, (size_t)n, sizeof(*e), entry_cmp);
}

struct rs_run {
	struct ll_maps *m;
	struct lifeline_bpf *skel;
	struct rn_set *set;
	struct ll_flowtab nt;		/* the new flow table */
	struct ll_remote_cnt *scratch;	/* its prefilter counts: the set of flows is the same */
	struct ll_flow_entry *copied;	/* the old table's entries as copied, sorted */
	long ncopied;
	int old_fd[LL_MAP_MAX];		/* the old maps, to pin back */
	int moved;			/* pins moved so far (in map id order) */
	__u32 observe_old[2];		/* the observe programs the load replaced */
	struct hits_snap hits;		/* the hits written before the switch */
	char stage[PATH_MAX];
};

static int new_fd(struct rs_run *r, int id)
{
	return bpf_map__fd(bpf_object__find_map_by_name(r->skel->obj, ll_map_names[id]));
}

/* The flow table into the new one, each flow inserted at its place there. */
static int copy_flows(struct rs_run *r, char *err, size_t errlen)
{
	int ret = ll_flowtab_map(&r->nt, new_fd(r, LL_MAP_FLOWS), -1);

	if (ret) {
		ERR("cannot map the new flow table: %s", strerror(-ret));
		return ret;
	}
	r->scratch = calloc(LL_REMOTE_ENTRIES, sizeof(*r->scratch));
	if (!r->scratch) {
		ERR("out of memory");
		return -ENOMEM;
	}
	r->nt.rc = r->scratch;
	r->ncopied = ll_flowtab_scan(&r->m->flows, &r->copied);
	if (r->ncopied < 0) {
		ERR("cannot read the flow table: %s", strerror((int)-r->ncopied));
		return (int)r->ncopied;
	}
	if (r->ncopied > 0)	/* (an empty table: no array) */
		qsort(r->copied, (size_t)r->ncopied, sizeof(*r->copied), entry_cmp);
	for (long i = 0; i < r->ncopied; i++) {
		ret = ll_flowtab_insert(&r->nt, &r->copied[i].key, &r->copied[i].val);
		if (ret && ret != -EEXIST) {
			ERR("the new flow table cannot place flow %ld of %ld: %s", i + 1,
			    r->ncopied, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * Did the new sock_ops program see k's connection close with no flow of its
 * own to remove (ll_sock_closed, this load's)? Then a flow the old program
 * added meanwhile is stale.
 */
static int closed_seen(struct rs_run *r, const struct ll_flow_key *k)
{
	__u8 v;

	return !bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.ll_sock_closed), k, &v);
}

/*
 * After the switch: what sock_ops (or the datapath's counters) changed in
 * the old table between the copy and the switch, carried over. A flow the
 * old sock_ops program added meanwhile whose connection closed after the
 * switch was not in the new table when the new program saw the close: it
 * is put in, then taken out again if that close was seen (closed_seen); a
 * close after the check finds it there and removes it.
 */
static void flows_catch_up(struct rs_run *r)
{
	struct ll_flow_entry *now = NULL;
	long n = ll_flowtab_scan(&r->m->flows, &now);

	if (n < 0)
		return;
	if (n > 0)
		qsort(now, (size_t)n, sizeof(*now), entry_cmp);
	for (long i = 0; i < n; i++) {
		struct ll_flow_entry *was = entry_find(r->copied, r->ncopied, &now[i].key);
		struct ll_flow_entry *e = ll_flowtab_find(&r->nt, &now[i].key);

		if (!e) {	/* added meanwhile */
			if (!was && !ll_flowtab_insert(&r->nt, &now[i].key, &now[i].val) &&
			    now[i].val.origin >= LL_ORIGIN_SOCKOPS && closed_seen(r, &now[i].key)) {
				/* closed: out of both tables (the old one's count is the shared one) */
				ll_flowtab_remove(&r->nt, &now[i].key);
				ll_flowtab_remove(&r->m->flows, &now[i].key);
			}
			continue;
		}
		if (was) {
			__atomic_fetch_add(&e->val.packets, now[i].val.packets - was->val.packets,
					   __ATOMIC_RELAXED);
			__atomic_fetch_add(&e->val.bytes, now[i].val.bytes - was->val.bytes,
					   __ATOMIC_RELAXED);
		}
	}
	for (long i = 0; i < r->ncopied; i++)	/* removed meanwhile */
		if (!entry_find(now, n, &r->copied[i].key))
			ll_flowtab_remove(&r->nt, &r->copied[i].key);
	free(now);
}

/* The observe slots hold the programs of the load; back to those before it. */
static void observe_restore(struct rs_run *r)
{
	static const int maps[] = { LL_MAP_OBSERVE_XDP, LL_MAP_OBSERVE_TC };
	__u32 zero = 0;

	for (int i = 0; i < 2; i++) {
		int fd = r->observe_old[i] ? bpf_prog_get_fd_by_id(r->observe_old[i]) : -1;

		if (fd < 0)
			continue;
		bpf_map_update_elem(r->m->fd[maps[i]], &zero, &fd, BPF_ANY);
		close(fd);
	}
}

/* The new maps' pins over the old ones; undone (old maps pinned back) on failure. */
static int pins_move(struct rs_run *r, char *err, size_t errlen)
{
	char from[PATH_MAX], to[PATH_MAX];

	for (int i = 0; i < LL_MAP_MAX; i++) {
		int ret;

		if (!(LL_RESIZE_MAPS & (1U << i)))
			continue;
		ret = r->moved ? rn_fault("pins") : 0;
		if (!ret && (rn_pin_join(from, sizeof(from), r->stage, ll_map_names[i]) ||
			     rn_pin_join(to, sizeof(to), r->m->dir, ll_map_names[i])))
			ret = -ENAMETOOLONG;
		if (!ret && rename(from, to))
			ret = -errno;
		if (ret) {
			ERR("cannot move the pin of the new %s: %s", ll_map_names[i],
			    strerror(-ret));
			return ret;
		}
		r->moved |= 1 << i;
	}
	return 0;
}

static void pins_back(struct rs_run *r)
{
	char to[PATH_MAX];

	for (int i = 0; i < LL_MAP_MAX; i++) {
		if (!(r->moved & (1 << i)) || rn_pin_join(to, sizeof(to), r->m->dir, ll_map_names[i]))
			continue;
		unlink(to);
		bpf_obj_pin(r->old_fd[i], to);
	}
}

int ll_resize(struct ll_maps *m, __u32 max_flows, __u32 max_rules, char *err, size_t errlen)
{
	__u32 flows = max_flows ? max_flows : ll_flows_max(m);
	__u32 rules = max_rules ? max_rules : ll_map_capacity(m->fd[LL_MAP_RULES]);
	struct ll_load_opts lo = { .max_flows = flows, .max_rules = rules,
				   .fresh = LL_RESIZE_MAPS };
	struct rs_run r = { .m = m };
	char dir[PATH_MAX];
	int ret;
	__u32 zero = 0;

	if ((ret = ll_resize_check(m, flows, rules, err, errlen)))
		return ret;
	/* the same tables: only the flows admitted change */
	if (ll_flow_buckets(flows) == ll_map_capacity(m->fd[LL_MAP_FLOWS]) &&
	    rules == ll_map_capacity(m->fd[LL_MAP_RULES])) {
		ll_state_flow_max(m->state, flows);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s", m->dir);
	if (rn_pin_join(r.stage, sizeof(r.stage), dir, LL_RESIZE_STAGE)) {
		ERR("pin path too long");
		return -ENAMETOOLONG;
	}
	ll_resize_stage_clean(dir);
	if (mkdir(r.stage, 0700)) {
		ret = -errno;
		ERR("cannot create %s: %s", r.stage, strerror(-ret));
		return ret;
	}
	r.set = calloc(1, sizeof(*r.set));
	if (!r.set) {
		ERR("out of memory");
		ret = -ENOMEM;
		goto out;
	}
	if ((ret = rn_set_read(dir, r.set))) {
		if (ret == -EPERM)
			ERR("a resize reads the programs in place by id, which needs CAP_SYS_ADMIN");
		else
			ERR("cannot read the programs in place: %s", strerror(-ret));
		goto out;
	}
	if (r.set->dispatched) {
		ERR("cannot resize while lifeline runs in libxdp's dispatcher on %d interface%s: "
		    "its place cannot be replaced in place", r.set->dispatched,
		    r.set->dispatched == 1 ? "" : "s");
		ret = -EOPNOTSUPP;
		goto out;
	}
	bpf_map_lookup_elem(m->fd[LL_MAP_OBSERVE_XDP], &zero, &r.observe_old[0]);
	bpf_map_lookup_elem(m->fd[LL_MAP_OBSERVE_TC], &zero, &r.observe_old[1]);
	lo.progs = ll_renew_progs(dir);
	lo.stage = r.stage;
	ret = ll_skel_load(&r.skel, dir, &lo);
	if (ret) {
		ERR("cannot load the datapath over the new tables: %s", strerror(-ret));
		goto out;
	}
	/*
	 * The load put its observe programs (over the new tables, empty yet)
	 * in the shared program arrays: the old ones go back until the switch.
	 */
	observe_restore(&r);
	/* 1. the entries: rules (written under the instance lock only), then flows */
	ret = copy_keys(m->fd[LL_MAP_RULES], new_fd(&r, LL_MAP_RULES));
	if (!ret)
		ret = copy_keys(m->fd[LL_MAP_ALLOW], new_fd(&r, LL_MAP_ALLOW));
	if (!ret)
		ret = copy_keys(m->fd[LL_MAP_RULE_HOSTS], new_fd(&r, LL_MAP_RULE_HOSTS));
	if (!ret)
		ret = copy_keys(m->fd[LL_MAP_ALLOW_HOSTS], new_fd(&r, LL_MAP_ALLOW_HOSTS));
	if (!ret)
		ret = copy_recs(m->fd[LL_MAP_RULE_RECS], new_fd(&r, LL_MAP_RULE_RECS));
	if (!ret)
		ret = rn_fault("copy");
	if (ret) {
		ERR("cannot copy the rules to the new tables: %s", strerror(-ret));
		goto out;
	}
	if ((ret = ll_maps_flows(m))) {
		ERR("cannot map the flow table: %s", strerror(-ret));
		goto out;
	}
	if ((ret = copy_flows(&r, err, errlen)))
		goto out;
	pause_at("copied");
	if ((ret = hits_premerge(m->fd[LL_MAP_RULE_HITS], new_fd(&r, LL_MAP_RULE_HITS), &r.hits))) {
		ERR("cannot copy the rule hits to the new table: %s", strerror(-ret));
		goto out;
	}
	pause_at("premerged");
	/* 2. the programs, in place on every attachment */
	if ((ret = rn_set_switch(dir, r.set, r.skel, err, errlen)))
		goto out;
	ll_observe_fill(r.skel);	/* observe mode: the new tables' programs too */
	rn_fault("kill-switch");
	/* 3. the pins */
	for (int i = 0; i < LL_MAP_MAX; i++)
		r.old_fd[i] = m->fd[i];
	if ((ret = pins_move(&r, err, errlen))) {
		pins_back(&r);
		rn_set_revert(dir, r.set, r.skel);
		goto out;
	}
	/* 4. what changed in the old tables meanwhile; the flows admitted */
	pause_at("switched");
	flows_catch_up(&r);
	hits_catch_up(m->fd[LL_MAP_RULE_HITS], new_fd(&r, LL_MAP_RULE_HITS), &r.hits);
	ll_state_flow_max(m->state, max_flows ? max_flows : m->state->flow_max);
	/* m on the new maps */
	for (int i = 0; i < LL_MAP_MAX; i++) {
		if (!(LL_RESIZE_MAPS & (1U << i)))
			continue;
		close(m->fd[i]);
		m->fd[i] = dup(new_fd(&r, i));
	}
	ll_flowtab_unmap(&m->flows);
	ret = 0;
out:
	if (ret)
		observe_restore(&r);	/* the programs in place are the old ones again */
	ll_resize_stage_clean(dir);
	if (r.nt.rc == r.scratch)
		r.nt.rc = NULL;
	ll_flowtab_unmap(&r.nt);
	free(r.scratch);
	free(r.copied);
	hits_snap_free(&r.hits);
	if (r.set)
		rn_set_free(r.set);
	free(r.set);
	if (r.skel)
		lifeline_bpf__destroy(r.skel);
	return ret;
}
