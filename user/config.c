// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration is one table of keys: section, name, type, where the
 * value goes, and its default (as text, parsed by the same code as a file).
 * inih reads the files; a reader wrapper counts lines so every error names
 * FILE:LINE, and the checks that involve two keys name the line of the one
 * set last. The checks of the values once all files are read are in
 * config_check.c.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <ini.h>
#include "config.h"
#include "config_int.h"
#include "reserve.h"
#include "spec.h"
#include "util.h"

enum ktype {
	K_BOOL,
	K_DURATION,
	K_PERCENT,	/* 0..100 */
	K_RATIO,	/* non-negative decimal, no upper bound */
	K_COUNT,	/* u64 */
	K_UINT,		/* digits only, as the CLI's numbers (ll_u32_parse); u32 or u64 field */
	K_SIZE,		/* bytes with K/M/G */
	K_AMOUNT,	/* percent or size */
	K_PATH,		/* absolute, or empty */
	K_CGPATH,	/* a cgroup path below the root, no ".." */
	K_STRING,
	K_VERSION,	/* auto, 1, 2 */
};

struct key {
	const char *section;
	const char *name;
	enum ktype type;
	size_t off;
	size_t size;
	const char *def;
	double lo, hi;	/* bounds of a number (hi 0: only the type's) */
};

#define KEYR(sec, nm, t, field, d, l, h)                                                           \
	{ sec, nm, t, offsetof(struct ll_config, field),                                           \
	  sizeof(((struct ll_config *)0)->field), d, l, h }
#define KEY(sec, nm, t, field, d) KEYR(sec, nm, t, field, d, 0, 0)

static const struct key keys[] = {
	KEY("daemon", "tick", K_DURATION, tick_ns, "250ms"),
	/* a SIGKILLed daemon's level holds for the lease: bounded, so the host fails open soon */
	KEYR("daemon", "lease", K_DURATION, lease_ns, "3s", LL_LEASE_MIN_NS, LL_LEASE_MAX_NS),
	KEY("daemon", "hold", K_DURATION, hold_ns, "10s"),
	KEY("daemon", "pin_path", K_PATH, pin_path, "/sys/fs/bpf/lifeline"),
	KEY("daemon", "state_dir", K_PATH, state_dir, LL_STATE_DIR_DEFAULT),
	KEY("daemon", "group", K_STRING, group, ""),
	KEY("psi", "enable", K_BOOL, src.psi.enable, "yes"),
	KEY("psi", "some_elevated", K_PERCENT, src.psi.some[LL_T_ELEVATED], "10"),
	KEY("psi", "some_critical", K_PERCENT, src.psi.some[LL_T_CRITICAL], "40"),
	KEY("psi", "full_elevated", K_PERCENT, src.psi.full[LL_T_ELEVATED], "5"),
	KEY("psi", "full_critical", K_PERCENT, src.psi.full[LL_T_CRITICAL], "20"),
	KEY("psi", "trigger", K_STRING, src.psi.trigger, "some 150000 1000000"),
	KEY("watermark", "enable", K_BOOL, src.wmark.enable, "yes"),
	KEY("watermark", "elevated", K_RATIO, src.wmark.headroom[LL_T_ELEVATED], "50"),
	KEY("watermark", "critical", K_RATIO, src.wmark.headroom[LL_T_CRITICAL], "25"),
	KEY("memavailable", "enable", K_BOOL, src.memavail.enable, "yes"),
	KEY("memavailable", "elevated", K_AMOUNT, src.memavail.below[LL_T_ELEVATED], "10%"),
	KEY("memavailable", "critical", K_AMOUNT, src.memavail.below[LL_T_CRITICAL], "5%"),
	KEY("netstat", "enable", K_BOOL, src.netstat.enable, "yes"),
	KEY("netstat", "elevated", K_COUNT, src.netstat.drops[LL_T_ELEVATED], "0"),
	KEY("netstat", "critical", K_COUNT, src.netstat.drops[LL_T_CRITICAL], "1"),
	KEY("memcg", "enable", K_BOOL, src.memcg.enable, "no"),
	KEY("memcg", "version", K_VERSION, src.memcg.version, "auto"),
	KEY("memcg", "cgroup_root", K_PATH, src.memcg.root, "/sys/fs/cgroup"),
	KEY("memcg", "path", K_CGPATH, src.memcg.path, ""),
	KEY("memcg", "pressure_elevated", K_PERCENT, src.memcg.pressure[LL_T_ELEVATED], "10"),
	KEY("memcg", "pressure_critical", K_PERCENT, src.memcg.pressure[LL_T_CRITICAL], "40"),
	KEY("memcg", "usage_elevated", K_PERCENT, src.memcg.usage[LL_T_ELEVATED], "90"),
	KEY("memcg", "usage_critical", K_PERCENT, src.memcg.usage[LL_T_CRITICAL], "97"),
	KEY("memcg", "events", K_BOOL, src.memcg.events, "yes"),
	KEY("kernel", "enable", K_BOOL, src.kernel.enable, "yes"),
	KEY("kernel", "vmscan", K_BOOL, src.kernel.vmscan, "yes"),
	/* the bounds of lifeline reserve apply --kb, --watermark-scale and --max-share */
	KEYR("reserve", "size", K_SIZE, reserve.bytes, "0", 0, LL_RESERVE_KB_MAX * 1024.0),
	KEYR("reserve", "watermark_scale_factor", K_UINT, reserve.watermark_scale, "0", 0,
	     LL_RESERVE_WSF_MAX),
	KEYR("reserve", "max_share", K_UINT, reserve.max_share, "5", 1, LL_RESERVE_SHARE_MAX),
	KEY("reserve", "net_elevated", K_PERCENT, reserve.net_pct[0], "0"),
	KEY("reserve", "net_critical", K_PERCENT, reserve.net_pct[1], "0"),
	KEY("reserve", "restore_on_start", K_BOOL, reserve.restore_on_start, "yes"),
	KEY("alert", "on_change", K_PATH, hook, ""),
	KEY("alert", "hook_interval", K_DURATION, hook_interval_ns, "5s"),
	KEY("alert", "hook_timeout", K_DURATION, hook_timeout_ns, "30s"),
	KEY("metrics", "textfile", K_PATH, metrics_path, ""),
	KEY("metrics", "interval", K_DURATION, metrics_interval_ns, "15s"),
	/* as lifeline tune --budget-rate, --budget-burst and --budget-pps; u64 up to the
	 * datapath's cap (LL_BUDGET_RATE_MAX, 16 GiB/s), not 4 GiB */
	KEYR("budget", "rate", K_SIZE, budget_rate, "10M", 0, (double)LL_BUDGET_RATE_MAX),
	KEYR("budget", "burst", K_SIZE, budget_burst, "256K", 1514, (double)LL_BUDGET_RATE_MAX),
	KEYR("budget", "pps", K_UINT, budget_pps, "0", 0, 4294967295.0),
	KEY("budget", "share", K_PERCENT, budget_share, "0"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
#define MAX_FILES 128


/* ---- value parsers ---- */

static int is_blank(const char *s)
{
	return !*s;
}

int ll_parse_size(const char *s, __u64 *bytes)
{
	char *end;
	double v, mul = 1;

	if (is_blank(s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': mul = 1024.0; break;
		case 'm': case 'M': mul = 1024.0 * 1024; break;
		case 'g': case 'G': mul = 1024.0 * 1024 * 1024; break;
		case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; break;
		default: return -EINVAL;
		}
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B')
			end++;
		if (*end)
			return -EINVAL;
	}
	/* rounded to a byte; 2^64 and above do not fit (llround stops at 2^63) */
	v = v * mul + 0.5;
	if (v >= 18446744073709551616.0)
		return -ERANGE;
	*bytes = (__u64)v;
	return 0;
}

int ll_parse_bool(const char *s, int *b)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*b = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*b = 0;
			return 0;
		}
	}
	return -EINVAL;
}

int ll_parse_percent(const char *s, double *v)
{
	char *end;

	if (is_blank(s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || !isfinite(*v))
		return -EINVAL;
	if (*end == '%')
		end++;
	if (*end || *v < 0 || *v > 100)
		return -EINVAL;
	return 0;
}

int ll_parse_amount(const char *s, struct ll_amount *a)
{
	size_t n = strlen(s);
	__u64 b;
	int err;

	if (n && s[n - 1] == '%') {
		a->pct = 1;
		return ll_parse_percent(s, &a->value);
	}
	err = ll_parse_size(s, &b);
	if (err)
		return err;
	a->pct = 0;
	a->value = (double)b;
	return 0;
}

/* ---- the loader ---- */

struct where {
	const char *file;	/* NULL: default */
	int line;
};

struct loader {
	struct ll_config *c;
	struct ll_config_err *err;
	FILE *f;
	const char *file;
	int line;
	int failed;
	int stop;	/* not a text file: read no further */
	int long_line;
	struct where where[NKEYS];
	char *files[MAX_FILES];
	int nfiles;
};

static void set_err(struct ll_config_err *err, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_err(struct ll_config_err *err, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* the message quotes the file: keep it one printable line whatever the file holds */
	for (char *p = err->msg; *p; p++)
		if (*p < ' ' || *p > '~')
			*p = '?';
}

static const char *type_hint(enum ktype t)
{
	switch (t) {
	case K_BOOL: return "yes or no";
	case K_DURATION: return "a duration such as 250ms, 3s, 1m";
	case K_PERCENT: return "a percentage from 0 to 100";
	case K_RATIO: return "a non-negative number";
	case K_COUNT: return "a non-negative integer";
	case K_UINT: return "a whole number";
	case K_SIZE: return "a size in bytes such as 1500, 256K, 10M";
	case K_AMOUNT: return "a percentage such as 10% or a size such as 512M";
	case K_PATH: return "an absolute path, or nothing";
	case K_CGPATH: return "a cgroup path without \"..\"";
	case K_STRING: return "a string";
	case K_VERSION: return "auto, 1 or 2";
	}
	return "?";
}

/* -ERANGE when x is outside the key's bounds. */
static int in_range(const struct key *k, double x)
{
	if (k->hi && (x < k->lo || x > k->hi))
		return -ERANGE;
	return 0;
}

static void fmt_bound(const struct key *k, double x, char *buf, size_t len)
{
	if (k->type != K_DURATION)
		snprintf(buf, len, "%.0f", x);
	else
		ll_duration_str(buf, len, (__u64)x, LL_DUR_EXACT);
}

/* The numeric kinds: parsed, then checked against the key's range. */
static int set_number(const struct key *k, const char *v, void *dst)
{
	__u64 u;
	__u32 u32;
	double d;
	char *end, e[128];

	switch (k->type) {
	case K_DURATION:
		/* one duration grammar for the CLI and the config (spec.h); 0 means off */
		if (!strcmp(v, "0"))
			u = 0;
		else if (ll_duration_parse(v, &u, e, sizeof(e)))
			return -EINVAL;
		if (in_range(k, (double)u))
			return -ERANGE;
		*(__u64 *)dst = u;
		return 0;
	case K_PERCENT:
		if (ll_parse_percent(v, &d))
			return -EINVAL;
		if (in_range(k, d))
			return -ERANGE;
		*(double *)dst = d;
		return 0;
	case K_RATIO:
		errno = 0;
		d = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(d) || d < 0 || d > 1e6)
			return -EINVAL;
		*(double *)dst = d;
		return 0;
	case K_COUNT:
		if (!*v || *v == '-' || *v == '+')
			return -EINVAL;
		errno = 0;
		u = strtoull(v, &end, 10);
		if (errno || *end)
			return -EINVAL;
		if (in_range(k, (double)u))
			return -ERANGE;
		*(__u64 *)dst = u;
		return 0;
	case K_UINT:
		/* the CLI's number parser, so both accept and refuse the same text */
		if (ll_u32_parse(v, 0, 0xffffffffU, &u32, NULL, e, sizeof(e)))
			return -EINVAL;
		if (in_range(k, u32))
			return -ERANGE;
		if (k->size == sizeof(__u64))
			*(__u64 *)dst = u32;
		else
			*(__u32 *)dst = u32;
		return 0;
	case K_SIZE:
		if (ll_parse_size(v, &u))
			return -EINVAL;
		if (in_range(k, (double)u))
			return -ERANGE;
		*(__u64 *)dst = u;
		return 0;
	default:
		return -EINVAL;
	}
}

/* The text kinds: paths, strings (bounded by the key's size) and the version. */
static int set_text(const struct key *k, const char *v, void *dst)
{
	switch (k->type) {
	case K_PATH:
		if (*v && *v != '/')
			return -EINVAL;
		/* fall through */
	case K_CGPATH:
		if (k->type == K_CGPATH &&
		    (strstr(v, "/../") || !strcmp(v, "..") || !strncmp(v, "../", 3) ||
		     (strlen(v) >= 3 && !strcmp(v + strlen(v) - 3, "/..")) || strpbrk(v, "\n")))
			return -EINVAL;
		/* fall through */
	case K_STRING:
		if (strlen(v) >= k->size)
			return -ENAMETOOLONG;
		strcpy(dst, v);
		return 0;
	case K_VERSION:
		if (!strcmp(v, "auto"))
			*(int *)dst = 0;
		else if (!strcmp(v, "1") || !strcmp(v, "2"))
			*(int *)dst = *v - '0';
		else
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

static int set_value(struct ll_config *c, const struct key *k, const char *v)
{
	void *dst = (char *)c + k->off;
	int b;

	switch (k->type) {
	case K_BOOL:
		if (ll_parse_bool(v, &b))
			return -EINVAL;
		*(int *)dst = b;
		return 0;
	case K_AMOUNT:
		return ll_parse_amount(v, (struct ll_amount *)dst) ? -EINVAL : 0;
	case K_DURATION:
	case K_PERCENT:
	case K_RATIO:
	case K_COUNT:
	case K_UINT:
	case K_SIZE:
		return set_number(k, v, dst);
	case K_PATH:
	case K_CGPATH:
	case K_STRING:
	case K_VERSION:
		return set_text(k, v, dst);
	}
	return -EINVAL;
}

/* "invalid value; expected ..." or "out of range; expected ... from LO to HI" */
static void value_err(const struct key *k, int err, char *buf, size_t len)
{
	char lo[32], hi[32];

	if (err == -ENAMETOOLONG) {
		snprintf(buf, len, "too long; expected %s", type_hint(k->type));
		return;
	}
	if (!k->hi) {
		snprintf(buf, len, "invalid value; expected %s", type_hint(k->type));
		return;
	}
	fmt_bound(k, k->lo, lo, sizeof(lo));
	fmt_bound(k, k->hi, hi, sizeof(hi));
	snprintf(buf, len, "%s; expected %s, from %s to %s",
		 err == -ERANGE ? "out of range" : "invalid value", type_hint(k->type), lo, hi);
}

int ll_config_parse_value(const char *section, const char *name, const char *value, void *out,
			  size_t outlen, char *err, size_t errlen)
{
	struct ll_config *c;
	char why[200];
	int i = -1, ret;

	for (size_t n = 0; n < NKEYS; n++)
		if (!strcmp(keys[n].section, section) && !strcmp(keys[n].name, name))
			i = (int)n;
	if (i < 0 || keys[i].size != outlen)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	ret = set_value(c, &keys[i], value);
	if (!ret)
		memcpy(out, (char *)c + keys[i].off, outlen);
	else {
		value_err(&keys[i], ret, why, sizeof(why));
		snprintf(err, errlen, "'%.40s': %s", value, why);
		for (char *p = err; errlen && *p; p++)
			if (*p < ' ' || *p > '~')
				*p = '?';
	}
	free(c);
	return ret;
}

void ll_config_defaults(struct ll_config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++) {
		int err = set_value(c, &keys[i], keys[i].def);

		(void)err;	/* the table's defaults are checked by the tests */
	}
}

/*
 * inih's line reader: one line per call, counted. A NUL byte or a control
 * character (a binary file) stops the parse with FILE:LINE; a line longer
 * than inih's buffer is dropped up to its end and reported.
 */
static char *reader(char *str, int num, void *stream)
{
	struct loader *l = stream;
	int n = 0, ch = EOF;

	if (l->stop)
		return NULL;
	while (n < num - 1 && (ch = getc(l->f)) != EOF) {
		if ((ch < ' ' && ch != '\t' && ch != '\n' && ch != '\r') || ch == 0x7f) {
			if (!l->failed)
				set_err(l->err, l->file, l->line + 1, "%s byte 0x%02x: not a text "
					"file", ch ? "control" : "NUL", ch);
			l->failed = 1;
			l->stop = 1;
			return NULL;
		}
		str[n++] = ch;
		if (ch == '\n')
			break;
	}
	if (!n)
		return NULL;
	str[n] = '\0';
	l->line++;
	if (n == num - 1 && str[n - 1] != '\n' && (ch = getc(l->f)) != EOF && ch != '\n') {
		/* longer than inih's line buffer: drop the rest, and say so */
		while ((ch = getc(l->f)) != EOF && ch != '\n')
			;
		if (!l->failed) {
			set_err(l->err, l->file, l->line, "line longer than %d characters",
				num - 1);
			l->failed = 1;
		}
		l->long_line = 1;
	}
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct loader *l = user;
	int known_section = 0, err;

	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(section, keys[i].section))
			continue;
		known_section = 1;
		if (strcmp(name, keys[i].name))
			continue;
		err = set_value(l->c, &keys[i], value);
		if (err) {
			char why[200];

			value_err(&keys[i], err, why, sizeof(why));
			if (!l->failed)
				set_err(l->err, l->file, l->line, "[%s] %s = \"%s\": %s", section,
					name, value, why);
			l->failed = 1;
			return 0;
		}
		l->where[i].file = l->file;
		l->where[i].line = l->line;
		return 1;
	}
	if (!l->failed) {
		if (!*section)
			set_err(l->err, l->file, l->line, "key \"%s\" outside a section", name);
		else if (!known_section)
			set_err(l->err, l->file, l->line, "unknown section [%s]", section);
		else
			set_err(l->err, l->file, l->line, "unknown key \"%s\" in section [%s]",
				name, section);
	}
	l->failed = 1;
	return 0;
}

static int load_file(struct loader *l, const char *path)
{
	struct stat st;
	char *name;
	int rc, fd, fl;

	if (l->nfiles >= MAX_FILES) {
		set_err(l->err, path, 0, "more than %d configuration files", MAX_FILES);
		return -E2BIG;
	}
	name = strdup(path);
	if (!name)
		return -ENOMEM;
	l->files[l->nfiles++] = name;
	/* non-blocking: opening a FIFO with no writer would wait for ever */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		set_err(l->err, path, 0, "cannot open: %s", strerror(errno));
		return rc;
	}
	/* a device (/dev/zero never ends), a directory or a FIFO is no configuration */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		set_err(l->err, path, 0, "not a regular file");
		close(fd);
		return -EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) || !(l->f = fdopen(fd, "r"))) {
		rc = -errno;
		set_err(l->err, path, 0, "cannot open: %s", strerror(errno));
		close(fd);
		return rc;
	}
	l->file = name;
	l->line = 0;
	l->stop = 0;
	rc = ini_parse_stream(reader, l, handler, l);
	if (ferror(l->f) && !l->failed) {
		/* a read error is no end of file (/proc/self/mem is "regular") */
		set_err(l->err, path, l->line + 1, "cannot read: %s", strerror(errno));
		l->failed = 1;
	}
	fclose(l->f);
	l->f = NULL;
	if (rc < 0) {
		set_err(l->err, path, 0, "cannot read (%d)", rc);
		return -EIO;
	}
	if (rc > 0 && !l->failed) {
		/* inih's own complaint: no '=' or an unclosed section */
		set_err(l->err, path, rc,
			"syntax error: expected \"[section]\" or \"key = value\"");
		l->failed = 1;
	}
	return l->failed ? -EINVAL : 0;
}

static int conf_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".conf");
}

static int key_index(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			return (int)i;
	return -1;
}

/* Which of two settings came later: files are in load order, lines within a file. */
static const struct where *later(struct loader *l, const struct where *a, const struct where *b)
{
	if (!a->file)
		return b;
	if (!b->file)
		return a;
	if (a->file == b->file)
		return a->line >= b->line ? a : b;
	for (int i = 0; i < l->nfiles; i++) {
		if (l->files[i] == a->file)
			return b;
		if (l->files[i] == b->file)
			return a;
	}
	return a;
}

/* Reports a failed check (config_int.h). */
int cfg_check_fail(struct loader *l, const char *section, const char *a, const char *b,
		   const char *fmt, ...)
{
	const struct where none = {}, *w;
	int ia = key_index(section, a), ib = b ? key_index(section, b) : -1;
	char msg[200];
	va_list ap;

	w = later(l, ia >= 0 ? &l->where[ia] : &none, ib >= 0 ? &l->where[ib] : &none);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_err(l->err, w->file ? w->file : "", w->file ? w->line : 0, "[%s] %s", section, msg);
	return -EINVAL;
}


int ll_config_load(struct ll_config *c, const char *path, int must_exist,
		   struct ll_config_err *err)
{
	struct loader *l = calloc(1, sizeof(*l));
	struct dirent **list = NULL;
	char dir[PATH_MAX], file[PATH_MAX];
	int n = 0, rc = 0;

	memset(err, 0, sizeof(*err));
	if (!l) {
		set_err(err, NULL, 0, "out of memory");
		return -ENOMEM;
	}
	l->c = c;
	l->err = err;
	ll_config_defaults(c);

	if (access(path, F_OK)) {
		if (must_exist || errno != ENOENT) {
			rc = -errno;
			set_err(err, path, 0, "cannot open: %s", strerror(errno));
			goto cleanup;
		}
	} else {
		rc = load_file(l, path);
		if (rc)
			goto cleanup;
	}

	if (snprintf(dir, sizeof(dir), "%s.d", path) >= (int)sizeof(dir)) {
		rc = -ENAMETOOLONG;
		set_err(err, path, 0, "path too long");
		goto cleanup;
	}
	n = scandir(dir, &list, conf_filter, alphasort);
	if (n < 0) {
		n = 0;
		if (errno != ENOENT && errno != ENOTDIR) {
			rc = -errno;
			set_err(err, dir, 0, "cannot read directory: %s", strerror(errno));
			goto cleanup;
		}
	}
	for (int i = 0; i < n; i++) {
		if (snprintf(file, sizeof(file), "%s/%s", dir, list[i]->d_name) >=
		    (int)sizeof(file)) {
			rc = -ENAMETOOLONG;
			set_err(err, dir, 0, "path too long");
			goto cleanup;
		}
		rc = load_file(l, file);
		if (rc)
			goto cleanup;
	}
	rc = cfg_validate(l, c);
cleanup:
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	for (int i = 0; i < l->nfiles; i++)
		free(l->files[i]);
	free(l);
	return rc;
}

void ll_config_err_format(const struct ll_config_err *err, char *buf, size_t len)
{
	if (err->file[0] && err->line)
		snprintf(buf, len, "%s:%d: %s", err->file, err->line, err->msg);
	else if (err->file[0])
		snprintf(buf, len, "%s: %s", err->file, err->msg);
	else
		snprintf(buf, len, "%s", err->msg);
}

static void print_duration(FILE *f, __u64 ns)
{
	char buf[32];

	fputs(ll_duration_str(buf, sizeof(buf), ns, LL_DUR_EXACT), f);
}

void ll_config_print(const struct ll_config *c, FILE *f)
{
	const char *section = "";

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		const void *v = (const char *)c + k->off;

		if (strcmp(section, k->section)) {
			fprintf(f, "%s[%s]\n", i ? "\n" : "", k->section);
			section = k->section;
		}
		fprintf(f, "%s = ", k->name);
		switch (k->type) {
		case K_BOOL:
			fputs(*(const int *)v ? "yes" : "no", f);
			break;
		case K_DURATION:
			print_duration(f, *(const __u64 *)v);
			break;
		case K_PERCENT:
		case K_RATIO:
			fprintf(f, "%g", *(const double *)v);
			break;
		case K_COUNT:
		case K_SIZE:
			fprintf(f, "%llu", (unsigned long long)*(const __u64 *)v);
			break;
		case K_UINT:
			fprintf(f, "%llu", k->size == sizeof(__u64) ?
				(unsigned long long)*(const __u64 *)v :
				(unsigned long long)*(const __u32 *)v);
			break;
		case K_AMOUNT: {
			const struct ll_amount *a = v;

			fprintf(f, a->pct ? "%g%%" : "%.0f", a->value);
			break;
		}
		case K_PATH:
		case K_CGPATH:
		case K_STRING:
			fputs(v, f);
			break;
		case K_VERSION:
			if (*(const int *)v)
				fprintf(f, "%d", *(const int *)v);
			else
				fputs("auto", f);
			break;
		}
		fputc('\n', f);
	}
}
