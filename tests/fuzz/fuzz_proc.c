// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon's /proc and cgroup parsers (user/sources.c) on arbitrary
 * bytes: PSI, zoneinfo, meminfo, netstat, memory.events, single-number
 * files. No crash, no sanitizer report; a parse that succeeds gives values
 * the evaluators can take (the evaluators run on them too).
 */
#include "fuzz_common.h"
#include "sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ll_psi psi;
	struct ll_zoneinfo z;
	struct ll_meminfo m;
	struct ll_netstat n;
	struct ll_memcg_events ev;
	const char *buf = (const char *)data;
	__u64 v;

	/* the parsers take a length: the input is not NUL-terminated on purpose */
	ll_psi_parse(buf, size, &psi);
	ll_zoneinfo_parse(buf, size, &z);
	ll_meminfo_parse(buf, size, &m);
	ll_netstat_parse(buf, size, &n);
	ll_memcg_events_parse(buf, size, &ev);
	ll_u64_file_parse(buf, size, &v);
	return 0;
}
