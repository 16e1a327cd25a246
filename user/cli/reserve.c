// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lifeline reserve show|apply|restore: the kernel's memory reserve sysctls. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "emit.h"
#include "config.h"
#include "reserve.h"

/* the sysctls now and as recorded; changed: lifeline's write is still there */
static void reserve_emit(struct emit *e, const struct ll_reserve_cfg *c,
			 const struct ll_reserve_state *st)
{
	static const char *const hdr[] = { "SYSCTL", "CURRENT", "ORIGINAL", "CHANGED" };

	emit_str(e, "state_dir", NULL, c->state_dir);
	emit_bool(e, "recorded", NULL, NULL, st->recorded);
	emit_table_begin(e, 4, 0, hdr);
	emit_arr_begin(e, "sysctls");
	for (int i = 0; i < LL_SYSCTL_MAX; i++) {
		int recorded = st->recorded && st->original[i][0];

		emit_row_begin(e);
		emit_obj_begin(e, NULL);
		emit_str(e, FIELD_NAME, "%s", ll_sysctl_names[i]);
		emit_str(e, "current", "%s", st->current[i]);
		emit_str(e, "original", "%s", recorded ? st->original[i] : NULL);
		emit_bool(e, "changed", "yes", "no", recorded && strcmp(st->original[i],
									st->current[i]));
		emit_close(e);
		emit_row_end(e, 1);
	}
	emit_close(e);
	emit_table_end(e, "", NULL);
	if (!st->recorded)
		emit_text(e, "lifeline has changed nothing (no state file in %s)\n", c->state_dir);
}

static struct ll_reserve_cfg reserve_cfg = { .state_dir = LL_STATE_DIR_DEFAULT, .proc_root = "" };
static __u32 reserve_kb;
static int reserve_kb_given;

#define RESERVE_OPT_STATE_DIR \
	{ "state-dir", CLI_STRING, &reserve_cfg.state_dir, .metavar = "DIR", \
	  .help = "where the originals are recorded (default " LL_STATE_DIR_DEFAULT ")" }

static const struct cli_opt reserve_opts[] = {
	RESERVE_OPT_STATE_DIR,
	{ NULL },
};

static const struct cli_opt reserve_apply_opts[] = {
	{ "kb", CLI_U32, &reserve_kb, &reserve_kb_given, .min = 1, .max = LL_RESERVE_KB_MAX,
	  .metavar = "N", .help = "raise vm.min_free_kbytes by N kB over its original value" },
	/* one validator: [reserve] max_share's */
	{ "max-share", CLI_CONF, &reserve_cfg.max_share_pct, .conf_section = "reserve",
	  .conf_key = "max_share", .size = sizeof(reserve_cfg.max_share_pct), .metavar = "PCT",
	  .help = "refused above PCT % of RAM (default 5)" },
	{ "watermark-scale", CLI_U32, &reserve_cfg.watermark_scale, .min = 1,
	  .max = LL_RESERVE_WSF_MAX, .metavar = "N", .help = "vm.watermark_scale_factor" },
	RESERVE_OPT_STATE_DIR,
	{ NULL },
};

static int reserve_apply_prepare(struct cli_ctx *c)
{
	if (!reserve_kb_given)
		return usage_error("reserve apply needs --kb N");
	reserve_cfg.reserve_kb = reserve_kb;
	return 0;
}

/* after apply or restore (0 or the error in err), the sysctls now and as recorded */
static int reserve_show_after(struct cli_ctx *c, int ret, const char *err)
{
	struct ll_reserve_state st;
	struct emit em;
	char e[512];

	if (ret)
		return out_error(EXIT_FAILURE, "%s", err);
	if (ll_reserve_read(&reserve_cfg, &st, e, sizeof(e)))
		return out_error(EXIT_FAILURE, "%s", e);
	emit_begin(&em);
	reserve_emit(&em, &reserve_cfg, &st);
	return cli_emit_done(c, &em);
}

static int reserve_show(struct cli_ctx *c)
{
	return reserve_show_after(c, 0, NULL);
}

static int reserve_apply(struct cli_ctx *c)
{
	char err[512];

	return reserve_show_after(c, ll_reserve_apply(&reserve_cfg, err, sizeof(err)), err);
}

static int reserve_restore(struct cli_ctx *c)
{
	char err[512];

	return reserve_show_after(c, ll_reserve_restore(&reserve_cfg, err, sizeof(err)), err);
}

static const struct cli_verb reserve_verbs[] = {
	{ "show", NULL, reserve_show, CLI_SESS_PRIV, reserve_opts, NULL, 0, 0,
	  .summary = "the reserve sysctls, now and as recorded before any change (the default "
		     "verb)",
	  .examples = "reserve\nreserve show --state-dir /run/lifeline" },
	{ "apply", reserve_apply_prepare, reserve_apply, CLI_SESS_PRIV, reserve_apply_opts, NULL,
	  0, 0,
	  .summary = "--kb N: raise vm.min_free_kbytes by N kB over its original value (refused "
		     "above --max-share PCT % of RAM, default 5; --watermark-scale N sets "
		     "vm.watermark_scale_factor); originals recorded first",
	  .examples = "reserve apply --kb 65536\nreserve apply --kb 131072 --max-share 3" },
	{ "restore", NULL, reserve_restore, CLI_SESS_PRIV, reserve_opts, NULL, 0, 0,
	  .summary = "write the recorded originals back", .examples = "reserve restore" },
};

const struct cli_object cli_reserve = { "reserve", reserve_verbs, CLI_NVERBS(reserve_verbs), "show" };
