/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * On-disk cache of analysis results that depend on one input file only:
 * the system call analysis of an ELF object, the parsed dpkg database.
 * Entries live in $XDG_CACHE_HOME/uniscope (or ~/.cache/uniscope), one file
 * each, named after the device and inode of their input. Each entry starts
 * with a header holding its key (device, inode, size, modification and
 * change times of the input), the format version, the identity of the
 * uniscope build that wrote it and a hash of its payload, or of the leading
 * part of it that a reader uses in full. A stale entry is replaced quietly,
 * a damaged one with a warning. Entries are written to an unnamed file
 * and renamed (replace_file()), so readers never see a partial one and a
 * killed writer leaves nothing behind.
 */
#ifndef __UNISCOPE_RESULT_CACHE_H
#define __UNISCOPE_RESULT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* Key of an entry: the identity and version of its input file. */
struct result_cache_key {
	uint64_t dev, ino, size;
	int64_t mtime_sec, mtime_nsec;
	int64_t ctime_sec, ctime_nsec;
	uint64_t extra;		/* a second file's change time, or 0 */
};

enum result_cache_status {
	RESULT_CACHE_HIT,
	RESULT_CACHE_MISS,	/* no entry, or caching is off */
	RESULT_CACHE_STALE,	/* written for another version of the input or of uniscope */
	RESULT_CACHE_DAMAGED,	/* truncated, bad hash or inconsistent contents */
};

/* A read entry: the payload points into a private read-only mapping of the file. */
struct result_cache_entry {
	const void *payload;
	size_t payload_size;
	void *mapping;
	size_t mapping_size;
};

/* Turns the cache off for the process (--no-cache): nothing is read or written. */
void result_cache_disable(void);

bool result_cache_enabled(void);

/* Fills key from the status of a file. */
void result_cache_key_from_stat(struct result_cache_key *key, const struct stat *st);

/*
 * Writes the path of the entry of kind ("syscalls", "dpkg") for key into
 * path. Returns 0, or -1 when the cache is off or has no location (HOME and
 * XDG_CACHE_HOME unset) or the path is too long.
 */
int result_cache_entry_path(const char *kind, const struct result_cache_key *key, char *path,
			    size_t size);

/*
 * Maps the entry at path and checks its header against format and key and
 * the hashed part of its payload against its hash. The caller bounds-checks
 * every offset it reads from the rest. On RESULT_CACHE_DAMAGED, reason gets
 * why.
 */
enum result_cache_status result_cache_read(const char *path, uint32_t format,
					   const struct result_cache_key *key,
					   struct result_cache_entry *entry,
					   char *reason, size_t reason_size);

void result_cache_release(struct result_cache_entry *entry);

/*
 * Returns whether the entry at path has a header that matches format, key
 * and this build. Reads the header only: a damaged payload still shows
 * when the entry is read.
 */
bool result_cache_has(const char *path, uint32_t format, const struct result_cache_key *key);

/*
 * Stores payload as the entry at path, creating its directory. The hash
 * covers the first hashed_size bytes: a large table that readers only probe
 * may follow them unhashed, so that a read does not touch all of it. A
 * failure is reported once per process as a warning; the caller goes on
 * without the cache. Returns 0 or -1.
 */
int result_cache_write(const char *path, uint32_t format, const struct result_cache_key *key,
		       const void *payload, size_t payload_size, size_t hashed_size);

/* Warns that a damaged entry is analysed again and replaced. */
void result_cache_warn_damaged(const char *path, const char *reason);

/* Growable byte buffer in which payloads are encoded. */
struct result_buffer {
	uint8_t *data;
	size_t size, capacity;
	bool failed;		/* an allocation failed: the contents are incomplete */
};

void result_buffer_put(struct result_buffer *buffer, const void *data, size_t size);

static inline void result_buffer_u8(struct result_buffer *buffer, uint8_t value)
{
	result_buffer_put(buffer, &value, sizeof(value));
}

static inline void result_buffer_u16(struct result_buffer *buffer, uint16_t value)
{
	result_buffer_put(buffer, &value, sizeof(value));
}

static inline void result_buffer_u32(struct result_buffer *buffer, uint32_t value)
{
	result_buffer_put(buffer, &value, sizeof(value));
}

static inline void result_buffer_u64(struct result_buffer *buffer, uint64_t value)
{
	result_buffer_put(buffer, &value, sizeof(value));
}

/* Bounds-checked reader of a payload. Reads past the end set failed and return zeros. */
struct result_reader {
	const uint8_t *data;
	size_t size, offset;
	bool failed;
};

void result_reader_get(struct result_reader *reader, void *out, size_t size);

/* Returns a pointer to the next size bytes and skips them, or NULL past the end. */
const void *result_reader_skip(struct result_reader *reader, size_t size);

static inline uint8_t result_reader_u8(struct result_reader *reader)
{
	uint8_t value;

	result_reader_get(reader, &value, sizeof(value));
	return value;
}

static inline uint16_t result_reader_u16(struct result_reader *reader)
{
	uint16_t value;

	result_reader_get(reader, &value, sizeof(value));
	return value;
}

static inline uint32_t result_reader_u32(struct result_reader *reader)
{
	uint32_t value;

	result_reader_get(reader, &value, sizeof(value));
	return value;
}

static inline uint64_t result_reader_u64(struct result_reader *reader)
{
	uint64_t value;

	result_reader_get(reader, &value, sizeof(value));
	return value;
}

/*
 * String pool of an encoded payload: each distinct string is stored once,
 * NUL-terminated, and referred to by its offset.
 */
struct result_strings {
	struct result_buffer pool;
	uint32_t *slots;	/* open addressing: offset + 1, or 0 when empty */
	size_t capacity, count;
};

#define RESULT_STRING_NONE UINT32_MAX

/* Returns the offset of text in the pool, adding it first, or RESULT_STRING_NONE for NULL. */
uint32_t result_strings_add(struct result_strings *strings, const char *text);

void result_strings_free(struct result_strings *strings);

/*
 * Appends the size of the string pool, the pool and then body to payload,
 * and frees the pool and body. Returns 0, or -1 when any buffer failed.
 */
int result_payload_finish(struct result_buffer *payload, struct result_strings *strings,
			  struct result_buffer *body);

#endif /* __UNISCOPE_RESULT_CACHE_H */
