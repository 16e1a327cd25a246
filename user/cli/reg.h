/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the flow and allow objects share (reg.c). */
#ifndef LL_CLI_REG_H
#define LL_CLI_REG_H

#include "cli.h"
#include "regargs.h"

/* the options of add and del, parsed by the tables of flow.c and allow.c */
struct reg_opts {
	const char *name;
	const char *local;
	int strict;
	int name_given, local_given;
};
extern struct reg_opts reg_opts;

/* --name: the rule name check (spec.h) */
int reg_name_arg(const char *s, void *dest, char *err, size_t len);

void rec_of_flow(const struct ll_flow_key *k, struct ll_rule_rec *r);

int reg_add_prepare(struct cli_ctx *c, __u32 kind);
int reg_add_run(struct cli_ctx *c);
int reg_del_prepare(struct cli_ctx *c, __u32 kind);
int reg_del_run(struct cli_ctx *c, __u32 kind);
int reg_list(struct cli_ctx *c, __u32 kind);

#define REG_OPT_NAME \
	{ "name", CLI_CUSTOM, &reg_opts.name, &reg_opts.name_given, .parse = reg_name_arg, \
	  .flags = CLI_ONCE, .metavar = "NAME", \
	  .help = "a name for the rule: printable ASCII, no spaces, at most 31 characters" }
#define REG_OPT_LOCAL(what) \
	{ "local", CLI_STRING, &reg_opts.local, &reg_opts.local_given, .flags = CLI_ONCE, \
	  .metavar = "ADDR:PORT", .help = what }

#endif
