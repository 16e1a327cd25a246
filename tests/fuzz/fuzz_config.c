// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration file (user/config.c, inih underneath) on arbitrary
 * bytes: loaded from a temporary file, it is either accepted or refused
 * with a FILE:LINE message of one printable line; what is accepted holds
 * every bound (lease, reserve, durations) and a pin path that start accepts.
 */
#include <unistd.h>
#include "fuzz_common.h"
#include "config.h"
#include "reserve.h"
#include "spec.h"

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
		return 0;
	}
	/* accepted: text only, every bound held, the pin path in its normal form */
	CHECK(!memchr(data, '\0', size));
	CHECK(c.lease_ns >= LL_LEASE_MIN_NS && c.lease_ns <= LL_LEASE_MAX_NS);
	CHECK(c.lease_ns >= 2 * c.tick_ns);
	CHECK(c.reserve.bytes <= LL_RESERVE_KB_MAX * 1024ULL);
	CHECK(c.reserve.max_share >= 1 && c.reserve.max_share <= LL_RESERVE_SHARE_MAX);
	CHECK(c.reserve.watermark_scale <= LL_RESERVE_WSF_MAX);
	CHECK(c.hook_interval_ns <= LL_DURATION_MAX_NS && c.hook_timeout_ns <= LL_DURATION_MAX_NS);
	{
		char norm[PATH_MAX], err[PATH_MAX + 200];

		CHECK(!ll_pin_path_validate(c.pin_path, norm, sizeof(norm), err, sizeof(err)));
		CHECK(!strcmp(norm, c.pin_path));
	}
	return 0;
}
