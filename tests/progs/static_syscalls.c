// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Makes system calls whose numbers the static scan must recover, in every
 * form it handles, and runs each once so that a trace records them too:
 *   - a syscall instruction (int 0x80 on i386) right after a constant move:
 *     getppid;
 *   - the same with the constant moved before a jump to the instruction:
 *     getpid;
 *   - a number only known at run time (argc + 38, getpid with no argument),
 *     which the scan must count as unrecovered;
 *   - syscall(2) with constants: membarrier and gettid;
 *   - a number passed down two functions, the shape of glibc 2.41's
 *     cancellable calls (a wrapper hands it to a helper's second argument,
 *     which moves it to eax): getpgrp;
 *   - libc wrappers: sched_yield, umask, getrusage, times, getpriority;
 *   - on x86-64, int 0x80 from 64-bit code: i386 getuid (number 24).
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <unistd.h>

#ifdef __x86_64__
#define SYSCALL_INSN "syscall"
#define SYSCALL_CLOBBERS "rcx", "r11", "memory"
#else
#define SYSCALL_INSN "int $0x80"
#define SYSCALL_CLOBBERS "memory"
#endif

static __attribute__((noinline)) long direct_getppid(void)
{
	long ret;

	asm volatile("mov %1, %%eax\n\t" SYSCALL_INSN
		     : "=a"(ret) : "i"(SYS_getppid) : SYSCALL_CLOBBERS);
	return ret;
}

static __attribute__((noinline)) long direct_getpid_after_jump(void)
{
	long ret;

	asm volatile("mov %1, %%eax\n\t"
		     "jmp 1f\n\t"
		     "ud2\n"
		     "1:\t" SYSCALL_INSN
		     : "=a"(ret) : "i"(SYS_getpid) : SYSCALL_CLOBBERS);
	return ret;
}

static __attribute__((noinline)) long direct_runtime_number(long nr)
{
	long ret;

	asm volatile(SYSCALL_INSN : "=a"(ret) : "a"(nr) : SYSCALL_CLOBBERS);
	return ret;
}

static __attribute__((noipa)) long cancel_helper(long *cancel_state, long nr)
{
	long ret;

	asm volatile(SYSCALL_INSN : "=a"(ret) : "a"(nr), "m"(*cancel_state) : SYSCALL_CLOBBERS);
	return ret;
}

static __attribute__((noipa)) long cancel_wrapper(long nr)
{
	long cancel_state = 0;

	return cancel_helper(&cancel_state, nr);
}

#ifdef __x86_64__
static __attribute__((noinline)) long compat_getuid(void)
{
	long ret;

	asm volatile("mov $24, %%eax\n\tint $0x80" : "=a"(ret) :: "memory");
	return ret;
}
#endif

int main(int argc, char **argv)
{
	struct rusage usage;
	struct tms tms;

	direct_getppid();
	direct_getpid_after_jump();
	direct_runtime_number(argc + SYS_getpid - 1);
	syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0);
	syscall(SYS_gettid);
	cancel_wrapper(SYS_getpgrp);
	sched_yield();
	umask(022);
	getrusage(RUSAGE_SELF, &usage);
	times(&tms);
	getpriority(PRIO_PROCESS, 0);
#ifdef __x86_64__
	compat_getuid();
#endif
	return 0;
}
