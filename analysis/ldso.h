/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared library resolution that follows the dynamic loader's rules without
 * running it: glibc's search order (DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH,
 * /etc/ld.so.cache, system directories) or musl's when the interpreter is
 * musl's, with $ORIGIN, $LIB and $PLATFORM expanded.
 */
#ifndef __UNISCOPE_LDSO_H
#define __UNISCOPE_LDSO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "elf_reader.h"

struct ld_cache;

/*
 * Loads and checks an ld.so.cache file, in the old "ld.so-1.7.0" format, the
 * new "glibc-ld.so.cache1.1" one, or both back to back. Returns NULL with a
 * message in error when the file is unreadable or malformed.
 */
struct ld_cache *ld_cache_load(const char *path, char *error, size_t error_size);

/* Same, on a cache image in memory (copied). */
struct ld_cache *ld_cache_parse(const void *image, size_t size, const char *name,
				char *error, size_t error_size);

/*
 * Returns the path the cache gives for a library name and a target
 * (ELFCLASS*, EM_*), or NULL when it has no entry for that target.
 */
const char *ld_cache_lookup(const struct ld_cache *cache, const char *name,
			    int elf_class, uint16_t machine);

void ld_cache_free(struct ld_cache *cache);

/* Place an object was found, in the loader's order of search. */
enum ldso_found_by {
	LDSO_PROGRAM,		/* the program itself */
	LDSO_INTERPRETER,	/* PT_INTERP */
	LDSO_PATH_NAME,		/* the name contains a slash */
	LDSO_RPATH,
	LDSO_LIBRARY_PATH,	/* LD_LIBRARY_PATH */
	LDSO_RUNPATH,
	LDSO_CACHE,
	LDSO_DEFAULT_DIRS,
	LDSO_NOT_FOUND,
};

struct ldso_object {
	char *name;		/* the DT_NEEDED name, or the program's path */
	char *path;		/* the file found, or NULL when not found */
	enum ldso_found_by found_by;
	struct elf_file elf;	/* dynamic facts; empty when not found */
	size_t loader;		/* index of the object whose need loaded this one */
	size_t *needs;		/* index of the object each DT_NEEDED resolved to */
	size_t need_count;
	dev_t dev;
	ino_t ino;
};

struct ldso_graph {
	struct ldso_object *objects;	/* [0] is the program, then load order */
	size_t count;
	size_t capacity;
	bool musl;			/* resolved with musl's rules */
};

struct ldso_options {
	const struct ld_cache *cache;	/* NULL: no cache, as if it were missing */
	const char *library_path;	/* LD_LIBRARY_PATH to honour, or NULL */
	const char *musl_path_file;	/* musl's /etc/ld-musl-ARCH.path; NULL: derived */
};

/*
 * Resolves the needs of program (read from program_path) breadth first, as
 * the loader loads them. A library that is not found becomes an object with
 * found_by LDSO_NOT_FOUND rather than an error. Returns 0, or -1 with a
 * message in error when out of memory.
 */
int ldso_resolve(const char *program_path, const struct elf_file *program,
		 const struct ldso_options *options, struct ldso_graph *graph,
		 char *error, size_t error_size);

void ldso_graph_free(struct ldso_graph *graph);

/* Returns "rpath", "runpath", "ld.so.cache", ... for found_by. */
const char *ldso_found_by_name(enum ldso_found_by found_by);

#endif /* __UNISCOPE_LDSO_H */
