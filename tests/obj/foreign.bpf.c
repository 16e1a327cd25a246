// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A foreign program for tests/t_share.sh: another tool's tc and XDP
 * programs on lifeline's interface. Each counts the packets it sees in
 * slot 0 (tc) or 1 (XDP) of its array and passes them on.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} foreign_cnt SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&foreign_cnt, &slot);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("tc")
int foreign_tc(struct __sk_buff *skb)
{
	count(0);
	return -1;	/* TC_ACT_UNSPEC / TCX_NEXT: the next program decides */
}

SEC("xdp")
int foreign_xdp(struct xdp_md *ctx)
{
	count(1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
