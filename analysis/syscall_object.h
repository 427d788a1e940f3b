/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One ELF object disassembled for the static system call scan: its
 * instructions, its functions and data nodes with their edges, its system
 * call sites and the functions that take the call number as an argument.
 */
#ifndef __UNISCOPE_SYSCALL_OBJECT_H
#define __UNISCOPE_SYSCALL_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "syscalls.h"

/* Call numbers kept in per-function sets; larger constants count as unrecovered. */
#define SYSCALL_NR_LIMIT 512
#define SYSCALL_SET_WORDS (SYSCALL_NR_LIMIT / 64)
#define SYSCALL_SET_SIZE (SYSCALL_SET_WORDS * sizeof(uint64_t))

/* General-purpose register families: rax, eax, ax and al are all REG_AX. */
enum reg_family {
	REG_AX, REG_CX, REG_DX, REG_BX, REG_SP, REG_BP, REG_SI, REG_DI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	REG_COUNT,
	REG_NONE = 0xff,
};

enum insn_flow {
	FLOW_NEXT,		/* falls through only */
	FLOW_CALL,		/* direct call */
	FLOW_JMP,		/* direct unconditional jump */
	FLOW_JCC,		/* direct conditional jump */
	FLOW_CALL_MEM,		/* call through a memory slot (target is the slot) */
	FLOW_JMP_MEM,		/* jump through a memory slot (target is the slot) */
	FLOW_CALL_REG,		/* call through a register */
	FLOW_STOP,		/* ret, hlt, ud2, jump through a register: no fallthrough */
	FLOW_SYSCALL,		/* syscall, sysenter, int 0x80, call gs:[0x10] on i386 */
};

/* Stack effect of an instruction that the slice follows. */
enum stack_op {
	STACK_NONE,
	STACK_LOAD,		/* reg = [sp + offset] */
	STACK_STORE_CONST,	/* [sp + offset] = imm */
	STACK_STORE_REG,	/* [sp + offset] = reg */
	STACK_PUSH_CONST,	/* push imm */
	STACK_PUSH_REG,		/* push reg */
	STACK_PUSH_SLOT,	/* push [sp + offset], the offset taken before the push */
	STACK_PUSH_OTHER,	/* push of a value not tracked */
};

/* A location the slice follows: a reg_family below REG_COUNT, or a stack slot. */
#define LOC_STACK 0x100		/* LOC_STACK + n: the slot n bytes above the stack pointer */
#define LOC_STACK_MAX 0xfeff	/* largest offset followed */
#define LOC_NONE 0xffff

enum insn_move {
	MOVE_NONE,		/* writes no family, or writes in a way not tracked */
	MOVE_CONST,		/* dst = imm */
	MOVE_REG,		/* dst = src */
};

struct insn {
	uint64_t addr;
	uint64_t ref;		/* address taken by lea, a memory operand or an immediate */
	int64_t imm;		/* value of a MOVE_CONST */
	uint64_t target;	/* branch target, or the slot of FLOW_*_MEM */
	uint16_t writes;	/* bit per reg_family written */
	uint8_t size;
	/* Bit-fields keep an instruction at 48 bytes: a large library has millions. */
	uint8_t flow:4;		/* enum insn_flow */
	uint8_t move:2;		/* enum insn_move */
	uint8_t dst;		/* reg_family of a move */
	uint8_t src;		/* reg_family a MOVE_REG copies */
	uint8_t stack_op:3;	/* enum stack_op */
	bool ref_is_load:1;	/* ref is read from (a slot), not just computed */
	bool ref_is_guess:1;	/* ref may be no address: keep it only on a function start */
	bool compat32:1;	/* int 0x80 or sysenter in 64-bit code: an i386 call number */
	bool is_nop:1;		/* padding: when nothing jumps to it, paths through it are dead */
	bool sp_unknown:1;	/* changes the stack pointer in a way not tracked */
	uint8_t stack_reg;	/* reg_family loaded, stored or pushed */
	int32_t sp_delta;	/* change of the stack pointer: push, pop, add or sub of a constant */
	int32_t stack_offset;	/* offset above the stack pointer of a stack load or store */
};

_Static_assert(FLOW_SYSCALL < 16 && MOVE_REG < 4 && STACK_PUSH_OTHER < 8,
	       "an enum outgrew its bit-field in struct insn");

struct func {
	uint64_t addr;
	uint32_t first;		/* index of its first instruction */
	uint32_t end;		/* index past its last instruction */
	const char *name;	/* best symbol name, or NULL */
	uint64_t end_addr;	/* end of its code, or of the bytes a data node covers */
	uint32_t *callees;	/* indexes of functions called, jumped to or address-taken */
	size_t callee_count;
	const char **imports;	/* names of other objects' functions it calls or takes */
	size_t import_count;
	/*
	 * Call numbers of its sites, SYSCALL_SET_WORDS words each, or NULL when
	 * it has none: most functions have none, and a decoded object
	 * allocates no set for them.
	 */
	uint64_t *syscalls;
	uint64_t *syscalls32;	/* i386 numbers of compat32 sites */
	uint16_t dispatch_loc;	/* location of the call number argument at entry, or LOC_NONE */
	uint32_t unrecovered;	/* sites in it whose number is unknown */
};

/* A place where a call number was recovered: a system call instruction or a dispatcher call. */
struct syscall_site {
	uint64_t addr;
	uint32_t func;
	uint16_t nr;
	bool via_dispatcher;
	bool compat32;		/* nr is in the i386 table although the object is 64-bit */
};

#define IMPORT_CALL_MAX_VALUES 4

/*
 * A call from this object to another object's function, kept for
 * cross-object dispatchers. The constants of the first argument at the call
 * are recovered at load time, because the instructions are freed after it.
 */
struct import_call {
	uint64_t addr;		/* address of the call or jump */
	uint32_t func;		/* calling function */
	const char *name;	/* imported function */
	uint16_t argument_loc;	/* location of the first argument before the branch */
	uint8_t value_count;
	bool unknown;		/* some path gives no constant, or too many values */
	int64_t values[IMPORT_CALL_MAX_VALUES];
};

/* A direct jump, indexed by target so the slice can walk back across it. */
struct jump_edge {
	uint64_t target;
	uint32_t source;	/* instruction index of the jump */
};

struct export {
	const char *name;
	uint32_t func;
};

struct syscall_object {
	char *path;
	const char *base_name;	/* last component of path */
	off_t size;		/* size and mtime of the file read, the in-memory cache key */
	struct timespec mtime;
	struct stat file_status;	/* of the file read: the key of its on-disk cache entry */

	char error[256];	/* set when the object could not be analysed */
	enum syscall_table table;
	bool is_64;
	uint64_t entry;
	char *interpreter;	/* PT_INTERP, or NULL */

	struct insn *insns;	/* freed once the object is analysed */
	size_t insn_count;
	struct func *funcs;	/* code functions sorted by address, then data nodes by address */
	size_t func_count;
	size_t code_func_count;	/* the rest are data nodes: no instructions, pointer edges only */
	struct syscall_site *sites;
	size_t site_count;
	struct import_call *import_calls;
	size_t import_call_count;
	struct jump_edge *jumps;	/* sorted by target; freed with insns */
	size_t jump_count;
	struct export *exports;	/* sorted by name */
	size_t export_count;
	uint32_t *init_funcs;	/* functions run at load and exit: DT_INIT, init and fini arrays */
	size_t init_func_count;

	size_t syscall_insn_count;
	size_t unrecovered_count;
	uint64_t *unrecovered_addrs;	/* first ones, for the report */
	size_t unrecovered_addr_count;

	/*
	 * The whole file while it is analysed, then the string pool of the
	 * compact form (a cache entry mapped, or a malloc'd payload): every name
	 * points into it.
	 */
	void *image;
	size_t image_size;
	bool image_mapped;	/* image is a mapping to munmap, not a malloc'd block */
	void *elf;		/* libelf handle over image */
	/* Compact form: all callees and all imports in one block each, not per function. */
	uint32_t *callee_block;
	const char **import_block;
	uint64_t last_scan;	/* number of the last scan that used it, for cache eviction */
};

/* Bytes of one executable section. */
struct code_range {
	uint64_t addr;
	const uint8_t *bytes;
	size_t size;
};

struct syscall_disasm_context {
	bool is_64;
	bool immediates_are_addresses;	/* position-dependent code: immediates may be addresses */
	uint64_t got_ebx;		/* i386 PIC: the GOT address ebx holds, or 0 */
};

/*
 * Readies capstone for syscall_disasm_ranges() on several threads: loads
 * it and decodes one instruction, so that the lazily sorted tables of
 * capstone 4's x86 printer are sorted before threads share them.
 */
void syscall_disasm_prepare_threads(void);

/*
 * Sets how many threads decode the code of one object from 1 MiB on: 0 (the
 * default) for one per online CPU, at most 4.
 */
void syscall_disasm_set_threads(unsigned int threads);

/*
 * Disassembles ranges (sorted by address) into object->insns with a linear
 * sweep. Large x86-64 code is cut into pieces decoded side by side and
 * joined as one sweep would have decoded it. Returns 0 or -1.
 */
int syscall_disasm_ranges(struct syscall_object *object, const struct code_range *ranges,
			  size_t range_count, const struct syscall_disasm_context *context);

/*
 * Recovers the call number of every system call site and of every call to a
 * function that takes the number as an argument. Returns 0 or -1 on allocation failure.
 */
int syscall_object_find_sites(struct syscall_object *object);

/* Reads and analyses path. Returns NULL on allocation failure only; a bad ELF sets ->error. */
struct syscall_object *syscall_object_load(const char *path);

/*
 * Returns the analysed object of path in its compact form: read from the
 * on-disk cache when an entry matches st (the file's current status), else
 * analysed and stored there. Returns NULL on allocation failure only.
 */
struct syscall_object *syscall_cache_object(const char *path, const struct stat *st);

/*
 * Returns whether the on-disk cache has an entry for path whose header
 * matches st and this build, without reading its payload. Thread-safe, as
 * syscall_cache_object() is.
 */
bool syscall_cache_has(const char *path, const struct stat *st);

void syscall_object_free(struct syscall_object *object);

/* Returns an estimate of the bytes the object keeps allocated. */
size_t syscall_object_memory(const struct syscall_object *object);

/* Returns the index of the code function whose range contains addr, or -1. */
long syscall_object_func_at(const struct syscall_object *object, uint64_t addr);

/* Returns the first export named name (exports with one name are adjacent), or NULL. */
const struct export *syscall_object_find_export(const struct syscall_object *object,
						const char *name);

/* Locations whose value comes from the function's caller. */
struct slice_entry {
	uint16_t regs;		/* bit per reg_family */
	int32_t stack;		/* stack slot offset at the entry, or -1 */
};

/*
 * Finds the constant values location loc may contain before instruction
 * index insn of function func, walking back through fallthrough and direct
 * jump edges. Stores up to max values and returns their count. *unknown is
 * set when some path gives no constant, and *entry gets the locations that
 * reach the function entry instead.
 */
size_t syscall_object_slice(const struct syscall_object *object, uint32_t func, uint32_t insn,
			    uint16_t loc, int64_t *values, size_t max, bool *unknown,
			    struct slice_entry *entry);

/*
 * Converts a dispatcher's argument location at its entry into the location
 * at a call (the return address is not pushed yet) or a tail jump to it.
 */
static inline uint16_t argument_before_branch(uint16_t dispatch_loc, bool is_call, bool is_64)
{
	unsigned int width = is_64 ? 8 : 4;

	if (dispatch_loc < LOC_STACK || dispatch_loc == LOC_NONE || !is_call)
		return dispatch_loc;
	return dispatch_loc - LOC_STACK >= (int)width ? dispatch_loc - width : LOC_NONE;
}

static inline void syscall_set_add(uint64_t *set, unsigned int nr)
{
	set[nr / 64] |= 1ULL << (nr % 64);
}

static inline bool syscall_set_has(const uint64_t *set, unsigned int nr)
{
	return set[nr / 64] & (1ULL << (nr % 64));
}

#endif /* __UNISCOPE_SYSCALL_OBJECT_H */
