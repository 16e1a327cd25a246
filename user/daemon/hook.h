/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The [alert] on_change hook: a program run without a shell on level
 * changes, at least hook_interval apart, never two at once; changes in
 * between are folded into the next run (see lifelined --help, HOOK).
 */
#ifndef LLD_HOOK_H
#define LLD_HOOK_H

#include <spawn.h>
#include <sys/types.h>
#include <linux/types.h>
#include "lifeline.h"
#include "daemon/log.h"

#define LLD_HOOK_ENVS 12
#define LLD_REASON_LEN (LL_WHY_LEN + 96)

struct ll_config;

struct hook {
	const struct ll_config *cfg;	/* hook, hook_interval_ns, hook_timeout_ns */
	struct dlog *log;
	int oom_protected;		/* lifelined is: give the hook its 0 back */
	__u64 runs, failures;		/* for the metrics */

	pid_t pid;			/* running hook, 0 when none */
	__u64 started_ns;
	__u64 last_ns;			/* start of the last run */
	int pending;			/* a change the hook has not heard of */
	int alert;			/* news that is not a level: enforcement lost */
	__u32 told;			/* the level the hook was last told of */
	__u32 level, source;		/* what to tell it next */
	char reason[LLD_REASON_LEN];
	/* since the last run: no change is lost to folding, least of all one to critical */
	__u32 changes;			/* level changes */
	__u32 highest, highest_source;	/* the highest level they reached, and its source */
	char highest_time[40];		/* when it was reached */
	int killed;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	char env[LLD_HOOK_ENVS][LLD_REASON_LEN + 32];
	char *envp[LLD_HOOK_ENVS + 1];
};

void hook_init(struct hook *h, const struct ll_config *cfg, struct dlog *log);
/* A level change to tell; force: run now, whatever the interval or a running hook. */
void hook_request(struct hook *h, __u64 now, __u32 level, __u32 source, const char *reason,
		  int force);
/*
 * News that is not a level change (enforcement lost on an interface): the
 * hook runs now with LIFELINE_EVENT=enforcement and reason, even at the
 * level it was last told of.
 */
void hook_alert(struct hook *h, __u64 now, const char *reason);
/* Starts the hook when there is news for it, it is not running, and the interval passed. */
void hook_service(struct hook *h, __u64 now, int force);
/* SIGCHLD: collects exited children, logs the hook's status. */
void hook_reap(struct hook *h, __u64 now);
void hook_destroy(struct hook *h);

#endif
