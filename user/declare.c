// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The registry file (see declare.h): what its parts share -- the names,
 * init and free, the item arrays, and the orders used to find duplicates
 * (declare_parse.c) and to compare a file with the state (declare_apply.c).
 * The grammar is in declare_parse.c, the rendering and the kernel state in
 * declare_state.c, the difference and apply in declare_apply.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "declare_int.h"

const char *const ll_decl_tune_names[LL_TUNE_MAX] = {
	"--priority", "--mark", "--rcvbuf", "--sndbuf", "--budget-rate", "--budget-burst",
	"--budget-pps", "--observe",
};

const char *const decl_mode_names[DECL_NMODES] = { "auto", "xdp", "native", "generic", "tc" };

void ll_decl_init(struct ll_decl *d)
{
	memset(d, 0, sizeof(*d));
	d->strict = -1;
}

void ll_decl_free(struct ll_decl *d)
{
	for (size_t i = 0; i < d->nfiles; i++)
		free(d->files[i]);
	free(d->files);
	free(d->ifs);
	free(d->ifs_src);
	free(d->recs);
	free(d->recs_src);
	free(d->recs_id);
	free(d->keys);
	free(d->kflags);
	free(d->keys_src);
	free(d->cgs);
	free(d->cgs_src);
	free(d->socks);
	free(d->socks_src);
	free(d->once);
	ll_decl_init(d);
}

/* Grows the arrays of one kind of item to hold one more. */
int decl_grow(void **a, size_t size, size_t n, size_t *cap, void **b, size_t bsize, void **c,
	      size_t csize)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (!(p = realloc(*a, ncap * size)))
		return -ENOMEM;
	*a = p;
	if (b) {
		if (!(p = realloc(*b, ncap * bsize)))
			return -ENOMEM;
		*b = p;
	}
	if (c) {
		if (!(p = realloc(*c, ncap * csize)))
			return -ENOMEM;
		*c = p;
	}
	*cap = ncap;
	return 0;
}

const char *decl_src_file(const struct ll_decl *d, struct ll_decl_src s)
{
	return s.file < d->nfiles ? d->files[s.file] : "?";
}

/* ---------------------------------------------------------------- comparing */

int decl_rec_cmp(const struct ll_rule_rec *a, const struct ll_rule_rec *b)
{
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->is_v4 != b->is_v4)
		return a->is_v4 < b->is_v4 ? -1 : 1;
	if ((c = memcmp(a->addr, b->addr, 16)))
		return c;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	if (a->nranges != b->nranges)
		return a->nranges < b->nranges ? -1 : 1;
	for (int i = 0; i < a->nranges && i < LL_RULE_MAX_RANGES; i++) {
		if (a->ranges[i].lo != b->ranges[i].lo)
			return a->ranges[i].lo < b->ranges[i].lo ? -1 : 1;
		if (a->ranges[i].hi != b->ranges[i].hi)
			return a->ranges[i].hi < b->ranges[i].hi ? -1 : 1;
	}
	return 0;
}

int decl_key_cmp(const struct ll_flow_key *a, const struct ll_flow_key *b)
{
	int c = memcmp(a->remote, b->remote, 16);

	if (!c)
		c = memcmp(a->local, b->local, 16);
	if (!c)
		c = a->remote_port != b->remote_port ? (be16toh(a->remote_port) <
							be16toh(b->remote_port) ? -1 : 1) : 0;
	if (!c)
		c = a->local_port != b->local_port ? (be16toh(a->local_port) <
						      be16toh(b->local_port) ? -1 : 1) : 0;
	if (!c)
		c = a->proto != b->proto ? (a->proto < b->proto ? -1 : 1) : 0;
	return c;
}

/* Index sorts (qsort_r), ties by position so the first written comes first. */
int decl_idx_rec_cmp(const void *x, const void *y, void *arg)
{
	const struct ll_rule_rec *r = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = decl_rec_cmp(&r[a], &r[b]);

	return c ? c : (a > b) - (a < b);
}

int decl_idx_name_cmp(const void *x, const void *y, void *arg)
{
	const struct ll_rule_rec *r = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = strncmp(r[a].name, r[b].name, LL_NAME_LEN);

	return c ? c : (a > b) - (a < b);
}

int decl_idx_key_cmp(const void *x, const void *y, void *arg)
{
	const struct ll_flow_key *k = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = decl_key_cmp(&k[a], &k[b]);

	return c ? c : (a > b) - (a < b);
}

size_t *decl_index_of(size_t n, int (*cmp)(const void *, const void *, void *), void *arg)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp, arg);
	return idx;
}
