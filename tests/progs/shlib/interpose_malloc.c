// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * An LD_PRELOAD library for the tests of `uniscope deps`: it defines
 * malloc, which hides libc's, and hands each request to glibc's allocator
 * through __libc_malloc, so libc's free() can release the memory.
 */
#include <stddef.h>

void *__libc_malloc(size_t size);

void *malloc(size_t size)
{
	return __libc_malloc(size);
}
