// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A server-like loop for attach tests: every millisecond it calls getppid
 * and sleeps. On SIGUSR1 it forks a child that calls getppid 17 times and
 * exits. It prints "ready" once its handler is installed, and runs until
 * killed.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t fork_requested;

static void request_fork(int sig)
{
	fork_requested = 1;
}

int main(void)
{
	struct timespec pause = { .tv_nsec = 1000000 };
	int i;

	signal(SIGUSR1, request_fork);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		syscall(SYS_getppid);
		nanosleep(&pause, NULL);
		if (!fork_requested)
			continue;
		fork_requested = 0;
		if (fork() == 0) {
			for (i = 0; i < 17; i++)
				syscall(SYS_getppid);
			_exit(0);
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}
