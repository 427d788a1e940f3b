// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_env.h"
#include "dynamic.h"
#include "log.h"
#include "probes.h"
#include "tracer.h"
#include "trace.skel.h"
#include "util.h"
#include "workload.h"

/* Functions the vDSO may serve without a system call, probed in libc when present. */
static const char *const vdso_functions[] = {
	"clock_gettime", "clock_getres", "gettimeofday", "time", "getcpu",
};

struct mapped_file {
	char path[PATH_MAX];
	unsigned long long inode;
	json_t *pids;
	bool known;		/* the static analysis found it (program, loader or needed) */
	bool probed;		/* its functions have uprobes (known files have theirs from the start) */
	bool is_program;
	const char *static_name;	/* its name in the static report, if it has one */
};

struct dynamic_run {
	const struct dynamic_options *options;
	json_t *report;
	struct probe_plan plan;
	struct bpf_link **links;
	size_t link_count;
	size_t attached;	/* targets of the plan attached so far */
	uint64_t attach_ns;
	struct mapped_file *maps;
	size_t map_count;
	struct workload workload;
	bool has_workload;
	struct tracer *tracer;
	const char *libc_path;
	struct known_file *known;	/* the files the static analysis found */
	size_t known_count;
};

struct known_file {
	unsigned long long inode;
	const char *name;	/* the library's name in the static report, NULL for the program */
};

static void add_known_file(struct dynamic_run *run, const char *path, const char *name)
{
	struct known_file *grown;
	struct stat info;

	if (!path || stat(path, &info))
		return;
	grown = realloc(run->known, (run->known_count + 1) * sizeof(*grown));
	if (!grown)
		return;
	run->known = grown;
	grown[run->known_count].inode = info.st_ino;
	grown[run->known_count].name = name;
	run->known_count++;
}

static const struct known_file *find_known_file(const struct dynamic_run *run,
						unsigned long long inode)
{
	size_t i;

	for (i = 0; i < run->known_count; i++)
		if (run->known[i].inode == inode)
			return &run->known[i];
	return NULL;
}

/* The program, its loader and every library the static analysis resolved. */
static void collect_known_files(struct dynamic_run *run)
{
	const json_t *libraries = json_object_get(run->report, "libraries"), *library;
	const json_t *program = json_object_get(run->report, "program");
	size_t i;

	add_known_file(run, json_string_value(json_object_get(program, "path")), NULL);
	json_array_foreach(libraries, i, library)
		add_known_file(run, json_string_value(json_object_get(library, "path")),
			       json_string_value(json_object_get(library, "name")));
}

/* The kernel's uprobe PMU type, from sysfs; -errno when uprobes are unavailable. */
static int uprobe_pmu_type(void)
{
	static int type = -ENOENT;
	FILE *file;

	if (type >= 0)
		return type;
	file = fopen("/sys/bus/event_source/devices/uprobe/type", "re");
	if (!file)
		return -errno;
	if (fscanf(file, "%d", &type) != 1)
		type = -EINVAL;
	fclose(file);
	return type;
}

/* Attaches prog as a uprobe on every process that runs path at offset. */
static struct bpf_link *attach_uprobe(struct bpf_program *prog, const char *path,
				      uint64_t offset, uint64_t cookie)
{
	LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = cookie);
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.config1 = (uint64_t)(uintptr_t)path,
		.config2 = offset,
	};
	struct bpf_link *link;
	int type = uprobe_pmu_type(), fd;

	if (type < 0) {
		errno = -type;
		return NULL;
	}
	attr.type = type;
	/* pid -1 with a CPU: the probe fires in every process, on every CPU. */
	fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return NULL;
	link = bpf_program__attach_perf_event_opts(prog, fd, &opts);
	if (!link)
		close(fd);
	return link;
}

static int attach_new_targets(struct dynamic_run *run, struct bpf_program *prog)
{
	struct bpf_link **links;
	uint64_t start = now_ns();
	size_t i, failed = 0;

	links = realloc(run->links, run->plan.count * sizeof(*links));
	if (!links)
		return -ENOMEM;
	run->links = links;

	for (i = run->attached; i < run->plan.count; i++) {
		const struct probe_target *target = &run->plan.targets[i];

		links[i] = attach_uprobe(prog, target->library, target->offset, i);
		if (!links[i]) {
			failed++;
			log_errno(LOG_DEBUG, errno, "cannot attach a uprobe to %s in '%s' at 0x%llx",
				  target->symbol, target->library,
				  (unsigned long long)target->offset);
		}
	}
	run->link_count = run->plan.count;
	run->attached = run->plan.count;
	run->attach_ns += now_ns() - start;
	if (failed)
		p_warn("%zu of %zu uprobes could not be attached; run with -vv for the list",
		       failed, run->plan.count);
	return 0;
}

static bool is_libc(const char *path)
{
	const char *name = strrchr(path, '/');

	name = name ? name + 1 : path;
	return !strncmp(name, "libc.so", 7) || !strncmp(name, "libc-", 5) ||
	       !strncmp(name, "ld-musl", 7);
}

/* Adds the libc functions the vDSO may serve, so their calls can be compared. */
static void plan_vdso_functions(struct dynamic_run *run)
{
	const json_t *libraries = json_object_get(run->report, "libraries"), *library;
	size_t i, j;

	json_array_foreach(libraries, i, library) {
		const char *path = json_string_value(json_object_get(library, "path"));

		if (!path || !is_libc(path))
			continue;
		run->libc_path = path;
		for (j = 0; j < ARRAY_SIZE(vdso_functions); j++)
			probe_plan_add_symbol(&run->plan, path, vdso_functions[j]);
		return;
	}
}

/* Tells the BPF side which files are probed already, so only new ones stop a process. */
static void load_known_inodes(struct dynamic_run *run, struct tracer *tracer)
{
	__u8 one = 1;
	size_t i;

	for (i = 0; i < run->known_count; i++) {
		__u64 inode = run->known[i].inode;

		bpf_map__update_elem(tracer->skel->maps.known_inodes, &inode, sizeof(inode), &one,
				     sizeof(one), BPF_ANY);
	}
}

static int before_release(void *ctx, struct tracer *tracer)
{
	struct dynamic_run *run = ctx;
	int err;

	run->tracer = tracer;
	load_known_inodes(run, tracer);
	err = attach_new_targets(run, tracer->skel->progs.uni_libcall);
	if (err)
		return err;
	p_info("attached %zu uprobes in %.1f ms", run->attached, run->attach_ns / 1e6);

	if (!run->has_workload)
		return 0;
	err = workload_start(&run->workload, tracer->command.pid, tracer->command.stdin_fd,
			     tracer->command.output_fd);
	if (err) {
		log_errno(LOG_ERROR, err, "cannot start the workload");
		return -1;
	}
	/* The workload owns these now. */
	tracer->command.stdin_fd = -1;
	tracer->command.output_fd = -1;
	return 0;
}

static void join_path(const struct map_event *event, char *path, size_t size)
{
	size_t used = 0;
	int i;

	path[0] = '\0';
	for (i = (int)event->depth - 1; i >= 0 && used < size; i--)
		used += snprintf(path + used, size - used, "/%.*s", PATH_NAME_LEN,
				 event->names[i]);
	if (!event->depth)
		snprintf(path, size, "?");
}

static struct mapped_file *find_mapping(struct dynamic_run *run, const char *path)
{
	size_t i;

	for (i = 0; i < run->map_count; i++)
		if (!strcmp(run->maps[i].path, path))
			return &run->maps[i];
	return NULL;
}

/* Records a file mapped executable; a library not planned yet gets probes on all its functions. */
static void on_map(void *ctx, const struct map_event *event)
{
	struct dynamic_run *run = ctx;
	struct mapped_file *file, *grown;
	char path[PATH_MAX];
	int added;

	join_path(event, path, sizeof(path));
	file = find_mapping(run, path);
	if (!file) {
		const struct known_file *known = find_known_file(run, event->inode);

		grown = realloc(run->maps, (run->map_count + 1) * sizeof(*grown));
		if (!grown)
			return;
		run->maps = grown;
		file = &grown[run->map_count++];
		memset(file, 0, sizeof(*file));
		snprintf(file->path, sizeof(file->path), "%s", path);
		file->inode = event->inode;
		file->pids = json_array();
		file->known = known != NULL;
		file->probed = file->known;
		file->is_program = known && !known->name;
		file->static_name = known ? known->name : NULL;
	}
	if (!json_array_size(file->pids) ||
	    json_integer_value(json_array_get(file->pids, json_array_size(file->pids) - 1)) !=
		    event->tgid)
		json_array_append_new(file->pids, json_integer(event->tgid));

	/* Only a library new to the analysed program comes with a stop notice. */
	if (!run->tracer || !event->stopped)
		return;
	if (!file->probed) {
		/* Probe each library only once, even when several processes map it. */
		file->probed = true;
		added = access(path, R_OK) ? 0 : probe_plan_add_library(&run->plan, path);
		if (added > 0) {
			p_info("probing %d functions of '%s', mapped at run time", added, path);
			attach_new_targets(run, run->tracer->skel->progs.uni_libcall);
		}
	}
	/* The BPF side stopped the process at this mapping: probes are in place now. */
	kill(event->tgid, SIGCONT);
}


struct symbol_counts {
	uint64_t from_program;
	uint64_t from_libraries;
	json_t *per_process;	/* {"PID": calls} */
};

/* Sums the library-call map by probe, over CPUs and with a per-process split. */
static struct symbol_counts *read_libcall_counts(struct dynamic_run *run)
{
	struct bpf_map *map = run->tracer->skel->maps.libcall_counts;
	int cpus = libbpf_num_possible_cpus();
	struct libcall_key key, next, *previous = NULL;
	struct symbol_counts *counts;
	struct libcall_counts *values;

	counts = calloc(run->plan.count + 1, sizeof(*counts));
	values = calloc(cpus, sizeof(*values));
	if (!counts || !values) {
		free(counts);
		free(values);
		return NULL;
	}
	while (!bpf_map__get_next_key(map, previous, &next, sizeof(next))) {
		uint64_t calls = 0;
		char pid[16];
		int cpu;

		key = next;
		previous = &key;
		if (key.probe >= run->plan.count ||
		    bpf_map__lookup_elem(map, &key, sizeof(key), values, sizeof(*values) * cpus, 0))
			continue;
		for (cpu = 0; cpu < cpus; cpu++) {
			counts[key.probe].from_program += values[cpu].from_program;
			counts[key.probe].from_libraries += values[cpu].from_libraries;
			calls += values[cpu].from_program + values[cpu].from_libraries;
		}
		if (!counts[key.probe].per_process)
			counts[key.probe].per_process = json_object();
		snprintf(pid, sizeof(pid), "%u", key.tgid);
		json_object_set_new(counts[key.probe].per_process, pid, json_integer(calls));
	}
	free(values);
	return counts;
}

static uint64_t syscall_calls(const json_t *trace, const char *name)
{
	const json_t *syscalls = json_object_get(trace, "syscalls"), *row;
	uint64_t calls = 0;
	size_t i;

	json_array_foreach(syscalls, i, row)
		if (!strcmp(json_string_value(json_object_get(row, "name")) ?: "", name))
			calls += json_integer_value(json_object_get(row, "calls"));
	return calls;
}

/* Calls through libc's wrapper minus system calls of the same name: what the vDSO served. */
static json_t *vdso_report(struct dynamic_run *run, const struct symbol_counts *counts,
			   const json_t *trace)
{
	json_t *vdso = json_array();
	size_t i, j;

	for (j = 0; j < ARRAY_SIZE(vdso_functions); j++) {
		const char *name = vdso_functions[j];
		uint64_t calls = 0, syscalls = syscall_calls(trace, name);
		bool probed = false;

		for (i = 0; i < run->plan.count; i++) {
			const struct probe_target *target = &run->plan.targets[i];

			if (!run->libc_path || strcmp(target->library, run->libc_path) ||
			    strcmp(target->symbol, name))
				continue;
			probed = true;
			calls += counts[i].from_program + counts[i].from_libraries;
		}
		if (!probed) {
			json_array_append_new(vdso, json_pack("{s:s, s:I, s:n, s:s}", "function",
				name, "system_calls", (json_int_t)syscalls, "vdso_calls",
				"note", "libc binds this name straight to the vDSO: no uprobe can count it"));
			continue;
		}
		json_array_append_new(vdso, json_pack("{s:s, s:I, s:I, s:I}", "function", name,
			"libc_calls", (json_int_t)calls, "system_calls", (json_int_t)syscalls,
			"vdso_calls", (json_int_t)(calls > syscalls ? calls - syscalls : 0)));
	}
	return vdso;
}

static json_t *library_calls_report(struct dynamic_run *run, const struct symbol_counts *counts)
{
	json_t *calls = json_array();
	size_t i;

	for (i = 0; i < run->plan.count; i++) {
		const struct probe_target *target = &run->plan.targets[i];
		uint64_t total = counts[i].from_program + counts[i].from_libraries;
		json_t *row;

		if (!total)
			continue;
		row = json_pack("{s:s, s:s?, s:s, s:I, s:I, s:I, s:b, s:b}", "symbol",
				target->symbol, "version", target->version, "library",
				target->library, "calls", (json_int_t)total, "from_program",
				(json_int_t)counts[i].from_program, "from_libraries",
				(json_int_t)counts[i].from_libraries, "imported", target->imported,
				"ifunc", target->ifunc);
		json_object_set_new(row, "offset", json_integer(target->offset));
		json_object_set(row, "processes", counts[i].per_process);
		json_array_append_new(calls, row);
	}
	return calls;
}

static json_t *mapped_files_report(struct dynamic_run *run)
{
	json_t *files = json_array();
	size_t i;

	for (i = 0; i < run->map_count; i++)
		json_array_append_new(files, json_pack("{s:s, s:s?, s:O, s:b}", "path",
						       run->maps[i].path, "name",
						       run->maps[i].static_name, "processes",
						       run->maps[i].pids, "found_statically",
						       run->maps[i].known));
	return files;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The UNICORE-layout section: shared_libs, system_calls and symbols seen at run time. */
static json_t *dynamic_data(struct dynamic_run *run, const struct symbol_counts *counts,
			    const json_t *trace)
{
	json_t *data = json_object(), *libs = json_object(), *syscalls = json_object();
	json_t *symbols = json_object(), *row;
	const json_t *static_libs = json_object_get(json_object_get(run->report, "static_data"),
						    "shared_libs");
	size_t i;

	for (i = 0; i < run->map_count; i++) {
		const struct mapped_file *file = &run->maps[i];
		const char *name = file->static_name ? file->static_name : base_name(file->path);
		json_t *needs = json_object_get(static_libs, name);

		if (file->is_program)
			continue;
		json_object_set_new(libs, name, needs ? json_deep_copy(needs) : json_array());
	}
	json_array_foreach(json_object_get(trace, "syscalls"), i, row)
		json_object_set_new(syscalls, json_string_value(json_object_get(row, "name")),
				    json_string(""));
	for (i = 0; i < run->plan.count; i++) {
		const struct probe_target *target = &run->plan.targets[i];

		if (counts[i].from_program + counts[i].from_libraries)
			json_object_set_new(symbols, target->symbol,
					    json_string(target->version ? target->version : ""));
	}
	json_object_set_new(data, "shared_libs", libs);
	json_object_set_new(data, "system_calls", syscalls);
	json_object_set_new(data, "symbols", symbols);
	return data;
}

/* Splits the keys of two objects into only-in-a, only-in-b and both. */
static json_t *compare_keys(const json_t *static_set, const json_t *dynamic_set)
{
	json_t *static_only = json_array(), *dynamic_only = json_array(), *both = json_array();
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)static_set, key, value)
		json_array_append_new(json_object_get(dynamic_set, key) ? both : static_only,
				      json_string(key));
	json_object_foreach((json_t *)dynamic_set, key, value)
		if (!json_object_get(static_set, key))
			json_array_append_new(dynamic_only, json_string(key));
	return json_pack("{s:o, s:o, s:o}", "static_only", static_only, "dynamic_only",
			 dynamic_only, "both", both);
}

static json_t *comparison(const json_t *report)
{
	const json_t *static_data = json_object_get(report, "static_data");
	const json_t *dynamic = json_object_get(report, "dynamic_data");
	json_t *result = json_object();
	static const char *const sections[] = { "system_calls", "symbols", "shared_libs" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sections); i++)
		json_object_set_new(result, sections[i],
				    compare_keys(json_object_get(static_data, sections[i]),
						 json_object_get(dynamic, sections[i])));
	return result;
}

static void add_results(struct dynamic_run *run, const struct trace_options *trace_options)
{
	struct symbol_counts *counts = read_libcall_counts(run);
	json_t *trace, *dynamic;
	size_t i;

	trace = trace_report_json(&run->tracer->data, trace_options);
	if (!counts || !trace) {
		free(counts);
		json_decref(trace);
		return;
	}
	dynamic = json_object();
	json_object_set_new(dynamic, "library_calls", library_calls_report(run, counts));
	json_object_set_new(dynamic, "mapped_files", mapped_files_report(run));
	json_object_set_new(dynamic, "vdso", vdso_report(run, counts, trace));
	json_object_set_new(dynamic, "probes",
			    json_pack("{s:I, s:f, s:s, s:O}", "count", (json_int_t)run->plan.count,
				      "attach_ms", run->attach_ns / 1e6, "method",
				      "one uprobe link per function", "unresolved",
				      run->plan.unresolved));
	if (run->has_workload)
		json_object_set_new(dynamic, "workload", workload_report(&run->workload));
	if (json_is_true(json_object_get(json_object_get(run->report, "elf"), "static")))
		json_object_set_new(dynamic, "note",
				    json_string("statically linked: no library is loaded and no "
						"library call can be probed; system calls are counted"));
	json_object_set_new(dynamic, "trace", trace);

	json_object_set_new(run->report, "dynamic_data", dynamic_data(run, counts, trace));
	json_object_set_new(run->report, "dynamic", dynamic);
	json_object_set_new(run->report, "comparison", comparison(run->report));

	for (i = 0; i < run->plan.count; i++)
		json_decref(counts[i].per_process);
	free(counts);
}

static unsigned long long program_inode(const json_t *report)
{
	const char *path = json_string_value(json_object_get(json_object_get(report, "program"),
							     "path"));
	struct stat info;

	return path && !stat(path, &info) ? info.st_ino : 0;
}

static void set_trace_options(const struct dynamic_options *options, struct dynamic_run *run,
			      struct trace_options *trace_options)
{
	memset(trace_options, 0, sizeof(*trace_options));
	trace_options->command = options->command;
	if (options->pid) {
		trace_options->pids[0] = options->pid;
		trace_options->pid_count = 1;
		trace_options->duration_ns = options->duration * 1e9;
	}
	trace_options->follow = true;
	trace_options->latency = true;
	trace_options->sort = SORT_CALLS;
	trace_options->track_maps = true;
	trace_options->libcalls = true;
	trace_options->stop_on_new_files = true;
	trace_options->program_inode = program_inode(run->report);
	trace_options->hooks.on_map = on_map;
	trace_options->hooks.before_release = before_release;
	trace_options->hooks.ctx = run;
	if (run->has_workload && workload_needs_stdin(&run->workload))
		trace_options->launch_flags |= LAUNCH_PIPE_STDIN;
	if (run->has_workload && workload_needs_output(&run->workload))
		trace_options->launch_flags |= LAUNCH_PIPE_OUTPUT;
}

static int prepare_run(struct dynamic_run *run, const struct dynamic_options *options)
{
	if (options->test_file && workload_read_file(options->test_file, &run->workload))
		return -1;
	run->workload.stdin_path = (char *)options->stdin_path;
	run->workload.wait_seconds = options->wait_seconds;
	run->has_workload = options->command &&
			    (options->test_file || options->stdin_path || options->wait_seconds > 0);

	if (probe_plan_from_report(run->report, options->all_libs, &run->plan)) {
		p_err("planning the uprobes failed: out of memory");
		return -1;
	}
	plan_vdso_functions(run);
	collect_known_files(run);
	return 0;
}

static void free_run(struct dynamic_run *run)
{
	size_t i;

	for (i = 0; i < run->link_count; i++)
		bpf_link__destroy(run->links[i]);
	free(run->links);
	for (i = 0; i < run->map_count; i++)
		json_decref(run->maps[i].pids);
	free(run->maps);
	free(run->known);
	probe_plan_free(&run->plan);
	if (run->has_workload)
		workload_free(&run->workload);
}

int dynamic_analysis(json_t *report, const struct dynamic_options *options)
{
	struct dynamic_run run = { .options = options, .report = report };
	struct trace_options trace_options;
	struct tracer tracer;
	int status = 0, err;

	if (bpf_env_check())
		return 1;
	if (prepare_run(&run, options)) {
		free_run(&run);
		return 1;
	}
	set_trace_options(options, &run, &trace_options);
	tracer_install_signal_handlers();
	tracer_init(&tracer, &trace_options);
	run.tracer = &tracer;

	err = tracer_load(&tracer);
	if (!err)
		err = tracer_start(&tracer);
	if (!err && !tracer.launched) {
		load_known_inodes(&run, &tracer);
		err = attach_new_targets(&run, tracer.skel->progs.uni_libcall);
	}
	if (err) {
		status = 1;
		if (err == 127 || err == 126)
			status = err;
	} else {
		tracer_run(&tracer);
		if (run.has_workload)
			workload_join(&run.workload);
		if (!tracer_collect(&tracer))
			add_results(&run, &trace_options);
		if (run.has_workload && run.workload.error[0]) {
			p_err("workload failed: %s", run.workload.error);
			status = 1;
		}
	}
	tracer_destroy(&tracer);
	free_run(&run);
	return status;
}
