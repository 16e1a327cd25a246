// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The loop: every tick the sources are read, the engine steps, the vote is
 * written with its lease (state.c), and a change of the effective level is
 * alerted (log, events, hook, reserve, notify, metrics). Between ticks it
 * waits on the signals, the events socket, the ring buffer and the PSI
 * trigger.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "state.h"
#include "util.h"
#include "daemon/daemon.h"

#define KLOG_INTERVAL_NS (10ULL * 1000000000ULL)	/* kernel event log lines, per type */
#define PIN_CHECK_NS (2ULL * 1000000000ULL)
#define HEARTBEAT_NS (1000000000ULL)	/* at least; a longer tick sets the pace */

/* ---- the state map ---- */

/*
 * The elevated budget. With [budget] share, the rate follows the memory
 * left: share % of the free memory above the min watermark (the last
 * /proc/zoneinfo reading) a second, never above [budget] rate; so
 * elevated tightens as free memory falls toward the reserve, and admits
 * nothing once it is there. Without share, or without a reading (the
 * watermark source off), the fixed rate.
 */
static __u64 budget_rate_now(const struct lld *d)
{
	const struct ll_zoneinfo *z = &d->src.zoneinfo;
	__u64 rate = d->cfg.budget_rate, above;

	if (d->cfg.budget_share <= 0 || !z->zones)
		return rate;
	above = z->free > z->min ? (z->free - z->min) * (__u64)sysconf(_SC_PAGESIZE) : 0;
	above = (__u64)((double)above * d->cfg.budget_share / 100);
	return above < rate ? above : rate;
}

void budget_write(struct lld *d)
{
	ll_state_budget(d->maps.state, budget_rate_now(d), d->cfg.budget_burst, d->cfg.budget_pps);
}

static void vote_write(struct lld *d, __u32 level, __u32 source, __u64 since, __u64 expires)
{
	ll_state_vote_daemon(d->maps.state, level, source, since, expires);
}

/* ---- alerts ---- */

/* The figures behind the effective level of this step. */
static const char *reason_of(struct lld *d, const struct ll_engine_out *o)
{
	char *r = d->loop.reason, hold[32];
	size_t len = sizeof(d->loop.reason);

	ll_duration_str(hold, sizeof(hold), d->cfg.hold_ns, LL_DUR_SHORT);
	if (o->source == LL_SRC_MANUAL)
		snprintf(r, len, "manual override (lifeline pressure set)");
	else if (o->level == LL_LEVEL_NONE && o->prev_source == LL_SRC_MANUAL)
		snprintf(r, len, "manual override cleared; sources calm");
	else if (o->level == LL_LEVEL_NONE)
		snprintf(r, len, "every source below its thresholds for %s", hold);
	else if (o->source != o->vote_source || o->level != o->vote_level)
		snprintf(r, len, "kernel vote (%s), lease %llums", ll_source_name(o->source),
			 (unsigned long long)(LL_KERNEL_LEASE_NS / 1000000ULL));
	else if (o->stepped_down)
		snprintf(r, len, "one step down after %s below; %s", hold,
			 d->src.st[o->source].why);
	else
		snprintf(r, len, "%s", d->src.st[o->source].why);
	return r;
}

/* The daemon's figures into the publisher, then the textfile. */
static void metrics_write(struct lld *d, __u64 now)
{
	struct ll_daemon_metrics *dm = &d->metrics.dm;

	if (!d->cfg.metrics_path[0] || !d->metrics.f)
		return;
	dm->source_levels = d->loop.levels;
	dm->vote_level = d->eng.level;
	dm->clients = (__u64)events_clients(&d->events);
	dm->clients_dropped = d->events.dropped;
	dm->psi_trigger = d->src.psi_mode == LL_PSI_TRIGGER;
	dm->level_changes = d->loop.level_changes;
	memcpy(dm->level_entered, d->loop.level_entered, sizeof(dm->level_entered));
	dm->hook_runs = d->hook.runs;
	dm->hook_failures = d->hook.failures;
	dm->kernel_events = d->loop.kernel_events;
	dm->ticks = d->loop.ticks;
	metrics_publish(&d->metrics, &d->maps, now);
}

static void alert(struct lld *d, __u64 now, __u32 level, __u32 prev, __u32 source,
		  const char *reason, int final)
{
	d->loop.level_changes++;
	if (level < LL_LEVEL_MAX)
		d->loop.level_entered[level]++;
	reserve_level(d, level);
	dlog(&d->log, level > prev ? LOG_WARNING : LOG_NOTICE, "level %s (was %s), source %s: %s",
	     ll_level_name(level), ll_level_name(prev), ll_source_name(source), reason);
	events_level(&d->events, now, level, prev, source, d->eng.level, reason);
	hook_request(&d->hook, now, level, source, reason, final);
	notify_send(&d->notify, "STATUS=level %s (%s)", ll_level_name(level),
		    ll_source_name(source));
	if (!final)
		metrics_write(d, now);
}

/* ---- the pins ---- */

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* New maps at the pin path: the vote (and the ring buffer) move to them. */
static void pins_reopen(struct lld *d, __u32 id)
{
	struct ring_buffer *rb;
	struct ll_maps nm;
	int err;

	err = ll_maps_open(&nm, d->pin);
	if (err) {
		dlog(&d->log, LOG_WARNING, "%s: new maps, cannot open them: %s", d->pin,
		     strerror(-err));
		d->loop.pins_gone = 1;	/* the old map is no datapath's but an orphan's */
		return;
	}
	rb = ring_buffer__new(nm.fd[LL_MAP_EVENTS], on_event, d, NULL);
	if (!rb) {
		dlog(&d->log, LOG_WARNING, "%s: new maps, cannot open the ring buffer: %s", d->pin,
		     strerror(errno));
		ll_maps_close(&nm);
		d->loop.pins_gone = 1;
		return;
	}
	ring_buffer__free(d->rb);
	d->rb = rb;
	ll_maps_close(&d->maps);
	d->maps = nm;
	d->loop.state_id = id;
	d->loop.pins_gone = 0;
	budget_write(d);
	dlog(&d->log, LOG_NOTICE, "%s: the maps were created again (or resized); writing the "
	     "vote there", d->pin);
}

/*
 * A resize (user/resize.c) pins new size-dependent maps next to the same
 * state map: the flow and rule tables this daemon holds are no longer the
 * datapath's, so they are reopened too (it reads them for its metrics).
 */
static int pins_resized(struct lld *d)
{
	static const int maps[] = { LL_MAP_FLOWS, LL_MAP_RULES };
	char path[PATH_MAX];
	__u32 id;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (snprintf(path, sizeof(path), "%s/%s", d->pin, ll_map_names[maps[i]]) <
		    (int)sizeof(path) && (id = ll_pinned_id(path, 0)) &&
		    id != map_id(d->maps.fd[maps[i]]))
			return 1;
	return 0;
}

/*
 * `lifeline detach` of the last interface unpins the maps, and a later
 * attach creates new ones: a vote written into the old map would reach no
 * datapath. So the pin is looked up every few seconds, and new maps are
 * reopened (the ring buffer too: the one allocation outside start).
 */
static void pins_check(struct lld *d, __u64 now)
{
	struct lld_loop *l = &d->loop;
	char path[PATH_MAX];
	__u32 id;
	int fd;

	if (now < l->next_pin_check)
		return;
	l->next_pin_check = now + PIN_CHECK_NS;
	if (snprintf(path, sizeof(path), "%s/%s", d->pin, ll_map_names[LL_MAP_STATE]) >=
	    (int)sizeof(path))
		return;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (!l->pins_gone)
			dlog(&d->log, LOG_WARNING, "%s is gone (lifeline detached?): the vote "
			     "reaches no datapath until the maps are pinned again; the old map's "
			     "vote is no longer renewed, so a datapath still using it fails open "
			     "when its lease ends", path);
		l->pins_gone = 1;
		return;
	}
	id = map_id(fd);
	close(fd);
	if (id != l->state_id || pins_resized(d)) {
		pins_reopen(d, id);
		return;
	}
	if (l->pins_gone)
		dlog(&d->log, LOG_NOTICE, "%s is back: renewing the vote there again", path);
	l->pins_gone = 0;
}

/* At start: the state map written to, and when to look at its pin again. */
void pins_init(struct lld *d)
{
	d->loop.state_id = map_id(d->maps.fd[LL_MAP_STATE]);
	d->loop.next_pin_check = ll_now_ns() + PIN_CHECK_NS;
}

/* ---- ring buffer ---- */

int on_event(void *ctx, void *data, size_t size)
{
	struct lld *d = ctx;
	const struct ll_event *ev = data;
	__u64 now = ll_now_ns();
	struct ll_src_state *st;
	const char *name;
	struct klog *kl;

	if (size < sizeof(*ev) || ev->type >= LL_EV_MAX)
		return 0;
	d->loop.kernel_events++;
	name = ll_event_names[ev->type];
	if (d->cfg.src.kernel.enable && ev->type != LL_EV_LEASE_EXPIRED &&
	    ev->source < LL_SRC_MAX && ev->level < LL_LEVEL_MAX &&
	    ev->level > d->loop.kernel_levels[ev->source]) {
		d->loop.kernel_levels[ev->source] = ev->level;
		d->loop.tick_now = 1;
		st = &d->src.st[ev->source];
		snprintf(st->why, sizeof(st->why),
			 "datapath %s event on ifindex %u (%llu more suppressed)", name,
			 ev->ifindex, (unsigned long long)ev->value);
	}
	events_kernel(&d->events, ev);
	/* the datapath sends up to 10 events a second per type: log one per 10 s */
	kl = &d->loop.klog[ev->type];
	if (kl->last_ns && now - kl->last_ns < KLOG_INTERVAL_NS) {
		kl->skipped += 1 + ev->value;
		return 0;
	}
	dlog(&d->log, ev->type == LL_EV_LEASE_EXPIRED ? LOG_ERR : LOG_WARNING,
	     "datapath: %s event, level %s, source %s, ifindex %u (%llu similar since the last)",
	     name, ll_level_name(ev->level), ll_source_name(ev->source), ev->ifindex,
	     (unsigned long long)(kl->skipped + ev->value));
	kl->last_ns = now;
	kl->skipped = 0;
	return 0;
}

/* ---- the tick ---- */

static void log_inputs(struct lld *d)
{
	struct lld_loop *l = &d->loop;

	for (int i = LL_SRC_MANUAL + 1; i < LL_SRC_MAX; i++) {
		if (l->levels[i] == l->prev_levels[i])
			continue;
		dlog(&d->log, LOG_DEBUG, "source %s: %s -> %s: %s", ll_source_name(i),
		     ll_level_name(l->prev_levels[i]), ll_level_name(l->levels[i]),
		     d->src.st[i].why);
		l->prev_levels[i] = l->levels[i];
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
static __u32 excursion(struct lld_loop *l, const struct ll_state *snap,
		       const struct ll_engine_out *o, __u32 *src)
{
	const struct ll_vote *v[2] = { &snap->override, &snap->kernel };
	__u32 top = LL_LEVEL_NONE;

	for (int i = 0; i < 2; i++) {
		if (v[i]->since_ns == l->seen_since[i])
			continue;
		l->seen_since[i] = v[i]->since_ns;
		/*
		 * An override in effect from the kernel's vote to its lease's end
		 * hid that vote from the datapath. One that ended earlier let it
		 * through (told, even if seen before it did).
		 */
		if (i == 1 && snap->override.since_ns <= v[i]->since_ns &&
		    ll_override_in_effect(snap, v[i]->since_ns) &&
		    (!snap->override.expires_ns || snap->override.expires_ns >= v[i]->expires_ns))
			continue;
		if (l->ticked && v[i]->level < LL_LEVEL_MAX && v[i]->level > o->level &&
		    v[i]->level > o->prev_level && v[i]->level > top) {
			top = v[i]->level;
			*src = v[i]->source;
		}
	}
	l->ticked = 1;
	return top;
}

/*
 * [kernel] enable: a kernel raise is held like any source, also when its
 * ring buffer event never came (the datapath sends one event per type per
 * 100 ms: a direct-reclaim raise to critical right after a kswapd raise to
 * elevated is suppressed) or its lease ran out between two ticks.
 */
static void kernel_fold(struct lld *d, const struct ll_state *snap)
{
	const struct ll_vote *k = &snap->kernel;
	struct lld_loop *l = &d->loop;

	if (!d->cfg.src.kernel.enable || k->since_ns == l->kernel_held)
		return;
	l->kernel_held = k->since_ns;
	if (k->since_ns < l->start_ns || k->source >= LL_SRC_MAX || k->level >= LL_LEVEL_MAX ||
	    k->level <= l->levels[k->source])
		return;
	l->levels[k->source] = k->level;
	snprintf(d->src.st[k->source].why, sizeof(d->src.st[k->source].why),
		 "in-kernel raise to %s", ll_level_name(k->level));
}

/*
 * Is lifeline's policy program still what runs on its interfaces? A change
 * is logged, sent as an event and published; a loss runs the alert hook.
 */
static void iface_check(struct lld *d, __u64 now)
{
	if (ll_iface_check(d->pin, &d->ifw) <= 0)
		return;
	for (int i = 0; i < d->ifw.n; i++) {
		const char *why = d->ifw.e[i].why;

		if (!d->ifw.e[i].changed)
			continue;
		snprintf(d->loop.reason, sizeof(d->loop.reason), "enforcement on %s: %s%s%s%s",
			 d->ifw.e[i].name, d->ifw.e[i].state, why[0] ? " (" : "", why,
			 why[0] ? ")" : "");
		dlog(&d->log, d->ifw.e[i].enforcing ? LOG_NOTICE : LOG_WARNING, "%s",
		     d->loop.reason);
		events_enforcement(&d->events, now, d->ifw.e[i].name, d->ifw.e[i].state);
		if (!d->ifw.e[i].enforcing)
			hook_alert(&d->hook, now, d->loop.reason);
	}
	metrics_write(d, now);
}

/* This tick's source levels: the readings, with the kernel's raises since the last. */
static void sample(struct lld *d, __u64 now)
{
	struct lld_loop *l = &d->loop;

	ll_sources_sample(&d->src, now, l->levels);
	budget_write(d);	/* with [budget] share, the rate follows the memory left */
	for (int i = 0; i < LL_SRC_MAX; i++) {
		if (l->kernel_levels[i] > l->levels[i])
			l->levels[i] = l->kernel_levels[i];
		l->kernel_levels[i] = LL_LEVEL_NONE;
	}
}

/* The alerts of this step: an excursion between two ticks first, then the change. */
static void step_alerts(struct lld *d, const struct ll_state *snap, __u64 now)
{
	const struct ll_engine_out *o = &d->loop.out;
	__u32 src = LL_SRC_NONE, top = excursion(&d->loop, snap, o, &src);

	if (top) {
		snprintf(d->loop.reason, sizeof(d->loop.reason),
			 "%s vote came and went between two ticks",
			 src == LL_SRC_MANUAL ? "a manual override" : "an in-kernel");
		alert(d, now, top, o->prev_level, src, d->loop.reason, 0);
		alert(d, now, o->level, top, o->source, reason_of(d, o), 0);
	} else if (o->changed) {
		alert(d, now, o->level, o->prev_level, o->source, reason_of(d, o), 0);
	}
}

static struct events_hello hello_of(const struct lld *d)
{
	return (struct events_hello){
		.level = d->eng.eff_level, .source = d->eng.eff_source,
		.vote = d->eng.level, .vote_source = d->eng.source,
		.heartbeat_ns = d->cfg.tick_ns > HEARTBEAT_NS ? d->cfg.tick_ns : HEARTBEAT_NS,
		.lease_ns = d->cfg.lease_ns,
	};
}

void tick(struct lld *d, __u64 now)
{
	struct ll_engine_out *o = &d->loop.out;
	struct events_hello hb;
	struct ll_state snap;

	d->loop.ticks++;
	pins_check(d, now);
	iface_check(d, now);
	sample(d, now);
	ll_state_snapshot(d->maps.state, &snap);
	kernel_fold(d, &snap);
	log_inputs(d);
	ll_engine_step(&d->eng, d->loop.levels, &snap, now, o);
	/* pins gone: no renewal of a map only an orphan may still read; it fails open */
	if (!d->loop.pins_gone)
		vote_write(d, o->vote_level, o->vote_source, o->vote_since_ns,
			   now + d->cfg.lease_ns);
	if (o->vote_changed)
		dlog(&d->log, LOG_DEBUG, "vote %s (%s)", ll_level_name(o->vote_level),
		     ll_source_name(o->vote_source));
	step_alerts(d, &snap, now);
	hook_service(&d->hook, now, 0);
	hb = hello_of(d);
	events_heartbeat(&d->events, now, &hb);
	notify_watchdog(&d->notify, now);
	if (metrics_due(&d->metrics, now))
		metrics_write(d, now);
}

/* ---- signals and the wait ---- */

static void handle_signals(struct lld *d)
{
	struct signalfd_siginfo si;

	while (read(d->proc.sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload(d);
			break;
		case SIGTERM:
		case SIGINT:
			dlog(&d->log, LOG_INFO, "signal %d: stopping", (int)si.ssi_signo);
			d->loop.stop = 1;
			break;
		case SIGCHLD:
			hook_reap(&d->hook, ll_now_ns());
			break;
		}
	}
}

static void psi_trigger(struct lld *d, short revents)
{
	if (revents & POLLERR) {
		dlog(&d->log, LOG_WARNING, "psi: trigger failed, polling every tick");
		close(d->src.trigger_fd);
		d->src.trigger_fd = -1;
		d->src.psi_mode = LL_PSI_POLL;
	} else {
		dlog(&d->log, LOG_DEBUG, "psi: trigger fired");
		d->loop.tick_now = 1;
	}
}

enum { FD_SIG, FD_LISTEN, FD_RB, FD_TRIGGER, FD_CLIENTS, FD_MAX = FD_CLIENTS + LLD_MAX_CLIENTS };

/* Waits until next_tick for anything to handle; returns 0 or -errno. */
static int wait_events(struct lld *d, __u64 now, __u64 next_tick)
{
	struct pollfd fds[FD_MAX];
	struct events_hello h;
	struct timespec ts;

	fds[FD_SIG] = (struct pollfd){ .fd = d->proc.sigfd, .events = POLLIN };
	fds[FD_LISTEN] = (struct pollfd){ .fd = d->events.listen_fd, .events = POLLIN };
	fds[FD_RB] = (struct pollfd){ .fd = ring_buffer__epoll_fd(d->rb), .events = POLLIN };
	/* a negative fd is ignored by poll */
	fds[FD_TRIGGER] = (struct pollfd){ .fd = d->src.trigger_fd, .events = POLLPRI };
	events_pollfds(&d->events, &fds[FD_CLIENTS]);

	ts.tv_sec = next_tick > now ? (time_t)((next_tick - now) / 1000000000ULL) : 0;
	ts.tv_nsec = next_tick > now ? (long)((next_tick - now) % 1000000000ULL) : 0;
	if (ppoll(fds, FD_MAX, &ts, NULL) < 0) {
		if (errno == EINTR)
			return 0;
		dlog(&d->log, LOG_ERR, "poll: %s", strerror(errno));
		return -errno;
	}
	if (fds[FD_SIG].revents)
		handle_signals(d);
	if (fds[FD_LISTEN].revents & POLLIN) {
		h = hello_of(d);
		events_accept(&d->events, &h);
	}
	if (fds[FD_RB].revents & POLLIN)
		ring_buffer__consume(d->rb);
	if (fds[FD_TRIGGER].fd >= 0 && (fds[FD_TRIGGER].revents & (POLLPRI | POLLERR)))
		psi_trigger(d, fds[FD_TRIGGER].revents);
	events_input(&d->events, &fds[FD_CLIENTS]);
	return 0;
}

int loop(struct lld *d)
{
	__u64 next_tick = 0;
	int err;

	while (!d->loop.stop) {
		__u64 now = ll_now_ns();

		if (d->loop.tick_now || now >= next_tick) {
			d->loop.tick_now = 0;
			tick(d, now);
			next_tick = now + d->cfg.tick_ns;
			now = ll_now_ns();
		}
		err = wait_events(d, now, next_tick);
		if (err)
			return err;
	}
	return 0;
}

/* ---- stop and --once ---- */

/* Withdraws the vote (level none first, then no lease) and says so. */
void shutdown_vote(struct lld *d)
{
	static const char why[] = "lifelined stopped: vote withdrawn";
	__u64 now = ll_now_ns();
	struct ll_state snap;
	__u32 prev = d->eng.eff_level, level, source;
	int expired;

	vote_write(d, LL_LEVEL_NONE, LL_SRC_NONE, now, 0);
	ll_state_snapshot(d->maps.state, &snap);
	level = ll_level_of(&snap, now, &source, &expired);
	dlog(&d->log, LOG_NOTICE, "stopping: vote withdrawn (was %s); effective level %s (%s)",
	     ll_level_name(d->eng.level), ll_level_name(level), ll_source_name(source));
	if (level != prev)
		alert(d, now, level, prev, source, why, 1);
	else
		hook_request(&d->hook, now, level, source, why, 1);
	events_stop(&d->events, now, level, source);
	notify_send(&d->notify, "STOPPING=1\nSTATUS=stopped");
}

static const char *source_state(const struct lld *d, int i)
{
	const struct ll_sources_cfg *c = &d->cfg.src;
	const struct ll_src_state *st = &d->src.st[i];

	if ((i == LL_SRC_PSI && !c->psi.enable) || (i == LL_SRC_WATERMARK && !c->wmark.enable) ||
	    (i == LL_SRC_MEMAVAIL && !c->memavail.enable) ||
	    (i == LL_SRC_NETSTAT && !c->netstat.enable) || (i == LL_SRC_MEMCG && !c->memcg.enable))
		return "off";
	if (st->err)
		return strerror(-st->err);
	return st->why;
}

int run_once(struct lld *d)
{
	__u64 now = ll_now_ns();
	const struct ll_engine_out *o = &d->loop.out;
	struct ll_state snap;

	ll_sources_sample(&d->src, now, d->loop.levels);
	ll_state_snapshot(d->maps.state, &snap);
	ll_engine_step(&d->eng, d->loop.levels, &snap, now, &d->loop.out);
	vote_write(d, o->vote_level, o->vote_source, o->vote_since_ns, now + d->cfg.lease_ns);
	for (int i = LL_SRC_MANUAL + 1; i < LL_SRC_MAX; i++) {
		if (i == LL_SRC_PFMEMALLOC || i == LL_SRC_VMSCAN)
			continue;
		printf("%-13s %-9s %s\n", ll_source_name(i), ll_level_name(d->loop.levels[i]),
		       source_state(d, i));
	}
	printf("vote          %-9s source %s, lease %llums\n", ll_level_name(o->vote_level),
	       ll_source_name(o->vote_source), (unsigned long long)(d->cfg.lease_ns / 1000000));
	printf("effective     %-9s source %s\n", ll_level_name(o->level),
	       ll_source_name(o->source));
	return 0;
}
