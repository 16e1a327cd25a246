// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The floors of the per-packet targets (pktcost, issue 17): reference
 * programs that do only the irreducible work of one case, each with the
 * kernel's own primitive or with lifeline's own code for that one step,
 * and nothing else (no level, no clock, no counters). A target below its
 * floor cannot be met by any decision that does that work.
 *
 * The common frame is recognised with lifeline's fast entry
 * (ll_fast_parse), which is also the essentials check of that frame (a
 * TCP or UDP packet is never an essential). pktcost shares ll_flows and
 * ll_remotes with the lifeline instance it filled (bpf_map__reuse_fd);
 * every other lifeline map here is this object's own, left empty.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "lifeline.h"
#include "compat.h"
#include "maps.h"
#include "parse.h"
#include "flowtab.h"
#include "policy.h"
#include "floor.h"

/* An IPv4 5-tuple -> nothing: the kernel's hash table (jhash, buckets, RCU). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20);	/* set at load */
	__type(key, struct floor_key);
	__type(value, __u32);
} floor_hash SEC(".maps");

/* Prefixes as lifeline's rule tries key them (protocol, v4-mapped address). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ll_rule_key);
	__type(value, __u32);
} floor_lpm SEC(".maps");

/* The common frame's IP header, p->src, p->proto and p->v4; NULL for any other frame. */
static __always_inline void *floor_parse(struct xdp_md *xdp, struct ll_pkt *p)
{
	struct ll_ctx ctx = {
		.data = (void *)(long)xdp->data,
		.data_end = (void *)(long)xdp->data_end,
	};

	return ll_fast_parse(&ctx, p);
}

/* The level-none floor: read the state entry, ask whether anybody holds a level. */
SEC("xdp")
int floor_state(struct xdp_md *xdp)
{
	struct ll_state *s = bpf_map_lookup_elem(&ll_state, &(__u32){ 0 });

	return s && ll_any_vote(s) ? XDP_DROP : XDP_PASS;
}

/* The essentials check of the common frame: a TCP or UDP packet is none; drop it. */
SEC("xdp")
int floor_essentials(struct xdp_md *xdp)
{
	struct ll_pkt p;

	return floor_parse(xdp, &p) ? XDP_DROP : XDP_PASS;
}

/* The flood's floor: the essentials check and the remote's prefilter slot. */
SEC("xdp")
int floor_prefilter(struct xdp_md *xdp)
{
	struct ll_pkt p;
	struct ll_remote_cnt *c;
	__u32 slot;

	if (!floor_parse(xdp, &p))
		return XDP_PASS;
	slot = ll_remote_slot((__u32 *)p.src, p.proto);
	c = bpf_map_lookup_elem(&ll_remotes, &slot);
	return c && (c->flows | c->hosts) ? XDP_PASS : XDP_DROP;
}

/* The essentials check and one lookup of the IPv4 5-tuple in the kernel's hash table. */
SEC("xdp")
int floor_hash_lookup(struct xdp_md *xdp)
{
	struct ll_pkt p;
	struct iphdr *iph = floor_parse(xdp, &p);
	struct floor_key k;

	if (!iph || !p.v4)
		return XDP_PASS;
	k.saddr = iph->saddr;
	k.daddr = iph->daddr;
	k.ports = *(__u32 *)(iph + 1);
	k.proto = iph->protocol;
	return bpf_map_lookup_elem(&floor_hash, &k) ? XDP_PASS : XDP_DROP;
}

/* The essentials check and one longest-prefix lookup of the remote. */
SEC("xdp")
int floor_lpm_lookup(struct xdp_md *xdp)
{
	struct ll_pkt p;
	struct ll_rule_key k = {};

	if (!floor_parse(xdp, &p))
		return XDP_PASS;
	k.prefixlen = 8 + 128;
	k.proto = p.proto;
	__builtin_memcpy(k.addr, p.src, 16);
	return bpf_map_lookup_elem(&floor_lpm, &k) ? XDP_PASS : XDP_DROP;
}

/* The essentials check and one lookup in lifeline's flow table, as ll_registered makes it. */
SEC("xdp")
int floor_flowtab(struct xdp_md *xdp)
{
	struct ll_pkt p;
	void *l3 = floor_parse(xdp, &p);

	if (!l3)
		return XDP_PASS;
	ll_fast_pkt(&p, l3);
	return ll_flow_match(&p, LL_DIR_IN) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
