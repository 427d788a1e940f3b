// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loads one ELF object for the static system call scan. Its executable
 * sections are disassembled and cut into functions at every known start:
 * symbols, .eh_frame_hdr entries, PLT entries and call targets. Its data
 * sections are cut into nodes that stand for the pointers they contain.
 * Each function then gets its callees, the imports it reaches through PLT
 * or GOT slots, and the call numbers recovered at its system call sites.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "syscall_object.h"


/* Relocated pointer slot (GOT, init arrays): the imported name and/or the local target. */
struct slot {
	uint64_t addr;
	const char *name;	/* symbol the slot is bound to, or NULL */
	uint64_t local;		/* address in this object it points to, or 0 */
};

/* State used while an object is built, freed once it is done. */
struct loader {
	struct syscall_object *object;
	Elf *elf;
	GElf_Ehdr ehdr;
	struct code_range *ranges;
	size_t range_count;
	uint64_t *starts;
	size_t start_count, start_capacity;
	struct { uint64_t addr; const char *name; int rank; } *names;
	size_t name_count, name_capacity;
	struct slot *slots;
	size_t slot_count, slot_capacity;
	struct { uint64_t start, end, entry_size; } plts[4];
	size_t plt_count;
	struct { uint64_t start, end; } *data_ranges;
	size_t data_range_count, data_range_capacity;
	uint64_t *data_starts;
	size_t data_start_count, data_start_capacity;
	struct { uint64_t addr, size; const char *name; } *data_symbols;
	size_t data_symbol_count, data_symbol_capacity;
};

static void *grow(void *array, size_t *capacity, size_t count, size_t item_size)
{
	void *grown;

	if (count < *capacity)
		return array;
	*capacity = *capacity ? *capacity * 2 : 256;
	grown = realloc(array, *capacity * item_size);
	if (!grown)
		free(array);
	return grown;
}

static int add_start(struct loader *loader, uint64_t addr)
{
	loader->starts = grow(loader->starts, &loader->start_capacity, loader->start_count,
			      sizeof(*loader->starts));
	if (!loader->starts)
		return -1;
	loader->starts[loader->start_count++] = addr;
	return 0;
}

static void set_error(struct syscall_object *object, const char *fmt, const char *detail)
{
	snprintf(object->error, sizeof(object->error), fmt, detail);
}

/* Reads the whole file, so that names found by libelf stay valid as long as the object. */
static int read_image(struct syscall_object *object)
{
	struct stat st;
	ssize_t got;
	size_t done = 0;
	int fd;

	fd = open(object->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		set_error(object, "cannot open: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	object->image = malloc(st.st_size ? st.st_size : 1);
	if (!object->image) {
		close(fd);
		return -1;
	}
	while (done < (size_t)st.st_size) {
		got = read(fd, (char *)object->image + done, st.st_size - done);
		if (got <= 0) {
			set_error(object, "read failed: %s", got < 0 ? strerror(errno) : "short file");
			close(fd);
			return -1;
		}
		done += got;
	}
	close(fd);
	object->size = st.st_size;
	object->mtime = st.st_mtim;
	object->file_status = st;
	object->image_size = st.st_size;
	return 0;
}

static const char *machine_name(unsigned int machine)
{
	switch (machine) {
	case EM_AARCH64: return "AArch64";
	case EM_ARM: return "ARM";
	case EM_RISCV: return "RISC-V";
	case EM_PPC64: return "PowerPC64";
	case EM_S390: return "S/390";
	case EM_MIPS: return "MIPS";
	default: return "other";
	}
}

/* Opens the ELF image and checks that its machine is one the scan decodes. */
static int open_elf(struct loader *loader)
{
	struct syscall_object *object = loader->object;
	char detail[64];

	loader->elf = elf_memory(object->image, object->size);
	object->elf = loader->elf;
	if (!loader->elf) {
		set_error(object, "libelf failed to read it: %s", elf_errmsg(-1));
		return -1;
	}
	if (elf_kind(loader->elf) != ELF_K_ELF) {
		set_error(object, "not an ELF file%s", "");
		return -1;
	}
	if (!gelf_getehdr(loader->elf, &loader->ehdr)) {
		set_error(object, "invalid ELF header: %s", elf_errmsg(-1));
		return -1;
	}
	if (loader->ehdr.e_machine == EM_X86_64) {
		object->is_64 = true;
		object->table = SYSCALL_TABLE_64;
	} else if (loader->ehdr.e_machine == EM_386) {
		object->is_64 = false;
		object->table = SYSCALL_TABLE_32;
	} else {
		snprintf(detail, sizeof(detail), "%s (e_machine %u)",
			 machine_name(loader->ehdr.e_machine), loader->ehdr.e_machine);
		set_error(object, "unsupported machine %s: the static system call scan "
			  "decodes x86-64 and i386 only", detail);
		return -1;
	}
	object->entry = loader->ehdr.e_entry;
	return 0;
}

/* Returns the bytes at virtual address addr from the section holding it, or NULL. */
static const uint8_t *bytes_at(struct loader *loader, uint64_t addr, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	while ((scn = elf_nextscn(loader->elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS ||
		    !(shdr.sh_flags & SHF_ALLOC))
			continue;
		if (addr >= shdr.sh_addr && addr + len <= shdr.sh_addr + shdr.sh_size &&
		    shdr.sh_offset + (addr - shdr.sh_addr) + len <= (uint64_t)loader->object->size)
			return (const uint8_t *)loader->object->image + shdr.sh_offset +
			       (addr - shdr.sh_addr);
	}
	return NULL;
}

static uint64_t pointer_at(struct loader *loader, uint64_t addr)
{
	size_t width = loader->object->is_64 ? 8 : 4;
	const uint8_t *bytes = bytes_at(loader, addr, width);
	uint64_t value = 0;
	uint32_t value32;

	if (!bytes)
		return 0;
	if (width == 8) {
		memcpy(&value, bytes, 8);
		return value;
	}
	memcpy(&value32, bytes, 4);
	return value32;
}

static int record_plt(struct loader *loader, const char *name, const GElf_Shdr *shdr)
{
	/* i386 linkers set sh_entsize 4 on .plt, whose entries are 16 bytes long. */
	uint64_t entry_size = shdr->sh_entsize >= 8 ? shdr->sh_entsize : 16, addr;

	if (strcmp(name, ".plt") && strcmp(name, ".plt.sec") && strcmp(name, ".plt.got"))
		return 0;
	if (loader->plt_count < sizeof(loader->plts) / sizeof(loader->plts[0]))
		loader->plts[loader->plt_count++] = (typeof(loader->plts[0])){
			shdr->sh_addr, shdr->sh_addr + shdr->sh_size, entry_size };
	for (addr = shdr->sh_addr; addr < shdr->sh_addr + shdr->sh_size; addr += entry_size)
		if (add_start(loader, addr))
			return -1;
	return 0;
}

static int add_data_start(struct loader *loader, uint64_t addr)
{
	loader->data_starts = grow(loader->data_starts, &loader->data_start_capacity,
				   loader->data_start_count, sizeof(*loader->data_starts));
	if (!loader->data_starts)
		return -1;
	loader->data_starts[loader->data_start_count++] = addr;
	return 0;
}

/* Keeps allocated sections that hold data (pointers included) as data ranges. */
static int add_data_range(struct loader *loader, const GElf_Shdr *shdr)
{
	if ((shdr->sh_type != SHT_PROGBITS && shdr->sh_type != SHT_NOBITS) ||
	    !(shdr->sh_flags & SHF_ALLOC) || (shdr->sh_flags & SHF_EXECINSTR) || !shdr->sh_size)
		return 0;
	loader->data_ranges = grow(loader->data_ranges, &loader->data_range_capacity,
				   loader->data_range_count, sizeof(*loader->data_ranges));
	if (!loader->data_ranges)
		return -1;
	loader->data_ranges[loader->data_range_count].start = shdr->sh_addr;
	loader->data_ranges[loader->data_range_count].end = shdr->sh_addr + shdr->sh_size;
	loader->data_range_count++;
	return add_data_start(loader, shdr->sh_addr);
}

/*
 * Makes each GOT entry a data node of its own: code loads one entry at a
 * time, and an entry without a relocation the scan reads (a TLS offset)
 * must not stand for the pointers in the entries after it.
 */
static int split_got(struct loader *loader, const char *name, const GElf_Shdr *shdr)
{
	size_t width = loader->object->is_64 ? 8 : 4;
	uint64_t addr;

	if (strcmp(name, ".got") && strcmp(name, ".got.plt"))
		return 0;
	for (addr = shdr->sh_addr; addr < shdr->sh_addr + shdr->sh_size; addr += width)
		if (add_data_start(loader, addr))
			return -1;
	return 0;
}

/* Collects the executable sections as code ranges and the PLT entries as function starts. */
static int collect_code(struct loader *loader)
{
	size_t shstrndx, capacity = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	const char *name;

	if (elf_getshdrstrndx(loader->elf, &shstrndx)) {
		set_error(loader->object, "no section headers: %s", elf_errmsg(-1));
		return -1;
	}
	while ((scn = elf_nextscn(loader->elf, scn))) {
		if (!gelf_getshdr(scn, &shdr))
			continue;
		if (add_data_range(loader, &shdr))
			return -1;
		name = elf_strptr(loader->elf, shstrndx, shdr.sh_name);
		if (name && split_got(loader, name, &shdr))
			return -1;
		if (shdr.sh_type != SHT_PROGBITS || !(shdr.sh_flags & SHF_EXECINSTR) ||
		    !(shdr.sh_flags & SHF_ALLOC) || !shdr.sh_size)
			continue;
		if (shdr.sh_offset + shdr.sh_size > (uint64_t)loader->object->size)
			continue;
		loader->ranges = grow(loader->ranges, &capacity, loader->range_count,
				      sizeof(*loader->ranges));
		if (!loader->ranges)
			return -1;
		loader->ranges[loader->range_count++] = (struct code_range){
			.addr = shdr.sh_addr,
			.bytes = (const uint8_t *)loader->object->image + shdr.sh_offset,
			.size = shdr.sh_size,
		};
		if (add_start(loader, shdr.sh_addr))
			return -1;
		if (name && record_plt(loader, name, &shdr))
			return -1;
	}
	if (!loader->range_count) {
		set_error(loader->object, "no executable sections%s", "");
		return -1;
	}
	return 0;
}

static int compare_ranges(const void *a, const void *b)
{
	const struct code_range *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add_name(struct loader *loader, uint64_t addr, const char *name, int rank)
{
	loader->names = grow(loader->names, &loader->name_capacity, loader->name_count,
			     sizeof(*loader->names));
	if (!loader->names)
		return -1;
	loader->names[loader->name_count].addr = addr;
	loader->names[loader->name_count].name = name;
	loader->names[loader->name_count].rank = rank;
	loader->name_count++;
	return 0;
}

/* Keeps a data symbol: its start splits data into nodes, its size and name make it an export. */
static int add_data_symbol(struct loader *loader, const GElf_Sym *sym, size_t strtab)
{
	const char *name = NULL;

	if (GELF_ST_BIND(sym->st_info) != STB_LOCAL)
		name = elf_strptr(loader->elf, strtab, sym->st_name);
	loader->data_symbols = grow(loader->data_symbols, &loader->data_symbol_capacity,
				    loader->data_symbol_count, sizeof(*loader->data_symbols));
	if (!loader->data_symbols)
		return -1;
	loader->data_symbols[loader->data_symbol_count].addr = sym->st_value;
	loader->data_symbols[loader->data_symbol_count].size = sym->st_size;
	loader->data_symbols[loader->data_symbol_count].name = name;
	loader->data_symbol_count++;
	return add_data_start(loader, sym->st_value);
}

/*
 * Takes function symbols from .symtab and .dynsym as starts and names. A
 * global .dynsym name is preferred, then a global .symtab name, then a local one.
 */
static int collect_symbols(struct loader *loader)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	GElf_Sym sym;
	Elf_Data *data;
	size_t i, count;

	while ((scn = elf_nextscn(loader->elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) ||
		    (shdr.sh_type != SHT_SYMTAB && shdr.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !shdr.sh_entsize)
			continue;
		count = shdr.sh_size / shdr.sh_entsize;
		for (i = 1; i < count; i++) {
			int type, rank;
			const char *name;

			if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    !sym.st_value)
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			if (type == STT_OBJECT) {
				if (add_data_symbol(loader, &sym, shdr.sh_link))
					return -1;
				continue;
			}
			if (type != STT_FUNC && type != STT_GNU_IFUNC)
				continue;
			if (add_start(loader, sym.st_value))
				return -1;
			name = elf_strptr(loader->elf, shdr.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			rank = GELF_ST_BIND(sym.st_info) == STB_LOCAL ? 2 :
			       shdr.sh_type == SHT_DYNSYM ? 0 : 1;
			if (add_name(loader, sym.st_value, name, rank))
				return -1;
		}
	}
	return 0;
}

static int64_t read_signed4(const uint8_t *p)
{
	int32_t value;

	memcpy(&value, p, 4);
	return value;
}

/*
 * Adds the start of every function .eh_frame_hdr lists. Only the encodings
 * GNU ld and lld write are read: udata4 count and a datarel sdata4 table.
 */
static int collect_frame_starts(struct loader *loader)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	size_t shstrndx, ptr_size, i;
	const uint8_t *hdr, *table;
	uint32_t count;
	const char *name;

	if (elf_getshdrstrndx(loader->elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(loader->elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(loader->elf, shstrndx, shdr.sh_name);
		if (name && !strcmp(name, ".eh_frame_hdr"))
			break;
	}
	if (!scn || shdr.sh_size < 12 || shdr.sh_offset + shdr.sh_size >
	    (uint64_t)loader->object->size)
		return 0;

	hdr = (const uint8_t *)loader->object->image + shdr.sh_offset;
	if (hdr[0] != 1 || hdr[2] != 0x03 || hdr[3] != 0x3b)
		return 0;
	ptr_size = (hdr[1] & 0x0f) == 0x04 || (hdr[1] & 0x0f) == 0x0c ? 8 : 4;
	if (4 + ptr_size + 4 > shdr.sh_size)
		return 0;
	memcpy(&count, hdr + 4 + ptr_size, 4);
	table = hdr + 4 + ptr_size + 4;
	if ((uint64_t)count * 8 > shdr.sh_size - (table - hdr))
		return 0;
	for (i = 0; i < count; i++)
		if (add_start(loader, shdr.sh_addr + read_signed4(table + i * 8)))
			return -1;
	return 0;
}

static int add_slot(struct loader *loader, uint64_t addr, const char *name, uint64_t local)
{
	loader->slots = grow(loader->slots, &loader->slot_capacity, loader->slot_count,
			     sizeof(*loader->slots));
	if (!loader->slots)
		return -1;
	loader->slots[loader->slot_count++] = (struct slot){ addr, name, local };
	return 0;
}

/* Decodes one relocation into a slot: the symbol it binds, or the local address it holds. */
static int record_relocation(struct loader *loader, Elf_Data *symbols, size_t strtab,
			     uint64_t offset, uint64_t info, int64_t addend, bool has_addend)
{
	bool is_64 = loader->object->is_64;
	/* gelf_getrel() and gelf_getrela() widen 32-bit r_info to the 64-bit layout. */
	unsigned int type = GELF_R_TYPE(info);
	size_t sym_index = GELF_R_SYM(info);
	unsigned int irelative = is_64 ? R_X86_64_IRELATIVE : R_386_IRELATIVE;
	const char *name = NULL;
	uint64_t local = 0;
	GElf_Sym sym;

	if (type != R_X86_64_64 && type != R_X86_64_GLOB_DAT && type != R_X86_64_JUMP_SLOT &&
	    type != R_X86_64_RELATIVE && type != R_X86_64_COPY && type != irelative)
		return 0;
	if (type == R_X86_64_RELATIVE || type == irelative) {
		local = has_addend ? (uint64_t)addend : pointer_at(loader, offset);
	} else if (sym_index && symbols && gelf_getsym(symbols, sym_index, &sym)) {
		name = elf_strptr(loader->elf, strtab, sym.st_name);
		if (name && !*name)
			name = NULL;
		if (sym.st_shndx != SHN_UNDEF && type != R_X86_64_COPY)
			local = sym.st_value + (has_addend ? addend : 0);
	}
	if (!name && !local)
		return 0;
	return add_slot(loader, offset, name, local);
}

/* Adds one relative pointer of a packed SHT_RELR section: the addend is stored in place. */
static int record_relr_slot(struct loader *loader, uint64_t addr)
{
	uint64_t target = pointer_at(loader, addr);

	return target ? add_slot(loader, addr, NULL, target) : 0;
}

/*
 * Decodes SHT_RELR: an even word is the address of a relative pointer, an
 * odd word is a bitmap of the pointers that follow, one bit per word.
 */
static int collect_relr(struct loader *loader, Elf_Scn *scn, const GElf_Shdr *shdr)
{
	size_t width = loader->object->is_64 ? 8 : 4, i, bit;
	const uint8_t *bytes;
	uint64_t base = 0, word;
	uint32_t word32;

	if (shdr->sh_offset + shdr->sh_size > (uint64_t)loader->object->size)
		return 0;
	bytes = (const uint8_t *)loader->object->image + shdr->sh_offset;
	for (i = 0; i + width <= shdr->sh_size; i += width) {
		if (width == 8) {
			memcpy(&word, bytes + i, 8);
		} else {
			memcpy(&word32, bytes + i, 4);
			word = word32;
		}
		if (!(word & 1)) {
			if (record_relr_slot(loader, word))
				return -1;
			base = word + width;
			continue;
		}
		for (bit = 1; bit < width * 8; bit++)
			if ((word >> bit) & 1 && record_relr_slot(loader, base + (bit - 1) * width))
				return -1;
		base += (width * 8 - 1) * width;
	}
	return 0;
}

/* Reads every REL, RELA and RELR section into the slot list. */
static int collect_slots(struct loader *loader)
{
	Elf_Scn *scn = NULL, *symscn;
	GElf_Shdr shdr, symshdr;
	Elf_Data *data, *symbols;
	size_t i, count;

	while ((scn = elf_nextscn(loader->elf, scn))) {
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_RELR &&
		    collect_relr(loader, scn, &shdr))
			return -1;
		if (!gelf_getshdr(scn, &shdr) || (shdr.sh_type != SHT_RELA &&
						  shdr.sh_type != SHT_REL) || !shdr.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		symscn = elf_getscn(loader->elf, shdr.sh_link);
		symbols = symscn ? elf_getdata(symscn, NULL) : NULL;
		if (!data || !symscn || !gelf_getshdr(symscn, &symshdr))
			continue;
		count = shdr.sh_size / shdr.sh_entsize;
		for (i = 0; i < count; i++) {
			GElf_Rela rela;
			GElf_Rel rel;
			int err;

			if (shdr.sh_type == SHT_RELA) {
				if (!gelf_getrela(data, i, &rela))
					continue;
				err = record_relocation(loader, symbols, symshdr.sh_link,
							rela.r_offset, rela.r_info, rela.r_addend,
							true);
			} else {
				if (!gelf_getrel(data, i, &rel))
					continue;
				err = record_relocation(loader, symbols, symshdr.sh_link,
							rel.r_offset, rel.r_info, 0, false);
			}
			if (err)
				return -1;
		}
	}
	return 0;
}

static int compare_slots(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static const struct slot *find_slot(const struct loader *loader, uint64_t addr)
{
	struct slot key = { .addr = addr };

	if (!loader->slot_count)
		return NULL;
	return bsearch(&key, loader->slots, loader->slot_count, sizeof(key), compare_slots);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static size_t lower_bound_insn(const struct syscall_object *object, uint64_t addr)
{
	size_t low = 0, high = object->insn_count;

	while (low < high) {
		size_t mid = (low + high) / 2;

		if (object->insns[mid].addr < addr)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

static bool in_code(const struct loader *loader, uint64_t addr)
{
	size_t i;

	for (i = 0; i < loader->range_count; i++)
		if (addr >= loader->ranges[i].addr &&
		    addr < loader->ranges[i].addr + loader->ranges[i].size)
			return true;
	return false;
}

static int compare_names(const void *a, const void *b)
{
	const typeof(((struct loader *)0)->names[0]) *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->rank - y->rank;
}

/* Cuts the instruction list into functions, one per distinct start inside code. */
static int build_functions(struct loader *loader)
{
	struct syscall_object *object = loader->object;
	size_t i, kept = 0, name = 0;

	for (i = 0; i < object->insn_count; i++)
		if (object->insns[i].flow == FLOW_CALL && in_code(loader, object->insns[i].target))
			if (add_start(loader, object->insns[i].target))
				return -1;
	qsort(loader->starts, loader->start_count, sizeof(uint64_t), compare_u64);
	if (loader->name_count)
		qsort(loader->names, loader->name_count, sizeof(loader->names[0]), compare_names);

	object->funcs = calloc(loader->start_count + 1, sizeof(*object->funcs));
	if (!object->funcs)
		return -1;
	for (i = 0; i < loader->start_count; i++) {
		uint64_t start = loader->starts[i];

		if ((kept && object->funcs[kept - 1].addr == start) || !in_code(loader, start))
			continue;
		object->funcs[kept].addr = start;
		object->funcs[kept].first = lower_bound_insn(object, start);
		object->funcs[kept].dispatch_loc = LOC_NONE;
		while (name < loader->name_count && loader->names[name].addr < start)
			name++;
		if (name < loader->name_count && loader->names[name].addr == start)
			object->funcs[kept].name = loader->names[name].name;
		kept++;
	}
	for (i = 0; i < kept; i++) {
		struct func *func = &object->funcs[i];
		const struct insn *last;

		func->end = i + 1 < kept ? object->funcs[i + 1].first : object->insn_count;
		last = func->end > func->first ? &object->insns[func->end - 1] : NULL;
		func->end_addr = last ? last->addr + last->size : func->addr + 1;
	}
	object->func_count = kept;
	object->code_func_count = kept;
	return 0;
}

long syscall_object_func_at(const struct syscall_object *object, uint64_t addr)
{
	size_t low = 0, high = object->code_func_count;
	const struct func *func;

	while (low < high) {
		size_t mid = (low + high) / 2;

		if (object->funcs[mid].addr <= addr)
			low = mid + 1;
		else
			high = mid;
	}
	if (!low)
		return -1;
	func = &object->funcs[low - 1];
	if (func->first >= func->end)
		return func->addr == addr ? (long)(low - 1) : -1;
	return addr < func->end_addr ? (long)(low - 1) : -1;
}

/* Returns the function starting exactly at addr, or -1. */
static long func_starting_at(const struct syscall_object *object, uint64_t addr)
{
	long index = syscall_object_func_at(object, addr);

	return index >= 0 && object->funcs[index].addr == addr ? index : -1;
}

static uint64_t data_range_end(const struct loader *loader, uint64_t addr)
{
	size_t i;

	for (i = 0; i < loader->data_range_count; i++)
		if (addr >= loader->data_ranges[i].start && addr < loader->data_ranges[i].end)
			return loader->data_ranges[i].end;
	return 0;
}

/* Returns the data node covering addr, or -1. */
static long data_node_at(const struct syscall_object *object, uint64_t addr)
{
	size_t low = object->code_func_count, high = object->func_count;

	while (low < high) {
		size_t mid = (low + high) / 2;

		if (object->funcs[mid].addr <= addr)
			low = mid + 1;
		else
			high = mid;
	}
	if (low == object->code_func_count || addr >= object->funcs[low - 1].end_addr)
		return -1;
	return low - 1;
}

/*
 * Splits the data sections into nodes at every known start: section and
 * symbol starts, addresses the code takes, and targets of relocated
 * pointers. A node stands for the pointers it holds, so a function taking
 * the address of a table of function pointers reaches the functions in it.
 */
static int build_data_nodes(struct loader *loader)
{
	struct syscall_object *object = loader->object;
	size_t i, count, kept = 0;
	struct func *grown;

	for (i = 0; i < object->insn_count; i++) {
		uint64_t ref = object->insns[i].ref;

		if (!ref || object->insns[i].ref_is_guess)
			continue;
		if (!find_slot(loader, ref) && data_range_end(loader, ref) &&
		    add_data_start(loader, ref))
			return -1;
	}
	for (i = 0; i < loader->slot_count; i++)
		if (loader->slots[i].local && data_range_end(loader, loader->slots[i].local) &&
		    add_data_start(loader, loader->slots[i].local))
			return -1;
	if (loader->data_start_count)
		qsort(loader->data_starts, loader->data_start_count, sizeof(uint64_t),
		      compare_u64);

	count = object->code_func_count + loader->data_start_count;
	grown = realloc(object->funcs, (count + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	object->funcs = grown;
	for (i = 0; i < loader->data_start_count; i++) {
		uint64_t start = loader->data_starts[i], end = data_range_end(loader, start);
		struct func *node = &object->funcs[object->code_func_count + kept];
		size_t next = i + 1;

		if (!end || (i > 0 && loader->data_starts[i - 1] == start))
			continue;
		while (next < loader->data_start_count && loader->data_starts[next] == start)
			next++;
		if (next < loader->data_start_count && loader->data_starts[next] < end)
			end = loader->data_starts[next];
		memset(node, 0, sizeof(*node));
		node->addr = start;
		node->end_addr = end;
		node->dispatch_loc = LOC_NONE;
		kept++;
	}
	object->func_count = object->code_func_count + kept;
	return 0;
}

struct edge_lists {
	uint32_t *callees;
	size_t callee_count, callee_capacity;
	const char **imports;
	size_t import_count, import_capacity;
};

static int add_callee(struct edge_lists *lists, uint32_t callee)
{
	size_t i;

	for (i = 0; i < lists->callee_count; i++)
		if (lists->callees[i] == callee)
			return 0;
	lists->callees = grow(lists->callees, &lists->callee_capacity, lists->callee_count,
			      sizeof(*lists->callees));
	if (!lists->callees)
		return -1;
	lists->callees[lists->callee_count++] = callee;
	return 0;
}

static int add_import(struct edge_lists *lists, const char *name)
{
	size_t i;

	for (i = 0; i < lists->import_count; i++)
		if (!strcmp(lists->imports[i], name))
			return 0;
	lists->imports = grow(lists->imports, &lists->import_capacity, lists->import_count,
			      sizeof(*lists->imports));
	if (!lists->imports)
		return -1;
	lists->imports[lists->import_count++] = name;
	return 0;
}

/* Adds the edges a slot gives: its bound import and the local function it points to. */
static int add_slot_edges(struct loader *loader, struct edge_lists *lists, uint64_t addr)
{
	const struct slot *slot = find_slot(loader, addr);
	long callee;

	if (!slot)
		return 0;
	if (slot->name && add_import(lists, slot->name))
		return -1;
	if (!slot->local)
		return 0;
	callee = func_starting_at(loader->object, slot->local);
	if (callee < 0)
		callee = data_node_at(loader->object, slot->local);
	return callee >= 0 ? add_callee(lists, callee) : 0;
}

static size_t first_slot_from(const struct loader *loader, uint64_t addr)
{
	size_t low = 0, high = loader->slot_count;

	while (low < high) {
		size_t mid = (low + high) / 2;

		if (loader->slots[mid].addr < addr)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

/* A data node's edges are those of the relocated pointers inside it. */
static int add_data_node_edges(struct loader *loader, const struct func *node,
			       struct edge_lists *lists)
{
	size_t i;

	for (i = first_slot_from(loader, node->addr);
	     i < loader->slot_count && loader->slots[i].addr < node->end_addr; i++)
		if (add_slot_edges(loader, lists, loader->slots[i].addr))
			return -1;
	return 0;
}

/*
 * Adds the edges of one instruction: direct calls, jumps that leave the
 * function (tail calls), calls through slots, and addresses of functions it
 * takes, because a function whose address is taken may be called through it.
 */
static int add_insn_edges(struct loader *loader, uint32_t func_index, const struct insn *insn,
			  struct edge_lists *lists)
{
	struct syscall_object *object = loader->object;
	const struct func *func = &object->funcs[func_index];
	long callee;

	switch (insn->flow) {
	case FLOW_CALL:
	case FLOW_JMP:
	case FLOW_JCC:
		callee = syscall_object_func_at(object, insn->target);
		if (callee >= 0 && (insn->flow == FLOW_CALL || (uint32_t)callee != func_index))
			return add_callee(lists, callee);
		return 0;
	case FLOW_CALL_MEM:
	case FLOW_JMP_MEM:
		return add_slot_edges(loader, lists, insn->target);
	}
	if (!insn->ref)
		return 0;
	if (insn->ref_is_guess) {
		callee = func_starting_at(object, insn->ref);
		return callee >= 0 ? add_callee(lists, callee) : 0;
	}
	if (find_slot(loader, insn->ref))
		return add_slot_edges(loader, lists, insn->ref);
	callee = insn->ref_is_load ? -1 : func_starting_at(object, insn->ref);
	if (callee >= 0)
		return object->funcs[callee].addr != func->addr ? add_callee(lists, callee) : 0;
	callee = data_node_at(object, insn->ref);
	return callee >= 0 ? add_callee(lists, callee) : 0;
}

static int build_edges(struct loader *loader)
{
	struct syscall_object *object = loader->object;
	size_t f, i;

	for (f = 0; f < object->func_count; f++) {
		struct func *func = &object->funcs[f];
		struct edge_lists lists = { 0 };

		for (i = func->first; i < func->end; i++)
			if (add_insn_edges(loader, f, &object->insns[i], &lists))
				goto fail;
		if (f >= object->code_func_count && add_data_node_edges(loader, func, &lists))
			goto fail;
		func->callees = lists.callees;
		func->callee_count = lists.callee_count;
		func->imports = lists.imports;
		func->import_count = lists.import_count;
		continue;
fail:
		free(lists.callees);
		free(lists.imports);
		return -1;
	}
	return 0;
}

/*
 * Narrows what a call to a one-register leaf clobbers. i386 PIC calls
 * __x86.get_pc_thunk.REG (mov REG, [esp]; ret) between the move of the call
 * number into eax and the system call, and that call leaves eax alone.
 */
static void narrow_thunk_calls(struct syscall_object *object)
{
	size_t i;

	for (i = 0; i < object->insn_count; i++) {
		struct insn *call = &object->insns[i];
		const struct func *callee;
		const struct insn *body;
		long index;

		if (call->flow != FLOW_CALL)
			continue;
		index = func_starting_at(object, call->target);
		if (index < 0)
			continue;
		callee = &object->funcs[index];
		if (callee->end - callee->first < 2)
			continue;
		body = &object->insns[callee->first];
		if (body[1].flow != FLOW_STOP || __builtin_popcount(body[0].writes) != 1 ||
		    (body[0].writes & 1 << REG_SP) || body[0].flow != FLOW_NEXT)
			continue;
		call->writes = body[0].writes;
	}
}

static int compare_jumps(const void *a, const void *b)
{
	const struct jump_edge *x = a, *y = b;

	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	return x->source < y->source ? -1 : x->source > y->source;
}

static int build_jump_index(struct syscall_object *object)
{
	size_t i, count = 0;

	for (i = 0; i < object->insn_count; i++)
		if (object->insns[i].flow == FLOW_JMP || object->insns[i].flow == FLOW_JCC)
			count++;
	object->jumps = malloc((count ? count : 1) * sizeof(*object->jumps));
	if (!object->jumps)
		return -1;
	for (i = 0; i < object->insn_count; i++)
		if (object->insns[i].flow == FLOW_JMP || object->insns[i].flow == FLOW_JCC)
			object->jumps[object->jump_count++] = (struct jump_edge){
				object->insns[i].target, i };
	qsort(object->jumps, object->jump_count, sizeof(*object->jumps), compare_jumps);
	return 0;
}

static bool in_plt(const struct loader *loader, uint64_t addr)
{
	size_t i;

	for (i = 0; i < loader->plt_count; i++)
		if (addr >= loader->plts[i].start && addr < loader->plts[i].end)
			return true;
	return false;
}

/* Returns the address of .got.plt, or of .got without it: the value of ebx in i386 PIC. */
static uint64_t got_address(struct loader *loader)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	uint64_t got = 0;
	size_t shstrndx;
	const char *name;

	if (elf_getshdrstrndx(loader->elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(loader->elf, scn))) {
		if (!gelf_getshdr(scn, &shdr))
			continue;
		name = elf_strptr(loader->elf, shstrndx, shdr.sh_name);
		if (!name)
			continue;
		if (!strcmp(name, ".got.plt"))
			return shdr.sh_addr;
		if (!strcmp(name, ".got"))
			got = shdr.sh_addr;
	}
	return got;
}

static int compare_exports(const void *a, const void *b)
{
	const struct export *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int add_export(struct syscall_object *object, size_t *capacity, const char *name,
		      uint32_t func)
{
	object->exports = grow(object->exports, capacity, object->export_count,
			       sizeof(*object->exports));
	if (!object->exports)
		return -1;
	object->exports[object->export_count].name = name;
	object->exports[object->export_count].func = func;
	object->export_count++;
	return 0;
}

/*
 * Exports each global data symbol as every node it overlaps, so that another
 * object reaching stdout or a table of pointers reaches the pointers inside.
 */
static int add_data_exports(struct loader *loader, size_t *capacity)
{
	struct syscall_object *object = loader->object;
	size_t i;

	for (i = 0; i < loader->data_symbol_count; i++) {
		uint64_t start = loader->data_symbols[i].addr;
		uint64_t end = start + (loader->data_symbols[i].size ? loader->data_symbols[i].size : 1);
		long node = data_node_at(object, start);

		if (!loader->data_symbols[i].name || node < 0)
			continue;
		for (; (size_t)node < object->func_count && object->funcs[node].addr < end; node++)
			if (add_export(object, capacity, loader->data_symbols[i].name, node))
				return -1;
	}
	return 0;
}

/* Lists the defined global and weak functions of .dynsym, every version of a name included. */
static int collect_exports(struct loader *loader)
{
	struct syscall_object *object = loader->object;
	size_t i, count, capacity = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	Elf_Data *data;
	GElf_Sym sym;

	while ((scn = elf_nextscn(loader->elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_DYNSYM || !shdr.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		count = data ? shdr.sh_size / shdr.sh_entsize : 0;
		for (i = 1; i < count; i++) {
			const char *name;
			int type, bind;
			long func;

			if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			bind = GELF_ST_BIND(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || bind == STB_LOCAL)
				continue;
			func = func_starting_at(object, sym.st_value);
			name = elf_strptr(loader->elf, shdr.sh_link, sym.st_name);
			if (func >= 0 && name && add_export(object, &capacity, name, func))
				return -1;
		}
	}
	if (add_data_exports(loader, &capacity))
		return -1;
	if (object->export_count)
		qsort(object->exports, object->export_count, sizeof(*object->exports),
		      compare_exports);
	return 0;
}

const struct export *syscall_object_find_export(const struct syscall_object *object,
						const char *name)
{
	size_t low = 0, high = object->export_count;

	while (low < high) {
		size_t mid = (low + high) / 2;

		if (strcmp(object->exports[mid].name, name) < 0)
			low = mid + 1;
		else
			high = mid;
	}
	if (low < object->export_count && !strcmp(object->exports[low].name, name))
		return &object->exports[low];
	return NULL;
}

static int add_init_func(struct syscall_object *object, size_t *capacity, uint64_t addr)
{
	long func = addr ? func_starting_at(object, addr) : -1;

	if (func < 0)
		return 0;
	object->init_funcs = grow(object->init_funcs, capacity, object->init_func_count,
				  sizeof(*object->init_funcs));
	if (!object->init_funcs)
		return -1;
	object->init_funcs[object->init_func_count++] = func;
	return 0;
}

/*
 * Lists the functions the dynamic loader runs without a call from the
 * program: DT_INIT, DT_FINI and the entries of the init, preinit and fini arrays.
 */
static int collect_init_funcs(struct loader *loader)
{
	struct syscall_object *object = loader->object;
	size_t width = object->is_64 ? 8 : 4, capacity = 0, i;
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	Elf_Data *data;
	GElf_Dyn dyn;

	while ((scn = elf_nextscn(loader->elf, scn))) {
		if (!gelf_getshdr(scn, &shdr))
			continue;
		if (shdr.sh_type == SHT_INIT_ARRAY || shdr.sh_type == SHT_FINI_ARRAY ||
		    shdr.sh_type == SHT_PREINIT_ARRAY) {
			for (i = 0; i + width <= shdr.sh_size; i += width) {
				const struct slot *slot = find_slot(loader, shdr.sh_addr + i);
				uint64_t target = slot ? slot->local :
						  pointer_at(loader, shdr.sh_addr + i);

				if (add_init_func(object, &capacity, target))
					return -1;
			}
		}
		if (shdr.sh_type != SHT_DYNAMIC || !shdr.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; data && i < shdr.sh_size / shdr.sh_entsize; i++) {
			if (!gelf_getdyn(data, i, &dyn))
				continue;
			if ((dyn.d_tag == DT_INIT || dyn.d_tag == DT_FINI) &&
			    add_init_func(object, &capacity, dyn.d_un.d_ptr))
				return -1;
		}
	}
	return 0;
}

/* Returns the import a PLT entry jumps to, or NULL when func is no PLT entry. */
static const char *plt_import(const struct loader *loader, const struct func *func)
{
	if (!in_plt(loader, func->addr) || func->import_count != 1)
		return NULL;
	return func->imports[0];
}

/*
 * Records an import call with the constants of its first argument: rdi on
 * x86-64, the stack slot at the call (or above the return address at a tail
 * jump) on i386. That is where syscall() takes its number.
 */
static int add_import_call(struct syscall_object *object, size_t *capacity, uint32_t func,
			   uint32_t insn, const char *name)
{
	const struct insn *branch = &object->insns[insn];
	bool is_call = branch->flow == FLOW_CALL || branch->flow == FLOW_CALL_MEM;
	int64_t values[IMPORT_CALL_MAX_VALUES + 1];
	struct import_call *call;
	struct slice_entry entry;
	size_t count;

	object->import_calls = grow(object->import_calls, capacity, object->import_call_count,
				    sizeof(*object->import_calls));
	if (!object->import_calls)
		return -1;
	call = &object->import_calls[object->import_call_count++];
	memset(call, 0, sizeof(*call));
	call->addr = branch->addr;
	call->func = func;
	call->name = name;
	if (object->is_64)
		call->argument_loc = REG_DI;
	else
		call->argument_loc = is_call ? LOC_STACK : LOC_STACK + 4;

	count = syscall_object_slice(object, func, insn, call->argument_loc, values,
				     sizeof(values) / sizeof(values[0]), &call->unknown, &entry);
	if (count > IMPORT_CALL_MAX_VALUES) {
		count = IMPORT_CALL_MAX_VALUES;
		call->unknown = true;
	}
	/* TODO: a caller passing its own argument on to syscall() is not followed. */
	if (entry.regs || entry.stack >= 0)
		call->unknown = true;
	memcpy(call->values, values, count * sizeof(*values));
	call->value_count = count;
	return 0;
}

/*
 * Records each call or tail call to an imported function, through a PLT
 * entry or a GOT slot, so that a library function taking the call number as
 * an argument (syscall()) can have that argument recovered at the caller.
 */
static int collect_import_calls(struct loader *loader)
{
	struct syscall_object *object = loader->object;
	size_t capacity = 0, f, i;

	for (f = 0; f < object->func_count; f++) {
		const struct func *func = &object->funcs[f];

		if (in_plt(loader, func->addr))
			continue;
		for (i = func->first; i < func->end; i++) {
			const struct insn *insn = &object->insns[i];
			const char *name = NULL;
			const struct slot *slot;
			long callee;

			if (insn->flow == FLOW_CALL || insn->flow == FLOW_JMP) {
				callee = func_starting_at(object, insn->target);
				if (callee >= 0)
					name = plt_import(loader, &object->funcs[callee]);
			} else if (insn->flow == FLOW_CALL_MEM || insn->flow == FLOW_JMP_MEM) {
				slot = find_slot(loader, insn->target);
				name = slot ? slot->name : NULL;
			}
			if (name && add_import_call(object, &capacity, f, i, name))
				return -1;
		}
	}
	return 0;
}

/* Copies PT_INTERP, the path of the dynamic loader the program requests. */
static int read_interpreter(struct loader *loader)
{
	size_t count, i;
	GElf_Phdr phdr;
	const char *text;

	if (elf_getphdrnum(loader->elf, &count))
		return 0;
	for (i = 0; i < count; i++) {
		if (!gelf_getphdr(loader->elf, i, &phdr) || phdr.p_type != PT_INTERP)
			continue;
		if (phdr.p_offset + phdr.p_filesz > (uint64_t)loader->object->size ||
		    !phdr.p_filesz)
			return 0;
		text = (const char *)loader->object->image + phdr.p_offset;
		loader->object->interpreter = strndup(text, phdr.p_filesz);
		return loader->object->interpreter ? 0 : -1;
	}
	return 0;
}

static int load_object(struct syscall_object *object)
{
	struct loader loader = { .object = object };
	struct syscall_disasm_context context = { 0 };
	int err = -1;

	if (read_image(object) || open_elf(&loader) || collect_code(&loader) ||
	    collect_symbols(&loader) || collect_frame_starts(&loader) || collect_slots(&loader))
		goto out;
	qsort(loader.ranges, loader.range_count, sizeof(*loader.ranges), compare_ranges);
	if (loader.slot_count)
		qsort(loader.slots, loader.slot_count, sizeof(*loader.slots), compare_slots);

	context.is_64 = object->is_64;
	context.immediates_are_addresses = loader.ehdr.e_type == ET_EXEC;
	if (!object->is_64 && loader.ehdr.e_type == ET_DYN)
		context.got_ebx = got_address(&loader);
	if (syscall_disasm_ranges(object, loader.ranges, loader.range_count, &context))
		goto out;

	if (build_functions(&loader))
		goto out;
	narrow_thunk_calls(object);
	if (build_data_nodes(&loader) || build_edges(&loader) || build_jump_index(object) ||
	    syscall_object_find_sites(object) || collect_exports(&loader) ||
	    collect_init_funcs(&loader) || collect_import_calls(&loader) ||
	    read_interpreter(&loader))
		goto out;
	/* Instructions are most of an object's memory, and the scan no longer needs them. */
	free(object->insns);
	object->insns = NULL;
	free(object->jumps);
	object->jumps = NULL;
	err = 0;
out:
	free(loader.ranges);
	free(loader.starts);
	free(loader.names);
	free(loader.slots);
	free(loader.data_ranges);
	free(loader.data_starts);
	free(loader.data_symbols);
	return err;
}

struct syscall_object *syscall_object_load(const char *path)
{
	struct syscall_object *object;
	const char *slash;

	object = calloc(1, sizeof(*object));
	if (!object)
		return NULL;
	object->path = strdup(path);
	if (!object->path) {
		free(object);
		return NULL;
	}
	slash = strrchr(object->path, '/');
	object->base_name = slash ? slash + 1 : object->path;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		set_error(object, "libelf is too old: %s", elf_errmsg(-1));
		return object;
	}
	if (load_object(object) && !object->error[0]) {
		syscall_object_free(object);
		return NULL;
	}
	return object;
}

size_t syscall_object_memory(const struct syscall_object *object)
{
	size_t bytes = sizeof(*object) + object->image_size, i;

	bytes += object->func_count * sizeof(*object->funcs);
	bytes += object->site_count * sizeof(*object->sites);
	bytes += object->import_call_count * sizeof(*object->import_calls);
	bytes += object->export_count * sizeof(*object->exports);
	for (i = 0; i < object->func_count; i++) {
		bytes += object->funcs[i].callee_count * sizeof(uint32_t) +
			 object->funcs[i].import_count * sizeof(char *);
		bytes += object->funcs[i].syscalls ? SYSCALL_SET_SIZE : 0;
		bytes += object->funcs[i].syscalls32 ? SYSCALL_SET_SIZE : 0;
	}
	return bytes;
}

void syscall_object_free(struct syscall_object *object)
{
	size_t i;

	if (!object)
		return;
	for (i = 0; object->funcs && i < object->func_count; i++) {
		free(object->funcs[i].syscalls);
		free(object->funcs[i].syscalls32);
		if (!object->callee_block)
			free(object->funcs[i].callees);
		if (!object->import_block)
			free(object->funcs[i].imports);
	}
	free(object->callee_block);
	free(object->import_block);
	free(object->funcs);
	free(object->insns);
	free(object->jumps);
	free(object->sites);
	free(object->import_calls);
	free(object->exports);
	free(object->init_funcs);
	free(object->unrecovered_addrs);
	free(object->interpreter);
	if (object->elf)
		elf_end(object->elf);
	if (object->image_mapped)
		munmap(object->image, object->image_size);
	else
		free(object->image);
	free(object->path);
	free(object);
}
