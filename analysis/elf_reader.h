/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ELF facts, dynamic entries and symbols of one file, read with libelf.
 * The dynamic part comes from PT_DYNAMIC, as the dynamic loader reads it, so
 * files without section headers give the same needs, symbols and versions.
 */
#ifndef __UNISCOPE_ELF_READER_H
#define __UNISCOPE_ELF_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum elf_file_type {
	ELF_TYPE_EXECUTABLE,	/* ET_EXEC */
	ELF_TYPE_PIE,		/* ET_DYN with PT_INTERP or DF_1_PIE */
	ELF_TYPE_SHARED,	/* ET_DYN otherwise */
	ELF_TYPE_RELOCATABLE,	/* ET_REL */
	ELF_TYPE_CORE,		/* ET_CORE */
	ELF_TYPE_OTHER,
};

struct elf_symbol {
	char *name;
	char *version;		/* version name, or NULL when unversioned */
	char *version_file;	/* for an import: the library its version needs */
	uint64_t value;
	uint64_t size;
	unsigned char type;	/* STT_* */
	unsigned char bind;	/* STB_* */
	bool hidden_version;	/* defined with the hidden bit: "name@VER", not "@@" */
};

/* Source of the symbols read. */
enum elf_symbol_source {
	ELF_SYMBOLS_NONE,
	ELF_SYMBOLS_DYNSYM,		/* the .dynsym section */
	ELF_SYMBOLS_DYNAMIC_SEGMENT,	/* DT_SYMTAB found through PT_DYNAMIC */
	ELF_SYMBOLS_SYMTAB,		/* .symtab of a static file */
};

struct elf_file {
	int elf_class;		/* ELFCLASS32 or ELFCLASS64 */
	bool big_endian;
	uint16_t machine;	/* EM_* */
	uint8_t os_abi;
	enum elf_file_type type;
	uint64_t entry;
	char *interpreter;	/* PT_INTERP, or NULL */
	bool has_dynamic;	/* PT_DYNAMIC present */
	bool is_static;		/* no interpreter and no DT_NEEDED */
	bool stripped;		/* no .symtab */
	bool has_section_headers;
	bool has_versions;	/* DT_VERSYM present */
	uint64_t flags_1;	/* DT_FLAGS_1 */

	char *soname;
	char *rpath;		/* DT_RPATH, or NULL */
	char *runpath;		/* DT_RUNPATH, or NULL */
	char **needed;		/* DT_NEEDED, in file order */
	size_t needed_count;

	enum elf_symbol_source symbol_source;
	struct elf_symbol *imports;	/* undefined global and weak symbols */
	size_t import_count;
	struct elf_symbol *exports;	/* defined global and weak symbols */
	size_t export_count;
};

enum elf_read_flags {
	ELF_READ_SYMBOLS = 1 << 0,	/* also read imports and exports */
};

/*
 * Reads path into file. Returns 0, or -1 with a message naming the file and
 * the cause in error (not an ELF file, truncated, unreadable).
 */
int elf_file_read(const char *path, unsigned int flags, struct elf_file *file,
		  char *error, size_t error_size);

/* Same as elf_file_read() on an image already in memory; name is for messages. */
int elf_file_read_memory(const void *image, size_t size, const char *name,
			 unsigned int flags, struct elf_file *file, char *error,
			 size_t error_size);

void elf_file_free(struct elf_file *file);

/*
 * Sets found[i] when the file at path has a definition in its dynamic
 * symbol table that an unversioned reference to names[i] binds to. By
 * glibc's rules that is a defined global, weak or unique symbol, either
 * unversioned or of the first version, or else the only non-hidden one
 * of a later version. Names are looked up as the dynamic loader does:
 * through DT_GNU_HASH, else DT_HASH, else by a scan of the table. Names
 * whose found[i] is already set are skipped. Returns 0, or -1 with a
 * message naming the file in error.
 */
int elf_file_find_definitions(const char *path, const char *const *names, size_t count,
			      bool *found, char *error, size_t error_size);

/* Same as elf_file_find_definitions() on an image in memory; name is for messages. */
int elf_file_find_definitions_memory(const void *image, size_t size, const char *name,
				     const char *const *names, size_t count, bool *found,
				     char *error, size_t error_size);

/* Returns "executable", "pie", "shared object", ... for a type. */
const char *elf_file_type_name(enum elf_file_type type);

/* Returns "x86-64", "i386", "aarch64", ... or NULL for an unknown EM_* value. */
const char *elf_machine_name(uint16_t machine);

/* Returns ".dynsym", "PT_DYNAMIC", ".symtab" or "none". */
const char *elf_symbol_source_name(enum elf_symbol_source source);

/* Returns whether path starts with the ELF magic bytes; -1 if unreadable. */
int elf_file_has_magic(const char *path);

#endif /* __UNISCOPE_ELF_READER_H */
