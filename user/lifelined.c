// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifelined: the pressure engine. Every tick it reads the memory pressure
 * sources, runs the level engine and writes its vote, with a lease, into
 * the mmap()ed state map; on every change of the effective level it alerts
 * (log, JSON lines on the events socket, an exec hook). It also forwards
 * the datapath's ring buffer events.
 *
 * The steady state allocates nothing: every buffer is set up at start, the
 * log goes to stderr or straight to /dev/log (glibc's syslog() allocates),
 * JSON lines are formatted into a static buffer, and the metrics textfile
 * is written through a fmemopen() stream on a static buffer.
 */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <grp.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lifeline.h"
#include "maps.h"
#include "sources.h"
#include "engine.h"
#include "config.h"
#include "metrics.h"
#include "vmscan.h"
#include "reserve.h"
#include "attach.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

#define MAX_CLIENTS 16
#define LINE_MAX_ 2048
#define REASON_LEN (LL_WHY_LEN + 96)
#define METRICS_BUF (128 * 1024)
#define KLOG_INTERVAL_NS (10ULL * 1000000000ULL)	/* kernel event log lines, per type */
#define PIN_CHECK_NS (2ULL * 1000000000ULL)
#define HEARTBEAT_NS (1000000000ULL)	/* at least; a longer tick sets the pace */
#define HOOK_ENVS 11
#define HOOK_PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char usage_text[] =
	"NAME\n"
	"    lifelined - the lifeline pressure engine: keeps network block I/O alive\n"
	"    under memory pressure\n"
	"\n"
	"SYNOPSIS\n"
	"    lifelined [--config FILE] [--foreground] [--proc-root DIR] [--pin-path DIR]\n"
	"              [--once] [-v]\n"
	"    lifelined --check-config [--config FILE] [-v]\n"
	"    lifelined -h | --help\n"
	"\n"
	"DESCRIPTION\n"
	"    lifelined reads the host's memory pressure every tick and votes for a level\n"
	"    in the lifeline state map, which the XDP and TC programs read: none (pass\n"
	"    everything), elevated (unregistered traffic limited to a byte budget) or\n"
	"    critical (unregistered traffic dropped; registered block-I/O flows always\n"
	"    pass).\n"
	"\n"
	"    Sources, each switched on or off, each with thresholds for elevated and\n"
	"    critical: PSI (/proc/pressure/memory: avg10 and the stall time grown since\n"
	"    the last tick; a PSI trigger wakes the loop early where the kernel accepts\n"
	"    one), free pages against the zone watermarks (/proc/zoneinfo), MemAvailable\n"
	"    (/proc/meminfo), growth of TcpExt PFMemallocDrop (/proc/net/netstat), a\n"
	"    memory cgroup (v2 memory.pressure, memory.events, memory.current/max; v1\n"
	"    memory.usage_in_bytes/limit_in_bytes), and the datapath's own raises\n"
	"    (reserve-backed skbs seen by TC) from its ring buffer.\n"
	"\n"
	"    The vote is the highest source level, raised at once; it is lowered one\n"
	"    step at a time, each step after `hold` with every source below it. The vote\n"
	"    carries a lease (an expiry) renewed every tick: if lifelined dies or hangs,\n"
	"    the vote lapses and the datapath fails open (level none). A manual override\n"
	"    (lifeline pressure set) wins over the vote; lifelined never writes it.\n"
	"\n"
	"    On every change of the effective level lifelined alerts: a log line (stderr\n"
	"    with --foreground, syslog otherwise) with the level, the previous one, the\n"
	"    source and its figures; a JSON line to every client of\n"
	"    STATE_DIR/events.sock (lifeline monitor); and the on_change hook, if\n"
	"    configured. Datapath events (pfmemalloc sightings, in-kernel raises, lease\n"
	"    expiry) are forwarded to the socket as JSON lines too.\n"
	"\n"
	"    At start lifelined locks its memory (mlockall), sets its oom_score_adj to\n"
	"    -1000 and asks for PR_SET_IO_FLUSHER; each refusal is logged once. The\n"
	"    steady state allocates no memory.\n"
	"\n"
	"OPTIONS\n"
	"    -c, --config FILE   configuration file (default\n"
	"                        " LL_CONFIG_DEFAULT "); drop-ins are read\n"
	"                        from FILE.d/NAME.conf in name order.\n"
	"                        A missing default file means the built-in defaults; a\n"
	"                        missing --config FILE is an error.\n"
	"    -f, --foreground    stay in the foreground and log to stderr. Without it\n"
	"                        lifelined detaches once started and logs to syslog;\n"
	"                        under systemd (NOTIFY_SOCKET set) it never detaches.\n"
	"    -C, --check-config  validate the configuration and exit: 0 when valid, 1\n"
	"                        otherwise, naming FILE:LINE of the first error. With\n"
	"                        -v, print the resulting configuration.\n"
	"        --proc-root DIR read DIR/proc/... instead of /proc/... (tests use a\n"
	"                        fake tree).\n"
	"        --pin-path DIR  lifeline's bpffs directory (default: $" LL_PIN_ENV ",\n"
	"                        else the configuration's pin_path, else\n"
	"                        " LL_PIN_DEFAULT ").\n"
	"    -1, --once          run one tick: print each source's reading and level\n"
	"                        and the vote, write the vote (it lapses after the\n"
	"                        lease) and exit.\n"
	"    -v, --verbose       log debug lines: input changes, libbpf messages.\n"
	"    -h, --help          show this text.\n"
	"\n"
	"SIGNALS\n"
	"    SIGHUP              reload the configuration; on error keep the running\n"
	"                        one and log the error (pin_path and state_dir need a\n"
	"                        restart).\n"
	"    SIGTERM, SIGINT     withdraw the vote (level none, no lease), alert, exit 0.\n"
	"\n"
	"HOOK\n"
	"    [alert] on_change names a program, run without a shell, with this\n"
	"    environment only:\n"
	"        LIFELINE_LEVEL      the new level: none, elevated or critical\n"
	"        LIFELINE_PREVIOUS   the level the hook was last told of (none at first)\n"
	"        LIFELINE_SOURCE     psi, watermark, memavailable, memcg, netstat,\n"
	"                            pfmemalloc, vmscan, manual, or none\n"
	"        LIFELINE_REASON     the figures behind the change, one line\n"
	"        LIFELINE_TIME       RFC 3339 UTC time of the change\n"
	"        LIFELINE_TIMESTAMP  the same, in seconds since the epoch\n"
	"        LIFELINE_HIGHEST    the highest level reached since the last run (the\n"
	"                            level itself unless a change was folded)\n"
	"        LIFELINE_HIGHEST_SOURCE, LIFELINE_HIGHEST_TIME  its source and time\n"
	"        LIFELINE_CHANGES    level changes since the last run (1: none folded)\n"
	"        PATH                /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:\n"
	"                            /sbin:/bin\n"
	"    Runs start at least hook_interval apart and never overlap; changes in\n"
	"    between are folded into the next run, which reports the highest level\n"
	"    they reached: an excursion to critical and back within the interval runs\n"
	"    the hook with LIFELINE_LEVEL=none and LIFELINE_HIGHEST=critical. Only a\n"
	"    dip that came back to the level last told, with nothing higher, is not\n"
	"    reported. A run longer than hook_timeout is\n"
	"    killed with its process group. Exit statuses are logged. stdin is\n"
	"    /dev/null.\n"
	"\n"
	"EVENTS SOCKET\n"
	"    STATE_DIR/events.sock (stream, mode 0600): one JSON object per line.\n"
	"    On connect:\n"
	"      {\"event\":\"hello\",\"level\":...,\"source\":...,\"vote\":...,\n"
	"       \"vote_source\":...,\"pid\":N,\"heartbeat_ms\":N,\"lease_ms\":N}\n"
	"    Every heartbeat_ms (1 s, or the tick if longer), from the loop itself:\n"
	"      {\"event\":\"heartbeat\",\"ts_ns\":N,\"heartbeat_ms\":N,\"lease_ms\":N}\n"
	"    (lifeline monitor exits 1 when they stop for longer than the lease,\n"
	"    or 3 heartbeats: a hung lifelined, whose vote then lapses).\n"
	"    On a level change:\n"
	"      {\"event\":\"level\",\"origin\":\"daemon\",\"time\":...,\"ts_ns\":N,\"level\":...,\n"
	"       \"previous\":...,\"source\":...,\"vote\":...,\"reason\":...}\n"
	"    From the datapath (\"pfmemalloc\", \"level\" or \"lease_expired\"):\n"
	"      {\"event\":\"pfmemalloc\",\"origin\":\"kernel\",\"time\":...,\"ts_ns\":N,\n"
	"       \"level\":...,\"source\":...,\"ifindex\":N,\"suppressed\":N}\n"
	"    At exit: {\"event\":\"stop\",...}. A client that does not keep up is\n"
	"    disconnected. ts_ns is CLOCK_MONOTONIC (bpf_ktime_get_ns) time.\n"
	"\n"
	"FILES\n"
	"    " LL_CONFIG_DEFAULT ", " LL_CONFIG_DEFAULT ".d/NAME.conf\n"
	"    " LL_STATE_DIR_DEFAULT "/events.sock\n"
	"    " LL_STATE_DIR_DEFAULT "/lifelined.pid (a lock: one daemon per state directory)\n"
	"    " LL_STATE_DIR_DEFAULT "/pin-HASH.lock (a lock: one daemon per pin path)\n"
	"    " LL_PIN_DEFAULT "/ll_state   the state map (a pinned BPF map)\n"
	"\n"
	"ENVIRONMENT\n"
	"    " LL_PIN_ENV "   bpffs directory, as --pin-path\n"
	"    NOTIFY_SOCKET, WATCHDOG_USEC   systemd: READY=1, STATUS=, WATCHDOG=1 sent\n"
	"\n"
	"EXIT STATUS\n"
	"    0 after SIGTERM/SIGINT, --once or a valid --check-config; 1 on any error.\n"
	"\n"
	"EXAMPLES\n"
	"    lifelined --check-config -v\n"
	"    lifelined --foreground -v\n"
	"    lifelined --once --proc-root /tmp/fakeproc --pin-path /sys/fs/bpf/lltest\n";

/* ---- the daemon's state, all of it allocated here ---- */

struct hook {
	pid_t pid;			/* running hook, 0 when none */
	__u64 started_ns;
	__u64 last_ns;			/* start of the last run */
	int pending;			/* a change the hook has not heard of */
	__u32 told;			/* the level the hook was last told of */
	__u32 level, source;		/* what to tell it next */
	char reason[REASON_LEN];
	/* since the last run: no change is lost to folding, least of all one to critical */
	__u32 changes;			/* level changes */
	__u32 highest, highest_source;	/* the highest level they reached, and its source */
	char highest_time[40];		/* when it was reached */
	int killed;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	char env[HOOK_ENVS][REASON_LEN + 32];
	char *envp[HOOK_ENVS + 1];
};

struct klog {
	__u64 last_ns;
	__u64 skipped;
};

static struct {
	/* options */
	const char *config_path;
	int config_explicit;
	const char *proc_root;
	const char *pin_opt;
	int foreground, once, verbose, check;

	struct ll_config cfg;
	struct ll_config next;		/* reload target */
	char pin[PATH_MAX];
	struct ll_maps maps;
	struct ll_sources src;
	struct ll_engine eng;
	struct ring_buffer *rb;

	int sigfd, listen_fd, lock_fd, log_fd, notify_fd, ready_fd;
	int use_syslog, journal;
	int oom_protected;
	struct sockaddr_un notify_addr;
	socklen_t notify_len;
	__u64 watchdog_ns, next_watchdog;
	int clients[MAX_CLIENTS];
	char sock_path[PATH_MAX];
	char pid_path[PATH_MAX];
	int pin_lock_fd;		/* one daemon per pin path */
	char pin_lock_path[PATH_MAX];

	__u32 levels[LL_SRC_MAX];
	__u32 kernel_levels[LL_SRC_MAX];	/* ring buffer raises since the last tick */
	__u32 prev_levels[LL_SRC_MAX];
	struct ll_engine_out out;
	int tick_now;
	int stop;
	struct hook hook;
	struct klog klog[LL_EV_MAX];

	__u64 seen_since[2];		/* override, kernel: since_ns of the vote last looked at */
	int ticked;
	__u64 kernel_held;		/* since_ns of the last kernel raise taken into the vote */
	__u64 start_ns;

	__u32 state_id;			/* id of the state map we write */
	__u64 next_pin_check;
	int pins_gone;
	__u64 next_heartbeat;

	FILE *mf;
	char mbuf[METRICS_BUF];
	__u64 next_metrics;
	int metrics_err;
	struct ll_daemon_metrics dm;
	struct ll_iface_watch ifw;	/* enforcement per interface (attach.h) */

	char logbuf[1024];
	char line[LINE_MAX_];
	char reason[REASON_LEN];
} d = {
	.sigfd = -1, .listen_fd = -1, .lock_fd = -1, .pin_lock_fd = -1, .log_fd = -1, .notify_fd = -1, .ready_fd = -1,
	.src.trigger_fd = -1,
};

/* ---- logging ---- */

static void dlog(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void syslog_send(int prio, const char *msg)
{
	static const struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	char buf[sizeof(d.logbuf) + 64];
	int n;

	n = snprintf(buf, sizeof(buf), "<%d>lifelined[%d]: %s", LOG_DAEMON | prio, (int)getpid(),
		     msg);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (d.log_fd < 0) {
			d.log_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
			if (d.log_fd < 0)
				return;
			if (connect(d.log_fd, (const struct sockaddr *)&addr, sizeof(addr))) {
				close(d.log_fd);
				d.log_fd = -1;
				return;
			}
		}
		if (send(d.log_fd, buf, (size_t)n, MSG_NOSIGNAL) >= 0 || errno == EAGAIN)
			return;
		/* the log daemon restarted: reconnect once */
		close(d.log_fd);
		d.log_fd = -1;
	}
}

static void dlog(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !d.verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(d.logbuf, sizeof(d.logbuf), fmt, ap);
	va_end(ap);
	if (d.use_syslog)
		syslog_send(prio, d.logbuf);
	else if (d.journal)
		fprintf(stderr, "<%d>%s\n", prio, d.logbuf);
	else
		fprintf(stderr, "lifelined: %s\n", d.logbuf);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	if (level == LIBBPF_DEBUG && !d.verbose)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	dlog(level == LIBBPF_WARN ? LOG_WARNING : LOG_DEBUG, "%s", buf);
	return 0;
}

/* ---- systemd notification (the sd_notify protocol, without libsystemd) ---- */

static void notify_init(void)
{
	const char *sock = getenv("NOTIFY_SOCKET"), *wd = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	size_t n;

	if (!sock || (sock[0] != '/' && sock[0] != '@'))
		return;
	n = strlen(sock);
	if (n >= sizeof(d.notify_addr.sun_path))
		return;
	d.notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (d.notify_fd < 0)
		return;
	d.notify_addr.sun_family = AF_UNIX;
	memcpy(d.notify_addr.sun_path, sock, n);
	if (sock[0] == '@')
		d.notify_addr.sun_path[0] = '\0';
	d.notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if (wd && (!wpid || atoi(wpid) == getpid()))
		d.watchdog_ns = strtoull(wd, NULL, 10) * 1000ULL;
}

static void notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void notify(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (d.notify_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		sendto(d.notify_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1,
		       MSG_NOSIGNAL, (struct sockaddr *)&d.notify_addr, d.notify_len);
}

/* ---- time and JSON ---- */

static void fmt_time(char *buf, size_t len, time_t *secs)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
	if (secs)
		*secs = ts.tv_sec;
}

/* Appends s as a JSON string body (no quotes) to buf at *pos. */
static void json_str(char *buf, size_t len, size_t *pos, const char *s)
{
	for (; *s && *pos + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[(*pos)++] = '\\';
			buf[(*pos)++] = (char)c;
		} else if (c < 0x20) {
			*pos += (size_t)snprintf(buf + *pos, len - *pos, "\\u%04x", c);
		} else {
			buf[(*pos)++] = (char)c;
		}
	}
	buf[*pos] = '\0';
}

static void json_add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void json_add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos = *pos + (size_t)n < len ? *pos + (size_t)n : len - 1;
}

/* ---- events socket ---- */

static int nclients(void)
{
	int n = 0;

	for (int i = 0; i < MAX_CLIENTS; i++)
		n += d.clients[i] >= 0;
	return n;
}

static void client_drop(int i, const char *why)
{
	dlog(LOG_DEBUG, "events: client %d dropped: %s", d.clients[i], why);
	close(d.clients[i]);
	d.clients[i] = -1;
}

/* Sends one line to every client; one that cannot take it whole is dropped. */
static void broadcast(const char *line, size_t len)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		ssize_t n;

		if (d.clients[i] < 0)
			continue;
		n = send(d.clients[i], line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)len)
			continue;
		d.dm.clients_dropped++;
		client_drop(i, n < 0 ? strerror(errno) : "too slow");
	}
}

static int events_open(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, err;

	if (snprintf(d.sock_path, sizeof(d.sock_path), "%s/%s", d.cfg.state_dir, LL_EVENTS_SOCK) >=
	    (int)sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, d.sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(d.sock_path);	/* stale: the pid file lock says no other daemon owns it */
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0;
	umask(old);
	if (!err && chmod(d.sock_path, 0600))
		err = -errno;
	if (!err && d.cfg.group[0]) {
		/* read-only monitoring by a group: it may connect, nothing else */
		struct group *g = getgrnam(d.cfg.group);

		if (!g)
			dlog(LOG_WARNING, "group %s not found: the events socket stays root-only",
			     d.cfg.group);
		else if (chown(d.sock_path, 0, g->gr_gid) || chmod(d.sock_path, 0660))
			err = -errno;
	}
	if (!err && listen(fd, 8))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	d.listen_fd = fd;
	return 0;
}

static __u64 heartbeat_ns(void)
{
	return d.cfg.tick_ns > HEARTBEAT_NS ? d.cfg.tick_ns : HEARTBEAT_NS;
}

/*
 * A line every heartbeat_ns() from the loop itself: a monitor that hears
 * nothing for longer than the lease knows lifelined hangs (SIGSTOP, a
 * stuck syscall) although the socket stays open.
 */
static void heartbeat(__u64 now)
{
	size_t pos = 0;

	if (now < d.next_heartbeat || !nclients())
		return;
	d.next_heartbeat = now + heartbeat_ns();
	json_add(d.line, sizeof(d.line), &pos,
		 "{\"event\":\"heartbeat\",\"ts_ns\":%llu,\"heartbeat_ms\":%llu,"
		 "\"lease_ms\":%llu}\n", (unsigned long long)now,
		 (unsigned long long)(heartbeat_ns() / 1000000ULL),
		 (unsigned long long)(d.cfg.lease_ns / 1000000ULL));
	broadcast(d.line, pos);
}

static void events_accept(void)
{
	size_t pos = 0;
	int fd, slot = -1;

	fd = accept4(d.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (d.clients[i] < 0) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		dlog(LOG_WARNING, "events: more than %d clients, refusing one", MAX_CLIENTS);
		close(fd);
		return;
	}
	d.clients[slot] = fd;
	json_add(d.line, sizeof(d.line), &pos,
		 "{\"event\":\"hello\",\"level\":\"%s\",\"source\":\"%s\",\"vote\":\"%s\","
		 "\"vote_source\":\"%s\",\"pid\":%d,\"heartbeat_ms\":%llu,\"lease_ms\":%llu}\n",
		 ll_level_name(d.eng.eff_level), ll_source_name(d.eng.eff_source),
		 ll_level_name(d.eng.level), ll_source_name(d.eng.source), (int)getpid(),
		 (unsigned long long)(heartbeat_ns() / 1000000ULL),
		 (unsigned long long)(d.cfg.lease_ns / 1000000ULL));
	if (send(fd, d.line, pos, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)pos)
		client_drop(slot, "hello not sent");
}

/* A client said something or hung up: we never read, so discard or close. */
static void client_input(int i)
{
	char buf[256];
	ssize_t n = recv(d.clients[i], buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		client_drop(i, "hung up");
}

/* ---- the hook ---- */

static void hook_init(void)
{
	sigset_t all, none;
	struct hook *h = &d.hook;

	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_init(&h->attr);
	posix_spawnattr_setsigdefault(&h->attr, &all);
	posix_spawnattr_setsigmask(&h->attr, &none);
	posix_spawnattr_setflags(&h->attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
					   POSIX_SPAWN_SETSID);
	posix_spawn_file_actions_init(&h->fa);
	posix_spawn_file_actions_addopen(&h->fa, 0, "/dev/null", O_RDONLY, 0);
	for (int i = 0; i < HOOK_ENVS; i++)
		h->envp[i] = h->env[i];
	h->envp[HOOK_ENVS] = NULL;
	h->told = LL_LEVEL_NONE;
}

static void hook_spawn(__u64 now)
{
	struct hook *h = &d.hook;
	char *argv[] = { d.cfg.hook, NULL };
	char when[40];
	time_t secs;
	pid_t pid;
	int err;

	fmt_time(when, sizeof(when), &secs);
	snprintf(h->env[0], sizeof(h->env[0]), "LIFELINE_LEVEL=%s", ll_level_name(h->level));
	snprintf(h->env[1], sizeof(h->env[1]), "LIFELINE_PREVIOUS=%s", ll_level_name(h->told));
	snprintf(h->env[2], sizeof(h->env[2]), "LIFELINE_SOURCE=%s", ll_source_name(h->source));
	snprintf(h->env[3], sizeof(h->env[3]), "LIFELINE_REASON=%s", h->reason);
	snprintf(h->env[4], sizeof(h->env[4]), "LIFELINE_TIME=%s", when);
	snprintf(h->env[5], sizeof(h->env[5]), "LIFELINE_TIMESTAMP=%lld", (long long)secs);
	snprintf(h->env[6], sizeof(h->env[6]), "LIFELINE_HIGHEST=%s", ll_level_name(h->highest));
	snprintf(h->env[7], sizeof(h->env[7]), "LIFELINE_HIGHEST_SOURCE=%s",
		 ll_source_name(h->highest_source));
	snprintf(h->env[8], sizeof(h->env[8]), "LIFELINE_HIGHEST_TIME=%s", h->highest_time);
	snprintf(h->env[9], sizeof(h->env[9]), "LIFELINE_CHANGES=%u", h->changes);
	snprintf(h->env[10], sizeof(h->env[10]), "%s", HOOK_PATH_ENV);

	h->pending = 0;
	h->last_ns = now;
	err = posix_spawn(&pid, d.cfg.hook, &h->fa, &h->attr, argv, h->envp);
	if (err) {
		d.dm.hook_failures++;
		dlog(LOG_ERR, "hook %s: cannot run: %s", d.cfg.hook, strerror(err));
		return;
	}
	d.dm.hook_runs++;
	h->pid = pid;
	h->started_ns = now;
	h->killed = 0;
	h->told = h->level;
	dlog(LOG_INFO, "hook %s started (pid %d): level %s (highest %s, %u change%s since the "
	     "last run)", d.cfg.hook, (int)pid, ll_level_name(h->level),
	     ll_level_name(h->highest), h->changes, h->changes == 1 ? "" : "s");
	h->changes = 0;
	h->highest = LL_LEVEL_NONE;
	/* the hook must stay killable: give back the protection it inherited */
	if (d.oom_protected) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "0", 1) < 0)
				dlog(LOG_DEBUG, "hook: cannot reset oom_score_adj: %s",
				     strerror(errno));
			close(fd);
		}
	}
}

/* Starts the hook when there is news for it, it is not running, and the interval passed. */
static void hook_service(__u64 now, int force)
{
	struct hook *h = &d.hook;

	if (!d.cfg.hook[0]) {
		h->pending = 0;
		h->changes = 0;
		h->highest = LL_LEVEL_NONE;
		return;
	}
	if (h->pid > 0) {
		if (!h->killed && d.cfg.hook_timeout_ns &&
		    now - h->started_ns > d.cfg.hook_timeout_ns) {
			dlog(LOG_ERR,
			     "hook %s (pid %d) still running after its timeout, killing it",
			     d.cfg.hook, (int)h->pid);
			kill(-h->pid, SIGKILL);
			h->killed = 1;
		}
		if (!force)
			return;
	}
	if (!h->pending)
		return;
	/* back where the hook was last told, with nothing higher in between: nothing to say */
	if (h->level == h->told && h->highest <= h->level) {
		h->pending = 0;
		h->changes = 0;
		h->highest = LL_LEVEL_NONE;
		return;
	}
	if (!force && h->last_ns && now - h->last_ns < d.cfg.hook_interval_ns)
		return;
	hook_spawn(now);
}

static void hook_request(__u64 now, __u32 level, __u32 source, const char *reason, int force)
{
	struct hook *h = &d.hook;

	h->level = level;
	h->source = source;
	snprintf(h->reason, sizeof(h->reason), "%s", reason);
	h->pending = 1;
	if (!h->changes || level > h->highest) {
		h->highest = level;
		h->highest_source = source;
		fmt_time(h->highest_time, sizeof(h->highest_time), NULL);
	}
	h->changes++;
	hook_service(now, force);
}

static void reap(__u64 now)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != d.hook.pid)
			continue;
		d.hook.pid = 0;
		if (WIFEXITED(status) && !WEXITSTATUS(status)) {
			dlog(LOG_INFO, "hook %s (pid %d) exited 0", d.cfg.hook, (int)pid);
		} else {
			d.dm.hook_failures++;
			if (WIFEXITED(status))
				dlog(LOG_WARNING, "hook %s (pid %d) exited %d", d.cfg.hook,
				     (int)pid, WEXITSTATUS(status));
			else
				dlog(LOG_WARNING, "hook %s (pid %d) killed by signal %d",
				     d.cfg.hook, (int)pid, WTERMSIG(status));
		}
	}
	hook_service(now, 0);
}

/* ---- state map ---- */

/* The daemon's vote: since, source and level first, the lease expiry last. */
static void vote_write(__u32 level, __u32 source, __u64 since, __u64 expires)
{
	struct ll_vote *v = &d.maps.state->daemon;
	int changed = __atomic_load_n(&v->level, __ATOMIC_RELAXED) != level ||
		      __atomic_load_n(&v->source, __ATOMIC_RELAXED) != source;

	__atomic_store_n(&v->since_ns, since, __ATOMIC_RELAXED);
	__atomic_store_n(&v->source, source, __ATOMIC_RELAXED);
	__atomic_store_n(&v->level, level, __ATOMIC_RELAXED);
	__atomic_store_n(&v->expires_ns, expires, __ATOMIC_RELEASE);
	if (changed)
		__atomic_fetch_add(&d.maps.state->generation, 1, __ATOMIC_RELEASE);
}

/*
 * The elevated budget. With [budget] share, the rate follows the memory
 * left: share % of the free memory above the min watermark (the last
 * /proc/zoneinfo reading) a second, never above [budget] rate; so
 * elevated tightens as free memory falls toward the reserve, and admits
 * nothing once it is there. Without share, or without a reading (the
 * watermark source off), the fixed rate.
 */
static __u64 budget_rate_now(void)
{
	const struct ll_zoneinfo *z = &d.src.zoneinfo;
	__u64 rate = d.cfg.budget_rate, above;

	if (d.cfg.budget_share <= 0 || !z->zones)
		return rate;
	above = z->free > z->min ? (z->free - z->min) * (__u64)sysconf(_SC_PAGESIZE) : 0;
	above = (__u64)((double)above * d.cfg.budget_share / 100);
	return above < rate ? above : rate;
}

static void budget_write(void)
{
	struct ll_state *s = d.maps.state;
	__u64 rate = budget_rate_now();

	if (s->budget_rate == rate && s->budget_burst == d.cfg.budget_burst &&
	    s->budget_pps == d.cfg.budget_pps)
		return;
	__atomic_store_n(&s->budget_rate, rate, __ATOMIC_RELAXED);
	__atomic_store_n(&s->budget_burst, d.cfg.budget_burst, __ATOMIC_RELAXED);
	__atomic_store_n(&s->budget_pps, d.cfg.budget_pps, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->generation, 1, __ATOMIC_RELEASE);
}

static void state_snapshot(struct ll_state *snap)
{
	memcpy(snap, (const void *)d.maps.state, sizeof(*snap));
}

/* ---- alerts ---- */

static void duration_str(char *buf, size_t len, __u64 ns)
{
	if (ns % 1000000000ULL)
		snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000ULL));
	else
		snprintf(buf, len, "%llus", (unsigned long long)(ns / 1000000000ULL));
}

/* The figures behind the effective level of this step. */
static const char *reason_of(const struct ll_engine_out *o)
{
	char hold[32];

	duration_str(hold, sizeof(hold), d.cfg.hold_ns);
	if (o->source == LL_SRC_MANUAL)
		snprintf(d.reason, sizeof(d.reason), "manual override (lifeline pressure set)");
	else if (o->level == LL_LEVEL_NONE && o->prev_source == LL_SRC_MANUAL)
		snprintf(d.reason, sizeof(d.reason), "manual override cleared; sources calm");
	else if (o->level == LL_LEVEL_NONE)
		snprintf(d.reason, sizeof(d.reason), "every source below its thresholds for %s",
			 hold);
	else if (o->source != o->vote_source || o->level != o->vote_level)
		snprintf(d.reason, sizeof(d.reason), "kernel vote (%s), lease %llums",
			 ll_source_name(o->source),
			 (unsigned long long)(LL_KERNEL_LEASE_NS / 1000000ULL));
	else if (o->stepped_down)
		snprintf(d.reason, sizeof(d.reason), "one step down after %s below; %s", hold,
			 d.src.st[o->source].why);
	else
		snprintf(d.reason, sizeof(d.reason), "%s", d.src.st[o->source].why);
	return d.reason;
}

static void metrics_publish(__u64 now);
static void reserve_level(__u32 level);

static void alert(__u64 now, __u32 level, __u32 prev, __u32 source, const char *reason,
		  int final)
{
	char when[40];
	size_t pos = 0;

	d.dm.level_changes++;
	if (level < LL_LEVEL_MAX)
		d.dm.level_entered[level]++;
	reserve_level(level);
	dlog(level > prev ? LOG_WARNING : LOG_NOTICE, "level %s (was %s), source %s: %s",
	     ll_level_name(level), ll_level_name(prev), ll_source_name(source), reason);
	if (nclients()) {
		fmt_time(when, sizeof(when), NULL);
		json_add(
			d.line, sizeof(d.line), &pos,
			"{\"event\":\"level\",\"origin\":\"daemon\",\"time\":\"%s\",\"ts_ns\":%llu,"
			"\"level\":\"%s\",\"previous\":\"%s\",\"source\":\"%s\",\"vote\":\"%s\","
			"\"reason\":\"",
			when, (unsigned long long)now, ll_level_name(level), ll_level_name(prev),
			ll_source_name(source), ll_level_name(d.eng.level));
		json_str(d.line, sizeof(d.line) - 4, &pos, reason);
		json_add(d.line, sizeof(d.line), &pos, "\"}\n");
		broadcast(d.line, pos);
	}
	hook_request(now, level, source, reason, final);
	notify("STATUS=level %s (%s)", ll_level_name(level), ll_source_name(source));
	if (!final)
		metrics_publish(now);
}

/* ---- the pins ---- */

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static int on_event(void *ctx, void *data, size_t size);

/*
 * `lifeline detach` of the last interface unpins the maps, and a later
 * attach creates new ones: a vote written into the old map would reach no
 * datapath. So the pin is looked up every few seconds, and new maps are
 * reopened (the ring buffer too: the one allocation outside start).
 */
static void pins_check(__u64 now)
{
	struct ll_maps nm;
	char path[PATH_MAX];
	struct ring_buffer *rb;
	__u32 id;
	int fd, err;

	if (now < d.next_pin_check)
		return;
	d.next_pin_check = now + PIN_CHECK_NS;
	if (snprintf(path, sizeof(path), "%s/%s", d.pin, ll_map_names[LL_MAP_STATE]) >=
	    (int)sizeof(path))
		return;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (!d.pins_gone)
			dlog(LOG_WARNING, "%s is gone (lifeline detached?): the vote reaches no "
			     "datapath until the maps are pinned again; the old map's vote is no "
			     "longer renewed, so a datapath still using it fails open when its "
			     "lease ends", path);
		d.pins_gone = 1;
		return;
	}
	id = map_id(fd);
	close(fd);
	if (id == d.state_id) {
		if (d.pins_gone)
			dlog(LOG_NOTICE, "%s is back: renewing the vote there again", path);
		d.pins_gone = 0;
		return;
	}
	err = ll_maps_open(&nm, d.pin);
	if (err) {
		dlog(LOG_WARNING, "%s: new maps, cannot open them: %s", d.pin, strerror(-err));
		d.pins_gone = 1;	/* the old map is no datapath's but an orphan's */
		return;
	}
	rb = ring_buffer__new(nm.fd[LL_MAP_EVENTS], on_event, NULL, NULL);
	if (!rb) {
		dlog(LOG_WARNING, "%s: new maps, cannot open the ring buffer: %s", d.pin,
		     strerror(errno));
		ll_maps_close(&nm);
		d.pins_gone = 1;
		return;
	}
	ring_buffer__free(d.rb);
	d.rb = rb;
	ll_maps_close(&d.maps);
	d.maps = nm;
	d.state_id = id;
	d.pins_gone = 0;
	budget_write();
	dlog(LOG_NOTICE, "%s: the maps were created again; writing the vote there", d.pin);
}

/* ---- the in-kernel path: vmscan tracepoints ---- */

static struct ll_vmscan vmscan;

static void vmscan_start(void)
{
	const struct ll_memcg_cfg *mc = &d.cfg.src.memcg;
	char dir[2 * PATH_MAX + 16], err[256];
	__u64 ino = 0;

	if (!d.cfg.src.kernel.vmscan)
		return;
	if (mc->enable && mc->path[0]) {
		/* v2 directory first, then the v1 memory hierarchy, as the memcg source reads */
		snprintf(dir, sizeof(dir), "%s/%s", mc->root, mc->path);
		if (mc->version != 1)
			ino = ll_cgroup_ino(dir);
		if (!ino) {
			snprintf(dir, sizeof(dir), "%s/memory/%s", mc->root, mc->path);
			ino = ll_cgroup_ino(dir);
		}
	}
	if (ll_vmscan_attach(&vmscan, d.pin, ino, err, sizeof(err)))
		dlog(LOG_WARNING, "in-kernel pressure path off: %s", err);
	else
		dlog(LOG_INFO, "vmscan tracepoints attached (kswapd wake: elevated, direct "
		     "reclaim%s: critical)", ino ? " and limit reclaim in the memory cgroup" : "");
}

/* ---- capabilities ---- */

/*
 * Once started, keep only what the loop needs: CAP_BPF (map syscalls, pins
 * recreated), CAP_PERFMON (tracing programs' maps), CAP_IPC_LOCK (new
 * mappings stay locked) and CAP_SYS_RESOURCE (PSI triggers on reload).
 * Writing the reserve sysctls back needs none (root owns the files); the
 * hook inherits no more than this.
 */
static void drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 keep = (1ULL << CAP_BPF) | (1ULL << CAP_PERFMON) | (1ULL << CAP_IPC_LOCK) |
		     (1ULL << CAP_SYS_RESOURCE);
	__u64 perm;

	if (syscall(SYS_capget, &hdr, data)) {
		dlog(LOG_WARNING, "capget: %s; capabilities kept as they are", strerror(errno));
		return;
	}
	perm = (data[0].permitted | ((__u64)data[1].permitted << 32)) & keep;
	for (int i = 0; i < 2; i++) {
		data[i].effective = data[i].permitted = (__u32)(perm >> (32 * i));
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data))
		dlog(LOG_WARNING, "capset: %s; capabilities kept as they are", strerror(errno));
	else
		dlog(LOG_INFO, "capabilities dropped but bpf, perfmon, ipc_lock, sys_resource");
}

/* ---- the emergency reserve ---- */

static struct ll_reserve_cfg reserve_cfg(void)
{
	struct ll_reserve_cfg r = {
		.reserve_kb = d.cfg.reserve.bytes / 1024,
		.watermark_scale = d.cfg.reserve.watermark_scale,
		.max_share_pct = d.cfg.reserve.max_share > 0 ? (__u32)d.cfg.reserve.max_share : 5,
		.net_pct = { 0, (__u32)d.cfg.reserve.net_pct[0], (__u32)d.cfg.reserve.net_pct[1] },
		.state_dir = d.cfg.state_dir,
		.proc_root = d.proc_root ? d.proc_root : "",
	};

	return r;
}

/* At start: restore what a crashed run left, then raise the reserve. */
static void reserve_start(void)
{
	struct ll_reserve_cfg r = reserve_cfg();
	char err[256];

	if (d.cfg.reserve.restore_on_start) {
		if (ll_reserve_restore(&r, err, sizeof(err)))
			dlog(LOG_ERR, "reserve: %s", err);
	}
	if (!r.reserve_kb && !r.watermark_scale)
		return;
	if (ll_reserve_apply(&r, err, sizeof(err)))
		dlog(LOG_ERR, "reserve not raised: %s", err);
	else
		dlog(LOG_INFO, "reserve raised by %llu kB (originals in %s/reserve.state)",
		     (unsigned long long)r.reserve_kb, r.state_dir);
}

static void reserve_level(__u32 level)
{
	struct ll_reserve_cfg r = reserve_cfg();
	char err[256];

	if (ll_reserve_net(&r, level, err, sizeof(err)))
		dlog(LOG_ERR, "reserve: %s", err);
}

static void reserve_stop(void)
{
	struct ll_reserve_cfg r = reserve_cfg();
	char err[256];

	if (ll_reserve_restore(&r, err, sizeof(err)))
		dlog(LOG_ERR, "reserve: %s", err);
}

/* ---- ring buffer ---- */

static int on_event(void *ctx, void *data, size_t size)
{
	const struct ll_event *ev = data;
	__u64 now = ll_now_ns();
	const char *name;
	struct klog *kl;
	char when[40];
	size_t pos = 0;

	if (size < sizeof(*ev) || ev->type >= LL_EV_MAX)
		return 0;
	d.dm.kernel_events++;
	name = ll_event_names[ev->type];
	if (d.cfg.src.kernel.enable && ev->type != LL_EV_LEASE_EXPIRED && ev->source < LL_SRC_MAX &&
	    ev->level < LL_LEVEL_MAX && ev->level > d.kernel_levels[ev->source]) {
		d.kernel_levels[ev->source] = ev->level;
		d.tick_now = 1;
		snprintf(d.src.st[ev->source].why, sizeof(d.src.st[ev->source].why),
			 "datapath %s event on ifindex %u (%llu more suppressed)", name,
			 ev->ifindex, (unsigned long long)ev->value);
	}
	if (nclients()) {
		fmt_time(when, sizeof(when), NULL);
		json_add(d.line, sizeof(d.line), &pos,
			 "{\"event\":\"%s\",\"origin\":\"kernel\",\"time\":\"%s\",\"ts_ns\":%llu,"
			 "\"level\":\"%s\",\"source\":\"%s\",\"ifindex\":%u,\"suppressed\":%llu}\n",
			 name, when, (unsigned long long)ev->ts_ns, ll_level_name(ev->level),
			 ll_source_name(ev->source), ev->ifindex, (unsigned long long)ev->value);
		broadcast(d.line, pos);
	}
	/* the datapath sends up to 10 events a second per type: log one per 10 s */
	kl = &d.klog[ev->type];
	if (kl->last_ns && now - kl->last_ns < KLOG_INTERVAL_NS) {
		kl->skipped += 1 + ev->value;
		return 0;
	}
	dlog(ev->type == LL_EV_LEASE_EXPIRED ? LOG_ERR : LOG_WARNING,
	     "datapath: %s event, level %s, source %s, ifindex %u (%llu similar since the last)",
	     name, ll_level_name(ev->level), ll_source_name(ev->source), ev->ifindex,
	     (unsigned long long)(kl->skipped + ev->value));
	kl->last_ns = now;
	kl->skipped = 0;
	return 0;
}

/* ---- metrics ---- */

static void metrics_publish(__u64 now)
{
	struct timespec wall;
	long len;
	int err;

	if (!d.cfg.metrics_path[0] || !d.mf)
		return;
	d.next_metrics = now + d.cfg.metrics_interval_ns;
	d.dm.source_levels = d.levels;
	d.dm.vote_level = d.eng.level;
	d.dm.clients = (__u64)nclients();
	d.dm.psi_trigger = d.src.psi_mode == LL_PSI_TRIGGER;
	clock_gettime(CLOCK_REALTIME, &wall);
	d.dm.tick_time = (double)wall.tv_sec + wall.tv_nsec / 1e9;
	d.dm.interval = d.cfg.metrics_interval_ns / 1e9;
	rewind(d.mf);
	clearerr(d.mf);
	err = ll_metrics_write(d.mf, &d.maps);
	if (!err)
		err = ll_metrics_write_daemon(d.mf, &d.dm);
	if (!err)
		ll_iface_metrics(d.mf, &d.ifw);
	if (fflush(d.mf) && !err)
		err = -EIO;
	len = ftell(d.mf);
	if (!err && (len < 0 || len >= METRICS_BUF - 1))
		err = -EFBIG;
	if (!err)
		err = ll_metrics_textfile(d.cfg.metrics_path, d.mbuf, (size_t)len);
	if (err != d.metrics_err) {
		if (err)
			dlog(LOG_ERR, "metrics: cannot write %s: %s", d.cfg.metrics_path,
			     strerror(-err));
		else if (d.metrics_err)
			dlog(LOG_INFO, "metrics: %s written again", d.cfg.metrics_path);
		d.metrics_err = err;
	}
}

/* ---- the tick ---- */

static void log_inputs(void)
{
	for (int i = LL_SRC_MANUAL + 1; i < LL_SRC_MAX; i++) {
		if (d.levels[i] == d.prev_levels[i])
			continue;
		dlog(LOG_DEBUG, "source %s: %s -> %s: %s", ll_source_name(i),
		     ll_level_name(d.prev_levels[i]), ll_level_name(d.levels[i]), d.src.st[i].why);
		d.prev_levels[i] = d.levels[i];
	}
}

/*
 * A vote written after the last tick and gone before this one (an override
 * set --for less than a tick, a kernel raise whose lease ran out unseen) was
 * applied by the datapath all the same: returns its level when it is above
 * the effective level before and after this step (none otherwise), so the
 * alerts can tell that excursion. An override cleared by `pressure clear`
 * leaves no level behind to tell; a kernel vote that an override covered
 * for all its lease never reached the datapath, so it is no excursion.
 */
static __u32 excursion(const struct ll_state *snap, const struct ll_engine_out *o, __u32 *src)
{
	const struct ll_vote *v[2] = { &snap->override, &snap->kernel };
	__u32 top = LL_LEVEL_NONE;

	for (int i = 0; i < 2; i++) {
		if (v[i]->since_ns == d.seen_since[i])
			continue;
		d.seen_since[i] = v[i]->since_ns;
		/*
		 * An override in effect from the kernel's vote to its lease's end
		 * hid that vote from the datapath. One that ended earlier let it
		 * through (told, even if seen before it did).
		 */
		if (i == 1 && snap->override.since_ns <= v[i]->since_ns &&
		    ll_override_in_effect(snap, v[i]->since_ns) &&
		    (!snap->override.expires_ns || snap->override.expires_ns >= v[i]->expires_ns))
			continue;
		if (d.ticked && v[i]->level < LL_LEVEL_MAX && v[i]->level > o->level &&
		    v[i]->level > o->prev_level && v[i]->level > top) {
			top = v[i]->level;
			*src = v[i]->source;
		}
	}
	d.ticked = 1;
	return top;
}

/*
 * [kernel] enable: a kernel raise is held like any source, also when its
 * ring buffer event never came (the datapath sends one event per type per
 * 100 ms: a direct-reclaim raise to critical right after a kswapd raise to
 * elevated is suppressed) or its lease ran out between two ticks.
 */
static void kernel_fold(const struct ll_state *snap)
{
	const struct ll_vote *k = &snap->kernel;

	if (!d.cfg.src.kernel.enable || k->since_ns == d.kernel_held)
		return;
	d.kernel_held = k->since_ns;
	if (k->since_ns < d.start_ns || k->source >= LL_SRC_MAX || k->level >= LL_LEVEL_MAX ||
	    k->level <= d.levels[k->source])
		return;
	d.levels[k->source] = k->level;
	snprintf(d.src.st[k->source].why, sizeof(d.src.st[k->source].why),
		 "in-kernel raise to %s", ll_level_name(k->level));
}

static void tick(__u64 now)
{
	struct ll_engine_out *o = &d.out;
	struct ll_state snap;

	d.dm.ticks++;
	pins_check(now);
	/* each tick: is lifeline's policy program still what runs on its interfaces? */
	if (ll_iface_check(d.pin, &d.ifw) > 0) {
		for (int i = 0; i < d.ifw.n; i++) {
			size_t pos = 0;

			if (!d.ifw.e[i].changed)
				continue;
			snprintf(d.reason, sizeof(d.reason), "enforcement on %s: %s%s%s",
				 d.ifw.e[i].name, d.ifw.e[i].state, d.ifw.e[i].why[0] ? " (" : "",
				 d.ifw.e[i].why[0] ? d.ifw.e[i].why : "");
			dlog(d.ifw.e[i].enforcing ? LOG_NOTICE : LOG_WARNING, "%s%s", d.reason,
			     d.ifw.e[i].why[0] ? ")" : "");
			json_add(d.line, sizeof(d.line), &pos, "{\"event\":\"enforcement\",\"origin\":"
				 "\"daemon\",\"ts_ns\":%llu,\"state\":\"%s\",\"interface\":\"",
				 (unsigned long long)now, d.ifw.e[i].state);
			json_str(d.line, sizeof(d.line) - 4, &pos, d.ifw.e[i].name);
			json_add(d.line, sizeof(d.line), &pos, "\"}\n");
			broadcast(d.line, pos);
			if (!d.ifw.e[i].enforcing)	/* the alert hook, with the reason */
				hook_request(now, d.out.level, d.out.source, d.reason, 1);
		}
		metrics_publish(now);
	}
	ll_sources_sample(&d.src, now, d.levels);
	budget_write();		/* with [budget] share, the rate follows the memory left */
	for (int i = 0; i < LL_SRC_MAX; i++) {
		if (d.kernel_levels[i] > d.levels[i])
			d.levels[i] = d.kernel_levels[i];
		d.kernel_levels[i] = LL_LEVEL_NONE;
	}
	state_snapshot(&snap);
	kernel_fold(&snap);
	log_inputs();
	ll_engine_step(&d.eng, d.levels, &snap, now, o);
	/* pins gone: no renewal of a map only an orphan may still read; it fails open */
	if (!d.pins_gone)
		vote_write(o->vote_level, o->vote_source, o->vote_since_ns, now + d.cfg.lease_ns);
	if (o->vote_changed)
		dlog(LOG_DEBUG, "vote %s (%s)", ll_level_name(o->vote_level),
		     ll_source_name(o->vote_source));
	{
		__u32 src = LL_SRC_NONE, top = excursion(&snap, o, &src);

		if (top) {
			snprintf(d.reason, sizeof(d.reason), "%s vote came and went between two ticks",
				 src == LL_SRC_MANUAL ? "a manual override" : "an in-kernel");
			alert(now, top, o->prev_level, src, d.reason, 0);
			alert(now, o->level, top, o->source, reason_of(o), 0);
		} else if (o->changed) {
			alert(now, o->level, o->prev_level, o->source, reason_of(o), 0);
		}
	}
	hook_service(now, 0);
	heartbeat(now);
	if (d.watchdog_ns && now >= d.next_watchdog) {
		notify("WATCHDOG=1");
		d.next_watchdog = now + d.watchdog_ns / 2;
	}
	if (d.cfg.metrics_path[0] && now >= d.next_metrics)
		metrics_publish(now);
}

/* ---- start and stop ---- */

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * The state directory holds the pid file, the events socket and the reserve
 * state, written as root: anyone else able to write in it could plant a
 * symlink there. It must be a directory owned by us and
 * writable by no one else.
 */
static int state_dir_check(const char *dir)
{
	struct stat st;

	if (stat(dir, &st)) {
		int e = errno;

		fprintf(stderr, "lifelined: state_dir %s: %s\n", dir, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "lifelined: state_dir %s: not a directory\n", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fprintf(stderr, "lifelined: state_dir %s: owned by uid %u, mode %04o; it must be "
			"owned by uid %u and writable by no one else (chmod go-w)\n", dir,
			(unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
		return -EPERM;
	}
	return 0;
}

/* One daemon per state directory: the pid file is also a lock. */
static int lock_pidfile(void)
{
	char buf[32];
	ssize_t n;

	if (snprintf(d.pid_path, sizeof(d.pid_path), "%s/lifelined.pid", d.cfg.state_dir) >=
	    (int)sizeof(d.pid_path))
		return -ENAMETOOLONG;
	/* never through a symlink planted there: it would truncate its target */
	d.lock_fd = open(d.pid_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (d.lock_fd < 0)
		return -errno;
	if (flock(d.lock_fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		n = pread(d.lock_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fprintf(stderr, "lifelined: another lifelined (pid %s) uses %s; stop it first\n",
			buf[0] ? buf : "?", d.cfg.state_dir);
		close(d.lock_fd);
		d.lock_fd = -1;
		return e == EWOULDBLOCK ? -EBUSY : -e;
	}
	return 0;
}

/*
 * One daemon per pin path too: two on one pin path (other state dirs)
 * would overwrite each other's vote every tick. The lock is a file under
 * LL_STATE_DIR_DEFAULT named by a hash of the pin path, not the pin
 * directory itself: the CLI flocks that directory for each change, and
 * would wait forever on a daemon that held it. A lock file unlinked by a
 * daemon that stops is detected (its inode no longer at the path) and
 * taken again.
 */
static int pin_lock(void)
{
	__u64 h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	struct stat a, b;
	char buf[PATH_MAX + 32];
	ssize_t n;
	int err;

	for (const char *c = d.pin; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	err = mkdir_p(LL_STATE_DIR_DEFAULT, 0755);
	if (err)
		return err;
	snprintf(d.pin_lock_path, sizeof(d.pin_lock_path), "%s/pin-%016llx.lock",
		 LL_STATE_DIR_DEFAULT, (unsigned long long)h);
	for (int tries = 0; tries < 10; tries++) {
		d.pin_lock_fd = open(d.pin_lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (d.pin_lock_fd < 0)
			return -errno;
		if (flock(d.pin_lock_fd, LOCK_EX | LOCK_NB)) {
			err = errno;
			n = pread(d.pin_lock_fd, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			buf[strcspn(buf, " \n")] = '\0';
			close(d.pin_lock_fd);
			d.pin_lock_fd = -1;
			if (err != EWOULDBLOCK)
				return -err;
			fprintf(stderr, "lifelined: another lifelined (pid %s) uses pin path %s "
				"(lock %s); stop it first\n", buf[0] ? buf : "?", d.pin,
				d.pin_lock_path);
			return -EBUSY;
		}
		if (!fstat(d.pin_lock_fd, &a) && !stat(d.pin_lock_path, &b) &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return 0;
		close(d.pin_lock_fd);	/* unlinked by a daemon that stopped: again */
		d.pin_lock_fd = -1;
	}
	return -EAGAIN;
}

/* pid and pin path, for the refusal of the next one and for people */
static void pin_lock_write(void)
{
	char buf[PATH_MAX + 32];
	int n = snprintf(buf, sizeof(buf), "%d %s\n", (int)getpid(), d.pin);

	if (n >= (int)sizeof(buf) || ftruncate(d.pin_lock_fd, 0) ||
	    pwrite(d.pin_lock_fd, buf, (size_t)n, 0) != n)
		dlog(LOG_WARNING, "cannot write %s: %s", d.pin_lock_path, strerror(errno));
}

static void write_pidfile(void)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(d.lock_fd, 0) || pwrite(d.lock_fd, buf, (size_t)n, 0) != n)
		dlog(LOG_WARNING, "cannot write %s: %s", d.pid_path, strerror(errno));
}

static void self_protect(void)
{
	int fd;

#ifdef __SANITIZE_ADDRESS__
	/* the sanitizer's shadow memory is terabytes of reservations */
	dlog(LOG_INFO, "built with AddressSanitizer: memory is not locked");
#else
	/* on fault: a mapping made later (the flow table, to count it) is not prefaulted */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
		dlog(LOG_WARNING, "mlockall: %s; memory is not locked (needs CAP_IPC_LOCK or "
		     "LimitMEMLOCK=infinity)", strerror(errno));
#endif
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "-1000", 5) != 5)
		dlog(LOG_WARNING,
		     "oom_score_adj -1000: %s; the OOM killer may pick lifelined "
		     "(needs CAP_SYS_RESOURCE, or OOMScoreAdjust=-1000 in the unit)",
		     strerror(errno));
	else
		d.oom_protected = 1;
	if (fd >= 0)
		close(fd);
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0))
		dlog(LOG_WARNING, "PR_SET_IO_FLUSHER: %s; reclaim may recurse into I/O from "
		     "lifelined (needs CAP_SYS_RESOURCE)", strerror(errno));
}

/* Detaches; the parent exits only once the child says it started (or failed). */
static int daemonize(void)
{
	int pfd[2], null;
	char ok = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &ok, 1) != 1)
			ok = 0;
		_exit(ok == 1 ? EXIT_SUCCESS : EXIT_FAILURE);
	}
	close(pfd[0]);
	d.ready_fd = pfd[1];
	if (setsid() < 0)
		return -errno;
	if (chdir("/"))
		return -errno;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	d.use_syslog = 1;
	return 0;
}

static void ready(void)
{
	char ok = 1;

	if (d.ready_fd >= 0) {
		if (write(d.ready_fd, &ok, 1) != 1)
			dlog(LOG_DEBUG, "cannot tell the parent: %s", strerror(errno));
		close(d.ready_fd);
		d.ready_fd = -1;
	}
	notify("READY=1\nSTATUS=level %s", ll_level_name(d.eng.eff_level));
}

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return d.sigfd < 0 ? -errno : 0;
}

static void reload(void)
{
	struct ll_config_err err;
	char msg[PATH_MAX + 300];
	int rc;

	notify("RELOADING=1");
	rc = ll_config_load(&d.next, d.config_path, d.config_explicit, &err);
	if (rc) {
		ll_config_err_format(&err, msg, sizeof(msg));
		dlog(LOG_ERR, "reload: %s; keeping the running configuration", msg);
		notify("READY=1");
		return;
	}
	if (strcmp(d.next.pin_path, d.cfg.pin_path) || strcmp(d.next.state_dir, d.cfg.state_dir))
		dlog(LOG_WARNING, "reload: pin_path and state_dir take effect at the next start");
	memcpy(d.next.pin_path, d.cfg.pin_path, sizeof(d.cfg.pin_path));
	memcpy(d.next.state_dir, d.cfg.state_dir, sizeof(d.cfg.state_dir));
	d.cfg = d.next;
	ll_sources_reconfigure(&d.src, &d.cfg.src);
	d.eng.hold_ns = d.cfg.hold_ns;
	budget_write();
	d.next_metrics = 0;
	dlog(LOG_INFO, "reloaded %s", d.config_path);
	notify("READY=1");
}

static void handle_signals(void)
{
	struct signalfd_siginfo si;

	while (read(d.sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload();
			break;
		case SIGTERM:
		case SIGINT:
			dlog(LOG_INFO, "signal %d: stopping", (int)si.ssi_signo);
			d.stop = 1;
			break;
		case SIGCHLD:
			reap(ll_now_ns());
			break;
		}
	}
}

/* Withdraws the vote (level none first, then no lease) and says so. */
static void shutdown_vote(void)
{
	__u64 now = ll_now_ns();
	struct ll_state snap;
	__u32 prev = d.eng.eff_level, level, source;
	char when[40];
	size_t pos = 0;
	int expired;

	vote_write(LL_LEVEL_NONE, LL_SRC_NONE, now, 0);
	state_snapshot(&snap);
	level = ll_level_of(&snap, now, &source, &expired);
	dlog(LOG_NOTICE, "stopping: vote withdrawn (was %s); effective level %s (%s)",
	     ll_level_name(d.eng.level), ll_level_name(level), ll_source_name(source));
	if (level != prev)
		alert(now, level, prev, source, "lifelined stopped: vote withdrawn", 1);
	else
		hook_request(now, level, source, "lifelined stopped: vote withdrawn", 1);
	if (nclients()) {
		fmt_time(when, sizeof(when), NULL);
		json_add(d.line, sizeof(d.line), &pos,
			 "{\"event\":\"stop\",\"origin\":\"daemon\",\"time\":\"%s\",\"ts_ns\":%llu,"
			 "\"level\":\"%s\",\"source\":\"%s\"}\n", when, (unsigned long long)now,
			 ll_level_name(level), ll_source_name(source));
		broadcast(d.line, pos);
	}
	notify("STOPPING=1\nSTATUS=stopped");
}

/* ---- --once ---- */

static int run_once(void)
{
	__u64 now = ll_now_ns();
	struct ll_state snap;
	const struct ll_engine_out *o = &d.out;

	ll_sources_sample(&d.src, now, d.levels);
	state_snapshot(&snap);
	ll_engine_step(&d.eng, d.levels, &snap, now, &d.out);
	vote_write(o->vote_level, o->vote_source, o->vote_since_ns, now + d.cfg.lease_ns);
	for (int i = LL_SRC_MANUAL + 1; i < LL_SRC_MAX; i++) {
		const struct ll_src_state *st = &d.src.st[i];
		const char *state;

		if (i == LL_SRC_PFMEMALLOC || i == LL_SRC_VMSCAN)
			continue;
		if ((i == LL_SRC_PSI && !d.cfg.src.psi.enable) ||
		    (i == LL_SRC_WATERMARK && !d.cfg.src.wmark.enable) ||
		    (i == LL_SRC_MEMAVAIL && !d.cfg.src.memavail.enable) ||
		    (i == LL_SRC_NETSTAT && !d.cfg.src.netstat.enable) ||
		    (i == LL_SRC_MEMCG && !d.cfg.src.memcg.enable))
			state = "off";
		else if (st->err)
			state = strerror(-st->err);
		else
			state = st->why;
		printf("%-13s %-9s %s\n", ll_source_name(i), ll_level_name(d.levels[i]), state);
	}
	printf("vote          %-9s source %s, lease %llums\n", ll_level_name(o->vote_level),
	       ll_source_name(o->vote_source), (unsigned long long)(d.cfg.lease_ns / 1000000));
	printf("effective     %-9s source %s\n", ll_level_name(o->level),
	       ll_source_name(o->source));
	return 0;
}

/* ---- main ---- */

enum { OPT_PROC_ROOT = 256, OPT_PIN_PATH };

static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "proc-root", required_argument, NULL, OPT_PROC_ROOT },
		{ "pin-path", required_argument, NULL, OPT_PIN_PATH },
		{ "once", no_argument, NULL, '1' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	d.config_path = LL_CONFIG_DEFAULT;
	d.proc_root = "";
	while ((c = getopt_long(argc, argv, "c:fC1vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config_path = optarg;
			d.config_explicit = 1;
			break;
		case 'f':
			d.foreground = 1;
			break;
		case 'C':
			d.check = 1;
			break;
		case OPT_PROC_ROOT:
			d.proc_root = optarg;
			break;
		case OPT_PIN_PATH:
			d.pin_opt = optarg;
			break;
		case '1':
			d.once = 1;
			break;
		case 'v':
			d.verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		default:
			fprintf(stderr, "lifelined: see lifelined --help\n");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lifelined: unexpected argument \"%s\"; see lifelined --help\n",
			argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static const char *pin_choice(void)
{
	const char *env = getenv(LL_PIN_ENV);

	/* given but empty is an error (ll_pin_path_validate), never the default */
	if (d.pin_opt)
		return ll_pin_path(d.pin_opt);
	if (env)
		return ll_pin_path(NULL);
	return ll_pin_path(d.cfg.pin_path);
}

static int loop(void)
{
	struct pollfd fds[5 + MAX_CLIENTS];
	__u64 next_tick = 0;

	while (!d.stop) {
		__u64 now = ll_now_ns();
		struct timespec ts;
		int nfds = 0, trig = -1, ci = -1;

		if (d.tick_now || now >= next_tick) {
			d.tick_now = 0;
			tick(now);
			next_tick = now + d.cfg.tick_ns;
			now = ll_now_ns();
		}
		fds[nfds++] = (struct pollfd){ .fd = d.sigfd, .events = POLLIN };
		fds[nfds++] = (struct pollfd){ .fd = d.listen_fd, .events = POLLIN };
		fds[nfds++] = (struct pollfd){.fd = ring_buffer__epoll_fd(d.rb), .events = POLLIN};
		if (d.src.trigger_fd >= 0) {
			trig = nfds;
			fds[nfds++] = (struct pollfd){ .fd = d.src.trigger_fd, .events = POLLPRI };
		}
		ci = nfds;
		for (int i = 0; i < MAX_CLIENTS; i++)
			fds[nfds++] = (struct pollfd){ .fd = d.clients[i], .events = POLLIN };

		ts.tv_sec = next_tick > now ? (time_t)((next_tick - now) / 1000000000ULL) : 0;
		ts.tv_nsec = next_tick > now ? (long)((next_tick - now) % 1000000000ULL) : 0;
		if (ppoll(fds, (nfds_t)nfds, &ts, NULL) < 0) {
			if (errno == EINTR)
				continue;
			dlog(LOG_ERR, "poll: %s", strerror(errno));
			return -errno;
		}
		if (fds[0].revents)
			handle_signals();
		if (fds[1].revents & POLLIN)
			events_accept();
		if (fds[2].revents & POLLIN)
			ring_buffer__consume(d.rb);
		if (trig >= 0 && (fds[trig].revents & (POLLPRI | POLLERR))) {
			if (fds[trig].revents & POLLERR) {
				dlog(LOG_WARNING, "psi: trigger failed, polling every tick");
				close(d.src.trigger_fd);
				d.src.trigger_fd = -1;
				d.src.psi_mode = LL_PSI_POLL;
			} else {
				dlog(LOG_DEBUG, "psi: trigger fired");
				d.tick_now = 1;
			}
		}
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (d.clients[i] >= 0 && fds[ci + i].revents)
				client_input(i);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ll_config_err cerr;
	char msg[PATH_MAX + 300], when[40];
	int err, rc = EXIT_FAILURE;

	for (int i = 0; i < MAX_CLIENTS; i++)
		d.clients[i] = -1;
	err = parse_args(argc, argv);
	if (err)
		return err > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	d.journal = !!getenv("JOURNAL_STREAM");
	libbpf_set_print(libbpf_print);

	err = ll_config_load(&d.cfg, d.config_path, d.config_explicit, &cerr);
	if (err) {
		ll_config_err_format(&cerr, msg, sizeof(msg));
		fprintf(stderr, "%s%s\n", d.check ? "" : "lifelined: ", msg);
		return EXIT_FAILURE;
	}
	if (d.check) {
		printf("%s: configuration valid\n", d.config_path);
		if (d.verbose)
			ll_config_print(&d.cfg, stdout);
		return EXIT_SUCCESS;
	}
	{
		/* the check --check-config applies to pin_path (maps.h), for every source */
		char why[PATH_MAX + 200];

		if (ll_pin_path_validate(pin_choice(), d.pin, sizeof(d.pin), why, sizeof(why))) {
			fprintf(stderr, "lifelined: %s %s\n", d.pin_opt ? "--pin-path" :
				getenv(LL_PIN_ENV) ? LL_PIN_ENV : "pin_path", why);
			return EXIT_FAILURE;
		}
	}
	if (d.proc_root[0] && access(d.proc_root, R_OK | X_OK)) {
		fprintf(stderr, "lifelined: --proc-root %s: %s\n", d.proc_root, strerror(errno));
		return EXIT_FAILURE;
	}

	err = mkdir_p(d.cfg.state_dir, 0755);
	if (err) {
		fprintf(stderr, "lifelined: cannot create %s: %s\n", d.cfg.state_dir,
			strerror(-err));
		goto cleanup;
	}
	err = state_dir_check(d.cfg.state_dir);
	if (err)
		goto cleanup;
	err = lock_pidfile();
	if (err) {
		if (err != -EBUSY)
			fprintf(stderr, "lifelined: cannot lock %s: %s\n", d.pid_path,
				strerror(-err));
		goto cleanup;
	}
	err = pin_lock();
	if (err == -EBUSY)
		goto cleanup;
	if (err)	/* e.g. a sandbox without /run/lifeline: run, but say what is lost */
		fprintf(stderr, "lifelined: cannot lock the pin path %s (%s): %s; a second "
			"lifelined on it would not be refused\n", d.pin,
			d.pin_lock_path[0] ? d.pin_lock_path : LL_STATE_DIR_DEFAULT, strerror(-err));
	else
		pin_lock_write();
	err = ll_maps_open_or_create(&d.maps, d.pin, NULL);
	if (err) {
		char why[256];

		fprintf(stderr, "lifelined: cannot open or create the lifeline maps in %s: %s%s\n",
			d.pin, ll_maps_strerror(&d.maps, err, why, sizeof(why)),
			err == -EPROTO ? "" : " (run as root, with bpffs on /sys/fs/bpf)");
		goto cleanup;
	}
	d.state_id = map_id(d.maps.fd[LL_MAP_STATE]);
	d.next_pin_check = ll_now_ns() + PIN_CHECK_NS;
	vmscan_start();
	if (!d.once)
		reserve_start();
	budget_write();
	ll_engine_init(&d.eng, d.cfg.hold_ns);
	hook_init();
	fmt_time(when, sizeof(when), NULL);	/* the first call may load time zone data */

	if (d.once) {
		err = ll_sources_init(&d.src, &d.cfg.src, d.proc_root, dlog);
		if (!err)
			err = run_once();
		if (err)
			fprintf(stderr, "lifelined: %s\n", strerror(-err));
		rc = err ? EXIT_FAILURE : EXIT_SUCCESS;
		goto cleanup;
	}

	if (!d.foreground && !getenv("NOTIFY_SOCKET")) {
		err = daemonize();
		if (err) {
			fprintf(stderr, "lifelined: cannot detach: %s\n", strerror(-err));
			goto cleanup;
		}
	}
	write_pidfile();
	if (d.pin_lock_fd >= 0)
		pin_lock_write();
	notify_init();
	/*
	 * Loading the programs parsed the kernel's BTF (megabytes, freed):
	 * give the freed heap back before mlockall pins what is resident.
	 */
	malloc_trim(0);
	self_protect();

	err = ll_sources_init(&d.src, &d.cfg.src, d.proc_root, dlog);
	if (err) {
		dlog(LOG_ERR, "proc root %s: %s", d.proc_root, strerror(-err));
		goto cleanup;
	}
	err = signals_open();
	if (err) {
		dlog(LOG_ERR, "signalfd: %s", strerror(-err));
		goto cleanup;
	}
	err = events_open();
	if (err) {
		dlog(LOG_ERR, "events socket in %s: %s", d.cfg.state_dir, strerror(-err));
		goto cleanup;
	}
	d.rb = ring_buffer__new(d.maps.fd[LL_MAP_EVENTS], on_event, NULL, NULL);
	if (!d.rb) {
		err = -errno;
		dlog(LOG_ERR, "ring buffer %s/%s: %s", d.pin, ll_map_names[LL_MAP_EVENTS],
		     strerror(-err));
		goto cleanup;
	}
	d.mf = fmemopen(d.mbuf, sizeof(d.mbuf), "w");
	if (!d.mf) {
		err = -errno;
		dlog(LOG_ERR, "metrics buffer: %s", strerror(-err));
		goto cleanup;
	}
	setvbuf(d.mf, NULL, _IONBF, 0);

	drop_capabilities();
	dlog(LOG_INFO,
	     "started: pin path %s, state dir %s, tick %llums, lease %llums, hold %llums%s", d.pin,
	     d.cfg.state_dir, (unsigned long long)(d.cfg.tick_ns / 1000000),
	     (unsigned long long)(d.cfg.lease_ns / 1000000),
	     (unsigned long long)(d.cfg.hold_ns / 1000000),
	     d.proc_root[0] ? ", fake proc root" : "");
	d.start_ns = ll_now_ns();
	tick(d.start_ns);
	ready();
	err = loop();
	shutdown_vote();
	rc = err ? EXIT_FAILURE : EXIT_SUCCESS;
cleanup:
	if (d.ready_fd >= 0)
		close(d.ready_fd);	/* the parent exits 1 */
	if (d.mf)
		fclose(d.mf);
	ring_buffer__free(d.rb);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d.clients[i] >= 0)
			close(d.clients[i]);
	if (d.listen_fd >= 0) {
		close(d.listen_fd);
		unlink(d.sock_path);
	}
	if (d.sigfd >= 0)
		close(d.sigfd);
	ll_sources_close(&d.src);
	ll_vmscan_detach(&vmscan);
	if (!d.once && d.lock_fd >= 0)
		reserve_stop();
	ll_maps_close(&d.maps);
	if (d.lock_fd >= 0) {
		unlink(d.pid_path);
		close(d.lock_fd);
	}
	if (d.pin_lock_fd >= 0) {
		unlink(d.pin_lock_path);
		close(d.pin_lock_fd);
	}
	if (d.notify_fd >= 0)
		close(d.notify_fd);
	if (d.log_fd >= 0)
		close(d.log_fd);
	return rc;
}
