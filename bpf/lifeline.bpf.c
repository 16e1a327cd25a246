// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline datapath: the attach points. Each is a thin wrapper around the
 * shared decision in policy.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "lifeline.h"
#include "maps.h"
#include "parse.h"
#include "policy.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

SEC("xdp")
int ll_xdp(struct xdp_md *xdp)
{
	struct ll_ctx ctx = {
		.data = (void *)(long)xdp->data,
		.data_end = (void *)(long)xdp->data_end,
		.hook = LL_HOOK_XDP,
		.ifindex = xdp->ingress_ifindex,
	};
	__u32 reason;

	ctx.bytes = ctx.data_end - ctx.data;
	if (!ll_ingress(&ctx, &reason))
		return XDP_PASS;
	return ll_reason_is_drop(reason) ? XDP_DROP : XDP_PASS;
}

/*
 * TC ingress runs behind XDP, which has already applied the level policy.
 * Its own job is the kernel patch's check: an skb allocated from the
 * emergency reserve (pfmemalloc) that belongs to no registered flow is
 * dropped here, and the sighting raises the level to critical in-kernel.
 * Everything else passes untouched.
 */
SEC("tc")
int ll_tc_ingress(struct __sk_buff *skb)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct ll_ctx ctx = {
		.data = (void *)(long)skb->data,
		.data_end = (void *)(long)skb->data_end,
		.bytes = skb->len,
		.hook = LL_HOOK_TC_INGRESS,
		.ifindex = skb->ifindex,
	};
	__u32 reason;

	ctx.pfmemalloc = BPF_CORE_READ_BITFIELD(kskb, pfmemalloc) || ll_assume_pfmemalloc;
	if (!ctx.pfmemalloc)
		return TC_ACT_OK;
	ll_count(LL_HOOK_TC_INGRESS, LL_NOTE_PFMEMALLOC, ctx.bytes);
	if (!ll_ingress(&ctx, &reason))
		return TC_ACT_OK;
	return ll_reason_is_drop(reason) ? TC_ACT_SHOT : TC_ACT_OK;
}

/* TC egress: packets of registered flows get the configured priority and mark. */
SEC("tc")
int ll_tc_egress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ll_pkt p = {};
	struct ll_state *s;
	__u32 zero = 0;

	if (ll_parse(data, data_end, &p) != LL_P_IP || p.frag_later)
		return TC_ACT_OK;
	if (!ll_registered(&p, skb->len, 1))
		return TC_ACT_OK;
	s = bpf_map_lookup_elem(&ll_state, &zero);
	if (!s)
		return TC_ACT_OK;
	skb->priority = s->egress_priority;
	if (s->egress_mark)
		skb->mark = s->egress_mark;
	ll_count(LL_HOOK_TC_EGRESS, LL_NOTE_MARKED, skb->len);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
