// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Pressure source "netstat": TcpExt PFMemallocDrop of /proc/net/netstat,
 * its parser, evaluator and reader.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "sources.h"
#include "sources_int.h"

int ll_netstat_parse(const char *buf, size_t len, struct ll_netstat *out)
{
	const char *p = buf, *end = buf + len, *line, *lp, *tok;
	size_t ll, tl;
	long col = -1;

	memset(out, 0, sizeof(*out));
	while (src_line_next(&p, end, &line, &ll)) {
		long i = 0;

		lp = line;
		if (!src_tok_next(&lp, line + ll, &tok, &tl) || !src_tok_is(tok, tl, "TcpExt:"))
			continue;
		if (col < 0) {
			/* the header line: find the column */
			while (src_tok_next(&lp, line + ll, &tok, &tl)) {
				if (src_tok_is(tok, tl, "PFMemallocDrop")) {
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
		while (src_tok_next(&lp, line + ll, &tok, &tl)) {
			if (i++ == col)
				return src_parse_u64(tok, tl, &out->pfmemalloc_drop);
		}
		return -EINVAL;
	}
	return col < 0 ? -ENOENT : -EINVAL;
}

__u32 ll_netstat_eval(const struct ll_netstat_cfg *c, const struct ll_netstat *prev,
		      const struct ll_netstat *cur, char *why, size_t len)
{
	__u64 d = prev ? src_growth(prev->pfmemalloc_drop, cur->pfmemalloc_drop) : 0;

	snprintf(why, len, "TcpExt PFMemallocDrop +%llu (total %llu)", (unsigned long long)d,
		 (unsigned long long)cur->pfmemalloc_drop);
	return src_level_above_u64(d, c->drops);
}

int src_read_netstat(struct ll_sources *s)
{
	struct ll_src_state *st = &s->st[LL_SRC_NETSTAT];
	struct ll_netstat cur;
	long n = src_read_rel(s, s->proc_root, "/proc/net/netstat");
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
