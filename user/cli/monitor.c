// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline monitor: lifelined's events, live, from its events socket. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "cli.h"
#include "config.h"
#include "engine.h"
#include "event_fields.h"

/* A daemon that says no hello in this time hangs (or is not lifelined). */
#define MONITOR_HELLO_MS 5000

/*
 * Prints one event line; notes the daemon's pid (hello), whether it said
 * it stops, and the silence after which it hangs (hello and heartbeats:
 * the longer of 3 heartbeats and the lease; unknown = wait forever).
 * Heartbeats are not printed and not counted: returns 0 for them.
 */
static int monitor_line(const char *line, long long *pid, int *stopped, long long *quiet_ms)
{
	json_object *o = json_tokener_parse(line);
	const char *ev = o ? js(o, LL_EVF_EVENT) : "";

	if (!strcmp(ev, LL_EVT_HELLO) || !strcmp(ev, LL_EVT_HEARTBEAT)) {
		long long hb = ji(o, LL_EVF_HEARTBEAT_MS), lease = ji(o, LL_EVF_LEASE_MS);

		*quiet_ms = hb > 0 ? (3 * hb > lease ? 3 * hb : lease) : -1;
	}
	if (!strcmp(ev, LL_EVT_HEARTBEAT)) {
		json_object_put(o);
		return 0;
	}
	if (!strcmp(ev, LL_EVT_HELLO))
		*pid = ji(o, LL_EVF_PID);
	else if (!strcmp(ev, LL_EVT_STOP))
		*stopped = 1;
	if (ll_out.json || !o) {
		puts(line);
	} else {
		if (!strcmp(ev, LL_EVT_HELLO))
			printf("connected to lifelined (pid %lld): level %s, source %s\n",
			       ji(o, LL_EVF_PID), js(o, LL_EVF_LEVEL), js(o, LL_EVF_SOURCE));
		else if (!strcmp(ev, LL_EVT_LEVEL))
			printf("%s  level %s -> %s  source %s  %s\n", js(o, LL_EVF_TIME),
			       js(o, LL_EVF_PREVIOUS), js(o, LL_EVF_LEVEL), js(o, LL_EVF_SOURCE),
			       js(o, LL_EVF_REASON));
		else
			printf("%s  %s  level %s  source %s%s\n", js(o, LL_EVF_TIME), ev,
			       js(o, LL_EVF_LEVEL), js(o, LL_EVF_SOURCE),
			       !strcmp(ev, ll_event_names[LL_EV_PFMEMALLOC]) ?
			       "  (reserve-backed skb of unregistered traffic dropped)" : "");
	}
	fflush(stdout);
	json_object_put(o);
	return 1;
}

/*
 * The stream ended before --count: say why, and fail. A daemon that is
 * still there accepts a new connection (it dropped us as too slow); a
 * killed one left its socket file with nobody listening.
 */
static int monitor_end(const struct sockaddr_un *sa, long long pid, int stopped, int rerr)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	static const char hello_head[] = "{\"" LL_EVF_EVENT "\":\"" LL_EVT_HELLO "\"";
	char hello[sizeof(hello_head) - 1];
	int alive = 0;

	/* a dying daemon may still hold its listening socket: alive means it says hello */
	if (fd >= 0 && !setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) &&
	    !connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		alive = recv(fd, hello, sizeof(hello), MSG_WAITALL) == (ssize_t)sizeof(hello) &&
			!memcmp(hello, hello_head, sizeof(hello));
	if (fd >= 0)
		close(fd);
	if (stopped)
		return out_error(EXIT_FAILURE, "lifelined (pid %lld) stopped: no more events",
				 pid);
	if (alive)
		return out_error(EXIT_FAILURE, "lifelined (pid %lld) closed this monitor's stream%s%s"
				 " (a client that does not keep up is dropped); run monitor again",
				 pid, rerr ? ": " : "", rerr ? strerror(rerr) : "");
	return out_error(EXIT_FAILURE, "lifelined (pid %lld) went away without stopping (killed "
			 "or crashed): no more events; its vote lapses when its lease runs out",
			 pid);
}

static const char *monitor_dir = LL_STATE_DIR_DEFAULT;
static __u32 monitor_count;

static const struct cli_opt monitor_opts[] = {
	{ "state-dir", CLI_STRING, &monitor_dir, .metavar = "DIR",
	  .help = "lifelined's state directory, where its events socket is (default "
		  LL_STATE_DIR_DEFAULT ")" },
	{ "count", CLI_U32, &monitor_count, .min = 1, .max = 1000000, .metavar = "N",
	  .help = "exit 0 after N events" },
	{ NULL },
};

/* The events socket, connected: its fd, or -1 with the error printed (*ret its status). */
static int monitor_connect(struct sockaddr_un *sa, int *ret)
{
	struct timeval ctv = { .tv_sec = MONITOR_HELLO_MS / 1000 };
	int fd, e;

	/* No capability needed: the socket's mode says who may follow (root, or [daemon] group). */
	if (snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", monitor_dir, LL_EVENTS_SOCK) >=
	    (int)sizeof(sa->sun_path)) {
		*ret = usage_error("--state-dir is too long");
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* a hung daemon's full backlog would block connect: bounded too */
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &ctv, sizeof(ctv));
	if (fd >= 0 && !connect(fd, (struct sockaddr *)sa, sizeof(*sa)))
		return fd;
	e = errno;
	if (fd >= 0)
		close(fd);
	if (e == EACCES)
		*ret = out_error(EXIT_FAILURE, "permission denied: %s is for root and the group set "
				 "as [daemon] group in lifeline.conf", sa->sun_path);
	else if (e == EAGAIN || e == EWOULDBLOCK)
		*ret = out_error(EXIT_FAILURE, "lifelined at %s does not accept connections (hung?); "
				 "the datapath fails open when its lease ends", sa->sun_path);
	else
		*ret = out_error(EXIT_FAILURE, "cannot connect to %s: %s (is lifelined running?)",
				 sa->sun_path, strerror(e));
	return -1;
}

/* what the stream said so far */
struct monitor_st {
	long long pid, quiet_ms;
	int stopped;
	__u32 seen;
	__u64 last_rx;
};

/* Silence for longer than quiet_ms: a hung daemon. */
static int monitor_silent(const struct sockaddr_un *sa, const struct monitor_st *m)
{
	unsigned long long q = (ll_now_ns() - m->last_rx + 500000000ULL) / 1000000000ULL;

	if (!m->pid)
		return out_error(EXIT_FAILURE, "lifelined at %s said nothing for %llu s (hung?); the "
				 "datapath fails open when its lease ends", sa->sun_path, q);
	return out_error(EXIT_FAILURE, "lifelined (pid %lld) stopped responding for %llu s; the "
			 "datapath fails open when its lease ends", m->pid, q);
}

/* The complete lines in buf[0..*have): printed; 1 when --count is reached. */
static int monitor_lines(char *buf, size_t *have, struct monitor_st *m)
{
	char *start = buf, *nl;

	while ((nl = strchr(start, '\n'))) {
		int r;

		*nl = '\0';
		r = monitor_line(start, &m->pid, &m->stopped, &m->quiet_ms);
		start = nl + 1;
		if (r && monitor_count && ++m->seen >= monitor_count)
			return 1;
	}
	*have -= start - buf;
	memmove(buf, start, *have);
	return 0;
}

static int do_monitor(struct cli_ctx *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct monitor_st m = { .quiet_ms = MONITOR_HELLO_MS, .last_rx = ll_now_ns() };
	char buf[8192];
	size_t have = 0;
	ssize_t n;
	int fd, ret = 0, rerr;

	fd = monitor_connect(&sa, &ret);
	if (fd < 0)
		return ret;
	/*
	 * The daemon is the ring buffer's only reader; we read its stream, line
	 * by line. Silence longer than quiet_ms (no hello, or no heartbeat
	 * for the lease) is a hung daemon: say so and fail.
	 */
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = -1;
		int r;

		if (m.quiet_ms >= 0) {
			left = m.quiet_ms - (long long)((ll_now_ns() - m.last_rx) / 1000000ULL);
			if (left < 0)
				left = 0;
		}
		r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			close(fd);
			return monitor_silent(&sa, &m);
		}
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			break;
		m.last_rx = ll_now_ns();
		have += n;
		buf[have] = '\0';
		if (monitor_lines(buf, &have, &m)) {
			close(fd);
			return 0;
		}
		if (have == sizeof(buf) - 1)
			have = 0;	/* a line longer than the buffer: drop it */
	}
	rerr = n < 0 ? errno : 0;
	close(fd);
	return monitor_end(&sa, m.pid, m.stopped, rerr);
}

static const struct cli_verb monitor_verbs[] = {
	{ NULL, NULL, do_monitor, CLI_SESS_NONE, monitor_opts, NULL, 0, 0,
	  .summary = "stream lifelined's events (level changes, pfmemalloc sightings, lease "
		     "expiries) live, in order; -j prints the JSON lines as sent. Runs until --count "
		     "events, else until the stream ends: then one line on stderr says why "
		     "(lifelined stopped, went away without stopping, or dropped this client) and it "
		     "exits 1; also when lifelined hangs: no heartbeat (sent every 1 s, not printed) "
		     "for 3 heartbeats or its lease, whichever is longer, or no hello within 5 s",
	  .examples = "monitor\nmonitor --count 1 -j" },
};

const struct cli_object cli_monitor = { "monitor", monitor_verbs, CLI_NVERBS(monitor_verbs), NULL };
