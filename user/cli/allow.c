// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline allow add|del|list: management traffic, passed at every level (reg.c). */
#include "cli.h"
#include "reg.h"

static int allow_add_prepare(struct cli_ctx *c)
{
	return reg_add_prepare(c, LL_RULE_ALLOW);
}

static int allow_del_prepare(struct cli_ctx *c)
{
	return reg_del_prepare(c, LL_RULE_ALLOW);
}

static int allow_del(struct cli_ctx *c)
{
	return reg_del_run(c, LL_RULE_ALLOW);
}

static int allow_list(struct cli_ctx *c)
{
	return reg_list(c, LL_RULE_ALLOW);
}

static const struct cli_opt allow_add_opts[] = {
	REG_OPT_NAME,
	{ NULL },
};

static const struct cli_verb allow_verbs[] = {
	{ "add", allow_add_prepare, reg_add_run, CLI_SESS_CREATE, allow_add_opts, "SPEC", 1, 1,
	  .missing = "missing SPEC (e.g. nbd://198.51.100.7)",
	  .summary = "management traffic (SSH, the API), passed at every level",
	  .help = "SPEC as for flow add (lifeline help flow add).",
	  .examples = "allow add tcp://203.0.113.0/24:22 --name ssh" },
	{ "del", allow_del_prepare, allow_del, CLI_SESS_READ, NULL, "SPEC|NAME", 1, 1,
	  .missing = "allow del needs a SPEC or a NAME",
	  .summary = "remove an allow rule, by SPEC or NAME",
	  .examples = "allow del ssh" },
	{ "list", NULL, allow_list, CLI_SESS_READ, NULL, NULL, 0, 0,
	  .summary = "the allow rules, with their hits",
	  .examples = "allow list" },
};

const struct cli_object cli_allow = { "allow", allow_verbs, CLI_NVERBS(allow_verbs), NULL };
