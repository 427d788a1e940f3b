// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prints the clock, the process id and the host name. clock-report.json
 * does not list gethostname(), so on Unikraft the build loop stubs it and
 * the call fails with ENOSYS.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec now;
	char name[64];
	int ret = clock_gettime(CLOCK_MONOTONIC, &now);

	printf("uniscope e2e: clock_gettime returned %d\n", ret);
	printf("uniscope e2e: getpid returned %d\n", (int)getpid());
	ret = gethostname(name, sizeof(name));
	printf("uniscope e2e: gethostname returned %d%s\n", ret,
	       ret && errno == ENOSYS ? " (ENOSYS)" : "");
	return 0;
}
