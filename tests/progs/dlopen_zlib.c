// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loads zlib with dlopen after start (it is not linked in) and calls
 * zlibVersion COUNT times at once, then exits: dlopen_zlib COUNT
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 7, i;
	const char *(*version)(void);
	void *zlib;

	zlib = dlopen("libz.so.1", RTLD_NOW);
	if (!zlib) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	version = (const char *(*)(void))dlsym(zlib, "zlibVersion");
	if (!version)
		return 1;
	for (i = 0; i < count; i++)
		version();
	printf("zlib %s\n", version());
	return 0;
}
