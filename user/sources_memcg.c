// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Pressure source "memcg": a cgroup's memory.pressure, memory.events and
 * usage against its limit (v2), or usage against its limit (v1): parsers,
 * evaluator and reader.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "sources.h"
#include "sources_int.h"

int ll_memcg_events_parse(const char *buf, size_t len, struct ll_memcg_events *out)
{
	const char *p = buf, *end = buf + len, *line, *lp, *t1, *t2;
	size_t ll, l1, l2;
	int seen = 0;

	memset(out, 0, sizeof(*out));
	while (src_line_next(&p, end, &line, &ll)) {
		__u64 *dst = NULL;

		lp = line;
		if (!src_tok_next(&lp, line + ll, &t1, &l1))
			continue;
		if (!src_tok_next(&lp, line + ll, &t2, &l2))
			return -EINVAL;
		if (src_tok_is(t1, l1, "low"))
			dst = &out->low;
		else if (src_tok_is(t1, l1, "high"))
			dst = &out->high;
		else if (src_tok_is(t1, l1, "max"))
			dst = &out->max;
		else if (src_tok_is(t1, l1, "oom"))
			dst = &out->oom;
		else if (src_tok_is(t1, l1, "oom_kill"))
			dst = &out->oom_kill;
		if (dst) {
			if (src_parse_u64(t2, l2, dst))
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

	if (!src_line_next(&p, end, &line, &ll))
		return -EINVAL;
	lp = line;
	if (!src_tok_next(&lp, line + ll, &tok, &tl))
		return -EINVAL;
	if (src_tok_is(tok, tl, "max"))
		*out = U64_MAX_;
	else if (src_parse_u64(tok, tl, out))
		return -EINVAL;
	/* nothing else: not on the line, not after it */
	if (src_tok_next(&lp, line + ll, &tok, &tl))
		return -EINVAL;
	while (p < end && (*p == '\n' || *p == ' ' || *p == '\t'))
		p++;
	return p == end ? 0 : -EINVAL;
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
		level = src_max_level(level, src_level_above(some, c->pressure));
	}
	if (cur->has_usage && cur->limit != U64_MAX_ && cur->limit) {
		usage = (double)cur->usage * 100.0 / (double)cur->limit;
		level = src_max_level(level, src_level_above(usage, c->usage));
	}
	if (c->events && cur->has_events && prev && prev->has_events) {
		high = src_growth(prev->events.high, cur->events.high);
		max = src_growth(prev->events.max, cur->events.max) +
		      src_growth(prev->events.oom, cur->events.oom) +
		      src_growth(prev->events.oom_kill, cur->events.oom_kill);
		if (max)
			level = LL_LEVEL_CRITICAL;
		else if (high)
			level = src_max_level(level, LL_LEVEL_ELEVATED);
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

int src_read_memcg(struct ll_sources *s, __u64 now)
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
