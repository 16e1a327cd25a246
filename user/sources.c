// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Memory pressure sources: parsers (buffer in, struct out), evaluators
 * (reading + thresholds -> level) and the readers the daemon calls each
 * tick. The parsers walk the buffer with a cursor and never need a NUL,
 * so any byte string is a valid input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "sources.h"
#include "engine.h"

#define U64_MAX_ (~0ULL)

/* ---- cursor helpers ---- */

/* Next line of [*p, end) without its newline; returns 0 at the end. */
static int line_next(const char **p, const char *end, const char **line, size_t *len)
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
static int tok_next(const char **p, const char *end, const char **tok, size_t *len)
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

static int tok_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(tok, word, len);
}

static int parse_u64(const char *s, size_t len, __u64 *out)
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
	return parse_u64(tok + k + 1, len - k - 1, out);
}

/* ---- parsers ---- */

int ll_psi_parse(const char *buf, size_t len, struct ll_psi *out)
{
	const char *p = buf, *end = buf + len, *line, *lp, *tok;
	size_t ll, tl;

	memset(out, 0, sizeof(*out));
	while (line_next(&p, end, &line, &ll)) {
		struct ll_psi_line *l;
		int kind;

		lp = line;
		if (!tok_next(&lp, line + ll, &tok, &tl))
			continue;
		if (tok_is(tok, tl, "some"))
			kind = LL_PSI_SOME;
		else if (tok_is(tok, tl, "full"))
			kind = LL_PSI_FULL;
		else
			return -EINVAL;
		l = &out->l[kind];
		if (!tok_next(&lp, line + ll, &tok, &tl) || kv_dec(tok, tl, "avg10", &l->avg10))
			return -EINVAL;
		if (!tok_next(&lp, line + ll, &tok, &tl) || kv_dec(tok, tl, "avg60", &l->avg60))
			return -EINVAL;
		if (!tok_next(&lp, line + ll, &tok, &tl) || kv_dec(tok, tl, "avg300", &l->avg300))
			return -EINVAL;
		if (!tok_next(&lp, line + ll, &tok, &tl) || kv_u64(tok, tl, "total", &l->total))
			return -EINVAL;
		if (l->avg10 > 100 || l->avg60 > 100 || l->avg300 > 100)
			return -EINVAL;
		out->present |= 1U << kind;
	}
	return out->present & (1U << LL_PSI_SOME) ? 0 : -EINVAL;
}

struct zone_acc {
	__u64 free, min, low, high, managed;
	int have_managed, open;
};

static void zone_commit(struct zone_acc *z, struct ll_zoneinfo *out)
{
	/* Zones without managed pages (Movable, Device when unused) only add noise. */
	if (z->open && (!z->have_managed || z->managed)) {
		out->free += z->free;
		out->min += z->min;
		out->low += z->low;
		out->high += z->high;
		out->zones++;
	}
	memset(z, 0, sizeof(*z));
}

int ll_zoneinfo_parse(const char *buf, size_t len, struct ll_zoneinfo *out)
{
	const char *p = buf, *end = buf + len, *line, *lp, *t1, *t2, *t3;
	struct zone_acc z = {};
	size_t ll, l1, l2, l3;
	__u64 v;

	memset(out, 0, sizeof(*out));
	while (line_next(&p, end, &line, &ll)) {
		lp = line;
		if (!tok_next(&lp, line + ll, &t1, &l1))
			continue;
		if (tok_is(t1, l1, "Node")) {
			zone_commit(&z, out);
			z.open = 1;
			continue;
		}
		if (!z.open || !tok_next(&lp, line + ll, &t2, &l2))
			continue;
		/* "pages free N", "min N", "low N", "high N", "managed N"; pagesets say "high:" */
		if (tok_is(t1, l1, "pages") && tok_is(t2, l2, "free")) {
			if (!tok_next(&lp, line + ll, &t3, &l3) || parse_u64(t3, l3, &z.free))
				return -EINVAL;
			continue;
		}
		if (tok_next(&lp, line + ll, &t3, &l3))
			continue;
		if (!tok_is(t1, l1, "min") && !tok_is(t1, l1, "low") && !tok_is(t1, l1, "high") &&
		    !tok_is(t1, l1, "managed"))
			continue;
		if (parse_u64(t2, l2, &v))
			return -EINVAL;
		if (tok_is(t1, l1, "min"))
			z.min = v;
		else if (tok_is(t1, l1, "low"))
			z.low = v;
		else if (tok_is(t1, l1, "high"))
			z.high = v;
		else {
			z.managed = v;
			z.have_managed = 1;
		}
	}
	zone_commit(&z, out);
	if (!out->zones)
		return -EINVAL;
	if (out->min > out->low || out->low > out->high)
		return -EINVAL;
	return 0;
}

double ll_zoneinfo_headroom(const struct ll_zoneinfo *z)
{
	double span = (double)z->high - (double)z->min;

	if (span <= 0)
		return z->free > z->min ? 100.0 : 0.0;
	return ((double)z->free - (double)z->min) * 100.0 / span;
}

int ll_meminfo_parse(const char *buf, size_t len, struct ll_meminfo *out)
{
	const char *p = buf, *end = buf + len, *line, *lp, *t1, *t2, *t3;
	size_t ll, l1, l2, l3;
	int have_total = 0, have_avail = 0;
	__u64 v, mul;

	memset(out, 0, sizeof(*out));
	while (line_next(&p, end, &line, &ll)) {
		__u64 *dst;
		int *have;

		lp = line;
		if (!tok_next(&lp, line + ll, &t1, &l1))
			continue;
		if (tok_is(t1, l1, "MemTotal:")) {
			dst = &out->total;
			have = &have_total;
		} else if (tok_is(t1, l1, "MemAvailable:")) {
			dst = &out->available;
			have = &have_avail;
		} else {
			continue;
		}
		if (!tok_next(&lp, line + ll, &t2, &l2) || parse_u64(t2, l2, &v))
			return -EINVAL;
		mul = 1;
		if (tok_next(&lp, line + ll, &t3, &l3)) {
			if (!tok_is(t3, l3, "kB"))
				return -EINVAL;
			mul = 1024;
		}
		if (v > U64_MAX_ / mul)
			return -ERANGE;
		*dst = v * mul;
		*have = 1;
	}
	if (!have_total || !out->total)
		return -EINVAL;
	return have_avail ? 0 : -ENOENT;
}

int ll_netstat_parse(const char *buf, size_t len, struct ll_netstat *out)
{
	const char *p = buf, *end = buf + len, *line, *lp, *tok;
	size_t ll, tl;
	long col = -1;

	memset(out, 0, sizeof(*out));
	while (line_next(&p, end, &line, &ll)) {
		long i = 0;

		lp = line;
		if (!tok_next(&lp, line + ll, &tok, &tl) || !tok_is(tok, tl, "TcpExt:"))
			continue;
		if (col < 0) {
			/* the header line: find the column */
			while (tok_next(&lp, line + ll, &tok, &tl)) {
				if (tok_is(tok, tl, "PFMemallocDrop")) {
					col = i;
					break;
				}
				i++;
			}
			if (col < 0)
				return -ENOENT;
			continue;
		}
		/* the value line */
		while (tok_next(&lp, line + ll, &tok, &tl)) {
			if (i++ == col)
				return parse_u64(tok, tl, &out->pfmemalloc_drop);
		}
		return -EINVAL;
	}
	return col < 0 ? -ENOENT : -EINVAL;
}

int ll_memcg_events_parse(const char *buf, size_t len, struct ll_memcg_events *out)
{
	const char *p = buf, *end = buf + len, *line, *lp, *t1, *t2;
	size_t ll, l1, l2;
	int seen = 0;

	memset(out, 0, sizeof(*out));
	while (line_next(&p, end, &line, &ll)) {
		__u64 *dst = NULL;

		lp = line;
		if (!tok_next(&lp, line + ll, &t1, &l1))
			continue;
		if (!tok_next(&lp, line + ll, &t2, &l2))
			return -EINVAL;
		if (tok_is(t1, l1, "low"))
			dst = &out->low;
		else if (tok_is(t1, l1, "high"))
			dst = &out->high;
		else if (tok_is(t1, l1, "max"))
			dst = &out->max;
		else if (tok_is(t1, l1, "oom"))
			dst = &out->oom;
		else if (tok_is(t1, l1, "oom_kill"))
			dst = &out->oom_kill;
		if (dst) {
			if (parse_u64(t2, l2, dst))
				return -EINVAL;
			seen++;
		}
	}
	return seen ? 0 : -EINVAL;
}

int ll_u64_file_parse(const char *buf, size_t len, __u64 *out)
{
	const char *p = buf, *end = buf + len, *line, *lp, *tok;
	size_t ll, tl;

	if (!line_next(&p, end, &line, &ll))
		return -EINVAL;
	lp = line;
	if (!tok_next(&lp, line + ll, &tok, &tl))
		return -EINVAL;
	if (tok_is(tok, tl, "max"))
		*out = U64_MAX_;
	else if (parse_u64(tok, tl, out))
		return -EINVAL;
	/* nothing else: not on the line, not after it */
	if (tok_next(&lp, line + ll, &tok, &tl))
		return -EINVAL;
	while (p < end && (*p == '\n' || *p == ' ' || *p == '\t'))
		p++;
	return p == end ? 0 : -EINVAL;
}

/* ---- evaluators ---- */

static __u32 level_above(double v, const double t[LL_T_MAX])
{
	if (t[LL_T_CRITICAL] > 0 && v >= t[LL_T_CRITICAL])
		return LL_LEVEL_CRITICAL;
	if (t[LL_T_ELEVATED] > 0 && v >= t[LL_T_ELEVATED])
		return LL_LEVEL_ELEVATED;
	return LL_LEVEL_NONE;
}

static __u32 max_level(__u32 a, __u32 b)
{
	return a > b ? a : b;
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
	level = level_above(m[LL_PSI_SOME], c->some);
	if (cur->present & (1U << LL_PSI_FULL))
		level = max_level(level, level_above(m[LL_PSI_FULL], c->full));
	snprintf(why, len, "psi some avg10=%.2f%% now=%.1f%%, full avg10=%.2f%% now=%.1f%%",
		 cur->l[LL_PSI_SOME].avg10, g[LL_PSI_SOME], cur->l[LL_PSI_FULL].avg10,
		 g[LL_PSI_FULL]);
	return level;
}

__u32 ll_wmark_eval(const struct ll_wmark_cfg *c, const struct ll_zoneinfo *z, char *why,
		    size_t len)
{
	double h = ll_zoneinfo_headroom(z);
	__u32 level = LL_LEVEL_NONE;

	if (c->headroom[LL_T_CRITICAL] > 0 && h < c->headroom[LL_T_CRITICAL])
		level = LL_LEVEL_CRITICAL;
	else if (c->headroom[LL_T_ELEVATED] > 0 && h < c->headroom[LL_T_ELEVATED])
		level = LL_LEVEL_ELEVATED;
	snprintf(why, len, "zoneinfo free=%llu pages, watermarks min=%llu low=%llu high=%llu, "
		 "headroom=%.0f%%", (unsigned long long)z->free, (unsigned long long)z->min,
		 (unsigned long long)z->low, (unsigned long long)z->high, h);
	return level;
}

static int amount_below(const struct ll_amount *a, __u64 v, __u64 total)
{
	if (a->value <= 0)
		return 0;
	if (a->pct)
		return total && (double)v * 100.0 / (double)total < a->value;
	return (double)v < a->value;
}

__u32 ll_memavail_eval(const struct ll_memavail_cfg *c, const struct ll_meminfo *m, char *why,
		       size_t len)
{
	__u32 level = LL_LEVEL_NONE;

	if (amount_below(&c->below[LL_T_CRITICAL], m->available, m->total))
		level = LL_LEVEL_CRITICAL;
	else if (amount_below(&c->below[LL_T_ELEVATED], m->available, m->total))
		level = LL_LEVEL_ELEVATED;
	snprintf(why, len, "MemAvailable %llu MiB of %llu MiB (%.1f%%)",
		 (unsigned long long)(m->available >> 20), (unsigned long long)(m->total >> 20),
		 m->total ? (double)m->available * 100.0 / (double)m->total : 0.0);
	return level;
}

static __u32 level_above_u64(__u64 v, const __u64 t[LL_T_MAX])
{
	if (t[LL_T_CRITICAL] && v >= t[LL_T_CRITICAL])
		return LL_LEVEL_CRITICAL;
	if (t[LL_T_ELEVATED] && v >= t[LL_T_ELEVATED])
		return LL_LEVEL_ELEVATED;
	return LL_LEVEL_NONE;
}

static __u64 growth(__u64 prev, __u64 cur)
{
	return cur > prev ? cur - prev : 0;	/* a counter that went back was reset */
}

__u32 ll_netstat_eval(const struct ll_netstat_cfg *c, const struct ll_netstat *prev,
		      const struct ll_netstat *cur, char *why, size_t len)
{
	__u64 d = prev ? growth(prev->pfmemalloc_drop, cur->pfmemalloc_drop) : 0;

	snprintf(why, len, "TcpExt PFMemallocDrop +%llu (total %llu)", (unsigned long long)d,
		 (unsigned long long)cur->pfmemalloc_drop);
	return level_above_u64(d, c->drops);
}

__u32 ll_memcg_eval(const struct ll_memcg_cfg *c, const struct ll_memcg *prev,
		    const struct ll_memcg *cur, __u64 dt_ns, char *why, size_t len)
{
	__u32 level = LL_LEVEL_NONE;
	double some = 0, usage = -1;
	__u64 high = 0, max = 0;
	int n;

	if (cur->has_pressure) {
		double g = ll_psi_growth(prev && prev->has_pressure ? &prev->pressure : NULL,
					 &cur->pressure, LL_PSI_SOME, dt_ns);

		some = cur->pressure.l[LL_PSI_SOME].avg10 > g ? cur->pressure.l[LL_PSI_SOME].avg10
							      : g;
		level = max_level(level, level_above(some, c->pressure));
	}
	if (cur->has_usage && cur->limit != U64_MAX_ && cur->limit) {
		usage = (double)cur->usage * 100.0 / (double)cur->limit;
		level = max_level(level, level_above(usage, c->usage));
	}
	if (c->events && cur->has_events && prev && prev->has_events) {
		high = growth(prev->events.high, cur->events.high);
		max = growth(prev->events.max, cur->events.max) +
		      growth(prev->events.oom, cur->events.oom) +
		      growth(prev->events.oom_kill, cur->events.oom_kill);
		if (max)
			level = LL_LEVEL_CRITICAL;
		else if (high)
			level = max_level(level, LL_LEVEL_ELEVATED);
	}
	n = snprintf(why, len, "memcg v%d %s: some=%.1f%%", cur->version, c->path, some);
	if (n > 0 && (size_t)n < len && usage >= 0)
		n += snprintf(why + n, len - (size_t)n, ", usage %.1f%% of %llu MiB", usage,
			      (unsigned long long)(cur->limit >> 20));
	if (n > 0 && (size_t)n < len && (high || max))
		snprintf(why + n, len - (size_t)n, ", events high+%llu max/oom+%llu",
			 (unsigned long long)high, (unsigned long long)max);
	return level;
}

/* ---- readers ---- */

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

static long read_rel(struct ll_sources *s, const char *root, const char *rel)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s%s", root, rel);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return ll_read_file(path, s->buf, sizeof(s->buf));
}

static void psi_trigger_close(struct ll_sources *s)
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
static void psi_trigger_arm(struct ll_sources *s)
{
	const struct ll_psi_cfg *c = &s->cfg->psi;
	char path[PATH_MAX];
	struct statfs st;
	int fd, n;

	psi_trigger_close(s);
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
	psi_trigger_arm(s);
	return 0;
}

void ll_sources_reconfigure(struct ll_sources *s, const struct ll_sources_cfg *cfg)
{
	s->cfg = cfg;
	if (s->armed_enable != cfg->psi.enable || strcmp(s->armed_for, cfg->psi.trigger))
		psi_trigger_arm(s);
	s->memcg_have = 0;	/* the cgroup may have changed */
}

void ll_sources_close(struct ll_sources *s)
{
	psi_trigger_close(s);
}

/* Logs a source that stops or starts reading, once per change. */
static void src_error(struct ll_sources *s, int src, int err, const char *what)
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

static int read_psi(struct ll_sources *s, __u64 now)
{
	struct ll_src_state *st = &s->st[LL_SRC_PSI];
	struct ll_psi cur;
	long n = read_rel(s, s->proc_root, "/proc/pressure/memory");
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

static int read_zoneinfo(struct ll_sources *s)
{
	struct ll_src_state *st = &s->st[LL_SRC_WATERMARK];
	long n = read_rel(s, s->proc_root, "/proc/zoneinfo");
	int err = n < 0 ? (int)n : ll_zoneinfo_parse(s->buf, (size_t)n, &s->zoneinfo);

	src_error(s, LL_SRC_WATERMARK, err, "/proc/zoneinfo");
	if (err)
		return err;
	st->level = ll_wmark_eval(&s->cfg->wmark, &s->zoneinfo, st->why, sizeof(st->why));
	return 0;
}

static int read_meminfo(struct ll_sources *s)
{
	struct ll_src_state *st = &s->st[LL_SRC_MEMAVAIL];
	long n = read_rel(s, s->proc_root, "/proc/meminfo");
	int err = n < 0 ? (int)n : ll_meminfo_parse(s->buf, (size_t)n, &s->meminfo);

	src_error(s, LL_SRC_MEMAVAIL, err, "/proc/meminfo");
	if (err)
		return err;
	st->level = ll_memavail_eval(&s->cfg->memavail, &s->meminfo, st->why, sizeof(st->why));
	return 0;
}

static int read_netstat(struct ll_sources *s)
{
	struct ll_src_state *st = &s->st[LL_SRC_NETSTAT];
	struct ll_netstat cur;
	long n = read_rel(s, s->proc_root, "/proc/net/netstat");
	int err = n < 0 ? (int)n : ll_netstat_parse(s->buf, (size_t)n, &cur);

	src_error(s, LL_SRC_NETSTAT, err, "/proc/net/netstat");
	if (err)
		return err;
	st->level = ll_netstat_eval(&s->cfg->netstat, s->netstat_have ? &s->netstat : NULL, &cur,
				    st->why, sizeof(st->why));
	s->netstat = cur;
	s->netstat_have = 1;
	return 0;
}

static long read_cg(struct ll_sources *s, const char *sub, const char *file)
{
	const struct ll_memcg_cfg *c = &s->cfg->memcg;
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s%s/%s/%s", c->root, sub, c->path, file);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return ll_read_file(path, s->buf, sizeof(s->buf));
}

static int read_memcg_v2(struct ll_sources *s, struct ll_memcg *cur)
{
	long n;

	cur->version = 2;
	n = read_cg(s, "", "memory.pressure");
	if (n >= 0 && !ll_psi_parse(s->buf, (size_t)n, &cur->pressure))
		cur->has_pressure = 1;
	n = read_cg(s, "", "memory.events");
	if (n >= 0 && !ll_memcg_events_parse(s->buf, (size_t)n, &cur->events))
		cur->has_events = 1;
	n = read_cg(s, "", "memory.current");
	if (n >= 0 && !ll_u64_file_parse(s->buf, (size_t)n, &cur->usage)) {
		n = read_cg(s, "", "memory.max");
		if (n >= 0 && !ll_u64_file_parse(s->buf, (size_t)n, &cur->limit))
			cur->has_usage = 1;
	}
	return cur->has_pressure || cur->has_events || cur->has_usage ? 0 : -ENOENT;
}

static int read_memcg_v1(struct ll_sources *s, struct ll_memcg *cur)
{
	long n;
	int err;

	cur->version = 1;
	n = read_cg(s, "/memory", "memory.usage_in_bytes");
	if (n < 0)
		return (int)n;
	err = ll_u64_file_parse(s->buf, (size_t)n, &cur->usage);
	if (err)
		return err;
	n = read_cg(s, "/memory", "memory.limit_in_bytes");
	if (n < 0)
		return (int)n;
	err = ll_u64_file_parse(s->buf, (size_t)n, &cur->limit);
	if (err)
		return err;
	/* v1 says "no limit" with a huge page-aligned number */
	if (cur->limit >= (1ULL << 62))
		cur->limit = U64_MAX_;
	cur->has_usage = 1;
	return 0;
}

static int read_memcg(struct ll_sources *s, __u64 now)
{
	const struct ll_memcg_cfg *c = &s->cfg->memcg;
	struct ll_src_state *st = &s->st[LL_SRC_MEMCG];
	struct ll_memcg cur = {};
	int err;

	if (c->version == 2)
		err = read_memcg_v2(s, &cur);
	else if (c->version == 1)
		err = read_memcg_v1(s, &cur);
	else {
		err = read_memcg_v2(s, &cur);
		if (err) {
			memset(&cur, 0, sizeof(cur));
			err = read_memcg_v1(s, &cur);
		}
	}
	src_error(s, LL_SRC_MEMCG, err, c->path);
	if (err)
		return err;
	st->level = ll_memcg_eval(c, s->memcg_have ? &s->memcg : NULL, &cur, now - s->memcg_ns,
				  st->why, sizeof(st->why));
	s->memcg = cur;
	s->memcg_ns = now;
	s->memcg_have = 1;
	return 0;
}

void ll_sources_sample(struct ll_sources *s, __u64 now_ns, __u32 levels[LL_SRC_MAX])
{
	const struct ll_sources_cfg *c = s->cfg;

	for (int i = 0; i < LL_SRC_MAX; i++)
		levels[i] = LL_LEVEL_NONE;
	if (c->psi.enable && !read_psi(s, now_ns))
		levels[LL_SRC_PSI] = s->st[LL_SRC_PSI].level;
	if (c->wmark.enable && !read_zoneinfo(s))
		levels[LL_SRC_WATERMARK] = s->st[LL_SRC_WATERMARK].level;
	if (c->memavail.enable && !read_meminfo(s))
		levels[LL_SRC_MEMAVAIL] = s->st[LL_SRC_MEMAVAIL].level;
	if (c->netstat.enable && !read_netstat(s))
		levels[LL_SRC_NETSTAT] = s->st[LL_SRC_NETSTAT].level;
	if (c->memcg.enable && !read_memcg(s, now_ns))
		levels[LL_SRC_MEMCG] = s->st[LL_SRC_MEMCG].level;
	/* a source that stopped reading says nothing: fail open */
	for (int i = 0; i < LL_SRC_MAX; i++)
		if (levels[i] == LL_LEVEL_NONE)
			s->st[i].level = LL_LEVEL_NONE;
}
