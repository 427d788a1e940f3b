// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Calls libcounter.so on request, for the tests of `uniscope deps -p`.
 * counter_user COUNT prints "ready", then reads commands from stdin until
 * its end:
 *   "run"         calls counter_step() and malloc() COUNT times each
 *   "load PATH"   loads the library PATH with dlopen() and calls its
 *                 counter_step() COUNT times
 * and prints the running total after each.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long counter_step(long value);

/* Keeps the compiler from removing each malloc() and free() pair. */
void *volatile last_block;

static long run_loaded(const char *path, long count)
{
	long (*step)(long);
	void *library;
	long i, total = -1;

	library = dlopen(path, RTLD_NOW);
	if (!library) {
		fprintf(stderr, "counter_user: %s\n", dlerror());
		return -1;
	}
	step = (long (*)(long))dlsym(library, "counter_step");
	for (i = 0; step && i < count; i++)
		total = step(i);
	return total;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 10, i, total = 0;
	char line[4096];

	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "load ", 5)) {
			total = run_loaded(line + 5, count);
		} else {
			for (i = 0; i < count; i++) {
				total = counter_step(i);
				last_block = malloc(16 + i % 16);
				free(last_block);
			}
		}
		printf("%ld\n", total);
		fflush(stdout);
	}
	return 0;
}
