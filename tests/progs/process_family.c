// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A process tree for the tracer's tests, each member making a distinct
 * number of getppid calls so that attribution can be checked:
 *   main (3) + a thread from pthread_create, which uses clone3 (5)
 *   fork child (7)
 *   vfork child that executes this program as "exec-child" (11),
 *     which forks a grandchild that executes it as "grandchild" (13)
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void call_getppid(int times)
{
	while (times--)
		syscall(SYS_getppid);
}

static void *thread_main(void *unused)
{
	call_getppid(5);
	return NULL;
}

static int run_as_exec_child(const char *self)
{
	pid_t pid;

	call_getppid(11);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "grandchild", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t thread;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "exec-child"))
		return run_as_exec_child(argv[0]);
	if (argc > 1 && !strcmp(argv[1], "grandchild")) {
		call_getppid(13);
		return 0;
	}

	call_getppid(3);
	pthread_create(&thread, NULL, thread_main, NULL);
	pthread_join(thread, NULL);

	pid = fork();
	if (pid == 0) {
		call_getppid(7);
		_exit(0);
	}
	waitpid(pid, NULL, 0);

	pid = vfork();
	if (pid == 0) {
		execl("/proc/self/exe", argv[0], "exec-child", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return 0;
}
