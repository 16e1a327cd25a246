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
	int ret;

	memset(v, 0, sizeof(*v));
	ret = ll_skel_load(&v->skel, pin, &o);
	if (ret) {
		snprintf(err, errlen, "cannot load the datapath: %s", strerror(-ret));
		return ret;
	}
	v->links[0] = bpf_program__attach(v->skel->progs.ll_tp_kswapd_wake);
	v->links[1] = bpf_program__attach(v->skel->progs.ll_tp_direct_reclaim);
	v->links[2] = watch_memcg ? bpf_program__attach(v->skel->progs.ll_tp_memcg_reclaim) : NULL;
	for (int i = 0; i < 3; i++) {
		/* links[2] is NULL when no memory cgroup is watched: not an error */
		if (i == 2 && !watch_memcg)
			break;
		ret = libbpf_get_error(v->links[i]);
		if (ret) {
			v->links[i] = NULL;
			snprintf(err, errlen, "cannot attach the vmscan tracepoints: %s",
				 strerror(-ret));
			ll_vmscan_detach(v);
			return ret;
		}
	}
	return 0;
}
