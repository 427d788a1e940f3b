// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sleeps COUNT times for MILLISECONDS each with the nanosleep system call
 * (glibc's nanosleep() calls clock_nanosleep): sleeper COUNT MILLISECONDS
 */
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 5;
	long ms = argc > 2 ? atol(argv[2]) : 10;
	struct timespec pause = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (count--)
		syscall(SYS_nanosleep, &pause, NULL);
	return 0;
}
