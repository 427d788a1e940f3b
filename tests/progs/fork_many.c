// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Many short-lived processes for the tracer's tests: fork_many CHILDREN
 * CALLS [badfd]. Each child makes CALLS getppid calls. With "badfd", each
 * child also makes one call of each system call in badfd_calls on file
 * descriptor -1, so that a run needs many keys of statistics. All but tee
 * (length 0: returns 0) fail at once. Numbers outside the kernel's table
 * are avoided because a kernel may use them for calls of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const long badfd_calls[] = {
	SYS_read, SYS_write, SYS_close, SYS_fstat, SYS_lseek, SYS_ioctl, SYS_pread64,
	SYS_pwrite64, SYS_readv, SYS_writev, SYS_dup, SYS_fcntl, SYS_flock, SYS_fsync,
	SYS_fdatasync, SYS_ftruncate, SYS_getdents, SYS_fchdir, SYS_fchmod, SYS_fchown,
	SYS_fstatfs, SYS_readahead, SYS_fgetxattr, SYS_flistxattr, SYS_fremovexattr,
	SYS_getdents64, SYS_fadvise64, SYS_epoll_wait, SYS_epoll_ctl, SYS_inotify_rm_watch,
	SYS_tee, SYS_sync_file_range, SYS_vmsplice, SYS_fallocate, SYS_timerfd_gettime,
	SYS_syncfs, SYS_setns,
};

static void child_main(long calls, int badfd)
{
	size_t i;

	while (calls--)
		syscall(SYS_getppid);
	if (badfd)
		for (i = 0; i < sizeof(badfd_calls) / sizeof(badfd_calls[0]); i++)
			syscall(badfd_calls[i], -1L, 0L, 0L, 0L);
	_exit(0);
}

int main(int argc, char **argv)
{
	int children, badfd, i, status, failed = 0;
	long calls;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: fork_many CHILDREN CALLS [badfd]\n");
		return 2;
	}
	children = atoi(argv[1]);
	calls = atol(argv[2]);
	badfd = argc > 3 && !strcmp(argv[3], "badfd");

	for (i = 0; i < children; i++) {
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			child_main(calls, badfd);
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	return failed ? 1 : 0;
}
