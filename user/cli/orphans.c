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

json_object *orphan_json(const struct ll_orphan *o)
{
	json_object *j = json_object_new_object();
	struct ll_state *st;
	int fd;

	json_object_object_add(j, "interface", json_object_new_string(o->name));
	json_object_object_add(j, "ifindex", json_object_new_int(o->ifindex));
	json_object_object_add(j, "policy_hook", json_object_new_string(
		o->xdp_prog_id ? "xdp" : o->tc_policy ? "tc_ingress" : "none"));
	json_object_object_add(j, "xdp_prog_id", json_object_new_int64(o->xdp_prog_id));
	json_object_object_add(j, "tc_ingress_prog_id", json_object_new_int64(o->tc_ingress_id));
	json_object_object_add(j, "tc_egress_prog_id", json_object_new_int64(o->tc_egress_id));
	json_object_object_add(j, "verified", json_object_new_boolean(o->verified));
	json_object_object_add(j, "state_map_id", json_object_new_int64(o->state_id));
	if (!o->verified) {
		json_object_object_add(j, "pressure", NULL);
		json_object_object_add(j, "note", json_object_new_string(
			"a filter at lifeline's tc handle that this directory did not attach; reading "
			"it by id needs CAP_SYS_ADMIN"));
		return j;
	}
	fd = ll_state_open_id(o->state_id, &st);
	if (fd < 0) {
		json_object_object_add(j, "pressure", NULL);
		json_object_object_add(j, "note", json_object_new_string(
			fd == -EPROTO ? "its state is of another lifeline version" : strerror(-fd)));
		return j;
	}
	json_object_object_add(j, "pressure", pressure_json(st));
	ll_state_close(fd, st);
	return j;
}

/* The orphans part of status and pressure clear, as text. */
void orphans_human(json_object *arr)
{
	size_t n = arr ? json_object_array_length(arr) : 0;

	if (!n)
		return;
	printf("ORPHANED: lifeline programs whose pins are gone (nothing else can reach them):\n");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i), *pr;

		printf("  %s: %s", js(e, "interface"),
		       !strcmp(js(e, "policy_hook"), "xdp") ? "XDP policy" :
		       !strcmp(js(e, "policy_hook"), "tc_ingress") ? "tc policy" :
		       "no policy, tc only (pfmemalloc check, egress marks)");
		if (ji(e, "xdp_prog_id"))
			printf(", XDP prog %lld", ji(e, "xdp_prog_id"));
		if (ji(e, "tc_ingress_prog_id"))
			printf(", tc ingress prog %lld", ji(e, "tc_ingress_prog_id"));
		if (ji(e, "tc_egress_prog_id"))
			printf(", tc egress prog %lld", ji(e, "tc_egress_prog_id"));
		if (ji(e, "state_map_id"))
			printf(", state map %lld", ji(e, "state_map_id"));
		printf("\n");
		if (json_object_object_get_ex(e, "pressure", &pr) && pr)
			pressure_human_body(pr, "    ");
		else
			printf("    %s\n", js(e, "note"));
	}
	printf("  'lifeline pressure clear' clears their override; 'lifeline detach DEV' (or "
	       "--all) removes them; 'lifeline attach DEV' replaces them\n");
}

/* status when the pin directory holds no state but orphans are attached */
void status_orphans_human(json_object *o)
{
	json_object *arr;

	printf("pin path: %s (no lifeline state there)\n", js(o, "pin_path"));
	json_object_object_get_ex(o, "orphaned", &arr);
	orphans_human(arr);
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
 * orphans are attached (status lists no interfaces).
 */
json_object *orphans_only_json(const char *dir, const struct ll_orphan *o, int n, int status)
{
	json_object *j = json_object_new_object(), *arr = json_object_new_array();

	json_object_object_add(j, "pin_path", json_object_new_string(dir));
	json_object_object_add(j, "set_up", json_object_new_boolean(0));
	if (status)
		json_object_object_add(j, "interfaces", json_object_new_array());
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, orphan_json(&o[i]));
	json_object_object_add(j, "orphaned", arr);
	return j;
}
