// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

extern const char *const errno_names[];
extern const unsigned int errno_names_count;

int parse_ulong(const char *text, const char *option, unsigned long min,
		unsigned long max, unsigned long *value)
{
	unsigned long parsed;
	char *end;

	errno = 0;
	parsed = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-') {
		p_err("invalid value '%s' for %s: expected a whole number from %lu to %lu",
		      text, option, min, max);
		return -1;
	}
	if (parsed < min || parsed > max) {
		p_err("value '%s' for %s is out of range: use a number from %lu to %lu",
		      text, option, min, max);
		return -1;
	}
	*value = parsed;
	return 0;
}

/* The maximum of a duration option, about 115 days. */
#define MAX_DURATION_SECONDS 10000000

int parse_seconds(const char *text, const char *option, uint64_t *ns)
{
	double seconds;
	char *end;

	errno = 0;
	seconds = strtod(text, &end);
	if (errno || end == text || *end || !(seconds > 0) || seconds > MAX_DURATION_SECONDS) {
		p_err("invalid duration '%s' for %s: expected seconds greater than 0 and at most %d, "
		      "such as 5 or 0.5", text, option, MAX_DURATION_SECONDS);
		return -1;
	}
	*ns = (uint64_t)(seconds * 1e9);
	return 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Fills the six X of a "....XXXXXX" name with random letters and digits. */
static void randomize_name(char *name)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char bytes[6];
	size_t length = strlen(name), i;

	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		for (i = 0; i < sizeof(bytes); i++)
			bytes[i] = (unsigned char)(now_ns() >> (8 * i)) ^ (unsigned char)getpid();
	for (i = 0; i < sizeof(bytes) && i < length; i++)
		name[length - sizeof(bytes) + i] = letters[bytes[i] % (sizeof(letters) - 1)];
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t written = write(fd, data, len);

		if (written < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += written;
		len -= written;
	}
	return 0;
}

/*
 * Follows the symbolic links at the last component of path and stores the
 * path they end at in target, so a dangling link names the file to create.
 * Sets *in_place when that file exists and is not a regular file, or when a
 * link goes through /proc. The /proc/PID/fd links behind /dev/stdout and
 * /dev/fd/N name open files, which are written through the link and never
 * replaced.
 */
static int resolve_output_path(const char *path, char *target, size_t size, bool *in_place)
{
	char link[PATH_MAX], joined[PATH_MAX];
	const char *slash;
	struct stat st;
	ssize_t len;
	int depth;

	*in_place = false;
	if (snprintf(target, size, "%s", path) >= (int)size)
		return -ENAMETOOLONG;
	for (depth = 0; depth < 40; depth++) {
		if (!strncmp(target, "/proc/", 6))
			*in_place = true;
		if (lstat(target, &st))
			return errno == ENOENT ? 0 : -errno;
		if (!S_ISLNK(st.st_mode)) {
			if (!S_ISREG(st.st_mode))
				*in_place = true;
			return S_ISDIR(st.st_mode) ? -EISDIR : 0;
		}
		len = readlink(target, link, sizeof(link) - 1);
		if (len < 0)
			return -errno;
		link[len] = '\0';

		/* A relative link is relative to the folder that contains it. */
		slash = strrchr(target, '/');
		if (link[0] == '/' || !slash)
			len = snprintf(joined, sizeof(joined), "%s", link);
		else
			len = snprintf(joined, sizeof(joined), "%.*s/%s",
				       (int)(slash - target), target, link);
		if (len >= (ssize_t)sizeof(joined) || len >= (ssize_t)size)
			return -ENAMETOOLONG;
		memcpy(target, joined, len + 1);
	}
	return -ELOOP;
}

/* Writes to an existing FIFO, device or open file in place, as a shell's '>' does. */
/*
 * Returns the descriptor of this process that path names (/dev/stdout,
 * /dev/stderr, /dev/fd/N or /proc/self/fd/N), or -1.
 */
static int own_descriptor(const char *path)
{
	int fd, end = 0;

	if (!strcmp(path, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(path, "/dev/stderr"))
		return STDERR_FILENO;
	if ((sscanf(path, "/dev/fd/%d%n", &fd, &end) == 1 ||
	     sscanf(path, "/proc/self/fd/%d%n", &fd, &end) == 1) && !path[end] && fd >= 0)
		return fd;
	return -1;
}

static int write_file_in_place(const char *path, const char *data, size_t len)
{
	int fd = own_descriptor(path), err;

	/*
	 * Opening /dev/stdout again would start at offset 0 and truncate a file
	 * that the shell opened for appending: write where the stream is.
	 */
	if (fd >= 0) {
		fflush(NULL);
		return write_all(fd, data, len);
	}
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* Writes every part to fd. Returns 0 or -errno. */
static int write_parts(int fd, const struct iovec *parts, size_t count)
{
	size_t i;
	int err = 0;

	for (i = 0; i < count && !err; i++)
		err = write_all(fd, parts[i].iov_base, parts[i].iov_len);
	return err;
}

/* Opens the directory of path. Returns a descriptor or -errno, and its entry name in *base. */
static int open_directory(const char *path, const char **base)
{
	char directory[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	*base = slash ? slash + 1 : path;
	if (!slash)
		snprintf(directory, sizeof(directory), ".");
	else if (slash == path)
		snprintf(directory, sizeof(directory), "/");
	else if (snprintf(directory, sizeof(directory), "%.*s", (int)(slash - path), path) >=
		 (int)sizeof(directory))
		return -ENAMETOOLONG;
	fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Writes "BASE.tmp.XXXXXX" with a fresh random suffix into temporary, or
 * ".uniscope.tmp.XXXXXX" when that would exceed NAME_MAX.
 */
static void temporary_name(const char *base, char *temporary, size_t size)
{
	if (strlen(base) + strlen(".tmp.XXXXXX") <= NAME_MAX)
		snprintf(temporary, size, "%s.tmp.XXXXXX", base);
	else
		snprintf(temporary, size, ".uniscope.tmp.XXXXXX");
	randomize_name(temporary);
}

/* Links the unnamed file fd under a new temporary name in directory. Returns 0 or -errno. */
static int link_temporary(int directory, const char *base, int fd, char *temporary,
			  size_t size)
{
	char proc_path[64];
	int attempt;

	snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", fd);
	for (attempt = 0; attempt < 100; attempt++) {
		temporary_name(base, temporary, size);
		if (!linkat(AT_FDCWD, proc_path, directory, temporary, AT_SYMLINK_FOLLOW))
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* Creates a new file under a temporary name in directory. Returns a descriptor or -errno. */
static int create_temporary(int directory, const char *base, mode_t mode, char *temporary,
			    size_t size)
{
	int attempt, fd;

	for (attempt = 0; attempt < 100; attempt++) {
		temporary_name(base, temporary, size);
		fd = openat(directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* Writes the parts to a new file named temporary in directory. Returns 0 or -errno. */
static int write_temporary(int directory, const char *base, const struct iovec *parts,
			   size_t count, mode_t mode, char *temporary, size_t size, bool *named)
{
	int fd, err;

	fd = openat(directory, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
	if (fd >= 0) {
		/* Named only once complete: a killed process leaves nothing. */
		err = write_parts(fd, parts, count);
		if (!err)
			err = link_temporary(directory, base, fd, temporary, size);
		*named = !err;
		if (close(fd) && !err)
			err = -errno;
		/* Without /proc, or where linking is not allowed, a named file does. */
		if (*named || (err != -ENOENT && err != -EPERM))
			return err;
	} else if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
		return -errno;
	}

	fd = create_temporary(directory, base, mode, temporary, size);
	if (fd < 0)
		return fd;
	*named = true;
	err = write_parts(fd, parts, count);
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int replace_file(const char *path, const struct iovec *parts, size_t count, mode_t mode)
{
	char temporary[NAME_MAX + 1];
	bool named = false;	/* temporary names a file of ours */
	const char *base;
	int directory, err;

	directory = open_directory(path, &base);
	if (directory < 0)
		return directory;
	err = write_temporary(directory, base, parts, count, mode, temporary, sizeof(temporary),
			      &named);
	if (!err && renameat(directory, temporary, directory, base))
		err = -errno;
	if (err && named)
		unlinkat(directory, temporary, 0);
	close(directory);
	return err;
}

int check_output_path(const char *path)
{
	char target[PATH_MAX];
	const char *base;
	bool in_place;
	int err, folder;

	err = resolve_output_path(path, target, sizeof(target), &in_place);
	if (err)
		return err;
	if (in_place)
		return access(path, W_OK) ? -errno : 0;

	/* The temporary file and the rename need a writable folder. */
	folder = open_directory(target, &base);
	if (folder < 0)
		return folder;
	err = faccessat(folder, ".", W_OK | X_OK, 0) ? -errno : 0;
	close(folder);
	return err;
}

int write_file_atomic(const char *path, const char *data, size_t len)
{
	struct iovec part = { .iov_base = (void *)data, .iov_len = len };
	char target[PATH_MAX];
	bool in_place;
	int err;

	err = resolve_output_path(path, target, sizeof(target), &in_place);
	if (err)
		return err;
	if (in_place)
		return write_file_in_place(path, data, len);
	/* The link stays, and the file it points to is replaced. */
	path = target;

	/*
	 * No fsync(): the rename shows readers the whole new contents, but after
	 * a power failure the file may be empty or the old one, and running the
	 * command again writes it again. Flushing cost more than writing a
	 * report.
	 */
	return replace_file(path, &part, 1, 0644);
}

int json_write_atomic(const char *path, const json_t *root)
{
	char *text, *with_newline;
	size_t len;
	int err;

	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;

	/* End with a newline, as text tools expect. */
	len = strlen(text);
	with_newline = realloc(text, len + 2);
	if (!with_newline) {
		free(text);
		return -ENOMEM;
	}
	with_newline[len++] = '\n';
	with_newline[len] = '\0';

	err = write_file_atomic(path, with_newline, len);
	free(with_newline);
	return err;
}

/*
 * Returns the length of the UTF-8 sequence that starts at text, or 0 when it
 * is invalid by RFC 3629: a stray byte, an overlong form, a UTF-16 surrogate
 * or a value past U+10FFFF.
 */
static size_t utf8_sequence_length(const unsigned char *text)
{
	unsigned int lead = text[0], code, length, i;

	if (lead < 0x80)
		return 1;
	if (lead >= 0xc2 && lead <= 0xdf) {
		length = 2;
		code = lead & 0x1f;
	} else if (lead >= 0xe0 && lead <= 0xef) {
		length = 3;
		code = lead & 0x0f;
	} else if (lead >= 0xf0 && lead <= 0xf4) {
		length = 4;
		code = lead & 0x07;
	} else {
		return 0;
	}
	/* A NUL fails this test, so the loop never reads past the string. */
	for (i = 1; i < length; i++) {
		if ((text[i] & 0xc0) != 0x80)
			return 0;
		code = code << 6 | (text[i] & 0x3f);
	}
	if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
	    (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff)
		return 0;
	return length;
}

json_t *json_string_lossy(const char *text)
{
	const unsigned char *in = (const unsigned char *)text;
	size_t length, i = 0, out = 0;
	json_t *string;
	char *fixed;

	string = json_string(text);
	if (string)
		return string;

	/* Each invalid byte becomes U+FFFD REPLACEMENT CHARACTER, 3 bytes in UTF-8. */
	fixed = malloc(strlen(text) * 3 + 1);
	if (!fixed)
		return NULL;
	while (in[i]) {
		length = utf8_sequence_length(in + i);
		if (length) {
			memcpy(fixed + out, in + i, length);
			i += length;
			out += length;
		} else {
			memcpy(fixed + out, "\xef\xbf\xbd", 3);
			i++;
			out += 3;
		}
	}
	fixed[out] = '\0';
	string = json_string(fixed);
	free(fixed);
	return string;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64], i, j;

	if (lb >= ARRAY_SIZE(row))
		return SIZE_MAX;

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diagonal = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t above = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = diagonal + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diagonal = above;
		}
	}
	return row[lb];
}

const char *closest_name(const char *word, const char *const *candidates, size_t count)
{
	size_t best_distance = SIZE_MAX, limit, i;
	const char *best = NULL;

	/* Allow about one edit for every three characters, at least two. */
	limit = strlen(word) / 3;
	if (limit < 2)
		limit = 2;

	for (i = 0; i < count; i++) {
		size_t distance;

		if (!candidates[i])
			continue;
		distance = edit_distance(word, candidates[i]);
		if (distance < best_distance) {
			best_distance = distance;
			best = candidates[i];
		}
	}
	return best_distance <= limit ? best : NULL;
}

const char *errno_name(unsigned int err)
{
	if (err < errno_names_count)
		return errno_names[err];
	return NULL;
}

const char *format_duration(uint64_t ns, char *buf, size_t size)
{
	if (ns < 1000)
		snprintf(buf, size, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.2fms", ns / 1e6);
	else
		snprintf(buf, size, "%.3fs", ns / 1e9);
	return buf;
}

uint64_t string_hash(const char *text)
{
	uint64_t hash = 14695981039346656037ull;

	while (*text) {
		hash ^= (unsigned char)*text++;
		hash *= 1099511628211ull;
	}
	return hash;
}
