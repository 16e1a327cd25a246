/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tcx: tc BPF programs attached through bpf_links (kernel 6.6 and later),
 * no qdisc involved. libbpf 1.1.2 knows neither the attach types nor the
 * link info, so the values are the kernel's uapi (vmlinux.h).
 */
#ifndef LL_TCX_H
#define LL_TCX_H

#include <linux/types.h>

#define LL_BPF_TCX_INGRESS 46
#define LL_BPF_TCX_EGRESS 47
#define LL_BPF_LINK_TYPE_TCX 11
#define LL_BPF_F_BEFORE (1U << 3)

/* A tcx link for prog_fd on ifindex, placed before every other program: its fd, or -errno. */
int ll_tcx_attach(int prog_fd, int ifindex, int egress);

/*
 * What the tcx link link_fd holds: its interface (0 once detached or the
 * interface is gone) and *prog_id; -errno if it is no tcx link of that side.
 */
int ll_tcx_link_ifindex(int link_fd, int egress, __u32 *prog_id);

/* The programs on ifindex's tcx hook in run order; their count (at most max) or -errno. */
int ll_tcx_progs(int ifindex, int egress, __u32 *ids, int max);

#endif
