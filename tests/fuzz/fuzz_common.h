/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by the libFuzzer targets: input as a C string, invariant checks. */
#ifndef LL_FUZZ_COMMON_H
#define LL_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_INPUT 512

/* A broken invariant is a finding: say which, and crash so libFuzzer keeps the input. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "invariant broken: %s (%s:%d)\n", #cond, __FILE__,         \
				__LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The input as a NUL-terminated string in buf; 0 when too long to bother. */
static inline int fuzz_str(const uint8_t *data, size_t size, char *buf, size_t buflen)
{
	if (size >= buflen)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	return 1;
}

/* An error message: written, terminated, one printable line. */
static inline void check_err(const char *err, size_t errlen)
{
	CHECK(memchr(err, '\0', errlen));
	CHECK(err[0] != '\0');
	for (const char *p = err; *p; p++)
		CHECK(*p >= ' ' && *p <= '~');
}

#endif
