// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Pressure sources "watermark" (/proc/zoneinfo) and "memavail"
 * (/proc/meminfo): parsers, evaluators and readers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "sources.h"
#include "sources_int.h"

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
	while (src_line_next(&p, end, &line, &ll)) {
		lp = line;
		if (!src_tok_next(&lp, line + ll, &t1, &l1))
			continue;
		if (src_tok_is(t1, l1, "Node")) {
			zone_commit(&z, out);
			z.open = 1;
			continue;
		}
		if (!z.open || !src_tok_next(&lp, line + ll, &t2, &l2))
			continue;
		/* "pages free N", "min N", "low N", "high N", "managed N"; pagesets say "high:" */
		if (src_tok_is(t1, l1, "pages") && src_tok_is(t2, l2, "free")) {
			if (!src_tok_next(&lp, line + ll, &t3, &l3) || src_parse_u64(t3, l3, &z.free))
				return -EINVAL;
			continue;
		}
		if (src_tok_next(&lp, line + ll, &t3, &l3))
			continue;
		if (!src_tok_is(t1, l1, "min") && !src_tok_is(t1, l1, "low") && !src_tok_is(t1, l1, "high") &&
		    !src_tok_is(t1, l1, "managed"))
			continue;
		if (src_parse_u64(t2, l2, &v))
			return -EINVAL;
		if (src_tok_is(t1, l1, "min"))
			z.min = v;
		else if (src_tok_is(t1, l1, "low"))
			z.low = v;
		else if (src_tok_is(t1, l1, "high"))
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
	while (src_line_next(&p, end, &line, &ll)) {
		__u64 *dst;
		int *have;

		lp = line;
		if (!src_tok_next(&lp, line + ll, &t1, &l1))
			continue;
		if (src_tok_is(t1, l1, "MemTotal:")) {
			dst = &out->total;
			have = &have_total;
		} else if (src_tok_is(t1, l1, "MemAvailable:")) {
			dst = &out->available;
			have = &have_avail;
		} else {
			continue;
		}
		if (!src_tok_next(&lp, line + ll, &t2, &l2) || src_parse_u64(t2, l2, &v))
			return -EINVAL;
		mul = 1;
		if (src_tok_next(&lp, line + ll, &t3, &l3)) {
			if (!src_tok_is(t3, l3, "kB"))
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

int src_read_zoneinfo(struct ll_sources *s)
{
	struct ll_src_state *st = &s->st[LL_SRC_WATERMARK];
	long n = src_read_rel(s, s->proc_root, "/proc/zoneinfo");
	int err = n < 0 ? (int)n : ll_zoneinfo_parse(s->buf, (size_t)n, &s->zoneinfo);

	src_error(s, LL_SRC_WATERMARK, err, "/proc/zoneinfo");
	if (err)
		return err;
	st->level = ll_wmark_eval(&s->cfg->wmark, &s->zoneinfo, st->why, sizeof(st->why));
	return 0;
}

int src_read_meminfo(struct ll_sources *s)
{
	struct ll_src_state *st = &s->st[LL_SRC_MEMAVAIL];
	long n = src_read_rel(s, s->proc_root, "/proc/meminfo");
	int err = n < 0 ? (int)n : ll_meminfo_parse(s->buf, (size_t)n, &s->meminfo);

	src_error(s, LL_SRC_MEMAVAIL, err, "/proc/meminfo");
	if (err)
		return err;
	st->level = ll_memavail_eval(&s->cfg->memavail, &s->meminfo, st->why, sizeof(st->why));
	return 0;
}
