// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Recovery of system call numbers inside one object. A site's number is the
 * constant moved into eax/rax on every path to it. When the register comes
 * from the function's entry instead, the function is a dispatcher: glibc's
 * syscall() takes the number in rdi. The number is then recovered at each
 * caller, from the register the dispatcher reads. A caller that passes its
 * own argument on is a dispatcher too, so dispatchers are found to a fixpoint.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "syscall_object.h"

#define MAX_SITE_VALUES 16
#define MAX_UNRECOVERED_ADDRS 64
#define X32_SYSCALL_BIT 0x40000000

struct site_lists {
	size_t site_capacity;
	size_t unrecovered_capacity;
};

/* Converts a recovered constant to a call number; x32 numbers lose their marker bit. */
static bool value_to_number(const struct syscall_object *object, int64_t value, bool compat32,
			    unsigned int *nr)
{
	if (object->is_64 && !compat32 && value > 0 && (value & X32_SYSCALL_BIT))
		value &= ~(int64_t)X32_SYSCALL_BIT;
	if (value < 0 || value >= SYSCALL_NR_LIMIT)
		return false;
	*nr = value;
	return true;
}

static int add_site(struct syscall_object *object, struct site_lists *lists,
		    const struct syscall_site *site)
{
	struct syscall_site *grown;

	if (object->site_count == lists->site_capacity) {
		lists->site_capacity = lists->site_capacity ? lists->site_capacity * 2 : 256;
		grown = realloc(object->sites, lists->site_capacity * sizeof(*grown));
		if (!grown)
			return -1;
		object->sites = grown;
	}
	object->sites[object->site_count++] = *site;
	return 0;
}

static int add_unrecovered(struct syscall_object *object, struct site_lists *lists,
			   uint32_t func, uint64_t addr)
{
	uint64_t *grown;

	object->unrecovered_count++;
	object->funcs[func].unrecovered++;
	if (object->unrecovered_addr_count >= MAX_UNRECOVERED_ADDRS)
		return 0;
	if (object->unrecovered_addr_count == lists->unrecovered_capacity) {
		lists->unrecovered_capacity = lists->unrecovered_capacity ?
					      lists->unrecovered_capacity * 2 : 16;
		grown = realloc(object->unrecovered_addrs,
				lists->unrecovered_capacity * sizeof(*grown));
		if (!grown)
			return -1;
		object->unrecovered_addrs = grown;
	}
	object->unrecovered_addrs[object->unrecovered_addr_count++] = addr;
	return 0;
}

/* Returns the location a dispatcher reads its number from at entry, or LOC_NONE. */
static uint16_t entry_location(const struct slice_entry *entry)
{
	static const uint8_t preferred[] = {
		REG_DI, REG_SI, REG_DX, REG_CX, REG_R8, REG_R9, REG_AX,
		REG_BX, REG_BP, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	};
	size_t i;

	for (i = 0; i < sizeof(preferred); i++)
		if (entry->regs & (1 << preferred[i]))
			return preferred[i];
	if (entry->stack >= 0)
		return LOC_STACK + entry->stack;
	return LOC_NONE;
}

static bool reaches_entry(const struct slice_entry *entry)
{
	return entry->regs || entry->stack >= 0;
}

/*
 * Slices loc before instruction insn of function func and records what it
 * finds: numbers as sites, a missing constant as an unrecovered site.
 * Sets *entry to the locations that reach the function entry instead.
 */
static int resolve_site(struct syscall_object *object, struct site_lists *lists, uint32_t func,
			uint32_t insn, uint16_t loc, bool via_dispatcher, struct slice_entry *entry)
{
	bool compat32 = object->insns[insn].compat32;
	int64_t values[MAX_SITE_VALUES];
	bool unknown = false;
	uint64_t **set;
	unsigned int nr;
	size_t count, i;

	count = syscall_object_slice(object, func, insn, loc, values, MAX_SITE_VALUES, &unknown,
				     entry);
	for (i = 0; i < count; i++) {
		struct syscall_site site = {
			.addr = object->insns[insn].addr,
			.func = func,
			.via_dispatcher = via_dispatcher,
			.compat32 = compat32,
		};

		if (!value_to_number(object, values[i], compat32, &nr)) {
			unknown = true;
			continue;
		}
		site.nr = nr;
		set = compat32 ? &object->funcs[func].syscalls32 : &object->funcs[func].syscalls;
		if (!*set && !(*set = calloc(SYSCALL_SET_WORDS, sizeof(**set))))
			return -1;
		syscall_set_add(*set, nr);
		if (add_site(object, lists, &site))
			return -1;
	}
	if (unknown)
		return add_unrecovered(object, lists, func, object->insns[insn].addr);
	return 0;
}

static int resolve_syscall_instructions(struct syscall_object *object, struct site_lists *lists)
{
	struct slice_entry entry;
	size_t f, i;

	for (f = 0; f < object->func_count; f++) {
		struct func *func = &object->funcs[f];

		for (i = func->first; i < func->end; i++) {
			if (object->insns[i].flow != FLOW_SYSCALL)
				continue;
			object->syscall_insn_count++;
			if (resolve_site(object, lists, f, i, REG_AX, false, &entry))
				return -1;
			if (!reaches_entry(&entry))
				continue;
			/* TODO: an int 0x80 helper of 64-bit code taking its number as argument. */
			if (object->insns[i].compat32 &&
			    add_unrecovered(object, lists, f, object->insns[i].addr))
				return -1;
			if (!object->insns[i].compat32 && func->dispatch_loc == LOC_NONE)
				func->dispatch_loc = entry_location(&entry);
		}
	}
	return 0;
}

/* Returns the dispatcher a direct call or tail jump at insn enters, or -1. */
static long dispatcher_entered(const struct syscall_object *object, uint32_t func,
			       const struct insn *insn)
{
	long callee;

	if (insn->flow != FLOW_CALL && insn->flow != FLOW_JMP && insn->flow != FLOW_JCC)
		return -1;
	callee = syscall_object_func_at(object, insn->target);
	if (callee < 0 || object->funcs[callee].addr != insn->target)
		return -1;
	if (insn->flow != FLOW_CALL && (uint32_t)callee == func)
		return -1;
	return object->funcs[callee].dispatch_loc != LOC_NONE ? callee : -1;
}

/* Returns where the dispatcher callee reads its number, seen before branch insn. */
static uint16_t argument_location(const struct syscall_object *object, long callee,
				  const struct insn *insn)
{
	return argument_before_branch(object->funcs[callee].dispatch_loc,
				      insn->flow == FLOW_CALL, object->is_64);
}

/* Marks as dispatchers the callers that pass their own argument on to a dispatcher. */
static void propagate_dispatchers(struct syscall_object *object)
{
	int64_t values[MAX_SITE_VALUES];
	bool changed = true, unknown;
	struct slice_entry entry;
	uint16_t loc;
	size_t f, i;

	while (changed) {
		changed = false;
		for (f = 0; f < object->func_count; f++) {
			struct func *func = &object->funcs[f];

			for (i = func->first; i < func->end && func->dispatch_loc == LOC_NONE;
			     i++) {
				long callee = dispatcher_entered(object, f, &object->insns[i]);

				loc = callee >= 0 ?
				      argument_location(object, callee, &object->insns[i]) :
				      LOC_NONE;
				if (loc == LOC_NONE)
					continue;
				syscall_object_slice(object, f, i, loc, values, MAX_SITE_VALUES,
						     &unknown, &entry);
				func->dispatch_loc = entry_location(&entry);
				changed |= func->dispatch_loc != LOC_NONE;
			}
		}
	}
}

static int resolve_dispatcher_calls(struct syscall_object *object, struct site_lists *lists)
{
	struct slice_entry entry;
	uint16_t loc;
	size_t f, i;

	for (f = 0; f < object->func_count; f++) {
		const struct func *func = &object->funcs[f];

		for (i = func->first; i < func->end; i++) {
			long callee = dispatcher_entered(object, f, &object->insns[i]);

			loc = callee >= 0 ? argument_location(object, callee, &object->insns[i]) :
			      LOC_NONE;
			if (loc == LOC_NONE)
				continue;
			if (resolve_site(object, lists, f, i, loc, true, &entry))
				return -1;
		}
	}
	return 0;
}

int syscall_object_find_sites(struct syscall_object *object)
{
	struct site_lists lists = { 0 };

	if (resolve_syscall_instructions(object, &lists))
		return -1;
	propagate_dispatchers(object);
	return resolve_dispatcher_calls(object, &lists);
}
