// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "maps.h"
#include "tcx.h"
#include "xdpmulti.h"
#include "lifeline.skel.h"

#include "util.h"

static __u32 tc_prog_id(int ifindex, enum bpf_tc_attach_point point);
static int prog_state(__u32 id, __u32 *state, int *policy);

int ll_mode_parse(const char *s, enum ll_xdp_mode *mode)
{
	static const char *const names[] = { "auto", "native", "generic", "tc" };

	for (int i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * What an instance owns on an interface, one pin each in PIN/links: the
 * XDP link (IFINDEX), its program in a libxdp dispatcher (IFINDEX-xdpd),
 * the tcx links (IFINDEX-tcx-in, -tcx-eg) or, on kernels without tcx, the
 * programs of its clsact filters (IFINDEX-cls-in, -cls-eg: their ids say
 * which filter is ours). Every pin is checked against the kernel: an
 * object that no longer runs on IFINDEX is not lifeline's any more.
 */
enum { P_XDP, P_XDPD, P_TCX_IN, P_TCX_EG, P_CLS_IN, P_CLS_EG, P_MAX };
static const char *const pin_sfx[P_MAX] = { "", "-xdpd", "-tcx-in", "-tcx-eg", "-cls-in",
					    "-cls-eg" };

struct owned {
	int rec[P_MAX];		/* the pin exists */
	__u32 id[P_MAX];	/* the program behind it, running on the interface; 0 if not */
	int moved[P_MAX];	/* a link alive on another device (moved to another netns) */
	__u32 swapped[P_MAX];	/* a program that is not this instance's, behind our link */
};

static int link_path(char *buf, size_t len, const char *dir, int ifindex, const char *suffix)
{
	int n = snprintf(buf, len, "%s/links/%d%s", dir, ifindex, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static const char *mode_name(__u8 attach_mode)
{
	switch (attach_mode) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	default: return "none";
	}
}

static int marker(const char *dir, int ifindex, const char *sfx)
{
	char path[PATH_MAX];

	return !link_path(path, sizeof(path), dir, ifindex, sfx) && !access(path, F_OK);
}

static void marker_rm(const char *dir, int ifindex, const char *sfx)
{
	char path[PATH_MAX];

	if (!link_path(path, sizeof(path), dir, ifindex, sfx))
		rmdir(path);
}

static __u32 pinned_prog_id(const char *path)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);
	__u32 id = 0;

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		id = info.id;
	close(fd);
	return id;
}

static int id_in(const __u32 *ids, int n, __u32 id);
static int clsact_filters(int ifindex, int before);

/*
 * A link of ours that reports link_ifindex: it runs here only if the device
 * with ifindex in this network namespace runs its program (a device moved
 * to another netns keeps its links and its ifindex, and a new device here
 * may get the same ifindex).
 */
static void link_here(struct owned *ow, int i, int ifindex, int link_ifindex, __u32 prog_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 ids[64];
	int n, here = 0;

	if (link_ifindex == ifindex) {
		if (i == P_XDP) {
			here = !bpf_xdp_query(ifindex, 0, &q) && q.prog_id == prog_id;
		} else {
			n = ll_tcx_progs(ifindex, i == P_TCX_EG, ids, 64);
			here = n == -EPERM || id_in(ids, n, prog_id);
		}
	}
	if (here)
		ow->id[i] = prog_id;
	else
		ow->moved[i] = 1;
}

/*
 * The program behind each of our links must be this instance's: one of
 * lifeline's programs using this pin path's state map (bpf_link_update can
 * swap any program into a link). Unreadable by id (-EPERM): trusted.
 */
static void owned_verify(const char *dir, struct owned *ow)
{
	static const int links[] = { P_XDP, P_TCX_IN, P_TCX_EG };
	__u32 mine = 0, state;
	int policy;

	if (ll_pinned_state_ids(dir, 0, &mine, 1) != 1)
		return;
	for (size_t k = 0; k < sizeof(links) / sizeof(links[0]); k++) {
		int i = links[k], r;

		if (!ow->id[i])
			continue;
		r = prog_state(ow->id[i], &state, &policy);
		if (r == -EPERM || (r > 0 && state == mine))
			continue;
		ow->swapped[i] = ow->id[i];
		ow->id[i] = 0;
	}
}

/* Reads the pins of ifindex and checks each against what the kernel runs there. */
static void owned_read(const char *dir, int ifindex, struct owned *ow)
{
	__u32 ids[64], pid;
	char path[PATH_MAX];

	memset(ow, 0, sizeof(*ow));
	for (int i = 0; i < P_MAX; i++) {
		int fd, n;

		if (link_path(path, sizeof(path), dir, ifindex, pin_sfx[i]) || access(path, F_OK))
			continue;
		ow->rec[i] = 1;
		switch (i) {
		case P_XDP: {
			struct bpf_link_info info = {};
			__u32 len = sizeof(info);

			fd = bpf_obj_get(path);
			if (fd < 0)
				break;
			if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
			    info.type == BPF_LINK_TYPE_XDP && info.xdp.ifindex)
				link_here(ow, i, ifindex, (int)info.xdp.ifindex, info.prog_id);
			close(fd);
			break;
		}
		case P_XDPD:
			n = ll_xdpm_progs(ifindex, ids, 64);
			ow->id[i] = pinned_prog_id(path);
			if (n == -EPERM) {
				/* unreadable (lifelined): a dispatcher there is taken for it */
				LIBBPF_OPTS(bpf_xdp_query_opts, q);

				if (bpf_xdp_query(ifindex, 0, &q) || !q.prog_id)
					ow->id[i] = 0;
			} else if (!id_in(ids, n, ow->id[i])) {
				ow->id[i] = 0;
			}
			break;
		case P_TCX_IN:
		case P_TCX_EG:
			fd = bpf_obj_get(path);
			if (fd < 0)
				break;
			n = ll_tcx_link_ifindex(fd, i == P_TCX_EG, &pid);
			if (n > 0)
				link_here(ow, i, ifindex, n, pid);
			close(fd);
			break;
		default:	/* clsact: the filter at lifeline's handle runs the recorded program */
			ow->id[i] = pinned_prog_id(path);
			if (!ow->id[i] || tc_prog_id(ifindex, i == P_CLS_IN ? BPF_TC_INGRESS :
						     BPF_TC_EGRESS) != ow->id[i])
				ow->id[i] = 0;
		}
	}
	owned_verify(dir, ow);
	/*
	 * An attachment of an earlier lifeline (clsact filters, no program
	 * pinned): ours if the filter's program uses this pin path's state map.
	 */
	for (int eg = 0; eg < 2; eg++) {
		__u32 id, state, mine = 0;
		int policy;

		if (ow->rec[P_TCX_IN + eg] || ow->rec[P_CLS_IN + eg])
			continue;
		id = tc_prog_id(ifindex, eg ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		if (id && ll_pinned_state_ids(dir, 0, &mine, 1) == 1 &&
		    prog_state(id, &state, &policy) > 0 && state == mine) {
			ow->rec[P_CLS_IN + eg] = 1;
			ow->id[P_CLS_IN + eg] = id;
		}
	}
}

/* Something else runs at the tc ingress hook (a tcx program, a filter at lifeline's handle). */
static int tc_ingress_busy(int ifindex)
{
	__u32 ids[64];

	return ll_tcx_progs(ifindex, 0, ids, 64) > 0 || tc_prog_id(ifindex, BPF_TC_INGRESS);
}

/* Lifeline's tc ingress program (id, through via) runs before any other tc program. */
static int tc_first(int ifindex, const char *via, __u32 id)
{
	__u32 ids[64];
	int n = ll_tcx_progs(ifindex, 0, ids, 64);

	if (!strcmp(via, "tcx"))
		return n <= 0 || ids[0] == id;
	/* tcx programs run before the clsact filters, those by pref */
	return n <= 0 && clsact_filters(ifindex, 1) <= 0;
}

/* out->state and out->why from what runs on the interface. */
static void iface_state(struct ll_iface *out, const struct owned *ow, int tc_pol)
{
	int live = tc_pol ? out->tc_ingress : !!out->xdp_ours_id;
	int pol = tc_pol ? P_TCX_IN : P_XDP;
	const char *what = tc_pol ? "tc" : "XDP";

	if (!out->name[0]) {
		snprintf(out->why, sizeof(out->why), "the interface is gone");
	} else if (live && tc_pol && !tc_first(out->ifindex, out->tc_via, out->tc_ingress_id)) {
		out->state = "bypassed";
		snprintf(out->why, sizeof(out->why), "another tc program runs before lifeline's");
	} else if (live) {
		out->state = "enforcing";
	} else if (ow->swapped[pol]) {
		out->state = "foreign";
		snprintf(out->why, sizeof(out->why), "lifeline's %s link runs program %u, which "
			 "is not this instance's", what, ow->swapped[pol]);
	} else if (ow->moved[pol]) {
		snprintf(out->why, sizeof(out->why), "interface moved or gone (lifeline's %s link "
			 "is not on this namespace's interface %d)", what, out->ifindex);
	} else if (tc_pol ? tc_ingress_busy(out->ifindex) : !!out->xdp_prog_id) {
		out->state = "foreign";
		snprintf(out->why, sizeof(out->why), "lifeline's %s program is gone; %s", what,
			 tc_pol ? "another tc program runs at ingress" :
			 "another XDP program runs on the interface");
	} else {
		snprintf(out->why, sizeof(out->why), "lifeline's %s program no longer runs there",
			 what);
	}
}

void ll_iface_query(const char *dir, int ifindex, struct ll_iface *out)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct owned ow;
	int tc_pol;

	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	out->mode = "none";
	out->state = "lost";
	out->xdp_via = out->tc_via = "none";
	if (!if_indextoname(ifindex, out->name))
		out->name[0] = '\0';
	else if (!bpf_xdp_query(ifindex, 0, &q)) {
		out->xdp_prog_id = q.prog_id;
		out->mode = mode_name(q.attach_mode);
	}
	if (!dir)
		return;
	owned_read(dir, ifindex, &ow);
	out->xdp_via = ow.id[P_XDP] ? "link" : ow.id[P_XDPD] ? "dispatcher" : "none";
	out->tc_via = ow.id[P_TCX_IN] || ow.id[P_TCX_EG] ? "tcx" :
		      ow.id[P_CLS_IN] || ow.id[P_CLS_EG] ? "clsact" :
		      ow.rec[P_TCX_IN] || ow.rec[P_TCX_EG] ? "tcx" :
		      ow.rec[P_CLS_IN] || ow.rec[P_CLS_EG] ? "clsact" : "none";
	out->xdp_ours_id = ow.id[P_XDP] ? ow.id[P_XDP] : ow.id[P_XDPD];
	out->tc_ingress_id = ow.id[P_TCX_IN] ? ow.id[P_TCX_IN] : ow.id[P_CLS_IN];
	out->tc_egress_id = ow.id[P_TCX_EG] ? ow.id[P_TCX_EG] : ow.id[P_CLS_EG];
	out->tc_ingress = !!out->tc_ingress_id;
	out->tc_egress = !!out->tc_egress_id;
	for (int i = 0; i < P_MAX; i++)
		out->owned |= ow.rec[i];
	tc_pol = marker(dir, ifindex, "-tc");
	out->tc_policy = tc_pol && out->tc_ingress;
	iface_state(out, &ow, tc_pol);
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
static int clsact_filters(int ifindex, int before)
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

/*
 * Detaches the program of record i (the XDP dispatcher's, a clsact
 * filter) when ow found it lifeline's; 1 when a clsact filter went.
 */
static int owned_detach(int ifindex, const struct owned *ow, int i)
{
	if (!ow->id[i])
		return 0;
	if (i == P_XDPD)
		ll_xdpm_detach(ifindex, ow->id[i]);
	if (i == P_CLS_IN || i == P_CLS_EG) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
				    .attach_point = i == P_CLS_IN ? BPF_TC_INGRESS : BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LL_TC_HANDLE,
				    .priority = LL_TC_PRIORITY);

		return !bpf_tc_detach(&hook, &opts);
	}
	return 0;
}

/* The clsact qdisc (ingress and egress) on ifindex. */
static void clsact_destroy(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	bpf_tc_hook_destroy(&hook);
}

/*
 * A link whose device left this namespace: moved aside to
 * PIN/links/moved-LINKID, so that it goes on running there and the ifindex
 * is free for this namespace's interface. Never listed as an interface.
 */
static void pin_keep(const char *dir, const char *path)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char to[PATH_MAX];
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    snprintf(to, sizeof(to), "%s/links/moved-%u", dir, info.id) < (int)sizeof(to))
		rename(path, to);
	close(fd);
}

/* Removes what dir records on ifindex; only objects that are lifeline's (checked by id). */
static void owned_remove(
const char *dir, int ifindex)
{
	struct owned ow;
	char path[PATH_MAX];
	int ours_cls = 0;

	owned_read(dir, ifindex, &ow);
	for (int i = 0; i < P_MAX; i++) {
		if (!ow.rec[i] || link_path(path, sizeof(path), dir, ifindex, pin_sfx[i]))
			continue;
		ours_cls |= owned_detach(ifindex, &ow, i);
		if (ow.moved[i]) {
			pin_keep(dir, path);	/* its device is elsewhere: not touched */
			continue;
		}
		unlink(path);	/* a link goes with its last reference: detached */
	}
	/*
	 * The clsact qdisc only if lifeline created it on this interface (its
	 * filters were ours, by program id) and no one else's filter is on it.
	 */
	if (marker(dir, ifindex, "-qdisc") && ours_cls && !clsact_filters(ifindex, 0))
		clsact_destroy(ifindex);
	marker_rm(dir, ifindex, "-qdisc");
	marker_rm(dir, ifindex, "-tc");
}

/* Where the state map state_id is pinned: the directory of another instance. */
static int state_pin_dir(const char *top, int depth, __u32 state_id, char *out, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(top);
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", top, de->d_name) >= (int)sizeof(path))
			continue;
		if (!strcmp(de->d_name, ll_map_names[LL_MAP_STATE])) {
			struct bpf_map_info info = {};
			__u32 ilen = sizeof(info);
			int fd = bpf_obj_get(path);

			if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &ilen) &&
			    info.id == state_id) {
				snprintf(out, len, "%s", top);
				found = 1;
			}
			if (fd >= 0)
				close(fd);
		} else if (depth > 1 && de->d_type == DT_DIR) {
			found = state_pin_dir(path, depth - 1, state_id, out, len);
		}
	}
	closedir(d);
	return found;
}

/*
 * Another instance's program on ifindex (XDP, in a dispatcher, tcx, at
 * lifeline's clsact handle): 1 and its pin path in other (or why it has
 * none), 0 if there is none.
 */
static int other_instance(const char *dir, int ifindex, const struct ll_iface *me, char *other,
			  size_t len)
{
	__u32 ids[200], mine[1] = { 0 }, state;
	int n = 0, k, policy;

	if (ll_pinned_state_ids(dir, 0, mine, 1) < 0)
		mine[0] = 0;
	if (me->xdp_prog_id)
		ids[n++] = me->xdp_prog_id;
	k = ll_xdpm_progs(ifindex, ids + n, 64);
	n += k > 0 ? k : 0;
	for (int eg = 0; eg < 2; eg++) {
		k = ll_tcx_progs(ifindex, eg, ids + n, 64);
		n += k > 0 ? k : 0;
		ids[n] = tc_prog_id(ifindex, eg ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		n += !!ids[n];
	}
	for (int i = 0; i < n; i++) {
		struct mntent *me_;
		FILE *f;

		if (ids[i] == me->xdp_ours_id || ids[i] == me->tc_ingress_id ||
		    ids[i] == me->tc_egress_id || prog_state(ids[i], &state, &policy) <= 0 ||
		    state == mine[0])
			continue;
		snprintf(other, len, "its pins are gone: an orphan, see 'lifeline status'");
		f = setmntent("/proc/self/mounts", "r");
		while (f && (me_ = getmntent(f)))
			if (!strcmp(me_->mnt_type, "bpf") &&
			    state_pin_dir(me_->mnt_dir, 4, state, other, len))
				break;
		if (f)
			endmntent(f);
		return 1;
	}
	return 0;
}

static int xdp_link(struct lifeline_bpf *skel, int ifindex, enum ll_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int fd;

	opts.flags = mode == LL_MODE_NATIVE ? XDP_FLAGS_DRV_MODE :
		     mode == LL_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : 0;
	fd = bpf_link_create(bpf_program__fd(skel->progs.ll_xdp), ifindex, BPF_XDP, &opts);
	return fd < 0 ? -errno : fd;
}

static int pin_fd(int fd, const char *dir, int ifindex, int which)
{
	char path[PATH_MAX];
	int ret = link_path(path, sizeof(path), dir, ifindex, pin_sfx[which]);

	if (!ret)
		ret = ll_links_dir(dir);
	if (!ret && bpf_obj_pin(fd, path))
		ret = -errno;
	if (!ret)
		chmod(path, 0600);
	return ret;
}

static void pin_rm(const char *dir, int ifindex, int which)
{
	char path[PATH_MAX];

	if (!link_path(path, sizeof(path), dir, ifindex, pin_sfx[which]))
		unlink(path);
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

	if (link_path(path, sizeof(path), dir, ifindex, pin_sfx[which]))
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
	ret = pin_fd(nfd, dir, ifindex, which);
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
static int tc_hook_set(const char *dir, int ifindex, int egress, int prog_fd, const struct owned *ow,
		       int *made, int *made_qdisc)
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
			pin_rm(dir, ifindex, cls);
			ret = pin_fd(prog_fd, dir, ifindex, cls);
		}
		return ret;
	}
	ret = ll_links_dir(dir);
	if (ret)
		return ret;
	pin_rm(dir, ifindex, tcx);	/* stale records of an earlier interface */
	pin_rm(dir, ifindex, cls);
	if (!no_tcx || strcmp(no_tcx, "1")) {
		fd = ll_tcx_attach(prog_fd, ifindex, egress);
		if (fd >= 0) {
			ret = pin_fd(fd, dir, ifindex, tcx);
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
			if (link_path(path, sizeof(path), dir, ifindex, "-qdisc") ||
			    (mkdir(path, 0700) && errno != EEXIST))
				return -errno;
		} else if (ret != -EEXIST) {
			return ret;
		}
	}
	if (tc_prog_id(ifindex, point))
		return -EBUSY;	/* lifeline's handle, another program: not ours to replace */
	ret = tc_attach_one(ifindex, point, prog_fd, 0);
	if (!ret) {
		ret = pin_fd(prog_fd, dir, ifindex, cls);
		*made |= 1 << cls;
		if (ret)
			return ret;
	}
	return ret;
}

/* Undoes what one attach created (made: bits of P_*), nothing else. */
static void undo(const char *dir, int ifindex, int made, int made_qdisc, int made_marker)
{
	struct owned ow;

	owned_read(dir, ifindex, &ow);
	for (int i = 0; i < P_MAX; i++) {
		if (!(made & (1 << i)))
			continue;
		owned_detach(ifindex, &ow, i);
		pin_rm(dir, ifindex, i);
	}
	if (made_qdisc && !clsact_filters(ifindex, 0)) {
		clsact_destroy(ifindex);
		marker_rm(dir, ifindex, "-qdisc");
	}
	if (made_marker)
		marker_rm(dir, ifindex, "-tc");
}

/* Removes lifeline's XDP program (its link or its place in the dispatcher), nothing else. */
static void xdp_remove(const char *dir, int ifindex, const struct owned *ow)
{
	if (ow->id[P_XDPD])
		ll_xdpm_detach(ifindex, ow->id[P_XDPD]);
	pin_rm(dir, ifindex, P_XDPD);
	pin_rm(dir, ifindex, P_XDP);
}

/* One attach: what it was asked, what it found, and what it made (for undo). */
struct attach_run {
	const char *dir;
	int ifindex;
	const struct ll_attach_opts *o;
	struct ll_iface *out;
	struct lifeline_bpf *skel;
	int tc_mode, cur_tc, cur_xdp;
	int made, made_qdisc, made_marker, switched;
	int link_fd;
	struct owned ow;
	char path[PATH_MAX];	/* the tc mode marker */
};

/* A foreign XDP program on the interface: refused, or with --force removed. */
static int attach_replace_foreign(struct attach_run *a, char *err, size_t errlen)
{
	struct ll_iface *out = a->out;
	__u32 foreign_flags = !strcmp(out->mode, "generic") ? XDP_FLAGS_SKB_MODE :
			      !strcmp(out->mode, "native") ? XDP_FLAGS_DRV_MODE : 0;
	int ret;

	if (!a->o->force) {
		ERR("%s already has an XDP program (id %u) that is not lifeline's; load it "
		    "through libxdp (xdp-loader) and attach with --multi to run both, attach "
		    "with --mode tc to run behind it, or use --force to replace it", out->name, out->xdp_prog_id);
		return -EEXIST;
	}
	/* a netlink detach must name the mode the program was attached in */
	ret = bpf_xdp_detach(a->ifindex, foreign_flags, NULL);
	if (ret) {
		ERR("cannot remove the XDP program (id %u) on %s: %s (it may be held by a "
		    "bpf_link; detach it with the tool that attached it)",
		    out->xdp_prog_id, out->name, strerror(-ret));
		return ret;
	}
	out->replaced = 1;
	return 0;
}

/* The interface as it is, the checks that refuse before anything is loaded, the mode. */
static int attach_prepare(struct attach_run *a, char *err, size_t errlen)
{
	const struct ll_attach_opts *o = a->o;
	struct ll_iface *out = a->out;
	char other[PATH_MAX];

	ll_iface_query(a->dir, a->ifindex, out);
	if (!out->name[0]) {
		ERR("no interface with index %d", a->ifindex);
		return -ENODEV;
	}
	if (link_path(a->path, sizeof(a->path), a->dir, a->ifindex, "-tc")) {
		ERR("pin path too long");
		return -ENAMETOOLONG;
	}
	if (other_instance(a->dir, a->ifindex, out, other, sizeof(other))) {
		ERR("%s runs another lifeline instance's programs (pin path %s); detach them "
		    "there, or use that pin path", out->name, other);
		return -EBUSY;
	}
	owned_read(a->dir, a->ifindex, &a->ow);
	a->tc_mode = o->mode == LL_MODE_TC;
	a->cur_tc = out->tc_policy;
	a->cur_xdp = out->xdp_ours_id && !a->cur_tc;
	if (!a->cur_tc && !a->cur_xdp && !out->tc_ingress && !out->tc_egress)
		owned_remove(a->dir, a->ifindex);	/* records of an earlier interface, or lost */
	if (o->mode == LL_MODE_AUTO && !o->multi && a->cur_tc)
		a->tc_mode = 1;	/* an earlier auto attach fell back to tc: it is in place */
	/* bypassed: attached again, placed first */
	out->already = a->tc_mode ? a->cur_tc && strcmp(out->state, "bypassed") : a->cur_xdp;
	if (!a->tc_mode && !a->cur_xdp && out->xdp_prog_id && !o->multi &&
	    !ll_xdpm_present(a->ifindex))
		return attach_replace_foreign(a, err, errlen);
	return 0;
}

/* XDP through libxdp's dispatcher (--multi, or one is there already). */
static int attach_xdp_multi(struct attach_run *a, char *err, size_t errlen)
{
	const struct ll_attach_opts *o = a->o;
	char pin[PATH_MAX];
	int ret;

	ret = link_path(pin, sizeof(pin), a->dir, a->ifindex, pin_sfx[P_XDPD]);
	if (!ret)
		ret = ll_links_dir(a->dir);
	pin_rm(a->dir, a->ifindex, P_XDPD);
	if (!ret)
		ret = ll_xdpm_attach(a->skel, a->ifindex, o->mode == LL_MODE_GENERIC ? 1 :
				     o->mode == LL_MODE_NATIVE ? 0 : -1, pin, err, errlen);
	else
		ERR("cannot create %s/links: %s", a->dir, strerror(-ret));
	if (!ret)
		a->made |= 1 << P_XDPD;
	return ret;
}

/* XDP as a bpf_link of our own; auto falls back to the tc policy when the driver refuses. */
static int attach_xdp_link(struct attach_run *a, char *err, size_t errlen)
{
	const struct ll_attach_opts *o = a->o;
	struct ll_iface *out = a->out;
	int ret;

	a->link_fd = xdp_link(a->skel, a->ifindex, o->mode);
	if (a->link_fd < 0 && o->mode == LL_MODE_AUTO && !o->no_tc && a->link_fd != -EPERM &&
	    a->link_fd != -EACCES) {
		/*
		 * The driver refused XDP (an MTU over its limit, its queue
		 * layout...): the tc policy applies the same decision at TC
		 * ingress, on any interface.
		 */
		snprintf(out->fallback, sizeof(out->fallback),
			 "%s refused XDP (%s): attached with --mode tc instead",
			 out->name, strerror(-a->link_fd));
		a->tc_mode = 1;
		a->link_fd = -1;
		return 0;
	}
	if (a->link_fd < 0) {
		ret = a->link_fd;
		if (ret == -EOPNOTSUPP || (o->mode == LL_MODE_NATIVE && ret == -EINVAL))
			ERR("%s has no native XDP support; use --mode generic, tc "
			    "or auto", out->name);
		else
			ERR("cannot attach XDP to %s: %s", out->name, strerror(-ret));
		return ret;
	}
	pin_rm(a->dir, a->ifindex, P_XDP);
	ret = pin_fd(a->link_fd, a->dir, a->ifindex, P_XDP);
	if (ret) {
		ERR("cannot pin the XDP link in %s/links: %s", a->dir, strerror(-ret));
		return ret;
	}
	a->made |= 1 << P_XDP;
	return 0;
}

/* The tc programs: the policy (tc mode) or the ingress observer, and egress. */
static int attach_tc(struct attach_run *a, char *err, size_t errlen)
{
	struct lifeline_bpf *skel = a->skel;
	struct ll_iface *out = a->out;
	int pol = bpf_program__fd(a->tc_mode ? skel->progs.ll_tc_policy :
				  skel->progs.ll_tc_ingress);
	int ret;

	ret = tc_hook_set(a->dir, a->ifindex, 0, pol, &a->ow, &a->made, &a->made_qdisc);
	if (!ret && !a->ow.id[P_TCX_EG] && !a->ow.id[P_CLS_EG])
		ret = tc_hook_set(a->dir, a->ifindex, 1, bpf_program__fd(skel->progs.ll_tc_egress),
				  &a->ow, &a->made, &a->made_qdisc);
	if (!ret)
		return 0;
	if (ret == -EBUSY)
		ERR("%s has a tc filter at lifeline's handle (0x%x) that is not "
		    "lifeline's: not replacing it", out->name, LL_TC_HANDLE);
	else if (out->fallback[0])
		ERR("%s refused XDP and the tc programs: %s", out->name, strerror(-ret));
	else
		ERR("cannot attach the tc programs to %s: %s", out->name, strerror(-ret));
	return ret;
}

/* The tc mode marker; a switch between XDP and tc removes the old one last. */
static int attach_switch(struct attach_run *a, char *err, size_t errlen)
{
	int ret;

	if (a->tc_mode && !a->cur_tc) {
		if (mkdir(a->path, 0700) && errno != EEXIST) {
			ret = -errno;
			ERR("cannot create %s: %s", a->path, strerror(-ret));
			return ret;
		}
		a->made_marker = 1;
		/* switched from XDP: the tc policy is in place first, then XDP goes */
		if (a->cur_xdp) {
			xdp_remove(a->dir, a->ifindex, &a->ow);
			a->switched = 1;
		}
	} else if (!a->tc_mode && a->cur_tc) {
		marker_rm(a->dir, a->ifindex, "-tc");	/* switched from tc: XDP is in place */
		a->switched = 1;
	}
	return 0;
}

/* The interface as the attach left it, with what this attach did. */
static void attach_requery(struct attach_run *a)
{
	struct ll_iface *out = a->out;
	int already = out->already, replaced = out->replaced;
	char fallback[sizeof(out->fallback)];

	memcpy(fallback, out->fallback, sizeof(fallback));
	ll_iface_query(a->dir, a->ifindex, out);
	out->already = already;
	out->replaced = replaced;
	out->switched = a->switched;
	memcpy(out->fallback, fallback, sizeof(fallback));
}

int ll_attach(const char *dir, int ifindex, const struct ll_attach_opts *o, struct ll_iface *out,
	      char *err, size_t errlen)
{
	struct ll_load_opts lo = { .progs = LL_PROGS_NET, .max_flows = o->max_flows,
				   .max_rules = o->max_rules };
	struct attach_run a = { .dir = dir, .ifindex = ifindex, .o = o, .out = out,
				.link_fd = -1 };
	int ret;

	ret = attach_prepare(&a, err, errlen);
	if (ret)
		return ret;
	if (out->already) {
		attach_requery(&a);	/* nothing to change: no program replaced by a copy */
		return 0;
	}
	ret = ll_skel_load(&a.skel, dir, &lo);
	if (ret) {
		ERR("cannot load the datapath: %s", strerror(-ret));
		return ret;
	}
	if (!a.tc_mode && !a.cur_xdp)
		ret = o->multi || ll_xdpm_present(ifindex) ? attach_xdp_multi(&a, err, errlen) :
							      attach_xdp_link(&a, err, errlen);
	if (!ret && (!o->no_tc || a.tc_mode))
		ret = attach_tc(&a, err, errlen);
	if (!ret)
		ret = attach_switch(&a, err, errlen);
	if (ret)
		undo(dir, ifindex, a.made, a.made_qdisc, a.made_marker);
	else
		attach_requery(&a);
	if (a.link_fd >= 0)
		close(a.link_fd);	/* pinned: stays; not pinned: detached */
	lifeline_bpf__destroy(a.skel);
	return ret;
}

int ll_detach(const char *dir, int ifindex, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int ret = link_path(path, sizeof(path), dir, ifindex, "");

	if (ret) {
		ERR("pin path too long");
		return ret;
	}
	owned_remove(dir, ifindex);
	return 0;
}

int ll_iface_list(const char *dir, struct ll_iface *out, int max)
{
	char links[PATH_MAX];
	struct dirent *de;
	int seen[256], nseen = 0, n = 0;
	DIR *d;

	if (snprintf(links, sizeof(links), "%s/links", dir) >= (int)sizeof(links))
		return -ENAMETOOLONG;
	d = opendir(links);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max && nseen < 256) {
		char *end;
		long idx = strtol(de->d_name, &end, 10);
		int known = !strcmp(end, "-tc"), dup = 0;

		for (int i = 0; i < P_MAX; i++)
			known |= !strcmp(end, pin_sfx[i]);
		if (end == de->d_name || !known || idx <= 0 || idx > 0x7fffffff)
			continue;
		for (int i = 0; i < nseen; i++)
			dup |= seen[i] == idx;
		if (dup)
			continue;
		seen[nseen++] = (int)idx;
		ll_iface_query(dir, (int)idx, &out[n++]);
	}
	closedir(d);
	return n;
}

int ll_iface_check(const char *dir, struct ll_iface_watch *w)
{
	struct ll_iface ifs[LL_WATCH_MAX];
	int n = ll_iface_list(dir, ifs, LL_WATCH_MAX), changed = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int on = !strcmp(ifs[i].state, "enforcing"), k;

		for (k = 0; k < w->n && w->e[k].ifindex != ifs[i].ifindex; k++)
			;
		if (k == w->n) {
			if (w->n == LL_WATCH_MAX)
				continue;
			w->n++;
			w->e[k].enforcing = -1;
		}
		if (on != w->e[k].enforcing || strcmp(w->e[k].state, ifs[i].state)) {
			w->e[k].changed = w->e[k].enforcing != -1 || !on;
			changed |= w->e[k].changed;
		} else {
			w->e[k].changed = 0;
		}
		w->e[k].ifindex = ifs[i].ifindex;
		w->e[k].enforcing = on;
		snprintf(w->e[k].state, sizeof(w->e[k].state), "%s", ifs[i].state);
		snprintf(w->e[k].name, sizeof(w->e[k].name), "%s",
			 ifs[i].name[0] ? ifs[i].name : "(gone)");
		snprintf(w->e[k].why, sizeof(w->e[k].why), "%s", ifs[i].why);
		w->e[k].seen = 1;
	}
	/* detached meanwhile: no longer watched */
	for (int k = 0; k < w->n; k++) {
		int found = 0;

		for (int i = 0; i < n; i++)
			found |= ifs[i].ifindex == w->e[k].ifindex;
		if (!found)
			w->e[k--] = w->e[--w->n];
	}
	return changed;
}

void ll_iface_metrics(FILE *f, const struct ll_iface_watch *w)
{
	fprintf(f, "# HELP lifeline_iface_enforcing 1 if lifeline's policy program runs on the "
		"interface, 0 if it is lost or replaced\n# TYPE lifeline_iface_enforcing gauge\n");
	for (int k = 0; k < w->n; k++) {
		fprintf(f, "lifeline_iface_enforcing{iface=\"");
		for (const char *c = w->e[k].name; *c; c++)	/* a label value, escaped */
			fprintf(f, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
		fprintf(f, "\",ifindex=\"%d\",state=\"%s\"} %d\n", w->e[k].ifindex, w->e[k].state,
			w->e[k].enforcing);
	}
}

/* ---------------------------------------------------------------- orphans */

static const char *const ll_iface_progs[] = { "ll_xdp", "ll_tc_ingress", "ll_tc_policy",
					      "ll_tc_egress" };

/* The program id of lifeline's filter at point, 0 if none. */
static __u32 tc_prog_id(int ifindex, enum bpf_tc_attach_point point)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LL_TC_HANDLE, .priority = LL_TC_PRIORITY);

	libbpf_print_fn_t prev = libbpf_set_print(NULL);	/* no clsact: not an error here */
	int ret = bpf_tc_query(&hook, &opts);

	libbpf_set_print(prev);
	return ret ? 0 : opts.prog_id;
}

/*
 * Reads a program by id: 1 if it is one of lifeline's interface programs
 * (*state: its state map's id; *policy: it is ll_tc_policy), 0 if not,
 * -errno (-EPERM: naming a program by id needs CAP_SYS_ADMIN).
 */
static int prog_state(__u32 id, __u32 *state, int *policy)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), nmaps, *maps = NULL;
	int fd = bpf_prog_get_fd_by_id(id), ret = 0, named = 0;

	*state = 0;
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = -errno;
		goto out;
	}
	for (size_t i = 0; i < sizeof(ll_iface_progs) / sizeof(ll_iface_progs[0]); i++)
		named |= !strcmp(info.name, ll_iface_progs[i]);
	if (!named)
		goto out;
	*policy = !strcmp(info.name, "ll_tc_policy");
	nmaps = info.nr_map_ids;
	maps = calloc(nmaps ? nmaps : 1, sizeof(*maps));
	if (!maps) {
		ret = -ENOMEM;
		goto out;
	}
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = nmaps;
	info.map_ids = (__u64)(unsigned long)maps;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = -errno;
		goto out;
	}
	for (__u32 i = 0; i < nmaps && i < info.nr_map_ids && !*state; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(maps[i]);

		if (mfd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(mfd, &mi, &mlen) &&
		    !strcmp(mi.name, ll_map_names[LL_MAP_STATE]))
			*state = mi.id;
		close(mfd);
	}
	ret = *state ? 1 : 0;
out:
	free(maps);
	close(fd);
	return ret;
}

static int id_in(const __u32 *ids, int n, __u32 id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

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
		o.tc_ingress_id = tc_prog_id(o.ifindex, BPF_TC_INGRESS);
		o.tc_egress_id = tc_prog_id(o.ifindex, BPF_TC_EGRESS);
		for (int i = 0; i < 3; i++) {
			__u32 state = 0;
			int policy = 0, r;

			if (!*ids[i])
				continue;
			r = prog_state(*ids[i], &state, &policy);
			if (r == -EPERM || r == -EACCES) {
				unreadable |= i > 0;	/* at lifeline's tc handle: ours, of some instance */
				if (i == 0)
					*ids[i] = 0;	/* an XDP program of any tool */
				continue;
			}
			if (r > 0 && !id_in(pinned, npinned, state) && !scanned) {
				npinned = ll_pinned_state_ids(dir, 1, pinned, 256);
				scanned = 1;
			}
			if (r <= 0 || id_in(pinned, npinned, state)) {
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
		if (!ids[i] || tc_prog_id(o->ifindex, points[i]) != ids[i])
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
