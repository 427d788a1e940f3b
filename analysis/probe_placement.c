// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <capstone/capstone.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capstone_lazy.h"
#include "log.h"
#include "probe_placement.h"

/* Instructions examined from a function's entry, and their bytes. */
#define MAX_WALK_INSNS 16
#define MAX_WALK_BYTES 96
/*
 * A displacement naming an address this close to itself is checked per
 * function, not marked in the file's map. Such windows are mostly zero
 * bytes of the padding before a function, and only the check that knows the
 * function's entry can tell whether they straddle it.
 */
#define NEAR_DISTANCE 64

/*
 * Bytes from a 32-bit displacement to the address it is relative to. A
 * rel32 branch and a rip-relative lea end with their displacement. An
 * operand followed by an immediate only reads or writes memory there,
 * which makes no way into the code, so it need not be followed.
 */
#define DISPLACEMENT_END 4

/*
 * An executable PT_LOAD segment with its file bytes and, one bit a byte,
 * the addresses that something in the file may branch to or point at.
 */
struct code_segment {
	uint64_t vaddr;
	uint64_t offset;	/* in the file */
	uint64_t size;		/* bytes in the file */
	uint8_t *bytes;
	uint8_t *referenced;
};

/* The code segments of one file, kept for the next function of that file. */
struct reference_map {
	char *path;
	struct code_segment *segments;
	size_t segment_count;
};

static struct reference_map *maps;
static size_t map_count;

static struct code_segment *segment_at_vaddr(struct reference_map *map, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < map->segment_count; i++)
		if (vaddr >= map->segments[i].vaddr &&
		    vaddr - map->segments[i].vaddr < map->segments[i].size)
			return &map->segments[i];
	return NULL;
}

static struct code_segment *segment_at_offset(struct reference_map *map, uint64_t offset)
{
	size_t i;

	for (i = 0; i < map->segment_count; i++)
		if (offset >= map->segments[i].offset &&
		    offset - map->segments[i].offset < map->segments[i].size)
			return &map->segments[i];
	return NULL;
}

static void mark_referenced(struct reference_map *map, uint64_t vaddr)
{
	struct code_segment *segment = segment_at_vaddr(map, vaddr);
	uint64_t bit;

	if (!segment)
		return;
	bit = vaddr - segment->vaddr;
	segment->referenced[bit / 8] |= 1u << (bit % 8);
}

static bool is_referenced(const struct code_segment *segment, uint64_t vaddr)
{
	uint64_t bit = vaddr - segment->vaddr;

	return segment->referenced[bit / 8] & (1u << (bit % 8));
}

static bool is_near(int64_t distance)
{
	return distance >= -NEAR_DISTANCE && distance <= NEAR_DISTANCE;
}

/*
 * Marks every address that a 32-bit value anywhere in the segment could
 * name. In code, a value counts as a displacement, except one within
 * NEAR_DISTANCE of its own position. In data, it counts as an offset from
 * its own address, as .eh_frame and hand-written tables store them.
 * Anywhere, it counts as an absolute address, which fits 32 bits in a
 * shared library. It reads every byte position, not decoded instructions,
 * so it over-marks but cannot miss a branch or lea.
 */
static void mark_displacements(struct reference_map *map, const uint8_t *bytes, uint64_t vaddr,
			       uint64_t size, bool code)
{
	uint64_t i;

	for (i = 0; i + 4 <= size; i++) {
		int32_t displacement;
		int64_t distance;

		memcpy(&displacement, bytes + i, sizeof(displacement));
		distance = (code ? DISPLACEMENT_END : 0) + (int64_t)displacement;
		if (!code || !is_near(distance))
			mark_referenced(map, vaddr + i + distance);
		mark_referenced(map, (uint32_t)displacement);
	}
}

/* Marks symbol values and relocation targets: function pointers in data need one. */
static void mark_symbols_and_relocations(struct reference_map *map, Elf *elf)
{
	Elf_Scn *section = NULL;

	while ((section = elf_nextscn(elf, section))) {
		Elf_Data *data = elf_getdata(section, NULL);
		GElf_Shdr header;
		size_t count, i;

		if (!gelf_getshdr(section, &header) || !data || !header.sh_entsize)
			continue;
		count = header.sh_size / header.sh_entsize;
		if (header.sh_type == SHT_SYMTAB || header.sh_type == SHT_DYNSYM) {
			for (i = 0; i < count; i++) {
				GElf_Sym symbol;

				if (gelf_getsym(data, i, &symbol))
					mark_referenced(map, symbol.st_value);
			}
		} else if (header.sh_type == SHT_RELA) {
			Elf_Data *symbols = elf_getdata(elf_getscn(elf, header.sh_link), NULL);

			for (i = 0; i < count; i++) {
				GElf_Rela rela;
				GElf_Sym symbol = { 0 };

				if (!gelf_getrela(data, i, &rela))
					continue;
				/* RELATIVE and IRELATIVE have no symbol: the addend is the address. */
				if (GELF_R_SYM(rela.r_info) && symbols)
					gelf_getsym(symbols, GELF_R_SYM(rela.r_info), &symbol);
				mark_referenced(map, symbol.st_value + rela.r_addend);
			}
		}
	}
}

static int read_segments(struct reference_map *map, int fd, Elf *elf)
{
	size_t count, i;

	if (elf_getphdrnum(elf, &count))
		return -EINVAL;
	for (i = 0; i < count; i++) {
		struct code_segment *grown, *segment;
		GElf_Phdr phdr;

		if (!gelf_getphdr(elf, i, &phdr) || phdr.p_type != PT_LOAD ||
		    !(phdr.p_flags & PF_X) || !phdr.p_filesz)
			continue;
		grown = realloc(map->segments, (map->segment_count + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		map->segments = grown;
		segment = &grown[map->segment_count++];
		segment->vaddr = phdr.p_vaddr;
		segment->offset = phdr.p_offset;
		segment->size = phdr.p_filesz;
		segment->bytes = malloc(phdr.p_filesz);
		segment->referenced = calloc(phdr.p_filesz / 8 + 1, 1);
		if (!segment->bytes || !segment->referenced)
			return -ENOMEM;
		if (pread(fd, segment->bytes, phdr.p_filesz, phdr.p_offset) != (ssize_t)phdr.p_filesz)
			return -EIO;
	}
	return 0;
}

/* Scans every loaded byte of the file, code and data, for displacements. */
static int mark_loaded_bytes(struct reference_map *map, int fd, Elf *elf)
{
	size_t count, i;

	if (elf_getphdrnum(elf, &count))
		return -EINVAL;
	for (i = 0; i < count; i++) {
		GElf_Phdr phdr;
		uint8_t *bytes;

		if (!gelf_getphdr(elf, i, &phdr) || phdr.p_type != PT_LOAD || !phdr.p_filesz)
			continue;
		bytes = malloc(phdr.p_filesz);
		if (!bytes)
			return -ENOMEM;
		if (pread(fd, bytes, phdr.p_filesz, phdr.p_offset) == (ssize_t)phdr.p_filesz)
			mark_displacements(map, bytes, phdr.p_vaddr, phdr.p_filesz,
					   phdr.p_flags & PF_X);
		free(bytes);
	}
	return 0;
}

static int build_map(struct reference_map *map, const char *path)
{
	int fd, err = -EINVAL;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF && gelf_getclass(elf) == ELFCLASS64) {
		err = read_segments(map, fd, elf);
		if (!err)
			err = mark_loaded_bytes(map, fd, elf);
		if (!err)
			mark_symbols_and_relocations(map, elf);
	}
	elf_end(elf);
	close(fd);
	return err;
}

static void free_map(struct reference_map *map)
{
	size_t i;

	for (i = 0; i < map->segment_count; i++) {
		free(map->segments[i].bytes);
		free(map->segments[i].referenced);
	}
	free(map->segments);
	free(map->path);
	memset(map, 0, sizeof(*map));
}

/* The reference map of path, built on first use; NULL when it cannot be read. */
static struct reference_map *reference_map(const char *path)
{
	struct reference_map *grown, *map;
	int err;
	size_t i;

	for (i = 0; i < map_count; i++)
		if (!strcmp(maps[i].path, path))
			return maps[i].segment_count ? &maps[i] : NULL;
	grown = realloc(maps, (map_count + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	maps = grown;
	map = &maps[map_count];
	memset(map, 0, sizeof(*map));
	map->path = strdup(path);
	if (!map->path)
		return NULL;
	map_count++;
	err = build_map(map, path);
	if (err) {
		log_errno(LOG_DEBUG, -err, "probes in '%s' stay at function entries", path);
		free_map(map);
		map->path = strdup(path);
		if (!map->path) {
			map_count--;
			return NULL;
		}
	}
	return map->segment_count ? map : NULL;
}

/*
 * Whether the kernel emulates the instruction at a probe instead of
 * single-stepping it: push of a 64-bit register (no prefix but REX.B),
 * jmp, call and jcc with an 8- or 32-bit displacement and no prefix, and a
 * one-byte nop. Exact lengths keep out the prefixes the kernel rejects.
 */
static bool is_emulated(const cs_insn *insn)
{
	const uint8_t *b = insn->bytes;

	switch (insn->size) {
	case 1:
		return (b[0] >= 0x50 && b[0] <= 0x57) || b[0] == 0x90;
	case 2:
		return (b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57) || b[0] == 0xeb ||
		       (b[0] >= 0x70 && b[0] <= 0x7f);
	case 5:
		return b[0] == 0xe8 || b[0] == 0xe9;
	case 6:
		return b[0] == 0x0f && b[1] >= 0x80 && b[1] <= 0x8f;
	}
	return false;
}

static bool writes_stack_or_ip(csh handle, const cs_insn *insn)
{
	cs_regs read, written;
	uint8_t read_count, written_count, i;

	if (cs_regs_access(handle, insn, read, &read_count, written, &written_count))
		return true;
	for (i = 0; i < written_count; i++)
		switch (written[i]) {
		case X86_REG_RSP: case X86_REG_ESP: case X86_REG_SP: case X86_REG_SPL:
		case X86_REG_RIP: case X86_REG_EIP: case X86_REG_IP:
			return true;
		}
	return false;
}

/*
 * Whether an instruction may run between a function's entry and its probe.
 * It must fall through to the next one, so that the probe runs once a call.
 * It must keep the return address at the stack top. It must not touch
 * memory, because a fault handled by a jump elsewhere would skip the probe.
 */
static bool is_transparent(csh handle, const cs_insn *insn)
{
	const cs_detail *detail = insn->detail;
	uint8_t i;

	for (i = 0; i < detail->groups_count; i++)
		switch (detail->groups[i]) {
		case CS_GRP_JUMP: case CS_GRP_CALL: case CS_GRP_RET: case CS_GRP_INT:
		case CS_GRP_IRET: case CS_GRP_PRIVILEGE: case CS_GRP_BRANCH_RELATIVE:
			return false;
		}
	switch (insn->id) {
	case X86_INS_LEA:
		/* Computes an address without reading it. */
		return !writes_stack_or_ip(handle, insn);
	case X86_INS_SYSCALL: case X86_INS_SYSENTER: case X86_INS_UD2: case X86_INS_HLT:
	case X86_INS_DIV: case X86_INS_IDIV: case X86_INS_XBEGIN: case X86_INS_XABORT:
	case X86_INS_XEND: case X86_INS_MASKMOVQ: case X86_INS_MASKMOVDQU:
	case X86_INS_VMASKMOVDQU: case X86_INS_INVALID:
		return false;
	}
	for (i = 0; i < detail->x86.op_count; i++)
		if (detail->x86.operands[i].type == X86_OP_MEM)
			return false;
	return !writes_stack_or_ip(handle, insn);
}

/* Whether a rel8 branch anywhere within reach may target (entry, probe]. */
static bool short_branch_reaches(const struct code_segment *segment, uint64_t entry,
				 uint64_t probe)
{
	uint64_t first = entry - segment->vaddr > 130 ? entry - 130 : segment->vaddr + 1;
	uint64_t last = probe + 130, source;

	for (source = first; source <= last && source - segment->vaddr < segment->size; source++) {
		uint8_t opcode = segment->bytes[source - 1 - segment->vaddr];
		uint64_t target;

		/* jmp rel8, jcc rel8, loop/loope/loopne/jrcxz: read at every byte, not decoded. */
		if (opcode != 0xeb && (opcode < 0x70 || opcode > 0x7f) &&
		    (opcode < 0xe0 || opcode > 0xe3))
			continue;
		target = source + 1 + (int8_t)segment->bytes[source - segment->vaddr];
		if (target > entry && target <= probe)
			return true;
	}
	return false;
}

/*
 * Whether a displacement near (entry, probe] may name an address in it.
 * A window whose instruction would contain the entry is skipped: compilers
 * do not emit an instruction that overlaps a function's first one.
 */
static bool near_displacement_reaches(const struct code_segment *segment, uint64_t entry,
				      uint64_t probe)
{
	uint64_t end = segment->vaddr + segment->size, position;
	uint64_t first = entry - segment->vaddr > 2 * NEAR_DISTANCE ? entry - 2 * NEAR_DISTANCE
								      : segment->vaddr;

	for (position = first; position <= probe + NEAR_DISTANCE && position + 4 <= end;
	     position++) {
		uint64_t instruction_end = position + DISPLACEMENT_END, target;
		int32_t displacement;

		memcpy(&displacement, segment->bytes + (position - segment->vaddr),
		       sizeof(displacement));
		target = instruction_end + (int64_t)displacement;
		if (!is_near(target - position) || (position < entry && instruction_end > entry))
			continue;
		if (target > entry && target <= probe)
			return true;
	}
	return false;
}

/* Returns the vaddr of the first emulated instruction after entry, or 0. */
static uint64_t find_emulated(csh handle, const struct code_segment *segment, uint64_t entry)
{
	uint64_t available = segment->size - (entry - segment->vaddr), found = 0;
	cs_insn *insns = NULL;
	size_t count, i;

	count = cs_disasm(handle, segment->bytes + (entry - segment->vaddr),
			  available < MAX_WALK_BYTES ? available : MAX_WALK_BYTES, entry,
			  MAX_WALK_INSNS, &insns);
	for (i = 0; i < count; i++) {
		if (is_emulated(&insns[i])) {
			found = i ? insns[i].address : 0;
			break;
		}
		if (!is_transparent(handle, &insns[i]))
			break;
	}
	cs_free(insns, count);
	return found;
}

/* Opens the decoder on the first call and keeps it. Warns once if capstone cannot be loaded. */
static bool open_decoder(csh *handle)
{
	static bool opened, warned;

	if (opened)
		return true;
	if (capstone_load()) {
		if (!warned)
			p_warn("probes stay on function entries, which the kernel single-steps: %s",
			       capstone_load_error());
		warned = true;
		return false;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, handle) != CS_ERR_OK)
		return false;
	cs_option(*handle, CS_OPT_DETAIL, CS_OPT_ON);
	opened = true;
	return true;
}

uint64_t probe_placement_emulated(const char *path, uint64_t entry, uint32_t *stack_slots)
{
	static csh handle;
	struct reference_map *map;
	struct code_segment *segment;
	uint64_t entry_vaddr, probe_vaddr, bit;

	*stack_slots = 0;
	if (!open_decoder(&handle))
		return entry;
	map = reference_map(path);
	segment = map ? segment_at_offset(map, entry) : NULL;
	if (!segment)
		return entry;
	entry_vaddr = entry - segment->offset + segment->vaddr;
	probe_vaddr = find_emulated(handle, segment, entry_vaddr);
	if (!probe_vaddr)
		return entry;

	/*
	 * Nothing may enter the bytes after the entry: the probe would miss or
	 * repeat. NOTE: offsets in a relative jump table are relative to the
	 * table, so a table naming these bytes would go unseen. Compilers emit
	 * tables only for targets inside the function that uses them, so only
	 * a switch whose case loops back into its own entry block could do so.
	 */
	for (bit = entry_vaddr + 1; bit <= probe_vaddr; bit++)
		if (is_referenced(segment, bit))
			return entry;
	if (short_branch_reaches(segment, entry_vaddr, probe_vaddr) ||
	    near_displacement_reaches(segment, entry_vaddr, probe_vaddr))
		return entry;
	return probe_vaddr - segment->vaddr + segment->offset;
}

bool probe_placement_rejected(const char *path, uint64_t offset)
{
	struct reference_map *map = reference_map(path);
	struct code_segment *segment = map ? segment_at_offset(map, offset) : NULL;
	uint64_t i;

	if (!segment)
		return false;
	/* Legacy prefixes come first, in any order, up to 4 of them. */
	for (i = offset - segment->offset; i < segment->size && i < offset - segment->offset + 4;
	     i++)
		switch (segment->bytes[i]) {
		case 0xf0: case 0x26: case 0x2e: case 0x36: case 0x3e:
			return true;
		case 0x66: case 0x67: case 0xf2: case 0xf3: case 0x64: case 0x65:
			continue;
		default:
			return false;
		}
	return false;
}

void probe_placement_free(void)
{
	size_t i;

	for (i = 0; i < map_count; i++)
		free_map(&maps[i]);
	free(maps);
	maps = NULL;
	map_count = 0;
}
