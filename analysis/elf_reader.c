// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reads an ELF file the way the dynamic loader does: program headers first,
 * the dynamic table through PT_DYNAMIC, and sections only where they add
 * something (.dynsym's exact size, .symtab of a static file).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_reader.h"

/* Upper bounds that keep a corrupt file from asking for huge allocations. */
#define MAX_DYNAMIC_ENTRIES	65536
#define MAX_SYMBOLS		(1u << 22)
#define MAX_VERSION_INDEX	0x7fff
#define MAX_VERSION_RECORDS	4096

#ifndef DF_1_PIE
#define DF_1_PIE 0x08000000
#endif

struct reader {
	Elf *elf;
	const char *name;
	unsigned int flags;
	struct elf_file *file;
	char *error;
	size_t error_size;

	GElf_Phdr *phdrs;
	size_t phdr_count;

	/* Values of the dynamic entries that locate the tables. */
	uint64_t strtab, strsz, symtab, syment, hash, gnu_hash;
	uint64_t versym, verneed, verneednum, verdef, verdefnum;
	const char *dynstr;
	size_t dynstr_size;
};

/* The tables symbols are decoded from, found through sections or segments. */
struct symbol_view {
	Elf_Data *symbols;
	size_t count;
	const char *strings;
	size_t strings_size;
	Elf_Data *versym;
	Elf_Data *verneed;
	size_t verneed_count;
	Elf_Data *verdef;
	size_t verdef_count;
	const char *version_strings;	/* strings that version records point into */
	size_t version_strings_size;
};

struct version_names {
	const char *name[MAX_VERSION_INDEX + 1];
	const char *file[MAX_VERSION_INDEX + 1];
};

static int fail(struct reader *reader, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct reader *reader, const char *fmt, ...)
{
	int len;
	va_list ap;

	len = snprintf(reader->error, reader->error_size, "'%s': ", reader->name);
	if (len < 0 || (size_t)len >= reader->error_size)
		return -1;
	va_start(ap, fmt);
	vsnprintf(reader->error + len, reader->error_size - len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Returns the string at offset, or NULL when it is out of bounds or unterminated. */
static const char *string_at(const char *strings, size_t size, uint64_t offset)
{
	if (!strings || offset >= size)
		return NULL;
	if (!memchr(strings + offset, '\0', size - offset))
		return NULL;
	return strings + offset;
}

/*
 * Translates a virtual address into a file offset through the PT_LOAD
 * segments, and stores in available the file bytes from there to the end of
 * the segment. Returns 0, or -1 when no segment maps the address.
 */
static int vaddr_to_offset(const struct reader *reader, uint64_t vaddr,
			   uint64_t *offset, uint64_t *available)
{
	size_t i;

	for (i = 0; i < reader->phdr_count; i++) {
		const GElf_Phdr *phdr = &reader->phdrs[i];

		if (phdr->p_type != PT_LOAD)
			continue;
		if (vaddr < phdr->p_vaddr || vaddr - phdr->p_vaddr >= phdr->p_filesz)
			continue;
		*offset = phdr->p_offset + (vaddr - phdr->p_vaddr);
		*available = phdr->p_filesz - (vaddr - phdr->p_vaddr);
		return 0;
	}
	return -1;
}

/* Returns size bytes at vaddr translated to type, or NULL if not in the file. */
static Elf_Data *chunk_at_vaddr(const struct reader *reader, uint64_t vaddr,
				uint64_t size, Elf_Type type)
{
	uint64_t offset, available;

	if (!size || vaddr_to_offset(reader, vaddr, &offset, &available))
		return NULL;
	if (size > available || offset > INT64_MAX)
		return NULL;
	return elf_getdata_rawchunk(reader->elf, (int64_t)offset, size, type);
}

/* Returns the bytes available in the file from vaddr to its segment's end. */
static uint64_t bytes_after_vaddr(const struct reader *reader, uint64_t vaddr)
{
	uint64_t offset, available;

	if (vaddr_to_offset(reader, vaddr, &offset, &available))
		return 0;
	return available;
}

static char *copy_string(const char *text)
{
	return text ? strdup(text) : NULL;
}

static int read_program_headers(struct reader *reader)
{
	struct elf_file *file = reader->file;
	size_t i;

	if (elf_getphdrnum(reader->elf, &reader->phdr_count))
		return fail(reader, "cannot read the program headers: %s", elf_errmsg(-1));
	if (!reader->phdr_count)
		return 0;

	reader->phdrs = calloc(reader->phdr_count, sizeof(*reader->phdrs));
	if (!reader->phdrs)
		return fail(reader, "out of memory");

	for (i = 0; i < reader->phdr_count; i++) {
		GElf_Phdr *phdr = &reader->phdrs[i];
		Elf_Data *data;

		if (!gelf_getphdr(reader->elf, i, phdr))
			return fail(reader, "program header %zu is truncated: %s", i,
				    elf_errmsg(-1));
		if (phdr->p_type == PT_DYNAMIC)
			file->has_dynamic = true;
		if (phdr->p_type != PT_INTERP || file->interpreter || !phdr->p_filesz)
			continue;

		data = elf_getdata_rawchunk(reader->elf, phdr->p_offset, phdr->p_filesz,
					    ELF_T_BYTE);
		if (!data)
			return fail(reader, "PT_INTERP lies past the end of the file: %s",
				    elf_errmsg(-1));
		file->interpreter = strndup(data->d_buf, data->d_size);
	}
	return 0;
}

static Elf_Data *dynamic_table(struct reader *reader, size_t *count)
{
	size_t entry_size = gelf_fsize(reader->elf, ELF_T_DYN, 1, EV_CURRENT);
	size_t i;

	for (i = 0; i < reader->phdr_count; i++) {
		const GElf_Phdr *phdr = &reader->phdrs[i];
		Elf_Data *data;

		if (phdr->p_type != PT_DYNAMIC || !phdr->p_filesz)
			continue;
		data = elf_getdata_rawchunk(reader->elf, phdr->p_offset, phdr->p_filesz,
					    ELF_T_DYN);
		if (!data || !entry_size)
			return NULL;
		*count = data->d_size / entry_size;
		if (*count > MAX_DYNAMIC_ENTRIES)
			*count = MAX_DYNAMIC_ENTRIES;
		return data;
	}
	return NULL;
}

static void record_table_address(struct reader *reader, const GElf_Dyn *dyn)
{
	switch (dyn->d_tag) {
	case DT_STRTAB: reader->strtab = dyn->d_un.d_ptr; break;
	case DT_STRSZ: reader->strsz = dyn->d_un.d_val; break;
	case DT_SYMTAB: reader->symtab = dyn->d_un.d_ptr; break;
	case DT_SYMENT: reader->syment = dyn->d_un.d_val; break;
	case DT_HASH: reader->hash = dyn->d_un.d_ptr; break;
	case DT_GNU_HASH: reader->gnu_hash = dyn->d_un.d_ptr; break;
	case DT_VERSYM: reader->versym = dyn->d_un.d_ptr; break;
	case DT_VERNEED: reader->verneed = dyn->d_un.d_ptr; break;
	case DT_VERNEEDNUM: reader->verneednum = dyn->d_un.d_val; break;
	case DT_VERDEF: reader->verdef = dyn->d_un.d_ptr; break;
	case DT_VERDEFNUM: reader->verdefnum = dyn->d_un.d_val; break;
	case DT_FLAGS_1: reader->file->flags_1 = dyn->d_un.d_val; break;
	default: break;
	}
}

static int append_needed(struct elf_file *file, const char *name)
{
	char **grown = realloc(file->needed, (file->needed_count + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	file->needed = grown;
	file->needed[file->needed_count] = strdup(name);
	if (!file->needed[file->needed_count])
		return -1;
	file->needed_count++;
	return 0;
}

/* Stores the string-valued entries once DT_STRTAB is known. */
static int record_string_entry(struct reader *reader, const GElf_Dyn *dyn)
{
	struct elf_file *file = reader->file;
	const char *value;

	if (dyn->d_tag != DT_NEEDED && dyn->d_tag != DT_SONAME &&
	    dyn->d_tag != DT_RPATH && dyn->d_tag != DT_RUNPATH)
		return 0;

	value = string_at(reader->dynstr, reader->dynstr_size, dyn->d_un.d_val);
	if (!value)
		return fail(reader, "dynamic entry %lld points outside the string table",
			    (long long)dyn->d_tag);

	switch (dyn->d_tag) {
	case DT_NEEDED:
		if (append_needed(file, value))
			return fail(reader, "out of memory");
		break;
	case DT_SONAME:
		free(file->soname);
		file->soname = strdup(value);
		break;
	case DT_RPATH:
		free(file->rpath);
		file->rpath = strdup(value);
		break;
	case DT_RUNPATH:
		free(file->runpath);
		file->runpath = strdup(value);
		break;
	}
	return 0;
}

static int read_dynamic(struct reader *reader)
{
	Elf_Data *data;
	GElf_Dyn dyn;
	size_t count = 0, i;

	if (!reader->file->has_dynamic)
		return 0;
	data = dynamic_table(reader, &count);
	if (!data)
		return fail(reader, "PT_DYNAMIC lies past the end of the file (truncated?)");

	for (i = 0; i < count && gelf_getdyn(data, i, &dyn); i++) {
		if (dyn.d_tag == DT_NULL)
			break;
		record_table_address(reader, &dyn);
	}
	reader->file->has_versions = reader->versym != 0;

	if (reader->strtab) {
		Elf_Data *strings = chunk_at_vaddr(reader, reader->strtab, reader->strsz,
						   ELF_T_BYTE);

		if (!strings)
			return fail(reader, "DT_STRTAB at 0x%llx lies outside the file (truncated?)",
				    (unsigned long long)reader->strtab);
		reader->dynstr = strings->d_buf;
		reader->dynstr_size = strings->d_size;
	}

	for (i = 0; i < count && gelf_getdyn(data, i, &dyn); i++) {
		if (dyn.d_tag == DT_NULL)
			break;
		if (!reader->dynstr)
			continue;
		if (record_string_entry(reader, &dyn))
			return -1;
	}
	return 0;
}

/* Returns the symbol count that DT_HASH's nchain gives. */
static size_t count_from_hash(const struct reader *reader)
{
	Elf_Data *header = chunk_at_vaddr(reader, reader->hash, 8, ELF_T_WORD);

	if (!header)
		return 0;
	return ((const uint32_t *)header->d_buf)[1];
}

/*
 * Returns one past the highest symbol index that DT_GNU_HASH reaches: the
 * largest bucket start, then along its chain to the entry with bit 0 set.
 */
static size_t count_from_gnu_hash(const struct reader *reader)
{
	uint64_t word_size = reader->file->elf_class == ELFCLASS64 ? 8 : 4;
	uint64_t buckets_at, chain_at, available;
	uint32_t nbuckets, symoffset, bloom_size, last = 0, i;
	const uint32_t *words;
	Elf_Data *data;

	data = chunk_at_vaddr(reader, reader->gnu_hash, 16, ELF_T_WORD);
	if (!data)
		return 0;
	words = data->d_buf;
	nbuckets = words[0];
	symoffset = words[1];
	bloom_size = words[2];

	buckets_at = reader->gnu_hash + 16 + (uint64_t)bloom_size * word_size;
	data = chunk_at_vaddr(reader, buckets_at, (uint64_t)nbuckets * 4, ELF_T_WORD);
	if (!data)
		return 0;
	words = data->d_buf;
	for (i = 0; i < nbuckets; i++)
		if (words[i] > last)
			last = words[i];
	if (last < symoffset)
		return symoffset;

	chain_at = buckets_at + (uint64_t)nbuckets * 4;
	available = bytes_after_vaddr(reader, chain_at) / 4;
	if (available <= last - symoffset)
		return 0;
	data = chunk_at_vaddr(reader, chain_at, available * 4, ELF_T_WORD);
	if (!data)
		return 0;
	words = data->d_buf;
	for (i = last - symoffset; i < available; i++)
		if (words[i] & 1)
			return (size_t)symoffset + i + 1;
	return 0;
}

/* Finds the dynamic symbol count as the loader would: from a hash table. */
static size_t dynamic_symbol_count(const struct reader *reader, size_t entry_size)
{
	size_t count = 0;

	if (reader->gnu_hash)
		count = count_from_gnu_hash(reader);
	if (!count && reader->hash)
		count = count_from_hash(reader);
	/* Without a hash table, linkers place .dynstr right after .dynsym. */
	if (!count && reader->strtab > reader->symtab)
		count = (reader->strtab - reader->symtab) / entry_size;
	if (count > MAX_SYMBOLS)
		count = MAX_SYMBOLS;
	return count;
}

/* Fills view from the tables that PT_DYNAMIC points to. */
static int view_from_segments(struct reader *reader, struct symbol_view *view)
{
	size_t entry_size = gelf_fsize(reader->elf, ELF_T_SYM, 1, EV_CURRENT);
	uint64_t available;

	if (!reader->symtab || !reader->dynstr || !entry_size)
		return 0;

	view->count = dynamic_symbol_count(reader, entry_size);
	available = bytes_after_vaddr(reader, reader->symtab) / entry_size;
	if (view->count > available)
		view->count = available;
	if (!view->count)
		return 0;
	view->symbols = chunk_at_vaddr(reader, reader->symtab, view->count * entry_size,
				       ELF_T_SYM);
	if (!view->symbols)
		return fail(reader, "DT_SYMTAB lies outside the file: %s", elf_errmsg(-1));

	view->strings = reader->dynstr;
	view->strings_size = reader->dynstr_size;
	view->version_strings = reader->dynstr;
	view->version_strings_size = reader->dynstr_size;
	if (reader->versym)
		view->versym = chunk_at_vaddr(reader, reader->versym, view->count * 2,
					      ELF_T_HALF);
	if (reader->verneed) {
		available = bytes_after_vaddr(reader, reader->verneed);
		view->verneed = chunk_at_vaddr(reader, reader->verneed, available,
					       ELF_T_VNEED);
		view->verneed_count = reader->verneednum;
	}
	if (reader->verdef) {
		available = bytes_after_vaddr(reader, reader->verdef);
		view->verdef = chunk_at_vaddr(reader, reader->verdef, available,
					      ELF_T_VDEF);
		view->verdef_count = reader->verdefnum;
	}
	return 0;
}

static Elf_Data *section_data(Elf_Scn *section, GElf_Shdr *header)
{
	if (!gelf_getshdr(section, header) || header->sh_type == SHT_NOBITS)
		return NULL;
	return elf_getdata(section, NULL);
}

/* Returns the data of the string table that section header links to. */
static Elf_Data *linked_strings(struct reader *reader, const GElf_Shdr *header)
{
	GElf_Shdr link_header;
	Elf_Scn *link = elf_getscn(reader->elf, header->sh_link);

	return link ? section_data(link, &link_header) : NULL;
}

static void fill_view(struct reader *reader, struct symbol_view *view,
		      const GElf_Shdr *header, Elf_Data *data)
{
	Elf_Data *strings = linked_strings(reader, header);
	size_t entry_size = gelf_fsize(reader->elf, ELF_T_SYM, 1, EV_CURRENT);

	view->symbols = data;
	view->count = entry_size ? data->d_size / entry_size : 0;
	if (view->count > MAX_SYMBOLS)
		view->count = MAX_SYMBOLS;
	if (strings) {
		view->strings = strings->d_buf;
		view->strings_size = strings->d_size;
	}
}

static void fill_version_section(struct reader *reader, struct symbol_view *view,
				 const GElf_Shdr *header, Elf_Data *data)
{
	Elf_Data *strings = linked_strings(reader, header);

	if (header->sh_type == SHT_GNU_versym) {
		view->versym = data;
		return;
	}
	if (header->sh_type == SHT_GNU_verneed) {
		view->verneed = data;
		view->verneed_count = header->sh_info;
	} else {
		view->verdef = data;
		view->verdef_count = header->sh_info;
	}
	if (strings) {
		view->version_strings = strings->d_buf;
		view->version_strings_size = strings->d_size;
	}
}

/*
 * Walks the section headers: records whether .symtab exists and fills the
 * .dynsym view (dynamic) and the .symtab view (symtab) when present.
 */
static int scan_sections(struct reader *reader, struct symbol_view *dynamic,
			 struct symbol_view *symtab)
{
	Elf_Scn *section = NULL;
	size_t count = 0;

	if (elf_getshdrnum(reader->elf, &count))
		count = 0;
	reader->file->has_section_headers = count > 0;
	reader->file->stripped = true;

	while ((section = elf_nextscn(reader->elf, section))) {
		GElf_Shdr header;
		Elf_Data *data = section_data(section, &header);

		if (!data || !data->d_buf)
			continue;
		switch (header.sh_type) {
		case SHT_SYMTAB:
			reader->file->stripped = false;
			fill_view(reader, symtab, &header, data);
			break;
		case SHT_DYNSYM:
			fill_view(reader, dynamic, &header, data);
			break;
		case SHT_GNU_versym:
		case SHT_GNU_verneed:
		case SHT_GNU_verdef:
			fill_version_section(reader, dynamic, &header, data);
			break;
		}
	}
	return 0;
}

static void name_needed_versions(const struct symbol_view *view,
				 struct version_names *names)
{
	size_t offset = 0, i, j, aux_offset;
	GElf_Verneed need;
	GElf_Vernaux aux;

	for (i = 0; i < view->verneed_count && i < MAX_VERSION_RECORDS; i++) {
		const char *file;

		if (!gelf_getverneed(view->verneed, offset, &need))
			return;
		file = string_at(view->version_strings, view->version_strings_size,
				 need.vn_file);
		aux_offset = offset + need.vn_aux;
		for (j = 0; j < need.vn_cnt && j < MAX_VERSION_RECORDS; j++) {
			unsigned int index;

			if (!gelf_getvernaux(view->verneed, aux_offset, &aux))
				break;
			index = aux.vna_other & MAX_VERSION_INDEX;
			names->name[index] = string_at(view->version_strings,
						       view->version_strings_size,
						       aux.vna_name);
			names->file[index] = file;
			if (!aux.vna_next)
				break;
			aux_offset += aux.vna_next;
		}
		if (!need.vn_next)
			return;
		offset += need.vn_next;
	}
}

static void name_defined_versions(const struct symbol_view *view,
				  struct version_names *names)
{
	size_t offset = 0, i;
	GElf_Verdef def;
	GElf_Verdaux aux;

	for (i = 0; i < view->verdef_count && i < MAX_VERSION_RECORDS; i++) {
		if (!gelf_getverdef(view->verdef, offset, &def))
			return;
		if (gelf_getverdaux(view->verdef, offset + def.vd_aux, &aux))
			names->name[def.vd_ndx & MAX_VERSION_INDEX] =
				string_at(view->version_strings,
					  view->version_strings_size, aux.vda_name);
		if (!def.vd_next)
			return;
		offset += def.vd_next;
	}
}

static int append_symbol(struct elf_symbol **list, size_t *count,
			 const struct elf_symbol *symbol)
{
	struct elf_symbol *grown;

	/* The capacity doubles, so the array is full when count is 0 or a power of two. */
	if (!(*count & (*count - 1))) {
		size_t capacity = *count ? *count * 2 : 1;

		grown = realloc(*list, capacity * sizeof(*grown));
		if (!grown)
			return -1;
		*list = grown;
	}
	(*list)[(*count)++] = *symbol;
	return 0;
}

static bool is_wanted_binding(unsigned char bind)
{
	return bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE;
}

/* Static files: keep defined functions, objects and thread-local variables. */
static bool is_wanted_symtab_type(unsigned char type)
{
	return type == STT_FUNC || type == STT_OBJECT || type == STT_GNU_IFUNC ||
	       type == STT_TLS;
}

static void attach_version(const struct symbol_view *view, const struct version_names *names,
			   size_t index, struct elf_symbol *symbol)
{
	GElf_Versym versym;
	unsigned int version;

	if (!view->versym || !gelf_getversym(view->versym, index, &versym))
		return;
	version = versym & MAX_VERSION_INDEX;
	if (version <= 1)	/* VER_NDX_LOCAL, VER_NDX_GLOBAL */
		return;
	symbol->version = copy_string(names->name[version]);
	symbol->version_file = copy_string(names->file[version]);
	symbol->hidden_version = versym & 0x8000;
}

static int decode_symbol(struct reader *reader, const struct symbol_view *view,
			 const struct version_names *names, size_t index, bool dynamic)
{
	struct elf_file *file = reader->file;
	struct elf_symbol symbol = { 0 };
	const char *name;
	GElf_Sym sym;
	bool defined;

	if (!gelf_getsym(view->symbols, index, &sym))
		return 0;
	name = string_at(view->strings, view->strings_size, sym.st_name);
	symbol.bind = GELF_ST_BIND(sym.st_info);
	symbol.type = GELF_ST_TYPE(sym.st_info);
	if (!name || !*name || !is_wanted_binding(symbol.bind))
		return 0;
	defined = sym.st_shndx != SHN_UNDEF;
	if (!dynamic && (!defined || !is_wanted_symtab_type(symbol.type) ||
			 GELF_ST_VISIBILITY(sym.st_other) == STV_HIDDEN))
		return 0;

	symbol.name = strdup(name);
	symbol.value = sym.st_value;
	symbol.size = sym.st_size;
	if (dynamic)
		attach_version(view, names, index, &symbol);

	if (defined)
		return append_symbol(&file->exports, &file->export_count, &symbol);
	return append_symbol(&file->imports, &file->import_count, &symbol);
}

static int decode_symbols(struct reader *reader, const struct symbol_view *view,
			  bool dynamic)
{
	struct version_names *names;
	size_t i;

	names = calloc(1, sizeof(*names));
	if (!names)
		return fail(reader, "out of memory");
	if (dynamic && view->verneed)
		name_needed_versions(view, names);
	if (dynamic && view->verdef)
		name_defined_versions(view, names);

	/* Index 0 is the reserved null symbol. */
	for (i = 1; i < view->count; i++) {
		if (decode_symbol(reader, view, names, i, dynamic)) {
			free(names);
			return fail(reader, "out of memory");
		}
	}
	free(names);
	return 0;
}

static int read_symbols(struct reader *reader)
{
	struct symbol_view dynamic = { 0 }, symtab = { 0 };
	struct elf_file *file = reader->file;

	scan_sections(reader, &dynamic, &symtab);
	if (!(reader->flags & ELF_READ_SYMBOLS))
		return 0;

	if (dynamic.symbols && dynamic.strings) {
		file->symbol_source = ELF_SYMBOLS_DYNSYM;
		return decode_symbols(reader, &dynamic, true);
	}
	if (file->has_dynamic && reader->symtab) {
		memset(&dynamic, 0, sizeof(dynamic));
		if (view_from_segments(reader, &dynamic))
			return -1;
		file->symbol_source = ELF_SYMBOLS_DYNAMIC_SEGMENT;
		return decode_symbols(reader, &dynamic, true);
	}
	if (symtab.symbols && symtab.strings) {
		file->symbol_source = ELF_SYMBOLS_SYMTAB;
		return decode_symbols(reader, &symtab, false);
	}
	return 0;
}

static enum elf_file_type classify(const GElf_Ehdr *ehdr, const struct elf_file *file)
{
	switch (ehdr->e_type) {
	case ET_EXEC:
		return ELF_TYPE_EXECUTABLE;
	case ET_REL:
		return ELF_TYPE_RELOCATABLE;
	case ET_CORE:
		return ELF_TYPE_CORE;
	case ET_DYN:
		if (file->flags_1 & DF_1_PIE)
			return ELF_TYPE_PIE;
		/* libc.so.6 has an interpreter too, but also a SONAME. */
		if (file->interpreter && !file->soname)
			return ELF_TYPE_PIE;
		return ELF_TYPE_SHARED;
	default:
		return ELF_TYPE_OTHER;
	}
}

static int read_elf(struct reader *reader)
{
	struct elf_file *file = reader->file;
	GElf_Ehdr ehdr;

	if (elf_kind(reader->elf) != ELF_K_ELF)
		return fail(reader, "not an ELF file");
	if (!gelf_getehdr(reader->elf, &ehdr))
		return fail(reader, "cannot read the ELF header (truncated?): %s",
			    elf_errmsg(-1));

	file->elf_class = gelf_getclass(reader->elf);
	file->big_endian = ehdr.e_ident[EI_DATA] == ELFDATA2MSB;
	file->machine = ehdr.e_machine;
	file->os_abi = ehdr.e_ident[EI_OSABI];
	file->entry = ehdr.e_entry;

	if (read_program_headers(reader) || read_dynamic(reader) || read_symbols(reader))
		return -1;
	file->type = classify(&ehdr, file);
	file->is_static = !file->interpreter && !file->needed_count &&
			  ehdr.e_type != ET_REL && ehdr.e_type != ET_CORE;
	return 0;
}

static int read_with(Elf *elf, const char *name, unsigned int flags,
		     struct elf_file *file, char *error, size_t error_size)
{
	struct reader reader = {
		.elf = elf,
		.name = name,
		.flags = flags,
		.file = file,
		.error = error,
		.error_size = error_size,
	};
	int err;

	err = read_elf(&reader);
	free(reader.phdrs);
	if (err)
		elf_file_free(file);
	return err;
}

static int check_libelf(const char *name, char *error, size_t error_size)
{
	if (elf_version(EV_CURRENT) != EV_NONE)
		return 0;
	snprintf(error, error_size, "'%s': libelf is too old for this build: %s", name,
		 elf_errmsg(-1));
	return -1;
}

/* Opens an image in memory for libelf. Returns NULL with a message in error. */
static Elf *open_elf_memory(const void *image, size_t size, const char *name, char *error,
			    size_t error_size)
{
	Elf *elf;

	if (check_libelf(name, error, error_size))
		return NULL;
	/* libelf only reads the image, despite the non-const parameter. */
	elf = elf_memory((char *)image, size);
	if (!elf)
		snprintf(error, error_size, "'%s': %s", name, elf_errmsg(-1));
	return elf;
}

int elf_file_read_memory(const void *image, size_t size, const char *name,
			 unsigned int flags, struct elf_file *file, char *error,
			 size_t error_size)
{
	Elf *elf;
	int err;

	memset(file, 0, sizeof(*file));
	elf = open_elf_memory(image, size, name, error, error_size);
	if (!elf)
		return -1;
	err = read_with(elf, name, flags, file, error, error_size);
	elf_end(elf);
	return err;
}

/* Opens path for libelf. Returns the descriptor, or NULL with a message in error. */
static Elf *open_elf(const char *path, int *fd, char *error, size_t error_size)
{
	Elf *elf;

	if (check_libelf(path, error, error_size))
		return NULL;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		snprintf(error, error_size, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		snprintf(error, error_size, "'%s': %s", path, elf_errmsg(-1));
		close(*fd);
	}
	return elf;
}

int elf_file_read(const char *path, unsigned int flags, struct elf_file *file,
		  char *error, size_t error_size)
{
	Elf *elf;
	int fd, err;

	memset(file, 0, sizeof(*file));
	elf = open_elf(path, &fd, error, error_size);
	if (!elf)
		return -1;
	err = read_with(elf, path, flags, file, error, error_size);
	elf_end(elf);
	close(fd);
	return err;
}

/* The hash of DT_GNU_HASH tables (Bernstein's, as in glibc's dl_new_hash). */
static uint32_t gnu_hash(const char *name)
{
	uint32_t hash = 5381;

	for (; *name; name++)
		hash = hash * 33 + (unsigned char)*name;
	return hash;
}

/* The hash of DT_HASH tables, from the System V ABI. */
static uint32_t sysv_hash(const char *name)
{
	uint32_t hash = 0, high;

	for (; *name; name++) {
		hash = (hash << 4) + (unsigned char)*name;
		high = hash & 0xf0000000;
		if (high)
			hash ^= high >> 24;
		hash &= ~high;
	}
	return hash;
}

/*
 * Candidates for an unversioned reference met along a lookup. glibc's
 * check_match() (glibc 2.36) binds such a reference at once to a
 * definition without a version (index 0 or 1) or of the object's first
 * version (index 2). Else it takes a definition of a later version if it
 * is the only non-hidden one.
 */
struct unversioned_match {
	bool found;
	unsigned int versioned;	/* non-hidden definitions of later versions */
};

/* Weighs symbol index of view as a definition of name for an unversioned reference. */
static void weigh_definition(const struct symbol_view *view, size_t index, const char *name,
			     struct unversioned_match *match)
{
	const char *symbol_name;
	GElf_Versym versym;
	GElf_Sym sym;

	if (index >= view->count || !gelf_getsym(view->symbols, index, &sym))
		return;
	symbol_name = string_at(view->strings, view->strings_size, sym.st_name);
	if (!symbol_name || strcmp(symbol_name, name) || sym.st_shndx == SHN_UNDEF ||
	    !is_wanted_binding(GELF_ST_BIND(sym.st_info)))
		return;
	if (!view->versym || !gelf_getversym(view->versym, index, &versym) ||
	    (versym & MAX_VERSION_INDEX) < 3) {
		match->found = true;
		return;
	}
	if (!(versym & 0x8000))
		match->versioned++;
}

static int match_result(const struct unversioned_match *match)
{
	return match->found || match->versioned == 1;
}

/* Walks the DT_GNU_HASH chain of name. Returns -1 when the table is unreadable. */
static int gnu_hash_defines(const struct reader *reader, const struct symbol_view *view,
			    const char *name)
{
	uint64_t word_size = reader->file->elf_class == ELFCLASS64 ? 8 : 4;
	uint32_t nbuckets, symoffset, hash = gnu_hash(name);
	uint64_t buckets_at, chain_at, chain_count, index;
	struct unversioned_match match = { 0 };
	const uint32_t *header, *chain;
	Elf_Data *data;

	data = chunk_at_vaddr(reader, reader->gnu_hash, 16, ELF_T_WORD);
	if (!data)
		return -1;
	header = data->d_buf;
	nbuckets = header[0];
	symoffset = header[1];
	if (!nbuckets)
		return 0;
	buckets_at = reader->gnu_hash + 16 + (uint64_t)header[2] * word_size;
	data = chunk_at_vaddr(reader, buckets_at + (uint64_t)(hash % nbuckets) * 4, 4,
			      ELF_T_WORD);
	if (!data)
		return -1;
	index = *(const uint32_t *)data->d_buf;
	if (index < symoffset)
		return 0;

	chain_at = buckets_at + (uint64_t)nbuckets * 4;
	chain_count = bytes_after_vaddr(reader, chain_at) / 4;
	if (index - symoffset >= chain_count)
		return -1;
	data = chunk_at_vaddr(reader, chain_at, chain_count * 4, ELF_T_WORD);
	if (!data)
		return -1;
	chain = data->d_buf;
	for (; index - symoffset < chain_count && !match.found; index++) {
		uint32_t entry = chain[index - symoffset];

		if ((entry | 1) == (hash | 1))
			weigh_definition(view, index, name, &match);
		if (entry & 1)
			break;
	}
	return match_result(&match);
}

/* Walks the DT_HASH chain of name. Returns -1 when the table is unreadable. */
static int sysv_hash_defines(const struct reader *reader, const struct symbol_view *view,
			     const char *name)
{
	uint32_t nbucket, nchain, index, steps;
	struct unversioned_match match = { 0 };
	const uint32_t *words;
	Elf_Data *data;

	data = chunk_at_vaddr(reader, reader->hash, 8, ELF_T_WORD);
	if (!data)
		return -1;
	nbucket = ((const uint32_t *)data->d_buf)[0];
	nchain = ((const uint32_t *)data->d_buf)[1];
	if (!nbucket)
		return 0;
	data = chunk_at_vaddr(reader, reader->hash, (2 + (uint64_t)nbucket + nchain) * 4,
			      ELF_T_WORD);
	if (!data)
		return -1;
	words = data->d_buf;
	index = words[2 + sysv_hash(name) % nbucket];
	/* A damaged chain may loop: it cannot be longer than the table. */
	for (steps = 0; index && index < nchain && steps < nchain && !match.found; steps++) {
		weigh_definition(view, index, name, &match);
		index = words[2 + nbucket + index];
	}
	return match_result(&match);
}

/* Scans the whole table, for objects without a hash table. */
static int scan_defines(const struct symbol_view *view, const char *name)
{
	struct unversioned_match match = { 0 };
	size_t i;

	for (i = 1; i < view->count && !match.found; i++)
		weigh_definition(view, i, name, &match);
	return match_result(&match);
}

static int find_definitions(struct reader *reader, const char *const *names, size_t count,
			    bool *found)
{
	struct symbol_view view = { 0 };
	size_t i;
	int err = 0;

	if (read_program_headers(reader) || read_dynamic(reader) ||
	    view_from_segments(reader, &view))
		return -1;
	for (i = 0; i < count && view.symbols && err >= 0; i++) {
		if (found[i])
			continue;
		if (reader->gnu_hash)
			err = gnu_hash_defines(reader, &view, names[i]);
		else if (reader->hash)
			err = sysv_hash_defines(reader, &view, names[i]);
		else
			err = scan_defines(&view, names[i]);
		found[i] = err > 0;
	}
	if (err < 0)
		return fail(reader, "its symbol hash table lies outside the file (truncated?)");
	return 0;
}

static int find_definitions_with(Elf *elf, const char *name, const char *const *names,
				 size_t count, bool *found, char *error, size_t error_size)
{
	struct elf_file file = { 0 };
	struct reader reader = {
		.elf = elf,
		.name = name,
		.file = &file,
		.error = error,
		.error_size = error_size,
	};
	int err = -1;

	if (elf_kind(elf) != ELF_K_ELF) {
		fail(&reader, "not an ELF file");
	} else {
		file.elf_class = gelf_getclass(elf);
		err = find_definitions(&reader, names, count, found);
	}
	free(reader.phdrs);
	elf_file_free(&file);
	return err;
}

int elf_file_find_definitions(const char *path, const char *const *names, size_t count,
			      bool *found, char *error, size_t error_size)
{
	Elf *elf;
	int fd, err;

	elf = open_elf(path, &fd, error, error_size);
	if (!elf)
		return -1;
	err = find_definitions_with(elf, path, names, count, found, error, error_size);
	elf_end(elf);
	close(fd);
	return err;
}

int elf_file_find_definitions_memory(const void *image, size_t size, const char *name,
				     const char *const *names, size_t count, bool *found,
				     char *error, size_t error_size)
{
	Elf *elf;
	int err;

	elf = open_elf_memory(image, size, name, error, error_size);
	if (!elf)
		return -1;
	err = find_definitions_with(elf, name, names, count, found, error, error_size);
	elf_end(elf);
	return err;
}

static void free_symbols(struct elf_symbol *symbols, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(symbols[i].name);
		free(symbols[i].version);
		free(symbols[i].version_file);
	}
	free(symbols);
}

void elf_file_free(struct elf_file *file)
{
	size_t i;

	free(file->interpreter);
	free(file->soname);
	free(file->rpath);
	free(file->runpath);
	for (i = 0; i < file->needed_count; i++)
		free(file->needed[i]);
	free(file->needed);
	free_symbols(file->imports, file->import_count);
	free_symbols(file->exports, file->export_count);
	memset(file, 0, sizeof(*file));
}

const char *elf_file_type_name(enum elf_file_type type)
{
	switch (type) {
	case ELF_TYPE_EXECUTABLE: return "executable";
	case ELF_TYPE_PIE: return "pie";
	case ELF_TYPE_SHARED: return "shared object";
	case ELF_TYPE_RELOCATABLE: return "relocatable";
	case ELF_TYPE_CORE: return "core";
	default: return "other";
	}
}

const char *elf_machine_name(uint16_t machine)
{
	switch (machine) {
	case EM_X86_64: return "x86-64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_RISCV: return "riscv";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	case EM_MIPS: return "mips";
	default: return NULL;
	}
}

const char *elf_symbol_source_name(enum elf_symbol_source source)
{
	switch (source) {
	case ELF_SYMBOLS_DYNSYM: return ".dynsym";
	case ELF_SYMBOLS_DYNAMIC_SEGMENT: return "PT_DYNAMIC";
	case ELF_SYMBOLS_SYMTAB: return ".symtab";
	default: return "none";
	}
}

int elf_file_has_magic(const char *path)
{
	unsigned char magic[SELFMAG];
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = read(fd, magic, sizeof(magic));
	close(fd);
	return got == SELFMAG && !memcmp(magic, ELFMAG, SELFMAG);
}
