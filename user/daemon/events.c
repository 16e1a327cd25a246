// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "lifeline.h"
#include "maps.h"
#include "engine.h"
#include "config.h"
#include "jsonw.h"
#include "event_fields.h"
#include "daemon/events.h"

void fmt_time(char *buf, size_t len, long long *secs)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
	if (secs)
		*secs = (long long)ts.tv_sec;
}

void events_init(struct events *ev, struct dlog *log)
{
	ev->log = log;
	ev->listen_fd = -1;
	for (int i = 0; i < LLD_MAX_CLIENTS; i++)
		ev->clients[i] = -1;
}

int events_clients(const struct events *ev)
{
	int n = 0;

	for (int i = 0; i < LLD_MAX_CLIENTS; i++)
		n += ev->clients[i] >= 0;
	return n;
}

static void client_drop(struct events *ev, int i, const char *why)
{
	dlog(ev->log, LOG_DEBUG, "events: client %d dropped: %s", ev->clients[i], why);
	close(ev->clients[i]);
	ev->clients[i] = -1;
}

/* Sends one line to every client; one that cannot take it whole is dropped. */
static void broadcast(struct events *ev, size_t len)
{
	if (!len)	/* did not fit in the line buffer: nothing half-sent */
		return;
	for (int i = 0; i < LLD_MAX_CLIENTS; i++) {
		ssize_t n;

		if (ev->clients[i] < 0)
			continue;
		n = send(ev->clients[i], ev->line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)len)
			continue;
		ev->dropped++;
		client_drop(ev, i, n < 0 ? strerror(errno) : "too slow");
	}
}

static int listen_group(struct events *ev, const char *group)
{
	/* read-only monitoring by a group: it may connect, nothing else */
	struct group *g = getgrnam(group);

	if (!g)
		dlog(ev->log, LOG_WARNING, "group %s not found: the events socket stays root-only",
		     group);
	else if (chown(ev->path, 0, g->gr_gid) || chmod(ev->path, 0660))
		return -errno;
	return 0;
}

int events_open(struct events *ev, const char *state_dir, const char *group)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, err;

	if (snprintf(ev->path, sizeof(ev->path), "%s/%s", state_dir, LL_EVENTS_SOCK) >=
	    (int)sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, ev->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(ev->path);	/* stale: the pid file lock says no other daemon owns it */
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0;
	umask(old);
	if (!err && chmod(ev->path, 0600))
		err = -errno;
	if (!err && group[0])
		err = listen_group(ev, group);
	if (!err && listen(fd, 8))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	ev->listen_fd = fd;
	return 0;
}

static size_t hello_line(struct events *ev, const char *event, const struct events_hello *h,
			 __u64 now)
{
	struct jw w;

	jw_begin(&w, ev->line, sizeof(ev->line));
	jw_str(&w, LL_EVF_EVENT, event);
	if (!strcmp(event, LL_EVT_HELLO)) {
		jw_str(&w, LL_EVF_LEVEL, ll_level_name(h->level));
		jw_str(&w, LL_EVF_SOURCE, ll_source_name(h->source));
		jw_str(&w, LL_EVF_VOTE, ll_level_name(h->vote));
		jw_str(&w, LL_EVF_VOTE_SOURCE, ll_source_name(h->vote_source));
		jw_int(&w, LL_EVF_PID, (long long)getpid());
	} else {
		jw_u64(&w, LL_EVF_TS_NS, now);
	}
	jw_u64(&w, LL_EVF_HEARTBEAT_MS, h->heartbeat_ns / 1000000ULL);
	jw_u64(&w, LL_EVF_LEASE_MS, h->lease_ns / 1000000ULL);
	return jw_end(&w);
}

void events_accept(struct events *ev, const struct events_hello *h)
{
	int fd, slot = -1;
	size_t len;

	fd = accept4(ev->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < LLD_MAX_CLIENTS; i++) {
		if (ev->clients[i] < 0) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		dlog(ev->log, LOG_WARNING, "events: more than %d clients, refusing one",
		     LLD_MAX_CLIENTS);
		close(fd);
		return;
	}
	ev->clients[slot] = fd;
	len = hello_line(ev, LL_EVT_HELLO, h, 0);
	if (!len || send(fd, ev->line, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
		client_drop(ev, slot, "hello not sent");
}

/*
 * A line every heartbeat_ns from the loop itself: a monitor that hears
 * nothing for longer than the lease knows lifelined hangs (SIGSTOP, a
 * stuck syscall) although the socket stays open.
 */
void events_heartbeat(struct events *ev, __u64 now, const struct events_hello *h)
{
	if (now < ev->next_heartbeat || !events_clients(ev))
		return;
	ev->next_heartbeat = now + h->heartbeat_ns;
	broadcast(ev, hello_line(ev, LL_EVT_HEARTBEAT, h, now));
}

void events_pollfds(const struct events *ev, struct pollfd *fds)
{
	for (int i = 0; i < LLD_MAX_CLIENTS; i++)
		fds[i] = (struct pollfd){ .fd = ev->clients[i], .events = POLLIN };
}

/* A client said something or hung up: we never read, so discard or close. */
void events_input(struct events *ev, const struct pollfd *fds)
{
	for (int i = 0; i < LLD_MAX_CLIENTS; i++) {
		char buf[256];
		ssize_t n;

		if (ev->clients[i] < 0 || !fds[i].revents)
			continue;
		n = recv(ev->clients[i], buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			client_drop(ev, i, "hung up");
	}
}

/* "event", "origin", "time", "ts_ns": the head of every change line. */
static void head(struct events *ev, struct jw *w, const char *event, const char *origin,
		 __u64 ts_ns)
{
	char when[40];

	fmt_time(when, sizeof(when), NULL);
	jw_begin(w, ev->line, sizeof(ev->line));
	jw_str(w, LL_EVF_EVENT, event);
	jw_str(w, LL_EVF_ORIGIN, origin);
	jw_str(w, LL_EVF_TIME, when);
	jw_u64(w, LL_EVF_TS_NS, ts_ns);
}

void events_level(struct events *ev, __u64 now, __u32 level, __u32 prev, __u32 source,
		  __u32 vote, const char *reason)
{
	struct jw w;

	if (!events_clients(ev))
		return;
	head(ev, &w, LL_EVT_LEVEL, LL_EVO_DAEMON, now);
	jw_str(&w, LL_EVF_LEVEL, ll_level_name(level));
	jw_str(&w, LL_EVF_PREVIOUS, ll_level_name(prev));
	jw_str(&w, LL_EVF_SOURCE, ll_source_name(source));
	jw_str(&w, LL_EVF_VOTE, ll_level_name(vote));
	jw_str(&w, LL_EVF_REASON, reason);
	broadcast(ev, jw_end(&w));
}

void events_kernel(struct events *ev, const struct ll_event *e)
{
	struct jw w;

	if (!events_clients(ev))
		return;
	head(ev, &w, ll_event_names[e->type], LL_EVO_KERNEL, e->ts_ns);
	jw_str(&w, LL_EVF_LEVEL, ll_level_name(e->level));
	jw_str(&w, LL_EVF_SOURCE, ll_source_name(e->source));
	jw_u64(&w, LL_EVF_IFINDEX, e->ifindex);
	jw_u64(&w, LL_EVF_SUPPRESSED, e->value);
	broadcast(ev, jw_end(&w));
}

void events_stop(struct events *ev, __u64 now, __u32 level, __u32 source)
{
	struct jw w;

	if (!events_clients(ev))
		return;
	head(ev, &w, LL_EVT_STOP, LL_EVO_DAEMON, now);
	jw_str(&w, LL_EVF_LEVEL, ll_level_name(level));
	jw_str(&w, LL_EVF_SOURCE, ll_source_name(source));
	broadcast(ev, jw_end(&w));
}

void events_enforcement(struct events *ev, __u64 now, const char *iface, const char *state)
{
	struct jw w;

	if (!events_clients(ev))
		return;
	head(ev, &w, LL_EVT_ENFORCEMENT, LL_EVO_DAEMON, now);
	jw_str(&w, LL_EVF_STATE, state);
	jw_str(&w, LL_EVF_INTERFACE, iface);
	broadcast(ev, jw_end(&w));
}

void events_close(struct events *ev)
{
	for (int i = 0; i < LLD_MAX_CLIENTS; i++)
		if (ev->clients[i] >= 0)
			close(ev->clients[i]);
	if (ev->listen_fd >= 0) {
		close(ev->listen_fd);
		unlink(ev->path);
	}
	ev->listen_fd = -1;
}
