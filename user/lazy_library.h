/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared libraries opened with dlopen() on their first use, not by the
 * dynamic loader at start-up. A run that never decodes, clones or renders
 * then does not load or relocate capstone, libgit2, graphviz or their
 * dependencies. A shim file per library defines the library's functions
 * under their own names and forwards each call to the address that
 * dlsym() returned (analysis/capstone_lazy.c, build/libgit2_lazy.c,
 * analysis/graphviz_lazy.c).
 */
#ifndef __UNISCOPE_LAZY_LIBRARY_H
#define __UNISCOPE_LAZY_LIBRARY_H

#include <pthread.h>
#include <stdbool.h>

/* A function of the library and the pointer its shim calls through. */
struct lazy_symbol {
	const char *name;
	void **address;
};

/* Initializes a struct lazy_symbol that stores the address of function in function##_pointer. */
#define LAZY_SYMBOL(function) { #function, (void **)&function##_pointer }

enum lazy_library_state {
	LAZY_LIBRARY_UNTRIED,
	LAZY_LIBRARY_LOADED,
	LAZY_LIBRARY_FAILED,
};

struct lazy_library {
	const char *name;		/* project name for messages: "capstone" */
	const char *soname;		/* file name passed to dlopen() */
	const char *package;		/* package that installs soname, or "" */
	const struct lazy_symbol *symbols;	/* ends with a NULL name */
	/*
	 * Optional, called once after the symbols resolve, with lock held: it
	 * must call the resolved pointers, because a shim would wait for lock.
	 */
	void (*loaded)(void);

	pthread_mutex_t lock;		/* PTHREAD_MUTEX_INITIALIZER */
	enum lazy_library_state state;	/* read without lock, atomically */
	bool reported;			/* whether a shim has logged error */
	char error[512];		/* why loading failed */
};

/*
 * Opens library->soname and resolves all its symbols on the first call, and
 * returns 0 from then on. A failure is kept: every later call returns -1
 * without trying again, and lazy_library_error() gives the reason. Logs
 * nothing itself, so that callers report the failure in their own context.
 * Thread-safe.
 */
int lazy_library_load(struct lazy_library *library);

/* Returns why lazy_library_load() failed: the library, dlerror()'s text and the fix. */
const char *lazy_library_error(const struct lazy_library *library);

/* Returns whether library is loaded, without trying to load it. */
bool lazy_library_is_loaded(const struct lazy_library *library);

bool lazy_library_ready_slow(struct lazy_library *library, const char *function);

/*
 * Loads library for a shim of function. On failure, logs an error naming
 * function and the reason, once per library, and returns false: the shim
 * then fails the way the library reports errors. Inline, because capstone's
 * shims run for every decoded instruction, and a loaded library then costs
 * one load and one compare.
 */
static inline bool lazy_library_ready(struct lazy_library *library, const char *function)
{
	if (__builtin_expect(__atomic_load_n(&library->state, __ATOMIC_ACQUIRE) ==
			     LAZY_LIBRARY_LOADED, 1))
		return true;
	return lazy_library_ready_slow(library, function);
}

#endif /* __UNISCOPE_LAZY_LIBRARY_H */
