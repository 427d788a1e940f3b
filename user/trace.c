// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `uniscope trace`: counts and times the system calls of a command it
 * launches or of running processes, following their threads and children,
 * and reports a per-syscall summary like `strace -c` with latency
 * percentiles, off-CPU time, process statistics and io_uring requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_env.h"
#include "commands.h"
#include "log.h"
#include "perf_faults.h"
#include "syscalls.h"
#include "target.h"
#include "tracer.h"
#include "trace.skel.h"
#include "util.h"


enum {
	OPT_NO_FOLLOW = 256,
	OPT_PER_PROCESS,
	OPT_PER_THREAD,
	OPT_ERRORS,
	OPT_HISTOGRAM,
	OPT_JSON,
	OPT_NO_LATENCY,
};

static const struct option trace_long_options[] = {
	{ "summary", no_argument, NULL, 'c' },
	{ "pid", required_argument, NULL, 'p' },
	{ "duration", required_argument, NULL, 'd' },
	{ "follow", no_argument, NULL, 'f' },
	{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
	{ "sort", required_argument, NULL, 'S' },
	{ "per-process", no_argument, NULL, OPT_PER_PROCESS },
	{ "per-thread", no_argument, NULL, OPT_PER_THREAD },
	{ "errors", no_argument, NULL, OPT_ERRORS },
	{ "histogram", no_argument, NULL, OPT_HISTOGRAM },
	{ "expr", required_argument, NULL, 'e' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "output", required_argument, NULL, 'o' },
	{ "no-latency", no_argument, NULL, OPT_NO_LATENCY },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static void print_trace_help(FILE *out)
{
	fprintf(out,
"Usage: uniscope trace [OPTIONS] -- COMMAND [ARGS...]\n"
"       uniscope trace [OPTIONS] -p PID[,PID...]\n"
"\n"
"Counts and times every system call of COMMAND, or of running processes,\n"
"with their threads and children, using BPF (no ptrace). The report is a\n"
"summary table like 'strace -c', printed on stderr when tracing ends: when\n"
"the traced processes have all exited, after -d, or on Ctrl-C or SIGTERM.\n"
"\n"
"Targets:\n"
"  -p, --pid PID[,PID...]  trace running processes (all their threads)\n"
"  -d, --duration SECONDS  stop after SECONDS (fractions allowed, at most 10000000)\n"
"  -f, --follow            follow forks, threads and exec (the default)\n"
"      --no-follow         trace only the named processes, not their children\n"
"\n"
"Report:\n"
"  -c, --summary           print the summary table (always on; as strace -c)\n"
"  -S, --sort KEY          sort rows by time (default), calls, name or errors\n"
"      --per-process       one table per process\n"
"      --per-thread        one table per thread\n"
"      --errors            list the errno names of failed calls per syscall\n"
"      --histogram         print a log2 latency histogram (ns) per syscall\n"
"  -e, --expr trace=SET    report only SET: syscall names and classes %%file,\n"
"                          %%network, %%process, %%memory, %%signal, %%ipc, %%desc,\n"
"                          comma-separated; a leading ! excludes them;\n"
"                          trace=all and trace=none select every call or none\n"
"      --json              print the report as JSON on stdout instead\n"
"  -o, --output FILE       write the report to FILE (JSON when FILE ends in\n"
"                          .json; the table then still goes to stderr)\n"
"      --no-latency        count calls and errors only, with less overhead\n"
"\n"
"Exit status: that of COMMAND (127 when it is not found), else 0; 1 when\n"
"tracing fails, 2 on a usage error.\n"
"\n"
"Examples:\n"
"  # Where does 'ls' spend its time in the kernel?\n"
"  uniscope trace -- ls -l /usr\n"
"  # A running server, for 10 seconds, per thread, with errno names\n"
"  uniscope trace -p 1234 -d 10 --per-thread --errors\n"
"  # File system calls of a build, as JSON\n"
"  uniscope trace -e trace=%%file -o build.json -- make\n");
}

static bool has_pid(const struct trace_options *options, pid_t pid)
{
	int i;

	for (i = 0; i < options->pid_count; i++)
		if (options->pids[i] == pid)
			return true;
	return false;
}

static int parse_pid_list(char *list, struct trace_options *options)
{
	char *token, *save = NULL;
	unsigned long pid;

	/* strtok_r() would skip the empty entries of "1,", ",1" and "1,,2". */
	if (list[0] == ',' || (list[0] && list[strlen(list) - 1] == ',') || strstr(list, ",,")) {
		p_err("invalid PID list '%s' for -p: give PIDs separated by single commas, "
		      "such as -p 1234,5678", list);
		return -1;
	}
	for (token = strtok_r(list, ",", &save); token; token = strtok_r(NULL, ",", &save)) {
		if (parse_ulong(token, "-p", 1, 4194304, &pid))
			return -1;
		if (has_pid(options, pid))
			continue;
		if (options->pid_count == MAX_TARGET_PIDS) {
			p_err("too many PIDs for -p: at most %d", MAX_TARGET_PIDS);
			return -1;
		}
		options->pids[options->pid_count++] = pid;
	}
	if (!options->pid_count) {
		p_err("missing PID for -p: give one or more, such as -p 1234,5678");
		return -1;
	}
	return 0;
}

static int parse_sort(const char *key, struct trace_options *options)
{
	static const char *const keys[] = { "time", "calls", "name", "errors" };
	static const enum sort_order orders[] = { SORT_TIME, SORT_CALLS, SORT_NAME, SORT_ERRORS };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (!strcmp(key, keys[i])) {
			options->sort = orders[i];
			return 0;
		}
	}
	p_err("invalid sort key '%s' for -S: use time, calls, name or errors", key);
	return -1;
}

static int check_filter_name(const char *name)
{
	const char *names[1024], *suggestion;
	unsigned int nr, count = 0;

	if (name[0] == '%') {
		if (syscall_class_exists(name + 1))
			return 0;
		p_err("unknown syscall class '%s' in -e trace=: use %%file, %%network, %%process, "
		      "%%memory, %%signal, %%ipc or %%desc", name);
		return -1;
	}
	if (syscall_number(SYSCALL_TABLE_64, name) >= 0 ||
	    syscall_number(SYSCALL_TABLE_32, name) >= 0)
		return 0;

	for (nr = 0; nr < syscall_table_size(SYSCALL_TABLE_64) && count < ARRAY_SIZE(names); nr++)
		if (syscall_name(SYSCALL_TABLE_64, nr))
			names[count++] = syscall_name(SYSCALL_TABLE_64, nr);
	suggestion = closest_name(name, names, count);
	if (suggestion)
		p_err("unknown system call '%s' in -e trace=: did you mean '%s'?", name, suggestion);
	else
		p_err("unknown system call '%s' in -e trace=: see syscalls(2) for the names", name);
	return -1;
}

/* Appends a name to the -e filter. Returns 0 or -1 when out of memory. */
static int add_filter_name(struct trace_options *options, char *name)
{
	char **names;

	names = realloc(options->filter_names, (options->filter_count + 1) * sizeof(*names));
	if (!names) {
		p_err("out of memory for the -e filter");
		return -1;
	}
	options->filter_names = names;
	names[options->filter_count++] = name;
	return 0;
}

/*
 * Turns "all" and "none" into the filter form: no names selects every call,
 * and a single empty name, which no call matches, selects none. "all" wins
 * over the names beside it, and "none" beside names adds nothing.
 */
static int finish_filter(struct trace_options *options, bool all, bool none)
{
	static char match_nothing[] = "";
	bool negated = options->filter_negated, select_all, select_none;

	select_all = all && !negated;
	select_none = (all && negated) || (none && !negated && !options->filter_count);
	if (!select_all && !select_none)
		return 0;
	options->filter_count = 0;
	options->filter_negated = false;
	return select_none ? add_filter_name(options, match_nothing) : 0;
}

static int parse_filter(char *expr, struct trace_options *options)
{
	char *set = expr, *token, *save = NULL, *end;
	bool all = false, none = false;

	if (!strncmp(expr, "trace=", 6))
		set = expr + 6;
	else if (strchr(expr, '=')) {
		p_err("unsupported expression '%s' for -e: only trace=SET is supported", expr);
		return -1;
	}
	/* As in strace, the last -e trace= replaces the earlier ones. */
	options->filter_count = 0;
	options->filter_negated = set[0] == '!';
	if (options->filter_negated)
		set++;

	for (token = strtok_r(set, ",", &save); token; token = strtok_r(NULL, ",", &save)) {
		/* Spaces around a name are allowed: "open, read". */
		token += strspn(token, " \t");
		end = token + strlen(token);
		while (end > token && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*token)
			continue;
		if (!strcmp(token, "all")) {
			all = true;
			continue;
		}
		if (!strcmp(token, "none")) {
			none = true;
			continue;
		}
		if (check_filter_name(token) || add_filter_name(options, token))
			return -1;
	}
	if (!options->filter_count && !all && !none) {
		p_err("empty set in -e '%s': name system calls or classes, such as "
		      "trace=openat,%%network, or use trace=all or trace=none", expr);
		return -1;
	}
	return finish_filter(options, all, none);
}

static int parse_trace_option(int opt, struct trace_options *options)
{
	switch (opt) {
	case 'c':
		options->summary = true;
		return 0;
	case 'p':
		return parse_pid_list(optarg, options);
	case 'd':
		return parse_seconds(optarg, "-d", &options->duration_ns);
	case 'f':
		options->follow = true;
		return 0;
	case OPT_NO_FOLLOW:
		options->follow = false;
		return 0;
	case 'S':
		return parse_sort(optarg, options);
	case OPT_PER_PROCESS:
		options->per_process = true;
		return 0;
	case OPT_PER_THREAD:
		options->per_thread = true;
		return 0;
	case OPT_ERRORS:
		options->list_errors = true;
		return 0;
	case OPT_HISTOGRAM:
		options->histogram = true;
		return 0;
	case 'e':
		return parse_filter(optarg, options);
	case OPT_JSON:
		options->json_stdout = true;
		return 0;
	case 'o':
		options->output_path = optarg;
		return 0;
	case OPT_NO_LATENCY:
		options->latency = false;
		return 0;
	default:
		return -1;
	}
}

#define TRACE_SHORT_OPTIONS "+:cp:d:fS:e:o:h"

/*
 * Writes the long options that start with prefix into out, comma-separated,
 * and returns their count.
 */
static size_t list_long_options(const char *prefix, size_t prefix_len, char *out, size_t size)
{
	const struct option *option;
	size_t count = 0, used = 0;

	out[0] = '\0';
	for (option = trace_long_options; option->name; option++) {
		if (strncmp(option->name, prefix, prefix_len))
			continue;
		if (used < size)
			used += snprintf(out + used, size - used, "%s--%s", count ? ", " : "",
					 option->name);
		count++;
	}
	return count;
}

/*
 * Reports an option error of getopt_long() in one line. getopt's own
 * message is off (opterr = 0) because it lacks the program's prefix.
 */
static void report_option_error(int opt, char **argv)
{
	const char *element = argv[optind - 1];
	char matches[256];
	size_t name_len;

	/* A long option reports itself; a short one may sit in a group like -cx. */
	bool is_long = !strncmp(element, "--", 2) &&
		       (opt == ':' || !optopt || optopt > 255 ||
			strchr(TRACE_SHORT_OPTIONS, optopt));

	if (!is_long) {
		if (opt == ':')
			p_err("missing argument for option '-%c': see 'uniscope trace --help'",
			      optopt);
		else
			p_err("unknown option '-%c': see 'uniscope trace --help'", optopt);
		return;
	}

	name_len = strcspn(element + 2, "=");
	if (opt == ':')
		p_err("missing argument for option '%.*s': see 'uniscope trace --help'",
		      (int)name_len + 2, element);
	else if (optopt)
		p_err("option '%.*s' takes no argument: drop '%s'", (int)name_len + 2, element,
		      element + 2 + name_len);
	else if (list_long_options(element + 2, name_len, matches, sizeof(matches)) > 1)
		p_err("ambiguous option '%.*s', which matches %s: give the whole name",
		      (int)name_len + 2, element,
		      matches);
	else
		p_err("unknown option '%.*s': see 'uniscope trace --help'", (int)name_len + 2,
		      element);
}

static int parse_trace_args(int argc, char **argv, struct trace_options *options)
{
	int opt;

	options->follow = true;
	options->latency = true;
	options->sort = SORT_TIME;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, TRACE_SHORT_OPTIONS, trace_long_options,
				  NULL)) != -1) {
		if (opt == 'h') {
			print_trace_help(stdout);
			return 1;
		}
		if (opt == '?' || opt == ':') {
			report_option_error(opt, argv);
			return -1;
		}
		if (parse_trace_option(opt, options))
			return -1;
	}

	if (optind < argc)
		options->command = argv + optind;
	if (!options->command && !options->pid_count) {
		p_err("nothing to trace: give a command after '--' or running processes with -p");
		return -1;
	}
	if (options->command && options->pid_count) {
		p_err("both -p and a command given: trace either a command or running processes");
		return -1;
	}
	if (options->per_process && options->per_thread) {
		p_err("--per-process and --per-thread exclude each other: choose one");
		return -1;
	}
	if (options->histogram && !options->latency) {
		p_err("--histogram needs latency, which --no-latency turns off: drop one of them");
		return -1;
	}
	return 0;
}

static int write_text_report(const char *path, const struct trace_data *data,
			     const struct trace_options *options)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int err;

	out = open_memstream(&text, &len);
	if (!out)
		return -errno;
	trace_print_report(out, data, options);
	fclose(out);
	err = write_file_atomic(path, text, len);
	free(text);
	return err;
}

/* Whether standard output was closed when uniscope started (see guard_standard_output()). */
static bool stdout_was_closed;

/* Writes JSON to stdout. Returns 0 or -errno, the first write error. */
static int write_json_stdout(const json_t *json)
{
	int failed;

	if (stdout_was_closed)
		return -EBADF;
	errno = 0;
	failed = json_dumpf(json, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	failed |= fputc('\n', stdout) == EOF;
	failed |= fflush(stdout) != 0;
	failed |= ferror(stdout);
	if (failed)
		return errno ? -errno : -EIO;
	return 0;
}

static int write_json_report(const char *path, const struct trace_data *data,
			     const struct trace_options *options)
{
	json_t *json;
	int err;

	json = trace_report_json(data, options);
	if (!json)
		return -ENOMEM;
	if (path)
		err = json_write_atomic(path, json);
	else
		err = write_json_stdout(json);
	json_decref(json);
	return err;
}

static bool is_json_path(const char *path)
{
	size_t len = path ? strlen(path) : 0;

	return len > 5 && !strcmp(path + len - 5, ".json");
}

/*
 * Writes the report to the places the options select: a table on stderr by
 * default, JSON on stdout with --json, and with -o a file (JSON for *.json).
 */
static int write_reports(const struct trace_data *data, const struct trace_options *options)
{
	const char *path = options->output_path;
	bool json_file = is_json_path(path) || (path && options->json_stdout);
	int err;

	if (!options->json_stdout)
		if (!path || json_file)
			trace_print_report(stderr, data, options);

	if (path && !json_file)
		err = write_text_report(path, data, options);
	else if (json_file || options->json_stdout)
		err = write_json_report(json_file ? path : NULL, data, options);
	else
		return 0;

	if (err && path)
		log_errno(LOG_ERROR, err, "cannot write the report to '%s'", path);
	else if (err)
		log_errno(LOG_ERROR, err, "cannot write the report to standard output");
	return err ? -1 : 0;
}

/*
 * Reads from /proc, at attach time, the name, executable and parent of the -p
 * targets, which no fork or exec event reports. Returns one entry per
 * target, or NULL when out of memory.
 */
static struct target_identity *read_pid_targets(const struct trace_options *options)
{
	struct target_identity *identities;
	int i;

	identities = calloc(options->pid_count, sizeof(*identities));
	if (!identities) {
		p_warn("out of memory: the -p targets are reported without name and parent");
		return NULL;
	}
	for (i = 0; i < options->pid_count; i++)
		target_read_identity(options->pids[i], &identities[i]);
	return identities;
}

/* Fills the fields of the -p targets' rows that the trace left empty. */
static void describe_pid_targets(struct trace_data *data, const struct trace_options *options,
				 const struct target_identity *identities)
{
	const struct target_identity *identity;
	struct proc_row *proc;
	int i;

	for (i = 0; identities && i < options->pid_count; i++) {
		proc = trace_data_proc(data, options->pids[i]);
		if (!proc)
			continue;
		identity = &identities[i];
		if (!proc->ppid)
			proc->ppid = identity->ppid;
		/* Cut to the row's sizes, as the kernel's exec events are. */
		if (!proc->comm[0])
			snprintf(proc->comm, sizeof(proc->comm), "%.*s",
				 (int)sizeof(proc->comm) - 1, identity->comm);
		if (!proc->exe[0])
			snprintf(proc->exe, sizeof(proc->exe), "%.*s",
				 (int)sizeof(proc->exe) - 1, identity->exe);
	}
}

/* Loads, attaches, runs and reports; returns the exit status. */
static int run_trace(struct tracer *tracer)
{
	struct target_identity *identities = NULL;
	int err;

	if (tracer_load(tracer))
		return EXIT_FAILURE_RUNTIME;
	err = tracer_start(tracer);
	if (err)
		return err > 0 ? err : EXIT_FAILURE_RUNTIME;
	/* tracer_start() has turned the -p values into the TGIDs of live processes. */
	if (!tracer->options->command)
		identities = read_pid_targets(tracer->options);
	tracer_run(tracer);

	/* Gathered data is always reported, whatever ended the trace. */
	err = tracer_collect(tracer);
	describe_pid_targets(&tracer->data, tracer->options, identities);
	free(identities);
	if (err)
		return EXIT_FAILURE_RUNTIME;
	if (write_reports(&tracer->data, tracer->options))
		return EXIT_FAILURE_RUNTIME;
	return tracer_exit_status(tracer);
}

/*
 * Puts /dev/null on a closed standard output, so that no file uniscope
 * opens takes descriptor 1 and receives the report. The descriptor is
 * close-on-exec, so the launched command still finds its stdout closed.
 */
static void guard_standard_output(void)
{
	int fd;

	if (fcntl(STDOUT_FILENO, F_GETFD) >= 0 || errno != EBADF)
		return;
	stdout_was_closed = true;
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && fd != STDOUT_FILENO) {
		dup3(fd, STDOUT_FILENO, O_CLOEXEC);
		close(fd);
	}
}

int cmd_trace(int argc, char **argv)
{
	struct trace_options options = {};
	struct tracer tracer;
	int status;

	tracer_init(&tracer, &options);
	status = parse_trace_args(argc, argv, &options);
	if (status)
		return status > 0 ? EXIT_OK : EXIT_USAGE;
	if (options.output_path) {
		int err = check_output_path(options.output_path);

		if (err) {
			p_err("cannot write the report to '%s': %s: give a file path in an "
			      "existing, writable folder", options.output_path, strerror(-err));
			return EXIT_FAILURE_RUNTIME;
		}
	}
	guard_standard_output();
	if (bpf_env_check())
		return EXIT_FAILURE_RUNTIME;

	tracer_install_signal_handlers();
	tracer_init(&tracer, &options);
	status = run_trace(&tracer);
	tracer_destroy(&tracer);
	free(options.filter_names);
	return status;
}
