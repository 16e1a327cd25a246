/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the parts of lifeline explain share (explain_frame.c, explain_show.c);
 * not an interface: the public one is explain.h.
 */
#ifndef LL_EXPLAIN_INT_H
#define LL_EXPLAIN_INT_H

#include <stddef.h>
#include <linux/types.h>

/* The TCP flags by name, in header bit order: the grammar's and the output's. */
struct ll_tcp_flag_name {
	const char *name;
	__u8 bit;
};

extern const struct ll_tcp_flag_name ll_tcp_flag_names[];
extern const size_t ll_tcp_flag_count;

#endif
