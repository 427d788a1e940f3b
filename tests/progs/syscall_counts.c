// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Makes an exact number of system calls for the tracer's tests:
 *   syscall_counts CALLS THREADS FAILING_OPENS
 * Each of THREADS threads calls getppid CALLS times through syscall(2), so
 * libc caches nothing. The main thread then makes FAILING_OPENS openat calls
 * on a missing file (ENOENT each). With UNISCOPE_LOOP_TIME=FILE in the
 * environment, it writes the wall and CPU time of the getppid loops to FILE
 * in ns, so that benchmarks can leave out the tracer's start and exit.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long calls;

static long long clock_ns(clockid_t clock)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return now.tv_sec * 1000000000LL + now.tv_nsec;
}

static void report_loop_time(long long start_ns, long long start_cpu_ns)
{
	const char *path = getenv("UNISCOPE_LOOP_TIME");
	FILE *out;

	if (!path)
		return;
	out = fopen(path, "w");
	if (!out)
		return;
	fprintf(out, "%lld %lld\n", clock_ns(CLOCK_MONOTONIC) - start_ns,
		clock_ns(CLOCK_PROCESS_CPUTIME_ID) - start_cpu_ns);
	fclose(out);
}

static void *call_getppid(void *unused)
{
	long i;

	for (i = 0; i < calls; i++)
		syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t threads[64];
	long thread_count, opens, i;
	long long start_ns, start_cpu_ns;

	if (argc != 4) {
		fprintf(stderr, "usage: syscall_counts CALLS THREADS FAILING_OPENS\n");
		return 2;
	}
	calls = atol(argv[1]);
	thread_count = atol(argv[2]);
	opens = atol(argv[3]);
	if (thread_count < 1 || thread_count > 64)
		return 2;

	start_ns = clock_ns(CLOCK_MONOTONIC);
	start_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < thread_count; i++)
		pthread_create(&threads[i], NULL, call_getppid, NULL);
	for (i = 0; i < thread_count; i++)
		pthread_join(threads[i], NULL);
	report_loop_time(start_ns, start_cpu_ns);
	for (i = 0; i < opens; i++)
		openat(AT_FDCWD, "/nonexistent/uniscope-test", O_RDONLY);
	return 0;
}
