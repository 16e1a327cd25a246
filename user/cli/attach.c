// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline attach DEV and lifeline detach DEV|--all. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "sockets.h"
#include "spec.h"

static int iface_arg(const char *name, int *ifindex)
{
	char err[256];

	if (ll_ifname_check(name, err, sizeof(err)))
		return usage_error("%s", err);
	*ifindex = if_nametoindex(name);
	if (!*ifindex)
		return out_error(EXIT_FAILURE, "no interface named '%s' (see 'ip link')", name);
	return 0;
}

json_object *iface_json(const struct ll_iface *i)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "interface", json_object_new_string(i->name[0] ? i->name : "(gone)"));
	json_object_object_add(o, "ifindex", json_object_new_int(i->ifindex));
	json_object_object_add(o, "xdp_mode", json_object_new_string(i->mode));
	json_object_object_add(o, "xdp_prog_id", json_object_new_int64(i->xdp_prog_id));
	json_object_object_add(o, "tc_ingress", json_object_new_boolean(i->tc_ingress));
	json_object_object_add(o, "tc_egress", json_object_new_boolean(i->tc_egress));
	json_object_object_add(o, "policy_hook", json_object_new_string(
		i->tc_policy ? "tc_ingress" : i->xdp_ours_id ? "xdp" : "none"));
	/* from the kernel objects this pin path owns: what a monitor alerts on */
	json_object_object_add(o, "state", json_object_new_string(i->state));
	json_object_object_add(o, "enforcing", json_object_new_boolean(!strcmp(i->state, "enforcing")));
	json_object_object_add(o, "xdp_via", json_object_new_string(i->xdp_via));
	json_object_object_add(o, "tc_via", json_object_new_string(i->tc_via));
	json_object_object_add(o, "lifeline_xdp_prog_id", json_object_new_int64(i->xdp_ours_id));
	json_object_object_add(o, "lifeline_tc_ingress_prog_id", json_object_new_int64(i->tc_ingress_id));
	if (i->why[0])
		json_object_object_add(o, "why", json_object_new_string(i->why));
	return o;
}

static void attach_human(json_object *o)
{
	if (ji(o, "replaced_orphan"))
		printf("removed the orphaned lifeline programs on %s (their pins were gone)\n",
		       js(o, "interface"));
	if (!strcmp(js(o, "policy_hook"), "tc_ingress")) {
		printf("%s %s: tc ingress (the policy) and egress, %s\n",
		       ji(o, "already_attached") ? "already attached to" : "attached to",
		       js(o, "interface"),
		       ji(o, "xdp_prog_id") ? "behind an XDP program that is not lifeline's" : "no XDP");
		return;
	}
	printf("%s %s: XDP %s (prog %lld)%s%s\n",
	       ji(o, "already_attached") ? "already attached to" : "attached to",
	       js(o, "interface"), js(o, "xdp_mode"), ji(o, "xdp_prog_id"),
	       ji(o, "tc_ingress") ? ", tc ingress and egress" : ", no tc",
	       ji(o, "replaced_foreign") ? " (replaced a foreign XDP program)" : "");
}

static struct ll_attach_opts attach_opts;
static int attach_ifindex;

static int mode_arg(const char *s, void *dest, char *err, size_t len)
{
	if (!ll_mode_parse(s, dest))
		return 0;
	snprintf(err, len, "unknown mode '%s': use auto, native, generic or tc", s);
	return -EINVAL;
}

static const struct cli_opt attach_opts_tab[] = {
	{ "mode", CLI_CUSTOM, &attach_opts.mode, .parse = mode_arg, .metavar = "auto|native|generic|tc",
	  .help = "auto (default): native XDP where the driver has it, else generic; tc: no XDP, "
		  "tc ingress applies the policy (for veth and other drivers where XDP copies "
		  "every packet)" },
	{ "no-tc", CLI_FLAG, &attach_opts.no_tc,
	  .help = "XDP only: no tc programs (no pfmemalloc check, no egress marks)" },
	{ "force", CLI_FLAG, &attach_opts.force, .help = "replace a foreign XDP program" },
	{ "multi", CLI_FLAG, &attach_opts.multi,
	  .help = "XDP through libxdp's dispatcher, first in line (automatic when DEV already "
		  "runs one), so other XDP programs keep running after lifeline's" },
	{ NULL },
};

static int attach_prepare(struct cli_ctx *c)
{
	if (attach_opts.mode == LL_MODE_TC && attach_opts.no_tc)
		return usage_error("--mode tc and --no-tc exclude each other: tc is the policy point");
	if (attach_opts.mode == LL_MODE_TC && attach_opts.multi)
		return usage_error("--multi is for XDP: --mode tc puts the policy at tc");
	return iface_arg(c->argv[0], &attach_ifindex);
}

/* an orphan on the interface (programs whose pins are gone) is replaced: removed first */
static int attach_orphan_replace(const char *dir, int ifindex)
{
	struct ll_orphan orph[MAX_ORPHANS];
	int no = orphans_find(dir, orph), replaced = 0;
	char err[512];

	for (int i = 0; i < no; i++)
		if (orph[i].ifindex == ifindex && orph[i].verified &&
		    !ll_orphan_detach(&orph[i], err, sizeof(err)))
			replaced = 1;
	return replaced;
}

static int do_attach(struct cli_ctx *c)
{
	struct session *s = &c->s;
	struct ll_iface iface;
	int ret, replaced_orphan;
	char err[512];
	json_object *j;

	attach_opts.max_flows = cli_load_opts.max_flows;
	attach_opts.max_rules = cli_load_opts.max_rules;
	replaced_orphan = attach_orphan_replace(s->m.dir, attach_ifindex);
	ret = ll_attach(s->m.dir, attach_ifindex, &attach_opts, &iface, err, sizeof(err));
	if (ret && s->created) {
		/* nothing half-applied: the maps this attach created go with it */
		char links[PATH_MAX + 8];

		snprintf(links, sizeof(links), "%s/links", s->m.dir);
		rmdir(links);
		ll_maps_unpin(s->m.dir);
	}
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	j = iface_json(&iface);
	json_object_object_add(j, "already_attached", json_object_new_boolean(iface.already));
	json_object_object_add(j, "replaced_foreign", json_object_new_boolean(iface.replaced));
	json_object_object_add(j, "replaced_orphan", json_object_new_boolean(replaced_orphan));
	json_object_object_add(j, "switched", json_object_new_boolean(iface.switched));
	if (iface.fallback[0]) {
		/* a notice, not an error: the attach worked, in another mode than asked */
		fprintf(stderr, "lifeline: notice: %s\n", iface.fallback);
		json_object_object_add(j, "fallback", json_object_new_string(iface.fallback));
	}
	return cli_emit(c, j, attach_human);
}

static void detach_human(json_object *o)
{
	json_object *arr;

	json_object_object_get_ex(o, "detached", &arr);
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		printf("detached from %s\n", json_object_get_string(json_object_array_get_idx(arr, i)));
	if (ji(o, "pins_removed"))
		printf("last interface gone: removed the maps at %s (registered flows and rules "
		       "with them)\n", js(o, "pin_path"));
}

static int detach_all;

static const struct cli_opt detach_opts_tab[] = {
	{ "all", CLI_FLAG, &detach_all, .help = "from every interface (and sock_ops)" },
	{ NULL },
};

static int detach_prepare(struct cli_ctx *c)
{
	char e[256];

	if (detach_all ? c->argc != 0 : c->argc != 1)
		return usage_error("detach takes one interface, or --all");
	if (!detach_all && ll_ifname_check(c->argv[0], e, sizeof(e)))
		return usage_error("%s", e);
	return 0;
}

/* The interfaces with pins: 0, or an error (printed). */
static int detach_linked(const char *dir, struct ll_iface *ifs, int n, int ifindex,
			 json_object *arr, int *found)
{
	char err[512];

	for (int i = 0; i < n; i++) {
		if (!detach_all && ifs[i].ifindex != ifindex)
			continue;
		*found = 1;
		if (ll_detach(dir, ifs[i].ifindex, err, sizeof(err)))
			return out_error(EXIT_FAILURE, "%s", err);
		json_object_array_add(arr, json_object_new_string(ifs[i].name[0] ? ifs[i].name :
							     "(gone)"));
	}
	return 0;
}

/* programs whose pins are gone: their XDP program or link, their filters */
static int detach_orphans(const char *dir, const struct ll_iface *ifs, int n, int ifindex,
			  json_object *arr, int *found)
{
	struct ll_orphan orph[MAX_ORPHANS];
	int no = orphans_find(dir, orph);
	char err[512];

	for (int i = 0; i < no; i++) {
		int listed = 0;

		/* --all: only what is surely an orphan, not another pin path's filter */
		if (detach_all ? !orph[i].verified : orph[i].ifindex != ifindex)
			continue;
		if (ll_orphan_detach(&orph[i], err, sizeof(err)))
			return out_error(EXIT_FAILURE, "%s", err);
		for (int k = 0; k < n; k++)
			listed |= ifs[k].ifindex == orph[i].ifindex &&
				  (detach_all || ifs[k].ifindex == ifindex);
		if (!listed)
			json_object_array_add(arr, json_object_new_string(orph[i].name));
		*found = 1;
	}
	return 0;
}

/* tc filters without a link (attach --no-tc never pins; or pins lost): clean them too */
static int detach_unlinked(const char *dir, const char *name, int ifindex, json_object *arr)
{
	struct ll_iface q;
	char err[512];

	if (!ifindex)
		return out_error(EXIT_FAILURE, "no interface named '%s'", name);
	ll_iface_query(dir, ifindex, &q);
	if (!q.tc_ingress && !q.tc_egress)
		return out_error(EXIT_FAILURE, "lifeline is not attached to %s", name);
	ll_detach(dir, ifindex, err, sizeof(err));
	json_object_array_add(arr, json_object_new_string(name));
	return 0;
}

static void detach_sockets(const char *dir)
{
	struct ll_sock_link sl[64];
	int ns = ll_sockets_list(dir, sl, 64);

	for (int i = 0; i < ns; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%.3900s/links/%.60s", dir, sl[i].name);
		unlink(path);
	}
}

static int do_detach(struct cli_ctx *c)
{
	const char *dir = c->dir, *name = detach_all ? NULL : c->argv[0];
	int n, ret = 0, ifindex = name ? (int)if_nametoindex(name) : 0, found = 0;
	struct ll_iface ifs[256];
	json_object *j, *arr;

	n = ll_iface_list(dir, ifs, 256);
	if (n < 0)
		return out_error(EXIT_FAILURE, "cannot read %s/links: %s", dir, strerror(-n));
	j = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(j, "detached", arr);
	json_object_object_add(j, "pin_path", json_object_new_string(dir));
	ret = detach_linked(dir, ifs, n, ifindex, arr, &found);
	if (!ret)
		ret = detach_orphans(dir, ifs, n, ifindex, arr, &found);
	if (!ret && !detach_all && !found)
		ret = detach_unlinked(dir, name, ifindex, arr);
	if (ret) {
		json_object_put(j);
		return ret;
	}
	if (detach_all)
		detach_sockets(dir);
	/* The last attachment gone: remove the maps too, leaving no trace. */
	n = ll_iface_list(dir, ifs, 256);
	if (n == 0 && !access(dir, F_OK)) {
		char links[PATH_MAX];

		snprintf(links, sizeof(links), "%s/links", dir);
		ret = rmdir(links) && errno != ENOENT ? -errno : ll_maps_unpin(dir);
		json_object_object_add(j, "pins_removed", json_object_new_boolean(!ret));
	} else {
		json_object_object_add(j, "pins_removed", json_object_new_boolean(0));
	}
	return cli_emit(c, j, detach_human);
}

static const struct cli_verb attach_verbs[] = {
	{ NULL, attach_prepare, do_attach, CLI_SESS_CREATE, attach_opts_tab, "DEV", 1, 1,
	  .missing = "attach needs an interface: lifeline attach DEV",
	  .summary = "XDP (native where the driver has it) and tc on DEV; --force replaces a "
		     "foreign XDP program. --mode tc: no XDP, tc ingress applies the policy (for "
		     "veth and other drivers where XDP copies every packet)",
	  .help = "Creates the maps at the pin path when they are missing. Attaching twice is "
		  "harmless; attaching where the pins of an earlier instance are gone (an orphan) "
		  "replaces its programs. Needs CAP_PERFMON too.",
	  .examples = "attach eth0\nattach veth0 --mode tc\nattach eth0 --mode native --force" },
};

static const struct cli_verb detach_verbs[] = {
	{ NULL, detach_prepare, do_detach, CLI_SESS_PIN, detach_opts_tab, "DEV", 0, 64,
	  .summary = "remove lifeline from DEV, or from every interface (--all); with the last "
		     "one go the pins (registered flows and rules with them)",
	  .examples = "detach eth0\ndetach --all" },
};

const struct cli_object cli_attach = { "attach", attach_verbs, CLI_NVERBS(attach_verbs), NULL };
const struct cli_object cli_detach = { "detach", detach_verbs, CLI_NVERBS(detach_verbs), NULL };
