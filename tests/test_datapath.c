// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Datapath fixtures: each case builds a frame, sets the maps from scratch
 * (so order never matters), runs one program through BPF_PROG_TEST_RUN and
 * checks the verdict and the exact counter deltas of that hook.
 *
 * The TC pfmemalloc branch: BPF_PROG_TEST_RUN builds its skb from ordinary
 * pages, so skb->pfmemalloc is never set there. The cases marked TC_PFM run
 * a second instance of the object loaded with ll_assume_pfmemalloc = 1 (a
 * load-time constant, dead code in production), which makes the program
 * take exactly the branch a reserve-backed skb takes. That the real bit is
 * read through bpf_cast_to_kern_ctx is proved by the verifier accepting
 * the program.
 */
#include <errno.h>
#include <sched.h>
#include <unistd.h>
#include <sys/wait.h>
#include <signal.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "testlib.h"
#include "pkt.h"
#include "maps.h"
#include "rules.h"
#include "lifeline.skel.h"
#include "instance.h"

TEST_STATE_DEFINE;

enum prog { XDP = 0, TC_IN, TC_PFM, TC_EG, TC_POL };	/* TC_POL: ll_tc_policy */
enum { PASS = 1, DROP = 2 };
#define NO_COUNT 0xff	/* fast path: nothing counted */

/* The standard tables every case starts from (unless .empty). */
#define LOCAL4 "192.0.2.1"
#define LOCAL6 "2001:db8::1"
#define NBD4 "198.51.100.7"	/* exact flow 198.51.100.7:10809 -> 192.0.2.1:40000 */
#define NBD6 "2001:db8:1::7"	/* exact flow [..7]:10809 -> [2001:db8::1]:40000 */
#define ISCSI4 "203.0.113.20"	/* rule tcp 203.0.113.0/24 port 3260 */
#define NVME6 "2001:db8:2::20"	/* rule tcp 2001:db8:2::/48 port 4420 */
#define NFS4 "198.51.100.30"	/* rule udp 198.51.100.0/25 port 2049 */
#define ADMIN4 "198.51.100.200"	/* allow tcp 198.51.100.200/32 port 22 */
#define ADMIN6 "2001:db8:9::9"	/* allow tcp 2001:db8:9::/64 port 22 */
#define HOST4 "192.0.2.77"	/* rule tcp 192.0.2.77/32 ports 10900-10999 (host hash) */
#define HOST6 "2001:db8:4::77"	/* rule tcp 2001:db8:4::77/128 ports 10900-10999 (host hash) */
#define FLOOD4 "203.0.113.50"
#define FLOOD6 "2001:db8:3::50"

enum { RULE_ISCSI = 1, RULE_NVME = 2, RULE_NFS = 3, RULE_HOST4 = 4, RULE_HOST6 = 5,
       RULE_SSH4 = 10, RULE_SSH6 = 11 };

struct fixture {
	const char *name;
	enum prog prog;
	struct pkt_spec pkt;
	__u32 level;		/* daemon vote, lease valid for an hour */
	int lease_expired;	/* daemon vote's lease in the past */
	int kernel;		/* kernel vote critical, valid */
	int override;		/* 1 + level: manual override to that level */
	int empty;		/* no flows or rules */
	__u64 tokens;		/* elevated: this CPU's credit; the host pool empty */
	int refill;		/* elevated: no credit, the host pool full (untouched for 2 s) */
	__u64 pps;		/* elevated: budget_pps */
	const struct pkt_spec *prime;	/* sent first (first fragment) */
	int verdict;
	__u8 reason;		/* counted reason, or NO_COUNT */
	__u8 notes[2];		/* extra notes expected (0-terminated; 0 = LL_PASS_LEASE_EXPIRED never a note) */
	int rule_hit;		/* rule id expected to count one hit */
	int flow_hit;		/* 4 or 6: that exact flow counted one hit */
	int kernel_raised;	/* kernel vote raised to critical */
	int marked;		/* egress: priority set */
};

#define T(s, d, sp, dp) .src = s, .dst = d, .sport = sp, .dport = dp
#define UDP .proto = IPPROTO_UDP

static const struct pkt_spec first4 = { T(NBD4, LOCAL4, 10809, 40000), .frag = PKT_FRAG_FIRST, .frag_id = 77, .payload = 100 };
static const struct pkt_spec first6 = { T(NBD6, LOCAL6, 10809, 40000), .ext = { 44 }, .next = 1, .frag = PKT_FRAG_FIRST, .frag_id = 78, .payload = 100 };
/* dstopts after the fragment header: the later fragments' next header is 60, not TCP */
static const struct pkt_spec first6dst = { T(NBD6, LOCAL6, 10809, 40000), .ext = { 44, 60 }, .next = 2, .frag = PKT_FRAG_FIRST, .frag_id = 81, .payload = 100 };
static const struct pkt_spec firstu4 = { T(FLOOD4, LOCAL4, 5000, 9), UDP, .frag = PKT_FRAG_FIRST, .frag_id = 79, .payload = 100 };
static const struct pkt_spec firstnfs = { T(NFS4, LOCAL4, 2049, 800), UDP, .frag = PKT_FRAG_FIRST, .frag_id = 80, .payload = 100 };

static const struct fixture special[] = {
	/* level none: the fast path, nothing counted */
	{ "none/flood passes uncounted", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, 0, .verdict = PASS, .reason = NO_COUNT },
	{ "none/malformed passes uncounted", XDP, { T(FLOOD4, LOCAL4, 5000, 9), .truncate = 20 }, 0, .verdict = PASS, .reason = NO_COUNT },
	{ "none/override none beats daemon critical", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, LL_LEVEL_CRITICAL, .override = 1 + LL_LEVEL_NONE, .verdict = PASS, .reason = NO_COUNT },
	/* lease */
	{ "lease/expired critical fails open", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, LL_LEVEL_CRITICAL, .lease_expired = 1, .verdict = PASS, .reason = LL_PASS_LEASE_EXPIRED },
	{ "lease/expired elevated fails open", XDP, { T(FLOOD6, LOCAL6, 5000, 9), UDP }, LL_LEVEL_ELEVATED, .lease_expired = 1, .verdict = PASS, .reason = LL_PASS_LEASE_EXPIRED },
	{ "lease/expired but kernel vote critical", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, LL_LEVEL_ELEVATED, .lease_expired = 1, .kernel = 1, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "override/critical beats daemon none", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, 0, .override = 1 + LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "override/elevated beats kernel critical", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, 0, .kernel = 1, .override = 1 + LL_LEVEL_ELEVATED, .tokens = 100000, .verdict = PASS, .reason = LL_PASS_BUDGET },
	{ "kernel/vote alone drops flood", XDP, { T(FLOOD6, LOCAL6, 5000, 9), UDP }, 0, .kernel = 1, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	/* essentials at critical */
	{ "essential/ARP", XDP, { .ethertype = 0x0806 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL },
	{ "essential/ARP in QinQ", XDP, { .ethertype = 0x0806, .vlans = 2 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL },
	{ "essential/ND router solicitation 133", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 133 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL },
	{ "essential/ND neighbour solicitation 135", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 135 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL },
	{ "essential/ND neighbour advertisement 136 in VLAN", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 136, .vlans = 1 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL },
	{ "essential/ND redirect 137", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 137 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL },
	{ "essential/ICMPv6 packet too big", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 2 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL },
	{ "essential/ICMPv6 PTB after hop-by-hop", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 2, .ext = { 0 }, .next = 1 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL },
	{ "essential/ICMPv4 frag needed", XDP, { T(FLOOD4, LOCAL4, 0, 0), .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL },
	/* essentials are bounded: no flood rides them (LL_ESSENTIAL_*) */
	{ "nonessential/ND solicitation hop limit 64 (off-link) dropped", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 135, .hop_limit = 64 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "nonessential/router advertisement hop limit 7 dropped", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 134, .hop_limit = 7 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "nonessential/ND with 1300 bytes of junk dropped", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 135, .payload = 1300 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "essential/ICMPv6 PTB of 1280 bytes of IPv6 passes", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 2, .payload = 1280 - 40 - 8 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL },
	{ "nonessential/ICMPv6 PTB over 1280 bytes dropped", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 2, .payload = 1400 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "essential/ICMPv4 frag needed of 576 bytes passes", XDP, { T(FLOOD4, LOCAL4, 0, 0), .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4, .payload = 576 - 20 - 8 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL },
	{ "nonessential/ICMPv4 frag needed of 1400 bytes dropped", XDP, { T(FLOOD4, LOCAL4, 0, 0), .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4, .payload = 1400 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "nonessential/ICMPv4 echo dropped", XDP, { T(FLOOD4, LOCAL4, 0, 0), .proto = IPPROTO_ICMP, .icmp_type = 8 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "nonessential/ICMPv4 port unreachable dropped", XDP, { T(FLOOD4, LOCAL4, 0, 0), .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 3 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "nonessential/ICMPv6 echo dropped", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 128 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "nonessential/other ethertype dropped", XDP, { .ethertype = 0x88cc }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	/* management */
	{ "mgmt/ssh from admin v4 at critical", XDP, { T(ADMIN4, LOCAL4, 51000, 22) }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_MGMT, .rule_hit = RULE_SSH4 },
	{ "mgmt/ssh from admin v6 at critical", XDP, { T(ADMIN6, LOCAL6, 51000, 22) }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_MGMT, .rule_hit = RULE_SSH6 },
	{ "mgmt/admin host other port dropped", XDP, { T(ADMIN4, LOCAL4, 51000, 80) }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "mgmt/ssh from elsewhere dropped", XDP, { T(FLOOD4, LOCAL4, 51000, 22) }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "mgmt/ssh over UDP is not the rule", XDP, { T(ADMIN4, LOCAL4, 51000, 22), UDP }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	/* flows and rules, specific shapes */
	{ "flow/wrong local port is not the flow", XDP, { T(NBD4, LOCAL4, 10809, 40001) }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "flow/UDP with flow's tuple is not the TCP flow", XDP, { T(NBD4, LOCAL4, 10809, 40000), UDP }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "flow/with IPv4 options", XDP, { T(NBD4, LOCAL4, 10809, 40000), .ip4_opt_words = 3 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_FLOW, .flow_hit = 4 },
	{ "flow/with max IPv4 options", XDP, { T(NBD4, LOCAL4, 10809, 40000), .ip4_opt_words = 10 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_FLOW, .flow_hit = 4 },
	{ "flow/v6 after hop-by-hop", XDP, { T(NBD6, LOCAL6, 10809, 40000), .ext = { 0 }, .next = 1 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_FLOW, .flow_hit = 6 },
	{ "flow/v6 after routing header", XDP, { T(NBD6, LOCAL6, 10809, 40000), .ext = { 43 }, .next = 1 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_FLOW, .flow_hit = 6 },
	{ "flow/v6 after destination options", XDP, { T(NBD6, LOCAL6, 10809, 40000), .ext = { 60 }, .next = 1 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_FLOW, .flow_hit = 6 },
	{ "flow/v6 after hbh+routing+dstopts", XDP, { T(NBD6, LOCAL6, 10809, 40000), .ext = { 0, 43, 60 }, .next = 3 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_FLOW, .flow_hit = 6 },
	{ "rule/iscsi server port is source", XDP, { T(ISCSI4, LOCAL4, 3260, 45000) }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_RULE, .rule_hit = RULE_ISCSI },
	{ "rule/iscsi server port is destination (target host)", XDP, { T(ISCSI4, LOCAL4, 45000, 3260) }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_RULE, .rule_hit = RULE_ISCSI },
	{ "rule/iscsi prefix, wrong port", XDP, { T(ISCSI4, LOCAL4, 3261, 45000) }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "rule/nvme v6 /48", XDP, { T(NVME6, LOCAL6, 4420, 45000) }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_RULE, .rule_hit = RULE_NVME },
	{ "rule/nvme v6 outside /48", XDP, { T("2001:db8:3::20", LOCAL6, 4420, 45000) }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "rule/exact host v4 (host hash), port in range", XDP, { T(HOST4, LOCAL4, 10950, 45000) }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_RULE, .rule_hit = RULE_HOST4 },
	{ "rule/exact host v6 (host hash), port in range", XDP, { T(HOST6, LOCAL6, 45000, 10900) }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_RULE, .rule_hit = RULE_HOST6 },
	{ "rule/exact host v4, port out of range", XDP, { T(HOST4, LOCAL4, 11000, 45000) }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "rule/exact host v4, UDP is not the TCP rule", XDP, { T(HOST4, LOCAL4, 10950, 45000), UDP }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "rule/nfs udp", XDP, { T(NFS4, LOCAL4, 2049, 800), UDP }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_RULE, .rule_hit = RULE_NFS },
	{ "rule/nfs udp rule does not pass tcp", XDP, { T(NFS4, LOCAL4, 2049, 800) }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "rule/nfs host outside /25", XDP, { T("198.51.100.130", LOCAL4, 2049, 800), UDP }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "empty/nbd dropped when nothing registered", XDP, { T(NBD4, LOCAL4, 10809, 40000) }, LL_LEVEL_CRITICAL, .empty = 1, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	/* fragments */
	{ "frag/first of registered flow", XDP, { T(NBD4, LOCAL4, 10809, 40000), .frag = PKT_FRAG_FIRST, .frag_id = 77 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_FLOW, .flow_hit = 4 },
	{ "frag/later after registered first v4", XDP, { T(NBD4, LOCAL4, 0, 0), .frag = PKT_FRAG_LATER, .frag_id = 77 }, LL_LEVEL_CRITICAL, .prime = &first4, .verdict = PASS, .reason = LL_PASS_FRAG },
	{ "frag/later after registered first v6", XDP, { T(NBD6, LOCAL6, 0, 0), .ext = { 44 }, .next = 1, .frag = PKT_FRAG_LATER, .frag_id = 78 }, LL_LEVEL_CRITICAL, .prime = &first6, .verdict = PASS, .reason = LL_PASS_FRAG },
	{ "frag/later after rule-matched first (nfs udp)", XDP, { T(NFS4, LOCAL4, 0, 0), UDP, .frag = PKT_FRAG_LATER, .frag_id = 80 }, LL_LEVEL_CRITICAL, .prime = &firstnfs, .verdict = PASS, .reason = LL_PASS_FRAG },
	{ "frag/later, other id than the first", XDP, { T(NBD4, LOCAL4, 0, 0), .frag = PKT_FRAG_LATER, .frag_id = 99 }, LL_LEVEL_CRITICAL, .prime = &first4, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_FRAG_ORPHAN } },
	{ "frag/later, first never seen (registered host)", XDP, { T(NBD4, LOCAL4, 0, 0), .frag = PKT_FRAG_LATER, .frag_id = 77 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_FRAG_ORPHAN } },
	{ "frag/later of unregistered first", XDP, { T(FLOOD4, LOCAL4, 0, 0), UDP, .frag = PKT_FRAG_LATER, .frag_id = 79 }, LL_LEVEL_CRITICAL, .prime = &firstu4, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_FRAG_ORPHAN } },
	{ "frag/first of unregistered", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP, .frag = PKT_FRAG_FIRST, .frag_id = 79 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "frag/later v6 orphan at elevated within budget", XDP, { T(FLOOD6, LOCAL6, 0, 0), .ext = { 44 }, .next = 1, .frag = PKT_FRAG_LATER, .frag_id = 5 }, LL_LEVEL_ELEVATED, .tokens = 100000, .verdict = PASS, .reason = LL_PASS_BUDGET, .notes = { LL_NOTE_FRAG_ORPHAN } },
	/* token bucket */
	{ "budget/under", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP, .payload = 100 }, LL_LEVEL_ELEVATED, .tokens = 10000, .verdict = PASS, .reason = LL_PASS_BUDGET },
	{ "budget/over", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP, .payload = 100 }, LL_LEVEL_ELEVATED, .tokens = 50, .verdict = DROP, .reason = LL_DROP_BUDGET },
	/* a 142-byte frame holds a page and an sk_buff: 1,000 bytes of credit do not cover it */
	{ "budget/charged the frame's memory, not its length", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP, .payload = 100 }, LL_LEVEL_ELEVATED, .tokens = 1000, .verdict = DROP, .reason = LL_DROP_BUDGET },
	{ "budget/tc charged the skb's truesize, not its length", TC_POL, { T(FLOOD4, LOCAL4, 5000, 9), UDP, .payload = 100 }, LL_LEVEL_ELEVATED, .tokens = 300, .verdict = DROP, .reason = LL_DROP_BUDGET },
	{ "budget/tc within the truesize", TC_POL, { T(FLOOD4, LOCAL4, 5000, 9), UDP, .payload = 100 }, LL_LEVEL_ELEVATED, .tokens = 10000, .verdict = PASS, .reason = LL_PASS_BUDGET },
	/* 1,000,000 bytes/s at 10 packets/s: each packet costs at least 100,000 bytes */
	{ "budget/packet rate cap", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, LL_LEVEL_ELEVATED, .tokens = 99999, .pps = 10, .verdict = DROP, .reason = LL_DROP_BUDGET },
	{ "budget/packet rate cap within", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, LL_LEVEL_ELEVATED, .tokens = 100000, .pps = 10, .verdict = PASS, .reason = LL_PASS_BUDGET },
	{ "budget/empty", XDP, { T(FLOOD6, LOCAL6, 5000, 9), UDP }, LL_LEVEL_ELEVATED, .tokens = 0, .verdict = DROP, .reason = LL_DROP_BUDGET },
	{ "budget/refilled after idle", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, LL_LEVEL_ELEVATED, .refill = 1, .verdict = PASS, .reason = LL_PASS_BUDGET },
	{ "budget/registered flow does not spend budget", XDP, { T(NBD4, LOCAL4, 10809, 40000) }, LL_LEVEL_ELEVATED, .tokens = 0, .verdict = PASS, .reason = LL_PASS_FLOW, .flow_hit = 4 },
	/* malformed: the level policy for unknown traffic, plus a note */
	{ "malformed/IPv4 ethertype, no IP header", XDP, { T(FLOOD4, LOCAL4, 5000, 9), .truncate = 14 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	/* Frames under 14 bytes: BPF_PROG_TEST_RUN refuses them (EINVAL), and NICs drop runts. */
	{ "malformed/cut in VLAN tag", XDP, { T(FLOOD4, LOCAL4, 5000, 9), .vlans = 2, .truncate = 20 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	{ "malformed/cut in IPv4 header", XDP, { T(NBD4, LOCAL4, 10809, 40000), .truncate = 14 + 19 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	{ "malformed/cut in IPv4 options", XDP, { T(NBD4, LOCAL4, 10809, 40000), .ip4_opt_words = 4, .truncate = 14 + 30 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	{ "malformed/cut in TCP header of registered flow", XDP, { T(NBD4, LOCAL4, 10809, 40000), .truncate = 14 + 20 + 19 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	{ "malformed/cut in UDP header", XDP, { T(NFS4, LOCAL4, 2049, 800), UDP, .truncate = 14 + 20 + 7 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	{ "malformed/cut in IPv6 header", XDP, { T(NBD6, LOCAL6, 10809, 40000), .truncate = 14 + 39 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	{ "malformed/cut in IPv6 extension header", XDP, { T(NBD6, LOCAL6, 10809, 40000), .ext = { 0 }, .next = 1, .truncate = 14 + 40 + 10 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	{ "malformed/cut in IPv6 fragment header", XDP, { T(NBD6, LOCAL6, 10809, 40000), .ext = { 44 }, .next = 1, .frag = PKT_FRAG_FIRST, .truncate = 14 + 40 + 7 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	{ "malformed/cut in TCP v6 at elevated within budget", XDP, { T(NBD6, LOCAL6, 10809, 40000), .truncate = 14 + 40 + 10 }, LL_LEVEL_ELEVATED, .tokens = 100000, .verdict = PASS, .reason = LL_PASS_BUDGET, .notes = { LL_NOTE_MALFORMED } },
	{ "malformed/cut in ICMPv6 ND is not essential", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 135, .truncate = 14 + 40 + 1 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	{ "ext/IPv6 chain of 4 headers", XDP, { T(NBD6, LOCAL6, 10809, 40000), .ext = { 0, 60, 43, 60 }, .next = 4 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_FLOW, .flow_hit = 6 },
	{ "ext/IPv6 chain of 6 headers, the limit", XDP, { T(NBD6, LOCAL6, 10809, 40000), .ext = { 0, 60, 43, 60, 43, 60 }, .next = 6 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_FLOW, .flow_hit = 6 },
	{ "malformed/IPv6 chain of 7 headers, over the limit", XDP, { T(NBD6, LOCAL6, 10809, 40000), .ext = { 0, 60, 43, 60, 43, 60, 60 }, .next = 7 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	{ "malformed/IPv6 with an IPv4-mapped source of a registered flow", XDP, { T("::ffff:198.51.100.7", LOCAL6, 10809, 40000) }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL, .notes = { LL_NOTE_MALFORMED } },
	{ "icmp family/ICMPv6 PTB type in IPv4 (protocol 58) is not essential", XDP, { T(FLOOD4, LOCAL4, 0, 0), .proto = IPPROTO_ICMPV6, .icmp_type = 2 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "icmp family/ICMPv4 frag-needed in IPv6 (next header 1) is not essential", XDP, { T(FLOOD6, LOCAL6, 0, 0), .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4 }, LL_LEVEL_CRITICAL, .verdict = DROP, .reason = LL_DROP_CRITICAL },
	{ "frag/later v6 after a first fragment with a header after the fragment header", XDP, { T(NBD6, LOCAL6, 0, 0), .proto = 60, .ext = { 44 }, .next = 1, .frag = PKT_FRAG_LATER, .frag_id = 81 }, LL_LEVEL_CRITICAL, .prime = &first6dst, .verdict = PASS, .reason = LL_PASS_FRAG },
	/* TC ingress: no pfmemalloc, nothing to do */
	{ "tc/no pfmemalloc passes untouched at critical", TC_IN, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = NO_COUNT },
	/* TC ingress, reserve-backed skbs (see the comment at the top) */
	{ "pfm/unregistered at none dropped, level raised", TC_PFM, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, 0, .verdict = DROP, .reason = LL_DROP_PFMEMALLOC, .notes = { LL_NOTE_PFMEMALLOC }, .kernel_raised = 1 },
	{ "pfm/unregistered v6 at elevated dropped", TC_PFM, { T(FLOOD6, LOCAL6, 5000, 9), UDP }, LL_LEVEL_ELEVATED, .tokens = 100000, .verdict = DROP, .reason = LL_DROP_PFMEMALLOC, .notes = { LL_NOTE_PFMEMALLOC }, .kernel_raised = 1 },
	{ "pfm/registered flow passes", TC_PFM, { T(NBD4, LOCAL4, 10809, 40000) }, 0, .verdict = PASS, .reason = LL_PASS_FLOW, .notes = { LL_NOTE_PFMEMALLOC }, .flow_hit = 4 },
	{ "pfm/rule passes at critical", TC_PFM, { T(ISCSI4, LOCAL4, 3260, 45000) }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_RULE, .notes = { LL_NOTE_PFMEMALLOC }, .rule_hit = RULE_ISCSI },
	{ "pfm/mgmt passes", TC_PFM, { T(ADMIN4, LOCAL4, 51000, 22) }, 0, .verdict = PASS, .reason = LL_PASS_MGMT, .notes = { LL_NOTE_PFMEMALLOC }, .rule_hit = RULE_SSH4 },
	{ "pfm/ARP passes", TC_PFM, { .ethertype = 0x0806 }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = LL_PASS_ESSENTIAL, .notes = { LL_NOTE_PFMEMALLOC } },
	{ "pfm/malformed dropped", TC_PFM, { T(NBD4, LOCAL4, 10809, 40000), .truncate = 40 }, 0, .verdict = DROP, .reason = LL_DROP_PFMEMALLOC, .notes = { LL_NOTE_PFMEMALLOC, LL_NOTE_MALFORMED }, .kernel_raised = 1 },
	/* TC egress */
	{ "egress/registered flow marked", TC_EG, { T(LOCAL4, NBD4, 40000, 10809) }, 0, .verdict = PASS, .reason = NO_COUNT, .notes = { LL_NOTE_MARKED }, .marked = 1 },
	{ "egress/registered v6 flow marked", TC_EG, { T(LOCAL6, NBD6, 40000, 10809) }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = NO_COUNT, .notes = { LL_NOTE_MARKED }, .marked = 1 },
	{ "egress/rule endpoint marked", TC_EG, { T(LOCAL4, ISCSI4, 45000, 3260) }, 0, .verdict = PASS, .reason = NO_COUNT, .notes = { LL_NOTE_MARKED }, .marked = 1 },
	{ "egress/unregistered untouched", TC_EG, { T(LOCAL4, FLOOD4, 40000, 10809) }, LL_LEVEL_CRITICAL, .verdict = PASS, .reason = NO_COUNT },
};

struct instance {
	struct lifeline_bpf *skel;
	struct ll_flowtab ft;	/* ll_flows, mapped */
	int ncpus;
};

static struct instance inst[2];	/* [0] production, [1] ll_assume_pfmemalloc */

static int clear_map(int fd, __u32 key_size)
{
	__u8 key[64], next[64];

	/* Always restart from the first key: deleting invalidates the cursor. */
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		if (bpf_map_delete_elem(fd, next))
			return -errno;
	}
	(void)key;
	(void)key_size;
	return 0;
}

static int zero_array(int fd, __u32 entries, size_t value_size, int percpu, int ncpus)
{
	size_t sz = value_size * (percpu ? ncpus : 1);
	__u8 *zero = calloc(1, sz);
	int err = 0;

	for (__u32 i = 0; i < entries && !err; i++)
		if (bpf_map_update_elem(fd, &i, zero, 0))
			err = -errno;
	free(zero);
	return err;
}

static void add_flow(struct ll_flowtab *t, const char *remote, __u16 rport, const char *local,
		     __u16 lport)
{
	struct ll_flow_key k = { .proto = IPPROTO_TCP };
	struct ll_flow_val v = { .origin = LL_ORIGIN_CLI };
	int err;

	pkt_addr16(remote, k.remote);
	pkt_addr16(local, k.local);
	k.remote_port = htons(rport);
	k.local_port = htons(lport);
	if ((err = ll_flowtab_insert(t, &k, &v)))
		TEST_FAIL_MSG("add flow: %s", strerror(-err));
}

/* A rule entry where the control plane puts it: host hash or trie, counted in the state. */
static void add_rule(struct instance *in, int allow, __u8 proto, const char *addr, int plen,
		     __u16 lo, __u16 hi, __u32 id)
{
	struct ll_rule_key k = { .proto = proto };
	struct ll_rule_val v = { .nranges = 1 };
	int full = plen == (strchr(addr, ':') ? 128 : 32);
	struct lifeline_bpf *sk = in->skel;
	struct bpf_map *map = allow ? (full ? sk->maps.ll_allow_hosts : sk->maps.ll_allow) :
				      (full ? sk->maps.ll_rule_hosts : sk->maps.ll_rules);
	struct ll_state st;
	__u32 zero = 0;

	pkt_addr16(addr, k.addr);
	k.prefixlen = 8 + (strchr(addr, ':') ? plen : 96 + plen);
	v.ranges[0].lo = lo;
	v.ranges[0].hi = hi;
	v.ranges[0].rule_id = id;
	if ((full ? ll_host_put(bpf_map__fd(map), in->ft.rc, &k, &v)
		  : bpf_map_update_elem(bpf_map__fd(map), &k, &v, 0)) ||
	    bpf_map_lookup_elem(bpf_map__fd(sk->maps.ll_state), &zero, &st))
		TEST_FAIL_MSG("add rule: %s", strerror(errno));
	if (full)
		st.host_entries[allow]++;
	else
		st.trie_entries[allow]++;
	bpf_map_update_elem(bpf_map__fd(sk->maps.ll_state), &zero, &st, 0);
}

static int reset(struct instance *in, const struct fixture *f)
{
	struct lifeline_bpf *s = in->skel;
	struct ll_state st = { .egress_priority = LL_TC_PRIO_INTERACTIVE, .egress_mark = 0x4c4c };
	__u64 now = ll_now_ns();
	__u32 zero = 0;
	struct ll_bucket b[in->ncpus];
	struct ll_pool pool = {};
	int err = 0;

	memset(in->ft.b, 0, in->ft.len);
	memset(in->ft.rc, 0, sizeof(struct ll_remote_cnt) * LL_REMOTE_ENTRIES);
	err |= clear_map(bpf_map__fd(s->maps.ll_rules), sizeof(struct ll_rule_key));
	err |= clear_map(bpf_map__fd(s->maps.ll_allow), sizeof(struct ll_rule_key));
	err |= clear_map(bpf_map__fd(s->maps.ll_rule_hosts), sizeof(struct ll_rule_key));
	err |= clear_map(bpf_map__fd(s->maps.ll_allow_hosts), sizeof(struct ll_rule_key));
	err |= clear_map(bpf_map__fd(s->maps.ll_frags), sizeof(struct ll_frag_key));
	err |= zero_array(bpf_map__fd(s->maps.ll_counters), LL_COUNTER_ENTRIES, sizeof(struct ll_counter), 1, in->ncpus);
	err |= zero_array(bpf_map__fd(s->maps.ll_rule_hits), 16, sizeof(struct ll_counter), 1, in->ncpus);
	err |= zero_array(bpf_map__fd(s->maps.ll_evlimit), LL_EV_MAX, 16, 0, 1);
	if (err)
		return err;

	if (f->level) {
		st.daemon.level = f->level;
		st.daemon.source = LL_SRC_PSI;
		/* expired by more than a jiffy: the datapath reads the coarse clock */
		st.daemon.expires_ns = f->lease_expired ? now - 100000000ULL : now + 3600ULL * 1000000000ULL;
	}
	if (f->kernel) {
		st.kernel.level = LL_LEVEL_CRITICAL;
		st.kernel.source = LL_SRC_VMSCAN;
		st.kernel.expires_ns = now + 3600ULL * 1000000000ULL;
	}
	if (f->override) {
		st.override_active = 1;
		st.override.level = f->override - 1;
		st.override.source = LL_SRC_MANUAL;
	}
	st.budget_rate = 1000000;
	st.budget_burst = f->refill ? 5000 : f->tokens;
	st.budget_pps = f->pps;
	if (bpf_map_update_elem(bpf_map__fd(s->maps.ll_state), &zero, &st, 0))
		return -errno;

	for (int i = 0; i < in->ncpus; i++) {
		b[i].tokens = f->refill ? 0 : f->tokens;
		b[i].admitted = 0;
	}
	if (bpf_map_update_elem(bpf_map__fd(s->maps.ll_bucket), &zero, b, 0))
		return -errno;
	/* paid up to 2 s ago: the pool is full; an hour ahead: empty for the case */
	pool.paid_ns = f->refill ? now - 2000000000ULL : now + 3600ULL * 1000000000ULL;
	if (bpf_map_update_elem(bpf_map__fd(s->maps.ll_pool), &zero, &pool, 0))
		return -errno;

	if (f->empty)
		return 0;
	add_flow(&in->ft, NBD4, 10809, LOCAL4, 40000);
	add_flow(&in->ft, NBD6, 10809, LOCAL6, 40000);
	add_rule(in, 0, IPPROTO_TCP, "203.0.113.0", 24, 3260, 3260, RULE_ISCSI);
	add_rule(in, 0, IPPROTO_TCP, "2001:db8:2::", 48, 4420, 4420, RULE_NVME);
	add_rule(in, 0, IPPROTO_UDP, "198.51.100.0", 25, 2049, 2049, RULE_NFS);
	add_rule(in, 0, IPPROTO_TCP, HOST4, 32, 10900, 10999, RULE_HOST4);
	add_rule(in, 0, IPPROTO_TCP, HOST6, 128, 10900, 10999, RULE_HOST6);
	add_rule(in, 1, IPPROTO_TCP, ADMIN4, 32, 22, 22, RULE_SSH4);
	add_rule(in, 1, IPPROTO_TCP, "2001:db8:9::", 64, 22, 22, RULE_SSH6);
	return 0;
}

static int run_prog(struct instance *in, enum prog p, const struct pkt_spec *ps, int *verdict,
		    struct __sk_buff *skb_out, size_t *len_out)
{
	__u8 buf[2048];
	size_t len = pkt_build(buf, sizeof(buf), ps);
	struct __sk_buff skb = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .repeat = 1);
	struct bpf_program *prog;
	int err;

	if (!len)
		return -EINVAL;
	*len_out = len;
	opts.data_size_in = len;
	if (p == XDP) {
		prog = in->skel->progs.ll_xdp;
	} else {
		prog = p == TC_EG ? in->skel->progs.ll_tc_egress :
		       p == TC_POL ? in->skel->progs.ll_tc_policy : in->skel->progs.ll_tc_ingress;
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
		opts.ctx_out = skb_out;
		opts.ctx_size_out = sizeof(*skb_out);
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err)
		return -errno;
	if (p == XDP)
		*verdict = opts.retval == XDP_PASS ? PASS : opts.retval == XDP_DROP ? DROP : -(int)opts.retval;
	else
		*verdict = opts.retval == (__u32)-1 ? PASS : opts.retval == 2 ? DROP : -(int)opts.retval;
	return 0;
}

static __u32 hook_of(enum prog p)
{
	return p == XDP ? LL_HOOK_XDP : p == TC_EG ? LL_HOOK_TC_EGRESS : LL_HOOK_TC_INGRESS;
}

static void check_counters(struct instance *in, const struct fixture *f, size_t len)
{
	int fd = bpf_map__fd(in->skel->maps.ll_counters);
	__u32 hook = hook_of(f->prog);

	for (__u32 h = 0; h < LL_HOOK_MAX; h++) {
		for (__u32 r = 0; r < LL_REASON_MAX; r++) {
			struct ll_counter c;
			__u64 want = 0;
			char what[96];

			if (ll_percpu_counter_sum(fd, LL_COUNTER_IDX(h, r), &c)) {
				TEST_FAIL_MSG("read counter: %s", strerror(errno));
				return;
			}
			if (h == hook) {
				want = r == f->reason;
				for (int n = 0; n < 2; n++)
					if (f->notes[n] && f->notes[n] == r)
						want = 1;
			}
			snprintf(what, sizeof(what), "counter %s/%s packets", ll_hook_names[h],
				 ll_reason_names[r]);
			ASSERT_EQ(c.packets, want, what);
			if (want && r != LL_NOTE_EVENT_LOST) {
				snprintf(what, sizeof(what), "counter %s/%s bytes", ll_hook_names[h],
					 ll_reason_names[r]);
				ASSERT_EQ(c.bytes, len, what);
			}
		}
	}
}

static void check_hits(struct instance *in, const struct fixture *f)
{
	struct ll_flow_key k = { .proto = IPPROTO_TCP };
	struct ll_flow_entry *e;
	struct ll_counter c;

	for (int id = 0; id < 16; id++) {
		char what[64];

		if (ll_percpu_counter_sum(bpf_map__fd(in->skel->maps.ll_rule_hits), id, &c))
			continue;
		snprintf(what, sizeof(what), "rule %d hits", id);
		ASSERT_EQ(c.packets, f->rule_hit && f->rule_hit == id, what);
	}
	if (f->empty)
		return;
	for (int fam = 4; fam <= 6; fam += 2) {
		pkt_addr16(fam == 4 ? NBD4 : NBD6, k.remote);
		pkt_addr16(fam == 4 ? LOCAL4 : LOCAL6, k.local);
		k.remote_port = htons(10809);
		k.local_port = htons(40000);
		e = ll_flowtab_find(&in->ft, &k);
		if (!ASSERT_TRUE(e != NULL, "flow lookup"))
			continue;
		ASSERT_EQ(e->val.packets, f->flow_hit == fam, fam == 4 ? "v4 flow hits" : "v6 flow hits");
	}
}

static void run_fixture(const struct fixture *f)
{
	struct instance *in = &inst[f->prog == TC_PFM];
	struct __sk_buff skb_out = {};
	struct ll_state st;
	__u32 zero = 0;
	size_t len;
	int verdict, err;

	err = reset(in, f);
	if (!ASSERT_EQ(err, 0, "reset maps"))
		return;
	if (f->prime) {
		err = run_prog(in, f->prog, f->prime, &verdict, &skb_out, &len);
		if (!ASSERT_EQ(err, 0, "prime run"))
			return;
		zero_array(bpf_map__fd(in->skel->maps.ll_counters), LL_COUNTER_SLOTS,
			   sizeof(struct ll_counter), 1, in->ncpus);
		zero_array(bpf_map__fd(in->skel->maps.ll_rule_hits), 16, sizeof(struct ll_counter), 1,
			   in->ncpus);
	}
	memset(&skb_out, 0, sizeof(skb_out));
	err = run_prog(in, f->prog, &f->pkt, &verdict, &skb_out, &len);
	if (!ASSERT_EQ(err, 0, "BPF_PROG_TEST_RUN"))
		return;
	ASSERT_EQ(verdict, f->verdict, "verdict (1 pass, 2 drop)");
	check_counters(in, f, len);
	if (!f->prime)
		check_hits(in, f);

	if (bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st)) {
		TEST_FAIL_MSG("read state: %s", strerror(errno));
		return;
	}
	if (f->kernel_raised) {
		ASSERT_EQ(st.kernel.level, LL_LEVEL_CRITICAL, "kernel vote level");
		ASSERT_EQ(st.kernel.source, LL_SRC_PFMEMALLOC, "kernel vote source");
		ASSERT_TRUE(st.kernel.expires_ns > ll_now_ns(), "kernel lease in the future");
	} else if (!f->kernel) {
		ASSERT_EQ(st.kernel.level, LL_LEVEL_NONE, "kernel vote untouched");
	}
	if (f->prog == TC_EG) {
		ASSERT_EQ(skb_out.priority, f->marked ? LL_TC_PRIO_INTERACTIVE : 0, "skb priority");
		ASSERT_EQ(skb_out.mark, f->marked ? 0x4c4c : 0, "skb mark");
	}
}

/* The matrix: family x encapsulation x traffic class x level, all through XDP. */
static void run_matrix(void)
{
	static const char *const encap[] = { "plain", "vlan", "qinq" };
	static const char *const cls[] = { "exact flow", "endpoint rule", "flood" };
	static const char *const lvl[] = { "none", "elevated", "critical" };
	char name[128];

	for (int fam = 0; fam < 2; fam++)
		for (int e = 0; e < 3; e++)
			for (int c = 0; c < 3; c++)
				for (int l = 0; l < 3; l++) {
					struct fixture f = { .prog = XDP, .level = l };
					int reg = c < 2;

					f.pkt.vlans = e;
					f.pkt.src = c == 0 ? (fam ? NBD6 : NBD4) :
						    c == 1 ? (fam ? NVME6 : ISCSI4) :
							     (fam ? FLOOD6 : FLOOD4);
					f.pkt.dst = fam ? LOCAL6 : LOCAL4;
					f.pkt.sport = c == 0 ? 10809 : c == 1 ? (fam ? 4420 : 3260) : 5000;
					f.pkt.dport = c == 0 ? 40000 : 45000;
					f.pkt.proto = c == 2 ? IPPROTO_UDP : IPPROTO_TCP;
					f.tokens = 40;	/* less than any frame: elevated drops flood */
					if (l == LL_LEVEL_NONE) {
						f.verdict = PASS;
						f.reason = NO_COUNT;
					} else if (reg) {
						f.verdict = PASS;
						f.reason = c == 0 ? LL_PASS_FLOW : LL_PASS_RULE;
						f.flow_hit = c == 0 ? (fam ? 6 : 4) : 0;
						f.rule_hit = c == 1 ? (fam ? RULE_NVME : RULE_ISCSI) : 0;
					} else {
						f.verdict = DROP;
						f.reason = l == LL_LEVEL_ELEVATED ? LL_DROP_BUDGET : LL_DROP_CRITICAL;
					}
					snprintf(name, sizeof(name), "matrix/IPv%d %s %s at %s",
						 fam ? 6 : 4, encap[e], cls[c], lvl[l]);
					f.name = name;
					TEST_RUN(name, run_fixture, &f);
				}
}

/*
 * Truncation at every offset: a registered frame cut anywhere before the end
 * of its TCP header is malformed (dropped at critical, noted); cut anywhere
 * after, it is still the registered flow.
 */
static void truncation_sweep(const struct pkt_spec *base, size_t hdr_end, int fam)
{
	struct fixture f = { .prog = XDP, .level = LL_LEVEL_CRITICAL, .pkt = *base };
	__u8 buf[2048];
	size_t full = pkt_build(buf, sizeof(buf), base);

	for (size_t cut = 14; cut <= full; cut++) {
		int malformed = cut < hdr_end;

		f.pkt.truncate = cut;
		f.verdict = malformed ? DROP : PASS;
		f.reason = malformed ? LL_DROP_CRITICAL : LL_PASS_FLOW;
		f.notes[0] = malformed ? LL_NOTE_MALFORMED : 0;
		f.flow_hit = malformed ? 0 : fam;
		run_fixture(&f);
		if (tst.cur_failed) {
			fprintf(stderr, "     (cut at %zu of %zu bytes)\n", cut, full);
			return;
		}
	}
}

/*
 * The remote prefilter's slots: the hosts of one /24 with TCP and with UDP
 * must not share slots by construction. With the protocol XORed into the
 * address's last byte (layout 4), a.b.c.x over UDP and a.b.c.(x^6^17)
 * over TCP always shared one, so a flood from the registered storage
 * server's own subnet skipped the prefilter for every such source.
 */
static void test_prefilter_slots(void)
{
	int same = 0;

	for (__u32 x = 0; x < 256; x++) {
		__u32 a[4] = { 0, 0, htonl(0xffff), htonl(0xc0000200 | x) };
		__u32 b[4] = { 0, 0, htonl(0xffff), htonl(0xc0000200 | (x ^ 6 ^ 17)) };

		same += ll_remote_slot(a, IPPROTO_UDP) == ll_remote_slot(b, IPPROTO_TCP);
	}
	ASSERT_EQ(same, 0, "192.0.2.x/UDP and 192.0.2.(x^23)/TCP never share a prefilter slot");
}

static void test_truncation_v4(void)
{
	struct pkt_spec p = { T(NBD4, LOCAL4, 10809, 40000), .vlans = 2, .ip4_opt_words = 2 };

	truncation_sweep(&p, 22 + 28 + 20, 4);
}

static void test_truncation_v6(void)
{
	struct pkt_spec p = { T(NBD6, LOCAL6, 10809, 40000), .vlans = 1, .ext = { 0, 60 }, .next = 2 };

	truncation_sweep(&p, 18 + 40 + 32 + 20, 6);
}

/*
 * Strict at critical: the real connection's packet passes, the registered
 * tuple without a socket is dropped, each counted once (fam: "" or "IPv6 ").
 */
static void strict_verdicts(struct instance *in, const struct pkt_spec *real,
			    const struct pkt_spec *spoof, const char *fam)
{
	struct __sk_buff out;
	struct ll_counter c;
	char what[96];
	int verdict;
	size_t len;

	ASSERT_EQ(run_prog(in, XDP, real, &verdict, &out, &len), 0, "run real");
	snprintf(what, sizeof(what), "real %sconnection's packet passes", fam);
	ASSERT_EQ(verdict, PASS, what);
	ASSERT_EQ(run_prog(in, XDP, spoof, &verdict, &out, &len), 0, "run spoofed");
	snprintf(what, sizeof(what), "registered %stuple without a socket is dropped", fam);
	ASSERT_EQ(verdict, DROP, what);
	ll_percpu_counter_sum(bpf_map__fd(in->skel->maps.ll_counters),
			      LL_COUNTER_IDX(LL_HOOK_XDP, LL_DROP_STRICT), &c);
	ASSERT_EQ(c.packets, 1, "drop_strict counted");
	ll_percpu_counter_sum(bpf_map__fd(in->skel->maps.ll_counters),
			      LL_COUNTER_IDX(LL_HOOK_XDP, LL_PASS_FLOW), &c);
	ASSERT_EQ(c.packets, 1, "pass_flow counted");
}

/*
 * Strict mode: at critical a registered TCP flow passes only if this host
 * has a socket for it. Real sockets on 127.0.0.1 in the test's own netns
 * (BPF_PROG_TEST_RUN looks sockets up there).
 */
static void test_strict(void)
{
	struct instance *in = &inst[0];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), cfd = socket(AF_INET, SOCK_STREAM, 0), afd = -1;
	__u16 sport, cport, ghost;
	struct ll_flow_key k = { .proto = IPPROTO_TCP };
	struct ll_flow_val v = { .origin = LL_ORIGIN_CLI };
	__u32 zero = 0;
	struct ll_state st;

	if (!ASSERT_TRUE(lfd >= 0 && cfd >= 0, "sockets") ||
	    !ASSERT_EQ(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0, "bind") ||
	    !ASSERT_EQ(listen(lfd, 1), 0, "listen") ||
	    !ASSERT_EQ(getsockname(lfd, (struct sockaddr *)&a, &alen), 0, "getsockname") ||
	    !ASSERT_EQ(connect(cfd, (struct sockaddr *)&a, sizeof(a)), 0, "connect"))
		goto out;
	afd = accept(lfd, NULL, NULL);
	sport = ntohs(a.sin_port);
	alen = sizeof(a);
	getsockname(cfd, (struct sockaddr *)&a, &alen);
	cport = ntohs(a.sin_port);
	ghost = cport == 65535 ? 1024 : cport + 1;	/* registered, but no socket */

	for (int mode = 0; mode < 2; mode++) {	/* 0: per-flow flag, 1: global strict */
		struct fixture f = { .prog = XDP, .level = LL_LEVEL_CRITICAL, .empty = 1 };
		int verdict;
		size_t len;
		struct __sk_buff out;
		struct pkt_spec real = { T("127.0.0.1", "127.0.0.1", sport, cport) };
		struct pkt_spec spoof = { T("127.0.0.1", "127.0.0.1", sport, ghost) };

		if (!ASSERT_EQ(reset(in, &f), 0, "reset"))
			goto out;
		bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st);
		st.strict = mode;
		bpf_map_update_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st, 0);
		v.flags = mode ? 0 : LL_FLOW_F_STRICT;
		pkt_addr16("127.0.0.1", k.remote);
		pkt_addr16("127.0.0.1", k.local);
		k.remote_port = htons(sport);
		k.local_port = htons(cport);
		ll_flowtab_remove(&in->ft, &k);
		ll_flowtab_insert(&in->ft, &k, &v);
		k.local_port = htons(ghost);
		ll_flowtab_remove(&in->ft, &k);
		ll_flowtab_insert(&in->ft, &k, &v);

		strict_verdicts(in, &real, &spoof, "");

		/* strict applies at critical only */
		st.daemon.level = LL_LEVEL_ELEVATED;
		bpf_map_update_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st, 0);
		ASSERT_EQ(run_prog(in, XDP, &spoof, &verdict, &out, &len), 0, "run at elevated");
		ASSERT_EQ(verdict, PASS, "strict is off at elevated");
	}
out:
	if (afd >= 0)
		close(afd);
	close(cfd);
	close(lfd);
}

/*
 * Strict mode over IPv6 (the socket tuple and the FIB lookup take the
 * addresses as u64 words, ll_addr_put): on ::1, a real connection's packet
 * passes (its socket is found, so the tuple holds the right address), a
 * registered tuple without a socket is dropped (FIB: local).
 */
static void test_strict6(void)
{
	struct instance *in = &inst[0];
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET6, SOCK_STREAM, 0), cfd = socket(AF_INET6, SOCK_STREAM, 0), afd = -1;
	struct fixture f = { .prog = XDP, .level = LL_LEVEL_CRITICAL, .empty = 1 };
	struct ll_flow_key k = { .proto = IPPROTO_TCP };
	struct ll_flow_val v = { .origin = LL_ORIGIN_CLI };
	__u16 sport, cport, ghost;
	struct ll_state st;
	__u32 zero = 0;

	if (lfd < 0 || cfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a))) {
		TEST_SKIP("no IPv6 loopback here: %s", strerror(errno));
		goto out;
	}
	if (!ASSERT_EQ(listen(lfd, 1), 0, "listen") ||
	    !ASSERT_EQ(getsockname(lfd, (struct sockaddr *)&a, &alen), 0, "getsockname") ||
	    !ASSERT_EQ(connect(cfd, (struct sockaddr *)&a, sizeof(a)), 0, "connect"))
		goto out;
	afd = accept(lfd, NULL, NULL);
	sport = ntohs(a.sin6_port);
	alen = sizeof(a);
	getsockname(cfd, (struct sockaddr *)&a, &alen);
	cport = ntohs(a.sin6_port);
	ghost = cport == 65535 ? 1024 : cport + 1;
	if (!ASSERT_EQ(reset(in, &f), 0, "reset"))
		goto out;
	bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st);
	st.strict = 1;
	bpf_map_update_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st, 0);
	pkt_addr16("::1", k.remote);
	pkt_addr16("::1", k.local);
	k.remote_port = htons(sport);
	for (int i = 0; i < 2; i++) {
		k.local_port = htons(i ? ghost : cport);
		ll_flowtab_remove(&in->ft, &k);
		ll_flowtab_insert(&in->ft, &k, &v);
	}
	{
		struct pkt_spec real = { T("::1", "::1", sport, cport) };
		struct pkt_spec spoof = { T("::1", "::1", sport, ghost) };

		strict_verdicts(in, &real, &spoof, "IPv6 ");
	}
out:
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
}

/*
 * Strict mode through a listener: bpf_skc_lookup_tcp also finds a socket
 * listening on the destination port. A registered remote's packet to a
 * listening port that no registration names as this host's own (a spoofed
 * SYN to sshd, say) is dropped; to a port the rules register for it (this
 * host is the target: an NBD or iSCSI server here) it passes.
 */
static void test_strict_listener(void)
{
	struct instance *in = &inst[0];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct fixture f = { .prog = XDP, .level = LL_LEVEL_CRITICAL, .empty = 1 };
	struct ll_state st;
	struct ll_counter c;
	__u32 zero = 0;
	__u16 lport;
	int verdict;
	size_t len;
	struct __sk_buff out;

	if (!ASSERT_TRUE(lfd >= 0, "socket") ||
	    !ASSERT_EQ(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0, "bind") ||
	    !ASSERT_EQ(listen(lfd, 1), 0, "listen") ||
	    !ASSERT_EQ(getsockname(lfd, (struct sockaddr *)&a, &alen), 0, "getsockname"))
		goto out;
	lport = ntohs(a.sin_port);
	for (int target = 0; target < 2; target++) {
		/* rule 1: the remote's service port 9 (this host the client); rule 2: the listener's port */
		struct pkt_spec syn = { T("127.0.0.1", "127.0.0.1", target ? 45000 : 9, lport) };

		if (!ASSERT_EQ(reset(in, &f), 0, "reset"))
			goto out;
		add_rule(in, 0, IPPROTO_TCP, "127.0.0.1", 32, target ? lport : 9,
			 target ? lport : 9, RULE_HOST4);
		bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st);
		st.strict = 1;
		bpf_map_update_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st, 0);
		ASSERT_EQ(run_prog(in, XDP, &syn, &verdict, &out, &len), 0, "run");
		ll_percpu_counter_sum(bpf_map__fd(in->skel->maps.ll_counters),
				      LL_COUNTER_IDX(LL_HOOK_XDP, LL_DROP_STRICT), &c);
		if (target) {
			ASSERT_EQ(verdict, PASS, "to the registered local port's listener: passes");
			ASSERT_EQ(c.packets, 0, "drop_strict not counted");
		} else {
			ASSERT_EQ(verdict, DROP, "from the registered remote port to another listener: dropped");
			ASSERT_EQ(c.packets, 1, "drop_strict counted");
		}
	}
out:
	close(lfd);
}

static int ev_got;
static struct ll_event ev_last;

static int ev_handler(void *ctx, void *data, size_t sz)
{
	if (sz >= sizeof(ev_last))
		memcpy(&ev_last, data, sizeof(ev_last));
	ev_got++;
	return 0;
}

static void test_events(void)
{
	struct instance *in = &inst[1];
	struct fixture f = { .prog = TC_PFM, .pkt = { T(FLOOD4, LOCAL4, 5000, 9), UDP } };
	struct ring_buffer *rb;
	int n = 0, verdict;
	size_t len;
	struct __sk_buff out;

	if (!ASSERT_EQ(reset(in, &f), 0, "reset"))
		return;
	rb = ring_buffer__new(bpf_map__fd(in->skel->maps.ll_events), ev_handler, NULL, NULL);
	if (!ASSERT_TRUE(rb != NULL, "ring buffer"))
		return;
	ring_buffer__consume(rb);	/* drain earlier cases' events */
	ev_got = 0;
	/* 50 sightings in a burst: one event, the rest rate-limited */
	for (int i = 0; i < 50; i++)
		if (!run_prog(in, TC_PFM, &f.pkt, &verdict, &out, &len))
			n++;
	ring_buffer__consume(rb);
	ASSERT_EQ(n, 50, "runs");
	ASSERT_EQ(ev_got, 1, "events after a burst of 50 sightings");
	ASSERT_EQ(ev_last.type, LL_EV_PFMEMALLOC, "event type");
	ASSERT_EQ(ev_last.source, LL_SRC_PFMEMALLOC, "event source");
	ASSERT_EQ(ev_last.level, LL_LEVEL_CRITICAL, "event level");
	ring_buffer__free(rb);
}

static int load(struct instance *in, int assume_pfm, int every_event, __u32 flow_buckets);
static void unload(struct instance *in);

/*
 * Egress on a socket that sock_ops already gave the priority and mark
 * (SO_PRIORITY, SO_MARK): its packets carry both, so tc egress has nothing
 * to set and must not parse or look them up (every packet of the
 * registered path paid that, at every level). Counted by note_marked only
 * when egress itself marked.
 */
static void test_egress_premarked(void)
{
	struct instance in = {};
	struct fixture f = { .prog = TC_EG, .pkt = { T(LOCAL4, NBD4, 40000, 10809) } };
	struct __sk_buff skb = { .priority = LL_TC_PRIO_INTERACTIVE, .mark = 0x4c4c }, out = {};
	__u8 buf[2048];
	size_t len = pkt_build(buf, sizeof(buf), &f.pkt);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = len, .repeat = 1000,
		    .ctx_in = &skb, .ctx_size_in = sizeof(skb), .ctx_out = &out,
		    .ctx_size_out = sizeof(out));
	int fd;
	struct ll_counter marked;

	if (!ASSERT_EQ(load(&in, 0, 0, 0), 0, "load") || !ASSERT_EQ(reset(&in, &f), 0, "reset"))
		goto out;
	fd = bpf_program__fd(in.skel->progs.ll_tc_egress);
	ASSERT_EQ(bpf_prog_test_run_opts(fd, &opts), 0, "1000 runs, socket already marked");
	ASSERT_EQ(opts.retval, (__u32)-1, "passed on (TC_ACT_UNSPEC)");
	ASSERT_EQ(out.priority, LL_TC_PRIO_INTERACTIVE, "priority as the socket set it");
	ASSERT_EQ(out.mark, 0x4c4c, "mark as the socket set it");
	ll_percpu_counter_sum(bpf_map__fd(in.skel->maps.ll_counters),
			      LL_COUNTER_IDX(LL_HOOK_TC_EGRESS, LL_NOTE_MARKED), &marked);
	ASSERT_EQ(marked.packets, 0, "no lookup: nothing marked by egress");
	/* the same flow from a socket without them is still marked (once: a test run reuses its skb) */
	skb.priority = 0;
	skb.mark = 0;
	opts.repeat = 1;
	ASSERT_EQ(bpf_prog_test_run_opts(fd, &opts), 0, "a run, plain socket");
	ASSERT_EQ(out.priority, LL_TC_PRIO_INTERACTIVE, "priority set by egress");
	ASSERT_EQ(out.mark, 0x4c4c, "mark set by egress");
	ll_percpu_counter_sum(bpf_map__fd(in.skel->maps.ll_counters),
			      LL_COUNTER_IDX(LL_HOOK_TC_EGRESS, LL_NOTE_MARKED), &marked);
	ASSERT_EQ(marked.packets, 1, "marked by egress");
out:
	unload(&in);
}

/*
 * Moves against lookups: a child process walks a tiny flow table full of
 * other flows (every insert then moves entries between buckets) while the
 * XDP program at critical looks up one flow that is never removed. Every
 * one of its packets must pass: a lookup that overlapped a move looks again.
 */
static void test_move_race(void)
{
	struct instance in = {};
	struct pkt_spec ps = { T(NBD4, LOCAL4, 10809, 40000) };
	struct ll_state st = { .egress_priority = LL_TC_PRIO_INTERACTIVE };
	struct ll_flow_val v = { .origin = LL_ORIGIN_CLI };
	struct ll_counter passed = {}, dropped = {};
	__u8 buf[2048];
	size_t len = pkt_build(buf, sizeof(buf), &ps);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = len, .repeat = 5000);
	__u64 runs = 0, now = ll_now_ns();
	__u32 zero = 0;
	pid_t child;

	/* 2 buckets, 8 slots: entries move all the time */
	if (!ASSERT_EQ(load(&in, 0, 0, 2), 0, "load"))
		goto out;
	add_flow(&in.ft, NBD4, 10809, LOCAL4, 40000);
	st.daemon.level = LL_LEVEL_CRITICAL;
	st.daemon.source = LL_SRC_PSI;
	st.daemon.expires_ns = now + 3600ULL * 1000000000ULL;
	bpf_map_update_elem(bpf_map__fd(in.skel->maps.ll_state), &zero, &st, 0);

	child = fork();
	if (child == 0) {
		/* churn: keep the table near full with flows of other remotes */
		struct ll_flow_key k = { .proto = IPPROTO_TCP };
		__u32 cap = ll_flowtab_capacity(&in.ft), live = 0, next = 1, first = 1;

		pkt_addr16(LOCAL4, k.local);
		pkt_addr16("203.0.113.1", k.remote);
		k.remote_port = htons(3260);
		for (;;) {
			if (live + 1 < cap) {
				k.local_port = htons(next++);
				live += !ll_flowtab_insert(&in.ft, &k, &v);
			} else {
				k.local_port = htons(first++);
				live -= !ll_flowtab_remove(&in.ft, &k);
			}
			if (next == 60000)
				next = 1, first = 1, live = ll_flowtab_scan(&in.ft, NULL) - 1;
		}
	}
	if (!ASSERT_TRUE(child > 0, "fork"))
		goto out;
	for (int i = 0; i < 400; i++) {
		if (bpf_prog_test_run_opts(bpf_program__fd(in.skel->progs.ll_xdp), &opts))
			break;
		runs += opts.repeat;
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ll_percpu_counter_sum(bpf_map__fd(in.skel->maps.ll_counters),
			      LL_COUNTER_IDX(LL_HOOK_XDP, LL_PASS_FLOW), &passed);
	ll_percpu_counter_sum(bpf_map__fd(in.skel->maps.ll_counters),
			      LL_COUNTER_IDX(LL_HOOK_XDP, LL_DROP_CRITICAL), &dropped);
	ASSERT_EQ(runs, 2000000, "2,000,000 lookups ran");
	ASSERT_EQ(dropped.packets, 0, "no lookup of the registered flow missed during moves");
	ASSERT_EQ(passed.packets, runs, "every packet passed as its flow");
out:
	unload(&in);
}

/*
 * The datapath reads a flow's second bucket only when its home bucket
 * counts keys spilled there (spill, lifeline.h): a table of 8 buckets
 * filled to capacity (inserts that spill, moves both ways, removals of
 * every third flow and refills), then every flow's packet at critical
 * must pass as its flow, and an absent flow's packet be dropped.
 */
static void test_flow_spill(void)
{
	struct instance in = {};
	struct ll_state st = { .egress_priority = LL_TC_PRIO_INTERACTIVE };
	struct ll_flow_key k = { .proto = IPPROTO_TCP };
	struct ll_flow_val v = { .origin = LL_ORIGIN_CLI };
	struct ll_counter passed = {}, dropped = {};
	__u32 zero = 0, cap, n = 0, spilled = 0, homes = 0, ran = 0;
	__u64 now = ll_now_ns();
	__u16 live[64];

	if (!ASSERT_EQ(load(&in, 0, 0, 8), 0, "load"))
		goto out;
	st.daemon.level = LL_LEVEL_CRITICAL;
	st.daemon.source = LL_SRC_PSI;
	st.daemon.expires_ns = now + 3600ULL * 1000000000ULL;
	bpf_map_update_elem(bpf_map__fd(in.skel->maps.ll_state), &zero, &st, 0);
	cap = ll_flowtab_capacity(&in.ft);
	pkt_addr16(LOCAL4, k.local);
	pkt_addr16(NBD4, k.remote);
	k.remote_port = htons(10809);
	for (__u16 port = 1000; n < cap && n < 64 && port < 2000; port++) {
		k.local_port = htons(port);
		if (!ll_flowtab_insert(&in.ft, &k, &v))
			live[n++] = port;
	}
	/* every third out, and the table refilled with others: moves back home too */
	for (__u32 i = 0; i < n; i += 3) {
		k.local_port = htons(live[i]);
		ll_flowtab_remove(&in.ft, &k);
		for (__u16 port = live[i] + 3000; port < 9000; port += 97) {
			k.local_port = htons(port);
			if (!ll_flowtab_insert(&in.ft, &k, &v)) {
				live[i] = port;
				break;
			}
		}
	}
	for (__u32 b = 0; b < in.ft.nbuckets; b++) {
		spilled += in.ft.b[b].spill;
		homes += !in.ft.b[b].spill;
	}
	ASSERT_TRUE(n >= cap - 1, "the table filled to capacity");
	ASSERT_TRUE(spilled > 0 && homes > 0, "some keys spilled, some homes spilled none");
	for (__u32 i = 0; i < n; i++) {
		struct pkt_spec ps = { T(NBD4, LOCAL4, 10809, live[i]) };
		__u8 buf[2048];
		size_t len = pkt_build(buf, sizeof(buf), &ps);
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = len);

		if (!bpf_prog_test_run_opts(bpf_program__fd(in.skel->progs.ll_xdp), &o))
			ran++;
	}
	{
		struct pkt_spec ps = { T(NBD4, LOCAL4, 10809, 9999) };
		__u8 buf[2048];
		size_t len = pkt_build(buf, sizeof(buf), &ps);
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = len);

		ASSERT_EQ(bpf_prog_test_run_opts(bpf_program__fd(in.skel->progs.ll_xdp), &o), 0,
			  "test run");
		ASSERT_EQ(o.retval, XDP_DROP, "an absent flow of the same remote is dropped");
	}
	ll_percpu_counter_sum(bpf_map__fd(in.skel->maps.ll_counters),
			      LL_COUNTER_IDX(LL_HOOK_XDP, LL_PASS_FLOW), &passed);
	ll_percpu_counter_sum(bpf_map__fd(in.skel->maps.ll_counters),
			      LL_COUNTER_IDX(LL_HOOK_XDP, LL_DROP_CRITICAL), &dropped);
	ASSERT_EQ(ran, n, "every flow's packet ran");
	ASSERT_EQ(passed.packets, n, "every flow's packet passed as its flow");
	ASSERT_EQ(dropped.packets, 1, "only the absent flow's packet dropped");
out:
	unload(&in);
}

/*
 * The ring buffer full: with the rate limit off, 8,000 pfmemalloc sightings
 * nobody consumes overflow the 64 KiB ring; the overflow is counted
 * (note_event_lost), every packet still gets its verdict.
 */
static void test_ringbuf_full(void)
{
	struct instance in = {};
	struct fixture f = { .prog = TC_PFM, .pkt = { T(FLOOD4, LOCAL4, 5000, 9), UDP } };
	struct __sk_buff skb = {};
	__u8 buf[2048];
	size_t len = pkt_build(buf, sizeof(buf), &f.pkt);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = len, .repeat = 8000,
		    .ctx_in = &skb, .ctx_size_in = sizeof(skb));
	struct ll_counter lost, dropped;

	if (!ASSERT_EQ(load(&in, 1, 1, 0), 0, "load") || !ASSERT_EQ(reset(&in, &f), 0, "reset"))
		goto out;
	ASSERT_EQ(bpf_prog_test_run_opts(bpf_program__fd(in.skel->progs.ll_tc_ingress), &opts), 0,
		  "8000 runs");
	ASSERT_EQ(opts.retval, 2, "still dropped (TC_ACT_SHOT) with the ring full");
	ll_percpu_counter_sum(bpf_map__fd(in.skel->maps.ll_counters),
			      LL_COUNTER_IDX(LL_HOOK_TC_INGRESS, LL_NOTE_EVENT_LOST), &lost);
	ll_percpu_counter_sum(bpf_map__fd(in.skel->maps.ll_counters),
			      LL_COUNTER_IDX(LL_HOOK_TC_INGRESS, LL_DROP_PFMEMALLOC), &dropped);
	ASSERT_EQ(dropped.packets, 8000, "every sighting dropped and counted");
	ASSERT_TRUE(lost.packets > 0 && lost.packets < 8000, "overflow counted as note_event_lost");
out:
	unload(&in);
}

/*
 * Opens, loads and maps an instance: assume_pfm for the TC reserve branch,
 * every_event with the event rate limit off, flow_buckets to size the flow
 * table (0: the default).
 */
/*
 * The verifier's work per program, from the first load's statistics
 * (log level 4): "processed N insns". A program near the kernel's limit of
 * 1,000,000 fails to load on a kernel whose verifier prunes a little less,
 * or after the next small change: hold each to LL_VERIFY_HEADROOM of it.
 */
#define LL_VERIFY_LIMIT 1000000
#define LL_VERIFY_HEADROOM 0.9
#define LL_MAX_PROGS 16
static char *verify_log[LL_MAX_PROGS];
static const char *verify_name[LL_MAX_PROGS];
static int verify_n;

static void verify_stats_on(struct lifeline_bpf *skel)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, skel->obj) {
		if (verify_n == LL_MAX_PROGS || !bpf_program__autoload(p))
			continue;
		verify_log[verify_n] = calloc(1, 1 << 16);
		if (!verify_log[verify_n])
			return;
		verify_name[verify_n] = bpf_program__name(p);
		bpf_program__set_log_buf(p, verify_log[verify_n], 1 << 16);
		bpf_program__set_log_level(p, 4);
		verify_n++;
	}
}

static void verify_headroom(void)
{
	for (int i = 0; i < verify_n; i++) {
		const char *at = strstr(verify_log[i], "processed ");
		long n = at ? strtol(at + strlen("processed "), NULL, 10) : -1;

		ASSERT_TRUE(n > 0, "the verifier's statistics were logged");
		if (n > LL_VERIFY_HEADROOM * LL_VERIFY_LIMIT)
			TEST_FAIL_MSG("%s: the verifier processed %ld insns, over %.0f %% of its "
				      "limit of %d", verify_name[i], n, LL_VERIFY_HEADROOM * 100,
				      LL_VERIFY_LIMIT);
		else if (tst.verbose)
			fprintf(stderr, "     %s: %ld insns verified\n", verify_name[i], n);
		free(verify_log[i]);
	}
}

static int load(struct instance *in, int assume_pfm, int every_event, __u32 flow_buckets)
{
	const struct instance_opts o = {
		.assume_pfm = assume_pfm,
		.every_event = every_event,
		.flow_buckets = flow_buckets,
		.prepare = verify_n ? NULL : verify_stats_on,
	};

	in->ncpus = libbpf_num_possible_cpus();
	return instance_open(&in->skel, &in->ft, &o);
}

static void unload(struct instance *in)
{
	ll_flowtab_unmap(&in->ft);
	lifeline_bpf__destroy(in->skel);
	in->skel = NULL;
}

/*
 * Observe mode (ll_state.observe) at level none: every packet passes; a
 * packet critical would drop counts once in the would-drop half under the
 * reason critical gives it, and nothing else moves (no verdict, no note),
 * but for an expired lease's pass_lease_expired and a reserve-backed skb's
 * real drop, which observe leaves as they were.
 */
struct observe_case {
	const char *what;
	enum prog prog;
	struct pkt_spec pkt;
	int lease_expired;	/* the daemon's critical vote, expired */
	int off;		/* observe off: nothing may count */
	int verdict;
	__u32 would;		/* the would-drop reason counted, or NO_COUNT */
	__u32 real;		/* verdict and note counters that must count: 1 << reason */
};

static const struct observe_case observe_cases[] = {
	{ "unregistered UDP", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, 0, 0, PASS, LL_DROP_CRITICAL },
	{ "unregistered TCP v6", XDP, { T(FLOOD6, LOCAL6, 5000, 9) }, 0, 0, PASS, LL_DROP_CRITICAL },
	{ "unregistered, tc policy", TC_POL, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, 0, 0, PASS, LL_DROP_CRITICAL },
	{ "exact flow", XDP, { T(NBD4, LOCAL4, 10809, 40000) }, 0, 0, PASS, NO_COUNT },
	{ "endpoint rule", XDP, { T(ISCSI4, LOCAL4, 3260, 45000) }, 0, 0, PASS, NO_COUNT },
	{ "allow rule", XDP, { T(ADMIN4, LOCAL4, 51000, 22) }, 0, 0, PASS, NO_COUNT },
	{ "ARP", XDP, { .ethertype = 0x0806 }, 0, 0, PASS, NO_COUNT },
	{ "malformed: no note counted", XDP, { T(NBD4, LOCAL4, 10809, 40000), .truncate = 14 + 19 }, 0, 0, PASS, LL_DROP_CRITICAL },
	{ "lease expired: pass_lease_expired as before, and the would-drop", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, 1, 0, PASS, LL_DROP_CRITICAL, 1U << LL_PASS_LEASE_EXPIRED },
	{ "reserve-backed skb: dropped for real, not a would-drop", TC_PFM, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, 0, 0, DROP, NO_COUNT, 1U << LL_DROP_PFMEMALLOC | 1U << LL_NOTE_PFMEMALLOC },
	{ "observe off: nothing counted", XDP, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, 0, 1, PASS, NO_COUNT },
	{ "observe off, tc policy: nothing counted", TC_POL, { T(FLOOD4, LOCAL4, 5000, 9), UDP }, 0, 1, PASS, NO_COUNT },
};

static void test_observe(void)
{
	for (size_t i = 0; i < sizeof(observe_cases) / sizeof(observe_cases[0]); i++) {
		const struct observe_case *oc = &observe_cases[i];
		struct instance *in = &inst[oc->prog == TC_PFM];
		struct fixture f = { .prog = oc->prog, .level = oc->lease_expired ? LL_LEVEL_CRITICAL : 0,
				     .lease_expired = oc->lease_expired };
		int fd = bpf_map__fd(in->skel->maps.ll_counters), verdict;
		__u32 zero = 0, hook = hook_of(oc->prog);
		struct __sk_buff out;
		struct ll_state st;
		size_t len;
		char what[160];

		if (!ASSERT_EQ(reset(in, &f), 0, "reset"))
			return;
		bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st);
		st.observe = !oc->off;
		bpf_map_update_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st, 0);
		snprintf(what, sizeof(what), "%s: run", oc->what);
		if (!ASSERT_EQ(run_prog(in, oc->prog, &oc->pkt, &verdict, &out, &len), 0, what))
			continue;
		snprintf(what, sizeof(what), "%s: verdict", oc->what);
		ASSERT_EQ(verdict, oc->verdict, what);
		for (__u32 k = 0; k < LL_COUNTER_ENTRIES; k++) {
			__u32 h = k % LL_COUNTER_SLOTS / LL_REASON_MAX, r = k % LL_REASON_MAX;
			int would = k >= LL_COUNTER_SLOTS;
			struct ll_counter c = {};
			__u64 want = 0;

			ll_percpu_counter_sum(fd, k, &c);
			if (h == hook && would)
				want = r == oc->would;
			if (h == hook && !would)
				want = !!(oc->real & 1U << r);
			snprintf(what, sizeof(what), "%s: %s %s/%s", oc->what, would ? "would-drop" : "counter",
				 ll_hook_names[h], ll_reason_names[r]);
			ASSERT_EQ(c.packets, want, what);
			if (want) {
				snprintf(what, sizeof(what), "%s: %s bytes", oc->what, ll_reason_names[r]);
				ASSERT_EQ(c.bytes, len, what);
			}
		}
	}
}

/*
 * Observe mode with its program array's slot empty (a load that did not
 * fill it, or a slot deleted): ll_xdp's and ll_tc_policy's tail call
 * fails, and the packet passes, counted nowhere (fail open). Then, filled
 * again, the same packet counts its would-drop.
 */
static void test_observe_empty_slot(void)
{
	static const struct { const char *what; enum prog prog; } runs[] = {
		{ "xdp", XDP }, { "tc policy", TC_POL },
	};
	static const struct pkt_spec pkt = { T(FLOOD4, LOCAL4, 5000, 9), UDP };
	struct instance *in = &inst[0];
	int cfd = bpf_map__fd(in->skel->maps.ll_counters);
	int sfd = bpf_map__fd(in->skel->maps.ll_state);

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct fixture f = { .prog = runs[i].prog };
		struct bpf_map *slots = runs[i].prog == XDP ? in->skel->maps.ll_observe_xdp :
							      in->skel->maps.ll_observe_tc;
		__u32 zero = 0, would = LL_WOULD_IDX(hook_of(runs[i].prog), LL_DROP_CRITICAL);
		__u64 counted = 0;
		struct __sk_buff out;
		struct ll_counter c;
		struct ll_state st;
		int verdict;
		size_t len;
		char what[128];

		if (!ASSERT_EQ(reset(in, &f), 0, "reset"))
			return;
		bpf_map_lookup_elem(sfd, &zero, &st);
		st.observe = 1;
		bpf_map_update_elem(sfd, &zero, &st, 0);
		snprintf(what, sizeof(what), "%s: the slot emptied", runs[i].what);
		ASSERT_EQ(bpf_map_delete_elem(bpf_map__fd(slots), &zero), 0, what);
		snprintf(what, sizeof(what), "%s, empty slot: run", runs[i].what);
		if (!ASSERT_EQ(run_prog(in, runs[i].prog, &pkt, &verdict, &out, &len), 0, what))
			break;
		snprintf(what, sizeof(what), "%s, empty slot: verdict pass", runs[i].what);
		ASSERT_EQ(verdict, PASS, what);
		for (__u32 k = 0; k < LL_COUNTER_ENTRIES; k++) {
			ll_percpu_counter_sum(cfd, k, &c);
			counted += c.packets;
		}
		snprintf(what, sizeof(what), "%s, empty slot: no counter moved", runs[i].what);
		ASSERT_EQ(counted, 0, what);
		/* filled again: the tail call runs observe's decision */
		snprintf(what, sizeof(what), "%s: the slot filled again", runs[i].what);
		ASSERT_EQ(ll_observe_fill(in->skel), 0, what);
		snprintf(what, sizeof(what), "%s, slot filled: run", runs[i].what);
		if (!ASSERT_EQ(run_prog(in, runs[i].prog, &pkt, &verdict, &out, &len), 0, what))
			break;
		snprintf(what, sizeof(what), "%s, slot filled: verdict pass", runs[i].what);
		ASSERT_EQ(verdict, PASS, what);
		ll_percpu_counter_sum(cfd, would, &c);
		snprintf(what, sizeof(what), "%s, slot filled: one would-drop", runs[i].what);
		ASSERT_EQ(c.packets, 1, what);
	}
}

static int quiet(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	return lvl == LIBBPF_DEBUG || !getenv("LL_TEST_VERBOSE") ? 0 : vfprintf(stderr, fmt, ap);
}

/*
 * The lease's clock (ll_now: the coarse time cached per CPU per jiffy):
 * a critical lease ending 60 ms from now, packets run one after another
 * on every CPU in turn. Never early: a packet whose run ended before the
 * lease's end (user space's CLOCK_MONOTONIC read after the run) is
 * dropped at critical. On time: every packet run from 50 ms after the end
 * (read before the run) fails open, pass_lease_expired, on whichever CPU.
 */
#define LEASE_LATE_NS 50000000ULL
static void test_lease_clock(void)
{
	struct instance *in = &inst[0];
	struct fixture f = { .prog = XDP, .level = LL_LEVEL_CRITICAL };
	struct pkt_spec junk = { T(FLOOD4, LOCAL4, 5000, 9), UDP };
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), early = 0, late = 0, before = 0, after = 0;
	struct ll_state st;
	cpu_set_t all, one;
	__u32 zero = 0;
	__u64 end;

	ASSERT_EQ(reset(in, &f), 0, "reset");
	sched_getaffinity(0, sizeof(all), &all);
	bpf_map_lookup_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st);
	end = ll_now_ns() + 60000000ULL;
	st.daemon.expires_ns = end;
	bpf_map_update_elem(bpf_map__fd(in->skel->maps.ll_state), &zero, &st, 0);
	for (int i = 0; ; i++) {
		int cpu = i % (ncpu > 0 ? ncpu : 1), verdict = 0;
		__u64 t0, t1;
		size_t len;

		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (CPU_ISSET(cpu, &all))
			sched_setaffinity(0, sizeof(one), &one);
		t0 = ll_now_ns();
		if (!ASSERT_EQ(run_prog(in, XDP, &junk, &verdict, NULL, &len), 0, "run"))
			break;
		t1 = ll_now_ns();
		if (t1 < end) {
			before++;
			if (verdict != DROP) {
				early++;
				TEST_FAIL_MSG("cpu %d: passed %llu ns before the lease's end", cpu,
					      (unsigned long long)(end - t1));
			}
		} else if (t0 >= end + LEASE_LATE_NS) {
			after++;
			if (verdict != PASS) {
				late++;
				TEST_FAIL_MSG("cpu %d: dropped %llu ns after the lease's end", cpu,
					      (unsigned long long)(t0 - end));
			}
			if (after >= 4 * (ncpu > 0 ? ncpu : 1) || late)
				break;
		}
		if (early > 3)
			break;
		usleep(700);
	}
	sched_setaffinity(0, sizeof(all), &all);
	ASSERT_TRUE(before > 4, "packets run before the lease's end");
	ASSERT_EQ(early, 0, "packets passed before the lease's end");
	ASSERT_EQ(late, 0, "packets dropped 50 ms after the lease's end");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	libbpf_set_print(quiet);
	if (load(&inst[0], 0, 0, 0) || load(&inst[1], 1, 0, 0)) {
		tst.failed++;
		return test_summary();
	}
	TEST_RUN("verifier/every program within 90 % of the 1M-insn limit", verify_headroom);
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		TEST_RUN(special[i].name, run_fixture, &special[i]);
	run_matrix();
	TEST_RUN("prefilter/protocols of one /24 in their own slots", test_prefilter_slots);
	TEST_RUN("egress/socket already marked: left as it is, no lookup", test_egress_premarked);
	TEST_RUN("truncation/every offset, IPv4 QinQ with options", test_truncation_v4);
	TEST_RUN("truncation/every offset, IPv6 VLAN with extension headers", test_truncation_v6);
	TEST_RUN("events/pfmemalloc sightings rate-limited", test_events);
	TEST_RUN("strict/spoofed registered tuple dropped, real socket passes", test_strict);
	TEST_RUN("strict/listener: only a registered local port's listener counts", test_strict_listener);
	TEST_RUN("strict/IPv6: spoofed registered tuple dropped, real socket passes", test_strict6);
	TEST_RUN("events/ring buffer full: counted, verdicts unchanged", test_ringbuf_full);
	TEST_RUN("observe/level none: critical's drops counted apart, nothing dropped", test_observe);
	TEST_RUN("observe/empty program-array slot: the packet passes, nothing counted", test_observe_empty_slot);
	TEST_RUN("flows/lookups during bucket moves never miss", test_move_race);
	TEST_RUN("flows/a flow in its second bucket is found (spill counts)", test_flow_spill);
	TEST_RUN("lease/ends on time on every CPU, never early (the per-CPU jiffy clock)", test_lease_clock);
	unload(&inst[0]);
	unload(&inst[1]);
	return test_summary();
}
