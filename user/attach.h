/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Attaching the datapath to interfaces. XDP through a bpf_link pinned at
 * PIN/links/IFINDEX, so it outlives the command; TC through clsact filters
 * with lifeline's own handle and priority. An empty directory
 * PIN/links/IFINDEX-qdisc records that lifeline created the clsact qdisc,
 * so detach removes it only then. With --mode tc there is no XDP link: the
 * TC ingress filter is ll_tc_policy, which applies the whole decision, and
 * an empty directory PIN/links/IFINDEX-tc records the attachment.
 */
#ifndef LL_ATTACH_H
#define LL_ATTACH_H

#include <net/if.h>
#include <stddef.h>
#include <linux/types.h>

enum ll_xdp_mode { LL_MODE_AUTO = 0, LL_MODE_NATIVE, LL_MODE_GENERIC, LL_MODE_TC };

#define LL_TC_HANDLE 0x4c4c
#define LL_TC_PRIORITY 0x4c

struct ll_iface {
	int ifindex;
	char name[IF_NAMESIZE];	/* "" when the interface is gone */
	__u32 xdp_prog_id;
	const char *mode;	/* "native", "generic", "offload" or "none" */
	int tc_ingress;		/* our filters present */
	int tc_egress;
	int tc_policy;		/* the ingress filter applies the policy (--mode tc) */
	int already;		/* attach found it attached already */
	int replaced;		/* attach replaced a foreign XDP program (--force) */
	char fallback[192];	/* --mode auto fell back to tc: why ("" otherwise) */
};

struct ll_attach_opts {
	enum ll_xdp_mode mode;
	int no_tc;
	int force;
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
