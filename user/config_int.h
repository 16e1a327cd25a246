/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What config.c (the key table, the loader) and config_check.c (the checks
 * once all files are read) share; not for other users, see config.h.
 */
#ifndef LL_CONFIG_INT_H
#define LL_CONFIG_INT_H

#include "config.h"

/* The loader's state: the files read, where each key was set (config.c). */
struct loader;

/*
 * Reports a failed check at the line of key a (of section), or of key b
 * when that was set later (the one most likely just edited); at no line
 * for defaults. Returns -EINVAL.
 */
int cfg_check_fail(struct loader *l, const char *section, const char *a, const char *b,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Checks c once every file is read; may normalise it (pin_path). 0 or -EINVAL. */
int cfg_validate(struct loader *l, struct ll_config *c);

#endif /* LL_CONFIG_INT_H */
