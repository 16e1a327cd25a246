// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SIGHUP: the configuration read again into d->next; on error the running
 * one stays. pin_path and state_dir keep their values until a restart.
 */
#include <stdio.h>
#include <string.h>
#include "daemon/daemon.h"

void reload(struct lld *d)
{
	struct ll_config_err err;
	char msg[PATH_MAX + 300];
	int rc;

	notify_send(&d->notify, "RELOADING=1");
	rc = ll_config_load(&d->next, d->opt.config_path, d->opt.config_explicit, &err);
	if (rc) {
		ll_config_err_format(&err, msg, sizeof(msg));
		dlog(&d->log, LOG_ERR, "reload: %s; keeping the running configuration", msg);
		notify_send(&d->notify, "READY=1");
		return;
	}
	if (strcmp(d->next.pin_path, d->cfg.pin_path) ||
	    strcmp(d->next.state_dir, d->cfg.state_dir))
		dlog(&d->log, LOG_WARNING, "reload: pin_path and state_dir take effect at the next "
		     "start");
	memcpy(d->next.pin_path, d->cfg.pin_path, sizeof(d->cfg.pin_path));
	memcpy(d->next.state_dir, d->cfg.state_dir, sizeof(d->cfg.state_dir));
	/* in place: the hook and the metrics publisher point at d->cfg */
	d->cfg = d->next;
	ll_sources_reconfigure(&d->src, &d->cfg.src);
	d->eng.hold_ns = d->cfg.hold_ns;
	budget_write(d);
	d->metrics.next = 0;
	dlog(&d->log, LOG_INFO, "reloaded %s", d->opt.config_path);
	notify_send(&d->notify, "READY=1");
}
