// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Static system call set of a program. Every function of the program is
 * reachable, and so is every library function it imports and every function
 * the dynamic loader runs on its own (init and fini arrays, the loader's
 * entry). So is whatever these call directly or through PLT and GOT slots,
 * or take the address of. The set is the union of the call numbers recovered
 * in the reachable functions. Analysed objects stay cached for the whole
 * process, keyed by path, size and modification time, and on disk
 * (syscall_cache.c).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libelf.h>

#include "log.h"
#include "syscall_object.h"
#include "syscall_sites.h"
#include "syscalls.h"
#include "util.h"

#define MAX_SOURCES_PER_SYSCALL 16
#define MAX_UNRECOVERED_LISTED 32

/*
 * Bytes of analysed objects kept between scans. A batch worker scans many
 * programs, and the least recently used objects beyond this are freed after
 * each scan. A single scan may exceed it, because all of its objects are needed.
 */
#define CACHE_BUDGET_BYTES (512UL << 20)

/* Threads that analyse objects missing from both caches by default, the caller's included. */
#define DEFAULT_MAX_THREADS 4

static struct syscall_object **cache;
static size_t cache_count, cache_capacity;
static uint64_t scan_count;
static unsigned int analysis_threads;	/* 0: one per online CPU, up to the maximum */

/* Frees the least recently used objects until the cache fits its budget. */
static void trim_cache(void)
{
	size_t total = 0, i, oldest;

	for (i = 0; i < cache_count; i++)
		total += syscall_object_memory(cache[i]);
	while (total > CACHE_BUDGET_BYTES && cache_count) {
		oldest = 0;
		for (i = 1; i < cache_count; i++)
			if (cache[i]->last_scan < cache[oldest]->last_scan)
				oldest = i;
		p_debug("syscall scan: dropping %s from the cache", cache[oldest]->path);
		total -= syscall_object_memory(cache[oldest]);
		syscall_object_free(cache[oldest]);
		cache[oldest] = cache[--cache_count];
	}
}

/* Returns the analysed object for path, reading it again when its size or mtime changed. */
static struct syscall_object *cached_object(const char *path)
{
	struct syscall_object *object, **grown;
	struct stat st;
	size_t i;

	if (stat(path, &st) < 0)
		return NULL;
	for (i = 0; i < cache_count; i++) {
		object = cache[i];
		if (strcmp(object->path, path))
			continue;
		if (object->size == st.st_size && object->mtime.tv_sec == st.st_mtim.tv_sec &&
		    object->mtime.tv_nsec == st.st_mtim.tv_nsec) {
			object->last_scan = scan_count;
			return object;
		}
		syscall_object_free(object);
		cache[i] = cache[--cache_count];
		break;
	}

	object = syscall_cache_object(path, &st);
	if (!object)
		return NULL;
	if (cache_count == cache_capacity) {
		cache_capacity = cache_capacity ? cache_capacity * 2 : 16;
		grown = realloc(cache, cache_capacity * sizeof(*cache));
		if (!grown) {
			syscall_object_free(object);
			return NULL;
		}
		cache = grown;
	}
	object->last_scan = scan_count;
	cache[cache_count++] = object;
	return object;
}

enum object_role {
	ROLE_PROGRAM,
	ROLE_LIBRARY,
	ROLE_INTERPRETER,
};

#define IMPORTS_NOT_RESOLVED UINT32_MAX

struct scan_object {
	struct syscall_object *object;
	enum object_role role;
	uint8_t *reached;	/* one flag per function */
	uint32_t *import_targets;	/* per function: first pair in scan->targets, or unresolved */
	uint32_t *import_target_counts;	/* per function: count of pairs */
};

/*
 * Definitions of each import name met in the scan, in every object. They are
 * found once per name, and an open addressing table maps the name to them.
 */
struct name_targets {
	const char **names;	/* NULL when the slot is free */
	uint32_t *firsts, *counts;	/* first pair in pairs, and count of pairs */
	size_t capacity, count;
	uint32_t *pairs;	/* object index and function index */
	size_t pair_count, pair_capacity;
};

struct scan {
	struct scan_object *objects;
	size_t object_count;
	struct name_targets definitions;
	uint32_t *queue;	/* pairs of object index and function index */
	size_t queue_count, queue_capacity;
	uint32_t *targets;	/* pairs of object index and function index of resolved imports */
	size_t target_count, target_capacity;
	uint64_t reached_set[2][SYSCALL_SET_WORDS];	/* native, then i386 numbers of 64-bit code */
};

static const char *role_name(enum object_role role)
{
	switch (role) {
	case ROLE_PROGRAM:
		return "program";
	case ROLE_LIBRARY:
		return "library";
	default:
		return "interpreter";
	}
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (!strcmp(a, b))
		return true;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int add_object(struct scan *scan, const char *path, enum object_role role,
		      char *error, size_t error_size)
{
	struct syscall_object *object;
	size_t i;

	for (i = 0; i < scan->object_count; i++)
		if (same_file(scan->objects[i].object->path, path))
			return 0;
	object = cached_object(path);
	if (!object) {
		snprintf(error, error_size, "cannot analyse '%s': %s", path,
			 errno ? strerror(errno) : "out of memory");
		return -1;
	}
	scan->objects[scan->object_count].object = object;
	scan->objects[scan->object_count].role = role;
	scan->objects[scan->object_count].reached = calloc(object->func_count + 1, 1);
	scan->objects[scan->object_count].import_targets =
		malloc((object->func_count + 1) * sizeof(uint32_t));
	scan->objects[scan->object_count].import_target_counts =
		calloc(object->func_count + 1, sizeof(uint32_t));
	if (!scan->objects[scan->object_count].reached ||
	    !scan->objects[scan->object_count].import_targets ||
	    !scan->objects[scan->object_count].import_target_counts) {
		snprintf(error, error_size, "out of memory");
		scan->object_count++;
		return -1;
	}
	memset(scan->objects[scan->object_count].import_targets, 0xff,
	       (object->func_count + 1) * sizeof(uint32_t));
	scan->object_count++;
	return 0;
}

void syscall_scan_set_threads(unsigned int threads)
{
	analysis_threads = threads;
	syscall_disasm_set_threads(threads);
}

/* An object to analyse ahead of the scan, and where the result goes. */
struct analysis_job {
	const char *path;
	struct stat status;
	struct syscall_object *object;
};

struct analysis_queue {
	struct analysis_job *jobs;
	size_t count;
	size_t next;		/* taken atomically */
};

static void *analyse_jobs(void *argument)
{
	struct analysis_queue *queue = argument;
	size_t i;

	while ((i = __atomic_fetch_add(&queue->next, 1, __ATOMIC_RELAXED)) < queue->count)
		queue->jobs[i].object = syscall_cache_object(queue->jobs[i].path,
							     &queue->jobs[i].status);
	return NULL;
}

/* Returns whether the process cache contains path as it is now. */
static bool in_process_cache(const char *path, const struct stat *st)
{
	size_t i;

	for (i = 0; i < cache_count; i++)
		if (!strcmp(cache[i]->path, path) && cache[i]->size == st->st_size &&
		    cache[i]->mtime.tv_sec == st->st_mtim.tv_sec &&
		    cache[i]->mtime.tv_nsec == st->st_mtim.tv_nsec)
			return true;
	return false;
}

static unsigned int thread_count(size_t jobs)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int threads = analysis_threads;

	if (!threads)
		threads = cpus > DEFAULT_MAX_THREADS ? DEFAULT_MAX_THREADS :
			  cpus > 0 ? (unsigned int)cpus : 1;
	return jobs < threads ? (unsigned int)jobs : threads;
}

/* Adds the objects of finished jobs to the process cache, freeing those it cannot take. */
static void keep_analysed(struct analysis_queue *queue)
{
	struct syscall_object **grown;
	size_t i;

	for (i = 0; i < queue->count; i++) {
		struct syscall_object *object = queue->jobs[i].object;

		if (!object)
			continue;
		if (cache_count == cache_capacity) {
			cache_capacity = cache_capacity ? cache_capacity * 2 : 16;
			grown = realloc(cache, cache_capacity * sizeof(*cache));
			if (!grown) {
				syscall_object_free(object);
				continue;
			}
			cache = grown;
		}
		object->last_scan = scan_count;
		cache[cache_count++] = object;
	}
}

/*
 * Analyses, on several threads, the objects of paths that neither cache
 * contains, so that a first scan of a program with several new libraries
 * decodes them side by side. The scan then finds them in the process
 * cache. Failures are left to the scan, which reports them.
 */
static void analyse_missing(const char *const *paths, size_t count)
{
	struct analysis_queue queue = { .jobs = calloc(count + 1, sizeof(*queue.jobs)) };
	unsigned int started = 0, count_threads, t;
	pthread_t *threads;
	size_t i, j;

	for (i = 0; queue.jobs && i < count; i++) {
		struct analysis_job *job = &queue.jobs[queue.count];
		bool duplicate = false;

		if (stat(paths[i], &job->status) || !S_ISREG(job->status.st_mode))
			continue;
		/* Two names of one file, such as /lib and /usr/lib, are analysed once. */
		for (j = 0; j < queue.count; j++)
			duplicate |= queue.jobs[j].status.st_dev == job->status.st_dev &&
				     queue.jobs[j].status.st_ino == job->status.st_ino;
		if (duplicate || in_process_cache(paths[i], &job->status) ||
		    syscall_cache_has(paths[i], &job->status))
			continue;
		job->path = paths[i];
		queue.count++;
	}
	count_threads = thread_count(queue.count);
	threads = count_threads > 1 ? calloc(count_threads, sizeof(*threads)) : NULL;
	if (!threads) {
		free(queue.jobs);
		return;
	}
	p_debug("syscall scan: analysing %zu objects on %u threads", queue.count, count_threads);
	/* Sets libelf's global version and capstone's tables before threads share them. */
	elf_version(EV_CURRENT);
	syscall_disasm_prepare_threads();
	for (t = 1; t < count_threads; t++)
		if (!pthread_create(&threads[started], NULL, analyse_jobs, &queue))
			started++;
	analyse_jobs(&queue);
	for (t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	keep_analysed(&queue);
	free(threads);
	free(queue.jobs);
}

/* Loads the program, its libraries and its dynamic loader when the list lacks it. */
static int load_objects(struct scan *scan, const struct syscall_scan_input *input, char *error,
			size_t error_size)
{
	const char *interpreter, **paths;
	size_t i;

	scan->objects = calloc(input->library_count + 2, sizeof(*scan->objects));
	paths = calloc(input->library_count + 1, sizeof(*paths));
	if (!scan->objects || !paths) {
		free(paths);
		snprintf(error, error_size, "out of memory");
		return -1;
	}
	paths[0] = input->program;
	for (i = 0; i < input->library_count; i++)
		paths[i + 1] = input->libraries[i];
	analyse_missing(paths, input->library_count + 1);
	free(paths);

	if (add_object(scan, input->program, ROLE_PROGRAM, error, error_size))
		return -1;
	if (scan->objects[0].object->error[0]) {
		snprintf(error, error_size, "'%s': %s", input->program,
			 scan->objects[0].object->error);
		return -1;
	}
	for (i = 0; i < input->library_count; i++)
		if (add_object(scan, input->libraries[i], ROLE_LIBRARY, error, error_size))
			return -1;

	interpreter = scan->objects[0].object->interpreter;
	if (!interpreter)
		return 0;
	for (i = 1; i < scan->object_count; i++) {
		if (same_file(scan->objects[i].object->path, interpreter)) {
			scan->objects[i].role = ROLE_INTERPRETER;
			return 0;
		}
	}
	if (add_object(scan, interpreter, ROLE_INTERPRETER, error, error_size)) {
		p_warn("dynamic loader %s of %s not analysed: %s", interpreter, input->program,
		       error);
		error[0] = '\0';
	}
	return 0;
}

static int reach(struct scan *scan, uint32_t object_index, uint32_t func)
{
	struct scan_object *entry = &scan->objects[object_index];
	uint32_t *grown;

	if (entry->reached[func])
		return 0;
	entry->reached[func] = 1;
	if (scan->queue_count + 2 > scan->queue_capacity) {
		scan->queue_capacity = scan->queue_capacity ? scan->queue_capacity * 2 : 1024;
		grown = realloc(scan->queue, scan->queue_capacity * sizeof(*grown));
		if (!grown)
			return -1;
		scan->queue = grown;
	}
	scan->queue[scan->queue_count++] = object_index;
	scan->queue[scan->queue_count++] = func;
	return 0;
}

/* Appends an (object index, function index) pair to a growing array. */
static int push_pair(uint32_t **pairs, size_t *count, size_t *capacity, uint32_t object_index,
		     uint32_t func)
{
	uint32_t *grown;

	if (*count + 2 > *capacity) {
		*capacity = *capacity ? *capacity * 2 : 1024;
		grown = realloc(*pairs, *capacity * sizeof(*grown));
		if (!grown)
			return -1;
		*pairs = grown;
	}
	(*pairs)[(*count)++] = object_index;
	(*pairs)[(*count)++] = func;
	return 0;
}

static int add_target(struct scan *scan, uint32_t object_index, uint32_t func)
{
	return push_pair(&scan->targets, &scan->target_count, &scan->target_capacity,
			 object_index, func);
}

static int definitions_grow(struct name_targets *table)
{
	struct name_targets bigger = { 0 };
	size_t i, slot;

	bigger.capacity = table->capacity ? table->capacity * 2 : 1024;
	bigger.names = calloc(bigger.capacity, sizeof(*bigger.names));
	bigger.firsts = malloc(bigger.capacity * sizeof(*bigger.firsts));
	bigger.counts = malloc(bigger.capacity * sizeof(*bigger.counts));
	if (!bigger.names || !bigger.firsts || !bigger.counts) {
		free(bigger.names);
		free(bigger.firsts);
		free(bigger.counts);
		return -1;
	}
	for (i = 0; i < table->capacity; i++) {
		if (!table->names[i])
			continue;
		slot = string_hash(table->names[i]) & (bigger.capacity - 1);
		while (bigger.names[slot])
			slot = (slot + 1) & (bigger.capacity - 1);
		bigger.names[slot] = table->names[i];
		bigger.firsts[slot] = table->firsts[i];
		bigger.counts[slot] = table->counts[i];
	}
	free(table->names);
	free(table->firsts);
	free(table->counts);
	table->names = bigger.names;
	table->firsts = bigger.firsts;
	table->counts = bigger.counts;
	table->capacity = bigger.capacity;
	return 0;
}

static int add_definition(struct name_targets *table, uint32_t object_index, uint32_t func)
{
	return push_pair(&table->pairs, &table->pair_count, &table->pair_capacity, object_index,
			 func);
}

/*
 * Finds every definition of name, all versions in every object in object
 * order, the first time the scan meets name. Stores where its pairs start
 * in definitions.pairs and their count. Returns 0 or -1.
 */
static int find_definitions(struct scan *scan, const char *name, uint32_t *first,
			    uint32_t *count)
{
	struct name_targets *table = &scan->definitions;
	const struct export *export;
	size_t slot, i;

	if ((table->count + 1) * 2 > table->capacity && definitions_grow(table))
		return -1;
	slot = string_hash(name) & (table->capacity - 1);
	while (table->names[slot]) {
		if (table->names[slot] == name || !strcmp(table->names[slot], name)) {
			*first = table->firsts[slot];
			*count = table->counts[slot];
			return 0;
		}
		slot = (slot + 1) & (table->capacity - 1);
	}
	*first = table->pair_count;
	for (i = 0; i < scan->object_count; i++) {
		const struct syscall_object *object = scan->objects[i].object;

		if (object->error[0])
			continue;
		export = syscall_object_find_export(object, name);
		for (; export && export < object->exports + object->export_count &&
		       !strcmp(export->name, name); export++)
			if (add_definition(table, i, export->func))
				return -1;
	}
	*count = (table->pair_count - *first) / 2;
	table->names[slot] = name;
	table->firsts[slot] = *first;
	table->counts[slot] = *count;
	table->count++;
	return 0;
}

/* Marks every definition of name in every object: all versions and all libraries. */
static int reach_import(struct scan *scan, const char *name)
{
	uint32_t first, count, i;

	if (find_definitions(scan, name, &first, &count))
		return -1;
	/* reach() may grow the table, so the pairs are read through it each time. */
	for (i = 0; i < count; i++)
		if (reach(scan, scan->definitions.pairs[first + 2 * i],
			  scan->definitions.pairs[first + 2 * i + 1]))
			return -1;
	return 0;
}

static void definitions_free(struct name_targets *table)
{
	free(table->names);
	free(table->firsts);
	free(table->counts);
	free(table->pairs);
}

/*
 * Resolves the imports of one function to every definition in every object,
 * once per scan, because the reachability walk and the component summary
 * both visit the function.
 */
static int resolve_imports(struct scan *scan, uint32_t object_index, uint32_t func_index)
{
	struct scan_object *entry = &scan->objects[object_index];
	const struct func *func = &entry->object->funcs[func_index];
	size_t first = scan->target_count, i, j;
	uint32_t pair, count;

	if (entry->import_targets[func_index] != IMPORTS_NOT_RESOLVED)
		return 0;
	for (i = 0; i < func->import_count; i++) {
		if (find_definitions(scan, func->imports[i], &pair, &count))
			return -1;
		for (j = 0; j < count; j++, pair += 2)
			if (add_target(scan, scan->definitions.pairs[pair],
				       scan->definitions.pairs[pair + 1]))
				return -1;
	}
	entry->import_targets[func_index] = first;
	entry->import_target_counts[func_index] = scan->target_count - first;
	return 0;
}

/* Follows edges from everything queued until no new function is reached. */
static int propagate(struct scan *scan)
{
	size_t i;

	while (scan->queue_count) {
		uint32_t func_index = scan->queue[--scan->queue_count];
		uint32_t object_index = scan->queue[--scan->queue_count];
		const struct scan_object *entry = &scan->objects[object_index];
		const struct func *func = &entry->object->funcs[func_index];
		uint32_t first, count;

		for (i = 0; i < func->callee_count; i++)
			if (reach(scan, object_index, func->callees[i]))
				return -1;
		if (resolve_imports(scan, object_index, func_index))
			return -1;
		first = entry->import_targets[func_index];
		count = entry->import_target_counts[func_index];
		for (i = first; i < first + count; i += 2)
			if (reach(scan, scan->targets[i], scan->targets[i + 1]))
				return -1;
	}
	return 0;
}

/* Queues the roots: the program's functions, the imports, the loader's own entry points. */
static int reach_roots(struct scan *scan, const struct syscall_scan_input *input)
{
	size_t i, j;

	for (i = 0; i < scan->object_count; i++) {
		const struct scan_object *entry = &scan->objects[i];
		const struct syscall_object *object = entry->object;
		long func;

		if (object->error[0])
			continue;
		for (j = 0; entry->role == ROLE_PROGRAM && j < object->func_count; j++)
			if (reach(scan, i, j))
				return -1;
		for (j = 0; j < object->init_func_count; j++)
			if (reach(scan, i, object->init_funcs[j]))
				return -1;
		func = entry->role == ROLE_INTERPRETER ?
		       syscall_object_func_at(object, object->entry) : -1;
		if (func >= 0 && reach(scan, i, func))
			return -1;
	}
	for (i = 0; i < input->import_count; i++)
		if (reach_import(scan, input->imports[i]))
			return -1;
	return 0;
}

/*
 * Returns the argument location of the first dispatcher defined as name, or
 * LOC_NONE. Only the first definition of name in each object counts.
 */
static int imported_dispatcher(struct scan *scan, const char *name, uint16_t *loc)
{
	uint32_t pair, count, previous = UINT32_MAX;

	*loc = LOC_NONE;
	if (find_definitions(scan, name, &pair, &count))
		return -1;
	for (; count; count--, pair += 2) {
		uint32_t object_index = scan->definitions.pairs[pair];
		const struct func *func = &scan->objects[object_index].object->
					  funcs[scan->definitions.pairs[pair + 1]];

		if (object_index == previous)
			continue;
		previous = object_index;
		if (func->dispatch_loc != LOC_NONE) {
			*loc = func->dispatch_loc;
			return 0;
		}
	}
	return 0;
}

/* Places and counts per call number, turned into JSON at the end. */
struct found {
	json_t *sources[2][SYSCALL_NR_LIMIT];	/* arrays of "object:where" strings */
	size_t source_counts[2][SYSCALL_NR_LIMIT];
	size_t unrecovered_reached;
	json_t *unrecovered_locations;
};

static int add_source(struct found *found, bool compat32, unsigned int nr, const char *source)
{
	json_t *sources = found->sources[compat32][nr];
	size_t i;

	if (!sources) {
		sources = found->sources[compat32][nr] = json_array();
		if (!sources)
			return -1;
	}
	for (i = 0; i < json_array_size(sources); i++)
		if (!strcmp(json_string_value(json_array_get(sources, i)), source))
			return 0;
	found->source_counts[compat32][nr]++;
	if (json_array_size(sources) >= MAX_SOURCES_PER_SYSCALL)
		return 0;
	return json_array_append_new(sources, json_string(source));
}

/* Names a place: "program:0xADDR" in the program, "LIBRARY:FUNCTION" in a library. */
static void describe_site(const struct scan_object *entry, uint32_t func, uint64_t addr,
			  char *buf, size_t size)
{
	const struct syscall_object *object = entry->object;
	const struct func *f = &object->funcs[func];

	if (entry->role == ROLE_PROGRAM)
		snprintf(buf, size, "program:0x%llx", (unsigned long long)addr);
	else if (f->name)
		snprintf(buf, size, "%s:%s", object->base_name, f->name);
	else
		snprintf(buf, size, "%s:0x%llx", object->base_name, (unsigned long long)f->addr);
}

static int record_number(struct scan *scan, struct found *found, const struct scan_object *entry,
			 uint32_t func, uint64_t addr, unsigned int nr, bool compat32)
{
	char source[PATH_MAX + 64];

	syscall_set_add(scan->reached_set[compat32], nr);
	describe_site(entry, func, addr, source, sizeof(source));
	return add_source(found, compat32, nr, source);
}

/* Lists an unrecovered site; the count is kept by the caller. */
static int list_unrecovered(struct found *found, const struct scan_object *entry,
			    uint32_t func, uint64_t addr)
{
	char where[PATH_MAX + 64];

	if (json_array_size(found->unrecovered_locations) >= MAX_UNRECOVERED_LISTED)
		return 0;
	describe_site(entry, func, addr, where, sizeof(where));
	if (entry->role != ROLE_PROGRAM) {
		size_t len = strlen(where);

		snprintf(where + len, sizeof(where) - len, "@0x%llx", (unsigned long long)addr);
	}
	return json_array_append_new(found->unrecovered_locations, json_string(where));
}

/* Recovers the numbers passed to another object's dispatcher (syscall()) by a reached caller. */
static int collect_imported_dispatch(struct scan *scan, struct found *found,
				     const struct scan_object *entry)
{
	const struct syscall_object *object = entry->object;
	bool unknown, located;
	size_t i, j;

	for (i = 0; i < object->import_call_count; i++) {
		const struct import_call *call = &object->import_calls[i];
		uint16_t dispatch_loc;

		if (!entry->reached[call->func])
			continue;
		if (imported_dispatcher(scan, call->name, &dispatch_loc))
			return -1;
		if (dispatch_loc == LOC_NONE)
			continue;
		/* TODO: a dispatcher of another object taking the number in a later argument. */
		located = dispatch_loc == (object->is_64 ? REG_DI : LOC_STACK + 4);
		unknown = call->unknown || !located;
		for (j = 0; located && j < call->value_count; j++) {
			if (call->values[j] < 0 || call->values[j] >= SYSCALL_NR_LIMIT) {
				unknown = true;
				continue;
			}
			if (record_number(scan, found, entry, call->func, call->addr,
					  call->values[j], false))
				return -1;
		}
		if (!unknown)
			continue;
		found->unrecovered_reached++;
		if (list_unrecovered(found, entry, call->func, call->addr))
			return -1;
	}
	return 0;
}

/* Gathers the numbers and unrecovered sites of every reached function. */
static int collect_reached(struct scan *scan, struct found *found)
{
	size_t i, j;

	for (i = 0; i < scan->object_count; i++) {
		const struct scan_object *entry = &scan->objects[i];
		const struct syscall_object *object = entry->object;

		if (object->error[0])
			continue;
		for (j = 0; j < object->site_count; j++) {
			const struct syscall_site *site = &object->sites[j];

			if (entry->reached[site->func] &&
			    record_number(scan, found, entry, site->func, site->addr, site->nr,
					  site->compat32))
				return -1;
		}
		for (j = 0; j < object->unrecovered_addr_count; j++) {
			long func = syscall_object_func_at(object, object->unrecovered_addrs[j]);

			if (func >= 0 && entry->reached[func] &&
			    list_unrecovered(found, entry, func, object->unrecovered_addrs[j]))
				return -1;
		}
		for (j = 0; j < object->func_count; j++)
			if (entry->reached[j])
				found->unrecovered_reached += object->funcs[j].unrecovered;
		if (collect_imported_dispatch(scan, found, entry))
			return -1;
	}
	return 0;
}

static size_t set_size(const uint64_t *set)
{
	size_t w, count = 0;

	for (w = 0; w < SYSCALL_SET_WORDS; w++)
		count += __builtin_popcountll(set[w]);
	return count;
}

/*
 * Numbers reachable from each function, computed once for all of them. The
 * call graph is cut into strongly connected components by Tarjan's
 * algorithm, without recursion. Each component gets the union of its
 * functions' numbers and of the components it reaches, which are completed
 * before it.
 */
struct summary {
	size_t *base;			/* per object: node id of its first function */
	uint32_t *node_object;		/* per node */
	uint32_t *index, *low, *component;	/* per node */
	uint8_t *on_stack;
	uint32_t *stack;
	size_t stack_count;
	struct { uint32_t node, edge; } *frames;
	size_t frame_count;
	uint64_t (*sets)[SYSCALL_SET_WORDS];	/* per component */
	uint32_t component_count, next_index;
};

#define SUMMARY_NONE UINT32_MAX

/* Finds edge k of node: callees first, then resolved imports. Returns 1, 0 past the end, or -1. */
static int summary_edge(struct scan *scan, struct summary *summary, uint32_t node, uint32_t k,
			uint32_t *target)
{
	uint32_t object_index = summary->node_object[node];
	uint32_t func_index = node - summary->base[object_index];
	struct scan_object *entry = &scan->objects[object_index];
	const struct func *func = &entry->object->funcs[func_index];
	uint32_t pair;

	if (k < func->callee_count) {
		*target = summary->base[object_index] + func->callees[k];
		return 1;
	}
	if (resolve_imports(scan, object_index, func_index))
		return -1;
	k -= func->callee_count;
	if (k >= entry->import_target_counts[func_index] / 2)
		return 0;
	pair = entry->import_targets[func_index] + 2 * k;
	*target = summary->base[scan->targets[pair]] + scan->targets[pair + 1];
	return 1;
}

static void summary_visit(struct summary *summary, uint32_t node)
{
	summary->index[node] = summary->low[node] = summary->next_index++;
	summary->stack[summary->stack_count++] = node;
	summary->on_stack[node] = 1;
	summary->frames[summary->frame_count].node = node;
	summary->frames[summary->frame_count].edge = 0;
	summary->frame_count++;
}

/* Pops the component rooted at root and computes its set of numbers. */
static int summary_close(struct scan *scan, struct summary *summary, uint32_t root)
{
	uint32_t component = summary->component_count++, node, target, k;
	uint64_t *set = summary->sets[component];
	const uint64_t *own;
	size_t first = summary->stack_count, i, w;
	int found;

	do {
		node = summary->stack[--first];
		summary->on_stack[node] = 0;
		summary->component[node] = component;
	} while (node != root);

	memset(set, 0, sizeof(summary->sets[0]));
	for (i = first; i < summary->stack_count; i++) {
		uint32_t object_index;

		node = summary->stack[i];
		object_index = summary->node_object[node];
		own = scan->objects[object_index].object->
		      funcs[node - summary->base[object_index]].syscalls;
		for (w = 0; own && w < SYSCALL_SET_WORDS; w++)
			set[w] |= own[w];
		for (k = 0; (found = summary_edge(scan, summary, node, k, &target)) > 0; k++) {
			if (summary->component[target] == component)
				continue;
			for (w = 0; w < SYSCALL_SET_WORDS; w++)
				set[w] |= summary->sets[summary->component[target]][w];
		}
		if (found < 0)
			return -1;
	}
	summary->stack_count = first;
	return 0;
}

static int summary_walk(struct scan *scan, struct summary *summary, uint32_t start)
{
	uint32_t target;
	int found;

	summary_visit(summary, start);
	while (summary->frame_count) {
		uint32_t node = summary->frames[summary->frame_count - 1].node;
		uint32_t k = summary->frames[summary->frame_count - 1].edge;

		found = summary_edge(scan, summary, node, k, &target);
		if (found < 0)
			return -1;
		if (found) {
			summary->frames[summary->frame_count - 1].edge++;
			if (summary->index[target] == SUMMARY_NONE)
				summary_visit(summary, target);
			else if (summary->on_stack[target] && summary->index[target] < summary->low[node])
				summary->low[node] = summary->index[target];
			continue;
		}
		summary->frame_count--;
		if (summary->low[node] == summary->index[node] && summary_close(scan, summary, node))
			return -1;
		if (summary->frame_count) {
			uint32_t parent = summary->frames[summary->frame_count - 1].node;

			if (summary->low[node] < summary->low[parent])
				summary->low[parent] = summary->low[node];
		}
	}
	return 0;
}

static void summary_free(struct summary *summary)
{
	free(summary->base);
	free(summary->node_object);
	free(summary->index);
	free(summary->low);
	free(summary->component);
	free(summary->on_stack);
	free(summary->stack);
	free(summary->frames);
	free(summary->sets);
}

static int summary_build(struct scan *scan, struct summary *summary)
{
	size_t count = 0, i, j;

	summary->base = calloc(scan->object_count + 1, sizeof(*summary->base));
	if (!summary->base)
		return -1;
	for (i = 0; i < scan->object_count; i++) {
		summary->base[i] = count;
		count += scan->objects[i].object->func_count;
	}
	summary->node_object = malloc((count + 1) * sizeof(uint32_t));
	summary->index = malloc((count + 1) * sizeof(uint32_t));
	summary->low = malloc((count + 1) * sizeof(uint32_t));
	summary->component = malloc((count + 1) * sizeof(uint32_t));
	summary->on_stack = calloc(count + 1, 1);
	summary->stack = malloc((count + 1) * sizeof(uint32_t));
	summary->frames = malloc((count + 1) * sizeof(*summary->frames));
	summary->sets = malloc((count + 1) * sizeof(*summary->sets));
	if (!summary->node_object || !summary->index || !summary->low || !summary->component ||
	    !summary->on_stack || !summary->stack || !summary->frames || !summary->sets)
		return -1;
	memset(summary->index, 0xff, (count + 1) * sizeof(uint32_t));
	memset(summary->component, 0xff, (count + 1) * sizeof(uint32_t));
	for (i = 0; i < scan->object_count; i++)
		for (j = 0; j < scan->objects[i].object->func_count; j++)
			summary->node_object[summary->base[i] + j] = i;
	return 0;
}

/*
 * Adds to set the numbers reachable from every definition of name. The
 * components are computed on demand, from the definitions only, because
 * whatever they reach is all a definition's set depends on.
 */
static int import_numbers(struct scan *scan, struct summary *summary, const char *name,
			  uint64_t *set)
{
	uint32_t pair, count, node;
	size_t w;

	if (find_definitions(scan, name, &pair, &count))
		return -1;
	for (; count; count--, pair += 2) {
		node = summary->base[scan->definitions.pairs[pair]] +
		       scan->definitions.pairs[pair + 1];
		if (summary->index[node] == SUMMARY_NONE && summary_walk(scan, summary, node))
			return -1;
		for (w = 0; w < SYSCALL_SET_WORDS; w++)
			set[w] |= summary->sets[summary->component[node]][w];
	}
	return 0;
}

/*
 * Returns the JSON string of the name of call nr, made once and shared by
 * every array that lists it: a report repeats each name many times.
 */
static json_t *shared_name(json_t **names, enum syscall_table table, unsigned int nr)
{
	char buf[32];

	if (!names[nr])
		names[nr] = json_string(syscall_name_or_number(table, nr, buf, sizeof(buf)));
	return names[nr];
}

/* Adds import to the list of every call of set, and returns the names of its calls. */
static json_t *import_calls(const uint64_t *set, json_t *import, json_t **names,
			    enum syscall_table table, json_t **imports_of)
{
	json_t *calls = json_array();
	unsigned int nr;

	for (nr = 0; calls && nr < SYSCALL_NR_LIMIT; nr++) {
		if (!syscall_set_has(set, nr))
			continue;
		json_array_append(calls, shared_name(names, table, nr));
		if (!imports_of[nr])
			imports_of[nr] = json_array();
		json_array_append(imports_of[nr], import);
	}
	return calls;
}

/*
 * Maps each imported function to the numbers reachable from it alone, and
 * names in *imports_of the imports that reach each number of the static set.
 */
static json_t *import_sets(struct scan *scan, const struct syscall_scan_input *input,
			   enum syscall_table table, json_t **imports_of)
{
	json_t *result = json_object(), *names[SYSCALL_NR_LIMIT] = { 0 }, *import;
	struct summary summary = { 0 };
	unsigned int nr;
	size_t i;

	if (!result || summary_build(scan, &summary)) {
		json_decref(result);
		result = NULL;
		goto out;
	}
	for (i = 0; i < input->import_count; i++) {
		uint64_t set[SYSCALL_SET_WORDS] = { 0 };

		if (import_numbers(scan, &summary, input->imports[i], set)) {
			json_decref(result);
			result = NULL;
			goto out;
		}
		if (!set_size(set))
			continue;
		import = json_string(input->imports[i]);
		json_object_set_new(result, input->imports[i],
				    import_calls(set, import, names, table, imports_of));
		json_decref(import);
	}
out:
	for (nr = 0; nr < SYSCALL_NR_LIMIT; nr++)
		json_decref(names[nr]);
	summary_free(&summary);
	return result;
}

static size_t reached_count(const struct scan_object *entry)
{
	size_t i, count = 0;

	for (i = 0; i < entry->object->func_count; i++)
		count += entry->reached[i];
	return count;
}

static json_t *dispatcher_names(const struct syscall_object *object)
{
	json_t *names = json_array();
	char buf[32];
	size_t i;

	for (i = 0; names && i < object->func_count; i++) {
		const struct func *func = &object->funcs[i];

		if (func->dispatch_loc == LOC_NONE)
			continue;
		if (!func->name)
			snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)func->addr);
		json_array_append_new(names, json_string(func->name ? func->name : buf));
	}
	return names;
}

static json_t *describe_object(const struct scan_object *entry, uint64_t *all_set)
{
	const struct syscall_object *object = entry->object;
	uint64_t set[SYSCALL_SET_WORDS] = { 0 };
	size_t i, w, unrecovered_reached = 0;

	if (object->error[0])
		return json_pack("{s:s, s:s}", "role", role_name(entry->role),
				 "error", object->error);
	for (i = 0; i < object->func_count; i++) {
		for (w = 0; object->funcs[i].syscalls && w < SYSCALL_SET_WORDS; w++)
			set[w] |= object->funcs[i].syscalls[w];
		if (entry->reached[i])
			unrecovered_reached += object->funcs[i].unrecovered;
	}
	for (w = 0; all_set && w < SYSCALL_SET_WORDS; w++)
		all_set[w] |= set[w];
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
			 "role", role_name(entry->role),
			 "machine", object->is_64 ? "x86-64" : "i386",
			 "functions", (json_int_t)object->func_count,
			 "reached_functions", (json_int_t)reached_count(entry),
			 "instructions", (json_int_t)object->insn_count,
			 "syscall_instructions", (json_int_t)object->syscall_insn_count,
			 "recovered_sites", (json_int_t)object->site_count,
			 "unrecovered_sites", (json_int_t)object->unrecovered_count,
			 "unrecovered_reached_sites", (json_int_t)unrecovered_reached,
			 "all_sites_size", (json_int_t)set_size(set),
			 "dispatchers", dispatcher_names(object));
}

/* Builds the NAME: { number, sources, imports } map of one table; imports_of may be NULL. */
static json_t *build_system_calls(const struct scan *scan, struct found *found, bool compat32,
				  enum syscall_table table, json_t **imports_of)
{
	json_t *calls = json_object(), *sources, *imports;
	unsigned int nr;
	char buf[32];

	for (nr = 0; calls && nr < SYSCALL_NR_LIMIT; nr++) {
		if (!syscall_set_has(scan->reached_set[compat32], nr))
			continue;
		sources = found->sources[compat32][nr];
		sources = sources ? json_incref(sources) : json_array();
		imports = imports_of && imports_of[nr] ? json_incref(imports_of[nr]) : json_array();
		json_object_set_new(calls, syscall_name_or_number(table, nr, buf, sizeof(buf)),
				    json_pack("{s:i, s:o, s:I, s:o}", "number", nr,
					      "sources", sources,
					      "source_count",
					      (json_int_t)found->source_counts[compat32][nr],
					      "imports", imports));
	}
	return calls;
}

/* Turns the scan into the documented JSON object. */
static json_t *build_report(struct scan *scan, struct found *found, json_t *imports,
			    json_t **imports_of)
{
	enum syscall_table table = scan->objects[0].object->table;
	uint64_t all_libraries[SYSCALL_SET_WORDS] = { 0 };
	json_t *report, *per_object = json_object();
	size_t i;

	for (i = 0; per_object && i < scan->object_count; i++) {
		const struct scan_object *entry = &scan->objects[i];

		json_object_set_new(per_object, entry->object->path,
				    describe_object(entry, entry->role == ROLE_PROGRAM ?
						    NULL : all_libraries));
	}
	report = json_pack("{s:s, s:o, s:I, s:I, s:I, s:O, s:o, s:o}",
			   "abi", table == SYSCALL_TABLE_64 ? "64" : "32",
			   "system_calls", build_system_calls(scan, found, false, table, imports_of),
			   "static_set_size", (json_int_t)set_size(scan->reached_set[0]),
			   "all_sites_in_libraries_size", (json_int_t)set_size(all_libraries),
			   "unrecovered_sites", (json_int_t)found->unrecovered_reached,
			   "unrecovered_locations", found->unrecovered_locations,
			   "imports", imports,
			   "per_object", per_object);
	if (report && table == SYSCALL_TABLE_64 && set_size(scan->reached_set[1]))
		json_object_set_new(report, "system_calls_32",
				    build_system_calls(scan, found, true, SYSCALL_TABLE_32, NULL));
	return report;
}

static void free_scan(struct scan *scan, struct found *found, json_t **imports_of)
{
	size_t i;

	for (i = 0; i < SYSCALL_NR_LIMIT; i++) {
		json_decref(found->sources[0][i]);
		json_decref(found->sources[1][i]);
		json_decref(imports_of[i]);
	}
	json_decref(found->unrecovered_locations);
	for (i = 0; i < scan->object_count; i++) {
		free(scan->objects[i].reached);
		free(scan->objects[i].import_targets);
		free(scan->objects[i].import_target_counts);
	}
	free(scan->objects);
	free(scan->queue);
	free(scan->targets);
	definitions_free(&scan->definitions);
}

json_t *syscall_scan(const struct syscall_scan_input *input, char *error, size_t error_size)
{
	json_t *imports_of[SYSCALL_NR_LIMIT] = { 0 }, *imports = NULL, *report = NULL;
	struct found found = { 0 };
	struct scan scan = { 0 };
	size_t i;

	error[0] = '\0';
	scan_count++;
	found.unrecovered_locations = json_array();
	if (!found.unrecovered_locations || load_objects(&scan, input, error, error_size))
		goto out;
	for (i = 1; i < scan.object_count; i++)
		if (scan.objects[i].object->error[0])
			p_warn("system calls of %s not analysed: %s", scan.objects[i].object->path,
			       scan.objects[i].object->error);

	if (reach_roots(&scan, input) || propagate(&scan) || collect_reached(&scan, &found))
		goto oom;
	imports = import_sets(&scan, input, scan.objects[0].object->table, imports_of);
	if (!imports)
		goto oom;
	report = build_report(&scan, &found, imports, imports_of);
	if (!report)
		goto oom;
	goto out;
oom:
	snprintf(error, error_size, "out of memory while scanning '%s'", input->program);
out:
	free_scan(&scan, &found, imports_of);
	trim_cache();
	return report;
}
