// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "tcx.h"

int ll_tcx_attach(int prog_fd, int ifindex, int egress)
{
	/* no relative program: BPF_F_BEFORE alone places it first */
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = LL_BPF_F_BEFORE);
	int fd = bpf_link_create(prog_fd, ifindex, egress ? LL_BPF_TCX_EGRESS : LL_BPF_TCX_INGRESS,
				 &opts);

	return fd < 0 ? -errno : fd;
}

int ll_tcx_link_ifindex(int link_fd, int egress, __u32 *prog_id)
{
	struct bpf_link_info info = {};
	struct { __u32 ifindex, attach_type; } tcx;	/* the uapi's info.tcx */
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(link_fd, &info, &len))
		return -errno;
	if (info.type != LL_BPF_LINK_TYPE_TCX)
		return -EINVAL;
	memcpy(&tcx, &info.xdp, sizeof(tcx));
	if (tcx.ifindex && tcx.attach_type != (egress ? LL_BPF_TCX_EGRESS : LL_BPF_TCX_INGRESS))
		return -EINVAL;
	*prog_id = info.prog_id;
	return (int)tcx.ifindex;
}

int ll_tcx_progs(int ifindex, int egress, __u32 *ids, int max)
{
	__u32 cnt = (__u32)max, flags = 0;

	if (bpf_prog_query(ifindex, egress ? LL_BPF_TCX_EGRESS : LL_BPF_TCX_INGRESS, 0, &flags, ids,
			   &cnt))
		return -errno;
	return (int)cnt;
}
