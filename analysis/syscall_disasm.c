// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Disassembly of x86 code for the static system call scan, and the backward
 * slice that recovers the constants a register may contain at an instruction.
 */
#include <capstone/capstone.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capstone_lazy.h"
#include "log.h"
#include "syscall_object.h"

#define SLICE_MAX_STEPS 1024
#define SLICE_TABLE_SIZE 4096	/* power of two, above twice SLICE_MAX_STEPS */

/* Code is decoded in pieces on several threads from this size on. */
#define PARALLEL_DECODE_BYTES (1 << 20)
#define DEFAULT_DECODE_THREADS 4

static uint8_t reg_family(unsigned int reg)
{
	switch (reg) {
	case X86_REG_AL: case X86_REG_AH: case X86_REG_AX: case X86_REG_EAX: case X86_REG_RAX:
		return REG_AX;
	case X86_REG_CL: case X86_REG_CH: case X86_REG_CX: case X86_REG_ECX: case X86_REG_RCX:
		return REG_CX;
	case X86_REG_DL: case X86_REG_DH: case X86_REG_DX: case X86_REG_EDX: case X86_REG_RDX:
		return REG_DX;
	case X86_REG_BL: case X86_REG_BH: case X86_REG_BX: case X86_REG_EBX: case X86_REG_RBX:
		return REG_BX;
	case X86_REG_SPL: case X86_REG_SP: case X86_REG_ESP: case X86_REG_RSP:
		return REG_SP;
	case X86_REG_BPL: case X86_REG_BP: case X86_REG_EBP: case X86_REG_RBP:
		return REG_BP;
	case X86_REG_SIL: case X86_REG_SI: case X86_REG_ESI: case X86_REG_RSI:
		return REG_SI;
	case X86_REG_DIL: case X86_REG_DI: case X86_REG_EDI: case X86_REG_RDI:
		return REG_DI;
	case X86_REG_R8B: case X86_REG_R8W: case X86_REG_R8D: case X86_REG_R8:
		return REG_R8;
	case X86_REG_R9B: case X86_REG_R9W: case X86_REG_R9D: case X86_REG_R9:
		return REG_R9;
	case X86_REG_R10B: case X86_REG_R10W: case X86_REG_R10D: case X86_REG_R10:
		return REG_R10;
	case X86_REG_R11B: case X86_REG_R11W: case X86_REG_R11D: case X86_REG_R11:
		return REG_R11;
	case X86_REG_R12B: case X86_REG_R12W: case X86_REG_R12D: case X86_REG_R12:
		return REG_R12;
	case X86_REG_R13B: case X86_REG_R13W: case X86_REG_R13D: case X86_REG_R13:
		return REG_R13;
	case X86_REG_R14B: case X86_REG_R14W: case X86_REG_R14D: case X86_REG_R14:
		return REG_R14;
	case X86_REG_R15B: case X86_REG_R15W: case X86_REG_R15D: case X86_REG_R15:
		return REG_R15;
	default:
		return REG_NONE;
	}
}

/* Registers a call may clobber: the System V caller-saved ones, or eax, ecx, edx on i386. */
static uint16_t call_clobbers(bool is_64)
{
	uint16_t regs = 1 << REG_AX | 1 << REG_CX | 1 << REG_DX;

	if (is_64)
		regs |= 1 << REG_SI | 1 << REG_DI | 1 << REG_R8 | 1 << REG_R9 |
			1 << REG_R10 | 1 << REG_R11;
	return regs;
}

static uint16_t written_families(csh handle, const cs_insn *ci)
{
	cs_regs read_regs, write_regs;
	uint8_t read_count = 0, write_count = 0, i, family;
	uint16_t families = 0;

	if (cs_regs_access(handle, ci, read_regs, &read_count, write_regs, &write_count))
		return 0;
	for (i = 0; i < write_count; i++) {
		family = reg_family(write_regs[i]);
		if (family != REG_NONE)
			families |= 1 << family;
	}
	return families;
}

/*
 * Registers known to contain the GOT address in i386 position-independent
 * code: after "call __x86.get_pc_thunk.REG; add REG, imm", or a copy of such
 * a register. [REG + disp] is then a fixed address.
 */
struct pic_registers {
	uint16_t known;			/* bit per reg_family */
	uint32_t value[REG_COUNT];
	uint8_t thunk_reg;		/* register the previous instruction's thunk call set */
};

/*
 * Returns the address a memory operand designates, when it is fixed:
 * rip-relative, absolute, or relative to a register containing the GOT
 * address in i386 position-independent code. PLT entries use ebx, which
 * their callers set, so ebx falls back to the object's GOT address.
 */
static bool memory_address(const cs_insn *ci, const x86_op_mem *mem,
			   const struct syscall_disasm_context *context,
			   const struct pic_registers *pic, uint64_t *addr)
{
	uint8_t base = reg_family(mem->base);

	if (mem->segment != X86_REG_INVALID || mem->index != X86_REG_INVALID)
		return false;
	if (mem->base == X86_REG_RIP) {
		*addr = ci->address + ci->size + mem->disp;
		return true;
	}
	if (mem->base == X86_REG_INVALID) {
		*addr = (uint64_t)mem->disp;
		return true;
	}
	if (context->is_64 || base == REG_NONE)
		return false;
	if (pic->known & 1 << base) {
		*addr = (uint32_t)(pic->value[base] + mem->disp);
		return true;
	}
	if (base == REG_BX && context->got_ebx) {
		*addr = (uint32_t)(context->got_ebx + mem->disp);
		return true;
	}
	return false;
}

/* Returns the register a PC thunk at addr loads (mov REG, [esp]; ret), or REG_NONE. */
static uint8_t thunk_register(const struct code_range *ranges, size_t range_count, uint64_t addr)
{
	const uint8_t *bytes;
	size_t i;

	for (i = 0; i < range_count; i++) {
		if (addr < ranges[i].addr || addr + 4 > ranges[i].addr + ranges[i].size)
			continue;
		bytes = ranges[i].bytes + (addr - ranges[i].addr);
		/* 8b /r with ModRM 00 REG 100 and SIB 0x24 is mov REG, [esp]; c3 is ret. */
		if (bytes[0] == 0x8b && (bytes[1] & 0xc7) == 0x04 && bytes[2] == 0x24 &&
		    bytes[3] == 0xc3)
			return (bytes[1] >> 3) & 7;
		return REG_NONE;
	}
	return REG_NONE;
}

/* Follows the GOT registers across instruction insn, already classified. */
static void update_pic_registers(const cs_insn *ci, const struct insn *insn,
				 const struct code_range *ranges, size_t range_count,
				 struct pic_registers *pic)
{
	const cs_x86 *x86 = &ci->detail->x86;
	uint8_t thunk_reg = pic->thunk_reg;
	bool copies_known = insn->move == MOVE_REG && (pic->known & 1 << insn->src);
	uint32_t copied = copies_known ? pic->value[insn->src] : 0;

	pic->thunk_reg = REG_NONE;
	pic->known &= ~insn->writes;
	if (copies_known) {
		pic->known |= 1 << insn->dst;
		pic->value[insn->dst] = copied;
	}
	if (thunk_reg != REG_NONE && ci->id == X86_INS_ADD && x86->op_count == 2 &&
	    x86->operands[0].type == X86_OP_REG &&
	    reg_family(x86->operands[0].reg) == thunk_reg &&
	    x86->operands[1].type == X86_OP_IMM) {
		pic->known |= 1 << thunk_reg;
		pic->value[thunk_reg] = (uint32_t)(ci->address + x86->operands[1].imm);
	}
	if (insn->flow == FLOW_CALL)
		pic->thunk_reg = thunk_register(ranges, range_count, insn->target);
}

/* The i386 vsyscall entry: call dword ptr gs:[0x10] reaches the kernel like int 0x80. */
static bool is_i386_vsyscall(const cs_x86_op *op)
{
	return op->type == X86_OP_MEM && op->mem.segment == X86_REG_GS &&
	       op->mem.base == X86_REG_INVALID && op->mem.index == X86_REG_INVALID &&
	       op->mem.disp == 0x10;
}

static void classify_branch(const cs_insn *ci, const struct syscall_disasm_context *context,
			    const struct pic_registers *pic, struct insn *out, bool is_call)
{
	const cs_x86_op *op = &ci->detail->x86.operands[0];
	uint64_t slot;

	if (ci->detail->x86.op_count < 1) {
		out->flow = is_call ? FLOW_CALL_REG : FLOW_STOP;
		return;
	}
	if (op->type == X86_OP_IMM) {
		out->flow = is_call ? FLOW_CALL : FLOW_JMP;
		out->target = op->imm;
	} else if (is_call && !context->is_64 && is_i386_vsyscall(op)) {
		out->flow = FLOW_SYSCALL;
	} else if (op->type == X86_OP_MEM &&
		   memory_address(ci, &op->mem, context, pic, &slot)) {
		out->flow = is_call ? FLOW_CALL_MEM : FLOW_JMP_MEM;
		out->target = slot;
	} else {
		out->flow = is_call ? FLOW_CALL_REG : FLOW_STOP;
	}
}

static void classify_flow(csh handle, const cs_insn *ci,
			  const struct syscall_disasm_context *context,
			  const struct pic_registers *pic, struct insn *out)
{
	const cs_x86 *x86 = &ci->detail->x86;

	switch (ci->id) {
	case X86_INS_SYSCALL:
		out->flow = FLOW_SYSCALL;
		return;
	case X86_INS_SYSENTER:
		out->flow = FLOW_SYSCALL;
		out->compat32 = context->is_64;
		return;
	case X86_INS_INT:
		if (x86->op_count == 1 && x86->operands[0].imm == 0x80) {
			out->flow = FLOW_SYSCALL;
			out->compat32 = context->is_64;
		}
		return;
	case X86_INS_CALL:
		classify_branch(ci, context, pic, out, true);
		return;
	case X86_INS_JMP:
		classify_branch(ci, context, pic, out, false);
		return;
	case X86_INS_HLT:
	case X86_INS_UD2:
	case X86_INS_INT3:
	case X86_INS_LJMP:
		out->flow = FLOW_STOP;
		return;
	}
	if (cs_insn_group(handle, ci, CS_GRP_RET) || cs_insn_group(handle, ci, CS_GRP_IRET)) {
		out->flow = FLOW_STOP;
	} else if (cs_insn_group(handle, ci, CS_GRP_JUMP) && x86->op_count == 1 &&
		   x86->operands[0].type == X86_OP_IMM) {
		out->flow = FLOW_JCC;
		out->target = x86->operands[0].imm;
	}
}

/* Records the moves the slice follows: constant or register into a 32- or 64-bit register. */
static void classify_move(const cs_insn *ci, struct insn *out)
{
	const cs_x86 *x86 = &ci->detail->x86;
	const cs_x86_op *dst = &x86->operands[0], *src = &x86->operands[1];

	if (x86->op_count != 2 || dst->type != X86_OP_REG || dst->size < 4)
		return;
	switch (ci->id) {
	case X86_INS_MOV:
	case X86_INS_MOVABS:
		if (src->type == X86_OP_IMM) {
			out->move = MOVE_CONST;
			out->imm = src->imm;
		} else if (src->type == X86_OP_REG && src->size >= 4) {
			out->move = MOVE_REG;
			out->src = reg_family(src->reg);
		}
		break;
	case X86_INS_MOVSXD:
	case X86_INS_MOVSX:
	case X86_INS_MOVZX:
		if (src->type == X86_OP_REG) {
			out->move = MOVE_REG;
			out->src = reg_family(src->reg);
		}
		break;
	case X86_INS_XOR:
	case X86_INS_SUB:
		if (src->type == X86_OP_REG && src->reg == dst->reg) {
			out->move = MOVE_CONST;
			out->imm = 0;
		}
		break;
	}
	out->dst = reg_family(dst->reg);
	if (out->dst == REG_NONE || (out->move == MOVE_REG && out->src == REG_NONE))
		out->move = MOVE_NONE;
}

static bool is_stack_pointer(unsigned int reg)
{
	return reg == X86_REG_ESP || reg == X86_REG_RSP;
}

static bool is_stack_slot(const cs_x86_op *op)
{
	return op->type == X86_OP_MEM && is_stack_pointer(op->mem.base) &&
	       op->mem.index == X86_REG_INVALID && op->mem.segment == X86_REG_INVALID &&
	       op->mem.disp >= 0 && op->mem.disp <= LOC_STACK_MAX;
}

static void classify_push(const cs_x86_op *op, struct insn *out, int width)
{
	out->sp_delta = -width;
	if (op->type == X86_OP_IMM) {
		out->stack_op = STACK_PUSH_CONST;
		out->imm = op->imm;
	} else if (op->type == X86_OP_REG && reg_family(op->reg) != REG_NONE) {
		out->stack_op = STACK_PUSH_REG;
		out->stack_reg = reg_family(op->reg);
	} else if (is_stack_slot(op) && op->size == width) {
		out->stack_op = STACK_PUSH_SLOT;
		out->stack_offset = op->mem.disp;
	} else {
		out->stack_op = STACK_PUSH_OTHER;
	}
}

/* Records moves through the stack: pushes, pops, stack pointer arithmetic, loads and stores. */
static void classify_stack(const cs_insn *ci, const struct syscall_disasm_context *context,
			   struct insn *out)
{
	const cs_x86 *x86 = &ci->detail->x86;
	const cs_x86_op *dst = &x86->operands[0], *src = &x86->operands[1];
	int width = context->is_64 ? 8 : 4;

	switch (ci->id) {
	case X86_INS_PUSH:
		if (x86->op_count == 1)
			classify_push(dst, out, width);
		return;
	case X86_INS_POP:
		out->sp_delta = width;
		return;
	case X86_INS_SUB:
	case X86_INS_ADD:
		if (x86->op_count == 2 && dst->type == X86_OP_REG && is_stack_pointer(dst->reg) &&
		    src->type == X86_OP_IMM)
			out->sp_delta = ci->id == X86_INS_ADD ? src->imm : -src->imm;
		return;
	case X86_INS_MOV:
		if (x86->op_count != 2)
			return;
		if (is_stack_slot(dst) && dst->size >= 4 && src->type == X86_OP_IMM) {
			out->stack_op = STACK_STORE_CONST;
			out->imm = src->imm;
		} else if (is_stack_slot(dst) && src->type == X86_OP_REG && src->size >= 4) {
			out->stack_op = STACK_STORE_REG;
			out->stack_reg = reg_family(src->reg);
		} else if (is_stack_slot(src) && dst->type == X86_OP_REG && dst->size >= 4) {
			out->stack_op = STACK_LOAD;
			out->stack_reg = reg_family(dst->reg);
		}
		if (out->stack_op == STACK_STORE_REG && out->stack_reg == REG_NONE)
			out->stack_op = STACK_NONE;
		out->stack_offset = out->stack_op == STACK_NONE ? 0 :
				    is_stack_slot(dst) ? dst->mem.disp : src->mem.disp;
		return;
	}
}

/*
 * Guesses the target of "lea REG, [BASE + disp]" in i386 PIC code whose GOT
 * register was reloaded from a stack spill, which the PIC tracking loses:
 * the guess is GOT + disp, and only an exact function start is kept as an edge.
 */
static void classify_spilled_got_reference(const cs_insn *ci,
					   const struct syscall_disasm_context *context,
					   struct insn *out)
{
	const cs_x86_op *src = &ci->detail->x86.operands[1];

	if (context->is_64 || !context->got_ebx || ci->id != X86_INS_LEA ||
	    ci->detail->x86.op_count != 2 || src->mem.index != X86_REG_INVALID ||
	    src->mem.segment != X86_REG_INVALID || reg_family(src->mem.base) == REG_NONE ||
	    is_stack_pointer(src->mem.base))
		return;
	out->ref = (uint32_t)(context->got_ebx + src->mem.disp);
	out->ref_is_load = false;
	out->ref_is_guess = true;
}

/*
 * Records the address an instruction takes: the first fixed memory operand, or
 * in position-dependent code an immediate that may be a code address.
 */
static void classify_reference(const cs_insn *ci, const struct syscall_disasm_context *context,
			       const struct pic_registers *pic, struct insn *out)
{
	const cs_x86 *x86 = &ci->detail->x86;
	uint64_t addr;
	uint8_t i;

	if (out->flow == FLOW_CALL || out->flow == FLOW_JMP || out->flow == FLOW_JCC)
		return;
	for (i = 0; i < x86->op_count; i++) {
		const cs_x86_op *op = &x86->operands[i];

		if (op->type == X86_OP_MEM && memory_address(ci, &op->mem, context, pic, &addr)) {
			out->ref = addr;
			out->ref_is_load = ci->id != X86_INS_LEA;
			return;
		}
		if (op->type == X86_OP_IMM && context->immediates_are_addresses && op->imm > 0) {
			out->ref = op->imm;
			out->ref_is_load = false;
			return;
		}
	}
	classify_spilled_got_reference(ci, context, out);
}

static void classify(csh handle, const cs_insn *ci, const struct syscall_disasm_context *context,
		     const struct pic_registers *pic, struct insn *out)
{
	memset(out, 0, sizeof(*out));
	out->addr = ci->address;
	out->size = ci->size;
	out->dst = REG_NONE;
	out->src = REG_NONE;
	out->is_nop = ci->id == X86_INS_NOP;

	classify_flow(handle, ci, context, pic, out);
	classify_move(ci, out);
	classify_reference(ci, context, pic, out);
	classify_stack(ci, context, out);

	out->writes = written_families(handle, ci);
	/* Calls and returns leave the stack pointer where it was, seen from the caller. */
	out->sp_unknown = (out->writes & 1 << REG_SP) && !out->sp_delta &&
			  out->flow == FLOW_NEXT && out->stack_op == STACK_NONE;
	if (out->flow == FLOW_CALL || out->flow == FLOW_CALL_MEM || out->flow == FLOW_CALL_REG)
		out->writes |= call_clobbers(context->is_64);
	if (out->flow == FLOW_SYSCALL)
		out->writes |= 1 << REG_AX | 1 << REG_CX | 1 << REG_R11;
}

/* Decoded instructions of one piece of code. */
struct insn_list {
	struct insn *items;
	size_t count, capacity;
};

static int append_insn(struct insn_list *list, const struct insn *insn)
{
	struct insn *grown;

	if (list->count == list->capacity) {
		list->capacity = list->capacity ? list->capacity * 2 : 4096;
		grown = realloc(list->items, list->capacity * sizeof(*grown));
		if (!grown)
			return -1;
		list->items = grown;
	}
	list->items[list->count++] = *insn;
	return 0;
}

/*
 * A stretch of one range decoded on its own, from start: the sweep stops
 * at the first instruction that starts at or past limit, as the sweep of
 * the whole range passes limit.
 */
struct disasm_piece {
	const struct code_range *range;
	uint64_t start, limit;		/* addresses */
	struct insn_list insns;
	int err;
};

struct disasm_job {
	const struct code_range *ranges;
	size_t range_count;
	const struct syscall_disasm_context *context;
	struct disasm_piece *pieces;
	size_t piece_count;
	size_t next;		/* taken atomically */
};

static int open_decoder(bool is_64, csh *handle, cs_insn **ci)
{
	if (cs_open(CS_ARCH_X86, is_64 ? CS_MODE_64 : CS_MODE_32, handle) != CS_ERR_OK)
		return -1;
	cs_option(*handle, CS_OPT_DETAIL, CS_OPT_ON);
	*ci = cs_malloc(*handle);
	if (!*ci) {
		cs_close(handle);
		return -1;
	}
	return 0;
}

/*
 * Sweeps range from addr until an instruction would start at or past
 * limit, appending to list. With stop_at (sorted by address), it stops
 * before the first instruction that starts where one of stop_at does, and
 * sets *stopped_at to that one's index (stop_at->count when none).
 */
static int sweep(csh handle, cs_insn *ci, const struct code_range *range, uint64_t addr,
		 uint64_t limit, const struct disasm_job *job, struct pic_registers *pic,
		 struct insn_list *list, const struct insn_list *stop_at, size_t *stopped_at)
{
	const uint8_t *code = range->bytes + (addr - range->addr);
	size_t left = range->addr + range->size - addr, stop = 0;
	struct insn decoded;

	while (left > 0 && addr < limit) {
		if (stop_at) {
			while (stop < stop_at->count && stop_at->items[stop].addr < addr)
				stop++;
			if (stop < stop_at->count && stop_at->items[stop].addr == addr)
				break;
		}
		if (!cs_disasm_iter(handle, &code, &left, &addr, ci)) {
			/* Bytes that decode to nothing: skip one and resynchronise. */
			code++;
			left--;
			addr++;
			continue;
		}
		classify(handle, ci, job->context, pic, &decoded);
		if (!job->context->is_64)
			update_pic_registers(ci, &decoded, job->ranges, job->range_count, pic);
		if (append_insn(list, &decoded))
			return -1;
	}
	if (stop_at) {
		while (stop < stop_at->count && stop_at->items[stop].addr < addr)
			stop++;
		*stopped_at = stop;
	}
	return 0;
}

static void *decode_pieces(void *argument)
{
	struct disasm_job *job = argument;
	struct pic_registers pic = { .thunk_reg = REG_NONE };
	cs_insn *ci;
	csh handle;
	size_t i;

	if (open_decoder(job->context->is_64, &handle, &ci)) {
		while ((i = __atomic_fetch_add(&job->next, 1, __ATOMIC_RELAXED)) < job->piece_count)
			job->pieces[i].err = -1;
		return NULL;
	}
	while ((i = __atomic_fetch_add(&job->next, 1, __ATOMIC_RELAXED)) < job->piece_count) {
		struct disasm_piece *piece = &job->pieces[i];

		piece->err = sweep(handle, ci, piece->range, piece->start, piece->limit, job, &pic,
				   &piece->insns, NULL, NULL);
	}
	cs_free(ci, 1);
	cs_close(&handle);
	return NULL;
}

/*
 * Appends piece to all as the sweep of the whole range decodes it. Where
 * the previous piece's last instruction ran past piece->start, that sweep
 * goes on from its end (from): the joining thread decodes from there until
 * it meets an instruction of the piece, from which on both are the same.
 */
static int join_piece(struct insn_list *all, struct disasm_piece *piece, uint64_t from,
		      const struct disasm_job *job, csh handle, cs_insn *ci)
{
	struct pic_registers pic = { .thunk_reg = REG_NONE };
	size_t first = 0, i;

	if (from > piece->start &&
	    sweep(handle, ci, piece->range, from, piece->limit, job, &pic, all, &piece->insns,
		  &first))
		return -1;
	for (i = first; i < piece->insns.count; i++)
		if (append_insn(all, &piece->insns.items[i]))
			return -1;
	return 0;
}

/* Sweeps every range in order on the caller's thread, as small or i386 code is. */
static int sweep_all(const struct disasm_job *job, csh handle, cs_insn *ci,
		     struct insn_list *all)
{
	struct pic_registers pic = { .thunk_reg = REG_NONE };
	size_t i;

	for (i = 0; i < job->range_count; i++) {
		const struct code_range *range = &job->ranges[i];

		if (sweep(handle, ci, range, range->addr, range->addr + range->size, job, &pic,
			  all, NULL, NULL))
			return -1;
	}
	return 0;
}

/*
 * Makes the first piece's instructions the start of all, with room for
 * those of every piece, so the join copies each other piece once.
 * NOTE: the peak memory of a parallel decode is then about twice the
 * instructions (1.2 GB for libLLVM-14.so.1), where one thread needs one
 * array grown in place.
 */
static int adopt_first_piece(struct disasm_job *job, struct insn_list *all)
{
	size_t total = 0, i;
	struct insn *grown;

	for (i = 0; i < job->piece_count; i++) {
		if (job->pieces[i].err)
			return -1;
		total += job->pieces[i].insns.count;
	}
	*all = job->pieces[0].insns;
	memset(&job->pieces[0].insns, 0, sizeof(job->pieces[0].insns));
	grown = realloc(all->items, (total + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	all->items = grown;
	all->capacity = total + 1;
	return 0;
}

/* Cuts each range into pieces of about total / count bytes. Returns them, or NULL. */
static struct disasm_piece *cut_pieces(const struct code_range *ranges, size_t range_count,
				       size_t count, size_t *piece_count)
{
	uint64_t total = 0, share;
	struct disasm_piece *pieces;
	size_t i, n = 0, parts;

	for (i = 0; i < range_count; i++)
		total += ranges[i].size;
	share = total / count + 1;
	pieces = calloc(range_count + count + 1, sizeof(*pieces));
	if (!pieces)
		return NULL;
	for (i = 0; i < range_count; i++) {
		uint64_t start = ranges[i].addr, end = ranges[i].addr + ranges[i].size;

		for (parts = ranges[i].size / share + 1; parts; parts--) {
			uint64_t limit = parts > 1 ? start + (end - start) / parts : end;

			pieces[n].range = &ranges[i];
			pieces[n].start = start;
			pieces[n].limit = limit;
			n++;
			start = limit;
		}
	}
	*piece_count = n;
	return pieces;
}

static unsigned int decode_threads;	/* 0: one per online CPU, up to DEFAULT_DECODE_THREADS */

void syscall_disasm_set_threads(unsigned int threads)
{
	decode_threads = threads;
}

static unsigned int thread_count(uint64_t code_size, bool is_64)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	/* i386 code carries PIC register state from one instruction to the next. */
	if (!is_64 || code_size < PARALLEL_DECODE_BYTES)
		return 1;
	if (decode_threads)
		return decode_threads;
	if (cpus > DEFAULT_DECODE_THREADS)
		return DEFAULT_DECODE_THREADS;
	return cpus > 0 ? (unsigned int)cpus : 1;
}

/* Decodes the pieces of job on the given number of threads, the caller's included. */
static void decode_on_threads(struct disasm_job *job, unsigned int threads)
{
	pthread_t *workers = threads > 1 ? calloc(threads, sizeof(*workers)) : NULL;
	unsigned int started = 0, t;

	syscall_disasm_prepare_threads();
	for (t = 1; workers && t < threads; t++)
		if (!pthread_create(&workers[started], NULL, decode_pieces, job))
			started++;
	decode_pieces(job);
	for (t = 0; t < started; t++)
		pthread_join(workers[t], NULL);
	free(workers);
}

void syscall_disasm_prepare_threads(void)
{
	static const uint8_t add_eax[] = { 0x05, 0x01, 0x00, 0x00, 0x00 };
	const uint8_t *code = add_eax;
	size_t left = sizeof(add_eax);
	uint64_t addr = 0;
	cs_insn *ci;
	csh handle;

	if (capstone_load() || cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK)
		return;
	cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
	ci = cs_malloc(handle);
	if (ci)
		cs_disasm_iter(handle, &code, &left, &addr, ci);
	cs_free(ci, 1);
	cs_close(&handle);
}

int syscall_disasm_ranges(struct syscall_object *object, const struct code_range *ranges,
			  size_t range_count, const struct syscall_disasm_context *context)
{
	struct disasm_job job = { .ranges = ranges, .range_count = range_count,
				  .context = context };
	struct insn_list all = { 0 };
	uint64_t code_size = 0, from = 0;
	unsigned int threads;
	int err = 0;
	cs_insn *ci;
	csh handle;
	size_t i;

	if (capstone_load()) {
		snprintf(object->error, sizeof(object->error), "%s", capstone_load_error());
		return -1;
	}
	if (open_decoder(context->is_64, &handle, &ci)) {
		snprintf(object->error, sizeof(object->error), "capstone failed to open");
		return -1;
	}
	for (i = 0; i < range_count; i++)
		code_size += ranges[i].size;
	threads = thread_count(code_size, context->is_64);
	if (threads == 1) {
		err = sweep_all(&job, handle, ci, &all);
		goto out;
	}
	job.pieces = cut_pieces(ranges, range_count, threads, &job.piece_count);
	if (job.pieces)
		decode_on_threads(&job, threads);
	else
		err = -1;

	if (!err)
		err = adopt_first_piece(&job, &all);
	for (i = 1; !err && i < job.piece_count; i++) {
		struct disasm_piece *piece = &job.pieces[i];
		bool continues = job.pieces[i - 1].range == piece->range;

		from = all.count ? all.items[all.count - 1].addr + all.items[all.count - 1].size :
				   piece->start;
		err = piece->err;
		if (!err)
			err = join_piece(&all, piece, continues ? from : piece->start, &job, handle,
					 ci);
		/* Pieces are freed as they are joined, to keep the peak memory down. */
		free(piece->insns.items);
		piece->insns.items = NULL;
	}

out:
	for (i = 0; job.pieces && i < job.piece_count; i++)
		free(job.pieces[i].insns.items);
	free(job.pieces);
	cs_free(ci, 1);
	cs_close(&handle);
	if (err) {
		free(all.items);
		return -1;
	}
	object->insns = all.items;
	object->insn_count = all.count;
	return 0;
}

struct slice_state {
	uint32_t pos;		/* the instruction before which loc is wanted */
	uint16_t loc;
};

/* Pending states of one slice, and the (pos, loc) pairs already queued. */
struct slice_walk {
	struct slice_state *stack;
	size_t depth;
	uint64_t *table;
};

/*
 * Buffers of the slice, reused by every call because an object has up to
 * hundreds of thousands of slices: only the table entries a slice used are
 * cleared after it. One set per thread, because objects are analysed on
 * several threads.
 */
static __thread uint64_t slice_table[SLICE_TABLE_SIZE];
static __thread uint32_t slice_used[SLICE_TABLE_SIZE];
static __thread size_t slice_used_count;
static __thread struct slice_state slice_stack[SLICE_MAX_STEPS];

/* Remembers (pos, loc) pairs already queued; returns false when the pair was seen. */
static bool slice_mark(uint64_t *table, uint32_t pos, uint16_t loc)
{
	uint64_t key = ((uint64_t)pos << 16 | loc) + 1;
	uint32_t slot = (uint32_t)(key * 0x9e3779b97f4a7c15ULL >> 40) & (SLICE_TABLE_SIZE - 1);

	while (table[slot]) {
		if (table[slot] == key)
			return false;
		slot = (slot + 1) & (SLICE_TABLE_SIZE - 1);
	}
	table[slot] = key;
	slice_used[slice_used_count++] = slot;
	return true;
}

/* Index of the first jump edge whose target is addr, in the object's sorted edge list. */
static size_t first_jump_to(const struct syscall_object *object, uint64_t addr)
{
	size_t low = 0, high = object->jump_count;

	while (low < high) {
		size_t mid = (low + high) / 2;

		if (object->jumps[mid].target < addr)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

static bool falls_through(const struct syscall_object *object, uint32_t pos)
{
	const struct insn *prev, *cur = &object->insns[pos];

	if (pos == 0)
		return false;
	prev = &object->insns[pos - 1];
	if (prev->addr + prev->size != cur->addr)
		return false;
	return prev->flow != FLOW_JMP && prev->flow != FLOW_JMP_MEM && prev->flow != FLOW_STOP;
}

struct slice_result {
	int64_t *values;
	size_t max;
	size_t count;
	bool unknown;
	struct slice_entry entry;
};

static void slice_add_value(struct slice_result *result, int64_t value)
{
	size_t i;

	for (i = 0; i < result->count; i++)
		if (result->values[i] == value)
			return;
	if (result->count < result->max)
		result->values[result->count++] = value;
	else
		result->unknown = true;
}

/*
 * Returns the location a register has before insn, given the one after it:
 * the same, another register or a stack slot it was copied from. Stores a
 * constant in *value and returns LOC_NONE when insn sets it, and returns
 * LOC_NONE with *known false when insn sets it in a way not followed.
 */
static uint16_t register_before(const struct insn *insn, uint16_t reg, int64_t *value,
				bool *known)
{
	*known = true;
	if (insn->move != MOVE_NONE && insn->dst == reg) {
		if (insn->move == MOVE_REG)
			return insn->src;
		*value = insn->imm;
		return LOC_NONE;
	}
	if (insn->stack_op == STACK_LOAD && insn->stack_reg == reg)
		return LOC_STACK + insn->stack_offset;
	if (insn->writes & (1 << reg)) {
		*known = false;
		return LOC_NONE;
	}
	return reg;
}

/* Like register_before(), for the stack slot loc - LOC_STACK bytes above the stack pointer. */
static uint16_t slot_before(const struct insn *insn, uint16_t loc, int64_t *value, bool *known)
{
	int64_t offset = loc - LOC_STACK;
	bool pushes = insn->stack_op == STACK_PUSH_CONST || insn->stack_op == STACK_PUSH_REG ||
		      insn->stack_op == STACK_PUSH_SLOT || insn->stack_op == STACK_PUSH_OTHER;

	*known = !insn->sp_unknown;
	if (!*known)
		return LOC_NONE;
	if ((pushes && offset == 0) ||
	    ((insn->stack_op == STACK_STORE_CONST || insn->stack_op == STACK_STORE_REG) &&
	     insn->stack_offset == offset)) {
		if (insn->stack_op == STACK_PUSH_REG || insn->stack_op == STACK_STORE_REG)
			return insn->stack_reg;
		if (insn->stack_op == STACK_PUSH_SLOT)
			return LOC_STACK + insn->stack_offset;
		*known = insn->stack_op != STACK_PUSH_OTHER;
		*value = insn->imm;
		return LOC_NONE;
	}
	offset += insn->sp_delta;
	if (offset < 0 || offset > LOC_STACK_MAX) {
		*known = false;
		return LOC_NONE;
	}
	return LOC_STACK + offset;
}

/*
 * Applies predecessor instruction pred to the wanted location: either it
 * produces the value, or the walk goes on before it with the same or another location.
 */
static void slice_step(const struct syscall_object *object, uint32_t pred, uint16_t loc,
		       struct slice_result *result, struct slice_walk *walk)
{
	const struct insn *insn = &object->insns[pred];
	int64_t value = 0;
	bool known;

	loc = loc < LOC_STACK ? register_before(insn, loc, &value, &known) :
	      slot_before(insn, loc, &value, &known);
	if (!known) {
		result->unknown = true;
		return;
	}
	if (loc == LOC_NONE) {
		slice_add_value(result, value);
		return;
	}
	if (!slice_mark(walk->table, pred, loc))
		return;
	if (walk->depth >= SLICE_MAX_STEPS) {
		result->unknown = true;
		return;
	}
	walk->stack[walk->depth++] = (struct slice_state){ .pos = pred, .loc = loc };
}

/* Steps back from state to every predecessor: fallthrough and direct jumps. */
static void slice_predecessors(const struct syscall_object *object, struct slice_state state,
			       struct slice_result *result, struct slice_walk *walk)
{
	uint64_t addr = object->insns[state.pos].addr;
	bool has_pred = false;
	size_t j;

	if (falls_through(object, state.pos)) {
		has_pred = true;
		slice_step(object, state.pos - 1, state.loc, result, walk);
	}
	for (j = first_jump_to(object, addr);
	     j < object->jump_count && object->jumps[j].target == addr; j++) {
		has_pred = true;
		slice_step(object, object->jumps[j].source, state.loc, result, walk);
	}
	/* A nop nothing reaches is alignment padding after a jump, not a path. */
	if (!has_pred && !object->insns[state.pos].is_nop)
		result->unknown = true;
}

size_t syscall_object_slice(const struct syscall_object *object, uint32_t func, uint32_t insn,
			    uint16_t loc, int64_t *values, size_t max, bool *unknown,
			    struct slice_entry *entry_locs)
{
	struct slice_result result = { .values = values, .max = max, .entry.stack = -1 };
	uint64_t entry = object->funcs[func].addr;
	struct slice_walk walk = { .stack = slice_stack, .table = slice_table };
	size_t steps = 0;

	walk.stack[walk.depth++] = (struct slice_state){ .pos = insn, .loc = loc };
	slice_mark(walk.table, insn, loc);
	while (walk.depth > 0) {
		struct slice_state state = walk.stack[--walk.depth];
		uint64_t addr = object->insns[state.pos].addr;

		if (++steps > SLICE_MAX_STEPS) {
			result.unknown = true;
			break;
		}
		if (addr == entry && state.loc < LOC_STACK) {
			result.entry.regs |= 1 << state.loc;
			continue;
		}
		if (addr == entry) {
			/* TODO: a second stack argument reaching the entry is not kept. */
			result.entry.stack = state.loc - LOC_STACK;
			continue;
		}
		slice_predecessors(object, state, &result, &walk);
	}

	while (slice_used_count)
		slice_table[slice_used[--slice_used_count]] = 0;
	*unknown = result.unknown;
	*entry_locs = result.entry;
	return result.count;
}
