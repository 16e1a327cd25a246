// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Traffic generator for the flood benchmark. Run through BPF_PROG_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES: every repetition is a real frame, and
 * redirecting it to the sending veth transmits it to the receiving end.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* ifindex of the veth the frames leave by, in the generator's namespace */
const volatile __u32 tg_ifindex = 0;

SEC("xdp")
int tg_redirect(struct xdp_md *ctx)
{
	return bpf_redirect(tg_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
