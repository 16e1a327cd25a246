/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The [metrics] textfile: ll_metrics_write() and ll_metrics_write_daemon()
 * (user/metrics.c) into a fmemopen() stream on a buffer set up at start,
 * then written atomically. An error is logged when it starts and when it
 * ends, not every interval.
 */
#ifndef LLD_PUBLISH_H
#define LLD_PUBLISH_H

#include <stdio.h>
#include <linux/types.h>
#include "metrics.h"
#include "daemon/log.h"

#define LLD_METRICS_BUF (128 * 1024)

struct ll_config;
struct ll_iface_watch;

struct publisher {
	const struct ll_config *cfg;	/* metrics_path, metrics_interval_ns */
	struct dlog *log;
	FILE *f;
	__u64 next;			/* time of the next write */
	int err;			/* last write's result */
	struct ll_daemon_metrics dm;	/* the daemon's figures; counters kept by the loop */
	const struct ll_iface_watch *ifw; /* enforcement per interface, or NULL */
	char buf[LLD_METRICS_BUF];
};

int metrics_open(struct publisher *p, const struct ll_config *cfg, struct dlog *log);
/* Writes the textfile now; m are the maps, dm's per-write fields set by the caller. */
void metrics_publish(struct publisher *p, const struct ll_maps *m, __u64 now);
/* True when the interval has passed. */
int metrics_due(const struct publisher *p, __u64 now);
void metrics_close(struct publisher *p);

#endif
