// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline pressure [show] | set LEVEL [--for DURATION] | clear: the level and its votes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "emit.h"
#include "engine.h"
#include "spec.h"
#include "state.h"

/* a vote's expiry: expires in 5m00s, expired 3.0s ago */
static void expiry_text(char *buf, size_t len, double s)
{
	char d[48];

	fmt_duration(d, sizeof(d), s < 0 ? -s : s);
	snprintf(buf, len, "%s %s%s", s < 0 ? "expired" : "expires in", d, s < 0 ? " ago" : "");
}

/*
 * One vote, a row of the VOTE table. Its STATE cell: the expiry, and for
 * an inactive daemon vote why: lifelined running at level none holds a
 * lease (expires in the future), a stopped one cleared it, a killed or
 * hung one let it run out.
 */
static void vote_emit(struct emit *e, const char *name, const struct ll_vote *v, __u64 now,
		      int active, const char *indent, int daemon)
{
	double s = ((double)v->expires_ns - (double)now) / 1e9;
	int has_exp = v->expires_ns != 0;

	emit_obj_begin(e, name);
	emit_text(e, "%s  %-9s ", indent, name);
	emit_str(e, FIELD_LEVEL, "%-9s ", ll_level_name(v->level));
	emit_str(e, FIELD_SOURCE, "%-13s", ll_source_name(v->source));
	emit_bool(e, "active", NULL, NULL, active);
	if (has_exp)
		emit_double_as(e, "expires_in_s", "%s", expiry_text, s);
	else
		emit_null(e, "expires_in_s");
	emit_close(e);
	if (active)
		emit_text(e, "%s\n", has_exp ? "" : "until cleared");
	else if (!daemon)
		emit_text(e, "%s(inactive)\n", has_exp ? "  " : "");
	else if (has_exp && s >= 0)
		emit_text(e, "  (lifelined running, votes none)\n");
	else if (has_exp)
		emit_text(e, "  (inactive: lifelined killed or hung)\n");
	else
		emit_text(e, "(inactive: lifelined not running)\n");
}

/* The level and its votes (pressure, status, each orphan), the lines after indent. */
void pressure_emit(struct emit *e, const struct ll_state *map, const char *indent)
{
	struct ll_state snap, *st = &snap;
	__u64 now = ll_now_ns();
	__u32 src, level;
	int expired, none;
	const struct ll_vote *win;

	ll_state_snapshot(map, &snap);
	level = ll_level_of(st, now, &src, &expired);
	win = src == LL_SRC_MANUAL ? &st->override :
	      st->kernel.level > st->daemon.level || expired ? &st->kernel : &st->daemon;
	none = !strcmp(ll_level_name(level), "none");

	emit_text(e, "%slevel:  ", indent);
	emit_str(e, FIELD_LEVEL, "%s", ll_level_name(level));
	emit_str(e, FIELD_SOURCE, none ? NULL : " (source %s", ll_source_name(src));
	/* how long the winning vote has held the level (not --for, which is ahead) */
	if (level && win->since_ns)
		emit_double_as(e, "since_s", none ? NULL : ", held %s", fmt_duration,
			       ((double)now - (double)win->since_ns) / 1e9);
	else
		emit_null(e, "since_s");
	emit_text(e, "%s", none ? "" : ")");
	emit_bool(e, "lease_expired", "  [daemon lease EXPIRED: failing open]\n", "\n", expired);
	emit_text(e, "%s  %-9s %-9s %-13s%s\n", indent, "VOTE", "LEVEL", "SOURCE", "STATE");
	emit_obj_begin(e, "votes");
	vote_emit(e, "daemon", &st->daemon, now, ll_vote_live(&st->daemon, now), indent, 1);
	vote_emit(e, "override", &st->override, now, ll_override_in_effect(st, now), indent, 0);
	vote_emit(e, "kernel", &st->kernel, now, ll_vote_live(&st->kernel, now), indent, 0);
	emit_close(e);
	emit_u64(e, FIELD_BUDGET_RATE, NULL, st->budget_rate);
	emit_u64(e, FIELD_BUDGET_BURST, NULL, st->budget_burst);
	emit_u64(e, FIELD_BUDGET_PPS, NULL, st->budget_pps);
	emit_text(e, "%sstrict: ", indent);
	emit_bool(e, FIELD_STRICT, "on (at critical, registered TCP for this host needs a local "
		  "socket)\n", "off (per-flow --strict only)\n", st->strict);
}

static int pressure_done(struct cli_ctx *c, const struct ll_state *st)
{
	struct emit e;

	emit_begin(&e);
	pressure_emit(&e, st, "");
	return cli_emit_done(c, &e);
}

/*
 * Clears the override: this pin directory's, and that of every orphan in
 * this namespace (a manual override "until cleared" with no pin left is
 * still a vote that must be clearable). An orphan that cannot be opened
 * fails the command before anything is cleared; filters that could not be
 * read (no CAP_SYS_ADMIN) do not stop the rest, and fail it after.
 */
static int clear_open_failed(const struct ll_orphan *o, int ret)
{
	if (ret == -EPERM || ret == -EACCES)
		return out_error(EXIT_FAILURE, "cannot open the state of the orphaned lifeline "
				 "programs on %s: opening a map by id needs CAP_SYS_ADMIN; run this "
				 "as root with CAP_SYS_ADMIN, or remove them with 'lifeline detach %s'",
				 o->name, o->name);
	return out_error(EXIT_FAILURE, "cannot open the state of the orphaned lifeline programs "
			 "on %s (map id %u): %s; remove them with 'lifeline detach %s'", o->name,
			 o->state_id, ret == -EPROTO ? "another lifeline version made it" :
			 strerror(-ret), o->name);
}

static int pressure_clear(struct cli_ctx *c)
{
	struct ll_orphan orph[MAX_ORPHANS], unread[MAX_ORPHANS];
	struct ll_state *st[MAX_ORPHANS];
	int fd[MAX_ORPHANS], no, nu = 0;
	struct emit e;
	char msg[512];

	if (c->pins_incomplete)
		return cli_pins_incomplete(c->dir);
	no = orphans_find(c->dir, orph);
	if (!no && !c->have_session)
		return cli_not_set_up(c->dir);
	for (int i = 0; i < no; i++) {
		fd[i] = -1;
		st[i] = NULL;
		if (!orph[i].verified) {
			unread[nu++] = orph[i];
			continue;
		}
		if ((fd[i] = ll_state_open_id(orph[i].state_id, &st[i])) >= 0)
			continue;
		for (int k = 0; k < i; k++)
			ll_state_close(fd[k], st[k]);
		return clear_open_failed(&orph[i], fd[i]);
	}
	for (int i = 0; i < no; i++) {
		if (st[i])
			ll_state_override_clear(st[i]);
		ll_state_close(fd[i], st[i]);
	}
	emit_begin(&e);
	if (c->have_session) {
		ll_state_override_clear(c->s.m.state);
		pressure_emit(&e, c->s.m.state, "");
	} else {
		emit_str(&e, FIELD_PIN_PATH, "no lifeline state at %s\n", c->dir);
	}
	emit_bool(&e, FIELD_SET_UP, NULL, NULL, c->have_session);
	if (no)
		emit_text(&e, "and the override of each orphan that could be read:\n");
	orphans_emit(&e, orph, no);
	if (nu) {
		orphans_msg(unread, nu, c->dir, msg, sizeof(msg));
		return cli_emit_failed(c, &e, msg);
	}
	return cli_emit_done(c, &e);
}

/* The level; with no state in the pin directory, that of the orphans if there are any. */
static int pressure_show(struct cli_ctx *c)
{
	struct ll_orphan orph[MAX_ORPHANS];
	int no;

	if (c->pins_incomplete)
		return cli_pins_incomplete(c->dir);
	if (!c->have_session) {
		no = orphans_find(c->dir, orph);
		if (!no)
			return cli_not_set_up(c->dir);
		return orphans_only(c, orph, no, 0);
	}
	return pressure_done(c, c->s.m.state);
}

static __u32 set_level;
static __u64 set_for_ns;
static int set_for_given;

static const struct cli_opt pressure_set_opts[] = {
	{ "for", CLI_DURATION, &set_for_ns, &set_for_given, .flags = CLI_ONCE,
	  .metavar = "DURATION", .help = "the override ends after DURATION (e.g. 30s, 5m, 2h); "
	  "without, it stays until cleared" },
	{ NULL },
};

static int pressure_set_prepare(struct cli_ctx *c)
{
	char err[256];

	if (ll_level_parse(c->argv[0], &set_level, err, sizeof(err)))
		return usage_error("%s", err);
	return 0;
}

static int pressure_set(struct cli_ctx *c)
{
	struct ll_state *st = c->s.m.state;

	/* --for is at most LL_DURATION_MAX_NS (365d): now + it cannot wrap */
	ll_state_override_set(st, set_level, ll_now_ns(), set_for_ns);
	return pressure_done(c, st);
}

static const struct cli_verb pressure_verbs[] = {
	{ "show", NULL, pressure_show, CLI_SESS_IF_PINS, NULL, NULL, 0, 0,
	  .summary = "the effective level, its source, and each vote (the default verb)",
	  .help = "Three votes make the level: lifelined's (held while its lease runs), the "
		  "manual override, and the kernel's (the datapath's own sightings). The highest "
		  "live one wins; an expired daemon lease fails open.",
	  .examples = "pressure\n-j pressure show" },
	{ "set", pressure_set_prepare, pressure_set, CLI_SESS_CREATE, pressure_set_opts,
	  "none|elevated|critical", 1, 1,
	  .missing = "pressure set needs a level: none, elevated or critical",
	  .summary = "override the level for DURATION, or until cleared",
	  .examples = "pressure set critical --for 30s\npressure set elevated" },
	{ "clear", NULL, pressure_clear, CLI_SESS_IF_PINS, NULL, NULL, 0, 0,
	  .summary = "end the override (that of orphans too)",
	  .examples = "pressure clear" },
};

const struct cli_object cli_pressure = { "pressure", pressure_verbs, CLI_NVERBS(pressure_verbs), "show" };
