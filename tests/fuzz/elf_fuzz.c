// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer entry point: every input is read as an ELF file (with symbols,
 * so the PT_DYNAMIC path, hash tables and version records all run), has
 * names looked up through its symbol hash tables, and is read as an
 * ld.so.cache image.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <elf.h>

#include "elf_reader.h"
#include "ldso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_as_elf(const uint8_t *data, size_t size)
{
	struct elf_file file;
	char error[256];

	if (elf_file_read_memory(data, size, "input", ELF_READ_SYMBOLS, &file, error,
				 sizeof(error)))
		return;
	elf_file_free(&file);
}

static void look_up_symbols(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "malloc", "printf", "_ITM_registerTMCloneTable" };
	bool found[3] = { false };
	char error[256];

	elf_file_find_definitions_memory(data, size, "input", names, 3, found, error,
					 sizeof(error));
}

static void read_as_cache(const uint8_t *data, size_t size)
{
	struct ld_cache *cache;
	char error[256];

	cache = ld_cache_parse(data, size, "input", error, sizeof(error));
	if (!cache)
		return;
	ld_cache_lookup(cache, "libc.so.6", ELFCLASS64, EM_X86_64);
	ld_cache_lookup(cache, "libc.so.6", ELFCLASS32, EM_386);
	ld_cache_free(cache);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_as_elf(data, size);
	look_up_symbols(data, size);
	read_as_cache(data, size);
	return 0;
}
