/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Typed parsers for what an operator types: endpoint SPECs, addresses with
 * ports, durations, levels, interface names and counts.
 *
 * Every parser returns 0 or -EINVAL and, on error, writes one line (no
 * newline) saying what was wrong into err (errlen bytes, always
 * NUL-terminated; err may be NULL when errlen is 0). Nothing allocates and
 * nothing resolves names: lifeline runs on hosts short of memory, so a HOST
 * is always a literal address, never a DNS name.
 *
 * SPEC grammar:
 *   SPEC   := SCHEME://HOST[:PORTS]
 *   SCHEME := tcp | udp | nbd | iscsi | nvme-tcp | nfs | ceph
 *   HOST   := IPV4[/PLEN] | '[' IPV6[/PLEN] ']'
 *   PORTS  := PORT | PORT-PORT          (1-65535, lo <= hi)
 * Examples: nbd://198.51.100.7, iscsi://198.51.100.0/24,
 *           tcp://[2001:db8::/64]:4420, udp://192.0.2.0/25:2049-2050,
 *           nbd://[2001:db8::5]:10810.
 * - tcp:// and udp:// without PORTS match any port (one range 0-65535).
 * - The block-I/O schemes are TCP and have default ports: nbd 10809,
 *   iscsi 3260, nvme-tcp 4420, nfs 2049 (NFSv4 is TCP only; for NFSv3 over
 *   UDP add udp://HOST:2049), ceph 3300, 6789 and 6800-7300 (three ranges:
 *   monitors v2/v1 and the OSD range). PORTS given replace the defaults.
 * - PLEN is 0-32 for IPv4, 0-128 for IPv6 (default: the whole address);
 *   the address must have no bits set beyond it.
 * - IPv6 always goes in brackets, with the prefix length inside them.
 * - IPv4-mapped IPv6 (::ffff:0:0/96 and longer prefixes in it) is refused:
 *   IPv4 traffic is keyed in that space, so write those as IPv4.
 * - At most LL_SPEC_MAX_LEN characters.
 */
#ifndef LL_SPEC_H
#define LL_SPEC_H

#include <stddef.h>
#include <linux/types.h>
#include "lifeline.h"

#define LL_SPEC_MAX_LEN 128	/* longest SPEC accepted */
#define LL_SPEC_FMT_LEN 192	/* enough for ll_spec_format() of any record */
#define LL_ADDR_FMT_LEN 46	/* INET6_ADDRSTRLEN */
#define LL_NUM_MAX_LEN 32	/* longest duration accepted */
/* Longest duration accepted: 365 days, so now + a duration never overflows a u64 of ns. */
#define LL_DURATION_MAX_NS (365ULL * 86400ULL * 1000000000ULL)

/*
 * Parses a SPEC into out (zeroed first): proto, plen, is_v4, addr (v4-mapped
 * for IPv4), nranges, ranges and scheme. kind, name, local and local_port
 * are left zero for the caller.
 */
int ll_spec_parse(const char *s, struct ll_rule_rec *out, char *err, size_t errlen);

/*
 * Writes the canonical SPEC of r into buf: the prefix length only when
 * shorter than the address, the ports only when they differ from the
 * scheme's defaults (tcp/udp: any port), IPv6 in RFC 5952 form. So
 * parse(format(parse(x))) == parse(x). For LL_RULE_FLOW records the local
 * end follows after one space:
 *   SPEC local ADDR[:PORT]     e.g. "nbd://198.51.100.7 local 192.0.2.1:40000",
 *                                   "tcp://[2001:db8::5]:4420 local [2001:db8::1]:40000"
 * (":PORT" left out when local_port is 0); that form is for display only.
 * Returns -EINVAL for a record ll_spec_parse() cannot produce (buf then
 * holds ""), -ENOSPC if len is too small.
 */
int ll_spec_format(const struct ll_rule_rec *r, char *buf, size_t len);

/*
 * Checks the remote part of a record the way the rule compiler needs it:
 * family flag, prefix length, v4-mapped form of IPv4, no host bits, IPv6
 * outside the v4-mapped space, 1 to LL_RULE_MAX_RANGES ranges, lo <= hi.
 */
int ll_rec_check(const struct ll_rule_rec *r, char *err, size_t errlen);

/*
 * ADDR[:PORT] as for --local: 192.0.2.1:40000, [2001:db8::1]:40000,
 * [2001:db8::1], or 2001:db8::1 (bare IPv6 has no port: all of it is the
 * address). *port is 0 when none was given; port_required makes that an error.
 */
int ll_addr_port_parse(const char *s, __u8 addr[16], int *is_v4, __u16 *port, int port_required,
		       char *err, size_t errlen);

/* Prints an address (v4-mapped when is_v4) without brackets; 0 or -ENOSPC. */
int ll_addr_format(const __u8 addr[16], int is_v4, char *buf, size_t len);

/* out = in with every bit after the first bits cleared (bits 0-128, over all 16 bytes). */
void ll_addr_mask(__u8 out[16], const __u8 in[16], unsigned int bits);

/*
 * A positive duration: a whole number with an optional unit ms, s, m, h or d
 * (none means seconds): 500ms, 30s, 5m, 2h, 1d, 90. Zero, signs, fractions,
 * values beyond LL_DURATION_MAX_NS (365d) and text longer than LL_NUM_MAX_LEN
 * are errors. Callers with a tighter bound (the lease) check it themselves.
 */
int ll_duration_parse(const char *s, __u64 *ns, char *err, size_t errlen);

/*
 * A rule's name (--name, the same in flow files): 1 to LL_NAME_LEN - 1
 * bytes of printable ASCII without spaces (what reaches a terminal through
 * flow list is never a control sequence), and no "://" (not a SPEC).
 */
int ll_name_check(const char *s, char *err, size_t errlen);

/*
 * Copies at most max bytes of s into buf (len bytes, always terminated)
 * with every byte that is not printable ASCII, and the backslash, written
 * as \xNN: for text from the maps shown on a terminal. Returns buf.
 */
const char *ll_text_escape(const char *s, size_t max, char *buf, size_t len);

/* Exactly none, elevated or critical (enum ll_level). */
int ll_level_parse(const char *s, __u32 *level, char *err, size_t errlen);

/*
 * Interface name syntax as the kernel's dev_valid_name(): 1-15 bytes, not
 * "." or "..", no '/', ':' or whitespace. Does not look the name up.
 */
int ll_ifname_check(const char *s, char *err, size_t errlen);

/*
 * A decimal number in [min, max], the whole string, digits only (no sign,
 * no spaces). what names the value in the error, e.g. "--rate".
 */
int ll_u32_parse(const char *s, __u32 min, __u32 max, __u32 *out, const char *what, char *err,
		 size_t errlen);

#endif /* LL_SPEC_H */
