// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline explain: the datapath's decision for one frame, run in a private
 * instance that shares the live rule tables (see explain.h). The frame
 * builder and the packet grammar are in explain_frame.c, the command's
 * output and explain --sockets in explain_show.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/if_ether.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "explain.h"
#include "maps.h"
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

/* Only the two programs that decide an ingress packet, on the live rule tables. */
static int open_progs_and_tables(struct lifeline_bpf *s, const struct ll_explain_src *src,
				 char *err, size_t errlen)
{
	struct bpf_program *prog;
	struct {
		struct bpf_map *map;
		int fd;
	} reuse[5];
	int e;

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
	return 0;
}

/* The private copies: the live sizes. */
static int size_private_maps(struct ll_explain *x, char *err, size_t errlen)
{
	const struct ll_explain_src *src = &x->src;
	struct lifeline_bpf *s = x->skel;
	struct bpf_map_info info;
	int e;

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
	return 0;
}

/* The loaded instance's maps, the two flow tables mapped, the per-CPU buffers. */
static int map_private_state(struct ll_explain *x, char *err, size_t errlen)
{
	struct lifeline_bpf *s = x->skel;
	size_t pc;
	int e;

	x->fd_state = bpf_map__fd(s->maps.ll_state);
	x->fd_flows = bpf_map__fd(s->maps.ll_flows);
	x->fd_hits = bpf_map__fd(s->maps.ll_rule_hits);
	x->fd_counters = bpf_map__fd(s->maps.ll_counters);
	x->fd_frags = bpf_map__fd(s->maps.ll_frags);
	x->fd_bucket = bpf_map__fd(s->maps.ll_bucket);
	x->fd_pool = bpf_map__fd(s->maps.ll_pool);

	x->live_b = mmap(NULL, x->flows_len, PROT_READ, MAP_SHARED, x->src.flows, 0);
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

int ll_explain_open(struct ll_explain *x, const struct ll_explain_src *src, char *err,
		    size_t errlen)
{
	struct lifeline_bpf *s;
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
	e = open_progs_and_tables(s, src, err, errlen);
	if (e)
		return e;
	e = size_private_maps(x, err, errlen);
	if (e)
		return e;
	e = lifeline_bpf__load(s);
	if (e)
		return fail(err, errlen, e, "loading the datapath object (explain instance)");
	return map_private_state(x, err, errlen);
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
	/* observe mode changes no verdict: explain's level none stays "not looked at" */
	st->observe = 0;
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

/* Runs the frame once through the hook's program; the return code in *retval. */
static int test_run(struct ll_explain *x, const struct ll_explain_req *r, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = r->frame, .data_size_in = r->len,
		    .repeat = 1);
	struct xdp_md xmd = {};
	struct __sk_buff skb = {};
	int prog;

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
	*retval = opts.retval;
	return 0;
}

/* The reason and the notes the run counted: the counters that moved. */
static void credited_reasons(__u32 hook, const __u64 *pk0, const __u64 *pk1,
			     struct ll_explain_res *out)
{
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
}

/* The rule the run counted a hit on, if any; the hit counts move on. */
static int credited_rule(struct ll_explain *x, struct ll_explain_res *out)
{
	__u64 *now = calloc(x->nhits, sizeof(__u64));
	int e;

	if (!now)
		return -ENOMEM;
	e = read_sums(x, x->fd_hits, x->nhits, now, NULL);
	for (__u32 id = 0; !e && id < x->nhits; id++)
		if (now[id] != x->hits[id]) {
			out->rule_id = id;
			x->hits[id] = now[id];
		}
	free(now);
	return e;
}

int ll_explain_run(struct ll_explain *x, const struct ll_explain_req *r, struct ll_explain_res *out)
{
	__u64 pk0[LL_COUNTER_SLOTS], pk1[LL_COUNTER_SLOTS];
	struct ll_state st;
	__u32 hook = r->tc ? LL_HOOK_TC_INGRESS : LL_HOOK_XDP, src, retval = 0;
	int e, expired;

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
	e = test_run(x, r, &retval);
	if (e)
		return e;
	out->retval = retval;
	if (r->tc ? retval != TC_ACT_OK_ && retval != TC_ACT_UNSPEC_ && retval != TC_ACT_SHOT_ :
		    retval != XDP_PASS_ && retval != XDP_DROP_)
		return -EPROTO;
	out->pass = r->tc ? retval != TC_ACT_SHOT_ : retval == XDP_PASS_;

	e = read_sums(x, x->fd_counters, LL_COUNTER_SLOTS, pk1, NULL);
	if (e)
		return e;
	credited_reasons(hook, pk0, pk1, out);
	e = credited_rule(x, out);
	if (e)
		return e;
	credited_flow(x, out);
	return 0;
}
