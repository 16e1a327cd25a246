/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One private datapath instance for the C tests (test_datapath, test_diff,
 * test_explain): the skeleton opened, its load-time settings and table sizes
 * set, loaded (verified), its flow table mapped. Nothing is pinned or
 * attached: the tests run the programs with BPF_PROG_TEST_RUN.
 */
#ifndef LL_TEST_INSTANCE_H
#define LL_TEST_INSTANCE_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "lifeline.h"
#include "flowtab.h"
#include "maps.h"
#include "lifeline.skel.h"

struct instance_opts {
	int assume_pfm;		/* ll_assume_pfmemalloc: every skb reserve-backed */
	int every_event;	/* ll_event_interval_ns = 0: no event rate-limited */
	int count_fast;		/* ll_count_fast: fast-path frames counted */
	__u32 flow_buckets;	/* ll_flows' buckets; 0: the default */
	__u32 rules;		/* the rule tables' entries (rule ids: twice that); 0: the default */
	const char *only;	/* load this program alone (by name); NULL: all of them */
	void (*prepare)(struct lifeline_bpf *s);	/* anything else, just before the load */
};

/* 0 with *skel loaded and *ft mapped, or -errno with *skel NULL (one FAIL line said why). */
static inline int instance_open(struct lifeline_bpf **skel, struct ll_flowtab *ft,
				const struct instance_opts *o)
{
	struct lifeline_bpf *s = lifeline_bpf__open();
	struct bpf_program *prog;
	int err;

	*skel = NULL;
	if (!s) {
		err = -errno;
		fprintf(stderr, "FAIL load: cannot open the datapath's object: %s\n", strerror(-err));
		return err;
	}
	s->rodata->ll_assume_pfmemalloc = o->assume_pfm;
	if (o->every_event)
		s->rodata->ll_event_interval_ns = 0;
	if (o->count_fast)
		s->rodata->ll_count_fast = 1;
	if (o->only)
		bpf_object__for_each_program(prog, s->obj)
			bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), o->only));
	if (o->flow_buckets)
		bpf_map__set_max_entries(s->maps.ll_flows, o->flow_buckets);
	if (o->rules) {
		bpf_map__set_max_entries(s->maps.ll_rules, o->rules);
		bpf_map__set_max_entries(s->maps.ll_allow, o->rules);
		bpf_map__set_max_entries(s->maps.ll_rule_hosts, o->rules);
		bpf_map__set_max_entries(s->maps.ll_allow_hosts, o->rules);
		bpf_map__set_max_entries(s->maps.ll_rule_hits, 2 * o->rules);
		bpf_map__set_max_entries(s->maps.ll_rule_recs, 2 * o->rules);
	}
	if (o->prepare)
		o->prepare(s);
	err = lifeline_bpf__load(s);
	if (err) {
		fprintf(stderr, "FAIL load: the datapath did not load/verify: %s\n", strerror(-err));
		goto fail;
	}
	/* observe's program arrays, as every load of the network programs fills them */
	err = o->only ? 0 : ll_observe_fill(s);
	if (err) {
		fprintf(stderr, "FAIL load: observe's program arrays: %s\n", strerror(-err));
		goto fail;
	}
	err = ll_flowtab_map(ft, bpf_map__fd(s->maps.ll_flows), bpf_map__fd(s->maps.ll_remotes));
	if (err) {
		fprintf(stderr, "FAIL load: cannot map the flow table: %s\n", strerror(-err));
		goto fail;
	}
	*skel = s;
	return 0;
fail:
	lifeline_bpf__destroy(s);
	return err;
}

#endif
