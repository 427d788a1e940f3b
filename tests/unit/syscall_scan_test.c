// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test driver for syscall_scan(): prints the scan of PROGRAM as JSON.
 *
 * Usage: syscall_scan_test PROGRAM [LIBRARY...]
 *
 * Without libraries it finds them itself: DT_NEEDED names, recursively,
 * looked up in DT_RUNPATH/DT_RPATH and the multiarch library folders. The
 * imports are the program's undefined function symbols in .dynsym.
 */
#include <gelf.h>
#include <libelf.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "syscall_sites.h"

#define MAX_OBJECTS 256
#define MAX_IMPORTS 8192

static const char *const library_dirs_64[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/usr/local/lib", "/lib", "/usr/lib",
};
static const char *const library_dirs_32[] = {
	"/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu", "/lib32", "/usr/lib32", "/lib",
	"/usr/lib",
};

struct object_list {
	char *paths[MAX_OBJECTS];
	size_t count;
	char *imports[MAX_IMPORTS];
	size_t import_count;
};

static bool listed(const struct object_list *list, const char *path)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		if (!strcmp(list->paths[i], path))
			return true;
	return false;
}

/* Finds a DT_NEEDED name: first in the object's run paths, then in the system folders. */
static char *find_library(const char *name, const char *runpath, bool is_64)
{
	const char *const *dirs = is_64 ? library_dirs_64 : library_dirs_32;
	size_t count = is_64 ? sizeof(library_dirs_64) / sizeof(*dirs) :
		       sizeof(library_dirs_32) / sizeof(*dirs);
	char path[4096], *copy, *dir, *save = NULL;
	size_t i;

	if (strchr(name, '/'))
		return realpath(name, NULL);
	if (runpath) {
		copy = strdup(runpath);
		for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			if (!access(path, R_OK)) {
				free(copy);
				return realpath(path, NULL);
			}
		}
		free(copy);
	}
	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (!access(path, R_OK))
			return realpath(path, NULL);
	}
	return NULL;
}

static void add_imports(struct object_list *list, Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	GElf_Sym sym;
	Elf_Data *data;
	size_t i;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_DYNSYM || !shdr.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 1; data && i < shdr.sh_size / shdr.sh_entsize; i++) {
			if (!gelf_getsym(data, i, &sym) || sym.st_shndx != SHN_UNDEF ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			if (list->import_count < MAX_IMPORTS)
				list->imports[list->import_count++] =
					strdup(elf_strptr(elf, shdr.sh_link, sym.st_name));
		}
	}
}

/* Adds the libraries path needs, depth first; the program's imports come from the first call. */
static void add_needed(struct object_list *list, const char *path, bool is_program)
{
	const char *needed[256], *runpath = NULL;
	size_t needed_count = 0, i;
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	GElf_Dyn dyn;
	Elf_Data *data;
	bool is_64;
	Elf *elf;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	/* A file that is no ELF object is reported by the scan itself. */
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		goto out;
	is_64 = gelf_getclass(elf) == ELFCLASS64;
	if (is_program)
		add_imports(list, elf);
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_DYNAMIC || !shdr.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; data && i < shdr.sh_size / shdr.sh_entsize; i++) {
			if (!gelf_getdyn(data, i, &dyn))
				continue;
			if (dyn.d_tag == DT_NEEDED && needed_count < 256)
				needed[needed_count++] = elf_strptr(elf, shdr.sh_link, dyn.d_un.d_val);
			else if (dyn.d_tag == DT_RUNPATH || dyn.d_tag == DT_RPATH)
				runpath = elf_strptr(elf, shdr.sh_link, dyn.d_un.d_val);
		}
	}
	for (i = 0; i < needed_count; i++) {
		char *library = needed[i] ? find_library(needed[i], runpath, is_64) : NULL;

		if (!library) {
			p_warn("%s: needed library %s not found", path, needed[i]);
			continue;
		}
		if (listed(list, library) || list->count >= MAX_OBJECTS) {
			free(library);
			continue;
		}
		list->paths[list->count++] = library;
		add_needed(list, library, false);
	}
out:
	elf_end(elf);
	close(fd);
}

int main(int argc, char **argv)
{
	struct object_list list = { 0 };
	struct syscall_scan_input input = { 0 };
	char error[512];
	json_t *report;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGRAM [LIBRARY...]\n", argv[0]);
		return 2;
	}
	if (getenv("SYSCALL_SCAN_DEBUG"))
		log_verbosity = 2;
	elf_version(EV_CURRENT);
	add_needed(&list, argv[1], true);

	input.program = argv[1];
	input.libraries = (const char *const *)list.paths;
	input.library_count = list.count;
	if (argc > 2) {
		input.libraries = (const char *const *)argv + 2;
		input.library_count = argc - 2;
	}
	input.imports = (const char *const *)list.imports;
	input.import_count = list.import_count;
	report = syscall_scan(&input, error, sizeof(error));
	for (i = 0; i < (int)list.count; i++)
		free(list.paths[i]);
	for (i = 0; i < (int)list.import_count; i++)
		free(list.imports[i]);
	if (!report) {
		p_err("%s", error);
		return 1;
	}
	json_dumpf(report, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(report);
	return 0;
}
