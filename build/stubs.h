/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Stubs for symbols a link leaves undefined: parsing of linker errors and
 * generation of a C file with one stub per symbol.
 */
#ifndef __UNISCOPE_STUBS_H
#define __UNISCOPE_STUBS_H

#include <jansson.h>

/*
 * Adds to undefined (an object used as a set) each symbol of an
 * "undefined reference to `NAME'" line of linker output, and to
 * compile_errors (an array, may be NULL) one {"file", "line", "column",
 * "message"} per "FILE:LINE:COL: error: MESSAGE" line.
 */
void stubs_parse_log(const char *log, json_t *undefined, json_t *compile_errors);

/*
 * Writes path atomically: a C file with one stub per symbol of symbols. A
 * stub sets errno to ENOSYS, returns -1 (NULL for pointers, nothing for
 * void) and logs its first call on stderr. A header under one of
 * header_dirs (an array of folder paths) that declares the symbol as a
 * function gives the stub its type, and the file includes that header.
 * Without one, the stub is "long NAME(void)". Fills declared (may be NULL)
 * with symbol -> header used. Returns 0 or -errno.
 */
int stubs_write(const char *path, json_t *symbols, json_t *header_dirs, json_t *declared);

#endif /* __UNISCOPE_STUBS_H */
