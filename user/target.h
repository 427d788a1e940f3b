/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The processes a tracer watches: a command it launches, held before its
 * execve until the probes are armed, or running processes given by PID.
 */
#ifndef __UNISCOPE_TARGET_H
#define __UNISCOPE_TARGET_H

#include <stdbool.h>
#include <sys/types.h>

struct launched_command {
	pid_t pid;
	int gate_fd;		/* writing to it lets the child go on to execve */
	int exec_error_fd;	/* the child writes its execve errno here; EOF means success */
	int stdin_fd;		/* the write end of the command's stdin pipe, or -1 */
	int output_fd;		/* the read end of its stdout and stderr pipe, or -1 */
	bool reaped;
	int wait_status;
};

enum launch_flags {
	LAUNCH_PIPE_STDIN = 1 << 0,	/* stdin is a pipe the tracer writes */
	LAUNCH_PIPE_OUTPUT = 1 << 1,	/* stdout and stderr go to a pipe the tracer reads */
};

/*
 * Forks a child that waits for launch_release() and then executes argv
 * (searched on PATH), with the pipes that flags (enum launch_flags) request. Returns 0 or a
 * positive errno: ENOENT (also for an empty name), EACCES or EISDIR when
 * the command cannot be found or executed, another when fork fails.
 */
int launch_prepare(char **argv, unsigned int flags, struct launched_command *command);

/*
 * Lets the child execute its command. Returns 0 once execve succeeded, or
 * the positive errno of the failed execve (ENOENT: not found).
 */
int launch_release(struct launched_command *command);

/*
 * Reaps exited children without blocking, the command and any orphaned
 * descendant; returns true once the command has exited.
 */
bool launch_poll(struct launched_command *command);

/* Exit status in the shell's convention: the code, or 128 + signal. */
int wait_status_to_exit_code(int wait_status);

/*
 * Resolves a PID given on the command line to its TGID, so that a thread
 * ID names its whole process. Returns the TGID, or -1 with an error printed.
 */
pid_t target_resolve_pid(pid_t pid);

/* The name, executable and parent of a running process, read from /proc. */
struct target_identity {
	char comm[64];		/* /proc/PID/comm */
	char exe[4096];		/* the link /proc/PID/exe, empty when unreadable */
	pid_t ppid;		/* from /proc/PID/stat, 0 when unreadable */
};

/* Reads the name, executable and parent of a running process from /proc. */
void target_read_identity(pid_t tgid, struct target_identity *identity);

/* Number of threads of a running process, from /proc. */
unsigned int target_thread_count(pid_t tgid);

/*
 * Whether a process still runs: a zombie counts as ended, unless only its
 * leader thread has exited and another thread runs.
 */
bool target_is_alive(pid_t tgid);

#endif /* __UNISCOPE_TARGET_H */
