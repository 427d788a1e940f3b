/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Debian package facts read straight from dpkg's database: which package
 * owns a file (info/PACKAGE.list) and what installed packages depend on
 * (the Depends and Pre-Depends fields of the status file).
 */
#ifndef __UNISCOPE_DPKG_H
#define __UNISCOPE_DPKG_H

#include <stddef.h>
#include <jansson.h>

struct dpkg_db;

/*
 * Reads ADMIN_DIR/status (ADMIN_DIR is normally /var/lib/dpkg) and finds the
 * ADMIN_DIR/info/ *.list files. Returns NULL with a message in error when
 * the status file is missing or unreadable.
 */
struct dpkg_db *dpkg_db_open(const char *admin_dir, char *error, size_t error_size);

void dpkg_db_free(struct dpkg_db *db);

/*
 * Reads every file list into a hash index, so that later lookups cost no
 * file reads: worth it before many lookups. Returns 0, or -1 when out of
 * memory.
 */
int dpkg_db_index_files(struct dpkg_db *db);

/*
 * Stores in owners[i] the package that owns paths[i], or NULL (paths[i]
 * may be NULL). Each path is tried as given, with its merged-/usr alias
 * (/bin and /usr/bin, /lib and /usr/lib, ...), then the same with symbolic
 * links resolved, because lists record the names packages shipped. Without
 * an index, one pass over the lists serves all paths. Returns 0, or -1 when
 * out of memory (owners are then NULL).
 */
int dpkg_owners(const struct dpkg_db *db, const char *const *paths, size_t count,
		const char **owners);

/* Same as dpkg_owners() for one path. */
const char *dpkg_owner(const struct dpkg_db *db, const char *path);

/*
 * Adds package and, recursively, every installed package it depends on to
 * dependencies ({ PACKAGE: [ "dep", "alt1 | alt2", ... ] }, names only) and
 * to details ({ PACKAGE: { "version", "depends", "pre_depends" } } with the
 * version constraints as dpkg records them). Returns 0, or -1 when out of
 * memory.
 */
int dpkg_add_dependencies(const struct dpkg_db *db, const char *package,
			  json_t *dependencies, json_t *details);

#endif /* __UNISCOPE_DPKG_H */
