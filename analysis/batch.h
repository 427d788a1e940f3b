/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Static analysis of many programs in parallel worker processes, and usage
 * tables across them: the share of programs that use each shared library,
 * system call and symbol, and which use threads, fork or both.
 */
#ifndef __UNISCOPE_BATCH_H
#define __UNISCOPE_BATCH_H

#include <stdbool.h>

#include "deps.h"

struct batch_options {
	const char *source;	/* a directory of programs, or a file listing them */
	const char *output_dir;	/* receives NAME.json, usage.md and usage.csv */
	const char *graphs_dir;	/* also write each program's graphs there, or NULL */
	unsigned long jobs;	/* worker processes */
	bool quiet;		/* no summary line on stdout */
};

/*
 * Analyses every program of the batch and writes the reports and tables.
 * A program that cannot be analysed gets a report holding its error and
 * does not fail the batch. Returns an exit status.
 */
int run_batch(const struct batch_options *batch, const struct static_options *options,
	      const struct static_context *context);

#endif /* __UNISCOPE_BATCH_H */
