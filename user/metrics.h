/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus exposition text (format 0.0.4). Names start with lifeline_,
 * counters end in _total, values are in base units (bytes, seconds).
 * ll_metrics_write() covers what the pinned maps hold, so `lifeline
 * metrics` and the daemon print the same; the daemon adds its own figures
 * with ll_metrics_write_daemon() and publishes the whole through a
 * node_exporter textfile written atomically (temporary file + rename).
 */
#ifndef LL_METRICS_H
#define LL_METRICS_H

#include <stdio.h>
#include <linux/types.h>
#include "maps.h"

int ll_metrics_write(FILE *f, const struct ll_maps *m);

struct ll_daemon_metrics {
	const __u32 *source_levels;	/* [LL_SRC_MAX], this tick's input */
	__u32 vote_level;
	__u64 level_changes;		/* effective level changes seen */
	__u64 level_entered[LL_LEVEL_MAX];	/* changes into each level */
	__u64 hook_runs;
	__u64 hook_failures;		/* non-zero exit, signal, spawn failure, timeout */
	__u64 kernel_events;		/* ring buffer events read */
	__u64 clients;			/* monitor clients connected now */
	__u64 clients_dropped;		/* slow clients disconnected */
	__u64 ticks;
	double tick_time;		/* CLOCK_REALTIME of the tick that writes, Unix seconds */
	double interval;		/* seconds between two writes ([metrics] interval) */
	int psi_trigger;		/* 1 when the PSI trigger is armed */
};

int ll_metrics_write_daemon(FILE *f, const struct ll_daemon_metrics *d);

/* Replaces path with buf[0..len) atomically: path.PID.tmp, then rename. */
int ll_metrics_textfile(const char *path, const char *buf, size_t len);

#endif
