/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lifeline: everything the BPF datapath and user space both see.
 *
 * Types only: fixed-size fields, no pointers, explicit padding, so the
 * layout is the same for the BPF target and x86_64. Included by BPF code
 * (after vmlinux.h) and by user space (after <linux/types.h>).
 */
#ifndef LIFELINE_H
#define LIFELINE_H

/* Pressure levels. Ordered: a higher value is a stricter policy. */
enum ll_level {
	LL_LEVEL_NONE = 0,	/* pass everything */
	LL_LEVEL_ELEVATED = 1,	/* unregistered traffic limited by the token bucket */
	LL_LEVEL_CRITICAL = 2,	/* unregistered traffic dropped */
	LL_LEVEL_MAX,
};

/* Who set a level. */
enum ll_source {
	LL_SRC_NONE = 0,
	LL_SRC_MANUAL,		/* lifeline pressure set */
	LL_SRC_PSI,
	LL_SRC_WATERMARK,
	LL_SRC_MEMAVAIL,
	LL_SRC_MEMCG,
	LL_SRC_NETSTAT,		/* PFMemallocDrop growth */
	LL_SRC_PFMEMALLOC,	/* TC saw a reserve-backed skb */
	LL_SRC_VMSCAN,		/* kswapd wake / direct reclaim tracepoints */
	LL_SRC_MAX,
};

/*
 * One vote for a level, with an absolute expiry in bpf_ktime_get_ns() time
 * (CLOCK_MONOTONIC). expires_ns == 0 means "no expiry" (only the manual
 * override uses that); a vote whose expiry has passed is ignored.
 */
struct ll_vote {
	__u32 level;		/* enum ll_level */
	__u32 source;		/* enum ll_source */
	__u64 since_ns;
	__u64 expires_ns;
};

/*
 * The single entry of the state map. Each writer owns one vote, so no
 * writer ever rewrites another's fields (user space maps the array with
 * mmap and stores its own fields; BPF writes only .kernel):
 *   daemon   - lifelined, renewed each tick (the lease)
 *   override - lifeline pressure set/clear; wins while active
 *   kernel   - raised in-kernel (pfmemalloc sighting, vmscan tracepoints)
 * Effective level: the override if active and unexpired, else the highest of
 * the unexpired daemon and kernel votes.
 */
struct ll_state {
	struct ll_vote daemon;
	struct ll_vote override;
	struct ll_vote kernel;
	/*
	 * observe: 1 at level none counts what critical would drop
	 * (LL_WOULD_IDX). One aligned 8-byte word with override_active: the
	 * datapath's first question (ll_any_vote) reads both with one load, so
	 * level none costs what it did before the switch existed.
	 */
	union {
		struct {
			__u32 override_active;	/* 1 while a manual override is set */
			__u32 observe;
		};
		__u64 override_observe;
	};
	__u32 egress_mark;	/* skb->mark for registered flows, 0 = leave as is */
	__u32 egress_priority;	/* skb->priority for registered flows (TC egress) */
	__u64 budget_rate;	/* elevated: bytes/s of memory unregistered traffic may take, whole host */
	__u64 budget_burst;	/* elevated: the host pool's depth in bytes */
	__u64 generation;	/* bumped by user space on every change, for readers */
	__u32 sock_rcvbuf;	/* sock_ops: SO_RCVBUF floor for registered sockets, 0 = leave */
	__u32 sock_sndbuf;	/* sock_ops: SO_SNDBUF floor, 0 = leave */
	__u32 strict;		/* 1: strict mode for every registered TCP flow and rule */
	__u32 layout;		/* LL_LAYOUT of the maps' creator; checked by every opener */
	/*
	 * Entries in the rule tables, [0] endpoint rules, [1] allow rules,
	 * kept by user space (ll_reg_sync) so the datapath skips empty tables.
	 */
	__u32 host_entries[2];	/* ll_rule_hosts / ll_allow_hosts: full-length prefixes */
	__u32 trie_entries[2];	/* ll_rules / ll_allow: shorter prefixes */
	__u64 budget_pps;	/* elevated: packets/s cap on unregistered traffic, 0 = none */
	__u32 flow_max;		/* flows user space admits (--max-flows at creation); 0 = table capacity */
	__u32 _pad;
};

static inline int ll_vote_live(const struct ll_vote *v, __u64 now)
{
	return v->level != LL_LEVEL_NONE && (!v->expires_ns || now < v->expires_ns);
}

/*
 * The effective level, computed the same way by the datapath and by user
 * space (status, daemon). *source gets the winning vote's source;
 * *expired is set when the daemon holds a level whose lease ran out (the
 * daemon is dead or hung): that vote counts as none, failing open.
 */
static inline __u32 ll_level_of(const struct ll_state *s, __u64 now, __u32 *source, int *expired)
{
	__u32 level = LL_LEVEL_NONE, src = LL_SRC_NONE;

	*expired = 0;
	if (s->override_active && (!s->override.expires_ns || now < s->override.expires_ns)) {
		level = s->override.level;
		src = LL_SRC_MANUAL;
	} else {
		if (ll_vote_live(&s->daemon, now)) {
			level = s->daemon.level;
			src = s->daemon.source;
		} else if (s->daemon.level != LL_LEVEL_NONE) {
			*expired = 1;
		}
		if (ll_vote_live(&s->kernel, now) && s->kernel.level > level) {
			level = s->kernel.level;
			src = s->kernel.source;
		}
	}
	*source = src;
	return level < LL_LEVEL_MAX ? level : LL_LEVEL_CRITICAL;
}

/*
 * Addresses are stored as 16 bytes; IPv4 as the v4-mapped IPv6 address
 * ::ffff:a.b.c.d, so one key type and one trie serve both families.
 */
#define LL_V4MAPPED_PREFIX 96

/* Exact flow, seen from this host: remote = peer, local = this host. */
struct ll_flow_key {
	__u8 remote[16];
	__u8 local[16];
	__u16 remote_port;	/* network byte order */
	__u16 local_port;	/* network byte order */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 _pad[3];		/* zero: hashed and compared with the rest */
} __attribute__((aligned(8)));	/* compared and hashed as words */

enum ll_origin {
	LL_ORIGIN_CLI = 0,
	LL_ORIGIN_RULE,
	LL_ORIGIN_SOCKOPS,
	LL_ORIGIN_CGROUP,
	LL_ORIGIN_KERNEL,
	LL_ORIGIN_MAX,
};

struct ll_flow_val {
	__u64 packets;		/* hits, updated atomically by the datapath */
	__u64 bytes;
	__u32 origin;		/* enum ll_origin */
	__u32 flags;		/* LL_FLOW_F_* */
};

/* At critical, pass only if a local socket exists for the 5-tuple (TCP). */
#define LL_FLOW_F_STRICT (1U << 0)

/*
 * The flow table: an array of buckets (a BPF_F_MMAPABLE array map, so user
 * space reads and writes it in place). A flow lives in one of two buckets
 * chosen by its hash, in any of LL_FLOW_WAYS slots. A lookup is an inlined
 * array access, a tag compare per slot and one key compare: no call into
 * the kernel's hash table, whose jhash of a 40-byte key costs more than the
 * rest of the decision together. The tags of a bucket share one cache line,
 * so a miss reads two lines whatever the packet holds.
 *
 * A slot's tag says what it holds: 0 empty, LL_FLOW_TAG_BUSY while a
 * writer fills or clears it, else the key's tag (always odd). Writers claim
 * a slot by compare-and-swap on its tag and publish the key by storing the
 * tag last, so a reader that sees a key's tag sees the key. The table has
 * at least 5 slots per 4 admitted flows (a load of at most 0.8, rounded up
 * to a power of two of buckets); when both of a flow's buckets are full,
 * user space moves an entry to its other bucket (sock_ops cannot, and
 * leaves the connection to its endpoint rule).
 *
 * A key's first bucket (b[0] of ll_flow_place) is its home; spill counts
 * the keys whose home this bucket is that live in their second bucket.
 * Every writer raises it before it publishes such a key there and lowers
 * it after it cleared one (a count is never below the truth), so a lookup
 * that misses at home where spill is 0 is done: one bucket read, where the
 * entry most often is, for a hit and for most misses.
 */
#define LL_FLOW_WAYS 4
#define LL_FLOW_SLOTS_NUM 5		/* slots per admitted flow: 5/4 */
#define LL_FLOW_SLOTS_DEN 4
#define LL_FLOW_TAG_BUSY 2U

struct ll_flow_entry {
	struct ll_flow_key key;
	struct ll_flow_val val;
};

struct ll_flow_bucket {
	__u32 tag[LL_FLOW_WAYS];
	__u32 spill;		/* keys of this home in their second bucket */
	__u32 _pad;
	struct ll_flow_entry e[LL_FLOW_WAYS];
};

/*
 * The key's hash: NH (sums of products of 32-bit word pairs, each offset by
 * a constant) folded by one multiply. The same function on both sides.
 * Its quality only spreads the load: every hit is confirmed on the key.
 *
 * An IPv4 flow (remote and local both v4-mapped) is hashed on its 12
 * bytes that vary, remote, local and the ports, and its protocol: two
 * products instead of five, and the datapath computes them from the
 * packet's fields without building the 40-byte key. The stored key stays
 * the v4-mapped one (one table, one entry type for both families).
 */
static inline __u64 ll_flow_hash4(__u32 remote, __u32 local, __u32 ports, __u32 proto)
{
	__u64 h;

	h = (__u64)(__u32)(remote + 0x9e3779b9U) * (__u32)(local + 0x85ebca6bU);
	h += (__u64)(__u32)(ports + 0xc2b2ae35U) * (__u32)(proto + 0x27d4eb2fU);
	return h;
}

/* Is the 16-byte address at a (as 32-bit words) v4-mapped, ::ffff:a.b.c.d? */
static inline int ll_addr_v4mapped(const __u32 *a)
{
	const __u8 *b = (const __u8 *)&a[2];

	return !(a[0] | a[1]) && !(b[0] | b[1]) && (b[2] & b[3]) == 0xff;
}

/* Every word: a key whose addresses are not both v4-mapped. */
static inline __u64 ll_flow_hash6(const struct ll_flow_key *k)
{
	const __u32 *w = (const __u32 *)k;
	__u64 h;

	h = (__u64)(__u32)(w[0] + 0x9e3779b9U) * (__u32)(w[1] + 0x85ebca6bU);
	h += (__u64)(__u32)(w[2] + 0xc2b2ae35U) * (__u32)(w[3] + 0x27d4eb2fU);
	h += (__u64)(__u32)(w[4] + 0x165667b1U) * (__u32)(w[5] + 0xd3a2646cU);
	h += (__u64)(__u32)(w[6] + 0xfd7046c5U) * (__u32)(w[7] + 0xb55a4f09U);
	h += (__u64)(__u32)(w[8] + 0x7feb352dU) * (__u32)(w[9] + 0x846ca68bU);
	return h;
}

static inline __u64 ll_flow_hash(const struct ll_flow_key *k)
{
	const __u32 *w = (const __u32 *)k;

	/* words 8 and 9: the ports (remote | local << 16) and the protocol */
	if (ll_addr_v4mapped(&w[0]) && ll_addr_v4mapped(&w[4]))
		return ll_flow_hash4(w[3], w[7], w[8], w[9]);
	return ll_flow_hash6(k);
}

/* The two buckets (mask = buckets - 1, a power of two minus one) and the tag. */
static inline __u32 ll_flow_bucket1(__u64 h, __u32 mask)
{
	return (__u32)(((h ^ (h >> 32)) * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

static inline __u32 ll_flow_bucket2(__u64 h, __u32 mask)
{
	return (__u32)((h ^ (h >> 32)) * 0x9e3779b97f4a7c15ULL) & mask;
}

static inline __u32 ll_flow_tag(__u64 h)
{
	return ((__u32)h ^ (__u32)(h >> 29)) | 1U;
}

/* Where a key can live: its tag and its two buckets (mask as above). */
struct ll_flow_place {
	__u32 tag;
	__u32 b[2];
};

static inline struct ll_flow_place ll_flow_place(const struct ll_flow_key *k, __u32 mask)
{
	__u64 h = ll_flow_hash(k);
	struct ll_flow_place pl = {
		.tag = ll_flow_tag(h),
		.b = { ll_flow_bucket1(h, mask), ll_flow_bucket2(h, mask) },
	};

	return pl;
}

static inline int ll_flow_key_eq(const struct ll_flow_key *a, const struct ll_flow_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]));
}

/* Buckets for a capacity of max_flows, and the capacity of a table. */
static inline __u32 ll_flow_buckets(__u32 max_flows)
{
	__u64 den = (__u64)LL_FLOW_SLOTS_DEN * LL_FLOW_WAYS;
	__u64 want = ((__u64)max_flows * LL_FLOW_SLOTS_NUM + den - 1) / den;
	__u32 n = 1;

	while (n < want && n < (1U << 30))
		n <<= 1;
	return n;
}

static inline __u32 ll_flow_capacity(__u32 buckets)
{
	return (__u32)((__u64)buckets * LL_FLOW_WAYS * LL_FLOW_SLOTS_DEN / LL_FLOW_SLOTS_NUM);
}

/*
 * Endpoint and management rules live in LPM tries keyed by protocol and
 * remote address. Because a trie returns only the longest match, user space
 * compiles the rules: every entry carries the port ranges of its own rules
 * and of every shorter prefix that covers it, each range tagged with the
 * rule it came from (for the per-rule hit counters).
 * Entries of full length (/32, /128) go to a hash map instead of the trie
 * (same key and value): one hash lookup instead of a trie walk for the
 * common case of a single storage server; an entry there already carries
 * its covering prefixes' ranges, so a hit ends the search.
 * A range matches if the packet's source or destination port lies in it,
 * so one rule serves both an initiator (server port = source port) and a
 * target (server port = destination port).
 */
#define LL_RULE_KEY_BITS (8 + 128)	/* proto + address */
#define LL_RULE_PORTS 16		/* ranges per compiled entry */

struct ll_rule_key {
	__u32 prefixlen;	/* 8 + 96 + plen for IPv4, 8 + plen for IPv6 */
	__u8 proto;
	__u8 addr[16];
	__u8 _pad[3];
};

struct ll_port_range {
	__u16 lo;		/* host byte order, inclusive; lo == 0 && hi == 0xffff: any */
	__u16 hi;
	__u32 rule_id;		/* index into the rule hit counters */
};

struct ll_rule_val {
	__u32 nranges;
	__u32 _pad;
	struct ll_port_range ranges[LL_RULE_PORTS];
};

/*
 * Full-length entries (/32, /128) live in a hash map keyed by a 64-bit
 * hash of protocol and address, the value carrying both for confirmation:
 * an 8-byte key costs the kernel's hash table a fifth of the 24-byte
 * ll_rule_key. Two entries whose hashes collide are refused when
 * installed (user space checks), never confused.
 */
struct ll_host_val {
	__u32 addr[4];		/* as ll_rule_key.addr */
	__u32 proto;
	__u32 _pad;
	struct ll_rule_val val;
};

static inline __u64 ll_host_hash(const __u32 *addr, __u32 proto)
{
	__u64 h;

	h = (__u64)(__u32)(addr[0] + 0x9e3779b9U) * (__u32)(addr[1] + 0x85ebca6bU);
	h += (__u64)(__u32)(addr[2] + 0xc2b2ae35U) * (__u32)(addr[3] + 0x27d4eb2fU);
	h += (__u64)(__u32)(proto + 0x165667b1U) * 0xd3a2646cU;
	return (h ^ (h >> 32)) * 0x9e3779b97f4a7c15ULL;
}

/*
 * The remote prefilter: per slot (a cheap hash of remote address and
 * protocol: one multiply), how many exact flows and how
 * many full-length rule entries (endpoint and allow) have that remote. A
 * packet whose slot counts nothing skips the flow table and the host hash:
 * a flood from unregistered addresses costs one inlined array read.
 * Every writer raises a count before it publishes an entry and lowers it
 * after it removed one, so a count is never below the truth (a writer that
 * dies between the two leaves it high: a harmless false "maybe").
 */
#define LL_REMOTE_BITS 16
/*
 * One more entry after the slots: its flows field is the flow table's move
 * sequence, odd while user space moves an entry between its buckets (a
 * reader that misses while it is odd, or changed, looks again). Its hosts
 * field counts the user-space changes under way (of counts, flows and host
 * entries; the datapath never reads it): non-zero when the next writer
 * takes the instance lock means that a writer died in the middle of one,
 * and that writer recounts the prefilter (ll_prefilter_repair).
 */
#define LL_REMOTE_SEQ (1U << LL_REMOTE_BITS)
#define LL_REMOTE_ENTRIES (LL_REMOTE_SEQ + 1)

struct ll_remote_cnt {
	__u32 flows;
	__u32 hosts;
};

static inline __u32 ll_remote_slot(const __u32 *addr, __u32 proto)
{
	/* the protocol above the address bits: XORed into them, hosts of one /24 collided */
	__u64 x = (__u64)(addr[0] ^ addr[1] ^ addr[2] ^ addr[3]) ^ ((__u64)proto << 32);

	return (__u32)((x * 0x9e3779b97f4a7c15ULL) >> (64 - LL_REMOTE_BITS));
}

static inline int ll_host_is(const struct ll_host_val *v, const __u32 *addr, __u32 proto)
{
	return !((v->addr[0] ^ addr[0]) | (v->addr[1] ^ addr[1]) | (v->addr[2] ^ addr[2]) |
		 (v->addr[3] ^ addr[3]) | (v->proto ^ proto));
}

/*
 * What an operator registered, as typed: the source of truth from which
 * user space compiles ll_rules/ll_allow and inserts exact CLI flows. Kept
 * in a pinned array (ll_rule_recs) indexed by rule id, so the state lives
 * in bpffs only; the datapath never reads it. The rule id also indexes the
 * per-rule hit counters.
 */
enum ll_rule_kind {
	LL_RULE_FREE = 0,	/* unused slot */
	LL_RULE_ENDPOINT,	/* registered block-I/O endpoint: ll_rules */
	LL_RULE_ALLOW,		/* management traffic: ll_allow */
	LL_RULE_FLOW,		/* exact 5-tuple from the CLI: ll_flows */
};

#define LL_RULE_MAX_RANGES 4	/* ceph has three */
#define LL_NAME_LEN 32

struct ll_rule_rec {
	__u32 kind;		/* enum ll_rule_kind */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 plen;		/* prefix length in the address family (0-32 or 0-128) */
	__u8 is_v4;
	__u8 nranges;
	__u8 addr[16];		/* remote; v4-mapped for IPv4 */
	__u8 local[16];		/* LL_RULE_FLOW only */
	__u16 local_port;	/* LL_RULE_FLOW only, host order */
	__u16 _pad;
	struct {
		__u16 lo;	/* host order, inclusive */
		__u16 hi;
	} ranges[LL_RULE_MAX_RANGES];
	__u32 scheme;		/* enum ll_scheme, for display */
	char name[LL_NAME_LEN];	/* optional, NUL-terminated */
};

/* SPEC schemes; LL_SCHEME_TCP/UDP are the raw forms. */
enum ll_scheme {
	LL_SCHEME_TCP = 0,
	LL_SCHEME_UDP,
	LL_SCHEME_NBD,
	LL_SCHEME_ISCSI,
	LL_SCHEME_NVME_TCP,
	LL_SCHEME_NFS,
	LL_SCHEME_CEPH,
	LL_SCHEME_MAX,
};

#define LL_SCHEME_NAMES { "tcp", "udp", "nbd", "iscsi", "nvme-tcp", "nfs", "ceph" }

/* Later IPv4/IPv6 fragments: verdict remembered from the first fragment. */
struct ll_frag_key {
	__u8 src[16];
	__u8 dst[16];
	__u32 id;
	__u8 proto;
	__u8 _pad[3];
};

struct ll_frag_val {
	__u32 reason;		/* enum ll_reason of the first fragment */
	__u32 _pad;
};

/*
 * The elevated budget (README "What elevated bounds"). Every unregistered
 * packet is charged the memory it holds (XDP: its frame buffer plus the
 * sk_buff the stack will wrap it in; tc: skb->truesize), at least
 * budget_rate / budget_pps bytes when a packet rate cap is set. The budget
 * is one for the host: a CPU spends the credit in its own bucket and, when
 * that runs short, takes a chunk (rate / LL_POOL_SLICES bytes, or the
 * packet's charge if larger) from the host's pool, so the hot path touches
 * shared memory about LL_POOL_SLICES times a second, not per packet.
 */
struct ll_bucket {
	__u64 tokens;		/* bytes of credit taken from the pool, not yet spent */
	__u64 admitted;		/* bytes charged to the packets this CPU passed at elevated */
	__u64 held;		/* the memory those packets hold: the charges before the
				 * budget_pps floor (README "What elevated bounds") */
};

/*
 * The host's pool, one entry: a virtual clock. The budget is spent up to
 * paid_ns; the credit available at now is (now - paid_ns) * rate, at most
 * the pool's depth (budget_burst, at least LL_POOL_DEPTH_CHUNKS chunks, at
 * most a second's budget). A CPU takes a chunk
 * by moving paid_ns forward by the chunk's time with one compare-and-swap,
 * so every CPU together never takes more than rate bytes a second plus
 * the depth.
 */
struct ll_pool {
	__u64 paid_ns;
	__u64 takes;		/* chunks taken */
};

#define LL_POOL_SLICES 64			/* a chunk: 1/64 s of the budget */
#define LL_POOL_DEPTH_CHUNKS 4			/* the pool's depth: at least 4 chunks */
#define LL_BUDGET_RATE_MAX (1ULL << 34)		/* 16 GiB/s: keeps chunk * 1e9 in 64 bits */

/*
 * Why a packet got its verdict. Every packet the datapath classifies is
 * counted under exactly one verdict reason; LL_NOTE_* are extra annotations
 * counted in addition. Names in ll_reason_names below; keep both in order.
 */
enum ll_reason {
	LL_PASS_LEASE_EXPIRED = 0,	/* a vote's lease ran out: fail open */
	LL_PASS_ESSENTIAL,		/* ARP, ND, ICMPv6 PTB, ICMPv4 frag-needed */
	LL_PASS_MGMT,			/* management allow rule */
	LL_PASS_FLOW,			/* exact registered flow */
	LL_PASS_RULE,			/* endpoint rule */
	LL_PASS_FRAG,			/* later fragment of a registered datagram */
	LL_PASS_BUDGET,			/* unregistered, within the elevated budget */
	LL_PASS_NONE,			/* unregistered at level none, off the fast path */
	LL_DROP_BUDGET,			/* unregistered, over the elevated budget */
	LL_DROP_CRITICAL,		/* unregistered at critical */
	LL_DROP_PFMEMALLOC,		/* reserve-backed skb of unregistered traffic (TC) */
	LL_DROP_STRICT,			/* strict mode: registered 5-tuple, no local socket */
	LL_NOTE_MALFORMED,		/* truncated or malformed header */
	LL_NOTE_FRAG_ORPHAN,		/* later fragment whose first piece was not matched */
	LL_NOTE_PFMEMALLOC,		/* reserve-backed skb seen (TC) */
	LL_NOTE_MARKED,			/* egress: priority/mark set */
	LL_NOTE_EVENT_LOST,		/* ring buffer full or rate-limited */
	LL_REASON_MAX,
};

#define LL_FIRST_DROP LL_DROP_BUDGET
#define LL_FIRST_NOTE LL_NOTE_MALFORMED

static inline int ll_reason_is_drop(__u32 r)
{
	return r >= LL_FIRST_DROP && r < LL_FIRST_NOTE;
}

/* Counters are kept per attach point. */
enum ll_hook {
	LL_HOOK_XDP = 0,
	LL_HOOK_TC_INGRESS,
	LL_HOOK_TC_EGRESS,
	LL_HOOK_MAX,
};

#define LL_COUNTER_SLOTS (LL_HOOK_MAX * LL_REASON_MAX)
#define LL_COUNTER_IDX(hook, reason) ((hook) * LL_REASON_MAX + (reason))
/*
 * Observe mode (ll_state.observe, `lifeline tune --observe on`): at level
 * none the ingress programs also run the decision of critical, without its
 * verdict, and count a packet it would drop in the second half of
 * ll_counters, under the drop reason it would get (drop_critical,
 * drop_strict). The verdict counters of the first half are not touched.
 */
#define LL_COUNTER_ENTRIES (2 * LL_COUNTER_SLOTS)
#define LL_WOULD_IDX(hook, reason) (LL_COUNTER_SLOTS + LL_COUNTER_IDX(hook, reason))

/*
 * The slots that can count: the ingress hooks, and the drops of critical
 * (drop_budget is elevated's; a reserve-backed skb is dropped for real).
 */
static inline int ll_would_slot(__u32 hook, __u32 reason)
{
	return hook != LL_HOOK_TC_EGRESS && (reason == LL_DROP_CRITICAL || reason == LL_DROP_STRICT);
}

struct ll_counter {
	__u64 packets;
	__u64 bytes;
};

/* Ring-buffer events. */
enum ll_event_type {
	LL_EV_LEVEL = 0,	/* in-kernel level raise */
	LL_EV_PFMEMALLOC,	/* reserve-backed skb of unregistered traffic */
	LL_EV_LEASE_EXPIRED,	/* the daemon's lease ran out while it held a level */
	LL_EV_MAX,
};

struct ll_event {
	__u64 ts_ns;
	__u32 type;		/* enum ll_event_type */
	__u32 level;
	__u32 source;
	__u32 ifindex;
	__u64 value;		/* type-specific: packets suppressed since last event */
};

/*
 * The layout of the pinned maps. Bumped whenever a map's type, size or
 * meaning changes: pins of another layout are refused, never half-used.
 * 2: the flow table as buckets, host hash by 64-bit key, remote prefilter.
 * 3: the elevated budget charges memory: ll_bucket without a clock, the
 *    host pool ll_pool, budget_pps in the state.
 * 4: ll_bucket counts the memory held apart from the charges (held).
 * 5: the remote prefilter's slot hash keeps the protocol apart from the
 *    address (ll_remote_slot): the counts of a layout-4 ll_remotes sit in
 *    other slots.
 * 6: IPv4 flows hashed on their 12 varying bytes (ll_flow_hash4): the
 *    flows of a layout-5 table sit in other buckets.
 * 7: a flow bucket counts the keys it spilled to their second bucket
 *    (spill): a layout-6 table has none counted, and lookups would miss them.
 * 8: observe mode: ll_state.observe (where egress_priority was, which took
 *    flow_max's place; flow_max moved to the end), ll_counters twice as
 *    long (LL_WOULD_IDX), and the program arrays ll_observe_xdp and
 *    ll_observe_tc its programs are tail-called through. layout itself
 *    stays where it was.
 */
#define LL_LAYOUT 8

/* Limits and defaults. */
#define LL_DEFAULT_MAX_FLOWS 65536
#define LL_DEFAULT_MAX_RULES 4096
#define LL_DEFAULT_MAX_FRAGS 8192
#define LL_RINGBUF_BYTES (64 * 1024)	/* ~1,600 events; at most one per type per 100 ms */
#define LL_IPV6_EXT_MAX 6		/* extension headers walked */
#define LL_HDR_MAX 256			/* headers must end within a frame's first bytes */
/*
 * The essentials pass at every level, so they must not carry a flood: an
 * ICMPv4 error is at most 576 bytes of IP (RFC 1812, what Linux sends), an
 * ICMPv6 error at most the minimum MTU, 1280 (RFC 4443); neighbour discovery
 * is link-local, hop limit 255 (RFC 4861). The frame limits allow for an
 * Ethernet header and two VLAN tags.
 */
#define LL_ESSENTIAL_L2_MAX 22
#define LL_ESSENTIAL_ICMP4_MAX (576 + LL_ESSENTIAL_L2_MAX)
#define LL_ESSENTIAL_ICMP6_MAX (1280 + LL_ESSENTIAL_L2_MAX)
#define LL_ND_HOP_LIMIT 255
#define LL_KERNEL_LEASE_NS (2ULL * 1000000000ULL)
#define LL_EVENT_INTERVAL_NS (100ULL * 1000000ULL)	/* per event type */
#define LL_TC_PRIO_INTERACTIVE 6
#define LL_DEFAULT_BUDGET_RATE (8ULL << 20)	/* elevated: 8 MiB/s for unregistered traffic */
#define LL_DEFAULT_BUDGET_BURST (256ULL << 10)	/* the host pool's depth */

/* Name tables: the words CLI, metrics and tests print. */
#define LL_REASON_NAMES                                                                            \
	{ "pass_lease_expired", "pass_essential", "pass_mgmt", "pass_flow", "pass_rule",           \
	  "pass_frag", "pass_budget", "pass_none", "drop_budget", "drop_critical",           \
	  "drop_pfmemalloc", "drop_strict", "note_malformed", "note_frag_orphan", "note_pfmemalloc",              \
	  "note_marked", "note_event_lost" }
#define LL_LEVEL_NAMES { "none", "elevated", "critical" }
#define LL_SOURCE_NAMES                                                                            \
	{ "none", "manual", "psi", "watermark", "memavailable", "memcg", "netstat",              \
	  "pfmemalloc", "vmscan" }
#define LL_HOOK_NAMES { "xdp", "tc_ingress", "tc_egress" }
#define LL_ORIGIN_NAMES { "cli", "rule", "sock_ops", "cgroup", "kernel" }
#define LL_EVENT_NAMES { "level", "pfmemalloc", "lease_expired" }

#endif /* LIFELINE_H */
