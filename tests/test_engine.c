// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of lifelined's pressure sources (parsers on samples taken
 * from a real machine in tests/data/, evaluators, readers on a fake proc
 * tree), its configuration, the level engine (a scripted trace with its
 * exact expected timeline) and the metrics text.
 * Usage: test_engine [-t NAME] [-v]
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "testlib.h"
#include "sources.h"
#include "engine.h"
#include "config.h"
#include "metrics.h"
#include "maps.h"

TEST_STATE_DEFINE;

static char data_dir[1100];
static char repo_dir[1024];

/* The repository: three levels up from build/tests/test_engine. */
static void find_dirs(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	snprintf(repo_dir, sizeof(repo_dir), ".");
	if (n > 0) {
		exe[n] = '\0';
		snprintf(repo_dir, sizeof(repo_dir), "%s", dirname(dirname(dirname(exe))));
	}
	snprintf(data_dir, sizeof(data_dir), "%s/tests/data", repo_dir);
	if (access(data_dir, R_OK))
		snprintf(data_dir, sizeof(data_dir), "tests/data");
}

/* Reads a sample into an exact-size heap buffer (no NUL), so ASan sees over-reads. */
static char *load(const char *name, size_t *len)
{
	char path[PATH_MAX], *buf, *tmp = malloc(LL_READ_BUF);
	long n;

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	n = tmp ? ll_read_file(path, tmp, LL_READ_BUF) : -ENOMEM;
	if (n < 0) {
		free(tmp);
		TEST_FAIL_MSG("cannot read %s: %s", path, strerror((int)-n));
		return NULL;
	}
	buf = malloc((size_t)n ? (size_t)n : 1);
	memcpy(buf, tmp, (size_t)n);
	free(tmp);
	*len = (size_t)n;
	return buf;
}

static int S(const char *s, size_t *len)
{
	*len = strlen(s);
	return 0;
}

static void quiet_log(int prio, const char *fmt, ...)
{
	(void)prio;
	(void)fmt;
}

/* ---- parsers ---- */

static void t_psi_real(void)
{
	struct ll_psi p;
	size_t len;
	char *buf = load("pressure_memory", &len);

	if (!buf)
		return;
	ASSERT_EQ(ll_psi_parse(buf, len, &p), 0, "parse");
	ASSERT_EQ(p.present, 3, "some and full");
	ASSERT_TRUE(p.l[LL_PSI_SOME].avg10 >= 0 && p.l[LL_PSI_SOME].avg10 <= 100, "avg10");
	free(buf);
}

static void t_psi_values(void)
{
	const char *s = "some avg10=12.34 avg60=5.00 avg300=1.10 total=123456789\n"
			"full avg10=0.50 avg60=0.10 avg300=0.00 total=4567\n";
	struct ll_psi p;

	ASSERT_EQ(ll_psi_parse(s, strlen(s), &p), 0, "parse");
	ASSERT_TRUE(p.l[LL_PSI_SOME].avg10 > 12.339 && p.l[LL_PSI_SOME].avg10 < 12.341,
		    "some avg10");
	ASSERT_TRUE(p.l[LL_PSI_SOME].avg300 > 1.09 && p.l[LL_PSI_SOME].avg300 < 1.11, "avg300");
	ASSERT_EQ(p.l[LL_PSI_SOME].total, 123456789, "some total");
	ASSERT_EQ(p.l[LL_PSI_FULL].total, 4567, "full total");
	/* cpu.pressure of old kernels has only "some"; no final newline either */
	s = "some avg10=1.00 avg60=0.00 avg300=0.00 total=7";
	ASSERT_EQ(ll_psi_parse(s, strlen(s), &p), 0, "some only");
	ASSERT_EQ(p.present, 1, "present");
}

static void t_psi_bad(void)
{
	static const char *const bad[] = {
		"",
		"\n",
		"some avg10=1.00\n",
		"some avg10=x avg60=0.00 avg300=0.00 total=1\n",
		"some avg10=1.00 avg60=0.00 avg300=0.00 total=-1\n",
		"some avg10=101.00 avg60=0.00 avg300=0.00 total=1\n",
		"other avg10=1.00 avg60=0.00 avg300=0.00 total=1\n",
		"full avg10=1.00 avg60=0.00 avg300=0.00 total=1\n",	/* no some */
		"some avg60=1.00 avg10=0.00 avg300=0.00 total=1\n",
		"some avg10=1. avg60=.5 avg300=0.00 total=99999999999999999999999\n",
	};
	struct ll_psi p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!ASSERT_EQ(ll_psi_parse(bad[i], strlen(bad[i]), &p), -EINVAL, "bad input"))
			fprintf(stderr, "  input %zu: \"%s\"\n", i, bad[i]);
	}
}

static void t_zoneinfo_real(void)
{
	struct ll_zoneinfo z;
	size_t len;
	char *buf = load("zoneinfo", &len);

	if (!buf)
		return;
	/*
	 * Sums of the zones with managed pages (DMA, DMA32, Normal) of the
	 * sample; Movable and Device have none. Pageset "high:" lines ignored.
	 */
	ASSERT_EQ(ll_zoneinfo_parse(buf, len, &z), 0, "parse");
	ASSERT_EQ(z.zones, 3, "zones");
	ASSERT_EQ(z.free, 3840 + 772818 + 212815, "free");
	ASSERT_EQ(z.min, 57 + 11483 + 5355, "min");
	ASSERT_EQ(z.low, 71 + 14353 + 6693, "low");
	ASSERT_EQ(z.high, 85 + 17223 + 8031, "high");
	free(buf);
}

static void t_zoneinfo_synthetic(void)
{
	const char *s = "Node 0, zone   Normal\n"
			"  pages free     100\n"
			"        min      50\n"
			"        low      75\n"
			"        high     150\n"
			"        managed  1000\n"
			"  pagesets\n"
			"    cpu: 0\n"
			"              high:  999999\n"
			"Node 1, zone   Normal\n"
			"  pages free     10\n"
			"        min      50\n"
			"        low      75\n"
			"        high     150\n";
	struct ll_zoneinfo z;
	size_t len;

	S(s, &len);
	ASSERT_EQ(ll_zoneinfo_parse(s, len, &z), 0, "two nodes");
	ASSERT_EQ(z.zones, 2, "zones");
	ASSERT_EQ(z.free, 110, "free");
	ASSERT_EQ(z.high, 300, "high");
	/* (110 - 100) / (300 - 100) */
	ASSERT_TRUE(ll_zoneinfo_headroom(&z) > 4.99 && ll_zoneinfo_headroom(&z) < 5.01, "headroom");
	ASSERT_EQ(ll_zoneinfo_parse("", 0, &z), -EINVAL, "empty");
	s = "Node 0, zone DMA\n  pages free x\n";
	ASSERT_EQ(ll_zoneinfo_parse(s, strlen(s), &z), -EINVAL, "bad number");
	s = "Node 0, zone DMA\n min 10\n low 5\n high 20\n";
	ASSERT_EQ(ll_zoneinfo_parse(s, strlen(s), &z), -EINVAL, "watermarks out of order");
}

static void t_meminfo(void)
{
	struct ll_meminfo m;
	size_t len;
	char *buf = load("meminfo", &len);
	const char *s;

	if (buf) {
		ASSERT_EQ(ll_meminfo_parse(buf, len, &m), 0, "parse real");
		ASSERT_EQ(m.total, 24683664ULL * 1024, "MemTotal");
		ASSERT_EQ(m.available, 24343876ULL * 1024, "MemAvailable");
		free(buf);
	}
	s = "MemTotal:       1000 kB\nMemFree:          10 kB\n";
	ASSERT_EQ(ll_meminfo_parse(s, strlen(s), &m), -ENOENT, "no MemAvailable (before 3.14)");
	s = "MemTotal:       1000 MB\nMemAvailable: 10 kB\n";
	ASSERT_EQ(ll_meminfo_parse(s, strlen(s), &m), -EINVAL, "unit");
	s = "MemAvailable: 10 kB\n";
	ASSERT_EQ(ll_meminfo_parse(s, strlen(s), &m), -EINVAL, "no MemTotal");
	s = "MemTotal: 99999999999999999999 kB\nMemAvailable: 1 kB\n";
	ASSERT_TRUE(ll_meminfo_parse(s, strlen(s), &m) < 0, "overflow");
}

static void t_netstat(void)
{
	struct ll_netstat n;
	size_t len;
	char *buf = load("netstat", &len);
	const char *s;

	if (buf) {
		ASSERT_EQ(ll_netstat_parse(buf, len, &n), 0, "parse real");
		ASSERT_EQ(n.pfmemalloc_drop, 0, "PFMemallocDrop");
		free(buf);
	}
	s = "TcpExt: SyncookiesSent PFMemallocDrop TW\n"
	    "TcpExt: 1 42 3\n"
	    "MPTcpExt: PFMemallocDrop\n"
	    "MPTcpExt: 7\n";
	ASSERT_EQ(ll_netstat_parse(s, strlen(s), &n), 0, "synthetic");
	ASSERT_EQ(n.pfmemalloc_drop, 42, "value of the column");
	s = "IpExt: PFMemallocDrop\nIpExt: 5\nTcpExt: A B\nTcpExt: 1 2\n";
	ASSERT_EQ(ll_netstat_parse(s, strlen(s), &n), -ENOENT, "no column");
	s = "TcpExt: A B PFMemallocDrop\nTcpExt: 1 2\n";
	ASSERT_EQ(ll_netstat_parse(s, strlen(s), &n), -EINVAL, "short value line");
	s = "TcpExt: PFMemallocDrop\n";
	ASSERT_EQ(ll_netstat_parse(s, strlen(s), &n), -EINVAL, "no value line");
}

static void t_memcg_files(void)
{
	struct ll_memcg_events e;
	const char *s = "low 0\nhigh 12\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n";
	__u64 v;

	ASSERT_EQ(ll_memcg_events_parse(s, strlen(s), &e), 0, "events");
	ASSERT_EQ(e.high, 12, "high");
	ASSERT_EQ(e.max, 3, "max");
	ASSERT_EQ(e.oom_kill, 1, "oom_kill");
	ASSERT_EQ(ll_memcg_events_parse("high\n", 5, &e), -EINVAL, "no value");
	ASSERT_EQ(ll_u64_file_parse("max\n", 4, &v), 0, "max");
	ASSERT_EQ(v, ~0ULL, "max value");
	ASSERT_EQ(ll_u64_file_parse("143773696\n", 10, &v), 0, "number");
	ASSERT_EQ(v, 143773696, "number value");
	ASSERT_EQ(ll_u64_file_parse("12 13\n", 6, &v), -EINVAL, "two numbers");
	ASSERT_EQ(ll_u64_file_parse("", 0, &v), -EINVAL, "empty");
}

/* ---- evaluators ---- */

static struct ll_config defcfg(void)
{
	struct ll_config c;

	ll_config_defaults(&c);
	return c;
}

static void t_eval_psi(void)
{
	struct ll_config c = defcfg();
	struct ll_psi prev = {}, cur = {};
	char why[LL_WHY_LEN];

	prev.present = cur.present = 3;
	ASSERT_EQ(ll_psi_eval(&c.src.psi, NULL, &cur, 0, why, sizeof(why)), LL_LEVEL_NONE, "calm");
	cur.l[LL_PSI_SOME].avg10 = 12;
	ASSERT_EQ(ll_psi_eval(&c.src.psi, NULL, &cur, 0, why, sizeof(why)), LL_LEVEL_ELEVATED,
		  "some avg10 12%");
	ASSERT_TRUE(strstr(why, "avg10=12.00%") != NULL, "why names the figure");
	cur.l[LL_PSI_FULL].avg10 = 25;
	ASSERT_EQ(ll_psi_eval(&c.src.psi, NULL, &cur, 0, why, sizeof(why)), LL_LEVEL_CRITICAL,
		  "full avg10 25%");
	/* growth: 500 ms of stall in 1 s is 50% now, before avg10 catches up */
	memset(&cur.l, 0, sizeof(cur.l));
	cur.l[LL_PSI_SOME].total = 500000;
	ASSERT_TRUE(ll_psi_growth(&prev, &cur, LL_PSI_SOME, 1000000000ULL) > 49.9, "growth");
	ASSERT_EQ(ll_psi_eval(&c.src.psi, &prev, &cur, 1000000000ULL, why, sizeof(why)),
		  LL_LEVEL_CRITICAL, "some growth 50%");
	ASSERT_EQ(ll_psi_eval(&c.src.psi, &prev, &cur, 10000000000ULL, why, sizeof(why)),
		  LL_LEVEL_NONE, "some growth 5% over 10 s");
	/* a threshold of 0 switches the level off */
	c.src.psi.some[LL_T_CRITICAL] = 0;
	ASSERT_EQ(ll_psi_eval(&c.src.psi, &prev, &cur, 1000000000ULL, why, sizeof(why)),
		  LL_LEVEL_ELEVATED, "critical off");
	/* a counter that went back is no growth */
	ASSERT_EQ(ll_psi_growth(&cur, &prev, LL_PSI_SOME, 1000000000ULL), 0, "reset");
}

static void t_eval_others(void)
{
	struct ll_config c = defcfg();
	struct ll_zoneinfo z = { .free = 1000, .min = 100, .low = 150, .high = 200, .zones = 1 };
	struct ll_meminfo m = { .total = 1000ULL << 20, .available = 500ULL << 20 };
	struct ll_netstat a = { 5 }, b = { 6 };
	struct ll_memcg cg0 = { .version = 1, .has_usage = 1, .usage = 50, .limit = 100 }, cg1;
	char why[LL_WHY_LEN];

	ASSERT_EQ(ll_wmark_eval(&c.src.wmark, &z, why, sizeof(why)), LL_LEVEL_NONE, "plenty");
	z.free = 140;	/* headroom 40% */
	ASSERT_EQ(ll_wmark_eval(&c.src.wmark, &z, why, sizeof(why)), LL_LEVEL_ELEVATED,
		  "below low");
	z.free = 90;	/* below min: negative headroom */
	ASSERT_EQ(ll_wmark_eval(&c.src.wmark, &z, why, sizeof(why)), LL_LEVEL_CRITICAL,
		  "below min");
	ASSERT_TRUE(strstr(why, "free=90 pages") != NULL, "why");

	ASSERT_EQ(ll_memavail_eval(&c.src.memavail, &m, why, sizeof(why)), LL_LEVEL_NONE, "50%");
	m.available = 80ULL << 20;
	ASSERT_EQ(ll_memavail_eval(&c.src.memavail, &m, why, sizeof(why)), LL_LEVEL_ELEVATED, "8%");
	m.available = 30ULL << 20;
	ASSERT_EQ(ll_memavail_eval(&c.src.memavail, &m, why, sizeof(why)), LL_LEVEL_CRITICAL, "3%");
	ASSERT_TRUE(strstr(why, "MemAvailable 30 MiB of 1000 MiB (3.0%)") != NULL, "why");
	c.src.memavail.below[LL_T_CRITICAL] = (struct ll_amount){ .value = 16 << 20 };
	ASSERT_EQ(ll_memavail_eval(&c.src.memavail, &m, why, sizeof(why)), LL_LEVEL_ELEVATED,
		  "absolute critical 16M, 30M left");

	ASSERT_EQ(ll_netstat_eval(&c.src.netstat, NULL, &a, why, sizeof(why)), LL_LEVEL_NONE,
		  "first reading");
	ASSERT_EQ(ll_netstat_eval(&c.src.netstat, &a, &a, why, sizeof(why)), LL_LEVEL_NONE, "same");
	ASSERT_EQ(ll_netstat_eval(&c.src.netstat, &a, &b, why, sizeof(why)), LL_LEVEL_CRITICAL,
		  "one more drop");
	ASSERT_EQ(ll_netstat_eval(&c.src.netstat, &b, &a, why, sizeof(why)), LL_LEVEL_NONE,
		  "reset");

	ASSERT_EQ(ll_memcg_eval(&c.src.memcg, NULL, &cg0, 0, why, sizeof(why)), LL_LEVEL_NONE,
		  "v1 50%");
	cg1 = cg0;
	cg1.usage = 95;
	ASSERT_EQ(ll_memcg_eval(&c.src.memcg, &cg0, &cg1, 1, why, sizeof(why)), LL_LEVEL_ELEVATED,
		  "v1 95%");
	cg1.usage = 99;
	ASSERT_EQ(ll_memcg_eval(&c.src.memcg, &cg0, &cg1, 1, why, sizeof(why)), LL_LEVEL_CRITICAL,
		  "v1 99%");
	cg1.limit = ~0ULL;
	ASSERT_EQ(ll_memcg_eval(&c.src.memcg, &cg0, &cg1, 1, why, sizeof(why)), LL_LEVEL_NONE,
		  "no limit");
	cg0 = (struct ll_memcg){ .version = 2, .has_events = 1 };
	cg1 = cg0;
	cg1.events.high = 1;
	ASSERT_EQ(ll_memcg_eval(&c.src.memcg, &cg0, &cg1, 1, why, sizeof(why)), LL_LEVEL_ELEVATED,
		  "v2 high event");
	cg1.events.oom_kill = 1;
	ASSERT_EQ(ll_memcg_eval(&c.src.memcg, &cg0, &cg1, 1, why, sizeof(why)), LL_LEVEL_CRITICAL,
		  "v2 oom_kill event");
	c.src.memcg.events = 0;
	ASSERT_EQ(ll_memcg_eval(&c.src.memcg, &cg0, &cg1, 1, why, sizeof(why)), LL_LEVEL_NONE,
		  "events off");
}

/* ---- readers on a fake tree ---- */

static int write_file(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static int copy_sample(const char *dir, const char *rel, const char *name)
{
	char *buf = malloc(LL_READ_BUF), path[PATH_MAX];
	long n;
	int err;

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	n = buf ? ll_read_file(path, buf, LL_READ_BUF) : -ENOMEM;
	err = n < 0 ? (int)n : write_file(dir, rel, buf);
	free(buf);
	return err;
}

static void rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void t_sources_fake_tree(void)
{
	char dir[] = "/tmp/ll-test-proc-XXXXXX", sub[PATH_MAX];
	struct ll_config c = defcfg();
	struct ll_sources *s = calloc(1, sizeof(*s));
	__u32 lv[LL_SRC_MAX];

	if (!s || !mkdtemp(dir)) {
		TEST_FAIL_MSG("setup: %s", strerror(errno));
		free(s);
		return;
	}
	snprintf(sub, sizeof(sub), "%s/proc", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/proc/pressure", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/proc/net", dir);
	mkdir(sub, 0755);
	ASSERT_EQ(copy_sample(dir, "proc/pressure/memory", "pressure_memory"), 0, "psi");
	ASSERT_EQ(copy_sample(dir, "proc/zoneinfo", "zoneinfo"), 0, "zoneinfo");
	ASSERT_EQ(copy_sample(dir, "proc/meminfo", "meminfo"), 0, "meminfo");
	ASSERT_EQ(copy_sample(dir, "proc/net/netstat", "netstat"), 0, "netstat");

	/* a fake tree is no procfs: no trigger, and the file is left alone */
	ASSERT_EQ(ll_sources_init(s, &c.src, dir, quiet_log), 0, "init");
	ASSERT_EQ(s->psi_mode, LL_PSI_POLL, "polling");
	ll_sources_sample(s, 1000000000ULL, lv);
	for (int i = 0; i < LL_SRC_MAX; i++)
		ASSERT_EQ(lv[i], LL_LEVEL_NONE, ll_source_name(i));
	ASSERT_EQ(s->st[LL_SRC_PSI].err, 0, "psi read");

	write_file(dir, "proc/pressure/memory",
		   "some avg10=50.00 avg60=1.00 avg300=0.00 total=10\n"
		   "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
	write_file(dir, "proc/net/netstat", "TcpExt: PFMemallocDrop\nTcpExt: 3\n");
	ll_sources_sample(s, 2000000000ULL, lv);
	ASSERT_EQ(lv[LL_SRC_PSI], LL_LEVEL_CRITICAL, "psi 50%");
	ASSERT_EQ(lv[LL_SRC_NETSTAT], LL_LEVEL_CRITICAL, "netstat growth");
	ASSERT_EQ(lv[LL_SRC_MEMAVAIL], LL_LEVEL_NONE, "memavail");

	/* a source that cannot be read counts as none, and says so */
	write_file(dir, "proc/pressure/memory", "garbage\n");
	ll_sources_sample(s, 3000000000ULL, lv);
	ASSERT_EQ(lv[LL_SRC_PSI], LL_LEVEL_NONE, "unreadable psi");
	ASSERT_EQ(s->st[LL_SRC_PSI].err, -EINVAL, "error kept");
	ASSERT_EQ(lv[LL_SRC_NETSTAT], LL_LEVEL_NONE, "no more growth");

	/* switched off: not read at all */
	c.src.psi.enable = 0;
	ll_sources_reconfigure(s, &c.src);
	ll_sources_sample(s, 4000000000ULL, lv);
	ASSERT_EQ(lv[LL_SRC_PSI], LL_LEVEL_NONE, "off");
	ASSERT_EQ(s->psi_mode, LL_PSI_OFF, "psi mode off");

	/* memcg v1 below ROOT/memory/PATH */
	snprintf(sub, sizeof(sub), "%s/cg", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/cg/memory", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/cg/memory/app", dir);
	mkdir(sub, 0755);
	snprintf(c.src.memcg.root, sizeof(c.src.memcg.root), "%s/cg", dir);
	snprintf(c.src.memcg.path, sizeof(c.src.memcg.path), "app");
	c.src.memcg.enable = 1;
	write_file(dir, "cg/memory/app/memory.usage_in_bytes", "980\n");
	write_file(dir, "cg/memory/app/memory.limit_in_bytes", "1000\n");
	ll_sources_reconfigure(s, &c.src);
	ll_sources_sample(s, 5000000000ULL, lv);
	ASSERT_EQ(lv[LL_SRC_MEMCG], LL_LEVEL_CRITICAL, "memcg v1 98%");
	ASSERT_EQ(s->memcg.version, 1, "v1 found");

	/* memcg v2 at ROOT/PATH wins in auto mode */
	snprintf(sub, sizeof(sub), "%s/cg/app", dir);
	mkdir(sub, 0755);
	write_file(dir, "cg/app/memory.pressure",
		   "some avg10=15.00 avg60=0.00 avg300=0.00 total=0\n"
		   "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
	write_file(dir, "cg/app/memory.current", "100\n");
	write_file(dir, "cg/app/memory.max", "max\n");
	ll_sources_sample(s, 6000000000ULL, lv);
	ASSERT_EQ(s->memcg.version, 2, "v2 found");
	ASSERT_EQ(lv[LL_SRC_MEMCG], LL_LEVEL_ELEVATED, "memcg v2 some 15%");

	ll_sources_close(s);
	free(s);
	rm_rf(dir);
}

/* ---- configuration ---- */

static void t_values(void)
{
	__u64 v;
	struct ll_amount a;
	double p;
	int b;

	ASSERT_EQ(ll_parse_size("256K", &v), 0, "256K");
	ASSERT_EQ(v, 262144, "256K value");
	ASSERT_EQ(ll_parse_size("10MiB", &v), 0, "10MiB");
	ASSERT_EQ(v, 10485760, "10MiB value");
	ASSERT_EQ(ll_parse_size("1500", &v), 0, "bytes");
	ASSERT_EQ(ll_parse_size("1X", &v), -EINVAL, "unit");
	ASSERT_EQ(ll_parse_size("", &v), -EINVAL, "empty");
	ASSERT_EQ(ll_parse_bool("On", &b), 0, "On");
	ASSERT_EQ(b, 1, "On value");
	ASSERT_EQ(ll_parse_bool("0", &b), 0, "0");
	ASSERT_EQ(b, 0, "0 value");
	ASSERT_EQ(ll_parse_bool("maybe", &b), -EINVAL, "maybe");
	ASSERT_EQ(ll_parse_amount("10%", &a), 0, "10%");
	ASSERT_TRUE(a.pct && a.value == 10, "10% value");
	ASSERT_EQ(ll_parse_amount("512M", &a), 0, "512M");
	ASSERT_TRUE(!a.pct && a.value == 536870912.0, "512M value");
	ASSERT_EQ(ll_parse_amount("101%", &a), -EINVAL, "101%");
	ASSERT_EQ(ll_parse_percent("100", &p), 0, "100");
	ASSERT_EQ(ll_parse_percent("100.5", &p), -EINVAL, "100.5");
}

static char cfg_dir[] = "/tmp/ll-test-conf-XXXXXX";

static int conf(const char *rel, const char *text)
{
	return write_file(cfg_dir, rel, text);
}

static int load_conf(struct ll_config *c, struct ll_config_err *e)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/lifeline.conf", cfg_dir);
	return ll_config_load(c, path, 1, e);
}

static int err_is(const struct ll_config_err *e, const char *file, int line, const char *needle)
{
	char path[PATH_MAX], text[PATH_MAX + 300];
	int ok;

	snprintf(path, sizeof(path), "%s/%s", cfg_dir, file);
	ll_config_err_format(e, text, sizeof(text));
	ok = !strcmp(e->file, path) && e->line == line && strstr(e->msg, needle);
	if (!ok)
		fprintf(stderr, "  got: %s\n  expected %s:%d: ...%s...\n", text, path, line,
			needle);
	return ok;
}

static void t_config(void)
{
	struct ll_config c, d;
	struct ll_config_err e;
	char path[PATH_MAX];

	if (!mkdtemp(cfg_dir)) {
		TEST_FAIL_MSG("mkdtemp: %s", strerror(errno));
		return;
	}
	/* no file at the default path: the defaults, valid */
	snprintf(path, sizeof(path), "%s/absent.conf", cfg_dir);
	ASSERT_EQ(ll_config_load(&c, path, 0, &e), 0, "absent, optional");
	ll_config_defaults(&d);
	ASSERT_TRUE(!memcmp(&c, &d, sizeof(c)), "defaults");
	ASSERT_EQ(c.tick_ns, 250000000ULL, "tick 250ms");
	ASSERT_EQ(c.lease_ns, 3000000000ULL, "lease 3s");
	ASSERT_STREQ(c.state_dir, "/run/lifeline", "state_dir");
	ASSERT_EQ(ll_config_load(&c, path, 1, &e), -ENOENT, "absent, explicit");

	conf("lifeline.conf",
	     "# comment\n[daemon]\ntick = 100ms\nhold = 2s\n\n[psi]\n"
	     "some_critical = 60 ; inline comment\n[memavailable]\nelevated = 1G\n");
	ASSERT_EQ(load_conf(&c, &e), 0, "valid");
	ASSERT_EQ(c.tick_ns, 100000000ULL, "tick");
	ASSERT_EQ(c.hold_ns, 2000000000ULL, "hold");
	ASSERT_TRUE(c.src.psi.some[LL_T_CRITICAL] == 60, "some_critical");
	ASSERT_TRUE(!c.src.memavail.below[0].pct && c.src.memavail.below[0].value == 1073741824.0,
		    "absolute amount");

	/* drop-ins in name order, each over the one before */
	mkdir(strcat(strcpy(path, cfg_dir), "/lifeline.conf.d"), 0755);
	conf("lifeline.conf.d/20-b.conf", "[daemon]\nhold = 5s\n");
	conf("lifeline.conf.d/10-a.conf", "[daemon]\nhold = 4s\nlease = 9s\n");
	conf("lifeline.conf.d/30-c.conf.disabled", "[daemon]\nhold = 99s\n");
	ASSERT_EQ(load_conf(&c, &e), 0, "drop-ins");
	ASSERT_EQ(c.hold_ns, 5000000000ULL, "last drop-in wins");
	ASSERT_EQ(c.lease_ns, 9000000000ULL, "earlier drop-in kept");

	conf("lifeline.conf.d/20-b.conf", "[daemon]\nhold = 5s\n\n[psi]\nsome_elevatd = 3\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "unknown key");
	ASSERT_TRUE(err_is(&e, "lifeline.conf.d/20-b.conf", 5, "unknown key \"some_elevatd\""),
		    "unknown key at file:line");
	conf("lifeline.conf.d/20-b.conf", "[psy]\nenable = no\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "unknown section");
	ASSERT_TRUE(err_is(&e, "lifeline.conf.d/20-b.conf", 2, "unknown section [psy]"),
		    "unknown section at file:line");
	conf("lifeline.conf.d/20-b.conf", "[daemon]\n\ntick = fast\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "bad value");
	ASSERT_TRUE(err_is(&e, "lifeline.conf.d/20-b.conf", 3, "expected a duration"),
		    "bad value at file:line");
	conf("lifeline.conf.d/20-b.conf", "[daemon]\nthis line has no equals sign\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "syntax");
	ASSERT_TRUE(err_is(&e, "lifeline.conf.d/20-b.conf", 2, "syntax error"), "syntax at line");
	conf("lifeline.conf.d/20-b.conf", "tick = 1s\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "no section");
	ASSERT_TRUE(err_is(&e, "lifeline.conf.d/20-b.conf", 1, "outside a section"), "no section");
	/* a check across two keys names the one set last */
	conf("lifeline.conf.d/20-b.conf", "[psi]\n\nsome_elevated = 70\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "order");
	ASSERT_TRUE(err_is(&e, "lifeline.conf.d/20-b.conf", 3, "some_critical must be above"),
		    "order check at the later key");
	conf("lifeline.conf.d/20-b.conf", "[daemon]\nlease = 150ms\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "lease");
	ASSERT_TRUE(err_is(&e, "lifeline.conf.d/20-b.conf", 2, "lease must be at least two ticks"),
		    "lease check");
	conf("lifeline.conf.d/20-b.conf", "[memcg]\nenable = yes\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "memcg without path");
	ASSERT_TRUE(err_is(&e, "lifeline.conf.d/20-b.conf", 2, "needs path"), "memcg path");
	conf("lifeline.conf.d/20-b.conf", "[memcg]\npath = ../../etc\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "dotdot");
	conf("lifeline.conf.d/20-b.conf", "[alert]\non_change = /nonexistent/hook\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "hook not executable");
	ASSERT_TRUE(err_is(&e, "lifeline.conf.d/20-b.conf", 2, "No such file"), "hook check");
	conf("lifeline.conf.d/20-b.conf", "[alert]\non_change = relative/hook\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "relative hook");
	conf("lifeline.conf.d/20-b.conf", "[budget]\nburst = 100\n");
	ASSERT_EQ(load_conf(&c, &e), -EINVAL, "tiny burst");
	unlink(strcat(strcpy(path, cfg_dir), "/lifeline.conf.d/20-b.conf"));
	ASSERT_EQ(load_conf(&c, &e), 0, "valid again");
	rm_rf(cfg_dir);
}

/* docs/lifeline.conf documents every key with its default value. */
static void t_config_example(void)
{
	char path[PATH_MAX], *printed = NULL, *text = malloc(LL_READ_BUF), *line, *save = NULL;
	struct ll_config c, d;
	struct ll_config_err e;
	char section[64] = "";
	size_t plen = 0;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/docs/lifeline.conf", repo_dir);
	n = text ? ll_read_file(path, text, LL_READ_BUF) : -ENOMEM;
	if (n < 0) {
		TEST_SKIP("%s: %s", path, strerror((int)-n));
		free(text);
		return;
	}
	if (!ASSERT_EQ(ll_config_load(&c, path, 1, &e), 0, "example loads"))
		fprintf(stderr, "  %s:%d: %s\n", e.file, e.line, e.msg);
	ll_config_defaults(&d);
	ASSERT_TRUE(!memcmp(&c, &d, sizeof(c)), "example values are the defaults");

	f = open_memstream(&printed, &plen);
	ll_config_print(&d, f);
	fclose(f);
	for (line = strtok_r(printed, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char want[128], *eq;

		if (line[0] == '[') {
			snprintf(section, sizeof(section), "\n%s\n", line);
			continue;
		}
		eq = strstr(line, " = ");
		if (!eq)
			continue;
		*eq = '\0';
		/* the key, as "\nkey =", after its section header */
		snprintf(want, sizeof(want), "\n%s =", line);
		{
			char *sec = strstr(text, section), *next, *hit;

			if (!ASSERT_TRUE(sec != NULL, section))
				continue;
			next = strstr(sec + 1, "\n[");
			hit = strstr(sec, want);
			if (!ASSERT_TRUE(hit && (!next || hit < next),
					 "key documented in its section"))
				fprintf(stderr, "  missing: %s %s\n", section, line);
		}
	}
	free(printed);
	free(text);
}

/* ---- the engine ---- */

enum { IN_PSI, IN_WMARK, IN_MEMAVAIL, IN_NETSTAT, IN_PFMEMALLOC };

struct step {
	__u64 t_ms;
	__u32 in[5];		/* psi, watermark, memavailable, netstat, pfmemalloc */
	int ovr;		/* -1 no override, else an active override's level */
	int kernel;		/* -1 none, else the kernel vote's level, expiring at kexp_ms */
	__u64 kexp_ms;
	__u32 level, source;	/* expected effective */
	__u32 vote;		/* expected daemon vote */
	int changed;		/* expected: the effective level changed */
};

#define N LL_LEVEL_NONE
#define E LL_LEVEL_ELEVATED
#define C LL_LEVEL_CRITICAL

static void t_engine_trace(void)
{
	/* hold = 1 s */
	static const struct step trace[] = {
		{0, {N, N, N, N, N}, -1, -1, 0, N, LL_SRC_NONE, N, 0},
		{100, {E, N, N, N, N}, -1, -1, 0, E, LL_SRC_PSI, E, 1}, /* raised at once */
		{200, {C, N, N, N, N}, -1, -1, 0, C, LL_SRC_PSI, C, 1},
		{300, {N, N, N, N, N}, -1, -1, 0, C, LL_SRC_PSI, C, 0}, /* hold starts */
		{1000, {N, N, N, N, N}, -1, -1, 0, C, LL_SRC_PSI, C, 0},
		{1200, {E, N, N, N, N}, -1, -1, 0, C, LL_SRC_PSI, C, 0}, /* still below */
		{1300, {N, N, N, N, N}, -1, -1, 0, E, LL_SRC_PSI, E, 1}, /* one step */
		{2299, {N, N, N, N, N}, -1, -1, 0, E, LL_SRC_PSI, E, 0}, /* its own hold */
		{2300, {N, N, N, N, N}, -1, -1, 0, N, LL_SRC_NONE, N, 1},
		{2400, {C, N, N, N, N}, -1, -1, 0, C, LL_SRC_PSI, C, 1},
		{2500, {N, N, N, N, N}, -1, -1, 0, C, LL_SRC_PSI, C, 0},
		{3400, {N, N, E, N, N}, -1, -1, 0, C, LL_SRC_PSI, C, 0},
		{3500, {N, N, E, N, N}, -1, -1, 0, E, LL_SRC_MEMAVAIL, E, 1},
		{3600, {N, N, N, N, N}, -1, -1, 0, E, LL_SRC_MEMAVAIL, E, 0},
		{4000, {N, N, E, N, N}, -1, -1, 0, E, LL_SRC_MEMAVAIL, E, 0}, /* back: reset */
		{4100, {N, N, N, N, N}, -1, -1, 0, E, LL_SRC_MEMAVAIL, E, 0},
		{5000, {N, N, N, N, N}, -1, -1, 0, E, LL_SRC_MEMAVAIL, E, 0}, /* 900 ms */
		{5100, {N, N, N, N, N}, -1, -1, 0, N, LL_SRC_NONE, N, 1},
		{5200, {N, E, N, C, N}, -1, -1, 0, C, LL_SRC_NETSTAT, C, 1}, /* highest */
		{5300, {N, C, N, C, N}, -1, -1, 0, C, LL_SRC_NETSTAT, C, 0}, /* tie: kept */
		/* a manual override wins, whatever the vote */
		{5400, {N, C, N, N, N}, N, -1, 0, N, LL_SRC_MANUAL, C, 1},
		{5500, {N, C, N, N, N}, E, -1, 0, E, LL_SRC_MANUAL, C, 1},
		{5600, {N, N, N, N, N}, -1, -1, 0, C, LL_SRC_WATERMARK, C, 1},
		{6600, {N, N, N, N, N}, -1, -1, 0, E, LL_SRC_WATERMARK, E, 1},
		{7600, {N, N, N, N, N}, -1, -1, 0, N, LL_SRC_NONE, N, 1},
		/* the kernel's own vote counts while it lives */
		{7700, {N, N, N, N, N}, -1, C, 9700, C, LL_SRC_PFMEMALLOC, N, 1},
		{9699, {N, N, N, N, N}, -1, C, 9700, C, LL_SRC_PFMEMALLOC, N, 0},
		{9700, {N, N, N, N, N}, -1, C, 9700, N, LL_SRC_NONE, N, 1},
		/* a ring buffer sighting taken into the vote is held like any source */
		{9800, {N, N, N, N, C}, -1, -1, 0, C, LL_SRC_PFMEMALLOC, C, 1},
		{9900, {N, N, N, N, N}, -1, -1, 0, C, LL_SRC_PFMEMALLOC, C, 0},
		{10900, {N, N, N, N, N}, -1, -1, 0, E, LL_SRC_PFMEMALLOC, E, 1},
		{11900, {N, N, N, N, N}, -1, -1, 0, N, LL_SRC_NONE, N, 1},
	};
	static const int src_of[5] = { LL_SRC_PSI, LL_SRC_WATERMARK, LL_SRC_MEMAVAIL,
				       LL_SRC_NETSTAT, LL_SRC_PFMEMALLOC };
	struct ll_engine e;
	struct ll_engine_out o;

	ll_engine_init(&e, 1000000000ULL);
	for (size_t i = 0; i < sizeof(trace) / sizeof(trace[0]); i++) {
		const struct step *s = &trace[i];
		__u32 lv[LL_SRC_MAX] = {};
		struct ll_state st = {};
		__u64 now = s->t_ms * 1000000ULL + 5000000000ULL; /* monotonic time is never 0 */
		int ok = 1;

		for (int k = 0; k < 5; k++)
			lv[src_of[k]] = s->in[k];
		if (s->ovr >= 0) {
			st.override_active = 1;
			st.override.level = (__u32)s->ovr;
			st.override.source = LL_SRC_MANUAL;
		}
		if (s->kernel >= 0) {
			st.kernel.level = (__u32)s->kernel;
			st.kernel.source = LL_SRC_PFMEMALLOC;
			st.kernel.expires_ns = s->kexp_ms * 1000000ULL + 5000000000ULL;
		}
		ll_engine_step(&e, lv, &st, now, &o);
		ok &= ASSERT_EQ(o.level, s->level, "effective level");
		ok &= ASSERT_EQ(o.source, s->source, "effective source");
		ok &= ASSERT_EQ(o.vote_level, s->vote, "vote");
		ok &= ASSERT_EQ(o.changed, s->changed, "changed");
		/* the engine only computes; the state it was given is the caller's */
		ok &= ASSERT_EQ(st.override_active, s->ovr >= 0, "override untouched");
		if (!ok)
			fprintf(stderr, "  at step %zu, t=%llu ms\n", i,
				(unsigned long long)s->t_ms);
	}
}

static void t_engine_hold_zero(void)
{
	struct ll_engine e;
	struct ll_engine_out o;
	__u32 lv[LL_SRC_MAX] = {};

	ll_engine_init(&e, 0);
	lv[LL_SRC_PSI] = C;
	ll_engine_step(&e, lv, NULL, 1, &o);
	ASSERT_EQ(o.level, C, "critical");
	lv[LL_SRC_PSI] = N;
	ll_engine_step(&e, lv, NULL, 2, &o);
	ASSERT_EQ(o.level, E, "one step per step, even without a hold");
	ASSERT_EQ(o.stepped_down, 1, "stepped");
	ll_engine_step(&e, lv, NULL, 3, &o);
	ASSERT_EQ(o.level, N, "none");
	/* an out-of-range input is clamped, not trusted */
	lv[LL_SRC_MEMCG] = 77;
	ll_engine_step(&e, lv, NULL, 4, &o);
	ASSERT_EQ(o.vote_level, C, "clamped");
	/* an expired override does not count */
	{
		struct ll_state st = { .override_active = 1 };

		st.override.level = N;
		st.override.expires_ns = 4;
		ll_engine_step(&e, lv, &st, 5, &o);
		ASSERT_EQ(o.level, C, "expired override");
		ASSERT_EQ(o.source, LL_SRC_MEMCG, "source");
		/* in effect until its expiry, not after; an override to none counts too */
		ASSERT_EQ(ll_override_in_effect(&st, 3), 1, "override before expiry");
		ASSERT_EQ(ll_override_in_effect(&st, 4), 0, "override at expiry");
		st.override.expires_ns = 0;
		ASSERT_EQ(ll_override_in_effect(&st, 1000), 1, "override without expiry");
		st.override_active = 0;
		ASSERT_EQ(ll_override_in_effect(&st, 1), 0, "override cleared");
	}
}

/* ---- metrics ---- */

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

static void t_metrics(void)
{
	char pin[64], dir[] = "/tmp/ll-test-metrics-XXXXXX", path[PATH_MAX], *text = NULL;
	char *back = malloc(LL_READ_BUF);
	struct ll_maps m;
	size_t len = 0;
	FILE *f;
	int err;

	snprintf(pin, sizeof(pin), "/sys/fs/bpf/lltest-engine-%d", (int)getpid());
	if (geteuid()) {
		TEST_SKIP("needs root for BPF maps");
		free(back);
		return;
	}
	err = ll_maps_open_or_create(&m, pin, NULL);
	if (err) {
		TEST_SKIP("cannot create maps in %s: %s", pin, strerror(-err));
		free(back);
		return;
	}
	m.state->daemon.level = LL_LEVEL_CRITICAL;
	m.state->daemon.source = LL_SRC_PSI;
	m.state->daemon.expires_ns = ll_now_ns() + 60000000000ULL;
	{
		/*
		 * As the datapath counts 5 truncated packets dropped at
		 * critical on XDP: 5 under drop_critical, 5 more under
		 * note_malformed, spread over two CPUs.
		 */
		int ncpus = libbpf_num_possible_cpus();
		struct ll_counter v[ncpus > 0 ? ncpus : 1];
		__u32 k;

		memset(v, 0, sizeof(v));
		v[0].packets = 3, v[0].bytes = 3 * 40;
		v[ncpus > 1].packets += 2, v[ncpus > 1].bytes += 2 * 40;
		k = LL_COUNTER_IDX(LL_HOOK_XDP, LL_DROP_CRITICAL);
		ASSERT_EQ(bpf_map_update_elem(m.fd[LL_MAP_COUNTERS], &k, v, 0), 0, "counter");
		k = LL_COUNTER_IDX(LL_HOOK_XDP, LL_NOTE_MALFORMED);
		ASSERT_EQ(bpf_map_update_elem(m.fd[LL_MAP_COUNTERS], &k, v, 0), 0, "note");
	}
	f = open_memstream(&text, &len);
	ASSERT_EQ(ll_metrics_write(f, &m), 0, "write");
	fclose(f);
	{
		/* a sum over the reasons counts each packet once */
		unsigned long long sum = 0, notes = 0;
		int note_reasons = 0;

		for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
			const char *v = strchr(p, ' ');

			if (!strncmp(p, "lifeline_packets_total{hook=\"xdp\",", 34) && v)
				sum += strtoull(v + 1, NULL, 10);
			if (!strncmp(p, "lifeline_packets_total{", 23) && v &&
			    memmem(p, (size_t)(v - p), "note", 4))
				note_reasons++;
			if (!strncmp(p, "lifeline_notes_total{hook=\"xdp\",note=\"malformed\"} ", 50))
				notes = strtoull(p + 50, NULL, 10);
		}
		ASSERT_EQ(sum, 5, "sum over xdp's reasons: each packet once");
		ASSERT_EQ(note_reasons, 0, "no note among the reasons");
		ASSERT_EQ(notes, 5, "the note in lifeline_notes_total");
		ASSERT_TRUE(strstr(text, "\nlifeline_note_bytes_total{hook=\"xdp\",note=\"malformed\"} 200\n")
			    != NULL, "note bytes");
		ASSERT_TRUE(strstr(text, "\nlifeline_bytes_total{hook=\"xdp\",reason=\"drop_critical\"} 200\n")
			    != NULL, "verdict bytes");
	}
	/* the rule counts the README promises */
	ASSERT_TRUE(strstr(text, "\nlifeline_rules{kind=\"endpoint\"} 0\n") != NULL, "endpoint rules");
	ASSERT_TRUE(strstr(text, "\nlifeline_rules{kind=\"allow\"} 0\n") != NULL, "allow rules");
	ASSERT_TRUE(strstr(text, "\nlifeline_rules_max ") != NULL, "rule capacity");
	ASSERT_TRUE(strstr(text, "\nlifeline_level 2\n") != NULL, "level gauge");
	ASSERT_TRUE(strstr(text, "# TYPE lifeline_level gauge\n") != NULL, "TYPE line");
	ASSERT_TRUE(strstr(text, "lifeline_level_info{level=\"critical\",source=\"psi\"} 1") !=
			    NULL,
		    "info");
	ASSERT_EQ(count_lines(text, "lifeline_packets_total{"), LL_HOOK_MAX * LL_FIRST_NOTE,
		  "packet series");
	ASSERT_EQ(count_lines(text, "lifeline_bytes_total{"), LL_HOOK_MAX * LL_FIRST_NOTE,
		  "byte series");
	ASSERT_EQ(count_lines(text, "lifeline_notes_total{"),
		  LL_HOOK_MAX * (LL_REASON_MAX - LL_FIRST_NOTE), "note series");
	ASSERT_TRUE(strstr(text, "lifeline_packets_total{hook=\"xdp\",reason=\"drop_critical\"} 5")
		    != NULL, "labels");
	ASSERT_TRUE(strstr(text, "\nlifeline_flows 0\n") != NULL, "flows");
	{
		const char *l = strstr(text, "\nlifeline_lease_seconds ");
		double lease = l ? strtod(l + 24, NULL) : -1;

		ASSERT_TRUE(lease > 59 && lease <= 60.001, "lease about 60 s");
	}
	ASSERT_EQ(count_lines(text, "# HELP "), count_lines(text, "# TYPE "), "HELP for each TYPE");

	/* the textfile is replaced whole, with no temporary left behind */
	if (mkdtemp(dir)) {
		snprintf(path, sizeof(path), "%s/lifeline.prom", dir);
		ASSERT_EQ(ll_metrics_textfile(path, text, strlen(text)), 0, "textfile");
		ASSERT_EQ(ll_metrics_textfile(path, text, strlen(text)), 0, "textfile again");
		ASSERT_EQ(ll_read_file(path, back, LL_READ_BUF), (long)strlen(text), "size");
		ASSERT_TRUE(!strcmp(back, text), "content");
		snprintf(path, sizeof(path), "%s/nodir/lifeline.prom", dir);
		ASSERT_EQ(ll_metrics_textfile(path, text, strlen(text)), -ENOENT, "no directory");
		rm_rf(dir);
	}
	free(text);
	free(back);
	ll_maps_close(&m);
	ll_maps_unpin(pin);
}

/* ---- robustness: mutated samples through every parser ---- */

static void t_parsers_mutated(void)
{
	static const char *const names[] = { "pressure_memory", "zoneinfo", "meminfo", "netstat" };
	static const char alphabet[] = " \n\t0123456789.=:-kBx";
	unsigned int seed = 12345;

	for (size_t s = 0; s < sizeof(names) / sizeof(names[0]); s++) {
		size_t len;
		char *orig = load(names[s], &len);

		if (!orig)
			continue;
		for (int i = 0; i < 3000; i++) {
			size_t n = len ? (size_t)rand_r(&seed) % (len + 1) : 0;
			char *buf = malloc(n ? n : 1);
			union {
				struct ll_psi p;
				struct ll_zoneinfo z;
				struct ll_meminfo m;
				struct ll_netstat ns;
				struct ll_memcg_events ev;
				__u64 u;
			} out;

			memcpy(buf, orig, n);
			for (int k = rand_r(&seed) % 8; k > 0 && n; k--)
				buf[(size_t)rand_r(&seed) % n] =
					alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
			ll_psi_parse(buf, n, &out.p);
			ll_zoneinfo_parse(buf, n, &out.z);
			ll_meminfo_parse(buf, n, &out.m);
			ll_netstat_parse(buf, n, &out.ns);
			ll_memcg_events_parse(buf, n, &out.ev);
			ll_u64_file_parse(buf, n, &out.u);
			free(buf);
		}
		free(orig);
	}
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	find_dirs();
	TEST_RUN("psi_real", t_psi_real);
	TEST_RUN("psi_values", t_psi_values);
	TEST_RUN("psi_bad", t_psi_bad);
	TEST_RUN("zoneinfo_real", t_zoneinfo_real);
	TEST_RUN("zoneinfo_synthetic", t_zoneinfo_synthetic);
	TEST_RUN("meminfo", t_meminfo);
	TEST_RUN("netstat", t_netstat);
	TEST_RUN("memcg_files", t_memcg_files);
	TEST_RUN("eval_psi", t_eval_psi);
	TEST_RUN("eval_others", t_eval_others);
	TEST_RUN("sources_fake_tree", t_sources_fake_tree);
	TEST_RUN("config_values", t_values);
	TEST_RUN("config_files", t_config);
	TEST_RUN("config_example", t_config_example);
	TEST_RUN("engine_trace", t_engine_trace);
	TEST_RUN("engine_hold_zero", t_engine_hold_zero);
	TEST_RUN("metrics", t_metrics);
	TEST_RUN("parsers_mutated", t_parsers_mutated);
	return test_summary();
}
