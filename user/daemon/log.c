// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <bpf/libbpf.h>
#include "daemon/log.h"

/*
 * libbpf's print callback and the sources' ll_log_fn take no context: the
 * one log of the process is remembered here for them, and only for them.
 */
static struct dlog *cb_log;

static void syslog_send(struct dlog *l, int prio, const char *msg)
{
	static const struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	char buf[sizeof(l->buf) + 64];
	int n;

	n = snprintf(buf, sizeof(buf), "<%d>lifelined[%d]: %s", LOG_DAEMON | prio, (int)getpid(),
		     msg);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (l->fd < 0) {
			l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
			if (l->fd < 0)
				return;
			if (connect(l->fd, (const struct sockaddr *)&addr, sizeof(addr))) {
				close(l->fd);
				l->fd = -1;
				return;
			}
		}
		if (send(l->fd, buf, (size_t)n, MSG_NOSIGNAL) >= 0 || errno == EAGAIN)
			return;
		/* the log daemon restarted: reconnect once */
		close(l->fd);
		l->fd = -1;
	}
}

static void vdlog(struct dlog *l, int prio, const char *fmt, va_list ap)
{
	if (prio == LOG_DEBUG && !l->verbose)
		return;
	vsnprintf(l->buf, sizeof(l->buf), fmt, ap);
	if (l->use_syslog)
		syslog_send(l, prio, l->buf);
	else if (l->journal)
		fprintf(stderr, "<%d>%s\n", prio, l->buf);
	else
		fprintf(stderr, "lifelined: %s\n", l->buf);
}

void dlog(struct dlog *l, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdlog(l, prio, fmt, ap);
	va_end(ap);
}

void dlog_cb(int prio, const char *fmt, ...)
{
	va_list ap;

	if (!cb_log)
		return;
	va_start(ap, fmt);
	vdlog(cb_log, prio, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	if (!cb_log || (level == LIBBPF_DEBUG && !cb_log->verbose))
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	dlog(cb_log, level == LIBBPF_WARN ? LOG_WARNING : LOG_DEBUG, "%s", buf);
	return 0;
}

void dlog_init(struct dlog *l, int verbose)
{
	*l = (struct dlog){ .verbose = verbose, .fd = -1, .journal = !!getenv("JOURNAL_STREAM") };
	cb_log = l;
	libbpf_set_print(libbpf_print);
}

void dlog_close(struct dlog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
