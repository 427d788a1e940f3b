/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Moves a function's uprobe from its first instruction to one the x86-64
 * kernel emulates, where that is provably exact. The kernel emulates
 * push reg, jmp, call, jcc and nop at a probe (arch/x86/kernel/uprobes.c
 * of Linux 6.18) and single-steps anything else, which costs about ten
 * times more a hit on a virtualised CPU.
 */
#ifndef __UNISCOPE_PROBE_PLACEMENT_H
#define __UNISCOPE_PROBE_PLACEMENT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Returns the file offset to probe for the function at file offset entry
 * of the ELF file at path. That is the first instruction the kernel
 * emulates, when only instructions that neither branch, touch memory nor
 * move the stack pointer come before it, and nothing in the file can
 * branch or point after entry up to it. Else it is entry. Sets
 * *stack_slots to the 8-byte pushes between the two, which is 0 because
 * the walk stops at the first push.
 */
uint64_t probe_placement_emulated(const char *path, uint64_t entry, uint32_t *stack_slots);

/*
 * Whether the kernel refuses a uprobe on the instruction at file offset
 * offset because of its prefixes: lock, or an es, cs, ss or ds segment
 * override (arch/x86/kernel/uprobes.c, is_prefix_bad).
 */
bool probe_placement_rejected(const char *path, uint64_t offset);

/* Frees the per-file reference maps kept between calls. */
void probe_placement_free(void);

#endif /* __UNISCOPE_PROBE_PLACEMENT_H */
