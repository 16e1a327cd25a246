// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The number parsers against a plain reference written here with 128-bit
 * arithmetic: ll_duration_parse() and ll_u32_parse() must accept exactly
 * what the reference accepts, with the same value. ll_level_parse() and
 * ll_ifname_check() ride along (no crash, one-line messages), and the name
 * check with the output escape (printable, or refused).
 */
#include "fuzz_common.h"
#include "spec.h"

typedef unsigned __int128 u128;

/* Leading digits as a number, saturated just above 2^64; *n gets their count. */
static u128 ref_digits(const char *s, size_t *n)
{
	u128 v = 0, cap = (u128)UINT64_MAX + 1;

	for (*n = 0; s[*n] >= '0' && s[*n] <= '9'; (*n)++) {
		v = v * 10 + (s[*n] - '0');
		if (v > cap)
			v = cap;
	}
	return v;
}

static int ref_duration(const char *s, __u64 *ns)
{
	static const struct { const char *unit; __u64 mult; } u[] = {
		{ "", 1000000000ULL }, { "ms", 1000000ULL }, { "s", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL }, { "d", 86400000000000ULL },
	};
	size_t n;
	u128 v = ref_digits(s, &n);

	if (!n || strlen(s) > LL_NUM_MAX_LEN)
		return -1;
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if (strcmp(s + n, u[i].unit))
			continue;
		v *= u[i].mult;
		/* at most 365d, so now + a duration never wraps */
		if (!v || v > LL_DURATION_MAX_NS)
			return -1;
		*ns = (__u64)v;
		return 0;
	}
	return -1;
}

static void check_duration(const char *s)
{
	__u64 got = 7, want = 0;
	char err[128];
	int ret = ll_duration_parse(s, &got, err, sizeof(err));

	CHECK((ret == 0) == (ref_duration(s, &want) == 0));
	if (ret) {
		check_err(err, sizeof(err));
		CHECK(got == 7);
		return;
	}
	CHECK(got == want);
}

static void check_u32(const char *s, __u32 min, __u32 max)
{
	__u32 got = 7;
	size_t n;
	u128 v = ref_digits(s, &n);
	int ok = n && !s[n] && v >= min && v <= max;
	char err[128];
	int ret = ll_u32_parse(s, min, max, &got, "--fuzz", err, sizeof(err));

	CHECK((ret == 0) == ok);
	if (ret) {
		check_err(err, sizeof(err));
		CHECK(got == 7);
		return;
	}
	CHECK(got == v);
}

static void check_others(const char *s)
{
	char err[128];
	__u32 level;

	if (ll_level_parse(s, &level, err, sizeof(err)))
		check_err(err, sizeof(err));
	else
		CHECK(level < LL_LEVEL_MAX);
	if (ll_ifname_check(s, err, sizeof(err)))
		check_err(err, sizeof(err));
	else
		CHECK(strlen(s) >= 1 && strlen(s) <= 15 && !strpbrk(s, "/: \t\n"));
}

/* A name accepted is printable ASCII without spaces; the escape is always printable. */
static void check_name(const char *s)
{
	char err[128], esc[4 * LL_NAME_LEN + 1];
	size_t n = strlen(s);

	if (ll_name_check(s, err, sizeof(err))) {
		check_err(err, sizeof(err));
	} else {
		CHECK(n >= 1 && n < LL_NAME_LEN && !strstr(s, "://"));
		for (size_t i = 0; i < n; i++)
			CHECK(s[i] > ' ' && s[i] <= '~');
	}
	ll_text_escape(s, LL_NAME_LEN, esc, sizeof(esc));
	CHECK(memchr(esc, '\0', sizeof(esc)));
	for (const char *p = esc; *p; p++)
		CHECK(*p >= ' ' && *p <= '~');
	/* nothing to escape: the text itself, cut at LL_NAME_LEN */
	if (!ll_name_check(s, err, sizeof(err)) && !strchr(s, '\\'))
		CHECK(!strcmp(esc, s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[FUZZ_MAX_INPUT];

	if (!fuzz_str(data, size, s, sizeof(s)))
		return 0;
	check_duration(s);
	check_u32(s, 0, UINT32_MAX);
	check_u32(s, 10, 1000);
	check_others(s);
	check_name(s);
	return 0;
}
