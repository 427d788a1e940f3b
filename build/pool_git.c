// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reads an external Unikraft library from its git repository at a ref with
 * libgit2, without a work tree: a bare clone in a cache folder, then the
 * blobs of Config.uk, Makefile.uk and exportsyms.uk in the ref's tree.
 */
#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libgit2_lazy.h"
#include "log.h"
#include "pool.h"

static const char *git_error_text(void)
{
	const git_error *error = git_error_last();

	return error && error->message ? error->message : "unknown libgit2 error";
}

/* Names the cache folder after the URL: "a/b/lib-x.git" -> "a_b_lib-x.git". */
static void cache_path_of(const char *cache_dir, const char *url, char *buf, size_t size)
{
	char name[PATH_MAX];
	size_t len = 0;

	for (const char *c = url; *c && len < sizeof(name) - 1; c++)
		name[len++] = (*c == '/' || *c == ':' || *c == '@') ? '_' : *c;
	name[len] = '\0';
	if ((size_t)snprintf(buf, size, "%s/%s", cache_dir, name) >= size)
		buf[0] = '\0';
}

static int make_folders(const char *path)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *slash = strchr(copy + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(copy, 0755) && errno != EEXIST)
			return -1;
		*slash = '/';
	}
	return mkdir(copy, 0755) && errno != EEXIST ? -1 : 0;
}

/* Fetches origin again in an existing bare clone, so new refs become visible. */
static int refresh_clone(git_repository *repo, const char *url)
{
	git_remote *remote = NULL;
	int err = git_remote_lookup(&remote, repo, "origin");

	if (!err)
		err = git_remote_fetch(remote, NULL, NULL, NULL);
	git_remote_free(remote);
	if (err)
		p_warn("cannot fetch %s again (%s): using the cached clone", url, git_error_text());
	return 0;
}

/* Opens the cached bare clone of url, cloning it first if needed. */
static int open_clone(const char *url, const char *cache_dir, git_repository **repo)
{
	git_clone_options options;
	char path[PATH_MAX];

	cache_path_of(cache_dir, url, path, sizeof(path));
	if (!path[0] || make_folders(cache_dir)) {
		log_errno(LOG_ERROR, errno, "cannot create git cache folder %s", cache_dir);
		return -1;
	}
	if (!git_repository_open_bare(repo, path))
		return refresh_clone(*repo, url);

	p_info("cloning %s into %s", url, path);
	git_clone_options_init(&options, GIT_CLONE_OPTIONS_VERSION);
	options.bare = 1;
	if (git_clone(repo, url, path, &options)) {
		p_err("cannot clone %s: %s. Check the URL or path and the network", url,
		      git_error_text());
		return -1;
	}
	return 0;
}

/* Resolves ref as given, then as a remote branch of origin. */
static int resolve_tree(git_repository *repo, const char *url, const char *ref, git_tree **tree)
{
	char remote_ref[256];
	git_object *object = NULL;
	int err;

	if (!ref)
		ref = "HEAD";
	err = git_revparse_single(&object, repo, ref);
	if (err) {
		snprintf(remote_ref, sizeof(remote_ref), "origin/%s", ref);
		err = git_revparse_single(&object, repo, remote_ref);
	}
	if (err) {
		p_err("ref '%s' not found in %s: give a branch, tag or commit that exists there",
		      ref, url);
		return -1;
	}
	err = git_object_peel((git_object **)tree, object, GIT_OBJECT_TREE);
	git_object_free(object);
	if (err) {
		p_err("ref '%s' of %s does not name a commit: %s", ref, url, git_error_text());
		return -1;
	}
	return 0;
}

/* Returns a copy of the blob at name in tree, or NULL if there is none. */
static char *read_blob(git_repository *repo, git_tree *tree, const char *name)
{
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	char *text = NULL;

	if (git_tree_entry_bypath(&entry, tree, name))
		return NULL;
	if (!git_blob_lookup(&blob, repo, git_tree_entry_id(entry))) {
		size_t size = (size_t)git_blob_rawsize(blob);

		text = malloc(size + 1);
		memcpy(text, git_blob_rawcontent(blob), size);
		text[size] = '\0';
	}
	git_blob_free(blob);
	git_tree_entry_free(entry);
	return text;
}

/* Returns "lib-musl" for ".../lib-musl.git" or ".../lib-musl/". */
static void library_name_of(const char *url, char *buf, size_t size)
{
	char copy[PATH_MAX];
	char *base;
	size_t len;

	snprintf(copy, sizeof(copy), "%s", url);
	len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	if (len > 4 && !strcmp(copy + len - 4, ".git"))
		copy[len - 4] = '\0';
	base = strrchr(copy, '/');
	snprintf(buf, size, "%s", base ? base + 1 : copy);
}

int pool_load_git(struct pool *pool, const char *url, const char *ref, const char *cache_dir)
{
	git_repository *repo = NULL;
	git_tree *tree = NULL;
	char *config_uk = NULL, *makefile_uk = NULL, *exportsyms_uk = NULL;
	char name[256], origin[PATH_MAX + 64];
	int err = -1;

	if (libgit2_load()) {
		p_err("cannot read the library at %s: %s", url, libgit2_load_error());
		return -1;
	}
	git_libgit2_init();
	if (open_clone(url, cache_dir, &repo) || resolve_tree(repo, url, ref, &tree))
		goto out;

	config_uk = read_blob(repo, tree, "Config.uk");
	makefile_uk = read_blob(repo, tree, "Makefile.uk");
	exportsyms_uk = read_blob(repo, tree, "exportsyms.uk");
	if (!config_uk || !makefile_uk) {
		p_err("%s at '%s' has no %s: it is not a Unikraft library", url,
		      ref ? ref : "HEAD", config_uk ? "Makefile.uk" : "Config.uk");
		goto out;
	}

	library_name_of(url, name, sizeof(name));
	snprintf(origin, sizeof(origin), "%s@%s", url, ref ? ref : "HEAD");
	err = pool_load_library_files(pool, name, origin, NULL, config_uk, makefile_uk,
				      exportsyms_uk);
out:
	free(config_uk);
	free(makefile_uk);
	free(exportsyms_uk);
	git_tree_free(tree);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return err;
}
