// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A process whose main thread ends with pthread_exit() while a second
 * thread goes on: leader_exit COUNT MILLISECONDS. The second thread calls
 * getppid COUNT times, sleeping MILLISECONDS before each call, and then the
 * process exits. Meanwhile /proc shows the leader as a zombie.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int count;
static long ms;

static void *worker(void *unused)
{
	struct timespec pause = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
	int i;

	(void)unused;
	for (i = 0; i < count; i++) {
		nanosleep(&pause, NULL);
		syscall(SYS_getppid);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;

	count = argc > 1 ? atoi(argv[1]) : 20;
	ms = argc > 2 ? atol(argv[2]) : 100;
	if (pthread_create(&thread, NULL, worker, NULL))
		return 1;
	pthread_exit(NULL);
}
