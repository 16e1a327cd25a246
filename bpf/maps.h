/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every map of the datapath and the load-time options. All maps but the
 * rule tries are preallocated, so nothing on the packet path allocates; the
 * tries (which the kernel cannot preallocate) are only written by user space.
 * Sizes marked "set at load" are resized by user space before loading.
 */
#ifndef LL_MAPS_H
#define LL_MAPS_H

/* Load-time options, set between __open() and __load(). */
const volatile __u64 ll_kernel_lease_ns = LL_KERNEL_LEASE_NS;
const volatile __u64 ll_event_interval_ns = LL_EVENT_INTERVAL_NS;
/*
 * Test hook: BPF_PROG_TEST_RUN builds its skb from plain pages, so the
 * pfmemalloc bit can never be set there. The fixture tests load a second
 * instance with this set to exercise the TC reserve branch; it is a
 * constant, so in production the verifier removes it.
 */
const volatile __u32 ll_assume_pfmemalloc = 0;
/*
 * The memory cgroup whose limit reclaim raises the level (vmscan memcg
 * tracepoint): the inode number of its directory, v1 or v2; 0 = none.
 */
const volatile __u64 ll_watch_memcg = 0;
/*
 * Test hook: count the frames that take the parser's fast entry in
 * ll_fast_frames (tests/test_diff.c compares it with the model, frame by
 * frame). A constant: in production the verifier removes the count.
 */
const volatile __u32 ll_count_fast = 0;
__u64 ll_fast_frames = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ll_state);
} ll_state SEC(".maps");

/* Buckets of exact flows (struct ll_flow_bucket in lifeline.h); a power of two. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LL_DEFAULT_MAX_FLOWS / 2);	/* ll_flow_buckets(65,536); set at load */
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ll_flow_bucket);
} ll_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, LL_DEFAULT_MAX_RULES);	/* set at load */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ll_rule_key);
	__type(value, struct ll_rule_val);
} ll_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, LL_DEFAULT_MAX_RULES);	/* set at load */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ll_rule_key);
	__type(value, struct ll_rule_val);
} ll_allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LL_DEFAULT_MAX_RULES);	/* set at load */
	__type(key, __u64);				/* ll_host_hash() */
	__type(value, struct ll_host_val);
} ll_rule_hosts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LL_DEFAULT_MAX_RULES);	/* set at load */
	__type(key, __u64);				/* ll_host_hash() */
	__type(value, struct ll_host_val);
} ll_allow_hosts SEC(".maps");

/*
 * The packet path's clock: per CPU, the coarse clock as read at the last
 * jiffy. struct { jiffies, ns }.
 */
struct ll_clock {
	__u64 jiffies;
	__u64 ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ll_clock);
} ll_clock SEC(".maps");

/* The remote prefilter (struct ll_remote_cnt in lifeline.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LL_REMOTE_ENTRIES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ll_remote_cnt);
} ll_remotes SEC(".maps");

/* Hit counters of endpoint and allow rules, by rule id (one id space). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * LL_DEFAULT_MAX_RULES);	/* set at load */
	__type(key, __u32);
	__type(value, struct ll_counter);
} ll_rule_hits SEC(".maps");

/* Control plane only: the rules as registered (see struct ll_rule_rec). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * LL_DEFAULT_MAX_RULES);	/* set at load, with ll_rule_hits */
	__type(key, __u32);
	__type(value, struct ll_rule_rec);
} ll_rule_recs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LL_COUNTER_ENTRIES);	/* verdicts and notes, then would-drops */
	__type(key, __u32);
	__type(value, struct ll_counter);
} ll_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LL_DEFAULT_MAX_FRAGS);
	__type(key, struct ll_frag_key);
	__type(value, struct ll_frag_val);
} ll_frags SEC(".maps");

/*
 * Connections whose close the sock_ops program saw with no flow of theirs
 * in the table (a flow the old programs added while a resize copied the
 * table, closed after the switch): a resize asks it before carrying such
 * a flow over (user/resize.c). Not pinned: each load has its own, and only
 * the resize that loaded it reads it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ll_flow_key);
	__type(value, __u8);
} ll_sock_closed SEC(".maps");

/* The elevated budget: each CPU's credit, and the host's pool it takes chunks from. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ll_bucket);
} ll_bucket SEC(".maps");

/* A copy of the first LL_HDR_MAX bytes of a frame whose headers are not all linear. */
struct ll_hdr_copy {
	__u8 b[LL_HDR_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ll_hdr_copy);
} ll_hdr_copy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ll_pool);
} ll_pool SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, LL_RINGBUF_BYTES);
} ll_events SEC(".maps");

/*
 * Observe mode's programs (ll_xdp_observe, ll_tc_observe), which the
 * ingress programs reach by a tail call at level none with observe on: so
 * no program is verified with both the decision and its observe variant.
 * One slot each, filled by every load of the network programs
 * (ll_skel_load); a program array takes programs of one type only, hence
 * one per hook type. An empty slot: the packet passes, uncounted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ll_observe_xdp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ll_observe_tc SEC(".maps");

/* Last emission time per event type, and how many were suppressed since. */
struct ll_evlimit {
	__u64 last_ns;
	__u64 suppressed;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LL_EV_MAX);
	__type(key, __u32);
	__type(value, struct ll_evlimit);
} ll_evlimit SEC(".maps");

#endif /* LL_MAPS_H */
