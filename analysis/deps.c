// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Static dependency analysis of one program and its JSON report. Every fact
 * comes from files (ELF headers, /etc/ld.so.cache, dpkg's database): no
 * external tool runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <elf.h>

#include "deps.h"
#include "dpkg.h"
#include "elf_reader.h"
#include "ldso.h"
#include "log.h"
#include "result_cache.h"
#include "syscall_sites.h"
#include "util.h"

/* Linux follows at most this many nested "#!" interpreters (binfmt_script). */
#define MAX_SCRIPT_DEPTH 4

int static_context_open(struct static_context *context, const struct static_options *options)
{
	uint64_t start = now_ns(), loaded_ns;
	char error[512];

	memset(context, 0, sizeof(*context));
	if (options->no_cache)
		result_cache_disable();
	context->cache = ld_cache_load(options->cache_file, error, sizeof(error));
	if (!context->cache)
		p_warn("%s; libraries are searched without the loader cache", error);
	loaded_ns = now_ns();

	if (!options->packages)
		return 0;
	context->dpkg = dpkg_db_open(options->dpkg_dir, error, sizeof(error));
	if (!context->dpkg) {
		p_err("%s", error);
		ld_cache_free(context->cache);
		context->cache = NULL;
		return -1;
	}
	p_debug("loader cache read in %.2f ms, dpkg database in %.2f ms",
		(loaded_ns - start) / 1e6, (now_ns() - loaded_ns) / 1e6);
	return 0;
}

void static_context_close(struct static_context *context)
{
	ld_cache_free(context->cache);
	dpkg_db_free(context->dpkg);
	memset(context, 0, sizeof(*context));
}

static bool is_executable_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

/* Looks name up on PATH like execvp(): an empty element is the current directory. */
static char *search_path(const char *name)
{
	const char *list = getenv("PATH");
	char candidate[PATH_MAX];

	if (!list)
		list = "/usr/local/bin:/usr/bin:/bin";
	while (list) {
		size_t length = strcspn(list, ":");

		if (!length)
			snprintf(candidate, sizeof(candidate), "./%s", name);
		else
			snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)length, list, name);
		if (is_executable_file(candidate))
			return strdup(candidate);
		list = list[length] ? list + length + 1 : NULL;
	}
	return NULL;
}

static char *locate(const char *requested, char *error, size_t error_size)
{
	struct stat st;
	char *path;

	if (!strchr(requested, '/')) {
		path = search_path(requested);
		if (!path)
			snprintf(error, error_size,
				 "program '%s' not found on PATH: give its path or install it",
				 requested);
		return path;
	}
	if (stat(requested, &st)) {
		snprintf(error, error_size, "cannot analyse '%s': %s", requested,
			 strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(error, error_size, "cannot analyse '%s': not a regular file", requested);
		return NULL;
	}
	return strdup(requested);
}

struct shebang {
	char interpreter[PATH_MAX];
	char argument[PATH_MAX];
};

/* Reads a "#!" line as the kernel does: interpreter, then the rest as one argument. */
static bool read_shebang(const char *path, struct shebang *shebang)
{
	char line[2 * PATH_MAX];
	size_t length, start;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	got = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (got < 2 || line[0] != '#' || line[1] != '!')
		return false;
	line[got] = '\0';
	line[strcspn(line, "\n")] = '\0';

	start = 2 + strspn(line + 2, " \t");
	length = strcspn(line + start, " \t");
	snprintf(shebang->interpreter, sizeof(shebang->interpreter), "%.*s", (int)length,
		 line + start);
	start += length;
	start += strspn(line + start, " \t");
	snprintf(shebang->argument, sizeof(shebang->argument), "%s", line + start);
	length = strlen(shebang->argument);
	while (length && (shebang->argument[length - 1] == ' ' ||
			  shebang->argument[length - 1] == '\t'))
		shebang->argument[--length] = '\0';
	return shebang->interpreter[0] != '\0';
}

/* "#!/usr/bin/env [-S] NAME ...": the program env runs is NAME, looked up on PATH. */
static char *env_target(const struct shebang *shebang)
{
	const char *base = strrchr(shebang->interpreter, '/');
	const char *argument = shebang->argument;
	char name[PATH_MAX];

	base = base ? base + 1 : shebang->interpreter;
	if (strcmp(base, "env") || !argument[0])
		return NULL;
	if (!strncmp(argument, "-S", 2))
		argument += 2 + strspn(argument + 2, " \t");
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(argument, " \t"), argument);
	if (!name[0] || name[0] == '-')
		return NULL;
	return strchr(name, '/') ? strdup(name) : search_path(name);
}

static char *follow_script(char *path, json_t **script, char *error, size_t error_size)
{
	struct shebang shebang;
	int depth;

	for (depth = 0; read_shebang(path, &shebang); depth++) {
		char *next;

		if (depth == MAX_SCRIPT_DEPTH) {
			snprintf(error, error_size,
				 "'%s': more than %d nested '#!' interpreters", path,
				 MAX_SCRIPT_DEPTH);
			free(path);
			return NULL;
		}
		next = env_target(&shebang);
		if (!next)
			next = locate(shebang.interpreter, error, error_size);
		if (!next) {
			snprintf(error, error_size, "interpreter '%s' of script '%s' not found",
				 shebang.interpreter, path);
			free(path);
			return NULL;
		}
		if (!*script)
			*script = json_pack("{s:s, s:s, s:s, s:s}", "path", path,
					    "interpreter", shebang.interpreter, "argument",
					    shebang.argument, "analysed", next);
		free(path);
		path = next;
	}
	return path;
}

char *resolve_program(const char *requested, json_t **script, char *error, size_t error_size)
{
	char *path = locate(requested, error, error_size);

	*script = NULL;
	if (!path)
		return NULL;
	return follow_script(path, script, error, error_size);
}

static json_t *hex_address(uint64_t value)
{
	char text[32];

	snprintf(text, sizeof(text), "0x%llx", (unsigned long long)value);
	return json_string(text);
}

static json_t *elf_facts(const struct elf_file *elf)
{
	const char *machine = elf_machine_name(elf->machine);

	return json_pack("{s:i, s:s, s:s?, s:i, s:s, s:o, s:s?, s:b, s:b, s:b, s:b, s:s?, s:s?, s:s?, s:s}",
			 "class", elf->elf_class == ELFCLASS64 ? 64 : 32,
			 "endianness", elf->big_endian ? "big" : "little",
			 "machine", machine,
			 "machine_number", elf->machine,
			 "type", elf_file_type_name(elf->type),
			 "entry", hex_address(elf->entry),
			 "interpreter", elf->interpreter,
			 "static", elf->is_static,
			 "stripped", elf->stripped,
			 "section_headers", elf->has_section_headers,
			 "symbol_versions", elf->has_versions,
			 "soname", elf->soname,
			 "rpath", elf->rpath,
			 "runpath", elf->runpath,
			 "symbol_source", elf_symbol_source_name(elf->symbol_source));
}

static const char *symbol_type_name(unsigned char type)
{
	switch (type) {
	case STT_FUNC: return "function";
	case STT_OBJECT: return "object";
	case STT_TLS: return "tls";
	case STT_GNU_IFUNC: return "ifunc";
	case STT_NOTYPE: return "notype";
	default: return "other";
	}
}

/*
 * Stores in providers[i] the library of each import: the one its version
 * needs, or else the first library in load order that defines it, as
 * symbol lookup does. Imports no library defines keep NULL.
 */
static void find_providers(const struct elf_file *elf, const struct ldso_graph *graph,
			   const char **providers)
{
	size_t count = elf->import_count, pending = 0, i, j;
	const char **names = calloc(count + 1, sizeof(*names));
	bool *found = calloc(count + 1, sizeof(*found));
	bool *found_before = calloc(count + 1, sizeof(*found_before));
	char error[512];

	for (j = 0; names && found && found_before && j < count; j++) {
		names[j] = elf->imports[j].name;
		providers[j] = elf->imports[j].version_file;
		found[j] = providers[j] != NULL;
		pending += !found[j];
	}
	for (i = 1; i < graph->count && pending; i++) {
		const struct ldso_object *object = &graph->objects[i];

		if (!object->path)
			continue;
		memcpy(found_before, found, count * sizeof(*found));
		if (elf_file_find_definitions(object->path, names, count, found, error,
					      sizeof(error))) {
			/* Names found before the table proved unreadable are not trusted. */
			memcpy(found, found_before, count * sizeof(*found));
			p_debug("symbol lookup skips %s", error);
			continue;
		}
		for (j = 0; j < count; j++) {
			if (!found[j] || found_before[j])
				continue;
			providers[j] = object->elf.soname ? object->elf.soname : object->name;
			pending--;
		}
	}
	free(names);
	free(found);
	free(found_before);
}

static json_t *imports_json(const struct elf_file *elf, const struct ldso_graph *graph)
{
	const char **providers = calloc(elf->import_count + 1, sizeof(*providers));
	json_t *list = json_array();
	size_t i;

	if (providers)
		find_providers(elf, graph, providers);
	for (i = 0; providers && list && i < elf->import_count; i++) {
		const struct elf_symbol *symbol = &elf->imports[i];

		json_array_append_new(list, json_pack("{s:s, s:s?, s:s?, s:s, s:b}",
						       "name", symbol->name,
						       "version", symbol->version,
						       "library", providers[i],
						       "type", symbol_type_name(symbol->type),
						       "weak", symbol->bind == STB_WEAK));
	}
	free(providers);
	return list;
}

static json_t *exports_json(const struct elf_file *elf)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; list && i < elf->export_count; i++) {
		const struct elf_symbol *symbol = &elf->exports[i];

		json_array_append_new(list, json_pack("{s:s, s:s?, s:o, s:I, s:s}",
						       "name", symbol->name,
						       "version", symbol->version,
						       "address", hex_address(symbol->value),
						       "size", (json_int_t)symbol->size,
						       "type", symbol_type_name(symbol->type)));
	}
	return list;
}

/*
 * Returns the name other objects use for an object. The interpreter is
 * loaded by its path, so it goes by its SONAME, else by the first DT_NEEDED
 * name that resolved to it (musl's "libc.so").
 */
static const char *object_key(const struct ldso_graph *graph, size_t index)
{
	const struct ldso_object *object = &graph->objects[index];
	size_t i, j;

	if (object->found_by != LDSO_INTERPRETER)
		return object->name;
	if (object->elf.soname)
		return object->elf.soname;
	for (i = 0; i < graph->count; i++)
		for (j = 0; j < graph->objects[i].need_count; j++)
			if (graph->objects[i].needs[j] == index)
				return graph->objects[i].elf.needed[j];
	return object->name;
}

static json_t *needs_json(const struct ldso_graph *graph, const struct ldso_object *object)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; list && i < object->need_count; i++)
		json_array_append_new(list, json_string(object->elf.needed[i]));
	return list;
}

static json_t *library_json(const struct ldso_graph *graph, size_t index,
			    const char *const *owners)
{
	const struct ldso_object *object = &graph->objects[index];
	const char *package = owners[index];

	return json_pack("{s:s, s:s?, s:s, s:s?, s:s?, s:s, s:o}",
			 "name", object_key(graph, index),
			 "path", object->path,
			 "found_by", ldso_found_by_name(object->found_by),
			 "package", package,
			 "runpath", object->elf.runpath,
			 "loaded_by", object_key(graph, object->loader),
			 "needs", needs_json(graph, object));
}

static void add_libraries(json_t *report, json_t *static_data, const struct ldso_graph *graph,
			  const char *const *owners)
{
	json_t *shared_libs = json_object_get(static_data, "shared_libs");
	json_t *libraries = json_array();
	size_t i, missing = 0;

	for (i = 1; i < graph->count; i++) {
		const struct ldso_object *object = &graph->objects[i];

		json_array_append_new(libraries, library_json(graph, i, owners));
		json_object_set_new(shared_libs, object_key(graph, i), needs_json(graph, object));
		missing += !object->path;
	}
	json_object_set_new(report, "libraries", libraries);
	json_object_set_new(report, "direct_needs", needs_json(graph, &graph->objects[0]));
	json_object_set_new(json_object_get(report, "counts"), "libraries_not_found",
			    json_integer(missing));
}

static void add_symbols(json_t *report, json_t *static_data, const struct elf_file *elf,
			const struct ldso_graph *graph)
{
	json_t *symbols = json_object_get(static_data, "symbols");
	json_t *counts = json_object_get(report, "counts");
	size_t i, versioned = 0;

	for (i = 0; i < elf->import_count; i++) {
		const char *version = elf->imports[i].version;

		json_object_set_new(symbols, elf->imports[i].name, json_string(version ? version : ""));
		versioned += version != NULL;
	}
	/* A static program imports nothing: its own functions are what it uses. */
	if (elf->symbol_source == ELF_SYMBOLS_SYMTAB)
		for (i = 0; i < elf->export_count; i++)
			json_object_set_new(symbols, elf->exports[i].name, json_string(""));

	json_object_set_new(report, "imports", imports_json(elf, graph));
	json_object_set_new(report, "exports", exports_json(elf));
	json_object_set_new(counts, "imports", json_integer(elf->import_count));
	json_object_set_new(counts, "versioned_imports", json_integer(versioned));
	json_object_set_new(counts, "exports", json_integer(elf->export_count));
}

/* Finds the package of every object; owners[i] stays NULL without dpkg. */
static const char **find_owners(const struct ldso_graph *graph, const struct dpkg_db *dpkg)
{
	const char **owners = calloc(graph->count + 1, sizeof(*owners));
	const char **paths = calloc(graph->count + 1, sizeof(*paths));
	size_t i;

	if (owners && paths && dpkg) {
		for (i = 0; i < graph->count; i++)
			paths[i] = graph->objects[i].path;
		if (dpkg_owners(dpkg, paths, graph->count, owners))
			p_warn("out of memory looking up package owners");
	}
	free(paths);
	return owners;
}

static void add_packages(json_t *report, json_t *static_data, const struct ldso_graph *graph,
			 const char *const *owners, const struct dpkg_db *dpkg)
{
	json_t *dependencies = json_object_get(static_data, "dependencies");
	json_t *owned = json_object(), *details = json_object();
	size_t i;

	for (i = 0; i < graph->count; i++) {
		if (!owners[i])
			continue;
		json_object_set_new(owned, graph->objects[i].path, json_string(owners[i]));
		dpkg_add_dependencies(dpkg, owners[i], dependencies, details);
	}
	json_object_set_new(report, "packages",
			    json_pack("{s:s?, s:o, s:o}", "program", owners[0],
				      "owners", owned, "details", details));
	json_object_set_new(json_object_get(report, "counts"), "packages",
			    json_integer(json_object_size(dependencies)));
}

static bool is_function_import(const struct elf_symbol *symbol)
{
	return symbol->type == STT_FUNC || symbol->type == STT_NOTYPE ||
	       symbol->type == STT_GNU_IFUNC;
}

static void add_syscalls(json_t *report, json_t *static_data, const char *path,
			 const struct elf_file *elf, const struct ldso_graph *graph)
{
	const char **libraries = calloc(graph->count + 1, sizeof(char *));
	const char **imports = calloc(elf->import_count + 1, sizeof(char *));
	struct syscall_scan_input input = { .program = path };
	json_t *result = NULL, *names, *value;
	char error[512] = "";
	const char *name;
	size_t i;

	for (i = 1; libraries && i < graph->count; i++)
		if (graph->objects[i].path)
			libraries[input.library_count++] = graph->objects[i].path;
	for (i = 0; imports && i < elf->import_count; i++)
		if (is_function_import(&elf->imports[i]))
			imports[input.import_count++] = elf->imports[i].name;
	input.libraries = libraries;
	input.imports = imports;

	if (libraries && imports)
		result = syscall_scan(&input, error, sizeof(error));
	free(libraries);
	free(imports);
	if (!result) {
		p_warn("static system call scan of '%s' failed: %s", path, error);
		json_object_set_new(report, "static_syscalls_error", json_string(error));
		return;
	}

	names = json_object_get(result, "system_calls");
	json_object_foreach(names, name, value)
		json_object_set_new(json_object_get(static_data, "system_calls"), name,
				    json_string(""));
	json_object_set_new(json_object_get(report, "counts"), "system_calls",
			    json_integer(json_object_size(names)));
	json_object_set_new(report, "static_syscalls", result);
}

static json_t *new_report(const char *requested, const char *path, json_t *script)
{
	json_t *static_data = json_pack("{s:{}, s:{}, s:{}, s:{}}", "dependencies",
					"shared_libs", "system_calls", "symbols");

	return json_pack("{s:{s:s, s:s, s:o*}, s:o, s:{}}",
			 "program", "requested", requested, "path", path, "script", script,
			 "static_data", static_data, "counts");
}

json_t *static_analysis(const char *requested, const struct static_options *options,
			const struct static_context *context, char *error, size_t error_size)
{
	struct ldso_options ldso_options = {
		.cache = context->cache,
		.library_path = options->library_path,
	};
	struct ldso_graph graph;
	struct elf_file elf;
	json_t *report, *static_data, *script;
	const char **owners;
	uint64_t start = now_ns(), read_ns, resolve_ns, owners_ns, packages_ns, syscalls_ns;
	char *path;

	path = resolve_program(requested, &script, error, error_size);
	if (!path)
		return NULL;
	if (elf_file_has_magic(path) == 0) {
		snprintf(error, error_size,
			 "cannot analyse '%s': neither an ELF file nor a '#!' script", path);
		json_decref(script);
		free(path);
		return NULL;
	}
	if (elf_file_read(path, ELF_READ_SYMBOLS, &elf, error, error_size)) {
		json_decref(script);
		free(path);
		return NULL;
	}
	read_ns = now_ns();
	if (ldso_resolve(path, &elf, &ldso_options, &graph, error, error_size)) {
		elf_file_free(&elf);
		json_decref(script);
		free(path);
		return NULL;
	}
	resolve_ns = now_ns();

	owners = find_owners(&graph, context->dpkg);
	owners_ns = now_ns();
	report = new_report(requested, path, script);
	static_data = json_object_get(report, "static_data");
	json_object_set_new(report, "elf", elf_facts(&elf));
	if (owners)
		add_libraries(report, static_data, &graph, owners);
	add_symbols(report, static_data, &elf, &graph);
	if (owners && context->dpkg)
		add_packages(report, static_data, &graph, owners, context->dpkg);
	packages_ns = now_ns();
	if (options->syscalls)
		add_syscalls(report, static_data, path, &elf, &graph);
	syscalls_ns = now_ns();
	p_debug("static analysis of %s: ELF %.2f ms, libraries %.2f ms, owners %.2f ms, "
		"symbols and packages %.2f ms, system calls %.2f ms", path,
		(read_ns - start) / 1e6, (resolve_ns - read_ns) / 1e6, (owners_ns - resolve_ns) / 1e6,
		(packages_ns - owners_ns) / 1e6, (syscalls_ns - packages_ns) / 1e6);

	free(owners);
	ldso_graph_free(&graph);
	elf_file_free(&elf);
	free(path);
	return report;
}
