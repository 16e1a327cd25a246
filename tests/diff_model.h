/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An independent reference model of the datapath's ingress decision, for
 * tests/test_diff.c. Written from the documented policy (README "The
 * datapath", include/lifeline.h), not from bpf/: its own frame parser, its
 * own level computation, rules held as a plain list with longest-prefix
 * semantics, an exact-flow list, a fragment set and a token bucket.
 *
 * Where the documentation leaves a detail open, the choice made here is
 * marked "READING:"; where the docs were silent it was settled against what
 * bpf/parse.h does (so the docs can say it), never where they speak.
 */
#ifndef LL_DIFF_MODEL_H
#define LL_DIFF_MODEL_H

#include <linux/types.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include "lifeline.h"

/*
 * Known divergences between the documented policy and the datapath, to look
 * past them while they are open (test_diff --mimic): when set, the model
 * copies the datapath's behaviour on that point instead of the documented one.
 * (Fixed since: a chain of exactly 6 headers, ICMP across IP families, the
 * IPv6 fragment key's protocol; see git history.)
 */
static int dm_mimic_frag7;	/* a later-fragment header as a 7th extension header is walked */

/* ---------------------------------------------------------------- parser */

enum { DM_L3_OTHER = 0, DM_L3_ARP, DM_L3_IP4, DM_L3_IP6 };
enum { DM_FRAG_NONE = 0, DM_FRAG_FIRST, DM_FRAG_LATER };

struct dm_pkt {
	int malformed;
	const char *why;	/* the layer found malformed */
	int l3;			/* DM_L3_* */
	__u8 src[16], dst[16];	/* v4-mapped for IPv4 */
	__u8 proto;		/* upper-layer protocol after the IPv6 extension walk */
	int frag;		/* DM_FRAG_* */
	__u32 frag_id;
	__u8 frag_proto;	/* IPv4 protocol, or the IPv6 fragment header's next header */
	int ports;		/* sport/dport valid (TCP or UDP header present) */
	__u16 sport, dport;	/* host order */
	int icmp;		/* ICMP (in IPv4) or ICMPv6 (in IPv6) header present */
	__u8 icmp_type, icmp_code;
	__u8 hop_limit;		/* IPv6 */
	int next_ext;		/* extension headers walked (IPv6) */
};

static inline __u16 dm_be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static inline __u32 dm_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static inline void dm_bad(struct dm_pkt *o, const char *why)
{
	o->malformed = 1;
	o->why = why;
}

static inline int dm_is_ext(__u8 nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60;
}

/* The upper-layer header at off; marks the frame malformed when it is cut short. */
static inline void dm_parse_l4(const __u8 *p, size_t len, size_t off, int v6, struct dm_pkt *o)
{
	if (o->proto == IPPROTO_TCP) {
		if (len < off + 20)
			return dm_bad(o, "tcp header");
		/* READING: a data offset under 5 words is invalid (bpf/parse.h agrees). */
		if (p[off + 12] >> 4 < 5)
			return dm_bad(o, "tcp data offset");
		o->ports = 1;
	} else if (o->proto == IPPROTO_UDP) {
		if (len < off + 8)
			return dm_bad(o, "udp header");
		o->ports = 1;
	} else if ((!v6 && o->proto == IPPROTO_ICMP) || (v6 && o->proto == IPPROTO_ICMPV6)) {
		/* READING: type and code must be there (bpf/parse.h reads those two bytes). */
		if (len < off + 2)
			return dm_bad(o, "icmp header");
		o->icmp = 1;
		o->icmp_type = p[off];
		o->icmp_code = p[off + 1];
		return;
	} else {
		return;		/* another protocol: no header we read */
	}
	o->sport = dm_be16(p + off);
	o->dport = dm_be16(p + off + 2);
}

static inline void dm_parse_ip4(const __u8 *p, size_t len, size_t off, struct dm_pkt *o)
{
	size_t ihl;
	__u16 fo;

	o->l3 = DM_L3_IP4;
	if (len < off + 20)
		return dm_bad(o, "ipv4 header");
	/* READING: a version other than 4 under ethertype 0x0800 is invalid. */
	if (p[off] >> 4 != 4)
		return dm_bad(o, "ipv4 version");
	ihl = (size_t)(p[off] & 0x0f) * 4;
	if (ihl < 20)
		return dm_bad(o, "ipv4 ihl < 5");
	if (len < off + ihl)
		return dm_bad(o, "ipv4 options");
	/* READING: a total length shorter than the header is invalid; a longer one is not checked. */
	if (dm_be16(p + off + 2) < ihl)
		return dm_bad(o, "ipv4 total length");
	memset(o->src, 0, 16);
	memset(o->dst, 0, 16);
	o->src[10] = o->src[11] = o->dst[10] = o->dst[11] = 0xff;
	memcpy(o->src + 12, p + off + 12, 4);
	memcpy(o->dst + 12, p + off + 16, 4);
	o->proto = p[off + 9];
	fo = dm_be16(p + off + 6);
	if (fo & 0x1fff) {
		o->frag = DM_FRAG_LATER;
	} else if (fo & 0x2000) {
		o->frag = DM_FRAG_FIRST;
	}
	if (o->frag) {
		o->frag_id = dm_be16(p + off + 4);
		o->frag_proto = o->proto;
	}
	if (o->frag == DM_FRAG_LATER)
		return;		/* no upper-layer header in a later fragment */
	dm_parse_l4(p, len, off + ihl, 0, o);
}

static inline void dm_parse_ip6(const __u8 *p, size_t len, size_t off, struct dm_pkt *o)
{
	__u8 nh;

	o->l3 = DM_L3_IP6;
	if (len < off + 40)
		return dm_bad(o, "ipv6 header");
	/* READING: a version other than 6 under ethertype 0x86dd is invalid. */
	if (p[off] >> 4 != 6)
		return dm_bad(o, "ipv6 version");
	o->hop_limit = p[off + 7];
	memcpy(o->src, p + off + 8, 16);
	memcpy(o->dst, p + off + 24, 16);
	/* README: an IPv4-mapped IPv6 source is invalid on the wire: malformed. */
	{
		static const __u8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (!memcmp(o->src, mapped, 12))
			return dm_bad(o, "ipv4-mapped ipv6 source");
	}
	nh = p[off + 6];
	off += 40;
	/*
	 * READING: "at most 6; a longer chain is malformed": six extension
	 * headers are walked, a seventh is malformed.
	 */
	for (;;) {
		if (!dm_is_ext(nh))
			break;
		if (o->next_ext == LL_IPV6_EXT_MAX &&
		    !(dm_mimic_frag7 && nh == 44 && len >= off + 8 && dm_be16(p + off + 2) >> 3))
			return dm_bad(o, "ipv6 extension chain over the limit");
		o->next_ext++;
		/* READING: an extension header must lie whole inside the frame. */
		if (len < off + 2 || len < off + (nh == 44 ? 8 : ((size_t)p[off + 1] + 1) * 8))
			return dm_bad(o, "ipv6 extension header");
		if (nh == 44) {
			__u16 fo = dm_be16(p + off + 2);

			/*
			 * READING: any fragment header at offset 0 makes a first
			 * fragment, an atomic one (M = 0) included.
			 */
			o->frag = fo >> 3 ? DM_FRAG_LATER : DM_FRAG_FIRST;
			o->frag_id = dm_be32(p + off + 4);
			o->frag_proto = p[off];
			nh = p[off];
			off += 8;
			if (o->frag == DM_FRAG_LATER) {
				o->proto = nh;
				return;
			}
		} else {
			size_t hl = ((size_t)p[off + 1] + 1) * 8;

			nh = p[off];
			off += hl;
		}
	}
	o->proto = nh;
	dm_parse_l4(p, len, off, 1, o);
}

static inline void dm_parse(const __u8 *p, size_t len, struct dm_pkt *o)
{
	size_t off = 14;
	__u16 type;

	memset(o, 0, sizeof(*o));
	/* README: a header that ends beyond the frame's first LL_HDR_MAX bytes is malformed. */
	if (len > LL_HDR_MAX)
		len = LL_HDR_MAX;
	if (len < 14)
		return dm_bad(o, "ethernet");
	type = dm_be16(p + 12);
	for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
		if (len < off + 4)
			return dm_bad(o, "vlan tag");
		type = dm_be16(p + off + 2);
		off += 4;
	}
	if (type == 0x0806)
		o->l3 = DM_L3_ARP;	/* READING: the ethertype alone makes it ARP */
	else if (type == 0x0800)
		dm_parse_ip4(p, len, off, o);
	else if (type == 0x86dd)
		dm_parse_ip6(p, len, off, o);
	/* any other ethertype (a third VLAN tag included): unregistered, not malformed */
}

/* ---------------------------------------------------------------- tables */

#define DM_MAX_FLOWS 64
#define DM_MAX_RULES 32		/* per table */
#define DM_MAX_FRAGS 2048
#define DM_RULE_IDS 64
#define DM_NO_COUNT 0xffffffffu

struct dm_rule {
	__u8 proto, is_v4, plen, nranges;
	__u8 addr[16];		/* v4-mapped for IPv4, host bits zero */
	__u16 lo[LL_RULE_MAX_RANGES], hi[LL_RULE_MAX_RANGES];
	__u32 id;
};

struct dm_flow {
	struct ll_flow_key key;
	__u64 packets, bytes;
};

struct dm_frag {
	struct ll_frag_key key;
	__u32 reason;
};

/* One datapath instance: its maps as the model sees them. */
struct dm_inst {
	struct ll_state st;
	int pfm;		/* TC ingress with every skb reserve-backed */
	__u64 now;		/* the clock votes are compared with */
	struct dm_flow flows[DM_MAX_FLOWS];
	int nflows;
	/* [0] endpoint rules, [1] allow rules, in registration order */
	struct dm_rule rules[2][DM_MAX_RULES];
	int nrules[2];
	int sorted[2][DM_MAX_RULES];	/* indexes, longest prefix first, ties in order */
	struct dm_frag frags[DM_MAX_FRAGS];
	int nfrags;
	__u64 tokens;		/* this CPU's credit */
	__u64 admitted;		/* this CPU's charges of passed packets */
	__u64 held;		/* the memory they hold (the charges before the pps floor) */
	int refill;		/* the host pool untouched for long: full; else empty */
	__u64 rule_pk[DM_RULE_IDS], rule_by[DM_RULE_IDS];
	int raised;		/* pfm: the kernel vote was raised by a sighting */
};

struct dm_result {
	int pass;
	__u32 reason;		/* verdict reason, DM_NO_COUNT on the fast path */
	__u32 notes[3];
	int nnotes;
	int rule_id;		/* credited rule id, or -1 */
	int flow;		/* index of the credited flow, or -1 */
	int event;		/* enum ll_event_type expected in the ring buffer, or -1 */
	int raise;		/* pfm: kernel vote raised */
	int refilled;		/* the bucket took a chunk from the full pool */
	__u64 chunk;		/* its size */
	int frag_new;		/* a first fragment was remembered */
};

/* Sort each table once after filling it. */
static inline void dm_rules_ready(struct dm_inst *m)
{
	for (int t = 0; t < 2; t++) {
		int n = 0;

		for (int plen = 128; plen >= 0; plen--)
			for (int i = 0; i < m->nrules[t]; i++)
				if (m->rules[t][i].plen == plen)
					m->sorted[t][n++] = i;
	}
}

static inline int dm_covers(const __u8 *pfx, unsigned int bits, const __u8 *a)
{
	unsigned int whole = bits / 8, rest = bits % 8;

	if (memcmp(pfx, a, whole))
		return 0;
	if (!rest)
		return 1;
	return !((pfx[whole] ^ a[whole]) & (__u8)(0xff00 >> rest));
}

/*
 * The rule a packet matches in one table: among the rules of its protocol
 * and address family whose prefix holds the source address, longest first
 * (equal lengths in registration order), the first with a range holding
 * the source or the destination port. -1 if none.
 */
static inline int dm_rule_match(const struct dm_inst *m, int table, const struct dm_pkt *p)
{
	int v4 = p->l3 == DM_L3_IP4;

	for (int k = 0; k < m->nrules[table]; k++) {
		const struct dm_rule *r = &m->rules[table][m->sorted[table][k]];

		if (r->proto != p->proto || r->is_v4 != v4 ||
		    !dm_covers(r->addr, (v4 ? 96 : 0) + r->plen, p->src))
			continue;
		for (int i = 0; i < r->nranges; i++)
			if ((p->sport >= r->lo[i] && p->sport <= r->hi[i]) ||
			    (p->dport >= r->lo[i] && p->dport <= r->hi[i]))
				return (int)r->id;
	}
	return -1;
}

static inline int dm_flow_find(const struct dm_inst *m, const struct dm_pkt *p)
{
	struct ll_flow_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.remote, p->src, 16);
	memcpy(k.local, p->dst, 16);
	k.remote_port = htons(p->sport);
	k.local_port = htons(p->dport);
	k.proto = p->proto;
	for (int i = 0; i < m->nflows; i++)
		if (!memcmp(&m->flows[i].key, &k, sizeof(k)))
			return i;
	return -1;
}

static inline void dm_frag_key(const struct dm_pkt *p, struct ll_frag_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, p->src, 16);
	memcpy(k->dst, p->dst, 16);
	k->id = p->frag_id;
	k->proto = p->frag_proto;
}

static inline int dm_frag_find(const struct dm_inst *m, const struct ll_frag_key *k)
{
	for (int i = 0; i < m->nfrags; i++)
		if (!memcmp(&m->frags[i].key, k, sizeof(*k)))
			return i;
	return -1;
}

/* ---------------------------------------------------------------- policy */

static inline int dm_vote_live(const struct ll_vote *v, __u64 now)
{
	return v->level != LL_LEVEL_NONE && (v->expires_ns == 0 || now < v->expires_ns);
}

/* The effective level as README "The level" describes it. */
static inline __u32 dm_level(const struct ll_state *s, __u64 now, int *expired)
{
	__u32 lvl = LL_LEVEL_NONE;

	*expired = 0;
	if (s->override_active && (s->override.expires_ns == 0 || now < s->override.expires_ns)) {
		lvl = s->override.level;
	} else {
		if (dm_vote_live(&s->daemon, now))
			lvl = s->daemon.level;
		else if (s->daemon.level != LL_LEVEL_NONE)
			*expired = 1;
		if (dm_vote_live(&s->kernel, now) && s->kernel.level > lvl)
			lvl = s->kernel.level;
	}
	return lvl >= LL_LEVEL_MAX ? LL_LEVEL_CRITICAL : lvl;
}

static inline void dm_note(struct dm_result *r, __u32 note)
{
	r->notes[r->nnotes++] = note;
}

/*
 * Steps 2-5 of the decision (essentials, allow rules, exact flows,
 * endpoint rules) plus fragments. Returns the pass reason, or DM_NO_COUNT
 * for unregistered traffic (notes added to r).
 */
static inline __u32 dm_classify(struct dm_inst *m, const struct dm_pkt *p, size_t len,
				struct dm_result *r)
{
	__u32 reason = DM_NO_COUNT;
	int id;

	if (p->malformed) {
		dm_note(r, LL_NOTE_MALFORMED);
		return DM_NO_COUNT;
	}
	if (p->l3 == DM_L3_ARP)
		return LL_PASS_ESSENTIAL;
	/*
	 * READING: errors bounded by RFC 1812 (576 bytes of IPv4) and RFC 4443
	 * (1280 of IPv6), plus Ethernet and two tags; ND only with hop limit 255.
	 */
	if (p->icmp) {
		if (p->l3 == DM_L3_IP6 && p->icmp_type == 2 && len <= 1280 + 22)
			return LL_PASS_ESSENTIAL;
		if (p->l3 == DM_L3_IP6 && p->icmp_type >= 133 && p->icmp_type <= 137 &&
		    p->hop_limit == 255 && len <= 1280 + 22)
			return LL_PASS_ESSENTIAL;
		if (p->l3 == DM_L3_IP4 && p->icmp_type == 3 && p->icmp_code == 4 &&
		    len <= 576 + 22)
			return LL_PASS_ESSENTIAL;
	}
	if (p->frag == DM_FRAG_LATER) {
		struct ll_frag_key k;

		/* READING: a later fragment is decided by its first fragment only. */
		dm_frag_key(p, &k);
		if (dm_frag_find(m, &k) >= 0)
			return LL_PASS_FRAG;
		dm_note(r, LL_NOTE_FRAG_ORPHAN);
		return DM_NO_COUNT;
	}
	if (!p->ports)
		return DM_NO_COUNT;
	if ((id = dm_rule_match(m, 1, p)) >= 0) {
		reason = LL_PASS_MGMT;
		r->rule_id = id;
	} else if ((r->flow = dm_flow_find(m, p)) >= 0) {
		reason = LL_PASS_FLOW;
		m->flows[r->flow].packets++;
		m->flows[r->flow].bytes += len;
	} else if ((id = dm_rule_match(m, 0, p)) >= 0) {
		reason = LL_PASS_RULE;
		r->rule_id = id;
	}
	if (r->rule_id >= 0 && r->rule_id < DM_RULE_IDS) {
		m->rule_pk[r->rule_id]++;
		m->rule_by[r->rule_id] += len;
	}
	/*
	 * READING: "a first fragment that matches a flow or rule" includes the
	 * allow rules; the fragment key's protocol is the IPv6 fragment
	 * header's next header (the only one later fragments carry).
	 */
	if (reason != DM_NO_COUNT && p->frag == DM_FRAG_FIRST) {
		struct ll_frag_key k;
		int i;

		dm_frag_key(p, &k);
		i = dm_frag_find(m, &k);
		if (i < 0 && m->nfrags < DM_MAX_FRAGS) {
			i = m->nfrags++;
			m->frags[i].key = k;
			r->frag_new = 1;
		}
		if (i >= 0)
			m->frags[i].reason = reason;
	}
	return reason;
}

/*
 * README "What elevated bounds": the credit a CPU takes from the host's
 * pool when it lacks need bytes; the pool as the test sets it up is full
 * (untouched for longer than its depth lasts) or empty. Returns the chunk,
 * 0 when the pool cannot give it.
 */
static inline __u64 dm_pool_take(const struct dm_inst *m, __u64 need)
{
	__u64 rate = m->st.budget_rate, chunk, depth;

	if (rate > LL_BUDGET_RATE_MAX)
		rate = LL_BUDGET_RATE_MAX;
	if (!m->refill || !rate || need > rate)
		return 0;	/* empty pool, no budget, or more than a second's budget */
	chunk = rate / LL_POOL_SLICES > need ? rate / LL_POOL_SLICES : need;
	/* the depth: the burst, at least LL_POOL_DEPTH_CHUNKS chunks, at most a second */
	depth = m->st.budget_burst > LL_POOL_DEPTH_CHUNKS * chunk ? m->st.budget_burst :
								     LL_POOL_DEPTH_CHUNKS * chunk;
	if (depth > rate)
		depth = rate;
	/* a full pool lends any chunk its depth holds, whatever the rounding */
	return chunk <= depth ? chunk : 0;
}

/*
 * One frame through the instance; updates the model's maps as the datapath
 * would. charge: the memory the attach point says the frame holds (XDP:
 * frame buffer + sk_buff, tc: truesize), which the test measures.
 */
static inline void dm_decide(struct dm_inst *m, const __u8 *frame, size_t len, __u64 charge,
			     struct dm_result *r)
{
	struct dm_pkt p;
	__u32 lvl, reason;
	__u64 held;
	int expired;

	memset(r, 0, sizeof(*r));
	r->rule_id = r->flow = r->event = -1;
	dm_parse(frame, len, &p);

	if (m->pfm) {
		/* TC with a reserve-backed skb: registered passes, the rest is dropped */
		dm_note(r, LL_NOTE_PFMEMALLOC);
		reason = dm_classify(m, &p, len, r);
		if (reason != DM_NO_COUNT) {
			r->pass = 1;
			r->reason = reason;
			return;
		}
		r->pass = 0;
		r->reason = LL_DROP_PFMEMALLOC;
		r->raise = 1;
		r->event = LL_EV_PFMEMALLOC;
		return;
	}

	lvl = dm_level(&m->st, m->now, &expired);
	if (lvl == LL_LEVEL_NONE) {
		r->pass = 1;
		if (!expired) {
			r->reason = DM_NO_COUNT;	/* the fast path */
			return;
		}
		/* READING: an expired lease fails open at once, for every frame. */
		r->reason = LL_PASS_LEASE_EXPIRED;
		r->event = LL_EV_LEASE_EXPIRED;
		return;
	}
	reason = dm_classify(m, &p, len, r);
	if (reason != DM_NO_COUNT) {
		r->pass = 1;
		r->reason = reason;
		return;
	}
	if (lvl == LL_LEVEL_CRITICAL) {
		r->pass = 0;
		r->reason = LL_DROP_CRITICAL;
		return;
	}
	/*
	 * elevated: the frame's memory (never less than its length, at least
	 * rate / pps with a packet rate cap) against this CPU's credit, which
	 * takes a chunk from the pool when short
	 */
	if (charge < len)
		charge = len;
	held = charge;		/* the memory, apart from the pps floor */
	if (m->st.budget_pps && charge < m->st.budget_rate / m->st.budget_pps)
		charge = m->st.budget_rate / m->st.budget_pps;
	if (m->tokens < charge) {
		__u64 chunk = dm_pool_take(m, charge - m->tokens);

		if (chunk) {
			m->tokens += chunk;
			m->refill = 0;	/* the test fills or empties the pool again */
			r->refilled = 1;
			r->chunk = chunk;
		}
	}
	if (m->tokens >= charge) {
		m->tokens -= charge;
		m->admitted += charge;
		m->held += held;
		r->pass = 1;
		r->reason = LL_PASS_BUDGET;
	} else {
		r->pass = 0;
		r->reason = LL_DROP_BUDGET;
	}
}

/*
 * Does the frame take the parser's fast entry (bpf/policy.h, ll_fast_parse)
 * once the decision runs? Written from its definition, not from its code:
 * untagged Ethernet; IPv4 with version 4, a 20-byte header, neither MF nor
 * a fragment offset and a total length of at least 20, or IPv6 with
 * version 6, a next header of TCP or UDP and a source that is not
 * v4-mapped; then a complete TCP header with a data offset of at least 5
 * words, or a complete UDP header; all within the first `avail` bytes (the
 * readable part: the whole frame, or an XDP frame's first buffer).
 */
static inline int dm_fast_entry(const __u8 *b, size_t avail)
{
	static const __u8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	size_t l4;
	__u8 proto;

	if (avail < 14)
		return 0;
	if (dm_be16(b + 12) == 0x0800) {
		if (avail < 34 || b[14] != 0x45 || (dm_be16(b + 20) & 0x3fff) ||
		    dm_be16(b + 16) < 20)
			return 0;
		proto = b[23];
		l4 = 34;
	} else if (dm_be16(b + 12) == 0x86dd) {
		if (avail < 54 || b[14] >> 4 != 6 || !memcmp(b + 22, mapped, 12))
			return 0;
		proto = b[20];
		l4 = 54;
	} else {
		return 0;
	}
	if (proto == IPPROTO_TCP)
		return avail >= l4 + 20 && b[l4 + 12] >> 4 >= 5;
	if (proto == IPPROTO_UDP)
		return avail >= l4 + 8;
	return 0;
}

#endif /* LL_DIFF_MODEL_H */
