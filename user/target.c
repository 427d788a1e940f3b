// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "target.h"

static void run_child(const char *path, char **argv, int gate_fd, int exec_error_fd)
{
	ssize_t got;
	char go;
	int err;

	/* Wait until the tracer has armed its probes; EOF means it gave up. */
	do {
		got = read(gate_fd, &go, 1);
	} while (got < 0 && errno == EINTR);
	if (got != 1)
		_exit(127);
	close(gate_fd);

	execv(path, argv);
	err = errno;
	if (write(exec_error_fd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(err == ENOENT ? 127 : 126);
}

static bool is_directory(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/*
 * Finds a command like a shell does: a name with a slash is a path, others
 * are searched on PATH. Searching here, not in the child, gives the traced
 * command a single execve, as strace shows it.
 */
static int find_command_path(const char *name, char *path, size_t size)
{
	const char *search = getenv("PATH"), *start, *end;
	int err = ENOENT;

	/* As in bash: an empty name is not found, and a directory is not a command. */
	if (!name[0])
		return ENOENT;
	if (strchr(name, '/')) {
		snprintf(path, size, "%s", name);
		return is_directory(path) ? EISDIR : 0;
	}
	if (!search)
		search = "/usr/local/bin:/usr/bin:/bin";
	for (start = search; ; start = end + 1) {
		end = strchrnul(start, ':');
		snprintf(path, size, "%.*s%s%s", (int)(end - start), start,
			 end > start ? "/" : "./", name);
		if (!access(path, X_OK)) {
			if (!is_directory(path))
				return 0;
		} else if (errno == EACCES && !access(path, F_OK)) {
			err = EACCES;
		}
		if (!*end)
			break;
	}
	return err;
}

static void close_pair(int pair[2])
{
	if (pair[0] >= 0)
		close(pair[0]);
	if (pair[1] >= 0)
		close(pair[1]);
}

int launch_prepare(char **argv, unsigned int flags, struct launched_command *command)
{
	int gate[2] = { -1, -1 }, exec_error[2] = { -1, -1 };
	int input[2] = { -1, -1 }, output[2] = { -1, -1 }, err;
	char path[PATH_MAX];
	pid_t pid;

	err = find_command_path(argv[0], path, sizeof(path));
	if (err) {
		memset(command, 0, sizeof(*command));
		command->gate_fd = command->exec_error_fd = -1;
		command->stdin_fd = command->output_fd = -1;
		return err;
	}

	if (((flags & LAUNCH_PIPE_STDIN) && pipe2(input, O_CLOEXEC)) ||
	    ((flags & LAUNCH_PIPE_OUTPUT) && pipe2(output, O_CLOEXEC)) ||
	    pipe2(gate, O_CLOEXEC) || pipe2(exec_error, O_CLOEXEC) || (pid = fork()) < 0) {
		err = errno;
		close_pair(input);
		close_pair(output);
		close_pair(gate);
		close_pair(exec_error);
		return err;
	}
	if (pid == 0) {
		close(gate[1]);
		close(exec_error[0]);
		if (input[0] >= 0 && dup2(input[0], STDIN_FILENO) < 0)
			_exit(127);
		if (output[1] >= 0 && (dup2(output[1], STDOUT_FILENO) < 0 ||
				       dup2(output[1], STDERR_FILENO) < 0))
			_exit(127);
		run_child(path, argv, gate[0], exec_error[1]);
	}

	close(gate[0]);
	close(exec_error[1]);
	memset(command, 0, sizeof(*command));
	command->pid = pid;
	command->gate_fd = gate[1];
	command->exec_error_fd = exec_error[0];
	command->stdin_fd = input[1];
	command->output_fd = output[0];
	if (input[0] >= 0)
		close(input[0]);
	if (output[1] >= 0)
		close(output[1]);
	return 0;
}

int launch_release(struct launched_command *command)
{
	ssize_t got;
	int err = 0;

	if (write(command->gate_fd, "g", 1) != 1)
		err = errno;
	close(command->gate_fd);
	command->gate_fd = -1;
	if (err)
		return err;

	do {
		got = read(command->exec_error_fd, &err, sizeof(err));
	} while (got < 0 && errno == EINTR);
	close(command->exec_error_fd);
	command->exec_error_fd = -1;
	return got == sizeof(err) ? err : 0;
}

bool launch_poll(struct launched_command *command)
{
	int status;
	pid_t pid;

	/* Orphaned descendants are reparented to the tracer (a subreaper): reap them too. */
	while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
		if (pid == command->pid) {
			command->reaped = true;
			command->wait_status = status;
		}
	}
	if (pid < 0 && errno == ECHILD && !command->reaped) {
		command->reaped = true;
		command->wait_status = 0;
	}
	return command->reaped;
}

int wait_status_to_exit_code(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return 1;
}

/* The flag of a kernel thread in /proc/PID/stat, from include/linux/sched.h. */
#define PF_KTHREAD 0x00200000

/*
 * Reads the state, parent and flags of a task from its /proc stat file.
 * Returns 0, or -1 when the task is gone.
 */
static int read_task_stat(const char *path, char *state, pid_t *ppid, unsigned int *flags)
{
	char text[1024], *after_comm;
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	text[len] = '\0';

	/* The fields follow the command name, which is in parentheses and may hold any byte. */
	after_comm = strrchr(text, ')');
	if (!after_comm ||
	    sscanf(after_comm + 1, " %c %d %*d %*d %*d %*d %u", state, ppid, flags) != 3)
		return -1;
	return 0;
}

static bool is_kernel_thread(pid_t tgid)
{
	unsigned int flags;
	char path[64], state;
	pid_t ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", tgid);
	return !read_task_stat(path, &state, &ppid, &flags) && (flags & PF_KTHREAD);
}

static void read_comm(pid_t tgid, char *comm, size_t size)
{
	char path[64];
	ssize_t len;
	int fd;

	comm[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	len = read(fd, comm, size - 1);
	close(fd);
	if (len <= 0)
		return;
	comm[len] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

/*
 * Reads the executable of a process through one of its threads, for a leader
 * that has exited (its own exe link is gone). Returns readlink's result.
 */
static ssize_t read_thread_exe(pid_t tgid, char *exe, size_t size)
{
	struct dirent *entry;
	ssize_t len = -1;
	char path[64];
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while (len <= 0 && (entry = readdir(dir))) {
		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/exe", tgid, entry->d_name);
		len = readlink(path, exe, size - 1);
	}
	closedir(dir);
	return len;
}

void target_read_identity(pid_t tgid, struct target_identity *identity)
{
	unsigned int flags;
	char path[64], state;
	ssize_t len;

	memset(identity, 0, sizeof(*identity));
	read_comm(tgid, identity->comm, sizeof(identity->comm));

	snprintf(path, sizeof(path), "/proc/%d/exe", tgid);
	len = readlink(path, identity->exe, sizeof(identity->exe) - 1);
	if (len <= 0)
		len = read_thread_exe(tgid, identity->exe, sizeof(identity->exe));
	identity->exe[len > 0 ? len : 0] = '\0';

	snprintf(path, sizeof(path), "/proc/%d/stat", tgid);
	if (read_task_stat(path, &state, &identity->ppid, &flags))
		identity->ppid = 0;
}

pid_t target_resolve_pid(pid_t pid)
{
	char path[64], line[256];
	pid_t tgid = -1;
	FILE *status;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	status = fopen(path, "re");
	if (!status) {
		if (errno == ENOENT)
			p_err("process %d not found: check the PID with 'ps -p %d'", pid, pid);
		else
			log_errno(LOG_ERROR, errno, "cannot read '%s'", path);
		return -1;
	}
	while (fgets(line, sizeof(line), status))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(status);

	if (tgid <= 0) {
		p_err("cannot find the Tgid of process %d in '%s'", pid, path);
		return -1;
	}
	if (is_kernel_thread(tgid)) {
		char comm[64];

		read_comm(tgid, comm, sizeof(comm));
		p_err("process %d (%s) is a kernel thread: it makes no system calls, "
		      "so give the PID of a user-space process", pid, comm);
		return -1;
	}
	if (!target_is_alive(tgid)) {
		p_err("process %d has already exited (it is a zombie)", pid);
		return -1;
	}
	return tgid;
}

unsigned int target_thread_count(pid_t tgid)
{
	unsigned int count = 0;
	struct dirent *entry;
	char path[64];
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((entry = readdir(dir)))
		if (entry->d_name[0] != '.')
			count++;
	closedir(dir);
	return count;
}

/* Whether a thread other than the leader of a process still runs. */
static bool other_thread_alive(pid_t tgid)
{
	unsigned int flags;
	struct dirent *entry;
	char path[64], state;
	bool alive = false;
	pid_t ppid;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!alive && (entry = readdir(dir))) {
		if (entry->d_name[0] == '.' || atoi(entry->d_name) == tgid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat", tgid, entry->d_name);
		alive = !read_task_stat(path, &state, &ppid, &flags) &&
			state != 'Z' && state != 'X';
	}
	closedir(dir);
	return alive;
}

bool target_is_alive(pid_t tgid)
{
	unsigned int flags;
	char path[64], state;
	pid_t ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", tgid);
	if (read_task_stat(path, &state, &ppid, &flags))
		return false;
	if (state != 'Z' && state != 'X')
		return true;
	/* A leader that called pthread_exit() is a zombie while its other threads run. */
	return other_thread_alive(tgid);
}
