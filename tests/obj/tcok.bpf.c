// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A foreign program for tests/t_share2.sh that decides instead of passing
 * on: its tc program returns TC_ACT_OK (a program before lifeline's that
 * does so bypasses lifeline), its XDP program XDP_PASS (swapped into
 * lifeline's link by bpf_link_update).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tc")
int tcok(struct __sk_buff *skb)
{
	return 0;	/* TC_ACT_OK */
}

SEC("xdp")
int xdpok(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
