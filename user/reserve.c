// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "reserve.h"

#include "util.h"

const char *const ll_sysctl_names[LL_SYSCTL_MAX] = {
	"vm.min_free_kbytes", "vm.watermark_scale_factor", "net.ipv4.tcp_mem", "net.ipv4.udp_mem",
};

static int sysctl_path(const struct ll_reserve_cfg *c, int id, char *buf, size_t len)
{
	char name[64];
	int n;

	snprintf(name, sizeof(name), "%s", ll_sysctl_names[id]);
	for (char *p = name; *p; p++)
		if (*p == '.')
			*p = '/';
	n = snprintf(buf, len, "%s/proc/sys/%s", c->proc_root ? c->proc_root : "", name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int state_path(const struct ll_reserve_cfg *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/reserve.state",
			 c->state_dir ? c->state_dir : LL_STATE_DIR_DEFAULT);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Reads a sysctl as one line without its newline. */
static int sysctl_read(const struct ll_reserve_cfg *c, int id, char *out, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, ret = sysctl_path(c, id, path, sizeof(path));

	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, out, len - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	/* the kernel separates tcp_mem's fields with tabs; keep what it printed */
	return 0;
}

static int sysctl_write(const struct ll_reserve_cfg *c, int id, const char *val)
{
	char path[PATH_MAX];
	int fd, ret = sysctl_path(c, id, path, sizeof(path));
	size_t len = strlen(val);

	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	{
		ssize_t n = write(fd, val, len);

		ret = n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
	}
	close(fd);
	return ret;
}

/* Parses the state file: "name=value" lines. */
static int state_load(const struct ll_reserve_cfg *c, struct ll_reserve_state *st)
{
	char path[PATH_MAX], line[256];
	FILE *f;
	int ret = state_path(c, path, sizeof(path));

	if (ret)
		return ret;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		eq[strcspn(eq + 1, "\n") + 1] = '\0';
		for (int i = 0; i < LL_SYSCTL_MAX; i++)
			if (!strcmp(line, ll_sysctl_names[i]))
				snprintf(st->original[i], sizeof(st->original[i]), "%s", eq + 1);
	}
	fclose(f);
	st->recorded = 1;
	return 0;
}

/* Durable (ll_atomic_open): temp file, fsync, rename, fsync of the directory. */
static int state_save(const struct ll_reserve_cfg *c, const struct ll_reserve_state *st)
{
	const char *dir = c->state_dir ? c->state_dir : LL_STATE_DIR_DEFAULT;
	struct ll_atomic_file af;
	char path[PATH_MAX];
	int ret;

	if ((ret = state_path(c, path, sizeof(path))))
		return ret;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	/* one writer (the daemon owning the directory): a fixed temp name, never piling up */
	if ((ret = ll_atomic_open(&af, path, 0600, NULL, LL_ATOMIC_FIXED)))
		return ret;
	fprintf(af.f, "# lifeline: sysctl values before lifeline changed them\n");
	for (int i = 0; i < LL_SYSCTL_MAX; i++)
		if (st->original[i][0])
			fprintf(af.f, "%s=%s\n", ll_sysctl_names[i], st->original[i]);
	return ll_atomic_close(&af, path, 0);
}

int ll_reserve_read(const struct ll_reserve_cfg *c, struct ll_reserve_state *st, char *err,
		    size_t errlen)
{
	int ret;

	memset(st, 0, sizeof(*st));
	for (int i = 0; i < LL_SYSCTL_MAX; i++) {
		ret = sysctl_read(c, i, st->current[i], sizeof(st->current[i]));
		/* tcp_mem/udp_mem exist in the initial network namespace only */
		if (ret == -ENOENT && i >= LL_SYSCTL_TCP_MEM) {
			st->current[i][0] = '\0';
			continue;
		}
		if (ret) {
			ERR("cannot read %s: %s", ll_sysctl_names[i], strerror(-ret));
			return ret;
		}
	}
	ret = state_load(c, st);
	if (ret)
		ERR("cannot read the reserve state file: %s", strerror(-ret));
	return ret;
}

static int mem_total_kb(const struct ll_reserve_cfg *c, __u64 *kb)
{
	char path[PATH_MAX], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/meminfo", c->proc_root ? c->proc_root : "");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*kb = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %" SCNu64, (uint64_t *)kb) == 1)
			break;
	fclose(f);
	return *kb ? 0 : -EINVAL;
}

/* Records the originals once: a crash leaves them in place for the next start. */
static int record(const struct ll_reserve_cfg *c, struct ll_reserve_state *st, char *err,
		  size_t errlen)
{
	int ret;

	if (st->recorded)
		return 0;
	for (int i = 0; i < LL_SYSCTL_MAX; i++)
		memcpy(st->original[i], st->current[i], sizeof(st->original[i]));
	ret = state_save(c, st);
	if (ret) {
		ERR("cannot record the original sysctls in %s: %s; nothing was changed",
		    c->state_dir ? c->state_dir : LL_STATE_DIR_DEFAULT, strerror(-ret));
		return ret;
	}
	st->recorded = 1;
	return 0;
}

int ll_reserve_apply(const struct ll_reserve_cfg *c, char *err, size_t errlen)
{
	struct ll_reserve_state st;
	__u64 orig, want, cur, total;
	__u32 share = c->max_share_pct ? c->max_share_pct : 5;
	char val[32];
	int ret;

	ret = ll_reserve_read(c, &st, err, errlen);
	if (ret)
		return ret;
	orig = strtoull(st.recorded ? st.original[LL_SYSCTL_MIN_FREE] : st.current[LL_SYSCTL_MIN_FREE],
			NULL, 10);
	cur = strtoull(st.current[LL_SYSCTL_MIN_FREE], NULL, 10);
	want = orig + c->reserve_kb;
	if (want < cur)
		want = cur;
	ret = mem_total_kb(c, &total);
	if (ret) {
		ERR("cannot read MemTotal: %s", strerror(-ret));
		return ret;
	}
	/* The kernel docs warn: too high a min_free_kbytes OOMs the machine at once. */
	if (want > total * share / 100) {
		ERR("refusing vm.min_free_kbytes=%llu: above %u%% of RAM (%llu kB); lower "
		    "reserve_kb or raise max_share_pct; nothing was changed",
		    (unsigned long long)want, share, (unsigned long long)(total * share / 100));
		return -ERANGE;
	}
	ret = record(c, &st, err, errlen);
	if (ret)
		return ret;
	snprintf(val, sizeof(val), "%llu", (unsigned long long)want);
	ret = sysctl_write(c, LL_SYSCTL_MIN_FREE, val);
	if (!ret && c->watermark_scale) {
		snprintf(val, sizeof(val), "%u", c->watermark_scale);
		ret = sysctl_write(c, LL_SYSCTL_WSF, val);
	}
	if (ret) {
		char ignore[128];

		ERR("cannot write the reserve sysctls: %s; restored the originals", strerror(-ret));
		ll_reserve_restore(c, ignore, sizeof(ignore));
	}
	return ret;
}

int ll_reserve_net(const struct ll_reserve_cfg *c, __u32 level, char *err, size_t errlen)
{
	static const int ids[] = { LL_SYSCTL_TCP_MEM, LL_SYSCTL_UDP_MEM };
	struct ll_reserve_state st;
	__u32 pct = level < 3 ? c->net_pct[level] : 0;
	int ret;

	if (!c->net_pct[1] && !c->net_pct[2])
		return 0;	/* not configured */
	ret = ll_reserve_read(c, &st, err, errlen);
	if (!ret)
		ret = record(c, &st, err, errlen);
	if (ret)
		return ret;
	for (int i = 0; i < 2; i++) {
		unsigned long long a, b, cc;
		char val[96];

		if (!st.original[ids[i]][0])
			continue;	/* not in this network namespace */
		if (sscanf(st.original[ids[i]], "%llu %llu %llu", &a, &b, &cc) != 3) {
			ERR("cannot parse the recorded %s", ll_sysctl_names[ids[i]]);
			return -EINVAL;
		}
		if (!pct || pct >= 100)
			snprintf(val, sizeof(val), "%s", st.original[ids[i]]);
		else
			snprintf(val, sizeof(val), "%llu %llu %llu", a * pct / 100, b * pct / 100,
				 cc * pct / 100);
		ret = sysctl_write(c, ids[i], val);
		if (ret) {
			ERR("cannot write %s: %s", ll_sysctl_names[ids[i]], strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int ll_reserve_restore(const struct ll_reserve_cfg *c, char *err, size_t errlen)
{
	struct ll_reserve_state st = {};
	char path[PATH_MAX];
	int ret = state_load(c, &st);

	if (ret) {
		ERR("cannot read the reserve state file: %s", strerror(-ret));
		return ret;
	}
	if (!st.recorded)
		return 0;
	for (int i = 0; i < LL_SYSCTL_MAX; i++) {
		if (!st.original[i][0])
			continue;
		ret = sysctl_write(c, i, st.original[i]);
		if (ret) {
			ERR("cannot restore %s=%s: %s; the state file is kept", ll_sysctl_names[i],
			    st.original[i], strerror(-ret));
			return ret;
		}
	}
	state_path(c, path, sizeof(path));
	ll_atomic_discard(path);	/* what a daemon killed in state_save left */
	if (unlink(path) && errno != ENOENT) {
		ret = -errno;
		ERR("restored, but cannot remove %s: %s", path, strerror(errno));
	}
	return ret;
}
