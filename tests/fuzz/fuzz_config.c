// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration file (user/config.c, inih underneath) on arbitrary
 * bytes: loaded from a temporary file, it is either accepted or refused
 * with a FILE:LINE message of one printable line.
 */
#include <unistd.h>
#include "fuzz_common.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct ll_config c;
	struct ll_config_err e;
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz_config.%d.conf", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	memset(&e, 0, sizeof(e));
	if (ll_config_load(&c, path, 1, &e)) {
		CHECK(memchr(e.msg, '\0', sizeof(e.msg)));
		for (const char *p = e.msg; *p; p++)
			CHECK(*p >= ' ' && *p <= '~');
	}
	return 0;
}
