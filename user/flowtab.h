/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow table from user space: the ll_flows array mapped into this
 * process, read and written in place with the protocol of lifeline.h
 * (claim a slot by compare-and-swap on its tag, publish the tag last), so
 * the datapath and sock_ops may run meanwhile.
 */
#ifndef LL_FLOWTAB_USER_H
#define LL_FLOWTAB_USER_H

#include <stddef.h>
#include <linux/types.h>
#include "lifeline.h"

struct ll_flowtab {
	struct ll_flow_bucket *b;
	__u32 nbuckets;		/* a power of two */
	size_t len;		/* bytes mapped */
	struct ll_remote_cnt *rc;	/* ll_remotes, 1 << LL_REMOTE_BITS slots; NULL: read-only */
};

/*
 * Maps the table behind fd (ll_flows) and the remote prefilter behind
 * remotes_fd (ll_remotes; -1: read only, insert and remove refuse); 0 or -errno.
 */
int ll_flowtab_map(struct ll_flowtab *t, int fd, int remotes_fd);

/* The prefilter slot counts of a remote (address as in the keys, protocol). */
struct ll_remote_cnt *ll_remote_of(struct ll_remote_cnt *rc, const __u8 addr[16], __u8 proto);
void ll_flowtab_unmap(struct ll_flowtab *t);
/* Flows admitted: 4/5 of the slots (moves place the rest). */
__u32 ll_flowtab_capacity(const struct ll_flowtab *t);

struct ll_flow_entry *ll_flowtab_find(const struct ll_flowtab *t, const struct ll_flow_key *k);
/* 0 added, -EEXIST present, -ENOSPC both buckets full even after moving an entry. */
int ll_flowtab_insert(struct ll_flowtab *t, const struct ll_flow_key *k,
		      const struct ll_flow_val *v);
/* 0 removed (every copy), -ENOENT absent. */
int ll_flowtab_remove(struct ll_flowtab *t, const struct ll_flow_key *k);
/*
 * The count of user-space changes under way (lifeline.h, LL_REMOTE_SEQ):
 * every writer of counts, flows or host entries brackets its change.
 */
void ll_remote_write_begin(struct ll_remote_cnt *rc);
void ll_remote_write_end(struct ll_remote_cnt *rc);
__u32 ll_remote_writers(const struct ll_remote_cnt *rc);
/*
 * Under the instance lock, after a writer died mid-change: sets each
 * prefilter slot's flow count to the flows the table holds (each key once;
 * a second copy or a busy slot a dead writer left is removed) and its host
 * count to hosts[slot] (1 << LL_REMOTE_BITS entries), evens the move
 * sequence, and clears the writers' count. -EAGAIN: a slot changed under
 * it (an in-kernel writer) and was left high, the count stays set.
 */
int ll_flowtab_repair(struct ll_flowtab *t, const __u32 *hosts);
/* Entries in use; with out non-NULL also copies them (caller frees). */
long ll_flowtab_scan(const struct ll_flowtab *t, struct ll_flow_entry **out);

#endif
