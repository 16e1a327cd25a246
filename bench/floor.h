/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The exact-match floor (bench/bare.bpf.c, bare_xdp_exact; filled by
 * pktcost): the least any filter that looks IPv4 5-tuples up in a table of
 * a million flows has to do. One slot per tuple in an array of 2^21, found
 * by a multiply hash, compared once; no VLAN, no IPv6, no options, no level,
 * no counters, no collision handling. Shared by the program and its filler.
 */
#ifndef LL_BENCH_FLOOR_H
#define LL_BENCH_FLOOR_H

#define FLOOR_BITS 21

struct floor_key {
	__u32 saddr, daddr;	/* network order, as in the header */
	__u32 ports;		/* source and destination port, as in the header */
	__u32 proto;
};

static inline __u32 floor_slot(__u32 saddr, __u32 daddr, __u32 ports, __u32 proto)
{
	__u64 h = (__u64)saddr * 0x9e3779b97f4a7c15ULL ^ (__u64)daddr * 0xc2b2ae3d27d4eb4fULL ^
		  ((__u64)ports << 8 | proto) * 0x165667b19e3779f9ULL;

	return (__u32)(h >> (64 - FLOOR_BITS));
}

#endif
