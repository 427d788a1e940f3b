/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The matcher: from a dependency report and a library pool, the small set of
 * Unikraft libraries that provides what the program needs, closed under
 * Kconfig dependencies, with the reason for each choice.
 */
#ifndef __UNISCOPE_MATCH_H
#define __UNISCOPE_MATCH_H

#include <getopt.h>
#include <jansson.h>

#include "pool.h"

/* Needs of a program: the union of the report's static and dynamic data. */
struct report {
	json_t *symbols;	/* name -> version string ("" if none) */
	json_t *syscalls;	/* name -> "" */
	json_t *shared_libs;	/* soname -> true */
};

int report_load(struct report *report, const char *path);
void report_free(struct report *report);

struct match_options {
	const char *libc;	/* "auto", "nolibc", "musl" or "newlib" */
	const char *platform;	/* Kconfig platform option, "PLAT_KVM" */
	const char *arch;	/* Kconfig architecture option, "ARCH_X86_64" */
};

/*
 * Matches report against pool. Returns the result as JSON (see docs/build.md:
 * "libc", "libraries", "uncovered", "coverage", "shared_libraries",
 * "requested_options"), or NULL after reporting an error.
 */
json_t *match_run(struct pool *pool, const struct report *report,
		  const struct match_options *options);

/* Prints the result for a reader: one line per library, then what is left. */
void match_print(const json_t *result, FILE *out);

/* Parses the pool options shared by match and build (--pool, --git, --symbols). */
struct pool_sources {
	const char *paths[32];
	int npaths;
	const char *git[32];	/* "URL" or "URL@REF" */
	int ngit;
	const char *symbols[32];	/* "LIB=FILE" */
	int nsymbols;
	const char *git_cache;
};

/* Loads every source into pool; returns 0 or -1 after reporting the error. */
int pool_sources_load(const struct pool_sources *sources, struct pool *pool);

/*
 * Long options of match that build accepts too (ends with an all-zero entry)
 * and their parser: returns 1 if opt was one of them, 0 if not, -1 if its
 * value is invalid.
 */
extern const struct option match_pool_options[];
int match_parse_option(int opt, const char *arg, struct pool_sources *sources,
		       struct match_options *options);

/* Returns the default git cache folder ($XDG_CACHE_HOME or ~/.cache)/uniscope/git. */
const char *default_git_cache(char *buf, size_t size);

#endif /* __UNISCOPE_MATCH_H */
