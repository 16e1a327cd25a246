/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Memory pressure sources of lifelined: parsers, evaluators and readers.
 *
 * Parsers take a buffer and its length (no NUL needed, so they can be fed
 * anything) and return 0 or -errno: -EINVAL for a malformed buffer,
 * -ENOENT when the field they look for is not there.
 * Evaluators turn a reading into a level with the thresholds of the
 * source's configuration, and describe the figures behind it in `why`.
 * Readers read the files below a proc root ("" is the real /proc), so
 * tests point them at a fake tree.
 *
 * Thresholds are indexed by level - 1 (LL_T_ELEVATED, LL_T_CRITICAL); a
 * threshold of 0 switches that level off for the source.
 */
#ifndef LL_SOURCES_H
#define LL_SOURCES_H

#include <limits.h>
#include <stddef.h>
#include <linux/types.h>
#include "lifeline.h"

enum { LL_T_ELEVATED = 0, LL_T_CRITICAL = 1, LL_T_MAX };

/* Log callback: syslog priority, printf format. */
typedef void (*ll_log_fn)(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- readings ---- */

enum { LL_PSI_SOME = 0, LL_PSI_FULL, LL_PSI_KINDS };

struct ll_psi_line {
	double avg10, avg60, avg300;	/* percent of time stalled */
	__u64 total;			/* cumulative stall time, microseconds */
};

struct ll_psi {
	struct ll_psi_line l[LL_PSI_KINDS];
	unsigned int present;		/* bit (1 << LL_PSI_*) per line found */
};

/* Sums over the zones with managed pages, in pages. */
struct ll_zoneinfo {
	__u64 free, min, low, high;
	__u32 zones;
};

struct ll_meminfo {
	__u64 total;			/* bytes */
	__u64 available;		/* bytes */
};

struct ll_netstat {
	__u64 pfmemalloc_drop;		/* TcpExt PFMemallocDrop */
};

struct ll_memcg_events {
	__u64 low, high, max, oom, oom_kill;
};

struct ll_memcg {
	int version;			/* 1 or 2 */
	int has_pressure, has_events, has_usage;
	struct ll_psi pressure;		/* v2 memory.pressure */
	struct ll_memcg_events events;	/* v2 memory.events */
	__u64 usage, limit;		/* bytes; limit U64_MAX when unlimited */
};

int ll_psi_parse(const char *buf, size_t len, struct ll_psi *out);
int ll_zoneinfo_parse(const char *buf, size_t len, struct ll_zoneinfo *out);
int ll_meminfo_parse(const char *buf, size_t len, struct ll_meminfo *out);
int ll_netstat_parse(const char *buf, size_t len, struct ll_netstat *out);
int ll_memcg_events_parse(const char *buf, size_t len, struct ll_memcg_events *out);
/* One number, or "max" (U64_MAX), as in memory.max and memory.limit_in_bytes. */
int ll_u64_file_parse(const char *buf, size_t len, __u64 *out);

/* Free pages above the min watermark, in percent of the min..high span (may be negative). */
double ll_zoneinfo_headroom(const struct ll_zoneinfo *z);

/* ---- thresholds ---- */

/* An amount: a percentage of a total, or an absolute number of bytes. */
struct ll_amount {
	double value;
	int pct;
};

struct ll_psi_cfg {
	int enable;
	double some[LL_T_MAX];		/* percent stalled, some tasks */
	double full[LL_T_MAX];		/* percent stalled, all tasks */
	char trigger[64];		/* PSI trigger to try, "" = poll only */
};

struct ll_wmark_cfg {
	int enable;
	double headroom[LL_T_MAX];	/* level when headroom is below, percent */
};

struct ll_memavail_cfg {
	int enable;
	struct ll_amount below[LL_T_MAX];
};

struct ll_netstat_cfg {
	int enable;
	__u64 drops[LL_T_MAX];		/* PFMemallocDrop growth per reading */
};

struct ll_memcg_cfg {
	int enable;
	int version;			/* 0 = auto, 1, 2 */
	char root[PATH_MAX];		/* cgroup file system root, /sys/fs/cgroup */
	char path[PATH_MAX];		/* the cgroup, relative to root */
	double pressure[LL_T_MAX];	/* v2: some stall, percent */
	double usage[LL_T_MAX];		/* usage in percent of the limit */
	int events;			/* v2 memory.events: high elevated, max/oom critical */
};

struct ll_kernel_cfg {
	int enable;			/* follow in-kernel raises from the ring buffer */
	int vmscan;			/* attach the vmscan tracepoints (in-kernel raises) */
};

struct ll_sources_cfg {
	struct ll_psi_cfg psi;
	struct ll_wmark_cfg wmark;
	struct ll_memavail_cfg memavail;
	struct ll_netstat_cfg netstat;
	struct ll_memcg_cfg memcg;
	struct ll_kernel_cfg kernel;
};

/* ---- evaluators (pure) ---- */

/* prev may be NULL (first reading); dt_ns is the time between the readings. */
__u32 ll_psi_eval(const struct ll_psi_cfg *c, const struct ll_psi *prev, const struct ll_psi *cur,
		  __u64 dt_ns, char *why, size_t len);
__u32 ll_wmark_eval(const struct ll_wmark_cfg *c, const struct ll_zoneinfo *z, char *why,
		    size_t len);
__u32 ll_memavail_eval(const struct ll_memavail_cfg *c, const struct ll_meminfo *m, char *why,
		       size_t len);
__u32 ll_netstat_eval(const struct ll_netstat_cfg *c, const struct ll_netstat *prev,
		      const struct ll_netstat *cur, char *why, size_t len);
__u32 ll_memcg_eval(const struct ll_memcg_cfg *c, const struct ll_memcg *prev,
		    const struct ll_memcg *cur, __u64 dt_ns, char *why, size_t len);

/* Percent stall over the interval from the growth of total (0 without a previous reading). */
double ll_psi_growth(const struct ll_psi *prev, const struct ll_psi *cur, int kind, __u64 dt_ns);

/* ---- readers ---- */

#define LL_READ_BUF (64 * 1024)
#define LL_WHY_LEN 192

enum ll_psi_mode { LL_PSI_OFF = 0, LL_PSI_POLL, LL_PSI_TRIGGER };

struct ll_src_state {
	__u32 level;
	int err;			/* last read error, 0 when reading */
	char why[LL_WHY_LEN];
};

/*
 * Everything the sources need between readings, allocated once: the
 * daemon's steady state reads files into buf and allocates nothing.
 */
struct ll_sources {
	const struct ll_sources_cfg *cfg;
	char proc_root[PATH_MAX];
	ll_log_fn log;
	int trigger_fd;			/* PSI trigger (POLLPRI), -1 when polling */
	enum ll_psi_mode psi_mode;
	int armed_enable;		/* psi.enable and psi.trigger when last armed */
	char armed_for[64];
	struct ll_psi psi;
	int psi_have;
	__u64 psi_ns;
	struct ll_netstat netstat;
	int netstat_have;
	struct ll_memcg memcg;
	int memcg_have;
	__u64 memcg_ns;
	struct ll_zoneinfo zoneinfo;	/* last readings, for metrics and --once */
	struct ll_meminfo meminfo;
	struct ll_src_state st[LL_SRC_MAX];
	char buf[LL_READ_BUF];
};

/* Reads path (below no root) into buf, NUL-terminated; returns the length or -errno. */
long ll_read_file(const char *path, char *buf, size_t size);

int ll_sources_init(struct ll_sources *s, const struct ll_sources_cfg *cfg, const char *proc_root,
		    ll_log_fn log);
/* Takes a new configuration (on reload): re-arms the PSI trigger if it changed. */
void ll_sources_reconfigure(struct ll_sources *s, const struct ll_sources_cfg *cfg);
void ll_sources_close(struct ll_sources *s);

/* Reads every enabled source; levels[] is indexed by enum ll_source. */
void ll_sources_sample(struct ll_sources *s, __u64 now_ns, __u32 levels[LL_SRC_MAX]);

#endif
