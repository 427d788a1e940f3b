// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Makes a known number of library calls for the dynamic analysis tests:
 * libc_calls COUNT calls strlen, malloc and free COUNT times each, puts
 * once, and getpid through a thread and a forked child COUNT times each.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int count;

static void *call_getpid(void *unused)
{
	int i;

	for (i = 0; i < count; i++)
		getpid();
	return NULL;
}

int main(int argc, char **argv)
{
	volatile size_t total = 0;
	pthread_t thread;
	pid_t child;
	int i;

	count = argc > 1 ? atoi(argv[1]) : 100;
	for (i = 0; i < count; i++) {
		char *buffer = malloc(64);

		total += strlen(argv[0]);
		free(buffer);
	}
	pthread_create(&thread, NULL, call_getpid, NULL);
	pthread_join(thread, NULL);
	child = fork();
	if (child == 0) {
		call_getpid(NULL);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	puts("done");
	return total == 0;
}
