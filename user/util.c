// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util.h"

const __u8 ll_v4mapped_prefix[16] = { [10] = 0xff, [11] = 0xff };

const char *ll_duration_str(char *buf, size_t len, __u64 ns, enum ll_dur_style style)
{
	static const struct {
		__u64 ns;
		const char *unit;
	} units[] = {
		{ 3600000000000ULL, "h" }, { 60000000000ULL, "m" }, { 1000000000ULL, "s" },
		{ 1000000ULL, "ms" }, { 1ULL, "ns" },
	};
	size_t i = 0, last = sizeof(units) / sizeof(units[0]) - 1;

	if (style == LL_DUR_SHORT) {
		i = 2;		/* seconds */
		last = 3;	/* milliseconds, truncated */
	}
	/* zero is "0s"; otherwise the largest unit that divides ns exactly */
	for (; i < last; i++)
		if ((ns || units[i].ns == 1000000000ULL) && !(ns % units[i].ns))
			break;
	snprintf(buf, len, "%llu%s", (unsigned long long)(ns / units[i].ns), units[i].unit);
	return buf;
}

int ll_split_words(char *line, char **words, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return max + 1;
		words[n++] = tok;
	}
	return n;
}

int ll_atomic_open(struct ll_atomic_file *a, const char *path, mode_t mode,
		   const struct stat *keep, unsigned flags)
{
	int fixed = flags & LL_ATOMIC_FIXED, fd, ret;

	a->f = NULL;
	a->failed = LL_ATOMIC_NAME;
	if (snprintf(a->tmp, sizeof(a->tmp), fixed ? "%s.tmp" : "%s.XXXXXX", path) >=
	    (int)sizeof(a->tmp))
		return -ENAMETOOLONG;
	a->failed = LL_ATOMIC_CREATE;
	fd = fixed ? open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode) :
		     mkostemp(a->tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (keep && fchown(fd, keep->st_uid, keep->st_gid)) {
		a->failed = LL_ATOMIC_OWNER;
		ret = -errno;
	} else if (fchmod(fd, keep ? keep->st_mode & 07777 : mode) || !(a->f = fdopen(fd, "w"))) {
		ret = -errno;
	} else {
		a->failed = 0;
		return 0;
	}
	close(fd);
	unlink(a->tmp);
	return ret;
}

void ll_atomic_discard(const char *path)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) < (int)sizeof(tmp))
		unlink(tmp);
}

int ll_atomic_close(struct ll_atomic_file *a, const char *path, int ret)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int dfd;

	if (!ret && (fflush(a->f) || fsync(fileno(a->f))))
		ret = -errno;
	if (fclose(a->f) && !ret)
		ret = -errno;
	a->f = NULL;
	if (!ret && rename(a->tmp, path))
		ret = -errno;
	if (ret) {
		unlink(a->tmp);
		return ret;
	}
	/* the rename lasts once the directory is synced */
	snprintf(dir, sizeof(dir), "%.*s", !slash ? 1 : slash == path ? 1 : (int)(slash - path),
		 !slash ? "." : path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
