// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * thread_churn THREADS: starts THREADS threads one after another, each making
 * 10 getppid calls and ending before the next starts, so that a trace by
 * thread sees many threads that exit while their process goes on.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *call_getppid(void *unused)
{
	int i;

	for (i = 0; i < 10; i++)
		syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;
	int threads, i;

	if (argc != 2) {
		fprintf(stderr, "usage: thread_churn THREADS\n");
		return 2;
	}
	threads = atoi(argv[1]);
	for (i = 0; i < threads; i++) {
		if (pthread_create(&thread, NULL, call_getppid, NULL)) {
			perror("pthread_create");
			return 1;
		}
		pthread_join(thread, NULL);
	}
	return 0;
}
