// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "log.h"

int log_verbosity;
static int libbpf_muted;

static const char *const level_prefix[] = {
	[LOG_ERROR] = "error: ",
	[LOG_WARN] = "warning: ",
	[LOG_INFO] = "",
	[LOG_DEBUG] = "debug: ",
};

static int level_enabled(enum log_level level)
{
	if (level <= LOG_WARN)
		return 1;
	if (level == LOG_INFO)
		return log_verbosity >= 1;
	return log_verbosity >= 2;
}

static void log_vmsg(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char text[1024];

	if (!level_enabled(level))
		return;

	vsnprintf(text, sizeof(text), fmt, ap);
	if (errnum)
		fprintf(stderr, "uniscope: %s%s: %s\n", level_prefix[level], text,
			strerror(errnum));
	else
		fprintf(stderr, "uniscope: %s%s\n", level_prefix[level], text);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, 0, fmt, ap);
	va_end(ap);
}

void log_errno(enum log_level level, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (errnum < 0)
		errnum = -errnum;
	va_start(ap, fmt);
	log_vmsg(level, errnum, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (libbpf_muted)
		return 0;
	if (level == LIBBPF_DEBUG && log_verbosity < 2)
		return 0;
	if (log_verbosity < 1)
		return 0;
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

void log_mute_libbpf(int muted)
{
	libbpf_muted = muted;
}
