/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal test harness shared by the C tests. A test is a function that
 * uses the ASSERT_* macros; TEST_RUN() runs it, buffers nothing, and counts
 * it as failed if any assertion failed. Every test binary ends with
 * test_summary(), which prints "N passed, N failed, N skipped" (tests/run
 * adds these up) and returns the exit status. `-t NAME` runs tests whose
 * name contains NAME; `-v` prints passing tests too.
 */
#ifndef LL_TESTLIB_H
#define LL_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_state {
	int passed, failed, skipped;
	int cur_failed, cur_skipped;
	const char *cur;
	const char *filter;
	int verbose;
};

extern struct test_state tst;

#define TEST_STATE_DEFINE struct test_state tst

static inline void test_init(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc)
			tst.filter = argv[++i];
		else if (!strcmp(argv[i], "-v"))
			tst.verbose = 1;
	}
}

static inline int test_selected(const char *name)
{
	return !tst.filter || strstr(name, tst.filter);
}

#define TEST_FAIL_MSG(fmt, ...)                                                                    \
	do {                                                                                       \
		fprintf(stderr, "FAIL %s: %s:%d: " fmt "\n", tst.cur, __FILE__, __LINE__,          \
			##__VA_ARGS__);                                                            \
		tst.cur_failed = 1;                                                                \
	} while (0)

#define ASSERT_TRUE(cond, what)                                                                    \
	({                                                                                         \
		int ___ok = !!(cond);                                                              \
		if (!___ok)                                                                        \
			TEST_FAIL_MSG("%s: expected true: %s", what, #cond);                       \
		___ok;                                                                             \
	})

#define ASSERT_EQ(a, b, what)                                                                      \
	({                                                                                         \
		long long ___a = (long long)(a), ___b = (long long)(b);                            \
		if (___a != ___b)                                                                  \
			TEST_FAIL_MSG("%s: %s = %lld, expected %lld", what, #a, ___a, ___b);       \
		___a == ___b;                                                                      \
	})

#define ASSERT_STREQ(a, b, what)                                                                   \
	({                                                                                         \
		const char *___a = (a), *___b = (b);                                               \
		int ___ok = ___a && ___b && !strcmp(___a, ___b);                                   \
		if (!___ok)                                                                        \
			TEST_FAIL_MSG("%s: %s = \"%s\", expected \"%s\"", what, #a,                \
				      ___a ? ___a : "(null)", ___b ? ___b : "(null)");             \
		___ok;                                                                             \
	})

#define TEST_SKIP(fmt, ...)                                                                        \
	do {                                                                                       \
		fprintf(stderr, "SKIP %s: " fmt "\n", tst.cur, ##__VA_ARGS__);                     \
		tst.cur_skipped = 1;                                                               \
	} while (0)

#define TEST_RUN(name, fn, ...)                                                                    \
	do {                                                                                       \
		if (!test_selected(name))                                                          \
			break;                                                                     \
		tst.cur = (name);                                                                  \
		tst.cur_failed = tst.cur_skipped = 0;                                              \
		fn(__VA_ARGS__);                                                                   \
		if (tst.cur_skipped && !tst.cur_failed)                                            \
			tst.skipped++;                                                             \
		else if (tst.cur_failed)                                                           \
			tst.failed++;                                                              \
		else {                                                                             \
			tst.passed++;                                                              \
			if (tst.verbose)                                                           \
				fprintf(stderr, "ok   %s\n", tst.cur);                             \
		}                                                                                  \
	} while (0)

static inline int test_summary(void)
{
	printf("%d passed, %d failed, %d skipped\n", tst.passed, tst.failed, tst.skipped);
	return tst.failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* LL_TESTLIB_H */
