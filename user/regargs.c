// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <endian.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "regargs.h"
#include "spec.h"
#include "util.h"

void ll_flow_key_make(struct ll_flow_key *k, __u8 proto, const __u8 remote[16], __u16 rport,
		      const __u8 local[16], __u16 lport)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	memcpy(k->remote, remote, 16);
	memcpy(k->local, local, 16);
	k->remote_port = htobe16(rport);
	k->local_port = htobe16(lport);
}

/* One SPEC with its options, from a command line or a flow file line. */
int ll_reg_args_parse(int argc, char **argv, struct ll_reg_args *a, int allow_local, char *err,
			  size_t errlen)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--strict") && allow_local) {
			a->strict = 1;
			continue;
		}
		if (!strcmp(argv[i], "--name") || !strcmp(argv[i], "--local")) {
			if (i + 1 == argc) {
				snprintf(err, errlen, "%s needs a value", argv[i]);
				return -EINVAL;
			}
			/* the last one silently winning hides a typo: refuse */
			if (argv[i][2] == 'n' ? !!a->name : !!a->local) {
				snprintf(err, errlen, "%s given twice", argv[i]);
				return -EINVAL;
			}
			if (argv[i][2] == 'n')
				a->name = argv[++i];
			else if (allow_local)
				a->local = argv[++i];
			else {
				snprintf(err, errlen, "--local applies to flows only");
				return -EINVAL;
			}
		} else if (argv[i][0] == '-' || a->spec) {
			snprintf(err, errlen, "unexpected argument '%s'", argv[i]);
			return -EINVAL;
		} else {
			a->spec = argv[i];
		}
	}
	if (!a->spec) {
		snprintf(err, errlen, "missing SPEC (e.g. nbd://198.51.100.7)");
		return -EINVAL;
	}
	if (a->name && ll_name_check(a->name, err, errlen))
		return -EINVAL;
	return 0;
}

/*
 * Turns parsed arguments into a rule record, or (with --local) an exact
 * flow key. Returns 1 for a flow, 0 for a rule, -EINVAL with err set.
 */
int ll_reg_args_build(const struct ll_reg_args *a, __u32 kind, struct ll_rule_rec *rec,
			  struct ll_flow_key *key, char *err, size_t errlen)
{
	__u8 local[16];
	__u16 lport;
	int v4;

	if (ll_spec_parse(a->spec, rec, err, errlen))
		return -EINVAL;
	rec->kind = kind;
	if (a->name)
		snprintf(rec->name, sizeof(rec->name), "%s", a->name);
	if (a->strict && !a->local) {
		snprintf(err, errlen, "--strict applies to exact flows (with --local); for rules use "
			 "'lifeline strict on'");
		return -EINVAL;
	}
	/* strict: a local TCP socket owns the 4-tuple; nothing of the kind exists for UDP */
	if (a->strict && rec->proto != IPPROTO_TCP) {
		snprintf(err, errlen, "--strict applies to TCP flows only (it asks for a local TCP "
			 "socket of the 4-tuple); %s is not TCP", a->spec);
		return -EINVAL;
	}
	if (!a->local)
		return 0;
	if (ll_addr_port_parse(a->local, local, &v4, &lport, 1, err, errlen))
		return -EINVAL;
	if (rec->plen != (rec->is_v4 ? 32 : 128) || rec->nranges != 1 ||
	    rec->ranges[0].lo != rec->ranges[0].hi) {
		snprintf(err, errlen, "--local makes an exact flow: the SPEC must name one host and "
			 "one port");
		return -EINVAL;
	}
	if (v4 != rec->is_v4) {
		snprintf(err, errlen, "--local %s and %s are of different address families",
			 a->local, a->spec);
		return -EINVAL;
	}
	if (a->name) {
		snprintf(err, errlen, "--name applies to rules; exact flows are named by their "
			 "5-tuple");
		return -EINVAL;
	}
	ll_flow_key_make(key, rec->proto, rec->addr, rec->ranges[0].lo, local, lport);
	return 1;
}

/* Messages quote the input: keep them one printable line whatever it holds. */
static int printable(int ret, char *err)
{
	for (char *p = err; ret < 0 && *p; p++)
		if (*p < ' ' || *p > '~')
			*p = '?';
	return ret;
}

int ll_flow_line_parse(char *line, size_t len, struct ll_rule_rec *rec, struct ll_flow_key *key,
		       __u32 *flags, char *err, size_t errlen)
{
	char *words[LL_FLOW_LINE_WORDS], *hash, *nul = memchr(line, '\0', len);
	struct ll_reg_args a;
	int n, ret;

	*flags = 0;
	/* a NUL inside the line: a binary file, or text the parser would never see */
	if (nul) {
		snprintf(err, errlen, "NUL byte at offset %zu (a binary file?)", (size_t)(nul - line));
		return -EINVAL;
	}
	hash = memchr(line, '#', len);
	if (hash)
		*hash = '\0';
	else
		line[len] = '\0';
	n = ll_split_words(line, words, LL_FLOW_LINE_WORDS);
	if (!n)
		return 2;
	if (n > LL_FLOW_LINE_WORDS) {
		snprintf(err, errlen, "too many words (at most %d)", LL_FLOW_LINE_WORDS);
		return -EINVAL;
	}
	if (ll_reg_args_parse(n, words, &a, 1, err, errlen))
		return printable(-EINVAL, err);
	ret = ll_reg_args_build(&a, LL_RULE_ENDPOINT, rec, key, err, errlen);
	if (ret == 1 && a.strict)
		*flags = LL_FLOW_F_STRICT;
	return printable(ret, err);
}

int ll_cgroup_path_check(const char *path, char *err, size_t errlen)
{
	if (path[0] != '/' || strstr(path, "/..") || strlen(path) > LL_CGROUP_PATH_MAX) {
		snprintf(err, errlen, "cgroup:/PATH needs a path under the cgroup-v2 root, "
			 "starting with /");
		return -EINVAL;
	}
	for (const char *p = path; *p; p++)
		if (*p <= ' ' || *p == 0x7f) {
			snprintf(err, errlen, "cgroup:/PATH: a space or control character cannot be "
				 "written in the registry");
			return -EINVAL;
		}
	return 0;
}

/* The characters of one path (dir as given, or what it resolves to). */
static int cgroup_dir_chars(const char *dir, const char *what, char *err, size_t errlen)
{
	for (const char *p = dir; *p; p++)
		if (*p <= ' ' || *p == 0x7f) {
			snprintf(err, errlen, "--cgroup DIR%s: a space or control character cannot "
				 "be written in the registry", what);
			return -EINVAL;
		}
	if (strlen(dir) > LL_CGROUP_DIR_MAX) {
		snprintf(err, errlen, "--cgroup DIR%s: longer than %d bytes", what,
			 LL_CGROUP_DIR_MAX);
		return -EINVAL;
	}
	return 0;
}

/*
 * Save writes the directory the kernel names, not the words given: a symlink
 * (or "//", "/./") is checked as what it resolves to too. A path that does
 * not resolve is left to the attach (not a cgroup-v2 directory).
 */
int ll_cgroup_dir_writable(const char *dir, char *err, size_t errlen)
{
	char real[PATH_MAX], what[256];
	int ret = cgroup_dir_chars(dir, "", err, errlen);

	if (ret || !realpath(dir, real) || !strcmp(real, dir))
		return ret;
	snprintf(what, sizeof(what), " (resolves to '%.200s')", real);
	return cgroup_dir_chars(real, what, err, errlen);
}

int ll_cgroup_dir_check(const char *dir, char *err, size_t errlen)
{
	if (dir[0] != '/' || strstr(dir, "/..")) {
		snprintf(err, errlen, "sockets --cgroup DIR needs an absolute cgroup-v2 directory "
			 "(starting with /, no ..)");
		return -EINVAL;
	}
	return ll_cgroup_dir_writable(dir, err, errlen);
}

const char *ll_cgroup2_root(void)
{
	struct statfs st;

	if (!statfs("/sys/fs/cgroup/unified", &st) && st.f_type == CGROUP2_SUPER_MAGIC)
		return "/sys/fs/cgroup/unified";
	return "/sys/fs/cgroup";
}

int ll_cgroup_id(const char *cgdir, __u64 *id)
{
	struct statfs sf;
	struct stat st;

	if (statfs(cgdir, &sf))
		return -errno;
	if (sf.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTDIR;
	if (stat(cgdir, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}
