/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One call writes a field both ways (iproute2's print_uint(PRINT_ANY, ...)
 * idea): into the command's JSON object in -j mode, and otherwise as the
 * human words around it. The key is a shared constant (FIELD_*), so the
 * text and the JSON cannot name different things, and nothing renders the
 * JSON back by string key.
 *
 * fmt is the text of a field (one conversion for its value), NULL for a
 * field the text does not show; words between fields are emit_text. The
 * JSON nests with emit_obj_begin / emit_arr_begin ... emit_close (in an
 * array the key is ignored: the value is appended). In text mode, between
 * emit_row_begin and emit_row_end of a table, every text written (a
 * field's fmt, emit_text) is one cell, in the next column (emit_col moves
 * it, for fields whose JSON order is not the columns'); the table prints at
 * emit_table_end, aligned. Text is kept until emit_end (or cli_emit_done, which hands it
 * and the JSON to the dispatcher): an error before prints nothing of it.
 */
#ifndef LL_CLI_EMIT_H
#define LL_CLI_EMIT_H

#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "out.h"

/* field names: the JSON keys used in more than one place */
#define FIELD_PRIORITY "priority"
#define FIELD_MARK "mark"
#define FIELD_RCVBUF "rcvbuf"
#define FIELD_SNDBUF "sndbuf"
#define FIELD_BUDGET_RATE "budget_rate_bytes_per_s"
#define FIELD_BUDGET_BURST "budget_burst_bytes"
#define FIELD_BUDGET_PPS "budget_pps"
#define FIELD_STRICT "strict"
#define FIELD_OBSERVE "observe"
#define FIELD_PIN_PATH "pin_path"
#define FIELD_SET_UP "set_up"
#define FIELD_INTERFACE "interface"
#define FIELD_INTERFACES "interfaces"
#define FIELD_IFINDEX "ifindex"
#define FIELD_POLICY_HOOK "policy_hook"
#define FIELD_XDP_PROG_ID "xdp_prog_id"
#define FIELD_STATE "state"
#define FIELD_PRESSURE "pressure"
#define FIELD_ORPHANED "orphaned"
#define FIELD_LEVEL "level"
#define FIELD_SOURCE "source"
#define FIELD_PACKETS "packets"
#define FIELD_BYTES "bytes"
#define FIELD_RULES "rules"
#define FIELD_FLOWS "flows"
#define FIELD_ID "id"
#define FIELD_KIND "kind"
#define FIELD_SPEC "spec"
#define FIELD_NAME "name"
#define FIELD_ORIGIN "origin"
#define FIELD_RESULT "result"
#define FIELD_ALREADY "already"
#define FIELD_CGROUP "cgroup"
#define FIELD_SCOPE "scope"

#define EMIT_DEPTH 8

struct emit {
	json_object *obj;	/* -j: the command's object; text mode: NULL */
	json_object *cur[EMIT_DEPTH];	/* -j: the open objects and arrays, innermost last */
	int depth;
	FILE *out;		/* text mode: the words so far (text, len) */
	char *text;
	size_t len;
	struct table tab;	/* text mode: the table being written */
	int in_row, ncells, col;	/* the row's cells, the next one's column */
	char *cells[TABLE_MAX_COLS];
};

/* Starts a command's output: an object in -j mode, the text otherwise. */
void emit_begin(struct emit *e);
/* Ends it: prints the object (as out_emit) or the text. */
void emit_end(struct emit *e);
/* Ends it without printing: the object (-j) or the text (malloc'd), the other NULL. */
void emit_take(struct emit *e, json_object **obj, char **text);

/* Ends it, printing nothing (an error came). */
void emit_discard(struct emit *e);

/* key's value; in text mode, fmt (one conversion for v: %llu, %llx) is printed */
void emit_u64(struct emit *e, const char *key, const char *fmt, __u64 v);
/* a signed value (counts that may be -errno), fmt's conversion %lld */
void emit_s64(struct emit *e, const char *key, const char *fmt, long long v);
/* the same as emit_u64, the text through a formatter (fmt_bytes and the like) into fmt's %s */
void emit_u64_as(struct emit *e, const char *key, const char *fmt,
		 void (*as)(char *buf, size_t len, double v), __u64 v);
/* a double (JSON), its text through as() into fmt's %s */
void emit_double_as(struct emit *e, const char *key, const char *fmt,
		    void (*as)(char *buf, size_t len, double v), double v);
/* a boolean: text mode prints yes or no (the text for true, or for false; NULL: none) */
void emit_bool(struct emit *e, const char *key, const char *yes, const char *no, int v);
/* a string, or null for NULL (its text then "-") */
void emit_str(struct emit *e, const char *key, const char *fmt, const char *s);
/* null (JSON only) */
void emit_null(struct emit *e, const char *key);
/* text only (the words between fields; in a table row, a cell) */
void emit_text(struct emit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* JSON nesting: an object or an array under key (appended in an array), then emit_close */
void emit_obj_begin(struct emit *e, const char *key);
void emit_arr_begin(struct emit *e, const char *key);
void emit_close(struct emit *e);

/* text tables: ncols columns (right: a bit per right-aligned one), header */
void emit_table_begin(struct emit *e, int ncols, unsigned right, const char *const *hdr);
void emit_row_begin(struct emit *e);
/* the next text of the row goes to column col (then col + 1 ...): fields in JSON order */
void emit_col(struct emit *e, int col);
/* the row's cells join the table (keep), or are dropped */
void emit_row_end(struct emit *e, int keep);
/* prints the table after indent, or when it has no rows the line indent none (NULL: nothing) */
void emit_table_end(struct emit *e, const char *indent, const char *none);

/* formatters for emit_*_as: a rate of bytes (1.5 KiB/s), of packets (3.2 Mpps) */
void emit_as_byte_rate(char *buf, size_t len, double v);
void emit_as_pps(char *buf, size_t len, double v);

/* whether the text is written (not -j): for words computed from several values */
static inline int emit_human(const struct emit *e)
{
	return !e->obj;
}

#endif
