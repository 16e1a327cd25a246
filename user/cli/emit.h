/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One call writes a field both ways (iproute2's print_uint(PRINT_ANY, ...)
 * idea): into the command's JSON object, and in text mode as the human
 * words around it. The key is a shared constant (FIELD_*), so the text
 * and the JSON cannot name different things, and nothing renders the
 * JSON back by string key. For the simpler commands (tune, strict).
 */
#ifndef LL_CLI_EMIT_H
#define LL_CLI_EMIT_H

#include <linux/types.h>
#include <json-c/json.h>

/* field names: the JSON keys */
#define FIELD_PRIORITY "priority"
#define FIELD_MARK "mark"
#define FIELD_RCVBUF "rcvbuf"
#define FIELD_SNDBUF "sndbuf"
#define FIELD_BUDGET_RATE "budget_rate_bytes_per_s"
#define FIELD_BUDGET_BURST "budget_burst_bytes"
#define FIELD_BUDGET_PPS "budget_pps"
#define FIELD_STRICT "strict"
#define FIELD_OBSERVE "observe"

struct emit {
	json_object *obj;	/* -j: the fields; text mode: NULL, printed as they come */
};

/* Starts a command's output: an object in -j mode. */
void emit_begin(struct emit *e);
/* Ends it: -j prints the object (as out_emit), text mode flushes. */
void emit_end(struct emit *e);

/* key's value; in text mode, fmt (one conversion for v: %llu, %llx) is printed */
void emit_u64(struct emit *e, const char *key, const char *fmt, __u64 v);
/* the same, the text through a formatter (fmt_bytes and the like) into fmt's %s */
void emit_u64_as(struct emit *e, const char *key, const char *fmt,
		 void (*as)(char *buf, size_t len, double v), __u64 v);
/* a boolean: text mode prints yes or no (the text for true, or for false) */
void emit_bool(struct emit *e, const char *key, const char *yes, const char *no, int v);
/* text only (the words between fields) */
void emit_text(struct emit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
