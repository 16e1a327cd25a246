/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* systemd notification: the sd_notify protocol, without libsystemd. */
#ifndef LLD_NOTIFY_H
#define LLD_NOTIFY_H

#include <sys/socket.h>
#include <sys/un.h>
#include <linux/types.h>

struct notify {
	int fd;				/* -1: not under systemd */
	struct sockaddr_un addr;
	socklen_t addr_len;
	__u64 watchdog_ns;		/* WATCHDOG_USEC, 0 when off */
	__u64 next_watchdog;
};

/* Before notify_open: nothing is sent. */
void notify_none(struct notify *n);
/* From NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. */
void notify_open(struct notify *n);
void notify_send(struct notify *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* WATCHDOG=1 every half watchdog period, from the loop. */
void notify_watchdog(struct notify *n, __u64 now);
void notify_close(struct notify *n);

#endif
