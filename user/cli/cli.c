// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The generic part of the command: one option parser for every verb's
 * table, the dispatcher that opens and closes the pin session a verb
 * declares, and the help generated from the same tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "cli.h"
#include "emit.h"
#include "config.h"
#include "spec.h"

const char *cli_pin_opt;
struct ll_load_opts cli_load_opts;
int cli_failure = EXIT_FAILURE;

int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return out_error(EXIT_USAGE, "%s (see lifeline --help)", msg);
}

/* ---------------------------------------------------------------- privileges */

static int have_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 eff;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	eff = data[0].effective | ((__u64)data[1].effective << 32);
#define HAS(c) (eff & (1ULL << (c)))
	return (HAS(CAP_BPF) || HAS(CAP_SYS_ADMIN)) && HAS(CAP_NET_ADMIN);
#undef HAS
}

int need_privileges(void)
{
	if (have_privileges())
		return 0;
	return out_error(cli_failure, "permission denied: lifeline needs root, or CAP_BPF and "
			 "CAP_NET_ADMIN (run it with sudo)");
}

/* ---------------------------------------------------------------- state access */

/*
 * The pin directory, refused before anything is created when bpffs could
 * never hold it (a '.' in a name on bpffs: the kernel's bare EPERM says
 * nothing about why).
 */
int pin_dir(const char **dir)
{
	static char norm[PATH_MAX];
	const char *env = getenv(LL_PIN_ENV);
	char why[PATH_MAX + 200];

	/* the one check (maps.h), before anything is created or chmodded */
	if (ll_pin_path_validate(ll_pin_path(cli_pin_opt), norm, sizeof(norm), why, sizeof(why)))
		return usage_error("%s %s",
				   cli_pin_opt ? "--pin-path" : env ? LL_PIN_ENV : "pin path",
				   why);
	*dir = norm;
	return 0;
}

int cli_not_set_up(const char *dir)
{
	return out_error(cli_failure, "lifeline is not set up at %s (nothing attached or "
			 "registered yet; start with 'lifeline attach DEV')", dir);
}

/*
 * Which map pins dir has (had[i]); how many are missing. *created (may be
 * NULL): the state pin is missing, ENOENT (not an error that hides it).
 */
static int pins_walk(const char *dir, char *had, int *created)
{
	char path[PATH_MAX];
	int n = 0;

	for (int i = 0; i < LL_MAP_MAX; i++) {
		snprintf(path, sizeof(path), "%.4000s/%s", dir, ll_map_names[i]);
		had[i] = !access(path, F_OK);
		if (i == LL_MAP_STATE && created)
			*created = !had[i] && errno == ENOENT;
		n += !had[i];
	}
	return n;
}

int pins_missing(const char *dir, char *names, size_t len, int *only_observe)
{
	char had[LL_MAP_MAX];
	int n = 0;

	if (names && len)
		names[0] = '\0';
	if (only_observe)
		*only_observe = 1;
	pins_walk(dir, had, NULL);
	for (int i = 0; i < LL_MAP_MAX; i++) {
		if (had[i])
			continue;
		if (names && len) {
			size_t l = strlen(names);

			snprintf(names + l, len - l, "%s%s", n ? ", " : "", ll_map_names[i]);
		}
		if (only_observe && i != LL_MAP_OBSERVE_XDP && i != LL_MAP_OBSERVE_TC)
			*only_observe = 0;
		n++;
	}
	return n;
}

/*
 * Some map pins gone, the state's still there (removed by hand): the
 * programs attached go on using the maps they were loaded with, which no
 * command reaches now. What restores them: attach DEV on an attached
 * interface pins a new, empty map and renews the programs on every
 * attachment over it (user/renew.c); what the lost map held (flows, rules)
 * comes back with an apply of a saved registry.
 */
void pins_incomplete_msg(const char *dir, char *msg, size_t len)
{
	char names[512], devs[256] = "";
	struct ll_iface ifs[16];
	int observe, n;

	pins_missing(dir, names, sizeof(names), &observe);
	n = ll_iface_list(dir, ifs, 16);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(devs);

		snprintf(devs + l, sizeof(devs) - l, "%s%s", i ? ", " : "",
			 ifs[i].name[0] ? ifs[i].name : "(gone)");
	}
	if (observe)
		snprintf(msg, len, "lifeline's pins at %s are incomplete: %s missing (removed by "
			 "hand?); 'lifeline attach DEV' on each attached interface (%s) pins it "
			 "again and renews the programs", dir, names, n > 0 ? devs : "none");
	else
		snprintf(msg, len, "lifeline's pins at %s are incomplete: %s missing (removed by "
			 "hand?); 'lifeline attach DEV' on an attached interface (%s) pins it again, "
			 "empty, and renews the programs; then 'lifeline apply FILE' (a registry "
			 "saved before) restores what it held", dir, names, n > 0 ? devs : "none");
}

int cli_pins_incomplete(const char *dir)
{
	char msg[1024];

	pins_incomplete_msg(dir, msg, sizeof(msg));
	return out_error(EXIT_PINS, "%s", msg);
}

/* The maps and the instance lock, taken first; create: the maps are created when missing. */
static int session_lock(struct session *s, const char *dir, int create)
{
	int err;

	/*
	 * The lock comes first: two CLIs (or the CLI and the daemon) never
	 * interleave a change, nor race to create the maps.
	 */
	if (create) {
		err = ll_pin_dir_prepare(dir);
		if (err == -ENOTSUP)
			return out_error(cli_failure, "%s is not on a bpffs mount; mount one with "
					 "'mount -t bpf bpf DIR' or use --pin-path", dir);
		if (err)
			return out_error(cli_failure, "cannot create %s: %s", dir, strerror(-err));
	}
	s->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->lock_fd >= 0)
		flock(s->lock_fd, LOCK_EX);
	if (create)
		pins_walk(dir, s->had, &s->created);
	return 0;
}

/* Opens the maps (creating them when create is set) and takes the instance lock. */
int session_open(struct session *s, int create)
{
	const char *dir;
	int err;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	if ((err = pin_dir(&dir)))
		return err;
	if (need_privileges())
		return cli_failure;
	if ((err = session_lock(s, dir, create)))
		return err;
	err = create ? ll_maps_open_or_create(&s->m, dir, &cli_load_opts) : ll_maps_open(&s->m, dir);
	if (err == -ENOENT && !create) {
		session_close(s);
		return pins_present(dir) ? cli_pins_incomplete(dir) : cli_not_set_up(dir);
	}
	if (err) {
		char buf[256];
		const char *why = ll_maps_strerror(&s->m, err, buf, sizeof(buf));

		session_close(s);
		return out_error(cli_failure, "cannot open the lifeline maps at %s: %s", dir, why);
	}
	return 0;
}

void session_close(struct session *s)
{
	ll_maps_close(&s->m);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

/* The session the verb declares: 0, or the exit status of the failure (printed). */
static int cli_session_begin(struct cli_ctx *c)
{
	enum cli_session m = c->verb->sess;
	int ret;

	if (m == CLI_SESS_NONE)
		return 0;
	if (m != CLI_SESS_PRIV && (ret = pin_dir(&c->dir)))
		return ret;
	if (need_privileges())
		return cli_failure;
	if (m == CLI_SESS_PRIV || m == CLI_SESS_PIN)
		return 0;
	if (m == CLI_SESS_IF_PINS && !pins_present(c->dir))
		return 0;
	/* incomplete pins: the verb says so (status, with the interfaces recorded) */
	if (m == CLI_SESS_IF_PINS && pins_missing(c->dir, NULL, 0, NULL)) {
		c->pins_incomplete = 1;
		return 0;
	}
	if ((ret = session_open(&c->s, m == CLI_SESS_CREATE)))
		return ret;
	c->have_session = 1;
	/* Reading needs no lock: let writers proceed while we sample. */
	if (m == CLI_SESS_READ_UNLOCKED && c->s.lock_fd >= 0)
		flock(c->s.lock_fd, LOCK_UN);
	return 0;
}

int cli_emit_done(struct cli_ctx *c, struct emit *e)
{
	emit_take(e, &c->out, &c->text);
	c->human = NULL;
	return 0;
}

int cli_emit_failed(struct cli_ctx *c, struct emit *e, const char *msg)
{
	snprintf(c->fail, sizeof(c->fail), "%s", msg);
	cli_emit_done(c, e);
	return c->fail_code ? c->fail_code : EXIT_FAILURE;
}

/* The command's output: its object or text, with c->fail as its error (one line on stderr too). */
static void cli_print(struct cli_ctx *c)
{
	if (c->out && c->fail[0]) {
		json_object_object_add(c->out, "error", json_object_new_string(c->fail));
		json_object_object_add(c->out, "exit_code",
				       json_object_new_int(c->fail_code ? c->fail_code : EXIT_FAILURE));
	}
	if (c->out)
		out_emit(c->out, c->human);
	if (c->text) {
		fputs(c->text, stdout);
		fflush(stdout);
		free(c->text);
	}
	if (c->fail[0] && (c->out || c->text))
		fprintf(stderr, "lifeline: %s\n", c->fail);
}

/* ---------------------------------------------------------------- the parser */

static const char *verb_path(const struct cli_ctx *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", c->obj->name, c->verb->name ? " " : "",
		 c->verb->name ? c->verb->name : "");
	return buf;
}

static int is_json_flag(const char *a)
{
	return !strcmp(a, "-j") || !strcmp(a, "--json");
}

static int is_pretty_flag(const char *a)
{
	return !strcmp(a, "-p") || !strcmp(a, "--pretty");
}

static int is_help_flag(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help");
}

static const struct cli_opt *opt_find(const struct cli_opt *opts, const char *name, size_t len)
{
	for (const struct cli_opt *o = opts; o && o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

/* One option's value into its destination, by the typed parser of its kind. */
static int opt_value(const struct cli_opt *o, const char *v, char *err, size_t len)
{
	char what[64], e[256];

	snprintf(what, sizeof(what), "--%s", o->name);
	switch (o->type) {
	case CLI_FLAG:
		*(int *)o->dest = 1;
		return 0;
	case CLI_U32:
		return ll_u32_parse(v, o->min, o->max, o->dest, what, err, len);
	case CLI_CONF:
		/* one validator: the config key's (bounds, size suffixes) */
		if (!ll_config_parse_value(o->conf_section, o->conf_key, v, o->dest, o->size, e,
					   sizeof(e)))
			return 0;
		snprintf(err, len, "%s %s", what, e);
		return -EINVAL;
	case CLI_DURATION:
		return ll_duration_parse(v, o->dest, err, len);
	case CLI_STRING:
		*(const char **)o->dest = v;
		return 0;
	case CLI_CUSTOM:
		return o->parse(v, o->dest, err, len);
	}
	return -EINVAL;
}

/*
 * One option at argv[*i] (after its "--"): its value is the next word
 * whatever it looks like (--name -j names a rule "-j"). 0, or -EINVAL with
 * err set; *i moves past the value.
 */
static int opt_parse(const struct cli_ctx *c, int argc, char **argv, int *i, char *err,
		     size_t len)
{
	const char *a = argv[*i], *eq = strchr(a, '='), *v = NULL;
	size_t nlen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
	const struct cli_opt *o = a[1] == '-' ? opt_find(c->verb->opts, a + 2, nlen) : NULL;
	char path[64];

	if (!o) {
		snprintf(err, len, "unexpected argument '%s' to %s", a, verb_path(c, path,
										 sizeof(path)));
		return -EINVAL;
	}
	if (o->type == CLI_FLAG && eq) {
		snprintf(err, len, "--%s takes no value", o->name);
		return -EINVAL;
	}
	if (o->type != CLI_FLAG) {
		if (eq)
			v = eq + 1;
		else if (*i + 1 < argc)
			v = argv[++*i];
		else {
			snprintf(err, len, "--%s needs a value", o->name);
			return -EINVAL;
		}
	}
	/* the last one silently winning hides a typo: refuse */
	if ((o->flags & CLI_ONCE) && o->given && *o->given) {
		snprintf(err, len, "--%s given twice", o->name);
		return -EINVAL;
	}
	if (opt_value(o, v, err, len))
		return -EINVAL;
	if (o->given)
		*o->given = 1;
	return 0;
}

enum { PARSED, PARSED_HELP };

/*
 * The verb's arguments: options by its table, -j/-p wherever an option may
 * stand, -h/--help, the rest positional (packed into c->argv). The first
 * error is reported after the whole line is read, so a later -j still
 * makes it JSON. Returns PARSED, PARSED_HELP or an exit status.
 */
static int cli_parse(struct cli_ctx *c, int argc, char **argv)
{
	char err[512] = "", e[512], path[64];
	int n = 0, help = 0, only_pos = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (only_pos || a[0] != '-' || !a[1]) {
			argv[n++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = 1;
		} else if (is_json_flag(a)) {
			ll_out.json = 1;
		} else if (is_pretty_flag(a)) {
			ll_out.json = ll_out.pretty = 1;
		} else if (is_help_flag(a)) {
			help = 1;
		} else if (opt_parse(c, argc, argv, &i, e, sizeof(e)) && !err[0]) {
			snprintf(err, sizeof(err), "%s", e);
		}
	}
	c->argc = n;
	c->argv = argv;
	if (help)
		return PARSED_HELP;
	if (err[0])
		return usage_error("%s", err);
	if (n > c->verb->max_args)
		return usage_error("unexpected argument '%s' to %s", argv[c->verb->max_args],
				   verb_path(c, path, sizeof(path)));
	if (n < c->verb->min_args) {
		if (c->verb->missing)
			return usage_error("%s", c->verb->missing);
		return usage_error("%s needs %s", verb_path(c, path, sizeof(path)), c->verb->args);
	}
	return PARSED;
}

/* ---------------------------------------------------------------- help */

#define HELP_COL 25
#define HELP_WIDTH 79

/*
 * text, word-wrapped to HELP_WIDTH: the first line goes on from column col,
 * the others (and those after a '\n' in text) start at column indent.
 */
static void wrap(FILE *f, const char *text, int col, int indent)
{
	const char *p = text;
	int first = 1;

	while (*p) {
		size_t w = strcspn(p, " \n");

		if (!first && col + 1 + (int)w > HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)w, p);
		col += (int)w;
		p += w;
		first = 0;
		if (*p == '\n') {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
			first = 1;
			p++;
		}
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* "[--mode auto|native|generic|tc] [--no-tc]" */
static int opts_synopsis(char *buf, size_t len, const struct cli_opt *opts)
{
	size_t l = 0;

	for (const struct cli_opt *o = opts; o && o->name && l < len; o++)
		l += snprintf(buf + l, len - l, " [--%s%s%s]", o->name, o->metavar ? " " : "",
			      o->metavar ? o->metavar : "");
	return (int)l;
}

/* "flow add SPEC [--name NAME] ...", or with brief set "... [OPTIONS]" */
static void verb_synopsis(char *buf, size_t len, const struct cli_object *obj,
			  const struct cli_verb *v, int brief)
{
	int l = snprintf(buf, len, "%s%s%s%s%s", obj->name, v->name ? " " : "",
			 v->name ? v->name : "", v->args ? " " : "", v->args ? v->args : "");

	if (brief && v->opts && v->opts->name)
		snprintf(buf + l, len - l, " [OPTIONS]");
	else if (!brief)
		opts_synopsis(buf + l, len - l, v->opts);
}

static void verb_help(FILE *f, const struct cli_object *obj, const struct cli_verb *v)
{
	char syn[512];

	verb_synopsis(syn, sizeof(syn), obj, v, 0);
	fprintf(f, "Usage: lifeline [OPTIONS] ");
	wrap(f, syn, 26, 8);
	fputs("\n", f);
	wrap(f, v->summary, 0, 0);
	if (v->help) {
		fputs("\n", f);
		wrap(f, v->help, 0, 0);
	}
	fputs("\nOptions:\n", f);
	for (const struct cli_opt *o = v->opts; o && o->name; o++) {
		char opt[128];
		int l = snprintf(opt, sizeof(opt), "  --%s%s%s", o->name, o->metavar ? " " : "",
				 o->metavar ? o->metavar : "");

		if (l + 2 > HELP_COL)
			fprintf(f, "%s\n%*s", opt, HELP_COL, "");
		else
			fprintf(f, "%-*s", HELP_COL, opt);
		wrap(f, o->help, HELP_COL, HELP_COL);
	}
	fprintf(f, "%-*s", HELP_COL, "  -j, --json");
	wrap(f, "JSON output (errors too); -p, --pretty: indented", HELP_COL, HELP_COL);
	fprintf(f, "%-*s", HELP_COL, "  -h, --help");
	wrap(f, "this text; the global options: lifeline --help", HELP_COL, HELP_COL);
	if (v->examples) {
		const char *p = v->examples;

		fputs("\nExamples:\n", f);
		while (*p) {
			size_t w = strcspn(p, "\n");

			fprintf(f, "  lifeline %.*s\n", (int)w, p);
			p += w + (p[w] == '\n');
		}
	}
}

static int object_help(FILE *f, const struct cli_object *obj)
{
	for (int i = 0; i < obj->nverbs; i++) {
		if (i)
			fputs("\n", f);
		verb_help(f, obj, &obj->verbs[i]);
	}
	return EXIT_SUCCESS;
}

/* The commands of the global usage: each verb's synopsis, its summary at HELP_COL. */
void cli_commands_usage(FILE *f)
{
	for (size_t k = 0; k < cli_nobjects; k++) {
		const struct cli_object *obj = cli_objects[k];

		if (obj->raw) {
			fprintf(f, "  %-*s", HELP_COL - 2, obj->name);
			wrap(f, obj->raw_usage, HELP_COL, HELP_COL);
		}
		for (int i = 0; i < obj->nverbs; i++) {
			char syn[512];

			/* one line each (help2man makes it a tagged paragraph) */
			verb_synopsis(syn, sizeof(syn), obj, &obj->verbs[i], 0);
			if (strlen(syn) + 2 > HELP_WIDTH)
				verb_synopsis(syn, sizeof(syn), obj, &obj->verbs[i], 1);
			if (strlen(syn) + 4 <= HELP_COL)
				fprintf(f, "  %-*s", HELP_COL - 2, syn);
			else
				fprintf(f, "  %s\n%*s", syn, HELP_COL, "");
			wrap(f, obj->verbs[i].summary, HELP_COL, HELP_COL);
		}
	}
}

static const struct cli_object *object_find(const char *name)
{
	for (size_t k = 0; k < cli_nobjects; k++)
		if (!strcmp(cli_objects[k]->name, name))
			return cli_objects[k];
	return NULL;
}

static const struct cli_verb *verb_find(const struct cli_object *obj, const char *name)
{
	for (int i = 0; i < obj->nverbs; i++)
		if (obj->verbs[i].name && !strcmp(obj->verbs[i].name, name))
			return &obj->verbs[i];
	return NULL;
}

/* lifeline help [COMMAND [VERB]] */
int cli_help(int argc, char **argv)
{
	const struct cli_object *obj;
	const struct cli_verb *v;
	int n = 0;

	/* help flow --help is help flow */
	for (int i = 0; i < argc; i++)
		if (!is_help_flag(argv[i]))
			argv[n++] = argv[i];
	argc = n;
	if (!argc) {
		cli_usage(stdout);
		return EXIT_SUCCESS;
	}
	/* help's own help: it is no object of the tables */
	if (!strcmp(argv[0], "help")) {
		if (argc > 1)
			return usage_error("help help takes nothing more, not '%s'", argv[1]);
		printf("Usage: lifeline help [COMMAND [VERB]]\n\n");
		wrap(stdout, "Without COMMAND, the usage of every command (as lifeline --help); with "
		     "COMMAND, its verbs and options; with COMMAND VERB, that verb's grammar, "
		     "options and examples (as lifeline COMMAND VERB --help). Exits 0.", 0, 0);
		printf("\nExamples:\n  lifeline help\n  lifeline help flow\n  lifeline help flow add\n");
		return EXIT_SUCCESS;
	}
	obj = object_find(argv[0]);
	if (!obj)
		return usage_error("unknown command '%s'", argv[0]);
	if (obj->raw) {
		printf("Usage: lifeline [OPTIONS] %s\n\n", obj->name);
		wrap(stdout, obj->raw_usage, 0, 0);
		return EXIT_SUCCESS;
	}
	if (argc == 1)
		return object_help(stdout, obj);
	v = verb_find(obj, argv[1]);
	if (!v)
		return usage_error("unknown verb '%s' for %s", argv[1], obj->name);
	if (argc > 2)
		return usage_error("help takes a COMMAND and a VERB, not '%s'", argv[2]);
	verb_help(stdout, obj, v);
	return EXIT_SUCCESS;
}

/* ---------------------------------------------------------------- dispatch */

static void verbs_list(const struct cli_object *obj, char *buf, size_t len)
{
	size_t l = 0;

	buf[0] = '\0';
	for (int i = 0; i < obj->nverbs && l < len; i++)
		l += snprintf(buf + l, len - l, "%s%s", i ? ", " : "", obj->verbs[i].name);
}

/* The verb named by argv[0] (consumed), the default one, or an exit status. */
static int verb_select(struct cli_ctx *c, int *argc, char ***argv)
{
	const struct cli_object *obj = c->obj;
	char list[128];

	if (!obj->verbs[0].name) {
		c->verb = &obj->verbs[0];
		return 0;
	}
	/* global flags before the verb: lifeline flow -j list */
	while (*argc && (is_json_flag((*argv)[0]) || is_pretty_flag((*argv)[0]))) {
		ll_out.json = 1;
		ll_out.pretty |= is_pretty_flag((*argv)[0]);
		(*argc)--, (*argv)++;
	}
	verbs_list(obj, list, sizeof(list));
	if (*argc && (is_help_flag((*argv)[0]) || !strcmp((*argv)[0], "help")))
		return -1;
	if (!*argc || (*argv)[0][0] == '-') {
		if (obj->default_verb) {
			c->verb = verb_find(obj, obj->default_verb);
			return 0;
		}
		return usage_error("%s needs a verb: %s", obj->name, list);
	}
	c->verb = verb_find(obj, (*argv)[0]);
	if (!c->verb)
		return usage_error("unknown verb '%s' for %s: %s", (*argv)[0], obj->name, list);
	(*argc)--, (*argv)++;
	return 0;
}

int cli_run(const struct cli_object *obj, int argc, char **argv)
{
	struct cli_ctx c = { .obj = obj, .s = { .lock_fd = -1 } };
	int ret;

	if (obj->raw)
		return obj->raw(argc, argv);
	ret = verb_select(&c, &argc, &argv);
	if (ret < 0)
		return object_help(stdout, obj);
	if (ret)
		return ret;
	ret = cli_parse(&c, argc, argv);
	if (ret == PARSED_HELP) {
		verb_help(stdout, obj, c.verb);
		return EXIT_SUCCESS;
	}
	if (ret)
		return ret;
	if (c.verb->prepare && (ret = c.verb->prepare(&c)))
		return ret;
	if ((ret = cli_session_begin(&c)))
		return ret;
	ret = c.verb->run(&c);
	if (c.have_session)
		session_close(&c.s);
	cli_print(&c);
	return ret;
}
