// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `uniscope trace`: counts and times the system calls of a command it
 * launches or of running processes, following their threads and children,
 * and reports a per-syscall summary like `strace -c` with latency
 * percentiles, off-CPU time, process statistics and io_uring requests.
 */
#include <errno.h>
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

#define POLL_INTERVAL_MS 100
#define LIVENESS_CHECK_NS 500000000ull
/* After an interrupt, how long the launched command gets to exit on its own. */
#define INTERRUPT_GRACE_NS 2000000000ull

static volatile sig_atomic_t stop_signal;

static void handle_stop_signal(int sig)
{
	stop_signal = sig;
}

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
"  -d, --duration SECONDS  stop after SECONDS (fractions allowed)\n"
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
"                          comma-separated; a leading ! excludes them\n"
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

static int parse_pid_list(char *list, struct trace_options *options)
{
	char *token, *save = NULL;
	unsigned long pid;

	for (token = strtok_r(list, ",", &save); token; token = strtok_r(NULL, ",", &save)) {
		if (parse_ulong(token, "-p", 1, 4194304, &pid))
			return -1;
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

static int parse_filter(char *expr, struct trace_options *options)
{
	char *set = expr, *token, *save = NULL;

	if (!strncmp(expr, "trace=", 6))
		set = expr + 6;
	else if (strchr(expr, '=')) {
		p_err("unsupported expression '%s' for -e: only trace=SET is supported", expr);
		return -1;
	}
	if (set[0] == '!') {
		options->filter_negated = true;
		set++;
	}

	for (token = strtok_r(set, ",", &save); token; token = strtok_r(NULL, ",", &save)) {
		char **names;

		if (check_filter_name(token))
			return -1;
		names = realloc(options->filter_names,
				(options->filter_count + 1) * sizeof(*names));
		if (!names)
			return -1;
		options->filter_names = names;
		names[options->filter_count++] = token;
	}
	if (!options->filter_count) {
		p_err("empty set in -e '%s': name system calls or classes, such as trace=open,%%net",
		      expr);
		return -1;
	}
	return 0;
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

static int parse_trace_args(int argc, char **argv, struct trace_options *options)
{
	int opt;

	options->follow = true;
	options->latency = true;
	options->sort = SORT_TIME;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+cp:d:fS:e:o:h", trace_long_options, NULL)) != -1) {
		if (opt == 'h') {
			print_trace_help(stdout);
			return 1;
		}
		if (opt == '?') {
			p_err("invalid option: see 'uniscope trace --help'");
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

/* State of one trace run, from load to report. */
struct tracer {
	struct trace_options *options;
	struct trace_bpf *skel;
	struct ring_buffer *events;
	struct perf_faults faults;
	struct launched_command command;
	bool launched;
	int epoll_fd;
	int pidfd;		/* of the launched command, -1 without one */
	struct trace_data data;
	uint64_t created_ns;	/* when the command line was parsed */
	uint64_t start_ns;
};

static int handle_lifecycle_event(void *ctx, void *record, size_t size)
{
	const struct lifecycle_event *event = record;
	struct tracer *tracer = ctx;
	struct proc_row *proc;

	if (size < sizeof(*event))
		return 0;
	proc = trace_data_proc(&tracer->data, event->tgid);
	if (!proc)
		return 0;

	switch (event->type) {
	case EVENT_FORK:
		proc->ppid = event->ppid;
		snprintf(proc->comm, sizeof(proc->comm), "%s", event->comm);
		p_debug("process %u forked from %u", event->tgid, event->ppid);
		break;
	case EVENT_EXEC:
		snprintf(proc->comm, sizeof(proc->comm), "%s", event->comm);
		snprintf(proc->exe, sizeof(proc->exe), "%s", event->path);
		p_debug("process %u executed '%s'", event->tgid, event->path);
		break;
	case EVENT_EXIT:
		proc->exited = true;
		proc->exit_code = event->exit_code;
		proc->exit_known = true;
		p_debug("process %u exited", event->tgid);
		break;
	}
	return 0;
}

static void set_tunables(struct trace_bpf *skel, const struct trace_options *options)
{
	skel->rodata->targ_latency = options->latency;
	skel->rodata->targ_per_thread = options->per_thread;
	skel->rodata->targ_follow = options->follow;
	skel->rodata->targ_exit_nr = syscall_number(SYSCALL_TABLE_64, "exit");
	skel->rodata->targ_exit_group_nr = syscall_number(SYSCALL_TABLE_64, "exit_group");
	skel->rodata->targ_exit_nr_32 = syscall_number(SYSCALL_TABLE_32, "exit");
	skel->rodata->targ_exit_group_nr_32 = syscall_number(SYSCALL_TABLE_32, "exit_group");

	/* Counts-only mode reads the number at exit and needs no sys_enter program. */
	bpf_program__set_autoload(skel->progs.uni_sys_enter, options->latency);
	bpf_program__set_autoload(skel->progs.uni_sys_exit, options->latency);
	bpf_program__set_autoload(skel->progs.uni_sys_exit_cnt, !options->latency);
}

static int open_and_load_once(struct tracer *tracer, bool with_uring)
{
	int err;

	tracer->skel = trace_bpf__open();
	if (!tracer->skel) {
		bpf_env_report_failure("opening the BPF object", errno);
		return -1;
	}
	set_tunables(tracer->skel, tracer->options);
	bpf_program__set_autoload(tracer->skel->progs.uni_uring_submit, with_uring);
	bpf_program__set_autoload(tracer->skel->progs.uni_uring_done, with_uring);

	err = trace_bpf__load(tracer->skel);
	if (err) {
		trace_bpf__destroy(tracer->skel);
		tracer->skel = NULL;
	}
	return err;
}

static int open_and_load(struct tracer *tracer)
{
	int err;

	/* Looking io_uring up in the kernel's BTF first would parse it twice. */
	log_mute_libbpf(1);
	err = open_and_load_once(tracer, true);
	log_mute_libbpf(0);
	if (!err)
		return 0;

	/* A kernel without io_uring lacks its tracepoints: go on without them. */
	err = open_and_load_once(tracer, false);
	if (err) {
		bpf_env_report_failure("loading the BPF programs", err);
		return -1;
	}
	p_warn("io_uring requests are not counted: this kernel has no io_uring tracepoints");
	return 0;
}

static int add_traced_process(struct tracer *tracer, pid_t tgid, pid_t ppid)
{
	struct proc_info info = { .ppid = ppid, .start_ns = now_ns() };
	struct proc_row *proc;
	__u32 key = tgid;
	int err;

	err = bpf_map__update_elem(tracer->skel->maps.traced_procs, &key, sizeof(key), &info,
				   sizeof(info), BPF_ANY);
	if (err) {
		log_errno(LOG_ERROR, err, "cannot add process %d to the traced set", tgid);
		return -1;
	}
	/* Make every CPU's filter cache look the process up again. */
	__atomic_add_fetch(&tracer->skel->bss->traced_generation, 1, __ATOMIC_SEQ_CST);

	proc = trace_data_proc(&tracer->data, tgid);
	if (proc)
		proc->initial_threads = target_thread_count(tgid);
	return 0;
}

static int attach_all(struct tracer *tracer)
{
	uint64_t start = now_ns();
	int err;

	err = trace_bpf__attach(tracer->skel);
	if (err) {
		bpf_env_report_failure("attaching to the tracepoints", err);
		return -1;
	}
	tracer->data.faults_available =
		perf_faults_attach(&tracer->faults, tracer->skel->progs.uni_minor_fault,
				   tracer->skel->progs.uni_major_fault) == 0;
	p_info("attached in %.1f ms", (now_ns() - start) / 1e6);
	return 0;
}

static int start_targets(struct tracer *tracer)
{
	struct trace_options *options = tracer->options;
	int i, err;

	if (!options->command) {
		for (i = 0; i < options->pid_count; i++) {
			pid_t tgid = target_resolve_pid(options->pids[i]);

			if (tgid < 0)
				return -1;
			if (tgid == getpid()) {
				p_err("cannot trace uniscope itself (PID %d)", tgid);
				return -1;
			}
			options->pids[i] = tgid;
			if (add_traced_process(tracer, tgid, 0))
				return -1;
		}
		return attach_all(tracer);
	}

	/* Orphaned grandchildren come back to us, so their ends are seen and reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	err = launch_prepare(options->command, &tracer->command);
	if (!err) {
		tracer->launched = true;
		if (add_traced_process(tracer, tracer->command.pid, getpid()) ||
		    attach_all(tracer))
			return -1;
		p_info("tracing armed %.1f ms after start", (now_ns() - tracer->created_ns) / 1e6);
		err = launch_release(&tracer->command);
	}
	if (!err)
		return 0;

	if (err == ENOENT)
		p_err("command '%s' not found: check the name, or give its path", options->command[0]);
	else
		log_errno(LOG_ERROR, err, "cannot execute '%s'", options->command[0]);
	return err == ENOENT ? 127 : 126;
}

/* Whether any traced process still runs, according to the map and /proc. */
static bool targets_alive(struct tracer *tracer, bool check_proc)
{
	struct bpf_map *map = tracer->skel->maps.traced_procs;
	__u32 key, next, *previous = NULL;
	struct proc_info info;
	bool alive = false;

	if (tracer->launched && !launch_poll(&tracer->command))
		return true;

	while (!bpf_map__get_next_key(map, previous, &next, sizeof(next))) {
		key = next;
		previous = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &info, sizeof(info), 0))
			continue;
		if (info.exited)
			continue;
		if (check_proc && !target_is_alive(key)) {
			/* The exit was missed (for example, it happened before attaching). */
			p_debug("process %u ended without an exit event", key);
			info.exited = 1;
			bpf_map__update_elem(map, &key, sizeof(key), &info, sizeof(info),
					     BPF_EXIST);
			continue;
		}
		alive = true;
	}
	return alive;
}

static void forward_stop_signal(struct tracer *tracer, int sig)
{
	uint64_t deadline = now_ns() + INTERRUPT_GRACE_NS;

	if (!tracer->launched || launch_poll(&tracer->command))
		return;
	/* Like a shell's foreground job: the launched command gets the signal too. */
	kill(tracer->command.pid, sig);
	while (now_ns() < deadline && targets_alive(tracer, false)) {
		ring_buffer__poll(tracer->events, 20);
		usleep(1000);
	}
}

/*
 * Waits up to timeout_ms for a process event or for the launched command to
 * end (its pidfd becomes readable), then handles the events that arrived.
 */
static int wait_for_events(struct tracer *tracer, int timeout_ms)
{
	struct epoll_event ready;
	int err;

	err = epoll_wait(tracer->epoll_fd, &ready, 1, timeout_ms);
	if (err < 0 && errno != EINTR)
		return -errno;
	err = ring_buffer__consume(tracer->events);
	return err < 0 && err != -EINTR ? err : 0;
}

static int setup_event_wait(struct tracer *tracer)
{
	struct epoll_event event = { .events = EPOLLIN };

	tracer->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (tracer->epoll_fd < 0)
		return -errno;
	if (epoll_ctl(tracer->epoll_fd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(tracer->events),
		      &event))
		return -errno;
	if (!tracer->launched)
		return 0;

	tracer->pidfd = syscall(SYS_pidfd_open, tracer->command.pid, 0);
	if (tracer->pidfd < 0)
		return 0;	/* Without pidfds, the poll timeout notices the end. */
	return epoll_ctl(tracer->epoll_fd, EPOLL_CTL_ADD, tracer->pidfd, &event) ? -errno : 0;
}

static void run_until_done(struct tracer *tracer)
{
	uint64_t deadline = 0, next_check = 0, now;
	int err;

	if (tracer->options->duration_ns)
		deadline = tracer->start_ns + tracer->options->duration_ns;

	err = setup_event_wait(tracer);
	if (err)
		log_errno(LOG_WARN, err, "cannot wait for process events");

	while (!stop_signal) {
		err = wait_for_events(tracer, POLL_INTERVAL_MS);
		if (err) {
			log_errno(LOG_WARN, err, "reading process events failed");
			break;
		}
		now = now_ns();
		if (deadline && now >= deadline)
			break;
		if (!targets_alive(tracer, now >= next_check)) {
			ring_buffer__consume(tracer->events);
			break;
		}
		if (now >= next_check)
			next_check = now + LIVENESS_CHECK_NS;
	}

	if (stop_signal) {
		tracer->data.interrupted = true;
		forward_stop_signal(tracer, stop_signal);
	}
	ring_buffer__consume(tracer->events);
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

static int write_json_report(const char *path, const struct trace_data *data,
			     const struct trace_options *options)
{
	json_t *json;
	int err = 0;

	json = trace_report_json(data, options);
	if (!json)
		return -ENOMEM;
	if (path) {
		err = json_write_atomic(path, json);
	} else {
		json_dumpf(json, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		fflush(stdout);
	}
	json_decref(json);
	return err;
}

static bool is_json_path(const char *path)
{
	size_t len = path ? strlen(path) : 0;

	return len > 5 && !strcmp(path + len - 5, ".json");
}

/*
 * Writes the report where the options say: a table on stderr by default,
 * JSON on stdout with --json, and with -o a file (JSON for *.json).
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

	if (err)
		log_errno(LOG_ERROR, err, "cannot write the report to '%s'",
			  path ? path : "stdout");
	return err ? -1 : 0;
}

static void install_signal_handlers(void)
{
	struct sigaction action = { .sa_handler = handle_stop_signal };

	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGHUP, &action, NULL);
}

static int exit_status(struct tracer *tracer)
{
	if (tracer->launched) {
		if (launch_poll(&tracer->command))
			return wait_status_to_exit_code(tracer->command.wait_status);
		if (stop_signal)
			return 128 + stop_signal;
	}
	return EXIT_OK;
}

static void destroy_tracer(struct tracer *tracer)
{
	if (tracer->pidfd >= 0)
		close(tracer->pidfd);
	if (tracer->epoll_fd >= 0)
		close(tracer->epoll_fd);
	ring_buffer__free(tracer->events);
	perf_faults_detach(&tracer->faults);
	trace_bpf__destroy(tracer->skel);
	trace_data_free(&tracer->data);
	free(tracer->options->filter_names);
}

/* Loads, attaches, runs and reports; returns the exit status. */
static int run_trace(struct tracer *tracer)
{
	int err;

	if (open_and_load(tracer))
		return EXIT_FAILURE_RUNTIME;
	tracer->events = ring_buffer__new(bpf_map__fd(tracer->skel->maps.events),
					  handle_lifecycle_event, tracer, NULL);
	if (!tracer->events) {
		log_errno(LOG_ERROR, errno, "cannot open the BPF ring buffer");
		return EXIT_FAILURE_RUNTIME;
	}

	tracer->start_ns = now_ns();
	err = start_targets(tracer);
	if (err)
		return err > 0 ? err : EXIT_FAILURE_RUNTIME;

	run_until_done(tracer);
	tracer->data.duration_ns = now_ns() - tracer->start_ns;
	if (tracer->launched && launch_poll(&tracer->command))
		tracer->data.exit_status = wait_status_to_exit_code(tracer->command.wait_status);

	/* Gathered data is always reported, whatever ended the trace. */
	if (trace_collect(tracer->skel, tracer->options, &tracer->data))
		return EXIT_FAILURE_RUNTIME;
	trace_filter_rows(&tracer->data, tracer->options);
	if (write_reports(&tracer->data, tracer->options))
		return EXIT_FAILURE_RUNTIME;
	return exit_status(tracer);
}

int cmd_trace(int argc, char **argv)
{
	struct trace_options options = {};
	struct tracer tracer = {
		.options = &options,
		.created_ns = now_ns(),
		.epoll_fd = -1,
		.pidfd = -1,
	};
	int status;

	status = parse_trace_args(argc, argv, &options);
	if (status)
		return status > 0 ? EXIT_OK : EXIT_USAGE;
	if (bpf_env_check())
		return EXIT_FAILURE_RUNTIME;

	install_signal_handlers();
	tracer.data.exit_status = -1;
	tracer.data.command = options.command;
	tracer.data.pids = options.pids;
	tracer.data.pid_count = options.pid_count;
	tracer.data.latency = options.latency;
	tracer.data.per_thread = options.per_thread;

	status = run_trace(&tracer);
	if (tracer.launched && tracer.command.gate_fd >= 0) {
		/* The command never started: do not leave it waiting at its gate. */
		kill(tracer.command.pid, SIGKILL);
		launch_poll(&tracer.command);
	}
	destroy_tracer(&tracer);
	return status;
}
