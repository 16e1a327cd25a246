/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Automatic registration of block-I/O TCP connections: sock_ops adds a
 * connection to ll_flows when it is established to a registered endpoint
 * (or, for the cgroup variant, from a registered cgroup) and removes it when
 * it closes; the TCP iterator does the same for connections that existed
 * before, and recognises sockets the kernel itself marked SOCK_MEMALLOC.
 */
#ifndef LL_SOCKREG_H
#define LL_SOCKREG_H

/* Flow key and the summary the rule matcher reads, from the socket's view. */
static __always_inline int ll_sock_key(struct ll_flow_key *k, struct ll_pkt *p, __u32 family,
				       const __u32 *rip6, const __u32 *lip6, __u32 rip4, __u32 lip4,
				       __u16 rport_be, __u16 lport_host)
{
	if (family == AF_INET_) {
		ll_v4mapped(k->remote, rip4);
		ll_v4mapped(k->local, lip4);
	} else if (family == AF_INET6_) {
		__builtin_memcpy(k->remote, rip6, 16);
		__builtin_memcpy(k->local, lip6, 16);
	} else {
		return -1;
	}
	k->proto = IPPROTO_TCP_;
	k->remote_port = rport_be;
	k->local_port = bpf_htons(lport_host);
	__builtin_memcpy(p->src, k->remote, 16);
	p->proto = IPPROTO_TCP_;
	p->has_ports = 1;
	p->sport = k->remote_port;
	p->dport = k->local_port;
	return 0;
}

/* Adds the flow; returns 1 if this call added it. Origin CLI entries are never touched. */
static __always_inline int ll_sock_add(const struct ll_flow_key *k, __u32 origin)
{
	struct ll_flow_val v = { .origin = origin };

	return ll_flow_insert(k, &v);
}

/* Removes the flow; a close that finds none is noted in ll_sock_closed (for a resize). */
static __always_inline void ll_sock_del(const struct ll_flow_key *k)
{
	__u8 one = 1;

	if (!ll_flow_remove_auto(k))
		bpf_map_update_elem(&ll_sock_closed, k, &one, BPF_ANY);
}

/* Which connections a sock_ops program registers. */
enum ll_sockops_scope {
	LL_SOCKOPS_ENDPOINTS = 0,	/* those to a registered endpoint (cgroup-v2 root) */
	LL_SOCKOPS_ALL = 1,		/* every one (attached to a registered cgroup) */
};

static __always_inline int ll_sockops_handle(struct bpf_sock_ops *skops,
					     enum ll_sockops_scope scope)
{
	struct ll_flow_key k = {};
	struct ll_pkt p = {};
	struct ll_state *s;
	__u32 zero = 0, origin;
	/* copied out word by word: the context allows no derived pointers */
	__u32 rip6[4] = { skops->remote_ip6[0], skops->remote_ip6[1], skops->remote_ip6[2],
			  skops->remote_ip6[3] };
	__u32 lip6[4] = { skops->local_ip6[0], skops->local_ip6[1], skops->local_ip6[2],
			  skops->local_ip6[3] };
	int v;

	if (skops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB &&
	    skops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB &&
	    skops->op != BPF_SOCK_OPS_STATE_CB)
		return 1;
	if (ll_sock_key(&k, &p, skops->family, rip6, lip6,
			skops->remote_ip4, skops->local_ip4,
			/* remote_port holds the network-order port in its upper half */
			bpf_htons((__u16)bpf_ntohl(skops->remote_port)), skops->local_port))
		return 1;

	if (skops->op == BPF_SOCK_OPS_STATE_CB) {
		if (skops->args[1] == TCP_CLOSE_)
			ll_sock_del(&k);
		return 1;
	}
	s = bpf_map_lookup_elem(&ll_state, &zero);
	if (!s)
		return 1;
	if (scope == LL_SOCKOPS_ALL)
		origin = LL_ORIGIN_CGROUP;
	else if (ll_rule_match(s, LL_TAB_ENDPOINT, &p, k.remote, LL_HOSTS_MAYBE) >= 0)
		origin = LL_ORIGIN_SOCKOPS;
	else
		return 1;
	ll_sock_add(&k, origin);

	/* Priority, mark and buffer floors, as the kernel patch's special sockets had. */
	{
		v = s->egress_priority;
		bpf_setsockopt(skops, SOL_SOCKET_, SO_PRIORITY_, &v, sizeof(v));
		if (s->egress_mark) {
			v = s->egress_mark;
			bpf_setsockopt(skops, SOL_SOCKET_, SO_MARK_, &v, sizeof(v));
		}
		if (s->sock_rcvbuf) {
			v = s->sock_rcvbuf;
			bpf_setsockopt(skops, SOL_SOCKET_, SO_RCVBUF_, &v, sizeof(v));
		}
		if (s->sock_sndbuf) {
			v = s->sock_sndbuf;
			bpf_setsockopt(skops, SOL_SOCKET_, SO_SNDBUF_, &v, sizeof(v));
		}
	}
	/* Ask for state changes, to remove the flow when the connection closes. */
	bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_STATE_CB_FLAG);
	return 1;
}

#endif /* LL_SOCKREG_H */
