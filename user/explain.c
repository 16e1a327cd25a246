// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline explain: the datapath's decision for one frame, run in a private
 * instance that shares the live rule tables (see explain.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "attach.h"
#include "explain.h"
#include "maps.h"
#include "out.h"
#include "spec.h"
#include "lifeline.skel.h"

#define XDP_DROP_ 1
#define XDP_PASS_ 2
#define TC_ACT_OK_ 0
#define TC_ACT_UNSPEC_ ((__u32)-1)	/* a pass: the next tc program decides */
#define TC_ACT_SHOT_ 2

static int fail(char *err, size_t len, int e, const char *what)
{
	snprintf(err, len, "%s: %s", what, strerror(-e));
	return e;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, len);
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

void ll_explain_close(struct ll_explain *x)
{
	if (x->live_b)
		munmap(x->live_b, x->flows_len);
	if (x->priv_b)
		munmap(x->priv_b, x->flows_len);
	lifeline_bpf__destroy(x->skel);
	free(x->pcbuf);
	free(x->hits);
	memset(x, 0, sizeof(*x));
}

/* Reads entries 0..n-1 of a per-CPU counter array, summed over CPUs (packets, bytes if by). */
static int read_sums(struct ll_explain *x, int fd, __u32 n, __u64 *pk, __u64 *by)
{
	const struct ll_counter *v = x->pcbuf;
	__u32 *keys = calloc(n, sizeof(__u32)), count = n, out;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int err;

	if (!keys)
		return -ENOMEM;
	err = bpf_map_lookup_batch(fd, NULL, &out, keys, (void *)v, &count, &opts);
	err = err && errno != ENOENT ? -errno : count != n ? -EIO : 0;
	free(keys);
	if (err)
		return err;
	for (__u32 k = 0; k < n; k++) {
		__u64 p = 0, b = 0;

		for (int c = 0; c < x->ncpus; c++) {
			p += v[(size_t)k * x->ncpus + c].packets;
			b += v[(size_t)k * x->ncpus + c].bytes;
		}
		pk[k] = p;
		if (by)
			by[k] = b;
	}
	return 0;
}

int ll_explain_open(struct ll_explain *x, const struct ll_explain_src *src, char *err,
		    size_t errlen)
{
	struct lifeline_bpf *s;
	struct bpf_program *prog;
	struct bpf_map_info info;
	struct {
		struct bpf_map *map;
		int fd;
	} reuse[5];
	size_t pc;
	int e;

	memset(x, 0, sizeof(*x));
	x->src = *src;
	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0)
		return fail(err, errlen, x->ncpus ? x->ncpus : -EINVAL, "counting CPUs");
	s = lifeline_bpf__open();
	if (!s)
		return fail(err, errlen, -errno, "opening the datapath object");
	x->skel = s;
	/* only the two programs that decide an ingress packet */
	bpf_object__for_each_program(prog, s->obj)
		bpf_program__set_autoload(prog, (prog == s->progs.ll_xdp &&
						 (src->progs & LL_EXPLAIN_XDP)) ||
					  (prog == s->progs.ll_tc_policy &&
					   (src->progs & LL_EXPLAIN_TC)));
	reuse[0].map = s->maps.ll_rules, reuse[0].fd = src->rules;
	reuse[1].map = s->maps.ll_allow, reuse[1].fd = src->allow;
	reuse[2].map = s->maps.ll_rule_hosts, reuse[2].fd = src->rule_hosts;
	reuse[3].map = s->maps.ll_allow_hosts, reuse[3].fd = src->allow_hosts;
	reuse[4].map = s->maps.ll_remotes, reuse[4].fd = src->remotes;
	for (int i = 0; i < 5; i++) {
		e = bpf_map__reuse_fd(reuse[i].map, reuse[i].fd);
		if (e)
			return fail(err, errlen, e, "reusing the live rule tables");
	}
	/* the private copies: the live sizes */
	e = map_info(src->flows, &info);
	if (e)
		return fail(err, errlen, e, "reading the flow table");
	if (info.value_size != sizeof(struct ll_flow_bucket) || !info.max_entries)
		return fail(err, errlen, -EPROTO, "the flow table");
	bpf_map__set_max_entries(s->maps.ll_flows, info.max_entries);
	x->flows_len = (size_t)info.max_entries * sizeof(struct ll_flow_bucket);
	e = map_info(src->rules, &info);
	if (e)
		return fail(err, errlen, e, "reading the rule table");
	x->nhits = 2 * info.max_entries;	/* rule ids: one space for both tables */
	bpf_map__set_max_entries(s->maps.ll_rule_hits, x->nhits);
	bpf_map__set_max_entries(s->maps.ll_rule_recs, 1);	/* control plane only */
	e = map_info(src->frags, &info);
	if (!e)
		bpf_map__set_max_entries(s->maps.ll_frags, info.max_entries);
	e = lifeline_bpf__load(s);
	if (e)
		return fail(err, errlen, e, "loading the datapath object (explain instance)");
	x->fd_state = bpf_map__fd(s->maps.ll_state);
	x->fd_flows = bpf_map__fd(s->maps.ll_flows);
	x->fd_hits = bpf_map__fd(s->maps.ll_rule_hits);
	x->fd_counters = bpf_map__fd(s->maps.ll_counters);
	x->fd_frags = bpf_map__fd(s->maps.ll_frags);
	x->fd_bucket = bpf_map__fd(s->maps.ll_bucket);
	x->fd_pool = bpf_map__fd(s->maps.ll_pool);

	x->live_b = mmap(NULL, x->flows_len, PROT_READ, MAP_SHARED, src->flows, 0);
	if (x->live_b == MAP_FAILED) {
		x->live_b = NULL;
		return fail(err, errlen, -errno, "mapping the flow table");
	}
	x->priv_b = mmap(NULL, x->flows_len, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd_flows, 0);
	if (x->priv_b == MAP_FAILED) {
		x->priv_b = NULL;
		return fail(err, errlen, -errno, "mapping the private flow table");
	}
	pc = (x->nhits > LL_COUNTER_SLOTS ? x->nhits : LL_COUNTER_SLOTS) * (size_t)x->ncpus *
	     sizeof(struct ll_counter);
	x->pcbuf = calloc(1, pc > sizeof(struct ll_bucket) * x->ncpus ? pc :
			  sizeof(struct ll_bucket) * x->ncpus);
	x->hits = calloc(x->nhits, sizeof(__u64));
	if (!x->pcbuf || !x->hits)
		return fail(err, errlen, -ENOMEM, "explain");
	e = read_sums(x, x->fd_hits, x->nhits, x->hits, NULL);
	if (e)
		return fail(err, errlen, e, "reading the private hit counters");
	return 0;
}

static int clear_map(int fd)
{
	struct ll_frag_key k;

	while (!bpf_map_get_next_key(fd, NULL, &k))
		if (bpf_map_delete_elem(fd, &k))
			return -errno;
	return errno == ENOENT ? 0 : -errno;
}

/* The live state, budget, fragments and flows, copied into the private maps. */
static int snapshot(struct ll_explain *x, const struct ll_explain_req *r, struct ll_state *st)
{
	struct ll_frag_key k, next;
	struct ll_frag_val fv;
	struct ll_pool pool;
	__u32 zero = 0;
	int e, first = 1;

	if (bpf_map_lookup_elem(x->src.state, &zero, st))
		return -errno;
	if (r->level != LL_EXPLAIN_LIVE) {
		st->override_active = 1;
		st->override.level = (__u32)r->level;
		st->override.source = LL_SRC_MANUAL;
		st->override.since_ns = ll_now_ns();
		st->override.expires_ns = 0;
	}
	if (r->strict >= 0)
		st->strict = (__u32)r->strict;
	if (bpf_map_update_elem(x->fd_state, &zero, st, BPF_ANY))
		return -errno;
	if (bpf_map_lookup_elem(x->src.bucket, &zero, x->pcbuf) ||
	    bpf_map_update_elem(x->fd_bucket, &zero, x->pcbuf, BPF_ANY))
		return -errno;
	if (bpf_map_lookup_elem(x->src.pool, &zero, &pool) ||
	    bpf_map_update_elem(x->fd_pool, &zero, &pool, BPF_ANY))
		return -errno;
	e = clear_map(x->fd_frags);
	if (e)
		return e;
	while (!bpf_map_get_next_key(x->src.frags, first ? NULL : &k, &next)) {
		first = 0;
		k = next;
		/* an entry evicted meanwhile is simply not copied */
		if (!bpf_map_lookup_elem(x->src.frags, &k, &fv) &&
		    bpf_map_update_elem(x->fd_frags, &k, &fv, BPF_ANY))
			return -errno;
	}
	memcpy(x->priv_b, x->live_b, x->flows_len);
	/* private hit counts from zero: the entry that counts this frame is the match */
	for (size_t b = 0; b < x->flows_len / sizeof(struct ll_flow_bucket); b++)
		for (int w = 0; w < LL_FLOW_WAYS; w++)
			x->priv_b[b].e[w].val.packets = x->priv_b[b].e[w].val.bytes = 0;
	return 0;
}

static int credited_flow(struct ll_explain *x, struct ll_explain_res *out)
{
	for (size_t b = 0; b < x->flows_len / sizeof(struct ll_flow_bucket); b++)
		for (int w = 0; w < LL_FLOW_WAYS; w++) {
			const struct ll_flow_bucket *bk = &x->priv_b[b];

			if (!(bk->tag[w] & 1) || !bk->e[w].val.packets)
				continue;
			out->flow = 1;
			out->flow_key = bk->e[w].key;
			out->flow_val = bk->e[w].val;
			return 1;
		}
	return 0;
}

int ll_explain_run(struct ll_explain *x, const struct ll_explain_req *r, struct ll_explain_res *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = r->frame, .data_size_in = r->len,
		    .repeat = 1);
	__u64 pk0[LL_COUNTER_SLOTS], pk1[LL_COUNTER_SLOTS];
	struct xdp_md xmd = {};
	struct __sk_buff skb = {};
	struct ll_state st;
	__u32 hook = r->tc ? LL_HOOK_TC_INGRESS : LL_HOOK_XDP, src;
	int e, expired, prog;

	memset(out, 0, sizeof(*out));
	out->rule_id = -1;
	if (r->len < ETH_HLEN)
		return -EINVAL;
	if (!(x->src.progs & (r->tc ? LL_EXPLAIN_TC : LL_EXPLAIN_XDP)))
		return -ENOENT;
	e = snapshot(x, r, &st);
	if (e)
		return e;
	out->level = ll_level_of(&st, ll_now_ns(), &src, &expired);
	e = read_sums(x, x->fd_counters, LL_COUNTER_SLOTS, pk0, NULL);
	if (e)
		return e;
	if (r->tc) {
		skb.ifindex = r->ifindex;
		if (r->ifindex) {
			opts.ctx_in = &skb;
			opts.ctx_size_in = sizeof(skb);
		}
		prog = bpf_program__fd(x->skel->progs.ll_tc_policy);
	} else {
		xmd.ingress_ifindex = r->ifindex;
		xmd.data_end = r->split >= 0 && (__u32)r->split < r->len ? (__u32)r->split : r->len;
		if (r->ifindex || xmd.data_end != r->len) {
			opts.ctx_in = &xmd;
			opts.ctx_size_in = sizeof(xmd);
		}
		prog = bpf_program__fd(x->skel->progs.ll_xdp);
	}
	if (bpf_prog_test_run_opts(prog, &opts))
		return -errno;
	out->retval = opts.retval;
	if (r->tc ? opts.retval != TC_ACT_OK_ && opts.retval != TC_ACT_UNSPEC_ &&
		    opts.retval != TC_ACT_SHOT_ :
		    opts.retval != XDP_PASS_ && opts.retval != XDP_DROP_)
		return -EPROTO;
	out->pass = r->tc ? opts.retval != TC_ACT_SHOT_ : opts.retval == XDP_PASS_;

	e = read_sums(x, x->fd_counters, LL_COUNTER_SLOTS, pk1, NULL);
	if (e)
		return e;
	for (__u32 rs = 0; rs < LL_REASON_MAX; rs++) {
		__u32 k = LL_COUNTER_IDX(hook, rs);

		if (pk1[k] == pk0[k])
			continue;
		if (rs >= LL_FIRST_NOTE) {
			out->notes |= 1U << (rs - LL_FIRST_NOTE);
		} else {
			out->decided = 1;
			out->reason = rs;
		}
	}
	{
		__u64 *now = calloc(x->nhits, sizeof(__u64));

		if (!now)
			return -ENOMEM;
		e = read_sums(x, x->fd_hits, x->nhits, now, NULL);
		for (__u32 id = 0; !e && id < x->nhits; id++)
			if (now[id] != x->hits[id]) {
				out->rule_id = id;
				x->hits[id] = now[id];
			}
		free(now);
		if (e)
			return e;
	}
	credited_flow(x, out);
	return 0;
}

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

int ll_explain_frame(const struct ll_explain_pkt *p, __u8 *buf, size_t len)
{
	size_t l3 = ETH_HLEN, l4, l4len, total;
	__u32 sum;

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
	memcpy(buf, p->mac, 6);
	buf[6] = 0x02;	/* a locally administered source MAC */
	buf[11] = 0x01;
	put16(buf + 12, p->v4 ? ETH_P_IP : ETH_P_IPV6);
	if (p->v4) {
		__u8 *ip = buf + l3;

		ip[0] = 0x45;
		put16(ip + 2, (__u16)(total - l3));
		put16(ip + 6, 0x4000);	/* DF */
		ip[8] = 64;
		ip[9] = p->proto;
		memcpy(ip + 12, p->src + 12, 4);
		memcpy(ip + 16, p->dst + 12, 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	} else {
		__u8 *ip = buf + l3;

		ip[0] = 0x60;
		put16(ip + 4, (__u16)(total - l4));
		ip[6] = p->proto;
		/* neighbour discovery is on-link: hop limit 255 (RFC 4861) */
		ip[7] = p->proto == IPPROTO_ICMPV6 && p->icmp_type >= 133 && p->icmp_type <= 137 ?
			255 : 64;
		memcpy(ip + 8, p->src, 16);
		memcpy(ip + 24, p->dst, 16);
	}
	switch (p->proto) {
	case IPPROTO_TCP:
		put16(buf + l4, p->sport);
		put16(buf + l4 + 2, p->dport);
		buf[l4 + 12] = 5 << 4;
		buf[l4 + 13] = p->tcp_flags;
		put16(buf + l4 + 14, 64240);
		break;
	case IPPROTO_UDP:
		put16(buf + l4, p->sport);
		put16(buf + l4 + 2, p->dport);
		put16(buf + l4 + 4, (__u16)(l4len + p->payload));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		buf[l4] = p->icmp_type;
		buf[l4 + 1] = p->icmp_code;
		break;
	}
	/* transport checksum over the pseudo-header (the datapath does not check it) */
	if (l4len) {
		__u8 ph[40];
		size_t n;

		if (p->v4) {
			memcpy(ph, p->src + 12, 4);
			memcpy(ph + 4, p->dst + 12, 4);
			ph[8] = 0;
			ph[9] = p->proto;
			put16(ph + 10, (__u16)(total - l4));
			n = 12;
		} else {
			memcpy(ph, p->src, 16);
			memcpy(ph + 16, p->dst, 16);
			memset(ph + 32, 0, 8);
			ph[34] = (__u8)((total - l4) >> 8);
			ph[35] = (__u8)(total - l4);
			ph[39] = p->proto;
			n = 40;
		}
		sum = p->proto == IPPROTO_ICMP ? 0 : csum_add(0, ph, n);
		sum = csum_add(sum, buf + l4, total - l4);
		put16(buf + l4 + (p->proto == IPPROTO_TCP ? 16 : p->proto == IPPROTO_UDP ? 6 : 2),
		      csum_fold(sum));
	}
	return (int)total;
}

/* ---------------------------------------------------------------- the command */

static int bad(char *err, size_t len, const char *fmt, const char *arg)
{
	char a[64];

	snprintf(err, len, fmt, ll_text_escape(arg, 48, a, sizeof(a)));
	return -EINVAL;
}

static const struct {
	const char *name;
	__u8 bit;
} tcp_flag_names[] = {
	{ "fin", 0x01 }, { "syn", 0x02 }, { "rst", 0x04 }, { "psh", 0x08 },
	{ "ack", 0x10 }, { "urg", 0x20 }, { "ece", 0x40 }, { "cwr", 0x80 },
};

static int tcp_flags_parse(const char *s, __u8 *out, char *err, size_t errlen)
{
	char buf[64], *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return bad(err, errlen, "flags '%s': too long", s);
	snprintf(buf, sizeof(buf), "%s", s);
	*out = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(tcp_flag_names) / sizeof(tcp_flag_names[0]); i++)
			if (!strcasecmp(t, tcp_flag_names[i].name))
				break;
		if (i == sizeof(tcp_flag_names) / sizeof(tcp_flag_names[0]))
			return bad(err, errlen, "unknown TCP flag '%s' (fin, syn, rst, psh, ack, urg, "
				   "ece, cwr)", t);
		*out |= tcp_flag_names[i].bit;
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

/* The interface's MAC (the frame's destination), left zero if unknown. */
static void iface_mac(const char *name, __u8 mac[6])
{
	char path[64 + IF_NAMESIZE];
	unsigned int b[6];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", name);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fscanf(f, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) == 6)
		for (int i = 0; i < 6; i++)
			mac[i] = (__u8)b[i];
	fclose(f);
}

static const char *proto_name(__u8 proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	}
	snprintf(buf, len, "proto %u", proto);
	return buf;
}

static void addr_port(const __u8 a[16], int v4, __u16 port, int has_port, char *buf, size_t len)
{
	char s[LL_ADDR_FMT_LEN];

	ll_addr_format(a, v4, s, sizeof(s));
	if (!has_port)
		snprintf(buf, len, "%s", s);
	else if (v4)
		snprintf(buf, len, "%s:%u", s, port);
	else
		snprintf(buf, len, "[%s]:%u", s, port);
}

static json_object *packet_json(const struct ll_explain_pkt *p)
{
	json_object *o = json_object_new_object();
	int ports = p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP;
	char a[80], b[80], pn[16];

	addr_port(p->src, p->v4, p->sport, ports, a, sizeof(a));
	addr_port(p->dst, p->v4, p->dport, ports, b, sizeof(b));
	json_object_object_add(o, "proto", json_object_new_string(proto_name(p->proto, pn,
									     sizeof(pn))));
	json_object_object_add(o, "from", json_object_new_string(a));
	json_object_object_add(o, "to", json_object_new_string(b));
	if (p->proto == IPPROTO_TCP) {
		char f[64] = "";

		for (size_t i = 0; i < sizeof(tcp_flag_names) / sizeof(tcp_flag_names[0]); i++)
			if (p->tcp_flags & tcp_flag_names[i].bit)
				snprintf(f + strlen(f), sizeof(f) - strlen(f), "%s%s", f[0] ? "," : "",
					 tcp_flag_names[i].name);
		json_object_object_add(o, "flags", json_object_new_string(f));
	}
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		json_object_object_add(o, "type", json_object_new_int(p->icmp_type));
		json_object_object_add(o, "code", json_object_new_int(p->icmp_code));
	}
	return o;
}

static json_object *match_json(const struct ll_maps *m, const struct ll_explain_res *r)
{
	json_object *o = json_object_new_object();
	char buf[LL_SPEC_FMT_LEN + 64];

	if (r->rule_id >= 0) {
		struct ll_rule_rec rec = {};
		__u32 id = (__u32)r->rule_id;

		bpf_map_lookup_elem(m->fd[LL_MAP_RULE_RECS], &id, &rec);
		json_object_object_add(o, "kind", json_object_new_string(
			rec.kind == LL_RULE_ALLOW ? "allow" : "endpoint"));
		json_object_object_add(o, "id", json_object_new_int((int)id));
		if (rec.kind != LL_RULE_FREE && !ll_spec_format(&rec, buf, sizeof(buf)))
			json_object_object_add(o, "spec", json_object_new_string(buf));
		if (rec.name[0])
			json_object_object_add(o, "name", json_object_new_string(rec.name));
	} else if (r->flow) {
		const struct ll_flow_key *k = &r->flow_key;
		static const __u8 v4map[12] = { [10] = 0xff, [11] = 0xff };
		int v4 = !memcmp(k->remote, v4map, 12);
		char a[80], b[80], pn[16];

		addr_port(k->remote, v4, ntohs(k->remote_port), 1, a, sizeof(a));
		addr_port(k->local, v4, ntohs(k->local_port), 1, b, sizeof(b));
		snprintf(buf, sizeof(buf), "%s %s > %s", proto_name(k->proto, pn, sizeof(pn)), a, b);
		json_object_object_add(o, "kind", json_object_new_string("flow"));
		json_object_object_add(o, "spec", json_object_new_string(buf));
		json_object_object_add(o, "origin", json_object_new_string(
			r->flow_val.origin < LL_ORIGIN_MAX ? ll_origin_names[r->flow_val.origin] : "?"));
		json_object_object_add(o, "strict", json_object_new_boolean(
			r->flow_val.flags & LL_FLOW_F_STRICT));
	} else if (r->decided && r->reason == LL_PASS_ESSENTIAL) {
		json_object_object_add(o, "kind", json_object_new_string("essential"));
	} else {
		json_object_object_add(o, "kind", json_object_new_string("none"));
	}
	return o;
}

static json_object *verdict_json(const char *level, const struct ll_explain_res *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "level", json_object_new_string(level));
	json_object_object_add(o, "verdict", json_object_new_string(r->pass ? "pass" : "drop"));
	json_object_object_add(o, "reason", r->decided ?
			       json_object_new_string(ll_reason_names[r->reason]) : NULL);
	return o;
}

/* The interface a packet comes in on: dev, else the only attached one. */
static int pick_iface(const struct ll_maps *m, const char *dev, struct ll_iface *ifc, char *err,
		      size_t errlen)
{
	struct ll_iface list[16];

	if (dev) {
		int idx = (int)if_nametoindex(dev);

		if (!idx) {
			snprintf(err, errlen, "no interface '%s' in this network namespace", dev);
			return -ENODEV;
		}
		ll_iface_query(m->dir, idx, ifc);
	} else {
		int n = ll_iface_list(m->dir, list, 16);

		if (n < 0) {
			snprintf(err, errlen, "listing the attached interfaces: %s", strerror(-n));
			return n;
		}
		if (n != 1) {
			snprintf(err, errlen, "%s: say which one the packet comes in on with 'dev IF'",
				 n ? "lifeline is attached to several interfaces" :
				     "lifeline is attached to no interface");
			return -EINVAL;
		}
		*ifc = list[0];
	}
	return 0;
}

int ll_explain_cli(const struct ll_maps *m, struct ll_explain_pkt *p, const char *dev,
		   json_object **out, char *err, size_t errlen)
{
	struct ll_explain_src src = {
		.state = m->fd[LL_MAP_STATE], .flows = m->fd[LL_MAP_FLOWS],
		.rules = m->fd[LL_MAP_RULES], .allow = m->fd[LL_MAP_ALLOW],
		.rule_hosts = m->fd[LL_MAP_RULE_HOSTS], .allow_hosts = m->fd[LL_MAP_ALLOW_HOSTS],
		.remotes = m->fd[LL_MAP_REMOTES], .frags = m->fd[LL_MAP_FRAGS],
		.bucket = m->fd[LL_MAP_BUCKET], .pool = m->fd[LL_MAP_POOL],
	};
	struct ll_explain_res res[LL_LEVEL_MAX], now;
	struct ll_explain_req rq = { .strict = -1, .split = -1 };
	struct ll_iface ifc = {};
	__u8 frame[LL_EXPLAIN_FRAME_MAX];
	struct ll_explain x;
	json_object *o, *lv;
	int len, e, attached;

	*out = NULL;
	e = pick_iface(m, dev, &ifc, err, errlen);
	if (e)
		return e;
	attached = ifc.xdp_prog_id || ifc.tc_policy;
	rq.ifindex = (__u32)ifc.ifindex;
	rq.tc = ifc.tc_policy;
	src.progs = rq.tc ? LL_EXPLAIN_TC : LL_EXPLAIN_XDP;
	iface_mac(ifc.name, p->mac);
	len = ll_explain_frame(p, frame, sizeof(frame));
	if (len < 0) {
		snprintf(err, errlen, "building the packet: %s", strerror(-len));
		return len;
	}
	rq.frame = frame;
	rq.len = (__u32)len;
	e = ll_explain_open(&x, &src, err, errlen);
	if (e) {
		ll_explain_close(&x);
		return e;
	}
	rq.level = LL_EXPLAIN_LIVE;
	e = ll_explain_run(&x, &rq, &now);
	for (int l = 0; !e && l < LL_LEVEL_MAX; l++) {
		rq.level = l;
		e = ll_explain_run(&x, &rq, &res[l]);
	}
	ll_explain_close(&x);
	if (e) {
		snprintf(err, errlen, "running the packet through the datapath: %s", strerror(-e));
		return e;
	}
	o = json_object_new_object();
	json_object_object_add(o, "packet", packet_json(p));
	json_object_object_add(o, "dev", json_object_new_string(ifc.name));
	json_object_object_add(o, "hook", json_object_new_string(rq.tc ? "tc" : "xdp"));
	json_object_object_add(o, "attached", json_object_new_boolean(attached));
	json_object_object_add(o, "strict", json_object_new_boolean(m->state->strict));
	/* the registration as the lookup at elevated found it (critical's strict check may stop first) */
	json_object_object_add(o, "match", match_json(m, &res[LL_LEVEL_ELEVATED]));
	lv = json_object_new_array();
	for (int l = 0; l < LL_LEVEL_MAX; l++)
		json_object_array_add(lv, verdict_json(ll_level_names[l], &res[l]));
	json_object_object_add(o, "levels", lv);
	json_object_object_add(o, "now", verdict_json(ll_level_names[now.level < LL_LEVEL_MAX ?
								   now.level : 0], &now));
	*out = o;
	return 0;
}

/* A string member, NULL when absent or null. */
static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_get_string(v);
}

static const char *reason_text(json_object *v, const char *level)
{
	const char *r = jstr(v, "reason");

	if (!r)
		return strcmp(level, "none") ? "(not counted)" : "level none: not looked at";
	if (!strcmp(r, "pass_mgmt")) return "pass_mgmt: allow rule";
	if (!strcmp(r, "pass_flow")) return "pass_flow: exact flow";
	if (!strcmp(r, "pass_rule")) return "pass_rule: endpoint rule";
	if (!strcmp(r, "pass_essential")) return "pass_essential";
	if (!strcmp(r, "pass_budget")) return "pass_budget: unregistered, within the budget now";
	if (!strcmp(r, "drop_budget")) return "drop_budget: unregistered, over the budget now";
	if (!strcmp(r, "drop_critical")) return "drop_critical: unregistered";
	if (!strcmp(r, "drop_strict")) return "drop_strict: strict on, no local socket for it";
	if (!strcmp(r, "pass_lease_expired")) return "pass_lease_expired: the daemon's lease ran out";
	return r;
}

void ll_explain_print(json_object *o)
{
	json_object *pk = NULL, *m = NULL, *lv = NULL, *now = NULL;
	static const char *const hdr[] = { "LEVEL", "VERDICT", "REASON" };
	struct table t;
	const char *kind;

	json_object_object_get_ex(o, "packet", &pk);
	json_object_object_get_ex(o, "match", &m);
	json_object_object_get_ex(o, "levels", &lv);
	json_object_object_get_ex(o, "now", &now);
	printf("%s %s > %s", js(pk, "proto"), js(pk, "from"), js(pk, "to"));
	if (jstr(pk, "flags"))
		printf(" flags %s", jstr(pk, "flags"));
	if (jstr(pk, "type"))
		printf(" type %lld code %lld", ji(pk, "type"), ji(pk, "code"));
	printf(" dev %s (%s%s), strict %s\n", js(o, "dev"), js(o, "hook"),
	       ji(o, "attached") ? "" : "; NOT ATTACHED there: nothing decides",
	       ji(o, "strict") ? "on" : "off");
	kind = js(m, "kind");
	if (!strcmp(kind, "allow") || !strcmp(kind, "endpoint"))
		printf("matches %s rule %lld %s%s%s\n", kind, ji(m, "id"), js(m, "spec"),
		       jstr(m, "name") ? " name " : "", jstr(m, "name") ? jstr(m, "name") : "");
	else if (!strcmp(kind, "flow"))
		printf("matches flow %s (origin %s%s)\n", js(m, "spec"), js(m, "origin"),
		       ji(m, "strict") ? ", strict" : "");
	else if (!strcmp(kind, "essential"))
		printf("matches nothing registered: an essential packet (ARP, ND, ICMP errors)\n");
	else
		printf("matches nothing registered\n");
	table_init(&t, 3, 0, hdr);
	for (size_t i = 0; i < json_object_array_length(lv); i++) {
		json_object *v = json_object_array_get_idx(lv, i);

		table_row(&t, js(v, "level"), js(v, "verdict"), reason_text(v, js(v, "level")));
	}
	table_print(&t, stdout, "");
	table_free(&t);
	printf("now, at level %s: %s (%s)\n", js(now, "level"), js(now, "verdict"),
	       reason_text(now, js(now, "level")));
}

/* ---------------------------------------------------------------- explain --sockets */

/* One line of /proc/net/tcp or tcp6: an established connection, as its incoming packet. */
static int proc_tcp_line(const char *line, int v6, struct ll_explain_pkt *p)
{
	static const __u8 v4map[12] = { [10] = 0xff, [11] = 0xff };
	char la[33], ra[33];
	unsigned int lp, rp, st;
	__u32 w[4];

	if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%x %32[0-9A-Fa-f]:%x %x", la, &lp, ra, &rp, &st) != 5 ||
	    st != 1 /* TCP_ESTABLISHED */ || strlen(la) != (v6 ? 32u : 8u) || strlen(ra) != strlen(la))
		return 0;
	memset(p, 0, sizeof(*p));
	p->proto = IPPROTO_TCP;
	p->tcp_flags = 0x10;
	/* each 32-bit word as the kernel printed it: the address bytes in memory order */
	for (int pass = 0; pass < 2; pass++) {
		const char *a = pass ? ra : la;
		__u8 *out = pass ? p->src : p->dst;

		for (int i = 0; i < (v6 ? 4 : 1); i++) {
			char word[9];

			memcpy(word, a + 8 * i, 8);
			word[8] = 0;
			w[i] = (__u32)strtoul(word, NULL, 16);
		}
		if (v6) {
			memcpy(out, w, 16);
		} else {
			memcpy(out, v4map, 12);
			memcpy(out + 12, w, 4);
		}
	}
	p->v4 = !memcmp(p->src, v4map, 12) && !memcmp(p->dst, v4map, 12);
	p->dport = (__u16)lp;
	p->sport = (__u16)rp;
	/* loopback never crosses an attached interface */
	if ((p->v4 && p->src[12] == 127) ||
	    (!p->v4 && !memcmp(p->src, (const __u8[16]){ [15] = 1 }, 16)))
		return 0;
	return 1;
}

int ll_explain_sockets(const struct ll_maps *m, const char *dev, json_object **out, char *err,
		       size_t errlen)
{
	struct ll_explain_src src = {
		.state = m->fd[LL_MAP_STATE], .flows = m->fd[LL_MAP_FLOWS],
		.rules = m->fd[LL_MAP_RULES], .allow = m->fd[LL_MAP_ALLOW],
		.rule_hosts = m->fd[LL_MAP_RULE_HOSTS], .allow_hosts = m->fd[LL_MAP_ALLOW_HOSTS],
		.remotes = m->fd[LL_MAP_REMOTES], .frags = m->fd[LL_MAP_FRAGS],
		.bucket = m->fd[LL_MAP_BUCKET], .pool = m->fd[LL_MAP_POOL],
	};
	struct ll_explain_req rq = { .strict = -1, .split = -1, .level = LL_LEVEL_CRITICAL };
	json_object *o, *drop, *pass;
	struct ll_explain x;
	struct ll_iface ifc;
	int e, checked = 0;

	*out = NULL;
	e = pick_iface(m, dev, &ifc, err, errlen);
	if (e)
		return e;
	rq.ifindex = (__u32)ifc.ifindex;
	rq.tc = ifc.tc_policy;
	src.progs = rq.tc ? LL_EXPLAIN_TC : LL_EXPLAIN_XDP;
	e = ll_explain_open(&x, &src, err, errlen);
	if (e) {
		ll_explain_close(&x);
		return e;
	}
	drop = json_object_new_array();
	pass = json_object_new_array();
	for (int v6 = 0; !e && v6 < 2; v6++) {
		FILE *f = fopen(v6 ? "/proc/net/tcp6" : "/proc/net/tcp", "re");
		char line[512];

		if (!f)
			continue;	/* no IPv6 */
		while (!e && fgets(line, sizeof(line), f)) {
			struct ll_explain_pkt p;
			struct ll_explain_res r;
			__u8 frame[LL_EXPLAIN_FRAME_MAX];
			json_object *c;
			int len;

			if (!proc_tcp_line(line, v6, &p))
				continue;
			iface_mac(ifc.name, p.mac);
			len = ll_explain_frame(&p, frame, sizeof(frame));
			if (len < 0)
				continue;
			rq.frame = frame;
			rq.len = (__u32)len;
			e = ll_explain_run(&x, &rq, &r);
			if (e)
				break;
			checked++;
			c = packet_json(&p);
			json_object_object_add(c, "reason", r.decided ?
					       json_object_new_string(ll_reason_names[r.reason]) : NULL);
			json_object_object_add(c, "match", match_json(m, &r));
			json_object_array_add(r.pass ? pass : drop, c);
		}
		fclose(f);
	}
	ll_explain_close(&x);
	if (e) {
		json_object_put(drop);
		json_object_put(pass);
		snprintf(err, errlen, "running the connections through the datapath: %s",
			 strerror(-e));
		return e;
	}
	o = json_object_new_object();
	json_object_object_add(o, "dev", json_object_new_string(ifc.name));
	json_object_object_add(o, "hook", json_object_new_string(rq.tc ? "tc" : "xdp"));
	json_object_object_add(o, "attached", json_object_new_boolean(ifc.xdp_prog_id ||
								      ifc.tc_policy));
	json_object_object_add(o, "level", json_object_new_string("critical"));
	json_object_object_add(o, "checked", json_object_new_int(checked));
	json_object_object_add(o, "dropped", drop);
	json_object_object_add(o, "passed", pass);
	*out = o;
	return 0;
}

void ll_explain_sockets_print(json_object *o)
{
	static const char *const hdr[] = { "FROM", "TO", "REASON" };
	json_object *drop = NULL, *pass = NULL;
	struct table t;

	json_object_object_get_ex(o, "dropped", &drop);
	json_object_object_get_ex(o, "passed", &pass);
	printf("%lld established TCP connections checked as received on %s (%s%s) at critical: "
	       "%zu would pass, %zu would be dropped\n", ji(o, "checked"), js(o, "dev"), js(o, "hook"),
	       ji(o, "attached") ? "" : "; NOT ATTACHED there: nothing decides",
	       json_object_array_length(pass), json_object_array_length(drop));
	if (!json_object_array_length(drop))
		return;
	table_init(&t, 3, 0, hdr);
	for (size_t i = 0; i < json_object_array_length(drop); i++) {
		json_object *c = json_object_array_get_idx(drop, i);

		table_row(&t, js(c, "from"), js(c, "to"), js(c, "reason"));
	}
	table_print(&t, stdout, "");
	table_free(&t);
}
