// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loader-exact shared library resolution. The rules follow glibc 2.36's
 * elf/dl-load.c (_dl_map_object) and elf/dl-cache.c as built by Debian 12,
 * and musl 1.2's ldso/dynlink.c (load_library) for musl programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <elf.h>

#include "ldso.h"

/* ld.so.cache layouts, from glibc's sysdeps/generic/dl-cache.h. */
#define OLD_CACHE_MAGIC		"ld.so-1.7.0"
#define NEW_CACHE_MAGIC		"glibc-ld.so.cache"
#define NEW_CACHE_VERSION	"1.1"
#define OLD_HEADER_SIZE		16	/* magic[11], padding, nlibs */
#define OLD_ENTRY_SIZE		12	/* flags, key, value */
#define NEW_HEADER_SIZE		48
#define NEW_ENTRY_SIZE		24	/* flags, key, value, osversion, hwcap */

#define CACHE_FLAG_TYPE_MASK	0x00ff
#define CACHE_FLAG_ELF		0x0001
#define CACHE_FLAG_ELF_LIBC6	0x0003
#define CACHE_FLAG_REQUIRED	0xff00
#define CACHE_FLAG_X8664_LIB64	0x0300
#define CACHE_FLAG_AARCH64_LIB64 0x0a00

#define DEFAULT_DIR_COUNT	4

/* Objects beyond this many mean a loop or a hostile file. */
#define MAX_OBJECTS		4096

struct cache_entry {
	int32_t flags;
	const char *key;
	const char *value;
	uint64_t hwcap;
};

struct ld_cache {
	char *image;
	size_t size;
	struct cache_entry *entries;
	size_t count;
};

/* Per-target facts of the loader: its directories and substitution values. */
struct loader_target {
	const char *lib;		/* $LIB */
	const char *platform;		/* $PLATFORM */
	const char *default_dirs[DEFAULT_DIR_COUNT];
	const char *const *subdirs;	/* hardware capability subdirectories */
};

struct resolver {
	const struct ldso_options *options;
	struct ldso_graph *graph;
	int elf_class;
	uint16_t machine;
	struct loader_target target;
	char *program_origin;
	char **musl_dirs;
	size_t musl_dir_count;
	char *error;
	size_t error_size;
};

static int fail(struct resolver *resolver, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct resolver *resolver, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(resolver->error, resolver->error_size, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t read_u32(const char *image, size_t offset)
{
	uint32_t value;

	memcpy(&value, image + offset, sizeof(value));
	return value;
}

static uint64_t read_u64(const char *image, size_t offset)
{
	uint64_t value;

	memcpy(&value, image + offset, sizeof(value));
	return value;
}

/* Returns the NUL-terminated string at base + offset inside the image, or NULL. */
static const char *cache_string(const struct ld_cache *cache, size_t base, uint32_t offset)
{
	size_t at = base + offset;

	if (at < base || at >= cache->size)
		return NULL;
	if (!memchr(cache->image + at, '\0', cache->size - at))
		return NULL;
	return cache->image + at;
}

static int parse_entries(struct ld_cache *cache, size_t entries_at, size_t count,
			 size_t entry_size, size_t strings_base)
{
	size_t i;

	if (count > (cache->size - entries_at) / entry_size)
		return -1;
	cache->entries = calloc(count ? count : 1, sizeof(*cache->entries));
	if (!cache->entries)
		return -1;

	for (i = 0; i < count; i++) {
		size_t at = entries_at + i * entry_size;
		struct cache_entry *entry = &cache->entries[cache->count];

		entry->flags = (int32_t)read_u32(cache->image, at);
		entry->key = cache_string(cache, strings_base, read_u32(cache->image, at + 4));
		entry->value = cache_string(cache, strings_base,
					    read_u32(cache->image, at + 8));
		if (entry_size == NEW_ENTRY_SIZE)
			entry->hwcap = read_u64(cache->image, at + 16);
		if (entry->key && entry->value)
			cache->count++;
	}
	return 0;
}

static bool has_new_header(const struct ld_cache *cache, size_t at)
{
	return at + NEW_HEADER_SIZE <= cache->size &&
	       !memcmp(cache->image + at, NEW_CACHE_MAGIC, strlen(NEW_CACHE_MAGIC)) &&
	       !memcmp(cache->image + at + 17, NEW_CACHE_VERSION, 3);
}

/*
 * Picks the format the loader would use: the new table when present (alone
 * or after the old one, aligned to 8 bytes), else the old table. Strings of
 * the new format are relative to its header, those of the old format to the
 * end of its entries.
 */
static int parse_cache(struct ld_cache *cache)
{
	size_t old_count, old_end, new_at;

	if (has_new_header(cache, 0))
		return parse_entries(cache, NEW_HEADER_SIZE, read_u32(cache->image, 20),
				     NEW_ENTRY_SIZE, 0);

	if (cache->size < OLD_HEADER_SIZE ||
	    memcmp(cache->image, OLD_CACHE_MAGIC, strlen(OLD_CACHE_MAGIC)))
		return -1;
	old_count = read_u32(cache->image, 12);
	if (old_count > (cache->size - OLD_HEADER_SIZE) / OLD_ENTRY_SIZE)
		return -1;
	old_end = OLD_HEADER_SIZE + old_count * OLD_ENTRY_SIZE;

	new_at = (old_end + 7) & ~(size_t)7;
	if (has_new_header(cache, new_at))
		return parse_entries(cache, new_at + NEW_HEADER_SIZE,
				     read_u32(cache->image, new_at + 20), NEW_ENTRY_SIZE,
				     new_at);
	return parse_entries(cache, OLD_HEADER_SIZE, old_count, OLD_ENTRY_SIZE, old_end);
}

struct ld_cache *ld_cache_parse(const void *image, size_t size, const char *name,
				char *error, size_t error_size)
{
	struct ld_cache *cache = calloc(1, sizeof(*cache));

	if (!cache || !(cache->image = malloc(size ? size : 1))) {
		free(cache);
		snprintf(error, error_size, "out of memory reading '%s'", name);
		return NULL;
	}
	memcpy(cache->image, image, size);
	cache->size = size;
	if (parse_cache(cache)) {
		snprintf(error, error_size,
			 "'%s' is not an ld.so.cache file or is truncated: run ldconfig to rebuild it",
			 name);
		ld_cache_free(cache);
		return NULL;
	}
	return cache;
}

struct ld_cache *ld_cache_load(const char *path, char *error, size_t error_size)
{
	struct ld_cache *cache;
	struct stat st;
	char *image;
	FILE *file;

	file = fopen(path, "re");
	if (!file) {
		snprintf(error, error_size, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(file), &st) || !(image = malloc(st.st_size ? st.st_size : 1))) {
		snprintf(error, error_size, "cannot read '%s': %s", path, strerror(errno));
		fclose(file);
		return NULL;
	}
	if (fread(image, 1, st.st_size, file) != (size_t)st.st_size) {
		snprintf(error, error_size, "cannot read '%s': short read", path);
		free(image);
		fclose(file);
		return NULL;
	}
	fclose(file);

	cache = ld_cache_parse(image, st.st_size, path, error, error_size);
	free(image);
	return cache;
}

/* The required flags bits glibc's _dl_cache_check_flags accepts per target. */
static bool cache_flags_match(int32_t flags, int elf_class, uint16_t machine)
{
	int32_t type = flags & CACHE_FLAG_TYPE_MASK;
	int32_t required = flags & CACHE_FLAG_REQUIRED;

	if (type != CACHE_FLAG_ELF_LIBC6 && type != CACHE_FLAG_ELF)
		return false;
	if (machine == EM_X86_64 && elf_class == ELFCLASS64)
		return type == CACHE_FLAG_ELF_LIBC6 && required == CACHE_FLAG_X8664_LIB64;
	if (machine == EM_AARCH64)
		return type == CACHE_FLAG_ELF_LIBC6 && required == CACHE_FLAG_AARCH64_LIB64;
	if (machine == EM_386)
		return required == 0;
	return false;
}

const char *ld_cache_lookup(const struct ld_cache *cache, const char *name,
			    int elf_class, uint16_t machine)
{
	size_t i;

	for (i = 0; i < cache->count; i++) {
		const struct cache_entry *entry = &cache->entries[i];

		/* TODO: entries for glibc-hwcaps subdirectories (hwcap != 0) are skipped. */
		if (entry->hwcap || strcmp(entry->key, name))
			continue;
		if (cache_flags_match(entry->flags, elf_class, machine))
			return entry->value;
	}
	return NULL;
}

void ld_cache_free(struct ld_cache *cache)
{
	if (!cache)
		return;
	free(cache->entries);
	free(cache->image);
	free(cache);
}

/*
 * Subdirectories Debian's glibc 2.36 tries under every search directory on
 * x86-64, best first, as "ld.so --help" lists them. The glibc-hwcaps levels
 * are kept only when this CPU supports them.
 */
static const char *const x86_64_subdirs[] = {
	"glibc-hwcaps/x86-64-v4", "glibc-hwcaps/x86-64-v3", "glibc-hwcaps/x86-64-v2",
	"tls/x86_64/x86_64", "tls/x86_64", "tls", "x86_64/x86_64", "x86_64", NULL,
};

static const char *const legacy_subdirs[] = { "tls", NULL };

static bool cpu_has_level(const char *subdir)
{
#if defined(__x86_64__)
	/* NOTE: approximations of the x86-64 micro-architecture levels. */
	if (!strcmp(subdir, "glibc-hwcaps/x86-64-v4"))
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
	if (!strcmp(subdir, "glibc-hwcaps/x86-64-v3"))
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
	if (!strcmp(subdir, "glibc-hwcaps/x86-64-v2"))
		return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt");
	return true;
#else
	return strncmp(subdir, "glibc-hwcaps/", 13) != 0;
#endif
}

static bool is_biarch_i386(const char *interpreter)
{
	char real[PATH_MAX];

	if (!interpreter || !realpath(interpreter, real))
		return false;
	return !strncmp(real, "/usr/lib32/", 11) || !strncmp(real, "/lib32/", 7);
}

static void set_target(struct resolver *resolver, const struct elf_file *program)
{
	struct loader_target *target = &resolver->target;

	resolver->elf_class = program->elf_class;
	resolver->machine = program->machine;
	target->subdirs = legacy_subdirs;

	switch (program->machine) {
	case EM_X86_64:
		*target = (struct loader_target){
			"lib/x86_64-linux-gnu", "x86_64",
			{ "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib" },
			x86_64_subdirs,
		};
		break;
	case EM_AARCH64:
		*target = (struct loader_target){
			"lib/aarch64-linux-gnu", "aarch64",
			{ "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib", "/usr/lib" },
			legacy_subdirs,
		};
		break;
	case EM_386:
		/* Debian's libc6-i386 loader lives in /usr/lib32 with its own paths. */
		if (is_biarch_i386(program->interpreter))
			*target = (struct loader_target){
				"lib32", "i686", { "/lib32", "/usr/lib32" }, legacy_subdirs,
			};
		else
			*target = (struct loader_target){
				"lib/i386-linux-gnu", "i686",
				{ "/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu", "/lib", "/usr/lib" },
				legacy_subdirs,
			};
		break;
	default:
		*target = (struct loader_target){ "lib", "", { "/lib", "/usr/lib" }, legacy_subdirs };
		break;
	}
}

static char *directory_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, slash - path);
}

/* Returns the value of the token at text ("ORIGIN", "{LIB}", ...), sets its length. */
static const char *token_value(const struct resolver *resolver, const char *origin,
			       const char *text, size_t *length)
{
	static const char *const names[] = { "ORIGIN", "LIB", "PLATFORM" };
	size_t i;

	for (i = 0; i < 3; i++) {
		size_t n = strlen(names[i]);
		bool braced = text[0] == '{' && !strncmp(text + 1, names[i], n) &&
			      text[n + 1] == '}';

		if (!braced && strncmp(text, names[i], n))
			continue;
		/* "$ORIGINAL" is not a token: a name character must not follow. */
		if (!braced && (text[n] == '_' || (text[n] >= 'A' && text[n] <= 'Z') ||
				(text[n] >= 'a' && text[n] <= 'z') ||
				(text[n] >= '0' && text[n] <= '9')))
			continue;
		*length = braced ? n + 2 : n;
		if (i == 0)
			return origin;
		return i == 1 ? resolver->target.lib : resolver->target.platform;
	}
	*length = 0;
	return NULL;
}

/*
 * Expands $ORIGIN, $LIB and $PLATFORM (also in braces) in one path element.
 * Returns a new string, or NULL when the origin is needed but unknown, in
 * which case the loader drops the element.
 */
static char *expand_tokens(const struct resolver *resolver, const char *element,
			   size_t length, const char *origin)
{
	size_t size = length * 4 + PATH_MAX, used = 0, i;
	char *out = malloc(size);

	if (!out)
		return NULL;
	for (i = 0; i < length; i++) {
		const char *value;
		size_t token_length;

		if (element[i] != '$') {
			if (used + 1 < size)
				out[used++] = element[i];
			continue;
		}
		value = token_value(resolver, origin, element + i + 1, &token_length);
		if (!token_length) {
			if (used + 1 < size)
				out[used++] = '$';
			continue;
		}
		if (!value || used + strlen(value) + 1 >= size) {
			free(out);
			return NULL;
		}
		memcpy(out + used, value, strlen(value));
		used += strlen(value);
		i += token_length;
	}
	out[used] = '\0';
	return out;
}

static const char *origin_of(const struct resolver *resolver, size_t index)
{
	static __thread char origin[PATH_MAX];
	const struct ldso_object *object = &resolver->graph->objects[index];
	char *directory;

	if (index == 0)
		return resolver->program_origin;
	if (!object->path)
		return NULL;
	directory = directory_of(object->path);
	if (!directory)
		return NULL;
	snprintf(origin, sizeof(origin), "%s", directory);
	free(directory);
	return origin;
}

static size_t add_object(struct resolver *resolver, const char *name, const char *path,
			 enum ldso_found_by found_by, size_t loader)
{
	struct ldso_graph *graph = resolver->graph;
	struct ldso_object *object;
	struct stat st;

	if (graph->count == graph->capacity) {
		size_t capacity = graph->capacity ? graph->capacity * 2 : 16;
		struct ldso_object *grown = realloc(graph->objects, capacity * sizeof(*grown));

		if (!grown)
			return SIZE_MAX;
		graph->objects = grown;
		graph->capacity = capacity;
	}
	object = &graph->objects[graph->count];
	memset(object, 0, sizeof(*object));
	object->name = strdup(name);
	object->path = path ? strdup(path) : NULL;
	object->found_by = found_by;
	object->loader = loader;
	if (path && !stat(path, &st)) {
		object->dev = st.st_dev;
		object->ino = st.st_ino;
	}
	return graph->count++;
}

/* Returns the index of a loaded object with the same device and inode, or SIZE_MAX. */
static size_t find_identity(const struct resolver *resolver, const struct stat *st)
{
	size_t i;

	for (i = 0; i < resolver->graph->count; i++) {
		const struct ldso_object *object = &resolver->graph->objects[i];

		if (object->path && object->dev == st->st_dev && object->ino == st->st_ino)
			return i;
	}
	return SIZE_MAX;
}

/* Matches a need against loaded objects by requested name, SONAME or path. */
static size_t find_loaded(const struct resolver *resolver, const char *name)
{
	size_t i;

	for (i = 1; i < resolver->graph->count; i++) {
		const struct ldso_object *object = &resolver->graph->objects[i];

		if (!strcmp(object->name, name))
			return i;
		if (object->elf.soname && !strcmp(object->elf.soname, name))
			return i;
		if (object->path && !strcmp(object->path, name))
			return i;
	}
	return SIZE_MAX;
}

enum candidate_result {
	CANDIDATE_MISSING,	/* try the next place */
	CANDIDATE_FOUND,
};

/*
 * Checks one candidate file like the loader's open_verify(): it must exist
 * and be an ELF file of the program's class and machine. On success index
 * is the object, loaded before (same inode) or added now.
 */
static enum candidate_result try_candidate(struct resolver *resolver, const char *name,
					   const char *path, enum ldso_found_by found_by,
					   size_t loader, size_t *index)
{
	struct elf_file elf;
	char error[256];
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return CANDIDATE_MISSING;
	*index = find_identity(resolver, &st);
	if (*index != SIZE_MAX)
		return CANDIDATE_FOUND;

	if (elf_file_read(path, 0, &elf, error, sizeof(error)))
		return CANDIDATE_MISSING;
	if (elf.elf_class != resolver->elf_class || elf.machine != resolver->machine) {
		elf_file_free(&elf);
		return CANDIDATE_MISSING;
	}
	*index = add_object(resolver, name, path, found_by, loader);
	if (*index == SIZE_MAX) {
		elf_file_free(&elf);
		return CANDIDATE_MISSING;
	}
	resolver->graph->objects[*index].elf = elf;
	return CANDIDATE_FOUND;
}

static enum candidate_result try_directory(struct resolver *resolver, const char *name,
					   const char *directory, bool with_subdirs,
					   enum ldso_found_by found_by, size_t loader,
					   size_t *index)
{
	const char *const *subdir;
	char path[PATH_MAX];

	for (subdir = resolver->target.subdirs; with_subdirs && *subdir; subdir++) {
		if (!cpu_has_level(*subdir))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/%s", directory, *subdir, name) >=
		    (int)sizeof(path))
			continue;
		if (try_candidate(resolver, name, path, found_by, loader, index))
			return CANDIDATE_FOUND;
	}
	if (snprintf(path, sizeof(path), "%s/%s", directory, name) >= (int)sizeof(path))
		return CANDIDATE_MISSING;
	return try_candidate(resolver, name, path, found_by, loader, index);
}

/*
 * Tries every element of a search path list (separated by ':', and also ';'
 * for LD_LIBRARY_PATH), with tokens expanded against origin. An empty
 * element means the current directory, as for the loader.
 */
static enum candidate_result try_path_list(struct resolver *resolver, const char *name,
					   const char *list, const char *separators,
					   const char *origin, enum ldso_found_by found_by,
					   size_t loader, size_t *index)
{
	bool with_subdirs = !resolver->graph->musl;
	const char *element = list;

	while (element) {
		size_t length = strcspn(element, separators);
		char *directory = length ? expand_tokens(resolver, element, length, origin)
					 : strdup(".");

		if (directory) {
			enum candidate_result result =
				try_directory(resolver, name, directory, with_subdirs,
					      found_by, loader, index);

			free(directory);
			if (result == CANDIDATE_FOUND)
				return result;
		}
		element = element[length] ? element + length + 1 : NULL;
	}
	return CANDIDATE_MISSING;
}

/* DT_RPATH of the requester and of the objects that loaded it, then the program's. */
static enum candidate_result search_rpaths(struct resolver *resolver, const char *name,
					   size_t requester, size_t *index)
{
	size_t object = requester, steps;

	for (steps = 0; steps < MAX_OBJECTS; steps++) {
		const struct elf_file *elf = &resolver->graph->objects[object].elf;

		/* An object with DT_RUNPATH has its DT_RPATH ignored. */
		if (elf->rpath && !elf->runpath &&
		    try_path_list(resolver, name, elf->rpath, ":", origin_of(resolver, object),
				  LDSO_RPATH, requester, index))
			return CANDIDATE_FOUND;
		if (object == 0)
			return CANDIDATE_MISSING;
		object = resolver->graph->objects[object].loader;
	}
	return CANDIDATE_MISSING;
}

static enum candidate_result search_glibc(struct resolver *resolver, const char *name,
					  size_t requester, size_t *index)
{
	const struct elf_file *elf = &resolver->graph->objects[requester].elf;
	const char *cached;
	bool no_default = elf->flags_1 & DF_1_NODEFLIB;
	size_t i;

	if (!elf->runpath && search_rpaths(resolver, name, requester, index))
		return CANDIDATE_FOUND;
	if (resolver->options->library_path &&
	    try_path_list(resolver, name, resolver->options->library_path, ":;",
			  resolver->program_origin, LDSO_LIBRARY_PATH, requester, index))
		return CANDIDATE_FOUND;
	/* Re-read: the array may have moved while searching. */
	elf = &resolver->graph->objects[requester].elf;
	if (elf->runpath &&
	    try_path_list(resolver, name, elf->runpath, ":", origin_of(resolver, requester),
			  LDSO_RUNPATH, requester, index))
		return CANDIDATE_FOUND;
	if (no_default)
		return CANDIDATE_MISSING;

	if (resolver->options->cache) {
		cached = ld_cache_lookup(resolver->options->cache, name, resolver->elf_class,
					 resolver->machine);
		if (cached && try_candidate(resolver, name, cached, LDSO_CACHE, requester, index))
			return CANDIDATE_FOUND;
	}
	for (i = 0; i < DEFAULT_DIR_COUNT && resolver->target.default_dirs[i]; i++)
		if (try_directory(resolver, name, resolver->target.default_dirs[i], true,
				  LDSO_DEFAULT_DIRS, requester, index))
			return CANDIDATE_FOUND;
	return CANDIDATE_MISSING;
}

/* musl maps libc.so, libpthread.so.0, libm.so... to itself (dynlink.c, load_library). */
static bool is_musl_reserved(const char *name)
{
	static const char *const reserved[] = {
		"c", "pthread", "rt", "m", "dl", "util", "xnet",
	};
	const char *dot = strchr(name, '.');
	size_t i;

	if (strncmp(name, "lib", 3) || !dot)
		return false;
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if ((size_t)(dot - name - 3) == strlen(reserved[i]) &&
		    !strncmp(name + 3, reserved[i], dot - name - 3))
			return true;
	return false;
}

/* Reads musl's system path file, or falls back to musl's built-in default. */
static void load_musl_dirs(struct resolver *resolver, const char *interpreter)
{
	char derived[PATH_MAX], line[PATH_MAX];
	const char *path_file = resolver->options->musl_path_file;
	const char *base = strrchr(interpreter, '/');
	size_t length;
	FILE *file;

	/* /lib/ld-musl-x86_64.so.1 reads /etc/ld-musl-x86_64.path. */
	if (!path_file) {
		base = base ? base + 1 : interpreter;
		length = strcspn(base, ".");
		snprintf(derived, sizeof(derived), "/etc/%.*s.path", (int)length, base);
		path_file = derived;
	}
	file = fopen(path_file, "re");
	if (!file) {
		snprintf(line, sizeof(line), "/lib:/usr/local/lib:/usr/lib");
		resolver->musl_dirs = calloc(1, sizeof(char *));
		if (resolver->musl_dirs && (resolver->musl_dirs[0] = strdup(line)))
			resolver->musl_dir_count = 1;
		return;
	}
	while (fgets(line, sizeof(line), file)) {
		char **grown;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		grown = realloc(resolver->musl_dirs,
				(resolver->musl_dir_count + 1) * sizeof(*grown));
		if (!grown)
			break;
		resolver->musl_dirs = grown;
		grown[resolver->musl_dir_count] = strdup(line);
		if (grown[resolver->musl_dir_count])
			resolver->musl_dir_count++;
	}
	fclose(file);
}

/*
 * musl's order: LD_LIBRARY_PATH, then DT_RUNPATH (or DT_RPATH) of the
 * requester and of every object up the chain that loaded it, then the
 * system path. musl applies no cache and no hardware subdirectories.
 */
static enum candidate_result search_musl(struct resolver *resolver, const char *name,
					 size_t requester, size_t *index)
{
	size_t object = requester, steps, i;

	if (resolver->options->library_path &&
	    try_path_list(resolver, name, resolver->options->library_path, ":",
			  resolver->program_origin, LDSO_LIBRARY_PATH, requester, index))
		return CANDIDATE_FOUND;

	for (steps = 0; steps < MAX_OBJECTS; steps++) {
		const struct elf_file *elf = &resolver->graph->objects[object].elf;
		const char *list = elf->runpath ? elf->runpath : elf->rpath;

		if (list && try_path_list(resolver, name, list, ":", origin_of(resolver, object),
					  elf->runpath ? LDSO_RUNPATH : LDSO_RPATH, requester,
					  index))
			return CANDIDATE_FOUND;
		if (object == 0)
			break;
		object = resolver->graph->objects[object].loader;
	}

	for (i = 0; i < resolver->musl_dir_count; i++)
		if (try_path_list(resolver, name, resolver->musl_dirs[i], ":", NULL,
				  LDSO_DEFAULT_DIRS, requester, index))
			return CANDIDATE_FOUND;
	return CANDIDATE_MISSING;
}

static size_t interpreter_index(const struct resolver *resolver)
{
	size_t i;

	for (i = 1; i < resolver->graph->count; i++)
		if (resolver->graph->objects[i].found_by == LDSO_INTERPRETER)
			return i;
	return SIZE_MAX;
}

static size_t map_path_name(struct resolver *resolver, const char *name, size_t requester)
{
	char *path = expand_tokens(resolver, name, strlen(name), origin_of(resolver, requester));
	size_t index = SIZE_MAX;

	if (path) {
		index = find_loaded(resolver, path);
		if (index == SIZE_MAX &&
		    !try_candidate(resolver, name, path, LDSO_PATH_NAME, requester, &index))
			index = SIZE_MAX;
		free(path);
	}
	if (index == SIZE_MAX)
		index = add_object(resolver, name, NULL, LDSO_NOT_FOUND, requester);
	return index;
}

/* Maps one DT_NEEDED name of requester to an object, adding it if new. */
static size_t map_need(struct resolver *resolver, const char *name, size_t requester)
{
	enum candidate_result result;
	size_t index;

	if (strchr(name, '/'))
		return map_path_name(resolver, name, requester);
	if (resolver->graph->musl && is_musl_reserved(name)) {
		index = interpreter_index(resolver);
		if (index != SIZE_MAX)
			return index;
	}

	index = find_loaded(resolver, name);
	if (index != SIZE_MAX)
		return index;

	if (resolver->graph->musl)
		result = search_musl(resolver, name, requester, &index);
	else
		result = search_glibc(resolver, name, requester, &index);
	if (result == CANDIDATE_FOUND)
		return index;
	return add_object(resolver, name, NULL, LDSO_NOT_FOUND, requester);
}

static int append_need(struct ldso_object *object, size_t index)
{
	size_t *grown = realloc(object->needs, (object->need_count + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	object->needs = grown;
	object->needs[object->need_count++] = index;
	return 0;
}

/*
 * Returns the glibc loader that a process loading this object runs under:
 * its PT_INTERP, or for a shared object the system's standard one, which
 * is loaded before any library.
 */
static const char *interpreter_of(const struct elf_file *program)
{
	if (program->interpreter)
		return program->interpreter;
	if (!program->needed_count)
		return NULL;
	switch (program->machine) {
	case EM_X86_64: return "/lib64/ld-linux-x86-64.so.2";
	case EM_386: return "/lib/ld-linux.so.2";
	case EM_AARCH64: return "/lib/ld-linux-aarch64.so.1";
	default: return NULL;
	}
}

static int add_program_and_interpreter(struct resolver *resolver, const char *program_path,
				       const struct elf_file *program)
{
	const char *interpreter = interpreter_of(program);
	struct ldso_graph *graph = resolver->graph;
	char error[256];
	size_t index;

	if (add_object(resolver, program_path, program_path, LDSO_PROGRAM, 0) == SIZE_MAX)
		return fail(resolver, "out of memory");
	if (elf_file_read(program_path, 0, &graph->objects[0].elf, error, sizeof(error)))
		return fail(resolver, "%s", error);
	if (!interpreter)
		return 0;

	if (try_candidate(resolver, interpreter, interpreter, LDSO_INTERPRETER, 0, &index) ==
	    CANDIDATE_FOUND)
		return 0;
	/* A missing standard loader only matters when something needs it. */
	if (!program->interpreter)
		return 0;
	index = add_object(resolver, interpreter, NULL, LDSO_NOT_FOUND, 0);
	return index == SIZE_MAX ? fail(resolver, "out of memory") : 0;
}

/* Loads needs breadth first, so each object's loader is the first that needed it. */
static int load_needs(struct resolver *resolver)
{
	struct ldso_graph *graph = resolver->graph;
	size_t i, j;

	for (i = 0; i < graph->count; i++) {
		for (j = 0; graph->objects[i].path && j < graph->objects[i].elf.needed_count;
		     j++) {
			const char *name = graph->objects[i].elf.needed[j];
			size_t index;

			if (graph->count >= MAX_OBJECTS)
				return fail(resolver, "'%s' needs more than %d objects",
					    graph->objects[0].name, MAX_OBJECTS);
			index = map_need(resolver, name, i);
			if (index == SIZE_MAX || append_need(&graph->objects[i], index))
				return fail(resolver, "out of memory");
		}
	}
	return 0;
}

int ldso_resolve(const char *program_path, const struct elf_file *program,
		 const struct ldso_options *options, struct ldso_graph *graph,
		 char *error, size_t error_size)
{
	struct resolver resolver = {
		.options = options,
		.graph = graph,
		.error = error,
		.error_size = error_size,
	};
	char real[PATH_MAX];
	const char *base;
	size_t i;
	int err;

	memset(graph, 0, sizeof(*graph));
	base = program->interpreter ? strrchr(program->interpreter, '/') : NULL;
	graph->musl = base && !strncmp(base + 1, "ld-musl-", 8);
	set_target(&resolver, program);
	if (realpath(program_path, real))
		resolver.program_origin = directory_of(real);
	if (graph->musl)
		load_musl_dirs(&resolver, program->interpreter);

	err = add_program_and_interpreter(&resolver, program_path, program);
	if (!err)
		err = load_needs(&resolver);

	free(resolver.program_origin);
	for (i = 0; i < resolver.musl_dir_count; i++)
		free(resolver.musl_dirs[i]);
	free(resolver.musl_dirs);
	if (err)
		ldso_graph_free(graph);
	return err;
}

void ldso_graph_free(struct ldso_graph *graph)
{
	size_t i;

	for (i = 0; i < graph->count; i++) {
		free(graph->objects[i].name);
		free(graph->objects[i].path);
		free(graph->objects[i].needs);
		elf_file_free(&graph->objects[i].elf);
	}
	free(graph->objects);
	memset(graph, 0, sizeof(*graph));
}

const char *ldso_found_by_name(enum ldso_found_by found_by)
{
	switch (found_by) {
	case LDSO_PROGRAM: return "program";
	case LDSO_INTERPRETER: return "interpreter";
	case LDSO_PATH_NAME: return "path";
	case LDSO_RPATH: return "rpath";
	case LDSO_LIBRARY_PATH: return "LD_LIBRARY_PATH";
	case LDSO_RUNPATH: return "runpath";
	case LDSO_CACHE: return "ld.so.cache";
	case LDSO_DEFAULT_DIRS: return "default directories";
	default: return "not found";
	}
}
