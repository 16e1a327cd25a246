// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline sockets attach|detach|scan|list: sock_ops registration of TCP connections. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "sockets.h"

static void sockets_human(json_object *o)
{
	json_object *arr, *added;

	if (json_object_object_get_ex(o, "added", &added))
		printf("registered %lld existing connections (%lld to endpoints, %lld kernel memalloc "
		       "sockets)\n", ji(added, "sock_ops") + ji(added, "kernel"),
		       ji(added, "sock_ops"), ji(added, "kernel"));
	if (json_object_object_get_ex(o, "links", &arr))
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *e = json_object_array_get_idx(arr, i);

			printf("sock_ops on %s: %s\n", js(e, "cgroup"),
			       strcmp(js(e, "scope"), "cgroup") ? "connections to registered endpoints" :
								  "every connection of the cgroup");
		}
}

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
	__u32 added[LL_ORIGIN_MAX];
	char err[512];
	json_object *o;
	int ret = 0;

	if (attach)
		ret = ll_sockets_attach(c->s.m.dir, cgdir, 0, err, sizeof(err));
	else if (detach)
		ret = ll_sockets_detach(c->s.m.dir, cgdir, 0, err, sizeof(err));
	o = json_object_new_object();
	if (!ret && scan) {
		json_object *a = json_object_new_object();

		ret = ll_sockets_scan(c->s.m.dir, added, err, sizeof(err));
		json_object_object_add(a, "sock_ops", json_object_new_int(added[LL_ORIGIN_SOCKOPS]));
		json_object_object_add(a, "kernel", json_object_new_int(added[LL_ORIGIN_KERNEL]));
		json_object_object_add(o, "added", a);
	}
	json_object_object_add(o, "links", sock_links_json(c->s.m.dir));
	if (ret) {
		json_object_put(o);
		return out_error(EXIT_FAILURE, "%s", err);
	}
	return cli_emit(c, o, sockets_human);
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
	{ "attach", NULL, sockets_attach, CLI_SESS_CREATE, sockets_opts, NULL, 0, 0,
	  .summary = "register TCP connections to registered endpoints when established, remove "
		     "them when closed (sock_ops on DIR, default the cgroup-v2 root); also scans "
		     "existing connections",
	  .examples = "sockets attach\nsockets attach --cgroup /sys/fs/cgroup/system.slice" },
	{ "detach", NULL, sockets_detach, CLI_SESS_READ, sockets_opts, NULL, 0, 0,
	  .summary = "remove sock_ops from DIR", .examples = "sockets detach" },
	{ "scan", NULL, sockets_scan, CLI_SESS_CREATE, NULL, NULL, 0, 0,
	  .summary = "register existing connections again", .examples = "sockets scan" },
	{ "list", NULL, sockets_list, CLI_SESS_READ, NULL, NULL, 0, 0,
	  .summary = "show where sock_ops is attached (the default verb)",
	  .examples = "sockets\n-j sockets list" },
};

const struct cli_object cli_sockets = { "sockets", sockets_verbs, CLI_NVERBS(sockets_verbs), "list" };
