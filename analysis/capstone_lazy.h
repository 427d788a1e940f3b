/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * capstone, opened with dlopen() on first use (user/lazy_library.h). Its
 * functions keep the names and prototypes of <capstone/capstone.h>.
 */
#ifndef __UNISCOPE_CAPSTONE_LAZY_H
#define __UNISCOPE_CAPSTONE_LAZY_H

/* Loads capstone if needed. Returns 0, or -1 with capstone_load_error() set. */
int capstone_load(void);

/* Why capstone cannot be loaded: the library, dlerror()'s text and the fix. */
const char *capstone_load_error(void);

#endif /* __UNISCOPE_CAPSTONE_LAZY_H */
