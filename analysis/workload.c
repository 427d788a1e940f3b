// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "workload.h"

#define DEFAULT_READY_TIMEOUT 10.0
#define CONNECT_TIMEOUT_MS 5000
#define STOP_GRACE_MS 5000

static const char *const step_names[] = {
	[STEP_STDIN] = "stdin",
	[STEP_STDIN_FILE] = "stdin_file",
	[STEP_CLOSE_STDIN] = "close_stdin",
	[STEP_RUN] = "run",
	[STEP_CONNECT] = "connect",
	[STEP_WAIT] = "wait",
	[STEP_SIGNAL] = "signal",
};

static const struct {
	const char *name;
	int number;
} signal_names[] = {
	{ "TERM", SIGTERM }, { "INT", SIGINT }, { "HUP", SIGHUP }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "QUIT", SIGQUIT },
};

static int parse_signal(const char *name)
{
	size_t i;

	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (i = 0; i < ARRAY_SIZE(signal_names); i++)
		if (!strcmp(signal_names[i].name, name))
			return signal_names[i].number;
	return -1;
}

static char **parse_argv(const json_t *array)
{
	size_t count = json_array_size(array), i;
	char **argv;

	if (!count)
		return NULL;
	argv = calloc(count + 1, sizeof(*argv));
	for (i = 0; argv && i < count; i++) {
		const char *word = json_string_value(json_array_get(array, i));

		if (!word) {
			free(argv);
			return NULL;
		}
		argv[i] = strdup(word);
	}
	return argv;
}

static int parse_connect(const json_t *value, struct workload_step *step)
{
	json_t *port = json_object_get(value, "port");

	if (!json_is_object(value) || !json_is_integer(port) || json_integer_value(port) < 1 ||
	    json_integer_value(port) > 65535)
		return -1;
	step->port = json_integer_value(port);
	if (json_object_get(value, "send"))
		step->text = strdup(json_string_value(json_object_get(value, "send")) ?: "");
	if (json_object_get(value, "expect"))
		step->expect = strdup(json_string_value(json_object_get(value, "expect")) ?: "");
	step->repeat = json_integer_value(json_object_get(value, "repeat"));
	if (step->repeat <= 0)
		step->repeat = 1;
	return 0;
}

/* Parses one step object; returns 0, or -1 with the fault described in why. */
static int parse_step(const json_t *object, struct workload_step *step, const char **why)
{
	const char *key;
	json_t *value;
	size_t type;

	if (!json_is_object(object)) {
		*why = "a step must be an object such as {\"wait\": 1}";
		return -1;
	}
	for (type = 0; type < ARRAY_SIZE(step_names); type++)
		if (json_object_get(object, step_names[type]))
			break;
	if (type == ARRAY_SIZE(step_names)) {
		*why = "unknown step: use stdin, stdin_file, close_stdin, run, connect, wait or signal";
		return -1;
	}
	key = step_names[type];
	value = json_object_get(object, key);
	step->type = type;
	step->expect_status = -1;

	switch (step->type) {
	case STEP_STDIN:
	case STEP_STDIN_FILE:
		if (!json_is_string(value)) {
			*why = "expected a string";
			return -1;
		}
		step->text = strdup(json_string_value(value));
		return 0;
	case STEP_CLOSE_STDIN:
		return 0;
	case STEP_RUN:
		step->argv = parse_argv(value);
		if (!step->argv) {
			*why = "expected a non-empty array of strings, such as [\"curl\", \"URL\"]";
			return -1;
		}
		if (json_is_integer(json_object_get(object, "expect_status")))
			step->expect_status =
				json_integer_value(json_object_get(object, "expect_status"));
		return 0;
	case STEP_CONNECT:
		if (parse_connect(value, step)) {
			*why = "expected {\"port\": 1-65535, \"send\": TEXT, \"expect\": TEXT}";
			return -1;
		}
		return 0;
	case STEP_WAIT:
		step->seconds = json_number_value(value);
		if (!json_is_number(value) || step->seconds < 0 || step->seconds > 3600) {
			*why = "expected seconds from 0 to 3600";
			return -1;
		}
		return 0;
	case STEP_SIGNAL:
		step->signal = json_is_string(value) ? parse_signal(json_string_value(value)) : -1;
		if (step->signal < 0) {
			*why = "expected a signal name: TERM, INT, HUP, KILL, USR1, USR2 or QUIT";
			return -1;
		}
		return 0;
	}
	return -1;
}

static int parse_ready(const json_t *ready, struct workload *workload, const char *path)
{
	json_t *port = json_object_get(ready, "port");
	json_t *log = json_object_get(ready, "log");

	if (!ready)
		return 0;
	if (port && json_is_integer(port) && json_integer_value(port) > 0 &&
	    json_integer_value(port) < 65536)
		workload->ready_port = json_integer_value(port);
	else if (log && json_is_string(log))
		workload->ready_log = strdup(json_string_value(log));
	else {
		p_err("invalid \"ready\" in test file '%s': use {\"port\": N} or {\"log\": TEXT}",
		      path);
		return -1;
	}
	if (json_is_number(json_object_get(ready, "timeout")))
		workload->ready_timeout = json_number_value(json_object_get(ready, "timeout"));
	return 0;
}

int workload_read_file(const char *path, struct workload *workload)
{
	json_t *root, *steps, *step;
	json_error_t error;
	size_t i;

	root = json_load_file(path, 0, &error);
	if (!root) {
		p_err("invalid test file '%s': %s (line %d, column %d)", path, error.text,
		      error.line, error.column);
		return -1;
	}
	steps = json_is_array(root) ? root : json_object_get(root, "steps");
	if (!json_is_array(steps)) {
		p_err("invalid test file '%s': expected a list of steps, or an object with \"steps\"",
		      path);
		json_decref(root);
		return -1;
	}
	if (json_is_object(root)) {
		workload->server = json_is_true(json_object_get(root, "server"));
		if (parse_ready(json_object_get(root, "ready"), workload, path)) {
			json_decref(root);
			return -1;
		}
		if (workload->ready_port || workload->ready_log)
			workload->server = true;
	}

	workload->steps = calloc(json_array_size(steps) + 1, sizeof(*workload->steps));
	json_array_foreach(steps, i, step) {
		const char *why = NULL;

		if (parse_step(step, &workload->steps[i], &why)) {
			char *text = json_dumps(step, JSON_COMPACT | JSON_ENCODE_ANY);

			p_err("invalid step %zu in test file '%s': %s: %s", i + 1, path, why,
			      text ? text : "?");
			free(text);
			json_decref(root);
			return -1;
		}
		workload->count++;
	}
	json_decref(root);
	return 0;
}

bool workload_needs_stdin(const struct workload *workload)
{
	size_t i;

	if (workload->stdin_path)
		return true;
	for (i = 0; i < workload->count; i++)
		if (workload->steps[i].type <= STEP_CLOSE_STDIN)
			return true;
	return false;
}

bool workload_needs_output(const struct workload *workload)
{
	return workload->ready_log != NULL;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - start->tv_sec + (now.tv_nsec - start->tv_nsec) / 1e9;
}

static void sleep_seconds(double seconds)
{
	struct timespec pause = {
		.tv_sec = (time_t)seconds,
		.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9),
	};

	while (nanosleep(&pause, &pause) && errno == EINTR)
		;
}

static int write_text(int fd, const char *text, size_t len)
{
	while (len) {
		ssize_t written = write(fd, text, len);

		if (written < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		text += written;
		len -= written;
	}
	return 0;
}

static int copy_file_to(int fd, const char *path)
{
	char buf[65536];
	ssize_t got;
	int in, err = 0;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	while ((got = read(in, buf, sizeof(buf))) > 0 && !err)
		err = write_text(fd, buf, got);
	if (got < 0)
		err = -errno;
	close(in);
	return err;
}

static int connect_loopback(int port, int timeout_ms)
{
	struct sockaddr_in address = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&address, sizeof(address))) {
		int err = -errno;

		close(fd);
		return err;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
		   &(struct timeval){ .tv_sec = timeout_ms / 1000 }, sizeof(struct timeval));
	return fd;
}

/* One exchange: send, then read until the expected text or the end of the reply. */
static int exchange(const struct workload_step *step, char *error, size_t size)
{
	char reply[65536];
	size_t used = 0;
	ssize_t got;
	int fd, err;

	fd = connect_loopback(step->port, CONNECT_TIMEOUT_MS);
	if (fd < 0) {
		snprintf(error, size, "connecting to 127.0.0.1:%d failed: %s", step->port,
			 strerror(-fd));
		return -1;
	}
	err = step->text ? write_text(fd, step->text, strlen(step->text)) : 0;
	if (!err && step->expect) {
		while (used < sizeof(reply) - 1 &&
		       (got = read(fd, reply + used, sizeof(reply) - 1 - used)) > 0) {
			used += got;
			reply[used] = '\0';
			if (strstr(reply, step->expect))
				break;
		}
		reply[used] = '\0';
		if (!strstr(reply, step->expect)) {
			snprintf(error, size, "reply from 127.0.0.1:%d lacks the expected text '%s'",
				 step->port, step->expect);
			err = -1;
		}
	} else if (err) {
		snprintf(error, size, "sending to 127.0.0.1:%d failed: %s", step->port,
			 strerror(-err));
	}
	close(fd);
	return err ? -1 : 0;
}

static int run_client(const struct workload_step *step, char *error, size_t size)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		snprintf(error, size, "cannot start '%s': %s", step->argv[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, STDIN_FILENO);
		execvp(step->argv[0], step->argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		snprintf(error, size, "waiting for '%s' failed: %s", step->argv[0], strerror(errno));
		return -1;
	}
	if (step->expect_status >= 0 &&
	    (!WIFEXITED(status) || WEXITSTATUS(status) != step->expect_status)) {
		snprintf(error, size, "'%s' exited with status %d, expected %d", step->argv[0],
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			 step->expect_status);
		return -1;
	}
	return 0;
}

static int run_step(struct workload *workload, const struct workload_step *step)
{
	char *error = workload->error;
	size_t size = sizeof(workload->error);
	int err = 0, i;

	switch (step->type) {
	case STEP_STDIN:
	case STEP_STDIN_FILE:
		if (workload->stdin_fd < 0) {
			snprintf(error, size, "stdin of the program is already closed");
			return -1;
		}
		err = step->type == STEP_STDIN ?
			      write_text(workload->stdin_fd, step->text, strlen(step->text)) :
			      copy_file_to(workload->stdin_fd, step->text);
		if (err)
			snprintf(error, size, "writing to the program's stdin failed: %s",
				 strerror(-err));
		return err ? -1 : 0;
	case STEP_CLOSE_STDIN:
		if (workload->stdin_fd >= 0)
			close(workload->stdin_fd);
		workload->stdin_fd = -1;
		return 0;
	case STEP_RUN:
		return run_client(step, error, size);
	case STEP_CONNECT:
		for (i = 0; i < step->repeat; i++)
			if (exchange(step, error, size))
				return -1;
		return 0;
	case STEP_WAIT:
		sleep_seconds(step->seconds);
		return 0;
	case STEP_SIGNAL:
		return kill(workload->pid, step->signal) ? -1 : 0;
	}
	return 0;
}

/* Reads the program's output until the ready text shows, echoing it to stderr. */
static int wait_for_log(struct workload *workload, double timeout)
{
	struct timespec start;
	char text[8192];
	size_t used = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (seconds_since(&start) < timeout) {
		struct pollfd ready = { .fd = workload->output_fd, .events = POLLIN };
		ssize_t got;

		if (poll(&ready, 1, 100) <= 0)
			continue;
		got = read(workload->output_fd, text + used, sizeof(text) - 1 - used);
		if (got <= 0)
			return -1;
		write_text(STDERR_FILENO, text + used, got);
		used += got;
		text[used] = '\0';
		if (strstr(text, workload->ready_log))
			return 0;
		if (used > sizeof(text) / 2) {
			/* Keep the tail, in case the text straddles two reads. */
			memmove(text, text + used - 256, 256);
			used = 256;
		}
	}
	return -1;
}

static int wait_until_ready(struct workload *workload)
{
	double timeout = workload->ready_timeout > 0 ? workload->ready_timeout :
						       DEFAULT_READY_TIMEOUT;
	struct timespec start;
	int fd;

	if (workload->ready_log) {
		if (!wait_for_log(workload, timeout))
			return 0;
		snprintf(workload->error, sizeof(workload->error),
			 "the server never printed '%s' within %.1f s", workload->ready_log,
			 timeout);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (seconds_since(&start) < timeout) {
		fd = connect_loopback(workload->ready_port, 1000);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (kill(workload->pid, 0))
			break;
		sleep_seconds(0.05);
	}
	snprintf(workload->error, sizeof(workload->error),
		 "the server never accepted connections on 127.0.0.1:%d within %.1f s",
		 workload->ready_port, timeout);
	return -1;
}

/* Ends the program: SIGTERM, then SIGKILL after a grace period. */
static void stop_program(struct workload *workload)
{
	int waited;

	if (kill(workload->pid, SIGTERM))
		return;
	for (waited = 0; waited < STOP_GRACE_MS; waited += 20) {
		if (kill(workload->pid, 0))
			return;
		sleep_seconds(0.02);
	}
	p_warn("program %d ignored SIGTERM for %d ms: sending SIGKILL", workload->pid,
	       STOP_GRACE_MS);
	kill(workload->pid, SIGKILL);
}

static void drain_output(struct workload *workload)
{
	char text[4096];
	ssize_t got;

	if (workload->output_fd < 0)
		return;
	fcntl(workload->output_fd, F_SETFL, O_NONBLOCK);
	while ((got = read(workload->output_fd, text, sizeof(text))) > 0)
		write_text(STDERR_FILENO, text, got);
}

static void *run_workload(void *data)
{
	struct workload *workload = data;
	bool failed = false;
	size_t i;

	if (workload->server && (workload->ready_port || workload->ready_log))
		failed = wait_until_ready(workload) != 0;
	if (!failed && workload->stdin_path && copy_file_to(workload->stdin_fd, workload->stdin_path))
		snprintf(workload->error, sizeof(workload->error), "cannot feed '%s' to stdin",
			 workload->stdin_path);

	for (i = 0; i < workload->count && !failed && !workload->error[0]; i++) {
		int err = run_step(workload, &workload->steps[i]);

		json_array_append_new(workload->results,
				      json_pack("{s:i, s:s, s:b}", "step", (int)i + 1, "type",
						step_names[workload->steps[i].type], "ok", !err));
		failed = err != 0;
	}
	if (workload->wait_seconds > 0 && !failed)
		sleep_seconds(workload->wait_seconds);

	if (workload->stdin_fd >= 0) {
		close(workload->stdin_fd);
		workload->stdin_fd = -1;
	}
	if (workload->server || workload->wait_seconds > 0 || failed || workload->error[0])
		stop_program(workload);
	drain_output(workload);
	workload->finished = true;
	return NULL;
}

int workload_start(struct workload *workload, pid_t pid, int stdin_fd, int output_fd)
{
	int err;

	workload->pid = pid;
	workload->stdin_fd = stdin_fd;
	workload->output_fd = output_fd;
	workload->results = json_array();
	err = pthread_create(&workload->thread, NULL, run_workload, workload);
	if (err)
		return -err;
	workload->started = true;
	return 0;
}

void workload_join(struct workload *workload)
{
	if (workload->started)
		pthread_join(workload->thread, NULL);
	workload->started = false;
}

json_t *workload_report(const struct workload *workload)
{
	json_t *report = json_object();

	json_object_set_new(report, "steps", json_integer(workload->count));
	json_object_set_new(report, "server", json_boolean(workload->server));
	json_object_set(report, "results", workload->results ? workload->results : json_array());
	json_object_set_new(report, "error",
			    workload->error[0] ? json_string(workload->error) : json_null());
	return report;
}

void workload_free(struct workload *workload)
{
	size_t i;
	char **word;

	for (i = 0; i < workload->count; i++) {
		free(workload->steps[i].text);
		free(workload->steps[i].expect);
		for (word = workload->steps[i].argv; word && *word; word++)
			free(*word);
		free(workload->steps[i].argv);
	}
	free(workload->steps);
	free(workload->ready_log);
	json_decref(workload->results);
	if (workload->stdin_fd > 0)
		close(workload->stdin_fd);
	if (workload->output_fd > 0)
		close(workload->output_fd);
	memset(workload, 0, sizeof(*workload));
}
