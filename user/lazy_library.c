// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dlfcn.h>
#include <stdio.h>

#include "lazy_library.h"
#include "log.h"

/* Writes into library->error why it cannot be used, and the fix. */
static void set_error(struct lazy_library *library, const char *reason, const char *fix)
{
	snprintf(library->error, sizeof(library->error), "%s cannot be loaded: %s. %s",
		 library->name, reason, fix);
}

static void set_install_error(struct lazy_library *library, const char *reason)
{
	char fix[256];

	if (library->package[0])
		snprintf(fix, sizeof(fix), "Install the package %s (make deps)",
			 library->package);
	else
		snprintf(fix, sizeof(fix), "Install the package that provides %s (make deps)",
			 library->soname);
	set_error(library, reason, fix);
}

/* Stores the address of every symbol of library, or fails on the first missing one. */
static int resolve_symbols(struct lazy_library *library, void *handle)
{
	const struct lazy_symbol *symbol;
	char reason[384];
	const char *text;

	for (symbol = library->symbols; symbol->name; symbol++) {
		dlerror();
		*symbol->address = dlsym(handle, symbol->name);
		if (*symbol->address)
			continue;
		text = dlerror();
		if (!text) {
			snprintf(reason, sizeof(reason), "%s: %s has the address NULL",
				 library->soname, symbol->name);
			text = reason;
		}
		set_error(library, text, "Build uniscope again (make) against the installed version");
		return -1;
	}
	return 0;
}

static enum lazy_library_state open_library(struct lazy_library *library)
{
	const char *text;
	void *handle;

	/* RTLD_GLOBAL, as at link time: graphviz's plugins use libgvc's symbols. */
	handle = dlopen(library->soname, RTLD_LAZY | RTLD_GLOBAL);
	if (!handle) {
		text = dlerror();
		set_install_error(library, text ? text : library->soname);
		return LAZY_LIBRARY_FAILED;
	}
	if (resolve_symbols(library, handle)) {
		dlclose(handle);
		return LAZY_LIBRARY_FAILED;
	}
	if (library->loaded)
		library->loaded();
	return LAZY_LIBRARY_LOADED;
}

int lazy_library_load(struct lazy_library *library)
{
	enum lazy_library_state state;

	state = __atomic_load_n(&library->state, __ATOMIC_ACQUIRE);
	if (state == LAZY_LIBRARY_UNTRIED) {
		pthread_mutex_lock(&library->lock);
		state = library->state;
		if (state == LAZY_LIBRARY_UNTRIED) {
			state = open_library(library);
			__atomic_store_n(&library->state, state, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&library->lock);
	}
	return state == LAZY_LIBRARY_LOADED ? 0 : -1;
}

const char *lazy_library_error(const struct lazy_library *library)
{
	return library->error;
}

bool lazy_library_is_loaded(const struct lazy_library *library)
{
	return __atomic_load_n(&library->state, __ATOMIC_ACQUIRE) == LAZY_LIBRARY_LOADED;
}

bool lazy_library_ready_slow(struct lazy_library *library, const char *function)
{
	if (!lazy_library_load(library))
		return true;
	if (!__atomic_exchange_n(&library->reported, true, __ATOMIC_RELAXED))
		p_err("%s() failed: %s", function, library->error);
	return false;
}
