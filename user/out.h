/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Output. A command's output is one json-c object with -j, text otherwise;
 * the CLI writes both in one pass (user/cli/emit.h). out_emit prints an
 * object, or renders it through human() (explain's, built by the library).
 * Errors are one line on stderr, and also {"error": "..."} on stdout in -j
 * mode.
 */
#ifndef LL_OUT_H
#define LL_OUT_H

#include <stdio.h>
#include <json-c/json.h>

struct ll_out_opts {
	int json;
	int pretty;
	int verbose;
};

extern struct ll_out_opts ll_out;

/* Prints o as JSON (in -j mode) or through human(o); takes ownership of o. */
void out_emit(json_object *o, void (*human)(json_object *o));

/* Prints the one-line error; returns code (the exit status to use). */
int out_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Small accessors for renderers. */
const char *js(json_object *o, const char *key);
long long ji(json_object *o, const char *key);

/* Aligned text tables: add rows of cells, then print. */
#define TABLE_MAX_COLS 12
struct table {
	int ncols, nrows, cap;
	int width[TABLE_MAX_COLS];
	char **cells;	/* nrows * ncols */
	unsigned right;	/* bit per column: right-align */
};

void table_init(struct table *t, int ncols, unsigned right_align, const char *const *header);
void table_row(struct table *t, ...);	/* ncols const char * */
/* the same from an array of n cells (missing or NULL ones: "-") */
void table_row_v(struct table *t, const char *const *cells, int n);
void table_print(struct table *t, FILE *f, const char *indent);
void table_free(struct table *t);

/* Human units: 1.5 KiB/s, 3.2 Mpps, 2m30s. */
void fmt_bytes(char *buf, size_t len, double bytes);
void fmt_rate(char *buf, size_t len, double per_sec, const char *unit);
void fmt_duration(char *buf, size_t len, double seconds);

#endif
