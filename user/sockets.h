/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Automatic registration of block-I/O TCP connections (bpf/sockreg.h):
 * sock_ops programs attached to cgroup-v2 directories through bpf_links
 * pinned at PIN/links/sockops (endpoint rules, on the cgroup root),
 * PIN/links/sockops-ID (endpoint rules, on cgroup ID) and
 * PIN/links/cgroup-ID (every connection of one registered cgroup), and
 * the TCP iterator that registers connections that existed before.
 */
#ifndef LL_SOCKETS_H
#define LL_SOCKETS_H

#include <stddef.h>
#include <linux/types.h>
#include "maps.h"

#define LL_CGROUP2_ROOT "/sys/fs/cgroup/unified"

/* The cgroup-v2 root of this host: LL_CGROUP2_ROOT on hybrid hosts, else /sys/fs/cgroup (regargs.c). */
const char *ll_cgroup2_root(void);

/*
 * Attaches sock_ops to the cgroup-v2 directory cgdir. all = 0: connections
 * to registered endpoints (ll_sockops); all = 1: every connection of that
 * cgroup (ll_sockops_cgroup). Idempotent.
 */
int ll_sockets_attach(const char *dir, const char *cgdir, int all, char *err, size_t errlen);
int ll_sockets_detach(const char *dir, const char *cgdir, int all, char *err, size_t errlen);
/* Removes the links/cgroup-ID link (all = 1) of cgroup id, also when its directory is gone. */
int ll_sockets_detach_id(const char *dir, __u64 id, char *err, size_t errlen);

/*
 * Removes the sockets attach link (all = 0) of cgroup id (links/sockops for
 * the root), also when its directory is gone.
 */
int ll_sockets_detach_ep_id(const char *dir, __u64 id, char *err, size_t errlen);

/* Registers existing connections of the current netns; counts added flows per origin. */
int ll_sockets_scan(const char *dir, __u32 added[LL_ORIGIN_MAX], char *err, size_t errlen);

struct ll_sock_link {
	char name[64];		/* pin name under links/ */
	__u64 cgroup_id;
	int all;
	char path[256];		/* cgroup path relative to the cgroup-v2 root, "(root)" for
				 * links/sockops, "(gone)" when not found */
};

/* The sock_ops links pinned in dir; returns the count or -errno. */
int ll_sockets_list(const char *dir, struct ll_sock_link *out, int max);

#endif
