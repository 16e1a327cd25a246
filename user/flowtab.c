// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "flowtab.h"

/* ll_remotes as mapped: its entries, rounded up to whole pages */
static size_t rc_len(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return ((size_t)sizeof(struct ll_remote_cnt) * LL_REMOTE_ENTRIES + page - 1) / page * page;
}

struct ll_remote_cnt *ll_remote_of(struct ll_remote_cnt *rc, const __u8 addr[16], __u8 proto)
{
	__u32 a[4];

	memcpy(a, addr, 16);
	return &rc[ll_remote_slot(a, proto)];
}

int ll_flowtab_map(struct ll_flowtab *t, int fd, int remotes_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *p;

	memset(t, 0, sizeof(*t));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.value_size != sizeof(struct ll_flow_bucket) || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;	/* not a flow table of this version */
	t->len = (size_t)info.max_entries * sizeof(struct ll_flow_bucket);
	p = mmap(NULL, t->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	t->b = p;
	t->nbuckets = info.max_entries;
	if (remotes_fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(remotes_fd, &info, &len) ||
	    info.value_size != sizeof(struct ll_remote_cnt) ||
	    info.max_entries != LL_REMOTE_ENTRIES) {
		ll_flowtab_unmap(t);
		return -EINVAL;
	}
	p = mmap(NULL, rc_len(), PROT_READ | PROT_WRITE, MAP_SHARED, remotes_fd, 0);
	if (p == MAP_FAILED) {
		int err = -errno;

		ll_flowtab_unmap(t);
		return err;
	}
	t->rc = p;
	return 0;
}

void ll_flowtab_unmap(struct ll_flowtab *t)
{
	if (t->b)
		munmap(t->b, t->len);
	if (t->rc)
		munmap(t->rc, rc_len());
	memset(t, 0, sizeof(*t));
}

__u32 ll_flowtab_capacity(const struct ll_flowtab *t)
{
	return ll_flow_capacity(t->nbuckets);
}

static __u32 tag_load(const __u32 *tag)
{
	return __atomic_load_n(tag, __ATOMIC_ACQUIRE);
}

static struct ll_flow_entry *find_in(const struct ll_flowtab *t, __u32 b, __u32 tag,
				     const struct ll_flow_key *k)
{
	struct ll_flow_bucket *bk = &t->b[b];

	for (int i = 0; i < LL_FLOW_WAYS; i++)
		if (tag_load(&bk->tag[i]) == tag && ll_flow_key_eq(&bk->e[i].key, k))
			return &bk->e[i];
	return NULL;
}

static struct ll_flow_place place(const struct ll_flowtab *t, const struct ll_flow_key *k)
{
	return ll_flow_place(k, t->nbuckets - 1);
}

static struct ll_flow_entry *find_at(const struct ll_flowtab *t, const struct ll_flow_place *pl,
				     const struct ll_flow_key *k)
{
	struct ll_flow_entry *e = find_in(t, pl->b[0], pl->tag, k);

	return e ? e : find_in(t, pl->b[1], pl->tag, k);
}

struct ll_flow_entry *ll_flowtab_find(const struct ll_flowtab *t, const struct ll_flow_key *k)
{
	struct ll_flow_place pl = place(t, k);

	return find_at(t, &pl, k);
}

/* Claims a free slot in bucket b, fills and publishes it; its index, or -1. */
static int put_at(struct ll_flowtab *t, __u32 b, __u32 tag, const struct ll_flow_entry *src)
{
	struct ll_flow_bucket *bk = &t->b[b];

	for (int i = 0; i < LL_FLOW_WAYS; i++) {
		__u32 zero = 0;

		if (tag_load(&bk->tag[i]) ||
		    !__atomic_compare_exchange_n(&bk->tag[i], &zero, LL_FLOW_TAG_BUSY, 0,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		bk->e[i] = *src;
		__atomic_store_n(&bk->tag[i], tag, __ATOMIC_RELEASE);
		return i;
	}
	return -1;
}

/* Empties slot i of bucket b if it still holds tag; 1 if it did. */
static int clear_slot(struct ll_flowtab *t, __u32 b, int i, __u32 tag)
{
	struct ll_flow_bucket *bk = &t->b[b];
	__u32 want = tag;

	if (!__atomic_compare_exchange_n(&bk->tag[i], &want, LL_FLOW_TAG_BUSY, 0,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	memset(&bk->e[i], 0, sizeof(bk->e[i]));
	__atomic_store_n(&bk->tag[i], 0, __ATOMIC_RELEASE);
	return 1;
}

/*
 * The spill count of a key's home (lifeline.h): raised before a copy is
 * published in its second bucket, lowered after one was cleared there, by
 * whoever cleared it.
 */
static void spill_add(struct ll_flowtab *t, const struct ll_flow_place *pl, int by)
{
	if (pl->b[1] != pl->b[0])
		__atomic_fetch_add(&t->b[pl->b[0]].spill, (__u32)by, __ATOMIC_SEQ_CST);
}

/* Is bucket b the key's second bucket (not its home)? */
static int spilled_to(const struct ll_flow_place *pl, __u32 b)
{
	return b == pl->b[1] && b != pl->b[0];
}

/* clear_slot, and the home's spill count lowered if it was a spilled copy. */
static int clear_copy(struct ll_flowtab *t, const struct ll_flow_place *pl, __u32 b, int i)
{
	if (!clear_slot(t, b, i, pl->tag))
		return 0;
	if (spilled_to(pl, b))
		spill_add(t, pl, -1);
	return 1;
}

/* Empties every slot holding k; returns how many did. */
static int remove_copies(struct ll_flowtab *t, const struct ll_flow_key *k)
{
	struct ll_flow_place pl = place(t, k);
	int n = 0;

	for (int j = 0; j < 2; j++)
		for (int i = 0; i < LL_FLOW_WAYS; i++)
			if (tag_load(&t->b[pl.b[j]].tag[i]) == pl.tag &&
			    ll_flow_key_eq(&t->b[pl.b[j]].e[i].key, k))
				n += clear_copy(t, &pl, pl.b[j], i);
	return n;
}

/*
 * The move sequence (lifeline.h, LL_REMOTE_SEQ): odd while a move is under
 * way. Moves are made under the pin directory's lock, one at a time; one
 * left odd by a writer that died stays odd (+2), so readers keep looking
 * twice on a miss rather than trusting an even count mid-move.
 */
static void move_begin(struct ll_flowtab *t)
{
	__u32 *seq = &t->rc[LL_REMOTE_SEQ].flows;

	__atomic_fetch_add(seq, (__atomic_load_n(seq, __ATOMIC_RELAXED) & 1) ? 2 : 1,
			   __ATOMIC_SEQ_CST);
}

static void move_end(struct ll_flowtab *t)
{
	__atomic_fetch_add(&t->rc[LL_REMOTE_SEQ].flows, 1, __ATOMIC_SEQ_CST);
}

static int has_free(const struct ll_flowtab *t, __u32 b)
{
	for (int i = 0; i < LL_FLOW_WAYS; i++)
		if (!tag_load(&t->b[b].tag[i]))
			return 1;
	return 0;
}

/*
 * Frees a slot in bucket b by moving one of its entries to that entry's
 * other bucket, making room there the same way, at most depth moves deep
 * (a cuckoo walk). Each copy is published before its original goes, so a
 * reader always finds the entry (counts in between may land on either).
 */
static int make_room(struct ll_flowtab *t, __u32 b, int depth)
{
	if (has_free(t, b))
		return 1;
	if (!depth)
		return 0;
	for (int k = 0; k < LL_FLOW_WAYS; k++) {
		int i = (k + depth) % LL_FLOW_WAYS;	/* vary the victim with the depth */
		__u32 tag = tag_load(&t->b[b].tag[i]), alt;
		struct ll_flow_entry copy = t->b[b].e[i];
		struct ll_flow_place pl;
		int j;

		if (!(tag & 1))
			continue;
		pl = place(t, &copy.key);
		if (pl.tag != tag)
			continue;	/* changed under us */
		alt = pl.b[0] == b ? pl.b[1] : pl.b[0];
		if (alt == b || !make_room(t, alt, depth - 1))
			continue;
		/*
		 * The walk may have come back through b and moved this very
		 * entry (or freed a slot here): look again before moving it.
		 */
		if (has_free(t, b))
			return 1;
		if (tag_load(&t->b[b].tag[i]) != tag || !ll_flow_key_eq(&t->b[b].e[i].key, &copy.key))
			continue;
		copy = t->b[b].e[i];	/* its counters as of now */
		move_begin(t);
		if (spilled_to(&pl, alt))
			spill_add(t, &pl, 1);	/* before the copy is visible there */
		j = put_at(t, alt, tag, &copy);
		if (j < 0) {
			if (spilled_to(&pl, alt))
				spill_add(t, &pl, -1);
			move_end(t);
			continue;
		}
		if (!clear_copy(t, &pl, b, i)) {
			/*
			 * Its owner (sock_ops) removed it meanwhile, and uncounted
			 * it: remove the copy this move made, and only that.
			 */
			clear_copy(t, &pl, alt, j);
		}
		move_end(t);
		return 1;
	}
	return 0;
}

#define MOVE_DEPTH 5

void ll_remote_write_begin(struct ll_remote_cnt *rc)
{
	__atomic_fetch_add(&rc[LL_REMOTE_SEQ].hosts, 1, __ATOMIC_SEQ_CST);
}

void ll_remote_write_end(struct ll_remote_cnt *rc)
{
	__atomic_fetch_sub(&rc[LL_REMOTE_SEQ].hosts, 1, __ATOMIC_SEQ_CST);
}

__u32 ll_remote_writers(const struct ll_remote_cnt *rc)
{
	return __atomic_load_n(&rc[LL_REMOTE_SEQ].hosts, __ATOMIC_SEQ_CST);
}

int ll_flowtab_insert(struct ll_flowtab *t, const struct ll_flow_key *k,
		      const struct ll_flow_val *v)
{
	struct ll_flow_place pl = place(t, k);
	struct ll_flow_entry e = { .key = *k, .val = *v };
	struct ll_remote_cnt *rc;
	int ret = -ENOSPC;

	if (!t->rc)
		return -EINVAL;
	if (find_at(t, &pl, k))
		return -EEXIST;
	ll_remote_write_begin(t->rc);
	/* counted before it is visible, uncounted if it never becomes so */
	rc = ll_remote_of(t->rc, k->remote, k->proto);
	__atomic_fetch_add(&rc->flows, 1, __ATOMIC_SEQ_CST);
	for (int tries = 0; tries < 4; tries++) {
		if (put_at(t, pl.b[0], pl.tag, &e) >= 0) {
			ret = 0;
			break;
		}
		if (pl.b[1] != pl.b[0]) {
			spill_add(t, &pl, 1);	/* before it is visible in its second bucket */
			if (put_at(t, pl.b[1], pl.tag, &e) >= 0) {
				ret = 0;
				break;
			}
			spill_add(t, &pl, -1);
		}
		if (!make_room(t, pl.b[0], MOVE_DEPTH) && !make_room(t, pl.b[1], MOVE_DEPTH))
			break;
	}
	if (ret)
		__atomic_fetch_sub(&rc->flows, 1, __ATOMIC_SEQ_CST);
	ll_remote_write_end(t->rc);
	return ret;
}

int ll_flowtab_remove(struct ll_flowtab *t, const struct ll_flow_key *k)
{
	int ret = 0;

	if (!t->rc)
		return -EINVAL;
	ll_remote_write_begin(t->rc);
	if (!remove_copies(t, k))
		ret = -ENOENT;
	else	/* one logical entry, even if a move left a second copy */
		__atomic_fetch_sub(&ll_remote_of(t->rc, k->remote, k->proto)->flows, 1,
				   __ATOMIC_SEQ_CST);
	ll_remote_write_end(t->rc);
	return ret;
}

/*
 * One pass over the table for the repair: counts each key once into
 * want[slot].flows. With fix, clears the later copy of a key held twice (a
 * move whose writer died between publishing the copy and clearing the
 * original) and frees a slot left busy (a writer died while filling it)
 * that was busy in the first pass too (busy, one bit per slot); only in
 * prefilter slots whose count did not move since snap (no writer at work
 * there). Without fix, records the busy slots in busy.
 */
static void repair_pass(struct ll_flowtab *t, struct ll_remote_cnt *want, __u8 *busy,
			const __u32 *snap, int fix)
{
	for (__u32 b = 0; b < t->nbuckets; b++) {
		for (int i = 0; i < LL_FLOW_WAYS; i++) {
			__u32 tag = tag_load(&t->b[b].tag[i]), idx = b * LL_FLOW_WAYS + (__u32)i;
			struct ll_flow_entry e;
			struct ll_flow_place pl;
			struct ll_remote_cnt *w;
			__u32 slot;
			int dup = 0;

			if (tag == LL_FLOW_TAG_BUSY) {
				if (!fix)
					busy[idx / 8] |= (__u8)(1U << (idx % 8));
				else if (busy[idx / 8] & (1U << (idx % 8)))
					__atomic_compare_exchange_n(&t->b[b].tag[i], &tag, 0, 0,
								    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
				continue;
			}
			if (!(tag & 1))
				continue;
			e = t->b[b].e[i];
			pl = place(t, &e.key);
			if (pl.tag != tag)
				continue;	/* changed under us */
			/* an earlier slot (in this scan's order) with the same key */
			for (int j = 0; j < 2 && !dup; j++)
				for (int x = 0; x < LL_FLOW_WAYS && !dup; x++)
					dup = (pl.b[j] < b || (pl.b[j] == b && x < i)) &&
					      tag_load(&t->b[pl.b[j]].tag[x]) == tag &&
					      ll_flow_key_eq(&t->b[pl.b[j]].e[x].key, &e.key);
			w = ll_remote_of(want, e.key.remote, e.key.proto);
			slot = (__u32)(w - want);
			if (!dup) {
				w->flows++;
				continue;
			}
			if (fix && __atomic_load_n(&t->rc[slot].flows, __ATOMIC_SEQ_CST) == snap[slot])
				clear_copy(t, &pl, b, i);
		}
	}
}

int ll_flowtab_repair(struct ll_flowtab *t, const __u32 *hosts)
{
	const __u32 nslots = 1U << LL_REMOTE_BITS;
	size_t nidx = (size_t)t->nbuckets * LL_FLOW_WAYS;
	struct ll_remote_cnt *w1 = calloc(nslots, sizeof(*w1)), *w2 = calloc(nslots, sizeof(*w2));
	__u32 *snap = calloc(nslots, sizeof(*snap)), *seq;
	__u8 *busy = calloc(nidx / 8 + 1, 1);
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int ret = 0;

	if (!t->rc) {
		ret = -EINVAL;
		goto out;
	}
	if (!w1 || !w2 || !snap || !busy) {
		ret = -ENOMEM;
		goto out;
	}
	/*
	 * Runs under the instance lock, so no other user-space writer is at
	 * work; sock_ops and the TCP iterator may be, and raise a count for a
	 * moment before their entry shows (lower it a moment after it went).
	 * A slot is corrected only where its count stayed the same over two
	 * passes 20 ms apart, to the larger of the two tallies, by a
	 * compare-and-swap: an in-kernel writer's step lasts microseconds.
	 */
	for (__u32 i = 0; i < nslots; i++)
		snap[i] = __atomic_load_n(&t->rc[i].flows, __ATOMIC_SEQ_CST);
	repair_pass(t, w1, busy, snap, 0);
	nanosleep(&pause, NULL);
	repair_pass(t, w2, busy, snap, 1);
	for (__u32 i = 0; i < nslots; i++) {
		__u32 want = w1[i].flows > w2[i].flows ? w1[i].flows : w2[i].flows;
		__u32 cur = snap[i], h = __atomic_load_n(&t->rc[i].hosts, __ATOMIC_SEQ_CST);

		if (cur != want &&
		    !__atomic_compare_exchange_n(&t->rc[i].flows, &cur, want, 0, __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST))
			ret = -EAGAIN;	/* a writer at work in this slot: left high */
		/* host entries have no writer but the lock's holder */
		if (h != hosts[i])
			__atomic_store_n(&t->rc[i].hosts, hosts[i], __ATOMIC_SEQ_CST);
	}
	/* a move sequence left odd by a mover that died: only the lock's holder moves */
	seq = &t->rc[LL_REMOTE_SEQ].flows;
	if (__atomic_load_n(seq, __ATOMIC_SEQ_CST) & 1)
		__atomic_fetch_add(seq, 1, __ATOMIC_SEQ_CST);
	if (!ret)
		__atomic_store_n(&t->rc[LL_REMOTE_SEQ].hosts, 0, __ATOMIC_SEQ_CST);
out:
	free(w1);
	free(w2);
	free(snap);
	free(busy);
	return ret;
}

long ll_flowtab_scan(const struct ll_flowtab *t, struct ll_flow_entry **out)
{
	size_t n = 0, cap = 0;
	struct ll_flow_entry *v = NULL;

	for (__u32 b = 0; b < t->nbuckets; b++) {
		for (int i = 0; i < LL_FLOW_WAYS; i++) {
			if (!(tag_load(&t->b[b].tag[i]) & 1))
				continue;
			if (out) {
				if (n == cap) {
					size_t ncap = cap ? 2 * cap : 1024;
					struct ll_flow_entry *nv = realloc(v, ncap * sizeof(*v));

					if (!nv) {
						free(v);
						return -ENOMEM;
					}
					v = nv;
					cap = ncap;
				}
				v[n] = t->b[b].e[i];
			}
			n++;
		}
	}
	if (out)
		*out = v;
	return (long)n;
}
