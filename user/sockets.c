// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "regargs.h"
#include "sockets.h"
#include "lifeline.skel.h"

#include "util.h"

static const struct ll_load_opts sock_progs = { .progs = LL_PROGS_SOCK };

/*
 * The pin of a link: links/sockops (endpoints, on the cgroup-v2 root, the
 * name older versions used), links/sockops-ID (endpoints, on another
 * cgroup) or links/cgroup-ID (every connection of the cgroup).
 */
static int link_name(char *buf, size_t len, const char *dir, const char *cgdir, int all)
{
	__u64 id, root;
	int ret, n;

	ret = ll_cgroup_id(cgdir, &id);
	if (ret)
		return ret;
	if (all)
		n = snprintf(buf, len, "%s/links/cgroup-%llu", dir, (unsigned long long)id);
	else if (!ll_cgroup_id(ll_cgroup2_root(), &root) && root == id)
		n = snprintf(buf, len, "%s/links/sockops", dir);
	else
		n = snprintf(buf, len, "%s/links/sockops-%llu", dir, (unsigned long long)id);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ll_sockets_attach(const char *dir, const char *cgdir, int all, char *err, size_t errlen)
{
	struct lifeline_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	char path[PATH_MAX];
	int cgfd = -1, ret;

	ret = link_name(path, sizeof(path), dir, cgdir, all);
	if (ret == -ENOTDIR || ret == -ENOENT) {
		ERR("%s is not a cgroup-v2 directory", cgdir);
		return ret;
	}
	if (ret) {
		ERR("cannot use %s: %s", cgdir, strerror(-ret));
		return ret;
	}
	if (!access(path, F_OK))
		return 0;	/* already attached */
	ret = ll_skel_load(&skel, dir, &sock_progs);
	if (ret) {
		ERR("cannot load the datapath: %s", strerror(-ret));
		return ret;
	}
	cgfd = open(cgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		ret = -errno;
		ERR("cannot open %s: %s", cgdir, strerror(errno));
		goto out;
	}
	link = bpf_program__attach_cgroup(all ? skel->progs.ll_sockops_cgroup : skel->progs.ll_sockops,
					  cgfd);
	ret = libbpf_get_error(link);
	if (ret) {
		link = NULL;
		ERR("cannot attach sock_ops to %s: %s", cgdir, strerror(-ret));
		goto out;
	}
	ret = ll_links_dir(dir);
	if (ret) {
		ERR("cannot create %s/links: %s", dir, strerror(-ret));
		goto out;
	}
	ret = bpf_link__pin(link, path);
	if (ret)
		ERR("cannot pin the sock_ops link at %s: %s", path, strerror(-ret));
	else
		chmod(path, 0600);
out:
	bpf_link__destroy(link);	/* pinned: stays attached */
	if (cgfd >= 0)
		close(cgfd);
	lifeline_bpf__destroy(skel);
	return ret;
}

int ll_sockets_detach(const char *dir, const char *cgdir, int all, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int ret = link_name(path, sizeof(path), dir, cgdir, all);

	if (ret == -ENOTDIR || ret == -ENOENT) {
		ERR("%s is not a cgroup-v2 directory", cgdir);
		return ret;
	}
	if (ret) {
		ERR("cannot use %s: %s", cgdir, strerror(-ret));
		return ret;
	}
	if (unlink(path)) {
		ret = -errno;
		if (ret == -ENOENT)
			ERR("no sock_ops attached to %s", cgdir);
		else
			ERR("cannot remove %s: %s", path, strerror(errno));
	}
	return ret;
}

int ll_sockets_detach_id(const char *dir, __u64 id, char *err, size_t errlen)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%.3900s/links/cgroup-%llu", dir, (unsigned long long)id);
	if (unlink(path)) {
		int e = errno;

		ERR("cannot remove %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

int ll_sockets_detach_ep_id(const char *dir, __u64 id, char *err, size_t errlen)
{
	char path[PATH_MAX];
	__u64 root;

	if (!ll_cgroup_id(ll_cgroup2_root(), &root) && root == id)
		snprintf(path, sizeof(path), "%.3900s/links/sockops", dir);
	else
		snprintf(path, sizeof(path), "%.3900s/links/sockops-%llu", dir,
			 (unsigned long long)id);
	if (unlink(path)) {
		int e = errno;

		ERR("cannot remove %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

int ll_sockets_scan(const char *dir, __u32 added[LL_ORIGIN_MAX], char *err, size_t errlen)
{
	struct lifeline_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	char buf[4096];
	int ret, fd = -1;
	ssize_t n;

	memset(added, 0, sizeof(__u32) * LL_ORIGIN_MAX);
	ret = ll_skel_load(&skel, dir, &sock_progs);
	if (ret) {
		ERR("cannot load the datapath: %s", strerror(-ret));
		return ret;
	}
	link = bpf_program__attach_iter(skel->progs.ll_iter_tcp, NULL);
	ret = libbpf_get_error(link);
	if (ret) {
		link = NULL;
		ERR("cannot create the TCP iterator: %s", strerror(-ret));
		goto out;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		ret = -errno;
		ERR("cannot start the TCP iterator: %s", strerror(errno));
		goto out;
	}
	/* one line per flow added: its origin */
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		for (char *p = buf; *p;) {
			unsigned long o = strtoul(p, &p, 10);

			if (o < LL_ORIGIN_MAX)
				added[o]++;
			while (*p == '\n')
				p++;
		}
	}
	if (n < 0) {
		ret = -errno;
		ERR("reading the TCP iterator: %s", strerror(errno));
	}
out:
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	lifeline_bpf__destroy(skel);
	return ret;
}

static __u64 find_id;
static char find_path[256];
static size_t root_len;

static int find_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if (st->st_ino == find_id && S_ISDIR(st->st_mode)) {
		snprintf(find_path, sizeof(find_path), "%s", path[root_len] ? path + root_len : "/");
		return 1;
	}
	return 0;
}

int ll_sockets_list(const char *dir, struct ll_sock_link *out, int max)
{
	char links[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(links, sizeof(links), "%s/links", dir);
	d = opendir(links);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max) {
		struct ll_sock_link *l = &out[n];
		const char *id = NULL;

		memset(l, 0, sizeof(*l));
		if (!strcmp(de->d_name, "sockops")) {
			strcpy(l->name, de->d_name);
			strcpy(l->path, "(root)");
			ll_cgroup_id(ll_cgroup2_root(), &l->cgroup_id);
			n++;
			continue;
		}
		if (!strncmp(de->d_name, "sockops-", 8))
			id = de->d_name + 8;
		else if (!strncmp(de->d_name, "cgroup-", 7))
			id = de->d_name + 7;
		else
			continue;
		snprintf(l->name, sizeof(l->name), "%.60s", de->d_name);
		l->cgroup_id = strtoull(id, NULL, 10);
		l->all = de->d_name[0] == 'c';
		find_id = l->cgroup_id;
		find_path[0] = '\0';
		root_len = strlen(ll_cgroup2_root());
		nftw(ll_cgroup2_root(), find_cb, 16, FTW_PHYS | FTW_MOUNT);
		snprintf(l->path, sizeof(l->path), "%s", find_path[0] ? find_path : "(gone)");
		n++;
	}
	closedir(d);
	return n;
}
