/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lifelined's parts, put together in main() (lifelined.c) and passed down:
 * no part reaches another through a global.
 *
 *   log      daemon/log.c      stderr, journald or /dev/log
 *   notify   daemon/notify.c   sd_notify, watchdog
 *   events   daemon/events.c   events.sock, its clients, the JSON lines
 *   hook     daemon/hook.c     the on_change program
 *   metrics  daemon/publish.c  the textfile (user/metrics.c writes the text)
 *   loop     daemon/loop.c     ticks, the vote and its lease, alerts, the pins,
 *                              the ring buffer, signals, config reload, stop
 *   proc     daemon/proc.c     the process: locks, pid file, detach,
 *                              self-protection, capabilities, the reserve
 */
#ifndef LLD_DAEMON_H
#define LLD_DAEMON_H

#include <limits.h>
#include <linux/types.h>
#include "lifeline.h"
#include "maps.h"
#include "sources.h"
#include "engine.h"
#include "config.h"
#include "vmscan.h"
#include "attach.h"
#include "daemon/log.h"
#include "daemon/notify.h"
#include "daemon/events.h"
#include "daemon/hook.h"
#include "daemon/publish.h"

/* Command line. */
struct lld_opts {
	const char *config_path;
	int config_explicit;
	const char *proc_root;		/* "" for / */
	const char *pin_opt;		/* --pin-path, NULL when not given */
	int foreground, once, verbose, check;
};

/* The process: what it holds from start to exit. */
struct lld_proc {
	int sigfd, lock_fd, pin_lock_fd, ready_fd;
	int oom_protected;
	char pid_path[PATH_MAX];
	char pin_lock_path[PATH_MAX];	/* one daemon per pin path */
};

struct klog {
	__u64 last_ns;
	__u64 skipped;
};

/* The loop's memory between ticks. */
struct lld_loop {
	__u32 levels[LL_SRC_MAX];		/* this tick's source levels */
	__u32 kernel_levels[LL_SRC_MAX];	/* ring buffer raises since the last tick */
	__u32 prev_levels[LL_SRC_MAX];		/* for the debug lines on changes */
	struct ll_engine_out out;
	int tick_now;				/* tick at once (trigger, kernel raise) */
	int stop;
	struct klog klog[LL_EV_MAX];		/* kernel event log lines, per type */
	__u64 seen_since[2];		/* override, kernel: since_ns of the last vote seen */
	int ticked;
	__u64 kernel_held;		/* since_ns of the last kernel raise held as a level */
	__u64 start_ns;
	__u32 state_id;			/* id of the state map we write */
	__u64 next_pin_check;
	int pins_gone;
	__u64 level_changes, level_entered[LL_LEVEL_MAX], kernel_events, ticks;
	char reason[LLD_REASON_LEN];
};

struct lld {
	struct lld_opts opt;
	struct ll_config cfg;
	struct ll_config next;		/* reload target */
	char pin[PATH_MAX];
	struct ll_maps maps;
	struct ll_sources src;
	struct ll_engine eng;
	struct ring_buffer *rb;
	struct ll_vmscan vmscan;
	struct ll_iface_watch ifw;	/* enforcement per interface (attach.h) */

	struct dlog log;
	struct notify notify;
	struct events events;
	struct hook hook;
	struct publisher metrics;
	struct lld_proc proc;
	struct lld_loop loop;
};

/* daemon/loop.c */
void pins_init(struct lld *d);
int on_event(void *ctx, void *data, size_t size);
void budget_write(struct lld *d);
void tick(struct lld *d, __u64 now);
int loop(struct lld *d);
void shutdown_vote(struct lld *d);
int run_once(struct lld *d);
void reload(struct lld *d);

/* daemon/proc.c */
int mkdir_p(const char *path, mode_t mode);
int state_dir_check(const char *dir);
int lock_pidfile(struct lld *d);
int pin_lock(struct lld *d);
void pin_lock_write(struct lld *d);
void write_pidfile(struct lld *d);
void self_protect(struct lld *d);
int daemonize(struct lld *d);
void ready(struct lld *d);
int signals_open(struct lld *d);
void drop_capabilities(struct lld *d);
void vmscan_start(struct lld *d);
void reserve_start(struct lld *d);
void reserve_level(struct lld *d, __u32 level);
void reserve_stop(struct lld *d);

#endif
