// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Orphans: lifeline's programs on an interface of this network namespace
 * whose state map is pinned nowhere (attach.h), found by program id and
 * removed from their interface.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach_int.h"
#include "maps.h"

#include "util.h"

int ll_orphans_find(const char *dir, struct ll_orphan *out, int max)
{
	struct ll_iface ours[256];
	struct if_nameindex *ifs, *it;
	__u32 pinned[256];
	/* this pin path's state first; every bpffs mount only if a program is not of it */
	int npinned = ll_pinned_state_ids(dir, 0, pinned, 256), scanned = 0;
	int nours = ll_iface_list(dir, ours, 256), n = 0;

	if (nours < 0)
		nours = 0;
	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (it = ifs; it->if_index && n < max; it++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		struct ll_orphan o = { .ifindex = (int)it->if_index, .verified = 1 };
		__u32 *ids[3] = { &o.xdp_prog_id, &o.tc_ingress_id, &o.tc_egress_id };
		int found = 0, unreadable = 0, listed = 0;

		snprintf(o.name, sizeof(o.name), "%s", it->if_name);
		if (!bpf_xdp_query(o.ifindex, 0, &q))
			o.xdp_prog_id = q.prog_id;
		o.tc_ingress_id = att_tc_prog_id(o.ifindex, BPF_TC_INGRESS);
		o.tc_egress_id = att_tc_prog_id(o.ifindex, BPF_TC_EGRESS);
		for (int i = 0; i < 3; i++) {
			__u32 state = 0;
			int policy = 0, r;

			if (!*ids[i])
				continue;
			r = att_prog_state(*ids[i], &state, &policy);
			if (r == -EPERM || r == -EACCES) {
				unreadable |= i > 0;	/* at lifeline's tc handle: ours, of some instance */
				if (i == 0)
					*ids[i] = 0;	/* an XDP program of any tool */
				continue;
			}
			if (r > 0 && !att_id_in(pinned, npinned, state) && !scanned) {
				npinned = ll_pinned_state_ids(dir, 1, pinned, 256);
				scanned = 1;
			}
			if (r <= 0 || att_id_in(pinned, npinned, state)) {
				*ids[i] = 0;	/* not lifeline's, or its state is pinned */
				continue;
			}
			found = 1;
			o.state_id = o.state_id ? o.state_id : state;
			o.tc_policy |= i == 1 && policy;
		}
		for (int i = 0; i < nours; i++)
			listed |= ours[i].ifindex == o.ifindex;
		if (!found && unreadable && !listed) {
			o.verified = 0;
			o.xdp_prog_id = 0;
			found = 1;
		}
		if (found)
			out[n++] = o;
	}
	if_freenameindex(ifs);
	return n;
}

/* Detaches the XDP program prog_id from ifindex: through the link that holds it, if one does. */
static int xdp_orphan_detach(int ifindex, __u32 prog_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 id = 0;
	int ret;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_XDP &&
		    (int)info.xdp.ifindex == ifindex && info.prog_id == prog_id) {
			ret = bpf_link_detach(fd) ? -errno : 0;
			close(fd);
			return ret;
		}
		close(fd);
	}
	/* no link holds it: attached by netlink, which must name the mode */
	if (bpf_xdp_query(ifindex, 0, &q) || q.prog_id != prog_id)
		return 0;	/* gone meanwhile */
	ret = bpf_xdp_detach(ifindex, q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
				      q.attach_mode == XDP_ATTACHED_DRV ? XDP_FLAGS_DRV_MODE : 0, NULL);
	/*
	 * -EBUSY: a link still holds it, one whose last reference just went
	 * (its pin removed by this detach): the kernel releases it from a
	 * work queue. Wait for that, a second at most.
	 */
	for (int i = 0; ret == -EBUSY && i < 100; i++) {
		usleep(10000);
		if (bpf_xdp_query(ifindex, 0, &q) || q.prog_id != prog_id)
			ret = 0;
	}
	return ret;
}

int ll_orphan_detach(const struct ll_orphan *o, char *err, size_t errlen)
{
	enum bpf_tc_attach_point points[] = { BPF_TC_INGRESS, BPF_TC_EGRESS };
	__u32 ids[] = { o->tc_ingress_id, o->tc_egress_id };
	int ret;

	if (o->xdp_prog_id) {
		ret = xdp_orphan_detach(o->ifindex, o->xdp_prog_id);
		if (ret) {
			ERR("cannot remove the orphaned XDP program (id %u) from %s: %s", o->xdp_prog_id,
			    o->name, strerror(-ret));
			return ret;
		}
	}
	for (int i = 0; i < 2; i++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = o->ifindex,
				    .attach_point = points[i]);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LL_TC_HANDLE,
				    .priority = LL_TC_PRIORITY);

		/* only the filter found: not one an attach put there since */
		if (!ids[i] || att_tc_prog_id(o->ifindex, points[i]) != ids[i])
			continue;
		ret = bpf_tc_detach(&hook, &opts);
		if (ret && ret != -ENOENT) {
			ERR("cannot remove the orphaned tc filter from %s: %s", o->name,
			    strerror(-ret));
			return ret;
		}
	}
	return 0;
}
