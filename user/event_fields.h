/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The names in lifelined's JSON event lines (STATE_DIR/events.sock, one
 * object a line; see lifelined --help, EVENTS SOCKET). The daemon writes
 * them through jsonw.h; `lifeline monitor` reads them with these names.
 */
#ifndef LL_EVENT_FIELDS_H
#define LL_EVENT_FIELDS_H

/* "event": what the line is */
#define LL_EVF_EVENT		"event"
#define LL_EVT_HELLO		"hello"		/* sent once on connect */
#define LL_EVT_HEARTBEAT	"heartbeat"	/* every heartbeat_ms, from the loop */
#define LL_EVT_LEVEL		"level"		/* level changed (a kernel event too) */
#define LL_EVT_STOP		"stop"		/* the daemon exits */
#define LL_EVT_ENFORCEMENT	"enforcement"	/* an interface's policy program found lost or back */
/* kernel events are named by ll_event_names[] (maps.h): pfmemalloc, level, lease_expired */

/* "origin": who produced it */
#define LL_EVF_ORIGIN		"origin"
#define LL_EVO_DAEMON		"daemon"
#define LL_EVO_KERNEL		"kernel"

#define LL_EVF_TIME		"time"		/* RFC 3339 UTC, milliseconds */
#define LL_EVF_TS_NS		"ts_ns"		/* CLOCK_MONOTONIC */
#define LL_EVF_LEVEL		"level"		/* effective level */
#define LL_EVF_PREVIOUS		"previous"
#define LL_EVF_SOURCE		"source"
#define LL_EVF_VOTE		"vote"		/* the daemon's own vote */
#define LL_EVF_VOTE_SOURCE	"vote_source"
#define LL_EVF_REASON		"reason"
#define LL_EVF_PID		"pid"
#define LL_EVF_HEARTBEAT_MS	"heartbeat_ms"
#define LL_EVF_LEASE_MS		"lease_ms"
#define LL_EVF_IFINDEX		"ifindex"
#define LL_EVF_SUPPRESSED	"suppressed"
#define LL_EVF_STATE		"state"		/* enforcement: enforcing, lost, foreign */
#define LL_EVF_INTERFACE	"interface"

#endif
