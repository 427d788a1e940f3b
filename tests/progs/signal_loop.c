// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * signal_loop N: sends itself SIGUSR1 N times through kill(2), with a
 * handler installed, so that the run makes N kill and N rt_sigreturn calls.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	handled++;
}

int main(int argc, char **argv)
{
	struct sigaction action = { .sa_handler = on_usr1 };
	pid_t self = getpid();
	long count, i;

	if (argc != 2) {
		fprintf(stderr, "usage: signal_loop COUNT\n");
		return 2;
	}
	count = atol(argv[1]);
	sigemptyset(&action.sa_mask);
	sigaction(SIGUSR1, &action, NULL);
	for (i = 0; i < count; i++)
		syscall(SYS_kill, self, SIGUSR1);
	return handled == count ? 0 : 1;
}
