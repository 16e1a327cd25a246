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

/*
 * An IPv4 flow's key as the datapath holds it: the three words of the
 * v4-mapped ll_flow_key that vary (words 0 and 2 are zero), kept in
 * registers, never assembled on the stack.
 */
struct ll_flow_key4 {
	__u64 w1;		/* ::ffff prefix word and the remote address */
	__u64 w3;		/* the same for the local address */
	__u64 w4;		/* ports and protocol */
};

static __always_inline int ll_flow_key4_eq(const struct ll_flow_key *a, const struct ll_flow_key4 *k)
{
	const __u64 *x = (const __u64 *)a;

	return !(x[0] | x[2] | (x[1] ^ k->w1) | (x[3] ^ k->w3) | (x[4] ^ k->w4));
}

/*
 * k4 (a constant NULL or not where this is inlined) says which key
 * compares. *spill, when not NULL, gets the bucket's spill count, read
 * after its tags.
 */
static __always_inline struct ll_flow_entry *ll_flow_in(__u32 b, __u32 tag,
							const struct ll_flow_key *k,
							const struct ll_flow_key4 *k4, __u32 *spill)
{
	struct ll_flow_bucket *bk = bpf_map_lookup_elem(&ll_flows, &b);

	if (!bk)
		return NULL;
	for (int i = 0; i < LL_FLOW_WAYS; i++)
		if (bk->tag[i] == tag &&
		    (k4 ? ll_flow_key4_eq(&bk->e[i].key, k4) : ll_flow_key_eq(&bk->e[i].key, k)))
			return &bk->e[i];
	if (spill) {
		asm volatile("" ::: "memory");	/* the tags were read before it */
		*spill = *(volatile __u32 *)&bk->spill;
	}
	return NULL;
}

/* Raises (by 1) or lowers (by -1) the spill count of bucket b. */
static __always_inline void ll_flow_spill_add(__u32 b, int by)
{
	struct ll_flow_bucket *bk = bpf_map_lookup_elem(&ll_flows, &b);

	if (bk)
		__sync_fetch_and_add(&bk->spill, by);
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

/*
 * The entry of k in either of its buckets, or NULL: the second bucket is
 * read only when the home bucket spilled keys there.
 */
static __always_inline struct ll_flow_entry *ll_flow_in2(const struct ll_flow_place *pl,
							 const struct ll_flow_key *k,
							 const struct ll_flow_key4 *k4)
{
	__u32 spill = 0;
	struct ll_flow_entry *e = ll_flow_in(pl->b[0], pl->tag, k, k4, &spill);

	if (e || !spill)
		return e;
	return ll_flow_in(pl->b[1], pl->tag, k, k4, NULL);
}

/*
 * A move publishes the copy in the other bucket before it clears the
 * original; a reader that looked at the new bucket before the copy and at
 * the old one after the clear would miss the entry, so a miss during or
 * across a move looks again (tests/test_datapath.c, test_move_race).
 */
static __always_inline struct ll_flow_entry *ll_flow_search(const struct ll_flow_place *pl,
							     const struct ll_flow_key *k,
							     const struct ll_flow_key4 *k4)
{
	__u32 seq = ll_flow_seq();
	struct ll_flow_entry *e = ll_flow_in2(pl, k, k4);

	/* bounded: moves are one writer's, each a few hundred nanoseconds */
	for (int i = 0; i < 3 && !e && ll_flow_moved(seq); i++) {
		seq = ll_flow_seq();
		e = ll_flow_in2(pl, k, k4);
	}
	return e;
}

static __always_inline struct ll_flow_entry *ll_flow_find_at(const struct ll_flow_place *pl,
							     const struct ll_flow_key *k)
{
	return ll_flow_search(pl, k, NULL);
}

static __always_inline struct ll_flow_entry *ll_flow_find(const struct ll_flow_key *k)
{
	struct ll_flow_place pl = ll_flow_place(k, ll_flow_mask());

	return ll_flow_find_at(&pl, k);
}

/*
 * An IPv6 packet's flow: its source is never v4-mapped (the parser calls
 * such a packet malformed), so its key is hashed by every word.
 */
static __always_inline struct ll_flow_entry *ll_flow_find6(const struct ll_flow_key *k)
{
	__u64 h = ll_flow_hash6(k);
	__u32 mask = ll_flow_mask();
	struct ll_flow_place pl = {
		.tag = ll_flow_tag(h),
		.b = { ll_flow_bucket1(h, mask), ll_flow_bucket2(h, mask) },
	};

	return ll_flow_search(&pl, k, NULL);
}

/*
 * An IPv4 flow (addresses as in the packet, ports as remote | local << 16,
 * network order): hashed with ll_flow_hash4 as ll_flow_hash hashes its
 * v4-mapped key, compared on the words that vary.
 */
static __always_inline struct ll_flow_entry *ll_flow_find4(__u32 remote, __u32 local, __u32 ports,
							   __u32 proto)
{
	__u64 h = ll_flow_hash4(remote, local, ports, proto);
	__u32 mask = ll_flow_mask();
	struct ll_flow_place pl = {
		.tag = ll_flow_tag(h),
		.b = { ll_flow_bucket1(h, mask), ll_flow_bucket2(h, mask) },
	};
	struct ll_flow_key4 k4 = {
		.w1 = bpf_htonl(0xffff) | (__u64)remote << 32,
		.w3 = bpf_htonl(0xffff) | (__u64)local << 32,
		.w4 = ports | (__u64)proto << 32,
	};

	return ll_flow_search(&pl, NULL, &k4);
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
	if (ll_flow_put(pl.b[0], pl.tag, k, v))
		return 1;
	if (pl.b[1] != pl.b[0]) {
		/* spilled: counted at home before it is visible */
		ll_flow_spill_add(pl.b[0], 1);
		if (ll_flow_put(pl.b[1], pl.tag, k, v))
			return 1;
		ll_flow_spill_add(pl.b[0], -1);
	}
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
			/* a spilled copy: uncounted at home after it went */
			if (j && pl->b[1] != pl->b[0])
				ll_flow_spill_add(pl->b[0], -1);
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
static __always_inline int ll_flow_remove_auto(const struct ll_flow_key *k)
{
	struct ll_flow_place pl = ll_flow_place(k, ll_flow_mask());
	struct ll_remote_cnt *rc = ll_flow_remote(k);
	__u32 seq = ll_flow_seq();
	int n;

	if (!rc)
		return 0;
	n = ll_flow_clear_auto(&pl, k);
	if (!n && ll_flow_moved(seq))
		n = ll_flow_clear_auto(&pl, k);
	if (n)
		__sync_fetch_and_add(&rc->flows, -1);
	return n;
}

#endif /* LL_FLOWTAB_H */
