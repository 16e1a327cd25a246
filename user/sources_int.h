/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the pressure source files share (sources.c and one file per family:
 * sources_psi.c, sources_mem.c, sources_netstat.c, sources_memcg.c); not an
 * interface: the public one is sources.h.
 */
#ifndef LL_SOURCES_INT_H
#define LL_SOURCES_INT_H

#include <stddef.h>
#include <linux/types.h>
#include "sources.h"

#define U64_MAX_ (~0ULL)

/* ---- the cursor (sources.c): [*p, end), no NUL needed ---- */

/* Next line of [*p, end) without its newline; returns 0 at the end. */
int src_line_next(const char **p, const char *end, const char **line, size_t *len);
/* Next whitespace-separated token of [*p, end); returns 0 when there is none. */
int src_tok_next(const char **p, const char *end, const char **tok, size_t *len);
int src_tok_is(const char *tok, size_t len, const char *word);
int src_parse_u64(const char *s, size_t len, __u64 *out);

/* ---- thresholds (sources.c) ---- */

__u32 src_level_above(double v, const double t[LL_T_MAX]);
__u32 src_level_above_u64(__u64 v, const __u64 t[LL_T_MAX]);
__u32 src_max_level(__u32 a, __u32 b);
/* A counter's growth; one that went back was reset and grew by 0. */
__u64 src_growth(__u64 prev, __u64 cur);

/* ---- reading (sources.c) ---- */

/* root + rel read into s->buf; the length or -errno. */
long src_read_rel(struct ll_sources *s, const char *root, const char *rel);
/* Logs a source that stops or starts reading, once per change. */
void src_error(struct ll_sources *s, int src, int err, const char *what);

/* ---- the families' readers: 0 and st[src] set, or -errno ---- */

void src_psi_trigger_arm(struct ll_sources *s);
void src_psi_trigger_close(struct ll_sources *s);
int src_read_psi(struct ll_sources *s, __u64 now);
int src_read_zoneinfo(struct ll_sources *s);
int src_read_meminfo(struct ll_sources *s);
int src_read_netstat(struct ll_sources *s);
int src_read_memcg(struct ll_sources *s, __u64 now);

#endif
