// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The global lookup scope of a program, as glibc 2.36's elf/rtld.c builds
 * it: the program, then the objects named by LD_PRELOAD (separated by spaces
 * or colons), then those of /etc/ld.so.preload (whitespace or colons, '#'
 * comments), then the needs of all of these breadth first. musl reads no
 * /etc/ld.so.preload.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "elf_reader.h"
#include "log.h"
#include "lookup_scope.h"

#define LD_PRELOAD_SEPARATORS " :"
#define PRELOAD_FILE "/etc/ld.so.preload"
#define PRELOAD_FILE_SEPARATORS " \t\n:"
/* Larger preload files are not read: the loader's is a few lines. */
#define PRELOAD_FILE_MAX (64 * 1024)

/* A list of names, each allocated. */
struct name_list {
	char **names;
	size_t count;
};

static int name_list_add(struct name_list *list, const char *name, size_t length)
{
	char **grown = realloc(list->names, (list->count + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	list->names = grown;
	grown[list->count] = strndup(name, length);
	if (!grown[list->count])
		return -1;
	list->count++;
	return 0;
}

static void name_list_free(struct name_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		free(list->names[i]);
	free(list->names);
	memset(list, 0, sizeof(*list));
}

/* Appends the words of text, split at any of separators. */
static int split_names(struct name_list *list, const char *text, const char *separators)
{
	while (text && *text) {
		size_t length = strcspn(text, separators);

		if (length && name_list_add(list, text, length))
			return -1;
		text += length;
		text += strspn(text, separators);
	}
	return 0;
}

/* Reads a small text file opened as fd into a string; NULL when unreadable. */
static char *read_text(int fd)
{
	char *text = malloc(PRELOAD_FILE_MAX + 1);
	ssize_t got;
	size_t used = 0;

	if (!text)
		return NULL;
	while (used < PRELOAD_FILE_MAX &&
	       (got = read(fd, text + used, PRELOAD_FILE_MAX - used)) > 0)
		used += got;
	text[used] = '\0';
	return text;
}

/* Appends the names of an /etc/ld.so.preload file opened as fd; a '#' starts a comment. */
static int add_preload_file(struct name_list *list, int fd)
{
	char *text = read_text(fd), *comment;
	int err;

	if (!text)
		return 0;
	while ((comment = strchr(text, '#')))
		memset(comment, ' ', strcspn(comment, "\n"));
	err = split_names(list, text, PRELOAD_FILE_SEPARATORS);
	free(text);
	return err;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool is_musl_loader(const char *interpreter)
{
	return interpreter && !strncmp(base_name(interpreter), "ld-musl-", 8);
}

/* Returns the index of the object with this device and inode, or count. */
static size_t find_object(const struct lookup_scope *scope, dev_t dev, ino_t inode)
{
	size_t i;

	for (i = 0; i < scope->count; i++)
		if (scope->objects[i].dev == dev && scope->objects[i].inode == inode)
			return i;
	return scope->count;
}

const struct scope_object *lookup_scope_find(const struct lookup_scope *scope, const char *file)
{
	struct stat info;
	size_t index;

	if (stat(file, &info))
		return NULL;
	index = find_object(scope, info.st_dev, info.st_ino);
	return index < scope->count ? &scope->objects[index] : NULL;
}

/*
 * Adds an object unless the scope has its file already. Returns its index,
 * or SIZE_MAX when file cannot be read or memory runs out.
 */
static size_t add_object(struct lookup_scope *scope, const char *path, const char *file)
{
	struct scope_object *grown, *object;
	struct elf_file elf;
	char error[256];
	struct stat info;
	size_t index;

	if (stat(file, &info)) {
		p_debug("'%s' is left out of the lookup scope: %s", file, strerror(errno));
		return SIZE_MAX;
	}
	index = find_object(scope, info.st_dev, info.st_ino);
	if (index < scope->count)
		return index;

	grown = realloc(scope->objects, (scope->count + 1) * sizeof(*grown));
	if (!grown)
		return SIZE_MAX;
	scope->objects = grown;
	object = &grown[scope->count];
	memset(object, 0, sizeof(*object));
	object->path = strdup(path);
	object->file = strdup(file);
	object->dev = info.st_dev;
	object->inode = info.st_ino;
	if (!object->path || !object->file) {
		free(object->path);
		free(object->file);
		return SIZE_MAX;
	}
	if (!elf_file_read(file, 0, &elf, error, sizeof(error))) {
		object->soname = elf.soname ? strdup(elf.soname) : NULL;
		elf_file_free(&elf);
	}
	return scope->count++;
}

/* Moves the object at index to position, keeping the others in order. */
static void move_object(struct lookup_scope *scope, size_t index, size_t position)
{
	struct scope_object object = scope->objects[index];

	if (index == position)
		return;
	if (index > position)
		memmove(&scope->objects[position + 1], &scope->objects[position],
			(index - position) * sizeof(object));
	else
		memmove(&scope->objects[index], &scope->objects[index + 1],
			(position - index) * sizeof(object));
	scope->objects[position] = object;
}

static int init_scope(struct lookup_scope *scope)
{
	memset(scope, 0, sizeof(*scope));
	scope->preload = json_pack("{s:[], s:[]}", "requested", "not_loaded");
	return scope->preload ? 0 : -1;
}

static void note_preload(struct lookup_scope *scope, const char *key, const char *name)
{
	json_array_append_new(json_object_get(scope->preload, key), json_string(name));
}

/* Whether path is an ELF file of the program's class and machine. */
static bool loadable(const char *path, const struct elf_file *program)
{
	struct elf_file elf;
	char error[256];
	bool match;

	if (elf_file_read(path, 0, &elf, error, sizeof(error)))
		return false;
	match = elf.elf_class == program->elf_class && elf.machine == program->machine;
	elf_file_free(&elf);
	return match;
}

static char *find_in_dirs(const char *dirs, const char *name, const struct elf_file *program)
{
	char path[PATH_MAX];

	while (dirs && *dirs) {
		size_t length = strcspn(dirs, ":;");

		snprintf(path, sizeof(path), "%.*s/%s", (int)length, length ? dirs : ".", name);
		if (loadable(path, program))
			return strdup(path);
		dirs += length;
		dirs += strspn(dirs, ":;");
	}
	return NULL;
}

/*
 * Finds a preloaded object the way the launched program's loader does: a
 * name with a slash is a path, other names are searched in LD_LIBRARY_PATH,
 * the loader cache and the system directories.
 * NOTE: the program's DT_RPATH and DT_RUNPATH, which glibc searches too,
 * are left out.
 */
static char *find_preload(const char *name, const struct elf_file *program,
			  const struct ldso_options *options)
{
	static const char system_dirs[] =
		"/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib/aarch64-linux-gnu:"
		"/usr/lib/aarch64-linux-gnu:/lib/i386-linux-gnu:/usr/lib/i386-linux-gnu:"
		"/lib64:/usr/lib64:/lib:/usr/lib";
	const char *cached;
	char *path;

	if (strchr(name, '/')) {
		if (!loadable(name, program))
			return NULL;
		return name[0] == '/' ? strdup(name) : realpath(name, NULL);
	}
	path = find_in_dirs(getenv("LD_LIBRARY_PATH"), name, program);
	if (path)
		return path;
	cached = options->cache ? ld_cache_lookup(options->cache, name, program->elf_class,
						  program->machine) : NULL;
	if (cached && loadable(cached, program))
		return strdup(cached);
	return find_in_dirs(system_dirs, name, program);
}

/* Adds what a preloaded object needs, resolved as the static analysis resolves libraries. */
static void add_preload_needs(struct lookup_scope *scope, const char *path,
			      const struct ldso_options *options)
{
	struct ldso_graph graph;
	struct elf_file elf;
	char error[256];
	size_t i;

	if (elf_file_read(path, 0, &elf, error, sizeof(error)))
		return;
	if (!ldso_resolve(path, &elf, options, &graph, error, sizeof(error))) {
		for (i = 1; i < graph.count; i++)
			if (graph.objects[i].path)
				add_object(scope, graph.objects[i].path, graph.objects[i].path);
		ldso_graph_free(&graph);
	}
	elf_file_free(&elf);
}

static void mark_global(struct lookup_scope *scope)
{
	size_t i;

	for (i = 0; i < scope->count; i++)
		scope->objects[i].global = true;
}

int lookup_scope_for_launch(const json_t *report, const struct ldso_options *options,
			    struct lookup_scope *scope)
{
	const char *program_path = json_string_value(json_object_get(json_object_get(report,
										 "program"),
								 "path"));
	const json_t *libraries = json_object_get(report, "libraries"), *library;
	struct name_list names = {};
	size_t i, preloads = 0;
	int pass;
	struct elf_file program;
	char error[256];
	int fd;

	if (init_scope(scope))
		return -1;
	if (!program_path || elf_file_read(program_path, 0, &program, error, sizeof(error)))
		return 0;
	add_object(scope, program_path, program_path);
	if (scope->count)
		scope->objects[0].program = true;

	/* A static program has no loader, which is what reads the preload lists. */
	if (!program.is_static) {
		split_names(&names, getenv("LD_PRELOAD"), LD_PRELOAD_SEPARATORS);
		fd = is_musl_loader(program.interpreter) ? -1 :
		     open(PRELOAD_FILE, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			add_preload_file(&names, fd);
			close(fd);
		}
	}
	for (i = 0; i < names.count; i++) {
		char *path = find_preload(names.names[i], &program, options);
		size_t index = path ? add_object(scope, path, path) : SIZE_MAX;

		note_preload(scope, "requested", names.names[i]);
		if (index == SIZE_MAX) {
			note_preload(scope, "not_loaded", names.names[i]);
		} else if (!scope->objects[index].program) {
			scope->objects[index].preload = true;
			preloads++;
		}
		free(path);
	}

	/*
	 * The report lists the interpreter first, but the loader's scope has it
	 * where a library needs it (libc does, so it comes late). Here it goes
	 * last, so a name that both define is looked up in the library first.
	 */
	for (pass = 0; pass < 2; pass++) {
		json_array_foreach(libraries, i, library) {
			const char *path = json_string_value(json_object_get(library, "path"));
			const char *found_by = json_string_value(json_object_get(library,
										 "found_by"));
			bool interpreter = found_by && !strcmp(found_by, "interpreter");

			if (path && interpreter == (pass == 1))
				add_object(scope, path, path);
		}
	}
	for (i = 0; i < scope->count && preloads; i++) {
		if (scope->objects[i].preload) {
			char *path = strdup(scope->objects[i].path);

			/* add_object() may move the objects: work on a copy of the path. */
			if (path)
				add_preload_needs(scope, path, options);
			free(path);
			preloads--;
		}
	}
	mark_global(scope);
	name_list_free(&names);
	elf_file_free(&program);
	return 0;
}

/* One line of /proc/PID/maps that maps a file. */
struct maps_line {
	unsigned long start, end;
	char perms[8];
	char *path;		/* points into the line; " (deleted)" removed */
	bool deleted;
};

static bool parse_maps_line(char *line, struct maps_line *out)
{
	static const char deleted[] = " (deleted)";
	unsigned long inode;
	size_t length;
	int used = 0;

	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "%lx-%lx %7s %*x %*x:%*x %lu %n", &out->start, &out->end, out->perms,
		   &inode, &used) < 4 || !used || !inode || line[used] != '/')
		return false;
	out->path = line + used;
	length = strlen(out->path);
	out->deleted = length > sizeof(deleted) - 1 &&
		       !strcmp(out->path + length - (sizeof(deleted) - 1), deleted);
	if (out->deleted)
		out->path[length - (sizeof(deleted) - 1)] = '\0';
	return true;
}

/*
 * Turns a path of /proc/PID/maps, which the kernel writes as seen from this
 * process's root, into the path the process sees: without the process's
 * chroot directory.
 */
static const char *path_in_root(const char *root, const char *path)
{
	size_t length = strlen(root);

	if (length > 1 && !strncmp(path, root, length) && path[length] == '/')
		return path + length;
	return path;
}

static void process_root(pid_t pid, char *root, size_t size)
{
	char link[64];
	ssize_t got;

	snprintf(link, sizeof(link), "/proc/%d/root", pid);
	got = readlink(link, root, size - 1);
	root[got > 0 ? got : 0] = '\0';
	if (got <= 0)
		snprintf(root, size, "/");
}

/*
 * Calls visit for each mapping of a process, with its /proc/PID/map_files
 * link and its path as the process names it, until visit returns true.
 * Returns 1 when visit stopped the walk, 0 at the end, or -errno.
 */
static int walk_process_maps(pid_t pid,
			     bool (*visit)(void *ctx, const struct maps_line *mapping,
					   const char *map_file, const char *path),
			     void *ctx)
{
	char maps[64], root[PATH_MAX], map_file[96], *line = NULL;
	struct maps_line mapping;
	size_t capacity = 0;
	int stopped = 0;
	FILE *stream;

	process_root(pid, root, sizeof(root));
	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	stream = fopen(maps, "re");
	if (!stream)
		return -errno;
	while (!stopped && getline(&line, &capacity, stream) > 0) {
		if (!parse_maps_line(line, &mapping))
			continue;
		snprintf(map_file, sizeof(map_file), "/proc/%d/map_files/%lx-%lx", pid,
			 mapping.start, mapping.end);
		stopped = visit(ctx, &mapping, map_file, path_in_root(root, mapping.path));
	}
	free(line);
	fclose(stream);
	return stopped;
}

struct mapped_file_search {
	uint64_t address;
	char *file, *path;
	size_t file_size, path_size;
};

static bool find_mapping_of_address(void *ctx, const struct maps_line *mapping,
				    const char *map_file, const char *path)
{
	struct mapped_file_search *search = ctx;

	if (search->address < mapping->start || search->address >= mapping->end)
		return false;
	snprintf(search->file, search->file_size, "%s", map_file);
	snprintf(search->path, search->path_size, "%s", path);
	return true;
}

int process_mapped_file(pid_t pid, uint64_t address, char *file, size_t file_size,
			char *path, size_t path_size)
{
	struct mapped_file_search search = {
		.address = address,
		.file = file,
		.path = path,
		.file_size = file_size,
		.path_size = path_size,
	};
	int found = walk_process_maps(pid, find_mapping_of_address, &search);

	if (found < 0)
		return found;
	return found ? 0 : -ENOENT;
}

/* Opens path as the process resolves it: absolute paths from its root, others from its cwd. */
static int open_in_process(pid_t pid, const char *path, int flags)
{
	struct open_how how = { .flags = flags | O_CLOEXEC };
	char directory[64];
	int dirfd, fd;

	snprintf(directory, sizeof(directory), "/proc/%d/%s", pid, path[0] == '/' ? "root" : "cwd");
	dirfd = open(directory, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -1;
	/* Absolute symbolic links resolve inside the process's root too. */
	if (path[0] == '/')
		how.resolve = RESOLVE_IN_ROOT;
	fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	close(dirfd);
	return fd;
}

static bool same_file_in_process(pid_t pid, const char *path, const struct scope_object *object)
{
	struct stat info;
	int fd = open_in_process(pid, path, O_PATH);
	bool same;

	if (fd < 0)
		return false;
	same = !fstat(fd, &info) && info.st_dev == object->dev && info.st_ino == object->inode;
	close(fd);
	return same;
}

/* Reads LD_PRELOAD from the environment the process started with. */
static void add_process_ld_preload(struct name_list *names, pid_t pid)
{
	static const char key[] = "LD_PRELOAD=";
	char environ_path[64], *text = NULL, *entry;
	size_t capacity = 0;
	ssize_t length;
	FILE *stream;

	snprintf(environ_path, sizeof(environ_path), "/proc/%d/environ", pid);
	stream = fopen(environ_path, "re");
	if (!stream)
		return;
	length = getdelim(&text, &capacity, '\0', stream);
	while (length > 0) {
		entry = text;
		if (!strncmp(entry, key, sizeof(key) - 1)) {
			split_names(names, entry + sizeof(key) - 1, LD_PRELOAD_SEPARATORS);
			break;
		}
		length = getdelim(&text, &capacity, '\0', stream);
	}
	free(text);
	fclose(stream);
}

static bool add_executable_mapping(void *ctx, const struct maps_line *mapping,
				   const char *map_file, const char *path)
{
	struct lookup_scope *scope = ctx;
	size_t index;

	if (!strchr(mapping->perms, 'x'))
		return false;
	index = add_object(scope, path, map_file);
	if (index < scope->count && mapping->deleted)
		scope->objects[index].replaced = true;
	return false;
}

/* Adds the executable file mappings of a process, one object a file. */
static int add_process_mappings(struct lookup_scope *scope, pid_t pid)
{
	int err = walk_process_maps(pid, add_executable_mapping, scope);

	return err < 0 ? err : 0;
}

/* Whether a needed or preloaded name refers to object, as glibc's _dl_name_match_p compares. */
static bool name_matches(pid_t pid, const char *name, const struct scope_object *object)
{
	if (strchr(name, '/'))
		return !strcmp(name, object->path) || same_file_in_process(pid, name, object);
	return (object->soname && !strcmp(object->soname, name)) ||
	       !strcmp(base_name(object->path), name);
}

/* Returns the index of the first object a name refers to, or count. */
static size_t match_name(const struct lookup_scope *scope, pid_t pid, const char *name)
{
	size_t i;

	for (i = 0; i < scope->count; i++)
		if (name_matches(pid, name, &scope->objects[i]))
			return i;
	return scope->count;
}

/*
 * Orders the objects as the loader's global scope: the program, the
 * preloads, then the needs breadth first. ordered counts the objects in
 * place so far; objects never reached stay behind them (loaded by dlopen).
 */
static void order_process_scope(struct lookup_scope *scope, pid_t pid,
				const struct name_list *preloads)
{
	size_t ordered = 0, i, j, index;
	struct elf_file elf;
	char error[256];

	for (i = 0; i < scope->count; i++)
		if (scope->objects[i].program)
			move_object(scope, i, ordered++);
	for (i = 0; i < preloads->count; i++) {
		note_preload(scope, "requested", preloads->names[i]);
		index = match_name(scope, pid, preloads->names[i]);
		if (index == scope->count) {
			note_preload(scope, "not_loaded", preloads->names[i]);
			continue;
		}
		if (index < ordered)
			continue;
		scope->objects[index].preload = true;
		move_object(scope, index, ordered++);
	}
	for (i = 0; i < ordered; i++) {
		if (elf_file_read(scope->objects[i].file, 0, &elf, error, sizeof(error)))
			continue;
		for (j = 0; j < elf.needed_count; j++) {
			index = match_name(scope, pid, elf.needed[j]);
			if (index < scope->count && index >= ordered)
				move_object(scope, index, ordered++);
		}
		elf_file_free(&elf);
	}
	for (i = 0; i < ordered; i++)
		scope->objects[i].global = true;
}

int lookup_scope_for_process(pid_t pid, struct lookup_scope *scope)
{
	struct name_list preloads = {};
	struct elf_file program = {};
	char exe[64], error[256];
	bool musl = false;
	struct stat info;
	size_t i;
	int err, fd;

	if (init_scope(scope))
		return -1;
	err = add_process_mappings(scope, pid);
	if (err) {
		log_errno(LOG_ERROR, -err, "cannot read the mappings of process %d", pid);
		return -1;
	}
	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	if (!stat(exe, &info)) {
		i = find_object(scope, info.st_dev, info.st_ino);
		if (i < scope->count)
			scope->objects[i].program = true;
	}
	for (i = 0; i < scope->count; i++) {
		struct scope_object *object = &scope->objects[i];

		if (!object->replaced && !same_file_in_process(pid, object->path, object))
			object->replaced = true;
	}
	if (!elf_file_read(exe, 0, &program, error, sizeof(error))) {
		musl = is_musl_loader(program.interpreter);
		elf_file_free(&program);
	}

	add_process_ld_preload(&preloads, pid);
	fd = musl ? -1 : open_in_process(pid, PRELOAD_FILE, O_RDONLY);
	if (fd >= 0) {
		add_preload_file(&preloads, fd);
		close(fd);
	}
	order_process_scope(scope, pid, &preloads);
	name_list_free(&preloads);
	return 0;
}

void lookup_scope_free(struct lookup_scope *scope)
{
	size_t i;

	for (i = 0; i < scope->count; i++) {
		free(scope->objects[i].path);
		free(scope->objects[i].file);
		free(scope->objects[i].soname);
	}
	free(scope->objects);
	json_decref(scope->preload);
	memset(scope, 0, sizeof(*scope));
}
