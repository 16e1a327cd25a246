/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The decision, shared by every attach point: the effective level from the
 * votes in the state map, the lookups (allow rules, exact flows, endpoint
 * rules, fragments), the level policy for everything else, counters and
 * events. The XDP and TC programs are thin wrappers around ll_decide().
 */
#ifndef LL_POLICY_H
#define LL_POLICY_H

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

static __always_inline void ll_count_at(__u32 idx, __u64 bytes)
{
	struct ll_counter *c = bpf_map_lookup_elem(&ll_counters, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline void ll_count(__u32 hook, __u32 reason, __u64 bytes)
{
	ll_count_at(LL_COUNTER_IDX(hook, reason), bytes);
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

/* The rule tables ll_rule_match searches (also the index of host_entries, trie_entries). */
enum ll_table {
	LL_TAB_ENDPOINT = 0,	/* endpoint rules: ll_rule_hosts, ll_rules */
	LL_TAB_ALLOW = 1,	/* management allow rules: ll_allow_hosts, ll_allow */
};

/* Whether the remote prefilter says the host hash may hold the remote. */
enum ll_hosts {
	LL_HOSTS_NONE = 0,	/* its slot counts no full-length entry: skip the host hash */
	LL_HOSTS_MAYBE = 1,
};

/* Which way a packet goes: its remote is the source (in) or the destination (out). */
enum ll_dir {
	LL_DIR_IN = 0,
	LL_DIR_OUT = 1,
};

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
 * The trie's key for a remote, built where the trie reads it with 8-byte
 * loads at offsets 4 and 12 (the address follows a 4-byte prefix length
 * and the protocol byte): on the stack, whose stores must be aligned, no
 * store could cover those loads, and every lookup waited for its key's
 * stores to reach the cache (a store-forwarding stall per load). So the
 * key goes to the per-CPU scratch of ll_hdr_copy (its header copy is
 * parsed and done with by now), where an unaligned store is allowed, in
 * the words the trie reads. The address is read as the u32 words it was
 * stored as (asm: not joined into u64 loads that would span two of them).
 * Returns NULL if the scratch cannot be had.
 */
static __always_inline struct ll_rule_key *ll_trie_key(const __u8 *remote, __u8 proto)
{
	const __u32 *addr = (const __u32 *)remote;
	__u32 zero = 0, a0 = addr[0], a1 = addr[1], a2 = addr[2], a3 = addr[3];
	struct ll_hdr_copy *sc = bpf_map_lookup_elem(&ll_hdr_copy, &zero);
	__u8 *k;

	if (!sc)
		return NULL;
	asm volatile("" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3));
	k = sc->b;
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ll_trie_key assumes a little-endian target"
#endif
	_Static_assert(__builtin_offsetof(struct ll_rule_key, addr) == 5 && sizeof(struct ll_rule_key) == 24 &&
		       sizeof(struct ll_hdr_copy) >= sizeof(struct ll_rule_key), "ll_rule_key's layout");
	*(__u32 *)k = LL_RULE_KEY_BITS;
	*(__u64 *)(k + 4) = proto | (__u64)a0 << 8 | (__u64)a1 << 40;
	*(__u64 *)(k + 12) = a1 >> 24 | (__u64)a2 << 8 | (__u64)a3 << 40;
	*(__u32 *)(k + 20) = a3 >> 24;
	return (struct ll_rule_key *)k;
}

/*
 * Looks the remote address up in one rule table: the exact-host hash
 * first, then the prefix trie, each only when it holds entries; the host
 * hash also only when the remote prefilter says it may hold this remote
 * (LL_HOSTS_MAYBE). Returns the rule id or -1.
 */
static __always_inline long ll_rule_match(const struct ll_state *s, enum ll_table kind,
					  const struct ll_pkt *p, const __u8 *remote,
					  enum ll_hosts hosts_maybe)
{
	/* ll_pkt is 4-byte aligned and its addresses lead it */
	const __u32 *addr = (const __u32 *)remote;
	struct ll_rule_key *key;
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
	key = ll_trie_key(remote, p->proto);
	if (!key)
		return -1;
	v = bpf_map_lookup_elem(kind ? (void *)&ll_allow : (void *)&ll_rules, key);
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

/*
 * The flow key of the packet, stored as the 64-bit words ll_flow_key_eq
 * and the hash read: each load then finds one store to forward from, not
 * a word assembled from byte and half-word stores (a store-forwarding
 * stall per word, the largest part of a lookup's cost when it was built
 * field by field).
 */
static __always_inline void ll_flow_key_of(struct ll_flow_key *key, const __u8 *remote,
					   const __u8 *local, __u16 remote_port, __u16 local_port,
					   __u8 proto)
{
	const __u32 *r = (const __u32 *)remote, *l = (const __u32 *)local;
	__u64 *w = (__u64 *)key;

	w[0] = r[0] | (__u64)r[1] << 32;
	w[1] = r[2] | (__u64)r[3] << 32;
	w[2] = l[0] | (__u64)l[1] << 32;
	w[3] = l[2] | (__u64)l[3] << 32;
	w[4] = remote_port | (__u32)local_port << 16 | (__u64)proto << 32;
}

/*
 * The ports are read one field at a time, as they were stored: the
 * compiler would join the two loads into one word, and a load that spans
 * two narrower stores is not forwarded from them but waits until they
 * reach the cache (a store-forwarding stall on every registered packet,
 * whose ll_pkt lives on the stack).
 */
static __always_inline struct ll_flow_val *ll_flow_match(const struct ll_pkt *p, enum ll_dir dir)
{
	__u32 sport = p->sport, dport = p->dport;
	struct ll_flow_key key;
	struct ll_flow_entry *e;

	if (!p->has_ports)
		return NULL;
	asm volatile("" : "+r"(sport), "+r"(dport));
	if (p->v4) {
		const __u32 *src = (const __u32 *)p->src, *dst = (const __u32 *)p->dst;

		if (dir == LL_DIR_OUT)
			e = ll_flow_find4(dst[3], src[3], dport | sport << 16, p->proto);
		else
			e = ll_flow_find4(src[3], dst[3], sport | dport << 16, p->proto);
		return e ? &e->val : NULL;
	}
	if (dir == LL_DIR_OUT)
		ll_flow_key_of(&key, p->dst, p->src, dport, sport, p->proto);
	else
		ll_flow_key_of(&key, p->src, p->dst, sport, dport, p->proto);
	e = ll_flow_find6(&key);
	return e ? &e->val : NULL;
}

/*
 * Two u32 words of an address as the u64 word they make in memory, read
 * as the u32 words the parser stored (asm: the compiler would join the two
 * loads into one u64 load spanning both stores, a store-forwarding stall).
 */
static __always_inline __u64 ll_word64(const __u32 *w)
{
	__u32 lo = w[0], hi = w[1];

	asm volatile("" : "+r"(lo), "+r"(hi));
	return lo | (__u64)hi << 32;
}

/*
 * An IPv6 address (ll_pkt's, u32 words) to a u64-aligned destination, in
 * the u64 words the kernel compares addresses in (ipv6_addr_equal).
 */
static __always_inline void ll_addr_put(void *dst, const __u8 *addr)
{
	const __u32 *a = (const __u32 *)addr;
	__u64 *w = dst;

	w[0] = ll_word64(a);
	w[1] = ll_word64(a + 2);
}

/*
 * The fragment key, stored as the u64 words the hash table compares
 * (memcmp) and built from the u32 words ll_pkt holds: no load spans two
 * narrower stores. k must be 8-byte aligned.
 */
static __always_inline void ll_frag_key(struct ll_frag_key *k, const struct ll_pkt *p)
{
	const __u32 *s = (const __u32 *)p->src, *d = (const __u32 *)p->dst;
	__u64 *w = (__u64 *)k;

	w[0] = ll_word64(s);
	w[1] = ll_word64(s + 2);
	w[2] = ll_word64(d);
	w[3] = ll_word64(d + 2);
	w[4] = p->frag_id | (__u64)p->frag_proto << 32;	/* id, proto, zero padding */
}

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
	/* aligned: the IPv6 addresses are stored as the u64 words the lookup compares */
	struct bpf_sock_tuple t __attribute__((aligned(8))) = {};
	struct bpf_sock *sk;
	__u32 len;
	int rc;

	if (p->v4) {
		/* ll_pkt is 4-byte aligned: word loads (a memcpy read bytes out of line) */
		t.ipv4.saddr = ((const __u32 *)p->src)[3];
		t.ipv4.daddr = ((const __u32 *)p->dst)[3];
		t.ipv4.sport = p->sport;
		t.ipv4.dport = p->dport;
		len = sizeof(t.ipv4);
	} else {
		ll_addr_put(t.ipv6.saddr, p->src);
		ll_addr_put(t.ipv6.daddr, p->dst);
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
	struct bpf_fib_lookup f __attribute__((aligned(8))) = {};
	long rc;

	f.ifindex = ctx->ifindex;
	f.l4_protocol = p->proto;
	f.sport = p->sport;
	f.dport = p->dport;
	if (p->v4) {
		f.family = AF_INET_;
		f.ipv4_src = ((const __u32 *)p->src)[3];
		f.ipv4_dst = ((const __u32 *)p->dst)[3];
	} else {
		f.family = AF_INET6_;
		ll_addr_put(f.ipv6_src, p->src);
		ll_addr_put(f.ipv6_dst, p->dst);
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
					       enum ll_hosts hosts_maybe)
{
	struct ll_pkt q = {};
	int sk = ll_sock_of(ctx->prog_ctx, p);

	if (sk != LL_SK_LISTENER)
		return sk == LL_SK_NONE;
	/*
	 * The fields the rule match reads, one at a time: a copy of the
	 * whole ll_pkt read it in words spanning the caller's narrower stores.
	 */
	q.proto = p->proto;
	q.has_ports = p->has_ports;
	q.sport = p->dport;
	q.dport = p->dport;
	return ll_rule_match(s, LL_TAB_ENDPOINT, &q, remote, hosts_maybe) < 0;
}

/* The prefilter slot of a received packet's remote. */
static __always_inline struct ll_remote_cnt *ll_flow_remote_of(const struct ll_pkt *p)
{
	__u32 slot = ll_remote_slot((const __u32 *)p->src, p->proto);

	return bpf_map_lookup_elem(&ll_remotes, &slot);
}

/*
 * Registered traffic: management allow rules, exact flows, endpoint rules.
 * Returns the pass reason, LL_DROP_STRICT, or 0 (LL_PASS_LEASE_EXPIRED is
 * never returned here, so 0 means "not registered"). strict_ctx is the
 * packet's context when strict mode applies (ingress at critical), else NULL.
 * rc is the remote's prefilter slot when the caller read it already (the
 * fast entry), else NULL: it is read here.
 */
static __always_inline __u32 ll_registered(const struct ll_state *s, const struct ll_pkt *p,
					   __u64 bytes, enum ll_dir dir, const struct ll_strict *strict_ctx,
					   struct ll_remote_cnt *rc)
{
	int strict_all = s->strict, egress = dir == LL_DIR_OUT;
	const __u8 *remote = egress ? p->dst : p->src;
	struct ll_flow_val *fv = NULL;
	enum ll_hosts hosts_maybe;
	long id;

	if (!rc) {
		__u32 slot = ll_remote_slot((const __u32 *)remote, p->proto);

		rc = bpf_map_lookup_elem(&ll_remotes, &slot);
	}
	if (!rc)
		return 0;
	hosts_maybe = rc->hosts ? LL_HOSTS_MAYBE : LL_HOSTS_NONE;
	if (!egress) {
		id = ll_rule_match(s, LL_TAB_ALLOW, p, remote, hosts_maybe);
		if (id >= 0) {
			ll_rule_hit(id, bytes);
			return LL_PASS_MGMT;
		}
	}
	/* Hit counters count received packets only. */
	if (rc->flows)
		fv = ll_flow_match(p, dir);
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
	id = ll_rule_match(s, LL_TAB_ENDPOINT, p, remote, hosts_maybe);
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

struct ll_ctx {
	void *prog_ctx;		/* xdp_md or __sk_buff, for socket lookups */
	void *data;		/* the directly readable part: linear data, first buffer */
	void *data_end;
	__u64 bytes;		/* wire length, all fragments included */
	__u64 charge;		/* tc: skb->truesize (XDP: ll_charge reads the buffer's) */
	__u32 hook;		/* enum ll_hook */
	int pfmemalloc;		/* TC ingress: skb backed by the emergency reserve */
	struct xdp_buff *xdp_buff;	/* XDP: the kernel's view (multi-buffer flag) */
};

/*
 * The ingress interface, read where it is needed (events, strict's FIB
 * lookup): for XDP it is three dependent loads (rxq, dev, ifindex) that
 * every packet paid when the context was built.
 */
static __always_inline __u32 ll_ifindex(const struct ll_ctx *ctx)
{
	if (ctx->hook == LL_HOOK_XDP)
		return ((struct xdp_md *)ctx->prog_ctx)->ingress_ifindex;
	return ((struct __sk_buff *)ctx->prog_ctx)->ifindex;
}

/* SKB_DATA_ALIGN(sizeof(struct sk_buff)), as the kernel adds it to every truesize */
#define LL_SKB_HEAD ((bpf_core_type_size(struct sk_buff) + 63) & ~63ULL)

/* A fragment's buffer is at least a page (x86, arm64 with 4K pages; larger pages charge more) */
#define LL_FRAG_MIN 4096ULL

/*
 * The memory an XDP frame holds: its buffer (frame_sz: a page with most
 * drivers and veth, whatever the wire length), plus the fragments' buffers
 * of a multi-buffer frame, plus the sk_buff the stack builds around it if
 * it passes: what its truesize will be. The fragments are charged
 * skb_shared_info.xdp_frags_truesize but never less than a page each
 * (nr_frags): veth, for the frames it converts from skbs, and
 * BPF_PROG_TEST_RUN leave xdp_frags_truesize out (only xdp_frags_size is
 * set), and the charge must never be less than the memory the frame holds.
 */
static __always_inline __u64 ll_xdp_charge(struct xdp_buff *xb)
{
	__u64 charge = xb->frame_sz + LL_SKB_HEAD;

	if (xb->flags & XDP_FLAGS_HAS_FRAGS) {
		struct skb_shared_info *sh = xb->data_hard_start + xb->frame_sz -
			((bpf_core_type_size(struct skb_shared_info) + 63) & ~63ULL);
		__u64 truesize = BPF_CORE_READ(sh, xdp_frags_truesize);
		__u64 pages = BPF_CORE_READ(sh, nr_frags) * LL_FRAG_MIN;

		charge += truesize > pages ? truesize : pages;
	}
	return charge;
}

/*
 * What an unregistered packet is charged: the memory it holds, never less
 * than its wire length, whatever the attach point measured. Read only at
 * elevated, the one level that charges.
 */
static __always_inline __u64 ll_charge(const struct ll_ctx *ctx)
{
	__u64 charge = ctx->hook == LL_HOOK_XDP ? ll_xdp_charge(ctx->xdp_buff) : ctx->charge;

	return charge > ctx->bytes ? charge : ctx->bytes;
}

/*
 * The level's policy for traffic that is not registered. At elevated the
 * packet is charged the memory it holds (charge, from the attach point),
 * at least budget_rate / budget_pps bytes when a packet rate cap is set,
 * against this CPU's credit, which is refilled in chunks from the host's
 * pool: no shared write per packet.
 */
static __always_inline __u32 ll_unregistered(const struct ll_ctx *ctx, const struct ll_state *s,
					     __u32 level, __u64 now)
{
	struct ll_bucket *b;
	__u32 zero = 0;
	__u64 pps, charge, held;

	if (level == LL_LEVEL_NONE)
		return LL_PASS_NONE;
	if (level != LL_LEVEL_ELEVATED)
		return LL_DROP_CRITICAL;

	pps = s->budget_pps;
	charge = held = ll_charge(ctx);
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
 * The parser's fast entry: the common frame (untagged Ethernet; IPv4 with a
 * 20-byte header and no fragment bits, or IPv6 whose next header is TCP or
 * UDP; a complete TCP or UDP header, all in the readable part) recognised
 * with a few loads. Anything else returns NULL and takes the general walk
 * (ll_parse_frame), which gives such a frame the same ll_pkt that
 * ll_fast_pkt completes, so the decision cannot tell the two apart: one
 * parser with two entries (tests/test_diff.c checks it frame by frame).
 * Only what the prefilter needs is filled here: p->src (v4-mapped for
 * IPv4), p->proto and p->v4; the rest by ll_fast_pkt, only when the remote
 * has registrations. Returns the IP header.
 */
static __always_inline void *ll_fast_parse(const struct ll_ctx *ctx, struct ll_pkt *p)
{
	void *data = ctx->data, *end = ctx->data_end;
	struct ethhdr *eth = data;
	__u32 *src = (__u32 *)p->src;
	void *l3, *l4;

	if ((void *)(eth + 1) > end)
		return NULL;
	l3 = eth + 1;
	if (eth->h_proto == bpf_htons(ETH_P_IP_)) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > end)
			return NULL;
		/* version 4 with a 20-byte header, not a fragment, a length that holds it */
		if (*(__u8 *)iph != 0x45 || (iph->frag_off & bpf_htons(0x3fff)) ||
		    bpf_ntohs(iph->tot_len) < sizeof(*iph))
			return NULL;
		src[0] = 0;
		src[1] = 0;
		src[2] = bpf_htonl(0xffff);
		src[3] = iph->saddr;
		p->proto = iph->protocol;
		p->v4 = 1;
		l4 = iph + 1;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6_)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end || ip6->version != 6)
			return NULL;
		__builtin_memcpy(src, &ip6->saddr, 16);
		/* a v4-mapped source is malformed (parse_ipv6): the general walk says so */
		if (!(src[0] | src[1]) && src[2] == bpf_htonl(0xffff))
			return NULL;
		p->proto = ip6->nexthdr;
		p->v4 = 0;
		l4 = ip6 + 1;
	} else {
		return NULL;
	}
	if (p->proto == IPPROTO_TCP_) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > end || th->doff < 5)
			return NULL;
	} else if (p->proto == IPPROTO_UDP_) {
		if (l4 + sizeof(struct udphdr) > end)
			return NULL;
	} else {
		return NULL;
	}
	return l3;
}

/* Completes the ll_pkt of ll_fast_parse as the general walk builds it (parse_ipv4/6, parse_l4). */
static __always_inline void ll_fast_pkt(struct ll_pkt *p, void *l3)
{
	__u8 proto = p->proto, v4 = p->v4;
	__u16 *ports;

	__builtin_memset(&p->sport, 0, sizeof(*p) - offsetof(struct ll_pkt, sport));
	if (v4) {
		struct iphdr *iph = l3;

		ll_v4mapped(p->dst, iph->daddr);
		ports = (void *)(iph + 1);
		p->v4 = 1;
	} else {
		struct ipv6hdr *ip6 = l3;

		__builtin_memcpy(p->dst, &ip6->daddr, 16);
		p->hop_limit = ip6->hop_limit;
		ports = (void *)(ip6 + 1);
	}
	p->proto = proto;
	p->sport = ports[0];
	p->dport = ports[1];
	p->has_ports = 1;
}

/*
 * The ingress decision. Returns the verdict reason; ll_reason_is_drop()
 * gives the verdict. Counts the reason and any notes; with observe (level
 * none in observe mode, level given as critical) only a drop reason, as a
 * would-drop (LL_WOULD_IDX), and no note. observe is a constant at each
 * call: 0 in the enforcing programs (ll_ingress), 1 in the observe
 * programs (ll_observe), so each verifies one variant only.
 *
 * The common frame enters by the fast entry: a TCP or UDP packet is never
 * an essential, so the first question is the prefilter's. A remote whose
 * slot counts no exact flow and no full-length rule, when no prefix rule
 * exists either, is unregistered (ll_registered would look nothing up and
 * say so): the flood's packet is decided there, without building ll_pkt.
 */
static __always_inline __u32 ll_decide(struct ll_ctx *ctx, struct ll_state *s, __u32 level,
				       __u64 now, int observe)
{
	struct ll_remote_cnt *cnt = NULL;
	struct ll_pkt p;
	struct ll_strict strict;
	struct ll_frag_key fk __attribute__((aligned(8)));
	struct ll_frag_val *fv;
	__u32 reason;
	int rc;

	void *l3 = ll_fast_parse(ctx, &p);

	if (l3) {
		__u32 slot = ll_remote_slot((__u32 *)p.src, p.proto);

		cnt = bpf_map_lookup_elem(&ll_remotes, &slot);

		if (ll_count_fast)
			__sync_fetch_and_add(&ll_fast_frames, 1);
		if (!cnt || (!(cnt->flows | cnt->hosts) &&
			     !(s->trie_entries[LL_TAB_ENDPOINT] | s->trie_entries[LL_TAB_ALLOW])))
			goto unregistered;
		ll_fast_pkt(&p, l3);
		goto registered;
	}

	__builtin_memset(&p, 0, sizeof(p));
	rc = ll_parse_frame(ctx, &p);
	if (ll_essential(rc, &p, ctx->bytes)) {
		reason = LL_PASS_ESSENTIAL;
		goto out;
	}
	if (rc == LL_P_MALFORMED) {
		if (!observe)
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
		if (!observe)
			ll_count(ctx->hook, LL_NOTE_FRAG_ORPHAN, ctx->bytes);
		goto unregistered;
	}

	/* the general walk's packet: its remote's slot (the fast entry read it already) */
	cnt = ll_flow_remote_of(&p);
	if (!cnt)
		goto unregistered;
registered:
	strict.prog_ctx = ctx->prog_ctx;
	strict.ifindex = level == LL_LEVEL_CRITICAL ? ll_ifindex(ctx) : 0;
	reason = ll_registered(s, &p, ctx->bytes, LL_DIR_IN,
			       level == LL_LEVEL_CRITICAL ? &strict : NULL, cnt);
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
			 ll_ifindex(ctx), now);
		goto out;
	}
	reason = ll_unregistered(ctx, s, level, now);
out:
	if (!observe)
		ll_count(ctx->hook, reason, ctx->bytes);
	else if (ll_reason_is_drop(reason))
		ll_count_at(LL_WOULD_IDX(ctx->hook, reason), ctx->bytes);
	return reason;
}

/*
 * Does anybody hold a level, or is observe mode on? The programs' first
 * question, before anything else is read.
 */
static __always_inline int ll_any_vote(const struct ll_state *s)
{
	/* override_active and observe in one load (struct ll_state) */
	return (s->daemon.level | s->kernel.level | s->override_observe) != 0;
}

/* What ll_ingress says of a packet. */
enum ll_in {
	LL_IN_PASS = 0,		/* level none: pass, not counted */
	LL_IN_DECIDED = 1,	/* *reason says */
	LL_IN_OBSERVE = 2,	/* level none in observe mode: the caller tail-calls observe */
};

/*
 * Common front of the ingress programs, once ll_any_vote() said yes or the
 * skb is reserve-backed. Returns LL_IN_DECIDED with *reason set when the
 * packet was decided, LL_IN_PASS for level none (pass, not counted), and
 * LL_IN_OBSERVE at level none in observe mode: the caller then tail-calls
 * its observe program (ll_observe), which runs the decision of critical
 * for the would-drop count only, and passes the packet whatever happens.
 * An expired lease is counted (pass_lease_expired) before either. A
 * reserve-backed skb is decided for real at every level (dropped when
 * unregistered), observe or not.
 */
static __always_inline enum ll_in ll_ingress(struct ll_ctx *ctx, struct ll_state *s, __u32 *reason)
{
	__u32 level, source;
	int expired;
	__u64 now;

	/* a multi-buffer frame: bytes so far counted its first buffer only */
	if (ctx->hook == LL_HOOK_XDP && (ctx->xdp_buff->flags & XDP_FLAGS_HAS_FRAGS))
		ctx->bytes = bpf_xdp_get_buff_len(ctx->prog_ctx);
	now = ll_now();
	level = ll_level_of(s, now, &source, &expired);
	if (level == LL_LEVEL_NONE && !ctx->pfmemalloc) {
		*reason = LL_PASS_LEASE_EXPIRED;
		if (expired) {
			ll_event(ctx->hook, LL_EV_LEASE_EXPIRED, LL_LEVEL_NONE, s->daemon.source,
				 ll_ifindex(ctx), now);
			ll_count(ctx->hook, *reason, ctx->bytes);
		}
		if (s->observe)
			return LL_IN_OBSERVE;
		return expired ? LL_IN_DECIDED : LL_IN_PASS;
	}
	*reason = ll_decide(ctx, s, level, now, 0);
	return LL_IN_DECIDED;
}

/*
 * The observe programs' decision: critical's, with observe a constant, so
 * this instance of ll_decide counts a would-drop and nothing else, and the
 * programs that enforce never verify it. No clock: at critical, for a
 * packet that is not reserve-backed (observe runs for no other), the
 * decision reads none.
 */
static __always_inline void ll_observe(struct ll_ctx *ctx, struct ll_state *s)
{
	if (ctx->hook == LL_HOOK_XDP && (ctx->xdp_buff->flags & XDP_FLAGS_HAS_FRAGS))
		ctx->bytes = bpf_xdp_get_buff_len(ctx->prog_ctx);
	ll_decide(ctx, s, LL_LEVEL_CRITICAL, 0, 1);
}

#endif /* LL_POLICY_H */
