// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "maps.h"
#include "lifeline.skel.h"

#include "util.h"

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

static int tc_present(int ifindex, enum bpf_tc_attach_point point)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LL_TC_HANDLE, .priority = LL_TC_PRIORITY);

	return !bpf_tc_query(&hook, &opts);
}

void ll_iface_query(const char *dir, int ifindex, struct ll_iface *out)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char marker[PATH_MAX];

	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	out->mode = "none";
	if (!if_indextoname(ifindex, out->name)) {
		out->name[0] = '\0';
		return;
	}
	if (!bpf_xdp_query(ifindex, 0, &q)) {
		out->xdp_prog_id = q.prog_id;
		out->mode = mode_name(q.attach_mode);
	}
	out->tc_ingress = tc_present(ifindex, BPF_TC_INGRESS);
	out->tc_egress = tc_present(ifindex, BPF_TC_EGRESS);
	/*
	 * Which program our ingress filter runs is recorded by the marker, not
	 * read back: naming a program by id needs CAP_SYS_ADMIN.
	 */
	out->tc_policy = out->tc_ingress && dir &&
			 !link_path(marker, sizeof(marker), dir, ifindex, "-tc") &&
			 !access(marker, F_OK);
}

/* The program id our pinned link holds on ifindex, 0 if none or stale (pin removed then). */
static __u32 pinned_link_prog(const char *path, int ifindex)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);
	__u32 id = 0;

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_XDP &&
	    (int)info.xdp.ifindex == ifindex)
		id = info.prog_id;
	close(fd);
	if (!id)
		unlink(path);	/* the interface went away under the link */
	return id;
}

static int tc_attach_one(int ifindex, enum bpf_tc_attach_point point, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LL_TC_HANDLE, .priority = LL_TC_PRIORITY,
			    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);

	return bpf_tc_attach(&hook, &opts);
}

static void tc_detach_all(const char *dir, int ifindex)
{
	enum bpf_tc_attach_point points[] = { BPF_TC_INGRESS, BPF_TC_EGRESS };
	char marker[PATH_MAX];

	for (int i = 0; i < 2; i++) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = points[i]);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LL_TC_HANDLE,
				    .priority = LL_TC_PRIORITY);

		bpf_tc_detach(&hook, &opts);
	}
	if (!link_path(marker, sizeof(marker), dir, ifindex, "-tc"))
		rmdir(marker);
	if (link_path(marker, sizeof(marker), dir, ifindex, "-qdisc"))
		return;
	if (!access(marker, F_OK)) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
				    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

		bpf_tc_hook_destroy(&hook);
		rmdir(marker);
	}
}

/* The clsact filters; policy: the ingress filter applies the whole decision (--mode tc). */
static int tc_attach(const char *dir, int ifindex, struct lifeline_bpf *skel, int policy)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	char marker[PATH_MAX];
	int err;

	err = link_path(marker, sizeof(marker), dir, ifindex, "-qdisc");
	if (err)
		return err;
	err = ll_links_dir(dir);
	if (err)
		return err;
	err = bpf_tc_hook_create(&hook);
	if (!err && mkdir(marker, 0700) && errno != EEXIST) {
		err = -errno;
		bpf_tc_hook_destroy(&hook);	/* we made it: leave no trace */
	} else if (err == -EEXIST) {
		err = 0;
	}
	if (err)
		return err;
	err = tc_attach_one(ifindex, BPF_TC_INGRESS, bpf_program__fd(policy ? skel->progs.ll_tc_policy :
									 skel->progs.ll_tc_ingress));
	if (!err)
		err = tc_attach_one(ifindex, BPF_TC_EGRESS, bpf_program__fd(skel->progs.ll_tc_egress));
	return err;	/* on error the caller removes what it added, never a working attachment */
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

int ll_attach(const char *dir, int ifindex, const struct ll_attach_opts *o, struct ll_iface *out,
	      char *err, size_t errlen)
{
	struct ll_load_opts lo = { .progs = LL_PROGS_NET, .max_flows = o->max_flows,
				   .max_rules = o->max_rules };
	struct lifeline_bpf *skel = NULL;
	int tc_mode = o->mode == LL_MODE_TC;
	char path[PATH_MAX], tc_marker[PATH_MAX];
	int ret, link_fd = -1;
	__u32 ours;

	ll_iface_query(dir, ifindex, out);
	if (!out->name[0]) {
		ERR("no interface with index %d", ifindex);
		return -ENODEV;
	}
	ret = link_path(path, sizeof(path), dir, ifindex, "");
	if (!ret)
		ret = link_path(tc_marker, sizeof(tc_marker), dir, ifindex, "-tc");
	if (ret)
		goto fail_msg;
	ours = pinned_link_prog(path, ifindex);
	if (tc_mode) {
		/* one policy point per interface: switching needs a detach in between */
		if (ours) {
			ERR("lifeline is attached to %s with XDP; run 'lifeline detach %s' first",
			    out->name, out->name);
			return -EEXIST;
		}
		out->already = out->tc_policy;
	} else if (out->tc_policy && o->mode == LL_MODE_AUTO) {
		tc_mode = 1;	/* an earlier auto attach fell back to tc: it is in place */
		out->already = 1;
	} else if (out->tc_policy) {
		ERR("lifeline is attached to %s with --mode tc; run 'lifeline detach %s' first",
		    out->name, out->name);
		return -EEXIST;
	} else if (ours && ours == out->xdp_prog_id) {
		out->already = 1;
	} else if (out->xdp_prog_id) {
		__u32 foreign_flags = !strcmp(out->mode, "generic") ? XDP_FLAGS_SKB_MODE :
				      !strcmp(out->mode, "native") ? XDP_FLAGS_DRV_MODE : 0;

		if (!o->force) {
			ERR("%s already has an XDP program (id %u) that is not lifeline's; "
			    "use --force to replace it", out->name, out->xdp_prog_id);
			return -EEXIST;
		}
		/* a netlink detach must name the mode the program was attached in */
		ret = bpf_xdp_detach(ifindex, foreign_flags, NULL);
		if (ret) {
			ERR("cannot remove the XDP program (id %u) on %s: %s (it may be held by a "
			    "bpf_link; detach it with the tool that attached it)",
			    out->xdp_prog_id, out->name, strerror(-ret));
			return ret;
		}
		out->replaced = 1;
	}

	ret = ll_skel_load(&skel, dir, &lo);
	if (ret) {
		ERR("cannot load the datapath: %s", strerror(-ret));
		return ret;
	}
	if (!out->already && !tc_mode) {
		rmdir(tc_marker);	/* stale: its filter went with an earlier interface */
		link_fd = xdp_link(skel, ifindex, o->mode);
		if (link_fd < 0 && o->mode == LL_MODE_AUTO && !o->no_tc && link_fd != -EPERM &&
		    link_fd != -EACCES) {
			/*
			 * The driver refused XDP (an MTU over its limit, its queue
			 * layout...): the tc policy applies the same decision at TC
			 * ingress, on any interface.
			 */
			snprintf(out->fallback, sizeof(out->fallback),
				 "%s refused XDP (%s): attached with --mode tc instead", out->name,
				 strerror(-link_fd));
			tc_mode = 1;
			link_fd = -1;
		} else if (link_fd < 0) {
			ret = link_fd;
			if (ret == -EOPNOTSUPP || (o->mode == LL_MODE_NATIVE && ret == -EINVAL))
				ERR("%s has no native XDP support; use --mode generic, tc or auto",
				    out->name);
			else
				ERR("cannot attach XDP to %s: %s", out->name, strerror(-ret));
			goto cleanup;
		}
	}
	if (!o->no_tc) {
		ret = tc_attach(dir, ifindex, skel, tc_mode);
		if (ret) {
			if (out->fallback[0])
				ERR("%s refused XDP and the tc programs: %s", out->name,
				    strerror(-ret));
			else
				ERR("cannot attach the tc programs to %s: %s", out->name,
				    strerror(-ret));
			goto cleanup_tc;
		}
	}
	if (tc_mode && mkdir(tc_marker, 0700) && errno != EEXIST) {
		ret = -errno;
		ERR("cannot create %s: %s", tc_marker, strerror(-ret));
		goto cleanup_tc;
	}
	if (link_fd >= 0) {
		ret = ll_links_dir(dir);
		if (ret) {
			ERR("cannot create %s/links: %s", dir, strerror(-ret));
			goto cleanup_tc;
		}
		ret = bpf_obj_pin(link_fd, path) ? -errno : 0;
		if (ret) {
			ERR("cannot pin the XDP link at %s: %s", path, strerror(-ret));
			goto cleanup_tc;
		}
		chmod(path, 0600);
	}
	{
		int already = out->already, replaced = out->replaced;
		char fallback[sizeof(out->fallback)];

		memcpy(fallback, out->fallback, sizeof(fallback));
		ll_iface_query(dir, ifindex, out);
		out->already = already;
		out->replaced = replaced;
		memcpy(out->fallback, fallback, sizeof(fallback));
	}
	goto cleanup;

cleanup_tc:
	if (!o->no_tc && !out->already)
		tc_detach_all(dir, ifindex);
cleanup:
	if (link_fd >= 0)
		close(link_fd);	/* pinned: stays; not pinned: detached */
	lifeline_bpf__destroy(skel);
	return ret;
fail_msg:
	ERR("pin path too long");
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
	if (unlink(path) && errno != ENOENT) {
		ret = -errno;
		ERR("cannot remove %s: %s", path, strerror(errno));
		return ret;
	}
	tc_detach_all(dir, ifindex);
	return 0;
}

int ll_iface_list(const char *dir, struct ll_iface *out, int max)
{
	char links[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (snprintf(links, sizeof(links), "%s/links", dir) >= (int)sizeof(links))
		return -ENAMETOOLONG;
	d = opendir(links);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max) {
		char *end;
		long idx = strtol(de->d_name, &end, 10);

		/* IFINDEX: an XDP link; IFINDEX-tc: attached with --mode tc */
		if (end == de->d_name || (*end && strcmp(end, "-tc")) || idx <= 0)
			continue;
		ll_iface_query(dir, idx, &out[n++]);
	}
	closedir(d);
	return n;
}

/* ---------------------------------------------------------------- orphans */

static const char *const ll_iface_progs[] = { "ll_xdp", "ll_tc_ingress", "ll_tc_policy",
					      "ll_tc_egress" };

/* The program id of lifeline's filter at point, 0 if none. */
static __u32 tc_prog_id(int ifindex, enum bpf_tc_attach_point point)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LL_TC_HANDLE, .priority = LL_TC_PRIORITY);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
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
	return bpf_xdp_detach(ifindex, q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
				       q.attach_mode == XDP_ATTACHED_DRV ? XDP_FLAGS_DRV_MODE : 0, NULL);
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
