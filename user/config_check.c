// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The checks of a configuration once all its files are read: values that
 * depend on each other, paths the daemon will need, PSI triggers as the
 * kernel takes them. A failure names the line of the key set last
 * (cfg_check_fail in config.c).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include "config.h"
#include "config_int.h"
#include "reserve.h"
#include "spec.h"
#include "util.h"

static int order_fail(struct loader *l, const char *section, const char *a, const char *b,
		      const char *what)
{
	return cfg_check_fail(l, section, a, b, "%s", what);
}

/*
 * A PSI trigger as the kernel takes it: "some|full STALL_US WINDOW_US",
 * the window from 500ms to 10s, the stall above 0 and within the window.
 * Anything else the kernel refuses at start, blamed on something else.
 */
static int psi_trigger_check(const char *t, char *why, size_t len)
{
	unsigned long long stall, window;
	char kind[8], rest[2];
	int n = sscanf(t, "%7s %llu %llu %1s", kind, &stall, &window, rest);

	if (n != 3 || (strcmp(kind, "some") && strcmp(kind, "full")) || strchr(t, '-')) {
		snprintf(why, len, "trigger \"%.64s\": expected \"some|full STALL_US WINDOW_US\" "
			 "(e.g. \"some 150000 1000000\")", t);
		return -EINVAL;
	}
	if (window < 500000 || window > 10000000) {
		snprintf(why, len, "trigger window %llu us: must be from 500000 (500ms) to "
			 "10000000 (10s)", window);
		return -ERANGE;
	}
	if (!stall || stall > window) {
		snprintf(why, len, "trigger stall %llu us: must be above 0 and at most the "
			 "window (%llu us)", stall, window);
		return -ERANGE;
	}
	return 0;
}

/*
 * The nearest existing ancestor of path (path itself if it exists) must be
 * a directory: lifelined creates what is missing. 0, or -errno.
 */
static int dir_creatable(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;
	char *slash;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	while (stat(buf, &st)) {
		if (errno != ENOENT)
			return -errno;
		slash = strrchr(buf, '/');
		if (!slash)
			return -ENOENT;
		*(slash == buf ? slash + 1 : slash) = '\0';
		if (slash == buf && !buf[1] && stat(buf, &st))
			return -errno;
	}
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* The metrics textfile is replaced by rename: a regular file or none, in an existing directory. */
static int textfile_check(const char *path, char *why, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	if (path[0] != '/') {
		snprintf(why, len, "textfile %.64s: not an absolute path", path);
		return -EINVAL;
	}
	if (!lstat(path, &st)) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(why, len, "textfile %.200s: exists and is not a regular file "
				 "(it would be replaced)", path);
			return -EINVAL;
		}
		return 0;
	}
	if (errno != ENOENT) {
		snprintf(why, len, "textfile %.200s: %s", path, strerror(errno));
		return -errno;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(why, len, "textfile %.200s: its directory %.200s does not exist", path,
			 dir);
		return -ENOENT;
	}
	return 0;
}

/* [daemon]: the loop's timing and its directories. */
static int validate_daemon(struct loader *l, struct ll_config *c)
{
	if (c->tick_ns < 10000000ULL || c->tick_ns > 60000000000ULL)
		return cfg_check_fail(l, "daemon", "tick", NULL, "tick must be from 10ms to 60s");
	if (c->lease_ns < 2 * c->tick_ns)
		return order_fail(
			l, "daemon", "lease", "tick",
			"lease must be at least two ticks, or the vote lapses between ticks");
	if (c->hold_ns > 3600000000000ULL)
		return cfg_check_fail(l, "daemon", "hold", NULL, "hold must be at most 1h");
	if (!c->pin_path[0])
		return cfg_check_fail(l, "daemon", "pin_path", NULL, "pin_path must not be empty");
	{
		/* the rule lifelined applies at start (maps.h), and the same normal form */
		char norm[PATH_MAX], why[PATH_MAX + 100];

		if (ll_pin_path_validate(c->pin_path, norm, sizeof(norm), why, sizeof(why)))
			return cfg_check_fail(l, "daemon", "pin_path", NULL, "pin_path %s", why);
		strcpy(c->pin_path, norm);
	}
	if (!c->state_dir[0])
		return cfg_check_fail(l, "daemon", "state_dir", NULL,
				      "state_dir must not be empty");
	{
		int e = dir_creatable(c->state_dir);

		if (e)
			return cfg_check_fail(l, "daemon", "state_dir", NULL,
					      "state_dir %.200s: %s", c->state_dir,
					      e == -ENOTDIR ? "not a directory (nor "
					      "creatable as one)" : strerror(-e));
	}
	return 0;
}

/* The pressure sources: each critical threshold beyond its elevated one. */
static int validate_sources(struct loader *l, const struct ll_config *c)
{
	const struct ll_sources_cfg *s = &c->src;

	if (s->psi.trigger[0]) {
		char why[200];

		if (psi_trigger_check(s->psi.trigger, why, sizeof(why)))
			return cfg_check_fail(l, "psi", "trigger", NULL, "%s", why);
	}
	if (s->psi.some[0] && s->psi.some[1] && s->psi.some[1] <= s->psi.some[0])
		return order_fail(l, "psi", "some_critical", "some_elevated",
				  "some_critical must be above some_elevated");
	if (s->psi.full[0] && s->psi.full[1] && s->psi.full[1] <= s->psi.full[0])
		return order_fail(l, "psi", "full_critical", "full_elevated",
				  "full_critical must be above full_elevated");
	if (s->wmark.headroom[0] && s->wmark.headroom[1] &&
	    s->wmark.headroom[1] >= s->wmark.headroom[0])
		return order_fail(l, "watermark", "critical", "elevated",
				  "critical (headroom) must be below elevated");
	if (s->memavail.below[0].value && s->memavail.below[1].value &&
	    s->memavail.below[0].pct == s->memavail.below[1].pct &&
	    s->memavail.below[1].value >= s->memavail.below[0].value)
		return order_fail(l, "memavailable", "critical", "elevated",
				  "critical must be below elevated");
	if (s->netstat.drops[0] && s->netstat.drops[1] &&
	    s->netstat.drops[1] <= s->netstat.drops[0])
		return order_fail(l, "netstat", "critical", "elevated",
				  "critical must be above elevated");
	if (s->memcg.pressure[0] && s->memcg.pressure[1] &&
	    s->memcg.pressure[1] <= s->memcg.pressure[0])
		return order_fail(l, "memcg", "pressure_critical", "pressure_elevated",
				  "pressure_critical must be above pressure_elevated");
	if (s->memcg.usage[0] && s->memcg.usage[1] && s->memcg.usage[1] <= s->memcg.usage[0])
		return order_fail(l, "memcg", "usage_critical", "usage_elevated",
				  "usage_critical must be above usage_elevated");
	if (s->memcg.enable && !s->memcg.path[0])
		return cfg_check_fail(l, "memcg", "enable", "path",
				      "enable = yes needs path (the cgroup to watch)");
	if (s->memcg.enable && !s->memcg.root[0])
		return cfg_check_fail(l, "memcg", "cgroup_root", NULL,
				      "cgroup_root must not be empty");
	return 0;
}

/* [alert], [metrics], [budget]: what the daemon runs, writes and hands the datapath. */
static int validate_outputs(struct loader *l, const struct ll_config *c)
{
	if (c->hook[0]) {
		struct stat st;

		if (stat(c->hook, &st) || access(c->hook, X_OK))
			return cfg_check_fail(l, "alert", "on_change", NULL, "on_change %s: %s",
					      c->hook, strerror(errno));
		if (!S_ISREG(st.st_mode))
			return cfg_check_fail(l, "alert", "on_change", NULL, "on_change %s: not a "
					      "regular file (give an executable program)", c->hook);
	}
	if (c->metrics_path[0]) {
		char why[500];

		if (textfile_check(c->metrics_path, why, sizeof(why)))
			return cfg_check_fail(l, "metrics", "textfile", NULL, "%s", why);
	}
	if (c->metrics_path[0] && !c->metrics_interval_ns)
		return cfg_check_fail(l, "metrics", "interval", NULL, "interval must be above 0");
	if (c->budget_burst < 1514)
		return cfg_check_fail(l, "budget", "burst", NULL,
				      "burst must hold a full-size packet (1514 bytes or more)");
	return 0;
}

int cfg_validate(struct loader *l, struct ll_config *c)
{
	int err = validate_daemon(l, c);

	if (!err)
		err = validate_sources(l, c);
	if (!err)
		err = validate_outputs(l, c);
	return err;
}
