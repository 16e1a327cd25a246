// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline pressure [show] | set LEVEL [--for DURATION] | clear: the level and its votes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "engine.h"
#include "spec.h"
#include "state.h"

static json_object *vote_json(const struct ll_vote *v, __u64 now, int active)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "level", json_object_new_string(ll_level_name(v->level)));
	json_object_object_add(o, "source", json_object_new_string(ll_source_name(v->source)));
	json_object_object_add(o, "active", json_object_new_boolean(active));
	if (v->expires_ns)
		json_object_object_add(o, "expires_in_s", json_object_new_double(
			((double)v->expires_ns - (double)now) / 1e9));
	else
		json_object_object_add(o, "expires_in_s", NULL);
	return o;
}

json_object *pressure_json(const struct ll_state *map)
{
	json_object *o = json_object_new_object(), *votes = json_object_new_object();
	struct ll_state snap, *st = &snap;
	__u64 now = ll_now_ns();
	__u32 src, level;
	int expired;
	const struct ll_vote *win;

	ll_state_snapshot(map, &snap);
	level = ll_level_of(st, now, &src, &expired);
	win = src == LL_SRC_MANUAL ? &st->override :
	      st->kernel.level > st->daemon.level || expired ? &st->kernel : &st->daemon;

	json_object_object_add(o, "level", json_object_new_string(ll_level_name(level)));
	json_object_object_add(o, "source", json_object_new_string(ll_source_name(src)));
	json_object_object_add(o, "since_s", level && win->since_ns ?
			       json_object_new_double(((double)now - (double)win->since_ns) / 1e9) : NULL);
	json_object_object_add(o, "lease_expired", json_object_new_boolean(expired));
	json_object_object_add(votes, "daemon", vote_json(&st->daemon, now,
							  ll_vote_live(&st->daemon, now)));
	json_object_object_add(votes, "override", vote_json(&st->override, now,
							    ll_override_in_effect(st, now)));
	json_object_object_add(votes, "kernel", vote_json(&st->kernel, now,
							  ll_vote_live(&st->kernel, now)));
	json_object_object_add(o, "votes", votes);
	json_object_object_add(o, "budget_rate_bytes_per_s", json_object_new_int64(st->budget_rate));
	json_object_object_add(o, "budget_burst_bytes", json_object_new_int64(st->budget_burst));
	json_object_object_add(o, "budget_pps", json_object_new_int64(st->budget_pps));
	json_object_object_add(o, "strict", json_object_new_boolean(st->strict));
	return o;
}

/*
 * One vote's STATE cell. An inactive daemon vote says why: lifelined
 * running at level none holds a lease (expires in the future), a stopped
 * one cleared it, a killed or hung one let it run out.
 */
static void vote_state_human(json_object *v, int daemon)
{
	json_object *exp;
	char buf[64];
	double s = 0;
	int has_exp = json_object_object_get_ex(v, "expires_in_s", &exp) && exp;

	if (has_exp) {
		s = json_object_get_double(exp);
		fmt_duration(buf, sizeof(buf), s < 0 ? -s : s);
		printf("%s %s%s", s < 0 ? "expired" : "expires in", buf, s < 0 ? " ago" : "");
	} else if (ji(v, "active")) {
		printf("until cleared");
	}
	if (ji(v, "active"))
		printf("\n");
	else if (!daemon)
		printf("%s(inactive)\n", has_exp ? "  " : "");
	else if (has_exp && s >= 0)
		printf("  (lifelined running, votes none)\n");
	else if (has_exp)
		printf("  (inactive: lifelined killed or hung)\n");
	else
		printf("(inactive: lifelined not running)\n");
}

void pressure_human_body(json_object *o, const char *indent)
{
	static const char *const names[] = { "daemon", "override", "kernel" };
	json_object *votes, *since;
	char buf[64];

	printf("%slevel:  %s", indent, js(o, "level"));
	if (strcmp(js(o, "level"), "none")) {
		printf(" (source %s", js(o, "source"));
		/* how long the winning vote has held the level (not --for, which is ahead) */
		if (json_object_object_get_ex(o, "since_s", &since) && since) {
			fmt_duration(buf, sizeof(buf), json_object_get_double(since));
			printf(", held %s", buf);
		}
		printf(")");
	}
	printf("%s\n", ji(o, "lease_expired") ? "  [daemon lease EXPIRED: failing open]" : "");
	json_object_object_get_ex(o, "votes", &votes);
	printf("%s  %-9s %-9s %-13s%s\n", indent, "VOTE", "LEVEL", "SOURCE", "STATE");
	for (int i = 0; i < 3; i++) {
		json_object *v;

		json_object_object_get_ex(votes, names[i], &v);
		printf("%s  %-9s %-9s %-13s", indent, names[i], js(v, "level"), js(v, "source"));
		vote_state_human(v, i == 0);
	}
	printf("%sstrict: %s\n", indent, ji(o, "strict") ?
	       "on (at critical, registered TCP for this host needs a local socket)" :
	       "off (per-flow --strict only)");
}

static void pressure_human(json_object *o)
{
	pressure_human_body(o, "");
}

static void pressure_clear_human(json_object *o)
{
	json_object *arr;

	if (ji(o, "set_up"))
		pressure_human_body(o, "");
	else
		printf("no lifeline state at %s\n", js(o, "pin_path"));
	json_object_object_get_ex(o, "orphaned", &arr);
	if (arr && json_object_array_length(arr))
		printf("and the override of each orphan that could be read:\n");
	orphans_human(arr);
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
	json_object *j, *arr;
	char msg[512];

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
	if (c->have_session) {
		ll_state_override_clear(c->s.m.state);
		j = pressure_json(c->s.m.state);
	} else {
		j = json_object_new_object();
		json_object_object_add(j, "pin_path", json_object_new_string(c->dir));
	}
	json_object_object_add(j, "set_up", json_object_new_boolean(c->have_session));
	arr = json_object_new_array();
	for (int i = 0; i < no; i++) {
		if (st[i])
			ll_state_override_clear(st[i]);
		ll_state_close(fd[i], st[i]);
		json_object_array_add(arr, orphan_json(&orph[i]));
	}
	json_object_object_add(j, "orphaned", arr);
	if (nu) {
		orphans_msg(unread, nu, c->dir, msg, sizeof(msg));
		return cli_failed(c, j, pressure_clear_human, msg);
	}
	return cli_emit(c, j, pressure_clear_human);
}

/* The level; with no state in the pin directory, that of the orphans if there are any. */
static int pressure_show(struct cli_ctx *c)
{
	struct ll_orphan orph[MAX_ORPHANS];
	char msg[512];
	int no;

	if (!c->have_session) {
		no = orphans_find(c->dir, orph);
		if (!no)
			return cli_not_set_up(c->dir);
		orphans_msg(orph, no, c->dir, msg, sizeof(msg));
		return cli_failed(c, orphans_only_json(c->dir, orph, no, 0), status_orphans_human,
				  msg);
	}
	return cli_emit(c, pressure_json(c->s.m.state), pressure_human);
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
	return cli_emit(c, pressure_json(st), pressure_human);
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
