// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Compact form of an analysed object, and its on-disk cache entry. The
 * analysis of an object depends on its file only, so it is encoded once:
 * functions with their edges and call number sets, sites, import calls,
 * exports and a pool of the names they use. A fresh analysis is encoded and
 * decoded again too, which frees the file image and keeps one code path for
 * cached and fresh objects.
 *
 * Payload layout, all integers in host byte order:
 *   u64 pool size, the pool (NUL-terminated strings);
 *   object fields and counts;
 *   functions, then all callees, all imports, sites, import calls,
 *   exports, init functions and unrecovered addresses.
 * A string is a u32 offset into the pool, or RESULT_STRING_NONE for NULL.
 */
#include <capstone/capstone.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "result_cache.h"
#include "syscall_object.h"

/* Raise when the payload layout or the meaning of a field changes. */
#define SYSCALL_CACHE_FORMAT 1

#define CACHE_KIND "syscalls"

/* Flags of an encoded function: which call number sets follow it. */
#define FUNC_HAS_SYSCALLS 1
#define FUNC_HAS_SYSCALLS32 2

/* Flags of an encoded site. */
#define SITE_VIA_DISPATCHER 1
#define SITE_COMPAT32 2

/* Smallest encoded records, which bound the counts a payload may claim. */
#define FUNC_RECORD_MIN 43
#define SITE_RECORD_SIZE 15
#define IMPORT_CALL_RECORD_SIZE (20 + 8 * IMPORT_CALL_MAX_VALUES)
#define EXPORT_RECORD_SIZE 8

/*
 * The capstone version is part of the format: another decoder may decode
 * differently. It comes from the headers, which give the same major and
 * minor version as cs_version() of the library the build links against,
 * so that a read from the cache never loads capstone.
 */
static uint32_t cache_format(void)
{
	return (SYSCALL_CACHE_FORMAT << 16) | (CS_MAKE_VERSION(CS_API_MAJOR, CS_API_MINOR) & 0xffff);
}

static bool set_is_empty(const uint64_t *set)
{
	size_t w;

	if (!set)
		return true;
	for (w = 0; w < SYSCALL_SET_WORDS; w++)
		if (set[w])
			return false;
	return true;
}

static void put_string(struct result_buffer *body, struct result_strings *strings,
		       const char *text)
{
	result_buffer_u32(body, result_strings_add(strings, text));
}

static void encode_funcs(const struct syscall_object *object, struct result_buffer *body,
			 struct result_strings *strings)
{
	size_t i, j;

	for (i = 0; i < object->func_count; i++) {
		const struct func *func = &object->funcs[i];
		uint8_t flags = 0;

		flags |= set_is_empty(func->syscalls) ? 0 : FUNC_HAS_SYSCALLS;
		flags |= set_is_empty(func->syscalls32) ? 0 : FUNC_HAS_SYSCALLS32;
		result_buffer_u64(body, func->addr);
		result_buffer_u32(body, func->first);
		result_buffer_u32(body, func->end);
		put_string(body, strings, func->name);
		result_buffer_u64(body, func->end_addr);
		result_buffer_u32(body, func->callee_count);
		result_buffer_u32(body, func->import_count);
		result_buffer_u16(body, func->dispatch_loc);
		result_buffer_u32(body, func->unrecovered);
		result_buffer_u8(body, flags);
		if (flags & FUNC_HAS_SYSCALLS)
			result_buffer_put(body, func->syscalls, SYSCALL_SET_SIZE);
		if (flags & FUNC_HAS_SYSCALLS32)
			result_buffer_put(body, func->syscalls32, SYSCALL_SET_SIZE);
	}
	for (i = 0; i < object->func_count; i++)
		result_buffer_put(body, object->funcs[i].callees,
				  object->funcs[i].callee_count * sizeof(uint32_t));
	for (i = 0; i < object->func_count; i++)
		for (j = 0; j < object->funcs[i].import_count; j++)
			put_string(body, strings, object->funcs[i].imports[j]);
}

static void encode_tables(const struct syscall_object *object, struct result_buffer *body,
			  struct result_strings *strings)
{
	size_t i, j;

	for (i = 0; i < object->site_count; i++) {
		const struct syscall_site *site = &object->sites[i];

		result_buffer_u64(body, site->addr);
		result_buffer_u32(body, site->func);
		result_buffer_u16(body, site->nr);
		result_buffer_u8(body, (site->via_dispatcher ? SITE_VIA_DISPATCHER : 0) |
				       (site->compat32 ? SITE_COMPAT32 : 0));
	}
	for (i = 0; i < object->import_call_count; i++) {
		const struct import_call *call = &object->import_calls[i];

		result_buffer_u64(body, call->addr);
		result_buffer_u32(body, call->func);
		put_string(body, strings, call->name);
		result_buffer_u16(body, call->argument_loc);
		result_buffer_u8(body, call->value_count);
		result_buffer_u8(body, call->unknown);
		for (j = 0; j < IMPORT_CALL_MAX_VALUES; j++)
			result_buffer_u64(body, j < call->value_count ? call->values[j] : 0);
	}
	for (i = 0; i < object->export_count; i++) {
		put_string(body, strings, object->exports[i].name);
		result_buffer_u32(body, object->exports[i].func);
	}
	result_buffer_put(body, object->init_funcs, object->init_func_count * sizeof(uint32_t));
	result_buffer_put(body, object->unrecovered_addrs,
			  object->unrecovered_addr_count * sizeof(uint64_t));
}

/* Encodes an analysed object without error into payload. Returns 0 or -1 (out of memory). */
static int encode_object(const struct syscall_object *object, struct result_buffer *payload)
{
	struct result_strings strings = { 0 };
	struct result_buffer body = { 0 };
	uint64_t callees = 0, imports = 0;
	size_t i;

	for (i = 0; i < object->func_count; i++) {
		callees += object->funcs[i].callee_count;
		imports += object->funcs[i].import_count;
	}
	result_buffer_u32(&body, object->table);
	result_buffer_u8(&body, object->is_64);
	result_buffer_u64(&body, object->entry);
	put_string(&body, &strings, object->interpreter);
	result_buffer_u64(&body, object->insn_count);
	result_buffer_u64(&body, object->syscall_insn_count);
	result_buffer_u64(&body, object->unrecovered_count);
	result_buffer_u64(&body, object->func_count);
	result_buffer_u64(&body, object->code_func_count);
	result_buffer_u64(&body, object->site_count);
	result_buffer_u64(&body, object->import_call_count);
	result_buffer_u64(&body, object->export_count);
	result_buffer_u64(&body, object->init_func_count);
	result_buffer_u64(&body, object->unrecovered_addr_count);
	result_buffer_u64(&body, callees);
	result_buffer_u64(&body, imports);
	encode_funcs(object, &body, &strings);
	encode_tables(object, &body, &strings);

	return result_payload_finish(payload, &strings, &body);
}

/* Decoding state: the reader, the pool, and the first inconsistency found. */
struct decoder {
	struct result_reader reader;
	const char *pool;
	size_t pool_size;
	const char *problem;
};

/* Reads a string reference. A NULL result with decoder->problem set is an error. */
static const char *get_string(struct decoder *decoder, bool may_be_null)
{
	uint32_t offset = result_reader_u32(&decoder->reader);

	if (offset == RESULT_STRING_NONE && may_be_null)
		return NULL;
	if (offset >= decoder->pool_size) {
		decoder->problem = "string offset outside the pool";
		return NULL;
	}
	return decoder->pool + offset;
}

/* Reads a count that must fit in the remaining payload at min_size bytes per item. */
static size_t get_count(struct decoder *decoder, size_t min_size)
{
	uint64_t count = result_reader_u64(&decoder->reader);

	if (count > UINT32_MAX ||
	    count * min_size > decoder->reader.size - decoder->reader.offset) {
		decoder->problem = "count larger than the payload";
		return 0;
	}
	return count;
}

static void *allocate(struct decoder *decoder, size_t count, size_t size)
{
	void *memory = calloc(count ? count : 1, size);

	if (!memory)
		decoder->problem = "out of memory";
	return memory;
}

static void check(struct decoder *decoder, bool condition, const char *problem)
{
	if (!condition && !decoder->problem)
		decoder->problem = problem;
}

/* Reads a call number set into a new allocation. */
static uint64_t *read_set(struct decoder *decoder)
{
	uint64_t *set = allocate(decoder, SYSCALL_SET_WORDS, sizeof(*set));

	if (set)
		result_reader_get(&decoder->reader, set, SYSCALL_SET_SIZE);
	return set;
}

static void decode_funcs(struct decoder *decoder, struct syscall_object *object,
			 size_t callee_total, size_t import_total)
{
	struct result_reader *reader = &decoder->reader;
	size_t i, j, callees = 0, imports = 0;

	for (i = 0; i < object->func_count && !decoder->problem; i++) {
		struct func *func = &object->funcs[i];
		uint8_t flags;

		func->addr = result_reader_u64(reader);
		func->first = result_reader_u32(reader);
		func->end = result_reader_u32(reader);
		func->name = get_string(decoder, true);
		func->end_addr = result_reader_u64(reader);
		func->callee_count = result_reader_u32(reader);
		func->import_count = result_reader_u32(reader);
		func->dispatch_loc = result_reader_u16(reader);
		func->unrecovered = result_reader_u32(reader);
		flags = result_reader_u8(reader);
		if (flags & FUNC_HAS_SYSCALLS)
			func->syscalls = read_set(decoder);
		if (flags & FUNC_HAS_SYSCALLS32)
			func->syscalls32 = read_set(decoder);
		check(decoder, func->first <= func->end, "function ends before it starts");
		check(decoder, i == 0 || i >= object->code_func_count ||
			       object->funcs[i - 1].addr < func->addr, "functions out of order");
		check(decoder, func->callee_count <= callee_total - callees &&
			       func->import_count <= import_total - imports,
		      "more edges than the payload counts");
		if (decoder->problem)
			return;
		func->callees = object->callee_block + callees;
		func->imports = object->import_block + imports;
		callees += func->callee_count;
		imports += func->import_count;
	}
	check(decoder, callees == callee_total && imports == import_total,
	      "fewer edges than the payload counts");
	result_reader_get(reader, object->callee_block, callee_total * sizeof(uint32_t));
	for (i = 0; i < callee_total && !decoder->problem; i++)
		check(decoder, object->callee_block[i] < object->func_count,
		      "callee outside the functions");
	for (i = 0; i < import_total && !decoder->problem; i++)
		object->import_block[i] = get_string(decoder, false);
	for (i = 0; i < object->func_count && !decoder->problem; i++)
		for (j = 0; j < object->funcs[i].import_count; j++)
			check(decoder, object->funcs[i].imports[j] != NULL, "import without name");
}

static void decode_tables(struct decoder *decoder, struct syscall_object *object)
{
	struct result_reader *reader = &decoder->reader;
	size_t i, j;

	for (i = 0; i < object->site_count && !decoder->problem; i++) {
		struct syscall_site *site = &object->sites[i];
		uint8_t flags;

		site->addr = result_reader_u64(reader);
		site->func = result_reader_u32(reader);
		site->nr = result_reader_u16(reader);
		flags = result_reader_u8(reader);
		site->via_dispatcher = flags & SITE_VIA_DISPATCHER;
		site->compat32 = flags & SITE_COMPAT32;
		check(decoder, site->func < object->func_count && site->nr < SYSCALL_NR_LIMIT,
		      "site outside the functions or the call number limit");
	}
	for (i = 0; i < object->import_call_count && !decoder->problem; i++) {
		struct import_call *call = &object->import_calls[i];

		call->addr = result_reader_u64(reader);
		call->func = result_reader_u32(reader);
		call->name = get_string(decoder, false);
		call->argument_loc = result_reader_u16(reader);
		call->value_count = result_reader_u8(reader);
		call->unknown = result_reader_u8(reader);
		for (j = 0; j < IMPORT_CALL_MAX_VALUES; j++)
			call->values[j] = (int64_t)result_reader_u64(reader);
		check(decoder, call->func < object->func_count && call->name &&
			       call->value_count <= IMPORT_CALL_MAX_VALUES, "invalid import call");
	}
	for (i = 0; i < object->export_count && !decoder->problem; i++) {
		object->exports[i].name = get_string(decoder, false);
		object->exports[i].func = result_reader_u32(reader);
		check(decoder, object->exports[i].name &&
			       object->exports[i].func < object->func_count, "invalid export");
		/* syscall_object_find_export() searches them by binary search. */
		check(decoder, decoder->problem || i == 0 ||
			       strcmp(object->exports[i - 1].name, object->exports[i].name) <= 0,
		      "exports out of order");
	}
	result_reader_get(reader, object->init_funcs, object->init_func_count * sizeof(uint32_t));
	for (i = 0; i < object->init_func_count && !decoder->problem; i++)
		check(decoder, object->init_funcs[i] < object->func_count,
		      "init function outside the functions");
	result_reader_get(reader, object->unrecovered_addrs,
			  object->unrecovered_addr_count * sizeof(uint64_t));
}

/* Reads the pool and the object fields, then allocates the arrays the counts give. */
static void decode_header(struct decoder *decoder, struct syscall_object *object,
			  size_t *callee_total, size_t *import_total)
{
	struct result_reader *reader = &decoder->reader;
	uint64_t pool_size = result_reader_u64(reader);
	const char *interpreter;
	uint32_t table;

	decoder->pool = result_reader_skip(reader, pool_size);
	decoder->pool_size = pool_size;
	if (!decoder->pool || (pool_size && decoder->pool[pool_size - 1])) {
		decoder->problem = "string pool truncated";
		return;
	}
	table = result_reader_u32(reader);
	object->table = table;
	object->is_64 = result_reader_u8(reader);
	object->entry = result_reader_u64(reader);
	interpreter = get_string(decoder, true);
	object->insn_count = result_reader_u64(reader);
	object->syscall_insn_count = result_reader_u64(reader);
	object->unrecovered_count = result_reader_u64(reader);
	object->func_count = get_count(decoder, FUNC_RECORD_MIN);
	object->code_func_count = result_reader_u64(reader);
	object->site_count = get_count(decoder, SITE_RECORD_SIZE);
	object->import_call_count = get_count(decoder, IMPORT_CALL_RECORD_SIZE);
	object->export_count = get_count(decoder, EXPORT_RECORD_SIZE);
	object->init_func_count = get_count(decoder, sizeof(uint32_t));
	object->unrecovered_addr_count = get_count(decoder, sizeof(uint64_t));
	*callee_total = get_count(decoder, sizeof(uint32_t));
	*import_total = get_count(decoder, sizeof(uint32_t));
	check(decoder, table == SYSCALL_TABLE_64 || table == SYSCALL_TABLE_32, "unknown table");
	check(decoder, object->code_func_count <= object->func_count,
	      "more code functions than functions");
	if (decoder->problem)
		return;
	if (interpreter) {
		object->interpreter = strdup(interpreter);
		check(decoder, object->interpreter != NULL, "out of memory");
	}
	object->funcs = allocate(decoder, object->func_count, sizeof(*object->funcs));
	object->callee_block = allocate(decoder, *callee_total, sizeof(uint32_t));
	object->import_block = allocate(decoder, *import_total, sizeof(char *));
	object->sites = allocate(decoder, object->site_count, sizeof(*object->sites));
	object->import_calls = allocate(decoder, object->import_call_count,
					sizeof(*object->import_calls));
	object->exports = allocate(decoder, object->export_count, sizeof(*object->exports));
	object->init_funcs = allocate(decoder, object->init_func_count, sizeof(uint32_t));
	object->unrecovered_addrs = allocate(decoder, object->unrecovered_addr_count,
					     sizeof(uint64_t));
}

/*
 * Builds the compact object of path from a payload that stays allocated as
 * long as the object (its names point into it). Returns NULL with the
 * inconsistency in problem; the caller keeps the payload then.
 */
static struct syscall_object *decode_object(const char *path, const struct stat *st,
					    const void *payload, size_t payload_size,
					    const char **problem)
{
	struct decoder decoder = { .reader = { .data = payload, .size = payload_size } };
	struct syscall_object *object = calloc(1, sizeof(*object));
	size_t callee_total = 0, import_total = 0;
	const char *slash;

	if (!object || !(object->path = strdup(path))) {
		free(object);
		*problem = "out of memory";
		return NULL;
	}
	slash = strrchr(object->path, '/');
	object->base_name = slash ? slash + 1 : object->path;
	object->size = st->st_size;
	object->mtime = st->st_mtim;
	object->file_status = *st;

	decode_header(&decoder, object, &callee_total, &import_total);
	if (!decoder.problem)
		decode_funcs(&decoder, object, callee_total, import_total);
	if (!decoder.problem)
		decode_tables(&decoder, object);
	check(&decoder, !decoder.reader.failed, "payload truncated");
	check(&decoder, decoder.reader.offset == decoder.reader.size,
	      "bytes left after the payload");
	if (decoder.problem) {
		*problem = decoder.problem;
		syscall_object_free(object);
		return NULL;
	}
	return object;
}

/*
 * Encodes a fresh analysis, stores it in the cache under the status of the
 * file it read, and returns its compact form.
 */
static struct syscall_object *compact_fresh(struct syscall_object *fresh)
{
	struct result_buffer payload = { 0 };
	struct syscall_object *compact;
	struct result_cache_key key;
	const char *problem = NULL;
	char entry_path[PATH_MAX];

	if (encode_object(fresh, &payload)) {
		free(payload.data);
		return fresh;	/* out of memory: the full form works too */
	}
	result_cache_key_from_stat(&key, &fresh->file_status);
	if (!result_cache_entry_path(CACHE_KIND, &key, entry_path, sizeof(entry_path)))
		result_cache_write(entry_path, cache_format(), &key, payload.data, payload.size,
				   payload.size);
	compact = decode_object(fresh->path, &fresh->file_status, payload.data, payload.size,
				&problem);
	if (!compact) {
		/* Only an allocation failure gets here: the payload was just encoded. */
		p_debug("syscall scan: keeping the full form of %s: %s", fresh->path, problem);
		free(payload.data);
		return fresh;
	}
	compact->image = payload.data;
	compact->image_size = payload.size;
	syscall_object_free(fresh);
	return compact;
}

bool syscall_cache_has(const char *path, const struct stat *st)
{
	struct result_cache_key key;
	char entry_path[PATH_MAX];

	result_cache_key_from_stat(&key, st);
	return !result_cache_entry_path(CACHE_KIND, &key, entry_path, sizeof(entry_path)) &&
	       result_cache_has(entry_path, cache_format(), &key);
}

struct syscall_object *syscall_cache_object(const char *path, const struct stat *st)
{
	struct syscall_object *object, *fresh;
	struct result_cache_entry entry;
	struct result_cache_key key;
	char entry_path[PATH_MAX], reason[128] = "";
	const char *problem = NULL;

	result_cache_key_from_stat(&key, st);
	if (!result_cache_entry_path(CACHE_KIND, &key, entry_path, sizeof(entry_path))) {
		switch (result_cache_read(entry_path, cache_format(), &key, &entry, reason,
					  sizeof(reason))) {
		case RESULT_CACHE_HIT:
			object = decode_object(path, st, entry.payload, entry.payload_size,
					       &problem);
			if (object) {
				p_debug("syscall scan: %s read from the cache", path);
				object->image = entry.mapping;
				object->image_size = entry.mapping_size;
				object->image_mapped = true;
				return object;
			}
			result_cache_release(&entry);
			snprintf(reason, sizeof(reason), "%s", problem);
			result_cache_warn_damaged(entry_path, reason);
			break;
		case RESULT_CACHE_DAMAGED:
			result_cache_warn_damaged(entry_path, reason);
			break;
		case RESULT_CACHE_STALE:
			p_debug("syscall scan: cache entry of %s is stale", path);
			break;
		case RESULT_CACHE_MISS:
			break;
		}
	}

	p_debug("syscall scan: analysing %s", path);
	fresh = syscall_object_load(path);
	if (!fresh || fresh->error[0])
		return fresh;	/* errors are cheap to find again, and may be transient */
	return compact_fresh(fresh);
}
