// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline: the operator's command. `lifeline [OPTIONS] OBJECT [VERB] [ARGS]`:
 * the global options here, each object a table of verbs in user/cli/ (one
 * file per object), parsed, dispatched and documented by user/cli/cli.c.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "spec.h"

/*
 * The commands, in the order of the usage: each a table in user/cli/NAME.c.
 * A command that parses its own words can be added as
 *	const struct cli_object cli_x = { "x", .raw = do_x, .raw_usage = "..." };
 * until it gets a table of verbs.
 */
const struct cli_object *const cli_objects[] = {
	&cli_attach, &cli_detach, &cli_flow,  &cli_allow,   &cli_pressure, &cli_status, &cli_stats,
	&cli_sockets, &cli_tune,  &cli_strict, &cli_monitor, &cli_metrics, &cli_reserve,
	&cli_apply,   &cli_save,    &cli_explain,
};
const size_t cli_nobjects = sizeof(cli_objects) / sizeof(cli_objects[0]);

static const char usage_head[] =
"Usage: lifeline [OPTIONS] COMMAND [ARGS]\n"
"   or: lifeline help [COMMAND [VERB]]\n"
"\n"
"Keep network block I/O alive when the host runs short of memory: under\n"
"pressure, the XDP datapath passes registered block-I/O flows and drops the rest.\n"
"\n"
"Options:\n"
"  -j, --json            JSON output (errors too); also after the command\n"
"  -p, --pretty          indented JSON (implies -j)\n"
"  -v, --verbose         libbpf and kernel verifier messages\n"
"      --pin-path DIR    bpffs directory of this instance (default $LIFELINE_PIN_PATH,\n"
"                        else " LL_PIN_DEFAULT ")\n"
"      --max-flows N     flow table size when the maps are first created (default 65536)\n"
"      --max-rules N     rule table size when the maps are first created (default 4096)\n"
"  -h, --help            this text; after a command, that command's grammar,\n"
"                        options and examples (as lifeline help COMMAND)\n"
"  -V, --version         the version\n"
"\n"
"Commands:\n";

static const char usage_tail[] =
"\n"
"SPEC := nbd|iscsi|nvme-tcp|nfs|ceph://HOST[/PLEN][:PORT]\n"
"      | tcp|udp://ADDR[/PLEN][:PORT[-PORT]]\n"
"        default ports: nbd 10809, iscsi 3260, nvme-tcp 4420, nfs 2049,\n"
"        ceph 3300, 6789 and 6800-7300; IPv6 in brackets: tcp://[2001:db8::/64]:4420.\n"
"        HOST is a literal address. A rule matches packets from its prefix whose\n"
"        source or destination port is in range. With --local ADDR:PORT and a SPEC\n"
"        naming one host and one port, an exact 5-tuple flow is registered instead.\n"
"\n"
"Exit status: 0 success, 1 failure, 2 usage error, 3 the pin directory lacks\n"
"some map pins (status names them); apply --check: 1 a difference, 2 an error.\n"
"Every command but monitor, read-only ones (status, stats, flow list) included,\n"
"needs the privileges of the pins' owner (mode 0600): root, or in a container\n"
"uid 0 with CAP_BPF and CAP_NET_ADMIN; attach also needs CAP_PERFMON. State\n"
"lives in the pin directory and persists after the command.\n";

void cli_usage(FILE *f)
{
	fputs(usage_head, f);
	cli_commands_usage(f);
	fputs(usage_tail, f);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && ll_out.verbose < 2)
		return 0;
	if (!ll_out.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* The options before the command: optind of the command, or -(exit status + 1). */
static int global_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },	  { "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },	  { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	  { "pin-path", required_argument, NULL, 'P' },
		{ "max-flows", required_argument, NULL, 'F' },
		{ "max-rules", required_argument, NULL, 'R' },
		{},
	};
	char err[256];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jpvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j': ll_out.json = 1; break;
		case 'p': ll_out.json = ll_out.pretty = 1; break;
		case 'v': ll_out.verbose++; break;
		case 'h': cli_usage(stdout); return -(EXIT_SUCCESS + 1);
		case 'V': printf("lifeline %s (libbpf %s)\n", LL_VERSION, libbpf_version_string());
			  return -(EXIT_SUCCESS + 1);
		case 'P': cli_pin_opt = optarg; break;
		case 'F':
			if (ll_u32_parse(optarg, 1, 1U << 26, &cli_load_opts.max_flows, "--max-flows",
					 err, sizeof(err)))
				return -(usage_error("%s", err) + 1);
			break;
		case 'R':
			if (ll_u32_parse(optarg, 1, 1U << 20, &cli_load_opts.max_rules, "--max-rules",
					 err, sizeof(err)))
				return -(usage_error("%s", err) + 1);
			break;
		default:
			return -(usage_error("unknown option '%s'", argv[optind - 1]) + 1);
		}
	}
	return optind;
}

int main(int argc, char **argv)
{
	int first = global_options(argc, argv);

	if (first < 0)
		return -first - 1;
	libbpf_set_print(libbpf_print);
	if (first == argc)
		return usage_error("missing command");
	if (!strcmp(argv[first], "help"))
		return cli_help(argc - first - 1, argv + first + 1);
	for (size_t i = 0; i < cli_nobjects; i++)
		if (!strcmp(argv[first], cli_objects[i]->name))
			return cli_run(cli_objects[i], argc - first - 1, argv + first + 1);
	return usage_error("unknown command '%s'", argv[first]);
}
