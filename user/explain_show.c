// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline explain: the command (one packet at every level, or every
 * established TCP connection at critical) and its output (see explain.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "attach.h"
#include "explain.h"
#include "explain_int.h"
#include "maps.h"
#include "out.h"
#include "spec.h"

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

		for (size_t i = 0; i < ll_tcp_flag_count; i++)
			if (p->tcp_flags & ll_tcp_flag_names[i].bit)
				snprintf(f + strlen(f), sizeof(f) - strlen(f), "%s%s", f[0] ? "," : "",
					 ll_tcp_flag_names[i].name);
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

/* The live maps an explain instance reads (the programs are chosen later). */
static struct ll_explain_src explain_src_of(const struct ll_maps *m)
{
	return (struct ll_explain_src){
		.state = m->fd[LL_MAP_STATE], .flows = m->fd[LL_MAP_FLOWS],
		.rules = m->fd[LL_MAP_RULES], .allow = m->fd[LL_MAP_ALLOW],
		.rule_hosts = m->fd[LL_MAP_RULE_HOSTS], .allow_hosts = m->fd[LL_MAP_ALLOW_HOSTS],
		.remotes = m->fd[LL_MAP_REMOTES], .frags = m->fd[LL_MAP_FRAGS],
		.bucket = m->fd[LL_MAP_BUCKET], .pool = m->fd[LL_MAP_POOL],
	};
}

int ll_explain_cli(const struct ll_maps *m, struct ll_explain_pkt *p, const char *dev,
		   json_object **out, char *err, size_t errlen)
{
	struct ll_explain_src src = explain_src_of(m);
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

/*
 * Runs each established connection of /proc/net/tcp (v6: tcp6) through the
 * instance and files it under drop or pass; *checked counts them.
 */
static int check_proc_tcp(const struct ll_maps *m, struct ll_explain *x, struct ll_explain_req *rq,
			  const char *dev, int v6, json_object *drop, json_object *pass,
			  int *checked)
{
	FILE *f = fopen(v6 ? "/proc/net/tcp6" : "/proc/net/tcp", "re");
	char line[512];
	int e = 0;

	if (!f)
		return 0;	/* no IPv6 */
	while (!e && fgets(line, sizeof(line), f)) {
		struct ll_explain_pkt p;
		struct ll_explain_res r;
		__u8 frame[LL_EXPLAIN_FRAME_MAX];
		json_object *c;
		int len;

		if (!proc_tcp_line(line, v6, &p))
			continue;
		iface_mac(dev, p.mac);
		len = ll_explain_frame(&p, frame, sizeof(frame));
		if (len < 0)
			continue;
		rq->frame = frame;
		rq->len = (__u32)len;
		e = ll_explain_run(x, rq, &r);
		if (e)
			break;
		(*checked)++;
		c = packet_json(&p);
		json_object_object_add(c, "reason", r.decided ?
				       json_object_new_string(ll_reason_names[r.reason]) : NULL);
		json_object_object_add(c, "match", match_json(m, &r));
		json_object_array_add(r.pass ? pass : drop, c);
	}
	fclose(f);
	return e;
}

int ll_explain_sockets(const struct ll_maps *m, const char *dev, json_object **out, char *err,
		       size_t errlen)
{
	struct ll_explain_src src = explain_src_of(m);
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
	for (int v6 = 0; !e && v6 < 2; v6++)
		e = check_proc_tcp(m, &x, &rq, ifc.name, v6, drop, pass, &checked);
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
