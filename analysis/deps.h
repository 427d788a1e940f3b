/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Static dependency analysis of one program: ELF facts, imported and
 * exported symbols, the shared library graph as the loader resolves it,
 * Debian packages, and the system calls the static scan finds. The result
 * is a JSON report whose "static_data" object keeps the layout the UNICORE
 * tools wrote.
 */
#ifndef __UNISCOPE_DEPS_H
#define __UNISCOPE_DEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

struct ld_cache;
struct dpkg_db;

struct static_options {
	const char *library_path;	/* LD_LIBRARY_PATH to honour, or NULL */
	const char *cache_file;		/* ld.so.cache to read */
	const char *dpkg_dir;		/* dpkg's admin directory */
	bool packages;			/* look up Debian packages */
	bool syscalls;			/* run the static system call scan */
	bool no_cache;			/* neither read nor write the on-disk analysis cache */
};

/* Databases read once and shared by every program analysed. */
struct static_context {
	struct ld_cache *cache;		/* NULL when the cache file is missing */
	struct dpkg_db *dpkg;		/* NULL without --packages */
};

/* Reads the loader cache and the dpkg database. Returns 0 or -1 (reported). */
int static_context_open(struct static_context *context, const struct static_options *options);

void static_context_close(struct static_context *context);

/*
 * Finds the file to analyse for what a user typed: a path, or a name looked
 * up on PATH like a shell does. A "#!" script is followed to its interpreter
 * (through /usr/bin/env too); script then receives a JSON object describing
 * the script, else stays NULL. Returns a new path, or NULL with a message.
 */
char *resolve_program(const char *requested, json_t **script, char *error, size_t error_size);

/*
 * Analyses requested (a path or a name on PATH) and returns the report, or
 * NULL with a message naming the program and the cause in error.
 */
json_t *static_analysis(const char *requested, const struct static_options *options,
			const struct static_context *context, char *error, size_t error_size);

/* Prints the terminal summary of a report. */
void print_static_summary(const json_t *report, FILE *out);

#endif /* __UNISCOPE_DEPS_H */
