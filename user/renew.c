// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The programs in place and the pinned maps (renew.h).
 *
 * A program keeps the maps it was loaded with. When a pin is removed and a
 * load makes the map again (by hand, or a resize), the programs attached
 * before go on using the old map, which no command sees any more: a rule
 * added then is never enforced. ll_progs_stale finds that from the map ids
 * of the programs in place; ll_renew puts programs loaded over the pinned
 * maps in their place. A resize (resize.c) switches its new programs in
 * with the same set of points (rn_set_read, rn_set_switch, rn_set_revert).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach_int.h"
#include "maps.h"
#include "renew.h"
#include "util.h"
#include "lifeline.skel.h"

int rn_pin_join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static __u32 link_prog_id(const char *path)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);
	__u32 id = 0;

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		id = info.prog_id;
	close(fd);
	return id;
}

void rn_set_free(struct rn_set *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->p[i].old_fd >= 0)
			close(s->p[i].old_fd);
	s->n = 0;
}

static int set_add(struct rn_set *s, const char *path, int cls, int ifindex, int egress,
		   __u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct rn_point *p;
	int fd;

	if (!id)
		return 0;
	if (s->n == RN_MAX)
		return -E2BIG;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int e = -errno;

		close(fd);
		return e;
	}
	p = &s->p[s->n++];
	memset(p, 0, sizeof(*p));
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->cls = cls;
	p->ifindex = ifindex;
	p->egress = egress;
	p->old_id = id;
	p->old_fd = fd;
	memcpy(p->name, info.name, sizeof(p->name));
	return 0;
}

/* Every lifeline program attached from dir. */
int rn_set_read(const char *dir, struct rn_set *s)
{
	static const int kinds[] = { P_XDP, P_TCX_IN, P_TCX_EG, P_CLS_IN, P_CLS_EG };
	struct ll_iface *ifs;
	char links[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	int n, ret = 0;
	DIR *d;

	memset(s, 0, sizeof(*s));
	ifs = calloc(256, sizeof(*ifs));
	if (!ifs)
		return -ENOMEM;
	n = ll_iface_list(dir, ifs, 256);
	for (int i = 0; i < n && !ret; i++) {
		struct owned ow;

		att_owned_read(dir, ifs[i].ifindex, &ow);
		s->dispatched += !!ow.id[P_XDPD];
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && !ret; k++) {
			int w = kinds[k];

			if (!ow.id[w] || att_link_path(path, sizeof(path), dir, ifs[i].ifindex,
						       att_pin_sfx[w]))
				continue;
			ret = set_add(s, path, w == P_CLS_IN || w == P_CLS_EG, ifs[i].ifindex,
				      w == P_TCX_EG || w == P_CLS_EG, ow.id[w]);
		}
	}
	free(ifs);
	if (ret || rn_pin_join(links, sizeof(links), dir, "links"))
		return ret ? ret : -ENAMETOOLONG;
	d = opendir(links);
	if (!d)
		return 0;
	while ((de = readdir(d)) && !ret) {
		if (strncmp(de->d_name, "sockops", 7) && strncmp(de->d_name, "cgroup-", 7))
			continue;
		if (rn_pin_join(path, sizeof(path), links, de->d_name))
			continue;
		ret = set_add(s, path, 0, 0, 0, link_prog_id(path));
	}
	closedir(d);
	return ret;
}

/* 1 when the program uses a map of a pinned name that is not the pin's map. */
static int prog_stale(const char *dir, int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[64], n;
	int stale = 0;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return 0;
	n = info.nr_map_ids < 64 ? info.nr_map_ids : 64;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = n;
	info.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return 0;
	for (__u32 i = 0; i < n && !stale; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		char path[PATH_MAX];
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen))
			for (int k = 0; k < LL_MAP_MAX; k++)
				if (!strncmp(mi.name, ll_map_names[k], BPF_OBJ_NAME_LEN - 1) &&
				    !rn_pin_join(path, sizeof(path), dir, ll_map_names[k]))
					stale |= ll_pinned_id(path, 0) != mi.id;
		close(fd);
	}
	return stale;
}

int ll_progs_stale(const char *dir)
{
	struct rn_set *s = calloc(1, sizeof(*s));
	int stale = 0;

	if (!s)
		return 0;
	if (!rn_set_read(dir, s))
		for (int i = 0; i < s->n && !stale; i++)
			stale = prog_stale(dir, s->p[i].old_fd);
	rn_set_free(s);
	free(s);
	return stale;
}

__u32 ll_renew_progs(const char *dir)
{
	char links[PATH_MAX];
	struct dirent *de;
	__u32 progs = LL_PROGS_NET;
	DIR *d;

	if (rn_pin_join(links, sizeof(links), dir, "links") || !(d = opendir(links)))
		return progs;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "sockops", 7) || !strncmp(de->d_name, "cgroup-", 7))
			progs |= LL_PROGS_SOCK;
	closedir(d);
	return progs;
}

/* The skeleton's program of the in-place program's name (names are cut at 15). */
static int new_prog_fd(struct lifeline_bpf *skel, const char *name)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj)
		if (!strncmp(bpf_program__name(prog), name, BPF_OBJ_NAME_LEN - 1) &&
		    bpf_program__fd(prog) >= 0)
			return bpf_program__fd(prog);
	return -ENOENT;
}

/* One point to prog_fd (whose id is new_id); from_id: the program there now. */
static int point_set(const char *dir, const struct rn_point *p, int prog_fd, __u32 from_id)
{
	int fd, ret = 0;

	if (p->cls) {
		struct owned ow = {};
		int made = 0, made_qdisc = 0;

		ow.id[p->egress ? P_CLS_EG : P_CLS_IN] = from_id;
		return att_tc_hook_set(dir, p->ifindex, p->egress, prog_fd, &ow, &made,
				       &made_qdisc);
	}
	fd = bpf_obj_get(p->path);
	if (fd < 0)
		return -errno;
	if (bpf_link_update(fd, prog_fd, NULL))
		ret = -errno;
	close(fd);
	return ret;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* Test hook: LIFELINE_RESIZE_FAULT=WHERE fails (or, kill-WHERE, SIGKILLs) at WHERE. */
int rn_fault(const char *where)
{
	const char *f = getenv("LIFELINE_RESIZE_FAULT");

	if (!f)
		return 0;
	if (!strncmp(f, "kill-", 5) && !strcmp(f + 5, where))
		raise(SIGKILL);
	return !strcmp(f, where) ? -EIO : 0;
}

/* Back to the programs that were in place: every point switched. */
void rn_set_revert(const char *dir, struct rn_set *s, struct lifeline_bpf *skel)
{
	for (int i = 0; i < s->n; i++) {
		struct rn_point *p = &s->p[i];
		int nfd = new_prog_fd(skel, p->name);

		if (p->done && !point_set(dir, p, p->old_fd, nfd >= 0 ? prog_id(nfd) : 0))
			p->done = 0;
	}
}

int rn_set_switch(const char *dir, struct rn_set *s, struct lifeline_bpf *skel, char *err,
	       size_t errlen)
{
	for (int i = 0; i < s->n; i++) {
		struct rn_point *p = &s->p[i];
		int fd = new_prog_fd(skel, p->name), ret;

		ret = fd < 0 ? fd : i ? rn_fault("switch") : 0;
		if (!ret)
			ret = point_set(dir, p, fd, p->old_id);
		if (ret) {
			ERR("cannot put the new %s program in place (%s): %s", p->name, p->path,
			    strerror(-ret));
			rn_set_revert(dir, s, skel);
			return ret;
		}
		p->done = 1;
	}
	return 0;
}

int ll_renew(const char *dir, struct lifeline_bpf *skel, int *dispatched, char *err,
	     size_t errlen)
{
	struct rn_set *s = calloc(1, sizeof(*s));
	int ret;

	if (!s) {
		ERR("out of memory");
		return -ENOMEM;
	}
	ret = rn_set_read(dir, s);
	if (ret)
		ERR("cannot read the programs in place: %s", strerror(-ret));
	else
		ret = rn_set_switch(dir, s, skel, err, errlen);
	if (dispatched)
		*dispatched = s->dispatched;
	rn_set_free(s);
	free(s);
	return ret;
}

/* skel has a program for every attachment of dir (the sock_ops links need LL_PROGS_SOCK). */
static int skel_serves(const char *dir, struct lifeline_bpf *skel)
{
	return skel && (!(ll_renew_progs(dir) & LL_PROGS_SOCK) ||
			bpf_program__fd(skel->progs.ll_sockops) >= 0);
}

int ll_renew_if(const char *dir, struct lifeline_bpf *skel, const struct ll_load_opts *sizes,
		int force, char *err, size_t errlen)
{
	struct ll_load_opts lo = { .progs = ll_renew_progs(dir) };
	struct lifeline_bpf *own = NULL;
	int ret;

	if (!force && !ll_progs_stale(dir))
		return 0;
	if (sizes) {
		lo.max_flows = sizes->max_flows;
		lo.max_rules = sizes->max_rules;
	}
	if (!skel_serves(dir, skel)) {
		ret = ll_skel_load(&own, dir, &lo);
		if (ret) {
			ERR("cannot load the datapath: %s", strerror(-ret));
			return ret;
		}
		skel = own;
	}
	ret = ll_renew(dir, skel, NULL, err, errlen);
	lifeline_bpf__destroy(own);
	return ret;
}

int ll_renew_if_stale(const char *dir, char *err, size_t errlen)
{
	return ll_renew_if(dir, NULL, NULL, 0, err, errlen);
}
