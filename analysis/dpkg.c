// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reads dpkg's database without dpkg: the status file (RFC 822 style
 * paragraphs) and the file lists under info/. Owners of a few paths are
 * found in one pass over the lists, and a batch indexes every listed path
 * in a hash table once.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpkg.h"
#include "log.h"
#include "result_cache.h"
#include "util.h"

/* Entries of an open-addressing hash table from strings to indexes. */
struct string_index {
	const char **keys;
	uint32_t *values;
	size_t capacity;	/* a power of two */
	size_t count;
};

struct dpkg_package {
	char *name;
	char *architecture;
	char *version;
	char *depends;
	char *pre_depends;
	char *provides;
};

struct dpkg_db {
	struct dpkg_package *packages;
	size_t package_count;
	struct string_index by_name;		/* name -> package */
	struct string_index by_provided;	/* virtual name -> first provider */

	char info_dir[PATH_MAX];
	char **list_names;			/* file names of the .list files */
	char **list_owners;			/* package named by each list file */
	char **list_buffers;			/* their contents, once indexed */
	size_t list_count;
	struct string_index by_path;		/* path -> list file, once indexed */
	bool indexed;

	char *native;				/* dpkg's own architecture, or NULL */
	/*
	 * Read from the on-disk cache: package fields and list owners point
	 * into the mapped entry, and the path index is its sorted table.
	 */
	struct result_cache_entry cache_entry;
	const char *pool;
	size_t pool_size;
	const uint8_t *path_table;		/* path_count entries of PATH_ENTRY_SIZE */
	size_t path_count;
	const char *path_pool;			/* the paths the table points to */
	size_t path_pool_size;
	char cache_path[PATH_MAX];		/* the entry read */
	struct dpkg_db *fallback;		/* read afresh once the entry proved damaged */
};

/* A path table entry: three u32, the path's offset in the pool, its list and its hash. */
#define PATH_ENTRY_SIZE (3 * sizeof(uint32_t))

static int index_grow(struct string_index *index)
{
	struct string_index bigger = { 0 };
	size_t i;

	bigger.capacity = index->capacity ? index->capacity * 2 : 1024;
	bigger.keys = calloc(bigger.capacity, sizeof(*bigger.keys));
	bigger.values = calloc(bigger.capacity, sizeof(*bigger.values));
	if (!bigger.keys || !bigger.values) {
		free(bigger.keys);
		free(bigger.values);
		return -1;
	}
	for (i = 0; i < index->capacity; i++) {
		size_t slot;

		if (!index->keys[i])
			continue;
		slot = string_hash(index->keys[i]) & (bigger.capacity - 1);
		while (bigger.keys[slot])
			slot = (slot + 1) & (bigger.capacity - 1);
		bigger.keys[slot] = index->keys[i];
		bigger.values[slot] = index->values[i];
	}
	bigger.count = index->count;
	free(index->keys);
	free(index->values);
	*index = bigger;
	return 0;
}

/* Adds key unless present (the first value wins, or any when replace is set). */
static int index_put(struct string_index *index, const char *key, uint32_t value,
		     bool replace)
{
	size_t slot;

	if ((index->count + 1) * 2 > index->capacity && index_grow(index))
		return -1;
	slot = string_hash(key) & (index->capacity - 1);
	while (index->keys[slot]) {
		if (!strcmp(index->keys[slot], key)) {
			if (replace)
				index->values[slot] = value;
			return 0;
		}
		slot = (slot + 1) & (index->capacity - 1);
	}
	index->keys[slot] = key;
	index->values[slot] = value;
	index->count++;
	return 0;
}

static bool index_get(const struct string_index *index, const char *key, uint32_t *value)
{
	size_t slot;

	if (!index->capacity)
		return false;
	slot = string_hash(key) & (index->capacity - 1);
	while (index->keys[slot]) {
		if (!strcmp(index->keys[slot], key)) {
			*value = index->values[slot];
			return true;
		}
		slot = (slot + 1) & (index->capacity - 1);
	}
	return false;
}

static void index_free(struct string_index *index)
{
	free(index->keys);
	free(index->values);
}

static char *read_whole_file(const char *path, size_t *size)
{
	struct stat st;
	char *data;
	FILE *file;

	file = fopen(path, "re");
	if (!file)
		return NULL;
	if (fstat(fileno(file), &st) || !(data = malloc(st.st_size + 1))) {
		fclose(file);
		return NULL;
	}
	*size = fread(data, 1, st.st_size, file);
	data[*size] = '\0';
	fclose(file);
	return data;
}

/* Returns a copy of a field's value: the rest of the line after "Name:". */
static char *field_value(const char *line, size_t length, size_t name_length)
{
	const char *value = line + name_length + 1;

	while (value < line + length && (*value == ' ' || *value == '\t'))
		value++;
	return strndup(value, line + length - value);
}

static bool field_is(const char *line, size_t length, const char *name)
{
	size_t name_length = strlen(name);

	return length > name_length && line[name_length] == ':' &&
	       !strncasecmp(line, name, name_length);
}

static void free_package(struct dpkg_package *package)
{
	free(package->name);
	free(package->architecture);
	free(package->version);
	free(package->depends);
	free(package->pre_depends);
	free(package->provides);
}

/* Stores one field of a paragraph. No field used here has continuation lines. */
static void parse_field(struct dpkg_package *package, bool *installed, const char *line,
			size_t length)
{
	static const struct {
		const char *name;
		size_t offset;
	} fields[] = {
		{ "Package", offsetof(struct dpkg_package, name) },
		{ "Architecture", offsetof(struct dpkg_package, architecture) },
		{ "Version", offsetof(struct dpkg_package, version) },
		{ "Depends", offsetof(struct dpkg_package, depends) },
		{ "Pre-Depends", offsetof(struct dpkg_package, pre_depends) },
		{ "Provides", offsetof(struct dpkg_package, provides) },
	};
	size_t i;

	/* "Status: WANT OK STATE": only STATE "installed" counts. */
	if (field_is(line, length, "Status")) {
		*installed = length >= 10 && !strncmp(line + length - 10, " installed", 10);
		return;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char **slot = (char **)((char *)package + fields[i].offset);

		if (!field_is(line, length, fields[i].name))
			continue;
		free(*slot);
		*slot = field_value(line, length, strlen(fields[i].name));
		return;
	}
}

/* Splits a Provides value ("a (= 1), b") and indexes each name to package. */
static int index_provides(struct dpkg_db *db, uint32_t package)
{
	const char *cursor = db->packages[package].provides;

	while (cursor && *cursor) {
		size_t length;
		char *name;

		cursor += strspn(cursor, " ,");
		length = strcspn(cursor, " ,(:");
		if (!length)
			break;
		name = strndup(cursor, length);
		if (!name)
			return -1;
		/* The index owns its keys: dpkg_db_free() releases them. */
		if (index_get(&db->by_provided, name, &(uint32_t){ 0 }))
			free(name);
		else if (index_put(&db->by_provided, name, package, false)) {
			free(name);
			return -1;
		}
		cursor += length;
		cursor = strchr(cursor, ',');
	}
	return 0;
}

/* A native or "all" package replaces a foreign one of the same name. */
static bool is_preferred(const struct dpkg_package *package, const char *native)
{
	return !package->architecture || !native ||
	       !strcmp(package->architecture, "all") ||
	       !strcmp(package->architecture, native);
}

static int add_package(struct dpkg_db *db, struct dpkg_package *package, const char *native)
{
	struct dpkg_package *grown;
	uint32_t index;

	grown = realloc(db->packages, (db->package_count + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	db->packages = grown;
	index = db->package_count++;
	db->packages[index] = *package;
	return index_put(&db->by_name, db->packages[index].name, index,
			 is_preferred(package, native));
}

/* dpkg's own architecture is the native one. */
static char *native_architecture(const char *status)
{
	const char *paragraph = strstr(status, "\nPackage: dpkg\n");
	const char *end, *field;

	if (!paragraph)
		return NULL;
	end = strstr(paragraph + 1, "\n\n");
	field = strstr(paragraph, "\nArchitecture: ");
	if (!field || (end && field > end))
		return NULL;
	field += strlen("\nArchitecture: ");
	return strndup(field, strcspn(field, "\n"));
}

static int parse_status(struct dpkg_db *db, const char *status)
{
	struct dpkg_package package = { 0 };
	const char *native = db->native = native_architecture(status);
	const char *line = status;
	bool installed = false;
	int err = 0;

	while (!err && line && *line) {
		size_t length = strcspn(line, "\n");
		bool paragraph_ends = length == 0 || !line[length];

		if (length && line[0] != ' ' && line[0] != '\t')
			parse_field(&package, &installed, line, length);
		if (paragraph_ends) {
			if (installed && package.name)
				err = add_package(db, &package, native);
			else
				free_package(&package);
			memset(&package, 0, sizeof(package));
			installed = false;
		}
		line = line[length] ? line + length + 1 : NULL;
	}
	free_package(&package);
	return err;
}

static int parse_provides(struct dpkg_db *db)
{
	size_t i;

	for (i = 0; i < db->package_count; i++)
		if (index_provides(db, i))
			return -1;
	return 0;
}

/* "libc6:amd64.list" -> "libc6". */
static char *owner_from_list_name(const char *file_name)
{
	size_t length = strlen(file_name) - strlen(".list");
	size_t colon = strcspn(file_name, ":");

	return strndup(file_name, colon < length ? colon : length);
}

static int add_list_name(struct dpkg_db *db, const char *file_name)
{
	char **names, **owners, **buffers;
	size_t count = db->list_count + 1;

	names = realloc(db->list_names, count * sizeof(*names));
	if (names)
		db->list_names = names;
	owners = realloc(db->list_owners, count * sizeof(*owners));
	if (owners)
		db->list_owners = owners;
	buffers = realloc(db->list_buffers, count * sizeof(*buffers));
	if (buffers)
		db->list_buffers = buffers;
	if (!names || !owners || !buffers)
		return -1;

	names[db->list_count] = strdup(file_name);
	owners[db->list_count] = owner_from_list_name(file_name);
	buffers[db->list_count] = NULL;
	if (!names[db->list_count] || !owners[db->list_count]) {
		free(names[db->list_count]);
		free(owners[db->list_count]);
		return -1;
	}
	db->list_count++;
	return 0;
}

/* Finds the .list files; their contents are read only when a lookup needs them. */
static int find_lists(struct dpkg_db *db, const char *admin_dir)
{
	struct dirent *entry;
	DIR *dir;
	int err = 0;

	if (snprintf(db->info_dir, sizeof(db->info_dir), "%s/info", admin_dir) >=
	    (int)sizeof(db->info_dir))
		return 0;
	dir = opendir(db->info_dir);
	if (!dir)
		return 0;	/* no lists: no file has an owner */
	while (!err && (entry = readdir(dir))) {
		size_t length = strlen(entry->d_name);

		if (length > 5 && !strcmp(entry->d_name + length - 5, ".list"))
			err = add_list_name(db, entry->d_name);
	}
	closedir(dir);
	return err;
}

/* Returns the contents of list file number list, or NULL if unreadable. */
static char *read_list(const struct dpkg_db *db, size_t list, size_t *size)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", db->info_dir, db->list_names[list]) >=
	    (int)sizeof(path))
		return NULL;
	return read_whole_file(path, size);
}

int dpkg_db_index_files(struct dpkg_db *db)
{
	size_t list, size;

	if (db->indexed)
		return 0;
	for (list = 0; list < db->list_count; list++) {
		char *line, *data = read_list(db, list, &size);

		if (!data)
			continue;	/* a list that vanished meanwhile owns nothing */
		db->list_buffers[list] = data;
		for (line = data; *line;) {
			char *end = strchr(line, '\n');

			if (end)
				*end = '\0';
			if (*line && index_put(&db->by_path, line, list, false))
				return -1;
			if (!end)
				break;
			line = end + 1;
		}
	}
	db->indexed = true;
	return 0;
}

/*
 * On-disk cache of the parsed database: the packages in status file order,
 * the owner of each list and a table of every listed path, sorted, with its
 * list. Its key is the status file and the modification time of info/,
 * which changes whenever dpkg adds, replaces or removes a list, because it
 * writes each list under a new name and renames it.
 */
#define DPKG_CACHE_FORMAT 3
#define DPKG_CACHE_KIND "dpkg"

/* Computes the cache key and entry path. Returns 0, or -1 when nothing is cached. */
static int cache_key(const char *admin_dir, const char *status_path, struct result_cache_key *key,
		     char *entry_path, size_t size)
{
	struct result_cache_key admin_key;
	char info[PATH_MAX];
	struct stat st;

	if (!result_cache_enabled() || stat(status_path, &st))
		return -1;
	result_cache_key_from_stat(key, &st);
	if (snprintf(info, sizeof(info), "%s/info", admin_dir) < (int)sizeof(info) &&
	    !stat(info, &st))
		key->extra = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + st.st_mtim.tv_nsec;
	/* One entry per admin directory: a new status file replaces it. */
	if (stat(admin_dir, &st))
		return -1;
	result_cache_key_from_stat(&admin_key, &st);
	return result_cache_entry_path(DPKG_CACHE_KIND, &admin_key, entry_path, size);
}

static const struct dpkg_db *sorting_db;

static int compare_paths(const void *a, const void *b)
{
	return strcmp(sorting_db->by_path.keys[*(const uint32_t *)a],
		      sorting_db->by_path.keys[*(const uint32_t *)b]);
}

static void put_string(struct result_buffer *out, struct result_strings *strings,
		       const char *text)
{
	result_buffer_u32(out, result_strings_add(strings, text));
}

/*
 * Encodes an indexed database into payload: the string pool, the packages,
 * the list owners and the sorted path table, then the pool of paths. Only
 * the part before the pool of paths is hashed (*hashed_size bytes), so a
 * read does not touch every path: on a Debian 12 system with 900
 * packages, 1.7 MB of a 10 MB payload are hashed. The table keeps a hash
 * of each path for table_get() to check. Returns 0 or -1 (out of memory).
 */
static int encode_db(const struct dpkg_db *db, struct result_buffer *payload,
		     size_t *hashed_size)
{
	struct result_strings strings = { 0 };
	struct result_buffer body = { 0 }, paths = { 0 };
	uint32_t *slots = malloc((db->by_path.count + 1) * sizeof(*slots));
	size_t i, count = 0;
	int err;

	if (!slots)
		return -1;
	for (i = 0; i < db->by_path.capacity; i++)
		if (db->by_path.keys[i])
			slots[count++] = i;
	sorting_db = db;
	qsort(slots, count, sizeof(*slots), compare_paths);

	put_string(&body, &strings, db->native);
	result_buffer_u64(&body, db->package_count);
	for (i = 0; i < db->package_count; i++) {
		const struct dpkg_package *package = &db->packages[i];

		put_string(&body, &strings, package->name);
		put_string(&body, &strings, package->architecture);
		put_string(&body, &strings, package->version);
		put_string(&body, &strings, package->depends);
		put_string(&body, &strings, package->pre_depends);
		put_string(&body, &strings, package->provides);
	}
	result_buffer_u64(&body, db->list_count);
	for (i = 0; i < db->list_count; i++)
		put_string(&body, &strings, db->list_owners[i]);
	result_buffer_u64(&body, count);
	for (i = 0; i < count; i++) {
		const char *path = db->by_path.keys[slots[i]];

		result_buffer_u32(&body, paths.size);
		result_buffer_u32(&body, db->by_path.values[slots[i]]);
		result_buffer_u32(&body, (uint32_t)string_hash(path));
		result_buffer_put(&paths, path, strlen(path) + 1);
	}
	free(slots);

	err = result_payload_finish(payload, &strings, &body);
	*hashed_size = payload->size;
	result_buffer_u64(payload, paths.size);
	result_buffer_put(payload, paths.data, paths.size);
	free(paths.data);
	return err || paths.failed || payload->failed ? -1 : 0;
}

/* Reads a string reference of the payload. Sets *bad when it points outside the pool. */
static const char *get_string(struct dpkg_db *db, struct result_reader *reader, bool *bad)
{
	uint32_t offset = result_reader_u32(reader);

	if (offset == RESULT_STRING_NONE)
		return NULL;
	if (offset >= db->pool_size) {
		*bad = true;
		return NULL;
	}
	return db->pool + offset;
}

/* Fills db from a cache entry. Returns NULL, or what is inconsistent in it. */
static const char *decode_db(struct dpkg_db *db, const struct result_cache_entry *entry)
{
	struct result_reader reader = { .data = entry->payload, .size = entry->payload_size };
	uint64_t count, pool_size = result_reader_u64(&reader);
	const char *native;
	bool bad = false;
	size_t i;

	db->pool = result_reader_skip(&reader, pool_size);
	db->pool_size = pool_size;
	if (!db->pool || (pool_size && db->pool[pool_size - 1]))
		return "string pool truncated";
	native = get_string(db, &reader, &bad);
	if (native && !(db->native = strdup(native)))
		return "out of memory";

	count = result_reader_u64(&reader);
	if (count > (reader.size - reader.offset) / (6 * sizeof(uint32_t)))
		return "package count larger than the payload";
	db->packages = calloc(count + 1, sizeof(*db->packages));
	if (!db->packages)
		return "out of memory";
	db->package_count = count;
	for (i = 0; i < count && !bad; i++) {
		struct dpkg_package *package = &db->packages[i];

		package->name = (char *)get_string(db, &reader, &bad);
		package->architecture = (char *)get_string(db, &reader, &bad);
		package->version = (char *)get_string(db, &reader, &bad);
		package->depends = (char *)get_string(db, &reader, &bad);
		package->pre_depends = (char *)get_string(db, &reader, &bad);
		package->provides = (char *)get_string(db, &reader, &bad);
		if (!package->name)
			return "package without name";
		if (index_put(&db->by_name, package->name, i, is_preferred(package, db->native)))
			return "out of memory";
	}

	count = result_reader_u64(&reader);
	if (count > (reader.size - reader.offset) / sizeof(uint32_t))
		return "list count larger than the payload";
	db->list_names = calloc(count + 1, sizeof(char *));
	db->list_owners = calloc(count + 1, sizeof(char *));
	db->list_buffers = calloc(count + 1, sizeof(char *));
	if (!db->list_names || !db->list_owners || !db->list_buffers)
		return "out of memory";
	db->list_count = count;
	for (i = 0; i < count && !bad; i++)
		if (!(db->list_owners[i] = (char *)get_string(db, &reader, &bad)))
			return "list without owner";

	db->path_count = result_reader_u64(&reader);
	if (db->path_count > (reader.size - reader.offset) / PATH_ENTRY_SIZE)
		return "path count larger than the payload";
	db->path_table = result_reader_skip(&reader, db->path_count * PATH_ENTRY_SIZE);
	db->path_pool_size = result_reader_u64(&reader);
	db->path_pool = result_reader_skip(&reader, db->path_pool_size);
	if (bad)
		return "string offset outside the pool";
	if (reader.failed || !db->path_table || !db->path_pool)
		return "payload truncated";
	if (db->path_pool_size && db->path_pool[db->path_pool_size - 1])
		return "pool of paths truncated";
	if (reader.offset != reader.size)
		return "bytes left after the payload";
	if (parse_provides(db))
		return "out of memory";
	db->indexed = true;
	return NULL;
}

/* Opens the database from its cache entry. Returns NULL on a miss or a damaged entry. */
static struct dpkg_db *open_cached(const char *admin_dir, const char *entry_path,
				   const struct result_cache_key *key)
{
	struct result_cache_entry entry;
	const char *problem;
	struct dpkg_db *db;
	char reason[128];

	switch (result_cache_read(entry_path, DPKG_CACHE_FORMAT, key, &entry, reason,
				  sizeof(reason))) {
	case RESULT_CACHE_HIT:
		break;
	case RESULT_CACHE_DAMAGED:
		result_cache_warn_damaged(entry_path, reason);
		return NULL;
	default:
		return NULL;
	}
	db = calloc(1, sizeof(*db));
	if (!db) {
		result_cache_release(&entry);
		return NULL;
	}
	db->cache_entry = entry;
	snprintf(db->info_dir, sizeof(db->info_dir), "%s/info", admin_dir);
	snprintf(db->cache_path, sizeof(db->cache_path), "%s", entry_path);
	problem = decode_db(db, &entry);
	if (problem) {
		result_cache_warn_damaged(entry_path, problem);
		dpkg_db_free(db);
		return NULL;
	}
	p_debug("dpkg database read from the cache entry '%s'", entry_path);
	return db;
}

/* Indexes every list of a freshly read database and stores it in the cache. */
static void store_cached(struct dpkg_db *db, const char *entry_path,
			 const struct result_cache_key *key)
{
	struct result_buffer payload = { 0 };
	size_t hashed_size;

	if (dpkg_db_index_files(db) || encode_db(db, &payload, &hashed_size)) {
		free(payload.data);
		return;
	}
	result_cache_write(entry_path, DPKG_CACHE_FORMAT, key, payload.data, payload.size,
			   hashed_size);
	free(payload.data);
}

/* Reads the status file and finds the lists, without the cache. */
static struct dpkg_db *open_fresh(const char *admin_dir, char *error, size_t error_size)
{
	char path[PATH_MAX];
	struct dpkg_db *db;
	char *status;
	size_t size;

	snprintf(path, sizeof(path), "%s/status", admin_dir);
	db = calloc(1, sizeof(*db));
	if (!db) {
		snprintf(error, error_size, "out of memory");
		return NULL;
	}
	status = read_whole_file(path, &size);
	if (!status) {
		snprintf(error, error_size,
			 "cannot read the dpkg status file '%s': %s (use --no-packages on systems without dpkg)",
			 path, strerror(errno));
		free(db);
		return NULL;
	}
	if (parse_status(db, status) || parse_provides(db) || find_lists(db, admin_dir)) {
		snprintf(error, error_size, "out of memory reading the dpkg database in '%s'",
			 admin_dir);
		free(status);
		dpkg_db_free(db);
		return NULL;
	}
	free(status);
	return db;
}

struct dpkg_db *dpkg_db_open(const char *admin_dir, char *error, size_t error_size)
{
	struct result_cache_key key;
	char path[PATH_MAX], entry_path[PATH_MAX];
	struct dpkg_db *db;
	bool cached;

	snprintf(path, sizeof(path), "%s/status", admin_dir);
	cached = !cache_key(admin_dir, path, &key, entry_path, sizeof(entry_path));
	if (cached && (db = open_cached(admin_dir, entry_path, &key)))
		return db;
	db = open_fresh(admin_dir, error, error_size);
	if (db && cached)
		store_cached(db, entry_path, &key);
	return db;
}

void dpkg_db_free(struct dpkg_db *db)
{
	size_t i;

	if (!db)
		return;
	for (i = 0; !db->pool && i < db->package_count; i++)
		free_package(&db->packages[i]);
	free(db->packages);
	for (i = 0; i < db->by_provided.capacity; i++)
		free((char *)db->by_provided.keys[i]);
	index_free(&db->by_name);
	index_free(&db->by_provided);
	for (i = 0; i < db->list_count; i++) {
		free(db->list_names[i]);
		if (!db->pool)
			free(db->list_owners[i]);
		free(db->list_buffers[i]);
	}
	free(db->list_names);
	free(db->list_owners);
	free(db->list_buffers);
	index_free(&db->by_path);
	free(db->native);
	result_cache_release(&db->cache_entry);
	dpkg_db_free(db->fallback);
	free(db);
}

/* Writes the merged-/usr alias of path: /bin/x <-> /usr/bin/x. Returns false if none. */
static bool usr_merge_alias(const char *path, char *alias, size_t size)
{
	static const char *const merged[] = {
		"/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/",
	};
	size_t i;

	for (i = 0; i < sizeof(merged) / sizeof(merged[0]); i++) {
		size_t length = strlen(merged[i]);

		if (!strncmp(path, "/usr", 4) && !strncmp(path + 4, merged[i], length))
			return snprintf(alias, size, "%s", path + 4) < (int)size;
		if (!strncmp(path, merged[i], length))
			return snprintf(alias, size, "/usr%s", path) < (int)size;
	}
	return false;
}

/* The names a file may be listed under, best first: as given, its alias, resolved. */
#define NAMES_PER_PATH 4

struct owner_search {
	char (*names)[PATH_MAX];	/* NAMES_PER_PATH per path, "" when unused */
	int32_t *found;			/* list file of each name, or -1 */
	size_t name_count;
	struct string_index wanted;	/* name -> its number */
	uint8_t lengths[PATH_MAX / 8];	/* bitmap of the wanted names' lengths */
};

static void fill_names(char (*names)[PATH_MAX], const char *path)
{
	char real[PATH_MAX];

	snprintf(names[0], PATH_MAX, "%s", path);
	if (!usr_merge_alias(path, names[1], PATH_MAX))
		names[1][0] = '\0';
	if (!realpath(path, real) || !strcmp(real, path))
		return;
	snprintf(names[2], PATH_MAX, "%s", real);
	if (!usr_merge_alias(real, names[3], PATH_MAX))
		names[3][0] = '\0';
}

static int prepare_search(struct owner_search *search, const char *const *paths, size_t count)
{
	size_t i;

	search->name_count = count * NAMES_PER_PATH;
	search->names = calloc(search->name_count ? search->name_count : 1, PATH_MAX);
	search->found = malloc((search->name_count + 1) * sizeof(*search->found));
	if (!search->names || !search->found)
		return -1;
	for (i = 0; i < count; i++)
		if (paths[i])
			fill_names(&search->names[i * NAMES_PER_PATH], paths[i]);
	for (i = 0; i < search->name_count; i++) {
		size_t length = strlen(search->names[i]);

		search->found[i] = -1;
		if (!length)
			continue;
		search->lengths[length / 8] |= 1 << (length % 8);
		if (index_put(&search->wanted, search->names[i], i, false))
			return -1;
	}
	return 0;
}

/* Looks each line of one list file up among the wanted names. */
static void scan_list(struct owner_search *search, char *data, size_t size, int32_t list)
{
	char *line = data, *end = data + size;

	while (line < end) {
		char *newline = memchr(line, '\n', end - line);
		size_t length = (newline ? newline : end) - line;
		uint32_t name;

		if (length < PATH_MAX && (search->lengths[length / 8] & (1 << (length % 8)))) {
			char saved = line[length];

			line[length] = '\0';
			if (index_get(&search->wanted, line, &name) && search->found[name] < 0)
				search->found[name] = list;
			line[length] = saved;
		}
		if (!newline)
			break;
		line = newline + 1;
	}
}

/* Reads every list once, without keeping it: cheaper than an index for a few paths. */
static void scan_lists(const struct dpkg_db *db, struct owner_search *search)
{
	size_t list, size;

	for (list = 0; list < db->list_count; list++) {
		char *data = read_list(db, list, &size);

		if (!data)
			continue;
		scan_list(search, data, size, (int32_t)list);
		free(data);
	}
}

/*
 * Binary search of the cached path table. Returns 1 when found, 0 when not,
 * or -1 when a probed entry is damaged. The entry's hash covers the table,
 * and every offset is checked before it is used. The pool of paths is not
 * hashed, so each probed path is checked against the hash the table keeps
 * for it: a damaged path would misdirect every search that passes it.
 */
static int table_get(const struct dpkg_db *db, const char *path, uint32_t *list)
{
	size_t low = 0, high = db->path_count;
	uint32_t entry[3];
	const char *probed;
	int order;

	while (low < high) {
		size_t mid = low + (high - low) / 2;

		memcpy(entry, db->path_table + mid * PATH_ENTRY_SIZE, sizeof(entry));
		if (entry[0] >= db->path_pool_size || entry[1] >= db->list_count)
			return -1;
		probed = db->path_pool + entry[0];
		if ((uint32_t)string_hash(probed) != entry[2])
			return -1;
		order = strcmp(probed, path);
		if (!order) {
			*list = entry[1];
			return 1;
		}
		if (order < 0)
			low = mid + 1;
		else
			high = mid;
	}
	return 0;
}

/* Returns 0, or -1 when the cached path table proved damaged. */
static int lookup_index(const struct dpkg_db *db, struct owner_search *search)
{
	uint32_t list;
	size_t i;
	int found;

	for (i = 0; i < search->name_count; i++) {
		if (!search->names[i][0])
			continue;
		if (db->pool)
			found = table_get(db, search->names[i], &list);
		else
			found = index_get(&db->by_path, search->names[i], &list);
		if (found < 0)
			return -1;
		if (found)
			search->found[i] = list;
	}
	return 0;
}

/*
 * Replaces a cache entry whose path table proved damaged: warns, removes
 * the entry so that the next run writes it again, and reads the database
 * afresh for the lookups of this run. Returns the fresh database, or NULL.
 */
static struct dpkg_db *read_afresh(struct dpkg_db *db)
{
	char admin_dir[PATH_MAX], error[512];
	size_t length = strlen(db->info_dir) - strlen("/info");

	result_cache_warn_damaged(db->cache_path, "a path does not match its hash");
	if (unlink(db->cache_path) && errno != ENOENT)
		log_errno(LOG_WARN, errno, "cannot remove the damaged entry '%s'", db->cache_path);
	snprintf(admin_dir, sizeof(admin_dir), "%.*s", (int)length, db->info_dir);
	db->fallback = open_fresh(admin_dir, error, sizeof(error));
	if (!db->fallback) {
		p_warn("%s; package owners are left out", error);
		return NULL;
	}
	if (dpkg_db_index_files(db->fallback)) {
		dpkg_db_free(db->fallback);
		db->fallback = NULL;
		return NULL;
	}
	return db->fallback;
}

int dpkg_owners(const struct dpkg_db *db, const char *const *paths, size_t count,
		const char **owners)
{
	struct owner_search search = { 0 };
	size_t i, j;
	int err;

	if (db->fallback)
		db = db->fallback;
	err = prepare_search(&search, paths, count);
	if (!err && db->indexed && lookup_index(db, &search)) {
		/* The fallback owns the strings returned, and lives as long as db. */
		db = read_afresh((struct dpkg_db *)db);
		for (i = 0; i < search.name_count; i++)
			search.found[i] = -1;
		err = db ? lookup_index(db, &search) : -1;
	} else if (!err && !db->indexed) {
		scan_lists(db, &search);
	}
	for (i = 0; i < count; i++) {
		owners[i] = NULL;
		for (j = 0; !err && j < NAMES_PER_PATH && !owners[i]; j++) {
			int32_t list = search.found[i * NAMES_PER_PATH + j];

			if (list >= 0)
				owners[i] = db->list_owners[list];
		}
	}
	free(search.names);
	free(search.found);
	index_free(&search.wanted);
	return err;
}

const char *dpkg_owner(const struct dpkg_db *db, const char *path)
{
	const char *owner = NULL;

	dpkg_owners(db, &path, 1, &owner);
	return owner;
}

/* Copies the next alternative's package name ("libfoo:any (>= 1)" -> "libfoo"). */
static const char *next_alternative(const char *cursor, char *name, size_t size)
{
	size_t length;

	cursor += strspn(cursor, " |");
	length = strcspn(cursor, " :(|,");
	if (length >= size)
		length = size - 1;
	memcpy(name, cursor, length);
	name[length] = '\0';
	cursor += strcspn(cursor, "|,");
	return cursor;
}

/* Returns the installed package that satisfies name, directly or by Provides. */
static bool installed_package(const struct dpkg_db *db, const char *name, uint32_t *package)
{
	return index_get(&db->by_name, name, package) ||
	       index_get(&db->by_provided, name, package);
}

/*
 * Turns one comma-separated group ("a (>= 1) | b") into "a | b", appends it
 * to list, and stores in chosen the first alternative that is installed.
 */
static int add_group(const struct dpkg_db *db, const char *group, size_t length,
		     json_t *list, uint32_t *chosen, bool *has_choice)
{
	char names[1024] = "", name[256];
	const char *cursor = group, *end = group + length;

	*has_choice = false;
	while (cursor < end) {
		uint32_t package;

		cursor = next_alternative(cursor, name, sizeof(name));
		if (!name[0])
			break;
		if (names[0])
			strncat(names, " | ", sizeof(names) - strlen(names) - 1);
		strncat(names, name, sizeof(names) - strlen(names) - 1);
		if (!*has_choice && installed_package(db, name, &package)) {
			*chosen = package;
			*has_choice = true;
		}
		if (*cursor == '|')
			cursor++;
	}
	if (!names[0])
		return 0;
	return json_array_append_new(list, json_string(names));
}

static int add_package_tree(const struct dpkg_db *db, uint32_t package, json_t *dependencies,
			    json_t *details);

static int add_field(const struct dpkg_db *db, const char *field, json_t *list,
		     json_t *dependencies, json_t *details)
{
	const char *group = field;

	while (group && *group) {
		size_t length = strcspn(group, ",");
		uint32_t chosen;
		bool has_choice;

		if (add_group(db, group, length, list, &chosen, &has_choice))
			return -1;
		if (has_choice && add_package_tree(db, chosen, dependencies, details))
			return -1;
		group = group[length] ? group + length + 1 : NULL;
	}
	return 0;
}

static json_t *package_details(const struct dpkg_package *package)
{
	return json_pack("{s:s?, s:s?, s:s?, s:s?}", "version", package->version,
			 "architecture", package->architecture, "depends", package->depends,
			 "pre_depends", package->pre_depends);
}

static int add_package_tree(const struct dpkg_db *db, uint32_t package, json_t *dependencies,
			    json_t *details)
{
	const struct dpkg_package *entry = &db->packages[package];
	json_t *list;

	if (json_object_get(dependencies, entry->name))
		return 0;
	list = json_array();
	if (!list || json_object_set_new(dependencies, entry->name, list))
		return -1;
	if (details && json_object_set_new(details, entry->name, package_details(entry)))
		return -1;

	if (add_field(db, entry->pre_depends, list, dependencies, details))
		return -1;
	return add_field(db, entry->depends, list, dependencies, details);
}

int dpkg_add_dependencies(const struct dpkg_db *db, const char *package, json_t *dependencies,
			  json_t *details)
{
	uint32_t index;

	if (!installed_package(db, package, &index))
		return 0;
	return add_package_tree(db, index, dependencies, details);
}
