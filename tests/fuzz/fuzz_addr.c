// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ll_addr_port_parse() (--local ADDR[:PORT]) on any bytes. An accepted
 * address is v4-mapped exactly when is_v4, prints and parses back to the
 * same bytes and port; "port required" accepts a subset of "optional".
 * A rejection leaves a one-line message and the outputs untouched.
 */
#include "fuzz_common.h"
#include "spec.h"

static const __u8 v4map[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

struct res {
	int ret;
	__u8 addr[16];
	int is_v4;
	__u16 port;
};

static struct res parse(const char *s, int port_required)
{
	struct res r = { .is_v4 = 7, .port = 0x5a5a };
	char err[256];

	memset(r.addr, 0xa5, sizeof(r.addr));
	r.ret = ll_addr_port_parse(s, r.addr, &r.is_v4, &r.port, port_required, err, sizeof(err));
	if (r.ret) {
		check_err(err, sizeof(err));
		CHECK(r.is_v4 == 7 && r.port == 0x5a5a && r.addr[0] == 0xa5 && r.addr[15] == 0xa5);
	}
	return r;
}

/* Print the result back as text and parse that again. */
static void check_reprint(const struct res *r)
{
	char a[LL_ADDR_FMT_LEN], text[80];
	struct res again;

	CHECK(ll_addr_format(r->addr, r->is_v4, a, sizeof(a)) == 0);
	if (!r->port)
		snprintf(text, sizeof(text), "%s", a);
	else
		snprintf(text, sizeof(text), r->is_v4 ? "%s:%u" : "[%s]:%u", a, r->port);
	again = parse(text, 0);
	CHECK(again.ret == 0);
	CHECK(!memcmp(again.addr, r->addr, 16) && again.is_v4 == r->is_v4 &&
	      again.port == r->port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[FUZZ_MAX_INPUT];
	struct res opt, req;

	if (!fuzz_str(data, size, s, sizeof(s)))
		return 0;
	opt = parse(s, 0);
	req = parse(s, 1);
	if (!req.ret) {
		CHECK(!opt.ret && req.port != 0);
		CHECK(!memcmp(opt.addr, req.addr, 16) && opt.is_v4 == req.is_v4 &&
		      opt.port == req.port);
	}
	if (opt.ret)
		return 0;
	CHECK(opt.is_v4 == 0 || opt.is_v4 == 1);
	CHECK(opt.is_v4 == !memcmp(opt.addr, v4map, sizeof(v4map)));
	CHECK(req.ret == 0 || opt.port == 0);
	check_reprint(&opt);
	return 0;
}
