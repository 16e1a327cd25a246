/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The in-kernel pressure path: BPF programs on the vmscan tracepoints
 * (kswapd wake, direct reclaim, memory-cgroup limit reclaim) raise the
 * kernel vote in the state map at once. lifelined holds the links; they go
 * with it.
 */
#ifndef LL_VMSCAN_H
#define LL_VMSCAN_H

#include <stddef.h>
#include <linux/types.h>

struct lifeline_bpf;
struct bpf_link;

struct ll_vmscan {
	struct lifeline_bpf *skel;
	struct bpf_link *links[3];
};

/* Inode of a cgroup directory (what the memcg tracepoint compares), or 0. */
__u64 ll_cgroup_ino(const char *dir);

int ll_vmscan_attach(struct ll_vmscan *v, const char *pin, __u64 watch_memcg, char *err,
		     size_t errlen);
void ll_vmscan_detach(struct ll_vmscan *v);

#endif
