// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>

#include "syscalls.h"
#include "util.h"

/* Generated from the kernel's UAPI headers (user/gen_syscall_names.sh). */
extern const char *const syscall_names_64[];
extern const unsigned int syscall_names_64_count;
extern const char *const syscall_names_32[];
extern const unsigned int syscall_names_32_count;

/*
 * strace's system call classes, by name, for both tables. A call is in a
 * class when it takes what the class is named after: a file name (file), a
 * file descriptor (desc), a socket (network), or when it manages processes,
 * memory mappings, signals or System V IPC.
 */
struct syscall_class {
	const char *name;
	const char *members;	/* space-separated, with spaces at both ends */
};

static const struct syscall_class classes[] = {
	{ "file", " open openat openat2 creat stat lstat stat64 lstat64 oldstat oldlstat "
		  "newfstatat fstatat64 statx statfs statfs64 access faccessat faccessat2 "
		  "execve execveat truncate truncate64 chdir chroot rename renameat renameat2 "
		  "mkdir mkdirat rmdir link linkat unlink unlinkat symlink symlinkat readlink "
		  "readlinkat chmod fchmodat fchmodat2 chown chown32 lchown lchown32 fchownat "
		  "utime utimes futimesat utimensat utimensat_time64 mknod mknodat mount umount "
		  "umount2 swapon swapoff pivot_root acct setxattr lsetxattr getxattr lgetxattr "
		  "listxattr llistxattr removexattr lremovexattr setxattrat getxattrat "
		  "listxattrat removexattrat uselib quotactl inotify_add_watch fanotify_mark "
		  "name_to_handle_at open_tree open_tree_attr move_mount fspick mount_setattr "
		  "file_getattr file_setattr " },
	{ "desc", " read write open close fstat fstat64 oldfstat poll ppoll ppoll_time64 lseek "
		  "_llseek mmap mmap2 old_mmap ioctl pread64 pwrite64 readv writev preadv "
		  "pwritev preadv2 pwritev2 pipe pipe2 select _newselect pselect6 "
		  "pselect6_time64 dup dup2 dup3 sendfile sendfile64 fcntl fcntl64 flock fsync "
		  "fdatasync ftruncate ftruncate64 readdir getdents getdents64 fchdir fchmod "
		  "fchown fchown32 fstatfs fstatfs64 readahead fsetxattr fgetxattr flistxattr "
		  "fremovexattr epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait "
		  "epoll_pwait2 fadvise64 fadvise64_64 timerfd_create timerfd_settime "
		  "timerfd_gettime timerfd_settime64 timerfd_gettime64 eventfd eventfd2 "
		  "signalfd signalfd4 inotify_init inotify_init1 inotify_add_watch "
		  "inotify_rm_watch openat openat2 creat mkdirat mknodat fchownat futimesat "
		  "newfstatat fstatat64 unlinkat renameat renameat2 linkat symlinkat readlinkat "
		  "fchmodat fchmodat2 faccessat faccessat2 splice tee vmsplice sync_file_range "
		  "utimensat utimensat_time64 fallocate perf_event_open fanotify_init "
		  "fanotify_mark name_to_handle_at open_by_handle_at syncfs setns memfd_create "
		  "bpf execveat copy_file_range statx io_uring_setup io_uring_enter "
		  "io_uring_register pidfd_open pidfd_getfd pidfd_send_signal open_tree "
		  "move_mount fsopen fsconfig fsmount fspick close_range process_madvise "
		  "mount_setattr quotactl_fd landlock_create_ruleset landlock_add_rule "
		  "landlock_restrict_self memfd_secret cachestat mseal " },
	{ "network", " socket socketpair bind listen accept accept4 connect getsockname "
		     "getpeername sendto recvfrom send recv sendmsg recvmsg sendmmsg recvmmsg "
		     "recvmmsg_time64 shutdown setsockopt getsockopt socketcall " },
	{ "process", " clone clone3 fork vfork execve execveat exit exit_group wait4 waitpid "
		     "waitid kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo "
		     "pidfd_send_signal pidfd_open unshare " },
	{ "memory", " brk mmap mmap2 old_mmap munmap mremap mprotect pkey_mprotect madvise "
		    "process_madvise mlock mlock2 munlock mlockall munlockall mincore msync "
		    "remap_file_pages mbind get_mempolicy set_mempolicy "
		    "set_mempolicy_home_node migrate_pages move_pages shmat shmdt mseal "
		    "map_shadow_stack " },
	{ "signal", " signal sigaction rt_sigaction sigprocmask rt_sigprocmask sigpending "
		    "rt_sigpending sigsuspend rt_sigsuspend sigreturn rt_sigreturn sigaltstack "
		    "rt_sigtimedwait rt_sigtimedwait_time64 rt_sigqueueinfo rt_tgsigqueueinfo "
		    "kill tkill tgkill pause signalfd signalfd4 pidfd_send_signal sgetmask "
		    "ssetmask " },
	{ "ipc", " ipc msgget msgsnd msgrcv msgctl semget semop semtimedop "
		 "semtimedop_time64 semctl shmget shmat shmdt shmctl " },
};

static const char *const *table_names(enum syscall_table table, unsigned int *count)
{
	if (table == SYSCALL_TABLE_32) {
		*count = syscall_names_32_count;
		return syscall_names_32;
	}
	*count = syscall_names_64_count;
	return syscall_names_64;
}

const char *syscall_name(enum syscall_table table, unsigned int nr)
{
	const char *const *names;
	unsigned int count;

	names = table_names(table, &count);
	return nr < count ? names[nr] : NULL;
}

const char *syscall_name_or_number(enum syscall_table table, unsigned int nr, char *buf,
				   size_t size)
{
	const char *name = syscall_name(table, nr);

	if (name)
		return name;
	snprintf(buf, size, "syscall_%u", nr);
	return buf;
}

int syscall_number(enum syscall_table table, const char *name)
{
	const char *const *names;
	unsigned int count, nr;

	names = table_names(table, &count);
	for (nr = 0; nr < count; nr++)
		if (names[nr] && !strcmp(names[nr], name))
			return nr;
	/* "syscall_NNN" names a number the table has no name for. */
	if (!strncmp(name, "syscall_", 8) && sscanf(name + 8, "%u", &nr) == 1)
		return nr;
	return -1;
}

unsigned int syscall_table_size(enum syscall_table table)
{
	unsigned int count;

	table_names(table, &count);
	return count;
}

static const struct syscall_class *find_class(const char *class_name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(classes); i++)
		if (!strcmp(classes[i].name, class_name))
			return &classes[i];
	return NULL;
}

bool syscall_class_exists(const char *class_name)
{
	return find_class(class_name) != NULL;
}

bool syscall_in_class(const char *class_name, const char *syscall)
{
	const struct syscall_class *class = find_class(class_name);
	char word[64];

	if (!class || snprintf(word, sizeof(word), " %s ", syscall) >= (int)sizeof(word))
		return false;
	return strstr(class->members, word) != NULL;
}
