/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The workload that exercises a program under dynamic analysis: steps read
 * from a JSON test file (write to its stdin, run a client command, talk to
 * a loopback TCP port, wait, signal), run while the program is traced. A
 * program marked as a server is awaited until ready and stopped at the end.
 */
#ifndef __UNISCOPE_WORKLOAD_H
#define __UNISCOPE_WORKLOAD_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <jansson.h>

enum step_type {
	STEP_STDIN,		/* {"stdin": "text"} */
	STEP_STDIN_FILE,	/* {"stdin_file": "path"} */
	STEP_CLOSE_STDIN,	/* {"close_stdin": true} */
	STEP_RUN,		/* {"run": ["cmd", "arg"], "expect_status": 0} */
	STEP_CONNECT,		/* {"connect": {"port": N, "send": "...", "expect": "...", "repeat": N}} */
	STEP_WAIT,		/* {"wait": seconds} */
	STEP_SIGNAL,		/* {"signal": "TERM"} */
};

struct workload_step {
	enum step_type type;
	char *text;		/* stdin text, stdin_file path, connect send text */
	char *expect;		/* connect: text the reply must contain */
	char **argv;		/* run */
	int expect_status;	/* run: -1 for any */
	int port;
	int repeat;
	int signal;
	double seconds;
};

struct workload {
	struct workload_step *steps;
	size_t count;
	bool server;		/* stop the program with SIGTERM after the steps */
	int ready_port;		/* server ready when this loopback port accepts */
	char *ready_log;	/* or when this text appears in its output */
	double ready_timeout;	/* seconds */
	double wait_seconds;	/* -w: let others exercise it, then stop it */
	char *stdin_path;	/* --stdin FILE */

	/* Run state, set by workload_start(). */
	pid_t pid;
	int stdin_fd;
	int output_fd;		/* the program's stdout and stderr, with ready_log */
	pthread_t thread;
	bool started;
	bool finished;
	char error[512];	/* the first failure, empty when all steps passed */
	json_t *results;	/* one object per step run */
	volatile bool *stop_flag;	/* set to end the trace early */
};

/*
 * Reads a test file. Returns 0, or -1 with an error printed that names the
 * file, the step and the value at fault.
 */
int workload_read_file(const char *path, struct workload *workload);

/* Whether the launched program needs a pipe as stdin, or its output captured. */
bool workload_needs_stdin(const struct workload *workload);
bool workload_needs_output(const struct workload *workload);

/* Starts the steps in a thread, against the launched program. Returns 0 or -errno. */
int workload_start(struct workload *workload, pid_t pid, int stdin_fd, int output_fd);

/* Waits for the steps to end (the program may still run). */
void workload_join(struct workload *workload);

/* The workload's part of the report: steps, results and the first error. */
json_t *workload_report(const struct workload *workload);

void workload_free(struct workload *workload);

#endif /* __UNISCOPE_WORKLOAD_H */
