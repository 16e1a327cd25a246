// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline datapath: the attach points. Each is a thin wrapper around the
 * shared decision in policy.h.
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
#include "sockreg.h"

/*
 * What lifeline's tc programs return for a packet they let through: "no
 * verdict, the next program decides" (TCX_NEXT; for a clsact filter the next
 * filter). TC_ACT_OK would end the hook there: lifeline runs first, so
 * every other tc program (tcx links, filters) would stop seeing traffic.
 */
#define LL_TC_PASS TC_ACT_UNSPEC_

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/*
 * Loaded with multi-buffer support (xdp.frags): a driver then keeps a jumbo
 * MTU with lifeline attached, and a frame whose headers straddle its first
 * buffer is parsed from a copy (ll_parse_frame).
 */
static __always_inline struct ll_ctx ll_xdp_ctx(struct xdp_md *xdp)
{
	struct ll_ctx ctx = {
		.prog_ctx = xdp,
		.data = (void *)(long)xdp->data,
		.data_end = (void *)(long)xdp->data_end,
		.hook = LL_HOOK_XDP,
		.xdp_buff = bpf_cast_to_kern_ctx(xdp),
	};

	/* a multi-buffer frame's whole length is read by ll_ingress / ll_observe */
	ctx.bytes = ctx.data_end - ctx.data;
	return ctx;
}

/*
 * What an ingress program returns: ll_ingress's answer mapped to the hook's
 * drop and pass codes. At level none in observe mode the packet first goes
 * to the hook's observe program (a tail call through observe, its program
 * array); an empty slot falls through to pass (fail open).
 */
static __always_inline int ll_ingress_verdict(struct ll_ctx *ctx, struct ll_state *s, void *observe,
					      int drop, int pass)
{
	__u32 reason;

	switch (ll_ingress(ctx, s, &reason)) {
	case LL_IN_DECIDED:
		return ll_reason_is_drop(reason) ? drop : pass;
	case LL_IN_OBSERVE:
		bpf_tail_call(ctx->prog_ctx, observe, 0);
		break;	/* the slot is empty: fail open */
	case LL_IN_PASS:
		break;
	}
	return pass;
}

SEC("xdp.frags")
int ll_xdp(struct xdp_md *xdp)
{
	struct ll_state *s = bpf_map_lookup_elem(&ll_state, &(__u32){ 0 });
	struct ll_ctx ctx;

	/* level none: nothing else is read */
	if (!s || !ll_any_vote(s))
		return XDP_PASS;
	ctx = ll_xdp_ctx(xdp);
	return ll_ingress_verdict(&ctx, s, &ll_observe_xdp, XDP_DROP, XDP_PASS);
}

/*
 * Observe mode at level none (ll_observe_xdp's slot): critical's decision,
 * counted as would-drops only; the packet always passes.
 */
SEC("xdp.frags")
int ll_xdp_observe(struct xdp_md *xdp)
{
	struct ll_state *s = bpf_map_lookup_elem(&ll_state, &(__u32){ 0 });
	struct ll_ctx ctx;

	if (!s)
		return XDP_PASS;
	ctx = ll_xdp_ctx(xdp);
	ll_observe(&ctx, s);
	return XDP_PASS;
}

/*
 * TC ingress. Behind XDP (the usual attach) the level policy has already
 * been applied, so its own job is the kernel patch's check: an skb
 * allocated from the emergency reserve (pfmemalloc) that belongs to no
 * registered flow is dropped here, and the sighting raises the level to
 * critical in-kernel. Everything else passes untouched.
 *
 * With policy set (ll_tc_policy, for `attach --mode tc`) it applies the
 * whole decision instead, for interfaces where XDP costs more than it
 * saves: on a veth, native XDP copies every non-linear or cloned skb (all
 * of a local TCP sender's) into a fresh page to run any program at all.
 */
/* What the tc ingress program does with a plain (not reserve-backed) skb. */
enum ll_tc_mode {
	LL_TC_RESERVE_ONLY = 0,	/* ll_tc_ingress, behind XDP: pass it untouched */
	LL_TC_POLICY = 1,	/* ll_tc_policy (attach --mode tc): the whole decision */
};

static __always_inline int ll_tc_in(struct __sk_buff *skb, enum ll_tc_mode mode)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct ll_state *s;
	struct ll_ctx ctx;
	int pfmemalloc = BPF_CORE_READ_BITFIELD(kskb, pfmemalloc) || ll_assume_pfmemalloc;

	if (!pfmemalloc && mode == LL_TC_RESERVE_ONLY)
		return LL_TC_PASS;
	s = bpf_map_lookup_elem(&ll_state, &(__u32){ 0 });
	if (!s || (!pfmemalloc && !ll_any_vote(s)))
		return LL_TC_PASS;
	ctx = (struct ll_ctx){
		.prog_ctx = skb,
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
		.bytes = skb->len,
		.charge = kskb->truesize,
		.hook = LL_HOOK_TC_INGRESS,
		.pfmemalloc = pfmemalloc,
	};
	if (pfmemalloc)
		ll_count(LL_HOOK_TC_INGRESS, LL_NOTE_PFMEMALLOC, ctx.bytes);
	return ll_ingress_verdict(&ctx, s, &ll_observe_tc, TC_ACT_SHOT_, LL_TC_PASS);
}

SEC("tc")
int ll_tc_ingress(struct __sk_buff *skb)
{
	return ll_tc_in(skb, LL_TC_RESERVE_ONLY);
}

SEC("tc")
int ll_tc_policy(struct __sk_buff *skb)
{
	return ll_tc_in(skb, LL_TC_POLICY);
}

/*
 * Observe mode at level none (ll_observe_tc's slot), behind ll_tc_policy:
 * critical's decision, counted as would-drops only; the skb always passes.
 * Reached for a plain skb only (a reserve-backed one is decided for real).
 */
SEC("tc")
int ll_tc_observe(struct __sk_buff *skb)
{
	struct ll_state *s = bpf_map_lookup_elem(&ll_state, &(__u32){ 0 });
	struct ll_ctx ctx = {
		.prog_ctx = skb,
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
		.bytes = skb->len,
		.hook = LL_HOOK_TC_INGRESS,
	};

	if (s)
		ll_observe(&ctx, s);
	return LL_TC_PASS;
}

/*
 * TC egress: packets of registered flows get the configured priority and
 * mark. A socket sock_ops registered has both already (SO_PRIORITY,
 * SO_MARK): its packets, every packet of the block-I/O path at every
 * level, leave without a parse or a lookup. Only flows without such a
 * socket (CLI flows, connections of endpoint rules made before lifeline,
 * UDP) are looked up.
 */
SEC("tc")
int ll_tc_egress(struct __sk_buff *skb)
{
	struct ll_state *s = bpf_map_lookup_elem(&ll_state, &(__u32){ 0 });
	struct ll_ctx ctx = {
		.prog_ctx = skb,
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
		.bytes = skb->len,
		.hook = LL_HOOK_TC_EGRESS,
	};
	struct ll_pkt p = {};

	if (!s)
		return LL_TC_PASS;
	/* nothing to set: marked by its socket */
	if (skb->priority == s->egress_priority && (!s->egress_mark || skb->mark == s->egress_mark))
		return LL_TC_PASS;
	if (ll_parse_frame(&ctx, &p) != LL_P_IP || p.frag_later)
		return LL_TC_PASS;
	if (!ll_registered(s, &p, skb->len, LL_DIR_OUT, NULL, NULL))
		return LL_TC_PASS;
	skb->priority = s->egress_priority;
	if (s->egress_mark)
		skb->mark = s->egress_mark;
	ll_count(LL_HOOK_TC_EGRESS, LL_NOTE_MARKED, skb->len);
	return LL_TC_PASS;
}

/*
 * Memory pressure seen in-kernel, within microseconds: kswapd woken (free
 * memory under the low watermark) raises elevated; direct reclaim (an
 * allocation had to reclaim itself), or limit reclaim in the watched memory
 * cgroup, raises critical. Each with the kernel vote's short lease; the
 * daemon confirms the level from its sources or lets it decay.
 */
static __always_inline void ll_vmscan(__u32 level)
{
	__u64 now = bpf_ktime_get_ns();	/* tracing programs may not read the coarse clock */
	struct ll_state *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&ll_state, &zero);
	if (s && ll_kernel_raise(s, level, LL_SRC_VMSCAN, now))
		ll_event(LL_HOOK_XDP, LL_EV_LEVEL, level, LL_SRC_VMSCAN, 0, now);
}

SEC("tp_btf/mm_vmscan_kswapd_wake")
int BPF_PROG(ll_tp_kswapd_wake, int nid, int zid, int order)
{
	ll_vmscan(LL_LEVEL_ELEVATED);
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(ll_tp_direct_reclaim, int order, gfp_t gfp)
{
	ll_vmscan(LL_LEVEL_CRITICAL);
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(ll_tp_memcg_reclaim, int order, gfp_t gfp)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cgroup_subsys_state *css;
	__u64 id;

	if (!ll_watch_memcg)
		return 0;
	/* the reclaiming task's memory cgroup (v1 or v2): its kernfs node id is the dir's inode */
	css = task->cgroups->subsys[bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id)];
	if (!css)
		return 0;
	id = BPF_CORE_READ(css, cgroup, kn, id);
	if (id == ll_watch_memcg)
		ll_vmscan(LL_LEVEL_CRITICAL);
	return 0;
}

/* sock_ops on the cgroup-v2 root: connections to registered endpoints. */
SEC("sockops")
int ll_sockops(struct bpf_sock_ops *skops)
{
	return ll_sockops_handle(skops, LL_SOCKOPS_ENDPOINTS);
}

/* sock_ops on a registered cgroup: every connection of its processes. */
SEC("sockops")
int ll_sockops_cgroup(struct bpf_sock_ops *skops)
{
	return ll_sockops_handle(skops, LL_SOCKOPS_ALL);
}

/*
 * Connections that existed before: registered when they go to a registered
 * endpoint, or when the kernel marked the socket SOCK_MEMALLOC (in-kernel
 * NBD, NVMe/TCP, iSCSI, NFS swap). Prints one line per flow it added.
 */
SEC("iter/tcp")
int ll_iter_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct ll_flow_key k = {};
	struct ll_pkt p = {};
	struct tcp_sock *tp;
	struct ll_state *s;
	__u32 origin, zero = 0;

	if (!skc)
		return 0;
	s = bpf_map_lookup_elem(&ll_state, &zero);
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp || skc->skc_state != TCP_ESTABLISHED_)
		return 0;
	if (ll_sock_key(&k, &p, skc->skc_family, skc->skc_v6_daddr.in6_u.u6_addr32,
			skc->skc_v6_rcv_saddr.in6_u.u6_addr32, skc->skc_daddr, skc->skc_rcv_saddr,
			skc->skc_dport, skc->skc_num))
		return 0;
	if (s && ll_rule_match(s, LL_TAB_ENDPOINT, &p, k.remote, LL_HOSTS_MAYBE) >= 0)
		origin = LL_ORIGIN_SOCKOPS;
	else if (skc->skc_flags & (1UL << SOCK_MEMALLOC))
		origin = LL_ORIGIN_KERNEL;
	else
		return 0;
	if (ll_sock_add(&k, origin)) {
		/* ask sock_ops for this socket's close, to remove the flow then */
		int flags = BPF_SOCK_OPS_STATE_CB_FLAG;

		bpf_setsockopt(tp, SOL_TCP_, TCP_BPF_SOCK_OPS_CB_FLAGS_, &flags, sizeof(flags));
		BPF_SEQ_PRINTF(ctx->meta->seq, "%u\n", origin);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
