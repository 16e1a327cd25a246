// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline attach DEV and lifeline detach DEV|--all. */
#include <errno.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "emit.h"
#include "registry.h"
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

void iface_emit(struct emit *e, const struct ll_iface *i, int row)
{
	const char *hook = i->tc_policy ? "tc_ingress" : i->xdp_ours_id ? "xdp" : "none";

	emit_str(e, FIELD_INTERFACE, row ? "%s" : NULL, i->name[0] ? i->name : "(gone)");
	emit_u64(e, FIELD_IFINDEX, NULL, i->ifindex);
	emit_str(e, "xdp_mode", row ? "%s" : NULL, i->mode);
	emit_u64(e, FIELD_XDP_PROG_ID, row && i->xdp_prog_id ? "%llu" : NULL, i->xdp_prog_id);
	emit_bool(e, "tc_ingress", NULL, NULL, i->tc_ingress);
	emit_bool(e, "tc_egress", NULL, NULL, i->tc_egress);
	emit_str(e, FIELD_POLICY_HOOK, NULL, hook);
	if (row) {
		/* the TC cell (PROG's is "-" when there is no XDP program) */
		emit_col(e, 3);
		emit_text(e, "%s", i->tc_policy ? (i->tc_egress ? "policy+egress" : "policy") :
			  i->tc_ingress && i->tc_egress ? "ingress+egress" :
			  i->tc_ingress ? "ingress" : i->tc_egress ? "egress" : "none");
	}
	/* from the kernel objects this pin path owns: what a monitor alerts on */
	emit_str(e, FIELD_STATE, row ? "%s" : NULL, i->state);
	emit_bool(e, "enforcing", NULL, NULL, !strcmp(i->state, "enforcing"));
	emit_str(e, "xdp_via", NULL, i->xdp_via);
	emit_str(e, "tc_via", NULL, i->tc_via);
	emit_u64(e, "lifeline_xdp_prog_id", NULL, i->xdp_ours_id);
	emit_u64(e, "lifeline_tc_ingress_prog_id", NULL, i->tc_ingress_id);
	if (i->why[0])
		emit_str(e, "why", NULL, i->why);
}

/* attach's words: they read the fields in another order than the JSON's */
static void attach_text(struct emit *e, const struct ll_iface *i, int replaced_orphan)
{
	const char *name = i->name[0] ? i->name : "(gone)";
	const char *done = i->already ? "already attached to" : "attached to";

	if (replaced_orphan)
		emit_text(e, "removed the orphaned lifeline programs on %s (their pins were gone)\n",
			  name);
	if (i->tc_policy) {
		emit_text(e, "%s %s: tc ingress (the policy) and egress, %s\n", done, name,
			  i->xdp_prog_id ? "behind an XDP program that is not lifeline's" : "no XDP");
		return;
	}
	emit_text(e, "%s %s: XDP %s (prog %u)%s%s\n", done, name, i->mode, i->xdp_prog_id,
		  i->tc_ingress ? ", tc ingress and egress" : ", no tc",
		  i->replaced ? " (replaced a foreign XDP program)" : "");
}

static struct ll_attach_opts attach_opts;
static int attach_ifindex;

/* DEV's driver as ethtool names it ("veth", "mlx5_core"), "" when it names none. */
static void iface_driver(const char *name, char *drv, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	drv[0] = '\0';
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(drv, len, "%.*s", (int)sizeof(info.driver), info.driver);
	close(fd);
}

/*
 * Why --mode auto put the policy where it did, in one line (README "XDP or
 * tc" gives the figures). Empty when the mode was given, or nothing was
 * attached now. A refusal that sent auto to tc says so on its own (fallback).
 */
static void auto_reason(const struct ll_iface *i, char *why, size_t len)
{
	char drv[64];

	why[0] = '\0';
	if (attach_opts.mode != LL_MODE_AUTO || i->already || i->fallback[0] || i->tc_policy)
		return;
	iface_driver(i->name, drv, sizeof(drv));
	if (!strcmp(i->mode, "generic"))
		snprintf(why, len, "auto chose generic XDP: %s%s%s has no native XDP, so the program "
			 "runs on the skb the kernel built (as --mode tc would)",
			 drv[0] ? "the " : "", drv[0] ? drv : i->name, drv[0] ? " driver" : "");
	else if (!strcmp(drv, "veth"))
		snprintf(why, len, "auto chose native XDP: on a veth a flood is dropped in its "
			 "receive poll, before GRO and the stack (tc: after them), but a local TCP "
			 "sender's skbs are copied first (bulk throughput pays, --mode tc does not): "
			 "see README 'XDP or tc'");
	else
		snprintf(why, len, "auto chose native XDP: the %s driver runs it before an skb "
			 "exists, where a flood costs the least", drv[0] ? drv : "interface's");
}

static int mode_arg(const char *s, void *dest, char *err, size_t len)
{
	if (!ll_mode_parse(s, dest))
		return 0;
	snprintf(err, len, "unknown mode '%s': use auto, native, generic or tc", s);
	return -EINVAL;
}

static const struct cli_opt attach_opts_tab[] = {
	{ "mode", CLI_CUSTOM, &attach_opts.mode, .parse = mode_arg, .metavar = "auto|native|generic|tc",
	  .help = "auto (default): native XDP where the driver has it, else generic, and says "
		  "why; tc: no XDP, tc ingress applies the policy (no copy of a veth's TCP skbs, "
		  "but a flood is dropped only after its skbs are built)" },
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

/* the map pins this command made (had[i]: pin i was there before its session) */
static void pins_made_rm(const char *dir, const char *had)
{
	char path[PATH_MAX + 64];
	int kept = 0;

	for (int i = 0; i < LL_MAP_MAX; i++) {
		kept |= had[i];
		if (had[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ll_map_names[i]);
		unlink(path);
	}
	if (kept)
		return;
	snprintf(path, sizeof(path), "%s/links", dir);
	rmdir(path);
	ll_maps_unpin(dir);
}

/*
 * A new state map under the rule tables of before (its pin was removed by
 * hand): the datapath looks rules up only while the state counts entries,
 * which a new state has none of; the rules are installed again from their
 * records, which counts them.
 */
static int rules_recount(struct ll_maps *m, char *err, size_t len)
{
	struct ll_registry r;
	int ret = ll_reg_read(m, &r);

	if (ret) {
		snprintf(err, len, "cannot read the rule records: %s", strerror(-ret));
		return ret;
	}
	ret = ll_reg_sync(m, &r, LL_RULE_ENDPOINT, err, len);
	if (!ret)
		ret = ll_reg_sync(m, &r, LL_RULE_ALLOW, err, len);
	ll_reg_free(&r);
	return ret;
}

static int do_attach(struct cli_ctx *c)
{
	struct session *s = &c->s;
	struct ll_iface iface;
	int ret, replaced_orphan;
	char err[512], why[320];
	struct emit e;

	attach_opts.max_flows = cli_load_opts.max_flows;
	attach_opts.max_rules = cli_load_opts.max_rules;
	replaced_orphan = attach_orphan_replace(s->m.dir, attach_ifindex);
	ret = ll_attach(s->m.dir, attach_ifindex, &attach_opts, &iface, err, sizeof(err));
	if (ret)
		/*
		 * nothing half-applied: the pins this attach made go with it, no
		 * other (also one it put back where it was removed by hand: left,
		 * it would hide from status that the programs use another map)
		 */
		pins_made_rm(s->m.dir, s->had);
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	/* a new state under the rule records of before: the rules counted again */
	ret = !s->had[LL_MAP_STATE] && s->had[LL_MAP_RULE_RECS] ?
	      rules_recount(&s->m, err, sizeof(err)) : 0;
	if (ret)
		return out_error(EXIT_FAILURE, "attached to %s, but the registered rules are not in "
				 "force (%s): 'lifeline apply FILE' puts them back", iface.name, err);
	emit_begin(&e);
	iface_emit(&e, &iface, 0);
	emit_bool(&e, "already_attached", NULL, NULL, iface.already);
	emit_bool(&e, "replaced_foreign", NULL, NULL, iface.replaced);
	emit_bool(&e, "replaced_orphan", NULL, NULL, replaced_orphan);
	emit_bool(&e, "switched", NULL, NULL, iface.switched);
	if (iface.fallback[0]) {
		/* a notice, not an error: the attach worked, in another mode than asked */
		fprintf(stderr, "lifeline: notice: %s\n", iface.fallback);
		emit_str(&e, "fallback", NULL, iface.fallback);
	}
	auto_reason(&iface, why, sizeof(why));
	if (why[0])
		emit_str(&e, "auto_reason", NULL, why);
	if (emit_human(&e)) {
		attach_text(&e, &iface, replaced_orphan);
		if (why[0])
			emit_text(&e, "%s\n", why);
	}
	return cli_emit_done(c, &e);
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
			 struct emit *e, int *found)
{
	char err[512];

	for (int i = 0; i < n; i++) {
		int where;

		if (!detach_all && ifs[i].ifindex != ifindex)
			continue;
		*found = 1;
		/* before the detach: its links say whether the name here is the interface's */
		where = ll_iface_where(dir, ifs[i].ifindex);
		if (ll_detach(dir, ifs[i].ifindex, err, sizeof(err)))
			return out_error(EXIT_FAILURE, "%s", err);
		if (where == LL_IFACE_HERE && ifs[i].name[0]) {
			emit_str(e, NULL, "detached from %s\n", ifs[i].name);
			continue;
		}
		/* removed by program id: the interface that has the ifindex here is not touched */
		emit_str(e, NULL, NULL, "(gone)");
		emit_text(e, "removed the pins of ifindex %d: the interface it recorded is %s", ifs[i].ifindex,
			  where == LL_IFACE_ELSEWHERE ? "in another namespace now" : "gone");
		if (ifs[i].name[0])
			emit_text(e, " (%s, which has ifindex %d here, is another one, untouched)",
				  ifs[i].name, ifs[i].ifindex);
		emit_text(e, "\n");
	}
	return 0;
}

/* programs whose pins are gone: their XDP program or link, their filters */
static int detach_orphans(const char *dir, const struct ll_iface *ifs, int n, int ifindex,
			  struct emit *e, int *found)
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
			emit_str(e, NULL, "detached from %s\n", orph[i].name);
		*found = 1;
	}
	return 0;
}

/* tc filters without a link (attach --no-tc never pins; or pins lost): clean them too */
static int detach_unlinked(const char *dir, const char *name, int ifindex, struct emit *e)
{
	struct ll_iface q;
	char err[512];

	if (!ifindex)
		return out_error(EXIT_FAILURE, "no interface named '%s'", name);
	ll_iface_query(dir, ifindex, &q);
	if (!q.tc_ingress && !q.tc_egress)
		return out_error(EXIT_FAILURE, "lifeline is not attached to %s", name);
	ll_detach(dir, ifindex, err, sizeof(err));
	emit_str(e, NULL, "detached from %s\n", name);
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
	struct emit e;
	int removed = 0;

	n = ll_iface_list(dir, ifs, 256);
	if (n < 0)
		return out_error(EXIT_FAILURE, "cannot read %s/links: %s", dir, strerror(-n));
	emit_begin(&e);
	emit_arr_begin(&e, "detached");
	ret = detach_linked(dir, ifs, n, ifindex, &e, &found);
	if (!ret)
		ret = detach_orphans(dir, ifs, n, ifindex, &e, &found);
	if (!ret && !detach_all && !found)
		ret = detach_unlinked(dir, name, ifindex, &e);
	if (ret) {
		emit_discard(&e);
		return ret;
	}
	emit_close(&e);
	emit_str(&e, FIELD_PIN_PATH, NULL, dir);
	if (detach_all)
		detach_sockets(dir);
	/* The last attachment gone: remove the maps too, leaving no trace. */
	n = ll_iface_list(dir, ifs, 256);
	if (n == 0 && !access(dir, F_OK)) {
		char links[PATH_MAX];

		snprintf(links, sizeof(links), "%s/links", dir);
		removed = !(rmdir(links) && errno != ENOENT ? -errno : ll_maps_unpin(dir));
	}
	emit_bool(&e, "pins_removed", NULL, NULL, removed);
	if (removed)
		emit_text(&e, "last interface gone: removed the maps at %s (registered flows and "
			  "rules with them)\n", dir);
	return cli_emit_done(c, &e);
}

static const struct cli_verb attach_verbs[] = {
	{ NULL, attach_prepare, do_attach, CLI_SESS_CREATE, attach_opts_tab, "DEV", 1, 1,
	  .missing = "attach needs an interface: lifeline attach DEV",
	  .summary = "XDP (native where the driver has it) and tc on DEV; --force replaces a "
		     "foreign XDP program. --mode tc: no XDP, tc ingress applies the policy (the "
		     "trade-off on a veth: README 'XDP or tc')",
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
