/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One path for every message uniscope prints to the user: errors, warnings,
 * progress and debug output, all on stderr so that reports on stdout stay
 * machine-readable.
 */
#ifndef __UNISCOPE_LOG_H
#define __UNISCOPE_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* 0: errors and warnings; 1 (-v): also progress and libbpf's messages; 2 (-vv): debug. */
extern int log_verbosity;

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like log_msg(), with ": strerror(errnum)" appended. */
void log_errno(enum log_level level, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define p_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define p_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define p_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define p_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Installs the libbpf print callback: libbpf speaks only at -v and above. */
void log_setup_libbpf(void);

/* Mutes libbpf (muted != 0) while probing features that may be missing. */
void log_mute_libbpf(int muted);

#endif /* __UNISCOPE_LOG_H */
