// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Differential test of the datapath: seeded random scenarios (flow tables,
 * allow and endpoint rules, votes, leases, token-bucket states) and frames
 * (valid, mutated, truncated, random bytes, fragments in and out of order)
 * go through ll_xdp, through ll_tc_policy (attach --mode tc), through
 * ll_tc_ingress of an instance loaded with ll_assume_pfmemalloc = 1 (see
 * tests/test_datapath.c), and through the
 * reference model in tests/diff_model.h, written from the documentation.
 * After every frame: the verdict, every counter slot of the hook (packets
 * and bytes, one batched read), the rule hit counters, the flow's hit
 * counter and the ring-buffer events must agree. At the end of each
 * scenario: all flow and rule hit counters, the remembered fragments, the
 * token bucket and the state.
 *
 *   build/tests/test_diff                      200,000 frames (~580,000 runs), fixed seed, ~8 s
 *   build/tests/test_diff --frames 10000000    the long run (make fuzz), ~5 min
 *   build/tests/test_diff --seed S -t fragments  one family, another seed
 *   build/tests/test_diff --mimic LIST         look past known datapath divergences
 *
 * A mismatch prints the frame (hex), what the generator built and which
 * mutation, the seed, family, scenario and frame index, the scenario's
 * tables and the command that reproduces it; the scenario then ends (a
 * diverged model would only repeat it). Families draw from their own
 * generator, so -t NAME with the same --seed and --frames replays a family
 * exactly. Mismatches that a known divergence between the documentation
 * and the datapath explains are labelled with it (see --mimic and
 * diff_model.h); the rest are counted "unexplained".
 *
 * "diff/budget pool grants the rate over real time" checks what the frozen
 * pool leaves out: the credit that accrues with time.
 *
 * The charge of an unregistered frame is the memory the kernel gave it (XDP:
 * frame_sz plus the sk_buff; tc: skb->truesize), which the model cannot
 * derive from the slab sizes: the test measures it once per frame length
 * and instance (calibrate()) and checks only its shape there (one XDP frame
 * size; a truesize that grows with the length and holds the frame).
 *
 * Test-only settings: the event interval is 0 (every event is emitted, so
 * the ring buffer can be compared per frame and note_event_lost must stay
 * 0), the process is pinned to one CPU (the per-CPU bucket the model
 * follows), and the host's pool is empty (paid an hour ahead) or full
 * (untouched for longer than its depth lasts); after a take the test
 * checks it and empties it again.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "testlib.h"
#include "maps.h"
#include "rules.h"
#include "diff_model.h"
#include "lifeline.skel.h"
#include "instance.h"

TEST_STATE_DEFINE;

#define FRAME_MAX 2048
#define HIT_IDS DM_RULE_IDS
#define MAX_PRINTED 5		/* detailed mismatch reports per family */
#define NS 1000000000ULL

/* ------------------------------------------------------------ random */

struct rng {
	__u64 s;
};

static __u64 rnd(struct rng *r)
{
	__u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 rn(struct rng *r, __u32 n)
{
	return n ? (__u32)(rnd(r) % n) : 0;
}

static int chance(struct rng *r, int pct)
{
	return (int)rn(r, 100) < pct;
}

#define PICK(r, arr) ((arr)[rn(r, sizeof(arr) / sizeof((arr)[0]))])

/* ------------------------------------------------------------ instances */

enum { XDP = 0, PFM = 1, TCP_POLICY = 2, NINST };
static const char *const inst_names[NINST] = { "xdp", "tc_ingress(pfmemalloc)", "tc_policy" };

struct inst {
	struct lifeline_bpf *skel;
	int prog_fd, hook;
	struct ll_flowtab ft;	/* ll_flows, mapped */
	int fd_state, fd_flows, fd_rules, fd_allow, fd_rhosts, fd_ahosts, fd_hits, fd_counters,
	    fd_frags, fd_bucket, fd_pool, fd_evlimit;
	__u64 charge[FRAME_MAX + 1];	/* measured per frame length (calibrate) */
	struct ll_pool pool_written;	/* the pool as the test last wrote it */
	struct ring_buffer *rb;
	int ev[LL_EV_MAX + 1];		/* events seen since the last drain, [LL_EV_MAX]: bad type */
	struct ll_event ev_last;
	__u64 snap_pk[LL_COUNTER_SLOTS], snap_by[LL_COUNTER_SLOTS];
	__u64 hit_pk[HIT_IDS], hit_by[HIT_IDS];	/* datapath's, at scenario start */
	struct dm_inst m;
	struct ll_state written;	/* the state as the scenario wrote it */
};

static struct inst in[NINST];
static int ncpus, my_cpu;
static void *pcbuf;		/* per-CPU values scratch */

static int ev_cb(void *ctx, void *data, size_t sz)
{
	struct inst *i = ctx;
	const struct ll_event *e = data;

	if (sz < sizeof(*e) || e->type >= LL_EV_MAX) {
		i->ev[LL_EV_MAX]++;
		return 0;
	}
	i->ev[e->type]++;
	i->ev_last = *e;
	return 0;
}

static int flow_get(const struct inst *i, const struct ll_flow_key *k, struct ll_flow_val *v)
{
	const struct ll_flow_entry *e = ll_flowtab_find(&i->ft, k);

	if (!e)
		return -ENOENT;
	*v = e->val;
	return 0;
}

/* The loaded instance's program (prog), hook, map descriptors and ring buffer. */
static int inst_maps(struct inst *i, struct bpf_program *prog, int hook)
{
	struct lifeline_bpf *s = i->skel;

	i->prog_fd = bpf_program__fd(prog);
	i->hook = hook;
	i->fd_state = bpf_map__fd(s->maps.ll_state);
	i->fd_flows = bpf_map__fd(s->maps.ll_flows);
	i->fd_rules = bpf_map__fd(s->maps.ll_rules);
	i->fd_allow = bpf_map__fd(s->maps.ll_allow);
	i->fd_rhosts = bpf_map__fd(s->maps.ll_rule_hosts);
	i->fd_ahosts = bpf_map__fd(s->maps.ll_allow_hosts);
	i->fd_hits = bpf_map__fd(s->maps.ll_rule_hits);
	i->fd_counters = bpf_map__fd(s->maps.ll_counters);
	i->fd_frags = bpf_map__fd(s->maps.ll_frags);
	i->fd_bucket = bpf_map__fd(s->maps.ll_bucket);
	i->fd_pool = bpf_map__fd(s->maps.ll_pool);
	i->fd_evlimit = bpf_map__fd(s->maps.ll_evlimit);
	i->rb = ring_buffer__new(bpf_map__fd(s->maps.ll_events), ev_cb, i, NULL);
	return i->rb ? 0 : -errno;
}

/* pfm: ll_tc_ingress with every skb reserve-backed; tc: ll_tc_policy (attach --mode tc) */
static int load(struct inst *i, int pfm, int tc)
{
	const struct instance_opts o = {
		.assume_pfm = pfm,
		.every_event = 1,	/* every event emitted: compared per frame */
		.count_fast = 1,	/* ll_fast_frames: compared per frame */
	};
	int err = instance_open(&i->skel, &i->ft, &o);

	if (err)
		return err;
	err = inst_maps(i, pfm ? i->skel->progs.ll_tc_ingress :
			   tc ? i->skel->progs.ll_tc_policy : i->skel->progs.ll_xdp,
			pfm || tc ? LL_HOOK_TC_INGRESS : LL_HOOK_XDP);
	if (err)
		return err;
	i->m.pfm = pfm;
	return 0;
}

/* Reads entries 0..n-1 of a per-CPU array and sums them (struct ll_counter values). */
static int read_sums(int fd, __u32 n, __u64 *pk, __u64 *by)
{
	__u32 keys[n], count = n, out = 0;
	struct ll_counter *v = pcbuf;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int err = bpf_map_lookup_batch(fd, NULL, &out, keys, v, &count, &opts);

	if (err && errno != ENOENT)
		return -errno;
	if (count != n)
		return -EIO;
	for (__u32 k = 0; k < n; k++) {
		pk[k] = by[k] = 0;
		for (int c = 0; c < ncpus; c++) {
			pk[k] += v[(size_t)k * ncpus + c].packets;
			by[k] += v[(size_t)k * ncpus + c].bytes;
		}
	}
	return 0;
}

static int clear_map(int fd)
{
	__u8 next[64];

	while (!bpf_map_get_next_key(fd, NULL, next))
		if (bpf_map_delete_elem(fd, next))
			return -errno;
	return 0;
}

/* ------------------------------------------------------------ scenario */

enum family {
	FAM_MIXED = 0,
	FAM_FRAGS,
	FAM_TRUNC,
	FAM_MALFORMED,
	FAM_BUDGET,
	FAM_VOTES,
	FAM_MAX,
};

static const struct {
	const char *name;
	int share;		/* percent of the frames */
} families[FAM_MAX] = {
	[FAM_MIXED] = { "diff/mixed", 35 },
	[FAM_FRAGS] = { "diff/fragments", 15 },
	[FAM_TRUNC] = { "diff/truncation", 15 },
	[FAM_MALFORMED] = { "diff/malformed", 15 },
	[FAM_BUDGET] = { "diff/budget", 10 },
	[FAM_VOTES] = { "diff/votes", 10 },
};

struct scen {
	struct ll_state st;
	struct ll_bucket bucket;	/* every CPU's */
	struct ll_pool pool;
	int refill;			/* the pool full (untouched for long); else empty */
	struct ll_flow_key flows[DM_MAX_FLOWS];
	__u32 flow_origin[DM_MAX_FLOWS];
	int nflows;
	struct ll_rule_rec recs[2][DM_MAX_RULES];
	__u32 ids[2][DM_MAX_RULES];
	int nrecs[2];
	struct ll_rule_entry *ents[2];
	size_t nents[2];
};

static const char *const v4_pool[] = {
	"198.51.100.7", "198.51.100.30", "198.51.100.130", "198.51.100.200", "198.51.100.0",
	"203.0.113.20", "203.0.113.50", "203.0.113.255", "192.0.2.77", "192.0.2.1", "192.0.2.2",
};
static const char *const v6_pool[] = {
	"2001:db8:1::7", "2001:db8:2::20", "2001:db8:3::50", "2001:db8:4::77", "2001:db8:9::9",
	"2001:db8::1", "2001:db8::2", "2001:db8:2:1::20", "2001:db8:ffff::1", "2001:db8::",
};
static const char *const local4[] = { "192.0.2.1", "192.0.2.2" };
static const char *const local6[] = { "2001:db8::1", "2001:db8::2" };
static const __u16 port_pool[] = { 0,    1,     22,    53,    80,    443,   2049,  3260,
				   3300, 4420,  6789,  6800,  7300,  10809, 10900, 10999,
				   11000, 40000, 45000, 65535 };

static void addr16(const char *s, __u8 out[16])
{
	memset(out, 0, 16);
	if (strchr(s, ':')) {
		inet_pton(AF_INET6, s, out);
	} else {
		out[10] = out[11] = 0xff;
		inet_pton(AF_INET, s, out + 12);
	}
}

static void rand_addr(struct rng *r, int v6, __u8 out[16])
{
	static const __u8 nets4[3][3] = { { 192, 0, 2 }, { 198, 51, 100 }, { 203, 0, 113 } };

	if (chance(r, 60)) {
		addr16(v6 ? PICK(r, v6_pool) : PICK(r, v4_pool), out);
		return;
	}
	memset(out, 0, 16);
	if (!v6) {
		const __u8 *n = nets4[rn(r, 3)];

		out[10] = out[11] = 0xff;
		memcpy(out + 12, n, 3);
		out[15] = (__u8)rnd(r);
		return;
	}
	out[0] = 0x20;
	out[1] = 0x01;
	out[2] = 0x0d;
	out[3] = 0xb8;
	out[5] = (__u8)rn(r, 5);	/* 2001:db8:0..4:: */
	if (chance(r, 20))
		out[7] = (__u8)rnd(r);
	out[15] = (__u8)rn(r, 100);
	if (chance(r, 10))
		out[14] = (__u8)rnd(r);
}

static __u16 rand_port(struct rng *r)
{
	return chance(r, 75) ? PICK(r, port_pool) : (__u16)rnd(r);
}

static void mask_addr(__u8 a[16], unsigned int bits)
{
	for (unsigned int i = 0; i < 128; i++)
		if (i >= bits)
			a[i / 8] &= (__u8) ~(0x80 >> (i % 8));
}

static void gen_rule(struct rng *r, struct ll_rule_rec *rec, __u32 kind)
{
	static const __u8 plen4[] = { 0, 8, 16, 20, 24, 24, 25, 26, 28, 31, 32, 32, 32 };
	static const __u8 plen6[] = { 0, 16, 32, 32, 48, 48, 56, 64, 64, 100, 120, 127, 128, 128 };

	memset(rec, 0, sizeof(*rec));
	rec->kind = kind;
	rec->proto = chance(r, 70) ? IPPROTO_TCP : IPPROTO_UDP;
	rec->is_v4 = chance(r, 55);
	rand_addr(r, !rec->is_v4, rec->addr);
	rec->plen = rec->is_v4 ? PICK(r, plen4) : PICK(r, plen6);
	mask_addr(rec->addr, (rec->is_v4 ? 96 : 0) + rec->plen);
	rec->nranges = (__u8)(1 + (chance(r, 30) ? rn(r, LL_RULE_MAX_RANGES) : 0));
	for (int i = 0; i < rec->nranges; i++) {
		__u16 lo = rand_port(r), hi = lo;

		switch (rn(r, 6)) {
		case 0:
			lo = 0;
			hi = 0xffff;	/* any */
			break;
		case 1: {
			__u32 h = lo + rn(r, 200);

			hi = (__u16)(h > 0xffff ? 0xffff : h);
			break;
		}
		case 2:
			lo = 0;		/* a range holding port 0 */
			break;
		default:
			break;
		}
		rec->ranges[i].lo = lo;
		rec->ranges[i].hi = hi;
	}
}

static const char *lvl_name(__u32 l)
{
	return l < LL_LEVEL_MAX ? ll_level_names[l] : "invalid";
}

/* A vote with an expiry well away from now (the datapath reads a coarse clock). */
static void gen_vote(struct rng *r, struct ll_vote *v, __u32 level, __u32 source, __u64 now,
		     int pct_future, int pct_zero)
{
	__u32 x = rn(r, 100);

	v->level = level;
	v->source = source;
	v->since_ns = now - NS;
	if ((int)x < pct_future)
		v->expires_ns = now + 3600 * NS;
	else if ((int)x < pct_future + pct_zero)
		v->expires_ns = 0;
	else
		v->expires_ns = now - (chance(r, 50) ? NS : 3600 * NS);
}

static __u32 rand_level(struct rng *r)
{
	if (chance(r, 3))
		return chance(r, 50) ? 3 : 200;	/* out of range: clamped to critical */
	return rn(r, 3);
}

static int gen_scenario(struct rng *r, enum family fam, struct scen *s, char *err, size_t errlen)
{
	__u64 now = ll_now_ns();
	int nr[2];

	memset(s, 0, sizeof(*s));
	s->st.egress_priority = LL_TC_PRIO_INTERACTIVE;
	s->st.egress_mark = 0x4c4c;

	/* votes */
	if (fam == FAM_VOTES) {
		if (chance(r, 80))
			gen_vote(r, &s->st.daemon, rand_level(r), LL_SRC_PSI, now, 50, 10);
		if (chance(r, 40))
			gen_vote(r, &s->st.kernel, rand_level(r), LL_SRC_VMSCAN, now, 50, 10);
		if (chance(r, 35)) {
			s->st.override_active = chance(r, 85);
			gen_vote(r, &s->st.override, rand_level(r), LL_SRC_MANUAL, now, 40, 40);
		}
	} else if (fam == FAM_BUDGET) {
		gen_vote(r, &s->st.daemon, LL_LEVEL_ELEVATED, LL_SRC_PSI, now, 100, 0);
	} else {
		__u32 lvl = chance(r, 10) ? LL_LEVEL_NONE : chance(r, 45) ? LL_LEVEL_ELEVATED :
									   LL_LEVEL_CRITICAL;

		gen_vote(r, &s->st.daemon, lvl, LL_SRC_PSI, now, 92, 0);
		if (chance(r, 5))
			gen_vote(r, &s->st.kernel, LL_LEVEL_CRITICAL, LL_SRC_VMSCAN, now, 50, 0);
	}

	/*
	 * The budget: this CPU's credit, and the host's pool empty (paid an
	 * hour ahead) or full (paid long ago: its depth lasts at most 1 s).
	 * Rates from tiny (a chunk smaller than a frame, a frame more than a
	 * second's budget) to past LL_BUDGET_RATE_MAX.
	 */
	s->st.budget_rate = chance(r, 40) ? LL_DEFAULT_BUDGET_RATE : PICK(r, ((const __u64[]){
				0, 1000, 100000, 1000000, 125000000, 1250000000ULL, 1ULL << 33,
				1ULL << 40, 16777217, 20000001, 100000001, 4294967295ULL, 1048583 }));
	s->st.budget_burst = PICK(r, ((const __u64[]){ 0, 60, 1500, 5000, 65536,
						       LL_DEFAULT_BUDGET_BURST, 1ULL << 40 }));
	if (chance(r, fam == FAM_BUDGET ? 30 : 5))
		s->st.budget_pps = PICK(r, ((const __u64[]){ 1, 10, 1000, 100000, 1ULL << 40 }));
	if (chance(r, fam == FAM_BUDGET ? 40 : 10)) {
		static const __u64 ago[] = { 2 * NS, 60 * NS, 3600 * NS, 86400 * NS };

		__u64 a = PICK(r, ago);

		s->refill = 1;
		s->pool.paid_ns = chance(r, 25) ? 0 : chance(r, 20) || a > now ? 1 : now - a;
		s->bucket.tokens = rn(r, 3) ? 0 : rn(r, 20000);
	} else {
		static const __u64 tok[] = { 0, 40, 59, 60, 61, 64, 100, 200, 1000, 4000, 5000,
					     100000, 1000000000ULL };

		s->bucket.tokens = chance(r, 80) ? PICK(r, tok) : rn(r, 20000);
		s->pool.paid_ns = now + 3600 * NS;	/* empty for the whole scenario */
	}

	/* exact flows */
	s->nflows = (int)rn(r, fam == FAM_MALFORMED ? 6 : 20);
	for (int i = 0; i < s->nflows; i++) {
		struct ll_flow_key *k = &s->flows[i];
		int v6 = chance(r, 45);

		memset(k, 0, sizeof(*k));
		k->proto = chance(r, 75) ? IPPROTO_TCP : IPPROTO_UDP;
		rand_addr(r, v6, k->remote);
		addr16(v6 ? PICK(r, local6) : PICK(r, local4), k->local);
		k->remote_port = htons(rand_port(r));
		k->local_port = htons(rand_port(r));
		s->flow_origin[i] = rn(r, LL_ORIGIN_MAX);
		for (int j = 0; j < i; j++)
			if (!memcmp(&s->flows[j], k, sizeof(*k))) {
				i--;	/* duplicate: draw again */
				s->nflows--;
				break;
			}
	}

	/* rules: endpoint [0] and allow [1]; ids distinct across both tables */
	nr[0] = (int)rn(r, 14);
	nr[1] = (int)rn(r, 5);
	{
		__u32 perm[HIT_IDS];

		for (__u32 i = 0; i < HIT_IDS; i++)
			perm[i] = i;
		for (__u32 i = HIT_IDS - 1; i > 0; i--) {
			__u32 j = rn(r, i + 1), t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		for (int t = 0; t < 2; t++) {
			for (int i = 0; i < nr[t]; i++) {
				gen_rule(r, &s->recs[t][i], t ? LL_RULE_ALLOW : LL_RULE_ENDPOINT);
				/* sometimes the same prefix as an earlier rule (ties in order) */
				if (i && chance(r, 15)) {
					const struct ll_rule_rec *o = &s->recs[t][rn(r, (__u32)i)];

					memcpy(s->recs[t][i].addr, o->addr, 16);
					s->recs[t][i].is_v4 = o->is_v4;
					s->recs[t][i].plen = o->plen;
					s->recs[t][i].proto = o->proto;
				}
				s->ids[t][i] = perm[t * 32 + i];
			}
			/* too many ranges under one prefix: drop rules until it compiles */
			for (;;) {
				int e = ll_rules_compile(s->recs[t], s->ids[t], (size_t)nr[t],
							 t ? LL_RULE_ALLOW : LL_RULE_ENDPOINT,
							 &s->ents[t], &s->nents[t], err, errlen);
				if (!e)
					break;
				if (e != -EINVAL || !nr[t])
					return e;
				nr[t]--;
			}
			s->nrecs[t] = nr[t];
		}
	}
	return 0;
}

static void scen_free(struct scen *s)
{
	free(s->ents[0]);
	free(s->ents[1]);
	s->ents[0] = s->ents[1] = NULL;
}

static int install(struct inst *i, const struct scen *s)
{
	__u32 zero = 0;
	struct ll_bucket b[ncpus];
	struct ll_state st = s->st;
	struct dm_inst *m = &i->m;
	int err = 0;

	memset(i->ft.b, 0, i->ft.len);
	memset(i->ft.rc, 0, sizeof(struct ll_remote_cnt) * LL_REMOTE_ENTRIES);
	err |= clear_map(i->fd_rules);
	err |= clear_map(i->fd_allow);
	err |= clear_map(i->fd_rhosts);
	err |= clear_map(i->fd_ahosts);
	err |= clear_map(i->fd_frags);
	if (err)
		return -EIO;
	{
		__u8 zero16[16] = {};

		for (__u32 k = 0; k < LL_EV_MAX; k++)
			if (bpf_map_update_elem(i->fd_evlimit, &k, zero16, 0))
				return -errno;
	}
	for (int f = 0; f < s->nflows; f++) {
		struct ll_flow_val v = { .origin = s->flow_origin[f] };

		if (ll_flowtab_insert(&i->ft, &s->flows[f], &v))
			return -EEXIST;
	}
	for (int t = 0; t < 2; t++) {
		for (size_t e = 0; e < s->nents[t]; e++) {
			const struct ll_rule_entry *ent = &s->ents[t][e];
			int full = ent->key.prefixlen == LL_RULE_KEY_BITS;
			int fd = full ? (t ? i->fd_ahosts : i->fd_rhosts) : (t ? i->fd_allow : i->fd_rules);

			if (full ? ll_host_put(fd, i->ft.rc, &ent->key, &ent->val) != 0
				 : bpf_map_update_elem(fd, &ent->key, &ent->val, 0) != 0)
				return -EIO;
			if (full)
				st.host_entries[t]++;
			else
				st.trie_entries[t]++;
		}
	}
	if (bpf_map_update_elem(i->fd_state, &zero, &st, 0))
		return -errno;
	i->written = st;
	for (int c = 0; c < ncpus; c++)
		b[c] = s->bucket;
	if (bpf_map_update_elem(i->fd_bucket, &zero, b, 0))
		return -errno;
	if (bpf_map_update_elem(i->fd_pool, &zero, &s->pool, 0))
		return -errno;
	i->pool_written = s->pool;

	/* the model's view of the same scenario */
	{
		int pfm = m->pfm;

		memset(m, 0, sizeof(*m));
		m->pfm = pfm;
	}
	m->st = st;
	m->tokens = s->bucket.tokens;
	m->refill = s->refill;
	m->nflows = s->nflows;
	for (int f = 0; f < s->nflows; f++)
		m->flows[f].key = s->flows[f];
	for (int t = 0; t < 2; t++) {
		m->nrules[t] = s->nrecs[t];
		for (int k = 0; k < s->nrecs[t]; k++) {
			const struct ll_rule_rec *rec = &s->recs[t][k];
			struct dm_rule *d = &m->rules[t][k];

			d->proto = rec->proto;
			d->is_v4 = rec->is_v4;
			d->plen = rec->plen;
			d->nranges = rec->nranges;
			memcpy(d->addr, rec->addr, 16);
			for (int q = 0; q < rec->nranges; q++) {
				d->lo[q] = rec->ranges[q].lo;
				d->hi[q] = rec->ranges[q].hi;
			}
			d->id = s->ids[t][k];
		}
	}
	dm_rules_ready(m);

	/* baselines: counters and hits are compared as deltas */
	if (read_sums(i->fd_counters, LL_COUNTER_SLOTS, i->snap_pk, i->snap_by) ||
	    read_sums(i->fd_hits, HIT_IDS, i->hit_pk, i->hit_by))
		return -EIO;
	ring_buffer__consume(i->rb);
	memset(i->ev, 0, sizeof(i->ev));
	return 0;
}

/* ------------------------------------------------------------ frames */

struct fspec {
	int v6;
	__u8 src[16], dst[16];
	__u8 proto;
	__u16 sport, dport;
	__u8 icmp_type, icmp_code;
	int nvlan;
	__u16 tpid[2];
	__u16 ethertype;	/* nonzero: a non-IP frame of this type */
	int opt_words;		/* IPv4 options */
	int next;		/* IPv6 extension headers */
	__u8 ext[10], ext_hl[10];
	int frag;		/* DM_FRAG_*; IPv6 needs a 44 in ext[] */
	__u32 frag_id;
	__u16 frag_off;		/* later fragments, 8-byte units */
	int frag_more;		/* later fragments: MF/M set */
	__u8 frag_nh;		/* IPv6 later fragment: the fragment header's next header */
	int payload;
};

struct frame {
	__u8 b[FRAME_MAX];
	size_t len;
	size_t typeoff, l3, l4, nhoff, fh;	/* 0 when absent */
	size_t ext_off[10];
	int next;
	char desc[512];
};

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void addr_str(const __u8 a[16], char *out, size_t n)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(a, mapped, 12))
		inet_ntop(AF_INET, a + 12, out, (socklen_t)n);
	else
		inet_ntop(AF_INET6, a, out, (socklen_t)n);
}

static void dcat(struct frame *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dcat(struct frame *f, const char *fmt, ...)
{
	size_t l = strlen(f->desc);
	va_list ap;

	if (l >= sizeof(f->desc) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(f->desc + l, sizeof(f->desc) - l, fmt, ap);
	va_end(ap);
}

static void prepend(struct frame *f, const char *tag)
{
	char d[2 * sizeof(f->desc)];

	snprintf(d, sizeof(d), "%s%s", tag, f->desc);
	d[sizeof(f->desc) - 1] = 0;
	memcpy(f->desc, d, sizeof(f->desc));
}

static int is_mapped(const __u8 a[16])
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, mapped, 12);
}

static void build(struct rng *r, const struct fspec *s, struct frame *f)
{
	size_t off = 12, l3, iplen_off;
	__u8 *b = f->b;
	int l4len = 0;
	char sa[64], da[64];

	memset(f, 0, sizeof(*f));
	memcpy(b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	for (int i = 0; i < s->nvlan; i++) {
		put16(b + off, s->tpid[i]);
		put16(b + off + 2, (__u16)(100 + i));
		off += 4;
	}
	f->typeoff = off;
	if (s->nvlan)
		dcat(f, "vlan%d(%04x%s%04x) ", s->nvlan, s->tpid[0], s->nvlan > 1 ? "," : "",
		     s->nvlan > 1 ? s->tpid[1] : 0);
	if (s->ethertype) {
		put16(b + off, s->ethertype);
		off += 2;
		for (int i = 0; i < 28 + s->payload; i++)
			b[off + i] = (__u8)rnd(r);
		off += 28 + (size_t)s->payload;
		dcat(f, "ethertype %04x", s->ethertype);
		goto done;
	}
	put16(b + off, s->v6 ? 0x86dd : 0x0800);
	off += 2;
	l3 = f->l3 = off;
	if (s->frag != DM_FRAG_LATER) {
		if (s->proto == IPPROTO_TCP)
			l4len = 20;
		else if (s->proto == IPPROTO_UDP || s->proto == IPPROTO_ICMP ||
			 s->proto == IPPROTO_ICMPV6)
			l4len = 8;
	}
	addr_str(s->src, sa, sizeof(sa));
	addr_str(s->dst, da, sizeof(da));
	if (!s->v6) {
		size_t hl = 20 + 4 * (size_t)s->opt_words;
		__u16 fo = 0;

		b[l3] = (__u8)(0x40 | (hl / 4));
		put16(b + l3 + 4, (__u16)s->frag_id);
		if (s->frag == DM_FRAG_FIRST)
			fo = 0x2000;
		else if (s->frag == DM_FRAG_LATER)
			fo = (__u16)((s->frag_off & 0x1fff) | (s->frag_more ? 0x2000 : 0));
		if (chance(r, 20))
			fo |= 0x4000;	/* DF: irrelevant */
		put16(b + l3 + 6, fo);
		b[l3 + 8] = 64;
		b[l3 + 9] = s->proto;
		f->nhoff = l3 + 9;
		memcpy(b + l3 + 12, s->src + 12, 4);
		memcpy(b + l3 + 16, s->dst + 12, 4);
		for (size_t i = 0; i < hl - 20; i++)
			b[l3 + 20 + i] = chance(r, 70) ? 1 : (__u8)rnd(r);	/* NOPs, junk */
		iplen_off = l3 + 2;
		off = l3 + hl;
		dcat(f, "v4%s", s->opt_words ? "" : " ");
		if (s->opt_words)
			dcat(f, "+opt%d ", s->opt_words);
	} else {
		size_t nhoff = l3 + 6;

		b[l3] = 0x60;
		b[l3 + 7] = 64;
		memcpy(b + l3 + 8, s->src, 16);
		memcpy(b + l3 + 24, s->dst, 16);
		iplen_off = l3 + 4;
		off = l3 + 40;
		dcat(f, "v6 ");
		if (s->next) {
			dcat(f, "ext[");
			for (int i = 0; i < s->next; i++)
				dcat(f, "%s%u", i ? "," : "", s->ext[i]);
			dcat(f, "] ");
		}
		for (int i = 0; i < s->next; i++) {
			b[nhoff] = s->ext[i];
			nhoff = off;
			f->ext_off[f->next++] = off;
			if (s->ext[i] == 44) {
				__u16 fo = 0;

				f->fh = off;
				if (s->frag == DM_FRAG_FIRST)
					fo = 1;
				else if (s->frag == DM_FRAG_LATER)
					fo = (__u16)(s->frag_off << 3 | (s->frag_more ? 1 : 0));
				put16(b + off + 2, fo);
				b[off + 4] = (__u8)(s->frag_id >> 24);
				b[off + 5] = (__u8)(s->frag_id >> 16);
				b[off + 6] = (__u8)(s->frag_id >> 8);
				b[off + 7] = (__u8)s->frag_id;
				off += 8;
				if (s->frag == DM_FRAG_LATER)
					break;	/* the fragmentable part is payload */
			} else {
				size_t len = ((size_t)s->ext_hl[i] + 1) * 8;

				b[off + 1] = s->ext_hl[i];
				b[off + 2] = 1;		/* PadN over the rest */
				b[off + 3] = (__u8)(len - 4);
				off += len;
			}
		}
		b[nhoff] = s->frag == DM_FRAG_LATER ? s->frag_nh : s->proto;
		f->nhoff = nhoff;
	}
	if (s->frag == DM_FRAG_FIRST)
		dcat(f, "first-frag id=%u ", s->frag_id);
	else if (s->frag == DM_FRAG_LATER)
		dcat(f, "later-frag id=%u off=%u%s ", s->frag_id, s->frag_off,
		     s->frag_more ? " more" : "");
	if (s->frag == DM_FRAG_LATER && s->v6)
		dcat(f, "nh=%u ", s->frag_nh);
	f->l4 = off;
	if (s->proto == IPPROTO_TCP) {
		dcat(f, "tcp %s:%u > %s:%u", sa, s->sport, da, s->dport);
	} else if (s->proto == IPPROTO_UDP) {
		dcat(f, "udp %s:%u > %s:%u", sa, s->sport, da, s->dport);
	} else if (s->proto == IPPROTO_ICMP || s->proto == IPPROTO_ICMPV6) {
		dcat(f, "icmp%s %s > %s type %u code %u", s->proto == IPPROTO_ICMPV6 ? "v6" : "",
		     sa, da, s->icmp_type, s->icmp_code);
	} else {
		dcat(f, "proto %u %s > %s", s->proto, sa, da);
	}
	if (l4len) {
		if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP) {
			put16(b + off, s->sport);
			put16(b + off + 2, s->dport);
			if (s->proto == IPPROTO_TCP) {
				b[off + 12] = 5 << 4;
				b[off + 13] = 0x10;
			} else {
				put16(b + off + 4, (__u16)(8 + s->payload));
			}
		} else {
			b[off] = s->icmp_type;
			b[off + 1] = s->icmp_code;
		}
	} else {
		f->l4 = 0;
	}
	off += (size_t)l4len;
	for (int i = 0; i < s->payload; i++)
		b[off + i] = (__u8)rnd(r);
	off += (size_t)s->payload;
	if (s->payload)
		dcat(f, " +%d", s->payload);
	put16(b + iplen_off, (__u16)(s->v6 ? off - l3 - 40 : off - l3));
done:
	if (off < 60)
		off = 60;	/* Ethernet minimum, as a NIC hands it over */
	f->len = off;
}

/* Decorations every IP frame may get: VLAN tags, IPv4 options, IPv6 extension headers. */
static void decorate(struct rng *r, struct fspec *s)
{
	static const __u8 exts[] = { 0, 43, 60 };

	if (chance(r, 40)) {
		s->nvlan = chance(r, 60) ? 1 : 2;
		for (int i = 0; i < s->nvlan; i++)
			s->tpid[i] = chance(r, 50) ? 0x8100 : 0x88a8;
	}
	if (!s->v6 && chance(r, 30))
		s->opt_words = 1 + (int)rn(r, 10);
	if (s->v6 && chance(r, 30)) {
		s->next = 1 + (int)rn(r, chance(r, 20) ? 7 : 3);
		for (int i = 0; i < s->next; i++) {
			s->ext[i] = PICK(r, exts);
			s->ext_hl[i] = (__u8)(chance(r, 70) ? 0 : rn(r, 3));
		}
		if (chance(r, 10))
			s->ext[rn(r, (__u32)s->next)] = 44;	/* an atomic fragment header */
	}
	s->payload = chance(r, 70) ? (int)rn(r, 64) : chance(r, 90) ? (int)rn(r, 600) : 1400;
}

static void tuple_random(struct rng *r, struct fspec *s)
{
	s->v6 = chance(r, 45);
	rand_addr(r, s->v6, s->src);
	addr16(s->v6 ? PICK(r, local6) : PICK(r, local4), s->dst);
	if (chance(r, 10))
		rand_addr(r, s->v6, s->dst);
	s->proto = chance(r, 60) ? IPPROTO_TCP : chance(r, 85) ? IPPROTO_UDP :
		   PICK(r, ((const __u8[]){ 0, 47, 50, 51, 59, 132, 255 }));
	s->sport = rand_port(r);
	s->dport = rand_port(r);
}

static int tuple_flow(struct rng *r, const struct scen *sc, struct fspec *s, struct frame *f)
{
	const struct ll_flow_key *k;

	if (!sc->nflows)
		return -1;
	k = &sc->flows[rn(r, (__u32)sc->nflows)];
	s->v6 = !is_mapped(k->remote);
	memcpy(s->src, k->remote, 16);
	memcpy(s->dst, k->local, 16);
	s->sport = ntohs(k->remote_port);
	s->dport = ntohs(k->local_port);
	s->proto = k->proto;
	if (chance(r, 20)) {
		switch (rn(r, 5)) {
		case 0: s->sport++; dcat(f, "[near miss: sport+1] "); break;
		case 1: s->dport--; dcat(f, "[near miss: dport-1] "); break;
		case 2: { __u16 t = s->sport; s->sport = s->dport; s->dport = t; }
			dcat(f, "[near miss: ports swapped] "); break;
		case 3: s->proto = s->proto == IPPROTO_TCP ? IPPROTO_UDP : IPPROTO_TCP;
			dcat(f, "[near miss: other proto] "); break;
		default: { __u8 t[16]; memcpy(t, s->src, 16); memcpy(s->src, s->dst, 16);
			memcpy(s->dst, t, 16); } dcat(f, "[near miss: addresses swapped] "); break;
		}
	} else {
		dcat(f, "[flow] ");
	}
	return 0;
}

static int tuple_rule(struct rng *r, const struct scen *sc, struct fspec *s, struct frame *f)
{
	int t = sc->nrecs[1] && (chance(r, 30) || !sc->nrecs[0]);
	const struct ll_rule_rec *rec;
	unsigned int bits;
	int ri;
	__u16 port;

	if (!sc->nrecs[t])
		return -1;
	rec = &sc->recs[t][rn(r, (__u32)sc->nrecs[t])];
	s->v6 = !rec->is_v4;
	bits = (rec->is_v4 ? 96 : 0) + rec->plen;
	rand_addr(r, s->v6, s->src);
	for (unsigned int i = 0; i < bits; i++) {	/* inside the prefix */
		__u8 m = (__u8)(0x80 >> (i % 8));

		s->src[i / 8] = (__u8)((s->src[i / 8] & ~m) | (rec->addr[i / 8] & m));
	}
	if (chance(r, 10))
		s->src[15] ^= 1;	/* maybe just outside a /32 or /128 */
	addr16(s->v6 ? PICK(r, local6) : PICK(r, local4), s->dst);
	s->proto = chance(r, 90) ? rec->proto : rec->proto == IPPROTO_TCP ? IPPROTO_UDP : IPPROTO_TCP;
	ri = (int)rn(r, rec->nranges);
	port = (__u16)(rec->ranges[ri].lo + rn(r, (__u32)(rec->ranges[ri].hi - rec->ranges[ri].lo) + 1));
	if (chance(r, 10))
		port = (__u16)(chance(r, 50) ? rec->ranges[ri].hi + 1 : rec->ranges[ri].lo - 1);
	if (chance(r, 50)) {
		s->sport = port;
		s->dport = rand_port(r);
	} else {
		s->sport = rand_port(r);
		s->dport = port;
	}
	dcat(f, "[%s rule id %u] ", t ? "allow" : "endpoint", sc->ids[t][rec - sc->recs[t]]);
	return 0;
}

static void tuple_any(struct rng *r, const struct scen *sc, struct fspec *s, struct frame *f)
{
	__u32 x = rn(r, 100);

	if (x < 40 && !tuple_flow(r, sc, s, f))
		return;
	if (x < 75 && !tuple_rule(r, sc, s, f))
		return;
	tuple_random(r, s);
}

static void gen_icmp(struct rng *r, struct fspec *s)
{
	static const __u8 t4[] = { 0, 3, 3, 3, 4, 5, 8, 11, 12 };
	static const __u8 t6[] = { 1, 2, 2, 3, 4, 128, 129, 133, 134, 135, 136, 137, 138, 143 };

	s->v6 = chance(r, 55);
	rand_addr(r, s->v6, s->src);
	addr16(s->v6 ? PICK(r, local6) : PICK(r, local4), s->dst);
	s->proto = s->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	if (chance(r, 5))	/* the other family's ICMP number */
		s->proto = s->v6 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	s->icmp_type = chance(r, 90) ? (s->v6 ? PICK(r, t6) : PICK(r, t4)) : (__u8)rnd(r);
	s->icmp_code = (__u8)(chance(r, 60) ? (s->icmp_type == 3 ? 4 : 0) : rn(r, 6));
}

static void gen_l2(struct rng *r, struct fspec *s)
{
	static const __u16 types[] = { 0x0806, 0x0806, 0x0806, 0x88cc, 0x8863, 0x0000, 0x05dc,
				       0xffff, 0x8100, 0x88a8, 0x86dd, 0x0800, 0x8035 };

	s->ethertype = PICK(r, types);
	s->payload = (int)rn(r, 40);
}

/* ------------------------------------------------------------ mutations */

static const __u8 proto_pool[] = { 0, 1, 6, 17, 43, 44, 47, 50, 51, 58, 59, 60, 132, 135, 255 };

static void mutate(struct rng *r, struct frame *f)
{
	__u8 *b = f->b;
	size_t o;

	for (int tries = 0; tries < 8; tries++) {
		switch (rn(r, 12)) {
		case 0:
			o = rn(r, (__u32)f->len);
			b[o] = (__u8)rnd(r);
			dcat(f, "; mut byte[%zu]=%02x", o, b[o]);
			return;
		case 1:
			o = rn(r, (__u32)f->len);
			b[o] ^= (__u8)(1 << rn(r, 8));
			dcat(f, "; mut bitflip byte[%zu]=%02x", o, b[o]);
			return;
		case 2: {
			static const __u16 types[] = { 0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8,
						       0x88cc, 0x0000 };
			__u16 t = chance(r, 80) ? PICK(r, types) : (__u16)rnd(r);

			put16(b + f->typeoff, t);
			dcat(f, "; mut ethertype=%04x", t);
			return;
		}
		case 3:
			if (!f->l3 || (b[f->l3] >> 4) != 4)
				break;
			b[f->l3] = (__u8)(0x40 | rn(r, 16));
			dcat(f, "; mut ihl=%u", b[f->l3] & 15);
			return;
		case 4:
			if (!f->l3)
				break;
			b[f->l3] = (__u8)((rn(r, 16) << 4) | (b[f->l3] & 15));
			dcat(f, "; mut version=%u", b[f->l3] >> 4);
			return;
		case 5:
			if (!f->l3)
				break;
			if ((b[f->l3] >> 4) == 4) {
				__u16 v = (__u16)rnd(r);

				if (chance(r, 50))
					v &= 0xe000;	/* flags only */
				put16(b + f->l3 + 6, v);
				dcat(f, "; mut v4 frag field=%04x", v);
				return;
			}
			if (f->fh) {
				__u16 v = (__u16)rnd(r);

				put16(b + f->fh + 2, v);
				dcat(f, "; mut v6 frag field=%04x", v);
				return;
			}
			break;
		case 6:
			if (!f->nhoff)
				break;
			b[f->nhoff] = chance(r, 80) ? PICK(r, proto_pool) : (__u8)rnd(r);
			dcat(f, "; mut last next-header/proto=%u", b[f->nhoff]);
			return;
		case 7:
			if (!f->next)
				break;
			o = f->ext_off[rn(r, (__u32)f->next)];
			if (o + 1 >= f->len)
				break;
			b[o + 1] = (__u8)(chance(r, 50) ? rn(r, 4) : rnd(r));
			dcat(f, "; mut ext@%zu hdrlen=%u", o, b[o + 1]);
			return;
		case 8:
			if (!f->next)
				break;
			o = f->ext_off[rn(r, (__u32)f->next)];
			b[o] = PICK(r, proto_pool);
			dcat(f, "; mut ext@%zu next=%u", o, b[o]);
			return;
		case 9:
			if (!f->l4)
				break;
			b[f->l4 + 12] = (__u8)(rn(r, 16) << 4);
			dcat(f, "; mut tcp doff byte=%02x", b[f->l4 + 12]);
			return;
		case 10:
			if (!f->l4)
				break;
			o = f->l4 + 2 * rn(r, 2);
			put16(b + o, rand_port(r));
			dcat(f, "; mut port@%zu=%u", o, dm_be16(b + o));
			return;
		default:
			if (!f->l3 || (b[f->l3] >> 4) != 4)
				break;
			put16(b + f->l3 + 2, (__u16)rnd(r));
			dcat(f, "; mut v4 totlen=%u", dm_be16(b + f->l3 + 2));
			return;
		}
	}
	o = rn(r, (__u32)f->len);
	b[o] = (__u8)rnd(r);
	dcat(f, "; mut byte[%zu]=%02x", o, b[o]);
}

static void truncate_frame(struct rng *r, struct frame *f)
{
	size_t cut = 14 + rn(r, (__u32)(f->len - 14));

	f->len = cut;
	dcat(f, "; cut at %zu", cut);
}

static void random_bytes(struct rng *r, struct frame *f)
{
	static const __u16 types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806 };

	memset(f, 0, sizeof(*f));
	f->len = 14 + rn(r, 200);
	for (size_t i = 0; i < f->len; i++)
		f->b[i] = (__u8)rnd(r);
	if (chance(r, 60)) {
		__u16 t = PICK(r, types);

		put16(f->b + 12, t);
		if (t == 0x0800 && f->len > 14 && chance(r, 50))
			f->b[14] = (__u8)(0x45 + rn(r, 3));
		if (t == 0x86dd && f->len > 14 && chance(r, 50))
			f->b[14] = 0x60;
		dcat(f, "random bytes, ethertype %04x, %zu bytes", t, f->len);
	} else {
		dcat(f, "random bytes, %zu bytes", f->len);
	}
}

/* ------------------------------------------------------------ fragments */

#define MAX_PENDING 64

struct pending {
	struct fspec s;
	int due;		/* frame index at which it is sent */
	char tag[48];
};

struct gen {
	struct rng r;
	enum family fam;
	const struct scen *sc;
	struct pending q[MAX_PENDING];
	int nq;
	int idx;		/* frame index in the scenario */
	/* truncation sweeps */
	struct frame sweep;
	size_t sweep_cut;
	int sweeping;
};

static void queue(struct gen *g, const struct fspec *s, int delay, const char *tag)
{
	if (g->nq == MAX_PENDING)
		return;
	g->q[g->nq].s = *s;
	g->q[g->nq].due = g->idx + delay;
	snprintf(g->q[g->nq].tag, sizeof(g->q[g->nq].tag), "%s", tag);
	g->nq++;
}

/* A fragmented datagram: its first and later fragments, queued in and out of order. */
static void gen_datagram(struct gen *g, struct frame *f)
{
	struct rng *r = &g->r;
	struct fspec first = {}, later;
	int nlater = 1 + (int)rn(r, 3), order = (int)rn(r, 10);
	char tag[sizeof(f->desc)];

	tuple_any(r, g->sc, &first, f);
	snprintf(tag, sizeof(tag), "%s", f->desc);
	if (first.proto != IPPROTO_TCP && first.proto != IPPROTO_UDP && chance(r, 70))
		first.proto = IPPROTO_UDP;
	decorate(r, &first);
	first.frag = DM_FRAG_FIRST;
	first.frag_id = chance(r, 70) ? rn(r, 6) : (__u32)rnd(r);
	if (!first.v6)
		first.frag_id &= 0xffff;
	if (first.v6) {
		/* the fragment header after the unfragmentable part, sometimes headers after it */
		int pos = first.next > 3 ? 3 : first.next;

		first.next = pos;
		first.ext[first.next] = 44;
		first.ext_hl[first.next++] = 0;
		if (chance(r, 15)) {
			first.ext[first.next] = 60;
			first.ext_hl[first.next++] = 0;
		}
	}
	later = first;
	later.frag = DM_FRAG_LATER;
	later.payload = 8 + (int)rn(r, 200);
	if (first.v6) {
		/* later fragments: the unfragmentable part, then the fragment header */
		for (int i = 0; i < later.next; i++)
			if (later.ext[i] == 44) {
				later.frag_nh = i + 1 < first.next ? first.ext[i + 1] : first.proto;
				later.next = i + 1;
				break;
			}
	}
	for (int k = 0; k < nlater; k++) {
		later.frag_off = (__u16)(1 + rn(r, 2000));
		later.frag_more = k + 1 < nlater;
		if (order < 7)		/* in order: first now, laters after */
			queue(g, &later, 1 + (int)rn(r, 12), "later fragment (after its first)");
		else if (order < 9)	/* a later before its first */
			queue(g, &later, k ? 1 + (int)rn(r, 12) : 0, "later fragment (ahead of its first)");
		else			/* the first never comes */
			queue(g, &later, (int)rn(r, 12), "later fragment (first lost)");
		if (chance(r, 10))
			queue(g, &later, 1 + (int)rn(r, 20), "later fragment (duplicate)");
	}
	if (order >= 7) {
		/* the first comes after a later one, or never: an unrelated frame now */
		struct fspec s = {};

		if (order < 9)
			queue(g, &first, 1 + (int)rn(r, 6), "first fragment (after a later one)");
		tuple_random(r, &s);
		decorate(r, &s);
		build(r, &s, f);
		return;
	}
	build(r, &first, f);
	prepend(f, tag);
}

static int take_pending(struct gen *g, struct frame *f)
{
	for (int i = 0; i < g->nq; i++) {
		if (g->q[i].due > g->idx)
			continue;
		build(&g->r, &g->q[i].s, f);
		{
			char d[64];

			snprintf(d, sizeof(d), "[%s] ", g->q[i].tag);
			prepend(f, d);
		}
		g->q[i] = g->q[--g->nq];
		if (chance(&g->r, 5))
			mutate(&g->r, f);
		return 1;
	}
	return 0;
}

/* One frame of the family's mix. */
static void gen_frame(struct gen *g, struct frame *f)
{
	struct rng *r = &g->r;
	struct fspec s = {};
	__u32 x;

	memset(f->desc, 0, sizeof(f->desc));
	if (take_pending(g, f))
		return;
	if (g->sweeping) {
		*f = g->sweep;
		f->len = g->sweep_cut;
		dcat(f, "; sweep cut at %zu", g->sweep_cut);
		if (++g->sweep_cut > g->sweep.len)
			g->sweeping = 0;
		return;
	}
	x = rn(r, 100);
	switch (g->fam) {
	case FAM_FRAGS:
		if (x < 55) {
			gen_datagram(g, f);
			return;
		}
		x = 10 + rn(r, 60);	/* the rest: flows, rules, random tuples */
		break;
	case FAM_TRUNC:
		if (x < 60) {
			/* sweep every cut of a registered-looking frame */
			tuple_any(r, g->sc, &s, f);
			decorate(r, &s);
			s.payload = (int)rn(r, 8);
			if (chance(r, 20)) {
				gen_icmp(r, &s);
				memset(f->desc, 0, sizeof(f->desc));
			}
			{
				char tag[sizeof(f->desc)];

				snprintf(tag, sizeof(tag), "%s", f->desc);
				build(r, &s, &g->sweep);
				prepend(&g->sweep, tag);
			}
			g->sweep_cut = 14;
			g->sweeping = 1;
			gen_frame(g, f);
			return;
		}
		break;
	case FAM_MALFORMED:
		if (x < 35) {
			random_bytes(r, f);
			return;
		}
		tuple_any(r, g->sc, &s, f);
		if (chance(r, 15))
			gen_icmp(r, &s);
		decorate(r, &s);
		build(r, &s, f);
		mutate(r, f);
		if (chance(r, 20))
			mutate(r, f);
		if (chance(r, 15))
			truncate_frame(r, f);
		return;
	default:
		break;
	}
	/* the mixed distribution */
	if (x < 10) {
		gen_datagram(g, f);
		return;
	}
	if (x < 70) {
		tuple_any(r, g->sc, &s, f);
	} else if (x < 80) {
		gen_icmp(r, &s);
	} else if (x < 86) {
		gen_l2(r, &s);
		if (chance(r, 30)) {
			s.nvlan = 1 + (int)rn(r, 2);
			s.tpid[0] = s.tpid[1] = chance(r, 50) ? 0x8100 : 0x88a8;
		}
		build(r, &s, f);
		return;
	} else if (x < 90) {
		random_bytes(r, f);
		return;
	} else {
		tuple_any(r, g->sc, &s, f);
		decorate(r, &s);
		build(r, &s, f);
		if (chance(r, 70))
			mutate(r, f);
		else
			truncate_frame(r, f);
		return;
	}
	decorate(r, &s);
	build(r, &s, f);
}

/* ------------------------------------------------------------ comparison */

struct ctx {
	__u64 seed, frames_total;
	enum family fam;
	int scen;		/* scenario index in the family */
	int frame;		/* frame index in the scenario */
	__u64 fam_frame;	/* frame index in the family */
	int printed[8];		/* reports printed, by cause */
	__u64 mismatches;
	const struct scen *sc;
};

static void print_scenario(const struct scen *s)
{
	char a[64], b[64];
	const struct ll_state *st = &s->st;

	fprintf(stderr, "     state: daemon %u/%s exp %llu, override %s %u exp %llu"
		", kernel %u exp %llu (now %llu), rate %llu burst %llu"
		", pps %llu; bucket tokens %llu, pool paid_ns %llu%s\n",
		st->daemon.level, lvl_name(st->daemon.level), (__u64)st->daemon.expires_ns,
		st->override_active ? "on" : "off", st->override.level,
		(__u64)st->override.expires_ns, st->kernel.level, (__u64)st->kernel.expires_ns,
		ll_now_ns(), (__u64)st->budget_rate, (__u64)st->budget_burst, (__u64)st->budget_pps,
		(__u64)s->bucket.tokens, (__u64)s->pool.paid_ns, s->refill ? " (full)" : " (empty)");
	for (int i = 0; i < s->nflows; i++) {
		addr_str(s->flows[i].remote, a, sizeof(a));
		addr_str(s->flows[i].local, b, sizeof(b));
		fprintf(stderr, "     flow %d: %s %s:%u > %s:%u\n", i,
			s->flows[i].proto == IPPROTO_TCP ? "tcp" : "udp", a,
			ntohs(s->flows[i].remote_port), b, ntohs(s->flows[i].local_port));
	}
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < s->nrecs[t]; i++) {
			const struct ll_rule_rec *r = &s->recs[t][i];

			addr_str(r->addr, a, sizeof(a));
			fprintf(stderr, "     %s rule id %u: %s %s/%u ports", t ? "allow" : "endpoint",
				s->ids[t][i], r->proto == IPPROTO_TCP ? "tcp" : "udp", a, r->plen);
			for (int k = 0; k < r->nranges; k++)
				fprintf(stderr, " %u-%u", r->ranges[k].lo, r->ranges[k].hi);
			fprintf(stderr, "\n");
		}
}

static void hexdump(const __u8 *b, size_t len)
{
	for (size_t i = 0; i < len; i += 32) {
		fprintf(stderr, "     %04zx ", i);
		for (size_t j = i; j < len && j < i + 32; j++)
			fprintf(stderr, "%02x", b[j]);
		fprintf(stderr, "\n");
	}
}

static char mism[4096];

static void mm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mm(const char *fmt, ...)
{
	size_t l = strlen(mism);
	va_list ap;

	if (l >= sizeof(mism) - 2)
		return;
	va_start(ap, fmt);
	vsnprintf(mism + l, sizeof(mism) - l, fmt, ap);
	va_end(ap);
}

/* Known divergences between the documentation and the datapath (see --mimic). */
static const struct {
	const char *name;
	int *flag;		/* the model's switch that copies the datapath */
} divergences[] = {
	{ "frag7", &dm_mimic_frag7 },
};
#define NDIV (int)(sizeof(divergences) / sizeof(divergences[0]))
#define CAUSE_NONE NDIV
static const char *cause_name(int cause)
{
	return cause < NDIV ? divergences[cause].name : "unexplained";
}
static __u64 causes[NDIV + 1];

/* Which known divergence, if any, touches this frame: its parse changes under that --mimic. */
static int known_cause(const struct frame *f)
{
	struct dm_pkt a, b;

	if (!f->len)
		return CAUSE_NONE;
	dm_parse(f->b, f->len, &a);
	for (int k = 0; k < NDIV; k++) {
		if (*divergences[k].flag)
			continue;
		*divergences[k].flag = 1;
		dm_parse(f->b, f->len, &b);
		*divergences[k].flag = 0;
		if (memcmp(&a, &b, sizeof(a)))
			return k;
	}
	return CAUSE_NONE;
}

static void report(struct ctx *c, const struct inst *i, const struct frame *f, int cause)
{
	c->mismatches++;
	causes[cause]++;
	/* per family: a few of each known divergence, more of the unexplained */
	if (c->printed[cause]++ >= (cause == CAUSE_NONE ? MAX_PRINTED : 2))
		return;
	TEST_FAIL_MSG("mismatch in %s, seed %llu, scenario %d, frame %d (family frame %llu"
		      ")", inst_names[i - in], c->seed, c->scen, c->frame, c->fam_frame);
	fprintf(stderr, "     frame: %s (%zu bytes)\n", f->desc, f->len);
	if (cause != CAUSE_NONE)
		fprintf(stderr, "     known divergence: %s (--mimic %s to look past it)\n",
			cause_name(cause), cause_name(cause));
	fprintf(stderr, "%s", mism);
	hexdump(f->b, f->len);
	print_scenario(c->sc);
	fprintf(stderr, "     reproduce: build/tests/test_diff --seed %llu --frames %llu"
		" -t %s\n", c->seed, c->frames_total, families[c->fam].name);
}

static const char *rname(__u32 r)
{
	return r == DM_NO_COUNT ? "(nothing)" : r < LL_REASON_MAX ? ll_reason_names[r] : "?";
}

static __u64 tc_skipped;
static int debug_frags;		/* DIFF_DEBUG_FRAGS=1: count remembered fragments after every frame */
/* What the model saw, per instance: reasons, refills, fragments remembered (printed with -v). */
static __u64 cov[NINST][LL_REASON_MAX + 3];
enum { COV_NOCOUNT = LL_REASON_MAX, COV_REFILL, COV_FRAG_NEW };

/* What the skb test run refuses: outer ethertype IPv4 or IPv6, shorter than that header. */
static int tc_refused(const struct frame *f)
{
	__u16 t = dm_be16(f->b + 12);

	return (t == 0x0800 && f->len < 14 + 20) || (t == 0x86dd && f->len < 14 + 40);
}

static __u64 xdp_split_runs;
/* Runs that took the parser's fast entry, as counted by the datapath (ll_fast_frames). */
static __u64 fast_runs, fast_by_inst[8];

/*
 * Where an XDP frame's first buffer ends: for one frame in three, at a
 * point inside the headers (0 to 96 bytes, or up to LL_HDR_MAX + 8), the
 * rest in fragments of a multi-buffer frame, so the datapath parses that
 * frame from its copy; -1: all in the first buffer. BPF_PROG_TEST_RUN can
 * build multi-buffer XDP frames (xdp_md.data_end), not non-linear skbs
 * (tc: t_nonlinear.sh covers them). Deterministic from the frame's place.
 */
static int xdp_split(const struct ctx *c, const struct frame *f)
{
	__u64 h = (c->seed ^ (c->fam_frame + 1) * 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;
	__u32 lim;

	h ^= h >> 31;
	if (h % 3)
		return -1;
	lim = (h >> 8) % 4 ? 96 : LL_HDR_MAX + 8;
	lim = lim < f->len ? lim : (__u32)f->len;
	return (int)((h >> 16) % (lim + 1));
}

/* Runs one frame through one instance and compares; returns 0 when all agrees. */
static int run_one(struct ctx *c, struct inst *i, const struct frame *f)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = (__u32)f->len,
		    .repeat = 1);
	struct xdp_md xmd = {};
	int split = i->hook == LL_HOOK_XDP ? xdp_split(c, f) : -1;
	struct dm_result res;
	__u64 pk[LL_COUNTER_SLOTS], by[LL_COUNTER_SLOTS], want_pk[LL_COUNTER_SLOTS] = {};
	int verdict, bad = 0, was_raised = i->m.raised;
	__u64 t0, charge, fast_before;

	mism[0] = 0;
	if (i->hook == LL_HOOK_TC_INGRESS && tc_refused(f)) {
		/*
		 * BPF_PROG_TEST_RUN refuses an skb whose ethertype is IPv4 or
		 * IPv6 but which is shorter than that header (EINVAL); the frame
		 * is compared through XDP only. Check that it still refuses.
		 */
		if (!bpf_prog_test_run_opts(i->prog_fd, &opts) || errno != EINVAL) {
			mm("     BPF_PROG_TEST_RUN took a short IP frame it used to refuse:"
			   " update tc_refused()\n");
			report(c, i, f, CAUSE_NONE);
			return -1;
		}
		tc_skipped++;
		return 0;
	}
	t0 = i->m.now = ll_now_ns();
	/*
	 * The charge calibrate() measured for a frame in one buffer; split,
	 * each fragment is charged a page more (BPF_PROG_TEST_RUN fills pages
	 * and leaves xdp_frags_truesize out: ll_xdp_charge's floor)
	 */
	charge = i->charge[f->len];
	if (split >= 0 && (size_t)split < f->len)
		charge += (f->len - (size_t)split + 4095) / 4096 * 4096;
	dm_decide(&i->m, f->b, f->len, charge, &res);
	cov[i - in][res.reason == DM_NO_COUNT ? COV_NOCOUNT : res.reason]++;
	for (int n = 0; n < res.nnotes; n++)
		cov[i - in][res.notes[n]]++;
	cov[i - in][COV_REFILL] += res.refilled;
	cov[i - in][COV_FRAG_NEW] += res.frag_new;
	if (split >= 0) {
		xmd.data_end = (__u32)split;
		opts.ctx_in = &xmd;
		opts.ctx_size_in = sizeof(xmd);
		xdp_split_runs++;
		mm("     multi-buffer: first buffer %d of %zu bytes\n", split, f->len);
	}
	fast_before = i->skel->bss->ll_fast_frames;
	if (bpf_prog_test_run_opts(i->prog_fd, &opts)) {
		mm("     BPF_PROG_TEST_RUN failed: %s\n", strerror(errno));
		report(c, i, f, CAUSE_NONE);
		return -1;
	}
	/*
	 * The fast entry: taken by every frame of its shape that reaches the
	 * decision (a reason other than the lease's, which is decided before
	 * the parse), by no other.
	 */
	{
		size_t avail = split >= 0 && (size_t)split < f->len ? (size_t)split : f->len;
		__u64 got = i->skel->bss->ll_fast_frames - fast_before;
		int want = res.reason != DM_NO_COUNT && res.reason != LL_PASS_LEASE_EXPIRED &&
			   dm_fast_entry(f->b, avail);

		fast_runs += got;
		fast_by_inst[i - in] += got;
		if (got != (__u64)want) {
			mm("     fast entry: datapath took it %llu times, model says %s\n", got,
			   want ? "once" : "never");
			bad = 1;
		}
	}
	if (i->hook == LL_HOOK_XDP)
		verdict = opts.retval == XDP_PASS ? 1 : opts.retval == XDP_DROP ? 0 : -1;
	else
		verdict = opts.retval == (__u32)-1 ? 1 : opts.retval == 2 ? 0 : -1;	/* TC_ACT_UNSPEC: passed on */
	if (verdict != res.pass) {
		mm("     verdict: datapath %s (retval %u), model %s (%s)\n",
		   verdict < 0 ? "other" : verdict ? "pass" : "drop", opts.retval,
		   res.pass ? "pass" : "drop", rname(res.reason));
		bad = 1;
	}

	/* every counter slot of every hook: one batched read */
	if (res.reason != DM_NO_COUNT)
		want_pk[LL_COUNTER_IDX(i->hook, res.reason)]++;
	for (int n = 0; n < res.nnotes; n++)
		want_pk[LL_COUNTER_IDX(i->hook, res.notes[n])]++;
	if (read_sums(i->fd_counters, LL_COUNTER_SLOTS, pk, by)) {
		mm("     reading the counters failed\n");
		bad = 1;
	} else {
		for (__u32 k = 0; k < LL_COUNTER_SLOTS; k++) {
			__u64 dp = pk[k] - i->snap_pk[k], db = by[k] - i->snap_by[k];
			__u64 wb = want_pk[k] * f->len;
			int check_bytes = k % LL_REASON_MAX != LL_NOTE_EVENT_LOST;

			if (dp != want_pk[k] || (check_bytes && db != wb)) {
				mm("     counter %s/%s: datapath +%llu packets +%llu"
				   " bytes, model +%llu +%llu\n",
				   ll_hook_names[k / LL_REASON_MAX], ll_reason_names[k % LL_REASON_MAX],
				   dp, db, want_pk[k], wb);
				bad = 1;
			}
			i->snap_pk[k] = pk[k];
			i->snap_by[k] = by[k];
		}
	}
	if (bad)
		mm("     model: %s%s%s%s%s\n", rname(res.reason), res.nnotes ? " + " : "",
		   res.nnotes ? rname(res.notes[0]) : "", res.nnotes > 1 ? " + " : "",
		   res.nnotes > 1 ? rname(res.notes[1]) : "");

	/* rule hit counters, when the model credits a rule */
	if (res.rule_id >= 0) {
		__u64 hp[HIT_IDS], hb[HIT_IDS];

		if (read_sums(i->fd_hits, HIT_IDS, hp, hb)) {
			mm("     reading rule hits failed\n");
			bad = 1;
		} else {
			for (int k = 0; k < HIT_IDS; k++)
				if (hp[k] - i->hit_pk[k] != i->m.rule_pk[k] ||
				    hb[k] - i->hit_by[k] != i->m.rule_by[k]) {
					mm("     rule %d hits: datapath %llu/%llu"
					   " bytes, model %llu/%llu (model credits rule %d)\n",
					   k, hp[k] - i->hit_pk[k], hb[k] - i->hit_by[k],
					   (__u64)i->m.rule_pk[k], (__u64)i->m.rule_by[k], res.rule_id);
					bad = 1;
				}
		}
	}
	/* the credited flow's own counter */
	if (res.flow >= 0) {
		struct ll_flow_val v;
		const struct dm_flow *mf = &i->m.flows[res.flow];

		if (flow_get(i, &mf->key, &v)) {
			mm("     flow %d lookup failed\n", res.flow);
			bad = 1;
		} else if (v.packets != mf->packets || v.bytes != mf->bytes) {
			mm("     flow %d hits: datapath %llu/%llu bytes, model %llu"
			   "/%llu\n", res.flow, (__u64)v.packets, (__u64)v.bytes,
			   (__u64)mf->packets, (__u64)mf->bytes);
			bad = 1;
		}
	}
	/* ring-buffer events of this frame */
	memset(i->ev, 0, sizeof(i->ev));
	ring_buffer__consume(i->rb);
	for (int t = 0; t <= LL_EV_MAX; t++) {
		int want = t == res.event;

		if (i->ev[t] != want) {
			mm("     events of type %s: datapath %d, model %d\n",
			   t < LL_EV_MAX ? ll_event_names[t] : "(invalid)", i->ev[t], want);
			bad = 1;
		}
	}
	if (res.event == LL_EV_PFMEMALLOC && i->ev[LL_EV_PFMEMALLOC] == 1 &&
	    (i->ev_last.source != LL_SRC_PFMEMALLOC || i->ev_last.level != LL_LEVEL_CRITICAL)) {
		mm("     pfmemalloc event: source %u level %u, expected pfmemalloc/critical\n",
		   i->ev_last.source, i->ev_last.level);
		bad = 1;
	}
	/* the first pfmemalloc sighting raises the kernel vote */
	if (res.raise && !was_raised) {
		struct ll_state st;
		__u32 zero = 0;
		__u64 t1 = ll_now_ns();

		i->m.raised = 1;
		if (bpf_map_lookup_elem(i->fd_state, &zero, &st)) {
			mm("     reading the state failed\n");
			bad = 1;
		} else {
			/*
			 * Raised to critical for the kernel lease, with the slack of the
			 * datapath's coarse clock: it lagged 23 ms behind on a machine
			 * at load 10 (ticks delayed), so 50 ms. A kernel vote already live at critical keeps
			 * its source (vmscan) and gets the lease renewed.
			 */
			int was_live = dm_vote_live(&i->written.kernel, t0) &&
				       i->written.kernel.level >= LL_LEVEL_CRITICAL;
			int raised = st.kernel.level == LL_LEVEL_CRITICAL &&
				     (st.kernel.source == LL_SRC_PFMEMALLOC ||
				      (was_live && st.kernel.source == i->written.kernel.source)) &&
				     st.kernel.expires_ns + 50000000ULL >= t0 + LL_KERNEL_LEASE_NS &&
				     st.kernel.expires_ns <= t1 + LL_KERNEL_LEASE_NS + 50000000ULL;
			/* or left alone: already at critical or above, and live */
			int kept = was_live && !memcmp(&st.kernel, &i->written.kernel, sizeof(st.kernel));

			if (!raised && !kept) {
				mm("     kernel vote after a pfmemalloc sighting: level %u source %u"
				   " expires in %lld ns, expected critical/pfmemalloc, %llu ns\n",
				   st.kernel.level, st.kernel.source,
				   (__s64)(st.kernel.expires_ns - t1), LL_KERNEL_LEASE_NS);
				bad = 1;
			}
		}
	}
	/*
	 * A chunk taken from the full pool: this CPU's credit as the model's,
	 * and the pool paid up to its depth before the datapath's clock (the
	 * coarse clock: up to a few jiffies behind t0) plus the chunk's time.
	 * Then the test fills the pool again (paid long ago) or empties it.
	 */
	if (res.refilled) {
		__u64 t1 = ll_now_ns(), rate = i->m.st.budget_rate, depth, lo, hi, cns, dns;
		__u32 zero = 0;
		struct ll_bucket b[ncpus];
		struct ll_pool pool;

		if (rate > LL_BUDGET_RATE_MAX)
			rate = LL_BUDGET_RATE_MAX;
		depth = i->m.st.budget_burst > LL_POOL_DEPTH_CHUNKS * res.chunk ?
				i->m.st.budget_burst : LL_POOL_DEPTH_CHUNKS * res.chunk;
		if (depth > rate)
			depth = rate;
		/*
		 * paid = now - depth's time + ceil(chunk), in ns; the depth's
		 * time: its whole chunks at ceil(chunk) each, and the rest
		 */
		cns = (res.chunk * NS + rate - 1) / rate;
		dns = depth / res.chunk * cns + (depth % res.chunk * NS + rate - 1) / rate;
		lo = t0 - 100000000ULL - dns + cns;
		hi = t1 - dns + cns;
		if (!bpf_map_lookup_elem(i->fd_bucket, &zero, b) && b[my_cpu].tokens != i->m.tokens) {
			mm("     bucket after a take from the pool: datapath %llu"
			   " tokens, model %llu (chunk %llu)\n",
			   (__u64)b[my_cpu].tokens, (__u64)i->m.tokens, (__u64)res.chunk);
			bad = 1;
		}
		if (!bpf_map_lookup_elem(i->fd_pool, &zero, &pool) &&
		    (pool.paid_ns < lo || pool.paid_ns > hi ||
		     pool.takes != i->pool_written.takes + 1)) {
			mm("     pool after a take: paid_ns %llu, takes %llu; model [%llu, %llu], %llu\n",
			   (__u64)pool.paid_ns, (__u64)pool.takes, lo, hi,
			   (__u64)i->pool_written.takes + 1);
			bad = 1;
		}
		/* full again for the next seven takes of the scenario, then empty */
		i->pool_written.takes++;
		i->m.refill = i->pool_written.takes % 8 != 0;
		i->pool_written.paid_ns = i->m.refill ? 1 : t1 + 3600 * NS;
		bpf_map_update_elem(i->fd_pool, &zero, &i->pool_written, 0);
	}
	if (debug_frags) {
		__u8 k1[64], k2[64];
		int n = 0, first = 1;

		while (!bpf_map_get_next_key(i->fd_frags, first ? NULL : k1, k2)) {
			memcpy(k1, k2, sizeof(k2));
			first = 0;
			n++;
		}
		if (n != i->m.nfrags) {
			mm("     remembered fragments: datapath %d, model %d\n", n, i->m.nfrags);
			bad = 1;
		}
	}
	if (bad)
		report(c, i, f, known_cause(f));
	return bad ? -1 : 0;
}

/* End of a scenario: everything the frames may have changed. */
static int check_end(struct ctx *c, struct inst *i, const struct scen *s)
{
	__u64 hp[HIT_IDS], hb[HIT_IDS];
	struct ll_bucket b[ncpus];
	struct ll_state st;
	__u32 zero = 0;
	struct frame none = {};
	int bad = 0;
	long nfr = 0;
	struct ll_frag_key k, next;
	int first = 1;

	mism[0] = 0;
	snprintf(none.desc, sizeof(none.desc), "(end of scenario checks)");
	if (read_sums(i->fd_hits, HIT_IDS, hp, hb))
		return -1;
	for (int r = 0; r < HIT_IDS; r++)
		if (hp[r] - i->hit_pk[r] != i->m.rule_pk[r] || hb[r] - i->hit_by[r] != i->m.rule_by[r]) {
			mm("     rule %d hits: datapath %llu, model %llu\n", r,
			   hp[r] - i->hit_pk[r], (__u64)i->m.rule_pk[r]);
			bad = 1;
		}
	for (int f = 0; f < i->m.nflows; f++) {
		struct ll_flow_val v = {};

		if (flow_get(i, &i->m.flows[f].key, &v) ||
		    v.packets != i->m.flows[f].packets || v.bytes != i->m.flows[f].bytes ||
		    v.origin != s->flow_origin[f]) {
			mm("     flow %d: datapath %llu packets, model %llu\n", f,
			   (__u64)v.packets, (__u64)i->m.flows[f].packets);
			bad = 1;
		}
	}
	/* the remembered fragments: the same set, each with its first fragment's reason */
	while (!bpf_map_get_next_key(i->fd_frags, first ? NULL : &k, &next)) {
		struct ll_frag_val v;
		int mi = dm_frag_find(&i->m, &next);

		first = 0;
		k = next;
		nfr++;
		if (bpf_map_lookup_elem(i->fd_frags, &next, &v))
			continue;
		if (mi < 0 || v.reason != i->m.frags[mi].reason) {
			char a[64], d[64];

			addr_str(next.src, a, sizeof(a));
			addr_str(next.dst, d, sizeof(d));
			mm("     fragment entry %s > %s id %u proto %u reason %s: %s\n", a, d, next.id,
			   next.proto, rname(v.reason),
			   mi < 0 ? "not in the model" : "model has another reason");
			bad = 1;
		}
	}
	for (int mi = 0; mi < i->m.nfrags; mi++) {
		struct ll_frag_val v;

		if (bpf_map_lookup_elem(i->fd_frags, &i->m.frags[mi].key, &v)) {
			char a[64], d[64];

			addr_str(i->m.frags[mi].key.src, a, sizeof(a));
			addr_str(i->m.frags[mi].key.dst, d, sizeof(d));
			mm("     fragment entry %s > %s id %u proto %u reason %s: only in the model\n", a,
			   d, i->m.frags[mi].key.id, i->m.frags[mi].key.proto,
			   rname(i->m.frags[mi].reason));
			bad = 1;
		}
	}
	if (nfr != i->m.nfrags) {
		mm("     remembered fragments: datapath %ld, model %d\n", nfr, i->m.nfrags);
		bad = 1;
	}
	if (!bpf_map_lookup_elem(i->fd_bucket, &zero, b)) {
		for (int cpu = 0; cpu < ncpus; cpu++) {
			__u64 want = cpu == my_cpu ? i->m.tokens : s->bucket.tokens;
			__u64 want_adm = cpu == my_cpu ? i->m.admitted : s->bucket.admitted;
			__u64 want_held = cpu == my_cpu ? i->m.held : s->bucket.held;

			if (b[cpu].tokens != want || b[cpu].admitted != want_adm ||
			    b[cpu].held != want_held) {
				mm("     bucket of cpu %d: datapath %llu tokens %llu admitted %llu held,"
				   " model %llu %llu %llu\n", cpu, (__u64)b[cpu].tokens,
				   (__u64)b[cpu].admitted, (__u64)b[cpu].held, want, want_adm,
				   want_held);
				bad = 1;
			}
		}
	}
	{
		struct ll_pool pool;

		if (!bpf_map_lookup_elem(i->fd_pool, &zero, &pool) &&
		    memcmp(&pool, &i->pool_written, sizeof(pool))) {
			mm("     pool: datapath paid_ns %llu takes %llu, model %llu %llu\n",
			   (__u64)pool.paid_ns, (__u64)pool.takes, (__u64)i->pool_written.paid_ns,
			   (__u64)i->pool_written.takes);
			bad = 1;
		}
	}
	if (!bpf_map_lookup_elem(i->fd_state, &zero, &st)) {
		struct ll_state w = i->written;

		if (i->m.raised)
			w.kernel = st.kernel;	/* checked at the raise */
		if (memcmp(&st, &w, sizeof(st))) {
			mm("     state changed by the datapath (kernel vote %u/%u)\n", st.kernel.level,
			   st.kernel.source);
			bad = 1;
		}
	}
	if (bad)
		report(c, i, &none, CAUSE_NONE);
	return bad ? -1 : 0;
}

/* ------------------------------------------------------------ families */

static __u64 opt_frames = 200000, opt_seed = 20261204;
static __u64 total_frames, total_runs, total_mismatches;

/* The family's generator, seeded as every run of the family (test_diff's, test_explain's). */
static void gen_seed(struct gen *g, enum family fam)
{
	g->fam = fam;
	g->r.s = opt_seed * 0x100000001b3ULL + (__u64)fam * 0x9e3779b97f4a7c15ULL;
	rnd(&g->r);
}

/*
 * Scenario c->scen of the generator's family: drawn into sc, the generator's
 * frames pointed at it, installed in the ninst instances. Its frame count,
 * or -1 (a FAIL line said why).
 */
static int scen_next(struct gen *g, struct ctx *c, struct scen *sc, struct inst *insts, int ninst)
{
	int n = 50 + (int)rn(&g->r, g->fam == FAM_TRUNC ? 3000 : 1500);
	char err[256];

	if (gen_scenario(&g->r, g->fam, sc, err, sizeof(err))) {
		TEST_FAIL_MSG("scenario %d: %s", c->scen, err);
		return -1;
	}
	c->sc = sc;
	g->sc = sc;
	g->nq = 0;
	g->idx = 0;
	g->sweeping = 0;
	for (int k = 0; k < ninst; k++)
		if (install(&insts[k], sc)) {
			TEST_FAIL_MSG("installing scenario %d: %s", c->scen, strerror(errno));
			scen_free(sc);
			return -1;
		}
	return n;
}

static void run_family(enum family fam)
{
	__u64 quota = opt_frames * (__u64)families[fam].share / 100, done = 0;
	struct ctx c = { .seed = opt_seed, .frames_total = opt_frames, .fam = fam };
	struct gen g = {};
	struct scen *sc = calloc(1, sizeof(*sc));
	struct frame *f = calloc(1, sizeof(*f));

	if (!sc || !f) {
		TEST_FAIL_MSG("out of memory");
		goto out;
	}
	gen_seed(&g, fam);
	for (c.scen = 0; done < quota; c.scen++) {
		int n = scen_next(&g, &c, sc, in, NINST), failed = 0;

		if (n < 0)
			break;
		for (c.frame = 0; c.frame < n && done < quota; c.frame++, g.idx++) {
			gen_frame(&g, f);
			for (int k = 0; k < NINST && !failed; k++) {
				failed = run_one(&c, &in[k], f) != 0;
				total_runs++;
			}
			done++;
			c.fam_frame++;
			/* a diverged model would only repeat the mismatch: next scenario */
			if (failed || in[XDP].m.nfrags > 1000 || in[PFM].m.nfrags > 1000 ||
			    in[TCP_POLICY].m.nfrags > 1000)
				break;
		}
		if (!failed)
			for (int k = 0; k < NINST; k++)
				check_end(&c, &in[k], sc);
		scen_free(sc);
	}
out:
	total_frames += done;
	total_mismatches += c.mismatches;
	if (c.mismatches)
		fprintf(stderr, "     %s: %llu mismatches in %llu frames\n",
			families[fam].name, c.mismatches, done);
	free(sc);
	free(f);
}

/*
 * The charge per frame length as this instance measures it: an all-zero
 * frame (no IP: unregistered) at elevated with ample credit, and how much
 * this CPU's admitted bytes grew. The model takes it as given; checked here
 * is its shape: XDP charges one buffer size whatever the length (test runs
 * give every frame the same buffer), tc a truesize that holds the frame and
 * never shrinks as the frame grows.
 */
static int calibrate(struct inst *i)
{
	struct scen *s = calloc(1, sizeof(*s));
	static __u8 zeros[FRAME_MAX];
	struct ll_bucket b[ncpus];
	__u64 now = ll_now_ns(), prev = 0, first = 0;
	__u32 zero = 0;
	int err = -ENOMEM;

	if (!s)
		return err;
	s->st.daemon = (struct ll_vote){ LL_LEVEL_ELEVATED, LL_SRC_PSI, now - NS, now + 3600 * NS };
	s->st.budget_rate = LL_DEFAULT_BUDGET_RATE;
	s->bucket.tokens = 1ULL << 50;
	s->pool.paid_ns = now + 3600 * NS;
	err = install(i, s);
	for (__u32 len = 1; !err && len <= FRAME_MAX; len++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = zeros, .data_size_in = len,
			    .repeat = 1);
		__u64 before;

		if (bpf_map_lookup_elem(i->fd_bucket, &zero, b)) {
			err = -errno;
			break;
		}
		before = b[my_cpu].admitted;
		if (bpf_prog_test_run_opts(i->prog_fd, &opts))
			continue;	/* too short for this hook: never run through it */
		if (bpf_map_lookup_elem(i->fd_bucket, &zero, b)) {
			err = -errno;
			break;
		}
		i->charge[len] = b[my_cpu].admitted - before;
		if (i->charge[len] < len || (i->hook == LL_HOOK_XDP && first && i->charge[len] != first) ||
		    i->charge[len] < prev) {
			fprintf(stderr, "FAIL %s charges a %u-byte frame %llu bytes (previous length: %llu)\n",
				i->hook == LL_HOOK_XDP ? "xdp" : "tc", len, (__u64)i->charge[len], prev);
			err = -EINVAL;
		}
		if (!first)
			first = i->charge[len];
		prev = i->charge[len];
	}
	if (!err && tst.verbose)
		printf("calibrate %s: a 64-byte frame is charged %llu bytes, a 1514-byte one %llu\n",
		       i->hook == LL_HOOK_XDP ? "xdp" : "tc", (__u64)i->charge[64],
		       (__u64)i->charge[1514]);
	free(s);
	return err;
}

/*
 * The pool's credit over real time, which the frame-by-frame comparison
 * freezes: at a budget of 20 frames' charge a second, with the pool empty
 * at the start and a quarter second deep, frames sent every millisecond
 * for a second must be admitted at least half of the budget (the process
 * may be descheduled for a while) and never more than the budget for the
 * time elapsed. The pool's clock must also keep the fraction of a byte
 * each nanosecond earns: a rounding that lost it would admit nothing.
 */
static void test_pool_rate(void)
{
	struct inst *i = &in[XDP];
	struct scen *s = calloc(1, sizeof(*s));
	struct fspec fs = {};
	struct frame *f = calloc(1, sizeof(*f));
	struct rng r = { 1 };
	struct timespec t0, t1;
	struct ll_bucket b[ncpus];
	int pass = 0, runs = 0;
	__u64 now = ll_now_ns(), charge, rate, admitted;
	__u32 zero = 0;
	double secs;

	if (!ASSERT_TRUE(s && f, "memory"))
		goto out;
	addr16("203.0.113.50", fs.src);
	addr16("192.0.2.1", fs.dst);
	fs.proto = IPPROTO_UDP;
	fs.sport = 5000;
	fs.dport = 9;
	build(&r, &fs, f);
	charge = i->charge[f->len];
	rate = 20 * charge + 7;		/* not a whole number of frames a second */
	s->st.daemon = (struct ll_vote){ LL_LEVEL_ELEVATED, LL_SRC_PSI, now - NS, now + 3600 * NS };
	s->st.budget_rate = rate;
	s->st.budget_burst = rate / 4;
	s->pool.paid_ns = now;
	if (!ASSERT_EQ(install(i, s), 0, "install"))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = (__u32)f->len,
			    .repeat = 1);

		if (!ASSERT_EQ(bpf_prog_test_run_opts(i->prog_fd, &opts), 0, "BPF_PROG_TEST_RUN"))
			goto out;
		pass += opts.retval == XDP_PASS;
		runs++;
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	} while (secs < 1.0);
	if (!ASSERT_EQ(bpf_map_lookup_elem(i->fd_bucket, &zero, b), 0, "read the bucket"))
		goto out;
	admitted = b[my_cpu].admitted;
	ASSERT_EQ(admitted, (__u64)pass * charge, "admitted bytes are the passed frames' charges");
	if ((double)admitted < 0.5 * (double)rate * secs ||
	    (double)admitted > (double)rate * (secs + 0.05))
		TEST_FAIL_MSG("%d of %d frames (%llu bytes each) passed in %.2f s at %llu bytes/s: "
			      "%llu bytes admitted, expected about %.0f", pass, runs,
			      (__u64)charge, secs, (__u64)rate, (__u64)admitted, rate * secs);
out:
	free(s);
	free(f);
}

/*
 * A full pool lends credit at any rate and burst the CLI accepts, and
 * holds enough of it that the chunking loses none. For rates that are no
 * whole number of chunks (B/64) a second, with the burst below a chunk:
 * the pool untouched for an hour, this CPU's bucket empty, one frame must
 * pass (a chunk's time rounded up against a depth rounded down admitted
 * nothing, ever). Then, without waiting, frames pass until the credit of
 * the pool's depth is spent: at least two chunks, so that
 * a CPU spending one chunk while the clock moves in jiffies leaves room for
 * the next (a one-chunk pool lost up to a jiffy of credit at every take).
 */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
static void test_pool_depth(void)
{
	static const __u64 rates[] = { 16777217, 20000001, 100000001, 4294967295ULL, 1048583,
				       1048576, 4096 };
	static const __u64 bursts[] = { 0, 100, 1514, 4096, LL_DEFAULT_BUDGET_BURST };
	struct inst *i = &in[XDP];
	struct scen *s = calloc(1, sizeof(*s));
	struct fspec fs = {};
	struct frame *f = calloc(1, sizeof(*f));
	struct rng r = { 1 };
	struct ll_bucket b[ncpus];
	__u32 zero = 0;

	if (!ASSERT_TRUE(s && f, "memory"))
		goto out;
	addr16("203.0.113.51", fs.src);
	addr16("192.0.2.1", fs.dst);
	fs.proto = IPPROTO_UDP;
	fs.sport = 5001;
	fs.dport = 9;
	build(&r, &fs, f);
	for (size_t k = 0; k < NELEM(rates) * NELEM(bursts); k++) {
		__u64 rate = rates[k / NELEM(bursts)], burst = bursts[k % NELEM(bursts)];
		__u64 now = ll_now_ns(), charge = i->charge[f->len], want, chunk, admitted;
		int pass = 0, first = -1;

		memset(s, 0, sizeof(*s));
		s->st.daemon = (struct ll_vote){ LL_LEVEL_ELEVATED, LL_SRC_PSI, now - NS,
						 now + 3600 * NS };
		s->st.budget_rate = rate;
		s->st.budget_burst = burst;
		s->pool.paid_ns = now - 3600 * NS;
		if (!ASSERT_EQ(install(i, s), 0, "install"))
			goto out;
		for (int n = 0; n < 100000; n++) {
			LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b,
				    .data_size_in = (__u32)f->len, .repeat = 1);

			if (!ASSERT_EQ(bpf_prog_test_run_opts(i->prog_fd, &opts), 0,
				       "BPF_PROG_TEST_RUN"))
				goto out;
			if (first < 0)
				first = opts.retval == XDP_PASS;
			if (opts.retval != XDP_PASS)
				break;
			pass++;
		}
		if (!ASSERT_EQ(bpf_map_lookup_elem(i->fd_bucket, &zero, b), 0, "read the bucket"))
			goto out;
		admitted = b[my_cpu].admitted;
		if (charge > rate) {
			/* more than a second's budget: never passes */
			if (pass)
				TEST_FAIL_MSG("rate %llu, burst %llu: %d frames of %llu bytes passed",
					      rate, burst, pass, charge);
			continue;
		}
		chunk = rate / LL_POOL_SLICES > charge ? rate / LL_POOL_SLICES : charge;
		want = 2 * chunk;	/* one being spent, one accruing */
		if (want < burst)
			want = burst;
		if (want > rate)
			want = rate;
		want -= want % chunk;	/* the pool lends whole chunks */
		/* the depth's whole chunks, less what a frame can leave unspent */
		if (first != 1 || admitted + charge <= want)
			TEST_FAIL_MSG("rate %llu bytes/s, burst %llu: a full pool passed %d frames "
				      "(%llu bytes of %llu-byte charges), the first %s; expected "
				      "at least %llu bytes", rate, burst, pass, admitted, charge,
				      first == 1 ? "passed" : "dropped", want);
	}
out:
	free(s);
	free(f);
}

/*
 * A multi-buffer XDP frame is charged at least the pages it holds: its
 * first buffer and a page for every fragment, whatever the driver wrote in
 * skb_shared_info.xdp_frags_truesize (veth and BPF_PROG_TEST_RUN leave it
 * out; the charge was the first buffer plus about the fragments' length, so
 * a jumbo flood put 1.17x the budget into the stack). Frames of 5,000 to
 * 16,000 bytes at elevated with ample credit: the charge must be at least
 * the frame's length rounded up to whole pages.
 */
static void test_multibuf_charge(void)
{
	static const __u32 lens[] = { 3000, 5000, 8042, 9014, 16000 };
	struct inst *i = &in[XDP];
	struct scen *s = calloc(1, sizeof(*s));
	static __u8 buf[16384];
	struct ll_bucket b[ncpus];
	__u64 now = ll_now_ns(), page = (__u64)sysconf(_SC_PAGESIZE);
	__u32 zero = 0;

	if (!ASSERT_TRUE(s != NULL, "memory"))
		goto out;
	s->st.daemon = (struct ll_vote){ LL_LEVEL_ELEVATED, LL_SRC_PSI, now - NS, now + 3600 * NS };
	s->st.budget_rate = LL_DEFAULT_BUDGET_RATE;
	s->bucket.tokens = 1ULL << 50;
	s->pool.paid_ns = now + 3600 * NS;
	if (!ASSERT_EQ(install(i, s), 0, "install"))
		goto out;
	for (size_t k = 0; k < NELEM(lens); k++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = lens[k],
			    .repeat = 1);
		__u64 before, charge, want = (lens[k] + page - 1) / page * page;

		if (!ASSERT_EQ(bpf_map_lookup_elem(i->fd_bucket, &zero, b), 0, "read the bucket"))
			goto out;
		before = b[my_cpu].admitted;
		if (!ASSERT_EQ(bpf_prog_test_run_opts(i->prog_fd, &opts), 0, "BPF_PROG_TEST_RUN") ||
		    !ASSERT_EQ(bpf_map_lookup_elem(i->fd_bucket, &zero, b), 0, "read the bucket"))
			goto out;
		charge = b[my_cpu].admitted - before;
		if (charge < want)
			TEST_FAIL_MSG("a %u-byte multi-buffer frame was charged %llu bytes, less than "
				      "its %llu bytes of pages", lens[k], charge, want);
		else if (tst.verbose)
			printf("a %u-byte frame: charged %llu bytes\n", lens[k], charge);
	}
out:
	free(s);
}

static int quiet(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	return lvl == LIBBPF_DEBUG || !getenv("LL_TEST_VERBOSE") ? 0 : vfprintf(stderr, fmt, ap);
}

static void usage(void)
{
	fprintf(stderr, "usage: test_diff [--frames N] [--seed S] [-t NAME] [-v] [--mimic LIST]\n"
			"  N frames (default 200000), each through XDP and TC: 2N runs compared\n"
			"  the long run: build/tests/test_diff --frames 10000000\n"
			"  --mimic frag7: the model copies the datapath on these known\n"
			"    divergences from the documentation, to look past them\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "frames", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "mimic", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct timespec t0, t1;
	cpu_set_t set;
	double secs;
	int o;

	test_init(argc, argv);
	while ((o = getopt_long(argc, argv, "t:vh", lo, NULL)) != -1) {
		switch (o) {
		case 'n':
			opt_frames = strtoull(optarg, NULL, 0);
			break;
		case 's':
			opt_seed = strtoull(optarg, NULL, 0);
			break;
		case 'm': {
			char list[128], *save = NULL;

			snprintf(list, sizeof(list), "%s", optarg);	/* argv stays as typed */
			for (char *tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				int k;

				for (k = 0; k < NDIV && strcmp(tok, divergences[k].name); k++)
					;
				if (k == NDIV) {
					usage();
					return 2;
				}
				*divergences[k].flag = 1;
			}
			break;
		}
		case 't':
		case 'v':
			break;	/* test_init */
		default:
			usage();
			return o == 'h' ? EXIT_SUCCESS : 2;
		}
	}
	libbpf_set_print(quiet);
	debug_frags = getenv("DIFF_DEBUG_FRAGS") != NULL;

	/* one CPU: the per-CPU token bucket the model follows is this CPU's */
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (my_cpu = 0; my_cpu < CPU_SETSIZE && !CPU_ISSET(my_cpu, &set); my_cpu++)
			;
		CPU_ZERO(&set);
		CPU_SET(my_cpu, &set);
	}
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "FAIL cannot pin to one CPU: %s\n", strerror(errno));
		tst.failed++;
		return test_summary();
	}
	ncpus = libbpf_num_possible_cpus();
	pcbuf = calloc((size_t)(ncpus > 0 ? ncpus : 1) * (LL_COUNTER_SLOTS + HIT_IDS),
		       sizeof(struct ll_counter));
	if (ncpus <= 0 || !pcbuf || load(&in[XDP], 0, 0) || load(&in[PFM], 1, 0) ||
	    load(&in[TCP_POLICY], 0, 1)) {
		fprintf(stderr, "FAIL setup (root needed to load the datapath)\n");
		tst.failed++;
		return test_summary();
	}
	if (calibrate(&in[XDP]) || calibrate(&in[TCP_POLICY])) {
		fprintf(stderr, "FAIL measuring the charge per frame length\n");
		tst.failed++;
		return test_summary();
	}
	printf("test_diff: seed %llu, %llu frames, %d cpus (pinned to cpu %d)\n",
	       opt_seed, opt_frames, ncpus, my_cpu);
	for (int k = 0; k < NDIV; k++)
		if (*divergences[k].flag)
			printf("test_diff: NOTE the model copies the datapath on %s\n",
			       divergences[k].name);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int fam = 0; fam < FAM_MAX; fam++)
		TEST_RUN(families[fam].name, run_family, (enum family)fam);
	TEST_RUN("diff/budget pool grants the rate over real time", test_pool_rate);
	TEST_RUN("diff/budget pool lends its depth at any rate and burst", test_pool_depth);
	TEST_RUN("diff/budget multi-buffer frame charged its pages", test_multibuf_charge);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("test_diff: %llu frames, %llu runs compared (xdp + 2 tc; %llu short frames tc cannot"
	       " run; %llu xdp runs multi-buffer, headers split), %llu mismatches, %.1f s,"
	       " %.0f runs/s\n",
	       total_frames, total_runs - tc_skipped, tc_skipped, xdp_split_runs, total_mismatches, secs,
	       secs > 0 ? (total_runs - tc_skipped) / secs : 0);
	printf("test_diff: %llu runs took the parser's fast entry (", fast_runs);
	for (int k = 0; k < NINST; k++)
		printf("%s%s %llu", k ? ", " : "", inst_names[k], fast_by_inst[k]);
	printf("), each one the model expected\n");
	if (total_mismatches) {
		printf("test_diff: mismatches by cause:");
		for (int k = 0; k <= NDIV; k++)
			if (causes[k])
				printf(" %s %llu", cause_name(k), causes[k]);
		printf("\n");
	}
	if (tst.verbose)
		for (int k = 0; k < NINST; k++) {
			printf("coverage %s:", inst_names[k]);
			for (int r = 0; r < LL_REASON_MAX; r++)
				if (cov[k][r])
					printf(" %s=%llu", ll_reason_names[r], cov[k][r]);
			printf(" fast_path=%llu refills=%llu fragments_remembered=%llu\n",
			       cov[k][COV_NOCOUNT], cov[k][COV_REFILL], cov[k][COV_FRAG_NEW]);
		}
	for (int k = 0; k < NINST; k++) {
		ring_buffer__free(in[k].rb);
		lifeline_bpf__destroy(in[k].skel);
	}
	free(pcbuf);
	return test_summary();
}
