// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The pin records of an attachment and whose programs they are: the pins in
 * PIN/links read and checked against what the kernel runs on the interface
 * (att_owned_read: link_here, owned_verify), a program named by id and its
 * state map (att_prog_state), another instance's program on an interface
 * (att_other_instance), pinning and removing the records (att_pin_fd,
 * att_pin_rm, pin_keep, att_owned_remove), the marker directories.
 */
#include <dirent.h>
#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach_int.h"
#include "maps.h"
#include "tcx.h"
#include "xdpmulti.h"

const char *const att_pin_sfx[P_MAX] = { "", "-xdpd", "-tcx-in", "-tcx-eg", "-cls-in", "-cls-eg" };

int att_link_path(char *buf, size_t len, const char *dir, int ifindex, const char *suffix)
{
	int n = snprintf(buf, len, "%s/links/%d%s", dir, ifindex, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int att_marker(const char *dir, int ifindex, const char *sfx)
{
	char path[PATH_MAX];

	return !att_link_path(path, sizeof(path), dir, ifindex, sfx) && !access(path, F_OK);
}

void att_marker_rm(const char *dir, int ifindex, const char *sfx)
{
	char path[PATH_MAX];

	if (!att_link_path(path, sizeof(path), dir, ifindex, sfx))
		rmdir(path);
}

int att_id_in(const __u32 *ids, int n, __u32 id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static const char *const ll_iface_progs[] = { "ll_xdp", "ll_tc_ingress", "ll_tc_policy",
					      "ll_tc_egress" };

/*
 * Reads a program by id: 1 if it is one of lifeline's interface programs
 * (*state: its state map's id; *policy: it is ll_tc_policy), 0 if not,
 * -errno (-EPERM: naming a program by id needs CAP_SYS_ADMIN).
 */
int att_prog_state(__u32 id, __u32 *state, int *policy)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), nmaps, *maps = NULL;
	int fd = bpf_prog_get_fd_by_id(id), ret = 0, named = 0;

	*state = 0;
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = -errno;
		goto out;
	}
	for (size_t i = 0; i < sizeof(ll_iface_progs) / sizeof(ll_iface_progs[0]); i++)
		named |= !strcmp(info.name, ll_iface_progs[i]);
	if (!named)
		goto out;
	*policy = !strcmp(info.name, "ll_tc_policy");
	nmaps = info.nr_map_ids;
	maps = calloc(nmaps ? nmaps : 1, sizeof(*maps));
	if (!maps) {
		ret = -ENOMEM;
		goto out;
	}
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = nmaps;
	info.map_ids = (__u64)(unsigned long)maps;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = -errno;
		goto out;
	}
	for (__u32 i = 0; i < nmaps && i < info.nr_map_ids && !*state; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(maps[i]);

		if (mfd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(mfd, &mi, &mlen) &&
		    !strcmp(mi.name, ll_map_names[LL_MAP_STATE]))
			*state = mi.id;
		close(mfd);
	}
	ret = *state ? 1 : 0;
out:
	free(maps);
	close(fd);
	return ret;
}

/*
 * A link of ours that reports link_ifindex: it runs here only if the device
 * with ifindex in this network namespace runs its program (a device moved
 * to another netns keeps its links and its ifindex, and a new device here
 * may get the same ifindex).
 */
static void link_here(struct owned *ow, int i, int ifindex, int link_ifindex, __u32 prog_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 ids[64];
	int n, here = 0;

	if (link_ifindex == ifindex) {
		if (i == P_XDP) {
			here = !bpf_xdp_query(ifindex, 0, &q) && q.prog_id == prog_id;
		} else {
			n = ll_tcx_progs(ifindex, i == P_TCX_EG, ids, 64);
			here = n == -EPERM || att_id_in(ids, n, prog_id);
		}
	}
	if (here)
		ow->id[i] = prog_id;
	else
		ow->moved[i] = 1;
}

/* 1 when no ll_state pin on any bpffs mount holds the state map state. */
static int state_unpinned(const char *dir, __u32 state)
{
	__u32 pinned[256];
	int n = ll_pinned_state_ids(dir, 1, pinned, 256);

	return n >= 0 && !att_id_in(pinned, n, state);
}

/*
 * The program behind each of our links must be this instance's: one of
 * lifeline's programs using this pin path's state map (bpf_link_update can
 * swap any program into a link). Unreadable by id (-EPERM): trusted.
 */
static void owned_verify(const char *dir, struct owned *ow)
{
	static const int links[] = { P_XDP, P_TCX_IN, P_TCX_EG };
	__u32 mine = 0, state;
	int policy;

	if (ll_pinned_state_ids(dir, 0, &mine, 1) != 1)
		return;
	for (size_t k = 0; k < sizeof(links) / sizeof(links[0]); k++) {
		int i = links[k], r;

		if (!ow->id[i])
			continue;
		r = att_prog_state(ow->id[i], &state, &policy);
		if (r == -EPERM || (r > 0 && state == mine))
			continue;
		/*
		 * Our link, running a lifeline program whose state map no pin
		 * holds: this pin path's ll_state pin was removed and made
		 * again. Still ours (an attach renews it in place), not
		 * another instance's.
		 */
		if (r > 0 && state_unpinned(dir, state))
			continue;
		ow->swapped[i] = ow->id[i];
		ow->id[i] = 0;
	}
}

int ll_iface_where(const char *dir, int ifindex)
{
	static const int links[] = { P_XDP, P_TCX_IN, P_TCX_EG };
	int detached = 0, moved = 0;
	struct owned ow;

	att_owned_read(dir, ifindex, &ow);
	for (int i = 0; i < P_MAX; i++)
		if (ow.id[i] || ow.swapped[i])
			return LL_IFACE_HERE;	/* something runs on ifindex here */
	for (size_t k = 0; k < sizeof(links) / sizeof(links[0]); k++) {
		int i = links[k];

		moved |= ow.moved[i];
		detached |= ow.rec[i] && !ow.moved[i];
	}
	return moved ? LL_IFACE_ELSEWHERE : detached ? LL_IFACE_GONE : LL_IFACE_HERE;
}

/* Reads the pins of ifindex and checks each against what the kernel runs there. */
void att_owned_read(const char *dir, int ifindex, struct owned *ow)
{
	__u32 ids[64], pid;
	char path[PATH_MAX];

	memset(ow, 0, sizeof(*ow));
	for (int i = 0; i < P_MAX; i++) {
		int fd, n;

		if (att_link_path(path, sizeof(path), dir, ifindex, att_pin_sfx[i]) ||
		    access(path, F_OK))
			continue;
		ow->rec[i] = 1;
		switch (i) {
		case P_XDP: {
			struct bpf_link_info info = {};
			__u32 len = sizeof(info);

			fd = bpf_obj_get(path);
			if (fd < 0)
				break;
			if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
			    info.type == BPF_LINK_TYPE_XDP && info.xdp.ifindex)
				link_here(ow, i, ifindex, (int)info.xdp.ifindex, info.prog_id);
			close(fd);
			break;
		}
		case P_XDPD:
			n = ll_xdpm_progs(ifindex, ids, 64);
			ow->id[i] = ll_pinned_id(path, 1);
			if (n == -EPERM) {
				/* unreadable (lifelined): a dispatcher there is taken for it */
				LIBBPF_OPTS(bpf_xdp_query_opts, q);

				if (bpf_xdp_query(ifindex, 0, &q) || !q.prog_id)
					ow->id[i] = 0;
			} else if (!att_id_in(ids, n, ow->id[i])) {
				ow->id[i] = 0;
			}
			break;
		case P_TCX_IN:
		case P_TCX_EG:
			fd = bpf_obj_get(path);
			if (fd < 0)
				break;
			n = ll_tcx_link_ifindex(fd, i == P_TCX_EG, &pid);
			if (n > 0)
				link_here(ow, i, ifindex, n, pid);
			close(fd);
			break;
		default:	/* clsact: the filter at lifeline's handle runs the recorded program */
			ow->id[i] = ll_pinned_id(path, 1);
			if (!ow->id[i] || att_tc_prog_id(ifindex, i == P_CLS_IN ? BPF_TC_INGRESS :
							 BPF_TC_EGRESS) != ow->id[i])
				ow->id[i] = 0;
		}
	}
	owned_verify(dir, ow);
	/*
	 * An attachment of an earlier lifeline (clsact filters, no program
	 * pinned): ours if the filter's program uses this pin path's state map.
	 */
	for (int eg = 0; eg < 2; eg++) {
		__u32 id, state, mine = 0;
		int policy;

		if (ow->rec[P_TCX_IN + eg] || ow->rec[P_CLS_IN + eg])
			continue;
		id = att_tc_prog_id(ifindex, eg ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		if (id && ll_pinned_state_ids(dir, 0, &mine, 1) == 1 &&
		    att_prog_state(id, &state, &policy) > 0 && state == mine) {
			ow->rec[P_CLS_IN + eg] = 1;
			ow->id[P_CLS_IN + eg] = id;
		}
	}
}

int att_pin_fd(int fd, const char *dir, int ifindex, int which)
{
	char path[PATH_MAX];
	int ret = att_link_path(path, sizeof(path), dir, ifindex, att_pin_sfx[which]);

	if (!ret)
		ret = ll_links_dir(dir);
	if (!ret && bpf_obj_pin(fd, path))
		ret = -errno;
	if (!ret)
		chmod(path, 0600);
	return ret;
}

/*
 * Unpins path; a link is detached first. Unpinning alone releases a link
 * only when the kernel's deferred work runs, so for a moment after detach
 * (or an XDP -> tc switch) the interface still showed the program.
 */
static void pin_unlink(const char *path)
{
	int fd = bpf_obj_get(path);

	if (fd >= 0) {
		bpf_link_detach(fd);	/* EINVAL on a program record: nothing to do */
		close(fd);
	}
	unlink(path);
}

void att_pin_rm(const char *dir, int ifindex, int which)
{
	char path[PATH_MAX];

	if (!att_link_path(path, sizeof(path), dir, ifindex, att_pin_sfx[which]))
		pin_unlink(path);
}

/*
 * Detaches the program of record i (the XDP dispatcher's, a clsact
 * filter) when ow found it lifeline's; 1 when a clsact filter went.
 */
int att_owned_detach(int ifindex, const struct owned *ow, int i)
{
	if (!ow->id[i])
		return 0;
	if (i == P_XDPD)
		ll_xdpm_detach(ifindex, ow->id[i]);
	if (i == P_CLS_IN || i == P_CLS_EG) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
				    .attach_point = i == P_CLS_IN ? BPF_TC_INGRESS : BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LL_TC_HANDLE,
				    .priority = LL_TC_PRIORITY);

		return !bpf_tc_detach(&hook, &opts);
	}
	return 0;
}

/*
 * A link whose device left this namespace: moved aside to
 * PIN/links/moved-LINKID, so that it goes on running there and the ifindex
 * is free for this namespace's interface. Never listed as an interface.
 */
static void pin_keep(const char *dir, const char *path)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char to[PATH_MAX];
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    snprintf(to, sizeof(to), "%s/links/moved-%u", dir, info.id) < (int)sizeof(to))
		rename(path, to);
	close(fd);
}

/* Removes what dir records on ifindex; only objects that are lifeline's (checked by id). */
void att_owned_remove(const char *dir, int ifindex)
{
	struct owned ow;
	char path[PATH_MAX];
	int ours_cls = 0;

	att_owned_read(dir, ifindex, &ow);
	for (int i = 0; i < P_MAX; i++) {
		if (!ow.rec[i] || att_link_path(path, sizeof(path), dir, ifindex, att_pin_sfx[i]))
			continue;
		ours_cls |= att_owned_detach(ifindex, &ow, i);
		if (ow.moved[i]) {
			pin_keep(dir, path);	/* its device is elsewhere: not touched */
			continue;
		}
		pin_unlink(path);
	}
	/*
	 * The clsact qdisc only if lifeline created it on this interface (its
	 * filters were ours, by program id) and no one else's filter is on it.
	 */
	if (att_marker(dir, ifindex, "-qdisc") && ours_cls && !att_clsact_filters(ifindex, 0))
		att_clsact_destroy(ifindex);
	att_marker_rm(dir, ifindex, "-qdisc");
	att_marker_rm(dir, ifindex, "-tc");
}

/* Where the state map state_id is pinned: the directory of another instance. */
static int state_pin_dir(const char *top, int depth, __u32 state_id, char *out, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(top);
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", top, de->d_name) >= (int)sizeof(path))
			continue;
		if (!strcmp(de->d_name, ll_map_names[LL_MAP_STATE])) {
			struct bpf_map_info info = {};
			__u32 ilen = sizeof(info);
			int fd = bpf_obj_get(path);

			if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &ilen) &&
			    info.id == state_id) {
				snprintf(out, len, "%s", top);
				found = 1;
			}
			if (fd >= 0)
				close(fd);
		} else if (depth > 1 && de->d_type == DT_DIR) {
			found = state_pin_dir(path, depth - 1, state_id, out, len);
		}
	}
	closedir(d);
	return found;
}

/*
 * Another instance's program on ifindex (XDP, in a dispatcher, tcx, at
 * lifeline's clsact handle): 1 and its pin path in other (or why it has
 * none), 0 if there is none.
 */
int att_other_instance(const char *dir, int ifindex, const struct ll_iface *me, char *other,
		       size_t len)
{
	__u32 ids[200], mine[1] = { 0 }, state;
	int n = 0, k, policy;

	if (ll_pinned_state_ids(dir, 0, mine, 1) < 0)
		mine[0] = 0;
	if (me->xdp_prog_id)
		ids[n++] = me->xdp_prog_id;
	k = ll_xdpm_progs(ifindex, ids + n, 64);
	n += k > 0 ? k : 0;
	for (int eg = 0; eg < 2; eg++) {
		k = ll_tcx_progs(ifindex, eg, ids + n, 64);
		n += k > 0 ? k : 0;
		ids[n] = att_tc_prog_id(ifindex, eg ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		n += !!ids[n];
	}
	for (int i = 0; i < n; i++) {
		struct mntent *me_;
		FILE *f;

		if (ids[i] == me->xdp_ours_id || ids[i] == me->tc_ingress_id ||
		    ids[i] == me->tc_egress_id || att_prog_state(ids[i], &state, &policy) <= 0 ||
		    state == mine[0])
			continue;
		snprintf(other, len, "its pins are gone: an orphan, see 'lifeline status'");
		f = setmntent("/proc/self/mounts", "r");
		while (f && (me_ = getmntent(f)))
			if (!strcmp(me_->mnt_type, "bpf") &&
			    state_pin_dir(me_->mnt_dir, 4, state, other, len))
				break;
		if (f)
			endmntent(f);
		return 1;
	}
	return 0;
}
