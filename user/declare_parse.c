// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The registry file's grammar: lines to items, duplicates and contradictions
 * (both lines named), "FILE:LINE: message" errors, reading a file and its
 * .conf.d directory. Flow and allow lines go through the CLI's own parser
 * (regargs.c), tune values through tune's validators, so a line means what
 * the same words mean on the command line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "config.h"
#include "declare_int.h"
#include "regargs.h"
#include "spec.h"
#include "util.h"

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
			for (size_t x = 0; x < DECL_NMODES; x++)
				if (!strcmp(w[k], decl_mode_names[x]))
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
		    decl_src_file(d, d->ifs_src[k]), d->ifs_src[k].line);
		return -EINVAL;
	}
	if ((ret = decl_grow((void **)&d->ifs, sizeof(*d->ifs), d->nifs, &d->cap_ifs,
			(void **)&d->ifs_src, sizeof(*d->ifs_src), NULL, 0)))
		return ret;
	d->ifs[d->nifs] = i;
	d->ifs_src[d->nifs++] = src;
	return 0;
}

/* flow cgroup:/PATH, checked as flow add checks it; the same path again is one item */
static int parse_cgroup(struct ll_decl *d, struct ll_decl_src src, int n, char **w, char *err,
			size_t errlen)
{
	const char *path = w[1] + strlen("cgroup:");
	int ret;

	if (n > 2) {
		ERR("flow cgroup:/PATH takes no options");
		return -EINVAL;
	}
	if (ll_cgroup_path_check(path, err, errlen))
		return -EINVAL;
	for (size_t i = 0; i < d->ncgs; i++)
		if (!strcmp(d->cgs[i].path, path))
			return 0;
	if (d->ncgs == LL_DECL_CG_MAX) {
		ERR("more than %d cgroups", LL_DECL_CG_MAX);
		return -EINVAL;
	}
	if ((ret = decl_grow((void **)&d->cgs, sizeof(*d->cgs), d->ncgs, &d->cap_cgs,
			     (void **)&d->cgs_src, sizeof(*d->cgs_src), NULL, 0)))
		return ret;
	memset(&d->cgs[d->ncgs], 0, sizeof(d->cgs[d->ncgs]));
	snprintf(d->cgs[d->ncgs].path, sizeof(d->cgs[d->ncgs].path), "%s", path);
	d->cgs_src[d->ncgs++] = src;
	return 0;
}

/* sockets [--cgroup DIR], as sockets attach takes it; the same DIR again is one item */
static int parse_sockets(struct ll_decl *d, struct ll_decl_src src, int n, char **w, char *err,
			 size_t errlen)
{
	const char *dir = "";
	int ret;

	for (int i = 1; i < n; i++) {
		if (!strncmp(w[i], "--cgroup=", 9) && !dir[0]) {
			dir = w[i] + 9;
		} else if (!strcmp(w[i], "--cgroup") && !dir[0]) {
			if (i + 1 == n) {
				ERR("--cgroup needs a directory (sockets [--cgroup DIR])");
				return -EINVAL;
			}
			dir = w[++i];
		} else {
			ERR("unexpected '%.40s' (sockets [--cgroup DIR])", w[i]);
			return -EINVAL;
		}
		if (!dir[0]) {
			ERR("--cgroup needs a directory (sockets [--cgroup DIR])");
			return -EINVAL;
		}
		if (ll_cgroup_dir_check(dir, err, errlen))
			return -EINVAL;
	}
	for (size_t i = 0; i < d->nsocks; i++)
		if (!strcmp(d->socks[i].path, dir))
			return 0;
	if (d->nsocks == LL_DECL_SOCK_MAX) {
		ERR("more than %d sockets lines", LL_DECL_SOCK_MAX);
		return -EINVAL;
	}
	if ((ret = decl_grow((void **)&d->socks, sizeof(*d->socks), d->nsocks, &d->cap_socks,
			     (void **)&d->socks_src, sizeof(*d->socks_src), NULL, 0)))
		return ret;
	memset(&d->socks[d->nsocks], 0, sizeof(d->socks[d->nsocks]));
	snprintf(d->socks[d->nsocks].path, sizeof(d->socks[d->nsocks].path), "%s", dir);
	d->socks_src[d->nsocks++] = src;
	return 0;
}

static int parse_reg(struct ll_decl *d, struct ll_decl_src src, int allow, int n, char **w,
		     char *err, size_t errlen)
{
	struct ll_reg_args a;
	struct ll_rule_rec rec;
	struct ll_flow_key key;
	int kind, ret;

	if (!allow && n > 1 && !strncmp(w[1], "cgroup:", 7))
		return parse_cgroup(d, src, n, w, err, errlen);
	if (ll_reg_args_parse(n - 1, w + 1, &a, !allow, err, errlen))
		return -EINVAL;
	kind = ll_reg_args_build(&a, allow ? LL_RULE_ALLOW : LL_RULE_ENDPOINT, &rec, &key, err,
				 errlen);
	if (kind < 0)
		return -EINVAL;
	if (kind == 1) {
		if ((ret = decl_grow((void **)&d->keys, sizeof(*d->keys), d->nkeys, &d->cap_keys,
				(void **)&d->kflags, sizeof(*d->kflags), (void **)&d->keys_src,
				sizeof(*d->keys_src))))
			return ret;
		d->keys[d->nkeys] = key;
		d->kflags[d->nkeys] = a.strict ? LL_FLOW_F_STRICT : 0;
		d->keys_src[d->nkeys++] = src;
		return 0;
	}
	if ((ret = decl_grow((void **)&d->recs, sizeof(*d->recs), d->nrecs, &d->cap_recs,
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

/*
 * A setting given once, or again with the same value. Twice on one line
 * (tables --max-flows 1 --max-flows 2): "the earlier line" would be this
 * one, so the message says so, with both values.
 */
static int set_once(struct ll_decl *d, struct ll_decl_src *where, struct ll_decl_src src,
		    int differs, const char *what, const char *was, const char *now, char *err,
		    size_t errlen)
{
	if (where->line && differs && where->file == src.file && where->line == src.line) {
		ERR("%s is given twice on this line with different values (%.40s, then %.40s)",
		    what, was, now);
		return -EINVAL;
	}
	if (where->line && differs) {
		ERR("%s is set differently at %s:%u", what, decl_src_file(d, *where), where->line);
		return -EINVAL;
	}
	if (!where->line)
		*where = src;
	return 0;
}

/* a tune value as the file writes it, for messages */
static const char *tune_value(int k, __u64 v, char *buf, size_t len)
{
	if (k == LL_TUNE_OBSERVE)
		snprintf(buf, len, "%s", v ? "on" : "off");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
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
		    "--sndbuf BYTES, --budget-rate BYTES, --budget-burst BYTES, --budget-pps N, "
		    "--observe on|off");
		return -EINVAL;
	}
	for (int i = 1; i < n; i++) {
		char was[32];
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
		if (k == LL_TUNE_OBSERVE) {
			if (strcmp(w[i], "on") && strcmp(w[i], "off")) {
				ERR("--observe takes on or off, not '%.40s'", w[i]);
				return -EINVAL;
			}
			v = !strcmp(w[i], "on");
		} else if (k >= LL_TUNE_BUDGET_RATE) {
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
			     ll_decl_tune_names[k], tune_value(k, d->tune[k], was, sizeof(was)),
			     w[i], err, errlen))
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
	if (set_once(d, &o->strict, src, d->strict >= 0 && d->strict != v, "strict",
		     d->strict ? "on" : "off", w[1], err, errlen))
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
		char was[16];
		__u32 v, *dst = flows ? &d->max_flows : &d->max_rules;

		if ((!flows && strcmp(w[i], "--max-rules")) || i + 1 == n) {
			ERR("unexpected '%.40s' (tables [--max-flows N] [--max-rules N])", w[i]);
			return -EINVAL;
		}
		if (ll_u32_parse(w[i + 1], 1, flows ? 1U << 26 : 1U << 20, &v, w[i], err, errlen))
			return -EINVAL;
		snprintf(was, sizeof(was), "%u", *dst);
		if (set_once(d, flows ? &o->max_flows : &o->max_rules, src, *dst && *dst != v,
			     w[i], was, w[i + 1], err, errlen))
			return -EINVAL;
		*dst = v;
	}
	return 0;
}

/*
 * The comment cut off: '#' starts one, "\\#" is a '#' of the line (a cgroup
 * directory's name; save writes it so). Any other backslash is itself
 * (systemd's "\\x2d" in a unit's cgroup).
 */
static void uncomment(char *line)
{
	char *w = line;

	for (const char *r = line; *r; r++) {
		if (*r == '\\' && r[1] == '#') {
			*w++ = *++r;
			continue;
		}
		if (*r == '#')
			break;
		*w++ = *r;
	}
	*w = '\0';
}

/* One line (NUL-terminated, modified in place). */
static int parse_line(struct ll_decl *d, struct ll_decl_src src, char *line, char *err,
		      size_t errlen)
{
	char *w[DECL_WORDS];
	int n;

	uncomment(line);
	n = ll_split_words(line, w, DECL_WORDS);
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
	if (!strcmp(w[0], "sockets"))
		return parse_sockets(d, src, n, w, err, errlen);
	ERR("unknown keyword '%.40s' (interface, flow, allow, sockets, tune, strict or tables)",
	    w[0]);
	return -EINVAL;
}

/*
 * Rules: the same rule twice must carry the same name, a name names one
 * rule. The repeats are dropped before the names are compared, so one
 * cannot sit between two rules of the same name and hide the clash.
 */
static int check_recs(struct ll_decl *d, unsigned char *drop, struct ll_decl_src *where,
		      char *err, size_t errlen)
{
	size_t *idx, w = 0;
	int ret = 0;

	if (!(idx = decl_index_of(d->nrecs, decl_idx_rec_cmp, d->recs)))
		return -ENOMEM;
	for (size_t i = 1; i < d->nrecs && !ret; i++) {
		const struct ll_rule_rec *a = &d->recs[idx[i - 1]], *b = &d->recs[idx[i]];

		if (decl_rec_cmp(a, b))
			continue;
		if (strncmp(a->name, b->name, LL_NAME_LEN)) {
			struct ll_decl_src first = d->recs_src[idx[i - 1]];

			ERR("the same rule is declared at %s:%u with another name",
			    decl_src_file(d, first), first.line);
			ret = -EINVAL;
			*where = d->recs_src[idx[i]];
		}
		drop[idx[i]] = 1;
		idx[i] = idx[i - 1];	/* later duplicates compare with the first */
	}
	free(idx);
	if (ret)
		return ret;
	for (size_t i = 0; i < d->nrecs; i++)
		if (!drop[i]) {
			d->recs[w] = d->recs[i];
			d->recs_src[w++] = d->recs_src[i];
		}
	d->nrecs = w;
	/* names: one rule each (endpoint and allow rules share them) */
	if (!(idx = decl_index_of(d->nrecs, decl_idx_name_cmp, d->recs)))
		return -ENOMEM;
	for (size_t i = 1; i < d->nrecs && !ret; i++) {
		const struct ll_rule_rec *a = &d->recs[idx[i - 1]], *b = &d->recs[idx[i]];
		struct ll_decl_src first = d->recs_src[idx[i - 1]];

		if (!a->name[0] || strncmp(a->name, b->name, LL_NAME_LEN))
			continue;
		ERR("the name '%.*s' is already used by the rule at %s:%u", LL_NAME_LEN, b->name,
		    decl_src_file(d, first), first.line);
		ret = -EINVAL;
		*where = d->recs_src[idx[i]];
	}
	free(idx);
	return ret;
}

/* Flows: the same flow twice must have the same --strict. */
static int check_keys(struct ll_decl *d, unsigned char *drop, struct ll_decl_src *where,
		      char *err, size_t errlen)
{
	size_t *idx, w = 0;
	int ret = 0;

	if (!(idx = decl_index_of(d->nkeys, decl_idx_key_cmp, d->keys)))
		return -ENOMEM;
	for (size_t i = 1; i < d->nkeys && !ret; i++) {
		if (decl_key_cmp(&d->keys[idx[i - 1]], &d->keys[idx[i]]))
			continue;
		if (d->kflags[idx[i - 1]] != d->kflags[idx[i]]) {
			ERR("the same flow is declared at %s:%u %s --strict",
			    decl_src_file(d, d->keys_src[idx[i - 1]]), d->keys_src[idx[i - 1]].line,
			    d->kflags[idx[i - 1]] & LL_FLOW_F_STRICT ? "with" : "without");
			ret = -EINVAL;
			*where = d->keys_src[idx[i]];
		}
		drop[idx[i]] = 1;
		idx[i] = idx[i - 1];
	}
	free(idx);
	if (ret)
		return ret;
	for (size_t i = 0; i < d->nkeys; i++)
		if (!drop[i]) {
			d->keys[w] = d->keys[i];
			d->kflags[w] = d->kflags[i];
			d->keys_src[w++] = d->keys_src[i];
		}
	d->nkeys = w;
	return 0;
}

/* Drops the later of identical items, refuses contradicting ones (both lines named). */
static int check_items(struct ll_decl *d, struct ll_decl_src *where, char *err, size_t errlen)
{
	unsigned char *drop;
	int ret;

	drop = calloc((d->nrecs > d->nkeys ? d->nrecs : d->nkeys) + 1, 1);
	if (!drop)
		return -ENOMEM;
	ret = check_recs(d, drop, where, err, errlen);
	if (!ret) {
		memset(drop, 0, d->nkeys + 1);
		ret = check_keys(d, drop, where, err, errlen);
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
		prefix_err(decl_src_file(d, src), src.line, err, errlen);
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
