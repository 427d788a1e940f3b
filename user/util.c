// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int parse_seconds(const char *text, const char *option, uint64_t *ns)
{
	double seconds;
	char *end;

	errno = 0;
	seconds = strtod(text, &end);
	if (errno || end == text || *end || !(seconds > 0) || seconds > 1e7) {
		p_err("invalid duration '%s' for %s: expected seconds greater than 0, such as 5 or 0.5",
		      text, option);
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

int write_file_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX];
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;

	err = write_all(fd, data, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
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
