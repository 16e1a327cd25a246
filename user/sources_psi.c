// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Pressure source "psi": /proc/pressure/memory, its parser, evaluator and
 * reader, and the PSI trigger that wakes the daemon's loop early.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "sources.h"
#include "sources_int.h"

/* A non-negative decimal, digits[.digits], as in the PSI averages. */
static int parse_dec(const char *s, size_t len, double *out)
{
	double v = 0, scale = 1;
	size_t i = 0, digits = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		v = v * 10 + (s[i] - '0');
		if (v > 1e15)
			return -ERANGE;
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
	}
	if (i != len || !digits)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "key=value" with the expected key; value parsed as a decimal or a u64. */
static int kv_dec(const char *tok, size_t len, const char *key, double *out)
{
	size_t k = strlen(key);

	if (len <= k || memcmp(tok, key, k) || tok[k] != '=')
		return -EINVAL;
	return parse_dec(tok + k + 1, len - k - 1, out);
}

static int kv_u64(const char *tok, size_t len, const char *key, __u64 *out)
{
	size_t k = strlen(key);

	if (len <= k || memcmp(tok, key, k) || tok[k] != '=')
		return -EINVAL;
	return src_parse_u64(tok + k + 1, len - k - 1, out);
}

int ll_psi_parse(const char *buf, size_t len, struct ll_psi *out)
{
	const char *p = buf, *end = buf + len, *line, *lp, *tok;
	size_t ll, tl;

	memset(out, 0, sizeof(*out));
	while (src_line_next(&p, end, &line, &ll)) {
		struct ll_psi_line *l;
		int kind;

		lp = line;
		if (!src_tok_next(&lp, line + ll, &tok, &tl))
			continue;
		if (src_tok_is(tok, tl, "some"))
			kind = LL_PSI_SOME;
		else if (src_tok_is(tok, tl, "full"))
			kind = LL_PSI_FULL;
		else
			return -EINVAL;
		l = &out->l[kind];
		if (!src_tok_next(&lp, line + ll, &tok, &tl) || kv_dec(tok, tl, "avg10", &l->avg10))
			return -EINVAL;
		if (!src_tok_next(&lp, line + ll, &tok, &tl) || kv_dec(tok, tl, "avg60", &l->avg60))
			return -EINVAL;
		if (!src_tok_next(&lp, line + ll, &tok, &tl) || kv_dec(tok, tl, "avg300", &l->avg300))
			return -EINVAL;
		if (!src_tok_next(&lp, line + ll, &tok, &tl) || kv_u64(tok, tl, "total", &l->total))
			return -EINVAL;
		if (l->avg10 > 100 || l->avg60 > 100 || l->avg300 > 100)
			return -EINVAL;
		out->present |= 1U << kind;
	}
	return out->present & (1U << LL_PSI_SOME) ? 0 : -EINVAL;
}

double ll_psi_growth(const struct ll_psi *prev, const struct ll_psi *cur, int kind, __u64 dt_ns)
{
	double pct;

	if (!prev || !dt_ns || !(prev->present & cur->present & (1U << kind)))
		return 0;
	if (cur->l[kind].total < prev->l[kind].total)
		return 0;
	pct = (double)(cur->l[kind].total - prev->l[kind].total) * 1000.0 * 100.0 / (double)dt_ns;
	return pct > 100 ? 100 : pct;
}

__u32 ll_psi_eval(const struct ll_psi_cfg *c, const struct ll_psi *prev, const struct ll_psi *cur,
		  __u64 dt_ns, char *why, size_t len)
{
	double g[LL_PSI_KINDS], m[LL_PSI_KINDS];
	__u32 level;

	for (int k = 0; k < LL_PSI_KINDS; k++) {
		g[k] = ll_psi_growth(prev, cur, k, dt_ns);
		m[k] = cur->l[k].avg10 > g[k] ? cur->l[k].avg10 : g[k];
	}
	level = src_level_above(m[LL_PSI_SOME], c->some);
	if (cur->present & (1U << LL_PSI_FULL))
		level = src_max_level(level, src_level_above(m[LL_PSI_FULL], c->full));
	snprintf(why, len, "psi some avg10=%.2f%% now=%.1f%%, full avg10=%.2f%% now=%.1f%%",
		 cur->l[LL_PSI_SOME].avg10, g[LL_PSI_SOME], cur->l[LL_PSI_FULL].avg10,
		 g[LL_PSI_FULL]);
	return level;
}

void src_psi_trigger_close(struct ll_sources *s)
{
	if (s->trigger_fd >= 0)
		close(s->trigger_fd);
	s->trigger_fd = -1;
}

/*
 * Tries to arm a PSI trigger; it only wakes the loop early, readings are
 * taken every tick either way. Without CAP_SYS_RESOURCE the kernel takes
 * only windows that are whole multiples of 2 s, and a fake proc tree has
 * no triggers at all.
 */
void src_psi_trigger_arm(struct ll_sources *s)
{
	const struct ll_psi_cfg *c = &s->cfg->psi;
	char path[PATH_MAX];
	struct statfs st;
	int fd, n;

	src_psi_trigger_close(s);
	s->armed_enable = c->enable;
	snprintf(s->armed_for, sizeof(s->armed_for), "%s", c->trigger);
	if (!c->enable) {
		s->psi_mode = LL_PSI_OFF;
		return;
	}
	s->psi_mode = LL_PSI_POLL;
	if (!c->trigger[0]) {
		s->log(LOG_INFO,
		       "psi: no trigger configured, polling %s/proc/pressure/memory every tick",
		       s->proc_root);
		return;
	}
	n = snprintf(path, sizeof(path), "%s/proc/pressure/memory", s->proc_root);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		s->log(LOG_INFO, "psi: cannot open %s for a trigger (%s), polling every tick", path,
		       strerror(errno));
		return;
	}
	if (fstatfs(fd, &st) || st.f_type != PROC_SUPER_MAGIC) {
		/* writing a trigger into a fake tree would overwrite the file */
		s->log(LOG_INFO, "psi: %s is not procfs, polling every tick", path);
		close(fd);
		return;
	}
	if (write(fd, c->trigger, strlen(c->trigger) + 1) < 0) {
		int e = errno;

		s->log(LOG_INFO, "psi: trigger \"%s\" refused (%s)%s, polling %s every tick",
		       c->trigger, strerror(e),
		       e == EINVAL || e == EPERM ?
		       "; without CAP_SYS_RESOURCE the window must be a multiple of 2 s" : "",
		       path);
		close(fd);
		return;
	}
	s->trigger_fd = fd;
	s->psi_mode = LL_PSI_TRIGGER;
	s->log(LOG_INFO, "psi: trigger \"%s\" armed on %s (wakes the loop), polling every tick too",
	       c->trigger, path);
}

int src_read_psi(struct ll_sources *s, __u64 now)
{
	struct ll_src_state *st = &s->st[LL_SRC_PSI];
	struct ll_psi cur;
	long n = src_read_rel(s, s->proc_root, "/proc/pressure/memory");
	int err = n < 0 ? (int)n : ll_psi_parse(s->buf, (size_t)n, &cur);

	src_error(s, LL_SRC_PSI, err, "/proc/pressure/memory");
	if (err)
		return err;
	st->level = ll_psi_eval(&s->cfg->psi, s->psi_have ? &s->psi : NULL, &cur,
				now - s->psi_ns, st->why, sizeof(st->why));
	s->psi = cur;
	s->psi_ns = now;
	s->psi_have = 1;
	return 0;
}
