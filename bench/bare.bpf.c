// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Bare baselines for the benchmarks: programs that do nothing but return a
 * verdict. Whatever lifeline costs is measured against these, on the same
 * machine and in the same run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

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

char LICENSE[] SEC("license") = "Dual BSD/GPL";
