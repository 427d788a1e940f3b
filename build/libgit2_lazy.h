/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libgit2, opened with dlopen() on first use (user/lazy_library.h), so that
 * libssh2, libcrypto and Kerberos load only with it. Its functions keep the
 * names and prototypes of <git2.h>.
 */
#ifndef __UNISCOPE_LIBGIT2_LAZY_H
#define __UNISCOPE_LIBGIT2_LAZY_H

/* Loads libgit2 if needed. Returns 0, or -1 with libgit2_load_error() set. */
int libgit2_load(void);

/* Why libgit2 cannot be loaded: the library, dlerror()'s text and the fix. */
const char *libgit2_load_error(void);

#endif /* __UNISCOPE_LIBGIT2_LAZY_H */
