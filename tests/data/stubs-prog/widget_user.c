// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Calls functions that no library defines, to be linked against stubs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "widget.h"

int undeclared_helper(int value);

int main(void)
{
	int fd;

	errno = 0;
	fd = widget_open("/dev/widget", 0);
	printf("widget_open=%d errno=%s\n", fd, errno == ENOSYS ? "ENOSYS" : strerror(errno));
	printf("widget_lookup=%s\n", widget_lookup("x") ? "set" : "NULL");
	widget_reset(NULL, 1);
	printf("widget_count=%ld\n", widget_count());
	printf("undeclared_helper=%d\n", undeclared_helper(3));
	widget_open("/dev/widget", 0);
	return 0;
}
