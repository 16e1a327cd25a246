/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the parts of the registry file share (declare.c, declare_parse.c,
 * declare_state.c, declare_apply.c); not for other users, see declare.h.
 */
#ifndef LL_DECLARE_INT_H
#define LL_DECLARE_INT_H

#include <stddef.h>
#include <stdio.h>
#include "declare.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__))
#define ALLOC(p, n) (!((p) = calloc((n) ? (n) : 1, sizeof(*(p)))))

#define DECL_LINE_MAX 4096
#define DECL_FILE_MAX (64UL << 20)
#define DECL_WORDS 16

/* "auto", "xdp", ..., indexed by enum ll_decl_mode */
#define DECL_NMODES (LL_DECL_TC + 1)
extern const char *const decl_mode_names[DECL_NMODES];

/* The sources of the items that d holds only once (settings, tables). */
struct decl_once {
	struct ll_decl_src tune[LL_TUNE_MAX], strict, max_flows, max_rules;
};

/* Grows the arrays of one kind of item to hold one more. */
int decl_grow(void **a, size_t size, size_t n, size_t *cap, void **b, size_t bsize, void **c,
	      size_t csize);
/* The file name of a source ("?" if unknown). */
const char *decl_src_file(const struct ll_decl *d, struct ll_decl_src s);

/* The orders: rules by meaning, flows by key. */
int decl_rec_cmp(const struct ll_rule_rec *a, const struct ll_rule_rec *b);
int decl_key_cmp(const struct ll_flow_key *a, const struct ll_flow_key *b);
/* Index sorts (qsort_r), ties by position so the first written comes first. */
int decl_idx_rec_cmp(const void *x, const void *y, void *arg);
int decl_idx_name_cmp(const void *x, const void *y, void *arg);
int decl_idx_key_cmp(const void *x, const void *y, void *arg);
/* The indexes 0..n-1 sorted by cmp over arg; malloc'ed, NULL on ENOMEM. */
size_t *decl_index_of(size_t n, int (*cmp)(const void *, const void *, void *), void *arg);

#endif /* LL_DECLARE_INT_H */
