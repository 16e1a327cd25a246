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
 *
 * This file holds the command line and start-up; the parts live in
 * user/daemon/ (see daemon/daemon.h for the map) and are passed a struct
 * lld, main()'s own: there is no global daemon state.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "daemon/daemon.h"

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
	"        LIFELINE_EVENT      level, or enforcement: lifeline's policy program\n"
	"                            no longer runs on an interface (LIFELINE_REASON\n"
	"                            names it); such a run is not held to hook_interval\n"
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
	"    When lifeline's policy program stops (or starts again) running on an\n"
	"    attached interface (checked every tick; also a warning, the hook with\n"
	"    LIFELINE_EVENT=enforcement, and lifeline_iface_enforcing{iface} 0):\n"
	"      {\"event\":\"enforcement\",\"origin\":\"daemon\",\"time\":...,\"ts_ns\":N,\n"
	"       \"state\":\"lost\"|\"foreign\"|\"enforcing\",\"interface\":...}\n"
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

/* ---- the command line ---- */

enum { OPT_PROC_ROOT = 256, OPT_PIN_PATH };

static int parse_args(struct lld_opts *o, int argc, char **argv)
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

	o->config_path = LL_CONFIG_DEFAULT;
	o->proc_root = "";
	while ((c = getopt_long(argc, argv, "c:fC1vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			o->config_explicit = 1;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'C':
			o->check = 1;
			break;
		case OPT_PROC_ROOT:
			o->proc_root = optarg;
			break;
		case OPT_PIN_PATH:
			o->pin_opt = optarg;
			break;
		case '1':
			o->once = 1;
			break;
		case 'v':
			o->verbose = 1;
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

static const char *pin_choice(const struct lld *d)
{
	const char *env = getenv(LL_PIN_ENV);

	/* given but empty is an error (ll_pin_path_validate), never the default */
	if (d->opt.pin_opt)
		return ll_pin_path(d->opt.pin_opt);
	if (env)
		return ll_pin_path(NULL);
	return ll_pin_path(d->cfg.pin_path);
}

/* ---- start and stop ---- */

/* The configuration, --check-config, the pin path, --proc-root: 1 to exit 0, -1 to exit 1. */
static int configure(struct lld *d)
{
	struct ll_config_err cerr;
	char msg[PATH_MAX + 300], why[PATH_MAX + 200];

	if (ll_config_load(&d->cfg, d->opt.config_path, d->opt.config_explicit, &cerr)) {
		ll_config_err_format(&cerr, msg, sizeof(msg));
		fprintf(stderr, "%s%s\n", d->opt.check ? "" : "lifelined: ", msg);
		return -1;
	}
	if (d->opt.check) {
		printf("%s: configuration valid\n", d->opt.config_path);
		if (d->opt.verbose)
			ll_config_print(&d->cfg, stdout);
		return 1;
	}
	/* the check --check-config applies to pin_path (maps.h), for every source */
	if (ll_pin_path_validate(pin_choice(d), d->pin, sizeof(d->pin), why, sizeof(why))) {
		fprintf(stderr, "lifelined: %s %s\n", d->opt.pin_opt ? "--pin-path" :
			getenv(LL_PIN_ENV) ? LL_PIN_ENV : "pin_path", why);
		return -1;
	}
	if (d->opt.proc_root[0] && access(d->opt.proc_root, R_OK | X_OK)) {
		fprintf(stderr, "lifelined: --proc-root %s: %s\n", d->opt.proc_root,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* The state directory, its locks, the maps: 0 or -errno, said on stderr. */
static int claim(struct lld *d)
{
	char why[256];
	int err;

	err = mkdir_p(d->cfg.state_dir, 0755);
	if (err) {
		fprintf(stderr, "lifelined: cannot create %s: %s\n", d->cfg.state_dir,
			strerror(-err));
		return err;
	}
	err = state_dir_check(d->cfg.state_dir);
	if (err)
		return err;
	err = lock_pidfile(d);
	if (err) {
		if (err != -EBUSY)
			fprintf(stderr, "lifelined: cannot lock %s: %s\n", d->proc.pid_path,
				strerror(-err));
		return err;
	}
	err = pin_lock(d);
	if (err == -EBUSY)
		return err;
	if (err)	/* e.g. a sandbox without /run/lifeline: run, but say what is lost */
		fprintf(stderr, "lifelined: cannot lock the pin path %s (%s): %s; a second "
			"lifelined on it would not be refused\n", d->pin,
			d->proc.pin_lock_path[0] ? d->proc.pin_lock_path : LL_STATE_DIR_DEFAULT,
			strerror(-err));
	else
		pin_lock_write(d);
	err = ll_maps_open_or_create(&d->maps, d->pin, NULL);
	if (err) {
		fprintf(stderr, "lifelined: cannot open or create the lifeline maps in %s: %s%s\n",
			d->pin, ll_maps_strerror(&d->maps, err, why, sizeof(why)),
			err == -EPROTO ? "" : " (run as root, with bpffs on /sys/fs/bpf)");
		return err;
	}
	return 0;
}

/* Detached (or not), protected, listening: ready for the first tick. */
static int daemon_start(struct lld *d)
{
	int err;

	if (!d->opt.foreground && !getenv("NOTIFY_SOCKET")) {
		err = daemonize(d);
		if (err) {
			fprintf(stderr, "lifelined: cannot detach: %s\n", strerror(-err));
			return err;
		}
	}
	write_pidfile(d);
	if (d->proc.pin_lock_fd >= 0)
		pin_lock_write(d);
	notify_open(&d->notify);
	/*
	 * Loading the programs parsed the kernel's BTF (megabytes, freed):
	 * give the freed heap back before mlockall pins what is resident.
	 */
	malloc_trim(0);
	self_protect(d);

	err = ll_sources_init(&d->src, &d->cfg.src, d->opt.proc_root, dlog_cb);
	if (err) {
		dlog(&d->log, LOG_ERR, "proc root %s: %s", d->opt.proc_root, strerror(-err));
		return err;
	}
	err = signals_open(d);
	if (err) {
		dlog(&d->log, LOG_ERR, "signalfd: %s", strerror(-err));
		return err;
	}
	err = events_open(&d->events, d->cfg.state_dir, d->cfg.group);
	if (err) {
		dlog(&d->log, LOG_ERR, "events socket in %s: %s", d->cfg.state_dir, strerror(-err));
		return err;
	}
	d->rb = ring_buffer__new(d->maps.fd[LL_MAP_EVENTS], on_event, d, NULL);
	if (!d->rb) {
		err = -errno;
		dlog(&d->log, LOG_ERR, "ring buffer %s/%s: %s", d->pin, ll_map_names[LL_MAP_EVENTS],
		     strerror(-err));
		return err;
	}
	err = metrics_open(&d->metrics, &d->cfg, &d->log);
	d->metrics.ifw = &d->ifw;
	if (err) {
		dlog(&d->log, LOG_ERR, "metrics buffer: %s", strerror(-err));
		return err;
	}
	drop_capabilities(d);
	return 0;
}

static int daemon_run(struct lld *d)
{
	int err;

	dlog(&d->log, LOG_INFO,
	     "started: pin path %s, state dir %s, tick %llums, lease %llums, hold %llums%s", d->pin,
	     d->cfg.state_dir, (unsigned long long)(d->cfg.tick_ns / 1000000),
	     (unsigned long long)(d->cfg.lease_ns / 1000000),
	     (unsigned long long)(d->cfg.hold_ns / 1000000),
	     d->opt.proc_root[0] ? ", fake proc root" : "");
	d->loop.start_ns = ll_now_ns();
	tick(d, d->loop.start_ns);
	ready(d);
	err = loop(d);
	shutdown_vote(d);
	return err;
}

static int once(struct lld *d)
{
	int err = ll_sources_init(&d->src, &d->cfg.src, d->opt.proc_root, dlog_cb);

	if (!err)
		err = run_once(d);
	if (err)
		fprintf(stderr, "lifelined: %s\n", strerror(-err));
	return err;
}

static void cleanup(struct lld *d)
{
	struct lld_proc *p = &d->proc;

	if (p->ready_fd >= 0)
		close(p->ready_fd);	/* the parent exits 1 */
	metrics_close(&d->metrics);
	ring_buffer__free(d->rb);
	events_close(&d->events);
	if (p->sigfd >= 0)
		close(p->sigfd);
	ll_sources_close(&d->src);
	ll_vmscan_detach(&d->vmscan);
	if (!d->opt.once && p->lock_fd >= 0)
		reserve_stop(d);
	ll_maps_close(&d->maps);
	if (p->lock_fd >= 0) {
		unlink(p->pid_path);
		close(p->lock_fd);
	}
	if (p->pin_lock_fd >= 0) {
		unlink(p->pin_lock_path);
		close(p->pin_lock_fd);
	}
	hook_destroy(&d->hook);
	notify_close(&d->notify);
	dlog_close(&d->log);
}

int main(int argc, char **argv)
{
	/* all of the daemon: large (buffers set up once), so not on the stack */
	static struct lld daemon;
	struct lld *d = &daemon;
	char when[40];
	int err;

	d->proc = (struct lld_proc){
		.sigfd = -1, .lock_fd = -1, .pin_lock_fd = -1, .ready_fd = -1,
	};
	d->src.trigger_fd = -1;
	notify_none(&d->notify);
	err = parse_args(&d->opt, argc, argv);
	if (err)
		return err > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	dlog_init(&d->log, d->opt.verbose);
	events_init(&d->events, &d->log);

	err = configure(d);
	if (err)
		return err > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	err = claim(d);
	if (err)
		goto out;
	pins_init(d);
	vmscan_start(d);
	if (!d->opt.once)
		reserve_start(d);
	budget_write(d);
	ll_engine_init(&d->eng, d->cfg.hold_ns);
	hook_init(&d->hook, &d->cfg, &d->log);
	fmt_time(when, sizeof(when), NULL);	/* the first call may load time zone data */

	if (d->opt.once)
		err = once(d);
	else
		err = daemon_start(d) ?: daemon_run(d);
out:
	cleanup(d);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
