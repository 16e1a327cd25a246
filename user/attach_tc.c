// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline's programs at the tc hooks: tcx links placed first (tcx_update,
 * att_tc_hook_set), or on kernels without tcx clsact filters at lifeline's
 * handle (tc_attach_one, att_tc_prog_id), the filters on a clsact qdisc
 * counted by an rtnetlink dump (att_clsact_filters), whether lifeline's
 * ingress program runs first (att_tc_first).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach_int.h"
#include "maps.h"
#include "tcx.h"

/* The program id of lifeline's filter at point, 0 if none. */
__u32 att_tc_prog_id(int ifindex, enum bpf_tc_attach_point point)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LL_TC_HANDLE, .priority = LL_TC_PRIORITY);

	libbpf_print_fn_t prev = libbpf_set_print(NULL);	/* no clsact: not an error here */
	int ret = bpf_tc_query(&hook, &opts);

	libbpf_set_print(prev);
	return ret ? 0 : opts.prog_id;
}

/* Something else runs at the tc ingress hook (a tcx program, a filter at lifeline's handle). */
int att_tc_ingress_busy(int ifindex)
{
	__u32 ids[64];

	return ll_tcx_progs(ifindex, 0, ids, 64) > 0 || att_tc_prog_id(ifindex, BPF_TC_INGRESS);
}

/* Lifeline's tc ingress program (id, through via) runs before any other tc program. */
int att_tc_first(int ifindex, const char *via, __u32 id)
{
	__u32 ids[64];
	int n = ll_tcx_progs(ifindex, 0, ids, 64);

	if (!strcmp(via, "tcx"))
		return n <= 0 || ids[0] == id;
	/* tcx programs run before the clsact filters, those by pref */
	return n <= 0 && att_clsact_filters(ifindex, 1) <= 0;
}

static int tc_attach_one(int ifindex, enum bpf_tc_attach_point point, int prog_fd, int replace)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LL_TC_HANDLE, .priority = LL_TC_PRIORITY,
			    .prog_fd = prog_fd, .flags = replace ? BPF_TC_F_REPLACE : 0);

	return bpf_tc_attach(&hook, &opts);
}

/*
 * The filters on ifindex's clsact qdisc (ingress and egress; with before,
 * only the ingress filters that run before lifeline's, by pref), by an
 * rtnetlink dump; -errno if they cannot be counted.
 */
int att_clsact_filters(int ifindex, int before)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req;
	char buf[16384];
	int fd, n = 0, ret = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	for (int side = 0; side < 2 - !!before && !ret; side++) {
		int done = 0;

		memset(&req, 0, sizeof(req));
		req.nh.nlmsg_len = sizeof(req);
		req.nh.nlmsg_type = RTM_GETTFILTER;
		req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		req.nh.nlmsg_seq = (__u32)side + 1;
		req.tc.tcm_family = AF_UNSPEC;
		req.tc.tcm_ifindex = ifindex;
		req.tc.tcm_parent = TC_H_MAKE(TC_H_CLSACT, side ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
		if (send(fd, &req, sizeof(req), 0) < 0) {
			ret = -errno;
			break;
		}
		while (!done && !ret) {
			ssize_t len = recv(fd, buf, sizeof(buf), 0);
			struct nlmsghdr *nh = (struct nlmsghdr *)buf;

			if (len < 0) {
				ret = -errno;
				break;
			}
			for (; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
				if (nh->nlmsg_type == NLMSG_DONE) {
					done = 1;
					break;
				}
				if (nh->nlmsg_type == NLMSG_ERROR) {
					struct nlmsgerr *e = NLMSG_DATA(nh);

					ret = e->error ? e->error : 0;
					done = 1;
					break;
				}
				/* a filter's chain head has no handle: count the filters themselves */
				if (nh->nlmsg_type == RTM_NEWTFILTER &&
				    ((struct tcmsg *)NLMSG_DATA(nh))->tcm_handle &&
				    (!before || TC_H_MAJ(((struct tcmsg *)NLMSG_DATA(nh))->tcm_info) >> 16 <
						LL_TC_PRIORITY))
					n++;
			}
		}
	}
	close(fd);
	return ret ? ret : n;
}

/* The clsact qdisc (ingress and egress) on ifindex. */
void att_clsact_destroy(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	bpf_tc_hook_destroy(&hook);
}

/*
 * Our tcx link gets prog_fd; if another program now runs before it, a new
 * link placed first replaces it (the old one goes once the new one runs).
 */
static int tcx_update(const char *dir, int ifindex, int egress, int prog_fd, __u32 cur)
{
	int which = egress ? P_TCX_EG : P_TCX_IN;
	char path[PATH_MAX];
	__u32 ids[64];
	int fd, nfd, ret, n = ll_tcx_progs(ifindex, egress, ids, 64);

	if (att_link_path(path, sizeof(path), dir, ifindex, att_pin_sfx[which]))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (n <= 0 || ids[0] == cur) {
		ret = bpf_link_update(fd, prog_fd, NULL) ? -errno : 0;
		close(fd);
		return ret;
	}
	nfd = ll_tcx_attach(prog_fd, ifindex, egress);
	if (nfd < 0) {
		close(fd);
		return nfd;
	}
	unlink(path);
	ret = att_pin_fd(nfd, dir, ifindex, which);
	if (ret)
		bpf_obj_pin(fd, path);	/* the old link stays recorded */
	else
		bpf_link_detach(fd);
	close(nfd);
	close(fd);
	return ret;
}

/*
 * lifeline's program at one tc hook: the tcx link updated or created
 * (first in line), or on a kernel without tcx (or LIFELINE_NO_TCX=1) a
 * clsact filter at lifeline's handle, its program pinned as the record.
 * *made: what was created (for the caller to undo).
 */
int att_tc_hook_set(const char *dir, int ifindex, int egress, int prog_fd,
		    const struct owned *ow, int *made, int *made_qdisc)
{
	int tcx = egress ? P_TCX_EG : P_TCX_IN, cls = egress ? P_CLS_EG : P_CLS_IN;
	enum bpf_tc_attach_point point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;
	const char *no_tcx = getenv("LIFELINE_NO_TCX");
	char path[PATH_MAX];
	int fd, ret;

	if (ow->id[tcx])	/* in place: the program may change (XDP <-> tc policy) */
		return tcx_update(dir, ifindex, egress, prog_fd, ow->id[tcx]);
	if (ow->id[cls]) {
		ret = tc_attach_one(ifindex, point, prog_fd, 1);
		if (!ret) {
			att_pin_rm(dir, ifindex, cls);
			ret = att_pin_fd(prog_fd, dir, ifindex, cls);
		}
		return ret;
	}
	ret = ll_links_dir(dir);
	if (ret)
		return ret;
	att_pin_rm(dir, ifindex, tcx);	/* stale records of an earlier interface */
	att_pin_rm(dir, ifindex, cls);
	if (!no_tcx || strcmp(no_tcx, "1")) {
		fd = ll_tcx_attach(prog_fd, ifindex, egress);
		if (fd >= 0) {
			ret = att_pin_fd(fd, dir, ifindex, tcx);
			close(fd);
			*made |= !ret << tcx;
			return ret;
		}
		if (fd != -EINVAL && fd != -EOPNOTSUPP)
			return fd;
	}
	/* no tcx: clsact, with a qdisc of our own only if there is none */
	{
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
				    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		ret = bpf_tc_hook_create(&hook);
		if (!ret) {
			*made_qdisc = 1;
			if (att_link_path(path, sizeof(path), dir, ifindex, "-qdisc") ||
			    (mkdir(path, 0700) && errno != EEXIST))
				return -errno;
		} else if (ret != -EEXIST) {
			return ret;
		}
	}
	if (att_tc_prog_id(ifindex, point))
		return -EBUSY;	/* lifeline's handle, another program: not ours to replace */
	ret = tc_attach_one(ifindex, point, prog_fd, 0);
	if (!ret) {
		ret = att_pin_fd(prog_fd, dir, ifindex, cls);
		*made |= 1 << cls;
		if (ret)
			return ret;
	}
	return ret;
}
