/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The build loop: runs make, stubs undefined symbols and rebuilds. */
#ifndef __UNISCOPE_BUILDLOOP_H
#define __UNISCOPE_BUILDLOOP_H

#include <jansson.h>

/*
 * Runs argv (argv[0] searched in PATH) in folder cwd with stdout and stderr
 * appended to log_path. Returns its exit status, or -1 if it could not run.
 */
int run_logged(char *const argv[], const char *cwd, const char *log_path);

/* Rounds of make before the loop gives up on a link that keeps failing. */
#define BUILD_DEFAULT_MAX_ROUNDS 8

struct build_loop {
	const char *app_dir;
	const char *log_path;
	json_t *header_dirs;	/* folders searched for declarations of stubbed symbols */
	int jobs;
	int max_rounds;
};

/*
 * Builds until the link succeeds or a round adds no stub. Returns the build
 * summary: {"success", "rounds", "stubs": [...], "compile_errors": [...],
 * "undefined": [...] (left at the end), "image", "image_size"}.
 */
json_t *build_loop_run(const struct build_loop *loop);

#endif /* __UNISCOPE_BUILDLOOP_H */
