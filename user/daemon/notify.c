// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "daemon/notify.h"

void notify_none(struct notify *n)
{
	*n = (struct notify){ .fd = -1 };
}

void notify_open(struct notify *n)
{
	const char *sock = getenv("NOTIFY_SOCKET"), *wd = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	size_t len;

	notify_none(n);
	if (!sock || (sock[0] != '/' && sock[0] != '@'))
		return;
	len = strlen(sock);
	if (len >= sizeof(n->addr.sun_path))
		return;
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0)
		return;
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, sock, len);
	if (sock[0] == '@')
		n->addr.sun_path[0] = '\0';
	n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if (wd && (!wpid || atoi(wpid) == getpid()))
		n->watchdog_ns = strtoull(wd, NULL, 10) * 1000ULL;
}

void notify_send(struct notify *n, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int len;

	if (n->fd < 0)
		return;
	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len > 0)
		sendto(n->fd, buf, (size_t)len < sizeof(buf) ? (size_t)len : sizeof(buf) - 1,
		       MSG_NOSIGNAL, (struct sockaddr *)&n->addr, n->addr_len);
}

void notify_watchdog(struct notify *n, __u64 now)
{
	if (!n->watchdog_ns || now < n->next_watchdog)
		return;
	notify_send(n, "WATCHDOG=1");
	n->next_watchdog = now + n->watchdog_ns / 2;
}

void notify_close(struct notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
