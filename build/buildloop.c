// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The build loop and `uniscope build`: match, generate, configure, then run
 * make until the image links, writing stubs for undefined symbols between
 * rounds.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buildloop.h"
#include "commands.h"
#include "generate.h"
#include "log.h"
#include "match.h"
#include "stubs.h"
#include "util.h"



int run_logged(char *const argv[], const char *cwd, const char *log_path)
{
	int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int status;
	pid_t pid;

	if (fd < 0) {
		log_errno(LOG_ERROR, errno, "cannot open build log %s", log_path);
		return -1;
	}
	dprintf(fd, "\n### uniscope: running %s %s in %s\n", argv[0], argv[1] ? argv[1] : "",
		cwd);
	pid = fork();
	if (pid < 0) {
		log_errno(LOG_ERROR, errno, "cannot fork to run %s", argv[0]);
		close(fd);
		return -1;
	}
	if (!pid) {
		/* No input: a Kconfig prompt then fails instead of waiting. */
		int null_fd = open("/dev/null", O_RDONLY);

		if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || chdir(cwd) ||
		    dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(fd, "uniscope: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *read_log_from(const char *path, long offset)
{
	FILE *file = fopen(path, "r");
	char *text = NULL;
	size_t size = 0;

	if (!file)
		return strdup("");
	fseek(file, offset, SEEK_SET);
	if (getdelim(&text, &size, '\0', file) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(file);
	return text;
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (long)st.st_size;
}

/* Finds the image in APP/build: the largest executable without a "." in its name. */
static void find_image(const char *app_dir, json_t *summary)
{
	char build_dir[PATH_MAX], best[PATH_MAX * 2] = "";
	struct dirent *entry;
	off_t best_size = -1;
	DIR *folder;

	snprintf(build_dir, sizeof(build_dir), "%s/build", app_dir);
	folder = opendir(build_dir);
	if (!folder)
		return;
	while ((entry = readdir(folder))) {
		char path[PATH_MAX * 2];
		struct stat st;

		if (strchr(entry->d_name, '.') || entry->d_type != DT_REG)
			continue;
		snprintf(path, sizeof(path), "%s/%s", build_dir, entry->d_name);
		if (stat(path, &st) || !(st.st_mode & S_IXUSR) || st.st_size <= best_size)
			continue;
		best_size = st.st_size;
		snprintf(best, sizeof(best), "%s", path);
	}
	closedir(folder);
	if (*best)
		json_object_set_new(summary, "image", json_string(best));
	if (*best)
		json_object_set_new(summary, "image_size", json_integer(best_size));
}

/* Runs one make; returns its status and parses the round's log. */
static int build_round(const struct build_loop *loop, json_t *undefined, json_t *errors)
{
	char jobs[32];
	char *argv[] = { "make", jobs, NULL };
	long offset = file_size(loop->log_path);
	char *log;
	int status;

	snprintf(jobs, sizeof(jobs), "-j%d", loop->jobs);
	status = run_logged(argv, loop->app_dir, loop->log_path);
	log = read_log_from(loop->log_path, offset);
	stubs_parse_log(log, undefined, errors);
	free(log);
	return status;
}

static void report_compile_errors(json_t *errors)
{
	json_t *error;
	size_t i;

	json_array_foreach(errors, i, error)
		p_err("%s:%lld: %s", json_string_value(json_object_get(error, "file")),
		      json_integer_value(json_object_get(error, "line")),
		      json_string_value(json_object_get(error, "message")));
}

/* Returns the keys of a JSON object used as a set, as an array. */
static json_t *names_of(json_t *set)
{
	json_t *names = json_array(), *value;
	const char *name;

	json_object_foreach(set, name, value)
		json_array_append_new(names, json_string(name));
	return names;
}

json_t *build_loop_run(const struct build_loop *loop)
{
	json_t *stubbed = json_object(), *errors = json_array(), *undefined = json_object();
	json_t *summary = json_object();
	char stubs_path[PATH_MAX * 2];
	int round, status = -1;

	snprintf(stubs_path, sizeof(stubs_path), "%s/%s", loop->app_dir, APP_STUBS);
	for (round = 1; round <= loop->max_rounds; round++) {
		const char *name;
		json_t *value;
		size_t added = 0;
		int err;

		json_object_clear(undefined);
		json_array_clear(errors);
		p_info("build round %d: make in %s (log %s)", round, loop->app_dir, loop->log_path);
		status = build_round(loop, undefined, errors);
		if (!status)
			break;
		if (json_array_size(errors)) {
			report_compile_errors(errors);
			break;
		}
		json_object_foreach(undefined, name, value)
			if (!json_object_get(stubbed, name)) {
				json_object_set_new(stubbed, name, json_true());
				added++;
			}
		if (!added) {
			p_err("make failed (status %d) and no new undefined symbol to stub: see %s",
			      status, loop->log_path);
			break;
		}
		p_info("stubbing %zu undefined symbols", added);
		err = stubs_write(stubs_path, stubbed, loop->header_dirs, NULL);
		if (err) {
			log_errno(LOG_ERROR, -err, "cannot write %s", stubs_path);
			break;
		}
	}
	if (round > loop->max_rounds)
		p_err("the link still fails after %d rounds: see %s", loop->max_rounds,
		      loop->log_path);

	json_object_set_new(summary, "success", json_boolean(status == 0));
	json_object_set_new(summary, "rounds", json_integer(round > loop->max_rounds ?
							     loop->max_rounds : round));
	json_object_set_new(summary, "stubs", names_of(stubbed));
	json_object_set_new(summary, "compile_errors", errors);
	json_object_set_new(summary, "undefined", status ? names_of(undefined) : json_array());
	json_object_set_new(summary, "log", json_string(loop->log_path));
	if (!status)
		find_image(loop->app_dir, summary);
	json_decref(stubbed);
	json_decref(undefined);
	return summary;
}
