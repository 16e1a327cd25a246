/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lifelined's log: stderr ("lifelined: MSG"), stderr with a <PRIO> prefix
 * under journald (JOURNAL_STREAM), or datagrams straight to /dev/log once
 * detached (glibc's syslog() allocates). LOG_DEBUG lines only with -v.
 */
#ifndef LLD_LOG_H
#define LLD_LOG_H

#include <syslog.h>

struct dlog {
	int verbose;
	int use_syslog;		/* detached: /dev/log */
	int journal;		/* stderr is journald's: "<prio>msg" */
	int fd;			/* /dev/log socket, -1 until the first line */
	char buf[1024];
};

/* Sets up l and makes it the target of libbpf's and the sources' log callbacks. */
void dlog_init(struct dlog *l, int verbose);
void dlog(struct dlog *l, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* ll_log_fn (sources.h) writing to the log given to dlog_init. */
void dlog_cb(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dlog_close(struct dlog *l);

#endif
