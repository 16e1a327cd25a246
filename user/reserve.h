/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel's emergency reserve, through sysctls: vm.min_free_kbytes
 * raised by a configured amount (and optionally vm.watermark_scale_factor),
 * net.ipv4.tcp_mem/udp_mem tightened under pressure. The original values
 * are written durably to STATE_DIR/reserve.state (temp file, fsync, rename)
 * before the first change, and written back byte for byte on restore, also
 * after a crash. All functions return 0 or -errno with a message in err.
 */
#ifndef LL_RESERVE_H
#define LL_RESERVE_H

#include <stddef.h>
#include <linux/types.h>
#include "maps.h"

enum ll_sysctl {
	LL_SYSCTL_MIN_FREE = 0,		/* vm.min_free_kbytes */
	LL_SYSCTL_WSF,			/* vm.watermark_scale_factor */
	LL_SYSCTL_TCP_MEM,		/* net.ipv4.tcp_mem */
	LL_SYSCTL_UDP_MEM,		/* net.ipv4.udp_mem */
	LL_SYSCTL_MAX,
};

extern const char *const ll_sysctl_names[LL_SYSCTL_MAX];

/* Bounds shared by lifeline reserve apply and lifelined's [reserve] keys. */
#define LL_RESERVE_KB_MAX (1U << 30)	/* --kb, size: at most 1 TiB */
#define LL_RESERVE_WSF_MAX 3000		/* --watermark-scale, watermark_scale_factor */
#define LL_RESERVE_SHARE_MAX 50		/* --max-share, max_share: % of RAM */

struct ll_reserve_cfg {
	__u64 reserve_kb;		/* added to the original min_free_kbytes */
	__u32 watermark_scale;		/* 0: leave vm.watermark_scale_factor alone */
	__u32 max_share_pct;		/* refuse min_free_kbytes above this % of RAM (default 5) */
	__u32 net_pct[3];		/* tcp_mem/udp_mem as % of the original per level; 0: leave */
	const char *state_dir;		/* default /run/lifeline */
	const char *proc_root;		/* "" for the real /proc; tests point it elsewhere */
};


struct ll_reserve_state {
	int recorded;				/* a state file exists */
	char original[LL_SYSCTL_MAX][64];	/* as read before lifeline changed anything */
	char current[LL_SYSCTL_MAX][64];
};

/* Reads current values and, if recorded, the originals. */
int ll_reserve_read(const struct ll_reserve_cfg *c, struct ll_reserve_state *st, char *err,
		    size_t errlen);

/* Records originals (unless already recorded), then raises the reserve. */
int ll_reserve_apply(const struct ll_reserve_cfg *c, char *err, size_t errlen);

/* Tightens (level > none) or restores (none) tcp_mem/udp_mem, per cfg->net_pct. */
int ll_reserve_net(const struct ll_reserve_cfg *c, __u32 level, char *err, size_t errlen);

/* Writes every recorded original back and removes the state file; 0 if nothing recorded. */
int ll_reserve_restore(const struct ll_reserve_cfg *c, char *err, size_t errlen);

#endif
