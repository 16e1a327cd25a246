// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One line of a flow file (lifeline flow load), as ll_flow_line_parse()
 * reads it: refused with a one-line message, or a rule whose SPEC formats
 * back to something that parses to the same rule, or an exact flow.
 */
#include <errno.h>
#include <netinet/in.h>
#include "fuzz_common.h"
#include "regargs.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[FUZZ_MAX_INPUT], err[256] = "", text[LL_SPEC_FMT_LEN];
	struct ll_rule_rec rec, again;
	struct ll_flow_key key;
	int kind;

	if (!fuzz_str(data, size, line, sizeof(line)) || strchr(line, '\n'))
		return 0;
	kind = ll_flow_line_parse(line, &rec, &key, err, sizeof(err));
	CHECK(kind >= -EINVAL && kind <= 2);
	if (kind < 0) {
		check_err(err, sizeof(err));
		return 0;
	}
	if (kind == 0) {
		CHECK(rec.kind == LL_RULE_ENDPOINT);
		CHECK(!ll_spec_format(&rec, text, sizeof(text)));
		CHECK(!ll_spec_parse(text, &again, err, sizeof(err)));
		CHECK(again.plen == rec.plen && again.nranges == rec.nranges &&
		      !memcmp(again.addr, rec.addr, 16) && again.proto == rec.proto);
	}
	if (kind == 1)
		CHECK(key.proto == IPPROTO_TCP || key.proto == IPPROTO_UDP);
	return 0;
}
