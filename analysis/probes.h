/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where library-call uprobes go: for each function a program imports, the
 * file offset of its definition in the library that provides it, with the
 * version the program asks for, and for an IFUNC the implementation that
 * runs on this machine.
 */
#ifndef __UNISCOPE_PROBES_H
#define __UNISCOPE_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "lookup_scope.h"

struct probe_target {
	char *symbol;		/* as imported: "memcpy" */
	char *version;		/* "GLIBC_2.14", or NULL */
	char *library;		/* the file probed: a path, or /proc/PID/map_files/START-END */
	char *path;		/* the library's path as the traced process sees it */
	char *interposes;	/* for a preloaded definition: the library it hides, or NULL */
	bool preload;		/* defined in an LD_PRELOAD or /etc/ld.so.preload object */
	uint64_t offset;	/* file offset of the first instruction */
	/*
	 * File offset of a uprobe-multi probe: offset, or a later instruction
	 * of the entry block that the kernel emulates instead of single-stepping,
	 * with stack_slots 8-byte pushes between the two.
	 */
	uint64_t probe_offset;
	uint32_t stack_slots;
	bool ifunc;		/* resolved from an IFUNC to its implementation */
	bool imported;		/* imported by the program; false for --all-libs and dlopen */
};

struct probe_plan {
	struct probe_target *targets;
	size_t count;
	json_t *unresolved;	/* [{symbol, version, library, reason}] */
};

/*
 * Plans a probe for every function import of the static report, in the
 * first object of scope that defines it, as the dynamic loader binds it.
 * With all_exports, adds every exported function of every library in
 * scope. Returns 0 or -1 (out of memory).
 */
int probe_plan_from_report(const json_t *report, const struct lookup_scope *scope,
			   bool all_exports, struct probe_plan *plan);

/*
 * Adds every exported function of a library (one mapped at run time), read
 * from file and reported under path. Returns the count.
 */
int probe_plan_add_library(struct probe_plan *plan, const char *file, const char *path);

/* Adds one function of a library by name, in its default version. Returns 0 or -1. */
int probe_plan_add_symbol(struct probe_plan *plan, const struct scope_object *library,
			  const char *name);

void probe_plan_free(struct probe_plan *plan);

/* Converts a virtual address of an ELF file to a file offset, from its PT_LOAD headers. */
int elf_vaddr_to_offset(const char *path, uint64_t vaddr, uint64_t *offset);

#endif /* __UNISCOPE_PROBES_H */
