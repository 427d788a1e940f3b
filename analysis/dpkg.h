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
 * Reads ADMIN_DIR/status and every ADMIN_DIR/info/ *.list file (ADMIN_DIR is
 * normally /var/lib/dpkg). Returns NULL with a message in error when the
 * status file is missing or unreadable.
 */
struct dpkg_db *dpkg_db_open(const char *admin_dir, char *error, size_t error_size);

void dpkg_db_free(struct dpkg_db *db);

/*
 * Returns the package that owns path, or NULL. The path is tried as given,
 * with symbolic links resolved, and with the merged-/usr aliases of both
 * (/bin and /usr/bin, /lib and /usr/lib, ...), because lists record the
 * names packages shipped.
 */
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

/* Returns the number of installed packages and of files listed. */
size_t dpkg_package_count(const struct dpkg_db *db);
size_t dpkg_file_count(const struct dpkg_db *db);

#endif /* __UNISCOPE_DPKG_H */
