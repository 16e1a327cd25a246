/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lifeline explain: a packet through the datapath's own decision, without
 * touching the live instance. A private instance of the datapath object is
 * loaded with the live rule tables and prefilter reused (ll_rules, ll_allow,
 * ll_rule_hosts, ll_allow_hosts, ll_remotes: the packet path only reads
 * them) and everything the packet path writes private: state (a copy, at
 * the asked level), flow table (a copy: the datapath counts a flow's hits in
 * its entry), rule hit counters, counters, fragments (a copy), budget
 * bucket and pool (copies), clock, events. The frame runs through ll_xdp or
 * ll_tc_policy with BPF_PROG_TEST_RUN: the verdict is its return code, the
 * reason the private counter that moved, the matched rule the private hit
 * counter that moved, the matched flow the private flow entry that did.
 * All functions return 0 or -errno.
 */
#ifndef LL_EXPLAIN_H
#define LL_EXPLAIN_H

#include <stddef.h>
#include <linux/types.h>
#include "lifeline.h"

/* The live instance's maps (borrowed fds, never written). */
struct ll_explain_src {
	int state, flows, rules, allow, rule_hosts, allow_hosts, remotes, frags, bucket, pool;
	__u32 progs;		/* LL_EXPLAIN_XDP | LL_EXPLAIN_TC: which to load (verifying is slow) */
};

#define LL_EXPLAIN_XDP (1U << 0)	/* ll_xdp */
#define LL_EXPLAIN_TC (1U << 1)		/* ll_tc_policy */

struct lifeline_bpf;

struct ll_explain {
	struct lifeline_bpf *skel;
	struct ll_explain_src src;
	int ncpus;
	int fd_state, fd_flows, fd_hits, fd_counters, fd_frags, fd_bucket, fd_pool;
	__u32 nhits;			/* rule hit counter slots */
	struct ll_flow_bucket *live_b;	/* the live flow table, mapped read-only */
	struct ll_flow_bucket *priv_b;	/* the private copy */
	size_t flows_len;
	void *pcbuf;			/* per-CPU values scratch */
	__u64 *hits;			/* the private hit counters (packets), last read */
};

/* Level to run at: LL_LEVEL_* forces it (a manual override), this one keeps the live votes. */
#define LL_EXPLAIN_LIVE (-1)

struct ll_explain_req {
	const void *frame;
	__u32 len;
	__u32 ifindex;		/* ingress interface; 0: the namespace's loopback */
	int tc;			/* 1: ll_tc_policy (attach --mode tc), 0: ll_xdp */
	int level;		/* LL_LEVEL_* or LL_EXPLAIN_LIVE */
	int strict;		/* -1: as configured, 0/1: forced */
	int split;		/* XDP: bytes in the first buffer (multi-buffer frame), -1: all */
};

struct ll_explain_res {
	int pass;		/* the verdict */
	__u32 retval;		/* the program's return code */
	int decided;		/* a reason was counted (0: level none fast path, not counted) */
	__u32 reason;		/* enum ll_reason, when decided */
	__u32 notes;		/* bit per LL_NOTE_* counted (1U << (note - LL_FIRST_NOTE)) */
	__u32 level;		/* the effective level of the run */
	long rule_id;		/* the allow or endpoint rule credited, -1: none */
	int flow;		/* 1: an exact flow was credited, its entry below */
	struct ll_flow_key flow_key;
	struct ll_flow_val flow_val;	/* origin and flags; counters are the private copy's */
};

/* Loads the private instance over the live maps of src. */
int ll_explain_open(struct ll_explain *x, const struct ll_explain_src *src, char *err,
		    size_t errlen);
void ll_explain_close(struct ll_explain *x);

/* Snapshots the live state into the private maps and runs one frame. */
int ll_explain_run(struct ll_explain *x, const struct ll_explain_req *r, struct ll_explain_res *out);

/* A packet to synthesize (addresses as in lifeline.h: 16 bytes, v4-mapped for IPv4). */
struct ll_explain_pkt {
	__u8 proto;		/* IPPROTO_* */
	int v4;
	__u8 src[16], dst[16];
	__u16 sport, dport;	/* host order */
	__u8 tcp_flags;		/* TCP: flags byte (SYN 0x02, ACK 0x10, ...) */
	__u8 icmp_type, icmp_code;
	__u8 mac[6];		/* destination MAC (the interface's) */
	__u32 payload;		/* payload bytes */
};

#define LL_EXPLAIN_FRAME_MAX 1600

/* Builds an Ethernet frame of p into buf (LL_EXPLAIN_FRAME_MAX bytes); returns its length or -errno. */
int ll_explain_frame(const struct ll_explain_pkt *p, __u8 *buf, size_t len);

#endif

/* ---------------------------------------------------------------- the command */

struct ll_maps;
struct json_object;

/*
 * Parses `PROTO from ADDR[:PORT] to ADDR[:PORT] [dev IF] [flags F,...]
 * [type N] [code N] [len BYTES]` into p and *dev (NULL if not given).
 * 0, or -EINVAL with one line in err.
 */
int ll_explain_args(int argc, char **argv, struct ll_explain_pkt *p, const char **dev, char *err,
		    size_t errlen);

/*
 * Runs p, received on dev (NULL: the only attached interface), through the
 * instance whose maps m holds: at the live level and at each level forced.
 * *out: the report (see ll_explain_print). 0 or -errno with err set.
 */
int ll_explain_cli(const struct ll_maps *m, struct ll_explain_pkt *p, const char *dev,
		   struct json_object **out, char *err, size_t errlen);

/* The report for humans. */
void ll_explain_print(struct json_object *o);

/*
 * explain --sockets: every established TCP connection of this namespace
 * (loopback aside), as its next incoming segment on dev (NULL: the only
 * attached interface), at critical: *out has dropped[] and passed[].
 */
int ll_explain_sockets(const struct ll_maps *m, const char *dev, struct json_object **out,
		       char *err, size_t errlen);
void ll_explain_sockets_print(struct json_object *o);
