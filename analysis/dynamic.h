/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Dynamic dependency analysis. A program runs (or a running one is watched)
 * under BPF tracing, which records the system calls it makes, the library
 * functions it calls (uprobes at their definitions) and the files it maps
 * executable. The results join the static report, with a comparison.
 */
#ifndef __UNISCOPE_DYNAMIC_H
#define __UNISCOPE_DYNAMIC_H

#include <stdbool.h>
#include <sys/types.h>
#include <jansson.h>

struct ld_cache;

struct dynamic_options {
	char **command;		/* the program and its arguments, or NULL with pid */
	pid_t pid;		/* a running process to analyse instead */
	const char *test_file;	/* JSON steps that exercise the program */
	const char *stdin_path;	/* a file fed to its stdin */
	double wait_seconds;	/* -w: let others exercise it, then stop it */
	double duration;	/* with pid: seconds to watch, 0 until it exits */
	bool all_libs;		/* probe every exported function of every library */
	const struct ld_cache *ld_cache;	/* finds LD_PRELOAD names without a slash */
	const char *library_path;	/* LD_LIBRARY_PATH the static analysis honoured */
};

/*
 * Traces the program and adds "dynamic_data", "dynamic" and "comparison" to
 * report. Whatever was gathered is added even when the run fails. Returns
 * 0, or 1 when tracing or the workload failed (reported).
 */
int dynamic_analysis(json_t *report, const struct dynamic_options *options);

#endif /* __UNISCOPE_DYNAMIC_H */
