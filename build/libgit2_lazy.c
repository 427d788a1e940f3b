// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The libgit2 functions uniscope calls, forwarded to libgit2 once it is
 * loaded. Without the library each one fails as libgit2 reports errors:
 * GIT_ERROR with NULL in its output, and git_error_last() gives the reason.
 */
#include <git2.h>
#include <stddef.h>

#include "lazy_library.h"
#include "libgit2_lazy.h"

/* The Makefile reads the SONAME from the libgit2.so that the headers belong to. */
#ifndef LIBGIT2_SONAME
#error "LIBGIT2_SONAME is not defined: build with make, which defines it"
#endif
#ifndef LIBGIT2_PACKAGE
#define LIBGIT2_PACKAGE ""
#endif

static __typeof__(git_libgit2_init) *git_libgit2_init_pointer;
static __typeof__(git_libgit2_shutdown) *git_libgit2_shutdown_pointer;
static __typeof__(git_error_last) *git_error_last_pointer;
static __typeof__(git_repository_open_bare) *git_repository_open_bare_pointer;
static __typeof__(git_repository_free) *git_repository_free_pointer;
static __typeof__(git_clone_options_init) *git_clone_options_init_pointer;
static __typeof__(git_clone) *git_clone_pointer;
static __typeof__(git_remote_lookup) *git_remote_lookup_pointer;
static __typeof__(git_remote_fetch) *git_remote_fetch_pointer;
static __typeof__(git_remote_free) *git_remote_free_pointer;
static __typeof__(git_revparse_single) *git_revparse_single_pointer;
static __typeof__(git_object_peel) *git_object_peel_pointer;
static __typeof__(git_object_free) *git_object_free_pointer;
static __typeof__(git_tree_entry_bypath) *git_tree_entry_bypath_pointer;
static __typeof__(git_tree_entry_id) *git_tree_entry_id_pointer;
static __typeof__(git_tree_entry_free) *git_tree_entry_free_pointer;
static __typeof__(git_tree_free) *git_tree_free_pointer;
static __typeof__(git_blob_lookup) *git_blob_lookup_pointer;
static __typeof__(git_blob_rawsize) *git_blob_rawsize_pointer;
static __typeof__(git_blob_rawcontent) *git_blob_rawcontent_pointer;
static __typeof__(git_blob_free) *git_blob_free_pointer;

static const struct lazy_symbol libgit2_symbols[] = {
	LAZY_SYMBOL(git_libgit2_init),
	LAZY_SYMBOL(git_libgit2_shutdown),
	LAZY_SYMBOL(git_error_last),
	LAZY_SYMBOL(git_repository_open_bare),
	LAZY_SYMBOL(git_repository_free),
	LAZY_SYMBOL(git_clone_options_init),
	LAZY_SYMBOL(git_clone),
	LAZY_SYMBOL(git_remote_lookup),
	LAZY_SYMBOL(git_remote_fetch),
	LAZY_SYMBOL(git_remote_free),
	LAZY_SYMBOL(git_revparse_single),
	LAZY_SYMBOL(git_object_peel),
	LAZY_SYMBOL(git_object_free),
	LAZY_SYMBOL(git_tree_entry_bypath),
	LAZY_SYMBOL(git_tree_entry_id),
	LAZY_SYMBOL(git_tree_entry_free),
	LAZY_SYMBOL(git_tree_free),
	LAZY_SYMBOL(git_blob_lookup),
	LAZY_SYMBOL(git_blob_rawsize),
	LAZY_SYMBOL(git_blob_rawcontent),
	LAZY_SYMBOL(git_blob_free),
	{ NULL, NULL },
};

static struct lazy_library libgit2 = {
	.name = "libgit2",
	.soname = LIBGIT2_SONAME,
	.package = LIBGIT2_PACKAGE,
	.symbols = libgit2_symbols,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

int libgit2_load(void)
{
	return lazy_library_load(&libgit2);
}

const char *libgit2_load_error(void)
{
	return lazy_library_error(&libgit2);
}

static bool libgit2_ready(const char *function)
{
	return lazy_library_ready(&libgit2, function);
}

/* Only a loaded library can have allocated what the free functions get. */
static bool libgit2_loaded(void)
{
	return lazy_library_is_loaded(&libgit2);
}

int git_libgit2_init(void)
{
	if (!libgit2_ready(__func__))
		return GIT_ERROR;
	return git_libgit2_init_pointer();
}

int git_libgit2_shutdown(void)
{
	if (!libgit2_loaded())
		return GIT_ERROR;
	return git_libgit2_shutdown_pointer();
}

/* Without the library, the last error is the reason it cannot be loaded, if tried. */
const git_error *git_error_last(void)
{
	static git_error load_error = { .klass = GIT_ERROR_OS };

	if (libgit2_loaded())
		return git_error_last_pointer();
	if (!libgit2.error[0])
		return NULL;
	load_error.message = libgit2.error;
	return &load_error;
}

int git_repository_open_bare(git_repository **out, const char *bare_path)
{
	*out = NULL;
	if (!libgit2_ready(__func__))
		return GIT_ERROR;
	return git_repository_open_bare_pointer(out, bare_path);
}

void git_repository_free(git_repository *repo)
{
	if (libgit2_loaded())
		git_repository_free_pointer(repo);
}

int git_clone_options_init(git_clone_options *opts, unsigned int version)
{
	if (!libgit2_ready(__func__))
		return GIT_ERROR;
	return git_clone_options_init_pointer(opts, version);
}

int git_clone(git_repository **out, const char *url, const char *local_path,
	      const git_clone_options *options)
{
	*out = NULL;
	if (!libgit2_ready(__func__))
		return GIT_ERROR;
	return git_clone_pointer(out, url, local_path, options);
}

int git_remote_lookup(git_remote **out, git_repository *repo, const char *name)
{
	*out = NULL;
	if (!libgit2_ready(__func__))
		return GIT_ERROR;
	return git_remote_lookup_pointer(out, repo, name);
}

int git_remote_fetch(git_remote *remote, const git_strarray *refspecs,
		     const git_fetch_options *opts, const char *reflog_message)
{
	if (!libgit2_ready(__func__))
		return GIT_ERROR;
	return git_remote_fetch_pointer(remote, refspecs, opts, reflog_message);
}

void git_remote_free(git_remote *remote)
{
	if (libgit2_loaded())
		git_remote_free_pointer(remote);
}

int git_revparse_single(git_object **out, git_repository *repo, const char *spec)
{
	*out = NULL;
	if (!libgit2_ready(__func__))
		return GIT_ERROR;
	return git_revparse_single_pointer(out, repo, spec);
}

int git_object_peel(git_object **peeled, const git_object *object, git_object_t target_type)
{
	*peeled = NULL;
	if (!libgit2_ready(__func__))
		return GIT_ERROR;
	return git_object_peel_pointer(peeled, object, target_type);
}

void git_object_free(git_object *object)
{
	if (libgit2_loaded())
		git_object_free_pointer(object);
}

int git_tree_entry_bypath(git_tree_entry **out, const git_tree *root, const char *path)
{
	*out = NULL;
	if (!libgit2_ready(__func__))
		return GIT_ERROR;
	return git_tree_entry_bypath_pointer(out, root, path);
}

const git_oid *git_tree_entry_id(const git_tree_entry *entry)
{
	if (!libgit2_ready(__func__))
		return NULL;
	return git_tree_entry_id_pointer(entry);
}

void git_tree_entry_free(git_tree_entry *entry)
{
	if (libgit2_loaded())
		git_tree_entry_free_pointer(entry);
}

void git_tree_free(git_tree *tree)
{
	if (libgit2_loaded())
		git_tree_free_pointer(tree);
}

int git_blob_lookup(git_blob **blob, git_repository *repo, const git_oid *id)
{
	*blob = NULL;
	if (!libgit2_ready(__func__))
		return GIT_ERROR;
	return git_blob_lookup_pointer(blob, repo, id);
}

git_object_size_t git_blob_rawsize(const git_blob *blob)
{
	if (!libgit2_ready(__func__))
		return 0;
	return git_blob_rawsize_pointer(blob);
}

const void *git_blob_rawcontent(const git_blob *blob)
{
	if (!libgit2_ready(__func__))
		return NULL;
	return git_blob_rawcontent_pointer(blob);
}

void git_blob_free(git_blob *blob)
{
	if (libgit2_loaded())
		git_blob_free_pointer(blob);
}
