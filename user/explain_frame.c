// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline explain: the test frame built from a packet description, and the
 * packet grammar of the command line (see explain.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>
#include <linux/if_ether.h>
#include "explain.h"
#include "explain_int.h"
#include "out.h"
#include "spec.h"

/* ---------------------------------------------------------------- frames */

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __u32 csum_add(__u32 sum, const __u8 *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* The Ethernet and the IP header; l3 and l4 are their offsets, total the frame's length. */
static void put_eth_ip(const struct ll_explain_pkt *p, __u8 *buf, size_t l3, size_t l4,
		       size_t total)
{
	__u8 *ip = buf + l3;

	memcpy(buf, p->mac, 6);
	buf[6] = 0x02;	/* a locally administered source MAC */
	buf[11] = 0x01;
	put16(buf + 12, p->v4 ? ETH_P_IP : ETH_P_IPV6);
	if (p->v4) {
		ip[0] = 0x45;
		put16(ip + 2, (__u16)(total - l3));
		put16(ip + 6, 0x4000);	/* DF */
		ip[8] = 64;
		ip[9] = p->proto;
		memcpy(ip + 12, p->src + 12, 4);
		memcpy(ip + 16, p->dst + 12, 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	} else {
		ip[0] = 0x60;
		put16(ip + 4, (__u16)(total - l4));
		ip[6] = p->proto;
		/* neighbour discovery is on-link: hop limit 255 (RFC 4861) */
		ip[7] = p->proto == IPPROTO_ICMPV6 && p->icmp_type >= 133 && p->icmp_type <= 137 ?
			255 : 64;
		memcpy(ip + 8, p->src, 16);
		memcpy(ip + 24, p->dst, 16);
	}
}

/* The transport header at l4, l4len bytes long, without its checksum. */
static void put_l4(const struct ll_explain_pkt *p, __u8 *l4, size_t l4len)
{
	switch (p->proto) {
	case IPPROTO_TCP:
		put16(l4, p->sport);
		put16(l4 + 2, p->dport);
		l4[12] = 5 << 4;
		l4[13] = p->tcp_flags;
		put16(l4 + 14, 64240);
		break;
	case IPPROTO_UDP:
		put16(l4, p->sport);
		put16(l4 + 2, p->dport);
		put16(l4 + 4, (__u16)(l4len + p->payload));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4[0] = p->icmp_type;
		l4[1] = p->icmp_code;
		break;
	}
}

/* The transport checksum over the pseudo-header (the datapath does not check it). */
static void put_l4_csum(const struct ll_explain_pkt *p, __u8 *l4, size_t l4_total)
{
	__u8 ph[40];
	__u32 sum;
	size_t n;

	if (p->v4) {
		memcpy(ph, p->src + 12, 4);
		memcpy(ph + 4, p->dst + 12, 4);
		ph[8] = 0;
		ph[9] = p->proto;
		put16(ph + 10, (__u16)l4_total);
		n = 12;
	} else {
		memcpy(ph, p->src, 16);
		memcpy(ph + 16, p->dst, 16);
		memset(ph + 32, 0, 8);
		ph[34] = (__u8)(l4_total >> 8);
		ph[35] = (__u8)l4_total;
		ph[39] = p->proto;
		n = 40;
	}
	sum = p->proto == IPPROTO_ICMP ? 0 : csum_add(0, ph, n);
	sum = csum_add(sum, l4, l4_total);
	put16(l4 + (p->proto == IPPROTO_TCP ? 16 : p->proto == IPPROTO_UDP ? 6 : 2),
	      csum_fold(sum));
}

int ll_explain_frame(const struct ll_explain_pkt *p, __u8 *buf, size_t len)
{
	size_t l3 = ETH_HLEN, l4, l4len, total;

	switch (p->proto) {
	case IPPROTO_TCP: l4len = 20; break;
	case IPPROTO_UDP: l4len = 8; break;
	case IPPROTO_ICMP: case IPPROTO_ICMPV6: l4len = 8; break;
	default: l4len = 0; break;
	}
	l4 = l3 + (p->v4 ? 20 : 40);
	total = l4 + l4len + p->payload;
	if (total > len || total > LL_EXPLAIN_FRAME_MAX || (p->v4 && total - l3 > 0xffff))
		return -EMSGSIZE;
	memset(buf, 0, total);
	put_eth_ip(p, buf, l3, l4, total);
	put_l4(p, buf + l4, l4len);
	if (l4len)
		put_l4_csum(p, buf + l4, total - l4);
	return (int)total;
}

/* ---------------------------------------------------------------- the command */

static int bad(char *err, size_t len, const char *fmt, const char *arg)
{
	char a[64];

	snprintf(err, len, fmt, ll_text_escape(arg, 48, a, sizeof(a)));
	return -EINVAL;
}

const struct ll_tcp_flag_name ll_tcp_flag_names[] = {
	{ "fin", 0x01 }, { "syn", 0x02 }, { "rst", 0x04 }, { "psh", 0x08 },
	{ "ack", 0x10 }, { "urg", 0x20 }, { "ece", 0x40 }, { "cwr", 0x80 },
};
const size_t ll_tcp_flag_count = sizeof(ll_tcp_flag_names) / sizeof(ll_tcp_flag_names[0]);

static int tcp_flags_parse(const char *s, __u8 *out, char *err, size_t errlen)
{
	char buf[64], *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return bad(err, errlen, "flags '%s': too long", s);
	snprintf(buf, sizeof(buf), "%s", s);
	*out = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < ll_tcp_flag_count; i++)
			if (!strcasecmp(t, ll_tcp_flag_names[i].name))
				break;
		if (i == ll_tcp_flag_count)
			return bad(err, errlen, "unknown TCP flag '%s' (fin, syn, rst, psh, ack, urg, "
				   "ece, cwr)", t);
		*out |= ll_tcp_flag_names[i].bit;
	}
	return 0;
}

int ll_explain_args(int argc, char **argv, struct ll_explain_pkt *p, const char **dev, char *err,
		    size_t errlen)
{
	int have_from = 0, have_to = 0, flags_set = 0, v4s = 0, v4d = 0;
	__u32 n;

	memset(p, 0, sizeof(*p));
	*dev = NULL;
	if (argc < 1)
		return bad(err, errlen, "%smissing PROTO: explain PROTO from ADDR[:PORT] to "
			   "ADDR[:PORT] [dev IF]", "");
	if (!strcmp(argv[0], "tcp"))
		p->proto = IPPROTO_TCP;
	else if (!strcmp(argv[0], "udp"))
		p->proto = IPPROTO_UDP;
	else if (!strcmp(argv[0], "icmp"))
		p->proto = IPPROTO_ICMP;
	else if (!strcmp(argv[0], "icmpv6") || !strcmp(argv[0], "ipv6-icmp"))
		p->proto = IPPROTO_ICMPV6;
	else if (!ll_u32_parse(argv[0], 0, 255, &n, "PROTO", err, errlen))
		p->proto = (__u8)n;
	else
		return bad(err, errlen, "unknown protocol '%s' (tcp, udp, icmp, icmpv6 or a "
			   "number 0-255)", argv[0]);
	for (int i = 1; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int ret;

		if (!v)
			return bad(err, errlen, "'%s' needs a value", k);
		i++;
		if (!strcmp(k, "from") || !strcmp(k, "to")) {
			int from = k[0] == 'f';

			ret = ll_addr_port_parse(v, from ? p->src : p->dst, from ? &v4s : &v4d,
						 from ? &p->sport : &p->dport, 0, err, errlen);
			if (ret)
				return ret;
			*(from ? &have_from : &have_to) = 1;
		} else if (!strcmp(k, "dev")) {
			ret = ll_ifname_check(v, err, errlen);
			if (ret)
				return ret;
			*dev = v;
		} else if (!strcmp(k, "flags")) {
			ret = tcp_flags_parse(v, &p->tcp_flags, err, errlen);
			if (ret)
				return ret;
			flags_set = 1;
		} else if (!strcmp(k, "type") || !strcmp(k, "code")) {
			ret = ll_u32_parse(v, 0, 255, &n, k, err, errlen);
			if (ret)
				return ret;
			*(k[0] == 't' ? &p->icmp_type : &p->icmp_code) = (__u8)n;
		} else if (!strcmp(k, "len")) {
			ret = ll_u32_parse(v, 0, 1400, &p->payload, "len", err, errlen);
			if (ret)
				return ret;
		} else {
			return bad(err, errlen, "unexpected '%s' (from, to, dev, flags, type, code, "
				   "len)", k);
		}
	}
	if (!have_from || !have_to)
		return bad(err, errlen, "%sboth 'from ADDR[:PORT]' and 'to ADDR[:PORT]' are needed",
			   "");
	if (v4s != v4d)
		return bad(err, errlen, "%sfrom and to must be of one family (IPv4 or IPv6)", "");
	p->v4 = v4s;
	if ((p->sport || p->dport) && p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return bad(err, errlen, "%sports are for tcp and udp only", "");
	if (flags_set && p->proto != IPPROTO_TCP)
		return bad(err, errlen, "%sflags are for tcp only", "");
	if (p->proto == IPPROTO_ICMP && !p->v4)
		return bad(err, errlen, "%sicmp is IPv4's: use icmpv6", "");
	if (p->proto == IPPROTO_ICMPV6 && p->v4)
		return bad(err, errlen, "%sicmpv6 is IPv6's: use icmp", "");
	if (p->proto == IPPROTO_TCP && !flags_set)
		p->tcp_flags = 0x10;	/* an established connection's segment */
	return 0;
}
