// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline's XDP program on an interface: a bpf_link of its own
 * (attach_xdp_link, with --mode auto's fallback to tc), a place in libxdp's
 * dispatcher (attach_xdp_multi), a foreign program refused or replaced
 * (attach_replace_foreign), and its removal (att_xdp_remove).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach_int.h"
#include "maps.h"
#include "xdpmulti.h"
#include "lifeline.skel.h"

#include "util.h"

static int xdp_link(struct lifeline_bpf *skel, int ifindex, enum ll_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int fd;

	opts.flags = mode == LL_MODE_NATIVE ? XDP_FLAGS_DRV_MODE :
		     mode == LL_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : 0;
	fd = bpf_link_create(bpf_program__fd(skel->progs.ll_xdp), ifindex, BPF_XDP, &opts);
	return fd < 0 ? -errno : fd;
}

/* Removes lifeline's XDP program (its link or its place in the dispatcher), nothing else. */
void att_xdp_remove(const char *dir, int ifindex, const struct owned *ow)
{
	if (ow->id[P_XDPD])
		ll_xdpm_detach(ifindex, ow->id[P_XDPD]);
	att_pin_rm(dir, ifindex, P_XDPD);
	att_pin_rm(dir, ifindex, P_XDP);
}

/* A foreign XDP program on the interface: refused, or with --force removed. */
int attach_replace_foreign(struct attach_run *a, char *err, size_t errlen)
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

/* XDP through libxdp's dispatcher (--multi, or one is there already). */
int attach_xdp_multi(struct attach_run *a, char *err, size_t errlen)
{
	const struct ll_attach_opts *o = a->o;
	char pin[PATH_MAX];
	int ret;

	ret = att_link_path(pin, sizeof(pin), a->dir, a->ifindex, att_pin_sfx[P_XDPD]);
	if (!ret)
		ret = ll_links_dir(a->dir);
	att_pin_rm(a->dir, a->ifindex, P_XDPD);
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
int attach_xdp_link(struct attach_run *a, char *err, size_t errlen)
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
	att_pin_rm(a->dir, a->ifindex, P_XDP);
	ret = att_pin_fd(a->link_fd, a->dir, a->ifindex, P_XDP);
	if (ret) {
		ERR("cannot pin the XDP link in %s/links: %s", a->dir, strerror(-ret));
		return ret;
	}
	a->made |= 1 << P_XDP;
	return 0;
}
