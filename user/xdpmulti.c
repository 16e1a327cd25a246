// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "xdpmulti.h"
#include "lifeline.skel.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__))

/* libxdp's warnings would go to stderr in the middle of lifeline's output */
static char xdp_last[256];

static int xdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (getenv("LIFELINE_DEBUG_XDP"))
		vfprintf(stderr, fmt, ap);
	else if (level == LIBXDP_WARN)
		vsnprintf(xdp_last, sizeof(xdp_last), fmt, ap);
	return 0;
}

static void quiet(void)
{
	libxdp_set_print(xdp_print);
	xdp_last[0] = '\0';
}

static struct xdp_multiprog *dispatcher(int ifindex)
{
	struct xdp_multiprog *mp;

	quiet();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return NULL;
	if (xdp_multiprog__is_legacy(mp) || !xdp_multiprog__main_prog(mp)) {
		xdp_multiprog__close(mp);
		return NULL;
	}
	return mp;
}

int ll_xdpm_present(int ifindex)
{
	struct xdp_multiprog *mp = dispatcher(ifindex);

	xdp_multiprog__close(mp);
	return !!mp;
}

int ll_xdpm_progs(int ifindex, __u32 *ids, int max)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;
	int n = 0;

	quiet();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	n = (int)libxdp_get_error(mp);
	if (n)
		return n == -EPERM || n == -EACCES ? -EPERM : 0;
	if (xdp_multiprog__is_legacy(mp) || !xdp_multiprog__main_prog(mp)) {
		xdp_multiprog__close(mp);
		return 0;
	}
	while ((p = xdp_multiprog__next_prog(p, mp)) && n < max)
		ids[n++] = xdp_program__id(p);
	xdp_multiprog__close(mp);
	return n;
}

/* The program id runs in the libxdp dispatcher on ifindex. */
static int in_dispatcher(int ifindex, __u32 id)
{
	__u32 ids[64];
	int n = ll_xdpm_progs(ifindex, ids, 64), in = 0;

	for (int i = 0; i < n; i++)
		in |= ids[i] == id;
	return in;
}

int ll_xdpm_attach(struct lifeline_bpf *skel, int ifindex, int generic, const char *pin,
		   char *err, size_t errlen)
{
	struct lifeline_bpf *ext = lifeline_bpf__open();
	struct xdp_program *prog = NULL;
	struct bpf_program *p;
	struct bpf_map *m;
	int ret;

	if (!ext) {
		ret = -errno;
		ERR("cannot open the datapath: %s", strerror(-ret));
		return ret;
	}
	/* the same maps (the .rodata and .bss too): one state with the tc programs */
	bpf_object__for_each_map(m, ext->obj) {
		struct bpf_map *src = bpf_object__find_map_by_name(skel->obj, bpf_map__name(m));

		ret = src ? bpf_map__reuse_fd(m, bpf_map__fd(src)) : -ENOENT;
		if (ret) {
			ERR("cannot share the map %s: %s", bpf_map__name(m), strerror(-ret));
			goto out;
		}
	}
	bpf_object__for_each_program(p, ext->obj)
		bpf_program__set_autoload(p, p == ext->progs.ll_xdp);
	quiet();
	{
		DECLARE_LIBXDP_OPTS(xdp_program_opts, xo, .obj = ext->obj, .prog_name = "ll_xdp");

		prog = xdp_program__create(&xo);
	}
	ret = (int)libxdp_get_error(prog);
	if (ret) {
		prog = NULL;
		ERR("libxdp cannot use ll_xdp: %s", strerror(-ret));
		goto out;
	}
	xdp_program__set_run_prio(prog, LL_XDP_RUN_PRIO);
	for (unsigned int a = XDP_ABORTED; a <= XDP_REDIRECT; a++)
		xdp_program__set_chain_call_enabled(prog, a, a == XDP_PASS);
	ret = xdp_program__attach(prog, ifindex, generic < 0 ? XDP_MODE_UNSPEC :
				  generic ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
	if (ret) {
		ERR("cannot join the XDP dispatcher (libxdp): %s%s%s", strerror(-ret),
		    xdp_last[0] ? ": " : "", xdp_last);
		if (xdp_last[0] && err[strlen(err) - 1] == '\n')
			err[strlen(err) - 1] = '\0';
		goto out;
	}
	if (!in_dispatcher(ifindex, xdp_program__id(prog))) {
		/*
		 * libxdp fell back to attaching ll_xdp alone, by netlink: the
		 * kernel refused its dispatcher (freplace programs). Not the
		 * shared hook asked for, and anyone could replace it unseen.
		 */
		xdp_program__detach(prog, ifindex, XDP_MODE_UNSPEC, 0);
		ret = -EOPNOTSUPP;
		ERR("this kernel refuses libxdp's dispatcher (it cannot load freplace "
		    "programs): no XDP program can share the hook here; use --mode tc to "
		    "run behind another XDP program");
		goto out;
	}
	if (bpf_obj_pin(xdp_program__fd(prog), pin)) {
		ret = -errno;
		ERR("cannot pin the XDP program at %s: %s", pin, strerror(-ret));
		xdp_program__detach(prog, ifindex, XDP_MODE_UNSPEC, 0);
		goto out;
	}
	chmod(pin, 0600);
out:
	xdp_program__close(prog);
	lifeline_bpf__destroy(ext);
	return ret;
}

int ll_xdpm_detach(int ifindex, __u32 prog_id)
{
	struct xdp_multiprog *mp = dispatcher(ifindex);
	struct xdp_program *p = NULL;
	int ret = 0, found = 0;

	if (!mp)
		return 0;
	while ((p = xdp_multiprog__next_prog(p, mp)))
		found |= xdp_program__id(p) == prog_id;
	xdp_multiprog__close(mp);
	if (!found)
		return 0;
	quiet();
	p = xdp_program__from_id(prog_id);
	ret = (int)libxdp_get_error(p);
	if (ret)
		return ret;
	ret = xdp_program__detach(p, ifindex, XDP_MODE_UNSPEC, 0);
	xdp_program__close(p);
	return ret;
}
