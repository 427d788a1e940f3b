// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * On-disk cache entries: location, header checks, payload hash and atomic
 * writes. What a payload contains is up to each user of the cache.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "result_cache.h"
#include "util.h"

#define ENTRY_MAGIC "uniscope cache\n"	/* 15 characters and the NUL */
#define PRODUCER_SIZE 48

/* First bytes of every entry. The layout has no padding. */
struct entry_header {
	char magic[16];
	uint32_t format;
	uint32_t header_size;
	char producer[PRODUCER_SIZE];	/* build ID of the uniscope executable that wrote it */
	struct result_cache_key key;
	uint64_t payload_size;
	uint64_t hashed_size;		/* leading bytes of the payload that the hash covers */
	uint64_t payload_hash;
};

/* The fields every version of the header starts with. */
#define HEADER_PREFIX_SIZE (16 + 2 * sizeof(uint32_t))

static bool cache_disabled;
static bool write_warned;	/* set atomically: analysis threads write entries */
static char producer[PRODUCER_SIZE];
static pthread_once_t producer_once = PTHREAD_ONCE_INIT;

void result_cache_disable(void)
{
	cache_disabled = true;
}

bool result_cache_enabled(void)
{
	return !cache_disabled;
}

void result_cache_key_from_stat(struct result_cache_key *key, const struct stat *st)
{
	memset(key, 0, sizeof(*key));
	key->dev = st->st_dev;
	key->ino = st->st_ino;
	key->size = st->st_size;
	key->mtime_sec = st->st_mtim.tv_sec;
	key->mtime_nsec = st->st_mtim.tv_nsec;
	key->ctime_sec = st->st_ctim.tv_sec;
	key->ctime_nsec = st->st_ctim.tv_nsec;
}

/* Copies the GNU build ID of the main executable, in hex, into producer. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	int i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *phdr = &info->dlpi_phdr[i];
		const uint8_t *note = (const uint8_t *)(info->dlpi_addr + phdr->p_vaddr);
		const uint8_t *end = note + phdr->p_memsz;

		if (phdr->p_type != PT_NOTE)
			continue;
		while (note + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nhdr = (const ElfW(Nhdr) *)note;
			const uint8_t *name = note + sizeof(*nhdr);
			const uint8_t *desc = name + ((nhdr->n_namesz + 3) & ~3u);
			size_t j, length = 0;

			if (desc + nhdr->n_descsz > end)
				break;
			if (nhdr->n_type == NT_GNU_BUILD_ID && nhdr->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4)) {
				for (j = 0; j < nhdr->n_descsz && length + 3 < PRODUCER_SIZE; j++)
					length += snprintf(producer + length, PRODUCER_SIZE - length,
							   "%02x", desc[j]);
				return 1;
			}
			note = desc + ((nhdr->n_descsz + 3) & ~3u);
		}
	}
	return 1;	/* the first object listed is the executable: stop there */
}

/*
 * Identifies the uniscope build, so that a rebuilt analysis never trusts
 * entries of an older one. Without a build ID, the executable's size and
 * modification time stand in for it.
 */
static void find_producer(void)
{
	struct stat st;

	dl_iterate_phdr(find_build_id, NULL);
	if (!producer[0] && !stat("/proc/self/exe", &st))
		snprintf(producer, sizeof(producer), "exe-%llx-%llx-%llx",
			 (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
			 (unsigned long long)st.st_mtim.tv_nsec);
}

static const char *producer_id(void)
{
	pthread_once(&producer_once, find_producer);
	return producer;
}

/* Writes $XDG_CACHE_HOME/uniscope, or $HOME/.cache/uniscope, to dir. */
static int cache_root(char *dir, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int length;

	/* The XDG base directory specification ignores relative paths. */
	if (xdg && xdg[0] == '/')
		length = snprintf(dir, size, "%s/uniscope", xdg);
	else if (home && home[0])
		length = snprintf(dir, size, "%s/.cache/uniscope", home);
	else
		return -1;
	return length < (int)size ? 0 : -1;
}

int result_cache_entry_path(const char *kind, const struct result_cache_key *key, char *path,
			    size_t size)
{
	char root[PATH_MAX];
	int length;

	if (cache_disabled || cache_root(root, sizeof(root)))
		return -1;
	length = snprintf(path, size, "%s/%s/%llx-%llx", root, kind,
			  (unsigned long long)key->dev, (unsigned long long)key->ino);
	return length < (int)size ? 0 : -1;
}

static inline uint64_t rotate_left(uint64_t value, unsigned int bits)
{
	return (value << bits) | (value >> (64 - bits));
}

static inline uint64_t hash_lane(uint64_t lane, uint64_t word)
{
	lane ^= word * 0x9e3779b97f4a7c15ull;
	return rotate_left(lane, 29) * 0xbf58476d1ce4e5b9ull;
}

/*
 * Hashes data in four independent lanes of 8-byte words, which runs at
 * several GB/s. It detects damage, not tampering: the cache is private to
 * its user.
 */
static uint64_t hash_payload(const void *data, size_t size)
{
	uint64_t lanes[4] = { 1, 2, 3, 4 }, word, hash;
	const uint8_t *bytes = data;
	size_t i = 0, j;

	for (; i + 32 <= size; i += 32)
		for (j = 0; j < 4; j++) {
			memcpy(&word, bytes + i + 8 * j, sizeof(word));
			lanes[j] = hash_lane(lanes[j], word);
		}
	for (; i + 8 <= size; i += 8) {
		memcpy(&word, bytes + i, sizeof(word));
		lanes[0] = hash_lane(lanes[0], word);
	}
	word = 0;
	memcpy(&word, bytes + i, size - i);
	lanes[1] = hash_lane(lanes[1], word ^ size);
	hash = lanes[0];
	for (j = 1; j < 4; j++)
		hash = hash_lane(hash, lanes[j]);
	return hash ^ (hash >> 31);
}

enum result_cache_status result_cache_read(const char *path, uint32_t format,
					   const struct result_cache_key *key,
					   struct result_cache_entry *entry,
					   char *reason, size_t reason_size)
{
	const struct entry_header *header;
	struct stat st;
	void *mapping;
	int fd;

	memset(entry, 0, sizeof(*entry));
	if (cache_disabled)
		return RESULT_CACHE_MISS;
	/* O_NONBLOCK: a FIFO in the entry's place is reported, not waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return RESULT_CACHE_MISS;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(reason, reason_size, "not a readable regular file");
		return RESULT_CACHE_DAMAGED;
	}
	if ((size_t)st.st_size < HEADER_PREFIX_SIZE) {
		close(fd);
		snprintf(reason, reason_size, "%lld bytes, shorter than its header",
			 (long long)st.st_size);
		return RESULT_CACHE_DAMAGED;
	}
	mapping = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (mapping == MAP_FAILED) {
		snprintf(reason, reason_size, "mmap failed: %s", strerror(errno));
		return RESULT_CACHE_DAMAGED;
	}
	entry->mapping = mapping;
	entry->mapping_size = st.st_size;
	header = mapping;

	if (memcmp(header->magic, ENTRY_MAGIC, sizeof(header->magic))) {
		snprintf(reason, reason_size, "not a uniscope cache entry");
		goto damaged;
	}
	/* Another header layout was written by another version of uniscope. */
	if (header->header_size != sizeof(*header)) {
		result_cache_release(entry);
		return RESULT_CACHE_STALE;
	}
	if ((size_t)st.st_size < sizeof(*header)) {
		snprintf(reason, reason_size, "%lld bytes, shorter than its header",
			 (long long)st.st_size);
		goto damaged;
	}
	if (header->format != format || strncmp(header->producer, producer_id(), PRODUCER_SIZE) ||
	    memcmp(&header->key, key, sizeof(*key))) {
		result_cache_release(entry);
		return RESULT_CACHE_STALE;
	}
	if (header->payload_size != (uint64_t)st.st_size - sizeof(*header)) {
		snprintf(reason, reason_size, "payload of %llu bytes where the header expects %llu",
			 (unsigned long long)(st.st_size - sizeof(*header)),
			 (unsigned long long)header->payload_size);
		goto damaged;
	}
	if (header->hashed_size > header->payload_size) {
		snprintf(reason, reason_size, "hash covers %llu bytes of a %llu-byte payload",
			 (unsigned long long)header->hashed_size,
			 (unsigned long long)header->payload_size);
		goto damaged;
	}
	entry->payload = (const uint8_t *)mapping + sizeof(*header);
	entry->payload_size = header->payload_size;
	if (hash_payload(entry->payload, header->hashed_size) != header->payload_hash) {
		snprintf(reason, reason_size, "payload hash mismatch");
		goto damaged;
	}
	return RESULT_CACHE_HIT;
damaged:
	result_cache_release(entry);
	return RESULT_CACHE_DAMAGED;
}

bool result_cache_has(const char *path, uint32_t format, const struct result_cache_key *key)
{
	struct entry_header header;
	struct stat st;
	ssize_t length;
	int fd;

	if (cache_disabled)
		return false;
	/* O_NONBLOCK: a FIFO in the entry's place must not block the open. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	length = fstat(fd, &st) || !S_ISREG(st.st_mode) ? -1 :
		 pread(fd, &header, sizeof(header), 0);
	close(fd);
	return length == (ssize_t)sizeof(header) &&
	       !memcmp(header.magic, ENTRY_MAGIC, sizeof(header.magic)) &&
	       header.header_size == sizeof(header) && header.format == format &&
	       !strncmp(header.producer, producer_id(), PRODUCER_SIZE) &&
	       !memcmp(&header.key, key, sizeof(*key));
}

void result_cache_release(struct result_cache_entry *entry)
{
	if (entry->mapping)
		munmap(entry->mapping, entry->mapping_size);
	memset(entry, 0, sizeof(*entry));
}

/* Creates every missing directory of path up to its last slash, mode 0700. */
static int make_parents(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
		*slash = '/';
	}
	return 0;
}

static void warn_write_failed(const char *path, int err)
{
	if (__atomic_exchange_n(&write_warned, true, __ATOMIC_RELAXED))
		return;
	p_warn("cannot write the analysis cache entry '%s': %s; the report is complete, but "
	       "later runs analyse again (point XDG_CACHE_HOME to a writable directory, or "
	       "pass --no-cache)", path, strerror(-err));
}

int result_cache_write(const char *path, uint32_t format, const struct result_cache_key *key,
		       const void *payload, size_t payload_size, size_t hashed_size)
{
	struct entry_header header = { .format = format, .header_size = sizeof(header) };
	struct iovec parts[2] = {
		{ .iov_base = &header, .iov_len = sizeof(header) },
		{ .iov_base = (void *)payload, .iov_len = payload_size },
	};
	int err;

	if (cache_disabled)
		return -1;
	memcpy(header.magic, ENTRY_MAGIC, sizeof(header.magic));
	snprintf(header.producer, sizeof(header.producer), "%s", producer_id());
	header.key = *key;
	header.payload_size = payload_size;
	header.hashed_size = hashed_size < payload_size ? hashed_size : payload_size;
	header.payload_hash = hash_payload(payload, header.hashed_size);

	err = make_parents(path);
	if (!err)
		err = replace_file(path, parts, 2, 0600);
	if (err) {
		warn_write_failed(path, err);
		return -1;
	}
	return 0;
}

void result_cache_warn_damaged(const char *path, const char *reason)
{
	p_warn("analysis cache entry '%s' is damaged (%s): analysing again and replacing it",
	       path, reason);
}

void result_buffer_put(struct result_buffer *buffer, const void *data, size_t size)
{
	uint8_t *grown;
	size_t capacity;

	if (buffer->failed || !size)
		return;
	if (buffer->size + size > buffer->capacity) {
		capacity = buffer->capacity ? buffer->capacity : 4096;
		while (capacity < buffer->size + size)
			capacity *= 2;
		grown = realloc(buffer->data, capacity);
		if (!grown) {
			buffer->failed = true;
			return;
		}
		buffer->data = grown;
		buffer->capacity = capacity;
	}
	memcpy(buffer->data + buffer->size, data, size);
	buffer->size += size;
}

void result_reader_get(struct result_reader *reader, void *out, size_t size)
{
	const void *bytes = result_reader_skip(reader, size);

	if (!size)
		return;
	if (bytes)
		memcpy(out, bytes, size);
	else
		memset(out, 0, size);
}

const void *result_reader_skip(struct result_reader *reader, size_t size)
{
	const void *bytes;

	if (reader->failed || size > reader->size - reader->offset) {
		reader->failed = true;
		return NULL;
	}
	bytes = reader->data + reader->offset;
	reader->offset += size;
	return bytes;
}

static int strings_grow(struct result_strings *strings)
{
	size_t capacity = strings->capacity ? strings->capacity * 2 : 1024, i, slot;
	uint32_t *slots = calloc(capacity, sizeof(*slots));

	if (!slots)
		return -1;
	for (i = 0; i < strings->capacity; i++) {
		if (!strings->slots[i])
			continue;
		slot = string_hash((const char *)strings->pool.data + strings->slots[i] - 1) &
		       (capacity - 1);
		while (slots[slot])
			slot = (slot + 1) & (capacity - 1);
		slots[slot] = strings->slots[i];
	}
	free(strings->slots);
	strings->slots = slots;
	strings->capacity = capacity;
	return 0;
}

uint32_t result_strings_add(struct result_strings *strings, const char *text)
{
	size_t slot, length;
	uint32_t offset;

	if (!text)
		return RESULT_STRING_NONE;
	if ((strings->count + 1) * 2 > strings->capacity && strings_grow(strings)) {
		strings->pool.failed = true;
		return RESULT_STRING_NONE;
	}
	slot = string_hash(text) & (strings->capacity - 1);
	while (strings->slots[slot]) {
		offset = strings->slots[slot] - 1;
		if (!strcmp((const char *)strings->pool.data + offset, text))
			return offset;
		slot = (slot + 1) & (strings->capacity - 1);
	}
	length = strlen(text) + 1;
	if (strings->pool.size + length >= RESULT_STRING_NONE) {
		strings->pool.failed = true;
		return RESULT_STRING_NONE;
	}
	offset = strings->pool.size;
	result_buffer_put(&strings->pool, text, length);
	if (strings->pool.failed)
		return RESULT_STRING_NONE;
	strings->slots[slot] = offset + 1;
	strings->count++;
	return offset;
}

void result_strings_free(struct result_strings *strings)
{
	free(strings->pool.data);
	free(strings->slots);
	memset(strings, 0, sizeof(*strings));
}

int result_payload_finish(struct result_buffer *payload, struct result_strings *strings,
			  struct result_buffer *body)
{
	int err;

	result_buffer_u64(payload, strings->pool.size);
	result_buffer_put(payload, strings->pool.data, strings->pool.size);
	result_buffer_put(payload, body->data, body->size);
	err = strings->pool.failed || body->failed || payload->failed ? -1 : 0;
	result_strings_free(strings);
	free(body->data);
	memset(body, 0, sizeof(*body));
	return err;
}
