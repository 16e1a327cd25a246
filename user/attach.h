/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Attaching the datapath to interfaces, next to other programs. XDP through
 * a bpf_link pinned at PIN/links/IFINDEX, or, when the interface runs a
 * libxdp dispatcher (or with --multi), as one program of that dispatcher,
 * first in line (xdpmulti.h), pinned at PIN/links/IFINDEX-xdpd. TC through
 * tcx links placed first (tcx.h), pinned at PIN/links/IFINDEX-tcx-in and
 * -tcx-eg; on kernels without tcx through clsact filters at lifeline's
 * handle, their programs pinned at IFINDEX-cls-in/-cls-eg (so a filter is
 * known to be ours by its program id), and an empty directory
 * IFINDEX-qdisc when lifeline created the qdisc (removed only if it holds
 * no other filter). With --mode tc the TC ingress program is ll_tc_policy,
 * which applies the whole decision; an empty directory IFINDEX-tc says so.
 * The pins say what this instance attached; the kernel says whether it
 * still runs (ll_iface.state).
 */
#ifndef LL_ATTACH_H
#define LL_ATTACH_H

#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

enum ll_xdp_mode { LL_MODE_AUTO = 0, LL_MODE_NATIVE, LL_MODE_GENERIC, LL_MODE_TC };

#define LL_TC_HANDLE 0x4c4c
#define LL_TC_PRIORITY 0x4c

struct ll_iface {
	int ifindex;
	char name[IF_NAMESIZE];	/* "" when the interface is gone */
	__u32 xdp_prog_id;
	const char *mode;	/* "native", "generic", "offload" or "none" */
	int tc_ingress;		/* our tc programs run there */
	int tc_egress;
	int tc_policy;		/* the ingress program applies the policy (--mode tc) */
	/*
	 * "enforcing": the policy program this instance attached runs on the
	 * interface; "lost": it no longer does (the interface went, the link
	 * was detached); "foreign": it no longer does and another program runs
	 * at that hook, or another program is behind our link; "bypassed":
	 * --mode tc and another tc program runs before ours. Derived from the
	 * kernel objects behind the pins, queried on this netns's ifindex.
	 */
	const char *state;
	const char *xdp_via;	/* "link", "dispatcher" (libxdp) or "none" */
	const char *tc_via;	/* "tcx", "clsact" or "none" */
	__u32 xdp_ours_id;	/* lifeline's XDP program there, 0 none */
	__u32 tc_ingress_id;	/* lifeline's tc programs there, 0 none */
	__u32 tc_egress_id;
	int owned;		/* this pin path records an attachment there */
	char why[160];		/* what is wrong when not enforcing */
	int already;		/* attach found it attached already */
	int switched;		/* attach moved the policy between XDP and tc */
	int replaced;		/* attach replaced a foreign XDP program (--force) */
	char fallback[192];	/* --mode auto fell back to tc: why ("" otherwise) */
};

struct ll_attach_opts {
	enum ll_xdp_mode mode;
	int no_tc;
	int force;
	int multi;		/* XDP through a libxdp dispatcher even if there is none yet */
	__u32 max_flows;
	__u32 max_rules;
};

/* Attaches, all or nothing: on failure nothing new is left behind. */
int ll_attach(const char *dir, int ifindex, const struct ll_attach_opts *o, struct ll_iface *out,
	      char *err, size_t errlen);

/* Detaches XDP and TC from ifindex and removes its pins. */
int ll_detach(const char *dir, int ifindex, char *err, size_t errlen);

/* Interfaces with a lifeline link pinned in dir; returns the count or -errno. */
int ll_iface_list(const char *dir, struct ll_iface *out, int max);

/* Fills the live state of one interface (dir: the pin directory, for the --mode tc marker). */
void ll_iface_query(const char *dir, int ifindex, struct ll_iface *out);

/*
 * Where the interface the pins of ifindex record is, as its links say:
 * LL_IFACE_GONE, every link pinned there reports no device (the kernel
 * detaches a link when its device goes, with its namespace); ELSEWHERE, a
 * link runs on a device that is not ifindex here (moved to another
 * namespace). In both, the name ifindex has here (if any) is another
 * interface's. HERE: running here, or nothing tells (clsact filters only).
 */
enum { LL_IFACE_HERE, LL_IFACE_GONE, LL_IFACE_ELSEWHERE };
int ll_iface_where(const char *dir, int ifindex);

/*
 * Ownership watch (lifelined, every tick): the state of every interface
 * this pin path records. ll_iface_check returns 1 when one changed
 * (e[].changed; the first sight counts as a change only when not
 * enforcing), 0 if none, -errno.
 */
#define LL_WATCH_MAX 64
struct ll_iface_watch {
	int n;
	struct {
		int ifindex;
		int enforcing;	/* -1: not seen yet */
		int changed;
		int seen;
		char state[12];
		char name[IF_NAMESIZE + 8];
		char why[160];
	} e[LL_WATCH_MAX];
};
int ll_iface_check(const char *dir, struct ll_iface_watch *w);
/* lifeline_iface_enforcing{iface=...} 0/1, Prometheus text */
void ll_iface_metrics(FILE *f, const struct ll_iface_watch *w);

int ll_mode_parse(const char *s, enum ll_xdp_mode *mode);

/*
 * An orphan: lifeline's programs on an interface of this network namespace
 * whose state map is pinned nowhere (the pins were removed, or bpffs
 * unmounted, while attached). The tc filters hold the programs, the
 * programs hold the maps: such a datapath goes on enforcing with no pin to
 * reach it by. Found by the filters at lifeline's tc handle and the XDP
 * programs, named by id (bpf_prog_get_info_by_fd: name, map_ids), their
 * state map found among their maps by name.
 */
struct ll_orphan {
	int ifindex;
	char name[IF_NAMESIZE];
	__u32 xdp_prog_id;	/* lifeline's XDP program, 0 none */
	__u32 tc_ingress_id;	/* the program of lifeline's ingress filter, 0 none */
	__u32 tc_egress_id;
	int tc_policy;		/* the ingress filter applies the policy (ll_tc_policy) */
	__u32 state_id;		/* its state map */
	int verified;		/* 0: a filter at lifeline's handle that could not be read */
};

/*
 * The orphans of this network namespace, at most max; their count, or
 * -errno. Without CAP_SYS_ADMIN a program cannot be read by id: a filter at
 * lifeline's tc handle on an interface that dir does not list is then
 * returned unverified (it may also be another instance's).
 */
int ll_orphans_find(const char *dir, struct ll_orphan *out, int max);

/* Removes an orphan's programs from its interface (its XDP link or program, its filters). */
int ll_orphan_detach(const struct ll_orphan *o, char *err, size_t errlen);

#endif
