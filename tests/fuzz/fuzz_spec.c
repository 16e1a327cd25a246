// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ll_spec_parse() on any bytes. Every accepted SPEC must pass ll_rec_check,
 * format, parse back to the very same record and format to the same text;
 * the flow form must extend it. Every rejection must leave a one-line
 * message and a zeroed record.
 */
#include "fuzz_common.h"
#include "spec.h"

static void check_flow_form(struct ll_rule_rec r, const char *spec)
{
	char buf[LL_SPEC_FMT_LEN];
	size_t n = strlen(spec);

	r.kind = LL_RULE_FLOW;
	memcpy(r.local, r.addr, 16);
	r.local_port = 40000;
	CHECK(ll_spec_format(&r, buf, sizeof(buf)) == 0);
	CHECK(!strncmp(buf, spec, n) && !strncmp(buf + n, " local ", 7));
}

static void check_accepted(const struct ll_rule_rec *a)
{
	char f[LL_SPEC_FMT_LEN], f2[LL_SPEC_FMT_LEN], err[256];
	struct ll_rule_rec b;

	CHECK(ll_rec_check(a, NULL, 0) == 0);
	CHECK(a->kind == LL_RULE_FREE && a->scheme < LL_SCHEME_MAX);
	CHECK(ll_spec_format(a, f, sizeof(f)) == 0);
	CHECK(strlen(f) <= LL_SPEC_MAX_LEN);
	CHECK(ll_spec_parse(f, &b, err, sizeof(err)) == 0);
	CHECK(!memcmp(a, &b, sizeof(b)));
	CHECK(ll_spec_format(&b, f2, sizeof(f2)) == 0);
	CHECK(!strcmp(f, f2));
	check_flow_form(*a, f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ll_rule_rec zero;
	char s[FUZZ_MAX_INPUT], err[256];
	struct ll_rule_rec a;

	if (!fuzz_str(data, size, s, sizeof(s)))
		return 0;
	memset(err, 0x55, sizeof(err));
	if (ll_spec_parse(s, &a, err, sizeof(err))) {
		check_err(err, sizeof(err));
		CHECK(!memcmp(&a, &zero, sizeof(a)));
		return 0;
	}
	check_accepted(&a);
	return 0;
}
