/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet parsing: a cursor moves through the frame, one small function per
 * header. Every function checks bounds before it reads, and the result is a
 * flat summary (struct ll_pkt) that the policy reads; the policy never
 * touches packet memory.
 */
#ifndef LL_PARSE_H
#define LL_PARSE_H

#define LL_VLAN_MAX 2

enum ll_parse_rc {
	LL_P_IP = 0,		/* IPv4 or IPv6 parsed; ll_pkt filled */
	LL_P_ARP,		/* ARP: an L2 essential */
	LL_P_NON_IP,		/* some other ethertype: unregistered traffic */
	LL_P_MALFORMED,		/* truncated or invalid at some layer */
};

struct ll_pkt {
	__u8 src[16];		/* v4-mapped for IPv4 */
	__u8 dst[16];
	__u16 sport;		/* network byte order; 0 when has_ports == 0 */
	__u16 dport;
	__u32 frag_id;
	__u8 frag_proto;	/* IPv4 protocol, or the IPv6 fragment header's next header */
	__u8 proto;		/* L4 protocol after IPv6 extension headers */
	__u8 has_ports;		/* TCP/UDP header present and complete */
	__u8 frag;		/* part of a fragmented datagram */
	__u8 frag_later;	/* a non-first fragment: no L4 header */
	__u8 icmp_type;		/* valid when proto is ICMP/ICMPv6 and !frag_later */
	__u8 icmp_code;
	__u8 has_icmp;
	__u8 v4;		/* IPv4 (src/dst are v4-mapped) */
	__u8 hop_limit;		/* IPv6 hop limit (neighbour discovery needs 255) */
	__u8 _pad[2];
};

/*
 * Headers are read within the first LL_HDR_MAX bytes of a frame: one that
 * ends beyond them is malformed, wherever the frame keeps its bytes. Most
 * frames have their headers in the directly readable part (an skb's linear
 * data, an XDP frame's first buffer) and are parsed in place; the others (a
 * non-linear skb whose linear part is the Ethernet header alone, a
 * multi-buffer XDP frame cut inside its headers) are parsed again, by the
 * same code, from a copy of their first LL_HDR_MAX bytes (ll_parse_frame).
 * LL_HDR_MAX is in include/lifeline.h.
 */
/*
 * A cursor: the offset of the next header in a frame that starts at base.
 * In place, the frame ends at end (packet data: the bounds check the
 * verifier needs is a pointer compare); in a copy (copy = 1, a constant at
 * each call site) it holds len bytes.
 */
struct hdr_cursor {
	void *base;
	void *end;
	__u32 len;
	__u32 off;
	int copy;
};

/* Are n more bytes there at the cursor? */
static __always_inline int ll_has(const struct hdr_cursor *c, __u32 n)
{
	void *p;

	if (c->copy)
		return c->off + n <= c->len;
	p = c->base + c->off;
	return p + n <= c->end;
}

/*
 * The header of size bytes at the cursor, or NULL when the frame ends first.
 * In a copy the read is also kept within LL_HDR_MAX (the verifier needs it
 * for every read); in place one check at the end of the parse (ll_parse)
 * says the same at no cost per header: offsets only grow.
 */
static __always_inline void *ll_hdr(const struct hdr_cursor *c, __u32 size)
{
	void *p = c->base + c->off;

	if (c->copy) {
		if (c->off > LL_HDR_MAX - size || c->off + size > c->len)
			return NULL;
	} else if (p + size > c->end) {
		return NULL;
	}
	return p;
}

/*
 * ::ffff:a.b.c.d into out (4-byte aligned: ll_pkt's and the keys' addresses
 * are), in 32-bit words: the hashes and compares read the address as words,
 * and a word loaded from bytes stored one by one waits for the store buffer
 * (no store-to-load forwarding), several nanoseconds a packet.
 */
static __always_inline void ll_v4mapped(__u8 *out, __u32 addr_be)
{
	__u32 *w = (__u32 *)out;

	w[0] = 0;
	w[1] = 0;
	w[2] = bpf_htonl(0xffff);
	w[3] = addr_be;
}

struct ll_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* Ethernet plus up to LL_VLAN_MAX 802.1Q/802.1ad tags; returns the ethertype (host order). */
static __always_inline int parse_ethhdr(struct hdr_cursor *c, __u16 *proto)
{
	struct ethhdr *eth = ll_hdr(c, sizeof(*eth));
	struct ll_vlan_hdr *vh;
	__u16 p;

	if (!eth)
		return -1;
	p = bpf_ntohs(eth->h_proto);
	c->off += sizeof(*eth);

#pragma unroll
	for (int i = 0; i < LL_VLAN_MAX; i++) {
		if (p != ETH_P_8021Q_ && p != ETH_P_8021AD_)
			break;
		vh = ll_hdr(c, sizeof(*vh));
		if (!vh)
			return -1;
		p = bpf_ntohs(vh->proto);
		c->off += sizeof(*vh);
	}
	/* A third tag is not walked: it is not IP as far as we are concerned. */
	*proto = p;
	return 0;
}

static __always_inline int parse_l4(struct hdr_cursor *c, struct ll_pkt *p)
{
	if (p->frag_later)
		return 0;

	if (p->proto == IPPROTO_TCP_) {
		struct tcphdr *th = ll_hdr(c, sizeof(*th));

		if (!th)
			return -1;
		if (th->doff < 5)
			return -1;
		p->sport = th->source;
		p->dport = th->dest;
		p->has_ports = 1;
		c->off += sizeof(*th);
	} else if (p->proto == IPPROTO_UDP_) {
		struct udphdr *uh = ll_hdr(c, sizeof(*uh));

		if (!uh)
			return -1;
		p->sport = uh->source;
		p->dport = uh->dest;
		p->has_ports = 1;
		c->off += sizeof(*uh);
	} else if ((p->proto == IPPROTO_ICMP_ && p->v4) || (p->proto == IPPROTO_ICMPV6_ && !p->v4)) {
		/* ICMP belongs to IPv4 and ICMPv6 to IPv6; across families they are just bytes */
		__u8 *ic = ll_hdr(c, 2);

		if (!ic)
			return -1;
		p->icmp_type = ic[0];
		p->icmp_code = ic[1];
		p->has_icmp = 1;
		c->off += 2;
	}
	return 0;
}

static __always_inline int parse_ipv4(struct hdr_cursor *c, struct ll_pkt *p)
{
	struct iphdr *iph = ll_hdr(c, sizeof(*iph));
	__u32 hlen;
	__u16 frag;

	if (!iph)
		return -1;
	if (iph->version != 4 || iph->ihl < 5)
		return -1;
	hlen = iph->ihl * 4;
	if (!ll_has(c, hlen))
		return -1;
	if (bpf_ntohs(iph->tot_len) < hlen)
		return -1;

	ll_v4mapped(p->src, iph->saddr);
	ll_v4mapped(p->dst, iph->daddr);
	p->v4 = 1;
	p->proto = iph->protocol;

	frag = bpf_ntohs(iph->frag_off);
	if (frag & 0x3fff) {			/* MF set or offset != 0 */
		p->frag = 1;
		p->frag_later = (frag & 0x1fff) != 0;
		p->frag_id = bpf_ntohs(iph->id);
		p->frag_proto = iph->protocol;
	}
	c->off += hlen;
	return parse_l4(c, p);
}

struct ll_ipv6_opt {
	__u8 nexthdr;
	__u8 hdrlen;		/* in 8-octet units, not counting the first 8 */
};

struct ll_ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;	/* offset << 3 | M */
	__be32 id;
};

static __always_inline int parse_ipv6(struct hdr_cursor *c, struct ll_pkt *p)
{
	struct ipv6hdr *ip6 = ll_hdr(c, sizeof(*ip6));
	__u8 next;

	if (!ip6)
		return -1;
	if (ip6->version != 6)
		return -1;
	__builtin_memcpy(p->src, &ip6->saddr, 16);
	__builtin_memcpy(p->dst, &ip6->daddr, 16);
	/*
	 * An IPv4-mapped source (::ffff:a.b.c.d) would look like an IPv4 flow
	 * to the tables; on the wire it is invalid (the stack drops it too).
	 */
	if (ip6->saddr.in6_u.u6_addr32[0] == 0 && ip6->saddr.in6_u.u6_addr32[1] == 0 &&
	    ip6->saddr.in6_u.u6_addr32[2] == bpf_htonl(0xffff))
		return -1;
	next = ip6->nexthdr;
	p->hop_limit = ip6->hop_limit;
	c->off += sizeof(*ip6);

	/* Bounded walk: up to LL_IPV6_EXT_MAX headers, then the upper layer; longer is malformed. */
	for (int i = 0; i <= LL_IPV6_EXT_MAX; i++) {
		int ext = next == IPPROTO_FRAGMENT_ || next == IPPROTO_HOPOPTS_ ||
			  next == IPPROTO_ROUTING_ || next == IPPROTO_DSTOPTS_;

		if (ext && i == LL_IPV6_EXT_MAX)
			return -1;	/* a seventh extension header */
		if (next == IPPROTO_FRAGMENT_) {
			struct ll_ipv6_frag *fh = ll_hdr(c, sizeof(*fh));
			__u16 off;

			if (!fh)
				return -1;
			off = bpf_ntohs(fh->frag_off);
			p->frag = 1;
			p->frag_later = (off & 0xfff8) != 0;
			p->frag_id = bpf_ntohl(fh->id);
			next = fh->nexthdr;
			/*
			 * Fragments of one datagram are matched by this header's next
			 * header: in the first fragment more headers may follow it.
			 */
			p->frag_proto = next;
			c->off += sizeof(*fh);
			if (p->frag_later) {
				p->proto = next;
				return 0;
			}
		} else if (next == IPPROTO_HOPOPTS_ || next == IPPROTO_ROUTING_ ||
			   next == IPPROTO_DSTOPTS_) {
			struct ll_ipv6_opt *oh = ll_hdr(c, sizeof(*oh));

			if (!oh)
				return -1;
			next = oh->nexthdr;
			c->off += (oh->hdrlen + 1) * 8;
			/* whole in the frame, and within LL_HDR_MAX as every header */
			if (c->off > LL_HDR_MAX || !ll_has(c, 0))
				return -1;
		} else {
			p->proto = next;
			return parse_l4(c, p);
		}
	}
	return -1;
}

/* Parses the frame at the cursor (offset 0); fills *p for LL_P_IP. */
static __always_inline int ll_parse(struct hdr_cursor *c, struct ll_pkt *p)
{
	__u16 proto;
	int err;

	if (parse_ethhdr(c, &proto) < 0)
		return LL_P_MALFORMED;
	if (proto == ETH_P_ARP_)
		return LL_P_ARP;
	if (proto == ETH_P_IP_)
		err = parse_ipv4(c, p);
	else if (proto == ETH_P_IPV6_)
		err = parse_ipv6(c, p);
	else
		return LL_P_NON_IP;
	/* the offset is the end of the last header read: all of them within LL_HDR_MAX */
	return err < 0 || c->off > LL_HDR_MAX ? LL_P_MALFORMED : LL_P_IP;
}

#endif /* LL_PARSE_H */
