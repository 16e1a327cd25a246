// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tool_tcx: another tool's tcx link, for tests/t_share.sh.
 *   tool_tcx attach PROG_PIN IFINDEX ingress|egress LINK_PIN   (appended last, pinned)
 *   tool_tcx progs IFINDEX ingress|egress                      (ids in run order)
 *   tool_tcx first PROG_PIN IFINDEX ingress|egress LINK_PIN    (placed first, pinned)
 *   tool_tcx update LINK_PIN PROG_PIN                          (bpf_link_update)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "tcx.h"

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "update")) {
		int link = bpf_obj_get(argv[2]), prog = bpf_obj_get(argv[3]);

		if (link < 0 || prog < 0 || bpf_link_update(link, prog, NULL)) {
			fprintf(stderr, "tool_tcx: update: %s\n", strerror(errno));
			return 1;
		}
		return 0;
	}
	if (argc == 6 && (!strcmp(argv[1], "attach") || !strcmp(argv[1], "first"))) {
		LIBBPF_OPTS(bpf_link_create_opts, opts,
			    .flags = strcmp(argv[1], "first") ? 0 : LL_BPF_F_BEFORE);
		int prog = bpf_obj_get(argv[2]), fd;

		if (prog < 0) {
			fprintf(stderr, "tool_tcx: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		fd = bpf_link_create(prog, atoi(argv[3]), strcmp(argv[4], "egress") ?
				     LL_BPF_TCX_INGRESS : LL_BPF_TCX_EGRESS, &opts);
		if (fd < 0 || bpf_obj_pin(fd, argv[5])) {
			fprintf(stderr, "tool_tcx: attach: %s\n", strerror(errno));
			return 1;
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "progs")) {
		__u32 ids[64];
		int n = ll_tcx_progs(atoi(argv[2]), !strcmp(argv[3], "egress"), ids, 64);

		if (n < 0) {
			fprintf(stderr, "tool_tcx: query: %s\n", strerror(-n));
			return 1;
		}
		for (int i = 0; i < n; i++)
			printf("%u\n", ids[i]);
		return 0;
	}
	fprintf(stderr, "usage: tool_tcx attach PROG_PIN IFINDEX ingress|egress LINK_PIN | "
		"progs IFINDEX ingress|egress\n");
	return 2;
}
