/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Small helpers every part of user space shares, one copy each: the
 * error-message macro of the functions that take (char *err, size_t
 * errlen), the duration formatter, the word splitter of the line grammars
 * (flow lines, the registry file), the atomic replacement of a file (the
 * saved registry, the reserve state) and the v4-mapped address prefix.
 */
#ifndef LL_UTIL_H
#define LL_UTIL_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/types.h>

/* Writes a one-line reason into the caller's err[errlen]; evaluates to snprintf's result. */
#define ERR(...) (snprintf(err, errlen, __VA_ARGS__))

enum ll_dur_style {
	LL_DUR_EXACT,	/* largest exact unit of h, m, s, ms, ns: "2m", "1500ms" (config) */
	LL_DUR_SHORT,	/* whole seconds, else ms, truncated: "60s", "1500ms" (logs) */
};

/* Formats ns into buf (always NUL-terminated); returns buf. */
const char *ll_duration_str(char *buf, size_t len, __u64 ns, enum ll_dur_style style);

/*
 * Splits a line into words (separated by blanks, tabs, CR, LF) in place;
 * returns the count, max + 1 when there are more.
 */
int ll_split_words(char *line, char **words, int max);

/*
 * A file replaced atomically: ll_atomic_open creates a temporary file next
 * to path (path.XXXXXX) with mode, or with keep (the stat of the file
 * replaced) keep's owner and mode; the caller writes through f;
 * ll_atomic_close (ret: the writer's result) flushes and syncs it, renames
 * it over path and syncs the directory. Both return 0 or -errno; on an
 * error path is untouched and the temporary file is gone (failed: the step
 * of ll_atomic_open that failed, for the caller's message).
 */
enum ll_atomic_step { LL_ATOMIC_NAME = 1, LL_ATOMIC_OWNER, LL_ATOMIC_CREATE };
struct ll_atomic_file {
	FILE *f;
	char tmp[PATH_MAX];
	enum ll_atomic_step failed;
};
/*
 * flags: LL_ATOMIC_FIXED, for a file with one writer (lifelined's state):
 * the temporary file is path.tmp, truncated when it exists, so a writer
 * killed before its rename leaves that one file, which the next write
 * replaces (a random name would leave one more each time);
 * ll_atomic_discard(path) removes it.
 */
#define LL_ATOMIC_FIXED 1u
int ll_atomic_open(struct ll_atomic_file *a, const char *path, mode_t mode,
		   const struct stat *keep, unsigned flags);
void ll_atomic_discard(const char *path);
int ll_atomic_close(struct ll_atomic_file *a, const char *path, int ret);

/*
 * ::ffff:0:0, the v4-mapped space: an IPv4 address is stored as these 16
 * bytes with the address in the last 4; the first 12 (LL_V4MAPPED_PREFIX
 * bits) are the prefix.
 */
#define LL_V4MAPPED_BYTES 12
extern const __u8 ll_v4mapped_prefix[16];

static inline int ll_is_v4mapped(const __u8 addr[16])
{
	return !memcmp(addr, ll_v4mapped_prefix, LL_V4MAPPED_BYTES);
}

#endif
