// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ll_decl_parse() on any bytes (the registry file of lifeline apply). A
 * rejection leaves one printable line starting "fuzz:LINE: "; an accepted
 * file is written (ll_decl_write), parsed back to the same items, written
 * again to the same text, and differs from itself by nothing.
 */
#include "fuzz_common.h"
#include "declare.h"

static char *render(const struct ll_decl *d, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	CHECK(f);
	CHECK(ll_decl_write(d, f) == 0);
	CHECK(fclose(f) == 0);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ll_decl a, b;
	struct ll_decl_diff x;
	char err[512], *t1, *t2;
	size_t l1, l2;

	if (size > 4 * FUZZ_MAX_INPUT)
		return 0;
	ll_decl_init(&a);
	memset(err, 0x55, sizeof(err));
	if (ll_decl_parse(&a, "fuzz", (const char *)data, size, err, sizeof(err))) {
		check_err(err, sizeof(err));
		CHECK(!strncmp(err, "fuzz:", 5) && err[5] >= '1' && err[5] <= '9');
		ll_decl_free(&a);
		return 0;
	}
	t1 = render(&a, &l1);
	ll_decl_init(&b);
	if (ll_decl_parse(&b, "again", t1, l1, err, sizeof(err))) {
		fprintf(stderr, "written text refused: %s\n%s", err, t1);
		CHECK(0);
	}
	CHECK(a.nifs == b.nifs && a.nrecs == b.nrecs && a.nkeys == b.nkeys && a.ncgs == b.ncgs &&
	      a.nsocks == b.nsocks);
	CHECK(a.tune_set == b.tune_set && !memcmp(a.tune, b.tune, sizeof(a.tune)));
	CHECK(a.strict == b.strict && a.max_flows == b.max_flows && a.max_rules == b.max_rules);
	t2 = render(&b, &l2);
	CHECK(l1 == l2 && !memcmp(t1, t2, l1));
	/* no interfaces, no cgroups, no sockets: the diff would look them up on this host */
	a.nifs = b.nifs = 0;
	a.ncgs = b.ncgs = 0;
	a.nsocks = b.nsocks = 0;
	CHECK(ll_decl_diff(&b, &a, 0, &x, err, sizeof(err)) == 0);
	CHECK(ll_decl_diff_count(&x) == 0);
	ll_decl_diff_free(&x);
	free(t1);
	free(t2);
	ll_decl_free(&a);
	ll_decl_free(&b);
	return 0;
}
