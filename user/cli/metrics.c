// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline metrics: the counters and state in Prometheus exposition format. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "metrics.h"

static int do_metrics(struct cli_ctx *c)
{
	int ret = ll_metrics_write(stdout, &c->s.m);

	if (ret)
		return out_error(EXIT_FAILURE, "cannot read the metrics: %s", strerror(-ret));
	return 0;
}

static const struct cli_verb metrics_verbs[] = {
	{ NULL, NULL, do_metrics, CLI_SESS_READ_UNLOCKED, NULL, NULL, 0, 0,
	  .summary = "the counters and state in Prometheus exposition format",
	  .examples = "metrics" },
};

const struct cli_object cli_metrics = { "metrics", metrics_verbs, CLI_NVERBS(metrics_verbs), NULL };
