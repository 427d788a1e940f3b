// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Makes COUNT i386 system calls with int 0x80 from a 64-bit process:
 * getppid (i386 number 64, which is semget on x86-64) and getuid (i386
 * number 24, sched_yield on x86-64). int80 COUNT
 */
#include <stdlib.h>

static long int80_syscall(long nr)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
	return ret;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 10, i;

	for (i = 0; i < count; i++) {
		int80_syscall(64);
		int80_syscall(24);
	}
	return 0;
}
