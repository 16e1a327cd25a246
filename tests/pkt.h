/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small packet builder for tests and benchmarks: describe a frame in a
 * struct pkt_spec, get its bytes. Builds Ethernet, up to two VLAN tags,
 * IPv4 (options, fragments) or IPv6 (extension headers, fragment header),
 * TCP/UDP/ICMP/ICMPv6, ARP. Checksums are not computed: the datapath does
 * not read them.
 */
#ifndef LL_TEST_PKT_H
#define LL_TEST_PKT_H

#include <arpa/inet.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

enum { PKT_FRAG_NONE = 0, PKT_FRAG_FIRST, PKT_FRAG_LATER };

struct pkt_spec {
	const char *src, *dst;	/* literal IPv4 or IPv6 addresses; family from src */
	__u8 proto;		/* IPPROTO_TCP/UDP/ICMP/ICMPV6; 0 = TCP */
	__u16 sport, dport;
	__u8 icmp_type, icmp_code;
	int vlans;		/* 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) */
	int ip4_opt_words;	/* IPv4 options, in 4-byte words (0-10) */
	__u8 ext[8];		/* IPv6 extension headers in order (0, 43, 44, 60)... */
	int next;		/* ...count of ext[] entries used (0 means none) */
	int frag;		/* PKT_FRAG_* */
	__u32 frag_id;
	int payload;		/* bytes after the L4 header */
	__u16 ethertype;	/* nonzero: raw frame of this ethertype (ARP 0x0806, ...) */
	int truncate;		/* nonzero: cut the frame to this many bytes */
	int hop_limit;		/* IPv6; 0: 255 for neighbour discovery (133-137), else 64 */
};

static inline void pkt_put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Returns the frame length, or 0 if the spec is invalid or does not fit. */
static inline size_t pkt_build(__u8 *buf, size_t cap, const struct pkt_spec *s)
{
	int v6 = s->src && strchr(s->src, ':');
	__u8 proto = s->proto ? s->proto : IPPROTO_TCP;
	size_t off = 12, l3, l4len, iplen_off;

	if (cap < 1514)
		return 0;
	memset(buf, 0, cap);
	memcpy(buf, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	if (s->vlans >= 2) {
		pkt_put16(buf + off, 0x88a8);
		pkt_put16(buf + off + 2, 100);
		off += 4;
	}
	if (s->vlans >= 1) {
		pkt_put16(buf + off, 0x8100);
		pkt_put16(buf + off + 2, 200);
		off += 4;
	}
	if (s->ethertype) {
		pkt_put16(buf + off, s->ethertype);
		off += 2 + 28 + s->payload;
		goto done;
	}
	pkt_put16(buf + off, v6 ? 0x86dd : 0x0800);
	off += 2;
	l3 = off;

	switch (proto) {
	case IPPROTO_TCP: l4len = 20; break;
	case IPPROTO_UDP: l4len = 8; break;
	default: l4len = 8; break;	/* ICMP/ICMPv6 header */
	}
	if (s->frag == PKT_FRAG_LATER)
		l4len = 0;

	if (!v6) {
		int hl = 20 + 4 * s->ip4_opt_words;
		__u16 fo = 0;

		buf[l3] = 0x40 | (hl / 4);
		if (inet_pton(AF_INET, s->src, buf + l3 + 12) != 1 ||
		    inet_pton(AF_INET, s->dst, buf + l3 + 16) != 1)
			return 0;
		pkt_put16(buf + l3 + 4, s->frag_id & 0xffff);
		if (s->frag == PKT_FRAG_FIRST)
			fo = 0x2000;		/* MF */
		else if (s->frag == PKT_FRAG_LATER)
			fo = 185;		/* offset 1480 */
		pkt_put16(buf + l3 + 6, fo);
		buf[l3 + 8] = 64;
		buf[l3 + 9] = proto;
		for (int i = 0; i < 4 * s->ip4_opt_words; i++)
			buf[l3 + 20 + i] = 1;	/* NOP options */
		iplen_off = l3 + 2;
		off = l3 + hl;
	} else {
		__u8 *nh = buf + l3 + 6;

		buf[l3] = 0x60;
		if (inet_pton(AF_INET6, s->src, buf + l3 + 8) != 1 ||
		    inet_pton(AF_INET6, s->dst, buf + l3 + 24) != 1)
			return 0;
		buf[l3 + 7] = s->hop_limit ? s->hop_limit :
			      proto == IPPROTO_ICMPV6 && s->icmp_type >= 133 && s->icmp_type <= 137 ?
			      255 : 64;
		iplen_off = l3 + 4;
		off = l3 + 40;
		for (int i = 0; i < s->next; i++) {
			*nh = s->ext[i];
			nh = buf + off;
			if (s->ext[i] == 44) {
				/* fragment header is always 8 bytes */
				pkt_put16(buf + off + 2, s->frag == PKT_FRAG_LATER ? (1480 | 0) : 1);
				buf[off + 4] = s->frag_id >> 24;
				buf[off + 5] = s->frag_id >> 16;
				buf[off + 6] = s->frag_id >> 8;
				buf[off + 7] = s->frag_id;
			} else {
				buf[off + 1] = 1;	/* 16 bytes: hdrlen counts 8-octet units after the first 8 */
				for (int j = 2; j < 16; j++)
					buf[off + j] = j == 2 ? 1 : 0;	/* PadN */
				off += 8;
			}
			off += 8;
		}
		*nh = proto;
	}

	if (l4len) {
		if (proto == IPPROTO_TCP) {
			pkt_put16(buf + off, s->sport);
			pkt_put16(buf + off + 2, s->dport);
			buf[off + 12] = 5 << 4;
			buf[off + 13] = 0x10;	/* ACK */
		} else if (proto == IPPROTO_UDP) {
			pkt_put16(buf + off, s->sport);
			pkt_put16(buf + off + 2, s->dport);
			pkt_put16(buf + off + 4, 8 + s->payload);
		} else {
			buf[off] = s->icmp_type;
			buf[off + 1] = s->icmp_code;
		}
	}
	off += l4len + s->payload;
	if (!v6)
		pkt_put16(buf + iplen_off, off - l3);
	else
		pkt_put16(buf + iplen_off, off - l3 - 40);
done:
	if (off < 60)
		off = 60;	/* Ethernet minimum, as a NIC would hand it over */
	if (s->truncate && (size_t)s->truncate < off)
		off = s->truncate;
	return off;
}

/* "1.2.3.4" or "2001:db8::1" into 16 bytes, v4-mapped for IPv4. */
static inline int pkt_addr16(const char *s, __u8 out[16])
{
	memset(out, 0, 16);
	if (strchr(s, ':'))
		return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
	out[10] = out[11] = 0xff;
	return inet_pton(AF_INET, s, out + 12) == 1 ? 0 : -1;
}

#endif
