// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include "util.h"

const __u8 ll_v4mapped_prefix[16] = { [10] = 0xff, [11] = 0xff };

const char *ll_duration_str(char *buf, size_t len, __u64 ns, enum ll_dur_style style)
{
	static const struct {
		__u64 ns;
		const char *unit;
	} units[] = {
		{ 3600000000000ULL, "h" }, { 60000000000ULL, "m" }, { 1000000000ULL, "s" },
		{ 1000000ULL, "ms" }, { 1ULL, "ns" },
	};
	size_t i = 0, last = sizeof(units) / sizeof(units[0]) - 1;

	if (style == LL_DUR_SHORT) {
		i = 2;		/* seconds */
		last = 3;	/* milliseconds, truncated */
	}
	/* zero is "0s"; otherwise the largest unit that divides ns exactly */
	for (; i < last; i++)
		if ((ns || units[i].ns == 1000000000ULL) && !(ns % units[i].ns))
			break;
	snprintf(buf, len, "%llu%s", (unsigned long long)(ns / units[i].ns), units[i].unit);
	return buf;
}

int ll_split_words(char *line, char **words, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return max + 1;
		words[n++] = tok;
	}
	return n;
}
