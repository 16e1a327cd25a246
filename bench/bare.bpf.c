// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Bare baselines for the benchmarks: programs that do nothing but return a
 * verdict. Whatever lifeline costs is measured against these, on the same
 * machine and in the same run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "floor.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

SEC("xdp")
int bare_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int bare_xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("tc")
int bare_tc_shot(struct __sk_buff *skb)
{
	return TC_ACT_SHOT;
}

SEC("tc")
int bare_tc_ok(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1 << FLOOR_BITS);
	__type(key, __u32);
	__type(value, struct floor_key);
} floor_table SEC(".maps");

/* The exact-match floor (floor.h): pass a listed IPv4 TCP/UDP 5-tuple, drop the rest. */
SEC("xdp")
int bare_xdp_exact(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 *ports = (void *)(ip + 1), slot;
	struct floor_key *k;

	if ((void *)(ports + 1) > end || eth->h_proto != bpf_htons(0x0800) ||
	    ip->ihl != 5 || (ip->protocol != 6 && ip->protocol != 17))
		return XDP_DROP;
	slot = floor_slot(ip->saddr, ip->daddr, *ports, ip->protocol);
	k = bpf_map_lookup_elem(&floor_table, &slot);
	if (k && k->saddr == ip->saddr && k->daddr == ip->daddr && k->ports == *ports &&
	    k->proto == ip->protocol)
		return XDP_PASS;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
