/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Static system call analysis. It disassembles a program and the libraries
 * it needs, finds every syscall, sysenter and int 0x80 site and recovers the
 * call numbers. Call edges, PLT and GOT slots and pointers in data then map
 * the program's own code and each imported function to the calls they reach.
 */
#ifndef __UNISCOPE_SYSCALL_SITES_H
#define __UNISCOPE_SYSCALL_SITES_H

#include <stddef.h>
#include <jansson.h>

struct syscall_scan_input {
	const char *program;            /* path of the ELF executable analysed */
	const char *const *libraries;   /* resolved paths of every needed library (recursive) */
	size_t library_count;
	const char *const *imports;     /* names of the program's undefined dynamic function symbols */
	size_t import_count;
};

/*
 * Returns a new JSON object with at least "system_calls": { NAME: { "sources": [...] } },
 * or NULL and a message in error. The shape is described in
 * docs/deps-static-syscalls.md.
 *
 * NOTE: not thread-safe, although it analyses new objects on threads of
 * its own (syscall_scan_set_threads()). Analysed objects stay cached in the
 * process in their compact form (functions, edges, sites and names: about
 * 2 MB for glibc 2.36's x86-64 libc.so.6), and on disk unless
 * result_cache_disable() was called. Between scans the least recently used
 * ones are freed beyond 512 MiB.
 */
json_t *syscall_scan(const struct syscall_scan_input *input, char *error, size_t error_size);

/*
 * Sets how many threads analyse the objects of a scan that neither cache
 * contains, and decode the code of a large object: 0 (the default) for one
 * per online CPU, at most 4. Processes that already run side by side set
 * 1, for the caller's thread alone.
 */
void syscall_scan_set_threads(unsigned int threads);

#endif /* __UNISCOPE_SYSCALL_SITES_H */
