// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A library-call-heavy loop for benchmarks: libcall_loop malloc COUNT makes
 * COUNT malloc/free pairs, libcall_loop strlen COUNT makes COUNT strlen
 * calls. With UNISCOPE_LOOP_TIME=FILE in the environment, it writes the
 * loop's wall and CPU time to FILE in ns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long clock_ns(clockid_t clock)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return now.tv_sec * 1000000000LL + now.tv_nsec;
}

int main(int argc, char **argv)
{
	long count = argc > 2 ? atol(argv[2]) : 1000000, i;
	const char *time_path = getenv("UNISCOPE_LOOP_TIME");
	long long start_ns, start_cpu_ns;
	volatile size_t total = 0;
	FILE *out;

	if (argc < 2)
		return 2;
	start_ns = clock_ns(CLOCK_MONOTONIC);
	start_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (!strcmp(argv[1], "malloc")) {
		for (i = 0; i < count; i++)
			free(malloc(32 + (i & 15)));
	} else {
		for (i = 0; i < count; i++)
			total += strlen(argv[0]);
	}
	if (time_path && (out = fopen(time_path, "w"))) {
		fprintf(out, "%lld %lld\n", clock_ns(CLOCK_MONOTONIC) - start_ns,
			clock_ns(CLOCK_PROCESS_CPUTIME_ID) - start_cpu_ns);
		fclose(out);
	}
	return total == 1;
}
