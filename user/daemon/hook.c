// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "config.h"
#include "engine.h"
#include "daemon/events.h"
#include "daemon/hook.h"

#define HOOK_PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void hook_init(struct hook *h, const struct ll_config *cfg, struct dlog *log)
{
	sigset_t all, none;

	h->cfg = cfg;
	h->log = log;
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_init(&h->attr);
	posix_spawnattr_setsigdefault(&h->attr, &all);
	posix_spawnattr_setsigmask(&h->attr, &none);
	posix_spawnattr_setflags(&h->attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
					   POSIX_SPAWN_SETSID);
	posix_spawn_file_actions_init(&h->fa);
	posix_spawn_file_actions_addopen(&h->fa, 0, "/dev/null", O_RDONLY, 0);
	for (int i = 0; i < LLD_HOOK_ENVS; i++)
		h->envp[i] = h->env[i];
	h->envp[LLD_HOOK_ENVS] = NULL;
	h->told = LL_LEVEL_NONE;
}

void hook_destroy(struct hook *h)
{
	if (!h->cfg)
		return;
	posix_spawnattr_destroy(&h->attr);
	posix_spawn_file_actions_destroy(&h->fa);
	h->cfg = NULL;
}

static void hook_env(struct hook *h)
{
	char when[40];
	long long secs;

	fmt_time(when, sizeof(when), &secs);
	snprintf(h->env[0], sizeof(h->env[0]), "LIFELINE_LEVEL=%s", ll_level_name(h->level));
	snprintf(h->env[1], sizeof(h->env[1]), "LIFELINE_PREVIOUS=%s", ll_level_name(h->told));
	snprintf(h->env[2], sizeof(h->env[2]), "LIFELINE_SOURCE=%s", ll_source_name(h->source));
	snprintf(h->env[3], sizeof(h->env[3]), "LIFELINE_REASON=%s", h->reason);
	snprintf(h->env[4], sizeof(h->env[4]), "LIFELINE_TIME=%s", when);
	snprintf(h->env[5], sizeof(h->env[5]), "LIFELINE_TIMESTAMP=%lld", secs);
	snprintf(h->env[6], sizeof(h->env[6]), "LIFELINE_HIGHEST=%s", ll_level_name(h->highest));
	snprintf(h->env[7], sizeof(h->env[7]), "LIFELINE_HIGHEST_SOURCE=%s",
		 ll_source_name(h->highest_source));
	snprintf(h->env[8], sizeof(h->env[8]), "LIFELINE_HIGHEST_TIME=%s", h->highest_time);
	snprintf(h->env[9], sizeof(h->env[9]), "LIFELINE_CHANGES=%u", h->changes);
	snprintf(h->env[10], sizeof(h->env[10]), "LIFELINE_EVENT=%s",
		 h->alert ? "enforcement" : "level");
	snprintf(h->env[11], sizeof(h->env[11]), "%s", HOOK_PATH_ENV);
}

/* the hook must stay killable: give back the protection it inherited */
static void hook_unprotect(struct hook *h, pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "0", 1) < 0)
		dlog(h->log, LOG_DEBUG, "hook: cannot reset oom_score_adj: %s", strerror(errno));
	close(fd);
}

static void hook_spawn(struct hook *h, __u64 now)
{
	char *argv[] = { (char *)h->cfg->hook, NULL };
	pid_t pid;
	int err;

	hook_env(h);
	h->pending = 0;
	h->alert = 0;
	h->last_ns = now;
	err = posix_spawn(&pid, h->cfg->hook, &h->fa, &h->attr, argv, h->envp);
	if (err) {
		h->failures++;
		dlog(h->log, LOG_ERR, "hook %s: cannot run: %s", h->cfg->hook, strerror(err));
		return;
	}
	h->runs++;
	h->pid = pid;
	h->started_ns = now;
	h->killed = 0;
	h->told = h->level;
	dlog(h->log, LOG_INFO, "hook %s started (pid %d): level %s (highest %s, %u change%s since "
	     "the last run)", h->cfg->hook, (int)pid, ll_level_name(h->level),
	     ll_level_name(h->highest), h->changes, h->changes == 1 ? "" : "s");
	h->changes = 0;
	h->highest = LL_LEVEL_NONE;
	if (h->oom_protected)
		hook_unprotect(h, pid);
}

static void hook_forget(struct hook *h)
{
	h->pending = 0;
	h->alert = 0;
	h->changes = 0;
	h->highest = LL_LEVEL_NONE;
}

void hook_alert(struct hook *h, __u64 now, const char *reason)
{
	snprintf(h->reason, sizeof(h->reason), "%s", reason);
	h->alert = 1;
	h->pending = 1;
	hook_service(h, now, 1);
}

void hook_service(struct hook *h, __u64 now, int force)
{
	const struct ll_config *cfg = h->cfg;

	if (!cfg->hook[0]) {
		hook_forget(h);
		return;
	}
	if (h->pid > 0) {
		if (!h->killed && cfg->hook_timeout_ns &&
		    now - h->started_ns > cfg->hook_timeout_ns) {
			dlog(h->log, LOG_ERR,
			     "hook %s (pid %d) still running after its timeout, killing it",
			     cfg->hook, (int)h->pid);
			kill(-h->pid, SIGKILL);
			h->killed = 1;
		}
		if (!force)
			return;
	}
	if (!h->pending)
		return;
	/* back where the hook was last told, with nothing higher in between: nothing to say */
	if (!h->alert && h->level == h->told && h->highest <= h->level) {
		hook_forget(h);
		return;
	}
	if (!force && h->last_ns && now - h->last_ns < cfg->hook_interval_ns)
		return;
	hook_spawn(h, now);
}

void hook_request(struct hook *h, __u64 now, __u32 level, __u32 source, const char *reason,
		  int force)
{
	h->level = level;
	h->source = source;
	snprintf(h->reason, sizeof(h->reason), "%s", reason);
	h->pending = 1;
	if (!h->changes || level > h->highest) {
		h->highest = level;
		h->highest_source = source;
		fmt_time(h->highest_time, sizeof(h->highest_time), NULL);
	}
	h->changes++;
	hook_service(h, now, force);
}

void hook_reap(struct hook *h, __u64 now)
{
	const char *path = h->cfg->hook;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != h->pid)
			continue;
		h->pid = 0;
		if (WIFEXITED(status) && !WEXITSTATUS(status)) {
			dlog(h->log, LOG_INFO, "hook %s (pid %d) exited 0", path, (int)pid);
			continue;
		}
		h->failures++;
		if (WIFEXITED(status))
			dlog(h->log, LOG_WARNING, "hook %s (pid %d) exited %d", path, (int)pid,
			     WEXITSTATUS(status));
		else
			dlog(h->log, LOG_WARNING, "hook %s (pid %d) killed by signal %d", path,
			     (int)pid, WTERMSIG(status));
	}
	hook_service(h, now, 0);
}
