// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * blocked_exit THREADS: starts THREADS threads that sleep for a minute in
 * nanosleep, then ends the process with exit_group while they sleep, so
 * that each of their calls ends without returning to the program.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void *sleep_long(void *unused)
{
	struct timespec minute = { .tv_sec = 60 };

	nanosleep(&minute, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec settle = { .tv_nsec = 200 * 1000 * 1000 };
	pthread_t thread;
	int threads, i;

	if (argc != 2) {
		fprintf(stderr, "usage: blocked_exit THREADS\n");
		return 2;
	}
	threads = atoi(argv[1]);
	for (i = 0; i < threads; i++)
		pthread_create(&thread, NULL, sleep_long, NULL);
	/* Gives the threads time to enter nanosleep. */
	nanosleep(&settle, NULL);
	syscall(SYS_exit_group, 0);
	return 1;
}
