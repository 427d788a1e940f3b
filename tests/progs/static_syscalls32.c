// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* static_syscalls built as an i386 program (the Makefile adds -m32). */
#include "static_syscalls.c"
