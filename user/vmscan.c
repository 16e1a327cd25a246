// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "maps.h"
#include "vmscan.h"
#include "lifeline.skel.h"

__u64 ll_cgroup_ino(const char *dir)
{
	struct stat st;

	return dir && !stat(dir, &st) && S_ISDIR(st.st_mode) ? st.st_ino : 0;
}

void ll_vmscan_detach(struct ll_vmscan *v)
{
	for (int i = 0; i < 3; i++) {
		bpf_link__destroy(v->links[i]);
		v->links[i] = NULL;
	}
	lifeline_bpf__destroy(v->skel);
	v->skel = NULL;
}

int ll_vmscan_attach(struct ll_vmscan *v, const char *pin, __u64 watch_memcg, char *err,
		     size_t errlen)
{
	struct ll_load_opts o = { .progs = LL_PROGS_VMSCAN, .watch_memcg = watch_memcg };
	struct bpf_program *progs[3];
	int ret;

	memset(v, 0, sizeof(*v));
	ret = ll_skel_load(&v->skel, pin, &o);
	if (ret) {
		snprintf(err, errlen, "cannot load the datapath: %s", strerror(-ret));
		return ret;
	}
	progs[0] = v->skel->progs.ll_tp_kswapd_wake;
	progs[1] = v->skel->progs.ll_tp_direct_reclaim;
	/* limit reclaim counts only in the watched cgroup: not attached without one */
	progs[2] = watch_memcg ? v->skel->progs.ll_tp_memcg_reclaim : NULL;
	for (int i = 0; i < 3; i++) {
		struct bpf_link *l;

		if (!progs[i])
			continue;
		/* NULL and errno on failure: never ask libbpf_get_error() about a link not made */
		l = bpf_program__attach(progs[i]);
		if (!l) {
			ret = errno ? -errno : -EINVAL;
			snprintf(err, errlen, "cannot attach %s to its vmscan tracepoint: %s",
				 bpf_program__name(progs[i]), strerror(-ret));
			ll_vmscan_detach(v);
			return ret;
		}
		v->links[i] = l;
	}
	return 0;
}
