/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rule compiler: registered rules (struct ll_rule_rec) in, LPM trie
 * entries (ll_rules, ll_allow) out.
 *
 * A trie lookup returns only the longest matching prefix, so every entry
 * carries the port ranges of its own rules and of every shorter rule of
 * the same protocol and address family that covers it: most specific rule
 * first (rules of equal length in input order), so the hit counter credits
 * the most specific rule. A range that an earlier range of the entry
 * contains can never be the first match and is left out; that also merges
 * duplicate rules (the first one's id is credited).
 *
 * IPv4 lives in the trie as ::ffff:0:0/96. An IPv6 rule whose prefix covers
 * that space (::/0 up to ::/80) must not match IPv4 packets, so the
 * compiler then adds an entry for 0.0.0.0/0 holding only the IPv4 /0 rules
 * (possibly none: nranges 0 matches nothing).
 */
#ifndef LL_RULES_H
#define LL_RULES_H

#include <stddef.h>
#include <linux/types.h>
#include "lifeline.h"

struct ll_rule_entry {
	struct ll_rule_key key;
	struct ll_rule_val val;
};

/* Key of a prefix: prefixlen 8 + (is_v4 ? 96 + plen : plen), address masked to it. */
void ll_rule_key_make(struct ll_rule_key *k, __u8 proto, const __u8 addr[16], int is_v4,
		      unsigned int plen);

/*
 * Compiles the records of one kind (LL_RULE_ENDPOINT or LL_RULE_ALLOW;
 * others are skipped, LL_RULE_FREE slots included). ids[i] is the rule id
 * of recs[i] (NULL: i). On success *out (malloc'ed, sorted by key; NULL
 * when *nout is 0) is the caller's to free. On error (-EINVAL: a record
 * fails ll_rec_check(), or a prefix needs more than LL_RULE_PORTS ranges;
 * -ENOMEM) *out is NULL and err names the rule or prefix.
 */
int ll_rules_compile(const struct ll_rule_rec *recs, const __u32 *ids, size_t n, __u32 kind,
		     struct ll_rule_entry **out, size_t *nout, char *err, size_t errlen);

/*
 * Makes the trie hold exactly want[0..n): inserts or replaces every wanted
 * entry first, then deletes the keys not wanted, so a rule present before
 * and after never goes missing for a packet. Returns 0 or -errno (after a
 * failure the trie holds a mix; sync again to settle it).
 */
int ll_rules_sync(int trie_fd, const struct ll_rule_entry *want, size_t n);
/*
 * The same for the host hash (full-length entries, struct ll_host_val under
 * ll_host_hash()); -EEXIST if two entries' hashes collide.
 */
int ll_hosts_sync(int hash_fd, struct ll_remote_cnt *rc, const struct ll_rule_entry *want,
		  size_t n);
/* One full-length entry into the host hash, counted in the remote prefilter rc. */
int ll_host_put(int hash_fd, struct ll_remote_cnt *rc, const struct ll_rule_key *k,
		const struct ll_rule_val *v);

/*
 * Test oracle: the rule id the datapath finds for a packet of proto from
 * addr (16 bytes, v4-mapped for IPv4) in compiled entries: the longest
 * matching prefix, then its first range holding sport or dport (host
 * order). -1 when nothing matches.
 */
int ll_rules_match(const struct ll_rule_entry *e, size_t n, __u8 proto, const __u8 addr[16],
		   __u16 sport, __u16 dport);

#endif /* LL_RULES_H */
