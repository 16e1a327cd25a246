// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "metrics.h"
#include "registry.h"
#include "engine.h"
#include "state.h"

static void help(FILE *f, const char *name, const char *type, const char *text)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/* Reasons [from, to) of every hook; notes lose their "note_" prefix. */
static void counters(FILE *f, const char *name, const char *label, const struct ll_counter *cnt,
		     int from, int to, int bytes)
{
	for (int h = 0; h < LL_HOOK_MAX; h++)
		for (int r = from; r < to; r++) {
			const struct ll_counter *c = &cnt[LL_COUNTER_IDX(h, r)];
			const char *n = ll_reason_names[r];

			if (r >= LL_FIRST_NOTE && !strncmp(n, "note_", 5))
				n += 5;
			fprintf(f, "%s{hook=\"%s\",%s=\"%s\"} %llu\n", name, ll_hook_names[h], label,
				n, (unsigned long long)(bytes ? c->bytes : c->packets));
		}
}

/* Registered endpoint and allow rules, one record at a time (no allocation). */
static int count_rules(const struct ll_maps *m, __u32 *endpoint, __u32 *allow, __u32 *cap)
{
	int fd = m->fd[LL_MAP_RULE_RECS];
	struct ll_rule_rec rec;

	*endpoint = *allow = 0;
	*cap = ll_map_capacity(fd);
	if (!*cap)
		return -EINVAL;
	for (__u32 i = 0; i < *cap; i++) {
		if (bpf_map_lookup_elem(fd, &i, &rec))
			return -errno;
		if (rec.kind == LL_RULE_ENDPOINT)
			(*endpoint)++;
		else if (rec.kind == LL_RULE_ALLOW)
			(*allow)++;
	}
	return 0;
}

static int read_state(const struct ll_maps *m, struct ll_state *s)
{
	__u32 zero = 0;

	if (m->state) {
		/* one copy, so every line describes the same moment */
		ll_state_snapshot(m->state, s);
		return 0;
	}
	return bpf_map_lookup_elem(m->fd[LL_MAP_STATE], &zero, s) ? -errno : 0;
}

static __u32 vote_level(const struct ll_vote *v, __u64 now)
{
	return ll_vote_live(v, now) ? v->level : LL_LEVEL_NONE;
}

/* The effective level, the votes and the daemon's lease. */
static void metrics_level(FILE *f, const struct ll_state *s, __u64 now)
{
	__u32 level, source;
	int expired, override;
	double lease;

	level = ll_level_of(s, now, &source, &expired);
	override = ll_override_in_effect(s, now);
	help(f, "lifeline_level", "gauge",
	     "Effective pressure level: 0 none, 1 elevated, 2 critical.");
	fprintf(f, "lifeline_level %u\n", level);
	help(f, "lifeline_level_info", "gauge", "The effective level and the source that set it.");
	fprintf(f, "lifeline_level_info{level=\"%s\",source=\"%s\"} 1\n", ll_level_name(level),
		ll_source_name(source));
	help(f, "lifeline_vote_level", "gauge",
	     "Level of each live vote in the state map (0 when expired or inactive).");
	fprintf(f, "lifeline_vote_level{vote=\"daemon\"} %u\n", vote_level(&s->daemon, now));
	fprintf(f, "lifeline_vote_level{vote=\"override\"} %u\n",
		override ? vote_level(&s->override, now) : 0);
	fprintf(f, "lifeline_vote_level{vote=\"kernel\"} %u\n", vote_level(&s->kernel, now));
	help(f, "lifeline_override_active", "gauge",
	     "1 while a manual override is in effect (set and not expired).");
	fprintf(f, "lifeline_override_active %d\n", override);
	lease = s->daemon.expires_ns ? ((double)s->daemon.expires_ns - (double)now) / 1e9 : 0;
	help(f, "lifeline_lease_seconds", "gauge",
	     "Seconds until the daemon's lease runs out; negative once it has, 0 without a lease.");
	fprintf(f, "lifeline_lease_seconds %.3f\n", lease);
	help(f, "lifeline_lease_expired", "gauge",
	     "1 while the daemon holds a level whose lease ran out (the datapath fails open).");
	fprintf(f, "lifeline_lease_expired %d\n", expired);
}

/* The elevated budget: its settings and, when readable, what it admitted. */
static void metrics_budget(FILE *f, const struct ll_maps *m, const struct ll_state *s)
{
	__u64 charged = 0, held = 0;

	help(f, "lifeline_budget_rate_bytes_per_second", "gauge",
	     "Bytes per second allowed to unregistered traffic at level elevated, whole host.");
	fprintf(f, "lifeline_budget_rate_bytes_per_second %llu\n",
		(unsigned long long)s->budget_rate);
	help(f, "lifeline_budget_burst_bytes", "gauge",
	     "Depth of the host's budget pool, bytes.");
	fprintf(f, "lifeline_budget_burst_bytes %llu\n", (unsigned long long)s->budget_burst);
	if (ll_budget_admitted(m, &charged, &held))
		return;
	help(f, "lifeline_budget_admitted_bytes_total", "counter",
	     "Memory (truesize) held by unregistered packets passed at level elevated.");
	fprintf(f, "lifeline_budget_admitted_bytes_total %llu\n", (unsigned long long)held);
	help(f, "lifeline_budget_charged_bytes_total", "counter",
	     "Bytes charged against the elevated budget: the memory, at least "
	     "rate / pps a packet with a packet rate cap.");
	fprintf(f, "lifeline_budget_charged_bytes_total %llu\n", (unsigned long long)charged);
}

/*
 * Observe mode: its switch, and what the decision of critical would have
 * dropped at level none (LL_WOULD_IDX), by attach point and drop reason.
 * A family of its own: these packets passed, and were counted under no
 * verdict reason.
 */
static int metrics_would_drop(FILE *f, const struct ll_maps *m, const struct ll_state *s)
{
	struct ll_counter cnt[LL_HOOK_MAX][LL_REASON_MAX];
	int err;

	for (int h = 0; h < LL_HOOK_MAX; h++)
		for (int r = LL_FIRST_DROP; r < LL_FIRST_NOTE; r++) {
			if (!ll_would_slot(h, r))
				continue;
			err = ll_percpu_counter_sum(m->fd[LL_MAP_COUNTERS], LL_WOULD_IDX(h, r),
						    &cnt[h][r]);
			if (err)
				return err;
		}
	help(f, "lifeline_observe", "gauge",
	     "1 while observe mode is on (lifeline tune --observe): at level none the datapath "
	     "counts what critical would drop.");
	fprintf(f, "lifeline_observe %u\n", s->observe ? 1 : 0);
	for (int bytes = 0; bytes < 2; bytes++) {
		const char *name = bytes ? "lifeline_would_drop_bytes_total" :
					   "lifeline_would_drop_packets_total";

		help(f, name, "counter", bytes ? "Bytes of the packets counted as would-drop." :
			"Packets passed at level none in observe mode that critical would have "
			"dropped, by attach point and the drop reason they would have got.");
		for (int h = 0; h < LL_HOOK_MAX; h++)
			for (int r = LL_FIRST_DROP; r < LL_FIRST_NOTE; r++)
				if (ll_would_slot(h, r))
					fprintf(f, "%s{hook=\"%s\",reason=\"%s\"} %llu\n", name,
						ll_hook_names[h], ll_reason_names[r],
						(unsigned long long)(bytes ? cnt[h][r].bytes :
									     cnt[h][r].packets));
	}
	return 0;
}

/* The verdict and note counters: each read once, printed twice (packets, then bytes). */
static int metrics_counters(FILE *f, const struct ll_maps *m)
{
	struct ll_counter cnt[LL_COUNTER_SLOTS];
	int err;

	for (int i = 0; i < LL_COUNTER_SLOTS; i++) {
		err = ll_percpu_counter_sum(m->fd[LL_MAP_COUNTERS], i, &cnt[i]);
		if (err)
			return err;
	}
	/*
	 * Verdict reasons and notes in separate families: every packet has
	 * exactly one verdict reason, so a sum over reasons counts each packet
	 * once; notes are annotations counted in addition.
	 */
	help(f, "lifeline_packets_total", "counter",
	     "Packets classified, by attach point and verdict reason (one reason per packet).");
	counters(f, "lifeline_packets_total", "reason", cnt, 0, LL_FIRST_NOTE, 0);
	help(f, "lifeline_bytes_total", "counter",
	     "Bytes classified, by attach point and verdict reason.");
	counters(f, "lifeline_bytes_total", "reason", cnt, 0, LL_FIRST_NOTE, 1);
	help(f, "lifeline_notes_total", "counter",
	     "Packets annotated, by attach point and note (counted in addition to the verdict).");
	counters(f, "lifeline_notes_total", "note", cnt, LL_FIRST_NOTE, LL_REASON_MAX, 0);
	help(f, "lifeline_note_bytes_total", "counter", "Bytes of the annotated packets.");
	counters(f, "lifeline_note_bytes_total", "note", cnt, LL_FIRST_NOTE, LL_REASON_MAX, 1);
	return 0;
}

/* Registered flows and rules against the tables' capacities. */
static int metrics_tables(FILE *f, const struct ll_maps *m)
{
	__u32 rules[2], rules_max;
	struct ll_flowtab t;
	long flows;
	int err;

	/*
	 * Counting reads every bucket: a transient mapping, so a long-running
	 * reader (lifelined) does not keep the table resident.
	 */
	err = m->flows.b ? 0 : ll_flowtab_map(&t, m->fd[LL_MAP_FLOWS], -1);
	if (err)
		return err;
	flows = ll_flowtab_scan(m->flows.b ? &m->flows : &t, NULL);
	if (!m->flows.b)
		ll_flowtab_unmap(&t);
	if (flows < 0)
		return (int)flows;
	help(f, "lifeline_flows", "gauge", "Registered exact flows.");
	fprintf(f, "lifeline_flows %ld\n", flows);
	help(f, "lifeline_flows_max", "gauge", "Capacity of the flow table.");
	fprintf(f, "lifeline_flows_max %u\n", ll_flows_max(m));
	err = count_rules(m, &rules[0], &rules[1], &rules_max);
	if (err)
		return err;
	help(f, "lifeline_rules", "gauge",
	     "Registered rules by kind: endpoint (block I/O) and allow (management).");
	fprintf(f, "lifeline_rules{kind=\"endpoint\"} %u\n", rules[0]);
	fprintf(f, "lifeline_rules{kind=\"allow\"} %u\n", rules[1]);
	help(f, "lifeline_rules_max", "gauge", "Capacity of the rule table (both kinds together).");
	fprintf(f, "lifeline_rules_max %u\n", rules_max);
	return 0;
}

int ll_metrics_write(FILE *f, const struct ll_maps *m)
{
	struct ll_state s;
	__u64 now = ll_now_ns();
	int err;

	err = read_state(m, &s);
	if (err)
		return err;
	metrics_level(f, &s, now);
	metrics_budget(f, m, &s);
	err = metrics_counters(f, m);
	if (!err)
		err = metrics_would_drop(f, m, &s);
	if (!err)
		err = metrics_tables(f, m);
	if (err)
		return err;
	return ferror(f) ? -EIO : 0;
}

int ll_metrics_write_daemon(FILE *f, const struct ll_daemon_metrics *d)
{
	help(f, "lifeline_daemon_vote_level", "gauge", "The level lifelined votes for.");
	fprintf(f, "lifeline_daemon_vote_level %u\n", d->vote_level);
	help(f, "lifeline_source_level", "gauge", "Level each pressure source reads this tick.");
	for (int i = LL_SRC_MANUAL + 1; i < LL_SRC_MAX; i++)
		fprintf(f, "lifeline_source_level{source=\"%s\"} %u\n", ll_source_name(i),
			d->source_levels ? d->source_levels[i] : 0);
	help(f, "lifeline_level_changes_total", "counter", "Effective level changes seen.");
	fprintf(f, "lifeline_level_changes_total %llu\n", (unsigned long long)d->level_changes);
	/* a gauge misses what came and went between two scrapes; a counter never does */
	help(f, "lifeline_level_entered_total", "counter",
	     "Effective level changes into each level (an excursion to critical between two "
	     "scrapes shows here).");
	for (__u32 l = LL_LEVEL_NONE; l < LL_LEVEL_MAX; l++)
		fprintf(f, "lifeline_level_entered_total{level=\"%s\"} %llu\n", ll_level_name(l),
			(unsigned long long)d->level_entered[l]);
	help(f, "lifeline_hook_runs_total", "counter", "on_change hook runs started.");
	fprintf(f, "lifeline_hook_runs_total %llu\n", (unsigned long long)d->hook_runs);
	help(f, "lifeline_hook_failures_total", "counter",
	     "Hook runs that failed: spawn error, non-zero exit, signal or timeout.");
	fprintf(f, "lifeline_hook_failures_total %llu\n", (unsigned long long)d->hook_failures);
	help(f, "lifeline_kernel_events_total", "counter", "Datapath ring buffer events read.");
	fprintf(f, "lifeline_kernel_events_total %llu\n", (unsigned long long)d->kernel_events);
	help(f, "lifeline_monitor_clients", "gauge", "Clients of the events socket.");
	fprintf(f, "lifeline_monitor_clients %llu\n", (unsigned long long)d->clients);
	help(f, "lifeline_monitor_clients_dropped_total", "counter",
	     "Events socket clients dropped for not reading.");
	fprintf(f, "lifeline_monitor_clients_dropped_total %llu\n",
		(unsigned long long)d->clients_dropped);
	help(f, "lifeline_ticks_total", "counter", "Daemon loop iterations.");
	fprintf(f, "lifeline_ticks_total %llu\n", (unsigned long long)d->ticks);
	/*
	 * Wall-clock time, so that alert rules compare it with time(): the
	 * textfile of a dead daemon keeps its last values, this one ages.
	 */
	help(f, "lifeline_daemon_last_tick_timestamp_seconds", "gauge",
	     "Unix time of the daemon tick that wrote these metrics.");
	fprintf(f, "lifeline_daemon_last_tick_timestamp_seconds %.3f\n", d->tick_time);
	help(f, "lifeline_daemon_metrics_interval_seconds", "gauge",
	     "Seconds between two writes of these metrics ([metrics] interval).");
	fprintf(f, "lifeline_daemon_metrics_interval_seconds %.3f\n", d->interval);
	help(f, "lifeline_psi_trigger", "gauge", "1 when a PSI trigger is armed, 0 when polling.");
	fprintf(f, "lifeline_psi_trigger %d\n", d->psi_trigger);
	return ferror(f) ? -EIO : 0;
}

int ll_metrics_textfile(const char *path, const char *buf, size_t len)
{
	char tmp[PATH_MAX];
	size_t done = 0;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto cleanup;
		}
		done += (size_t)n;
	}
	if (fchmod(fd, 0644)) {
		err = -errno;
		goto cleanup;
	}
cleanup:
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
