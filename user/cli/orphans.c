// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Orphans (attach.h): lifeline programs on this namespace's interfaces
 * whose pins are gone. status shows them, pressure clear clears their
 * override, detach removes them, attach DEV replaces them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "emit.h"

/* Whether the pin directory holds a state map (lifeline is set up there). */
int pins_present(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%.4000s/%s", dir, ll_map_names[LL_MAP_STATE]);
	return !access(path, F_OK);
}

int orphans_find(const char *dir, struct ll_orphan *o)
{
	int n = ll_orphans_find(dir, o, MAX_ORPHANS);

	return n < 0 ? 0 : n;
}

/* One orphan: its programs, and its level when its state can be read. */
static void orphan_emit(struct emit *e, const struct ll_orphan *o)
{
	const char *hook = o->xdp_prog_id ? "xdp" : o->tc_policy ? "tc_ingress" : "none";
	struct ll_state *st;
	int fd = -1;

	emit_obj_begin(e, NULL);
	emit_str(e, FIELD_INTERFACE, "  %s: ", o->name);
	emit_u64(e, FIELD_IFINDEX, NULL, o->ifindex);
	emit_str(e, FIELD_POLICY_HOOK, NULL, hook);
	emit_text(e, "%s", !strcmp(hook, "xdp") ? "XDP policy" :
		  !strcmp(hook, "tc_ingress") ? "tc policy" :
		  "no policy, tc only (pfmemalloc check, egress marks)");
	emit_u64(e, FIELD_XDP_PROG_ID, o->xdp_prog_id ? ", XDP prog %llu" : NULL, o->xdp_prog_id);
	emit_u64(e, "tc_ingress_prog_id", o->tc_ingress_id ? ", tc ingress prog %llu" : NULL,
		 o->tc_ingress_id);
	emit_u64(e, "tc_egress_prog_id", o->tc_egress_id ? ", tc egress prog %llu" : NULL,
		 o->tc_egress_id);
	emit_bool(e, "verified", NULL, NULL, o->verified);
	emit_u64(e, "state_map_id", o->state_id ? ", state map %llu" : NULL, o->state_id);
	emit_text(e, "\n");
	if (o->verified)
		fd = ll_state_open_id(o->state_id, &st);
	if (fd >= 0) {
		emit_obj_begin(e, FIELD_PRESSURE);
		pressure_emit(e, st, "    ");
		emit_close(e);
		ll_state_close(fd, st);
	} else {
		emit_null(e, FIELD_PRESSURE);
		emit_str(e, "note", "    %s\n", !o->verified ?
			 "a filter at lifeline's tc handle that this directory did not attach; "
			 "reading it by id needs CAP_SYS_ADMIN" :
			 fd == -EPROTO ? "its state is of another lifeline version" : strerror(-fd));
	}
	emit_close(e);
}

/* The orphans part of status and pressure clear. */
void orphans_emit(struct emit *e, const struct ll_orphan *o, int n)
{
	if (n)
		emit_text(e, "ORPHANED: lifeline programs whose pins are gone (nothing else can "
			  "reach them):\n");
	emit_arr_begin(e, FIELD_ORPHANED);
	for (int i = 0; i < n; i++)
		orphan_emit(e, &o[i]);
	emit_close(e);
	if (n)
		emit_text(e, "  'lifeline pressure clear' clears their override; 'lifeline detach "
			  "DEV' (or --all) removes them; 'lifeline attach DEV' replaces them\n");
}

/* The one line that names the orphans and what to do. */
void orphans_msg(const struct ll_orphan *o, int n, const char *dir, char *msg, size_t len)
{
	char names[256] = "";
	int unverified = 0;

	for (int i = 0; i < n; i++) {
		size_t l = strlen(names);

		snprintf(names + l, sizeof(names) - l, "%s%s", i ? ", " : "", o[i].name);
		unverified += !o[i].verified;
	}
	if (unverified == n)
		snprintf(msg, len, "lifeline's tc filters on %s were not attached from %s (its pins "
			 "removed?): reading them by id needs CAP_SYS_ADMIN; run this as root with "
			 "CAP_SYS_ADMIN, or remove them with 'lifeline detach DEV'", names, dir);
	else
		snprintf(msg, len, "orphaned lifeline programs on %s: their pins are gone; "
			 "'lifeline pressure clear' clears their override, 'lifeline detach DEV' "
			 "removes them", names);
}

/*
 * status and pressure show when the pin directory holds no state but
 * orphans are attached (status lists no interfaces): failed, exit 1.
 */
int orphans_only(struct cli_ctx *c, const struct ll_orphan *o, int n, int status)
{
	struct emit e;
	char msg[512];

	emit_begin(&e);
	emit_str(&e, FIELD_PIN_PATH, "pin path: %s (no lifeline state there)\n", c->dir);
	emit_bool(&e, FIELD_SET_UP, NULL, NULL, 0);
	if (status) {
		emit_arr_begin(&e, FIELD_INTERFACES);
		emit_close(&e);
	}
	orphans_emit(&e, o, n);
	orphans_msg(o, n, c->dir, msg, sizeof(msg));
	return cli_emit_failed(c, &e, msg);
}
