/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The lifeline command, as data. Each object (attach, flow, pressure, ...)
 * is a table of verbs; each verb declares its options, its positional
 * arguments, the pin session it needs, its help and examples. One parser
 * (cli.c) walks the tables, one dispatcher opens and closes the session,
 * and the usage text, `COMMAND --help` and `help COMMAND` come from the
 * same tables, so they cannot drift from what is parsed.
 *
 * To add a verb: a handler int run(struct cli_ctx *) in the object's file
 * (optionally prepare(), which checks the arguments before any session),
 * a row in its cli_verb table (session kind, options, positional grammar,
 * summary, examples), and the verb in docs/lifeline.bash-completion.
 * To add an option: a row in the verb's cli_opt table with a static
 * destination (and a given flag if "not given" matters); a new value kind
 * is a CLI_CUSTOM parse function or, for a config key, CLI_CONF. To add an
 * object: user/cli/NAME.c exporting cli_NAME, listed in cli_objects[]
 * (user/lifeline.c) and declared below. tests/t_help.sh lists every
 * verb's options; tests/golden/scenario.sh pins the output.
 */
#ifndef LL_CLI_H
#define LL_CLI_H

#include <stddef.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "attach.h"
#include "maps.h"
#include "out.h"

#define EXIT_USAGE 2
/* the pin directory holds the state but not every map pin (removed by hand) */
#define EXIT_PINS 3
/*
 * The exit status of the generic failures (privileges, the maps not there or
 * unreadable): 1, or 2 where 1 means something else (apply --check: a
 * difference), set by the verb's prepare.
 */
extern int cli_failure;
/* LL_VERSION comes from the Makefile (VERSION), its one place */
/* orphans (attach.h) read at most this many */
#define MAX_ORPHANS 64

/* ---- options as data ---- */

enum cli_type {
	CLI_FLAG,	/* int = 1 */
	CLI_U32,	/* __u32 in [min, max], ll_u32_parse */
	CLI_CONF,	/* parsed as the config key conf_section.conf_key (config.c), into size bytes */
	CLI_DURATION,	/* __u64 ns, ll_duration_parse */
	CLI_STRING,	/* const char * */
	CLI_CUSTOM,	/* parse(value, dest, err, len) */
};

/* the option refuses a second occurrence ("--name given twice") */
#define CLI_ONCE 1u

struct cli_opt {
	const char *name;	/* long name without the dashes */
	enum cli_type type;
	void *dest;
	int *given;		/* optional: set to 1 when the option is given */
	__u32 min, max;		/* CLI_U32 */
	const char *conf_section, *conf_key;	/* CLI_CONF */
	size_t size;		/* CLI_CONF: size of *dest */
	int (*parse)(const char *s, void *dest, char *err, size_t errlen);	/* CLI_CUSTOM */
	unsigned flags;
	const char *metavar;	/* the value in help: N, DURATION, DIR ... */
	const char *help;
};

/* ---- the pin session each verb needs, opened by the dispatcher ---- */

enum cli_session {
	CLI_SESS_NONE,		/* nothing (monitor) */
	CLI_SESS_PRIV,		/* the privileges only (reserve) */
	CLI_SESS_PIN,		/* the pin path checked, and the privileges (detach) */
	CLI_SESS_IF_PINS,	/* the maps read, when the pin directory holds them (status) */
	CLI_SESS_READ,		/* the maps read; they must exist */
	CLI_SESS_READ_UNLOCKED,	/* the same, instance lock released at once (stats, metrics) */
	CLI_SESS_CREATE,	/* the maps, created when missing */
};

struct session {
	struct ll_maps m;
	int lock_fd;
	int created;		/* this session created the maps */
	char had[LL_MAP_MAX];	/* which map pins were there before it (create) */
};

struct cli_ctx;

struct cli_verb {
	const char *name;	/* NULL: the object is the command (status) */
	/* checks the arguments before any session (nothing touched); optional */
	int (*prepare)(struct cli_ctx *c);
	int (*run)(struct cli_ctx *c);
	enum cli_session sess;
	const struct cli_opt *opts;	/* ends with { NULL } */
	const char *args;	/* positional grammar for help: "DEV", "SPEC|NAME" */
	int min_args, max_args;
	const char *missing;	/* the error when fewer than min_args (else generic) */
	const char *summary;	/* one line, the usage and help */
	const char *help;	/* more text for `help COMMAND` (may be NULL) */
	const char *examples;	/* one per line, without "lifeline " */
};

struct cli_object {
	const char *name;
	const struct cli_verb *verbs;	/* ends with { NULL } unless verbs[0].name is NULL */
	int nverbs;
	const char *default_verb;	/* used when no verb is given (or an option comes first) */
	/*
	 * A command not (yet) described by a table: run with the words after
	 * its name, which it parses itself; usage is its line in the usage.
	 * For a verb merged from elsewhere until it gets its table.
	 */
	int (*raw)(int argc, char **argv);
	const char *raw_usage;
};

struct cli_ctx {
	const struct cli_object *obj;
	const struct cli_verb *verb;
	int argc;		/* positional arguments, after the options */
	char **argv;
	const char *dir;	/* the pin directory, for every session but NONE and PRIV */
	struct session s;
	int have_session;
	/* what the dispatcher prints after closing the session: the object (-j) */
	json_object *out;
	void (*human)(json_object *o);
	char *text;		/* or, from the emitter (emit.h), the text (out: -j's object) */
	char fail[1024];	/* set: out is printed with this error, exit 1 */
	int fail_code;		/* with fail: the exit status when not 1 */
	int pins_incomplete;	/* CLI_SESS_IF_PINS: not every map pin is there (no session) */
	void *priv;		/* prepare -> run */
};

#define CLI_NVERBS(v) ((int)(sizeof(v) / sizeof((v)[0])))

/* the objects, one per file */
extern const struct cli_object cli_attach, cli_detach, cli_flow, cli_allow, cli_pressure,
	cli_status, cli_stats, cli_sockets, cli_strict, cli_tune, cli_monitor, cli_metrics,
	cli_reserve, cli_apply, cli_save, cli_explain;

/* cli.c: parse argv (after the command word) per the object's table, run it */
int cli_run(const struct cli_object *obj, int argc, char **argv);
/* prints the whole usage (global options and every command) */
void cli_usage(FILE *f);
/* every verb of every object: synopsis and summary, for the usage */
void cli_commands_usage(FILE *f);
/* lifeline help [COMMAND [VERB]] */
int cli_help(int argc, char **argv);

extern const char *cli_pin_opt;
extern struct ll_load_opts cli_load_opts;
extern const struct cli_object *const cli_objects[];
extern const size_t cli_nobjects;

int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int need_privileges(void);
int pin_dir(const char **dir);
int session_open(struct session *s, int create);
void session_close(struct session *s);
/* the error of a read session on a pin directory without maps */
int cli_not_set_up(const char *dir);
/* the map pins missing at dir: how many, their names; only_observe: all are observe arrays */
int pins_missing(const char *dir, char *names, size_t len, int *only_observe);
/* the one line that names the missing pins and what restores them */
void pins_incomplete_msg(const char *dir, char *msg, size_t len);
/* that line on stderr (JSON in -j): EXIT_PINS */
int cli_pins_incomplete(const char *dir);
static inline int cli_emit(struct cli_ctx *c, json_object *j, void (*human)(json_object *o))
{
	c->out = j;
	c->human = human;
	return 0;
}
struct emit;
/*
 * Every command but explain writes its output through the emitter (emit.h):
 * this hands it to the dispatcher, which prints it after the session closes.
 * cli_emit is for a library's object with its renderer (explain).
 */
int cli_emit_done(struct cli_ctx *c, struct emit *e);
/* the same, failed with msg: printed as the output with msg as its error, exit 1 */
int cli_emit_failed(struct cli_ctx *c, struct emit *e, const char *msg);

/* orphans.c */
int pins_present(const char *dir);
int orphans_find(const char *dir, struct ll_orphan *o);
void orphans_emit(struct emit *e, const struct ll_orphan *o, int n);
void orphans_msg(const struct ll_orphan *o, int n, const char *dir, char *msg, size_t len);
/* status and pressure show with orphans but no state: their output, failed (exit 1) */
int orphans_only(struct cli_ctx *c, const struct ll_orphan *o, int n, int status);

/* shared renderers and builders */
/* attach.c: an interface's fields; row: as a row of status' INTERFACE table */
void iface_emit(struct emit *e, const struct ll_iface *i, int row);
void pressure_emit(struct emit *e, const struct ll_state *st, const char *indent); /* pressure.c */
struct ll_sock_link;
void counter_emit(struct emit *e, int col, __u64 packets, __u64 bytes);	/* reg.c */
void flows_emit(struct emit *e, struct ll_maps *m, int list);
void rule_emit(struct emit *e, const struct ll_maps *m, __u32 id, const struct ll_rule_rec *r,
	       int list);
void sock_link_emit(struct emit *e, const struct ll_sock_link *l);
void sum_counters(const struct ll_maps *m, struct ll_counter *out);	/* stats.c */
/* observe mode: "observe" and "would_drop" ({hook: {drop reason: counter}}, or summed) */
void would_drop_emit(struct emit *e, const struct ll_maps *m, int per_hook);	/* stats.c */

#endif
