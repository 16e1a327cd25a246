/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lifelined configuration: INI (inih) in /etc/lifeline/lifeline.conf, then
 * the drop-ins lifeline.conf.d/NAME.conf next to it in name order, each over
 * the values before it. Every key has a default; unknown sections and keys
 * are errors, reported as FILE:LINE: what is wrong. docs/lifeline.conf in
 * the repository documents every key.
 */
#ifndef LL_CONFIG_H
#define LL_CONFIG_H

#include <limits.h>
#include <stdio.h>
#include <linux/types.h>
#include "maps.h"
#include "sources.h"

#define LL_CONFIG_DEFAULT "/etc/lifeline/lifeline.conf"
#define LL_EVENTS_SOCK "events.sock"	/* in the state directory */

/*
 * [daemon] lease: how long the datapath keeps the daemon's vote after the
 * last renewal. A SIGKILLed daemon's level holds this long, so at most a
 * minute; at least 100ms (and two ticks), or a busy host flaps to none.
 */
#define LL_LEASE_MIN_NS 100000000ULL
#define LL_LEASE_MAX_NS 60000000000ULL

struct ll_config {
	__u64 tick_ns;
	__u64 lease_ns;
	__u64 hold_ns;
	char pin_path[PATH_MAX];
	char group[64];			/* may read the events socket (0660); "" = root only */
	char state_dir[PATH_MAX];
	struct ll_sources_cfg src;
	char hook[PATH_MAX];		/* on_change, "" = none */
	__u64 hook_interval_ns;		/* at least this long between two hook runs */
	__u64 hook_timeout_ns;		/* a hook still running after this is killed */
	char metrics_path[PATH_MAX];	/* textfile, "" = none */
	__u64 metrics_interval_ns;
	__u64 budget_rate;		/* bytes/s, whole host */
	__u64 budget_burst;		/* bytes: the host pool's depth */
	__u64 budget_pps;		/* packets/s cap, 0 = none */
	double budget_share;		/* % of the free memory above the min watermark a
					 * second; 0 = the fixed rate (then the ceiling) */
	struct {
		__u64 bytes;		/* added to vm.min_free_kbytes; 0 = leave the reserve alone */
		__u64 watermark_scale;	/* vm.watermark_scale_factor; 0 = leave */
		__u32 max_share;	/* refuse min_free_kbytes above this % of RAM */
		double net_pct[2];	/* tcp_mem/udp_mem at elevated/critical, % of original; 0 = leave */
		int restore_on_start;	/* restore what a crashed run left before anything else */
	} reserve;
};

struct ll_config_err {
	char file[PATH_MAX];		/* "" when not about a file */
	int line;			/* 0 when not about a line */
	char msg[256];
};

void ll_config_defaults(struct ll_config *c);

/*
 * Loads path and then path.d/ *.conf over the defaults, and validates the
 * result. A missing path is an error only with must_exist. On error *c is
 * undefined and err says where and why.
 */
int ll_config_load(struct ll_config *c, const char *path, int must_exist,
		   struct ll_config_err *err);

/* "FILE:LINE: msg", "FILE: msg" or "msg". */
void ll_config_err_format(const struct ll_config_err *err, char *buf, size_t len);

/* Value parsers, shared with the CLI. */
int ll_parse_size(const char *s, __u64 *bytes);		/* 1500, 256K, 10M, 1G: 1024-based */
int ll_parse_bool(const char *s, int *b);		/* yes/no, true/false, on/off, 1/0 */
int ll_parse_amount(const char *s, struct ll_amount *a);	/* 10% or a size */
int ll_parse_percent(const char *s, double *v);		/* 0 to 100, optional % sign */

/*
 * One value as the configuration file reads it, with the same checks and
 * bounds, for the CLI options that set the same thing (lifeline reserve
 * apply --max-share is [reserve] max_share). outlen must be the size of the
 * key's field. 0, or -EINVAL/-ERANGE with one line in err.
 */
int ll_config_parse_value(const char *section, const char *name, const char *value, void *out,
			  size_t outlen, char *err, size_t errlen);

/* Prints every key with its current value, as a configuration file. */
void ll_config_print(const struct ll_config *c, FILE *f);

#endif
