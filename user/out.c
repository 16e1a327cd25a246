// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "out.h"

struct ll_out_opts ll_out;

void out_emit(json_object *o, void (*human)(json_object *o))
{
	if (ll_out.json || !human) {
		int flags = ll_out.pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
					    JSON_C_TO_STRING_PLAIN;

		puts(json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		human(o);
	}
	fflush(stdout);
	json_object_put(o);
}

int out_error(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one printable line, whatever the message quoted */
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
		else if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	fprintf(stderr, "lifeline: %s\n", msg);
	if (ll_out.json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		json_object_object_add(o, "exit_code", json_object_new_int(code));
		/* "/sys/fs/bpf", not "\/sys\/fs\/bpf": paths as out_emit writes them */
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	return code;
}

const char *js(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return "-";
	return json_object_get_string(v);
}

long long ji(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

void table_init(struct table *t, int ncols, unsigned right_align, const char *const *header)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
	t->right = right_align;
	if (header) {
		t->cap = 16;
		t->cells = calloc(t->cap * t->ncols, sizeof(char *));
		for (int i = 0; i < t->ncols && t->cells; i++) {
			t->cells[i] = strdup(header[i]);
			t->width[i] = strlen(header[i]);
		}
		t->nrows = t->cells ? 1 : 0;
	}
}

void table_row_v(struct table *t, const char *const *cells, int n)
{
	if (t->nrows == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, cap * t->ncols * sizeof(char *));

		if (!c)
			return;
		t->cells = c;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++) {
		const char *s = i < n && cells[i] ? cells[i] : "-";
		int w = strlen(s);

		t->cells[t->nrows * t->ncols + i] = strdup(s);
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->nrows++;
}

void table_row(struct table *t, ...)
{
	const char *cells[TABLE_MAX_COLS];
	va_list ap;

	va_start(ap, t);
	for (int i = 0; i < t->ncols; i++)
		cells[i] = va_arg(ap, const char *);
	va_end(ap);
	table_row_v(t, cells, t->ncols);
}

void table_print(struct table *t, FILE *f, const char *indent)
{
	for (int r = 0; r < t->nrows; r++) {
		fputs(indent ? indent : "", f);
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			int last = c == t->ncols - 1;

			if (t->right & (1u << c))
				fprintf(f, "%*s%s", t->width[c], s ? s : "", last ? "" : "  ");
			else if (last)
				fputs(s ? s : "", f);
			else
				fprintf(f, "%-*s  ", t->width[c], s ? s : "");
		}
		fputc('\n', f);
	}
}

void table_free(struct table *t)
{
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static void fmt_scaled(char *buf, size_t len, double v, const char *const *units, int n,
		       double step, const char *suffix)
{
	int i = 0;

	while (v >= step && i < n - 1) {
		v /= step;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%.0f %s%s", v, units[0], suffix);
	else
		snprintf(buf, len, "%.1f %s%s", v, units[i], suffix);
}

void fmt_bytes(char *buf, size_t len, double bytes)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };

	fmt_scaled(buf, len, bytes, u, 5, 1024, "");
}

void fmt_rate(char *buf, size_t len, double per_sec, const char *unit)
{
	static const char *const bu[] = { "B", "KiB", "MiB", "GiB" };
	static const char *const pu[] = { "pps", "Kpps", "Mpps", "Gpps" };

	if (!strcmp(unit, "bytes"))
		fmt_scaled(buf, len, per_sec, bu, 4, 1024, "/s");
	else
		fmt_scaled(buf, len, per_sec, pu, 4, 1000, "");
}

void fmt_duration(char *buf, size_t len, double s)
{
	if (s < 1)
		snprintf(buf, len, "%.0fms", s * 1000);
	else if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, len, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}
