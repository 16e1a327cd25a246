// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One line of a flow file (lifeline flow load), as ll_flow_line_parse()
 * reads it: refused with a one-line message, or a rule whose SPEC formats
 * back to something that parses to the same rule, or an exact flow (strict
 * only when TCP). A NUL byte or more than 7 words is always refused.
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
	__u32 flags;
	int kind, words = 0;

	/* the raw bytes, NULs included: flow load passes getline's length */
	if (size >= sizeof(line) || memchr(data, '\n', size))
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	for (size_t i = 0; i < size && data[i] != '#'; i++)
		words += !strchr(" \t\r", data[i]) && (!i || strchr(" \t\r", data[i - 1]));
	kind = ll_flow_line_parse(line, size, &rec, &key, &flags, err, sizeof(err));
	CHECK(kind >= -EINVAL && kind <= 2);
	if (kind < 0) {
		check_err(err, sizeof(err));
		return 0;
	}
	/* accepted: no NUL anywhere (text after one was ignored before), at most 7 words */
	CHECK(!memchr(data, '\0', size));
	CHECK(words <= LL_FLOW_LINE_WORDS);
	CHECK(kind == 1 || flags == 0);
	if (kind == 0) {
		CHECK(rec.kind == LL_RULE_ENDPOINT);
		CHECK(!rec.name[0] || !ll_name_check(rec.name, err, sizeof(err)));
		CHECK(!ll_spec_format(&rec, text, sizeof(text)));
		CHECK(!ll_spec_parse(text, &again, err, sizeof(err)));
		CHECK(again.plen == rec.plen && again.nranges == rec.nranges &&
		      !memcmp(again.addr, rec.addr, 16) && again.proto == rec.proto);
	}
	if (kind == 1) {
		CHECK(key.proto == IPPROTO_TCP || key.proto == IPPROTO_UDP);
		/* strict is for TCP only */
		CHECK(!(flags & LL_FLOW_F_STRICT) || key.proto == IPPROTO_TCP);
	}
	return 0;
}
