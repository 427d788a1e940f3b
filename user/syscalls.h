/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * System call names and numbers of the build architecture, from tables
 * generated out of the kernel's UAPI headers, and strace's classes.
 */
#ifndef __UNISCOPE_SYSCALLS_H
#define __UNISCOPE_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>

enum syscall_table {
	SYSCALL_TABLE_64,	/* native x86-64, also used by x32 */
	SYSCALL_TABLE_32,	/* i386, for int 0x80 and sysenter */
};

/* Returns the name of nr, or NULL when the table has none. */
const char *syscall_name(enum syscall_table table, unsigned int nr);

/* Writes the name of nr, or "syscall_NNN" when it has none, into buf. */
const char *syscall_name_or_number(enum syscall_table table, unsigned int nr, char *buf,
				   size_t size);

/* Returns the number of name, or -1 when the table has no such call. */
int syscall_number(enum syscall_table table, const char *name);

/* Returns the count of numbers in a table (the highest plus one). */
unsigned int syscall_table_size(enum syscall_table table);

/* strace's classes: "file", "network", "process", "memory", "signal", "ipc", "desc". */
bool syscall_in_class(const char *class_name, const char *syscall);

/* Returns whether class_name is one of the classes above. */
bool syscall_class_exists(const char *class_name);

#endif /* __UNISCOPE_SYSCALLS_H */
