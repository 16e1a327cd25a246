// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <time.h>
#include "config.h"
#include "attach.h"
#include "daemon/publish.h"

int metrics_open(struct publisher *p, const struct ll_config *cfg, struct dlog *log)
{
	p->cfg = cfg;
	p->log = log;
	p->f = fmemopen(p->buf, sizeof(p->buf), "w");
	if (!p->f)
		return -errno;
	setvbuf(p->f, NULL, _IONBF, 0);
	return 0;
}

int metrics_due(const struct publisher *p, __u64 now)
{
	return p->cfg && p->cfg->metrics_path[0] && now >= p->next;
}

void metrics_publish(struct publisher *p, const struct ll_maps *m, __u64 now)
{
	const char *path;
	struct timespec wall;
	long len;
	int err;

	if (!p->cfg || !p->cfg->metrics_path[0] || !p->f)
		return;
	path = p->cfg->metrics_path;
	p->next = now + p->cfg->metrics_interval_ns;
	clock_gettime(CLOCK_REALTIME, &wall);
	p->dm.tick_time = (double)wall.tv_sec + wall.tv_nsec / 1e9;
	p->dm.interval = p->cfg->metrics_interval_ns / 1e9;
	rewind(p->f);
	clearerr(p->f);
	err = ll_metrics_write(p->f, m);
	if (!err)
		err = ll_metrics_write_daemon(p->f, &p->dm);
	if (!err && p->ifw)
		ll_iface_metrics(p->f, p->ifw);
	if (fflush(p->f) && !err)
		err = -EIO;
	len = ftell(p->f);
	if (!err && (len < 0 || len >= LLD_METRICS_BUF - 1))
		err = -EFBIG;
	if (!err)
		err = ll_metrics_textfile(path, p->buf, (size_t)len);
	if (err == p->err)
		return;
	if (err)
		dlog(p->log, LOG_ERR, "metrics: cannot write %s: %s", path, strerror(-err));
	else if (p->err)
		dlog(p->log, LOG_INFO, "metrics: %s written again", path);
	p->err = err;
}

void metrics_close(struct publisher *p)
{
	if (p->f)
		fclose(p->f);
	p->f = NULL;
}
