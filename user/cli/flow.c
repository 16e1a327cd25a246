// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline flow add|del|list|load: block-I/O endpoints (rules), exact
 * flows and cgroups. add, del and list are shared with allow (reg.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "emit.h"
#include "reg.h"
#include "registry.h"

/* longest line of a flow file: far above any spec, far below a runaway read */
#define FLOW_LINE_MAX 4096

/*
 * One line of a flow file into buf (FLOW_LINE_MAX + 1 bytes), bounded: a
 * NUL byte ends the line there (the parser reports it), so /dev/zero fails
 * at line 1 at once. Returns its length, 0 at the end, -E2BIG when longer
 * than FLOW_LINE_MAX, -EIO on a read error.
 */
static ssize_t flow_line_read(FILE *f, char *buf)
{
	size_t n = 0;
	int ch;

	while ((ch = getc(f)) != EOF) {
		if (n == FLOW_LINE_MAX)
			return -E2BIG;
		buf[n++] = (char)ch;
		if (ch == '\n' || ch == '\0')
			break;
	}
	if (ch == EOF && ferror(f))
		return -EIO;
	buf[n] = '\0';
	return (ssize_t)n;
}

/*
 * FILE of flow load: a regular file or a device (/dev/null; the reader is
 * bounded), opened without blocking on a FIFO, which is refused (a FIFO
 * with no writer would hang; - reads standard input).
 */
static FILE *flow_file_open(const char *file)
{
	struct stat st;
	int fd, fl;
	FILE *f;

	if (!strcmp(file, "-"))
		return stdin;
	fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) || !(f = fdopen(fd, "r"))) {
		close(fd);
		return NULL;
	}
	return f;
}

/* the parsed file, from prepare to run */
static struct {
	const char *file;
	struct ll_rule_rec *recs;
	struct ll_flow_key *keys;
	__u32 *flags;
	size_t nrecs, nkeys, cap;
} load;

static int load_grow(void)
{
	size_t ncap = load.cap ? load.cap * 2 : 1024;
	void *nr = realloc(load.recs, ncap * sizeof(*load.recs));
	void *nk = nr ? realloc(load.keys, ncap * sizeof(*load.keys)) : NULL;
	void *nf = nk ? realloc(load.flags, ncap * sizeof(*load.flags)) : NULL;

	if (nr)
		load.recs = nr;
	if (nk)
		load.keys = nk;
	if (!nf)
		return -ENOMEM;
	load.flags = nf;
	load.cap = ncap;
	return 0;
}

/* Every line of f, parsed: one bad line and nothing is applied. 0 or the exit status. */
static int load_lines(FILE *f, char *line)
{
	const char *file = load.file;
	size_t lineno = 0;
	char err[512];
	ssize_t got;

	while ((got = flow_line_read(f, line)) != 0) {
		int kind;

		lineno++;
		if (got == -E2BIG)
			return usage_error("%s:%zu: line longer than %d characters; nothing was "
					   "loaded", file, lineno, FLOW_LINE_MAX);
		if (got < 0)
			break;
		if (load.nrecs + load.nkeys + 1 > load.cap && load_grow())
			return out_error(EXIT_FAILURE, "out of memory reading %s", file);
		kind = ll_flow_line_parse(line, (size_t)got, &load.recs[load.nrecs],
					  &load.keys[load.nkeys], &load.flags[load.nkeys], err,
					  sizeof(err));
		if (kind < 0)
			return usage_error("%s:%zu: %s; nothing was loaded", file, lineno, err);
		if (kind == 1)
			load.nkeys++;
		else if (kind == 0)
			load.nrecs++;
	}
	if (ferror(f))
		return out_error(EXIT_FAILURE, "cannot read %s: %s", file, strerror(errno));
	return 0;
}

static int flow_load_prepare(struct cli_ctx *c)
{
	char *line;
	FILE *f;
	int ret;

	load.file = c->argv[0];
	f = flow_file_open(load.file);
	if (!f) {
		if (errno == EINVAL)
			return usage_error("%s: not a regular file (give a file, or - to "
					   "read standard input)", load.file);
		return out_error(EXIT_FAILURE, "cannot open %s: %s", load.file, strerror(errno));
	}
	line = malloc(FLOW_LINE_MAX + 1);
	ret = line ? load_lines(f, line) : out_error(EXIT_FAILURE, "out of memory reading %s",
						       load.file);
	if (f != stdin)
		fclose(f);
	free(line);
	return ret;
}

/* undo the rules this load added (those free before, taken in r) */
static void load_undo(struct ll_maps *m, struct ll_registry *r, const struct ll_registry *before)
{
	char ignore[256];
	__u32 *ids = malloc(r->cap * sizeof(*ids));
	size_t nid = 0;

	for (__u32 i = 0; ids && i < r->cap; i++)
		if (before->recs[i].kind == LL_RULE_FREE && r->recs[i].kind != LL_RULE_FREE)
			ids[nid++] = i;
	if (ids)
		ll_reg_del(m, r, ids, nid, ignore, sizeof(ignore));
	free(ids);
}

static int do_flow_load(struct cli_ctx *c)
{
	size_t dup_r = 0, dup_f = 0;
	struct ll_registry r, before;
	char err[512];
	struct emit e;
	int ret;

	ret = ll_reg_read(&c->s.m, &r);
	if (!ret)
		ret = ll_reg_read(&c->s.m, &before);
	if (ret)
		return out_error(EXIT_FAILURE, "cannot read the rules: %s", strerror(-ret));
	ret = ll_reg_add(&c->s.m, &r, load.recs, load.nrecs, &dup_r, err, sizeof(err));
	if (!ret) {
		ret = ll_flows_add(&c->s.m, load.keys, load.nkeys, LL_ORIGIN_CLI, load.flags, &dup_f,
				   err, sizeof(err));
		if (ret)
			load_undo(&c->s.m, &r, &before);
	}
	ll_reg_free(&r);
	ll_reg_free(&before);
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	emit_begin(&e);
	emit_str(&e, "file", "loaded %s: ", load.file);
	emit_u64(&e, "rules_added", "%llu rules and ", load.nrecs - dup_r);
	emit_u64(&e, "flows_added", "%llu flows added, ", load.nkeys - dup_f);
	emit_u64(&e, FIELD_ALREADY, "%llu already registered\n", dup_r + dup_f);
	return cli_emit_done(c, &e);
}

/* ---------------------------------------------------------------- the object */

static int flow_add_prepare(struct cli_ctx *c)
{
	return reg_add_prepare(c, LL_RULE_ENDPOINT);
}

static int flow_del_prepare(struct cli_ctx *c)
{
	return reg_del_prepare(c, LL_RULE_ENDPOINT);
}

static int flow_del(struct cli_ctx *c)
{
	return reg_del_run(c, LL_RULE_ENDPOINT);
}

static int flow_list(struct cli_ctx *c)
{
	return reg_list(c, LL_RULE_ENDPOINT);
}

static const struct cli_opt flow_add_opts[] = {
	REG_OPT_NAME,
	REG_OPT_LOCAL("one exact 5-tuple flow with this local end, instead of a rule (SPEC "
		      "naming one host and one port)"),
	{ "strict", CLI_FLAG, &reg_opts.strict,
	  .help = "(TCP, with --local) at critical the flow needs a local socket; adding an "
		  "existing flow with --strict sets it, without keeps it (flow del, then add, to "
		  "clear it)" },
	{ NULL },
};

static const struct cli_opt flow_del_opts[] = {
	REG_OPT_LOCAL("the exact flow with this local end"),
	{ "strict", CLI_FLAG, &reg_opts.strict,
	  .help = "accepted, so that the words of a flow add undo it; the flow goes whether "
		  "strict or not" },
	{ NULL },
};

#define SPEC_HELP \
	"SPEC := nbd|iscsi|nvme-tcp|nfs|ceph://HOST[/PLEN][:PORT] | " \
	"tcp|udp://ADDR[/PLEN][:PORT[-PORT]]; default ports: nbd 10809, iscsi 3260, nvme-tcp " \
	"4420, nfs 2049, ceph 3300, 6789 and 6800-7300; IPv6 in brackets: " \
	"tcp://[2001:db8::/64]:4420. HOST is a literal address. A rule matches packets from its " \
	"prefix whose source or destination port is in range."

static const struct cli_verb flow_verbs[] = {
	{ "add", flow_add_prepare, reg_add_run, CLI_SESS_CREATE, flow_add_opts, "SPEC|cgroup:/PATH",
	  1, 1, .missing = "missing SPEC (e.g. nbd://198.51.100.7)",
	  .summary = "register block-I/O endpoints (a rule); with --local, one exact 5-tuple flow; "
		     "cgroup:/PATH: every TCP connection of a cgroup-v2 group (sock_ops)",
	  .help = SPEC_HELP,
	  .examples = "flow add iscsi://198.51.100.10 --name san\n"
		      "flow add nbd://198.51.100.7 --local 198.51.100.2:40000 --strict\n"
		      "flow add tcp://[2001:db8::/64]:4420\nflow add cgroup:/system.slice/iscsid.service" },
	{ "del", flow_del_prepare, flow_del, CLI_SESS_READ, flow_del_opts, "SPEC|NAME|cgroup:/PATH",
	  1, 1, .missing = "flow del needs a SPEC or a NAME",
	  .summary = "remove a registration: a rule by SPEC or NAME, a flow by SPEC and --local, a "
		     "cgroup",
	  .examples = "flow del san\nflow del nbd://198.51.100.7 --local 198.51.100.2:40000" },
	{ "list", NULL, flow_list, CLI_SESS_READ, NULL, NULL, 0, 0,
	  .summary = "registered rules, flows and cgroups, with their hits",
	  .examples = "flow list\n-j flow list" },
	{ "load", flow_load_prepare, do_flow_load, CLI_SESS_CREATE, NULL, "FILE|-", 1, 1,
	  .missing = "flow load takes one FILE, or - for standard input",
	  .summary = "one SPEC [--name NAME] [--local ADDR:PORT [--strict]] per line, '#' comments; "
		     "all or nothing: a bad line changes nothing and is named",
	  .examples = "flow load /etc/lifeline/flows\nflow load - <flows.txt" },
};

const struct cli_object cli_flow = { "flow", flow_verbs, CLI_NVERBS(flow_verbs), NULL };
