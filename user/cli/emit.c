// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The one-call field writer (emit.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "emit.h"

void emit_begin(struct emit *e)
{
	*e = (struct emit){ 0 };
	if (ll_out.json) {
		e->obj = json_object_new_object();
		e->cur[0] = e->obj;
		return;
	}
	e->out = open_memstream(&e->text, &e->len);
	if (!e->out)
		e->out = stdout;	/* no memory: the text as it comes */
}

void emit_take(struct emit *e, json_object **obj, char **text)
{
	*obj = e->obj;
	*text = NULL;
	if (e->out && e->out != stdout) {
		fclose(e->out);
		*text = e->text;
	}
	*e = (struct emit){ 0 };
}

void emit_discard(struct emit *e)
{
	json_object *obj;
	char *text;

	emit_take(e, &obj, &text);
	json_object_put(obj);
	free(text);
}

void emit_end(struct emit *e)
{
	json_object *obj;
	char *text;

	emit_take(e, &obj, &text);
	if (obj)
		out_emit(obj, NULL);
	if (text)
		fputs(text, stdout);
	free(text);
	fflush(stdout);
}

/* text: to the stream, or in a table row one cell */
static void emit_vtext(struct emit *e, const char *fmt, va_list ap)
{
	char *cell;

	if (e->obj || !fmt)
		return;
	if (!e->in_row) {
		vfprintf(e->out, fmt, ap);
		return;
	}
	if (vasprintf(&cell, fmt, ap) < 0)
		cell = NULL;	/* printed as "-" */
	if (e->col >= TABLE_MAX_COLS) {
		free(cell);
		return;
	}
	free(e->cells[e->col]);
	e->cells[e->col++] = cell;
	if (e->col > e->ncells)
		e->ncells = e->col;
}

void emit_text(struct emit *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_vtext(e, fmt, ap);
	va_end(ap);
}

/* -j: v under key in the innermost object, or appended to the innermost array */
static void emit_add(struct emit *e, const char *key, json_object *v)
{
	json_object *in = e->cur[e->depth];

	if (json_object_is_type(in, json_type_array))
		json_object_array_add(in, v);
	else
		json_object_object_add(in, key, v);
}

void emit_u64(struct emit *e, const char *key, const char *fmt, __u64 v)
{
	if (e->obj)
		emit_add(e, key, json_object_new_int64((int64_t)v));
	else
		emit_text(e, fmt, (unsigned long long)v);
}

void emit_s64(struct emit *e, const char *key, const char *fmt, long long v)
{
	if (e->obj)
		emit_add(e, key, json_object_new_int64(v));
	else
		emit_text(e, fmt, v);
}

void emit_u64_as(struct emit *e, const char *key, const char *fmt,
		 void (*as)(char *buf, size_t len, double v), __u64 v)
{
	char buf[64];

	if (e->obj) {
		emit_add(e, key, json_object_new_int64((int64_t)v));
		return;
	}
	as(buf, sizeof(buf), (double)v);
	emit_text(e, fmt, buf);
}

void emit_double_as(struct emit *e, const char *key, const char *fmt,
		    void (*as)(char *buf, size_t len, double v), double v)
{
	char buf[64];

	if (e->obj) {
		emit_add(e, key, json_object_new_double(v));
		return;
	}
	if (!fmt)
		return;
	as(buf, sizeof(buf), v);
	emit_text(e, fmt, buf);
}

void emit_bool(struct emit *e, const char *key, const char *yes, const char *no, int v)
{
	if (e->obj)
		emit_add(e, key, json_object_new_boolean(v));
	else if (v ? yes : no)
		emit_text(e, "%s", v ? yes : no);
}

void emit_str(struct emit *e, const char *key, const char *fmt, const char *s)
{
	if (e->obj)
		emit_add(e, key, s ? json_object_new_string(s) : NULL);
	else
		emit_text(e, fmt, s ? s : "-");
}

void emit_null(struct emit *e, const char *key)
{
	if (e->obj)
		emit_add(e, key, NULL);
}

static void emit_push(struct emit *e, const char *key, json_object *v)
{
	emit_add(e, key, v);
	if (e->depth + 1 < EMIT_DEPTH)
		e->cur[++e->depth] = v;
}

void emit_obj_begin(struct emit *e, const char *key)
{
	if (e->obj)
		emit_push(e, key, json_object_new_object());
}

void emit_arr_begin(struct emit *e, const char *key)
{
	if (e->obj)
		emit_push(e, key, json_object_new_array());
}

void emit_close(struct emit *e)
{
	if (e->obj && e->depth > 0)
		e->depth--;
}

void emit_table_begin(struct emit *e, int ncols, unsigned right, const char *const *hdr)
{
	if (!e->obj)
		table_init(&e->tab, ncols, right, hdr);
}

void emit_row_begin(struct emit *e)
{
	if (e->obj)
		return;
	e->in_row = 1;
	e->ncells = 0;
	e->col = 0;
}

void emit_col(struct emit *e, int col)
{
	e->col = col;
}

void emit_row_end(struct emit *e, int keep)
{
	if (e->obj)
		return;
	if (keep)
		table_row_v(&e->tab, (const char *const *)e->cells, e->ncells);
	for (int i = 0; i < e->ncells; i++) {
		free(e->cells[i]);
		e->cells[i] = NULL;
	}
	e->in_row = 0;
	e->ncells = 0;
}

void emit_table_end(struct emit *e, const char *indent, const char *none)
{
	if (e->obj)
		return;
	if (e->tab.nrows > 1)
		table_print(&e->tab, e->out, indent);
	else if (none)
		fprintf(e->out, "%s%s\n", indent, none);
	table_free(&e->tab);
}

void emit_as_byte_rate(char *buf, size_t len, double v)
{
	fmt_rate(buf, len, v, "bytes");
}

void emit_as_pps(char *buf, size_t len, double v)
{
	fmt_rate(buf, len, v, "packets");
}
