/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The objects a program's imports are looked up in, in the dynamic loader's
 * order: the program, the LD_PRELOAD and /etc/ld.so.preload objects, then
 * the needed libraries breadth first. For a running process the objects are
 * the files it has mapped, read through /proc/PID/map_files. So the symbols
 * and probes are those of the mapped inode, even when the file on disk was
 * replaced since or lives in another mount namespace or a chroot.
 */
#ifndef __UNISCOPE_LOOKUP_SCOPE_H
#define __UNISCOPE_LOOKUP_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "ldso.h"

struct scope_object {
	char *path;		/* as the traced process sees it: the name in the report */
	char *file;		/* the file read and probed: path, or /proc/PID/map_files/START-END */
	char *soname;		/* DT_SONAME, or NULL */
	dev_t dev;		/* of file, as stat() gives it */
	ino_t inode;
	bool program;		/* the main executable */
	bool preload;		/* loaded through LD_PRELOAD or /etc/ld.so.preload */
	bool global;		/* in the global lookup scope; false: loaded later with dlopen */
	bool replaced;		/* path on disk no longer names the mapped file */
};

struct lookup_scope {
	struct scope_object *objects;	/* in lookup order */
	size_t count;
	json_t *preload;	/* {"requested": [names], "not_loaded": [names]} */
};

/*
 * Builds the scope of a program about to be launched with this process's
 * environment: its preloads, then the libraries of the static report, then
 * what the preloads need. Returns 0, or -1 when out of memory.
 */
int lookup_scope_for_launch(const json_t *report, const struct ldso_options *options,
			    struct lookup_scope *scope);

/*
 * Builds the scope of a running process from its executable mappings, its
 * environment (/proc/PID/environ) and the /etc/ld.so.preload under its root
 * directory. Returns 0, or -1 with a message naming the process.
 */
int lookup_scope_for_process(pid_t pid, struct lookup_scope *scope);

/*
 * Finds the file a process has mapped at address: file receives its
 * /proc/PID/map_files path, and path its path inside the process's root.
 * Returns 0, or -errno when the process or the mapping is gone.
 */
int process_mapped_file(pid_t pid, uint64_t address, char *file, size_t file_size,
			char *path, size_t path_size);

/* Returns the object whose file is file (same device and inode), or NULL. */
const struct scope_object *lookup_scope_find(const struct lookup_scope *scope, const char *file);

void lookup_scope_free(struct lookup_scope *scope);

#endif /* __UNISCOPE_LOOKUP_SCOPE_H */
