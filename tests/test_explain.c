// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline explain against the datapath, on the differential test's frames
 * (tests/test_diff.c, included whole: its scenarios, tables and frame
 * generator, untouched). Per scenario the tables go into a "live" instance
 * (ll_xdp and ll_tc_policy, each its own); per frame and instance, for the
 * live votes and for each level forced (none, elevated, critical):
 *   1. explain runs the frame (user/explain.c: a private instance over the
 *      live rule tables) and must leave every live map as it was: state,
 *      flow table (entries and hit counters), counters, rule hits, budget
 *      bucket and pool, remembered fragments, the remote prefilter;
 *   2. the frame then runs through the live instance, at that level;
 *   3. both must agree on the verdict, on the reason counted (or none: the
 *      fast path), on the notes, and on the matched object: the rule whose
 *      hit counter moved, the flow whose entry counted the frame.
 * A frame either side refuses (too short for the hook) must be refused by
 * both.
 *
 *   build/tests/test_explain                  5,000 frames (the first of test_diff's), fixed seed
 *   build/tests/test_explain --frames 200000   every frame test_diff runs by default
 *   build/tests/test_explain --frames N --seed S [-t diff/fragments]
 */
#define main test_diff_main
#include "test_diff.c"
#undef main
#include "explain.h"

#define EX_MAX_FLOWS 64
#define EX_MAX_RULES 64		/* rule ids: 2 * 64 >= HIT_IDS */

enum { EX_XDP = 0, EX_TC, EX_NINST };
static struct inst li[EX_NINST];
static struct ll_explain ex[EX_NINST];
static __u64 ex_runs, ex_mismatches, ex_refused, ex_reasons[EX_NINST][LL_REASON_MAX + 1];
static __u64 ex_rule_hits, ex_flow_hits;
static int ex_printed;
static int ex_nfrags[EX_NINST];	/* fragments the live instance remembers, after the last run */

static int load_live(struct inst *i, int tc, char *err, size_t errlen)
{
	const struct instance_opts o = {
		.flow_buckets = ll_flow_buckets(EX_MAX_FLOWS),
		.rules = EX_MAX_RULES,
		.only = tc ? "ll_tc_policy" : "ll_xdp",
	};
	struct ll_explain_src src;
	struct lifeline_bpf *s;
	int e = instance_open(&i->skel, &i->ft, &o);

	if (e)
		return e;
	s = i->skel;
	e = inst_maps(i, tc ? s->progs.ll_tc_policy : s->progs.ll_xdp,
		      tc ? LL_HOOK_TC_INGRESS : LL_HOOK_XDP);
	if (e)
		return e;
	src = (struct ll_explain_src){
		.state = i->fd_state, .flows = i->fd_flows, .rules = i->fd_rules,
		.allow = i->fd_allow, .rule_hosts = i->fd_rhosts, .allow_hosts = i->fd_ahosts,
		.remotes = bpf_map__fd(s->maps.ll_remotes), .frags = i->fd_frags,
		.bucket = i->fd_bucket, .pool = i->fd_pool,
		.progs = tc ? LL_EXPLAIN_TC : LL_EXPLAIN_XDP,
	};
	return ll_explain_open(&ex[tc], &src, err, errlen);
}

/* Everything of the live instance that explain must not change. */
struct live_snap {
	struct ll_state st;
	struct ll_bucket b[64];
	struct ll_pool pool;
	__u64 pk[LL_COUNTER_SLOTS], by[LL_COUNTER_SLOTS], hp[HIT_IDS], hb[HIT_IDS];
	__u8 flows[sizeof(struct ll_flow_bucket) * 32];
	int nfrags;
	__u64 remotes;		/* hash of the remote prefilter (shared with explain, read-only) */
};

/* n bytes, a multiple of 8, hashed by words */
static __u64 fnv(const void *p, size_t n)
{
	const __u64 *w = p;
	__u64 h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n / 8; i++)
		h = (h ^ w[i] ^ (w[i] >> 29)) * 0x100000001b3ULL;
	return h;
}

static int snap_live(const struct inst *i, struct live_snap *s)
{
	__u32 zero = 0;
	struct ll_frag_key k, n;
	int first = 1;

	memset(s, 0, sizeof(*s));
	if (i->ft.len > sizeof(s->flows) || ncpus > 64)
		return -E2BIG;
	if (bpf_map_lookup_elem(i->fd_state, &zero, &s->st) ||
	    bpf_map_lookup_elem(i->fd_bucket, &zero, s->b) ||
	    bpf_map_lookup_elem(i->fd_pool, &zero, &s->pool))
		return -errno;
	if (read_sums(i->fd_counters, LL_COUNTER_SLOTS, s->pk, s->by) ||
	    read_sums(i->fd_hits, HIT_IDS, s->hp, s->hb))
		return -EIO;
	memcpy(s->flows, i->ft.b, i->ft.len);
	s->remotes = fnv(i->ft.rc, sizeof(struct ll_remote_cnt) * LL_REMOTE_ENTRIES);
	while (!bpf_map_get_next_key(i->fd_frags, first ? NULL : &k, &n)) {
		first = 0;
		k = n;
		s->nfrags++;
	}
	return 0;
}

/* Runs f through the live instance as explain reports it: verdict, reason, notes, match. */
static int dp_run(struct inst *i, const struct frame *f, int split, struct ll_explain_res *out,
		  const struct live_snap *before)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = (__u32)f->len,
		    .repeat = 1);
	struct xdp_md xmd = {};
	struct live_snap *after = calloc(1, sizeof(*after));
	const struct ll_flow_bucket *b0 = (const void *)before->flows;
	int e;

	memset(out, 0, sizeof(*out));
	out->rule_id = -1;
	if (!after)
		return -ENOMEM;
	if (i->hook == LL_HOOK_XDP && split >= 0 && (size_t)split < f->len) {
		xmd.data_end = (__u32)split;
		opts.ctx_in = &xmd;
		opts.ctx_size_in = sizeof(xmd);
	}
	if (bpf_prog_test_run_opts(i->prog_fd, &opts)) {
		e = -errno;
		free(after);
		return e;
	}
	out->retval = opts.retval;
	out->pass = i->hook == LL_HOOK_XDP ? opts.retval == XDP_PASS : opts.retval != 2;	/* TC_ACT_SHOT drops; OK or UNSPEC pass */
	e = snap_live(i, after);
	if (e) {
		free(after);
		return e;
	}
	ex_nfrags[i == &li[EX_TC]] = after->nfrags;
	for (__u32 r = 0; r < LL_REASON_MAX; r++) {
		__u32 k = LL_COUNTER_IDX(i->hook, r);

		if (after->pk[k] == before->pk[k])
			continue;
		if (r >= LL_FIRST_NOTE) {
			out->notes |= 1U << (r - LL_FIRST_NOTE);
		} else {
			out->decided = 1;
			out->reason = r;
		}
	}
	for (int k = 0; k < HIT_IDS; k++)
		if (after->hp[k] != before->hp[k])
			out->rule_id = k;
	for (__u32 bk = 0; bk < i->ft.nbuckets; bk++)
		for (int w = 0; w < LL_FLOW_WAYS; w++)
			if ((i->ft.b[bk].tag[w] & 1) &&
			    i->ft.b[bk].e[w].val.packets != b0[bk].e[w].val.packets) {
				out->flow = 1;
				out->flow_key = i->ft.b[bk].e[w].key;
			}
	free(after);
	return 0;
}

static const char *res_str(const struct ll_explain_res *r, char *buf, size_t len)
{
	char fk[192] = "";

	if (r->flow) {
		char a[64], b[64];

		addr_str(r->flow_key.remote, a, sizeof(a));
		addr_str(r->flow_key.local, b, sizeof(b));
		snprintf(fk, sizeof(fk), " flow %u %s:%u>%s:%u", r->flow_key.proto, a,
			 ntohs(r->flow_key.remote_port), b, ntohs(r->flow_key.local_port));
	}
	snprintf(buf, len, "%s (retval %u) reason %s notes 0x%x rule %ld%s",
		 r->pass ? "pass" : "drop", r->retval, r->decided ? ll_reason_names[r->reason] :
		 "(not counted)", r->notes, r->rule_id, fk);
	return buf;
}

static int same(const struct ll_explain_res *a, const struct ll_explain_res *b)
{
	__u32 mask = ~(1U << (LL_NOTE_EVENT_LOST - LL_FIRST_NOTE));

	return a->pass == b->pass && a->retval == b->retval && a->decided == b->decided &&
	       (!a->decided || a->reason == b->reason) && (a->notes & mask) == (b->notes & mask) &&
	       a->rule_id == b->rule_id && a->flow == b->flow &&
	       (!a->flow || !memcmp(&a->flow_key, &b->flow_key, sizeof(a->flow_key)));
}

static void mismatch(const struct ctx *c, int k, int level, const struct frame *f,
		     const char *what)
{
	ex_mismatches++;
	if (ex_printed++ >= MAX_PRINTED)
		return;
	fprintf(stderr, "FAIL %s: %s, scenario %d frame %d, instance %s, level %s: %s\n     %s\n",
		families[c->fam].name, what, c->scen, c->frame, k ? "tc_policy" : "xdp",
		level == LL_EXPLAIN_LIVE ? "live" : ll_level_names[level], f->desc, mism);
	hexdump(f->b, f->len);
	print_scenario(c->sc);
}

/* One frame, one instance, one level: explain, check nothing moved, datapath, compare. */
static void check_frame(struct ctx *c, int k, const struct frame *f, int level)
{
	struct inst *i = &li[k];
	struct ll_explain_req rq = { .frame = f->b, .len = (__u32)f->len, .tc = k == EX_TC,
				     .level = level, .strict = -1,
				     .split = k == EX_XDP ? xdp_split(c, f) : -1 };
	struct ll_explain_res er, dr;
	struct live_snap *s0 = calloc(1, sizeof(*s0)), *s1 = calloc(1, sizeof(*s1));
	struct ll_state forced;
	__u32 zero = 0;
	char b1[384], b2[384];
	int ee, de;

	mism[0] = 0;
	if (!s0 || !s1 || snap_live(i, s0)) {
		TEST_FAIL_MSG("reading the live instance");
		goto out;
	}
	ee = ll_explain_run(&ex[k], &rq, &er);
	if (snap_live(i, s1)) {
		TEST_FAIL_MSG("reading the live instance");
		goto out;
	}
	if (memcmp(&s0->st, &s1->st, sizeof(s0->st)) || memcmp(s0->b, s1->b, sizeof(s0->b)) ||
	    memcmp(&s0->pool, &s1->pool, sizeof(s0->pool)) ||
	    memcmp(s0->pk, s1->pk, sizeof(s0->pk)) || memcmp(s0->by, s1->by, sizeof(s0->by)) ||
	    memcmp(s0->hp, s1->hp, sizeof(s0->hp)) || memcmp(s0->hb, s1->hb, sizeof(s0->hb)) ||
	    memcmp(s0->flows, s1->flows, sizeof(s0->flows)) || s0->nfrags != s1->nfrags ||
	    s0->remotes != s1->remotes)
		mismatch(c, k, level, f, "explain changed the live instance");
	/* the datapath at the same level: the live state with the same override */
	forced = s0->st;
	if (level != LL_EXPLAIN_LIVE) {
		forced.override_active = 1;
		forced.override.level = (__u32)level;
		forced.override.source = LL_SRC_MANUAL;
		forced.override.expires_ns = 0;
		if (bpf_map_update_elem(i->fd_state, &zero, &forced, 0)) {
			TEST_FAIL_MSG("forcing the level");
			goto out;
		}
	}
	de = dp_run(i, f, rq.split, &dr, s1);
	if (level != LL_EXPLAIN_LIVE && bpf_map_update_elem(i->fd_state, &zero, &s0->st, 0)) {
		TEST_FAIL_MSG("restoring the state");
		goto out;
	}
	ex_runs++;
	/* a take from a full pool leaves it at a time-dependent point: empty it again */
	{
		struct ll_pool p;

		if (!bpf_map_lookup_elem(i->fd_pool, &zero, &p) && p.takes != s0->pool.takes) {
			p.paid_ns = ll_now_ns() + 3600 * NS;
			bpf_map_update_elem(i->fd_pool, &zero, &p, 0);
		}
	}
	if (ee || de) {
		if (ee != de && !(ee == -EINVAL && de == -EINVAL)) {
			snprintf(mism, sizeof(mism), "explain: %s, datapath run: %s",
				 ee ? strerror(-ee) : "ran", de ? strerror(-de) : "ran");
			mismatch(c, k, level, f, "one side refused the frame");
		} else {
			ex_refused++;
		}
		goto out;
	}
	ex_reasons[k][dr.decided ? dr.reason : LL_REASON_MAX]++;
	ex_rule_hits += dr.rule_id >= 0;
	ex_flow_hits += dr.flow;
	if (!same(&er, &dr)) {
		snprintf(mism, sizeof(mism), "explain:  %s\n     datapath: %s",
			 res_str(&er, b1, sizeof(b1)), res_str(&dr, b2, sizeof(b2)));
		mismatch(c, k, level, f, "explain and the datapath disagree");
	}
out:
	free(s0);
	free(s1);
}

static void ex_family(enum family fam, __u64 frames)
{
	__u64 quota = frames * (__u64)families[fam].share / 100, done = 0;
	struct ctx c = { .seed = opt_seed, .frames_total = frames, .fam = fam };
	struct gen g = {};
	struct scen *sc = calloc(1, sizeof(*sc));
	struct frame *f = calloc(1, sizeof(*f));
	__u64 before = ex_mismatches;

	if (!sc || !f) {
		TEST_FAIL_MSG("out of memory");
		goto out;
	}
	gen_seed(&g, fam);	/* the same generator and seed as test_diff's run_family */
	for (c.scen = 0; done < quota; c.scen++) {
		int n = scen_next(&g, &c, sc, li, EX_NINST);

		if (n < 0)
			break;
		for (c.frame = 0; c.frame < n && done < quota; c.frame++, g.idx++) {
			gen_frame(&g, f);
			for (int k = 0; k < EX_NINST; k++) {
				check_frame(&c, k, f, LL_EXPLAIN_LIVE);
				for (int l = 0; l < LL_LEVEL_MAX; l++)
					check_frame(&c, k, f, l);
			}
			done++;
			c.fam_frame++;
			/* where test_diff ends a scenario early, so are the frames its own */
			if (ex_nfrags[EX_XDP] > 1000 || ex_nfrags[EX_TC] > 1000)
				break;
		}
		scen_free(sc);
		if (ex_mismatches - before >= MAX_PRINTED)
			break;	/* enough said */
	}
out:
	if (ex_mismatches != before)
		TEST_FAIL_MSG("%llu mismatches", ex_mismatches - before);
	free(sc);
	free(f);
}

/*
 * Regression: the live flow table's hit counters. The datapath counts a
 * flow's packets in its entry; explain over the live table would move them.
 */
static void test_flow_counters_still(void)
{
	struct inst *i = &li[EX_XDP];
	struct scen *s = calloc(1, sizeof(*s));
	struct ll_explain_pkt p = { .proto = IPPROTO_TCP, .v4 = 1, .sport = 10809, .dport = 40000,
				    .tcp_flags = 0x10 };
	struct ll_explain_req rq = { .tc = 0, .level = LL_LEVEL_CRITICAL, .strict = 0, .split = -1 };
	struct ll_explain_res r;
	__u8 buf[LL_EXPLAIN_FRAME_MAX];
	struct ll_flow_val v;
	int len;

	if (!s) {
		TEST_FAIL_MSG("out of memory");
		return;
	}
	s->nflows = 1;
	s->flows[0].proto = IPPROTO_TCP;
	addr16("198.51.100.7", s->flows[0].remote);
	addr16("192.0.2.1", s->flows[0].local);
	s->flows[0].remote_port = htons(10809);
	s->flows[0].local_port = htons(40000);
	if (!ASSERT_EQ(install(i, s), 0, "install"))
		goto out;
	memcpy(p.src, s->flows[0].remote, 16);
	memcpy(p.dst, s->flows[0].local, 16);
	len = ll_explain_frame(&p, buf, sizeof(buf));
	if (!ASSERT_TRUE(len > 0, "frame built"))
		goto out;
	rq.frame = buf;
	rq.len = (__u32)len;
	for (int n = 0; n < 3; n++) {
		if (!ASSERT_EQ(ll_explain_run(&ex[EX_XDP], &rq, &r), 0, "explain runs"))
			goto out;
		ASSERT_TRUE(r.pass && r.decided && r.reason == LL_PASS_FLOW, "explain: pass_flow");
		ASSERT_TRUE(r.flow && !memcmp(&r.flow_key, &s->flows[0], sizeof(r.flow_key)),
			    "explain names the flow");
	}
	if (ASSERT_EQ(flow_get(i, &s->flows[0], &v), 0, "flow present"))
		ASSERT_EQ(v.packets, 0, "the live flow's packet counter after 3 explains");
out:
	free(s);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "frames", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	__u64 frames = 5000;
	char err[256];
	cpu_set_t set;
	int o;

	test_init(argc, argv);
	while ((o = getopt_long(argc, argv, "t:v", lo, NULL)) != -1) {
		if (o == 'n')
			frames = strtoull(optarg, NULL, 0);
		else if (o == 's')
			opt_seed = strtoull(optarg, NULL, 0);
		else if (o != 't' && o != 'v') {
			fprintf(stderr, "usage: test_explain [--frames N] [--seed S] [-t NAME] [-v]\n");
			return 2;
		}
	}
	libbpf_set_print(quiet);
	/* one CPU: the datapath run and explain's copy of the bucket are this CPU's */
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (my_cpu = 0; my_cpu < CPU_SETSIZE && !CPU_ISSET(my_cpu, &set); my_cpu++)
			;
		CPU_ZERO(&set);
		CPU_SET(my_cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	ncpus = libbpf_num_possible_cpus();
	pcbuf = calloc((size_t)(ncpus > 0 ? ncpus : 1) * (LL_COUNTER_SLOTS + HIT_IDS),
		       sizeof(struct ll_counter));
	if (ncpus <= 0 || !pcbuf || load_live(&li[EX_XDP], 0, err, sizeof(err)) ||
	    load_live(&li[EX_TC], 1, err, sizeof(err))) {
		fprintf(stderr, "FAIL setup (root needed to load the datapath): %s\n", err);
		tst.failed++;
		return test_summary();
	}
	TEST_RUN("explain/live flow counters stay still", test_flow_counters_still);
	for (int fam = 0; fam < FAM_MAX; fam++) {
		char name[64];

		snprintf(name, sizeof(name), "explain/%s", families[fam].name);
		TEST_RUN(name, ex_family, (enum family)fam, frames);
	}
	printf("test_explain: seed %llu, %llu frames, %llu runs compared (explain then datapath,"
	       " xdp and tc_policy, live level and each level forced), %llu refused by both,"
	       " %llu with a rule hit, %llu with a flow hit, %llu mismatches\n",
	       opt_seed, frames, ex_runs, ex_refused, ex_rule_hits, ex_flow_hits, ex_mismatches);
	if (tst.verbose)
		for (int k = 0; k < EX_NINST; k++) {
			printf("coverage %s:", k ? "tc_policy" : "xdp");
			for (int r = 0; r <= LL_REASON_MAX; r++)
				if (ex_reasons[k][r])
					printf(" %s=%llu", r < LL_REASON_MAX ? ll_reason_names[r] :
					       "not_counted", ex_reasons[k][r]);
			printf("\n");
		}
	for (int k = 0; k < EX_NINST; k++) {
		ll_explain_close(&ex[k]);
		ring_buffer__free(li[k].rb);
		lifeline_bpf__destroy(li[k].skel);
	}
	free(pcbuf);
	return test_summary();
}
