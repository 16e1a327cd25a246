/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow table from the BPF side (layout and protocol: lifeline.h):
 * lookup for the packet path, insert and remove for sock_ops.
 */
#ifndef LL_FLOWTAB_H
#define LL_FLOWTAB_H

/* The bucket mask, from the map's own size (set by user space at creation). */
static __always_inline __u32 ll_flow_mask(void)
{
	return ((struct bpf_map *)&ll_flows)->max_entries - 1;
}

static __always_inline struct ll_flow_entry *ll_flow_in(__u32 b, __u32 tag,
							const struct ll_flow_key *k)
{
	struct ll_flow_bucket *bk = bpf_map_lookup_elem(&ll_flows, &b);

	if (!bk)
		return NULL;
	for (int i = 0; i < LL_FLOW_WAYS; i++)
		if (bk->tag[i] == tag && ll_flow_key_eq(&bk->e[i].key, k))
			return &bk->e[i];
	return NULL;
}

/* The move sequence (LL_REMOTE_SEQ in lifeline.h), read as it is now. */
static __always_inline __u32 ll_flow_seq(void)
{
	__u32 key = LL_REMOTE_SEQ;
	struct ll_remote_cnt *c = bpf_map_lookup_elem(&ll_remotes, &key);
	__u32 seq = c ? *(volatile __u32 *)&c->flows : 0;

	asm volatile("" ::: "memory");	/* the buckets are read after it */
	return seq;
}

/* Did a move overlap a lookup that began at sequence seq? */
static __always_inline int ll_flow_moved(__u32 seq)
{
	asm volatile("" ::: "memory");	/* the buckets were read before it */
	return (seq & 1) || seq != ll_flow_seq();
}

/* The entry of k in either of its buckets, or NULL. */
static __always_inline struct ll_flow_entry *ll_flow_in2(const struct ll_flow_place *pl,
							 const struct ll_flow_key *k)
{
	struct ll_flow_entry *e = ll_flow_in(pl->b[0], pl->tag, k);

	return e ? e : ll_flow_in(pl->b[1], pl->tag, k);
}

/*
 * A move publishes the copy in the other bucket before it clears the
 * original; a reader that looked at the new bucket before the copy and at
 * the old one after the clear would miss the entry, so a miss during or
 * across a move looks again (tests/test_datapath.c, test_move_race).
 */
static __always_inline struct ll_flow_entry *ll_flow_find_at(const struct ll_flow_place *pl,
							     const struct ll_flow_key *k)
{
	__u32 seq = ll_flow_seq();
	struct ll_flow_entry *e = ll_flow_in2(pl, k);

	/* bounded: moves are one writer's, each a few hundred nanoseconds */
	for (int i = 0; i < 3 && !e && ll_flow_moved(seq); i++) {
		seq = ll_flow_seq();
		e = ll_flow_in2(pl, k);
	}
	return e;
}

static __always_inline struct ll_flow_entry *ll_flow_find(const struct ll_flow_key *k)
{
	struct ll_flow_place pl = ll_flow_place(k, ll_flow_mask());

	return ll_flow_find_at(&pl, k);
}

/* Claims a free slot of bucket b and fills it; returns 1 on success. */
static __always_inline int ll_flow_put(__u32 b, __u32 tag, const struct ll_flow_key *k,
				       const struct ll_flow_val *v)
{
	struct ll_flow_bucket *bk = bpf_map_lookup_elem(&ll_flows, &b);

	if (!bk)
		return 0;
	for (int i = 0; i < LL_FLOW_WAYS; i++) {
		if (bk->tag[i] || __sync_val_compare_and_swap(&bk->tag[i], 0, LL_FLOW_TAG_BUSY))
			continue;
		bk->e[i].key = *k;
		bk->e[i].val = *v;
		/* publish: a sequentially consistent exchange, after every store above */
		__atomic_exchange_n(&bk->tag[i], tag, __ATOMIC_SEQ_CST);
		return 1;
	}
	return 0;
}

/* The prefilter slot of a flow's remote. */
static __always_inline struct ll_remote_cnt *ll_flow_remote(const struct ll_flow_key *k)
{
	__u32 slot = ll_remote_slot((const __u32 *)k->remote, k->proto);

	return bpf_map_lookup_elem(&ll_remotes, &slot);
}

/*
 * Adds a flow unless it is present. Returns 1 if added; 0 if present or
 * both buckets are full (the connection then still matches its rule).
 */
static __always_inline int ll_flow_insert(const struct ll_flow_key *k, const struct ll_flow_val *v)
{
	struct ll_flow_place pl = ll_flow_place(k, ll_flow_mask());
	struct ll_remote_cnt *rc = ll_flow_remote(k);

	if (!rc || ll_flow_find_at(&pl, k))
		return 0;
	/* counted before it is visible, uncounted if it never becomes so */
	__sync_fetch_and_add(&rc->flows, 1);
	if (ll_flow_put(pl.b[0], pl.tag, k, v) || ll_flow_put(pl.b[1], pl.tag, k, v))
		return 1;
	__sync_fetch_and_add(&rc->flows, -1);
	return 0;
}

/* Empties the non-CLI copies of k in either bucket; returns how many. */
static __always_inline int ll_flow_clear_auto(const struct ll_flow_place *pl,
					      const struct ll_flow_key *k)
{
	int n = 0;

	for (int j = 0; j < 2; j++) {
		__u32 b = pl->b[j];
		struct ll_flow_bucket *bk = bpf_map_lookup_elem(&ll_flows, &b);

		if (!bk)
			continue;
		for (int i = 0; i < LL_FLOW_WAYS; i++) {
			if (bk->tag[i] != pl->tag || !ll_flow_key_eq(&bk->e[i].key, k) ||
			    bk->e[i].val.origin == LL_ORIGIN_CLI)
				continue;
			if (__sync_val_compare_and_swap(&bk->tag[i], pl->tag, LL_FLOW_TAG_BUSY) != pl->tag)
				continue;
			__builtin_memset(&bk->e[i], 0, sizeof(bk->e[i]));
			__atomic_exchange_n(&bk->tag[i], 0, __ATOMIC_SEQ_CST);
			n++;
		}
	}
	return n;
}

/*
 * Removes the flow unless an operator registered it (origin CLI): every
 * copy (a move interrupted by a dying writer can leave two), uncounted
 * once, as it was counted once.
 */
static __always_inline void ll_flow_remove_auto(const struct ll_flow_key *k)
{
	struct ll_flow_place pl = ll_flow_place(k, ll_flow_mask());
	struct ll_remote_cnt *rc = ll_flow_remote(k);
	__u32 seq = ll_flow_seq();
	int n;

	if (!rc)
		return;
	n = ll_flow_clear_auto(&pl, k);
	if (!n && ll_flow_moved(seq))
		n = ll_flow_clear_auto(&pl, k);
	if (n)
		__sync_fetch_and_add(&rc->flows, -1);
}

#endif /* LL_FLOWTAB_H */
