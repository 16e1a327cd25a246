/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The events socket, STATE_DIR/events.sock: `lifeline monitor` and any
 * client read one JSON object a line (field names in event_fields.h,
 * written with jsonw.h). lifelined never reads from its clients; one that
 * cannot take a line whole is dropped.
 */
#ifndef LLD_EVENTS_H
#define LLD_EVENTS_H

#include <limits.h>
#include <poll.h>
#include <linux/types.h>
#include "daemon/log.h"

#define LLD_MAX_CLIENTS 16
#define LLD_LINE_MAX 2048

struct ll_event;

struct events {
	struct dlog *log;
	int listen_fd;
	int clients[LLD_MAX_CLIENTS];
	char path[PATH_MAX];
	__u64 dropped;			/* slow clients disconnected */
	__u64 next_heartbeat;
	char line[LLD_LINE_MAX];
};

/* What a new client is told first, and the heartbeat's figures. */
struct events_hello {
	__u32 level, source;		/* effective */
	__u32 vote, vote_source;	/* the daemon's */
	__u64 heartbeat_ns, lease_ns;
};

void events_init(struct events *ev, struct dlog *log);
/* Listens on STATE_DIR/events.sock, mode 0600 (0660 and group when group is set). */
int events_open(struct events *ev, const char *state_dir, const char *group);
int events_clients(const struct events *ev);
void events_accept(struct events *ev, const struct events_hello *h);
/* Fills fds[] with the clients (LLD_MAX_CLIENTS entries); events_input reads them back. */
void events_pollfds(const struct events *ev, struct pollfd *fds);
void events_input(struct events *ev, const struct pollfd *fds);
void events_heartbeat(struct events *ev, __u64 now, const struct events_hello *h);
/* An interface's enforcement changed (attach.h's ll_iface_check). */
void events_enforcement(struct events *ev, __u64 now, const char *iface, const char *state);
void events_level(struct events *ev, __u64 now, __u32 level, __u32 prev, __u32 source,
		  __u32 vote, const char *reason);
void events_kernel(struct events *ev, const struct ll_event *e);
void events_stop(struct events *ev, __u64 now, __u32 level, __u32 source);
void events_close(struct events *ev);

/* RFC 3339 UTC with milliseconds, now; *secs gets the seconds when not NULL. */
void fmt_time(char *buf, size_t len, long long *secs);

#endif
