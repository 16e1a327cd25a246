// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include "jsonw.h"

static void put(struct jw *w, const char *s, size_t n)
{
	if (w->overflow || n >= w->len - w->pos) {
		w->overflow = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		w->buf[w->pos++] = s[i];
	w->buf[w->pos] = '\0';
}

static void putc_(struct jw *w, char c)
{
	put(w, &c, 1);
}

void jw_begin(struct jw *w, char *buf, size_t len)
{
	*w = (struct jw){ .buf = buf, .len = len };
	if (!len) {
		w->overflow = 1;
		return;
	}
	buf[0] = '\0';
	putc_(w, '{');
}

int jw_escape(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			put(w, e, 2);
		} else if (c < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			put(w, e, 6);
		} else {
			putc_(w, (char)c);
		}
	}
	return w->overflow ? -ENOSPC : 0;
}

static void key(struct jw *w, const char *k)
{
	if (w->fields++)
		putc_(w, ',');
	putc_(w, '"');
	jw_escape(w, k);
	put(w, "\":", 2);
}

void jw_str(struct jw *w, const char *k, const char *val)
{
	key(w, k);
	putc_(w, '"');
	jw_escape(w, val);
	putc_(w, '"');
}

void jw_u64(struct jw *w, const char *k, __u64 val)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)val);

	key(w, k);
	put(w, num, (size_t)n);
}

void jw_int(struct jw *w, const char *k, long long val)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%lld", val);

	key(w, k);
	put(w, num, (size_t)n);
}

size_t jw_end(struct jw *w)
{
	put(w, "}\n", 2);
	return w->overflow ? 0 : w->pos;
}
