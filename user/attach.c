// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Attaching and detaching (attach.h): one attach, all or nothing
 * (attach_prepare, the XDP and tc steps, attach_switch, undo), and the
 * state of an interface as status and lifelined see it (ll_iface_query,
 * iface_state, ll_iface_list, ll_iface_check). The parts: attach_pins.c
 * (the pin records, whose programs they are), attach_tc.c (tcx, clsact),
 * attach_xdp.c (XDP link, libxdp dispatcher), attach_orphans.c.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach_int.h"
#include "maps.h"
#include "renew.h"
#include "xdpmulti.h"
#include "lifeline.skel.h"

#include "util.h"

int ll_mode_parse(const char *s, enum ll_xdp_mode *mode)
{
	static const char *const names[] = { "auto", "native", "generic", "tc" };

	for (int i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *mode_name(__u8 attach_mode)
{
	switch (attach_mode) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	default: return "none";
	}
}

/* out->state and out->why from what runs on the interface. */
static void iface_state(struct ll_iface *out, const struct owned *ow, int tc_pol)
{
	int live = tc_pol ? out->tc_ingress : !!out->xdp_ours_id;
	int pol = tc_pol ? P_TCX_IN : P_XDP;
	const char *what = tc_pol ? "tc" : "XDP";

	if (!out->name[0]) {
		snprintf(out->why, sizeof(out->why), "the interface is gone");
	} else if (live && tc_pol && !att_tc_first(out->ifindex, out->tc_via, out->tc_ingress_id)) {
		out->state = "bypassed";
		snprintf(out->why, sizeof(out->why), "another tc program runs before lifeline's");
	} else if (live) {
		out->state = "enforcing";
	} else if (ow->swapped[pol]) {
		out->state = "foreign";
		snprintf(out->why, sizeof(out->why), "lifeline's %s link runs program %u, which "
			 "is not this instance's", what, ow->swapped[pol]);
	} else if (ow->moved[pol]) {
		snprintf(out->why, sizeof(out->why), "interface moved or gone (lifeline's %s link "
			 "is not on this namespace's interface %d)", what, out->ifindex);
	} else if (tc_pol ? att_tc_ingress_busy(out->ifindex) : !!out->xdp_prog_id) {
		out->state = "foreign";
		snprintf(out->why, sizeof(out->why), "lifeline's %s program is gone; %s", what,
			 tc_pol ? "another tc program runs at ingress" :
			 "another XDP program runs on the interface");
	} else {
		snprintf(out->why, sizeof(out->why), "lifeline's %s program no longer runs there",
			 what);
	}
}

void ll_iface_query(const char *dir, int ifindex, struct ll_iface *out)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct owned ow;
	int tc_pol;

	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	out->mode = "none";
	out->state = "lost";
	out->xdp_via = out->tc_via = "none";
	if (!if_indextoname(ifindex, out->name))
		out->name[0] = '\0';
	else if (!bpf_xdp_query(ifindex, 0, &q)) {
		out->xdp_prog_id = q.prog_id;
		out->mode = mode_name(q.attach_mode);
	}
	if (!dir)
		return;
	att_owned_read(dir, ifindex, &ow);
	out->xdp_via = ow.id[P_XDP] ? "link" : ow.id[P_XDPD] ? "dispatcher" : "none";
	out->tc_via = ow.id[P_TCX_IN] || ow.id[P_TCX_EG] ? "tcx" :
		      ow.id[P_CLS_IN] || ow.id[P_CLS_EG] ? "clsact" :
		      ow.rec[P_TCX_IN] || ow.rec[P_TCX_EG] ? "tcx" :
		      ow.rec[P_CLS_IN] || ow.rec[P_CLS_EG] ? "clsact" : "none";
	out->xdp_ours_id = ow.id[P_XDP] ? ow.id[P_XDP] : ow.id[P_XDPD];
	out->tc_ingress_id = ow.id[P_TCX_IN] ? ow.id[P_TCX_IN] : ow.id[P_CLS_IN];
	out->tc_egress_id = ow.id[P_TCX_EG] ? ow.id[P_TCX_EG] : ow.id[P_CLS_EG];
	out->tc_ingress = !!out->tc_ingress_id;
	out->tc_egress = !!out->tc_egress_id;
	for (int i = 0; i < P_MAX; i++)
		out->owned |= ow.rec[i];
	tc_pol = att_marker(dir, ifindex, "-tc");
	out->tc_policy = tc_pol && out->tc_ingress;
	iface_state(out, &ow, tc_pol);
}

/* Undoes what one attach created (made: bits of P_*), nothing else. */
static void undo(const char *dir, int ifindex, int made, int made_qdisc, int made_marker)
{
	struct owned ow;

	att_owned_read(dir, ifindex, &ow);
	for (int i = 0; i < P_MAX; i++) {
		if (!(made & (1 << i)))
			continue;
		att_owned_detach(ifindex, &ow, i);
		att_pin_rm(dir, ifindex, i);
	}
	if (made_qdisc && !att_clsact_filters(ifindex, 0)) {
		att_clsact_destroy(ifindex);
		att_marker_rm(dir, ifindex, "-qdisc");
	}
	if (made_marker)
		att_marker_rm(dir, ifindex, "-tc");
}

/* The interface as it is, the checks that refuse before anything is loaded, the mode. */
static int attach_prepare(struct attach_run *a, char *err, size_t errlen)
{
	const struct ll_attach_opts *o = a->o;
	struct ll_iface *out = a->out;
	char other[PATH_MAX];

	ll_iface_query(a->dir, a->ifindex, out);
	if (!out->name[0]) {
		ERR("no interface with index %d", a->ifindex);
		return -ENODEV;
	}
	if (att_link_path(a->path, sizeof(a->path), a->dir, a->ifindex, "-tc")) {
		ERR("pin path too long");
		return -ENAMETOOLONG;
	}
	if (att_other_instance(a->dir, a->ifindex, out, other, sizeof(other))) {
		ERR("%s runs another lifeline instance's programs (pin path %s); detach them "
		    "there, or use that pin path", out->name, other);
		return -EBUSY;
	}
	att_owned_read(a->dir, a->ifindex, &a->ow);
	a->tc_mode = o->mode == LL_MODE_TC;
	a->cur_tc = out->tc_policy;
	a->cur_xdp = out->xdp_ours_id && !a->cur_tc;
	if (!a->cur_tc && !a->cur_xdp && !out->tc_ingress && !out->tc_egress)
		/* records of an earlier interface, or lost */
		att_owned_remove(a->dir, a->ifindex);
	if (o->mode == LL_MODE_AUTO && !o->multi && (a->cur_tc || !access(a->path, F_OK)))
		/*
		 * an earlier auto attach fell back to tc, or --mode tc: it is in
		 * place, or its marker says so (its policy lost: attached again)
		 */
		a->tc_mode = 1;
	/* bypassed: attached again, placed first */
	out->already = a->tc_mode ? a->cur_tc && strcmp(out->state, "bypassed") : a->cur_xdp;
	if (!a->tc_mode && !a->cur_xdp && out->xdp_prog_id && !o->multi &&
	    !ll_xdpm_present(a->ifindex))
		return attach_replace_foreign(a, err, errlen);
	return 0;
}

/* The tc programs: the policy (tc mode) or the ingress observer, and egress. */
static int attach_tc(struct attach_run *a, char *err, size_t errlen)
{
	struct lifeline_bpf *skel = a->skel;
	struct ll_iface *out = a->out;
	int pol = bpf_program__fd(a->tc_mode ? skel->progs.ll_tc_policy :
				  skel->progs.ll_tc_ingress);
	int ret;

	ret = att_tc_hook_set(a->dir, a->ifindex, 0, pol, &a->ow, &a->made, &a->made_qdisc);
	if (!ret && !a->ow.id[P_TCX_EG] && !a->ow.id[P_CLS_EG])
		ret = att_tc_hook_set(a->dir, a->ifindex, 1,
				      bpf_program__fd(skel->progs.ll_tc_egress), &a->ow,
				      &a->made, &a->made_qdisc);
	if (!ret)
		return 0;
	if (ret == -EBUSY)
		ERR("%s has a tc filter at lifeline's handle (0x%x) that is not "
		    "lifeline's: not replacing it", out->name, LL_TC_HANDLE);
	else if (out->fallback[0])
		ERR("%s refused XDP and the tc programs: %s", out->name, strerror(-ret));
	else
		ERR("cannot attach the tc programs to %s: %s", out->name, strerror(-ret));
	return ret;
}

/* The tc mode marker; a switch between XDP and tc removes the old one last. */
static int attach_switch(struct attach_run *a, char *err, size_t errlen)
{
	int ret;

	if (a->tc_mode && !a->cur_tc) {
		if (mkdir(a->path, 0700) && errno != EEXIST) {
			ret = -errno;
			ERR("cannot create %s: %s", a->path, strerror(-ret));
			return ret;
		}
		a->made_marker = 1;
		/* switched from XDP: the tc policy is in place first, then XDP goes */
		if (a->cur_xdp) {
			att_xdp_remove(a->dir, a->ifindex, &a->ow);
			a->switched = 1;
		}
	} else if (!a->tc_mode && a->cur_tc) {
		/* switched from tc: XDP is in place */
		att_marker_rm(a->dir, a->ifindex, "-tc");
		a->switched = 1;
	}
	return 0;
}

/* The interface as the attach left it, with what this attach did. */
static void attach_requery(struct attach_run *a)
{
	struct ll_iface *out = a->out;
	int already = out->already, replaced = out->replaced;
	char fallback[sizeof(out->fallback)];

	memcpy(fallback, out->fallback, sizeof(fallback));
	ll_iface_query(a->dir, a->ifindex, out);
	out->already = already;
	out->replaced = replaced;
	out->switched = a->switched;
	memcpy(out->fallback, fallback, sizeof(fallback));
}

int ll_attach(const char *dir, int ifindex, const struct ll_attach_opts *o, struct ll_iface *out,
	      char *err, size_t errlen)
{
	struct ll_load_opts lo = { .progs = LL_PROGS_NET, .max_flows = o->max_flows,
				   .max_rules = o->max_rules };
	struct attach_run a = { .dir = dir, .ifindex = ifindex, .o = o, .out = out,
				.link_fd = -1 };
	int ret;

	ret = attach_prepare(&a, err, errlen);
	if (ret)
		return ret;
	if (out->already) {
		/*
		 * Nothing to change: no program replaced by a copy. But
		 * programs in place that use maps which are not the pinned
		 * ones (a pin removed and made again by a load, a resize
		 * killed half-way: the old map goes on being used, the new
		 * one is written for nobody) are renewed in place with a load
		 * over the pins (renew.c), on every attachment of the pin
		 * path; and an observe program array found with its slot
		 * empty is filled by that load, as any attach does.
		 */
		ret = ll_renew_if(dir, NULL, &lo, !ll_observe_filled(dir), err, errlen);
		if (ret)
			return ret;
		attach_requery(&a);
		return 0;
	}
	ret = ll_skel_load(&a.skel, dir, &lo);
	if (ret) {
		ERR("cannot load the datapath: %s", strerror(-ret));
		return ret;
	}
	if (!a.tc_mode && !a.cur_xdp)
		ret = o->multi || ll_xdpm_present(ifindex) ? attach_xdp_multi(&a, err, errlen) :
							      attach_xdp_link(&a, err, errlen);
	if (!ret && (!o->no_tc || a.tc_mode))
		ret = attach_tc(&a, err, errlen);
	if (!ret)
		ret = attach_switch(&a, err, errlen);
	if (ret)
		undo(dir, ifindex, a.made, a.made_qdisc, a.made_marker);
	else
		attach_requery(&a);
	/*
	 * The pin path's other attachments may run over maps that are not the
	 * pinned ones (the state pin removed and made again by this load):
	 * renewed too, or they would go on with the old level forever; by this
	 * load's programs, unless sock_ops links need the sock programs.
	 */
	if (!ret)
		ret = ll_renew_if(dir, a.skel, NULL, 0, err, errlen);
	if (a.link_fd >= 0)
		close(a.link_fd);	/* pinned: stays; not pinned: detached */
	lifeline_bpf__destroy(a.skel);
	return ret;
}

int ll_detach(const char *dir, int ifindex, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int ret = att_link_path(path, sizeof(path), dir, ifindex, "");

	if (ret) {
		ERR("pin path too long");
		return ret;
	}
	att_owned_remove(dir, ifindex);
	return 0;
}

int ll_iface_list(const char *dir, struct ll_iface *out, int max)
{
	char links[PATH_MAX];
	struct dirent *de;
	int seen[256], nseen = 0, n = 0;
	DIR *d;

	if (snprintf(links, sizeof(links), "%s/links", dir) >= (int)sizeof(links))
		return -ENAMETOOLONG;
	d = opendir(links);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max && nseen < 256) {
		char *end;
		long idx = strtol(de->d_name, &end, 10);
		int known = !strcmp(end, "-tc"), dup = 0;

		for (int i = 0; i < P_MAX; i++)
			known |= !strcmp(end, att_pin_sfx[i]);
		if (end == de->d_name || !known || idx <= 0 || idx > 0x7fffffff)
			continue;
		for (int i = 0; i < nseen; i++)
			dup |= seen[i] == idx;
		if (dup)
			continue;
		seen[nseen++] = (int)idx;
		ll_iface_query(dir, (int)idx, &out[n++]);
	}
	closedir(d);
	return n;
}

int ll_iface_check(const char *dir, struct ll_iface_watch *w)
{
	struct ll_iface ifs[LL_WATCH_MAX];
	int n = ll_iface_list(dir, ifs, LL_WATCH_MAX), changed = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int on = !strcmp(ifs[i].state, "enforcing"), k;

		for (k = 0; k < w->n && w->e[k].ifindex != ifs[i].ifindex; k++)
			;
		if (k == w->n) {
			if (w->n == LL_WATCH_MAX)
				continue;
			w->n++;
			w->e[k].enforcing = -1;
		}
		if (on != w->e[k].enforcing || strcmp(w->e[k].state, ifs[i].state)) {
			w->e[k].changed = w->e[k].enforcing != -1 || !on;
			changed |= w->e[k].changed;
		} else {
			w->e[k].changed = 0;
		}
		w->e[k].ifindex = ifs[i].ifindex;
		w->e[k].enforcing = on;
		snprintf(w->e[k].state, sizeof(w->e[k].state), "%s", ifs[i].state);
		snprintf(w->e[k].name, sizeof(w->e[k].name), "%s",
			 ifs[i].name[0] ? ifs[i].name : "(gone)");
		snprintf(w->e[k].why, sizeof(w->e[k].why), "%s", ifs[i].why);
		w->e[k].seen = 1;
	}
	/* detached meanwhile: no longer watched */
	for (int k = 0; k < w->n; k++) {
		int found = 0;

		for (int i = 0; i < n; i++)
			found |= ifs[i].ifindex == w->e[k].ifindex;
		if (!found)
			w->e[k--] = w->e[--w->n];
	}
	return changed;
}

void ll_iface_metrics(FILE *f, const struct ll_iface_watch *w)
{
	fprintf(f, "# HELP lifeline_iface_enforcing 1 if lifeline's policy program runs on the "
		"interface, 0 if it is lost or replaced\n# TYPE lifeline_iface_enforcing gauge\n");
	for (int k = 0; k < w->n; k++) {
		fprintf(f, "lifeline_iface_enforcing{iface=\"");
		for (const char *c = w->e[k].name; *c; c++)	/* a label value, escaped */
			fprintf(f, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
		fprintf(f, "\",ifindex=\"%d\",state=\"%s\"} %d\n", w->e[k].ifindex, w->e[k].state,
			w->e[k].enforcing);
	}
}
