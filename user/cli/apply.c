// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * lifeline apply [--check] [--keep] [FILE] and lifeline save [FILE|-]: the
 * declared state (user/declare.c). The file is parsed before any session,
 * so an invalid file touches nothing. Both take the pin path only
 * (CLI_SESS_PIN) and open the maps themselves: they read them when they
 * exist, and apply creates them only when there is something to apply.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include "cli.h"
#include "emit.h"
#include "declare.h"
#include "resize.h"
#include "util.h"

static struct {
	int check, keep;
	const char *file;
	struct ll_decl want;
} ap;

/* one line of the difference: "+ LINE" or "- LINE" */
static void diff_line(char op, const char *line, void *arg)
{
	struct emit *e = arg;

	emit_obj_begin(e, NULL);
	emit_str(e, "op", "%s ", op == '+' ? "+" : "-");
	emit_str(e, "line", "%s\n", line);
	emit_close(e);
}

/* the file first: an invalid one is a usage error (exit 2), nothing touched */
static int apply_prepare(struct cli_ctx *c)
{
	char err[1024];
	int ret;

	/* --check: 1 is a difference, so every error is 2 (as diff(1) does) */
	if (ap.check)
		cli_failure = EXIT_USAGE;
	ap.file = c->argc ? c->argv[0] : LL_DECL_DEFAULT;
	ll_decl_init(&ap.want);
	ret = ll_decl_load(&ap.want, ap.file, err, sizeof(err));
	if (ret) {
		ll_decl_free(&ap.want);
		return out_error(ret == -EINVAL ? EXIT_USAGE : cli_failure,
				 "%s; nothing was applied", err);
	}
	return 0;
}

/* the difference between the file and the state of the maps in s (NULL: none yet) */
static int apply_diff(struct session *s, const char *dir, struct ll_decl *have,
		      struct ll_decl_diff *diff, char *err, size_t len)
{
	int ret = ll_decl_state(s ? &s->m : NULL, dir, have, err, len);

	if (!ret)
		ret = ll_decl_diff(&ap.want, have, ap.keep, diff, err, len);
	return ret;
}

/* maps created by this apply go again when it fails: nothing half-applied */
static void apply_undo_maps(struct session *s)
{
	char links[PATH_MAX + 8];

	if (!s->created)
		return;
	snprintf(links, sizeof(links), "%s/links", s->m.dir);
	rmdir(links);
	ll_maps_unpin(s->m.dir);
}

static int apply_run(struct cli_ctx *c)
{
	struct ll_decl have = {};
	struct ll_decl_diff diff = {};
	char err[1024];
	size_t n = 0;
	struct emit e;
	int ret;

	if (pins_present(c->dir)) {
		if ((ret = session_open(&c->s, 0)))
			goto out;
		c->have_session = 1;
	}
	ret = apply_diff(c->have_session ? &c->s : NULL, c->dir, &have, &diff, err, sizeof(err));
	if (ret)
		goto fail;
	n = ll_decl_diff_count(&diff);
	if (n && !ap.check && !c->have_session) {
		/* the maps, sized as the file says unless the command line does */
		if (!cli_load_opts.max_flows)
			cli_load_opts.max_flows = ap.want.max_flows;
		if (!cli_load_opts.max_rules)
			cli_load_opts.max_rules = ap.want.max_rules;
		ll_decl_diff_free(&diff);
		ll_decl_free(&have);
		if ((ret = session_open(&c->s, 1)))
			goto out;
		c->have_session = 1;
		/* the new maps' defaults are the state now: the settings may already match */
		if ((ret = apply_diff(&c->s, c->dir, &have, &diff, err, sizeof(err))))
			goto fail;
		n = ll_decl_diff_count(&diff);
	}
	if (n && !ap.check) {
		ret = ll_decl_apply(&c->s.m, &diff, &have, cli_load_opts.max_flows,
				    cli_load_opts.max_rules, err, sizeof(err));
		if (ret) {
			apply_undo_maps(&c->s);
			goto fail;
		}
	}
	/* programs in place on maps that are not the pinned ones (resize.h): renewed */
	if (c->have_session && !ap.check) {
		ll_resize_stage_clean(c->dir);	/* what a killed resize left */
		if ((ret = ll_renew_if_stale(c->dir, err, sizeof(err))))
			goto fail;
	}
	emit_begin(&e);
	emit_str(&e, "file", NULL, ap.file);
	emit_bool(&e, "check", NULL, NULL, ap.check);
	emit_bool(&e, "keep", NULL, NULL, ap.keep);
	emit_bool(&e, "equal", NULL, NULL, !n);
	emit_bool(&e, "applied", NULL, NULL, n && !ap.check);
	emit_arr_begin(&e, "changes");
	ll_decl_diff_walk(&diff, diff_line, &e);
	emit_close(&e);
	cli_emit_done(c, &e);
	ret = ap.check && n ? EXIT_FAILURE : EXIT_SUCCESS;
	goto out;
fail:
	ret = out_error(cli_failure, "%s", err);
out:
	ll_decl_diff_free(&diff);
	ll_decl_free(&have);
	ll_decl_free(&ap.want);
	return ret;
}

/*
 * Where save may write: a regular file or a new one (a symlink is followed,
 * its target written); never over a device, FIFO or directory. FILE's
 * drop-ins (FILE without .conf, then .d/NAME.conf) are read by apply after
 * FILE: saving the whole state over FILE would declare their items twice.
 */
static int save_target(const char *file, char *path, size_t len, struct stat *st, int *exists)
{
	char dropins[PATH_MAX];
	size_t n = strlen(file);
	DIR *d;
	struct dirent *e;

	*exists = 0;
	if (!realpath(file, path)) {
		if (errno != ENOENT)
			return out_error(EXIT_FAILURE, "cannot save to %s: %s", file, strerror(errno));
		if (snprintf(path, len, "%s", file) >= (int)len)
			return usage_error("file name too long");
	} else if (stat(path, st)) {
		return out_error(EXIT_FAILURE, "cannot save to %s: %s", file, strerror(errno));
	} else if (!S_ISREG(st->st_mode)) {
		return out_error(EXIT_FAILURE, "cannot save to %s: not a regular file", file);
	} else {
		*exists = 1;
	}
	if (n > 5 && !strcmp(file + n - 5, ".conf") &&
	    snprintf(dropins, sizeof(dropins), "%.*s.d", (int)(n - 5), file) < (int)sizeof(dropins) &&
	    (d = opendir(dropins))) {
		int found = 0;

		while ((e = readdir(d)))
			if (e->d_name[0] != '.' && strlen(e->d_name) > 5 &&
			    !strcmp(e->d_name + strlen(e->d_name) - 5, ".conf"))
				found++;
		closedir(d);
		if (found)
			return out_error(EXIT_FAILURE, "cannot save to %s: apply also reads the %d "
					 "file%s in %s/, so their items would be declared twice; "
					 "save to another file (or - ) and merge by hand", file,
					 found, found == 1 ? "" : "s", dropins);
	}
	return 0;
}

/* atomic: a temporary file next to FILE, synced, renamed over it; an existing FILE keeps its owner and mode */
static int save_file(const struct ll_decl *have, const char *file)
{
	struct ll_atomic_file af;
	char path[PATH_MAX];
	struct stat st;
	int ret, exists;

	if ((ret = save_target(file, path, sizeof(path), &st, &exists)))
		return ret;
	ret = ll_atomic_open(&af, path, 0644, exists ? &st : NULL, 0);
	if (ret && af.failed == LL_ATOMIC_NAME)
		return usage_error("file name too long");
	if (ret && af.failed == LL_ATOMIC_OWNER)
		return out_error(EXIT_FAILURE, "cannot keep the owner of %s: %s", file, strerror(-ret));
	if (ret)
		return out_error(EXIT_FAILURE, "cannot create a file next to %s: %s", file,
				 strerror(-ret));
	ret = ll_atomic_close(&af, path, ll_decl_write(have, af.f));
	if (ret)
		return out_error(EXIT_FAILURE, "cannot write %s: %s", file, strerror(-ret));
	return 0;
}

static int save_run(struct cli_ctx *c)
{
	const char *file = c->argc ? c->argv[0] : LL_DECL_DEFAULT;
	struct ll_decl have;
	char err[512];
	struct emit e;
	int ret;

	/* no maps (a boot before lifeline.service ran): an empty registry must not replace FILE */
	if (!pins_present(c->dir))
		return out_error(EXIT_FAILURE, "nothing is set up at %s: not saving an empty state "
				 "(lifeline apply sets it up from a registry)", c->dir);
	if ((ret = session_open(&c->s, 0)))
		return ret;
	c->have_session = 1;
	ret = ll_decl_state(&c->s.m, c->dir, &have, err, sizeof(err));
	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	if (!strcmp(file, "-")) {
		ret = ll_decl_write(&have, stdout) || fflush(stdout);
		ll_decl_free(&have);
		return ret ? out_error(EXIT_FAILURE, "cannot write to standard output") : 0;
	}
	ret = save_file(&have, file);
	if (!ret) {
		emit_begin(&e);
		emit_str(&e, "file", NULL, file);
		emit_u64(&e, FIELD_INTERFACES, "saved %llu interfaces, ", have.nifs);
		emit_u64(&e, FIELD_RULES, "%llu rules, ", have.nrecs);
		emit_u64(&e, FIELD_FLOWS, "%llu flows and the settings to ", have.nkeys);
		emit_text(&e, "%s\n", file);
		cli_emit_done(c, &e);
	}
	ll_decl_free(&have);
	return ret;
}

static const struct cli_opt apply_opts[] = {
	{ "check", CLI_FLAG, &ap.check,
	  .help = "validate and print the difference, change nothing; exit 0 when the state equals "
		  "the file, 1 when there is a difference, 2 on any error (a missing directory "
		  "or interface included)" },
	{ "keep", CLI_FLAG, &ap.keep,
	  .help = "leave interfaces, rules, flows, cgroups and sockets links that the files do "
		  "not name" },
	{ NULL },
};

static const struct cli_verb apply_verbs[] = {
	{ NULL, apply_prepare, apply_run, CLI_SESS_PIN, apply_opts, "[FILE]", 0, 1,
	  .summary = "make the state equal to the registry FILE (default " LL_DECL_DEFAULT
		     " and registry.d/*.conf): prints the difference, applies it all or nothing; "
		     "removes what the file does not name unless --keep",
	  .help = "FILE-without-.conf.d/*.conf are read after FILE, in name order. The "
		  "difference is printed as '-' and '+' lines of the file's format; when a step "
		  "fails the state is put back as it was. Settings (tune, strict) that no file "
		  "names keep their value; flows registered by sock_ops or a cgroup are never "
		  "touched. Applying the same file again prints nothing. Exit status: 0 applied "
		  "(or nothing to do), 1 failure (nothing changed; a missing interface or cgroup "
		  "directory: FILE:LINE), 2 a usage error or an invalid file (one line FILE:LINE: "
		  "message; nothing is applied), 3 the pin directory lacks some map pins (see "
		  "status). With --check: 0 equal, 1 a difference, 2 any error (as diff(1)), 3 "
		  "as above. docs/registry.conf is a commented example.",
	  .examples = "apply\napply --check /etc/lifeline/registry.conf\napply --keep site.conf" },
};

static const struct cli_verb save_verbs[] = {
	{ NULL, NULL, save_run, CLI_SESS_PIN, NULL, "[FILE|-]", 0, 1,
	  .summary = "write the state (interfaces, rules, CLI flows, cgroups, sockets links, tune, "
		     "strict, table sizes) "
		     "in the registry format to FILE (default " LL_DECL_DEFAULT "; - for "
		     "standard output), atomically; 'apply FILE' then changes nothing",
	  .examples = "save\nsave - | less\nsave /etc/lifeline/registry.conf" },
};

const struct cli_object cli_apply = { "apply", apply_verbs, CLI_NVERBS(apply_verbs), NULL };
const struct cli_object cli_save = { "save", save_verbs, CLI_NVERBS(save_verbs), NULL };
