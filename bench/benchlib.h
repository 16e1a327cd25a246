/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What pktcost and flood share: the synthetic flow table and endpoint
 * rules, the pressure level, and loading lifeline sized for them.
 * Every address is a documentation address (RFC 5737, RFC 3849).
 */
#ifndef LL_BENCHLIB_H
#define LL_BENCHLIB_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lifeline.h"
#include "maps.h"
#include "rules.h"
#include "pkt.h"
#include "lifeline.skel.h"

#define BENCH_NR_RULES 1000
#define BENCH_RULE_PORT 3260		/* iSCSI: the port of every endpoint rule */
#define BENCH_FLOW_PORT 10809		/* NBD: the remote port of the exact flows */
#define BENCH_MAX_FLOWS (2U * 250 * 28000)

/*
 * Exact flow i, as this host (the initiator) sees it: remote = an NBD
 * target on port BENCH_FLOW_PORT, local = an ephemeral port. Even i are
 * IPv4 (192.0.2.0/24), odd IPv6 (2001:db8:f::/64); every 8th from 2 is
 * UDP. Unique for i < BENCH_MAX_FLOWS.
 */
static inline void bench_flow_key(__u32 i, struct ll_flow_key *k)
{
	__u32 j = i / 2;
	char a[64];

	memset(k, 0, sizeof(*k));
	if (i % 2) {
		snprintf(a, sizeof(a), "2001:db8:f::%x", 2 + j % 250);
		pkt_addr16(a, k->remote);
		pkt_addr16("2001:db8::1", k->local);
	} else {
		snprintf(a, sizeof(a), "192.0.2.%u", 2 + j % 250);
		pkt_addr16(a, k->remote);
		pkt_addr16("192.0.2.1", k->local);
	}
	k->remote_port = htons(BENCH_FLOW_PORT);
	k->local_port = htons(32768 + j / 250);
	k->proto = i % 8 == 2 ? IPPROTO_UDP : IPPROTO_TCP;
}

/* Fills flows 0..n-1 into the flow table behind fd, as the CLI does. */
static inline int bench_fill_flows(struct lifeline_bpf *skel, __u32 n)
{
	struct ll_flow_val v = { .origin = LL_ORIGIN_SOCKOPS };
	struct ll_flowtab t;
	struct ll_flow_key k;
	int err;

	if (n > BENCH_MAX_FLOWS)
		return -ERANGE;
	err = ll_flowtab_map(&t, bpf_map__fd(skel->maps.ll_flows), bpf_map__fd(skel->maps.ll_remotes));
	if (err)
		return err;
	for (__u32 i = 0; i < n && !err; i++) {
		bench_flow_key(i, &k);
		err = ll_flowtab_insert(&t, &k, &v);
	}
	ll_flowtab_unmap(&t);
	return err;
}

/*
 * BENCH_NR_RULES endpoint rules, compiled as user space would: half IPv4
 * /32 hosts (198.51.100.0/24, then 203.0.113.0/24), half IPv6 /128
 * (2001:db8:100::/64), each TCP with the one port BENCH_RULE_PORT. Full-length
 * prefixes live in the host hash (ll_rule_hosts), as ll_rules_install puts them.
 */
/* The key of bench rule i (its host, full length, TCP). */
static inline void bench_rule_key(__u32 i, struct ll_rule_key *k)
{
	char a[64];

	memset(k, 0, sizeof(*k));
	k->proto = IPPROTO_TCP;
	if (i < BENCH_NR_RULES / 2) {
		snprintf(a, sizeof(a), "%s.%u", i < 256 ? "198.51.100" : "203.0.113", i % 256);
		k->prefixlen = 8 + LL_V4MAPPED_PREFIX + 32;
	} else {
		snprintf(a, sizeof(a), "2001:db8:100::%x", i - BENCH_NR_RULES / 2);
		k->prefixlen = 8 + 128;
	}
	pkt_addr16(a, k->addr);
}

static inline int bench_fill_rules(struct lifeline_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.ll_rule_hosts);
	struct ll_flowtab t;
	int err = ll_flowtab_map(&t, bpf_map__fd(skel->maps.ll_flows),
				 bpf_map__fd(skel->maps.ll_remotes));

	if (err)
		return err;
	for (__u32 i = 0; i < BENCH_NR_RULES; i++) {
		struct ll_rule_key k;
		struct ll_rule_val v = { .nranges = 1 };

		bench_rule_key(i, &k);
		v.ranges[0].lo = BENCH_RULE_PORT;
		v.ranges[0].hi = BENCH_RULE_PORT;
		v.ranges[0].rule_id = i;
		if (ll_host_put(fd, t.rc, &k, &v)) {
			ll_flowtab_unmap(&t);
			return -EIO;
		}
	}
	ll_flowtab_unmap(&t);
	return 0;
}

/* The daemon's vote at level, with a one-hour lease. */
static inline int bench_set_level(struct lifeline_bpf *skel, __u32 level)
{
	struct ll_state st = { .egress_priority = LL_TC_PRIO_INTERACTIVE, .egress_mark = 0x4c4c };
	__u64 now = ll_now_ns();
	__u32 zero = 0;

	if (level != LL_LEVEL_NONE) {
		st.daemon.level = level;
		st.daemon.source = LL_SRC_PSI;
		st.daemon.since_ns = now;
		st.daemon.expires_ns = now + 3600ULL * 1000000000ULL;
	}
	st.host_entries[0] = BENCH_NR_RULES;	/* bench_fill_rules' entries */
	return bpf_map_update_elem(bpf_map__fd(skel->maps.ll_state), &zero, &st, 0) ? -errno : 0;
}

/* Opens and loads lifeline with room for max_flows exact flows; NULL with errno set. */
static inline struct lifeline_bpf *bench_lifeline_load(__u32 max_flows)
{
	struct lifeline_bpf *skel = lifeline_bpf__open();
	int err;

	if (!skel)
		return NULL;
	err = bpf_map__set_max_entries(skel->maps.ll_flows, ll_flow_buckets(max_flows));
	if (!err)
		err = lifeline_bpf__load(skel);
	if (!err)
		err = ll_observe_fill(skel);	/* observe mode's tail call, as attach fills it */
	if (err) {
		lifeline_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

/*
 * lifeline at critical with n exact flows and the endpoint rules, ready to
 * attach; NULL with errno set.
 */
static inline struct lifeline_bpf *bench_lifeline_critical(__u32 nflows)
{
	struct lifeline_bpf *skel = bench_lifeline_load(nflows ? nflows : 1);
	int err;

	if (!skel)
		return NULL;
	err = bench_fill_rules(skel);
	if (!err)
		err = bench_fill_flows(skel, nflows);
	if (!err)
		err = bench_set_level(skel, LL_LEVEL_CRITICAL);
	if (err) {
		lifeline_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

#endif /* LL_BENCHLIB_H */
