// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pktcost: what lifeline costs per packet, measured with BPF_PROG_TEST_RUN.
 *
 * Every case runs one frame through a program REPEAT times in the kernel's
 * test-run loop; its cost is the CPU time of that syscall divided by REPEAT
 * (thread CPU time: time this thread lost to preemption on a busy machine
 * is not counted, and the resolution is far below the kernel's integer
 * ns/run). Each run of a case is paired with a run of its bare baseline, so
 * both see the same machine state, and the figure is the median of RUNS
 * such pairs. The ratio is case / baseline of the same pairs.
 *
 * Usage: pktcost [-r REPEAT] [-n RUNS] [--json] [-o DIR] [--no-save] [-v]
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "benchlib.h"
#include "bare.skel.h"
#include "floors.skel.h"
#include "floor.h"

#define TC_ACT_OK ((__u32)-1)	/* lifeline passes with TC_ACT_UNSPEC (the next program decides) */
#define TC_ACT_SHOT 2

#define XDPFILT_PROG "xdpfilt_dny_all"
/* Where Debian's libxdp1 installs the xdp-filter objects ($LIBXDP_OBJECT_PATH first). */
static const char *const xdpfilt_dirs[] = {
	"/usr/lib/x86_64-linux-gnu/bpf", "/usr/lib/aarch64-linux-gnu/bpf", "/usr/lib/bpf",
	"/usr/local/lib/bpf",
};

/* From xdp-tools' xdp-filter/common_kern_user.h (values of filter_ports). */
#define XF_FLAG_SRC (1 << 0)
#define XF_FLAG_DST (1 << 1)
#define XF_FLAG_TCP (1 << 2)
#define XF_FLAG_UDP (1 << 3)

#define BENCH_FLOWS 1000000	/* the exact flows of the target cases (issue 17) */

struct opts {
	__u32 repeat;
	int runs;
	int json;
	int save;
	int verbose;
	const char *outdir;
	const char *only;	/* -c: measure only the cases whose name holds one of these ('|') */
};

static struct opts opt = { .repeat = 1000000, .runs = 7, .save = 1, .outdir = "build/bench/results" };

enum base { BASE_NONE, BASE_XDP_PASS, BASE_XDP_DROP, BASE_TC_SHOT, BASE_TC_OK, BASE_MAX };
static const char *const base_names[] = { "-", "bare XDP_PASS", "bare XDP_DROP", "bare tc SHOT",
					  "bare tc OK" };

enum verdict { V_INFO = 0, V_MET, V_MISSED, V_SKIPPED, V_WRONG };
static const char *const verdict_names[] = { "-", "met", "missed", "skipped", "WRONG VERDICT" };

struct row {
	char name[80];
	double ns;		/* median ns/packet */
	double base_ns;		/* median ns/packet of the paired baseline */
	double ratio;		/* median of the per-pair ratios */
	enum base base;
	double target;		/* max ratio; 0: no target of its own */
	char target_desc[48];
	enum verdict verdict;
	char note[160];		/* skip reason or wrong verdict */
};

#define MAX_ROWS 96
static struct row rows[MAX_ROWS];
static int nrows;
static int had_error;

struct bench {
	struct bare_bpf *bare;
	int base_fd[BASE_MAX];
	int ncpus;
	int counters_fd;	/* ll_counters of the lifeline instance under test, or -1 */
};

#define NO_CHECK (-1)

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && opt.verbose < 2)
		return 0;
	if (!opt.verbose && level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static __u64 thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* One test run of REPEAT packets; returns ns/packet, or a negative errno. */
static double run_once(int prog_fd, const void *pkt, size_t len, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = len,
		    .repeat = opt.repeat);
	__u64 t0, t1;
	int err;

	t0 = thread_cpu_ns();
	err = bpf_prog_test_run_opts(prog_fd, &t);
	t1 = thread_cpu_ns();
	if (err)
		return -errno;
	*retval = t.retval;
	return (double)(t1 - t0) / opt.repeat;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct row *row_add(const char *fmt, ...)
{
	struct row *r;
	va_list ap;

	if (nrows == MAX_ROWS) {
		fprintf(stderr, "pktcost: too many rows\n");
		exit(EXIT_FAILURE);
	}
	r = &rows[nrows++];
	memset(r, 0, sizeof(*r));
	va_start(ap, fmt);
	vsnprintf(r->name, sizeof(r->name), fmt, ap);
	va_end(ap);
	return r;
}

static void row_target(struct row *r, double max_ratio)
{
	r->target = max_ratio;
	snprintf(r->target_desc, sizeof(r->target_desc), "<= %gx", max_ratio);
}

static __u64 counter_packets(struct bench *b, int idx)
{
	struct ll_counter c = {};

	if (b->counters_fd < 0 || ll_percpu_counter_sum(b->counters_fd, idx, &c))
		return 0;
	return c.packets;
}

/*
 * Measures prog against base (both on the same frame), pairwise, RUNS times.
 * Checks the verdict, and with counter_idx (LL_COUNTER_IDX) that lifeline
 * took the intended path: a benchmark of the wrong path is no benchmark.
 */
/* -c: does name hold one of the '|'-separated texts (baselines always run)? */
static int selected(const char *name)
{
	const char *t = opt.only;

	if (!t || strstr(name, "(baseline)"))
		return 1;
	for (;;) {
		size_t n = strcspn(t, "|");
		char part[128];

		if (n < sizeof(part)) {
			memcpy(part, t, n);
			part[n] = 0;
			if (strstr(name, part))
				return 1;
		}
		if (!t[n])
			return 0;
		t += n + 1;
	}
}

static struct row *measure(struct bench *b, enum base base, int prog_fd, const void *pkt,
			   size_t len, __u32 want, int counter_idx, const char *name)
{
	double ns[64], bns[64], ratio[64];
	struct row *r = row_add("%s", name);
	int runs = opt.runs < 64 ? opt.runs : 64;
	__u64 before = counter_idx >= 0 ? counter_packets(b, counter_idx) : 0, after;
	__u32 ret, bret;

	r->base = base;
	if (!selected(name)) {
		r->verdict = V_SKIPPED;
		snprintf(r->note, sizeof(r->note), "not selected (-c)");
		return r;
	}
	for (int i = 0; i < runs; i++) {
		bns[i] = run_once(b->base_fd[base], pkt, len, &bret);
		ns[i] = run_once(prog_fd, pkt, len, &ret);
		if (ns[i] < 0 || bns[i] < 0) {
			r->verdict = V_WRONG;
			snprintf(r->note, sizeof(r->note), "test run failed: %s",
				 strerror((int)-(ns[i] < 0 ? ns[i] : bns[i])));
			had_error = 1;
			return r;
		}
		if (ret != want) {
			r->verdict = V_WRONG;
			snprintf(r->note, sizeof(r->note), "returned %u, expected %u", ret, want);
			had_error = 1;
			return r;
		}
		ratio[i] = ns[i] / bns[i];
	}
	if (counter_idx >= 0) {
		after = counter_packets(b, counter_idx);
		if (after - before < (__u64)runs * opt.repeat) {
			r->verdict = V_WRONG;
			snprintf(r->note, sizeof(r->note), "counter %s/%s grew by %llu, expected %llu",
				 ll_hook_names[counter_idx % LL_COUNTER_SLOTS / LL_REASON_MAX],
				 ll_reason_names[counter_idx % LL_REASON_MAX],
				 (unsigned long long)(after - before),
				 (unsigned long long)runs * opt.repeat);
			had_error = 1;
			return r;
		}
	}
	r->ns = median(ns, runs);
	r->base_ns = median(bns, runs);
	r->ratio = median(ratio, runs);
	if (opt.verbose)
		fprintf(stderr, "  %-44s %8.2f ns  (%s %.2f ns)\n", name, r->ns, base_names[base],
			r->base_ns);
	return r;
}

static void judge(struct row *r)
{
	if (r->verdict == V_WRONG || r->verdict == V_SKIPPED || !r->target)
		return;
	r->verdict = r->ratio <= r->target ? V_MET : V_MISSED;
}

static void skip_row(const char *name, const char *target, const char *fmt, ...)
{
	struct row *r = row_add("%s", name);
	va_list ap;

	r->verdict = V_SKIPPED;
	snprintf(r->target_desc, sizeof(r->target_desc), "%s", target);
	va_start(ap, fmt);
	vsnprintf(r->note, sizeof(r->note), fmt, ap);
	va_end(ap);
}

static const struct row *row_find(const char *name)
{
	for (int i = 0; i < nrows; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

/* ---- frames and map contents ---- */

struct frame {
	__u8 buf[1514];
	size_t len;
};

static int frame_build(struct frame *f, const struct pkt_spec *s)
{
	f->len = pkt_build(f->buf, sizeof(f->buf), s);
	return f->len ? 0 : -EINVAL;
}

static void addr_str(const __u8 a[16], char *out, size_t len)
{
	static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(a, v4mapped, 12))
		inet_ntop(AF_INET, a + 12, out, len);
	else
		inet_ntop(AF_INET6, a, out, len);
}

/* The received frame of flow i (remote -> local), or its sent frame when egress. */
static int flow_frame(struct frame *f, __u32 i, int egress)
{
	struct ll_flow_key k;
	char remote[64], local[64];
	struct pkt_spec s = {};

	bench_flow_key(i, &k);
	addr_str(k.remote, remote, sizeof(remote));
	addr_str(k.local, local, sizeof(local));
	s.proto = k.proto;
	if (egress) {
		s.src = local, s.dst = remote;
		s.sport = ntohs(k.local_port), s.dport = ntohs(k.remote_port);
	} else {
		s.src = remote, s.dst = local;
		s.sport = ntohs(k.remote_port), s.dport = ntohs(k.local_port);
	}
	s.payload = 64;
	return frame_build(f, &s);
}

/* ---- the cases ---- */

static void bench_baselines(struct bench *b)
{
	struct pkt_spec s = { .src = "192.0.2.2", .dst = "192.0.2.1", .proto = IPPROTO_UDP,
			      .sport = 5000, .dport = 9, .payload = 64 };
	struct frame f;
	struct row *r;

	frame_build(&f, &s);
	r = measure(b, BASE_XDP_DROP, b->base_fd[BASE_XDP_PASS], f.buf, f.len, XDP_PASS,
		    NO_CHECK, "bare XDP_PASS (baseline)");
	/* Shown against its own pair partner: the two baselines are on a par. */
	r->base = BASE_XDP_DROP;
	r = measure(b, BASE_XDP_PASS, b->base_fd[BASE_XDP_DROP], f.buf, f.len, XDP_DROP,
		    NO_CHECK, "bare XDP_DROP (baseline)");
	r->base = BASE_XDP_PASS;

	s.src = "192.0.2.1", s.dst = "192.0.2.2";
	frame_build(&f, &s);
	r = measure(b, BASE_TC_OK, b->base_fd[BASE_TC_SHOT], f.buf, f.len, TC_ACT_SHOT,
		    NO_CHECK, "bare tc SHOT (baseline)");
	r->base = BASE_TC_OK;
	/* the bare program's own TC_ACT_OK (0), not lifeline's pass (TC_ACT_UNSPEC) */
	r = measure(b, BASE_TC_SHOT, b->base_fd[BASE_TC_OK], f.buf, f.len, 0,
		    NO_CHECK, "bare tc OK (baseline)");
	r->base = BASE_TC_SHOT;
}

/*
 * The frames of the issue-17 cases, from the remotes of bench/benchlib.h:
 * exact flows come from 192.0.2.2-251 and 2001:db8:f::2-fb (port
 * BENCH_FLOW_PORT), endpoint rules are for 198.51.100.0/24, 203.0.113.0-243
 * and 2001:db8:100::0-1f3 (port BENCH_RULE_PORT).
 */
enum kind {
	K_JUNK,		/* a remote with no registration at all: the flood's packet */
	K_REGJUNK,	/* a remote with exact flows, on ports none of them has */
	K_FLOW,		/* an exact flow */
	K_RULE,		/* an endpoint rule (no exact flow) */
};

static const struct kcase {
	enum kind kind;
	const char *what;	/* row name after "xdp: " / "tc: " */
	const char *src, *dst;
	__u8 proto;
	__u16 sport, dport;
	double target;		/* max ratio to the bare program */
	const char *v4_pair;	/* for IPv6: the IPv4 row it is held within 1.2x of */
} kcases[] = {
	{ K_JUNK, "junk, unregistered remote, UDP IPv4", "192.0.2.254", "192.0.2.1", IPPROTO_UDP,
	  5353, 9, 2.0, NULL },
	{ K_JUNK, "junk, unregistered remote, TCP IPv4", "192.0.2.254", "192.0.2.1", IPPROTO_TCP,
	  5353, 9, 2.0, NULL },
	{ K_JUNK, "junk, unregistered remote, TCP IPv6", "2001:db8:77::77", "2001:db8::1",
	  IPPROTO_TCP, 5353, 9, 2.0, "junk, unregistered remote, TCP IPv4" },
	{ K_REGJUNK, "junk, registered remote, other ports, UDP IPv4", "192.0.2.77", "192.0.2.1",
	  IPPROTO_UDP, 5353, 9, 2.5, NULL },
	{ K_REGJUNK, "junk, registered remote, other ports, TCP IPv4", "192.0.2.77", "192.0.2.1",
	  IPPROTO_TCP, 5353, 9, 2.5, NULL },
	{ K_REGJUNK, "junk, registered remote, other ports, TCP IPv6", "2001:db8:f::4d",
	  "2001:db8::1", IPPROTO_TCP, 5353, 9, 2.5,
	  "junk, registered remote, other ports, TCP IPv4" },
	/* exact flows 0, 1 and 2 of bench_flow_key */
	{ K_FLOW, "exact-flow hit, TCP IPv4", NULL, NULL, 0, 0, 0, 2.5, NULL },
	{ K_FLOW, "exact-flow hit, TCP IPv6", NULL, NULL, 1, 0, 0, 2.5, "exact-flow hit, TCP IPv4" },
	{ K_FLOW, "exact-flow hit, UDP IPv4", NULL, NULL, 2, 0, 0, 2.5, NULL },
	{ K_RULE, "endpoint-rule hit, TCP IPv4", "198.51.100.7", "192.0.2.1", IPPROTO_TCP,
	  BENCH_RULE_PORT, 45000, 3.0, NULL },
	{ K_RULE, "endpoint-rule hit, TCP IPv6", "2001:db8:100::1c2", "2001:db8::1", IPPROTO_TCP,
	  BENCH_RULE_PORT, 45000, 3.0, "endpoint-rule hit, TCP IPv4" },
};

#define NKCASES (int)(sizeof(kcases) / sizeof(kcases[0]))

static int kcase_frame(const struct kcase *k, struct frame *f)
{
	struct pkt_spec s = { .src = k->src, .dst = k->dst, .proto = k->proto, .sport = k->sport,
			      .dport = k->dport, .payload = 64 };

	if (k->kind == K_FLOW)
		return flow_frame(f, k->proto, 0);	/* proto holds the flow's index */
	return frame_build(f, &s);
}

/*
 * Is the frame's remote where its case says: a junk remote's prefilter slot
 * empty (no flow, no host entry), a registered remote's not? A collision of
 * the slot hash would time another path than the row names.
 */
static int kcase_slot_ok(struct lifeline_bpf *skel, const struct kcase *k, const struct frame *f,
			 char *why, size_t len)
{
	struct ll_remote_cnt c = {};
	__u32 addr[4] = { 0, 0, htonl(0xffff), 0 }, slot;
	int v6 = strchr(k->src ? k->src : "", ':') != NULL;

	if (k->kind != K_JUNK && k->kind != K_REGJUNK)
		return 1;
	if (v6)
		memcpy(addr, f->buf + 14 + 8, 16);
	else
		memcpy(&addr[3], f->buf + 14 + 12, 4);
	slot = ll_remote_slot(addr, k->proto);
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.ll_remotes), &slot, &c)) {
		snprintf(why, len, "cannot read the prefilter slot %u", slot);
		return 0;
	}
	if (k->kind == K_JUNK && (c.flows || c.hosts)) {
		snprintf(why, len, "the remote's prefilter slot %u is taken (%u flows, %u hosts)",
			 slot, c.flows, c.hosts);
		return 0;
	}
	if (k->kind == K_REGJUNK && !c.flows) {
		snprintf(why, len, "the remote has no flows (slot %u)", slot);
		return 0;
	}
	return 1;
}

/* "IPv6 within 1.2x of IPv4": the ratio of two rows' ratios to the same bare program. */
static void v6_row(const char *hook, const struct kcase *k)
{
	char n6[96], n4[96];
	const struct row *r6, *r4;
	struct row *r;

	snprintf(n6, sizeof(n6), "%s: %s", hook, k->what);
	snprintf(n4, sizeof(n4), "%s: %s", hook, k->v4_pair);
	r6 = row_find(n6);
	r4 = row_find(n4);
	r = row_add("%s: IPv6 / IPv4, %s", hook, k->what);
	r->base = BASE_NONE;
	if (!r6 || !r4 || !r6->ratio || !r4->ratio || r6->verdict == V_WRONG ||
	    r4->verdict == V_WRONG) {
		r->verdict = V_SKIPPED;
		snprintf(r->target_desc, sizeof(r->target_desc), "<= 1.2x IPv4");
		snprintf(r->note, sizeof(r->note), "a row it compares did not measure");
		return;
	}
	r->ns = r6->ns;
	r->base_ns = r4->ns;
	r->ratio = r6->ratio / r4->ratio;
	r->target = 1.2;
	snprintf(r->target_desc, sizeof(r->target_desc), "<= 1.2x IPv4");
	snprintf(r->note, sizeof(r->note), "ns: IPv6 row; base ns: IPv4 row");
	judge(r);
}

static int set_observe(struct lifeline_bpf *skel, __u32 on)
{
	struct ll_state st;
	__u32 zero = 0;
	int fd = bpf_map__fd(skel->maps.ll_state);

	if (bpf_map_lookup_elem(fd, &zero, &st))
		return -errno;
	st.observe = on;
	return bpf_map_update_elem(fd, &zero, &st, 0) ? -errno : 0;
}

static int bench_none(struct bench *b)
{
	struct lifeline_bpf *skel = bench_lifeline_load(LL_DEFAULT_MAX_FLOWS);
	struct frame f;
	struct row *r;

	if (!skel) {
		fprintf(stderr, "pktcost: cannot load lifeline: %s (run as root; make)\n",
			strerror(errno));
		return -errno;
	}
	kcase_frame(&kcases[0], &f);
	/* state all zero: nobody holds a level */
	r = measure(b, BASE_XDP_PASS, bpf_program__fd(skel->progs.ll_xdp), f.buf, f.len,
		    XDP_PASS, NO_CHECK, "xdp: level none");
	row_target(r, 1.05);
	judge(r);
	r = measure(b, BASE_TC_OK, bpf_program__fd(skel->progs.ll_tc_policy), f.buf, f.len,
		    TC_ACT_OK, NO_CHECK, "tc: level none (ll_tc_policy)");
	row_target(r, 1.05);
	judge(r);
	/*
	 * Observe mode (tune --observe on): the decision of critical at level
	 * none, the junk frame counted as a would-drop (checked), passed.
	 */
	if (!set_observe(skel, 1)) {
		int fd = b->counters_fd;

		b->counters_fd = bpf_map__fd(skel->maps.ll_counters);
		measure(b, BASE_XDP_PASS, bpf_program__fd(skel->progs.ll_xdp), f.buf, f.len,
			XDP_PASS, LL_WOULD_IDX(LL_HOOK_XDP, LL_DROP_CRITICAL),
			"xdp: level none, observe on");
		measure(b, BASE_TC_OK, bpf_program__fd(skel->progs.ll_tc_policy), f.buf, f.len,
			TC_ACT_OK, LL_WOULD_IDX(LL_HOOK_TC_INGRESS, LL_DROP_CRITICAL),
			"tc: level none, observe on (ll_tc_policy)");
		b->counters_fd = fd;
		set_observe(skel, 0);
	}
	flow_frame(&f, 0, 1);
	measure(b, BASE_TC_OK, bpf_program__fd(skel->progs.ll_tc_egress), f.buf, f.len,
		TC_ACT_OK, NO_CHECK, "tc egress: level none, unregistered");
	lifeline_bpf__destroy(skel);
	return 0;
}

/*
 * The floors (bench/floors.bpf.c): the irreducible work of each target
 * case, with the kernel's primitive or lifeline's own code for that step
 * alone, against the same bare program as the case. skel is the filled
 * critical instance: the flow-table floor reads its ll_flows and
 * ll_remotes. The kernel's hash table holds 10^6 IPv4 5-tuples (the hit
 * frame's among random ones), the trie the 1,000 endpoint rules' hosts.
 */
static int fill_floor_hash(struct floors_bpf *fl, const struct frame *hit)
{
	int fd = bpf_map__fd(fl->maps.floor_hash);
	enum { CHUNK = 8192 };
	static struct floor_key keys[CHUNK];
	static __u32 vals[CHUNK];
	unsigned int seed = 1;
	__u32 n = 0;

	while (n < BENCH_FLOWS) {
		__u32 cnt = 0;
		LIBBPF_OPTS(bpf_map_batch_opts, o);

		for (; cnt < CHUNK && n + cnt < BENCH_FLOWS; cnt++) {
			struct floor_key *k = &keys[cnt];

			if (!n && !cnt) {
				/* the hit frame's own tuple, as the program reads it */
				memcpy(&k->saddr, hit->buf + 26, 4);
				memcpy(&k->daddr, hit->buf + 30, 4);
				memcpy(&k->ports, hit->buf + 34, 4);
				k->proto = hit->buf[23];
				continue;
			}
			k->saddr = (__u32)rand_r(&seed) << 1 ^ (__u32)rand_r(&seed);
			k->daddr = (__u32)rand_r(&seed) << 1 ^ (__u32)rand_r(&seed);
			k->ports = (__u32)rand_r(&seed) << 1 ^ (__u32)rand_r(&seed);
			k->proto = cnt & 1 ? 6 : 17;
		}
		if (bpf_map_update_batch(fd, keys, vals, &cnt, &o))
			return -errno;
		n += cnt;
	}
	return 0;
}

static int fill_floor_lpm(struct floors_bpf *fl)
{
	int fd = bpf_map__fd(fl->maps.floor_lpm);

	for (__u32 i = 0; i < BENCH_NR_RULES; i++) {
		struct ll_rule_key k;
		__u32 v = i;

		bench_rule_key(i, &k);	/* the hosts of bench_fill_rules */
		if (bpf_map_update_elem(fd, &k, &v, 0))
			return -errno;
	}
	return 0;
}

static int bench_floors(struct bench *b, struct lifeline_bpf *skel)
{
	struct floors_bpf *fl = floors_bpf__open();
	struct frame junk, regjunk, regjunk6, hit4, hit6, rule4, rule6;
	int err;

	if (!fl)
		return -errno;
	err = bpf_map__reuse_fd(fl->maps.ll_flows, bpf_map__fd(skel->maps.ll_flows));
	if (!err)
		err = bpf_map__reuse_fd(fl->maps.ll_remotes, bpf_map__fd(skel->maps.ll_remotes));
	if (!err)
		err = bpf_map__set_max_entries(fl->maps.floor_hash, BENCH_FLOWS);
	if (!err)
		err = floors_bpf__load(fl);
	kcase_frame(&kcases[0], &junk);
	kcase_frame(&kcases[3], &regjunk);
	kcase_frame(&kcases[5], &regjunk6);
	kcase_frame(&kcases[6], &hit4);
	kcase_frame(&kcases[7], &hit6);
	kcase_frame(&kcases[9], &rule4);
	kcase_frame(&kcases[10], &rule6);
	if (!err)
		err = fill_floor_hash(fl, &hit4);
	if (!err)
		err = fill_floor_lpm(fl);
	if (err) {
		fprintf(stderr, "pktcost: cannot load or fill the floors: %s\n", strerror(-err));
		floors_bpf__destroy(fl);
		return err;
	}
	measure(b, BASE_XDP_PASS, bpf_program__fd(fl->progs.floor_state), junk.buf, junk.len,
		XDP_PASS, NO_CHECK, "xdp: floor, level none: the state entry read");
	measure(b, BASE_XDP_DROP, bpf_program__fd(fl->progs.floor_essentials), junk.buf, junk.len,
		XDP_DROP, NO_CHECK, "xdp: floor, essentials check (drop)");
	measure(b, BASE_XDP_DROP, bpf_program__fd(fl->progs.floor_prefilter), junk.buf, junk.len,
		XDP_DROP, NO_CHECK, "xdp: floor, essentials + prefilter slot (drop)");
	measure(b, BASE_XDP_DROP, bpf_program__fd(fl->progs.floor_hash_lookup), hit4.buf,
		hit4.len, XDP_PASS, NO_CHECK, "xdp: floor, kernel hash, 10^6 IPv4 5-tuples: hit");
	measure(b, BASE_XDP_DROP, bpf_program__fd(fl->progs.floor_hash_lookup), regjunk.buf,
		regjunk.len, XDP_DROP, NO_CHECK,
		"xdp: floor, kernel hash, 10^6 IPv4 5-tuples: miss (drop)");
	measure(b, BASE_XDP_DROP, bpf_program__fd(fl->progs.floor_lpm_lookup), rule4.buf,
		rule4.len, XDP_PASS, NO_CHECK, "xdp: floor, LPM trie, 1,000 prefixes: hit IPv4");
	measure(b, BASE_XDP_DROP, bpf_program__fd(fl->progs.floor_lpm_lookup), rule6.buf,
		rule6.len, XDP_PASS, NO_CHECK, "xdp: floor, LPM trie, 1,000 prefixes: hit IPv6");
	measure(b, BASE_XDP_DROP, bpf_program__fd(fl->progs.floor_flowtab), hit4.buf, hit4.len,
		XDP_PASS, NO_CHECK, "xdp: floor, lifeline flow table, 10^6 flows: hit TCP IPv4");
	measure(b, BASE_XDP_DROP, bpf_program__fd(fl->progs.floor_flowtab), hit6.buf, hit6.len,
		XDP_PASS, NO_CHECK, "xdp: floor, lifeline flow table, 10^6 flows: hit TCP IPv6");
	measure(b, BASE_XDP_DROP, bpf_program__fd(fl->progs.floor_flowtab), regjunk.buf,
		regjunk.len, XDP_DROP, NO_CHECK,
		"xdp: floor, lifeline flow table, 10^6 flows: miss UDP IPv4 (drop)");
	measure(b, BASE_XDP_DROP, bpf_program__fd(fl->progs.floor_flowtab), regjunk6.buf,
		regjunk6.len, XDP_DROP, NO_CHECK,
		"xdp: floor, lifeline flow table, 10^6 flows: miss TCP IPv6 (drop)");
	floors_bpf__destroy(fl);
	return 0;
}

/*
 * A prefix-rule hit: the remote matches no exact flow and no host entry,
 * but a prefix rule in the trie (ll_rules): 203.0.113.248/29 and
 * 2001:db8:200::/48, port BENCH_RULE_PORT, installed for these rows only
 * (with the trie non-empty, every remote that the prefilter passes looks it
 * up, so the other rows run without it).
 */
static int bench_prefix(struct bench *b, struct lifeline_bpf *skel, enum base base, int fd,
			__u32 pass, __u32 hook, const char *hname)
{
	static const struct {
		const char *what, *src, *dst, *net;
		int plen;
	} pc[] = {
		{ "prefix-rule hit, TCP IPv4", "203.0.113.250", "192.0.2.1", "203.0.113.248", 29 },
		{ "prefix-rule hit, TCP IPv6", "2001:db8:200::7", "2001:db8::1", "2001:db8:200::", 48 },
	};
	int rules = bpf_map__fd(skel->maps.ll_rules), state = bpf_map__fd(skel->maps.ll_state);
	struct ll_rule_key keys[2];
	struct ll_state st;
	__u32 zero = 0;
	int err = 0, n = 0;
	struct row *r;

	if (bpf_map_lookup_elem(state, &zero, &st))
		return -errno;
	for (int i = 0; i < 2; i++) {
		struct ll_rule_val v = { .nranges = 1 };
		struct ll_rule_key *k = &keys[i];

		memset(k, 0, sizeof(*k));
		k->proto = IPPROTO_TCP;
		if (i == 0) {
			k->addr[10] = k->addr[11] = 0xff;
			inet_pton(AF_INET, pc[i].net, k->addr + 12);
			k->prefixlen = 8 + 96 + pc[i].plen;
		} else {
			inet_pton(AF_INET6, pc[i].net, k->addr);
			k->prefixlen = 8 + pc[i].plen;
		}
		v.ranges[0].lo = v.ranges[0].hi = BENCH_RULE_PORT;
		v.ranges[0].rule_id = BENCH_NR_RULES + i;
		if (bpf_map_update_elem(rules, k, &v, BPF_NOEXIST)) {
			err = -errno;
			goto out;
		}
		n++;
	}
	st.trie_entries[0] += 2;	/* [0]: endpoint rules (ll_rules) */
	if (bpf_map_update_elem(state, &zero, &st, 0)) {
		err = -errno;
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		struct pkt_spec s = { .src = pc[i].src, .dst = pc[i].dst, .proto = IPPROTO_TCP,
				      .sport = BENCH_RULE_PORT, .dport = 45000, .payload = 64 };
		struct frame f;
		char name[96];

		frame_build(&f, &s);
		snprintf(name, sizeof(name), "%s: %s", hname, pc[i].what);
		r = measure(b, base, fd, f.buf, f.len, pass, LL_COUNTER_IDX(hook, LL_PASS_RULE), name);
		row_target(r, 3.0);
		judge(r);
	}
	st.trie_entries[0] -= 2;
	if (bpf_map_update_elem(state, &zero, &st, 0))
		err = -errno;
out:
	while (n--)
		bpf_map_delete_elem(rules, &keys[n]);
	return err;
}

/*
 * The issue-17 cases: 10^6 exact flows and 1,000 endpoint rules loaded, level
 * critical; every case through ll_xdp against bare XDP_DROP and through
 * ll_tc_policy (attach --mode tc) against the bare tc program, each
 * checked on its counter (the path the row names is the one timed).
 */
static int bench_critical(struct bench *b)
{
	static const struct {
		const char *name;
		__u32 hook;
		enum base base;
		__u32 pass, drop;
	} hooks[] = {
		{ "xdp", LL_HOOK_XDP, BASE_XDP_DROP, XDP_PASS, XDP_DROP },
		{ "tc", LL_HOOK_TC_INGRESS, BASE_TC_SHOT, TC_ACT_OK, TC_ACT_SHOT },
	};
	static const __u32 reasons[] = { LL_DROP_CRITICAL, LL_DROP_CRITICAL, LL_PASS_FLOW,
					 LL_PASS_RULE };
	struct lifeline_bpf *skel;
	int err;
	struct frame f;
	struct row *r;
	char name[96], why[128];
	__u64 t0;

	skel = bench_lifeline_load(BENCH_FLOWS);
	if (!skel) {
		fprintf(stderr, "pktcost: cannot load lifeline with %u flows: %s\n", BENCH_FLOWS,
			strerror(errno));
		return -errno;
	}
	b->counters_fd = bpf_map__fd(skel->maps.ll_counters);
	t0 = ll_now_ns();
	err = bench_fill_rules(skel);
	if (!err)
		err = bench_fill_flows(skel, BENCH_FLOWS);
	if (!err)
		err = bench_set_level(skel, LL_LEVEL_CRITICAL);
	if (err) {
		fprintf(stderr, "pktcost: filling the maps (%u flows, %d rules): %s\n", BENCH_FLOWS,
			BENCH_NR_RULES, strerror(-err));
		goto cleanup;
	}
	if (opt.verbose)
		fprintf(stderr, "  %u flows + %d rules loaded in %.2f s\n", BENCH_FLOWS,
			BENCH_NR_RULES, (ll_now_ns() - t0) / 1e9);
	if (bench_floors(b, skel))
		had_error = 1;

	for (size_t h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++) {
		int fd = h ? bpf_program__fd(skel->progs.ll_tc_policy) :
			     bpf_program__fd(skel->progs.ll_xdp);

		for (int i = 0; i < NKCASES; i++) {
			const struct kcase *k = &kcases[i];
			int drop = k->kind == K_JUNK || k->kind == K_REGJUNK;

			kcase_frame(k, &f);
			snprintf(name, sizeof(name), "%s: %s%s", hooks[h].name, k->what,
				 drop ? " (drop)" : "");
			if (!kcase_slot_ok(skel, k, &f, why, sizeof(why))) {
				r = row_add("%s", name);
				r->verdict = V_WRONG;
				snprintf(r->note, sizeof(r->note), "%s", why);
				had_error = 1;
				continue;
			}
			r = measure(b, hooks[h].base, fd, f.buf, f.len,
				    drop ? hooks[h].drop : hooks[h].pass,
				    LL_COUNTER_IDX(hooks[h].hook, reasons[k->kind]), name);
			/* the (drop) suffix is for the reader; v6_row finds rows by k->what */
			snprintf(r->name, sizeof(r->name), "%s: %s", hooks[h].name, k->what);
			row_target(r, k->target);
			judge(r);
		}
		for (int i = 0; i < NKCASES; i++)
			if (kcases[i].v4_pair)
				v6_row(hooks[h].name, &kcases[i]);
	}

	if (bench_prefix(b, skel, hooks[0].base, bpf_program__fd(skel->progs.ll_xdp), XDP_PASS,
			 LL_HOOK_XDP, "xdp") ||
	    bench_prefix(b, skel, hooks[1].base, bpf_program__fd(skel->progs.ll_tc_policy),
			 TC_ACT_OK, LL_HOOK_TC_INGRESS, "tc"))
		had_error = 1;

	/* TC ingress behind XDP: a plain (not reserve-backed) skb is passed untouched. */
	flow_frame(&f, 0, 0);
	measure(b, BASE_TC_OK, bpf_program__fd(skel->progs.ll_tc_ingress), f.buf, f.len,
		TC_ACT_OK, NO_CHECK, "tc ingress behind XDP: plain skb");
	/*
	 * Egress of a registered flow: the test run reuses its skb, so from
	 * the second packet on it carries the priority and mark, as every
	 * packet of a socket sock_ops registered does: the row is that case.
	 */
	flow_frame(&f, 0, 1);
	measure(b, BASE_TC_OK, bpf_program__fd(skel->progs.ll_tc_egress), f.buf, f.len,
		TC_ACT_OK, NO_CHECK, "tc egress: critical, registered flow, socket marked");
	kcase_frame(&kcases[0], &f);
	measure(b, BASE_TC_OK, bpf_program__fd(skel->progs.ll_tc_egress), f.buf, f.len,
		TC_ACT_OK, NO_CHECK, "tc egress: critical, unregistered (parse, prefilter)");
cleanup:
	b->counters_fd = -1;
	lifeline_bpf__destroy(skel);
	return err;
}

static int set_strict(struct lifeline_bpf *skel, __u32 on)
{
	struct ll_state st;
	__u32 zero = 0;
	int fd = bpf_map__fd(skel->maps.ll_state);

	if (bpf_map_lookup_elem(fd, &zero, &st))
		return -errno;
	st.strict = on;
	return bpf_map_update_elem(fd, &zero, &st, 0) ? -errno : 0;
}

/*
 * What strict mode costs a registered TCP packet at critical: a real
 * connection on 127.0.0.1 (BPF_PROG_TEST_RUN looks sockets up in this
 * netns), its received packet registered as an exact flow, and as an
 * endpoint rule. Each run with strict off is paired with one with strict
 * on (the socket lookup); the "on / off" figure is the median of the
 * per-pair ratios.
 */
static int bench_strict(struct bench *b)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), cfd = socket(AF_INET, SOCK_STREAM, 0), afd = -1;
	struct lifeline_bpf *skel = NULL;
	struct ll_flowtab t;
	struct ll_flow_key k = { .proto = IPPROTO_TCP };
	struct ll_flow_val v = { .origin = LL_ORIGIN_CLI };
	__u16 sport, cport;
	char name[96];
	int err = 0, xdp_fd;

	if (lfd < 0 || cfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) ||
	    connect(cfd, (struct sockaddr *)&a, sizeof(a))) {
		err = -errno;
		goto out;
	}
	afd = accept(lfd, NULL, NULL);
	sport = ntohs(a.sin_port);
	alen = sizeof(a);
	getsockname(cfd, (struct sockaddr *)&a, &alen);
	cport = ntohs(a.sin_port);
	skel = bench_lifeline_load(LL_DEFAULT_MAX_FLOWS);
	if (!skel) {
		err = -errno;
		goto out;
	}
	xdp_fd = bpf_program__fd(skel->progs.ll_xdp);
	b->counters_fd = bpf_map__fd(skel->maps.ll_counters);
	err = bench_set_level(skel, LL_LEVEL_CRITICAL);
	if (err)
		goto out;
	for (int kind = 0; kind < 2; kind++) {	/* 0: exact flow, 1: endpoint rule */
		struct pkt_spec s = { .src = "127.0.0.1", .dst = "127.0.0.1", .proto = IPPROTO_TCP,
				      .sport = sport, .dport = cport, .payload = 64 };
		int reason = kind ? LL_PASS_RULE : LL_PASS_FLOW;
		const char *what = kind ? "endpoint rule" : "exact flow";
		double off[64], on[64], ratio[64];
		int runs = opt.runs < 64 ? opt.runs : 64;
		struct frame f;
		struct row *r0, *r1, *rr;
		__u32 ret;

		if (kind == 0) {
			err = ll_flowtab_map(&t, bpf_map__fd(skel->maps.ll_flows),
					     bpf_map__fd(skel->maps.ll_remotes));
			if (err)
				goto out;
			pkt_addr16("127.0.0.1", k.remote);
			pkt_addr16("127.0.0.1", k.local);
			k.remote_port = htons(sport);
			k.local_port = htons(cport);
			err = ll_flowtab_insert(&t, &k, &v);
			ll_flowtab_unmap(&t);
			if (err)
				goto out;
		} else {
			/* rule tcp 127.0.0.1 port sport: the flow removed, the trie entry added */
			struct ll_rule_key rk = { .proto = IPPROTO_TCP, .prefixlen = 8 + 96 + 32 };
			struct ll_rule_val rv = { .nranges = 1 };
			struct ll_state st;
			__u32 zero = 0;

			err = ll_flowtab_map(&t, bpf_map__fd(skel->maps.ll_flows),
					     bpf_map__fd(skel->maps.ll_remotes));
			if (err)
				goto out;
			ll_flowtab_remove(&t, &k);
			ll_flowtab_unmap(&t);
			pkt_addr16("127.0.0.1", rk.addr);
			rv.ranges[0].lo = rv.ranges[0].hi = sport;
			rv.ranges[0].rule_id = 1;
			if (bpf_map_update_elem(bpf_map__fd(skel->maps.ll_rules), &rk, &rv, 0) ||
			    bpf_map_lookup_elem(bpf_map__fd(skel->maps.ll_state), &zero, &st)) {
				err = -errno;
				goto out;
			}
			st.trie_entries[0]++;
			bpf_map_update_elem(bpf_map__fd(skel->maps.ll_state), &zero, &st, 0);
		}
		frame_build(&f, &s);
		snprintf(name, sizeof(name), "critical, strict off: %s hit TCP (socket)", what);
		set_strict(skel, 0);
		r0 = measure(b, BASE_XDP_DROP, xdp_fd, f.buf, f.len, XDP_PASS,
			     LL_COUNTER_IDX(LL_HOOK_XDP, reason), name);
		snprintf(name, sizeof(name), "critical, strict on: %s hit TCP (socket)", what);
		set_strict(skel, 1);
		r1 = measure(b, BASE_XDP_DROP, xdp_fd, f.buf, f.len, XDP_PASS,
			     LL_COUNTER_IDX(LL_HOOK_XDP, reason), name);
		/* the paired ratio: strict on / strict off, same frame, alternating */
		for (int i = 0; i < runs; i++) {
			set_strict(skel, 0);
			off[i] = run_once(xdp_fd, f.buf, f.len, &ret);
			set_strict(skel, 1);
			on[i] = run_once(xdp_fd, f.buf, f.len, &ret);
			ratio[i] = on[i] / off[i];
		}
		snprintf(name, sizeof(name), "strict on / strict off: %s hit TCP", what);
		rr = row_add("%s", name);
		rr->base = BASE_NONE;
		rr->ns = median(on, runs);
		rr->base_ns = median(off, runs);
		rr->ratio = median(ratio, runs);
		snprintf(rr->note, sizeof(rr->note), "ns: strict on; base ns: strict off%s",
			 r0->verdict == V_WRONG || r1->verdict == V_WRONG ? "; a path check failed" : "");
		row_target(rr, 1.3);
		judge(rr);
	}
	{
		/*
		 * A spoofed packet for the endpoint rule still installed: no socket
		 * owns its tuple, so it also pays the FIB lookup (127.0.0.1: local,
		 * strict applies) and is dropped. Only packets that miss the socket
		 * lookup (spoofed, forwarded) take this path.
		 */
		__u16 ghost = cport == 65535 ? 1024 : cport + 1;
		struct pkt_spec s = { .src = "127.0.0.1", .dst = "127.0.0.1", .proto = IPPROTO_TCP,
				      .sport = sport, .dport = ghost, .payload = 64 };
		struct frame f;

		frame_build(&f, &s);
		set_strict(skel, 1);
		measure(b, BASE_XDP_DROP, xdp_fd, f.buf, f.len, XDP_DROP,
			LL_COUNTER_IDX(LL_HOOK_XDP, LL_DROP_STRICT),
			"critical, strict on: endpoint rule, spoofed (no socket, FIB: local)");
	}
out:
	b->counters_fd = -1;
	if (err)
		fprintf(stderr, "pktcost: strict case: %s\n", strerror(-err));
	lifeline_bpf__destroy(skel);
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	return err;
}

/*
 * The exact-match floor (bench/floor.h): a million random IPv4 tuples and the
 * hit frame's own in bare_xdp_exact's table, then a hit and a miss. What a
 * 2x target leaves for everything lifeline does beyond this: the gap between
 * these rows and 2x.
 */
static int bench_floor(struct bench *b)
{
	size_t len = sizeof(struct floor_key) << FLOOR_BITS;
	int fd = bpf_map__fd(b->bare->maps.floor_table);
	struct pkt_spec s = { .src = "192.0.2.10", .dst = "192.0.2.1", .proto = IPPROTO_TCP,
			      .sport = 10809, .dport = 40000, .payload = 64 };
	struct floor_key *t, k;
	unsigned int seed = 1;
	struct frame f;

	t = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (t == MAP_FAILED)
		return -errno;
	for (int i = 0; i < 1000000; i++) {
		k.saddr = (__u32)rand_r(&seed) << 1 ^ (__u32)rand_r(&seed);
		k.daddr = (__u32)rand_r(&seed) << 1 ^ (__u32)rand_r(&seed);
		k.ports = (__u32)rand_r(&seed) << 1 ^ (__u32)rand_r(&seed);
		k.proto = i & 1 ? 6 : 17;
		t[floor_slot(k.saddr, k.daddr, k.ports, k.proto)] = k;
	}
	frame_build(&f, &s);
	/* the frame's own tuple, read from it: IPv4 after a 14-byte Ethernet header */
	memcpy(&k.saddr, f.buf + 26, 4);
	memcpy(&k.daddr, f.buf + 30, 4);
	memcpy(&k.ports, f.buf + 34, 4);
	k.proto = f.buf[23];
	t[floor_slot(k.saddr, k.daddr, k.ports, k.proto)] = k;
	munmap(t, len);

	measure(b, BASE_XDP_DROP, bpf_program__fd(b->bare->progs.bare_xdp_exact), f.buf, f.len,
		XDP_PASS, NO_CHECK, "exact-match floor, 1M IPv4 tuples: hit");
	s.sport = 5353;
	frame_build(&f, &s);
	measure(b, BASE_XDP_DROP, bpf_program__fd(b->bare->progs.bare_xdp_exact), f.buf, f.len,
		XDP_DROP, NO_CHECK, "exact-match floor, 1M IPv4 tuples: miss (drop)");
	return 0;
}

static int xdpfilt_find(char *path, size_t len)
{
	const char *env = getenv("LIBXDP_OBJECT_PATH");

	if (env && *env) {
		snprintf(path, len, "%s/%s.o", env, XDPFILT_PROG);
		if (!access(path, R_OK))
			return 0;
	}
	for (size_t i = 0; i < sizeof(xdpfilt_dirs) / sizeof(xdpfilt_dirs[0]); i++) {
		snprintf(path, len, "%s/%s.o", xdpfilt_dirs[i], XDPFILT_PROG);
		if (!access(path, R_OK))
			return 0;
	}
	return -ENOENT;
}

/*
 * xdp-filter (xdp-tools), default-deny policy with every feature (the
 * object `xdp-filter load -p deny` picks when no -f is given): the port
 * BENCH_FLOW_PORT allowed, everything else dropped. Loaded directly with libbpf,
 * without its dispatcher, so this is the program's own cost.
 */
static void bench_xdp_filter(struct bench *b, const struct row *ll_hit, const struct row *ll_miss)
{
	char path[256];
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_map *map, *ports;
	__u64 *vals = NULL;
	struct frame hit, miss;
	struct row *r;
	__u32 key;
	int err;

	if (xdpfilt_find(path, sizeof(path))) {
		skip_row("xdp-filter deny-all: allowed port (pass)", "lifeline faster",
			 "%s.o not found (apt-get install xdp-tools)", XDPFILT_PROG);
		skip_row("xdp-filter deny-all: other port (drop)", "lifeline faster",
			 "%s.o not found (apt-get install xdp-tools)", XDPFILT_PROG);
		return;
	}
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		goto fail;
	}
	/* Its maps are pinned by name for its own loader; not here. */
	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
	err = bpf_object__load(obj);
	if (err)
		goto fail;
	prog = bpf_object__find_program_by_name(obj, XDPFILT_PROG);
	ports = bpf_object__find_map_by_name(obj, "filter_ports");
	if (!prog || !ports) {
		err = -ENOENT;
		goto fail;
	}
	vals = calloc(b->ncpus, sizeof(*vals));
	if (!vals) {
		err = -ENOMEM;
		goto fail;
	}
	for (int c = 0; c < b->ncpus; c++)
		vals[c] = XF_FLAG_SRC | XF_FLAG_DST | XF_FLAG_TCP | XF_FLAG_UDP;
	key = htons(BENCH_FLOW_PORT);
	if (bpf_map_update_elem(bpf_map__fd(ports), &key, vals, 0)) {
		err = -errno;
		goto fail;
	}
	flow_frame(&hit, 2, 0);	/* UDP from port BENCH_FLOW_PORT */
	kcase_frame(&kcases[3], &miss);	/* UDP IPv4 from a registered remote */

	r = measure(b, BASE_XDP_DROP, bpf_program__fd(prog), hit.buf, hit.len, XDP_PASS, NO_CHECK,
		    "xdp-filter deny-all: allowed port (pass)");
	snprintf(r->target_desc, sizeof(r->target_desc), "lifeline faster");
	if (r->verdict != V_WRONG && ll_hit && ll_hit->ns > 0) {
		r->verdict = ll_hit->ratio < r->ratio ? V_MET : V_MISSED;
		snprintf(r->note, sizeof(r->note), "vs %s: %.2fx", ll_hit->name, ll_hit->ratio);
	}
	r = measure(b, BASE_XDP_DROP, bpf_program__fd(prog), miss.buf, miss.len, XDP_DROP, NO_CHECK,
		    "xdp-filter deny-all: other port (drop)");
	snprintf(r->target_desc, sizeof(r->target_desc), "lifeline faster");
	if (r->verdict != V_WRONG && ll_miss && ll_miss->ns > 0) {
		r->verdict = ll_miss->ratio < r->ratio ? V_MET : V_MISSED;
		snprintf(r->note, sizeof(r->note), "vs %s: %.2fx", ll_miss->name, ll_miss->ratio);
	}
	goto cleanup;
fail:
	skip_row("xdp-filter deny-all", "lifeline faster", "cannot load %s: %s", path,
		 strerror(-err));
cleanup:
	free(vals);
	bpf_object__close(obj);
}

/* ---- output: one path for the table and for JSON ---- */

static void emit(FILE *out, int json, const char *when)
{
	if (json) {
		struct json_object *root = json_object_new_object();
		struct json_object *arr = json_object_new_array();

		json_object_object_add(root, "bench", json_object_new_string("pktcost"));
		json_object_object_add(root, "date", json_object_new_string(when));
		json_object_object_add(root, "repeat", json_object_new_int64(opt.repeat));
		json_object_object_add(root, "runs", json_object_new_int(opt.runs));
		for (int i = 0; i < nrows; i++) {
			const struct row *r = &rows[i];
			struct json_object *o = json_object_new_object();
			int measured = r->verdict != V_SKIPPED && r->verdict != V_WRONG;

			json_object_object_add(o, "case", json_object_new_string(r->name));
			json_object_object_add(o, "ns_per_pkt",
					       measured ? json_object_new_double(r->ns) : NULL);
			json_object_object_add(o, "baseline",
					       json_object_new_string(base_names[r->base]));
			json_object_object_add(o, "baseline_ns",
					       measured ? json_object_new_double(r->base_ns) : NULL);
			json_object_object_add(o, "ratio",
					       measured ? json_object_new_double(r->ratio) : NULL);
			json_object_object_add(o, "target",
					       r->target_desc[0] ? json_object_new_string(r->target_desc) : NULL);
			json_object_object_add(o, "verdict",
					       r->target_desc[0] ? json_object_new_string(verdict_names[r->verdict]) : NULL);
			json_object_object_add(o, "note",
					       r->note[0] ? json_object_new_string(r->note) : NULL);
			json_object_array_add(arr, o);
		}
		json_object_object_add(root, "cases", arr);
		fprintf(out, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
		json_object_put(root);
		return;
	}
	fprintf(out, "pktcost %s: BPF_PROG_TEST_RUN, %u packets/run, median of %d runs, "
		"each paired with its baseline\n", when, opt.repeat, opt.runs);
	fprintf(out, "%-66s %9s  %-14s %8s %7s  %-16s %s\n", "case", "ns/pkt", "baseline",
		"base ns", "ratio", "target", "verdict");
	for (int i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		if (r->verdict == V_SKIPPED || r->verdict == V_WRONG) {
			fprintf(out, "%-66s %9s  %-14s %8s %7s  %-16s %s: %s\n", r->name, "-",
				base_names[r->base], "-", "-", r->target_desc[0] ? r->target_desc : "-",
				verdict_names[r->verdict], r->note);
			continue;
		}
		fprintf(out, "%-66s %9.2f  %-14s %8.2f %6.2fx  %-16s %s%s%s%s\n", r->name, r->ns,
			base_names[r->base], r->base_ns, r->ratio,
			r->target_desc[0] ? r->target_desc : "-", verdict_names[r->verdict],
			r->note[0] ? " (" : "", r->note, r->note[0] ? ")" : "");
	}
}

static int save(const char *stamp)
{
	char path[512], latest[512];
	FILE *f;

	if (mkdir(opt.outdir, 0755) && errno != EEXIST)
		return -errno;
	for (int json = 0; json <= 1; json++) {
		snprintf(path, sizeof(path), "%s/pktcost-%s.%s", opt.outdir, stamp,
			 json ? "json" : "txt");
		snprintf(latest, sizeof(latest), "%s/pktcost-latest.%s", opt.outdir,
			 json ? "json" : "txt");
		for (int k = 0; k < 2; k++) {
			f = fopen(k ? latest : path, "w");
			if (!f)
				return -errno;
			emit(f, json, stamp);
			if (fclose(f))
				return -errno;
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: pktcost [-r|--repeat N] [-n|--runs N] [-j|--json] [-o|--out DIR] "
		   "[--no-save] [-c TEXT] [-v]\n"
		   "  -r N   packets per test run (default 1000000)\n"
		   "  -n N   runs per case (5-64), the median is reported (default 7)\n"
		   "  -o DIR results directory (default build/bench/results)\n"
		   "  -c TEXT measure only the cases whose name holds TEXT (and the baselines);\n"
		   "         TEXT|TEXT... any of several\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repeat", required_argument, NULL, 'r' },
		{ "runs", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' },
		{ "no-save", no_argument, NULL, 'S' },
		{ "case", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct bench b = { .counters_fd = -1 };
	char stamp[32];
	time_t now = time(NULL);
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "r:n:jo:c:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': opt.repeat = strtoul(optarg, NULL, 0); break;
		case 'n': opt.runs = atoi(optarg); break;
		case 'j': opt.json = 1; break;
		case 'o': opt.outdir = optarg; break;
		case 'c': opt.only = optarg; break;
		case 'S': opt.save = 0; break;
		case 'v': opt.verbose++; break;
		case 'h': usage(stdout); return EXIT_SUCCESS;
		default: usage(stderr); return EXIT_FAILURE;
		}
	}
	if (!opt.repeat || opt.runs < 5 || opt.runs > 64) {
		fprintf(stderr, "pktcost: --repeat must be > 0 and --runs 5-64\n");
		return EXIT_FAILURE;
	}
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H%M%S", localtime(&now));
	libbpf_set_print(libbpf_print);

	b.ncpus = libbpf_num_possible_cpus();
	if (b.ncpus <= 0)
		b.ncpus = 1;
	b.bare = bare_bpf__open_and_load();
	if (!b.bare) {
		fprintf(stderr, "pktcost: cannot load the bare baselines: %s (run as root; make)\n",
			strerror(errno));
		return EXIT_FAILURE;
	}
	b.base_fd[BASE_NONE] = -1;
	b.base_fd[BASE_XDP_PASS] = bpf_program__fd(b.bare->progs.bare_xdp_pass);
	b.base_fd[BASE_XDP_DROP] = bpf_program__fd(b.bare->progs.bare_xdp_drop);
	b.base_fd[BASE_TC_SHOT] = bpf_program__fd(b.bare->progs.bare_tc_shot);
	b.base_fd[BASE_TC_OK] = bpf_program__fd(b.bare->progs.bare_tc_ok);

	bench_baselines(&b);
	err = bench_floor(&b);
	if (err)
		fprintf(stderr, "pktcost: cannot fill the exact-match floor's table: %s\n",
			strerror(-err));
	if (!err)
		err = bench_none(&b);
	if (!err)
		err = bench_critical(&b);
	if (!err)
		err = bench_strict(&b);
	if (!err)
		bench_xdp_filter(&b, row_find("xdp: exact-flow hit, UDP IPv4"),
				 row_find("xdp: junk, registered remote, other ports, UDP IPv4"));
	bare_bpf__destroy(b.bare);

	emit(stdout, opt.json, stamp);
	if (opt.save) {
		int serr = save(stamp);

		if (serr)
			fprintf(stderr, "pktcost: cannot write results to %s: %s\n", opt.outdir,
				strerror(-serr));
		else if (!opt.json)
			printf("results: %s/pktcost-%s.txt (and pktcost-latest.txt, .json)\n",
			       opt.outdir, stamp);
	}
	return err || had_error ? EXIT_FAILURE : EXIT_SUCCESS;
}
