/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the parts of the attach code share (attach.c, attach_pins.c,
 * attach_tc.c, attach_xdp.c, attach_orphans.c); not an interface: the
 * public one is attach.h.
 */
#ifndef LL_ATTACH_INT_H
#define LL_ATTACH_INT_H

#include <limits.h>
#include <stddef.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "attach.h"

/*
 * What an instance owns on an interface, one pin each in PIN/links: the
 * XDP link (IFINDEX), its program in a libxdp dispatcher (IFINDEX-xdpd),
 * the tcx links (IFINDEX-tcx-in, -tcx-eg) or, on kernels without tcx, the
 * programs of its clsact filters (IFINDEX-cls-in, -cls-eg: their ids say
 * which filter is ours). Every pin is checked against the kernel: an
 * object that no longer runs on IFINDEX is not lifeline's any more.
 */
enum { P_XDP, P_XDPD, P_TCX_IN, P_TCX_EG, P_CLS_IN, P_CLS_EG, P_MAX };
extern const char *const att_pin_sfx[P_MAX];

struct owned {
	int rec[P_MAX];		/* the pin exists */
	__u32 id[P_MAX];	/* the program behind it, running on the interface; 0 if not */
	int moved[P_MAX];	/* a link alive on another device (moved to another netns) */
	__u32 swapped[P_MAX];	/* a program that is not this instance's, behind our link */
};

/* PIN/links/IFINDEX<suffix> into buf; -ENAMETOOLONG */
int att_link_path(char *buf, size_t len, const char *dir, int ifindex, const char *suffix);
/* The empty directories IFINDEX-tc and IFINDEX-qdisc (sfx): present, removed. */
int att_marker(const char *dir, int ifindex, const char *sfx);
void att_marker_rm(const char *dir, int ifindex, const char *sfx);
int att_id_in(const __u32 *ids, int n, __u32 id);
/*
 * Reads a program by id: 1 if it is one of lifeline's interface programs
 * (*state: its state map's id; *policy: it is ll_tc_policy), 0 if not,
 * -errno (-EPERM: naming a program by id needs CAP_SYS_ADMIN).
 */
int att_prog_state(__u32 id, __u32 *state, int *policy);
/* Reads the pins of ifindex and checks each against what the kernel runs there. */
void att_owned_read(const char *dir, int ifindex, struct owned *ow);
/* Detaches the program of record i when ow found it lifeline's; 1 when a clsact filter went. */
int att_owned_detach(int ifindex, const struct owned *ow, int i);
/* Removes what dir records on ifindex; only objects that are lifeline's (checked by id). */
void att_owned_remove(const char *dir, int ifindex);
/* Pins fd as record which of ifindex (mode 0600); removes that record. */
int att_pin_fd(int fd, const char *dir, int ifindex, int which);
void att_pin_rm(const char *dir, int ifindex, int which);
/* Another instance's program on ifindex: 1 and its pin path in other (or why none), 0 if none. */
int att_other_instance(const char *dir, int ifindex, const struct ll_iface *me, char *other,
		       size_t len);

/* The program id of lifeline's filter at point, 0 if none. */
__u32 att_tc_prog_id(int ifindex, enum bpf_tc_attach_point point);
/* The filters on ifindex's clsact qdisc (before: the ingress ones before lifeline's); -errno. */
int att_clsact_filters(int ifindex, int before);
void att_clsact_destroy(int ifindex);
/* Something else runs at the tc ingress hook. */
int att_tc_ingress_busy(int ifindex);
/* Lifeline's tc ingress program (id, through via) runs before any other tc program. */
int att_tc_first(int ifindex, const char *via, __u32 id);
/* lifeline's program at one tc hook, tcx or clsact; *made, *made_qdisc: what was created. */
int att_tc_hook_set(const char *dir, int ifindex, int egress, int prog_fd,
		    const struct owned *ow, int *made, int *made_qdisc);

struct lifeline_bpf;

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

/* Removes lifeline's XDP program (its link or its place in the dispatcher), nothing else. */
void att_xdp_remove(const char *dir, int ifindex, const struct owned *ow);
/* A foreign XDP program on the interface: refused, or with --force removed. */
int attach_replace_foreign(struct attach_run *a, char *err, size_t errlen);
/* XDP through libxdp's dispatcher; as a bpf_link of our own (auto: may fall back to tc). */
int attach_xdp_multi(struct attach_run *a, char *err, size_t errlen);
int attach_xdp_link(struct attach_run *a, char *err, size_t errlen);

#endif
