/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A registration as typed: SPEC [--name NAME] [--local ADDR:PORT [--strict]],
 * on the command line or as one line of a flow file. Pure parsing, no maps.
 */
#ifndef LL_REGARGS_H
#define LL_REGARGS_H

#include <stddef.h>
#include <linux/types.h>
#include "lifeline.h"

struct ll_reg_args {
	const char *spec;
	const char *name;
	const char *local;
	int strict;
};

int ll_reg_args_parse(int argc, char **argv, struct ll_reg_args *a, int allow_local, char *err,
		      size_t errlen);

/* A rule record, or with --local an exact flow key: returns 0 (rule), 1 (flow) or -EINVAL. */
int ll_reg_args_build(const struct ll_reg_args *a, __u32 kind, struct ll_rule_rec *rec,
		      struct ll_flow_key *key, char *err, size_t errlen);

/* Most words on a flow-file line (options may repeat, as on the command line). */
#define LL_FLOW_LINE_WORDS 7

/*
 * One flow-file line of len bytes (line[len] must be writable; the line is
 * modified in place), the same syntax as flow add: 0 rule, 1 flow (*flags:
 * LL_FLOW_F_STRICT with --strict), 2 blank or comment, -EINVAL. A NUL byte
 * in the line and more than LL_FLOW_LINE_WORDS words are errors.
 */
int ll_flow_line_parse(char *line, size_t len, struct ll_rule_rec *rec, struct ll_flow_key *key,
		       __u32 *flags, char *err, size_t errlen);

/*
 * cgroup:/PATH of `flow add` and of the registry file: PATH starts with '/',
 * has no "/..", at most LL_CGROUP_PATH_MAX bytes, and no space, control
 * character or '#' (the registry could not hold it). 0 or -EINVAL with err.
 */
#define LL_CGROUP_PATH_MAX 200
int ll_cgroup_path_check(const char *path, char *err, size_t errlen);

/*
 * --cgroup DIR of `sockets attach` as the registry file holds it: an
 * absolute path without "/..", at most LL_CGROUP_DIR_MAX bytes, and no
 * space, control character or '#'. 0 or -EINVAL with err.
 */
#define LL_CGROUP_DIR_MAX 240
int ll_cgroup_dir_check(const char *dir, char *err, size_t errlen);
/* The characters of dir can be written in the registry (no space, control character, '#'). */
int ll_cgroup_dir_writable(const char *dir, char *err, size_t errlen);

/* The cgroup-v2 root of this host: /sys/fs/cgroup/unified on hybrid hosts, else /sys/fs/cgroup. */
const char *ll_cgroup2_root(void);

/* The cgroup id (inode) of the cgroup-v2 directory cgdir: 0, -ENOTDIR (not cgroup v2) or -errno. */
int ll_cgroup_id(const char *cgdir, __u64 *id);

void ll_flow_key_make(struct ll_flow_key *k, __u8 proto, const __u8 remote[16], __u16 rport,
		      const __u8 local[16], __u16 lport);

#endif
