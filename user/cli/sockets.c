// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline sockets attach|detach|scan|list: sock_ops registration of TCP connections. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "emit.h"
#include "regargs.h"
#include "sockets.h"

static const char *sockets_cgroup;

static const struct cli_opt sockets_opts[] = {
	{ "cgroup", CLI_STRING, &sockets_cgroup, .metavar = "DIR",
	  .help = "the cgroup-v2 directory (default the cgroup-v2 root)" },
	{ NULL },
};

/* attach, detach (sock_ops on the cgroup), scan (existing connections), the links */
static int sockets_run(struct cli_ctx *c, int attach, int detach, int scan)
{
	const char *cgdir = sockets_cgroup ? sockets_cgroup : ll_cgroup2_root();
	struct ll_sock_link links[64];
	__u32 added[LL_ORIGIN_MAX] = { 0 };
	char err[512];
	struct emit e;
	int ret = 0, n;

	if (attach)
		ret = ll_sockets_attach(c->s.m.dir, cgdir, 0, err, sizeof(err));
	else if (detach)
		ret = ll_sockets_detach(c->s.m.dir, cgdir, 0, err, sizeof(err));
	if (!ret && scan)
		ret = ll_sockets_scan(c->s.m.dir, added, err, sizeof(err));
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	emit_begin(&e);
	if (scan) {
		emit_text(&e, "registered %llu existing connections (",
			  (unsigned long long)added[LL_ORIGIN_SOCKOPS] + added[LL_ORIGIN_KERNEL]);
		emit_obj_begin(&e, "added");
		emit_u64(&e, "sock_ops", "%llu to endpoints, ", added[LL_ORIGIN_SOCKOPS]);
		emit_u64(&e, "kernel", "%llu kernel memalloc sockets)\n", added[LL_ORIGIN_KERNEL]);
		emit_close(&e);
	}
	n = ll_sockets_list(c->s.m.dir, links, 64);
	emit_arr_begin(&e, "links");
	for (int i = 0; i < n; i++) {
		sock_link_emit(&e, &links[i]);
		emit_text(&e, "sock_ops on %s: %s\n", links[i].path,
			  links[i].all ? "every connection of the cgroup" :
					 "connections to registered endpoints");
	}
	emit_close(&e);
	return cli_emit_done(c, &e);
}

/* DIR checked before the session: a bad one creates no maps (as attach DEV) */
static int sockets_prepare(struct cli_ctx *c, int attach)
{
	char err[512];
	__u64 id;

	if (!sockets_cgroup)
		return 0;
	/* lifeline save writes the directory in the registry: refuse what it could not */
	if (attach && ll_cgroup_dir_writable(sockets_cgroup, err, sizeof(err)))
		return usage_error("%s", err);
	if (ll_cgroup_id(sockets_cgroup, &id))
		return out_error(EXIT_FAILURE, "%s is not a cgroup-v2 directory", sockets_cgroup);
	return 0;
}

static int sockets_attach_prepare(struct cli_ctx *c)
{
	return sockets_prepare(c, 1);
}

static int sockets_detach_prepare(struct cli_ctx *c)
{
	return sockets_prepare(c, 0);
}

static int sockets_attach(struct cli_ctx *c)
{
	return sockets_run(c, 1, 0, 1);
}

static int sockets_detach(struct cli_ctx *c)
{
	return sockets_run(c, 0, 1, 0);
}

static int sockets_scan(struct cli_ctx *c)
{
	return sockets_run(c, 0, 0, 1);
}

static int sockets_list(struct cli_ctx *c)
{
	return sockets_run(c, 0, 0, 0);
}

static const struct cli_verb sockets_verbs[] = {
	{ "attach", sockets_attach_prepare, sockets_attach, CLI_SESS_CREATE, sockets_opts, NULL, 0, 0,
	  .summary = "register TCP connections to registered endpoints when established, remove "
		     "them when closed (sock_ops on DIR, default the cgroup-v2 root); also scans "
		     "existing connections",
	  .examples = "sockets attach\nsockets attach --cgroup /sys/fs/cgroup/system.slice" },
	{ "detach", sockets_detach_prepare, sockets_detach, CLI_SESS_READ, sockets_opts, NULL, 0, 0,
	  .summary = "remove sock_ops from DIR", .examples = "sockets detach" },
	{ "scan", NULL, sockets_scan, CLI_SESS_CREATE, NULL, NULL, 0, 0,
	  .summary = "register existing connections again", .examples = "sockets scan" },
	{ "list", NULL, sockets_list, CLI_SESS_READ, NULL, NULL, 0, 0,
	  .summary = "show where sock_ops is attached (the default verb)",
	  .examples = "sockets\n-j sockets list" },
};

const struct cli_object cli_sockets = { "sockets", sockets_verbs, CLI_NVERBS(sockets_verbs), "list" };
