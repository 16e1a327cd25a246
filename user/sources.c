// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Memory pressure sources: what every source shares (the cursor the parsers
 * walk a buffer with, the threshold helpers, reading a file) and the readers'
 * life cycle the daemon drives each tick. Each family of sources has its own
 * file with its parser (buffer in, struct out), its evaluator (reading +
 * thresholds -> level) and its reader: sources_psi.c, sources_mem.c
 * (watermarks, MemAvailable), sources_netstat.c, sources_memcg.c. The parsers
 * walk the buffer with a cursor and never need a NUL, so any byte string is a
 * valid input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include "sources.h"
#include "sources_int.h"
#include "engine.h"

/* ---- cursor helpers ---- */

/* Next line of [*p, end) without its newline; returns 0 at the end. */
int src_line_next(const char **p, const char *end, const char **line, size_t *len)
{
	const char *s = *p, *nl;

	if (s >= end)
		return 0;
	nl = memchr(s, '\n', (size_t)(end - s));
	*line = s;
	*len = (size_t)((nl ? nl : end) - s);
	*p = nl ? nl + 1 : end;
	return 1;
}

/* Next whitespace-separated token of [*p, end); returns 0 when there is none. */
int src_tok_next(const char **p, const char *end, const char **tok, size_t *len)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	if (s >= end) {
		*p = s;
		return 0;
	}
	*tok = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
		s++;
	*len = (size_t)(s - *tok);
	*p = s;
	return 1;
}

int src_tok_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(tok, word, len);
}

int src_parse_u64(const char *s, size_t len, __u64 *out)
{
	__u64 v = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -EINVAL;
		if (v > (U64_MAX_ - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

__u32 src_level_above(double v, const double t[LL_T_MAX])
{
	if (t[LL_T_CRITICAL] > 0 && v >= t[LL_T_CRITICAL])
		return LL_LEVEL_CRITICAL;
	if (t[LL_T_ELEVATED] > 0 && v >= t[LL_T_ELEVATED])
		return LL_LEVEL_ELEVATED;
	return LL_LEVEL_NONE;
}

__u32 src_max_level(__u32 a, __u32 b)
{
	return a > b ? a : b;
}

__u32 src_level_above_u64(__u64 v, const __u64 t[LL_T_MAX])
{
	if (t[LL_T_CRITICAL] && v >= t[LL_T_CRITICAL])
		return LL_LEVEL_CRITICAL;
	if (t[LL_T_ELEVATED] && v >= t[LL_T_ELEVATED])
		return LL_LEVEL_ELEVATED;
	return LL_LEVEL_NONE;
}

__u64 src_growth(__u64 prev, __u64 cur)
{
	return cur > prev ? cur - prev : 0;	/* a counter that went back was reset */
}

long ll_read_file(const char *path, char *buf, size_t size)
{
	size_t got = 0;
	long err = 0;
	int fd;

	if (size < 2)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < size - 1) {
		ssize_t n = read(fd, buf + got, size - 1 - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (err)
		return err;
	if (got == size - 1)
		return -EFBIG;
	buf[got] = '\0';
	return (long)got;
}

long src_read_rel(struct ll_sources *s, const char *root, const char *rel)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s%s", root, rel);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return ll_read_file(path, s->buf, sizeof(s->buf));
}

int ll_sources_init(struct ll_sources *s, const struct ll_sources_cfg *cfg, const char *proc_root,
		    ll_log_fn log)
{
	size_t n = proc_root ? strlen(proc_root) : 0;

	memset(s, 0, sizeof(*s));
	s->trigger_fd = -1;
	s->cfg = cfg;
	s->log = log;
	if (n >= sizeof(s->proc_root))
		return -ENAMETOOLONG;
	if (n)
		memcpy(s->proc_root, proc_root, n);
	/* "/" and "dir/" mean the same as "" and "dir" */
	while (n && s->proc_root[n - 1] == '/')
		s->proc_root[--n] = '\0';
	src_psi_trigger_arm(s);
	return 0;
}

void ll_sources_reconfigure(struct ll_sources *s, const struct ll_sources_cfg *cfg)
{
	s->cfg = cfg;
	if (s->armed_enable != cfg->psi.enable || strcmp(s->armed_for, cfg->psi.trigger))
		src_psi_trigger_arm(s);
	s->memcg_have = 0;	/* the cgroup may have changed */
}

void ll_sources_close(struct ll_sources *s)
{
	src_psi_trigger_close(s);
}

/* Logs a source that stops or starts reading, once per change. */
void src_error(struct ll_sources *s, int src, int err, const char *what)
{
	if (err == s->st[src].err)
		return;
	if (err)
		s->log(LOG_WARNING,
		       "%s: cannot read %s: %s; the source counts as none until it reads",
		       ll_source_name(src), what, strerror(-err));
	else
		s->log(LOG_INFO, "%s: %s reads again", ll_source_name(src), what);
	s->st[src].err = err;
}

void ll_sources_sample(struct ll_sources *s, __u64 now_ns, __u32 levels[LL_SRC_MAX])
{
	const struct ll_sources_cfg *c = s->cfg;

	for (int i = 0; i < LL_SRC_MAX; i++)
		levels[i] = LL_LEVEL_NONE;
	if (c->psi.enable && !src_read_psi(s, now_ns))
		levels[LL_SRC_PSI] = s->st[LL_SRC_PSI].level;
	if (c->wmark.enable && !src_read_zoneinfo(s))
		levels[LL_SRC_WATERMARK] = s->st[LL_SRC_WATERMARK].level;
	if (c->memavail.enable && !src_read_meminfo(s))
		levels[LL_SRC_MEMAVAIL] = s->st[LL_SRC_MEMAVAIL].level;
	if (c->netstat.enable && !src_read_netstat(s))
		levels[LL_SRC_NETSTAT] = s->st[LL_SRC_NETSTAT].level;
	if (c->memcg.enable && !src_read_memcg(s, now_ns))
		levels[LL_SRC_MEMCG] = s->st[LL_SRC_MEMCG].level;
	/* a source that stopped reading says nothing: fail open */
	for (int i = 0; i < LL_SRC_MAX; i++)
		if (levels[i] == LL_LEVEL_NONE)
			s->st[i].level = LL_LEVEL_NONE;
}
