// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Typed parsers (see spec.h). One address parser, one number parser and
 * one host/port splitter serve every entry point, so SPECs, --local and
 * the rest accept and refuse the same things.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "spec.h"
#include "util.h"

#define ECHO_MAX 40		/* longest piece of input quoted in a message */
#define IFNAME_MAX 15		/* IFNAMSIZ - 1 */

struct scheme_info {
	__u8 proto;
	__u8 nranges;
	__u16 ranges[LL_RULE_MAX_RANGES][2];
};

static const char *const scheme_names[LL_SCHEME_MAX] = LL_SCHEME_NAMES;
static const char *const level_names[LL_LEVEL_MAX] = LL_LEVEL_NAMES;

static const struct scheme_info schemes[LL_SCHEME_MAX] = {
	[LL_SCHEME_TCP] = { IPPROTO_TCP, 1, { { 0, 65535 } } },
	[LL_SCHEME_UDP] = { IPPROTO_UDP, 1, { { 0, 65535 } } },
	[LL_SCHEME_NBD] = { IPPROTO_TCP, 1, { { 10809, 10809 } } },
	[LL_SCHEME_ISCSI] = { IPPROTO_TCP, 1, { { 3260, 3260 } } },
	[LL_SCHEME_NVME_TCP] = { IPPROTO_TCP, 1, { { 4420, 4420 } } },
	/* NFSv4 runs over TCP only; NFSv3 over UDP needs its own udp:// rule. */
	[LL_SCHEME_NFS] = { IPPROTO_TCP, 1, { { 2049, 2049 } } },
	/* monitors (msgr2, legacy msgr1), then the OSD/MDS/MGR range */
	[LL_SCHEME_CEPH] = { IPPROTO_TCP, 3, { { 3300, 3300 }, { 6789, 6789 }, { 6800, 7300 } } },
};

/*
 * Writes the message and returns -EINVAL. Bytes that are not printable
 * ASCII become '?', so quoting input never breaks the one-line promise.
 */
__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
						     ...)
{
	va_list ap;

	if (!err || !errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return -EINVAL;
}

/* printf arguments for quoting at most ECHO_MAX bytes of s[0..len) */
#define ECHO(s, len) (int)((len) < ECHO_MAX ? (len) : ECHO_MAX), (s)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static size_t digits_at(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && is_digit(s[n]))
		n++;
	return n;
}

/* s[0..len) must be all digits (at least one); -ERANGE when above max. */
static int parse_digits(const char *s, size_t len, __u64 max, __u64 *out)
{
	__u64 v = 0;

	if (!len || digits_at(s, len) != len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int d = s[i] - '0';

		if (v > max / 10 || (v == max / 10 && d > max % 10))
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* hexadecimal digits only (after a 0x the caller saw), at most max */
static int parse_hex(const char *s, size_t len, __u64 max, __u64 *out)
{
	__u64 v = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		unsigned int d = c >= '0' && c <= '9' ? (unsigned int)(c - '0') :
				 c >= 'a' && c <= 'f' ? (unsigned int)(c - 'a' + 10) :
				 c >= 'A' && c <= 'F' ? (unsigned int)(c - 'A' + 10) : 16;

		if (d > 15)
			return -EINVAL;
		if (v > (max - d) / 16)
			return -ERANGE;
		v = v * 16 + d;
	}
	*out = v;
	return 0;
}

void ll_addr_mask(__u8 out[16], const __u8 in[16], unsigned int bits)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int have = bits > i * 8 ? bits - i * 8 : 0;

		out[i] = have >= 8 ? in[i] : in[i] & (__u8)(0xff00 >> have);
	}
}

int ll_addr_format(const __u8 addr[16], int is_v4, char *buf, size_t len)
{
	const void *a = is_v4 ? addr + 12 : addr;

	if (!inet_ntop(is_v4 ? AF_INET : AF_INET6, a, buf, len)) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

/* Letters but no ':' cannot be an IPv4 literal: most likely a host name. */
static int looks_like_name(const char *s)
{
	for (; *s; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			return 1;
	return 0;
}

/* One literal address, s[0..len), no prefix, no port. */
static int parse_addr(const char *s, size_t len, __u8 addr[16], int *is_v4, char *err,
		      size_t errlen)
{
	char buf[LL_ADDR_FMT_LEN];
	struct in_addr a4;

	if (len >= sizeof(buf))
		return fail(err, errlen, "'%.*s...' is too long for an IP address", ECHO(s, len));
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(s, ':', len)) {
		if (inet_pton(AF_INET6, buf, addr) != 1)
			return fail(err, errlen, "'%s' is not a valid IPv6 address", buf);
		if (ll_is_v4mapped(addr))
			return fail(err, errlen, "'%s' is an IPv4-mapped IPv6 address; write it "
				    "as IPv4 (%u.%u.%u.%u)", buf, addr[12], addr[13], addr[14],
				    addr[15]);
		*is_v4 = 0;
		return 0;
	}
	if (inet_pton(AF_INET, buf, &a4) != 1) {
		if (looks_like_name(buf))
			return fail(err, errlen, "'%s' is not an IP address; give a literal "
				    "address (no DNS lookups: lifeline must work when memory is "
				    "short)", buf);
		return fail(err, errlen, "'%s' is not a valid IPv4 address", buf);
	}
	memcpy(addr, ll_v4mapped_prefix, LL_V4MAPPED_BYTES);
	memcpy(addr + 12, &a4, 4);
	*is_v4 = 1;
	return 0;
}

static int parse_plen(const char *s, size_t len, int is_v4, __u8 *plen, char *err, size_t errlen)
{
	unsigned int max = is_v4 ? 32 : 128;
	__u64 v;
	int ret;

	if (!len)
		return fail(err, errlen, "missing prefix length after '/'");
	if (s[0] == '-')
		return fail(err, errlen, "prefix length '%.*s' is negative", ECHO(s, len));
	ret = parse_digits(s, len, max, &v);
	if (ret == -EINVAL)
		return fail(err, errlen, "prefix length '%.*s' is not a number", ECHO(s, len));
	if (ret == -ERANGE)
		return fail(err, errlen, "prefix length %.*s is over %u for IPv%d", ECHO(s, len),
			    max, is_v4 ? 4 : 6);
	*plen = v;
	return 0;
}

static unsigned int abs_bits(int is_v4, unsigned int plen)
{
	return is_v4 ? LL_V4MAPPED_PREFIX + plen : plen;
}

static int check_host_bits(const __u8 addr[16], int is_v4, unsigned int plen, char *err,
			   size_t errlen)
{
	char have[LL_ADDR_FMT_LEN], want[LL_ADDR_FMT_LEN];
	__u8 masked[16];

	ll_addr_mask(masked, addr, abs_bits(is_v4, plen));
	if (!memcmp(masked, addr, 16))
		return 0;
	ll_addr_format(addr, is_v4, have, sizeof(have));
	ll_addr_format(masked, is_v4, want, sizeof(want));
	return fail(err, errlen, "%s/%u has host bits set; did you mean %s/%u?", have, plen, want,
		    plen);
}

/* ADDR[/PLEN], s[0..len). */
static int parse_prefix(const char *s, size_t len, __u8 addr[16], int *is_v4, __u8 *plen,
			char *err, size_t errlen)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	int ret;

	if (!alen)
		return fail(err, errlen, "missing address before '/'");
	ret = parse_addr(s, alen, addr, is_v4, err, errlen);
	if (ret)
		return ret;
	if (!slash) {
		*plen = *is_v4 ? 32 : 128;
		return 0;
	}
	ret = parse_plen(slash + 1, len - alen - 1, *is_v4, plen, err, errlen);
	if (ret)
		return ret;
	return check_host_bits(addr, *is_v4, *plen, err, errlen);
}

/* A port, s[0..len): 1-65535. */
static int parse_port(const char *s, size_t len, __u16 *port, char *err, size_t errlen)
{
	size_t n = digits_at(s, len);
	__u64 v;

	if (!len)
		return fail(err, errlen, "missing port number");
	if (!n)
		return fail(err, errlen, "port '%.*s' is not a number", ECHO(s, len));
	if (n < len)
		return fail(err, errlen, "unexpected '%.*s' after port %.*s", ECHO(s + n, len - n),
			    ECHO(s, n));
	if (parse_digits(s, n, 65535, &v))
		return fail(err, errlen, "port %.*s is over 65535", ECHO(s, n));
	if (!v)
		return fail(err, errlen, "port 0 is not valid; ports are 1-65535");
	*port = v;
	return 0;
}

/* PORT or PORT-PORT (when allow_range), NUL-terminated. */
static int parse_ports(const char *s, int allow_range, __u16 *lo, __u16 *hi, char *err,
		       size_t errlen)
{
	const char *dash = strchr(s, '-');
	int ret;

	if (dash == s)
		return fail(err, errlen, "port '%.*s' is not a number", ECHO(s, strlen(s)));
	ret = parse_port(s, dash ? (size_t)(dash - s) : strlen(s), lo, err, errlen);
	if (ret || !dash) {
		*hi = *lo;
		return ret;
	}
	if (!allow_range)
		return fail(err, errlen, "a port range is not allowed here; give one port");
	ret = parse_port(dash + 1, strlen(dash + 1), hi, err, errlen);
	if (ret)
		return ret;
	if (*lo > *hi)
		return fail(err, errlen, "port range %u-%u is inverted; did you mean %u-%u?", *lo,
			    *hi, *hi, *lo);
	return 0;
}

struct hostport {
	const char *host;	/* the address part, without brackets */
	size_t hostlen;
	const char *rest;	/* what follows it: "" or ":PORTS" */
	int bracketed;
};

/*
 * Splits "[V6]REST", "V4REST", or (when bare_v6) a bracket-less IPv6
 * address that is all address. An unbracketed host with two or more
 * colons and no '.' before the first is IPv6.
 */
static int split_hostport(const char *s, int bare_v6, struct hostport *hp, char *err,
			  size_t errlen)
{
	const char *close = strchr(s, ']'), *colon = strchr(s, ':');

	memset(hp, 0, sizeof(*hp));
	if (s[0] == '[') {
		if (!close)
			return fail(err, errlen, "unbalanced brackets in '%.*s': missing ']'",
				    ECHO(s, strlen(s)));
		hp->host = s + 1;
		hp->hostlen = close - s - 1;
		hp->rest = close + 1;
		hp->bracketed = 1;
		if (memchr(hp->host, '[', hp->hostlen) || strchr(hp->rest, ']'))
			return fail(err, errlen, "unbalanced brackets in '%.*s'",
				    ECHO(s, strlen(s)));
		if (hp->hostlen && !memchr(hp->host, ':', hp->hostlen))
			return fail(err, errlen, "brackets are for IPv6 addresses only: '%.*s'",
				    ECHO(s, strlen(s)));
		return 0;
	}
	if (close || strchr(s, '['))
		return fail(err, errlen, "unbalanced brackets in '%.*s'", ECHO(s, strlen(s)));
	hp->host = s;
	if (colon && strchr(colon + 1, ':') && !memchr(s, '.', colon - s)) {
		if (!bare_v6)
			return fail(err, errlen, "IPv6 addresses go in brackets, e.g. "
				    "tcp://[2001:db8::1]:4420; got '%.*s'", ECHO(s, strlen(s)));
		colon = NULL;
	}
	hp->hostlen = colon ? (size_t)(colon - s) : strlen(s);
	hp->rest = s + hp->hostlen;
	return 0;
}

/* The part after the address: nothing (*has = 0) or ":PORTS". */
static int parse_rest(const struct hostport *hp, int allow_range, __u16 *lo, __u16 *hi, int *has,
		      char *err, size_t errlen)
{
	const char *r = hp->rest;

	*has = 0;
	if (!*r)
		return 0;
	if (*r == '/' && hp->bracketed)
		return fail(err, errlen, "the prefix length goes inside the brackets, e.g. "
			    "[2001:db8::/64]:4420");
	if (*r != ':')
		return fail(err, errlen, "unexpected '%.*s' after the address", ECHO(r, strlen(r)));
	if (!r[1])
		return fail(err, errlen, "missing port after ':'");
	*has = 1;
	return parse_ports(r + 1, allow_range, lo, hi, err, errlen);
}

/*
 * Refuses empty input, input longer than max and anything but printable
 * ASCII without spaces; what names the input in messages.
 */
static int check_text(const char *s, size_t max, const char *what, char *err, size_t errlen)
{
	size_t len = strnlen(s, max + 1);

	if (!len)
		return fail(err, errlen, "empty %s", what);
	if (len > max)
		return fail(err, errlen, "%s '%.*s...' is longer than %zu characters", what,
			    ECHO(s, len), max);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > '~')
			return fail(err, errlen, "%s has a space or non-printable character "
				    "(byte 0x%02x at offset %zu)", what, (unsigned char)s[i], i);
	return 0;
}

static int parse_scheme(const char *s, size_t len, __u32 *scheme, char *err, size_t errlen)
{
	for (__u32 i = 0; i < LL_SCHEME_MAX; i++) {
		if (strlen(scheme_names[i]) == len && !memcmp(s, scheme_names[i], len)) {
			*scheme = i;
			return 0;
		}
	}
	return fail(err, errlen, "unknown scheme '%.*s'; expected tcp, udp, nbd, iscsi, "
		    "nvme-tcp, nfs or ceph", ECHO(s, len));
}

static void set_default_ports(struct ll_rule_rec *r, __u32 scheme)
{
	const struct scheme_info *d = &schemes[scheme];

	r->nranges = d->nranges;
	for (int i = 0; i < d->nranges; i++) {
		r->ranges[i].lo = d->ranges[i][0];
		r->ranges[i].hi = d->ranges[i][1];
	}
}

/* HOST[:PORTS] after "SCHEME://". */
static int parse_target(const char *s, __u32 scheme, struct ll_rule_rec *r, char *err,
			size_t errlen)
{
	struct hostport hp;
	__u16 lo, hi;
	int ret, is_v4, has_ports;

	ret = split_hostport(s, 0, &hp, err, errlen);
	if (ret)
		return ret;
	if (!hp.hostlen)
		return fail(err, errlen, "empty host; give an address, e.g. %s://198.51.100.7",
			    scheme_names[scheme]);
	ret = parse_prefix(hp.host, hp.hostlen, r->addr, &is_v4, &r->plen, err, errlen);
	if (ret)
		return ret;
	ret = parse_rest(&hp, 1, &lo, &hi, &has_ports, err, errlen);
	if (ret)
		return ret;
	r->is_v4 = is_v4;
	r->scheme = scheme;
	r->proto = schemes[scheme].proto;
	if (!has_ports) {
		set_default_ports(r, scheme);
		return 0;
	}
	r->nranges = 1;
	r->ranges[0].lo = lo;
	r->ranges[0].hi = hi;
	return 0;
}

int ll_spec_parse(const char *s, struct ll_rule_rec *out, char *err, size_t errlen)
{
	const char *sep;
	__u32 scheme = LL_SCHEME_TCP;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = check_text(s, LL_SPEC_MAX_LEN, "SPEC", err, errlen);
	if (ret)
		return ret;
	sep = strstr(s, "://");
	if (!sep)
		return fail(err, errlen, "missing '://' in '%.*s'; a SPEC looks like "
			    "nbd://198.51.100.7 or tcp://192.0.2.0/24:4420", ECHO(s, strlen(s)));
	ret = parse_scheme(s, sep - s, &scheme, err, errlen);
	if (!ret)
		ret = parse_target(sep + 3, scheme, out, err, errlen);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

int ll_rec_check(const struct ll_rule_rec *r, char *err, size_t errlen)
{
	unsigned int max = r->is_v4 ? 32 : 128;

	if (r->is_v4 > 1)
		return fail(err, errlen, "bad address family flag %u", r->is_v4);
	if (r->plen > max)
		return fail(err, errlen, "prefix length %u is over %u for IPv%d", r->plen, max,
			    r->is_v4 ? 4 : 6);
	if (r->is_v4 != ll_is_v4mapped(r->addr) && (r->is_v4 || r->plen >= LL_V4MAPPED_PREFIX))
		return fail(err, errlen, r->is_v4 ? "IPv4 address not stored v4-mapped" :
			    "IPv6 prefix inside the IPv4-mapped space ::ffff:0:0/96");
	if (r->nranges < 1 || r->nranges > LL_RULE_MAX_RANGES)
		return fail(err, errlen, "%u port ranges; expected 1 to %d", r->nranges,
			    LL_RULE_MAX_RANGES);
	for (int i = 0; i < r->nranges; i++)
		if (r->ranges[i].lo > r->ranges[i].hi)
			return fail(err, errlen, "port range %u-%u is inverted", r->ranges[i].lo,
				    r->ranges[i].hi);
	return check_host_bits(r->addr, r->is_v4, r->plen, err, errlen);
}

static int same_as_default(const struct ll_rule_rec *r)
{
	const struct scheme_info *d = &schemes[r->scheme];

	if (r->nranges != d->nranges)
		return 0;
	for (int i = 0; i < d->nranges; i++)
		if (r->ranges[i].lo != d->ranges[i][0] || r->ranges[i].hi != d->ranges[i][1])
			return 0;
	return 1;
}

/* ":PORTS" as the parser would need it, "" for the defaults; -EINVAL if none would do. */
static int format_ports(const struct ll_rule_rec *r, char *buf, size_t len)
{
	__u16 lo = r->ranges[0].lo, hi = r->ranges[0].hi;

	buf[0] = '\0';
	if (same_as_default(r))
		return 0;
	if (r->nranges != 1 || !lo)
		return -EINVAL;
	if (lo == hi)
		snprintf(buf, len, ":%u", lo);
	else
		snprintf(buf, len, ":%u-%u", lo, hi);
	return 0;
}

/* " local ADDR[:PORT]" of a flow record. */
static void format_local(const struct ll_rule_rec *r, char *buf, size_t len)
{
	char a[LL_ADDR_FMT_LEN];
	int v4 = ll_is_v4mapped(r->local);

	ll_addr_format(r->local, v4, a, sizeof(a));
	if (!r->local_port)
		snprintf(buf, len, " local %s", a);
	else
		snprintf(buf, len, v4 ? " local %s:%u" : " local [%s]:%u", a, r->local_port);
}

int ll_spec_format(const struct ll_rule_rec *r, char *buf, size_t len)
{
	char addr[LL_ADDR_FMT_LEN], plen[8] = "", ports[16], local[80] = "";
	int n;

	if (len)
		buf[0] = '\0';
	if (ll_rec_check(r, NULL, 0) || r->scheme >= LL_SCHEME_MAX ||
	    r->proto != schemes[r->scheme].proto || format_ports(r, ports, sizeof(ports)))
		return -EINVAL;
	ll_addr_format(r->addr, r->is_v4, addr, sizeof(addr));
	if (r->plen != (r->is_v4 ? 32 : 128))
		snprintf(plen, sizeof(plen), "/%u", r->plen);
	if (r->kind == LL_RULE_FLOW)
		format_local(r, local, sizeof(local));
	n = snprintf(buf, len, r->is_v4 ? "%s://%s%s%s%s" : "%s://[%s%s]%s%s",
		     scheme_names[r->scheme], addr, plen, ports, local);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

int ll_addr_port_parse(const char *s, __u8 addr[16], int *is_v4, __u16 *port, int port_required,
		       char *err, size_t errlen)
{
	struct hostport hp;
	__u8 a[16];
	__u16 lo = 0, hi;
	int ret, v4, has_port;

	ret = check_text(s, LL_SPEC_MAX_LEN, "address", err, errlen);
	if (!ret)
		ret = split_hostport(s, 1, &hp, err, errlen);
	if (ret)
		return ret;
	if (!hp.hostlen)
		return fail(err, errlen, "missing address in '%.*s'", ECHO(s, strlen(s)));
	if (memchr(hp.host, '/', hp.hostlen))
		return fail(err, errlen, "'%.*s': a prefix length is not allowed here; give one "
			    "address", ECHO(s, strlen(s)));
	ret = parse_addr(hp.host, hp.hostlen, a, &v4, err, errlen);
	if (!ret)
		ret = parse_rest(&hp, 0, &lo, &hi, &has_port, err, errlen);
	if (ret)
		return ret;
	if (!has_port && port_required)
		return fail(err, errlen, "missing port in '%.*s'; write ADDR:PORT, e.g. "
			    "192.0.2.1:40000 or [2001:db8::1]:40000", ECHO(s, strlen(s)));
	memcpy(addr, a, 16);
	*is_v4 = v4;
	*port = has_port ? lo : 0;
	return 0;
}

static const struct {
	const char *unit;
	__u64 ns;
} duration_units[] = {
	{ "", 1000000000ULL },	/* seconds */
	{ "ms", 1000000ULL },
	{ "s", 1000000000ULL },
	{ "m", 60ULL * 1000000000ULL },
	{ "h", 3600ULL * 1000000000ULL },
	{ "d", 86400ULL * 1000000000ULL },
};

int ll_duration_parse(const char *s, __u64 *ns, char *err, size_t errlen)
{
	size_t len = strnlen(s, LL_NUM_MAX_LEN + 1), n = digits_at(s, len);
	__u64 v, unit = 0;

	if (!len)
		return fail(err, errlen, "empty duration; give e.g. 500ms, 30s, 5m, 2h or 1d");
	if (len > LL_NUM_MAX_LEN)
		return fail(err, errlen, "duration '%.*s...' is too long", ECHO(s, len));
	if (s[0] == '-')
		return fail(err, errlen, "duration '%s' is negative", s);
	if (!n)
		return fail(err, errlen, "duration '%s' does not start with a number; give e.g. "
			    "30s, 5m or 2h", s);
	if (s[n] == '.' || s[n] == ',')
		return fail(err, errlen, "duration '%s' is not a whole number; use a smaller "
			    "unit (90m, not 1.5h)", s);
	for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
		if (!strcmp(s + n, duration_units[i].unit))
			unit = duration_units[i].ns;
	if (!unit)
		return fail(err, errlen, "unknown unit '%s' in duration '%s'; use ms, s, m, h or d",
			    s + n, s);
	if (parse_digits(s, n, LL_DURATION_MAX_NS / unit, &v))
		return fail(err, errlen, "duration '%s' is too long; the most is 365d", s);
	if (!v)
		return fail(err, errlen, "duration '%s' is zero; give a positive duration", s);
	*ns = v * unit;
	return 0;
}

int ll_name_check(const char *s, char *err, size_t errlen)
{
	size_t len = strnlen(s, LL_NAME_LEN);

	if (!len)
		return fail(err, errlen, "empty name; a name is 1-%d characters", LL_NAME_LEN - 1);
	if (len >= LL_NAME_LEN)
		return fail(err, errlen, "name '%.*s...' is longer than %d characters", ECHO(s, len),
			    LL_NAME_LEN - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > '~')
			return fail(err, errlen, "a name is printable ASCII without spaces; byte "
				    "0x%02x at offset %zu is not", (unsigned char)s[i], i);
	if (strchr(s, '#'))
		return fail(err, errlen, "name '%s' contains '#', which starts a comment in the "
			    "registry file (lifeline save/apply)", s);
	if (strstr(s, "://"))
		return fail(err, errlen, "name '%s' looks like a SPEC; a name must not contain "
			    "'://'", s);
	return 0;
}

const char *ll_text_escape(const char *s, size_t max, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!len)
		return buf;
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c >= ' ' && c <= '~' && c != '\\') {
			if (o + 1 >= len)
				break;
			buf[o++] = c;
			continue;
		}
		if (o + 4 >= len)
			break;
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = hex[c >> 4];
		buf[o++] = hex[c & 15];
	}
	buf[o] = '\0';
	return buf;
}

int ll_level_parse(const char *s, __u32 *level, char *err, size_t errlen)
{
	for (__u32 i = 0; i < LL_LEVEL_MAX; i++) {
		if (!strcmp(s, level_names[i])) {
			*level = i;
			return 0;
		}
	}
	return fail(err, errlen, "unknown level '%.*s'; expected none, elevated or critical",
		    ECHO(s, strlen(s)));
}

static int is_space(unsigned char c)
{
	/* the kernel's isspace(), which counts Latin-1 NBSP too */
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

int ll_ifname_check(const char *s, char *err, size_t errlen)
{
	size_t len = strnlen(s, IFNAME_MAX + 1);

	if (!len)
		return fail(err, errlen, "empty interface name");
	if (len > IFNAME_MAX)
		return fail(err, errlen, "interface name '%.*s...' is longer than %d characters",
			    IFNAME_MAX, s, IFNAME_MAX);
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return fail(err, errlen, "'%s' is not a valid interface name", s);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '/' || s[i] == ':')
			return fail(err, errlen, "interface name '%s' contains '%c'", s, s[i]);
		if (is_space(s[i]))
			return fail(err, errlen, "interface name '%s' contains whitespace", s);
	}
	return 0;
}

int ll_u32_parse(const char *s, __u32 min, __u32 max, __u32 *out, const char *what, char *err,
		 size_t errlen)
{
	size_t len = strlen(s);
	__u64 v;
	int ret;

	if (!what)
		what = "value";
	if (!len)
		return fail(err, errlen, "%s: empty; give a number from %u to %u", what, min, max);
	ret = len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ?
		parse_hex(s + 2, len - 2, max, &v) : parse_digits(s, len, max, &v);
	if (ret == -EINVAL)
		return fail(err, errlen, "%s: '%.*s' is not a whole number (decimal digits, or "
			    "hexadecimal after 0x)", what, ECHO(s, len));
	if (ret == -ERANGE)
		return fail(err, errlen, "%s: %.*s is over the maximum of %u", what, ECHO(s, len),
			    max);
	if (v < min)
		return fail(err, errlen, "%s: %.*s is below the minimum of %u", what, ECHO(s, len),
			    min);
	*out = v;
	return 0;
}
