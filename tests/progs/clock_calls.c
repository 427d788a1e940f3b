// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Calls clock_gettime COUNT times, which the vDSO serves: clock_calls COUNT */
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 100;
	struct timespec now;

	while (count--)
		clock_gettime(CLOCK_MONOTONIC, &now);
	return 0;
}
