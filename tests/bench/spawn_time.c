// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Runs a command once for each line of a list file, with the line appended
 * as its last argument, and prints for each run:
 *
 *   LINE WALL_NS MAX_RSS_KB EXIT_STATUS
 *
 * The wall time spans posix_spawn() to the end of wait4(). The peak RSS is
 * the ru_maxrss that wait4() reports, which covers the children the command
 * waited for. A shell loop with date and /usr/bin/time adds about 4 ms to
 * every run, more than some of the runs it times.
 *
 *   spawn_time LIST COMMAND [ARG...]
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Sends the command's output to /dev/null: only its cost is measured. */
static int silence_output(posix_spawn_file_actions_t *actions)
{
	int err = posix_spawn_file_actions_init(actions);

	if (!err)
		err = posix_spawn_file_actions_addopen(actions, STDOUT_FILENO, "/dev/null",
						       O_WRONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_adddup2(actions, STDOUT_FILENO, STDERR_FILENO);
	return err;
}

static int run_one(char **argv, const posix_spawn_file_actions_t *actions, const char *line)
{
	struct rusage usage;
	long long start;
	pid_t pid;
	int status, err;

	start = now_ns();
	err = posix_spawnp(&pid, argv[0], actions, NULL, argv, environ);
	if (err) {
		fprintf(stderr, "spawn_time: cannot run '%s': %s\n", argv[0], strerror(err));
		return -1;
	}
	while (wait4(pid, &status, 0, &usage) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "spawn_time: wait4 failed: %s\n", strerror(errno));
			return -1;
		}
	}
	printf("%s %lld %ld %d\n", line, now_ns() - start, usage.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t actions;
	char *line = NULL, **command;
	size_t capacity = 0;
	ssize_t length;
	FILE *list;
	int i, err = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: spawn_time LIST COMMAND [ARG...]\n");
		return 2;
	}
	list = fopen(argv[1], "r");
	if (!list) {
		fprintf(stderr, "spawn_time: cannot open the list '%s': %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	command = calloc(argc, sizeof(*command));
	if (!command || silence_output(&actions)) {
		fprintf(stderr, "spawn_time: out of memory\n");
		return 1;
	}
	for (i = 2; i < argc; i++)
		command[i - 2] = argv[i];

	while (!err && (length = getline(&line, &capacity, list)) >= 0) {
		if (length && line[length - 1] == '\n')
			line[--length] = '\0';
		if (!length)
			continue;
		command[argc - 2] = line;
		err = run_one(command, &actions, line);
	}
	posix_spawn_file_actions_destroy(&actions);
	free(line);
	free(command);
	fclose(list);
	return err ? 1 : 0;
}
