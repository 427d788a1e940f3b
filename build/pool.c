// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The library pool: in-memory form, the readers of a workspace's library
 * files and of pool JSON data, and symbol sets from archives or text files.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kconfig.h"
#include "log.h"
#include "pool.h"

static void join_path(char *buf, size_t size, const char *dir, const char *name);

/* Libraries nested deeper than this under lib/, drivers/, plat/ are not read. */
#define CORE_MAX_DEPTH 4

void pool_init(struct pool *pool)
{
	memset(pool, 0, sizeof(*pool));
	pool->kconfig = json_object();
}

static void pool_lib_free(struct pool_lib *lib)
{
	free(lib->dir);
	free(lib->make_name);
	free(lib->option);
	free(lib->depends_on);
	free(lib->origin);
	free(lib->path);
	json_decref(lib->selects);
	json_decref(lib->implies);
	json_decref(lib->symbols);
	json_decref(lib->syscalls);
}

void pool_free(struct pool *pool)
{
	for (size_t i = 0; i < pool->count; i++)
		pool_lib_free(&pool->libs[i]);
	free(pool->libs);
	json_decref(pool->kconfig);
	memset(pool, 0, sizeof(*pool));
}

static void replace_string(char **field, const char *value)
{
	if (!value || (*field && !strcmp(*field, value)))
		return;
	free(*field);
	*field = strdup(value);
}

struct pool_lib *pool_find_by_make_name(struct pool *pool, const char *make_name)
{
	for (size_t i = 0; i < pool->count; i++)
		if (!strcmp(pool->libs[i].make_name, make_name))
			return &pool->libs[i];
	return NULL;
}

struct pool_lib *pool_find_by_option(struct pool *pool, const char *option)
{
	option = kconfig_bare_name(option);
	for (size_t i = 0; i < pool->count; i++)
		if (pool->libs[i].option && !strcmp(pool->libs[i].option, option))
			return &pool->libs[i];
	return NULL;
}

const char *pool_lib_short_dir(const struct pool_lib *lib)
{
	const char *slash = strrchr(lib->dir, '/');

	return slash ? slash + 1 : lib->dir;
}

struct pool_lib *pool_find(struct pool *pool, const char *name)
{
	struct pool_lib *lib = pool_find_by_make_name(pool, name);

	if (lib)
		return lib;
	lib = pool_find_by_option(pool, name);
	if (lib)
		return lib;
	for (size_t i = 0; i < pool->count; i++) {
		lib = &pool->libs[i];
		if (!strcmp(lib->dir, name) || !strcmp(pool_lib_short_dir(lib), name))
			return lib;
	}
	return NULL;
}

/*
 * Adds a library, or returns the one already known under make_name after
 * filling in the names it was missing, so that data read in any order
 * (system calls before libraries, say) lands on one entry.
 */
struct pool_lib *pool_add(struct pool *pool, const char *dir, const char *make_name,
			  const char *option, const char *origin)
{
	struct pool_lib *lib = pool_find_by_make_name(pool, make_name);

	if (lib) {
		replace_string(&lib->dir, dir);
		if (option && !lib->option)
			replace_string(&lib->option, kconfig_bare_name(option));
		replace_string(&lib->origin, origin);
		return lib;
	}
	if (pool->count == pool->capacity) {
		size_t capacity = pool->capacity ? pool->capacity * 2 : 64;
		struct pool_lib *libs = realloc(pool->libs, capacity * sizeof(*libs));

		if (!libs) {
			p_err("out of memory adding library %s to the pool", make_name);
			exit(1);
		}
		pool->libs = libs;
		pool->capacity = capacity;
	}
	lib = &pool->libs[pool->count++];
	memset(lib, 0, sizeof(*lib));
	lib->dir = strdup(dir);
	lib->make_name = strdup(make_name);
	lib->option = option ? strdup(kconfig_bare_name(option)) : NULL;
	lib->origin = strdup(origin);
	lib->selects = json_array();
	lib->implies = json_array();
	lib->symbols = json_object();
	lib->syscalls = json_object();
	return lib;
}

/* Copies the Kconfig dependencies of the library's option from pool->kconfig. */
static void take_kconfig_dependencies(struct pool *pool, struct pool_lib *lib)
{
	json_t *sym;

	if (!lib->option)
		return;
	sym = json_object_get(pool->kconfig, lib->option);
	if (!sym)
		return;
	free(lib->depends_on);
	lib->depends_on = json_is_string(json_object_get(sym, "depends_on")) ?
		strdup(json_string_value(json_object_get(sym, "depends_on"))) : NULL;
	json_array_clear(lib->selects);
	json_array_extend(lib->selects, json_object_get(sym, "selects"));
	json_array_clear(lib->implies);
	json_array_extend(lib->implies, json_object_get(sym, "implies"));
}

/* Parses exportsyms.uk: one symbol a line, # comments, or the word "none". */
static void parse_exportsyms(struct pool_lib *lib, const char *text)
{
	char *copy = strdup(text), *save = NULL;

	lib->has_symbol_data = true;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');
		char name[256];

		if (hash)
			*hash = '\0';
		if (sscanf(line, "%255s", name) != 1 || !strcmp(name, "none"))
			continue;
		json_object_set_new(lib->symbols, name, json_true());
	}
	free(copy);
}

/* Reads "a,b,c" call arguments after "addlib..." up to the closing ")". */
static int read_call_args(const char *p, char args[][128], int max)
{
	int count = 0, nesting = 0;
	size_t len = 0;

	for (; *p && count < max; p++) {
		if (*p == '(')
			nesting++;
		if (*p == ')' && nesting-- == 0)
			break;
		if (*p == ',' && !nesting) {
			args[count++][len] = '\0';
			len = 0;
			continue;
		}
		if (!isspace((unsigned char)*p) && len < 127)
			args[count][len++] = *p;
	}
	if (count < max)
		args[count++][len] = '\0';
	return count;
}

/* Returns X from "$(CONFIG_X)", or NULL. */
static char *option_of(const char *arg, char *buf, size_t size)
{
	const char *start = strstr(arg, "CONFIG_");
	size_t len = 0;

	if (!start)
		return NULL;
	start += 7;
	while ((isalnum((unsigned char)start[len]) || start[len] == '_') && len < size - 1)
		len++;
	memcpy(buf, start, len);
	buf[len] = '\0';
	return buf;
}

/* Derives "PLAT_KVM" from "plat/kvm" for platform libraries without an option. */
static char *platform_option(const char *dir, char *buf, size_t size)
{
	const char *name = strrchr(dir, '/');

	if (strncmp(dir, "plat/", 5) || !name)
		return NULL;
	snprintf(buf, size, "PLAT_%s", name + 1);
	for (char *c = buf; *c; c++)
		*c = toupper((unsigned char)*c);
	return buf;
}

/* Registers each addlib/addlib_s/addplatlib/addplatlib_s call of Makefile.uk. */
static int register_libraries(struct pool *pool, const char *dir, const char *origin,
			      const char *makefile_uk, struct pool_lib **added, int max)
{
	const char *p = makefile_uk;
	int count = 0;

	while (count < max && (p = strstr(p, "$(call add"))) {
		char args[4][128], option_buf[128];
		bool platform = !strncmp(p, "$(call addplatlib", 17);
		const char *open = strchr(p, ',');
		int nargs, name_arg = platform ? 1 : 0;
		char *option;

		p += 10;
		if (!open || (!platform && strncmp(p, "lib", 3)))
			continue;
		nargs = read_call_args(open + 1, args, 4);
		if (nargs <= name_arg || !args[name_arg][0])
			continue;
		option = nargs > name_arg + 1 ?
			option_of(args[name_arg + 1], option_buf, sizeof(option_buf)) :
			platform_option(dir, option_buf, sizeof(option_buf));
		added[count++] = pool_add(pool, dir, args[name_arg], option, origin);
	}
	return count;
}

/* Parses "UK_PROVIDED_SYSCALLS-$(CONFIG_X) += name-nargs ..." lines. */
static void parse_provided_syscalls(struct pool_lib **libs, int count, const char *makefile_uk)
{
	const char *p = makefile_uk;

	while ((p = strstr(p, "UK_PROVIDED_SYSCALLS-"))) {
		const char *end = strchr(p, '\n');
		char line[1024], option_buf[128], *option, *values, *save = NULL;
		struct pool_lib *target = count ? libs[0] : NULL;
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		p += len;

		option = option_of(line, option_buf, sizeof(option_buf));
		for (int i = 0; option && i < count; i++)
			if (libs[i]->option && !strcmp(libs[i]->option, option))
				target = libs[i];
		values = strstr(line, "+=");
		if (!target || !values)
			continue;
		for (char *word = strtok_r(values + 2, " \t\\", &save); word;
		     word = strtok_r(NULL, " \t\\", &save)) {
			char *dash = strrchr(word, '-');

			if (dash && isdigit((unsigned char)dash[1]))
				*dash = '\0';
			json_object_set_new(target->syscalls, word,
					    json_string(option ? option : target->option));
		}
	}
}

int pool_load_library_files(struct pool *pool, const char *dir, const char *origin,
			    const char *path, const char *config_uk, const char *makefile_uk,
			    const char *exportsyms_uk)
{
	struct pool_lib *added[16];
	char where[PATH_MAX];
	int count;

	join_path(where, sizeof(where), path ? path : dir, "Config.uk");
	if (config_uk && kconfig_parse(config_uk, where, pool->kconfig))
		return -1;

	count = register_libraries(pool, dir, origin, makefile_uk ? makefile_uk : "",
				   added, 16);
	parse_provided_syscalls(added, count, makefile_uk ? makefile_uk : "");
	for (int i = 0; i < count; i++) {
		take_kconfig_dependencies(pool, added[i]);
		if (exportsyms_uk)
			parse_exportsyms(added[i], exportsyms_uk);
		if (path)
			replace_string(&added[i]->path, path);
		added[i]->external = strcmp(origin, "core") != 0;
	}
	return 0;
}

/* Reads a whole file; returns NULL (errno set) if it cannot. */
static char *read_text_file(const char *path)
{
	FILE *file = fopen(path, "r");
	char *text = NULL;
	size_t size = 0;

	if (!file)
		return NULL;
	if (getdelim(&text, &size, '\0', file) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(file);
	return text;
}

/* Writes dir/name into buf; a path longer than PATH_MAX is cut (and not found). */
static void join_path(char *buf, size_t size, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
		buf[0] = '\0';
}

static bool path_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];

	join_path(path, sizeof(path), dir, name);
	return access(path, F_OK) == 0;
}

/* Reads a library folder (relative name dir, absolute path). */
static int load_library_folder(struct pool *pool, const char *dir, const char *origin,
			       const char *path)
{
	char file[PATH_MAX];
	char *config_uk, *makefile_uk, *exportsyms_uk;
	int err;

	join_path(file, sizeof(file), path, "Config.uk");
	config_uk = read_text_file(file);
	join_path(file, sizeof(file), path, "Makefile.uk");
	makefile_uk = read_text_file(file);
	join_path(file, sizeof(file), path, "exportsyms.uk");
	exportsyms_uk = read_text_file(file);

	err = pool_load_library_files(pool, dir, origin, path, config_uk, makefile_uk,
				      exportsyms_uk);
	free(config_uk);
	free(makefile_uk);
	free(exportsyms_uk);
	return err;
}

/* Walks a core subtree and reads every folder that has a Makefile.uk or Config.uk. */
static int walk_core(struct pool *pool, const char *root, const char *dir, int depth)
{
	char path[PATH_MAX];
	struct dirent *entry;
	DIR *folder;
	int err = 0;

	join_path(path, sizeof(path), root, dir);
	if (path_exists(path, "Makefile.uk") || path_exists(path, "Config.uk"))
		err = load_library_folder(pool, dir, "core", path);
	if (err || depth >= CORE_MAX_DEPTH)
		return err;

	folder = opendir(path);
	if (!folder)
		return 0;
	while (!err && (entry = readdir(folder))) {
		char child[PATH_MAX];

		if (entry->d_name[0] == '.' || entry->d_type != DT_DIR ||
		    !strcmp(entry->d_name, "include") || !strcmp(entry->d_name, "tests"))
			continue;
		join_path(child, sizeof(child), dir, entry->d_name);
		err = walk_core(pool, root, child, depth + 1);
	}
	closedir(folder);
	return err;
}

int pool_load_core(struct pool *pool, const char *uk_root)
{
	static const char *const subtrees[] = { "arch", "plat", "drivers", "lib" };
	char *config_uk, path[PATH_MAX];
	int err = 0;

	join_path(path, sizeof(path), uk_root, "Config.uk");
	config_uk = read_text_file(path);
	if (!config_uk) {
		log_errno(LOG_ERROR, errno, "cannot read %s: is %s a Unikraft core (UK_ROOT)?",
			  path, uk_root);
		return -1;
	}
	err = kconfig_parse(config_uk, path, pool->kconfig);
	free(config_uk);

	for (size_t i = 0; !err && i < sizeof(subtrees) / sizeof(subtrees[0]); i++)
		err = walk_core(pool, uk_root, subtrees[i], 1);

	/* Options read later (a library's sub-options) may refine dependencies. */
	for (size_t i = 0; !err && i < pool->count; i++)
		take_kconfig_dependencies(pool, &pool->libs[i]);
	return err;
}

/* Reads one external library folder, named after the folder. */
static int load_external_folder(struct pool *pool, const char *path)
{
	const char *name = strrchr(path, '/');

	if (!path_exists(path, "Config.uk") || !path_exists(path, "Makefile.uk")) {
		p_err("%s has no Config.uk and Makefile.uk: it is not a Unikraft library", path);
		return -1;
	}
	name = name ? name + 1 : path;
	return load_library_folder(pool, name, name, path);
}

/* Reads every lib-* folder of an external library folder (UK_LIBS). */
static int load_externals_folder(struct pool *pool, const char *path)
{
	struct dirent *entry;
	DIR *folder = opendir(path);
	int err = 0, found = 0;

	if (!folder) {
		log_errno(LOG_ERROR, errno, "cannot open library folder %s", path);
		return -1;
	}
	while (!err && (entry = readdir(folder))) {
		char child[PATH_MAX];

		if (strncmp(entry->d_name, "lib-", 4) || entry->d_type != DT_DIR)
			continue;
		join_path(child, sizeof(child), path, entry->d_name);
		if (!path_exists(child, "Config.uk"))
			continue;
		err = load_external_folder(pool, child);
		found++;
	}
	closedir(folder);
	if (!err && !found) {
		p_err("%s has no Unikraft core, no library and no lib-* library folder: "
		      "give UK_ROOT, a library folder, UK_LIBS or a pool JSON file", path);
		return -1;
	}
	return err;
}

/* Loads every pool-*.json file of a folder that has them. */
static int load_json_folder(struct pool *pool, const char *path, int *found)
{
	struct dirent **entries;
	int count = scandir(path, &entries, NULL, alphasort);
	int err = 0;

	*found = 0;
	for (int i = 0; i < count; i++) {
		const char *name = entries[i]->d_name;
		size_t len = strlen(name);
		char file[PATH_MAX];

		if (!err && !strncmp(name, "pool-", 5) && len > 5 &&
		    !strcmp(name + len - 5, ".json")) {
			join_path(file, sizeof(file), path, name);
			err = pool_load_json(pool, file);
			(*found)++;
		}
		free(entries[i]);
	}
	free(count >= 0 ? entries : NULL);
	return err;
}

int pool_load_path(struct pool *pool, const char *path)
{
	char absolute[PATH_MAX];
	struct stat st;
	int found, err;

	if (stat(path, &st) || !realpath(path, absolute)) {
		log_errno(LOG_ERROR, errno, "cannot read pool %s", path);
		return -1;
	}
	if (S_ISREG(st.st_mode))
		return pool_load_json(pool, absolute);
	if (path_exists(absolute, "lib") && path_exists(absolute, "Config.uk") &&
	    path_exists(absolute, "plat"))
		return pool_load_core(pool, absolute);
	if (path_exists(absolute, "Config.uk") && path_exists(absolute, "Makefile.uk"))
		return load_external_folder(pool, absolute);
	err = load_json_folder(pool, absolute, &found);
	if (err || found)
		return err;
	return load_externals_folder(pool, absolute);
}

static const char *json_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Fills a library's dependencies from a JSON entry with depends_on/selects/implies. */
static void take_json_dependencies(struct pool_lib *lib, json_t *entry)
{
	free(lib->depends_on);
	lib->depends_on = json_str(entry, "depends_on") ?
		strdup(json_str(entry, "depends_on")) : NULL;
	if (json_is_array(json_object_get(entry, "selects"))) {
		json_array_clear(lib->selects);
		json_array_extend(lib->selects, json_object_get(entry, "selects"));
	}
	if (json_is_array(json_object_get(entry, "implies"))) {
		json_array_clear(lib->implies);
		json_array_extend(lib->implies, json_object_get(entry, "implies"));
	}
}

static void add_symbol_list(struct pool_lib *lib, json_t *list)
{
	size_t i;
	json_t *name;

	lib->has_symbol_data = true;
	json_array_foreach(list, i, name)
		if (json_is_string(name) && strcmp(json_string_value(name), "none"))
			json_object_set(lib->symbols, json_string_value(name), json_true());
}

/* Core libraries: {"libraries": [{dir, library, config_option, ...}], "symbols": {}}. */
static void load_json_core(struct pool *pool, json_t *root)
{
	json_t *entry;
	size_t i;

	json_object_update(pool->kconfig, json_object_get(root, "symbols"));
	json_array_foreach(json_object_get(root, "libraries"), i, entry) {
		const char *dir = json_str(entry, "dir"), *name = json_str(entry, "library");
		struct pool_lib *lib;

		if (!dir || !name)
			continue;
		lib = pool_add(pool, dir, name, json_str(entry, "config_option"), "core");
		take_json_dependencies(lib, entry);
		if (json_is_array(json_object_get(entry, "exportsyms")))
			add_symbol_list(lib, json_object_get(entry, "exportsyms"));
	}
}

/* Makes "libposix_process" from "lib/posix-process". */
static void make_name_of_dir(const char *dir, char *buf, size_t size)
{
	const char *base = strrchr(dir, '/');

	snprintf(buf, size, "lib%s", base ? base + 1 : dir);
	for (char *c = buf; *c; c++)
		if (*c == '-')
			*c = '_';
}

/* Provided system calls: {"provided_syscalls": {dir: [{syscall, config}]}}. */
static void load_json_syscalls(struct pool *pool, json_t *root)
{
	const char *dir;
	json_t *list;

	json_object_foreach(json_object_get(root, "provided_syscalls"), dir, list) {
		json_t *entry;
		size_t i;

		json_array_foreach(list, i, entry) {
			const char *option = json_str(entry, "config");
			struct pool_lib *lib = pool_find(pool, dir);
			char make_name[128];

			if (!lib) {
				make_name_of_dir(dir, make_name, sizeof(make_name));
				lib = pool_add(pool, dir, make_name, option, "core");
			}
			if (json_str(entry, "syscall"))
				json_object_set_new(lib->syscalls, json_str(entry, "syscall"),
						    json_string(option ? kconfig_bare_name(option) :
								lib->option));
		}
	}
}

/* External libraries: {"libraries": [{repo, libraries: [...], config_symbols}]}. */
static void load_json_external(struct pool *pool, json_t *root)
{
	json_t *repo;
	size_t i;

	json_array_foreach(json_object_get(root, "libraries"), i, repo) {
		const char *repo_name = json_str(repo, "repo");
		const char *base = repo_name ? strrchr(repo_name, '/') : NULL;
		json_t *exports = json_object_get(repo, "exportsyms_at_head");
		json_t *entry;
		size_t j;

		if (!repo_name)
			continue;
		base = base ? base + 1 : repo_name;
		if (!json_is_array(exports))
			exports = json_object_get(json_object_get(repo, "exportsyms_historical"),
						  "symbols");
		json_object_update(pool->kconfig, json_object_get(repo, "config_symbols"));

		json_array_foreach(json_object_get(repo, "libraries"), j, entry) {
			const char *name = json_str(entry, "library");
			struct pool_lib *lib;

			if (!name)
				continue;
			lib = pool_add(pool, base, name, json_str(entry, "config_option"),
				       repo_name);
			lib->external = true;
			lib->downloads = json_array_size(json_object_get(repo,
							 "downloads_at_build_time")) > 0;
			take_json_dependencies(lib, entry);
			if (json_is_array(exports) && j == 0)
				add_symbol_list(lib, exports);
		}
	}
}

int pool_load_json(struct pool *pool, const char *path)
{
	json_error_t error;
	json_t *root = json_load_file(path, 0, &error);
	json_t *libraries;

	if (!root) {
		p_err("cannot read pool JSON %s: %s (line %d)", path, error.text, error.line);
		return -1;
	}
	libraries = json_object_get(root, "libraries");
	if (json_is_object(json_object_get(root, "provided_syscalls"))) {
		load_json_syscalls(pool, root);
	} else if (json_is_array(libraries) && json_object_get(root, "symbols")) {
		load_json_core(pool, root);
	} else if (json_is_array(libraries) &&
		   json_object_get(json_array_get(libraries, 0), "repo")) {
		load_json_external(pool, root);
	} else {
		p_err("%s is not pool data: expected \"libraries\" or \"provided_syscalls\"", path);
		json_decref(root);
		return -1;
	}
	json_decref(root);
	return 0;
}

/* Adds the defined global symbols of one ELF object to set. */
static void add_elf_symbols(Elf *elf, json_t *set)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB || !shdr.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym sym;
			int bind;
			const char *name;

			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			bind = GELF_ST_BIND(sym.st_info);
			if (sym.st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK))
				continue;
			name = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (name && *name)
				json_object_set_new(set, name, json_true());
		}
	}
}

/* Reads an archive or object; returns 1 if it is not ELF, -1 on error. */
static int read_elf_symbols(const char *file, json_t *set)
{
	int fd = open(file, O_RDONLY);
	Elf *archive, *member;
	Elf_Cmd cmd = ELF_C_READ;
	int kind;

	if (fd < 0) {
		log_errno(LOG_ERROR, errno, "cannot open symbol file %s", file);
		return -1;
	}
	elf_version(EV_CURRENT);
	archive = elf_begin(fd, ELF_C_READ, NULL);
	kind = archive ? elf_kind(archive) : ELF_K_NONE;
	if (kind == ELF_K_ELF) {
		add_elf_symbols(archive, set);
	} else if (kind == ELF_K_AR) {
		while ((member = elf_begin(fd, cmd, archive))) {
			if (elf_kind(member) == ELF_K_ELF)
				add_elf_symbols(member, set);
			cmd = elf_next(member);
			elf_end(member);
		}
	}
	elf_end(archive);
	close(fd);
	return kind == ELF_K_ELF || kind == ELF_K_AR ? 0 : 1;
}

int pool_load_symbols(struct pool *pool, const char *name, const char *file)
{
	struct pool_lib *lib = pool_find(pool, name);
	char *text;
	int err;

	if (!lib) {
		p_err("--symbols %s=%s: no library named '%s' in the pool; give its directory, "
		      "make name or Kconfig option", name, file, name);
		return -1;
	}
	err = read_elf_symbols(file, lib->symbols);
	if (err < 0)
		return -1;
	if (err > 0) {
		text = read_text_file(file);
		if (!text) {
			log_errno(LOG_ERROR, errno, "cannot read symbol file %s", file);
			return -1;
		}
		parse_exportsyms(lib, text);
		free(text);
	}
	lib->has_symbol_data = true;
	p_info("%s: %zu symbols from %s", lib->make_name, json_object_size(lib->symbols), file);
	return 0;
}
