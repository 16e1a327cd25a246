// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The registry file: parse, render, diff against the kernel state, apply.
 * Flow and allow lines go through the CLI's own parser (regargs.c), tune
 * values through tune's validators, so a line means what the same words
 * mean on the command line.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "config.h"
#include "declare.h"
#include "regargs.h"
#include "spec.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__))

#define DECL_LINE_MAX 4096
#define DECL_FILE_MAX (64UL << 20)
#define DECL_WORDS 16

const char *const ll_decl_tune_names[LL_TUNE_MAX] = {
	"--priority", "--mark", "--rcvbuf", "--sndbuf", "--budget-rate", "--budget-burst",
	"--budget-pps",
};

static const char *const mode_names[] = { "auto", "xdp", "native", "generic", "tc" };

/* The sources of the items that d holds only once (settings, tables). */
struct decl_once {
	struct ll_decl_src tune[LL_TUNE_MAX], strict, max_flows, max_rules;
};

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
	free(d->once);
	ll_decl_init(d);
}

/* Grows the arrays of one kind of item to hold one more. */
static int grow(void **a, size_t size, size_t n, size_t *cap, void **b, size_t bsize, void **c,
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

static const char *src_file(const struct ll_decl *d, struct ll_decl_src s)
{
	return s.file < d->nfiles ? d->files[s.file] : "?";
}

/* ---------------------------------------------------------------- comparing */

static int rec_cmp(const struct ll_rule_rec *a, const struct ll_rule_rec *b)
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

static int key_cmp(const struct ll_flow_key *a, const struct ll_flow_key *b)
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
static int idx_rec_cmp(const void *x, const void *y, void *arg)
{
	const struct ll_rule_rec *r = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = rec_cmp(&r[a], &r[b]);

	return c ? c : (a > b) - (a < b);
}

static int idx_name_cmp(const void *x, const void *y, void *arg)
{
	const struct ll_rule_rec *r = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = strncmp(r[a].name, r[b].name, LL_NAME_LEN);

	return c ? c : (a > b) - (a < b);
}

static int idx_key_cmp(const void *x, const void *y, void *arg)
{
	const struct ll_flow_key *k = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = key_cmp(&k[a], &k[b]);

	return c ? c : (a > b) - (a < b);
}

static size_t *index_of(size_t n, int (*cmp)(const void *, const void *, void *), void *arg)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp, arg);
	return idx;
}

/* ---------------------------------------------------------------- rendering */

static const char *mode_name(enum ll_decl_mode m)
{
	return (unsigned)m < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[m] : "?";
}

void ll_decl_iface_line(const struct ll_decl_iface *i, char *buf, size_t len)
{
	snprintf(buf, len, "interface %s mode %s%s", i->name, mode_name(i->mode),
		 i->no_tc ? " no-tc" : "");
}

void ll_decl_rec_line(const struct ll_rule_rec *r, char *buf, size_t len)
{
	char spec[LL_SPEC_FMT_LEN];
	struct ll_rule_rec x = *r;

	x.kind = LL_RULE_FREE;
	if (ll_spec_format(&x, spec, sizeof(spec)))
		snprintf(spec, sizeof(spec), "(invalid)");
	snprintf(buf, len, "%s %s%s%.*s", r->kind == LL_RULE_ALLOW ? "allow" : "flow", spec,
		 r->name[0] ? " --name " : "", LL_NAME_LEN, r->name);
}

void ll_decl_flow_line(const struct ll_flow_key *k, __u32 flags, char *buf, size_t len)
{
	static const __u8 v4map[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char remote[LL_ADDR_FMT_LEN] = "?", local[LL_ADDR_FMT_LEN] = "?";
	int v4 = !memcmp(k->remote, v4map, 12);

	ll_addr_format(k->remote, v4, remote, sizeof(remote));
	ll_addr_format(k->local, v4, local, sizeof(local));
	snprintf(buf, len, "flow %s://%s%s%s:%u --local %s%s%s:%u%s",
		 k->proto == 17 ? "udp" : "tcp", v4 ? "" : "[", remote, v4 ? "" : "]",
		 be16toh(k->remote_port), v4 ? "" : "[", local, v4 ? "" : "]",
		 be16toh(k->local_port), flags & LL_FLOW_F_STRICT ? " --strict" : "");
}

void ll_decl_tune_line(enum ll_tune_field t, __u64 v, char *buf, size_t len)
{
	snprintf(buf, len, "tune %s %llu", ll_decl_tune_names[t], (unsigned long long)v);
}

int ll_decl_write(const struct ll_decl *d, FILE *f)
{
	char line[LL_DECL_LINE_LEN];

	fprintf(f, "# lifeline registry (lifeline save). 'lifeline apply' makes the kernel state\n"
		   "# equal to this file; the format is in docs/registry.conf.\n");
	if (d->max_flows || d->max_rules) {
		fprintf(f, "tables");
		if (d->max_flows)
			fprintf(f, " --max-flows %u", d->max_flows);
		if (d->max_rules)
			fprintf(f, " --max-rules %u", d->max_rules);
		fprintf(f, "\n");
	}
	if (d->strict >= 0)
		fprintf(f, "strict %s\n", d->strict ? "on" : "off");
	for (int t = 0; t < LL_TUNE_MAX; t++)
		if (d->tune_set & (1U << t)) {
			ll_decl_tune_line(t, d->tune[t], line, sizeof(line));
			fprintf(f, "%s\n", line);
		}
	for (size_t i = 0; i < d->nifs; i++) {
		ll_decl_iface_line(&d->ifs[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	for (int kind = LL_RULE_ALLOW; ; kind = LL_RULE_ENDPOINT) {
		for (size_t i = 0; i < d->nrecs; i++)
			if (d->recs[i].kind == (__u32)kind) {
				ll_decl_rec_line(&d->recs[i], line, sizeof(line));
				fprintf(f, "%s\n", line);
			}
		if (kind == LL_RULE_ENDPOINT)
			break;
	}
	for (size_t i = 0; i < d->nkeys; i++) {
		ll_decl_flow_line(&d->keys[i], d->kflags[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	return ferror(f) ? -EIO : 0;
}

/* ---------------------------------------------------------------- parsing */

static int split_words(char *line, char **words, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return max + 1;
		words[n++] = tok;
	}
	return n;
}

static int parse_iface(struct ll_decl *d, struct ll_decl_src src, int n, char **w, char *err,
		       size_t errlen)
{
	struct ll_decl_iface i = { .mode = LL_DECL_AUTO };
	int have_mode = 0, ret;

	if (n < 2) {
		ERR("interface needs a name: interface DEV [mode auto|xdp|native|generic|tc] [no-tc]");
		return -EINVAL;
	}
	if (ll_ifname_check(w[1], err, errlen))
		return -EINVAL;
	snprintf(i.name, sizeof(i.name), "%s", w[1]);
	for (int k = 2; k < n; k++) {
		if (!strcmp(w[k], "no-tc") && !i.no_tc) {
			i.no_tc = 1;
		} else if (!strcmp(w[k], "mode") && !have_mode && k + 1 < n) {
			int m = -1;

			k++;
			for (size_t x = 0; x < sizeof(mode_names) / sizeof(mode_names[0]); x++)
				if (!strcmp(w[k], mode_names[x]))
					m = x;
			if (m < 0) {
				ERR("unknown mode '%.40s': use auto, xdp, native, generic or tc", w[k]);
				return -EINVAL;
			}
			i.mode = m;
			have_mode = 1;
		} else {
			ERR("unexpected '%.40s' (interface DEV [mode auto|xdp|native|generic|tc] "
			    "[no-tc])", w[k]);
			return -EINVAL;
		}
	}
	if (i.mode == LL_DECL_TC && i.no_tc) {
		ERR("mode tc and no-tc exclude each other: tc is the policy point");
		return -EINVAL;
	}
	for (size_t k = 0; k < d->nifs; k++) {
		if (strcmp(d->ifs[k].name, i.name))
			continue;
		if (d->ifs[k].mode == i.mode && d->ifs[k].no_tc == i.no_tc)
			return 0;
		ERR("interface %s is declared differently at %s:%u", i.name,
		    src_file(d, d->ifs_src[k]), d->ifs_src[k].line);
		return -EINVAL;
	}
	if ((ret = grow((void **)&d->ifs, sizeof(*d->ifs), d->nifs, &d->cap_ifs,
			(void **)&d->ifs_src, sizeof(*d->ifs_src), NULL, 0)))
		return ret;
	d->ifs[d->nifs] = i;
	d->ifs_src[d->nifs++] = src;
	return 0;
}

static int parse_reg(struct ll_decl *d, struct ll_decl_src src, int allow, int n, char **w,
		     char *err, size_t errlen)
{
	struct ll_reg_args a;
	struct ll_rule_rec rec;
	struct ll_flow_key key;
	int kind, ret;

	if (ll_reg_args_parse(n - 1, w + 1, &a, !allow, err, errlen))
		return -EINVAL;
	kind = ll_reg_args_build(&a, allow ? LL_RULE_ALLOW : LL_RULE_ENDPOINT, &rec, &key, err,
				 errlen);
	if (kind < 0)
		return -EINVAL;
	if (kind == 1) {
		if ((ret = grow((void **)&d->keys, sizeof(*d->keys), d->nkeys, &d->cap_keys,
				(void **)&d->kflags, sizeof(*d->kflags), (void **)&d->keys_src,
				sizeof(*d->keys_src))))
			return ret;
		d->keys[d->nkeys] = key;
		d->kflags[d->nkeys] = a.strict ? LL_FLOW_F_STRICT : 0;
		d->keys_src[d->nkeys++] = src;
		return 0;
	}
	if ((ret = grow((void **)&d->recs, sizeof(*d->recs), d->nrecs, &d->cap_recs,
			(void **)&d->recs_src, sizeof(*d->recs_src), NULL, 0)))
		return ret;
	d->recs[d->nrecs] = rec;
	d->recs_src[d->nrecs++] = src;
	return 0;
}

static struct decl_once *once_of(struct ll_decl *d)
{
	if (!d->once)
		d->once = calloc(1, sizeof(struct decl_once));
	return d->once;
}

/* A setting given once, or again with the same value. */
static int set_once(struct ll_decl *d, struct ll_decl_src *where, struct ll_decl_src src,
		    int differs, const char *what, char *err, size_t errlen)
{
	if (where->line && differs) {
		ERR("%s is set differently at %s:%u", what, src_file(d, *where), where->line);
		return -EINVAL;
	}
	if (!where->line)
		*where = src;
	return 0;
}

static int parse_tune(struct ll_decl *d, struct ll_decl_src src, int n, char **w, char *err,
		      size_t errlen)
{
	static const char *const keys[] = { "rate", "burst", "pps" };
	struct decl_once *o = once_of(d);

	if (!o)
		return -ENOMEM;
	if (n < 3) {
		ERR("tune needs OPTION VALUE: tune --priority N, --mark N, --rcvbuf BYTES, "
		    "--sndbuf BYTES, --budget-rate BYTES, --budget-burst BYTES, --budget-pps N");
		return -EINVAL;
	}
	for (int i = 1; i < n; i++) {
		int k = -1;
		__u64 v = 0;
		__u32 v32;

		for (int t = 0; t < LL_TUNE_MAX; t++)
			if (!strcmp(w[i], ll_decl_tune_names[t]))
				k = t;
		if (k < 0 || i + 1 == n) {
			ERR(k < 0 ? "unexpected '%.40s' to tune" : "%s needs a value", w[i]);
			return -EINVAL;
		}
		i++;
		if (k >= LL_TUNE_BUDGET_RATE) {
			char e[200];

			if (ll_config_parse_value("budget", keys[k - LL_TUNE_BUDGET_RATE], w[i], &v,
						  sizeof(v), e, sizeof(e))) {
				ERR("%s %s", ll_decl_tune_names[k], e);
				return -EINVAL;
			}
		} else {
			if (ll_u32_parse(w[i], 0, k == LL_TUNE_PRIORITY ? 0xffff : 0xffffffffU, &v32,
					 ll_decl_tune_names[k], err, errlen))
				return -EINVAL;
			v = v32;
		}
		if (set_once(d, &o->tune[k], src, (d->tune_set & (1U << k)) && d->tune[k] != v,
			     ll_decl_tune_names[k], err, errlen))
			return -EINVAL;
		d->tune[k] = v;
		d->tune_set |= 1U << k;
	}
	return 0;
}

static int parse_strict(struct ll_decl *d, struct ll_decl_src src, int n, char **w, char *err,
			size_t errlen)
{
	struct decl_once *o = once_of(d);
	int v;

	if (!o)
		return -ENOMEM;
	if (n != 2 || (strcmp(w[1], "on") && strcmp(w[1], "off"))) {
		ERR("strict takes on or off");
		return -EINVAL;
	}
	v = !strcmp(w[1], "on");
	if (set_once(d, &o->strict, src, d->strict >= 0 && d->strict != v, "strict", err, errlen))
		return -EINVAL;
	d->strict = v;
	return 0;
}

static int parse_tables(struct ll_decl *d, struct ll_decl_src src, int n, char **w, char *err,
			size_t errlen)
{
	struct decl_once *o = once_of(d);

	if (!o)
		return -ENOMEM;
	if (n < 3) {
		ERR("tables needs --max-flows N and/or --max-rules N");
		return -EINVAL;
	}
	for (int i = 1; i < n; i += 2) {
		int flows = !strcmp(w[i], "--max-flows");
		__u32 v, *dst = flows ? &d->max_flows : &d->max_rules;

		if ((!flows && strcmp(w[i], "--max-rules")) || i + 1 == n) {
			ERR("unexpected '%.40s' (tables [--max-flows N] [--max-rules N])", w[i]);
			return -EINVAL;
		}
		if (ll_u32_parse(w[i + 1], 1, flows ? 1U << 26 : 1U << 20, &v, w[i], err, errlen))
			return -EINVAL;
		if (set_once(d, flows ? &o->max_flows : &o->max_rules, src, *dst && *dst != v,
			     w[i], err, errlen))
			return -EINVAL;
		*dst = v;
	}
	return 0;
}

/* One line (NUL-terminated, modified in place). */
static int parse_line(struct ll_decl *d, struct ll_decl_src src, char *line, char *err,
		      size_t errlen)
{
	char *w[DECL_WORDS], *hash = strchr(line, '#');
	int n;

	if (hash)
		*hash = '\0';
	n = split_words(line, w, DECL_WORDS);
	if (!n)
		return 0;
	if (n > DECL_WORDS) {
		ERR("too many words (at most %d)", DECL_WORDS);
		return -EINVAL;
	}
	if (!strcmp(w[0], "interface"))
		return parse_iface(d, src, n, w, err, errlen);
	if (!strcmp(w[0], "flow") || !strcmp(w[0], "allow"))
		return parse_reg(d, src, w[0][0] == 'a', n, w, err, errlen);
	if (!strcmp(w[0], "tune"))
		return parse_tune(d, src, n, w, err, errlen);
	if (!strcmp(w[0], "strict"))
		return parse_strict(d, src, n, w, err, errlen);
	if (!strcmp(w[0], "tables"))
		return parse_tables(d, src, n, w, err, errlen);
	ERR("unknown keyword '%.40s' (interface, flow, allow, tune, strict or tables)", w[0]);
	return -EINVAL;
}

/* Drops the later of identical items, refuses contradicting ones (both lines named). */
static int check_items(struct ll_decl *d, struct ll_decl_src *where, char *err, size_t errlen)
{
	size_t *idx, w = 0;
	unsigned char *drop;
	int ret = 0;

	drop = calloc((d->nrecs > d->nkeys ? d->nrecs : d->nkeys) + 1, 1);
	if (!drop)
		return -ENOMEM;
	/* rules: the same rule twice must carry the same name */
	if (!(idx = index_of(d->nrecs, idx_rec_cmp, d->recs))) {
		free(drop);
		return -ENOMEM;
	}
	for (size_t i = 1; i < d->nrecs && !ret; i++) {
		const struct ll_rule_rec *a = &d->recs[idx[i - 1]], *b = &d->recs[idx[i]];

		if (rec_cmp(a, b))
			continue;
		if (strncmp(a->name, b->name, LL_NAME_LEN)) {
			ERR("the same rule is declared at %s:%u with another name",
			    src_file(d, d->recs_src[idx[i - 1]]), d->recs_src[idx[i - 1]].line);
			ret = -EINVAL;
			*where = d->recs_src[idx[i]];
		}
		drop[idx[i]] = 1;
		idx[i] = idx[i - 1];	/* later duplicates compare with the first */
	}
	free(idx);
	/* names: one rule each (endpoint and allow rules share them) */
	if (!ret && (idx = index_of(d->nrecs, idx_name_cmp, d->recs))) {
		for (size_t i = 1; i < d->nrecs && !ret; i++) {
			const struct ll_rule_rec *a = &d->recs[idx[i - 1]], *b = &d->recs[idx[i]];

			if (drop[idx[i]] || drop[idx[i - 1]] || !a->name[0] ||
			    strncmp(a->name, b->name, LL_NAME_LEN))
				continue;
			ERR("the name '%.*s' is already used by the rule at %s:%u", LL_NAME_LEN,
			    b->name, src_file(d, d->recs_src[idx[i - 1]]), d->recs_src[idx[i - 1]].line);
			ret = -EINVAL;
			*where = d->recs_src[idx[i]];
		}
		free(idx);
	} else if (!ret) {
		ret = -ENOMEM;
	}
	if (ret) {
		free(drop);
		return ret;
	}
	for (size_t i = 0; i < d->nrecs; i++)
		if (!drop[i]) {
			d->recs[w] = d->recs[i];
			d->recs_src[w++] = d->recs_src[i];
		}
	d->nrecs = w;
	/* flows: the same flow twice must have the same --strict */
	memset(drop, 0, d->nkeys + 1);
	if (!(idx = index_of(d->nkeys, idx_key_cmp, d->keys))) {
		free(drop);
		return -ENOMEM;
	}
	for (size_t i = 1; i < d->nkeys && !ret; i++) {
		if (key_cmp(&d->keys[idx[i - 1]], &d->keys[idx[i]]))
			continue;
		if (d->kflags[idx[i - 1]] != d->kflags[idx[i]]) {
			ERR("the same flow is declared at %s:%u %s --strict",
			    src_file(d, d->keys_src[idx[i - 1]]), d->keys_src[idx[i - 1]].line,
			    d->kflags[idx[i - 1]] & LL_FLOW_F_STRICT ? "with" : "without");
			ret = -EINVAL;
			*where = d->keys_src[idx[i]];
		}
		drop[idx[i]] = 1;
		idx[i] = idx[i - 1];
	}
	free(idx);
	if (!ret) {
		w = 0;
		for (size_t i = 0; i < d->nkeys; i++)
			if (!drop[i]) {
				d->keys[w] = d->keys[i];
				d->kflags[w] = d->kflags[i];
				d->keys_src[w++] = d->keys_src[i];
			}
		d->nkeys = w;
	}
	free(drop);
	return ret;
}

/* "FILE:LINE: " before the message in err. */
static void prefix_err(const char *name, unsigned line, char *err, size_t errlen)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", err);
	for (char *p = msg; *p; p++)
		if (*p < ' ' || *p > '~')
			*p = '?';
	snprintf(err, errlen, "%.200s:%u: %s", name, line, msg);
}

int ll_decl_parse(struct ll_decl *d, const char *name, const char *text, size_t len, char *err,
		  size_t errlen)
{
	struct ll_decl_src src = { .file = d->nfiles };
	char *line = malloc(DECL_LINE_MAX + 1), **files;
	size_t pos = 0;
	int ret = 0;

	if (!line || !(files = realloc(d->files, (d->nfiles + 1) * sizeof(*files)))) {
		free(line);
		ERR("%.200s: out of memory", name);
		return -ENOMEM;
	}
	d->files = files;
	if (!(d->files[d->nfiles] = strdup(name))) {
		free(line);
		ERR("%.200s: out of memory", name);
		return -ENOMEM;
	}
	d->nfiles++;
	while (pos < len && !ret) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;

		src.line++;
		if (n > DECL_LINE_MAX) {
			ERR("line longer than %d characters", DECL_LINE_MAX);
			ret = -EINVAL;
		} else if (memchr(text + pos, '\0', n)) {
			ERR("NUL byte in the line (a binary file?)");
			ret = -EINVAL;
		} else {
			memcpy(line, text + pos, n);
			line[n] = '\0';
			ret = parse_line(d, src, line, err, errlen);
		}
		if (ret == -ENOMEM)
			ERR("out of memory");
		if (ret)
			prefix_err(name, src.line, err, errlen);
		pos += n + 1;
	}
	free(line);
	if (ret)
		return ret;
	ret = check_items(d, &src, err, errlen);
	if (ret == -EINVAL) {
		/* the later line of the pair, the message names the earlier */
		prefix_err(src_file(d, src), src.line, err, errlen);
		return ret;
	}
	if (ret == -ENOMEM)
		ERR("%.200s: out of memory", name);
	return ret;
}

/* Reads a whole file (bounded); "-" is standard input. */
static int read_all(const char *file, char **out, size_t *len, char *err, size_t errlen)
{
	int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : 0;
	size_t cap = 0, n = 0;
	struct stat st;
	char *buf = NULL;

	if (fd < 0) {
		ERR("cannot open %.200s: %s", file, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || (fd && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))) {
		ERR("%.200s: not a regular file", file);
		if (fd)
			close(fd);
		return -EINVAL;
	}
	if (fd)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	for (;;) {
		ssize_t got;

		if (n == cap) {
			char *p;

			if (cap >= DECL_FILE_MAX) {
				ERR("%.200s: larger than %lu MiB", file, DECL_FILE_MAX >> 20);
				free(buf);
				if (fd)
					close(fd);
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 65536;
			if (!(p = realloc(buf, cap))) {
				ERR("%.200s: out of memory", file);
				free(buf);
				if (fd)
					close(fd);
				return -ENOMEM;
			}
			buf = p;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ERR("cannot read %.200s: %s", file, strerror(errno));
			free(buf);
			if (fd)
				close(fd);
			return -EIO;
		}
		if (!got)
			break;
		n += got;
	}
	if (fd)
		close(fd);
	*out = buf;
	*len = n;
	return 0;
}

static int load_one(struct ll_decl *d, const char *file, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int ret = read_all(file, &text, &len, err, errlen);

	if (!ret)
		ret = ll_decl_parse(d, strcmp(file, "-") ? file : "(stdin)", text ? text : "", len,
				    err, errlen);
	free(text);
	return ret;
}

static int conf_filter(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 5 && !strcmp(de->d_name + n - 5, ".conf");
}

static int name_sort(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int ll_decl_load(struct ll_decl *d, const char *file, char *err, size_t errlen)
{
	size_t n = strlen(file);
	struct dirent **de = NULL;
	char dir[4096];
	int ret, nde;

	if ((ret = load_one(d, file, err, errlen)))
		return ret;
	if (n <= 5 || strcmp(file + n - 5, ".conf") || n + 2 >= sizeof(dir))
		return 0;
	snprintf(dir, sizeof(dir), "%.*s.d", (int)(n - 5), file);
	nde = scandir(dir, &de, conf_filter, name_sort);
	if (nde < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : (ERR("cannot read %.200s: %s", dir,
								       strerror(errno)), -errno);
	for (int i = 0; i < nde; i++) {
		char path[8192];

		snprintf(path, sizeof(path), "%s/%s", dir, de[i]->d_name);
		if (!ret)
			ret = load_one(d, path, err, errlen);
		free(de[i]);
	}
	free(de);
	return ret;
}

/* ---------------------------------------------------------------- the difference */

/* Does the attachment have (a state's) satisfy the declared w? */
static int iface_match(const struct ll_decl_iface *w, const struct ll_decl_iface *h)
{
	if (w->mode == LL_DECL_TC || h->mode == LL_DECL_TC)
		return h->mode == LL_DECL_TC && (w->mode == LL_DECL_TC ||
						 (w->mode == LL_DECL_AUTO && !w->no_tc));
	if ((w->mode == LL_DECL_NATIVE || w->mode == LL_DECL_GENERIC) && w->mode != h->mode)
		return 0;
	return w->no_tc == h->no_tc;
}

void ll_decl_diff_free(struct ll_decl_diff *x)
{
	free(x->ifs_add);
	free(x->ifs_del);
	free(x->recs_add);
	free(x->recs_del);
	free(x->recs_del_id);
	free(x->recs_ren);
	free(x->recs_ren_id);
	free(x->recs_ren_old);
	free(x->keys_add);
	free(x->kflags_add);
	free(x->keys_del);
	free(x->kflags_del);
	free(x->keys_flag);
	free(x->kflags_flag);
	free(x->kflags_flag_old);
	memset(x, 0, sizeof(*x));
	x->strict = x->strict_old = -1;
}

size_t ll_decl_diff_count(const struct ll_decl_diff *x)
{
	return x->nifs_add + x->nifs_del + x->nrecs_add + x->nrecs_del + x->nrecs_ren +
	       x->nkeys_add + x->nkeys_del + x->nkeys_flag + __builtin_popcount(x->tune_set) +
	       (x->strict >= 0);
}

#define ALLOC(p, n) (!((p) = calloc((n) ? (n) : 1, sizeof(*(p)))))

int ll_decl_diff(const struct ll_decl *want, const struct ll_decl *have, int keep,
		 struct ll_decl_diff *x, char *err, size_t errlen)
{
	size_t nw = want->nrecs, nh = have->nrecs, a, b, *iw = NULL, *ih = NULL;
	int ret = -ENOMEM;

	memset(x, 0, sizeof(*x));
	x->strict = x->strict_old = -1;
	if (ALLOC(x->ifs_add, want->nifs) || ALLOC(x->ifs_del, have->nifs + want->nifs) ||
	    ALLOC(x->recs_add, nw) || ALLOC(x->recs_del, nh) || ALLOC(x->recs_del_id, nh) ||
	    ALLOC(x->recs_ren, nh) || ALLOC(x->recs_ren_id, nh) || ALLOC(x->recs_ren_old, nh) ||
	    ALLOC(x->keys_add, want->nkeys) || ALLOC(x->kflags_add, want->nkeys) ||
	    ALLOC(x->keys_del, have->nkeys) || ALLOC(x->kflags_del, have->nkeys) ||
	    ALLOC(x->keys_flag, have->nkeys) || ALLOC(x->kflags_flag, have->nkeys) ||
	    ALLOC(x->kflags_flag_old, have->nkeys))
		goto fail;

	/* interfaces, by name: the file's must exist */
	for (size_t i = 0; i < want->nifs; i++) {
		struct ll_decl_iface w = want->ifs[i];
		const struct ll_decl_iface *h = NULL;

		w.ifindex = if_nametoindex(w.name);
		if (!w.ifindex) {
			ERR("%.200s:%u: no interface named '%s' (see 'ip link')",
			    src_file(want, want->ifs_src[i]), want->ifs_src[i].line, w.name);
			ret = -ENODEV;
			goto fail;
		}
		for (size_t k = 0; k < have->nifs; k++)
			if (have->ifs[k].ifindex == w.ifindex)
				h = &have->ifs[k];
		if (h && iface_match(&w, h))
			continue;
		if (h)
			x->ifs_del[x->nifs_del++] = *h;
		x->ifs_add[x->nifs_add++] = w;
	}
	for (size_t k = 0; k < have->nifs && !keep; k++) {
		int named = 0;

		for (size_t i = 0; i < want->nifs; i++)
			named |= !strcmp(want->ifs[i].name, have->ifs[k].name);
		if (!named)
			x->ifs_del[x->nifs_del++] = have->ifs[k];
	}

	/* rules: merged in one order */
	if (!(iw = index_of(nw, idx_rec_cmp, want->recs)) ||
	    !(ih = index_of(nh, idx_rec_cmp, have->recs)))
		goto fail;
	for (a = 0, b = 0; a < nw || b < nh;) {
		int c = a == nw ? 1 : b == nh ? -1 : rec_cmp(&want->recs[iw[a]], &have->recs[ih[b]]);

		if (c < 0) {
			x->recs_add[x->nrecs_add++] = want->recs[iw[a++]];
		} else if (c > 0) {
			if (!keep) {
				x->recs_del[x->nrecs_del] = have->recs[ih[b]];
				x->recs_del_id[x->nrecs_del++] = have->recs_id ? have->recs_id[ih[b]] : 0;
			}
			b++;
		} else {
			const struct ll_rule_rec *w = &want->recs[iw[a]], *h = &have->recs[ih[b]];

			if (strncmp(w->name, h->name, LL_NAME_LEN)) {
				x->recs_ren_old[x->nrecs_ren] = *h;
				x->recs_ren[x->nrecs_ren] = *h;
				memcpy(x->recs_ren[x->nrecs_ren].name, w->name, LL_NAME_LEN);
				x->recs_ren_id[x->nrecs_ren++] = have->recs_id ? have->recs_id[ih[b]] : 0;
			}
			a++;
			b++;
		}
	}
	free(iw);
	free(ih);
	iw = ih = NULL;

	/* flows */
	nw = want->nkeys;
	nh = have->nkeys;
	if (!(iw = index_of(nw, idx_key_cmp, want->keys)) ||
	    !(ih = index_of(nh, idx_key_cmp, have->keys)))
		goto fail;
	for (a = 0, b = 0; a < nw || b < nh;) {
		int c = a == nw ? 1 : b == nh ? -1 : key_cmp(&want->keys[iw[a]], &have->keys[ih[b]]);

		if (c < 0) {
			x->keys_add[x->nkeys_add] = want->keys[iw[a]];
			x->kflags_add[x->nkeys_add++] = want->kflags[iw[a++]];
		} else if (c > 0) {
			if (!keep) {
				x->keys_del[x->nkeys_del] = have->keys[ih[b]];
				x->kflags_del[x->nkeys_del++] = have->kflags[ih[b]];
			}
			b++;
		} else {
			__u32 fw = want->kflags[iw[a]] & LL_FLOW_F_STRICT;
			__u32 fh = have->kflags[ih[b]] & LL_FLOW_F_STRICT;

			if (fw != fh) {
				x->keys_flag[x->nkeys_flag] = have->keys[ih[b]];
				x->kflags_flag_old[x->nkeys_flag] = fh;
				x->kflags_flag[x->nkeys_flag++] = fw;
			}
			a++;
			b++;
		}
	}

	/* settings the file names */
	for (int t = 0; t < LL_TUNE_MAX; t++) {
		if (!(want->tune_set & (1U << t)))
			continue;
		if ((have->tune_set & (1U << t)) && have->tune[t] == want->tune[t])
			continue;
		x->tune_set |= 1U << t;
		x->tune[t] = want->tune[t];
		x->tune_old[t] = have->tune[t];
		x->tune_old_set |= have->tune_set & (1U << t);
	}
	if (want->strict >= 0 && want->strict != have->strict) {
		x->strict = want->strict;
		x->strict_old = have->strict;
	}
	ret = 0;
fail:
	free(iw);
	free(ih);
	if (ret == -ENOMEM)
		ERR("out of memory");
	if (ret)
		ll_decl_diff_free(x);
	return ret;
}

void ll_decl_diff_walk(const struct ll_decl_diff *x,
		       void (*fn)(char op, const char *line, void *arg), void *arg)
{
	char line[LL_DECL_LINE_LEN];

	for (size_t i = 0; i < x->nifs_del; i++) {
		ll_decl_iface_line(&x->ifs_del[i], line, sizeof(line));
		fn('-', line, arg);
	}
	for (size_t i = 0; i < x->nifs_add; i++) {
		ll_decl_iface_line(&x->ifs_add[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (size_t i = 0; i < x->nrecs_del; i++) {
		ll_decl_rec_line(&x->recs_del[i], line, sizeof(line));
		fn('-', line, arg);
	}
	for (size_t i = 0; i < x->nrecs_ren; i++) {
		ll_decl_rec_line(&x->recs_ren_old[i], line, sizeof(line));
		fn('-', line, arg);
		ll_decl_rec_line(&x->recs_ren[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (size_t i = 0; i < x->nrecs_add; i++) {
		ll_decl_rec_line(&x->recs_add[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (size_t i = 0; i < x->nkeys_del; i++) {
		ll_decl_flow_line(&x->keys_del[i], x->kflags_del[i], line, sizeof(line));
		fn('-', line, arg);
	}
	for (size_t i = 0; i < x->nkeys_flag; i++) {
		ll_decl_flow_line(&x->keys_flag[i], x->kflags_flag_old[i], line, sizeof(line));
		fn('-', line, arg);
		ll_decl_flow_line(&x->keys_flag[i], x->kflags_flag[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (size_t i = 0; i < x->nkeys_add; i++) {
		ll_decl_flow_line(&x->keys_add[i], x->kflags_add[i], line, sizeof(line));
		fn('+', line, arg);
	}
	for (int t = 0; t < LL_TUNE_MAX; t++) {
		if (!(x->tune_set & (1U << t)))
			continue;
		if (x->tune_old_set & (1U << t)) {
			ll_decl_tune_line(t, x->tune_old[t], line, sizeof(line));
			fn('-', line, arg);
		}
		ll_decl_tune_line(t, x->tune[t], line, sizeof(line));
		fn('+', line, arg);
	}
	if (x->strict >= 0) {
		if (x->strict_old >= 0)
			fn('-', x->strict_old ? "strict on" : "strict off", arg);
		fn('+', x->strict ? "strict on" : "strict off", arg);
	}
}

/* ---------------------------------------------------------------- the kernel state */

#ifndef LL_DECL_PARSE_ONLY
#include <bpf/bpf.h>
#include "attach.h"
#include "maps.h"
#include "registry.h"

int ll_decl_state(struct ll_maps *m, const char *dir, struct ll_decl *d, char *err,
		  size_t errlen)
{
	struct ll_iface ifs[256];
	struct ll_flow_key *keys = NULL;
	struct ll_flow_val *vals = NULL;
	struct ll_registry r = {};
	long nf;
	int n, ret;

	ll_decl_init(d);
	n = ll_iface_list(dir, ifs, 256);
	if (n < 0) {
		ERR("cannot read %.200s/links: %s", dir, strerror(-n));
		return n;
	}
	if (ALLOC(d->ifs, n))
		goto nomem;
	for (int i = 0; i < n; i++) {
		struct ll_decl_iface *o = &d->ifs[d->nifs];

		if (!ifs[i].name[0])
			continue;	/* pins of an interface that is gone */
		snprintf(o->name, sizeof(o->name), "%s", ifs[i].name);
		o->ifindex = ifs[i].ifindex;
		o->mode = ifs[i].tc_policy ? LL_DECL_TC :
			  !strcmp(ifs[i].mode, "generic") ? LL_DECL_GENERIC :
			  !strcmp(ifs[i].mode, "native") ? LL_DECL_NATIVE : LL_DECL_XDP;
		o->no_tc = !ifs[i].tc_policy && !ifs[i].tc_ingress && !ifs[i].tc_egress;
		d->nifs++;
	}
	if (!m)
		return 0;

	ret = ll_reg_read(m, &r);
	if (ret) {
		ERR("cannot read the rules: %s", strerror(-ret));
		ll_decl_free(d);
		return ret;
	}
	if (ALLOC(d->recs, r.cap) || ALLOC(d->recs_id, r.cap)) {
		ll_reg_free(&r);
		goto nomem;
	}
	for (__u32 i = 0; i < r.cap; i++) {
		if (r.recs[i].kind != LL_RULE_ENDPOINT && r.recs[i].kind != LL_RULE_ALLOW)
			continue;
		d->recs[d->nrecs] = r.recs[i];
		d->recs_id[d->nrecs++] = i;
	}
	d->max_rules = ll_map_capacity(m->fd[LL_MAP_RULES]);	/* --max-rules as asked */
	ll_reg_free(&r);

	nf = ll_flows_dump(m, &keys, &vals);
	if (nf < 0) {
		ERR("cannot read the flows: %s", strerror((int)-nf));
		ll_decl_free(d);
		return (int)nf;
	}
	if (ALLOC(d->keys, nf) || ALLOC(d->kflags, nf)) {
		free(keys);
		free(vals);
		goto nomem;
	}
	for (long i = 0; i < nf; i++) {
		if (vals[i].origin != LL_ORIGIN_CLI)
			continue;	/* sock_ops, cgroup: connection state */
		d->keys[d->nkeys] = keys[i];
		d->kflags[d->nkeys++] = vals[i].flags & LL_FLOW_F_STRICT;
	}
	free(keys);
	free(vals);
	/* keep the file's order stable: flows sorted */
	{
		size_t *idx = index_of(d->nkeys, idx_key_cmp, d->keys);
		struct ll_flow_key *k2;
		__u32 *f2;

		if (!idx || ALLOC(k2, d->nkeys)) {
			free(idx);
			goto nomem;
		}
		if (ALLOC(f2, d->nkeys)) {
			free(idx);
			free(k2);
			goto nomem;
		}
		for (size_t i = 0; i < d->nkeys; i++) {
			k2[i] = d->keys[idx[i]];
			f2[i] = d->kflags[idx[i]];
		}
		free(idx);
		free(d->keys);
		free(d->kflags);
		d->keys = k2;
		d->kflags = f2;
	}
	d->max_flows = ll_flows_max(m);
	d->tune[LL_TUNE_PRIORITY] = m->state->egress_priority;
	d->tune[LL_TUNE_MARK] = m->state->egress_mark;
	d->tune[LL_TUNE_RCVBUF] = m->state->sock_rcvbuf;
	d->tune[LL_TUNE_SNDBUF] = m->state->sock_sndbuf;
	d->tune[LL_TUNE_BUDGET_RATE] = m->state->budget_rate;
	d->tune[LL_TUNE_BUDGET_BURST] = m->state->budget_burst;
	d->tune[LL_TUNE_BUDGET_PPS] = m->state->budget_pps;
	d->tune_set = (1U << LL_TUNE_MAX) - 1;
	d->strict = !!m->state->strict;
	return 0;
nomem:
	ERR("out of memory");
	ll_decl_free(d);
	return -ENOMEM;
}

static int iface_attach(struct ll_maps *m, const struct ll_decl_iface *i, __u32 max_flows,
			__u32 max_rules, char *err, size_t errlen)
{
	static const enum ll_xdp_mode modes[] = {
		[LL_DECL_AUTO] = LL_MODE_AUTO, [LL_DECL_XDP] = LL_MODE_NATIVE,
		[LL_DECL_NATIVE] = LL_MODE_NATIVE, [LL_DECL_GENERIC] = LL_MODE_GENERIC,
		[LL_DECL_TC] = LL_MODE_TC,
	};
	struct ll_attach_opts o = { .mode = modes[i->mode], .no_tc = i->no_tc,
				    .max_flows = max_flows, .max_rules = max_rules };
	struct ll_orphan orph[64];
	struct ll_iface out;
	char e2[512];
	int no = ll_orphans_find(m->dir, orph, 64), ret;

	/* programs on it whose pins are gone are replaced, as attach does */
	for (int k = 0; k < no; k++)
		if (orph[k].ifindex == i->ifindex && orph[k].verified)
			ll_orphan_detach(&orph[k], e2, sizeof(e2));
	ret = ll_attach(m->dir, i->ifindex, &o, &out, err, errlen);
	if (ret && i->mode == LL_DECL_XDP) {
		o.mode = LL_MODE_GENERIC;	/* xdp: native where the driver has it, else generic */
		ret = ll_attach(m->dir, i->ifindex, &o, &out, err, errlen);
	}
	return ret;
}

static int iface_detach(struct ll_maps *m, const struct ll_decl_iface *i, char *err,
			size_t errlen)
{
	return ll_detach(m->dir, i->ifindex, err, errlen);
}

/* One pass over the diff, stopping at the first failure. */
static int apply_steps(struct ll_maps *m, const struct ll_decl_diff *x, __u32 max_flows,
		       __u32 max_rules, char *err, size_t errlen)
{
	struct ll_registry r;
	size_t dup;
	int ret;

	/* 1. interfaces: a mode change detaches the old one first, then every attach */
	for (size_t i = 0; i < x->nifs_del; i++)
		for (size_t k = 0; k < x->nifs_add; k++)
			if (x->ifs_del[i].ifindex == x->ifs_add[k].ifindex &&
			    (ret = iface_detach(m, &x->ifs_del[i], err, errlen)))
				return ret;
	for (size_t k = 0; k < x->nifs_add; k++)
		if ((ret = iface_attach(m, &x->ifs_add[k], max_flows, max_rules, err, errlen)))
			return ret;

	/* 2. rules: removed, renamed, added; each batch all or nothing */
	if (x->nrecs_del || x->nrecs_ren || x->nrecs_add) {
		if ((ret = ll_reg_read(m, &r))) {
			ERR("cannot read the rules: %s", strerror(-ret));
			return ret;
		}
		ret = x->nrecs_del ? ll_reg_del(m, &r, x->recs_del_id, x->nrecs_del, err, errlen) : 0;
		for (size_t i = 0; !ret && i < x->nrecs_ren; i++) {
			__u32 id = x->recs_ren_id[i];
			int other = x->recs_ren[i].name[0] ?
				    ll_reg_find(&r, NULL, x->recs_ren[i].name) : -1;

			if (other >= 0 && (__u32)other != id) {
				ERR("the name '%.*s' is already used by another rule", LL_NAME_LEN,
				    x->recs_ren[i].name);
				ret = -EEXIST;
			} else if (id >= r.cap || !ll_rec_same(&r.recs[id], &x->recs_ren[i])) {
				ERR("rule %u changed meanwhile", id);
				ret = -ESTALE;
			} else if (bpf_map_update_elem(m->fd[LL_MAP_RULE_RECS], &id, &x->recs_ren[i],
						       BPF_EXIST)) {
				ret = -errno;
				ERR("cannot rename rule %u: %s", id, strerror(errno));
			} else {
				r.recs[id] = x->recs_ren[i];
			}
		}
		if (!ret && x->nrecs_add)
			ret = ll_reg_add(m, &r, x->recs_add, x->nrecs_add, &dup, err, errlen);
		ll_reg_free(&r);
		if (ret)
			return ret;
	}

	/* 3. flows: removed, strict changed, added (one batch) */
	for (size_t i = 0; i < x->nkeys_del; i++) {
		ret = ll_flows_del(m, &x->keys_del[i]);
		if (ret && ret != -ENOENT) {
			ERR("cannot delete a flow: %s", strerror(-ret));
			return ret;
		}
	}
	if (x->nkeys_flag && (ret = ll_maps_flows(m))) {
		ERR("cannot map the flow table: %s", strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < x->nkeys_flag; i++) {
		struct ll_flow_entry *e = ll_flowtab_find(&m->flows, &x->keys_flag[i]);

		if (!e) {
			ERR("a flow went away meanwhile");
			return -ESTALE;
		}
		if (x->kflags_flag[i] & LL_FLOW_F_STRICT)
			__atomic_fetch_or(&e->val.flags, LL_FLOW_F_STRICT, __ATOMIC_RELEASE);
		else
			__atomic_fetch_and(&e->val.flags, ~LL_FLOW_F_STRICT, __ATOMIC_RELEASE);
	}
	if (x->nkeys_add && (ret = ll_flows_add(m, x->keys_add, x->nkeys_add, LL_ORIGIN_CLI,
						x->kflags_add, &dup, err, errlen)))
		return ret;

	/* 4. settings, through state.c's writers */
	if (x->tune_set) {
		struct ll_tune t = { .set = x->tune_set };

		memcpy(t.val, x->tune, sizeof(t.val));
		ll_state_tune(m->state, &t);
	}
	if (x->strict >= 0)
		ll_state_strict(m->state, x->strict);

	/* 5. interfaces not in the file, last */
	for (size_t i = 0; i < x->nifs_del; i++) {
		int changed = 0;

		for (size_t k = 0; k < x->nifs_add; k++)
			changed |= x->ifs_del[i].ifindex == x->ifs_add[k].ifindex;
		if (!changed && (ret = iface_detach(m, &x->ifs_del[i], err, errlen)))
			return ret;
	}
	return 0;
}

int ll_decl_apply(struct ll_maps *m, const struct ll_decl_diff *x, const struct ll_decl *before,
		  __u32 max_flows, __u32 max_rules, char *err, size_t errlen)
{
	struct ll_decl now;
	struct ll_decl_diff back;
	char e2[512];
	int ret = apply_steps(m, x, max_flows, max_rules, err, errlen), r2;

	if (!ret)
		return 0;
	/* put back what was there: the difference from now to before, applied */
	r2 = ll_decl_state(m, m->dir, &now, e2, sizeof(e2));
	if (!r2) {
		r2 = ll_decl_diff(before, &now, 0, &back, e2, sizeof(e2));
		if (!r2) {
			r2 = apply_steps(m, &back, max_flows, max_rules, e2, sizeof(e2));
			ll_decl_diff_free(&back);
		}
		ll_decl_free(&now);
	}
	if (r2) {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, "; putting the state back failed too: %s", e2);
	} else {
		size_t n = strlen(err);

		snprintf(err + n, errlen - n, "; nothing was changed");
	}
	return ret;
}
#endif /* LL_DECL_PARSE_ONLY */
