/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pool of Unikraft micro-libraries: what each library is called, what it
 * exports, which system calls it implements and what it depends on in Kconfig.
 * A pool is read from a workspace folder, from external library repositories
 * at a git ref, or from pool JSON data, and can be extended with symbol sets
 * read from built archives or text files.
 */
#ifndef __UNISCOPE_POOL_H
#define __UNISCOPE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct pool_lib {
	char *dir;		/* "lib/posix-process", or "lib-musl" for an external one */
	char *make_name;	/* "libposix_process", from addlib/addlib_s in Makefile.uk */
	char *option;		/* "LIBPOSIX_PROCESS" (no CONFIG_), or NULL if always built */
	char *depends_on;	/* Kconfig "depends on" expression, or NULL */
	char *origin;		/* "core", or the external repository it came from */
	char *path;		/* absolute folder on disk, or NULL (JSON data, git blobs) */
	json_t *selects;	/* [{"symbol", "if"}] of the option */
	json_t *implies;	/* same shape */
	json_t *symbols;	/* exported symbols, as an object used as a set */
	json_t *syscalls;	/* provided system call -> Kconfig option that enables it */
	bool has_symbol_data;	/* false: exported symbols unknown (no exportsyms.uk) */
	bool external;		/* lives in UK_LIBS, not in the core */
	bool downloads;		/* fetches upstream sources at build time */
};

struct pool {
	struct pool_lib *libs;
	size_t count;
	size_t capacity;
	json_t *kconfig;	/* Kconfig symbol name -> attributes, see kconfig_parse() */
};

void pool_init(struct pool *pool);
void pool_free(struct pool *pool);

/* Adds a library with the given names; returns it (its sets empty). */
struct pool_lib *pool_add(struct pool *pool, const char *dir, const char *make_name,
			  const char *option, const char *origin);

struct pool_lib *pool_find_by_make_name(struct pool *pool, const char *make_name);

/* Finds the first library built when Kconfig option (no CONFIG_) is set. */
struct pool_lib *pool_find_by_option(struct pool *pool, const char *option);

/*
 * Finds a library by any of its names: directory ("lib/posix-time" or
 * "posix-time"), make library ("libposix_time") or option
 * ("CONFIG_LIBPOSIX_TIME" or "LIBPOSIX_TIME").
 */
struct pool_lib *pool_find(struct pool *pool, const char *name);

/*
 * Loads the pool data at path. It is a pool JSON file (core libraries,
 * provided system calls or external libraries, recognized by their keys),
 * a Unikraft core folder (has lib/ and Config.uk), a folder of external
 * libraries (lib-*), or one external library folder (has Config.uk and
 * Makefile.uk).
 * Returns 0 or -1 after reporting the error.
 */
int pool_load_path(struct pool *pool, const char *path);

int pool_load_json(struct pool *pool, const char *path);

/* Reads a Unikraft core: every library under lib/, drivers/, plat/, arch/. */
int pool_load_core(struct pool *pool, const char *uk_root);

/* Reads one library from the text of its Config.uk, Makefile.uk, exportsyms.uk. */
int pool_load_library_files(struct pool *pool, const char *dir, const char *origin,
			    const char *path, const char *config_uk, const char *makefile_uk,
			    const char *exportsyms_uk);

/*
 * Reads an external library from a git repository (URL or local path) at
 * ref, a branch, tag or commit (NULL: the default branch). There is no work
 * tree. The repository is cloned bare into cache_dir, or fetched there
 * again, and Config.uk, Makefile.uk and exportsyms.uk are read from the
 * ref's tree.
 */
int pool_load_git(struct pool *pool, const char *url, const char *ref, const char *cache_dir);

/*
 * Gives library lib (any of its names) the symbol set in file: an ELF
 * archive or object (its defined global symbols, read with libelf) or a
 * text file with one symbol a line and # comments.
 */
int pool_load_symbols(struct pool *pool, const char *lib, const char *file);

/* Returns the library folder's last path components as a directory name. */
const char *pool_lib_short_dir(const struct pool_lib *lib);

#endif /* __UNISCOPE_POOL_H */
