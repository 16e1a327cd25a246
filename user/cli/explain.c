// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline explain PROTO from ADDR[:PORT] to ADDR[:PORT] [dev IF] ...
 * lifeline explain --sockets [dev IF]
 * The packet's words are positional (as `ip route get` takes them) and are
 * parsed by user/explain.c; the run is there too.
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "explain.h"
#include "spec.h"

static struct {
	int sockets;
	struct ll_explain_pkt p;
	const char *dev;
} ex;

static int explain_prepare(struct cli_ctx *c)
{
	char err[512];

	if (ex.sockets) {
		if (c->argc != 0 && (c->argc != 2 || strcmp(c->argv[0], "dev")))
			return usage_error("explain --sockets takes only 'dev IF'");
		ex.dev = c->argc ? c->argv[1] : NULL;
		if (ex.dev && ll_ifname_check(ex.dev, err, sizeof(err)))
			return usage_error("%s", err);
		return 0;
	}
	if (!c->argc)
		return usage_error("explain needs a packet: lifeline explain PROTO from ADDR[:PORT] "
				   "to ADDR[:PORT] (or --sockets)");
	if (ll_explain_args(c->argc, c->argv, &ex.p, &ex.dev, err, sizeof(err)))
		return usage_error("%s", err);
	return 0;
}

static int explain_run(struct cli_ctx *c)
{
	json_object *o;
	char err[512];
	int ret;

	if (ex.sockets)
		ret = ll_explain_sockets(&c->s.m, ex.dev, &o, err, sizeof(err));
	else
		ret = ll_explain_cli(&c->s.m, &ex.p, ex.dev, &o, err, sizeof(err));
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	return cli_emit(c, o, ex.sockets ? ll_explain_sockets_print : ll_explain_print);
}

static const struct cli_opt explain_opts[] = {
	{ "sockets", CLI_FLAG, &ex.sockets,
	  .help = "every established TCP connection here, as its next incoming segment at "
		  "critical: lists those that would be dropped (a check before pressure)" },
	{ NULL },
};

static const struct cli_verb explain_verbs[] = {
	/* the session is released at once: loading the private copy takes a while */
	{ NULL, explain_prepare, explain_run, CLI_SESS_READ_UNLOCKED, explain_opts,
	  "PROTO from ADDR[:PORT] to ADDR[:PORT] [dev IF] [flags F,...] [type N] [code N] "
	  "[len BYTES]", 0, 64,
	  .summary = "what the datapath does with a packet received on IF, at each level: the "
		     "allow rule, flow or endpoint rule it matches and the verdict, without "
		     "changing counters or the level",
	  .help = "The packet runs through the datapath's own decision, in a private copy of "
		  "the program over the live rule tables (ll_xdp, or ll_tc_policy on a --mode tc "
		  "interface), strict as configured; counters, flow hits, budget and level stay "
		  "as they are. IF defaults to the one attached interface. PROTO: tcp, udp, "
		  "icmp, icmpv6 or a number; flags (tcp, default ack): fin, syn, rst, psh, ack, "
		  "urg, ece, cwr; type and code: the ICMP header's; len: the payload after the "
		  "TCP, UDP or ICMP header, 0 to 1400 bytes (default 0), which sets the frame's "
		  "length (an ICMP error passes as an essential only up to its size limit).",
	  .examples = "explain tcp from 198.51.100.7:10809 to 192.0.2.1:40000 dev eth0\n"
		      "explain tcp from [2001:db8::7]:50000 to [2001:db8::1]:3260 flags syn\n"
		      "-j explain udp from 203.0.113.5:53 to 192.0.2.1:41000\n"
		      "explain icmp from 203.0.113.5 to 192.0.2.1 type 3 code 4 len 548\n"
		      "explain --sockets dev eth0" },
};

const struct cli_object cli_explain = { "explain", explain_verbs, CLI_NVERBS(explain_verbs),
					NULL };
