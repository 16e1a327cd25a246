// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The rule compiler and trie sync (see rules.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "flowtab.h"
#include "rules.h"
#include "spec.h"
#include "util.h"

#define PROTO_BITS 8

struct src {
	const struct ll_rule_rec *rec;
	__u32 id;
	size_t order;		/* position in the input: ties keep it */
};

static unsigned int rec_bits(const struct ll_rule_rec *r)
{
	return r->is_v4 ? LL_V4MAPPED_PREFIX + r->plen : r->plen;
}

void ll_rule_key_make(struct ll_rule_key *k, __u8 proto, const __u8 addr[16], int is_v4,
		      unsigned int plen)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = PROTO_BITS + (is_v4 ? LL_V4MAPPED_PREFIX : 0) + plen;
	k->proto = proto;
	ll_addr_mask(k->addr, addr, k->prefixlen - PROTO_BITS);
}

/* Zero what lies beyond the prefix, so equal prefixes compare equal with memcmp. */
static void key_canon(struct ll_rule_key *k)
{
	if (k->prefixlen < PROTO_BITS)
		k->proto &= (__u8)(0xff00 >> k->prefixlen);
	ll_addr_mask(k->addr, k->addr, k->prefixlen > PROTO_BITS ? k->prefixlen - PROTO_BITS : 0);
	memset(k->_pad, 0, sizeof(k->_pad));
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct ll_rule_key));
}

static int entry_cmp(const void *a, const void *b)
{
	const struct ll_rule_key *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->prefixlen != y->prefixlen)
		return x->prefixlen < y->prefixlen ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

/* Most specific first; equal lengths in input order. */
static int src_cmp(const void *a, const void *b)
{
	const struct src *x = a, *y = b;
	unsigned int bx = rec_bits(x->rec), by = rec_bits(y->rec);

	if (bx != by)
		return bx > by ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int key_is_v4(const struct ll_rule_key *k)
{
	return k->prefixlen >= PROTO_BITS + LL_V4MAPPED_PREFIX &&
	       ll_is_v4mapped(k->addr);
}

/* An IPv6 rule covering ::ffff:0:0/96 would match IPv4 packets. */
static int covers_v4_space(const struct ll_rule_rec *r)
{
	__u8 m[16];

	if (r->is_v4 || r->plen > LL_V4MAPPED_PREFIX)
		return 0;
	ll_addr_mask(m, ll_v4mapped_prefix, r->plen);
	return !memcmp(m, r->addr, 16);
}

/* The records of kind, checked; *rules sorted most specific first. */
static int select_rules(const struct ll_rule_rec *recs, const __u32 *ids, size_t n, __u32 kind,
			struct src **rules, size_t *nrules, char *err, size_t errlen)
{
	struct src *s = calloc(n ? n : 1, sizeof(*s));
	size_t m = 0;
	char why[128];

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		__u32 id = ids ? ids[i] : (__u32)i;

		if (recs[i].kind != kind)
			continue;
		if (ll_rec_check(&recs[i], why, sizeof(why))) {
			snprintf(err, errlen, "rule %u is invalid: %s", id, why);
			free(s);
			return -EINVAL;
		}
		s[m++] = (struct src){ .rec = &recs[i], .id = id, .order = i };
	}
	qsort(s, m, sizeof(*s), src_cmp);
	*rules = s;
	*nrules = m;
	return 0;
}

/* One entry per distinct (proto, prefix), plus the IPv4 guards; values still empty. */
static int make_entries(const struct src *rules, size_t nrules, struct ll_rule_entry **out,
			size_t *nout)
{
	struct ll_rule_entry *e = calloc(2 * nrules + 1, sizeof(*e));
	size_t n = 0, u = 0;

	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < nrules; i++) {
		const struct ll_rule_rec *r = rules[i].rec;

		ll_rule_key_make(&e[n++].key, r->proto, r->addr, r->is_v4, r->plen);
		if (covers_v4_space(r))
			ll_rule_key_make(&e[n++].key, r->proto, ll_v4mapped_prefix, 1, 0);
	}
	qsort(e, n, sizeof(*e), entry_cmp);
	for (size_t i = 0; i < n; i++)
		if (!u || entry_cmp(&e[u - 1].key, &e[i].key))
			e[u++] = e[i];
	*out = e;
	*nout = u;
	return 0;
}

static int rule_covers(const struct ll_rule_rec *r, const struct ll_rule_key *k)
{
	unsigned int bits = rec_bits(r);
	__u8 m[16];

	if (r->proto != k->proto || r->is_v4 != key_is_v4(k) || PROTO_BITS + bits > k->prefixlen)
		return 0;
	ll_addr_mask(m, k->addr, bits);
	return !memcmp(m, r->addr, 16);
}

static int range_shadowed(const struct ll_rule_val *v, __u16 lo, __u16 hi)
{
	for (__u32 i = 0; i < v->nranges; i++)
		if (v->ranges[i].lo <= lo && hi <= v->ranges[i].hi)
			return 1;
	return 0;
}

static void name_prefix(const struct ll_rule_key *k, char *buf, size_t len)
{
	int v4 = key_is_v4(k);
	unsigned int plen = k->prefixlen - PROTO_BITS - (v4 ? LL_V4MAPPED_PREFIX : 0);
	char a[LL_ADDR_FMT_LEN];
	const char *proto = k->proto == IPPROTO_UDP ? "udp" : "tcp";

	ll_addr_format(k->addr, v4, a, sizeof(a));
	snprintf(buf, len, v4 ? "%s://%s/%u" : "%s://[%s/%u]", proto, a, plen);
}

/* The ranges of every rule covering e's prefix, most specific first. */
static int fill_entry(struct ll_rule_entry *e, const struct src *rules, size_t nrules, char *err,
		      size_t errlen)
{
	struct ll_rule_val *v = &e->val;
	char name[LL_ADDR_FMT_LEN + 16];

	for (size_t i = 0; i < nrules; i++) {
		const struct ll_rule_rec *r = rules[i].rec;

		if (!rule_covers(r, &e->key))
			continue;
		for (int j = 0; j < r->nranges; j++) {
			if (range_shadowed(v, r->ranges[j].lo, r->ranges[j].hi))
				continue;
			if (v->nranges == LL_RULE_PORTS) {
				name_prefix(&e->key, name, sizeof(name));
				snprintf(err, errlen, "%s needs more than %d port ranges (its "
					 "own rules and those of the prefixes covering it); "
					 "merge or remove rules", name, LL_RULE_PORTS);
				return -EINVAL;
			}
			v->ranges[v->nranges++] = (struct ll_port_range){
				.lo = r->ranges[j].lo,
				.hi = r->ranges[j].hi,
				.rule_id = rules[i].id,
			};
		}
	}
	return 0;
}

int ll_rules_compile(const struct ll_rule_rec *recs, const __u32 *ids, size_t n, __u32 kind,
		     struct ll_rule_entry **out, size_t *nout, char *err, size_t errlen)
{
	struct ll_rule_entry *ents = NULL;
	struct src *rules = NULL;
	size_t nrules = 0, nents = 0;
	int ret;

	*out = NULL;
	*nout = 0;
	ret = select_rules(recs, ids, n, kind, &rules, &nrules, err, errlen);
	if (ret)
		goto cleanup;
	ret = make_entries(rules, nrules, &ents, &nents);
	if (ret)
		goto cleanup;
	for (size_t i = 0; i < nents && !ret; i++)
		ret = fill_entry(&ents[i], rules, nrules, err, errlen);
	if (ret)
		goto cleanup;
	if (nents) {
		*out = ents;
		*nout = nents;
		ents = NULL;
	}
cleanup:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory compiling the rules");
	free(ents);
	free(rules);
	return ret;
}

/* Every key in the trie (canonical form), at most its max_entries. */
static int dump_keys(int fd, struct ll_rule_key **keys, size_t *nkeys)
{
	struct bpf_map_info info = {};
	__u32 infolen = sizeof(info);
	struct ll_rule_key *k = NULL, *tmp;
	size_t n = 0, cap = 0;
	int ret = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &infolen))
		return -errno;
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			tmp = realloc(k, cap * sizeof(*k));
			if (!tmp) {
				ret = -ENOMEM;
				break;
			}
			k = tmp;
		}
		if (bpf_map_get_next_key(fd, n ? &k[n - 1] : NULL, &k[n])) {
			if (errno != ENOENT)
				ret = -errno;
			break;
		}
		/* more keys than the trie can hold: someone else is changing it */
		if (++n > info.max_entries) {
			ret = -EBUSY;
			break;
		}
	}
	if (ret) {
		free(k);
		return ret;
	}
	for (size_t i = 0; i < n; i++)
		key_canon(&k[i]);
	*keys = k;
	*nkeys = n;
	return 0;
}

static int delete_unwanted(int fd, const struct ll_rule_entry *want, size_t n)
{
	struct ll_rule_key *have = NULL, *wanted = calloc(n ? n : 1, sizeof(*wanted));
	size_t nhave = 0;
	int ret;

	if (!wanted)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		wanted[i] = want[i].key;
		key_canon(&wanted[i]);
	}
	qsort(wanted, n, sizeof(*wanted), key_cmp);
	ret = dump_keys(fd, &have, &nhave);
	for (size_t i = 0; i < nhave && !ret; i++) {
		if (bsearch(&have[i], wanted, n, sizeof(*wanted), key_cmp))
			continue;
		if (bpf_map_delete_elem(fd, &have[i]) && errno != ENOENT)
			ret = -errno;
	}
	free(have);
	free(wanted);
	return ret;
}

int ll_rules_sync(int trie_fd, const struct ll_rule_entry *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bpf_map_update_elem(trie_fd, &want[i].key, &want[i].val, BPF_ANY))
			return -errno;
	return delete_unwanted(trie_fd, want, n);
}

static __u64 host_key(const struct ll_rule_key *k, __u32 addr[4])
{
	memcpy(addr, k->addr, 16);
	return ll_host_hash(addr, k->proto);
}

int ll_host_put(int hash_fd, struct ll_remote_cnt *rc, const struct ll_rule_key *k,
		const struct ll_rule_val *v)
{
	struct ll_host_val hv = { .proto = k->proto, .val = *v }, cur;
	__u64 hk = host_key(k, hv.addr);
	struct ll_remote_cnt *c = &rc[ll_remote_slot(hv.addr, hv.proto)];
	int present = !bpf_map_lookup_elem(hash_fd, &hk, &cur);

	if (present && !ll_host_is(&cur, hv.addr, hv.proto))
		return -EEXIST;		/* a 64-bit hash collision: refused, never confused */
	if (present)
		return bpf_map_update_elem(hash_fd, &hk, &hv, BPF_ANY) ? -errno : 0;
	/* a new entry is counted in the prefilter before it is visible */
	ll_remote_write_begin(rc);
	__atomic_fetch_add(&c->hosts, 1, __ATOMIC_SEQ_CST);
	if (bpf_map_update_elem(hash_fd, &hk, &hv, BPF_ANY)) {
		int err = -errno;

		__atomic_fetch_sub(&c->hosts, 1, __ATOMIC_SEQ_CST);
		ll_remote_write_end(rc);
		return err;
	}
	ll_remote_write_end(rc);
	return 0;
}

int ll_hosts_sync(int hash_fd, struct ll_remote_cnt *rc, const struct ll_rule_entry *want, size_t n)
{
	__u64 *wanted = malloc((n ? n : 1) * sizeof(*wanted)), k, next;
	struct ll_host_val cur;
	__u32 addr[4];
	int ret = 0, more;

	if (!wanted)
		return -ENOMEM;
	for (size_t i = 0; i < n && !ret; i++) {
		wanted[i] = host_key(&want[i].key, addr);
		ret = ll_host_put(hash_fd, rc, &want[i].key, &want[i].val);
	}
	/* then the entries no longer wanted (uncounted once gone) */
	for (more = !ret && !bpf_map_get_next_key(hash_fd, NULL, &next); more;) {
		size_t i;

		k = next;
		more = !bpf_map_get_next_key(hash_fd, &k, &next);
		for (i = 0; i < n && wanted[i] != k; i++)
			;
		if (i < n || bpf_map_lookup_elem(hash_fd, &k, &cur))
			continue;
		ll_remote_write_begin(rc);
		if (bpf_map_delete_elem(hash_fd, &k)) {
			int e = errno;

			ll_remote_write_end(rc);
			if (e == ENOENT)
				continue;
			ret = -e;
			break;
		}
		__atomic_fetch_sub(&rc[ll_remote_slot(cur.addr, cur.proto)].hosts, 1, __ATOMIC_SEQ_CST);
		ll_remote_write_end(rc);
	}
	free(wanted);
	return ret;
}

static int key_matches(const struct ll_rule_key *k, __u8 proto, const __u8 addr[16])
{
	__u8 a[16], b[16];

	if (k->prefixlen < PROTO_BITS || k->prefixlen > LL_RULE_KEY_BITS || k->proto != proto)
		return 0;
	ll_addr_mask(a, addr, k->prefixlen - PROTO_BITS);
	ll_addr_mask(b, k->addr, k->prefixlen - PROTO_BITS);
	return !memcmp(a, b, 16);
}

int ll_rules_match(const struct ll_rule_entry *e, size_t n, __u8 proto, const __u8 addr[16],
		   __u16 sport, __u16 dport)
{
	const struct ll_rule_entry *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (key_matches(&e[i].key, proto, addr) &&
		    (!best || e[i].key.prefixlen > best->key.prefixlen))
			best = &e[i];
	if (!best)
		return -1;
	for (__u32 i = 0; i < best->val.nranges && i < LL_RULE_PORTS; i++) {
		const struct ll_port_range *r = &best->val.ranges[i];

		if ((sport >= r->lo && sport <= r->hi) || (dport >= r->lo && dport <= r->hi))
			return r->rule_id;
	}
	return -1;
}
