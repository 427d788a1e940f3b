// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reads the clock and its process id, and asks for the host name, which
 * the clock-report.json it comes with does not list: on Unikraft the
 * build loop stubs gethostname() and the call fails with ENOSYS.
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
