/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small JSON writer for one flat object per line into a caller's
 * buffer: no allocation, so the daemon's steady state can use it. String
 * escaping is done here and nowhere else: '"' and '\\' get a backslash,
 * control characters (below 0x20) become \u00XX, every other byte is
 * copied as it is (UTF-8 passes through; '/' is not escaped).
 *
 * A line that does not fit is not cut into broken JSON: jw_end() returns
 * 0 and the caller sends nothing.
 */
#ifndef LL_JSONW_H
#define LL_JSONW_H

#include <stddef.h>
#include <linux/types.h>

struct jw {
	char *buf;
	size_t len;		/* size of buf */
	size_t pos;		/* bytes written, buf[pos] is '\0' */
	int fields;		/* fields written in the object so far */
	int overflow;		/* something did not fit */
};

/* Starts an object: "{". */
void jw_begin(struct jw *w, char *buf, size_t len);
void jw_str(struct jw *w, const char *key, const char *val);
void jw_u64(struct jw *w, const char *key, __u64 val);
void jw_int(struct jw *w, const char *key, long long val);
/* Closes the object and the line ("}\n"); returns its length, 0 when it did not fit. */
size_t jw_end(struct jw *w);

/* Appends s, escaped, as a JSON string body (no quotes); returns 0 or -ENOSPC. */
int jw_escape(struct jw *w, const char *s);

#endif
