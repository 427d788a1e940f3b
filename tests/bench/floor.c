// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Attaches the floor programs of bpf/floor.bpf.c until SIGINT or SIGTERM,
 * so that a benchmark can time a workload under them.
 *
 *   floor exit         an empty program on sys_exit (a counts-only tracer)
 *   floor pair         empty programs on sys_enter and sys_exit
 *   floor pair-clock   sys_enter and sys_exit programs that read the clock
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int silent(enum libbpf_print_level level, const char *format, va_list args)
{
	return 0;
}

/* Selects the programs of one mode for loading, so the others stay unloaded. */
static int select_mode(struct floor_bpf *skel, const char *mode)
{
	bool exit_only = !strcmp(mode, "exit"), pair = !strcmp(mode, "pair");
	bool pair_clock = !strcmp(mode, "pair-clock");

	if (!exit_only && !pair && !pair_clock) {
		fprintf(stderr, "floor: unknown mode '%s': use exit, pair or pair-clock\n", mode);
		return -1;
	}
	bpf_program__set_autoload(skel->progs.floor_enter_empty, pair);
	bpf_program__set_autoload(skel->progs.floor_exit_empty, exit_only || pair);
	bpf_program__set_autoload(skel->progs.floor_enter_clock, pair_clock);
	bpf_program__set_autoload(skel->progs.floor_exit_clock, pair_clock);
	return 0;
}

int main(int argc, char **argv)
{
	struct floor_bpf *skel;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: floor exit|pair|pair-clock\n");
		return 2;
	}
	libbpf_set_print(silent);
	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "floor: opening the BPF object failed: %s\n", strerror(errno));
		return 1;
	}
	err = select_mode(skel, argv[1]);
	if (!err)
		err = floor_bpf__load(skel);
	if (!err)
		err = floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "floor: loading mode '%s' failed: %s (run as root)\n", argv[1],
			strerror(-err));
		floor_bpf__destroy(skel);
		return 1;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached\n");
	fflush(stdout);
	/* A signal between the test and sleep() costs at most one second. */
	while (!stop)
		sleep(1);
	floor_bpf__destroy(skel);
	return 0;
}
