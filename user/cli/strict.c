// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline strict on|off|show: the socket check of registered TCP at critical. */
#include <stdio.h>
#include "cli.h"
#include "emit.h"
#include "state.h"

static int strict_run(struct cli_ctx *c, int set)
{
	struct ll_state snap;
	struct emit e;

	if (set >= 0)
		ll_state_strict(c->s.m.state, set);
	ll_state_snapshot(c->s.m.state, &snap);
	emit_begin(&e);
	emit_text(&e, "strict mode: ");
	emit_bool(&e, FIELD_STRICT, "on (at critical, registered TCP packets for this host need a "
		  "local socket; forwarded ones are not checked)", "off (per-flow --strict only)",
		  snap.strict);
	emit_text(&e, "\n");
	emit_end(&e);
	return 0;
}

static int strict_on(struct cli_ctx *c)
{
	return strict_run(c, 1);
}

static int strict_off(struct cli_ctx *c)
{
	return strict_run(c, 0);
}

static int strict_show(struct cli_ctx *c)
{
	return strict_run(c, -1);
}

static const struct cli_verb strict_verbs[] = {
	{ "on", NULL, strict_on, CLI_SESS_CREATE, NULL, NULL, 0, 0,
	  .summary = "at critical, pass a registered TCP packet for this host only if a local "
		     "socket exists for it (spoofed 5-tuples get nothing; forwarded traffic is not "
		     "checked). On by default; per flow: --strict",
	  .examples = "strict on" },
	{ "off", NULL, strict_off, CLI_SESS_CREATE, NULL, NULL, 0, 0,
	  .summary = "per-flow --strict only", .examples = "strict off" },
	{ "show", NULL, strict_show, CLI_SESS_READ, NULL, NULL, 0, 0,
	  .summary = "whether it is on (the default verb)", .examples = "strict" },
};

const struct cli_object cli_strict = { "strict", strict_verbs, CLI_NVERBS(strict_verbs), "show" };
