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

/*
 * Finds a command like a shell does: a name with a slash is a path, others
 * are searched on PATH. Searching here, not in the child, gives the traced
 * command a single execve, as strace shows it.
 */
static int find_command_path(const char *name, char *path, size_t size)
{
	const char *search = getenv("PATH"), *start, *end;
	int err = ENOENT;

	if (strchr(name, '/')) {
		snprintf(path, size, "%s", name);
		return 0;
	}
	if (!search)
		search = "/usr/local/bin:/usr/bin:/bin";
	for (start = search; ; start = end + 1) {
		end = strchrnul(start, ':');
		snprintf(path, size, "%.*s%s%s", (int)(end - start), start,
			 end > start ? "/" : "./", name);
		if (!access(path, X_OK))
			return 0;
		if (errno == EACCES && !access(path, F_OK))
			err = EACCES;
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

bool target_is_alive(pid_t tgid)
{
	char path[64], text[512], *state;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0)
		return false;
	text[len] = '\0';

	/* The state follows the command name, which is in parentheses and may hold any byte. */
	state = strrchr(text, ')');
	if (!state || state[1] != ' ')
		return false;
	return state[2] != 'Z' && state[2] != 'X';
}
