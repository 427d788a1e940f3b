// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reads /dev/zero one byte at a time, COUNT times: read_zero COUNT. With
 * UNISCOPE_LOOP_TIME=FILE in the environment, it writes the loop's wall
 * and CPU time to FILE in ns.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long clock_ns(clockid_t clock)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return now.tv_sec * 1000000000LL + now.tv_nsec;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000000;
	const char *time_path = getenv("UNISCOPE_LOOP_TIME");
	int fd = open("/dev/zero", O_RDONLY);
	long long start_ns, start_cpu_ns;
	char byte;
	FILE *out;

	if (fd < 0)
		return 1;
	start_ns = clock_ns(CLOCK_MONOTONIC);
	start_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	while (count--)
		if (read(fd, &byte, 1) != 1)
			return 1;
	if (time_path && (out = fopen(time_path, "w"))) {
		fprintf(out, "%lld %lld\n", clock_ns(CLOCK_MONOTONIC) - start_ns,
			clock_ns(CLOCK_PROCESS_CPUTIME_ID) - start_cpu_ns);
		fclose(out);
	}
	return 0;
}
