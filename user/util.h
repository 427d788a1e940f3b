/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers shared by every subcommand: number parsing, files, names. */
#ifndef __UNISCOPE_UTIL_H
#define __UNISCOPE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <jansson.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses of every subcommand (trace -- CMD returns CMD's own). */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_RUNTIME = 1,
	EXIT_USAGE = 2,
};

/*
 * Parses a whole decimal number in [min, max]. On failure it prints an error
 * naming the option and the value, and returns -1.
 */
int parse_ulong(const char *text, const char *option, unsigned long min,
		unsigned long max, unsigned long *value);

/* Parses seconds with an optional fraction ("2", "0.5") into nanoseconds. */
int parse_seconds(const char *text, const char *option, uint64_t *ns);

/* Returns CLOCK_MONOTONIC in nanoseconds, the clock bpf_ktime_get_ns() uses. */
uint64_t now_ns(void);

/*
 * Replaces path with a new file of mode (before the umask) holding the
 * parts in order, renamed over path, so readers never see a partial file.
 * The new file is unnamed (O_TMPFILE) until it is complete, so a process
 * killed while writing leaves nothing behind. Where the file system lacks
 * O_TMPFILE, it is written under a random name "PATH.tmp.XXXXXX" created
 * with O_EXCL, which never follows a planted symbolic link. path itself is
 * replaced, not followed. Returns 0 or -errno.
 */
int replace_file(const char *path, const struct iovec *parts, size_t count, mode_t mode);

/*
 * Writes data to path through a temporary file in the same folder and
 * rename(2) (replace_file()), so readers never see a partial file. A symbolic link stays and
 * the file it points to is replaced. An existing FIFO, device or open file
 * (/dev/stdout, /dev/fd/N) is written in place instead. Returns 0 or -errno.
 */
int write_file_atomic(const char *path, const char *data, size_t len);

/*
 * Checks, before any work, that write_file_atomic() can write path: that its
 * folder exists and is writable, or that the FIFO or device it names is
 * writable. Returns 0 or -errno (EISDIR for a directory).
 */
int check_output_path(const char *path);

/* Dumps a JSON tree (indented, keys in insertion order) atomically to path. */
int json_write_atomic(const char *path, const json_t *root);

/*
 * Returns a JSON string of text, with each byte that is not valid UTF-8
 * replaced by U+FFFD, where json_string() would reject the whole text.
 * Returns NULL only when out of memory.
 */
json_t *json_string_lossy(const char *text);

/* Returns the candidate closest to word by edit distance, or NULL if none is close. */
const char *closest_name(const char *word, const char *const *candidates, size_t count);

/* Returns "ENOENT" for 2, or NULL for a value with no name. */
const char *errno_name(unsigned int err);

/* Formats a duration in ns with a unit chosen for it ("12.3us", "4.00s"). */
const char *format_duration(uint64_t ns, char *buf, size_t size);

/* Returns the FNV-1a hash of a NUL-terminated string, for hash tables. */
uint64_t string_hash(const char *text);

#endif /* __UNISCOPE_UTIL_H */
