// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The one-call field writer (emit.h). */
#include <stdarg.h>
#include <stdio.h>
#include "emit.h"
#include "out.h"

void emit_begin(struct emit *e)
{
	e->obj = ll_out.json ? json_object_new_object() : NULL;
}

void emit_end(struct emit *e)
{
	if (e->obj)
		out_emit(e->obj, NULL);
	else
		fflush(stdout);
	e->obj = NULL;
}

void emit_u64(struct emit *e, const char *key, const char *fmt, __u64 v)
{
	if (e->obj)
		json_object_object_add(e->obj, key, json_object_new_int64((int64_t)v));
	else if (fmt)
		printf(fmt, (unsigned long long)v);
}

void emit_u64_as(struct emit *e, const char *key, const char *fmt,
		 void (*as)(char *buf, size_t len, double v), __u64 v)
{
	char buf[64];

	if (e->obj) {
		json_object_object_add(e->obj, key, json_object_new_int64((int64_t)v));
		return;
	}
	as(buf, sizeof(buf), (double)v);
	printf(fmt, buf);
}

void emit_bool(struct emit *e, const char *key, const char *yes, const char *no, int v)
{
	if (e->obj)
		json_object_object_add(e->obj, key, json_object_new_boolean(v));
	else
		fputs(v ? yes : no, stdout);
}

void emit_text(struct emit *e, const char *fmt, ...)
{
	va_list ap;

	if (e->obj)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
