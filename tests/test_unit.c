// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the user-space parsers (user/spec.c) and the rule compiler
 * (user/rules.c). Table-driven: each table row is one test. The compiler is
 * checked against a brute-force reference written here, and ll_rules_sync()
 * against a real LPM trie (needs root; skipped otherwise).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <sys/mman.h>
#include "testlib.h"
#include "spec.h"
#include "rules.h"
#include "flowtab.h"
#include "regargs.h"
#include "config.h"
#include "declare.h"
#include "maps.h"
#include "jsonw.h"
#include "state.h"
#include "util.h"
#include <json-c/json.h>

TEST_STATE_DEFINE;

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Text address to the 16-byte form, v4-mapped for IPv4; independent of spec.c. */
static int addr16(const char *s, __u8 a[16])
{
	memset(a, 0, 16);
	if (strchr(s, ':'))
		return inet_pton(AF_INET6, s, a) == 1 ? 0 : -1;
	a[10] = a[11] = 0xff;
	return inet_pton(AF_INET, s, a + 12) == 1 ? 0 : -1;
}

static int contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* ---- SPEC: valid ---- */

struct spec_ok {
	const char *in;
	const char *canon;	/* ll_spec_format() of the parsed record */
	__u32 scheme;
	__u8 proto;
	__u8 plen;
	const char *addr;
	__u8 nranges;
	__u16 r[LL_RULE_MAX_RANGES][2];
};

#define ANY { { 0, 65535 } }
#define P(x) { { x, x } }
#define CEPH { { 3300, 3300 }, { 6789, 6789 }, { 6800, 7300 } }

static const struct spec_ok spec_ok[] = {
	{ "nbd://198.51.100.7", "nbd://198.51.100.7",
	  LL_SCHEME_NBD, TCP, 32, "198.51.100.7", 1, P(10809) },
	{ "nbd://198.51.100.7:10809", "nbd://198.51.100.7",
	  LL_SCHEME_NBD, TCP, 32, "198.51.100.7", 1, P(10809) },
	{ "nbd://198.51.100.7:10810", "nbd://198.51.100.7:10810",
	  LL_SCHEME_NBD, TCP, 32, "198.51.100.7", 1, P(10810) },
	{ "nbd://[2001:db8::5]:10810", "nbd://[2001:db8::5]:10810",
	  LL_SCHEME_NBD, TCP, 128, "2001:db8::5", 1, P(10810) },
	{ "nbd://[2001:db8::5]", "nbd://[2001:db8::5]",
	  LL_SCHEME_NBD, TCP, 128, "2001:db8::5", 1, P(10809) },
	{ "nbd://[::1]:10809", "nbd://[::1]", LL_SCHEME_NBD, TCP, 128, "::1", 1, P(10809) },
	{ "iscsi://198.51.100.0/24", "iscsi://198.51.100.0/24",
	  LL_SCHEME_ISCSI, TCP, 24, "198.51.100.0", 1, P(3260) },
	{ "iscsi://198.51.100.0/24:3261", "iscsi://198.51.100.0/24:3261",
	  LL_SCHEME_ISCSI, TCP, 24, "198.51.100.0", 1, P(3261) },
	{ "iscsi://198.51.100.0/24:3260-3262", "iscsi://198.51.100.0/24:3260-3262",
	  LL_SCHEME_ISCSI, TCP, 24, "198.51.100.0", 1, { { 3260, 3262 } } },
	{ "iscsi://[2001:db8:1::/48]", "iscsi://[2001:db8:1::/48]",
	  LL_SCHEME_ISCSI, TCP, 48, "2001:db8:1::", 1, P(3260) },
	{ "nvme-tcp://192.0.2.10", "nvme-tcp://192.0.2.10",
	  LL_SCHEME_NVME_TCP, TCP, 32, "192.0.2.10", 1, P(4420) },
	{ "nvme-tcp://[2001:db8::/64]:4421", "nvme-tcp://[2001:db8::/64]:4421",
	  LL_SCHEME_NVME_TCP, TCP, 64, "2001:db8::", 1, P(4421) },
	{ "nfs://192.0.2.20", "nfs://192.0.2.20",
	  LL_SCHEME_NFS, TCP, 32, "192.0.2.20", 1, P(2049) },
	{ "nfs://192.0.2.0/28", "nfs://192.0.2.0/28",
	  LL_SCHEME_NFS, TCP, 28, "192.0.2.0", 1, P(2049) },
	{ "ceph://192.0.2.30", "ceph://192.0.2.30",
	  LL_SCHEME_CEPH, TCP, 32, "192.0.2.30", 3, CEPH },
	{ "ceph://192.0.2.30:6789", "ceph://192.0.2.30:6789",
	  LL_SCHEME_CEPH, TCP, 32, "192.0.2.30", 1, P(6789) },
	{ "ceph://[2001:db8::30]", "ceph://[2001:db8::30]",
	  LL_SCHEME_CEPH, TCP, 128, "2001:db8::30", 3, CEPH },
	{ "ceph://10.0.0.0/8", "ceph://10.0.0.0/8", LL_SCHEME_CEPH, TCP, 8, "10.0.0.0", 3, CEPH },
	{ "tcp://192.0.2.1", "tcp://192.0.2.1", LL_SCHEME_TCP, TCP, 32, "192.0.2.1", 1, ANY },
	{ "tcp://192.0.2.1:22", "tcp://192.0.2.1:22",
	  LL_SCHEME_TCP, TCP, 32, "192.0.2.1", 1, P(22) },
	{ "tcp://192.0.2.0/24:1000-2000", "tcp://192.0.2.0/24:1000-2000",
	  LL_SCHEME_TCP, TCP, 24, "192.0.2.0", 1, { { 1000, 2000 } } },
	{ "tcp://[2001:db8::/64]:4420", "tcp://[2001:db8::/64]:4420",
	  LL_SCHEME_TCP, TCP, 64, "2001:db8::", 1, P(4420) },
	{ "tcp://[2001:db8::/64]:4420-4430", "tcp://[2001:db8::/64]:4420-4430",
	  LL_SCHEME_TCP, TCP, 64, "2001:db8::", 1, { { 4420, 4430 } } },
	{ "udp://192.0.2.1:2049", "udp://192.0.2.1:2049",
	  LL_SCHEME_UDP, UDP, 32, "192.0.2.1", 1, P(2049) },
	{ "udp://[2001:db8::1]", "udp://[2001:db8::1]",
	  LL_SCHEME_UDP, UDP, 128, "2001:db8::1", 1, ANY },
	{ "udp://0.0.0.0/0", "udp://0.0.0.0/0", LL_SCHEME_UDP, UDP, 0, "0.0.0.0", 1, ANY },
	{ "tcp://0.0.0.0/0:22", "tcp://0.0.0.0/0:22", LL_SCHEME_TCP, TCP, 0, "0.0.0.0", 1, P(22) },
	{ "tcp://[::/0]", "tcp://[::/0]", LL_SCHEME_TCP, TCP, 0, "::", 1, ANY },
	{ "tcp://[::/0]:443", "tcp://[::/0]:443", LL_SCHEME_TCP, TCP, 0, "::", 1, P(443) },
	{ "tcp://198.51.100.7/32", "tcp://198.51.100.7",
	  LL_SCHEME_TCP, TCP, 32, "198.51.100.7", 1, ANY },
	{ "tcp://[2001:db8::1/128]", "tcp://[2001:db8::1]",
	  LL_SCHEME_TCP, TCP, 128, "2001:db8::1", 1, ANY },
	{ "tcp://255.255.255.255", "tcp://255.255.255.255",
	  LL_SCHEME_TCP, TCP, 32, "255.255.255.255", 1, ANY },
	{ "tcp://192.0.2.1:1", "tcp://192.0.2.1:1", LL_SCHEME_TCP, TCP, 32, "192.0.2.1", 1, P(1) },
	{ "tcp://192.0.2.1:65535", "tcp://192.0.2.1:65535",
	  LL_SCHEME_TCP, TCP, 32, "192.0.2.1", 1, P(65535) },
	{ "tcp://192.0.2.1:1-65535", "tcp://192.0.2.1:1-65535",
	  LL_SCHEME_TCP, TCP, 32, "192.0.2.1", 1, { { 1, 65535 } } },
	{ "tcp://192.0.2.1:80-80", "tcp://192.0.2.1:80",
	  LL_SCHEME_TCP, TCP, 32, "192.0.2.1", 1, P(80) },
	{ "tcp://192.0.2.1:08", "tcp://192.0.2.1:8", LL_SCHEME_TCP, TCP, 32, "192.0.2.1", 1, P(8) },
	{ "tcp://10.1.2.3/032", "tcp://10.1.2.3", LL_SCHEME_TCP, TCP, 32, "10.1.2.3", 1, ANY },
	{ "tcp://[2001:DB8::A]", "tcp://[2001:db8::a]",
	  LL_SCHEME_TCP, TCP, 128, "2001:db8::a", 1, ANY },
	{ "tcp://[2001:0db8:0000:0000:0000:0000:0000:0001]", "tcp://[2001:db8::1]",
	  LL_SCHEME_TCP, TCP, 128, "2001:db8::1", 1, ANY },
	{ "tcp://[2001:db8::1.2.3.4]:9", "tcp://[2001:db8::102:304]:9",
	  LL_SCHEME_TCP, TCP, 128, "2001:db8::102:304", 1, P(9) },
	{ "tcp://128.0.0.0/1", "tcp://128.0.0.0/1", LL_SCHEME_TCP, TCP, 1, "128.0.0.0", 1, ANY },
	{ "tcp://[8000::/1]", "tcp://[8000::/1]", LL_SCHEME_TCP, TCP, 1, "8000::", 1, ANY },
	{ "tcp://[::]:9", "tcp://[::]:9", LL_SCHEME_TCP, TCP, 128, "::", 1, P(9) },
	{ "tcp://[::/96]", "tcp://[::/96]", LL_SCHEME_TCP, TCP, 96, "::", 1, ANY },
	{ "tcp://[64:ff9b::/96]:4420", "tcp://[64:ff9b::/96]:4420",
	  LL_SCHEME_TCP, TCP, 96, "64:ff9b::", 1, P(4420) },
	{ "udp://[fe80::/10]:546", "udp://[fe80::/10]:546",
	  LL_SCHEME_UDP, UDP, 10, "fe80::", 1, P(546) },
	{ "nvme-tcp://198.51.100.0/31:8009", "nvme-tcp://198.51.100.0/31:8009",
	  LL_SCHEME_NVME_TCP, TCP, 31, "198.51.100.0", 1, P(8009) },
};

static void test_spec_ok(const struct spec_ok *c)
{
	struct ll_rule_rec r, again;
	char err[256] = "", buf[LL_SPEC_FMT_LEN];
	__u8 want[16];

	if (!ASSERT_EQ(ll_spec_parse(c->in, &r, err, sizeof(err)), 0, err))
		return;
	ASSERT_EQ(addr16(c->addr, want), 0, "expected address is valid");
	ASSERT_TRUE(!memcmp(r.addr, want, 16), "address");
	ASSERT_EQ(r.is_v4, !strchr(c->addr, ':'), "is_v4");
	ASSERT_EQ(r.plen, c->plen, "plen");
	ASSERT_EQ(r.proto, c->proto, "proto");
	ASSERT_EQ(r.scheme, c->scheme, "scheme");
	ASSERT_EQ(r.kind, LL_RULE_FREE, "kind left to the caller");
	ASSERT_EQ(r.nranges, c->nranges, "nranges");
	for (int i = 0; i < c->nranges && i < LL_RULE_MAX_RANGES; i++) {
		ASSERT_EQ(r.ranges[i].lo, c->r[i][0], "range lo");
		ASSERT_EQ(r.ranges[i].hi, c->r[i][1], "range hi");
	}
	ASSERT_EQ(ll_rec_check(&r, err, sizeof(err)), 0, err);
	/* round trip: format gives the canonical text, which parses to the same record */
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), 0, "format");
	ASSERT_STREQ(buf, c->canon, "canonical form");
	ASSERT_EQ(ll_spec_parse(buf, &again, err, sizeof(err)), 0, err);
	ASSERT_TRUE(!memcmp(&r, &again, sizeof(r)), "parse(format(parse(x))) == parse(x)");
}

/* ---- SPEC: invalid ---- */

struct spec_bad {
	const char *in;
	const char *msg;	/* must appear in the error */
};

static const struct spec_bad spec_bad[] = {
	{ "", "empty SPEC" },
	{ "nbd:/198.51.100.7", "missing '://'" },
	{ "198.51.100.7", "missing '://'" },
	{ "smb://198.51.100.7", "unknown scheme 'smb'" },
	{ "NBD://198.51.100.7", "unknown scheme 'NBD'" },
	{ "://198.51.100.7", "unknown scheme ''" },
	{ "nvme://198.51.100.7", "unknown scheme 'nvme'" },
	{ "nbd://", "empty host" },
	{ "nbd://:10809", "empty host" },
	{ "tcp://[]:80", "empty host" },
	{ "nbd://nas.example.com", "no DNS" },
	{ "nbd://localhost:10809", "give a literal address" },
	{ "tcp://192.0.2.1x", "not an IP address" },
	{ "nbd://198.51.100.256", "'198.51.100.256' is not a valid IPv4 address" },
	{ "nbd://198.51.100", "not a valid IPv4 address" },
	{ "nbd://198.51.100.07", "not a valid IPv4 address" },
	{ "tcp://[2001:db8::g]", "not a valid IPv6 address" },
	{ "tcp://[2001:db8:::1]", "not a valid IPv6 address" },
	{ "tcp://[fe80::1%eth0]", "not a valid IPv6 address" },
	{ "tcp://2001:db8::1", "IPv6 addresses go in brackets" },
	{ "tcp://[2001:db8::1", "missing ']'" },
	{ "tcp://2001:db8::1]", "unbalanced brackets" },
	{ "tcp://[[2001:db8::1]]", "unbalanced brackets" },
	{ "tcp://192.0.2.1[", "unbalanced brackets" },
	{ "tcp://[192.0.2.1]:80", "brackets are for IPv6 addresses only" },
	{ "tcp://198.51.100.0/33", "prefix length 33 is over 32 for IPv4" },
	{ "tcp://[2001:db8::/129]", "prefix length 129 is over 128 for IPv6" },
	{ "tcp://198.51.100.0/99999999999999999999999", "is over 32 for IPv4" },
	{ "tcp://198.51.100.0/-1", "prefix length '-1' is negative" },
	{ "tcp://198.51.100.0/abc", "prefix length 'abc' is not a number" },
	{ "tcp://198.51.100.0/24/8", "prefix length '24/8' is not a number" },
	{ "tcp://198.51.100.0/", "missing prefix length" },
	{ "tcp:///24", "missing address before '/'" },
	{ "tcp://198.51.100.7/24",
	  "198.51.100.7/24 has host bits set; did you mean 198.51.100.0/24?" },
	{ "iscsi://10.1.1.1/8", "did you mean 10.0.0.0/8?" },
	{ "tcp://[2001:db8::5/64]",
	  "2001:db8::5/64 has host bits set; did you mean 2001:db8::/64?" },
	{ "tcp://[2001:db8::]/64:4420", "the prefix length goes inside the brackets" },
	{ "tcp://[::ffff:192.0.2.1]", "IPv4-mapped" },
	{ "tcp://[::ffff:0:0/96]", "IPv4-mapped" },
	{ "tcp://192.0.2.1:0", "port 0 is not valid" },
	{ "ceph://[2001:db8::1]:0", "port 0 is not valid" },
	{ "tcp://192.0.2.1:65536", "port 65536 is over 65535" },
	{ "tcp://192.0.2.1:99999999999999999999999", "is over 65535" },
	{ "tcp://192.0.2.1:2000-1000", "port range 2000-1000 is inverted" },
	{ "tcp://192.0.2.1:", "missing port after ':'" },
	{ "tcp://192.0.2.1:http", "port 'http' is not a number" },
	{ "tcp://192.0.2.1:-5", "port '-5' is not a number" },
	{ "tcp://192.0.2.1:80x", "unexpected 'x' after port 80" },
	{ "tcp://192.0.2.1:80:90", "unexpected ':90' after port 80" },
	{ "nbd://198.51.100.7:10809:1", "unexpected ':1' after port 10809" },
	{ "tcp://192.0.2.1:80-", "missing port number" },
	{ "tcp://192.0.2.1:80-90-100", "unexpected '-100' after port 90" },
	{ "tcp://[2001:db8::1]x", "unexpected 'x' after the address" },
	{ "tcp://192.0.2.1 ", "space or non-printable" },
	{ " tcp://192.0.2.1", "space or non-printable" },
	{ "tcp://192.0.2.1\n", "byte 0x0a" },
	{ "tcp://192.0.2.1\xc3\xa9", "byte 0xc3" },
};

static void check_err_line(const char *err)
{
	ASSERT_TRUE(err[0] != '\0', "an error message was written");
	ASSERT_TRUE(!strchr(err, '\n'), "the message is one line");
	for (const char *p = err; *p; p++)
		if (!ASSERT_TRUE(*p >= ' ' && *p <= '~', "the message is printable"))
			break;
}

static void test_spec_bad(const struct spec_bad *c)
{
	struct ll_rule_rec r, zero = {};
	char err[256] = "";

	memset(&r, 0xa5, sizeof(r));
	ASSERT_EQ(ll_spec_parse(c->in, &r, err, sizeof(err)), -EINVAL, "rejected");
	if (!ASSERT_TRUE(contains(err, c->msg), "message"))
		fprintf(stderr, "     got: %s\n     want: %s\n", err, c->msg);
	check_err_line(err);
	ASSERT_TRUE(!memcmp(&r, &zero, sizeof(r)), "record zeroed on error");
}

static void test_spec_limits(void)
{
	char s[LL_SPEC_MAX_LEN + 2], err[256] = "", small[8];
	struct ll_rule_rec r;

	/* exactly the limit is fine: an address padded with leading port zeros */
	memset(s, '0', sizeof(s));
	memcpy(s, "tcp://192.0.2.1:", 16);
	s[LL_SPEC_MAX_LEN - 1] = '9';
	s[LL_SPEC_MAX_LEN] = '\0';
	ASSERT_EQ(ll_spec_parse(s, &r, err, sizeof(err)), 0, err);
	ASSERT_EQ(r.ranges[0].lo, 9, "port of the padded spec");
	/* one more character is over-long */
	s[LL_SPEC_MAX_LEN] = '9';
	s[LL_SPEC_MAX_LEN + 1] = '\0';
	ASSERT_EQ(ll_spec_parse(s, &r, err, sizeof(err)), -EINVAL, "over-long rejected");
	ASSERT_TRUE(contains(err, "longer than 128 characters"), err);
	/* a short error buffer is truncated, still terminated; NULL/0 is allowed */
	ASSERT_EQ(ll_spec_parse("bad", &r, small, sizeof(small)), -EINVAL, "short buffer");
	ASSERT_EQ(strlen(small), sizeof(small) - 1, "message truncated to the buffer");
	ASSERT_EQ(ll_spec_parse("bad", &r, NULL, 0), -EINVAL, "no buffer");
}

/* ---- SPEC: format ---- */

static struct ll_rule_rec rec_of(const char *spec, __u32 kind)
{
	struct ll_rule_rec r;
	char err[256] = "";

	if (ll_spec_parse(spec, &r, err, sizeof(err)))
		TEST_FAIL_MSG("fixture '%s' does not parse: %s", spec, err);
	r.kind = kind;
	return r;
}

static void test_format_flow(void)
{
	struct ll_rule_rec r = rec_of("nbd://198.51.100.7", LL_RULE_FLOW), back;
	char buf[LL_SPEC_FMT_LEN], err[256] = "";
	int v4;

	ASSERT_EQ(ll_addr_port_parse("192.0.2.1", r.local, &v4, &r.local_port, 0, err,
				     sizeof(err)), 0, err);
	r.local_port = 40000;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), 0, "format v4 flow");
	ASSERT_STREQ(buf, "nbd://198.51.100.7 local 192.0.2.1:40000", "v4 flow");

	r = rec_of("tcp://[2001:db8::5]:4420", LL_RULE_FLOW);
	ASSERT_EQ(addr16("2001:db8::1", r.local), 0, "fixture");
	r.local_port = 40000;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), 0, "format v6 flow");
	ASSERT_STREQ(buf, "tcp://[2001:db8::5]:4420 local [2001:db8::1]:40000", "v6 flow");
	r.local_port = 0;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), 0, "format v6 flow, no local port");
	ASSERT_STREQ(buf, "tcp://[2001:db8::5]:4420 local 2001:db8::1", "v6 flow without port");
	/* the SPEC part still parses back to the same remote */
	*strchr(buf, ' ') = '\0';
	ASSERT_EQ(ll_spec_parse(buf, &back, err, sizeof(err)), 0, err);
	ASSERT_TRUE(!memcmp(back.addr, r.addr, 16) && back.ranges[0].lo == 4420, "remote part");
}

static void test_format_errors(void)
{
	struct ll_rule_rec good = rec_of("ceph://[2001:db8::30]", LL_RULE_ENDPOINT), r;
	char buf[LL_SPEC_FMT_LEN], tiny[10];

	ASSERT_EQ(ll_spec_format(&good, tiny, sizeof(tiny)), -ENOSPC, "too small a buffer");
	ASSERT_STREQ(tiny, "", "nothing half-written");
	ASSERT_EQ(ll_spec_format(&good, buf, sizeof(buf)), 0, "the same fits a full buffer");

	r = good, r.plen = 129;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), -EINVAL, "plen 129");
	ASSERT_STREQ(buf, "", "buf cleared on error");
	r = good, r.nranges = 0;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), -EINVAL, "no ranges");
	r = good, r.nranges = LL_RULE_MAX_RANGES + 1;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), -EINVAL, "too many ranges");
	r = good, r.nranges = 2;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), -EINVAL, "two ranges, not the defaults");
	r = good, r.scheme = LL_SCHEME_MAX;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), -EINVAL, "unknown scheme");
	r = good, r.proto = UDP;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), -EINVAL, "ceph over UDP");
	r = good, r.nranges = 1, r.ranges[0].lo = 0, r.ranges[0].hi = 65535;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), -EINVAL, "ceph with port 0");
	r = good, r.addr[15] = 1, r.plen = 64;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), -EINVAL, "host bits");
	r = rec_of("nbd://198.51.100.7", LL_RULE_ENDPOINT), r.addr[10] = 0;
	ASSERT_EQ(ll_spec_format(&r, buf, sizeof(buf)), -EINVAL, "IPv4 not v4-mapped");
}

static void test_rec_check(void)
{
	struct ll_rule_rec r = rec_of("tcp://192.0.2.0/24:10-20", LL_RULE_ENDPOINT);
	char err[256];

	ASSERT_EQ(ll_rec_check(&r, err, sizeof(err)), 0, "good record");
	r.ranges[0].lo = 30;
	ASSERT_EQ(ll_rec_check(&r, err, sizeof(err)), -EINVAL, "inverted range");
	ASSERT_TRUE(contains(err, "30-20 is inverted"), err);
	r = rec_of("tcp://192.0.2.0/24", LL_RULE_ENDPOINT), r.plen = 33;
	ASSERT_EQ(ll_rec_check(&r, err, sizeof(err)), -EINVAL, "plen 33");
	ASSERT_TRUE(contains(err, "33 is over 32"), err);
	r = rec_of("tcp://192.0.2.0/24", LL_RULE_ENDPOINT), r.is_v4 = 2;
	ASSERT_EQ(ll_rec_check(&r, err, sizeof(err)), -EINVAL, "family flag 2");
	r = rec_of("tcp://[::/0]", LL_RULE_ENDPOINT), r.plen = 96;
	ASSERT_EQ(addr16("::ffff:0.0.0.0", r.addr), 0, "fixture");
	r.addr[10] = r.addr[11] = 0xff;
	ASSERT_EQ(ll_rec_check(&r, err, sizeof(err)), -EINVAL, "IPv6 /96 in the mapped space");
	ASSERT_TRUE(contains(err, "IPv4-mapped"), err);
}

/*
 * Random structurally valid SPECs: each must parse, format, and parse back
 * to the same record. A small deterministic generator, no libc rand().
 */
static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u32 rnd(__u32 n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (__u32)(rng_state % n) : 0;
}

static void random_spec(char *buf, size_t len)
{
	static const char *const sch[] = { "tcp", "udp", "nbd", "iscsi", "nvme-tcp", "nfs",
					   "ceph" };
	__u8 a[16];
	char as[LL_ADDR_FMT_LEN], port[24] = "", plen[8] = "";
	int v4 = rnd(2), bits = v4 ? 32 : 128, p = rnd(bits + 1);
	__u16 lo = 1 + rnd(65535), hi = lo + rnd(65536 - lo);

	for (int i = 0; i < 16; i++)
		a[i] = rnd(256);
	if (v4)
		memcpy(a, (__u8[12]){ [10] = 0xff, [11] = 0xff }, 12);
	else
		a[10] = 0;	/* stay out of the v4-mapped space */
	ll_addr_mask(a, a, (v4 ? 96 : 0) + p);
	ll_addr_format(a, v4, as, sizeof(as));
	if (rnd(2))
		snprintf(plen, sizeof(plen), "/%d", p);
	if (rnd(3) == 1)
		snprintf(port, sizeof(port), ":%u", lo);
	else if (rnd(2))
		snprintf(port, sizeof(port), ":%u-%u", lo, hi);
	snprintf(buf, len, v4 ? "%s://%s%s%s" : "%s://[%s%s]%s", sch[rnd(7)], as,
		 rnd(4) || !plen[0] ? plen : "", port);
}

static void test_spec_roundtrip_random(void)
{
	char s[LL_SPEC_FMT_LEN], f[LL_SPEC_FMT_LEN], f2[LL_SPEC_FMT_LEN], err[256];
	struct ll_rule_rec a, b;
	int bad = 0;

	for (int i = 0; i < 20000 && bad < 5; i++) {
		random_spec(s, sizeof(s));
		if (ll_spec_parse(s, &a, err, sizeof(err))) {
			TEST_FAIL_MSG("'%s' rejected: %s", s, err);
			bad++;
			continue;
		}
		if (ll_spec_format(&a, f, sizeof(f)) || ll_spec_parse(f, &b, err, sizeof(err)) ||
		    memcmp(&a, &b, sizeof(a)) || ll_spec_format(&b, f2, sizeof(f2)) ||
		    strcmp(f, f2)) {
			TEST_FAIL_MSG("'%s' does not round-trip: '%s' then '%s'", s, f, f2);
			bad++;
		}
	}
}

/* ---- --local ADDR[:PORT] ---- */

struct addr_case {
	const char *in;
	int port_required;
	int ret;
	const char *addr;	/* ret == 0 */
	__u16 port;
	const char *msg;	/* ret != 0 */
};

static const struct addr_case addr_cases[] = {
	{ "192.0.2.1:40000", 1, 0, "192.0.2.1", 40000 },
	{ "192.0.2.1:40000", 0, 0, "192.0.2.1", 40000 },
	{ "[2001:db8::1]:40000", 1, 0, "2001:db8::1", 40000 },
	{ "2001:db8::1", 0, 0, "2001:db8::1", 0 },
	{ "[2001:db8::1]", 0, 0, "2001:db8::1", 0 },
	{ "192.0.2.1", 0, 0, "192.0.2.1", 0 },
	{ "::1", 0, 0, "::1", 0 },
	{ "[::]:1", 1, 0, "::", 1 },
	{ "0.0.0.0:65535", 1, 0, "0.0.0.0", 65535 },
	{ "2001:db8::1", 1, -EINVAL, NULL, 0, "missing port" },
	{ "192.0.2.1", 1, -EINVAL, NULL, 0, "missing port" },
	{ "192.0.2.1:0", 0, -EINVAL, NULL, 0, "port 0 is not valid" },
	{ "192.0.2.1:70000", 1, -EINVAL, NULL, 0, "port 70000 is over 65535" },
	{ "192.0.2.0/24:1", 0, -EINVAL, NULL, 0, "a prefix length is not allowed here" },
	{ "[2001:db8::1]:1-2", 0, -EINVAL, NULL, 0, "a port range is not allowed here" },
	{ "host.example:1", 0, -EINVAL, NULL, 0, "no DNS" },
	{ "", 0, -EINVAL, NULL, 0, "empty address" },
	{ ":40000", 0, -EINVAL, NULL, 0, "missing address" },
	{ "[192.0.2.1]:1", 0, -EINVAL, NULL, 0, "brackets are for IPv6" },
	{ "[::ffff:192.0.2.1]:1", 0, -EINVAL, NULL, 0, "IPv4-mapped" },
	{ "192.0.2.1:40000x", 0, -EINVAL, NULL, 0, "unexpected 'x' after port 40000" },
	{ "[2001:db8::1", 0, -EINVAL, NULL, 0, "missing ']'" },
	{ "2001:db8::1:40000:", 0, -EINVAL, NULL, 0, "not a valid IPv6 address" },
	{ "192.0.2.1: 1", 0, -EINVAL, NULL, 0, "space" },
};

static void test_addr_port(const struct addr_case *c)
{
	__u8 addr[16], want[16], sentinel[16];
	__u16 port = 0x5a5a;
	int is_v4 = 7;
	char err[256] = "";

	memset(addr, 0xa5, sizeof(addr));
	memcpy(sentinel, addr, sizeof(addr));
	ASSERT_EQ(ll_addr_port_parse(c->in, addr, &is_v4, &port, c->port_required, err,
				     sizeof(err)), c->ret, err);
	if (c->ret) {
		ASSERT_TRUE(contains(err, c->msg), err);
		check_err_line(err);
		ASSERT_TRUE(!memcmp(addr, sentinel, 16) && port == 0x5a5a && is_v4 == 7,
			    "outputs untouched on error");
		return;
	}
	ASSERT_EQ(addr16(c->addr, want), 0, "fixture");
	ASSERT_TRUE(!memcmp(addr, want, 16), "address");
	ASSERT_EQ(is_v4, !strchr(c->addr, ':'), "is_v4");
	ASSERT_EQ(port, c->port, "port");
}

/* ---- durations ---- */

struct dur_case {
	const char *in;
	int ret;
	__u64 ns;
	const char *msg;
};

#define SEC 1000000000ULL

static const struct dur_case dur_cases[] = {
	{ "500ms", 0, 500000000ULL },
	{ "1ms", 0, 1000000ULL },
	{ "30s", 0, 30 * SEC },
	{ "5m", 0, 300 * SEC },
	{ "2h", 0, 7200 * SEC },
	{ "1d", 0, 86400 * SEC },
	{ "90", 0, 90 * SEC },
	{ "0500ms", 0, 500000000ULL },
	/* at most 365d: now + a duration never wraps (was: 2^64 ns, an override already expired) */
	{ "365d", 0, 365ULL * 86400 * SEC },
	{ "8760h", 0, 8760ULL * 3600 * SEC },
	{ "31536000s", 0, 31536000ULL * SEC },
	{ "31536000000ms", 0, 31536000000ULL * 1000000ULL },
	{ "366d", -EINVAL, 0, "the most is 365d" },
	{ "31536001s", -EINVAL, 0, "too long" },
	{ "18446744073s", -EINVAL, 0, "too long" },
	{ "18446744073709ms", -EINVAL, 0, "too long" },
	{ "213503d", -EINVAL, 0, "too long" },
	{ "", -EINVAL, 0, "empty duration" },
	{ "0", -EINVAL, 0, "is zero" },
	{ "0s", -EINVAL, 0, "is zero" },
	{ "000ms", -EINVAL, 0, "is zero" },
	{ "-5s", -EINVAL, 0, "negative" },
	{ "+5s", -EINVAL, 0, "does not start with a number" },
	{ "s", -EINVAL, 0, "does not start with a number" },
	{ "5x", -EINVAL, 0, "unknown unit 'x'" },
	{ "5 s", -EINVAL, 0, "unknown unit ' s'" },
	{ "5sec", -EINVAL, 0, "unknown unit 'sec'" },
	{ "5S", -EINVAL, 0, "unknown unit 'S'" },
	{ "5ms5", -EINVAL, 0, "unknown unit 'ms5'" },
	{ "1.5h", -EINVAL, 0, "not a whole number" },
	{ "18446744074s", -EINVAL, 0, "too long" },
	{ "213504d", -EINVAL, 0, "too long" },
	{ "18446744073709551616", -EINVAL, 0, "too long" },
	{ "999999999999999999999999999999999", -EINVAL, 0, "too long" },
};

static void test_duration(const struct dur_case *c)
{
	char err[256] = "";
	__u64 ns = 12345;

	ASSERT_EQ(ll_duration_parse(c->in, &ns, err, sizeof(err)), c->ret, err);
	if (c->ret) {
		ASSERT_TRUE(contains(err, c->msg), err);
		check_err_line(err);
		ASSERT_EQ(ns, 12345, "output untouched on error");
	} else {
		ASSERT_TRUE(ns == c->ns, "nanoseconds");
	}
}

/* ---- levels, interface names, numbers ---- */

static void test_level(void)
{
	static const char *const bad[] = { "", "crit", "Critical", "none ", "elevate", "critical2",
					   "NONE", "2" };
	char err[256];
	__u32 l = 99;

	ASSERT_EQ(ll_level_parse("none", &l, err, sizeof(err)), 0, "none");
	ASSERT_EQ(l, LL_LEVEL_NONE, "none value");
	ASSERT_EQ(ll_level_parse("elevated", &l, err, sizeof(err)), 0, "elevated");
	ASSERT_EQ(l, LL_LEVEL_ELEVATED, "elevated value");
	ASSERT_EQ(ll_level_parse("critical", &l, err, sizeof(err)), 0, "critical");
	ASSERT_EQ(l, LL_LEVEL_CRITICAL, "critical value");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		l = 99;
		ASSERT_EQ(ll_level_parse(bad[i], &l, err, sizeof(err)), -EINVAL, bad[i]);
		ASSERT_TRUE(contains(err, "expected none, elevated or critical"), err);
		ASSERT_EQ(l, 99, "untouched");
	}
}

static void test_ifname(void)
{
	static const char *const good[] = { "eth0", "lo", "a", "veth-ll.1", "eth0.100", "br_0",
					    "abcdefghijklmno", "...", "wg@x" };
	static const struct { const char *in, *msg; } bad[] = {
		{ "", "empty" },
		{ "abcdefghijklmnop", "longer than 15" },
		{ ".", "not a valid interface name" },
		{ "..", "not a valid interface name" },
		{ "a/b", "contains '/'" },
		{ "a:b", "contains ':'" },
		{ "eth 0", "whitespace" },
		{ "eth0\t", "whitespace" },
		{ "\xa0x", "whitespace" },
	};
	char err[256];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		ASSERT_EQ(ll_ifname_check(good[i], err, sizeof(err)), 0, good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(ll_ifname_check(bad[i].in, err, sizeof(err)), -EINVAL, bad[i].in);
		ASSERT_TRUE(contains(err, bad[i].msg), err);
		check_err_line(err);
	}
}

static void test_u32(void)
{
	static const struct {
		const char *in;
		__u32 min, max;
		int ret;
		__u32 v;
		const char *msg;
	} c[] = {
		{ "0", 0, 10, 0, 0 },
		{ "42", 1, 100, 0, 42 },
		{ "007", 0, 10, 0, 7 },
		{ "4294967295", 0, UINT32_MAX, 0, UINT32_MAX },
		{ "10", 10, 10, 0, 10 },
		{ "", 0, 10, -EINVAL, 0, "empty" },
		{ "-1", 0, 10, -EINVAL, 0, "not a whole number" },
		{ "+1", 0, 10, -EINVAL, 0, "not a whole number" },
		{ " 1", 0, 10, -EINVAL, 0, "not a whole number" },
		{ "1 ", 0, 10, -EINVAL, 0, "not a whole number" },
		{ "0x10", 0, 100, 0, 16, NULL },	/* hexadecimal after 0x (tune --mark 0x10) */
		{ "0XfF", 0, 1000, 0, 255, NULL },
		{ "0x", 0, 100, -EINVAL, 0, "not a whole number" },
		{ "0xg", 0, 100, -EINVAL, 0, "not a whole number" },
		{ "0x65", 0, 100, -EINVAL, 0, "over the maximum of 100" },
		{ "0x100000000", 0, UINT32_MAX, -EINVAL, 0, "over the maximum of 4294967295" },
		{ "1e3", 0, 10000, -EINVAL, 0, "not a whole number" },
		{ "4294967296", 0, UINT32_MAX, -EINVAL, 0, "over the maximum of 4294967295" },
		{ "99999999999999999999", 0, UINT32_MAX, -EINVAL, 0, "over the maximum" },
		{ "11", 0, 10, -EINVAL, 0, "--count: 11 is over the maximum of 10" },
		{ "5", 10, 20, -EINVAL, 0, "--count: 5 is below the minimum of 10" },
	};
	char err[256];

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		__u32 v = 0xdead;

		ASSERT_EQ(ll_u32_parse(c[i].in, c[i].min, c[i].max, &v, "--count", err,
				       sizeof(err)), c[i].ret, c[i].in);
		if (c[i].ret) {
			ASSERT_TRUE(contains(err, c[i].msg), err);
			ASSERT_EQ(v, 0xdead, "untouched");
		} else {
			ASSERT_EQ(v, c[i].v, c[i].in);
		}
	}
}

/* ---- the rule compiler ---- */

struct pkt {
	__u8 proto;
	const char *src;
	__u16 sport, dport;
	int want;		/* rule id, -1 for none */
};

static void check_pkts(const struct ll_rule_entry *e, size_t n, const struct pkt *p, size_t np)
{
	__u8 a[16];

	for (size_t i = 0; i < np; i++) {
		if (addr16(p[i].src, a)) {
			TEST_FAIL_MSG("bad fixture address %s", p[i].src);
			continue;
		}
		if (ll_rules_match(e, n, p[i].proto, a, p[i].sport, p[i].dport) != p[i].want)
			TEST_FAIL_MSG("%s %s %u->%u: matched %d, expected %d",
				      p[i].proto == TCP ? "tcp" : "udp", p[i].src, p[i].sport,
				      p[i].dport, ll_rules_match(e, n, p[i].proto, a, p[i].sport,
								 p[i].dport), p[i].want);
	}
}

/* Compiles specs (all of kind) with ids; returns the entry count or -errno. */
static long compile_specs(const char *const *specs, const __u32 *ids, size_t n, __u32 kind,
			  struct ll_rule_entry **e, char *err, size_t errlen)
{
	struct ll_rule_rec recs[64];
	size_t ne = 0;
	int ret;

	for (size_t i = 0; i < n && i < ARRAY_SIZE(recs); i++)
		recs[i] = rec_of(specs[i], kind);
	ret = ll_rules_compile(recs, ids, n, kind, e, &ne, err, errlen);
	return ret ? ret : (long)ne;
}

static const struct ll_rule_entry *find_entry(const struct ll_rule_entry *e, size_t n, __u8 proto,
					      const char *addr, int is_v4, unsigned int plen)
{
	struct ll_rule_key k;
	__u8 a[16];

	if (addr16(addr, a))
		return NULL;
	ll_rule_key_make(&k, proto, a, is_v4, plen);
	for (size_t i = 0; i < n; i++)
		if (!memcmp(&e[i].key, &k, sizeof(k)))
			return &e[i];
	return NULL;
}

static void test_compile_overlap(void)
{
	static const char *const specs[] = { "iscsi://198.51.100.0/24", "nbd://198.51.100.7" };
	static const __u32 ids[] = { 10, 11 };
	static const struct pkt pkts[] = {
		/* initiator: the target's port is the source port */
		{ TCP, "198.51.100.7", 3260, 40000, 10 },
		{ TCP, "198.51.100.7", 40000, 3260, 10 },	/* target side: destination */
		{ TCP, "198.51.100.7", 10809, 40000, 11 },
		{ TCP, "198.51.100.7", 40000, 10809, 11 },
		{ TCP, "198.51.100.7", 40000, 80, -1 },
		{ TCP, "198.51.100.8", 40000, 3260, 10 },
		{ TCP, "198.51.100.8", 40000, 10809, -1 },
		{ TCP, "198.51.101.7", 40000, 3260, -1 },
		{ UDP, "198.51.100.7", 40000, 3260, -1 },
	};
	const struct ll_rule_entry *host, *net;
	struct ll_rule_entry *e = NULL;
	char err[256] = "";
	long n = compile_specs(specs, ids, 2, LL_RULE_ENDPOINT, &e, err, sizeof(err));

	if (!ASSERT_EQ(n, 2, err))
		goto out;
	host = find_entry(e, n, TCP, "198.51.100.7", 1, 32);
	net = find_entry(e, n, TCP, "198.51.100.0", 1, 24);
	if (!ASSERT_TRUE(host && net, "a /32 and a /24 entry"))
		goto out;
	ASSERT_EQ(host->key.prefixlen, 8 + 96 + 32, "/32 key length");
	ASSERT_EQ(net->key.prefixlen, 8 + 96 + 24, "/24 key length");
	ASSERT_EQ(host->val.nranges, 2, "/32 carries its own range and the /24's");
	ASSERT_TRUE(host->val.ranges[0].lo == 10809 && host->val.ranges[0].rule_id == 11,
		    "own rule first");
	ASSERT_TRUE(host->val.ranges[1].lo == 3260 && host->val.ranges[1].rule_id == 10,
		    "covering rule next");
	ASSERT_TRUE(net->val.nranges == 1 && net->val.ranges[0].rule_id == 10, "/24 only its own");
	check_pkts(e, n, pkts, ARRAY_SIZE(pkts));
out:
	free(e);
}

static void test_compile_specific_first(void)
{
	static const char *const a[] = { "tcp://198.51.100.0/24", "tcp://198.51.100.7:22" };
	static const char *const b[] = { "tcp://198.51.100.7", "tcp://198.51.100.0/24:22" };
	static const __u32 ids[] = { 1, 2 };
	static const struct pkt pa[] = {
		{ TCP, "198.51.100.7", 40000, 22, 2 },	/* the /32 is credited, not the /24 */
		{ TCP, "198.51.100.7", 40000, 80, 1 },
		{ TCP, "198.51.100.9", 40000, 22, 1 },
	};
	static const struct pkt pb[] = {
		{ TCP, "198.51.100.7", 40000, 22, 1 },
		{ TCP, "198.51.100.9", 40000, 22, 2 },
		{ TCP, "198.51.100.9", 40000, 80, -1 },
	};
	const struct ll_rule_entry *h;
	struct ll_rule_entry *e = NULL;
	char err[256] = "";
	long n = compile_specs(a, ids, 2, LL_RULE_ENDPOINT, &e, err, sizeof(err));

	ASSERT_EQ(n, 2, err);
	check_pkts(e, n, pa, ARRAY_SIZE(pa));
	free(e);
	e = NULL;
	n = compile_specs(b, ids, 2, LL_RULE_ENDPOINT, &e, err, sizeof(err));
	ASSERT_EQ(n, 2, err);
	h = find_entry(e, n, TCP, "198.51.100.7", 1, 32);
	/* the /24's port 22 lies inside the /32's any-port range: never first, left out */
	ASSERT_TRUE(h && h->val.nranges == 1 && h->val.ranges[0].rule_id == 1,
		    "shadowed range dropped");
	check_pkts(e, n, pb, ARRAY_SIZE(pb));
	free(e);
}

static void test_compile_families(void)
{
	static const char *const specs[] = { "tcp://[::/0]:4420", "tcp://0.0.0.0/0:22",
					     "tcp://[2001:db8::/32]:3260" };
	static const __u32 ids[] = { 1, 2, 3 };
	static const struct pkt pkts[] = {
		{ TCP, "192.0.2.1", 40000, 4420, -1 },	/* an IPv6 ::/0 rule is not IPv4 */
		{ TCP, "192.0.2.1", 40000, 22, 2 },
		{ TCP, "2001:db8::1", 40000, 4420, 1 },
		{ TCP, "2001:db8::1", 40000, 3260, 3 },
		{ TCP, "2001:db8::1", 40000, 22, -1 },	/* nor is an IPv4 /0 rule IPv6 */
		{ TCP, "2001:db9::1", 4420, 40000, 1 },
		{ TCP, "::", 40000, 4420, 1 },
	};
	static const char *const only6[] = { "tcp://[::/64]:4420" };
	static const struct pkt pkts6[] = {
		{ TCP, "192.0.2.1", 40000, 4420, -1 },
		{ TCP, "0.0.0.0", 40000, 4420, -1 },
		{ TCP, "::5", 40000, 4420, 1 },
	};
	const struct ll_rule_entry *guard;
	struct ll_rule_entry *e = NULL;
	char err[256] = "";
	long n = compile_specs(specs, ids, 3, LL_RULE_ENDPOINT, &e, err, sizeof(err));

	ASSERT_EQ(n, 3, err);
	check_pkts(e, n, pkts, ARRAY_SIZE(pkts));
	free(e);
	e = NULL;
	/* IPv6 rule alone: an empty guard entry keeps IPv4 out */
	n = compile_specs(only6, ids, 1, LL_RULE_ENDPOINT, &e, err, sizeof(err));
	ASSERT_EQ(n, 2, err);
	guard = find_entry(e, n, TCP, "0.0.0.0", 1, 0);
	ASSERT_TRUE(guard && guard->val.nranges == 0, "IPv4 guard entry with no ranges");
	check_pkts(e, n, pkts6, ARRAY_SIZE(pkts6));
	free(e);
}

static void test_compile_protocols(void)
{
	static const char *const specs[] = { "tcp://192.0.2.0/24:2049", "udp://192.0.2.0/24:2049",
					     "udp://192.0.2.1" };
	static const __u32 ids[] = { 1, 2, 3 };
	static const struct pkt pkts[] = {
		{ TCP, "192.0.2.5", 40000, 2049, 1 },
		{ UDP, "192.0.2.5", 40000, 2049, 2 },
		{ UDP, "192.0.2.1", 40000, 9, 3 },
		{ TCP, "192.0.2.1", 40000, 9, -1 },	/* the UDP any-port rule is not TCP */
		{ TCP, "192.0.2.1", 40000, 2049, 1 },
		{ UDP, "192.0.2.1", 40000, 2049, 3 },
	};
	struct ll_rule_entry *e = NULL;
	char err[256] = "";
	long n = compile_specs(specs, ids, 3, LL_RULE_ENDPOINT, &e, err, sizeof(err));

	ASSERT_EQ(n, 3, err);
	ASSERT_TRUE(find_entry(e, n, TCP, "192.0.2.0", 1, 24) &&
		    find_entry(e, n, UDP, "192.0.2.0", 1, 24), "one /24 entry per protocol");
	ASSERT_TRUE(!find_entry(e, n, TCP, "192.0.2.1", 1, 32), "no TCP /32 entry");
	check_pkts(e, n, pkts, ARRAY_SIZE(pkts));
	free(e);
}

static void test_compile_kinds_and_dupes(void)
{
	struct ll_rule_rec recs[5] = {
		rec_of("nbd://198.51.100.7", LL_RULE_ENDPOINT),
		rec_of("tcp://192.0.2.0/24:22", LL_RULE_ALLOW),
		rec_of("nbd://198.51.100.7", LL_RULE_ENDPOINT),	/* duplicate */
		{ .kind = LL_RULE_FREE, .plen = 200 },		/* free slot: never read */
		rec_of("nbd://198.51.100.7", LL_RULE_FLOW),
	};
	struct ll_rule_entry *e = NULL;
	char err[256] = "";
	size_t n = 99;

	ASSERT_EQ(ll_rules_compile(recs, NULL, 5, LL_RULE_ENDPOINT, &e, &n, err, sizeof(err)), 0,
		  err);
	if (ASSERT_EQ(n, 1, "one endpoint entry")) {
		ASSERT_EQ(e[0].val.nranges, 1, "the duplicate merged");
		ASSERT_EQ(e[0].val.ranges[0].rule_id, 0, "credited to the first (ids NULL: index)");
	}
	free(e);
	ASSERT_EQ(ll_rules_compile(recs, NULL, 5, LL_RULE_ALLOW, &e, &n, err, sizeof(err)), 0, err);
	if (ASSERT_EQ(n, 1, "one allow entry"))
		ASSERT_TRUE(e[0].key.proto == TCP && e[0].val.ranges[0].lo == 22 &&
			    e[0].val.ranges[0].rule_id == 1, "the allow rule");
	free(e);
	n = 99;
	ASSERT_EQ(ll_rules_compile(recs, NULL, 0, LL_RULE_ENDPOINT, &e, &n, err, sizeof(err)), 0,
		  "none");
	ASSERT_TRUE(e == NULL && n == 0, "empty result");
}

static void test_compile_too_many(void)
{
	struct ll_rule_rec recs[LL_RULE_PORTS + 1];
	struct ll_rule_entry *e = (void *)1;
	char err[256] = "";
	size_t n = 99;

	for (int i = 0; i <= LL_RULE_PORTS; i++) {
		recs[i] = rec_of("tcp://198.51.100.7:1", LL_RULE_ENDPOINT);
		recs[i].ranges[0].lo = recs[i].ranges[0].hi = 1000 + i;
	}
	/* exactly LL_RULE_PORTS fit */
	ASSERT_EQ(ll_rules_compile(recs, NULL, LL_RULE_PORTS, LL_RULE_ENDPOINT, &e, &n, err,
				   sizeof(err)), 0, err);
	ASSERT_TRUE(n == 1 && e && e[0].val.nranges == LL_RULE_PORTS, "16 ranges in one entry");
	free(e);
	ASSERT_EQ(ll_rules_compile(recs, NULL, LL_RULE_PORTS + 1, LL_RULE_ENDPOINT, &e, &n, err,
				   sizeof(err)), -EINVAL, "17 ranges");
	ASSERT_TRUE(contains(err, "tcp://198.51.100.7/32 needs more than 16 port ranges"), err);
	ASSERT_TRUE(e == NULL && n == 0, "nothing returned");

	/* 9 on the /24 fit there, but the /32 inside needs its 8 plus those 9 */
	for (int i = 0; i < 9; i++) {
		recs[i] = rec_of("tcp://198.51.100.0/24:1", LL_RULE_ENDPOINT);
		recs[i].ranges[0].lo = recs[i].ranges[0].hi = 2000 + i;
	}
	ASSERT_EQ(ll_rules_compile(recs, NULL, 17, LL_RULE_ENDPOINT, &e, &n, err, sizeof(err)),
		  -EINVAL, "nested overflow");
	ASSERT_TRUE(contains(err, "tcp://198.51.100.7/32"), err);
}

static void test_compile_invalid_record(void)
{
	struct ll_rule_rec recs[2] = { rec_of("nbd://198.51.100.7", LL_RULE_ENDPOINT),
				       rec_of("nbd://198.51.100.8", LL_RULE_ENDPOINT) };
	static const __u32 ids[] = { 3, 7 };
	struct ll_rule_entry *e = NULL;
	char err[256] = "";
	size_t n = 0;

	recs[1].plen = 33;
	ASSERT_EQ(ll_rules_compile(recs, ids, 2, LL_RULE_ENDPOINT, &e, &n, err, sizeof(err)),
		  -EINVAL, "plen 33");
	ASSERT_TRUE(contains(err, "rule 7 is invalid") && contains(err, "33"), err);
	ASSERT_TRUE(e == NULL, "nothing returned");
	recs[1].plen = 32;
	recs[1].ranges[0].lo = 2;
	recs[1].ranges[0].hi = 1;
	ASSERT_EQ(ll_rules_compile(recs, ids, 2, LL_RULE_ENDPOINT, &e, &n, err, sizeof(err)),
		  -EINVAL, "inverted range");
	ASSERT_TRUE(contains(err, "rule 7") && contains(err, "inverted"), err);
	/* the same bad record as another kind is not looked at */
	ASSERT_EQ(ll_rules_compile(recs, ids, 2, LL_RULE_ALLOW, &e, &n, err, sizeof(err)), 0, err);
}

/*
 * Brute force: the most specific rule of the same protocol and family
 * that covers the address and has a range holding either port; equal
 * lengths in input order. What the compiled tries must answer.
 */
static int reference_match(const struct ll_rule_rec *r, const __u32 *ids, size_t n, __u8 proto,
			   const __u8 a[16], __u16 sport, __u16 dport)
{
	int v4 = !memcmp(a, (__u8[12]){ [10] = 0xff, [11] = 0xff }, 12), best = -1, best_len = -1;
	__u8 m[16];

	for (size_t i = 0; i < n; i++) {
		int len = r[i].is_v4 ? 96 + r[i].plen : r[i].plen, hit = 0;

		if (r[i].proto != proto || r[i].is_v4 != v4 || len <= best_len)
			continue;
		ll_addr_mask(m, a, len);
		if (memcmp(m, r[i].addr, 16))
			continue;
		for (int j = 0; j < r[i].nranges; j++)
			hit |= (sport >= r[i].ranges[j].lo && sport <= r[i].ranges[j].hi) ||
			       (dport >= r[i].ranges[j].lo && dport <= r[i].ranges[j].hi);
		if (hit) {
			best = ids[i];
			best_len = len;
		}
	}
	return best;
}

static const char *const pool4[] = { "10.0.0.1", "10.0.0.2", "10.0.1.1", "10.1.0.1", "192.0.2.1",
				     "0.0.0.0" };
static const char *const pool6[] = { "2001:db8::1", "2001:db8::2", "2001:db8:1::1", "2001:db9::1",
				     "::1", "::" };
static const __u16 ports[][2] = { { 0, 65535 }, { 22, 22 }, { 80, 80 }, { 100, 200 },
				  { 150, 150 }, { 3260, 3260 } };

static void random_rule(struct ll_rule_rec *r)
{
	static const __u8 plens4[] = { 0, 8, 16, 24, 31, 32 };
	static const __u8 plens6[] = { 0, 16, 32, 48, 64, 127, 128 };

	memset(r, 0, sizeof(*r));
	r->kind = LL_RULE_ENDPOINT;
	r->proto = rnd(2) ? TCP : UDP;
	r->is_v4 = rnd(2);
	addr16(r->is_v4 ? pool4[rnd(ARRAY_SIZE(pool4))] : pool6[rnd(ARRAY_SIZE(pool6))], r->addr);
	r->plen = r->is_v4 ? plens4[rnd(sizeof(plens4))] : plens6[rnd(sizeof(plens6))];
	ll_addr_mask(r->addr, r->addr, (r->is_v4 ? 96 : 0) + r->plen);
	r->nranges = 1 + rnd(2);
	for (int j = 0; j < r->nranges; j++) {
		int p = rnd(ARRAY_SIZE(ports));

		r->ranges[j].lo = ports[p][0];
		r->ranges[j].hi = ports[p][1];
	}
}

static int random_round(void)
{
	static const __u16 pkt_ports[] = { 22, 80, 150, 160, 3260, 40000 };
	struct ll_rule_rec recs[8];
	__u32 ids[8];
	struct ll_rule_entry *e = NULL;
	size_t n = 1 + rnd(8), ne;
	char err[256] = "";
	int fails = 0;

	for (size_t i = 0; i < n; i++) {
		random_rule(&recs[i]);
		ids[i] = 100 + rnd(50);
	}
	if (!ASSERT_EQ(ll_rules_compile(recs, ids, n, LL_RULE_ENDPOINT, &e, &ne, err, sizeof(err)),
		       0, err))
		return 1;
	for (int k = 0; k < 60 && !fails; k++) {
		__u8 proto = rnd(2) ? TCP : UDP, a[16];
		__u16 sp = pkt_ports[rnd(6)], dp = pkt_ports[rnd(6)];
		int v4 = rnd(2), got, want;

		addr16(v4 ? pool4[rnd(ARRAY_SIZE(pool4))] : pool6[rnd(ARRAY_SIZE(pool6))], a);
		got = ll_rules_match(e, ne, proto, a, sp, dp);
		want = reference_match(recs, ids, n, proto, a, sp, dp);
		if (got != want) {
			TEST_FAIL_MSG("%zu rules, packet %d: compiled %d, reference %d", n, k, got,
				      want);
			fails++;
		}
	}
	free(e);
	return fails;
}

static void test_compile_random(void)
{
	int fails = 0;

	for (int i = 0; i < 3000 && fails < 3; i++)
		fails += random_round();
}

/* ---- ll_rules_sync against a real LPM trie ---- */

static int trie_create(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);

	return bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "ll_test_trie", sizeof(struct ll_rule_key),
			      sizeof(struct ll_rule_val), 64, &o);
}

/* Counts the trie's keys; *found tells whether want (if given) is one of them. */
static size_t trie_walk(int fd, const struct ll_rule_key *want, int *found)
{
	struct ll_rule_key k, next;
	size_t n = 0;
	int more = !bpf_map_get_next_key(fd, NULL, &next);

	*found = 0;
	while (more && n < 1000) {
		if (want && next.prefixlen == want->prefixlen && next.proto == want->proto &&
		    !memcmp(next.addr, want->addr, 16))
			*found = 1;
		k = next;
		n++;
		more = !bpf_map_get_next_key(fd, &k, &next);
	}
	return n;
}

static size_t trie_count(int fd)
{
	int found;

	return trie_walk(fd, NULL, &found);
}

static int trie_has_key(int fd, const struct ll_rule_key *want)
{
	int found;

	trie_walk(fd, want, &found);
	return found;
}

/* The trie holds exactly e: same count, and every key's value as compiled. */
static void check_trie(int fd, const struct ll_rule_entry *e, size_t n)
{
	struct ll_rule_val v;

	ASSERT_EQ(trie_count(fd), n, "entries in the trie");
	for (size_t i = 0; i < n; i++) {
		if (!ASSERT_EQ(bpf_map_lookup_elem(fd, &e[i].key, &v), 0, "compiled key present"))
			continue;
		ASSERT_TRUE(!memcmp(&v, &e[i].val, sizeof(v)), "value as compiled");
	}
}

static int in_range(__u16 port, const struct ll_port_range *r)
{
	return port >= r->lo && port <= r->hi;
}

/* The kernel's longest-prefix lookup agrees with ll_rules_match(). */
static void check_kernel_lookup(int fd, const struct ll_rule_entry *e, size_t n,
				const struct pkt *p, size_t np)
{
	for (size_t i = 0; i < np; i++) {
		struct ll_rule_key k = { .prefixlen = LL_RULE_KEY_BITS, .proto = p[i].proto };
		struct ll_rule_val v;
		int got = -1;

		addr16(p[i].src, k.addr);
		if (!bpf_map_lookup_elem(fd, &k, &v)) {
			for (__u32 j = 0; j < v.nranges && got < 0; j++)
				if (in_range(p[i].sport, &v.ranges[j]) ||
				    in_range(p[i].dport, &v.ranges[j]))
					got = v.ranges[j].rule_id;
		}
		if (got != p[i].want || got != ll_rules_match(e, n, p[i].proto, k.addr, p[i].sport,
							      p[i].dport))
			TEST_FAIL_MSG("kernel lookup %s %u->%u gave %d, expected %d", p[i].src,
				      p[i].sport, p[i].dport, got, p[i].want);
	}
}

static void test_sync(void)
{
	static const char *const a[] = { "iscsi://198.51.100.0/24", "nbd://198.51.100.7",
					 "tcp://[2001:db8::/64]:4420", "udp://192.0.2.0/24:2049",
					 "tcp://[::/0]:22" };
	static const __u32 ids[] = { 1, 2, 3, 4, 5 };
	static const struct pkt pa[] = {
		{ TCP, "198.51.100.7", 3260, 40000, 1 }, { TCP, "198.51.100.7", 10809, 40000, 2 },
		{ TCP, "198.51.100.9", 3260, 40000, 1 }, { TCP, "2001:db8::9", 4420, 40000, 3 },
		{ TCP, "2001:db8::9", 22, 40000, 5 },
		{ TCP, "198.51.100.7", 22, 40000, -1 },
		{ UDP, "192.0.2.77", 40000, 2049, 4 },
		{ TCP, "192.0.2.77", 40000, 2049, -1 },
		{ TCP, "203.0.113.5", 22, 40000, -1 },	/* the guard keeps ::/0 off IPv4 */
	};
	static const struct pkt pb[] = {
		{ TCP, "198.51.100.7", 3260, 40000, 1 }, { TCP, "198.51.100.7", 10809, 40000, -1 },
		{ TCP, "2001:db8::9", 22, 40000, -1 },
		{ UDP, "192.0.2.77", 40000, 2049, 4 },
	};
	struct ll_rule_entry *e = NULL, stale = {};
	char err[256] = "";
	int fd = trie_create(), ret;
	long n;

	if (fd < 0) {
		TEST_SKIP("cannot create an LPM trie (%s): run as root", strerror(errno));
		return;
	}
	/* a leftover entry that no rule wants */
	ll_rule_key_make(&stale.key, TCP, (__u8[16]){ [10] = 0xff, [11] = 0xff, 203, 0, 113, 0 },
			 1, 24);
	stale.val.nranges = 1;
	ASSERT_EQ(bpf_map_update_elem(fd, &stale.key, &stale.val, BPF_ANY), 0, "stale entry");

	n = compile_specs(a, ids, 5, LL_RULE_ENDPOINT, &e, err, sizeof(err));
	ASSERT_EQ(n, 6, err);	/* five prefixes and the IPv4 guard of ::/0 */
	ASSERT_EQ(ll_rules_sync(fd, e, n), 0, "first sync");
	check_trie(fd, e, n);
	ASSERT_TRUE(!trie_has_key(fd, &stale.key), "stale entry removed");
	check_kernel_lookup(fd, e, n, pa, ARRAY_SIZE(pa));
	ASSERT_EQ(ll_rules_sync(fd, e, n), 0, "same again is a no-op");
	check_trie(fd, e, n);
	free(e);
	e = NULL;

	/* drop the nbd and the ::/0 rule: their entries (and the guard) go */
	n = compile_specs((const char *const[]){ a[0], a[2], a[3] }, (const __u32[]){ 1, 3, 4 }, 3,
			  LL_RULE_ENDPOINT, &e, err, sizeof(err));
	ASSERT_EQ(n, 3, err);
	ASSERT_EQ(ll_rules_sync(fd, e, n), 0, "second sync");
	check_trie(fd, e, n);
	check_kernel_lookup(fd, e, n, pb, ARRAY_SIZE(pb));

	ASSERT_EQ(ll_rules_sync(fd, NULL, 0), 0, "sync to nothing");
	ASSERT_EQ(trie_count(fd), 0, "trie empty");
	ret = ll_rules_sync(-1, e, n);
	ASSERT_TRUE(ret == -EBADF || ret == -EBADFD, "bad fd");
	ret = ll_rules_sync(-1, NULL, 0);
	ASSERT_TRUE(ret == -EBADF || ret == -EBADFD, "bad fd, nothing wanted");
	free(e);
	close(fd);
}

/* ---- the flow table (user/flowtab.c) against a real mmap-able array ---- */

static int flowtab_create(__u32 buckets)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);

	return bpf_map_create(BPF_MAP_TYPE_ARRAY, "ut_flows", sizeof(__u32),
			      sizeof(struct ll_flow_bucket), buckets, &o);
}

static int remotes_create(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);

	return bpf_map_create(BPF_MAP_TYPE_ARRAY, "ut_remotes", sizeof(__u32),
			      sizeof(struct ll_remote_cnt), LL_REMOTE_ENTRIES, &o);
}

/* Sum of the prefilter's flow (hosts = 0) or host (hosts = 1) counts. */
static __u64 remote_sum(const struct ll_remote_cnt *rc, int hosts)
{
	__u64 n = 0;

	for (__u32 i = 0; i < 1U << LL_REMOTE_BITS; i++)
		n += hosts ? rc[i].hosts : rc[i].flows;
	return n;
}

static void flow_key_n(struct ll_flow_key *k, __u32 i)
{
	memset(k, 0, sizeof(*k));
	k->remote[10] = k->remote[11] = 0xff;
	k->remote[12] = 192, k->remote[14] = 2, k->remote[15] = 2 + i % 250;
	k->local[10] = k->local[11] = 0xff;
	k->local[12] = 192, k->local[14] = 2, k->local[15] = 1;
	k->remote_port = htons(10809);
	k->local_port = htons(1024 + i / 250);
	k->proto = i % 3 ? IPPROTO_TCP : IPPROTO_UDP;
}

static void test_flowtab(void)
{
	int fd = flowtab_create(1U << 12), rfd = remotes_create();
	struct ll_flow_val v = { .origin = LL_ORIGIN_CLI };
	struct ll_flow_entry *all = NULL;
	struct ll_flowtab t, ro;
	struct ll_flow_key k;
	__u32 n, found = 0, bad = 0;

	if (!ASSERT_TRUE(fd >= 0 && rfd >= 0, "create") ||
	    !ASSERT_EQ(ll_flowtab_map(&t, fd, rfd), 0, "map"))
		return;
	n = ll_flowtab_capacity(&t);
	ASSERT_EQ(n, (1U << 12) * LL_FLOW_WAYS * 4 / 5, "capacity is 4/5 of the slots");
	ASSERT_EQ(ll_flow_buckets(n), 1U << 12, "and that capacity needs this many buckets");
	/* filled to capacity: every insert succeeds (moving entries when both buckets are full) */
	for (__u32 i = 0; i < n; i++) {
		flow_key_n(&k, i);
		v.packets = i;
		if (ll_flowtab_insert(&t, &k, &v))
			bad++;
	}
	ASSERT_EQ(bad, 0, "every insert up to capacity succeeds");
	ASSERT_EQ(remote_sum(t.rc, 0), n, "the prefilter counts every flow once (moves included)");
	for (__u32 i = 0; i < n; i++) {
		struct ll_flow_entry *e;

		flow_key_n(&k, i);
		e = ll_flowtab_find(&t, &k);
		found += e && e->val.packets == i;
	}
	ASSERT_EQ(found, n, "every flow found with its own value");
	flow_key_n(&k, 7);
	ASSERT_EQ(ll_flowtab_insert(&t, &k, &v), -EEXIST, "a present flow is not added twice");
	flow_key_n(&k, n + 1);
	ASSERT_TRUE(ll_flowtab_find(&t, &k) == NULL, "an absent flow is not found");
	ASSERT_EQ(ll_flowtab_scan(&t, &all), (long)n, "scan counts every entry");
	free(all);
	for (__u32 i = 0; i < n; i += 2) {
		flow_key_n(&k, i);
		if (ll_flowtab_remove(&t, &k))
			bad++;
	}
	ASSERT_EQ(bad, 0, "removals succeed");
	flow_key_n(&k, 0);
	ASSERT_EQ(ll_flowtab_remove(&t, &k), -ENOENT, "removing twice: ENOENT");
	ASSERT_EQ(ll_flowtab_scan(&t, NULL), (long)(n / 2), "half left");
	ASSERT_EQ(remote_sum(t.rc, 0), n / 2, "and counted in the prefilter");
	flow_key_n(&k, 1);
	ASSERT_TRUE(ll_remote_of(t.rc, k.remote, k.proto)->flows > 0, "a present remote counts");
	ASSERT_EQ(ll_flowtab_map(&ro, fd, -1), 0, "read-only map");
	ASSERT_EQ(ll_flowtab_insert(&ro, &k, &v), -EINVAL, "read-only: insert refused");
	ASSERT_EQ(ll_flowtab_remove(&ro, &k), -EINVAL, "read-only: remove refused");
	ll_flowtab_unmap(&ro);
	found = 0;
	for (__u32 i = 1; i < n; i += 2) {
		flow_key_n(&k, i);
		found += ll_flowtab_find(&t, &k) != NULL;
	}
	ASSERT_EQ(found, n / 2, "the other half untouched");
	ll_flowtab_unmap(&t);
	close(fd);

	/* a table that is not a flow table is refused */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ut_other", 4, 8, 4, NULL);
	ASSERT_EQ(ll_flowtab_map(&t, fd, rfd), -EINVAL, "wrong value size refused");
	close(fd);
	close(rfd);
}

/*
 * The flow hash (lifeline.h): an IPv4 key (remote and local v4-mapped) by
 * its 12 varying bytes and protocol (ll_flow_hash4, what the datapath
 * computes from the packet), any other key by all its words.
 */
static void test_flow_hash(void)
{
	struct ll_flow_key k, m;
	const __u32 *w = (const __u32 *)&k;
	__u32 same = 0, bad = 0;

	for (__u32 i = 0; i < 1000; i++) {
		flow_key_n(&k, i);
		bad += ll_flow_hash(&k) != ll_flow_hash4(w[3], w[7], w[8], w[9]);
	}
	ASSERT_EQ(bad, 0, "IPv4: ll_flow_hash is ll_flow_hash4 of remote, local, ports, protocol");
	/* IPv6 and mixed keys that differ only outside those words hash apart */
	for (__u32 i = 0; i < 1000; i++) {
		flow_key_n(&k, i);
		m = k;
		inet_pton(AF_INET6, "2001:db8::1", k.local);
		inet_pton(AF_INET6, "2001:db8:1::1", m.local);
		same += ll_flow_hash(&k) == ll_flow_hash(&m);
		inet_pton(AF_INET6, "2001:db8::7", k.remote);
		inet_pton(AF_INET6, "2001:db8:2::7", m.remote);
		same += ll_flow_hash(&k) == ll_flow_hash(&m);
	}
	ASSERT_EQ(same, 0, "IPv6 and mixed keys: every word hashed");
	flow_key_n(&k, 1);
	k.remote[10] = 0xfe;
	ASSERT_TRUE(!ll_addr_v4mapped((const __u32 *)k.remote), "::fffe:a.b.c.d is not v4-mapped");
	flow_key_n(&k, 1);
	ASSERT_TRUE(ll_addr_v4mapped((const __u32 *)k.remote), "::ffff:a.b.c.d is");
}

/* one full table of one bucket pair: the physical limit is ENOSPC, nothing lost */
static void test_flowtab_full(void)
{
	int fd = flowtab_create(1), rfd = remotes_create();
	struct ll_flow_val v = { .origin = LL_ORIGIN_CLI };
	struct ll_flowtab t;
	struct ll_flow_key k;
	int ok = 0, rc = 0;

	if (!ASSERT_TRUE(fd >= 0 && rfd >= 0, "create") ||
	    !ASSERT_EQ(ll_flowtab_map(&t, fd, rfd), 0, "map"))
		return;
	for (__u32 i = 0; i < 5; i++) {
		flow_key_n(&k, i);
		rc = ll_flowtab_insert(&t, &k, &v);
		ok += !rc;
	}
	ASSERT_EQ(ok, LL_FLOW_WAYS, "one bucket holds its ways");
	ASSERT_EQ(rc, -ENOSPC, "then ENOSPC");
	ASSERT_EQ(ll_flowtab_scan(&t, NULL), LL_FLOW_WAYS, "nothing lost or doubled");
	ASSERT_EQ(remote_sum(t.rc, 0), LL_FLOW_WAYS, "a refused flow is not counted");
	ll_flowtab_unmap(&t);
	close(fd);
	close(rfd);
}

/*
 * Churn at capacity: random inserts and removals in a small table, where
 * every insert walks entries between buckets. No live flow may ever be
 * lost (a walk that came back through its own bucket once deleted one),
 * and the table and the prefilter must count exactly the live flows.
 */
/*
 * Buckets whose spill count (lifeline.h) is not the number of keys of that
 * home held in their second bucket: exact while no writer died midway.
 */
static __u32 spill_wrong(const struct ll_flowtab *t)
{
	__u32 *want = calloc(t->nbuckets, sizeof(*want)), bad = 0;

	if (!want)
		return t->nbuckets;
	for (__u32 b = 0; b < t->nbuckets; b++)
		for (int i = 0; i < LL_FLOW_WAYS; i++) {
			struct ll_flow_place pl;

			if (!(t->b[b].tag[i] & 1))
				continue;
			pl = ll_flow_place(&t->b[b].e[i].key, t->nbuckets - 1);
			if (b == pl.b[1] && b != pl.b[0])
				want[pl.b[0]]++;
		}
	for (__u32 b = 0; b < t->nbuckets; b++)
		bad += t->b[b].spill != want[b];
	free(want);
	return bad;
}

static void test_flowtab_churn(void)
{
	struct ll_flow_val v = { .origin = LL_ORIGIN_CLI };
	int fd = flowtab_create(64), rfd = remotes_create();
	__u32 cap, *live, nlive = 0, next = 1;
	long lost = 0, ops = 0, spilled = 0, spill_bad = 0;
	struct ll_flowtab t;
	struct ll_flow_key k;

	if (!ASSERT_TRUE(fd >= 0 && rfd >= 0, "create") ||
	    !ASSERT_EQ(ll_flowtab_map(&t, fd, rfd), 0, "map"))
		return;
	cap = ll_flowtab_capacity(&t);
	live = calloc(cap, sizeof(*live));
	for (unsigned seed = 1; seed <= 4 && live; seed++) {
		srand(seed);
		for (long r = 0; r < 150000; r++, ops++) {
			if (nlive < cap && (nlive < cap * 9 / 10 || rand() & 1)) {
				flow_key_n(&k, next);
				if (!ll_flowtab_insert(&t, &k, &v))
					live[nlive++] = next;
				next++;
			} else {
				__u32 i = (__u32)rand() % nlive;

				flow_key_n(&k, live[i]);
				lost += ll_flowtab_remove(&t, &k) != 0;
				live[i] = live[--nlive];
			}
			if (r % 500)
				continue;
			for (__u32 i = 0; i < nlive; i++) {
				flow_key_n(&k, live[i]);
				lost += !ll_flowtab_find(&t, &k);
			}
			lost += ll_flowtab_scan(&t, NULL) != nlive;
			lost += remote_sum(t.rc, 0) != nlive;
			spill_bad += spill_wrong(&t);
			for (__u32 b = 0; b < t.nbuckets; b++)
				spilled += t.b[b].spill;
		}
	}
	ASSERT_TRUE(ops == 600000, "600,000 operations at capacity");
	ASSERT_TRUE(spilled > 0, "keys lived in their second bucket");
	ASSERT_EQ(spill_bad, 0, "every home's spill count exact (inserts, moves, removals)");
	ASSERT_EQ(lost, 0, "no live flow lost, table and prefilter exact throughout");
	free(live);
	ll_flowtab_unmap(&t);
	close(fd);
	close(rfd);
}

/* the host hash: confirmed on the key; a re-sync removes what is no longer wanted */
static void test_hosts_sync(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "ut_hosts", sizeof(__u64),
				sizeof(struct ll_host_val), 16, NULL);
	struct ll_rule_entry e[3] = {};
	int rfd = remotes_create();
	struct ll_remote_cnt *rc = mmap(NULL, sizeof(*rc) * LL_REMOTE_ENTRIES, PROT_READ | PROT_WRITE,
					MAP_SHARED, rfd, 0);
	struct ll_host_val hv;
	__u32 addr[4];
	__u64 hk, next;
	int n = 0;

	if (!ASSERT_TRUE(fd >= 0 && rc != MAP_FAILED, "create"))
		return;
	for (int i = 0; i < 3; i++) {
		ll_rule_key_make(&e[i].key, TCP,
				 (__u8[16]){ [10] = 0xff, [11] = 0xff, 198, 51, 100, 1 + i }, 1, 32);
		e[i].val.nranges = 1;
		e[i].val.ranges[0].rule_id = i;
	}
	ASSERT_EQ(ll_hosts_sync(fd, rc, e, 3), 0, "three hosts");
	ASSERT_EQ(remote_sum(rc, 1), 3, "three counted in the prefilter");
	ASSERT_EQ(ll_hosts_sync(fd, rc, e, 3), 0, "again: a no-op");
	ASSERT_EQ(remote_sum(rc, 1), 3, "still three counted");
	memcpy(addr, e[1].key.addr, 16);
	hk = ll_host_hash(addr, TCP);
	ASSERT_EQ(bpf_map_lookup_elem(fd, &hk, &hv), 0, "found under its hash");
	ASSERT_TRUE(ll_host_is(&hv, addr, TCP) && hv.val.ranges[0].rule_id == 1, "with its key and ranges");
	ASSERT_TRUE(!ll_host_is(&hv, addr, IPPROTO_UDP), "another protocol is another key");
	ASSERT_EQ(ll_hosts_sync(fd, rc, e, 2), 0, "re-sync to two");
	ASSERT_EQ(remote_sum(rc, 1), 2, "two counted");
	while (!bpf_map_get_next_key(fd, n ? &hk : NULL, &next)) {
		hk = next;
		n++;
	}
	ASSERT_EQ(n, 2, "the third removed");
	munmap(rc, sizeof(*rc) * LL_REMOTE_ENTRIES);
	close(rfd);
	close(fd);
}


/* ---- hostile input (issue 13): flow lines, names, config values, pin paths ---- */

struct line_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	int ret;
	__u32 flags;
	const char *msg;
};

static const struct line_case line_cases[] = {
	{ "nbd://198.51.100.7", 0, 0, 0, NULL },
	{ "  # only a comment", 0, 2, 0, NULL },
	{ "tcp://198.51.100.7:80 --local 192.0.2.1:5000", 0, 1, 0, NULL },
	{ "tcp://198.51.100.7:80 --local 192.0.2.1:5000 --strict", 0, 1, LL_FLOW_F_STRICT, NULL },
	{ "nbd://198.51.100.7:10809 --strict --local 192.0.2.1:5000 # x", 0, 1, LL_FLOW_F_STRICT,
	  NULL },
	/* 7 words is the most; the 8th was dropped without a word before */
	{ "tcp://198.51.100.7:80 --local 192.0.2.1:5 --strict --strict --strict --strict", 0, 1,
	  LL_FLOW_F_STRICT, NULL },
	{ "tcp://198.51.100.7:80 --local 192.0.2.1:5 --strict --strict --strict --strict bogus", 0,
	  -EINVAL, 0, "too many words" },
	{ "a b c d e f g h i j", 0, -EINVAL, 0, "too many words" },
	/* text after a NUL was ignored before */
	{ "nbd://198.51.100.7\0tcp://198.51.100.8:22", 41, -EINVAL, 0, "NUL byte at offset 18" },
	{ "\0", 1, -EINVAL, 0, "NUL byte" },
	{ "udp://198.51.100.7:53 --local 192.0.2.1:53 --strict", 0, -EINVAL, 0, "TCP flows only" },
	{ "udp://198.51.100.7:53 --local 192.0.2.1:53", 0, 1, 0, NULL },
	{ "nbd://198.51.100.7 --name \x1b[31mX", 0, -EINVAL, 0, "byte 0x1b at offset 0" },
	{ "nbd://198.51.100.7 --name tcp://x", 0, -EINVAL, 0, "looks like a SPEC" },
	{ "nbd://198.51.100.7 --name disk-1", 0, 0, 0, NULL },
};

static void test_flow_line(const struct line_case *c)
{
	char line[256], err[256] = "";
	size_t len = c->len ? c->len : strlen(c->in);
	struct ll_rule_rec rec;
	struct ll_flow_key key;
	__u32 flags = 77;
	int ret;

	memcpy(line, c->in, len);
	line[len] = '\0';
	ret = ll_flow_line_parse(line, len, &rec, &key, &flags, err, sizeof(err));
	ASSERT_EQ(ret, c->ret, err);
	if (ret < 0) {
		ASSERT_TRUE(contains(err, c->msg), err);
		check_err_line(err);
	} else {
		ASSERT_EQ(flags, c->flags, "flags");
	}
}

static void test_names(void)
{
	char err[256], buf[64];

	ASSERT_EQ(ll_name_check("disk-1", err, sizeof(err)), 0, err);
	ASSERT_EQ(ll_name_check("\x1b[31mX\nFAKE", err, sizeof(err)), -EINVAL, "ESC");
	check_err_line(err);
	ASSERT_EQ(ll_name_check("a b", err, sizeof(err)), -EINVAL, "space");
	ASSERT_EQ(ll_name_check("caf\xc3\xa9", err, sizeof(err)), -EINVAL, "non-ASCII");
	ASSERT_EQ(ll_name_check("", err, sizeof(err)), -EINVAL, "empty");
	ASSERT_EQ(ll_name_check("0123456789012345678901234567890", err, sizeof(err)), 0, "31");
	ASSERT_EQ(ll_name_check("01234567890123456789012345678901", err, sizeof(err)), -EINVAL,
		  "32");
	/* what an older version stored is escaped on output */
	ASSERT_STREQ(ll_text_escape("\x1b[31mX\nFAKE", 32, buf, sizeof(buf)),
		     "\\x1b[31mX\\x0aFAKE", "escape");
	ASSERT_STREQ(ll_text_escape("a\\b", 32, buf, sizeof(buf)), "a\\x5cb", "backslash");
	ASSERT_STREQ(ll_text_escape("abcdef", 3, buf, sizeof(buf)), "abc", "max");
	ASSERT_STREQ(ll_text_escape("\x01\x02\x03", 3, buf, 9), "\\x01\\x02", "fits");
}

/* Writes text to a temporary file and loads it; returns the load's result. */
static int load_conf(const char *text, size_t len, struct ll_config *c, char *msg, size_t msglen)
{
	char path[] = "/tmp/ll_test_conf.XXXXXX";
	struct ll_config_err e;
	int fd = mkstemp(path), ret;

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	ret = ll_config_load(c, path, 1, &e);
	ll_config_err_format(&e, msg, msglen);
	unlink(path);
	return ret;
}

struct conf_case {
	const char *text;
	int ok;
	const char *msg;
};

static const struct conf_case conf_cases[] = {
	{ "[daemon]\nlease = 60s\n", 1, NULL },
	{ "[daemon]\nlease = 100ms\n[daemon]\ntick = 50ms\n", 1, NULL },
	{ "[daemon]\nlease = 1d\n", 0, "from 100ms to 1m" },
	{ "[daemon]\nlease = 61s\n", 0, "out of range" },
	{ "[daemon]\nlease = 99ms\n", 0, "out of range" },
	{ "[daemon]\nlease = 0\n", 0, "out of range" },
	{ "[daemon]\nlease = 18446744073709ms\n", 0, "lease" },
	{ "[alert]\nhook_timeout = 366d\n", 0, "hook_timeout" },
	{ "[reserve]\nsize = 1e19\n", 0, "out of range" },
	{ "[reserve]\nsize = 1.9e19\n", 0, "size" },
	{ "[reserve]\nsize = 1T\n", 1, NULL },
	{ "[reserve]\nsize = 1025G\n", 0, "out of range" },
	{ "[reserve]\nmax_share = 100\n", 0, "from 1 to 50" },
	{ "[reserve]\nmax_share = 0\n", 0, "out of range" },
	{ "[reserve]\nmax_share = 2.5\n", 0, "invalid value" },
	{ "[reserve]\nmax_share = 50\n", 1, NULL },
	{ "[reserve]\nwatermark_scale_factor = 3001\n", 0, "from 0 to 3000" },
	/* a u64 up to the datapath's cap, 16 GiB/s (LL_BUDGET_RATE_MAX), not 4 GiB */
	{ "[budget]\nrate = 5G\n", 1, NULL },
	{ "[budget]\nburst = 6G\n", 1, NULL },
	{ "[budget]\nrate = 17G\n", 0, "out of range" },
	{ "[alert]\non_change = /tmp\n", 0, "not a regular file" },
	{ "[daemon]\npin_path = /sys/fs/bpf/a.b\n", 0, "does not allow '.'" },
	{ "[daemon]\npin_path = /sys/fs/bpf/\n", 0, "root of bpffs" },
	{ "[daemon]\npin_path = /sys/fs/bpf/x/../y\n", 0, "'..'" },
	{ "[daemon]\ntick = 1s\0garbage\n", 0, ":2: NUL byte" },
	{ "[daemon]\n\x7f" "ELF\x02\x01\n", 0, ":2: control byte 0x7f" },
	{ "[daemon]\ntick = 1s\x1b[2J\n", 0, ":2: control byte 0x1b" },
};

static void test_conf(const struct conf_case *c)
{
	size_t len = strlen(c->text);
	struct ll_config cfg;
	char msg[512] = "";

	/* the NUL cases: the text goes on after the NUL */
	if (strstr(c->msg ? c->msg : "", "NUL"))
		len += 1 + strlen(c->text + len + 1);
	ASSERT_EQ(load_conf(c->text, len, &cfg, msg, sizeof(msg)) == 0, c->ok, msg);
	if (!c->ok) {
		ASSERT_TRUE(contains(msg, c->msg), msg);
		check_err_line(msg);
	}
}

static void test_conf_files(void)
{
	struct ll_config_err e;
	struct ll_config c;
	char msg[512];

	/* /dev/zero never ends: refused before the first read (was: 100% CPU forever) */
	ASSERT_TRUE(ll_config_load(&c, "/dev/zero", 1, &e) < 0, "/dev/zero");
	ll_config_err_format(&e, msg, sizeof(msg));
	ASSERT_TRUE(contains(msg, "not a regular file"), msg);
	ASSERT_TRUE(ll_config_load(&c, "/tmp", 1, &e) < 0, "a directory");
	ASSERT_EQ(load_conf("[daemon]\npin_path = /sys/fs/bpf//ll/\n", 36, &c, msg, sizeof(msg)),
		  0, msg);
	ASSERT_STREQ(c.pin_path, "/sys/fs/bpf/ll", "pin_path normalised");
}

static void test_config_value(void)
{
	__u32 share = 0;
	char err[256];

	/* the CLI's --max-share goes through the config's validator */
	ASSERT_EQ(ll_config_parse_value("reserve", "max_share", "50", &share, sizeof(share), err,
					sizeof(err)), 0, err);
	ASSERT_EQ(share, 50, "share");
	ASSERT_EQ(ll_config_parse_value("reserve", "max_share", "100", &share, sizeof(share), err,
					sizeof(err)), -ERANGE, "100");
	ASSERT_TRUE(contains(err, "from 1 to 50"), err);
	ASSERT_EQ(share, 50, "untouched");
	ASSERT_EQ(ll_config_parse_value("reserve", "max_share", "5", &share, 8, err, sizeof(err)),
		  -EINVAL, "wrong size");
}

struct pin_case {
	const char *in;
	int ret;
	const char *out;	/* or the message */
};

static const struct pin_case pin_cases[] = {
	{ "/sys/fs/bpf/lifeline", 0, "/sys/fs/bpf/lifeline" },
	{ "/sys/fs/bpf/lifeline/", 0, "/sys/fs/bpf/lifeline" },
	{ "//sys//fs/bpf///lifeline//", 0, "/sys/fs/bpf/lifeline" },
	{ "/sys/fs/bpf/", -EINVAL, "root of bpffs" },
	{ "/sys/fs/bpf", -EINVAL, "root of bpffs" },
	{ "/", -EINVAL, "root of bpffs" },
	{ "sys/fs/bpf/x", -EINVAL, "not an absolute path" },
	{ "", -EINVAL, "is empty" },
	{ "/sys/fs/bpf/./x", -EINVAL, "'.' or '..'" },
	{ "/sys/fs/bpf/x/..", -EINVAL, "'.' or '..'" },
	{ "/sys/fs/bpf/a.b", -EPERM, "does not allow '.'" },
	{ "/sys/fs/bpf/x\x1b[2J", -EINVAL, "control character" },
	{ "/sys/fs/bpf/x.\x1b", -EINVAL, "/sys/fs/bpf/x.?: a control character" },
	{ "/sys/fs/bpf/x\ty", -EINVAL, "control character" },
	{ "/etc/passwd", -ENOTDIR, "not a directory" },
};

static void test_pin_path(const struct pin_case *c)
{
	char out[PATH_MAX], err[256] = "";

	ASSERT_EQ(ll_pin_path_validate(c->in, out, sizeof(out), err, sizeof(err)), c->ret, err);
	if (c->ret) {
		ASSERT_TRUE(contains(err, c->out), err);
		check_err_line(err);
	} else {
		ASSERT_STREQ(out, c->out, "normalised");
	}
}

/*
 * What a writer killed mid-change leaves, repaired by ll_flowtab_repair: a
 * count raised for an entry never published, a slot left busy, a key left
 * in two slots by a move, a move sequence left odd, the writers' count set.
 */
static void test_flowtab_repair(void)
{
	int fd = flowtab_create(1U << 8), rfd = remotes_create();
	struct ll_flow_val v = { .origin = LL_ORIGIN_CLI };
	__u32 *hosts = calloc(1U << LL_REMOTE_BITS, sizeof(*hosts));
	struct ll_flow_entry *all = NULL;
	struct ll_flow_place pl;
	struct ll_flowtab t;
	struct ll_flow_key k;
	__u32 n = 100, b, alt, slot, free_i = LL_FLOW_WAYS, busy_b = 0, busy_i = LL_FLOW_WAYS;

	if (!ASSERT_TRUE(fd >= 0 && rfd >= 0 && hosts, "create") ||
	    !ASSERT_EQ(ll_flowtab_map(&t, fd, rfd), 0, "map"))
		goto out;
	for (__u32 i = 0; i < n; i++) {
		flow_key_n(&k, i);
		ll_flowtab_insert(&t, &k, &v);
	}
	ASSERT_EQ(ll_remote_writers(t.rc), 0, "finished writers leave no mark");
	ASSERT_EQ(ll_flowtab_repair(&t, hosts), 0, "nothing to repair");
	ASSERT_EQ(remote_sum(t.rc, 0), n, "an exact count stays exact");
	/* a dead insert: counted, never published */
	flow_key_n(&k, 1000);
	ll_remote_write_begin(t.rc);
	ll_remote_of(t.rc, k.remote, k.proto)->flows++;
	/* a dead move: flow 0 copied into its other bucket, original not cleared */
	flow_key_n(&k, 0);
	pl = ll_flow_place(&k, t.nbuckets - 1);
	{
		struct ll_flow_entry *e = ll_flowtab_find(&t, &k);

		b = e >= t.b[pl.b[0]].e && e < t.b[pl.b[0]].e + LL_FLOW_WAYS ? pl.b[0] : pl.b[1];
	}
	alt = b == pl.b[0] ? pl.b[1] : pl.b[0];
	for (__u32 i = 0; i < LL_FLOW_WAYS && free_i == LL_FLOW_WAYS; i++)
		if (!t.b[alt].tag[i])
			free_i = i;
	if (ASSERT_TRUE(alt != b && free_i < LL_FLOW_WAYS, "a free slot in the other bucket")) {
		t.b[alt].e[free_i] = *ll_flowtab_find(&t, &k);
		t.b[alt].tag[free_i] = pl.tag;
	}
	t.rc[LL_REMOTE_SEQ].flows |= 1;
	/* a dead put: a slot claimed (busy) and never filled */
	for (__u32 x = 0; x < t.nbuckets && busy_i == LL_FLOW_WAYS; x++)
		for (__u32 i = 0; i < LL_FLOW_WAYS && busy_i == LL_FLOW_WAYS; i++)
			if (!t.b[x].tag[i] && !(x == alt && i == free_i))
				busy_b = x, busy_i = i;
	t.b[busy_b].tag[busy_i] = LL_FLOW_TAG_BUSY;
	/* a host entry counted but never added */
	slot = ll_remote_of(t.rc, k.remote, k.proto) - t.rc;
	t.rc[slot].hosts++;

	ASSERT_EQ(ll_flowtab_scan(&t, NULL), n + 1, "the table holds a second copy");
	ASSERT_EQ(ll_flowtab_repair(&t, hosts), 0, "repaired");
	ASSERT_EQ(remote_sum(t.rc, 0), n, "flow counts: the flows held, each once");
	ASSERT_EQ(remote_sum(t.rc, 1), 0, "host counts: the host entries held");
	ASSERT_EQ(ll_flowtab_scan(&t, &all), n, "the second copy is gone");
	ASSERT_TRUE(ll_flowtab_find(&t, &k) != NULL, "the flow itself stays");
	ASSERT_EQ(t.b[busy_b].tag[busy_i], 0, "the busy slot is free again");
	ASSERT_EQ(t.rc[LL_REMOTE_SEQ].flows & 1, 0, "the move sequence is even");
	ASSERT_EQ(ll_remote_writers(t.rc), 0, "the writers' mark is cleared");
	ASSERT_EQ(ll_flowtab_remove(&t, &k), 0, "the flow removes");
	ASSERT_EQ(remote_sum(t.rc, 0), n - 1, "and is uncounted once");
	free(all);
	ll_flowtab_unmap(&t);
out:
	free(hosts);
	close(fd);
	close(rfd);
}

/* ---- jsonw: the daemon's event lines; json-c must read back what went in ---- */

static void test_jsonw(void)
{
	static const char *const vals[] = {
		"", "plain", "quote \" and backslash \\", "tab\tnewline\ncr\r", "\x01\x1f\x7f",
		"slash / stays", "utf-8 \xc3\xa9\xe2\x82\xac", "psi some avg10=50.00% now=0.0%",
	};
	char buf[256];
	struct jw w;

	for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
		json_object *o, *v;
		size_t n;

		jw_begin(&w, buf, sizeof(buf));
		jw_str(&w, "event", "level");
		jw_u64(&w, "ts_ns", 18446744073709551615ULL);
		jw_int(&w, "pid", -7);
		jw_str(&w, "reason", vals[i]);
		n = jw_end(&w);
		if (!ASSERT_TRUE(n > 0 && n == strlen(buf) && buf[n - 1] == '\n', vals[i]))
			continue;
		o = json_tokener_parse(buf);
		if (!ASSERT_TRUE(o != NULL, buf))
			continue;
		ASSERT_TRUE(json_object_object_get_ex(o, "reason", &v), buf);
		ASSERT_STREQ(json_object_get_string(v), vals[i], "reason round trip");
		ASSERT_TRUE(json_object_object_get_ex(o, "pid", &v), buf);
		ASSERT_EQ(json_object_get_int(v), -7, "pid");
		json_object_put(o);
	}
	/* byte for byte what the printf writer wrote: \u00XX in lowercase, '/' as is */
	jw_begin(&w, buf, sizeof(buf));
	jw_str(&w, "a", "x\"\\\x01/");
	jw_u64(&w, "n", 5);
	ASSERT_EQ(jw_end(&w), 27, "length");
	ASSERT_STREQ(buf, "{\"a\":\"x\\\"\\\\\\u0001/\",\"n\":5}\n", "bytes");
	/* a line that does not fit: nothing to send, never a cut line */
	jw_begin(&w, buf, 16);
	jw_str(&w, "reason", "longer than sixteen bytes");
	ASSERT_EQ(jw_end(&w), 0, "overflow");
	ASSERT_TRUE(strlen(buf) < 16, "stays inside the buffer");
}

static void test_duration_str(void)
{
	static const struct {
		__u64 ns;
		enum ll_dur_style style;
		const char *out;
	} cases[] = {
		{ 0, LL_DUR_EXACT, "0s" }, { 0, LL_DUR_SHORT, "0s" },
		{ 7200000000000ULL, LL_DUR_EXACT, "2h" }, { 7200000000000ULL, LL_DUR_SHORT, "7200s" },
		{ 120000000000ULL, LL_DUR_EXACT, "2m" }, { 120000000000ULL, LL_DUR_SHORT, "120s" },
		{ 1000000000ULL, LL_DUR_EXACT, "1s" }, { 1500000000ULL, LL_DUR_SHORT, "1500ms" },
		{ 500000000ULL, LL_DUR_EXACT, "500ms" }, { 1500001ULL, LL_DUR_EXACT, "1500001ns" },
		{ 1500001ULL, LL_DUR_SHORT, "1ms" },
	};
	char buf[32];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		ASSERT_STREQ(ll_duration_str(buf, sizeof(buf), cases[i].ns, cases[i].style),
			     cases[i].out, "duration");
}

/* ---- util.c: the word splitter, the atomic file replacement ---- */

static void test_split_words(void)
{
	char line[] = " flow\ttcp 192.0.2.1:80\r\n", many[] = "a b c d";
	char *w[3] = { NULL, NULL, NULL };

	ASSERT_EQ(ll_split_words(line, w, 3), 3, "three words");
	ASSERT_STREQ(w[0], "flow", "first");
	ASSERT_STREQ(w[2], "192.0.2.1:80", "last, without CR LF");
	ASSERT_EQ(ll_split_words(many, w, 3), 4, "more than max: max + 1");
}

/* Writes text to path through ll_atomic_open/close (writer's result ret); 0 or -errno. */
static int atomic_write(const char *path, mode_t mode, const struct stat *keep, const char *text,
			int ret)
{
	struct ll_atomic_file af;
	int err = ll_atomic_open(&af, path, mode, keep, 0);

	if (err)
		return err;
	fputs(text, af.f);
	return ll_atomic_close(&af, path, ret);
}

static void test_atomic_file(void)
{
	char dir[] = "/tmp/lltest-atomic.XXXXXX", path[64], buf[16] = "";
	struct stat st;
	FILE *f;

	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/file", dir);
	ASSERT_EQ(atomic_write(path, 0640, NULL, "one\n", 0), 0, "a new file");
	ASSERT_TRUE(!stat(path, &st) && (st.st_mode & 07777) == 0640, "new file has mode");
	ASSERT_TRUE(!chmod(path, 0604) && !stat(path, &st), "chmod");
	ASSERT_EQ(atomic_write(path, 0600, &st, "two\n", -EIO), -EIO, "the writer's error");
	f = fopen(path, "r");
	ASSERT_TRUE(f && fgets(buf, sizeof(buf), f), "read back");
	ASSERT_STREQ(buf, "one\n", "a failed write leaves the file as it was");
	if (f)
		fclose(f);
	ASSERT_EQ(atomic_write(path, 0600, &st, "three\n", 0), 0, "over it");
	ASSERT_TRUE(!stat(path, &st) && (st.st_mode & 07777) == 0604, "its mode kept");
	unlink(path);
	ASSERT_TRUE(!rmdir(dir), "no temporary file left");
}

/* LL_ATOMIC_FIXED: path.tmp, a killed writer's leftover replaced, not piled up */
static void test_atomic_fixed(void)
{
	char dir[] = "/tmp/lltest-atomic.XXXXXX", path[64], tmp[80], buf[16] = "";
	struct ll_atomic_file af;
	struct stat st;
	FILE *f;

	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* a writer killed between open and rename */
	f = fopen(tmp, "w");
	ASSERT_TRUE(f && fputs("half a state, longer than the next\n", f) >= 0 && !fclose(f), "leftover");
	if (ASSERT_EQ(ll_atomic_open(&af, path, 0600, NULL, LL_ATOMIC_FIXED), 0, "open over it")) {
		ASSERT_STREQ(af.tmp, tmp, "the fixed name");
		fputs("new\n", af.f);
		ASSERT_EQ(ll_atomic_close(&af, path, 0), 0, "close");
	}
	f = fopen(path, "r");
	ASSERT_TRUE(f && fgets(buf, sizeof(buf), f), "read back");
	ASSERT_STREQ(buf, "new\n", "the new content only (the leftover truncated)");
	if (f)
		fclose(f);
	ASSERT_TRUE(!stat(path, &st) && (st.st_mode & 07777) == 0600, "mode");
	ASSERT_TRUE(access(tmp, F_OK) && errno == ENOENT, "renamed: no temporary file");
	f = fopen(tmp, "w");
	if (f)
		fclose(f);
	ll_atomic_discard(path);
	ASSERT_TRUE(access(tmp, F_OK) && errno == ENOENT, "discard removes a leftover");
	unlink(path);
	ASSERT_TRUE(!rmdir(dir), "nothing else left");
}

/* ---- state.c: each writer bumps generation once, after its fields ---- */

static void test_state_writers(void)
{
	struct ll_state s = { .generation = 1, .budget_rate = 10, .budget_burst = 20 };
	struct ll_tune t = { .set = 1U << LL_TUNE_MARK | 1U << LL_TUNE_BUDGET_PPS,
			     .val = { [LL_TUNE_MARK] = 42, [LL_TUNE_BUDGET_PPS] = 1ULL << 40 } };
	int expired;
	__u32 src;

	ll_state_vote_daemon(&s, LL_LEVEL_ELEVATED, LL_SRC_PSI, 100, 200);
	ASSERT_EQ(s.generation, 2, "vote changed: bumped");
	ll_state_vote_daemon(&s, LL_LEVEL_ELEVATED, LL_SRC_PSI, 100, 300);
	ASSERT_EQ(s.generation, 2, "lease renewed only: not bumped");
	ASSERT_EQ(s.daemon.expires_ns, 300, "lease");
	ASSERT_EQ(ll_state_budget(&s, 10, 20, 0), 0, "budget unchanged");
	ASSERT_EQ(ll_state_budget(&s, 11, 20, 0), 1, "budget changed");
	ASSERT_EQ(s.generation, 3, "budget bumped");
	ll_state_override_set(&s, LL_LEVEL_CRITICAL, 1000, 500);
	ASSERT_EQ(s.generation, 4, "override bumped");
	ASSERT_EQ(ll_level_of(&s, 1200, &src, &expired), LL_LEVEL_CRITICAL, "override in effect");
	ASSERT_EQ(src, LL_SRC_MANUAL, "override source");
	ASSERT_EQ(s.override.expires_ns, 1500, "override expiry");
	ll_state_override_clear(&s);
	ASSERT_EQ(s.override_active, 0, "cleared");
	ASSERT_EQ(s.override.level, LL_LEVEL_NONE, "cleared level");
	ll_state_tune(&s, &t);
	ASSERT_EQ(s.observe, 0, "observe not set: kept off");
	ASSERT_EQ(s.egress_mark, 42, "mark");
	ASSERT_EQ(s.budget_pps, 1ULL << 40, "pps as u64");
	ASSERT_EQ(s.budget_rate, 11, "rate not set: kept");
	ll_state_strict(&s, 1);
	ASSERT_EQ(s.strict, 1, "strict");
	ASSERT_EQ(s.generation, 7, "one bump per change");
	t = (struct ll_tune){ .set = 1U << LL_TUNE_OBSERVE, .val = { [LL_TUNE_OBSERVE] = 5 } };
	ll_state_tune(&s, &t);
	ASSERT_EQ(s.observe, 1, "observe: any non-zero is on");
	ASSERT_EQ(s.override_active, 0, "observe leaves the override alone");
	ASSERT_EQ(s.generation, 8, "observe bumped");
}

/* ---------------------------------------------------------------- declare.c: the registry file */

struct decl_case {
	const char *text;
	int ok;			/* 1 parses */
	const char *err;	/* expected start of the message ("f:LINE: ...") */
};

static const struct decl_case decl_cases[] = {
	{ "# only a comment\n\n   \t\n", 1, NULL },
	{ "interface eth0\nflow nbd://198.51.100.7 --name disk # trailing comment\n", 1, NULL },
	{ "interface eth0 mode tc\ninterface eth0 mode tc\n", 1, NULL },	/* same twice: once */
	{ "interface eth0 mode tc\ninterface eth0 mode native\n", 0, "f:2: interface eth0 is declared differently at f:1" },
	{ "interface eth0 mode tc no-tc\n", 0, "f:1: mode tc and no-tc" },
	{ "interface eth0 mode bogus\n", 0, "f:1: unknown mode" },
	{ "interface\n", 0, "f:1: interface needs a name" },
	{ "interface a/b\n", 0, "f:1: " },
	{ "\n\nflow nbd://198.51.100.7/33\n", 0, "f:3: prefix length 33" },
	{ "allow tcp://192.0.2.0/24:22 --local 192.0.2.1:4\n", 0, "f:1: --local applies to flows only" },
	{ "flow tcp://192.0.2.1:22 --local 192.0.2.2:4 --name x\n", 0, "f:1: --name applies to rules" },
	{ "flow nbd://198.51.100.7 --name a\nflow nbd://198.51.100.7 --name b\n", 0, "f:2: the same rule is declared at f:1" },
	{ "flow nbd://198.51.100.7 --name a\nallow tcp://192.0.2.0/24:22 --name a\n", 0, "f:2: the name 'a' is already used by the rule at f:1" },
	/* a repeated rule between two rules of one name hid the clash (fuzz_declare) */
	{ "flow nbd://198.51.100.7 --name a\nflow nbd://198.51.100.7 --name a\nflow nbd://198.51.100.8 --name a\n", 0, "f:3: the name 'a' is already used by the rule at f:1" },
	{ "flow tcp://192.0.2.1:22 --local 192.0.2.2:4\nflow tcp://192.0.2.1:22 --local 192.0.2.2:4 --strict\n", 0, "f:2: the same flow is declared at f:1 without --strict" },
	{ "tune --priority 3\ntune --priority 4\n", 0, "f:2: --priority is set differently at f:1" },
	{ "tune --priority 3 --priority 3\n", 1, NULL },
	{ "tune --priority 70000\n", 0, "f:1: " },
	{ "tune --budget-rate 10M --budget-burst 100\n", 0, "f:1: --budget-burst " },
	{ "tune --nope 1\n", 0, "f:1: unexpected '--nope' to tune" },
	{ "tune --mark\n", 0, "f:1: tune needs OPTION VALUE" },
	{ "strict maybe\n", 0, "f:1: strict takes on or off" },
	{ "tune --observe maybe\n", 0, "f:1: --observe takes on or off" },
	{ "tune --observe 1\n", 0, "f:1: --observe takes on or off" },
	{ "tune --observe on\ntune --observe off\n", 0, "f:2: --observe is set differently at f:1" },
	{ "tune --observe off --priority 3\n", 1, NULL },
	{ "strict on\nstrict off\n", 0, "f:2: strict is set differently at f:1" },
	/* twice on one line: not "at f:1" for its own line */
	{ "tables --max-flows 1024 --max-flows 2048\n", 0, "f:1: --max-flows is given twice on this line with different values (1024, then 2048)" },
	{ "tune --observe on --observe off\n", 0, "f:1: --observe is given twice on this line with different values (on, then off)" },
	/* "\\#" is a '#' of the path; a bare '#' starts the comment */
	{ "sockets --cgroup /sys/fs/cgroup/a\\#b # c\n", 1, NULL },
	{ "sockets --cgroup /sys/fs/cgroup/a\\x2db\\#\n", 1, NULL },
	{ "flow cgroup:/a\\#b#c\n", 1, NULL },
	{ "tables --max-flows 0\n", 0, "f:1: " },
	{ "tables --max-flows 1000 --max-rules 64\n", 1, NULL },
	{ "bogus line\n", 0, "f:1: unknown keyword 'bogus'" },
	{ "flow nbd://198.51.100.7\x01\n", 0, "f:1: " },
	{ "flow a b c d e f g h i j k l m n o p q\n", 0, "f:1: too many words" },
};

static void test_decl_parse(const struct decl_case *c)
{
	struct ll_decl d;
	char err[512] = "";
	int ret;

	ll_decl_init(&d);
	ret = ll_decl_parse(&d, "f", c->text, strlen(c->text), err, sizeof(err));
	if (c->ok)
		ASSERT_EQ(ret, 0, err);
	else if (ASSERT_TRUE(ret < 0, c->text))
		ASSERT_TRUE(!strncmp(err, c->err, strlen(c->err)), err);
	for (const char *p = err; *p; p++)
		ASSERT_TRUE(*p >= ' ' && *p <= '~', "error is one printable line");
	ll_decl_free(&d);
}

static void test_decl_nul(void)
{
	static const char text[] = "flow nbd://198.51.100.7\n\0flow x\n";
	struct ll_decl d;
	char err[256];

	ll_decl_init(&d);
	ASSERT_TRUE(ll_decl_parse(&d, "f", text, sizeof(text) - 1, err, sizeof(err)) < 0, "NUL");
	ASSERT_TRUE(!strncmp(err, "f:2: NUL byte", 13), err);
	ll_decl_free(&d);
}

/* '#' in a cgroup directory: "\\#" in the file, '#' in the item, "\\#" written again */
static void test_decl_hash(void)
{
	static const char text[] = "sockets --cgroup /sys/fs/cgroup/a\\#b\\x2d\\\\#c # x\n"
				   "flow cgroup:/p\\#q#r\n";
	char err[256], line[LL_DECL_LINE_LEN];
	struct ll_decl d;

	ll_decl_init(&d);
	if (!ASSERT_EQ(ll_decl_parse(&d, "f", text, sizeof(text) - 1, err, sizeof(err)), 0, err))
		goto out;
	if (ASSERT_EQ(d.nsocks, 1, "one sockets item"))
		ASSERT_STREQ(d.socks[0].path, "/sys/fs/cgroup/a#b\\x2d\\#c", "\\# is '#', \\x2d itself");
	if (ASSERT_EQ(d.ncgs, 1, "one cgroup item"))
		ASSERT_STREQ(d.cgs[0].path, "/p#q", "cut at the bare '#'");
	ll_decl_sockets_line(&d.socks[0], line, sizeof(line));
	ASSERT_STREQ(line, "sockets --cgroup /sys/fs/cgroup/a\\#b\\x2d\\\\#c", "written back escaped");
	ll_decl_cgroup_line(&d.cgs[0], line, sizeof(line));
	ASSERT_STREQ(line, "flow cgroup:/p\\#q", "cgroup line escaped");
	ll_decl_free(&d);
	/* an interface's name (fuzz_declare: written bare, read back cut at the '#') */
	ll_decl_init(&d);
	if (!ASSERT_EQ(ll_decl_parse(&d, "f", "interface e\\#0\n", 15, err, sizeof(err)), 0, err))
		goto out;
	if (ASSERT_EQ(d.nifs, 1, "one interface"))
		ASSERT_STREQ(d.ifs[0].name, "e#0", "its name");
	ll_decl_iface_line(&d.ifs[0], line, sizeof(line));
	ASSERT_STREQ(line, "interface e\\#0 mode auto", "interface line escaped");
out:
	ll_decl_free(&d);
}

/* Parse, write, parse again: the same items, and the same text the second time. */
static void test_decl_roundtrip(void)
{
	static const char text[] =
		"tables --max-flows 1000\n"
		"interface eth0 mode xdp\ninterface eth1 mode tc\ninterface eth2 mode generic no-tc\n"
		"flow tcp://198.51.100.0/24\nflow udp://[2001:db8::/64]:2049-2050\n"
		"flow nbd://198.51.100.7:10810 --name n1\nflow iscsi://[2001:db8::7]\n"
		"flow nvme-tcp://203.0.113.0/25\nflow nfs://198.51.100.9\nflow ceph://[2001:db8:5::/48]\n"
		"allow tcp://192.0.2.0/24:22 --name ssh\n"
		"flow tcp://198.51.100.7:10809 --local 198.51.100.2:40000 --strict\n"
		"flow udp://[2001:db8::7]:2049 --local [2001:db8::2]:700\n"
		"flow nbd://[2001:db8::8] --local [2001:db8::2]:40001\n"
		"tune --priority 6 --mark 9 --rcvbuf 1 --sndbuf 2 --budget-rate 10M --budget-burst 64K --budget-pps 5\n"
		"tune --observe on\n"
		"strict off\n";
	struct ll_decl a, b, c;
	char err[512], *t1 = NULL, *t2 = NULL;
	size_t l1 = 0, l2 = 0;
	FILE *f;

	ll_decl_init(&a);
	ll_decl_init(&b);
	ll_decl_init(&c);
	if (!ASSERT_EQ(ll_decl_parse(&a, "a", text, strlen(text), err, sizeof(err)), 0, err))
		goto out;
	ASSERT_EQ(a.nifs, 3, "interfaces");
	ASSERT_EQ(a.nrecs, 8, "rules");
	ASSERT_EQ(a.nkeys, 3, "flows");
	ASSERT_EQ(a.tune_set, (1U << LL_TUNE_MAX) - 1, "every tune option");
	ASSERT_EQ(a.tune[LL_TUNE_OBSERVE], 1, "observe on");
	ASSERT_EQ(a.strict, 0, "strict off");
	f = open_memstream(&t1, &l1);
	ll_decl_write(&a, f);
	fclose(f);
	if (!ASSERT_EQ(ll_decl_parse(&b, "b", t1, l1, err, sizeof(err)), 0, err))
		goto out;
	f = open_memstream(&t2, &l2);
	ll_decl_write(&b, f);
	fclose(f);
	ASSERT_STREQ(t2, t1, "written twice, the same text");
	{
		struct ll_decl_diff x;

		/* b against a as state: the same (interfaces are looked up: none here) */
		b.nifs = a.nifs = 0;
		ASSERT_EQ(ll_decl_diff(&b, &a, 0, &x, err, sizeof(err)), 0, err);
		ASSERT_EQ(ll_decl_diff_count(&x), 0, "no difference after a round trip");
		ll_decl_diff_free(&x);
		/* against nothing: everything added; with keep, nothing removed the other way */
		ASSERT_EQ(ll_decl_diff(&b, &c, 0, &x, err, sizeof(err)), 0, err);
		ASSERT_EQ(x.nrecs_add + x.nkeys_add, 11, "all added");
		ll_decl_diff_free(&x);
		c.strict = -1;
		ASSERT_EQ(ll_decl_diff(&c, &a, 1, &x, err, sizeof(err)), 0, err);
		ASSERT_EQ(ll_decl_diff_count(&x), 0, "--keep: an empty file changes nothing");
		ll_decl_diff_free(&x);
		ASSERT_EQ(ll_decl_diff(&c, &a, 0, &x, err, sizeof(err)), 0, err);
		ASSERT_EQ(x.nrecs_del + x.nkeys_del, 11, "no --keep: an empty file removes all");
		ASSERT_EQ(x.tune_set, 0, "settings not named keep their value");
		ll_decl_diff_free(&x);
	}
out:
	free(t1);
	free(t2);
	ll_decl_free(&a);
	ll_decl_free(&b);
	ll_decl_free(&c);
}

/* A rename and a --strict change are changes of the item, not remove + add. */
static void test_decl_diff_changes(void)
{
	static const char s1[] = "flow nbd://198.51.100.7 --name a\n"
				 "flow tcp://198.51.100.7:1 --local 198.51.100.2:2 --strict\n";
	static const char s2[] = "flow nbd://198.51.100.7 --name b\n"
				 "flow tcp://198.51.100.7:1 --local 198.51.100.2:2\n";
	struct ll_decl a, b;
	struct ll_decl_diff x;
	char err[256];

	ll_decl_init(&a);
	ll_decl_init(&b);
	ASSERT_EQ(ll_decl_parse(&a, "a", s1, strlen(s1), err, sizeof(err)), 0, err);
	ASSERT_EQ(ll_decl_parse(&b, "b", s2, strlen(s2), err, sizeof(err)), 0, err);
	if (ASSERT_EQ(ll_decl_diff(&b, &a, 0, &x, err, sizeof(err)), 0, err)) {
		ASSERT_EQ(x.nrecs_ren, 1, "renamed");
		ASSERT_STREQ(x.recs_ren[0].name, "b", "new name");
		ASSERT_EQ(x.nkeys_flag, 1, "strict cleared");
		ASSERT_EQ(x.kflags_flag[0], 0, "to no flags");
		ASSERT_EQ(x.nrecs_add + x.nrecs_del + x.nkeys_add + x.nkeys_del, 0, "nothing else");
		ll_decl_diff_free(&x);
	}
	ll_decl_free(&a);
	ll_decl_free(&b);
}

/* ll_state_init: the defaults of a created map, generation 0 -> 1 last */
static void test_state_init(void)
{
	struct ll_state s = {};

	ll_state_init(&s, 1234);
	ASSERT_EQ(s.generation, 1, "published");
	ASSERT_EQ(s.layout, LL_LAYOUT, "layout");
	ASSERT_EQ(s.strict, 1, "strict by default");
	ASSERT_EQ(s.flow_max, 1234, "flow_max");
	ASSERT_EQ(s.egress_priority, LL_TC_PRIO_INTERACTIVE, "priority");
	ASSERT_EQ(s.budget_rate, LL_DEFAULT_BUDGET_RATE, "budget rate");
	ASSERT_EQ(s.budget_burst, LL_DEFAULT_BUDGET_BURST, "budget burst");
	ASSERT_EQ(s.override_active, 0, "no override");
}

int main(int argc, char **argv)
{
	char name[256];

	test_init(argc, argv);
	for (size_t i = 0; i < ARRAY_SIZE(spec_ok); i++) {
		snprintf(name, sizeof(name), "spec_ok %s", spec_ok[i].in);
		TEST_RUN(name, test_spec_ok, &spec_ok[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(spec_bad); i++) {
		snprintf(name, sizeof(name), "spec_bad %s", spec_bad[i].in);
		TEST_RUN(name, test_spec_bad, &spec_bad[i]);
	}
	TEST_RUN("spec_limits", test_spec_limits);
	TEST_RUN("spec_roundtrip_random", test_spec_roundtrip_random);
	TEST_RUN("format_flow", test_format_flow);
	TEST_RUN("format_errors", test_format_errors);
	TEST_RUN("rec_check", test_rec_check);
	for (size_t i = 0; i < ARRAY_SIZE(addr_cases); i++) {
		snprintf(name, sizeof(name), "addr_port %s%s", addr_cases[i].in,
			 addr_cases[i].port_required ? " (port required)" : "");
		TEST_RUN(name, test_addr_port, &addr_cases[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(dur_cases); i++) {
		snprintf(name, sizeof(name), "duration %s", dur_cases[i].in);
		TEST_RUN(name, test_duration, &dur_cases[i]);
	}
	TEST_RUN("level", test_level);
	TEST_RUN("ifname", test_ifname);
	TEST_RUN("u32", test_u32);
	TEST_RUN("compile_overlap", test_compile_overlap);
	TEST_RUN("compile_specific_first", test_compile_specific_first);
	TEST_RUN("compile_families", test_compile_families);
	TEST_RUN("compile_protocols", test_compile_protocols);
	TEST_RUN("compile_kinds_and_dupes", test_compile_kinds_and_dupes);
	TEST_RUN("compile_too_many", test_compile_too_many);
	TEST_RUN("compile_invalid_record", test_compile_invalid_record);
	TEST_RUN("compile_random", test_compile_random);
	TEST_RUN("rules_sync", test_sync);
	TEST_RUN("flow_hash", test_flow_hash);
	TEST_RUN("flowtab", test_flowtab);
	TEST_RUN("flowtab_full", test_flowtab_full);
	TEST_RUN("flowtab_churn", test_flowtab_churn);
	TEST_RUN("flowtab_repair", test_flowtab_repair);
	TEST_RUN("hosts_sync", test_hosts_sync);
	for (size_t i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		char name[96];

		snprintf(name, sizeof(name), "flow_line %zu", i);
		TEST_RUN(name, test_flow_line, &line_cases[i]);
	}
	TEST_RUN("names", test_names);
	for (size_t i = 0; i < sizeof(conf_cases) / sizeof(conf_cases[0]); i++) {
		char name[96];

		snprintf(name, sizeof(name), "conf %zu", i);
		TEST_RUN(name, test_conf, &conf_cases[i]);
	}
	TEST_RUN("conf_files", test_conf_files);
	TEST_RUN("config_value", test_config_value);
	for (size_t i = 0; i < sizeof(pin_cases) / sizeof(pin_cases[0]); i++) {
		char name[96];

		snprintf(name, sizeof(name), "pin_path %zu", i);
		TEST_RUN(name, test_pin_path, &pin_cases[i]);
	}
	TEST_RUN("jsonw", test_jsonw);
	TEST_RUN("duration_str", test_duration_str);
	TEST_RUN("split_words", test_split_words);
	TEST_RUN("atomic_file", test_atomic_file);
	TEST_RUN("state_writers", test_state_writers);
	for (size_t i = 0; i < sizeof(decl_cases) / sizeof(decl_cases[0]); i++) {
		char name[96];

		snprintf(name, sizeof(name), "decl_parse %zu", i);
		TEST_RUN(name, test_decl_parse, &decl_cases[i]);
	}
	TEST_RUN("decl_nul", test_decl_nul);
	TEST_RUN("decl_hash", test_decl_hash);
	TEST_RUN("atomic_fixed", test_atomic_fixed);
	TEST_RUN("decl_roundtrip", test_decl_roundtrip);
	TEST_RUN("decl_diff_changes", test_decl_diff_changes);
	TEST_RUN("state_init", test_state_init);
	return test_summary();
}
