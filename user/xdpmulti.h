/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * XDP through libxdp's dispatcher (the one xdp-loader and xdp-filter use):
 * lifeline's ll_xdp joins it as one program with run priority
 * LL_XDP_RUN_PRIO, before the others (xdp-filter runs at 10, libxdp's
 * default is 50), and chain-calls on XDP_PASS only: a packet lifeline lets
 * through goes on to the next program, one it drops stops there.
 */
#ifndef LL_XDPMULTI_H
#define LL_XDPMULTI_H

#include <stddef.h>
#include <linux/types.h>

#define LL_XDP_RUN_PRIO 1

struct lifeline_bpf;

/* 1 if ifindex runs a libxdp dispatcher, 0 if not (no XDP, or a single program). */
int ll_xdpm_present(int ifindex);

/*
 * The ids of the programs in ifindex's dispatcher, in run order; their
 * count, 0 without a dispatcher, -EPERM when it cannot be read (naming a
 * program by id needs CAP_SYS_ADMIN).
 */
int ll_xdpm_progs(int ifindex, __u32 *ids, int max);

/*
 * Joins (or creates) ifindex's dispatcher with ll_xdp loaded from a second
 * object that shares every map of the loaded skel; generic: 1 skb mode, 0
 * native, -1 whatever the dispatcher runs in. Pins the program at pin (its
 * id is the record that it is ours). 0 or -errno, err says why.
 */
int ll_xdpm_attach(struct lifeline_bpf *skel, int ifindex, int generic, const char *pin,
		   char *err, size_t errlen);

/* Removes prog_id, and only it, from ifindex's dispatcher (0 if it is not there). */
int ll_xdpm_detach(int ifindex, __u32 prog_id);

#endif
