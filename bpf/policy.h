/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The decision, shared by every attach point: the effective level from the
 * votes in the state map, the lookups (allow rules, exact flows, endpoint
 * rules, fragments), the level policy for everything else, counters and
 * events. The XDP and TC programs are thin wrappers around ll_decide().
 */
#ifndef LL_POLICY_H
#define LL_POLICY_H

#define NSEC_PER_SEC_ 1000000000ULL

/*
 * CLOCK_MONOTONIC at jiffy resolution, as the leases need it. The coarse
 * clock (a tenth of bpf_ktime_get_ns() here) only moves at a tick, so it is
 * read once per jiffy per CPU and cached; a packet otherwise pays an
 * inlined load of jiffies and of the per-CPU cache. A CPU that reads a
 * new jiffy before the timekeeper caught up (at a tick, or waking from an
 * idle stretch) keeps a time a few ticks old until its next jiffy: a lease
 * then ends a few milliseconds late, never early, and leases are seconds.
 */
static __always_inline __u64 ll_now(void)
{
	__u32 zero = 0;
	struct ll_clock *c = bpf_map_lookup_elem(&ll_clock, &zero);
	__u64 j = bpf_jiffies64();

	if (!c)
		return bpf_ktime_get_coarse_ns();
	if (c->jiffies != j) {
		c->jiffies = j;
		c->ns = bpf_ktime_get_coarse_ns();
	}
	return c->ns;
}

static __always_inline void ll_count(__u32 hook, __u32 reason, __u64 bytes)
{
	__u32 idx = LL_COUNTER_IDX(hook, reason);
	struct ll_counter *c = bpf_map_lookup_elem(&ll_counters, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/* Emits an event unless one of this type went out less than the interval ago. */
static __always_inline void ll_event(__u32 hook, __u32 type, __u32 level, __u32 source,
				     __u32 ifindex, __u64 now)
{
	struct ll_evlimit *lim = bpf_map_lookup_elem(&ll_evlimit, &type);
	struct ll_event *ev;

	if (!lim)
		return;
	/* compared, not subtracted: per-CPU clocks may put another CPU's last_ns ahead */
	if (lim->last_ns && now < lim->last_ns + ll_event_interval_ns) {
		__sync_fetch_and_add(&lim->suppressed, 1);
		return;
	}
	ev = bpf_ringbuf_reserve(&ll_events, sizeof(*ev), 0);
	if (!ev) {
		ll_count(hook, LL_NOTE_EVENT_LOST, 0);
		return;
	}
	lim->last_ns = now;
	ev->ts_ns = now;
	ev->type = type;
	ev->level = level;
	ev->source = source;
	ev->ifindex = ifindex;
	ev->value = lim->suppressed;
	lim->suppressed = 0;
	bpf_ringbuf_submit(ev, 0);
}

/*
 * Raises the kernel's own vote to level for a short lease (never lowers a
 * live vote). Returns 1 when the level went up, so the caller can report it.
 */
static __always_inline int ll_kernel_raise(struct ll_state *s, __u32 level, __u32 source, __u64 now)
{
	int live = s->kernel.level != LL_LEVEL_NONE && now < s->kernel.expires_ns;

	if (live && s->kernel.level > level)
		return 0;
	if (!live || s->kernel.level < level) {
		s->kernel.since_ns = now;
		s->kernel.source = source;
		s->kernel.level = level;
		s->kernel.expires_ns = now + ll_kernel_lease_ns;
		return 1;
	}
	s->kernel.expires_ns = now + ll_kernel_lease_ns;
	return 0;
}

static __always_inline int ll_port_in(__u16 port_be, const struct ll_port_range *r)
{
	__u16 port = bpf_ntohs(port_be);

	return port >= r->lo && port <= r->hi;
}

/* Scans a compiled entry's port ranges; returns the rule id or -1. */
static __always_inline long ll_ranges_match(const struct ll_rule_val *v, const struct ll_pkt *p)
{
	for (int i = 0; i < LL_RULE_PORTS; i++) {
		if (i >= v->nranges)
			break;
		/* Non-TCP/UDP protocols have no ports: only an any-port range matches. */
		if (!p->has_ports) {
			if (v->ranges[i].lo == 0 && v->ranges[i].hi == 0xffff)
				return v->ranges[i].rule_id;
			continue;
		}
		if (ll_port_in(p->sport, &v->ranges[i]) || ll_port_in(p->dport, &v->ranges[i]))
			return v->ranges[i].rule_id;
	}
	return -1;
}

/*
 * Looks the remote address up in one rule table (kind 0: endpoint rules,
 * 1: allow rules): the exact-host hash first, then the prefix trie, each
 * only when it holds entries; the host hash also only when the remote
 * prefilter says it may hold this remote (hosts_maybe). Returns the rule
 * id or -1.
 */
static __always_inline long ll_rule_match(const struct ll_state *s, int kind,
					  const struct ll_pkt *p, const __u8 *remote, int hosts_maybe)
{
	struct ll_rule_key key = { .prefixlen = LL_RULE_KEY_BITS, .proto = p->proto };
	/* ll_pkt is 4-byte aligned and its addresses lead it */
	const __u32 *addr = (const __u32 *)remote;
	struct ll_host_val *hv;
	struct ll_rule_val *v;

	if (hosts_maybe && s->host_entries[kind]) {
		__u64 hk = ll_host_hash(addr, p->proto);

		hv = bpf_map_lookup_elem(kind ? (void *)&ll_allow_hosts : (void *)&ll_rule_hosts, &hk);
		if (hv && ll_host_is(hv, addr, p->proto))
			return ll_ranges_match(&hv->val, p);
	}
	if (!s->trie_entries[kind])
		return -1;
	__builtin_memcpy(key.addr, remote, 16);
	v = bpf_map_lookup_elem(kind ? (void *)&ll_allow : (void *)&ll_rules, &key);
	return v ? ll_ranges_match(v, p) : -1;
}

static __always_inline void ll_rule_hit(long id, __u64 bytes)
{
	__u32 key = id;
	struct ll_counter *c = bpf_map_lookup_elem(&ll_rule_hits, &key);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline struct ll_flow_val *ll_flow_match(const struct ll_pkt *p, int egress)
{
	struct ll_flow_key key = { .proto = p->proto };
	struct ll_flow_entry *e;

	if (!p->has_ports)
		return NULL;
	if (egress) {
		__builtin_memcpy(key.remote, p->dst, 16);
		__builtin_memcpy(key.local, p->src, 16);
		key.remote_port = p->dport;
		key.local_port = p->sport;
	} else {
		__builtin_memcpy(key.remote, p->src, 16);
		__builtin_memcpy(key.local, p->dst, 16);
		key.remote_port = p->sport;
		key.local_port = p->dport;
	}
	e = ll_flow_find(&key);
	return e ? &e->val : NULL;
}

static __always_inline void ll_frag_key(struct ll_frag_key *k, const struct ll_pkt *p)
{
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(k->src, p->src, 16);
	__builtin_memcpy(k->dst, p->dst, 16);
	k->id = p->frag_id;
	k->proto = p->frag_proto;
}

#define TCP_LISTEN_ 10

enum { LL_SK_NONE = 0, LL_SK_CONN, LL_SK_LISTENER };

/*
 * Strict mode: does this host have a TCP connection for the packet's
 * 4-tuple? A spoofed registered tuple finds none. bpf_skc_lookup_tcp finds
 * connections by their 4-tuple (established or closing, a handshake in
 * progress as a request socket, time-wait: LL_SK_CONN) but also, failing
 * those, any socket listening on the destination port (LL_SK_LISTENER).
 * A listener alone proves nothing about the sender: it counts only where
 * the registration has this host as the target on that port (a SYN, or a
 * syncookie ACK, to a registered server port). Otherwise a spoofed SYN from
 * a registered remote would pass to any listening port.
 */
static __always_inline int ll_sock_of(void *ctx, const struct ll_pkt *p)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	__u32 len;
	int rc;

	if (p->v4) {
		__builtin_memcpy(&t.ipv4.saddr, p->src + 12, 4);
		__builtin_memcpy(&t.ipv4.daddr, p->dst + 12, 4);
		t.ipv4.sport = p->sport;
		t.ipv4.dport = p->dport;
		len = sizeof(t.ipv4);
	} else {
		__builtin_memcpy(t.ipv6.saddr, p->src, 16);
		__builtin_memcpy(t.ipv6.daddr, p->dst, 16);
		t.ipv6.sport = p->sport;
		t.ipv6.dport = p->dport;
		len = sizeof(t.ipv6);
	}
	sk = bpf_skc_lookup_tcp(ctx, &t, len, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return LL_SK_NONE;
	rc = sk->state == TCP_LISTEN_ ? LL_SK_LISTENER : LL_SK_CONN;
	bpf_sk_release(sk);
	return rc;
}

/*
 * What strict mode needs of the packet's context (ingress at critical): a
 * separate small struct, so ll_ctx itself never escapes to a subprogram and
 * its constant fields (the hook) stay known to the compiler.
 */
struct ll_strict {
	void *prog_ctx;		/* xdp_md or __sk_buff */
	__u32 ifindex;		/* the ingress interface, for the FIB lookup */
};

/*
 * Strict mode found no connection for the 4-tuple: is the packet for this
 * host at all? Forwarded or routed traffic (to a VM, a container, a host
 * behind this one) never has a socket here, so strict applies only to
 * packets the routing table delivers locally. One FIB lookup, as the
 * stack's input route would do it (ingress interface, no neighbour
 * resolution, no MTU check): a unicast route out (SUCCESS, or FRAG_NEEDED
 * on tc, which measures the skb anyway) means forwarded: 0, strict does not
 * apply and the registration decides. NOT_FWDED (a local address, or
 * broadcast/multicast, or no route), FWD_DISABLED (this interface does not
 * route: the packet is local or dropped by the stack), blackhole,
 * unreachable, prohibit (the stack drops it too) and an error: 1, strict
 * applies. Only packets that miss the socket lookup pay for this (spoofed
 * and forwarded ones); out of line so the rule and flow paths share it.
 */
static __noinline int ll_for_this_host(const struct ll_strict *ctx, const struct ll_pkt *p)
{
	struct bpf_fib_lookup f = {};
	long rc;

	f.ifindex = ctx->ifindex;
	f.l4_protocol = p->proto;
	f.sport = p->sport;
	f.dport = p->dport;
	if (p->v4) {
		f.family = AF_INET_;
		__builtin_memcpy(&f.ipv4_src, p->src + 12, 4);
		__builtin_memcpy(&f.ipv4_dst, p->dst + 12, 4);
	} else {
		f.family = AF_INET6_;
		__builtin_memcpy(f.ipv6_src, p->src, 16);
		__builtin_memcpy(f.ipv6_dst, p->dst, 16);
	}
	rc = bpf_fib_lookup(ctx->prog_ctx, &f, sizeof(f), BPF_FIB_LOOKUP_SKIP_NEIGH);
	return !(rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_FRAG_NEEDED ||
		 rc == BPF_FIB_LKUP_RET_NO_NEIGH);
}

/*
 * Strict mode for an endpoint rule's packet: 1 when nothing here vouches
 * for it (ll_for_this_host then decides whether strict applies). A
 * listener counts only on a port the rules register for this remote (the
 * local port looked up as if it were the remote's): a forwarded SYN may
 * also find a local listener on its port (sshd on a router). Out of line:
 * the second rule lookup would otherwise weigh on every rule hit, strict or
 * not.
 */
static __noinline int ll_strict_rule_unvouched(const struct ll_strict *ctx, const struct ll_state *s,
					       const struct ll_pkt *p, const __u8 *remote,
					       int hosts_maybe)
{
	struct ll_pkt q;
	int sk = ll_sock_of(ctx->prog_ctx, p);

	if (sk != LL_SK_LISTENER)
		return sk == LL_SK_NONE;
	q = *p;
	q.sport = p->dport;
	return ll_rule_match(s, 0, &q, remote, hosts_maybe) < 0;
}

/*
 * Registered traffic: management allow rules, exact flows, endpoint rules.
 * Returns the pass reason, LL_DROP_STRICT, or 0 (LL_PASS_LEASE_EXPIRED is
 * never returned here, so 0 means "not registered"). strict_ctx is the
 * packet's context when strict mode applies (ingress at critical), else NULL.
 */
static __noinline __u32 ll_registered(const struct ll_state *s, const struct ll_pkt *p,
					   __u64 bytes, int egress, const struct ll_strict *strict_ctx)
{
	int strict_all = s->strict;
	const __u8 *remote = egress ? p->dst : p->src;
	__u32 slot = ll_remote_slot((const __u32 *)remote, p->proto);
	struct ll_remote_cnt *rc = bpf_map_lookup_elem(&ll_remotes, &slot);
	struct ll_flow_val *fv = NULL;
	int hosts_maybe;
	long id;

	if (!rc)
		return 0;
	hosts_maybe = rc->hosts != 0;
	if (!egress) {
		id = ll_rule_match(s, 1, p, remote, hosts_maybe);
		if (id >= 0) {
			ll_rule_hit(id, bytes);
			return LL_PASS_MGMT;
		}
	}
	/* Hit counters count received packets only. */
	if (rc->flows)
		fv = ll_flow_match(p, egress);
	if (fv) {
		/* an exact flow names its local port: a listener there is its target */
		if (strict_ctx && p->proto == IPPROTO_TCP_ &&
		    (strict_all || (fv->flags & LL_FLOW_F_STRICT)) &&
		    ll_sock_of(strict_ctx->prog_ctx, p) == LL_SK_NONE &&
		    ll_for_this_host(strict_ctx, p))
			return LL_DROP_STRICT;
		/*
		 * Plain adds, not atomics: RSS steers one flow to one RX queue, so
		 * two CPUs rarely update one flow at once, and a lost increment in
		 * a statistic costs less than a locked add on every packet.
		 */
		if (!egress) {
			fv->packets++;
			fv->bytes += bytes;
		}
		return LL_PASS_FLOW;
	}
	id = ll_rule_match(s, 0, p, remote, hosts_maybe);
	if (id >= 0) {
		if (strict_ctx && strict_all && p->proto == IPPROTO_TCP_ &&
		    ll_strict_rule_unvouched(strict_ctx, s, p, remote, hosts_maybe) &&
		    ll_for_this_host(strict_ctx, p))
			return LL_DROP_STRICT;
		if (!egress)
			ll_rule_hit(id, bytes);
		return LL_PASS_RULE;
	}
	return 0;
}

/* bytes: the frame's length; essentials are bounded (see LL_ESSENTIAL_*) */
static __always_inline int ll_essential(int parse_rc, const struct ll_pkt *p, __u64 bytes)
{
	if (parse_rc == LL_P_ARP)
		return 1;
	if (parse_rc != LL_P_IP || !p->has_icmp)
		return 0;
	if (p->proto == IPPROTO_ICMPV6_) {
		/* packet too big */
		if (p->icmp_type == 2)
			return bytes <= LL_ESSENTIAL_ICMP6_MAX;
		/* router/neighbour solicitation/advertisement, redirect: on-link only */
		return p->icmp_type >= 133 && p->icmp_type <= 137 &&
		       p->hop_limit == LL_ND_HOP_LIMIT && bytes <= LL_ESSENTIAL_ICMP6_MAX;
	}
	/* ICMPv4 destination unreachable, fragmentation needed */
	return p->proto == IPPROTO_ICMP_ && p->icmp_type == 3 && p->icmp_code == 4 &&
	       bytes <= LL_ESSENTIAL_ICMP4_MAX;
}

/*
 * Takes a chunk of the host's budget into this CPU's bucket: rate /
 * LL_POOL_SLICES bytes, or the `need` bytes the packet lacks if more.
 * Returns 1 when the pool held the credit. The pool (struct ll_pool) is a
 * virtual clock: the credit at now is (now - paid_ns) * rate, at most the
 * depth; a take moves paid_ns on by the chunk's time, rounded up. The
 * depth is budget_burst, but at least LL_POOL_DEPTH_CHUNKS chunks (a CPU
 * spends one while the next accrues, and the clock moves in jiffies: a
 * one-chunk pool lost the credit of up to a jiffy at every take) and at
 * most a second's budget. Its time is that of its whole chunks, each
 * rounded up as a take is, plus the rest: a full pool always lends them
 * all. A CPU that loses the compare-and-swap twice to other CPUs' takes
 * drops this one packet: the credit went to them, the host's total is the
 * same.
 */
static __always_inline int ll_pool_take(const struct ll_state *s, struct ll_bucket *b, __u64 need,
					__u64 now)
{
	__u64 rate = s->budget_rate, chunk, depth, chunk_ns, depth_ns, floor;
	struct ll_pool *pool;
	__u32 zero = 0;

	pool = bpf_map_lookup_elem(&ll_pool, &zero);
	if (!pool || !rate)
		return 0;
	if (rate > LL_BUDGET_RATE_MAX)
		rate = LL_BUDGET_RATE_MAX;
	/* a packet that costs more than a second's budget never passes */
	if (need > rate)
		return 0;
	chunk = rate / LL_POOL_SLICES;
	if (chunk < need)
		chunk = need;
	depth = s->budget_burst;
	if (depth < LL_POOL_DEPTH_CHUNKS * chunk)
		depth = LL_POOL_DEPTH_CHUNKS * chunk;
	if (depth > rate)
		depth = rate;
	chunk_ns = (chunk * NSEC_PER_SEC_ + rate - 1) / rate;
	depth_ns = depth / chunk * chunk_ns + (depth % chunk * NSEC_PER_SEC_ + rate - 1) / rate;
	floor = now > depth_ns ? now - depth_ns : 0;
	for (int i = 0; i < 2; i++) {
		__u64 paid = pool->paid_ns;
		__u64 from = paid > floor ? paid : floor;

		if (from + chunk_ns > now)
			return 0;
		if (__sync_val_compare_and_swap(&pool->paid_ns, paid, from + chunk_ns) == paid) {
			__sync_fetch_and_add(&pool->takes, 1);
			b->tokens += chunk;
			return 1;
		}
	}
	return 0;
}

/*
 * The level's policy for traffic that is not registered. At elevated the
 * packet is charged the memory it holds (charge, from the attach point),
 * at least budget_rate / budget_pps bytes when a packet rate cap is set,
 * against this CPU's credit, which is refilled in chunks from the host's
 * pool: no shared write per packet.
 */
static __always_inline __u32 ll_unregistered(const struct ll_state *s, __u32 level, __u64 charge,
					     __u64 now)
{
	struct ll_bucket *b;
	__u32 zero = 0;
	__u64 pps = s->budget_pps, held = charge;

	if (level == LL_LEVEL_NONE)
		return LL_PASS_NONE;
	if (level != LL_LEVEL_ELEVATED)
		return LL_DROP_CRITICAL;

	b = bpf_map_lookup_elem(&ll_bucket, &zero);
	if (!b)
		return LL_DROP_BUDGET;
	if (pps && charge < s->budget_rate / pps)
		charge = s->budget_rate / pps;
	if (b->tokens < charge && !ll_pool_take(s, b, charge - b->tokens, now))
		return LL_DROP_BUDGET;
	b->tokens -= charge;
	b->admitted += charge;
	b->held += held;
	return LL_PASS_BUDGET;
}

struct ll_ctx {
	void *prog_ctx;		/* xdp_md or __sk_buff, for socket lookups */
	void *data;		/* the directly readable part: linear data, first buffer */
	void *data_end;
	__u64 bytes;		/* wire length, all fragments included */
	__u64 charge;		/* memory held: XDP frame buffer + sk_buff, tc skb->truesize */
	__u32 hook;		/* enum ll_hook */
	__u32 ifindex;
	int pfmemalloc;		/* TC ingress: skb backed by the emergency reserve */
	struct xdp_buff *xdp_buff;	/* XDP: the kernel's view (multi-buffer flag) */
};

/*
 * Parses the frame wherever its headers are. In place first: that is every
 * frame whose headers are in the readable part, at no extra cost. Only when
 * that parse ran out of bytes while the frame goes on beyond them (a
 * non-linear skb, a multi-buffer XDP frame) are its first LL_HDR_MAX bytes
 * copied (read only: no pull, no allocation, the skb is left as it is) and
 * parsed again by the same parser, so where the bytes lie never changes
 * the verdict.
 */
static __always_inline int ll_parse_frame(const struct ll_ctx *ctx, struct ll_pkt *p)
{
	struct hdr_cursor c = { .base = ctx->data, .end = ctx->data_end };
	struct hdr_cursor cc = { .copy = 1 };
	struct ll_hdr_copy *cp;
	__u32 zero = 0, n;
	int rc;

	rc = ll_parse(&c, p);
	if (rc != LL_P_MALFORMED || ctx->bytes <= (__u64)(ctx->data_end - ctx->data))
		return rc;
	cp = bpf_map_lookup_elem(&ll_hdr_copy, &zero);
	if (!cp)
		return rc;
	n = ctx->bytes < LL_HDR_MAX ? ctx->bytes : LL_HDR_MAX;
	/* two checks the compiler must not merge into one the verifier cannot follow */
	asm volatile("" : "+r"(n));
	if (n > LL_HDR_MAX)
		return rc;
	asm volatile("" : "+r"(n));
	if (n < 1)
		return rc;
	if (ctx->hook == LL_HOOK_XDP ? bpf_xdp_load_bytes(ctx->prog_ctx, 0, cp->b, n) :
				       bpf_skb_load_bytes(ctx->prog_ctx, 0, cp->b, n))
		return rc;
	__builtin_memset(p, 0, sizeof(*p));
	cc.base = cp->b;
	cc.len = n;
	return ll_parse(&cc, p);
}

/*
 * The ingress decision. Returns the verdict reason; ll_reason_is_drop()
 * gives the verdict. Counts the reason and any notes.
 */
static __always_inline __u32 ll_decide(struct ll_ctx *ctx, struct ll_state *s, __u32 level,
				       __u64 now)
{
	struct ll_pkt p = {};
	struct ll_strict strict;
	struct ll_frag_key fk;
	struct ll_frag_val *fv;
	__u32 reason;
	int rc;

	rc = ll_parse_frame(ctx, &p);
	if (ll_essential(rc, &p, ctx->bytes)) {
		reason = LL_PASS_ESSENTIAL;
		goto out;
	}
	if (rc == LL_P_MALFORMED) {
		ll_count(ctx->hook, LL_NOTE_MALFORMED, ctx->bytes);
		goto unregistered;
	}
	if (rc != LL_P_IP)
		goto unregistered;

	if (p.frag_later) {
		ll_frag_key(&fk, &p);
		fv = bpf_map_lookup_elem(&ll_frags, &fk);
		if (fv) {
			reason = LL_PASS_FRAG;
			goto out;
		}
		ll_count(ctx->hook, LL_NOTE_FRAG_ORPHAN, ctx->bytes);
		goto unregistered;
	}

	strict.prog_ctx = ctx->prog_ctx;
	strict.ifindex = ctx->ifindex;
	reason = ll_registered(s, &p, ctx->bytes, 0, level == LL_LEVEL_CRITICAL ? &strict : NULL);
	if (reason == LL_DROP_STRICT)
		goto out;
	if (reason) {
		if (p.frag) {
			struct ll_frag_val v = { .reason = reason };

			ll_frag_key(&fk, &p);
			bpf_map_update_elem(&ll_frags, &fk, &v, BPF_ANY);
		}
		goto out;
	}

unregistered:
	if (ctx->pfmemalloc) {
		reason = LL_DROP_PFMEMALLOC;
		ll_kernel_raise(s, LL_LEVEL_CRITICAL, LL_SRC_PFMEMALLOC, now);
		ll_event(ctx->hook, LL_EV_PFMEMALLOC, LL_LEVEL_CRITICAL, LL_SRC_PFMEMALLOC,
			 ctx->ifindex, now);
		goto out;
	}
	/* never less than the wire length, whatever the attach point measured */
	reason = ll_unregistered(s, level, ctx->charge > ctx->bytes ? ctx->charge : ctx->bytes, now);
out:
	ll_count(ctx->hook, reason, ctx->bytes);
	return reason;
}

/*
 * Common front of the ingress programs. Returns 1 with *reason set when the
 * packet was decided, 0 for the fast path (level none: pass, not counted).
 */
static __always_inline int ll_ingress(struct ll_ctx *ctx, __u32 *reason)
{
	__u32 zero = 0, level, source;
	struct ll_state *s;
	int expired;
	__u64 now;

	s = bpf_map_lookup_elem(&ll_state, &zero);
	if (!s)
		return 0;
	/* Fast path: nobody holds a level. */
	if (!(s->daemon.level | s->kernel.level | s->override_active) && !ctx->pfmemalloc)
		return 0;

	/* a multi-buffer frame: bytes so far counted its first buffer only */
	if (ctx->hook == LL_HOOK_XDP && (ctx->xdp_buff->flags & XDP_FLAGS_HAS_FRAGS))
		ctx->bytes = bpf_xdp_get_buff_len(ctx->prog_ctx);
	now = ll_now();
	level = ll_level_of(s, now, &source, &expired);
	if (level == LL_LEVEL_NONE && !ctx->pfmemalloc) {
		if (!expired)
			return 0;
		ll_event(ctx->hook, LL_EV_LEASE_EXPIRED, LL_LEVEL_NONE, s->daemon.source,
			 ctx->ifindex, now);
		*reason = LL_PASS_LEASE_EXPIRED;
		ll_count(ctx->hook, *reason, ctx->bytes);
		return 1;
	}
	*reason = ll_decide(ctx, s, level, now);
	return 1;
}

#endif /* LL_POLICY_H */
