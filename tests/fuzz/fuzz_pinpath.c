// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The pin path validator (ll_pin_path_validate, shared by lifeline,
 * lifelined and the configuration) on arbitrary strings: refused with one
 * printable line, or a normal form that is absolute, has no empty, "." or
 * ".." component, no trailing slash, is not /sys/fs/bpf, and is its own
 * normal form.
 */
#include <errno.h>
#include <limits.h>
#include "fuzz_common.h"
#include "maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[FUZZ_MAX_INPUT], out[PATH_MAX], again[PATH_MAX], err[PATH_MAX + 200];
	int ret;

	if (!fuzz_str(data, size, in, sizeof(in)))
		return 0;
	ret = ll_pin_path_validate(in, out, sizeof(out), err, sizeof(err));
	if (ret) {
		CHECK(ret < 0);
		check_err(err, sizeof(err));
		return 0;
	}
	CHECK(out[0] == '/' && out[1]);
	CHECK(!strstr(out, "//") && out[strlen(out) - 1] != '/');
	CHECK(!strstr(out, "/./") && !strstr(out, "/../"));
	CHECK(strcmp(out, "/sys/fs/bpf"));
	CHECK(strlen(out) <= strlen(in));
	CHECK(!ll_pin_path_validate(out, again, sizeof(again), err, sizeof(err)));
	CHECK(!strcmp(out, again));
	return 0;
}
